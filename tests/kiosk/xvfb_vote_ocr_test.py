#!/usr/bin/env python3
"""What a resident sees beside a vote control is the idea it votes for, and what is sealed.

The real civic-kiosk under Xvfb at several display sizes (landscape and portrait), in English and
French, for support and agree/disagree votes. After scrolling the idea list by each means (the
Down button, a swipe, the arrow keys), the test takes a screenshot of the X display (not the
kiosk's own), and for every vote control reads the text drawn beside it with OCR (Debian's
tesseract). The oracle is independent of the code that places the rows: only each control's
rectangle and id come from the kiosk; the words next to it come from the pixels. Each must be the
text of the idea the control's id names. Then the resident taps the control that OCR finds next to
"Public toilets…" after scrolling, checks on the (OCR'd) review screen that it is listed by name,
sends, and the test opens the outbox with the hub's offline key: the sealed ballot names exactly
that idea.

Usage: xvfb_vote_ocr_test.py BUILD_DIR SOURCE_DIR
Prints 'N passed, 0 failed' at the end; exits non-zero on the first failure.
"""
import json
import os
import subprocess
import sys
import tempfile

from xvfb_kiosk import (remove_work, Kiosk, best_match, check, enroll, normalise, ocr, passed, run, screenshot, start_hub,
                        start_xvfb, stop_all, write_kiosk_config)

BUILD, SOURCE = sys.argv[1], sys.argv[2]
OPEN = f"{BUILD}/tests/open_outbox"
CONTENT = json.load(open(f"{SOURCE}/assets/demo/content.json", encoding="utf-8"))
def ideas_of(consultation, lang):
    c = next(c for c in CONTENT["consultations"] if c["id"] == consultation)
    return {i["id"]: i["text"][lang] for i in c["ideas"]}


def controls(tree, kind):
    """Vote controls fully in view, top to bottom: (idea id, node)."""
    out = [(n["id"].rsplit(".", 1)[0], n) for n in tree["nodes"] if n["id"].endswith("." + kind) and not n["clipped"]]
    return sorted(out, key=lambda p: p[1]["y"])


def text_boxes(tree, kind):
    """For each control in view, the display box where its idea's words must be: beside a support
    button (left of it, its height); above a row of agree/disagree/pass buttons (from the row of
    controls before it, or the list's top, down to it). Only the controls' rectangles are used."""
    scale = tree["scale"]
    left = 48
    title = next(n for n in tree["nodes"] if n["id"] == "vote.title")
    boxes = []
    previous_bottom = title["y"] + title["h"]
    for idea, n in controls(tree, kind):
        if kind == "support":
            box = (left, n["y"], n["x"] - 8, n["y"] + n["h"])
        else:
            box = (left, previous_bottom + 2, tree["canvas"][0] - 48 - 136, n["y"] - 2)
        previous_bottom = n["y"] + n["h"]
        boxes.append((idea, n, tuple(v * scale for v in box)))
    return boxes


def check_rows(k, env, work, name, consultation, lang, kind):
    """OCR beside every control in view; returns {idea id: node} of the controls checked."""
    tree = k.tree()
    png = screenshot(env, work, name)
    ideas = ideas_of(consultation, lang)
    seen = {}
    cut = {n["id"].rsplit(".", 1)[0] for n in tree["nodes"] if n["id"].endswith(".text") and n["clipped"]}
    for idea, node, box in text_boxes(tree, kind):
        if box[3] - box[1] < 20 or idea in cut:
            continue  # the row's text is scrolled (partly) out of view above its controls
        text = ocr(png, box, lang)
        found, ratio, second = best_match(text, ideas)
        check(found == idea and ratio >= 0.6 and ratio - second >= 0.15,
              f"{name}: the text beside '{node['id']}' reads as that idea (OCR: '{text}', best {found} at "
              f"{ratio:.2f}, runner-up {second:.2f}; see {png})")
        seen[idea] = node
    check(len(seen) >= 2, f"{name}: at least two vote rows checked by OCR ({sorted(seen)})")
    return seen


def to_vote_screen(k, lang, consultation):
    k.tap("attract.start")
    k.tap(f"language.{lang}")
    k.tap(f"consultation.{consultation}")
    k.tap("nav.next")   # read -> idea
    k.tap("nav.skip")   # no idea of their own
    k.wait(lambda t: t["screen"] == "vote", "the vote screen")


def swipe_up(k, env, pixels):
    """A finger drags the list up by `pixels` design pixels (it scrolls down)."""
    t = k.tree()
    title = next(n for n in t["nodes"] if n["id"] == "vote.title")
    s = t["scale"]
    x, y = int(300 * s), int((title["y"] + title["h"] + 300) * s)
    subprocess.run(["xdotool", "mousemove", str(x), str(y), "mousedown", "1",
                    "mousemove", str(x), str(y - int(pixels * s / 2)),
                    "mousemove", str(x), str(y - int(pixels * s)), "mouseup", "1"],
                   env=env, check=True, timeout=10)
    k.settled(t["frame"], "the swipe")


def press_keys(k, env, *keys):
    for key in keys:
        frame = k.tree()["frame"]
        subprocess.run(["xdotool", "key", key], env=env, check=True, timeout=10)
        k.settled(frame, f"the key {key}")


