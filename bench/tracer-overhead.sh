#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Tracer overhead: wrk throughput and latency of Apache untraced and traced
# by the user-space system-call tracer, runs alternated.
#
#   bench/tracer-overhead.sh [--runs N] [--duration S] [--connections C]
#       [--threads T] [--mpm event|prefork] [--page static|php]
#       [--no-preload-only] [--out DIR] [--keep] [--lib PATH]
#
# Each round runs contrib/testbed/run.sh once in each mode, same load:
#   untraced   plain Apache (--trace none)
#   traced     tracer preloaded and a live session recording its events
#              (--trace session: lttng-sessiond, consumerd and relayd
#              share the 2 cores with Apache and wrk, as they would)
#   preload    tracer preloaded, no session daemon (--trace preload): the
#              cost of the wrappers alone; dropped by --no-preload-only
# N rounds (default 3), D seconds of wrk each (default 10), 16 connections,
# 2 threads, event MPM, static page. Prints one line per run (requests/s,
# latency p50 and p99 from wrk --latency, requests, discarded events), then
# per mode the median of each, and the median over rounds of the throughput
# ratio traced/untraced (each traced run against the untraced run just
# before it; also preload/untraced).
#
# The load is closed-loop (wrk: each connection sends its next request when
# the previous answer is in), so a slower server shows as lower throughput
# and higher latency both. Results go to DIR (default: a new
# ${TMPDIR:-/tmp}/lta-overhead.XXXXXX); each run's trace and access log
# (~200 MB and ~20 MB for 10 s) are deleted after the run unless --keep.
# Needs root (private session daemon).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
runs=3
duration=10
connections=16
threads=2
mpm=event
page=static
preload_only=yes
out=
keep=
lib=
usage()
{
	sed -n '/^#   bench/,/^#       \[--no-preload/p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}
while [ $# -gt 0 ]; do
	case $1 in
	--runs) runs=${2:-}; shift 2 ;;
	--duration) duration=${2:-}; shift 2 ;;
	--connections) connections=${2:-}; shift 2 ;;
	--threads) threads=${2:-}; shift 2 ;;
	--mpm) mpm=${2:-}; shift 2 ;;
	--page) page=${2:-}; shift 2 ;;
	--no-preload-only) preload_only=; shift ;;
	--out) out=${2:-}; shift 2 ;;
	--keep) keep=yes; shift ;;
	--lib) lib=${2:-}; shift 2 ;;
	*) usage ;;
	esac
done
case $runs in '' | *[!0-9]* | 0) usage ;; esac

