#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Ingestion benchmark: lttng-analyzerd's offline analysis of a recorded
# trace, end to end through its API: POST /api/v1/analyses {"path": TRACE},
# poll until the analysis has ended, and check that what it stored is
# served.
#
#   bench/ingest.sh [--events N] [--runs R] [--kernel-runs R] [--jobs N]
#                   [--baseline REV] [--traces kernel,generated]
#                   [--queries N --sse-clients M]
#
# The traces, as for bench/requests.sh: the shared kernel trace
# (apache-prefork-kernel-3m, 3.45M events, extracted once outside the tree;
# benched only when ../shared/traces has it) and a generated trace of N
# events (default 5,000,000; bench/.cache, recorded through a private
# lttng-sessiond: needs root). R runs on each (default 5 on the kernel
# trace, 3 on the generated one).
#
# Each run starts a daemon of its own (a data folder under a mktemp
# folder, a port it picks on 127.0.0.1, its token; --no-relayd), POSTs the
# trace, and polls every 50 ms GET /api/v1/analyses/ID (and, until one
# comes, the first page of .../requests), reading the worker's VmHWM in
# /proc/WORKER_PID/status each time; then stops that daemon by its pid and
# removes its folder. Prints per run and as medians:
#   - the wall time from the POST to the first page of requests served,
#     to the status "ended" (also the daemon's own created_ns to
#     updated_ns), and to the first page served after it ended;
#   - events/s (events / the time to "ended");
#   - the worker's peak RSS (VmHWM, sampled: the last sample before the
#     worker exits) and the daemon's;
#   - the worker's CPU time (user + system: the daemon's waited-for
#     children in /proc/PID/stat) and the daemon's own to "ended";
#   - the check: every stored request is served (GET .../requests.jsonl,
#     one line each, equals the analysis's "requests"), and the daemon
#     stored what the command line finds: `lttng-analyzer requests
#     --format=jsonl TRACE | wc -l` (which leaves out the "empty" and
#     "open" requests that the daemon stores) equals the stored count
#     minus the stats' empty and open counts.
# --jobs N is passed to the daemon (--jobs N) when it has the option;
# without it, each daemon decodes with its default. --baseline REV also
# runs the daemon of git revision REV (built in _build/baseline-REV) the
# same way, alternated with ours: "before" (REV) and "after" (this tree),
# and the ratio of their times to "ended".
#
# --queries N --sse-clients M (either may be 0; not with --baseline): the
# stream load of issue 16. Runs of this tree alternate, side by side:
# "none", the analysis with no query at all ({"default_queries": false})
# and no client, and "load", the analysis given N registered queries at
# creation (the default one among them: a mix of requests by component,
# by end reason, hopping 2s/1s, syscalls by syscall, ..., cycled to N)
# and M SSE clients (curl -N | grep | awk) on its event stream, started right
# after the POST, each reading everything until the stream's "end" event.
# Prints the events/s of each run, the medians, and the ratio of the
# medians load/none against the goal (at least 0.9): PASS or FAIL. And a
# check that can fail: every client saw the "end" event and got as many
# events as the store has for the analysis (read once more from its first
# event by a fresh client after the end, whose request events must equal
# the analysis's "requests").
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/common.sh"
# --queries and --sse-clients, then the options of decode.sh and
# requests.sh (--small is not used here).
queries=
sse_clients=
args=()
while [ $# -gt 0 ]; do
	case $1 in
	--queries) queries=$2; shift 2 ;;
	--sse-clients) sse_clients=$2; shift 2 ;;
	*) args+=("$1"); shift ;;
	esac
done
bench_options ${args[@]+"${args[@]}"}
stream_load=
if [ -n "$queries$sse_clients" ]; then
	stream_load=yes
	queries=${queries:-0}
	sse_clients=${sse_clients:-0}
	[ -z "$baseline" ] || { echo "--queries/--sse-clients: not with --baseline" >&2; exit 2; }
fi
(cd "$build" && make -j"$(nproc)" src/lttng-analyzerd/lttng-analyzerd >/dev/null)
top_builddir=$build
. "$top/tests/utils/daemon-env.sh"
tmp=$(mktemp -d)
trap 'lta_daemon_stop >&2; rm -rf "$tmp"' EXIT

