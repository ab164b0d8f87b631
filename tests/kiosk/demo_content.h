// Loads the demo consultation from assets/ for kiosk tests.
#pragma once

#include <fstream>
#include <sstream>

#include "sync/consultation/consultation.h"

namespace civic::test {

inline std::string demo_content_json() {
  std::ifstream in(std::string(CIVIC_SOURCE_DIR) + "/assets/demo/content.json");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline Content demo_content() {
  auto c = parse_content(demo_content_json());
  if (!c.ok()) throw std::runtime_error(c.message());
  return *c;
}

// The demo content with the first consultation's ideas replaced by `n` generated ones
// (ids n-00000, n-00001, ...), for tests and benchmarks of long lists.
inline Content content_with_many_ideas(int n) {
  Content content = demo_content();
  Consultation& parks = content.consultations[0];
  parks.ideas.clear();
  for (int i = 0; i < n; ++i) {
    char id[16];
    std::snprintf(id, sizeof id, "n-%05d", i);
    parks.ideas.push_back(Idea{id, LocalText{{{"en", "Idea number " + std::to_string(i)}}}});
  }
  return content;
}

}  // namespace civic::test
