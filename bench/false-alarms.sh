#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# False alarms of the timing-failure agent on workloads with no fault, and
# the same figures for a baseline revision, side by side (issue 15, point
# 5: fewer than 1 false alarm per 10,000 requests).
#
#   bench/false-alarms.sh [--baseline REV] [--duration S] [--connections C]
#                         [--no-live] [--no-offline] [--out DIR]
#
# offline  lttng-analyzer errors --format=json, with and without kinds
#          (--no-kinds), on ../shared/traces/apache-prefork-kernel-3m
#          (Apache prefork, a static page and a 30 ms CGI under wrk, no
#          fault; 77,251 requests), extracted once outside the tree
#          (bench/common.sh: LTA_BENCH_TRACES, LTA_SHARED_TRACES).
# live     four recorded runs of contrib/testbed/run.sh --page mixed (the
#          static page, and 1 request in 50 to a CGI script sleeping
#          30 ms), prefork and event MPMs, KeepAlive off and on, S seconds
#          each (default 10) under wrk with C connections (default 8),
#          traced by the user-space system-call tracer in a live session;
#          then lttng-analyzer errors on each recorded trace. Needs root
#          (private LTTng daemons, as the tests). The traces stay in DIR.
# Every error on these workloads is a false alarm (none is injected). Per
# trace and per build: requests (offline: the agent's starts, one per
# request; live: wrk's completed requests plus run.sh's readiness probe),
# errors by type (InE, CoE, crash), late ends, errors per 10,000
# requests; then the live total. --baseline REV (e.g. the merge before the
# tail-aware timeout) builds REV's lttng-analyzer from `git archive`
# (no worktree) in ${TMPDIR:-/var/tmp}/lta-baseline-REV, once.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
baseline=
duration=10
connections=8
live=yes
offline=yes
out=
while [ $# -gt 0 ]; do
	case $1 in
	--baseline) baseline=$2; shift 2 ;;
	--duration) duration=$2; shift 2 ;;
	--connections) connections=$2; shift 2 ;;
	--no-live) live=; shift ;;
	--no-offline) offline=; shift ;;
	--out) out=$2; shift 2 ;;
	*)
		echo "usage: $0 [--baseline REV] [--duration S] [--connections C] [--no-live] [--no-offline] [--out DIR]" >&2
		exit 2
		;;
	esac
done
. "$top/bench/common.sh"
out=${out:-$(mktemp -d "${TMPDIR:-/tmp}/lta-false-alarms.XXXXXX")}
mkdir -p "$out"
echo "== results in $out" >&2

builds=("this:$cli")
if [ -n "$baseline" ]; then
	rev=$(git -C "$top" rev-parse --short "$baseline")
	bdir=${TMPDIR:-/var/tmp}/lta-baseline-$rev
	if [ ! -x "$bdir/_build/bench/src/lttng-analyzer/lttng-analyzer" ]; then
		echo "== building the baseline $rev (optimized) in $bdir" >&2
		mkdir -p "$bdir"
		git -C "$top" archive "$rev" | tar -x -C "$bdir"
		(cd "$bdir" && autoreconf -fi >/dev/null 2>&1 && mkdir -p _build/bench &&
			cd _build/bench && ../../configure CFLAGS="-O2 -g" >/dev/null &&
			make -j"$(nproc)" >/dev/null)
	fi
	builds=("baseline-$rev:$bdir/_build/bench/src/lttng-analyzer/lttng-analyzer" "${builds[@]}")
fi

# count NAME BUILD CLI TRACE REQUESTS [ARGS...]: one errors run, one line
# in $out/figures ("name build requests InE CoE crash late").
count()
{
	local name=$1 build=$2 bin=$3 trace=$4 requests=$5 json
	shift 5
	json=$out/errors-$name-$build.json
	"$bin" errors --jobs=1 --format=json "$@" "$trace" >"$json" 2>"$out/errors-$name-$build.err" || true
	if [ "$requests" = starts ]; then
		requests=$(sed -n 's/.*; \([0-9]*\) starts,.*/\1/p' "$out/errors-$name-$build.err" | tail -1)
	fi
	jq -rs --arg n "$name" --arg b "$build" --argjson r "${requests:-0}" '
		[.[] | select(.event == "error")] as $e |
		"\($n) \($b) \($r) \([$e[] | select(.type == "InE")] | length) \([$e[] | select(.type == "CoE")] | length) \([$e[] | select(.type == "crash")] | length) \([.[] | select(.event == "late_end")] | length)"' \
		"$json" >>"$out/figures"
}

: >"$out/figures"
if [ -n "$offline" ] && ktrace=$(kernel_trace); then
	for b in "${builds[@]}"; do
		count kernel-kinds "${b%%:*}" "${b#*:}" "$ktrace" starts
		count kernel-no-kinds "${b%%:*}" "${b#*:}" "$ktrace" starts --no-kinds
	done
fi

if [ -n "$live" ]; then
	for mpm in prefork event; do
		for ka in off on; do
			name=live-$mpm-ka-$ka
			echo "== $name: $duration s of wrk, $connections connections" >&2
			"$top/contrib/testbed/run.sh" --mpm "$mpm" --page mixed --keepalive "$ka" \
				--duration "$duration" --connections "$connections" \
				--out "$out/$name" >"$out/$name.log" 2>&1 || {
				echo "== $name failed: $(tail -2 "$out/$name.log")" >&2
				continue
			}
			requests=$(sed -n 's/^wrk_requests=//p' "$out/$name/summary.txt")
			grep -q '^discarded_events=0$' "$out/$name/summary.txt" ||
				echo "== $name: the tracer discarded events ($(grep discarded "$out/$name/summary.txt"))" >&2
			for b in "${builds[@]}"; do
				count "$name" "${b%%:*}" "${b#*:}" "$out/$name/trace" $((requests + 1))
			done
		done
	done
fi

echo
awk '
BEGIN { printf "%-22s %-18s %9s %5s %5s %5s %5s %12s\n", "trace", "build", "requests", "InE", "CoE", "crash", "late", "errors/10k" }
{
	e = $4 + $5 + $6
	printf "%-22s %-18s %9d %5d %5d %5d %5d %12.2f\n", $1, $2, $3, $4, $5, $6, $7, $3 ? e * 10000 / $3 : 0
	if ($1 ~ /^live-/) { lr[$2] += $3; le[$2] += e }
}
END {
	for (b in lr) printf "%-22s %-18s %9d %23s %12.2f\n", "live total", b, lr[b], le[b] " errors", le[b] * 10000 / lr[b]
}' "$out/figures"
