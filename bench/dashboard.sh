#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The dashboard's two figures of issue 17, in headless chromium (WebDriver,
# tests/utils/webdriver.py):
#
# 1. Page load with N stored requests (default 1,000,000): the shared kernel
#    trace is analyzed once (77,251 requests), then its request rows are
#    copied in the store with SQLite (new ids, the same records) until the
#    analysis holds N; the daemon is restarted on that store and each view
#    is opened in a fresh navigation: the time from the navigation to the
#    view showing its data (overview: the analysis listed; analysis: the
#    figures and every window in the chart; requests: the first page of 50
#    rows; request: its calls). Median of 5 runs, goal < 1 s.
# 2. Browser memory during a live run: a private lttng-sessiond and the
#    daemon's relay daemon, a live session created through the API (user
#    space, 1 s live timer), tests/utils/fault-server under the user-space
#    system-call tracer, loaded by wrk with contrib/testbed/pace.lua at RATE
#    requests/s (default 1,000) for DURATION s (default 600), the page open
#    on the live analysis the whole time. A second chromium, same build and
#    flags, shows about:blank alongside: the baseline. At the start, every
#    minute and at the end, for both: per process RSS, PSS, private pages
#    (USS) and private memory footprint (RssAnon + VmSwap, what Chrome's
#    Task Manager shows as "Memory footprint"), of the page's own renderer
#    (found by a marker allocation, tests/utils/webdriver.py) and summed
#    over every chromium process; the page's JS heap (DevTools
#    Runtime.getHeapUsage, and after a full garbage collection), its DOM
#    nodes and event listeners; then start, end, peak and slope (least
#    squares, MiB/min) of each. Goal (issue 17): the tab's memory footprint
#    below 200 MB after 10 minutes, and no growth without bound. Also the
#    rate wrk sent and the rate the analysis saw.
#
#   bench/dashboard.sh [--requests N] [--duration S] [--rate R]
#                      [--load-only | --live-only]
#
# Needs root (private lttng-sessiond), chromium, chromium-driver, wrk,
# sqlite3. Uses the build in LTA_BUILD (default _build/check: a sanitizer
# build makes the daemon slower, so the load figure is pessimistic).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${LTA_BUILD:-$top/_build/check}
export top_srcdir=$top top_builddir=$build
requests=1000000
duration=600
rate=1000
parts="load live"
args=("$@")
while [ $# -gt 0 ]; do
	case $1 in
	--requests) requests=$2; shift 2 ;;
	--duration) duration=$2; shift 2 ;;
	--rate) rate=$2; shift 2 ;;
	--load-only) parts=load; shift ;;
	--live-only) parts=live; shift ;;
	*) echo "usage: $0 [--requests N] [--duration S] [--rate R] [--load-only|--live-only]" >&2; exit 2 ;;
	esac
