#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Polls a query's windows, for bench/stream-latency.sh.

  windows-poll.py URL --every-ms P --max-seconds S

URL is GET /api/v1/analyses/ID/queries/QID/windows. Every P ms (one
keep-alive connection), asks for the windows after the last one seen
(?after=ID&limit=1000, following "next"), and prints one line per window
the first time it is served (flushed): "WALL_NS ID START END", WALL_NS the
CLOCK_REALTIME time (ns) at which the answer that held it was received.
Stops after S seconds (or when killed). Standard library only.
"""
import argparse
import http.client
import json
import sys
import time
import urllib.parse


def main():
    p = argparse.ArgumentParser()
    p.add_argument("url")
    p.add_argument("--every-ms", type=float, default=20)
    p.add_argument("--max-seconds", type=float, default=120)
    args = p.parse_args()
    u = urllib.parse.urlsplit(args.url)
    deadline = time.monotonic() + args.max_seconds
    conn = None
    after = 0
    while time.monotonic() < deadline:
        try:
            if conn is None:
                conn = http.client.HTTPConnection(u.hostname, u.port,
                                                  timeout=10)
            while True:
                conn.request("GET", f"{u.path}?after={after}&limit=1000")
                r = conn.getresponse()
                body = r.read()
                now = time.time_ns()
                if r.status != 200:
                    print(f"status {r.status}: {body[:200]!r}",
                          file=sys.stderr)
                    return 1
                page = json.loads(body)
                for w in page["windows"]:
                    print(now, w["id"], w["start"], w["end"], flush=True)
                    after = max(after, w["id"])
                if page.get("next") is None:
                    break
        except (OSError, http.client.HTTPException):
            conn = None
        time.sleep(args.every_ms / 1000)
    return 0


if __name__ == "__main__":
    sys.exit(main())
