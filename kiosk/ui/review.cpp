#include "review.h"

#include "sync/common/human.h"

namespace civic::kiosk {

namespace {
const char* choice_key(VoteChoice c) {
  switch (c) {
    case VoteChoice::kSupport: return "vote.supported";
    case VoteChoice::kAgree: return "vote.agree";
    case VoteChoice::kDisagree: return "vote.disagree";
    case VoteChoice::kPass: return "vote.pass";
    case VoteChoice::kSelect: return "vote.project_chosen";
  }
  return "vote.supported";
}
}  // namespace

std::vector<ReviewSection> review_sections(const Session& s, const Catalogues& strings) {
  const std::string& lang = s.language();
  auto tr = [&](const std::string& key) { return strings.text(lang, key); };
  std::vector<ReviewSection> out;
  const Consultation* c = s.consultation();
  if (!c) return out;

  ReviewSection idea{"idea", tr("review.idea_heading"), {}};
  if (s.idea().empty())
    idea.lines.push_back({"review.idea", tr("review.no_idea"), false});
  else
    idea.lines.push_back({"review.idea", s.idea(), true});
  out.push_back(std::move(idea));

  if (c->voting != VotingMethod::kNone && !c->ideas.empty()) {
    ReviewSection votes{"vote", tr("review.votes_heading"), {}};
    auto text_of = [&](const std::string& id) {
      const Idea* i = c->idea(id);
      return i ? local_text(strings, i->text, lang) : id;
    };
    if (c->voting == VotingMethod::kBudget) {
      for (const auto& i : c->ideas) {
        if (!s.selected(i.id)) continue;
        votes.lines.push_back({"review.vote." + i.id,
                               strings.format(lang, "review.project_line",
                                              {{"idea", local_text(strings, i.text, lang)}, {"cost", format_money(i.cost, c->currency, s.thousands_separator())}}),
                               false});
      }
      if (!votes.lines.empty()) {
        votes.lines.push_back({"review.budget_total",
                               strings.format(lang, "review.budget_total",
                                              {{"spent", format_money(s.budget_spent(), c->currency, s.thousands_separator())},
                                               {"total", format_money(c->budget_total, c->currency, s.thousands_separator())}}),
                               false});
      }
    }
    std::size_t n = 0;
    for (const auto& cmp : s.comparisons()) {
      const std::string key = "review.pair." + std::to_string(++n);
      if (cmp.outcome == PairOutcome::kCannotDecide) {
        votes.lines.push_back({key, strings.format(lang, "review.pair_undecided",
                                                   {{"left", text_of(cmp.left)}, {"right", text_of(cmp.right)}}),
                               false});
        continue;
      }
      const bool left = cmp.outcome == PairOutcome::kLeft;
      votes.lines.push_back({key, strings.format(lang, "review.pair_line",
                                                 {{"chosen", text_of(left ? cmp.left : cmp.right)},
                                                  {"other", text_of(left ? cmp.right : cmp.left)}}),
                             false});
    }
    for (const auto& i : c->ideas) {
      std::optional<VoteChoice> choice;
      if (c->voting == VotingMethod::kSupport && s.supports(i.id)) choice = VoteChoice::kSupport;
      if (c->voting == VotingMethod::kOpinion) choice = s.opinion(i.id);
      if (!choice) continue;
      votes.lines.push_back({"review.vote." + i.id,
                             strings.format(lang, "review.vote_line", {{"choice", tr(choice_key(*choice))},
                                                                        {"idea", local_text(strings, i.text, lang)}}),
                             false});
    }
    if (votes.lines.empty()) votes.lines.push_back({"review.no_votes", tr("review.no_votes"), false});
    out.push_back(std::move(votes));
  }

  if (!c->about_you.empty()) {
    ReviewSection about{"about-you", tr("review.about_heading"), {}};
    if (s.consent()) {
      for (const auto& qid : c->about_you) {
        const Question* q = s.content().question(qid);
        const auto answer = s.answer(qid);
        if (!q || !answer) continue;
        for (const auto& a : q->answers) {
          if (a.id != *answer) continue;
          about.lines.push_back({"review.answer." + qid,
                                 strings.format(lang, "review.answer_line",
                                                {{"question", local_text(strings, q->label, lang)}, {"answer", local_text(strings, a.label, lang)}}),
                                 false});
        }
      }
    }
    if (about.lines.empty()) about.lines.push_back({"review.no_answers", tr("review.no_answers"), false});
    out.push_back(std::move(about));
  }
  return out;
}

}  // namespace civic::kiosk
