#include <catch2/catch.hpp>

#include "sync/protocol/protocol.h"
#include "test_keys.h"

using namespace civic;

namespace {
std::vector<Bytes> sealed_records(std::size_t n) {
  auto hub = test::hub_submission_key();
  std::vector<Bytes> out;
  for (std::size_t i = 0; i < n; ++i) {
    auto s = test::sample_submission();
    s.idea = "idea number " + std::to_string(i);
    auto sealed = seal_submission(s, hub.public_key);
    REQUIRE(sealed.ok());
    out.push_back(*sealed);
  }
  return out;
}

Ack sample_ack() {
  Ack ack;
  ack.kiosk_id = kiosk_id_from_key(test::kiosk_key().public_key);
  ack.batch_sequence = 4;
  ack.first_position = 21;
  ack.record_count = 10;
  ack.new_head = record_hash(Bytes(kMinSealedSize, 1));
  ack.batch_id = record_hash(Bytes(kMinSealedSize, 2));
  ack.accepted_at = 1795000123;
  return ack;
}

BatchHeader header_for(const SigningKeyPair& key) {
  BatchHeader h;
  h.kiosk_id = kiosk_id_from_key(key.public_key);
  h.sequence = 3;
  h.first_position = 11;
  h.created_at = 1795000000;
  h.previous_head = chain_next(10, kGenesisHead, record_hash(Bytes(kMinSealedSize, 7)));
  return h;
}
}  // namespace

TEST_CASE("a batch round-trips and verifies", "[batch]") {
  auto key = test::kiosk_key();
  auto records = sealed_records(5);
  auto encoded = encode_signed_batch(header_for(key), records, key);
  REQUIRE(encoded.ok());
  const Bytes* bytes = &encoded->bytes;
  CHECK(bytes->size() == kBatchHeaderSize + 5 * (kBatchRecordOverhead + kMinSealedSize) + kSignatureSize);
  auto parsed = parse_batch(*bytes);
  REQUIRE(parsed.ok());
  CHECK(parsed->records == records);
  CHECK(parsed->header.sequence == 3);
  CHECK(parsed->header.first_position == 11);
  CHECK(parsed->last_position() == 15);
  CHECK(parsed->header.new_head == chain_over(11, parsed->header.previous_head, records));
  CHECK(parsed->batch_id == batch_id_of(parsed->signed_digest, parsed->signature));
  CHECK(parsed->batch_id == encoded->batch_id);
  CHECK(parsed->header.new_head == encoded->new_head);
  CHECK(verify_batch(*parsed, key.public_key).ok());
}

TEST_CASE("a batch verified against another kiosk's key fails", "[batch]") {
  auto key = test::kiosk_key();
  auto encoded = encode_signed_batch(header_for(key), sealed_records(1), key);
  REQUIRE(encoded.ok());
  auto parsed = parse_batch(encoded->bytes);
  REQUIRE(parsed.ok());
  auto other = generate_signing_key_pair();
  CHECK(verify_batch(*parsed, other.public_key).code() == ErrorCode::kBadSignature);
}

TEST_CASE("a batch signed by a key that is not the named kiosk's fails", "[batch]") {
  auto key = test::kiosk_key();
  auto impostor = generate_signing_key_pair();
  auto encoded = encode_signed_batch(header_for(key), sealed_records(1), impostor);
  REQUIRE(encoded.ok());
  auto parsed = parse_batch(encoded->bytes);
  REQUIRE(parsed.ok());
  CHECK(verify_batch(*parsed, key.public_key).code() == ErrorCode::kBadSignature);
}

TEST_CASE("batch encoding refuses what a decoder would refuse", "[batch]") {
  auto key = test::kiosk_key();
  CHECK(encode_signed_batch(header_for(key), {}, key).code() == ErrorCode::kInvalidArgument);
  CHECK(encode_signed_batch(header_for(key), {Bytes(100, 1)}, key).code() == ErrorCode::kInvalidArgument);
  auto h = header_for(key);
  h.first_position = 0;
  CHECK(encode_signed_batch(h, sealed_records(1), key).code() == ErrorCode::kInvalidArgument);
  std::vector<Bytes> huge(kMaxBatchRecords, Bytes(kMaxSealedSize, 1));
  CHECK(encode_signed_batch(header_for(key), huge, key).code() == ErrorCode::kOversize);
}

