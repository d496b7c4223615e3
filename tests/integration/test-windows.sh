#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# lttng-analyzer windows on recorded traces (doc/windows.md), on
# ../shared/traces/tracevizlab-pacman-k (dbus-daemon's 15 requests) and
# apache-prefork-kernel-3m (77,245 requests; extracted outside the tree by
# tests/utils/trace-cache.sh):
# - tumbling 1 s windows grouped by component: the counts add up to the
#   records of `requests --format=jsonl`, and to the summary's requests
#   less its empty and open ones; nothing dropped or refused (--counters);
# - hopping windows (1 s, slide 500 ms): each request in exactly two
#   windows (windows are aligned on multiples of the slide, so there is no
#   edge case), and each hopping window equals the two tumbling 500 ms
#   windows it covers: same count, bytes, errors, and the histogram merged
#   from their encoded histograms, bucket for bucket;
# - --jobs=1 and --jobs=2 print byte-identical windows;
# - the system-call stream: the counts add up to the timed system calls of
#   `stats --format=json --top=0`, and --filter=syscall=read keeps only
#   read's.
# Without the shared traces, 1..0 # SKIP.
. "$(dirname "$0")/../utils/test-lib.sh"
. "$top_srcdir/tests/utils/trace-cache.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ ! -d "$LTA_SHARED_TRACES" ]; then
	skip_all "no shared traces at $LTA_SHARED_TRACES"
fi
traces=$LTA_SHARED_TRACES/tracevizlab-pacman-k
if [ -f "$LTA_SHARED_TRACES/apache-prefork-kernel-3m.tar.xz" ] &&
	dir=$(lta_trace_cache_extract "$LTA_SHARED_TRACES/apache-prefork-kernel-3m.tar.xz"); then
	traces="$traces $dir"
else
	diag "apache-prefork-kernel-3m not extracted: its checks skipped"
fi

# sum_counts FILE [FIELD]: the sum of a field (count) over the windows.
sum_counts()
{
	$PYTHON -c '
import json, sys
print(sum(json.loads(l)[sys.argv[2]] for l in open(sys.argv[1])))' "$1" "${2:-count}"
}

# counter FILE NAME: a counter of the --counters line (stderr).
counter()
{
	$PYTHON -c '
import json, sys
print(json.loads(open(sys.argv[1]).read())[sys.argv[2]])' "$1" "$2"
}

for dir in $traces; do
	t=$(basename "$dir")
	"$LTA_CLI" requests --format=jsonl "$dir" >"$tmp/requests.jsonl"
	ok $? "$t: requests exits 0"
	n=$(wc -l <"$tmp/requests.jsonl" | tr -d ' ')
	ok "$([ "$n" -gt 0 ] && echo 0 || echo 1)" "$t: $n requests"
	summary=$("$LTA_CLI" requests --format=summary "$dir" |
		sed -n 's/^ *\([0-9]*\) requests: .* \([0-9]*\) empty .* \([0-9]*\) open,.*/\1 \2 \3/p')
	read -r total empty open <<<"$summary"

	"$LTA_CLI" windows --range=1s --group-by=component --counters \
		"$dir" >"$tmp/tumbling.jsonl" 2>"$tmp/tumbling.counters"
	ok $? "$t: windows exits 0"
	is "$(sum_counts "$tmp/tumbling.jsonl")" "$n" \
		"$t: tumbling 1 s windows count the $n requests"
	is "$n" "$((total - empty - open))" \
		"$t: = the summary's $total requests less $empty empty and $open open"
	is "$(counter "$tmp/tumbling.counters" late_dropped)/$(counter "$tmp/tumbling.counters" refused)" \
		0/0 "$t: nothing late dropped or refused"
	is "$(sum_counts "$tmp/tumbling.jsonl" bytes)" \
		"$($PYTHON -c '
import json, sys
print(sum(r["bytes_read"] + r["bytes_written"] for r in map(json.loads, open(sys.argv[1]))))' "$tmp/requests.jsonl")" \
		"$t: the windows' bytes are the requests' bytes"

	"$LTA_CLI" windows --range=1s --slide=500ms --group-by=component \
		"$dir" >"$tmp/hopping.jsonl"
	ok $? "$t: hopping windows exit 0"
	is "$(sum_counts "$tmp/hopping.jsonl")" "$((2 * n))" \
		"$t: hopping (1 s, slide 500 ms) counts each request twice"
	"$LTA_CLI" windows --range=500ms --group-by=component \
		"$dir" >"$tmp/half.jsonl"
	$PYTHON - "$tmp/half.jsonl" "$tmp/hopping.jsonl" >"$tmp/merge" <<'PY'
