#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Traced VMs analyzed by a fleet, through NATS JetStream (doc/fleet-vms.md,
# doc/fleet.md). Two "VMs" as in test-fleet-vms.sh (each a mount and UTS
# namespace of its own, tests/utils/fleet-vm.sh: its control-only
# lttng-analyzerd, its lttng-sessiond, a traced Apache under wrk; host
# names lta-fleet-vm-a and lta-fleet-vm-b) stream to one central
# lttng-relayd. A private nats-server -js (own port, own store folder,
# pid kept) and two central daemons (a and b) that both publish to it
# and are both given every VM's sessions by the same pattern
# (--attach=.../host/lta-fleet-vm-*/*): the session's lease decides which
# one analyzes it. Checks:
# - each VM's session is analyzed by exactly one central daemon, the other
#   showing its analysis "standby" (the lease held by the first's fleet
#   id), with no worker (the workers, which alone open viewers on the
#   relay daemon, are the holders' only), at every sample taken during
#   the load; the standby daemon never starts a second analysis of a
#   session its listings keep finding;
# - every request of each VM arrives in JetStream exactly once: as many
#   request messages (but "empty" ones) as the VM's access log has lines,
#   their client ports (the published records') the logged ones, each as
#   many times; no Nats-Msg-Id twice, no (daemon, analysis, request id)
#   twice, no stored request missing from the stream and none in the
#   stream that no daemon stored; all of a session's requests published by
#   its holder's analysis;
# - each message names its VM's host: subject lta.HOST.SESSION.KIND, its
#   "host" field, and the record's "host";
# - the holder of VM a's session stopped (SIGTERM, clean), the other
#   daemon takes its sessions over (live, a worker each), nothing is
#   published twice; started again, the stopped daemon's earlier analyses
#   are stopped or interrupted (none failed: its workers are not killed
#   with the threads that started them) and its pattern gives it a new
#   standby analysis of each session;
# - a session destroyed on its VM ends its holder's analysis; the standby
#   analysis then ends too without publishing a request, and no analysis
#   is started again; every daemon stops cleanly.
. "$(dirname "$0")/../utils/test-lib.sh"
. "$top_srcdir/tests/utils/lttng-env.sh"
. "$top_srcdir/tests/utils/daemon-env.sh"
. "$top_srcdir/tests/utils/fleet-env.sh"
reason=$(lta_env_skip_reason)
[ -z "$reason" ] || skip_all "$reason"
unshare --mount --uts --propagation private true 2>/dev/null ||
	skip_all "unshare --uts is not permitted here"
for b in nats-server apache2 wrk curl jq; do
	command -v "$b" >/dev/null 2>&1 || skip_all "$b is not installed"
done
[ -x "$LTAD" ] || skip_all "lttng-analyzerd is not built"
lta_env_enter "$0" "$@"

