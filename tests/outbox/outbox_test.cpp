#include <catch2/catch.hpp>

#include <fstream>

#include "outbox_test_util.h"
#include "sync/sqlite/sqlite.h"

using namespace civic;
using namespace civic::test;

namespace {
constexpr std::uint64_t kNow = 1795000000;

std::unique_ptr<Outbox> open_outbox(const TempDir& dir) {
  auto ob = Outbox::open(dir.db(), test_kiosk_id());
  REQUIRE(ob.ok());
  return std::move(*ob);
}

void append_n(Outbox& ob, int n, std::uint64_t now = kNow) {
  for (int i = 0; i < n; ++i) REQUIRE(ob.append(sealed_with_idea("idea " + std::to_string(i)), now).ok());
}
}  // namespace

TEST_CASE("append links records into the chain and survives reopening", "[outbox]") {
  TempDir dir;
  Hash32 head = kGenesisHead;
  {
    auto ob = open_outbox(dir);
    for (std::uint64_t i = 1; i <= 5; ++i) {
      Bytes sealed = sealed_with_idea("idea " + std::to_string(i));
      auto r = ob->append(sealed, kNow + i);
      REQUIRE(r.ok());
      CHECK(r->position == i);
      CHECK(r->record_hash == record_hash(sealed));
      head = chain_next(i, head, record_hash(sealed));
      CHECK(r->chain_head == head);
    }
  }
  auto ob = open_outbox(dir);
  auto st = ob->status();
  REQUIRE(st.ok());
  CHECK(st->pending == 5);
  CHECK(st->last_position == 5);
  CHECK(st->chain_head == head);
  CHECK(st->oldest_unacknowledged_at == kNow + 1);
  CHECK(ob->verify_integrity().ok());
}

TEST_CASE("append refuses anything that is not a sealed record", "[outbox]") {
  TempDir dir;
  auto ob = open_outbox(dir);
  Bytes plain(100, 'x');
  auto r = ob->append(plain, kNow);
  CHECK(r.code() == ErrorCode::kInvalidArgument);
  CHECK(ob->status()->pending == 0);
}

TEST_CASE("batches: assembled once, resent identically, acknowledged only by a matching signed ack", "[outbox]") {
  TempDir dir;
  auto ob = open_outbox(dir);
  append_n(*ob, 7);
  BatchLimits limits{3, kMaxBatchBytes};

  auto b1 = ob->next_batch(kiosk_key(), limits, kNow);
  REQUIRE(b1.ok());
  REQUIRE(b1->has_value());
  CHECK((*b1)->sequence == 1);
  CHECK((*b1)->first_position == 1);
  CHECK((*b1)->record_count == 3);
  auto parsed = parse_batch((*b1)->bytes);
  REQUIRE(parsed.ok());
  CHECK(verify_batch(*parsed, kiosk_key().public_key).ok());

  // Not acknowledged yet: the same bytes come back (the hub will answer with the same ack).
  auto again = ob->next_batch(kiosk_key(), limits, kNow + 100);
  REQUIRE(again.ok());
  CHECK((*again)->bytes == (*b1)->bytes);
  CHECK(ob->status()->in_batch == 3);
  CHECK(ob->status()->pending == 4);

  SECTION("an ack signed by another key changes nothing") {
    auto forged_parsed = parse_batch((*b1)->bytes);
    Ack a{test_kiosk_id(), 1, 1, 3, forged_parsed->header.new_head, forged_parsed->batch_id, kNow};
    auto forged = encode_signed_ack(a, generate_signing_key_pair());
    CHECK(ob->apply_ack(forged, hub_signing_key().public_key, kNow).code() == ErrorCode::kBadSignature);
    CHECK(ob->status()->acknowledged == 0);
  }
  SECTION("an ack that names other records changes nothing") {
    Ack a{test_kiosk_id(), 1, 1, 2, parsed->header.new_head, parsed->batch_id, kNow};
    CHECK(ob->apply_ack(encode_signed_ack(a, hub_signing_key()), hub_signing_key().public_key, kNow).code() ==
          ErrorCode::kConflict);
    Ack b{test_kiosk_id(), 1, 1, 3, parsed->header.new_head, Hash32{}, kNow};
    CHECK(ob->apply_ack(encode_signed_ack(b, hub_signing_key()), hub_signing_key().public_key, kNow).code() ==
          ErrorCode::kConflict);
    CHECK(ob->status()->acknowledged == 0);
  }
  SECTION("an ack for another kiosk changes nothing") {
    Ack a{kiosk_id_from_key(hub_signing_key().public_key), 1, 1, 3, parsed->header.new_head, parsed->batch_id, kNow};
    CHECK(ob->apply_ack(encode_signed_ack(a, hub_signing_key()), hub_signing_key().public_key, kNow).code() ==
          ErrorCode::kConflict);
  }
  SECTION("an ack for a batch this outbox never made changes nothing") {
    Ack a{test_kiosk_id(), 9, 1, 3, parsed->header.new_head, parsed->batch_id, kNow};
    CHECK(ob->apply_ack(encode_signed_ack(a, hub_signing_key()), hub_signing_key().public_key, kNow).code() ==
          ErrorCode::kNotFound);
  }
  SECTION("the right ack acknowledges exactly that batch, and twice is harmless") {
    Bytes ack = ack_for(**b1);
    auto applied = ob->apply_ack(ack, hub_signing_key().public_key, kNow + 10);
    REQUIRE(applied.ok());
    CHECK(applied->records_acknowledged == 3);
    auto twice = ob->apply_ack(ack, hub_signing_key().public_key, kNow + 20);
    REQUIRE(twice.ok());
    CHECK(twice->records_acknowledged == 0);
    CHECK(ob->status()->acknowledged == 3);
    CHECK(ob->status()->pending == 4);

    auto b2 = ob->next_batch(kiosk_key(), limits, kNow);
    REQUIRE(b2.ok());
    CHECK((*b2)->sequence == 2);
    CHECK((*b2)->first_position == 4);
    auto p2 = parse_batch((*b2)->bytes);
    REQUIRE(p2.ok());
    CHECK(p2->header.previous_head == parsed->header.new_head);
  }
}

