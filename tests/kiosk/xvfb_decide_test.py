#!/usr/bin/env python3
"""A resident takes part in a budget consultation and in a pairwise one on the real kiosk under
Xvfb, by what is drawn, and the ballots sealed are exactly what they saw and chose.

Budget (English): projects are found by reading the text beside each Choose control (OCR of the
X display, tesseract), the budget bar is read ("X of Y spent"), a project that would go over the
budget is refused with a message read from the screen, the review names the projects chosen.
Pairwise (French): the resident adds an idea on the on-screen keyboard, then for each pair reads
the two ideas from the pixels of the two buttons, taps the one their preference favours (or "I
can't decide"), and stops. Then the outbox is opened with the hub's offline submission key by a
second implementation of the record format (tests/protocol/submission_codec.py, PyNaCl): the
sealed selections and comparisons must be those the OCR saw chosen. Each visit, from the first
tap to the thank-you screen, must take under two minutes.

Usage: xvfb_decide_test.py BUILD_DIR SOURCE_DIR
"""
import json
import os
import sqlite3
import sys
import tempfile
import time

from xvfb_kiosk import (Kiosk, best_match, check, enroll, normalise, ocr, passed, remove_work, screenshot, start_hub,
                        start_xvfb, stop_all, write_kiosk_config)

BUILD, SOURCE = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.join(SOURCE, "tests", "protocol"))
from submission_codec import open_sealed  # noqa: E402

CONTENT = json.load(open(f"{SOURCE}/assets/demo/content.json", encoding="utf-8"))


def ideas_of(consultation, lang):
    c = next(c for c in CONTENT["consultations"] if c["id"] == consultation)
    return {i["id"]: i["text"][lang] for i in c["ideas"]}


def node(tree, node_id):
    return next((n for n in tree["nodes"] if n["id"] == node_id), None)


def box_of(tree, n, pad=0):
    s = tree["scale"]
    return ((n["x"] - pad) * s, (n["y"] - pad) * s, (n["x"] + n["w"] + pad) * s, (n["y"] + n["h"] + pad) * s)


def sealed_records(work):
    db = sqlite3.connect(f"file:{work}/kiosk/outbox.db?mode=ro", uri=True)
    rows = [bytes(r[0]) for r in db.execute("SELECT sealed FROM records ORDER BY position")]
    db.close()
    return [open_sealed(f"{work}/hub/offline/hub-submission.key", r) for r in rows]


def to_vote(k, lang, consultation, idea=None):
    k.tap("attract.start")
    k.tap(f"language.{lang}")
    k.tap(f"consultation.{consultation}")
    k.tap("nav.next")
    if idea:
        k.type(idea)
        k.tap("nav.next")
    else:
        k.tap("nav.skip")
    return k.wait(lambda t: t["screen"] == "vote", "the vote screen")


def read_status(k, env, work, name, node_id, lang):
    t = k.tree()
    n = node(t, node_id)
    check(n is not None, f"{name}: '{node_id}' is on screen")
    return normalise(ocr(screenshot(env, work, name), box_of(t, n, 4), lang))


def find_project(k, env, work, words):
    """Scrolls until the text OCR reads beside a Choose control is the project with `words`; returns
    the control's id. Only the controls' rectangles come from the kiosk, the words from the pixels."""
    ideas = ideas_of("budget-2027", "en")
    for _ in range(6):  # from the top of the list
        if node(k.tree(), "list.up") is None:
            break
        k.tap("list.up")
    for attempt in range(6):
        t = k.tree()
        png = screenshot(env, work, f"budget-find-{attempt}")
        s = t["scale"]
        for n in t["nodes"]:
            if not n["id"].endswith(".project") or n["clipped"]:
                continue
            text = ocr(png, (48 * s, n["y"] * s, (n["x"] - 8) * s, (n["y"] + n["h"]) * s), "en")
            found, ratio, _ = best_match(text, ideas)
            if words in normalise(text):
                check(n["id"] == f"{found}.project" and ratio >= 0.5,
                      f"the control beside '{words}' is that project's ({n['id']}, OCR '{text}')")
                return n["id"]
        if node(k.tree(), "list.down") is None:
            break
        k.tap("list.down")
    check(False, f"a project reading '{words}' found by scrolling")


