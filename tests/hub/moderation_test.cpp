// Moderation against a real SQLite hub store: what a kiosk's batches put on the hub is listed for
// moderation once per distinct sealed record.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "sync/hub/report.h"
#include "sync/hub/tally.h"

#include <filesystem>
#include <set>
#include <fstream>
#include <sstream>

#include "hub_fixture.h"

using namespace civic;
namespace fs = std::filesystem;

using test::Hub;
using test::kNow;
using test::sealed_idea;

TEST_CASE("the same sealed record at two chain positions is moderated once", "[moderation]") {
  Hub hub;
  const Bytes twice = sealed_idea("Shade sails over the playground");
  const Bytes other = sealed_idea("A water fountain by the gate");
  hub.upload({twice, other, twice});  // one batch: the record at positions 1 and 3
  auto queue = hub.service->moderation_queue(test::hub_submission_key());
  REQUIRE(queue.ok());
  CHECK(queue->size() == 2);
  // A later batch that carries it yet again (another run, another page) adds nothing either.
  hub.upload({twice});
  queue = hub.service->moderation_queue(test::hub_submission_key());
  REQUIRE(queue.ok());
  REQUIRE(queue->size() == 2);
  std::multiset<std::string> ideas;
  for (const auto& p : *queue) ideas.insert(p.text);
  CHECK(ideas == std::multiset<std::string>{"A water fountain by the gate", "Shade sails over the playground"});
}

namespace {
// What the next content bundle would publish for this idea, if anything.
std::optional<std::string> published(HubService& service, const ModerationItem& item) {
  auto content = service.consultations_with_approved_ideas();
  REQUIRE(content.ok());
  for (const auto& c : content->consultations)
    for (const auto& i : c.ideas)
      if (i.id == HubService::published_idea_id(item)) return i.text.by_language.begin()->second;
  return std::nullopt;
}
}  // namespace

TEST_CASE("approved ideas join a pairwise consultation's pairs, never a budget's projects, and kiosks can read "
          "the bundle", "[moderation]") {
  Hub hub;
  hub.upload({sealed_idea("A reading garden", "library-2027"), sealed_idea("A skate park", "budget-2027")});
  auto queue = hub.service->moderation_queue(test::hub_submission_key());
  REQUIRE(queue.ok());
  REQUIRE(queue->size() == 2);
  for (const auto& p : *queue) {
    REQUIRE(hub.service->approve(p.item.moderation_id, test::hub_submission_key(), {}, "", {"alice", ""}, kNow).ok());
  }
  auto content = hub.service->consultations_with_approved_ideas();
  REQUIRE(content.ok());
  // What a kiosk receives parses (a project without a cost would make the whole bundle unreadable).
  auto payload = parse_content(format_content(*content));
  REQUIRE(payload.ok());
  CHECK(payload->consultation("library-2027")->ideas.size() == 7);
  CHECK(payload->consultation("library-2027")->ideas.back().text.in("en") == "A reading garden");
  CHECK(payload->consultation("budget-2027")->ideas.size() == 6);
}

TEST_CASE("moderation decisions are final unless reopened, redactions survive, and every decision is logged",
          "[moderation]") {
  Hub hub;
  hub.upload({sealed_idea("Call me at 555 1234 about the benches"), sealed_idea("Free wifi in the park")});
  auto queue = hub.service->moderation_queue(test::hub_submission_key());
  REQUIRE(queue.ok());
  REQUIRE(queue->size() == 2);
  const auto& key = test::hub_submission_key();
  std::string phone, wifi;
  for (const auto& p : *queue) (p.text.find("555") != std::string::npos ? phone : wifi) = p.item.moderation_id;
  const HubService::Decider alice{"alice", ""};

  SECTION("approving again does not bring back what was redacted") {
    REQUIRE(hub.service->approve(phone, key, {"555 1234"}, "", alice, kNow).ok());
    auto again = hub.service->approve(phone, key, {}, "", alice, kNow + 1);
    REQUIRE_FALSE(again.ok());
    CHECK(again.code() == ErrorCode::kConflict);
    CHECK_THAT(again.message(), Catch::Contains("decisions are final") && Catch::Contains("--reopen"));
    // Reopened (with a reason): the redaction stays, whatever the new decision.
    REQUIRE(hub.service->reject(phone, "off topic", HubService::Decider{"bob", "second look"}, kNow + 2).ok());
    auto reopened = hub.service->approve(phone, key, {}, "", HubService::Decider{"carol", "on topic after all"}, kNow + 3);
    REQUIRE(reopened.ok());
    const auto text = published(*hub.service, *reopened);
    REQUIRE(text);
    CHECK(text->find("555") == std::string::npos);
    CHECK_THAT(*text, Catch::Contains("[…]"));
  }
  SECTION("a rejected idea is never published unless reopened") {
    auto rejected = hub.service->reject(wifi, "duplicate", alice, kNow);
    REQUIRE(rejected.ok());
    CHECK_FALSE(hub.service->approve(wifi, key, {}, "", alice, kNow + 1).ok());
    CHECK_FALSE(published(*hub.service, *rejected));
    CHECK_FALSE(hub.service->reject(wifi, "again", alice, kNow + 1).ok());  // final either way
    // Reopening something never decided is refused too.
    CHECK_FALSE(hub.service->approve(phone, key, {}, "", HubService::Decider{"alice", "why not"}, kNow).ok());
  }
  // Every decision taken is in the log (who, when, what, why), never the idea's words.
  auto log = hub.service->store().moderation_log();
  REQUIRE(log.ok());
  REQUIRE(!log->empty());
  for (const auto& e : *log) {
    CHECK(!e.operator_name.empty());
    CHECK(e.reason.find("555") == std::string::npos);
  }
  if (log->size() == 3) {
    CHECK((*log)[0].action == "approved");
    CHECK((*log)[0].redacted);
    CHECK((*log)[1].action == "reopened-rejected");
    CHECK((*log)[1].operator_name == "bob");
    CHECK((*log)[2].action == "reopened-approved");
    CHECK((*log)[2].reason == "on topic after all");
    // The report summarises the log in counts.
    const ModerationSummary m = summarise_moderation(*log);
    CHECK(m.decisions == 3);
    CHECK(m.ideas_decided == 1);
    CHECK(m.reopened == 2);
    CHECK(m.by_action.at("approved") == 1);
    Tally t;
    t.moderation = m;
    CHECK_THAT(results_html(t, "now"), Catch::Contains("1 idea decided in 3 decisions: 1 approved, 0 rejected"));
    CHECK(nlohmann::json::parse(results_json(t))["moderation"]["reopened"] == 2);
  } else {
    CHECK(log->size() == 1);
    CHECK((*log)[0].action == "rejected");
    CHECK((*log)[0].reason == "duplicate");
  }
}
