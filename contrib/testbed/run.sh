#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# run.sh: the seed experiment on one machine, on loopback: Apache traced by
# the user-space system-call tracer (contrib/syscall-tracer) in a live LTTng
# session, under wrk load; with --tiers 3, PHP pages that query a private
# MariaDB, traced too. See README.md beside this file.
#
# Usage: contrib/testbed/run.sh [OPTION]...
#   --tiers 2|3           2 (default): wrk and Apache; 3: wrk, Apache with
#                         PHP, and MariaDB (page db, prefork)
#   --mpm event|prefork   Apache's MPM (default event; prefork with --tiers 3)
#   --page static|php|db|mixed
#                         the page wrk requests (default static; php needs
#                         prefork: libphp is not thread-safe; db, the
#                         default and only page of --tiers 3, queries
#                         MariaDB; mixed: the static page, and one request
#                         in --slow-every to a CGI script sleeping 30 ms,
#                         either MPM: mixed.lua)
#   --slow-every N        with --page mixed: one request in N is the CGI
#                         script (default 50: 2%)
#   --db tcp|unix         how PHP reaches MariaDB (--tiers 3): TCP on
#                         127.0.0.1 (default) or its unix socket
#   --db-persistent on|off
#                         mysqli persistent connections (host prefix p:):
#                         one database connection per Apache process serves
#                         many web requests (default off: one per request)
#   --queries N           random-actor queries per web request, besides the
#                         page's own truth query (default 1; 0 allowed)
#   --duration S          seconds of wrk load (default 10; 0: no wrk,
#                         for hooks that bring their own load)
#   --connections C       wrk connections (default 16)
#   --threads T           wrk threads (default 2)
#   --rate R              at most R requests/s (pace.lua; plain wrk has no
#                         constant-rate mode, see README.md)
#   --keepalive on|off    Apache's KeepAlive (default off: one request per
#                         connection); wrk keeps its connections open
#   --pipeline N          wrk sends N requests at once on each connection
#                         before reading the answers (HTTP pipelining,
#                         pipeline.lua; needs --keepalive on)
#   --out DIR             where the results go (default: a new
#                         ${TMPDIR:-/tmp}/lta-testbed.XXXXXX)
#   --trace session|preload|external|none
#                         session (default): preloaded tracer and a live
#                         session recording its events; preload: the tracer
#                         preloaded, no session daemon; external: the tracer
#                         preloaded, the caller's session daemon and session
#                         (no private namespace: contrib/experiment.sh runs
#                         it this way, the session made over REST); none:
#                         plain Apache
#   --no-trace            same as --trace none
#   --lib PATH            liblttng-analyzer-syscalls.so (default: found in
#                         $top_builddir, the source tree, _build/*, or
#                         /usr/local/lib/lttng-analyzer)
#   --subbuf-size SIZE    sub-buffer size (default 4M)
#   --num-subbuf N        sub-buffers per ring buffer (default 8)
#   --live-timer US       live timer period in µs (default 1000000)
#   --blocking-timeout US|inf
#                         let Apache block when a buffer is full instead of
#                         discarding events (default: discard mode)
#   --on-ready CMD        run CMD (bash -c) once Apache answers and the
#                         session is live, before the load; exports
#                         LTA_TESTBED_LIVE_URL, LTA_TESTBED_HTTP_URL and
#                         LTA_TESTBED_OUT (e.g. attach lttng-analyzerd)
#   --after-load CMD      run CMD after the load, Apache still up
#                         (with --tiers 3 the hooks also get
#                         LTA_TESTBED_DB_PORT and LTA_TESTBED_DB_SOCKET;
#                         db-sleep.php, beside db.php, runs SELECT SLEEP(2)
#                         on the same server: a fault for hooks to request)
#   --user NAME           the user Apache's workers run as (default www-data)
#   --pages DIR           also serve the files of DIR (copied into the
#                         document root, e.g. PHP pages of an experiment)
#
# Leaves in DIR: trace/ (the session's CTF trace), access.log, error.log,
# wrk.txt, apache2.conf, lttng.log, lttng-list.txt (channel statistics,
# discarded events), lttng-apps.txt (the Apache processes registered with
# the session daemon), summary.txt (key=value lines); with --tiers 3 also
# db.php and db-sleep.php (the pages), mariadb.err (the server's log),
# mariadb-setup.txt. Exit status 0 when Apache served and wrk ran, 1 on any
# failure, 2 on a usage error.
#
# Tracing needs root: the session daemon and relay daemon are private, in a
# mount namespace of their own (tests/utils/lttng-env.sh); Apache runs there
# too, as a child of this script.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)

tiers=2
mpm=
page=
db_via=tcp
db_persistent=off
queries=1
duration=10
connections=16
threads=2
rate=
out=
trace=session
lib=
subbuf_size=4M
num_subbuf=8
live_timer=1000000
blocking_timeout=
run_user=www-data
pages=
keepalive=off
pipeline=
slow_every=50

usage()
{
	sed -n '/^# Usage:/,/^# Leaves/p' "$here/run.sh" | sed '$d; s/^# \{0,1\}//' >&2
	exit 2
}

die()
{
	echo "testbed: $*" >&2
	exit 1
}

