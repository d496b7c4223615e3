# SPDX-License-Identifier: GPL-2.0-only
# Shared by the live benchmarks (live-latency.sh, stream-latency.sh): an
# optimized build of the daemon, a private lttng-analyzerd, and the traced
# testbed Apache whose live session a hook measures. Source it after
# setting top; it sets build and tmp (removed on exit, the daemon stopped
# by its pid), starts the daemon (LTAD_URL, LTAD_TOKEN exported) and
# defines:
#   live_testbed LIVE_TIMER_US HOOK   contrib/testbed/run.sh with the event
#       MPM, no wrk load (the hook brings its own, bounded), the live timer
#       given, and HOOK (a script path) run by bash once the session is
#       live; its results in $tmp/tb; the run's log shown on failure.
# The testbed isolates lttng-sessiond and lttng-relayd itself (their own
# mount namespace, private /var/run/lttng and /dev/shm, their own ports,
# stopped by pid): see contrib/testbed/run.sh and tests/utils/lttng-env.sh.
# shellcheck shell=bash

# shellcheck disable=SC2154 # top is the caller's.
"$top/contrib/install-deps.sh"
build=$top/_build/bench
if [ ! -x "$build/src/lttng-analyzerd/lttng-analyzerd" ] ||
   [ -n "$(find "$top/lib" "$top/src" -newer "$build/src/lttng-analyzerd/lttng-analyzerd" -name '*.[ch]' | head -1)" ]; then
	echo "== building (optimized, no sanitizers) in $build" >&2
	[ -x "$top/configure" ] || (cd "$top" && autoreconf -fi >/dev/null 2>&1)
	mkdir -p "$build"
	(cd "$build" && { [ -f Makefile ] || "$top/configure" CFLAGS="-O2 -g" >/dev/null; } &&
		make -j"$(nproc)" >/dev/null)
fi
# shellcheck disable=SC2034 # for test-lib.sh and daemon-env.sh.
top_srcdir=$top
# shellcheck disable=SC2034
top_builddir=$build
. "$top/tests/utils/test-lib.sh" >/dev/null
. "$top/tests/utils/daemon-env.sh"
tmp=$(mktemp -d)
trap 'lta_daemon_stop; rm -rf "$tmp"' EXIT
# shellcheck disable=SC2086 # the caller's daemon options, split on purpose
lta_daemon_start "$tmp/d" ${live_daemon_args:-}
export LTAD_URL LTAD_TOKEN

live_testbed()
{
	bash "$top/contrib/testbed/run.sh" --mpm event --duration 0 \
		--live-timer "$1" --out "$tmp/tb" --on-ready "bash $2" \
		>"$tmp/run.log" 2>&1 || { tail -20 "$tmp/run.log"; exit 1; }
}
