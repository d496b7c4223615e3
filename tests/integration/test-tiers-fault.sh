#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# test-tiers-fault.sh: a fault in the database tier, detected live (issue
# 15): a query that sleeps (SELECT SLEEP(2)) under normal load raises an
# interaction error on the database component, within its timeout plus one
# live timer, and names the database request.
#
# lttng-analyzerd (no relay daemon of its own) runs beside the three-tier
# testbed (contrib/testbed/run.sh --tiers 3: Apache prefork, PHP, a
# private MariaDB over TCP, all under the preloaded tracer in a live
# session with a 100 ms live timer). run.sh brings no load (--duration 0):
# its --on-ready hook, tests/utils/tiers-fault-load.sh, attaches the
# daemon to the session, runs wrk on db.php (8 connections, 6 s), waits
# until the daemon's estimate of the database component's poll is out of
# its warm-up, then requests db-sleep.php once while wrk runs; after the
# load it keeps Apache up until the analysis has read past the load's end
# (30 s at most): a lagging analysis would otherwise find the workers
# gone, in wall time, while it still reads their requests.
#
# Checks, on the daemon's API (GET .../errors, .../timeouts,
# .../requests/{rid}) once the run is over:
# - the fault: an InE whose name is the database component's
#   (mariadbd@127.0.0.1:PORT:CALL), raised in the Apache process that
#   logged the db-sleep.php request, starting during that request;
# - raised_ns - start_ns <= timeout_ns + one live timer;
# - its downstream_request is a request id (> 0) the API serves, of
#   procname mariadbd and that component, lasting about 2 s (>= 1.9 s),
#   whose upstream is the web request of db-sleep.php, and the InE was
#   raised while that database request ran (before its end);
# - lttng-analyzer errors, replaying the recorded trace, raises the same
#   InE and names a database request of the same start and duration;
# - the errors raised during the normal load besides the fault's are
#   counted and listed (diagnostics only: false alarms are judged apart).
# The control: a second run, identical but for the page requested at the
# fault's moment (db.php): the same search finds no such InE.
#
# A missing package fails the test (as test-testbed-tiers.sh); a machine
# that cannot run a private session daemon skips it.
#
# Output: TAP. make check sets top_srcdir and top_builddir; by hand:
#   top_builddir=BUILD tests/integration/test-tiers-fault.sh
# Keep the results: LTA_TESTBED_KEEP=1 (their folder is printed).

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/utils/test-lib.sh"
. "$top_srcdir/tests/utils/lttng-env.sh"
. "$top_srcdir/tests/utils/daemon-env.sh"
. "$top_srcdir/tests/utils/tiers-prereq.sh"

RUN=$top_srcdir/contrib/testbed/run.sh
HOOK=$top_srcdir/tests/utils/tiers-fault-load.sh
LIB=$top_builddir/contrib/syscall-tracer/.libs/liblttng-analyzer-syscalls.so
LIVE_TIMER_US=100000
# The daemon's defaults, said here: a derived estimate rules after 10
# samples; before, its timeout is at least half the ceiling (15 s).
WARMUP=10
export FAULT_LOAD_S=${LTA_FAULT_LOAD_S:-6} FAULT_CONNECTIONS=8
export FAULT_WARMUP=$WARMUP

lta_tiers_prerequisites
[ -x "$LTAD" ] || missing "$LTAD is not built"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/lta-test-fault.XXXXXX")
# Apache's workers (www-data) and mariadbd (mysql) reach their files in
# run.sh's temporary folders, made under $WORK/tmp.
chmod 755 "$WORK"
mkdir -m 755 "$WORK/tmp"
cleanup()
{
	lta_daemon_stop
	[ -n "${LTA_TESTBED_KEEP:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT
[ -z "${LTA_TESTBED_KEEP:-}" ] || diag "results kept in $WORK"

# The daemon reads the testbed's relay daemon: it needs none of its own.
lta_daemon_start "$WORK/d" --no-relayd ||
	missing "lttng-analyzerd does not start"

# value FILE KEY: the value of a key=value line (empty when absent).
value()
{
	sed -n "s/^$2=//p" "$1" 2>/dev/null | head -1
}

# page_line OUT PAGE: the access log's line of the one request of PAGE
# (a request line starting with "GET /PAGE"): pid, start (µs since the
# epoch) and duration (µs), space-separated.
page_line()
{
	awk -v p="\"GET /$2" 'index($0, p) { print $7, $3, $4 }' \
		"$1/access.log" 2>/dev/null | head -1
}

# find_ine ERRORS COMPONENT PID FROM_NS TO_NS: the first InE of ERRORS
# (the API's error page) named COMPONENT:CALL, of process PID, starting in
# [FROM_NS, TO_NS]; empty when there is none.
find_ine()
{
	jq -c --arg c "$2:" --argjson pid "$3" --argjson from "$4" \
		--argjson to "$5" \
		'[.errors[]? | select(.type == "InE" and .kind == "interaction"
			and (.name | startswith($c)) and .pid == $pid
			and .start_ns >= $from and .start_ns <= $to)][0] // empty' \
		"$1"
}