args=("$@")
while [ $# -gt 0 ]; do
	case $1 in
	--tiers) tiers=${2:-}; shift 2 ;;
	--db) db_via=${2:-}; shift 2 ;;
	--db-persistent) db_persistent=${2:-}; shift 2 ;;
	--queries) queries=${2:-}; shift 2 ;;
	--mpm) mpm=${2:-}; shift 2 ;;
	--page) page=${2:-}; shift 2 ;;
	--slow-every) slow_every=${2:-}; shift 2 ;;
	--duration) duration=${2:-}; shift 2 ;;
	--connections) connections=${2:-}; shift 2 ;;
	--threads) threads=${2:-}; shift 2 ;;
	--rate) rate=${2:-}; shift 2 ;;
	--out) out=${2:-}; shift 2 ;;
	--trace) trace=${2:-}; shift 2 ;;
	--no-trace) trace=none; shift ;;
	--lib) lib=${2:-}; shift 2 ;;
	--subbuf-size) subbuf_size=${2:-}; shift 2 ;;
	--num-subbuf) num_subbuf=${2:-}; shift 2 ;;
	--live-timer) live_timer=${2:-}; shift 2 ;;
	--blocking-timeout) blocking_timeout=${2:-}; shift 2 ;;
	--user) run_user=${2:-}; shift 2 ;;
	--pages) pages=${2:-}; shift 2 ;;
	--keepalive) keepalive=${2:-}; shift 2 ;;
	--pipeline) pipeline=${2:-}; shift 2 ;;
	--on-ready) on_ready=${2:-}; shift 2 ;;
	--after-load) after_load=${2:-}; shift 2 ;;
	-h | --help) usage ;;
	*) echo "testbed: unknown option: $1" >&2; usage ;;
	esac
done

positive()
{
	case $1 in
	'' | *[!0-9]* | 0) return 1 ;;
	esac
}

case $tiers in
2)
	: "${mpm:=event}" "${page:=static}"
	[ "$page" != db ] || die "--page db needs --tiers 3"
	;;
3)
	# PHP runs in Apache (mod_php), which needs prefork.
	: "${mpm:=prefork}" "${page:=db}"
	[ "$page" = db ] || die "--tiers 3 serves the db page only (not --page $page)"
	;;
*) usage ;;
esac
case $mpm in event | prefork) ;; *) usage ;; esac
case $page in static | php | db | mixed) ;; *) usage ;; esac
positive "$slow_every" || usage
if [ "$page" = mixed ] && { [ -n "$pipeline" ] || [ -n "$rate" ]; }; then
	die "--page mixed cannot be combined with --pipeline or --rate"
fi
case $db_via in tcp | unix) ;; *) usage ;; esac
case $db_persistent in on | off) ;; *) usage ;; esac
case $queries in '' | *[!0-9]*) usage ;; esac
case $trace in session | preload | external | none) ;; *) usage ;; esac
case $keepalive in on | off) ;; *) usage ;; esac
[ -z "$pipeline" ] || positive "$pipeline" || usage
if [ -n "$pipeline" ] && [ "$keepalive" != on ]; then
	die "--pipeline needs --keepalive on"
fi
if [ -n "$pipeline" ] && [ -n "$rate" ]; then
	die "--pipeline and --rate cannot be combined"
fi
for v in "$connections" "$threads" "$num_subbuf" "$live_timer"; do
	positive "$v" || usage
done
[ "$duration" = 0 ] || positive "$duration" || usage
[ -z "$rate" ] || positive "$rate" || usage
[ "$connections" -ge "$threads" ] ||
	die "--connections ($connections) must be at least --threads ($threads)"
if [ "$page" != static ] && [ "$page" != mixed ] && [ "$mpm" != prefork ]; then
	die "--page $page needs --mpm prefork (libphp is not thread-safe)"
fi

. "$top/tests/utils/lttng-env.sh"

# --- what this machine has ----------------------------------------------------

for b in apache2 wrk curl; do
	command -v "$b" >/dev/null 2>&1 ||
		die "$b is not installed (contrib/install-deps.sh installs it)"
done
modules=/usr/lib/apache2/modules
[ -f "$modules/mod_mpm_$mpm.so" ] || die "$modules/mod_mpm_$mpm.so is absent"
php_module=
cgi_module=
if [ "$page" = mixed ]; then
	# mod_cgid for a threaded MPM (forking a threaded process is unsafe).
	cgi_module=cgi
	[ "$mpm" = prefork ] || cgi_module=cgid
	for m in "mod_$cgi_module" mod_alias; do
		[ -f "$modules/$m.so" ] || die "--page mixed needs $modules/$m.so"
	done
elif [ "$page" != static ]; then
	for f in "$modules"/libphp*.so; do
		[ -f "$f" ] && php_module=$f && break
	done
	[ -n "$php_module" ] ||
		die "--page $page needs libapache2-mod-php (no $modules/libphp*.so)"
fi
id "$run_user" >/dev/null 2>&1 || die "no user $run_user for Apache's workers"
if [ "$tiers" = 3 ]; then
	for b in mariadbd mariadb-install-db mariadb-admin mariadb; do
		command -v "$b" >/dev/null 2>&1 ||
			die "$b is not installed (mariadb-server; contrib/install-deps.sh installs it)"
	done
	# mod_php reads Debian's /etc/php/*/apache2/conf.d: mysqli is enabled
	# there by php-mysql.
	ls /etc/php/*/apache2/conf.d/*mysqli.ini >/dev/null 2>&1 ||
		die "PHP's mysqli is not enabled for Apache (php-mysql; contrib/install-deps.sh installs it)"
	if [ "$(id -u)" -eq 0 ]; then
		# mariadbd refuses to run as root: it switches to this user.
		db_user=mysql
		id "$db_user" >/dev/null 2>&1 || die "no user $db_user for mariadbd"
	else
		db_user=$(id -un)
	fi
fi

find_lib()
{
	local c

	for c in "${LTA_SYSCALL_TRACER:-}" \
		"${top_builddir:+$top_builddir/contrib/syscall-tracer/.libs/liblttng-analyzer-syscalls.so}" \
		"$top/contrib/syscall-tracer/.libs/liblttng-analyzer-syscalls.so" \
		"$top"/_build/*/contrib/syscall-tracer/.libs/liblttng-analyzer-syscalls.so \
		/usr/local/lib/lttng-analyzer/liblttng-analyzer-syscalls.so; do
		[ -n "$c" ] && [ -f "$c" ] && { echo "$c"; return 0; }
	done
	return 1
}

if [ "$trace" = session ] || [ "$trace" = preload ]; then
	reason=$(lta_env_skip_reason)
	[ -z "$reason" ] || die "cannot trace: $reason"
