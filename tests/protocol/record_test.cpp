#include <catch2/catch.hpp>

#include "sync/protocol/protocol.h"
#include "test_keys.h"

using namespace civic;
using civic::test::sample_submission;

TEST_CASE("a submission seals and opens to the same value", "[record]") {
  REQUIRE(crypto_init().ok());
  auto hub = test::hub_submission_key();
  auto s = sample_submission();
  auto sealed = seal_submission(s, hub.public_key);
  REQUIRE(sealed.ok());
  CHECK(sealed->size() == 512 + kSealOverhead);
  auto opened = open_submission(*sealed, hub);
  REQUIRE(opened.ok());
  CHECK(*opened == s);
}

TEST_CASE("sealing twice gives different ciphertexts", "[record]") {
  auto hub = test::hub_submission_key();
  auto a = seal_submission(sample_submission(), hub.public_key);
  auto b = seal_submission(sample_submission(), hub.public_key);
  REQUIRE((a.ok() && b.ok()));
  CHECK(*a != *b);
}

TEST_CASE("ciphertext length does not reveal the vote", "[record]") {
  auto hub = test::hub_submission_key();
  auto s = sample_submission();
  s.idea.clear();
  s.votes = {{"idea-001", VoteChoice::kSupport}};
  auto one = seal_submission(s, hub.public_key);
  s.votes = {{"idea-999", VoteChoice::kSupport}};
  auto other = seal_submission(s, hub.public_key);
  s.votes = {{"a", VoteChoice::kSupport}, {"b", VoteChoice::kSupport}};
  auto two = seal_submission(s, hub.public_key);
  REQUIRE((one.ok() && other.ok() && two.ok()));
  CHECK(one->size() == other->size());
  CHECK(one->size() == two->size());
}

TEST_CASE("padding buckets grow with the plaintext and stop at the largest", "[record]") {
  CHECK(padded_size_for(0) == 512);
  CHECK(padded_size_for(511) == 512);
  CHECK(padded_size_for(512) == 1024);
  CHECK(padded_size_for(32767) == 32768);
  CHECK(padded_size_for(32768) == 0);
  CHECK(is_valid_sealed_size(512 + 48));
  CHECK_FALSE(is_valid_sealed_size(513 + 48));
}

TEST_CASE("the largest valid submission still fits a bucket", "[record]") {
  auto hub = test::hub_submission_key();
  Submission s = sample_submission();
  s.consultation_id = std::string(kMaxIdBytes, 'c');
  s.event_id = std::string(kMaxIdBytes, 'e');
  s.idea = std::string(kMaxIdeaBytes, 'x');
  s.votes.clear();
  for (std::size_t i = 0; i < kMaxVotes; ++i) {
    char id[kMaxIdBytes + 1];
    std::snprintf(id, sizeof id, "%064zu", i);
    s.votes.push_back({id, VoteChoice::kAgree});
  }
  s.answers.clear();
  for (std::size_t i = 0; i < kMaxAnswers; ++i) {
    char id[kMaxIdBytes + 1];
    std::snprintf(id, sizeof id, "%064zu", i);
    s.answers.push_back({id, std::string(kMaxIdBytes, 'a')});
  }
  auto sealed = seal_submission(s, hub.public_key);
  REQUIRE(sealed.ok());
  auto opened = open_submission(*sealed, hub);
  REQUIRE(opened.ok());
  CHECK(*opened == s);
}

