#!/bin/bash
# Request benchmark: lttng-analyzer requests --format=jsonl against babeltrace2's dummy sink on
# the same trace, run in alternation, and our peak RSS at two trace sizes.
#
#   bench/requests.sh [--events N] [--small N] [--runs R] [--baseline REV]
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
# --baseline REV also runs the lttng-analyzer of git revision REV (built in
# _build/baseline-REV) in the same alternation, and prints its ratio and
# ours/baseline: a regression check measured side by side.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/common.sh"
bench_options "$@"
compare_bench "lttng-analyzer requests jsonl" 0.8 "$cli" requests --format=jsonl
