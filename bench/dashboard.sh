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
#    on the live analysis the whole time. Every 10 s: the PSS of every
#    chromium process (shared pages split), the page's JS heap, its DOM
#    nodes. Goal: < 200 MB at the end.
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
	DASH_ANALYSIS=$id DASH_DURATION=$duration "$PYTHON" - <<'EOF'
import json, os, time, urllib.request
from webdriver import Browser
url, aid = os.environ["LTAD_URL"], int(os.environ["DASH_ANALYSIS"])
duration = int(os.environ["DASH_DURATION"])
def get(p):
    return json.load(urllib.request.urlopen(url + p))
with Browser(os.environ["DASH_TMP"]) as b:
    b.get(url + "/#/a/%d" % aid)
    b.wait("return document.querySelector('#conn').dataset.state === 'live'", timeout=20)
    t0 = time.time()
    r0 = get("/api/v1/analyses/%d" % aid)["requests"]
    def mem():
        m = b.browser_memory_kb(by_type=True)
        return sum(m.values()) / 1024, m.get("renderer", 0) / 1024, m
    pss0, tab0, m0 = mem()
    print("  at the start: browser PSS %.1f MB, of which the page's renderer %.1f MB; by process: %s"
          % (pss0, tab0, ", ".join("%s %.0f MB" % (k, v / 1024) for k, v in sorted(m0.items()))))
    print("  %6s %10s %10s %10s %9s %8s %8s %s" % ("t (s)", "PSS (MB)", "tab (MB)", "JS heap",
                                                     "DOM nodes", "points", "req/s", "stream"))
    peak = 0
    while True:
        time.sleep(10)
        t = time.time() - t0
        pss, tab, _ = mem()
        peak = max(peak, pss)
        heap = b.js("return performance.memory ? performance.memory.usedJSHeapSize : 0") / 2**20
        nodes = b.js("return document.getElementsByTagName('*').length")
        pts = len(json.loads(b.js("return document.querySelector('#chart-latency').dataset.points")))
        reqs = get("/api/v1/analyses/%d" % aid)["requests"]
        state = b.js("return document.querySelector('#conn').dataset.state")
        print("  %6.0f %10.1f %10.1f %10.1f %9d %8d %8.0f %s" % (t, pss, tab, heap, nodes, pts,
                                                               (reqs - r0) / t, state), flush=True)
        if t >= duration:
            break
    print("live run: %.0f s, %d requests analyzed (%.0f/s); browser PSS %.1f MB at the start, "
          "%.1f MB at the end (peak %.1f MB); the page's renderer %.1f -> %.1f MB"
          % (t, reqs - r0, (reqs - r0) / t, pss0, pss, peak, tab0, tab))
EOF
	wait "$wrk_pid" 2>/dev/null || true
	tail -4 "$tmp/wrk.out"
fi
