#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Licensing: every source file of the tree (git ls-files in a git work
# tree, the distributed files in a release tarball) names its licence on an
# SPDX-License-Identifier line, the identifiers are the three of LICENSE,
# and the licence texts are there. A miss prints the files and
# contrib/spdx-add.sh, which adds the lines.
. "$(dirname "$0")/../utils/test-lib.sh"
check=$top_srcdir/contrib/spdx-check.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for f in LICENSE COPYING LICENSES/GPL-2.0-only.txt \
	LICENSES/LGPL-2.1-only.txt LICENSES/MIT.txt; do
	test -s "$top_srcdir/$f"
	ok $? "$f is there"
done
grep -q 'GNU GENERAL PUBLIC LICENSE' "$top_srcdir/LICENSES/GPL-2.0-only.txt" &&
	grep -q 'Version 2, June 1991' "$top_srcdir/LICENSES/GPL-2.0-only.txt"
ok $? "LICENSES/GPL-2.0-only.txt is the GPL version 2"
grep -q 'Version 2.1, February 1999' "$top_srcdir/LICENSES/LGPL-2.1-only.txt"
ok $? "LICENSES/LGPL-2.1-only.txt is the LGPL version 2.1"

# The checker itself finds a miss (else the next check could not fail).
mkdir -p "$tmp/tree/src" "$tmp/tree/contrib"
printf '/* SPDX-License-Identifier: GPL-2.0-only */\nint a;\n' >"$tmp/tree/src/a.c"
printf 'int b;\n' >"$tmp/tree/src/b.c"
printf '{"json": "exempt"}\n' >"$tmp/tree/src/c.json"
out=$("$check" "$tmp/tree")
rc=$?
is "$rc:$out" "1:src/b.c" "spdx-check.sh lists a file without SPDX line, and only it"

missing=$("$check" "$top_srcdir")
rc=$?
if [ $rc -ne 0 ]; then
	echo "$missing" | sed 's/^/# no SPDX-License-Identifier: /'
	echo "# run contrib/spdx-add.sh to add them"
fi
is "$rc:$(echo "$missing" | grep -c .)" "0:0" "every source file has an SPDX-License-Identifier line"

# Only the licences LICENSE explains, and the right one where it matters.
bad=$(cd "$top_srcdir" && "$check" --list-all . | while IFS= read -r f; do
	id=$(head -n 10 "$f" | sed -n 's/.*SPDX-License-Identifier: *\([A-Za-z0-9.+-]*\).*/\1/p' | head -n 1)
	case "$id" in
	GPL-2.0-only | LGPL-2.1-only | MIT) ;;
	*) echo "$f: $id" ;;
	esac
done)
is "$bad" "" "every SPDX identifier is GPL-2.0-only, LGPL-2.1-only or MIT"
head -n 3 "$top_srcdir/include/lttng-analyzer/rbl.h" | grep -q 'SPDX-License-Identifier: MIT'
ok $? "the installed header is MIT (it puts no licence on applications)"
head -n 3 "$top_srcdir/lib/rbl/rbl.c" | grep -q 'SPDX-License-Identifier: LGPL-2.1-only'
ok $? "the instrumentation library is LGPL-2.1-only"
done_testing
