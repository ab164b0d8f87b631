#include "chain.h"

namespace civic {

Hash32 record_hash(ByteView sealed_record) {
  return tagged_hash(tag::kRecord, {sealed_record});
}

Hash32 chain_next(std::uint64_t position, const Hash32& previous_head, const Hash32& record) {
  std::uint8_t pos[8];
  for (int i = 0; i < 8; ++i) pos[i] = static_cast<std::uint8_t>(position >> (56 - 8 * i));
  return tagged_hash(tag::kChain, {ByteView(pos), ByteView(previous_head), ByteView(record)});
}

Hash32 chain_over(std::uint64_t first_position, const Hash32& previous_head,
                  std::span<const Bytes> sealed_records) {
  Hash32 head = previous_head;
  std::uint64_t position = first_position;
  for (const auto& sealed : sealed_records) head = chain_next(position++, head, record_hash(sealed));
  return head;
}

}  // namespace civic
