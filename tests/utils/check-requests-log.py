#!/usr/bin/env python3
"""Checks lttng-analyzer's requests (JSON lines) against Apache's access
log written by contrib/testbed (format: %a %{remote}p %{usec}t %D %>s %B %P
%{tid}P %X "%r"). Prints TAP-friendly "key value" lines:

  log_lines N          lines in the access log
  matched N            log lines matched to exactly one request
  unmatched_lines N    log lines with no request (must be 0)
  double_matched N     requests claimed by two log lines (must be 0)
  extra_requests N     requests without a log line
  extra_not_empty N    ... of which not marked "empty" (must be 0)
  short N              requests shorter than %D by more than 100 us
  median_diff_us X     median of (ours - %D) over matched requests
  max_diff_us X        maximum of (ours - %D)

Matching: a log line belongs to the request of the same process (%P) and
client port (%{remote}p) that started (accept exit) last before the
logged request start (+1 ms of slack for clock differences), unless that
one started inside the slack while the connection before it on that port
was still open at the logged start: a client port reused within 1 ms. Client
ports come back several times in a run; with KeepAlive Off a connection
carries one request, so the pairing is one-to-one.

    check-requests-log.py REQUESTS.jsonl ACCESS.log
"""
import bisect
import json
import statistics
import sys

requests = {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    port = r['peer']['port'] if r['peer'] else None
    requests.setdefault((r['pid'], port), []).append(r)
for lst in requests.values():
    lst.sort(key=lambda r: r['start_ns'])
starts = {k: [r['start_ns'] for r in v] for k, v in requests.items()}

log_lines = matched = unmatched = double = short = 0
claimed = set()
diffs = []
for line in open(sys.argv[2]):
    f = line.split()
    if len(f) < 8:
        continue
    log_lines += 1
    port, start_us, d_us, pid = int(f[1]), int(f[2]), int(f[3]), int(f[6])
    key = (pid, port)
    i = bisect.bisect_right(starts.get(key, []), start_us * 1000 + 1000000) - 1
    if i < 0:
        unmatched += 1
        continue
    r = requests[key][i]
    if i > 0 and r['start_ns'] > start_us * 1000:
        # Inside the slack: the port may have been reused by a newer
        # connection right after this one. A previous connection still
        # open when the request was logged is the one that served it.
        prev = requests[key][i - 1]
        if prev['end_ns'] is None or prev['end_ns'] >= start_us * 1000:
            r = prev
    if r['id'] in claimed:
        double += 1
        continue
    claimed.add(r['id'])
    matched += 1
    if r['duration_ns'] is None:
        short += 1
        continue
    diff = r['duration_ns'] - d_us * 1000
    diffs.append(diff / 1000.0)
    if diff < -100000:
        short += 1

extra = [r for lst in requests.values() for r in lst if r['id'] not in claimed]
print('log_lines', log_lines)
print('matched', matched)
print('unmatched_lines', unmatched)
print('double_matched', double)
print('extra_requests', len(extra))
print('extra_not_empty', sum(1 for r in extra if r['end_reason'] != 'empty'))
print('short', short)
print('median_diff_us', round(statistics.median(diffs), 1) if diffs else 'nan')
print('max_diff_us', round(max(diffs), 1) if diffs else 'nan')
