# SPDX-License-Identifier: GPL-2.0-only
# Shared by the benchmarks: an optimized build, the traces they run on, and
# the side-by-side comparison of lttng-analyzer with babeltrace2's dummy
# sink that decode.sh and requests.sh print. Source it after setting top;
# it sets cli, build, cache, and defines:
#   trace N              path of a cached generated trace of N events
#   kernel_trace         path of the shared kernel trace, extracted once
#   trace_list FILE      the traces of --traces, "NAME RUNS PATH" lines
#   event_count DIR      events in a trace, as babeltrace2 counts them
#   timed CMD...         "wall-s CPU-s peak-KiB" of one run
#   has_jobs CMD...      whether CMD has --jobs (parallel decoding)
#   baseline_build REV [TARGET...]   an optimized build of revision REV
#   bench_options ARGS, compare_bench LABEL GOAL CMD...
# shellcheck shell=bash

# shellcheck disable=SC2154 # top is the caller's.
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
# shellcheck disable=SC2034 # for the caller.
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

# The shared kernel trace: Apache prefork under wrk, 3.45 million events
# (../shared/traces/README.md). It ships compressed beside the project's
# checkout and is extracted once, outside the source tree, then reused.
# LTA_SHARED_TRACES names the shared folder (as for the tests),
# LTA_BENCH_TRACES where it is extracted.
shared_traces=${LTA_SHARED_TRACES:-$top/../shared/traces}
bench_traces=${LTA_BENCH_TRACES:-/var/tmp/lta-bench-traces}
kernel_name=apache-prefork-kernel-3m

