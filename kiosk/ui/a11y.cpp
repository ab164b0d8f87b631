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
    // What a resident typed never leaves memory: the dump (a file) carries only its length.
    const bool hide = n.resident_text;
    out.push_back({{"id", n.id},
                   {"role", role_name(n.role)},
                   {"label", hide && n.role != Role::kTextField ? "[resident text]" : n.label},
                   {"value", hide ? nlohmann::json(nullptr) : nlohmann::json(n.value)},
                   {"length", hide ? n.value.size() + (n.role == Role::kTextField ? 0 : n.label.size()) : 0},
                   {"selected", n.selected},
                   {"disabled", n.disabled},
                   {"clipped", n.clipped},
                   {"focused", n.focused},
                   {"language", n.language},
                   {"context", n.context},
                   {"x", n.rect.x},
                   {"y", n.rect.y},
                   {"w", n.rect.w},
                   {"h", n.rect.h}});
  }
  return out.dump();
}

}  // namespace civic::kiosk
