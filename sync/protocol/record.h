// A resident's submission: what they said in one session about one consultation (an idea, a
// ballot, optional "about you" answers), encoded canonically, padded to a size bucket and sealed
// to the hub's submission key. Plaintext exists only in memory; see PROTOCOL.md "Submission".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bytes.h"
#include "crypto.h"
#include "format.h"

namespace civic {


enum class Channel : std::uint8_t { kKiosk = 1, kTownHall = 2, kPaper = 3 };
const char* channel_name(Channel c);

// kSelect: a project chosen on a budget ballot (record version 2).
enum class VoteChoice : std::uint8_t { kSupport = 1, kAgree = 2, kDisagree = 3, kPass = 4, kSelect = 5 };
const char* vote_choice_name(VoteChoice c);

struct Vote {
  std::string idea_id;
  VoteChoice choice = VoteChoice::kSupport;
  bool operator==(const Vote&) const = default;
};

struct Answer {
  std::string question_id;
  std::string answer_id;
  bool operator==(const Answer&) const = default;
};

// One "which is better?" screen of a pairwise consultation: the two ideas as shown (left, right)
// and what the resident tapped (record version 2).
enum class PairOutcome : std::uint8_t { kLeft = 1, kRight = 2, kCannotDecide = 3 };
const char* pair_outcome_name(PairOutcome o);

struct Comparison {
  std::string left, right;  // idea ids, different
  PairOutcome outcome = PairOutcome::kCannotDecide;
  bool operator==(const Comparison&) const = default;
};

using SessionId = FixedBytes<16>;

struct Submission {
  std::string consultation_id;
  SessionId session_id{};           // random per resident session; links nothing else
  std::string language;             // BCP 47 tag of the language on screen, e.g. "en", "fr"
  Channel channel = Channel::kKiosk;
  std::uint64_t coarse_time = 0;    // Unix seconds, a multiple of kTimeGranularitySeconds
  std::string event_id;             // town-hall event, empty otherwise
  std::string card_number;          // paper card number, empty otherwise
  std::string idea;                 // UTF-8; empty when the resident only voted
  std::vector<Vote> votes;          // sorted by idea_id, each idea at most once
  std::vector<Answer> answers;      // sorted by question_id, each question at most once
  std::vector<Comparison> comparisons;  // in the order shown; each pair of ideas at most once
  bool operator==(const Submission&) const = default;
};

// Rounds a Unix time down to the granularity records carry.
std::uint64_t coarsen_time(std::uint64_t unix_seconds);

// Checks every rule the decoder enforces, with a message that names the field.
[[nodiscard]] Status validate_submission(const Submission& s);
// The format version a submission is written in: 2 when it holds budget selections or
// comparisons, 1 otherwise.
std::uint8_t submission_version(const Submission& s);
// Canonical plaintext bytes. The caller must validate first (encode asserts nothing).
Bytes encode_submission(const Submission& s);
[[nodiscard]] Result<Submission> decode_submission(ByteView bytes);

// The padded size for a plaintext of this length, or 0 when it fits no bucket.
std::size_t padded_size_for(std::size_t plaintext_size);

// Validates, encodes, pads and seals; wipes the plaintext buffer before returning.
[[nodiscard]] Result<Bytes> seal_submission(const Submission& s, const SealPublicKey& hub_key);
// Opens, unpads and decodes (hub side; needs the operator's offline secret key).
[[nodiscard]] Result<Submission> open_submission(ByteView sealed, const SealKeyPair& hub_key);

// True when the length is one a sealed record can have.
bool is_valid_sealed_size(std::size_t n);

// Overwrites every string's characters before clearing, so the text does not linger in memory.
void wipe_submission(Submission& s);
void wipe_string(std::string& s);

}  // namespace civic
