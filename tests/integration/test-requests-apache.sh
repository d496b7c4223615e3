#!/bin/bash
# lttng-analyzer requests against Apache's own access log, on a real Apache
# traced by the user-space system-call tracer under wrk load
# (contrib/testbed/run.sh), for the event MPM (static page) and prefork
# (PHP page when libapache2-mod-php is there):
# - each access-log line matches exactly one request by peer port;
# - each request with no log line is a connection closed with nothing read,
#   marked "empty", and the summary counts those apart;
# - our duration (accept exit to first shutdown/close) is never shorter
#   than Apache's %D by more than 100 us, and the median of (ours - %D) is
#   under 1 ms.
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
trap 'rm -rf "$tmp"' EXIT

for mpm in event prefork; do
	page=static
	if [ "$mpm" = prefork ] && [ -e /usr/lib/apache2/modules/libphp8.2.so ]; then
		page=php
	fi
	out=$tmp/$mpm
	top_builddir=$top_builddir bash "$top_srcdir/contrib/testbed/run.sh" \
		--mpm "$mpm" --page "$page" --duration 3 --connections 8 \
		--subbuf-size 8M --num-subbuf 8 --out "$out" >"$tmp/$mpm.run" 2>&1
	ok $? "$mpm/$page: testbed ran"
	[ -d "$out/trace" ] || { tail -20 "$tmp/$mpm.run" | sed 's/^/# /'; continue; }
	"$LTA_CLI" requests "$out/trace" >"$out/requests.jsonl"
	ok $? "$mpm: lttng-analyzer requests read the trace"
	$PYTHON "$top_srcdir/tests/utils/check-requests-log.py" \
		"$out/requests.jsonl" "$out/access.log" >"$out/check"
	declare -A c=()
	while read -r k v; do c[$k]=$v; done <"$out/check"
	diag "$mpm: $(tr '\n' ' ' <"$out/check")"
	ok "$([ "${c[log_lines]}" -gt 100 ] && echo 0 || echo 1)" \
		"$mpm: ${c[log_lines]} access-log lines (load reached Apache)"
	is "${c[matched]}" "${c[log_lines]}" "$mpm: every log line matches a request"
	is "${c[unmatched_lines]}" 0 "$mpm: no log line without a request"
	is "${c[double_matched]}" 0 "$mpm: no request claimed twice"
	is "${c[extra_not_empty]}" 0 \
		"$mpm: the ${c[extra_requests]} requests without a log line are all empty"
	is "${c[short]}" 0 "$mpm: no duration shorter than %D by more than 100 us"
	$PYTHON -c "import sys; sys.exit(0 if 0 <= float(sys.argv[1]) < 1000 else 1)" \
		"${c[median_diff_us]}"
	ok $? "$mpm: median of (ours - %D) is ${c[median_diff_us]} us (< 1 ms)"
	"$LTA_CLI" requests --format=summary "$out/trace" >"$out/summary"
	grep -q "requests: ${c[log_lines]} complete, ${c[extra_requests]} empty" "$out/summary"
	ok $? "$mpm: summary: ${c[log_lines]} complete, ${c[extra_requests]} empty"
	unset c
done
done_testing
