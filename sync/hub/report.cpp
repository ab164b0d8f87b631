#include "report.h"

#include "sync/common/human.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

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

// RFC 4180: quote every text field, double the quotes inside.
std::string csv_text(const std::string& s) {
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string html_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

// The number a chart shows for an idea: supports, or agree minus disagree.
double headline(const ConsultationResult& c, const Counts& k) {
  return c.voting == VotingMethod::kOpinion ? k.agree : k.support;
}

// [SECTION] SVG charts: horizontal bars, one or two series, labelled in text (not colour alone).

struct Bar {
  std::string label;
  std::vector<double> values;  // one per series
};

std::string bar_chart(const std::string& title, const std::vector<std::string>& series,
                      const std::vector<Bar>& bars, bool percent) {
  const double label_w = 360, chart_w = 420,
               row_h = 22.0 * static_cast<double>(std::max<std::size_t>(1, series.size())) + 10;
  double max = 0;
  for (const auto& b : bars) {
    for (double v : b.values) max = std::max(max, v);
  }
  if (max <= 0) max = 1;
  const double legend_h = series.size() > 1 ? 26 : 0;
  const double h = 30 + legend_h + row_h * static_cast<double>(bars.size()) + 10;
  const char* colours[] = {"#0b5394", "#b45f06", "#38761d"};
  const char* patterns[] = {"", "stroke-dasharray=\"4 2\"", ""};
  std::string svg = "<figure><svg role=\"img\" aria-label=\"" + html_escape(title) + "\" width=\"" +
                    number(label_w + chart_w + 90) + "\" height=\"" + number(h) + "\" viewBox=\"0 0 " +
                    number(label_w + chart_w + 90) + " " + number(h) +
                    "\" xmlns=\"http://www.w3.org/2000/svg\" font-family=\"sans-serif\" font-size=\"13\">";
  svg += "<title>" + html_escape(title) + "</title>";
  svg += "<text x=\"0\" y=\"18\" font-weight=\"bold\" font-size=\"15\">" + html_escape(title) + "</text>";
  if (series.size() > 1) {
    double x = 0;
    for (std::size_t s = 0; s < series.size(); ++s) {
      svg += "<rect x=\"" + number(x) + "\" y=\"30\" width=\"14\" height=\"14\" fill=\"" + colours[s % 3] +
             "\"/>";
      svg += "<text x=\"" + number(x + 20) + "\" y=\"42\">" + html_escape(series[s]) + "</text>";
      x += 200;
    }
  }
  double y = 30 + legend_h;
  for (const auto& b : bars) {
    std::string label = b.label.size() > 52 ? b.label.substr(0, 50) + "…" : b.label;
    svg += "<text x=\"0\" y=\"" + number(y + 16) + "\"><title>" + html_escape(b.label) + "</title>" +
           html_escape(label) + "</text>";
    for (std::size_t s = 0; s < b.values.size(); ++s) {
      const double w = chart_w * b.values[s] / max;
      const double by = y + 4 + 22.0 * static_cast<double>(s);
      svg += "<rect class=\"bar\" x=\"" + number(label_w) + "\" y=\"" + number(by) + "\" width=\"" +
             number(w, 1) + "\" height=\"18\" fill=\"" + colours[s % 3] + "\" " + patterns[s % 3] + "/>";
      svg += "<text x=\"" + number(label_w + w + 6, 1) + "\" y=\"" + number(by + 14) + "\">" +
             (percent ? number(b.values[s] * 100, 1) + "%" : number(b.values[s], 1)) + "</text>";
    }
    y += row_h;
  }
  svg += "</svg></figure>";
  return svg;
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
}  // namespace

std::string results_summary_json(const Tally& t, const std::string& out_dir) {
  json summary = {{"records", t.records}, {"out", out_dir}, {"consultations", json::array()},
                  {"anomalies", anomalies_json(t)}, {"revoked_kiosks", revoked_kiosks_json(t)}};
  for (const auto& c : t.consultations) {
    summary["consultations"].push_back(
        {{"id", c.id},
         {"participants", c.participants},
         {"repeated_ballots", c.repeated_ballots},
         {"representativeness", c.representativeness ? json(*c.representativeness) : json(nullptr)}});
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
                       {"raw", counts_json(i.raw)},
                       {"weighted", counts_json(i.weighted)},
                       {"by_group", groups}});
    }
    json representation = json::array();
    for (const auto& g : c.representation) {
      representation.push_back({{"question", g.question},
                                {"answer", g.answer},
                                {"participants", g.participants},
                                {"participant_share", g.participant_share},
                                {"population_share", g.population_share},
                                {"ratio", g.ratio}});
    }
    out["consultations"].push_back(
        {{"id", c.id},
         {"title", c.title},
         {"voting", voting_method_name(c.voting)},
         {"participants", c.participants},
         {"repeated_ballots", c.repeated_ballots},
         {"refused_ballots", c.refused_ballots},
         {"ideas_submitted", c.ideas_submitted},
         {"participants_by_channel", c.participants_by_channel},
         {"participants_by_event", c.participants_by_event},
         {"ideas", ideas},
         {"representation", representation},
         {"representativeness", c.representativeness ? json(*c.representativeness) : json(nullptr)},
         {"weighted", c.weighted},
         {"weighting_note", c.weighting_note}});
  }
  out["anomalies"] = anomalies_json(t);
  out["moderation"] = {{"decisions", t.moderation.decisions}, {"ideas_decided", t.moderation.ideas_decided},
                       {"by_action", t.moderation.by_action}, {"redacted", t.moderation.redacted},
                       {"reopened", t.moderation.reopened}};
  out["revoked_kiosks"] = revoked_kiosks_json(t);
  out["events"] = json::array();
  for (const auto& e : t.events) {
    out["events"].push_back({{"id", e.report.event_id},
                             {"name", e.report.name},
                             {"place", e.report.place},
                             {"date", e.report.date},
                             {"headcount", e.report.headcount},
                             {"participants", e.participants},
                             {"share_of_room", e.share_of_room ? json(*e.share_of_room) : json(nullptr)}});
  }
  return out.dump(2) + "\n";
}

