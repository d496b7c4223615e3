#!/bin/bash
# Decode benchmark: lttng-analyzer stats against babeltrace2's dummy sink on
# the same trace, run in alternation, and our peak RSS at two trace sizes.
#
#   bench/decode.sh [--events N] [--small N] [--runs R]
#
# Records (or reuses, in bench/.cache/) traces of N (default 5,000,000) and
# of --small (default 1,000,000) events with tests/utils/gen-trace through a
# private lttng-sessiond, in a blocking channel (nothing discarded). Then,
# R times (default 3) each, alternating:
#   babeltrace2 TRACE -c sink.utils.dummy
#   lttng-analyzer stats TRACE > /dev/null
# and prints each run, the median events/s of each, the ratio
# ours/babeltrace2 (goal >= 0.85; 1.0 means the analysis costs nothing on
# top of decoding) and our peak RSS on the small and large traces.
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

"$top/contrib/install-deps.sh"
build=$top/_build/bench
if [ ! -x "$build/src/lttng-analyzer/lttng-analyzer" ] ||
   [ -n "$(find "$top/lib" "$top/src" -newer "$build/src/lttng-analyzer/lttng-analyzer" -name '*.[ch]' | head -1)" ]; then
	echo "== building (optimized, no sanitizers) in $build" >&2
	[ -x "$top/configure" ] || (cd "$top" && autoreconf -fi >/dev/null 2>&1)
	mkdir -p "$build"
	(cd "$build" && { [ -f Makefile ] || "$top/configure" CFLAGS="-O2 -g" >/dev/null; } &&
		make -j"$(nproc)" src/lttng-analyzer/lttng-analyzer tests/utils/gen-trace >/dev/null)
fi
cli=$build/src/lttng-analyzer/lttng-analyzer
cache=$top/bench/.cache
mkdir -p "$cache"

# trace N: the path of a cached trace of N events, recorded if needed.
trace()
{
	local dir=$cache/gen-$1 n
	n=$(cat "$dir.count" 2>/dev/null || echo 0)
	if [ "$n" != "$1" ] || [ ! -d "$dir" ]; then
		echo "== recording $1 events" >&2
		n=$(top_builddir=$build bash "$top/tests/utils/record-gen-trace.sh" "$dir" "$1" 4 requests)
		[ "$n" = "$1" ] || { echo "recorded $n events, wanted $1" >&2; exit 1; }
		echo "$n" >"$dir.count"
	fi
	echo "$dir"
}

# timed CMD...: prints "seconds peak-KiB" of one run.
timed()
{
	/usr/bin/time -f "%e %M" -o "$cache/time.out" "$@" >/dev/null 2>"$cache/err.out" || {
		cat "$cache/err.out" >&2
		exit 1
	}
	cat "$cache/time.out"
}

big=$(trace "$events")
little=$(trace "$small")
echo "trace: $big ($events events, $(du -sh "$big" | cut -f1))"
echo "run  babeltrace2-dummy(s)  lttng-analyzer-stats(s)"
bt_times=()
our_times=()
for i in $(seq 1 "$runs"); do
	read -r bt_s _ <<<"$(timed babeltrace2 "$big" -c sink.utils.dummy)"
	read -r our_s our_kb <<<"$(timed "$cli" stats "$big")"
	bt_times+=("$bt_s")
	our_times+=("$our_s")
	printf "%3d  %20s  %23s\n" "$i" "$bt_s" "$our_s"
done
read -r small_s small_kb <<<"$(timed "$cli" stats "$little")"

/usr/bin/python3 - "$events" "$small" "$our_kb" "$small_kb" "${bt_times[*]}" "${our_times[*]}" <<'PY'
import statistics, sys
events, small, big_kb, small_kb = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
bt = [float(x) for x in sys.argv[5].split()]
ours = [float(x) for x in sys.argv[6].split()]
bt_eps = events / statistics.median(bt)
our_eps = events / statistics.median(ours)
print(f"babeltrace2 -c sink.utils.dummy: {bt_eps:,.0f} events/s (median of {len(bt)})")
print(f"lttng-analyzer stats:            {our_eps:,.0f} events/s (median of {len(ours)})")
print(f"ratio ours/babeltrace2-dummy:    {our_eps / bt_eps:.3f} (goal >= 0.85)")
print(f"peak RSS lttng-analyzer stats:   {small_kb} KiB at {small:,} events, {big_kb} KiB at {events:,} events")
PY
