// Kiosk voices out, to the platform where the city decides: the ideas residents gave at kiosks,
// town halls and on paper (approved by moderation) as a file Decidim's admin "Import proposals from
// a file" takes, and each mapped proposal's results across every channel as a file its "Import
// answers" takes: results as the proposal's answer, never as made-up individual votes. CONSUL has no
// proposal import; its operators copy from the same files. Pure: no I/O.
#pragma once

#include <string>
#include <vector>

#include "online.h"
#include "tally.h"

namespace civic {

// An approved resident idea with where it came from.
struct KioskIdea {
  std::string idea_id;   // r-...
  std::string language;  // the language the resident wrote in
  std::string text;      // as published (redacted where moderation redacted it)
  std::string channel;   // kiosk, town-hall, paper
  std::string site;      // the kiosk's name, and the event's for a town hall
};

// CSV with Decidim's flattened headers (title/<language>, body/<language>) for `languages`; a
// title is the idea's first words, the body the whole idea and where it was given.
std::string decidim_proposals_csv(const std::vector<KioskIdea>& ideas, const std::vector<std::string>& languages);

// CSV with Decidim's answer headers (id, state, answer/<language>): one row per Decidim proposal
// the mapping ties to an idea of `consultation`, its state "evaluating" (the city decides) and
// its results in words.
std::string decidim_answers_csv(const ConsultationResult& consultation, const OnlineMapping& mapping,
                                const std::vector<std::string>& languages);

}  // namespace civic
