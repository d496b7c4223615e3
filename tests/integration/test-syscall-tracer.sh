#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# test-syscall-tracer.sh: the LD_PRELOAD system call tracer
# (contrib/syscall-tracer) changes nothing in the traced program and records
# what lttng-modules would.
#
# 1. tests/utils/syscall-exerciser runs without, then with the library, with
#    no session daemon: same output (results and errno of every call).
# 2. In a private LTTng environment (tests/utils/lttng-env.sh), a session
#    records lttng_analyzer_syscall:* while the exerciser runs with
#    liblttng-ust-fork.so and the library. babeltrace2, the independent
#    reader, must show one entry and one exit event per call the exerciser
#    printed, the failures with their -errno, and the peer ports of the
#    accepted connections that the exerciser reported on stderr; a sockname
#    event right after each connect and accept that succeeded. The HTTP
#    exchange it makes last gives exactly the expected http events, each
#    between the entry and the exit of its call.
# 3. The http event's layout is fd (s32), direction (u8), messages (u32),
#    first_line (string); the sockname event's is fd, the decoded local
#    address, local_path, peer_path, peer_pid; exit_accept4's and
#    entry_connect's are what they were before sockname existed. When the
#    shared lttng-modules traces are present, every other event's field
#    layout in the trace metadata equals the kernel's.
# 4. The sockname event: tests/utils/sockname-exerciser connects, as a
#    client, to a server it starts (TCP twice, one of them non-blocking, a
#    unix path, an abstract unix name). Without a session daemon, its
#    output is the same with and without the library. Recorded in a session
#    of its own: one sockname right after each exit of a connect that
#    returned 0 or -EINPROGRESS and of an accept that returned a descriptor,
#    on the same thread and for that descriptor, and none elsewhere (the
#    exerciser of part 2 is checked the same way); the client's lport is
#    the sport of the server's accept, the server's the client's dport; the
#    server's local_path, the client's peer_path and the bound path (or
#    '@name') are equal; each side's peer_pid is the other's pid. With the
#    event excluded from the session, the library makes none of its calls
#    (strace, when installed), though the other events are recorded.
#
# Output: TAP. make check sets top_srcdir and top_builddir; by hand they
# default to this script's ../..
#
# Reproduce a count by hand:
#   babeltrace2 TRACE | grep -c 'lttng_analyzer_syscall:exit_read: .* ret = -9,'
#   babeltrace2 TRACE | grep 'lttng_analyzer_syscall:http:'

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
LTA_SHARED_TRACES=${LTA_SHARED_TRACES:-$top_srcdir/../shared/traces}

LIB=$top_builddir/contrib/syscall-tracer/.libs/liblttng-analyzer-syscalls.so
EXERCISER=$top_builddir/tests/utils/syscall-exerciser
SOCKNAME_EXERCISER=$top_builddir/tests/utils/sockname-exerciser

. "$top_srcdir/tests/utils/lttng-env.sh"

PLAN=45
test_number=0

ok()
{
	test_number=$((test_number + 1))
	echo "ok $test_number - $1"
}

not_ok()
{
	test_number=$((test_number + 1))
	echo "not ok $test_number - $1"
}

# check DESCRIPTION COMMAND...: one assertion, the command's status.
check()
{
	local description=$1

	shift
	if "$@"; then
		ok "$description"
	else
		not_ok "$description"
	fi
}

skip()
{
	test_number=$((test_number + 1))
	echo "ok $test_number - $1 # SKIP $2"
}

diag()
{
	sed 's/^/# /' "$@"
}

if [ ! -f "$LIB" ] || [ ! -x "$EXERCISER" ] || [ ! -x "$SOCKNAME_EXERCISER" ]; then
	echo "1..0 # SKIP $LIB, $EXERCISER or $SOCKNAME_EXERCISER is not built"
	exit 0
fi

# The LTTng part needs the private namespace; enter it first, so that the
# "no session daemon" runs cannot see the machine's daemon either.
skip_reason=$(lta_env_skip_reason)
if [ -z "$skip_reason" ]; then
	lta_env_enter "$0" "$@"
	WORK=$LTTA_HOME/syscall-tracer
else
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/lta-syscall-tracer.XXXXXX")
	trap 'rm -rf "$WORK"' EXIT
fi
mkdir -p "$WORK/scratch" "$WORK/sockname"

echo "1..$PLAN"

# An exerciser built with AddressSanitizer wants libasan first in the
# library list, and lttng-ust's process-lifetime allocations are not this
# test's to judge: relax both for the preloaded runs only (the run without
# the library still checks the exerciser for leaks).
PRELOAD_ASAN_OPTIONS=${ASAN_OPTIONS:-}
if ldd "$EXERCISER" 2>/dev/null | grep -q libasan; then
	PRELOAD_ASAN_OPTIONS=${PRELOAD_ASAN_OPTIONS:+$PRELOAD_ASAN_OPTIONS:}
	PRELOAD_ASAN_OPTIONS+=verify_asan_link_order=0:detect_leaks=0
fi

FORK_LIB=
if ldconfig -p 2>/dev/null | grep -q 'liblttng-ust-fork\.so\.1 '; then
	FORK_LIB=liblttng-ust-fork.so.1
fi

