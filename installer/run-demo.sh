#!/usr/bin/env bash
# README's main command: installs what is missing, builds, and runs the main job.
set -euo pipefail
cd "$(dirname "$0")/.."

bash installer/install-deps.sh
cmake --preset ci >/dev/null
cmake --build --preset ci --target civic-protocol-demo
./build/ci/sync/tools/civic-protocol-demo
