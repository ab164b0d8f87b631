"""Shared by the Xvfb tests: the real civic-kiosk on a virtual display, driven as a person would,
with xdotool taps at the rectangles the kiosk reports in its accessibility dump; and the local hub
and enrolment they start from. Every wait is bounded."""
import difflib
import json
import os
import re
import shutil
import subprocess
import time

_checks = 0


def check(cond, what):
    global _checks
    if not cond:
        raise SystemExit(f"FAILED: {what}")
    _checks += 1


def passed():
    return _checks


def run(*args, ok=True, **kw):
    r = subprocess.run(list(args), capture_output=True, text=True, timeout=120, **kw)
    if ok and r.returncode != 0:
        raise SystemExit(f"FAILED: {' '.join(args)}: {r.stdout}{r.stderr}")
    return r


def start_xvfb(geometry="1280x800x24"):
    """Xvfb on a free display number; returns the process and its DISPLAY."""
    r, w = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(w), "-screen", "0", geometry, "-nolisten", "tcp"],
                            pass_fds=[w], stderr=subprocess.DEVNULL)
    os.close(w)
    return xvfb, ":" + os.read(r, 16).decode().strip()


def start_hub(build, source, work):
    """civic-hub with fresh keys in WORK/hub, serving on a free port, the demo consultation
    published; returns the process and the port."""
    hub_bin = f"{build}/sync/hub/civic-hub"
    run(hub_bin, "--state", f"{work}/hub", "init")
    hub = subprocess.Popen([hub_bin, "--state", f"{work}/hub", "serve", "--port", "0", "--ready-file", f"{work}/port"],
                           stderr=subprocess.DEVNULL)
    for _ in range(200):
        if os.path.exists(f"{work}/port"):
            break
        time.sleep(0.05)
    port = open(f"{work}/port").read().strip()
    run(hub_bin, "--state", f"{work}/hub", "content", "publish",
        "--key", f"{work}/hub/offline/hub-content.key", f"{source}/assets/demo/content.json")
    return hub, port


def write_kiosk_config(work, port, extra="", languages=("en", "fr")):
    offered = ", ".join(f'"{lang}"' for lang in languages)
    with open(f"{work}/kiosk.toml", "w") as f:
        f.write(f'[kiosk]\nstate_dir = "{work}/kiosk"\n[sync]\nhub_url = "http://127.0.0.1:{port}"\n'
                f'[languages]\noffered = [{offered}]\n[display]\nfullscreen = false\n{extra}')


def enroll(build, work, port):
    """A one-time token from the hub, then civic-sync enroll and a first sync (content)."""
    sync_bin = f"{build}/sync/agent/civic-sync"
    out = run(f"{build}/sync/hub/civic-hub", "--state", f"{work}/hub", "enroll-token").stdout
    token = [l for l in out.splitlines() if "-" in l][0]
    run(sync_bin, "--config", f"{work}/kiosk.toml", "enroll", f"http://127.0.0.1:{port}", token)
    run(sync_bin, "--config", f"{work}/kiosk.toml", "run", "--once")


