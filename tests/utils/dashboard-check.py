# SPDX-License-Identifier: GPL-2.0-only
"""The browser checks of tests/integration/test-dashboard.sh (see its
header). Prints "CHECK 0|1 description" (0: passed), "SKIP N reason" and
"# diagnostics" lines; exits 0 when it ran to its end, whatever the
checks said.

Environment: LTAD_URL, LTAD_TOKEN, DASH_ANALYSIS (an ended analysis of a
recorded trace), DASH_SHOTS (screenshot folder), DASH_TMP, DASH_LIVE_SKIP
(why the live part cannot run, or empty), DASH_SERVER and
DASH_TRACER_LIB (tests/utils/fault-server and the system-call tracer).
"""
import json
import os
import re
import signal
import socket
import subprocess
import threading
import sys
import time
import urllib.error
import urllib.request

from webdriver import Browser, KEY_ARROW_DOWN, KEY_ENTER

URL = os.environ["LTAD_URL"]
TOKEN = os.environ["LTAD_TOKEN"]
AID = int(os.environ["DASH_ANALYSIS"])
SHOTS = os.environ["DASH_SHOTS"]
TMP = os.environ["DASH_TMP"]
LIVE_SKIP = os.environ.get("DASH_LIVE_SKIP", "")


def check(passed, what):
    print("CHECK %d %s" % (0 if passed else 1, what), flush=True)
    return passed


def diag(text):
    for line in str(text).splitlines():
        print("# " + line, flush=True)


def same(got, want, what):
    if not check(got == want, what):
        diag("got:      %s" % json.dumps(got)[:600])
        diag("expected: %s" % json.dumps(want)[:600])


def http(method, path, body=None, token=True, headers=None):
    """(status, headers, parsed JSON or text) of a request to the daemon."""
    req = urllib.request.Request(URL + path, method=method,
                                 data=None if body is None
                                 else json.dumps(body).encode())
    if token:
        req.add_header("Authorization", "Bearer " + TOKEN)
    if method != "GET":
        req.add_header("Content-Type", "application/json")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            status, hdrs, raw = r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        status, hdrs, raw = e.code, dict(e.headers), e.read()
    try:
        return status, hdrs, json.loads(raw)
    except ValueError:
        return status, hdrs, raw.decode("utf-8", "replace")


def api(path):
    status, _, body = http("GET", path)
    if status != 200:
        raise RuntimeError("GET %s: %d %s" % (path, status, body))
    return body


def dom_json(b, css, attr):
    text = b.js("var e = document.querySelector(arguments[0]);"
                "return e ? e.getAttribute(arguments[1]) : null;", css, attr)
    return json.loads(text) if text else None


def shot(b, name):
    path = os.path.join(SHOTS, name + ".png")
    size = b.screenshot(path)
    check(size > 10000, "screenshot %s.png written (%d bytes)" % (name, size))


def all_windows(aid, qid=1):
    out, after = [], 0
    while True:
        page = api("/api/v1/analyses/%d/queries/%d/windows?limit=1000&after=%d"
                   % (aid, qid, after))
        out += page["windows"]
        if not page.get("next"):
            return out
        after = page["next"]


def window_points(windows):
    """The windows as the page's data-points hold them (ns as text)."""
    pts = [{"start": str(w["start"]), "end": str(w["end"]),
            "component": (w.get("group") or {}).get("component", "all"),
            "count": w["count"], "rate": w["rate"], "errors": w["errors"],
            "p50": w["p50"], "p90": w["p90"], "p99": w["p99"],
            "max": w["max"]} for w in windows]
    return sorted(pts, key=lambda p: (p["component"], int(p["start"])))


def norm_points(pts):
    for p in pts:
        p["start"], p["end"] = str(p["start"]), str(p["end"])
    return sorted(pts, key=lambda p: (p["component"], int(p["start"])))


def wait_hash(b, pattern, timeout=5):
    return b.wait("return new RegExp(arguments[0]).test(location.hash) && location.hash",
                  pattern, timeout=timeout)


# --- the recorded experiment ---------------------------------------------

