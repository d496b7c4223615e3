#!/bin/bash
# The daemon on a live Apache: a private lttng-sessiond and lttng-relayd
# (contrib/testbed), a live session, Apache under the user-space tracer
# loaded by wrk, and lttng-analyzerd attached to the session over REST
# before the load. Within a bounded wait after wrk ends, GET .../stats
# counts exactly the access-log lines as complete requests (those made
# after it attached: a live viewer starts at the streams' current
# position, so the testbed's readiness probe is not seen), and paging
# through GET .../requests finds every logged client port, as many times.
# Then SIGTERM stops the daemon cleanly and the results stay readable after
# a restart on the same data folder.
. "$(dirname "$0")/../utils/test-lib.sh"
. "$top_srcdir/tests/utils/lttng-env.sh"
. "$top_srcdir/tests/utils/daemon-env.sh"
reason=$(lta_env_skip_reason)
[ -z "$reason" ] || skip_all "$reason"
for b in apache2 wrk curl jq; do
	command -v "$b" >/dev/null 2>&1 || skip_all "$b is not installed"
done
[ -x "$LTAD" ] || skip_all "lttng-analyzerd is not built"
tmp=$(mktemp -d)
trap 'lta_daemon_stop; [ -n "${LTA_KEEP_TMP:-}" ] || rm -rf "$tmp"' EXIT

lta_daemon_start "$tmp/d" || skip_all "the daemon does not start here"
ok 0 "daemon listening on port $LTAD_PORT"

# The hooks run inside the testbed (same network, private LTTng daemons).
export LTAD_URL LTAD_TOKEN
attach='date +%s%N >"$LTA_TESTBED_OUT/attach-at"
body=$(printf "{\"url\":\"%s\"}" "$LTA_TESTBED_LIVE_URL")
curl -s -m 10 -X POST -H "Authorization: Bearer $LTAD_TOKEN" \
	-H "Content-Type: application/json" --data-binary "$body" \
	-o "$LTA_TESTBED_OUT/post.json" -w "%{http_code}" \
	"$LTAD_URL/api/v1/analyses" >"$LTA_TESTBED_OUT/post.status"
# The load must wait until the viewer is attached ("live"): a live viewer
# starts at the streams'"'"' current position.
id=$(jq -r .id "$LTA_TESTBED_OUT/post.json")
end=$(($(date +%s) + 20))
until [ "$(curl -s -m 5 "$LTAD_URL/api/v1/analyses/$id" | jq -r .status)" = live ]; do
	[ "$(date +%s)" -lt "$end" ] || exit 1
	sleep 0.05
done'
# After the load: wait (bounded) until stats counts every logged request.
settle='id=$(jq -r .id "$LTA_TESTBED_OUT/post.json")
want=$(grep -vc "?ready" "$LTA_TESTBED_OUT/access.log")
end=$(($(date +%s) + 30))
while :; do
	got=$(curl -s -m 5 "$LTAD_URL/api/v1/analyses/$id/stats" | jq -r .counts.complete)
	if [ "$got" -ge "$want" ] 2>/dev/null; then
		# A readiness probe seen counts too: let the last ones arrive.
		sleep 0.5
		got=$(curl -s -m 5 "$LTAD_URL/api/v1/analyses/$id/stats" | jq -r .counts.complete)
		break
	fi
	[ "$(date +%s)" -lt "$end" ] || break
	sleep 0.2
done
echo "$got" >"$LTA_TESTBED_OUT/settled"
date +%s%N >"$LTA_TESTBED_OUT/settled-at"'

out=$tmp/tb
top_builddir=$top_builddir bash "$top_srcdir/contrib/testbed/run.sh" \
	--mpm event --duration 3 --connections 8 --live-timer 100000 \
	--subbuf-size 8M --num-subbuf 8 --out "$out" \
	--on-ready "$attach" --after-load "$settle" >"$tmp/run.log" 2>&1
ok $? "testbed ran with the daemon attached"
[ -s "$out/access.log" ] || { sed 's/^/# /' "$tmp/run.log" | tail -20; done_testing; }
is "$(cat "$out/post.status")" 201 "POST /api/v1/analyses with the live URL: 201"
id=$(jq -r .id "$out/post.json")
# The testbed's readiness probes (GET ...?ready) ran before the daemon
# attached: a live viewer starts at the streams' current position, which
# is usually past them, but may still hold the last one's events.
logged=$(grep -vc '?ready' "$out/access.log")
ok "$([ "$logged" -gt 100 ] && echo 0 || echo 1)" "$logged access-log lines"

# Page through all requests (cursor), keeping the ports of non-empty ones,
# apart from the probes seen: a probe's port, started before the attach.
grep '?ready' "$out/access.log" | awk '{print $2}' | sort -u >"$tmp/ready-ports"
attach_at=$(cat "$out/attach-at")
after=0
: >"$tmp/ports"
: >"$tmp/probes"
pages=0
while [ $pages -lt 1000 ]; do
	body=$(lta_api GET "/api/v1/analyses/$id/requests?limit=1000&after=$after")
	[ "$(lta_status)" = 200 ] || break
	echo "$body" | jq -r --argjson t "$attach_at" --slurpfile ready <(jq -s . "$tmp/ready-ports") \
		'.requests[] | select(.end_reason != "empty") |
		 if (.start_ns < $t and (.port as $p | $ready[0] | index($p))) then "probe \(.port)" else .port end' |
		while read -r a b; do
			if [ "$a" = probe ]; then echo "$b" >>"$tmp/probes"; else echo "$a" >>"$tmp/ports"; fi
		done
	next=$(echo "$body" | jq -r '.next')
	pages=$((pages + 1))
	[ "$next" = null ] && break
	after=$next
done
is "$(lta_status)" 200 "paging through requests ($pages pages)"
probes=$(wc -l <"$tmp/probes" | tr -d ' ')
[ "$probes" = 0 ] || echo "# $probes readiness probe(s) seen by the viewer"
is "$(cat "$out/settled")" "$((logged + probes))" \
	"stats counts exactly the access-log lines (and the probes seen) as complete requests"
grep -v '?ready' "$out/access.log" | awk '{print $2}' | sort -n >"$tmp/logged-ports"
sort -n "$tmp/ports" >"$tmp/api-ports"
cmp -s "$tmp/logged-ports" "$tmp/api-ports"
ok $? "requests page through every logged client port, as many times ($(wc -l <"$tmp/api-ports"))"

# The testbed destroys the session and then stops its relay daemon: the
# analysis ends, or sees the relay daemon go first (disconnected).
status=$(lta_api GET "/api/v1/analyses/$id" | jq -r .status)
ok "$(case $status in ended | disconnected) echo 0 ;; *) echo 1 ;; esac)" \
	"after the testbed, the analysis is $status"

before=$(lta_api GET "/api/v1/analyses/$id/stats" |
	jq -c '[.counts, .throughput, .bytes_read, .bytes_written, .latency.count, .latency.max]')
lta_daemon_stop
is "$LTAD_STOP_STATUS" 0 "SIGTERM stops the daemon cleanly (status 0)"
lta_daemon_start "$tmp/d" || true
stats=$(lta_api GET "/api/v1/analyses/$id/stats")
is "$(echo "$stats" | jq -r .counts.complete)" "$((logged + probes))" "after a restart, stats still counts them"
is "$(echo "$stats" | jq -c '[.counts, .throughput, .bytes_read, .bytes_written, .latency.count, .latency.max]')" \
	"$before" "and rebuilt from the store, its figures equal the live ones"
done_testing
