// Issue 6 end to end: real civic-hub and civic-sync processes on 127.0.0.1.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <nlohmann/json.hpp>

#include "harness.h"
#include "sync/agent/agent.h"
#include "sync/events/events.h"
#include "sync/hub/service.h"
#include "sync/health/kiosk_health.h"
#include "sync/hub/store.h"
#include "sync/sqlite/sqlite.h"
#include "sync/transparency/log_witness.h"
#include "sync/outbox/outbox.h"
#include "sync/transfer/usb.h"

using namespace civic;
using namespace civic::test;
namespace fs = std::filesystem;

namespace {
OutboxStatus kiosk_status(const Kiosk& k) {
  auto ob = Outbox::open_existing(k.dir() / "outbox.db");
  REQUIRE(ob.ok());
  auto st = (*ob)->status();
  REQUIRE(st.ok());
  return *st;
}

struct World {
  ScratchDir scratch;
  HubProcess hub{scratch.path / "hub"};
  std::unique_ptr<Kiosk> kiosk;
  World() {
    hub.init();
    hub.start();
    kiosk = std::make_unique<Kiosk>(scratch.path / "kiosk", hub.url());
    kiosk->enroll(hub);
  }
};

// The demo consultations, published with the hub's content key.
void publish_demo_content(World& w) {
  const std::string demo = std::string(CIVIC_SOURCE_DIR) + "/assets/demo/content.json";
  REQUIRE(w.hub.cli({"content", "publish", "--key", w.hub.content_key_path().string(), demo}).exit_code == kExitOk);
}

// The first batch of a kiosk's outbox, as the agent would send it.
std::string first_batch_bytes(Kiosk& k) {
  auto ob = Outbox::open_existing(k.dir() / "outbox.db");
  REQUIRE(ob.ok());
  auto b = (*ob)->next_batch(k.key(), BatchLimits{}, 1795000000);
  REQUIRE(b.ok());
  REQUIRE(b->has_value());
  return std::string(as_chars((*b)->bytes));
}
}  // namespace

TEST_CASE("end to end: every record reaches the hub exactly once and is acknowledged", "[integration]") {
  World w;
  w.kiosk->fill(250);
  auto r = w.kiosk->sync({"run", "--once"});
  INFO(r.output);
  REQUIRE(r.exit_code == kExitOk);
  CHECK_THAT(r.output, Catch::Contains("250 records acknowledged"));
  CHECK(w.hub.record_count() == 250);
  auto st = kiosk_status(*w.kiosk);
  CHECK(st.pending == 0);
  CHECK(st.in_batch == 0);
  CHECK(st.acknowledged == 250);
  CHECK(st.last_sync_success_at.has_value());

  // Again: nothing to send, nothing counted twice.
  auto again = w.kiosk->sync({"run", "--once"});
  REQUIRE(again.exit_code == kExitOk);
  CHECK(w.hub.record_count() == 250);
  auto show = w.hub.cli({"kiosks", "list"});
  CHECK_THAT(show.output, Catch::Contains("250"));
}

TEST_CASE("the ack lost on the way back: the re-upload gets the same ack and no duplicate", "[integration]") {
  World w;
  w.kiosk->fill(40);
  std::string dropped_ack;
  FaultProxy proxy(w.hub.port(), [&](const std::string& method, const std::string& path, const std::string& body) {
    if (method == "POST" && path == "/v1/batches" && dropped_ack.empty()) {
      dropped_ack = body;
      return FaultProxy::Decision{FaultProxy::Action::kDropResponse, ""};
    }
    return FaultProxy::Decision{};
  });
  w.kiosk->write_config(proxy.url(), /*max_attempts=*/1);
  auto lost = w.kiosk->sync({"run", "--once"});
  INFO(lost.output);
  CHECK(lost.exit_code == kExitTempFail);
  CHECK(w.hub.record_count() == 40);  // the hub stored them
  CHECK(kiosk_status(*w.kiosk).in_batch == 40);  // the kiosk does not know yet
  REQUIRE(dropped_ack.size() == kAckSize);

  // The same batch again, straight to the hub: byte-identical ack.
  auto replay = http_post(w.hub.port(), "/v1/batches", first_batch_bytes(*w.kiosk));
  CHECK(replay.status == 200);
  CHECK(replay.body == dropped_ack);

  auto retry = w.kiosk->sync({"run", "--once"});
  INFO(retry.output);
  CHECK(retry.exit_code == kExitOk);
  CHECK(w.hub.record_count() == 40);
  CHECK(kiosk_status(*w.kiosk).acknowledged == 40);
}

TEST_CASE("the hub killed -9 mid-upload and restarted: nothing lost, nothing doubled", "[integration]") {
  World w;
  w.kiosk->write_config(w.hub.url(), 1, /*batch_max_records=*/50);
  w.kiosk->fill(3000);
  // Start the agent, then kill the hub while batches are flowing.
  const std::string before_logs = std::to_string(w.hub.record_count());
  pid_t agent = ::fork();
  if (agent == 0) {
    ::execl(CIVIC_SYNC_BIN, CIVIC_SYNC_BIN, "--config", w.kiosk->config().c_str(), "run", "--once",
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  for (int i = 0; i < 2000 && w.hub.record_count() < 500; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  w.hub.kill_hard();
  int status = 0;
  ::waitpid(agent, &status, 0);
  CHECK(WEXITSTATUS(status) == kExitTempFail);
  auto mid = kiosk_status(*w.kiosk);
  CHECK(mid.acknowledged < 3000);

  w.hub.start();
  w.kiosk->write_config(w.hub.url(), 1, 50);
  auto r = w.kiosk->sync({"run", "--once"});
  INFO(r.output);
  REQUIRE(r.exit_code == kExitOk);
  CHECK(w.hub.record_count() == 3000);
  auto st = kiosk_status(*w.kiosk);
  CHECK(st.acknowledged == 3000);
  CHECK(st.pending + st.in_batch == 0);
  auto show = w.hub.cli({"kiosks", "show", to_hex(kiosk_id_from_key(w.kiosk->key().public_key))});
  CHECK_THAT(show.output, Catch::Contains("contiguous to position 3000"));
}

TEST_CASE("replayed, tampered, forged, cut and oversized batches", "[integration]") {
  World w;
  w.kiosk->fill(5);
  const std::string batch = first_batch_bytes(*w.kiosk);

  SECTION("a replayed batch returns the same ack and stores nothing twice") {
    auto a = http_post(w.hub.port(), "/v1/batches", batch);
    auto b = http_post(w.hub.port(), "/v1/batches", batch);
    CHECK(a.status == 200);
    CHECK(b.status == 200);
    CHECK(a.body == b.body);
    CHECK(w.hub.record_count() == 5);
  }
  SECTION("a tampered record is refused with a reason") {
    std::string bad = batch;
    bad[kBatchHeaderSize + 100] ^= 1;
    auto r = http_post(w.hub.port(), "/v1/batches", bad);
    CHECK(r.status == 400);
    CHECK_THAT(r.body, Catch::Contains("chain-mismatch"));
    CHECK(w.hub.record_count() == 0);
  }
  SECTION("a batch signed by another key in this kiosk's name is refused") {
    auto parsed = parse_batch(as_bytes(batch));
    REQUIRE(parsed.ok());
    auto forged = encode_signed_batch(parsed->header, parsed->records, generate_signing_key_pair());
    REQUIRE(forged.ok());
    auto r = http_post(w.hub.port(), "/v1/batches", std::string(as_chars(forged->bytes)));
    CHECK(r.status == 403);
    CHECK_THAT(r.body, Catch::Contains("bad-signature"));
    CHECK(w.hub.record_count() == 0);
  }
  SECTION("a body cut at several offsets is refused every time") {
    for (std::size_t cut : {std::size_t{0}, std::size_t{3}, std::size_t{50}, kBatchHeaderSize,
                            kBatchHeaderSize + 300, batch.size() - 64, batch.size() - 1}) {
      auto r = http_post(w.hub.port(), "/v1/batches", batch.substr(0, cut));
      INFO("cut at " << cut << ": " << r.body);
      CHECK(r.status == 400);
    }
    CHECK(w.hub.record_count() == 0);
  }
  SECTION("an oversized body gets 413 and a message") {
    auto r = http_post(w.hub.port(), "/v1/batches", std::string(17 * 1024 * 1024, 'x'));
    CHECK(r.status == 413);
    CHECK_THAT(r.body, Catch::Contains("bytes this hub accepts"));
  }
  SECTION("a fork: the same position with other content is refused and flagged") {
    REQUIRE(http_post(w.hub.port(), "/v1/batches", batch).status == 200);
    auto parsed = parse_batch(as_bytes(batch));
    auto records = parsed->records;
    std::swap(records[0], records[1]);
    auto other = encode_signed_batch(parsed->header, records, w.kiosk->key());
    REQUIRE(other.ok());
    auto r = http_post(w.hub.port(), "/v1/batches", std::string(as_chars(other->bytes)));
    CHECK(r.status == 409);
    CHECK(w.hub.record_count() == 5);
    CHECK_THAT(w.hub.cli({"events"}).output, Catch::Contains("fork"));
  }
}

TEST_CASE("unenrolled and revoked kiosks are refused", "[integration]") {
  World w;
  SECTION("a kiosk that never enrolled") {
    ScratchDir other;
    Kiosk stranger(other.path / "k", w.hub.url());
    REQUIRE(stranger.sync({"keygen"}).exit_code == 0);
    // Give it the hub's submission key so it can fill an outbox, without enrolling.
    fs::copy_file(w.hub.state() / "hub-submission.pub", other.path / "k" / "hub-submission.pub");
    stranger.fill(3);
    auto batch = first_batch_bytes(stranger);
    auto r = http_post(w.hub.port(), "/v1/batches", batch);
    CHECK(r.status == 403);
    CHECK_THAT(r.body, Catch::Contains("not enrolled"));
    auto agent = stranger.sync({"run", "--once"});
    CHECK(agent.exit_code == kExitNoPermission);
    CHECK_THAT(agent.output, Catch::Contains("not enrolled"));
  }
  SECTION("a revoked kiosk") {
    w.kiosk->fill(3);
    auto id = to_hex(kiosk_id_from_key(w.kiosk->key().public_key));
    REQUIRE(w.hub.cli({"kiosks", "revoke", id, "--yes"}).exit_code == 0);
    auto r = w.kiosk->sync({"run", "--once"});
    INFO(r.output);
    CHECK(r.exit_code == kExitNoPermission);
    CHECK_THAT(r.output, Catch::Contains("revoked"));
    CHECK(w.hub.record_count() == 0);
    CHECK(kiosk_status(*w.kiosk).in_batch == 3);  // kept, never lost
    CHECK_THAT(w.hub.cli({"events"}).output, Catch::Contains("revoked-upload"));
  }
  CHECK(w.hub.record_count() == 0);
}

TEST_CASE("enrolment tokens are single-use, checked against the hub's key, and guessing is limited", "[integration]") {
  ScratchDir scratch;
  HubProcess hub(scratch.path / "hub");
  hub.init();
  hub.start();
  const std::string token = hub.enrolment_token();
  Kiosk a(scratch.path / "a", hub.url());
  REQUIRE(a.sync({"enroll", hub.url(), token}).exit_code == 0);
  Kiosk b(scratch.path / "b", hub.url());
  auto reused = b.sync({"enroll", hub.url(), token});
  CHECK(reused.exit_code != 0);
  CHECK_THAT(reused.output, Catch::Contains("used already"));

  // A token whose fingerprint names another hub (or was mistyped): refused before anything is
  // stored on either side, and the token is not spent.
  Kiosk c(scratch.path / "c", hub.url());
  const std::string good = hub.enrolment_token();
  std::string wrong_hub = good;
  wrong_hub.replace(33, 16, "0123456789abcdef");
  auto mismatch = c.sync({"enroll", hub.url(), wrong_hub});
  CHECK(mismatch.exit_code != 0);
  CHECK_THAT(mismatch.output, Catch::Contains("was not used"));
  CHECK_FALSE(fs::exists(scratch.path / "c" / "hub-signing.pub"));
  CHECK_THAT(hub.cli({"kiosks"}).output, !Catch::Contains(to_hex(kiosk_id_from_key(c.key().public_key))));
  auto corrected = c.sync({"enroll", hub.url(), good});  // the same secret, typed right this time
  INFO(corrected.output);
  CHECK(corrected.exit_code == 0);

  // A key no kiosk could hold, and a name that is not text: refused, with a reason.
  auto zero = http_post(hub.port(), "/v1/enroll",
                        R"({"token":")" + hub.enrolment_token() + R"(","public_key":")" + std::string(64, '0') + "\"}",
                        "application/json");
  CHECK(zero.status == 400);
  CHECK_THAT(zero.body, Catch::Contains("not a valid Ed25519 key"));
  auto odd_name = http_post(hub.port(), "/v1/enroll",
                            R"({"token":")" + hub.enrolment_token() + R"(","public_key":")" + std::string(64, '1') +
                                R"(","name":42})",
                            "application/json");
  CHECK(odd_name.status == 400);
  CHECK_THAT(odd_name.body, Catch::Contains("'name' must be a string"));

  // Guessing: after the configured number of failures a minute, even a good token is refused.
  int limited = 0;
  for (int i = 0; i < 12; ++i) {
    auto r = http_post(hub.port(), "/v1/enroll",
                       R"({"token":"00000000000000000000000000000000-0000000000000000","public_key":")" +
                           std::string(64, '1') + "\"}", "application/json");
    if (r.status == 429) ++limited;
  }
  CHECK(limited >= 2);
  CHECK_THAT(hub.cli({"events"}).output, Catch::Contains("token-guess"));
}

