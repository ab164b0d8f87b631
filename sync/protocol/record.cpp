#include "record.h"

#include <sodium.h>

#include <algorithm>

namespace civic {

const char* channel_name(Channel c) {
  switch (c) {
    case Channel::kKiosk: return "kiosk";
    case Channel::kTownHall: return "town-hall";
    case Channel::kPaper: return "paper";
  }
  return "unknown";
}

const char* vote_choice_name(VoteChoice c) {
  switch (c) {
    case VoteChoice::kSupport: return "support";
    case VoteChoice::kAgree: return "agree";
    case VoteChoice::kDisagree: return "disagree";
    case VoteChoice::kPass: return "pass";
    case VoteChoice::kSelect: return "select";
  }
  return "unknown";
}

const char* pair_outcome_name(PairOutcome o) {
  switch (o) {
    case PairOutcome::kLeft: return "left";
    case PairOutcome::kRight: return "right";
    case PairOutcome::kCannotDecide: return "cannot-decide";
  }
  return "unknown";
}

std::uint64_t coarsen_time(std::uint64_t t) { return t - t % kTimeGranularitySeconds; }

namespace {

Error malformed(std::string what) { return make_error(ErrorCode::kMalformed, std::move(what)); }

bool is_id_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.';
}

// Identifiers: 1..max bytes of [A-Za-z0-9._-]; optional ones may also be empty.
Status check_id(std::string_view value, std::size_t max, bool optional, const char* field) {
  if (value.empty()) {
    if (optional) return {};
    return malformed(std::string("the field '") + field + "' is empty");
  }
  if (value.size() > max) {
    return malformed(std::string("the field '") + field + "' is longer than " +
                     std::to_string(max) + " bytes");
  }
  if (!std::all_of(value.begin(), value.end(), is_id_char)) {
    return malformed(std::string("the field '") + field +
                     "' may only hold letters, digits, '.', '_' and '-'");
  }
  return {};
}

Status check_language(std::string_view value) {
  if (value.size() < 2 || value.size() > kMaxLanguageBytes) {
    return malformed("the language tag must be 2 to 16 characters, like 'en' or 'fr-CA'");
  }
  for (char c : value) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok) return malformed("the language tag may only hold letters, digits and '-'");
  }
  return {};
}

bool is_known_choice(std::uint8_t c) { return c >= 1 && c <= 5; }
bool is_known_outcome(std::uint8_t o) { return o >= 1 && o <= 3; }

// The kind of ballot a vote belongs to: a ballot holds one kind only.
enum class BallotKind { kSupport, kOpinion, kBudget };
BallotKind ballot_kind(VoteChoice c) {
  if (c == VoteChoice::kSupport) return BallotKind::kSupport;
  if (c == VoteChoice::kSelect) return BallotKind::kBudget;
  return BallotKind::kOpinion;
}

}  // namespace

