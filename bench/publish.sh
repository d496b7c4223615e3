#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Publishing benchmark (doc/fleet.md): the daemon's offline ingestion of the
# shared kernel trace (apache-prefork-kernel-3m, 3.45M events, 77,251
# requests) without publishing ("off") and publishing everything it stores
# to NATS JetStream ("on": --nats-url to a private nats-server -js on a free
# loopback port, its store in a mktemp folder), alternated, R runs each
# (default 3), in one invocation.
#
#   bench/publish.sh [--runs R]
#
# Each run starts a daemon of its own (optimized build, no sanitizers,
# --no-relayd, a data folder under a mktemp folder), POSTs the trace and
# polls GET /api/v1/analyses/ID every 50 ms until "ended": events/s is the
# analysis's events over the time from the POST to "ended". "on" runs then
# wait (bounded: 120 s) until the analysis's publish lag is 0 events, and
# read the daemon's /metrics: the publish lag (the write of an event in the store, inside the
# worker's transaction, to its
# acknowledgement by JetStream) p50 and p99 over every message of the run,
# and the largest lag in events seen while polling. Checks that can fail:
# each "on" run published as many request messages as requests stored
# (the stream's message count grows by the analysis's events). Also the
# CPU seconds of each run, which the machine's other load does not change
# much: the worker's (reaped child of the daemon), the daemon's own (HTTP,
# supervisor and, "on", the publisher thread) and nats-server's. Prints the
# runs, the medians, the ratio on/off of the events/s medians against the
# goal (at least 0.9) and the publish lag p99.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/common.sh"
runs=3
while [ $# -gt 0 ]; do
	case $1 in
	--runs) runs=$2; shift 2 ;;
	*) echo "usage: bench/publish.sh [--runs R]" >&2; exit 2 ;;
	esac
done
command -v nats-server >/dev/null || { echo "nats-server is not installed" >&2; exit 1; }
(cd "$build" && make -j2 src/lttng-analyzerd/lttng-analyzerd >/dev/null)
ltad=$build/src/lttng-analyzerd/lttng-analyzerd
ktrace=$(kernel_trace) || exit 1
work=$(mktemp -d)
nats_pid=
daemon_pid=
cleanup()
{
	[ -z "$daemon_pid" ] || { kill "$daemon_pid" 2>/dev/null; wait "$daemon_pid" 2>/dev/null || true; }
	[ -z "$nats_pid" ] || { kill "$nats_pid" 2>/dev/null; wait "$nats_pid" 2>/dev/null || true; }
	rm -rf "$work"
}
trap cleanup EXIT

port_free() { ! grep -qi ":$(printf '%04X' "$1") " /proc/net/tcp /proc/net/tcp6 2>/dev/null; }
nats_port=$((20000 + RANDOM % 30000))
until port_free $nats_port; do nats_port=$((20000 + RANDOM % 30000)); done
nats-server -js -a 127.0.0.1 -p $nats_port -sd "$work/js" >"$work/nats.log" 2>&1 &
nats_pid=$!
for _ in $(seq 1 100); do
	grep -q "Server is ready" "$work/nats.log" && break
	sleep 0.05
done
nats_url=nats://127.0.0.1:$nats_port

# cpu PID: "own children" CPU seconds of PID (utime+stime, cutime+cstime).
cpu()
{
	awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); printf "%.2f %.2f", ($12 + $13) / hz, ($14 + $15) / hz }' "/proc/$1/stat"
}

