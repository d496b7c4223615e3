#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The dashboard (GET /, web/) in a real browser: Debian's headless
# chromium driven through chromium-driver's WebDriver HTTP API from
# Python's standard library (tests/utils/webdriver.py). The checks run in
# tests/utils/dashboard-check.py, which reads the page's DOM (the data
# attributes the charts and tables fill) and compares it with what the
# API answers:
# - recorded experiment (the shared kernel trace, analyzed to its end):
#   the figures equal /stats; the latency and throughput charts hold the
#   default query's windows (p50, p90, p99, count); the errors chart
#   holds /stats' errors; a chosen time range keeps exactly the windows
#   in it; the request table's first page equals GET .../requests?limit=N
#   (ids in order), the next page and a filtered one too; keyboard
#   navigation opens the row it reached; an opened request shows as many
#   calls as its record (table and per-thread timeline); the page fits a
#   narrow window; headers (CSP, nosniff) and refused names; the
#   connection state shows 'ended' once the analysis's stream ended.
# - live (a private lttng-sessiond, the daemon's own relay daemon): a
#   session created from the page without the token fails with a visible
#   401 and creates nothing; with the token it is created (with its
#   analysis), started; its page's stream is 'live', 'reconnecting' when
#   a proxy of the test cuts its connection, 'live' again after;
#   tests/utils/fault-server, traced by the
#   user-space system-call tracer, hangs a service: the CoE error the
#   live analysis raises appears in the page's error table within 2 s of
#   being raised (the real live path: relay -> worker -> store -> event
#   stream -> page; measured from the error's raised_ns, trace time, to
#   the wall clock when its row was added, data-shown-ms); then the page stops and destroys the session, and
#   starts an analysis of the recorded trace.
#   Skipped (with the reason) where LTTng cannot run.
# Screenshots of each view: $top_builddir/tests/integration/dashboard-screenshots/.
. "$(dirname "$0")/../utils/test-lib.sh"
. "$top_srcdir/tests/utils/lttng-env.sh"
. "$top_srcdir/tests/utils/daemon-env.sh"
. "$top_srcdir/tests/utils/trace-cache.sh"
for b in curl jq chromium chromedriver; do
	command -v "$b" >/dev/null 2>&1 || skip_all "$b is not installed (contrib/install-deps.sh)"
done
[ -x "$LTAD" ] || skip_all "lttng-analyzerd is not built"
shared=${LTA_SHARED_TRACES:-$top_srcdir/../shared/traces}
[ -f "$shared/apache-prefork-kernel-3m.tar.xz" ] || skip_all "no shared kernel trace in $shared"

# The live part needs a private session daemon (a mount namespace).
live_reason=$(lta_env_skip_reason)
server=$top_builddir/tests/utils/fault-server
lib=$top_builddir/contrib/syscall-tracer/.libs/liblttng-analyzer-syscalls.so
[ -n "$live_reason" ] || [ -x "$server" ] || live_reason="fault-server is not built"
[ -n "$live_reason" ] || [ -f "$lib" ] || live_reason="the system-call tracer is not built"
if [ -z "$live_reason" ]; then
	lta_env_enter "$0" "$@"
fi

trace=$(lta_trace_cache_extract "$shared/apache-prefork-kernel-3m.tar.xz") ||
	skip_all "the shared trace cannot be extracted"
tmp=$(mktemp -d)
shots=$top_builddir/tests/integration/dashboard-screenshots
mkdir -p "$shots"
cleanup()
{
	lta_daemon_stop >/dev/null 2>&1
	[ -z "$live_reason" ] && lta_env_cleanup
	[ -n "${LTA_KEEP_TMP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT

if [ -z "$live_reason" ]; then
	lta_env_start_sessiond || live_reason="lttng-sessiond does not start here"
fi
relay=--no-relayd
[ -n "$live_reason" ] || relay=
# Timeouts as in test-daemon-errors.sh: a hang is a CoE within ~2 s.
# shellcheck disable=SC2086
lta_daemon_start "$tmp/d" $relay --web-dir="$top_srcdir/web" \
	--timeout-floor-ms=50 --timeout-ceiling-ms=2000 --timeout-warmup=5 ||
	skip_all "the daemon does not start here"

id=$(lta_api POST /api/v1/analyses "{\"path\":\"$trace\"}" | jq -r .id)
is "$(lta_status)" 201 "the recorded trace's analysis is started"
end=$(($(date +%s) + 300))
until [ "$(lta_api GET "/api/v1/analyses/$id" | jq -r .status)" = ended ]; do
	[ "$(date +%s)" -lt "$end" ] || break
	sleep 0.2
done
is "$(lta_api GET "/api/v1/analyses/$id" | jq -r .status)" ended "...and ended"

# The checks print "CHECK 0|1 description" and "# diagnostics".
export LTAD_URL LTAD_TOKEN
export DASH_ANALYSIS=$id DASH_SHOTS=$shots DASH_TMP=$tmp DASH_LIVE_SKIP="$live_reason"
export DASH_SERVER=$server DASH_TRACER_LIB=$lib DASH_TRACE=$trace
export PYTHONPATH=$top_srcdir/tests/utils
timeout 600 "$PYTHON" "$top_srcdir/tests/utils/dashboard-check.py" >"$tmp/check.out" 2>"$tmp/check.err"
status=$?
while read -r word rest; do
	case $word in
	CHECK) ok "${rest%% *}" "${rest#* }" ;;
	SKIP) skip "${rest%% *}" "${rest#* }" ;;
	*) echo "$word $rest" ;;
	esac
done <"$tmp/check.out"
is "$status" 0 "the browser checks ran to their end"
[ "$status" = 0 ] || sed 's/^/#   /' "$tmp/check.err" | tail -30

# --token-for-reads: the page's files need no token (the page asks for it
# and sends it), the API does; a daemon without --web-dir has no page.
lta_daemon_stop
lta_daemon_start "$tmp/d2" --no-relayd --web-dir="$top_srcdir/web" --token-for-reads ||
	skip_all "the second daemon does not start"
is "$(curl -s -o /dev/null -w '%{http_code}' "$LTAD_URL/") $(curl -s -o /dev/null -w '%{http_code}' "$LTAD_URL/static/app.js")" \
	"200 200" "--token-for-reads: / and /static/app.js without the token: 200"
is "$(curl -s -o /dev/null -w '%{http_code}' "$LTAD_URL/api/v1/analyses")" 401 \
	"...the API without it: 401"
lta_daemon_stop
installed=$("$LTAD" --help | sed -n 's/^ *\(\/.*\/web\))$/\1/p')
if [ -f "$installed/index.html" ]; then
	skip 1 "a dashboard is installed in $installed"
else
	lta_daemon_start "$tmp/d3" --no-relayd || skip_all "the third daemon does not start"
	is "$(curl -s "$LTAD_URL/" | jq -r .error.code)" not_found \
		"no --web-dir (and nothing in $installed): GET / is the API's 404"
	lta_daemon_stop
fi
lta_daemon_start "$tmp/d4" --no-relayd --web-dir="$tmp/nowhere" >/dev/null 2>&1
ok "$([ -z "${LTAD_PID:-}" ] || ! kill -0 "$LTAD_PID" 2>/dev/null && echo 0 || echo 1)" \
	"a --web-dir without the page's files stops the daemon at start"
grep -q 'Cannot read the dashboard.*index.html' "$tmp/d4/daemon.log"
ok $? "...naming the file"
lta_daemon_stop >/dev/null 2>&1
done_testing
