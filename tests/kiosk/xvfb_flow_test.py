#!/usr/bin/env python3
"""The real civic-kiosk under Xvfb, driven as a person would: xdotool taps at the rectangles the
kiosk reports in its accessibility dump. A resident reads a consultation, types an idea on the
on-screen keyboard, votes and confirms; then the test opens the kiosk's outbox with the hub's
offline key and finds exactly that record, with the receipt code shown on screen. A second
resident does the same in French; a fourth turns speech on at the attract screen: the speech log
says what was spoken in which language (never what was typed), and the audio SDL played (to a
file, through its "disk" driver) is not silence. Screenshots of every screen in both languages are saved and
compared with tests/data/screens within a tolerance.

Usage: xvfb_flow_test.py BUILD_DIR SOURCE_DIR [--update-screens]
Prints 'N passed, 0 failed' at the end; exits non-zero on the first failure.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

from xvfb_kiosk import remove_work, Kiosk, check, enroll, passed, run, start_hub, start_xvfb, stop_all, write_kiosk_config

BUILD, SOURCE = sys.argv[1], sys.argv[2]
UPDATE = "--update-screens" in sys.argv
OPEN = f"{BUILD}/tests/open_outbox"


def resident(k, language, idea, vote_id, answer, scroll=False, display=(), letters=False):
    for toggle in display:  # high contrast, larger text: chosen on the attract screen
        k.tap(toggle)
    k.tap("attract.start")
    k.tap(f"language.{language}")
    k.tap("consultation.parks-2026")
    k.tap("nav.next")
    if letters:  # on the loudspeaker, typed letters are spoken only when the resident asks
        k.tap("speech")
        k.tap("speech.letters")
        k.tap("speech.close")
    k.type(idea)
    # The dump never holds what was typed, only how long it is.
    field = lambda t: next((n for n in t["nodes"] if n["id"] == "idea.text"), None)
    k.wait(lambda t: field(t) and field(t)["length"] == len(idea.encode()), f"the idea field to hold {len(idea)} characters")
    check(field(k.tree())["value"] is None, "the accessibility dump leaves the typed idea out")
    k.tap("nav.next")
    if scroll:
        k.tap("list.down")
    k.tap(vote_id)
    k.tap("nav.next")
    if answer:
        k.tap("about.consent")
        k.tap(answer)
        k.tap("nav.next")
    else:
        k.tap("nav.skip")
    k.tap("nav.confirm")
    t = k.wait(lambda t: t["screen"] == "thanks", "the thank-you screen")
    receipt = next(n for n in t["nodes"] if n["id"] == "thanks.receipt")["label"]
    check(len(receipt) == 11 and receipt[5] == "-", f"a receipt code is shown ({receipt})")
    k.tap("nav.finish")
    k.wait(lambda t: t["screen"] == "attract", "back to the attract screen")
    return receipt


def check_speech(work, log_path, receipt):
    utterances = [json.loads(l) for l in open(log_path, encoding="utf-8")]
    parts = [p for u in utterances for p in u["parts"]]
    said = [(p["language"], p["text"]) for p in parts]
    check(("en", "Have your say on your city") in said and ("fr", "Donnez votre avis sur votre ville") in said,
          "the attract screen is read in both voices when speech is turned on")
    check(("fr", "Sur quoi voulez-vous donner votre avis ?") in said, "the consultations screen is read in French")
    typed = [p for p in parts if p["text"] is None]
    check(len(typed) >= 3 and all(p["language"] == "fr" for p in typed),
          f"each typed letter, asked for in the speech panel, is spoken in French and left out of the log "
          f"({len(typed)} typed parts)")
    check("lac bleu" not in open(log_path, encoding="utf-8").read(), "the typed idea is not in the speech log")
    check(any(l == "fr" and t and t.startswith("Merci") for l, t in said), "the thank-you screen is read in French")
    check(any(t == receipt for _, t in said), "the receipt code is read out")
    # What SDL played: 16-bit mono at espeak-ng's 22,050 Hz.
    stats = subprocess.run(["sox", "-t", "raw", "-r", "22050", "-e", "signed", "-b", "16", "-c", "1",
                            f"{work}/audio.raw", "-n", "stat"], capture_output=True, text=True, timeout=60).stderr
    rms = float(next(l.split(":")[1] for l in stats.splitlines() if l.startswith("RMS     amplitude")))
    check(rms > 0.005, f"the audio played is speech, not silence (RMS amplitude {rms})")


STEPS = {"idea": 1, "vote": 2, "about-you": 3, "review": 4}


def check_step_indicator(name, png):
    """In the pixels: the current step's bar stands out from the others by its shape, not only its
    colour (in high contrast every bar is the same yellow). Counts the lit pixels down the middle of
    each step's bar."""
    screen = name.split("-fr")[0].split("-en")[0]
    if screen not in STEPS:
        return
    total, current = 4, STEPS[screen]
    width = (1280 - 96) / total
    def column(x, y, height):
        pixels = run("convert", png, "-crop", f"1x{height}+{x}+{y}", "+repage", "-colorspace", "gray", "txt:-").stdout
        return [float(line.split("(")[1].split(",")[0]) for line in pixels.splitlines()[1:]]
    background = column(8, 150, 1)[0]  # the margin beside the bars
    lit = []
    for i in range(total):
        x = int(48 + width * (i + 0.5))
        lit.append(sum(abs(v - background) > 40 for v in column(x, 140, 27)))
    others = [n for i, n in enumerate(lit) if i + 1 != current]
    check(lit[current - 1] >= 2 * max(others) and lit[current - 1] >= 12,
          f"{name}: the current step ({current}) stands out by its shape (lit pixels per step {lit})")


