#include "tally.h"

#include <algorithm>
#include <cmath>
#include <compare>
#include <set>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <thread>

#include "sync/common/human.h"

namespace civic {

namespace {
constexpr const char* kNoAnswer = "(no answer)";

// Why no kiosk screen could have produced this ballot for `c`, or nothing when one could. The hub
// enforces every rule the screens enforce: kiosks can be old, buggy or stolen.
// The ideas of a consultation, for lookups by the million (the tally checks every comparison).
using IdeaSet = std::unordered_set<std::string_view>;
IdeaSet idea_set(const Consultation& c) {
  IdeaSet out;
  for (const auto& i : c.ideas) out.insert(i.id);
  return out;
}

std::optional<std::string> impossible_ballot(const Consultation& c, const IdeaSet& ideas, const Content& content,
                                             const Submission& b) {
  std::set<std::string> voted;
  int supports = 0;
  std::vector<std::string> selected;
  for (const auto& v : b.votes) {
    if (c.voting == VotingMethod::kNone || c.voting == VotingMethod::kPairwise) return "vote-without-voting";
    const bool right_kind = v.choice == VoteChoice::kSupport   ? c.voting == VotingMethod::kSupport
                            : v.choice == VoteChoice::kSelect ? c.voting == VotingMethod::kBudget
                                                              : c.voting == VotingMethod::kOpinion;
    if (!right_kind) return "wrong-vote-kind";
    if (!voted.insert(v.idea_id).second) return "repeated-vote";
    if (v.choice == VoteChoice::kSupport) ++supports;
    if (v.choice == VoteChoice::kSelect) selected.push_back(v.idea_id);
  }
  if (c.voting == VotingMethod::kSupport && supports > c.max_supports) return "too-many-supports";
  if (c.voting == VotingMethod::kBudget) {
    if (auto why = impossible_budget_selection(c, selected)) return why;
  }
  if (!b.comparisons.empty()) {
    if (c.voting != VotingMethod::kPairwise) return "comparison-without-pairwise";
    if (b.comparisons.size() > static_cast<std::size_t>(c.max_comparisons)) return "too-many-comparisons";
    // A kiosk shows only ideas of the consultation (decode_submission has refused an idea against
    // itself and a pair twice in one session).
    for (const auto& cmp : b.comparisons) {
      if (!ideas.count(cmp.left) || !ideas.count(cmp.right)) return "pair-never-shown";
    }
  }
  std::set<std::string> answered;
  for (const auto& a : b.answers) {
    if (std::find(c.about_you.begin(), c.about_you.end(), a.question_id) == c.about_you.end())
      return "unasked-question";
    if (!answered.insert(a.question_id).second) return "repeated-answer";
    const Question* q = content.question(a.question_id);
    if (!q || std::none_of(q->answers.begin(), q->answers.end(),
                           [&](const AnswerOption& o) { return o.id == a.answer_id; }))
      return "unknown-answer";
  }
  return std::nullopt;
}

std::string impossible_ballot_words(const std::string& kind, const Consultation& c) {
  if (kind == "vote-without-voting")
    return c.voting == VotingMethod::kPairwise ? "votes, in a pairwise consultation (it takes comparisons)"
                                               : "votes, in a consultation without voting";
  if (kind == "wrong-vote-kind")
    return std::string("votes of another kind than the ") + voting_method_name(c.voting) + " consultation takes";
  if (kind == "repeated-vote") return "two votes for the same idea";
  if (kind == "too-many-supports")
    return "more supports than the " + std::to_string(c.max_supports) + " a resident may give";
  if (kind == "over-budget")
    return "projects costing more than the budget of " + std::to_string(c.budget_total) +
           (c.currency.empty() ? "" : " " + c.currency);
  if (kind == "too-many-projects")
    return "more projects than the " + std::to_string(c.max_projects) + " a resident may choose";
  if (kind == "unknown-project") return "a project that is not in the consultation";
  if (kind == "comparison-without-pairwise") return "comparisons, in a consultation that is not pairwise";
  if (kind == "too-many-comparisons")
    return "more comparisons than the " + std::to_string(c.max_comparisons) + " a kiosk shows one resident";
  if (kind == "pair-never-shown")
    return "a comparison no kiosk showed (with an idea that is not in the consultation)";
  if (kind == "unasked-question") return "answers to an \"about you\" question this consultation does not ask";
  if (kind == "repeated-answer") return "two answers to the same question";
  if (kind == "unknown-answer") return "an answer that is not one of the question's answers";
  return kind;
}

// A counted ballot, from a kiosk record or an online per-participant export, with how many
// identical ballots it stands for.
struct Ballot {
  const std::vector<Vote>* votes;
  const std::vector<Answer>* answers;
  std::string channel;  // kiosk, town-hall, paper, online:<source>
  std::string event_id;
  bool has_idea;
  std::uint64_t count = 1;
};

// A counted kiosk, town-hall or paper ballot as the count keeps it: what is counted, never the
// idea's words; votes and answers in a canonical order, so that identical ballots are kept once
// with their number. Comparisons are counted as they come (TallyCounter::add), not kept.
struct DistinctBallot {
  std::string channel, event_id;
  bool has_idea = false;
  std::vector<Vote> votes;
  std::vector<Answer> answers;
};

auto vote_key(const Vote& v) { return std::tie(v.idea_id, v.choice); }
auto answer_key(const Answer& a) { return std::tie(a.question_id, a.answer_id); }

template <typename T, typename Key>
std::strong_ordering compare_lists(const std::vector<T>& a, const std::vector<T>& b, Key key) {
  return std::lexicographical_compare_three_way(a.begin(), a.end(), b.begin(), b.end(),
                                                [&](const T& x, const T& y) { return key(x) <=> key(y); });
}

struct DistinctBallotOrder {
  bool operator()(const DistinctBallot& a, const DistinctBallot& b) const {
    if (auto c = std::tie(a.channel, a.event_id, a.has_idea) <=> std::tie(b.channel, b.event_id, b.has_idea); c != 0)
      return c < 0;
    if (auto c = compare_lists(a.votes, b.votes, vote_key); c != 0) return c < 0;
    return compare_lists(a.answers, b.answers, answer_key) < 0;
  }
};

DistinctBallot distinct_ballot(const Submission& s) {
  DistinctBallot b{channel_name(s.channel), s.event_id, !s.idea.empty(), s.votes, s.answers};
  auto by = [](auto key) { return [key](const auto& x, const auto& y) { return key(x) < key(y); }; };
  std::sort(b.votes.begin(), b.votes.end(), by(vote_key));
  std::sort(b.answers.begin(), b.answers.end(), by(answer_key));
  return b;
}

bool is_online_channel(const std::string& channel) { return channel.rfind("online:", 0) == 0; }

// Which language of `text` `chosen` is.
std::string language_of(const LocalText& text, const std::string& chosen) {
  for (const auto& [language, words] : text.by_language) {
    if (words == chosen) return language;
  }
  return "";
}

// What weighting did, in the words of the report's note.
constexpr const char* kWeightsMatch = "Weights match the population on every question asked";
constexpr const char* kWeightsDoNotMatch =
    "Weights could not be made to match the population on every question at once (the groups overlap too "
    "unevenly); treat weighted results with care";

std::vector<const OnlineData*> online_for(const std::vector<OnlineData>& all, const std::string& consultation) {
  std::vector<const OnlineData*> out;
  for (const auto& d : all) {
    if (d.consultation == consultation) out.push_back(&d);
  }
  return out;
}

// Ranks by `value` (higher first): 1 for the first, and ideas with equal values share a rank.
template <typename Value>
void assign_ranks(std::vector<IdeaResult>& ideas, int IdeaResult::*rank, Value value) {
  std::vector<std::size_t> order(ideas.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return value(ideas[a]) > value(ideas[b]); });
  for (std::size_t i = 0; i < order.size(); ++i) {
    const bool tie = i > 0 && std::abs(value(ideas[order[i]]) - value(ideas[order[i - 1]])) < 1e-9;
    ideas[order[i]].*rank = tie ? ideas[order[i - 1]].*rank : static_cast<int>(i) + 1;
  }
}

void rank_ideas(const Consultation& c, ConsultationResult& res) {
  std::map<std::string, double> scores;  // pairwise: the score, whatever the channel
  if (res.pairwise) {
    for (const auto& s : res.pairwise->ideas) scores[s.id] = s.score;
  }
  auto by = [&](Counts IdeaResult::*counts) {
    return [&c, &scores, counts](const IdeaResult& i) {
      if (c.voting == VotingMethod::kPairwise) return scores.count(i.id) ? scores.at(i.id) : 0.0;
      return headline_value(c.voting, i.*counts);
    };
  };
  assign_ranks(res.ideas, &IdeaResult::rank_online, by(&IdeaResult::online));
  assign_ranks(res.ideas, &IdeaResult::rank_all, by(&IdeaResult::raw));
  assign_ranks(res.ideas, &IdeaResult::rank_weighted, by(&IdeaResult::weighted));
  std::stable_sort(res.ideas.begin(), res.ideas.end(),
                   [](const IdeaResult& a, const IdeaResult& b) { return a.rank_all < b.rank_all; });
}

std::string quoted_list(const std::vector<std::string>& items) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += i + 1 == items.size() ? " and " : ", ";
    out += "'" + items[i] + "'";
  }
  return out;
}

