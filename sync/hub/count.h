// The count as operators run it (civic-hub tally and open-data, and moderate --web's "count the
// results"): every record opened with the submission key, with the events, kiosks, moderation log
// and online imports the hub holds; residents' words are wiped before it returns.
#pragma once

#include <filesystem>
#include <optional>
#include <utility>

#include "service.h"
#include "tally.h"

namespace civic {

struct CountRequest {
  std::optional<PopulationMargins> margins;
  std::string only_consultation;  // empty: every consultation
  std::uint64_t max_sessions_per_hour = 60;
  bool exclude_revoked = false;
};

// Every record given to `counter`, kiosk by kiosk in chain order, a page at a time opened on every
// core; residents' words are wiped after each page, so memory does not follow the number of records.
[[nodiscard]] Status count_records(HubStore& store, const SealKeyPair& key, TallyCounter& counter);

// The tally and the consultations it counted.
[[nodiscard]] Result<std::pair<Tally, Content>> count_results(HubService& service, const SealKeyPair& key,
                                                              const CountRequest& request);

// results.json, ideas.csv, breakdown.csv, representation.csv and report.html in `dir` (created).
[[nodiscard]] Status write_results(const Tally& tally, const std::filesystem::path& dir, std::uint64_t now);

}  // namespace civic
