#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# API under load: wrk against GET .../stats and GET .../requests?limit=100
# of an analysis while it ingests a recorded trace (5,000,000 events by
# default, from bench/.cache), beside the same ingestion without API load.
# Prints wrk's requests/s and latency percentiles (goal p99 under 10 ms) and
# the ingestion rate with and without the load (did ingestion keep up?).
#
#   bench/api-load.sh [--events N] [--duration S] [--connections C]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
events=5000000
duration=5
connections=8
while [ $# -gt 0 ]; do
	case $1 in
	--events) events=$2; shift 2 ;;
	--duration) duration=$2; shift 2 ;;
	--connections) connections=$2; shift 2 ;;
	*) echo "usage: $0 [--events N] [--duration S] [--connections C]" >&2; exit 2 ;;
	esac
done
. "$top/bench/common.sh"
(cd "$build" && make -j"$(nproc)" src/lttng-analyzerd/lttng-analyzerd >/dev/null)
top_srcdir=$top
top_builddir=$build
. "$top/tests/utils/test-lib.sh" >/dev/null
. "$top/tests/utils/daemon-env.sh"
trace_dir=$(trace "$events")
tmp=$(mktemp -d)
trap 'lta_daemon_stop; rm -rf "$tmp"' EXIT
lta_daemon_start "$tmp/d" --log-level=warn

# ingest: POST the trace, wait for the end; prints "id seconds".
ingest()
{
	local t0 id
	t0=$(date +%s%N)
	id=$(lta_api POST /api/v1/analyses "{\"path\":\"$trace_dir\"}" | jq -r .id)
	while [ "$(curl -s "$LTAD_URL/api/v1/analyses/$id" | jq -r .running)" = true ]; do
		sleep 0.05
	done
	echo "$id $(( ($(date +%s%N) - t0) / 1000000 ))"
}

read -r quiet_id quiet_ms <<<"$(ingest)"
echo "ingestion without API load: $events events in ${quiet_ms} ms"

cat >"$tmp/alternate.lua" <<'LUA'
local paths = {}
local i = 0
function init(args)
	for _, p in ipairs(args) do
		paths[#paths + 1] = p
	end
end
function request()
	i = i + 1
	return wrk.format("GET", paths[(i % #paths) + 1])
end
LUA
# Start the second ingestion, then load its stats and first page.
body=$(lta_api POST /api/v1/analyses "{\"path\":\"$trace_dir\"}")
id=$(echo "$body" | jq -r .id)
t0=$(date +%s%N)
wrk -t 2 -c "$connections" -d "${duration}s" --latency -s "$tmp/alternate.lua" \
	"$LTAD_URL" -- "/api/v1/analyses/$id/stats" \
	"/api/v1/analyses/$id/requests?limit=100" >"$tmp/wrk.txt" 2>&1
still=$(curl -s "$LTAD_URL/api/v1/analyses/$id" | jq -r .running)
while [ "$(curl -s "$LTAD_URL/api/v1/analyses/$id" | jq -r .running)" = true ]; do
	sleep 0.05
done
loaded_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "ingestion with API load:    $events events in ~${loaded_ms} ms (still ingesting when wrk ended: $still)"
grep -E "Requests/sec|Latency  |^ +(50|75|90|99|99.900)%|requests in|Non-2xx|Socket errors" "$tmp/wrk.txt"
/usr/bin/python3 - "$tmp/wrk.txt" "$quiet_ms" "$loaded_ms" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
def ms(v, unit):
    return float(v) * {'us': 1e-3, 'ms': 1, 's': 1e3}[unit]
m = re.search(r'^\s*99(?:\.0+)?%\s+([\d.]+)(us|ms|s)\s*$', text, re.M)
p99 = ms(*m.groups()) if m else float('nan')
quiet, loaded = int(sys.argv[2]), int(sys.argv[3])
print(f"API p99 latency: {p99:.2f} ms (goal < 10 ms): {'met' if p99 < 10 else 'NOT met'}")
print(f"ingestion rate under load / without: {quiet / loaded:.2f}")
PY
