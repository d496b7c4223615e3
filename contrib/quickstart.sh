#!/bin/bash
# The main command, for now: install, build, and show what a trace holds.
#
#   contrib/quickstart.sh [TRACE_DIR...]
#
# With no TRACE_DIR, records a 200,000-event trace with the bundled
# generator through a private lttng-sessiond and analyzes that.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=$top/_build/release
"$top/contrib/install-deps.sh"
[ -x "$top/configure" ] || (cd "$top" && autoreconf -fi >/dev/null 2>&1)
mkdir -p "$build"
cd "$build"
[ -f Makefile ] || "$top/configure" >/dev/null
make -j"$(nproc)" >/dev/null
cli=$build/src/lttng-analyzer/lttng-analyzer
if [ $# -eq 0 ]; then
	trace=$build/quickstart-trace
	echo "== recording a trace of 200,000 events in $trace" >&2
	top_builddir=$build bash "$top/tests/utils/record-gen-trace.sh" "$trace" 200000 >/dev/null
	set -- "$trace"
fi
"$cli" stats "$@"
