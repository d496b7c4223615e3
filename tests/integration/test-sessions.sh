#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# LTTng sessions over REST, against a private lttng-sessiond (lttng-env.sh)
# and the daemon's own managed lttng-relayd, with `lttng list` as the
# independent witness at each step:
# - the user-space lifecycle: create (with "analyze": true), start, a traced
#   program's events (tests/utils/gen-trace) reach the analysis live, stop,
#   destroy;
# - the kernel domain answers 422 with liblttng-ctl's own message (the one
#   `lttng list -k` prints), and no session is left;
# - every error: exists 409, unknown 404, name invalid 400, unknown field
#   400, permission 403 (a daemon running as another user, in the tracing
#   group, on root's session), no session daemon 503;
# - no half-created session: a context the user-space domain refuses fails
#   after the session was created, and `lttng list` shows it is gone;
# - the managed relay daemon (and, with --start-sessiond, the session
#   daemon) is visible in /api/v1/health and is stopped on exit.
. "$(dirname "$0")/../utils/test-lib.sh"
. "$top_srcdir/tests/utils/lttng-env.sh"
. "$top_srcdir/tests/utils/daemon-env.sh"
reason=$(lta_env_skip_reason)
[ -z "$reason" ] || skip_all "$reason"
for b in curl jq lttng-relayd; do
	command -v "$b" >/dev/null 2>&1 || skip_all "$b is not installed"
done
[ -x "$LTAD" ] || skip_all "lttng-analyzerd is not built"
gen=$top_builddir/tests/utils/gen-trace
[ -x "$gen" ] || skip_all "tests/utils/gen-trace is not built"
lta_env_enter "$0" "$@"