TEST_CASE("batch decode rejections each have their own code", "[batch]") {
  auto key = test::kiosk_key();
  auto bytes = encode_signed_batch(header_for(key), sealed_records(2), key)->bytes;

  SECTION("bad magic") {
    bytes[0] = 'X';
    CHECK(parse_batch(bytes).code() == ErrorCode::kBadMagic);
  }
  SECTION("unknown version") {
    bytes[kMagicSize] = kBatchVersion + 1;
    CHECK(parse_batch(bytes).code() == ErrorCode::kUnknownVersion);
  }
  SECTION("trailing bytes") {
    bytes.push_back(0);
    CHECK(parse_batch(bytes).code() == ErrorCode::kTrailingBytes);
  }
  SECTION("truncated at every length") {
    for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
      auto code = parse_batch(ByteView(bytes).first(cut)).code();
      REQUIRE((code == ErrorCode::kTruncated || code == ErrorCode::kBadMagic));
    }
  }
  SECTION("record count beyond the limit") {
    const std::size_t count_offset = batch_layout::kRecordCountOffset;
    bytes[count_offset] = 0xff;
    CHECK(parse_batch(bytes).code() == ErrorCode::kLengthOverflow);
  }
  SECTION("record length beyond the limit") {
    bytes[kBatchHeaderSize] = 0xff;
    CHECK(parse_batch(bytes).code() == ErrorCode::kLengthOverflow);
  }
  SECTION("oversize input") {
    Bytes huge(kMaxBatchBytes + 1, 0);
    CHECK(parse_batch(huge).code() == ErrorCode::kOversize);
  }
  SECTION("new head that does not match the records") {
    bytes[kBatchHeaderSize - 1] ^= 1;
    CHECK(parse_batch(bytes).code() == ErrorCode::kChainMismatch);
  }
  SECTION("altered record content") {
    bytes[kBatchHeaderSize + 10] ^= 1;
    CHECK(parse_batch(bytes).code() == ErrorCode::kChainMismatch);
  }
  SECTION("altered signature") {
    bytes.back() ^= 1;
    auto parsed = parse_batch(bytes);
    REQUIRE(parsed.ok());
    CHECK(verify_batch(*parsed, key.public_key).code() == ErrorCode::kBadSignature);
  }
}

