#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# tiers-fault-load.sh: the --on-ready hook of tests/integration/
# test-tiers-fault.sh, run by contrib/testbed/run.sh --tiers 3 --duration 0
# in its namespace once Apache answers and the live session records.
#
#   bash tiers-fault-load.sh RESULTS_DIR sleep|control
#
# Needs LTAD_URL and LTAD_TOKEN (a running lttng-analyzerd), FAULT_LOAD_S
# (seconds of wrk load), FAULT_CONNECTIONS, and run.sh's LTA_TESTBED_*.
# It attaches the daemon to the session (POST /api/v1/analyses with the
# live URL), starts wrk on db.php, waits (bounded) until the daemon's
# estimate of the database component's poll is out of its warm-up, then,
# while wrk still runs, requests db-sleep.php (sleep: SELECT SLEEP(2)) or
# db.php once more (control), and polls (bounded) for an InE on the
# database component that starts after it. Every step is bounded in time;
# nothing here decides pass or fail: it writes what it saw in RESULTS_DIR
# (key=value lines in hook.txt, the API's answers as JSON) for the test.
set -u
res=$1
mode=$2
mkdir -p "$res"
: >"$res/hook.txt"
wrk_pid=
curl_pid=
trap 'kill -TERM $wrk_pid $curl_pid 2>/dev/null' EXIT

note()
{
	echo "$1" >>"$res/hook.txt"
}
api()
{
	curl -s -m 10 -H "Authorization: Bearer $LTAD_TOKEN" "$LTAD_URL$1"
}
now()
{
	date +%s%N
}

base=${LTA_TESTBED_HTTP_URL%/*}
component=mariadbd@127.0.0.1:$LTA_TESTBED_DB_PORT
note "component=$component"
note "live_url=$LTA_TESTBED_LIVE_URL"

id=$(curl -s -m 10 -X POST -H "Authorization: Bearer $LTAD_TOKEN" \
	-H 'Content-Type: application/json' \
	--data-binary "{\"url\":\"$LTA_TESTBED_LIVE_URL\"}" \
	"$LTAD_URL/api/v1/analyses" | jq -r '.id // empty')
note "analysis=$id"
[ -n "$id" ] || exit 1
status=
for _ in $(seq 1 200); do
	status=$(api "/api/v1/analyses/$id" | jq -r .status)
	[ "$status" = live ] && break
	sleep 0.05
done
note "status=$status"
[ "$status" = live ] || exit 1

# Normal load: closed loop on db.php, bounded twice (wrk's -d, timeout).
note "load_start_ns=$(now)"
timeout --kill-after=5 $((FAULT_LOAD_S + 15)) wrk -t 2 \
	-c "$FAULT_CONNECTIONS" -d "${FAULT_LOAD_S}s" --timeout 10s --latency \
	"$base/db.php" >"$res/wrk.txt" 2>&1 &
wrk_pid=$!

# The estimate of the database component's poll (Apache's PHP waiting for
# an answer), out of its warm-up: the snapshot has it with at least
# WARMUP samples. At most half the load.
warm=
end=$(($(date +%s%N) + FAULT_LOAD_S * 500000000))
while [ "$(now)" -lt "$end" ]; do
	api "/api/v1/analyses/$id/timeouts" >"$res/timeouts-before.json"
	warm=$(jq -r --arg n "$component:poll" --argjson w "$FAULT_WARMUP" \
		'[.timeouts[]? | select(.kind == "interaction" and .name == $n
			and .samples >= $w)][0].samples // empty' \
		"$res/timeouts-before.json" 2>/dev/null)
	[ -z "$warm" ] || break
	sleep 0.1
done
note "warm_samples=${warm:-0}"
# A second of load after the warm-up, not counted in it.
sleep 1

# The fault (or the control), while wrk runs.
# How far behind the trace the live analysis is (wall clock minus its
# newest trace time), for the report.
note "lag_ns_at_fault=$(api "/api/v1/analyses/$id" | jq -r '.lag_ns // empty')"
fault_ns=$(now)
note "fault_ns=$fault_ns"
if [ "$mode" = sleep ]; then
	page=db-sleep.php?seconds=2
else
	page=db.php?control
fi
curl -s -m 10 -o "$res/fault-page.txt" -w '%{http_code} %{time_total}\n' \
	"$base/$page" >"$res/fault-curl.txt" 2>&1 &
curl_pid=$!

# An InE on the database component whose start is after the fault was
# sent (less 5 ms: the two clocks): the wall time it is first served, and
# whether the page's curl was still waiting then. At most 5 s.
found=
end=$(($(date +%s) + 5))
while [ "$(date +%s)" -le "$end" ]; do
	found=$(api "/api/v1/analyses/$id/errors?type=InE&limit=1000" |
		jq -c --arg c "$component:" --argjson s $((fault_ns - 5000000)) \
			'[.errors[]? | select((.name | startswith($c))
				and .start_ns >= $s)][0] // empty')
	if [ -n "$found" ]; then
		note "served_ns=$(now)"
		note "lag_ns_at_served=$(api "/api/v1/analyses/$id" | jq -r '.lag_ns // empty')"
		if kill -0 "$curl_pid" 2>/dev/null; then
			note "served_while_waiting=yes"
		else
			note "served_while_waiting=no"
		fi
		echo "$found" >"$res/ine-live.json"
		break
	fi
	# The control has no fault: once its page answered, a second more.
	if [ "$mode" = control ] && ! kill -0 "$curl_pid" 2>/dev/null &&
		[ "$(now)" -gt $((fault_ns + 1500000000)) ]; then
		break
	fi
	sleep 0.02
done
wait "$curl_pid"
curl_pid=
note "fault_done_ns=$(now)"
wait "$wrk_pid"
note "wrk_status=$?"
wrk_pid=
load_end_ns=$(now)
note "load_end_ns=$load_end_ns"
# Apache stops when this hook returns. A live analysis that lags behind
# the trace would find its processes gone (in wall time) while it still
# reads their requests of the load: wait (30 s at most) until its newest
# trace time is past the load's end, so that the errors counted are the
# load's, not artefacts of the stop.
caught=no
end=$(($(date +%s) + 30))
while [ "$(date +%s)" -le "$end" ]; do
	lag=$(api "/api/v1/analyses/$id" | jq -r '.lag_ns // empty')
	if [ -n "$lag" ] && [ $(($(now) - lag)) -gt $((load_end_ns + 200000000)) ]; then
		caught=yes
		break
	fi
	sleep 0.1
done
note "caught_up=$caught"
note "caught_up_ns=$(now)"
# What the live analysis served before the session ends.
api "/api/v1/analyses/$id/timeouts" >"$res/timeouts-after.json"
api "/api/v1/analyses/$id/errors?limit=1000" >"$res/errors-live.json"
exit 0
