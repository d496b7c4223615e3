#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The cost of the lttng_analyzer_syscall:http event of the preload library
# (contrib/syscall-tracer): bench/http-read-cost times a write+read loop on
# a pipe, whose read() the library traces, without the library, with it but
# no session, while a session records entry_read/exit_read only, and while
# it records http too (private lttng-sessiond, see tests/utils/lttng-env.sh).
#
# Usage: bench/http-read-cost.sh [BUILD_DIR]   (default _build/bench; the
# directory must be configured, it builds the two targets it needs)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/_build/bench}" && pwd)
. "$top/tests/utils/lttng-env.sh"
if [ -z "${LTTA_IN_NS:-}" ]; then
	make -C "$build" -j2 bench/http-read-cost \
		contrib/syscall-tracer/liblttng-analyzer-syscalls.la >/dev/null
fi
lta_env_enter "$0" "$build"
prog=$build/bench/http-read-cost
lib=$build/contrib/syscall-tracer/.libs/liblttng-analyzer-syscalls.so
N=${N:-300000}

# row LABEL: one line per payload, the best of three runs.
row()
{
	local label=$1 kind best ns

	shift
	for kind in text request request-16k; do
		best=
		for _ in 1 2 3; do
			ns=$("$@" "$prog" "$kind" "$N" | awk '{ print $1 }')
			if [ -z "$best" ] || [ "$ns" -lt "$best" ]; then
				best=$ns
			fi
		done
		printf '%-40s %-12s %6s ns\n' "$label" "$kind" "$best"
	done
}

session()
{
	lttng create bench --output="$LTTA_HOME/trace-$1" &&
		lttng enable-channel -u --buffers-uid --subbuf-size=4M \
			--num-subbuf=8 --overwrite chan &&
		lttng enable-event -u -c chan "$2" &&
		lttng start
} >/dev/null

row "without the library" env
row "library, no session daemon" env LD_PRELOAD="$lib"
lta_env_start_sessiond >/dev/null
export LTTNG_UST_REGISTER_TIMEOUT=30000
READ=lttng_analyzer_syscall:entry_read,lttng_analyzer_syscall:exit_read
session read "$READ"
row "recording entry_read/exit_read" env LD_PRELOAD="$lib"
lttng destroy >/dev/null
session http "$READ,lttng_analyzer_syscall:http"
row "recording entry_read/exit_read/http" env LD_PRELOAD="$lib"
lttng destroy >/dev/null
