#include "a11y.h"

#include <nlohmann/json.hpp>

namespace civic::kiosk {

const char* role_name(Role r) {
  switch (r) {
    case Role::kButton: return "button";
    case Role::kToggle: return "toggle";
    case Role::kKey: return "key";
    case Role::kText: return "text";
    case Role::kHeading: return "heading";
    case Role::kTextField: return "text-field";
    case Role::kList: return "list";
    case Role::kStatus: return "status";
  }
  return "unknown";
}

std::string A11yTree::to_json() const {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& n : nodes_) {
    out.push_back({{"id", n.id},       {"role", role_name(n.role)}, {"label", n.label}, {"value", n.value},
                   {"selected", n.selected}, {"disabled", n.disabled}, {"clipped", n.clipped}, {"focused", n.focused}, {"language", n.language}, {"x", n.rect.x}, {"y", n.rect.y},
                   {"w", n.rect.w},    {"h", n.rect.h}});
  }
  return out.dump();
}

}  // namespace civic::kiosk
