#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# /metrics as a Prometheus user sees it (doc/openapi.yaml): a daemon
# analyses a recorded trace, and its page
# - passes `promtool check metrics` (format and lint: HELP, TYPE, _total
#   counters, units), while the analysis runs and after it ended;
# - has per server process a latency histogram whose _count equals the
#   latency count and the complete requests of /stats, whose buckets never
#   decrease, whose +Inf bucket equals _count and whose _sum / _count is
#   /stats' mean latency; requests by end reason that equal /stats' counts
#   and add up to its requests; timing errors by type equal to /stats';
#   process_start_time_seconds and lttng_analyzer_build_info;
# - keeps every series of an analysis (name and labels) from one scrape
#   to a later one, its status changing in between (no label that changes
#   over time: the status is one 0/1 gauge per state);
# - keeps the series of an analysis stopped by DELETE and drops every
#   series of one deleted by a second DELETE (a live analysis
#   of a relay daemon that accepts and stays silent, so that it still
#   runs when deleted), and keeps the other analysis's.
# Traces: a generated user-space trace (a private lttng-sessiond, root:
# sub-microsecond latencies) and the shared Apache kernel trace when
# ../shared/traces is there (latencies spread over the buckets: there the
# buckets are also checked against /stats' percentiles), one analysis each.
. "$(dirname "$0")/../utils/test-lib.sh"
. "$top_srcdir/tests/utils/daemon-env.sh"
. "$top_srcdir/tests/utils/lttng-env.sh"
. "$top_srcdir/tests/utils/trace-cache.sh"
for b in curl jq; do
	command -v "$b" >/dev/null || skip_all "$b is not installed"
done
[ -x "$PYTHON" ] || skip_all "$PYTHON is not installed"
command -v promtool >/dev/null ||
	skip_all "promtool is not installed (Debian package prometheus; contrib/install-deps.sh installs it)"
[ -x "$LTAD" ] || skip_all "lttng-analyzerd is not built"
tmp=$(mktemp -d)
pids=
trap 'kill $pids 2>/dev/null; lta_daemon_stop >/dev/null 2>&1; [ -n "${LTA_KEEP_TMP:-}" ] || rm -rf "$tmp"' EXIT

traces=()
if lta_generated_trace "$tmp/gen" 200000 2>"$tmp/record.why"; then
	traces+=("$tmp/gen")
else
	diag "no generated trace: $(cat "$tmp/record.why")"
fi
if dir=$(lta_shared_kernel_trace); then
	traces+=("$dir")
