#!/usr/bin/env python3
"""Every channel in one count, end to end with real processes and independent oracles.

A hub and a kiosk (fill_outbox seals residents at the kiosk, a town hall and on paper cards, with one
idea written as a spreadsheet formula), synced over HTTP; Decidim's proposals export and a survey's
per-participant CSV (assets/examples) imported; tally and open-data run. Then:

- the counts are recomputed here from the hub's database (each sealed record opened with PyNaCl
  and the submission key, its plaintext decoded from PROTOCOL.md) and from the two CSV files read
  with Python's csv module: every idea's total per channel, the ranks online only and with every
  channel, and what the offline channels moved into the top three;
- report.html is opened in Debian's Chromium (Selenium): axe-core finds no violation, best practice
  included, and at 320 px wide nothing is wider than the screen; screenshots are kept;
- ideas.csv is opened by LibreOffice Calc (headless conversion): the formula stays text, accents
  survive;
- the open-data package is validated by the Frictionless reference implementation (npm datapackage).

Usage: channels_test.py BUILD_DIR SOURCE_DIR   (KEEP=1 keeps the scratch hub, kiosk and results)
"""
import csv
import glob
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request

BUILD, SOURCE = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.join(SOURCE, "tests", "protocol"))
from submission_codec import open_sealed  # noqa: E402
from budget_oracle_test import equal_shares, greedy  # noqa: E402  (this directory)
EXAMPLES = os.path.join(SOURCE, "assets", "examples")
SHOTS = os.path.join(BUILD, "tests", "channels")
FORMULA = "=SUM(A1:A9)"
failures = []


def check(condition, what):
    print(("ok    " if condition else "FAIL  ") + what, flush=True)
    if not condition:
        failures.append(what)


def run(*argv, expect=0, env=None, cwd=None):
    r = subprocess.run(list(argv), capture_output=True, text=True, timeout=300, env=env, cwd=cwd)
    if r.returncode != expect:
        raise SystemExit("step failed (%d, expected %d): %s\n%s%s" % (r.returncode, expect, " ".join(argv),
                                                                    r.stdout, r.stderr))
    return r


# [SECTION] The oracle: submissions opened and decoded here, as PROTOCOL.md describes them.

def open_records(hub_db, key_file):
    """Every record in the hub's database, opened and decoded by the second implementation of the
    record format (tests/protocol/submission_codec.py: PyNaCl and PROTOCOL.md)."""
    db = sqlite3.connect("file:%s?mode=ro" % hub_db, uri=True)
    out = [open_sealed(key_file, sealed) for (sealed,) in db.execute("SELECT sealed FROM records ORDER BY id")]
    db.close()
    return out


def first_per_session(records, consultation):
    """One ballot per session: the first to arrive."""
    seen, out = set(), []
    for r in records:
        if r["consultation_id"] == consultation and r["session_id"] not in seen:
            seen.add(r["session_id"])
            out.append(r)
    return out


def ranks(totals):
    """1 for the highest; equal totals share a rank (as the report says)."""
    order = sorted(totals, key=lambda k: -totals[k])
    out, previous = {}, None
    for i, k in enumerate(order):
        out[k] = out[previous] if previous is not None and abs(totals[k] - totals[previous]) < 1e-9 else i + 1
        previous = k
    return out


