#!/usr/bin/env python3
"""Field staff at a town hall, with the real civic-kiosk under Xvfb driven by xdotool: a long
press in the staff corner and the PIN open staff mode; staff start an event; a resident takes
part; staff transcribe two paper cards; close the event with a headcount; export to a directory
standing in for a USB drive. The hub imports the drive and its tally reports the event with the
right counts by channel. Then the export is tried onto a drive that fills up, and one pulled out
mid-write (a file-size limit, and the signal it raises): a clear message, no manifest claiming a
complete export, nothing lost from the outbox; a later export carries everything exactly once.

Usage: xvfb_staff_test.py BUILD_DIR SOURCE_DIR
"""
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time

import xvfb_kiosk
from xvfb_kiosk import (remove_work, check, enroll, normalise, ocr, passed, run, screenshot, start_hub, start_xvfb, stop_all,
                        write_kiosk_config)

BUILD, SOURCE = sys.argv[1], sys.argv[2]
HUB = f"{BUILD}/sync/hub/civic-hub"
SYNC = f"{BUILD}/sync/agent/civic-sync"
KIOSK = f"{BUILD}/kiosk/civic-kiosk"
OPEN = f"{BUILD}/tests/open_outbox"
FILL = f"{BUILD}/tests/fill_outbox"
PIN = "482913"


class Kiosk(xvfb_kiosk.Kiosk):
    """The kiosk with staff mode's gestures."""

    def __init__(self, work, env, first_screen="attract"):
        super().__init__(BUILD, work, env, first_screen=first_screen)

    def staff(self):
        return (self.tree() or {}).get("staff")

    def digits(self, number):
        for d in number:
            self.tap(f"staff.digit.{d}")

    def enter_staff(self):
        self.long_press(60, 775, 3.5)
        self.wait(lambda t: t["staff"] == "staff-pin", "the staff PIN pad after the long press")
        self.digits(PIN)
        self.tap("staff.confirm")
        self.wait(lambda t: t["staff"] == "staff-menu", "the staff menu")

    def leave_staff(self):
        self.tap("staff.exit")
        self.wait(lambda t: t["staff"] == "staff-exit", "the PIN to leave")
        self.digits(PIN)
        self.tap("staff.confirm")
        self.wait(lambda t: t["staff"] == "closed", "staff mode closed")


def participate(k, idea, vote_id, from_start=True):
    if from_start:
        k.tap("attract.start")
    k.tap("language.en")
    k.tap("consultation.parks-2026")
    k.tap("nav.next")
    k.type(idea)
    k.tap("nav.next")
    k.tap(vote_id)
    k.tap("nav.next")
    k.tap("nav.skip")
    k.tap("nav.confirm")
    k.wait(lambda t: t["screen"] == "thanks", "the thank-you screen")
    k.tap("nav.finish")


def export_with_limit(work, target, limit, pulled):
    """civic-sync export under a file-size limit: with SIGXFSZ ignored, writes fail as on a full
    drive; with its default action, the process dies mid-write as if the drive were pulled."""
    def limit_child():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
        signal.signal(signal.SIGXFSZ, signal.SIG_DFL if pulled else signal.SIG_IGN)
    return subprocess.run([SYNC, "--config", f"{work}/kiosk.toml", "export", target, "--not-a-drive"], capture_output=True, text=True,
                          timeout=120, preexec_fn=limit_child)


def status(work):
    return run(SYNC, "--config", f"{work}/kiosk.toml", "status").stdout


def waiting(work):
    """Records on the kiosk not yet acknowledged: pending plus those in unacknowledged batches."""
    line = next(l for l in status(work).splitlines() if l.startswith("waiting"))
    words = line.split()
    return int(words[1]) + int(words[3])


