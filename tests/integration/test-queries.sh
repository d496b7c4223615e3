#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Registered continuous queries of the daemon (POST/GET/DELETE
# /api/v1/analyses/{id}/queries, GET .../queries/{qid}/windows) on a
# recorded trace:
# - the windows the daemon stores equal, field for field, those of
#   `lttng-analyzer windows` with the same options (the default query, a
#   system-call query with its histograms);
# - window sums equal the totals: tumbling windows of every request that
#   ended count /stats' requests but the open ones; hopping windows (range
#   2 s, slide 1 s) count each of them twice;
# - a query registered while the analysis runs stores only whole windows,
#   equal to the command's; one posted to an ended analysis is refused;
# - paging, figures as asked (a percentile read from the histogram),
#   deletion, bad specs (400), unknown queries (404);
# - each stored window is announced on the event stream.
# Trace: the shared kernel trace; skipped without it.
. "$(dirname "$0")/../utils/test-lib.sh"
. "$top_srcdir/tests/utils/daemon-env.sh"
. "$top_srcdir/tests/utils/lttng-env.sh"
. "$top_srcdir/tests/utils/trace-cache.sh"
for b in curl jq; do
	command -v "$b" >/dev/null || skip_all "$b is not installed"
done
tmp=$(mktemp -d)
trap 'lta_daemon_stop >/dev/null 2>&1; [ -n "${LTA_KEEP_TMP:-}" ] || rm -rf "$tmp"' EXIT
cli=$top_builddir/src/lttng-analyzer/lttng-analyzer

# Its checks need the kernel trace's size and lateness (a small generated
# trace has too few events for the stalls and windows counted here).
trace=$(lta_shared_kernel_trace) ||
	skip_all "no ../shared/traces/apache-prefork-kernel-3m.tar.xz (LTA_SHARED_TRACES)"
lta_daemon_start "$tmp/d" --no-relayd || skip_all "the daemon did not start"


# windows ID QID: every stored window of the query, a line each, by id.
windows()
{
	local after=0 page
	while :; do
		page=$(lta_api GET "/api/v1/analyses/$1/queries/$2/windows?limit=1000&after=$after")
		jq -c '.windows[]' <<<"$page"
		after=$(jq -r '.next // empty' <<<"$page")
		[ -n "$after" ] || break
	done
}

all='["count","rate","bytes","errors","p50","p90","p99","max","histogram"]'
ended='["close","shutdown","empty","aborted","replaced","keepalive"]'
body=$(jq -cn --arg path "$trace" --argjson all "$all" --argjson ended "$ended" '{path: $path, queries: [
	{name: "syscalls", stream: "syscalls", range: "1s", grace: "0", group_by: "syscall", figures: $all},
	{name: "ended", range: "1s", grace: "10s", filter: {end_reasons: $ended}, figures: ["count"]},
	{name: "hopping", range: "2s", slide: "1s", grace: "10s", filter: {end_reasons: $ended}, figures: ["count", "p95", "histogram"]},
	{name: "no grace", range: "1s", grace: "0", figures: ["count"]}
]}')
id=$(lta_api POST /api/v1/analyses "$body" | jq -r .id)
is "$(lta_status)" 201 "an analysis with three queries of its own: 201"
# Registered while it runs: picked up at the worker's next look (1 s).
late=$(lta_api POST "/api/v1/analyses/$id/queries" '{"name":"late","range":"1s","grace":"10s","group_by":["component"],"figures":["count","rate","bytes","errors","p50","p90","p99","max"]}')
is "$(lta_status)" 201 "a query registered while it runs: 201"
is "$(jq -r .id <<<"$late")" 6 "it is query 6 (1: the default, 2-5: given)"
is "$(lta_wait_ended "$id")" ended "the analysis ended"

lta_api GET "/api/v1/analyses/$id/queries" >"$tmp/queries.json"
is "$(jq -c '[.queries[] | [.id, .name]]' "$tmp/queries.json")" \
	'[[1,"latency per component"],[2,"syscalls"],[3,"ended"],[4,"hopping"],[5,"no grace"],[6,"late"]]' \
	"GET .../queries lists them, the default first"

# 1. The daemon's windows are the command's.
for q in 1 2; do
	windows "$id" "$q" | jq -c 'del(.id)' >"$tmp/d$q.jsonl"
