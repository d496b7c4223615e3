#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Independent reference for request segmentation on context-less kernel
traces: reads `babeltrace2 --clock-seconds --clock-gmt DIR` on stdin and
prints one line "pid fd start_ns end_ns" per request, in the order requests
end, by the rules of doc/segmentation.md, written here again from the text
and sharing no code with lttng-analyzer:

- a connection opens at an accept/accept4 exit with ret >= 0 in a process;
  its first request starts there;
- a request is answered once a write-type call on the descriptor returned
  > 0 bytes; an answered request ends at the entry of the next read-type
  call on the descriptor (keepalive), or at the first shutdown or close
  entry of it;
- on an idle connection (between requests), a read-type call that returns
  > 0 bytes begins the next request at its entry; nothing begins after a
  shutdown or close was entered;
- requests that read nothing ("empty") and those the trace cut are not
  printed (as `lttng-analyzer requests` by default).

The process of each event comes from the current thread of its CPU
(sched_switch next_tid) and the thread's pid (lttng_statedump_process_state,
sched_process_fork); an exit is paired with its thread's last entry.

    babeltrace2 --clock-seconds --clock-gmt TRACE | ref-requests.py
"""
import re
import sys

READS = {'read', 'readv', 'pread64', 'preadv', 'preadv2', 'recvfrom',
         'recvmsg'}
WRITES = {'write', 'writev', 'pwrite64', 'pwritev', 'pwritev2', 'sendto',
          'sendmsg', 'sendfile', 'sendfile64'}
line_re = re.compile(r'^\[(\d+)\.(\d{9})\] \(.*?\) \S+ (\w+): \{ cpu_id = (\d+) \}, \{ (.*) \}$')
current = {}
pid_of = {0: 0}
conns = {}     # (pid, fd) -> state
inflight = {}  # tid -> (call, pid, fd, entry ns)


def field(fields, name):
    m = re.search(r'\b%s = (-?\d+)' % name, fields)
    return int(m.group(1)) if m else None


def end(c, pid, fd, ts):
    if c['bytes_read'] > 0:
        print(pid, fd, c['start'], ts)


for line in sys.stdin:
    m = line_re.search(line)
    if not m:
        continue
    ts = int(m.group(1)) * 1000000000 + int(m.group(2))
    name, cpu, fields = m.group(3), int(m.group(4)), m.group(5)
    if name == 'sched_switch':
        current[cpu] = field(fields, 'next_tid')
        continue
    if name == 'lttng_statedump_process_state':
        pid_of[field(fields, 'tid')] = field(fields, 'pid')
        continue
    if name == 'sched_process_fork':
        pid_of[field(fields, 'child_tid')] = field(fields, 'child_pid')
        continue
    if cpu not in current:
        continue
    tid = current[cpu]
    pid = pid_of.get(tid)
    if pid is None:
        continue
    if name.startswith('syscall_entry_'):
        call = name[len('syscall_entry_'):]
        fd = field(fields, 'out_fd' if call.startswith('sendfile') else 'fd')
        inflight[tid] = (call, pid, fd, ts)
        c = conns.get((pid, fd))
        if c is None:
            continue
        if call in READS and c['state'] == 'req' and c['answered']:
            end(c, pid, fd, ts)
            c['state'] = 'idle'
        elif call in ('shutdown', 'close'):
            if c['state'] == 'req':
                end(c, pid, fd, ts)
            c['state'] = 'over'
            if call == 'close':
                del conns[(pid, fd)]
        continue
    if not name.startswith('syscall_exit_'):
        continue
    call = name[len('syscall_exit_'):]
    entry = inflight.pop(tid, None)
    ret = field(fields, 'ret')
    if call in ('accept', 'accept4'):
        if ret is not None and ret >= 0:
            conns[(pid, ret)] = {'state': 'req', 'start': ts,
                                 'answered': False, 'bytes_read': 0}
        continue
    if entry is None or entry[0] != call or ret is None:
        continue
    c = conns.get((entry[1], entry[2]))
    if c is None:
        continue
    if call in READS and ret > 0:
        if c['state'] == 'idle':
            c.update(state='req', start=entry[3], answered=False,
                     bytes_read=0)
        if c['state'] == 'req':
            c['bytes_read'] += ret
    elif call in WRITES and ret > 0 and c['state'] == 'req':
        c['answered'] = True
