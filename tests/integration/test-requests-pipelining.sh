#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# lttng-analyzer requests on HTTP pipelining: Apache (prefork, static page,
# KeepAlive On) traced by the user-space system-call tracer under wrk
# sending 3 requests at once on each connection (contrib/testbed/run.sh
# --pipeline 3: pipeline.lua writes "?pipeline=1", "?pipeline=2" and
# "?pipeline=3" in one call, then reads the 3 answers, then writes the next
# 3). What the segmenter is specified to do (lib/segment/segment.h):
# - every access-log line is claimed by a request record: one record per
#   HTTP request, or one record with "messages" M > 1 holding M of them
#   when Apache wrote their answers in one call (check-requests-log.py
#   matches by connection and %k, "messages" counted); no record is
#   claimed twice, and the records without a log line are empty;
# - every record that was answered knows, from the tracer's http events,
#   how many HTTP requests it holds ("messages" >= 1), and the "messages"
#   of a connection's records add up to its log lines; a record that began
#   with a read knows its request line (the tracer's event carries the
#   first line of a read: the pipelined requests that came in the same
#   read have none, "request_line" null);
# - "pipelined" is true exactly when the record's (first) request arrived
#   before the answer to the previous one was written: ?pipeline=2 and 3
#   arrive with ?pipeline=1, before its answer; ?pipeline=1 is sent only
#   once the previous batch's answers were read; the readiness probe is
#   not pipelined;
# - a record holds consecutive requests of one batch (?pipeline=i to
#   i+M-1, at most 3: the next batch is sent after the answers were
#   read), and a connection's records follow the batches in order
#   (1, 2, 3, 1, ... with their "messages" counted).
# The counts are printed as diagnostics.
. "$(dirname "$0")/../utils/test-lib.sh"
. "$top_srcdir/tests/utils/lttng-env.sh"
reason=$(lta_env_skip_reason)
[ -z "$reason" ] || skip_all "$reason"
for b in apache2 wrk curl; do
	command -v "$b" >/dev/null 2>&1 || skip_all "$b is not installed"
done
[ -f /usr/lib/apache2/modules/mod_mpm_prefork.so ] ||
	skip_all "Apache's prefork MPM module is not installed"
[ -e "$top_builddir/contrib/syscall-tracer/.libs/liblttng-analyzer-syscalls.so" ] ||
	skip_all "the system-call tracer is not built"
tmp=$(mktemp -d)
trap '[ -n "${LTA_KEEP_TMP:-}" ] || rm -rf "$tmp"' EXIT

out=$tmp/tb
top_builddir=$top_builddir timeout --kill-after=10 120 \
	bash "$top_srcdir/contrib/testbed/run.sh" \
	--mpm prefork --page static --keepalive on --pipeline 3 --duration 3 \
	--connections 8 --subbuf-size 8M --num-subbuf 8 --out "$out" \
	>"$tmp/run.log" 2>&1
ok $? "testbed ran (prefork, static page, KeepAlive On, 3 requests per batch)"
[ -d "$out/trace" ] || { tail -20 "$tmp/run.log" | sed 's/^/# /'; done_testing; }
# Every record, the empty connections too (not printed by default).
"$LTA_CLI" requests --end-reason=all "$out/trace" >"$out/requests.jsonl"
ok $? "lttng-analyzer requests read the trace"

# The access log: every load line is one of a batch (?pipeline=1..3).
for i in 1 2 3; do
	n[$i]=$(grep -c "?pipeline=$i HTTP" "$out/access.log")
done
logged=$(grep -c '' "$out/access.log")
diag "access log: $logged lines, ?pipeline=1/2/3: ${n[1]}/${n[2]}/${n[3]}"
ok "$([ "${n[2]:-0}" -gt 100 ] && echo 0 || echo 1)" \
	"the load reached Apache in batches (${n[2]} lines with ?pipeline=2)"

declare -A c=()
$PYTHON "$top_srcdir/tests/utils/check-requests-log.py" \
	"$out/requests.jsonl" "$out/access.log" >"$out/check"
while read -r k v; do c[$k]=$v; done <"$out/check"
diag "$(tr '\n' ' ' <"$out/check")"
is "${c[log_lines]}" "$logged" "the checker read every log line"
is "$((c[matched] + c[aborted_unmatched]))" "$logged" \
	"every log line is claimed by a record (${c[merged]} of them as part of a record with messages > 1; ${c[aborted_unmatched]} aborted by the client before their answer, not seen)"
