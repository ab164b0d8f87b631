// Results as open data: a Frictionless Data Package (datapackage.json with a table schema per CSV;
// CKAN and other open-data portals read it) of results per idea and channel, breakdowns,
// representation and the online sources used, with the signed checkpoint of the transparency log
// and how to verify it. Counts only, and no count below the consultations file's smallest cell
// in any breakdown: a small group could identify a resident.
#pragma once

#include <map>
#include <string>

#include "tally.h"

namespace civic {

struct OpenDataCheckpoint {
  std::string checkpoint_hex;       // the signed checkpoint (PROTOCOL.md)
  std::uint64_t size = 0, signed_at = 0;
  std::string root_hex;
  std::string hub_signing_key_hex;  // the key to check it with; obtain it from the city as well
};

// File name -> contents: datapackage.json, the CSV files it lists, checkpoint.json and README.md.
std::map<std::string, std::string> open_data_package(const Tally& tally, std::uint64_t smallest_cell,
                                                     const OpenDataCheckpoint& checkpoint,
                                                     const std::string& generated_at);

}  // namespace civic
