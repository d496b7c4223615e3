#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Fault-injection campaigns for timing-failure detection, live, like the
# original on-agent study but automated. One traced Apache (contrib/testbed:
# prefork + PHP under the user-space system-call tracer, a live session with
# a 100 ms live timer, per-UID buffers) and lttng-analyzerd attached to the
# session before anything runs. Two campaigns in that session:
#
#   rbl      tests/utils/fault-server (instrumented with <lttng-analyzer/
#            rbl.h>: one service per request, one interaction with a backend
#            per request), a fresh process per experiment, loaded by wrk; the
#            fault at a random request: service-hang, interaction-hang,
#            crash (SIGSEGV), slow (within bounds) or none.
#   apache   the same faults without instrumentation: starts and ends
#            derived from Apache's system calls; normal traffic is wrk on a
#            PHP page that calls the backend; the fault is one request to a
#            PHP page that spins (service-hang), waits on a backend that
#            never answers (interaction-hang), kills its own worker with
#            SIGSEGV (crash) or sleeps 20 ms (slow), at a random moment.
#
# Each experiment: normal traffic around the fault; the errors the API
# serves for it (origin rbl, or derived for Apache) are classified:
#   detected     an error of the fault's type (service-hang: CoE,
#                interaction-hang: InE, crash: crash) for the faulty request,
#                raised within its timeout plus one live timer after its
#                start (crash: the one crash error of the process, raised
#                within one live timer plus the 100 ms process check after
#                the fault, in trace time);
#   false alarm  any other error raised during the experiment (before the
#                hung process is killed at its end).
# Prints per campaign: coverage per fault type, mean detection delay (the
# wall time from the fault to the error being served by the API), false
# alarms per 10,000 normal requests (wrk's completed requests).
#
#   bench/fault-campaign.sh [--experiments N] [--campaign rbl|apache|both]
#                           [--seed S] [--out DIR]
# N experiments per campaign (default 100; about 18 minutes for both on 2
# cores). Needs root (LTTng daemons in a private mount namespace, as the
# tests). The relay daemon's copy of the trace stays in DIR/tb/trace: about
# 7 GB for 2 x 100 experiments (1.7M requests); delete it after.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
n=100
campaign=both
seed=$$
out=
while [ $# -gt 0 ]; do
	case $1 in
	--experiments) n=$2; shift 2 ;;
	--campaign) campaign=$2; shift 2 ;;
	--seed) seed=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	*) echo "usage: $0 [--experiments N] [--campaign rbl|apache|both] [--seed S] [--out DIR]" >&2; exit 2 ;;
	esac
done
case $campaign in rbl | apache | both) ;; *) echo "bad --campaign" >&2; exit 2 ;; esac
"$top/contrib/install-deps.sh"
build=$top/_build/bench
if [ ! -x "$build/src/lttng-analyzerd/lttng-analyzerd" ] || [ ! -x "$build/tests/utils/fault-server" ] ||
   [ -n "$(find "$top/lib" "$top/src" "$top/tests/utils" "$top/contrib/syscall-tracer" -newer "$build/src/lttng-analyzerd/lttng-analyzerd" -name '*.[ch]' | head -1)" ]; then
	echo "== building (optimized, no sanitizers) in $build" >&2
	[ -x "$top/configure" ] || (cd "$top" && autoreconf -fi >/dev/null 2>&1)
	mkdir -p "$build"
	(cd "$build" && { [ -f Makefile ] || "$top/configure" CFLAGS="-O2 -g" >/dev/null; } &&
		make -j"$(nproc)" >/dev/null)
fi
top_srcdir=$top
top_builddir=$build
. "$top/tests/utils/test-lib.sh" >/dev/null
. "$top/tests/utils/daemon-env.sh"
out=${out:-$(mktemp -d "${TMPDIR:-/tmp}/lta-campaign.XXXXXX")}
mkdir -p "$out"
trap 'lta_daemon_stop' EXIT
live_timer=100000
lta_daemon_start "$out/d" --timeout-ceiling-ms=2000
echo "== results in $out (seed $seed, $n experiments per campaign)" >&2