is "${c[unmatched_lines]}" 0 "no log line without a record"
is "${c[double_matched]}" 0 "no record claimed twice"
is "${c[extra_not_empty]}" 0 \
	"the ${c[extra_requests]} records without a log line are all empty"
is "${c[extra_read_bytes]}" 0 "no record without a log line read bytes"

# Per record, from its request line: which request of its batch it starts
# with. Prints "key value" lines: counts, then failures by kind.
$PYTHON - "$out/requests.jsonl" >"$out/pipelining" <<'EOF'
import collections
import json
import re
import sys

BATCH = 3
count = collections.Counter()
fail = collections.Counter()
connections = collections.defaultdict(list)
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r['end_reason'] == 'empty':
        count['empty'] += 1
        continue
    count['records'] += 1
    c = r.get('connection') or {}
    connections[c.get('id')].append((c.get('position'), r))
    messages = r.get('messages')
    line = r.get('request_line')
    if not isinstance(messages, int) or messages < 1:
        fail['messages_unknown'] += 1
        messages = 1
    count['messages'] += messages
    if messages > 1:
        count['merged_records'] += 1
    if r.get('pipelined'):
        count['pipelined'] += 1
    if line is None:
        if not r.get('pipelined'):
            fail['request_line_unknown'] += 1
        else:
            count['pipelined_without_line'] += 1
        continue
    m = re.search(r'[?&]pipeline=(\d+)\b', line)
    first = int(m.group(1)) if m else None
    if first is None or first == 1:
        count['first_of_batch'] += 1
        if r.get('pipelined'):
            fail['first_of_batch_pipelined'] += 1
    elif not r.get('pipelined'):
        fail['later_of_batch_not_pipelined'] += 1
    if (first or 1) + messages - 1 > (BATCH if first else 1):
        fail['record_spans_batches'] += 1
count['connections'] = len(connections)
for records in connections.values():
    records.sort(key=lambda pr: pr[0] or 0)
    want = None  # the batch index the next record must start with
    for _, r in records:
        line = r.get('request_line')
        m = re.search(r'[?&]pipeline=(\d+)\b', line or '')
        if line is None and r.get('pipelined') and want is not None:
            # Its line came in the read of the first of its batch.
            first = want
            if first == 1:
                fail['batch_order'] += 1
        elif not m:
            want = None
            continue
        else:
            first = int(m.group(1))
        if want is not None and first != want:
            fail['batch_order'] += 1
        messages = r.get('messages') if isinstance(r.get('messages'), int) else 1
        want = (first + max(messages, 1) - 1) % BATCH + 1
for k in ('records', 'empty', 'connections', 'messages', 'pipelined',
          'merged_records', 'first_of_batch', 'pipelined_without_line'):
    print(k, count[k])
for k in ('messages_unknown', 'request_line_unknown',
          'first_of_batch_pipelined', 'later_of_batch_not_pipelined',
          'record_spans_batches', 'batch_order'):
    print(k, fail[k])
EOF
ok $? "the records' pipelining fields were read"
declare -A p=()
while read -r k v; do p[$k]=$v; done <"$out/pipelining"
diag "$(tr '\n' ' ' <"$out/pipelining")"
is "${p[messages_unknown]}" 0 "every answered record says how many HTTP requests it holds"
is "${p[request_line_unknown]}" 0 "every record that began with a read has its request line"
diag "log lines matched to empty records: ${c[matched_empty]}"
is "${p[messages]}" "$((logged - c[aborted_unmatched] - c[matched_empty]))" \
	"the records' messages add up to the access-log lines (${p[records]} records, ${p[merged_records]} with messages > 1)"
is "${p[first_of_batch_pipelined]}" 0 \
	"no record starting with ?pipeline=1 (or the probe) is pipelined (${p[first_of_batch]} records)"
is "${p[later_of_batch_not_pipelined]}" 0 \
	"every record starting with ?pipeline=2 or 3 is pipelined (${p[pipelined]} pipelined records)"
is "${p[record_spans_batches]}" 0 "no record holds requests of two batches"
is "${p[batch_order]}" 0 "each connection's records follow its batches in order"
done_testing
