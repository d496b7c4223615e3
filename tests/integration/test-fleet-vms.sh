#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Traced VMs controlled from where they run, analyzed centrally
# (doc/fleet-vms.md). Two "VMs", each a mount and UTS namespace of its own
# (tests/utils/fleet-vm.sh: private /var/run/lttng and /dev/shm, host names
# lta-fleet-vm-a and lta-fleet-vm-b), each with its own lttng-sessiond run
# by a control-only lttng-analyzerd and a traced Apache under wrk, stream
# to one central lttng-relayd. Two central daemons are each given the
# relay daemon's sessions of one VM by pattern (--attach=.../host/VM/*).
# Tracing is started and stopped on each VM by name through its daemon
# (contrib/vm-trace.sh). Checks: each central daemon analyzes exactly the
# session of its VM, named by its host; every request of each VM arrives
# once: the complete requests count the VM's access-log lines, the
# requests' client ports are the logged ones, as many times, and every
# request names the VM's host; a control-only daemon answers 409
# control_only to what needs analyses, and keeps no store; a session
# destroyed on its VM ends its central analysis and is not attached again.
. "$(dirname "$0")/../utils/test-lib.sh"
. "$top_srcdir/tests/utils/lttng-env.sh"
. "$top_srcdir/tests/utils/daemon-env.sh"
reason=$(lta_env_skip_reason)
[ -z "$reason" ] || skip_all "$reason"
unshare --mount --uts --propagation private true 2>/dev/null ||
	skip_all "unshare --uts is not permitted here"
for b in apache2 wrk curl jq; do
	command -v "$b" >/dev/null 2>&1 || skip_all "$b is not installed"
done
[ -x "$LTAD" ] || skip_all "lttng-analyzerd is not built"
lta_env_enter "$0" "$@"

