#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# experiment.sh: the seed experiment in one command, through lttng-analyzerd's
# REST API only: start the daemon (with its own lttng-sessiond and
# lttng-relayd), create a live session that it analyzes at once, start
# Apache under the user-space system-call tracer (contrib/testbed/run.sh
# --trace external; the kernel domain too where the kernel tracer is
# available), start tracing, load Apache with wrk for a given time and rate,
# stop, and print the figures the daemon computed from the trace (wrk2
# style), the number of requests, and where the dataset was exported.
#
# Usage: contrib/experiment.sh [OPTION]...
#   --duration S        seconds of load (default 10)
#   --rate R            requests per second at most (default 1000)
#   --connections C     wrk connections (default 16)
#   --threads T         wrk threads (default 2)
#   --mpm event|prefork Apache's MPM (default event; prefork with --tiers 3)
#   --tiers 2|3         2 (default): Apache serves a static page; 3: a PHP
#                       page that queries a private MariaDB, traced too
#                       (contrib/testbed/run.sh --tiers 3)
#   --db tcp|unix       with --tiers 3: how PHP reaches MariaDB (default tcp)
#   --db-persistent on|off
#                       with --tiers 3: mysqli persistent connections
#                       (default off)
#   --queries N         with --tiers 3: random-actor queries per web request
#                       (default 1)
#   --keepalive on|off  Apache's KeepAlive (default on: wrk's connections
#                       carry many requests each; off: one request per
#                       connection, as in the seed experiment)
#   --out DIR           results (default: a new ${TMPDIR:-/tmp}/lta-experiment.XXXXXX)
#   --live-timer US     live timer period (default 100000)
#   --subbuf-size BYTES sub-buffer size (default 4194304)
#   --num-subbuf N      sub-buffers per ring buffer (default 8)
#   --no-kernel         never ask for the kernel domain
#   --system-sessiond   use the machine's session daemon (no private mount
#                       namespace); the daemon starts one if none runs
#   --daemon URL        use a running lttng-analyzerd (implies
#                       --system-sessiond) instead of starting one; its
#                       token in --token-file FILE
#   --token-file FILE   the token of --daemon
# Leaves in DIR: requests.jsonl (the dataset), stats.json, summary.txt
# (key=value), testbed/ (access.log, wrk.txt, Apache's files), daemon/ (the
# daemon's data folder: its database, log, and its LTTng daemons' logs and
# traces). Exit status 0 when the experiment ran and the daemon counted as
# many complete requests (of apache2 processes, with --tiers 3) as Apache's
# access log has lines, 1 otherwise, 2 on a usage error.
#
# Everything it starts it stops by pid: the daemon (which stops its
# lttng-sessiond and lttng-relayd), Apache and MariaDB (run.sh). As root, lttng-sessiond
# always uses /var/run/lttng and /dev/shm, so by default the whole
# experiment runs in a private mount namespace (tests/utils/lttng-env.sh).
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/.." && pwd)

duration=10
rate=1000
connections=16
threads=2
mpm=
keepalive=on
tiers=2
db_args=()
out=
live_timer=100000
subbuf_size=4194304
num_subbuf=8
kernel=auto
system_sessiond=
daemon_url=
token_file=

usage()
{
	sed -n '/^# Usage:/,/^# Leaves/p' "$here/experiment.sh" | sed '$d; s/^# \{0,1\}//' >&2
	exit 2
}

die()
{
	echo "experiment: $*" >&2
	exit 1
}

say()
{
	echo "experiment: $*"
}

args=("$@")
while [ $# -gt 0 ]; do
	case $1 in
	--duration) duration=${2:-}; shift 2 ;;
	--rate) rate=${2:-}; shift 2 ;;
	--connections) connections=${2:-}; shift 2 ;;
	--threads) threads=${2:-}; shift 2 ;;
	--mpm) mpm=${2:-}; shift 2 ;;
	--tiers) tiers=${2:-}; shift 2 ;;
	--db | --db-persistent | --queries) db_args+=("$1" "${2:-}"); shift 2 ;;
	--keepalive) keepalive=${2:-}; shift 2 ;;
	--out) out=${2:-}; shift 2 ;;
	--live-timer) live_timer=${2:-}; shift 2 ;;
	--subbuf-size) subbuf_size=${2:-}; shift 2 ;;
	--num-subbuf) num_subbuf=${2:-}; shift 2 ;;
	--no-kernel) kernel=no; shift ;;
	--system-sessiond) system_sessiond=yes; shift ;;
	--daemon) daemon_url=${2:-}; system_sessiond=yes; shift 2 ;;
	--token-file) token_file=${2:-}; shift 2 ;;
	-h | --help) usage ;;
	*) echo "experiment: unknown option: $1" >&2; usage ;;
	esac
