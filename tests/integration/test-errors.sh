#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Timing failures end to end, offline: tests/utils/rbl-demo (instrumented
# with <lttng-analyzer/rbl.h>) recorded by a private lttng-sessiond, then
# `lttng-analyzer errors` replays its points through the agent:
# - no fault: no error;
# - a hung interaction: exactly one InE (db), no CoE for the service around
#   it, and the late end recorded against the InE;
# - a hung service (spinning outside its interaction): exactly one CoE;
# - a crash: no error is invented (a user-space trace has no exit event:
#   the crash is the daemon's, live); the service stays open.
# Timeouts: floor 20 ms, ceiling 500 ms; the hang lasts 1.5 s.
. "$(dirname "$0")/../utils/test-lib.sh"
. "$top_srcdir/tests/utils/lttng-env.sh"
reason=$(lta_env_skip_reason)
[ -z "$reason" ] || skip_all "$reason"
demo=$top_builddir/tests/utils/rbl-demo
[ -x "$demo" ] || skip_all "rbl-demo not built"
lta_env_enter "$0" "$@"
lta_env_start_sessiond || skip_all "lttng-sessiond does not start here"
tmp=$LTTA_HOME/t
mkdir -p "$tmp"

record()
{
	local name=$1
	shift
	{
		lttng create "$name" --output="$tmp/$name"
		lttng enable-channel -u --buffers-uid --subbuf-size=1M --num-subbuf=4 chan
		lttng enable-event -u -c chan 'lttng_analyzer_rbl:*'
		lttng add-context -u -c chan -t vpid -t vtid -t procname
		lttng start
	} >/dev/null
	LTTNG_UST_REGISTER_TIMEOUT=-1 "$demo" --iterations 100 --at 50 --hang-ms 1500 "$@" \
		>"$tmp/$name.out" 2>&1
	lttng stop >/dev/null
	lttng destroy >/dev/null
}

# counts FILE: "InE CoE crash late" from the JSON lines.
counts()
{
	/usr/bin/python3 - "$1" <<'PY'
import json, sys
c = {'InE': 0, 'CoE': 0, 'crash': 0, 'late': 0}
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e['event'] == 'late_end':
        c['late'] += 1
    else:
        c[e['type']] += 1
print(c['InE'], c['CoE'], c['crash'], c['late'])
PY
}

for fault in none interaction service crash; do
	record "$fault" --fault "$fault"
	"$LTA_CLI" errors --format=json --floor=20 --ceiling=500 "$tmp/$fault" \
		>"$tmp/$fault.json" 2>"$tmp/$fault.err"
	is "$?" 0 "$fault: errors read the trace"
	read -r ine coe crash late <<<"$(counts "$tmp/$fault.json")"
	diag "$fault: $(cat "$tmp/$fault.err")"
	case $fault in
	none)
		is "$ine $coe $crash" "0 0 0" "no fault: no error (100 normal iterations)"
		;;
	interaction)
		is "$ine $coe $crash" "1 0 0" "hung interaction: one InE, no CoE"
		grep -q '"type":"InE".*"name":"db"' "$tmp/$fault.json"
		ok $? "the InE names the db interaction"
		is "$late" 1 "its late end is recorded when the call returns"
		/usr/bin/python3 - "$tmp/$fault.json" <<'PY'
import json, sys
e = [json.loads(l) for l in open(sys.argv[1])][0]
# Raised at the first event after its deadline (offline: no live ticks).
sys.exit(0 if e['raised_ns'] - e['start_ns'] >= e['timeout_ns'] and
         20e6 <= e['timeout_ns'] <= 500e6 else 1)
PY
		ok $? "raised after its timeout, which lies within [floor, ceiling]"
		;;
	service)
		is "$ine $coe $crash" "0 1 0" "hung service: one CoE"
		grep -q '"type":"CoE".*"name":"work"' "$tmp/$fault.json"
		ok $? "the CoE names the work service"
		;;
	crash)
		is "$ine $coe $crash" "0 0 0" "crash, user space only: nothing invented"
		grep -q "1 open at the end" "$tmp/$fault.err"
		ok $? "the service it crashed in is left open (its interaction had ended)"
		;;
	esac
done
done_testing