fi
[ ${#traces[@]} -gt 0 ] || skip_all "no trace to analyse (no lttng-sessiond, no ../shared/traces)"

lta_daemon_start "$tmp/d" --no-relayd --relay-timeout-ms=2000 ||
	skip_all "the daemon does not start here"
scrape() { curl -s -m 20 "$LTAD_URL/metrics" >"$1"; }
status() { lta_api GET "/api/v1/analyses/$1" | jq -r .status; }

# metrics FILE ANALYSIS: the samples of that analysis, one per line as
# "name{labels sorted, analysis left out} value".
metrics()
{
	"$PYTHON" - "$1" "$2" <<'EOF'
import re, sys
line_re = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
label_re = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
for line in open(sys.argv[1]):
    line = line.rstrip('\n')
    if not line or line.startswith('#'):
        continue
    m = line_re.match(line)
    if not m:
        print('UNPARSED ' + line)
        continue
    labels = dict(label_re.findall(m.group(2) or ''))
    if labels.pop('analysis', None) != sys.argv[2]:
        continue
    print('%s{%s} %s' % (m.group(1), ','.join(
        '%s=%s' % kv for kv in sorted(labels.items())), m.group(3)))
EOF
}
# sample FILE ANALYSIS 'name{labels}': its value (labels sorted as
# metrics prints them), or "none".
sample()
{
	local v
	v=$(metrics "$1" "$2" | awk -v k="$3" 'index($0, k " ") == 1 { print $2 }')
	echo "${v:-none}"
}

# check_buckets FILE ANALYSIS STATS PROCESS: the buckets of PROCESS
# against the percentiles of /stats (from the same histogram): for each
# percentile P of value V and rank R = ceil(count * P / 100), a bound
# below V holds fewer than R requests, and a bound at or above V holds R
# or more (when V is not the maximum, which caps percentiles). Prints
# how many comparisons held and which did not; fails when one did not.
check_buckets()
{
	"$PYTHON" - "$@" <<'EOF'
import json, math, re, sys
path, analysis, stats, process = sys.argv[1:5]
comp = [c for c in json.load(open(stats))['components']
        if c['process'] == process][0]
lat = comp['latency']
count, vmax = lat['count'], lat['max']
pat = re.compile(r'^lttng_analyzerd_component_request_duration_seconds_bucket'
                 r'\{(.*)\} (\d+)$')
buckets = []
for line in open(path):
    m = pat.match(line.rstrip('\n'))
    if not m:
        continue
    labels = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(1)))
    if labels['analysis'] != analysis or labels['process'] != process:
        continue
    if labels['le'] != '+Inf':
        buckets.append((round(float(labels['le']) * 1e9), int(m.group(2))))
held, wrong = 0, []
for p, v in lat['percentiles'].items():
    if v is None:
        continue
    rank = max(1, math.ceil(count * float(p) / 100.0))
    for bound, n in buckets:
        if v > bound:
            good = n < rank
        elif v < vmax:
            good = n >= rank
        else:
            continue
        held += 1
        if not good:
            wrong.append('p%s=%d ns rank %d: le=%d ns holds %d' %
                         (p, v, rank, bound, n))
print('%d held, %d spread over %d bounds; %s' % (held, len(
    set(n for _, n in buckets)), len(buckets), '; '.join(wrong[:3]) or 'none wrong'))
sys.exit(1 if wrong or held == 0 else 0)
EOF
}

# check_dataset FILE ANALYSIS REQUESTS_JSONL: every bucket and end-reason
# sample of every server process, recomputed from the stored requests
# (requests.jsonl): a complete request (close, shutdown or keepalive, not
# incomplete) of latency L (answered - start, else end - start) counts
# under a bound B when the highest value of L's histogram bucket is at
# most B (exact below 2048 ns; above, buckets 1/1024 of a power of two
# wide), the rule doc/openapi.yaml states. Prints what it compared; fails
# on the first difference.
check_dataset()
{
	"$PYTHON" - "$@" <<'EOF'
import collections, json, re, sys
path, analysis, dataset = sys.argv[1:4]

def highest(v):
    if v < 2048:
        return v
    shift = v.bit_length() - 1 - 10
    return (((v >> shift) + 1) << shift) - 1

page = {}
pat = re.compile(r'^(lttng_analyzerd_component_(?:request_duration_seconds_'
                 r'bucket|requests_by_end_reason_total))\{(.*)\} (\d+)$')
for line in open(path):
    m = pat.match(line.rstrip('\n'))
    if not m:
        continue
    labels = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(2)))
    if labels.pop('analysis') != analysis:
        continue
    page[(m.group(1), labels['process'], labels.get('le') or
          labels.get('end_reason'))] = int(m.group(3))
bounds = sorted({k[2] for k in page if 'bucket' in k[0] and k[2] != '+Inf'},
                key=float)
lat = collections.defaultdict(list)
ends = collections.Counter()
procs = set()
for line in open(dataset):
    r = json.loads(line)
    p = r['procname']
    procs.add(p)
    ends[(p, r['end_reason'])] += 1
    if r['incomplete'] or r['end_reason'] not in ('close', 'shutdown',
                                                 'keepalive'):
        continue
    s, e, a = r['start_ns'], r['end_ns'], r['answered_ns']
    if a is not None and e is not None and s <= a <= e:
        v = a - s
    else:
        v = e - s if e is not None else 0
    lat[p].append(highest(max(v, 0)))
