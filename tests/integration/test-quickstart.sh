#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The README's main command, as a newcomer runs it: contrib/quickstart.sh
# installs what is missing, builds, runs a short experiment through the
# daemon's REST API, and ends with the request count beside Apache's
# access-log line count: they must be equal.
. "$(dirname "$0")/../utils/test-lib.sh"
. "$top_srcdir/tests/utils/lttng-env.sh"
reason=$(lta_env_skip_reason)
[ -z "$reason" ] || skip_all "$reason"
for b in apache2 wrk curl jq; do
	command -v "$b" >/dev/null 2>&1 || skip_all "$b is not installed"
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$top_srcdir/contrib/quickstart.sh" --no-serve --duration 3 --out "$tmp/qs" \
	>"$tmp/out" 2>&1
ok $? "contrib/quickstart.sh ran"
tail -2 "$tmp/out" | sed 's/^/# /'
requests=$(awk '/^requests: / { n = $2 } END { print n }' "$tmp/out")
logged=$(awk '/^access-log lines: / { n = $3 } END { print n }' "$tmp/out")
ok "$([ "${requests:-0}" -gt 100 ] && echo 0 || echo 1)" "it ends with a request count ($requests)"
is "$requests" "$logged" "equal to the access-log line count of its experiment"
[ -s "$tmp/qs/experiment/requests.jsonl" ]
ok $? "the dataset was exported"
done_testing
