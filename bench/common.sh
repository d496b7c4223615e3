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

# baseline_build REV: an optimized build of git revision REV (a worktree
# in _build/baseline-REV), for --baseline; prints its lttng-analyzer path.
baseline_build()
{
	local rev dir
	rev=$(git -C "$top" rev-parse --short "$1") || exit 2
	dir=$top/_build/baseline-$rev
	if [ ! -x "$dir/_build/src/lttng-analyzer/lttng-analyzer" ]; then
		echo "== building the baseline $rev (optimized) in $dir" >&2
		[ -d "$dir" ] || git -C "$top" worktree add -f --detach "$dir" "$rev" >/dev/null 2>&1 || exit 1
		(cd "$dir" && autoreconf -fi >/dev/null 2>&1 && mkdir -p _build && cd _build &&
			../configure CFLAGS="-O2 -g" >/dev/null &&
			make -j"$(nproc)" src/lttng-analyzer/lttng-analyzer >/dev/null) || exit 1
	fi
	echo "$dir/_build/src/lttng-analyzer/lttng-analyzer"
}

# report EVENTS SMALL BIG_KB SMALL_KB "BT_TIMES" "OUR_TIMES" LABEL GOAL \
#        BT_BIG_KB BT_SMALL_KB ["BASE_TIMES" BASE_LABEL]
report()
{
	/usr/bin/python3 - "$@" <<'PY'
import statistics, sys
events, small, big_kb, small_kb = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
bt = [float(x) for x in sys.argv[5].split()]
ours = [float(x) for x in sys.argv[6].split()]
label, goal = sys.argv[7], float(sys.argv[8])
bt_big_kb, bt_small_kb = int(sys.argv[9]), int(sys.argv[10])
base = [float(x) for x in sys.argv[11].split()] if len(sys.argv) > 12 else []
bt_eps = events / statistics.median(bt)
our_eps = events / statistics.median(ours)
print(f"babeltrace2 -c sink.utils.dummy: {bt_eps:,.0f} events/s (median of {len(bt)})")
print(f"{label + ':':32} {our_eps:,.0f} events/s (median of {len(ours)})")
print(f"ratio ours/babeltrace2-dummy:    {our_eps / bt_eps:.3f} (goal >= {goal})")
if base:
    base_eps = events / statistics.median(base)
    print(f"baseline {sys.argv[12]}: {base_eps:,.0f} events/s, ratio to babeltrace2-dummy {base_eps / bt_eps:.3f}")
    print(f"ratio ours/baseline:             {our_eps / base_eps:.3f} (a regression beyond 5% is below 0.950)")
print(f"peak RSS, KiB:                   {small:,} events  {events:,} events")
print(f"  babeltrace2 -c sink.utils.dummy {bt_small_kb:>14}  {bt_big_kb:>14}")
print(f"  {label:31} {small_kb:>14}  {big_kb:>14}")
print(f"  ours - babeltrace2's            {small_kb - bt_small_kb:>14}  {big_kb - bt_big_kb:>14}"
      f"   (growth of ours beyond babeltrace2's: {(big_kb - bt_big_kb) - (small_kb - bt_small_kb)} KiB)")
PY
}

# compare_bench LABEL GOAL CMD...: the traces (trace $events, $small), then
# $runs rounds alternating babeltrace2's dummy sink and `CMD TRACE`, and
# the report. Uses events, small and runs from the caller.
compare_bench()
{
	local label=$1 goal=$2 big little i bt_s our_s our_kb small_kb
	local bt_big_kb bt_small_kb bt_times="" our_times=""
	shift 2
	local base_s base_times="" base_cli="" base_args
	big=$(trace "$events")
	little=$(trace "$small")
	if [ -n "$baseline" ]; then
		base_cli=$(baseline_build "$baseline")
		base_args=("$base_cli" "${@:2}")
	fi
	echo "trace: $big ($events events, $(du -sh "$big" | cut -f1))"
	printf "run  %20s  %s(s)%s\n" "babeltrace2-dummy(s)" "$label" \
		"${baseline:+  baseline $baseline(s)}"
	for i in $(seq 1 "$runs"); do
		read -r bt_s _ <<<"$(timed babeltrace2 "$big" -c sink.utils.dummy)"
		read -r our_s our_kb <<<"$(timed "$@" "$big")"
		bt_times="$bt_times $bt_s"
		our_times="$our_times $our_s"
		base_s=
		if [ -n "$base_cli" ]; then
			read -r base_s _ <<<"$(timed "${base_args[@]}" "$big")"
			base_times="$base_times $base_s"
		fi
		printf "%3d  %20s  %s  %s\n" "$i" "$bt_s" "$our_s" "$base_s"
	done
	read -r _ small_kb <<<"$(timed "$@" "$little")"
	# babeltrace2's own peak RSS grows with the trace (about 6 MiB from 1M
	# to 5M events here): show it, so that ours is read against it.
	read -r _ bt_big_kb <<<"$(timed babeltrace2 "$big" -c sink.utils.dummy)"
	read -r _ bt_small_kb <<<"$(timed babeltrace2 "$little" -c sink.utils.dummy)"
	report "$events" "$small" "$our_kb" "$small_kb" "$bt_times" "$our_times" \
		"$label" "$goal" "$bt_big_kb" "$bt_small_kb" \
		${baseline:+"$base_times" "$baseline"}
}

# bench_options ARGS...: --events, --small, --runs into the globals.
bench_options()
{
	events=5000000
	small=1000000
	runs=3
	baseline=
	while [ $# -gt 0 ]; do
		case $1 in
		--events) events=$2; shift 2 ;;
		--small) small=$2; shift 2 ;;
		--runs) runs=$2; shift 2 ;;
		--baseline) baseline=$2; shift 2 ;;
		*) echo "usage: $0 [--events N] [--small N] [--runs R] [--baseline GIT_REV]" >&2; exit 2 ;;
		esac
	done
}
