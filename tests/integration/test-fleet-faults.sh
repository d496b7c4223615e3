#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The fleet's faults, on traced Apache sessions under paced load
# (contrib/testbed), with a private nats-server (JetStream):
#
# 1. nats-server killed (SIGKILL) for 10 s during the load, then started
#    again on the same port and store: the analysis stays live and keeps
#    storing requests during the outage (it never waits for NATS), its
#    publish lag grows and is shown, and afterwards every request it
#    stored is in the stream exactly once (nothing missing, nothing
#    doubled).
# 2. Two daemons given the same session, lease time 3 s: the holder is
#    killed with SIGKILL during the load; the other, standby, takes the
#    session over within the lease time (plus its 250 ms retry tick and
#    JetStream's expiry granularity) and goes live; the requests published
#    for the session continue without duplicates. The killed daemon,
#    started again, publishes what it had stored and not yet published
#    (its cursor is in its store). The gap: the requests Apache logged
#    that neither daemon stored, all of them started between the kill and
#    the takeover (the relay daemon serves a new viewer from the streams'
#    current position).
# 3. The holder frozen (SIGSTOP) longer than the lease time: the other
#    daemon takes the lease; thawed, the holder finds it taken, stops its
#    worker and goes standby, and the other's worker goes live; nothing
#    of the session is published twice.
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
lease_ms=3000

lta_nats_start "$tmp/nats" || skip_all "nats-server does not start here"
ok 0 "nats-server -js on port $NATS_PORT (pid $NATS_PID)"

# wait_file FILE SECONDS: polls until FILE exists.
wait_file()
{
	local end=$(($(date +%s) + $2))
	until [ -s "$1" ]; do
		[ "$(date +%s)" -lt "$end" ] || return 1
		sleep 0.1
	done
}

# wait_lag NAME SECONDS: until every analysis of daemon NAME is at publish
# lag 0; prints the lag left.
wait_lag()
{
	local end=$(($(date +%s) + $2)) lag id l
	lta_on "$1"
	while :; do
		lag=0
		for id in $(lta_api GET /api/v1/analyses | jq -r '.analyses[].id'); do
			l=$(lta_api GET "/api/v1/analyses/$id" | jq -r '.publish.lag_events')
			lag=$((lag + ${l:-1}))
		done
		[ "$lag" = 0 ] && break
		[ "$(date +%s)" -lt "$end" ] || break
		sleep 0.5
	done
	echo "$lag"
}

# stored_ids NAME ID >>FILE: "NAME ID REQUEST_ID" of every stored request.
stored_ids()
{
	local after=0 pages=0 body next
	lta_on "$1"
	while [ $pages -lt 1000 ]; do
		body=$(lta_api GET "/api/v1/analyses/$2/requests?limit=1000&after=$after")
		echo "$body" | jq -r --arg d "$1" --arg a "$2" '.requests[] | "\($d) \($a) \(.id)"'
		next=$(echo "$body" | jq -r .next)
		pages=$((pages + 1))
		[ "$next" = null ] && break
		after=$next
	done
}

# Inside a testbed: the session to the daemons of LTA_FLEET_ORDER, in
# that order; "NAME ID" of the one that goes live in holder.
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
		[ "$(curl -s -m 5 "$u/api/v1/analyses/$id" | jq -r .status)" = live ] &&
			holder="$d $id"
	done
	[ "$(date +%s)" -lt "$end" ] || exit 1
	[ -n "$holder" ] || sleep 0.1
done
echo "$holder" >"$LTA_TESTBED_OUT/holder"'

# --- 1. nats-server away for 10 s ------------------------------------------
# One lease time in a fleet: the lease bucket's TTL is the first
# daemon's (doc/fleet.md).
lta_fleet_daemon a "$tmp/a" --lease-ms=$lease_ms || skip_all "the daemon does not start here"
export URL_a LTAD_TOKEN
LTA_TESTBED_SESSION=fleet-outage LTA_FLEET_ORDER=a \
	top_builddir=$top_builddir bash "$top_srcdir/contrib/testbed/run.sh" \
	--mpm event --keepalive on --duration 22 --connections 4 --rate 200 \
	--live-timer 100000 --subbuf-size 8M --num-subbuf 8 \
	--out "$tmp/tb1" --on-ready "$attach" >"$tmp/run1.log" 2>&1 &
