#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Independent reference for per-thread attribution on context-less kernel
traces: reads `babeltrace2 DIR` text output on stdin, rebuilds the current
thread of each CPU from sched_switch (next_tid), the process of each thread
from lttng_statedump_process_state (tid, pid) and sched_process_fork
(child_tid, child_pid), and prints, for each system-call entry whose name is
given on the command line, one line "pid syscall count" (pid -1: thread
never described). It shares no code with lttng-analyzer.

    babeltrace2 TRACE | ref-attribution.py connect accept4
"""
import re
import sys

wanted = set(sys.argv[1:])
line_re = re.compile(r'\] \(.*?\) \S+ (\w+): \{ cpu_id = (\d+) \}, \{ (.*) \}$')
current = {}
pid_of = {0: 0}
counts = {}
for line in sys.stdin:
    m = line_re.search(line)
    if not m:
        continue
    name, cpu, fields = m.group(1), int(m.group(2)), m.group(3)
    if name == 'sched_switch':
        current[cpu] = int(re.search(r'next_tid = (\d+)', fields).group(1))
    elif name == 'lttng_statedump_process_state':
        tid = int(re.search(r'\btid = (\d+)', fields).group(1))
        pid_of[tid] = int(re.search(r'\bpid = (\d+)', fields).group(1))
    elif name == 'sched_process_fork':
        tid = int(re.search(r'child_tid = (\d+)', fields).group(1))
        pid_of[tid] = int(re.search(r'child_pid = (\d+)', fields).group(1))
    elif name.startswith('syscall_entry_'):
        sc = name[len('syscall_entry_'):]
        if sc in wanted and cpu in current:
            key = (pid_of.get(current[cpu], -1), sc)
            counts[key] = counts.get(key, 0) + 1
for (pid, sc), n in sorted(counts.items()):
    print(pid, sc, n)
