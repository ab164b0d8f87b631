#include "report.h"
#include "web_ui.h"

#include "sync/common/human.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string_view>

namespace civic {

namespace {

using nlohmann::json;

json counts_json(const Counts& c) {
  return {{"support", c.support}, {"agree", c.agree}, {"disagree", c.disagree}, {"pass", c.pass}};
}

std::string number(double v, int decimals = 2) {
  char buf[64];
  if (std::abs(v - std::round(v)) < 1e-9)
    std::snprintf(buf, sizeof buf, "%.0f", v);
  else
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

// Always `decimals` places: shares, ratios and weights in CSV.
std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

// "35%", "4.5%" (one decimal below 10%): for people, beside counts.
std::string percent(double share) {
  const double p = share * 100;
  char buf[32];
  std::snprintf(buf, sizeof buf, p < 10 && std::abs(p - std::round(p)) > 0.05 ? "%.1f%%" : "%.0f%%", p);
  return buf;
}

std::string share_text(double part, double whole) { return whole > 0 ? percent(part / whole) : "-"; }


// Spreadsheet programs read UTF-8 (accents, syllabics) right only after a byte-order mark.
constexpr const char* kCsvBom = "\xEF\xBB\xBF";

std::string html_escape(const std::string& s) { return web::esc(s); }

// Text in another language than the page's is marked so that screen readers speak it right.
std::string lang_attribute(const std::string& language) {
  return language.empty() || language == "en" ? "" : " lang=\"" + html_escape(language) + "\"";
}

std::string channel_label(const std::string& channel) {
  if (channel == "kiosk") return "Kiosk";
  if (channel == "town-hall") return "Town hall";
  if (channel == "paper") return "Paper card";
  if (channel.rfind("online:", 0) == 0) return "Online (" + channel.substr(7) + ")";
  return channel;
}

std::string label_of(const ConsultationResult& c, const std::string& key) {
  auto it = c.labels.find(key);
  return it == c.labels.end() ? key : it->second;
}

std::string event_name(const Tally& t, const std::string& event_id) {
  for (const auto& e : t.events) {
    if (e.report.event_id == event_id && !e.report.name.empty()) return e.report.name;
  }
  return "event " + event_id;
}

// [SECTION] Bar tables: a chart that is also the table of its values. Each row's bar sits under
// its label (so the page reflows to 320 px), drawn by CSS and hidden from screen readers, which
// read the numbers in the cells; a second series is striped as well as coloured.

struct BarRow {
  std::string label, language;
  std::vector<double> values;     // one per series: drawn
  std::vector<std::string> cells;  // one per column after the label: read
};

std::string bar_table(const std::string& caption, const std::string& row_header, const std::vector<std::string>& series,
                      const std::vector<std::string>& columns, const std::vector<BarRow>& rows) {
  double max = 0;
  for (const auto& r : rows) {
    for (double v : r.values) max = std::max(max, v);
  }
  if (max <= 0) max = 1;
  // Below 600 px each row becomes a card, its cells labelled by their column: the ARIA roles keep
  // the table's meaning for screen readers when CSS changes its display.
  std::string h = "<div class=\"wide\"><table class=\"bars\" role=\"table\"><caption>" + html_escape(caption);
  if (series.size() > 1) {
    h += "<span class=\"legend\" aria-hidden=\"true\">";
    for (std::size_t s = 0; s < series.size(); ++s)
      h += "<span><span class=\"key s" + std::to_string(s) + "\"></span>" + html_escape(series[s]) + "</span>";
    h += "</span>";
  }
  h += "</caption>\n<thead role=\"rowgroup\"><tr role=\"row\"><th scope=\"col\" role=\"columnheader\">" +
       html_escape(row_header) + "</th>";
  for (const auto& c : columns) h += "<th scope=\"col\" role=\"columnheader\" class=\"n\">" + html_escape(c) + "</th>";
  h += "</tr></thead><tbody role=\"rowgroup\">\n";
  for (const auto& r : rows) {
    h += "<tr role=\"row\"><th scope=\"row\" role=\"rowheader\"" + lang_attribute(r.language) + ">" +
         html_escape(r.label);
    for (std::size_t s = 0; s < r.values.size(); ++s) {
      if (r.values[s] <= 0) continue;  // nothing to draw: a sliver would read as "a little"
      h += "<span class=\"bar s" + std::to_string(s) + "\" aria-hidden=\"true\" style=\"width:" +
           fixed(std::max(0.0, 100.0 * r.values[s] / max), 1) + "%\"></span>";
    }
    h += "</th>";
    for (std::size_t c = 0; c < r.cells.size(); ++c) {
      h += "<td role=\"cell\" class=\"n\" data-label=\"" + html_escape(c < columns.size() ? columns[c] : "") +
           "\"><span class=\"v\">" + r.cells[c] + "</span></td>";
    }
    h += "</tr>\n";
  }
  return h + "</tbody></table></div>\n";
}

std::string count_and_share(double count, double whole) {
  return number(count, 1) + " <span class=\"pct\">(" + share_text(count, whole) + ")</span>";
}

}  // namespace

namespace {
json revoked_kiosks_json(const Tally& t) {
  json out = json::array();
  for (const auto& k : t.revoked_kiosks) {
    out.push_back({{"kiosk", k.kiosk}, {"name", k.name}, {"revoked_at", k.revoked_at}, {"records", k.records},
                   {"counted", k.counted}});
  }
  return out;
}

json anomalies_json(const Tally& t) {
  json out = json::array();
  for (const auto& a : t.anomalies) out.push_back({{"kind", a.kind}, {"detail", a.detail}});
  return out;
}

json online_sources_json(const Tally& t) {
  json out = json::array();
  for (const auto& s : t.online_sources) {
    out.push_back({{"channel", s.channel}, {"consultation", s.consultation}, {"format", s.format},
                   {"file_sha256", s.file_sha256}, {"rows", s.rows}, {"imported_at", s.imported_at}});
  }
  return out;
}

json optional_json(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }
}  // namespace

// RFC 4180: quote every text field, double the quotes inside. A cell a spreadsheet would take
// for a formula (OWASP's list for CSV injection) gets a leading apostrophe, so a resident's
// "=SUM(...)" stays text.
std::string csv_cell(const std::string& s) {
  std::string out = "\"";
  if (!s.empty() && std::string_view("=+-@\t\r").find(s.front()) != std::string_view::npos) out += '\'';
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string results_summary_json(const Tally& t, const std::string& out_dir) {
  json summary = {{"records", t.records}, {"out", out_dir}, {"consultations", json::array()},
                  {"anomalies", anomalies_json(t)}, {"revoked_kiosks", revoked_kiosks_json(t)},
                  {"online_sources", online_sources_json(t)}};
  for (const auto& c : t.consultations) {
    summary["consultations"].push_back({{"id", c.id},
                                        {"participants", c.participants},
                                        {"repeated_ballots", c.repeated_ballots},
                                        {"representativeness", optional_json(c.representativeness)},
                                        {"offline_effect", c.offline_effect}});
  }
  return summary.dump(2);
}

std::string results_json(const Tally& t) {
  json out = {
      {"format", 1}, {"records", t.records}, {"consultations", json::array()}, {"anomalies", json::array()}};
  for (const auto& c : t.consultations) {
    json ideas = json::array();
    for (const auto& i : c.ideas) {
      json groups = json::object();
      for (const auto& [g, k] : i.by_group) groups[g] = counts_json(k);
      ideas.push_back({{"id", i.id},
                       {"text", i.text},
                       {"online_only", i.online_only},
                       {"raw", counts_json(i.raw)},
                       {"weighted", counts_json(i.weighted)},
                       {"online", counts_json(i.online)},
                       {"offline", counts_json(i.offline)},
                       {"rank_online", i.rank_online},
                       {"rank_all", i.rank_all},
                       {"rank_weighted", i.rank_weighted},
                       {"by_group", groups}});
    }
    json representation = json::array();
    for (const auto& g : c.representation) {
      representation.push_back({{"question", g.question},
                                {"answer", g.answer},
                                {"participants", g.participants},
                                {"participant_share", g.participant_share},
                                {"population_share", g.population_share},
                                {"ratio", g.ratio},
                                {"online_share", optional_json(g.online_share)},
                                {"offline_share", optional_json(g.offline_share)}});
    }
    json unanswered = json::object();
    for (const auto& u : c.unanswered) unanswered[u.question] = u.participants;
    json aggregate = json::array();
    for (const auto& a : c.aggregate_sources) {
      aggregate.push_back({{"channel", a.channel}, {"format", a.format}, {"proposals", a.proposals},
                           {"supports", a.supports}, {"online_only_ideas", a.online_only_ideas}});
    }
    json groups = nullptr;
    if (c.opinion_groups) {
      const OpinionGroups& g = *c.opinion_groups;
      json list = json::array(), consensus = json::array();
      for (const auto& group : g.groups) {
        json d = json::array();
        for (const auto& x : group.distinguishing) {
          d.push_back({{"idea", x.idea}, {"agrees", x.agrees}, {"share_in", x.share_in}, {"share_out", x.share_out}});
        }
        list.push_back({{"participants", group.participants}, {"distinguishing", d}});
      }
      for (const auto& [idea, score] : g.consensus) consensus.push_back({{"idea", idea}, {"score", score}});
      groups = {{"placed", g.placed}, {"not_placed", g.not_placed}, {"min_votes", g.min_votes}, {"k", g.k},
                {"silhouette", g.silhouette}, {"groups", list}, {"consensus", consensus}};
    }
    json budget = nullptr;
    if (c.budget) {
      const BudgetResult& b = *c.budget;
      auto method = [](const BudgetMethodResult& m) {
        json served_by_group = json::object();
        for (const auto& [group, share] : m.served_by_group) served_by_group[group] = share;
        return json{{"chosen", m.chosen}, {"spent", m.spent}, {"served", m.served},
                    {"served_by_group", served_by_group}, {"completion_steps", m.completion_steps},
                    {"filled_greedily", m.filled_greedily}};
      };
      json costs = json::object();
      for (const auto& i : c.ideas) costs[i.id] = i.cost;
      budget = {{"total", b.total}, {"currency", b.currency}, {"ballot", budget_ballot_name(b.ballot)},
                {"max_projects", b.max_projects}, {"costs", costs}, {"greedy", method(b.greedy)},
                {"equal_shares", method(b.equal_shares)}, {"why_they_differ", b.why_they_differ}};
    }
    json pairwise = nullptr;
    if (c.pairwise) {
      json scores = json::array();
      for (const auto& s : c.pairwise->ideas) {
        scores.push_back({{"idea", s.id}, {"score", s.score}, {"score_low", s.score_low}, {"score_high", s.score_high},
                          {"log_strength", s.log_strength}, {"log_strength_se", s.log_strength_se},
                          {"comparisons", s.comparisons}, {"wins", s.wins}, {"cannot_decide", s.cannot_decide}});
      }
      pairwise = {{"comparisons", c.pairwise->comparisons}, {"cannot_decide", c.pairwise->cannot_decide},
                  {"converged", c.pairwise->converged}, {"scores", scores}};
    }
    out["consultations"].push_back({{"id", c.id},
                                    {"budget", budget},
                                    {"pairwise", pairwise},
                                    {"opinion_groups", groups},
                                    {"title", c.title},
                                    {"voting", voting_method_name(c.voting)},
                                    {"participants", c.participants},
                                    {"repeated_ballots", c.repeated_ballots},
                                    {"refused_ballots", c.refused_ballots},
                                    {"ideas_submitted", c.ideas_submitted},
                                    {"participants_by_channel", c.participants_by_channel},
                                    {"participants_by_event", c.participants_by_event},
                                    {"aggregate_sources", aggregate},
                                    {"ideas", ideas},
                                    {"representation", representation},
                                    {"representativeness", optional_json(c.representativeness)},
                                    {"unanswered", unanswered},
                                    {"weighted", c.weighted},
                                    {"weighting_note", c.weighting_note},
                                    {"offline_effect", c.offline_effect},
                                    {"weighting_effect", c.weighting_effect}});
  }
  out["anomalies"] = anomalies_json(t);
  out["moderation"] = {{"decisions", t.moderation.decisions}, {"ideas_decided", t.moderation.ideas_decided},
                       {"by_action", t.moderation.by_action}, {"redacted", t.moderation.redacted},
                       {"reopened", t.moderation.reopened}};
  out["revoked_kiosks"] = revoked_kiosks_json(t);
  out["online_sources"] = online_sources_json(t);
  out["events"] = json::array();
  for (const auto& e : t.events) {
    out["events"].push_back({{"id", e.report.event_id},
                             {"name", e.report.name},
                             {"place", e.report.place},
                             {"date", e.report.date},
                             {"headcount", e.report.headcount},
                             {"participants", e.participants},
                             {"share_of_room", optional_json(e.share_of_room)}});
  }
  return out.dump(2) + "\n";
}

std::string ideas_csv(const Tally& t) {
  std::string out = std::string(kCsvBom) +
                    "consultation,idea,text,support,agree,disagree,pass,weighted_support,weighted_agree,"
                    "weighted_disagree,weighted_pass,online_only,online_support,offline_support,rank_online,rank_all,"
                    "rank_weighted\r\n";
  for (const auto& c : t.consultations) {
    for (const auto& i : c.ideas) {
      out += csv_cell(c.id) + "," + csv_cell(i.id) + "," + csv_cell(i.text) + "," + number(i.raw.support) + "," +
             number(i.raw.agree) + "," + number(i.raw.disagree) + "," + number(i.raw.pass) + "," +
             fixed(i.weighted.support, 4) + "," + fixed(i.weighted.agree, 4) + "," + fixed(i.weighted.disagree, 4) +
             "," + fixed(i.weighted.pass, 4) + "," + (i.online_only ? "true" : "false") + "," +
             number(i.online.support) + "," + number(i.offline.support) + "," + std::to_string(i.rank_online) + "," +
             std::to_string(i.rank_all) + "," + std::to_string(i.rank_weighted) + "\r\n";
    }
  }
  return out;
}

std::string breakdown_csv(const Tally& t) {
  std::string out = std::string(kCsvBom) + "consultation,idea,group,answer,support,agree,disagree,pass\r\n";
  for (const auto& c : t.consultations) {
    for (const auto& i : c.ideas) {
      for (const auto& [g, k] : i.by_group) {
        const auto eq = g.find('=');
        out += csv_cell(c.id) + "," + csv_cell(i.id) + "," + csv_cell(g.substr(0, eq)) + "," +
               csv_cell(g.substr(eq + 1)) + "," + number(k.support) + "," + number(k.agree) + "," +
               number(k.disagree) + "," + number(k.pass) + "\r\n";
      }
    }
  }
  return out;
}

std::string representation_csv(const Tally& t) {
  std::string out = std::string(kCsvBom) +
                    "consultation,question,answer,participants,participant_share,population_share,ratio,online_share,"
                    "offline_share\r\n";
  auto optional_share = [](const std::optional<double>& v) { return v ? fixed(*v, 4) : std::string(); };
  for (const auto& c : t.consultations) {
    for (const auto& g : c.representation) {
      out += csv_cell(c.id) + "," + csv_cell(g.question) + "," + csv_cell(g.answer) + "," +
             std::to_string(g.participants) + "," + fixed(g.participant_share, 4) + "," +
             fixed(g.population_share, 4) + "," + fixed(g.ratio, 4) + "," + optional_share(g.online_share) + "," +
             optional_share(g.offline_share) + "\r\n";
    }
  }
  return out;
}

namespace {

std::string anomaly_heading(const std::string& kind) {
  if (kind == "busy-kiosk") return "A kiosk much busier than usual";
  if (kind == "repeated-ballot") return "Ballots sent twice";
  if (kind == "unknown-idea") return "Votes for ideas not in the consultations file";
  if (kind == "unknown-consultation") return "Records for consultations not in the consultations file";
  if (kind == "unreadable") return "Records that could not be opened";
  if (kind == "room-overcounted") return "More participants than people counted in the room";
  return "Ballots no kiosk screen allows";
}

const IdeaResult* find_idea(const ConsultationResult& c, const std::string& id) {
  for (const auto& i : c.ideas) {
    if (i.id == id) return &i;
  }
  return nullptr;
}

std::string idea_text(const ConsultationResult& c, const std::string& id) {
  const IdeaResult* i = find_idea(c, id);
  return i ? i->text : id;
}

// Pol.is-style groups: a map of participants (each group by shape and colour), what sets each
// group apart and the statements every group leans towards, all in words and tables too.
std::string opinion_groups_section(const ConsultationResult& c, const OpinionGroups& g) {
  std::string h = "<h3>Opinion groups</h3>\n";
  if (g.k == 0) {
    return h + "<p>Too few residents voted on at least " + std::to_string(g.min_votes) +
           " statements to find groups of people who vote alike (" + std::to_string(g.placed) + ").</p>\n";
  }
  const char* names[] = {"A", "B", "C", "D", "E"};
  h += "<p>" + std::to_string(g.placed) + " residents voted on at least " + std::to_string(g.min_votes) +
       " statements; by how they voted, they fall into " + std::to_string(g.k) + " groups of people who vote alike" +
       (g.not_placed ? " (" + std::to_string(g.not_placed) + " who voted on fewer are not placed)" : std::string()) +
       ". The groups come from the votes alone, never from who people are.</p>\n";
  // The map: each participant a mark, placed by the two directions in which votes differ most.
  double lo[2] = {0, 0}, hi[2] = {0, 0};
  for (const auto& p : g.positions) {
    for (int d = 0; d < 2; ++d) {
      lo[d] = std::min(lo[d], p[static_cast<std::size_t>(d)]);
      hi[d] = std::max(hi[d], p[static_cast<std::size_t>(d)]);
    }
  }
  const char* colours[] = {"#0b5394", "#b45f06", "#38761d", "#741b47", "#444444"};
  std::string summary;
  for (int k = 0; k < g.k; ++k) {
    summary += std::string(k ? ", " : "") + "group " + names[k] + " " +
               std::to_string(g.groups[static_cast<std::size_t>(k)].participants);
  }
  h += "<figure><svg role=\"img\" aria-label=\"Map of participants by how they voted: " + summary +
       "\" viewBox=\"0 0 320 220\" style=\"width:100%;max-width:480px;border:1px solid #888\">";
  for (std::size_t i = 0; i < g.positions.size(); ++i) {
    const double x = 10 + 300 * (g.positions[i][0] - lo[0]) / std::max(1e-9, hi[0] - lo[0]);
    const double y = 10 + 200 * (g.positions[i][1] - lo[1]) / std::max(1e-9, hi[1] - lo[1]);
    const int k = g.group_of[i];
    const std::string fill = colours[k % 5];
    switch (k) {  // a shape per group, not colour alone
      case 0: h += "<circle cx=\"" + number(x, 1) + "\" cy=\"" + number(y, 1) + "\" r=\"4\" fill=\"" + fill + "\"/>"; break;
      case 1: h += "<rect x=\"" + number(x - 4, 1) + "\" y=\"" + number(y - 4, 1) + "\" width=\"8\" height=\"8\" fill=\"" + fill + "\"/>"; break;
      case 2: h += "<path d=\"M" + number(x, 1) + " " + number(y - 5, 1) + "l5 9h-10z\" fill=\"" + fill + "\"/>"; break;
      case 3: h += "<path d=\"M" + number(x, 1) + " " + number(y - 5, 1) + "l5 5-5 5-5-5z\" fill=\"" + fill + "\"/>"; break;
      default: h += "<path d=\"M" + number(x - 4, 1) + " " + number(y - 4, 1) + "l8 8m0-8l-8 8\" stroke=\"" + fill + "\" stroke-width=\"2\"/>";
    }
  }
  h += "</svg><figcaption>Each mark is one resident, placed by how they voted: marks close together voted "
       "alike. Groups: ";
  const char* shapes[] = {"circles", "squares", "triangles", "diamonds", "crosses"};
  for (int k = 0; k < g.k; ++k) h += std::string(k ? ", " : "") + names[k] + " " + shapes[k];
  h += ".</figcaption></figure>\n";
  std::vector<BarRow> rows;
  for (int k = 0; k < g.k; ++k) {
    const auto& group = g.groups[static_cast<std::size_t>(k)];
    std::string sets_apart;
    for (const auto& d : group.distinguishing) {
      sets_apart += (sets_apart.empty() ? "" : "; ") + std::string(d.agrees ? "agree" : "disagree") + " with '" +
                    html_escape(idea_text(c, d.idea)) + "' (" + percent(d.share_in) + ", others " +
                    percent(d.share_out) + ")";
    }
    rows.push_back({std::string("Group ") + names[k], "", {},
                    {std::to_string(group.participants), sets_apart.empty() ? "-" : "More often " + sets_apart}});
  }
  h += bar_table("The groups and what sets each apart", "Group", {}, {"People", "What sets it apart"}, rows);
  rows.clear();
  for (std::size_t i = 0; i < g.consensus.size() && i < 5; ++i) {
    rows.push_back({idea_text(c, g.consensus[i].first), "", {g.consensus[i].second}, {fixed(g.consensus[i].second, 2)}});
  }
  h += "<p>Common ground: statements every group tends to agree with. The score multiplies, over the groups, each "
       "group's chance of agreeing ((agree + 1) / (votes + 2)): it is high only when every group agrees.</p>\n" +
       bar_table("Common ground across the groups", "Statement", {"score"}, {"Score (0 to 1)"}, rows);
  return h;
}

// Participatory budgeting: what each rule funds and spends, why they differ, and whom each serves.
std::string budget_section(const ConsultationResult& c, const BudgetResult& b) {
  const std::string total = format_money(b.total, b.currency);
  std::string h = "<h3>Budget: which projects are funded</h3>\n<p>The budget is <strong>" + html_escape(total) +
                  "</strong>. " +
                  (b.ballot == BudgetBallot::kApproval
                       ? "Each participant chose up to " + std::to_string(b.max_projects) + " projects."
                       : std::string("Each participant chose projects whose costs fit in the budget.")) +
                  " The projects are counted by two rules, side by side.</p>\n";
  auto summary = [&](const char* name, const BudgetMethodResult& m) {
    return "<li><strong>" + std::string(name) + "</strong> funds " + std::to_string(m.chosen.size()) +
           " projects and spends " + html_escape(format_money(m.spent, b.currency)) + " of " + html_escape(total) +
           "; " + percent(m.served) + " of participants get at least one project they chose.</li>";
  };
  h += "<ul>" + summary("The greedy rule", b.greedy) + summary("Equal shares", b.equal_shares) + "</ul>\n";
  h += "<p class=\"effect\"><strong>" + html_escape(b.why_they_differ) + "</strong></p>\n";
  auto funded = [](const BudgetMethodResult& m, const std::string& id) {
    return std::find(m.chosen.begin(), m.chosen.end(), id) != m.chosen.end();
  };
  std::vector<BarRow> rows;
  for (const auto& i : c.ideas) {
    const bool g = funded(b.greedy, i.id), e = funded(b.equal_shares, i.id);
    rows.push_back({i.text, i.text_language,
                    {g ? static_cast<double>(i.cost) : 0.0, e ? static_cast<double>(i.cost) : 0.0},
                    {html_escape(format_money(i.cost, b.currency)),
                     count_and_share(i.raw.support, static_cast<double>(c.participants)), g ? "funded" : "&ndash;",
                     e ? "funded" : "&ndash;"}});
  }
  h += bar_table("Money spent per project, by each rule (projects in order of votes)", "Project",
                 {"greedy", "equal shares"}, {"Cost", "Participants who chose it", "Greedy", "Equal shares"}, rows);
  if (!b.greedy.served_by_group.empty()) {
    std::vector<BarRow> served;
    for (std::size_t g = 0; g < b.greedy.served_by_group.size(); ++g) {
      const auto& [group, share] = b.greedy.served_by_group[g];
      const double mes = b.equal_shares.served_by_group.at(g).second;  // the same groups, in the same order
      const auto eq = group.find('=');
      const std::string answer = group.substr(eq + 1) == "(no answer)" ? "no answer" : label_of(c, group);
      served.push_back({label_of(c, group.substr(0, eq)) + ": " + answer, "", {share, mes},
                        {percent(share), percent(mes)}});
    }
    h += bar_table("Who each rule serves: the share of each group with at least one funded project it chose", "Group",
                   {"greedy", "equal shares"}, {"Greedy", "Equal shares"}, served);
  }
  h += "<p class=\"note\">The greedy rule takes projects in order of votes, skipping any that no longer fit. Equal "
       "shares splits the budget equally among participants; each project is paid for by the participants who chose "
       "it. When it leaves money unspent, each share is raised in steps of 1% while the result still fits (" +
       std::to_string(b.equal_shares.completion_steps) + " steps here), and what is left goes to the most voted "
       "projects that fit (" + std::to_string(b.equal_shares.filled_greedily) + " here).</p>\n";
  return h;
}

// Pairwise: each idea's chance of beating a randomly chosen other, with its uncertainty.
std::string pairwise_section(const ConsultationResult& c, const PairwiseFit& p) {
  std::string h = "<h3>Which ideas people prefer</h3>\n<p>People made <strong>" + std::to_string(p.comparisons) +
                  "</strong> choices between two ideas (and could not decide " + std::to_string(p.cannot_decide) +
                  " times). The score is the estimated chance that an idea is preferred to another idea picked at "
                  "random; 50% is the middle. The range after it is where the score lies with 95% confidence: an "
                  "idea compared fewer times has a wider range.</p>\n";
  std::vector<BarRow> rows;
  for (const auto& i : c.ideas) {
    const PairwiseScore* score = nullptr;
    for (const auto& s : p.ideas) {
      if (s.id == i.id) score = &s;
    }
    if (!score) continue;
    rows.push_back({i.text, i.text_language, {score->score},
                    {percent(score->score) + " <span class=\"pct\">(" + percent(score->score_low) + "&ndash;" +
                         percent(score->score_high) + ")</span>",
                     std::to_string(score->comparisons), std::to_string(score->wins)}});
  }
  h += bar_table("Score: chance of being preferred to another idea", "Idea", {"score"},
                 {"Score (95% range)", "Times compared", "Times preferred"}, rows);
  h += "<p class=\"note\">Scores come from a Bradley&ndash;Terry model fitted to every choice, with each idea given one "
       "win and one loss against an average idea so that an idea seen a few times is not ranked first or last on "
       "that alone. &ldquo;I can't decide&rdquo; is counted but does not move the scores.</p>\n";
  return h;
}

std::string consultation_section(const Tally& t, const ConsultationResult& c) {
  const bool opinion = c.voting == VotingMethod::kOpinion;
  std::string h = "<section aria-labelledby=\"c-" + html_escape(c.id) + "\"><h2 id=\"c-" + html_escape(c.id) + "\"" +
                  lang_attribute(c.title_language) + ">" + html_escape(c.title) + "</h2>\n";
  // Who took part, in one sentence.
  std::string channels;
  for (const auto& [channel, n] : c.participants_by_channel) {
    channels += (channels.empty() ? "" : ", ") + std::to_string(n) + " " +
                (channel.rfind("online:", 0) == 0 ? "online (" + channel.substr(7) + ")"
                 : channel == "kiosk"             ? "at kiosks"
                 : channel == "town-hall"         ? "at town halls"
                                                  : "on paper cards");
  }
  h += "<p><strong>" + std::to_string(c.participants) + "</strong> people took part" +
       (channels.empty() ? "" : ": " + html_escape(channels)) + ". " + std::to_string(c.ideas_submitted) +
       " new ideas were submitted.";
  for (const auto& a : c.aggregate_sources) {
    h += " " + html_escape(channel_label(a.channel)) + " adds " + number(static_cast<double>(a.supports)) +
         " supports on " + std::to_string(a.proposals) + " proposals (" + std::to_string(a.online_only_ideas) +
         " proposed only online); that platform gives totals only, so its supporters are not in the number of "
         "people above, in the breakdowns by group or in the weighting.";
  }
  if (c.repeated_ballots) h += " " + std::to_string(c.repeated_ballots) + " ballots sent twice were counted once.";
  std::uint64_t refused = 0;
  for (const auto& [kind, n] : c.refused_ballots) refused += n;
  if (refused) h += " " + std::to_string(refused) + " ballots no kiosk screen allows were not counted (see below).";
  h += "</p>\n";
  if (!c.offline_effect.empty()) h += "<p class=\"effect\"><strong>" + html_escape(c.offline_effect) + "</strong></p>\n";
  if (!c.weighting_effect.empty()) h += "<p class=\"effect\">" + html_escape(c.weighting_effect) + "</p>\n";

  if (c.budget) h += budget_section(c, *c.budget);
  if (c.pairwise) h += pairwise_section(c, *c.pairwise);
  if (c.voting == VotingMethod::kSupport || c.voting == VotingMethod::kOpinion) {
    h += "<h3>Results by idea</h3>\n";
    std::vector<BarRow> rows;
    if (opinion) {
      for (const auto& i : c.ideas) {
        const double n = i.raw.total(), w = i.weighted.total();
        rows.push_back({i.text + (i.online_only ? " (proposed online)" : ""), i.text_language,
                        {n > 0 ? i.raw.agree / n : 0, n > 0 ? i.raw.disagree / n : 0},
                        {count_and_share(i.raw.agree, n), count_and_share(i.raw.disagree, n),
                         count_and_share(i.raw.pass, n), share_text(i.weighted.agree, w),
                         share_text(i.weighted.disagree, w), share_text(i.weighted.pass, w)}});
      }
      h += "<p>Ideas are in order of the share of voters who agree. An idea is supported when more agree than "
           "disagree.</p>\n";
      h += bar_table("Share of voters who agree and who disagree, every channel", "Idea", {"agree", "disagree"},
                     {"Agree", "Disagree", "Pass", "Agree, weighted", "Disagree, weighted", "Pass, weighted"}, rows);
    } else {
      double total = 0;
      for (const auto& i : c.ideas) total += i.raw.support;
      for (const auto& i : c.ideas) {
        std::vector<std::string> cells{count_and_share(i.raw.support, total)};
        if (c.has_online && c.has_offline) {
          cells.push_back(number(i.online.support, 1));
          cells.push_back(number(i.offline.support, 1));
        }
        cells.push_back(number(i.weighted.support, 1));
        if (c.has_online && c.has_offline)
          cells.push_back(std::to_string(i.rank_online) + " &rarr; " + std::to_string(i.rank_all));
        rows.push_back({i.text + (i.online_only ? " (proposed online)" : ""), i.text_language,
                        c.has_online && c.has_offline ? std::vector<double>{i.online.support, i.offline.support}
                                                      : std::vector<double>{i.raw.support},
                        cells});
      }
      std::vector<std::string> columns{"Supports, every channel"};
      if (c.has_online && c.has_offline) {
        columns.push_back("Online");
        columns.push_back("Kiosk, town hall and paper");
      }
      columns.push_back("Weighted");
      if (c.has_online && c.has_offline) columns.push_back("Rank online only → every channel");
      h += bar_table("Supports per idea", "Idea",
                     c.has_online && c.has_offline ? std::vector<std::string>{"online", "kiosk, town hall and paper"}
                                                   : std::vector<std::string>{"supports"},
                     columns, rows);
    }
  }

  if (c.opinion_groups) h += opinion_groups_section(c, *c.opinion_groups);

  // How people took part.
  if (!c.participants_by_channel.empty()) {
    std::vector<BarRow> rows;
    for (const auto& [channel, n] : c.participants_by_channel) {
      rows.push_back({channel_label(channel), "", {static_cast<double>(n)},
                      {count_and_share(static_cast<double>(n), static_cast<double>(c.participants))}});
    }
    h += "<h3>How people took part</h3>\n" + bar_table("People who took part, by channel", "Channel", {"people"},
                                                       {"People"}, rows);
  }
  if (!c.participants_by_event.empty()) {
    std::vector<BarRow> rows;
    for (const auto& [e, n] : c.participants_by_event)
      rows.push_back({event_name(t, e), "", {}, {std::to_string(n)}});
    h += bar_table("Town-hall events", "Event", {}, {"People"}, rows);
  }

  // Who took part against who lives here.
  if (!c.representation.empty() || !c.unanswered.empty()) {
    h += "<h3>Who took part</h3>\n";
    if (c.representativeness) {
      h += "<p>Representativeness: <strong>" + number(*c.representativeness, 2) +
           "</strong> out of 1. It compares, for every group, its share of participants with its share of the "
           "population, and divides the least represented group's ratio by the most represented one's: 1 means "
           "every group took part in proportion to its size; 0.5 means some group took part half as much as "
           "another, for its size.</p>\n";
    }
    const bool split = c.has_online && c.has_offline;
    std::string current_question;
    std::vector<BarRow> rows;
    auto flush = [&] {
      if (rows.empty()) return;
      std::vector<std::string> columns;
      if (split) {
        columns = {"Online", "Kiosk, town hall and paper"};
      }
      columns.push_back("All participants");
      columns.push_back("Population");
      h += bar_table(label_of(c, current_question) + " — participants and population", "Group",
                     {"participants", "population"}, columns, rows);
      rows.clear();
    };
    std::map<std::string, std::uint64_t> answered;  // per question: nobody answering needs no table
    for (const auto& g : c.representation) answered[g.question] += g.participants;
    for (const auto& g : c.representation) {
      if (answered[g.question] == 0) continue;
      if (g.question != current_question) {
        flush();
        current_question = g.question;
      }
      std::vector<std::string> cells;
      if (split) {
        cells.push_back(g.online_share ? percent(*g.online_share) : "-");
        cells.push_back(g.offline_share ? percent(*g.offline_share) : "-");
      }
      cells.push_back(std::to_string(g.participants) + " <span class=\"pct\">(" + percent(g.participant_share) +
                      ")</span>");
      cells.push_back(percent(g.population_share));
      rows.push_back({label_of(c, g.question + "=" + g.answer), "", {g.participant_share, g.population_share}, cells});
    }
    flush();
    if (!c.unanswered.empty()) {
      h += "<p>Did not answer: ";
      for (std::size_t i = 0; i < c.unanswered.size(); ++i) {
        const auto& u = c.unanswered[i];
        h += (i ? "; " : "") + html_escape(label_of(c, u.question)) + " " + std::to_string(u.participants) + " (" +
             share_text(static_cast<double>(u.participants), static_cast<double>(c.participants)) + ")";
      }
      h += ". Shares above are among those who answered.</p>\n";
    }
  }
  h += "<p class=\"note\">Weighted results count each participant so that the groups above match the population: "
       "someone from a group that took part less counts a little more. " +
       html_escape(c.weighting_note) + ".</p>\n</section>\n";
  return h;
}

}  // namespace

std::string results_html(const Tally& t, const std::string& generated_at) {
  std::string h = R"(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Consultation results</title>
<style>
body{font-family:sans-serif;max-width:960px;margin:1em auto;padding:0 1em;color:#1a1a1a;line-height:1.5;overflow-wrap:anywhere}
h1{font-size:1.8em}h2{border-bottom:2px solid #0b5394;padding-bottom:.2em;margin-top:2em}
.wide{max-width:100%;overflow-x:auto}
table{border-collapse:collapse;margin:1em 0;width:100%}td,th{border:1px solid #888;padding:.3em .5em;text-align:left;vertical-align:top;overflow-wrap:normal}
thead th{background:#e8eef6}td.n,th.n{text-align:right}caption{text-align:left;font-weight:bold;padding:.3em 0}
.pct{color:#444;white-space:nowrap}.note{color:#444}.effect{font-size:1.1em}
.anomaly{background:#fff4e0;padding:.5em 1em}
.bar{display:block;height:.7em;margin-top:.25em;min-width:1px;border:1px solid #0b5394;box-sizing:border-box}
.s0{background:#0b5394}.s1{background:repeating-linear-gradient(45deg,#b45f06 0 3px,#fff 3px 6px);border-color:#b45f06}
.legend{display:block;font-weight:normal}.legend>span{margin-right:1.5em;white-space:nowrap}
.key{display:inline-block;width:1.5em;height:.8em;margin-right:.4em;border:1px solid #0b5394;vertical-align:middle}
code{overflow-wrap:anywhere}
@media (max-width:600px){
 table.bars thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
 table.bars tr{display:block;border:1px solid #888;margin-bottom:.5em}
 table.bars th,table.bars td{display:block;border:0}
 table.bars td.n{display:flex;justify-content:space-between;gap:1em;text-align:right}
 table.bars td.n::before{content:attr(data-label);text-align:left;color:#333}
 table.bars .v{min-width:0;overflow-wrap:anywhere}
}
</style></head><body>
)";
  h += "<header><h1>Consultation results</h1>\n<p class=\"note\">" + std::to_string(t.records) +
       " records tallied on " + html_escape(generated_at) +
       ". Each person counts once per consultation, whatever the channel; counts never identify anyone.</p>\n"
       "</header>\n<main>\n";
  for (const auto& c : t.consultations) h += consultation_section(t, c);
  if (!t.events.empty()) {
    std::vector<BarRow> rows;
    for (const auto& e : t.events) {
      std::string share = e.share_of_room ? percent(*e.share_of_room) : "-";
      if (e.share_of_room && *e.share_of_room > 1.0) share += " <strong>(more than counted: check the headcount)</strong>";
      rows.push_back({e.report.name, "", {},
                      {html_escape(e.report.place), html_escape(e.report.date),
                       e.report.headcount ? std::to_string(e.report.headcount) : "not counted",
                       std::to_string(e.participants), share}});
    }
    h += "<h2>Town-hall events</h2>\n" +
         bar_table("Each event, as staff reported it", "Event", {},
                   {"Place", "Date", "People in the room", "Took part", "Share of the room"}, rows);
  }
  if (!t.online_sources.empty()) {
    h += "<h2>Online data in these results</h2>\n<p>Each file was imported by the hub's operators and signed into "
         "the hub's public log. Anyone can check that a file is the one used: <code>civic-hub log imports --out "
         "proofs.json</code> (or <code>GET /v1/log/imports</code>), then <code>civic-verify-receipt proofs.json "
         "hub-signing.pub FILE</code>.</p>\n";
    std::vector<BarRow> rows;
    for (const auto& o : t.online_sources) {
      rows.push_back({channel_label(o.channel), "", {},
                      {html_escape(o.consultation), std::to_string(o.rows), "<code>" + html_escape(o.file_sha256) + "</code>"}});
    }
    h += bar_table("Online exports counted", "Channel", {}, {"Consultation", "Rows", "File SHA-256"}, rows);
  }
  if (t.moderation.decisions > 0) {
    auto action = [&t](const char* name) {
      auto it = t.moderation.by_action.find(name);
      return std::to_string(it == t.moderation.by_action.end() ? 0 : it->second);
    };
    auto counted = [](std::uint64_t n, const char* one, const char* many) {
      return std::to_string(n) + " " + (n == 1 ? one : many);
    };
    h += "<h2>Moderation of residents' ideas</h2>\n<p>" + counted(t.moderation.ideas_decided, "idea", "ideas") +
         " decided in " + counted(t.moderation.decisions, "decision", "decisions") + ": " + action("approved") +
         " approved, " + action("rejected") + " rejected; " + std::to_string(t.moderation.redacted) +
         " published with personal details removed or rewritten; " + std::to_string(t.moderation.reopened) +
         " earlier decisions reopened (" + action("reopened-approved") + " then approved, " +
         action("reopened-rejected") + " then rejected). Every decision, with who took it and why, is in "
         "the hub's moderation log (civic-hub moderate log).</p>\n";
  }
  if (!t.revoked_kiosks.empty()) {
    std::vector<BarRow> rows;
    for (const auto& k : t.revoked_kiosks) {
      rows.push_back({k.name, "", {},
                      {"<code>" + html_escape(k.kiosk) + "</code>", html_escape(format_utc(k.revoked_at)), std::to_string(k.records),
                       k.counted ? "counted" : "left out (--exclude-revoked)"}});
    }
    h += "<h2>Records from kiosks since revoked</h2>\n" +
         bar_table("Kiosks revoked, with records", "Kiosk", {}, {"Id", "Revoked", "Records", "In these results"}, rows);
    h += "<p class=\"note\">Records a kiosk sent before it was revoked were verified when "
         "they arrived and count; a tally with --exclude-revoked leaves them out.</p>\n";
  }
  if (!t.anomalies.empty()) {
    h += "<h2>For operators: what to check</h2>\n<div class=\"anomaly\"><ul>\n";
    for (const auto& a : t.anomalies) {
      h += "<li><strong>" + html_escape(anomaly_heading(a.kind)) + ":</strong> " + html_escape(a.detail) + "</li>\n";
    }
    h += "</ul></div>\n";
  }
  h += "</main>\n</body></html>\n";
  return h;
}

}  // namespace civic
