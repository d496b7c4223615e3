#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# lttng-analyzer stats on the real kernel traces in ../shared/traces/:
# - event count and per-name counts equal what babeltrace2 shows:
#     babeltrace2 DIR | sed -E 's/^\[[^]]*\] \([^)]*\) [^ ]+ ([a-z0-9_]+):.*/\1/' | sort | uniq -c
# - per-process attribution of connect/accept/accept4 on these context-less
#   traces equals an independent script (tests/utils/ref-attribution.py:
#   current thread per CPU from sched_switch, pid from statedump and fork):
#     babeltrace2 DIR | tests/utils/ref-attribution.py connect accept accept4
# - facts a reader can check by eye: wget (pid 12243) makes the 4 connects
#   of the wget trace; many-threads has no accept4 at all.
. "$(dirname "$0")/../utils/test-lib.sh"

[ -d "$LTA_SHARED_TRACES" ] || skip_all "no shared traces at $LTA_SHARED_TRACES"
command -v babeltrace2 >/dev/null || skip_all "babeltrace2 CLI not installed"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for t in tracevizlab-wget-k-115043 tracevizlab-pacman-k tracecompass-many-threads; do
	dir=$LTA_SHARED_TRACES/$t
	[ -d "$dir" ] || { ok 0 "# SKIP $t absent"; continue; }
	diag "$t"
	babeltrace2 "$dir" >"$tmp/text"
	ok $? "babeltrace2 reads $t"
	sed -E 's/^\[[^]]*\] \([^)]*\) [^ ]+ ([a-z0-9_:]+):.*/\1/' "$tmp/text" |
		sort | uniq -c | awk '{print $2, $1}' | sort >"$tmp/ref-names"
	"$LTA_CLI" stats --format=json --top=0 "$dir" >"$tmp/ours.json"
	ok $? "lttng-analyzer stats exits 0 on $t"
	$PYTHON - "$tmp/ours.json" >"$tmp/ours-names" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for n in sorted(d['event_names'], key=lambda n: n['name']):
    print(n['name'], n['count'])
PY
	is "$($PYTHON -c 'import json,sys; print(json.load(open(sys.argv[1]))["events"])' "$tmp/ours.json")" \
		"$(wc -l <"$tmp/text" | tr -d ' ')" "$t: event count equals babeltrace2's"
	diff "$tmp/ref-names" "$tmp/ours-names" >"$tmp/diff"
	ok $? "$t: every per-name count equals babeltrace2's ($(wc -l <"$tmp/ref-names") names)"
	[ -s "$tmp/diff" ] && sed 's/^/# /' "$tmp/diff" | head -20

	$PYTHON "$top_srcdir/tests/utils/ref-attribution.py" connect accept accept4 \
		<"$tmp/text" >"$tmp/ref-attr"
	$PYTHON - "$tmp/ours.json" >"$tmp/ours-attr" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
c = {}
for p in d['processes']:
    for s in p['top_syscalls']:
        if s['name'] in ('connect', 'accept', 'accept4') and s['calls']:
            k = (p['pid'], s['name'])
            c[k] = c.get(k, 0) + s['calls']
for (pid, sc), n in sorted(c.items()):
    print(pid, sc, n)
PY
	[ -s "$tmp/ref-attr" ]
	ok $? "$t: the reference script attributes some calls"
	diff "$tmp/ref-attr" "$tmp/ours-attr" >"$tmp/diff"
	ok $? "$t: connect/accept/accept4 per process equal the reference ($(wc -l <"$tmp/ref-attr") rows)"
	[ -s "$tmp/diff" ] && sed 's/^/# /' "$tmp/diff"

	case $t in
	tracevizlab-wget-k-115043)
		n=$($PYTHON - "$tmp/ours.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print(sum(s['calls'] for p in d['processes'] if p['name'] == 'wget' and p['pid'] == 12243
          for s in p['top_syscalls'] if s['name'] == 'connect'))
PY
)
		is "$n" 4 "wget (pid 12243) issues the 4 connect calls of wget"
		;;
	tracecompass-many-threads)
		is "$(grep -c 'syscall_exit_accept4' "$tmp/text")" 0 \
			"many-threads: babeltrace2 shows no accept4"
		is "$(grep -c '"name": "accept4"' "$tmp/ours.json")" 0 \
			"many-threads: no accept4 in our stats either"
		;;
	esac
done

# Text output names the same totals.
"$LTA_CLI" stats "$LTA_SHARED_TRACES/tracevizlab-wget-k-115043" >"$tmp/text-out"
grep -q '^Events: *28383$' "$tmp/text-out"
ok $? "text format: Events: 28383 for wget (babeltrace2 ... | wc -l)"
grep -q 'wget (pid 12243)' "$tmp/text-out"
ok $? "text format names wget (pid 12243)"

# Several traces at once: events add up.
"$LTA_CLI" stats --format=json "$LTA_SHARED_TRACES/tracevizlab-wget-k-115043" \
	"$LTA_SHARED_TRACES/tracevizlab-pacman-k" >"$tmp/two.json"
is "$($PYTHON -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["events"], len(d["traces"]))' "$tmp/two.json")" \
	"112032 2" "two traces read together: 28383 + 83649 events"
done_testing