TEST_CASE("batches respect the record and byte limits", "[outbox]") {
  TempDir dir;
  auto ob = open_outbox(dir);
  append_n(*ob, 100);
  // The smallest byte limit allowed still holds one record of the largest size.
  const std::size_t min_bytes = kBatchHeaderSize + kSignatureSize + kBatchRecordOverhead + kMaxSealedSize;
  auto by_bytes = ob->next_batch(kiosk_key(), BatchLimits{1000, min_bytes}, kNow);
  REQUIRE(by_bytes.ok());
  CHECK((*by_bytes)->bytes.size() <= min_bytes);
  CHECK((*by_bytes)->record_count == (min_bytes - kBatchHeaderSize - kSignatureSize) /
                                         (kBatchRecordOverhead + kMinSealedSize));
  const std::uint64_t rest = 100 - (*by_bytes)->record_count;

  auto all = ob->all_unacknowledged_batches(kiosk_key(), BatchLimits{20, kMaxBatchBytes}, kNow);
  REQUIRE(all.ok());
  REQUIRE(all->size() == 1 + (rest + 19) / 20);
  CHECK((*all)[0].bytes == (*by_bytes)->bytes);
  std::uint64_t next = 1;
  for (const auto& b : *all) {
    CHECK(b.first_position == next);
    CHECK(b.record_count <= (b.sequence == 1 ? 1000u : 20u));
    next += b.record_count;
  }
  CHECK(next == 101);
  CHECK(ob->status()->pending == 0);
}

TEST_CASE("a batch's byte limit counts each record's length prefix", "[outbox]") {
  TempDir dir;
  auto ob = open_outbox(dir);
  append_n(*ob, 70);
  // Room for 58 records and all of a 59th but its 4-byte length: 58 go.
  const std::size_t per_record = kBatchRecordOverhead + kMinSealedSize;
  const std::size_t limit = kBatchHeaderSize + kSignatureSize + 58 * per_record + kMinSealedSize;
  auto b = ob->next_batch(kiosk_key(), BatchLimits{1000, limit}, kNow);
  REQUIRE(b.ok());
  CHECK((*b)->record_count == 58);
  CHECK((*b)->bytes.size() <= limit);
}

