// The canonical big-endian encoding every format in PROTOCOL.md is built from:
// fixed-width unsigned integers, fixed-size byte arrays and u32-length-prefixed byte strings.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sync/common/bytes.h"
#include "sync/common/result.h"

namespace civic {

std::string to_hex(ByteView bytes);
// Lower- or upper-case hex, even length, nothing else.
Result<Bytes> from_hex(std::string_view hex);
template <std::size_t N>
Result<FixedBytes<N>> fixed_from_hex(std::string_view hex) {
  auto bytes = from_hex(hex);
  if (!bytes.ok()) return bytes.error();
  if (bytes->size() != N) {
    return make_error(ErrorCode::kInvalidArgument, "expected " + std::to_string(N) +
                                                       " bytes of hex, got " +
                                                       std::to_string(bytes->size()));
  }
  FixedBytes<N> out{};
  std::copy(bytes->begin(), bytes->end(), out.begin());
  return out;
}

// True when the bytes are well-formed UTF-8 (no overlongs, surrogates or code points > U+10FFFF).
bool is_valid_utf8(ByteView bytes);

// Appends canonical encodings to a buffer.
class ByteWriter {
 public:
  explicit ByteWriter(std::size_t expected_size = 0) { out_.reserve(expected_size); }

  void u8(std::uint8_t v) { out_.push_back(v); }
  void u16(std::uint16_t v);
  void u32(std::uint32_t v);
  void u64(std::uint64_t v);
  void raw(ByteView bytes) { out_.insert(out_.end(), bytes.begin(), bytes.end()); }
  // u16 length then the bytes; the caller guarantees size <= 65535.
  void short_bytes(ByteView bytes);
  // u32 length then the bytes.
  void long_bytes(ByteView bytes);

  const Bytes& bytes() const { return out_; }
  Bytes take() { return std::move(out_); }

 private:
  Bytes out_;
};

// Reads canonical encodings strictly: every read checks the remaining length and reports
// kTruncated with the name of the field it was reading.
class ByteReader {
 public:
  explicit ByteReader(ByteView in) : in_(in) {}

  Result<std::uint8_t> u8(const char* field);
  Result<std::uint16_t> u16(const char* field);
  Result<std::uint32_t> u32(const char* field);
  Result<std::uint64_t> u64(const char* field);
  Result<ByteView> raw(std::size_t n, const char* field);
  template <std::size_t N>
  Result<FixedBytes<N>> fixed(const char* field) {
    auto view = raw(N, field);
    if (!view.ok()) return view.error();
    FixedBytes<N> out{};
    std::copy(view->begin(), view->end(), out.begin());
    return out;
  }
  // u16-length-prefixed bytes, at most max_len long.
  Result<ByteView> short_bytes(std::size_t max_len, const char* field);
  // u32-length-prefixed bytes, at most max_len long.
  Result<ByteView> long_bytes(std::size_t max_len, const char* field);

  std::size_t offset() const { return pos_; }
  std::size_t remaining() const { return in_.size() - pos_; }
  // kTrailingBytes unless everything has been read.
  Status expect_end(const char* what) const;

 private:
  Result<ByteView> prefixed(std::uint64_t len, std::size_t max_len, const char* field);
  ByteView in_;
  std::size_t pos_ = 0;
};

// A format's magic bytes and version byte, read strictly: kBadMagic naming `what` (e.g. "a
// civic-kiosk ack"), kUnknownVersion telling the reader to update.
[[nodiscard]] Status expect_magic(ByteReader& r, std::string_view magic, const char* what);
[[nodiscard]] Status expect_version(ByteReader& r, std::uint8_t expected, const char* what);

}  // namespace civic
