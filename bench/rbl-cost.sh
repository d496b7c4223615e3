#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The cost of a rule-based logging point (<lttng-analyzer/rbl.h>): with no
# session daemon, with a session daemon but no session enabling the
# events, and while a session records them (private lttng-sessiond, see
# tests/utils/lttng-env.sh). Each line times the points against an empty
# out-of-line call in the same process.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/utils/lttng-env.sh"
if [ -z "${LTTA_IN_NS:-}" ]; then
	"$top/contrib/install-deps.sh"
	build=$top/_build/bench
	[ -x "$top/configure" ] || (cd "$top" && autoreconf -fi >/dev/null 2>&1)
	mkdir -p "$build"
	(cd "$build" && { [ -f Makefile ] || "$top/configure" CFLAGS="-O2 -g" >/dev/null; } &&
		make -j"$(nproc)" bench/rbl-cost >/dev/null)
fi
lta_env_enter "$0" "$@"
prog=$top/_build/bench/bench/rbl-cost
echo "no session daemon:        $("$prog" 20000000)"
lta_env_start_sessiond >/dev/null
echo "session daemon, idle:     $("$prog" 20000000)"
{
	lttng create rbl --output="$LTTA_HOME/trace"
	lttng enable-channel -u --buffers-uid --subbuf-size=4M --num-subbuf=4 chan
	lttng enable-event -u -c chan 'lttng_analyzer_rbl:*'
	lttng start
} >/dev/null
echo "session recording points: $("$prog" 2000000)"
lttng destroy >/dev/null