tmp=$(mktemp -d)
chmod 755 "$tmp"
vms="a b"
daemons="a b"
declare -A vm_pid=() holder=() standby=() hid=() sid=()
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
	lta_fleet_stop_all
	lta_nats_stop
	lta_env_cleanup
	[ -n "${LTA_KEEP_TMP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT
check=$top_srcdir/tests/utils/fleet-check.py

lta_nats_start "$tmp/nats" || skip_all "nats-server does not start here"
ok 0 "nats-server -js on port $NATS_PORT (pid $NATS_PID)"
lta_env_start_relayd || skip_all "lttng-relayd does not start here"
relay_live=net://127.0.0.1:$LTTA_RELAYD_LIVE_PORT
pattern="$relay_live/host/lta-fleet-vm-*/*"

# --- the central daemons: both given every VM's sessions -------------------------
declare -A fleet_id=()
for d in $daemons; do
	lta_fleet_daemon "$d" "$tmp/central-$d" --lease-ms=3000 \
		--publish-records --attach-interval-ms=300 "--attach=$pattern" ||
		skip_all "the daemon does not start here"
	fleet_id[$d]=$(cat "$tmp/central-$d/data/fleet-id" 2>/dev/null)
done
for d in $daemons; do
	lta_on "$d"
	is "$(lta_api GET /api/v1/health | jq -c '[.mode, .attach[0].pattern]')" \
		"[\"analyzer\",\"$pattern\"]" \
		"central daemon $d: an analyzer in the fleet given every VM's sessions by pattern (fleet id ${fleet_id[$d]})"
done

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
for v in $vms; do
	vm_trace "$v" create "fleet-$v" --live-timer 100000 >"$tmp/create-$v.json"
	ok $? "vm-trace.sh $v create fleet-$v"
	is "$(jq -r .live_url "$tmp/create-$v.json")" "$relay_live/host/lta-fleet-vm-$v/fleet-$v" \
		"VM $v's session goes to the central relay daemon, named by its host"
	vm_trace "$v" start "fleet-$v" >/dev/null
	ok $? "vm-trace.sh $v start fleet-$v"
done

# --- one holder per session, the other daemon standby ---------------------------
# states V: "DAEMON ID STATUS WORKER_PID" of each daemon's analyses of
# VM V's session, one a line.
states()
{
	local d
	for d in $daemons; do
		lta_on "$d"
		lta_api GET /api/v1/analyses |
			jq -r --arg s "$relay_live/host/lta-fleet-vm-$1/fleet-$1" \
				'.analyses[] | select(.source == $s) | .id' |
			while read -r id; do
				lta_api GET "/api/v1/analyses/$id" |
					jq -r --arg d "$d" '"\($d) \(.id) \(.status) \(.worker_pid // 0)"'
			done
	done
}
# settled V: one analysis of VM V's session live, one standby (but those
# a daemon's stop ended); keeps them in holder/hid and standby/sid.
settled()
{
	local s
	s=$(states "$1" | grep -vE " (interrupted|stopped) ")
	[ "$(echo "$s" | grep -c ' live ')" = 1 ] &&
		[ "$(echo "$s" | grep -c ' standby ')" = 1 ] &&
		[ "$(echo "$s" | grep -c '')" = 2 ] || return 1
	read -r holder[$1] hid[$1] _ <<<"$(echo "$s" | grep ' live ')"
	read -r standby[$1] sid[$1] _ <<<"$(echo "$s" | grep ' standby ')"
}
for v in $vms; do
	end=$(($(date +%s) + 30))
	until settled "$v"; do
		[ "$(date +%s)" -lt $end ] || break
		sleep 0.2
	done
	ok "$([ -n "${holder[$v]:-}" ] && echo 0 || echo 1)" \
		"VM $v's session: daemon ${holder[$v]:-?} analyzes it live (analysis ${hid[$v]:-?}), daemon ${standby[$v]:-?}'s analysis ${sid[$v]:-?} is standby"
	[ -n "${holder[$v]:-}" ] || states "$v" | sed 's/^/# /'
done
for v in $vms; do
	[ -n "${holder[$v]:-}" ] || continue
	lta_on "${standby[$v]}"
	is "$(lta_api GET "/api/v1/analyses/${sid[$v]}" | jq -r .reason)" \
		"the session's lease is held by daemon ${fleet_id[${holder[$v]}]}" \
		"VM $v: the standby analysis names the holder's fleet id"
done

# workers D: the pids of daemon D's worker processes: its children
# (with --no-relayd and without --start-sessiond it starts no other).
workers()
{
	ps -o pid= --ppid "$(eval echo "\$PID_$1")" 2>/dev/null | tr -d ' ' | sort -n | tr '\n' ' '
}
# sample: one line per VM "vm V STATES..." and one per daemon "daemon D
# WORKER_PIDS : the worker pids of its live analyses".
sample()
{
	local v d
	for v in $vms; do
		echo "vm $v $(states "$v" | tr '\n' ' ')"
	done
	for d in $daemons; do
		echo "daemon $d $(workers "$d"): $(for v in $vms; do states "$v"; done |
			awk -v d="$d" '$1 == d && $3 == "live" { print $4 }' | sort -n | tr '\n' ' ')"
	done
}

for v in $vms; do
	touch "$tmp/vm-$v/go"
