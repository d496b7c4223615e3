#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Hostile HTTP clients for tests/integration/test-http-hostile.sh.

    hostile-client.py slowloris PORT SOCKETS SECONDS
    hostile-client.py idle PORT SOCKETS SECONDS
    hostile-client.py slowloris-spread|idle-spread PORT SOCKETS SECONDS
    hostile-client.py raw PORT < REQUEST

raw: sends the bytes of standard input as they are (Python escapes such
as \\r\\n are decoded) and prints "STATUS CONTENT-TYPE BODY" on one line.

slowloris: SOCKETS connections that send a request head one header line
at a time, a line every second, never ending it (reopened when the
server closes them). idle: SOCKETS connections that send nothing. Both
on 127.0.0.1 only, for SECONDS at most, while a health check
(GET /api/v1/health on a new connection) runs every 0.5 s. Prints one
line: "checks=N answered=N max_ms=N attackers=N", answered counting the
checks that got a 200 within 1 s.
"""
import resource
import select
import socket
import sys
import time

HEALTH = b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


def health(port):
    """One health check: (answered 200 within 1 s, milliseconds)."""
    t0 = time.monotonic()
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=1.0)
        s.sendall(HEALTH)
        data = b""
        while b"\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        s.close()
        ms = (time.monotonic() - t0) * 1000
        return data.startswith(b"HTTP/1.1 200 ") and ms < 1000, ms
    except OSError:
        return False, (time.monotonic() - t0) * 1000


def open_attacker(port, source):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if source:
        s.bind((source, 0))
    s.setblocking(False)
    try:
        s.connect(("127.0.0.1", port))
    except BlockingIOError:
        pass
    except OSError:
        s.close()
        return None
    return s


def raw(port):
    request = sys.stdin.read().encode("latin-1").decode(
        "unicode_escape").encode("latin-1")
    s = socket.create_connection(("127.0.0.1", port), timeout=5.0)
    s.sendall(request)
    data = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = lines[0].split(" ")[1] if " " in lines[0] else "none"
    ctype = "none"
    for line in lines[1:]:
        if line.lower().startswith("content-type:"):
            ctype = line.split(":", 1)[1].strip()
    print(status, ctype, body.decode("latin-1").replace("\n", " "))


def main():
    if sys.argv[1] == "raw":
        raw(int(sys.argv[2]))
        return
    mode, port, count, seconds = (sys.argv[1], int(sys.argv[2]),
                                  int(sys.argv[3]), float(sys.argv[4]))
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, count + 256)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    end = time.monotonic() + seconds
    attackers = []
    opened = 0
    checks = answered = 0
    worst = 0.0
    next_check = time.monotonic()
    next_line = time.monotonic()
    line = 0
    while time.monotonic() < end:
        # Open (or reopen) attackers, a batch at a time.
        batch = 0
        while len(attackers) < count and batch < 100:
            # "-spread": from 200 loopback addresses, so that the global
            # limit, not the per-address one, is what is reached.
            source = ("127.0.%d.%d" % (1 + opened % 200 // 100,
                                       2 + opened % 100)
                      if mode.endswith("-spread") else None)
            s = open_attacker(port, source)
            if s is None:
                break
            attackers.append(s)
            opened += 1
            batch += 1
        now = time.monotonic()
        if mode.startswith("slowloris") and now >= next_line:
            # One more header line on every attacker; drop the closed.
            data = (b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    if line == 0 else b"X-Slow-%d: x\r\n" % line)
            line += 1
            alive = []
            for s in attackers:
                try:
                    s.send(data)
                    alive.append(s)
                except (BlockingIOError, InterruptedError):
                    alive.append(s)
                except OSError:
                    s.close()
            attackers = alive
            next_line = now + 1.0
        if mode.startswith("idle"):
            # Forget the ones the server closed: they are reopened.
            poller = select.poll()
            by_fd = {}
            for s in attackers:
                poller.register(s, select.POLLIN)
                by_fd[s.fileno()] = s
            readable = [by_fd[fd] for fd, _ in poller.poll(0)]
            for s in readable:
                try:
                    if s.recv(4096):
                        continue
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:
                    pass
                s.close()
                attackers.remove(s)
        if now >= next_check:
            good, ms = health(port)
            checks += 1
            answered += good
            worst = max(worst, ms)
            next_check = now + 0.5
        time.sleep(0.02)
    for s in attackers:
        s.close()
    print("checks=%d answered=%d max_ms=%d attackers=%d"
          % (checks, answered, worst, opened))


if __name__ == "__main__":
    main()