tmp=$(mktemp -d)
cleanup()
{
	lta_daemon_stop
	[ -z "${LTAD2_PID:-}" ] || { kill -TERM "$LTAD2_PID" 2>/dev/null; wait "$LTAD2_PID" 2>/dev/null; }
	lta_env_cleanup
	[ -n "${LTA_KEEP_TMP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT
lta_env_start_sessiond || skip_all "lttng-sessiond does not start here"

lta_daemon_start "$tmp/d" || { done_testing; }
ok 0 "daemon listening on port $LTAD_PORT"

# --- health: the session daemon, the kernel tracer, the relay daemon -------
health=$(lta_api GET /api/v1/health)
is "$(echo "$health" | jq -r .session_daemon.reachable)" true "health: session daemon reachable"
is "$(echo "$health" | jq -r .relay_daemon.mode)" managed "health: relay daemon managed by default"
relayd_pid=$(echo "$health" | jq -r .relay_daemon.pid)
live_port=$(echo "$health" | jq -r .relay_daemon.live_port)
ctrl_port=$(echo "$health" | jq -r .relay_daemon.control_port)
kill -0 "$relayd_pid" 2>/dev/null
ok $? "health: relay daemon pid $relayd_pid is alive"
is "$(tr '\0' ' ' </proc/"$relayd_pid"/cmdline | cut -d' ' -f1)" lttng-relayd \
	"health: that pid is an lttng-relayd"
lta_env_port_listening "$live_port"
ok $? "health: its live port $live_port listens"
# The witness for the kernel tracer: lttng list -k.
if lttng list -k >"$tmp/list-k.txt" 2>&1; then
	kernel=yes
	is "$(echo "$health" | jq -r .kernel_tracer.available)" true "health: kernel tracer available, as lttng list -k says"
else
	kernel=no
	is "$(echo "$health" | jq -r .kernel_tracer.available)" false "health: kernel tracer unavailable, as lttng list -k says"
	kmsg=$(echo "$health" | jq -r .kernel_tracer.message)
	grep -qF -- "$kmsg" "$tmp/list-k.txt"
	ok $? "health: its message (\"$kmsg\") is the one lttng list -k prints"
fi

# --- the user-space lifecycle -----------------------------------------------
name=ust$$
body=$(lta_api POST /api/v1/sessions "{\"name\":\"$name\",\"live_timer_us\":100000,\"ust\":{},\"analyze\":true}")
is "$(lta_status)" 201 "POST /api/v1/sessions (user space, analyze): 201"
id=$(echo "$body" | jq -r .analysis_id)
ok "$([ "$id" -ge 1 ] 2>/dev/null && echo 0 || echo 1)" "its analysis started: id $id"
is "$(echo "$body" | jq -r .live_url)" "net://127.0.0.1:$live_port/host/$(hostname)/$name" \
	"its live URL names the managed relay daemon's live port"
lttng list >"$tmp/list.txt" 2>&1
grep -q " $name \[inactive\]" "$tmp/list.txt"
ok $? "lttng list: $name exists, inactive"
grep -q "tcp4://127.0.0.1:$ctrl_port/" "$tmp/list.txt"
ok $? "lttng list: it sends to the managed relay daemon (port $ctrl_port)"
grep -q "Live timer interval: 100000 us" "$tmp/list.txt"
ok $? "lttng list: live timer 100000 us"
lttng list "$name" >"$tmp/list-s.txt" 2>&1
grep -q "lttng_analyzer_syscall:\*" "$tmp/list-s.txt" &&
	grep -q "lttng_analyzer_rbl:\*" "$tmp/list-s.txt"
ok $? "lttng list $name: both user-space providers enabled"
grep -q "Buffering scheme: per-user" "$tmp/list-s.txt"
ok $? "lttng list $name: per-UID buffers"
# lttng list does not show contexts: lttng save writes them.
lttng save "$name" --output-path="$tmp/save" >/dev/null 2>&1
is "$(tr -d ' \t\n' <"$tmp/save/$name.lttng" | grep -o '<context><type>[A-Z_]*</type>' |
	sed 's/<[a-z]*>//g; s/<\/type>//' | sort | tr '\n' ' ')" "PROCNAME VPID VTID " \
	"lttng save $name: contexts vpid, vtid, procname"
s=$(lta_api GET "/api/v1/sessions/$name")
is "$(lta_status) $(echo "$s" | jq -r .state)" "200 inactive" "GET /api/v1/sessions/$name: inactive"
is "$(lta_api GET /api/v1/sessions | jq -r '.sessions[].name')" "$name" "GET /api/v1/sessions lists it"

s=$(lta_api POST "/api/v1/sessions/$name/start")
is "$(lta_status) $(echo "$s" | jq -r .state)" "200 active" "POST .../start: active"
lttng list | grep -q " $name \[active\]"
ok $? "lttng list: $name active"
lta_env_wait 20 bash -c "[ \"\$(curl -s $LTAD_URL/api/v1/analyses/$id | jq -r .status)\" = live ]"
ok $? "the analysis is live before the traced program runs"

# 8 events a request: 800 requests.
LTTNG_UST_REGISTER_TIMEOUT=-1 "$gen" --events 6400 --threads 1 >"$tmp/gen.out" 2>&1
ok $? "gen-trace ran under the session ($(cat "$tmp/gen.out") events)"
complete=
end=$(($(date +%s) + 30))
while [ "$(date +%s)" -lt $end ]; do
	complete=$(curl -s "$LTAD_URL/api/v1/analyses/$id/stats" | jq -r .counts.complete)
	[ "$complete" = 800 ] && break
	sleep 0.2
done
is "$complete" 800 "the traced program's 800 requests reached the analysis live"
is "$(lta_api GET "/api/v1/analyses/$id" | jq -r .status)" live "the analysis is still live"

s=$(lta_api POST "/api/v1/sessions/$name/stop")
is "$(lta_status) $(echo "$s" | jq -r .state)" "200 inactive" "POST .../stop: inactive"
lttng list | grep -q " $name \[inactive\]"
ok $? "lttng list: $name inactive"
lta_api POST "/api/v1/sessions/$name/stop" >/dev/null
is "$(lta_status)" 409 "stopping it again: 409"

s=$(lta_api DELETE "/api/v1/sessions/$name")
is "$(lta_status) $(echo "$s" | jq -r .destroyed)" "200 true" "DELETE /api/v1/sessions/$name: destroyed"
lttng list >"$tmp/list.txt" 2>&1
grep -q " $name " "$tmp/list.txt"
is $? 1 "lttng list: $name is gone"
lta_env_wait 20 bash -c "[ \"\$(curl -s $LTAD_URL/api/v1/analyses/$id | jq -r .running)\" = false ]"
ok $? "the analysis ended with its session ($(lta_api GET "/api/v1/analyses/$id" | jq -r .status))"

# --- errors -------------------------------------------------------------------
# expect STATUS CODE DESCRIPTION METHOD PATH [BODY]
expect()
{
	local want=$1 code=$2 what=$3 out
	shift 3
	out=$(lta_api "$@")
	is "$(lta_status) $(echo "$out" | jq -r .error.code)" "$want $code" "$what: $want $code"
	last=$out
}
name=dup$$
lta_api POST /api/v1/sessions "{\"name\":\"$name\",\"ust\":{}}" >/dev/null
is "$(lta_status)" 201 "create $name"
expect 409 session_exists "the same name again" POST /api/v1/sessions "{\"name\":\"$name\",\"ust\":{}}"
is "$(echo "$last" | jq -r .error.message)" "Session name already exists" "409 carries liblttng-ctl's message"
is "$(lttng list | grep -c " $name ")" 1 "lttng list: still one $name"
lta_api POST "/api/v1/sessions/$name/start" >/dev/null
expect 409 already_in_state "starting it twice" POST "/api/v1/sessions/$name/start"
lta_api DELETE "/api/v1/sessions/$name" >/dev/null
is "$(lta_status)" 200 "destroy $name (active)"

expect 404 session_not_found "GET an unknown session" GET /api/v1/sessions/nosuch$$
expect 404 session_not_found "start an unknown session" POST /api/v1/sessions/nosuch$$/start
expect 404 session_not_found "stop an unknown session" POST /api/v1/sessions/nosuch$$/stop
expect 404 session_not_found "DELETE an unknown session" DELETE /api/v1/sessions/nosuch$$
expect 400 invalid_name "a name with a space" POST /api/v1/sessions '{"name":"a b","ust":{}}'
expect 400 invalid_name "a name starting with a dot" POST /api/v1/sessions '{"name":"..","ust":{}}'
expect 400 invalid_name "an invalid name in the path" GET '/api/v1/sessions/a%20b'
expect 400 unknown_field "an unknown field" POST /api/v1/sessions '{"name":"x","ust":{},"colour":1}'
expect 400 unknown_field "an unknown field of a domain" POST /api/v1/sessions '{"name":"x","ust":{"colour":1}}'
expect 400 invalid_body "no domain" POST /api/v1/sessions '{"name":"x"}'
expect 400 invalid_field "a sub-buffer size over 128 MiB" POST /api/v1/sessions \
	'{"name":"x","ust":{"subbuf_size":268435456}}'
expect 400 invalid_field "a sub-buffer size not a power of two" POST /api/v1/sessions \
	'{"name":"x","ust":{"subbuf_size":3000000}}'
is "$(lttng list 2>&1 | grep -c ' x ')" 0 "lttng list: no session x after the refusals"
code=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "$LTAD_URL/api/v1/sessions/x")
is "$code" 401 "DELETE without the token: 401"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
	--data '{"name":"x","ust":{}}' "$LTAD_URL/api/v1/sessions")
