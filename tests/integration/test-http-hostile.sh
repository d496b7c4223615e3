#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The daemon against hostile clients (issue 13), on loopback only:
# - 300 slowloris sockets, then 2,000 idle ones (reopened as the daemon
#   closes them), then 600 slowloris sockets from 200 loopback addresses
#   (the global limit, not the per-address one): a health check every
#   0.5 s answered within 1 s throughout;
# - protocol errors (400, 408, 411, 413, 414, 431, 505) answered in JSON;
# - a cross-origin text/plain POST and a foreign Host refused;
# - a symlink loop, /proc and a folder holding a symlink loop answered
#   within 1 s, and the daemon stopping within 5 s of SIGTERM afterwards;
# - the token generated at the first start (0600, logged once), a token
#   file open to others refused, --token-for-reads, the database 0600.
# Every load loop is bounded in count and time (about 20 s in all).
. "$(dirname "$0")/../utils/test-lib.sh"
. "$top_srcdir/tests/utils/daemon-env.sh"
for b in curl jq python3; do
	command -v "$b" >/dev/null || skip_all "$b is not installed"
done
[ -x "$LTAD" ] || skip_all "lttng-analyzerd is not built"
client=$top_srcdir/tests/utils/hostile-client.py
tmp=$(mktemp -d)
other_pid=
cleanup()
{
	[ -z "$other_pid" ] || kill -KILL "$other_pid" 2>/dev/null
	lta_daemon_stop
	rm -rf "$tmp"
}
trap cleanup EXIT

mode_of() { stat -c %a "$1" 2>/dev/null; }
ms_now() { date +%s%3N; }

# start_other DIR ARGS...: a daemon of our own (not daemon-env's token).
start_other()
{
	local dir=$1 n=0
	shift
	rm -f "$dir/port"
	"$LTAD" --no-relayd --port=0 --port-file="$dir/port" "$@" \
		>>"$dir/log" 2>&1 &
	other_pid=$!
	while [ ! -s "$dir/port" ] && kill -0 "$other_pid" 2>/dev/null && [ $n -lt 200 ]; do
		sleep 0.05
		n=$((n + 1))
	done
	[ -s "$dir/port" ]
}
stop_other()
{
	kill -TERM "$other_pid" 2>/dev/null && wait "$other_pid"
	other_pid=
}

# --- the token ---------------------------------------------------------
d=$tmp/first
mkdir -p "$d"
start_other "$d" --data-dir="$d/data"
ok $? "a daemon without --token-file starts"
token=$(cat "$d/data/token" 2>/dev/null)
[[ $token =~ ^[0-9a-f]{64}$ ]]; ok $? "it generated a token of 64 hex digits"
is "$(mode_of "$d/data/token")" 600 "the token file is 0600"
is "$(mode_of "$d/data/lttng-analyzer.db")" 600 "the database is 0600"
is "$(grep -c "token=$token" "$d/log")" 1 "the token is logged once"
u="http://127.0.0.1:$(cat "$d/port")/api/v1"
is "$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
	--data '{"path":"/tmp"}' "$u/analyses")" 401 "a POST without the generated token: 401"
is "$(curl -s -w '%{http_code}' -X POST -H "Authorization: Bearer $token" \
	-H 'Content-Type: application/json' --data '{"path":"/proc/1"}' "$u/analyses" |
	jq -r .error.code 2>/dev/null)" path_not_allowed "with it: the request is served"
is "$(curl -s -o /dev/null -w '%{http_code}' "$u/health")" 200 "GET needs no token by default"
stop_other
start_other "$d" --data-dir="$d/data"
ok $? "it starts again"
is "$(cat "$d/data/token")" "$token" "with the same token"
is "$(grep -c "token=" "$d/log")" 1 "not logged again"
stop_other
start_other "$d" --data-dir="$d/data" --token-for-reads
u="http://127.0.0.1:$(cat "$d/port")/api/v1"
is "$(curl -s -o /dev/null -w '%{http_code}' "$u/health")" 401 "--token-for-reads: GET without the token: 401"
is "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "$u/health")" 200 \
	"--token-for-reads: GET with it: 200"
