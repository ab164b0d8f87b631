// Several `civic-hub serve` processes on one PostgreSQL database, as behind a load balancer: run
// beside a throwaway cluster by tests/support/with_postgres.sh (CIVIC_TEST_POSTGRES_URL). Batches
// are built here, as an independent client would, so that both hubs get exactly the same bytes.
#include <libpq-fe.h>
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "sync/keystore/keystore.h"
#include "sync/protocol/protocol.h"
#include "sync/transparency/log_witness.h"
#include "tests/sync/harness.h"

using namespace civic;
using namespace civic::test;
namespace fs = std::filesystem;

namespace {

// A schema of its own in the test cluster's database: the URL that selects it.
std::string fresh_schema(const std::string& name) {
  const char* base = std::getenv("CIVIC_TEST_POSTGRES_URL");
  REQUIRE(base != nullptr);
  PGconn* c = PQconnectdb(base);
  PGresult* r = PQexec(c, ("SET client_min_messages = warning; DROP SCHEMA IF EXISTS " + name +
                           " CASCADE; CREATE SCHEMA " + name)
                              .c_str());
  const bool made = PQresultStatus(r) == PGRES_COMMAND_OK;
  INFO(PQerrorMessage(c));
  PQclear(r);
  PQfinish(c);
  REQUIRE(made);
  return std::string(base) + "&options=-csearch_path%3D" + name;
}

// `n` batches of `per_batch` records of one kiosk's chain, from `first_sequence` on.
std::vector<std::string> chain_of(const SigningKeyPair& key, const SealPublicKey& hub_key, int n,
                                  int per_batch, const std::string& marker, Hash32& head,
                                  std::uint64_t& next_position, std::uint64_t& next_sequence) {
  std::vector<std::string> out;
  for (int b = 0; b < n; ++b) {
    std::vector<Bytes> records;
    for (int i = 0; i < per_batch; ++i) {
      Submission s;
      s.consultation_id = "parks-2026";
      s.language = "en";
      s.session_id = random_fixed<16>();
      s.idea = marker + " " + std::to_string(next_position + i);
      records.push_back(*seal_submission(s, hub_key));
    }
    BatchHeader h{kiosk_id_from_key(key.public_key), next_sequence++, next_position, 0, head, {}};
    auto encoded = encode_signed_batch(h, records, key);
    REQUIRE(encoded.ok());
    head = encoded->new_head;
    next_position += records.size();
    out.emplace_back(as_chars(encoded->bytes));
  }
  return out;
}

Checkpoint log_checkpoint(HubProcess& hub, const SigningPublicKey& key) {
  const auto reply = http_get(hub.port(), "/v1/log/consistency?from=1");
  REQUIRE(reply.status == 200);
  auto proof = parse_consistency_proof(reply.body);
  REQUIRE(proof.ok());
  auto checkpoint = verify_checkpoint(proof->checkpoint, key);
  REQUIRE(checkpoint.ok());
  return *checkpoint;
}

}  // namespace

TEST_CASE(
    "two hubs on one PostgreSQL database: a kiosk's batches through both at once are stored once with "
    "identical acks, a fork is caught by either, and a hub killed mid-stream loses nothing",
    "[integration][postgres]") {
  ScratchDir scratch;
  const auto config = scratch.path / "hub.toml";
  std::ofstream(config) << "[store]\nurl = \"" << fresh_schema("two_hubs") << "\"\n"
                        << "[server]\nmax_connections_per_address = 64\n";
  ::setenv("CIVIC_HUB_CONFIG", config.c_str(), 1);  // both hubs, and their command lines, read it
  HubProcess a(scratch.path / "a");
  a.init();
  fs::copy(scratch.path / "a", scratch.path / "b", fs::copy_options::recursive);  // the same keys
  HubProcess b(scratch.path / "b");
  a.start();
  b.start();
  const SigningPublicKey hub_key = a.signing_key().public_key;
  const auto sub = load_submission_public_key(a.state() / "hub-submission.pub");
  REQUIRE(sub.ok());

  // Enrolled with a token made by one hub, through the other.
  const SigningKeyPair kiosk = generate_signing_key_pair();
  const std::string enrol = R"({"token":")" + b.enrolment_token() + R"(","public_key":")" +
                            to_hex(kiosk.public_key.bytes) + R"(","name":"shared"})";
  REQUIRE(http_post(a.port(), "/v1/enroll", enrol, "application/json").status == 200);

  Hash32 head = kGenesisHead;
  std::uint64_t position = 1, sequence = 1;
  const auto night = chain_of(kiosk, *sub, 120, 5, "night", head, position, sequence);
  // The same batches through both hubs at once, in the same order.
  std::vector<std::string> acks_a(night.size()), acks_b(night.size());
  std::atomic<int> refused{0};
  auto send_all = [&](HubProcess& hub, std::vector<std::string>& acks) {
    for (std::size_t i = 0; i < night.size(); ++i) {
      const auto reply = http_post(hub.port(), "/v1/batches", night[i]);
      if (reply.status != 200) ++refused;
      acks[i] = reply.body;
    }
  };
  std::thread through_a([&] { send_all(a, acks_a); });
  std::thread through_b([&] { send_all(b, acks_b); });
  through_a.join();
  through_b.join();
  CHECK(refused == 0);
  CHECK(acks_a == acks_b);  // one stored, the other answered with the stored ack: the same bytes
  CHECK(a.record_count() == 600);
  CHECK(b.record_count() == 600);

  // A fork sent to one hub is refused there and known to the other.
  Hash32 other_head = kGenesisHead;
  std::uint64_t other_position = 1, other_sequence = 1;
  const auto forged = chain_of(kiosk, *sub, 1, 5, "forged", other_head, other_position, other_sequence);
  const auto fork = http_post(b.port(), "/v1/batches", forged[0]);
  CHECK(fork.status == 409);
  const auto events = a.cli({"events"});
  CHECK_THAT(events.output, Catch::Contains("fork"));

  // A hub killed while a kiosk streams to it: every batch sent again through the other is stored
  // once; the batch the dead hub was storing left nothing behind.
  const auto more = chain_of(kiosk, *sub, 100, 5, "more", head, position, sequence);
  std::thread streaming([&] {
    for (const auto& batch : more) (void)http_post(b.port(), "/v1/batches", batch);
  });
  while (b.record_count() < 700) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  b.kill_hard();
  streaming.join();
  for (const auto& batch : more) CHECK(http_post(a.port(), "/v1/batches", batch).status == 200);
  CHECK(a.record_count() == 1100);

  // Both hubs, the killed one restarted, sign the same log: every record once, in one order.
  b.start();
  CHECK(b.record_count() == 1100);
  const Checkpoint at_a = log_checkpoint(a, hub_key), at_b = log_checkpoint(b, hub_key);
  CHECK(at_a.size == 1100);
  CHECK(at_b.size == at_a.size);
  CHECK(at_b.root == at_a.root);
  a.stop();
  b.stop();
  ::unsetenv("CIVIC_HUB_CONFIG");
}

