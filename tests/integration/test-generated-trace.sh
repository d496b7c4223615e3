#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# A trace recorded here, now, with a private lttng-sessiond: gen-trace emits
# an exact number of user-space events through the lttng_analyzer_syscall
# provider (in a blocking channel: nothing discarded), and lttng-analyzer
# stats must count exactly that, equal to babeltrace2's counter:
#   babeltrace2 DIR -c sink.utils.counter -p 'step=+0'
# and attribute every system call to gen-trace (vpid/vtid/procname
# contexts), with every exit paired to its entry.
. "$(dirname "$0")/../utils/test-lib.sh"
. "$top_srcdir/tests/utils/lttng-env.sh"

reason=$(lta_env_skip_reason)
[ -z "$reason" ] || skip_all "$reason"
[ -x "$top_builddir/tests/utils/gen-trace" ] || skip_all "gen-trace not built"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

events=100000
n=$(bash "$top_srcdir/tests/utils/record-gen-trace.sh" "$tmp/trace" "$events" 4 requests)
is "$n" "$events" "gen-trace emitted $events events"

bt=$(babeltrace2 "$tmp/trace" -c sink.utils.counter -p 'step=+0' 2>/dev/null |
	awk '/Event messages/ {print $1}')
is "$bt" "$events" "babeltrace2 counts $events events"
bt_discarded=$(babeltrace2 "$tmp/trace" -c sink.utils.counter -p 'step=+0' 2>/dev/null |
	awk '/Discarded event messages/ {print $1}')
is "$bt_discarded" 0 "babeltrace2 sees no discarded events"

"$LTA_CLI" stats --format=json "$tmp/trace" >"$tmp/stats.json"
ok $? "lttng-analyzer stats reads the recorded trace"
read -r ours procs name calls timed unmatched <<<"$($PYTHON - "$tmp/stats.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
p = [p for p in d['processes'] if p['syscalls']]
s = p[0]['top_syscalls'] if p else []
print(d['events'], len(p), p[0]['name'] if p else '-',
      sum(x['calls'] for x in s), sum(x['timed'] for x in s),
      d['unmatched_syscall_exits'])
PY
)"
is "$ours" "$events" "lttng-analyzer counts $events events"
is "$procs" 1 "one process made system calls"
is "$name" gen-trace "named gen-trace (procname context)"
is "$calls" $((events / 2)) "$((events / 2)) system calls (one per entry)"
is "$timed" $((events / 2)) "every exit paired with its entry"
is "$unmatched" 0 "no unmatched exit"
done_testing
