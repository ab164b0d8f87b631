#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <fstream>

#include "sync/keystore/keystore.h"
#include "test_keys.h"
#include "tests/temp_dir.h"

using namespace civic;
namespace fs = std::filesystem;

namespace {
using civic::test::TempDir;

Bytes read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}
void write_all(const fs::path& p, const Bytes& b) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}
}  // namespace

TEST_CASE("key pairs are saved with safe modes and load back", "[keystore]") {
  TempDir dir;
  auto kiosk = test::kiosk_key();
  REQUIRE(save_signing_key(dir.path / "kiosk.key", dir.path / "kiosk.pub", kiosk, KeyType::kKioskSigningSecret,
                           KeyType::kKioskSigningPublic).ok());
  CHECK((fs::status(dir.path / "kiosk.key").permissions() & fs::perms::mask) ==
        (fs::perms::owner_read | fs::perms::owner_write));
  CHECK((fs::status(dir.path / "kiosk.pub").permissions() & fs::perms::others_write) == fs::perms::none);
  auto loaded = load_signing_key(dir.path / "kiosk.key", KeyType::kKioskSigningSecret);
  REQUIRE(loaded.ok());
  CHECK(loaded->public_key == kiosk.public_key);
  auto pub = load_signing_public_key(dir.path / "kiosk.pub", KeyType::kKioskSigningPublic);
  REQUIRE(pub.ok());
  CHECK(*pub == kiosk.public_key);

  auto hub = test::hub_submission_key();
  REQUIRE(save_submission_key(dir.path / "sub.key", dir.path / "sub.pub", hub).ok());
  auto sub = load_submission_secret_key(dir.path / "sub.key");
  REQUIRE(sub.ok());
  CHECK(sub->public_key == hub.public_key);
  CHECK(*load_submission_public_key(dir.path / "sub.pub") == hub.public_key);
  CHECK_FALSE(fs::exists(dir.path / "sub.key.tmp"));
}

TEST_CASE("key files are never overwritten", "[keystore]") {
  TempDir dir;
  auto key = test::kiosk_key();
  REQUIRE(write_key_file(dir.path / "k", KeyType::kKioskSigningSecret, test::fixed_seed(1)).ok());
  auto again = write_key_file(dir.path / "k", KeyType::kKioskSigningSecret, test::fixed_seed(2));
  CHECK(again.code() == ErrorCode::kConflict);
  CHECK(load_signing_key(dir.path / "k", KeyType::kKioskSigningSecret)->public_key == key.public_key);
}

