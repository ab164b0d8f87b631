// The hub's rules for a kiosk's chain, beyond the simple path: gaps, the batches that fill them,
// overlaps and forks, the events they log, and the limits at exactly the limit.
#include <catch2/catch.hpp>

#include <algorithm>

#include "hub_fixture.h"

using namespace civic;
using test::Hub;
using test::kNow;

namespace {

// Ten records of one kiosk with the chain head after each position (heads[0]: genesis).
struct KioskChain {
  std::vector<Bytes> records;  // records[i]: position i + 1
  std::vector<Hash32> heads;
  KioskChain() {
    heads.push_back(kGenesisHead);
    for (int i = 0; i < 10; ++i) {
      records.push_back(test::sealed_idea("idea " + std::to_string(i)));
      heads.push_back(chain_next(i + 1, heads.back(), record_hash(records.back())));
    }
  }
  // A signed batch of positions first..last, continuing the chain unless told another head.
  Bytes batch(const Hub& hub, std::uint64_t sequence, std::uint64_t first, std::uint64_t last,
              std::optional<Hash32> previous = std::nullopt) const {
    BatchHeader h{hub.kiosk, sequence, first, kNow, previous.value_or(heads[first - 1]), {}};
    std::vector<Bytes> part(records.begin() + static_cast<long>(first - 1), records.begin() + static_cast<long>(last));
    auto encoded = encode_signed_batch(h, part, test::kiosk_key());
    REQUIRE(encoded.ok());
    return encoded->bytes;
  }
};

std::size_t events_of(Hub& hub, const std::string& kind) {
  auto events = hub.service->store().events(1000);
  REQUIRE(events.ok());
  return static_cast<std::size_t>(
      std::count_if(events->begin(), events->end(), [&](const HubEvent& e) { return e.kind == kind; }));
}

KioskInfo kiosk_info(Hub& hub) {
  auto k = hub.service->store().kiosk(hub.kiosk);
  REQUIRE(k.ok());
  REQUIRE(k->has_value());
  return **k;
}

}  // namespace

TEST_CASE("contiguous batches log no gap, and every upload updates the kiosk's last contact", "[hub][chain]") {
  Hub hub;
  KioskChain chain;
  REQUIRE(hub.service->upload(chain.batch(hub, 1, 1, 3), "test", kNow + 10).ok());
  CHECK(kiosk_info(hub).last_contact == kNow + 10);
  REQUIRE(hub.service->upload(chain.batch(hub, 2, 4, 6), "test", kNow + 20).ok());
  CHECK(kiosk_info(hub).last_contact == kNow + 20);
  CHECK(kiosk_info(hub).contiguous_position == 6);
  CHECK(events_of(hub, "gap") == 0);
  CHECK(events_of(hub, "gap-filled") == 0);
  // A repeat is contact too.
  REQUIRE(hub.service->upload(chain.batch(hub, 2, 4, 6), "test", kNow + 30)->repeat);
  CHECK(kiosk_info(hub).last_contact == kNow + 30);
}

TEST_CASE("a batch after a gap is kept and logged, and the batch that fills the gap must chain into it",
          "[hub][chain]") {
  Hub hub;
  KioskChain chain;
  REQUIRE(hub.service->upload(chain.batch(hub, 1, 1, 2), "test", kNow).ok());
  REQUIRE(hub.service->upload(chain.batch(hub, 3, 6, 8), "test", kNow).ok());  // 3..5 missing
  CHECK(events_of(hub, "gap") == 1);
  CHECK(kiosk_info(hub).contiguous_position == 2);

  SECTION("a filler that does not lead into the later batch is a fork, and stores nothing") {
    Bytes other = test::sealed_idea("something else at position 5");
    BatchHeader h{hub.kiosk, 2, 3, kNow, chain.heads[2], {}};
    auto wrong = encode_signed_batch(h, {chain.records[2], chain.records[3], other}, test::kiosk_key());
    REQUIRE(wrong.ok());
    auto refused = hub.service->upload(wrong->bytes, "test", kNow);
    CHECK(refused.code() == ErrorCode::kConflict);
    CHECK(events_of(hub, "fork") == 1);
    CHECK(*hub.service->store().record_count(hub.kiosk) == 5);
    CHECK(kiosk_info(hub).contiguous_position == 2);
  }
  SECTION("a batch overlapping one record of the later batch is a fork") {
    auto refused = hub.service->upload(chain.batch(hub, 2, 3, 6), "test", kNow);
    CHECK(refused.code() == ErrorCode::kConflict);
    CHECK(*hub.service->store().record_count(hub.kiosk) == 5);
  }
  SECTION("the right filler joins everything up, without a second gap") {
    REQUIRE(hub.service->upload(chain.batch(hub, 2, 3, 5), "test", kNow).ok());
    CHECK(kiosk_info(hub).contiguous_position == 8);
    CHECK(kiosk_info(hub).contiguous_head == chain.heads[8]);
    CHECK(events_of(hub, "gap") == 1);
    CHECK(events_of(hub, "gap-filled") == 1);
    CHECK(events_of(hub, "fork") == 0);
  }
}

