#!/usr/bin/env python3
"""Recorded speech, end to end, checked by implementations other than ours.

A community records texts as WAV files (here: tones made by sox, one frequency per text) and
lists them; `civic-hub content add-recordings` compresses them into the consultations file. Then:
- the compressed clips are byte for byte what Python's own IMA ADPCM encoder (audioop) makes of
  the same samples, and audioop decodes them back to within 1% of the recording's energy;
- `content publish` warns about the texts in Inuktitut that have no recording, and signs format 3;
- a kiosk offering English and Inuktitut (no synthetic voice) syncs that content and, with speech
  on, opening the consultation in Inuktitut plays its title's recording: the audio the kiosk played
  (SDL's disk driver) holds that tone for as long as it was recorded, found by a Goertzel filter
  here, not by the kiosk; the Inuktitut text without a recording is not read in an English voice.

Usage: xvfb_recorded_speech_test.py BUILD_DIR SOURCE_DIR
"""
import audioop
import base64
import json
import math
import os
import struct
import subprocess
import sys
import tempfile
import time
import wave

from xvfb_kiosk import Kiosk, check, enroll, passed, remove_work, run, start_hub, start_xvfb, stop_all, write_kiosk_config

BUILD, SOURCE = sys.argv[1], sys.argv[2]
HUB = f"{BUILD}/sync/hub/civic-hub"
TITLE_IU = "ᐸᑉᑭ ᐊᐅᔭᖅ"       # test text in syllabics (not a translation)
SUMMARY_IU = "ᐅᓪᓗᒥ ᐊᐅᔭᖅ"     # test text with no recording
TONE_HZ = 990
RATE = 22050  # SDL plays what espeak-ng's rate set up: 16-bit mono at 22,050 Hz


def goertzel(samples, freq, rate):
    w = 2 * math.pi * freq / rate
    coeff = 2 * math.cos(w)
    s1 = s2 = 0.0
    for x in samples:
        s1, s2 = x + coeff * s1 - s2, s1
    return s1 * s1 + s2 * s2 - coeff * s1 * s2


