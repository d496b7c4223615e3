#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Every command lttng-analyzer dispatches (src/lttng-analyzer/main.c) is
# listed by its --help, documented in lttng-analyzer(1) and offered by the
# bash completion; each command's --help works; the completions of both
# programs offer their options as --help lists them.
. "$(dirname "$0")/../utils/test-lib.sh"
cli=$top_builddir/src/lttng-analyzer/lttng-analyzer
ltad=$top_builddir/src/lttng-analyzerd/lttng-analyzerd
[ -x "$cli" ] || skip_all "lttng-analyzer is not built"
commands=$(sed -n 's/.*strcmp(argv\[1\], "\([a-z]*\)") == 0.*/\1/p' \
	"$top_srcdir/src/lttng-analyzer/main.c" | grep -vx help | sort -u)
ok "$([ "$(echo "$commands" | wc -w)" -ge 4 ] && echo 0 || echo 1)" \
	"main.c dispatches $(echo $commands)"
help=$("$cli" --help)
ok $? "lttng-analyzer --help exits 0"
man=$(sed -n '/^\.SH COMMANDS/,/^\.SH OPTIONS/p' "$top_srcdir/doc/lttng-analyzer.1.in")
have_completion=no
if [ -f /usr/share/bash-completion/bash_completion ]; then
	have_completion=yes
fi
# complete PROGRAM FUNCTION WORD...: what the completion offers for the
# last word.
complete_words()
{
	local dir=$1 fn=$2
	shift 2
	PATH=$dir:$PATH bash -c '
		. /usr/share/bash-completion/bash_completion
		. "$1"
		compopt() { :; }
		fn=$2
		shift 2
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"
		COMP_POINT=${#COMP_LINE}
		"$fn" "$1" "${COMP_WORDS[-1]}" "${COMP_WORDS[-2]}"
		printf "%s\n" "${COMPREPLY[@]}"' _ \
		"$top_srcdir/contrib/bash-completion/${1}" "$fn" "$@"
}
for c in $commands; do
	echo "$help" | grep -qE "^  $c "
	ok $? "--help lists $c"
	echo "$man" | grep -qx "\.B $c"
	ok $? "lttng-analyzer(1) documents $c"
	"$cli" "$c" --help >/dev/null
	ok $? "lttng-analyzer $c --help exits 0"
	if [ $have_completion = yes ]; then
		complete_words "$(dirname "$cli")" _lttng_analyzer lttng-analyzer "" | grep -qx "$c"
		ok $? "the bash completion offers $c"
	else
		skip 1 "bash-completion is not installed"
	fi
done
if [ $have_completion = yes ]; then
	got=$(complete_words "$(dirname "$cli")" _lttng_analyzer lttng-analyzer requests --fo)
	is "$got" "--format=" "completion: lttng-analyzer requests --fo"
	got=$(complete_words "$(dirname "$ltad")" _lttng_analyzerd lttng-analyzerd --max-an)
	is "$got" "--max-analyses=" "completion: lttng-analyzerd --max-an"
	got=$(complete_words "$(dirname "$ltad")" _lttng_analyzerd lttng-analyzerd --log-level "" | tr '\n' ' ')
	is "$got" "error warn info debug " "completion: lttng-analyzerd --log-level (its levels)"
else
	skip 3 "bash-completion is not installed"
fi
done_testing