TEST_CASE("content: installed when valid, and rolled back, expired, tampered or online-signed bundles are refused and the kiosk keeps its content",
          "[integration][content]") {
  World w;
  const fs::path content = w.scratch.path / "content.json";
  std::ofstream(content) << R"({"format":1,"consultations":[]})";
  REQUIRE(w.hub.cli({"content", "publish", "--key", w.hub.content_key_path().string(), content.string()}).exit_code == 0);
  REQUIRE(w.hub.cli({"content", "publish", "--key", w.hub.content_key_path().string(), content.string()}).exit_code == 0);  // version 2
  auto first = w.kiosk->sync({"run", "--once"});
  INFO(first.output);
  REQUIRE(first.exit_code == kExitOk);
  CHECK_THAT(first.output, Catch::Contains("content version 2 installed"));
  CHECK(kiosk_status(*w.kiosk).content_version == 2);

  const auto hub_key = w.hub.content_key();
  const auto now = static_cast<std::uint64_t>(std::time(nullptr));
  std::string served;
  SECTION("signed by the hub's online signing key: what a compromised hub server holds") {
    served = std::string(as_chars(*encode_signed_content({3, now, now + 86400, "{}"}, w.hub.signing_key())));
  }
  SECTION("rollback") {
    served = std::string(as_chars(*encode_signed_content({1, now, now + 86400, "{}"}, hub_key)));
  }
  SECTION("expired") {
    served = std::string(as_chars(*encode_signed_content({3, now - 7200, now - 3600, "{}"}, hub_key)));
  }
  SECTION("tampered") {
    Bytes b = *encode_signed_content({3, now, now + 86400, R"({"format":1})"}, hub_key);
    b[kContentFixedSize - kSignatureSize] ^= 1;  // the first byte of the payload
    served = std::string(as_chars(b));
  }
  FaultProxy proxy(w.hub.port(), [&](const std::string&, const std::string& path, const std::string&) {
    if (path == "/v1/content") return FaultProxy::Decision{FaultProxy::Action::kReplaceBody, served};
    return FaultProxy::Decision{};
  });
  w.kiosk->write_config(proxy.url());
  w.kiosk->fill(2);
  auto r = w.kiosk->sync({"run", "--once"});
  INFO(r.output);
  CHECK(r.exit_code == kExitDataError);
  CHECK_THAT(r.output, Catch::Contains("content refused, current content kept"));
  CHECK(kiosk_status(*w.kiosk).content_version == 2);
  CHECK(kiosk_status(*w.kiosk).acknowledged == 2);  // uploads still went through
}