fi
if [ "$trace" != none ]; then
	if [ -z "$lib" ]; then
		lib=$(find_lib) ||
			die "liblttng-analyzer-syscalls.so is not built (or give --lib)"
	fi
	[ -f "$lib" ] || die "$lib does not exist"
	lib=$(cd "$(dirname "$lib")" && pwd)/$(basename "$lib")
	ldconfig -p 2>/dev/null | grep -q 'liblttng-ust-fork\.so\.1 ' ||
		die "liblttng-ust-fork.so.1 is not installed (liblttng-ust-dev)"
fi

# The output folder is made before entering the namespace, and handed to
# the second run, so that both agree on it.
if [ -z "$out" ]; then
	out=$(mktemp -d "${TMPDIR:-/tmp}/lta-testbed.XXXXXX") ||
		die "cannot create an output folder"
	chmod 755 "$out"
fi
mkdir -p "$out" || die "cannot create $out"
out=$(cd "$out" && pwd)

if [ "$trace" = session ] || [ "$trace" = preload ]; then
	lta_env_enter "$0" "${args[@]}" --out "$out"
fi

# --- clean-up -------------------------------------------------------------------

work=
apache_pid=
apache_children=
db_pid=
db_pid_started=
db_dir=
db_started=
db_stop=

# start_time PID: when the process started (field 22 of /proc/PID/stat), to
# tell it from a later process that reuses its pid.
start_time()
{
	local stat fields

	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	# After the command name, field 3 (state) comes first.
	read -r -a fields <<<"${stat##*) }"
	echo "${fields[19]}"
}

# stop_apache: graceful stop (SIGWINCH: finish the requests in progress,
# GracefulShutdownTimeout 5 s), bounded wait, then SIGKILL to the processes
# this script started: the parent, and its children listed before the stop
# (each only if its pid still names the same process).
stop_apache()
{
	local deadline pid started

	[ -n "$apache_pid" ] || return 0
	apache_children=
	for pid in $(ps -o pid= --ppid "$apache_pid" 2>/dev/null); do
		started=$(start_time "$pid") &&
			apache_children="$apache_children $pid:$started"
	done
	kill -WINCH "$apache_pid" 2>/dev/null
	deadline=$(($(date +%s) + 15))
	while kill -0 "$apache_pid" 2>/dev/null &&
		[ "$(date +%s)" -lt "$deadline" ]; do
		sleep 0.1
	done
	if kill -0 "$apache_pid" 2>/dev/null; then
		echo "testbed: apache2 (pid $apache_pid) did not stop in 15 s: killing it" >&2
		kill -KILL "$apache_pid" 2>/dev/null
		apache_stop=killed
	fi
	for pid in $apache_children; do
		if [ "$(start_time "${pid%:*}")" = "${pid#*:}" ]; then
			kill -KILL "${pid%:*}" 2>/dev/null
		fi
	done
	wait "$apache_pid" 2>/dev/null
	apache_pid=
}

# is_mariadbd: $db_pid still names the mariadbd this script started (same
# start time, same command), not a later process that reuses its pid.
is_mariadbd()
{
	[ -n "$db_pid" ] &&
		[ "$(start_time "$db_pid")" = "$db_started" ] &&
		[ "$(cat "/proc/$db_pid/comm" 2>/dev/null)" = mariadbd ]
}

# db_gone SECONDS: waits (bounded) until mariadbd has exited.
db_gone()
{
	local deadline=$(($(date +%s) + $1))

	while is_mariadbd; do
		# A zombie (exited, not yet reaped by this script) is gone too.
		case $(awk '{ print $3 }' "/proc/$db_pid/stat" 2>/dev/null) in
		Z | '') return 0 ;;
		esac
		[ "$(date +%s)" -lt "$deadline" ] || return 1
		sleep 0.1
	done
}

# stop_mariadb: a clean shutdown through its socket (mariadb-admin waits
# until the server has stopped), then SIGTERM to the kept pid, then SIGKILL,
# each after a bounded wait and only while the pid is still that mariadbd.
stop_mariadb()
{
	if [ -z "$db_pid" ]; then
		[ -z "$db_dir" ] || [ ! -f "$db_dir/mariadb.err" ] ||
			cp "$db_dir/mariadb.err" "$out/mariadb.err"
		return 0
	fi
	if is_mariadbd; then
		timeout 30 mariadb-admin --no-defaults --socket="$db_socket" \
			--user="$db_admin" --connect-timeout=5 shutdown \
			>>"$out/mariadb-setup.txt" 2>&1
		db_stop=shutdown
	fi
	if ! db_gone 20 && is_mariadbd; then
		echo "testbed: mariadbd (pid $db_pid) did not shut down in time: SIGTERM" >&2
		kill -TERM "$db_pid" 2>/dev/null
		db_stop=terminated
		if ! db_gone 15 && is_mariadbd; then
			echo "testbed: mariadbd (pid $db_pid) did not stop: SIGKILL" >&2
			kill -KILL "$db_pid" 2>/dev/null
			db_stop=killed
		fi
	fi
	wait "$db_pid" 2>/dev/null
	db_pid=
	# The server's log lives beside its data (mariadbd writes it as
	# $db_user, who may not reach --out): kept in DIR.
	[ ! -f "$db_dir/mariadb.err" ] || cp "$db_dir/mariadb.err" "$out/mariadb.err"
}

testbed_cleanup()
{
	stop_apache
	stop_mariadb
	[ -z "$work" ] || rm -rf "$work"
}

if [ "$trace" = session ] || [ "$trace" = preload ]; then
	trap 'testbed_cleanup; lta_env_cleanup' EXIT
else
	trap testbed_cleanup EXIT
	trap 'exit 130' INT TERM
fi

# --- Apache's configuration -----------------------------------------------------

# Apache's workers drop to $run_user: their files must be readable by it
# whatever the permissions of --out (the logs are opened by the root parent).
work=$(mktemp -d "${TMPDIR:-/tmp}/lta-testbed-apache.XXXXXX") ||
	die "cannot create a temporary folder"