def main():
    work = tempfile.mkdtemp(prefix="civic-recorded-")
    procs = []
    try:
        # The recordings: a 0.8 s tone for the title, at 16 kHz; a list that names them.
        os.makedirs(f"{work}/rec")
        run("sox", "-n", "-r", "16000", "-b", "16", "-c", "1", f"{work}/rec/title.wav", "synth", "0.8", "sine",
            str(TONE_HZ), "vol", "0.5")
        open(f"{work}/rec/list.tsv", "w", encoding="utf-8").write(f"# text<TAB>file\n{TITLE_IU}\ttitle.wav\n")
        content = json.load(open(f"{SOURCE}/assets/demo/content.json", encoding="utf-8"))
        parks = next(c for c in content["consultations"] if c["id"] == "parks-2026")
        parks["title"]["iu"] = TITLE_IU
        parks["summary"]["iu"] = SUMMARY_IU
        json.dump(content, open(f"{work}/content.json", "w", encoding="utf-8"), ensure_ascii=False)
        out = run(HUB, "content", "add-recordings", f"{work}/content.json", "--language", "iu", "--list",
                  f"{work}/rec/list.tsv", "--out", f"{work}/with-recordings.json")
        check("1 recordings in 'iu'" in out.stdout, f"add-recordings says what it added ({out.stdout.strip()})")
        written = json.load(open(f"{work}/with-recordings.json", encoding="utf-8"))
        check(written["format"] == 3, "a file with recordings is format 3")
        clip = written["recordings"]["iu"][0]
        with wave.open(f"{work}/rec/title.wav") as w:
            pcm = w.readframes(w.getnframes())
        ours = base64.b64decode(clip["adpcm"])
        theirs, _ = audioop.lin2adpcm(pcm, 2, None)
        check(clip["text"] == TITLE_IU and clip["rate"] == 16000 and clip["samples"] == len(pcm) // 2,
              "the clip names its text, rate and length")
        check(ours == theirs, "the clip is byte for byte Python audioop's IMA ADPCM of the same samples")
        decoded, _ = audioop.adpcm2lin(ours, 2, None)
        source = struct.unpack(f"<{len(pcm) // 2}h", pcm)
        back = struct.unpack(f"<{len(decoded) // 2}h", decoded)
        noise = sum((a - b) ** 2 for a, b in zip(source, back))
        energy = sum(a * a for a in source)
        check(noise < 0.01 * energy, f"audioop decodes the clip to the recording (noise {noise / energy:.4f} of it)")

        xvfb, display = start_xvfb()
        procs.append(xvfb)
        env = dict(os.environ, DISPLAY=display, SDL_AUDIODRIVER="disk", SDL_DISKAUDIOFILE=f"{work}/audio.raw")
        hub, port = start_hub(BUILD, SOURCE, work)
        procs.append(hub)
        published = subprocess.run([HUB, "--state", f"{work}/hub", "content", "publish", "--key",
                                    f"{work}/hub/offline/hub-content.key", f"{work}/with-recordings.json"],
                                   capture_output=True, text=True, timeout=60)
        check(published.returncode == 0, f"the file with recordings is published ({published.stderr.strip()[-300:]})")
        check("has no recording in 'iu'" in published.stderr and "summary of 'parks-2026'" in published.stderr,
              "publishing warns about the Inuktitut text that has no recording")
        check("has no 'iu' text" in published.stderr, "publishing warns about texts not translated into Inuktitut")
        write_kiosk_config(work, port, languages=("en", "iu"))
        enroll(BUILD, work, port)

        log = f"{work}/speech.jsonl"
        k = Kiosk(BUILD, work, env, extra_args=("--speech-log", log))
        k.tap("attract.speech")
        k.tap("attract.start")
        k.tap("language.iu")
        before = os.path.getsize(f"{work}/audio.raw") if os.path.exists(f"{work}/audio.raw") else 0
        k.tap("consultation.parks-2026")
        t = k.wait(lambda t: t["screen"] == "consultation", "the consultation in Inuktitut")
        title = next(n for n in t["nodes"] if n["id"] == "consultation.title")
        check(title["label"] == TITLE_IU, "the title is shown in Inuktitut")
        # Let the speech play out (the disk driver plays in real time).
        time.sleep(3)
        k.stop()
        raw = open(f"{work}/audio.raw", "rb").read()[before:]
        samples = struct.unpack(f"<{len(raw) // 2}h", raw[: len(raw) // 2 * 2])
        window = RATE // 10
        tone_windows = 0
        for start in range(0, len(samples) - window, window):
            piece = samples[start:start + window]
            if max(abs(x) for x in piece) < 500:
                continue
            p = goertzel(piece, TONE_HZ, RATE)
            others = max(goertzel(piece, f, RATE) for f in (440, 700, 1400, 2200))
            if p > 20 * others:
                tone_windows += 1
        print(f"{tone_windows} tenths of a second of {TONE_HZ} Hz in the audio played")
        check(tone_windows >= 6, f"the kiosk played the title's recording: {tone_windows} tenths of a second of "
                                 f"{TONE_HZ} Hz after the consultation opened (recorded: 8)")
        said = [p for line in open(log, encoding="utf-8") for p in json.loads(line)["parts"]]
        check(any(p["language"] == "iu" and p["text"] == TITLE_IU for p in said),
              "the announcer said the title in Inuktitut (the speech log)")
        # The summary has no recording: were it read by espeak-ng, its voice would fill the audio
        # after the tone; Inuktitut has no synthetic voice, so nothing else in Inuktitut sounds.
        loud_after = sum(1 for s in range(0, len(samples) - window, window)
                         if max(abs(x) for x in samples[s:s + window]) >= 500)
        check(loud_after <= tone_windows + 2,
              f"nothing but the recording sounds in Inuktitut ({loud_after} loud tenths, {tone_windows} of them the tone)")
    finally:
        stop_all(procs)
        remove_work(work)
    print(f"{passed()} checks passed")


main()
