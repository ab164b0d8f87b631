// A real hub store behind a HubService, with the demo consultations and one enrolled kiosk (the
// fixed test kiosk key), for the hub's unit tests: SQLite, or PostgreSQL when the tests run
// beside a throwaway cluster (tests/support/with_postgres.sh): the same tests for both backends.
#pragma once

#include <catch2/catch.hpp>
#include <libpq-fe.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "sync/hub/service.h"
#include "tests/protocol/test_keys.h"
#include "tests/temp_dir.h"

namespace civic::test {

inline constexpr std::uint64_t kNow = 1795000000;

// The store of a test hub whose state is in `dir`: SQLite there, or, when CIVIC_TEST_POSTGRES_URL
// is set, a schema of that database named after `dir` (the same store for every open of `dir`).
inline Result<std::unique_ptr<HubStore>> open_test_store(const std::filesystem::path& dir) {
  const char* url = std::getenv("CIVIC_TEST_POSTGRES_URL");
  if (url == nullptr) return open_sqlite_hub_store(dir / "hub.db");
  const std::string schema = "t_" + std::to_string(std::hash<std::string>{}(dir.string()));
  PGconn* c = PQconnectdb(url);
  PGresult* r = PQexec(c, ("SET client_min_messages = warning; CREATE SCHEMA IF NOT EXISTS " + schema).c_str());
  const bool made = PQresultStatus(r) == PGRES_COMMAND_OK;
  const std::string why = PQerrorMessage(c);
  PQclear(r);
  PQfinish(c);
  if (!made) return make_error(ErrorCode::kIo, "cannot make the test schema: " + why);
  return open_postgres_hub_store(std::string(url) + "&options=-csearch_path%3D" + schema);
}

struct Hub {
  TempDir temp{"hub"};
  std::filesystem::path dir = temp.path;
  std::unique_ptr<HubService> service;
  KioskId kiosk{};
  Hash32 head{};
  std::uint64_t next_position = 1, next_sequence = 1;

  Hub() {
    auto store = open_test_store(dir);
    INFO((store.ok() ? std::string() : store.message()));
    REQUIRE(store.ok());
    service = std::make_unique<HubService>(std::move(*store),
                                           HubKeys{test::hub_signing_key(), test::hub_submission_key().public_key,
                                                   test::hub_content_key().public_key},
                                           HubConfig{});
    std::ifstream in(std::filesystem::path(CIVIC_SOURCE_DIR) / "assets/demo/content.json");
    std::stringstream json;
    json << in.rdbuf();
    REQUIRE(service->set_consultations(json.str(), kNow).ok());
    auto token = service->create_enrolment_token("test", 3600, kNow);
    REQUIRE(token.ok());
    auto enrolled = service->enrol(*token, test::kiosk_key().public_key, "kiosk", "127.0.0.1", kNow);
    REQUIRE(enrolled.ok());
    kiosk = enrolled->kiosk.id;
  }

  void upload(const std::vector<Bytes>& records) {
    BatchHeader h{kiosk, next_sequence++, next_position, kNow, head, {}};
    auto batch = encode_signed_batch(h, records, test::kiosk_key());
    REQUIRE(batch.ok());
    auto stored = service->upload(batch->bytes, "test", kNow);
    INFO((stored.ok() ? std::string() : stored.message()));
    REQUIRE(stored.ok());
    head = batch->new_head;
    next_position += records.size();
  }
};

inline Bytes sealed_idea(const std::string& idea, const std::string& consultation = "parks-2026") {
  Submission s = test::sample_submission();
  s.consultation_id = consultation;
  s.idea = idea;
  s.votes.clear();
  s.answers.clear();
  auto sealed = seal_submission(s, test::hub_submission_key().public_key);
  REQUIRE(sealed.ok());
  return *sealed;
}

}  // namespace civic::test
