#include "online.h"

#include "sync/common/human.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

namespace civic {

namespace {

using nlohmann::json;

constexpr std::size_t kMaxRows = 1'000'000;
constexpr std::size_t kMaxReported = 50;

bool valid_source(const std::string& s) {
  return !s.empty() && s.size() <= 32 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
         });
}

std::optional<std::uint64_t> count_cell(const std::string& cell) {
  if (cell.empty() || cell.size() > 12 || !std::all_of(cell.begin(), cell.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  return std::stoull(cell);
}

// The separator of the header line: ',' unless ';' is the one used outside quotes.
char header_separator(const std::string& text) {
  std::size_t commas = 0, semicolons = 0;
  bool quoted = false;
  for (char c : text) {
    if (c == '"') quoted = !quoted;
    if (!quoted && (c == '\n' || c == '\r')) break;
    if (!quoted && c == ',') ++commas;
    if (!quoted && c == ';') ++semicolons;
  }
  return semicolons > commas ? ';' : ',';
}

const Idea* find_idea(const Consultation& c, const std::string& id) {
  for (const auto& i : c.ideas) {
    if (i.id == id) return &i;
  }
  return nullptr;
}

std::vector<std::string> idea_ids(const Consultation& c) {
  std::vector<std::string> ids;
  for (const auto& i : c.ideas) ids.push_back(i.id);
  return ids;
}

struct Columns {
  std::map<std::string, std::size_t> index;
  std::optional<std::size_t> find(const std::string& name) const {
    auto it = index.find(name);
    return it == index.end() ? std::nullopt : std::optional(it->second);
  }
};

class Parser {
 public:
  Parser(const OnlineMapping& mapping, const Content& content, const Consultation& consultation)
      : mapping_(mapping), content_(content), c_(consultation) {}

  std::vector<OnlineProblem> errors;

  void error(int line, std::string message) { errors.push_back({line, std::move(message)}); }

  // The consultation's idea an online id stands for, or nothing: an online-only idea.
  std::optional<std::string> mapped(const std::string& online_id) const {
    if (auto it = mapping_.ideas.find(online_id); it != mapping_.ideas.end()) return it->second;
    if (find_idea(c_, online_id)) return online_id;
    return std::nullopt;
  }

  void aggregate(OnlineFormat format, const std::vector<CsvRow>& rows, OnlineData& out) {
    if (c_.voting != VotingMethod::kSupport) {
      error(0, std::string(format == OnlineFormat::kDecidim ? "Decidim" : "CONSUL") +
                   " exports count supports, and consultation '" + c_.id + "' is " +
                   (c_.voting == VotingMethod::kOpinion ? std::string("an agree/disagree consultation")
                    : c_.voting == VotingMethod::kNone  ? std::string("a consultation without voting")
                                                        : std::string("a ") + voting_method_name(c_.voting) + " consultation") +
                   ": import them into a consultation with \"voting\": \"support\"");
      return;
    }
    Columns cols = columns(rows.front());
    const auto id = cols.find("id");
    std::optional<std::size_t> title, votes, component;
    if (format == OnlineFormat::kDecidim) {
      // Decidim's exporter flattens nested fields with '/': title/en, title/fr, component/id.
      for (const char* name : {"title/en", "title"}) {
        if (!title) title = cols.find(name);
      }
      for (const auto& [name, i] : cols.index) {
        if (!title && name.rfind("title/", 0) == 0) title = i;
      }
      votes = cols.find("votes");  // Decidim 0.28 on; "supports" before
      if (!votes) votes = cols.find("supports");
      component = cols.find("component/id");
      if (!id || !title) {
        error(rows.front().line, "this is not Decidim's proposals export: it needs the columns \"id\" and "
                                 "\"title/<language>\" (Download open data, the proposals file)");
        return;
      }
      if (!votes) {
        error(rows.front().line, "this Decidim export has no \"votes\" (or \"supports\") column: export the "
                                 "proposals component's open data with supports shown");
        return;
      }
    } else {
      title = cols.find("title");
      votes = cols.find("cached_votes_up");
      if (!id || !title) {
        error(rows.front().line, "this is not a CONSUL proposals download: it needs the columns \"id\" and "
                                 "\"title\" (Admin > Download settings > Proposals)");
        return;
      }
      if (!votes) {
        error(rows.front().line, "this CONSUL file has no \"cached_votes_up\" column (CONSUL's own proposals "
                                 "exporter leaves supports out): tick cached_votes_up in Admin > Download settings > "
                                 "Proposals and download again");
        return;
      }
    }
    std::set<std::string> seen;
    for (std::size_t r = 1; r < rows.size(); ++r) {
      const CsvRow& row = rows[r];
      if (row.cells.size() != rows.front().cells.size()) {
        error(row.line, "this row has " + std::to_string(row.cells.size()) + " cells and the header " +
                            std::to_string(rows.front().cells.size()) + ": a missing quote or separator?");
        continue;
      }
      const std::string& online_id = row.cells[*id];
      if (online_id.empty()) {
        error(row.line, "a proposal without an id");
        continue;
      }
      if (!seen.insert(online_id).second) {
        error(row.line, "proposal " + online_id + " is in the file twice");
        continue;
      }
      if (component && mapping_.decidim_component && row.cells[*component] != *mapping_.decidim_component) {
        error(row.line, "proposal " + online_id + " belongs to Decidim component " + row.cells[*component] +
                            ", and the mapping file is for component " + *mapping_.decidim_component +
                            ": export the right component");
        continue;
      }
      const auto supports = count_cell(row.cells[*votes]);
      if (!supports) {
        error(row.line, "proposal " + online_id + " has supports '" + row.cells[*votes] +
                            "', not a whole number" +
                            (row.cells[*votes].empty() ? " (Decidim leaves it empty when supports are hidden)" : ""));
        continue;
      }
      OnlineIdeaCount count{online_id, mapped(online_id).value_or(""), row.cells[*title], *supports};
      if (count.idea_id.empty()) out.online_only_titles["online:" + online_id] = count.title;
      out.counts.push_back(std::move(count));
    }
  }

  void participants(const std::vector<CsvRow>& rows, OnlineData& out) {
    const CsvRow& header = rows.front();
    std::optional<std::size_t> participant, consultation;
    std::vector<std::pair<std::size_t, std::string>> idea_columns, question_columns;  // column, idea / question
    for (std::size_t i = 0; i < header.cells.size(); ++i) {
      const std::string& name = header.cells[i];
      if (name == "participant") {
        participant = i;
      } else if (name == "consultation") {
        consultation = i;
      } else if (name.rfind("idea:", 0) == 0 && name.size() > 5) {
        if (c_.voting == VotingMethod::kNone) {
          error(header.line, "column '" + name + "': consultation '" + c_.id + "' has no voting");
          continue;
        }
        if (c_.voting == VotingMethod::kBudget || c_.voting == VotingMethod::kPairwise) {
          error(header.line, "column '" + name + "': consultation '" + c_.id + "' is a " + voting_method_name(c_.voting) +
                                 " consultation; this file carries support or agree/disagree/pass votes, and budget "
                                 "ballots and comparisons come from kiosks (and paper ballots in staff mode)");
          continue;
        }
        const std::string online_id = name.substr(5);
        idea_columns.emplace_back(i, mapped(online_id).value_or("online:" + online_id));
        if (!mapped(online_id)) {
          auto t = mapping_.titles.find(online_id);
          out.online_only_titles["online:" + online_id] = t == mapping_.titles.end() ? online_id : t->second;
        }
      } else if (name.rfind("about:", 0) == 0 && name.size() > 6) {
        const std::string q = name.substr(6);
        if (std::find(c_.about_you.begin(), c_.about_you.end(), q) == c_.about_you.end()) {
          error(header.line, "column '" + name + "': consultation '" + c_.id + "' does not ask '" + q +
                                 "'; it asks: " + list_of(c_.about_you));
          continue;
        }
        question_columns.emplace_back(i, q);
      } else {
        error(header.line, "column '" + name + "' is not one this file may have: participant, consultation, "
                           "idea:<idea id>, about:<question id> (personal data such as names or e-mail "
                           "addresses must not be imported)");
      }
    }
    if (!participant) error(header.line, "the file needs a 'participant' column (a pseudonymous id per person)");
    if (!errors.empty()) return;
    std::set<std::string> seen;
    for (std::size_t r = 1; r < rows.size(); ++r) {
      const CsvRow& row = rows[r];
      if (row.cells.size() != header.cells.size()) {
        error(row.line, "this row has " + std::to_string(row.cells.size()) + " cells and the header " +
                            std::to_string(header.cells.size()) + ": a missing quote or separator?");
        continue;
      }
      const std::string& who = row.cells[*participant];
      if (who.empty() || who.size() > 64) {
        error(row.line, "a participant id must be 1 to 64 characters");
        continue;
      }
      if (who.find('@') != std::string::npos) {
        error(row.line, "participant '" + who.substr(0, who.find('@')) + "@…' looks like an e-mail address: use a "
                        "pseudonymous id (a number or a random code) instead");
        continue;
      }
      if (!seen.insert(who).second) {
        error(row.line, "participant '" + who + "' is in the file twice: one row per person");
        continue;
      }
      if (consultation && row.cells[*consultation] != c_.id) {
        error(row.line, "this row is for consultation '" + row.cells[*consultation] + "', and the mapping file is "
                        "for '" + c_.id + "': import each consultation's rows with its own mapping");
        continue;
      }
      OnlineBallot ballot;
      bool ok = true;
      int supports = 0;
      std::set<std::string> voted;
      for (const auto& [column, idea] : idea_columns) {
        const std::string& cell = row.cells[column];
        if (cell.empty()) continue;
        std::optional<VoteChoice> choice;
        if (c_.voting == VotingMethod::kSupport && cell == "support") choice = VoteChoice::kSupport;
        if (c_.voting == VotingMethod::kOpinion) {
          if (cell == "agree") choice = VoteChoice::kAgree;
          if (cell == "disagree") choice = VoteChoice::kDisagree;
          if (cell == "pass") choice = VoteChoice::kPass;
        }
        if (!choice) {
          error(row.line, "'" + cell + "' in column '" + header.cells[column] + "' is not a choice here: " +
                              (c_.voting == VotingMethod::kSupport ? "write support, or leave it empty"
                                                                   : "write agree, disagree or pass, or leave it empty"));
          ok = false;
          break;
        }
        if (!voted.insert(idea).second) {
          error(row.line, "two columns of this row vote for idea '" + idea + "' (the mapping file maps both to it)");
          ok = false;
          break;
        }
        if (*choice == VoteChoice::kSupport) ++supports;
        ballot.votes.push_back({idea, *choice});
      }
      if (ok && c_.voting == VotingMethod::kSupport && supports > c_.max_supports) {
        error(row.line, "participant '" + who + "' supports " + std::to_string(supports) + " ideas; consultation '" +
                            c_.id + "' allows " + std::to_string(c_.max_supports));
        ok = false;
      }
      for (const auto& [column, q] : question_columns) {
        if (!ok) break;
        const std::string& cell = row.cells[column];
        if (cell.empty()) continue;
        const Question* question = content_.question(q);
        std::vector<std::string> answers;
        for (const auto& a : question->answers) answers.push_back(a.id);
        if (std::find(answers.begin(), answers.end(), cell) == answers.end()) {
          error(row.line, "'" + cell + "' is not an answer to '" + q + "'; its answers are: " + list_of(answers) +
                              " (or leave it empty)");
          ok = false;
          break;
        }
        ballot.answers.push_back({q, cell});
      }
      if (!ok) continue;
      std::sort(ballot.votes.begin(), ballot.votes.end(), [](const Vote& a, const Vote& b) { return a.idea_id < b.idea_id; });
      std::sort(ballot.answers.begin(), ballot.answers.end(),
                [](const Answer& a, const Answer& b) { return a.question_id < b.question_id; });
      out.ballots.push_back(std::move(ballot));
    }
  }

 private:
  Columns columns(const CsvRow& header) {
    Columns cols;
    for (std::size_t i = 0; i < header.cells.size(); ++i) {
      if (!cols.index.emplace(header.cells[i], i).second)
        error(header.line, "the column '" + header.cells[i] + "' is in the header twice");
    }
    return cols;
  }

  const OnlineMapping& mapping_;
  const Content& content_;
  const Consultation& c_;
};

}  // namespace

const char* online_format_name(OnlineFormat f) {
  switch (f) {
    case OnlineFormat::kDecidim: return "decidim";
    case OnlineFormat::kConsul: return "consul";
    case OnlineFormat::kParticipants: return "participants";
  }
  return "unknown";
}

std::optional<OnlineFormat> online_format_from_name(const std::string& name) {
  for (auto f : {OnlineFormat::kDecidim, OnlineFormat::kConsul, OnlineFormat::kParticipants}) {
    if (name == online_format_name(f)) return f;
  }
  return std::nullopt;
}

Result<std::vector<CsvRow>> read_csv(const std::string& input, char given_separator) {
  std::string_view text(input);
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  const char separator = given_separator ? given_separator
                                         : header_separator(std::string(text.substr(0, std::min<std::size_t>(text.size(), 65536))));
  std::vector<CsvRow> rows;
  CsvRow row{1, {}};
  std::string cell;
  int line = 1;
  bool quoted = false, was_quoted = false, row_has_content = false;
  int quote_line = 0;
  auto end_cell = [&] {
    row.cells.push_back(std::move(cell));
    cell.clear();
    was_quoted = false;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    if (quoted) {
      if (ch == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          cell += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        if (ch == '\n') ++line;
        cell += ch;
      }
      continue;
    }
    if (ch == '"') {
      if (!cell.empty() || was_quoted) {
        return make_error(ErrorCode::kMalformed, "line " + std::to_string(line) +
                                                     ": a quote inside a cell that does not start with one; "
                                                     "quote the whole cell and double the quotes inside");
      }
      quoted = was_quoted = row_has_content = true;
      quote_line = line;
    } else if (ch == separator) {
      end_cell();
      row_has_content = true;
    } else if (ch == '\r' || ch == '\n') {
      if (ch == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      if (row_has_content || !cell.empty()) {
        end_cell();
        rows.push_back(std::move(row));
        if (rows.size() > kMaxRows)
          return make_error(ErrorCode::kOversize, "the file has more than " + std::to_string(kMaxRows) + " rows");
      }
      row = CsvRow{++line, {}};
      row_has_content = false;
    } else {
      if (was_quoted) {
        return make_error(ErrorCode::kMalformed, "line " + std::to_string(line) +
                                                     ": text after a quoted cell's closing quote");
      }
      cell += ch;
      row_has_content = true;
    }
  }
  if (quoted) {
    return make_error(ErrorCode::kMalformed, "line " + std::to_string(quote_line) +
                                                 ": a quoted cell is never closed (a missing quote)");
  }
  if (row_has_content || !cell.empty()) {
    end_cell();
    rows.push_back(std::move(row));
  }
  return rows;
}

Result<OnlineMapping> parse_online_mapping(const std::string& text, const Content& content) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    // The line, counted here: nlohmann's message names a byte offset in its own words.
    const auto at = std::min<std::size_t>(e.byte == 0 ? 0 : e.byte - 1, text.size());
    const auto line = 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n');
    return make_error(ErrorCode::kInvalidArgument,
                      "the mapping file is not valid JSON: look at line " + std::to_string(line) +
                          " (a missing comma or quote, or a comma before } or ]?)");
  }
  auto bad = [](const std::string& what) {
    return make_error(ErrorCode::kInvalidArgument, "the mapping file " + what + " (see assets/README.md)");
  };
  if (!j.is_object()) return bad("must be a JSON object");
  for (const auto& [key, value] : j.items()) {
    if (key != "format" && key != "consultation" && key != "ideas" && key != "titles" && key != "decidim_component")
      return bad("has a field '" + key + "' it may not have; it has: format, consultation, ideas, titles, "
                 "decidim_component");
  }
  if (!j.contains("format") || j["format"] != 1) return bad("needs \"format\": 1");
  if (!j.contains("consultation") || !j["consultation"].is_string()) return bad("needs \"consultation\": its id");
  OnlineMapping m;
  m.consultation = j["consultation"].get<std::string>();
  const Consultation* c = content.consultation(m.consultation);
  if (!c) {
    std::vector<std::string> ids;
    for (const auto& x : content.consultations) ids.push_back(x.id);
    return bad("names consultation '" + m.consultation + "', which the hub does not have; it has: " + list_of(ids));
  }
  for (const char* field : {"ideas", "titles"}) {
    if (!j.contains(field)) continue;
    if (!j[field].is_object()) return bad(std::string("'s \"") + field + "\" must map online ids to text");
    for (const auto& [online_id, value] : j[field].items()) {
      if (!value.is_string()) return bad(std::string("'s \"") + field + "\" must map online ids to text");
      (std::string(field) == "ideas" ? m.ideas : m.titles)[online_id] = value.get<std::string>();
    }
  }
  for (const auto& [online_id, idea] : m.ideas) {
    if (!find_idea(*c, idea))
      return bad("maps online id '" + online_id + "' to idea '" + idea + "', which consultation '" + c->id +
                 "' does not have; its ideas are: " + list_of(idea_ids(*c)));
  }
  if (j.contains("decidim_component")) {
    const auto& v = j["decidim_component"];
    if (v.is_number_unsigned()) m.decidim_component = std::to_string(v.get<std::uint64_t>());
    else if (v.is_string()) m.decidim_component = v.get<std::string>();
    else return bad("'s \"decidim_component\" must be the component's number");
  }
  return m;
}