Status validate_submission(const Submission& s) {
  CIVIC_TRY(check_id(s.consultation_id, kMaxIdBytes, false, "consultation_id"));
  CIVIC_TRY(check_language(s.language));
  if (s.channel != Channel::kKiosk && s.channel != Channel::kTownHall && s.channel != Channel::kPaper) {
    return malformed("unknown channel " + std::to_string(static_cast<int>(s.channel)));
  }
  if (s.coarse_time % kTimeGranularitySeconds != 0) {
    return malformed("coarse_time must be a whole hour (use coarsen_time)");
  }
  CIVIC_TRY(check_id(s.event_id, kMaxIdBytes, true, "event_id"));
  CIVIC_TRY(check_id(s.card_number, kMaxCardNumberBytes, true, "card_number"));
  if (s.channel == Channel::kPaper && s.card_number.empty()) {
    return malformed("a paper submission must carry its card number");
  }
  if (s.channel != Channel::kPaper && !s.card_number.empty()) {
    return malformed("only paper submissions carry a card number");
  }
  if (s.idea.size() > kMaxIdeaBytes) {
    return malformed("the idea is longer than " + std::to_string(kMaxIdeaBytes) + " bytes");
  }
  if (!is_valid_utf8(as_bytes(s.idea))) return malformed("the idea is not valid UTF-8 text");
  if (s.idea.empty() && s.votes.empty() && s.comparisons.empty()) {
    return malformed("a submission must hold an idea, votes or comparisons");
  }
  if (s.votes.size() > kMaxVotes) {
    return malformed("more than " + std::to_string(kMaxVotes) + " votes in one ballot");
  }
  for (std::size_t i = 0; i < s.votes.size(); ++i) {
    CIVIC_TRY(check_id(s.votes[i].idea_id, kMaxIdBytes, false, "votes.idea_id"));
    if (!is_known_choice(static_cast<std::uint8_t>(s.votes[i].choice))) {
      return malformed("unknown vote choice " + std::to_string(static_cast<int>(s.votes[i].choice)));
    }
    if (i > 0 && !(s.votes[i - 1].idea_id < s.votes[i].idea_id)) {
      return make_error(ErrorCode::kNotCanonical,
                        "votes must be sorted by idea id with each idea at most once");
    }
    if (i > 0 && ballot_kind(s.votes[i].choice) != ballot_kind(s.votes[0].choice)) {
      return malformed("a ballot holds one kind of vote: 'support', agree/disagree/pass, or budget 'select', "
                       "not a mix");
    }
  }
  if (s.comparisons.size() > kMaxComparisons) {
    return malformed("more than " + std::to_string(kMaxComparisons) + " comparisons in one session");
  }
  if (!s.comparisons.empty() && !s.votes.empty()) {
    return malformed("a submission holds votes or comparisons, not both");
  }
  for (std::size_t i = 0; i < s.comparisons.size(); ++i) {
    const Comparison& c = s.comparisons[i];
    CIVIC_TRY(check_id(c.left, kMaxIdBytes, false, "comparisons.left"));
    CIVIC_TRY(check_id(c.right, kMaxIdBytes, false, "comparisons.right"));
    if (c.left == c.right) return malformed("a comparison shows two different ideas, not '" + c.left + "' twice");
    if (!is_known_outcome(static_cast<std::uint8_t>(c.outcome))) {
      return malformed("unknown comparison outcome " + std::to_string(static_cast<int>(c.outcome)));
    }
    // At most 100: comparing with each earlier one allocates nothing (the tally decodes millions).
    for (std::size_t j = 0; j < i; ++j) {
      const Comparison& e = s.comparisons[j];
      if ((e.left == c.left && e.right == c.right) || (e.left == c.right && e.right == c.left)) {
        return malformed("the pair '" + c.left + "' and '" + c.right + "' is compared twice in one session");
      }
    }
  }
  if (s.answers.size() > kMaxAnswers) {
    return malformed("more than " + std::to_string(kMaxAnswers) + " 'about you' answers");
  }
  for (std::size_t i = 0; i < s.answers.size(); ++i) {
    CIVIC_TRY(check_id(s.answers[i].question_id, kMaxIdBytes, false, "answers.question_id"));
    CIVIC_TRY(check_id(s.answers[i].answer_id, kMaxIdBytes, false, "answers.answer_id"));
    if (i > 0 && !(s.answers[i - 1].question_id < s.answers[i].question_id)) {
      return make_error(ErrorCode::kNotCanonical,
                        "answers must be sorted by question id with each question at most once");
    }
  }
  return {};
}

std::uint8_t submission_version(const Submission& s) {
  const bool selects = std::any_of(s.votes.begin(), s.votes.end(),
                                   [](const Vote& v) { return v.choice == VoteChoice::kSelect; });
  return selects || !s.comparisons.empty() ? kSubmissionVersion2 : kSubmissionVersion;
}

Bytes encode_submission(const Submission& s) {
  ByteWriter w;
  const std::uint8_t version = submission_version(s);
  w.u8(version);
  w.u8(static_cast<std::uint8_t>(s.channel));
  w.u64(s.coarse_time);
  w.raw(s.session_id);
  w.short_bytes(as_bytes(s.consultation_id));
  w.short_bytes(as_bytes(s.language));
  w.short_bytes(as_bytes(s.event_id));
  w.short_bytes(as_bytes(s.card_number));
  w.short_bytes(as_bytes(s.idea));
  w.u16(static_cast<std::uint16_t>(s.votes.size()));
  for (const auto& v : s.votes) {
    w.short_bytes(as_bytes(v.idea_id));
    w.u8(static_cast<std::uint8_t>(v.choice));
  }
  w.u8(static_cast<std::uint8_t>(s.answers.size()));
  for (const auto& a : s.answers) {
    w.short_bytes(as_bytes(a.question_id));
    w.short_bytes(as_bytes(a.answer_id));
  }
  if (version >= kSubmissionVersion2) {
    w.u8(static_cast<std::uint8_t>(s.comparisons.size()));
    for (const auto& c : s.comparisons) {
      w.short_bytes(as_bytes(c.left));
      w.short_bytes(as_bytes(c.right));
      w.u8(static_cast<std::uint8_t>(c.outcome));
    }
  }
  return w.take();
}