# The PHP pages of the Apache campaign. The backend port is in backend.port
# beside them (written by the hook once the backend listens).
pages=$out/pages
mkdir -p "$pages"
cat >"$pages/normal.php" <<'EOF'
<?php
// A normal request: a little work, one call to the backend.
header('Content-Type: text/plain');
$port = (int)file_get_contents(__DIR__ . '/backend.port');
$fp = fsockopen('127.0.0.1', $port, $errno, $errstr, 5);
if (!$fp) { http_response_code(502); exit; }
stream_set_timeout($fp, 10);
fwrite($fp, "PING\n");
$reply = fgets($fp);
fclose($fp);
$sum = 0;
for ($i = 0; $i < 2000; $i++) { $sum += $i * $i % 7; }
echo "ok ", trim((string)$reply), " ", $sum, "\n";
EOF
cat >"$pages/fault.php" <<'EOF'
<?php
// One faulty request; ?type=service-hang|interaction-hang|crash|slow.
header('Content-Type: text/plain');
$type = $_GET['type'] ?? 'none';
$port = (int)file_get_contents(__DIR__ . '/backend.port');
if ($type === 'service-hang') {
	set_time_limit(15); // A bound on the experiment: CPU seconds.
	$i = 0;
	for (;;) { $i++; }
}
if ($type === 'crash') {
	posix_kill(getmypid(), 11); // SIGSEGV: the worker dies mid-request.
}
$fp = fsockopen('127.0.0.1', $port, $errno, $errstr, 5);
stream_set_timeout($fp, 15); // A bound on the interaction hang.
if ($type === 'interaction-hang') {
	fwrite($fp, "HANG\n");
} elseif ($type === 'slow') {
	fwrite($fp, "SLOW 20\n");
} else {
	fwrite($fp, "PING\n");
}
$reply = fgets($fp);
fclose($fp);
echo "fault ", $type, " ", trim((string)$reply), "\n";
EOF

export LTAD_URL LTAD_TOKEN n campaign seed live_timer
export camp=$out
export server=$build/tests/utils/fault-server pages

cat >"$out/hook.sh" <<'HOOK'
set -u
RANDOM=$seed
faults=(service-hang interaction-hang crash slow none)
api() { curl -s -m 10 -H "Authorization: Bearer $LTAD_TOKEN" "$LTAD_URL$1"; }
now() { date +%s%N; }
body=$(printf '{"url":"%s"}' "$LTA_TESTBED_LIVE_URL")
id=$(curl -s -X POST -H "Authorization: Bearer $LTAD_TOKEN" \
	-H 'Content-Type: application/json' --data-binary "$body" \
	"$LTAD_URL/api/v1/analyses" | jq -r .id)
for _ in $(seq 1 200); do
	[ "$(api "/api/v1/analyses/$id" | jq -r .status)" = live ] && break
	sleep 0.05
