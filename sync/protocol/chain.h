// The per-kiosk hash chain: every sealed record is linked to the one before it, so the hub can
// detect a missing, reordered or substituted record (gaps and forks). See PROTOCOL.md "Chain".
#pragma once

#include <cstdint>
#include <span>

#include "bytes.h"
#include "crypto.h"

namespace civic {

// The head before the first record (position 0).
inline constexpr Hash32 kGenesisHead{};

// BLAKE2b-256("civic-kiosk/record/v1" 0x00 || sealed record).
Hash32 record_hash(ByteView sealed_record);

// The head after appending the record at `position` (1-based) whose hash is `record`.
Hash32 chain_next(std::uint64_t position, const Hash32& previous_head, const Hash32& record);

// Folds a run of sealed records starting at `first_position` onto `previous_head`.
Hash32 chain_over(std::uint64_t first_position, const Hash32& previous_head,
                  std::span<const Bytes> sealed_records);

}  // namespace civic