# run NAME [PRELOAD]: runs the exerciser, stdout to NAME.out, stderr to
# NAME.err; returns its status.
run()
{
	local name=$1 preload=${2:-}

	if [ -n "$preload" ]; then
		ASAN_OPTIONS=$PRELOAD_ASAN_OPTIONS LD_PRELOAD=$preload \
			"$EXERCISER" "$WORK/scratch" \
			>"$WORK/$name.out" 2>"$WORK/$name.err"
	else
		"$EXERCISER" "$WORK/scratch" \
			>"$WORK/$name.out" 2>"$WORK/$name.err"
	fi
}

same_output()
{
	local reference=${2:-reference}

	if cmp -s "$WORK/$reference.out" "$WORK/$1.out"; then
		return 0
	fi
	diff "$WORK/$reference.out" "$WORK/$1.out" | diag
	return 1
}

# STRACE holds the system calls of the library's sockname event when a
# run_sockname is to record them (and strace is installed).
STRACE=
if command -v strace >/dev/null 2>&1; then
	STRACE=strace
fi

# run_sockname NAME [PRELOAD [STRACE_OUT]]: runs the sockname exerciser
# (stdout to NAME.out, stderr to NAME.err), its server too, with PRELOAD,
# under strace when STRACE_OUT is given; returns its status.
run_sockname()
{
	local name=$1 preload=${2:-} strace_out=${3:-}
	local dir=$WORK/sockname

	if [ -n "$strace_out" ]; then
		# Only the traced programs get the library, not strace.
		strace -f -qq -o "$strace_out" \
			-e trace=getsockname,getpeername,getsockopt \
			-E "ASAN_OPTIONS=$PRELOAD_ASAN_OPTIONS" \
			-E "LD_PRELOAD=$preload" \
			"$SOCKNAME_EXERCISER" "$dir" \
			>"$WORK/$name.out" 2>"$WORK/$name.err"
	elif [ -n "$preload" ]; then
		ASAN_OPTIONS=$PRELOAD_ASAN_OPTIONS LD_PRELOAD=$preload \
			"$SOCKNAME_EXERCISER" "$dir" \
			>"$WORK/$name.out" 2>"$WORK/$name.err"
	else
		"$SOCKNAME_EXERCISER" "$dir" \
			>"$WORK/$name.out" 2>"$WORK/$name.err"
	fi
}

# --- 1. no session daemon ---------------------------------------------------

# Nothing may answer lttng-ust here: an empty home, and (in the namespace)
# empty /var/run/lttng and /dev/shm.
export LTTNG_HOME=$WORK/no-daemon-home
mkdir -p "$LTTNG_HOME"

check "exerciser runs without the library" run reference
if [ ! -s "$WORK/reference.out" ]; then
	diag "$WORK/reference.err"
fi
check "exerciser runs with the library, no session daemon" \
	run nodaemon "$LIB"
check "no session daemon: same results and errno with the library" \
	same_output nodaemon
if [ -n "$FORK_LIB" ]; then
	run nodaemon-fork "$FORK_LIB:$LIB"
	check "no session daemon, with liblttng-ust-fork: same results" \
		same_output nodaemon-fork
else
	skip "no session daemon, with liblttng-ust-fork" \
		"liblttng-ust-fork.so.1 is not installed"
fi

check "sockname exerciser (client and server) runs without the library" \
	run_sockname sockname-reference
if [ ! -s "$WORK/sockname-reference.out" ]; then
	diag "$WORK/sockname-reference.err"
fi
run_sockname sockname-nodaemon "$LIB"
check "sockname exerciser, no session daemon: same results and errno" \
	same_output sockname-nodaemon sockname-reference

# --- 2. recording session -----------------------------------------------------

LTTNG_PART=39
if [ -n "$skip_reason" ]; then
	for i in $(seq "$LTTNG_PART"); do
		skip "LTTng part" "$skip_reason"
	done
	exit 0
fi

export LTTNG_HOME=$LTTA_HOME
# Bounded: lttng-ust waits for the session daemon before main().
export LTTNG_UST_REGISTER_TIMEOUT=30000
TRACE=$WORK/trace

setup_session()
{
	lta_env_start_sessiond &&
		lttng create syscall-tracer --output="$TRACE" &&
		lttng enable-channel -u --buffers-uid chan &&
		lttng enable-event -u -c chan 'lttng_analyzer_syscall:*' &&
		lttng add-context -u -c chan -t vpid -t vtid -t procname &&
		lttng start
} >"$WORK/lttng.log" 2>&1

if ! setup_session; then
	not_ok "session daemon and recording session"
	diag "$WORK/lttng.log"
	for i in $(seq $((LTTNG_PART - 1))); do
		skip "LTTng part" "no recording session"
	done
	exit 0
fi
ok "session daemon and recording session"

preload=$LIB
if [ -n "$FORK_LIB" ]; then
	preload=$FORK_LIB:$LIB
fi

paused()
{
	grep -q '^info paused 1$' "$WORK/traced.err"
}

# Half-way through, the exerciser waits on a FIFO while `lttng list -u`
# makes lttng-ust's listener thread talk to the session daemon: none of
# that traffic may be recorded.
mkfifo "$WORK/resume"
LTA_EXERCISER_PAUSE=$WORK/resume run traced "$preload" &
exerciser=$!
if lta_env_wait 30 paused; then
	lttng list -u >>"$WORK/lttng.log" 2>&1