done
echo "$id" >"$camp/analysis-id"
# The backend: not traced (LD_PRELOAD is not inherited here).
"$server" backend --port 0 >"$camp/backend.out" 2>&1 &
backend=$!
spid=
trap 'kill -KILL $backend $spid 2>/dev/null' EXIT
for _ in $(seq 1 100); do grep -q READY "$camp/backend.out" && break; sleep 0.05; done
bport=$(sed -n 's/.*READY port=\([0-9]*\).*/\1/p' "$camp/backend.out")
docroot=$(sed -n 's/^DocumentRoot "\(.*\)"$/\1/p' "$LTA_TESTBED_OUT/apache2.conf")
echo "$bport" >"$docroot/backend.port"
chmod a+r "$docroot/backend.port"
base=${LTA_TESTBED_HTTP_URL%/*}

expected_type() {
	case $1 in
	service-hang) echo CoE ;; interaction-hang) echo InE ;; crash) echo crash ;; *) echo none ;;
	esac
}

# wait_detect QUERY SINCE_NS BOUND_S [KEY]: polls (20 ms) until an error
# matching QUERY (and KEY) with start_ns >= SINCE_NS is served; prints the
# wall time and the error.
wait_detect() {
	local end=$(($(date +%s) + $3)) e
	while [ "$(date +%s)" -le "$end" ]; do
		e=$(api "/api/v1/analyses/$id/errors?limit=1000$1" |
			jq -c --argjson s "$2" --argjson k "${4:--1}" \
				'[.errors[] | select(.start_ns >= $s and ($k < 0 or .key == $k))][0] // empty')
		if [ -n "$e" ]; then
			echo "$(now) $e"
			return 0
		fi
		sleep 0.02
	done
	return 1
}

# record CAMPAIGN FAULT NORMAL DETECTED_LINE FALSE_ALARMS FAULT_NS
record() {
	local vis="" err="" delay="" intime=0 bound
	if [ -n "$4" ]; then
		vis=${4%% *}
		err=${4#* }
		delay=$(( (vis - $6) / 1000000 ))
		# Differences in jq (doubles: ~256 ns steps at these values).
		if [ "$2" = crash ]; then
			bound=$(( live_timer * 1000 + 100000000 ))
			[ "$(echo "$err" | jq --argjson f "$6" '.raised_ns - $f | floor')" -le "$bound" ] && intime=1
		else
			bound=$(( $(echo "$err" | jq -r '.timeout_ns') + live_timer * 1000 ))
			[ "$(echo "$err" | jq '.raised_ns - .start_ns | floor')" -le "$bound" ] && intime=1
		fi
	fi
	echo "$1 $2 normal=$3 detected=$intime delay_ms=${delay:--} false=$5" >>"$camp/experiments.txt"
	echo "$1 $2 normal=$3 detected=$intime delay_ms=${delay:--} false=$5" >&2
}

# count_false QUERY FROM_NS TO_NS EXCLUDE_ID KILLED_PID KILLED_NS: errors
# raised in [FROM, TO) matching QUERY, other than EXCLUDE_ID and than the
# crash of the hung process the campaign killed itself.
count_false() {
	api "/api/v1/analyses/$id/errors?limit=1000$1&from=$2&to=$3" |
		jq --argjson x "${4:-0}" --argjson kp "${5:-0}" --argjson kt "${6:-0}" \
			'[.errors[] | select(.id != $x and
				(.pid != $kp or .raised_ns < $kt))] | length'
}

wrk_requests() { sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$1"; }

rbl_experiment() {
	local fault=$1 at=$((20 + RANDOM % 1500)) t0 sport line fault_ns want found="" tk normal fid=0
	t0=$(now)
	"$server" serve --port 0 --backend-port "$bport" --fault "$fault" --fault-at "$at" \
		>"$camp/server.out" 2>&1 &
	spid=$!
	for _ in $(seq 1 100); do grep -q READY "$camp/server.out" && break; sleep 0.02; done
	sport=$(sed -n 's/.*READY port=\([0-9]*\).*/\1/p' "$camp/server.out")
	wrk -t1 -c2 -d3s --timeout 3s "http://127.0.0.1:$sport/" >"$camp/wrk.txt" 2>&1 &
	local wrk_pid=$!
	want=$(expected_type "$fault")
	fault_ns=
	for _ in $(seq 1 250); do
		line=$(grep FAULT "$camp/server.out" || true)
		[ -n "$line" ] && break
		kill -0 "$wrk_pid" 2>/dev/null || break
		sleep 0.02
	done
	fault_ns=$(echo "$line" | sed -n 's/.*ts_ns=\([0-9]*\).*/\1/p')
	if [ "$want" != none ] && [ -n "$fault_ns" ]; then
		if [ "$fault" = crash ]; then
			# One crash per process, named after its oldest open
			# start: maybe the request another connection had in
			# flight, not the faulty one.
			found=$(wait_detect "&origin=rbl&pid=$spid&type=crash" "$t0" 5 || true)
		else
			found=$(wait_detect "&origin=rbl&pid=$spid&type=$want" "$((fault_ns - 5000000))" 5 "$at" || true)
		fi
	fi
	local killed_ns=0
	if [ "$fault" = service-hang ] || [ "$fault" = interaction-hang ]; then
		# Detected (or not): the operator restarts the hung server.
		killed_ns=$(now)
		kill -KILL "$spid" 2>/dev/null || true
	fi
	wait "$wrk_pid" 2>/dev/null || true
	sleep 0.3 # The last requests reach the analysis (live timer).
	tk=$(now)
	[ "$killed_ns" != 0 ] || killed_ns=$tk
	kill -KILL "$spid" 2>/dev/null || true
	wait "$spid" 2>/dev/null || true
	normal=$(wrk_requests "$camp/wrk.txt")
	[ -n "$found" ] && fid=$(echo "${found#* }" | jq -r .id)
	if [ -z "$fault_ns" ] && [ "$fault" != none ]; then
		echo "rbl $fault: fault not reached (request $at; $normal requests)" >&2
		echo "rbl $fault skipped" >>"$camp/experiments.txt"
		return
	fi
	record rbl "$fault" "${normal:-0}" "$found" \
		"$(count_false "&origin=rbl&pid=$spid" "$t0" "$tk" "$fid" "$spid" "$killed_ns")" "${fault_ns:-0}"
}