is "$code" 401 "POST without the token: 401"

# The kernel domain: 422 with liblttng-ctl's message, never a fake success.
name=kern$$
expect 422 kernel_tracer_unavailable "the kernel domain without the kernel tracer" \
	POST /api/v1/sessions "{\"name\":\"$name\",\"kernel\":{},\"ust\":{}}"
if [ "$kernel" = no ]; then
	msg=$(echo "$last" | jq -r .error.message)
	grep -qF -- "Error: Unable to list kernel events: $msg" "$tmp/list-k.txt"
	ok $? "its message (\"$msg\") is liblttng-ctl's, as lttng list -k prints it"
	ok "$(echo "$last" | jq -r .error.hint | grep -q 'user-space domain.*lttng-modules' && echo 0 || echo 1)" \
		"its hint: the user-space domain or lttng-modules"
	is "$(echo "$last" | jq -r .error.lttng_error)" 33 "its lttng_error is LTTNG_ERR_KERN_NA (33)"
else
	diag "the kernel tracer is available here: the 422 cannot be provoked"
fi
lttng list >"$tmp/list.txt" 2>&1
grep -q " $name " "$tmp/list.txt"
is $? 1 "lttng list: no $name after the 422"

# No half-created session: the session exists when the user-space domain
# refuses the "pid" context (lttng-ust has "vpid"); it must be destroyed.
name=half$$
expect 400 invalid_field "a context the user-space domain refuses" \
	POST /api/v1/sessions "{\"name\":\"$name\",\"ust\":{\"contexts\":[\"vpid\",\"pid\"]}}"
is "$(echo "$last" | jq -r .error.lttng_error)" 78 "refused by the session daemon (LTTNG_ERR_UST_CONTEXT_INVAL)"
grep -q "Destroyed a session whose setup failed: session=\"$name\"" "$tmp/d/daemon.log"
ok $? "the daemon created $name and rolled it back"
lttng list >"$tmp/list.txt" 2>&1
grep -q " $name " "$tmp/list.txt"
is $? 1 "lttng list: no half-created $name"

