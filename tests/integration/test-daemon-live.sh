#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The daemon on a live Apache: a private lttng-sessiond and lttng-relayd
# (contrib/testbed), a live session, Apache (event MPM, KeepAlive On: wrk's
# connections carry thousands of requests each) under the user-space
# tracer loaded by wrk, and lttng-analyzerd attached to the session over
# REST before the load. Within a bounded wait after wrk ends, GET .../stats
# counts exactly the access-log lines as complete requests (those made
# after it attached: a live viewer starts at the streams' current
# position, so the testbed's readiness probe is not seen), and paging
# through GET .../requests finds every logged client port, as many times.
# The live export (GET .../requests.jsonl) equals, record for record,
# lttng-analyzer requests run offline on the relay daemon's recording of
# the same session (the testbed moves it from the private LTTNG_HOME to
# its output folder, trace/): on the connections accepted after the
# daemon went live, every offline record is exported, with the same JSON
# but for "id" and "connection"."id" (counters that depend on where the
# reading began), and no exported record starting then is unknown
# offline. Then SIGTERM stops the daemon cleanly and the results stay
# readable after a restart on the same data folder.
. "$(dirname "$0")/../utils/test-lib.sh"
. "$top_srcdir/tests/utils/lttng-env.sh"
. "$top_srcdir/tests/utils/daemon-env.sh"
reason=$(lta_env_skip_reason)
[ -z "$reason" ] || skip_all "$reason"
for b in apache2 wrk curl jq; do
	command -v "$b" >/dev/null 2>&1 || skip_all "$b is not installed"
done
[ -x "$LTAD" ] || skip_all "lttng-analyzerd is not built"
tmp=$(mktemp -d)
trap 'lta_daemon_stop; [ -n "${LTA_KEEP_TMP:-}" ] || rm -rf "$tmp"' EXIT

lta_daemon_start "$tmp/d" || skip_all "the daemon does not start here"
ok 0 "daemon listening on port $LTAD_PORT"

# The hooks run inside the testbed (same network, private LTTng daemons).
export LTAD_URL LTAD_TOKEN
attach='date +%s%N >"$LTA_TESTBED_OUT/attach-at"
body=$(printf "{\"url\":\"%s\"}" "$LTA_TESTBED_LIVE_URL")
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
# After the load: wait (bounded) until stats counts every logged request.
settle='id=$(jq -r .id "$LTA_TESTBED_OUT/post.json")
want=$(grep -vc "?ready" "$LTA_TESTBED_OUT/access.log")
end=$(($(date +%s) + 30))
while :; do
	got=$(curl -s -m 5 "$LTAD_URL/api/v1/analyses/$id/stats" | jq -r .counts.complete)
	if [ "$got" -ge "$want" ] 2>/dev/null; then
		# A readiness probe seen counts too: let the last ones arrive.
		sleep 0.5
		got=$(curl -s -m 5 "$LTAD_URL/api/v1/analyses/$id/stats" | jq -r .counts.complete)
		break
	fi
	[ "$(date +%s)" -lt "$end" ] || break
	sleep 0.2
done
echo "$got" >"$LTA_TESTBED_OUT/settled"
date +%s%N >"$LTA_TESTBED_OUT/settled-at"'

out=$tmp/tb
top_builddir=$top_builddir bash "$top_srcdir/contrib/testbed/run.sh" \
	--mpm event --keepalive on --duration 3 --connections 8 --live-timer 100000 \
	--subbuf-size 8M --num-subbuf 8 --out "$out" \
	--on-ready "$attach" --after-load "$settle" >"$tmp/run.log" 2>&1
