#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Offline and live agree (issue 16): the windows of a recorded experiment
# computed by `lttng-analyzer windows` equal those lttng-analyzerd stored
# live for the same session, every count and every percentile.
#
# As test-daemon-live.sh: a private lttng-sessiond and lttng-relayd
# (contrib/testbed), a live session (live timer 100 ms), Apache (event MPM,
# KeepAlive On) under the user-space system-call tracer, loaded by wrk on
# loopback for 5 s at 2,000 requests/s at most (10,000 requests). The
# daemon attaches to the session over REST before the load, with queries
# given at creation:
#   - requests, 1 s tumbling, per component, grace 5 s;
#   - system calls, 1 s tumbling, per system call, grace 1 s;
#   - requests, 2 s hopping by 1 s, per component and end reason, grace 5 s;
# each asking every figure (count, rate, bytes, errors, p50, p90, p99, max,
# histogram); and the analysis's default query 1 (1 s tumbling per
# component, grace 2 s, no histogram). The graces are well above the live
# timer, the most the streams of a live session arrive out of order.
# After the load the session is destroyed (the relay daemon still up) and
# the analysis ends (bounded wait): its last windows are flushed and
# stored, and its last window is the recording's last. Then each query's
# windows (GET .../queries/{qid}/windows, every page) are compared with
# `lttng-analyzer windows` run with the same options on the relay
# daemon's recording of the session.
#
# A live viewer starts at the streams' current position, which is after
# the start of the recording: the first live window of a query holds only
# what came after that position (it is partial), and so, with a hopping
# query, do the other windows that began before it. So the windows
# compared are those that start at or after the first live window's start
# plus the range, up to the last live window: each must exist on both
# sides (same start, end and group) with every field equal but "id"
# (live) and "query" (offline). At least 3 windows per query.
# One more exception, for the same reason: a call in progress when the
# viewer attached (Apache's parent sleeps in select() 1 s at a time) is
# an exit without entry live (untimed, in no window), timed offline, in
# the window of its exit, which can be past the first one. So a group of
# a window is left out when its offline latency max reaches back before
# the moment the analysis went live (its start minus its max is earlier):
# it may hold such a call (or a request begun before; none: the load
# starts after). Those left out are counted in the diag.
#
# The daemon logs each query's counters at the end: no event dropped late
# or refused live.
#
# The sums: the counts of all the default query's live windows equal the
# requests /stats counts less its empty and open ones (those windows
# count; doc/windows.md), and the counts of all the live windows of the
# 1 s request query equal the records of the live requests.jsonl whose
# end reason is neither open nor empty.
. "$(dirname "$0")/../utils/test-lib.sh"
. "$top_srcdir/tests/utils/lttng-env.sh"
. "$top_srcdir/tests/utils/daemon-env.sh"
reason=$(lta_env_skip_reason)
[ -z "$reason" ] || skip_all "$reason"
for b in apache2 wrk curl jq; do
	command -v "$b" >/dev/null 2>&1 || skip_all "$b is not installed"
done
[ -x "$LTAD" ] || skip_all "lttng-analyzerd is not built"
[ -x "$LTA_CLI" ] || skip_all "lttng-analyzer is not built"
tmp=$(mktemp -d)
trap 'lta_daemon_stop; [ -n "${LTA_KEEP_TMP:-}" ] || rm -rf "$tmp"' EXIT

lta_daemon_start "$tmp/d" || skip_all "the daemon does not start here"
ok 0 "daemon listening on port $LTAD_PORT"

# name|stream|range|slide|grace|group-by: the queries, given to the daemon
# at creation and to lttng-analyzer windows, with the default query 1.
figures='["count","rate","bytes","errors","p50","p90","p99","max","histogram"]'
cat >"$tmp/queries" <<'EOF'
requests-1s|requests|1s|1s|5s|component
syscalls-1s|syscalls|1s|1s|1s|syscall
requests-2s-hop|requests|2s|1s|5s|component,end_reason
EOF
LTA_QUERIES=$(while IFS='|' read -r name stream range slide grace by; do
	jq -cn --arg n "$name" --arg s "$stream" --arg r "$range" \
		--arg l "$slide" --arg g "$grace" --arg b "$by" \
		--argjson f "$figures" \
		'{name: $n, stream: $s, range: $r, slide: $l, grace: $g,
		  group_by: ($b | split(",")), figures: $f}'