std::string ordinal(int n) {
  const char* suffix = (n % 100 >= 11 && n % 100 <= 13) ? "th" : n % 10 == 1 ? "st" : n % 10 == 2 ? "nd" : n % 10 == 3 ? "rd" : "th";
  return std::to_string(n) + suffix;
}

// The sentences a councillor reads first: what the offline channels changed at the top, and what
// weighting changed.
void describe_effects(const Consultation& c, ConsultationResult& res) {
  constexpr int kTop = 3;
  if (c.voting != VotingMethod::kNone && res.has_online && res.has_offline) {
    std::vector<std::string> moved_in;
    for (const auto& i : res.ideas) {
      if (i.rank_all <= kTop && i.rank_online > kTop) moved_in.push_back(i.text);
    }
    res.offline_effect =
        moved_in.empty()
            ? "Residents who took part at kiosks, town halls and on paper did not change the top three: it is the "
              "same online and with every channel."
            : "Residents who took part at kiosks, town halls and on paper moved " + quoted_list(moved_in) +
                  " into the top three.";
  }
  if (res.weighted && c.voting != VotingMethod::kPairwise) {  // pairwise scores are not weighted
    std::vector<std::string> moves;
    for (const auto& i : res.ideas) {
      if (i.rank_weighted != i.rank_all && (i.rank_weighted <= kTop || i.rank_all <= kTop)) {
        moves.push_back("'" + i.text + "' from " + ordinal(i.rank_all) + " to " + ordinal(i.rank_weighted));
      }
    }
    std::string list;
    for (std::size_t i = 0; i < moves.size(); ++i) list += (i ? "; " : "") + moves[i];
    res.weighting_effect = moves.empty() ? "Weighting participants to match the population does not change the top "
                                           "three."
                                         : "Weighting participants to match the population moves " + list + ".";
  }
}

