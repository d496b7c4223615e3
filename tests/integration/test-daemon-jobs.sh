#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The daemon's offline ingestion decodes with several babeltrace2 graphs
# (lttng-analyzerd --jobs) and stores exactly what one graph stores: the
# same trace analysed by a daemon with --jobs=1 and by one with --jobs=2
# serves byte-identical request and connection datasets
# (.../requests.jsonl, .../connections) and the same counts. The worker's
# log says how many graphs decoded, so that a run that fell back to one
# graph cannot pass for a parallel one. Traces: a generated user-space
# trace of 2 streams (recorded here; needs a private lttng-sessiond), and
# the shared kernel trace when ../shared/traces is there.
. "$(dirname "$0")/../utils/test-lib.sh"
. "$top_srcdir/tests/utils/daemon-env.sh"
. "$top_srcdir/tests/utils/lttng-env.sh"
. "$top_srcdir/tests/utils/trace-cache.sh"
for b in curl jq; do
	command -v "$b" >/dev/null || skip_all "$b is not installed"
done
tmp=$(mktemp -d)
trap 'lta_daemon_stop >/dev/null 2>&1; [ -n "${LTA_KEEP_TMP:-}" ] || rm -rf "$tmp"' EXIT

traces=()
if lta_generated_trace "$tmp/gen" 60000 2>"$tmp/record.why"; then
	traces+=("$tmp/gen")
else
	diag "no generated trace: $(cat "$tmp/record.why")"
fi
if dir=$(lta_shared_kernel_trace); then
	traces+=("$dir")
fi
[ ${#traces[@]} -gt 0 ] || skip_all "no trace to ingest (no lttng-sessiond, no ../shared/traces)"

# ingest JOBS TRACE NAME: a daemon of its own with --jobs=JOBS analyses
# TRACE; its datasets and counts land in $tmp/NAME.*.
ingest()
{
	local jobs=$1 trace=$2 name=$3 id deadline status
	lta_daemon_start "$tmp/$name" --no-relayd --jobs="$jobs" || return 1
	id=$(lta_api POST /api/v1/analyses "{\"path\":\"$trace\"}" | jq -r .id)
	deadline=$(($(date +%s) + 240))
	status=
	while [ "$(date +%s)" -lt $deadline ]; do
		status=$(lta_api GET "/api/v1/analyses/$id" | jq -r .status)
		case $status in ended | failed) break ;; esac
		sleep 0.2
	done
	echo "$status" >"$tmp/$name.status"
	lta_api GET "/api/v1/analyses/$id/requests.jsonl" >"$tmp/$name.requests"
	lta_api GET "/api/v1/analyses/$id/connections?limit=1000" |
		jq -c '.connections' >"$tmp/$name.connections"
	lta_api GET "/api/v1/analyses/$id/stats" |
		jq -c 'del(.id)' >"$tmp/$name.stats"
	# Narrowed to one server process: that of the first request.
	process=$(head -1 "$tmp/$name.requests" | jq -r .procname)
	lta_api GET "/api/v1/analyses/$id/stats?process=$process" >"$tmp/$name.process"
	lta_api GET "/api/v1/analyses/$id/stats?process=no-such-server" >"$tmp/$name.nosuch"
	lta_api GET "/api/v1/analyses/$id/stats?process=" >/dev/null
	lta_status >"$tmp/$name.empty-status"
	curl -s -m 20 "$LTAD_URL/metrics" |
		sed -n "s/^lttng_analyzerd_component_requests_total{analysis=\"$id\",process=\"$process\"} //p" \
			>"$tmp/$name.metric"
	lta_daemon_stop >/dev/null 2>&1
	grep -c "Decoding with [0-9]* graphs" "$tmp/$name/daemon.log" >"$tmp/$name.lanes" || true
}

for trace in "${traces[@]}"; do
	label=$(basename "$trace")
	ingest 1 "$trace" "$label-1"
	ingest 2 "$trace" "$label-2"
	is "$(cat "$tmp/$label-1.status") $(cat "$tmp/$label-2.status")" "ended ended" \
		"$label: both analyses ended"
	is "$(cat "$tmp/$label-1.lanes")" 0 "$label: --jobs=1 decodes with one graph"
	is "$(cat "$tmp/$label-2.lanes")" 1 "$label: --jobs=2 decodes with two graphs (worker log)"
	n=$(wc -l <"$tmp/$label-1.requests")
	ok "$([ "$n" -ge 100 ] && echo 0 || echo 1)" "$label: --jobs=1 served $n requests"
	is "$(jq -r '.counts.requests' "$tmp/$label-1.stats")" "$n" \
		"$label: its stats count them (and the latency, calls, errors compared below)"
	process=$(head -1 "$tmp/$label-1.requests" | jq -r .procname)
	is "$(jq -r '.counts.requests' "$tmp/$label-1.process")" \
		"$(jq -r --arg p "$process" 'select(.procname == $p) | .id' "$tmp/$label-1.requests" | wc -l)" \
		"$label: stats?process=$process counts that process's requests"
	is "$(jq -r '[.components[] | select(.process == $p) | .counts.requests][0]' --arg p "$process" "$tmp/$label-1.stats")" \
		"$(jq -r '.counts.requests' "$tmp/$label-1.process")" \
		"$label: stats lists the same figure for it among its components"
	is "$(jq -r '.tier' "$tmp/$label-1.stats")" front "$label: the headline figures are the front tier's"
	is "$(jq -r '"\(.counts.requests) \(.tier)"' "$tmp/$label-1.nosuch")" "0 null" \
		"$label: a process that served nothing: zero, no tier"
	is "$(cat "$tmp/$label-1.empty-status")" 400 "$label: process= with no name: 400"
	is "$(cat "$tmp/$label-1.metric")" "$(jq -r '.counts.requests' "$tmp/$label-1.process")" \
		"$label: /metrics has the same count for that process"
	for what in requests connections stats; do
		if cmp -s "$tmp/$label-1.$what" "$tmp/$label-2.$what"; then
			ok 0 "$label: the same $what with --jobs=1 and --jobs=2"
		else
			ok 1 "$label: the same $what with --jobs=1 and --jobs=2"
			diff "$tmp/$label-1.$what" "$tmp/$label-2.$what" | head -6 | sed 's/^/# /'
		fi
	done
done
done_testing
