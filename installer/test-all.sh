#!/usr/bin/env bash
# README's test command: installs what is missing, builds everything with warnings as errors,
# and runs every default test: unit, integration, ui and short fuzz runs (ci preset), the unit
# tests again under AddressSanitizer + UndefinedBehaviorSanitizer (asan preset), and the
# concurrency tests under ThreadSanitizer (tsan preset), then the Debian packages (build, lintian,
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
cmake --build --preset asan --target protocol_tests outbox_tests outbox_append_child config_tests kiosk_session_tests \
  kiosk_staff_tests hub_moderation_tests \
  hub_results_tests
ctest --preset asan --no-tests=error -L unit -E "Python"

echo "== concurrency tests under ThreadSanitizer (tsan preset)"
cmake --preset tsan -DCIVIC_BUILD_KIOSK=OFF >/dev/null
cmake --build --preset tsan --target outbox_tests outbox_append_child
ctest --preset tsan --no-tests=error -R "concurrency:"

echo "== Debian packages: build, lintian, install, upgrade, cage, remove (installer/package-test.sh)"
bash installer/package-test.sh