TEST_CASE("stored records altered or lost behind the outbox's back make no batch", "[outbox]") {
  TempDir dir;
  auto ob = open_outbox(dir);
  append_n(*ob, 3);
  auto tamper = [&](const std::string& sql) {
    auto db = sql::Database::open(dir.db(), false, "", "x");
    REQUIRE(db.ok());
    REQUIRE((*db)->exec(sql).ok());
  };
  SECTION("a pending record lost from the middle") {
    tamper("DELETE FROM records WHERE position = 2");
    auto b = ob->next_batch(kiosk_key(), BatchLimits{}, kNow);
    CHECK(b.code() == ErrorCode::kCorruptDatabase);
    CHECK_THAT(b.message(), Catch::Contains("not contiguous"));
  }
  SECTION("a stored chain head altered") {
    tamper("UPDATE records SET chain_head = zeroblob(32) WHERE position = 3");
    auto b = ob->next_batch(kiosk_key(), BatchLimits{}, kNow);
    CHECK(b.code() == ErrorCode::kCorruptDatabase);
    CHECK_THAT(b.message(), Catch::Contains("do not chain"));
  }
  SECTION("a record of a batch not yet acknowledged lost") {
    REQUIRE(ob->next_batch(kiosk_key(), BatchLimits{}, kNow).ok());
    tamper("DELETE FROM records WHERE position = 2");
    auto all = ob->all_unacknowledged_batches(kiosk_key(), BatchLimits{}, kNow);
    CHECK(all.code() == ErrorCode::kCorruptDatabase);
    CHECK_THAT(all.message(), Catch::Contains("lost records"));
  }
}

TEST_CASE("prune deletes only acknowledged records past retention, never pending ones", "[outbox]") {
  TempDir dir;
  auto ob = open_outbox(dir);
  append_n(*ob, 6);
  auto batches = ob->all_unacknowledged_batches(kiosk_key(), BatchLimits{2, kMaxBatchBytes}, kNow);
  REQUIRE(batches.ok());
  REQUIRE(batches->size() == 3);
  // Acknowledge batches 1 and 3, not 2.
  REQUIRE(ob->apply_ack(ack_for((*batches)[0]), hub_signing_key().public_key, kNow).ok());
  REQUIRE(ob->apply_ack(ack_for((*batches)[2]), hub_signing_key().public_key, kNow).ok());

  auto none = ob->prune(3600, kNow + 60);  // within retention
  REQUIRE(none.ok());
  CHECK(*none == 0);

  auto pruned = ob->prune(3600, kNow + 7200);
  REQUIRE(pruned.ok());
  CHECK(*pruned == 2);  // records 1-2; 5-6 wait behind the unacknowledged 3-4
  auto recs = ob->records();
  REQUIRE(recs.ok());
  REQUIRE(recs->size() == 4);
  CHECK(recs->front().position == 3);
  CHECK(ob->verify_integrity().ok());

  REQUIRE(ob->apply_ack(ack_for((*batches)[1]), hub_signing_key().public_key, kNow + 7200).ok());
  CHECK(*ob->prune(3600, kNow + 7200) == 0);  // 3-4 just acknowledged
  CHECK(*ob->prune(3600, kNow + 7200 + 3600) == 4);
  CHECK(ob->records()->empty());
  CHECK(ob->verify_integrity().ok());

  // The chain continues where it left off.
  auto next = ob->append(sealed_with_idea("after pruning"), kNow);
  REQUIRE(next.ok());
  CHECK(next->position == 7);
  auto b = ob->next_batch(kiosk_key(), BatchLimits{}, kNow);
  REQUIRE(b.ok());
  auto parsed = parse_batch((*b)->bytes);
  REQUIRE(parsed.ok());
  CHECK(parsed->header.first_position == 7);
  CHECK(parsed->header.sequence == 4);
  CHECK(ob->verify_integrity().ok());
}

