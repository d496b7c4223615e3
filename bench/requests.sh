#!/bin/bash
# Request benchmark: lttng-analyzer requests --format=jsonl against babeltrace2's dummy sink on
# the same trace, run in alternation, and our peak RSS at two trace sizes.
#
#   bench/requests.sh [--events N] [--small N] [--runs R]
#
# Records (or reuses, in bench/.cache/) traces of N (default 5,000,000) and
# of --small (default 1,000,000) events with tests/utils/gen-trace through a
# private lttng-sessiond, in a blocking channel (nothing discarded). Then,
# R times (default 3) each, alternating:
#   babeltrace2 TRACE -c sink.utils.dummy
#   lttng-analyzer requests --format=jsonl TRACE > /dev/null
# and prints each run, the median events/s of each, the ratio
# ours/babeltrace2 (goal >= 0.8: segmenting and writing the dataset cost
# little on top of decoding) and our peak RSS at both sizes (must not grow).
# Builds an optimized, non-sanitized lttng-analyzer in _build/bench.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
events=5000000
small=1000000
runs=3
while [ $# -gt 0 ]; do
	case $1 in
	--events) events=$2; shift 2 ;;
	--small) small=$2; shift 2 ;;
	--runs) runs=$2; shift 2 ;;
	*) echo "usage: $0 [--events N] [--small N] [--runs R]" >&2; exit 2 ;;
	esac
done
. "$top/bench/common.sh"

big=$(trace "$events")
little=$(trace "$small")
echo "trace: $big ($events events, $(du -sh "$big" | cut -f1))"
echo "run  babeltrace2-dummy(s)  lttng-analyzer-requests(s)"
bt_times=""
our_times=""
for i in $(seq 1 "$runs"); do
	read -r bt_s _ <<<"$(timed babeltrace2 "$big" -c sink.utils.dummy)"
	read -r our_s our_kb <<<"$(timed "$cli" requests --format=jsonl "$big")"
	bt_times="$bt_times $bt_s"
	our_times="$our_times $our_s"
	printf "%3d  %20s  %23s\n" "$i" "$bt_s" "$our_s"
done
read -r _ small_kb <<<"$(timed "$cli" requests --format=jsonl "$little")"
# babeltrace2's own peak RSS grows with the trace (about 6 MiB from 1M to 5M
# events here): show it, so that ours is read against it.
read -r _ bt_big_kb <<<"$(timed babeltrace2 "$big" -c sink.utils.dummy)"
read -r _ bt_small_kb <<<"$(timed babeltrace2 "$little" -c sink.utils.dummy)"
report "$events" "$small" "$our_kb" "$small_kb" "$bt_times" "$our_times" \
	"lttng-analyzer requests jsonl" 0.8 "$bt_big_kb" "$bt_small_kb"