done <"$tmp/queries" | jq -cs .)
echo 'latency per component|requests|1s|1s|2s|component' >>"$tmp/queries"

# The hooks run inside the testbed (same network, private LTTng daemons).
export LTAD_URL LTAD_TOKEN LTA_QUERIES
attach='body=$(jq -cn --arg url "$LTA_TESTBED_LIVE_URL" --argjson q "$LTA_QUERIES" \
	"{url: \$url, queries: \$q}")
curl -s -m 10 -X POST -H "Authorization: Bearer $LTAD_TOKEN" \
	-H "Content-Type: application/json" --data-binary "$body" \
	-o "$LTA_TESTBED_OUT/post.json" -w "%{http_code}" \
	"$LTAD_URL/api/v1/analyses" >"$LTA_TESTBED_OUT/post.status"
# The load must wait until the viewer is attached ("live"): a live viewer
# starts at the streams'"'"' current position.
id=$(jq -r .id "$LTA_TESTBED_OUT/post.json")
end=$(($(date +%s) + 20))
until [ "$(curl -s -m 5 "$LTAD_URL/api/v1/analyses/$id" | jq -r .status)" = live ]; do
	[ "$(date +%s)" -lt "$end" ] || exit 1
	sleep 0.05
done
date +%s%N >"$LTA_TESTBED_OUT/live-at"'
# After the load, Apache still up: the session is destroyed, the relay
# daemon kept, so that the viewer reads everything and the analysis ends
# (bounded wait). The testbed then finds no session to stop.
finish='id=$(jq -r .id "$LTA_TESTBED_OUT/post.json")
{ lttng stop testbed && lttng list testbed && lttng destroy testbed; } \
	>"$LTA_TESTBED_OUT/hook-lttng.txt" 2>&1 || exit 1
end=$(($(date +%s) + 60))
until [ "$(curl -s -m 5 "$LTAD_URL/api/v1/analyses/$id" | jq -r .running)" = false ]; do
	[ "$(date +%s)" -lt "$end" ] || break
	sleep 0.1
done
curl -s -m 5 "$LTAD_URL/api/v1/analyses/$id" | jq -r .status >"$LTA_TESTBED_OUT/final-status"'

out=$tmp/tb
top_builddir=$top_builddir bash "$top_srcdir/contrib/testbed/run.sh" \
	--mpm event --keepalive on --duration 5 --rate 2000 --connections 8 \
	--live-timer 100000 --subbuf-size 8M --num-subbuf 8 --out "$out" \
	--on-ready "$attach" --after-load "$finish" >"$tmp/run.log" 2>&1
