# SPDX-License-Identifier: GPL-2.0-only
# A private nats-server (JetStream) and several lttng-analyzerd daemons for
# the fleet tests. Source after test-lib.sh, lttng-env.sh and
# daemon-env.sh.
#
#   lta_nats_start DIR          # NATS_PID, NATS_PORT, NATS_URL; store DIR/js
#   lta_nats_kill               # SIGKILL, by its pid
#   lta_nats_start DIR          # again: same port, same store
#   lta_nats_stop               # SIGTERM, bounded wait, then SIGKILL
#   lta_fleet_daemon NAME DIR OPTIONS...   # a daemon; its pid in PID_<NAME>
#   lta_on NAME                 # lta_api talks to that daemon from now on
#   lta_fleet_stop_all          # SIGTERM every daemon started here
#   lta_fleet_stop_analysis ID  # stop it if it runs (never deletes)
#
# nats-server listens on 127.0.0.1 only, on a free port (kept across
# restarts), with its store under DIR; every process is stopped by the
# pid this file kept.

lta_nats_start()
{
	local dir=$1 n=0
	mkdir -p "$dir/js"
	if [ -z "${NATS_PORT:-}" ]; then
		NATS_PORT=$(lta_env_pick_port)
	fi
	nats-server -js -a 127.0.0.1 -p "$NATS_PORT" -sd "$dir/js" \
		>>"$dir/nats.log" 2>&1 &
	NATS_PID=$!
	NATS_DIR=$dir
	NATS_URL="nats://127.0.0.1:$NATS_PORT"
	until lta_env_port_listening "$NATS_PORT"; do
		kill -0 "$NATS_PID" 2>/dev/null || return 1
		[ $n -lt 200 ] || return 1
		sleep 0.05
		n=$((n + 1))
	done
	export NATS_PID NATS_PORT NATS_URL
}

lta_nats_kill()
{
	[ -n "${NATS_PID:-}" ] || return 0
	kill -KILL "$NATS_PID" 2>/dev/null
	wait "$NATS_PID" 2>/dev/null
	NATS_PID=
}

lta_nats_stop()
{
	local n=0
	[ -n "${NATS_PID:-}" ] || return 0
	kill -TERM "$NATS_PID" 2>/dev/null
	while kill -0 "$NATS_PID" 2>/dev/null && [ $n -lt 100 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	kill -KILL "$NATS_PID" 2>/dev/null
	wait "$NATS_PID" 2>/dev/null
	NATS_PID=
}

LTA_FLEET_DAEMONS=

# lta_fleet_daemon NAME DIR OPTIONS...: starts a daemon named NAME in the
# fleet (--nats-url, --fleet-name=NAME), without a relay daemon of its
# own; keeps PID_NAME, URL_NAME and DIR_NAME.
lta_fleet_daemon()
{
	local name=$1 dir=$2
	shift 2
	lta_daemon_start "$dir" --no-relayd --nats-url="$NATS_URL" \
		--fleet-name="$name" "$@" || return 1
	eval "PID_$name=$LTAD_PID URL_$name=$LTAD_URL DIR_$name=$LTAD_DIR"
	LTA_FLEET_DAEMONS="$LTA_FLEET_DAEMONS $name"
}

# lta_on NAME: lta_api and lta_status talk to daemon NAME.
lta_on()
{
	eval "LTAD_PID=\$PID_$1 LTAD_URL=\$URL_$1 LTAD_DIR=\$DIR_$1"
}

# lta_fleet_stop NAME: SIGTERM (bounded wait, then SIGKILL) daemon NAME.
lta_fleet_stop()
{
	lta_on "$1"
	lta_daemon_stop
	eval "PID_$1="
}

lta_fleet_stop_all()
{
	local name
	for name in $LTA_FLEET_DAEMONS; do
		eval "[ -n \"\$PID_$name\" ]" && lta_fleet_stop "$name"
	done
	return 0
}

# lta_fleet_stop_analysis ID: stops analysis ID of the daemon lta_on
# chose when it still runs or waits (standby), and waits until it no longer
# runs; prints its final status. Never deletes: a DELETE of an analysis
# that already ended would remove it and all it stored.
lta_fleet_stop_analysis()
{
	local st
	st=$(lta_api GET "/api/v1/analyses/$1" | jq -r .status)
	case $st in
	connecting | live | disconnected | standby | reading | paused | starting)
		lta_api DELETE "/api/v1/analyses/$1" >/dev/null
		st=$(lta_wait_ended "$1")
		;;
	esac
	echo "$st"
}

# lta_fleet_messages FILE: every message of the stream, as JSON lines.
lta_fleet_messages()
{
	"$LTA_CLI" fleet --nats-url="$NATS_URL" --messages >"$1"
}