tb=$!
if wait_file "$tmp/tb1/holder" 90; then
	read -r d id <"$tmp/tb1/holder"
	lta_on a
	sleep 3
	before=$(lta_api GET "/api/v1/analyses/$id" | jq -c '{status, requests, publish}')
	lta_nats_kill
	killed_at=$(date +%s%N)
	diag "nats-server killed; before: $before"
	: >"$tmp/outage"
	for i in $(seq 1 20); do
		lta_api GET "/api/v1/analyses/$id" |
			jq -r '"\(.status) \(.requests) \(.publish.connected) \(.publish.lag_events)"' >>"$tmp/outage"
		sleep 0.5
	done
	lta_nats_start "$tmp/nats"
	ok $? "nats-server started again after $((($(date +%s%N) - killed_at) / 1000000)) ms, same port and store"
	sed 's/^/#   outage: /' "$tmp/outage" | sed -n '1p;10p;20p'
	is "$(awk '$1 != "live"' "$tmp/outage" | wc -l | tr -d ' ')" 0 \
		"the analysis stayed live through the outage (20 samples)"
	first=$(head -1 "$tmp/outage" | cut -d' ' -f2)
	last=$(tail -1 "$tmp/outage" | cut -d' ' -f2)
	ok "$([ "$last" -ge $((first + 500)) ] && echo 0 || echo 1)" \
		"it kept storing requests without NATS: $first, then $last 10 s later"
	ok "$(awk '$3 == "false"' "$tmp/outage" | grep -q . && echo 0 || echo 1)" \
		"publish.connected says false during the outage"
	maxlag=$(awk '{print $4}' "$tmp/outage" | sort -n | tail -1)
	ok "$([ "$maxlag" -ge 500 ] && echo 0 || echo 1)" \
		"publish.lag_events shows the lag ($maxlag events at most)"
	metrics=$(lta_api GET /metrics)
	echo "$metrics" | grep -qE '^lttng_analyzerd_analysis_publish_lag_events\{analysis="'"$id"'"\} [0-9]+$'
	ok $? "/metrics has the analysis's publish lag"
else
	sed 's/^/# /' "$tmp/run1.log" | tail -15
	skip 6 "the testbed did not go live"
	id=1
fi
wait "$tb"
ok $? "testbed 1 ran (session fleet-outage)"
lta_on a
lta_fleet_stop_analysis "$id" >/dev/null
is "$(wait_lag a 120)" 0 "after the outage, daemon a published everything it stored"
stored_ids a "$id" >"$tmp/stored1"
lta_fleet_messages "$tmp/messages1"
$PYTHON "$check" once "$tmp/messages1" "$tmp/stored1" >"$tmp/once1"
declare -A once=()
while read -r k v; do once[$k]=$v; done <"$tmp/once1"
diag "exactly once: $(tr '\n' ' ' <"$tmp/once1")"
ok "$([ "${once[requests]}" -gt 1000 ] && echo 0 || echo 1)" \
	"${once[requests]} request messages for $(grep -c '' "$tmp/stored1") stored requests"
is "${once[missing]}" 0 "nothing missing after the outage"
is "${once[request_dups]}" 0 "nothing doubled: no request twice"
is "${once[msg_id_dups]}" 0 "and no Nats-Msg-Id twice"
is "${once[unknown]}" 0 "and no request message that was not stored"
lta_fleet_stop a

# --- 2. the holder of a session killed ------------------------------------
lta_fleet_daemon c "$tmp/c" --lease-ms=$lease_ms --publish-records || skip_all "the daemon does not start"
lta_fleet_daemon d "$tmp/d" --lease-ms=$lease_ms --publish-records || skip_all "the daemon does not start"
export URL_c URL_d
LTA_TESTBED_SESSION=fleet-takeover LTA_FLEET_ORDER="c d" \
	top_builddir=$top_builddir bash "$top_srcdir/contrib/testbed/run.sh" \
	--mpm event --keepalive off --duration 14 --connections 4 --rate 150 \
	--live-timer 100000 --subbuf-size 8M --num-subbuf 8 \
	--out "$tmp/tb2" --on-ready "$attach" >"$tmp/run2.log" 2>&1 &
