#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Match a testbed run's access log against its trace, read by babeltrace2.

    match-log-trace.py [--skew-us N] [--details N] TRACE_DIR ACCESS_LOG

An independent reading of what contrib/testbed/run.sh recorded: the trace is
read through the babeltrace2 command-line tool's text output (not through
lttng-analyzer's decoder), the access log in run.sh's format:

    %a %{remote}p %{usec}t %D %>s %B %P %{tid}P %X %k "%r"

(%k, the requests served on the connection before this one, may be absent:
the format of older runs; every line then counts as a first request.)

What must hold, with KeepAlive Off or On (not with HTTP pipelining, run.sh
--pipeline, where one read brings several requests: see the last rule):

- Every log line has its accept: an lttng_analyzer_syscall:exit_accept4 (or
  exit_accept) in the Apache process that logged the request (vpid = %P),
  whose ret is a descriptor (>= 0) and whose sport is the logged client port.
  Client ports are reused within a run (tens of thousands of connections
  over ~28,000 ephemeral ports), so the accept is the LATEST such one whose
  time is not after the request's logged start (%{usec}t) plus --skew-us
  (default 1000 µs, for the trace clock's conversion to real time). Each
  connection on a port closes before the port is reused, so per (process,
  port) the accepts and their requests alternate in time, and "latest
  accept before the start" pairs every request with its connection.
- The log lines of one accept have distinct %k values, 0 to n-1 for n
  lines: two lines with the same %k on one accept are an error
  (duplicate_matches), and so are missing values (bad_request_numbers).
  With KeepAlive Off a connection has one request: n is 1.
- The accept is followed, in the same process, by an entry_shutdown or
  entry_close of its descriptor (before the descriptor is handed out again),
  at or after each of its requests' start.
- Its number of log lines equals the number of request starts the trace
  shows on that descriptor, in that process, before its first shutdown or
  close (request_count_mismatches): a request start is the first read
  (exit of read, readv, recvfrom or recvmsg) returning more than 0 bytes
  after the accept, or after a write that wrote more than 0 bytes to the
  descriptor (exit of write, writev, sendto, sendmsg, sendfile64 or
  pwrite64: the previous answer). With pipelining one read may bring
  several requests and this does not hold.
- An accept with no log line is a connection that the client closed without
  sending a request: the first read of the descriptor in that process after
  the accept (EAGAIN and EINTR do not count) returned 0. wrk leaves such
  connections when it stops.
- babeltrace2 reports no discarded events and no lost packets.

Prints key=value lines on stdout, details of every failure (at most --details
of each kind) on stderr. Exit status: 0 when everything holds, 1 when not, 2
when the inputs cannot be read.
"""

import argparse
import bisect
import re
import subprocess
import sys
import tempfile

PREFIX = " lttng_analyzer_syscall:"
APACHE = "apache2"
EAGAIN = -11
EINTR = -4
READS = ("read", "readv", "recvfrom", "recvmsg")
WRITES = ("write", "writev", "sendto", "sendmsg", "sendfile64", "pwrite64")
FD_MAKERS = ("open", "openat", "socket", "accept", "accept4")

CONTEXT_RE = re.compile(
    r'\{ vpid = (\d+), vtid = (\d+), procname = "([^"]*)" \}, \{ (.*) \}$')
FIELD_RE = re.compile(r"(\w+) = (-?\w+)")
DISCARDED_RE = re.compile(r"^WARNING: Tracer discarded (\d+) events")
LOST_RE = re.compile(r"^WARNING: Tracer lost (\d+) packets")
TIME_RE = re.compile(r"^\[(\d+)\.(\d{9})\]")


class Accept:
    """One successful accept of an Apache process."""

    __slots__ = ("t", "vpid", "vtid", "fd", "sport", "first_read",
                 "end_t", "end_call", "logs", "reused", "starts",
                 "awaiting")

    def __init__(self, t, vpid, vtid, fd, sport):
        self.t = t
        self.vpid = vpid
        self.vtid = vtid
        self.fd = fd
        self.sport = sport
        self.first_read = None  # ret of the first conclusive read
        self.end_t = None  # time of the first shutdown or close
        self.end_call = None
        self.logs = []  # (line number, %k) of the matched log lines
        self.reused = False  # descriptor handed out again, no close seen
        self.starts = 0  # request starts before the first shutdown/close
        # True after the accept and after each write of > 0 bytes: the
        # next read of > 0 bytes starts a request.
        self.awaiting = True

    def describe(self):
        return ("accept t=%s vpid=%d vtid=%d fd=%d sport=%d first_read=%s "
                "request_starts=%d end=%s"
                % (ns_str(self.t), self.vpid, self.vtid, self.fd,
                   self.sport, self.first_read, self.starts,
                   self.end_call or "none")
                + (" (descriptor handed out again)" if self.reused else ""))


def ns_str(t):
    return "%d.%09d" % divmod(t, 1000000000)


def fields_of(text):
    return dict(FIELD_RE.findall(text))


class Reading:
    """The state of one pass over babeltrace2's output."""

    def __init__(self):
        self.events = 0
        self.discarded = 0
        self.lost_packets = 0
        self.other_lines = 0
        self.non_apache_events = 0
        self.failed_accepts = {}
        self.accepts = []
        self.by_key = {}  # (vpid, sport) -> [Accept] in time order
        self.open_fds = {}  # (vpid, fd) -> Accept, until its close
        self.pending_reads = {}  # vtid -> (vpid, fd)
        self.pending_writes = {}  # vtid -> (vpid, fd)

    def release(self, vpid, fd):
        """The descriptor is handed out again: its accept's life is over."""
        accept = self.open_fds.pop((vpid, fd), None)
        if accept is not None and accept.end_t is None:
            accept.reused = True

    def feed_warning(self, line):
        """Counts a discarded-events or lost-packets warning; False if the
        line is not one."""
        m = DISCARDED_RE.match(line)
        if m:
            self.discarded += int(m.group(1))
            return True
        m = LOST_RE.match(line)
        if m:
            self.lost_packets += int(m.group(1))
            return True
        return False

    def feed(self, line):
        at = line.find(PREFIX)
        if at < 0:
            if not self.feed_warning(line):
                self.other_lines += 1
            return
        self.events += 1
        rest = line[at + len(PREFIX):]
        colon = rest.find(":")
        name = rest[:colon]
        kind, _, call = name.partition("_")
        interesting = (call in READS or call in WRITES or
                       call in FD_MAKERS or
                       (kind == "entry" and call in ("close", "shutdown")))
        if not interesting:
            return
        m = CONTEXT_RE.search(rest, colon)
        tm = TIME_RE.match(line)
        if m is None or tm is None:
            self.other_lines += 1
            return
        vpid, vtid, procname = int(m.group(1)), int(m.group(2)), m.group(3)
        if procname != APACHE:
            self.non_apache_events += 1
            return
        t = int(tm.group(1)) * 1000000000 + int(tm.group(2))
        fields = fields_of(m.group(4))
        if kind == "entry":
            if call in READS:
                self.pending_reads[vtid] = (vpid, int(fields["fd"]))
            elif call in WRITES:
                fd = fields.get("fd", fields.get("out_fd"))
                self.pending_writes[vtid] = (vpid, int(fd))
            elif call in ("close", "shutdown"):
                fd = int(fields["fd"])
                accept = self.open_fds.get((vpid, fd))
                if accept is not None and accept.end_t is None:
                    accept.end_t = t
                    accept.end_call = call
                if call == "close":
                    self.open_fds.pop((vpid, fd), None)
            return
        ret = int(fields["ret"])
        if call in READS:
            key = self.pending_reads.pop(vtid, None)
            accept = self.open_fds.get(key) if key else None
            if (accept is not None and accept.first_read is None and
                    ret not in (EAGAIN, EINTR)):
                accept.first_read = ret
            if (accept is not None and accept.end_t is None and ret > 0 and
                    accept.awaiting):
                accept.starts += 1
                accept.awaiting = False
            return
        if call in WRITES:
            key = self.pending_writes.pop(vtid, None)
            accept = self.open_fds.get(key) if key else None
            if accept is not None and ret > 0:
                accept.awaiting = True
            return
        # An exit that hands out a descriptor.
        if ret < 0:
            if call.startswith("accept"):
                self.failed_accepts[ret] = self.failed_accepts.get(ret, 0) + 1
            return
        self.release(vpid, ret)
        if call.startswith("accept"):
            accept = Accept(t, vpid, vtid, ret, int(fields["sport"]))
            self.accepts.append(accept)
            self.by_key.setdefault((vpid, accept.sport), []).append(accept)
            self.open_fds[(vpid, ret)] = accept


def read_log(path):
    """(line number, port, start ns, pid, %k, line) of every access-log
    line; %k is 0 when the line has no such field (older format)."""
    requests = []
    bad = []
    with open(path, encoding="utf-8", errors="replace") as log:
        for number, line in enumerate(log, 1):
            parts = line.split(" ", 10)
            try:
                port = int(parts[1])
                start = int(parts[2]) * 1000
                pid = int(parts[6])
                served = int(parts[9]) if parts[9][:1].isdigit() else 0
            except (IndexError, ValueError):
                bad.append((number, line.rstrip("\n")))
                continue
            requests.append((number, port, start, pid, served,
                             line.rstrip("\n")))
    return requests, bad


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("trace")
    parser.add_argument("access_log")
    parser.add_argument("--skew-us", type=int, default=1000)
    parser.add_argument("--details", type=int, default=10)
    args = parser.parse_args()

    try:
        requests, bad_lines = read_log(args.access_log)
    except OSError as e:
        print("match-log-trace: %s" % e, file=sys.stderr)
        return 2

    reading = Reading()
    # babeltrace2 reports discarded events and lost packets on stderr: a
    # file, not a pipe, which could fill while stdout is being read.
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8",
                                errors="replace") as bt_err:
        try:
            bt = subprocess.Popen(
                ["babeltrace2", "--clock-seconds", "--no-delta", args.trace],
                stdout=subprocess.PIPE, stderr=bt_err,
                encoding="utf-8", errors="replace")
        except OSError as e:
            print("match-log-trace: cannot run babeltrace2: %s" % e,
                  file=sys.stderr)
            return 2
        for line in bt.stdout:
            reading.feed(line.rstrip("\n"))
        status = bt.wait()
        bt_err.seek(0)
        errors = []
        for line in bt_err:
            if not reading.feed_warning(line.rstrip("\n")):
                errors.append(line.rstrip("\n"))
    if status != 0:
        print("match-log-trace: babeltrace2 failed (status %d): %s"
              % (status, "\n".join(errors[-20:])), file=sys.stderr)
        return 2

    skew = args.skew_us * 1000
    problems = {}

    def problem(kind, text):
        problems.setdefault(kind, []).append(text)

    for number, line in bad_lines:
        problem("unparsed_log_lines", "line %d: %s" % (number, line))

    matched = 0
    offsets = []  # accept to logged start, of first requests (%k 0)
    for number, port, start, pid, served, line in requests:
        candidates = reading.by_key.get((pid, port), [])
        times = [a.t for a in candidates]
        i = bisect.bisect_right(times, start + skew)
        if i == 0:
            problem("unmatched_log_lines",
                    "line %d (no accept of port %d in pid %d before %s): %s"
                    % (number, port, pid, ns_str(start), line))
            continue
        accept = candidates[i - 1]
        same = [n for n, k in accept.logs if k == served]
        if same:
            problem("duplicate_matches",
                    "lines %d and %d (%%k %d) both match %s"
                    % (same[0], number, served, accept.describe()))
            continue
        accept.logs.append((number, served))
        matched += 1
        if served == 0:
            offsets.append(start - accept.t)
        if accept.end_t is None:
            problem("unclosed_accepts",
                    "line %d: no shutdown/close of the descriptor after %s"
                    % (number, accept.describe()))
        elif accept.end_t < start - skew:
            problem("closed_before_request",
                    "line %d: request starts at %s, after the %s of %s"
                    % (number, ns_str(start), accept.end_call,
                       accept.describe()))

    # Per accept: %k 0 to n-1, and as many request starts as lines.
    starts = 0
    keepalive_accepts = 0
    most = 0
    for accept in reading.accepts:
        starts += accept.starts
        n = len(accept.logs)
        if n == 0:
            continue
        most = max(most, n)
        if n > 1:
            keepalive_accepts += 1
        numbers = {k for _, k in accept.logs}
        if numbers != set(range(n)):
            missing = sorted(set(range(n)) - numbers)
            beyond = sorted(numbers - set(range(n)))
            problem("bad_request_numbers",
                    "%d log lines (first: line %d), %%k missing: %s, "
                    "%%k beyond %d: %s: %s"
                    % (n, accept.logs[0][0],
                       ",".join(str(k) for k in missing[:5]) or "none",
                       n - 1,
                       ",".join(str(k) for k in beyond[:5]) or "none",
                       accept.describe()))
        if accept.starts != n:
            problem("request_count_mismatches",
                    "%d log lines (first: line %d), %d request starts: %s"
                    % (n, accept.logs[0][0], accept.starts,
                       accept.describe()))

    empty = 0
    for accept in reading.accepts:
        if accept.logs:
            continue
        if accept.first_read == 0:
            empty += 1
            if accept.end_t is None:
                problem("unclosed_accepts",
                        "empty connection: %s" % accept.describe())
            continue
        problem("other_unmatched_accepts", accept.describe())

    offsets.sort()

    def offset_us(q):
        if not offsets:
            return "none"
        return "%.1f" % (offsets[min(len(offsets) - 1,
                                     int(q * len(offsets)))] / 1000.0)

    kinds = ("unparsed_log_lines", "unmatched_log_lines", "duplicate_matches",
             "bad_request_numbers", "request_count_mismatches",
             "unclosed_accepts", "closed_before_request",
             "other_unmatched_accepts")
    out = [
        ("events", reading.events),
        ("discarded_events", reading.discarded),
        ("lost_packets", reading.lost_packets),
        ("non_apache_events", reading.non_apache_events),
        ("unrecognised_lines", reading.other_lines),
        ("log_lines", len(requests) + len(bad_lines)),
        ("accepts", len(reading.accepts)),
        ("failed_accepts", " ".join("%d:%d" % kv for kv in
                                    sorted(reading.failed_accepts.items()))
         or "none"),
        ("apache_processes", len({a.vpid for a in reading.accepts})),
        ("matched", matched),
        ("request_starts", starts),
        ("keepalive_accepts", keepalive_accepts),
        ("requests_per_accept_max", most),
        ("empty_connections", empty),
    ]
    out += [(k, len(problems.get(k, []))) for k in kinds]
    out += [
        ("accept_to_start_us_min", offset_us(0.0)),
        ("accept_to_start_us_median", offset_us(0.5)),
        ("accept_to_start_us_max", offset_us(1.0)),
    ]
    for key, value in out:
        print("%s=%s" % (key, value))
    for kind in kinds:
        for text in problems.get(kind, [])[:args.details]:
            print("%s: %s" % (kind, text), file=sys.stderr)

    ok = (not problems and reading.discarded == 0 and
          reading.lost_packets == 0 and reading.events > 0 and requests)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