else
	echo "the exerciser did not pause" | diag
fi
timeout 30 sh -c ': >"$1"' sh "$WORK/resume"
wait "$exerciser"
status=$?
{ lttng stop && lttng destroy; } >>"$WORK/lttng.log" 2>&1
check "traced run: exerciser succeeds" [ "$status" -eq 0 ]
check "traced run: same results and errno with the library" \
	same_output traced

# The exerciser's stderr: info <key> <value>.
info()
{
	awk -v key="$1" '$1 == "info" && $2 == key { print $3 }' \
		"$WORK/traced.err"
}
pid=$(info pid)
child_pid=$(info child_pid)
# The exerciser and its child are single-threaded: vtid = vpid.
me=$pid:$pid
child=$child_pid:$child_pid

# One line per event: <vpid>:<vtid> <event> <payload>.
babeltrace2 "$TRACE" >"$WORK/trace.txt" 2>"$WORK/babeltrace2.err"
EVENT='^.* lttng_analyzer_syscall:\([a-z0-9_]*\): { cpu_id = [0-9]* }, '
CONTEXT='{ vpid = \([0-9]*\), vtid = \([0-9]*\), procname = "[^"]*" }, '
PAYLOAD='{ \(.*\) }$'
sed -n "s/$EVENT$CONTEXT$PAYLOAD/\\2:\\3 \\1 \\4/p" \
	"$WORK/trace.txt" >"$WORK/events.txt"

trace_readable()
{
	local lines events

	lines=$(wc -l <"$WORK/trace.txt")
	events=$(wc -l <"$WORK/events.txt")
	if [ "$lines" -gt 0 ] && [ "$lines" -eq "$events" ]; then
		return 0
	fi
	echo "babeltrace2 lines=$lines, parsed events=$events" | diag
	diag "$WORK/babeltrace2.err"
	return 1
}
check "babeltrace2 reads the trace, every event parsed" trace_readable

# Only the exerciser and its child: nothing from lttng-ust's own threads.
only_exerciser()
{
	local others

	others=$(awk -v a="$me" -v b="$child" '$1 != a && $1 != b' \
		"$WORK/events.txt" | head -5)
	[ -z "$others" ] && return 0
	echo "$others" | diag
	return 1
}
check "events come from the exerciser's thread (pid $pid) and its child only" \
	only_exerciser

# The event name the kernel would record for each function the exerciser
# calls (README.md has the same table).
event_of()
{
	case $1 in
	read | __read_chk) echo read ;;
	pread | pread64 | __pread_chk | __pread64_chk) echo pread64 ;;
	pwrite | pwrite64) echo pwrite64 ;;
	open | open64 | __open_2 | __open64_2) echo open ;;
	openat | openat64 | __openat_2 | __openat64_2) echo openat ;;
	recv | recvfrom | __recv_chk | __recvfrom_chk) echo recvfrom ;;
	send | sendto) echo sendto ;;
	sendfile | sendfile64) echo sendfile64 ;;
	poll | __poll_chk) echo poll ;;
	ppoll | __ppoll_chk) echo ppoll ;;
	*) echo "$1" ;;
	esac
}

# Expected: one entry and one exit per printed call of the parent process.
while read -r function _; do
	event_of "$function"
done <"$WORK/traced.out" | sort | uniq -c |
	awk '{ print $2, $1 }' >"$WORK/expected-counts.txt"

counts_of()
{
	awk -v p="$me" -v kind="$1_" '$1 == p && index($2, kind) == 1 {
		print substr($2, length(kind) + 1) }' "$WORK/events.txt" |
		sort | uniq -c | awk '{ print $2, $1 }'
}
counts_of entry >"$WORK/entry-counts.txt"
counts_of exit >"$WORK/exit-counts.txt"

same_counts()
{
	if cmp -s "$WORK/$1" "$WORK/$2"; then
		return 0
	fi
	diff "$WORK/$1" "$WORK/$2" | diag
	return 1
}
check "entry and exit counts are equal for every system call" \
	same_counts entry-counts.txt exit-counts.txt
check "one entry event per call the exerciser made, per system call" \
	same_counts expected-counts.txt entry-counts.txt

all_syscalls_seen()
{
	local name missing=

	for name in read write readv writev pread64 pwrite64 open openat \
		close socket connect accept accept4 shutdown recvfrom \
		recvmsg sendto sendmsg sendfile64 poll ppoll epoll_wait \
		epoll_pwait select; do
		grep -q "^$name " "$WORK/exit-counts.txt" ||
			missing="$missing $name"
	done
	[ -z "$missing" ] && return 0
	echo "missing:$missing" | diag
	return 1
}
check "all 24 system calls were recorded" all_syscalls_seen

# has PATTERN: an event of the parent process matches the extended regex.
has()
{
	grep -Eq "^$me $1" "$WORK/events.txt" && return 0
	echo "no event matches: $1" | diag
	return 1
}

read_ebadf()
{
	has "entry_read fd = 1000, count = 1$" && has "exit_read ret = -9, "
}
check "read on a closed descriptor: entry fd = 1000, exit ret = -9" \
	read_ebadf

