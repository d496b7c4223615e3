#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The daemon survives what goes wrong around it:
# 1. kill -9 in the middle of ingestion: every request the API had returned
#    before the kill is returned again after a restart on the same data
#    folder (the store commits before the API can see a row);
# 2. the relay daemon killed during a live analysis: the daemon stays up,
#    the analysis turns "disconnected", the API keeps answering; a new
#    relay daemon and a new session then get a working new analysis.
. "$(dirname "$0")/../utils/test-lib.sh"
. "$top_srcdir/tests/utils/lttng-env.sh"
. "$top_srcdir/tests/utils/daemon-env.sh"
reason=$(lta_env_skip_reason)
[ -z "$reason" ] || skip_all "$reason"
command -v jq >/dev/null || skip_all "jq is not installed"
[ -x "$LTAD" ] || skip_all "lttng-analyzerd is not built"
[ -x "$top_builddir/tests/utils/gen-trace" ] || skip_all "gen-trace not built"
lta_env_enter "$0" "$@"
tmp=$LTTA_HOME/t
mkdir -p "$tmp"
trap 'lta_daemon_stop; lta_env_cleanup' EXIT

# --- 1. kill -9 during ingestion -------------------------------------------
bash "$top_srcdir/tests/utils/record-gen-trace.sh" "$tmp/trace" 2000000 4 requests >/dev/null
ok $? "recorded a 2,000,000-event trace (250,000 requests)"
lta_daemon_start "$tmp/d" || skip_all "the daemon does not start here"
body=$(lta_api POST /api/v1/analyses "{\"path\":\"$tmp/trace\"}")
is "$(lta_status)" 201 "POST a recorded trace: 201"
id=$(echo "$body" | jq -r .id)
# Collect what the API returns while it ingests, then kill it mid-way.
: >"$tmp/seen"
after=0
end=$(($(date +%s) + 30))
while [ "$(date +%s)" -lt "$end" ]; do
	page=$(lta_api GET "/api/v1/analyses/$id/requests?limit=1000&after=$after")
	[ "$(lta_status)" = 200 ] || break
	echo "$page" | jq -r '.requests[].id' >>"$tmp/seen"
	next=$(echo "$page" | jq -r .next)
	[ "$next" != null ] && after=$next
	[ "$(wc -l <"$tmp/seen")" -ge 20000 ] && break
done
status=$(lta_api GET "/api/v1/analyses/$id" | jq -r .status)
kill -KILL "$LTAD_PID"
wait "$LTAD_PID" 2>/dev/null
LTAD_PID=
seen=$(wc -l <"$tmp/seen")
ok "$([ "$seen" -ge 1000 ] && echo 0 || echo 1)" \
	"the API returned $seen requests before kill -9 (status then: $status)"
lta_daemon_start "$tmp/d" || true
is "$(lta_api GET "/api/v1/analyses/$id" | jq -r .status)" interrupted \
	"after restart the analysis says it was interrupted"
# Every id seen before the kill is still there.
: >"$tmp/after"
a=0
for _ in $(seq 1 400); do
	page=$(lta_api GET "/api/v1/analyses/$id/requests?limit=1000&after=$a")
	echo "$page" | jq -r '.requests[].id' >>"$tmp/after"
	next=$(echo "$page" | jq -r .next)
	[ "$next" = null ] && break
	a=$next
done
sort -u "$tmp/seen" >"$tmp/seen.sorted"
sort -u "$tmp/after" >"$tmp/after.sorted"
missing=$(comm -23 "$tmp/seen.sorted" "$tmp/after.sorted" | wc -l)
is "$missing" 0 "every request returned before kill -9 is returned after ($(wc -l <"$tmp/seen.sorted") checked)"
rid=$(head -1 "$tmp/seen")
lta_api GET "/api/v1/analyses/$id/requests/$rid" >/dev/null
is "$(lta_status)" 200 "and readable in full (request $rid)"

# --- 1b. a worker that outlives its daemon ----------------------------------
# A worker ends within a quarter of a second of its daemon; one that does
# not (here stopped) must not write after the next daemon marked its
# analysis interrupted: that daemon waits for it, then kills it.
body=$(lta_api POST /api/v1/analyses "{\"path\":\"$tmp/trace\"}")
id2=$(echo "$body" | jq -r .id)
lta_env_wait 20 bash -c "[ \"\$(curl -s -H 'Authorization: Bearer $LTAD_TOKEN' $LTAD_URL/api/v1/analyses/$id2 | jq -r .requests)\" -gt 0 ]"
wpid=$(lta_api GET "/api/v1/analyses/$id2" | jq -r .worker_pid)
ok "$([ "$wpid" -gt 0 ] 2>/dev/null && echo 0 || echo 1)" \
	"a second analysis runs in worker $wpid"
