#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The test command: on a fresh Debian 12 machine, installs what is missing,
# bootstraps, configures with --enable-Werror --enable-sanitizers, builds,
# and runs `make check`. Ends with one line "N passed, N failed, N skipped"
# summing up every TAP result of make check. Exit status: make check's.
#
# Usage: contrib/run-tests.sh [BUILD_DIR]   (default _build/check)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/_build/check}
jobs=$(nproc 2>/dev/null || echo 2)

step()
{
	echo "== $*"
}

fail()
{
	echo "run-tests: $*" >&2
	echo "0 passed, 1 failed, 0 skipped"
	exit 1
}

step "dependencies"
"$top/contrib/install-deps.sh" || fail "cannot install the Debian packages"

step "bootstrap"
(cd "$top" && autoreconf -fi >/dev/null 2>&1) || fail "autoreconf failed"

step "configure ($build)"
mkdir -p "$build" || fail "cannot create $build"
cd "$build" || fail "cannot enter $build"
"$top/configure" --enable-Werror --enable-sanitizers >configure.out 2>&1 || {
	tail -20 configure.out >&2
	fail "configure failed"
}

step "build"
make -j"$jobs" >build.out 2>&1 || {
	grep -E 'error|Error' build.out | head -40 >&2
	fail "build failed"
}

step "make check"
# Results of an earlier run must not be counted again.
find . -name '*.trs' -delete 2>/dev/null
make -j"$jobs" check
status=$?

# Every TAP result, from the .trs files the TAP driver wrote.
counts=$(find . -name '*.trs' -exec cat {} + 2>/dev/null |
	awk '/^:test-result: PASS/ {p++} /^:test-result: XFAIL/ {p++}
	     /^:test-result: (FAIL|XPASS|ERROR)/ {f++} /^:test-result: SKIP/ {s++}
	     END {printf "%d %d %d", p, f, s}')
read -r passed failed skipped <<<"$counts"
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
	# make check failed outside any TAP result (a crash of the harness).
	failed=1
fi
for log in $(find . -name '*.log' -path '*tests*' 2>/dev/null); do
	if grep -q '^not ok' "$log" 2>/dev/null; then
		echo "--- $log"
		grep -B2 -A6 '^not ok' "$log" | head -60
	fi
done
echo "$passed passed, $failed failed, $skipped skipped"
exit "$status"