// Budget consultations: both rules on the counted ballots, and whom each serves.
BudgetResult count_budget(const Consultation& c, const Content& content, const std::vector<Ballot>& ballots,
                          const std::vector<Profile>& profiles, const std::vector<IdeaResult>& ideas) {
  BudgetResult out;
  out.total = c.budget_total;
  out.currency = c.currency;
  out.ballot = c.budget_ballot;
  out.max_projects = c.max_projects;
  BudgetInstance in;
  in.total = c.budget_total;
  std::map<std::string, std::size_t> index;
  for (const auto& idea : c.ideas) {
    index[idea.id] = in.projects.size();
    in.projects.push_back({idea.id, idea.cost});
  }
  std::vector<BudgetBallotGroup> selections;
  for (const auto& b : ballots) {
    BudgetBallotGroup chosen{{}, b.count};
    for (const auto& v : *b.votes) {
      if (v.choice == VoteChoice::kSelect && index.count(v.idea_id)) chosen.projects.push_back(index.at(v.idea_id));
    }
    selections.push_back(std::move(chosen));
  }
  in.ballots = merge_ballots(selections);
  auto describe = [&](const BudgetOutcome& o) {
    BudgetMethodResult m;
    std::set<std::size_t> won(o.chosen.begin(), o.chosen.end());
    for (std::size_t p : o.chosen) m.chosen.push_back(in.projects[p].id);
    m.spent = o.spent;
    m.completion_steps = o.completion_steps;
    m.filled_greedily = o.filled_greedily;
    std::map<std::string, std::pair<double, double>> by_group;  // served, participants
    double served = 0, voters = 0;
    for (std::size_t i = 0; i < selections.size(); ++i) {
      const auto& chosen = selections[i].projects;
      const auto n = static_cast<double>(selections[i].voters);
      const bool yes = std::any_of(chosen.begin(), chosen.end(), [&](std::size_t p) { return won.count(p) > 0; });
      served += yes ? n : 0;
      voters += n;
      for (const auto& q : c.about_you) {
        auto it = profiles[i].find(q);
        auto& g = by_group[q + "=" + (it == profiles[i].end() ? std::string(kNoAnswer) : it->second)];
        g.first += yes ? n : 0;
        g.second += n;
      }
    }
    m.served = voters == 0 ? 0 : served / voters;
    for (const auto& q : c.about_you) {
      std::vector<std::string> order;
      if (const Question* question = content.question(q)) {
        for (const auto& a : question->answers) order.push_back(q + "=" + a.id);
      }
      order.push_back(q + "=" + kNoAnswer);
      for (const auto& group : order) {
        if (auto it = by_group.find(group); it != by_group.end())
          m.served_by_group.emplace_back(group, it->second.first / it->second.second);
      }
    }
    return m;
  };
  out.greedy = describe(greedy_budget(in));
  out.equal_shares = describe(equal_shares_budget(in));
  auto name = [&](const std::string& id) {
    for (const auto& i : ideas) {
      if (i.id == id) return i.text;
    }
    return id;
  };
  std::vector<std::string> only_greedy, only_shares;
  for (const auto& id : out.greedy.chosen) {
    if (std::find(out.equal_shares.chosen.begin(), out.equal_shares.chosen.end(), id) == out.equal_shares.chosen.end())
      only_greedy.push_back(name(id));
  }
  for (const auto& id : out.equal_shares.chosen) {
    if (std::find(out.greedy.chosen.begin(), out.greedy.chosen.end(), id) == out.greedy.chosen.end())
      only_shares.push_back(name(id));
  }
  auto percent = [](double share) { return std::to_string(static_cast<int>(std::lround(share * 100))) + "%"; };
  if (ballots.empty()) {
    out.why_they_differ = "Nobody has voted yet.";
  } else if (only_greedy.empty() && only_shares.empty()) {
    out.why_they_differ = "Both rules fund the same projects.";
  } else {
    out.why_they_differ =
        (only_shares.empty() ? "Equal shares does not fund " + quoted_list(only_greedy) + ", which the greedy rule funds"
         : only_greedy.empty()
             ? "Equal shares also funds " + quoted_list(only_shares)
             : "Equal shares funds " + quoted_list(only_shares) + " instead of " + quoted_list(only_greedy)) +
        ". The greedy rule funds the most popular projects first, so a majority that agrees can take the whole "
        "budget; equal shares gives every participant the same share of the budget to spend on projects they "
        "chose, so smaller groups with other priorities get projects in proportion to their number. Equal shares "
        "gives " + percent(out.equal_shares.served) + " of participants at least one project they chose; the greedy "
        "rule gives " + percent(out.greedy.served) + ".";
  }
  return out;
}

// The margins of the questions this consultation asked: a question it never asked says nothing
// about who took part in it.
PopulationMargins asked_margins(const PopulationMargins& margins, const Consultation& c) {
  PopulationMargins out = margins;
  out.shares.clear();
  for (const auto& [question, shares] : margins.shares) {
    if (std::find(c.about_you.begin(), c.about_you.end(), question) != c.about_you.end())
      out.shares[question] = shares;
  }
  return out;
}
}  // namespace