done
. "$top/tests/utils/lttng-env.sh"
. "$top/tests/utils/daemon-env.sh"
. "$top/tests/utils/trace-cache.sh"
reason=$(lta_env_skip_reason)
[ -z "$reason" ] || { echo "dashboard bench: $reason" >&2; exit 1; }
lta_env_enter "$0" "${args[@]}"
tmp=$(mktemp -d /var/tmp/lta-dash-bench.XXXXXX)
pids=
cleanup()
{
	# shellcheck disable=SC2086
	[ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
	lta_daemon_stop >/dev/null 2>&1 || true
	lta_env_cleanup
	[ -n "${LTA_KEEP_TMP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT
PYTHON=/usr/bin/python3
export PYTHONPATH=$top/tests/utils DASH_TMP=$tmp

wait_status()
{
	local end=$(($(date +%s) + 600))
	until [ "$(lta_api GET "/api/v1/analyses/$1" | jq -r .status)" = "$2" ]; do
		[ "$(date +%s)" -lt "$end" ] || return 1
		sleep 0.2
	done
}

if [[ $parts == *load* ]]; then
	trace=$(lta_trace_cache_extract "$top/../shared/traces/apache-prefork-kernel-3m.tar.xz")
	lta_daemon_start "$tmp/d1" --no-relayd --web-dir="$top/web"
	id=$(lta_api POST /api/v1/analyses "{\"path\":\"$trace\"}" | jq -r .id)
	wait_status "$id" ended
	lta_daemon_stop
	db=$tmp/d1/data/lttng-analyzer.db
	base=$(sqlite3 "$db" "SELECT count(*) FROM requests WHERE analysis=$id")
	cols=$(sqlite3 "$db" "SELECT group_concat(name, ',') FROM pragma_table_info('requests')")
	echo "== copying $base request rows up to $requests (store $db)" >&2
	t0=$(date +%s)
	k=1
	while [ $((base * (k + 1))) -le "$requests" ]; do
		sel=$(sed "s/\(^\|,\)id\(,\|$\)/\1id + $((base * k))\2/" <<<"$cols")
		sqlite3 "$db" "INSERT INTO requests ($cols) SELECT $sel FROM requests WHERE analysis=$id AND id <= $base"
		k=$((k + 1))
	done
	left=$((requests - base * k))
	if [ "$left" -gt 0 ]; then
		sel=$(sed "s/\(^\|,\)id\(,\|$\)/\1id + $((base * k))\2/" <<<"$cols")
		sqlite3 "$db" "INSERT INTO requests ($cols) SELECT $sel FROM requests WHERE analysis=$id AND id <= $left"
	fi
	sqlite3 "$db" "UPDATE analyses SET requests=(SELECT count(*) FROM requests WHERE analysis=$id) WHERE id=$id"
	stored=$(sqlite3 "$db" "SELECT count(*) FROM requests WHERE analysis=$id")
	echo "== $stored requests stored ($(($(date +%s) - t0)) s), $(du -sh "$db" | cut -f1)" >&2
	lta_daemon_start "$tmp/d1" --no-relayd --web-dir="$top/web"
	for p in "/api/v1/analyses/$id/requests?limit=50" "/api/v1/analyses/$id/stats" \
		"/api/v1/analyses/$id/queries/1/windows?limit=1000"; do
		curl -s -o /dev/null -w "api: %{time_total} s  $p\n" "$LTAD_URL$p"
	done
	DASH_ANALYSIS=$id DASH_STORED=$stored "$PYTHON" - <<'EOF'
import json, os, statistics, time, urllib.request
from webdriver import Browser
url, aid = os.environ["LTAD_URL"], int(os.environ["DASH_ANALYSIS"])
def get(p):
    return json.load(urllib.request.urlopen(url + p))
nwin = len(get("/api/v1/analyses/%d/queries/1/windows?limit=1000" % aid)["windows"])
rid = get("/api/v1/analyses/%d/requests?limit=1&after=900000" % aid)["requests"][0]["id"]
views = [
    ("overview", "/#/", "return document.querySelector('#analyses tr[data-id=\"%d\"]') !== null" % aid),
    ("analysis", "/#/a/%d" % aid,
     "return document.querySelector('#stats').dataset.stats.length > 2 && "
     "JSON.parse(document.querySelector('#chart-latency').dataset.points).length === %d" % nwin),
    ("requests", "/#/a/%d/requests?limit=50" % aid,
     "return JSON.parse(document.querySelector('#requests').dataset.ids).length === 50"),
    ("requests, last page (after=%d)" % (int(os.environ["DASH_STORED"]) - 50),
     "/#/a/%d/requests?limit=50&after=%d" % (aid, int(os.environ["DASH_STORED"]) - 50),
     "return JSON.parse(document.querySelector('#requests').dataset.ids).length > 0"),
    ("request %d" % rid, "/#/a/%d/r/%d" % (aid, rid),
     "return +document.querySelector('#calls').dataset.count > 0"),
]
print("page load with %s stored requests (median of 5, navigation to data shown):"
      % os.environ["DASH_STORED"])
with Browser(os.environ["DASH_TMP"]) as b:
    for name, path, cond in views:
        times = []
        for _ in range(5):
            b.get("about:blank")
            t0 = time.time()
            b.get(url + path)
            if not b.wait(cond, timeout=30, interval=0.005):
                raise SystemExit("%s: not shown within 30 s" % name)
            times.append(time.time() - t0)
        print("  %-32s %6.0f ms  (min %.0f, max %.0f)" % (
            name, statistics.median(times) * 1000, min(times) * 1000, max(times) * 1000))
EOF
	lta_daemon_stop
fi

if [[ $parts == *live* ]]; then
	server=$build/tests/utils/fault-server
	lib=$build/contrib/syscall-tracer/.libs/liblttng-analyzer-syscalls.so
	lta_env_start_sessiond
	lta_daemon_start "$tmp/d2" --web-dir="$top/web"
	lta_api POST /api/v1/sessions '{"name":"dashbench","ust":{},"analyze":true,"live_timer_us":1000000}' >"$tmp/session.json"
	id=$(jq -r .analysis_id "$tmp/session.json")
	lta_api POST /api/v1/sessions/dashbench/start >/dev/null
	LTTNG_UST_REGISTER_TIMEOUT=-1 "$server" backend --port 0 >"$tmp/backend.out" 2>&1 &
	pids="$pids $!"
	lta_env_wait 10 grep -q READY "$tmp/backend.out"
	bport=$(sed -n 's/.*READY port=\([0-9]*\).*/\1/p' "$tmp/backend.out")
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0:detect_leaks=0 \
		LD_PRELOAD="liblttng-ust-fork.so.1:$lib" LTTNG_UST_REGISTER_TIMEOUT=-1 \
		"$server" serve --port 0 --backend-port "$bport" >"$tmp/server.out" 2>&1 &
	pids="$pids $!"
	lta_env_wait 10 grep -q READY "$tmp/server.out"
	sport=$(sed -n 's/.*READY port=\([0-9]*\).*/\1/p' "$tmp/server.out")
	wrk -t 2 -c 8 -d "${duration}s" -s "$top/contrib/testbed/pace.lua" \
		"http://127.0.0.1:$sport/" -- "$((rate / 2))" >"$tmp/wrk.out" 2>&1 &
	wrk_pid=$!
	pids="$pids $wrk_pid"
	echo "== live: analysis $id, $rate requests/s for $duration s" >&2
	mkdir -p "$tmp/dash" "$tmp/blank"
	DASH_ANALYSIS=$id DASH_DURATION=$duration DASH_RATE=$rate "$PYTHON" - <<'EOF'
import json, os, time, urllib.request
from webdriver import Browser
url, aid = os.environ["LTAD_URL"], int(os.environ["DASH_ANALYSIS"])
duration, rate = int(os.environ["DASH_DURATION"]), int(os.environ["DASH_RATE"])
tmp = os.environ["DASH_TMP"]
MB = 1024.0  # KiB per MiB: /proc gives KiB.
def get(p):
    return json.load(urllib.request.urlopen(url + p))
def sample(b, tab):
    procs = b.process_memory()
    mine = [p for p in procs if p["pid"] == tab]
    if not mine:
        raise SystemExit("the page's renderer %d is gone" % tab)
    s = {"tab." + k: mine[0][k] / MB for k in ("footprint", "uss", "pss", "rss")}
    for k in ("footprint", "uss", "pss", "rss"):
        s["all." + k] = sum(p[k] for p in procs) / MB
    s["heap"] = b.js_heap()[0] / 2**20
    s["heap.gc"] = b.js_heap(collect=True)[0] / 2**20
    d = b.dom_counters()
    s["nodes"], s["listeners"] = d["nodes"], d["jsEventListeners"]
    return s
def slope(ts, vs):
    """Least-squares slope of VS over TS (s), per minute."""
    n = len(ts)
    mt, mv = sum(ts) / n, sum(vs) / n
    den = sum((t - mt) ** 2 for t in ts)
    return 60 * sum((t - mt) * (v - mv) for t, v in zip(ts, vs)) / den if den else 0
cols = ["tab.footprint", "tab.uss", "tab.pss", "tab.rss", "heap", "heap.gc",
        "all.footprint", "all.uss", "all.pss", "all.rss"]
head = ("  %5s %-9s %7s %7s %7s %7s %6s %7s %7s %7s %7s %7s %6s %5s %6s %6s %6s %s"
        % ("t (s)", "page", "tab.fp", "tab.uss", "tab.pss", "tab.rss", "heap",
           "heap.gc", "all.fp", "all.uss", "all.pss", "all.rss", "nodes",
           "lstnr", "points", "req/s", "errors", "stream"))
def row(t, name, s, extra=""):
    print("  %5.0f %-9s %7.1f %7.1f %7.1f %7.1f %6.1f %7.1f %7.1f %7.1f %7.1f %7.1f %6d %5d %s"
          % ((t, name) + tuple(s[c] for c in cols) + (s["nodes"], s["listeners"], extra)),
          flush=True)
print("memory in MiB; tab = the renderer process of the page (found by a 64 MiB"
      " marker the page allocates once, then frees); all = every process of that"
      " chromium, summed;\n"
      "  fp = private memory footprint (RssAnon + VmSwap: Chrome's Task Manager"
      " \"Memory footprint\"), uss = private pages (Private_Clean + Private_Dirty),"
      " pss = proportional (shared pages split), rss = resident (shared pages"
      " counted whole, in each process);\n"
      "  heap = the page's JS heap used (Runtime.getHeapUsage), heap.gc = the same"
      " after a full garbage collection (what the page retains); nodes and lstnr"
      " (JS event listeners): Memory.getDOMCounters; errors: rows of the error table.\n"
      "  blank = about:blank in a second chromium with the same build and flags,"
      " running alongside (its PSS is split with the dashboard's chromium too).")
series = {"dashboard": ([], []), "blank": ([], [])}
with Browser(os.path.join(tmp, "blank")) as blank, \
        Browser(os.path.join(tmp, "dash")) as b:
    blank.get("about:blank")
    blank_tab = blank.page_renderer_pid()
    b.get(url + "/#/a/%d" % aid)
    if not b.wait("return document.querySelector('#conn').dataset.state === 'live'", timeout=20):
        raise SystemExit("the page's stream is not live within 20 s")
    tab = b.page_renderer_pid()
    print("  the page's renderer: pid %d (%s); blank page's renderer: pid %d"
          % (tab, ", ".join("%s %d" % (p["type"], p["pid"]) for p in b.process_memory()),
             blank_tab))
    print(head)
    t0 = time.time()
    r0, rprev, tprev = get("/api/v1/analyses/%d" % aid)["requests"], None, 0
    peak = {"tab.footprint": 0, "all.pss": 0}
    next_row = 0
    while True:
        t = time.time() - t0
        last = t >= duration
        if t >= next_row or last:
            reqs = get("/api/v1/analyses/%d" % aid)["requests"]
            s = sample(b, tab)
            pts = len(json.loads(b.js("return document.querySelector('#chart-latency').dataset.points")))
            state = b.js("return document.querySelector('#conn').dataset.state")
            erows = b.js("return document.querySelectorAll('#errors tbody tr').length")
            rps = "%6.0f" % ((reqs - rprev) / (t - tprev)) if rprev is not None else "%6s" % "-"
            row(t, "dashboard", s, "%6d %s %6d %s" % (pts, rps, erows, state))
            sb = sample(blank, blank_tab)
            row(t, "blank", sb)
            for name, one in (("dashboard", s), ("blank", sb)):
                series[name][0].append(t)
                series[name][1].append(one)
            rprev, tprev, x = reqs, t, s
            next_row += 60
        else:
            procs = b.process_memory()
            x = {"tab.footprint": sum(p["footprint"] for p in procs if p["pid"] == tab) / MB,
                 "all.pss": sum(p["pss"] for p in procs) / MB}
        for k in peak:
            peak[k] = max(peak[k], x[k])
        if last:
            break
        time.sleep(min(10, max(0.1, min(next_row, duration) - (time.time() - t0))))
    print("live run: %.0f s, %d requests analyzed (%.0f/s, asked %d/s)"
          % (t, reqs - r0, (reqs - r0) / t, rate))
    print("  %-14s %9s %9s %9s %12s  %9s %9s %12s"
          % ("(MiB)", "dash start", "dash end", "dash peak", "dash slope/min",
             "blank start", "blank end", "blank slope/min"))
    for c in cols:
        ts, ss = series["dashboard"]
        tb, sbl = series["blank"]
        print("  %-14s %9.1f %9.1f %9s %12.2f  %9.1f %9.1f %12.2f"
              % (c, ss[0][c], ss[-1][c], "%.1f" % peak[c] if c in peak else "",
                 slope(ts, [x[c] for x in ss]), sbl[0][c], sbl[-1][c],
                 slope(tb, [x[c] for x in sbl])))
    ss, sbl = series["dashboard"][1], series["blank"][1]
    # What of it Chrome can give back: a critical memory-pressure
    # notification, as when the machine runs short, frees caches and
    # collects garbage in every process.
    for x in (b, blank):
        x.cdp("Memory.simulatePressureNotification", {"level": "critical"})
    time.sleep(5)
    after, afterb = sample(b, tab), sample(blank, blank_tab)
    print("after a critical memory-pressure notification (DevTools"
          " Memory.simulatePressureNotification): the tab's footprint %.1f MiB"
          " (private %.1f, PSS %.1f, JS heap %.1f), the blank one's %.1f MiB;"
          " whole chromium PSS %.1f MiB, the blank one %.1f MiB"
          % (after["tab.footprint"], after["tab.uss"], after["tab.pss"], after["heap"],
             afterb["tab.footprint"], after["all.pss"], afterb["all.pss"]))
    fp, fpb = ss[-1]["tab.footprint"], sbl[-1]["tab.footprint"]
    print("the dashboard tab's memory (Chrome's Task Manager \"Memory footprint\": private"
          " memory of its renderer) after %.0f s: %.1f MiB (peak %.1f), %s 200 MB;"
          " %.1f MiB more than a blank page's (%.1f MiB)"
          % (t, fp, peak["tab.footprint"],
             "below" if peak["tab.footprint"] * 1.048576 < 200 else "NOT below", fp - fpb, fpb))
    print("the whole chromium (every process, PSS summed) %.1f MiB (peak %.1f), the blank"
          " one %.1f MiB: %s 200 MB either way, the page or not"
          % (ss[-1]["all.pss"], peak["all.pss"], sbl[-1]["all.pss"],
             "below" if peak["all.pss"] * 1.048576 < 200 else "above"))
EOF
	wait "$wrk_pid" 2>/dev/null || true
	tail -4 "$tmp/wrk.out"
	wrk_rate=$(sed -n 's/^Requests\/sec: *//p' "$tmp/wrk.out")
	echo "load: ${wrk_rate:-?} requests/s sent by wrk (asked $rate/s)"
fi