chmod 755 "$work"
mkdir -p "$work/htdocs" "$work/run"
port=$(lta_env_pick_port)
conf=$work/apache2.conf
group=$(id -gn "$run_user")

{
	echo '<!DOCTYPE html>'
	echo '<html><head><title>lttng-analyzer testbed</title></head><body>'
	echo '<h1>lttng-analyzer testbed</h1>'
	for i in $(seq 1 16); do
		echo "<p>Static line $i: the quick brown fox jumps over the lazy dog.</p>"
	done
	echo '</body></html>'
} >"$work/htdocs/static.html"
cat >"$work/htdocs/index.php" <<'EOF'
<?php
// A small dynamic page: some arithmetic, then a few lines of text.
header('Content-Type: text/plain');
$sum = 0;
for ($i = 0; $i < 2000; $i++) {
	$sum += $i * $i % 7;
}
echo "lttng-analyzer testbed\n";
echo "php ", PHP_VERSION, ", pid ", getmypid(), ", sum ", $sum, "\n";
EOF
if [ "$tiers" = 3 ]; then
	db_port=$(lta_env_pick_port)
	db_socket=$work/mariadb/run/mariadb.sock
	# sun_path holds 107 bytes and a NUL.
	[ ${#db_socket} -le 107 ] ||
		die "$db_socket is too long for a unix socket (set TMPDIR shorter)"
	db_password=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
	db_actors=200
	if [ "$db_via" = tcp ]; then
		db_host=127.0.0.1
	else
		# "localhost" makes mysqli use the socket given beside it.
		db_host=localhost
	fi
	[ "$db_persistent" = on ] && db_persistent_php=true || db_persistent_php=false
	# The page: connect, the truth query, $queries random-actor queries;
	# what it did goes to the access log through apache_note() (see
	# README.md, "Three tiers").
	# db_constants PAGE: the head of a page: where and how to connect.
	db_constants()
	{
		cat <<EOF
<?php
// $1: written by contrib/testbed/run.sh --tiers 3. See README.md.
const DB_HOST = '$db_host';
const DB_PORT = $db_port;
const DB_SOCKET = '$db_socket';
const DB_VIA = '$db_via';
const DB_PERSISTENT = $db_persistent_php;
const DB_USER = 'testbed';
const DB_PASSWORD = '$db_password';
const DB_NAME = 'sakila';
const QUERIES = $queries;
const ACTORS = $db_actors;
EOF
	}
	db_constants db.php >"$work/htdocs/db.php"
	cat >>"$work/htdocs/db.php" <<'EOF'

header('Content-Type: text/plain');
mysqli_report(MYSQLI_REPORT_ERROR | MYSQLI_REPORT_STRICT);
// The kernel's id of the thread that runs PHP (with prefork, the process's
// own pid): /proc/thread-self is a link to PID/task/TID.
$tid = basename((string) @readlink('/proc/thread-self'));
$note = [
	'lta_php_tid' => $tid === '' ? '-' : $tid,
	'lta_db_via' => DB_VIA,
	'lta_db_persistent' => DB_PERSISTENT ? '1' : '0',
	'lta_db_reused' => '0',
	'lta_db_connection' => '-',
	'lta_db_thread' => '-',
	'lta_db_queries' => '0',
	'lta_db_rows' => '0',
	'lta_db_error' => '-',
];
$queries = 0;
$rows = 0;
try {
	if (DB_PERSISTENT) {
		// A persistent link left by an earlier request of this process
		// is taken from this cache (there is one kind of link here).
		$links = mysqli_get_links_stats();
		$note['lta_db_reused'] = $links['cached_plinks'] > 0 ? '1' : '0';
	}
	$db = mysqli_init();
	$db->options(MYSQLI_OPT_CONNECT_TIMEOUT, 5);
	$db->options(MYSQLI_OPT_READ_TIMEOUT, 10);
	$db->real_connect((DB_PERSISTENT ? 'p:' : '') . DB_HOST, DB_USER,
		DB_PASSWORD, DB_NAME, DB_PORT, DB_SOCKET);
	// The truth query: this connection's id, and the kernel's id of the
	// server thread that serves it.
	$queries++;
	$r = $db->query('SELECT CONNECTION_ID(), THREAD_OS_ID'
		. ' FROM performance_schema.threads'
		. ' WHERE PROCESSLIST_ID = CONNECTION_ID()');
	$row = $r->fetch_row();
	$r->free();
	if ($row === null) {
		throw new RuntimeException('no performance_schema.threads row');
	}
	$note['lta_db_connection'] = (string) $row[0];
	$note['lta_db_thread'] = (string) $row[1];
	echo "connection ", $row[0], ", server thread ", $row[1], "\n";
	for ($i = 0; $i < QUERIES; $i++) {
		$id = mt_rand(1, ACTORS);
		$queries++;
		$r = $db->query('SELECT actor_id, first_name, last_name,'
			. ' last_update FROM actor WHERE actor_id = ' . $id);
		while (($row = $r->fetch_row()) !== null) {
			$rows++;
			echo implode(' ', $row), "\n";
		}
		$r->free();
	}
	// A persistent link goes back to the process's cache at the end of
	// the request; any other one is closed (COM_QUIT) here.
	if (!DB_PERSISTENT) {
		$db->close();
	}
} catch (Throwable $e) {
	http_response_code(500);
	$note['lta_db_error'] = preg_replace('/[^A-Za-z0-9_.:-]+/', '_',
		$e->getMessage());
	echo "error: ", $e->getMessage(), "\n";
}
$note['lta_db_queries'] = (string) $queries;
$note['lta_db_rows'] = (string) $rows;
foreach ($note as $name => $value) {
	apache_note($name, $value);
}
EOF
	cp "$work/htdocs/db.php" "$out/db.php"
	# A fault on demand, never requested by run.sh's own load: one query
	# that sleeps in the same server, connected to as db.php connects.
	db_constants db-sleep.php >"$work/htdocs/db-sleep.php"
	cat >>"$work/htdocs/db-sleep.php" <<'EOF'

header('Content-Type: text/plain');
mysqli_report(MYSQLI_REPORT_ERROR | MYSQLI_REPORT_STRICT);
// ?seconds=S (0 to 5, default 2): how long the query sleeps in the server.
$seconds = max(0, min(5, (int) ($_GET['seconds'] ?? 2)));
$tid = basename((string) @readlink('/proc/thread-self'));
$note = [
	'lta_php_tid' => $tid === '' ? '-' : $tid,
	'lta_db_via' => DB_VIA,
	'lta_db_persistent' => DB_PERSISTENT ? '1' : '0',
	'lta_db_reused' => '0',
	'lta_db_connection' => '-',
	'lta_db_thread' => '-',
	'lta_db_queries' => '0',
	'lta_db_rows' => '0',
	'lta_db_error' => '-',
];
try {
	if (DB_PERSISTENT) {
		$links = mysqli_get_links_stats();
		$note['lta_db_reused'] = $links['cached_plinks'] > 0 ? '1' : '0';
	}
	$db = mysqli_init();
	$db->options(MYSQLI_OPT_CONNECT_TIMEOUT, 5);
	$db->options(MYSQLI_OPT_READ_TIMEOUT, 10);
	$db->real_connect((DB_PERSISTENT ? 'p:' : '') . DB_HOST, DB_USER,
		DB_PASSWORD, DB_NAME, DB_PORT, DB_SOCKET);
	// One query and no truth query: the only exchange that waits.
	$note['lta_db_queries'] = '1';
	$r = $db->query('SELECT SLEEP(' . $seconds . ')');
	$row = $r->fetch_row();
	$r->free();
	$note['lta_db_rows'] = $row === null ? '0' : '1';
	echo "slept ", $seconds, " s in the database\n";
	if (!DB_PERSISTENT) {
		$db->close();
	}
} catch (Throwable $e) {
	http_response_code(500);
	$note['lta_db_error'] = preg_replace('/[^A-Za-z0-9_.:-]+/', '_',
		$e->getMessage());
	echo "error: ", $e->getMessage(), "\n";
}
foreach ($note as $name => $value) {
	apache_note($name, $value);
}
EOF
	cp "$work/htdocs/db-sleep.php" "$out/db-sleep.php"
fi
if [ "$page" = mixed ]; then
	# The slow page: a CGI script that sleeps 30 ms (fork, exec, sleep).
	mkdir -p "$work/htdocs/cgi-bin"
	printf '%s\n' '#!/bin/sh' 'sleep 0.03' \
		"printf 'Content-Type: text/plain\\r\\n\\r\\nslow\\n'" \
		>"$work/htdocs/cgi-bin/slow.cgi"
	chmod 755 "$work/htdocs/cgi-bin/slow.cgi"
fi
if [ -n "$pages" ]; then
	[ -d "$pages" ] || die "--pages $pages is not a folder"
	cp -R "$pages/." "$work/htdocs/" || die "cannot copy $pages"
fi
chmod -R a+rX "$work/htdocs"

if [ "$mpm" = event ]; then
	# 2 cores: two processes of 16 threads.
	mpm_config="StartServers 2
ServerLimit 2
ThreadLimit 16
ThreadsPerChild 16
MaxRequestWorkers 32
MinSpareThreads 8
MaxSpareThreads 32
MaxConnectionsPerChild 0"
else
	# Enough processes for the connections, and no spawn/kill churn.
	mpm_config="StartServers 8
MinSpareServers 8
MaxSpareServers 32
ServerLimit 32
MaxRequestWorkers 32
MaxConnectionsPerChild 0"
fi

log_format=testbed
[ "$tiers" != 3 ] || log_format=testbed3
cat >"$conf" <<EOF
# Written by contrib/testbed/run.sh: a private Apache, started with
#   apache2 -f $conf -d $work -DFOREGROUND
ServerRoot "$work"
ServerName 127.0.0.1
Listen 127.0.0.1:$port
PidFile "$work/run/apache2.pid"
DefaultRuntimeDir "$work/run"
ErrorLog "$out/error.log"
LogLevel warn
User $run_user
Group $group

LoadModule mpm_${mpm}_module $modules/mod_mpm_$mpm.so
LoadModule authz_core_module $modules/mod_authz_core.so
LoadModule mime_module $modules/mod_mime.so
LoadModule dir_module $modules/mod_dir.so
${php_module:+LoadModule php_module $php_module}
${cgi_module:+LoadModule ${cgi_module}_module $modules/mod_$cgi_module.so
LoadModule alias_module $modules/mod_alias.so
ScriptAlias /cgi-bin/ "$work/htdocs/cgi-bin/"}
${cgi_module:+<IfModule cgid_module>
ScriptSock "$work/run/cgisock"
</IfModule>}

$mpm_config
KeepAlive ${keepalive^}
MaxKeepAliveRequests 0
KeepAliveTimeout 5
Timeout 30
GracefulShutdownTimeout 5
HostnameLookups Off

TypesConfig /etc/mime.types
DocumentRoot "$work/htdocs"
DirectoryIndex static.html
<Directory />
	AllowOverride None
	Require all denied
</Directory>
<Directory "$work/htdocs">
	Options None
	AllowOverride None
	Require all granted
</Directory>
<IfModule php_module>
	<FilesMatch "\\.php\$">
		SetHandler application/x-httpd-php
	</FilesMatch>
</IfModule>

# Per request: client address and port, start of the request (µs since the
# epoch), duration (µs), final status, body bytes, worker pid and thread id,
# connection status, requests served on the connection before this one
# (%k), request line. See README.md.
LogFormat "%a %{remote}p %{usec}t %D %>s %B %P %{tid}P %X %k \\"%r\\"" testbed
# With --tiers 3, what db.php did, through apache_note() (README.md).
LogFormat "%a %{remote}p %{usec}t %D %>s %B %P %{tid}P %X %k \\"%r\\" php_tid=%{lta_php_tid}n db_via=%{lta_db_via}n db_persistent=%{lta_db_persistent}n db_reused=%{lta_db_reused}n db_connection=%{lta_db_connection}n db_thread=%{lta_db_thread}n db_queries=%{lta_db_queries}n db_rows=%{lta_db_rows}n db_error=%{lta_db_error}n" testbed3
CustomLog "$out/access.log" $log_format
EOF
cp "$conf" "$out/apache2.conf"
rm -f "$out/access.log" "$out/error.log" "$out/wrk.txt" "$out/summary.txt" \
	"$out/lttng.log" "$out/lttng-list.txt" "$out/lttng-apps.txt" \
	"$out/mariadb.err" "$out/mariadb-setup.txt"
rm -rf "$out/trace"
apache2 -t -f "$conf" -d "$work" >"$out/apache2-configtest.txt" 2>&1 ||
	die "Apache rejects its configuration: $(cat "$out/apache2-configtest.txt")"

# --- MariaDB's data folder (--tiers 3) -------------------------------------------
# Everything of the server is under $work/mariadb, owned by $db_user:
# data/, tmp/ (its --tmpdir), run/ (socket, pid file) and its log. The
# system tables are made here, before tracing starts (mariadb-install-db
# runs its own short-lived server, not traced); the server that serves
# the run starts once the session records.
if [ "$tiers" = 3 ]; then
	db_dir=$work/mariadb
	mkdir -p "$db_dir/data" "$db_dir/tmp" "$db_dir/run"
	chown -R "$db_user:" "$db_dir" || die "cannot give $db_dir to $db_user"
	# Apache's workers reach the socket through run/.
	chmod 755 "$db_dir" "$db_dir/run"
	# The server's root account logs in through unix_socket
	# authentication, without a password: as the OS user root, or, when
	# this script does not run as root, as the account mariadb-install-db
	# makes for the OS user that runs it. The bootstrap server's temporary
	# files go to TMPDIR: ours.
	TMPDIR=$db_dir/tmp mariadb-install-db --no-defaults \
		--datadir="$db_dir/data" \
		--user="$db_user" --auth-root-authentication-method=socket \
		--skip-test-db --skip-name-resolve >"$out/mariadb-setup.txt" 2>&1 ||
		die "mariadb-install-db failed: $(tail -5 "$out/mariadb-setup.txt")"
	db_admin=root
	[ "$(id -u)" -eq 0 ] || db_admin=$db_user
fi

# --- the recording session --------------------------------------------------------

session=${LTA_TESTBED_SESSION:-testbed}
preload=
if [ "$trace" != none ]; then
	preload=liblttng-ust-fork.so.1:$lib
fi
if [ "$trace" = session ]; then
	blocking=()
	if [ -n "$blocking_timeout" ]; then
		blocking=(--blocking-timeout="$blocking_timeout")
	fi
	{
		lta_env_start_sessiond &&
			lta_env_start_relayd &&
			lttng create "$session" --live="$live_timer" \
				--set-url="net://127.0.0.1:$LTTA_RELAYD_CTRL_PORT:$LTTA_RELAYD_DATA_PORT" &&
			lttng enable-channel -u --buffers-uid \
				--subbuf-size="$subbuf_size" --num-subbuf="$num_subbuf" \
				"${blocking[@]}" chan &&
			lttng enable-event -u -c chan 'lttng_analyzer_syscall:*,lttng_analyzer_rbl:*' &&
			lttng add-context -u -c chan -t vpid -t vtid -t procname &&
			lttng start "$session"
	} >>"$out/lttng.log" 2>&1 || {
		cat "$out/lttng.log" >&2
		die "cannot set up the recording session"
	}
fi

traced_env=()
if [ -n "$preload" ]; then
	# lttng-ust waits (bounded) for the session daemon before main(), and in
	# each child after fork(), so that the first events are recorded.
	traced_env=(LD_PRELOAD="$preload" LTTNG_UST_REGISTER_TIMEOUT=10000)
	if [ -n "$blocking_timeout" ]; then
		traced_env+=(LTTNG_UST_ALLOW_BLOCKING=1)
	fi
fi

# --- MariaDB (--tiers 3) ------------------------------------------------------------------
# A private server: no option file read (--no-defaults), its own data
# folder, socket and pid file, TCP on 127.0.0.1 only, a free port. It runs
# under the same tracer as Apache, started after the session, so that its
# whole life is recorded. performance_schema gives the page its truth (the
# OS thread that serves a connection).

# db_answers: the server answers on its socket.
db_answers()
{
	mariadb-admin --no-defaults --socket="$db_socket" --user="$db_admin" \
		--connect-timeout=2 ping >/dev/null 2>&1
}

# db_sql: runs the SQL of stdin as the server's root, through its socket.
db_sql()
{
	timeout 60 mariadb --no-defaults --socket="$db_socket" \
		--user="$db_admin" --connect-timeout=5 --batch
}

# actors_sql: the actor table of sakila (the seed experiment's database),
# $db_actors rows of made-up names.
actors_sql()
{
	cat <<'EOF'
CREATE DATABASE sakila;
USE sakila;
CREATE TABLE actor (
	actor_id SMALLINT UNSIGNED NOT NULL AUTO_INCREMENT,
	first_name VARCHAR(45) NOT NULL,
	last_name VARCHAR(45) NOT NULL,
	last_update TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
		ON UPDATE CURRENT_TIMESTAMP,
	PRIMARY KEY (actor_id),
	KEY idx_actor_last_name (last_name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
EOF
	awk -v n="$db_actors" 'BEGIN {
		split("PENELOPE NICK ED JENNIFER JOHNNY BETTE GRACE MATTHEW " \
			"JOE CHRISTIAN ZERO KARL UMA VIVIEN CUBA FRED HELEN " \
			"DAN BOB LUCILLE", first, " ")
		split("GUINESS WAHLBERG CHASE DAVIS LOLLOBRIGIDA NICHOLSON " \
			"MOSTEL JOHANSSON SWANK GABLE", last, " ")
		printf "INSERT INTO actor (actor_id, first_name, last_name, last_update) VALUES\n"
		for (i = 1; i <= n; i++) {
			printf "(%d, \x27%s\x27, \x27%s\x27, \x272006-02-15 04:34:33\x27)%s\n",
				i, first[(i - 1) % 20 + 1],
				last[int((i - 1) / 20) % 10 + 1], i < n ? "," : ";"
		}
	}'
	cat <<EOF
CREATE USER 'testbed'@'localhost' IDENTIFIED BY '$db_password';
CREATE USER 'testbed'@'127.0.0.1' IDENTIFIED BY '$db_password';
GRANT SELECT ON sakila.* TO 'testbed'@'localhost', 'testbed'@'127.0.0.1';
GRANT SELECT ON performance_schema.* TO 'testbed'@'localhost', 'testbed'@'127.0.0.1';
SELECT COUNT(*) AS actors FROM sakila.actor;
EOF
}

if [ "$tiers" = 3 ]; then
	db_user_arg=()
	[ "$(id -u)" -ne 0 ] || db_user_arg=(--user="$db_user")
	env "${traced_env[@]}" mariadbd --no-defaults "${db_user_arg[@]}" \
		--datadir="$db_dir/data" --tmpdir="$db_dir/tmp" \
		--socket="$db_socket" --pid-file="$db_dir/run/mariadbd.pid" \
		--log-error="$db_dir/mariadb.err" \
		--bind-address=127.0.0.1 --port="$db_port" --skip-name-resolve \
		--performance-schema=ON --innodb-buffer-pool-size=32M \
		>>"$out/mariadb-setup.txt" 2>&1 </dev/null &
	db_pid=$!
	db_pid_started=$db_pid
	db_started=$(start_time "$db_pid")
	deadline=$(($(date +%s) + 30))
	until db_answers; do
		if db_gone 0; then
			wait "$db_pid" 2>/dev/null
			db_pid=
			cat "$db_dir/mariadb.err" >&2 2>/dev/null
			die "mariadbd exited before answering"
		fi
		[ "$(date +%s)" -lt "$deadline" ] ||
			die "mariadbd did not answer on $db_socket in 30 s"
		sleep 0.1
	done
	[ "$(cat "/proc/$db_pid/comm" 2>/dev/null)" = mariadbd ] ||
		die "pid $db_pid is not mariadbd: cannot control MariaDB"
	actors_sql | db_sql >>"$out/mariadb-setup.txt" 2>&1 ||
		die "cannot create the database: $(tail -5 "$out/mariadb-setup.txt")"
	[ "$(tail -1 "$out/mariadb-setup.txt")" = "$db_actors" ] ||
		die "the actor table does not have $db_actors rows"
fi

# --- Apache ---------------------------------------------------------------------------

# In a session of its own: when prefork stops, it signals its whole process
# group, which would otherwise include this script and its caller. (setsid
# does not fork here, a background job not being a group leader: $! is
# Apache's pid.)
env "${traced_env[@]}" setsid apache2 -f "$conf" -d "$work" -DFOREGROUND \
	>"$out/apache2.out" 2>&1 </dev/null &
apache_pid=$!
apache_pid_started=$apache_pid
apache_stop=graceful

case $page in
static | mixed) path=/static.html ;;
php) path=/index.php ;;
db) path=/db.php ;;
esac
url=http://127.0.0.1:$port$path