def main():
    work = tempfile.mkdtemp(prefix="civic-staff-")
    procs = []
    try:
        xvfb, display = start_xvfb()
        procs.append(xvfb)
        env = dict(os.environ, DISPLAY=display, SDL_AUDIODRIVER="dummy")
        hub, port = start_hub(BUILD, SOURCE, work)
        procs.append(hub)
        os.makedirs(f"{work}/media/usb0")
        write_kiosk_config(work, port, f'[staff]\nusb_root = "{work}/media"\nusb_mounts_only = false\n')
        # Installed but not enrolled: the kiosk says so, and starts once it is enrolled.
        k = Kiosk(work, env, first_screen="not-set-up")
        check(any(n["id"] == "setup.title.en" for n in k.tree()["nodes"]), "an unenrolled kiosk says it is not set up")
        enroll(BUILD, work, port)
        k.wait(lambda t: t["screen"] == "attract", "the attract screen once enrolled", timeout=40)
        check(k.stop() == 0, "the kiosk stops cleanly")
        # The hub goes away: the town hall has no network.
        hub.terminate()
        hub.wait(timeout=10)
        procs.remove(hub)

        bad = run(KIOSK, "--config", f"{work}/kiosk.toml", "--set-staff-pin", input="123\n123\n", ok=False)
        check(bad.returncode != 0 and "digits" in bad.stderr, "a too-short PIN is refused with a reason")
        for easy in ("111111", "123456"):
            bad = run(KIOSK, "--config", f"{work}/kiosk.toml", "--set-staff-pin", input=f"{easy}\n{easy}\n", ok=False)
            check(bad.returncode != 0 and "too easy" in bad.stderr, f"the PIN {easy} is refused as too easy to guess")
        run(KIOSK, "--config", f"{work}/kiosk.toml", "--set-staff-pin", input=f"{PIN}\n{PIN}\n")

        k = Kiosk(work, env)
        # A short press in the corner does nothing; a wrong PIN is refused.
        k.long_press(60, 775, 0.5)
        time.sleep(0.5)
        check(k.staff() == "closed", "a short press in the corner does not open staff mode")
        k.long_press(60, 775, 3.5)
        k.wait(lambda t: t["staff"] == "staff-pin", "the PIN pad")
        k.digits("000000")
        k.tap("staff.confirm")
        msg = k.node("staff.message")[0]["label"]
        check("Wrong PIN" in msg, f"a wrong PIN says so ({msg})")
        k.digits(PIN)
        k.tap("staff.confirm")
        k.wait(lambda t: t["staff"] == "staff-menu", "the staff menu")

        k.tap("staff.health")
        health = {n["id"]: n["label"] for n in k.wait(lambda t: t["staff"] == "staff-health", "health")["nodes"]}
        check("ok" in health.get("staff.h_integrity", ""), "the health screen shows the outbox check")
        check("staff.h_pending" in health and "staff.h_content" in health, "the health screen shows counts and content")
        check(health.get("staff.h_speech", "").endswith(": ok"), f"the health screen says whether speech works ({health.get('staff.h_speech')})")
        check("ok, checked" in health.get("staff.h_log", ""), f"the enrolling sync checked the hub's log ({health.get('staff.h_log')})")
        k.tap("staff.back")
        # The agent refused the hub's log (as civic-sync writes it): the health screen shows it,
        # long reason wrapped, and what is drawn says so (OCR), not only the screen's model.
        with open(f"{work}/kiosk/log-witness.json") as f:
            witness = json.load(f)
        witness.update(refused_at=int(time.time()), refused_reason="the hub's log of 10 entries does not extend the "
                       "log of 8 entries it signed before: its history was rewritten")
        with open(f"{work}/kiosk/log-witness.json", "w") as f:
            json.dump(witness, f)
        k.tap("staff.health")
        t = k.wait(lambda t: t["staff"] == "staff-health", "health")
        row = next(n for n in t["nodes"] if n["id"] == "staff.h_log")
        check(row["label"].startswith("Hub log: REFUSED") and "history was rewritten" in row["label"],
              f"the health screen shows the refusal ({row['label']})")
        scale = t.get("scale", 1)
        png = screenshot(env, work, "staff-health-refused")
        read = normalise(ocr(png, (row["x"] * scale, row["y"] * scale, (row["x"] + row["w"]) * scale,
                                   (row["y"] + row["h"]) * scale), "en"))
        check("refused" in read and "history was rewritten" in read, f"the refusal is drawn in full ({read})")
        back = next(n for n in t["nodes"] if n["id"] == "staff.back")
        check(row["y"] + row["h"] <= back["y"], "the refusal ends above the back button")
        k.tap("staff.back")

        k.tap("staff.event")
        k.type("ward 3", prefix="staff.key.")
        k.tap("staff.event_place_field")
        k.type("city hall", prefix="staff.key.")
        k.tap("staff.start_event")
        t = k.wait(lambda t: any(n["id"] == "staff.event_counts" for n in t["nodes"]), "the open event")
        event_id = next(n["label"] for n in t["nodes"] if n["id"] == "staff.event_place").split(" — ")[-1]
        check(event_id.startswith("ev-"), f"the event has an id ({event_id})")
        k.tap("staff.back")
        k.leave_staff()

        participate(k, "more shade", "idea-001.support")

        k.enter_staff()
        for card, idea in (("0101", "bus shelter"), ("0102", "night lights")):
            k.tap("staff.paper")
            k.wait(lambda t: t["staff"] == "staff-paper", "the paper card screen")
            k.digits(card)
            k.tap("staff.confirm")
            k.wait(lambda t: t["screen"] == "language", "the resident flow for the paper card")
            participate(k, idea, "idea-002.support", from_start=False)
            k.wait(lambda t: t["staff"] == "staff-paper" and any(n["id"] == "staff.digit.1" for n in t["nodes"]),
                   "back to the paper card screen")
            k.tap("staff.back")

        k.tap("staff.event")
        k.tap("staff.close_event")
        k.wait(lambda t: t["staff"] == "staff-headcount", "the headcount")
        k.digits("25")
        k.tap("staff.confirm")
        summary = k.node("staff.event_summary")[0]["label"]
        check("3 took part" in summary and "3 of 25" in summary and "(12%)" in summary,
              f"closing the event shows who took part of the room ({summary})")
        k.tap("staff.back")

        k.tap("staff.export")
        drive = f"{work}/media/usb0"
        k.tap(f"staff.drive.{drive}")
        t = k.wait(lambda t: any(n["id"] == "staff.operation_state" and n["label"] == "Done." for n in t["nodes"]),
                   "the export to finish", timeout=60)
        line = next(n["label"] for n in t["nodes"] if n["id"] == "staff.operation_line")
        check("3 records" in line and "verified" in line, f"the export reports what it wrote ({line})")
        k.tap("staff.back")
        k.tap("staff.lock")
        t = k.wait(lambda t: t["locked"] and any(n["id"].startswith("locked.title") for n in t["nodes"]), "locked")
        check(not any(n["id"] == "attract.start" for n in t["nodes"]), "a locked kiosk offers residents nothing")
        k.enter_staff()
        k.leave_staff()
        code = k.stop()
        check(code == 0, f"civic-kiosk stops cleanly ({code})")

        records = [json.loads(l) for l in run(OPEN, f"{work}/kiosk", f"{work}/hub/offline/hub-submission.key").stdout.splitlines()]
        check(len(records) == 3, f"three records ({len(records)})")
        check(records[0]["channel"] == "town-hall" and records[0]["event_id"] == event_id, "the resident's record: town hall")
        check([r["channel"] for r in records[1:]] == ["paper", "paper"], "the cards' records: paper")
        check([r["card_number"] for r in records[1:]] == ["0101", "0102"], "the cards' numbers are kept for audit")
        check(all(r["event_id"] == event_id for r in records), "every record carries the event")
        log = open(f"{work}/kiosk/staff.log").read()
        for action in ("enter", "wrong-pin", "start-event", "transcribe-card", "close-event", "export-usb", "lock"):
            check(f'"{action}"' in log, f"the staff log records {action}")
        check(PIN not in log and "shade" not in log, "the staff log holds no PIN and no resident's words")

        # The hub imports the drive and reports the event by channel.
        run(HUB, "--state", f"{work}/hub", "import", drive)
        run(HUB, "--state", f"{work}/hub", "tally", "--key", f"{work}/hub/offline/hub-submission.key", "--out",
            f"{work}/results")
        res = json.load(open(f"{work}/results/results.json"))["consultations"][0]
        check(res["participants_by_channel"] == {"paper": 2, "town-hall": 1}, f"counts by channel ({res['participants_by_channel']})")
        check(res["participants_by_event"] == {event_id: 3}, "the event's count")
        events = json.load(open(f"{work}/results/results.json"))["events"]
        check(len(events) == 1 and events[0]["id"] == event_id and events[0]["headcount"] == 25 and
              events[0]["participants"] == 3 and abs(events[0]["share_of_room"] - 0.12) < 1e-9,
              f"the hub reports the event's headcount and the share of the room that took part ({events})")
        html = open(f"{work}/results/report.html").read()
        check("Town-hall events" in html and "ward 3" in html and "12%" in html, "the HTML report shows the event")
        run(SYNC, "--config", f"{work}/kiosk.toml", "import-acks", drive)
        check(waiting(work) == 0, "the acks from the drive clear the kiosk's outbox")

        # A drive that fills up, then one pulled mid-write.
        run(FILL, f"{work}/kiosk", "400", "late")
        check(waiting(work) == 400, "400 new records wait on the kiosk")
        for pulled in (False, True):
            target = f"{work}/media/small-{int(pulled)}"
            os.makedirs(target)
            r = export_with_limit(work, target, 60000, pulled)
            what = "pulled" if pulled else "full"
            check(r.returncode != 0, f"the export to a {what} drive fails")
            if not pulled:
                check("export failed, nothing changed on this kiosk" in r.stderr + r.stdout,
                      f"a full drive gets a clear message ({(r.stderr + r.stdout).strip()})")
            manifests = [os.path.join(d, f) for d, _, fs in os.walk(target) for f in fs if f == "manifest.json"]
            check(not manifests, f"nothing on the {what} drive claims a complete export")
            check(waiting(work) == 400, f"nothing lost from the outbox after the {what} drive")
            imported = run(HUB, "--state", f"{work}/hub", "import", target, ok=False)
            check("no civic-kiosk" in imported.stderr or "stored" not in imported.stdout,
                  f"the hub takes nothing from the {what} drive")
        os.makedirs(f"{work}/media/big")
        r = export_with_limit(work, f"{work}/media/big", resource.RLIM_INFINITY, False)
        check(r.returncode == 0, f"an export to a good drive then works ({r.stderr})")
        run(HUB, "--state", f"{work}/hub", "import", f"{work}/media/big")
        run(HUB, "--state", f"{work}/hub", "tally", "--key", f"{work}/hub/offline/hub-submission.key", "--out",
            f"{work}/results")
        check(json.load(open(f"{work}/results/results.json"))["records"] == 403, "every record reached the hub once")
        print(f"{passed()} passed, 0 failed")
    finally:
        stop_all(procs)
        remove_work(work)


main()
