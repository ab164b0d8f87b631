#include "open_data.h"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "report.h"

namespace civic {

namespace {

using nlohmann::json;

std::string integer(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f", v);
  return buf;
}

std::string decimal(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6f", v);
  return buf;
}

// A CSV table and its Table Schema, written together so that they cannot disagree.
class Table {
 public:
  Table(std::string name, std::string title, std::string description)
      : name_(std::move(name)), title_(std::move(title)), description_(std::move(description)) {}

  Table& field(const std::string& name, const std::string& type, const std::string& description) {
    fields_.push_back({{"name", name}, {"type", type}, {"description", description}});
    header_ += (header_.empty() ? "" : ",") + name;
    return *this;
  }
  void key(std::vector<std::string> primary) { primary_key_ = std::move(primary); }
  void row(const std::vector<std::string>& cells) {
    std::string line;
    for (std::size_t i = 0; i < cells.size(); ++i) line += (i ? "," : "") + cells[i];
    rows_ += line + "\r\n";
  }

  std::string path() const { return name_ + ".csv"; }
  std::string csv() const { return header_ + "\r\n" + rows_; }
  json resource() const {
    json schema = {{"fields", fields_}, {"missingValues", {""}}};
    if (!primary_key_.empty()) schema["primaryKey"] = primary_key_;
    return {{"name", name_},   {"path", path()},           {"title", title_},    {"description", description_},
            {"profile", "tabular-data-resource"},          {"format", "csv"},    {"mediatype", "text/csv"},
            {"encoding", "utf-8"}, {"schema", schema}};
  }