openat_enoent()
{
	has 'entry_openat dfd = -100, filename = "/nonexistent/lta-exerciser"' &&
		has "exit_openat ret = -2$"
}
check "openat of a missing file: dfd = -100, exit ret = -2" openat_enoent
check "connect to a closed port: exit ret = -111 (ECONNREFUSED)" \
	has "exit_connect ret = -111$"
check "accept4 with nothing pending: exit ret = -11 (EAGAIN)" \
	has "exit_accept4 ret = -11, "
check "non-blocking recv with no data: exit_recvfrom ret = -11" \
	has "exit_recvfrom ret = -11, "

# loopback FIELD PORT: the decoded address 127.0.0.1:PORT as babeltrace2
# prints it, FIELD being sport or dport.
loopback()
{
	printf '%s' "family = 2, $1 = $2, _v4addr_length = 4, " \
		'v4addr = \[ \[0\] = 127, \[1\] = 0, \[2\] = 0, \[3\] = 1 \], ' \
		'_v6addr_length = 0, v6addr = \[ \]'
}
server_port=$(info server_port)
accept_port=$(info accept_client_port)
accept4_port=$(info accept4_client_port)
null_port=$(info accept4_null_client_port)
ACCEPTED='ret = [0-9]+, upeer_addrlen = 16'

check "connect: dport = server port $server_port, 127.0.0.1" \
	has "entry_connect fd = [0-9]+, uservaddr = 0x[0-9A-F]+, addrlen = 0x10, $(loopback dport "$server_port")"
check "accept: sport = client port $accept_port" \
	has "exit_accept $ACCEPTED, $(loopback sport "$accept_port")"
check "accept4: sport = client port $accept4_port" \
	has "exit_accept4 $ACCEPTED, $(loopback sport "$accept4_port")"

accept4_null()
{
	has "entry_accept4 fd = [0-9]+, upeer_sockaddr = 0x0, upeer_addrlen = 0, flags = 0x0$" &&
		has "exit_accept4 $ACCEPTED, $(loopback sport "$null_port")"
}
check "accept4 without address buffer: sport = $null_port (getpeername)" \
	accept4_null

# sockname_placement EVENTS THREAD...: on each THREAD (vpid:vtid) of the
# EVENTS file, each exit of a connect that returned 0 or -115
# (EINPROGRESS) and of an accept or accept4 that returned a descriptor is
# followed at once by one sockname event for that descriptor, and no other
# event is. Prints the count of sockname events per thread.
sockname_placement()
{
	local events=$1

	shift
	awk -v threads="$*" '
	BEGIN { n = split(threads, list, " ")
		for (i = 1; i <= n; i++) wanted[list[i]] = 1 }
	function value(name,   at) {
		if (!match($0, " " name " = -?[0-9]+")) return ""
		at = substr($0, RSTART + length(name) + 4, RLENGTH - length(name) - 4)
		return at + 0
	}
	!($1 in wanted) { next }
	{ t = $1; ev = $2 }
	ev == "sockname" {
		count[t]++
		if (want[t] == "") {
			print "sockname after " (t in last ? last[t] : "nothing") ": " $0
			bad = 1
		} else if (value("fd") != want[t]) {
			print "sockname of fd " value("fd") ", wanted " want[t]
			bad = 1
		}
		want[t] = ""
		last[t] = $0
		next
	}
	want[t] != "" {
		print "no sockname after " last[t]
		bad = 1
		want[t] = ""
	}
	ev == "entry_connect" { connect_fd[t] = value("fd") }
	ev == "exit_connect" && (value("ret") == 0 || value("ret") == -115) {
		want[t] = connect_fd[t]
	}
	(ev == "exit_accept" || ev == "exit_accept4") && value("ret") >= 0 {
		want[t] = value("ret")
	}
	{ last[t] = $0 }
	END {
		for (t in want) if (want[t] != "") {
			print "no sockname after " last[t]; bad = 1
		}
		for (i = 1; i <= n; i++) print "count", list[i], count[list[i]] + 0
		exit bad
	}' "$events"
}

# The exerciser connected 3 times (and was refused once) and accepted 3
# connections (and found none pending once): 6 sockname events.
exerciser_sockname()
{
	local out status

	out=$(sockname_placement "$WORK/events.txt" "$me" "$child")
	status=$?
	[ "$status" -eq 0 ] && [ "$(echo "$out" | grep -c "^count $me 6$")" = 1 ] &&
		return 0
	echo "$out" | diag
	return 1
}
check "sockname follows each successful connect and accept of the exerciser (6)" \
	exerciser_sockname

child_traced()
{
	grep -Eq "^$child entry_write fd = [0-9]+, buf = [0-9]+, count = 5$" \
		"$WORK/events.txt" &&
		grep -Eq "^$child exit_close ret = 0$" "$WORK/events.txt" &&
		return 0
	echo "no write/close events from the child $child_pid" | diag
	return 1
}
if [ -n "$FORK_LIB" ]; then
	check "forked child (pid $child_pid) traced with liblttng-ust-fork" \
		child_traced
else
	skip "forked child traced" "liblttng-ust-fork.so.1 is not installed"
fi

