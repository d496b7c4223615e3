#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# --jobs=N (N babeltrace2 graphs decode the stream files of a recorded
# trace, merged back in babeltrace2's muxer order) prints exactly what one
# graph prints (issue 14). On each trace below, lttng-analyzer runs with
# --jobs=1, --jobs=2 and --jobs=4, and cmp compares, byte for byte:
# - requests --format=jsonl --end-reason=all, and its --connections=FILE
#   (every record, the empty and open ones too: the default output is this
#   one filtered);
# - stats --format=json --top=0 (every system call of every process);
# - errors (text), and errors --format=json --floor=1 --k=1 (timeouts that
#   follow the order of the samples closely: thousands of errors on the
#   Apache traces), each with its summary line from stderr.
# Every run must exit 0; the --jobs=1 outputs must not be empty (requests
# and errors --format=json: at least 100 lines and at least 1 on the
# Apache traces), since two empty files compare equal. On a difference,
# the first lines of the diff are printed.
#
# The traces:
# - every folder of ../shared/traces/, and every NAME.tar.xz there
#   extracted outside the tree, in ${LTA_TEST_TRACES:-/var/tmp/lta-test-traces}
#   (tests/utils/trace-cache.sh; reused once extracted); two folders
#   given together;
# - Apache on loopback, recorded here by contrib/testbed/run.sh under wrk
#   (2 s, 8 connections) as test-requests-apache.sh does: KeepAlive Off
#   (prefork), KeepAlive On (event MPM); one where the tracer discards
#   events (discard mode, 2 sub-buffers of 4 KiB, 16 connections):
#   babeltrace2 TRACE -c sink.utils.counter -p step=+0 must count
#   "Discarded event messages", and our stats discarded events; one with
#   per-process buffers (--trace external, the session made here): a
#   session folder of a dozen traces, one per Apache process, whose events
#   interleave; and the two busiest of those given as two paths.
# A binary without --jobs fails the test. Each run is bounded (timeout),
# and so is the whole test: no run starts after 420 s (it takes about
# 2.5 minutes on 2 cores).
. "$(dirname "$0")/../utils/test-lib.sh"
. "$top_srcdir/tests/utils/lttng-env.sh"
. "$top_srcdir/tests/utils/trace-cache.sh"

record_reason=$(lta_env_skip_reason)
for b in apache2 wrk curl; do
	[ -n "$record_reason" ] || command -v "$b" >/dev/null 2>&1 ||
		record_reason="$b is not installed"
done
[ -n "$record_reason" ] ||
	[ -e "$top_builddir/contrib/syscall-tracer/.libs/liblttng-analyzer-syscalls.so" ] ||
	record_reason="the system-call tracer is not built"
if [ -z "$record_reason" ]; then
	# Private lttng-sessiond for the per-process session; the testbed's
	# own runs make namespaces of their own inside this one.
	lta_env_enter "$0" "$@"
	tmp=$LTTA_HOME/t
	mkdir -p "$tmp"
else
	tmp=$(mktemp -d)
	trap '[ -n "${LTA_KEEP_TMP:-}" ] || rm -rf "$tmp"' EXIT
fi
[ -z "${LTA_KEEP_TMP:-}" ] || { LTTA_KEEP_HOME=1; diag "outputs kept in $tmp"; }

jobs_list="1 2 4"
test_start=$(date +%s)
budget_end=$((test_start + 420))

missing=
for c in requests stats errors; do
	"$LTA_CLI" "$c" --help 2>&1 | grep -q -- '--jobs=' ||
		missing="$missing $c"
done
is "${missing:-none}" none \
	"requests, stats and errors all take --jobs= (commands whose --help lacks it)"
[ -z "$missing" ] || done_testing

# cli OUT TAG ARGS...: one run of lttng-analyzer ARGS, bounded by what is
# left of the budget (60 s at most): stdout in OUT/TAG, stderr in
# OUT/TAG.err, exit status in OUT/TAG.status (124 when it timed out).
cli()
{
	local out=$1 tag=$2 left
	shift 2

	left=$((budget_end - $(date +%s)))
	[ "$left" -le 60 ] || left=60
	if [ "$left" -le 0 ]; then
		echo "time budget of the test spent: not run" >"$out/$tag.err"
		: >"$out/$tag"
		echo 124 >"$out/$tag.status"
		return
	fi
	timeout --kill-after=5 "$left" "$LTA_CLI" "$@" \
		>"$out/$tag" 2>"$out/$tag.err"
	echo $? >"$out/$tag.status"
}

# outputs OUT J TRACE...: every command with --jobs=J into OUT/TAG.J, for
# TAG requests, connections, stats, errors and errors-json; the errors
# files end with the summary line that errors prints on stderr.
outputs()
{
	local out=$1 j=$2 e
	shift 2

	cli "$out" "requests.$j" requests --jobs="$j" --format=jsonl \
		--end-reason=all --connections="$out/connections.$j" "$@"
	cli "$out" "stats.$j" stats --jobs="$j" --format=json --top=0 "$@"
	cli "$out" "errors-out.$j" errors --jobs="$j" "$@"
	cli "$out" "errors-json-out.$j" errors --jobs="$j" --format=json \
		--floor=1 --k=1 "$@"
	for e in errors errors-json; do
		{
			cat "$out/$e-out.$j"
			grep '^errors: ' "$out/$e-out.$j.err"
		} >"$out/$e.$j"
		rm -f "$out/$e-out.$j"
	done
}