# The sides: "after" is this tree; "before" the baseline's build.
sides=(after)
declare -A daemon_of cli_of args_of jobs_of
daemon_of[after]=$build/src/lttng-analyzerd/lttng-analyzerd
cli_of[after]=$cli
if [ -n "$baseline" ]; then
	base_dir=$(baseline_build "$baseline" src/lttng-analyzer/lttng-analyzer \
		src/lttng-analyzerd/lttng-analyzerd)
	baseline=$(git -C "$top" rev-parse --short "$baseline")
	daemon_of[before]=$base_dir/src/lttng-analyzerd/lttng-analyzerd
	cli_of[before]=$base_dir/src/lttng-analyzer/lttng-analyzer
	sides=(after before)
fi
# The stream load: "none" and "load", both this tree.
if [ -n "$stream_load" ]; then
	for side in none load; do
		daemon_of[$side]=${daemon_of[after]}
		cli_of[$side]=$cli
	done
	sides=(none load)
fi
for side in "${sides[@]}"; do
	args_of[$side]="--log-level=warn"
	if "${daemon_of[$side]}" --help 2>&1 | grep -q -e '--no-relayd'; then
		args_of[$side]+=" --no-relayd"
	fi
	if ! has_jobs "${daemon_of[$side]}"; then
		jobs_of[$side]="no --jobs option: one graph"
		[ -z "$jobs" ] || echo "== the $side daemon has no --jobs: --jobs $jobs not passed to it" >&2
	elif [ -n "$jobs" ]; then
		args_of[$side]+=" --jobs $jobs"
		jobs_of[$side]="--jobs $jobs"
	else
		jobs_of[$side]="--jobs default ($(nproc) online CPUs)"
	fi
done

# The traces, found (recorded, extracted) before any run.
trace_list "$tmp/traces"