# The HTTP exchange (exercise_http() in the exerciser), all on the
# server's side of one loopback connection: the requests it wrote, the
# responses it read, the peeked bytes and the bytes that start with the end
# of a body must give no event.
http_fd=$(info http_server_fd)
http_event()
{
	printf '%s fd = %s, direction = %s, messages = %s, first_line = "%s"\n' \
		"$1" "$http_fd" "$2" "$3" "$4"
}
{
	http_event read 0 3 'GET /one HTTP/1.1'
	http_event sendto 1 0 'HTTP/1.1 100 Continue'
	http_event writev 1 2 'HTTP/1.1 200 OK'
	http_event sendto 1 1 'HTTP/1.0 204 No Content'
	http_event write 1 1 'HTTP/1.1 304 Not Modified'
	http_event recvmsg 0 1 'POST /form HTTP/1.1'
} >"$WORK/expected-http.txt"

# "<system call> <payload>" for each http event of the parent process, the
# system call being that of the entry event just before it; a line
# "misplaced ..." when the events around it are not the entry and the exit
# of one call.
awk -v p="$me" '$1 == p { n++; name[n] = $2; payload[n] = $0
		sub(/^[^ ]* [^ ]* /, "", payload[n]) }
	END {
		for (i = 1; i <= n; i++) {
			if (name[i] != "http") continue
			call = substr(name[i - 1], 7)
			if (name[i - 1] !~ /^entry_/ || name[i + 1] != "exit_" call)
				print "misplaced", name[i - 1], name[i], name[i + 1]
			else
				print call, payload[i]
		}
	}' "$WORK/events.txt" >"$WORK/http.txt"

http_count()
{
	local count

	count=$(grep -c ' http ' "$WORK/events.txt")
	[ "$count" -eq 6 ] && return 0
	echo "http events: $count" | diag
	return 1
}
check "six http events in the trace" http_count

no_misplaced_http()
{
	grep -q '^misplaced ' "$WORK/http.txt" || return 0
	grep '^misplaced ' "$WORK/http.txt" | diag
	return 1
}
check "every http event is between the entry and the exit of its call" \
	no_misplaced_http
check "http events: fd = $http_fd, direction, messages, first_line as sent" \
	same_counts expected-http.txt http.txt

# --- 3. field layouts against lttng-modules ------------------------------------

# layouts PREFIX: "<event> <fields>" for each event of the metadata on stdin
# whose name starts with PREFIX (stripped), whitespace collapsed, alignments
# removed (they differ between tracers, not the values).
layouts()
{
	awk -v prefix="$1" '
	/^event \{/ { in_event = 1; text = ""; next }
	in_event { text = text " " $0 }
	in_event && /^\};/ {
		in_event = 0
		if (!match(text, /name = "[^"]*"/)) next
		name = substr(text, RSTART + 8, RLENGTH - 9)
		if (index(name, prefix) != 1) next
		at = index(text, "fields :=")
		if (!at) next
		fields = substr(text, at)
		gsub(/[ \t]+/, " ", fields)
		gsub(/align = [0-9]+; /, "", fields)
		print substr(name, length(prefix) + 1), fields
	}'
}

metadata=$(find "$TRACE" -name metadata -print -quit)
if [ -n "$metadata" ]; then
	babeltrace2 -o ctf-metadata "$(dirname "$metadata")" |
		layouts lttng_analyzer_syscall: >"$WORK/ust-layouts.txt"
fi

# The one event that is not a kernel one.
int_layout()
{
	printf 'integer { size = %s; signed = %s; %s; } _%s; ' \
		"$1" "$2" 'encoding = none; base = 10' "$3"
}
HTTP_LAYOUT="fields := struct { $(int_layout 32 1 fd)"
HTTP_LAYOUT+="$(int_layout 8 0 direction)$(int_layout 32 0 messages)"
HTTP_LAYOUT+="string _first_line; }; };"
http_layout()
{
	local fields

	fields=$(awk '$1 == "http" { $1 = ""; print substr($0, 2) }' \
		"$WORK/ust-layouts.txt" 2>/dev/null)
	[ "$fields" = "$HTTP_LAYOUT" ] && return 0
	echo "http: ${fields:-(absent)}" | diag
	return 1
}
check "http event: fd s32, direction u8, messages u32, first_line string" \
	http_layout

# field SIZE SIGNED NAME [be] [BASE]: one integer member, as layouts()
# prints it.
field()
{
	printf 'integer { size = %s; signed = %s; encoding = none; base = %s; %s} _%s; ' \
		"$1" "$2" "${5:-10}" "${4:+byte_order = be; }" "$3"
}
# The decoded address of LTA_SYSCALL_TP_SOCKADDR, its port named PORT.
sockaddr_layout()
{
	field 16 0 family
	field 16 0 "$1" be
	field 32 0 _v4addr_length
	printf '%s' "$(field 8 0 v4addr be)" |
		sed 's/ _v4addr; $/ _v4addr[ __v4addr_length ]; /'
	field 32 0 _v6addr_length
	printf '%s' "$(field 16 0 v6addr be)" |
		sed 's/ _v6addr; $/ _v6addr[ __v6addr_length ]; /'
}

# layout_is EVENT EXPECTED: EVENT's fields in the library's trace.
layout_is()
{
	local fields

	fields=$(awk -v n="$1" '$1 == n { $1 = ""; print substr($0, 2) }' \
		"$WORK/ust-layouts.txt" 2>/dev/null)
	[ "$fields" = "$2" ] && return 0
	echo "$1: ${fields:-(absent)}" | diag
	echo "$1: expected $2" | diag
	return 1
}
SOCKNAME_LAYOUT="fields := struct { $(field 32 1 fd)$(sockaddr_layout lport)"
SOCKNAME_LAYOUT+="string _local_path; string _peer_path; $(field 32 1 peer_pid)}; };"
check "sockname event: fd s32, family, lport, v4addr, v6addr, local_path, peer_path, peer_pid s32" \
	layout_is sockname "$SOCKNAME_LAYOUT"

# What the library recorded before the sockname event existed (commit
# 9f992c9), whether or not the kernel's traces are at hand.
ACCEPT4_LAYOUT="fields := struct { $(field 64 1 ret)$(field 32 1 upeer_addrlen)"
ACCEPT4_LAYOUT+="$(sockaddr_layout sport)}; };"
CONNECT_LAYOUT="fields := struct { $(field 32 1 fd)$(field 64 0 uservaddr '' 16)"
CONNECT_LAYOUT+="$(field 32 1 addrlen '' 16)$(sockaddr_layout dport)}; };"
unchanged_layouts()
{
	layout_is exit_accept4 "$ACCEPT4_LAYOUT" &&
		layout_is entry_connect "$CONNECT_LAYOUT"
}
check "exit_accept4 and entry_connect: the same fields as before sockname" \
	unchanged_layouts

# The kernel appends an `fds` sequence of structures to these events, which
# lttng-ust cannot declare: there, the library's fields must be a prefix.
same_layouts()
{
	local kernel_trace=$1 name fields kernel bad=0

	babeltrace2 -o ctf-metadata "$kernel_trace" | layouts syscall_ \
		>"$WORK/kernel-layouts.txt"
	[ -s "$WORK/ust-layouts.txt" ] || return 1
	while read -r name fields; do
		kernel=$(awk -v n="$name" '$1 == n { $1 = ""; print substr($0, 2) }' \
			"$WORK/kernel-layouts.txt")
		case $name in
		http | sockname)
			# Checked above: the kernel has no such event.
			continue
			;;
		entry_poll | exit_poll | entry_ppoll | exit_ppoll | \
			exit_epoll_wait | exit_epoll_pwait)
			fields=${fields% \}; \};}
			[ "${kernel#"$fields"}" != "$kernel" ] && continue
			;;
		*)
			[ "$fields" = "$kernel" ] && continue
			;;
		esac
		echo "$name: library: $fields" | diag
		echo "$name: kernel:  ${kernel:-(absent)}" | diag
		bad=1
	done <"$WORK/ust-layouts.txt"
	return $bad
}