"$top/contrib/install-deps.sh"
# The tracer is built without sanitizers in any build tree: use the one
# run.sh finds, or build it in _build/bench (optimized, like the other
# benchmarks' builds).
if [ -z "$lib" ] && [ -z "${top_builddir:-}" ] &&
	! ls "$top"/contrib/syscall-tracer/.libs/liblttng-analyzer-syscalls.so \
		"$top"/_build/*/contrib/syscall-tracer/.libs/liblttng-analyzer-syscalls.so \
		>/dev/null 2>&1; then
	build=$top/_build/bench
	echo "== building the tracer (optimized) in $build" >&2
	[ -x "$top/configure" ] || (cd "$top" && autoreconf -fi >/dev/null 2>&1)
	mkdir -p "$build"
	(cd "$build" && { [ -f Makefile ] || "$top/configure" CFLAGS="-O2 -g" >/dev/null; } &&
		make -j"$(nproc)" contrib/syscall-tracer/liblttng-analyzer-syscalls.la >/dev/null) ||
		exit 1
	lib=$build/contrib/syscall-tracer/.libs/liblttng-analyzer-syscalls.so
fi

if [ -z "$out" ]; then
	out=$(mktemp -d "${TMPDIR:-/tmp}/lta-overhead.XXXXXX") || exit 1
	chmod 755 "$out"
fi
mkdir -p "$out" || exit 1

modes="none session"
[ -z "$preload_only" ] || modes="$modes preload"

label()
{
	case $1 in
	none) echo untraced ;;
	session) echo traced ;;
	preload) echo preload ;;
	esac
}

# wrk_latency_us FILE PERCENT: a latency percentile of wrk --latency, in µs.
wrk_latency_us()
{
	awk -v p="$2%" '$1 == p {
		v = $2
		if (v ~ /us$/) { sub(/us$/, "", v); f = 1 }
		else if (v ~ /ms$/) { sub(/ms$/, "", v); f = 1000 }
		else if (v ~ /s$/) { sub(/s$/, "", v); f = 1000000 }
		else if (v ~ /m$/) { sub(/m$/, "", v); f = 60000000 }
		printf "%.0f\n", v * f
		exit
	}' "$1"
}

# median: of the numbers on stdin.
median()
{
	sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "-"; exit }
		if (NR % 2) print v[(NR + 1) / 2]
		else printf "%.6g\n", (v[NR / 2] + v[NR / 2 + 1]) / 2
	}'
}

echo "Apache $mpm MPM, $page page; wrk -t$threads -c$connections -d${duration}s, $runs rounds; $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "results: $out"
printf "%-5s %-9s %10s %9s %9s %9s %10s\n" round mode "req/s" "p50(us)" "p99(us)" requests discarded
results=$out/results.txt
: >"$results"
for round in $(seq 1 "$runs"); do
	for mode in $modes; do
		dir=$out/round-$round-$(label "$mode")
		bash "$top/contrib/testbed/run.sh" --trace "$mode" --mpm "$mpm" \
			--page "$page" --duration "$duration" \
			--connections "$connections" --threads "$threads" \
			${lib:+--lib "$lib"} --out "$dir" >"$dir.log" 2>&1 || {
			echo "run $round $(label "$mode") failed:" >&2
			tail -20 "$dir.log" >&2
			exit 1
		}
		[ -n "$keep" ] || rm -rf "$dir/trace" "$dir/access.log"
		rps=$(awk '/^Requests\/sec:/ { print $2 }' "$dir/wrk.txt")
		p50=$(wrk_latency_us "$dir/wrk.txt" 50)
		p99=$(wrk_latency_us "$dir/wrk.txt" 99)
		n=$(awk '/ requests in / { print $1 }' "$dir/wrk.txt")
		disc=$(sed -n 's/^discarded_events=//p' "$dir/summary.txt")
		printf "%-5s %-9s %10s %9s %9s %9s %10s\n" "$round" \
			"$(label "$mode")" "$rps" "$p50" "$p99" "$n" "${disc:--}"
		echo "$round $mode $rps $p50 $p99 $n ${disc:--}" >>"$results"
	done
done

echo
printf "%-9s %12s %13s %13s\n" mode "median req/s" "median p50(us)" "median p99(us)"
for mode in $modes; do
	printf "%-9s %12s %13s %13s\n" "$(label "$mode")" \
		"$(awk -v m="$mode" '$2 == m { print $3 }' "$results" | median)" \
		"$(awk -v m="$mode" '$2 == m { print $4 }' "$results" | median)" \
		"$(awk -v m="$mode" '$2 == m { print $5 }' "$results" | median)"
done

# ratio MODE: the median over rounds of MODE's req/s over untraced's.
ratio()
{
	awk -v m="$1" '$2 == "none" { base[$1] = $3 } $2 == m { r[$1] = $3 }
		END { for (i in r) if (base[i] > 0) printf "%.4f\n", r[i] / base[i] }' \
		"$results" | median
}
echo
echo "throughput ratio traced/untraced (median over rounds): $(ratio session)"
[ -z "$preload_only" ] ||
	echo "throughput ratio preload/untraced (median over rounds): $(ratio preload)"
disc=$(awk '$2 == "session" && $7 != "-" { n += $7 } END { print n + 0 }' "$results")
[ "$disc" -eq 0 ] ||
	echo "warning: traced runs discarded $disc events: their throughput is optimistic" >&2
exit 0