std::string ideas_csv(const Tally& t) {
  std::string out =
      "consultation,idea,text,support,agree,disagree,pass,weighted_support,weighted_agree,"
      "weighted_disagree,weighted_pass\r\n";
  for (const auto& c : t.consultations) {
    for (const auto& i : c.ideas) {
      out += csv_text(c.id) + "," + csv_text(i.id) + "," + csv_text(i.text) + "," + number(i.raw.support) +
             "," + number(i.raw.agree) + "," + number(i.raw.disagree) + "," + number(i.raw.pass) + "," +
             fixed(i.weighted.support, 4) + "," + fixed(i.weighted.agree, 4) + "," +
             fixed(i.weighted.disagree, 4) + "," + fixed(i.weighted.pass, 4) + "\r\n";
    }
  }
  return out;
}

std::string breakdown_csv(const Tally& t) {
  std::string out = "consultation,idea,group,answer,support,agree,disagree,pass\r\n";
  for (const auto& c : t.consultations) {
    for (const auto& i : c.ideas) {
      for (const auto& [g, k] : i.by_group) {
        const auto eq = g.find('=');
        out += csv_text(c.id) + "," + csv_text(i.id) + "," + csv_text(g.substr(0, eq)) + "," +
               csv_text(g.substr(eq + 1)) + "," + number(k.support) + "," + number(k.agree) + "," +
               number(k.disagree) + "," + number(k.pass) + "\r\n";
      }
    }
  }
  return out;
}

std::string representation_csv(const Tally& t) {
  std::string out = "consultation,question,answer,participants,participant_share,population_share,ratio\r\n";
  for (const auto& c : t.consultations) {
    for (const auto& g : c.representation) {
      out += csv_text(c.id) + "," + csv_text(g.question) + "," + csv_text(g.answer) + "," +
             std::to_string(g.participants) + "," + fixed(g.participant_share, 4) + "," +
             fixed(g.population_share, 4) + "," + fixed(g.ratio, 4) + "\r\n";
    }
  }
  return out;
}