done
# While the VMs are under load: samples, 0.2 s apart.
: >"$tmp/samples"
n=0
end=$(($(date +%s) + 120))
while [ $n -lt 240 ] && [ "$(date +%s)" -lt $end ]; do
	[ -s "$tmp/vm-a/loaded" ] && [ -s "$tmp/vm-b/loaded" ] && break
	echo "--- sample $n" >>"$tmp/samples"
	sample >>"$tmp/samples"
	n=$((n + 1))
	sleep 0.2
done
ok "$([ $n -ge 3 ] && echo 0 || echo 1)" "$n samples of the analyses taken under load"
for v in $vms; do
	lta_env_wait 60 test -s "$tmp/vm-$v/loaded"
	is "$(cat "$tmp/vm-$v/loaded" 2>/dev/null)" 0 "VM $v: Apache traced under wrk ($(sed -n 's/^testbed: event MPM, //p' "$tmp/vm-$v/testbed.log"))"
done
for v in $vms; do
	[ -n "${holder[$v]:-}" ] || continue
	bad=$(awk -v v="$v" -v want="${holder[$v]} ${hid[$v]} live ${standby[$v]} ${sid[$v]} standby 0" '
		$1 == "vm" && $2 == v {
			# "vm V D ID STATUS PID D ID STATUS PID", in daemon order.
			got = ($5 == "live") ? $3 " " $4 " " $5 " " $7 " " $8 " " $9 " " $10 \
					     : $7 " " $8 " " $9 " " $3 " " $4 " " $5 " " $6
			if (NF != 10 || got != want) { bad++; print > "/dev/stderr" }
		}
		END { print bad + 0 }' "$tmp/samples" 2>"$tmp/bad-samples-$v")
	is "$bad" 0 "VM $v: at each of $n samples under load, daemon ${holder[$v]} analyzes the session live, daemon ${standby[$v]} standby without worker, no other analysis of it"
	[ "$bad" = 0 ] || head -5 "$tmp/bad-samples-$v" | sed 's/^/#   /'
done
for d in $daemons; do
	bad=$(awk -v d="$d" '$1 == "daemon" && $2 == d {
			split($0, half, ":"); sub("^daemon " d " ", "", half[1])
			gsub(/ +$/, "", half[1]); gsub(/^ +| +$/, "", half[2])
			if (half[1] != half[2]) bad++
		} END { print bad + 0 }' "$tmp/samples")
	is "$bad" 0 "daemon $d: at each sample, its worker processes are those of the sessions it holds (none for a standby one: no viewer)"
done
for v in $vms; do
	vm_trace "$v" stop "fleet-$v" >/dev/null
	ok $? "vm-trace.sh $v stop fleet-$v"
done

# --- every request of each VM arrives in JetStream once, named by its host ------
# complete V: the complete requests of every analysis of VM V's session
# (the holder's only, when the lease works).
complete()
{
	local d id st pid n=0 c
	while read -r d id st pid; do
		lta_on "$d"
		c=$(lta_api GET "/api/v1/analyses/$id/stats" | jq -r .counts.complete)
		n=$((n + ${c:-0}))
	done < <(states "$1")
	echo $n
}
for v in $vms; do
	logged=$(grep -c '' "$tmp/vm-$v/tb/access.log" 2>/dev/null || echo 0)
	got=
	end=$(($(date +%s) + 60))
	while [ "$(date +%s)" -lt $end ]; do
		got=$(complete "$v")
		[ "$got" -ge "$logged" ] && break
		sleep 0.3
	done
	ok "$([ "$logged" -gt 100 ] && echo 0 || echo 1)" "VM $v: $logged access-log lines"
	is "$got" "$logged" "the complete requests of VM $v's session count its access-log lines"
done
# Everything stored is published: every analysis of both daemons at lag 0.
end=$(($(date +%s) + 120))
while :; do
	lag=0
	for d in $daemons; do
		[ -n "$(eval echo "\$PID_$d")" ] || continue
		lta_on "$d"
		for id in $(lta_api GET /api/v1/analyses | jq -r '.analyses[].id'); do
			l=$(lta_api GET "/api/v1/analyses/$id" | jq -r '.publish.lag_events')
			lag=$((lag + ${l:-1}))
		done
	done
	[ "$lag" = 0 ] && break
	[ "$(date +%s)" -lt "$end" ] || break
	sleep 0.5
done
is "$lag" 0 "both daemons published everything they stored (lag 0)"

# What the daemons stored: every request id (for fleet-check.py once).
# A stopped daemon's requests are those read before it stopped.
stored()
{
	local d id after pages body next
	for d in $daemons; do
		[ -n "$(eval echo "\$PID_$d")" ] || continue
		: >"$tmp/stored-$d"
		lta_on "$d"
		for id in $(lta_api GET /api/v1/analyses | jq -r '.analyses[].id'); do
			after=0 pages=0
			while [ $pages -lt 1000 ]; do
				body=$(lta_api GET "/api/v1/analyses/$id/requests?limit=1000&after=$after")
				echo "$body" | jq -r --arg d "$d" --arg a "$id" '.requests[] | "\($d) \($a) \(.id)"' >>"$tmp/stored-$d"
				next=$(echo "$body" | jq -r .next)
				pages=$((pages + 1))
				[ "$next" = null ] && break
				after=$next
			done
		done
	done
	cat "$tmp"/stored-* >"$1"
}
# once FILE: fleet-check.py once on the stream and what the daemons stored.
declare -A once=()
check_once()
{
	local k v
	stored "$tmp/stored"
	lta_fleet_messages "$tmp/messages"
	ok $? "lttng-analyzer fleet --messages reads the stream ($(grep -c '' "$tmp/messages") messages) $1"
	$PYTHON "$check" once "$tmp/messages" "$tmp/stored" >"$tmp/once"
	once=()
	while read -r k v; do once[$k]=$v; done <"$tmp/once"
	diag "exactly once $1: $(tr '\n' ' ' <"$tmp/once")"
	is "${once[requests]}" "$(grep -c '' "$tmp/stored")" "as many request messages as stored requests $1"
	is "${once[missing]}" 0 "no stored request is missing from the stream $1"
	is "${once[unknown]}" 0 "no request message that no daemon stored $1"
	is "${once[request_dups]}" 0 "no (daemon, analysis, request id) twice $1"
	is "${once[msg_id_dups]}" 0 "no Nats-Msg-Id twice $1"
	is "${once[ids_bad]}" 0 "every Nats-Msg-Id is FLEET_ID-SEQ of its message $1"
}
check_once "(sessions stopped)"

for v in $vms; do
	host=lta-fleet-vm-$v
	jq -c --arg h "$host" 'select(.kind == "request" and (.host == $h or .session == "fleet-'"$v"'"))' \
		"$tmp/messages" >"$tmp/messages-$v"
	# Named by its host: the subject, the field, the record.
	is "$(jq -r '[.subject, .host, .session, .record.host // "-"] | join(" ")' "$tmp/messages-$v" | sort | uniq -c | awk '{$1 = ""; print substr($0, 2)}')" \
		"lta.$host.fleet-$v.request $host fleet-$v $host" \
		"VM $v: every request message names its host (subject, host field, record; $(grep -c '' "$tmp/messages-$v") messages)"
	is "$(jq -r '"\(.daemon) \(.fleet_id) \(.analysis)"' "$tmp/messages-$v" | sort -u)" \
		"${holder[$v]:-?} ${fleet_id[${holder[$v]:-?}]:-?} ${hid[$v]:-?}" \
		"VM $v: all its requests were published by daemon ${holder[$v]:-?}'s analysis ${hid[$v]:-?}"
	# Every logged request once: the published records' client ports.
	jq -r 'select(.data.end_reason != "empty") | (.record.peer.port // .record.port)' \
		"$tmp/messages-$v" | sort -n >"$tmp/js-ports-$v"
	awk '{print $2}' "$tmp/vm-$v/tb/access.log" | sort -n >"$tmp/logged-ports-$v"
	is "$(grep -c '' "$tmp/js-ports-$v")" "$(grep -c '' "$tmp/logged-ports-$v")" \
		"VM $v: as many request messages (but empty ones) as access-log lines"
	cmp -s "$tmp/logged-ports-$v" "$tmp/js-ports-$v"
	same=$?
	ok $same "VM $v: the request messages are the logged client ports, each as many times"
	[ $same = 0 ] || diff "$tmp/logged-ports-$v" "$tmp/js-ports-$v" | head -5 | sed 's/^/#   /'
done
is "$(jq -r 'select(.kind == "request") | .host' "$tmp/messages" | sort -u | tr '\n' ' ')" \
	"lta-fleet-vm-a lta-fleet-vm-b " "the request messages name the two VMs' hosts, and no other"

# --- a holder stops: the other daemon takes its sessions over -----------------
# Daemon G, holder of VM a's session, stops (SIGTERM): its worker ends and
# its lease goes; the other daemon's standby analysis takes the lease
# and goes live (its worker the session's only viewer). No request
# is sent meanwhile: nothing may be published twice.
declare -A first_holder=() first_hid=()
for v in $vms; do
	first_holder[$v]=${holder[$v]:-}
	first_hid[$v]=${hid[$v]:-}
done
gone=${holder[a]:-a}
survivor=$([ "$gone" = a ] && echo b || echo a)
stopped_ms=$(date +%s%3N)
lta_fleet_stop "$gone"
is "$LTAD_STOP_STATUS" 0 "holder $gone of VM a's session stops cleanly (SIGTERM)"
for v in $vms; do
	[ -n "${holder[$v]:-}" ] || continue
	if [ "${holder[$v]}" = "$gone" ]; then
		id=${sid[$v]}
	else
		id=${hid[$v]}
	fi
	lta_on "$survivor"
	st=
	end=$(($(date +%s) + 15))
	while [ "$(date +%s)" -lt $end ]; do
		st=$(lta_api GET "/api/v1/analyses/$id" | jq -r '"\(.status) \(.worker_pid // 0)"')
		case $st in "live "[1-9]*) break ;; esac
		sleep 0.1
	done
	if [ "${holder[$v]}" = "$gone" ]; then
		ok "$(case $st in "live "[1-9]*) echo 0 ;; *) echo 1 ;; esac)" \
			"VM $v: daemon $survivor's standby analysis $id took the session over: live with a worker $(($(date +%s%3N) - stopped_ms)) ms after daemon $gone was told to stop (lease 3000 ms)"
	else
		ok "$(case $st in "live "[1-9]*) echo 0 ;; *) echo 1 ;; esac)" \
			"VM $v: daemon $survivor's analysis $id goes on live (it held the session)"
	fi
	holder[$v]=$survivor
	hid[$v]=$id