# --- permission: a daemon running as another user (nobody, in the tracing
# group, so liblttng-ctl talks to root's session daemon) on root's session.
if getent group tracing >/dev/null && command -v setpriv >/dev/null; then
	name=root$$
	lta_api POST /api/v1/sessions "{\"name\":\"$name\",\"ust\":{}}" >/dev/null
	is "$(lta_status)" 201 "root's daemon creates $name"
	d2=$tmp/d2
	mkdir -p "$d2/data" && chown -R nobody "$d2" && chmod 755 "$tmp"
	printf '%s\n' "$LTAD_TOKEN" >"$d2/token" && chmod 600 "$d2/token" &&
		chown nobody "$d2/token"
	setpriv --reuid=nobody --regid=nogroup --groups="$(getent group tracing | cut -d: -f3)" \
		--inh-caps=-all env HOME="$d2" LTTNG_HOME="$d2" \
		"$LTAD" --data-dir="$d2/data" --port=0 --port-file="$d2/port" \
		--token-file="$d2/token" --no-relayd >"$d2/daemon.log" 2>&1 &
	LTAD2_PID=$!
	lta_env_wait 20 test -s "$d2/port"
	ok $? "a daemon as user nobody (group tracing) starts"
	u2="http://127.0.0.1:$(cat "$d2/port" 2>/dev/null)"
	is "$(curl -s "$u2/api/v1/health" | jq -r .session_daemon.reachable)" true \
		"it reaches root's session daemon"
	out=$(curl -s -w '\n%{http_code}' -X POST -H "Authorization: Bearer $LTAD_TOKEN" \
		-H 'Content-Type: application/json' \
		"$u2/api/v1/sessions/$name/start")
	is "${out##*$'\n'} $(echo "${out%$'\n'*}" | jq -r .error.code)" "403 permission_denied" \
		"starting root's session from it: 403 permission_denied"
	lttng list | grep -q " $name \[inactive\]"
	ok $? "lttng list: $name still inactive"
	kill -TERM "$LTAD2_PID" && wait "$LTAD2_PID"
	is $? 0 "the nobody daemon stops cleanly"
	LTAD2_PID=
	lta_api DELETE "/api/v1/sessions/$name" >/dev/null
	is "$(lta_status)" 200 "destroy $name"
else
	diag "no tracing group or no setpriv: 403 not provoked"
fi

# --- no session daemon: 503 ------------------------------------------------------
lta_env_stop_pid "$LTTA_SESSIOND_PID"
expect 503 no_session_daemon "create with no session daemon" POST /api/v1/sessions '{"name":"nosd","ust":{}}'
expect 503 no_session_daemon "list with no session daemon" GET /api/v1/sessions
expect 503 no_session_daemon "start with no session daemon" POST /api/v1/sessions/nosd/start
is "$(lta_api GET /api/v1/health | jq -r '.session_daemon.reachable, .kernel_tracer.available' | tr '\n' ' ')" \
	"false null " "health: session daemon unreachable, kernel tracer unknown"

# --- the daemon stops exactly its relay daemon -------------------------------
lta_daemon_stop
is "$LTAD_STOP_STATUS" 0 "the daemon stops cleanly"
kill -0 "$relayd_pid" 2>/dev/null
is $? 1 "its relay daemon (pid $relayd_pid) is gone"
lta_env_port_listening "$live_port"
is $? 1 "its live port $live_port is free"

# --- --start-sessiond: the daemon starts (and stops) a session daemon -------
lta_daemon_start "$tmp/d3" --start-sessiond || true
health=$(lta_api GET /api/v1/health)
is "$(echo "$health" | jq -r '.session_daemon.reachable, .session_daemon.managed, .session_daemon.running' | tr '\n' ' ')" \
	"true true true " "--start-sessiond: health shows a managed, running session daemon"
sd_pid=$(echo "$health" | jq -r .session_daemon.pid)
is "$(tr '\0' ' ' </proc/"$sd_pid"/cmdline 2>/dev/null | cut -d' ' -f1)" lttng-sessiond "its pid $sd_pid is an lttng-sessiond"
lttng list >/dev/null 2>&1
ok $? "lttng list answers"
lta_api POST /api/v1/sessions '{"name":"managed","ust":{}}' >/dev/null
is "$(lta_status)" 201 "a session on the managed session daemon"
lta_daemon_stop
is "$LTAD_STOP_STATUS" 0 "the daemon stops cleanly"
kill -0 "$sd_pid" 2>/dev/null
is $? 1 "its session daemon (pid $sd_pid) is gone"
done_testing