double headline_value(VotingMethod voting, const Counts& k) {
  if (voting != VotingMethod::kOpinion) return k.support;
  return k.total() > 0 ? k.agree / k.total() : 0.0;
}

void Counts::add(VoteChoice c, double weight) {
  switch (c) {
    case VoteChoice::kSupport:
    case VoteChoice::kSelect: support += weight; break;
    case VoteChoice::kAgree: agree += weight; break;
    case VoteChoice::kDisagree: disagree += weight; break;
    case VoteChoice::kPass: pass += weight; break;
  }
}

OpenedRecords open_records(const std::vector<HubRecord>& records, const SealKeyPair& key, unsigned threads) {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  threads = std::min<unsigned>(threads, static_cast<unsigned>(std::max<std::size_t>(1, records.size())));
  // Each thread opens its share straight into place; the failed are taken out afterwards.
  OpenedRecords out;
  out.opened.resize(records.size());
  std::vector<std::string> errors(records.size());
  std::vector<char> opened(records.size(), 0);
  std::vector<std::thread> pool;
  const std::size_t per = (records.size() + threads - 1) / threads;
  for (unsigned t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      const std::size_t end = std::min(records.size(), (t + 1) * per);
      for (std::size_t i = t * per; i < end; ++i) {
        auto s = open_submission(records[i].sealed, key);
        if (s.ok()) {
          out.opened[i] = {records[i].id, records[i].kiosk, std::move(*s)};
          opened[i] = 1;
        } else {
          errors[i] = s.message();
        }
      }
    });
  }
  for (auto& th : pool) th.join();
  std::size_t kept = 0;
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (!opened[i]) {
      out.failed.emplace_back(records[i].id, errors[i]);
      continue;
    }
    if (kept != i) out.opened[kept] = std::move(out.opened[i]);
    ++kept;
  }
  out.opened.resize(kept);
  return out;
}

RakingResult rake(const std::vector<Profile>& profiles, const PopulationMargins& margins, int max_iterations,
                  double tolerance, const std::vector<std::uint64_t>& counts) {
  RakingResult r;
  auto count_of = [&](std::size_t i) { return counts.empty() ? 1.0 : static_cast<double>(counts[i]); };
  double n = 0;
  for (std::size_t i = 0; i < profiles.size(); ++i) n += count_of(i);
  r.weights.assign(profiles.size(), 1.0);
  if (profiles.empty()) {
    r.note = "no participants";
    return r;
  }
  // Targets per question: population shares scaled to those who answered; "no answer" keeps its
  // observed share.
  struct Margin {
    std::string question;
    std::map<std::string, double> target;  // answer -> weighted total wanted
    std::vector<std::string> category;     // per profile
  };
  std::vector<Margin> ms;
  std::vector<std::string> uncorrectable;
  for (const auto& [question, shares] : margins.shares) {
    Margin m{question, {}, {}};
    std::map<std::string, double> observed;
    for (std::size_t i = 0; i < profiles.size(); ++i) {
      auto it = profiles[i].find(question);
      std::string cat = it != profiles[i].end() && shares.count(it->second) ? it->second : kNoAnswer;
      observed[cat] += count_of(i);
      m.category.push_back(std::move(cat));
    }
    const double unanswered = observed.count(kNoAnswer) ? observed[kNoAnswer] : 0.0;
    if (unanswered > 0) m.target[kNoAnswer] = unanswered;
    // Those who answered are weighted to the population's shares of the groups someone is in:
    // a group nobody is in cannot be corrected for, and its share is spread over the other
    // answers (never over "no answer", whose target stays what was observed).
    double represented = 0;
    for (const auto& [answer, share] : shares) {
      if (share > 0 && !observed.count(answer)) {
        uncorrectable.push_back(question + "=" + answer);
        continue;
      }
      represented += share;
    }
    for (const auto& [answer, share] : shares) {
      if (!observed.count(answer)) continue;
      m.target[answer] = represented > 0 ? share / represented * (n - unanswered) : 0.0;
    }
    ms.push_back(std::move(m));
  }
  // The largest distance of any margin from its target, as a share of n.
  auto worst_margin = [&] {
    double worst = 0;
    for (const auto& m : ms) {
      std::map<std::string, double> total;
      for (std::size_t i = 0; i < profiles.size(); ++i) total[m.category[i]] += r.weights[i] * count_of(i);
      for (const auto& [cat, t] : m.target) worst = std::max(worst, std::abs(total[cat] - t) / n);
    }
    return worst;
  };
  for (r.iterations = 0; r.iterations < max_iterations; ++r.iterations) {
    if (worst_margin() <= tolerance) {
      r.converged = true;
      break;
    }
    for (const auto& m : ms) {
      std::map<std::string, double> total;
      for (std::size_t i = 0; i < profiles.size(); ++i) total[m.category[i]] += r.weights[i] * count_of(i);
      for (std::size_t i = 0; i < profiles.size(); ++i) {
        const double have = total[m.category[i]];
        if (have > 0) r.weights[i] *= m.target.at(m.category[i]) / have;
      }
    }
  }
  if (!r.converged && worst_margin() <= tolerance) r.converged = true;
  r.note = r.converged ? kWeightsMatch : kWeightsDoNotMatch;
  r.empty_groups = uncorrectable;
  if (!uncorrectable.empty()) {
    std::string groups;
    for (const auto& g : uncorrectable) groups += (groups.empty() ? "" : ", ") + g;
    r.note += "; nobody took part from " + groups + ": weighting cannot speak for them";
  }
  return r;
}

