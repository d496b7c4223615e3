#!/bin/bash
# The REST API answers bad input with JSON errors and the right status, and
# every route of doc/openapi.yaml answers (neither 404 nor 405):
# malformed JSON, wrong types, unknown fields, oversized bodies, unknown
# routes and methods, missing or wrong token, an unreachable relay URL, a
# path that is not a trace, bad paging parameters.
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
printf '# test\nlisten = 127.0.0.1\nthreads = 2\nretry-ms = 100\n' >"$tmp/good.conf"
lta_daemon_start "$tmp/d" --config="$tmp/good.conf"
ok $? "a valid configuration file is accepted"
lta_daemon_stop
printf 'threads = 2\nspeed = fast\n' >"$tmp/bad.conf"
"$LTAD" --config="$tmp/bad.conf" --data-dir="$tmp/d/data" >"$tmp/bad.out" 2>&1
is "$?" 2 "an unknown key in the configuration: exit 2"
grep -q "bad.conf:2: unknown option \"speed\"" "$tmp/bad.out"
ok $? "the message names the file and line"
"$LTAD" --threads=0 --data-dir="$tmp/d/data" >/dev/null 2>&1
is "$?" 2 "a bad option value: exit 2"
done_testing