TEST_CASE("key file errors name the file and say what to do", "[keystore]") {
  TempDir dir;
  const fs::path secret = dir.path / "hub-signing.key";
  REQUIRE(write_key_file(secret, KeyType::kHubSigningSecret, test::fixed_seed(0x41)).ok());

  SECTION("missing file") {
    auto r = read_key_file(dir.path / "absent.key", KeyType::kHubSigningSecret);
    CHECK(r.code() == ErrorCode::kNotFound);
    CHECK_THAT(r.message(), Catch::Contains("absent.key"));
  }
  SECTION("readable by others") {
    ::chmod(secret.c_str(), 0644);
    auto r = read_key_file(secret, KeyType::kHubSigningSecret);
    CHECK(r.code() == ErrorCode::kInsecurePermissions);
    CHECK_THAT(r.message(), Catch::Contains("chmod 600 " + secret.string()));
  }
  SECTION("a public key others can change, or in a folder others can write") {
    const fs::path pub = dir.path / "hub-signing.pub";
    REQUIRE(write_key_file(pub, KeyType::kHubSigningPublic, test::hub_signing_key().public_key.bytes).ok());
    CHECK(read_key_file(pub, KeyType::kHubSigningPublic).ok());
    ::chmod(pub.c_str(), 0666);
    auto r = read_key_file(pub, KeyType::kHubSigningPublic);
    CHECK(r.code() == ErrorCode::kInsecurePermissions);
    CHECK_THAT(r.message(), Catch::Contains("chmod 644 " + pub.string()));
    ::chmod(pub.c_str(), 0644);
    ::chmod(dir.path.c_str(), 0777);
    auto d = read_key_file(pub, KeyType::kHubSigningPublic);
    CHECK(d.code() == ErrorCode::kInsecurePermissions);
    CHECK_THAT(d.message(), Catch::Contains("chmod 700 " + dir.path.string()));
    CHECK(read_key_file(secret, KeyType::kHubSigningSecret).code() == ErrorCode::kInsecurePermissions);
    ::chmod(dir.path.c_str(), 0700);
    CHECK(read_key_file(pub, KeyType::kHubSigningPublic).ok());
  }
  SECTION("readable by the group") {
    ::chmod(secret.c_str(), 0640);
    CHECK(read_key_file(secret, KeyType::kHubSigningSecret).code() == ErrorCode::kInsecurePermissions);
  }
  SECTION("wrong type") {
    auto r = read_key_file(secret, KeyType::kKioskSigningSecret);
    CHECK(r.code() == ErrorCode::kWrongKeyType);
    CHECK_THAT(r.message(), Catch::Contains("hub signing secret key") && Catch::Contains("kiosk signing secret key") &&
                                Catch::Contains("hub-signing.key"));
  }
  SECTION("truncated") {
    Bytes b = read_all(secret);
    b.resize(20);
    write_all(secret, b);
    auto r = read_key_file(secret, KeyType::kHubSigningSecret);
    CHECK(r.code() == ErrorCode::kTruncated);
    CHECK_THAT(r.message(), Catch::Contains("hub-signing.key"));
  }
  SECTION("corrupt") {
    Bytes b = read_all(secret);
    b[10] ^= 0x04;
    write_all(secret, b);
    auto r = read_key_file(secret, KeyType::kHubSigningSecret);
    CHECK(r.code() == ErrorCode::kCorruptKeyFile);
    CHECK_THAT(r.message(), Catch::Contains("backup"));
  }
  SECTION("longer than a key file") {
    Bytes b = read_all(secret);
    b.push_back(0);
    write_all(secret, b);
    CHECK(read_key_file(secret, KeyType::kHubSigningSecret).code() == ErrorCode::kTrailingBytes);
  }
  SECTION("not a key file") {
    write_all(secret, Bytes{'h', 'e', 'l', 'l', 'o'});
    CHECK(read_key_file(secret, KeyType::kHubSigningSecret).code() == ErrorCode::kBadMagic);
  }
  SECTION("a symbolic link is refused") {
    fs::create_symlink(secret, dir.path / "link.key");
    CHECK(read_key_file(dir.path / "link.key", KeyType::kHubSigningSecret).code() == ErrorCode::kIo);
  }
  SECTION("a directory is refused") {
    fs::create_directory(dir.path / "dir.key");
    CHECK_FALSE(read_key_file(dir.path / "dir.key", KeyType::kHubSigningPublic).ok());
  }
}

namespace {
// Kilobytes of this process's memory locked in RAM, from the kernel's own account.
std::size_t locked_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmLck:", 0) == 0) return std::stoul(line.substr(6));
  return 0;
}
}  // namespace

TEST_CASE("a memory lock keeps a secret's pages in RAM while it lives and wipes the secret at its end", "[keystore]") {
  REQUIRE(crypto_init().ok());
  auto key = std::make_unique<SigningKeyPair>(test::hub_signing_key());
  const std::size_t before = locked_kib();
  {
    const MemoryLock lock(key.get(), sizeof *key);
    REQUIRE(lock.locked());  // 8 MiB is the usual unprivileged limit; a key pair is 128 bytes
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CIVIC_MLOCK_IS_A_NO_OP  // AddressSanitizer intercepts mlock and does nothing
#endif
#endif
#ifndef CIVIC_MLOCK_IS_A_NO_OP
    CHECK(locked_kib() >= before + 4);
#endif
    CHECK(key->seed.view()[0] == test::hub_signing_key().seed.view()[0]);  // still usable
  }
  CHECK(locked_kib() == before);
  const auto bytes = reinterpret_cast<const std::uint8_t*>(key.get());
  CHECK(std::all_of(bytes, bytes + sizeof *key, [](std::uint8_t b) { return b == 0; }));
}