def budget_visit(k, env, work):
    start = time.time()
    to_vote(k, "en", "budget-2027")
    check("0 cad of 100 000 cad spent" in read_status(k, env, work, "budget-0", "vote.budget", "en"),
          "the budget bar says nothing is spent yet")
    chosen = []
    for words in ("homework help", "community garden"):
        control = find_project(k, env, work, words)
        k.tap(control)
        chosen.append(control.rsplit(".", 1)[0])
    check("75 000 cad of 100 000 cad spent" in read_status(k, env, work, "budget-75", "vote.budget", "en"),
          "the budget bar says 75,000 of 100,000 spent")
    over = find_project(k, env, work, "benches and shade")
    k.tap(over)
    message = read_status(k, env, work, "budget-over", "message", "en")
    check("only 25 000 cad is left" in message, f"going over the budget is refused with what is left ({message})")
    control = find_project(k, env, work, "lighting at the bus stops")
    k.tap(control)
    chosen.append(control.rsplit(".", 1)[0])
    check("100 000 cad of 100 000 cad spent" in read_status(k, env, work, "budget-100", "vote.budget", "en"),
          "the budget bar says the whole budget is spent")
    k.tap("nav.next")
    k.tap("nav.skip")
    t = k.wait(lambda t: t["screen"] == "review", "the review screen")
    s = t["scale"]
    review = normalise(ocr(screenshot(env, work, "budget-review"), (0, 160 * s, t["canvas"][0] * s, 640 * s), "en"))
    for words in ("homework help", "community garden", "bus stops", "100 000 cad of 100 000 cad"):
        check(words in review, f"the review names '{words}' (OCR: {review})")
    k.tap("nav.confirm")
    k.wait(lambda t: t["screen"] == "thanks", "the thank-you screen")
    seconds = time.time() - start
    check(seconds < 120, f"the budget visit took {seconds:.0f} s, under two minutes")
    k.tap("nav.finish")
    return sorted(chosen), seconds


PREFERENCE = ["l-006", "l-003", "l-002", "l-001", "l-004", "l-005"]  # the resident's own order


def pairwise_visit(k, env, work):
    start = time.time()
    ideas = ideas_of("library-2027", "fr")
    to_vote(k, "fr", "library-2027", idea="des cours de français")
    made = []
    for n in range(5):
        t = k.wait(lambda t: node(t, "pair.left") is not None and not t.get("tap_guard"), "a pair")
        png = screenshot(env, work, f"pair-{n}")
        seen = []
        for side in ("pair.left", "pair.right"):
            text = ocr(png, box_of(t, node(t, side)), "fr")
            found, ratio, second = best_match(text, ideas)
            check(ratio >= 0.6 and ratio - second >= 0.15, f"pair {n}: the {side} button reads as an idea "
                                                             f"(OCR '{text}', {found} at {ratio:.2f})")
            seen.append(found)
        check(seen[0] != seen[1], f"pair {n}: two different ideas ({seen})")
        if n == 2:
            k.tap("pair.cannot_decide")
            made.append({"left": seen[0], "right": seen[1], "outcome": "cannot-decide"})
            continue
        left_better = PREFERENCE.index(seen[0]) < PREFERENCE.index(seen[1])
        k.tap("pair.left" if left_better else "pair.right")
        made.append({"left": seen[0], "right": seen[1], "outcome": "left" if left_better else "right"})
    k.tap("nav.next")
    k.tap("nav.skip")
    t = k.wait(lambda t: t["screen"] == "review", "the review screen")
    k.tap("nav.confirm")
    k.wait(lambda t: t["screen"] == "thanks", "the thank-you screen")
    seconds = time.time() - start
    check(seconds < 120, f"the pairwise visit took {seconds:.0f} s, under two minutes")
    k.tap("nav.finish")
    return made, seconds


def main():
    work = tempfile.mkdtemp(prefix="civic-decide-")
    procs = []
    try:
        hub, port = start_hub(BUILD, SOURCE, work)
        procs.append(hub)
        write_kiosk_config(work, port)
        enroll(BUILD, work, port)
        xvfb, display = start_xvfb("1280x800x24")
        procs.append(xvfb)
        env = dict(os.environ, DISPLAY=display, SDL_AUDIODRIVER="dummy")
        k = Kiosk(BUILD, work, env)
        try:
            chosen, budget_seconds = budget_visit(k, env, work)
            made, pairwise_seconds = pairwise_visit(k, env, work)
        finally:
            k.stop()
        records = sealed_records(work)
        check(len(records) >= 2, f"two records sealed ({len(records)})")
        budget, pairwise = records[-2], records[-1]
        check(budget["consultation_id"] == "budget-2027" and
              budget["votes"] == [{"idea_id": i, "choice": "select"} for i in chosen],
              f"the sealed budget ballot is the projects chosen on screen ({budget['votes']} vs {chosen})")
        check(pairwise["consultation_id"] == "library-2027" and pairwise["comparisons"] == made,
              f"the sealed comparisons are those made on screen ({pairwise['comparisons']} vs {made})")
        check(pairwise["idea"] == "des cours de français" and not pairwise["votes"],
              f"the resident's own idea is sealed with the comparisons ({pairwise['idea']!r})")
        print(f"budget visit {budget_seconds:.0f} s, pairwise visit {pairwise_seconds:.0f} s")
        print(f"{passed()} passed, 0 failed")
    finally:
        stop_all(procs)
        remove_work(work)


main()
