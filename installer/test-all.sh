#!/usr/bin/env bash
# README's test command: installs what is missing, builds everything with warnings as errors,
# and runs every default test: unit, integration, ui and short fuzz runs (ci preset), the unit
# tests again under AddressSanitizer + UndefinedBehaviorSanitizer (asan preset), and the
# concurrency tests under ThreadSanitizer (tsan preset), clang-tidy over every source of sync/ and
# kiosk/ (.clang-tidy: any finding fails), then the Debian packages (build, lintian,
# install, upgrade, cage, remove: installer/package-test.sh). Long runs and benchmarks have their own
# labels; see README.md. Extra arguments go to the first ctest run.
set -euo pipefail
cd "$(dirname "$0")/.."

bash installer/install-deps.sh

echo "== build and test (ci preset)"
cmake --preset ci
cmake --build --preset ci
ctest --preset ci --no-tests=error "$@"

echo "== unit tests under AddressSanitizer and UndefinedBehaviorSanitizer (asan preset)"
cmake --preset asan -DCIVIC_BUILD_KIOSK=OFF >/dev/null
# Every unit-test executable (the list comes from tests/CMakeLists.txt); each must have run tests.
cmake --build --preset asan --target civic_unit_tests
ctest --preset asan --no-tests=error -L unit -E "Python"
registered=$(ctest --preset asan -N -L unit)
while read -r target; do
  if ! grep -q ": $target:" <<<"$registered"; then
    echo "unit-test target $target registered no test under asan: was it built?" >&2
    exit 1
  fi
done <build/asan/unit-test-targets.txt

echo "== concurrency tests under ThreadSanitizer (tsan preset)"
cmake --preset tsan -DCIVIC_BUILD_KIOSK=OFF >/dev/null
cmake --build --preset tsan --target outbox_tests outbox_append_child civic-hub civic-sync fill_outbox hub_flood_tests
ctest --preset tsan --no-tests=error -R "concurrency:"
# The hub's HTTP server (one event thread, workers) under floods: every process writes what TSan
# finds to $tsan_logs, and any report fails the run (the hub's own exit status is not seen).
tsan_logs=$(mktemp -d)
TSAN_OPTIONS="log_path=$tsan_logs/report suppressions=$PWD/tests/tsan-suppressions.txt" \
  ctest --preset tsan --no-tests=error \
  -R "hub_flood_tests.*(slow request|declared bodies|endless header|receipt proofs|answered whatever)"
if compgen -G "$tsan_logs/report*" >/dev/null; then
  cat "$tsan_logs"/report*
  echo "ThreadSanitizer reported the above" >&2
  exit 1
fi
rm -rf "$tsan_logs"

echo "== clang-tidy over sync/ and kiosk/ (.clang-tidy)"
# The ci preset's compile commands; run-clang-tidy exits non-zero on any finding.
run-clang-tidy -p build/ci -quiet -j "$(nproc)" "^$PWD/(sync|kiosk)/" >build/ci/clang-tidy.log 2>&1 || {
  grep -E "(warning|error):" build/ci/clang-tidy.log | sort -u >&2
  echo "clang-tidy found the above (whole output: build/ci/clang-tidy.log)" >&2
  exit 1
}

echo "== Debian packages: build, lintian, install, upgrade, cage, remove (installer/package-test.sh)"
bash installer/package-test.sh