def offline(b):
    status, hdrs, body = http("GET", "/", token=False)
    check(status == 200 and "<title>lttng-analyzerd</title>" in body,
          "GET / answers the page")
    csp = hdrs.get("Content-Security-Policy", "")
    check("default-src 'self'" in csp, "the page has a Content-Security-Policy: " + csp)
    check(hdrs.get("X-Content-Type-Options") == "nosniff" and
          hdrs.get("Connection") == "close", "...and the headers of every reply")
    status, hdrs, body = http("GET", "/static/chart.min.js", token=False)
    check(status == 200 and "Chart.js" in body[:200] and
          hdrs.get("Content-Type", "").startswith("text/javascript"),
          "the chart library is served at /static/chart.min.js")
    bad = [http("GET", p, token=False)[0] for p in
           ("/static/..%2Fdaemon.log", "/static/../token", "/static/index.htm",
            "/static/.htaccess", "/static/app.js/x")]
    same(bad, [404] * 5, "names off the list are 404 (.., %2F, unknown)")

    t0 = time.time()
    b.get(URL + "/")
    ready = b.wait("return document.body.dataset.ready === '1' && "
                   "document.querySelector('#analyses tbody tr[data-id=\"%d\"]') !== null" % AID,
                   timeout=10)
    check(bool(ready), "the overview lists analysis %d (%.2f s)" % (AID, time.time() - t0))
    shot(b, "overview")

    stats = api("/api/v1/analyses/%d/stats" % AID)
    b.get(URL + "/#/a/%d" % AID)
    want_n = len(all_windows(AID))
    b.wait("var p = document.querySelector('#chart-latency').dataset.points;"
           "return JSON.parse(p).length === arguments[0] && "
           "document.querySelector('#stats').dataset.stats.length > 2",
           want_n, timeout=10)
    figs = dom_json(b, "#stats", "data-stats")
    lat = stats["latency"]["percentiles"]
    same({k: figs.get(k) for k in ("requests", "throughput", "p50", "p90", "p99", "max", "errors")},
         {"requests": stats["counts"]["requests"], "throughput": stats["throughput"],
          "p50": lat["50"], "p90": lat["90"], "p99": lat["99"],
          "max": stats["latency"]["max"], "errors": stats["errors"]},
         "the figures equal /stats (requests, throughput, p50, p90, p99, max, errors)")
    windows = all_windows(AID)
    comps = sorted({(w.get("group") or {}).get("component") for w in windows})
    comp = b.js("return document.querySelector('#chart-latency').dataset.component")
    check(comp in comps, "the latency chart shows a component of the windows (%s)" % comp)
    want = [p for p in window_points(windows) if p["component"] == comp]
    got = norm_points(dom_json(b, "#chart-latency", "data-points") or [])
    check(len(want) > 1, "the default query has %d windows of %s" % (len(want), comp))
    same(got, want, "the latency chart holds the windows API's points (p50, p90, p99, max, count)")
    tp = dom_json(b, "#chart-throughput", "data-points") or []
    same(sorted([(p["component"], str(p["start"]), p["count"], p["rate"]) for p in tp]),
         sorted([(p["component"], p["start"], p["count"], p["rate"]) for p in window_points(windows)]),
         "the throughput chart holds every component's window counts and rates")
    same(dom_json(b, "#chart-errors", "data-points"), stats["errors"],
         "the errors chart holds /stats' errors by type")
    drawn = b.js("return typeof Chart !== 'undefined' && "
                 "Chart.getChart(document.querySelector('#chart-latency canvas'))"
                 ".data.datasets.map(d => d.data.length)")
    same(drawn, [len(want)] * 3, "Chart.js draws p50, p90 and p99 with one point per window")
    same(b.wait("var s = document.querySelector('#conn').dataset.state;"
                "return s === 'ended' && s", timeout=10), "ended",
         "the stream of an ended analysis shows 'ended'")
    rows = b.js("return [...document.querySelectorAll('#errors tbody tr')].map(r => +r.dataset.id)")
    errs = api("/api/v1/analyses/%d/errors?limit=200" % AID)["errors"]
    same(sorted(rows), sorted(e["id"] for e in errs), "the error table lists /errors")
    shot(b, "analysis")

    # A time range: the second and third windows only.
    starts = sorted(int(p["start"]) for p in want)
    lo, hi = starts[1], starts[3] if len(starts) > 3 else starts[-1] + 1
    b.js("var f = document.querySelector('#range-form');"
         "f.from.value = nsToInput(arguments[0]); f.to.value = nsToInput(arguments[1]);",
         str(lo), str(hi))
    b.click("#range-form button[type=submit]")
    b.wait("return JSON.parse(document.querySelector('#chart-latency').dataset.points).length"
           " === arguments[0]", len([s for s in starts if lo <= s < hi]), timeout=3)
    got = norm_points(dom_json(b, "#chart-latency", "data-points"))
    same(got, [p for p in want if lo <= int(p["start"]) < hi],
         "a chosen time range keeps exactly its windows in the chart")
    n = b.js("return +document.querySelector('#range-figures').dataset.requests")
    same(n, sum(p["count"] for p in want if lo <= int(p["start"]) < hi),
         "...and the range's request count follows")
    shot(b, "analysis-range")
    b.click("#range-all")

    # The request table.
    for query, label in (("limit=25", "first page"),
                         ("limit=10&end_reason=shutdown&min_duration=1000000", "a filtered page")):
        api_ids = [r["id"] for r in api("/api/v1/analyses/%d/requests?%s" % (AID, query))["requests"]]
        b.get(URL + "/#/a/%d/requests?%s" % (AID, query))
        got = b.wait("var t = document.querySelector('#requests');"
                     "return t.dataset.loaded === arguments[0] && JSON.parse(t.dataset.ids)",
                     "#/a/%d/requests?%s|0" % (AID, query), timeout=10)
        check(len(api_ids) > 0, "GET requests?%s has rows (%d)" % (query, len(api_ids)))
        same(got, api_ids, "the request table's %s equals GET .../requests?%s" % (label, query))
    first = api("/api/v1/analyses/%d/requests?limit=25" % AID)
    b.get(URL + "/#/a/%d/requests?limit=25" % AID)
    b.wait("return document.querySelector('#requests').dataset.loaded === arguments[0]",
           "#/a/%d/requests?limit=25|0" % AID)
    b.click("#page-next")
    nxt = [r["id"] for r in api("/api/v1/analyses/%d/requests?limit=25&after=%d"
                                % (AID, first["next"]))["requests"]]
    got = b.wait("var i = JSON.parse(document.querySelector('#requests').dataset.ids);"
                 "return i[0] === arguments[0] && i", nxt[0], timeout=5)
    same(got, nxt, "Next shows the second page (after=%d)" % first["next"])
    unit = b.js("return document.querySelector('#requests tbody tr td:nth-child(5)').textContent")
    check(re.search(r"\d (ns|µs|ms|s)$", unit or "") is not None,
          "durations are shown with a unit chosen by magnitude (%s)" % unit)
    ns = b.js("return document.querySelector('#requests tbody time').dataset.ns")
    same(ns, str(nxt[0] and api("/api/v1/analyses/%d/requests/%d" % (AID, nxt[0]))["start_ns"]),
         "a start time keeps its exact ns value (data-ns)")
    shot(b, "requests")
    # Keyboard: the first row has the focus; down twice, Enter.
    b.js("document.querySelector('#requests tbody tr').focus()")
    b.keys_to_active(KEY_ARROW_DOWN)
    b.keys_to_active(KEY_ARROW_DOWN)
    focused = b.js("return +document.activeElement.dataset.id")
    same(focused, nxt[2], "arrow keys move through the rows")
    b.keys_to_active(KEY_ENTER)
    same(wait_hash(b, r"^#/a/\d+/r/\d+$"), "#/a/%d/r/%d" % (AID, nxt[2]),
         "Enter opens the focused request")

    # One request: the one with the most calls on the first page.
    best = max(api("/api/v1/analyses/%d/requests?limit=200" % AID)["requests"],
               key=lambda r: r["duration_ns"])
    rec = api("/api/v1/analyses/%d/requests/%d" % (AID, best["id"]))
    b.get(URL + "/#/a/%d/r/%d" % (AID, best["id"]))
    count = b.wait("var c = document.querySelector('#calls');"
                   "return c.dataset.loaded === arguments[0] && +c.dataset.count",
                   "#/a/%d/r/%d" % (AID, best["id"]), timeout=10)
    same(count, len(rec["calls"]), "request %d shows its %d calls" % (best["id"], len(rec["calls"])))
    same(b.js("return document.querySelectorAll('#calls tbody tr').length"), len(rec["calls"]),
         "...one row each")
    same(b.js("return document.querySelectorAll('#timeline .bar').length"), len(rec["calls"]),
         "...and one bar each on the timeline")
    same(sorted(b.js("return [...document.querySelectorAll('#timeline .lane')].map(l => +l.dataset.tid)")),
         sorted({c["tid"] for c in rec["calls"]}), "...one lane per thread")
    shot(b, "request")

    # Narrow: nothing wider than the window but the scrolling tables.
    b.set_size(420, 800)
    for view, path in (("overview", "/#/"), ("analysis", "/#/a/%d" % AID)):
        b.get(URL + path)
        b.wait("return document.body.dataset.view === arguments[0]", view)
        time.sleep(0.5)
        over = b.js("return document.documentElement.scrollWidth - window.innerWidth")
        check(over <= 1, "narrow window (420 px): the %s does not overflow (%d px)" % (view, over))
        shot(b, "narrow-" + view)
    b.set_size(1280, 800)


