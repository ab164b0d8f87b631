// Results as files for people: JSON and CSV for analysts, one self-contained HTML report (inline
// CSS and SVG charts, no scripts, no network) for everyone else.
#pragma once

#include <string>

#include "tally.h"

namespace civic {

// A CSV text cell (RFC 4180, always quoted), with a cell a spreadsheet would run as a formula
// (starting with =, +, -, @, a tab or a carriage return) made text by a leading apostrophe.
std::string csv_cell(const std::string& text);

std::string results_json(const Tally& tally);
// What `civic-hub tally --json` prints: the records counted, where the files went, each
// consultation's participants, the anomalies and the revoked kiosks (installer/README.md).
std::string results_summary_json(const Tally& tally, const std::string& out_dir);
// One row per idea: raw and weighted counts.
std::string ideas_csv(const Tally& tally);
// One row per idea and group (channel, event, "about you" answer).
std::string breakdown_csv(const Tally& tally);
// One row per population group: participants against the population.
std::string representation_csv(const Tally& tally);
std::string results_html(const Tally& tally, const std::string& generated_at);

}  // namespace civic