def compare_screens(shots):
    golden_dir = f"{SOURCE}/tests/data/screens"
    os.makedirs(golden_dir, exist_ok=True)
    names = sorted(f[:-4] for f in os.listdir(shots) if f.endswith(".ppm"))
    screens = ("consultations", "consultation", "idea", "vote", "review", "thanks")
    expected = ({f"{s}-{l}" for s in screens + ("about-you",) for l in ("en", "fr")} | {"attract-en", "language-en"} |
                {f"{s}-fr-contrast-large" for s in screens} | {"vote-fr-scrolled"})
    check(expected <= set(names), f"screenshots of every screen in both languages (missing {expected - set(names)})")
    for name in names:
        png = f"{shots}/{name}.png"
        run("convert", f"{shots}/{name}.ppm", png)
        check_step_indicator(name, png)
        golden = f"{golden_dir}/{name}.png"
        if UPDATE:
            shutil.copy(png, golden)
            print(f"stored {golden}")
            continue
        if not os.path.exists(golden):  # never written here: a missing reference is a failure
            check(False, f"{name}: no reference screenshot {golden}; look at {png} and, if it is right, "
                         "store it with --update-screens")
            continue
        r = subprocess.run(["compare", "-metric", "AE", "-fuzz", "20%", png, golden, "null:"], capture_output=True,
                           text=True, timeout=60)
        differing = float(r.stderr.split()[0]) if r.stderr.strip() else 1e9
        check(differing < 0.01 * 1280 * 800, f"{name} matches tests/data/screens within tolerance "
                                             f"({differing:.0f} pixels differ; see {png})")


def check_health_file(build, work, env):
    """What the kiosk keeps for its health report (health.json): one clean run, then a run killed
    with SIGKILL counted as a crash at the next start."""
    health = json.load(open(f"{work}/kiosk/health.json"))
    check(health["boots"] == 1 and health["crashes"] == 0 and health["running"] is False,
          f"health.json after one clean run: {health}")
    check((health["display_width"], health["display_height"]) == (1280, 800) and health["speech"] == "available",
          "health.json has the display's size and speech available")
    killed = Kiosk(build, work, env)
    killed.wait(lambda t: t["screen"] == "attract", "the attract screen (second run)")
    killed.proc.kill()
    killed.proc.wait(timeout=10)
    again = Kiosk(build, work, env)
    again.wait(lambda t: t["screen"] == "attract", "the attract screen (third run)")
    check(again.stop() == 0, "the third run stops cleanly")
    health = json.load(open(f"{work}/kiosk/health.json"))
    check(health["boots"] == 3 and health["crashes"] == 1 and health["running"] is False,
          f"the killed run is counted as a crash: {health}")


