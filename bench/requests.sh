#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Request benchmark: lttng-analyzer requests --format=jsonl against
# babeltrace2's dummy sink (its decoding floor) on the same traces, runs
# alternated, and our peak RSS at two trace sizes.
#
#   bench/requests.sh [--events N] [--small N] [--runs R] [--kernel-runs R]
#                     [--jobs N] [--baseline REV] [--traces kernel,generated]
#
# The traces, in one invocation:
#   kernel     ../shared/traces/apache-prefork-kernel-3m.tar.xz (Apache
#              prefork under wrk, 3.45M events), extracted once into
#              ${LTA_BENCH_TRACES:-/var/tmp/lta-bench-traces}, outside the
#              source tree (LTA_SHARED_TRACES: where the .tar.xz is); when
#              absent, said so, and only the generated traces are benched.
#   generated  N (default 5,000,000) and --small (default 1,000,000)
#              events of tests/utils/gen-trace, recorded (or reused, in
#              bench/.cache/) through a private lttng-sessiond in a
#              blocking channel (nothing discarded); needs root to record.
# On each, rounds (R: 5 on the kernel trace, 3 on the generated one) that
# alternate, output to /dev/null:
#   babeltrace2 TRACE -c sink.utils.dummy
#   lttng-analyzer requests --format=jsonl TRACE            (default --jobs)
#   lttng-analyzer requests --format=jsonl --jobs=1 TRACE   (one graph)
# (--jobs N: the second with --jobs=N; a build without --jobs runs the
# second only). Prints each run, then per trace, side by side, the medians
# of wall time, CPU time and peak RSS; the wall-time ratio
# ours/babeltrace2 (lower is better; goal <= 0.8 with the default --jobs:
# cutting requests and writing the dataset end sooner than babeltrace2
# alone decodes); CPU per event of each and of the analysis on top of
# decoding ((our CPU with --jobs=1 - babeltrace2's CPU) / events); and
# the peak RSS at --small and N generated events (must stay flat).
# Builds an optimized, non-sanitized lttng-analyzer in _build/bench.
# --baseline REV also runs the lttng-analyzer of git revision REV (built in
# _build/baseline-REV) in the same alternation, and prints its ratio and
# ours/baseline: a regression check measured side by side.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/common.sh"
bench_options "$@"
compare_bench "lttng-analyzer requests --format=jsonl" 0.8 "$cli" requests --format=jsonl
