#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# One traced "VM" for tests/integration/test-fleet-vms.sh: run as
#
#   LTTA_IN_NS=1 unshare --mount --uts --propagation private \
#       bash tests/utils/fleet-vm.sh HOSTNAME DIR RELAY_CTRL RELAY_DATA RELAY_LIVE
#
# In its own mount namespace (private /var/run/lttng and /dev/shm:
# lttng-env.sh; as root, lttng-sessiond ignores LTTNG_HOME for its
# sockets, so a private /var/run/lttng is what keeps two apart) and UTS namespace (its own host name, which the relay
# daemon names its sessions by), it starts a control-only lttng-analyzerd
# that starts its own lttng-sessiond and sends the sessions it creates to
# the central relay daemon at 127.0.0.1. Then, step by step, told through
# files in DIR by the test (each wait bounded):
#   DIR/port        written: the daemon's port (its token: DIR/token;
#                   its RSS and threads: DIR/daemon-cost)
#   DIR/go          awaited: the session exists and is analyzed centrally;
#                   runs Apache under the user-space tracer with wrk
#                   (contrib/testbed/run.sh --trace external) into DIR/tb
#   DIR/loaded      written: the testbed's exit status
#   DIR/finish      awaited: the test is done with this VM
# Everything it started is stopped by pid (the daemon, which stops its
# session daemon), then whatever is left in its namespace (lttng-env.sh).
set -u
name=$1
dir=$2
relay_ctrl=$3
relay_data=$4
relay_live=$5
top_srcdir=${top_srcdir:?}
top_builddir=${top_builddir:?}
. "$top_srcdir/tests/utils/lttng-env.sh"
lta_env_enter "$0" "$@"
hostname "$name" || exit 1

ltad=$top_builddir/src/lttng-analyzerd/lttng-analyzerd
daemon_pid=

stop_daemon()
{
	local n=0
	[ -n "$daemon_pid" ] || return 0
	kill -TERM "$daemon_pid" 2>/dev/null
	while kill -0 "$daemon_pid" 2>/dev/null && [ $n -lt 300 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	kill -KILL "$daemon_pid" 2>/dev/null
	wait "$daemon_pid" 2>/dev/null
	echo $? >"$dir/daemon.status"
	daemon_pid=
}
trap 'stop_daemon; lta_env_cleanup' EXIT

# wait_file SECONDS FILE: polls until FILE exists.
wait_file()
{
	lta_env_wait "$1" test -e "$2"
}

(umask 077 && head -c 24 /dev/urandom | base64 | tr -d '/+=' >"$dir/token")
"$ltad" --control-only --start-sessiond \
	--relayd-url="net://127.0.0.1:$relay_ctrl:$relay_data" \
	--relayd-live-port="$relay_live" \
	--data-dir="$dir/data" --port=0 --port-file="$dir/port.tmp" \
	--token-file="$dir/token" --log-level=info >"$dir/daemon.log" 2>&1 &
daemon_pid=$!
wait_file 30 "$dir/port.tmp" || {
	echo "fleet-vm $name: the daemon did not start" >&2
	exit 1
}
# What the control-only daemon costs the VM: its resident memory and
# threads, for the test to print.
awk '/^(VmRSS|Threads):/ { printf "%s %s ", $1, $2 } END { print "" }' \
	"/proc/$daemon_pid/status" >"$dir/daemon-cost"
mv "$dir/port.tmp" "$dir/port"

wait_file 120 "$dir/go" || {
	echo "fleet-vm $name: no go" >&2
	exit 1
}
bash "$top_srcdir/contrib/testbed/run.sh" --trace external --mpm event \
	--keepalive on --duration 3 --connections 4 --threads 2 --rate 150 \
	--out "$dir/tb" >"$dir/testbed.log" 2>&1
echo $? >"$dir/loaded"

wait_file 300 "$dir/finish" || echo "fleet-vm $name: no finish" >&2
stop_daemon
exit 0