tb=$!
cid= did=
if wait_file "$tmp/tb2/holder" 90; then
	read -r holder cid <"$tmp/tb2/holder"
	did=$(jq -r .id "$tmp/tb2/post-d.json")
	is "$holder" c "daemon c, given the session first, holds it"
	lta_on d
	is "$(lta_api GET "/api/v1/analyses/$did" | jq -r .status)" standby \
		"daemon d's analysis of the same session is standby"
	sleep 4
	kill -KILL "$PID_c"
	wait "$PID_c" 2>/dev/null
	killed_at=$(date +%s%N)
	PID_c=
	# The takeover: d's analysis leaves standby, then goes live.
	took= live=
	end=$(($(date +%s) + 30))
	while [ "$(date +%s)" -lt "$end" ]; do
		st=$(lta_api GET "/api/v1/analyses/$did" | jq -r .status)
		[ -z "$took" ] && [ "$st" != standby ] && took=$(date +%s%N)
		[ "$st" = live ] && { live=$(date +%s%N); break; }
		sleep 0.05
	done
	took_ms=$(((${took:-0} - killed_at) / 1000000))
	live_ms=$(((${live:-0} - killed_at) / 1000000))
	diag "takeover: lease taken $took_ms ms after the SIGKILL, live after $live_ms ms ($(lta_api GET "/api/v1/analyses/$did" | jq -r .reason))"
	ok "$([ -n "$took" ] && [ "$took_ms" -le $((lease_ms + 1500)) ] && echo 0 || echo 1)" \
		"daemon d took the session over within the lease time ($took_ms ms <= $lease_ms + 1500)"
	ok "$([ -n "$live" ] && echo 0 || echo 1)" "and analyzes it live ($live_ms ms after the kill)"
else
	sed 's/^/# /' "$tmp/run2.log" | tail -15
	skip 4 "the testbed did not go live"
fi
wait "$tb"
ok $? "testbed 2 ran (session fleet-takeover)"
if [ -n "$did" ]; then
	lta_on d
	lta_fleet_stop_analysis "$did" >/dev/null
	is "$(wait_lag d 120)" 0 "daemon d published everything it stored"
	# The killed daemon, started again: its analysis is interrupted, and
	# its publisher goes on from its stored cursor.
	lta_on c
	LTAD_PID=
	lta_daemon_start "$tmp/c" --no-relayd --nats-url="$NATS_URL" \
		--fleet-name=c --lease-ms=$lease_ms --publish-records
	PID_c=$LTAD_PID URL_c=$LTAD_URL
	is "$(lta_api GET "/api/v1/analyses/$cid" | jq -r .status)" interrupted \
		"daemon c, started again: its analysis is interrupted"
	is "$(wait_lag c 120)" 0 "and it published what it had stored before the kill"
	{ stored_ids c "$cid"; stored_ids d "$did"; } >"$tmp/stored2"
	lta_fleet_messages "$tmp/messages2"
	grep '"session":"fleet-takeover"' "$tmp/messages2" >"$tmp/messages2.session"
	$PYTHON "$check" once "$tmp/messages2.session" "$tmp/stored2" >"$tmp/once2"
	declare -A once2=()
	while read -r k v; do once2[$k]=$v; done <"$tmp/once2"
	diag "exactly once: $(tr '\n' ' ' <"$tmp/once2")"
	nc=$(grep -c "^c " "$tmp/stored2")
	nd=$(grep -c "^d " "$tmp/stored2")
	ok "$([ "$nc" -gt 100 ] && [ "$nd" -gt 100 ] && echo 0 || echo 1)" \
		"the session's requests: $nc stored by c before the kill, $nd by d after"
	is "${once2[missing]}" 0 "every request either daemon stored is in the stream"
	is "${once2[request_dups]}" 0 "none twice"
	is "${once2[msg_id_dups]}" 0 "no Nats-Msg-Id twice"
	is "${once2[unknown]}" 0 "no request message that was not stored"
	# The gap: logged requests in no message, and when they started.
	$PYTHON "$check" gap "$tmp/messages2.session" "$tmp/tb2/access.log" \
		c "$cid" d "$did" >"$tmp/gap"
	missing=$(sed -n 's/^missing //p' "$tmp/gap")
	logged=$(grep -vc '?ready' "$tmp/tb2/access.log")
	from_us=$((killed_at / 1000 - 2000000))
	to_us=$((${live:-$killed_at} / 1000 + 1000000))
	outside=$(awk -v f="$from_us" -v t="$to_us" '$1 != "missing" && ($2 < f || $2 > t)' "$tmp/gap" | wc -l | tr -d ' ')
	awk -v k="$((killed_at / 1000))" -v f="$from_us" -v t="$to_us" \
		'$1 != "missing" && ($2 < f || $2 > t) { printf "#   outside: port %s started %d ms after the kill\n", $1, ($2 - k) / 1000 }' \
		"$tmp/gap" | head -5
	diag "gap: $missing of $logged logged requests in no message, all started between the kill (-2 s) and the takeover (+1 s) but $outside"
	is "$outside" 0 "the gap holds only requests started between the kill and the takeover ($missing of $logged)"
	ok "$([ "${missing:-$logged}" -lt $((logged / 2)) ] && echo 0 || echo 1)" \
		"and is a small part of the session ($missing of $logged)"
