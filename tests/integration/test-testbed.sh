#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# test-testbed.sh: the testbed (contrib/testbed/run.sh) records, under wrk
# load, a trace of Apache that accounts for every request Apache logged.
#
# Runs the testbed for a few seconds with the event MPM (static page) and
# with prefork (the PHP page when libapache2-mod-php is installed), then
# reads each trace independently of lttng-analyzer's decoder: the
# babeltrace2 command-line tool's text output, matched against the access
# log by contrib/testbed/match-log-trace.py. For each run:
#
# - Apache answered, wrk ran, a trace was recorded, and every Apache
#   process registered with the (private, root) session daemon, workers
#   running as www-data included;
# - the access log has lines, and babeltrace2 reports no discarded events
#   and no lost packets;
# - every log line has exactly one accept (exit_accept4/exit_accept, ret >=
#   0, sport = the logged client port, in the logged worker process: the
#   latest such accept not after the request's logged start), no accept is
#   claimed by two lines, and each accept is followed in its process by a
#   shutdown or close of its descriptor;
# - every accept without a log line is a connection the client closed
#   without sending a request (its first read returned 0, as when wrk
#   stops); their number is printed as a diagnostic.
#
# Output: TAP. make check sets top_srcdir and top_builddir; by hand:
#   top_builddir=BUILD tests/integration/test-testbed.sh
# Keep the results: LTA_TESTBED_KEEP=1 (their folder is printed).

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/utils/test-lib.sh"
. "$top_srcdir/tests/utils/lttng-env.sh"

RUN=$top_srcdir/contrib/testbed/run.sh
MATCH=$top_srcdir/contrib/testbed/match-log-trace.py
LIB=$top_builddir/contrib/syscall-tracer/.libs/liblttng-analyzer-syscalls.so
DURATION=${LTA_TESTBED_DURATION:-3}
CONNECTIONS=8

for b in apache2 wrk curl babeltrace2; do
	command -v "$b" >/dev/null 2>&1 || skip_all "$b is not installed"
done
[ -x "$PYTHON" ] || skip_all "$PYTHON is not installed"
for m in event prefork; do
	[ -f "/usr/lib/apache2/modules/mod_mpm_$m.so" ] ||
		skip_all "Apache's $m MPM module is not installed"
done
id www-data >/dev/null 2>&1 || skip_all "there is no www-data user"
reason=$(lta_env_skip_reason)
[ -z "$reason" ] || skip_all "$reason"
[ -f "$LIB" ] || skip_all "$LIB is not built"
ldconfig -p 2>/dev/null | grep -q 'liblttng-ust-fork\.so\.1 ' ||
	skip_all "liblttng-ust-fork.so.1 is not installed"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/lta-test-testbed.XXXXXX")
chmod 755 "$WORK"
if [ -n "${LTA_TESTBED_KEEP:-}" ]; then
	diag "results kept in $WORK"
else
	trap 'rm -rf "$WORK"' EXIT
fi

# value FILE KEY: the value of a key=value line.
value()
{
	sed -n "s/^$2=//p" "$1" | head -1
}

# testbed NAME ARGS...: one testbed run and the checks of its trace.
testbed()
{
	local name=$1 out=$WORK/$1 match=$WORK/$1.match status lines
	shift

	# 64 MiB per CPU holds the whole run (~20 MB/s at most here): no
	# discard even if the consumer daemon gets no CPU during the load.
	timeout --kill-after=10 120 bash "$RUN" --lib "$LIB" --out "$out" \
		--duration "$DURATION" --connections "$CONNECTIONS" \
		--threads 2 --subbuf-size 8M --num-subbuf 8 "$@" \
		>"$WORK/$name.run" 2>&1
	status=$?
	ok "$status" "$name: Apache served wrk's load, traced in a live session"
	if [ "$status" -ne 0 ]; then
		sed 's/^/# /' "$WORK/$name.run"
	fi
	is "$(value "$out/summary.txt" registered)" yes \
		"$name: every Apache process registered with the root session daemon"
	lines=$(value "$out/summary.txt" log_lines)
	[ "${lines:-0}" -gt 0 ]
	ok $? "$name: the access log has lines (${lines:-0})"

	"$PYTHON" "$MATCH" "$out/trace" "$out/access.log" \
		>"$match" 2>"$WORK/$name.details"
	status=$?
	if [ "$status" -ge 2 ]; then
		sed 's/^/# /' "$WORK/$name.details"
	fi
	[ "$(value "$match" events)" -gt 0 ] 2>/dev/null
	ok $? "$name: babeltrace2 reads the trace ($(value "$match" events) events)"
	is "$(value "$match" discarded_events)" 0 \
		"$name: babeltrace2 reports no discarded events"
	is "$(value "$match" lost_packets)" 0 \
		"$name: babeltrace2 reports no lost packets"
	is "$(value "$match" unparsed_log_lines)" 0 \
		"$name: every log line has the testbed's format"
	is "$(value "$match" matched)" "$lines" \
		"$name: every log line has the accept of its client port in its process"
	is "$(value "$match" unmatched_log_lines)" 0 \
		"$name: no log line without an accept"
	is "$(value "$match" duplicate_matches)" 0 \
		"$name: no accept claimed by two log lines"
	is "$(value "$match" unclosed_accepts)" 0 \
		"$name: every accepted descriptor is shut down or closed by its process"
	is "$(value "$match" closed_before_request)" 0 \
		"$name: no descriptor closed before its request started"
	is "$(value "$match" other_unmatched_accepts)" 0 \
		"$name: every accept without a log line is an empty connection"
	is "$status" 0 "$name: match-log-trace.py finds nothing wrong"
	diag "$name: $(value "$match" matched) requests matched," \
		"$(value "$match" empty_connections) empty connections" \
		"(closed by the client without a request), $(value "$match" accepts)" \
		"accepts in $(value "$match" apache_processes) Apache processes," \
		"accept to request start: median" \
		"$(value "$match" accept_to_start_us_median) µs, max" \
		"$(value "$match" accept_to_start_us_max) µs"
	if [ "$status" -ne 0 ]; then
		head -40 "$WORK/$name.details" | sed 's/^/# /'
	fi
	# The trace is large: only its verdict is kept.
	[ -n "${LTA_TESTBED_KEEP:-}" ] || rm -rf "$out/trace"
}

testbed event --mpm event --page static
if ls /usr/lib/apache2/modules/libphp*.so >/dev/null 2>&1; then
	testbed prefork --mpm prefork --page php
else
	diag "libapache2-mod-php is not installed: prefork serves the static page"
	testbed prefork --mpm prefork --page static
fi

done_testing
