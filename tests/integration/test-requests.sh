#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# lttng-analyzer requests on real traces:
# - ../shared/traces: the requests (pid, fd, start, end) equal those an
#   independent script finds with the rules of doc/segmentation.md (a
#   connection carries one or more request/answer exchanges), to the
#   nanosecond:
#     babeltrace2 --clock-seconds --clock-gmt DIR | tests/utils/ref-requests.py
#   many-threads yields none (it has no accept4, and its one accept is
#   still open when the trace ends: printed only with --open).
# - a generated trace (gen-trace, 4 threads, request cycles): exactly
#   EVENTS/8 requests, each accept4/read/write/close with its bytes, every
#   line valid JSON, the text format one line per request, and the summary
#   counting them all as complete.
. "$(dirname "$0")/../utils/test-lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ -d "$LTA_SHARED_TRACES" ]; then
	for t in tracevizlab-wget-k-115043 tracevizlab-pacman-k tracecompass-many-threads; do
		dir=$LTA_SHARED_TRACES/$t
		babeltrace2 --clock-seconds --clock-gmt "$dir" |
			$PYTHON "$top_srcdir/tests/utils/ref-requests.py" >"$tmp/ref"
		"$LTA_CLI" requests "$dir" >"$tmp/ours.jsonl"
		ok $? "$t: requests exits 0"
		$PYTHON - "$tmp/ours.jsonl" >"$tmp/ours" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    print(r['pid'], r['fd'], r['start_ns'], r['end_ns'])
PY
		diff "$tmp/ref" "$tmp/ours" >"$tmp/diff"
		ok $? "$t: $(wc -l <"$tmp/ref") requests, equal to the reference pairs"
		[ -s "$tmp/diff" ] && sed 's/^/# /' "$tmp/diff"
	done
	is "$(wc -l <"$tmp/ref" | tr -d ' ')" 0 "many-threads: zero requests"
	is "$("$LTA_CLI" requests --open "$LTA_SHARED_TRACES/tracecompass-many-threads" |
		grep -c '"end_reason":"open"')" 1 \
		"--open shows its one accept still open at the end"
	# dbus-daemon's requests: the reference's lines of its pid (the first
	# accept of the trace, pid 423 in pacman's statedump).
	dir=$LTA_SHARED_TRACES/tracevizlab-pacman-k
	babeltrace2 --clock-seconds --clock-gmt "$dir" |
		$PYTHON "$top_srcdir/tests/utils/ref-requests.py" >"$tmp/ref"
	want=$(awk '$1 == 423' "$tmp/ref" | wc -l | tr -d ' ')
	ok "$([ "$want" -gt 0 ] && echo 0 || echo 1)" \
		"pacman: dbus-daemon (pid 423) has $want of the $(wc -l <"$tmp/ref" | tr -d ' ') requests"
	is "$("$LTA_CLI" requests --process=dbus-daemon "$dir" | wc -l | tr -d ' ')" "$want" \
		"--process=dbus-daemon keeps dbus-daemon's $want"
	is "$("$LTA_CLI" requests --end-reason=all --process=lttng-sessiond "$dir" | grep -c '"pid":423,')" 0 \
		"--process=lttng-sessiond keeps none of dbus-daemon's"
else
	diag "no shared traces at $LTA_SHARED_TRACES: their checks skipped"
fi

. "$top_srcdir/tests/utils/lttng-env.sh"
reason=$(lta_env_skip_reason)
if [ -n "$reason" ] || [ ! -x "$top_builddir/tests/utils/gen-trace" ]; then
	diag "cannot record a trace here: ${reason:-gen-trace not built}"
	done_testing
fi
events=80000
bash "$top_srcdir/tests/utils/record-gen-trace.sh" "$tmp/trace" "$events" 4 requests >/dev/null
"$LTA_CLI" requests "$tmp/trace" >"$tmp/gen.jsonl"
ok $? "requests reads the generated trace"
$PYTHON - "$tmp/gen.jsonl" "$events" >"$tmp/check" <<'PY'
import json, sys
n = 0
bad = []
ids = []
for line in open(sys.argv[1]):
    r = json.loads(line)
    n += 1
    ids.append(r['id'])
    names = [c['name'] for c in r['calls']]
    if names != ['accept4', 'read', 'write', 'close']:
        bad.append(('sequence', r['id'], names))
    if r['bytes_read'] != 120 or r['bytes_written'] != 512:
        bad.append(('bytes', r['id']))
    if r['end_reason'] != 'close' or r['incomplete']:
        bad.append(('end', r['id'], r['end_reason']))
    if r['peer'] != {'family': 'inet', 'address': '127.0.0.1', 'port': r['peer']['port']} \
            or not 1024 <= r['peer']['port'] < 61024:
        bad.append(('peer', r['id'], r['peer']))
    if r['duration_ns'] != r['end_ns'] - r['start_ns'] or r['duration_ns'] < 0:
        bad.append(('duration', r['id']))
print(n, len(bad), sorted(ids) == list(range(1, n + 1)), bad[:3])
PY
read -r n nbad ids_ok rest <"$tmp/check"
is "$n" $((events / 8)) "$((events / 8)) requests: one per 8-event cycle"
is "$nbad" 0 "each is accept4, read, write, close with its bytes and peer ${rest}"
is "$ids_ok" True "ids are 1..N"
"$LTA_CLI" requests --format=text "$tmp/trace" >"$tmp/text"
is "$(head -1 "$tmp/text" | cut -f1,10,11,13,14)" "$(printf '#id\tstart_ns\tend_reason\tconnection\tposition')" \
	"text format: a header names the columns"
is "$(grep -vc '^#' "$tmp/text")" $((events / 8)) "text format: one line per request"
sed -n 2p "$tmp/text" |
	awk -F'\t' '{exit !(NF == 15 && $2 ~ /^accept4,accept4,read,read,write,write,close,close$/ && $3 == "1,0,1,0,1,0,1,0" && $11 == "close" && $12 == "0" && $14 == "1" && length($10) == 19 && $10 ~ /^[0-9]+$/)}'
ok $? "text format: 15 tab-separated fields, entry/exit flags per event, start, end reason, position"
"$LTA_CLI" requests --format=summary "$tmp/trace" >"$tmp/summary"
grep -q "^  $((events / 8)) requests: $((events / 8)) complete, 0 empty" "$tmp/summary"
ok $? "summary counts every request complete"
grep -qE '^ +99\.900% +[0-9.]+(ns|us|ms|s)$' "$tmp/summary" && grep -q 'Detailed Percentile spectrum' "$tmp/summary"
ok $? "summary prints wrk2's percentiles and spectrum"
"$LTA_CLI" requests --min-duration=3600s "$tmp/trace" >"$tmp/long"
ok $? "--min-duration=3600s runs"
is "$(wc -l <"$tmp/long" | tr -d ' ')" 0 "--min-duration=3600s filters everything out"
is "$("$LTA_CLI" requests --min-duration=0ns "$tmp/trace" | wc -l | tr -d ' ')" $((events / 8)) \
	"--min-duration=0ns keeps everything"
"$LTA_CLI" requests --min-duration=bogus "$tmp/trace" >/dev/null 2>&1
is "$?" 2 "a bad duration is a usage error"
done_testing