answers()
{
	kill -0 "$apache_pid" 2>/dev/null || return 2
	[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 \
		"$url?ready")" = 200 ]
}

deadline=$(($(date +%s) + 30))
until answers; do
	if ! kill -0 "$apache_pid" 2>/dev/null; then
		apache_pid=
		cat "$out/apache2.out" "$out/error.log" >&2 2>/dev/null
		die "apache2 exited before answering"
	fi
	[ "$(date +%s)" -lt "$deadline" ] || die "apache2 did not answer $url in 30 s"
	sleep 0.1
done

[ "$(cat "/proc/$apache_pid/comm" 2>/dev/null)" = apache2 ] ||
	die "pid $apache_pid is not apache2: cannot control Apache"

# Every Apache process must have registered with the session daemon: the
# workers run as $run_user, lttng-ust registers them right after fork().
# all_registered: every pid of $pids is listed by lttng list -u.
all_registered()
{
	local pid

	lttng list -u >"$out/lttng-apps.txt" 2>&1 || return 1
	for pid in $pids; do
		grep -q "PID: $pid " "$out/lttng-apps.txt" || return 1
	done
}

registered=
if [ "$trace" = session ] || [ "$trace" = external ]; then
	pids="$apache_pid $(ps -o pid= --ppid "$apache_pid" | tr -d ' ') $db_pid"
	if lta_env_wait 10 all_registered; then
		registered=yes
	else
		registered=no
		echo "testbed: warning: not every Apache process ($pids) registered with lttng-sessiond" >&2
	fi
