#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# A fleet: a private nats-server with JetStream (own port, own store
# folder, pid kept), two lttng-analyzerd daemons (a and b) publishing to it,
# and three traced Apache sessions (contrib/testbed, each with its own
# private session and relay daemons, run at once). Each session is given
# to both daemons (in turn a first, then b first): the one that takes the
# session's lease analyzes it, the other shows it "standby"; both daemons
# analyze some. Then:
# - every request each daemon stored arrives in JetStream exactly once:
#   its (daemon, analysis, id) once, every Nats-Msg-Id once, and no
#   request message that no daemon stored;
# - `lttng-analyzer fleet` counts as many requests as the daemons' /stats
#   add up to, per session and in all;
#   GET /api/v1/fleet of a daemon serves the same view;
# - its latency percentiles (merged from the windows' histograms) equal
#   those computed from every published request, once the analyses are
#   stopped (which closes their last windows).
. "$(dirname "$0")/../utils/test-lib.sh"
. "$top_srcdir/tests/utils/lttng-env.sh"
. "$top_srcdir/tests/utils/daemon-env.sh"
. "$top_srcdir/tests/utils/fleet-env.sh"
reason=$(lta_env_skip_reason)
[ -z "$reason" ] || skip_all "$reason"
for b in nats-server apache2 wrk curl jq; do
	command -v "$b" >/dev/null 2>&1 || skip_all "$b is not installed"
done
[ -x "$LTAD" ] || skip_all "lttng-analyzerd is not built"
tmp=$(mktemp -d)
trap 'lta_fleet_stop_all; lta_nats_stop; [ -n "${LTA_KEEP_TMP:-}" ] || rm -rf "$tmp"' EXIT
check=$top_srcdir/tests/utils/fleet-check.py

lta_nats_start "$tmp/nats" || skip_all "nats-server does not start here"
ok 0 "nats-server -js on port $NATS_PORT (pid $NATS_PID)"
lta_fleet_daemon a "$tmp/a" --lease-ms=3000 || skip_all "the daemon does not start here"
lta_fleet_daemon b "$tmp/b" --lease-ms=3000 || skip_all "the daemon does not start here"
ok 0 "daemons a (port ${URL_a##*:}) and b (port ${URL_b##*:}) in the fleet"
export URL_a URL_b LTAD_TOKEN

# Inside each testbed: the session to both daemons, in LTA_FLEET_ORDER;
# the one whose analysis goes live holds the lease (holder: "NAME ID"),
# the other's must then be standby (other: "NAME ID STATUS").
attach='body=$(printf "{\"url\":\"%s\"}" "$LTA_TESTBED_LIVE_URL")
for d in $LTA_FLEET_ORDER; do
	u=$(eval echo "\$URL_$d")
	curl -s -m 10 -X POST -H "Authorization: Bearer $LTAD_TOKEN" \
		-H "Content-Type: application/json" --data-binary "$body" \
		-o "$LTA_TESTBED_OUT/post-$d.json" "$u/api/v1/analyses" || exit 1
done
end=$(($(date +%s) + 30))
holder=
while [ -z "$holder" ]; do
	for d in $LTA_FLEET_ORDER; do
		u=$(eval echo "\$URL_$d")
		id=$(jq -r .id "$LTA_TESTBED_OUT/post-$d.json")
		st=$(curl -s -m 5 "$u/api/v1/analyses/$id" | jq -r .status)
		if [ "$st" = live ]; then
			holder="$d $id"
		fi
	done
	[ "$(date +%s)" -lt "$end" ] || exit 1
	[ -n "$holder" ] || sleep 0.1
done
echo "$holder" >"$LTA_TESTBED_OUT/holder"
for d in $LTA_FLEET_ORDER; do
	[ "$d" = "${holder%% *}" ] && continue
	u=$(eval echo "\$URL_$d")
	id=$(jq -r .id "$LTA_TESTBED_OUT/post-$d.json")
	echo "$d $id $(curl -s -m 5 "$u/api/v1/analyses/$id" | jq -r .status)" \
		>"$LTA_TESTBED_OUT/other"