done
"$cli" windows "$trace" --range=1s --grace=2s --group-by=component 2>/dev/null |
	jq -c 'del(.query, .histogram)' >"$tmp/c1.jsonl"
"$cli" windows "$trace" --stream=syscalls --range=1s --grace=0 --group-by=syscall 2>/dev/null |
	jq -c 'del(.query)' >"$tmp/c2.jsonl"
ok "$([ "$(wc -l <"$tmp/d1.jsonl")" -ge 5 ] && echo 0 || echo 1)" \
	"the default query stored $(wc -l <"$tmp/d1.jsonl") windows"
cmp -s "$tmp/c1.jsonl" "$tmp/d1.jsonl"
ok $? "the default query's windows equal lttng-analyzer windows --range=1s --grace=2s --group-by=component"
ok "$([ "$(wc -l <"$tmp/d2.jsonl")" -ge 50 ] && echo 0 || echo 1)" \
	"the system-call query stored $(wc -l <"$tmp/d2.jsonl") windows"
cmp -s "$tmp/c2.jsonl" "$tmp/d2.jsonl"
ok $? "the system-call windows equal the command's, histograms included"

# 2. Window sums equal the totals.
stats=$(lta_api GET "/api/v1/analyses/$id/stats")
requests=$(jq .counts.requests <<<"$stats")
open=$(jq .counts.open <<<"$stats")
sum3=$(windows "$id" 3 | jq -s 'map(.count) | add')
is "$sum3" "$((requests - open))" "tumbling windows of the ended requests add up to /stats' $requests requests less $open open"
sum4=$(windows "$id" 4 | jq -s 'map(.count) | add')
is "$sum4" "$((2 * (requests - open)))" "hopping windows (2 s every 1 s) count each twice"
sum1=$(jq -s 'map(.count) | add' "$tmp/d1.jsonl")
empty=$(jq .counts.empty <<<"$stats")
is "$sum1" "$((requests - open - empty))" "the default query counts every request but the open and the empty ones"

# 3. A percentile not kept in the row comes from the histogram.
windows "$id" 4 | head -1 >"$tmp/w4"
is "$(jq -c 'keys_unsorted' "$tmp/w4")" '["id","start","end","group","count","p95","histogram"]' \
	"a window shows the figures its query asked for, in that order"
p95=$(jq .p95 "$tmp/w4")
ok "$([ "$p95" -gt 0 ] && echo 0 || echo 1)" "p95 read from the stored histogram: $p95 ns"

# 3b. The counters of a query: the command's (late, dropped, refused...).
"$cli" windows "$trace" --range=1s --grace=0 --counters 2>"$tmp/c5.counters" >/dev/null
jq -c '.counters | del(.windows_open, .groups_open)' <<<"$(lta_api GET "/api/v1/analyses/$id/queries/5")" >"$tmp/d5.counters"
is "$(cat "$tmp/d5.counters")" "$(tail -1 "$tmp/c5.counters" | jq -c .)" \
	"a query's counters equal the command's --counters (grace 0: late dropped)"
dropped=$(jq .late_dropped "$tmp/d5.counters")
ok "$([ "${dropped:-0}" -gt 0 ] && echo 0 || echo 1)" "with no grace, $dropped requests came too late"
is "$(lta_api GET "/api/v1/analyses/$id/queries/3" | jq .counters.late_dropped)" 0 \
	"with 10 s of grace, none"

# 4. The late query: whole windows only, the command's.
windows "$id" 6 | jq -c 'del(.id)' >"$tmp/d5.jsonl"
n5=$(wc -l <"$tmp/d5.jsonl")
n1=$(wc -l <"$tmp/d1.jsonl")
ok "$([ "$n5" -ge 1 ] && [ "$n5" -le "$n1" ] && echo 0 || echo 1)" \
	"the late query stored $n5 windows (the default one, there from the start: $n1)"
first=$(head -1 "$tmp/d5.jsonl" | jq .start)
jq -c --argjson first "${first:-0}" 'select(.start >= $first)' "$tmp/c1.jsonl" >"$tmp/c5.jsonl"
cmp -s "$tmp/c5.jsonl" "$tmp/d5.jsonl"
ok $? "they equal the command's windows from its first one on (no partial window)"