 private:
  std::string name_, title_, description_, header_, rows_;
  json fields_ = json::array();
  std::vector<std::string> primary_key_;
};

// Counts below the smallest cell are left out (an empty cell), and the row says so.
struct Suppressor {
  std::uint64_t smallest;
  bool hides(double n) const { return n > 0 && n < static_cast<double>(smallest); }
  std::string count(double n, bool hidden) const { return hidden ? "" : integer(n); }
};

void counts_fields(Table& t) {
  t.field("support", "integer", "supports")
      .field("agree", "integer", "agree votes")
      .field("disagree", "integer", "disagree votes")
      .field("pass", "integer", "pass votes");
}

}  // namespace

std::map<std::string, std::string> open_data_package(const Tally& t, std::uint64_t smallest_cell,
                                                     const OpenDataCheckpoint& checkpoint,
                                                     const std::string& generated_at) {
  const Suppressor s{smallest_cell};
  const std::string suppressed_note =
      "true when the counts of this row are left empty because they are below " + std::to_string(smallest_cell) +
      " (a small group could identify a resident)";

  Table ideas("ideas", "Results per idea, every channel",
              "Each idea with its counts over every channel (kiosk, town hall, paper, online), weighted counts and "
              "its rank online only, with every channel, and weighted.");
  ideas.field("consultation", "string", "consultation id").field("idea", "string", "idea id (online:ID for ideas proposed only online)")
      .field("text", "string", "the idea as published").field("online_only", "boolean", "proposed on the online platform only");
  counts_fields(ideas);
  ideas.field("weighted_support", "number", "supports weighted to the population")
      .field("weighted_agree", "number", "agree weighted").field("weighted_disagree", "number", "disagree weighted")
      .field("weighted_pass", "number", "pass weighted")
      .field("rank_online", "integer", "rank counting online channels only (1 first, ties share a rank)")
      .field("rank_all", "integer", "rank counting every channel")
      .field("rank_weighted", "integer", "rank of the weighted counts");
  ideas.key({"consultation", "idea"});

  Table by_channel("ideas_by_channel", "Results per idea and channel", "Each idea's counts from each channel.");
  by_channel.field("consultation", "string", "consultation id").field("idea", "string", "idea id")
      .field("channel", "string", "kiosk, town-hall, paper or online:SOURCE");
  counts_fields(by_channel);
  by_channel.field("suppressed", "boolean", suppressed_note);
  by_channel.key({"consultation", "idea", "channel"});

  Table by_group("ideas_by_group", "Results per idea and \"about you\" answer",
                 "Each idea's counts among participants who gave each answer (per-person channels only).");
  by_group.field("consultation", "string", "consultation id").field("idea", "string", "idea id")
      .field("question", "string", "question id").field("answer", "string", "answer id, or (no answer)");
  counts_fields(by_group);
  by_group.field("suppressed", "boolean", suppressed_note);
  by_group.key({"consultation", "idea", "question", "answer"});

  Table participation("participation", "People who took part, by channel",
                      "One person counts once per consultation; online platforms that give totals only are not here.");
  participation.field("consultation", "string", "consultation id").field("channel", "string", "channel")
      .field("participants", "integer", "people").field("suppressed", "boolean", suppressed_note);
  participation.key({"consultation", "channel"});

  Table representation("representation", "Who took part against the population",
                       "Shares among those who answered, online, offline (kiosk, town hall, paper) and together, "
                       "beside the population's share.");
  representation.field("consultation", "string", "consultation id").field("question", "string", "question id")
      .field("answer", "string", "answer id").field("participants", "integer", "participants who gave this answer")
      .field("participant_share", "number", "share among participants who answered (0 to 1)")
      .field("population_share", "number", "share in the population (0 to 1)")
      .field("online_share", "number", "share among online participants who answered")
      .field("offline_share", "number", "share among kiosk, town-hall and paper participants who answered")
      .field("suppressed", "boolean", suppressed_note);
  representation.key({"consultation", "question", "answer"});

  Table sources("online_sources", "Online data used",
                "Each export of online participation the results count, named by its SHA-256 as the hub's "
                "transparency log holds it.");
  sources.field("channel", "string", "online:SOURCE").field("consultation", "string", "consultation id")
      .field("format", "string", "decidim, consul or participants")
      .field("file_sha256", "string", "SHA-256 of the exported file").field("rows", "integer", "rows in the file")
      .field("imported_at", "integer", "Unix seconds");

  auto counts = [&s](const Counts& k, bool hidden) {
    return std::vector<std::string>{s.count(k.support, hidden), s.count(k.agree, hidden), s.count(k.disagree, hidden),
                                    s.count(k.pass, hidden)};
  };
  for (const auto& c : t.consultations) {
    for (const auto& i : c.ideas) {
      std::vector<std::string> row{csv_cell(c.id), csv_cell(i.id), csv_cell(i.text), i.online_only ? "true" : "false"};
      for (auto& v : counts(i.raw, false)) row.push_back(v);
      for (double w : {i.weighted.support, i.weighted.agree, i.weighted.disagree, i.weighted.pass}) row.push_back(decimal(w));
      for (int r : {i.rank_online, i.rank_all, i.rank_weighted}) row.push_back(std::to_string(r));
      ideas.row(row);
      for (const auto& [group, k] : i.by_group) {
        const auto eq = group.find('=');
        const std::string kind = group.substr(0, eq), value = group.substr(eq + 1);
        const bool hidden = s.hides(k.total());
        std::vector<std::string> cells{csv_cell(c.id), csv_cell(i.id)};
        if (kind == "channel") {
          cells.push_back(csv_cell(value));
          for (auto& v : counts(k, hidden)) cells.push_back(v);
          cells.push_back(hidden ? "true" : "false");
          by_channel.row(cells);
        } else {
          cells.push_back(csv_cell(kind));
          cells.push_back(csv_cell(value));
          for (auto& v : counts(k, hidden)) cells.push_back(v);
          cells.push_back(hidden ? "true" : "false");
          by_group.row(cells);
        }
      }
    }
    for (const auto& [channel, n] : c.participants_by_channel) {
      const bool hidden = s.hides(static_cast<double>(n));
      participation.row({csv_cell(c.id), csv_cell(channel), s.count(static_cast<double>(n), hidden), hidden ? "true" : "false"});
    }
    for (const auto& g : c.representation) {
      const bool hidden = s.hides(static_cast<double>(g.participants));
      auto share = [hidden](const std::optional<double>& v) { return hidden || !v ? std::string() : decimal(*v); };
      representation.row({csv_cell(c.id), csv_cell(g.question), csv_cell(g.answer),
                          s.count(static_cast<double>(g.participants), hidden), share(g.participant_share),
                          decimal(g.population_share), share(g.online_share), share(g.offline_share),
                          hidden ? "true" : "false"});
    }
  }
  for (const auto& o : t.online_sources) {
    sources.row({csv_cell(o.channel), csv_cell(o.consultation), csv_cell(o.format), csv_cell(o.file_sha256),
                 std::to_string(o.rows), std::to_string(o.imported_at)});
  }

  std::map<std::string, std::string> files;
  json resources = json::array();
  for (const Table* table : {&ideas, &by_channel, &by_group, &participation, &representation, &sources}) {
    files[table->path()] = table->csv();
    resources.push_back(table->resource());
  }
  resources.push_back({{"name", "checkpoint"},
                       {"path", "checkpoint.json"},
                       {"title", "Signed checkpoint of the hub's transparency log"},
                       {"description", "The log's size and root when these results were made, signed by the hub: "
                                       "see README.md for how to verify it and a receipt against it."},
                       {"format", "json"},
                       {"mediatype", "application/json"}});
  files["checkpoint.json"] = json{{"checkpoint", checkpoint.checkpoint_hex},
                                  {"size", checkpoint.size},
                                  {"root", checkpoint.root_hex},
                                  {"signed_at", checkpoint.signed_at},
                                  {"hub_signing_public_key", checkpoint.hub_signing_key_hex}}
                                 .dump(2) +
                             "\n";
  files["datapackage.json"] =
      json{{"profile", "data-package"},
           {"name", "civic-kiosk-results"},
           {"title", "Consultation results: every channel"},
           {"description", "Results of public consultations counted across kiosks, town halls, paper cards and the "
                           "city's online platform. Counts only: nothing here identifies a resident, and no count "
                           "below " + std::to_string(smallest_cell) + " appears in a breakdown."},
           {"created", generated_at},
           {"version", "1.0.0"},
           {"resources", resources}}
          .dump(2) +
      "\n";
  files["README.md"] =
      "# Consultation results: open data\n\n"
      "Made by civic-hub on " + generated_at + ". `datapackage.json` describes every table (a Frictionless Data "
      "Package; CKAN and other portals read it).\n\n"
      "- Counts only. In `ideas_by_channel.csv`, `ideas_by_group.csv`, `participation.csv` and "
      "`representation.csv` a row whose count is below " + std::to_string(smallest_cell) +
      " is left empty and marked `suppressed`.\n"
      "- Online platforms that give totals only (Decidim, CONSUL) are in the counts and `ideas_by_channel.csv`, "
      "not in the numbers of people or the breakdowns by answer.\n\n"
      "## Verifying\n\n"
      "`checkpoint.json` holds the hub's signed checkpoint of its transparency log. Obtain the hub's public signing "
      "key from the city (not from this package), then:\n\n"
      "- a resident's receipt: `civic-verify-receipt PROOF.json hub-signing.pub`, with the proof from "
      "`GET /v1/log/proof?receipt=CODE`;\n"
      "- the online data: `GET /v1/log/imports` gives each import's signed statement and inclusion proof; "
      "`civic-verify-receipt PROOFS.json hub-signing.pub FILE` checks them and that FILE is the export the hub "
      "imported (`online_sources.csv` lists their SHA-256).\n";
  return files;
}

}  // namespace civic