stop_other
printf '%s\n' 0123456789abcdef0123 >"$d/open-token"
chmod 644 "$d/open-token"
start_other "$d" --data-dir="$d/data" --token-file="$d/open-token"
[ $? != 0 ]; ok $? "a token file readable by others: the daemon does not start"
grep -q 'open to other users' "$d/log"; ok $? "and says why"
other_pid=

# --- the main daemon -----------------------------------------------------
lta_daemon_start "$tmp/d" --no-relayd --request-timeout=2 \
	--allowed-host=web.example || skip_all "the daemon does not start here"
U=$LTAD_URL/api/v1

# load MODE SOCKETS SECONDS: health checks answered within 1 s throughout.
load()
{
	local out checks answered worst
	out=$(timeout 60 python3 "$client" "$1" "$LTAD_PORT" "$2" "$3")
	checks=$(echo "$out" | sed -n 's/.*checks=\([0-9]*\).*/\1/p')
	answered=$(echo "$out" | sed -n 's/.*answered=\([0-9]*\).*/\1/p')
	worst=$(echo "$out" | sed -n 's/.*max_ms=\([0-9]*\).*/\1/p')
	diag "$1 $2: $out"
	[ "${checks:-0}" -ge 8 ] && [ "$answered" = "$checks" ]; ok $? \
		"$2 $1 sockets: $answered of $checks health checks answered within 1 s (worst ${worst:-?} ms)"
}
load slowloris 300 6
load idle 2000 6
load slowloris-spread 600 4
is "$(curl -s -o /dev/null -w '%{http_code}' "$U/health")" 200 "the daemon serves after the attacks"

