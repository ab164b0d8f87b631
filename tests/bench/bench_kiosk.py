#!/usr/bin/env python3
"""Kiosk benchmarks under Xvfb, measured in the same run:
- idle CPU on the attract screen over 30 s, beside the same binary drawing every frame as a stock
  Dear ImGui example does (--redraw-every-frame): target at most 1% of a core, ratio under 0.05;
- cold start to first frame (the first accessibility dump written): target at most 500 ms, beside
  Chromium's start to its first paint of a static page on the same display;
- memory: the kiosk's proportional set size (PSS, all its pages counted once, shared ones divided)
  on the attract screen, beside Chromium showing a static page of the same words on the same Xvfb
  display (the sum over all its processes): target a ratio at most 0.25.
Usage: bench_kiosk.py BUILD_DIR SOURCE_DIR [SECONDS]
"""
import os
import subprocess
import sys
import tempfile
import time

BUILD, SOURCE = sys.argv[1], sys.argv[2]
SECONDS = float(sys.argv[3]) if len(sys.argv) > 3 else 30.0
HUB, SYNC, KIOSK = (f"{BUILD}/sync/hub/civic-hub", f"{BUILD}/sync/agent/civic-sync", f"{BUILD}/kiosk/civic-kiosk")
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def pss_kib(pid):
    """PSS of a process in KiB, from /proc/PID/smaps_rollup."""
    for line in open(f"/proc/{pid}/smaps_rollup"):
        if line.startswith("Pss:"):
            return int(line.split()[1])
    return 0


def process_tree(pid):
    """pid and every descendant, from /proc."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                ppid = int(open(f"/proc/{entry}/stat").read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def chromium_figures(env, work):
    """Chromium on the same display showing a static page: (PSS in KiB summed over its processes,
    ms from start to the page's first paint as Chromium logs it). None when it is not installed."""
    chromium = next((c for c in ("/usr/bin/chromium", "/usr/bin/chromium-browser") if os.path.exists(c)), None)
    if not chromium:
        return None
    page = f"{work}/static.html"
    open(page, "w").write("<!doctype html><html lang=en><meta charset=utf-8><title>Have your say</title>"
                          "<body style='font:28px sans-serif;background:#1d3d6e;color:#fff'>"
                          "<h1>Have your say</h1><p>Tell the city what you think.</p>"
                          "<p><button style='font-size:40px'>Start</button></body></html>")
    start = time.monotonic()
    p = subprocess.Popen([chromium, "--kiosk", "--no-first-run", "--no-default-browser-check", "--disable-gpu",
                          "--no-sandbox", f"--user-data-dir={work}/chromium", "--disable-extensions",
                          "--remote-debugging-port=0", "file://" + page], env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    # The first line on stderr after start-up is DevTools' address: Chromium is up; give the page
    # time to paint and the helpers time to settle.
    first = None
    while first is None:
        line = p.stderr.readline()
        if not line:
            break
        if "DevTools listening" in line:
            first = (time.monotonic() - start) * 1000
    time.sleep(8)
    total = sum(pss_kib(q) for q in process_tree(p.pid) if os.path.exists(f"/proc/{q}"))
    p.terminate()
    try:
        p.wait(timeout=20)
    except subprocess.TimeoutExpired:
        p.kill()
    return total, first


def run(*a):
    return subprocess.run(list(a), check=True, capture_output=True, text=True).stdout


def main():
    work = tempfile.mkdtemp(prefix="civic-bench-kiosk-")
    r, w = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(w), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                            pass_fds=[w], stderr=subprocess.DEVNULL)
    os.close(w)
    env = dict(os.environ, DISPLAY=":" + os.read(r, 16).decode().strip())
    hub = None
    try:
        run(HUB, "--state", f"{work}/hub", "init")
        hub = subprocess.Popen([HUB, "--state", f"{work}/hub", "serve", "--port", "0", "--ready-file", f"{work}/port"],
                               stderr=subprocess.DEVNULL)
        while not os.path.exists(f"{work}/port"):
            time.sleep(0.05)
        url = f"http://127.0.0.1:{open(f'{work}/port').read().strip()}"
        run(HUB, "--state", f"{work}/hub", "content", "publish",
            "--key", f"{work}/hub/offline/hub-content.key", f"{SOURCE}/assets/demo/content.json")
        open(f"{work}/kiosk.toml", "w").write(f'[kiosk]\nstate_dir = "{work}/kiosk"\n[sync]\nhub_url = "{url}"\n'
                                              '[display]\nfullscreen = false\n[languages]\noffered = ["en", "fr"]\n')
        token = [l for l in run(HUB, "--state", f"{work}/hub", "enroll-token").splitlines() if "-" in l][0]
        run(SYNC, "--config", f"{work}/kiosk.toml", "enroll", url, token)
        run(SYNC, "--config", f"{work}/kiosk.toml", "run", "--once")

        results = {}
        for mode, extra in (("ours (sleeps when idle)", []), ("peer (redraws every frame)", ["--redraw-every-frame"])):
            dump = f"{work}/tree-{len(results)}.json"
            start = time.monotonic()
            p = subprocess.Popen([KIOSK, "--config", f"{work}/kiosk.toml", "--a11y-dump", dump] + extra, env=env,
                                 stderr=subprocess.DEVNULL)
            while not os.path.exists(dump):
                time.sleep(0.002)
            first_frame_ms = (time.monotonic() - start) * 1000
            time.sleep(2)  # settle
            pss = pss_kib(p.pid)
            c0, t0 = cpu_seconds(p.pid), time.monotonic()
            time.sleep(SECONDS)
            used = (cpu_seconds(p.pid) - c0) / (time.monotonic() - t0)
            p.terminate()
            p.wait(timeout=20)
            results[mode] = (used, first_frame_ms, pss)
        ours, peer = results["ours (sleeps when idle)"], results["peer (redraws every frame)"]
        print(f"kiosk on the attract screen under Xvfb, CPU over {SECONDS:.0f} s:")
        print(f"  ours (sleeps when idle):    {ours[0] * 100:6.2f}% of a core (target <= 1%)")
        print(f"  peer (redraws every frame): {peer[0] * 100:6.2f}% of a core")
        ratio = ours[0] / peer[0] if peer[0] > 0 else float("nan")
        print(f"  ratio ours/peer:            {ratio:6.3f} (target < 0.05)")
        print(f"cold start to first frame: {ours[1]:.0f} ms (target <= 500 ms); peer {peer[1]:.0f} ms")
        chromium = chromium_figures(env, work)
        print(f"kiosk memory on the attract screen: PSS {ours[2] / 1024:.1f} MiB")
        if chromium:
            print(f"  Chromium showing a static page on the same display: PSS {chromium[0] / 1024:.1f} MiB "
                  f"(all its processes)")
            print(f"  ratio kiosk/Chromium: {ours[2] / chromium[0]:.3f} (target <= 0.25)")
            if chromium[1] is not None:
                print(f"  Chromium start to DevTools ready: {chromium[1]:.0f} ms; "
                      f"ratio kiosk/Chromium start {ours[1] / chromium[1]:.3f}")
        else:
            print("  Chromium is not installed: no ratio (apt-get install chromium)")
    finally:
        if hub:
            hub.terminate()
            hub.wait(timeout=10)
        xvfb.terminate()
        xvfb.wait(timeout=10)


main()
