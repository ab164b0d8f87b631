#include <catch2/catch.hpp>

#include "sync/protocol/bytes.h"

using namespace civic;

TEST_CASE("hex round-trips and rejects bad digits", "[bytes]") {
  Bytes b{0x00, 0x7f, 0xab, 0xff};
  CHECK(to_hex(b) == "007fabff");
  auto back = from_hex("007FABff");
  REQUIRE(back.ok());
  CHECK(*back == b);
  CHECK(from_hex("abc").code() == ErrorCode::kInvalidArgument);
  CHECK(from_hex("zz").code() == ErrorCode::kInvalidArgument);
  CHECK(fixed_from_hex<2>("0011").ok());
  CHECK_FALSE(fixed_from_hex<2>("001122").ok());
}

TEST_CASE("integers are big-endian and reads are bounds-checked", "[bytes]") {
  ByteWriter w;
  w.u8(1);
  w.u16(0x0203);
  w.u32(0x04050607);
  w.u64(0x08090a0b0c0d0e0fULL);
  w.short_bytes(as_bytes("hi"));
  CHECK(to_hex(w.bytes()) == "010203040506070809" "0a0b0c0d0e0f" "00026869");
  ByteReader r(w.bytes());
  CHECK(*r.u8("a") == 1);
  CHECK(*r.u16("b") == 0x0203);
  CHECK(*r.u32("c") == 0x04050607);
  CHECK(*r.u64("d") == 0x08090a0b0c0d0e0fULL);
  CHECK(r.short_bytes(1, "e").code() == ErrorCode::kLengthOverflow);
  ByteReader r2(w.bytes());
  (void)r2.raw(15, "skip");
  auto s = r2.short_bytes(8, "e");
  REQUIRE(s.ok());
  CHECK(as_chars(*s) == "hi");
  CHECK(r2.expect_end("x").ok());
  auto past = r2.u8("f");
  CHECK(past.code() == ErrorCode::kTruncated);
  CHECK_THAT(past.message(), Catch::Contains("'f'"));
}

TEST_CASE("expect_end reports trailing bytes", "[bytes]") {
  Bytes b{1, 2};
  ByteReader r(b);
  (void)r.u8("a");
  CHECK(r.expect_end("thing").code() == ErrorCode::kTrailingBytes);
}

TEST_CASE("UTF-8 validation", "[bytes]") {
  CHECK(is_valid_utf8(as_bytes("plain ascii")));
  CHECK(is_valid_utf8(as_bytes("é œ « » ’ \xE2\x80\xAF ᐃᓄᒃᑎᑐᑦ 😀")));
  CHECK_FALSE(is_valid_utf8(as_bytes("\xC3")));              // truncated
  CHECK_FALSE(is_valid_utf8(as_bytes("\xC0\xAF")));          // overlong '/'
  CHECK_FALSE(is_valid_utf8(as_bytes("\xED\xA0\x80")));      // surrogate
  CHECK_FALSE(is_valid_utf8(as_bytes("\xF4\x90\x80\x80")));  // > U+10FFFF
  CHECK_FALSE(is_valid_utf8(as_bytes("\xFF")));
  CHECK_FALSE(is_valid_utf8(as_bytes("a\x80")));
}
