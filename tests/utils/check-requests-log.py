#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Checks lttng-analyzer's requests (JSON lines) against Apache's access
log written by contrib/testbed (format: %a %{remote}p %{usec}t %D %>s %B %P
%{tid}P %X %k "%r"; a log without %k, the older format, is read as one
request per connection). Prints TAP-friendly "key value" lines:

  log_lines N          lines in the access log
  matched N            log lines matched to a request (merged ones included)
  unmatched_lines N    log lines with no request (must be 0), but for
  aborted_unmatched N  lines of requests whose connection the client
                       aborted before their answer was written (%X "X":
                       the server wrote nothing, so no system call
                       marks them; a pipelined one cannot be cut apart)
  matched_empty N      log lines matched to a record that read nothing
                       ("empty": Apache logged a request on a connection
                       whose bytes the trace never shows read)
  double_matched N     log lines whose request was already claimed by
                       another line (must be 0)
  extra_requests N     requests without a log line
  extra_not_empty N    ... of which not marked "empty" (must be 0)
  short N              requests shorter than %D by more than 100 us
  median_diff_us X     median of (ours - %D) over matched requests
  max_diff_us X        maximum of (ours - %D)
  connections N        distinct connections (connection.id)
  keepalive_records N  requests that ended "keepalive"
  pipelined_records N  requests marked "pipelined"
  merged N             matched log lines that claim a request with
                       "messages" > 1 as its 2nd, 3rd... HTTP request:
                       counted, not double, and not timed
  extra_read_bytes N   requests without a log line that read bytes (must
                       be 0: a request that read something was logged)

Matching: the requests are grouped by connection ("connection": {"id",
"position"}; a record without it is a connection of its own, position 1).
A connection's key is the process and client port of its requests, its
accept the start of its position-1 request. A log line belongs to the
connection of its process (%P) and client port (%{remote}p) accepted last
before the logged request start (+1 ms of slack for clock differences),
unless that one was accepted inside the slack while the connection before
it on that port was still open at the logged start (its last request ended
then or later, is open, or ended "keepalive": the connection's close is
not in a request) and has a request for the line: a client port reused
within 1 ms. Client ports come back several times in a run. Within the
connection, the line is its HTTP request number %k + 1 (%k: requests Apache
served on it before): the request at position %k + 1 when every request
holds one HTTP request; a request with "messages" M > 1 holds M
consecutive numbers, which shifts the later ones. With KeepAlive Off every
connection carries one request and %k is 0: the pairing is one-to-one, as
by (process, port, accept) alone.

    check-requests-log.py REQUESTS.jsonl ACCESS.log
"""
import bisect
import json
import statistics
import sys


class Connection:
    """The requests of one connection, by HTTP request number."""

    def __init__(self, cid):
        self.id = cid
        self.records = []  # (position, request)
        self.accept = None  # start of its position-1 request
        self.end = None  # end of its last request; None: open
        self.numbers = {}  # HTTP request number -> (request, first?)

    def close(self):
        self.records.sort(key=lambda pr: pr[0])
        first_pos, first = self.records[0]
        self.accept = first['start_ns']
        last = self.records[-1][1]
        self.end = None if last['end_reason'] == 'keepalive' else last['end_ns']
        number = first_pos - 1
        for _, r in self.records:
            held = r.get('messages') or 1
            for j in range(held):
                self.numbers[number + j] = (r, j == 0)
            number += held


connections = {}
records = []
for line in open(sys.argv[1]):
    r = json.loads(line)
    records.append(r)
    c = r.get('connection')
    cid, position = ((c['id'], c['position']) if c else
                     (('request', r['id']), 1))
    connections.setdefault(cid, Connection(cid)).records.append((position, r))
by_key = {}
for c in connections.values():
    c.close()
    r = c.records[0][1]
    port = r['peer']['port'] if r['peer'] else None
    by_key.setdefault((r['pid'], port), []).append(c)
for lst in by_key.values():
    lst.sort(key=lambda c: c.accept)
accepts = {k: [c.accept for c in v] for k, v in by_key.items()}

log_lines = matched = unmatched = double = short = merged = 0
aborted_unmatched = matched_empty = 0
claimed_numbers = set()
claimed = set()
diffs = []
for line in open(sys.argv[2]):
    f = line.split()
    if len(f) < 8:
        continue
    log_lines += 1
    port, start_us, d_us, pid = int(f[1]), int(f[2]), int(f[3]), int(f[6])
    served = int(f[9]) if len(f) > 9 and f[9].isdigit() else 0
    key = (pid, port)
    i = bisect.bisect_right(accepts.get(key, []), start_us * 1000 + 1000000) - 1
    aborted = len(f) > 8 and f[8] == 'X'
    if i < 0:
        if aborted:
            aborted_unmatched += 1
        else:
            unmatched += 1
        continue
    c = by_key[key][i]
    if i > 0 and c.accept > start_us * 1000:
        # Inside the slack: the port may have been reused by a newer
        # connection right after this one. A previous connection still
        # open when the request was logged is the one that served it.
        prev = by_key[key][i - 1]
        if ((prev.end is None or prev.end >= start_us * 1000) and
                served in prev.numbers):
            c = prev
    if served not in c.numbers:
        if aborted:
            aborted_unmatched += 1
        else:
            unmatched += 1
        continue
    if (c.id, served) in claimed_numbers:
        double += 1
        continue
    claimed_numbers.add((c.id, served))
    r, first = c.numbers[served]
    claimed.add(r['id'])
    matched += 1
    if r['end_reason'] == 'empty':
        matched_empty += 1
    if not first:
        merged += 1
        continue
    if r['duration_ns'] is None:
        short += 1
        continue
    diff = r['duration_ns'] - d_us * 1000
    diffs.append(diff / 1000.0)
    if diff < -100000:
        short += 1

extra = [r for r in records if r['id'] not in claimed]
print('log_lines', log_lines)
print('matched', matched)
print('unmatched_lines', unmatched)
print('aborted_unmatched', aborted_unmatched)
print('matched_empty', matched_empty)
print('double_matched', double)
print('extra_requests', len(extra))
print('extra_not_empty', sum(1 for r in extra if r['end_reason'] != 'empty'))
print('short', short)
print('median_diff_us', round(statistics.median(diffs), 1) if diffs else 'nan')
print('max_diff_us', round(max(diffs), 1) if diffs else 'nan')
print('connections', len(connections))
print('keepalive_records',
      sum(1 for r in records if r['end_reason'] == 'keepalive'))
print('pipelined_records', sum(1 for r in records if r.get('pipelined')))
print('merged', merged)
print('extra_read_bytes', sum(1 for r in extra if r['bytes_read'] > 0))
