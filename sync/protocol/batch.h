// Batches carry a run of a kiosk's sealed records to the hub, signed by the kiosk; acks carry the
// hub's signed word that it stored them. See PROTOCOL.md "Batch" and "Ack".
#pragma once

#include <cstdint>
#include <vector>

#include "bytes.h"
#include "crypto.h"
#include "format.h"

namespace civic {


struct BatchHeader {
  KioskId kiosk_id{};
  std::uint64_t sequence = 0;        // the kiosk's batch counter, from 1
  std::uint64_t first_position = 0;  // chain position of the first record, from 1
  std::uint64_t created_at = 0;      // Unix seconds, kiosk clock
  Hash32 previous_head{};            // chain head before the first record
  Hash32 new_head{};                 // chain head after the last record
  bool operator==(const BatchHeader&) const = default;
};

struct ParsedBatch {
  BatchHeader header;
  std::vector<Bytes> records;
  std::vector<Hash32> record_hashes;  // record_hash() of each record, computed for the chain check
  Signature signature{};
  Digest64 signed_digest{};  // what the signature covers
  Hash32 batch_id{};         // identifies these exact bytes; acks name it

  std::uint64_t last_position() const { return header.first_position + records.size() - 1; }
};

struct EncodedBatch {
  Bytes bytes;
  Hash32 new_head{};
  Hash32 batch_id{};
};

// Builds and signs a batch. new_head is computed from the records; the header's value is ignored.
[[nodiscard]] Result<EncodedBatch> encode_signed_batch(const BatchHeader& header,
                                                const std::vector<Bytes>& sealed_records,
                                                const SigningKeyPair& kiosk_key);

// Strict structural decode: sizes, version, record lengths, chain consistency. Does not check
// the signature, since the key is looked up by the kiosk id inside; call verify_batch next.
[[nodiscard]] Result<ParsedBatch> parse_batch(ByteView bytes);
// The kiosk id must be the key's, and the signature must verify.
[[nodiscard]] Status verify_batch(const ParsedBatch& batch, const SigningPublicKey& kiosk_key);

// BLAKE2b-256 over the signed digest and the signature: names one exact batch encoding without
// hashing the records again (the digest covers every byte before the signature).
Hash32 batch_id_of(const Digest64& signed_digest, const Signature& signature);

struct Ack {
  KioskId kiosk_id{};
  std::uint64_t batch_sequence = 0;
  std::uint64_t first_position = 0;
  std::uint32_t record_count = 0;
  Hash32 new_head{};
  Hash32 batch_id{};
  std::uint64_t accepted_at = 0;  // Unix seconds, hub clock
  bool operator==(const Ack&) const = default;
};

Bytes encode_signed_ack(const Ack& ack, const SigningKeyPair& hub_key);
// Decodes strictly and verifies the hub's signature.
[[nodiscard]] Result<Ack> verify_ack(ByteView bytes, const SigningPublicKey& hub_key);

}  // namespace civic
