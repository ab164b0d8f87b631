#include <catch2/catch.hpp>

#include <set>

#include "sync/protocol/protocol.h"
#include "test_keys.h"

using namespace civic;

namespace {
Bytes fake_sealed(std::uint8_t fill) { return Bytes(kMinSealedSize, fill); }
}  // namespace

TEST_CASE("the chain depends on position, previous head and record", "[chain]") {
  auto r1 = record_hash(fake_sealed(1));
  auto r2 = record_hash(fake_sealed(2));
  auto h1 = chain_next(1, kGenesisHead, r1);
  CHECK(h1 != chain_next(2, kGenesisHead, r1));
  CHECK(h1 != chain_next(1, r2, r1));
  CHECK(h1 != chain_next(1, kGenesisHead, r2));
  auto h2 = chain_next(2, h1, r2);
  std::vector<Bytes> both{fake_sealed(1), fake_sealed(2)};
  CHECK(chain_over(1, kGenesisHead, both) == h2);
  std::vector<Bytes> swapped{fake_sealed(2), fake_sealed(1)};
  CHECK(chain_over(1, kGenesisHead, swapped) != h2);
}

TEST_CASE("receipt codes are ten symbols from the alphabet and parse back", "[receipt]") {
  auto kiosk = kiosk_id_from_key(test::kiosk_key().public_key);
  std::set<std::string> seen;
  for (int i = 0; i < 2000; ++i) {
    auto code = make_receipt_code(kiosk, record_hash(fake_sealed(static_cast<std::uint8_t>(i)) ));
    REQUIRE(code.size() == kReceiptLength);
    for (char c : code) REQUIRE(kReceiptAlphabet.find(c) != std::string_view::npos);
    auto parsed = parse_receipt_code(format_receipt_code(code));
    REQUIRE(parsed.ok());
    CHECK(*parsed == code);
    seen.insert(code);
  }
  CHECK(seen.size() == 256);  // fake_sealed has 256 distinct fills
}

TEST_CASE("receipt codes depend on the kiosk", "[receipt]") {
  auto h = record_hash(fake_sealed(9));
  auto a = make_receipt_code(kiosk_id_from_key(test::kiosk_key().public_key), h);
  auto b = make_receipt_code(kiosk_id_from_key(test::hub_signing_key().public_key), h);
  CHECK(a != b);
}

TEST_CASE("every single-symbol typo and adjacent swap in a receipt code is caught", "[receipt]") {
  auto kiosk = kiosk_id_from_key(test::kiosk_key().public_key);
  for (int n = 0; n < 50; ++n) {
    auto code = make_receipt_code(kiosk, record_hash(fake_sealed(static_cast<std::uint8_t>(n))));
    for (std::size_t i = 0; i < code.size(); ++i) {
      for (char c : kReceiptAlphabet) {
        if (c == code[i]) continue;
        std::string typo = code;
        typo[i] = c;
        REQUIRE(parse_receipt_code(typo).code() == ErrorCode::kBadReceiptCode);
      }
      if (i + 1 < code.size() && code[i] != code[i + 1]) {
        std::string swapped = code;
        std::swap(swapped[i], swapped[i + 1]);
        REQUIRE(parse_receipt_code(swapped).code() == ErrorCode::kBadReceiptCode);
      }
    }
  }
}

TEST_CASE("typed receipt codes are forgiving about case and separators, strict otherwise", "[receipt]") {
  auto code = make_receipt_code(kiosk_id_from_key(test::kiosk_key().public_key), record_hash(fake_sealed(3)));
  std::string lower;
  for (char c : code) lower.push_back(static_cast<char>(std::tolower(c)));
  auto spaced = lower.substr(0, 3) + " " + lower.substr(3, 4) + "-" + lower.substr(7);
  auto parsed = parse_receipt_code(spaced);
  REQUIRE(parsed.ok());
  CHECK(*parsed == code);
  CHECK_THAT(parse_receipt_code(code.substr(0, 9)).message(), Catch::Contains("10 characters"));
  CHECK_THAT(parse_receipt_code("O" + code.substr(1)).message(), Catch::Contains("never contain 'O'"));
}