KERNEL_TRACE=$LTA_SHARED_TRACES/tracevizlab-pacman-k
if [ -f "$KERNEL_TRACE/metadata" ]; then
	check "field layouts equal lttng-modules 2.11's (shared pacman trace)" \
		same_layouts "$KERNEL_TRACE"
else
	skip "field layouts equal lttng-modules'" \
		"$KERNEL_TRACE is absent"
fi

# --- 4. the sockname event -----------------------------------------------------

SOCKNAME_TRACE=$WORK/sockname-trace

# sockname_session NAME [EXCLUDE]: records the sockname exerciser in a
# session of its own (NAME-trace), with lttng_analyzer_syscall:* but
# EXCLUDE, under strace (NAME.strace) when installed; returns the
# exerciser's status. The session is gone when it returns.
sockname_session()
{
	local name=$1 exclude=${2:-} status

	{
		lttng create "$name" --output="$WORK/$name-trace" &&
			lttng enable-channel -u --buffers-uid chan &&
			lttng enable-event -u -c chan 'lttng_analyzer_syscall:*' \
				${exclude:+--exclude="$exclude"} &&
			lttng add-context -u -c chan -t vpid -t vtid -t procname &&
			lttng start
	} >>"$WORK/lttng.log" 2>&1 || return 1
	run_sockname "$name" "$preload" ${STRACE:+"$WORK/$name.strace"}
	status=$?
	{ lttng stop && lttng destroy; } >>"$WORK/lttng.log" 2>&1
	return $status
}

check "sockname session: exerciser and its server succeed" \
	sockname_session sockname
check "sockname session: same results and errno as without the library" \
	same_output sockname sockname-reference

s_info()
{
	awk -v key="$1" '$1 == "info" && $2 == key { print $3 }' \
		"$WORK/sockname.err"
}
client_pid=$(s_info client_pid)
server_pid=$(s_info server_pid)
client=$client_pid:$client_pid
server=$server_pid:$server_pid

babeltrace2 "$SOCKNAME_TRACE" >"$WORK/sockname-trace.txt" \
	2>"$WORK/babeltrace2-sockname.err"
sed -n "s/$EVENT$CONTEXT$PAYLOAD/\\2:\\3 \\1 \\4/p" \
	"$WORK/sockname-trace.txt" >"$WORK/sockname-events.txt"

sockname_readable()
{
	local lines events

	lines=$(wc -l <"$WORK/sockname-trace.txt")
	events=$(wc -l <"$WORK/sockname-events.txt")
	[ "$lines" -gt 0 ] && [ "$lines" -eq "$events" ] &&
		[ "$client_pid" != "$server_pid" ] &&
		[ "$server_pid" = "$(s_info spawned_pid)" ] && return 0
	echo "lines=$lines events=$events client=$client_pid server=$server_pid" | diag
	diag "$WORK/babeltrace2-sockname.err"
	return 1
}
check "babeltrace2 reads the sockname trace; server pid $server_pid, client $client_pid" \
	sockname_readable

