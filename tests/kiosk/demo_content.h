// Loads the demo consultation from assets/ for kiosk tests.
#pragma once

#include <fstream>
#include <sstream>

#include "kiosk/session/content.h"

namespace civic::test {

inline std::string demo_content_json() {
  std::ifstream in(std::string(CIVIC_SOURCE_DIR) + "/assets/demo/content.json");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline kiosk::Content demo_content() {
  auto c = kiosk::parse_content(demo_content_json());
  if (!c.ok()) throw std::runtime_error(c.message());
  return *c;
}

}  // namespace civic::test
