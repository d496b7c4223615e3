#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The live event stream (GET /api/v1/analyses/{id}/events, /api/v1/events:
# Server-Sent Events read from the store's event log):
# - a client that drops its connection every 5,000 events and reconnects
#   with Last-Event-ID gets every request of the analysis exactly once
#   (ids compared with the stored requests), then the end of the stream;
# - a reconnection after the end is answered 204 (an EventSource stops);
# - ?kinds= filters; a bad Last-Event-ID is a 400;
# - a client that stops reading is dropped (a final "dropped" event, then
#   the server closes) and the analysis takes no longer than without it.
# Trace: the shared kernel trace (77,251 requests); skipped without it.
. "$(dirname "$0")/../utils/test-lib.sh"
. "$top_srcdir/tests/utils/daemon-env.sh"
. "$top_srcdir/tests/utils/lttng-env.sh"
. "$top_srcdir/tests/utils/trace-cache.sh"
for b in curl jq python3; do
	command -v "$b" >/dev/null || skip_all "$b is not installed"
done
tmp=$(mktemp -d)
client_pids=()
cleanup()
{
	local p
	for p in "${client_pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	lta_daemon_stop >/dev/null 2>&1
	[ -n "${LTA_KEEP_TMP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT
sse="python3 $top_srcdir/tests/utils/sse-client.py"

# Its checks need the kernel trace's size and lateness (a small generated
# trace has too few events for the stalls and windows counted here).
trace=$(lta_shared_kernel_trace) ||
	skip_all "no ../shared/traces/apache-prefork-kernel-3m.tar.xz (LTA_SHARED_TRACES)"

lta_daemon_start "$tmp/d" --no-relayd --stream-max-lag=2000 ||
	skip_all "the daemon did not start"

# analyse: starts an analysis of the trace; prints its id.
analyse()
{
	lta_api POST /api/v1/analyses "{\"path\":\"$trace\"}" | jq -r .id
}


# took ID: the analysis's wall time, ms (created to last update).
took()
{
	lta_api GET "/api/v1/analyses/$1" | jq '((.updated_ns - .created_ns) / 1000000) | floor'
}

# 1. Without a client: the reference time.
a=$(analyse)
is "$(lta_wait_ended "$a")" ended "analysis $a (no stream client) ended"
base_ms=$(took "$a")

# 2. A client that stops reading for 15 s, on the stream of every analysis.
$sse stall "$LTAD_URL/api/v1/events" \
	--stall 15 --max-seconds 90 >"$tmp/stall.out" 2>"$tmp/stall.err" &
client_pids+=($!)
stall_pid=$!
sleep 1
b=$(analyse)
is "$(lta_wait_ended "$b")" ended "analysis $b (a client stalled on the stream) ended"
stalled_ms=$(took "$b")
diag "analysis time: ${base_ms} ms without a client, ${stalled_ms} ms with a stalled one"
ok "$([ "$stalled_ms" -le $((base_ms * 13 / 10 + 500)) ] && echo 0 || echo 1)" \
	"a stalled client does not slow the analysis (${stalled_ms} ms against ${base_ms} ms)"
wait "$stall_pid"
sed 's/^/# stall: /' "$tmp/stall.out" | head -5
is "$(sed -n 's/^dropped \(yes\|no\).*/\1/p' "$tmp/stall.out")" yes \
	"the stalled client got a final \"dropped\" event"
grep -q 'client too slow' "$tmp/stall.out"
ok $? "the dropped event says why"
is "$(sed -n 's/^closed //p' "$tmp/stall.out")" yes "then the server closed its stream"
events=$(sed -n 's/^events //p' "$tmp/stall.out")
ok "$([ "${events:-0}" -lt 70000 ] && echo 0 || echo 1)" \
	"it was not sent the whole log first (${events:-0} events)"

# 3. Exactly once across reconnections.
c=$(analyse)
$sse collect "$LTAD_URL/api/v1/analyses/$c/events" --every 5000 --max-seconds 240 \
	>"$tmp/collect.out" 2>"$tmp/collect.err" &
client_pids+=($!)
collect_pid=$!
is "$(lta_wait_ended "$c")" ended "analysis $c (a client reconnecting) ended"
wait "$collect_pid"
stored=$(lta_api GET "/api/v1/analyses/$c" | jq .requests)
lta_api GET "/api/v1/analyses/$c/requests.jsonl" | jq -r .id | sort -n >"$tmp/stored.ids"
awk '$2 == "request" { print $3 }' "$tmp/collect.out" | sort -n >"$tmp/got.ids"
is "$(tail -1 "$tmp/collect.out")" "ended yes" "the stream ended after the analysis"
conns=$(sed -n 's/^connections //p' "$tmp/collect.out")
ok "$([ "${conns:-0}" -ge 5 ] && echo 0 || echo 1)" "the client reconnected ($conns connections)"
is "$(wc -l <"$tmp/got.ids")" "$stored" "as many request events as stored requests ($stored)"
is "$(uniq -d "$tmp/got.ids" | wc -l)" 0 "no request twice"
cmp -s "$tmp/got.ids" "$tmp/stored.ids"
ok $? "the request events are the stored requests, id for id"
awk '$1 ~ /^[0-9]+$/ { if ($1 + 0 <= last) bad++; last = $1 + 0 } END { print bad + 0 }' \
	"$tmp/collect.out" >"$tmp/order"
is "$(cat "$tmp/order")" 0 "event ids increase across reconnections"
grep -q ' status ' "$tmp/collect.out"
ok $? "the status changes are in the stream"
last=$(awk '$1 ~ /^[0-9]+$/ { last = $1 } END { print last }' "$tmp/collect.out")

# 4. After the end, resuming is a 204; filters; a bad resume point.
is "$(curl -s -m 10 -o /dev/null -w '%{http_code}' -H "Last-Event-ID: $last" \
	"$LTAD_URL/api/v1/analyses/$c/events")" 204 "resuming an ended stream at its end: 204"
curl -s -m 10 "$LTAD_URL/api/v1/analyses/$c/events?kinds=status" >"$tmp/status.sse"
is "$(grep '^event: ' "$tmp/status.sse" | sort -u | tr '\n' ' ')" "event: end event: status " \
	"?kinds=status sends status events only (then the end)"
is "$(curl -s -m 10 -o /dev/null -w '%{http_code}' -H 'Last-Event-ID: x' \
	"$LTAD_URL/api/v1/events")" 400 "a Last-Event-ID that is not an id: 400"
is "$(curl -s -m 10 -o /dev/null -w '%{http_code}' "$LTAD_URL/api/v1/analyses/999/events")" 404 \
	"the stream of an unknown analysis: 404"

# 5. A daemon stopping ends the open streams.
curl -s -N -m 30 "$LTAD_URL/api/v1/events?after=$last" >"$tmp/stop.sse" &
stop_curl=$!
client_pids+=($stop_curl)
sleep 1
lta_daemon_stop >/dev/null 2>&1
wait "$stop_curl"
is "$?" 0 "a client's stream ended cleanly when the daemon stopped"
grep -q 'server stopping' "$tmp/stop.sse"
ok $? "with an end event saying why"
is "${LTAD_STOP_STATUS:-}" 0 "the daemon stopped cleanly with a stream open"

done_testing
