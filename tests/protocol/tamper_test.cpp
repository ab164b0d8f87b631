// Flipping any single byte of an encoded batch, ack, content bundle or key file must make it fail
// verification. Every offset is tried, with several bit patterns, not a sample.
#include <catch2/catch.hpp>

#include "sync/protocol/protocol.h"
#include "test_keys.h"

using namespace civic;

namespace {
constexpr std::uint8_t kFlips[] = {0x01, 0x80, 0xff};

Bytes two_record_batch(const SigningKeyPair& key) {
  auto hub = test::hub_submission_key();
  std::vector<Bytes> records;
  for (int i = 0; i < 2; ++i) records.push_back(*seal_submission(test::sample_submission(), hub.public_key));
  BatchHeader h;
  h.kiosk_id = kiosk_id_from_key(key.public_key);
  h.sequence = 1;
  h.first_position = 1;
  h.created_at = 1795000000;
  return encode_signed_batch(h, records, key)->bytes;
}
}  // namespace

TEST_CASE("every altered byte of a batch is detected", "[tamper][batch]") {
  auto key = test::kiosk_key();
  const Bytes good = two_record_batch(key);
  auto ok = parse_batch(good);
  REQUIRE(ok.ok());
  REQUIRE(verify_batch(*ok, key.public_key).ok());
  std::size_t refused = 0;
  for (std::size_t i = 0; i < good.size(); ++i) {
    for (auto flip : kFlips) {
      Bytes bad = good;
      bad[i] ^= flip;
      auto parsed = parse_batch(bad);
      const bool accepted = parsed.ok() && verify_batch(*parsed, key.public_key).ok();
      if (accepted) FAIL_CHECK("byte " << i << " xor " << int(flip) << " was accepted");
      else ++refused;
    }
  }
  // Every altered copy was refused, and there were many (two records, a header and a signature).
  CHECK(good.size() > 200);
  CHECK(refused == good.size() * std::size(kFlips));
}

TEST_CASE("every altered byte of an ack is detected", "[tamper][ack]") {
  auto hub = test::hub_signing_key();
  Ack ack{kiosk_id_from_key(test::kiosk_key().public_key), 1, 1, 2, Hash32{}, Hash32{}, 1795000000};
  const Bytes good = encode_signed_ack(ack, hub);
  REQUIRE(verify_ack(good, hub.public_key).ok());
  for (std::size_t i = 0; i < good.size(); ++i) {
    for (auto flip : kFlips) {
      Bytes bad = good;
      bad[i] ^= flip;
      if (verify_ack(bad, hub.public_key).ok()) FAIL("byte " << i << " xor " << int(flip) << " was accepted");
    }
  }
}

TEST_CASE("every altered byte of a health report is detected", "[tamper][health-report]") {
  const auto kiosk = test::kiosk_key();
  HealthReport h;
  h.kiosk_id = kiosk_id_from_key(kiosk.public_key);
  h.sequence = 7;
  h.created_at = 1795000000;
  h.backlog_records = 3;
  h.speech = SpeechHealth::kAvailable;
  h.software_version = "0.9.0";
  h.last_sync_error = "timeout";
  auto good = encode_signed_health_report(h, kiosk);
  REQUIRE(good.ok());
  REQUIRE(verify_health_report(*good, kiosk.public_key).ok());
  for (std::size_t i = 0; i < good->size(); ++i) {
    for (auto flip : kFlips) {
      Bytes bad = *good;
      bad[i] ^= flip;
      if (verify_health_report(bad, kiosk.public_key).ok()) FAIL("byte " << i << " xor " << int(flip) << " was accepted");
    }
  }
  // Another kiosk's key, a shortened or lengthened report: refused too.
  CHECK(verify_health_report(*good, test::hub_signing_key().public_key).code() == ErrorCode::kBadSignature);
  CHECK_FALSE(verify_health_report(ByteView(*good).first(good->size() - 1), kiosk.public_key).ok());
  Bytes longer = *good;
  longer.push_back(0);
  CHECK_FALSE(verify_health_report(longer, kiosk.public_key).ok());
  // The texts are bounded.
  h.last_sync_error.assign(kMaxSyncErrorBytes + 1, 'x');
  CHECK(encode_signed_health_report(h, kiosk).code() == ErrorCode::kMalformed);
}

TEST_CASE("every altered byte of a content bundle is detected", "[tamper][content]") {
  auto hub = test::hub_signing_key();
  ContentBundle b{3, 1795000000, 1795086400, R"({"consultations":[{"id":"parks-2026"}]})"};
  const Bytes good = *encode_signed_content(b, hub);
  REQUIRE(verify_content(good, hub.public_key, {}, 1795000000).ok());
  for (std::size_t i = 0; i < good.size(); ++i) {
    for (auto flip : kFlips) {
      Bytes bad = good;
      bad[i] ^= flip;
      if (verify_content(bad, hub.public_key, {}, 1795000000).ok()) {
        FAIL("byte " << i << " xor " << int(flip) << " was accepted");
      }
    }
  }
}

TEST_CASE("every altered byte of a key file is detected", "[tamper][keyfile]") {
  const Bytes good = encode_key_file(KeyType::kHubSigningSecret, test::fixed_seed(0x41));
  REQUIRE(decode_key_file(good, KeyType::kHubSigningSecret).ok());
  for (std::size_t i = 0; i < good.size(); ++i) {
    for (auto flip : kFlips) {
      Bytes bad = good;
      bad[i] ^= flip;
      if (decode_key_file(bad, KeyType::kHubSigningSecret).ok()) {
        FAIL("byte " << i << " xor " << int(flip) << " was accepted");
      }
    }
  }
}