# --- live: sessions from the page, an error raised while it runs ----------

class Proxy:
    """A TCP proxy to the daemon on a port of its own; cut(True) closes
    every connection and refuses (closes at once) new ones until
    cut(False)."""

    def __init__(self, target):
        self.target = target
        self.server = socket.socket()
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(64)
        self.port = self.server.getsockname()[1]
        self.socks = []
        self.lock = threading.Lock()
        self.refuse = False
        self.closed = False
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while not self.closed:
            try:
                c, _ = self.server.accept()
            except OSError:
                return
            if self.refuse:
                c.close()
                continue
            try:
                u = socket.create_connection(("127.0.0.1", self.target))
            except OSError:
                c.close()
                continue
            with self.lock:
                self.socks += [c, u]
            for a, z in ((c, u), (u, c)):
                threading.Thread(target=self.pipe, args=(a, z), daemon=True).start()

    @staticmethod
    def pipe(a, z):
        try:
            while True:
                d = a.recv(65536)
                if not d:
                    break
                z.sendall(d)
        except OSError:
            pass
        for s in (a, z):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self, on):
        self.refuse = on
        if on:
            with self.lock:
                socks, self.socks = self.socks, []
            for s in socks:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                    s.close()
                except OSError:
                    pass

    def close(self):
        self.closed = True
        self.cut(True)
        self.server.close()