Result<Submission> decode_submission(ByteView bytes) {
  ByteReader r(bytes);
  CIVIC_ASSIGN(version, r.u8("version"));
  if (version != kSubmissionVersion && version != kSubmissionVersion2) {
    return make_error(ErrorCode::kUnknownVersion,
                      "submission format version " + std::to_string(version) +
                          " is not known to this software (it reads versions 1 and 2)");
  }
  Submission s;
  CIVIC_ASSIGN(channel, r.u8("channel"));
  s.channel = static_cast<Channel>(channel);
  CIVIC_ASSIGN(time, r.u64("coarse_time"));
  s.coarse_time = time;
  CIVIC_ASSIGN(session, r.fixed<16>("session_id"));
  s.session_id = session;
  CIVIC_ASSIGN(consultation, r.short_bytes(kMaxIdBytes, "consultation_id"));
  s.consultation_id.assign(as_chars(consultation));
  CIVIC_ASSIGN(language, r.short_bytes(kMaxLanguageBytes, "language"));
  s.language.assign(as_chars(language));
  CIVIC_ASSIGN(event, r.short_bytes(kMaxIdBytes, "event_id"));
  s.event_id.assign(as_chars(event));
  CIVIC_ASSIGN(card, r.short_bytes(kMaxCardNumberBytes, "card_number"));
  s.card_number.assign(as_chars(card));
  CIVIC_ASSIGN(idea, r.short_bytes(kMaxIdeaBytes, "idea"));
  s.idea.assign(as_chars(idea));
  CIVIC_ASSIGN(vote_count, r.u16("vote_count"));
  if (vote_count > kMaxVotes) {
    return make_error(ErrorCode::kLengthOverflow, "the ballot claims " + std::to_string(vote_count) +
                                                      " votes; at most " + std::to_string(kMaxVotes) +
                                                      " are allowed");
  }
  s.votes.reserve(vote_count);
  for (unsigned i = 0; i < vote_count; ++i) {
    CIVIC_ASSIGN(idea_id, r.short_bytes(kMaxIdBytes, "votes.idea_id"));
    CIVIC_ASSIGN(choice, r.u8("votes.choice"));
    s.votes.push_back(Vote{std::string(as_chars(idea_id)), static_cast<VoteChoice>(choice)});
  }
  CIVIC_ASSIGN(answer_count, r.u8("answer_count"));
  if (answer_count > kMaxAnswers) {
    return make_error(ErrorCode::kLengthOverflow, "the record claims " +
                                                      std::to_string(answer_count) +
                                                      " answers; at most " +
                                                      std::to_string(kMaxAnswers) + " are allowed");
  }
  for (unsigned i = 0; i < answer_count; ++i) {
    CIVIC_ASSIGN(question, r.short_bytes(kMaxIdBytes, "answers.question_id"));
    CIVIC_ASSIGN(answer, r.short_bytes(kMaxIdBytes, "answers.answer_id"));
    s.answers.push_back(Answer{std::string(as_chars(question)), std::string(as_chars(answer))});
  }
  if (version >= kSubmissionVersion2) {
    CIVIC_ASSIGN(comparison_count, r.u8("comparison_count"));
    if (comparison_count > kMaxComparisons) {
      return make_error(ErrorCode::kLengthOverflow, "the record claims " + std::to_string(comparison_count) +
                                                        " comparisons; at most " +
                                                        std::to_string(kMaxComparisons) + " are allowed");
    }
    s.comparisons.reserve(comparison_count);
    for (unsigned i = 0; i < comparison_count; ++i) {
      CIVIC_ASSIGN(left, r.short_bytes(kMaxIdBytes, "comparisons.left"));
      CIVIC_ASSIGN(right, r.short_bytes(kMaxIdBytes, "comparisons.right"));
      CIVIC_ASSIGN(outcome, r.u8("comparisons.outcome"));
      s.comparisons.push_back(
          Comparison{std::string(as_chars(left)), std::string(as_chars(right)), static_cast<PairOutcome>(outcome)});
    }
  }
  CIVIC_TRY(r.expect_end("the submission"));
  CIVIC_TRY(validate_submission(s));
  if (submission_version(s) != version) {
    return make_error(version == kSubmissionVersion
                          ? ErrorCode::kUnknownVersion
                          : ErrorCode::kNotCanonical,
                      version == kSubmissionVersion
                          ? "a version 1 submission cannot hold budget selections (they need version 2)"
                          : "a version 2 submission without budget selections or comparisons must be written "
                            "as version 1");
  }
  return s;
}

