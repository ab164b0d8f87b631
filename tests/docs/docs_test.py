#!/usr/bin/env python3
"""The docs test: every command README.md, installer/README.md and assets/README.md show is run as
written, in a scenario that gives it something real to work on, and must do what the text around it
says (exit 0, or the documented refusal).

A command counts as documented when it is a line of a ```sh block (its comment left out) or an
inline `code span` that starts with one of our programs and has an argument. Each one is either run
below or listed in NOT_RUN_HERE with the reason; the test fails on a documented command that is
neither, and on an entry of NOT_RUN_HERE or a run that the docs no longer show, so the docs and this
test cannot drift apart.

"As written" means the text of the command, with only these stand-ins, applied to its text:
  - placeholders get real values: ID (a kiosk id), TOKEN, m-1a2b3c4d and m-5e6f7a8b (moderation
    ids), 7KQ2M-X9ARC (a receipt code), DRIVE and /media/usb-drive (a drive), KEY and FILE, and
    https://hub.example.org (this test's hub on 127.0.0.1, plain HTTP);
  - system paths move into a scratch directory: /var/lib/civic-hub, /media/offline-usb, /backup and
    /etc/civic-kiosk/kiosk.toml;
  - "runuser -u civic-kiosk -- " is dropped (the test runs as one user).
The system's configuration is named by CIVIC_HUB_CONFIG and CIVIC_KIOSK_CONFIG, as an operator's
shell could. When the test runs as root, drives are real tmpfs mounts; otherwise `civic-sync
export` gets --not-a-drive added (and says so).

usage: docs_test.py BUILD_DIR SOURCE_DIR
"""
import json
import os
import re
import shlex
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

BUILD, SOURCE = (os.path.abspath(p) for p in sys.argv[1:3])
DOCS = ["README.md", "installer/README.md", "assets/README.md"]
OUR_PROGRAMS = {"civic-hub", "civic-sync", "civic-kiosk", "civic-outbox", "civic-verify-receipt"}
# Inline spans starting with these are commands too (`cmake --preset asan && ...`).
INLINE_COMMANDS = OUR_PROGRAMS | {"bash", "python3", "cmake", "ctest", "apt", "systemctl", "sqlite3"}

# Documented commands this test does not run, and why. Each must still be in the docs.
NOT_RUN_HERE = {
    "bash installer/test-all.sh": "it is the test command: it runs this test",
    "ctest --test-dir build/ci -L long -V": "the long label (1,000 crash rounds, 10-minute fuzzing) runs by hand",
    "ctest --test-dir build/ci -L bench -V": "benchmarks take minutes and print figures; run by hand",
    "python3 tests/kiosk/xvfb_flow_test.py build/ci . --update-screens":
        "it rewrites the reference screenshots; the same script runs without the flag in the ui label",
    "python3 tests/kiosk/xvfb_languages_test.py build/ci . --update-screens":
        "it rewrites two reference screenshots; the same script runs without the flag in the ui label",
    "cmake --preset asan && cmake --build --preset asan && ctest --preset asan":
        "test-all.sh builds the asan preset and runs the unit tests under it",
    "cmake --preset package && cmake --build --preset package && (cd build/package && cpack)":
        "installer/package-test.sh builds the packages this way",
    "apt install ./civic-hub_0.1.0_amd64.deb": "installer/package-test.sh installs the packages",
    "apt install ./civic-sync_0.1.0_amd64.deb ./civic-kiosk_0.1.0_amd64.deb":
        "installer/package-test.sh installs the packages",
    "systemctl stop civic-kiosk.service civic-sync.timer": "installer/package-test.sh stops and removes the units",
    "apt purge civic-kiosk civic-sync": "installer/package-test.sh purges the packages",
    "apt install": "a word in a sentence on updates: installer/package-test.sh installs over the packages",
    "apt purge": "a word in a sentence: installer/package-test.sh purges the packages",
    "bash installer/install-deps.sh": "run here by installer/run-demo.sh, which runs it first (so does test-all.sh)",
    "civic-hub migrate-store --from sqlite:/var/lib/civic-hub/hub.db --to "
    "postgresql://civic-hub@db.example.org/civic_hub --key /media/offline-usb/hub-submission.key":
        "it needs a PostgreSQL server: tests/sync/postgres_hubs_test.cpp runs it beside a throwaway cluster",
    "civic-hub moderate --web --key /media/offline-usb/hub-submission.key":
        "it serves until Ctrl-C: tests/hub/console_browser_test.py runs it and moderates in Chromium",
}


