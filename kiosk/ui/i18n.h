// Translation catalogues: assets/i18n/<language>.json, a flat object of key -> text. Every string
// the kiosk shows goes through here; tests fail when a key used in the code is missing from any
// catalogue. "{name}" in a text is replaced by the argument of that name.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "sync/common/result.h"

namespace civic::kiosk {

class Catalogues {
 public:
  // Loads every <language>.json in `dir`.
  [[nodiscard]] static Result<Catalogues> load(const std::filesystem::path& dir);

  // The text for `key` in `language`, falling back to English; "[key]" if it is nowhere.
  const std::string& text(const std::string& language, const std::string& key) const;
  std::string format(const std::string& language, const std::string& key,
                     const std::map<std::string, std::string>& args) const;
  std::vector<std::string> languages() const;
  const std::map<std::string, std::string>* catalogue(const std::string& language) const;

 private:
  std::map<std::string, std::map<std::string, std::string>> by_language_;
  mutable std::map<std::string, std::string> missing_;
};

}  // namespace civic::kiosk
