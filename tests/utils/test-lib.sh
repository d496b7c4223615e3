# SPDX-License-Identifier: GPL-2.0-only
# TAP helpers for the shell tests. Source it; it sets top_srcdir and
# top_builddir when make check did not.
#
#   ok COND_STATUS "description"     (pass $? of a test command: ok $? "x")
#   is GOT WANT "description"
#   skip_all "reason"
#   skip N "reason"                  # N checks skipped, with the reason
#   done_testing                     (prints the plan, exits non-zero on failure)

_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${top_srcdir:=$(cd "$_here/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${LTA_SHARED_TRACES:=$top_srcdir/../shared/traces}"
export top_srcdir top_builddir LTA_SHARED_TRACES
LTA_CLI=${LTA_CLI:-$top_builddir/src/lttng-analyzer/lttng-analyzer}
# Debian's python3-bt2 is for the system interpreter, whatever PATH says.
PYTHON=/usr/bin/python3
_tap_n=0
_tap_failed=0

# skip N REASON: N checks that cannot be made here (TAP "# SKIP").
skip()
{
	local i

	for i in $(seq 1 "$1"); do
		_tap_n=$((_tap_n + 1))
		echo "ok $_tap_n # SKIP $2"
	done
}

ok()
{
	_tap_n=$((_tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $_tap_n - $2"
	else
		echo "not ok $_tap_n - $2"
		_tap_failed=$((_tap_failed + 1))
	fi
}

is()
{
	_tap_n=$((_tap_n + 1))
	if [ "$1" = "$2" ]; then
		echo "ok $_tap_n - $3"
	else
		echo "not ok $_tap_n - $3"
		echo "#          got: '$1'"
		echo "#     expected: '$2'"
		_tap_failed=$((_tap_failed + 1))
	fi
}

diag()
{
	echo "# $*"
}

skip_all()
{
	echo "1..0 # SKIP $*"
	exit 0
}

done_testing()
{
	echo "1..$_tap_n"
	[ "$_tap_failed" -eq 0 ]
	exit $?
}
