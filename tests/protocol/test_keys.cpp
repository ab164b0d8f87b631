#include "test_keys.h"

namespace civic::test {

FixedBytes<32> fixed_seed(std::uint8_t first) {
  FixedBytes<32> seed{};
  for (std::size_t i = 0; i < seed.size(); ++i) seed[i] = static_cast<std::uint8_t>(first + i);
  return seed;
}

SigningKeyPair kiosk_key() { return signing_key_pair_from_seed(fixed_seed(0x01)); }
SigningKeyPair hub_signing_key() { return signing_key_pair_from_seed(fixed_seed(0x41)); }
SealKeyPair hub_submission_key() { return seal_key_pair_from_secret(fixed_seed(0x81)); }
SigningKeyPair hub_content_key() { return signing_key_pair_from_seed(fixed_seed(0xC1)); }

Submission sample_submission() {
  Submission s;
  s.consultation_id = "parks-2026";
  for (std::size_t i = 0; i < s.session_id.size(); ++i) s.session_id[i] = static_cast<std::uint8_t>(0xC0 + i);
  s.language = "fr";
  s.channel = Channel::kTownHall;
  s.coarse_time = 1795000000 - 1795000000 % 3600;
  s.event_id = "hall-2026-11-30";
  s.idea = "Des bancs à l’ombre près de l’école « Sainte-Marie » — et de l’eau potable.";
  s.votes = {{"idea-001", VoteChoice::kAgree}, {"idea-007", VoteChoice::kPass},
             {"idea-042", VoteChoice::kDisagree}};
  s.answers = {{"age", "65-74"}, {"area", "north"}, {"social-media", "no"}};
  return s;
}

}  // namespace civic::test
