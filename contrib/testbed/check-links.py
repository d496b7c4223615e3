#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Checks the analyzer's links across tiers against the application's truth.

    check-links.py REQUESTS.jsonl ACCESS.log

REQUESTS.jsonl: `lttng-analyzer requests --format=jsonl` of a three-tier
testbed run (contrib/testbed/run.sh --tiers 3); ACCESS.log: its access log,
whose lines carry what the PHP page itself saw: the server thread that
served its database connection (db_thread, from performance_schema) and
how many queries it sent (db_queries). See doc/tiers.md for the links.

Each log line is matched to Apache's request by its client port (the
closest start). Then, for each web request W:
- every exchange of W linked to a database request D: D exists, names W
  as its upstream, and was served by W's logged server thread (no link to
  another request's database work);
- every database request that names W as upstream is linked from one of
  W's exchanges, or began (its first read returned) after W was handed
  out (at its close): W's record could no longer name it;
- W's linked database requests are at least its logged queries (each
  query is one database request).
Also: Apache's complete requests equal the log lines (the front tier's
figure), and the share of exchanges whose pairing was ambiguous.

Prints key=value lines (the counts) and exits 1 when a check fails.
"""
import collections
import json
import sys


def main():
    if len(sys.argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    requests = {}
    with open(sys.argv[1]) as f:
        for line in f:
            r = json.loads(line)
            requests[r["id"]] = r
    web = [r for r in requests.values() if r["procname"] == "apache2"]
    by_port = collections.defaultdict(list)
    for r in web:
        if r["peer"] and r["end_reason"] != "empty":
            by_port[r["peer"]["port"]].append(r)
    counts = collections.Counter()
    problems = []
    with open(sys.argv[2]) as f:
        lines = f.read().splitlines()
    for line in lines:
        fields = line.split()
        truth = dict(x.split("=", 1) for x in fields if "=" in x and not x.startswith('"'))
        port, t_us = int(fields[1]), int(fields[2])
        candidates = by_port.get(port, [])
        if not candidates:
            counts["unmatched_lines"] += 1
            continue
        w = min(candidates, key=lambda r: abs(r["start_ns"] // 1000 - t_us))
        thread = int(truth["db_thread"])
        queries = int(truth["db_queries"])
        counts["exchanges"] += len(w["downstream"])
        for x in w["downstream"]:
            counts["exchanges_" + x["link"]] += 1
        linked = [x["request"] for x in w["downstream"] if x["request"]]
        for rid in linked:
            d = requests.get(rid)
            if d is None:
                counts["linked_missing"] += 1
                problems.append("web %d: exchange linked to %d, not handed out" % (w["id"], rid))
            elif d["upstream"] != w["id"]:
                counts["linked_other_upstream"] += 1
                problems.append("web %d: database request %d names %s" % (w["id"], rid, d["upstream"]))
            elif thread not in d["tids"]:
                counts["linked_wrong_thread"] += 1
                problems.append("web %d: database request %d served by %s, the page saw %d"
                                % (w["id"], rid, d["tids"], thread))
            else:
                counts["linked_ok"] += 1
        naming = [d for d in requests.values() if d["upstream"] == w["id"]]
        # W was handed out at its close (or end): its record was final.
        w_out = max(w["end_ns"] or -1, w["close_ns"] or -1)
        for d in naming:
            if d["id"] in linked:
                continue
            # D began when its first read returned the message.
            first = d["calls"][0] if d["calls"] else None
            begun = (first["start_ns"] + first["duration_ns"]
                     if first and first["duration_ns"] is not None else d["start_ns"])
            if w_out >= 0 and begun >= w_out:
                counts["upstream_after_end"] += 1
            else:
                counts["upstream_not_linked"] += 1
                problems.append("web %d: database request %d names it, no exchange links it"
                                % (w["id"], d["id"]))
        if len(linked) < queries:
            counts["fewer_links_than_queries"] += 1
            problems.append("web %d: %d linked database requests, %d queries"
                            % (w["id"], len(linked), queries))
        counts["web_requests_checked"] += 1
    complete = sum(1 for r in web if r["end_reason"] in ("close", "shutdown", "keepalive")
                   and not r["incomplete"] and r["bytes_read"] > 0)
    db = [r for r in requests.values() if r["procname"] == "mariadbd"]
    for key in ("unmatched_lines", "linked_missing", "linked_other_upstream",
                "linked_wrong_thread", "upstream_not_linked", "fewer_links_than_queries",
                "exchanges_ambiguous", "exchanges_none", "upstream_after_end"):
        counts.setdefault(key, 0)
    print("log_lines=%d" % len(lines))
    print("apache2_complete=%d" % complete)
    print("db_requests=%d" % len(db))
    print("db_requests_paired=%d" % sum(1 for d in db if d["link"] == "paired"))
    print("db_requests_ambiguous=%d" % sum(1 for d in db if d["link"] == "ambiguous"))
    for key in sorted(counts):
        print("%s=%d" % (key, counts[key]))
    share = counts["exchanges_ambiguous"] / counts["exchanges"] if counts["exchanges"] else 0.0
    print("ambiguous_share=%.6f" % share)
    for p in problems[:20]:
        sys.stderr.write(p + "\n")
    failed = (counts["unmatched_lines"] or counts["linked_missing"]
              or counts["linked_other_upstream"] or counts["linked_wrong_thread"]
              or counts["upstream_not_linked"] or counts["fewer_links_than_queries"]
              or complete != len(lines) or not counts["web_requests_checked"])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
