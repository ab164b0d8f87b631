// The accessibility tree: every widget the kiosk draws records what it is, what it says, its
// state and where it is, each frame. Speech, keypad navigation and tests all work from it
// (Dear ImGui has no screen-reader support of its own).
#pragma once

#include <string>
#include <vector>

namespace civic::kiosk {

enum class Role { kButton, kToggle, kKey, kText, kHeading, kTextField, kList, kStatus };
const char* role_name(Role r);

struct Rect {
  float x = 0, y = 0, w = 0, h = 0;
  float cx() const { return x + w / 2; }
  float cy() const { return y + h / 2; }
  bool overlaps(const Rect& o) const { return x < o.x + o.w && o.x < x + w && y < o.y + o.h && o.y < y + h; }
};

struct A11yNode {
  std::string id;     // stable across frames and languages, e.g. "nav.next", "idea-003.support"
  Role role = Role::kButton;
  std::string label;  // what is spoken, in the language on screen
  std::string value;  // e.g. the text typed so far
  bool selected = false;
  bool disabled = false;
  bool focused = false;
  bool clipped = false;  // partly scrolled out of view: rect is the visible, tappable part
  Rect rect;          // in design-resolution pixels
  std::string language;  // the label's language when it is not the one on screen ("" = the screen's)
  std::string context = {};  // what a control acts on (the idea a vote button votes for): spoken with it
  bool resident_text = false;  // the label or value holds what the resident typed: spoken, never logged
  bool overflows = false;  // a button's label does not fit inside it (tests: every language must fit)
};

class A11yTree {
 public:
  void clear() { nodes_.clear(); }
  void add(A11yNode node) { nodes_.push_back(std::move(node)); }
  const std::vector<A11yNode>& nodes() const { return nodes_; }
  // Marks the node just added as being in `language` (screens that show both languages at once).
  void set_last_language(const std::string& language) {
    if (!nodes_.empty()) nodes_.back().language = language;
  }
  void mark_last_resident_text() {
    if (!nodes_.empty()) nodes_.back().resident_text = true;
  }
  const A11yNode* find(const std::string& id) const {
    for (const auto& n : nodes_) {
      if (n.id == id) return &n;
    }
    return nullptr;
  }
  // JSON for tests and tools: [{"id","role","label","value","length","selected","disabled",
  // "clipped","focused","language","context","x","y","w","h"}]. Nodes holding what a resident typed carry
  // its length only: the dump is a file, and no plaintext submission may reach disk.
  std::string to_json() const;

 private:
  std::vector<A11yNode> nodes_;
};

}  // namespace civic::kiosk
