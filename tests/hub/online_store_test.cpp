// Online imports at the hub: stored whole or not at all, once per file, a newer export replacing
// the older, and each one a leaf of the transparency log that verifies as its documentation says.
#include <catch2/catch.hpp>

#include "sync/hub/service.h"
#include "tests/hub/hub_fixture.h"

using namespace civic;
using civic::test::kNow;

namespace {

const char* kMap = R"({"format":1,"consultation":"parks-2026","ideas":{"101":"idea-001"}})";

std::string decidim(int supports) {
  return "id,title/en,supports\n101,Shade,"+ std::to_string(supports) + "\n102,Dog park,4\n";
}

std::uint64_t current_supports(HubService& s) {
  auto data = s.current_online_data();
  REQUIRE(data.ok());
  REQUIRE(data->size() == 1);
  return data->front().counts.at(0).supports;
}

}  // namespace

TEST_CASE("online imports: once per file, newer replaces older, an older one cannot come back", "[online][store]") {
  test::Hub hub;
  HubService& s = *hub.service;
  auto first = s.import_online(OnlineFormat::kDecidim, "decidim", "a.csv", decidim(10), kMap, kNow);
  REQUIRE(first.ok());
  CHECK(first->outcome == OnlineImportOutcome::kStored);
  auto again = s.import_online(OnlineFormat::kDecidim, "decidim", "a.csv", decidim(10), kMap, kNow + 1);
  REQUIRE(again.ok());
  CHECK(again->outcome == OnlineImportOutcome::kUnchanged);
  auto all = s.store().online_imports(false);
  REQUIRE(all.ok());
  CHECK(all->size() == 1);  // nothing stored twice, nothing added to the log

  auto newer = s.import_online(OnlineFormat::kDecidim, "decidim", "b.csv", decidim(12), kMap, kNow + 2);
  REQUIRE(newer.ok());
  CHECK(newer->outcome == OnlineImportOutcome::kReplaced);
  CHECK(current_supports(s) == 12);

  auto older = s.import_online(OnlineFormat::kDecidim, "decidim", "a.csv", decidim(10), kMap, kNow + 3);
  REQUIRE_FALSE(older.ok());
  CHECK(older.code() == ErrorCode::kConflict);
  CHECK_THAT(older.message(), Catch::Contains("cannot undo a newer one"));
  CHECK(current_supports(s) == 12);

  // Another source for the same consultation stands beside it.
  auto consul = s.import_online(OnlineFormat::kConsul, "consul", "c.csv", "id,title,cached_votes_up\n101,Shade,3\n",
                                kMap, kNow + 4);
  REQUIRE(consul.ok());
  auto current = s.current_online_data();
  REQUIRE(current.ok());
  CHECK(current->size() == 2);
}

TEST_CASE("online imports: a malformed file stores nothing and says every problem", "[online][store]") {
  test::Hub hub;
  HubService& s = *hub.service;
  auto bad = s.import_online(OnlineFormat::kDecidim, "decidim", "bad.csv", "id,title/en,supports\n101,Shade,ten\n102,x,\n",
                             kMap, kNow);
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(bad.message(), Catch::Contains("bad.csv:2: error") && Catch::Contains("bad.csv:3: error") &&
                                Catch::Contains("2 error(s)") && Catch::Contains("nothing was imported"));
  auto all = s.store().online_imports(false);
  REQUIRE(all.ok());
  CHECK(all->empty());
  auto events = s.store().events(10);
  REQUIRE(events.ok());
  for (const auto& e : *events) CHECK(e.kind.rfind("online-import", 0) != 0);
  CHECK(*s.log_size() == 0);
}

TEST_CASE("online imports are leaves of the transparency log, between the records around them", "[online][store]") {
  test::Hub hub;
  HubService& s = *hub.service;
  hub.upload({test::sealed_idea("one"), test::sealed_idea("two")});
  REQUIRE(*s.log_size() == 2);
  auto imported = s.import_online(OnlineFormat::kDecidim, "decidim", "a.csv", decidim(10), kMap, kNow);
  REQUIRE(imported.ok());
  CHECK(*s.log_size() == 3);
  hub.upload({test::sealed_idea("three")});
  CHECK(*s.log_size() == 4);
  CHECK(*s.records_in_log() == 3);  // what /v1/health says: records, not imports

  auto proofs = s.prove_online_imports(kNow);
  REQUIRE(proofs.ok());
  REQUIRE(proofs->size() == 1);
  const OnlineImportProof& p = proofs->front();
  CHECK(p.leaf_index == 2);  // after the two records that were there, before the third
  auto verified = verify_online_import_proof(p, test::hub_signing_key().public_key);
  REQUIRE(verified.ok());
  CHECK(verified->statement.source == "decidim");
  CHECK(verified->statement.consultation == "parks-2026");
  CHECK(verified->statement.rows == 2);
  CHECK(verified->statement.file_sha256 == file_sha256(as_bytes(decidim(10))));
  CHECK(verified->checkpoint.size == 4);
  // The same proof read back from its JSON form.
  auto parsed = parse_online_import_proof(format_online_import_proof(p));
  REQUIRE(parsed.ok());
  CHECK(verify_online_import_proof(*parsed, test::hub_signing_key().public_key).ok());
  // Altered: another file's hash in the statement no longer verifies.
  OnlineImportProof altered = p;
  altered.statement[20] ^= 1;
  CHECK_FALSE(verify_online_import_proof(altered, test::hub_signing_key().public_key).ok());

  // A second service on the same store (another hub process) builds the same log from scratch,
  // and receipts after the import are still proven at their own leaf.
  auto store = test::open_test_store(hub.dir);
  REQUIRE(store.ok());
  HubService second(std::move(*store),
                    HubKeys{test::hub_signing_key(), test::hub_submission_key().public_key,
                            test::hub_content_key().public_key},
                    HubConfig{});
  auto a = s.checkpoint(kNow);
  auto b = second.checkpoint(kNow);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(*a == *b);
}