# raw STATUS CODE WHAT REQUEST: the status, JSON type and error code.
raw()
{
	local out status ctype body
	out=$(printf '%s' "$4" | timeout 10 python3 "$client" raw "$LTAD_PORT")
	status=${out%% *}
	ctype=$(echo "$out" | cut -d' ' -f2)
	body=${out#* * }
	is "$status $ctype $(echo "$body" | jq -r .error.code 2>/dev/null)" \
		"$1 application/json $2" "$3: $1 $2 in JSON"
}
raw 400 bad_request "a malformed request line" 'GARBAGE\r\n\r\n'
raw 400 bad_request "HTTP/1.1 without Host" 'GET /api/v1/health HTTP/1.1\r\n\r\n'
raw 413 body_too_large "a Content-Length of 1 GB" \
	'POST /api/v1/analyses HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000000000\r\n\r\n'
raw 414 uri_too_long "a 10 KB target" "GET /api/v1/health?$(head -c 10000 /dev/zero | tr '\0' a) HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\n\\r\\n"
raw 431 header_fields_too_large "a 20 KB header" "GET /api/v1/health HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nX: $(head -c 20000 /dev/zero | tr '\0' b)\\r\\n\\r\\n"
raw 505 http_version_not_supported "HTTP/3.0" 'GET /api/v1/health HTTP/3.0\r\nHost: 127.0.0.1\r\n\r\n'
raw 411 length_required "a chunked body" \
	'POST /api/v1/analyses HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'
t0=$(ms_now)
raw 408 request_timeout "a head that never ends" 'GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n'
t=$(($(ms_now) - t0))
[ $t -ge 1500 ] && [ $t -lt 4500 ]; ok $? "408 after the 2 s request timeout ($t ms)"

# expect STATUS CODE WHAT -- curl arguments.
expect()
{
	local want=$1 code=$2 what=$3 out
	shift 4
	out=$(curl -s -m 10 -w '\n%{http_code}' "$@")
	is "${out##*$'\n'} $(printf '%s' "${out%$'\n'*}" | jq -r '.error.code // "none"' 2>/dev/null)" \
		"$want $code" "$what"
}
A="Authorization: Bearer $LTAD_TOKEN"
J="Content-Type: application/json"
expect 403 forbidden_origin "a cross-origin text/plain POST (no token needed to be refused)" -- \
	-X POST -H 'Origin: http://evil.example' -H 'Content-Type: text/plain' \
	--data 'x' "$U/sessions/s/start"
expect 403 forbidden_origin "a cross-origin POST with the token" -- \
	-X POST -H "$A" -H "$J" -H 'Origin: http://evil.example' "$U/sessions/s/stop"
expect 415 unsupported_media_type "a text/plain POST" -- \
	-X POST -H "$A" -H 'Content-Type: text/plain' --data 'x' "$U/sessions/s/start"
expect 403 forbidden_host "a foreign Host (DNS rebinding)" -- -H 'Host: evil.example' "$U/health"
is "$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: web.example:8780' "$U/health")" 200 \
	"an --allowed-host name: served"

# A symlink loop, /proc, a folder holding a loop: answered at once.
mkdir -p "$tmp/traces/looping"
ln -s loop "$tmp/traces/loop"
ln -s .. "$tmp/traces/looping/up"
ln -s . "$tmp/traces/looping/self"
timed()
{
	local want=$1 code=$2 what=$3 t0 t
	shift 3
	t0=$(ms_now)
	expect "$want" "$code" "$what" -- -X POST -H "$A" -H "$J" --data "$1" "$U/analyses"
	t=$(($(ms_now) - t0))
	[ $t -lt 1000 ]; ok $? "$what: within 1 s ($t ms)"
}
for i in 1 2 3 4; do
	timed 400 invalid_path "a symlink loop ($i)" "{\"path\":\"$tmp/traces/loop\"}"
	timed 403 path_not_allowed "/proc ($i)" '{"path":"/proc"}'
done
# A folder holding loops is accepted at once: its worker searches it, and
# its bounded walk finds no trace there.
t0=$(ms_now)
st=$(curl -s -m 5 -o "$tmp/b" -w '%{http_code}' -X POST -H "$A" -H "$J" --data "{\"path\":\"$tmp/traces/looping\"}" "$U/analyses")
t=$(($(ms_now) - t0))
is "$st" 201 "a folder holding symlink loops: accepted at once"
[ $t -lt 1000 ]; ok $? "a folder holding symlink loops: within 1 s ($t ms)"
lid=$(jq -r .id <"$tmp/b")
end=$(($(ms_now) + 20000))
until [ "$(curl -s "$U/analyses/$lid" | jq -r .status)" = failed ] || [ "$(ms_now)" -ge $end ]; do sleep 0.1; done
curl -s "$U/analyses/$lid" | jq -r .reason | grep -q 'No CTF trace'
ok $? "a folder holding symlink loops: its analysis fails, no trace found"
timed 403 path_not_allowed "/proc/self/root/proc" '{"path":"/proc/self/root/proc"}'
timed 403 path_not_allowed "/sys" '{"path":"/sys"}'
timed 400 invalid_path "a 300-byte name" "{\"path\":\"/tmp/$(head -c 300 /dev/zero | tr '\0' n)\"}"
timed 400 invalid_url "a relay port of 99999" '{"url":"net://127.0.0.1:99999/host/h/s"}'
timed 400 invalid_url "a relay port of abc" '{"url":"net://127.0.0.1:abc/host/h/s"}'
timed 400 invalid_url "an unclosed IPv6 relay" '{"url":"net://[::1/host/h/s"}'
is "$(curl -s -o /dev/null -w '%{http_code}' -m 2 "$U/health")" 200 "health answered after them"
t0=$(ms_now)
lta_daemon_stop
t=$(($(ms_now) - t0))
is "$LTAD_STOP_STATUS" 0 "SIGTERM stops the daemon cleanly"
[ $t -lt 5000 ]; ok $? "within 5 s ($t ms)"
done_testing
