#!/usr/bin/env bash
# README's test command: installs what is missing, builds everything with warnings as errors,
# and runs every default test (unit, integration, ui, short fuzz). Long runs and benchmarks
# have their own labels; see README.md.
set -euo pipefail
cd "$(dirname "$0")/.."

bash installer/install-deps.sh
cmake --preset ci
cmake --build --preset ci
ctest --preset ci "$@"
