#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Timing failures live, through the daemon's API: a private lttng-sessiond
# and lttng-relayd, a live session (per-UID buffers, 100 ms live timer) with
# the rbl points and the user-space system-call tracer, lttng-analyzerd
# attached over REST, and tests/utils/fault-server (instrumented, under the
# system-call tracer) serving curl on loopback. For each fault:
# - interaction-hang: an InE of origin rbl (backend) and one derived from
#   the system calls (socket read) are served by GET .../errors while the
#   server is still hung (its process alive, the client still waiting);
#   no CoE for the service around it;
# - service-hang: a CoE (rbl and derived) while it spins;
# - crash: the process dies by SIGSEGV with a request open: one crash
#   error, from the daemon's check of local processes (no kernel tracer
#   here).
# And: no error at all for the normal requests around the faults;
# GET .../timeouts shows the estimates; GET .../stats counts the errors;
# filters and paging of /errors; the errors stay after a daemon restart.
# Timeouts: floor 50 ms, ceiling 2 s, warm-up 5.
. "$(dirname "$0")/../utils/test-lib.sh"
. "$top_srcdir/tests/utils/lttng-env.sh"
. "$top_srcdir/tests/utils/daemon-env.sh"
reason=$(lta_env_skip_reason)
[ -z "$reason" ] || skip_all "$reason"
for b in curl jq; do
	command -v "$b" >/dev/null 2>&1 || skip_all "$b is not installed"
done
server=$top_builddir/tests/utils/fault-server
lib=$top_builddir/contrib/syscall-tracer/.libs/liblttng-analyzer-syscalls.so
[ -x "$server" ] || skip_all "fault-server is not built"
[ -f "$lib" ] || skip_all "the system-call tracer is not built"
[ -x "$LTAD" ] || skip_all "lttng-analyzerd is not built"
lta_env_enter "$0" "$@"
lta_env_start_sessiond || skip_all "lttng-sessiond does not start here"
lta_env_start_relayd || skip_all "lttng-relayd does not start here"
tmp=$LTTA_HOME/t
mkdir -p "$tmp"
trap 'kill -KILL $pids 2>/dev/null; lta_daemon_stop; lta_env_cleanup' EXIT
pids=

{
	lttng create fe --live=100000 \
		--set-url="net://127.0.0.1:$LTTA_RELAYD_CTRL_PORT:$LTTA_RELAYD_DATA_PORT"
	lttng enable-channel -u --buffers-uid --subbuf-size=1M --num-subbuf=8 chan
	lttng enable-event -u -c chan 'lttng_analyzer_rbl:*,lttng_analyzer_syscall:*'
	lttng add-context -u -c chan -t vpid -t vtid -t procname
	lttng start
} >/dev/null
ok $? "live session created and started"

lta_daemon_start "$tmp/d" --no-relayd --timeout-floor-ms=50 \
	--timeout-ceiling-ms=2000 --timeout-warmup=5 ||
	skip_all "the daemon does not start here"
url="net://127.0.0.1:$LTTA_RELAYD_LIVE_PORT/host/$(hostname)/fe"
id=$(lta_api POST /api/v1/analyses "{\"url\":\"$url\"}" | jq -r .id)
is "$(lta_status)" 201 "analysis of the live session created"
end=$(($(date +%s) + 20))
until [ "$(lta_api GET "/api/v1/analyses/$id" | jq -r .status)" = live ]; do
	[ "$(date +%s)" -lt "$end" ] || break
	sleep 0.05
done
is "$(lta_api GET "/api/v1/analyses/$id" | jq -r .status)" live "the analysis is live"

# The backend, traced too (its own process).
LTTNG_UST_REGISTER_TIMEOUT=-1 "$server" backend --port 0 >"$tmp/backend.out" 2>&1 &
pids="$pids $!"
lta_env_wait 10 grep -q READY "$tmp/backend.out"
bport=$(sed -n 's/.*READY port=\([0-9]*\).*/\1/p' "$tmp/backend.out")

# A server built with AddressSanitizer wants libasan first in the library
# list: relaxed for the preloaded runs (as in test-syscall-tracer.sh; the
# server is a libtool wrapper, so no ldd: the options are ignored without
# ASan).
preload_asan=${ASAN_OPTIONS:-}
preload_asan=${preload_asan:+$preload_asan:}verify_asan_link_order=0:detect_leaks=0:handle_segv=0