# run MODE N: one run; prints "MODE events/s p50_ms p99_ms max_lag_events
# worker_cpu daemon_cpu nats_cpu".
run()
{
	local mode=$1 n=$2 dir=$work/$1-$2 opts=() port token id st start end
	local events lag maxlag=0 t_end metrics p50 p99 stored published
	local nats0 nats1 own children
	mkdir -p "$dir"
	nats0=$(cpu $nats_pid | cut -d' ' -f1)
	[ "$mode" = on ] && opts=(--nats-url="$nats_url" --fleet-name="bench-$n")
	"$ltad" --data-dir="$dir/data" --port=0 --port-file="$dir/port" --no-relayd \
		--log-level=warn ${opts[@]+"${opts[@]}"} >"$dir/daemon.log" 2>&1 &
	daemon_pid=$!
	for _ in $(seq 1 200); do [ -s "$dir/port" ] && break; sleep 0.05; done
	port=$(cat "$dir/port")
	token=$(cat "$dir/data/token")
	start=$(date +%s%N)
	id=$(curl -s -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
		-d "{\"path\":\"$ktrace\"}" "http://127.0.0.1:$port/api/v1/analyses" | jq -r .id)
	t_end=$((start / 1000000000 + 600))
	while :; do
		st=$(curl -s "http://127.0.0.1:$port/api/v1/analyses/$id")
		[ "$mode" = on ] && {
			lag=$(echo "$st" | jq -r '.publish.lag_events // 0')
			[ "$lag" -gt "$maxlag" ] && maxlag=$lag
		}
		[ "$(echo "$st" | jq -r .status)" = ended ] && break
		[ "$(date +%s)" -lt $t_end ] || { echo "run $mode $n: not ended" >&2; exit 1; }
		sleep 0.05
	done
	end=$(date +%s%N)
	events=$(echo "$st" | jq -r .events)
	stored=$(echo "$st" | jq -r .requests)
	p50=- p99=-
	if [ "$mode" = on ]; then
		t_end=$(($(date +%s) + 120))
		while [ "$(curl -s "http://127.0.0.1:$port/api/v1/analyses/$id" | jq -r .publish.lag_events)" != 0 ]; do
			[ "$(date +%s)" -lt $t_end ] || { echo "run $n: not all published" >&2; exit 1; }
			sleep 0.1
		done
		metrics=$(curl -s "http://127.0.0.1:$port/metrics")
		p50=$(echo "$metrics" | awk '/^lttng_analyzerd_publish_lag_seconds\{quantile="0.5"\}/ { printf "%d", $2 * 1000 }')
		p99=$(echo "$metrics" | awk '/^lttng_analyzerd_publish_lag_seconds\{quantile="0.99"\}/ { printf "%d", $2 * 1000 }')
		published=$(echo "$metrics" | awk '/^lttng_analyzerd_publish_messages_total / { print $2 }')
		# Every event published: requests, windows, errors, statuses.
		[ "$published" -ge "$stored" ] || { echo "run $n: $published messages for $stored requests" >&2; exit 1; }
	fi
	# The worker reaped: its CPU is the daemon's children's.
	for _ in $(seq 1 100); do
		children=$(cpu "$daemon_pid" | cut -d' ' -f2)
		[ "$children" != 0.00 ] && break
		sleep 0.05
	done
	own=$(cpu "$daemon_pid" | cut -d' ' -f1)
	nats1=$(cpu $nats_pid | cut -d' ' -f1)
	kill "$daemon_pid"
	wait "$daemon_pid" 2>/dev/null || true
	daemon_pid=
	rm -rf "$dir"
	awk -v m="$mode" -v e="$events" -v t="$((end - start))" -v a="$p50" -v b="$p99" -v l="$maxlag" \
		-v w="$children" -v d="$own" -v n="$(awk -v a="$nats0" -v b="$nats1" 'BEGIN { print b - a }')" \
		'BEGIN { printf "%s %.0f %s %s %s %s %s %s\n", m, e / (t / 1e9), a, b, l, w, d, n }'
}

echo "== $ktrace, $runs runs each, alternated (nats-server on port $nats_port)"
: >"$work/results"
for n in $(seq 1 "$runs"); do
	for mode in off on; do
		r=$(run $mode "$n")
		echo "$r" >>"$work/results"
		echo "$r" | awk '{ printf "run %-3s events/s %9d   publish lag p50 %4s ms  p99 %4s ms  max lag %5s events   CPU s: worker %s daemon %s nats-server %s\n", $1, $2, $3, $4, ($1 == "on" ? $5 : "-"), $6, $7, $8 }'
	done
done
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
off=$(awk '$1 == "off" { print $2 }' "$work/results" | median)
on=$(awk '$1 == "on" { print $2 }' "$work/results" | median)
p99=$(awk '$1 == "on" { print $4 }' "$work/results" | median)
p50=$(awk '$1 == "on" { print $3 }' "$work/results" | median)
echo "== medians: events/s without publishing $off, with $on"
awk -v a="$on" -v b="$off" 'BEGIN { r = a / b; printf "== ratio with/without: %.3f (goal >= 0.9): %s\n", r, r >= 0.9 ? "PASS" : "FAIL" }'
for m in off on; do
	echo "== CPU seconds per run ($m), medians: worker $(awk -v m=$m '$1 == m { print $6 }' "$work/results" | median), daemon $(awk -v m=$m '$1 == m { print $7 }' "$work/results" | median), nats-server $(awk -v m=$m '$1 == m { print $8 }' "$work/results" | median)"
done
echo "== publish lag under load (store write to JetStream ack), medians of the runs: p50 $p50 ms, p99 $p99 ms"