done
is "$(workers "$survivor" | wc -w)" 2 "daemon $survivor: a worker per session"
# Both holders' requests published, none twice.
end=$(($(date +%s) + 60))
while :; do
	lag=0
	for d in $survivor; do
		lta_on "$d"
		for id in $(lta_api GET /api/v1/analyses | jq -r '.analyses[].id'); do
			l=$(lta_api GET "/api/v1/analyses/$id" | jq -r '.publish.lag_events')
			lag=$((lag + ${l:-1}))
		done
	done
	[ "$lag" = 0 ] && break
	[ "$(date +%s)" -lt "$end" ] || break
	sleep 0.5
done
is "$lag" 0 "daemon $survivor published everything it stored (lag 0)"
check_once "(after the takeover)"

# Daemon G started again (same store, same fleet id): its earlier
# analyses ended with its stop (stopped: its workers were told to stop,
# whichever thread started them; interrupted: standby); its pattern
# finds both sessions again, held by the other daemon: one new analysis
# of each, standby.
lta_fleet_daemon "$gone" "$tmp/central-$gone" --lease-ms=3000 \
	--publish-records --attach-interval-ms=300 "--attach=$pattern"
ok $? "daemon $gone started again"
for v in $vms; do
	standby[$v]=
	sid[$v]=
	end=$(($(date +%s) + 20))
	until settled "$v"; do
		[ "$(date +%s)" -lt $end ] || break
		sleep 0.2
	done
	is "${holder[$v]}/${hid[$v]}/${standby[$v]:-?}" "$survivor/${hid[$v]}/$gone" \
		"VM $v: daemon $survivor still analyzes it, daemon $gone's new analysis ${sid[$v]:-?} is standby"
	[ -n "${standby[$v]}" ] || states "$v" | sed 's/^/#   /'
