#!/usr/bin/env bash
# The packages, as a library's or a city's IT person would use them: build the .debs,
# lintian (no errors), systemd-analyze verify, install, install again over them (config and data
# survive), run civic-kiosk under cage's headless backend (it draws its attract screen and stops
# cleanly on SIGTERM), remove with nothing of ours left running, purge (residents' data kept while
# not decommissioned). Needs root; changes this machine's packages, users and /var/lib, and
# leaves none of them behind. Part of installer/test-all.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "package-test: run as root (it installs packages)" >&2; exit 1; }

out=build/package
work=$(mktemp -d /tmp/civic-package-test.XXXXXX)
chmod 755 "$work"
checks=0
ok() { checks=$((checks + 1)); echo "  ok: $*"; }
fail() { echo "FAILED: $*" >&2; exit 1; }

cleanup() {
  pkill -x cage 2>/dev/null || true
  start-stop-daemon --stop --quiet --oknodo --retry TERM/5/KILL/2 --exec /usr/bin/civic-hub 2>/dev/null || true
  start-stop-daemon --stop --quiet --oknodo --retry TERM/5/KILL/2 --exec /usr/bin/civic-kiosk 2>/dev/null || true
  dpkg -P civic-kiosk civic-sync civic-hub >/dev/null 2>&1 || true
  rm -rf /var/lib/civic-kiosk /var/lib/civic-hub /etc/civic-kiosk /etc/civic-hub "$work"
  for u in civic-kiosk civic-hub; do
    if getent passwd "$u" >/dev/null; then deluser --system "$u" >/dev/null 2>&1 || true; fi
    if getent group "$u" >/dev/null; then delgroup --system "$u" >/dev/null 2>&1 || true; fi
  done
}
cleanup
trap cleanup EXIT
work=$(mktemp -d /tmp/civic-package-test.XXXXXX)
chmod 755 "$work"