ModerationSummary summarise_moderation(const std::vector<ModerationLogEntry>& log) {
  ModerationSummary m;
  std::set<std::string> ideas;
  for (const auto& e : log) {
    ++m.decisions;
    ++m.by_action[e.action];
    ideas.insert(e.moderation_id);
    if (e.redacted) ++m.redacted;
    if (e.action.rfind("reopened-", 0) == 0) ++m.reopened;
  }
  m.ideas_decided = ideas.size();
  return m;
}

struct TallyCounter::State {
  const Content& content;
  const PopulationMargins* margins;
  TallyOptions options;
  Tally t;
  std::map<KioskId, std::size_t> revoked_index;  // into t.revoked_kiosks
  std::vector<std::string> unreadable;           // why, for each record that did not open
  // What is kept of a kiosk's sessions while its records are read.
  struct KioskSessions {
    std::map<std::string, std::set<SessionId>> counted;     // by consultation: a ballot of theirs counts
    std::map<std::uint64_t, std::set<SessionId>> per_hour;  // residents at the screen, by hour
    std::map<std::string, std::set<SessionId>> per_event;   // by town-hall event
  };
  std::map<KioskId, KioskSessions> kiosks;
  std::map<std::pair<KioskId, std::uint64_t>, std::size_t> busy_hours;  // sessions, when over the limit
  std::map<std::string, std::uint64_t> event_participants;
  std::set<std::string> unknown_consultations;
  struct ConsultationCount {
    const Consultation* consultation = nullptr;
    IdeaSet ideas;
    std::map<std::string, std::uint64_t> refused;  // by kind
    std::uint64_t repeated = 0;
    std::map<DistinctBallot, std::uint64_t, DistinctBallotOrder> ballots;
    // Pairwise consultations: every counted comparison, by idea (the consultations file's order).
    std::optional<PairwiseCounts> pairs;
    std::unordered_map<std::string_view, std::size_t> idea_index;
  };
  std::vector<std::pair<std::string, ConsultationCount>> counts;  // the consultations counted, in the file's order

  ConsultationCount* counting(const std::string& id) {
    for (auto& [c, count] : counts) {
      if (c == id) return &count;
    }
    return nullptr;
  }
  Tally finish();
};

TallyCounter::TallyCounter(const Content& content, const PopulationMargins* margins, TallyOptions options)
    : state_(new State{content, margins, std::move(options), {}, {}, {}, {}, {}, {}, {}, {}}) {
  State& s = *state_;
  // Revoked kiosks' records: named in the results; left out only when asked.
  for (const auto& k : s.options.kiosks) {
    if (!k.revoked_at) continue;
    s.revoked_index[k.id] = s.t.revoked_kiosks.size();
    s.t.revoked_kiosks.push_back({to_hex(k.id), k.name, *k.revoked_at, 0, !s.options.exclude_revoked});
  }
  for (const auto& c : content.consultations) {
    if (!s.options.consultation.empty() && c.id != s.options.consultation) continue;
    State::ConsultationCount count;
    count.consultation = &c;
    count.ideas = idea_set(c);
    if (c.voting == VotingMethod::kPairwise) {
      std::vector<std::string> ids;
      for (const auto& i : c.ideas) {
        count.idea_index[i.id] = ids.size();
        ids.push_back(i.id);
      }
      count.pairs.emplace(std::move(ids));
    }
    s.counts.emplace_back(c.id, std::move(count));
  }
}

TallyCounter::~TallyCounter() = default;

void TallyCounter::add(const OpenedRecords& records) {
  State& s = *state_;
  s.t.records += records.opened.size() + records.failed.size();
  for (const auto& [id, why] : records.failed) s.unreadable.push_back(why);
  for (const auto& r : records.opened) {
    if (auto it = s.revoked_index.find(r.kiosk); it != s.revoked_index.end()) {
      ++s.t.revoked_kiosks[it->second].records;
      if (s.options.exclude_revoked) continue;
    }
    const Submission& b = r.submission;
    State::KioskSessions& sessions = s.kiosks[r.kiosk];
    // Only residents at the screen count towards a busy hour: staff transcribe a town hall's or a
    // pile of paper cards' sessions in an hour, and that is not misuse.
    if (b.channel == Channel::kKiosk) sessions.per_hour[b.coarse_time].insert(b.session_id);
    if (!b.event_id.empty()) sessions.per_event[b.event_id].insert(b.session_id);
    if (!s.content.consultation(b.consultation_id)) {
      s.unknown_consultations.insert(b.consultation_id);
      continue;
    }
    State::ConsultationCount* count = s.counting(b.consultation_id);
    if (!count) continue;  // a consultation not asked for
    // Ballots no kiosk could have produced are refused (by kind); then one ballot per session.
    if (auto why = impossible_ballot(*count->consultation, count->ideas, s.content, b)) {
      ++count->refused[*why];
      continue;
    }
    if (!sessions.counted[b.consultation_id].insert(b.session_id).second) {
      ++count->repeated;
      continue;
    }
    ++count->ballots[distinct_ballot(b)];
    if (count->pairs) {
      for (const auto& cmp : b.comparisons) {
        // impossible_ballot checked that both are ideas of the consultation.
        const std::size_t left = count->idea_index.at(cmp.left), right = count->idea_index.at(cmp.right);
        if (cmp.outcome == PairOutcome::kLeft) ++count->pairs->wins[left][right];
        if (cmp.outcome == PairOutcome::kRight) ++count->pairs->wins[right][left];
        if (cmp.outcome == PairOutcome::kCannotDecide) {
          ++count->pairs->cannot_decide[left];
          ++count->pairs->cannot_decide[right];
        }
      }
    }
  }
}