TEST_CASE("validation names what is wrong", "[record]") {
  auto check = [](auto mutate, ErrorCode code, const char* fragment) {
    Submission s = sample_submission();
    mutate(s);
    auto st = validate_submission(s);
    CHECK(st.code() == code);
    CHECK_THAT(st.message(), Catch::Contains(fragment));
  };
  check([](Submission& s) { s.consultation_id.clear(); }, ErrorCode::kMalformed, "consultation_id");
  check([](Submission& s) { s.consultation_id = "bad id"; }, ErrorCode::kMalformed, "consultation_id");
  check([](Submission& s) { s.language = "x"; }, ErrorCode::kMalformed, "language");
  check([](Submission& s) { s.coarse_time += 1; }, ErrorCode::kMalformed, "whole hour");
  check([](Submission& s) { s.idea = std::string(kMaxIdeaBytes + 1, 'x'); }, ErrorCode::kMalformed, "longer");
  check([](Submission& s) { s.idea = "\xFF"; }, ErrorCode::kMalformed, "UTF-8");
  check([](Submission& s) { s.idea.clear(); s.votes.clear(); }, ErrorCode::kMalformed, "idea, votes");
  check([](Submission& s) { std::swap(s.votes[0], s.votes[1]); }, ErrorCode::kNotCanonical, "sorted");
  check([](Submission& s) { s.votes[1] = s.votes[0]; }, ErrorCode::kNotCanonical, "sorted");
  check([](Submission& s) { s.votes[0].choice = VoteChoice::kSupport; }, ErrorCode::kMalformed, "not a mix");
  check([](Submission& s) { s.votes[0].choice = static_cast<VoteChoice>(9); }, ErrorCode::kMalformed, "choice");
  check([](Submission& s) { std::swap(s.answers[0], s.answers[1]); }, ErrorCode::kNotCanonical, "sorted");
  check([](Submission& s) { s.channel = Channel::kPaper; }, ErrorCode::kMalformed, "card number");
  check([](Submission& s) { s.card_number = "17"; }, ErrorCode::kMalformed, "only paper");
  check([](Submission& s) { s.channel = static_cast<Channel>(7); }, ErrorCode::kMalformed, "channel");
}

TEST_CASE("a submission's language tag and votes are taken up to their limit and not past it", "[record]") {
  Submission s = sample_submission();
  s.language = std::string(kMaxLanguageBytes, 'a');
  CHECK(validate_submission(s).ok());
  s.language += "a";
  CHECK(validate_submission(s).code() == ErrorCode::kMalformed);
  s = sample_submission();
  s.votes.clear();
  char id[16];
  for (std::size_t i = 0; i < kMaxVotes; ++i) {
    std::snprintf(id, sizeof id, "idea-%03zu", i);
    s.votes.push_back(Vote{id, VoteChoice::kSupport});
  }
  CHECK(validate_submission(s).ok());
  s.votes.push_back(Vote{"idea-999", VoteChoice::kSupport});
  CHECK(validate_submission(s).code() == ErrorCode::kMalformed);
}

TEST_CASE("decode rejects what encode would never produce", "[record]") {
  Bytes good = encode_submission(sample_submission());
  REQUIRE(decode_submission(good).ok());

  Bytes bad_version = good;
  bad_version[0] = 3;
  CHECK(decode_submission(bad_version).code() == ErrorCode::kUnknownVersion);

  Bytes trailing = good;
  trailing.push_back(0);
  CHECK(decode_submission(trailing).code() == ErrorCode::kTrailingBytes);

  for (std::size_t cut = 0; cut < good.size(); ++cut) {
    INFO("cut at " << cut);
    CHECK(decode_submission(ByteView(good).first(cut)).code() == ErrorCode::kTruncated);
  }
}

TEST_CASE("a record sealed to another key, or altered, does not open", "[record]") {
  auto hub = test::hub_submission_key();
  auto other = generate_seal_key_pair();
  auto sealed = seal_submission(sample_submission(), other.public_key);
  REQUIRE(sealed.ok());
  CHECK(open_submission(*sealed, hub).code() == ErrorCode::kDecryptFailed);
  auto mine = seal_submission(sample_submission(), hub.public_key);
  REQUIRE(mine.ok());
  (*mine)[100] ^= 1;
  CHECK(open_submission(*mine, hub).code() == ErrorCode::kDecryptFailed);
  CHECK(open_submission(ByteView(*mine).first(100), hub).code() == ErrorCode::kMalformed);
}

TEST_CASE("wipe_submission clears every field", "[record]") {
  auto s = sample_submission();
  wipe_submission(s);
  CHECK(s.idea.empty());
  CHECK(s.votes.empty());
  CHECK(s.answers.empty());
  CHECK(s.consultation_id.empty());
  CHECK(s.session_id == SessionId{});
}