TEST_CASE("content: installed atomically, rollback and freeze refused, old content kept", "[outbox][content]") {
  TempDir dir;
  auto ob = open_outbox(dir);
  auto hub = hub_signing_key();
  auto make = [&](std::uint64_t version, std::uint64_t issued, std::uint64_t expires, const std::string& payload) {
    return *encode_signed_content({version, issued, expires, payload}, hub);
  };
  CHECK_FALSE(ob->current_content(hub.public_key, kNow)->has_value());
  auto v2 = make(2, kNow, kNow + 86400, R"({"v":2})");
  REQUIRE(*ob->install_content(v2, hub.public_key, kNow) == ContentInstall::kInstalled);
  CHECK(*ob->install_content(v2, hub.public_key, kNow + 1) == ContentInstall::kAlreadyCurrent);

  CHECK(ob->install_content(make(1, kNow, kNow + 86400, R"({"v":1})"), hub.public_key, kNow).code() ==
        ErrorCode::kRollback);
  CHECK(ob->install_content(make(3, kNow - 10, kNow - 1, R"({"v":3})"), hub.public_key, kNow).code() ==
        ErrorCode::kExpired);
  CHECK(ob->install_content(make(2, kNow, kNow + 86400, R"({"v":"other"})"), hub.public_key, kNow).code() ==
        ErrorCode::kEquivocation);
  Bytes tampered = make(3, kNow, kNow + 86400, R"({"v":3})");
  tampered[kContentFixedSize - kSignatureSize] ^= 1;  // the first byte of the payload
  CHECK(ob->install_content(tampered, hub.public_key, kNow).code() == ErrorCode::kBadSignature);

  auto current = ob->current_content(hub.public_key, kNow);
  REQUIRE(current.ok());
  REQUIRE(current->has_value());
  CHECK((*current)->bundle.payload == R"({"v":2})");
  CHECK(ob->status()->content_version == 2);

  REQUIRE(*ob->install_content(make(3, kNow + 5, kNow + 86400, R"({"v":3})"), hub.public_key, kNow) ==
          ContentInstall::kInstalled);
  CHECK((*ob->current_content(hub.public_key, kNow))->bundle.payload == R"({"v":3})");
  CHECK(ob->trusted_content_state()->clock_floor == kNow + 5);
}

TEST_CASE("open refuses a foreign, damaged, newer or other kiosk's database and leaves it untouched", "[outbox]") {
  TempDir dir;
  SECTION("another program's SQLite database") {
    {
      auto db = sql::Database::open(dir.db(), true, "", "x");
      REQUIRE(db.ok());
      REQUIRE((*db)->exec("CREATE TABLE songs (title TEXT)").ok());
    }
    auto ob = Outbox::open(dir.db(), test_kiosk_id());
    CHECK(ob.code() == ErrorCode::kForeignDatabase);
    CHECK_THAT(ob.message(), Catch::Contains(dir.db().string()) && Catch::Contains("left untouched"));
  }
  SECTION("not a database at all") {
    std::ofstream(dir.db()) << "this is a shopping list, not a database, and it is long enough to matter........";
    auto ob = Outbox::open(dir.db(), test_kiosk_id());
    CHECK(ob.code() == ErrorCode::kCorruptDatabase);
    std::ifstream in(dir.db());
    std::string first;
    std::getline(in, first);
    CHECK_THAT(first, Catch::StartsWith("this is a shopping list"));
  }
  SECTION("a damaged outbox") {
    {
      auto ob = open_outbox(dir);
      append_n(*ob, 200);
      REQUIRE(ob->checkpoint().ok());
    }
    // Overwrite a page in the middle of the file.
    const auto size = std::filesystem::file_size(dir.db());
    std::fstream f(dir.db(), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(size / 2));
    std::string junk(4096, '\x5a');
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
    f.close();
    auto ob = Outbox::open(dir.db(), test_kiosk_id());
    CHECK(ob.code() == ErrorCode::kCorruptDatabase);
    CHECK(std::filesystem::file_size(dir.db()) == size);
  }
  SECTION("written by newer software") {
    { open_outbox(dir); }
    {
      auto db = sql::Database::open(dir.db(), false, "", "x");
      REQUIRE((*db)->exec("PRAGMA user_version = 99").ok());
    }
    CHECK(Outbox::open(dir.db(), test_kiosk_id()).code() == ErrorCode::kUnknownVersion);
  }
  SECTION("another kiosk's outbox") {
    { open_outbox(dir); }
    auto other = kiosk_id_from_key(generate_signing_key_pair().public_key);
    auto ob = Outbox::open(dir.db(), other);
    CHECK(ob.code() == ErrorCode::kForeignDatabase);
    CHECK_THAT(ob.message(), Catch::Contains(to_hex(test_kiosk_id())));
  }
  SECTION("open_existing does not create") {
    CHECK(Outbox::open_existing(dir.db()).code() == ErrorCode::kNotFound);
    CHECK_FALSE(std::filesystem::exists(dir.db()));
  }
}

