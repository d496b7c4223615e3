#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Check a three-tier testbed run: the page's truth in the access log, and
the trace of both tiers, read by babeltrace2.

    check-tiers.py [--queries N] [--db tcp|unix] [--persistent on|off]
                   [--skew-us N] [--details N] TRACE_DIR ACCESS_LOG

contrib/testbed/run.sh --tiers 3 logs, for every web request, what db.php
did (LogFormat testbed3, see README.md):

    %a %{remote}p %{usec}t %D %>s %B %P %{tid}P %X %k "%r" php_tid=T
    db_via=tcp|unix db_persistent=0|1 db_reused=0|1 db_connection=C
    db_thread=S db_queries=Q db_rows=R db_error=E

What must hold, from the log alone:

- every line has that format, status 200, db_error "-", the options of the
  run (db_via, db_persistent), db_queries = N + 1 (the truth query and the
  N random-actor queries), db_rows = N, and php_tid = %P (prefork: PHP runs
  on the process's only thread);
- without persistent connections: no line says reused, and no two lines
  share a database connection;
- with them: a connection belongs to one Apache process and one server
  thread; per process, in log order (its requests are sequential), the
  first line of a connection says reused=0 and every later one reused=1.

And from the trace (the babeltrace2 command-line tool's text output, not
lttng-analyzer's decoder):

- babeltrace2 reads it, with no discarded events and no lost packets, and
  it has events of apache2 and of mariadbd processes (procname context);
- every logged %P is the vpid of apache2 events, every logged db_thread the
  vtid of mariadbd events;
- the truth query ties the log to the trace. During each web request
  (from its logged start %{usec}t to its end, start + %D, widened by
  --skew-us, default 1000 µs, for the two clocks, unless that brings in a
  neighbouring request's send), its Apache process sends the truth query
  once: one send of the whole packet (4 bytes of header, the command byte
  and the query text, as db.php writes it). The logged server thread must
  read that query's payload (the command byte and the text, in one read:
  MariaDB reads the 4-byte header first) after the send began and before
  Apache's next read of that descriptor returned the answer.
  truth_windows_shared counts the lines for which another mariadbd thread
  also read a truth query in that interval: timing alone would not tell
  those threads apart.

Prints key=value lines on stdout, details of each failure (at most
--details of each kind) on stderr. Exit status: 0 when everything holds,
1 when not, 2 when the inputs cannot be read.
"""

import argparse
import bisect
import re
import subprocess
import sys
import tempfile

LINE_RE = re.compile(
    r'^(\S+) (\d+) (\d+) (\d+) (\d+) (\S+) (\d+) (\S+) (\S) (\d+) "([^"]*)"'
    r' php_tid=(\S+) db_via=(\S+) db_persistent=(\S+) db_reused=(\S+)'
    r' db_connection=(\S+) db_thread=(\S+) db_queries=(\S+) db_rows=(\S+)'
    r' db_error=(\S+)$')
EVENT_RE = re.compile(
    r'^\[(\d+)\.(\d{9})\] \S+ lttng_analyzer_syscall:(\w+): '
    r'\{ cpu_id = \d+ \}, \{ vpid = (\d+), vtid = (\d+), '
    r'procname = "([^"]*)" \}, \{ (.*) \}$')
RET_RE = re.compile(r"\bret = (-?\d+)")
DISCARDED_RE = re.compile(r"^WARNING: Tracer discarded (\d+) events")
LOST_RE = re.compile(r"^WARNING: Tracer lost (\d+) packets")
READS = ("exit_recvfrom", "exit_recvmsg", "exit_read", "exit_readv")
# db.php's truth query, as it sends it: COM_QUERY (1 byte) and the text.
TRUTH_QUERY = ("SELECT CONNECTION_ID(), THREAD_OS_ID"
               " FROM performance_schema.threads"
               " WHERE PROCESSLIST_ID = CONNECTION_ID()")
TRUTH_PAYLOAD = 1 + len(TRUTH_QUERY)
FD_RE = re.compile(r"\bfd = (-?\d+)")
LEN_RE = re.compile(r"\blen = (\d+)")


class Line:
    """One access-log line of a three-tier run."""

    __slots__ = ("number", "start", "end", "status", "pid", "php_tid",
                 "via", "persistent", "reused", "connection", "thread",
                 "queries", "rows", "error", "text")


def read_log(path):
    """The parsed lines and the numbers and text of those that are not in
    the three-tier format."""
    lines = []
    bad = []
    with open(path, encoding="utf-8", errors="replace") as log:
        for number, text in enumerate(log, 1):
            text = text.rstrip("\n")
            m = LINE_RE.match(text)
            if m is None:
                bad.append((number, text))
                continue
            line = Line()
            line.number = number
            line.text = text
            line.start = int(m.group(3)) * 1000
            line.end = line.start + int(m.group(4)) * 1000
            line.status = m.group(5)
            line.pid = int(m.group(7))
            (line.php_tid, line.via, line.persistent, line.reused,
             line.connection, line.thread, line.queries, line.rows,
             line.error) = m.groups()[11:20]
            lines.append(line)
    return lines, bad


class Trace:
    """What the checks need from babeltrace2's text output."""

    def __init__(self):
        self.events = 0
        self.discarded = 0
        self.lost_packets = 0
        self.unrecognised = 0
        self.by_procname = {}
        self.apache_pids = set()
        self.mariadbd_pids = set()
        self.mariadbd_tids = set()
        # mariadbd vtid -> [time of each read of the truth query's payload]
        self.truth_reads = {}
        # Every such read: [(time, vtid)], in time order.
        self.all_truth_reads = []
        # apache2 vpid -> [(time, fd)] of each send of the truth query.
        self.truth_sends = {}
        # (apache2 vpid, fd) -> [time of each read that returned > 0].
        self.web_reads = {}
        self.pending = {}  # apache2 vtid -> fd of its read in progress

    def feed_warning(self, text):
        m = DISCARDED_RE.match(text)
        if m:
            self.discarded += int(m.group(1))
            return True
        m = LOST_RE.match(text)
        if m:
            self.lost_packets += int(m.group(1))
            return True
        return False

    def feed(self, text):
        m = EVENT_RE.match(text)
        if m is None:
            if not self.feed_warning(text):
                self.unrecognised += 1
            return
        self.events += 1
        name, vpid, vtid, procname = (m.group(3), int(m.group(4)),
                                      int(m.group(5)), m.group(6))
        self.by_procname[procname] = self.by_procname.get(procname, 0) + 1
        t = int(m.group(1)) * 1000000000 + int(m.group(2))
        fields = m.group(7)
        if procname == "apache2":
            self.apache_pids.add(vpid)
            if name == "entry_sendto":
                n = LEN_RE.search(fields)
                if n and int(n.group(1)) == 4 + TRUTH_PAYLOAD:
                    fd = int(FD_RE.search(fields).group(1))
                    self.truth_sends.setdefault(vpid, []).append((t, fd))
            elif name in ("entry_recvfrom", "entry_read"):
                self.pending[vtid] = int(FD_RE.search(fields).group(1))
            elif name in ("exit_recvfrom", "exit_read"):
                fd = self.pending.pop(vtid, None)
                r = RET_RE.search(fields)
                if fd is not None and r and int(r.group(1)) > 0:
                    self.web_reads.setdefault((vpid, fd), []).append(t)
        elif procname == "mariadbd":
            self.mariadbd_pids.add(vpid)
            self.mariadbd_tids.add(vtid)
            if name in READS:
                r = RET_RE.search(fields)
                if r and int(r.group(1)) == TRUTH_PAYLOAD:
                    self.truth_reads.setdefault(vtid, []).append(t)
                    self.all_truth_reads.append((t, vtid))


def read_trace(path, trace):
    """Feeds babeltrace2's output to trace; 0, or 2 when babeltrace2
    fails."""
    # Its warnings go to a file, not a pipe that could fill while stdout
    # is read.
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8",
                                errors="replace") as bt_err:
        try:
            bt = subprocess.Popen(
                ["babeltrace2", "--clock-seconds", "--no-delta", path],
                stdout=subprocess.PIPE, stderr=bt_err,
                encoding="utf-8", errors="replace")
        except OSError as e:
            print("check-tiers: cannot run babeltrace2: %s" % e,
                  file=sys.stderr)
            return 2
        for text in bt.stdout:
            trace.feed(text.rstrip("\n"))
        status = bt.wait()
        bt_err.seek(0)
        errors = [t.rstrip("\n") for t in bt_err
                  if not trace.feed_warning(t.rstrip("\n"))]
    if status != 0:
        print("check-tiers: babeltrace2 failed (status %d): %s"
              % (status, "\n".join(errors[-20:])), file=sys.stderr)
        return 2
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("trace")
    parser.add_argument("access_log")
    parser.add_argument("--queries", type=int, default=1)
    parser.add_argument("--db", choices=("tcp", "unix"), default="tcp")
    parser.add_argument("--persistent", choices=("on", "off"),
                        default="off")
    parser.add_argument("--skew-us", type=int, default=1000)
    parser.add_argument("--details", type=int, default=10)
    args = parser.parse_args()

    try:
        lines, bad = read_log(args.access_log)
    except OSError as e:
        print("check-tiers: %s" % e, file=sys.stderr)
        return 2
    trace = Trace()
    status = read_trace(args.trace, trace)
    if status != 0:
        return status

    problems = {}

    def problem(kind, line, text=""):
        problems.setdefault(kind, []).append(
            "line %d: %s%s" % (line.number, text + ": " if text else "",
                               line.text))

    persistent = "1" if args.persistent == "on" else "0"
    for number, text in bad:
        problems.setdefault("unparsed_lines", []).append(
            "line %d: %s" % (number, text))
    for line in lines:
        if line.status != "200":
            problem("not_200", line)
        if line.error != "-":
            problem("db_errors", line)
        if line.via != args.db or line.persistent != persistent:
            problem("wrong_options", line,
                    "expected db_via=%s db_persistent=%s"
                    % (args.db, persistent))
        if line.queries != str(args.queries + 1):
            problem("wrong_query_counts", line,
                    "expected db_queries=%d" % (args.queries + 1))
        if line.rows != str(args.queries):
            problem("wrong_row_counts", line,
                    "expected db_rows=%d" % args.queries)
        if line.php_tid != str(line.pid):
            problem("php_thread_not_process", line)
        if not (line.connection.isdigit() and line.thread.isdigit()):
            problem("missing_truth", line)
        if line.reused not in ("0", "1"):
            problem("missing_truth", line, "db_reused")

    # Connections: who used them, and whether the page saw them reused.
    owners = {}  # connection -> (pid, thread) of its first line
    uses = {}  # connection -> lines
    reused_lines = 0
    for line in lines:
        if not line.connection.isdigit():
            continue
        reused_lines += line.reused == "1"
        seen = line.connection in owners
        if not seen:
            owners[line.connection] = (line.pid, line.thread)
        uses[line.connection] = uses.get(line.connection, 0) + 1
        if args.persistent == "off":
            if line.reused != "0":
                problem("reuse_mismatches", line, "reused without p:")
            if seen:
                problem("shared_connections", line,
                        "connection used by an earlier line")
            continue
        pid, thread = owners[line.connection]
        if pid != line.pid:
            problem("shared_connections", line,
                    "connection of Apache process %d" % pid)
        if thread != line.thread:
            problem("thread_changes", line,
                    "the connection was served by thread %s" % thread)
        if line.reused != ("1" if seen else "0"):
            problem("reuse_mismatches", line,
                    "the connection was %sseen before"
                    % ("" if seen else "not "))

    # The truth against the trace.
    skew = args.skew_us * 1000
    trace.all_truth_reads.sort()
    all_times = [t for t, _ in trace.all_truth_reads]
    shared = 0
    for line in lines:
        if line.pid not in trace.apache_pids:
            problem("unknown_web_processes", line,
                    "no apache2 event of vpid %d" % line.pid)
        if not line.thread.isdigit():
            continue
        thread = int(line.thread)
        if thread not in trace.mariadbd_tids:
            problem("unknown_db_threads", line,
                    "no mariadbd event of vtid %d" % thread)
            continue
        sends = [(t, fd) for t, fd in trace.truth_sends.get(line.pid, [])
                 if line.start - skew <= t <= line.end + skew]
        if len(sends) > 1:
            # The process's previous or next request may be within the
            # skew: then only the request's own interval counts.
            sends = [(t, fd) for t, fd in sends
                     if line.start <= t <= line.end]
        if len(sends) != 1:
            problem("truth_sends_not_one", line,
                    "%d sends of the truth query by process %d"
                    % (len(sends), line.pid))
            continue
        sent, fd = sends[0]
        reads = trace.web_reads.get((line.pid, fd), [])
        i = bisect.bisect_right(reads, sent)
        answered = reads[i] if i < len(reads) else line.end + skew
        times = trace.truth_reads.get(thread, [])
        i = bisect.bisect_right(times, sent)
        if i == len(times) or times[i] > answered:
            problem("truth_not_received", line,
                    "mariadbd thread %d did not read the truth query "
                    "between %d and %d ns" % (thread, sent, answered))
        lo = bisect.bisect_right(all_times, sent)
        hi = bisect.bisect_right(all_times, answered)
        if len({v for _, v in trace.all_truth_reads[lo:hi]} - {thread}):
            shared += 1

    kinds = ("unparsed_lines", "not_200", "db_errors", "wrong_options",
             "wrong_query_counts", "wrong_row_counts",
             "php_thread_not_process", "missing_truth", "shared_connections",
             "thread_changes", "reuse_mismatches", "unknown_web_processes",
             "unknown_db_threads", "truth_sends_not_one",
             "truth_not_received")
    out = [
        ("events", trace.events),
        ("discarded_events", trace.discarded),
        ("lost_packets", trace.lost_packets),
        ("unrecognised_lines", trace.unrecognised),
        ("apache2_events", trace.by_procname.get("apache2", 0)),
        ("mariadbd_events", trace.by_procname.get("mariadbd", 0)),
        ("other_events", trace.events
         - trace.by_procname.get("apache2", 0)
         - trace.by_procname.get("mariadbd", 0)),
        ("apache2_processes", len(trace.apache_pids)),
        ("mariadbd_pids", " ".join(str(p) for p in
                                   sorted(trace.mariadbd_pids)) or "none"),
        ("mariadbd_threads", len(trace.mariadbd_tids)),
        ("log_lines", len(lines) + len(bad)),
        ("db_connections", len(owners)),
        ("db_threads_logged", len({l.thread for l in lines
                                   if l.thread.isdigit()})),
        ("reused_lines", reused_lines),
        ("db_queries", sum(int(l.queries) for l in lines
                           if l.queries.isdigit())),
        ("truth_windows_shared", shared),
    ]
    out += [(k, len(problems.get(k, []))) for k in kinds]
    for key, value in out:
        print("%s=%s" % (key, value))
    for kind in kinds:
        for text in problems.get(kind, [])[:args.details]:
            print("%s: %s" % (kind, text), file=sys.stderr)

    ok = (not problems and trace.discarded == 0 and
          trace.lost_packets == 0 and lines and
          trace.by_procname.get("apache2", 0) > 0 and
          trace.by_procname.get("mariadbd", 0) > 0)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
