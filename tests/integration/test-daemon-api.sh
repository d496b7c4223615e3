#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The REST API answers bad input with JSON errors and the right status, and
# every route of doc/openapi.yaml answers (neither 404 nor 405):
# malformed JSON, wrong types, unknown fields, oversized bodies, unknown
# routes and methods, missing or wrong token, an unreachable relay URL, a
# path that is not a trace, bad paging parameters; and a sweep of 150+
# bad inputs (methods, paths, tokens, types, origins, hosts, bodies,
# query parameters, protocol errors), each a JSON 4xx of its status.
. "$(dirname "$0")/../utils/test-lib.sh"
. "$top_srcdir/tests/utils/daemon-env.sh"
command -v curl >/dev/null || skip_all "curl is not installed"
command -v jq >/dev/null || skip_all "jq is not installed"
[ -x "$LTAD" ] || skip_all "lttng-analyzerd is not built"
tmp=$(mktemp -d)
trap 'lta_daemon_stop; rm -rf "$tmp"' EXIT
lta_daemon_start "$tmp/d" || skip_all "the daemon does not start here"

# expect STATUS CODE DESCRIPTION -- curl arguments...: the status and the
# error code of a JSON error body.
expect()
{
	local want=$1 code=$2 what=$3 out status got
	shift 4
	out=$(curl -s -m 20 -w '\n%{http_code}' "$@")
	status=${out##*$'\n'}
	got=$(printf '%s' "${out%$'\n'*}" | jq -r '.error.code // "none"' 2>/dev/null || echo not-json)
	is "$status $got" "$want $code" "$what"
}
A="Authorization: Bearer $LTAD_TOKEN"
J="Content-Type: application/json"
U=$LTAD_URL/api/v1

is "$(curl -s -o /dev/null -w '%{http_code}' "$U/health")" 200 "GET health"
expect 404 not_found "unknown route" -- "$U/nope"
expect 404 not_found "unknown route outside the API" -- "$LTAD_URL/etc/passwd"
expect 405 method_not_allowed "PUT on analyses" -- -X PUT -H "$A" "$U/analyses"
expect 401 unauthorized "POST without a token" -- -X POST -H "$J" --data '{"path":"/tmp"}' "$U/analyses"
expect 401 unauthorized "POST with a wrong token" -- -X POST -H "Authorization: Bearer wrong" -H "$J" --data '{"path":"/tmp"}' "$U/analyses"
expect 401 unauthorized "DELETE without a token" -- -X DELETE "$U/analyses/1"
expect 400 invalid_json "malformed JSON" -- -X POST -H "$A" -H "$J" --data '{"path":' "$U/analyses"
expect 400 invalid_body "not an object" -- -X POST -H "$A" -H "$J" --data '[1,2]' "$U/analyses"
expect 400 invalid_field "path of the wrong type" -- -X POST -H "$A" -H "$J" --data '{"path":5}' "$U/analyses"
expect 400 unknown_field "an unknown field" -- -X POST -H "$A" -H "$J" --data '{"path":"/tmp","speed":"fast"}' "$U/analyses"
expect 400 invalid_body "both url and path" -- -X POST -H "$A" -H "$J" --data '{"path":"/tmp","url":"net://x/host/h/s"}' "$U/analyses"
expect 400 invalid_body "neither url nor path" -- -X POST -H "$A" -H "$J" --data '{}' "$U/analyses"
head -c 200000 /dev/zero | tr '\0' 'a' >"$tmp/big"
expect 413 body_too_large "a 200 KB body" -- -X POST -H "$A" -H "$J" --data-binary "@$tmp/big" "$U/analyses"
expect 502 relay_unreachable "an unreachable relay daemon" -- -X POST -H "$A" -H "$J" --data '{"url":"net://127.0.0.1:1/host/h/s"}' "$U/analyses"
st=$(curl -s -o "$tmp/b" -w '%{http_code}' -X POST -H "$A" -H "$J" --data '{"url":"http://example/"}' "$U/analyses")
is "$st $(jq -r .error.code <"$tmp/b")" "400 invalid_field" "a URL that is not net://"
# A folder with no trace: the analysis is created at once (its worker
# looks for traces, never the HTTP thread) and its status says what it
# found.
mkdir -p "$tmp/empty"
st=$(curl -s -o "$tmp/b" -w '%{http_code}' -X POST -H "$A" -H "$J" --data "{\"path\":\"$tmp/empty\"}" "$U/analyses")
is "$st" 201 "a folder that is not a trace: created at once"
eid=$(jq -r .id <"$tmp/b")
deadline=$(($(date +%s) + 20))
until [ "$(curl -s "$U/analyses/$eid" | jq -r .status)" = failed ] || [ "$(date +%s)" -ge $deadline ]; do sleep 0.1; done
curl -s "$U/analyses/$eid" >"$tmp/b"
is "$(jq -r .status <"$tmp/b")" failed "a folder that is not a trace: its analysis failed"
jq -r .reason <"$tmp/b" | grep -qi 'trace'
ok $? "and says why: $(jq -r .reason <"$tmp/b")"
st=$(curl -s -o "$tmp/b" -w '%{http_code}' -X POST -H "$A" -H "$J" --data "{\"path\":\"$tmp/missing\"}" "$U/analyses")
ok "$([ "$st" = 404 ] || [ "$st" = 422 ] && echo 0 || echo 1)" "a missing folder: $st $(jq -r .error.code <"$tmp/b")"
expect 404 not_found "an unknown analysis" -- "$U/analyses/987654"

# --- the bad-input sweep: every case a JSON 4xx with its status ----------
# sweep STATUS WHAT -- curl arguments: the status, a JSON content type,
# and an error object with a code and a message.
sweep_n=0
sweep_bad=0
sweep()
{
	local want=$1 what=$2 out status ctype body
	shift 3
	out=$(curl -s -g -m 10 -D "$tmp/h" -w '\n%{http_code}' "$@")
	status=${out##*$'\n'}
	body=${out%$'\n'*}
	ctype=$(tr -d '\r' <"$tmp/h" | sed -n 's/^[Cc]ontent-[Tt]ype: //p' | tail -1)
	sweep_n=$((sweep_n + 1))
	if [ "$status" = "$want" ] && [ "$ctype" = application/json ] &&
		printf '%s' "$body" | jq -e '(.error.code | type) == "string" and (.error.message | type) == "string"' >/dev/null 2>&1; then
		echo "ok $((_tap_n + 1)) - sweep $sweep_n: $what: $want"
	else
		echo "not ok $((_tap_n + 1)) - sweep $sweep_n: $what: $want"
		echo "#   got $status ($ctype): $(printf '%s' "$body" | head -c 200)"
		_tap_failed=$((_tap_failed + 1))
		sweep_bad=$((sweep_bad + 1))
	fi
	_tap_n=$((_tap_n + 1))
}
P="-X POST -H $A -H $J"
# Methods a route does not accept: 405.
for r in health analyses/1 analyses/1/requests analyses/1/requests/1 \
	analyses/1/requests.jsonl analyses/1/connections analyses/1/connections/1 \
	analyses/1/stats analyses/1/errors analyses/1/timeouts; do
	for m in PUT PATCH OPTIONS; do
		sweep 405 "$m $r" -- -X "$m" -H "$A" "$U/$r"
	done
done
sweep 405 "POST health" -- -X POST -H "$A" -H "$J" --data '{}' "$U/health"
sweep 405 "DELETE health" -- -X DELETE -H "$A" "$U/health"
sweep 405 "POST analyses/1" -- -X POST -H "$A" -H "$J" --data '{}' "$U/analyses/1"
sweep 405 "DELETE analyses" -- -X DELETE -H "$A" "$U/analyses"
sweep 405 "DELETE sessions" -- -X DELETE -H "$A" "$U/sessions"
sweep 405 "GET sessions/s/start" -- "$U/sessions/s/start"
sweep 405 "DELETE sessions/s/stop" -- -X DELETE -H "$A" "$U/sessions/s/stop"
sweep 405 "PUT metrics" -- -X PUT "$LTAD_URL/metrics"
sweep 405 "POST metrics" -- -X POST -H "$A" -H "$J" "$LTAD_URL/metrics"
# Paths no route serves: 404.
for p in /api /api/v1 /api/v2/health /api/v1/health/ /api/v1/healthz \
	/api/v1/analyses/abc /api/v1/analyses/0 /api/v1/analyses/-1 \
	/api/v1/analyses/1.5 /api/v1/analyses/99999999999999999999 \
	/api/v1/analyses/1/nope /api/v1/analyses/1/requests/0 \
	/api/v1/analyses/1/requests/x /api/v1/analyses/1/connections/-3 \
	/api/v1/analyses//requests /api/v1//health /api/v1/analyses/987654 \
	/api/v1/sessions/a/b /api/v1/sessions/a/start/now \
	'/api/v1/%2e%2e/health' /index.html /metrics/x /favicon.ico \
	"/api/v1/analyses/987654/stats" "/api/v1/analyses/987654/requests" \
	"/api/v1/analyses/987654/errors" "/api/v1/analyses/987654/timeouts"; do
	sweep 404 "GET $p" -- "$LTAD_URL$p"
done
# Tokens: 401.
for r in analyses sessions sessions/s/start sessions/s/stop; do
	sweep 401 "POST $r without a token" -- -X POST -H "$J" --data '{}' "$U/$r"
	sweep 401 "POST $r with a wrong token" -- -X POST -H "Authorization: Bearer nope-nope-nope-nope" -H "$J" --data '{}' "$U/$r"
	sweep 401 "POST $r with Basic" -- -X POST -H "Authorization: Basic YTpi" -H "$J" --data '{}' "$U/$r"
done
sweep 401 "DELETE analyses/1 without a token" -- -X DELETE "$U/analyses/1"
sweep 401 "DELETE sessions/s without a token" -- -X DELETE "$U/sessions/s"
sweep 401 "DELETE with a token prefix" -- -X DELETE -H "Authorization: Bearer ${LTAD_TOKEN%?????}" "$U/analyses/1"
# Content types: 415.
for t in text/plain application/x-www-form-urlencoded multipart/form-data \
	application/jsonx 'application/xml' ''; do
	sweep 415 "POST analyses as \"$t\"" -- -X POST -H "$A" -H "Content-Type: $t" --data '{"path":"/tmp"}' "$U/analyses"
done
sweep 415 "POST sessions/s/start as text/plain" -- -X POST -H "$A" -H 'Content-Type: text/plain' "$U/sessions/s/start"
sweep 415 "POST sessions as form" -- -X POST -H "$A" --data 'name=x' "$U/sessions"
# Other sites: 403.
sweep 403 "a foreign Origin" -- -X POST -H "$A" -H "$J" -H 'Origin: http://evil.example' --data '{"path":"/tmp"}' "$U/analyses"
sweep 403 "Origin null" -- -X DELETE -H "$A" -H 'Origin: null' "$U/analyses/1"
sweep 403 "Origin https of the same host" -- -X POST -H "$A" -H "$J" -H "Origin: https://127.0.0.1:$LTAD_PORT" "$U/sessions/s/stop"
sweep 403 "a foreign Host" -- -H 'Host: evil.example' "$U/health"
sweep 403 "a rebinding Host with our port" -- -H "Host: evil.example:$LTAD_PORT" "$U/analyses"
sweep 403 "a Host with a bad port" -- -H 'Host: 127.0.0.1:x' "$U/health"
# Malformed bodies of POST /analyses: 400.
for b in '' ' ' '{' '{"path":' '[' 'null' 'true' '1' '"x"' '[1,2]' \
	'{"path":"/tmp",}' "{'path':'/tmp'}" '{"path":"/tmp"}{}' \
	'{"path":"/tmp","path":"/tmp"}' '{"path":"\ud800"}' '{"a":1}' '{}' \
	'{"path":5}' '{"path":null}' '{"path":["/tmp"]}' '{"path":{}}' \
	'{"url":5}' '{"url":true}' '{"path":"tmp"}' '{"path":"./tmp"}' \
	'{"path":"/tmp","url":"net://x/host/h/s"}' '{"url":"http://x/host/h/s"}' \
	'{"url":"net://x:99999/host/h/s"}' '{"url":"net://x:abc/host/h/s"}' \
	'{"url":"net://[::1/host/h/s"}' '{"url":"net://[::1]x/host/h/s"}' \
	'{"url":"net://x:0/host/h/s"}' '{"url":"net://x/host/h"}' \
	'{"url":"net://x/host//s"}' '{"url":"net://x/h/s"}' '{"url":"net://"}' \
	'{"url":"net://x/host/h/s/t"}' '{"url":"net://x y/host/h/s"}' \
	'{"url":"net://x:/host/h/s"}' '{"url":"net://[zz]/host/h/s"}' \
	"{\"path\":\"/tmp/$(head -c 300 /dev/zero | tr '\0' n)\"}" \
	'{"path":"/tmp/\u0001"}' '{"path":"/tmp","speed":1}'; do
	sweep 400 "POST analyses $(printf '%.50s' "$b")" -- -X POST -H "$A" -H "$J" --data-binary "$b" "$U/analyses"
done
ln -sfn loop "$tmp/loop"
sweep 400 "POST analyses: a symlink loop" -- -X POST -H "$A" -H "$J" --data "{\"path\":\"$tmp/loop\"}" "$U/analyses"
for pth in /proc /proc/1 /sys /sys/kernel /dev /dev/shm /proc/self/root/proc; do
	sweep 403 "POST analyses: $pth" -- -X POST -H "$A" -H "$J" --data "{\"path\":\"$pth\"}" "$U/analyses"
done
for pth in "$tmp/missing" /nonexistent/x /etc/hostname "$tmp/h"; do
	sweep 422 "POST analyses: $pth" -- -X POST -H "$A" -H "$J" --data "{\"path\":\"$pth\"}" "$U/analyses"
done
sweep 413 "POST analyses: 200 KB" -- -X POST -H "$A" -H "$J" --data-binary "@$tmp/big" "$U/analyses"
sweep 411 "POST analyses: chunked" -- -X POST -H "$A" -H "$J" -H 'Transfer-Encoding: chunked' --data '{}' "$U/analyses"
# Malformed bodies of POST /sessions: 400.
for b in '' '{' '[]' '{}' '{"name":5}' '{"name":""}' '{"name":"a/b"}' \
	'{"name":"../x"}' '{"name":"x","ust":5}' '{"name":"x","kernel":"yes"}' \
	'{"name":"x","ust":{},"color":1}' '{"name":"x","ust":{},"analyze":"yes"}' \
	'{"name":"x","ust":{},"live_timer_us":-1}' '{"name":"x","ust":{},"live_timer_us":"1"}' \
	'{"name":"x","ust":{},"relay_url":"http://x"}' '{"name":"x","ust":{},"relay_url":5}' \
	'{"name":"x","ust":{},"relay_url":"net://x:99999"}' '{"name":"x","ust":{},"relay_live_port":70000}' \
	'{"name":"x","ust":{},"relay_url":"net://a b"}' '{"name":"x","ust":{},"relay_url":"net://[::1"}' \
	'{"name":"x","ust":{},"relay_url":"net://[zz::1]:5342"}' '{"name":"x","ust":{},"relay_url":"net://x:abc"}' \
	'{"name":"x","ust":{"events":5}}' '{"name":"x","ust":{"subbuf_size":"big"}}' \
	"{\"name\":\"$(head -c 300 /dev/zero | tr '\0' n)\",\"ust\":{}}"; do
	sweep 400 "POST sessions $(printf '%.50s' "$b")" -- -X POST -H "$A" -H "$J" --data-binary "$b" "$U/sessions"
done
# Query parameters: 400 (checked before the analysis is looked up).
for r in requests connections errors requests.jsonl; do
	for q in 'colour=red' 'limit=abc' 'limit=-1' 'limit=0' 'limit=100000' \
		'after=abc' 'after=-5' 'from=x' 'to=1e9' 'limit=1&limit=2' \
		'pid=abc' 'end_reason=nope'; do
		sweep 400 "GET $r?$q" -- "$U/analyses/1/$r?$q"
	done
done
for r in health analyses analyses/1 analyses/1/stats analyses/1/timeouts \
	analyses/1/requests/1 analyses/1/connections/1 sessions; do
	sweep 400 "GET $r?x=1" -- "$U/$r?x=1"
done
sweep 400 "GET requests with 17 parameters" -- "$U/analyses/1/requests?a=1&b=2&c=3&d=4&e=5&f=6&g=7&h=8&i=9&j=10&k=11&l=12&m=13&n=14&o=15&p=16&q=17"
sweep 400 "POST analyses?x=1" -- -X POST -H "$A" -H "$J" --data '{"path":"/tmp"}' "$U/analyses?x=1"
# Protocol errors, answered before any route.
sweep 431 "a 20 KB header" -- -H "X-Big: $(head -c 20000 /dev/zero | tr '\0' b)" "$U/health"
sweep 431 "120 headers" -- $(for i in $(seq 1 120); do printf -- "-H X-H$i:v "; done) "$U/health"
sweep 414 "a 9 KB query" -- "$U/health?x=$(head -c 9000 /dev/zero | tr '\0' a)"
sweep 400 "a header name with a space" -- -H 'X-Bad Name: v' "$U/health"
sweep 400 "a control character in a header" -- -H "X-Ctl: a$(printf '\001')b" "$U/health"
sweep 400 "a bad Content-Length" -- -X POST -H "$A" -H "$J" -H 'Content-Length: 12x' "$U/analyses"
diag "bad-input sweep: $sweep_n cases, $sweep_bad not a JSON 4xx of the expected status"
ok "$([ "$sweep_n" -ge 150 ] && [ "$sweep_bad" = 0 ] && echo 0 || echo 1)" \
	"bad-input sweep: $sweep_n cases, every one a JSON 4xx"

# A real analysis to query: a synthetic trace if python3-bt2 is there, else
# the shared kernel traces.
trace=
if /usr/bin/python3 "$top_srcdir/tests/utils/make-synthetic-traces.py" "$tmp/synth" 2>/dev/null; then
	trace=$tmp/synth/kernel-contexts
elif [ -d "$LTA_SHARED_TRACES/tracevizlab-pacman-k" ]; then
	trace=$LTA_SHARED_TRACES/tracevizlab-pacman-k
fi
if [ -n "$trace" ]; then
	body=$(lta_api POST /api/v1/analyses "{\"path\":\"$trace\"}")
	is "$(lta_status)" 201 "POST a recorded trace: 201"
	id=$(echo "$body" | jq -r .id)
	expect 400 invalid_parameter "limit over the maximum" -- "$U/analyses/$id/requests?limit=100000"
	expect 400 invalid_parameter "a cursor that is not a number" -- "$U/analyses/$id/requests?after=abc"
	expect 400 unknown_parameter "an unknown query parameter" -- "$U/analyses/$id/requests?colour=red"
	expect 404 not_found "an unknown request" -- "$U/analyses/$id/requests/987654"
	expect 400 invalid_parameter "connections: an unknown end reason" -- "$U/analyses/$id/connections?end_reason=timeout"
	expect 400 invalid_parameter "requests: connection 0" -- "$U/analyses/$id/requests?connection=0"
	expect 404 not_found "an unknown connection" -- "$U/analyses/$id/connections/987654"

	# Every documented route answers: neither 404 nor 405.
	lta_env_wait() { local d=$(($(date +%s) + $1)); shift; until "$@"; do [ "$(date +%s)" -lt $d ] || return 1; sleep 0.1; done; }
	lta_env_wait 20 bash -c "[ \"\$(curl -s $U/analyses/$id | jq -r .running)\" = false ]"
	rid=$(curl -s "$U/analyses/$id/requests?limit=1" | jq -r '.requests[0].id // 1')
	cid=$(curl -s "$U/analyses/$id/connections?limit=1" | jq -r '.connections[0].id // 1')
	is "$(curl -s "$U/analyses/$id" | jq .connections)" \
		"$(curl -s "$U/analyses/$id/connections?limit=1000" | jq '.connections | length')" \
		"the view counts the connections the list gives"
	/usr/bin/python3 - "$top_srcdir/doc/openapi.yaml" >"$tmp/routes" <<'PY'
import re, sys
in_paths, path = False, None
for line in open(sys.argv[1]):
    if re.match(r'^paths:\s*$', line):
        in_paths = True
        continue
    if in_paths and re.match(r'^\S', line):
        in_paths = False
    if not in_paths:
        continue
    m = re.match(r'^  (/\S*):\s*$', line)
    if m:
        path = m.group(1)
        continue
    m = re.match(r'^    (get|post|put|delete|patch):\s*$', line)
    if m and path:
        print(m.group(1).upper(), path)
PY
	n=$(wc -l <"$tmp/routes")
	ok "$([ "$n" -ge 8 ] && echo 0 || echo 1)" "doc/openapi.yaml documents $n operations"
	bad=""
	while read -r method route; do
		p=${route//\{id\}/$id}
		p=${p//\{rid\}/$rid}
		p=${p//\{cid\}/$cid}
		p=${p//\{qid\}/1}
		p=${p//\{name\}/no-such-session}
		case $method in
		GET) st=$(curl -s -g -o "$tmp/r" -m 20 -w '%{http_code}' "$LTAD_URL$p") ;;
		DELETE) st=$(curl -s -g -o "$tmp/r" -m 20 -w '%{http_code}' -X DELETE -H "$A" "$LTAD_URL$p") ;;
		*) st=$(curl -s -g -o "$tmp/r" -m 20 -w '%{http_code}' -X "$method" -H "$A" -H "$J" --data '{}' "$LTAD_URL$p") ;;
		esac
		# A 404 for a resource that does not exist (a session name) is an
		# answer; a 404 for a path no route serves is not.
		case $st in
		405 | 000) bad="$bad $method:$route=$st" ;;
		404) grep -q "No such resource" "$tmp/r" && bad="$bad $method:$route=$st" ;;
		esac
	done <"$tmp/routes"
	is "${bad:-none}" none "every documented route answers"
else
	diag "no trace to analyze: route checks skipped"
fi
# SIGHUP reopens the logs and keeps serving.
kill -HUP "$LTAD_PID"
lta_env_wait() { local d=$(($(date +%s) + $1)); shift; until "$@"; do [ "$(date +%s)" -lt $d ] || return 1; sleep 0.1; done; }
lta_env_wait 10 grep -q "Logs reopened" "$tmp/d/daemon.log"
ok $? "SIGHUP: logs reopened"
is "$(curl -s -o /dev/null -w '%{http_code}' "$U/health")" 200 "still serving after SIGHUP"
lta_daemon_stop
is "$LTAD_STOP_STATUS" 0 "clean stop"

# The configuration file: options as key = value, errors name the line.
mkdir -p "$tmp/allowed/t"
printf '# test\nlisten = 127.0.0.1\nthreads = 2\nretry-ms = 100\nallowed-trace-dir = %s\nallowed-host = web.example\n' \
	"$tmp/allowed" >"$tmp/good.conf"
lta_daemon_start "$tmp/d" --config="$tmp/good.conf"
ok $? "a valid configuration file is accepted"
lta_api POST /api/v1/analyses '{"path":"/etc"}' >"$tmp/b"
is "$(lta_status) $(jq -r .error.code <"$tmp/b")" "403 path_not_allowed" \
	"allowed-trace-dir (configuration file): a path outside is refused"
lta_api POST /api/v1/analyses "{\"path\":\"$tmp/allowed/t\"}" >"$tmp/b"
is "$(lta_status)" 201 "a path inside is accepted (its worker searches it)"
aid=$(jq -r .id <"$tmp/b")
deadline=$(($(date +%s) + 20))
until [ "$(lta_api GET "/api/v1/analyses/$aid" | jq -r .status)" = failed ] || [ "$(date +%s)" -ge $deadline ]; do sleep 0.1; done
lta_api GET "/api/v1/analyses/$aid" | jq -r .reason | grep -q 'No CTF trace'
ok $? "and its analysis fails: no trace in it"
is "$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: web.example' "$LTAD_URL/api/v1/health")" 200 \
	"allowed-host (configuration file)"
lta_daemon_stop
printf 'threads = 2\nspeed = fast\n' >"$tmp/bad.conf"
"$LTAD" --config="$tmp/bad.conf" --data-dir="$tmp/d/data" >"$tmp/bad.out" 2>&1
is "$?" 2 "an unknown key in the configuration: exit 2"
grep -q "bad.conf:2: unknown option \"speed\"" "$tmp/bad.out"
ok $? "the message names the file and line"
"$LTAD" --threads=0 --data-dir="$tmp/d/data" >/dev/null 2>&1
is "$?" 2 "a bad option value: exit 2"
done_testing
