#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# test-testbed-tiers.sh: the three-tier testbed (contrib/testbed/run.sh
# --tiers 3): wrk, Apache with PHP, and a private MariaDB, the last two
# traced in one live session, with the page's own account of what it did
# (the truth) in the access log.
#
# Runs the testbed twice for a few seconds (8 wrk connections): PHP
# reaches MariaDB over TCP with a new connection per web request, then
# over the unix socket with persistent connections and 2 queries per
# request. For each run:
#
# - run.sh succeeded, every Apache process and mariadbd registered with
#   the (private, root) session daemon, wrk saw no error and no non-2xx;
# - the access log (contrib/testbed/check-tiers.py): every line answered
#   200 and carries the truth: the database connection, the server thread,
#   db_queries = the random-actor queries + 1 (the truth query), one row
#   per random-actor query, the run's options; connections are never
#   shared without persistent connections, and with them each belongs to
#   one Apache process and server thread, reused by every request but its
#   first;
# - the trace: babeltrace2 reads it, nothing discarded or lost, it has
#   events of apache2 and mariadbd (procname), the mariadbd it shows is
#   the pid run.sh kept, every logged Apache pid and server thread is in
#   it, and each request's server thread read its truth query while its
#   Apache process waited for the answer;
# - every log line has its accept in the trace (match-log-trace.py);
# - lttng-analyzer's links across tiers (contrib/testbed/check-links.py):
#   each web request linked to its queries' database requests, served by
#   the thread the page logged, none to another's; no ambiguous pairing;
#   the summary's headline is Apache's, the database a back tier;
# - lttng-analyzerd on the recorded trace: /stats's front tier counts the
#   log lines, ?process=mariadbd the database apart, and a database
#   request's path starts at its web request;
# - afterwards: mariadbd's pid is gone after a clean shutdown, its socket
#   and port are free, and nothing is left outside the run's folder
#   (run.sh's temporary folders, under a TMPDIR of this test, are gone; no
#   file of the mysql user appeared in /tmp, /var/tmp, /dev/shm, /run).
#
# A missing package (contrib/install-deps.sh installs them) or an unbuilt
# tracer fails the test; a machine that cannot run a private session
# daemon (not root, no unshare) skips it, as the other traced tests do.
#
# Output: TAP. make check sets top_srcdir and top_builddir; by hand:
#   top_builddir=BUILD tests/integration/test-testbed-tiers.sh
# Keep the results: LTA_TESTBED_KEEP=1 (their folder is printed).

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/utils/test-lib.sh"
. "$top_srcdir/tests/utils/lttng-env.sh"
. "$top_srcdir/tests/utils/daemon-env.sh"
. "$top_srcdir/tests/utils/tiers-prereq.sh"

RUN=$top_srcdir/contrib/testbed/run.sh
MATCH=$top_srcdir/contrib/testbed/match-log-trace.py
CHECK=$top_srcdir/contrib/testbed/check-tiers.py
LIB=$top_builddir/contrib/syscall-tracer/.libs/liblttng-analyzer-syscalls.so
DURATION=${LTA_TESTBED_DURATION:-3}
CONNECTIONS=8

lta_tiers_prerequisites babeltrace2
[ -x "$PYTHON" ] || missing "$PYTHON is not installed"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/lta-test-tiers.XXXXXX")
# Apache's workers (www-data) and mariadbd (mysql) reach their files in
# run.sh's temporary folders, made under $WORK/tmp.
chmod 755 "$WORK"
mkdir -m 755 "$WORK/tmp"
if [ -n "${LTA_TESTBED_KEEP:-}" ]; then
	diag "results kept in $WORK"
fi
# The daemon of daemon_checks, if one runs, by its pid (daemon-env.sh).
trap 'lta_daemon_stop >/dev/null 2>&1; [ -n "${LTA_TESTBED_KEEP:-}" ] || rm -rf "$WORK"' EXIT
# Observed only, never signalled: a MariaDB of the machine, if any runs,
# must still run afterwards.
system_db=$(pgrep -x mariadbd | tr '\n' ' ' | sed 's/ $//')
[ -z "$system_db" ] || diag "a mariadbd of the machine runs: $system_db"

# value FILE KEY: the value of a key=value line (empty when absent).
value()
{
	sed -n "s/^$2=//p" "$1" 2>/dev/null | head -1
}