TEST_CASE("coarse time rounds down to the hour", "[record]") {
  CHECK(coarsen_time(7199) == 3600);
  CHECK(coarsen_time(7200) == 7200);
}

TEST_CASE("wiping overwrites a submission's words where they were, not just forgets them", "[record]") {
  Submission s;
  s.idea = std::string(200, 'x') + " call me at 555 1234";  // long: on the heap, not in the string object
  s.consultation_id = std::string(40, 'c');
  s.card_number = std::string(40, 'n');
  s.session_id.fill(0xab);
  s.votes.push_back({std::string(40, 'v'), VoteChoice::kSupport});
  s.answers.push_back({std::string(40, 'q'), std::string(40, 'a')});
  // clear() keeps a string's capacity, so its old bytes can still be looked at through these
  // pointers (the votes' and answers' strings are freed: they cannot be looked at afterwards).
  const char* idea = s.idea.data();
  const std::size_t idea_size = s.idea.size();
  const char* consultation = s.consultation_id.data();
  const char* card = s.card_number.data();
  wipe_submission(s);
  CHECK(s.idea.empty());
  CHECK(std::all_of(idea, idea + idea_size, [](char c) { return c == 0; }));
  CHECK(std::all_of(consultation, consultation + 40, [](char c) { return c == 0; }));
  CHECK(std::all_of(card, card + 40, [](char c) { return c == 0; }));
  CHECK(s.votes.empty());
  CHECK(s.answers.empty());
  CHECK(s.session_id == SessionId{});
}

TEST_CASE("version 2: budget selections and comparisons, written only when needed and checked", "[record]") {
  Submission budget = sample_submission();
  budget.idea.clear();
  budget.votes = {{"b-1", VoteChoice::kSelect}, {"b-2", VoteChoice::kSelect}};
  REQUIRE(validate_submission(budget).ok());
  Bytes plain = encode_submission(budget);
  CHECK(plain[0] == 2);
  auto back = decode_submission(plain);
  REQUIRE(back.ok());
  CHECK(*back == budget);
  // The same ballot in version 1's layout (no comparison count): version 1 never knew "select".
  plain[0] = 1;
  plain.pop_back();
  CHECK(decode_submission(plain).code() == ErrorCode::kUnknownVersion);

  Submission pairs = sample_submission();
  pairs.votes.clear();
  pairs.comparisons = {{"a", "b", PairOutcome::kLeft}, {"c", "a", PairOutcome::kCannotDecide}};
  Bytes p = encode_submission(pairs);
  CHECK(p[0] == 2);
  auto pairs_back = decode_submission(p);
  REQUIRE(pairs_back.ok());
  CHECK(pairs_back->comparisons == pairs.comparisons);
  // Version 1 stays version 1; marked 2 (with an empty comparison list) it is not canonical.
  Bytes v1 = encode_submission(sample_submission());
  CHECK(v1[0] == 1);
  v1[0] = 2;
  v1.push_back(0);
  CHECK(decode_submission(v1).code() == ErrorCode::kNotCanonical);

  auto refused = [&](auto mutate, const char* fragment) {
    Submission s = pairs;
    mutate(s);
    INFO(fragment);
    CHECK_THAT(validate_submission(s).message(), Catch::Contains(fragment));
  };
  refused([](Submission& s) { s.comparisons[0].right = "a"; }, "two different ideas");
  refused([](Submission& s) { s.comparisons.push_back({"b", "a", PairOutcome::kRight}); }, "compared twice");
  refused([](Submission& s) { s.comparisons[0].outcome = static_cast<PairOutcome>(4); }, "unknown comparison outcome");
  refused([](Submission& s) { s.votes = {{"a", VoteChoice::kSupport}}; }, "not both");
  refused([](Submission& s) { s.comparisons.resize(101, {"x", "y", PairOutcome::kLeft}); }, "more than 100");
  refused([](Submission& s) { s.comparisons.clear(); s.idea.clear(); }, "an idea, votes or comparisons");
  Submission mixed = budget;
  mixed.votes = {{"b-1", VoteChoice::kSelect}, {"b-2", VoteChoice::kSupport}};
  CHECK_THAT(validate_submission(mixed).message(), Catch::Contains("not a mix"));
}
