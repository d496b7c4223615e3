#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""A Server-Sent Events client for the event stream tests.

  sse-client.py collect URL --every N [--max-seconds S] [--kinds K]
      Reads URL's event stream, drops the connection after every N events
      and reconnects with Last-Event-ID (the id of the last complete event),
      until an "end" event or S seconds. Prints one line per event received:
      "ID KIND REQUEST_ID" (REQUEST_ID: the data's "id", or -), then
      "connections C" and "ended yes|no".
  sse-client.py stall URL --stall S [--max-seconds T]
      Connects, reads the first event, stops reading for S seconds (a
      small receive buffer), then reads on until the server closes. Prints
      "events N", "dropped yes|no" (a "dropped" event came), its data, and
      "closed yes|no".
  sse-client.py record URL [--max-seconds S]
      Reads URL's event stream until an "end" event, the server closing or
      S seconds; prints one line per event as it comes (flushed): "WALL_NS
      ID KIND DATA", WALL_NS the CLOCK_REALTIME time (ns) at which the
      bytes that completed the event were received, DATA its JSON as sent.
      Then "ended yes|no". For the latency benchmarks (bench/).
Standard library only; every loop is bounded in time.
"""
import argparse
import json
import socket
import sys
import time
import urllib.parse


def connect(url, last_id, rcvbuf=None, timeout=10):
    u = urllib.parse.urlsplit(url)
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(timeout)
    s.connect((u.hostname, u.port))
    path = u.path + ("?" + u.query if u.query else "")
    head = f"GET {path} HTTP/1.1\r\nHost: {u.hostname}\r\nAccept: text/event-stream\r\n"
    if last_id is not None:
        head += f"Last-Event-ID: {last_id}\r\n"
    s.sendall((head + "\r\n").encode())
    return s


class Reader:
    """Dechunks an HTTP/1.1 response and splits it into SSE events."""

    def __init__(self, sock):
        self.sock = sock
        self.raw = b""
        self.body = b""
        self.head_done = False
        self.status = None
        self.closed = False
        self.recv_ns = 0

    def _fill(self):
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            return False
        if not data:
            self.closed = True
            return False
        self.recv_ns = time.time_ns()
        self.raw += data
        return True

    def _dechunk(self):
        if not self.head_done:
            i = self.raw.find(b"\r\n\r\n")
            if i < 0:
                return
            self.status = int(self.raw.split(b" ", 2)[1])
            self.raw = self.raw[i + 4:]
            self.head_done = True
        while True:
            i = self.raw.find(b"\r\n")
            if i < 0:
                return
            size = int(self.raw[:i].split(b";")[0], 16)
            if size == 0:
                self.closed = True
                return
            if len(self.raw) < i + 2 + size + 2:
                return
            self.body += self.raw[i + 2:i + 2 + size]
            self.raw = self.raw[i + 2 + size + 2:]

    def event(self, deadline):
        """The next complete event as a dict, or None (closed, timed out)."""
        while True:
            self._dechunk()
            i = self.body.find(b"\n\n")
            if i >= 0:
                block, self.body = self.body[:i], self.body[i + 2:]
                ev = {}
                for line in block.decode().split("\n"):
                    if line.startswith(":"):
                        continue
                    k, _, v = line.partition(":")
                    ev[k] = v[1:] if v.startswith(" ") else v
                if "event" in ev or "id" in ev:
                    return ev
                continue
            if self.closed or time.monotonic() > deadline:
                return None
            self._fill()


def collect(args):
    deadline = time.monotonic() + args.max_seconds
    last_id = None
    connections = 0
    ended = False
    while not ended and time.monotonic() < deadline:
        sock = connect(args.url, last_id)
        connections += 1
        r = Reader(sock)
        n = 0
        while time.monotonic() < deadline:
            ev = r.event(deadline)
            if ev is None:
                break
            kind = ev.get("event", "message")
            if kind == "end":
                ended = True
                break
            if kind == "dropped":
                print("dropped", ev.get("data"))
                break
            data = json.loads(ev.get("data", "{}"))
            print(ev.get("id", "-"), kind, data.get("id", "-"))
            last_id = ev.get("id", last_id)
            n += 1
            if n >= args.every:
                break
        if r.status == 204:
            ended = True
        sock.close()
    print("connections", connections)
    print("ended", "yes" if ended else "no")


def stall(args):
    deadline = time.monotonic() + args.max_seconds
    sock = connect(args.url, None, rcvbuf=4096)
    r = Reader(sock)
    events = 0
    first = r.event(deadline)
    if first is not None:
        events += 1
    time.sleep(args.stall)
    dropped = None
    while time.monotonic() < deadline:
        ev = r.event(deadline)
        if ev is None:
            break
        events += 1
        if ev.get("event") == "dropped":
            dropped = ev.get("data")
    print("events", events)
    print("dropped", "yes" if dropped else "no", dropped or "")
    print("closed", "yes" if r.closed else "no")


def record(args):
    deadline = time.monotonic() + args.max_seconds
    r = Reader(connect(args.url, None))
    ended = False
    while time.monotonic() < deadline:
        ev = r.event(deadline)
        if ev is None:
            break
        kind = ev.get("event", "message")
        print(r.recv_ns, ev.get("id", "-"), kind, ev.get("data", "{}"),
              flush=True)
        if kind in ("end", "dropped"):
            ended = kind == "end"
            break
    print("ended", "yes" if ended else "no", flush=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["collect", "stall", "record"])
    p.add_argument("url")
    p.add_argument("--every", type=int, default=1000)
    p.add_argument("--stall", type=float, default=10)
    p.add_argument("--max-seconds", type=float, default=120)
    args = p.parse_args()
    if args.mode == "collect":
        collect(args)
    elif args.mode == "record":
        record(args)
    else:
        stall(args)


if __name__ == "__main__":
    sys.exit(main())