ok $? "testbed ran with the daemon attached"
[ -s "$out/access.log" ] || { sed 's/^/# /' "$tmp/run.log" | tail -20; done_testing; }
is "$(cat "$out/post.status")" 201 "POST /api/v1/analyses with the live URL: 201"
id=$(jq -r .id "$out/post.json")
# The testbed's readiness probes (GET ...?ready) ran before the daemon
# attached: a live viewer starts at the streams' current position, which
# is usually past them, but may still hold the last one's events.
logged=$(grep -vc '?ready' "$out/access.log")
ok "$([ "$logged" -gt 100 ] && echo 0 || echo 1)" "$logged access-log lines"

# Page through all requests (cursor), keeping the ports of non-empty ones,
# apart from the probes seen: a probe's port, started before the attach.
grep '?ready' "$out/access.log" | awk '{print $2}' | sort -u >"$tmp/ready-ports"
attach_at=$(cat "$out/attach-at")
after=0
: >"$tmp/ports"
: >"$tmp/probes"
pages=0
while [ $pages -lt 1000 ]; do
	body=$(lta_api GET "/api/v1/analyses/$id/requests?limit=1000&after=$after")
	[ "$(lta_status)" = 200 ] || break
	echo "$body" | jq -r --argjson t "$attach_at" --slurpfile ready <(jq -s . "$tmp/ready-ports") \
		'.requests[] | select(.end_reason != "empty") |
		 if (.start_ns < $t and (.port as $p | $ready[0] | index($p))) then "probe \(.port)" else .port end' |
		while read -r a b; do
			if [ "$a" = probe ]; then echo "$b" >>"$tmp/probes"; else echo "$a" >>"$tmp/ports"; fi
		done
	next=$(echo "$body" | jq -r '.next')
	pages=$((pages + 1))
	[ "$next" = null ] && break
	after=$next
done
is "$(lta_status)" 200 "paging through requests ($pages pages)"
probes=$(wc -l <"$tmp/probes" | tr -d ' ')
[ "$probes" = 0 ] || echo "# $probes readiness probe(s) seen by the viewer"
is "$(cat "$out/settled")" "$((logged + probes))" \
	"stats counts exactly the access-log lines (and the probes seen) as complete requests"
grep -v '?ready' "$out/access.log" | awk '{print $2}' | sort -n >"$tmp/logged-ports"
sort -n "$tmp/ports" >"$tmp/api-ports"
cmp -s "$tmp/logged-ports" "$tmp/api-ports"
ok $? "requests page through every logged client port, as many times ($(wc -l <"$tmp/api-ports"))"

# The live export against an offline run on the relay daemon's copy of
# the same session (every record: the empty connections too).
code=$(curl -s -m 300 -H "Authorization: Bearer $LTAD_TOKEN" -o "$tmp/live.jsonl" \
	-w '%{http_code}' "$LTAD_URL/api/v1/analyses/$id/requests.jsonl")
is "$code" 200 "GET .../requests.jsonl exports the dataset ($(grep -c '' "$tmp/live.jsonl") records)"
"$LTA_CLI" requests --end-reason=all "$out/trace" >"$tmp/offline.jsonl"
ok $? "lttng-analyzer requests reads the relay daemon's copy ($(grep -c '' "$tmp/offline.jsonl") records)"
# Prints "key value" lines: compared (offline records of the connections
# accepted, accept entry included, after the daemon went live), missing
# (not exported), different (exported with other JSON), live_only
# (exported, starting after that moment, unknown offline); the first
# differences on stderr.
$PYTHON - "$tmp/offline.jsonl" "$tmp/live.jsonl" "$(cat "$out/live-at")" \
	>"$tmp/compare" 2>"$tmp/compare.details" <<'EOF'
import hashlib
import json
import sys

live_at = int(sys.argv[3])


def key(r):
    return (r['trace'], r['pid'], r['fd'], r['start_ns'])


def digest(r):
    """The record but for the counters that depend on where reading began."""
    r = dict(r)
    del r['id']
    if r.get('connection'):
        r['connection'] = {k: v for k, v in r['connection'].items()
                           if k != 'id'}
    text = json.dumps(r, sort_keys=True)
    return hashlib.sha1(text.encode()).hexdigest(), text[:300]