# statuses OUT NAME J: every run with --jobs=J exited 0.
statuses()
{
	local out=$1 tag got='' err

	for tag in requests stats errors-out errors-json-out; do
		got="$got $(cat "$out/$tag.$3.status")"
	done
	is "$got" " 0 0 0 0" "$2: requests, stats, errors, errors --format=json exit 0 with --jobs=$3"
	[ "$got" = " 0 0 0 0" ] && return
	for tag in requests stats errors-out errors-json-out; do
		err=$out/$tag.$3.err
		[ -s "$err" ] && head -n 3 "$err" | sed "s/^/# $tag: /"
	done
}

# json_field FILE KEY: the member KEY of the JSON object in FILE.
json_field()
{
	$PYTHON -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' \
		"$1" "$2" 2>/dev/null
}

# at_least NAME WHAT COUNT MIN: COUNT (lines of a --jobs=1 output) >= MIN.
at_least()
{
	ok "$([ "${3:-0}" -ge "$4" ] && echo 0 || echo 1)" \
		"$1: $2 of --jobs=1: $3 lines (at least $4)"
}

# same OUT NAME J TAG WHAT: OUT/TAG.J is identical to OUT/TAG.1; if so,
# it is removed (the largest outputs are hundreds of MB).
same()
{
	local a=$1/$4.1 b=$1/$4.$3 status

	cmp -s "$a" "$b"
	status=$?
	ok $status "$2: $5 of --jobs=$3 identical to --jobs=1 ($(wc -c <"$a") bytes)"
	if [ $status -eq 0 ]; then
		rm -f "$b"
		return
	fi
	cmp "$a" "$b" 2>&1 | sed 's/^/# /'
	diff "$a" "$b" | head -n 8 | cut -c 1-200 | sed 's/^/# /'
}

# check NAME MIN_REQUESTS MIN_ERRORS PATH...: every output of the traces
# PATH... with --jobs=1, then with --jobs=2 and 4, compared. MIN_REQUESTS
# and MIN_ERRORS: the fewest lines of requests and of errors --format=json
# with --jobs=1 (MIN_ERRORS 0: not checked, the shared traces have few or
# none).
check()
{
	local name=$1 min_requests=$2 min_errors=$3 out j events
	shift 3

	out=$tmp/cmp/$name
	mkdir -p "$out"
	diag "$name: $* ($(($(date +%s) - test_start)) s into the test)"
	outputs "$out" 1 "$@"
	statuses "$out" "$name" 1
	at_least "$name" requests "$(wc -l <"$out/requests.1")" "$min_requests"
	at_least "$name" connections "$(wc -l <"$out/connections.1")" 1
	events=$(json_field "$out/stats.1" events)
	ok "$([ "${events:-0}" -gt 0 ] && echo 0 || echo 1)" \
		"$name: stats of --jobs=1 counts ${events:-no} events"
	grep -q '^errors: .* [1-9][0-9]* starts' "$out/errors.1"
	ok $? "$name: errors of --jobs=1 ends with a summary of some starts"
	[ "$min_errors" -eq 0 ] ||
		at_least "$name" "errors --format=json" \
			"$(grep -vc '^errors: ' "$out/errors-json.1")" "$min_errors"

	for j in $jobs_list; do
		[ "$j" != 1 ] || continue
		outputs "$out" "$j" "$@"
		statuses "$out" "$name" "$j"
		same "$out" "$name" "$j" requests "requests --format=jsonl"
		same "$out" "$name" "$j" connections connections
		same "$out" "$name" "$j" stats "stats --format=json"
		same "$out" "$name" "$j" errors errors
		same "$out" "$name" "$j" errors-json "errors --format=json"
	done
	# The discarding checks read stats.1; the rest is not needed.
	[ -n "${LTA_KEEP_TMP:-}" ] ||
		find "$out" -type f ! -name stats.1 -delete
}

# --- ../shared/traces/ ------------------------------------------------------

