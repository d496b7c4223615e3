#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Checks of the fleet tests on the messages of the JetStream stream.

fleet-check.py once MESSAGES STORED
    MESSAGES: `lttng-analyzer fleet --messages` (JSON lines); STORED: lines
    "DAEMON ANALYSIS REQUEST_ID" of every request the daemons stored. Prints
    "key value" lines: messages, requests (request messages), msg_id_dups
    (a Nats-Msg-Id seen twice), request_dups (a daemon's analysis's
    request id twice), missing (stored, not in the stream), unknown (in
    the stream, not stored), ids_bad (a message id that is not
    FLEET_ID-SEQ of its message).

fleet-check.py percentiles MESSAGES
    The latency figures the fleet view must find, computed from every
    request message (end reasons but empty and open: what the windows
    count) with the sparse histogram's buckets (doc/windows.md): "count N",
    "p50 V", "p90 V", "p99 V", "max V".

fleet-check.py gap MESSAGES LOG DAEMON ANALYSIS...
    LOG: the testbed's access.log; prints the client ports logged but found
    in no request message of the DAEMON ANALYSIS pairs given (one a line:
    "PORT TIME_US"), then "missing N".
"""
import json
import math
import sys


def messages(path):
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                yield json.loads(line)


def once(msgs_path, stored_path):
    stored = set()
    with open(stored_path) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3:
                stored.add((parts[0], int(parts[1]), int(parts[2])))
    ids = set()
    seen = set()
    n = requests = msg_dups = req_dups = ids_bad = unknown = 0
    for m in messages(msgs_path):
        n += 1
        if m.get('msg_id') in ids:
            msg_dups += 1
        ids.add(m.get('msg_id'))
        if m.get('msg_id') != '%s-%d' % (m.get('fleet_id'), m.get('seq')):
            ids_bad += 1
        if m.get('kind') != 'request':
            continue
        requests += 1
        key = (m['daemon'], m['analysis'], m['data']['id'])
        if key in seen:
            req_dups += 1
        seen.add(key)
        if key not in stored:
            unknown += 1
    print('messages', n)
    print('requests', requests)
    print('msg_id_dups', msg_dups)
    print('request_dups', req_dups)
    print('missing', len(stored - seen))
    print('unknown', unknown)
    print('ids_bad', ids_bad)


def bucket(v):
    v = max(0, v)
    if v < 128:
        return v
    k = v.bit_length() - 1
    return 128 + (k - 7) * 64 + (v >> (k - 6)) - 64


def highest(i):
    if i < 128:
        return i
    k = (i - 128) // 64 + 7
    sub = 64 + (i - 128) % 64
    return ((sub + 1) << (k - 6)) - 1


def percentiles(msgs_path):
    values = sorted(m['data']['duration_ns'] for m in messages(msgs_path)
                    if m.get('kind') == 'request' and
                    m['data']['end_reason'] not in ('empty', 'open'))
    print('count', len(values))
    for p in (50, 90, 99):
        if not values:
            print('p%d 0' % p)
            continue
        rank = math.ceil(len(values) * float(p) / 100.0)
        rank = min(max(rank, 1), len(values))
        print('p%d %d' % (p, min(highest(bucket(values[rank - 1])),
                                 values[-1])))
    print('max', values[-1] if values else 0)


def gap(msgs_path, log_path, pairs):
    """Requests logged but in no message: matched by client port and start
    (within 50 ms: ports are reused). Needs --publish-records (the port is
    in the record)."""
    wanted = set()
    for i in range(0, len(pairs), 2):
        wanted.add((pairs[i], int(pairs[i + 1])))
    published = {}
    for m in messages(msgs_path):
        if m.get('kind') == 'request' and \
                (m['daemon'], m['analysis']) in wanted:
            rec = m.get('record') or m['data']
            if rec.get('end_reason') not in ('empty', 'open'):
                port = (rec.get('peer') or {}).get('port',
                                                    rec.get('port', -1))
                published.setdefault(port, []).append(rec['start_ns'])
    missing = 0
    with open(log_path) as f:
        for line in f:
            parts = line.split()
            if len(parts) < 3 or '?ready' in line:
                continue
            port, start = int(parts[1]), int(parts[2]) * 1000
            starts = published.get(port, [])
            near = [s for s in starts if abs(s - start) < 50000000]
            if near:
                starts.remove(near[0])
            else:
                missing += 1
                print(parts[1], parts[2])
    print('missing', missing)


if __name__ == '__main__':
    if sys.argv[1] == 'once':
        once(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == 'percentiles':
        percentiles(sys.argv[2])
    elif sys.argv[1] == 'gap':
        gap(sys.argv[2], sys.argv[3], sys.argv[4:])