TEST_CASE("the whole path over USB: export, import, import-acks", "[integration][usb]") {
  World w;
  const fs::path drive = w.scratch.path / "usb";
  fs::create_directories(drive);
  const fs::path content = w.scratch.path / "content.json";
  std::ofstream(content) << R"({"format":1,"consultations":[]})";
  REQUIRE(w.hub.cli({"content", "publish", "--key", w.hub.content_key_path().string(), content.string()}).exit_code == 0);
  w.kiosk->write_config("", 1, 40);  // USB only
  w.kiosk->fill(100);

  auto exported = w.kiosk->sync({"export", drive.string(), "--not-a-drive"});
  INFO(exported.output);
  REQUIRE(exported.exit_code == kExitOk);
  CHECK_THAT(exported.output, Catch::Contains("3 batches (100 records)"));
  CHECK(kiosk_status(*w.kiosk).in_batch == 100);  // exported is not acknowledged

  auto imported = w.hub.cli({"import", drive.string()});
  INFO(imported.output);
  REQUIRE(imported.exit_code == 0);
  CHECK(w.hub.record_count() == 100);
  auto twice = w.hub.cli({"import", drive.string()});
  CHECK_THAT(twice.output, Catch::Contains("already had it"));
  CHECK(w.hub.record_count() == 100);

  auto acks = w.kiosk->sync({"import-acks", drive.string()});
  INFO(acks.output);
  REQUIRE(acks.exit_code == kExitOk);
  CHECK_THAT(acks.output, Catch::Contains("100 records acknowledged"));
  auto st = kiosk_status(*w.kiosk);
  CHECK(st.acknowledged == 100);
  CHECK(st.content_version == 1);

  // An ack altered on the drive is refused and changes nothing.
  w.kiosk->fill(1);
  REQUIRE(w.kiosk->sync({"export", drive.string(), "--not-a-drive"}).exit_code == kExitOk);
  REQUIRE(w.hub.cli({"import", drive.string()}).exit_code == 0);
  const fs::path ack = usb_kiosk_dir(drive, kiosk_id_from_key(w.kiosk->key().public_key)) / "ack-000004.cka";
  REQUIRE(fs::exists(ack));
  {
    std::fstream f(ack, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(30);
    f.put('\x7f');
  }
  auto bad = w.kiosk->sync({"import-acks", drive.string()});
  CHECK(bad.exit_code == kExitDataError);
  CHECK(kiosk_status(*w.kiosk).in_batch == 1);
}

TEST_CASE("decommissioning wipes keys and outbox only once the hub has acknowledged everything", "[integration]") {
  World w;
  w.kiosk->fill(12);
  auto early = w.kiosk->sync({"decommission", "--yes"});
  INFO(early.output);
  CHECK(early.exit_code == kExitTempFail);
  CHECK_THAT(early.output, Catch::Contains("12 record(s) are not yet acknowledged"));
  CHECK(std::filesystem::exists(w.kiosk->dir() / "outbox.db"));
  CHECK(std::filesystem::exists(w.kiosk->dir() / "kiosk-signing.key"));
  CHECK(w.kiosk->sync({"decommission"}).exit_code != kExitOk);  // --yes is required

  REQUIRE(w.kiosk->sync({"run", "--once"}).exit_code == kExitOk);
  auto done = w.kiosk->sync({"decommission", "--yes"});
  INFO(done.output);
  REQUIRE(done.exit_code == kExitOk);
  CHECK(w.hub.record_count() == 12);
  for (const char* f : {"outbox.db", "outbox.db-wal", "kiosk-signing.key", "hub-signing.pub"}) {
    INFO(f);
    CHECK_FALSE(std::filesystem::exists(w.kiosk->dir() / f));
  }
}

TEST_CASE("a closed town-hall event's report reaches the hub once, signed by the kiosk", "[integration][events]") {
  World w;
  auto book = EventBook::open(w.kiosk->dir());
  REQUIRE(book.ok());
  REQUIRE(book->start("Ward 3 meeting", "City hall", 1795000000).ok());
  REQUIRE(book->count(Channel::kTownHall, true).ok());
  auto closed = book->close(30, 1795007200);
  REQUIRE(closed.ok());
  auto r = w.kiosk->sync({"run", "--once"});
  INFO(r.output);
  REQUIRE(r.exit_code == kExitOk);
  auto store = open_sqlite_hub_store(w.hub.state() / "hub.db");
  REQUIRE(store.ok());
  auto reports = (*store)->event_reports();
  REQUIRE(reports.ok());
  REQUIRE(reports->size() == 1);
  CHECK((*reports)[0].event_id == closed->id);
  CHECK((*reports)[0].headcount == 30);
  CHECK((*reports)[0].town_hall_records == 1);
  CHECK((*reports)[0].kiosk_id == kiosk_id_from_key(w.kiosk->key().public_key));
  // Sent once: the next run does not send it again.
  std::ifstream sent(w.kiosk->dir() / "events-sent");
  std::string line;
  std::getline(sent, line);
  CHECK(line == closed->id);
  // The hub's copy is removed behind its back: a resend would put it back.
  auto removed = run_command({"/usr/bin/sqlite3", (w.hub.state() / "hub.db").string(), "DELETE FROM event_reports"});
  REQUIRE(removed.exit_code == 0);
  REQUIRE(w.kiosk->sync({"run", "--once"}).exit_code == kExitOk);
  auto after = (*store)->event_reports();
  REQUIRE(after.ok());
  CHECK(after->empty());
  // A report signed by another key is refused.
  const auto stranger = generate_signing_key_pair();
  auto forged = encode_signed_event_report(EventReport{kiosk_id_from_key(w.kiosk->key().public_key), "ev-x",
                                                       "forged", "", "", 0, 0, 999, 0, 0},
                                           stranger);
  REQUIRE(forged.ok());
  auto reply = http_post(w.hub.port(), "/v1/events", std::string(as_chars(*forged)));
  CHECK(reply.status == 403);
}

namespace {
std::string file_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}
}  // namespace

TEST_CASE("a hostile drive: links planted on it never redirect a write, and nothing outside it changes",
          "[integration][usb][hostile]") {
  World w;
  const fs::path drive = w.scratch.path / "usb";
  const fs::path kiosk_folder = usb_kiosk_dir(drive, kiosk_id_from_key(w.kiosk->key().public_key));
  fs::create_directories(kiosk_folder);
  const fs::path content = w.scratch.path / "content.json";
  std::ofstream(content) << R"({"format":1,"consultations":[]})";
  REQUIRE(w.hub.cli({"content", "publish", "--key", w.hub.content_key_path().string(), content.string()}).exit_code == 0);
  w.kiosk->write_config("", 1, 40);  // USB only
  w.kiosk->fill(50);

  // The kiosk's export: a manifest.json.partial aimed at the kiosk's own outbox, and a batch's
  // temporary name aimed at a copy of it.
  const fs::path outbox = w.kiosk->dir() / "outbox.db";
  const fs::path copy = w.scratch.path / "outbox-copy.db";
  fs::copy_file(outbox, copy);
  const std::string copy_before = file_text(copy);
  fs::create_symlink(outbox, kiosk_folder / "manifest.json.partial");
  fs::create_symlink(copy, kiosk_folder / "batch-000001.ckb.partial");
  auto exported = w.kiosk->sync({"export", drive.string(), "--not-a-drive"});
  INFO(exported.output);
  REQUIRE(exported.exit_code == kExitOk);
  CHECK(file_text(copy) == copy_before);  // not one byte written through the link
  CHECK(fs::file_size(outbox) > 8192);    // the outbox is still the outbox, every record in it
  CHECK(kiosk_status(*w.kiosk).in_batch == 50);
  CHECK(fs::is_regular_file(fs::symlink_status(kiosk_folder / "manifest.json")));

  // The hub's import: a content.ckc.partial and an ack's temporary name aimed at the hub's own
  // database and at a file of the operator's.
  const fs::path hub_db = w.hub.state() / "hub.db";
  const fs::path operators_file = w.scratch.path / "operators-notes.txt";
  std::ofstream(operators_file) << "keep me";
  fs::create_symlink(hub_db, drive / "civic-kiosk" / "content.ckc.partial");
  fs::create_symlink(operators_file, kiosk_folder / "ack-000001.cka.partial");
  auto imported = w.hub.cli({"import", drive.string()});
  INFO(imported.output);
  REQUIRE(imported.exit_code == 0);
  CHECK(w.hub.record_count() == 50);
  CHECK(file_text(operators_file) == "keep me");
  CHECK(w.hub.cli({"kiosks"}).exit_code == 0);  // the hub's database is still a database

  // A folder of the drive that is a link to elsewhere is refused, not written through.
  const fs::path elsewhere = w.scratch.path / "elsewhere";
  fs::create_directories(elsewhere);
  const fs::path drive2 = w.scratch.path / "usb2";
  fs::create_directories(drive2);
  fs::create_directory_symlink(elsewhere, drive2 / "civic-kiosk");
  auto redirected = w.kiosk->sync({"export", drive2.string(), "--not-a-drive"});
  INFO(redirected.output);
  CHECK(redirected.exit_code != kExitOk);
  CHECK_THAT(redirected.output, Catch::Contains("link"));
  CHECK(fs::is_empty(elsewhere));

  // Acks and content come back over the original drive all the same.
  auto acks = w.kiosk->sync({"import-acks", drive.string()});
  INFO(acks.output);
  REQUIRE(acks.exit_code == kExitOk);
  CHECK(kiosk_status(*w.kiosk).acknowledged == 50);
}

TEST_CASE("a hostile drive: a FIFO, a repeated file and a lying folder are refused at once, and the valid "
          "folders beside them are imported",
          "[integration][usb][hostile]") {
  World w;
  const fs::path drive = w.scratch.path / "usb";
  fs::create_directories(drive);
  w.kiosk->write_config("", 1, 40);
  w.kiosk->fill(30);
  REQUIRE(w.kiosk->sync({"export", drive.string(), "--not-a-drive"}).exit_code == kExitOk);

  // A forged kiosk folder: its manifest names one batch file 120 times.
  const fs::path forged = drive / "civic-kiosk" / std::string(32, 'a');
  fs::create_directories(forged);
  {
    nlohmann::json m = {{"format", 1}, {"kiosk_id", std::string(32, 'a')}, {"created_at", 0}, {"batches", nlohmann::json::array()}};
    std::ofstream(forged / "batch-000001.ckb") << std::string(1000, 'x');
    for (int i = 0; i < 120; ++i)
      m["batches"].push_back({{"sequence", 1}, {"file", "batch-000001.ckb"}, {"bytes", 1000}, {"hash", "00"}});
    std::ofstream(forged / "manifest.json") << m.dump();
  }
  // Another whose batch is a FIFO: reading it would wait forever.
  const fs::path fifo_dir = drive / "civic-kiosk" / std::string(32, 'b');
  fs::create_directories(fifo_dir);
  REQUIRE(::mkfifo((fifo_dir / "batch-000001.ckb").c_str(), 0644) == 0);
  std::ofstream(fifo_dir / "manifest.json")
      << nlohmann::json({{"format", 1},
                         {"kiosk_id", std::string(32, 'b')},
                         {"created_at", 0},
                         {"batches", {{{"sequence", 1}, {"file", "batch-000001.ckb"}, {"bytes", 10}, {"hash", "00"}}}}})
             .dump();
  // And a content bundle that is a FIFO.
  REQUIRE(::mkfifo((drive / "civic-kiosk" / "content.ckc").c_str(), 0644) == 0);

  const auto started = std::chrono::steady_clock::now();
  auto imported = w.hub.cli({"import", drive.string()});
  const auto seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  INFO(imported.output);
  CHECK(seconds < 20);
  CHECK(imported.exit_code != 0);  // something was left out, and the operator is told
  CHECK_THAT(imported.output, Catch::Contains("twice"));
  CHECK_THAT(imported.output, Catch::Contains("not a regular file"));
  CHECK(w.hub.record_count() == 30);  // the real kiosk's folder was imported all the same

  // The kiosk reading acks and content from the same drive is not held up by the FIFO either.
  auto acks = w.kiosk->sync({"import-acks", drive.string()});
  INFO(acks.output);
  CHECK_THAT(acks.output, Catch::Contains("not a regular file"));
}