done
lta_on "$gone"
is "$(lta_api GET /api/v1/analyses | jq -c '[.analyses[] | select(.id <= 2) | .status] | sort | unique - ["interrupted", "stopped"]')" '[]' \
	"daemon $gone: its two analyses from before its stop are stopped (live) or interrupted (standby), none failed ($(lta_api GET /api/v1/analyses | jq -r '[.analyses[] | select(.id <= 2) | "\(.status): \(.reason)"] | join("; ")'))"
is "$(workers "$gone" | wc -w)" 0 "daemon $gone: no worker (no viewer) for its standby analyses"

# --- sessions destroyed: the holders end, the standby analyses too -----------
for v in $vms; do
	vm_trace "$v" destroy "fleet-$v" >/dev/null
	ok $? "vm-trace.sh $v destroy fleet-$v"
done
for v in $vms; do
	[ -n "${holder[$v]:-}" ] || continue
	lta_on "${holder[$v]}"
	st=$(lta_wait_ended "${hid[$v]}")
	is "$st" ended "VM $v's session destroyed: daemon ${holder[$v]}'s analysis ${hid[$v]} ended"
	lta_on "${standby[$v]}"
	st=$(lta_wait_ended "${sid[$v]}")
	ok "$(case $st in ended | failed) echo 0 ;; *) echo 1 ;; esac)" \
		"and daemon ${standby[$v]}'s standby analysis ${sid[$v]} is over too ($st: $(lta_api GET "/api/v1/analyses/${sid[$v]}" | jq -r .reason))"