TEST_CASE("a batch cannot be signed with another kiosk's key", "[outbox]") {
  TempDir dir;
  auto ob = open_outbox(dir);
  append_n(*ob, 1);
  CHECK(ob->next_batch(generate_signing_key_pair(), BatchLimits{}, kNow).code() == ErrorCode::kInvalidArgument);
  CHECK(ob->status()->pending == 1);
}

TEST_CASE("the outbox sets its durability and erasure itself, whatever SQLite's defaults", "[outbox]") {
  // Debian's SQLite already defaults to synchronous = FULL and secure_delete = ON, which would hide
  // a deleted PRAGMA line: every new connection starts here with the opposite defaults.
  std::vector<sqlite3*> connections;
  sql::set_open_hook([&connections](sqlite3* db) {
    sqlite3_exec(db, "PRAGMA synchronous = OFF; PRAGMA secure_delete = OFF", nullptr, nullptr, nullptr);
    connections.push_back(db);
  });
  TempDir dir;
  auto ob = Outbox::open(dir.db(), test_kiosk_id());
  sql::set_open_hook({});
  REQUIRE(ob.ok());
  REQUIRE(!connections.empty());
  auto read = [](sqlite3* db, const char* pragma) {
    sqlite3_stmt* stmt = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, pragma, -1, &stmt, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(stmt) == SQLITE_ROW);
    const auto value = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return value;
  };
  for (sqlite3* db : connections) {
    CHECK(read(db, "PRAGMA synchronous") == 2);     // FULL: an acknowledged resident is on disk
    CHECK(read(db, "PRAGMA secure_delete") == 1);   // pruned records are overwritten, not left in free pages
  }
}

TEST_CASE("the last sync's outcome is kept, and survives the upgrade from schema 1", "[outbox]") {
  TempDir dir;
  {
    auto ob = open_outbox(dir);
    auto fresh = ob->status();
    REQUIRE(fresh.ok());
    CHECK_FALSE(fresh->last_sync_at.has_value());
    CHECK_FALSE(fresh->last_sync_success_at.has_value());
    REQUIRE(ob->note_sync(false, "the hub did not answer", 1000).ok());
    CHECK(ob->status()->last_sync_at == 1000u);
    CHECK_FALSE(ob->status()->last_sync_success_at.has_value());
    REQUIRE(ob->note_sync(true, "sent 3 records", 2000).ok());
    REQUIRE(ob->note_sync(false, "the hub did not answer", 3000).ok());
    auto s = ob->status();
    CHECK(s->last_sync_at == 3000u);
    CHECK(s->last_sync_success_at == 2000u);
    CHECK(s->last_sync_result == "the hub did not answer");
  }
  // The same outcome as schema 1 kept it (text in outbox_meta), then opened by this software.
  {
    auto db = sql::Database::open(dir.db(), false, "", "x");
    REQUIRE(db.ok());
    REQUIRE((*db)->exec("DROP TABLE sync_status; "
                        "INSERT INTO outbox_meta (key, value) VALUES ('last_sync_at', CAST('3000' AS BLOB)), "
                        "('last_sync_success_at', CAST('2000' AS BLOB)), "
                        "('last_sync_result', CAST('the hub did not answer' AS BLOB)); "
                        "PRAGMA user_version = 1")
                .ok());
  }
  auto ob = open_outbox(dir);
  auto s = ob->status();
  REQUIRE(s.ok());
  CHECK(s->last_sync_at == 3000u);
  CHECK(s->last_sync_success_at == 2000u);
  CHECK(s->last_sync_result == "the hub did not answer");
  auto db = sql::Database::open(dir.db(), false, "", "x");
  CHECK((*db)->query_int("SELECT count(*) FROM outbox_meta WHERE key LIKE 'last_sync%'").value() == 0);
  CHECK((*db)->query_int("SELECT typeof(last_sync_at) = 'integer' FROM sync_status").value() == 1);
}
