#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# lttng-analyzer requests against Apache's own access log, on a real Apache
# traced by the user-space system-call tracer under wrk load
# (contrib/testbed/run.sh, 3 s, 8 connections), with KeepAlive Off (one
# request per connection) and On (wrk keeps its 8 connections: thousands
# of requests each), for the event MPM (static page), prefork (static
# page) and prefork (PHP page, when libapache2-mod-php 8.2 is there):
# - each access-log line matches exactly one request: by process, client
#   port and accept time for the connection, then by %k (requests Apache
#   served on the connection before) for the request on it;
# - each request with no log line is a connection closed with nothing read,
#   marked "empty", and none of them read bytes; the summary counts those
#   apart;
# - our duration is never shorter than Apache's %D by more than 100 us,
#   and the median of (ours - %D) is under 1 ms;
# - KeepAlive Off: no request ends "keepalive"; KeepAlive On: every
#   request but the last of each connection ends "keepalive", the summary
#   counts as many complete requests as the access log has lines, and its
#   median (p50) is positive and not above wrk's (the server's part of the
#   round trip cannot be longer than the round trip the client measured).
# The matching is done by tests/utils/check-requests-log.py.
. "$(dirname "$0")/../utils/test-lib.sh"
. "$top_srcdir/tests/utils/lttng-env.sh"
reason=$(lta_env_skip_reason)
[ -z "$reason" ] || skip_all "$reason"
for b in apache2 wrk curl; do
	command -v "$b" >/dev/null 2>&1 || skip_all "$b is not installed"
done
[ -e "$top_builddir/contrib/syscall-tracer/.libs/liblttng-analyzer-syscalls.so" ] ||
	skip_all "the system-call tracer is not built"
tmp=$(mktemp -d)
trap '[ -n "${LTA_KEEP_TMP:-}" ] || rm -rf "$tmp"' EXIT

# p50_ns FILE: the 50% line of a wrk-style latency distribution (wrk's
# "50%  120.00us", the summary's "50.000%  118.00us"), in ns.
p50_ns()
{
	$PYTHON - "$1" <<'EOF'
import re
import sys

units = {'ns': 1, 'us': 1e3, 'ms': 1e6, 's': 1e9}
for line in open(sys.argv[1]):
    m = re.match(r'\s*50(\.0+)?%\s+([0-9.]+)(ns|us|ms|s)\s*$', line)
    if m:
        print(int(round(float(m.group(2)) * units[m.group(3)])))
        break
EOF
}

# run KEEPALIVE MPM PAGE: one testbed run and its checks.
run()
{
	local ka=$1 mpm=$2 page=$3
	local name=$1/$2/$3 out=$tmp/$1-$2-$3 complete ours theirs
	local -A c=()

	top_builddir=$top_builddir timeout --kill-after=10 120 \
		bash "$top_srcdir/contrib/testbed/run.sh" \
		--mpm "$mpm" --page "$page" --keepalive "$ka" --duration 3 \
		--connections 8 --subbuf-size 8M --num-subbuf 8 --out "$out" \
		>"$out.run" 2>&1
	ok $? "$name: testbed ran"
	[ -d "$out/trace" ] || { tail -20 "$out.run" | sed 's/^/# /'; return; }
	# Every record, the empty connections too (not printed by default).
	"$LTA_CLI" requests --end-reason=all "$out/trace" >"$out/requests.jsonl"
	ok $? "$name: lttng-analyzer requests read the trace"
	$PYTHON "$top_srcdir/tests/utils/check-requests-log.py" \
		"$out/requests.jsonl" "$out/access.log" >"$out/check"
	while read -r k v; do c[$k]=$v; done <"$out/check"
	diag "$name: $(tr '\n' ' ' <"$out/check")"
	ok "$([ "${c[log_lines]:-0}" -gt 100 ] && echo 0 || echo 1)" \
		"$name: ${c[log_lines]} access-log lines (load reached Apache)"
	is "${c[matched]}" "${c[log_lines]}" "$name: every log line matches a request"
	is "${c[unmatched_lines]}" 0 "$name: no log line without a request"
	is "${c[double_matched]}" 0 "$name: no request claimed twice"
	is "${c[extra_not_empty]}" 0 \
		"$name: the ${c[extra_requests]} requests without a log line are all empty"
	is "${c[extra_read_bytes]}" 0 \
		"$name: no request without a log line read bytes"
	is "${c[short]}" 0 "$name: no duration shorter than %D by more than 100 us"
	$PYTHON -c "import sys; sys.exit(0 if 0 <= float(sys.argv[1]) < 1000 else 1)" \
		"${c[median_diff_us]}" 2>/dev/null
	ok $? "$name: median of (ours - %D) is ${c[median_diff_us]} us (< 1 ms)"
	"$LTA_CLI" requests --format=summary "$out/trace" >"$out/summary"
	grep -q "requests: ${c[log_lines]} complete, ${c[extra_requests]} empty" "$out/summary"
	ok $? "$name: summary: ${c[log_lines]} complete, ${c[extra_requests]} empty"
	if [ "$ka" = off ]; then
		is "${c[keepalive_records]}" 0 "$name: no request ends \"keepalive\""
		return
	fi
	# Every request of a connection but its last: at least log lines
	# minus connections (the connections include the empty ones).
	ok "$([ "${c[keepalive_records]:-0}" -ge $((${c[log_lines]:-0} - ${c[connections]:-0})) ] &&
		echo 0 || echo 1)" \
		"$name: ${c[keepalive_records]} requests end \"keepalive\" (${c[log_lines]} lines on ${c[connections]} connections)"
	complete=$(sed -n 's/^ *[0-9]* requests: \([0-9]*\) complete,.*/\1/p' "$out/summary")
	is "$complete" "${c[log_lines]}" \
		"$name: the summary counts the access-log lines as complete requests"
	ours=$(p50_ns "$out/summary")
	theirs=$(p50_ns "$out/wrk.txt")
	ok "$([ "${ours:-0}" -gt 0 ] && [ -n "$theirs" ] && [ "$ours" -le "$theirs" ] &&
		echo 0 || echo 1)" \
		"$name: summary p50 ${ours:-?} ns is positive and not above wrk's ${theirs:-?} ns"
}

php=
[ -e /usr/lib/apache2/modules/libphp8.2.so ] && php=yes
[ -n "$php" ] || diag "no /usr/lib/apache2/modules/libphp8.2.so: no PHP page runs"
for ka in off on; do
	run "$ka" event static
	run "$ka" prefork static
	[ -z "$php" ] || run "$ka" prefork php
done
done_testing