def connection(r):
    c = r.get('connection')
    return (c['id'], c['position']) if c else (('request', r['id']), 1)


accepted = set()
for line in open(sys.argv[1]):
    r = json.loads(line)
    cid, position = connection(r)
    first = r['accept_entry_ns']
    if position == 1 and (first if first is not None else r['start_ns']) > live_at:
        accepted.add(cid)
wanted = {}
known = set()
for line in open(sys.argv[1]):
    r = json.loads(line)
    known.add(key(r))
    if connection(r)[0] in accepted:
        wanted[key(r)] = digest(r)
exported = {}
shown = {}  # key -> exported record, of the first differences
live_only = 0
for line in open(sys.argv[2]):
    r = json.loads(line)
    k = key(r)
    if k in wanted:
        exported[k] = digest(r)
        if exported[k][0] != wanted[k][0] and len(shown) < 3:
            shown[k] = r
    elif k not in known and r['start_ns'] > live_at:
        live_only += 1
        if live_only <= 3:
            print('live only:', line.strip()[:400], file=sys.stderr)
missing = different = 0
for k in sorted(wanted):
    if k not in exported:
        missing += 1
        if missing <= 3:
            print('missing:', wanted[k][1], file=sys.stderr)
    elif exported[k][0] != wanted[k][0]:
        different += 1
# The fields that differ, in the first differences.
for line in open(sys.argv[1]):
    r = json.loads(line)
    if key(r) in shown:
        x = shown[key(r)]
        fields = sorted(f for f in set(r) | set(x)
                        if f != 'id' and r.get(f) != x.get(f))
        print('different: pid %d fd %d start_ns %d: %s' % (
            r['pid'], r['fd'], r['start_ns'],
            ', '.join('%s offline %s, live %s' % (
                f, json.dumps(r.get(f))[:80], json.dumps(x.get(f))[:80])
                for f in fields)), file=sys.stderr)
print('compared', len(wanted))
print('missing', missing)
print('different', different)
print('live_only', live_only)
EOF
declare -A cmp=()
while read -r k v; do cmp[$k]=$v; done <"$tmp/compare"
diag "live export vs offline: $(tr '\n' ' ' <"$tmp/compare")"
sed 's/^/#   /' "$tmp/compare.details" | head -12
ok "$([ "${cmp[compared]:-0}" -ge "$logged" ] && echo 0 || echo 1)" \
	"${cmp[compared]} offline records on connections accepted after the daemon went live (at least the $logged logged requests)"
is "${cmp[missing]}" 0 "the live export has every one of them"
is "${cmp[different]}" 0 "with the same JSON (but for id and connection.id)"
is "${cmp[live_only]}" 0 "and no exported record starting after that moment is unknown offline"

# The testbed destroys the session and then stops its relay daemon: the
# analysis ends, or sees the relay daemon go first (disconnected).
status=$(lta_api GET "/api/v1/analyses/$id" | jq -r .status)
ok "$(case $status in ended | disconnected) echo 0 ;; *) echo 1 ;; esac)" \
	"after the testbed, the analysis is $status"

before=$(lta_api GET "/api/v1/analyses/$id/stats" |
	jq -c '[.counts, .throughput, .bytes_read, .bytes_written, .latency.count, .latency.max]')
lta_daemon_stop
is "$LTAD_STOP_STATUS" 0 "SIGTERM stops the daemon cleanly (status 0)"
lta_daemon_start "$tmp/d" || true
stats=$(lta_api GET "/api/v1/analyses/$id/stats")
is "$(echo "$stats" | jq -r .counts.complete)" "$((logged + probes))" "after a restart, stats still counts them"
is "$(echo "$stats" | jq -c '[.counts, .throughput, .bytes_read, .bytes_written, .latency.count, .latency.max]')" \
	"$before" "and rebuilt from the store, its figures equal the live ones"
done_testing
