// Online participation brought in from the city's platform, so one count holds every channel:
// Decidim's open-data proposals export and CONSUL's proposals download (supports per proposal,
// no per-person data), and a per-participant CSV of our own that any survey tool's export can be
// mapped to (assets/README.md "Online participation"). A mapping file ties online proposal ids to
// the consultation's idea ids; proposals it does not map are kept as online-only ideas.
// Pure: no I/O. A file is checked whole and refused with every problem and its line.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sync/common/result.h"
#include "sync/consultation/consultation.h"
#include "sync/protocol/record.h"

namespace civic {

enum class OnlineFormat { kDecidim, kConsul, kParticipants };
// "decidim", "consul", "participants": as the command line and the stored data name them.
const char* online_format_name(OnlineFormat f);
std::optional<OnlineFormat> online_format_from_name(const std::string& name);

// The mapping file (JSON, assets/README.md): which consultation, which online id is which idea.
struct OnlineMapping {
  std::string consultation;
  std::map<std::string, std::string> ideas;   // online id -> consultation idea id
  std::map<std::string, std::string> titles;  // online-only ideas without a title in the export
  std::optional<std::string> decidim_component;  // rows of another Decidim component are refused
};
[[nodiscard]] Result<OnlineMapping> parse_online_mapping(const std::string& json, const Content& content);

// A proposal's supports as an aggregate-only source counts them: no per-person data.
struct OnlineIdeaCount {
  std::string online_id;
  std::string idea_id;  // the consultation's idea; empty for an online-only idea
  std::string title;    // as the export gives it (online-only ideas are shown by it)
  std::uint64_t supports = 0;
};

// One participant's choices from a per-participant export (their pseudonymous id is checked for
// duplicates, then dropped: results never need it).
struct OnlineBallot {
  std::vector<Vote> votes;      // idea ids: the consultation's, or "online:<online id>" for online-only
  std::vector<Answer> answers;  // "about you"
};

struct OnlineData {
  OnlineFormat format = OnlineFormat::kParticipants;
  std::string source;        // the channel's name in results: "online:<source>"
  std::string consultation;
  std::uint64_t rows = 0;    // data rows in the file
  std::vector<OnlineIdeaCount> counts;   // aggregate sources
  std::vector<OnlineBallot> ballots;     // per-participant sources
  std::map<std::string, std::string> online_only_titles;  // "online:<id>" -> title

  bool aggregate_only() const { return format != OnlineFormat::kParticipants; }
  std::string channel() const { return "online:" + source; }
};

struct OnlineProblem {
  int line = 0;  // 0: the whole file
  std::string message;
};

struct OnlineParse {
  std::optional<OnlineData> data;  // only when there are no problems
  std::vector<OnlineProblem> errors;
  // One line each: "FILE:LINE: error: message", at most 50, then how many more.
  std::string report(const std::string& file) const;
};

// Checks and reads an export. `source`: letters, digits, '-' and '_', 1 to 32 of them.
OnlineParse parse_online_export(OnlineFormat format, const std::string& text, const OnlineMapping& mapping,
                                const Content& content, const std::string& source);

// The stored form (JSON) and back: what tally reads.
std::string online_data_json(const OnlineData& data);
[[nodiscard]] Result<OnlineData> parse_online_data_json(const std::string& json);

// RFC 4180 CSV with the separator found from the header line (',' or ';', as Decidim's
// default_csv_col_sep may be), a UTF-8 byte-order mark skipped. Each row keeps the line it
// starts on. Exposed for tests.
struct CsvRow {
  int line = 0;
  std::vector<std::string> cells;
};
// `separator` 0: found from the header line; otherwise that one (pabulib files use ';').
[[nodiscard]] Result<std::vector<CsvRow>> read_csv(const std::string& text, char separator = 0);

}  // namespace civic
