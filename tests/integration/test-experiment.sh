#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# contrib/experiment.sh, twice in a row (2-3 s of load each): each run's
# request count, as the daemon counted it from the trace over REST, equals
# the access-log lines of that run (the analysis is live before Apache
# starts, so every logged request is in the trace), the dataset is
# exported, and nothing is left: no lttng-sessiond, lttng-relayd, apache2
# or lttng-analyzerd that the run started (pids compared with those
# running before), no session (the run's session daemon is gone with it),
# and the ports it printed are free.
. "$(dirname "$0")/../utils/test-lib.sh"
. "$top_srcdir/tests/utils/lttng-env.sh"
reason=$(lta_env_skip_reason)
[ -z "$reason" ] || skip_all "$reason"
for b in apache2 wrk curl jq lttng-relayd; do
	command -v "$b" >/dev/null 2>&1 || skip_all "$b is not installed"
done
LTAD=${LTAD:-$top_builddir/src/lttng-analyzerd/lttng-analyzerd}
[ -x "$LTAD" ] || skip_all "lttng-analyzerd is not built"
ls "$top_builddir"/contrib/syscall-tracer/.libs/liblttng-analyzer-syscalls.so >/dev/null 2>&1 ||
	skip_all "the user-space system-call tracer is not built"
tmp=$(mktemp -d)
trap '[ -n "${LTA_KEEP_TMP:-}" ] || rm -rf "$tmp"' EXIT

# Pids of the programs an experiment starts, as they are now (observed
# only: nothing is killed by name).
pids()
{
	for p in lttng-sessiond lttng-relayd apache2 lttng-analyzerd; do
		pgrep -x "$p"
	done | sort -n
}

for run in 1 2; do
	pids >"$tmp/before-$run"
	out=$tmp/run$run
	LTAD=$LTAD top_builddir=$top_builddir timeout 300 \
		bash "$top_srcdir/contrib/experiment.sh" --duration $((1 + run)) \
		--rate 400 --connections 4 --threads 2 --out "$out" >"$tmp/log$run" 2>&1
	ok $? "run $run: contrib/experiment.sh ran"
	grep -q '^  *50.000%' "$tmp/log$run"
	ok $? "run $run: it printed a latency distribution"
	count=$(sed -n 's/^experiment: requests: //p' "$tmp/log$run")
	logged=$(grep -c '' "$out/testbed/access.log" 2>/dev/null)
	ok "$([ "${logged:-0}" -gt 100 ] && echo 0 || echo 1)" "run $run: $logged access-log lines"
	is "$count" "$logged" "run $run: the request count it printed equals the access-log lines"
	is "$(jq -r .counts.complete "$out/stats.json")" "$count" "run $run: stats.json agrees"
	ok "$([ "$(grep -c '' "$out/requests.jsonl")" -ge "$logged" ] && echo 0 || echo 1)" \
		"run $run: requests.jsonl exported ($(grep -c '' "$out/requests.jsonl") records)"
	pids >"$tmp/after-$run"
	# What it started: the pids it printed, Apache's (and its children,
	# listed before the stop by run.sh), and anything still in the private
	# mount namespace it ran in.
	left=
	for pid in $(sed -n 's/^experiment: pids: //p' "$tmp/log$run") \
		$(sed -n 's/^apache_pid=//p' "$out/testbed/summary.txt"); do
		kill -0 "$pid" 2>/dev/null && left="$left $pid"
	done
	ns=$(sed -n 's/^experiment: namespace: //p' "$tmp/log$run")
	ok "$([ -n "$ns" ] && echo 0 || echo 1)" "run $run: it ran in its own mount namespace ($ns)"
	for f in /proc/[0-9]*/ns/mnt; do
		[ "$(readlink "$f" 2>/dev/null)" = "$ns" ] && left="$left ${f//[!0-9]/}"
	done
	is "${left:-none}" none "run $run: no process it started is left (pids it printed, its namespace)"
	# When nothing else runs beside this test, no new lttng-sessiond,
	# lttng-relayd, apache2 or lttng-analyzerd either.
	new=$(comm -13 "$tmp/before-$run" "$tmp/after-$run" | tr '\n' ' ')
	[ -z "$new" ] || diag "run $run: processes that appeared meanwhile (other tests?): $new"
	busy=
	for port in $(sed -n 's/^experiment: ports: //p' "$tmp/log$run") \
		$(sed -n 's/^url=http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$out/testbed/summary.txt"); do
		lta_env_port_listening "$port" && busy="$busy $port"
	done
	is "${busy:-none}" none "run $run: its ports are free"
	# Its session daemon ran in its own namespace and is gone: the
	# session went with it; the daemon's log says it was destroyed.
	grep -q 'Stopped lttng-sessiond' "$out/daemon/daemon.log" &&
		grep -q 'Stopped lttng-relayd' "$out/daemon/daemon.log"
	ok $? "run $run: the daemon stopped its session and relay daemons"
done
done_testing