# same GOT WANT DESCRIPTION: is, but an empty WANT fails.
same()
{
	if [ -n "$2" ]; then
		is "$1" "$2" "$3"
	else
		ok 1 "$3 (nothing to compare with)"
	fi
}

# zero FILE KEY DESCRIPTION: the key is 0.
zero()
{
	is "$(value "$1" "$2")" 0 "$3"
}

# daemon_checks NAME TRACE LINES: lttng-analyzerd (own data folder, no
# relay daemon) analyses the recorded TRACE: /stats counts Apache's LINES
# complete requests as its front tier, /stats?process=mariadbd the
# database apart as a back tier, and the path of a database request
# starts at the web request that caused it.
daemon_checks()
{
	local name=$1 trace=$2 lines=$3 id status deadline rid path
	if ! lta_daemon_start "$WORK/$name.daemon" --no-relayd; then
		ok 1 "$name: lttng-analyzerd starts"
		return 1
	fi
	id=$(lta_api POST /api/v1/analyses "{\"path\":\"$trace\"}" | jq -r .id)
	deadline=$(($(date +%s) + 120))
	status=
	while [ "$(date +%s)" -lt $deadline ]; do
		status=$(lta_api GET "/api/v1/analyses/$id" | jq -r .status)
		case $status in ended | failed) break ;; esac
		sleep 0.2
	done
	is "$status" ended "$name: lttng-analyzerd analysed the trace"
	lta_api GET "/api/v1/analyses/$id/stats" >"$WORK/$name.stats"
	is "$(jq -r '"\(.tier) \(.counts.complete)"' "$WORK/$name.stats")" "front $lines" \
		"$name: /stats: the front tier's complete requests = the log lines"
	lta_api GET "/api/v1/analyses/$id/stats?process=mariadbd" >"$WORK/$name.db-stats"
	ok "$(jq -e '.tier == "back" and .counts.requests > 0' "$WORK/$name.db-stats" >/dev/null && echo 0 || echo 1)" \
		"$name: /stats?process=mariadbd: a back tier, its $(jq -r .counts.requests "$WORK/$name.db-stats") requests apart"
	rid=$(jq -r 'select(.procname == "mariadbd" and .upstream != null) | .id' \
		"$WORK/$name.requests" | sed -n 100p)
	path=$(lta_api GET "/api/v1/analyses/$id/requests/${rid:-0}/path")
	is "$(echo "$path" | jq -r '"\(.root.procname) \(.root.upstream)"')" "apache2 null" \
		"$name: the path of database request ${rid:-none} starts at Apache's request"
	is "$(echo "$path" | jq -r '[.. | objects | select(.asked? == true) | .id] | join(" ")')" "${rid:-none}" \
		"$name: and holds the request asked, once"
	lta_daemon_stop >/dev/null 2>&1
}