# start_server NAME FAULT: the server under the system-call tracer, the
# fault at request 21; SPID and SPORT.
start_server()
{
	# liblttng-ust-fork: the libtool wrapper (bash) forks subshells with
	# lttng-ust's threads running; without it a child can deadlock on a
	# lock held across fork() (seen once: the suite hung 17 minutes).
	ASAN_OPTIONS=$preload_asan LD_PRELOAD="liblttng-ust-fork.so.1:$lib" LTTNG_UST_REGISTER_TIMEOUT=-1 \
		"$server" serve --port 0 \
		--backend-port "$bport" --fault "$2" --fault-at 21 \
		>"$tmp/$1.out" 2>&1 &
	spid=$!
	pids="$pids $spid"
	lta_env_wait 10 grep -q READY "$tmp/$1.out"
	sport=$(sed -n 's/.*READY port=\([0-9]*\).*/\1/p' "$tmp/$1.out")
}

# errors QUERY: the stored errors of the analysis as JSON lines.
errors()
{
	lta_api GET "/api/v1/analyses/$id/errors?limit=1000$1" | jq -c '.errors[]'
}

# wait_error QUERY: bounded wait (10 s) until one error matches.
wait_error()
{
	local end=$(($(date +%s) + 10))
	while [ -z "$(errors "$1")" ]; do
		[ "$(date +%s)" -lt "$end" ] || return 1
		sleep 0.05
	done
}

normal_requests()
{
	local i
	for i in $(seq 1 "$1"); do
		curl -s -m 5 -o /dev/null "http://127.0.0.1:$sport/" || return 1
	done
}

# --- interaction hang --------------------------------------------------------
start_server ih interaction-hang
faulty="$spid"
normal_requests 20
ok $? "20 normal requests answered"
curl -s -m 30 -o /dev/null "http://127.0.0.1:$sport/hang" &
hung_client=$!
wait_error "&type=InE&pid=$spid&origin=rbl"
ok $? "an InE (rbl) is served while the interaction hangs"
kill -0 "$spid" 2>/dev/null && kill -0 "$hung_client" 2>/dev/null
ok $? "...the server and its client are still waiting"
e=$(errors "&type=InE&pid=$spid&origin=rbl" | head -1)
is "$(echo "$e" | jq -r '[.entity, .name, .kind, .key] | join(" ")')" \
	"fault-server backend interaction 21" "...for the backend call of request 21"
wait_error "&type=InE&pid=$spid&origin=derived"
ok $? "an InE derived from the system calls is served too"
is "$(errors "&type=InE&pid=$spid&origin=derived" | head -1 | jq -r .entity)" \
	fault-server "...entity: the process"
normal_requests 5
ok $? "other requests are still answered"
# No CoE for the service around it: checked until its deadline has passed
# (the ceiling, 2 s, plus two live timers), the interaction still hung.
coe_end=$(($(date +%s%N) / 1000000 + 2300))
coe=
while [ $(($(date +%s%N) / 1000000)) -lt $coe_end ] && [ -z "$coe" ]; do
	coe=$(errors "&pid=$spid&type=CoE")
	sleep 0.1
done
kill -0 "$hung_client" 2>/dev/null
ok $? "...the client still waits after the service's deadline"
is "$coe" "" "no CoE for the service around the hung interaction"
kill -KILL "$spid" "$hung_client" 2>/dev/null

# --- service hang -------------------------------------------------------------
start_server sh service-hang
faulty="$faulty $spid"
normal_requests 20
curl -s -m 30 -o /dev/null "http://127.0.0.1:$sport/hang" &
hung_client=$!
wait_error "&type=CoE&pid=$spid&origin=rbl"
ok $? "a CoE (rbl) is served while the service spins"
kill -0 "$spid" 2>/dev/null
ok $? "...the server still running"
wait_error "&type=CoE&pid=$spid&origin=derived"
ok $? "a CoE derived from the system calls too"
kill -KILL "$spid" "$hung_client" 2>/dev/null

# --- crash ---------------------------------------------------------------------
start_server cr crash
faulty="$faulty $spid"
normal_requests 20
curl -s -m 5 -o /dev/null "http://127.0.0.1:$sport/crash"
wait "$spid"
is "$?" 139 "the server died by SIGSEGV"
wait_error "&type=crash&pid=$spid"
ok $? "a crash error is served"
e=$(errors "&type=crash&pid=$spid")
is "$(printf '%s' "$e" | grep -c '^{')" 1 "...one error for the process"
ok "$([ "$(echo "$e" | jq -r .open)" -ge 2 ] && echo 0 || echo 1)" \
	"...for its starts open (the rbl service and the request at least)"