both_sides_placed()
{
	local out status

	out=$(sockname_placement "$WORK/sockname-events.txt" "$client" "$server")
	status=$?
	[ "$status" -eq 0 ] &&
		echo "$out" | grep -q "^count $client 5$" &&
		echo "$out" | grep -q "^count $server 4$" &&
		[ "$(grep -c ' sockname ' "$WORK/sockname-events.txt")" = 9 ] &&
		return 0
	echo "$out" | diag
	return 1
}
check "5 sockname events in the client, 4 in the server, each right after its connect or accept exit" \
	both_sides_placed

# event_line THREAD EVENT REGEX: the THREAD's EVENT whose payload matches
# REGEX (one line expected).
event_line()
{
	grep -E "^$1 $2 $3" "$WORK/sockname-events.txt"
}

# connect_of THREAD FD FAMILY: the THREAD's entry_connect that its sockname
# of FD in FAMILY follows (descriptors are reused).
connect_of()
{
	awk -v t="$1" -v fd="$2" -v family="$3" '$1 != t { next }
		$2 == "entry_connect" { connect = $0 }
		$2 == "sockname" && $3 " " $4 " " $5 == "fd = " fd "," &&
		$6 " " $7 " " $8 == "family = " family "," { print connect }' \
		"$WORK/sockname-events.txt"
}

# value_in LINE FIELD: the integer FIELD of LINE.
value_in()
{
	printf '%s\n' "$1" | sed -n "s/.* $2 = \(-\{0,1\}[0-9]*\).*/\1/p"
}

# A regex matching TEXT literally.
literally()
{
	printf '%s' "$1" | sed 's/[][\.*^$(){}+?|]/\\&/g'
}

LOOPBACK='_v4addr_length = 4, v4addr = \[ \[0\] = 127, \[1\] = 0, \[2\] = 0, \[3\] = 1 \], _v6addr_length = 0, v6addr = \[ \]'
# babeltrace2 2.0.4 may show an empty string as the previous event's value
# (README-synthetic-traces.md): the inet paths are checked in the raw
# records below, not here.
ANY_PATHS='local_path = "[^"]*", peer_path = "[^"]*"'

# same_port WHAT A B C: A, B and C are one port number.
same_port()
{
	[ -n "$2" ] && [ "$2" = "$3" ] && [ "$3" = "$4" ] && return 0
	echo "$1: $2, $3, $4" | diag
	return 1
}

dgram_side()
{
	local fd=$(s_info client_dgram_fd)

	event_line "$client" sockname \
		"fd = $fd, family = 1, lport = 0, _v4addr_length = 0, v4addr = \[ \], _v6addr_length = 0, v6addr = \[ \], $ANY_PATHS, peer_pid = -1$" \
		>/dev/null && return 0
	grep -E "^$client sockname fd = $fd," "$WORK/sockname-events.txt" | diag
	return 1
}
check "unix datagram socket, connect(AF_UNSPEC): sockname family 1, no peer (peer_pid -1)" \
	dgram_side

tcp_client_side()
{
	local fd=$(s_info client_tcp_fd) sfd=$(s_info server_tcp_fd) line accept

	line=$(event_line "$client" sockname \
		"fd = $fd, family = 2, lport = [0-9]+, $LOOPBACK, $ANY_PATHS, peer_pid = -1$")
	accept=$(event_line "$server" exit_accept4 "ret = $sfd, upeer_addrlen = 16, family = 2, ")
	same_port "client lport, its getsockname(), server accept4 sport" \
		"$(value_in "$line" lport)" "$(s_info client_tcp_port)" \
		"$(value_in "$accept" sport)"
}
check "TCP: the client's sockname lport = the sport of the server's accept4" \
	tcp_client_side

tcp_server_side()
{
	local fd=$(s_info client_tcp_fd) sfd=$(s_info server_tcp_fd) line connect

	line=$(event_line "$server" sockname \
		"fd = $sfd, family = 2, lport = [0-9]+, $LOOPBACK, $ANY_PATHS, peer_pid = -1$")
	connect=$(connect_of "$client" "$fd" 2)
	same_port "server lport, its listener, client connect dport" \
		"$(value_in "$line" lport)" "$(s_info server_tcp_port)" \
		"$(value_in "$connect" dport)"
}
check "TCP: the server's sockname lport = the client's connect dport" \
	tcp_server_side

nonblocking_side()
{
	local fd=$(s_info client_tcp2_fd) sfd=$(s_info server_tcp2_fd)
	local ret=$(s_info client_tcp2_connect_ret) line accept

	event_line "$client" exit_connect "ret = $ret$" >/dev/null || {
		echo "no exit_connect ret = $ret" | diag
		return 1
	}
	line=$(event_line "$client" sockname \
		"fd = $fd, family = 2, lport = [0-9]+, $LOOPBACK, $ANY_PATHS, peer_pid = -1$")
	accept=$(event_line "$server" exit_accept "ret = $sfd, upeer_addrlen = 16, family = 2, ")
	same_port "client lport, its getsockname(), server accept sport" \
		"$(value_in "$line" lport)" "$(s_info client_tcp2_port)" \
		"$(value_in "$accept" sport)"
}
check "non-blocking connect (ret $(s_info client_tcp2_connect_ret)): lport = the sport of the server's accept" \
	nonblocking_side