def strip_comment(line):
    """The line without a trailing # comment (a # outside quotes, after a space or at the start)."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[:i].rstrip()
    return line.rstrip()


def documented_commands():
    found = {}
    for doc in DOCS:
        text = open(os.path.join(SOURCE, doc), encoding="utf-8").read()
        for block in re.findall(r"```sh\n(.*?)```", text, re.S):
            for line in block.splitlines():
                command = strip_comment(line).strip()
                if command:
                    found.setdefault(command, doc)
        prose = re.sub(r"```.*?```", "", text, flags=re.S)
        for span in re.findall(r"`([^`\n]+)`", prose):
            words = span.split()
            if len(words) > 1 and words[0] in INLINE_COMMANDS and "|" not in span and "[" not in span:
                found.setdefault(span.strip(), doc)
    return found


DOCUMENTED = documented_commands()
ran = set()
failures = []


def check(condition, what):
    print(("ok    " if condition else "FAIL  ") + what, flush=True)
    if not condition:
        failures.append(what)


class Scenario:
    def __init__(self, root):
        self.root = root
        self.values = {}  # placeholder -> real value
        self.env = dict(os.environ)
        bins = [os.path.join(BUILD, d) for d in ("sync/hub", "sync/agent", "sync", "sync/tools", "kiosk")]
        self.env["PATH"] = os.pathsep.join(bins + [self.env.get("PATH", "/usr/bin:/bin")])
        self.env.pop("DISPLAY", None)
        self.env.pop("WAYLAND_DISPLAY", None)
        self.operator_dir = os.path.join(root, "operator")  # where an operator runs hub commands
        os.makedirs(self.operator_dir)
        self.mounts = []

    def path(self, *parts):
        return os.path.join(self.root, *parts)

    def as_run(self, command):
        text = command.replace("runuser -u civic-kiosk -- ", "")
        for system, scratch in (("/var/lib/civic-hub", self.path("hub")), ("/media/offline-usb", self.path("offline-usb")),
                                ("/media/usb-drive", self.values.get("/media/usb-drive", "/nonexistent")),
                                ("/backup", self.path("backup")),
                                ("/etc/civic-kiosk/kiosk.toml", self.env.get("CIVIC_KIOSK_CONFIG", ""))):
            text = text.replace(system, scratch)
        for placeholder, value in self.values.items():
            if placeholder.startswith("/"):
                continue
            text = re.sub(r"(?<![\w-])" + re.escape(placeholder) + r"(?![\w-])", value.replace("\\", r"\\"), text)
        return text

    def run(self, command, expect=0, stdin=None, cwd=None, add=""):
        """Runs a documented command (it must be documented) and checks its exit code."""
        check(command in DOCUMENTED, "documented: " + command)
        ran.add(command)
        text = self.as_run(command) + add
        r = subprocess.run(["bash", "-c", text], cwd=cwd or self.operator_dir, env=self.env, input=stdin,
                           capture_output=True, text=True, timeout=300)
        output = r.stdout + r.stderr
        check(r.returncode == expect, "exit %d (expected %d): %s%s" % (
            r.returncode, expect, command, "" if r.returncode == expect else "\n      ran: " + text +
            "\n      " + output.strip().replace("\n", "\n      ")))
        return r

    def tool(self, *argv, expect=0):
        """A command of the test's own, not from the docs (setting things up, reading results)."""
        r = subprocess.run(list(argv), cwd=self.operator_dir, env=self.env, capture_output=True, text=True,
                           timeout=300)
        if r.returncode != expect:
            raise SystemExit("setup step failed (%d): %s\n%s%s" % (r.returncode, " ".join(argv), r.stdout, r.stderr))
        return r

    def drive(self, name):
        """A folder that is a mount point when the test can mount (root), else an ordinary folder."""
        path = self.path(name)
        os.makedirs(path)
        if os.geteuid() == 0 and subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", path]).returncode == 0:
            self.mounts.append(path)
            return path, ""
        print("note  not root: civic-sync export gets --not-a-drive for " + path)
        return path, " --not-a-drive"

    def cleanup(self):
        for path in self.mounts:
            subprocess.run(["umount", path])


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def kiosk_config(s, name, hub_url="", batch_max_records=1000):
    path = s.path(name + ".toml")
    write(path, '[kiosk]\nstate_dir = "%s"\n[sync]\nhub_url = "%s"\nallow_plain_http = true\nmax_attempts = 1\n'
                'batch_max_records = %d\n[staff]\nusb_root = "%s"\n' % (s.path(name), hub_url, batch_max_records, s.root))
    return path