# --- what the API says about it all --------------------------------------------
all=$(errors "")
printf '%s\n' "$all" | sed 's/^/# /' | head -20
# Every error is one of the three faulty requests' (rbl key 21, derived
# service key = the request id of the 21st request, interaction key = tid).
stray=$(printf '%s\n' "$all" | jq -r 'select(.origin == "rbl" and .type != "crash" and .key != 21) | .id')
is "$stray" "" "no rbl error for a normal request"
# Derived errors: only for the three faulty servers (the backend and the
# normal requests around them raise none).
pids_json=$(printf '%s\n' $faulty | jq -s -c .)
stray=$(printf '%s\n' "$all" | jq -r --argjson p "$pids_json" 'select(.origin == "derived" and ((.pid as $x | $p | index($x)) | not)) | .id')
is "$stray" "" "no derived error outside the three faulty servers ($faulty)"
ok "$([ "$(printf '%s\n' "$all" | jq -r 'select(.origin == "derived") | .id' | grep -c .)" -ge 3 ] && echo 0 || echo 1)" \
	"the derived errors are there to be checked"
stats=$(lta_api GET "/api/v1/analyses/$id/stats")
ine=$(printf '%s\n' "$all" | jq -r 'select(.type == "InE") | .id' | wc -l)
is "$(echo "$stats" | jq -r .errors.InE)" "$ine" "stats counts the InE errors ($ine)"
timeouts=$(lta_api GET "/api/v1/analyses/$id/timeouts")
is "$(lta_status)" 200 "GET .../timeouts: 200"
is "$(echo "$timeouts" | jq -r '.timeouts[] | select(.entity == "fault-server" and .name == "backend") | .samples >= 60')" \
	true "the backend interaction estimate has its samples"
t=$(echo "$timeouts" | jq -r '.timeouts[] | select(.name == "backend") | .timeout_ns')
ok "$([ "$t" -ge 50000000 ] && [ "$t" -le 2000000000 ] && echo 0 || echo 1)" \
	"its timeout ($t ns) is within the floor and the ceiling"
page=$(lta_api GET "/api/v1/analyses/$id/errors?limit=2")
is "$(echo "$page" | jq -r '.errors | length')" 2 "paging: 2 errors per page"
next=$(echo "$page" | jq -r .next)
ok "$([ "$next" -gt 0 ] 2>/dev/null && echo 0 || echo 1)" "a first page of 2 has a cursor ($next)"
is "$(lta_api GET "/api/v1/analyses/$id/errors?limit=2&after=$next" | jq -r --argjson n "${next:-0}" '.errors[0].id > $n')" \
	true "the next page starts after the cursor"
lta_api GET "/api/v1/analyses/$id/errors?type=bogus" >/dev/null
is "$(lta_status)" 400 "an unknown type is a 400"
lta_api GET "/api/v1/analyses/$id/errors?colour=red" >/dev/null
is "$(lta_status)" 400 "an unknown parameter is a 400"

before=$(errors "" | jq -c 'del(.late_end_ns)' | sort)
lta_daemon_stop
is "$LTAD_STOP_STATUS" 0 "SIGTERM stops the daemon"
lta_daemon_start "$tmp/d" --no-relayd || true
after=$(errors "" | jq -c 'del(.late_end_ns)' | sort)
is "$after" "$before" "after a restart, the same errors are served"
is "$(lta_api GET "/api/v1/analyses/$id/stats" | jq -r .errors.InE)" "$ine" \
	"and stats counts them from the store"
# The estimates are in the analysis's last snapshot, in the store.
samples=$(echo "$timeouts" | jq -r '.timeouts[] | select(.name == "backend") | .samples')
later=$(lta_api GET "/api/v1/analyses/$id/timeouts")
is "$(echo "$later" | jq -r .available)" true \
	"estimates of an earlier run: available from its last snapshot"
ok "$(echo "$later" | jq -e --argjson s "$samples" '.timeouts[] | select(.name == "backend") | .samples >= $s' >/dev/null && echo 0 || echo 1)" \
	"with the backend estimate (at least the $samples samples served before)"
lttng destroy fe >/dev/null 2>&1
done_testing