def remove_work(work):
    """Removes a test's work directory, unless CIVIC_KEEP_WORK asks to keep it for a look."""
    if os.environ.get("CIVIC_KEEP_WORK"):
        print(f"work directory kept: {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)


def stop_all(procs):
    for p in reversed(procs):
        p.terminate()
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()


class Kiosk:
    def __init__(self, build, work, env, extra_args=(), first_screen="attract"):
        self.dump = f"{work}/tree.json"
        self.shots = f"{work}/shots"
        os.makedirs(self.shots, exist_ok=True)
        self.env = env
        # A dump left by an earlier kiosk in this folder would be read as this one's first frame
        # (its screen, its frame count) and a tap sent before this kiosk's window exists.
        if os.path.exists(self.dump):
            os.remove(self.dump)
        self.proc = subprocess.Popen([f"{build}/kiosk/civic-kiosk", "--config", f"{work}/kiosk.toml", "--a11y-dump",
                                      self.dump, "--screenshot-dir", self.shots, *extra_args],
                                     env=env, stderr=subprocess.PIPE, text=True)
        self.wait(lambda t: t["screen"] == first_screen, f"the {first_screen} screen")

    def tree(self):
        try:
            with open(self.dump, encoding="utf-8") as f:
                return json.load(f)
        except (OSError, ValueError):
            return None

    def wait(self, pred, what, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            t = self.tree()
            if t and pred(t):
                return t
            if self.proc.poll() is not None:
                raise SystemExit(f"FAILED: the kiosk exited while waiting for {what}: {self.proc.stderr.read()}")
            time.sleep(0.05)
        t = self.tree() or {}
        ids = [n["id"] + ("(clipped)" if n["clipped"] else "") for n in t.get("nodes", [])]
        raise SystemExit(f"FAILED: timed out waiting for {what}; screen {t.get('screen')}/{t.get('staff')}, "
                         f"on screen: {ids}")

    def node(self, node_id):
        # Taps just after a screen change are ignored by design (the tap guard): wait it out, as a
        # person would.
        t = self.wait(lambda t: any(n["id"] == node_id for n in t["nodes"]) and not t.get("tap_guard"),
                      f"'{node_id}' on screen")
        return next(n for n in t["nodes"] if n["id"] == node_id), t["frame"]

    def at(self, n):
        """The display pixel at the centre of a node (the dump is in design pixels)."""
        scale = self.tree().get("scale", 1)
        return int((n["x"] + n["w"] / 2) * scale), int((n["y"] + n["h"] / 2) * scale)

    def settled(self, after_frame, what, timeout=30):
        """Waits until the kiosk has drawn past `after_frame` and then stopped drawing for 150 ms:
        it draws only when something changes, so by then every queued event has been handled."""
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            t = self.wait(lambda t: t["frame"] > after_frame, what, timeout=max(0.1, deadline - time.time()))
            if last is not None and t["frame"] == last:
                return t
            last = t["frame"]
            time.sleep(0.15)
        raise SystemExit(f"FAILED: the kiosk kept drawing after {what}")

    def tap(self, node_id):
        n, frame = self.node(node_id)
        x, y = self.at(n)
        subprocess.run(["xdotool", "mousemove", str(x), str(y), "click", "1"], env=self.env, check=True, timeout=10)
        self.settled(frame + 1, f"tapping '{node_id}'")

    def type(self, text, prefix="key."):
        for ch in text:
            self.tap(f"{prefix}space" if ch == " " else prefix + ch)

    def long_press(self, x, y, seconds):
        subprocess.run(["xdotool", "mousemove", str(x), str(y), "mousedown", "1", "sleep", str(seconds), "mouseup", "1"],
                       env=self.env, check=True, timeout=30)

    def stop(self):
        self.proc.terminate()
        return self.proc.wait(timeout=20)


# [Reading the display] What is drawn, read back by OCR (tesseract): an oracle independent of the
# code that lays the screens out.
TESSERACT_LANG = {"en": "eng", "fr": "fra"}


def normalise(s):
    s = s.replace("’", "'").replace("‘", "'").lower()
    return re.sub(r"[^\w]+", " ", s).strip()


def screenshot(env, work, name):
    """The X server's own picture of the display."""
    path = f"{work}/{name}.png"
    run("import", "-display", env["DISPLAY"], "-window", "root", path)
    return path


def ocr(png, box, lang):
    """Text tesseract reads in `box` (display pixels: x0, y0, x1, y1), enlarged twice for accuracy."""
    x0, y0, x1, y1 = (int(v) for v in box)
    crop = png[:-4] + f"-{x0}-{y0}.png"
    run("convert", png, "-crop", f"{x1 - x0}x{y1 - y0}+{x0}+{y0}", "+repage", "-resize", "200%", crop)
    r = run("tesseract", crop, "-", "--psm", "6", "-l", TESSERACT_LANG[lang])
    return " ".join(r.stdout.split())


def best_match(text, candidates):
    """The candidate id whose text is most like `text`, its ratio, and the runner-up's ratio."""
    scores = sorted(((difflib.SequenceMatcher(None, normalise(text), normalise(t)).ratio(), i)
                     for i, t in candidates.items()), reverse=True)
    return scores[0][1], scores[0][0], scores[1][0] if len(scores) > 1 else 0.0