fi

# --- hooks: attach something to the live session -----------------------------------
# --on-ready CMD runs once Apache answers and (when tracing) the session is
# live; --after-load CMD once wrk has finished, Apache still up. Both run
# with bash -c in this namespace, with LTA_TESTBED_LIVE_URL (when tracing),
# LTA_TESTBED_HTTP_URL and LTA_TESTBED_OUT exported, and with --tiers 3
# LTA_TESTBED_DB_PORT and LTA_TESTBED_DB_SOCKET. A failing hook fails the
# run.
export LTA_TESTBED_HTTP_URL="$url" LTA_TESTBED_OUT="$out"
if [ "$tiers" = 3 ]; then
	# The database, for hooks that query it or name its component.
	export LTA_TESTBED_DB_PORT="$db_port" LTA_TESTBED_DB_SOCKET="$db_socket"
fi
if [ "$trace" = session ]; then
	export LTA_TESTBED_LIVE_URL="net://127.0.0.1:$LTTA_RELAYD_LIVE_PORT/host/$(hostname)/$session"
fi
hook_failed=
run_hook()
{
	[ -n "$2" ] || return 0
	bash -c "$2" || {
		echo "testbed: the $1 hook failed" >&2
		hook_failed=yes
	}
}
run_hook on-ready "${on_ready:-}"

