// Languages as data. Each language is a catalogue, assets/i18n/<tag>.json: a flat object of key ->
// text, plus settings whose keys start with "@" (its voice, keyboard layout, fallback language, and
// whether it awaits community review; see assets/README.md). A key whose text is null is marked as
// not translated yet: its text comes from the fallback language, visibly. Keyboard layouts are
// assets/keyboards/<name>.json. No language is named in the code: which ones a kiosk offers, and in
// what order, is its [languages] setting. "{name}" in a text is replaced by the argument of that name.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sync/common/result.h"
#include "sync/consultation/consultation.h"

namespace civic::kiosk {

// An on-screen keyboard: rows of keys, each what it types, and the same rows with shift.
struct KeyboardLayout {
  std::string name;  // e.g. "QWERTY"
  std::vector<std::vector<std::string>> rows;
  std::vector<std::vector<std::string>> shift_rows;  // same shape as rows
  // The key (as in `rows`) whose shifted text is `typed`, or whose own text is; nullopt if none.
  struct Place {
    std::string key;
    bool shift = false;
  };
  std::optional<Place> find(const std::string& typed) const;
};

struct LanguageInfo {
  std::string tag;       // BCP 47, the catalogue's file name: "en", "iu", "crk"
  std::string voice;     // the espeak-ng voice; empty: recorded speech only (clips in the content)
  std::string keyboard;  // a layout in assets/keyboards
  std::string fallback;  // where a missing text comes from; empty: none
  std::string review;    // not empty: awaiting community review (who reviews, what to check)
};

class Catalogues {
 public:
  // Loads every <tag>.json in `dir`, and the keyboard layouts they name from `dir`/../keyboards.
  // Offers every language found (by tag) until offer() says otherwise.
  [[nodiscard]] static Result<Catalogues> load(const std::filesystem::path& dir);

  // The languages a kiosk offers, in its order (the kiosk's [languages] setting); each must have
  // a catalogue. The first is the default.
  [[nodiscard]] Status offer(const std::vector<std::string>& tags);
  const std::vector<std::string>& offered() const { return offered_; }

  // The text for `key` in `language`, else in its fallback (and that one's); "[key]" if nowhere.
  const std::string& text(const std::string& language, const std::string& key) const;
  // The language whose text text() returns (the fallback's, for a text not translated yet).
  std::string text_language(const std::string& language, const std::string& key) const;
  std::string format(const std::string& language, const std::string& key,
                     const std::map<std::string, std::string>& args) const;
  std::vector<std::string> languages() const;  // every catalogue found, by tag
  // The catalogue's own texts (marked keys are absent), and the keys marked as not translated.
  const std::map<std::string, std::string>* catalogue(const std::string& language) const;
  std::vector<std::string> marked(const std::string& language) const;
  const LanguageInfo& info(const std::string& language) const;
  const KeyboardLayout& keyboard(const std::string& language) const;

 private:
  struct Language {
    LanguageInfo info;
    std::map<std::string, std::string> texts;
    std::vector<std::string> marked;
  };
  std::map<std::string, Language> by_language_;
  std::map<std::string, KeyboardLayout> keyboards_;
  std::vector<std::string> offered_;
  mutable std::map<std::string, std::string> missing_;
};

// Consultation text (a text per language) in `language`; where it has none, the text in that
// language's fallback chain (or, failing that, any), marked with its language's name, "(English) ...":
// a missing translation shows, it is not hidden.
std::string local_text(const Catalogues& strings, const LocalText& text, const std::string& language);

// Loads one keyboard layout file (assets/keyboards/<name>.json).
[[nodiscard]] Result<KeyboardLayout> load_keyboard(const std::filesystem::path& file);

}  // namespace civic::kiosk
