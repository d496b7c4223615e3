#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The tree's C follows .clang-format (STYLE.md: it is the arbiter). Fix with
#   clang-format -i $(git ls-files '*.c' '*.h')
. "$(dirname "$0")/../utils/test-lib.sh"
command -v clang-format >/dev/null || skip_all "clang-format not installed"
cd "$top_srcdir" || exit 1
files=$(git ls-files '*.c' '*.h' 2>/dev/null)
[ -n "$files" ] || files=$(find lib src tests contrib include -name '*.[ch]' 2>/dev/null)
bad=""
for f in $files; do
	if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
		bad="$bad $f"
	fi
done
is "${bad:-none}" none "every C file is formatted as .clang-format says"
done_testing