void TallyCounter::kiosk_done(const KioskId& kiosk) {
  State& s = *state_;
  auto it = s.kiosks.find(kiosk);
  if (it == s.kiosks.end()) return;
  // Busy kiosks: more sessions in one hour than one person at a time could make.
  for (const auto& [hour, sessions] : it->second.per_hour) {
    if (sessions.size() > s.options.max_sessions_per_hour) s.busy_hours[{kiosk, hour}] = sessions.size();
  }
  for (const auto& [event, sessions] : it->second.per_event) s.event_participants[event] += sessions.size();
  s.kiosks.erase(it);
}

std::vector<CountedBudgetBallot> TallyCounter::counted_budget_ballots(const Consultation& c) const {
  std::vector<CountedBudgetBallot> out;
  const State::ConsultationCount* count = state_->counting(c.id);
  if (!count) return out;
  for (const auto& [b, n] : count->ballots) {
    CountedBudgetBallot ballot{{}, b.answers, b.channel};
    for (const auto& v : b.votes) {
      if (v.choice == VoteChoice::kSelect) ballot.projects.push_back(v.idea_id);
    }
    out.insert(out.end(), n, ballot);
  }
  return out;
}

Tally TallyCounter::finish() {
  while (!state_->kiosks.empty()) kiosk_done(state_->kiosks.begin()->first);
  return state_->finish();
}

