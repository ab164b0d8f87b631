#include "i18n.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>

#include "sync/files/files.h"

namespace civic::kiosk {

namespace {
constexpr std::size_t kMaxCatalogueBytes = 4 * 1024 * 1024;
constexpr std::size_t kMaxKeyboardBytes = 64 * 1024;
// The on-screen keyboard has room for this many rows of this many keys.
constexpr std::size_t kMaxKeyboardRows = 5;
constexpr std::size_t kMaxKeysPerRow = 11;
constexpr int kMaxFallbackDepth = 8;

Error malformed(const std::filesystem::path& file, const std::string& what) {
  return make_error(ErrorCode::kMalformed, file.string() + ": " + what);
}

Result<std::vector<std::vector<std::string>>> read_rows(const std::filesystem::path& file, const nlohmann::json& j,
                                                        const char* name) {
  if (!j.contains(name) || !j[name].is_array() || j[name].empty() || j[name].size() > kMaxKeyboardRows)
    return malformed(file, std::string("\"") + name + "\" must be a list of 1 to 5 rows of keys");
  std::vector<std::vector<std::string>> rows;
  for (const auto& row : j[name]) {
    if (!row.is_array() || row.empty() || row.size() > kMaxKeysPerRow)
      return malformed(file, std::string("every row of \"") + name + "\" must be a list of 1 to 11 keys");
    rows.emplace_back();
    for (const auto& key : row) {
      if (!key.is_string() || key.get<std::string>().empty() || key.get<std::string>().size() > 32)
        return malformed(file, std::string("a key in \"") + name + "\" must be text of 1 to 32 bytes");
      rows.back().push_back(key.get<std::string>());
    }
  }
  return rows;
}
}  // namespace

std::optional<KeyboardLayout::Place> KeyboardLayout::find(const std::string& typed) const {
  for (std::size_t r = 0; r < rows.size(); ++r) {
    for (std::size_t k = 0; k < rows[r].size(); ++k) {
      if (rows[r][k] == typed) return Place{rows[r][k], false};
    }
  }
  for (std::size_t r = 0; r < shift_rows.size(); ++r) {
    for (std::size_t k = 0; k < shift_rows[r].size(); ++k) {
      if (shift_rows[r][k] == typed) return Place{rows[r][k], true};
    }
  }
  return std::nullopt;
}

std::string local_text(const Catalogues& strings, const LocalText& text, const std::string& language) {
  if (auto it = text.by_language.find(language); it != text.by_language.end()) return it->second;
  if (text.by_language.empty()) return {};
  std::string at = strings.info(language).fallback;
  for (int depth = 0; depth < kMaxFallbackDepth && !at.empty(); ++depth) {
    if (auto it = text.by_language.find(at); it != text.by_language.end())
      return "(" + strings.text(at, "language.name") + ") " + it->second;
    at = strings.info(at).fallback;
  }
  const auto& [any, words] = *text.by_language.begin();
  return "(" + strings.text(any, "language.name") + ") " + words;
}

Result<KeyboardLayout> load_keyboard(const std::filesystem::path& file) {
  auto text = files::read_named_file(file, kMaxKeyboardBytes);
  if (!text.ok()) return text.error();
  try {
    const auto j = nlohmann::json::parse(*text);
    KeyboardLayout k;
    if (!j.is_object() || !j.contains("name") || !j["name"].is_string())
      return malformed(file, "a keyboard layout needs a \"name\"");
    k.name = j["name"].get<std::string>();
    auto rows = read_rows(file, j, "rows");
    if (!rows.ok()) return rows.error();
    k.rows = std::move(*rows);
    auto shift = read_rows(file, j, "shift");
    if (!shift.ok()) return shift.error();
    k.shift_rows = std::move(*shift);
    bool same_shape = k.rows.size() == k.shift_rows.size();
    for (std::size_t r = 0; same_shape && r < k.rows.size(); ++r) same_shape = k.rows[r].size() == k.shift_rows[r].size();
    if (!same_shape) return malformed(file, "\"shift\" must have as many rows, and keys in each, as \"rows\"");
    std::set<std::string> seen;
    for (const auto& row : k.rows) {
      for (const auto& key : row) {
        if (!seen.insert(key).second) return malformed(file, "the key \"" + key + "\" is in \"rows\" twice");
      }
    }
    return k;
  } catch (const std::exception& e) {
    return malformed(file, std::string("not a valid keyboard layout: ") + e.what());
  }
}

Result<Catalogues> Catalogues::load(const std::filesystem::path& dir) {
  Catalogues c;
  std::error_code ec;
  std::vector<std::filesystem::path> files_found;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".json") files_found.push_back(entry.path());
  }
  if (ec || files_found.empty()) {
    return make_error(ErrorCode::kNotFound, "no translation catalogues in " + dir.string() +
                                                "; is the kiosk installed completely?");
  }
  const std::filesystem::path keyboards = dir.parent_path() / "keyboards";
  for (const auto& file : files_found) {
    auto text = files::read_named_file(file, kMaxCatalogueBytes);
    if (!text.ok()) return text.error();
    Language lang;
    lang.info.tag = file.stem().string();
    try {
      const auto j = nlohmann::json::parse(*text);
      if (!j.is_object()) return malformed(file, "a catalogue is one object of key -> text");
      for (const auto& [key, value] : j.items()) {
        if (key.rfind('@', 0) == 0) {
          if (!value.is_string()) return malformed(file, "the setting " + key + " must be text");
          const std::string v = value.get<std::string>();
          if (key == "@voice") lang.info.voice = v;
          else if (key == "@keyboard") lang.info.keyboard = v;
          else if (key == "@fallback") lang.info.fallback = v;
          else if (key == "@review") lang.info.review = v;
          else return malformed(file, "unknown setting " + key + " (known: @voice, @keyboard, @fallback, @review)");
        } else if (value.is_null()) {
          lang.marked.push_back(key);
        } else if (value.is_string()) {
          lang.texts[key] = value.get<std::string>();
        } else {
          return malformed(file, "the text of " + key + " must be text, or null while it is not translated");
        }
      }
    } catch (const std::exception& e) {
      return malformed(file, std::string("not a valid translation catalogue: ") + e.what());
    }
    if (lang.info.keyboard.empty()) return malformed(file, "\"@keyboard\" must name a layout in " + keyboards.string());
    if (!c.keyboards_.count(lang.info.keyboard)) {
      const std::string& name = lang.info.keyboard;
      if (name.find_first_of("/\\.") != std::string::npos)
        return malformed(file, "\"@keyboard\" is a layout's name, without a path: " + name);
      auto layout = load_keyboard(keyboards / (name + ".json"));
      if (!layout.ok()) return layout.error();
      c.keyboards_[name] = std::move(*layout);
    }
    c.by_language_[lang.info.tag] = std::move(lang);
  }
  for (const auto& [tag, lang] : c.by_language_) {
    // Every fallback chain ends, at a catalogue that exists.
    std::string at = tag;
    for (int depth = 0; !c.by_language_.at(at).info.fallback.empty(); ++depth) {
      const std::string next = c.by_language_.at(at).info.fallback;
      if (!c.by_language_.count(next))
        return make_error(ErrorCode::kMalformed, (dir / (at + ".json")).string() + ": \"@fallback\" names " + next +
                                                     ", which has no catalogue in " + dir.string());
      if (depth >= kMaxFallbackDepth)
        return make_error(ErrorCode::kMalformed, (dir / (tag + ".json")).string() +
                                                     ": its \"@fallback\" languages go round in a circle");
      at = next;
    }
    if (!lang.marked.empty() && lang.info.fallback.empty())
      return make_error(ErrorCode::kMalformed, (dir / (tag + ".json")).string() +
                                                   ": texts marked as not translated (null) need a \"@fallback\"");
  }
  c.offered_ = c.languages();
  return c;
}

