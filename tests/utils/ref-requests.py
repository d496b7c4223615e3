#!/usr/bin/env python3
"""Independent reference for request segmentation on context-less kernel
traces: reads `babeltrace2 --clock-seconds --clock-gmt DIR` on stdin and
prints one line "pid fd accept_exit_ns end_ns" per accept->close pair: an
accept/accept4 exit with ret >= 0 in a process, up to the first shutdown or
close entry of that descriptor in the same process. The process of each
event comes from the current thread of its CPU (sched_switch next_tid) and
the thread's pid (lttng_statedump_process_state, sched_process_fork). Pairs
whose close is not in the trace are not printed. Shares no code with
lttng-analyzer.

    babeltrace2 --clock-seconds --clock-gmt TRACE | ref-requests.py
"""
import re
import sys

line_re = re.compile(r'^\[(\d+)\.(\d{9})\] \(.*?\) \S+ (\w+): \{ cpu_id = (\d+) \}, \{ (.*) \}$')
current = {}
pid_of = {0: 0}
open_requests = {}   # (pid, fd) -> accept exit ns
pairs = []
for line in sys.stdin:
    m = line_re.search(line)
    if not m:
        continue
    ts = int(m.group(1)) * 1000000000 + int(m.group(2))
    name, cpu, fields = m.group(3), int(m.group(4)), m.group(5)
    if name == 'sched_switch':
        current[cpu] = int(re.search(r'next_tid = (\d+)', fields).group(1))
        continue
    if name == 'lttng_statedump_process_state':
        pid_of[int(re.search(r'\btid = (\d+)', fields).group(1))] = \
            int(re.search(r'\bpid = (\d+)', fields).group(1))
        continue
    if name == 'sched_process_fork':
        pid_of[int(re.search(r'child_tid = (\d+)', fields).group(1))] = \
            int(re.search(r'child_pid = (\d+)', fields).group(1))
        continue
    if cpu not in current:
        continue
    pid = pid_of.get(current[cpu])
    if pid is None:
        continue
    if name in ('syscall_exit_accept', 'syscall_exit_accept4'):
        ret = int(re.search(r'\bret = (-?\d+)', fields).group(1))
        if ret >= 0:
            open_requests[(pid, ret)] = ts
    elif name in ('syscall_entry_close', 'syscall_entry_shutdown'):
        fd = int(re.search(r'\bfd = (-?\d+)', fields).group(1))
        start = open_requests.pop((pid, fd), None)
        if start is not None:
            pairs.append((pid, fd, start, ts))
for p in pairs:
    print(*p)