TEST_CASE(
    "migrate-store moves a SQLite hub into PostgreSQL: the same records, log root and results, and an "
    "occupied database is refused",
    "[integration][postgres]") {
  ScratchDir scratch;
  HubProcess hub(scratch.path / "hub");
  hub.init();
  hub.start();
  const std::string demo = std::string(CIVIC_SOURCE_DIR) + "/assets/demo/content.json";
  REQUIRE(hub.cli({"content", "publish", "--key", hub.content_key_path().string(), demo}).exit_code == 0);
  const SigningPublicKey hub_key = hub.signing_key().public_key;
  const auto sub = load_submission_public_key(hub.state() / "hub-submission.pub");
  REQUIRE(sub.ok());
  const SigningKeyPair kiosk = generate_signing_key_pair();
  const std::string enrol = R"({"token":")" + hub.enrolment_token() + R"(","public_key":")" +
                            to_hex(kiosk.public_key.bytes) + R"(","name":"moving"})";
  REQUIRE(http_post(hub.port(), "/v1/enroll", enrol, "application/json").status == 200);
  Hash32 head = kGenesisHead;
  std::uint64_t position = 1, sequence = 1;
  for (const auto& batch : chain_of(kiosk, *sub, 30, 7, "before the move", head, position, sequence))
    REQUIRE(http_post(hub.port(), "/v1/batches", batch).status == 200);
  const Checkpoint on_sqlite = log_checkpoint(hub, hub_key);
  REQUIRE(on_sqlite.size == 210);
  hub.stop();

  const std::string url = fresh_schema("moved");
  const auto key = (hub.state() / "offline" / "hub-submission.key").string();
  const auto moved = hub.cli(
      {"migrate-store", "--from", "sqlite:" + (hub.state() / "hub.db").string(), "--to", url, "--key", key});
  INFO(moved.output);
  REQUIRE(moved.exit_code == 0);
  CHECK_THAT(moved.output, Catch::Contains("migrated 210 records") &&
                               Catch::Contains("the results are the same") && Catch::Contains("210 rows"));

  // The hub on PostgreSQL: the same log, and it goes on from where it was.
  const auto config = scratch.path / "hub.toml";
  std::ofstream(config) << "[store]\nurl = \"" << url << "\"\n";
  hub.start({"--config", config.string()});
  CHECK(hub.record_count() == 210);
  const Checkpoint on_postgres = log_checkpoint(hub, hub_key);
  CHECK(on_postgres.size == on_sqlite.size);
  CHECK(on_postgres.root == on_sqlite.root);
  for (const auto& batch : chain_of(kiosk, *sub, 2, 5, "after the move", head, position, sequence))
    CHECK(http_post(hub.port(), "/v1/batches", batch).status == 200);
  CHECK(hub.record_count() == 220);
  hub.stop();

  // A database that holds a hub is never overwritten.
  const auto again =
      hub.cli({"migrate-store", "--from", "sqlite:" + (hub.state() / "hub.db").string(), "--to", url});
  CHECK(again.exit_code != 0);
  CHECK_THAT(again.output, Catch::Contains("holds a hub already"));
}