# unix_sides NAME CLIENT_FD SERVER_FD: the server's local_path and the
# client's peer_path are NAME, each side's peer_pid the other's pid.
unix_sides()
{
	local path=$(literally "$1") ok=0
	local unix="family = 1, lport = 0, _v4addr_length = 0, v4addr = \[ \], _v6addr_length = 0, v6addr = \[ \]"

	[ -n "$1" ] || return 1
	event_line "$server" sockname \
		"fd = $3, $unix, local_path = \"$path\", peer_path = \"[^\"]*\", peer_pid = $client_pid$" \
		>/dev/null || ok=1
	event_line "$client" sockname \
		"fd = $2, $unix, local_path = \"[^\"]*\", peer_path = \"$path\", peer_pid = $server_pid$" \
		>/dev/null || ok=1
	[ "$ok" = 0 ] && return 0
	grep -E "^($client|$server) sockname .*family = 1" \
		"$WORK/sockname-events.txt" | diag
	return 1
}
check "unix path: server local_path = client peer_path = the bound path; peer_pid = the other side" \
	unix_sides "$(s_info unix_path)" "$(s_info client_unix_fd)" \
	"$(s_info server_unix_fd)"
check "abstract name: both sides '$(s_info abstract_name)'; peer_pid = the other side" \
	unix_sides "$(s_info abstract_name)" "$(s_info client_abstract_fd)" \
	"$(s_info server_abstract_fd)"

# The raw record of an inet sockname: fd, family 2, lport (big endian),
# 127.0.0.1, no IPv6 address, two empty strings, peer_pid -1, as bytes in
# the stream files (x86-64: little endian but lport).
raw_inet_records()
{
	command -v python3 >/dev/null 2>&1 || return 2
	python3 - "$SOCKNAME_TRACE" "$@" <<'PY'
import os, struct, sys
trace, pairs = sys.argv[1], sys.argv[2:]
data = b""
for folder, _, files in os.walk(trace):
    for name in files:
        if name != "metadata" and "index" not in folder:
            with open(os.path.join(folder, name), "rb") as f:
                data += f.read()
bad = 0
for pair in pairs:
    fd, port = (int(x) for x in pair.split(":"))
    record = (struct.pack("<iH", fd, 2) + struct.pack(">H", port)
              + struct.pack("<I", 4) + bytes([127, 0, 0, 1])
              + struct.pack("<I", 0) + b"\0\0" + struct.pack("<i", -1))
    found = data.count(record)
    if found != 1:
        print("fd %d, lport %d: %d records" % (fd, port, found))
        bad = 1
sys.exit(bad)
PY
}
raw_check()
{
	local out status

	out=$(raw_inet_records "$@")
	status=$?
	[ "$status" -eq 0 ] && return 0
	echo "$out" | diag
	return 1
}
if command -v python3 >/dev/null 2>&1; then
	check "TCP socknames, raw records: both paths empty, peer_pid -1" \
		raw_check "$(s_info client_tcp_fd):$(s_info client_tcp_port)" \
		"$(s_info server_tcp_fd):$(s_info server_tcp_port)"
else
	skip "TCP socknames, raw records" "python3 is not installed"
fi

# our_calls STRACE_FILE: the calls only the sockname event makes:
# getsockname() with a 128-byte buffer (the exerciser passes 16 bytes),
# and SO_PEERCRED.
our_calls()
{
	grep -cE 'getsockname.*\[128 =>|SO_PEERCRED' "$1"
}
if [ -n "$STRACE" ]; then
	enabled_calls()
	{
		local n

		n=$(our_calls "$WORK/sockname.strace")
		[ "$n" = 14 ] && return 0
		echo "calls: $n" | diag
		return 1
	}
	check "enabled: 9 getsockname and 5 SO_PEERCRED (unix sockets only)" \
		enabled_calls
	disabled_calls()
	{
		local n connects

		n=$(our_calls "$WORK/sockname-off.strace")
		babeltrace2 "$WORK/sockname-off-trace" >"$WORK/sockname-off.txt" 2>&1
		connects=$(grep -c 'lttng_analyzer_syscall:exit_connect:' \
			"$WORK/sockname-off.txt")
		[ "$n" = 0 ] && [ "$connects" = 6 ] &&
			! grep -q 'lttng_analyzer_syscall:sockname' \
				"$WORK/sockname-off.txt" && return 0
		echo "calls: $n, exit_connect events: $connects" | diag
		return 1
	}
	if sockname_session sockname-off 'lttng_analyzer_syscall:sockname'; then
		check "sockname excluded: no call of its own, other events recorded" \
			disabled_calls
	else
		not_ok "sockname excluded: the exerciser failed"
		diag "$WORK/sockname-off.err"
	fi
else
	skip "enabled: the event's system calls" "strace is not installed"
	skip "sockname excluded: no call of its own" "strace is not installed"
fi

[ "$test_number" -eq "$PLAN" ] || echo "# planned $PLAN tests, ran $test_number"