# run_testbed NAME MODE: one testbed run with the hook in MODE (sleep or
# control); its results under $WORK/NAME.
run_testbed()
{
	local name=$1 mode=$2 dir=$WORK/$1 status

	mkdir -p "$dir"
	TMPDIR=$WORK/tmp timeout --kill-after=10 100 bash "$RUN" --tiers 3 \
		--lib "$LIB" --out "$dir/tb" --duration 0 \
		--live-timer "$LIVE_TIMER_US" --subbuf-size 8M --num-subbuf 8 \
		--on-ready "bash '$HOOK' '$dir/res' $mode" \
		>"$dir/run.log" 2>&1
	status=$?
	ok "$status" "$name: the testbed ran (Apache, PHP, MariaDB, live session, the hook)"
	[ "$status" -eq 0 ] || tail -15 "$dir/run.log" | sed 's/^/# /'
	is "$(value "$dir/tb/summary.txt" registered)" yes \
		"$name: every Apache process and mariadbd registered with the session daemon"
	is "$(value "$dir/res/hook.txt" status)" live \
		"$name: the daemon's analysis of the testbed's live session is live"
	is "$(value "$dir/res/hook.txt" wrk_status)" 0 "$name: wrk ran its load"
	[ "$(value "$dir/res/hook.txt" warm_samples)" -ge "$WARMUP" ] 2>/dev/null
	ok $? "$name: the estimate of $(value "$dir/res/hook.txt" component):poll left its warm-up before the fault ($(value "$dir/res/hook.txt" warm_samples) samples)"
	pid=$(value "$dir/tb/summary.txt" db_pid)
	[ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" != mariadbd ] &&
		[ "$(value "$dir/tb/summary.txt" db_stop)" = shutdown ]
	ok $? "$name: mariadbd (pid ${pid:-none}) stopped on mariadb-admin shutdown"
}

# summary ERRORS_JSON: "N x TYPE ENTITY NAME, ..." of an array of errors.
summary()
{
	jq -r '[.[] | "\(.type) \(.entity) \(.name)"] | group_by(.) |
		map("\(length) x \(.[0])") | join(", ")' "$1" 2>/dev/null
}

# others NAME FAULT_ID RID PID FROM_NS TO_NS: the errors raised during
# the load other than the fault's: not FAULT_ID, not the database request
# RID's own, not those of process PID starting in [FROM_NS, TO_NS] (the
# web request of the fault's page); into $WORK/NAME/others.json, and a
# diagnostic. The lead judges false alarms from these.
others()
{
	local dir=$WORK/$1

	jq -c --argjson x "${2:-0}" --argjson rid "${3:-0}" \
		--argjson pid "${4:-0}" --argjson ps "${5:-0}" --argjson pe "${6:-0}" \
		--argjson from "$(value "$dir/res/hook.txt" load_start_ns || echo 0)" \
		--argjson to "$(value "$dir/res/hook.txt" load_end_ns || echo 0)" \
		'[.errors[]? | select(.raised_ns >= $from and .raised_ns <= $to
			and .id != $x
			and (.entity != "mariadbd" or .key != $rid
				or .kind != "service")
			and (.pid != $pid or .start_ns < $ps or .start_ns > $pe))]' \
		"$dir/errors.json" >"$dir/others.json"
	diag "$1: $(jq length "$dir/others.json") other errors raised during the load ($(summary "$dir/others.json")); wrk $(awk '/ requests in / { print $1, "requests in", $4 }' "$dir/res/wrk.txt")"
	diag "$1: by Apache's own log, $(awk '$4 > 50000 && index($0, "\"GET /db.php ")' "$dir/tb/access.log" 2>/dev/null | wc -l) requests of db.php took more than 50 ms (the timeout floor), of $(grep -c '"GET /db.php ' "$dir/tb/access.log" 2>/dev/null)"
	diag "$1: the live analysis lagged $(value "$dir/res/hook.txt" lag_ns_at_fault) ns behind the wall clock when the page was requested; it read past the load's end $(( ($(value "$dir/res/hook.txt" caught_up_ns || echo 0) - $(value "$dir/res/hook.txt" load_end_ns || echo 0)) / 1000000 )) ms after it (caught up: $(value "$dir/res/hook.txt" caught_up))"
}