# 5. Paging.
lta_api GET "/api/v1/analyses/$id/queries/2/windows?limit=7" >"$tmp/p1"
next=$(jq .next "$tmp/p1")
lta_api GET "/api/v1/analyses/$id/queries/2/windows?limit=7&after=$next" >"$tmp/p2"
is "$(jq -c '[.windows[] | del(.id)]' "$tmp/p1" "$tmp/p2" | jq -s -c 'add')" \
	"$(head -14 "$tmp/d2.jsonl" | jq -s -c .)" "two pages of 7 follow each other"
lta_api GET "/api/v1/analyses/$id/queries/2/windows?from=$(sed -n 20p "$tmp/d2.jsonl" | jq .start)&limit=1" |
	jq -c '.windows[0] | del(.id)' >"$tmp/from"
is "$(jq .start "$tmp/from")" "$(grep -m1 . <(jq -c "select(.start >= $(sed -n 20p "$tmp/d2.jsonl" | jq .start))" "$tmp/d2.jsonl") | jq .start)" \
	"?from= starts at that time"

# 6. The event stream announced every stored window.
curl -s -m 30 "$LTAD_URL/api/v1/analyses/$id/events?kinds=window" | grep -c '^event: window' >"$tmp/wev" || true
stored=0
for q in 1 2 3 4 5 6; do
	stored=$((stored + $(windows "$id" "$q" | wc -l)))
done
is "$(cat "$tmp/wev")" "$stored" "one window event per stored window ($stored)"

# 7. Refusals.
bad()
{
	local spec=$1 what=$2
	lta_api POST "/api/v1/analyses/$target/queries" "$spec" >"$tmp/bad"
	is "$(lta_status) $(jq -r .error.code "$tmp/bad")" "$3" "$what"
}
target=$id
bad '{"range":"1s"}' "a query for an ended analysis" "409 not_running"
c=$(lta_api POST /api/v1/analyses "{\"path\":\"$trace\",\"default_queries\":false}" | jq -r .id)
target=$c
bad '{"range":"3s","slide":"2s"}' "a range that is not a multiple of the slide" "400 invalid_query"
bad '{"range":"1 parsec"}' "a range that is not a duration" "400 invalid_query"
bad '{"group_by":["colour"]}' "an unknown group-by key" "400 invalid_query"
bad '{"figures":["p101"]}' "a percentile above 100" "400 invalid_query"
bad '{"rnage":"1s"}' "an unknown field" "400 invalid_query"
bad '{"range":"1ms","slide":"500ns"}' "more than 1000 windows per event" "400 invalid_query"
is "$(lta_api GET "/api/v1/analyses/$c/queries" | jq -c '.queries')" "[]" \
	"default_queries: false gives an analysis no query"
lta_api DELETE "/api/v1/analyses/$c" >/dev/null
lta_wait_ended "$c" >/dev/null
lta_api GET "/api/v1/analyses/$id/queries/99" >/dev/null
is "$(lta_status)" 404 "an unknown query: 404"
lta_api GET "/api/v1/analyses/$id/queries/99/windows" >/dev/null
is "$(lta_status)" 404 "the windows of an unknown query: 404"
lta_api POST /api/v1/analyses "{\"path\":\"$trace\",\"queries\":[{\"range\":\"0\"}]}" >"$tmp/bad"
is "$(lta_status) $(jq -r .error.code "$tmp/bad")" "400 invalid_query" "a bad query with a new analysis: 400, no analysis started"

# 8. Deletion.
lta_api DELETE "/api/v1/analyses/$id/queries/4" >"$tmp/del"
is "$(lta_status) $(jq .deleted "$tmp/del")" "200 true" "DELETE a query: 200"
lta_api GET "/api/v1/analyses/$id/queries/4/windows" >/dev/null
is "$(lta_status)" 404 "its windows are gone with it"
lta_api DELETE "/api/v1/analyses/$id/queries/4" >/dev/null
is "$(lta_status)" 404 "deleting it again: 404"
is "$(lta_api GET "/api/v1/analyses/$id/queries" | jq -c '[.queries[].id]')" "[1,2,3,5,6]" \
	"the others stay"

done_testing