kill -STOP "$wpid"
kill -KILL "$LTAD_PID"
wait "$LTAD_PID" 2>/dev/null
LTAD_PID=
t0=$(date +%s%N)
lta_daemon_start "$tmp/d" || true
t1=$(date +%s%N)
ok "$(grep -q "did not end: killing it: pid=$wpid" "$tmp/d/daemon.log" && echo 0 || echo 1)" \
	"the next daemon killed the stopped worker of the dead one ($(((t1 - t0) / 1000000)) ms to start)"
wstate=$(awk '{print $3}' "/proc/$wpid/stat" 2>/dev/null)
ok "$([ -z "$wstate" ] || [ "$wstate" = Z ] && echo 0 || echo 1)" \
	"that worker is gone (state: ${wstate:-none})"
is "$(lta_api GET "/api/v1/analyses/$id2" | jq -r .status)" interrupted \
	"its analysis says it was interrupted"

# --- 2. the relay daemon goes away -------------------------------------------
lta_env_start_sessiond && lta_env_start_relayd
ok $? "private lttng-sessiond and lttng-relayd"
live_setup()
{
	{
		lttng create "$1" --live=100000 \
			--set-url="net://127.0.0.1:$LTTA_RELAYD_CTRL_PORT:$LTTA_RELAYD_DATA_PORT"
		lttng enable-channel -u --buffers-uid --subbuf-size=1M --num-subbuf=4 chan
		lttng enable-event -u -c chan 'lttng_analyzer_syscall:*'
		lttng add-context -u -c chan -t vpid -t vtid -t procname
		lttng start
	} >/dev/null 2>&1
}
live_setup s1
body=$(lta_api POST /api/v1/analyses \
	"{\"url\":\"net://127.0.0.1:$LTTA_RELAYD_LIVE_PORT/host/$(hostname)/s1\"}")
is "$(lta_status)" 201 "POST a live session: 201"
live_id=$(echo "$body" | jq -r .id)
"$top_builddir/tests/utils/gen-trace" --events 8000 --threads 1 >/dev/null
lta_env_wait 20 bash -c "[ \"\$(curl -s $LTAD_URL/api/v1/analyses/$live_id | jq -r .events)\" -ge 8000 ]"
ok $? "the live analysis received the events"
lta_env_stop_pid "$LTTA_RELAYD_PID"
lta_env_wait 20 bash -c "[ \"\$(curl -s $LTAD_URL/api/v1/analyses/$live_id | jq -r .status)\" = disconnected ]"
ok $? "relay daemon killed: the analysis turns disconnected"
lta_api GET /api/v1/health >/dev/null
is "$(lta_status)" 200 "the API keeps answering"
kill -0 "$LTAD_PID"
ok $? "the daemon is still running"
lttng destroy s1 >/dev/null 2>&1
lta_env_start_relayd
live_setup s2
body=$(lta_api POST /api/v1/analyses \
	"{\"url\":\"net://127.0.0.1:$LTTA_RELAYD_LIVE_PORT/host/$(hostname)/s2\"}")
is "$(lta_status)" 201 "a new relay daemon and session: POST 201"
new_id=$(echo "$body" | jq -r .id)
"$top_builddir/tests/utils/gen-trace" --events 8000 --threads 1 >/dev/null
lta_env_wait 20 bash -c "[ \"\$(curl -s $LTAD_URL/api/v1/analyses/$new_id | jq -r .events)\" -ge 8000 ]"
ok $? "the new analysis works (8000 events received)"
lttng destroy s2 >/dev/null 2>&1
lta_api DELETE "/api/v1/analyses/$live_id" >/dev/null
is "$(lta_status)" 200 "DELETE the disconnected (still retrying) analysis"
lta_env_wait 20 bash -c "[ \"\$(curl -s $LTAD_URL/api/v1/analyses/$live_id | jq -r .status)\" = stopped ]"
ok $? "it ends as stopped"
lta_api GET "/api/v1/analyses/$live_id/requests?limit=1" >/dev/null
is "$(lta_status)" 200 "its stored results stay readable"
lta_daemon_stop
is "$LTAD_STOP_STATUS" 0 "SIGTERM: clean stop"
done_testing