tmp=$(mktemp -d)
chmod 755 "$tmp"
vms="a b"
declare -A vm_pid=() d_pid=() d_url=() d_dir=() d_token=() created_ms=()
cleanup()
{
	local v
	for v in $vms; do
		touch "$tmp/vm-$v/finish" 2>/dev/null
	done
	for v in $vms; do
		[ -n "${vm_pid[$v]:-}" ] || continue
		lta_env_wait 60 bash -c "! kill -0 ${vm_pid[$v]}" ||
			kill -KILL "${vm_pid[$v]}" 2>/dev/null
	done
	for v in $vms; do
		[ -n "${d_pid[$v]:-}" ] || continue
		use "$v"
		lta_daemon_stop
	done
	lta_env_cleanup
	[ -n "${LTA_KEEP_TMP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT

# use V: lta_api and lta_daemon_stop talk to central daemon V.
use()
{
	LTAD_PID=${d_pid[$1]}
	LTAD_URL=${d_url[$1]}
	LTAD_DIR=${d_dir[$1]}
	LTAD_TOKEN=${d_token[$1]}
}

lta_env_start_relayd || skip_all "lttng-relayd does not start here"
relay_live=net://127.0.0.1:$LTTA_RELAYD_LIVE_PORT

# --- the central daemons: one per VM, by pattern -----------------------------------
for v in $vms; do
	LTAD_TOKEN=
	lta_daemon_start "$tmp/central-$v" --no-relayd --attach-interval-ms=300 \
		"--attach=$relay_live/host/lta-fleet-vm-$v/*" ||
		skip_all "the daemon does not start here"
	d_pid[$v]=$LTAD_PID
	d_url[$v]=$LTAD_URL
	d_dir[$v]=$LTAD_DIR
	d_token[$v]=$LTAD_TOKEN
done
use a
is "$(lta_api GET /api/v1/health | jq -c '[.mode, .attach[0].pattern]')" \
	"[\"analyzer\",\"$relay_live/host/lta-fleet-vm-a/*\"]" \
	"central daemon a: an analyzer given VM a's sessions by pattern"

# --- the VMs ---------------------------------------------------------------------
: >"$tmp/vms"
for v in $vms; do
	mkdir -p "$tmp/vm-$v"
	chmod 755 "$tmp/vm-$v"
	LTTA_IN_NS=1 unshare --mount --uts --propagation private \
		bash "$top_srcdir/tests/utils/fleet-vm.sh" "lta-fleet-vm-$v" \
		"$tmp/vm-$v" "$LTTA_RELAYD_CTRL_PORT" "$LTTA_RELAYD_DATA_PORT" \
		"$LTTA_RELAYD_LIVE_PORT" >"$tmp/vm-$v.log" 2>&1 &
	vm_pid[$v]=$!
done
for v in $vms; do
	lta_env_wait 60 test -s "$tmp/vm-$v/port"
	ok $? "VM $v: its control-only daemon listens"
	echo "$v http://127.0.0.1:$(cat "$tmp/vm-$v/port" 2>/dev/null) $tmp/vm-$v/token" >>"$tmp/vms"
done
vm_trace()
{
	bash "$top_srcdir/contrib/vm-trace.sh" --vms "$tmp/vms" "$@"
}
health=$(vm_trace a health)
is "$(echo "$health" | jq -c '[.mode, .hostname, .session_daemon.reachable, .relay_daemon.live_port]')" \
	"[\"control-only\",\"lta-fleet-vm-a\",true,$LTTA_RELAYD_LIVE_PORT]" \
	"VM a's daemon: control-only, its own host name and session daemon, the central relay daemon"

# A control-only daemon analyzes nothing, and says so.
vm_api()
{
	curl -s -m 20 -X "$2" -H "Authorization: Bearer $(cat "$tmp/vm-$1/token")" \
		-H 'Content-Type: application/json' ${4:+--data-binary "$4"} \
		-w '\n%{http_code}' "http://127.0.0.1:$(cat "$tmp/vm-$1/port")$3"
}
answer=$(vm_api a POST /api/v1/analyses "{\"url\":\"$relay_live/host/x/y\"}")
is "${answer##*$'\n'}/$(echo "${answer%$'\n'*}" | jq -r .error.code)" 409/control_only \
	"VM a: POST /api/v1/analyses answers 409 control_only"
diag "$(echo "${answer%$'\n'*}" | jq -r .error.message)"
answer=$(vm_api a GET /metrics)
is "${answer##*$'\n'}" 409 "VM a: GET /metrics answers 409"
answer=$(vm_api a POST /api/v1/sessions '{"name":"x","ust":{},"analyze":true}')
is "${answer##*$'\n'}/$(echo "${answer%$'\n'*}" | jq -r .error.code)" 409/control_only \
	"VM a: a session with \"analyze\": true answers 409 control_only"
is "$(vm_trace a list | jq '.sessions | length')" 0 "and creates no session"
is "$(find "$tmp/vm-a/data" -name '*.db*' | wc -l)" 0 "VM a's daemon keeps no store"
use a
diag "control-only daemon of VM a: $(cat "$tmp/vm-a/daemon-cost"); central daemon a: $(awk '/^(VmRSS|Threads):/ { printf "%s %s ", $1, $2 }' "/proc/$LTAD_PID/status")"

# --- tracing started on each VM by name ------------------------------------------------
for v in $vms; do
	created_ms[$v]=$(date +%s%3N)
	vm_trace "$v" create "fleet-$v" --live-timer 100000 >"$tmp/create-$v.json"
	ok $? "vm-trace.sh $v create fleet-$v"
	is "$(jq -r .live_url "$tmp/create-$v.json")" "$relay_live/host/lta-fleet-vm-$v/fleet-$v" \
		"VM $v's session goes to the central relay daemon, named by its host"
	vm_trace "$v" start "fleet-$v" >/dev/null
	ok $? "vm-trace.sh $v start fleet-$v"
done

# Two root session daemons, isolated by their private /var/run/lttng and
# /dev/shm: each lists its own session only.
for v in $vms; do
	is "$(vm_trace "$v" list | jq -c '[.sessions[].name]')" "[\"fleet-$v\"]" \
		"VM $v's session daemon has its own session only"
done

# Each central daemon finds its VM's session and goes live on it.
analysis_of()
{
	use "$1"
	lta_api GET /api/v1/analyses |
		jq -r --arg s "$relay_live/host/lta-fleet-vm-$1/fleet-$1" \
			'[.analyses[] | select(.source == $s)] | if length == 1 then .[0].id else empty end'
}
is_live()
{
	local id
	id=$(analysis_of "$1")
	[ -n "$id" ] && [ "$(lta_api GET "/api/v1/analyses/$id" | jq -r .status)" = live ]
}
for v in $vms; do
	lta_env_wait 30 is_live "$v"
	ok $? "central daemon $v analyzes VM $v's session live (found by pattern, $(($(date +%s%3N) - created_ms[$v])) ms after its creation on the VM; listings every 300 ms)"
done

for v in $vms; do
	touch "$tmp/vm-$v/go"
done
for v in $vms; do
	lta_env_wait 120 test -s "$tmp/vm-$v/loaded"
	is "$(cat "$tmp/vm-$v/loaded" 2>/dev/null)" 0 "VM $v: Apache traced under wrk ($(sed -n 's/^testbed: event MPM, //p' "$tmp/vm-$v/testbed.log"))"
done
for v in $vms; do
	vm_trace "$v" stop "fleet-$v" >/dev/null
	ok $? "vm-trace.sh $v stop fleet-$v"
done

# --- every request of each VM, once, named by its host --------------------------------
for v in $vms; do
	log=$tmp/vm-$v/tb/access.log
	logged=$(grep -c '' "$log" 2>/dev/null || echo 0)
	id=$(analysis_of "$v")
	use "$v"
	got=
	end=$(($(date +%s) + 60))
	while [ "$(date +%s)" -lt $end ]; do
		got=$(lta_api GET "/api/v1/analyses/$id/stats" | jq -r .counts.complete)
		[ "$got" = "$logged" ] && break
		sleep 0.3
	done
	ok "$([ "$logged" -gt 100 ] && echo 0 || echo 1)" "VM $v: $logged access-log lines"
	is "$got" "$logged" "central daemon $v: the complete requests count VM $v's access-log lines"
	after=0
	pages=0
	: >"$tmp/ports-$v"
	while [ $pages -lt 1000 ]; do
		body=$(lta_api GET "/api/v1/analyses/$id/requests?limit=1000&after=$after")
		[ "$(lta_status)" = 200 ] || break
		echo "$body" | jq -r '.requests[] | select(.end_reason != "empty") | .port' >>"$tmp/ports-$v"
		next=$(echo "$body" | jq -r .next)
		pages=$((pages + 1))
		[ "$next" = null ] && break
		after=$next
	done
	awk '{print $2}' "$log" | sort -n >"$tmp/logged-ports-$v"
	sort -n "$tmp/ports-$v" >"$tmp/api-ports-$v"
	cmp -s "$tmp/logged-ports-$v" "$tmp/api-ports-$v"
	ok $? "VM $v: the requests are the logged client ports, each as many times ($(wc -l <"$tmp/api-ports-$v") requests)"
	# The full records (the dataset export) carry the traced host.
	curl -s -m 120 -H "Authorization: Bearer $LTAD_TOKEN" \
		"$LTAD_URL/api/v1/analyses/$id/requests.jsonl" >"$tmp/requests-$v.jsonl"
	is "$(jq -r .host "$tmp/requests-$v.jsonl" | sort | uniq -c | awk '{print $2, $1}' | tr '\n' ' ')" \
		"lta-fleet-vm-$v $(grep -c '' "$tmp/requests-$v.jsonl") " \
		"VM $v: every exported request names its host ($(grep -c '' "$tmp/requests-$v.jsonl") records)"
	# The other daemon never analyzed this VM.
	o=$([ "$v" = a ] && echo b || echo a)
	use "$o"
	is "$(lta_api GET /api/v1/analyses | jq --arg h "/host/lta-fleet-vm-$v/" '[.analyses[] | select(.source | contains($h))] | length')" 0 \
		"central daemon $o has no analysis of VM $v"
done
use a
is "$(lta_api GET /api/v1/health | jq -c '.attach[0] | [.attached, (.listings > 0), .last_error]')" \
	'[1,true,null]' "central daemon a: its pattern started one analysis"

for v in $vms; do
	vm_trace "$v" destroy "fleet-$v" >/dev/null
	ok $? "vm-trace.sh $v destroy fleet-$v"
done
# A destroyed session ends its central analysis, and is not attached again.
for v in $vms; do
	id=$(analysis_of "$v")
	use "$v"
	status=$(lta_wait_ended "$id")
	is "$status" ended "central daemon $v: VM $v's session destroyed, its analysis ended"
	# Two more listings of the relay daemon: nothing may be attached.
	listings=$(lta_api GET /api/v1/health | jq .attach[0].listings)
	lta_env_wait 10 bash -c "[ \"\$(curl -s -m 5 $LTAD_URL/api/v1/health | jq .attach[0].listings)\" -ge $((listings + 2)) ]"
	ok $? "central daemon $v: two more listings"
	is "$(lta_api GET /api/v1/health | jq -c '[.attach[0].attached, .attach[0].matched]')" '[1,0]' \
		"central daemon $v: no analysis started again, the session no longer listed"
	touch "$tmp/vm-$v/finish"
done
for v in $vms; do
	lta_env_wait 60 test -s "$tmp/vm-$v/daemon.status"
	is "$(cat "$tmp/vm-$v/daemon.status" 2>/dev/null)" 0 "VM $v: its daemon stops cleanly"
done
for v in $vms; do
	use "$v"
	lta_daemon_stop
	d_pid[$v]=
	is "$LTAD_STOP_STATUS" 0 "central daemon $v stops cleanly (its attach thread too)"
done
done_testing
