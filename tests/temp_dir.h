// A fresh directory under /tmp for one test, removed with everything in it when the test ends.
// The one temporary-directory helper of the tests.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <stdexcept>
#include <string>

namespace civic::test {

struct TempDir {
  std::filesystem::path path;
  explicit TempDir(const std::string& what = "test") {
    std::string name = "/tmp/civic-" + what + "-XXXXXX";
    if (!::mkdtemp(name.data())) throw std::runtime_error("cannot create a temporary directory " + name);
    path = name;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::filesystem::path db() const { return path / "outbox.db"; }  // where the outbox tests keep theirs
};

}  // namespace civic::test