TEST_CASE("a man in the middle who swaps the hub's submission or content key at enrolment is caught",
          "[integration][hostile]") {
  ScratchDir scratch;
  HubProcess hub(scratch.path / "hub");
  hub.init();
  hub.start();
  // The relay passes everything through but replaces a key in the enrolment answer with one of its
  // own: the submission key (to read every resident's record) or the content key (to put its own
  // consultations on the kiosk's screen).
  std::string field, attacker_key;
  SECTION("the submission key") {
    field = "hub_submission_public_key";
    attacker_key = to_hex(generate_seal_key_pair().public_key.bytes);
  }
  SECTION("the content key") {
    field = "hub_content_public_key";
    attacker_key = to_hex(generate_signing_key_pair().public_key.bytes);
  }
  FaultProxy relay(hub.port(), [&](const std::string&, const std::string& path, const std::string& response) {
    if (path != "/v1/enroll") return FaultProxy::Decision{};
    auto j = nlohmann::json::parse(response, nullptr, false);
    if (!j.is_object() || !j.contains(field)) return FaultProxy::Decision{};
    j[field] = attacker_key;
    return FaultProxy::Decision{FaultProxy::Action::kReplaceBody, j.dump()};
  });
  Kiosk k(scratch.path / "kiosk", relay.url());
  auto r = k.sync({"enroll", relay.url(), hub.enrolment_token()});
  INFO(r.output);
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.output, Catch::Contains("altered"));
  CHECK_FALSE(fs::exists(scratch.path / "kiosk" / "hub-submission.pub"));
  CHECK_FALSE(fs::exists(scratch.path / "kiosk" / "hub-content.pub"));
  CHECK_FALSE(fs::exists(scratch.path / "kiosk" / "hub-signing.pub"));
  CHECK(relay.exchanges() >= 1);

  // The same without the swap goes through, and the stored key is the hub's.
  Kiosk direct(scratch.path / "direct", hub.url());
  REQUIRE(direct.sync({"enroll", hub.url(), hub.enrolment_token()}).exit_code == 0);
  CHECK(fs::exists(scratch.path / "direct" / "hub-submission.pub"));
}

TEST_CASE("odd requests get 400 with the reason, never an exception's text, and odd token lifetimes are refused",
          "[integration][hostile]") {
  ScratchDir scratch;
  HubProcess hub(scratch.path / "hub");
  hub.init();
  hub.start();
  auto r = http_get(hub.port(), "/v1/log/proof?receipt=%C3%A9");
  CHECK(r.status == 400);
  CHECK_THAT(r.body, Catch::Contains("receipt codes never contain"));
  CHECK_THAT(r.body, !Catch::Contains("json.exception"));
  for (const char* hours : {"0", "-1", "100000"}) {
    auto t = hub.cli({"enroll-token", "--hours", hours});
    INFO(hours << ": " << t.output);
    CHECK(t.exit_code != 0);
    CHECK_THAT(t.output, Catch::Contains("--hours must be from 1"));
  }
  CHECK(hub.cli({"enroll-token", "--hours", "2"}).exit_code == 0);
}

TEST_CASE("an endless answer is refused as it arrives, not held in memory", "[integration][hostile]") {
  World w;
  // A hub (or whoever answers) that sends 40 MiB where a content bundle is expected.
  FaultProxy relay(w.hub.port(), [](const std::string&, const std::string& path, const std::string&) {
    if (path != "/v1/content") return FaultProxy::Decision{};
    return FaultProxy::Decision{FaultProxy::Action::kReplaceBody, std::string(40 * 1024 * 1024, 'x')};
  });
  w.kiosk->write_config(relay.url());
  auto r = w.kiosk->sync({"run", "--once"});
  INFO(r.output.substr(0, 2000));
  CHECK_THAT(r.output, Catch::Contains("larger than"));
}

TEST_CASE("behind a proxy, guessing from one address does not block a valid token from any address",
          "[integration][hostile]") {
  ScratchDir scratch;
  HubProcess hub(scratch.path / "hub");
  hub.init();
  const fs::path config = scratch.path / "hub.toml";
  std::ofstream(config) << "[enrolment]\nfailed_attempts_per_minute = 5\ntrusted_proxy = \"127.0.0.1\"\n";
  hub.start({"--config", config.string()});
  const std::string bad = R"({"token":"00000000000000000000000000000000-0000000000000000","public_key":")" +
                          std::string(64, '1') + "\"}";
  int limited = 0;
  for (int i = 0; i < 12; ++i) {
    auto r = http_post(hub.port(), "/v1/enroll", bad, "application/json", {{"X-Forwarded-For", "203.0.113.9"}});
    if (r.status == 429) ++limited;
  }
  CHECK(limited >= 6);  // the guesser is limited...
  auto guesser_again = http_post(hub.port(), "/v1/enroll", bad, "application/json",
                                 {{"X-Forwarded-For", "198.51.100.7, 203.0.113.9"}});
  CHECK(guesser_again.status == 429);  // ...by the address the proxy saw, whatever it claims before it
  auto other_typo = http_post(hub.port(), "/v1/enroll", bad, "application/json", {{"X-Forwarded-For", "198.51.100.7"}});
  CHECK(other_typo.status == 400);  // another client's mistake is its own: told what is wrong, not limited
  // ...but another client behind the same proxy, and even a valid token from the guesser's
  // address, still enrol.
  for (const char* from : {"198.51.100.7", "203.0.113.9"}) {
    const auto key = generate_signing_key_pair();
    auto ok = http_post(hub.port(), "/v1/enroll",
                        R"({"token":")" + hub.enrolment_token() + R"(","public_key":")" + to_hex(key.public_key.bytes) +
                            R"(","name":"library"})",
                        "application/json", {{"X-Forwarded-For", from}});
    INFO(from << ": " << ok.body);
    CHECK(ok.status == 200);
  }
  // A flood of guesses is a few event rows, not one per guess.
  auto events = hub.cli({"events"});
  std::size_t rows = 0;
  for (std::size_t at = events.output.find("enrolment-failed"); at != std::string::npos;
       at = events.output.find("enrolment-failed", at + 1))
    ++rows;
  CHECK(rows <= 2);
}

TEST_CASE("the hub never writes a core file (its core size limit is zero) and keeps its signing key in locked memory",
          "[integration][hostile]") {
  ScratchDir scratch;
  HubProcess hub(scratch.path / "hub");
  hub.init();
  // The hub inherits a limit that allows core files (as a shell with 'ulimit -c unlimited' would
  // give it), so only the hub's own setting can make it zero.
  rlimit allowed{};
  ::getrlimit(RLIMIT_CORE, &allowed);
  const rlimit before = allowed;
  allowed.rlim_cur = allowed.rlim_max = RLIM_INFINITY;
  if (::setrlimit(RLIMIT_CORE, &allowed) != 0) {
    allowed = before;
    allowed.rlim_cur = allowed.rlim_max;
    ::setrlimit(RLIMIT_CORE, &allowed);
  }
  REQUIRE(allowed.rlim_cur != 0);
  hub.start();
  ::setrlimit(RLIMIT_CORE, &before);
  // Read from the kernel's own view of the running process.
  const std::string limits = file_text("/proc/" + std::to_string(hub.pid()) + "/limits");
  INFO(limits);
  bool zero = false;
  std::istringstream lines(limits);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("Max core file size", 0) == 0) zero = line.find(" 0 ") != std::string::npos;
  }
  CHECK(zero);
  // The signing key's page is locked (sodium_mlock): never swapped out, excluded from dumps.
  const std::string status = file_text("/proc/" + std::to_string(hub.pid()) + "/status");
  const auto at = status.find("VmLck:");
  REQUIRE(at != std::string::npos);
  CHECK(std::stoul(status.substr(at + 6)) >= 4);
}