# fetch_errors NAME: the analysis's errors, once the run is over.
fetch_errors()
{
	local dir=$WORK/$1 id

	id=$(value "$dir/res/hook.txt" analysis)
	lta_api GET "/api/v1/analyses/${id:-0}/errors?limit=1000" \
		>"$dir/errors.json"
	lta_api GET "/api/v1/analyses/${id:-0}/timeouts" >"$dir/timeouts.json"
}

# --- the fault --------------------------------------------------------------------------

run_testbed sleep sleep
dir=$WORK/sleep
id=$(value "$dir/res/hook.txt" analysis)
component=$(value "$dir/res/hook.txt" component)
fetch_errors sleep
read -r curl_code curl_time <"$dir/res/fault-curl.txt" 2>/dev/null
is "${curl_code:-none}" 200 "sleep: db-sleep.php answered 200 (in ${curl_time:-?} s)"
read -r page_pid page_us page_dur_us <<<"$(page_line "$dir/tb" db-sleep.php)"
[ "${page_dur_us:-0}" -ge 1900000 ] 2>/dev/null
ok $? "sleep: Apache logged db-sleep.php, served by pid ${page_pid:-none} in ${page_dur_us:-?} µs (>= 1.9 s)"

ine=
if [ -n "$page_pid" ]; then
	ine=$(find_ine "$dir/errors.json" "$component" "$page_pid" \
		$(((page_us - 1000) * 1000)) $(((page_us + page_dur_us) * 1000)))
fi
[ -n "$ine" ]
ok $? "sleep: an InE on $component: in the process that served db-sleep.php, started during its request"
echo "$ine" >"$dir/ine.json"
field()
{
	[ -n "$ine" ] && jq -r ".$1 // empty" <<<"$ine"
}
start_ns=$(field start_ns)
raised_ns=$(field raised_ns)
timeout_ns=$(field timeout_ns)
rid=$(field downstream_request)
diag "sleep: InE id $(field id): $(field entity) $(field name) pid $(field pid) tid $(field tid), start_ns $start_ns raised_ns $raised_ns timeout_ns $timeout_ns downstream_request ${rid:-null}"
delay=
[ -n "$raised_ns" ] && [ -n "$start_ns" ] && delay=$((raised_ns - start_ns))
[ -n "$delay" ] && [ -n "$timeout_ns" ] &&
	[ "$delay" -le $((timeout_ns + LIVE_TIMER_US * 1000)) ]
ok $? "sleep: raised ${delay:-?} ns after its start: within its timeout (${timeout_ns:-?} ns) plus one live timer ($((LIVE_TIMER_US * 1000)) ns)"
[ -n "$timeout_ns" ] && [ "$timeout_ns" -lt 1900000000 ]
ok $? "sleep: its timeout (${timeout_ns:-?} ns) is the estimate's, shorter than the sleep"
[ "${rid:-0}" -gt 0 ] 2>/dev/null
ok $? "sleep: the InE names the database request still running (downstream_request ${rid:-null})"

# The database request, once stored (its end is the sleep's answer).
record=
if [ "${rid:-0}" -gt 0 ] 2>/dev/null; then
	end=$(($(date +%s) + 10))
	while :; do
		record=$(lta_api GET "/api/v1/analyses/$id/requests/$rid")
		[ "$(lta_status)" = 200 ] && [ "$(jq -r '.duration_ns // empty' <<<"$record" 2>/dev/null)" != "" ] && break
		record=
		[ "$(date +%s)" -lt "$end" ] || break
		sleep 0.2
	done
fi
echo "$record" >"$dir/downstream.json"
[ -n "$record" ]
ok $? "sleep: the API serves request $rid (GET .../requests/$rid)"
rfield()
{
	[ -n "$record" ] && jq -r ".$1 // empty" <<<"$record"
}
is "$(rfield procname)" mariadbd "sleep: request $rid is mariadbd's"
is "$(rfield component)" "$component" "sleep: request $rid is of the database component"
rdur=$(rfield duration_ns)
rstart=$(rfield start_ns)
[ "${rdur:-0}" -ge 1900000000 ] 2>/dev/null && [ "$rdur" -le 5000000000 ]
ok $? "sleep: request $rid lasted about 2 s (${rdur:-?} ns)"
[ -n "$rstart" ] && [ -n "$raised_ns" ] && [ -n "$rdur" ] &&
	[ "$raised_ns" -ge "$rstart" ] && [ "$raised_ns" -lt $((rstart + rdur)) ]
ok $? "sleep: the InE was raised while request $rid ran ($((raised_ns - ${rstart:-0})) ns after its start, $((${rstart:-0} + ${rdur:-0} - raised_ns)) ns before its end)"
up=$(rfield upstream)
upline=
if [ -n "$up" ] && [ "$up" -gt 0 ] 2>/dev/null; then
	upline=$(lta_api GET "/api/v1/analyses/$id/requests/$up" |
		jq -r '.request_line // empty')
