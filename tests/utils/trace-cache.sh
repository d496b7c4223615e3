# SPDX-License-Identifier: GPL-2.0-only
# Extracted copies of the compressed traces of ../shared/traces/, kept
# outside the source tree. Source this file.
#
#   dir=$(lta_trace_cache_extract TARBALL)   # prints the trace folder
#
# TARBALL is NAME.tar.xz holding one folder NAME; the copy is
# ${LTA_TEST_TRACES:-/var/tmp/lta-test-traces}/NAME. A copy is reused while
# its stamp (NAME.stamp, written last) still describes it: the tarball's
# size and modification time, then every extracted file with its size, so
# that a copy cut short or damaged since is extracted again. The extraction
# goes to a folder of its own, renamed into place once complete, under a
# lock: concurrent callers wait for each other and never see half a copy.

# lta_trace_cache_listing DIR: "path size" of every file under DIR, sorted.
lta_trace_cache_listing()
{
	(cd "$1" && find . -type f -printf '%P %s\n' | LC_ALL=C sort)
}

# lta_trace_cache_valid DIR STAMP WANT: whether DIR is the complete
# extraction that STAMP describes, of the tarball described by WANT.
lta_trace_cache_valid()
{
	[ -d "$1" ] && [ -f "$2" ] &&
		[ "$(head -n 1 "$2")" = "$3" ] &&
		[ "$(tail -n +2 "$2")" = "$(lta_trace_cache_listing "$1")" ]
}

# lta_trace_cache_extract TARBALL: prints the folder of the extracted trace;
# returns 1 (and says why on stderr) when it cannot be made.
lta_trace_cache_extract()
{
	local tarball=$1 cache=${LTA_TEST_TRACES:-/var/tmp/lta-test-traces}
	local name dir stamp want work lock status=1

	name=$(basename "$tarball" .tar.xz)
	dir=$cache/$name
	stamp=$cache/$name.stamp
	want=$(stat -c 'tarball %s %Y' "$tarball") || return 1
	mkdir -p "$cache" || return 1
	exec {lock}>"$cache/.$name.lock" || return 1
	flock "$lock"
	if lta_trace_cache_valid "$dir" "$stamp" "$want"; then
		status=0
	else
		# What a killed extraction left behind, and the stale copy.
		rm -rf "$cache/.$name.tmp."* "$dir" "$stamp"
		work=$(mktemp -d "$cache/.$name.tmp.XXXXXX") &&
			tar -xJf "$tarball" -C "$work" &&
			[ -d "$work/$name" ] &&
			{
				echo "$want"
				lta_trace_cache_listing "$work/$name"
			} >"$work/stamp" &&
			mv -T "$work/$name" "$dir" &&
			mv "$work/stamp" "$stamp" &&
			status=0
		[ -z "$work" ] || rm -rf "$work"
		[ "$status" -eq 0 ] ||
			echo "cannot extract $tarball into $cache" >&2
	fi
	exec {lock}>&-
	[ "$status" -eq 0 ] && echo "$dir"
}

# lta_shared_kernel_trace: prints the folder of the shared kernel trace
# (apache-prefork-kernel-3m, extracted once: see above); returns 1 when
# ../shared/traces (or LTA_SHARED_TRACES) does not have it.
lta_shared_kernel_trace()
{
	local shared=${LTA_SHARED_TRACES:-$top_srcdir/../shared/traces}
	[ -f "$shared/apache-prefork-kernel-3m.tar.xz" ] &&
		lta_trace_cache_extract "$shared/apache-prefork-kernel-3m.tar.xz"
}

# lta_generated_trace DIR EVENTS: records a generated user-space trace of
# about EVENTS events with requests into DIR (a private lttng-sessiond:
# lttng-env.sh must be sourced); returns 1 and says why on stderr.
lta_generated_trace()
{
	local why
	why=$(lta_env_skip_reason)
	if [ -n "$why" ]; then
		echo "$why" >&2
		return 1
	fi
	if ! top_builddir=$top_builddir bash "$top_srcdir/tests/utils/record-gen-trace.sh" \
		"$1" "$2" 4 requests >/dev/null 2>"$1.err"; then
		tail -1 "$1.err" >&2
		return 1
	fi
}