fi

# --- 3. the holder frozen: it loses the lease, and gives the session up ----
# SIGSTOP freezes daemon c (its worker, another process, goes on reading
# the session): it cannot renew, and d takes the lease once it expires.
# After SIGCONT, c finds its lease taken, stops its worker and shows its
# analysis standby; d's worker then gets the session (the relay daemon
# serves one viewer) and goes live.
if [ -n "${PID_c:-}" ] && [ -n "${PID_d:-}" ]; then
	LTA_TESTBED_SESSION=fleet-freeze LTA_FLEET_ORDER="c d" \
		top_builddir=$top_builddir bash "$top_srcdir/contrib/testbed/run.sh" \
		--mpm event --keepalive off --duration 16 --connections 4 --rate 100 \
		--live-timer 100000 --subbuf-size 8M --num-subbuf 8 \
		--out "$tmp/tb3" --on-ready "$attach" >"$tmp/run3.log" 2>&1 &
	tb=$!
	if wait_file "$tmp/tb3/holder" 90 && [ "$(cut -d' ' -f1 "$tmp/tb3/holder")" = c ]; then
		read -r _ cid3 <"$tmp/tb3/holder"
		did3=$(jq -r .id "$tmp/tb3/post-d.json")
		sleep 2
		kill -STOP "$PID_c"
		lta_on d
		end=$(($(date +%s) + 20)) st=standby
		while [ "$st" = standby ] && [ "$(date +%s)" -lt "$end" ]; do
			sleep 0.1
			st=$(lta_api GET "/api/v1/analyses/$did3" | jq -r .status)
		done
		ok "$([ "$st" != standby ] && echo 0 || echo 1)" \
			"c frozen: d took the lease ($st: $(lta_api GET "/api/v1/analyses/$did3" | jq -r .reason))"
		kill -CONT "$PID_c"
		lta_on c
		end=$(($(date +%s) + 20)) st=live
		while [ "$st" != standby ] && [ "$(date +%s)" -lt "$end" ]; do
			sleep 0.1
			st=$(lta_api GET "/api/v1/analyses/$cid3" | jq -r .status)
		done
		is "$st" standby "c, thawed, finds its lease taken and goes standby ($(lta_api GET "/api/v1/analyses/$cid3" | jq -r .reason))"
		lta_on d
		end=$(($(date +%s) + 30)) st=
		while [ "$st" != live ] && [ "$(date +%s)" -lt "$end" ]; do
			sleep 0.1
			st=$(lta_api GET "/api/v1/analyses/$did3" | jq -r .status)
		done
		is "$st" live "d's worker then gets the session and goes live"
	else
		kill -CONT "$PID_c" 2>/dev/null
		sed 's/^/# /' "$tmp/run3.log" | tail -15
		skip 3 "the testbed did not go live with c holding the session"
	fi
	wait "$tb"
	ok $? "testbed 3 ran (session fleet-freeze)"
	if [ -n "${did3:-}" ]; then
		lta_on d
		lta_fleet_stop_analysis "$did3" >/dev/null
		lta_on c
		lta_fleet_stop_analysis "$cid3" >/dev/null
		is "$(wait_lag c 120)$(wait_lag d 120)" 00 "both published everything"
		{ stored_ids c "$cid3"; stored_ids d "$did3"; } >"$tmp/stored3"
		lta_fleet_messages "$tmp/messages3"
		grep '"session":"fleet-freeze"' "$tmp/messages3" >"$tmp/messages3.session"
		$PYTHON "$check" once "$tmp/messages3.session" "$tmp/stored3" >"$tmp/once3"
		declare -A once3=()
		while read -r k v; do once3[$k]=$v; done <"$tmp/once3"
		diag "exactly once: $(tr '\n' ' ' <"$tmp/once3")"
		is "${once3[missing]}${once3[request_dups]}${once3[msg_id_dups]}${once3[unknown]}" 0000 \
			"the frozen session's requests: none missing from the stream, none twice ($(grep -c '^c ' "$tmp/stored3") by c, $(grep -c '^d ' "$tmp/stored3") by d)"
	fi
fi
done_testing