import json, sys

def decode(text):
    f = text.split()
    assert f[0] == 's1'
    h = {'count': int(f[1]), 'min': int(f[2]), 'max': int(f[3]),
         'sum': int(f[4]), 'b': {}}
    for pair in f[5:]:
        i, c = pair.split(':')
        h['b'][int(i)] = int(c)
    return h

def merge(a, b):
    if a['count'] == 0:
        return b
    if b['count'] == 0:
        return a
    m = {'count': a['count'] + b['count'], 'min': min(a['min'], b['min']),
         'max': max(a['max'], b['max']), 'sum': a['sum'] + b['sum'],
         'b': dict(a['b'])}
    for i, c in b['b'].items():
        m['b'][i] = m['b'].get(i, 0) + c
    return m

def encode(h):
    return 's1 %d %d %d %d' % (h['count'], h['min'], h['max'], h['sum']) + \
        ''.join(' %d:%d' % (i, h['b'][i]) for i in sorted(h['b']))

half = {}
for line in open(sys.argv[1]):
    w = json.loads(line)
    half[(w['start'], json.dumps(w['group'], sort_keys=True))] = w
empty = {'count': 0, 'bytes': 0, 'errors': 0, 'histogram': 's1 0 0 0 0'}
bad = 0
n = 0
for line in open(sys.argv[2]):
    w = json.loads(line)
    g = json.dumps(w['group'], sort_keys=True)
    a = half.get((w['start'], g), empty)
    b = half.get((w['start'] + 500000000, g), empty)
    want = (a['count'] + b['count'], a['bytes'] + b['bytes'],
            a['errors'] + b['errors'],
            encode(merge(decode(a['histogram']), decode(b['histogram']))))
    got = (w['count'], w['bytes'], w['errors'], w['histogram'])
    n += 1
    if want != got:
        bad += 1
        if bad < 4:
            print('# window', w['start'], g, 'got', got[:3], 'want', want[:3])
print(n, bad)
PY
	read -r windows bad < <(tail -n 1 "$tmp/merge")
	grep '^#' "$tmp/merge"
	is "$bad" 0 "$t: each of the $windows hopping windows = its two 500 ms windows merged (histograms too)"

	"$LTA_CLI" windows --jobs=1 --range=1s --slide=500ms \
		--group-by=component,end_reason "$dir" >"$tmp/jobs1.jsonl"
	"$LTA_CLI" windows --jobs=2 --range=1s --slide=500ms \
		--group-by=component,end_reason "$dir" >"$tmp/jobs2.jsonl"
	cmp -s "$tmp/jobs1.jsonl" "$tmp/jobs2.jsonl"
	ok $? "$t: --jobs=1 and --jobs=2 print the same $(wc -l <"$tmp/jobs1.jsonl" | tr -d ' ') windows, byte for byte"

	"$LTA_CLI" stats --format=json --top=0 "$dir" >"$tmp/stats.json"
	timed=$($PYTHON -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(sum(s["timed"] for p in d["processes"] for s in p["top_syscalls"]),
      sum(s["timed"] for p in d["processes"] for s in p["top_syscalls"] if s["name"] == "read"))' "$tmp/stats.json")
	read -r timed reads <<<"$timed"
	"$LTA_CLI" windows --stream=syscalls --group-by=component,syscall \
		"$dir" >"$tmp/syscalls.jsonl"
	is "$(sum_counts "$tmp/syscalls.jsonl")" "$timed" \
		"$t: system-call windows count the $timed timed calls of stats"
	"$LTA_CLI" windows --stream=syscalls --group-by=syscall \
		--filter=syscall=read "$dir" >"$tmp/reads.jsonl"
	is "$(sum_counts "$tmp/reads.jsonl")/$(grep -vc '"syscall":"read"' "$tmp/reads.jsonl")" \
		"$reads/0" "$t: --filter=syscall=read: the $reads reads only"
done

"$LTA_CLI" windows --range=1s --slide=300ms "$LTA_SHARED_TRACES/tracevizlab-pacman-k" \
	>/dev/null 2>&1
is $? 2 "a range not a multiple of the slide: usage error"
"$LTA_CLI" windows --range=1x "$LTA_SHARED_TRACES/tracevizlab-pacman-k" \
	>/dev/null 2>&1
is $? 2 "a bad duration: usage error"
done_testing