# The queries of the "load" side: a mix, cycled to $queries (the first is
# the default query's spec).
query_mix=(
	'{"stream":"requests","range":"1s","slide":"1s","grace":"2s","group_by":["component"],"figures":["count","rate","bytes","errors","p50","p90","p99","max"]}'
	'{"stream":"requests","range":"1s","slide":"1s","grace":"2s","group_by":["end_reason"],"figures":["count","errors"]}'
	'{"stream":"requests","range":"2s","slide":"1s","grace":"2s","group_by":["component"],"figures":["count","p50","p99"]}'
	'{"stream":"syscalls","range":"1s","slide":"1s","grace":"1s","group_by":["syscall"],"figures":["count","errors","p99","max"]}'
	'{"stream":"requests","range":"100ms","slide":"100ms","grace":"2s","figures":["count","rate","p99"]}'
	'{"stream":"syscalls","range":"5s","slide":"1s","grace":"1s","group_by":["component","syscall"],"figures":["count","p50","p99"]}'
	'{"stream":"requests","range":"10s","slide":"10s","grace":"2s","group_by":["component","end_reason"],"figures":["count","bytes","p99.9","histogram"]}'
	'{"stream":"syscalls","range":"100ms","slide":"100ms","grace":"1s","figures":["count","errors"]}'
	'{"stream":"requests","range":"1s","slide":"1s","grace":"2s","group_by":["path"],"figures":["count","p90"]}'
	'{"stream":"syscalls","range":"2s","slide":"500ms","grace":"1s","group_by":["syscall"],"figures":["count","max"]}'
)
load_queries=
for ((i = 0; i < ${queries:-0}; i++)); do
	load_queries+=${load_queries:+,}${query_mix[i % ${#query_mix[@]}]}
done

# sse_count URL FILE: reads URL's event stream to its end (at most 900 s)
# and writes "TOTAL END REQUESTS WINDOWS OTHERS" to FILE once done
# (through FILE.part); the caller gets curl's pid in $!.
sse_count()
{
	# The clients share the 2 CPUs with the analysis here (they would run
	# elsewhere when watching a VM): each reads every byte, and counts its
	# events through grep, which keeps only the event lines, then awk.
	curl -sN -m 900 -H 'Accept: text/event-stream' "$1" > >(LC_ALL=C grep '^event: ' | awk -v out="$2" '
		/^event: / {
			if ($2 == "end") { end = 1; next }
			n++
			if ($2 == "request") { r++ } else if ($2 == "window") { w++ } else { o++ }
		}
		END {
			printf "%d %s %d %d %d\n", n, end ? "end" : "no-end", r, w, o >(out ".part")
			close(out ".part")
			system("mv " out ".part " out)
		}') &
}

now_ns() { date +%s%N; }
# cpu_ms PID FIELD: user + system CPU time of PID in ms, from
# /proc/PID/stat fields FIELD and FIELD+1 (14: its own; 16: its waited-for
# children's). The command name has no space here.
cpu_ms()
{
	awk -v f="$2" -v hz="$(getconf CLK_TCK)" '{ printf "%d\n", ($f + $(f + 1)) * 1000 / hz }' "/proc/$1/stat"
}
seconds() { echo "$1" | awk '{ printf "%.3f", $1 / 1e9 }'; }

# ingest SIDE NAME TRACE RUN: one run; appends "NAME SIDE first-page-ns
# ended-ns daemon-ns ended-and-page-ns events worker-KiB daemon-KiB stored
# served empty open check..." to $tmp/runs and prints it.
ingest()
{
	local side=$1 name=$2 path=$3 run=$4 dir body id t0 now a status wpid
	local hwm=0 kib t_page="" t_end t_served deadline created updated ev
	local stored empty open served daemon_kib check rel
	dir=$tmp/$side-$name-$run
	LTAD=${daemon_of[$side]}
	# shellcheck disable=SC2086 # options, split on purpose
	lta_daemon_start "$dir" ${args_of[$side]} >&2 || exit 1
	body="{\"path\":\"$path\"}"
	case $side in
	none) body="{\"path\":\"$path\",\"default_queries\":false}" ;;
	load) body="{\"path\":\"$path\",\"default_queries\":false,\"queries\":[$load_queries]}" ;;
	esac
	t0=$(now_ns)
	body=$(lta_api POST /api/v1/analyses "$body")
	if [ "$(lta_status)" != 201 ]; then
		echo "POST /api/v1/analyses answered $(lta_status): $body" >&2
		exit 1
	fi
	id=$(jq -r .id <<<"$body")
	local c client_pids=()
	if [ "$side" = load ]; then
		for ((c = 1; c <= sse_clients; c++)); do
			sse_count "$LTAD_URL/api/v1/analyses/$id/events" "$dir/sse-$c"
			client_pids+=($!)
		done
	fi
	deadline=$((t0 + 900 * 1000000000))
	# The loop parses with bash alone: a jq per poll would load the
	# cores that the worker uses.
	while :; do
		a=$(curl -s -m 10 "$LTAD_URL/api/v1/analyses/$id")
		now=$(now_ns)
		status=unknown
		if [[ $a =~ \"status\":\"([a-z_]+)\" ]]; then
			status=${BASH_REMATCH[1]}
		fi
		if [[ $a =~ \"worker_pid\":([0-9]+) ]]; then
			wpid=${BASH_REMATCH[1]}
			kib=$(awk '/^VmHWM:/ { print $2 }' "/proc/$wpid/status" 2>/dev/null || true)
			[ -z "$kib" ] || [ "$kib" -le "$hwm" ] || hwm=$kib
		fi
		case $status in
		ended) break ;;
		reading | connecting | paused) ;;
		*)
			echo "analysis $id of $path: status $status: $a" >&2
			exit 1
			;;
		esac
		if [ -z "$t_page" ] &&
			curl -s -m 10 "$LTAD_URL/api/v1/analyses/$id/requests?limit=100" | grep -q '"requests":\[{'; then
			t_page=$(now_ns)
		fi
		[ "$now" -lt "$deadline" ] || { echo "analysis $id did not end in 900 s" >&2; exit 1; }
		sleep 0.05
	done
	t_end=$now
	curl -s -m 10 "$LTAD_URL/api/v1/analyses/$id/requests?limit=100" | grep -q '"requests":\[{' || {
		echo "analysis $id ended with no request served" >&2
		exit 1
	}
	t_served=$(now_ns)
	[ -n "$t_page" ] || t_page=$t_served
	daemon_kib=$(awk '/^VmHWM:/ { print $2 }' "/proc/$LTAD_PID/status")
	# The daemon's own CPU time so far (its SSE streams included), ms.
	daemon_cpu=$(cpu_ms "$LTAD_PID" 14)
	# The checks, outside the timed part.
	a=$(lta_api GET "/api/v1/analyses/$id")
	[ "$side" != load ] || sse_check "$name" "$run" "$id" "$(jq -r .requests <<<"$a")" "$t0" \
		${client_pids[@]+"${client_pids[@]}"}
	created=$(jq -r .created_ns <<<"$a")
	updated=$(jq -r .updated_ns <<<"$a")
	ev=$(jq -r .events <<<"$a")
	stored=$(jq -r .requests <<<"$a")
	read -r empty open <<<"$(lta_api GET "/api/v1/analyses/$id/stats" |
		jq -r '"\(.counts.empty) \(.counts.open)"')"
	served=$(curl -s -m 600 "$LTAD_URL/api/v1/analyses/$id/requests.jsonl" | wc -l)
	check=ok
	# Events are the daemon's count; a difference with babeltrace2's is
	# said, not taken for a failure of the ingestion.
	[ "$ev" = "${event_total[$name]}" ] || check="ok, events $ev (babeltrace2: ${event_total[$name]})"
	[ "$served" = "$stored" ] || check=NOT-SERVED
	rel='='
	if [ $((stored - empty - open)) != "${cli_count[$side $name]}" ]; then
		check=MISMATCH
		rel='!='
	fi
	# The worker's CPU time, ms: the daemon's reaped children (the worker
	# has been waited for by now, long after "ended").
	worker_cpu=$(cpu_ms "$LTAD_PID" 16)
	lta_daemon_stop >&2
	rm -rf "$dir"
	echo "$name $side $((t_page - t0)) $((t_end - t0)) $((updated - created)) $((t_served - t0)) $ev $hwm $daemon_kib $stored $served $empty $open $worker_cpu $daemon_cpu $check" >>"$tmp/runs"
	printf '%3d  %-6s  %8s  %8s  %8s  %8s  %10s  %9s  %9s  %6s  %6s  %8s  %8s  %s\n' "$run" "$side" \
		"$(seconds $((t_page - t0)))" "$(seconds $((t_end - t0)))" \
		"$(seconds $((updated - created)))" "$(seconds $((t_served - t0)))" \
		"$(awk -v e="$ev" -v t=$((t_end - t0)) 'BEGIN { printf "%.0f", e / (t / 1e9) }')" \
		"$hwm" "$daemon_kib" "$(seconds $((worker_cpu * 1000000)))" "$(seconds $((daemon_cpu * 1000000)))" \
		"$stored" "$served" \
		"$check: $stored - $empty empty - $open open $rel CLI's ${cli_count[$side $name]}"
	if [ "$side" = load ]; then
		cat "$tmp/sse-line"
	fi
}

# sse_check NAME RUN ID REQUESTS T0 PID...: waits (at most 300 s) for the
# clients (curl pids PID...) to end, then reads the analysis's stream once
# more from its first event; appends "NAME RUN ok|FAILED last-client-ns
# store-total store-requests store-windows client-totals..." to
# $tmp/sse, and what each client got to $tmp/sse-line.
sse_check()
{
	local name=$1 run=$2 id=$3 requests=$4 t0=$5 pid c n=0 total fin last=0
	local ref verdict=ok got=() totals=""
	shift 5
	for pid in "$@"; do
		while kill -0 "$pid" 2>/dev/null && [ $n -lt 3000 ]; do
			sleep 0.1
			n=$((n + 1))
		done
		if kill -0 "$pid" 2>/dev/null; then
			echo "an SSE client (curl $pid) still reading 300 s after the end: stopped" >&2
			kill "$pid" 2>/dev/null
		fi
	done
	last=$(( $(now_ns) - t0 ))
	sse_count "$LTAD_URL/api/v1/analyses/$id/events" "$dir/sse-ref"
	pid=$!
	n=0
	for ((c = 1; c <= $# + 1; c++)); do
		fin=$dir/sse-$c
		[ $c -le $# ] || fin=$dir/sse-ref
		while [ ! -s "$fin" ] && [ $n -lt 3000 ]; do
			sleep 0.1
			n=$((n + 1))
		done
	done
	read -r ref _ ref_r ref_w ref_o <"$dir/sse-ref" || ref=missing
	[ "$ref" != missing ] && [ "$ref_r" = "$requests" ] || verdict=FAILED
	for ((c = 1; c <= $#; c++)); do
		read -r total fin _ <"$dir/sse-$c" || { total=missing; fin=no-end; }
		if [ "$fin" = end ]; then
			got+=("$total")
		else
			got+=("$total(no end event)")
		fi
		totals+=" $total"
		[ "$total" = "$ref" ] && [ "$fin" = end ] || verdict=FAILED
	done
	echo "$name $run $verdict $last $ref ${ref_r:-0} ${ref_w:-0}$totals" >>"$tmp/sse"
	# Shown after the run's line.
	printf '     sse: %d clients got %s events; the store: %s (%s requests = the analysis'"'"'s %s, %s windows, %s others); last client done %s s after the POST: %s\n' \
		$# "${got[*]:-none}" "$ref" "${ref_r:-?}" "$requests" "${ref_w:-?}" "${ref_o:-?}" "$(seconds "$last")" "$verdict" >"$tmp/sse-line"
}

echo "machine: $(nproc) online CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min) before the runs"
for side in "${sides[@]}"; do
	printf '%-6s  %s %s (%s)\n' "$side" "${daemon_of[$side]}" "${args_of[$side]}" "${jobs_of[$side]}"
done
if [ -n "$stream_load" ]; then
	echo "none: no query ({\"default_queries\": false}), no SSE client"
	echo "load: $queries queries given with the POST (no default query besides), $sse_clients SSE clients on .../events"
fi
echo "each run: its own daemon (data folder in $tmp, a port on 127.0.0.1, its token), one analysis; polled every 50 ms"
declare -A cli_count event_total
busy0=$(cpu_busy)
t0_all=$(now_ns)
: >"$tmp/runs"
: >"$tmp/counted"
while read -r name n path <&3; do
	count=$(event_count "$path")
	event_total[$name]=$count
	echo "$name $count $n $path" >>"$tmp/counted"
	echo
	echo "trace $name: $path"
	echo "  $count events (babeltrace2 -c sink.utils.counter), $(du -sh "$path" | cut -f1), rounds: $n"
	for side in "${sides[@]}"; do
		cli_count[$side $name]=$("${cli_of[$side]}" requests --format=jsonl "$path" | wc -l)
		echo "  $side: lttng-analyzer requests --format=jsonl TRACE | wc -l: ${cli_count[$side $name]}"
	done
	printf '%3s  %-6s  %8s  %8s  %8s  %8s  %10s  %9s  %9s  %6s  %6s  %8s  %8s  %s\n' run side \
		"page s" "ended s" "daemon s" "+page s" "events/s" "worker" "daemon" worker daemon stored served check
	printf '%3s  %-6s  %8s  %8s  %8s  %8s  %10s  %9s  %9s  %6s  %6s\n' "" "" "" "" "" "" "" "VmHWM KiB" "VmHWM KiB" "CPU s" "CPU s"
	for i in $(seq 1 "$n"); do
		for side in "${sides[@]}"; do
			ingest "$side" "$name" "$path" "$i"
		done
	done
done 3<"$tmp/traces"
echo
echo "load average $(cut -d' ' -f1-3 /proc/loadavg) after the runs"
awk -v ms=$(( ($(now_ns) - t0_all) / 1000000 )) -v b0="$busy0" -v b1="$(cpu_busy)" -v n="$(nproc)" \
	'BEGIN { printf "during the runs: %.1f s of wall time, %d CPUs busy %.1f s of %.1f (the runs, their checks and the CLI counts included)\n",
		ms / 1000, n, b1 - b0, n * ms / 1000 }'
touch "$tmp/sse"
/usr/bin/python3 - "$tmp/counted" "$tmp/runs" "$baseline" "${stream_load:+$queries $sse_clients}" "$tmp/sse" <<'PY'
import statistics, sys
counted = {}
order = []
for line in open(sys.argv[1]):
    name, events, rounds, path = line.rstrip("\n").split(" ", 3)
    counted[name] = (int(events), int(rounds))
    order.append(name)
baseline = sys.argv[3]
runs = {}
bad = 0
for line in open(sys.argv[2]):
    f = line.split()
    runs.setdefault((f[0], f[1]), []).append([int(x) for x in f[2:15]])
    bad += not f[15].startswith("ok")
load = sys.argv[4].split() if len(sys.argv) > 4 and sys.argv[4] else None
sides = ["after", "before"] if baseline else ["after"]
label = {"after": "after (this tree)", "before": f"before ({baseline})"}
if load:
    sides = ["none", "load"]
    label = {"none": "none", "load": f"{load[0]} queries, {load[1]} SSE"}
sse_bad = sum(1 for line in open(sys.argv[5]) if line.split()[2] != "ok")


def med(name, side, i):
    return statistics.median(r[i] for r in runs[(name, side)])


cols = [(t, s) for t in order for s in sides]
W, C = 50, 22


def row(text, cells):
    print(f"{text:{W}}" + "".join(f"{c:>{C}}" for c in cells))


print()
print("== medians of the runs, per trace and side")
row("", [f"{t}, {counted[t][1]} run{'s' if counted[t][1] > 1 else ''}" for t, s in cols])
row("", [label[s] for t, s in cols])
row("POST to the first page of requests served, s", [f"{med(t, s, 0) / 1e9:.3f}" for t, s in cols])
row("POST to status \"ended\", s", [f"{med(t, s, 1) / 1e9:.3f}" for t, s in cols])
row("  the daemon's own clock (created to updated), s", [f"{med(t, s, 2) / 1e9:.3f}" for t, s in cols])
row("POST to \"ended\" and its first page served, s", [f"{med(t, s, 3) / 1e9:.3f}" for t, s in cols])
row("events/s (events / POST to \"ended\")",
    [f"{med(t, s, 4) / (med(t, s, 1) / 1e9):,.0f}" for t, s in cols])
row("worker peak RSS (VmHWM, sampled), KiB", [f"{med(t, s, 5):,.0f}" for t, s in cols])
row("daemon peak RSS (VmHWM), KiB", [f"{med(t, s, 6):,.0f}" for t, s in cols])
row("worker CPU (user + system), s", [f"{med(t, s, 11) / 1e3:.2f}" for t, s in cols])
row("daemon CPU to \"ended\" and served, s", [f"{med(t, s, 12) / 1e3:.2f}" for t, s in cols])
row("requests stored and served", [f"{med(t, s, 8):,.0f}" for t, s in cols])
if baseline:
    print()
    for t in order:
        print(f"{t}: after/before, POST to \"ended\": "
              f"{med(t, 'after', 1) / med(t, 'before', 1):.3f} (lower is faster)")
if load:
    print()
    for t in order:
        eps = {s: [r[4] / (r[1] / 1e9) for r in runs[(t, s)]] for s in sides}
        ratio = statistics.median(eps["load"]) / statistics.median(eps["none"])
        print(f"{t}: events/s per run, none: " + ", ".join(f"{x:,.0f}" for x in eps["none"])
              + "; load: " + ", ".join(f"{x:,.0f}" for x in eps["load"]))
        print(f"{t}: ingestion rate with {load[0]} queries and {load[1]} SSE clients / with none"
              f" (medians of events/s): {ratio:.3f}; goal >= 0.9: {'PASS' if ratio >= 0.9 else 'FAIL'}")
        print(f"{t}: for the cause, CPU medians none -> load: worker {med(t, 'none', 11) / 1e3:.2f}"
              f" -> {med(t, 'load', 11) / 1e3:.2f} s (x{med(t, 'load', 11) / med(t, 'none', 11):.2f}),"
              f" daemon {med(t, 'none', 12) / 1e3:.2f} -> {med(t, 'load', 12) / 1e3:.2f} s;"
              f" on {len(__import__('os').sched_getaffinity(0))} CPUs shared with the SSE clients"
              " (curl | grep | awk each) and whatever else runs")
    print("SSE check: every client got every event of the analysis in the store:",
          "all runs ok" if not sse_bad else f"{sse_bad} runs FAILED")
    bad += sse_bad
print()
print("checks: every stored request served, and stored minus empty and open = the CLI's count:",
      "all runs ok" if not bad else f"{bad} runs FAILED")
sys.exit(1 if bad else 0)
PY
