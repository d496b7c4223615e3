#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Soak: N analyses (default 200) of one recorded trace in a row through one
# lttng-analyzerd, and its resident memory (VmRSS of the daemon process;
# each analysis runs in a worker process of its own) after the first and
# after the last; then K analyses at once (default 8) and the RSS while
# they run: the daemon's memory as a function of its open analyses.
# Prints both, the growth, and the goal (growth within 50 MB).
#
#   bench/soak.sh [--analyses N] [--parallel K] [--events E]
#
# The trace: E events (default 200,000) from tests/utils/gen-trace,
# recorded once (bench/.cache). Builds an optimized lttng-analyzerd in
# _build/bench. Needs root (the trace is recorded with a private
# lttng-sessiond).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/common.sh"
analyses=200
parallel=8
events=200000
while [ $# -gt 0 ]; do
	case $1 in
	--analyses) analyses=$2; shift 2 ;;
	--parallel) parallel=$2; shift 2 ;;
	--events) events=$2; shift 2 ;;
	*) echo "usage: $0 [--analyses N] [--parallel K] [--events E]" >&2; exit 2 ;;
	esac
done
(cd "$build" && make -j"$(nproc)" src/lttng-analyzerd/lttng-analyzerd >/dev/null)
trace_dir=$(trace "$events")
top_srcdir=$top
top_builddir=$build
. "$top/tests/utils/test-lib.sh" >/dev/null
. "$top/tests/utils/daemon-env.sh"
tmp=$(mktemp -d)
trap 'lta_daemon_stop; rm -rf "$tmp"' EXIT
lta_daemon_start "$tmp/d" --no-relayd --max-analyses="$parallel"

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$LTAD_PID/status"; }

# run_one: POSTs the trace, waits (bounded) until the analysis has ended.
run_one()
{
	local id end
	id=$(lta_api POST /api/v1/analyses "{\"path\":\"$trace_dir\"}" | jq -r .id)
	end=$(($(date +%s) + 120))
	until [ "$(lta_api GET "/api/v1/analyses/$id" | jq -r .status)" = ended ]; do
		[ "$(date +%s)" -lt "$end" ] || { echo "analysis $id did not end" >&2; exit 1; }
		sleep 0.05
	done
	echo "$id"
}

t0=$(date +%s%N)
first=$(run_one)
rss_first=$(rss_kb)
requests=$(lta_api GET "/api/v1/analyses/$first" | jq -r .requests)
for i in $(seq 2 "$analyses"); do
	run_one >/dev/null
done
rss_last=$(rss_kb)
seconds=$(echo "($(date +%s%N) - $t0) / 1000000000" | bc -l)

# K at once: the daemon's RSS while they run.
ids=
for i in $(seq 1 "$parallel"); do
	ids="$ids $(lta_api POST /api/v1/analyses "{\"path\":\"$trace_dir\"}" | jq -r .id)"
done
# One more while they run: over the cap (--max-analyses).
refused=$(lta_api POST /api/v1/analyses "{\"path\":\"$trace_dir\"}" | jq -r .error.code; lta_status)
peak=0
end=$(($(date +%s) + 120))
while :; do
	r=$(rss_kb)
	[ "$r" -gt "$peak" ] && peak=$r
	running=0
	for id in $ids; do
		[ "$(lta_api GET "/api/v1/analyses/$id" | jq -r .running)" = true ] && running=$((running + 1))
	done
	[ "$running" -gt 0 ] && [ "$(date +%s)" -lt "$end" ] || break
	sleep 0.1
done

printf 'trace: %s (%s events, %s requests per analysis)\n' "$trace_dir" "$events" "$requests"
printf '%d analyses in a row in %.1f s\n' "$analyses" "$seconds"
printf "daemon RSS after the first: %'d KiB\n" "$rss_first"
printf "daemon RSS after the last:  %'d KiB (growth %+d KiB; goal within 50 MB: %s)\n" \
	"$rss_last" $((rss_last - rss_first)) \
	"$([ $((rss_last - rss_first)) -le 51200 ] && echo met || echo MISSED)"
printf "daemon RSS with %d analyses running at once: %'d KiB at most (%+d KiB over idle)\n" \
	"$parallel" "$peak" $((peak - rss_last))
printf 'a POST while they ran (%d allowed at once): %s\n' "$parallel" "$(echo $refused)"