TEST_CASE("guessing receipt codes is limited per address, and a real receipt is always proven",
          "[integration][hostile]") {
  World w;
  w.kiosk->fill(3);
  REQUIRE(w.kiosk->sync({"run", "--once"}).exit_code == kExitOk);
  auto ob = Outbox::open_existing(w.kiosk->dir() / "outbox.db");
  REQUIRE(ob.ok());
  auto records = (*ob)->records();
  REQUIRE(records.ok());
  REQUIRE_FALSE(records->empty());
  const std::string real =
      format_receipt_code(make_receipt_code(kiosk_id_from_key(w.kiosk->key().public_key), records->front().record_hash));
  // Codes of the right form that name no record: what someone guessing would send.
  int limited = 0, not_found = 0;
  for (int i = 0; i < 40; ++i) {
    const std::string guess =
        format_receipt_code(make_receipt_code(kiosk_id_from_key(w.kiosk->key().public_key), random_fixed<32>()));
    auto r = http_get(w.hub.port(), "/v1/log/proof?receipt=" + guess);
    if (r.status == 429) ++limited;
    if (r.status == 404) ++not_found;
  }
  CHECK(not_found == static_cast<int>(HubService::kReceiptLookupsPerMinute));
  CHECK(limited == 40 - static_cast<int>(HubService::kReceiptLookupsPerMinute));
  auto proven = http_get(w.hub.port(), "/v1/log/proof?receipt=" + real);
  INFO(proven.body);
  CHECK(proven.status == 200);  // the resident behind the same address is not shut out
  CHECK(w.hub.cli({"receipt", real}).exit_code == 0);  // nor the operator
}

TEST_CASE("two records sharing a receipt code are both proven, each by its own match", "[integration]") {
  World w;
  w.kiosk->fill(3);
  REQUIRE(w.kiosk->sync({"run", "--once"}).exit_code == kExitOk);
  // A collision of the 43.7-bit code, made by hand: the third record gets the first one's code.
  auto edit = run_command({"/usr/bin/sqlite3", (w.hub.state() / "hub.db").string(),
                           "UPDATE records SET receipt = (SELECT receipt FROM records WHERE id = 1) WHERE id = 3; "
                           "SELECT receipt FROM records WHERE id = 1;"});
  REQUIRE(edit.exit_code == 0);
  const std::string code = edit.output.substr(0, edit.output.find('\n'));
  const auto hub_key = w.hub.signing_key().public_key;
  std::vector<std::uint64_t> leaves;
  for (int match : {1, 2}) {
    auto r = http_get(w.hub.port(), "/v1/log/proof?receipt=" + code + "&match=" + std::to_string(match));
    INFO(r.body);
    REQUIRE(r.status == 200);
    auto proof = parse_receipt_proof(r.body);
    REQUIRE(proof.ok());
    CHECK(proof->matches == 2);
    CHECK(proof->match == static_cast<std::uint64_t>(match));
    auto checkpoint = verify_checkpoint(proof->checkpoint, hub_key);
    REQUIRE(checkpoint.ok());
    CHECK(verify_merkle_inclusion(merkle_leaf_hash(proof->record_hash), proof->leaf_index, checkpoint->size,
                                  proof->path, checkpoint->root));
    leaves.push_back(proof->leaf_index);
  }
  CHECK(leaves == std::vector<std::uint64_t>{0, 2});
  auto third = http_get(w.hub.port(), "/v1/log/proof?receipt=" + code + "&match=3");
  CHECK(third.status == 404);
  CHECK_THAT(third.body, Catch::Contains("2 record(s)") && Catch::Contains("match 1 to 2"));
  auto cli = w.hub.cli({"receipt", code, "--match", "2"});
  CHECK(cli.exit_code == 0);
  CHECK_THAT(cli.output, Catch::Contains("2 records share this code") && Catch::Contains("\"leaf_index\": 2"));
}

TEST_CASE("the log grows with every batch: each checkpoint and proof covers every record received", "[integration]") {
  World w;
  const auto hub_key = w.hub.signing_key().public_key;
  for (int round = 1; round <= 3; ++round) {
    w.kiosk->fill(3, "round" + std::to_string(round));
    REQUIRE(w.kiosk->sync({"run", "--once"}).exit_code == kExitOk);
    // The expected tree, built from every record hash in the hub's database by the reference
    // function (not the hub's growing tree).
    auto store = open_sqlite_hub_store(w.hub.state() / "hub.db");
    REQUIRE(store.ok());
    auto records = (*store)->records(0, 1000);
    REQUIRE(records.ok());
    std::vector<Hash32> leaves;
    for (const auto& r : *records) leaves.push_back(merkle_leaf_hash(r.record_hash));
    REQUIRE(leaves.size() == static_cast<std::size_t>(3 * round));
    auto body = http_get(w.hub.port(), "/v1/log/checkpoint").body;
    auto checkpoint = verify_checkpoint(as_bytes(body), hub_key);
    REQUIRE(checkpoint.ok());
    CHECK(checkpoint->size == leaves.size());
    CHECK(checkpoint->root == merkle_root(leaves));
    CHECK(w.hub.record_count() == leaves.size());
    const HubRecord& newest = records->back();
    auto proof = parse_receipt_proof(http_get(w.hub.port(), "/v1/log/proof?receipt=" + newest.receipt).body);
    REQUIRE(proof.ok());
    CHECK(proof->leaf_index == leaves.size() - 1);
    CHECK(proof->path == merkle_inclusion_proof(leaves, leaves.size() - 1));
  }
}

namespace {
LogWitnessState witness_of(const Kiosk& k) {
  auto w = read_log_witness(k.dir());
  REQUIRE(w.ok());
  return *w;
}
std::uint64_t witnessed_size(const Kiosk& k, const SigningPublicKey& hub_key) {
  const auto w = witness_of(k);
  auto c = verify_checkpoint(w.checkpoint, hub_key);
  REQUIRE(c.ok());
  return c->size;
}
// The hub's own database changed behind its back, as a hub rewriting its history would: records
// altered, and its stored log thrown away so that it is built again from them. Then the hub
// restarted and the kiosk pointed at its new port.
void rewrite_hub_history(World& w, const std::string& sql) {
  w.hub.stop();
  {
    auto db = sql::Database::open(w.hub.state() / "hub.db", false, "", "test");
    REQUIRE(db.ok());
    REQUIRE((*db)->exec(sql + "; DELETE FROM log_nodes; DELETE FROM log_entries").ok());
  }
  w.hub.start();
  w.kiosk->write_config(w.hub.url());
  std::ofstream(w.kiosk->config(), std::ios::app) << "retention_days = 0\n";
}
}  // namespace

