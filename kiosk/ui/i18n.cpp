#include "i18n.h"

#include <nlohmann/json.hpp>

#include "sync/files/files.h"

namespace civic::kiosk {

namespace {
constexpr std::size_t kMaxCatalogueBytes = 4 * 1024 * 1024;
}  // namespace

Result<Catalogues> Catalogues::load(const std::filesystem::path& dir) {
  Catalogues c;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() != ".json") continue;
    auto text = files::read_named_file(entry.path(), kMaxCatalogueBytes);
    if (!text.ok()) return text.error();
    try {
      auto j = nlohmann::json::parse(*text);
      auto& cat = c.by_language_[entry.path().stem().string()];
      for (const auto& [key, value] : j.items()) cat[key] = value.get<std::string>();
    } catch (const std::exception& e) {
      return make_error(ErrorCode::kMalformed, "translation catalogue " + entry.path().string() + " is not valid: " + e.what());
    }
  }
  if (ec || c.by_language_.empty()) {
    return make_error(ErrorCode::kNotFound, "no translation catalogues in " + dir.string() +
                                                "; is the kiosk installed completely?");
  }
  if (!c.by_language_.count("en")) {
    return make_error(ErrorCode::kMalformed, "the English catalogue (en.json) is missing from " + dir.string());
  }
  return c;
}

const std::string& Catalogues::text(const std::string& language, const std::string& key) const {
  for (const std::string& lang : {language, std::string("en")}) {
    auto cat = by_language_.find(lang);
    if (cat == by_language_.end()) continue;
    auto it = cat->second.find(key);
    if (it != cat->second.end()) return it->second;
  }
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
  return it == by_language_.end() ? nullptr : &it->second;
}

}  // namespace civic::kiosk
