#!/usr/bin/env bash
# README's main command: installs what is missing, builds, starts a local hub with the demo
# consultation (keys generated here, for the demo only: never production keys), enrols a kiosk
# with it, and runs the kiosk in a window. Close the window (or press Ctrl-C) to finish: what
# residents submitted then goes to the hub. State stays in build/demo (CIVIC_DEMO_DIR) between runs.
set -euo pipefail
cd "$(dirname "$0")/.."

bash installer/install-deps.sh
cmake --preset ci >/dev/null
cmake --build --preset ci --target civic-hub civic-sync civic-kiosk

bin=build/ci
demo="${CIVIC_DEMO_DIR:-$PWD/build/demo}"
hub() { "$bin/sync/hub/civic-hub" --state "$demo/hub" "$@"; }
sync() { "$bin/sync/agent/civic-sync" --config "$demo/kiosk.toml" "$@"; }
mkdir -p "$demo"

if [ ! -f "$demo/hub/hub-signing.key" ]; then
  echo "== creating demo hub keys in $demo/hub"
  hub init
fi

echo "== starting the hub on 127.0.0.1"
rm -f "$demo/hub/port"
# The binary itself, not the function: $! must be the server's pid for the trap to stop it.
"$bin/sync/hub/civic-hub" --state "$demo/hub" serve --port 0 --ready-file "$demo/hub/port" >"$demo/hub.log" 2>&1 &
hub_pid=$!
trap 'kill $hub_pid 2>/dev/null; wait $hub_pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -f "$demo/hub/port" ] && break; sleep 0.1; done
[ -f "$demo/hub/port" ] || { echo "the hub did not start; see $demo/hub.log" >&2; exit 1; }
url="http://127.0.0.1:$(cat "$demo/hub/port")"
hub content publish --key "$demo/hub/offline/hub-content.key" assets/demo/content.json

cat > "$demo/kiosk.toml" <<TOML
[kiosk]
state_dir = "$demo/kiosk"
[sync]
hub_url = "$url"
[display]
fullscreen = false
[languages]
offered = ["en", "fr", "es", "iu"]
TOML

if [ ! -f "$demo/kiosk/hub-signing.pub" ]; then
  echo "== enrolling the demo kiosk"
  sync enroll "$url" "$(hub enroll-token --label demo 2>/dev/null)" --name "demo kiosk"
fi
sync run --once

kiosk=("$bin/kiosk/civic-kiosk" --config "$demo/kiosk.toml")
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  echo "== the kiosk is open in a window; close it to finish"
  "${kiosk[@]}" || true
else
  echo "== no display here: running the kiosk on a virtual display for 10 seconds"
  mkdir -p "$demo/screens"
  xvfb-run -a -s "-screen 0 1280x800x24" timeout -s TERM 10 "${kiosk[@]}" --screenshot-dir "$demo/screens" || true
  convert "$demo/screens/attract-en.ppm" "$demo/kiosk.png" 2>/dev/null &&
    echo "   screenshot of what it showed: $demo/kiosk.png (run this on a desktop to use it)"
fi

echo "== sending what residents submitted to the hub"
sync run --once
sync status
echo
hub kiosks list
echo
echo "Submissions are sealed: only the offline key $demo/hub/offline/hub-submission.key opens them."
