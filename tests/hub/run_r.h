// Runs an R script (Rscript --vanilla) and returns what it printed; the test fails when R does.
// R is the independent implementation the results are checked against (installer/install-deps.sh
// installs r-base-core and r-cran-bradleyterry2).
#pragma once

#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <string>

#include "tests/temp_dir.h"

namespace civic::test {

inline std::string run_r(const std::string& script) {
  TempDir dir{"rcheck"};
  const auto file = dir.path / "check.R";
  std::ofstream(file) << script;
  FILE* pipe = popen(("Rscript --vanilla " + file.string() + " 2>&1").c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string out;
  char buf[4096];
  while (std::fgets(buf, sizeof buf, pipe)) out += buf;
  const int status = pclose(pipe);
  INFO(out);
  REQUIRE(status == 0);
  return out;
}

}  // namespace civic::test
