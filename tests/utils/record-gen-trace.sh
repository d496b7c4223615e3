#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# record-gen-trace.sh OUTDIR EVENTS [THREADS [CYCLE]]
#
# Records a trace of EVENTS events from tests/utils/gen-trace with a private
# lttng-sessiond (see lttng-env.sh), in a blocking per-UID channel so that
# no event is discarded. The trace lands in OUTDIR (a session output folder:
# OUTDIR/ust/uid/UID/64-bit). Prints the number of events emitted.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
: "${top_builddir:=$here/../..}"
out=$1
events=$2
threads=${3:-4}
cycle=${4:-requests}

. "$here/lttng-env.sh"
reason=$(lta_env_skip_reason)
if [ -n "$reason" ]; then
	echo "record-gen-trace: cannot record: $reason" >&2
	exit 77
fi
lta_env_enter "$0" "$@"
lta_env_start_sessiond >&2

gen=$top_builddir/tests/utils/gen-trace
[ -x "$gen" ] || { echo "record-gen-trace: $gen is not built" >&2; exit 1; }
rm -rf "$out"
session=gen$$
{
	lttng create "$session" --output="$out"
	# Large sub-buffers and blocking: a fast generator must not lose events.
	lttng enable-channel -u --buffers-uid --subbuf-size=4M --num-subbuf=8 \
		--blocking-timeout=inf chan
	lttng enable-event -u -c chan 'lttng_analyzer_syscall:*'
	lttng add-context -u -c chan -t vpid -t vtid -t procname
	lttng start
} >/dev/null
LTTNG_UST_ALLOW_BLOCKING=1 LTTNG_UST_REGISTER_TIMEOUT=-1 \
	"$gen" --events "$events" --threads "$threads" --cycle "$cycle"
lttng stop >/dev/null
lttng destroy >/dev/null