if [ -d "$LTA_SHARED_TRACES" ]; then
	shared=()
	for dir in "$LTA_SHARED_TRACES"/*/; do
		dir=${dir%/}
		[ -e "$dir" ] || continue
		shared+=("$dir")
		check "$(basename "$dir")" 1 0 "$dir"
	done
	for tarball in "$LTA_SHARED_TRACES"/*.tar.xz; do
		[ -e "$tarball" ] || continue
		name=$(basename "$tarball" .tar.xz)
		if dir=$(lta_trace_cache_extract "$tarball"); then
			check "$name" 1 0 "$dir"
		else
			skip 1 "$name: cannot extract $tarball (see above)"
		fi
	done
	if [ "${#shared[@]}" -ge 1 ]; then
		# The lanes' folders of links go when the run ends, and those a
		# killed run left (named after its pid, now gone) go at the next.
		lanes_tmp=$tmp/lanes-tmp
		mkdir -p "$lanes_tmp/lta-trace-999999-stale/index" "$lanes_tmp/lta-trace-999998-kept"
		ln -s /nonexistent "$lanes_tmp/lta-trace-999999-stale/chan_0"
		ln -s /nonexistent "$lanes_tmp/lta-trace-999999-stale/index/chan_0.idx"
		echo data >"$lanes_tmp/lta-trace-999998-kept/a-real-file"
		TMPDIR=$lanes_tmp "$LTA_CLI" stats --jobs=2 "${shared[0]}" >/dev/null 2>&1
		is "$(cd "$lanes_tmp" && ls | tr '\n' ' ')" "lta-trace-999998-kept " \
			"--jobs=2: its folders of links removed, a dead run's too, a folder with a real file kept"
	fi
	if [ "${#shared[@]}" -ge 2 ]; then
		# The two smallest, given as two paths.
		mapfile -t two < <(du -s "${shared[@]}" | sort -n | head -n 2 |
			cut -f 2-)
		check "two-shared-traces" 1 0 "${two[@]}"
	fi
else
	skip 1 "no shared traces at $LTA_SHARED_TRACES"
fi

# --- Apache, recorded here --------------------------------------------------

# record NAME ARGS...: one testbed run into $tmp/NAME (2 s of wrk, 8
# connections unless ARGS say otherwise); its exit status (0: Apache
# served, wrk ran and, unless --trace external, $tmp/NAME/trace exists).
record()
{
	local name=$1 status
	shift

	top_builddir=$top_builddir timeout --kill-after=10 120 \
		bash "$top_srcdir/contrib/testbed/run.sh" --duration 2 \
		--connections 8 --out "$tmp/$name" "$@" >"$tmp/$name.run" 2>&1
	status=$?
	ok $status "$name: testbed ran ($*)"
	[ $status -eq 0 ] || tail -n 20 "$tmp/$name.run" | sed 's/^/# /'
	return $status
}

if [ -n "$record_reason" ]; then
	skip 1 "no Apache trace recorded: $record_reason"
	done_testing
fi

record keepalive-off --mpm prefork --keepalive off &&
	check keepalive-off 100 1 "$tmp/keepalive-off/trace"
record keepalive-on --mpm event --keepalive on &&
	check keepalive-on 100 1 "$tmp/keepalive-on/trace"

if record discarding --mpm prefork --keepalive off --connections 16 \
	--subbuf-size 4k --num-subbuf 2; then
	# Not a count of events: of the messages that say some were lost.
	n=$(babeltrace2 "$tmp/discarding/trace" -c sink.utils.counter \
		-p step=+0 |
		awk '/Discarded event messages/ { n = $1 } END { print n + 0 }')
	lost=$(sed -n 's/^discarded_events=//p' "$tmp/discarding/summary.txt")
	ok "$([ "$n" -gt 0 ] && echo 0 || echo 1)" \
		"discarding: babeltrace2's counter sees $n discarded-event messages (lttng list: $lost events)"
	check discarding 100 1 "$tmp/discarding/trace"
	n=$(json_field "$tmp/cmp/discarding/stats.1" discarded_events)
	ok "$([ "${n:-0}" -gt 0 ] && echo 0 || echo 1)" \
		"discarding: the compared stats count ${n:-no} discarded events"
fi

# One trace per process: a session of this script's lttng-sessiond, with
# per-process buffers, recording the testbed's Apache (--trace external).
session_out=$tmp/per-process-session
{
	lta_env_start_sessiond &&
		lttng create per-process --output="$session_out" &&
		lttng enable-channel -u --buffers-pid --subbuf-size=1M \
			--num-subbuf=8 chan &&
		lttng enable-event -u -c chan 'lttng_analyzer_syscall:*' &&
		lttng add-context -u -c chan -t vpid -t vtid -t procname &&
		lttng start
} >"$tmp/per-process.lttng" 2>&1
status=$?
ok $status "per-process: a session with per-process buffers is recording"
[ $status -eq 0 ] || sed 's/^/# /' "$tmp/per-process.lttng"
record per-process --trace external --mpm prefork --keepalive on
lttng stop >>"$tmp/per-process.lttng" 2>&1
lttng destroy >>"$tmp/per-process.lttng" 2>&1
n=$(find "$session_out" -name metadata 2>/dev/null | wc -l)
ok "$([ "$n" -ge 3 ] && echo 0 || echo 1)" \
	"per-process: the session folder holds $n traces (at least 3)"
if [ "$n" -gt 0 ]; then
	check per-process 100 1 "$session_out"
	# Two of them given as two paths: the two busiest workers, whose
	# events interleave in time.
	mapfile -t busiest < <(find "$session_out" -name metadata \
		-printf '%h\n' | xargs du -s | sort -rn | head -n 2 | cut -f 2-)
	check per-process-two-paths 100 1 "${busiest[@]}"
fi
done_testing