Tally TallyCounter::State::finish() {
  std::erase_if(t.revoked_kiosks, [](const RevokedKioskRecords& k) { return k.records == 0; });
  for (const auto& why : unreadable) {
    t.anomalies.push_back({"unreadable", "a record could not be opened with this key: " + why});
  }
  for (const auto& [key, sessions] : busy_hours) {
    std::string name = "kiosk " + to_hex(key.first);
    for (const auto& k : options.kiosks) {
      if (k.id == key.first) name = "kiosk '" + k.name + "' (" + to_hex(key.first).substr(0, 8) + ")";
    }
    t.anomalies.push_back(
        {"busy-kiosk", name + " had " + std::to_string(sessions) + " residents' sessions in the hour from " +
                           format_utc(key.second) + ", more than the " +
                           std::to_string(options.max_sessions_per_hour) +
                           " one screen normally sees: they are counted; check the kiosk was not misused"});
  }
  for (const auto& id : unknown_consultations) {
    t.anomalies.push_back(
        {"unknown-consultation",
         "records name consultation '" + id + "', which is not in the consultations file: not counted"});
  }

  for (const auto& report : options.event_reports) {
    EventResult e{report, 0, std::nullopt};
    if (auto it = event_participants.find(report.event_id); it != event_participants.end()) e.participants = it->second;
    if (report.headcount > 0) {
      e.share_of_room = static_cast<double>(e.participants) / static_cast<double>(report.headcount);
      if (*e.share_of_room > 1.0) {
        t.anomalies.push_back({"room-overcounted", "town-hall event '" + report.name + "': " +
                                                       std::to_string(e.participants) + " people took part but staff "
                                                       "counted " + std::to_string(report.headcount) +
                                                       " in the room: the headcount is too low (their ballots are "
                                                       "counted; check the count with the staff)"});
      }
    }
    t.events.push_back(std::move(e));
  }

  for (auto& [consultation_id, counted] : counts) {
    const Consultation& c = *counted.consultation;
    ConsultationResult res;
    res.id = c.id;
    res.title = c.title.in("en");
    res.title_language = language_of(c.title, res.title);
    for (const auto& q : c.about_you) {
      res.questions.push_back(q);
      if (const Question* question = content.question(q)) {
        res.labels[q] = question->label.in("en");
        for (const auto& a : question->answers) res.labels[q + "=" + a.id] = a.label.in("en");
      }
    }
    res.voting = c.voting;
    std::map<std::string, std::size_t> idea_index;
    for (const auto& idea : c.ideas) {
      idea_index[idea.id] = res.ideas.size();
      IdeaResult result;
      result.id = idea.id;
      result.text = idea.text.in("en");
      result.text_language = language_of(idea.text, result.text);
      result.cost = idea.cost;
      res.ideas.push_back(std::move(result));
    }
    // Ballots no kiosk could have produced were refused from the count, and later ballots of a
    // session counted already; both are reported.
    res.refused_ballots = counted.refused;
    res.repeated_ballots = counted.repeated;
    std::vector<Ballot> ballots;
    for (const auto& [b, n] : counted.ballots) {
      ballots.push_back({&b.votes, &b.answers, b.channel, b.event_id, b.has_idea, n});
    }
    if (res.repeated_ballots > 0) {
      t.anomalies.push_back({"repeated-ballot", std::to_string(res.repeated_ballots) +
                                                    " later ballot(s) from sessions already counted in '" + c.id +
                                                    "' (a kiosk sent a session twice): only the first is counted"});
    }
    // Online participation: per-person sources join the ballots (checked against the same rules
    // when imported); aggregate sources join the counts only.
    const std::vector<const OnlineData*> online = online_for(options.online, c.id);
    const IdeaSet online_ideas = idea_set(c);
    for (const OnlineData* d : online) {
      res.has_online = true;
      for (const auto& [online_id, title] : d->online_only_titles) {
        if (idea_index.count(online_id)) continue;
        idea_index[online_id] = res.ideas.size();
        IdeaResult idea;
        idea.id = online_id;
        idea.text = title;
        idea.online_only = true;
        res.ideas.push_back(std::move(idea));
      }
      for (const auto& b : d->ballots) {
        // Checked when imported; checked again against the consultations as they are now (an idea
        // removed, fewer supports allowed), by the same rules as a kiosk's ballot.
        Submission as_ballot;
        as_ballot.votes = b.votes;
        as_ballot.answers = b.answers;
        if (auto why = impossible_ballot(c, online_ideas, content, as_ballot)) {
          ++res.refused_ballots[*why];
          continue;
        }
        ballots.push_back({&b.votes, &b.answers, d->channel(), "", false, 1});
      }
    }
    for (const auto& [kind, n] : res.refused_ballots) {
      t.anomalies.push_back({kind, std::to_string(n) + " ballot(s) in '" + c.id + "' with " +
                                       impossible_ballot_words(kind, c) +
                                       ": a kiosk screen never allows this (nor does an online import), so they are not counted"});
    }
    std::vector<std::uint64_t> ballot_counts;
    for (const auto& b : ballots) {
      res.participants += b.count;
      ballot_counts.push_back(b.count);
    }
    const std::optional<PopulationMargins> asked =
        margins ? std::optional<PopulationMargins>(asked_margins(*margins, c)) : std::nullopt;

    std::vector<Profile> profiles;
    for (const auto& b : ballots) {
      Profile p;
      for (const auto& a : *b.answers) p[a.question_id] = a.answer_id;
      profiles.push_back(std::move(p));
    }
    std::vector<double> weights(ballots.size(), 1.0);
    if (asked && !asked->shares.empty()) {
      auto raked = rake(profiles, *asked, 200, 1e-6, ballot_counts);
      weights = raked.weights;
      res.weighted = !ballots.empty();
      // The note in people's words: groups by their labels, a question nobody answered said once.
      res.weighting_note = raked.converged ? kWeightsMatch : kWeightsDoNotMatch;
      std::map<std::string, std::vector<std::string>> empty_by_question;
      for (const auto& g : raked.empty_groups) {
        const auto eq = g.find('=');
        empty_by_question[g.substr(0, eq)].push_back(g.substr(eq + 1));
      }
      for (const auto& [question, answers] : empty_by_question) {
        const Question* q = content.question(question);
        const std::string label = q ? q->label.in("en") : question;
        if (q && answers.size() == asked->shares.at(question).size()) {
          res.weighting_note += "; nobody answered \"" + label + "\", so weighting cannot use it";
          continue;
        }
        res.weighting_note += "; nobody took part from " + label + ": " + list_of(answers, [&](const std::string& a) {
          if (q) {
            for (const auto& option : q->answers) {
              if (option.id == a) return option.label.in("en");
            }
          }
          return a;
        }) + ", so weighting cannot speak for them";
      }
    } else {
      res.weighting_note = margins ? "No population figures for the questions this consultation asked, so "
                                     "weighted results equal the counts"
                                   : "No population figures were given, so weighted results equal the counts";
    }

    std::map<std::string, std::uint64_t> unknown_ideas;
    for (std::size_t i = 0; i < ballots.size(); ++i) {
      const Ballot& b = ballots[i];
      const auto n = static_cast<double>(b.count);
      res.participants_by_channel[b.channel] += b.count;
      (is_online_channel(b.channel) ? res.has_online : res.has_offline) = true;
      if (!b.event_id.empty()) res.participants_by_event[b.event_id] += b.count;
      if (b.has_idea) res.ideas_submitted += b.count;
      std::vector<std::string> groups{"channel=" + b.channel};
      if (!b.event_id.empty()) groups.push_back("event=" + b.event_id);
      for (const auto& q : c.about_you) {
        auto it = profiles[i].find(q);
        groups.push_back(q + "=" + (it == profiles[i].end() ? std::string(kNoAnswer) : it->second));
      }
      for (const auto& v : *b.votes) {
        auto it = idea_index.find(v.idea_id);
        if (it == idea_index.end()) {
          unknown_ideas[v.idea_id] += b.count;
          continue;
        }
        IdeaResult& idea = res.ideas[it->second];
        idea.raw.add(v.choice, n);
        idea.weighted.add(v.choice, weights[i] * n);
        (is_online_channel(b.channel) ? idea.online : idea.offline).add(v.choice, n);
        for (const auto& g : groups) idea.by_group[g].add(v.choice, n);
      }
    }
    for (const OnlineData* d : online) {
      if (!d->aggregate_only()) continue;
      AggregateSource source{d->channel(), online_format_name(d->format), d->counts.size(), 0, 0};
      for (const auto& count : d->counts) {
        const std::string id = count.idea_id.empty() ? "online:" + count.online_id : count.idea_id;
        if (count.idea_id.empty()) ++source.online_only_ideas;
        source.supports += count.supports;
        IdeaResult& idea = res.ideas[idea_index.at(id)];
        const auto n = static_cast<double>(count.supports);
        idea.raw.support += n;
        idea.weighted.support += n;  // no per-person data: nothing to weight
        idea.online.support += n;
        idea.by_group["channel=" + d->channel()].support += n;
      }
      res.aggregate_sources.push_back(source);
    }
    for (const auto& [idea, n] : unknown_ideas) {
      t.anomalies.push_back({"unknown-idea", std::to_string(n) + " vote(s) in '" + c.id + "' for idea '" + idea +
                                                 "', which is not in the consultations file: not counted"});
    }
    for (const auto& q : c.about_you) {
      std::uint64_t missing = 0;
      for (std::size_t i = 0; i < profiles.size(); ++i) missing += profiles[i].count(q) ? 0 : ballots[i].count;
      res.unanswered.push_back({q, missing});
    }
    if (c.voting == VotingMethod::kOpinion) {
      std::vector<OpinionVotes> votes;
      for (const auto& b : ballots) {
        OpinionVotes v;
        for (const auto& vote : *b.votes) {
          if (idea_index.count(vote.idea_id))
            v[vote.idea_id] = vote.choice == VoteChoice::kAgree ? 1 : vote.choice == VoteChoice::kDisagree ? -1 : 0;
        }
        for (std::uint64_t k = 1; k < b.count; ++k) votes.push_back(v);  // one per participant
        votes.push_back(std::move(v));
      }
      std::vector<std::string> ideas;
      for (const auto& i : res.ideas) ideas.push_back(i.id);  // the consultations file's order
      res.opinion_groups = find_opinion_groups(votes, ideas, static_cast<std::size_t>(c.min_votes));
    }
    if (c.voting == VotingMethod::kBudget) res.budget = count_budget(c, content, ballots, profiles, res.ideas);
    if (counted.pairs) res.pairwise = fit_bradley_terry(*counted.pairs);
    rank_ideas(c, res);

    // Who took part, against the population, and online against offline.
    if (asked && !asked->shares.empty()) {
      double lo = INFINITY, hi = 0;
      for (const auto& [question, shares] : asked->shares) {
        std::map<std::string, std::uint64_t> answered, answered_online, answered_offline;
        std::uint64_t total = 0, total_online = 0, total_offline = 0;
        for (std::size_t i = 0; i < profiles.size(); ++i) {
          auto it = profiles[i].find(question);
          if (it == profiles[i].end() || !shares.count(it->second)) continue;
          const std::uint64_t n = ballots[i].count;
          answered[it->second] += n;
          total += n;
          if (is_online_channel(ballots[i].channel)) {
            answered_online[it->second] += n;
            total_online += n;
          } else {
            answered_offline[it->second] += n;
            total_offline += n;
          }
        }
        auto share_of = [](std::uint64_t part, std::uint64_t whole) -> std::optional<double> {
          if (whole == 0) return std::nullopt;
          return static_cast<double>(part) / static_cast<double>(whole);
        };
        // In the order the question lists its answers, not alphabetical.
        std::vector<std::string> order;
        if (const Question* q = content.question(question)) {
          for (const auto& a : q->answers) {
            if (shares.count(a.id)) order.push_back(a.id);
          }
        }
        for (const auto& [answer, share] : shares) {
          if (std::find(order.begin(), order.end(), answer) == order.end()) order.push_back(answer);
        }
        for (const auto& answer : order) {
          const double share = shares.at(answer);
          GroupShare g{question, answer, answered[answer], 0, share, 0, std::nullopt, std::nullopt};
          g.participant_share = share_of(g.participants, total).value_or(0);
          g.ratio = share > 0 ? g.participant_share / share : 0;
          g.online_share = share_of(answered_online[answer], total_online);
          g.offline_share = share_of(answered_offline[answer], total_offline);
          if (share > 0) {
            lo = std::min(lo, g.ratio);
            hi = std::max(hi, g.ratio);
          }
          res.representation.push_back(g);
        }
      }
      if (hi > 0) res.representativeness = lo / hi;
    }
    describe_effects(c, res);
    t.consultations.push_back(std::move(res));
  }
  return std::move(t);
}