TEST_CASE("kiosks witness the log: each sync proves it extends the last checkpoint and holds the kiosk's records",
          "[integration][witness]") {
  World w;
  const auto hub_key = w.hub.signing_key().public_key;
  std::ofstream(w.kiosk->config(), std::ios::app) << "retention_days = 0\n";
  Kiosk other(w.scratch.path / "other", w.hub.url());
  other.enroll(w.hub);

  // Before any sync the kiosk has seen nothing; after it, the checkpoint of the log with its records.
  CHECK(witness_of(*w.kiosk).checkpoint.empty());
  w.kiosk->fill(5, "first");
  auto first = w.kiosk->sync({"run", "--once"});
  INFO(first.output);
  REQUIRE(first.exit_code == kExitOk);
  CHECK_THAT(first.output, Catch::Contains("log checked: 5 entries, extending the 0 seen before, with the 5 records"));
  CHECK(witnessed_size(*w.kiosk, hub_key) == 5);
  CHECK(witness_of(*w.kiosk).witnessed_position == 5);
  CHECK(kiosk_status(*w.kiosk).acknowledged == 0);  // proven, so pruned (retention 0)
  // An auditor keeps today's checkpoint, to check tomorrow's log against it.
  const auto old_checkpoint = w.scratch.path / "checkpoint-5.ckcp";
  REQUIRE(w.hub.cli({"log", "checkpoint", "--out", old_checkpoint.string()}).exit_code == kExitOk);

  other.fill(3, "other");
  REQUIRE(other.sync({"run", "--once"}).exit_code == kExitOk);
  auto again = w.kiosk->sync({"run", "--once"});
  INFO(again.output);
  REQUIRE(again.exit_code == kExitOk);
  CHECK_THAT(again.output, Catch::Contains("log checked: 8 entries, extending the 5 seen before, with the 0 records"));
  CHECK(witnessed_size(*w.kiosk, hub_key) == 8);

  // The consistency proof the kiosk was given, recomputed from the hub's records by the reference
  // functions (not the hub's growing tree).
  auto reply = http_get(w.hub.port(), "/v1/log/consistency?from=5");
  REQUIRE(reply.status == 200);
  auto proof = parse_consistency_proof(reply.body);
  REQUIRE(proof.ok());
  {
    auto store = open_sqlite_hub_store(w.hub.state() / "hub.db");
    REQUIRE(store.ok());
    auto records = (*store)->records(0, 100);
    REQUIRE(records.ok());
    std::vector<Hash32> leaves;
    for (const auto& r : *records) leaves.push_back(merkle_leaf_hash(r.record_hash));
    CHECK(proof->path == merkle_consistency_proof(leaves, 5));
  }
  const auto audit = [&](const std::string& from, const fs::path& checkpoint) {
    const auto proof_file = w.scratch.path / "consistency.json";
    REQUIRE(w.hub.cli({"log", "consistency", "--from", from, "--out", proof_file.string()}).exit_code == kExitOk);
    return run_command({std::string(CIVIC_BINARY_DIR) + "/sync/civic-verify-receipt", proof_file.string(),
                        (w.kiosk->dir() / "hub-signing.pub").string(), checkpoint.string()});
  };
  const auto audited = audit("5", old_checkpoint);
  const auto checkpoint_8 = w.scratch.path / "checkpoint-8.ckcp";
  REQUIRE(w.hub.cli({"log", "checkpoint", "--out", checkpoint_8.string()}).exit_code == kExitOk);
  INFO(audited.output);
  CHECK(audited.exit_code == kExitOk);
  CHECK_THAT(audited.output, Catch::Contains("log of 8 entries") && Catch::Contains("extends its log of 5 entries"));
  CHECK(http_get(w.hub.port(), "/v1/log/consistency?from=9").status == 409);
  CHECK(http_get(w.hub.port(), "/v1/log/consistency?from=2&to=9").status == 404);
  CHECK(http_get(w.hub.port(), "/v1/log/consistency?from=x").status == 400);
  CHECK(http_get(w.hub.port(), "/v1/log/consistency").status == 400);

  SECTION("a hub that rewrites an entry of its history is caught, and the kiosk keeps its records") {
    w.kiosk->fill(2, "after");
    // Another kiosk's record, already in the checkpoint this kiosk holds, replaced.
    rewrite_hub_history(w, "UPDATE records SET record_hash = randomblob(32) WHERE id = 7");
    auto r = w.kiosk->sync({"run", "--once"});
    INFO(r.output);
    CHECK(r.exit_code == kExitDataError);
    CHECK_THAT(r.output, Catch::Contains("REFUSED the hub's transparency log") &&
                             Catch::Contains("does not extend the log of 8 entries"));
    const auto witness = witness_of(*w.kiosk);
    CHECK(witness.refused_at != 0);
    CHECK_THAT(witness.refused_reason, Catch::Contains("history was rewritten"));
    CHECK(witnessed_size(*w.kiosk, hub_key) == 8);  // the old checkpoint kept
    // The auditor's older checkpoint catches it offline too.
    const auto refused_audit = audit("8", checkpoint_8);
    CHECK(refused_audit.exit_code == kExitFailure);
    CHECK_THAT(refused_audit.output, Catch::Contains("NOT VERIFIED") && Catch::Contains("history was rewritten"));
    CHECK(kiosk_status(*w.kiosk).acknowledged == 2);  // acknowledged, never shown in the log: kept
    // The staff's health report carries it to the hub's operators.
    auto store = open_sqlite_hub_store(w.hub.state() / "hub.db");
    REQUIRE(store.ok());
    auto reports = (*store)->health_reports(kiosk_id_from_key(w.kiosk->key().public_key), 1);
    REQUIRE(reports.ok());
    REQUIRE(!reports->empty());
    CHECK_THAT(reports->front().report.last_sync_error, Catch::Contains("REFUSED the hub's transparency log"));
    // Still refused at the next sync: the kiosk never adopts the rewritten log.
    auto next = w.kiosk->sync({"run", "--once"});
    CHECK(next.exit_code == kExitDataError);
    CHECK(witnessed_size(*w.kiosk, hub_key) == 8);
  }
  SECTION("a hub that forgets records (its log shrinks) is caught") {
    rewrite_hub_history(w, "DELETE FROM records WHERE id = 8");
    auto r = w.kiosk->sync({"run", "--once"});
    INFO(r.output);
    CHECK(r.exit_code == kExitDataError);
    CHECK_THAT(r.output, Catch::Contains("shrank below the 8 entries"));
  }
  SECTION("a hub that acknowledges a record and leaves it out of its log is caught") {
    // The batch is stored and acknowledged; before the log takes it in, the hub's record is
    // replaced. The log only grew, so the consistency proof passes: the inclusion check does not.
    w.kiosk->fill(1, "dropped");
    FaultProxy proxy(w.hub.port(), [&](const std::string& method, const std::string& path, const std::string&) {
      if (method == "POST" && path == "/v1/batches") {
        auto db = sql::Database::open(w.hub.state() / "hub.db", false, "", "test");
        if (db.ok()) (void)(*db)->exec("UPDATE records SET record_hash = randomblob(32) WHERE id = 9");
      }
      return FaultProxy::Decision{};
    });
    w.kiosk->write_config(proxy.url());
    std::ofstream(w.kiosk->config(), std::ios::app) << "retention_days = 0\n";
    auto r = w.kiosk->sync({"run", "--once"});
    INFO(r.output);
    CHECK(r.exit_code == kExitDataError);
    CHECK_THAT(r.output, Catch::Contains("this kiosk's record 6, acknowledged by the hub, is not in its log"));
    CHECK(witness_of(*w.kiosk).witnessed_position == 5);
    CHECK(kiosk_status(*w.kiosk).acknowledged == 1);
  }
}

TEST_CASE("kiosks witness the log over a drive too: the hub answers the request the export carried",
          "[integration][witness][usb]") {
  World w;
  const auto hub_key = w.hub.signing_key().public_key;
  const fs::path drive = w.scratch.path / "usb";
  fs::create_directories(drive);
  w.kiosk->write_config("", 1, 40);  // USB only
  std::ofstream(w.kiosk->config(), std::ios::app) << "retention_days = 0\n";
  w.kiosk->fill(10);
  REQUIRE(w.kiosk->sync({"export", drive.string(), "--not-a-drive"}).exit_code == kExitOk);
  auto imported = w.hub.cli({"import", drive.string()});
  INFO(imported.output);
  CHECK_THAT(imported.output, Catch::Contains("answered 1 kiosk(s)' check of the transparency log"));
  auto acks = w.kiosk->sync({"import-acks", drive.string()});
  INFO(acks.output);
  REQUIRE(acks.exit_code == kExitOk);
  CHECK_THAT(acks.output, Catch::Contains("the hub's log checked: 10 entries, extending the 0 seen before, with the "
                                          "10 records acknowledged since"));
  CHECK(witnessed_size(*w.kiosk, hub_key) == 10);
  CHECK(witness_of(*w.kiosk).witnessed_position == 10);
  CHECK(kiosk_status(*w.kiosk).acknowledged == 0);  // shown in the log, so pruned (retention 0)

  SECTION("an export whose batches the hub never imported: nothing is refused, nothing is pruned") {
    w.kiosk->fill(3);
    REQUIRE(w.kiosk->sync({"export", drive.string(), "--not-a-drive"}).exit_code == kExitOk);
    auto again = w.kiosk->sync({"import-acks", drive.string()});
    INFO(again.output);
    CHECK(again.exit_code == kExitOk);
    CHECK_THAT(again.output, Catch::Contains("the drive's answer is for another request") ||
                                 Catch::Contains("the drive carries no answer"));
    CHECK(witness_of(*w.kiosk).refused_at == 0);
  }
  SECTION("a hub that rewrote its history is caught at import-acks") {
    w.kiosk->fill(5);
    REQUIRE(w.kiosk->sync({"export", drive.string(), "--not-a-drive"}).exit_code == kExitOk);
    rewrite_hub_history(w, "UPDATE records SET record_hash = randomblob(32) WHERE id = 4");
    w.kiosk->write_config("", 1, 40);
    std::ofstream(w.kiosk->config(), std::ios::app) << "retention_days = 0\n";
    REQUIRE(w.hub.cli({"import", drive.string()}).exit_code == kExitOk);
    auto refused = w.kiosk->sync({"import-acks", drive.string()});
    INFO(refused.output);
    CHECK(refused.exit_code == kExitDataError);
    CHECK_THAT(refused.output, Catch::Contains("REFUSED the hub's transparency log") &&
                                   Catch::Contains("does not extend the log of 10 entries"));
    CHECK(witnessed_size(*w.kiosk, hub_key) == 10);
    CHECK(kiosk_status(*w.kiosk).acknowledged == 5);  // acknowledged, not shown in a log it trusts: kept
  }
}

TEST_CASE("operator mistakes get a clear refusal: a folder as the consultations file, export to a plain folder, a second serve",
          "[integration]") {
  World w;
  SECTION("content publish given a folder") {
    auto r = w.hub.cli({"content", "publish", "--key", w.hub.content_key_path().string(), w.scratch.path.string()});
    INFO(r.output);
    CHECK(r.exit_code != 0);
    CHECK(r.exit_code != 134);  // not a crash
    CHECK_THAT(r.output, Catch::Contains("is not a file"));
  }
  SECTION("export to a folder that is not a mounted drive, or to no folder at all") {
    w.kiosk->fill(2);
    const fs::path folder = w.scratch.path / "not-a-drive";
    fs::create_directories(folder);
    auto r = w.kiosk->sync({"export", folder.string()});
    INFO(r.output);
    CHECK(r.exit_code != 0);
    CHECK_THAT(r.output, Catch::Contains("not a mounted drive") && Catch::Contains("--not-a-drive"));
    CHECK(fs::is_empty(folder));  // nothing written, nothing claimed "written and verified"
    auto missing = w.kiosk->sync({"export", (w.scratch.path / "no-such-drive").string()});
    CHECK(missing.exit_code != 0);
    CHECK_THAT(missing.output, Catch::Contains("does not exist"));
    CHECK_FALSE(fs::exists(w.scratch.path / "no-such-drive"));
    CHECK(kiosk_status(*w.kiosk).pending == 2);
    // A real mount point passes the check: / is one on every machine.
    CHECK(civic::check_drive_mount_point("/").ok());
  }
  SECTION("a second serve on the same state directory") {
    auto r = run_command({CIVIC_HUB_BIN, "--state", w.hub.state().string(), "serve", "--port", "0"}, 10);
    INFO(r.output);
    CHECK(r.exit_code != 0);
    CHECK_THAT(r.output, Catch::Contains("already running"));
    CHECK(http_get(w.hub.port(), "/v1/health").status == 200);  // the first one still serves
  }
}

