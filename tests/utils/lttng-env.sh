# SPDX-License-Identifier: GPL-2.0-only
# Private LTTng daemons for tests and benchmarks. Source this file.
#
#   . tests/utils/lttng-env.sh
#   lta_env_enter "$0" "$@"       # re-exec inside a private mount namespace
#   lta_env_start_sessiond        # LTTA_SESSIOND_PID
#   lta_env_start_relayd          # LTTA_RELAYD_PID, LTTA_RELAYD_{CTRL,DATA,LIVE}_PORT
#   ...
#   (a trap installed by lta_env_enter stops exactly the daemons started here)
#
# As root, lttng-sessiond always uses /var/run/lttng and /dev/shm whatever
# LTTNG_HOME says, so the script runs itself again under
# `unshare --mount` with private tmpfs mounts on both: the machine's own
# session daemon (if any) is neither seen nor disturbed, and every program the
# test traces must run inside the same namespace (children of this script).
#
# lta_env_skip_reason prints why the environment cannot work here (empty when
# it can): tests turn it into a TAP "1..0 # SKIP".

lta_env_skip_reason()
{
	for b in lttng lttng-sessiond lttng-relayd unshare; do
		command -v "$b" >/dev/null 2>&1 || {
			echo "$b is not installed"
			return 0
		}
	done
	if [ "$(id -u)" -ne 0 ]; then
		echo "private lttng-sessiond needs root for unshare --mount"
		return 0
	fi
	if ! unshare --mount --propagation private true 2>/dev/null; then
		echo "unshare --mount is not permitted here"
		return 0
	fi
	echo ""
}

# lta_env_enter SCRIPT ARGS...: when not yet inside the private namespace,
# re-executes SCRIPT under unshare and exits with its status.
lta_env_enter()
{
	if [ -z "${LTTA_IN_NS:-}" ]; then
		LTTA_IN_NS=1 exec unshare --mount --propagation private \
			/bin/bash "$@"
	fi
	# Not inherited: a script this one runs enters a namespace of its own.
	unset LTTA_IN_NS
	mount -t tmpfs -o size=2g lta-run /var/run/lttng 2>/dev/null ||
		{ mkdir -p /var/run/lttng && mount -t tmpfs lta-run /var/run/lttng; }
	mount -t tmpfs -o size=4g lta-shm /dev/shm
	LTTA_HOME=$(mktemp -d "${TMPDIR:-/tmp}/lta-lttng.XXXXXX")
	export LTTNG_HOME="$LTTA_HOME"
	export HOME="$LTTA_HOME"
	LTTA_PIDS=""
	LTTA_NS=$(readlink /proc/$$/ns/mnt)
	trap lta_env_cleanup EXIT
	trap 'exit 130' INT TERM
}

# lta_env_namespace_left: the pids still in this namespace, but for this
# shell and the command substitution that runs the ps below: what the daemons this script
# started left behind (lttng-sessiond's consumer daemons exit after it).
lta_env_namespace_left()
{
	[ -n "${LTTA_NS:-}" ] || return 0
	ps -e -o pid=,ppid=,mntns= 2>/dev/null |
		awk -v ns="${LTTA_NS//[!0-9]/}" -v me=$$ -v subsh="$BASHPID" \
			'$3 == ns && $1 != me && $1 != subsh && $2 != subsh { print $1 }'
}

lta_env_cleanup()
{
	# Runs from an EXIT trap, maybe under set -e: nothing here may fail
	# (a daemon that already exited makes kill return 1).
	local pid n
	for pid in $LTTA_PIDS; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in $LTTA_PIDS; do
		n=0
		while kill -0 "$pid" 2>/dev/null && [ $n -lt 100 ]; do
			sleep 0.1
			n=$((n + 1))
		done
		kill -KILL "$pid" 2>/dev/null || true
	done
	# Everything this script started, transitively, is gone before it
	# returns: bounded wait (5 s), then SIGKILL. Only processes of this
	# private namespace: nothing of anyone else's.
	n=0
	while [ -n "$(lta_env_namespace_left)" ] && [ $n -lt 50 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	for pid in $(lta_env_namespace_left); do
		kill -KILL "$pid" 2>/dev/null || true
	done
	if [ -n "${LTTA_HOME:-}" ] && [ -z "${LTTA_KEEP_HOME:-}" ]; then
		rm -rf "$LTTA_HOME" || true
	fi
	return 0
}

# lta_env_wait SECONDS COMMAND...: polls COMMAND until it succeeds, or fails
# after SECONDS.
lta_env_wait()
{
	local deadline=$(($(date +%s) + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -lt "$deadline" ] || return 1
		sleep 0.1
	done
}

lta_env_start_sessiond()
{
	lttng-sessiond --no-kernel >"$LTTA_HOME/sessiond.log" 2>&1 &
	LTTA_SESSIOND_PID=$!
	LTTA_PIDS="$LTTA_PIDS $LTTA_SESSIOND_PID"
	lta_env_wait 20 lttng list || {
		echo "lttng-sessiond did not become ready" >&2
		cat "$LTTA_HOME/sessiond.log" >&2
		return 1
	}
}

lta_env_port_free()
{
	! grep -qi ":$(printf '%04X' "$1") " /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

lta_env_pick_port()
{
	local p
	while :; do
		p=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
		lta_env_port_free "$p" && { echo "$p"; return; }
	done
}

lta_env_port_listening()
{
	grep -qi ":$(printf '%04X' "$1") 00000000:0000 0A" /proc/net/tcp 2>/dev/null
}

lta_env_start_relayd()
{
	LTTA_RELAYD_CTRL_PORT=$(lta_env_pick_port)
	LTTA_RELAYD_DATA_PORT=$(lta_env_pick_port)
	LTTA_RELAYD_LIVE_PORT=$(lta_env_pick_port)
	lttng-relayd -o "$LTTA_HOME/relayd-traces" \
		-C "tcp://127.0.0.1:$LTTA_RELAYD_CTRL_PORT" \
		-D "tcp://127.0.0.1:$LTTA_RELAYD_DATA_PORT" \
		-L "tcp://127.0.0.1:$LTTA_RELAYD_LIVE_PORT" \
		>"$LTTA_HOME/relayd.log" 2>&1 &
	LTTA_RELAYD_PID=$!
	LTTA_PIDS="$LTTA_PIDS $LTTA_RELAYD_PID"
	lta_env_wait 20 lta_env_port_listening "$LTTA_RELAYD_LIVE_PORT" || {
		echo "lttng-relayd did not start listening" >&2
		cat "$LTTA_HOME/relayd.log" >&2
		return 1
	}
	export LTTA_RELAYD_CTRL_PORT LTTA_RELAYD_DATA_PORT LTTA_RELAYD_LIVE_PORT
}

# lta_env_stop_pid PID: stops one daemon started here and forgets it.
lta_env_stop_pid()
{
	local n=0
	kill -TERM "$1" 2>/dev/null
	while kill -0 "$1" 2>/dev/null && [ $n -lt 100 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	kill -KILL "$1" 2>/dev/null
	LTTA_PIDS=$(echo "$LTTA_PIDS" | tr ' ' '\n' | grep -vx "$1" | tr '\n' ' ')
}
