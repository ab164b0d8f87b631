#!/usr/bin/env python3
"""Eight languages on the real kiosk, configured from files alone: the shipped catalogues plus
three a community wrote (a catalogue each, no code), offered in the kiosk's [languages] order.
What is drawn is read back by OCR (tesseract), not from the kiosk's own accounts: every Latin-script
language's name is on the language screen, in its own words, each inside its button; the
Inuktitut screen's keyboard is drawn in syllabics (its keys' glyphs are not the fallback box), and
its keys are drawn as distinct glyphs. Typing syllabics into what is sealed is checked by the
headless tests (ui_test); the screenshots here are kept for people to look at with CIVIC_KEEP_WORK=1.

Usage: xvfb_languages_test.py BUILD_DIR SOURCE_DIR [--update-screens]
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unicodedata

from xvfb_kiosk import (Kiosk, check, enroll, normalise, ocr, passed, remove_work, run, screenshot, start_hub,
                        start_xvfb, stop_all, write_kiosk_config)

BUILD, SOURCE = sys.argv[1], sys.argv[2]
UPDATE = "--update-screens" in sys.argv
EXTRA = {"de": ("Deutsch", "Wählen Sie Ihre Sprache", "Sagen Sie Ihre Meinung zu Ihrer Stadt", "Start"),
         "pt": ("Português", "Escolha o seu idioma", "Dê a sua opinião sobre a sua cidade", "Começar"),
         "tl": ("Tagalog", "Piliin ang iyong wika", "Ibahagi ang iyong opinyon sa lungsod", "Simulan")}
EIGHT = ("en", "fr", "es", "iu", "crk", "de", "pt", "tl")


def like_reference(png, name):
    """The screenshot matches tests/data/screens/NAME.png (as the flow test compares): the
    language screen with eight languages and the syllabics keyboard, kept for people to see."""
    golden = f"{SOURCE}/tests/data/screens/{name}.png"
    if UPDATE:
        shutil.copy(png, golden)
        print(f"stored {golden}")
        return
    r = subprocess.run(["compare", "-metric", "AE", "-fuzz", "20%", png, golden, "null:"], capture_output=True,
                       text=True, timeout=60)
    differing = float(r.stderr.split()[0]) if r.stderr.strip() else 1e9
    check(differing < 0.01 * 1280 * 800, f"{name} matches tests/data/screens ({differing:.0f} pixels differ; see {png})")


def plain(s):
    """Letters without accents (OCR confuses ê and é), lower case."""
    return normalise("".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c)))


def main():
    work = tempfile.mkdtemp(prefix="civic-languages-")
    procs = []
    try:
        assets = f"{work}/assets"
        shutil.copytree(f"{SOURCE}/assets", assets)
        for tag, (name, title, attract, start) in EXTRA.items():
            json.dump({"@voice": "", "@keyboard": "qwerty", "@fallback": "en", "language.name": name,
                       "language.title": title, "attract.title": attract, "attract.start_short": start},
                      open(f"{assets}/i18n/{tag}.json", "w", encoding="utf-8"), ensure_ascii=False)
        xvfb, display = start_xvfb()
        procs.append(xvfb)
        env = dict(os.environ, DISPLAY=display, SDL_AUDIODRIVER="dummy")
        hub, port = start_hub(BUILD, SOURCE, work)
        procs.append(hub)
        write_kiosk_config(work, port, languages=EIGHT)
        enroll(BUILD, work, port)
        k = Kiosk(BUILD, work, env, extra_args=("--assets", assets))
        screenshot(env, work, "attract-eight")
        k.tap("attract.start")
        t = k.wait(lambda t: t["screen"] == "language", "the language screen")
        png = screenshot(env, work, "language-eight")
        buttons = {n["id"][len("language."):]: n for n in t["nodes"] if n["id"].startswith("language.")
                   and not n["id"].startswith("language.title")}
        check(set(buttons) == set(EIGHT), f"a button for each of the eight languages ({sorted(buttons)})")
        like_reference(png, "language-eight")
        names = {"en": "English", "fr": "Français", "es": "Español", "crk": "nêhiyawêwin",
                 **{tag: v[0] for tag, v in EXTRA.items()}}
        for tag, name in names.items():
            n = buttons[tag]
            read = ocr(png, (n["x"] + 12, n["y"] + 12, n["x"] + n["w"] - 12, n["y"] + n["h"] - 12), "fr")
            check(plain(name) in plain(read), f"the {tag} button reads '{name}' on screen (OCR: '{read}')")
        k.tap("language.iu")
        k.tap("consultation.parks-2026")
        k.tap("nav.next")
        t = k.wait(lambda t: t["screen"] == "idea", "the idea screen in Inuktitut")
        keys = [n for n in t["nodes"] if n["id"].startswith("key.") and n["role"] == "key"]
        check(any(n["label"] == "ᐃ" for n in keys) and any(n["label"] == "ᖕ" for n in keys),
              "the Inuktitut keyboard's keys are syllabics")
        png = screenshot(env, work, "idea-iu-keyboard")
        like_reference(png, "idea-iu-keyboard")
        # Drawn, not boxes: a key's glyph has ink of its own shape; two different syllabics differ.
        def ink(node):
            crop = f"{work}/key-{len(node['label'])}-{int(node['x'])}-{int(node['y'])}.txt"
            out = run("convert", png, "-crop", f"{int(node['w'])}x{int(node['h'])}+{int(node['x'])}+{int(node['y'])}",
                      "+repage", "-colorspace", "gray", "-threshold", "50%", "-format", "%#", "info:").stdout
            return out.strip(), crop
        first = next(n for n in keys if n["label"] == "ᐃ")
        second = next(n for n in keys if n["label"] == "ᐅ")
        check(ink(first)[0] != ink(second)[0], "two syllabics keys are drawn differently (not the same fallback glyph)")
        k.stop()
        if os.environ.get("CIVIC_KEEP_WORK"):
            print(f"screenshots: {work}/language-eight.png {work}/idea-iu-keyboard.png {work}/attract-eight.png")
    finally:
        stop_all(procs)
        remove_work(work)
    print(f"{passed()} checks passed")


main()
