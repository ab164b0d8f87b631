#include <catch2/catch.hpp>

#include "sync/protocol/protocol.h"
#include "test_keys.h"

using namespace civic;

namespace {
constexpr std::uint64_t kNow = 1795000000;

Bytes bundle(std::uint64_t version, std::uint64_t issued, std::uint64_t expires,
             const std::string& payload = R"({"consultations":[]})") {
  ContentBundle b{version, issued, expires, payload};
  auto bytes = encode_signed_content(b, test::hub_signing_key());
  REQUIRE(bytes.ok());
  return *bytes;
}
}  // namespace

TEST_CASE("a fresh kiosk accepts a valid bundle and learns a clock floor", "[content]") {
  auto hub = test::hub_signing_key().public_key;
  auto bytes = bundle(1, kNow, kNow + 86400);
  auto v = verify_content(bytes, hub, TrustedContentState{}, kNow - 500);
  REQUIRE(v.ok());
  CHECK(v->bundle.version == 1);
  CHECK(v->bundle.payload == R"({"consultations":[]})");
  CHECK(v->state.version == 1);
  CHECK(v->state.clock_floor == kNow);  // the hub's issue time is later than the kiosk's clock
  CHECK(v->state.bundle_hash == content_hash(bytes));
  CHECK_FALSE(v->same_as_trusted);
}

TEST_CASE("content rules: rollback, equivocation, freeze, oversize, signature", "[content]") {
  auto hub = test::hub_signing_key().public_key;
  auto v5 = bundle(5, kNow, kNow + 86400);
  auto trusted = verify_content(v5, hub, TrustedContentState{}, kNow)->state;

  SECTION("the same bundle again is accepted as nothing new") {
    auto again = verify_content(v5, hub, trusted, kNow + 10);
    REQUIRE(again.ok());
    CHECK(again->same_as_trusted);
  }
  SECTION("a newer bundle is accepted") {
    CHECK(verify_content(bundle(6, kNow + 100, kNow + 86400), hub, trusted, kNow).ok());
  }
  SECTION("rollback to an older, validly signed bundle") {
    auto old = bundle(4, kNow - 100, kNow + 86400);
    CHECK(verify_content(old, hub, trusted, kNow).code() == ErrorCode::kRollback);
  }
  SECTION("a different bundle under the trusted version") {
    auto other = bundle(5, kNow, kNow + 86400, R"({"consultations":[1]})");
    CHECK(verify_content(other, hub, trusted, kNow).code() == ErrorCode::kEquivocation);
  }
  SECTION("an expired bundle") {
    auto stale = bundle(6, kNow - 1000, kNow - 1);
    CHECK(verify_content(stale, hub, trusted, kNow).code() == ErrorCode::kExpired);
  }
  SECTION("freeze: a kiosk whose clock was set back still refuses an expired bundle") {
    TrustedContentState later = trusted;
    later.clock_floor = kNow + 100000;
    auto frozen = bundle(6, kNow, kNow + 50000);
    CHECK(verify_content(frozen, hub, later, /*now, wrong clock=*/1000).code() == ErrorCode::kExpired);
  }
  SECTION("the clock floor never goes backwards") {
    auto next = verify_content(bundle(6, kNow - 50, kNow + 86400), hub, trusted, 1000);
    REQUIRE(next.ok());
    CHECK(next->state.clock_floor == trusted.clock_floor);
  }
  SECTION("endless data is refused before parsing") {
    Bytes huge(kMaxContentBundleBytes + 1, 'C');
    CHECK(verify_content(huge, hub, trusted, kNow).code() == ErrorCode::kOversize);
  }
  SECTION("a bundle signed by another key") {
    ContentBundle b{6, kNow, kNow + 86400, "{}"};
    auto forged = encode_signed_content(b, generate_signing_key_pair());
    REQUIRE(forged.ok());
    CHECK(verify_content(*forged, hub, trusted, kNow).code() == ErrorCode::kBadSignature);
  }
}

TEST_CASE("content encoding refuses bad bundles", "[content]") {
  auto key = test::hub_signing_key();
  CHECK(encode_signed_content({0, kNow, kNow + 1, "{}"}, key).code() == ErrorCode::kInvalidArgument);
  CHECK(encode_signed_content({1, kNow, kNow, "{}"}, key).code() == ErrorCode::kInvalidArgument);
  CHECK(encode_signed_content({1, kNow, kNow + 1, "\xFF"}, key).code() == ErrorCode::kInvalidArgument);
  CHECK(encode_signed_content({1, kNow, kNow + 1, std::string(kMaxContentPayload + 1, ' ')}, key).code() ==
        ErrorCode::kOversize);
}