std::string results_html(const Tally& t, const std::string& generated_at) {
  std::string h = R"(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Consultation results</title>
<style>
body{font-family:sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#1a1a1a;line-height:1.5}
h1{font-size:1.8em}h2{border-bottom:2px solid #0b5394;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #888;padding:.3em .6em;text-align:left}
th{background:#e8eef6}td.n{text-align:right}.note{color:#444}.anomaly{background:#fff4e0;padding:.5em 1em}
figure{margin:1.5em 0}
</style></head><body>
)";
  h += "<h1>Consultation results</h1>\n<p class=\"note\">" + std::to_string(t.records) +
       " records tallied on " + html_escape(generated_at) +
       ". Each session counts once per consultation; counts never identify anyone.</p>\n";
  for (const auto& c : t.consultations) {
    h += "<section class=\"consultation\" id=\"" + html_escape(c.id) + "\"><h2>" + html_escape(c.title) +
         "</h2>\n";
    h += "<p><strong>" + std::to_string(c.participants) + "</strong> participants, " +
         std::to_string(c.ideas_submitted) + " ideas submitted";
    if (c.repeated_ballots) h += ", " + std::to_string(c.repeated_ballots) + " repeated ballots not counted";
    std::uint64_t refused = 0;
    for (const auto& [kind, n] : c.refused_ballots) refused += n;
    if (refused) h += ", " + std::to_string(refused) + " impossible ballots refused (see anomalies)";
    h += ".</p>\n";

    const std::string measure = c.voting == VotingMethod::kOpinion ? "agree" : "supports";
    std::vector<Bar> top;
    for (std::size_t i = 0; i < std::min<std::size_t>(10, c.ideas.size()); ++i) {
      top.push_back({c.ideas[i].text, {headline(c, c.ideas[i].raw)}});
    }
    h += bar_chart("Top ideas (" + measure + ")", {measure}, top, false);

    h += "<table><caption>All ideas</caption><tr><th>Idea</th>";
    if (c.voting == VotingMethod::kOpinion) {
      h += "<th>Agree</th><th>Disagree</th><th>Pass</th><th>Agree (weighted)</th><th>Disagree "
           "(weighted)</th></tr>\n";
    } else {
      h += "<th>Supports</th><th>Supports (weighted)</th></tr>\n";
    }
    for (const auto& i : c.ideas) {
      h += "<tr><td>" + html_escape(i.text) + "</td>";
      if (c.voting == VotingMethod::kOpinion) {
        h += "<td class=\"n\">" + number(i.raw.agree) + "</td><td class=\"n\">" + number(i.raw.disagree) +
             "</td><td class=\"n\">" + number(i.raw.pass) + "</td><td class=\"n\">" +
             number(i.weighted.agree, 1) + "</td><td class=\"n\">" + number(i.weighted.disagree, 1) +
             "</td></tr>\n";
      } else {
        h += "<td class=\"n\">" + number(i.raw.support) + "</td><td class=\"n\">" +
             number(i.weighted.support, 1) + "</td></tr>\n";
      }
    }
    h += "</table>\n";

    // Votes by channel: how much each way of taking part contributed.
    std::vector<Bar> channels;
    for (const auto& [channel, n] : c.participants_by_channel) {
      double votes = 0;
      for (const auto& i : c.ideas) {
        auto it = i.by_group.find("channel=" + channel);
        if (it != i.by_group.end()) votes += it->second.total();
      }
      channels.push_back({channel, {static_cast<double>(n), votes}});
    }
    h += bar_chart("Participants and votes by channel", {"participants", "votes"}, channels, false);
    if (!c.participants_by_event.empty()) {
      h += "<table><caption>Town-hall events</caption><tr><th>Event</th><th>Participants</th></tr>\n";
      for (const auto& [e, n] : c.participants_by_event) {
        h += "<tr><td>" + html_escape(e) + "</td><td class=\"n\">" + std::to_string(n) + "</td></tr>\n";
      }
      h += "</table>\n";
    }

    if (!c.representation.empty()) {
      h += "<h3>Who took part</h3>\n<p>Representativeness score: <strong>" +
           number(c.representativeness.value_or(0), 2) +
           "</strong> (the lowest participation ratio of any group divided by the highest; 1 means every "
           "group "
           "took part in proportion to its size).</p>\n";
      std::vector<Bar> groups;
      for (const auto& g : c.representation) {
        groups.push_back({g.question + ": " + g.answer, {g.participant_share, g.population_share}});
      }
      h += bar_chart("Participants vs population", {"participants", "population"}, groups, true);
    }
    std::vector<Bar> weighted;
    for (std::size_t i = 0; i < std::min<std::size_t>(10, c.ideas.size()); ++i) {
      weighted.push_back({c.ideas[i].text, {headline(c, c.ideas[i].raw), headline(c, c.ideas[i].weighted)}});
    }
    h += bar_chart("Raw vs weighted (" + measure + ")", {"raw", "weighted to the population"}, weighted,
                   false);
    h += "<p class=\"note\">" + html_escape(c.weighting_note) + "</p>\n</section>\n";
  }
  if (!t.events.empty()) {
    h += "<h2>Town-hall events</h2>\n<table><tr><th>Event</th><th>Place</th><th>Date</th><th>People in the "
         "room</th>"
         "<th>Took part</th><th>Share of the room</th></tr>\n";
    for (const auto& e : t.events) {
      h += "<tr><td>" + html_escape(e.report.name) + "</td><td>" + html_escape(e.report.place) + "</td><td>" +
           html_escape(e.report.date) + "</td><td class=\"n\">" +
           (e.report.headcount ? std::to_string(e.report.headcount) : "not counted") +
           "</td><td class=\"n\">" + std::to_string(e.participants) + "</td><td class=\"n\">" +
           (e.share_of_room ? number(*e.share_of_room * 100, 0) + "%" : "-") + "</td></tr>\n";
    }
    h += "</table>\n";
  }
  if (t.moderation.decisions > 0) {
    auto action = [&t](const char* name) {
      auto it = t.moderation.by_action.find(name);
      return std::to_string(it == t.moderation.by_action.end() ? 0 : it->second);
    };
    h += "<h2>Moderation of residents' ideas</h2>\n<p>" + std::to_string(t.moderation.ideas_decided) +
         " ideas decided in " + std::to_string(t.moderation.decisions) + " decisions: " + action("approved") +
         " approved, " + action("rejected") + " rejected; " + std::to_string(t.moderation.redacted) +
         " published with personal details removed or rewritten; " + std::to_string(t.moderation.reopened) +
         " earlier decisions reopened (" + action("reopened-approved") + " then approved, " +
         action("reopened-rejected") + " then rejected). Every decision, with who took it and why, is in "
         "the hub's moderation log (civic-hub moderate log).</p>\n";
  }
  if (!t.revoked_kiosks.empty()) {
    h += "<h2>Records from kiosks since revoked</h2>\n<table><tr><th>Kiosk</th><th>Name</th><th>Revoked</th>"
         "<th>Records</th><th>In these results</th></tr>\n";
    for (const auto& k : t.revoked_kiosks) {
      h += "<tr><td>" + html_escape(k.kiosk) + "</td><td>" + html_escape(k.name) + "</td><td>" +
           html_escape(format_utc(k.revoked_at)) + "</td><td class=\"n\">" + std::to_string(k.records) +
           "</td><td>" + (k.counted ? "counted" : "left out (--exclude-revoked)") + "</td></tr>\n";
    }
    h += "</table>\n<p class=\"note\">Records a kiosk sent before it was revoked were verified when they arrived "
         "and count; a tally with --exclude-revoked leaves them out.</p>\n";
  }
  if (!t.anomalies.empty()) {
    h += "<h2>For operators: anomalies</h2>\n<div class=\"anomaly\"><ul>\n";
    for (const auto& a : t.anomalies)
      h += "<li>" + html_escape(a.kind) + ": " + html_escape(a.detail) + "</li>\n";
    h += "</ul></div>\n";
  }
  h += "</body></html>\n";
  return h;
}

}  // namespace civic
