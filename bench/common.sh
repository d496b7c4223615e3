# Shared by the benchmarks: an optimized build and cached generated traces.
# Source it after setting top; it sets cli, build, cache and defines
# trace N (path of a cached N-event trace) and timed CMD (prints "s KiB").

"$top/contrib/install-deps.sh"
build=$top/_build/bench
if [ ! -x "$build/src/lttng-analyzer/lttng-analyzer" ] ||
   [ -n "$(find "$top/lib" "$top/src" "$top/tests/utils" -newer "$build/src/lttng-analyzer/lttng-analyzer" -name '*.[ch]' | head -1)" ]; then
	echo "== building (optimized, no sanitizers) in $build" >&2
	[ -x "$top/configure" ] || (cd "$top" && autoreconf -fi >/dev/null 2>&1)
	mkdir -p "$build"
	(cd "$build" && { [ -f Makefile ] || "$top/configure" CFLAGS="-O2 -g" >/dev/null; } &&
		make -j"$(nproc)" src/lttng-analyzer/lttng-analyzer tests/utils/gen-trace >/dev/null)
fi
cli=$build/src/lttng-analyzer/lttng-analyzer
cache=$top/bench/.cache
mkdir -p "$cache"
# The generator's output format; bump when gen-trace changes what it emits.
gen_version=2

# trace N: the path of a cached trace of N events, recorded if needed.
trace()
{
	local dir=$cache/gen-$1 n
	n=$(cat "$dir.count" 2>/dev/null || echo 0)
	if [ "$n" != "$1 v$gen_version" ] || [ ! -d "$dir" ]; then
		echo "== recording $1 events" >&2
		n=$(top_builddir=$build bash "$top/tests/utils/record-gen-trace.sh" "$dir" "$1" 4 requests)
		[ "$n" = "$1" ] || { echo "recorded $n events, wanted $1" >&2; exit 1; }
		echo "$n v$gen_version" >"$dir.count"
	fi
	echo "$dir"
}

# timed CMD...: prints "seconds peak-KiB" of one run (stdout discarded).
timed()
{
	/usr/bin/time -f "%e %M" -o "$cache/time.out" "$@" >/dev/null 2>"$cache/err.out" || {
		cat "$cache/err.out" >&2
		exit 1
	}
	cat "$cache/time.out"
}

# report EVENTS SMALL BIG_KB SMALL_KB "BT_TIMES" "OUR_TIMES" LABEL GOAL \
#        BT_BIG_KB BT_SMALL_KB
report()
{
	/usr/bin/python3 - "$@" <<'PY'
import statistics, sys
events, small, big_kb, small_kb = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
bt = [float(x) for x in sys.argv[5].split()]
ours = [float(x) for x in sys.argv[6].split()]
label, goal = sys.argv[7], float(sys.argv[8])
bt_big_kb, bt_small_kb = int(sys.argv[9]), int(sys.argv[10])
bt_eps = events / statistics.median(bt)
our_eps = events / statistics.median(ours)
print(f"babeltrace2 -c sink.utils.dummy: {bt_eps:,.0f} events/s (median of {len(bt)})")
print(f"{label + ':':32} {our_eps:,.0f} events/s (median of {len(ours)})")
print(f"ratio ours/babeltrace2-dummy:    {our_eps / bt_eps:.3f} (goal >= {goal})")
print(f"peak RSS, KiB:                   {small:,} events  {events:,} events")
print(f"  babeltrace2 -c sink.utils.dummy {bt_small_kb:>14}  {bt_big_kb:>14}")
print(f"  {label:31} {small_kb:>14}  {big_kb:>14}")
print(f"  ours - babeltrace2's            {small_kb - bt_small_kb:>14}  {big_kb - bt_big_kb:>14}"
      f"   (growth of ours beyond babeltrace2's: {(big_kb - bt_big_kb) - (small_kb - bt_small_kb)} KiB)")
PY
}