done'
# After the load: wait (bounded) until the holder counts every logged
# request as complete.
settle='read -r d id <"$LTA_TESTBED_OUT/holder"
u=$(eval echo "\$URL_$d")
want=$(grep -vc "?ready" "$LTA_TESTBED_OUT/access.log")
end=$(($(date +%s) + 30))
while :; do
	got=$(curl -s -m 5 "$u/api/v1/analyses/$id/stats" | jq -r .counts.complete)
	[ "$got" -ge "$want" ] 2>/dev/null && break
	[ "$(date +%s)" -lt "$end" ] || break
	sleep 0.2
done
echo "$got" >"$LTA_TESTBED_OUT/settled"'

pids=()
for i in 1 2 3; do
	order="a b"
	[ "$i" = 2 ] && order="b a"
	LTA_TESTBED_SESSION=fleet-$i LTA_FLEET_ORDER=$order \
		top_builddir=$top_builddir bash "$top_srcdir/contrib/testbed/run.sh" \
		--mpm event --keepalive on --duration 4 --connections 4 --rate 200 \
		--live-timer 100000 --subbuf-size 8M --num-subbuf 8 \
		--out "$tmp/tb$i" --on-ready "$attach" --after-load "$settle" \
		>"$tmp/run$i.log" 2>&1 &
	pids+=($!)
done
holders=
for i in 1 2 3; do
	wait "${pids[$((i - 1))]}"
	ok $? "testbed $i ran (session fleet-$i)"
	if [ ! -s "$tmp/tb$i/holder" ]; then
		sed 's/^/# /' "$tmp/run$i.log" | tail -15
		continue
	fi
	read -r d id <"$tmp/tb$i/holder"
	read -r od oid ost <"$tmp/tb$i/other"
	holders="$holders $d"
	is "$ost" standby "session fleet-$i: daemon $d analyzes it (analysis $id), daemon $od's analysis $oid is standby"
	logged=$(grep -vc '?ready' "$tmp/tb$i/access.log")
	ok "$([ "$(cat "$tmp/tb$i/settled")" -ge "$logged" ] && [ "$logged" -gt 100 ] && echo 0 || echo 1)" \
		"session fleet-$i: $(cat "$tmp/tb$i/settled") complete requests for $logged logged"
done
ok "$(echo "$holders" | grep -q a && echo "$holders" | grep -q b && echo 0 || echo 1)" \
	"the sessions are spread over both daemons:$holders"

# The sessions are gone: stop every analysis still running or waiting (a
# stopped worker closes its windows: the fleet view merges closed windows
# only; one that ended closed them), then wait until
# everything is published: every analysis of both daemons at lag 0.
for d in a b; do
	lta_on $d
	for id in $(lta_api GET /api/v1/analyses | jq -r '.analyses[].id'); do
		st=$(lta_fleet_stop_analysis "$id")
		diag "daemon $d, analysis $id: $st ($(lta_api GET "/api/v1/analyses/$id" | jq -r .reason))"
	done
done
# Everything published: every analysis of both daemons at lag 0.
end=$(($(date +%s) + 120))
while :; do
	lag=0
	for d in a b; do
		lta_on $d
		for id in $(lta_api GET /api/v1/analyses | jq -r '.analyses[].id'); do
			l=$(lta_api GET "/api/v1/analyses/$id" | jq -r '.publish.lag_events')
			lag=$((lag + ${l:-1}))
		done
	done
	[ "$lag" = 0 ] && break
	[ "$(date +%s)" -lt "$end" ] || break
	sleep 0.5
done
is "$lag" 0 "both daemons published everything they stored (lag 0)"