std::size_t padded_size_for(std::size_t plaintext_size) {
  // ISO/IEC 7816-4 padding always adds at least one byte (0x80).
  for (std::size_t bucket : kPadBuckets) {
    if (plaintext_size < bucket) return bucket;
  }
  return 0;
}

bool is_valid_sealed_size(std::size_t n) {
  return std::any_of(std::begin(kPadBuckets), std::end(kPadBuckets),
                     [n](std::size_t b) { return b + kSealOverhead == n; });
}

Result<Bytes> seal_submission(const Submission& s, const SealPublicKey& hub_key) {
  CIVIC_TRY(validate_submission(s));
  Bytes plain = encode_submission(s);
  const std::size_t bucket = padded_size_for(plain.size());
  if (bucket == 0) {
    secure_wipe(plain.data(), plain.size());
    return make_error(ErrorCode::kOversize, "the submission is too large to seal");
  }
  const std::size_t plain_size = plain.size();
  plain.resize(bucket);
  std::size_t padded_len = 0;
  if (sodium_pad(&padded_len, plain.data(), plain_size, bucket, bucket) != 0 || padded_len != bucket) {
    secure_wipe(plain.data(), plain.size());
    return make_error(ErrorCode::kInternal, "padding the submission failed");
  }
  Bytes sealed(bucket + kSealOverhead);
  int rc = crypto_box_seal(sealed.data(), plain.data(), bucket, hub_key.bytes.data());
  secure_wipe(plain.data(), plain.size());
  if (rc != 0) return make_error(ErrorCode::kInternal, "sealing the submission failed");
  return sealed;
}

Result<Submission> open_submission(ByteView sealed, const SealKeyPair& hub_key) {
  if (!is_valid_sealed_size(sealed.size())) {
    return make_error(ErrorCode::kMalformed, "a sealed record of " + std::to_string(sealed.size()) +
                                                 " bytes does not have a valid padded size");
  }
  const std::size_t padded = sealed.size() - kSealOverhead;
  Bytes plain(padded);
  if (crypto_box_seal_open(plain.data(), sealed.data(), sealed.size(),
                           hub_key.public_key.bytes.data(), hub_key.secret.data()) != 0) {
    return make_error(ErrorCode::kDecryptFailed,
                      "the record cannot be opened with this submission key (wrong key, or the "
                      "record was altered)");
  }
  std::size_t unpadded = 0;
  if (sodium_unpad(&unpadded, plain.data(), padded, padded) != 0) {
    secure_wipe(plain.data(), plain.size());
    return make_error(ErrorCode::kMalformed, "the record's padding is invalid");
  }
  if (padded_size_for(unpadded) != padded) {
    secure_wipe(plain.data(), plain.size());
    return make_error(ErrorCode::kNotCanonical, "the record is padded to a larger bucket than needed");
  }
  auto result = decode_submission(ByteView(plain).first(unpadded));
  secure_wipe(plain.data(), plain.size());
  return result;
}

void wipe_string(std::string& s) {
  if (!s.empty()) secure_wipe(s.data(), s.size());
  s.clear();
}

void wipe_submission(Submission& s) {
  wipe_string(s.idea);
  wipe_string(s.consultation_id);
  wipe_string(s.event_id);
  wipe_string(s.card_number);
  for (auto& v : s.votes) wipe_string(v.idea_id);
  for (auto& a : s.answers) {
    wipe_string(a.question_id);
    wipe_string(a.answer_id);
  }
  for (auto& c : s.comparisons) {
    wipe_string(c.left);
    wipe_string(c.right);
  }
  s.votes.clear();
  s.answers.clear();
  s.comparisons.clear();
  secure_wipe(s.session_id.data(), s.session_id.size());
}

}  // namespace civic
