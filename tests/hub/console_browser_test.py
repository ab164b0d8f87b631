#!/usr/bin/env python3
"""The operator console and local moderation, from enrolment to results, in a real browser.

A hub with four operators (admin, publisher, viewer, and one who mistypes), serving the console;
Debian's Chromium driven by Selenium does what an operator would:

- logs in; creates an enrolment token, whose QR code (read back from a screenshot by zbarimg, an
  independent decoder) holds the token the page shows; a kiosk enrols with it under a name that is
  HTML, and syncs: its signed health report reaches the fleet page, shown as text, never markup;
- uploads a consultations file with a mistake (the line is named, nothing published), then the
  demo file with the content key (published: GET /v1/health says the new version); a viewer is
  refused, and a form without the session's CSRF token changes nothing;
- five wrong passwords lock an account; every action is in the hub's events with its operator;
- results written by civic-hub tally are listed and download;
- civic-hub moderate --web (127.0.0.1 only, a one-time address): an idea approved with a phone
  number redacted, in the browser; the moderation log and the next bundle say so;
- a USB export older than the network sync does not replace the newer health report;
- every page, in English and French, passes axe-core (WCAG 2.2 A and AA, best practice) with no
  violation; screenshots of every page are kept in BUILD/tests/console/;
- GET /metrics refuses a request without the token, and what it serves passes promtool (the
  Prometheus project's own parser) with counts equal to what the hub holds.

Usage: console_browser_test.py BUILD_DIR SOURCE_DIR   (KEEP=1 keeps the scratch directory)
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

BUILD, SOURCE = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
SHOTS = os.path.join(BUILD, "tests", "console")
HUB = os.path.join(BUILD, "sync", "hub", "civic-hub")
SYNC = os.path.join(BUILD, "sync", "agent", "civic-sync")
FILL = os.path.join(BUILD, "tests", "fill_outbox")
KIOSK_NAME = '<script>alert("owned")</script> Library & Co'
PASSWORDS = {"alice": "alice's long passphrase", "pat": "pat's long passphrase",
             "val": "val's long passphrase", "mallory": "mallory's long passphrase"}
failures = []
axe_results = {}


def check(condition, what):
    print(("ok    " if condition else "FAIL  ") + what, flush=True)
    if not condition:
        failures.append(what)


def run(*argv, expect=0, env=None, stdin=None):
    r = subprocess.run(list(argv), capture_output=True, text=True, timeout=300, env=env, input=stdin)
    if r.returncode != expect:
        raise SystemExit("step failed (%d, expected %d): %s\n%s%s" % (r.returncode, expect, " ".join(argv),
                                                                    r.stdout, r.stderr))
    return r


def wait_for_file(path, seconds=20):
    for _ in range(seconds * 20):
        if os.path.exists(path) and os.path.getsize(path) > 0:
            return open(path).read().strip()
        time.sleep(0.05)
    raise SystemExit("timed out waiting for " + path)


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


AXE = open(os.path.join(SOURCE, "tests", "browser", "node_modules", "axe-core", "axe.min.js")).read()


def audit(browser, name):
    """axe-core over the page as it is (WCAG 2.2 A/AA and best practice), and a full-page screenshot."""
    browser.execute_script(AXE)
    result = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa',"
        " 'best-practice']}, resultTypes: ['violations']}).then(r => done([r.passes.length, r.violations.map("
        "v => v.id + ' (' + v.impact + '): ' + v.nodes.length + ' node(s), e.g. ' + v.nodes[0].html)]));")
    passes, violations = result
    axe_results[name] = (passes, violations)
    check(violations == [], "axe-core on %s: %d rules pass, no violation%s" %
          (name, passes, "".join("\n      " + v for v in violations)))
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1280, min(max(height, 600) + 40, 6000))
    browser.save_screenshot(os.path.join(SHOTS, name + ".png"))
    browser.set_window_size(1280, 900)


def body_text(browser):
    return browser.find_element("tag name", "body").text


def fill(browser, field_id, value):
    element = browser.find_element("id", field_id)
    element.clear()
    element.send_keys(value)


def click(browser, element):
    """Clicks and waits for the next page (a form's answer, a link's target)."""
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait
    from selenium.common.exceptions import WebDriverException
    page = browser.find_element("tag name", "html")
    element.click()

    def gone(driver):
        # While the old document is being replaced, chromedriver may answer "Node with given id
        # does not belong to the document" instead of a stale element: that is gone too.
        try:
            return expected_conditions.staleness_of(page)(driver)
        except WebDriverException as e:
            if "does not belong to the document" in str(e):
                return True
            raise
    WebDriverWait(browser, 20).until(gone)


def submit(browser, css="main form button[type=submit]"):
    click(browser, browser.find_element("css selector", css))


def login(browser, url, name):
    browser.get(url + "/console/login")
    fill(browser, "name", name)
    fill(browser, "password", PASSWORDS[name])
    submit(browser)


def session_of(browser):
    """The session cookie and this page's CSRF token, for requests made without the browser."""
    cookies = {c["name"]: c["value"] for c in browser.get_cookies()}
    csrf = browser.find_element("css selector", "input[name=csrf]").get_attribute("value")
    return "; ".join("%s=%s" % kv for kv in cookies.items()), csrf