compared = 0
for p in sorted(procs):
    want = {}
    for b in bounds:
        ns = round(float(b) * 1e9)
        want[('lttng_analyzerd_component_request_duration_seconds_bucket',
              p, b)] = sum(1 for h in lat[p] if h <= ns)
    want[('lttng_analyzerd_component_request_duration_seconds_bucket', p,
          '+Inf')] = len(lat[p])
    for reason in ('close', 'shutdown', 'keepalive', 'empty', 'aborted',
                   'open', 'replaced'):
        want[('lttng_analyzerd_component_requests_by_end_reason_total', p,
              reason)] = ends[(p, reason)]
    for k, v in want.items():
        compared += 1
        if page.get(k) != v:
            print('%s %s=%s: page %s, requests %d' % (k[0][16:], k[1], k[2],
                                                      page.get(k), v))
            sys.exit(1)
print('%d samples of %d processes (%d bounds) as the requests say' %
      (compared, len(procs), len(bounds)))
sys.exit(0 if compared and bounds else 1)
EOF
}

ids=()
for trace in "${traces[@]}"; do
	ids+=("$(lta_api POST /api/v1/analyses "{\"path\":\"$trace\"}" | jq -r .id)")
	is "$(lta_status)" 201 "the analysis of $(basename "$trace") is created"
done
id=${ids[0]}
# The first scrape as soon as a snapshot names a server process: the
# analyses are usually still reading.
deadline=$(($(date +%s) + 120))
while scrape "$tmp/m1" && ! grep -q "^lttng_analyzerd_component_requests_total{analysis=\"$id\"" "$tmp/m1" &&
	[ "$(date +%s)" -lt $deadline ]; do
	sleep 0.05
done
deadline=$(($(date +%s) + 300))
for a in "${ids[@]}"; do
	until case $(status "$a") in ended | failed) true ;; *) false ;; esac ||
		[ "$(date +%s)" -ge $deadline ]; do
		sleep 0.2
	done
	is "$(status "$a")" ended "analysis $a ended"
done
scrape "$tmp/m2"

promtool check metrics <"$tmp/m1" >"$tmp/lint1" 2>&1
ok $? "promtool check metrics: the page while the analyses run"
sed 's/^/#   /' "$tmp/lint1" | head -20
promtool check metrics <"$tmp/m2" >"$tmp/lint2" 2>&1
ok $? "promtool check metrics: the page after they ended"
sed 's/^/#   /' "$tmp/lint2" | head -20

# The daemon's own families.
start=$(sed -n 's/^process_start_time_seconds \([0-9.]*\)$/\1/p' "$tmp/m2")
now=$(date +%s)
ok "$(awk -v s="${start:-0}" -v n="$now" 'BEGIN { exit !(s > n - 600 && s <= n + 1) }' && echo 0 || echo 1)" \
	"process_start_time_seconds is the daemon's start ($start, now $now)"
version=$("$LTAD" --version | awk '{ print $2 }')
grep -qx "lttng_analyzer_build_info{version=\"$version\"} 1" "$tmp/m2"
ok $? "lttng_analyzer_build_info{version=\"$version\"} 1"
grep -q 'status=' "$tmp/m2"
is $? 1 "no status label"