# tiers NAME DB PERSISTENT QUERIES: one three-tier run and its checks.
tiers()
{
	local name=$1 db=$2 persistent=$3 queries=$4
	local out=$WORK/$1 check=$WORK/$1.check match=$WORK/$1.match
	local status lines pid left connections links

	touch "$WORK/$name.before"
	# 64 MiB per CPU holds the whole run: no discard even if the
	# consumer daemon gets no CPU during the load.
	TMPDIR=$WORK/tmp timeout --kill-after=10 150 bash "$RUN" --tiers 3 \
		--db "$db" --db-persistent "$persistent" --queries "$queries" \
		--lib "$LIB" --out "$out" --duration "$DURATION" \
		--connections "$CONNECTIONS" --threads 2 \
		--subbuf-size 8M --num-subbuf 8 >"$WORK/$name.run" 2>&1
	status=$?
	ok "$status" "$name: Apache, PHP and MariaDB served wrk's load, traced in a live session"
	if [ "$status" -ne 0 ]; then
		sed 's/^/# /' "$WORK/$name.run"
	fi
	is "$(value "$out/summary.txt" registered)" yes \
		"$name: every Apache process and mariadbd registered with the session daemon"
	lines=$(value "$out/summary.txt" log_lines)
	[ "${lines:-0}" -gt 0 ]
	ok $? "$name: the access log has lines (${lines:-0})"
	zero "$out/summary.txt" wrk_socket_errors "$name: wrk saw no socket error"
	zero "$out/summary.txt" wrk_non_2xx "$name: wrk saw no answer other than 2xx or 3xx"

	# The truth, and the trace of both tiers.
	"$PYTHON" "$CHECK" --db "$db" --persistent "$persistent" \
		--queries "$queries" "$out/trace" "$out/access.log" \
		>"$check" 2>"$WORK/$name.check-details"
	status=$?
	[ -d "$out/trace" ]
	ok $? "$name: the trace folder exists"
	[ "$(value "$check" events)" -gt 0 ] 2>/dev/null
	ok $? "$name: babeltrace2 reads the trace ($(value "$check" events) events)"
	zero "$check" discarded_events "$name: babeltrace2 reports no discarded events"
	zero "$check" lost_packets "$name: babeltrace2 reports no lost packets"
	[ "$(value "$check" apache2_events)" -gt 0 ] 2>/dev/null
	ok $? "$name: the trace has events of apache2 ($(value "$check" apache2_events))"
	[ "$(value "$check" mariadbd_events)" -gt 0 ] 2>/dev/null
	ok $? "$name: the trace has events of mariadbd ($(value "$check" mariadbd_events))"
	same "$(value "$check" mariadbd_pids)" "$(value "$out/summary.txt" db_pid)" \
		"$name: the traced mariadbd is the one run.sh started and kept"
	zero "$check" unparsed_lines "$name: every log line carries the truth fields"
	zero "$check" not_200 "$name: every web request answered 200"
	zero "$check" db_errors "$name: no database error"
	zero "$check" wrong_options "$name: every line says db_via=$db, persistent=$persistent"
	zero "$check" wrong_query_counts \
		"$name: every request sent $((queries + 1)) queries (the truth query and $queries)"
	zero "$check" wrong_row_counts "$name: every random-actor query found its actor"
	zero "$check" php_thread_not_process "$name: PHP ran on its process's thread (prefork)"
	zero "$check" missing_truth "$name: every line has a connection id and a server thread"
	zero "$check" shared_connections \
		"$name: no database connection used by two processes$([ "$persistent" = on ] || echo " or two requests")"
	if [ "$persistent" = on ]; then
		zero "$check" thread_changes "$name: one server thread per connection"
	fi
	zero "$check" reuse_mismatches \
		"$name: db_reused agrees with the connection ids (reused by all but a connection's first request)"
	connections=$(value "$check" db_connections)
	if [ "$persistent" = on ]; then
		same "$(value "$check" reused_lines)" \
			"$([ -n "$lines" ] && [ -n "$connections" ] && echo $((lines - connections)))" \
			"$name: every request but a connection's first reused it (${connections:-no} connections)"
	else
		same "$connections" "$lines" \
			"$name: one database connection per request"
	fi
	zero "$check" unknown_web_processes "$name: every logged Apache pid is in the trace"
	zero "$check" unknown_db_threads "$name: every logged server thread is a mariadbd thread of the trace"
	zero "$check" truth_sends_not_one "$name: each request's process sent its truth query once"
	zero "$check" truth_not_received \
		"$name: each logged server thread read its request's truth query while Apache waited"
	is "$status" 0 "$name: check-tiers.py finds nothing wrong"
	if [ "$status" -ne 0 ]; then
		head -40 "$WORK/$name.check-details" | sed 's/^/# /'
	fi

	"$PYTHON" "$MATCH" "$out/trace" "$out/access.log" \
		>"$match" 2>"$WORK/$name.match-details"
	status=$?
	same "$(value "$match" matched)" "$lines" \
		"$name: every log line has the accept of its client port in its process"
	is "$status" 0 "$name: match-log-trace.py finds nothing wrong"
	if [ "$status" -ne 0 ]; then
		head -20 "$WORK/$name.match-details" | sed 's/^/# /'
	fi

	# The analyzer's links across tiers against the truth (doc/tiers.md).
	links=$WORK/$name.links
	"$top_builddir/src/lttng-analyzer/lttng-analyzer" requests --format=jsonl \
		"$out/trace" >"$WORK/$name.requests" 2>"$WORK/$name.requests.err"
	ok $? "$name: lttng-analyzer cuts the requests of both tiers"
	"$PYTHON" "$top_srcdir/contrib/testbed/check-links.py" "$WORK/$name.requests" \
		"$out/access.log" >"$links" 2>"$WORK/$name.links-details"
	status=$?
	same "$(value "$links" web_requests_checked)" "$lines" \
		"$name: every log line is one of Apache's requests"
	same "$(value "$links" apache2_complete)" "$lines" \
		"$name: Apache's complete requests (the front tier's figure) = the log lines"
	zero "$links" linked_wrong_thread \
		"$name: no exchange links to a database request another server thread served"
	zero "$links" linked_other_upstream \
		"$name: every linked database request names its web request upstream"
	zero "$links" upstream_not_linked \
		"$name: no database request names a web request that does not link it"
	zero "$links" fewer_links_than_queries \
		"$name: every web request is linked to at least its $((queries + 1)) queries"
	zero "$links" exchanges_ambiguous "$name: no ambiguous pairing"
	zero "$links" exchanges_none "$name: every exchange is paired"
	is "$status" 0 "$name: check-links.py finds nothing wrong"
	if [ "$status" -ne 0 ]; then
		head -20 "$WORK/$name.links-details" | sed 's/^/# /'
	fi
	"$top_builddir/src/lttng-analyzer/lttng-analyzer" requests --format=summary \
		"$out/trace" >"$WORK/$name.summary" 2>/dev/null
	grep -q "^  $lines requests: $lines complete" "$WORK/$name.summary" ||
		grep -q "^  [0-9]* requests: $lines complete" "$WORK/$name.summary"
	ok $? "$name: the summary's headline counts Apache's $lines requests, not the database's"
	grep -q "component mariadbd (back tier)" "$WORK/$name.summary"
	ok $? "$name: the summary lists mariadbd as a back tier"
	# The daemon on the same trace: its headline is Apache's, the
	# database apart, and a database request's path starts at Apache's.
	if daemon_checks "$name" "$out/trace" "$lines"; then :; fi
	diag "$name: links: $(value "$links" linked_ok) database requests linked," \
		"$(value "$links" exchanges) exchanges, ambiguous share" \
		"$(value "$links" ambiguous_share), $(value "$links" upstream_after_end)" \
		"read after their web request ended"

	# What is left.
	pid=$(value "$out/summary.txt" db_pid)
	[ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" != mariadbd ]
	ok $? "$name: mariadbd (pid ${pid:-none}) is gone"
	is "$(value "$out/summary.txt" db_stop)" shutdown \
		"$name: mariadbd stopped on mariadb-admin shutdown"
	[ -n "$(value "$out/summary.txt" db_socket)" ] &&
		[ ! -e "$(value "$out/summary.txt" db_socket)" ]
	ok $? "$name: its unix socket is gone"
	pid=$(value "$out/summary.txt" db_port)
	[ -n "$pid" ] && ! lta_env_port_listening "$pid"
	ok $? "$name: its TCP port ($pid) is free"
	left=$(find "$WORK/tmp" -mindepth 1 -maxdepth 1 2>/dev/null | tr '\n' ' ')
	is "${left:-none}" none "$name: run.sh's temporary folders are gone"
	left=$(find /tmp /var/tmp /dev/shm /run -xdev -user mysql \
		-newer "$WORK/$name.before" -not -path "$WORK/*" 2>/dev/null |
		head -5 | tr '\n' ' ')
	is "${left:-none}" none "$name: no file of the mysql user appeared outside the run"
	if [ -z "$system_db" ]; then
		left=$(find /var/lib/mysql /var/log/mysql /etc/mysql \
			-newer "$WORK/$name.before" 2>/dev/null | head -5 | tr '\n' ' ')
		is "${left:-none}" none "$name: the system's MariaDB files are untouched"
	else
		skip 1 "a system mariadb runs: its files may change"
	fi

	diag "$name: wrk $(value "$out/summary.txt" wrk_requests) requests" \
		"($(value "$out/summary.txt" wrk_requests_per_s)/s), $lines log lines," \
		"$(value "$check" db_queries) queries on $(value "$check" db_connections)" \
		"connections served by $(value "$check" db_threads_logged) server threads;" \
		"$(value "$check" truth_windows_shared) requests during which another" \
		"server thread also read a truth query"
	# The trace is large: only its verdict is kept.
	[ -n "${LTA_TESTBED_KEEP:-}" ] || rm -rf "$out/trace"
}

tiers tcp tcp off 1
tiers unix-persistent unix on 2

if [ -n "$system_db" ]; then
	left=
	for pid in $system_db; do
		kill -0 "$pid" 2>/dev/null || left="$left $pid"
	done
	is "${left:-none}" none "the machine's mariadbd ($system_db) still runs"
else
	skip 1 "no mariadbd of the machine runs"
fi

done_testing