def main():
    work = tempfile.mkdtemp(prefix="civic-xvfb-")
    display = None
    procs = []
    try:
        xvfb, display = start_xvfb()
        procs.append(xvfb)
        # No sound card here: SDL's "disk" audio driver plays into a file instead.
        env = dict(os.environ, DISPLAY=display, SDL_AUDIODRIVER="disk", SDL_DISKAUDIOFILE=f"{work}/audio.raw")
        hub, port = start_hub(BUILD, SOURCE, work)
        procs.append(hub)
        write_kiosk_config(work, port)
        enroll(BUILD, work, port)

        speech_log = f"{work}/speech.jsonl"
        k = Kiosk(BUILD, work, env, extra_args=("--speech-log", speech_log))
        receipt_en = resident(k, "en", "quokka", "idea-002.support", "about.age.65-74")
        receipt_fr = resident(k, "fr", "kiwis", "idea-005.support", None, scroll=True)
        receipt_big = resident(k, "fr", "poney", "idea-001.support", None,
                               display=("display.contrast", "display.large_text"))
        receipt_spoken = resident(k, "fr", "lac bleu", "idea-003.support", None, display=("attract.speech",),
                                  letters=True)
        t = k.wait(lambda t: t["screen"] == "attract", "the attract screen")
        check(not next(n for n in t["nodes"] if n["id"] == "attract.speech")["selected"],
              "speech is off again when the session has ended")
        code = k.stop()
        check(code == 0, f"civic-kiosk stops cleanly on SIGTERM (exit code {code})")

        lines = run(OPEN, f"{work}/kiosk", f"{work}/hub/offline/hub-submission.key").stdout.splitlines()
        records = [json.loads(l) for l in lines]
        check(len(records) == 4, f"exactly four records in the outbox ({len(records)})")
        en, fr, big, spoken = records
        check(en["idea"] == "quokka" and en["language"] == "en", "the first record holds the English idea")
        check(en["votes"] == [["idea-002", "support"]], "the first record holds its vote")
        check(en["answers"] == {"age": "65-74"}, "the first record holds its answer")
        check(en["receipt"] == receipt_en, "the first receipt on screen finds the first record")
        check(fr["idea"] == "kiwis" and fr["language"] == "fr" and fr["answers"] == {}, "the French record")
        check(fr["receipt"] == receipt_fr, "the second receipt on screen finds the second record")
        check(big["idea"] == "poney" and big["receipt"] == receipt_big, "the third record, made with large text")
        check(spoken["idea"] == "lac bleu" and spoken["receipt"] == receipt_spoken, "the fourth record, made with speech")
        check_speech(work, speech_log, receipt_spoken)

        # Neither the outbox nor the kiosk's test dumps hold plaintext.
        dumped = open(k.dump, encoding="utf-8").read()
        check("lac bleu" not in dumped and "poney" not in dumped, "no typed idea in the accessibility dump")
        for name in os.listdir(f"{work}/kiosk"):
            if name.startswith("outbox.db"):
                data = open(f"{work}/kiosk/{name}", "rb").read()
                check(b"quokka" not in data and b"kiwis" not in data and b"poney" not in data and b"lac bleu" not in data,
                      f"no plaintext in {name}")

        compare_screens(k.shots)
        # Last: two more runs (their screenshots and audio would mix with the visit's).
        check_health_file(BUILD, work, dict(env, SDL_DISKAUDIOFILE=f"{work}/audio-more.raw"))
        print(f"{passed()} passed, 0 failed")
    finally:
        stop_all(procs)
        remove_work(work)


main()
