// The moderation round trip with real processes: a resident's idea typed on the kiosk's screens
// is sealed, synced, decrypted for moderation, redacted and approved (another is rejected),
// published in the next content bundle, shown on the kiosk, voted on, synced and counted. Then
// the resident's receipt code gets an inclusion proof that the offline verifier accepts, and the
// HTML report renders in headless Chromium with its charts.
#include <catch2/catch.hpp>

#include <ctime>
#include <fstream>
#include <sstream>
#include <nlohmann/json.hpp>
#include <regex>

#include "kiosk/app/store.h"
#include "sync/transparency/receipt_proof.h"
#include "tests/kiosk/ui_harness.h"
#include "tests/sync/harness.h"

using namespace civic;
using namespace civic::test;
namespace fs = std::filesystem;

namespace {

std::uint64_t now() {
  return static_cast<std::uint64_t>(std::time(nullptr));
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// One resident on the kiosk's real screens: an idea, optionally a support vote, confirm; the
// kiosk's store seals and appends it. Returns the receipt code shown on the thank-you screen.
std::string resident(kiosk::KioskStore& store, const Content& content, const std::string& idea,
                     const std::string& support = "") {
  HeadlessKiosk k(content);
  for (const char* id : {"attract.start", "language.en", "consultation.parks-2026", "nav.next"})
    REQUIRE(k.tap(id));
  REQUIRE(k.session().screen() == kiosk::Screen::kIdea);
  if (!idea.empty()) k.type(idea);
  REQUIRE(k.tap(idea.empty() ? "nav.skip" : "nav.next"));
  REQUIRE(k.session().screen() == kiosk::Screen::kVote);
  if (!support.empty()) {
    // The idea is shown on the kiosk: scroll down until its button is on screen.
    for (int i = 0; i < 20 && !k.tree().find(support + ".support"); ++i) REQUIRE(k.tap("list.down"));
    REQUIRE(k.tap(support + ".support"));
  }
  REQUIRE(k.tap(support.empty() ? "nav.skip" : "nav.next"));
  REQUIRE(k.tap("nav.skip"));  // about you
  REQUIRE(k.tap("nav.confirm"));
  auto submission = k.session().take_submission_to_store();
  REQUIRE(submission);
  auto receipt = store.store(*submission, now());
  REQUIRE(receipt.ok());
  k.session().store_succeeded(*receipt);
  return *receipt;
}

}  // namespace

TEST_CASE(
    "idea at the kiosk, moderated, published, voted on and counted, its receipt proven and the report "
    "rendered",
    "[integration][results]") {
  ScratchDir scratch;
  HubProcess hub(scratch.path / "hub");
  hub.init();
  hub.start();
  REQUIRE(hub.cli({"content", "publish", "--key", hub.content_key_path().string(), std::string(CIVIC_SOURCE_DIR) + "/assets/demo/content.json"})
              .exit_code == 0);
  Kiosk kiosk(scratch.path / "kiosk", hub.url());
  kiosk.enroll(hub);
  REQUIRE(kiosk.sync({"run", "--once"}).exit_code == 0);

  auto config = load_kiosk_config(kiosk.config());
  REQUIRE(config.ok());
  auto store = kiosk::KioskStore::open(*config);
  REQUIRE(store.ok());
  auto content = (*store)->content(now());
  REQUIRE(content.ok());
  const std::string receipt = resident(**store, *content, "Free water bottle refills");
  resident(**store, *content, "Call me on 555 1234");
  REQUIRE(kiosk.sync({"run", "--once"}).exit_code == 0);

  // Moderation: both ideas are listed, decrypted with the offline key.
  const std::string key = (hub.state() / "offline" / "hub-submission.key").string();
  auto queue = hub.cli({"moderate", "--key", key});
  REQUIRE(queue.exit_code == 0);
  INFO(queue.output);
  std::smatch m;
  REQUIRE(std::regex_search(queue.output, m, std::regex("(m-[0-9a-f]{8}) .*Free water bottle refills")));
  const std::string good = m[1];
  REQUIRE(std::regex_search(queue.output, m, std::regex("(m-[0-9a-f]{8}) .*Call me on 555 1234")));
  const std::string personal = m[1];
  // Nothing to read without the key; a wrong decision is refused with a reason to act on.
  CHECK(hub.cli({"moderate"}).exit_code != 0);
  CHECK(hub.cli({"moderate", "reject", personal}).output.find("reason") != std::string::npos);
  CHECK(hub.cli({"moderate", "approve", good, "--key", key, "--redact", "not in it"}).exit_code != 0);
  REQUIRE(hub.cli({"moderate", "approve", good, "--key", key, "--redact", "bottle "}).exit_code == 0);
  REQUIRE(hub.cli({"moderate", "reject", personal, "--reason", "personal information", "--by", "alice"}).exit_code == 0);
  // Decisions are final: approving the rejected idea needs --reopen and a reason.
  auto again = hub.cli({"moderate", "approve", personal, "--key", key});
  CHECK(again.exit_code != 0);
  CHECK_THAT(again.output, Catch::Contains("decisions are final"));
  auto log = hub.cli({"moderate", "log"});
  CHECK_THAT(log.output, Catch::Contains("approved (redacted)") &&
                             Catch::Contains("rejected") && Catch::Contains("by alice: personal information"));
  CHECK(hub.cli({"moderate", "--key", key}).output.find("no ideas are waiting") != std::string::npos);
  // The hub's database holds the approved text only, never the rejected one.
  const std::string db = read_file(hub.state() / "hub.db") + read_file(hub.state() / "hub.db-wal");
  CHECK(db.find("555 1234") == std::string::npos);

  // Published: the next bundle carries the approved idea (redacted), not the rejected one.
  REQUIRE(hub.cli({"content", "publish", "--key", hub.content_key_path().string()}).exit_code == 0);
  const std::string next = hub.cli({"content", "show"}).output;
  CHECK(next.find("Free water […]refills") != std::string::npos);
  CHECK(next.find("555") == std::string::npos);
  const std::string idea_id = "r-" + good.substr(2);
  REQUIRE(kiosk.sync({"run", "--once"}).exit_code == 0);
  auto fresh = (*store)->content(now());
  REQUIRE(fresh.ok());
  const Consultation* parks = fresh->consultation("parks-2026");
  REQUIRE(parks);
  REQUIRE(
      std::any_of(parks->ideas.begin(), parks->ideas.end(), [&](const Idea& i) { return i.id == idea_id; }));

  // Another resident sees it on the vote screen and supports it; it is counted once.
  resident(**store, *fresh, "", idea_id);
  REQUIRE(kiosk.sync({"run", "--once"}).exit_code == 0);
  const fs::path out = scratch.path / "results";
  // Typos are refused with the valid names, never an empty result or a silent score of 0.
  auto typo = hub.cli({"tally", "--key", key, "--out", out.string(), "--consultation", "parks-2062"});
  CHECK(typo.exit_code != 0);
  CHECK_THAT(typo.output, Catch::Contains("no consultation 'parks-2062'") && Catch::Contains("parks-2026"));
  const fs::path population = scratch.path / "population.toml";
  {
    std::ifstream in(std::string(CIVIC_SOURCE_DIR) + "/config/population.toml");
    std::stringstream text;
    text << in.rdbuf();
    std::string changed = text.str();
    const auto answer = changed.find("\"65-74\"");
    REQUIRE(answer != std::string::npos);
    changed.replace(answer, 7, "\"75+\"");
    std::ofstream(population) << changed;
  }
  auto unknown = hub.cli({"tally", "--key", key, "--out", out.string(), "--population", population.string()});
  INFO(unknown.output);
  CHECK(unknown.exit_code != 0);
  CHECK_THAT(unknown.output, Catch::Contains("answer '75+'") && Catch::Contains("its answers are"));
  auto tallied = hub.cli({"tally", "--key", key, "--out", out.string(), "--population",
                          std::string(CIVIC_SOURCE_DIR) + "/config/population.toml"});
  REQUIRE(tallied.exit_code == 0);
  const auto results = nlohmann::json::parse(read_file(out / "results.json"));
  const auto& c = results["consultations"][0];
  CHECK(c["id"] == "parks-2026");
  CHECK(c["participants"] == 3);
  CHECK(c["ideas_submitted"] == 2);
  bool counted = false;
  for (const auto& i : c["ideas"]) {
    if (i["id"] == idea_id) {
      CHECK(i["raw"]["support"] == 1);
      CHECK(i["text"] == "Free water […]refills");
      counted = true;
    }
  }
  CHECK(counted);
  // Results never carry receipts or what was typed in rejected ideas.
  for (const char* f : {"results.json", "ideas.csv", "breakdown.csv", "representation.csv", "report.html"}) {
    const std::string text = read_file(out / f);
    CHECK_FALSE(text.empty());
    CHECK(text.find(receipt) == std::string::npos);
    CHECK(text.find("555 1234") == std::string::npos);
  }

  // The receipt: an inclusion proof, checked offline against the hub's public key.
  const fs::path proof = scratch.path / "proof.json";
  auto proved = hub.cli({"receipt", receipt, "--out", proof.string()});
  REQUIRE(proved.exit_code == 0);
  CHECK(proved.output.find("Free water") == std::string::npos);
  const std::string hub_key = (hub.state() / "hub-signing.pub").string();
  auto verified = run_command({CIVIC_VERIFY_BIN, proof.string(), hub_key});
  INFO(verified.output);
  CHECK(verified.exit_code == 0);
  CHECK(verified.output.find("verified") != std::string::npos);
  auto altered = nlohmann::json::parse(read_file(proof));
  altered["leaf_index"] = altered["leaf_index"].get<int>() + 1;
  std::ofstream(proof) << altered.dump();
  CHECK(run_command({CIVIC_VERIFY_BIN, proof.string(), hub_key}).exit_code == 1);
  CHECK(hub.cli({"receipt", "AAAAA-AAAAA"}).exit_code != 0);
  // The same over HTTP, for anyone: the signed checkpoint and the proof.
  auto served = http_get(hub.port(), "/v1/log/checkpoint");
  REQUIRE(served.status == 200);
  auto checkpoint = verify_checkpoint(as_bytes(served.body), hub.signing_key().public_key);
  REQUIRE(checkpoint.ok());
  CHECK(checkpoint->size == 3);
  auto online = http_get(hub.port(), "/v1/log/proof?receipt=" + receipt);
  REQUIRE(online.status == 200);
  auto online_proof = parse_receipt_proof(online.body);
  REQUIRE(online_proof.ok());
  CHECK(verify_receipt_proof(*online_proof, hub.signing_key().public_key).ok());

  // The report in a real browser: its text and its charts render, with no network.
  const std::string dom_file = (scratch.path / "dom.html").string();
  auto dom = run_command({"/bin/sh", "-c",
                          "chromium --headless --no-sandbox --disable-gpu --user-data-dir=" +
                              (scratch.path / "chromium").string() + " --dump-dom file://" +
                              (out / "report.html").string() + " > " + dom_file + " 2>/dev/null"},
                         120);
  REQUIRE(dom.exit_code == 0);
  const std::string rendered = read_file(dom_file);
  CHECK(rendered.find("Consultation results") != std::string::npos);
  CHECK(rendered.find("Our parks in summer") != std::string::npos);
  for (const char* chart : {"Supports per idea", "People who took part, by channel"}) {
    INFO(chart);
    CHECK(rendered.find(std::string("<caption>") + chart) != std::string::npos);
  }
  CHECK(std::regex_search(rendered, std::regex("<span class=\"bar s0\" aria-hidden=\"true\" style=\"width:[1-9]")));
  hub.stop();
}
