#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# lttng-analyzer windows on a live session equals the same command on the
# relay daemon's copy of the trace, byte for byte (issue 16: offline and
# live agree, every count and every percentile): a private lttng-sessiond
# and lttng-relayd, a live session (100 ms live timer), the trace generator
# emitting an exact number of events (EVENTS / 8 requests) while
# `windows net://...` reads them (1 ms tumbling windows, then 1 ms
# hopping by 500 us; a session and a reader each: lttng-relayd 2.13
# accepts one viewer per session). The windows' counts add up to the requests.
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

sum_counts()
{
	$PYTHON -c '
import json, sys
print(sum(json.loads(l)["count"] for l in open(sys.argv[1])))' "$1"
}

events=40000
host=$(hostname)
run=0
for args in "--range=1ms" "--range=1ms --slide=500us"; do
	run=$((run + 1))
	url="net://127.0.0.1:$LTTA_RELAYD_LIVE_PORT/host/$host/wl$run"
	{
		lttng create "wl$run" --live=100000 \
			--set-url="net://127.0.0.1:$LTTA_RELAYD_CTRL_PORT:$LTTA_RELAYD_DATA_PORT"
		lttng enable-channel -u --buffers-uid --subbuf-size=1M --num-subbuf=8 \
			--blocking-timeout=inf chan
		lttng enable-event -u -c chan 'lttng_analyzer_syscall:*'
		lttng add-context -u -c chan -t vpid -t vtid -t procname
		lttng start
	} >/dev/null
	ok $? "$args: live session created and started"

	# shellcheck disable=SC2086
	"$LTA_CLI" windows $args --counters "$url" >"$tmp/live$run.jsonl" \
		2>"$tmp/live$run.err" &
	pid=$!
	emitted=$(LTTNG_UST_ALLOW_BLOCKING=1 LTTNG_UST_REGISTER_TIMEOUT=-1 \
		"$top_builddir/tests/utils/gen-trace" --events "$events" --threads 2)
	is "$emitted" "$events" "$args: gen-trace emitted $events events"
	lttng stop "wl$run" >/dev/null
	lttng destroy "wl$run" >/dev/null
	lta_env_wait 30 bash -c "! kill -0 $pid 2>/dev/null"
	ok $? "$args: the live reader ended after the session was destroyed"
	kill "$pid" 2>/dev/null
	wait "$pid"
	is "$?" 0 "$args: live windows exit status"

	copy=$(dirname "$(find "$LTTA_HOME/relayd-traces" -path "*wl$run*" -name metadata | head -1)")
	[ -d "$copy" ]
	ok $? "$args: the relay daemon kept a copy of the trace"
	# shellcheck disable=SC2086
	"$LTA_CLI" windows $args --counters "$copy" >"$tmp/offline$run.jsonl" \
		2>"$tmp/offline$run.err"
	n=$(wc -l <"$tmp/live$run.jsonl" | tr -d ' ')
	ok "$([ "$n" -gt 3 ] && echo 0 || echo 1)" "$args: $n windows live"
	cmp -s "$tmp/live$run.jsonl" "$tmp/offline$run.jsonl"
	ok $? "$args: live and offline windows are identical"
	[ $? -eq 0 ] || diff "$tmp/live$run.jsonl" "$tmp/offline$run.jsonl" | head -5 | sed 's/^/# /'
	per=$([ "$run" -eq 1 ] && echo 1 || echo 2)
	is "$(sum_counts "$tmp/live$run.jsonl")" $((per * events / 8)) \
		"$args: the windows count the $((events / 8)) requests $per time(s)"
	grep -q '"late_dropped":0,' "$tmp/live$run.err"
	ok $? "$args: nothing late dropped live"
done
done_testing