def start_hub(s):
    ready = s.path("hub-port")
    log = open(s.path("hub.log"), "w")
    proc = subprocess.Popen(["civic-hub", "serve", "--port", "0", "--ready-file", ready], env=s.env, stdout=log,
                            stderr=subprocess.STDOUT)
    for _ in range(100):
        if os.path.exists(ready):
            break
        time.sleep(0.1)
    port = open(ready).read().strip()
    return proc, "http://127.0.0.1:" + port


def main():
    root = tempfile.mkdtemp(prefix="civic-docs-")
    s = Scenario(root)
    hub_proc = None
    try:
        # The hub as the package leaves it: /etc/civic-hub/hub.toml and `civic-hub init` (postinst).
        hub_toml = s.path("hub.toml")
        write(hub_toml, '[storage]\nstate_dir = "%s"\n[server]\nlisten = "127.0.0.1"\n' % s.path("hub"))
        s.env["CIVIC_HUB_CONFIG"] = hub_toml
        s.tool("civic-hub", "init")
        os.makedirs(s.path("offline-usb"))
        s.run("mv /var/lib/civic-hub/offline/hub-submission.key /media/offline-usb/")
        s.run("mv /var/lib/civic-hub/offline/hub-content.key /media/offline-usb/")
        check(not os.path.exists(s.path("hub", "offline", "hub-submission.key")), "the secret keys left the hub")
        hub_proc, url = start_hub(s)
        s.values["https://hub.example.org"] = url

        # The operator's files: consultations (the demo's) and the city's population margins.
        shutil.copy(os.path.join(SOURCE, "assets/demo/content.json"), s.path("operator", "consultations.json"))
        shutil.copy(os.path.join(SOURCE, "config/population.toml"), s.path("operator", "population.toml"))
        s.values["FILE"] = "consultations.json"
        s.values["KEY"] = s.path("offline-usb", "hub-content.key")
        s.run("civic-hub content check consultations.json")
        s.run("civic-hub content publish --key /media/offline-usb/hub-content.key consultations.json")
        s.run("civic-hub content publish --key KEY FILE")
        s.run("civic-hub content check FILE")
        # Recorded speech (assets/README.md): a WAV file and the list that names what it says.
        os.makedirs(s.path("operator", "recordings"))
        subprocess.run(["sox", "-n", "-r", "16000", "-b", "16", "-c", "1", s.path("operator", "recordings", "name.wav"),
                        "synth", "0.5", "sine", "440"], check=True)
        write(s.path("operator", "recordings", "iu.tsv"), "ᐃᓄᒃᑎᑐᑦ\tname.wav\n")
        s.run("civic-hub content add-recordings consultations.json --language iu --list recordings/iu.tsv "
              "--out consultations-iu.json")
        with_iu = json.load(open(s.path("operator", "consultations-iu.json"), encoding="utf-8"))
        check(with_iu["format"] == 3 and with_iu["recordings"]["iu"][0]["text"] == "ᐃᓄᒃᑎᑐᑦ",
              "add-recordings wrote the recording into a format 3 file")
        s.run("civic-hub content show")
        s.run("civic-hub contnet", expect=2)

        # A kiosk, as the packages leave it (a key made by postinst), enrolled as installer/README says.
        s.env["CIVIC_KIOSK_CONFIG"] = kiosk_config(s, "kiosk")
        s.tool("civic-sync", "keygen")
        token = s.run('civic-hub enroll-token --label "Central library"').stdout.strip()
        s.values["TOKEN"] = token
        s.run('runuser -u civic-kiosk -- civic-sync enroll https://hub.example.org TOKEN --name "Central library"')
        kiosk_config(s, "kiosk", url)  # "then set hub_url in /etc/civic-kiosk/kiosk.toml"
        s.run("civic-kiosk --set-staff-pin", stdin="246813\n246813\n")
        # Residents' ideas (sealed as the kiosk seals them), one with a phone number.
        s.tool(os.path.join(BUILD, "tests", "fill_outbox"), s.path("kiosk"), "4", "call me at 555 1234")
        s.run("runuser -u civic-kiosk -- civic-sync run --once")
        status = s.run("civic-sync status")
        check("0 pending" in status.stdout, "civic-sync status shows nothing waiting")

        # Moderation, publishing, tally, receipts (README).
        queue = json.loads(s.tool("civic-hub", "moderate", "--key", s.path("offline-usb", "hub-submission.key"),
                                  "--json").stdout)
        check(len(queue) == 4, "four ideas wait for moderation")
        s.values["m-1a2b3c4d"] = queue[0]["moderation_id"]
        s.values["m-5e6f7a8b"] = queue[1]["moderation_id"]
        listed = s.run("civic-hub moderate --key /media/offline-usb/hub-submission.key")
        check(queue[0]["moderation_id"] in listed.stdout, "moderate lists the waiting ideas")
        approved = s.run('civic-hub moderate approve m-1a2b3c4d --key /media/offline-usb/hub-submission.key '
                         '--redact "555 1234"')
        check("555 1234" not in approved.stdout, "the approved text is redacted")
        s.run('civic-hub moderate reject m-5e6f7a8b --reason "names a person"')
        log = s.run("civic-hub moderate log")
        check("names a person" in log.stdout, "the moderation log has the reason")
        s.run("civic-hub content publish --key /media/offline-usb/hub-content.key")
        # The operator console's accounts and the metrics token (installer/README.md).
        s.run("civic-hub operator add alice --role admin", stdin="a long admin passphrase\n")
        s.run("civic-hub operator add sam --role viewer", stdin="a long viewer passphrase\n")
        listed = s.run("civic-hub operator list")
        check("alice" in listed.stdout and "sam" in listed.stdout, "operator list names both")
        s.run("civic-hub operator passwd alice", stdin="another admin passphrase\n")
        s.run("civic-hub operator remove sam")
        check("sam" not in s.run("civic-hub operator list").stdout, "sam was removed")
        s.run("civic-hub metrics-token")
        s.values["http://127.0.0.1:8470"] = url
        scraped = s.run('curl -s -H "Authorization: Bearer $(cat /var/lib/civic-hub/metrics.token)" '
                        'http://127.0.0.1:8470/metrics')
        check("civic_hub_kiosks{state=\"active\"} 1" in scraped.stdout, "/metrics with the token counts the kiosk")

        # The JSON listings (installer/README.md), parsed by Python's json module.
        s.values["KEY"] = s.path("offline-usb", "hub-submission.key")
        s.values["ID"] = json.loads(s.tool("civic-sync", "status", "--json").stdout)["kiosk"]
        s.run("civic-hub kiosks")
        for command in ("civic-hub kiosks --json", "civic-hub kiosks show ID --json", "civic-hub events --json",
                        "civic-hub moderate --key KEY --json", "civic-hub moderate log --json",
                        "civic-hub tally --key KEY --out results --json", "civic-sync status --json"):
            try:
                shown = json.loads(s.run(command).stdout)
            except ValueError:
                shown = None
            check(isinstance(shown, (list, dict)), "JSON from " + command)
        check(json.loads(s.tool("civic-hub", "kiosks", "show", s.values["ID"], "--json").stdout)["records"] == 4,
              "kiosks show --json counts the 4 records")
        # The online channel (README): a Decidim export and its mapping, as the operator keeps them.
        shutil.copytree(os.path.join(SOURCE, "assets", "examples"), s.path("operator", "assets", "examples"))
        for name in ("decidim-proposals.csv", "decidim-map.json"):
            shutil.copy(os.path.join(SOURCE, "assets", "examples", name), s.path("operator", name))
        s.run("civic-hub import-online decidim decidim-proposals.csv --map decidim-map.json")
        s.run("civic-hub tally --key /media/offline-usb/hub-submission.key --population population.toml --out results")
        check(os.path.exists(s.path("operator", "results", "report.html")), "tally wrote report.html")
        # Results where the console lists them (installer/README.md, "The operator console").
        s.values["KEY"] = s.path("offline-usb", "hub-submission.key")
        s.run("civic-hub tally --key KEY --out /var/lib/civic-hub/results/2026-12-02")
        check(os.path.exists(s.path("hub", "results", "2026-12-02", "report.html")), "the console's results folder has it")
        db = sqlite3.connect("file:%s?mode=ro" % s.path("hub", "hub.db"), uri=True)
        s.values["7KQ2M-X9ARC"] = db.execute("SELECT receipt FROM records ORDER BY id LIMIT 1").fetchone()[0]
        db.close()
        s.run("civic-hub receipt 7KQ2M-X9ARC --out proof.json")
        shutil.copy(s.path("hub", "hub-signing.pub"), s.path("operator", "hub-signing.pub"))  # from the city
        verified = s.run("civic-verify-receipt proof.json hub-signing.pub")
        check(verified.stdout.startswith("verified"), "the receipt verifies offline")
        kept = s.run("civic-hub log checkpoint --out checkpoint.ckcp")
        s.values["SIZE"] = re.search(r"log size (\d+)", kept.stdout).group(1)

        # Online participation, open data and the files for Decidim (assets/README.md).
        again = s.run("civic-hub import-online decidim assets/examples/decidim-proposals.csv --map "
                      "assets/examples/decidim-map.json")
        check("nothing changed" in again.stdout, "the same Decidim export again changes nothing")
        s.run("civic-hub import-online participants assets/examples/survey.csv --map assets/examples/survey-map.json "
              "--source survey")
        s.run("civic-hub log imports --out import-proofs.json")
        imports = json.loads(s.run("civic-hub log imports --json").stdout)
        check(len(imports) == 2 and all(i["kind"] == "online-import" for i in imports),
              "log imports --json lists both imports")
        proven = s.run("civic-verify-receipt import-proofs.json hub-signing.pub assets/examples/decidim-proposals.csv")
        check("is the file the hub imported" in proven.stdout, "the imported export verifies against the log")
        # The log grew by the survey's import since the auditor kept its checkpoint.
        s.run("civic-hub log consistency --from SIZE --out consistency.json")
        extends = s.run("civic-verify-receipt consistency.json hub-signing.pub checkpoint.ckcp")
        check("extends its log of %s entries" % s.values["SIZE"] in extends.stdout and
              "log of %d entries" % (int(s.values["SIZE"]) + 1) in extends.stdout,
              "the log after the import extends the auditor's checkpoint")
        s.run("civic-hub open-data --key /media/offline-usb/hub-submission.key --out open-data")
        check(os.path.exists(s.path("operator", "open-data", "datapackage.json")), "open-data wrote datapackage.json")
        s.run("civic-hub export-online decidim --key /media/offline-usb/hub-submission.key --map "
              "assets/examples/decidim-map.json --out to-decidim")
        check(os.path.exists(s.path("operator", "to-decidim", "decidim-answers-import.csv")),
              "export-online wrote the answers for Decidim")
        s.run("civic-hub export-pabulib --key /media/offline-usb/hub-submission.key --consultation budget-2027 "
              "--out budget-2027.pb")
        counted = s.run("civic-hub budget-count budget-2027.pb")
        check("greedy:" in counted.stdout and "equal shares:" in counted.stdout,
              "budget-count counts the exported pabulib file by both rules")

        # Backing up the hub (installer/README.md), checked by opening the copy.
        os.makedirs(s.path("backup"))
        s.run("sqlite3 /var/lib/civic-hub/hub.db \".backup '/backup/hub-$(date +%F).db'\"")
        s.run("cp /var/lib/civic-hub/hub-signing.key /var/lib/civic-hub/hub-signing.pub "
              "/var/lib/civic-hub/hub-submission.pub /backup/")
        copies = [f for f in os.listdir(s.path("backup")) if f.startswith("hub-") and f.endswith(".db")]
        check(len(copies) == 1, "the backup database is there")
        if copies:
            copy = sqlite3.connect(s.path("backup", copies[0]))
            check(copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok" and
                  copy.execute("SELECT count(*) FROM records").fetchone()[0] == 4, "the backup holds the 4 records")
            copy.close()

        # Decommissioning a kiosk whose records all reached the hub.
        kiosk_id = json.loads(s.tool("civic-sync", "status", "--json").stdout)["kiosk"]
        s.values["ID"] = kiosk_id
        s.run("runuser -u civic-kiosk -- civic-sync run --once")
        s.run("runuser -u civic-kiosk -- civic-sync decommission --yes")
        s.run("civic-hub kiosks revoke ID --yes")
        check(not os.path.exists(s.path("kiosk", "kiosk-signing.key")), "the kiosk's key is wiped")

        # A kiosk revoked with records it never sent: handed over on a drive, then wiped.
        s.env["CIVIC_KIOSK_CONFIG"] = kiosk_config(s, "kiosk2", url, batch_max_records=2)
        s.tool("civic-sync", "keygen")
        s.tool("civic-sync", "enroll", url, s.tool("civic-hub", "enroll-token", "--label", "branch").stdout.strip())
        s.tool(os.path.join(BUILD, "tests", "fill_outbox"), s.path("kiosk2"), "4", "idea")
        s.values["ID"] = json.loads(s.tool("civic-sync", "status", "--json").stdout)["kiosk"]
        s.run("civic-hub kiosks revoke ID --yes")
        drive, flag = s.drive("usb-drive")
        s.values["DRIVE"] = drive
        s.values["/media/usb-drive"] = drive
        s.run("civic-sync export DRIVE", add=flag)
        wiped = s.run("civic-sync decommission --yes --discard-unsent")
        check("4 record(s)" in wiped.stdout, "decommission says how many records were never acknowledged")
        imported = s.run("civic-hub import /media/usb-drive")
        check(imported.stdout.count("held for an operator's decision") == 2, "both batches are held")
        s.run("civic-hub held list")
        s.run('civic-hub held accept 1 --reason "kiosk closed for repairs, records checked"')
        s.run('civic-hub held discard 2 --reason "the kiosk was tampered with"')
        kiosks = json.loads(s.tool("civic-hub", "kiosks", "--json").stdout)
        check(sorted(k["records"] for k in kiosks) == [2, 4], "the accepted batch counts, the discarded does not")

        # Rotating the hub's keys: a new hub state.
        s.env["CIVIC_HUB_CONFIG"] = s.path("new-hub.toml")
        write(s.env["CIVIC_HUB_CONFIG"], '[storage]\nstate_dir = "%s"\n' % s.path("new-hub"))
        s.run("civic-hub init")
        check(os.path.exists(s.path("new-hub", "hub-signing.key")), "civic-hub init made a new hub")

        # The main job (README): the demo with its own state, on a virtual display.
        demo_env = dict(s.env, CIVIC_DEMO_DIR=s.path("demo"))
        demo_env.pop("CIVIC_HUB_CONFIG")
        demo_env.pop("CIVIC_KIOSK_CONFIG")
        saved, s.env = s.env, demo_env
        s.run("bash installer/run-demo.sh", cwd=SOURCE)
        s.env = saved
        check(os.path.exists(s.path("demo", "kiosk.png")), "the demo saved a screenshot of the kiosk")
    finally:
        if hub_proc:
            hub_proc.send_signal(signal.SIGTERM)
            hub_proc.wait(timeout=30)
        s.cleanup()
        shutil.rmtree(root, ignore_errors=True)

    for command, doc in sorted(DOCUMENTED.items(), key=lambda item: item[1]):
        check(command in ran or command in NOT_RUN_HERE, "%s: run or said why not: %s" % (doc, command))
    for command in NOT_RUN_HERE:
        check(command in DOCUMENTED, "still documented (else remove it here): " + command)
    print("%d documented commands: %d run, %d not run here (with reasons)" % (
        len(DOCUMENTED), len(ran & set(DOCUMENTED)), len(set(NOT_RUN_HERE) & set(DOCUMENTED))))
    if failures:
        print("\n%d failure(s)" % len(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
