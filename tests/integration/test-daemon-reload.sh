#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# SIGHUP (the systemd unit's ExecReload) reads the configuration file
# again: a new log-level applies at once (a request is logged at debug
# level only after the reload), a changed key that needs a restart is said
# so, and a file that no longer parses keeps the daemon running with the
# configuration it had.
. "$(dirname "$0")/../utils/test-lib.sh"
LTAD=$top_builddir/src/lttng-analyzerd/lttng-analyzerd
[ -x "$LTAD" ] || skip_all "lttng-analyzerd not built"
command -v curl >/dev/null || skip_all "curl missing"
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT

# wait_log PATTERN: polls the log (5 s at most).
wait_log()
{
	local n=0

	while ! grep -q "$1" "$tmp/log" && [ $n -lt 100 ]; do
		sleep 0.05
		n=$((n + 1))
	done
	grep -q "$1" "$tmp/log"
}

(umask 077 && head -c 24 /dev/urandom | base64 >"$tmp/token")
printf '# test\nlog-level = info\nmax-analyses = 4\n' >"$tmp/conf"
"$LTAD" --config="$tmp/conf" --data-dir="$tmp/data" --port=0 \
	--port-file="$tmp/port" --token-file="$tmp/token" --no-relayd \
	>"$tmp/log" 2>&1 &
pid=$!
n=0
while [ ! -s "$tmp/port" ] && kill -0 "$pid" 2>/dev/null && [ $n -lt 200 ]; do
	sleep 0.05
	n=$((n + 1))
done
[ -s "$tmp/port" ] || { sed 's/^/# /' "$tmp/log"; skip_all "the daemon does not start here"; }
url=http://127.0.0.1:$(cat "$tmp/port")

curl -s -o /dev/null "$url/api/v1/health"
! grep -q 'HTTP request: method=GET' "$tmp/log"
ok $? "at log-level info, a request is not logged"

printf 'log-level = debug\nmax-analyses = 4\n' >"$tmp/conf"
kill -HUP "$pid"
wait_log 'Configuration reloaded: log-level=debug'
ok $? "SIGHUP reloads the configuration file"
! grep 'Configuration reloaded' "$tmp/log" | grep -q 'next restart'
ok $? "no other key changed: no restart asked for"
curl -s -o /dev/null "$url/api/v1/health?reload=1"
wait_log 'HTTP request: method=GET, url="/api/v1/health'
ok $? "the new log-level applies at once"

printf 'log-level = debug\nmax-analyses = 8\n' >"$tmp/conf"
kill -HUP "$pid"
wait_log 'other changed keys apply at the next restart'
ok $? "a key that needs a restart is said so"

printf 'log-level = loud\n' >"$tmp/conf"
kill -HUP "$pid"
wait_log 'Configuration not reloaded'
ok $? "a bad file is refused"
is "$(curl -s -o /dev/null -w '%{http_code}' "$url/api/v1/health")" 200 \
	"the daemon still serves after a bad reload"

kill -TERM "$pid"
wait "$pid"
is "$?" 0 "it stops cleanly"
pid=
done_testing