def run_size(work, port, width, height, lang, consultation, kind, means, procs, seal=False):
    """One kiosk on a display of width x height: scroll by each of `means`, check by OCR."""
    name = f"{width}x{height}-{lang}-{consultation}"
    xvfb, display = start_xvfb(f"{width}x{height}x24")
    procs.append(xvfb)
    env = dict(os.environ, DISPLAY=display, SDL_AUDIODRIVER="dummy")
    write_kiosk_config(work, port, f"width = {width}\nheight = {height}\n")
    k = Kiosk(BUILD, work, env)
    try:
        to_vote_screen(k, lang, consultation)
        t = k.tree()
        check(abs(t["canvas"][0] * t["scale"] - width) < 2 and abs(t["canvas"][1] * t["scale"] - height) < 2,
              f"{name}: the canvas fills the display evenly (canvas {t['canvas']}, scale {t['scale']})")
        seen = check_rows(k, env, work, f"{name}-top", consultation, lang, kind)
        if not any(n["id"] == "list.down" for n in k.tree()["nodes"]):
            # Everything fits (a taller canvas): then every idea is in view, each beside its controls.
            check(len(seen) == len(ideas_of(consultation, lang)), f"{name}: every idea in view at once ({sorted(seen)})")
            check(not seal and not means, f"{name}: this size was meant to scroll")
            return seen
        for how in means:
            for _ in range(10):  # each means starts from the top of the list
                if k.tree()["list_scroll"] <= 0:
                    break
                k.tap("list.up")
            before = k.tree()["list_scroll"]
            if how == "button":
                k.tap("list.down")
            elif how == "swipe":
                swipe_up(k, env, 180)
            elif how == "keys":
                # The arrow keys move the keypad focus row by row; the list follows the focus.
                for _ in range(8):
                    press_keys(k, env, "Down")
                    if k.tree()["list_scroll"] > before:
                        break
            after = k.tree()["list_scroll"]
            check(after > before, f"{name}: the list scrolled by {how} ({before} -> {after})")
            seen = check_rows(k, env, work, f"{name}-{how}", consultation, lang, kind)
        if not seal:
            return seen
        # The reviewer's case: scroll, then support "Public toilets…" by what is drawn beside it.
        ideas = ideas_of(consultation, lang)
        target = next(i for i, text in ideas.items() if text.startswith("Public toilets"))
        check(target in seen, f"{name}: 'Public toilets…' is in view after scrolling ({sorted(seen)})")
        k.tap(f"{target}.support")
        k.wait(lambda t: any(n["id"] == f"{target}.support" and n["selected"] for n in t["nodes"]),
               "the control to show it is chosen")
        check_rows(k, env, work, f"{name}-chosen", consultation, lang, kind)
        k.tap("list.up")
        # Back at the top: every row still reads as its own idea, and the one shown as chosen
        # (if in view) is the one beside "Public toilets…".
        in_view = check_rows(k, env, work, f"{name}-back-up", consultation, lang, kind)
        chosen = [i for i, n in in_view.items() if n["selected"]]
        check(chosen == ([target] if target in in_view else []),
              f"{name}: after scrolling back up, only the idea voted for shows as chosen ({chosen})")
        k.tap("nav.next")
        k.tap("nav.skip")
        t = k.wait(lambda t: t["screen"] == "review", "the review screen")
        png = screenshot(env, work, f"{name}-review")
        s = t["scale"]
        review_text = ocr(png, (0, 160 * s, t["canvas"][0] * s, (t["canvas"][1] - 180) * s), lang)
        check("public toilets" in normalise(review_text),
              f"{name}: the review names the idea voted for (OCR: '{review_text}')")
        k.tap("nav.confirm")
        k.wait(lambda t: t["screen"] == "thanks", "the thank-you screen")
        k.tap("nav.finish")
        k.wait(lambda t: t["screen"] == "attract", "the attract screen")
    finally:
        k.stop()
        xvfb.terminate()
        xvfb.wait(timeout=10)
        procs.remove(xvfb)
    records = [json.loads(l) for l in run(OPEN, f"{work}/kiosk", f"{work}/hub/offline/hub-submission.key").stdout.splitlines()]
    check(records and records[-1]["votes"] == [[target, "support"]],
          f"{name}: the sealed ballot names exactly the idea shown as chosen ({records[-1]['votes'] if records else None})")


def main():
    work = tempfile.mkdtemp(prefix="civic-ocr-")
    procs = []
    try:
        hub, port = start_hub(BUILD, SOURCE, work)
        procs.append(hub)
        write_kiosk_config(work, port)
        enroll(BUILD, work, port)
        run_size(work, port, 1280, 800, "en", "parks-2026", "support", ("button", "swipe", "keys"), procs, seal=True)
        run_size(work, port, 1920, 1080, "fr", "parks-2026", "support", ("button", "keys"), procs)
        run_size(work, port, 1280, 800, "fr", "transit-2026", "agree", ("button", "swipe"), procs)
        run_size(work, port, 1024, 768, "en", "transit-2026", "agree", (), procs)
        # Portrait: the taller canvas shows every idea at once, each beside its controls.
        run_size(work, port, 1080, 1920, "fr", "parks-2026", "support", (), procs)
        print(f"{passed()} passed, 0 failed")
    finally:
        stop_all(procs)
        remove_work(work)


main()
