#include "online_export.h"

#include <algorithm>

#include "report.h"
#include "sync/common/human.h"

namespace civic {

namespace {

constexpr std::size_t kTitleBytes = 150;  // Decidim's proposal titles are limited (150 characters by default)

std::string where_en(const KioskIdea& i) {
  if (i.channel == "town-hall") return "a town-hall meeting (" + i.site + ")";
  if (i.channel == "paper") return "on a paper card transcribed by staff (" + i.site + ")";
  return "a public kiosk (" + i.site + ")";
}

std::string where_fr(const KioskIdea& i) {
  if (i.channel == "town-hall") return "lors d'une assemblée publique (" + i.site + ")";
  if (i.channel == "paper") return "sur une carte papier saisie par le personnel (" + i.site + ")";
  return "à une borne publique (" + i.site + ")";
}

std::string body(const KioskIdea& i, const std::string& language) {
  if (language == "fr") {
    return i.text + "\n\nProposé par une personne résidente " + where_fr(i) + ", sans compte en ligne ; modéré "
                    "avant publication (civic-kiosk, " + i.idea_id + ").";
  }
  return i.text + "\n\nProposed by a resident at " + where_en(i) + ", without an online account; moderated before "
                  "publishing (civic-kiosk, " + i.idea_id + ").";
}

std::string channel_words(const std::string& channel, bool french) {
  if (channel == "kiosk") return french ? "bornes" : "kiosks";
  if (channel == "town-hall") return french ? "assemblées" : "town halls";
  if (channel == "paper") return french ? "cartes papier" : "paper cards";
  return (french ? "en ligne (" : "online (") + channel.substr(7) + ")";
}

std::string answer(const ConsultationResult& c, const IdeaResult& i, bool french) {
  std::string by_channel;
  for (const auto& [group, k] : i.by_group) {
    if (group.rfind("channel=", 0) != 0) continue;
    by_channel += (by_channel.empty() ? "" : ", ") + channel_words(group.substr(8), french) + " " +
                  std::to_string(static_cast<long long>(k.support));
  }
  const auto n = std::to_string(c.ideas.size());
  const auto total = std::to_string(static_cast<long long>(i.raw.support));
  if (french) {
    return "Résultats de tous les canaux : " + total + " appuis (" + by_channel + "). Rang " +
           std::to_string(i.rank_all) + " sur " + n + " avec tous les canaux, " + std::to_string(i.rank_online) +
           " en ligne seulement.";
  }
  return "Results across every channel: " + total + " supports (" + by_channel + "). Ranked " +
         std::to_string(i.rank_all) + " of " + n + " with every channel, " + std::to_string(i.rank_online) +
         " online only.";
}

}  // namespace

std::string decidim_proposals_csv(const std::vector<KioskIdea>& ideas, const std::vector<std::string>& languages) {
  std::string out = "\xEF\xBB\xBF";
  for (const auto& l : languages) out += "title/" + l + ",";
  for (std::size_t i = 0; i < languages.size(); ++i) out += "body/" + languages[i] + (i + 1 < languages.size() ? "," : "");
  out += "\r\n";
  for (const auto& idea : ideas) {
    std::string row;
    // Decidim wants a title and a body per language: the resident wrote in one, so their words go in
    // each, and the note on where the idea came from is in that language.
    for (std::size_t i = 0; i < languages.size(); ++i) row += csv_cell(shorten_utf8(idea.text, kTitleBytes)) + ",";
    for (std::size_t i = 0; i < languages.size(); ++i)
      row += csv_cell(body(idea, languages[i])) + (i + 1 < languages.size() ? "," : "");
    out += row + "\r\n";
  }
  return out;
}

std::string decidim_answers_csv(const ConsultationResult& c, const OnlineMapping& mapping,
                                const std::vector<std::string>& languages) {
  std::string out = "\xEF\xBB\xBFid,state";
  for (const auto& l : languages) out += ",answer/" + l;
  out += "\r\n";
  for (const auto& mapped : mapping.ideas) {
    const std::string& online_id = mapped.first;
    const std::string& idea_id = mapped.second;
    const auto it = std::find_if(c.ideas.begin(), c.ideas.end(), [&](const IdeaResult& i) { return i.id == idea_id; });
    if (it == c.ideas.end()) continue;
    out += csv_cell(online_id) + ",\"evaluating\"";
    for (const auto& l : languages) out += "," + csv_cell(answer(c, *it, l == "fr"));
    out += "\r\n";
  }
  return out;
}

}  // namespace civic