done
for v in "$duration" "$rate" "$connections" "$threads" "$live_timer" \
	"$subbuf_size" "$num_subbuf"; do
	case $v in '' | *[!0-9]* | 0) usage ;; esac
done
case $tiers in
2) : "${mpm:=event}" ;;
3) : "${mpm:=prefork}" ;;
*) usage ;;
esac
case $mpm in event | prefork) ;; *) usage ;; esac
[ "$tiers" = 3 ] || [ ${#db_args[@]} -eq 0 ] ||
	die "--db, --db-persistent and --queries need --tiers 3"
case $keepalive in on | off) ;; *) usage ;; esac
[ -z "$daemon_url" ] || [ -n "$token_file" ] || die "--daemon needs --token-file"

for b in curl jq apache2 wrk lttng-sessiond lttng-relayd; do
	command -v "$b" >/dev/null 2>&1 ||
		die "$b is not installed (contrib/install-deps.sh installs it)"
done

. "$top/tests/utils/lttng-env.sh"

find_daemon()
{
	local c

	for c in "${LTAD:-}" \
		"${top_builddir:+$top_builddir/src/lttng-analyzerd/lttng-analyzerd}" \
		"$top/src/lttng-analyzerd/lttng-analyzerd" \
		"$top"/_build/*/src/lttng-analyzerd/lttng-analyzerd \
		"$(command -v lttng-analyzerd 2>/dev/null)"; do
		[ -n "$c" ] && [ -x "$c" ] && { echo "$c"; return 0; }
	done
	return 1
}
if [ -z "$daemon_url" ]; then
	ltad=$(find_daemon) || die "lttng-analyzerd is not built (or set LTAD)"
	ltad=$(cd "$(dirname "$ltad")" && pwd)/$(basename "$ltad")
fi

# The output folder is made before entering the namespace and handed to the
# second run, so that both agree on it.
if [ -z "$out" ]; then
	out=$(mktemp -d "${TMPDIR:-/tmp}/lta-experiment.XXXXXX") ||
		die "cannot create an output folder"
fi
mkdir -p "$out" || die "cannot create $out"
chmod 755 "$out"
out=$(cd "$out" && pwd)

if [ -z "$system_sessiond" ]; then
	reason=$(lta_env_skip_reason)
	[ -z "$reason" ] || die "cannot run a private session daemon: $reason (or give --system-sessiond)"
	# Re-executes this script in a private mount namespace, where
	# lttng-sessiond's /var/run/lttng and /dev/shm are tmpfs of its own.
	lta_env_enter "$0" "${args[@]}" --out "$out"
else
	trap 'exit 130' INT TERM
fi

# --- the daemon ------------------------------------------------------------------

ltad_pid=
cleanup()
{
	local n=0

	if [ -n "$ltad_pid" ]; then
		kill -TERM "$ltad_pid" 2>/dev/null
		while kill -0 "$ltad_pid" 2>/dev/null && [ $n -lt 300 ]; do
			sleep 0.1
			n=$((n + 1))
		done
		kill -KILL "$ltad_pid" 2>/dev/null
		wait "$ltad_pid" 2>/dev/null
		ltad_pid=
	fi
	[ -z "$system_sessiond" ] && lta_env_cleanup
	return 0
}
trap cleanup EXIT

rm -rf "$out/daemon" "$out/testbed"
rm -f "$out/requests.jsonl" "$out/stats.json" "$out/summary.txt"
if [ -z "$daemon_url" ]; then
	mkdir -p "$out/daemon"
	token_file=$out/daemon/token
	# lttng-analyzerd refuses a token file that others may read.
	(umask 077 && head -c 24 /dev/urandom | base64 | tr -d '/+=' >"$token_file")
	"$ltad" --data-dir="$out/daemon" --port=0 --port-file="$out/daemon/port" \
		--token-file="$token_file" --start-sessiond \
		>"$out/daemon/daemon.log" 2>&1 &
	ltad_pid=$!
	lta_env_wait 30 test -s "$out/daemon/port" || {
		tail -20 "$out/daemon/daemon.log" >&2
		die "lttng-analyzerd did not start"
	}
	daemon_url=http://127.0.0.1:$(cat "$out/daemon/port")
	say "lttng-analyzerd pid $ltad_pid at $daemon_url (log: $out/daemon/daemon.log)"
fi
token=$(cat "$token_file") || die "cannot read $token_file"

# api METHOD PATH [BODY]: prints the body; the status goes to $out/.status.
api()
{
	local answer
	answer=$(curl -s -m 120 -X "$1" -H "Authorization: Bearer $token" \
		-H 'Content-Type: application/json' ${3:+--data-binary "$3"} \
		-w '\n%{http_code}' "$daemon_url$2")
	printf '%s\n' "${answer##*$'\n'}" >"$out/.status"
	printf '%s' "${answer%$'\n'*}"
}
status()
{
	cat "$out/.status"
}

health=$(api GET /api/v1/health)
[ "$(status)" = 200 ] || die "GET /api/v1/health answered $(status)"
echo "$health" | jq . >"$out/health.json"
[ "$(echo "$health" | jq -r .session_daemon.reachable)" = true ] ||
	die "lttng-analyzerd reaches no session daemon"
relayd_ports=$(echo "$health" | jq -r '[.relay_daemon.control_port, .relay_daemon.data_port, .relay_daemon.live_port] | map(select(. != null)) | join(" ")')
say "relay daemon: $(echo "$health" | jq -r '.relay_daemon | "\(.mode), pid \(.pid), ports \(.control_port)/\(.data_port)/\(.live_port)"'); session daemon: $(echo "$health" | jq -r '.session_daemon | if .managed then "managed, pid \(.pid)" else "the system'"'"'s" end')"
say "ports: ${daemon_url##*:} $relayd_ports"
# What a caller can check is gone afterwards: the programs' pids, and the
# mount namespace everything here ran in (private unless --system-sessiond).
say "pids: ${ltad_pid:-} $(echo "$health" | jq -r '[.relay_daemon.pid, .session_daemon.pid] | map(select(. != null)) | join(" ")')"
if [ -z "$system_sessiond" ]; then
	say "namespace: $(readlink /proc/self/ns/mnt)"
fi

# --- the session -------------------------------------------------------------------

domains="\"ust\":{\"subbuf_size\":$subbuf_size,\"num_subbuf\":$num_subbuf}"
if [ "$kernel" = auto ]; then
	if [ "$(echo "$health" | jq -r .kernel_tracer.available)" = true ]; then
		kernel=yes
		domains="$domains,\"kernel\":{\"num_subbuf\":$num_subbuf}"
	else
		say "kernel tracer: $(echo "$health" | jq -r '.kernel_tracer.message // "unknown"'): user space only"
	fi
fi
session=exp-$(date +%Y%m%d-%H%M%S)-$$
body=$(api POST /api/v1/sessions "{\"name\":\"$session\",\"live_timer_us\":$live_timer,$domains,\"analyze\":true}")
[ "$(status)" = 201 ] || die "cannot create the session ($(status)): $body"
id=$(echo "$body" | jq -r .analysis_id)
say "session $session created; analysis $id reads $(echo "$body" | jq -r .live_url)"
destroy_session()
{
	api DELETE "/api/v1/sessions/$session" >/dev/null
}
body=$(api POST "/api/v1/sessions/$session/start")
[ "$(status)" = 200 ] || { destroy_session; die "cannot start the session ($(status)): $body"; }

# A live viewer starts at the streams' current position: the load must
# wait until the analysis is attached ("live").
analysis_status()
{
	api GET "/api/v1/analyses/$id" | jq -r .status
}
lta_env_wait 30 bash -c "[ \"\$(curl -s -m 5 $daemon_url/api/v1/analyses/$id | jq -r .status)\" = live ]" || {
	destroy_session
	die "the analysis did not become live (status $(analysis_status))"
}
say "analysis $id is live"

# --- Apache under load -----------------------------------------------------------------

bash "$top/contrib/testbed/run.sh" --trace external --mpm "$mpm" \
	--keepalive "$keepalive" --tiers "$tiers" "${db_args[@]}" \
	--duration "$duration" --rate "$rate" --connections "$connections" \
	--threads "$threads" --out "$out/testbed" >"$out/testbed.log" 2>&1
testbed_status=$?
sed 's/^/  /' "$out/testbed.log"

body=$(api POST "/api/v1/sessions/$session/stop")
[ "$(status)" = 200 ] || say "stopping the session answered $(status): $body"

# The live viewer reads what the stop flushed: wait until the count of
# complete requests stays the same for 2 s (bounded).
logged=$(grep -c '' "$out/testbed/access.log" 2>/dev/null || echo 0)
last=-1
stable=0
end=$(($(date +%s) + 60))
while [ "$(date +%s)" -lt $end ]; do
	now=$(api GET "/api/v1/analyses/$id/stats" | jq -r .counts.complete)
	if [ "$now" = "$last" ]; then
		stable=$((stable + 1))
		[ $stable -ge 10 ] && break
		[ "$now" = "$logged" ] && [ $stable -ge 2 ] && break
	else
		stable=0
		last=$now
	fi
	sleep 0.2
done
destroy_session
[ "$(status)" = 200 ] || say "destroying the session answered $(status)"
lta_env_wait 30 bash -c "[ \"\$(curl -s -m 5 $daemon_url/api/v1/analyses/$id | jq -r .running)\" = false ]" ||
	say "the analysis still runs"

# --- results ------------------------------------------------------------------------------

stats=$(api GET "/api/v1/analyses/$id/stats")
[ "$(status)" = 200 ] || die "GET .../stats answered $(status)"
echo "$stats" | jq . >"$out/stats.json"
curl -s -m 300 -o "$out/requests.jsonl" "$daemon_url/api/v1/analyses/$id/requests.jsonl" ||
	die "cannot export the dataset"
requests=$(echo "$stats" | jq -r .counts.requests)
complete=$(echo "$stats" | jq -r .counts.complete)
exported=$(grep -c '' "$out/requests.jsonl")
# complete_of PROCNAME: the complete requests of those processes in the
# dataset (ended close, shutdown or keepalive).
complete_of()
{
	jq -r --arg p "$1" 'select(.procname == $p and
		(.end_reason | IN("close", "shutdown", "keepalive"))) | .id' \
		"$out/requests.jsonl" | grep -c ''
}
if [ "$tiers" = 3 ]; then
	# The daemon's counts hold both tiers: MariaDB's connections are
	# requests too (each exchange on them one). Apache's own are those
	# of apache2 processes.
	all_complete=$complete
	complete=$(complete_of apache2)
	db_complete=$(complete_of mariadbd)
fi

echo
echo "  Latency Distribution (server side, from the trace: each request's start to its end)"
echo "$stats" | jq -r '.latency.percentiles | to_entries[] | "\(.key) \(.value // "nan")"' |
	awk '{ if ($2 == "nan") printf "  %8.3f%%  -\n", $1;
	       else printf "  %8.3f%%  %8.3fms\n", $1, $2 / 1e6 }'
echo "$stats" | jq -r '"  Mean \((.latency.mean // 0) / 1000000 * 1000 | round / 1000)ms, stdev \((.latency.stdev // 0) / 1000000 * 1000 | round / 1000)ms, max \((.latency.max // 0) / 1000000 * 1000 | round / 1000)ms"'
echo "$stats" | jq -r '"  \(.counts.complete) requests complete (\(.counts.requests) seen), \(.throughput // 0 | . * 100 | round / 100) requests/s of trace time"'
if [ "$tiers" = 3 ]; then
	echo "  (both tiers: $complete of apache2, $db_complete of mariadbd; requests.jsonl tells them apart by procname)"
fi
echo "  wrk: $(grep -E 'requests in|Requests/sec' "$out/testbed/wrk.txt" 2>/dev/null | tr -s ' ' | tr '\n' ';')"
echo
{
	echo "session=$session"
	echo "analysis=$id"
	echo "keepalive=$keepalive"
	echo "tiers=$tiers"
	echo "requests=$complete"
	if [ "$tiers" = 3 ]; then
		echo "requests_db=$db_complete"
		echo "requests_all_tiers=$all_complete"
	fi
	echo "requests_seen=$requests"
	echo "access_log_lines=$logged"
	echo "exported=$exported"
	echo "testbed_status=$testbed_status"
} >"$out/summary.txt"
say "requests: $complete"
[ "$tiers" != 3 ] || say "database requests: $db_complete"
say "access-log lines: $logged"
say "dataset: $out/requests.jsonl ($exported requests)"
say "explore: lttng-analyzerd --data-dir=$out/daemon, then GET /api/v1/analyses/$id/requests"
[ "$testbed_status" -eq 0 ] || die "the testbed failed (status $testbed_status): see $out/testbed.log"
# Tracing started before Apache: every request it logged (the readiness
# probes too) must be one complete request of the dataset.
[ "$complete" = "$logged" ] ||
	die "the daemon counted $complete complete requests, Apache's access log has $logged lines"
exit 0