# kernel_trace: prints the path of the extracted kernel trace, extracting
# it first when needed; fails, saying why on stderr, when the compressed
# trace is not there.
kernel_trace()
{
	local tarball=$shared_traces/$kernel_name.tar.xz
	local dir=$bench_traces/$kernel_name tmp
	if [ -d "$dir" ]; then
		echo "$dir"
		return 0
	fi
	if [ ! -f "$tarball" ]; then
		echo "== no kernel trace: $tarball is absent (set LTA_SHARED_TRACES to the folder that has it)" >&2
		return 1
	fi
	case $(realpath -m "$bench_traces")/ in
	"$(realpath "$top")"/*)
		echo "== LTA_BENCH_TRACES=$bench_traces is inside the source tree: not extracting there" >&2
		return 1
		;;
	esac
	mkdir -p "$bench_traces"
	echo "== extracting $tarball into $bench_traces (once)" >&2
	# Into a scratch folder first: an interrupted extraction is never
	# taken for the trace.
	tmp=$(mktemp -d "$bench_traces/.extract.XXXXXX")
	if ! tar -xJf "$tarball" -C "$tmp" || [ ! -f "$tmp/$kernel_name/metadata" ]; then
		echo "== $tarball did not give $kernel_name/metadata" >&2
		rm -rf "$tmp"
		return 1
	fi
	mv "$tmp/$kernel_name" "$dir"
	rmdir "$tmp"
	echo "$dir"
}

# event_count DIR: the events of the trace in DIR, as babeltrace2's
# counter sink counts them (the figures per event are divided by this).
event_count()
{
	babeltrace2 "$1" -c sink.utils.counter -p 'step=+0' |
		awk '$2 == "Event" { n = $1 } END { print n + 0 }'
}

# timed CMD...: prints "wall-s CPU-s peak-KiB" of one run (stdout
# discarded); CPU is user + system, threads and waited-for children
# included.
timed()
{
	/usr/bin/time -f "%e %U %S %M" -o "$cache/time.out" "$@" >/dev/null 2>"$cache/err.out" || {
		cat "$cache/err.out" >&2
		exit 1
	}
	awk '{ printf "%s %.2f %s\n", $1, $2 + $3, $4 }' "$cache/time.out"
}

# cpu_busy: seconds of CPU time that the whole machine has spent busy
# (user, nice, system, interrupts, steal) since it started: compared
# with the CPU time of the measured commands, it says how much else ran
# during a bench.
cpu_busy()
{
	awk -v hz="$(getconf CLK_TCK)" \
		'$1 == "cpu" { printf "%.2f\n", ($2 + $3 + $4 + $7 + $8 + $9) / hz }' /proc/stat
}

# has_jobs CMD...: succeeds when `CMD --help` lists --jobs (decoding a
# recorded trace with several babeltrace2 graphs; older builds have one).
has_jobs()
{
	"$@" --help 2>&1 | grep -q -e '--jobs'
}

# baseline_build REV [TARGET...]: an optimized build of git revision REV
# (a worktree in _build/baseline-REV) with TARGET built (default
# src/lttng-analyzer/lttng-analyzer), for --baseline; prints its build
# folder.
baseline_build()
{
	local rev dir target missing=
	rev=$(git -C "$top" rev-parse --short "$1") || exit 2
	shift
	[ $# -gt 0 ] || set -- src/lttng-analyzer/lttng-analyzer
	dir=$top/_build/baseline-$rev
	for target in "$@"; do
		[ -x "$dir/_build/$target" ] || missing=yes
	done
	if [ -n "$missing" ]; then
		echo "== building the baseline $rev (optimized) in $dir: $*" >&2
		[ -d "$dir" ] || git -C "$top" worktree add -f --detach "$dir" "$rev" >/dev/null 2>&1 || exit 1
		(cd "$dir" && { [ -f _build/Makefile ] || { autoreconf -fi >/dev/null 2>&1 &&
			mkdir -p _build && cd _build && ../configure CFLAGS="-O2 -g" >/dev/null; }; } &&
			make -C "$dir/_build" -j"$(nproc)" "$@" >/dev/null) || exit 1
	fi
	echo "$dir/_build"
}

# bench_options ARGS...: the options of decode.sh and requests.sh into
# globals (see their header).
bench_options()
{
	events=5000000
	small=1000000
	runs=3
	kernel_runs=5
	jobs=
	baseline=
	traces=kernel,generated
	while [ $# -gt 0 ]; do
		case $1 in
		--events) events=$2; shift 2 ;;
		--small) small=$2; shift 2 ;;
		--runs) runs=$2; shift 2 ;;
		--kernel-runs) kernel_runs=$2; shift 2 ;;
		--jobs) jobs=$2; shift 2 ;;
		--baseline) baseline=$2; shift 2 ;;
		--traces) traces=$2; shift 2 ;;
		*)
			echo "usage: $0 [--events N] [--small N] [--runs R] [--kernel-runs R]" >&2
			echo "       [--jobs N] [--baseline GIT_REV] [--traces kernel,generated]" >&2
			exit 2
			;;
		esac
	done
}

# report OUT LABEL GOAL JOBS_DESC [BASELINE]: the medians of the runs in
# OUT/runs ("trace variant wall-s CPU-s KiB" lines) side by side per trace
# (OUT/counted: "trace events rounds path"), the wall-time ratio to
# babeltrace2's against GOAL, CPU per event and peak RSS at two sizes.
report()
{
	/usr/bin/python3 - "$@" <<'PY'
import statistics, sys
out, label, goal, jobs_desc = sys.argv[1:5]
baseline = sys.argv[5] if len(sys.argv) > 5 else ""
goal = float(goal)
counted = {}
order = []
for line in open(out + "/counted"):
    name, events, rounds, path = line.rstrip("\n").split(" ", 3)
    counted[name] = (int(events), int(rounds), path)
    if name != "small":
        order.append(name)
runs = {}
for line in open(out + "/runs"):
    name, variant, wall, cpu, kib = line.split()
    runs.setdefault((name, variant), []).append((float(wall), float(cpu), int(kib)))


def med(name, variant, i):
    xs = runs.get((name, variant))
    return statistics.median(x[i] for x in xs) if xs else None


variants = [v for v in ("bt2", "ours", "ours1", "base")
            if any((t, v) in runs for t in order)]
title = {
    "bt2": "babeltrace2 -c sink.utils.dummy",
    "ours": f"ours, {jobs_desc}",
    "ours1": "ours, --jobs=1",
    "base": f"baseline {baseline}",
}
W, C = 48, 26


def row(text, cells):
    print(f"{text:{W}}" + "".join(f"{c:>{C}}" for c in cells))


ms, busy1, busy0 = open(out + "/busy").read().split()
wall_all = int(ms) / 1000
busy = float(busy1) - float(busy0)
measured = sum(r[1] for rs in runs.values() for r in rs)
cpus = len(__import__("os").sched_getaffinity(0))
print(f"during the runs: {wall_all:.1f} s of wall time, {cpus} CPUs busy {busy:.1f} s"
      f" of {cpus * wall_all:.1f}; the measured commands used {measured:.1f} s,"
      f" everything else {busy - measured:.1f} s"
      f" ({(busy - measured) / wall_all:.2f} CPUs on average: other work on the"
      " machine, counting and this script)")
print()
print(f"== medians of the alternated runs, per trace (ours: {label})")
row("", [f"{t}, {counted[t][1]} run{'s' if counted[t][1] > 1 else ''}"
         for t in order])
row("", ["wall s   CPU s  RSS MiB" for t in order])
for v in variants:
    row(title[v], [f"{med(t, v, 0):6.2f}  {med(t, v, 1):6.2f}  {med(t, v, 2) / 1024:7.1f}"
                   for t in order])
print()
print(f"wall-time ratio ours/babeltrace2 (lower is better; goal <= {goal:.2f}"
      " with the default --jobs)")
for v in variants[1:]:
    cells = []
    for t in order:
        r = med(t, v, 0) / med(t, "bt2", 0)
        verdict = ("met" if r <= goal else "NOT met") if v == "ours" else ""
        cells.append(f"{r:.3f} {verdict:>7}")
    row("  " + title[v], cells)
if "base" in variants:
    row("  ours/baseline (above 1.050: slower by over 5%)",
        [f"{med(t, 'ours', 0) / med(t, 'base', 0):.3f}        " for t in order])
print()
print("CPU per event, ns (user + system CPU time / events)")
for v in variants:
    row("  " + title[v],
        [f"{med(t, v, 1) / counted[t][0] * 1e9:.0f}        " for t in order])
one = "ours1" if "ours1" in variants else "ours"
print("  the analysis on top of decoding, that is")
row(f"  (ours{' --jobs=1' if one == 'ours1' else ''} CPU - babeltrace2 CPU)/events",
    [f"{(med(t, one, 1) - med(t, 'bt2', 1)) / counted[t][0] * 1e9:.0f}        "
     for t in order])
if "generated" in order and "small" in counted:
    big, small = counted["generated"][0], counted["small"][0]
    print()
    print(f"peak RSS, KiB, generated traces (median of the runs at {big:,} events;"
          f" one run at {small:,})")
    row("", [f"{small:,} events", f"{big:,} events", "growth"])
    for v in variants:
        s, b = runs[("small", v)][0][2], med("generated", v, 2)
        row("  " + title[v], [f"{s:,}", f"{b:,.0f}", f"{b - s:+,.0f}"])
    gs = runs[("small", "ours")][0][2] - runs[("small", "bt2")][0][2]
    gb = med("generated", "ours", 2) - med("generated", "bt2", 2)
    print(f"  ours beyond babeltrace2's own: {gs:+,} KiB at {small:,} events,"
          f" {gb:+,.0f} KiB at {big:,}: growth {gb - gs:+,.0f} KiB")
PY
}

# run_variant VARIANT TRACE: `timed` of one of the compared commands on
# TRACE (the commands are set by compare_bench).
run_variant()
{
	case $1 in
	bt2) timed babeltrace2 "$2" -c sink.utils.dummy ;;
	ours) timed "${ours_cmd[@]}" "$2" ;;
	ours1) timed "${ours1_cmd[@]}" "$2" ;;
	base) timed "${base_cmd[@]}" "$2" ;;
	esac
}

# trace_list FILE: the traces of --traces, found (recorded, extracted)
# before any run, one "NAME RUNS PATH" line each, into FILE; exits when
# there is none.
trace_list()
{
	local path

	: >"$1"
	if [[ ,$traces, == *,kernel,* ]]; then
		if path=$(kernel_trace); then
			echo "kernel $kernel_runs $path" >>"$1"
		else
			echo "== benching the generated traces only" >&2
		fi
	fi
	if [[ ,$traces, == *,generated,* ]]; then
		path=$(trace "$events")
		echo "generated $runs $path" >>"$1"
	fi
	[ -s "$1" ] || { echo "no trace to bench (--traces $traces)" >&2; exit 2; }
}

# compare_bench LABEL GOAL CMD...: on each trace (the kernel trace,
# $kernel_runs rounds; the generated trace of $events events, $runs
# rounds), rounds that alternate babeltrace2's dummy sink, `CMD TRACE`
# with its default --jobs (or --jobs=$jobs), `CMD --jobs=1 TRACE` and,
# with --baseline, the baseline's `CMD TRACE`; then each once on the
# generated trace of $small events, for the peak RSS; then the report:
# medians, the wall-time ratio to babeltrace2's against GOAL, CPU per
# event, peak RSS. Uses the globals of bench_options.
compare_bench()
{
	local label=$1 goal=$2
	shift 2
	local out name n path count i v res wall cpu kib little="" base_dir jobs_desc
	local busy0 t0
	out=$(mktemp -d)
	trace_list "$out/traces"
	if [[ ,$traces, == *,generated,* ]]; then
		little=$(trace "$small")
	fi

	variants=(bt2 ours)
	ours_cmd=("$@")
	if has_jobs "$@"; then
		jobs_desc="--jobs${jobs:+=$jobs}${jobs:- default ($(nproc) online CPUs)}"
		[ -z "$jobs" ] || ours_cmd+=("--jobs=$jobs")
		ours1_cmd=("$@" --jobs=1)
		variants+=(ours1)
	else
		jobs_desc="no --jobs option: one graph"
		[ -z "$jobs" ] || echo "== this build has no --jobs: --jobs $jobs ignored" >&2
	fi
	if [ -n "$baseline" ]; then
		base_dir=$(baseline_build "$baseline")
		baseline=$(git -C "$top" rev-parse --short "$baseline")
		base_cmd=("$base_dir/src/lttng-analyzer/lttng-analyzer" "${@:2}")
		if [ -n "$jobs" ] && has_jobs "${base_cmd[@]}"; then
			base_cmd+=("--jobs=$jobs")
		fi
		variants+=(base)
	fi

	echo "machine: $(nproc) online CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min) before the runs"
	echo "compared, each with its output to /dev/null, in this order in every round:"
	echo "  bt2    babeltrace2 TRACE -c sink.utils.dummy"
	echo "  ours   ${ours_cmd[*]} TRACE"
	[ -z "${ours1_cmd+set}" ] || echo "  ours1  ${ours1_cmd[*]} TRACE"
	[ -z "$baseline" ] || echo "  base   ${base_cmd[*]} TRACE"
	busy0=$(cpu_busy)
	t0=$(date +%s%N)
	while read -r name n path <&3; do
		count=$(event_count "$path")
		echo "$name $count $n $path" >>"$out/counted"
		echo
		echo "trace $name: $path"
		echo "  $count events (babeltrace2 -c sink.utils.counter), $(du -sh "$path" | cut -f1), rounds: $n"
		printf "run"
		for v in "${variants[@]}"; do
			printf "  %-24s" "$v: wall s, CPU s, KiB"
		done
		echo
		for i in $(seq 1 "$n"); do
			printf "%3d" "$i"
			for v in "${variants[@]}"; do
				# An assignment: a run that fails ends the bench.
				res=$(run_variant "$v" "$path")
				read -r wall cpu kib <<<"$res"
				echo "$name $v $wall $cpu $kib" >>"$out/runs"
				printf "  %6s %6s %10s" "$wall" "$cpu" "$kib"
			done
			echo
		done
	done 3<"$out/traces"
	if [ -n "$little" ]; then
		for v in "${variants[@]}"; do
			res=$(run_variant "$v" "$little")
			read -r wall cpu kib <<<"$res"
			echo "small $v $wall $cpu $kib" >>"$out/runs"
		done
		echo "small $(event_count "$little") 1 $little" >>"$out/counted"
	fi
	echo "$(( ($(date +%s%N) - t0) / 1000000 )) $(cpu_busy) $busy0" >"$out/busy"
	echo
	echo "load average $(cut -d' ' -f1-3 /proc/loadavg) after the runs"
	report "$out" "$label" "$goal" "$jobs_desc" "$baseline"
	rm -rf "$out"
}