Tally tally(const Content& content, const OpenedRecords& records, const PopulationMargins* margins,
            const TallyOptions& options) {
  TallyCounter counter(content, margins, options);
  counter.add(records);
  return counter.finish();
}

Status check_tally_request(const Content& content, const PopulationMargins* margins,
                           const std::string& only_consultation) {
  if (!only_consultation.empty() && content.consultation(only_consultation) == nullptr) {
    return make_error(ErrorCode::kInvalidArgument,
                      "there is no consultation '" + only_consultation + "'; the consultations are: " +
                          list_of(content.consultations, [](const Consultation& c) { return c.id; }));
  }
  if (margins == nullptr) return {};
  for (const auto& question_margins : margins->shares) {
    const std::string& question_id = question_margins.first;
    const Question* q = content.question(question_id);
    if (q == nullptr) {
      return make_error(ErrorCode::kInvalidArgument,
                        "the population file has a question '" + question_id + "' that the consultations do not "
                            "ask; their questions are: " +
                            list_of(content.questions, [](const Question& x) { return x.id; }));
    }
    for (const auto& answer_share : question_margins.second) {
      const std::string& answer_id = answer_share.first;
      const bool known = std::any_of(q->answers.begin(), q->answers.end(),
                                     [&](const AnswerOption& a) { return a.id == answer_id; });
      if (!known) {
        return make_error(ErrorCode::kInvalidArgument,
                          "the population file gives question '" + question_id + "' an answer '" + answer_id +
                              "' that it does not have; its answers are: " +
                              list_of(q->answers, [](const AnswerOption& a) { return a.id; }));
      }
    }
  }
  return {};
}

}  // namespace civic
