#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Live reading through source.ctf.lttng-live: a private lttng-sessiond and
# lttng-relayd, a live session (per-UID buffers, 100 ms live timer), the
# trace generator emitting an exact number of events while
# `lttng-analyzer requests net://...` reads them as they come. When the
# session is destroyed the reader ends by itself. Checks: the relay daemon's
# copy of the trace has every event (babeltrace2's count), and the requests
# read live are identical, byte for byte, to the requests read offline from
# that copy. (lttng-relayd 2.13 accepts one viewer per session: one reader.)
. "$(dirname "$0")/../utils/test-lib.sh"
. "$top_srcdir/tests/utils/lttng-env.sh"
reason=$(lta_env_skip_reason)
[ -z "$reason" ] || skip_all "$reason"
[ -x "$top_builddir/tests/utils/gen-trace" ] || skip_all "gen-trace not built"
lta_env_enter "$0" "$@"
lta_env_start_sessiond || skip_all "lttng-sessiond does not start here"
lta_env_start_relayd || skip_all "lttng-relayd does not start here"
tmp=${LTA_TEST_TMP:-$LTTA_HOME/t}
mkdir -p "$tmp"

events=40000
host=$(hostname)
url="net://127.0.0.1:$LTTA_RELAYD_LIVE_PORT/host/$host/lv"
{
	lttng create lv --live=100000 \
		--set-url="net://127.0.0.1:$LTTA_RELAYD_CTRL_PORT:$LTTA_RELAYD_DATA_PORT"
	lttng enable-channel -u --buffers-uid --subbuf-size=1M --num-subbuf=8 \
		--blocking-timeout=inf chan
	lttng enable-event -u -c chan 'lttng_analyzer_syscall:*'
	lttng add-context -u -c chan -t vpid -t vtid -t procname
	lttng start
} >/dev/null
ok $? "live session created and started"

"$LTA_CLI" requests "$url" >"$tmp/live.jsonl" 2>"$tmp/live.err" &
requests_pid=$!
emitted=$(LTTNG_UST_ALLOW_BLOCKING=1 LTTNG_UST_REGISTER_TIMEOUT=-1 \
	"$top_builddir/tests/utils/gen-trace" --events "$events" --threads 2)
is "$emitted" "$events" "gen-trace emitted $events events"
lttng stop >/dev/null
lttng destroy >/dev/null

# The readers end by themselves once the session is gone (bounded wait).
lta_env_wait 30 bash -c "! kill -0 $requests_pid 2>/dev/null"
ok $? "the live reader ended after the session was destroyed"
kill "$requests_pid" 2>/dev/null
wait "$requests_pid"
is "$?" 0 "live requests exit status"
[ -s "$tmp/live.err" ] && sed 's/^/# /' "$tmp/live.err" | head -5

copy=$(dirname "$(find "$LTTA_HOME/relayd-traces" -name metadata | head -1)")
[ -d "$copy" ]
ok $? "the relay daemon kept a copy of the trace"
bt=$(babeltrace2 "$copy" -c sink.utils.counter -p 'step=+0' 2>/dev/null |
	awk '/Event messages/ {print $1}')
is "$bt" "$events" "babeltrace2 counts $events events in the relay's copy"
"$LTA_CLI" requests "$copy" >"$tmp/offline.jsonl"
is "$(wc -l <"$tmp/live.jsonl" | tr -d ' ')" $((events / 8)) \
	"live: $((events / 8)) requests"
cmp -s "$tmp/live.jsonl" "$tmp/offline.jsonl"
ok $? "live and offline requests are identical"

"$LTA_CLI" stats "net://127.0.0.1:$LTTA_RELAYD_LIVE_PORT/host/$host/no-such-session" \
	>/dev/null 2>&1
is "$?" 0 "a session that does not exist ends the reading (nothing to read)"
"$LTA_CLI" stats "net://127.0.0.1:1/host/$host/lv" >/dev/null 2>"$tmp/refused.err"
is "$?" 1 "an unreachable relay daemon is an error"
grep -q "live session" "$tmp/refused.err"
ok $? "saying it could not read the live session"
done_testing