TEST_CASE("a batch holds exactly its limit of records and not one more", "[batch]") {
  auto key = test::kiosk_key();
  const Bytes record = sealed_records(1)[0];
  std::vector<Bytes> at_limit(kMaxBatchRecords, record);
  auto encoded = encode_signed_batch(header_for(key), at_limit, key);
  REQUIRE(encoded.ok());
  auto parsed = parse_batch(encoded->bytes);
  REQUIRE(parsed.ok());
  CHECK(parsed->records.size() == kMaxBatchRecords);
  at_limit.push_back(record);
  CHECK(encode_signed_batch(header_for(key), at_limit, key).code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("a batch's count and positions on the wire are refused at their limits", "[batch]") {
  auto key = test::kiosk_key();
  const Bytes bytes = encode_signed_batch(header_for(key), sealed_records(2), key)->bytes;
  auto with = [&](std::size_t offset, std::uint64_t value, std::size_t size) {
    Bytes b = bytes;
    for (std::size_t i = 0; i < size; ++i) b[offset + i] = static_cast<std::uint8_t>(value >> (8 * (size - 1 - i)));
    return parse_batch(b).code();
  };
  CHECK(with(batch_layout::kRecordCountOffset, 0, kU32Size) == ErrorCode::kLengthOverflow);
  CHECK(with(batch_layout::kRecordCountOffset, kMaxBatchRecords + 1, kU32Size) == ErrorCode::kLengthOverflow);
  CHECK(with(batch_layout::kSequenceOffset, 0, kU64Size) == ErrorCode::kMalformed);
  CHECK(with(batch_layout::kFirstPositionOffset, 0, kU64Size) == ErrorCode::kMalformed);
  // Two records from position 2^64 - 2: the second would be past the largest position.
  CHECK(with(batch_layout::kFirstPositionOffset, ~std::uint64_t{0} - 1, kU64Size) == ErrorCode::kMalformed);
}

TEST_CASE("an ack naming an impossible batch is refused even with the hub's signature", "[ack]") {
  auto hub = test::hub_signing_key();
  Ack ack = sample_ack();
  ack.record_count = static_cast<std::uint32_t>(kMaxBatchRecords);
  CHECK(verify_ack(encode_signed_ack(ack, hub), hub.public_key).ok());
  for (std::uint32_t count : {std::uint32_t{0}, static_cast<std::uint32_t>(kMaxBatchRecords + 1)}) {
    Ack bad = ack;
    bad.record_count = count;
    CHECK(verify_ack(encode_signed_ack(bad, hub), hub.public_key).code() == ErrorCode::kMalformed);
  }
  Ack no_sequence = ack;
  no_sequence.batch_sequence = 0;
  CHECK(verify_ack(encode_signed_ack(no_sequence, hub), hub.public_key).code() == ErrorCode::kMalformed);
  Ack no_position = ack;
  no_position.first_position = 0;
  CHECK(verify_ack(encode_signed_ack(no_position, hub), hub.public_key).code() == ErrorCode::kMalformed);
}

TEST_CASE("acks round-trip and verify only with the hub's key", "[ack]") {
  auto hub = test::hub_signing_key();
  const Ack ack = sample_ack();
  auto bytes = encode_signed_ack(ack, hub);
  CHECK(bytes.size() == kAckSize);
  auto back = verify_ack(bytes, hub.public_key);
  REQUIRE(back.ok());
  CHECK(*back == ack);
  CHECK(verify_ack(bytes, test::kiosk_key().public_key).code() == ErrorCode::kBadSignature);
  Bytes longer = bytes;
  longer.push_back(0);
  CHECK(verify_ack(longer, hub.public_key).code() == ErrorCode::kOversize);
  CHECK(verify_ack(ByteView(bytes).first(kAckSize - 1), hub.public_key).code() == ErrorCode::kTruncated);
  Bytes wrong_version = bytes;
  wrong_version[4] = 9;
  CHECK(verify_ack(wrong_version, hub.public_key).code() == ErrorCode::kUnknownVersion);
}

TEST_CASE("event reports: round trip, every byte signed, the kiosk's key only", "[event-report]") {
  const auto kiosk = test::kiosk_key();
  EventReport r{kiosk_id_from_key(kiosk.public_key), "ev-20261130-a1b2c3", "Ward 3 meeting", "City hall, room 2",
                "2026-11-30", 1795000000, 1795007200, 40, 12, 9};
  auto bytes = encode_signed_event_report(r, kiosk);
  REQUIRE(bytes.ok());
  CHECK(bytes->size() <= kMaxEventReportSize);
  auto back = verify_event_report(*bytes, kiosk.public_key);
  REQUIRE(back.ok());
  CHECK(*back == r);
  CHECK(event_report_kiosk(*bytes).ok());
  CHECK(*event_report_kiosk(*bytes) == r.kiosk_id);
  for (std::size_t i = 0; i < bytes->size(); ++i) {
    Bytes bad = *bytes;
    bad[i] ^= 0x04;
    INFO("byte " << i);
    CHECK_FALSE(verify_event_report(bad, kiosk.public_key).ok());
  }
  CHECK(verify_event_report(*bytes, test::hub_signing_key().public_key).code() == ErrorCode::kBadSignature);
  Bytes cut(bytes->begin(), bytes->end() - 1);
  CHECK(verify_event_report(cut, kiosk.public_key).code() == ErrorCode::kTruncated);
  EventReport long_name = r;
  long_name.name = std::string(kMaxEventTextBytes + 1, 'x');
  CHECK_FALSE(encode_signed_event_report(long_name, kiosk).ok());
  EventReport no_id = r;
  no_id.event_id.clear();
  CHECK_FALSE(encode_signed_event_report(no_id, kiosk).ok());
}