TEST_CASE("enrolment tokens expire at their expiry second", "[hub][limits]") {
  Hub hub;
  auto at_last_second = hub.service->create_enrolment_token("edge", 100, kNow);
  REQUIRE(at_last_second.ok());
  CHECK(hub.service->enrol(*at_last_second, generate_signing_key_pair().public_key, "k", "a", kNow + 99).ok());
  auto expired = hub.service->create_enrolment_token("edge", 100, kNow);
  REQUIRE(expired.ok());
  CHECK(hub.service->enrol(*expired, generate_signing_key_pair().public_key, "k", "a", kNow + 100).code() ==
        ErrorCode::kUnauthorized);
}

TEST_CASE("batches and acks at exactly their record limit pass, one more is refused", "[limits]") {
  const auto key = test::kiosk_key();
  std::vector<Bytes> records(kMaxBatchRecords, Bytes(kMinSealedSize, 7));
  BatchHeader h{kiosk_id_from_key(key.public_key), 1, 1, kNow, kGenesisHead, {}};
  auto full = encode_signed_batch(h, records, key);
  REQUIRE(full.ok());
  REQUIRE(full->bytes.size() <= kMaxBatchBytes);
  auto parsed = parse_batch(full->bytes);
  REQUIRE(parsed.ok());
  CHECK(parsed->records.size() == kMaxBatchRecords);
  records.push_back(Bytes(kMinSealedSize, 7));
  CHECK(encode_signed_batch(h, records, key).code() == ErrorCode::kInvalidArgument);

  const auto hub = test::hub_signing_key();
  Ack ack{h.kiosk_id, 1, 1, static_cast<std::uint32_t>(kMaxBatchRecords), Hash32{}, Hash32{}, kNow};
  CHECK(verify_ack(encode_signed_ack(ack, hub), hub.public_key).ok());
  ack.record_count = static_cast<std::uint32_t>(kMaxBatchRecords + 1);
  CHECK_FALSE(verify_ack(encode_signed_ack(ack, hub), hub.public_key).ok());

  // The decoder's size check is at exactly the limit: kMaxBatchBytes is not "oversize".
  CHECK(parse_batch(Bytes(kMaxBatchBytes, 0)).code() != ErrorCode::kOversize);
  CHECK(parse_batch(Bytes(kMaxBatchBytes + 1, 0)).code() == ErrorCode::kOversize);
}

TEST_CASE("a language tag of exactly 16 bytes is a language, 17 is not", "[limits]") {
  Submission s = test::sample_submission();
  s.language = std::string(kMaxLanguageBytes, 'a');
  CHECK(validate_submission(s).ok());
  auto back = decode_submission(encode_submission(s));
  REQUIRE(back.ok());
  CHECK(back->language == s.language);
  s.language += "a";
  CHECK_FALSE(validate_submission(s).ok());
}

TEST_CASE("releasing a held batch the hub does not hold changes nothing and says so", "[hub]") {
  Hub hub;
  const std::size_t before = events_of(hub, "held-accepted");
  auto released = hub.service->store().release_held_batch(999, HubEvent{kNow, "held-accepted", "", "test"});
  CHECK(released.code() == ErrorCode::kNotFound);
  CHECK(events_of(hub, "held-accepted") == before);
}