def post(url, path, fields, cookie, files=None):
    """A form sent as a browser would (URL-encoded, or multipart with files); returns (status, text)."""
    if files:
        boundary = "----civic-test-boundary"
        parts = []
        for k, v in list(fields.items()) + [(k, v) for k, v in files.items()]:
            filename = '; filename="%s"' % k if k in files else ""
            data = v if isinstance(v, bytes) else v.encode()
            parts.append(b"--" + boundary.encode() + b"\r\nContent-Disposition: form-data; name=\"" + k.encode() +
                         b"\"" + filename.encode() + b"\r\n\r\n" + data + b"\r\n")
        body = b"".join(parts) + b"--" + boundary.encode() + b"--\r\n"
        content_type = "multipart/form-data; boundary=" + boundary
    else:
        body = urllib.parse.urlencode(fields).encode()
        content_type = "application/x-www-form-urlencoded"
    request = urllib.request.Request(url + path, data=body, method="POST",
                                     headers={"Cookie": cookie, "Content-Type": content_type})
    try:
        with urllib.request.build_opener(NoRedirect()).open(request, timeout=30) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def health(url):
    return json.loads(urllib.request.urlopen(url + "/v1/health", timeout=10).read())


def main():
    root = tempfile.mkdtemp(prefix="civic-console-")
    os.makedirs(SHOTS, exist_ok=True)
    state = os.path.join(root, "hub")
    hub = lambda *a, expect=0, stdin=None: run(HUB, "--state", state, *a, expect=expect, stdin=stdin)
    server = moderation = None
    browsers = []
    try:
        hub("init")
        submission_key = os.path.join(state, "offline", "hub-submission.key")
        content_key = os.path.join(state, "offline", "hub-content.key")
        for name, role in (("alice", "admin"), ("pat", "publisher"), ("val", "viewer"), ("mallory", "viewer")):
            hub("operator", "add", name, "--role", role, stdin=PASSWORDS[name] + "\n")
        short = hub("operator", "add", "shorty", stdin="short\n", expect=78)
        check("12 to 1024 characters" in short.stderr, "a short password is refused: " + short.stderr.strip())
        metrics_token = hub("metrics-token").stdout.strip()
        ready = os.path.join(root, "port")
        server = subprocess.Popen([HUB, "--state", state, "serve", "--port", "0", "--ready-file", ready],
                                  stdout=open(os.path.join(root, "hub.log"), "w"), stderr=subprocess.STDOUT)
        url = "http://127.0.0.1:" + wait_for_file(ready)

        # Nothing but the login page answers without a session.
        for path in ("/console", "/console/tokens", "/console/kiosk?id=00", "/console/events", "/console/results",
                     "/console/consultations", "/console/results/file?run=x&file=y"):
            request = urllib.request.Request(url + path)
            opener = urllib.request.build_opener(NoRedirect())
            try:
                opener.open(request, timeout=10)
                status, location = 200, ""
            except urllib.error.HTTPError as e:
                status, location = e.code, e.headers.get("Location", "")
            check(status == 303 and location == "/console/login", "%s without a session: sent to the login page" % path)
        status, _ = post(url, "/console/tokens", {"label": "x", "hours": "1"}, "")
        check(status == 303, "a form posted without a session goes to the login page, nothing done")

        browser = chromium()
        browsers.append(browser)
        browser.set_window_size(1280, 900)
        browser.get(url + "/console/login")
        audit(browser, "login")
        login(browser, url, "alice")
        check(browser.current_url.startswith(url + "/console"), "alice logs in")
        cookie = [c for c in browser.get_cookies() if c["name"] == "__Host-civic-session"]
        check(len(cookie) == 1 and cookie[0]["httpOnly"] and cookie[0]["secure"] and cookie[0]["sameSite"] == "Strict",
              "the session cookie is HttpOnly, Secure and SameSite=Strict")
        audit(browser, "fleet-empty")

        # An enrolment token, shown once, as text and as a QR code.
        browser.get(url + "/console/tokens")
        audit(browser, "tokens")
        fill(browser, "label", "Central library, 2nd floor")
        fill(browser, "hours", "48")
        submit(browser)
        token = browser.find_element("id", "token").text.strip()
        check(re.fullmatch(r"[0-9a-z-]{20,}", token) is not None, "the token is shown: " + token)
        audit(browser, "token-created")
        qr_png = os.path.join(root, "qr.png")
        browser.find_element("css selector", "svg.qr").screenshot(qr_png)
        decoded = run("zbarimg", "--quiet", "--raw", qr_png).stdout.strip()
        check(decoded == token, "zbarimg reads the token from the QR code on screen")
        browser.get(url + "/console/tokens")
        check("Central library, 2nd floor" in body_text(browser) and token not in browser.page_source,
              "the token list names it by its label and never shows the token again")

        # A kiosk enrols with it, with a name that is HTML, and syncs with its health.
        kiosk = os.path.join(root, "kiosk")
        config = os.path.join(root, "kiosk.toml")
        with open(config, "w") as f:
            f.write('[kiosk]\nstate_dir = "%s"\n[sync]\nhub_url = "%s"\nallow_plain_http = true\n' % (kiosk, url))
        env = dict(os.environ, CIVIC_KIOSK_CONFIG=config)
        run(SYNC, "keygen", env=env)
        run(SYNC, "enroll", url, token, "--name", KIOSK_NAME, env=env)
        now = int(time.time())
        with open(os.path.join(kiosk, "health.json"), "w") as f:
            json.dump({"boots": 3, "crashes": 1, "staff_lockouts": 1, "started_at": now - 7200, "running": True,
                       "display_width": 1280, "display_height": 800, "speech": "unavailable"}, f)
        run(FILL, kiosk, "6", "Call Bob at 555-0199 about the bench", env=env)
        usb = os.path.join(root, "usb")
        os.makedirs(usb)
        run(SYNC, "export", usb, "--not-a-drive", env=env)  # a health report made before the network sync
        with open(os.path.join(kiosk, "health.json"), "w") as f:  # then the kiosk crashed once more
            json.dump({"boots": 4, "crashes": 2, "staff_lockouts": 1, "started_at": now - 7200, "running": True,
                       "display_width": 1280, "display_height": 800, "speech": "unavailable"}, f)
        synced = run(SYNC, "run", "--once", env=env)
        check("health report was not accepted" not in synced.stdout + synced.stderr, "the sync sent its health report")
        imported = hub("import", usb, expect=0)
        check("health report" in imported.stdout, "the drive's older health report is imported: " +
              imported.stdout.strip().splitlines()[-1])

        browser.get(url + "/console")
        text = body_text(browser)
        check(KIOSK_NAME in text, "the kiosk's name shows as the text it is")
        check(browser.execute_script("return document.scripts.length") == 0,
              "no script element on the page (the name was not taken as markup)")
        check("speech unavailable" in text and "crashed 1 time" in text and "lock-out" not in text,
              "the fleet page flags what the health reports said: speech, a crash since the report before")
        audit(browser, "fleet")
        click(browser, browser.find_element("partial link text", "Library & Co"))
        text = body_text(browser)
        check("1280 × 800" in text and "via" not in text.split("Made")[0], "one kiosk's page shows its display size")
        rows = browser.find_elements("css selector", "table tbody tr")
        check(len(rows) == 2, "its history has the drive's report and the network's (%d rows)" % len(rows))
        made = text.split("Latest health report")[1].split("\n")[2]
        check(made.endswith(", http)") and "4, 2" in text,
              "the latest is the network sync's, not the older report the drive carried late: " + made)
        audit(browser, "kiosk")

        # Consultations: a mistake is named by its line; a viewer cannot publish; a publisher can.
        demo = open(os.path.join(SOURCE, "assets", "demo", "content.json")).read()
        lines = demo.splitlines()
        mistake_line = next(i for i, l in enumerate(lines) if '"method": "support"' in l)
        lines[mistake_line] = lines[mistake_line].replace('"method": "support"', '"method": "show of hands"')
        broken = os.path.join(root, "broken.json")
        open(broken, "w").write("\n".join(lines) + "\n")
        version_before = health(url)["content_version"]
        browser.get(url + "/console/consultations")
        browser.find_element("id", "file").send_keys(broken)
        browser.find_element("id", "key").send_keys(content_key)
        click(browser, browser.find_element("css selector", "button[value=publish]"))
        text = body_text(browser)
        check("the file has errors; nothing was published" in text, "a file with an error is not published")
        check(re.search(r"\n%d /consultations/\d+/voting/method " % (mistake_line + 1), text) is not None,
              "the error names line %d and the field" % (mistake_line + 1))
        check(health(url)["content_version"] == version_before, "GET /v1/health: the content version is unchanged")
        audit(browser, "consultations-errors")

        viewer = chromium()
        browsers.append(viewer)
        login(viewer, url, "val")
        viewer.get(url + "/console/consultations")
        check(not viewer.find_elements("css selector", "button[value=publish]"), "a viewer is offered no publish button")
        val_cookie, val_csrf = session_of(viewer)
        status, page = post(url, "/console/consultations", {"csrf": val_csrf, "action": "publish"}, val_cookie,
                            files={"file": demo, "key": open(content_key, "rb").read()})
        check(status == 403 and "cannot publish" in page, "a viewer's publish request is refused (403)")
        status, _ = post(url, "/console/tokens", {"csrf": val_csrf, "label": "x", "hours": "1"}, val_cookie)
        check(status == 403, "a viewer cannot create enrolment tokens")
        check(health(url)["content_version"] == version_before, "nothing was published by the viewer")

        publisher = chromium()
        browsers.append(publisher)
        login(publisher, url, "pat")
        publisher.get(url + "/console/consultations")
        publisher.find_element("id", "file").send_keys(os.path.join(SOURCE, "assets", "demo", "content.json"))
        click(publisher, publisher.find_element("css selector", "button[value=check]"))
        check("no errors" in body_text(publisher), "the demo file checks without errors")
        check(len(publisher.find_elements("css selector", "section.screen")) >= 4,
              "it is previewed as kiosk screens, per language")
        audit(publisher, "consultations-preview")
        publisher.find_element("id", "file").send_keys(os.path.join(SOURCE, "assets", "demo", "content.json"))
        publisher.find_element("id", "key").send_keys(content_key)
        click(publisher, publisher.find_element("css selector", "button[value=publish]"))
        check("Published as content version %d" % (version_before + 1) in body_text(publisher),
              "the publisher publishes it: " + body_text(publisher).split("\n")[2][:80])
        check(health(url)["content_version"] == version_before + 1, "GET /v1/health says the new content version")
        wrong_key = os.path.join(root, "wrong.key")
        open(wrong_key, "wb").write(open(submission_key, "rb").read())
        publisher.find_element("id", "file").send_keys(os.path.join(SOURCE, "assets", "demo", "content.json"))
        publisher.find_element("id", "key").send_keys(wrong_key)
        click(publisher, publisher.find_element("css selector", "button[value=publish]"))
        check("content key file was not accepted" in body_text(publisher) and
              health(url)["content_version"] == version_before + 1, "another key file is refused, nothing published")

        # CSRF: alice's session without the form's token changes nothing.
        browser.get(url + "/console/tokens")
        alice_cookie, alice_csrf = session_of(browser)
        tokens_before = len(browser.find_elements("css selector", "table tbody tr"))
        status, page = post(url, "/console/tokens", {"label": "forged", "hours": "1"}, alice_cookie)
        check(status == 403 and "Nothing was changed" in page, "a form without the CSRF token is refused (403)")
        status, _ = post(url, "/console/tokens", {"csrf": alice_csrf[:-1] + "0", "label": "forged", "hours": "1"},
                         alice_cookie)
        check(status == 403, "a form with another CSRF token is refused")
        browser.get(url + "/console/tokens")
        check(len(browser.find_elements("css selector", "table tbody tr")) == tokens_before and
              "forged" not in body_text(browser), "no token was created by either")

        # Failed logins lock the account, the right password included, for a while.
        guesser = chromium()
        browsers.append(guesser)
        for i in range(5):
            guesser.get(url + "/console/login")
            fill(guesser, "name", "mallory")
            fill(guesser, "password", "guess number %d" % i)
            submit(guesser)
        check("this account is locked for 1 minute" in body_text(guesser), "five wrong passwords lock the account")
        login(guesser, url, "mallory")
        check("locked" in body_text(guesser) and "/console/login" in guesser.current_url,
              "while locked, even the right password does not log in")
        audit(guesser, "login-locked")

        # Results, written by the operator's count, listed and downloaded.
        hub("tally", "--key", submission_key, "--population", os.path.join(SOURCE, "config", "population.toml"),
            "--out", os.path.join(state, "results", "2026-12-01-tally"))
        browser.get(url + "/console/results")
        check("2026-12-01-tally (latest)" in body_text(browser), "the results page lists the latest run")
        audit(browser, "results")
        click(browser, browser.find_element("link text", "report.html"))
        check("Results" in browser.title or "results" in body_text(browser).lower(), "the report opens from the console")
        browser.get(url + "/console/results/file?run=2026-12-01-tally&file=../../hub.db")
        check("no such result file" in body_text(browser), "a path outside the listing is not served")

        # Revocation, by typing the kiosk's name.
        browser.get(url + "/console")
        click(browser, browser.find_element("partial link text", "Library & Co"))
        fill(browser, "confirm", "not its name")
        submit(browser, "button.danger")
        check("nothing was revoked" in body_text(browser), "a mistyped name revokes nothing")
        browser.back()
        fill(browser, "confirm", KIOSK_NAME)
        submit(browser, "button.danger")
        check("revoked" in body_text(browser), "the kiosk is revoked")
        run(FILL, kiosk, "1", "after the revocation", env=env)
        refused = run(SYNC, "run", "--once", env=env, expect=77)
        check("403" in refused.stdout + refused.stderr or "revoked" in refused.stdout + refused.stderr,
              "the revoked kiosk's next sync is refused")

        browser.get(url + "/console/events")
        text = body_text(browser)
        for kind, detail in (("enrolment-token", "by alice"), ("content-published", "by pat"),
                             ("console-csrf-refused", "by alice"), ("console-refused", "by val"),
                             ("console-locked", "mallory"), ("revoked", "by alice")):
            check(any(kind in line and detail in line for line in text.splitlines()),
                  "the events page lists %s %s" % (kind, detail))
        audit(browser, "events")

        # French: every page in French, also accessible.
        for path, name, word in (("/console?lang=fr", "fleet-fr", "Bornes"), ("/console/tokens", "tokens-fr", "Jetons"),
                                 ("/console/consultations", "consultations-fr", "Vérifier"),
                                 ("/console/events", "events-fr", "Événements"), ("/console/results", "results-fr", "Résultats")):
            browser.get(url + path)
            check(browser.find_element("tag name", "html").get_attribute("lang") == "fr" and word in body_text(browser),
                  "%s is in French" % path)
            audit(browser, name)
        click(browser, browser.find_element("link text", "English"))
        check(browser.find_element("tag name", "html").get_attribute("lang") == "en", "and back to English")

        # Local moderation: the key on the operator's machine, the decision in the browser.
        mod_ready = os.path.join(root, "moderation-url")
        moderation = subprocess.Popen([HUB, "--state", state, "moderate", "--web", "--key", submission_key, "--by",
                                       "carol", "--ready-file", mod_ready, "--population",
                                       os.path.join(SOURCE, "config", "population.toml")],
                                      stdout=open(os.path.join(root, "moderation.log"), "w"), stderr=subprocess.STDOUT)
        mod_url = wait_for_file(mod_ready)
        check(mod_url.startswith("http://127.0.0.1:") and "code=" in mod_url, "moderation listens on 127.0.0.1: " +
              mod_url.split("?")[0])
        listening = run("ss", "-ltnH").stdout
        port = mod_url.split(":")[2].split("/")[0]
        check(re.search(r"\s127\.0\.0\.1:%s\s" % port, listening) is not None and
              re.search(r"\s(0\.0\.0\.0|\*|\[::\]):%s\s" % port, listening) is None, "and on no other address")
        moderator = chromium()
        browsers.append(moderator)
        moderator.get(mod_url)
        check("Call Bob at 555-0199 about the bench" in body_text(moderator), "the waiting ideas are shown, decrypted")
        audit(moderator, "moderation-queue")
        first = moderator.find_element("css selector", "main section")
        idea_id = first.find_element("css selector", "input[name=id]").get_attribute("value")
        first.find_element("css selector", "textarea").send_keys("555-0199")
        click(moderator, first.find_element("css selector", "button[value=approve]"))
        check("approved as: Call Bob at […] about the bench" in body_text(moderator), "approved with the number redacted")
        second = moderator.find_element("css selector", "main section")
        click(moderator, second.find_element("css selector", "button[value=reject]"))
        check("reason" in body_text(moderator).lower() and moderator.find_elements("css selector", "main section"),
              "a rejection without a reason is refused, saying so")
        moderator.get(mod_url.split("?")[0].rsplit("/", 1)[0] + "/log")
        audit(moderator, "moderation-log")
        log = json.loads(hub("moderate", "log", "--json").stdout)
        check(any(e["moderation_id"] == idea_id and e["action"] == "approved" and e["redacted"] and e["by"] == "carol"
                  for e in log), "the moderation log has carol's redacted approval")
        shown = hub("content", "show").stdout
        check("Call Bob at […] about the bench" in shown and "555-0199" not in shown,
              "the next bundle carries the redacted text only")
        # The count, from the same page: it lands where the console lists results.
        moderator.get(mod_url.split("?")[0].rsplit("/", 1)[0] + "/queue")
        click(moderator, moderator.find_element("css selector", "form[action='/count'] button"))
        counted = re.search(r"(\d+) records counted; results written to (\S+)", body_text(moderator))
        check(counted is not None and counted.group(1) == "6", "the count runs in the browser: " +
              (counted.group(0) if counted else body_text(moderator)[:200]))
        run_name = os.path.basename(counted.group(2)) if counted else "?"
        browser.get(url + "/console/results")
        check(run_name + " (latest)" in body_text(browser), "the console lists that count as the latest results")
        click(browser, browser.find_elements("link text", "report.html")[0])
        check("Call Bob at […] about the bench" in body_text(browser) and "555-0199" not in browser.page_source,
              "its report shows the approved idea, redacted")
        stranger = chromium()
        browsers.append(stranger)
        stranger.get(mod_url)
        check("Not allowed" in body_text(stranger), "the one-time address does not open a second session")
        stranger.get(mod_url.split("?")[0].rsplit("/", 1)[0] + "/queue")
        check("555-0199" not in stranger.page_source and "Not allowed" in body_text(stranger),
              "nor does the queue page without the session")

        # Metrics for monitoring: the token is required; promtool parses what is served.
        try:
            urllib.request.urlopen(url + "/metrics", timeout=10)
            status = 200
        except urllib.error.HTTPError as e:
            status = e.code
        check(status == 401, "GET /metrics without the token: 401")
        request = urllib.request.Request(url + "/metrics", headers={"Authorization": "Bearer " + metrics_token})
        exposition = urllib.request.urlopen(request, timeout=10).read().decode()
        open(os.path.join(SHOTS, "metrics.txt"), "w").write(exposition)
        linted = subprocess.run(["promtool", "check", "metrics"], input=exposition, capture_output=True, text=True)
        check(linted.returncode == 0 and linted.stdout.strip() == "" and linted.stderr.strip() == "",
              "promtool check metrics: no problem" + linted.stdout + linted.stderr)
        values = {}
        for line in exposition.splitlines():
            if line and not line.startswith("#"):
                name, value = line.rsplit(" ", 1)
                values[name] = float(value)
        records = health(url)["records"]
        check(values["civic_hub_records_received_total"] == records == 6,
              "records received (%d) equal the records the hub holds" % values["civic_hub_records_received_total"])
        check(values["civic_hub_batches_received_total"] >= 1 and values['civic_hub_kiosks{state="revoked"}'] == 1,
              "batches received, and the revoked kiosk counted as revoked")
        check(values['civic_hub_rejections_total{reason="unauthorized"}'] >= 1,
              "the revoked kiosk's refused upload is counted by its reason")
        check(values['civic_hub_http_request_duration_seconds_count{route="/v1/batches"}'] >= 1,
              "request durations are a histogram per route")
    finally:
        for b in browsers:
            b.quit()
        for p in (moderation, server):
            if p:
                p.terminate()
                p.wait(timeout=10)
        if os.environ.get("KEEP"):
            print("kept", root)
        else:
            shutil.rmtree(root, ignore_errors=True)
    with open(os.path.join(SHOTS, "axe.json"), "w") as f:
        json.dump(axe_results, f, indent=1)
    print("%d failed" % len(failures))
    return 1 if failures else 0


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


if __name__ == "__main__":
    sys.exit(main())
