// The file layer: atomic writes that leave the old file or the whole new one whichever system call
// fails, bounded reads of regular files only, no link written through, and messages that say what
// to do. The failures come from FailingEnv; the results are read back with the system's own calls.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <future>
#include <sstream>

#include "sync/files/files.h"
#include "tests/files/failing_env.h"
#include "tests/temp_dir.h"

using namespace civic;
using civic::test::FailingEnv;
using civic::test::TempDir;
using Call = FailingEnv::Call;
namespace fs = std::filesystem;

namespace {

std::string contents(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void put(const fs::path& p, const std::string& text) { std::ofstream(p, std::ios::binary) << text; }

bool leftovers(const fs::path& dir) {
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().find(".partial") != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("an atomic write that fails at any step leaves the old file whole and no temporary", "[files]") {
  TempDir tmp("files");
  const fs::path target = tmp.path / "state.json";
  put(target, "old contents");
  FailingEnv env;
  auto dir = files::Dir::open(tmp.path, files::Medium::kLocalDisk, env);
  REQUIRE(dir.ok());
  for (const Call call : {Call::kOpen, Call::kChangeMode, Call::kWrite, Call::kSync, Call::kRename}) {
    INFO("failing call " << static_cast<int>(call));
    env.fail(call, EIO);
    const Status s = files::write_file(*dir, "state.json", "new contents");
    env.heal();
    CHECK(s.code() == ErrorCode::kIo);
    CHECK_THAT(s.message(), Catch::Contains(tmp.path.string()) && Catch::Contains("Input/output error"));
    CHECK(contents(target) == "old contents");
    CHECK_FALSE(leftovers(tmp.path));
  }
  REQUIRE(files::write_file(*dir, "state.json", "new contents").ok());
  CHECK(contents(target) == "new contents");
  CHECK_FALSE(leftovers(tmp.path));
}

TEST_CASE("a full disk or drive is named as such, with the advice that fits", "[files]") {
  TempDir tmp("files");
  FailingEnv env;
  auto local = files::Dir::open(tmp.path, files::Medium::kLocalDisk, env);
  auto drive = files::Dir::open(tmp.path, files::Medium::kRemovableDrive, env);
  REQUIRE((local.ok() && drive.ok()));
  env.fail(Call::kWrite, ENOSPC);
  const Status on_disk = files::write_file(*local, "a", "x");
  const Status on_drive = files::write_file(*drive, "a", "x");
  CHECK(on_disk.code() == ErrorCode::kDiskFull);
  CHECK_THAT(on_disk.message(), Catch::Contains("free some space") && Catch::Contains("nothing incomplete"));
  CHECK(on_drive.code() == ErrorCode::kDiskFull);
  CHECK_THAT(on_drive.message(), Catch::Contains("use a drive with more free space"));
  env.fail(Call::kRename, EIO);
  CHECK_THAT(files::write_file(*drive, "a", "x").message(), Catch::Contains("was the drive removed?"));
  CHECK_THAT(files::write_file(*local, "a", "x").message(), !Catch::Contains("drive"));
  CHECK_FALSE(fs::exists(tmp.path / "a"));
  CHECK_FALSE(leftovers(tmp.path));
}

TEST_CASE("a durable write syncs the file and its folder, a scratch write syncs neither", "[files]") {
  TempDir tmp("files");
  FailingEnv env;
  REQUIRE(files::write_file(tmp.path / "a", std::string_view("x"), {}, env).ok());
  CHECK(env.calls(Call::kSync) == 2);
  FailingEnv scratch;
  REQUIRE(files::write_file(tmp.path / "b", std::string_view("x"), {.durable = false}, scratch).ok());
  CHECK(scratch.calls(Call::kSync) == 0);
  CHECK(contents(tmp.path / "b") == "x");
}

TEST_CASE("a write gets exactly the mode asked for, whatever the umask", "[files]") {
  TempDir tmp("files");
  const mode_t old = ::umask(0);
  REQUIRE(files::write_file(tmp.path / "secret", std::string_view("s"), {.mode = 0600}).ok());
  ::umask(0077);
  REQUIRE(files::write_file(tmp.path / "public", std::string_view("p"), {.mode = 0644}).ok());
  ::umask(old);
  CHECK((fs::status(tmp.path / "secret").permissions() & fs::perms::all) ==
        (fs::perms::owner_read | fs::perms::owner_write));
  CHECK((fs::status(tmp.path / "public").permissions() & fs::perms::all) ==
        (fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read));
}

TEST_CASE("a drive that cannot set permissions (FAT) is still written to", "[files]") {
  TempDir tmp("files");
  FailingEnv env;
  env.fail(Call::kChangeMode, EPERM);
  auto drive = files::Dir::open(tmp.path, files::Medium::kRemovableDrive, env);
  REQUIRE(drive.ok());
  CHECK(files::write_file(*drive, "batch", "abc", {.read_back = true}).ok());
  CHECK(contents(tmp.path / "batch") == "abc");
  auto local = files::Dir::open(tmp.path, files::Medium::kLocalDisk, env);
  REQUIRE(local.ok());
  CHECK(files::write_file(*local, "key", "k", {.mode = 0600}).code() == ErrorCode::kIo);
}

TEST_CASE("a write that must not replace leaves an existing file alone, even one that appears meanwhile", "[files]") {
  TempDir tmp("files");
  put(tmp.path / "key", "first");
  const Status again = files::write_file(tmp.path / "key", std::string_view("second"), {.replace = false});
  CHECK(again.code() == ErrorCode::kConflict);
  CHECK(contents(tmp.path / "key") == "first");
  // The name taken between the check and the link: link() refuses, the temporary goes.
  FailingEnv env;
  env.fail(Call::kLink, EEXIST);
  const Status raced = files::write_file(tmp.path / "new", std::string_view("x"), {.replace = false}, env);
  CHECK(raced.code() == ErrorCode::kConflict);
  CHECK_FALSE(fs::exists(tmp.path / "new"));
  CHECK_FALSE(leftovers(tmp.path));
  REQUIRE(files::write_file(tmp.path / "new", std::string_view("x"), {.replace = false}).ok());
  CHECK(contents(tmp.path / "new") == "x");
}

TEST_CASE("links planted under the temporary or the target name are never written through", "[files]") {
  TempDir tmp("files");
  TempDir elsewhere("victim");
  const fs::path victim = elsewhere.path / "victim";
  put(victim, "untouched");
  fs::create_symlink(victim, tmp.path / "out.partial");
  REQUIRE(files::write_file(tmp.path / "out", std::string_view("written")).ok());
  CHECK(contents(victim) == "untouched");
  CHECK(contents(tmp.path / "out") == "written");
  fs::create_symlink(victim, tmp.path / "linked");
  REQUIRE(files::write_file(tmp.path / "linked", std::string_view("written")).ok());
  CHECK(contents(victim) == "untouched");
  CHECK_FALSE(fs::is_symlink(tmp.path / "linked"));
  // Nor read through, nor appended through.
  CHECK_FALSE(fs::exists(tmp.path / "out.partial"));
  fs::create_symlink(victim, tmp.path / "log");
  CHECK_FALSE(files::read_file(tmp.path / "log", 100).ok());
  CHECK_FALSE(files::append_durably(tmp.path / "log", "x", 0600).ok());
  CHECK(contents(victim) == "untouched");
}

TEST_CASE("reads take regular files up to their limit and refuse the rest at once", "[files]") {
  TempDir tmp("files");
  put(tmp.path / "ten", "0123456789");
  CHECK(files::read_file(tmp.path / "ten", 10).ok());
  const auto over = files::read_file(tmp.path / "ten", 9);
  CHECK(over.code() == ErrorCode::kOversize);
  CHECK_THAT(over.message(), Catch::Contains("ten") && Catch::Contains("9 bytes"));
  CHECK(files::read_file(tmp.path / "missing", 10).code() == ErrorCode::kNotFound);
  fs::create_directory(tmp.path / "folder");
  CHECK(files::read_file(tmp.path / "folder", 10).code() == ErrorCode::kMalformed);
  // A FIFO nobody writes to: refused, not waited on.
  REQUIRE(::mkfifo((tmp.path / "fifo").c_str(), 0600) == 0);
  auto fifo = std::async(std::launch::async, [&] { return files::read_file(tmp.path / "fifo", 10).code(); });
  REQUIRE(fifo.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
  CHECK(fifo.get() == ErrorCode::kMalformed);
  FailingEnv env;
  env.fail(Call::kRead, EIO);
  CHECK(files::read_file(tmp.path / "ten", 10, nullptr, env).code() == ErrorCode::kIo);
  files::FileInfo info;
  ::chmod((tmp.path / "ten").c_str(), 0640);
  REQUIRE(files::read_file(tmp.path / "ten", 10, &info).ok());
  CHECK((info.mode & 07777) == 0640);
}

TEST_CASE("a write read back from a drive that lies is caught", "[files]") {
  TempDir tmp("files");
  FailingEnv env;
  env.corrupt_writes = true;
  auto drive = files::Dir::open(tmp.path, files::Medium::kRemovableDrive, env);
  REQUIRE(drive.ok());
  const Status s = files::write_file(*drive, "batch", "abc", {.read_back = true});
  CHECK(s.code() == ErrorCode::kIo);
  CHECK_THAT(s.message(), Catch::Contains("reads back differently"));
  env.corrupt_writes = false;
  CHECK(files::write_file(*drive, "batch", "abc", {.read_back = true}).ok());
}

TEST_CASE("a durable append adds to the end and is synced before it returns", "[files]") {
  TempDir tmp("files");
  FailingEnv env;
  REQUIRE(files::append_durably(tmp.path / "log", "one\n", 0600, env).ok());
  REQUIRE(files::append_durably(tmp.path / "log", "two\n", 0600, env).ok());
  CHECK(contents(tmp.path / "log") == "one\ntwo\n");
  CHECK(env.calls(Call::kSync) == 2);
  env.fail(Call::kSync, EIO);
  CHECK(files::append_durably(tmp.path / "log", "three\n", 0600, env).code() == ErrorCode::kIo);
}

TEST_CASE("overwrite and remove leaves zeros where the secret was, then no file", "[files]") {
  TempDir tmp("files");
  const std::string secret(10000, 'k');
  put(tmp.path / "key", secret);
  FailingEnv env;
  std::string seen;
  env.before_unlink = [&](int dir_fd, const char* name) {
    const int fd = ::openat(dir_fd, name, O_RDONLY);
    if (fd < 0) return;
    char buffer[20000];
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n > 0) seen.assign(buffer, static_cast<std::size_t>(n));
    ::close(fd);
  };
  REQUIRE(files::overwrite_and_remove(tmp.path / "key", env).ok());
  CHECK(seen == std::string(secret.size(), '\0'));
  CHECK_FALSE(fs::exists(tmp.path / "key"));
  CHECK(files::overwrite_and_remove(tmp.path / "key").ok());  // already gone: done
  // A FIFO under the name: refused at once, not waited on for a reader.
  REQUIRE(::mkfifo((tmp.path / "fifo").c_str(), 0600) == 0);
  auto fifo = std::async(std::launch::async, [&] { return files::overwrite_and_remove(tmp.path / "fifo").ok(); });
  REQUIRE(fifo.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
  CHECK_FALSE(fifo.get());
}

TEST_CASE("a lock is held by one descriptor at a time and released when it closes", "[files]") {
  TempDir tmp("files");
  int raw = -1;
  {
    auto first = files::lock_file(tmp.path / "lock");
    REQUIRE(first.ok());
    raw = first->get();
    CHECK(files::lock_file(tmp.path / "lock").code() == ErrorCode::kConflict);
  }
  CHECK(::fcntl(raw, F_GETFD) == -1);  // the descriptor was closed with its owner
  CHECK(files::lock_file(tmp.path / "lock").ok());
}

TEST_CASE("folders below a root are opened one name at a time, never through a link", "[files]") {
  TempDir tmp("files");
  TempDir elsewhere("victim");
  auto root = files::Dir::open(tmp.path);
  REQUIRE(root.ok());
  auto made = root->sub("made", true);
  REQUIRE(made.ok());
  CHECK(fs::is_directory(tmp.path / "made"));
  fs::create_directory_symlink(elsewhere.path, tmp.path / "redirect");
  CHECK_FALSE(root->sub("redirect", true).ok());
  CHECK(root->list(true) == std::vector<std::string>{"made"});
  put(tmp.path / "b", "");
  put(tmp.path / "a", "");
  CHECK(root->list(false) == std::vector<std::string>{"a", "b"});
}
