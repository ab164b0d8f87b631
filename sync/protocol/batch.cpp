#include "batch.h"

#include <limits>

#include "chain.h"
#include "record.h"

namespace civic {

namespace {

}  // namespace

Hash32 batch_id_of(const Digest64& signed_digest, const Signature& signature) {
  return tagged_hash(tag::kBatchId, {ByteView(signed_digest), ByteView(signature)});
}

Result<EncodedBatch> encode_signed_batch(const BatchHeader& header, const std::vector<Bytes>& records,
                                  const SigningKeyPair& kiosk_key) {
  if (records.empty() || records.size() > kMaxBatchRecords) {
    return make_error(ErrorCode::kInvalidArgument,
                      "a batch holds 1 to " + std::to_string(kMaxBatchRecords) + " records");
  }
  if (header.first_position == 0 || header.sequence == 0) {
    return make_error(ErrorCode::kInvalidArgument, "batch sequence and chain positions start at 1");
  }
  std::size_t total = kBatchHeaderSize + kSignatureSize;
  for (const auto& r : records) {
    if (!is_valid_sealed_size(r.size())) {
      return make_error(ErrorCode::kInvalidArgument, "a record of " + std::to_string(r.size()) +
                                                         " bytes is not a sealed record");
    }
    total += kBatchRecordOverhead + r.size();
  }
  if (total > kMaxBatchBytes) {
    return make_error(ErrorCode::kOversize, "the batch would be larger than the limit of " +
                                                std::to_string(kMaxBatchBytes) + " bytes");
  }
  ByteWriter w(total);
  w.raw(as_bytes(magic::kBatch));
  w.u8(kBatchVersion);
  w.raw(header.kiosk_id);
  w.u64(header.sequence);
  w.u64(header.first_position);
  w.u32(static_cast<std::uint32_t>(records.size()));
  w.u64(header.created_at);
  w.raw(header.previous_head);
  EncodedBatch out;
  out.new_head = chain_over(header.first_position, header.previous_head, records);
  w.raw(out.new_head);
  for (const auto& r : records) w.long_bytes(r);
  const Digest64 digest = tagged_digest(tag::kBatch, w.bytes());
  const Signature signature = sign_digest(kiosk_key, digest);
  w.raw(signature);
  out.batch_id = batch_id_of(digest, signature);
  out.bytes = w.take();
  return out;
}

Result<ParsedBatch> parse_batch(ByteView bytes) {
  if (bytes.size() > kMaxBatchBytes) {
    return make_error(ErrorCode::kOversize, "the batch is " + std::to_string(bytes.size()) +
                                                " bytes; the limit is " + std::to_string(kMaxBatchBytes));
  }
  ByteReader r(bytes);
  CIVIC_TRY(expect_magic(r, magic::kBatch, "a civic-kiosk batch"));
  CIVIC_TRY(expect_version(r, kBatchVersion, "batch"));
  ParsedBatch b;
  CIVIC_ASSIGN(kiosk, r.fixed<kKioskIdSize>("kiosk_id"));
  b.header.kiosk_id = kiosk;
  CIVIC_ASSIGN(sequence, r.u64("sequence"));
  CIVIC_ASSIGN(first, r.u64("first_position"));
  CIVIC_ASSIGN(count, r.u32("record_count"));
  CIVIC_ASSIGN(created, r.u64("created_at"));
  CIVIC_ASSIGN(previous, r.fixed<kHashSize>("previous_head"));
  CIVIC_ASSIGN(head, r.fixed<kHashSize>("new_head"));
  if (sequence == 0 || first == 0) {
    return make_error(ErrorCode::kMalformed, "batch sequence and chain positions start at 1");
  }
  if (count == 0 || count > kMaxBatchRecords) {
    return make_error(ErrorCode::kLengthOverflow, "the batch claims " + std::to_string(count) +
                                                      " records; a batch holds 1 to " +
                                                      std::to_string(kMaxBatchRecords));
  }
  if (first > std::numeric_limits<std::uint64_t>::max() - count) {
    return make_error(ErrorCode::kMalformed, "the batch's chain positions overflow");
  }
  b.header.sequence = sequence;
  b.header.first_position = first;
  b.header.created_at = created;
  b.header.previous_head = previous;
  b.header.new_head = head;
  b.records.reserve(count);
  for (std::uint32_t i = 0; i < count; ++i) {
    CIVIC_ASSIGN(record, r.long_bytes(kMaxSealedSize, "record"));
    if (!is_valid_sealed_size(record.size())) {
      return make_error(ErrorCode::kMalformed, "record " + std::to_string(i + 1) + " has " +
                                                   std::to_string(record.size()) +
                                                   " bytes, which no sealed record has");
    }
    b.records.emplace_back(record.begin(), record.end());
  }
  const std::size_t signed_size = r.offset();
  CIVIC_ASSIGN(signature, r.fixed<kSignatureSize>("signature"));
  b.signature = signature;
  CIVIC_TRY(r.expect_end("the batch"));
  b.record_hashes.reserve(count);
  Hash32 chained = previous;
  for (std::uint32_t i = 0; i < count; ++i) {
    b.record_hashes.push_back(record_hash(b.records[i]));
    chained = chain_next(first + i, chained, b.record_hashes.back());
  }
  if (chained != head) {
    return make_error(ErrorCode::kChainMismatch,
                      "the batch's records do not chain from its previous head to its new head");
  }
  b.signed_digest = tagged_digest(tag::kBatch, bytes.first(signed_size));
  b.batch_id = batch_id_of(b.signed_digest, b.signature);
  return b;
}

Status verify_batch(const ParsedBatch& batch, const SigningPublicKey& kiosk_key) {
  if (kiosk_id_from_key(kiosk_key) != batch.header.kiosk_id) {
    return make_error(ErrorCode::kBadSignature, "the batch names kiosk " + to_hex(batch.header.kiosk_id) +
                                                    ", which is not the holder of this key");
  }
  if (!verify_digest(kiosk_key, batch.signed_digest, batch.signature)) {
    return make_error(ErrorCode::kBadSignature,
                      "the batch's signature does not verify: it was altered or not made by "
                      "kiosk " + to_hex(batch.header.kiosk_id));
  }
  return {};
}

Bytes encode_signed_ack(const Ack& ack, const SigningKeyPair& hub_key) {
  ByteWriter w(kAckSize);
  w.raw(as_bytes(magic::kAck));
  w.u8(kAckVersion);
  w.raw(ack.kiosk_id);
  w.u64(ack.batch_sequence);
  w.u64(ack.first_position);
  w.u32(ack.record_count);
  w.raw(ack.new_head);
  w.raw(ack.batch_id);
  w.u64(ack.accepted_at);
  w.raw(sign_digest(hub_key, tagged_digest(tag::kAck, w.bytes())));
  return w.take();
}

Result<Ack> verify_ack(ByteView bytes, const SigningPublicKey& hub_key) {
  if (bytes.size() > kAckSize) {
    return make_error(ErrorCode::kOversize, "an ack is " + std::to_string(kAckSize) +
                                                " bytes; this one is " + std::to_string(bytes.size()));
  }
  ByteReader r(bytes);
  CIVIC_TRY(expect_magic(r, magic::kAck, "a civic-kiosk ack"));
  CIVIC_TRY(expect_version(r, kAckVersion, "ack"));
  Ack a;
  CIVIC_ASSIGN(kiosk, r.fixed<kKioskIdSize>("kiosk_id"));
  CIVIC_ASSIGN(sequence, r.u64("batch_sequence"));
  CIVIC_ASSIGN(first, r.u64("first_position"));
  CIVIC_ASSIGN(count, r.u32("record_count"));
  CIVIC_ASSIGN(head, r.fixed<kHashSize>("new_head"));
  CIVIC_ASSIGN(batch, r.fixed<kHashSize>("batch_id"));
  CIVIC_ASSIGN(accepted, r.u64("accepted_at"));
  const std::size_t signed_size = r.offset();
  CIVIC_ASSIGN(signature, r.fixed<kSignatureSize>("signature"));
  CIVIC_TRY(r.expect_end("the ack"));
  if (!verify_digest(hub_key, tagged_digest(tag::kAck, bytes.first(signed_size)), signature)) {
    return make_error(ErrorCode::kBadSignature,
                      "the ack's signature does not verify against the hub's key: it was altered "
                      "or did not come from this hub");
  }
  if (sequence == 0 || first == 0 || count == 0 || count > kMaxBatchRecords) {
    return make_error(ErrorCode::kMalformed, "the ack names an impossible batch");
  }
  a.kiosk_id = kiosk;
  a.batch_sequence = sequence;
  a.first_position = first;
  a.record_count = count;
  a.new_head = head;
  a.batch_id = batch;
  a.accepted_at = accepted;
  return a;
}

}  // namespace civic