std::string OnlineParse::report(const std::string& file) const {
  std::string out;
  for (std::size_t i = 0; i < errors.size() && i < kMaxReported; ++i) {
    out += file + ":" + (errors[i].line > 0 ? std::to_string(errors[i].line) + ":" : "") + " error: " +
           errors[i].message + "\n";
  }
  if (errors.size() > kMaxReported)
    out += file + ": and " + std::to_string(errors.size() - kMaxReported) + " more error(s)\n";
  return out;
}

OnlineParse parse_online_export(OnlineFormat format, const std::string& text, const OnlineMapping& mapping,
                                const Content& content, const std::string& source) {
  OnlineParse result;
  if (!valid_source(source)) {
    result.errors.push_back({0, "the source name '" + source + "' must be 1 to 32 letters, digits, '-' or '_'"});
    return result;
  }
  const Consultation* c = content.consultation(mapping.consultation);
  if (!c) {
    result.errors.push_back({0, "the hub has no consultation '" + mapping.consultation + "'"});
    return result;
  }
  auto rows = read_csv(text);
  if (!rows.ok()) {
    result.errors.push_back({0, rows.message()});
    return result;
  }
  if (rows->empty()) {
    result.errors.push_back({0, "the file is empty"});
    return result;
  }
  OnlineData data;
  data.format = format;
  data.source = source;
  data.consultation = c->id;
  data.rows = rows->size() - 1;
  Parser parser(mapping, content, *c);
  if (format == OnlineFormat::kParticipants)
    parser.participants(*rows, data);
  else
    parser.aggregate(format, *rows, data);
  if (parser.errors.empty() && data.rows == 0) parser.error(0, "the file has a header and no rows");
  result.errors = std::move(parser.errors);
  if (result.errors.empty()) result.data = std::move(data);
  return result;
}