TEST_CASE("a revoked kiosk has a way out: it says what to do, and --discard-unsent wipes it saying what is lost",
          "[integration]") {
  World w;
  w.kiosk->fill(4);
  const std::string id = to_hex(kiosk_id_from_key(w.kiosk->key().public_key));
  REQUIRE(w.hub.cli({"kiosks", "revoke", id, "--yes"}).exit_code == 0);
  CHECK(w.kiosk->sync({"run", "--once"}).exit_code == kExitNoPermission);  // the hub will not take them
  auto refused = w.kiosk->sync({"decommission", "--yes"});
  INFO(refused.output);
  CHECK(refused.exit_code != kExitOk);
  CHECK_THAT(refused.output, Catch::Contains("civic-sync export") && Catch::Contains("--discard-unsent"));
  CHECK(std::filesystem::exists(w.kiosk->dir() / "kiosk-signing.key"));
  // The records can still be handed over on a drive before the kiosk is wiped.
  const fs::path drive = w.scratch.path / "handover";
  fs::create_directories(drive);
  REQUIRE(w.kiosk->sync({"export", drive.string(), "--not-a-drive"}).exit_code == kExitOk);
  CHECK(fs::exists(drive / "civic-kiosk" / id / "manifest.json"));
  auto wiped = w.kiosk->sync({"decommission", "--yes", "--discard-unsent"});
  INFO(wiped.output);
  REQUIRE(wiped.exit_code == kExitOk);
  CHECK_THAT(wiped.output, Catch::Contains("4 record(s) that never reached the hub were discarded") &&
                               Catch::Contains("decommissioned kiosk " + id));
  CHECK_FALSE(std::filesystem::exists(w.kiosk->dir() / "kiosk-signing.key"));
  CHECK_FALSE(std::filesystem::exists(w.kiosk->dir() / "outbox.db"));
}

TEST_CASE("every program answers --help and --version with exit 0, and a wrong command line with exit 2",
          "[integration]") {
  const std::string bin = CIVIC_BINARY_DIR;
  for (const std::string& program :
       {std::string(CIVIC_HUB_BIN), std::string(CIVIC_SYNC_BIN), bin + "/sync/civic-verify-receipt",
        bin + "/sync/tools/civic-outbox", bin + "/kiosk/civic-kiosk"}) {
    INFO(program);
    auto help = run_command({program, "--help"}, 10);
    CHECK(help.exit_code == kExitOk);
    CHECK_THAT(help.output, Catch::Contains("sage"));  // "Usage" or "usage"
    auto version = run_command({program, "--version"}, 10);
    CHECK(version.exit_code == kExitOk);
    const std::string name = std::filesystem::path(program).filename().string();
    CHECK(version.output == name + " " + civic_version() + "\n");
    CHECK(run_command({program, "--no-such-option"}, 10).exit_code == kExitUsage);
  }
  // A mistyped word gets a suggestion, and the help shows defaults.
  auto typo = run_command({CIVIC_HUB_BIN, "contnet", "show"}, 10);
  CHECK(typo.exit_code == kExitUsage);
  CHECK_THAT(typo.output, Catch::Contains("did you mean 'content'?"));
  auto action = run_command({CIVIC_HUB_BIN, "moderate", "aprove", "m-1"}, 10);
  CHECK(action.exit_code == kExitUsage);
  CHECK_THAT(action.output, Catch::Contains("did you mean 'approve'?"));
  auto option = run_command({CIVIC_SYNC_BIN, "export", "/tmp", "--not-a-driv"}, 10);
  CHECK(option.exit_code == kExitUsage);
  CHECK_THAT(option.output, Catch::Contains("did you mean '--not-a-drive'?"));
  CHECK_THAT(run_command({CIVIC_HUB_BIN, "tally", "--help"}, 10).output, Catch::Contains("--out TEXT=results"));
  CHECK_THAT(run_command({bin + "/sync/tools/civic-outbox", "stauts", "x.db"}, 10).output,
             Catch::Contains("did you mean 'status'?"));
}

TEST_CASE("closest_word suggests only near misses") {
  CHECK(closest_word("contnet", {"content", "kiosks"}) == std::optional<std::string>("content"));
  CHECK(closest_word("content", {"content", "contents"}) == std::nullopt);  // typed right
  CHECK(closest_word("xyz", {"tally", "log"}) == std::nullopt);
  CHECK(closest_word("lg", {"log"}) == std::nullopt);  // one edit of two letters is a guess, not a typo
}

TEST_CASE("enroll-token prints the whole command for the kiosk, and revoking asks for --yes", "[integration]") {
  World w;
  auto token = run_command({CIVIC_HUB_BIN, "--state", w.hub.state().string(), "enroll-token", "--label", "library",
                            "--url", "https://hub.example.org"});
  REQUIRE(token.exit_code == 0);
  std::string printed;  // the token: the line of its own (stdout; the note is on stderr)
  std::istringstream lines(token.output);
  for (std::string line; std::getline(lines, line);)
    if (parse_enrolment_token(line).ok()) printed = line;
  REQUIRE(!printed.empty());
  CHECK_THAT(token.output, Catch::Contains("civic-sync enroll https://hub.example.org " + printed));
  const std::string id = to_hex(kiosk_id_from_key(w.kiosk->key().public_key));
  auto unconfirmed = w.hub.cli({"kiosks", "revoke", id});
  CHECK(unconfirmed.exit_code != 0);
  CHECK_THAT(unconfirmed.output, Catch::Contains("cannot be undone") && Catch::Contains("--yes"));
  w.kiosk->fill(1);
  CHECK(w.kiosk->sync({"run", "--once"}).exit_code == kExitOk);  // still enrolled
  CHECK(w.hub.cli({"kiosks", "revoke", id, "--yes"}).exit_code == 0);
}

TEST_CASE("content publish lists every error of a consultations file with its line and changes nothing",
          "[integration]") {
  World w;
  publish_demo_content(w);
  auto before = w.hub.cli({"content", "show"});
  REQUIRE(before.exit_code == kExitOk);
  const std::filesystem::path file = w.hub.state() / "consultations.json";
  std::ofstream(file) << "{\"format\": 1,\n \"consultations\": [\n  {\"id\": \"a\", \"title\": {\"en\": \"t\"},\n"
                         "   \"summary\": {\"en\": \"s\"}, \"body\": {\"en\": \"b\"},\n   \"closes_on\": 5,\n"
                         "   \"ideas\": [{\"id\": \"r-1\", \"text\": {\"en\": \"x\"}}]}]}\n";
  auto refused = w.hub.cli({"content", "publish", "--key", w.hub.content_key_path().string(), file.string()});
  CHECK(refused.exit_code == kExitConfig);
  CHECK_THAT(refused.output, Catch::Contains(file.string() + ":5: error at /consultations/0/closes_on:") &&
                                 Catch::Contains(file.string() + ":6: error at /consultations/0/ideas/0/id:") &&
                                 Catch::Contains("has 2 error(s)") && Catch::Contains("nothing was published"));
  CHECK(w.hub.cli({"content", "show"}).output == before.output);
  auto checked = run_command({CIVIC_HUB_BIN, "content", "check", file.string()});  // no hub state needed
  CHECK(checked.exit_code == kExitConfig);
  CHECK_THAT(checked.output, Catch::Contains(":5: error at /consultations/0/closes_on:"));
  auto demo = run_command({CIVIC_HUB_BIN, "content", "check", std::string(CIVIC_SOURCE_DIR) + "/assets/demo/content.json"});
  CHECK(demo.exit_code == kExitOk);
}

TEST_CASE("operator mistakes are answered with what to do", "[integration]") {
  World w;
  // No hub where --state points.
  auto nowhere = run_command({CIVIC_HUB_BIN, "--state", (w.hub.state() / "typo").string(), "events"});
  CHECK(nowhere.exit_code == kExitConfig);
  CHECK_THAT(nowhere.output, Catch::Contains("there is no hub in") && Catch::Contains("civic-hub --state DIR init"));
  // The public key where the secret one belongs: named as such, not "chmod 600".
  auto public_key = w.hub.cli({"moderate", "--key", (w.hub.state() / "hub-submission.pub").string()});
  CHECK(public_key.exit_code == kExitConfig);
  CHECK_THAT(public_key.output, Catch::Contains("holds a hub submission public key") && !Catch::Contains("chmod"));
  // init by hand under a permissive umask still leaves the state private.
  const mode_t old_umask = ::umask(022);
  const std::filesystem::path fresh = w.hub.state().parent_path() / "fresh-hub";
  auto init = run_command({CIVIC_HUB_BIN, "--state", fresh.string(), "init"});
  ::umask(old_umask);
  REQUIRE(init.exit_code == kExitOk);
  CHECK((std::filesystem::status(fresh).permissions() & std::filesystem::perms::all) ==
        std::filesystem::perms::owner_all);
  CHECK((std::filesystem::status(fresh / "offline").permissions() & std::filesystem::perms::all) ==
        std::filesystem::perms::owner_all);
  // https:// to a hub that speaks plain HTTP is explained, not left as OpenSSL's words alone.
  Kiosk second(w.scratch.path / "second-kiosk", w.hub.url());
  auto tls = second.sync({"enroll", "https://127.0.0.1:" + std::to_string(w.hub.port()), w.hub.enrolment_token()});
  CHECK(tls.exit_code == kExitTempFail);
  CHECK_THAT(tls.output, Catch::Contains("answers in plain HTTP, not HTTPS"));
}

