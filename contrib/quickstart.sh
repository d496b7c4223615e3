#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The main command: on a fresh Debian 12 machine, install what is missing,
# build, and run a short experiment on a local Apache through the daemon's
# REST API (contrib/experiment.sh: lttng-analyzerd with its own session and
# relay daemons, a live session analyzed as it records, Apache under the
# user-space system-call tracer, wrk load). Prints the latency figures, the
# request count beside Apache's access-log line count, and, unless
# --no-serve (or CI=true), leaves a daemon serving the results with the URLs
# to explore (stop it with the kill command it prints).
#
#   contrib/quickstart.sh [--duration S] [--rate R] [--tiers 2|3]
#                         [--no-serve] [--out DIR]
#
# The quickstart runs Apache with KeepAlive Off (experiment.sh --keepalive
# off: one request per connection, as in the seed experiment), whatever
# experiment.sh's own default (on); run contrib/experiment.sh directly for
# persistent connections. --tiers 3 adds the database tier: a PHP page
# that queries a private MariaDB over TCP, one connection per web request
# (contrib/testbed/run.sh --tiers 3); the request count is then Apache's.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
duration=5
rate=500
tiers=2
serve=yes
out=
[ "${CI:-}" = true ] && serve=no
while [ $# -gt 0 ]; do
	case $1 in
	--duration) duration=$2; shift 2 ;;
	--rate) rate=$2; shift 2 ;;
	--tiers) tiers=$2; shift 2 ;;
	--no-serve) serve=no; shift ;;
	--out) out=$2; shift 2 ;;
	-h | --help)
		sed -n '/^#   contrib\/quickstart.sh/,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'
		exit 0 ;;
	*) echo "usage: $0 [--duration S] [--rate R] [--tiers 2|3] [--no-serve] [--out DIR]" >&2; exit 2 ;;
	esac
done
case $tiers in
2) what="Apache + wrk" ;;
3) what="Apache + PHP + MariaDB + wrk" ;;
*) echo "usage: $0 [--duration S] [--rate R] [--tiers 2|3] [--no-serve] [--out DIR]" >&2; exit 2 ;;
esac
[ -n "$out" ] || out=$(mktemp -d "${TMPDIR:-/tmp}/lta-quickstart.XXXXXX")

echo "== installing what is missing (Debian packages)"
"$top/contrib/install-deps.sh"
echo "== building (in _build/release)"
build=$top/_build/release
[ -x "$top/configure" ] || (cd "$top" && autoreconf -fi >/dev/null 2>&1)
mkdir -p "$build"
(cd "$build" && { [ -f Makefile ] || "$top/configure" >/dev/null; } &&
	make -j"$(nproc)" >/dev/null)

echo "== running a ${duration}s experiment ($what at ${rate} req/s, traced live)"
# experiment.sh fails when its request count differs from the access-log
# line count: the counts are printed all the same, then its status kept.
status=0
top_builddir=$build bash "$top/contrib/experiment.sh" --duration "$duration" \
	--rate "$rate" --keepalive off --tiers "$tiers" --out "$out/experiment" || status=$?
[ -s "$out/experiment/summary.txt" ] || exit "$status"

if [ "$serve" = yes ]; then
	port_file=$out/port
	"$build/src/lttng-analyzerd/lttng-analyzerd" --no-relayd \
		--data-dir="$out/experiment/daemon" --port=0 --web-dir="$top/web" \
		--port-file="$port_file" >"$out/serve.log" 2>&1 &
	pid=$!
	for _ in $(seq 1 100); do
		[ -s "$port_file" ] && break
		sleep 0.05
	done
	url=http://127.0.0.1:$(cat "$port_file")
	id=$(grep '^analysis=' "$out/experiment/summary.txt" | cut -d= -f2)
	echo
	echo "== the results are served at $url (daemon pid $pid; stop it: kill $pid)"
	echo "   $url/#/a/$id  (the dashboard: open it in a browser)"
	echo "   $url/api/v1/analyses"
	echo "   $url/api/v1/analyses/$id/stats"
	echo "   $url/api/v1/analyses/$id/requests?limit=20"
	echo "   $url/api/v1/analyses/$id/requests.jsonl"
	echo "   $url/metrics"
fi
echo
grep -E '^(requests|access_log_lines)=' "$out/experiment/summary.txt" | tr '=' ' ' |
	awk '{ printf "%s: %s\n", $1 == "requests" ? "requests" : "access-log lines", $2 }'
exit "$status"