fi
case $upline in
"GET /db-sleep.php"*) ok 0 "sleep: its upstream, request $up, is the web request of db-sleep.php" ;;
*) ok 1 "sleep: its upstream (${up:-none}) is the web request of db-sleep.php (request line: ${upline:-none})" ;;
esac

# The CLI's replay of the recorded trace (the agent runs on trace time:
# the same errors at the same times): the same InE, naming a database
# request of the same start and duration. Request ids are each run's
# own numbering, so the request is compared, not its id. The API's times
# went through jq (doubles): compared within 2 µs.
cli=$top_builddir/src/lttng-analyzer/lttng-analyzer
cine=
if [ -n "$start_ns" ] && [ -d "$dir/tb/trace" ]; then
	"$cli" errors --format=json "$dir/tb/trace" >"$dir/cli-errors.jsonl" \
		2>"$dir/cli-errors.err"
	cine=$(jq -c --arg n "$(field name)" --argjson s "$start_ns" \
		--argjson r "$raised_ns" \
		'select(.event == "error" and .type == "InE" and .name == $n
			and ((.start_ns - $s) | fabs) < 2000
			and ((.raised_ns - $r) | fabs) < 2000)' \
		"$dir/cli-errors.jsonl" 2>/dev/null | head -1)
fi
[ -n "$cine" ]
ok $? "sleep: lttng-analyzer errors on the recorded trace raises the same InE (same start and raise times)"
crid=$([ -n "$cine" ] && jq -r '.downstream_request' <<<"$cine")
creq=
if [ "${crid:-0}" -gt 0 ] 2>/dev/null; then
	"$cli" requests --format=jsonl "$dir/tb/trace" 2>/dev/null |
		jq -c --argjson i "$crid" 'select(.id == $i)' >"$dir/cli-request.json"
	creq=$(jq -c --argjson s "${rstart:-0}" --argjson d "${rdur:-0}" \
		'select(.procname == "mariadbd" and ((.start_ns - $s) | fabs) < 2000
			and ((.duration_ns - $d) | fabs) < 2000)' \
		"$dir/cli-request.json" 2>/dev/null)
fi
[ -n "$creq" ]
ok $? "sleep: the CLI's InE names a database request (${crid:-none}) of the same start and duration as the daemon's ($rid)"

# What the daemon served live, and when (wall clock).
fault_ns=$(value "$dir/res/hook.txt" fault_ns)
served_ns=$(value "$dir/res/hook.txt" served_ns)
diag "sleep: the InE was first served by GET .../errors $(((${served_ns:-0} - ${fault_ns:-0}) / 1000000)) ms after the page was requested (the page still waiting: $(value "$dir/res/hook.txt" served_while_waiting); the analysis's lag then: $(value "$dir/res/hook.txt" lag_ns_at_served) ns)"
diag "sleep: estimate before the fault: $(jq -c --arg n "$component:poll" '[.timeouts[]? | select(.name == $n)][0] | {samples, mean_ns, deviation_ns, timeout_ns}' "$dir/res/timeouts-before.json" 2>/dev/null)"

others sleep "$(field id)" "$rid" "$page_pid" \
	$(((${page_us:-0} - 1000) * 1000)) $(((${page_us:-0} + ${page_dur_us:-0}) * 1000))
diag "sleep: every error of the run: $(jq '.errors' "$dir/errors.json" >"$dir/all.json"; summary "$dir/all.json")"

# --- the control: no sleep ------------------------------------------------------------

run_testbed control control
dir=$WORK/control
component=$(value "$dir/res/hook.txt" component)
fetch_errors control
read -r curl_code curl_time <"$dir/res/fault-curl.txt" 2>/dev/null
is "${curl_code:-none}" 200 "control: db.php?control answered 200 (in ${curl_time:-?} s)"
read -r page_pid page_us page_dur_us <<<"$(page_line "$dir/tb" "db.php?control")"
[ -n "$page_pid" ]
ok $? "control: Apache logged db.php?control, served by pid ${page_pid:-none} in ${page_dur_us:-?} µs"
ine=
if [ -n "$page_pid" ]; then
	ine=$(find_ine "$dir/errors.json" "$component" "$page_pid" \
		$(((page_us - 1000) * 1000)) $(((page_us + page_dur_us) * 1000)))
fi
is "${ine:-none}" none "control: no InE on $component: in the process that served the control page, during it"
others control 0 0 "$page_pid" \
	$(((${page_us:-0} - 1000) * 1000)) $(((${page_us:-0} + ${page_dur_us:-0}) * 1000))

done_testing