# --- load -------------------------------------------------------------------------------

wrk_args=(-t "$threads" -c "$connections" -d "${duration}s" --latency)
if [ -n "$pipeline" ]; then
	wrk_args+=(-s "$here/pipeline.lua" "$url" -- "$pipeline")
elif [ "$page" = mixed ]; then
	wrk_args+=(-s "$here/mixed.lua" "$url" -- "$slow_every")
elif [ -n "$rate" ]; then
	# Each wrk thread gets its share of the rate (pace.lua).
	wrk_args+=(-s "$here/pace.lua" "$url" -- "$(awk -v r="$rate" -v t="$threads" 'BEGIN { print r / t }')")
else
	wrk_args+=("$url")
fi
if [ "$duration" -gt 0 ]; then
	timeout --kill-after=5 $((duration + 30)) wrk "${wrk_args[@]}" \
		>"$out/wrk.txt" 2>&1
	wrk_status=$?
else
	# --duration 0: no load; the hooks bring their own.
	: >"$out/wrk.txt"
	wrk_status=0
fi
run_hook after-load "${after_load:-}"

stop_apache
stop_mariadb

# --- the trace ----------------------------------------------------------------------

discarded=
if [ "$trace" = session ]; then
	{
		lttng stop "$session"
		lttng list "$session"
	} >"$out/lttng-list.txt" 2>&1
	lttng destroy "$session" >>"$out/lttng.log" 2>&1
	# relayd closes its files when it stops.
	lta_env_stop_pid "$LTTA_RELAYD_PID"
	metadata=$(find "$LTTA_HOME/relayd-traces" -name metadata -path '*/ust/*' -print -quit)
	if [ -n "$metadata" ]; then
		# .../HOST/SESSION-DATE/ust/uid/UID/64-bit/metadata
		session_dir=${metadata%/ust/*}
		mv "$session_dir" "$out/trace" || die "cannot move the trace to $out/trace"
	else
		echo "testbed: no trace was recorded" >&2
	fi
	discarded=$(awk '/Discarded events:/ { n += $NF } END { print n + 0 }' \
		"$out/lttng-list.txt")
fi

# --- summary ----------------------------------------------------------------------------

wrk_requests=$(awk '/ requests in / { print $1; exit }' "$out/wrk.txt")
wrk_rps=$(awk '/^Requests\/sec:/ { print $2; exit }' "$out/wrk.txt")
# "Socket errors: connect 0, read 0, write 0, timeout 0", when any.
wrk_errors=$(awk '/Socket errors:/ { n = $4 + $6 + $8 + $10 } END { print n + 0 }' \
	"$out/wrk.txt" | tr -d ,)
wrk_non2xx=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$out/wrk.txt")
logged=$(grep -c '' "$out/access.log" 2>/dev/null || echo 0)
logged_load=$(grep -c "\"GET $path HTTP" "$out/access.log" 2>/dev/null || echo 0)
{
	echo "tiers=$tiers"
	echo "mpm=$mpm"
	echo "page=$page"
	if [ "$tiers" = 3 ]; then
		echo "db=$db_via"
		echo "db_persistent=$db_persistent"
		echo "queries=$queries"
		echo "db_port=$db_port"
		echo "db_socket=$db_socket"
		echo "db_pid=$db_pid_started"
		echo "db_stop=$db_stop"
	fi
	echo "trace=$trace"
	echo "url=$url"
	echo "apache_pid=$apache_pid_started"
	echo "apache_stop=$apache_stop"
	echo "duration=$duration"
	echo "connections=$connections"
	echo "threads=$threads"
	echo "rate=${rate:-none}"
	echo "keepalive=$keepalive"
	echo "pipeline=${pipeline:-none}"
	echo "wrk_status=$wrk_status"
	echo "wrk_requests=${wrk_requests:-0}"
	echo "wrk_requests_per_s=${wrk_rps:-0}"
	echo "wrk_socket_errors=$wrk_errors"
	echo "wrk_non_2xx=${wrk_non2xx:-0}"
	echo "log_lines=$logged"
	echo "log_lines_load=$logged_load"
	[ "$trace" != external ] || echo "registered=$registered"
	if [ "$trace" = session ]; then
		echo "registered=$registered"
		echo "discarded_events=$discarded"
		echo "trace_uids=$(find "$out/trace/ust/uid" -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null | sort -n | tr '\n' ' ' | sed 's/ $//')"
	fi
} >"$out/summary.txt"

[ "$tiers" != 3 ] || echo "testbed: MariaDB (pid $db_pid_started) over $db_via, persistent connections $db_persistent, $queries queries per request and the truth query; stopped: $db_stop"
echo "testbed: $mpm MPM, $page page, trace=$trace: wrk sent ${wrk_requests:-0} requests (${wrk_rps:-0}/s), Apache logged $logged lines"
[ "$trace" != session ] || echo "testbed: discarded events: $discarded"
echo "testbed: results in $out:"
for f in trace access.log error.log wrk.txt apache2.conf summary.txt lttng-list.txt lttng-apps.txt lttng.log db.php db-sleep.php mariadb.err mariadb-setup.txt; do
	[ -e "$out/$f" ] && echo "  $out/$f"
done

[ "$wrk_status" -eq 0 ] || die "wrk failed (status $wrk_status): $(tail -3 "$out/wrk.txt")"
[ "$trace" != session ] || [ -d "$out/trace" ] || die "no trace in $out/trace"
if [ -n "$hook_failed" ]; then
	echo "testbed: a hook failed" >&2
	exit 1
fi
exit 0