Status Catalogues::offer(const std::vector<std::string>& tags) {
  if (tags.empty()) return make_error(ErrorCode::kInvalidArgument, "offer at least one language");
  std::set<std::string> seen;
  for (const auto& tag : tags) {
    if (!by_language_.count(tag)) {
      std::string have;
      for (const auto& t : languages()) have += (have.empty() ? "" : ", ") + t;
      return make_error(ErrorCode::kNotFound, "the language '" + tag +
                                                  "' has no catalogue (i18n/" + tag + ".json); there are: " + have);
    }
    if (!seen.insert(tag).second)
      return make_error(ErrorCode::kInvalidArgument, "the language '" + tag + "' is offered twice");
  }
  offered_ = tags;
  return {};
}

std::string Catalogues::text_language(const std::string& language, const std::string& key) const {
  std::string at = language;
  for (int depth = 0; depth <= kMaxFallbackDepth; ++depth) {
    auto lang = by_language_.find(at);
    if (lang == by_language_.end()) return {};
    if (lang->second.texts.count(key)) return at;
    at = lang->second.info.fallback;
  }
  return {};
}

const std::string& Catalogues::text(const std::string& language, const std::string& key) const {
  const std::string in = text_language(language, key);
  if (!in.empty()) return by_language_.at(in).texts.at(key);
  auto [it, inserted] = missing_.emplace(key, "[" + key + "]");
  return it->second;
}

std::string Catalogues::format(const std::string& language, const std::string& key,
                               const std::map<std::string, std::string>& args) const {
  std::string out = text(language, key);
  for (const auto& [name, value] : args) {
    const std::string pattern = "{" + name + "}";
    for (auto pos = out.find(pattern); pos != std::string::npos; pos = out.find(pattern, pos + value.size())) {
      out.replace(pos, pattern.size(), value);
    }
  }
  return out;
}

std::vector<std::string> Catalogues::languages() const {
  std::vector<std::string> out;
  for (const auto& [lang, cat] : by_language_) out.push_back(lang);
  return out;
}

const std::map<std::string, std::string>* Catalogues::catalogue(const std::string& language) const {
  auto it = by_language_.find(language);
  return it == by_language_.end() ? nullptr : &it->second.texts;
}

std::vector<std::string> Catalogues::marked(const std::string& language) const {
  auto it = by_language_.find(language);
  return it == by_language_.end() ? std::vector<std::string>{} : it->second.marked;
}

const LanguageInfo& Catalogues::info(const std::string& language) const {
  static const LanguageInfo kNone;
  auto it = by_language_.find(language);
  return it == by_language_.end() ? kNone : it->second.info;
}

const KeyboardLayout& Catalogues::keyboard(const std::string& language) const {
  static const KeyboardLayout kNone{"none", {{" "}}, {{" "}}};
  auto it = by_language_.find(language);
  if (it == by_language_.end()) return kNone;
  return keyboards_.at(it->second.info.keyboard);
}

}  // namespace civic::kiosk