# What the daemons stored: every request id, and the /stats counts.
: >"$tmp/stored"
stats_total=0
declare -A stats_session=()
for d in a b; do
	lta_on $d
	for id in $(lta_api GET /api/v1/analyses | jq -r '.analyses[].id'); do
		after=0 pages=0
		while [ $pages -lt 1000 ]; do
			body=$(lta_api GET "/api/v1/analyses/$id/requests?limit=1000&after=$after")
			echo "$body" | jq -r --arg d $d --arg a "$id" '.requests[] | "\($d) \($a) \(.id)"' >>"$tmp/stored"
			next=$(echo "$body" | jq -r .next)
			pages=$((pages + 1))
			[ "$next" = null ] && break
			after=$next
		done
		n=$(lta_api GET "/api/v1/analyses/$id/stats" | jq -r .counts.requests)
		session=$(lta_api GET "/api/v1/analyses/$id" | jq -r '.source | sub(".*/"; "")')
		stats_total=$((stats_total + n))
		stats_session[$session]=$((${stats_session[$session]:-0} + n))
	done
done
lta_fleet_messages "$tmp/messages"
ok $? "lttng-analyzer fleet --messages reads the stream ($(grep -c '' "$tmp/messages") messages)"
$PYTHON "$check" once "$tmp/messages" "$tmp/stored" >"$tmp/once"
declare -A once=()
while read -r k v; do once[$k]=$v; done <"$tmp/once"
diag "exactly once: $(tr '\n' ' ' <"$tmp/once")"
is "${once[requests]}" "$(grep -c '' "$tmp/stored")" "as many request messages as stored requests ($stats_total by /stats)"
is "$stats_total" "$(grep -c '' "$tmp/stored")" "and /stats counts what the pages list"
is "${once[missing]}" 0 "no stored request is missing from the stream"
is "${once[unknown]}" 0 "no request message that no daemon stored"
is "${once[request_dups]}" 0 "no request (daemon, analysis, id) twice"
is "${once[msg_id_dups]}" 0 "no Nats-Msg-Id twice"
is "${once[ids_bad]}" 0 "every Nats-Msg-Id is FLEET_ID-SEQ of its message"

"$LTA_CLI" fleet --nats-url="$NATS_URL" --format=json >"$tmp/fleet.json"
ok $? "lttng-analyzer fleet --format=json"
"$LTA_CLI" fleet --nats-url="$NATS_URL" | sed 's/^/#   /'
is "$(jq -r .total.requests "$tmp/fleet.json")" "$stats_total" \
	"the fleet view counts the sum of the daemons' /stats requests"
for i in 1 2 3; do
	is "$(jq -r --arg s fleet-$i '[.groups[] | select(.session == $s) | .requests] | add' "$tmp/fleet.json")" \
		"${stats_session[fleet-$i]:-0}" "session fleet-$i: the fleet view's requests equal its daemons' /stats"
done
$PYTHON "$check" percentiles "$tmp/messages" >"$tmp/pct"
declare -A pct=()
while read -r k v; do pct[$k]=$v; done <"$tmp/pct"
diag "from every request: $(tr '\n' ' ' <"$tmp/pct")"
is "$(jq -r .total.windowed "$tmp/fleet.json")" "${pct[count]}" \
	"the merged windows count every published request (but empty and open ones)"
for p in p50 p90 p99 max; do
	is "$(jq -r ".total.$p" "$tmp/fleet.json")" "${pct[$p]}" \
		"the fleet's $p, merged from the windows' histograms, equals the $p of all the requests"
done
is "$(jq -r .duplicates "$tmp/fleet.json")" 0 "the fleet view saw no duplicate"
lta_on b
is "$(lta_api GET /api/v1/fleet | jq -c '[.total, .hosts, .groups]')" \
	"$(jq -c '[.total, .hosts, .groups]' "$tmp/fleet.json")" \
	"GET /api/v1/fleet of daemon b: the same fleet view"
lta_on a
metrics=$(lta_api GET /metrics)
echo "$metrics" | grep -q '^lttng_analyzerd_publish_connected 1$'
ok $? "/metrics: lttng_analyzerd_publish_connected 1"
echo "$metrics" | grep -qE '^lttng_analyzerd_analysis_publish_lag_events\{analysis="1"\} 0$'
ok $? "/metrics: analysis 1's publish lag is 0 events"
done_testing