def start(args, env, out):
    f = open(out, "w")
    p = subprocess.Popen(args, env=env, stdout=f, stderr=subprocess.STDOUT)
    deadline = time.time() + 15
    while time.time() < deadline:
        with open(out) as g:
            m = re.search(r"READY port=(\d+)", g.read())
        if m:
            return p, int(m.group(1))
        if p.poll() is not None:
            break
        time.sleep(0.05)
    raise RuntimeError("%s did not start: %s" % (args[0], open(out).read()[-500:]))


def fetch(port, path, timeout=5):
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=timeout) as r:
            return r.status
    except Exception:
        return None


def submit_session(b, name):
    b.js("var f = document.querySelector('#session-form');"
         "f.name.value = arguments[0]; f.ust.checked = true; f.kernel.checked = false;"
         "f.analyze.checked = true; f.timer_ms.value = '100';"
         "document.querySelector('#msg').hidden = true;"
         "document.querySelector('#msg').dataset.status = '';", name)
    b.click("#session-form button[type=submit]")


def live(b):
    procs = []
    name = "dash%d" % os.getpid()
    try:
        b.get(URL + "/#/")
        b.js("sessionStorage.clear()")
        b.get(URL + "/#/")
        b.wait("return document.body.dataset.ready === '1'")
        # Without the token: the dialog asks, cancelled; the daemon says 401.
        submit_session(b, name)
        check(bool(b.wait("return document.querySelector('#token-dialog').open")),
              "creating a session asks for the token")
        b.click("#token-cancel")
        msg = b.wait("var m = document.querySelector('#msg');"
                     "return !m.hidden && m.dataset.status && [m.dataset.status, m.dataset.kind, m.textContent]",
                     timeout=10)
        check(bool(msg) and msg[0] == "401" and msg[1] == "error" and "unauthorized" in msg[2],
              "without the token it fails, and the page says so: %s" % (msg and msg[2]))
        st, _, body = http("GET", "/api/v1/sessions/" + name)
        same(st, 404, "...and no session was created")
        shot(b, "session-refused")
        # With the token: asked once, kept for the tab.
        submit_session(b, name)
        b.wait("return document.querySelector('#token-dialog').open")
        b.js("document.querySelector('#token-input').value = arguments[0]", TOKEN)
        b.click("#token-ok")
        msg = b.wait("var m = document.querySelector('#msg');"
                     "return !m.hidden && m.dataset.status === '201' && [m.textContent, m.dataset.analysis]",
                     timeout=20)
        check(bool(msg), "with the token the session is created: %s" % (msg and msg[0]))
        st, _, sess = http("GET", "/api/v1/sessions/" + name)
        same(st, 200, "...GET /api/v1/sessions/%s finds it" % name)
        lid = int(msg[1]) if msg and msg[1] else None
        check(lid is not None, "...with its analysis (%s)" % lid)
        row = b.wait("return document.querySelector('#sessions tr[data-name=\"%s\"] .act-start') !== null" % name,
                     timeout=10)
        b.click('#sessions tr[data-name="%s"] .act-start' % name)
        dialog = b.js("return document.querySelector('#token-dialog').open")
        check(not dialog, "the token is not asked again in this tab")
        active = None
        deadline = time.time() + 10
        while time.time() < deadline:
            active = http("GET", "/api/v1/sessions/" + name)[2].get("active")
            if active:
                break
            time.sleep(0.1)
        check(active is True, "Start from the page starts the session")

        # The live analysis in the page, then a hang that it detects.
        b.get(URL + "/#/a/%d" % lid)
        state = b.wait("var s = document.querySelector('#conn').dataset.state;"
                       "return s === 'live' && s", timeout=20)
        same(state, "live", "the page's event stream is live")
        # The connection cut (through a proxy of ours that drops every
        # connection, then refuses new ones for a while): the page says
        # so, and resumes by itself.
        proxy = Proxy(int(URL.rsplit(":", 1)[1]))
        try:
            b.get("http://127.0.0.1:%d/#/a/%d" % (proxy.port, lid))
            state = b.wait("var s = document.querySelector('#conn').dataset.state;"
                           "return s === 'live' && s", timeout=20)
            same(state, "live", "through a proxy: live")
            proxy.cut(True)
            state = b.wait("var s = document.querySelector('#conn').dataset.state;"
                           "return s !== 'live' && s", timeout=10)
            same(state, "reconnecting", "the connection cut: the page shows 'reconnecting'")
            proxy.cut(False)
            state = b.wait("var s = document.querySelector('#conn').dataset.state;"
                           "return s === 'live' && s", timeout=10)
            same(state, "live", "...and 'live' again once the daemon is reachable")
        finally:
            proxy.close()
        b.get(URL + "/#/a/%d" % lid)
        b.wait("return document.querySelector('#conn').dataset.state === 'live'", timeout=20)
        env = dict(os.environ)
        env["LTTNG_UST_REGISTER_TIMEOUT"] = "-1"
        backend, bport = start([os.environ["DASH_SERVER"], "backend", "--port", "0"],
                               env, os.path.join(TMP, "backend.out"))
        procs.append(backend)
        senv = dict(env)
        asan = senv.get("ASAN_OPTIONS", "")
        senv["ASAN_OPTIONS"] = (asan + ":" if asan else "") + \
            "verify_asan_link_order=0:detect_leaks=0:handle_segv=0"
        senv["LD_PRELOAD"] = "liblttng-ust-fork.so.1:" + os.environ["DASH_TRACER_LIB"]
        srv, sport = start([os.environ["DASH_SERVER"], "serve", "--port", "0",
                            "--backend-port", str(bport), "--fault", "service-hang",
                            "--fault-at", "21"], senv, os.path.join(TMP, "server.out"))
        procs.append(srv)
        normal = sum(1 for _ in range(20) if fetch(sport, "/") == 200)
        same(normal, 20, "20 normal requests answered by the traced server")
        hung = subprocess.Popen(["curl", "-s", "-m", "30", "-o", "/dev/null",
                                 "http://127.0.0.1:%d/hang" % sport])
        procs.append(hung)
        row = b.wait("var r = document.querySelector('#errors tbody tr.fresh[data-type=\"CoE\"]');"
                     "return r && [+r.dataset.id, +r.dataset.shownMs]", timeout=20)
        check(bool(row), "a CoE raised while the analysis runs appears in the page")
        if row:
            err = [e for e in api("/api/v1/analyses/%d/errors?limit=1000" % lid)["errors"]
                   if e["id"] == row[0]]
            if check(len(err) == 1, "...it is error %d of /errors" % row[0]):
                delay_ms = row[1] - err[0]["raised_ns"] / 1e6
                diag("error %d (%s, %s): raised at trace time %d, in the page %.0f ms later"
                     % (row[0], err[0]["type"], err[0]["origin"], err[0]["raised_ns"], delay_ms))
                check(delay_ms < 2000, "...within 2 s of being raised (%.0f ms)" % delay_ms)
            b.js("document.querySelector('#errors').scrollIntoView()")
            shot(b, "live-error")
            b.click('#errors tbody tr[data-id="%d"]' % row[0])
            h = wait_hash(b, r"/requests\?process=")
            check(bool(h), "clicking the error opens its process's requests (%s)" % h)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
            p.wait()

    # Stop and destroy from the page.
    b.get(URL + "/#/")
    b.wait("return document.querySelector('#sessions tr[data-name=\"%s\"] .act-stop') !== null" % name,
           timeout=10)
    b.click('#sessions tr[data-name="%s"] .act-stop' % name)
    b.wait("var m = document.querySelector('#msg'); return /Stop: session/.test(m.textContent)", timeout=20)
    b.click('#sessions tr[data-name="%s"] .act-destroy' % name)
    msg = b.wait("var m = document.querySelector('#msg');"
                 "return /Destroy/.test(m.textContent) && [m.dataset.kind, m.textContent]", timeout=30)
    check(bool(msg) and msg[0] == "ok", "Destroy from the page: %s" % (msg and msg[1]))
    same(http("GET", "/api/v1/sessions/" + name)[0], 404, "...the session is gone")
    gone = b.wait("return document.querySelector('#sessions tr[data-name=\"%s\"]') === null" % name,
                  timeout=5)
    check(bool(gone), "...and gone from the page's list")
    # Without the token, a destroy is refused visibly too.
    b.js("sessionStorage.setItem('lta-token', 'not-the-token-0123456789')")
    b.get(URL + "/#/")
    b.wait("return document.body.dataset.ready === '1'")
    b.js("document.querySelector('#msg').dataset.status = ''")
    b.js("fetch('/api/v1/sessions/' + arguments[0], {method: 'DELETE', headers: "
         "{Authorization: 'Bearer ' + sessionStorage.getItem('lta-token')}})"
         ".then(r => document.body.dataset.wrongToken = r.status)", "nosuch")
    same(b.wait("return document.body.dataset.wrongToken"), "401", "a wrong token is refused (401)")
    # Start an analysis of the recorded trace from the page (token set again).
    b.js("sessionStorage.setItem('lta-token', arguments[0])", TOKEN)
    b.get(URL + "/#/")
    b.wait("return document.body.dataset.ready === '1'")
    b.js("document.querySelector('#analysis-form').source.value = arguments[0]",
         os.environ["DASH_TRACE"])
    b.click("#analysis-form button[type=submit]")
    h = wait_hash(b, r"^#/a/\d+$", timeout=10)
    nid = int(h.split("/")[-1]) if h else 0
    st, _, a = http("GET", "/api/v1/analyses/%d" % nid)
    same([st, a.get("source") if st == 200 else None], [200, os.environ["DASH_TRACE"]],
         "Start analysis from the page creates it and opens it (%s)" % h)
    return lid


def main():
    os.makedirs(SHOTS, exist_ok=True)
    with Browser(TMP) as b:
        offline(b)
        if LIVE_SKIP:
            print("SKIP 24 %s" % LIVE_SKIP)
        else:
            live(b)
        # The 401s provoked above are logged as network errors: not ours.
        console = [m for m in b.console() if m.get("level") == "SEVERE"
                   and m.get("source") != "network"]
        same([m["message"][:200] for m in console], [], "no error in the browser's console")
    return 0


if __name__ == "__main__":
    sys.exit(main())