ok $? "testbed ran with the daemon attached"
[ -s "$out/access.log" ] || { sed 's/^/# /' "$tmp/run.log" | tail -20; done_testing; }
is "$(cat "$out/post.status")" 201 "POST /api/v1/analyses with the live URL and 3 queries: 201"
id=$(jq -r .id "$out/post.json")
logged=$(grep -vc '?ready' "$out/access.log")
ok "$([ "$logged" -gt 100 ] && echo 0 || echo 1)" "$logged access-log lines"
discarded=$(awk '/Discarded events:/ { n += $NF; seen = 1 }
	END { print seen ? n : "not said" }' "$out/hook-lttng.txt")
is "$discarded" 0 "the tracer discarded no event"
is "$(cat "$out/final-status")" ended "the analysis ended with its session"

# The queries' ids, by name.
lta_api GET "/api/v1/analyses/$id/queries" >"$tmp/queries.json"
is "$(lta_status) $(jq '.queries | length' "$tmp/queries.json")" "200 4" \
	"GET .../queries: the default query and the 3 given"

"$LTA_CLI" requests --end-reason=all "$out/trace" >/dev/null
ok $? "lttng-analyzer requests reads the relay daemon's copy"

# live_windows QID FILE: every page of the query's windows, one a line;
# pages of 10 windows, so that paging is part of what is compared. Prints
# the number of pages.
live_windows()
{
	local after=0 pages=0 body next

	: >"$2"
	while [ $pages -lt 10000 ]; do
		body=$(lta_api GET "/api/v1/analyses/$id/queries/$1/windows?limit=10&after=$after")
		[ "$(lta_status)" = 200 ] || return 1
		echo "$body" | jq -c '.windows[]' >>"$2"
		next=$(echo "$body" | jq -r .next)
		pages=$((pages + 1))
		[ "$next" = null ] && echo "$pages" && return 0
		after=$next
	done
	return 1
}

# Compares the live windows ($2) with the offline ones ($1) of a query of
# range $3 ns asking the figures $4 (a JSON list), the analysis live since
# $5 (ns); prints "key value" lines (compared, missing, live_only,
# duplicated, different, begun_before, first, last, offline_last, live_windows,
# counted); the first differences on stderr.
compare()
{
	$PYTHON - "$@" <<'EOF'
import json
import sys

offline_file, live_file, range_ns = sys.argv[1], sys.argv[2], int(sys.argv[3])
figures = json.loads(sys.argv[4])
live_at = int(sys.argv[5])


def key(w):
    return (w['start'], w['end'], json.dumps(w['group'], sort_keys=True))


live = {}
duplicated = 0  # the same window and group twice (paging)
for line in open(live_file):
    w = json.loads(line)
    del w['id']
    duplicated += key(w) in live
    live[key(w)] = w
if not live:
    print('compared 0')
    sys.exit(0)
first = min(k[0] for k in live) + range_ns
last = max(k[0] for k in live)
offline = {}
offline_last = None
begun_before = set()  # may hold a call or request begun before live_at
for line in open(offline_file):
    w = json.loads(line)
    del w['query']
    offline_last = max(w['start'], offline_last or w['start'])
    if first <= w['start'] <= last:
        if w['start'] - w['max'] < live_at:
            begun_before.add(key(w))
        else:
            offline[key(w)] = w
wanted = {k: w for k, w in live.items()
          if first <= k[0] <= last and k not in begun_before}
missing = [k for k in offline if k not in wanted]
live_only = [k for k in wanted if k not in offline]
different = 0
for k in sorted(set(wanted) & set(offline)):
    fields = ['start', 'end', 'group'] + figures
    diff = [f for f in fields if wanted[k].get(f, 'absent live') !=
            offline[k].get(f, 'absent offline')]
    if diff:
        different += 1
        if different <= 3:
            print('different: start %d group %s: %s' % (
                k[0], k[2], ', '.join(
                    '%s offline %s, live %s' % (
                        f, json.dumps(offline[k].get(f))[:60],
                        json.dumps(wanted[k].get(f))[:60])
                    for f in diff)), file=sys.stderr)
for k in sorted(missing)[:3]:
    print('missing live: [%d, %d) group %s' % k, file=sys.stderr)
for k in sorted(live_only)[:3]:
    print('live only: [%d, %d) group %s' % k, file=sys.stderr)
print('compared', len(set(wanted) & set(offline)))
print('missing', len(missing))
print('live_only', len(live_only))
print('duplicated', duplicated)
print('different', different)
print('begun_before', len(begun_before))
print('first', first)
print('last', last)
print('offline_last', offline_last)
print('live_windows', len(live))
print('counted', sum(w['count'] for w in live.values()))
EOF
}

declare -A counted=()
while IFS='|' read -r name stream range slide grace by; do
	qid=$(jq -r --arg n "$name" '.queries[] | select(.name == $n) | .id' "$tmp/queries.json")
	if [ -z "$qid" ]; then
		ok 1 "query $name registered"
		continue
	fi
	pages=$(live_windows "$qid" "$tmp/live-$qid.jsonl")
	ok $? "query $qid ($name): GET .../windows, every page (pages: $pages, windows: $(grep -c '' "$tmp/live-$qid.jsonl"))"
	"$LTA_CLI" windows --stream="$stream" --range="$range" --slide="$slide" \
		--grace="$grace" --group-by="$by" --counters "$out/trace" \
		>"$tmp/offline-$qid.jsonl" 2>"$tmp/offline-$qid.counters"
	ok $? "query $qid ($name): lttng-analyzer windows --stream=$stream --range=$range --slide=$slide --grace=$grace --group-by=$by ($(grep -c '' "$tmp/offline-$qid.jsonl") windows)"
	spec=$(jq -c --arg n "$name" '.queries[] | select(.name == $n)' "$tmp/queries.json")
	compare "$tmp/offline-$qid.jsonl" "$tmp/live-$qid.jsonl" \
		"$(echo "$spec" | jq .range_ns)" "$(echo "$spec" | jq -c .figures)" \
		"$(cat "$out/live-at")" \
		>"$tmp/compare-$qid" 2>"$tmp/compare-$qid.details"
	declare -A cmp=()
	while read -r k v; do cmp[$k]=$v; done <"$tmp/compare-$qid"
	diag "query $qid ($name): $(tr '\n' ' ' <"$tmp/compare-$qid")"
	sed 's/^/#   /' "$tmp/compare-$qid.details" | head -9
	ok "$([ "${cmp[compared]:-0}" -ge 3 ] && echo 0 || echo 1)" \
		"query $qid ($name): ${cmp[compared]:-0} windows compared (at least 3)"
	is "${cmp[missing]:-}/${cmp[live_only]:-}/${cmp[duplicated]:-}" 0/0/0 \
		"query $qid ($name): the same windows and groups live and offline, each once"
	is "${cmp[different]:-}" 0 \
		"query $qid ($name): with every field equal (start, end, group, $(echo "$spec" | jq -r '.figures | join(", ")'))"
	is "${cmp[last]:-}" "${cmp[offline_last]:-}" \
		"query $qid ($name): its last live window is the recording's last"
	# The window set's counters, which the API does not show, are in the
	# daemon's log when the input ends.
	line=$(grep -o "Query counters (end of input): analysis=$id, query=$qid, .*" \
		"$LTAD_DIR/daemon.log")
	diag "query $qid ($name): live ${line#*query=$qid, }"
	is "$(echo "$line" | sed -n 's/.*late_dropped=\([0-9]*\), refused=\([0-9]*\),.*/\1 \2/p')" \
		"0 0" "query $qid ($name): live, no event dropped late or refused"
	counted[$name]=${cmp[counted]:-}
	unset cmp
done <"$tmp/queries"

# The sums, over all the live windows (the first, partial, ones too).
stats=$(lta_api GET "/api/v1/analyses/$id/stats")
want=$(echo "$stats" | jq '.counts.requests - .counts.empty - .counts.open')
is "${counted[latency per component]}" "$want" \
	"default query: its live windows count the requests of /stats less the empty and open ones ($want)"
code=$(curl -s -m 300 -H "Authorization: Bearer $LTAD_TOKEN" -o "$tmp/live.jsonl" \
	-w '%{http_code}' "$LTAD_URL/api/v1/analyses/$id/requests.jsonl")
is "$code" 200 \
	"GET .../requests.jsonl exports the dataset ($(grep -c '' "$tmp/live.jsonl") records)"
want=$(jq -s '[.[] | select(.end_reason != "open" and .end_reason != "empty")]
	| length' "$tmp/live.jsonl")
is "${counted[requests-1s]}" "$want" \
	"requests-1s: its live windows count the exported records neither open nor empty ($want)"

lta_daemon_stop
is "$LTAD_STOP_STATUS" 0 "SIGTERM stops the daemon cleanly (status 0)"
done_testing
