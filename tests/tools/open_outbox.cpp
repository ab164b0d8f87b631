// Test tool: opens every record in a kiosk's outbox with the hub's submission SECRET key and
// prints one JSON line per record, with its receipt code. What an operator's offline tools see.
// Usage: open_outbox STATE_DIR SUBMISSION_SECRET_KEY
#include <cstdio>
#include <nlohmann/json.hpp>

#include "sync/config/config.h"
#include "sync/keystore/keystore.h"
#include "sync/outbox/outbox.h"

using namespace civic;

int main(int argc, char** argv) {
  if (argc != 3 || !crypto_init().ok()) {
    std::fprintf(stderr, "usage: open_outbox STATE_DIR SUBMISSION_SECRET_KEY\n");
    return 2;
  }
  KioskConfig config;
  config.state_dir = argv[1];
  auto key = load_submission_secret_key(argv[2]);
  if (!key.ok()) {
    std::fprintf(stderr, "open_outbox: %s\n", key.message().c_str());
    return 1;
  }
  auto ob = Outbox::open_existing(config.outbox_path());
  if (!ob.ok()) {
    std::fprintf(stderr, "open_outbox: %s\n", ob.message().c_str());
    return 1;
  }
  auto records = (*ob)->records();
  if (!records.ok()) return 1;
  for (const auto& r : *records) {
    auto s = open_submission(r.sealed, *key);
    if (!s.ok()) {
      std::fprintf(stderr, "open_outbox: record %llu: %s\n", static_cast<unsigned long long>(r.position),
                   s.message().c_str());
      return 1;
    }
    nlohmann::json votes = nlohmann::json::array();
    for (const auto& v : s->votes) votes.push_back({v.idea_id, vote_choice_name(v.choice)});
    nlohmann::json answers = nlohmann::json::object();
    for (const auto& a : s->answers) answers[a.question_id] = a.answer_id;
    nlohmann::json line{{"position", r.position},     {"consultation", s->consultation_id}, {"language", s->language},
                        {"channel", channel_name(s->channel)}, {"event_id", s->event_id},
                        {"card_number", s->card_number}, {"idea", s->idea}, {"votes", votes},
                        {"answers", answers},
                        {"receipt", format_receipt_code(make_receipt_code((*ob)->kiosk_id(), r.record_hash))}};
    std::printf("%s\n", line.dump().c_str());
  }
  return 0;
}
