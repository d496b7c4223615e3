#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Derived services keyed by the kind of request, on a real kernel trace:
# ../shared/traces/apache-prefork-kernel-3m (Apache prefork serving a
# static page and a 30 ms CGI under wrk; extracted outside the tree by
# tests/utils/trace-cache.sh), through `lttng-analyzer errors`:
# - --no-kinds: every derived error is of the one service "request", and
#   there are some (the CGI requests cross the estimate of all requests);
# - with kinds: the CGI requests are "request exec .../slow.cgi" (their
#   forked child's sched_process_exec), every error is of that kind or of
#   "request" (the static pages: the trace has no openat file name), at
#   least one is of the CGI kind, and there are no more errors than with
#   one service;
# - no derived interaction here is on a paired connection: every
#   downstream_request is -1;
# - --max-kinds takes a positive integer only.
. "$(dirname "$0")/../utils/test-lib.sh"
. "$top_srcdir/tests/utils/trace-cache.sh"

tarball=$LTA_SHARED_TRACES/apache-prefork-kernel-3m.tar.xz
[ -f "$tarball" ] || skip_all "$tarball is not here"
trace=$(lta_trace_cache_extract "$tarball") ||
	skip_all "cannot extract $tarball"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$LTA_CLI" errors --jobs=1 --format=json --no-kinds "$trace" \
	>"$tmp/one.json" 2>"$tmp/one.err"
is "$?" 0 "errors --no-kinds reads the trace"
diag "--no-kinds: $(cat "$tmp/one.err")"
"$LTA_CLI" errors --jobs=1 --format=json "$trace" \
	>"$tmp/kinds.json" 2>"$tmp/kinds.err"
is "$?" 0 "errors (kinds) reads the trace"
diag "kinds: $(cat "$tmp/kinds.err")"

# summary FILE: tab-separated (names have spaces): errors, the derived
# names joined by |, errors of the CGI kind, errors with a downstream.
summary()
{
	$PYTHON - "$1" <<'PY'
import json, sys
errors, names, cgi, downstream = 0, set(), 0, 0
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e['event'] != 'error' or e['origin'] != 'derived':
        continue
    errors += 1
    names.add(e['name'])
    if e['name'].startswith('request exec ') and \
            e['name'].endswith('/cgi-bin/slow.cgi'):
        cgi += 1
    if e['downstream_request'] != -1:
        downstream += 1
print(errors, '|'.join(sorted(names)), cgi, downstream, sep='\t')
PY
}

IFS=$'\t' read -r one_errors one_names one_cgi one_downstream \
	<<<"$(summary "$tmp/one.json")"
IFS=$'\t' read -r errors names cgi downstream <<<"$(summary "$tmp/kinds.json")"
ok "$([ "$one_errors" -gt 0 ] && echo 0 || echo 1)" \
	"one service for every request: $one_errors CoE"
is "$one_names" "request" "...all of the service request"
ok "$([ "$cgi" -gt 0 ] && echo 0 || echo 1)" \
	"with kinds: $cgi errors of the CGI kind (request exec .../slow.cgi)"
$PYTHON - "$names" <<'PY'
import sys
ok = all(n == 'request' or (n.startswith('request exec ') and
                            n.endswith('/cgi-bin/slow.cgi'))
         for n in sys.argv[1].split('|'))
sys.exit(0 if ok else 1)
PY
ok $? "...every error of that kind or of request ($names)"
ok "$([ "$errors" -le "$one_errors" ] && echo 0 || echo 1)" \
	"...no more errors than with one service ($errors <= $one_errors)"
is "$one_downstream $downstream" "0 0" \
	"no downstream request: no connection between traced servers here"

for bad in 0 -1 1.5 x; do
	"$LTA_CLI" errors --max-kinds="$bad" "$trace" >/dev/null 2>&1
	is "$?" 2 "--max-kinds=$bad is a usage error"
done

# The daemon's workers the same: its derived error names with and without
# kinds (lttng-analyzerd --no-kinds), stored and served.
. "$top_srcdir/tests/utils/daemon-env.sh"
# daemon_names NAME [OPTION...]: the derived error names a daemon of its
# own serves for the trace, |-joined.
daemon_names()
{
	local name=$1 id deadline status
	shift
	lta_daemon_start "$tmp/$name" --no-relayd "$@" || return 1
	id=$(lta_api POST /api/v1/analyses "{\"path\":\"$trace\"}" | jq -r .id)
	deadline=$(($(date +%s) + 240))
	while [ "$(date +%s)" -lt $deadline ]; do
		status=$(lta_api GET "/api/v1/analyses/$id" | jq -r .status)
		case $status in ended | failed) break ;; esac
		sleep 0.2
	done
	lta_api GET "/api/v1/analyses/$id/errors?origin=derived&limit=1000" |
		jq -r '[.errors[].name] | unique | join("|")'
	lta_daemon_stop >/dev/null 2>&1
}
if command -v jq >/dev/null && command -v curl >/dev/null; then
	is "$(daemon_names no-kinds --no-kinds)" request \
		"lttng-analyzerd --no-kinds: one derived service per process"
	is "$(daemon_names kinds --max-kinds=4)" "$names" \
		"lttng-analyzerd (kinds): the CLI's error names"
else
	skip 2 "curl or jq is not installed"
fi
done_testing
