#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# spdx-check.sh [TOPDIR]: lists, one a line, the source files of the tree
# that carry no "SPDX-License-Identifier:" line in their first 10 lines,
# and exits 1 when there is any (0 when none).
#
# The files are those git tracks when TOPDIR is a git work tree, else those
# the release tarball holds (every file under TOPDIR but what configure and
# the build make). Data is exempt: the fuzzing corpus, test data, JSON (it
# has no comments), the licence texts themselves, binary files and the few
# Debian files whose format has no comment syntax. contrib/spdx-add.sh
# adds the missing lines.
#
# Also used by contrib/spdx-add.sh with --list-all: every file that needs
# a line, whether it has one or not.

set -u
list_all=no
if [ "${1:-}" = --list-all ]; then
	list_all=yes
	shift
fi
top=${1:-$(dirname "$0")/..}
cd "$top" || exit 2

list_files() {
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1 &&
	   [ "$(git rev-parse --show-toplevel)" = "$(pwd -P)" ]; then
		# Tracked files that still exist (a deletion not yet committed).
		git ls-files | while IFS= read -r f; do
			[ -f "$f" ] && printf '%s\n' "$f"
		done
	else
		# A release tarball: no build products (a distcheck tree
		# builds elsewhere, but an in-tree build must not count).
		find . -type f ! -path './_build/*' ! -path './_inst/*' \
			! -path './autom4te.cache/*' \
			! -path '*/.libs/*' ! -path '*/.deps/*' \
			! -name '*.o' ! -name '*.lo' ! -name '*.la' \
			! -name '*.log' ! -name '*.trs' \
			! -name Makefile ! -name Makefile.in \
			! -name configure ! -name config.status \
			! -name aclocal.m4 ! -name libtool \
			! -name '*.pc' | sed 's|^\./||' |
			grep -v -e '^build-aux/' -e '^m4/' | sort
	fi
}

# Paths whose content is data, not source.
exempt() {
	case "$1" in
	tests/fuzz/corpus/* | tests/data/* | */testdata/*) return 0 ;;
	LICENSE | COPYING | LICENSES/*) return 0 ;;
	*.json | *.gitkeep | .gitignore | */.gitignore) return 0 ;;
	debian/changelog | debian/copyright | debian/source/* | debian/compat) return 0 ;;
	debian/*.substvars | debian/.debhelper/* | debian/files) return 0 ;;
	*.png | *.jpg | *.ico | *.gif | *.woff | *.woff2 | *.ttf) return 0 ;;
	*.gz | *.xz | *.bz2 | *.zst | *.tar | *.deb) return 0 ;;
	esac
	return 1
}

list_files | while IFS= read -r f; do
	exempt "$f" && continue
	# Binary files (a trace, an image) cannot carry a comment.
	if [ -s "$f" ] && ! grep -Iq . "$f"; then
		continue
	fi
	if [ "$list_all" = yes ]; then
		printf '%s\n' "$f"
	elif ! head -n 10 "$f" | grep -q 'SPDX-License-Identifier:'; then
		printf '%s\n' "$f"
	fi
done | {
	n=0
	while IFS= read -r f; do
		printf '%s\n' "$f"
		n=$((n + 1))
	done
	[ "$list_all" = yes ] && exit 0
	[ "$n" -eq 0 ]
}