# check_analysis ID: its series against its /stats.
check_analysis()
{
	local id=$1 n i p requests complete lcount mean h count sum ends r v
	local first_state
	lta_api GET "/api/v1/analyses/$id/stats" >"$tmp/stats"
	metrics "$tmp/m2" "$id" >"$tmp/s2"
	diag "analysis $id: $(grep -c . "$tmp/s2") samples"
	ok "$(grep -q '^UNPARSED' "$tmp/s2" && echo 1 || echo 0)" "$id: every sample line parses"

	# The state: one 0/1 series per state, "ended" the one at 1.
	is "$(grep -c '^lttng_analyzerd_analysis_state{' "$tmp/s2")" 11 "$id: a state series for each of the 11 states"
	is "$(sed -n 's/^lttng_analyzerd_analysis_state{state=\(.*\)} 1$/\1/p' "$tmp/s2")" ended \
		"$id: analysis_state: ended is 1, alone"

	# Errors by type, equal to /stats'.
	for t in InE CoE crash; do
		is "$(sample "$tmp/m2" "$id" "lttng_analyzerd_analysis_timing_errors_total{type=$t}")" \
			"$(jq -r ".errors.$t" "$tmp/stats")" "$id: timing errors of type $t: as /stats"
	done
	is "$(sample "$tmp/m2" "$id" "lttng_analyzerd_analysis_events_total{}")" \
		"$(jq -r .events "$tmp/stats")" "$id: events: as /stats"
	is "$(sample "$tmp/m2" "$id" "lttng_analyzerd_analysis_discarded_events_total{}")" \
		"$(jq -r .discarded_events "$tmp/stats")" "$id: discarded events: as /stats"

	# Per server process: the histogram and the end reasons against /stats.
	n=$(jq '.components | length' "$tmp/stats")
	ok "$([ "$n" -gt 0 ] && echo 0 || echo 1)" "$id: /stats names $n server processes"
	for i in $(seq 0 $((n - 1))); do
		p=$(jq -r ".components[$i].process" "$tmp/stats")
		requests=$(jq -r ".components[$i].counts.requests" "$tmp/stats")
		complete=$(jq -r ".components[$i].counts.complete" "$tmp/stats")
		lcount=$(jq -r ".components[$i].latency.count" "$tmp/stats")
		mean=$(jq -r ".components[$i].latency.mean // 0" "$tmp/stats")
		h=lttng_analyzerd_component_request_duration_seconds
		count=$(sample "$tmp/m2" "$id" "${h}_count{process=$p}")
		is "$count $count" "$lcount $complete" \
			"$id $p: histogram _count = /stats latency count and complete requests ($lcount)"
		# The buckets in the order of the page: never decreasing.
		grep -F "${h}_bucket{le=" "$tmp/s2" | grep -F ",process=$p} " |
			sed 's/^[^ ]* //' >"$tmp/buckets"
		is "$(grep -c . "$tmp/buckets")" 17 "$id $p: 16 bounds and +Inf"
		ok "$(awk 'NR > 1 && $1 < last { bad = 1 } { last = $1 } END { exit bad }' "$tmp/buckets" && echo 0 || echo 1)" \
			"$id $p: bucket counts never decrease"
		is "$(sample "$tmp/m2" "$id" "${h}_bucket{le=+Inf,process=$p}")" "$count" "$id $p: +Inf bucket = _count"
		sum=$(sample "$tmp/m2" "$id" "${h}_sum{process=$p}")
		ok "$(awk -v s="$sum" -v c="$count" -v m="$mean" 'BEGIN {
			if (c !~ /^[0-9]+$/ || s !~ /^[0-9.e+-]+$/) exit 1
			if (c == 0) exit !(s == 0)
			d = s / c * 1e9 - m; if (d < 0) d = -d
			exit !(d <= 1 + m * 1e-6) }' && echo 0 || echo 1)" \
			"$id $p: _sum / _count = /stats mean latency ($sum s / $count, mean $mean ns)"
		if [ "$count" != 0 ]; then
			r=$(check_buckets "$tmp/m2" "$id" "$tmp/stats" "$p")
			ok $? "$id $p: buckets agree with /stats' percentiles: $r"
		fi
		ends=0
		for r in close shutdown keepalive empty aborted open replaced; do
			v=$(sample "$tmp/m2" "$id" "lttng_analyzerd_component_requests_by_end_reason_total{end_reason=$r,process=$p}")
			case $r in close | shutdown) ;; *)
				is "$v" "$(jq -r ".components[$i].counts.$r" "$tmp/stats")" "$id $p: end_reason=$r as /stats"
				;;
			esac
			ends=$((ends + ${v/none/-1000000}))
		done
		is "$ends" "$requests" "$id $p: requests by end reason add up to its requests ($requests)"
		is "$(sample "$tmp/m2" "$id" "lttng_analyzerd_component_requests_total{process=$p}")" "$requests" \
			"$id $p: component_requests_total as /stats"
	done

	# Exactly what the stored requests say, bucket by bucket.
	lta_api GET "/api/v1/analyses/$id/requests.jsonl" >"$tmp/requests.jsonl"
	r=$(check_dataset "$tmp/m2" "$id" "$tmp/requests.jsonl")
	ok $? "$id: buckets and end reasons recomputed from requests.jsonl: $r"

	# Labels stay: every series of the first scrape is in the second.
	first_state=$(metrics "$tmp/m1" "$id" | sed -n 's/^lttng_analyzerd_analysis_state{state=\(.*\)} 1$/\1/p')
	metrics "$tmp/m1" "$id" | sed 's/ [^ ]*$//' | sort >"$tmp/k1"
	sed 's/ [^ ]*$//' "$tmp/s2" | sort >"$tmp/k2.$id"
	is "$(comm -23 "$tmp/k1" "$tmp/k2.$id")" "" \
		"$id: every series of the first scrape ($(grep -c . "$tmp/k1"), analysis $first_state) is in the second (ended)"
}
for a in "${ids[@]}"; do
	check_analysis "$a"