echo "== build the packages (package preset)"
cmake --preset package >/dev/null
cmake --build --preset package
rm -f "$out"/*.deb
(cd "$out" && cpack >/dev/null)
debs=("$out"/civic-sync_*.deb "$out"/civic-kiosk_*.deb "$out"/civic-hub_*.deb)
for d in "${debs[@]}"; do [ -f "$d" ] || fail "no package $d"; done
ok "three packages: $(cd "$out" && ls *.deb | tr '\n' ' ')"

echo "== lintian"
lintian "${debs[@]}" >"$work/lintian.txt" 2>&1 || true
if grep -q "^E:" "$work/lintian.txt"; then cat "$work/lintian.txt"; fail "lintian reports errors"; fi
ok "lintian: no errors ($(grep -c '^W:' "$work/lintian.txt" || true) warnings)"

echo "== install"
apt-get install -y -q --no-install-recommends "${debs[@]/#/./}" >"$work/install.txt" 2>&1 || {
  cat "$work/install.txt"; fail "installing the packages"; }
for f in /usr/bin/civic-kiosk /usr/bin/civic-sync /usr/bin/civic-hub /usr/bin/civic-verify-receipt \
         /usr/share/civic-kiosk/i18n/en.json /etc/civic-kiosk/kiosk.toml /etc/civic-hub/hub.toml; do
  [ -e "$f" ] || fail "$f is not installed"
done
ok "files in FHS places"
getent passwd civic-kiosk >/dev/null && getent passwd civic-hub >/dev/null || fail "system users were not created"
[ "$(stat -c %U:%a /var/lib/civic-kiosk/kiosk-signing.key)" = "civic-kiosk:600" ] || fail "the kiosk key is not civic-kiosk's, 0600"
[ "$(stat -c %U /var/lib/civic-hub/hub-signing.key)" = civic-hub ] || fail "the hub's keys were not created"
ok "users civic-kiosk and civic-hub, the kiosk's key and the hub's keys created on first install"

echo "== systemd-analyze verify"
for unit in /usr/lib/systemd/system/civic-*.service /usr/lib/systemd/system/civic-*.timer; do
  systemd-analyze verify "$unit" >"$work/verify.txt" 2>&1 || { cat "$work/verify.txt"; fail "systemd-analyze verify $unit"; }
  if grep -i "civic" "$work/verify.txt"; then fail "systemd-analyze has remarks about $unit"; fi
done
ok "systemd-analyze verify accepts every unit"

# Exposure (systemd-analyze security: 0 best, 10 worst): the hub and the sync agent at most 3.0;
# the kiosk session at most 4.0 (its compositor needs the seat's devices, /run/user and JIT memory).
exposure() { systemd-analyze security --offline=true "/usr/lib/systemd/system/$1" 2>/dev/null |
             grep -o 'exposure level for [^:]*: [0-9.]*' | grep -o '[0-9.]*$'; }
for unit in civic-hub.service civic-sync.service civic-kiosk.service; do
  level=$(exposure "$unit")
  echo "  exposure of $unit: ${level:-unknown}"
  limit=3.0
  [ "$unit" = civic-kiosk.service ] && limit=4.0
  awk -v l="${level:-10}" -v m="$limit" 'BEGIN { exit !(l <= m) }' || fail "$unit is exposed at ${level:-unknown} (at most $limit)"
done
ok "the hub and the sync agent are hardened (exposure at most 3.0), the kiosk session at most 4.0"

echo "== the hub and a kiosk, as installed"
runuser -u civic-hub -- /usr/bin/civic-hub --config /etc/civic-hub/hub.toml serve >"$work/hub.log" 2>&1 &
for _ in $(seq 100); do curl -fs http://127.0.0.1:8470/v1/health >/dev/null && break; sleep 0.1; done
curl -fs http://127.0.0.1:8470/v1/health >/dev/null || { cat "$work/hub.log"; fail "the installed hub does not answer"; }
runuser -u civic-hub -- /usr/bin/civic-hub --config /etc/civic-hub/hub.toml content publish \
  --key /var/lib/civic-hub/offline/hub-content.key /usr/share/civic-kiosk/demo/content.json >/dev/null
token=$(runuser -u civic-hub -- /usr/bin/civic-hub --config /etc/civic-hub/hub.toml enroll-token 2>/dev/null)
sed -i 's|^hub_url = .*|hub_url = "http://127.0.0.1:8470"|' /etc/civic-kiosk/kiosk.toml
grep -q '^hub_url = "http://127.0.0.1:8470"' /etc/civic-kiosk/kiosk.toml || fail "cannot set hub_url in kiosk.toml"
runuser -u civic-kiosk -- /usr/bin/civic-sync enroll http://127.0.0.1:8470 "$token" --name "package test" >/dev/null
runuser -u civic-kiosk -- /usr/bin/civic-sync run --once >/dev/null
ok "the installed hub serves; the installed kiosk enrols and syncs as civic-kiosk"

echo "== install again over it: config and data survive"
echo "# kept across upgrades" >>/etc/civic-hub/hub.toml
key_before=$(sha256sum /var/lib/civic-kiosk/kiosk-signing.key /var/lib/civic-hub/hub-signing.key)
db_before=$(sqlite3 /var/lib/civic-hub/hub.db "SELECT count(*) FROM kiosks")
start-stop-daemon --stop --quiet --oknodo --retry TERM/10/KILL/5 --exec /usr/bin/civic-hub
dpkg -i "${debs[@]}" >"$work/upgrade.txt" 2>&1 || { cat "$work/upgrade.txt"; fail "installing over the installed packages"; }
grep -q "# kept across upgrades" /etc/civic-hub/hub.toml || fail "the changed hub.toml was replaced"
grep -q '^hub_url = "http://127.0.0.1:8470"' /etc/civic-kiosk/kiosk.toml || fail "the changed kiosk.toml was replaced"
[ "$key_before" = "$(sha256sum /var/lib/civic-kiosk/kiosk-signing.key /var/lib/civic-hub/hub-signing.key)" ] ||
  fail "keys changed on upgrade"
[ "$(sqlite3 /var/lib/civic-hub/hub.db "SELECT count(*) FROM kiosks")" = "$db_before" ] || fail "hub data changed on upgrade"
ok "after installing again: configuration, keys and the hub's database are as they were"

echo "== civic-kiosk under cage (headless wlroots backend)"
runuser -u civic-hub -- /usr/bin/civic-hub --config /etc/civic-hub/hub.toml serve >"$work/hub.log" 2>&1 &
runtime="$work/runtime"
install -d -m 0700 -o civic-kiosk "$runtime" "$work/shots"
chown civic-kiosk "$work"
runuser -u civic-kiosk -- env XDG_RUNTIME_DIR="$runtime" WLR_BACKENDS=headless WLR_LIBINPUT_NO_DEVICES=1 \
  WLR_RENDERER=pixman SDL_VIDEODRIVER=wayland SDL_AUDIODRIVER=dummy \
  cage -- /bin/sh -c "/usr/bin/civic-kiosk --config /etc/civic-kiosk/kiosk.toml --a11y-dump $work/tree.json \
    --screenshot-dir $work/shots; echo \$? > $work/kiosk-exit" >"$work/cage.log" 2>&1 &
cage_pid=$!
for _ in $(seq 200); do grep -q '"screen":"attract"' "$work/tree.json" 2>/dev/null && [ -e "$work/shots/attract-en.ppm" ] && break; sleep 0.1; done
grep -q '"screen":"attract"' "$work/tree.json" 2>/dev/null || { cat "$work/cage.log"; fail "civic-kiosk did not draw its attract screen under cage"; }
grep -q '"attract.start"' "$work/tree.json" || fail "the attract screen has no start button"
ok "civic-kiosk draws its attract screen under cage"
kiosk_pid=$(pgrep -u civic-kiosk -x civic-kiosk)
kill -TERM "$kiosk_pid"
for _ in $(seq 100); do kill -0 "$cage_pid" 2>/dev/null || break; sleep 0.1; done
! kill -0 "$cage_pid" 2>/dev/null || fail "cage did not exit after civic-kiosk was stopped"
[ "$(cat "$work/kiosk-exit")" = 0 ] || fail "civic-kiosk exited with $(cat "$work/kiosk-exit") on SIGTERM"
if command -v convert >/dev/null; then convert "$work/shots/attract-en.ppm" "$out/cage-attract.png"; fi
ok "SIGTERM: civic-kiosk exits 0 and cage with it (screenshot: $out/cage-attract.png)"

echo "== remove: nothing of ours left running"
pgrep -x civic-hub >/dev/null || fail "the hub should be running before removal (to see that removal stops it)"
dpkg -r civic-kiosk civic-sync civic-hub >"$work/remove.txt" 2>&1 || { cat "$work/remove.txt"; fail "removing the packages"; }
sleep 0.5
if pgrep -f "/usr/bin/civic-(kiosk|sync|hub)" >/dev/null; then pgrep -af "/usr/bin/civic-"; fail "a civic process survived removal"; fi
ok "no civic-kiosk, civic-sync or civic-hub process is left"
[ -e /etc/civic-hub/hub.toml ] && [ -e /var/lib/civic-hub/hub.db ] && [ -e /var/lib/civic-kiosk/kiosk-signing.key ] ||
  fail "remove (not purge) lost configuration or data"
ok "remove keeps configuration and data"

echo "== purge: a kiosk not decommissioned keeps its state"
dpkg -P civic-kiosk civic-sync civic-hub >"$work/purge.txt" 2>&1 || { cat "$work/purge.txt"; fail "purging"; }
[ -e /var/lib/civic-kiosk/kiosk-signing.key ] || fail "purge removed a kiosk's state before decommissioning"
grep -q "decommission" "$work/purge.txt" || fail "purge did not say why the kiosk's state was kept"
[ ! -e /etc/civic-hub/hub.toml ] || fail "purge left the hub's configuration"
ok "purge removes configuration; keeps /var/lib/civic-kiosk (not decommissioned) and says so"

echo "package test: $checks passed, 0 failed"