apache_experiment() {
	local fault=$1 t0 tf want found="" tk normal fid=0 delay_ms curl_pid=
	t0=$(now)
	wrk -t1 -c2 -d3s --timeout 5s "$base/normal.php" >"$camp/wrk.txt" 2>&1 &
	local wrk_pid=$!
	delay_ms=$((300 + RANDOM % 1500))
	sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
	want=$(expected_type "$fault")
	tf=$(now)
	if [ "$fault" != none ]; then
		curl -s -m 20 -o /dev/null "$base/fault.php?type=$fault" &
		curl_pid=$!
	fi
	local killed_ns=0 wpid=0
	if [ "$want" != none ]; then
		found=$(wait_detect "&origin=derived&entity=apache2&type=$want" "$((tf - 1000000))" 6 || true)
	fi
	if [ -n "$found" ]; then
		fid=$(echo "${found#* }" | jq -r .id)
		if [ "$fault" != crash ]; then
			# The operator kills the hung worker; prefork replaces it.
			wpid=$(echo "${found#* }" | jq -r .pid)
			killed_ns=$(now)
			kill -KILL "$wpid" 2>/dev/null || true
		fi
	fi
	wait "$wrk_pid" 2>/dev/null || true
	sleep 0.3
	tk=$(now)
	# An undetected hang ends by its own bound (15 s): wait for its curl.
	[ -z "$curl_pid" ] || wait "$curl_pid" 2>/dev/null || true
	normal=$(wrk_requests "$camp/wrk.txt")
	record apache "$fault" "${normal:-0}" "$found" \
		"$(count_false "&origin=derived" "$t0" "$tk" "$fid" "$wpid" "$killed_ns")" "$tf"
	sleep 0.5 # prefork replaces a killed worker.
}

: >"$camp/experiments.txt"
for c in rbl apache; do
	[ "$campaign" = both ] || [ "$campaign" = "$c" ] || continue
	# One request of each kind first: estimates out of their warm-up.
	for i in $(seq 1 "$n"); do
		f=${faults[$((RANDOM % 5))]}
		"${c}_experiment" "$f"
	done
done
kill "$backend" 2>/dev/null || true
HOOK

top_builddir=$build bash "$top/contrib/testbed/run.sh" --mpm prefork --page php \
	--duration 0 --live-timer "$live_timer" --pages "$pages" --out "$out/tb" \
	--on-ready "bash $out/hook.sh" >"$out/testbed.log" 2>&1 || {
	tail -20 "$out/testbed.log" >&2
	exit 1
}

# --- the report ---------------------------------------------------------------
/usr/bin/python3 - "$out/experiments.txt" <<'PY'
import re, sys
rows = {}
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) < 3 or f[2] == 'skipped':
        continue
    kv = dict(x.split('=') for x in f[2:])
    rows.setdefault(f[0], []).append((f[1], kv))
for campaign in ('rbl', 'apache'):
    if campaign not in rows:
        continue
    exps = rows[campaign]
    normal = sum(int(kv['normal']) for _, kv in exps)
    false = sum(int(kv['false']) for _, kv in exps)
    print(f"== {campaign} campaign: {len(exps)} experiments, {normal} normal requests")
    delays = []
    for fault in ('service-hang', 'interaction-hang', 'crash', 'slow', 'none'):
        e = [kv for f, kv in exps if f == fault]
        if not e:
            continue
        if fault in ('slow', 'none'):
            print(f"  {fault:17} {len(e):3} runs (no error expected)")
            continue
        det = sum(int(kv['detected']) for kv in e)
        d = [int(kv['delay_ms']) for kv in e if kv['delay_ms'] != '-']
        delays += d
        mean = sum(d) / len(d) if d else float('nan')
        print(f"  {fault:17} {len(e):3} runs  coverage {100.0 * det / len(e):6.2f}%  "
              f"mean detection delay {mean:7.1f} ms")
    hangs = [kv for f, kv in exps if f in ('service-hang', 'interaction-hang', 'crash')]
    det = sum(int(kv['detected']) for kv in hangs)
    if hangs:
        print(f"  hangs and crashes: coverage {100.0 * det / len(hangs):.2f}% (goal >= 99%); "
              f"mean detection delay {sum(delays) / max(len(delays), 1):.1f} ms")
    rate = 10000.0 * false / normal if normal else float('nan')
    print(f"  false alarms: {false} in {normal} normal requests = {rate:.2f} per 10,000 (goal < 1)")
PY
