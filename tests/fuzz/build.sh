#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Builds the libFuzzer targets of tests/fuzz with clang into OUTDIR:
#   tests/fuzz/build.sh OUTDIR [TARGET...]
# (all four by default), each from the project's sources, rebuilt only
# when a source is newer than it. Run one longer by hand:
#   OUTDIR/fuzz-http-request -max_total_time=300 NEWDIR tests/fuzz/corpus/http-request
set -e
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$1
shift
[ -n "$out" ] || { echo "usage: $0 OUTDIR [TARGET...]" >&2; exit 2; }
mkdir -p "$out"
CLANG=${CLANG:-clang}
flags="-g -O1 -std=gnu11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
	-I$top/lib -I$top/include -I$top/tests/utils -I$top/src/lttng-analyzerd"
d=$top/src/lttng-analyzerd
common="$top/lib/common/log.c $top/lib/common/htable.c $top/lib/common/intern.c
	$top/lib/common/strbuf.c $top/lib/event/event.c $top/lib/event/syscall.c"
analysis="$top/lib/tasks/tasks.c $top/lib/stats/stats.c $top/lib/histogram/histogram.c
	$top/lib/segment/segment.c $top/lib/segment/request.c $top/lib/segment/connection.c
	$top/lib/segment/threads.c $top/lib/segment/sched.c $top/lib/segment/descriptors.c
	$top/lib/segment/points.c $top/lib/segment/pipelining.c
	$top/lib/segment/tiers.c $top/lib/segment/kinds.c
	$top/lib/segment/request-format.c $top/lib/segment/summary.c
	$top/lib/agent/agent.c $top/lib/agent/timing.c
	$top/lib/window/window.c $top/lib/window/window-format.c
	$top/lib/histogram/sparse.c"
store="$top/lib/store/store.c $top/lib/store/store-requests.c $top/lib/store/store-errors.c $top/lib/store/store-events.c $top/lib/store/store-windows.c $top/lib/store/store-schema.c
	$top/lib/store/store-connections.c $top/lib/store/store-outbox.c"
paths="$top/lib/decode/trace-path.c $top/lib/decode/live-url.c"
http="$d/http.c $d/http-reply.c $d/http-head.c $d/http-front.c $d/http-analyses.c $d/http-metrics.c
	$d/http-requests.c $d/http-path.c $d/http-events.c $d/http-live.c $d/http-queries.c $d/queries.c $d/http-errors.c $d/http-connections.c $d/http-sessions.c
	$d/control.c $d/lttng-daemons.c $d/http-static.c $d/attach.c
	$top/lib/decode/live-sessions.c $top/lib/decode/plugins.c
	$top/tests/utils/fake-analyses.c
	$d/http-fleet.c $d/publisher.c $top/lib/publish/nats.c $top/lib/publish/lease.c
	$top/lib/publish/fleet-view.c"
libs="-lmicrohttpd -ljansson -lsqlite3 -llttng-ctl -lbabeltrace2 -lnats -lpthread -lm"

sources_of()
{
	case $1 in
	fuzz-http-request) echo "$http $store $analysis $common $paths" ;;
	fuzz-http-head) echo "$d/http-head.c" ;;
	fuzz-trace-path) echo "$top/lib/decode/trace-path.c $top/lib/common/htable.c" ;;
	fuzz-live-url) echo "$top/lib/decode/live-url.c $d/lttng-daemons.c $d/control.c $common" ;;
	esac
}

targets=${*:-fuzz-http-request fuzz-http-head fuzz-trace-path fuzz-live-url}
for t in $targets; do
	srcs="$top/tests/fuzz/$t.c $(sources_of "$t")"
	stale=no
	[ -x "$out/$t" ] || stale=yes
	for s in $srcs "$top"/src/lttng-analyzerd/*.h "$top"/lib/*/*.h; do
		[ "$s" -nt "$out/$t" ] && stale=yes && break
	done
	[ $stale = yes ] || continue
	# shellcheck disable=SC2086
	$CLANG $flags $srcs $libs -o "$out/$t.tmp"
	mv "$out/$t.tmp" "$out/$t"
done