done

# DELETE: a live analysis of a relay daemon that accepts and stays
# silent (it runs until stopped); its series leave the page.
"$PYTHON" - "$tmp/sport" <<'EOF' &
import os, socket, sys, time
s = socket.socket()
s.bind(('127.0.0.1', 0))
s.listen(16)
with open(sys.argv[1] + '.tmp', 'w') as f:
    f.write(str(s.getsockname()[1]))
os.rename(sys.argv[1] + '.tmp', sys.argv[1])
s.settimeout(1)
held = []
end = time.time() + 120
while time.time() < end:
    try:
        held.append(s.accept()[0])
    except socket.timeout:
        pass
EOF
pids="$pids $!"
deadline=$(($(date +%s) + 10))
until [ -s "$tmp/sport" ] || [ "$(date +%s)" -ge $deadline ]; do sleep 0.05; done
live=$(lta_api POST /api/v1/analyses "{\"url\":\"net://127.0.0.1:$(cat "$tmp/sport")/host/h/s\"}" | jq -r .id)
is "$(lta_status)" 201 "a live analysis of a silent relay daemon is created"
scrape "$tmp/m3"
before=$(metrics "$tmp/m3" "$live" | grep -c .)
ok "$([ "$before" -gt 0 ] && echo 0 || echo 1)" "it has $before series"
lta_api DELETE "/api/v1/analyses/$live" >/dev/null
is "$(lta_status)" 200 "DELETE it"
deadline=$(($(date +%s) + 20))
until [ "$(status "$live")" = stopped ] || [ "$(date +%s)" -ge $deadline ]; do sleep 0.05; done
is "$(status "$live")" stopped "it is stopped"
scrape "$tmp/m4"
is "$(metrics "$tmp/m4" "$live" | sed 's/ [^ ]*$//' | sort | comm -3 - <(metrics "$tmp/m3" "$live" | sed 's/ [^ ]*$//' | sort))" "" \
	"stopped, it keeps the same series (the values change, no label)"
grep -q "^lttng_analyzerd_analysis_state{analysis=\"$live\",state=\"stopped\"} 1" "$tmp/m4"
ok $? "its state gauge says stopped"
lta_api DELETE "/api/v1/analyses/$live" >"$tmp/del"
is "$(lta_status) $(jq .deleted "$tmp/del")" "200 true" "DELETE it again: deleted"
lta_api GET "/api/v1/analyses/$live" >/dev/null
is "$(lta_status)" 404 "it is gone"
scrape "$tmp/m4"
is "$(metrics "$tmp/m4" "$live" | grep -c .)" 0 "no series of the deleted analysis remains"
grep "analysis=\"$live\"" "$tmp/m4" | head -5 | sed 's/^/#   /'
is "$(metrics "$tmp/m4" "$id" | sed 's/ [^ ]*$//' | sort | comm -3 - "$tmp/k2.$id")" "" \
	"the other analysis keeps all its series"
promtool check metrics <"$tmp/m4" >/dev/null 2>&1
ok $? "promtool check metrics: the page after the DELETE"
done_testing
