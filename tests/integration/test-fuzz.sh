#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# libFuzzer over the HTTP request path (lta_http_serve()), the front's
# head check, the trace-path check and discovery, and the URL parsers,
# for a bounded time (FUZZ_SECONDS per target, 5 by default: 20 s in
# all) from the corpus kept in tests/fuzz/corpus/TARGET. New inputs go
# to a temporary folder; a crash fails the test and shows the input (add
# it to the corpus once fixed). Needs clang with libFuzzer (Debian's
# clang and libclang-rt-dev); longer runs: see tests/fuzz/build.sh.
. "$(dirname "$0")/../utils/test-lib.sh"
command -v "${CLANG:-clang}" >/dev/null || skip_all "clang is not installed"
for h in microhttpd.h jansson.h sqlite3.h lttng/lttng.h; do
	[ -f "/usr/include/$h" ] || skip_all "$h is not installed"
done
out=$top_builddir/tests/fuzz
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! "$top_srcdir/tests/fuzz/build.sh" "$out" >"$tmp/build.log" 2>&1; then
	if grep -q "fuzzer" "$tmp/build.log" && grep -qi "cannot find\|unsupported" "$tmp/build.log"; then
		skip_all "clang has no libFuzzer here"
	fi
	sed 's/^/# /' "$tmp/build.log" | tail -20
	ok 1 "the fuzz targets build"
	done_testing
	exit
fi
ok 0 "the fuzz targets build"
seconds=${FUZZ_SECONDS:-5}
for t in http-request http-head trace-path live-url; do
	mkdir -p "$tmp/$t"
	(cd "$tmp" && "$out/fuzz-$t" -max_total_time="$seconds" -timeout=5 \
		-rss_limit_mb=2048 -artifact_prefix="$tmp/$t-" -print_final_stats=1 \
		"$tmp/$t" "$top_srcdir/tests/fuzz/corpus/$t" >"$tmp/$t.log" 2>&1)
	status=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$tmp/$t.log")
	if [ $status != 0 ]; then
		grep -A15 "ERROR\|SUMMARY" "$tmp/$t.log" | head -30 | sed 's/^/# /'
		for a in "$tmp/$t-"*; do
			[ -f "$a" ] && echo "# input $(basename "$a"): $(od -An -c "$a" | head -5 | tr -s ' ')"
		done
	fi
	ok $status "fuzz-$t: ${runs:-?} runs in $seconds s, no finding"
done
done_testing