def expected_counts(records):
    """Supports per idea and channel: one ballot per session, from every source."""
    by_channel = {}
    for r in first_per_session(records, "parks-2026"):
        for v in r["votes"]:
            assert v["choice"] == "support"
            by_channel.setdefault(v["idea_id"], {}).setdefault(r["channel"], 0)
            by_channel[v["idea_id"]][r["channel"]] += 1
    mapping = json.load(open(os.path.join(EXAMPLES, "decidim-map.json")))
    with open(os.path.join(EXAMPLES, "decidim-proposals.csv"), newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter=";"):
            idea_id = mapping["ideas"].get(row["id"], "online:" + row["id"])
            by_channel.setdefault(idea_id, {})["online:decidim"] = int(row["supports"])
    with open(os.path.join(EXAMPLES, "survey.csv"), newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            for column, cell in row.items():
                if column.startswith("idea:") and cell == "support":
                    idea_id = column[5:] if column[5:].startswith("idea-") else "online:" + column[5:]
                    by_channel.setdefault(idea_id, {}).setdefault("online:survey", 0)
                    by_channel[idea_id]["online:survey"] += 1
    return by_channel


# [SECTION] The scenario.

def main():
    root = tempfile.mkdtemp(prefix="civic-channels-")
    os.makedirs(SHOTS, exist_ok=True)
    hub_bin = os.path.join(BUILD, "sync", "hub", "civic-hub")
    sync_bin = os.path.join(BUILD, "sync", "agent", "civic-sync")
    state = os.path.join(root, "hub")
    hub = lambda *a, expect=0: run(hub_bin, "--state", state, *a, expect=expect, cwd=root)
    server = None
    try:
        hub("init")
        submission_key = os.path.join(state, "offline", "hub-submission.key")
        hub("content", "publish", "--key", os.path.join(state, "offline", "hub-content.key"),
            os.path.join(SOURCE, "assets", "demo", "content.json"))
        ready = os.path.join(root, "port")
        server = subprocess.Popen([hub_bin, "--state", state, "serve", "--port", "0", "--ready-file", ready],
                                  stdout=open(os.path.join(root, "hub.log"), "w"), stderr=subprocess.STDOUT)
        for _ in range(100):
            if os.path.exists(ready):
                break
            time.sleep(0.1)
        url = "http://127.0.0.1:" + open(ready).read().strip()
        kiosk = os.path.join(root, "kiosk")
        config = os.path.join(root, "kiosk.toml")
        with open(config, "w") as f:
            f.write('[kiosk]\nstate_dir = "%s"\n[sync]\nhub_url = "%s"\nallow_plain_http = true\n' % (kiosk, url))
        env = dict(os.environ, CIVIC_KIOSK_CONFIG=config)
        run(sync_bin, "keygen", env=env)
        token = hub("enroll-token", "--label", "library").stdout.strip()
        run(sync_bin, "enroll", url, token, "--name", "Central library", env=env)
        run(os.path.join(BUILD, "tests", "fill_outbox"), kiosk, "40", FORMULA, env=env)
        # The demo's budget and pairwise consultations, 30 residents each.
        run(os.path.join(BUILD, "tests", "fill_outbox"), kiosk, "30", "budget idea", "budget-2027", env=env)
        run(os.path.join(BUILD, "tests", "fill_outbox"), kiosk, "30", "library idea", "library-2027", env=env)
        run(sync_bin, "run", "--once", env=env)

        # One resident's idea, which reads like a spreadsheet formula, approved as it is.
        queue = json.loads(hub("moderate", "--key", submission_key, "--json").stdout)
        hub("moderate", "approve", queue[0]["moderation_id"], "--key", submission_key)

        # Online participation: Decidim's export, a survey, each with its mapping.
        imported = hub("import-online", "decidim", os.path.join(EXAMPLES, "decidim-proposals.csv"), "--map",
                       os.path.join(EXAMPLES, "decidim-map.json")).stdout
        check("5 rows" in imported and "2 online-only" in imported, "Decidim's export imported: " + imported.strip())
        hub("import-online", "participants", os.path.join(EXAMPLES, "survey.csv"), "--map",
            os.path.join(EXAMPLES, "survey-map.json"), "--source", "survey")
        again = hub("import-online", "decidim", os.path.join(EXAMPLES, "decidim-proposals.csv"), "--map",
                    os.path.join(EXAMPLES, "decidim-map.json")).stdout
        check("nothing changed" in again, "the same export again changes nothing")
        broken = os.path.join(root, "broken.csv")
        with open(os.path.join(EXAMPLES, "survey.csv")) as f, open(broken, "w") as out:
            lines = f.read().splitlines()
            lines[2] = lines[2].replace("under-25", "75+")
            out.write("\n".join(lines) + "\n")
        refused = hub("import-online", "participants", broken, "--map", os.path.join(EXAMPLES, "survey-map.json"),
                      "--source", "survey", expect=65)
        check("broken.csv:3: error: '75+' is not an answer to 'age'" in refused.stderr and
              "nothing was imported" in refused.stderr, "a malformed export is refused with its line")
        # An agree/disagree consultation answered online by two camps: opinion groups in the report.
        transit = os.path.join(root, "transit.csv")
        with open(transit, "w") as f:
            f.write("participant,idea:t-001,idea:t-002,idea:t-003,idea:t-004\n")
            for i in range(16):
                camp = ["agree,disagree,agree,pass", "disagree,agree,disagree,agree"][i % 2]
                f.write("t%02d,%s\n" % (i, camp))
        transit_map = os.path.join(root, "transit-map.json")
        with open(transit_map, "w") as f:
            f.write('{"format": 1, "consultation": "transit-2026"}')
        hub("import-online", "participants", transit, "--map", transit_map, "--source", "survey")
        listed = json.loads(hub("log", "imports", "--json").stdout)
        check(len(listed) == 3, "two imports in the transparency log (the refused one is not)")
        served = json.loads(urllib.request.urlopen(url + "/v1/log/imports", timeout=10).read())
        check([p["statement"] for p in served] == [p["statement"] for p in listed],
              "GET /v1/log/imports serves the same signed statements")
        health = json.loads(urllib.request.urlopen(url + "/v1/health", timeout=10).read())
        check(health["records"] == 100, "/v1/health counts the 100 records, not the imports in the log")
        proofs = os.path.join(root, "proofs.json")
        hub("log", "imports", "--out", proofs)
        verified = run(os.path.join(BUILD, "sync", "civic-verify-receipt"), proofs,
                       os.path.join(state, "hub-signing.pub"), os.path.join(EXAMPLES, "decidim-proposals.csv"))
        check("is the file the hub imported" in verified.stdout, "the Decidim file's import verifies offline")

        out = os.path.join(root, "results")
        hub("tally", "--key", submission_key, "--population", os.path.join(SOURCE, "config", "population.toml"),
            "--out", out)
        package = os.path.join(root, "open-data")
        hub("open-data", "--key", submission_key, "--population", os.path.join(SOURCE, "config", "population.toml"),
            "--out", package)

        exported = os.path.join(root, "to-decidim")
        hub("export-online", "decidim", "--key", submission_key, "--map", os.path.join(EXAMPLES, "decidim-map.json"),
            "--out", exported)

        expected = check_counts(state, submission_key, out)
        check_export(exported, expected)
        check_report(out)
        check_spreadsheet(out, root)
        check_package(package)
    finally:
        if server:
            server.terminate()
            server.wait(timeout=10)
        if os.environ.get("KEEP"):
            print("kept", root)
        else:
            shutil.rmtree(root, ignore_errors=True)
    print("%d failed" % len(failures))
    return 1 if failures else 0


def check_counts(state, key, out):
    records = open_records(os.path.join(state, "hub.db"), key)
    check(len(records) == 100, "the oracle opened the 100 sealed records")
    expected = expected_counts(records)
    results = json.load(open(os.path.join(out, "results.json")))
    parks = next(c for c in results["consultations"] if c["id"] == "parks-2026")
    got = {i["id"]: i for i in parks["ideas"]}
    channels = sorted({ch for by in expected.values() for ch in by})
    check(channels == ["kiosk", "online:decidim", "online:survey", "paper", "town-hall"],
          "every channel is there: " + ", ".join(channels))
    for idea_id, by in expected.items():
        shown = {g[len("channel="):]: c["support"] for g, c in got.get(idea_id, {}).get("by_group", {}).items()
                 if g.startswith("channel=")}
        check(shown == by, "%s per channel: %s (expected %s)" % (idea_id, shown, by))
        check(got.get(idea_id, {}).get("raw", {}).get("support") == sum(by.values()), idea_id + " in all")
    total = {i: sum(by.values()) for i, by in expected.items()}
    for i in got:
        total.setdefault(i, 0)
    online = {i: sum(n for ch, n in expected.get(i, {}).items() if ch.startswith("online:")) for i in total}
    rank_all, rank_online = ranks(total), ranks(online)
    check(all(got[i]["rank_all"] == rank_all[i] and got[i]["rank_online"] == rank_online[i] for i in got),
          "ranks online only and with every channel")
    moved = [got[i]["text"] for i in sorted(got, key=lambda i: rank_all[i])
             if rank_all[i] <= 3 and rank_online[i] > 3]
    sentence = parks["offline_effect"]
    if moved:
        check(all("'%s'" % t in sentence for t in moved) and "into the top three" in sentence,
              "the sentence names what offline participants moved in: " + sentence)
    else:
        check("did not change the top three" in sentence, "the sentence says nothing moved: " + sentence)
    check(parks["participants"] == 40 + 8, "40 offline and 8 survey participants (Decidim gives no people)")
    transit = next(c for c in results["consultations"] if c["id"] == "transit-2026")
    groups = transit["opinion_groups"]
    check(groups["k"] == 2 and sorted(g["participants"] for g in groups["groups"]) == [8, 8],
          "two camps of 8 found in the agree/disagree consultation")
    check_budget(records, results)
    check_pairwise(records, results)
    return expected


def check_budget(records, results):
    """Approvals per project, and both rules' projects, from the opened records (rules: the Python
    implementation of tests/hub/budget_oracle_test.py)."""
    content = json.load(open(os.path.join(SOURCE, "assets", "demo", "content.json"), encoding="utf-8"))
    demo = next(c for c in content["consultations"] if c["id"] == "budget-2027")
    cost = {i["id"]: i["cost"] for i in demo["ideas"]}
    ballots = [frozenset(v["idea_id"] for v in r["votes"]) for r in first_per_session(records, "budget-2027")]
    votes = {p: sum(p in b for b in ballots) for p in cost}
    groups = {}
    for b in ballots:
        groups[b] = groups.get(b, 0) + 1
    budget = next(c for c in results["consultations"] if c["id"] == "budget-2027")
    shown = {i["id"]: i["raw"]["support"] for i in budget["ideas"]}
    check(budget["participants"] == 30 and shown == votes, "budget: 30 ballots, votes per project %s" % votes)
    want_greedy = greedy(demo["voting"]["total"], cost, votes)
    want_shares, _ = equal_shares(demo["voting"]["total"], cost, votes, list(groups.items()))
    check(sorted(budget["budget"]["greedy"]["chosen"]) == sorted(want_greedy),
          "budget: the greedy rule funds %s" % want_greedy)
    check(sorted(budget["budget"]["equal_shares"]["chosen"]) == sorted(want_shares),
          "budget: equal shares funds %s" % want_shares)


def check_pairwise(records, results):
    """Comparisons and wins per idea from the opened records."""
    counted = first_per_session(records, "library-2027")
    wins, seen, undecided = {}, {}, 0
    for r in counted:
        for c in r["comparisons"]:
            if c["outcome"] == "cannot-decide":
                undecided += 1
                continue
            winner = c["left"] if c["outcome"] == "left" else c["right"]
            wins[winner] = wins.get(winner, 0) + 1
            for i in (c["left"], c["right"]):
                seen[i] = seen.get(i, 0) + 1
    library = next(c for c in results["consultations"] if c["id"] == "library-2027")
    scores = {s["idea"]: s for s in library["pairwise"]["scores"]}
    check(library["participants"] == 30 and library["pairwise"]["cannot_decide"] == undecided,
          "pairwise: 30 residents, %d undecided" % undecided)
    check(all(scores[i]["wins"] == wins.get(i, 0) and scores[i]["comparisons"] == seen.get(i, 0) for i in scores),
          "pairwise: wins and comparisons per idea")
    ordered = [i["id"] for i in library["ideas"]]
    check(ordered == sorted(scores, key=lambda i: -scores[i]["score"]), "pairwise: ideas in order of score")


def check_export(exported, expected):
    """The files for Decidim's admin imports, read with Python's csv module."""
    with open(os.path.join(exported, "decidim-proposals-import.csv"), newline="", encoding="utf-8-sig") as f:
        proposals = list(csv.DictReader(f))
    check(len(proposals) == 1 and proposals[0]["title/en"] == "'" + FORMULA + " 0" and
          "Central library" in proposals[0]["body/en"] and "borne publique" in proposals[0]["body/fr"],
          "the approved resident idea goes out as a Decidim proposal, with its channel and site")
    with open(os.path.join(exported, "decidim-answers-import.csv"), newline="", encoding="utf-8-sig") as f:
        answers = {row["id"]: row for row in csv.DictReader(f)}
    mapping = json.load(open(os.path.join(EXAMPLES, "decidim-map.json")))["ideas"]
    check(sorted(answers) == sorted(mapping), "one answer per mapped Decidim proposal")
    for proposal, idea_id in mapping.items():
        total = sum(expected.get(idea_id, {}).values())
        text = answers.get(proposal, {}).get("answer/en", "")
        check(text.startswith("Results across every channel: %d supports" % total) and
              answers[proposal]["state"] == "evaluating",
              "proposal %s is answered with its results, not votes: %s" % (proposal, text))


def chromium():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--user-data-dir=" + tempfile.mkdtemp(prefix="civic-chromium-")):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def check_report(out):
    axe = open(os.path.join(SOURCE, "tests", "browser", "node_modules", "axe-core", "axe.min.js")).read()
    browser = chromium()
    try:
        browser.set_window_size(1280, 900)
        browser.get("file://" + os.path.join(out, "report.html"))
        height = browser.execute_script("return document.documentElement.scrollHeight")
        browser.set_window_size(1280, min(height + 100, 8000))
        browser.save_screenshot(os.path.join(SHOTS, "report-1280.png"))
        browser.execute_script(axe)
        result = browser.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations.map("
            "v => v.id + ' (' + v.impact + '): ' + v.nodes.length + ' node(s), e.g. ' + v.nodes[0].html)));")
        check(result == [], "axe-core: no violation, best practice included" + ("".join("\n      " + v for v in result)))
        browser.set_window_size(320, 900)
        widths = browser.execute_script(
            "return [document.documentElement.scrollWidth, document.documentElement.clientWidth,"
            " Array.from(document.querySelectorAll('table')).filter(t => t.scrollWidth > t.parentElement.clientWidth + 1).length]")
        check(widths[0] <= widths[1] and widths[2] == 0,
              "at 320 px nothing is wider than the screen (page %d of %d, %d tables too wide)" % tuple(widths))
        height = browser.execute_script("return document.documentElement.scrollHeight")
        browser.set_window_size(320, min(height + 100, 16000))
        browser.save_screenshot(os.path.join(SHOTS, "report-320.png"))
        text = browser.find_element("tag name", "body").text
        check("into the top three" in text or "did not change the top three" in text,
              "the report says what the offline channels changed")
        check("Un café près de l'étang (proposed online)" in text, "an online-only idea, accents intact")
        check("fall into 2 groups of people who vote alike" in text, "the opinion groups are found and described")
    finally:
        browser.quit()


def check_spreadsheet(out, root):
    converted = os.path.join(root, "converted")
    # As Calc's import dialog opens a CSV: separator comma, text in double quotes, UTF-8 (76).
    run("soffice", "--headless", "--norestore", "-env:UserInstallation=file://" + os.path.join(root, "lo-profile"),
        "--infilter=CSV:44,34,76,1", "--convert-to", "html", "--outdir", converted, os.path.join(out, "ideas.csv"))
    html = open(glob.glob(os.path.join(converted, "*.html"))[0], encoding="utf-8", errors="replace").read()
    check(FORMULA in html, "LibreOffice shows the resident's formula as text, not a computed value")
    check("Un café près de l'étang" in html, "LibreOffice reads the accents")
    check("\ufeff" not in html and "ï»¿" not in html, "the byte-order mark is not read as text")


def check_package(package):
    r = subprocess.run(["node", os.path.join(SOURCE, "tests", "browser", "validate_datapackage.js"),
                        os.path.join(package, "datapackage.json")], capture_output=True, text=True, timeout=120)
    check(r.returncode == 0, "the data package validates (Frictionless datapackage): " +
          (r.stdout + r.stderr).strip().replace("\n", "; "))
    rows = list(csv.DictReader(open(os.path.join(package, "ideas_by_channel.csv"), encoding="utf-8")))
    small = [r for r in rows if r["suppressed"] == "true"]
    check(all(r["support"] == "" for r in small) and
          all(int(r["support"]) >= 5 for r in rows if r["suppressed"] == "false" and r["support"] not in ("", "0")),
          "no count below 5 in a breakdown (%d rows left out)" % len(small))


if __name__ == "__main__":
    sys.exit(main())
