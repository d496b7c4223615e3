#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# spdx-add.sh [TOPDIR]: adds an "SPDX-License-Identifier:" line to every
# source file that contrib/spdx-check.sh lists as lacking one, in the
# comment syntax of its type, after a "#!" line or an XML/HTML prolog.
# Run it again after merging branches that add files; the test
# tests/integration/test-licence.sh fails until it has been.
#
# Which licence (see LICENSE):
#   include/lttng-analyzer/ (headers instrumented programs include): MIT
#   lib/rbl/, contrib/syscall-tracer/, lttng-analyzer-rbl.pc.in
#     (libraries loaded into other programs): LGPL-2.1-only
#   everything else (programs, internal libraries, tests, scripts,
#     documentation, packaging): GPL-2.0-only
# A file that already has a line keeps it, whatever it says; one with a
# licence notice of its own (vendored code) is left alone and named.

set -eu
top=${1:-$(dirname "$0")/..}
cd "$top"
here=$(pwd -P)
check=$here/contrib/spdx-check.sh

licence_of() {
	case "$1" in
	include/lttng-analyzer/*) echo MIT ;;
	lib/rbl/* | contrib/syscall-tracer/* | lttng-analyzer-rbl.pc.in)
		echo LGPL-2.1-only ;;
	*) echo GPL-2.0-only ;;
	esac
}

# The comment line for FILE and licence ID.
comment_of() {
	tag="SPDX-License-Identifier: $2"
	case "$1" in
	*.c | *.h | *.js | *.mjs | *.css | *.ts)
		echo "/* $tag */" ;;
	*.lua | *.sql) echo "-- $tag" ;;
	*.md | *.html | *.htm | *.svg | *.xml) echo "<!-- $tag -->" ;;
	*.[1-8]) echo ".\\\" $tag" ;;
	*) echo "# $tag" ;;
	esac
}

# Whether FILE's first line must stay first.
keeps_first_line() {
	first=$(head -n 1 "$1")
	case "$first" in
	'#!'* | '<?xml'* | '<!DOCTYPE'* | '<!doctype'* | "'\\\""*) return 0 ;;
	esac
	return 1
}

status=0
"$check" . | while IFS= read -r f; do
	# Someone else's file (a vendored library): its own notice rules, not
	# ours. Say so; exempt it in spdx-check.sh or give it its real SPDX id.
	if head -n 20 "$f" | grep -qiE '@license|copyright \(c\)|licensed under'; then
		printf 'skipped (a licence notice of its own): %s\n' "$f"
		continue
	fi
	line=$(comment_of "$f" "$(licence_of "$f")")
	tmp=$(mktemp "$f.spdx.XXXXXX")
	if keeps_first_line "$f"; then
		{ head -n 1 "$f"; printf '%s\n' "$line"; tail -n +2 "$f"; } >"$tmp"
	else
		{ printf '%s\n' "$line"; cat "$f"; } >"$tmp"
	fi
	# Keep the file's mode (scripts stay executable).
	chmod "$(stat -c %a "$f")" "$tmp"
	mv "$tmp" "$f"
	printf 'added %s: %s\n' "$(licence_of "$f")" "$f"
done
"$check" . >/dev/null || status=1
exit $status