std::string online_data_json(const OnlineData& d) {
  json counts = json::array();
  for (const auto& c : d.counts) {
    counts.push_back({{"online_id", c.online_id}, {"idea", c.idea_id}, {"title", c.title}, {"supports", c.supports}});
  }
  json ballots = json::array();
  for (const auto& b : d.ballots) {
    json votes = json::array(), answers = json::object();
    for (const auto& v : b.votes) votes.push_back({v.idea_id, vote_choice_name(v.choice)});
    for (const auto& a : b.answers) answers[a.question_id] = a.answer_id;
    ballots.push_back({{"votes", votes}, {"answers", answers}});
  }
  return json{{"format", online_format_name(d.format)},
              {"source", d.source},
              {"consultation", d.consultation},
              {"rows", d.rows},
              {"counts", counts},
              {"ballots", ballots},
              {"online_only_titles", d.online_only_titles}}
      .dump();
}

Result<OnlineData> parse_online_data_json(const std::string& text) {
  try {
    const json j = json::parse(text);
    OnlineData d;
    auto format = online_format_from_name(j.at("format").get<std::string>());
    if (!format) return make_error(ErrorCode::kMalformed, "stored online data of an unknown format");
    d.format = *format;
    d.source = j.at("source").get<std::string>();
    d.consultation = j.at("consultation").get<std::string>();
    d.rows = j.at("rows").get<std::uint64_t>();
    for (const auto& c : j.at("counts")) {
      d.counts.push_back({c.at("online_id").get<std::string>(), c.at("idea").get<std::string>(),
                          c.at("title").get<std::string>(), c.at("supports").get<std::uint64_t>()});
    }
    for (const auto& b : j.at("ballots")) {
      OnlineBallot ballot;
      for (const auto& v : b.at("votes")) {
        const std::string choice = v.at(1).get<std::string>();
        VoteChoice vc = VoteChoice::kSupport;
        for (auto x : {VoteChoice::kSupport, VoteChoice::kAgree, VoteChoice::kDisagree, VoteChoice::kPass}) {
          if (choice == vote_choice_name(x)) vc = x;
        }
        ballot.votes.push_back({v.at(0).get<std::string>(), vc});
      }
      for (const auto& [q, a] : b.at("answers").items()) ballot.answers.push_back({q, a.get<std::string>()});
      d.ballots.push_back(std::move(ballot));
    }
    d.online_only_titles = j.at("online_only_titles").get<std::map<std::string, std::string>>();
    return d;
  } catch (const json::exception& e) {
    return make_error(ErrorCode::kMalformed, std::string("stored online data is damaged: ") + e.what());
  }
}

}  // namespace civic