done
# Two more listings of the relay daemon: nothing may be attached again.
for d in $daemons; do
	lta_on "$d"
	listings=$(lta_api GET /api/v1/health | jq .attach[0].listings)
	lta_env_wait 10 bash -c "[ \"\$(curl -s -m 5 $LTAD_URL/api/v1/health | jq .attach[0].listings)\" -ge $((listings + 2)) ]"
	ok $? "central daemon $d: two more listings"
	is "$(lta_api GET /api/v1/health | jq -c '[.attach[0].attached, .attach[0].matched]')" '[2,0]' \
		"central daemon $d: one analysis started per session (holding or standby), none again, nothing listed"
	is "$(lta_api GET /api/v1/analyses | jq '[.analyses[] | select(.status != "interrupted" and .status != "stopped")] | length')" 2 \
		"central daemon $d: two analyses (but those its stop ended)"
done
# Nothing published twice by the takeovers of destroyed sessions.
end=$(($(date +%s) + 60))
while :; do
	lag=0
	for d in $daemons; do
		[ -n "$(eval echo "\$PID_$d")" ] || continue
		lta_on "$d"
		for id in $(lta_api GET /api/v1/analyses | jq -r '.analyses[].id'); do
			l=$(lta_api GET "/api/v1/analyses/$id" | jq -r '.publish.lag_events')
			lag=$((lag + ${l:-1}))
		done
	done
	[ "$lag" = 0 ] && break
	[ "$(date +%s)" -lt "$end" ] || break
	sleep 0.5
done
check_once "(sessions destroyed)"
for v in $vms; do
	[ -n "${holder[$v]:-}" ] || continue
	is "$(jq -r --arg h "lta-fleet-vm-$v" 'select(.kind == "request" and .host == $h) | "\(.daemon) \(.analysis)"' "$tmp/messages" | sort -u)" \
		"${first_holder[$v]} ${first_hid[$v]}" \
		"VM $v: still only its first holder's analysis published its requests (none by the takeovers)"
done

for v in $vms; do
	touch "$tmp/vm-$v/finish"
done
for v in $vms; do
	lta_env_wait 60 test -s "$tmp/vm-$v/daemon.status"
	is "$(cat "$tmp/vm-$v/daemon.status" 2>/dev/null)" 0 "VM $v: its daemon stops cleanly"
done
for d in $daemons; do
	lta_fleet_stop "$d"
	is "$LTAD_STOP_STATUS" 0 "central daemon $d stops cleanly (its attach, lease and publisher threads too)"
done
lta_nats_stop
done_testing