TEST_CASE("listings with --json give scripts what the tables show", "[integration]") {
  World w;
  publish_demo_content(w);
  w.kiosk->fill(5);
  REQUIRE(w.kiosk->sync({"run", "--once"}).exit_code == kExitOk);
  auto parse = [](const CommandResult& r) {
    INFO(r.output);
    REQUIRE(r.exit_code == kExitOk);
    return nlohmann::json::parse(r.output);  // stdout and stderr together: nothing may be on stderr
  };
  const auto status = parse(w.kiosk->sync({"status", "--json"}));
  CHECK(status["pending"] == 0);
  CHECK(status["acknowledged"] == 5);
  CHECK(status["last_sync_success_at"].is_number());
  const std::string id = status["kiosk"];

  const auto kiosks = parse(w.hub.cli({"kiosks", "--json"}));
  REQUIRE(kiosks.size() == 1);
  CHECK(kiosks[0]["id"] == id);  // the kiosk's own account and the hub's agree
  CHECK(kiosks[0]["records"] == 5);
  CHECK(kiosks[0]["status"] == "active");
  CHECK(kiosks[0]["revoked_at"].is_null());
  const auto shown = parse(w.hub.cli({"kiosks", "show", id, "--json"}));
  CHECK(shown["contiguous_position"] == 5);
  CHECK(shown["key_fingerprint"].is_string());
  // The table says the same.
  CHECK_THAT(w.hub.cli({"kiosks"}).output, Catch::Contains(id) && Catch::Contains("active"));

  CHECK(parse(w.hub.cli({"events", "--json"})).is_array());
  CHECK(parse(w.hub.cli({"moderate", "log", "--json"})) == nlohmann::json::array());
  const std::string key = (w.hub.state() / "offline" / "hub-submission.key").string();
  const auto queue = parse(w.hub.cli({"moderate", "--key", key, "--json"}));
  REQUIRE(queue.is_array());
  const auto tallied =
      parse(w.hub.cli({"tally", "--key", key, "--out", (w.scratch.path / "results").string(), "--json"}));
  CHECK(tallied["records"] == 5);
  CHECK(tallied["consultations"].is_array());
  CHECK(tallied["anomalies"].is_array());
  REQUIRE(w.hub.cli({"kiosks", "revoke", id, "--yes"}).exit_code == kExitOk);
  CHECK(parse(w.hub.cli({"kiosks", "--json"}))[0]["status"] == "revoked");
}

TEST_CASE("a revoked kiosk's hand-over by USB waits for an operator, and results name revoked kiosks' records",
          "[integration]") {
  World w;
  publish_demo_content(w);
  const std::string id = to_hex(kiosk_id_from_key(w.kiosk->key().public_key));
  auto records_at_hub = [&w](const std::string& kiosk) {
    for (const auto& k : nlohmann::json::parse(w.hub.cli({"kiosks", "--json"}).output)) {
      if (k["id"] == kiosk) return k["records"].get<int>();
    }
    return -1;
  };
  auto held = [&w] { return nlohmann::json::parse(w.hub.cli({"held", "--json"}).output); };
  w.kiosk->fill(3);
  REQUIRE(w.kiosk->sync({"run", "--once"}).exit_code == kExitOk);  // accepted before the revocation
  w.kiosk->fill(4);
  REQUIRE(w.hub.cli({"kiosks", "revoke", id, "--yes"}).exit_code == kExitOk);
  const fs::path drive = w.scratch.path / "handover";
  fs::create_directories(drive);
  REQUIRE(w.kiosk->sync({"export", drive.string(), "--not-a-drive"}).exit_code == kExitOk);

  auto imported = w.hub.cli({"import", drive.string()});
  INFO(imported.output);
  CHECK(imported.exit_code == kExitOk);
  CHECK_THAT(imported.output, Catch::Contains("held for an operator's decision"));
  CHECK(read_usb_acks(drive, kiosk_id_from_key(w.kiosk->key().public_key))->empty());  // nothing acknowledged
  CHECK(records_at_hub(id) == 3);
  REQUIRE(w.hub.cli({"import", drive.string()}).exit_code == kExitOk);  // twice: held once
  auto waiting = held();
  REQUIRE(waiting.size() == 1);
  CHECK(waiting[0]["kiosk"] == id);
  CHECK(waiting[0]["records"] == 4);
  const std::string held_id = std::to_string(waiting[0]["id"].get<int>());
  // Over the network it is still refused.
  CHECK(w.kiosk->sync({"run", "--once"}).exit_code == kExitNoPermission);

  CHECK(w.hub.cli({"held", "accept", held_id}).exit_code == kExitConfig);  // a reason is required
  auto accepted = w.hub.cli({"held", "accept", held_id, "--reason", "stolen after closing; records checked", "--by",
                             "ana"});
  INFO(accepted.output);
  REQUIRE(accepted.exit_code == kExitOk);
  CHECK(records_at_hub(id) == 7);
  CHECK(held().empty());
  CHECK_THAT(w.hub.cli({"events"}).output, Catch::Contains("held-accepted") && Catch::Contains("by ana"));
  // The drive again: already stored, so acks go back and nothing is held or counted twice.
  REQUIRE(w.hub.cli({"import", drive.string()}).exit_code == kExitOk);
  CHECK(held().empty());
  CHECK(records_at_hub(id) == 7);
  CHECK_FALSE(read_usb_acks(drive, kiosk_id_from_key(w.kiosk->key().public_key))->empty());

  const std::string key = (w.hub.state() / "offline" / "hub-submission.key").string();
  const fs::path out = w.scratch.path / "results";
  auto counted = w.hub.cli({"tally", "--key", key, "--out", out.string(), "--json"});
  REQUIRE(counted.exit_code == kExitOk);
  const auto summary = nlohmann::json::parse(counted.output);
  REQUIRE(summary["revoked_kiosks"].size() == 1);
  CHECK(summary["revoked_kiosks"][0]["kiosk"] == id);
  CHECK(summary["revoked_kiosks"][0]["records"] == 7);
  CHECK(summary["revoked_kiosks"][0]["counted"] == true);
  std::ifstream results_file(out / "results.json");
  const auto results = nlohmann::json::parse(results_file);
  CHECK(results["revoked_kiosks"][0]["records"] == 7);
  std::ifstream report_file(out / "report.html");
  const std::string report((std::istreambuf_iterator<char>(report_file)), std::istreambuf_iterator<char>());
  CHECK_THAT(report, Catch::Contains("Records from kiosks since revoked") && Catch::Contains(id));
  auto participants = [](const nlohmann::json& s) {
    int n = 0;
    for (const auto& c : s["consultations"]) n += c["participants"].get<int>();
    return n;
  };
  auto excluded = w.hub.cli({"tally", "--key", key, "--out", out.string(), "--json", "--exclude-revoked"});
  REQUIRE(excluded.exit_code == kExitOk);
  const auto without = nlohmann::json::parse(excluded.output);
  CHECK(without["revoked_kiosks"][0]["counted"] == false);
  CHECK(participants(summary) > 0);
  CHECK(participants(without) == 0);  // every record came from the revoked kiosk

  // Another revoked kiosk's hand-over, discarded.
  Kiosk second(w.scratch.path / "second", w.hub.url());
  second.enroll(w.hub);
  second.fill(2);
  const std::string second_id = to_hex(kiosk_id_from_key(second.key().public_key));
  REQUIRE(w.hub.cli({"kiosks", "revoke", second_id, "--yes"}).exit_code == kExitOk);
  const fs::path drive2 = w.scratch.path / "handover2";
  fs::create_directories(drive2);
  REQUIRE(second.sync({"export", drive2.string(), "--not-a-drive"}).exit_code == kExitOk);
  REQUIRE(w.hub.cli({"import", drive2.string()}).exit_code == kExitOk);
  REQUIRE(held().size() == 1);
  REQUIRE(w.hub.cli({"held", "discard", std::to_string(held()[0]["id"].get<int>()), "--reason", "unreliable"})
              .exit_code == kExitOk);
  CHECK(held().empty());
  CHECK(records_at_hub(second_id) == 0);
  CHECK_THAT(w.hub.cli({"events"}).output, Catch::Contains("held-discarded"));
}

TEST_CASE("content publish refused for its key leaves the published consultations as they were", "[integration]") {
  World w;
  publish_demo_content(w);
  const auto before = w.hub.cli({"content", "show"});
  REQUIRE(before.exit_code == kExitOk);
  const std::filesystem::path file = w.hub.state() / "other.json";
  std::ofstream(file) << R"({"format": 1, "consultations": [{"id": "other", "title": {"en": "t"},
                            "summary": {"en": "s"}, "body": {"en": "b"}}]})";
  // The public content key, and a key file that is not there: refused, and nothing changed.
  for (const auto& key : {w.hub.state() / "hub-content.pub", w.hub.state() / "no-such.key"}) {
    INFO(key);
    CHECK(w.hub.cli({"content", "publish", "--key", key.string(), file.string()}).exit_code != kExitOk);
    CHECK(w.hub.cli({"content", "show"}).output == before.output);
  }
}
