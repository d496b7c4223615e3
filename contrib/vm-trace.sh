#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# vm-trace.sh: start and stop tracing on a named VM, through the
# control-only lttng-analyzerd that runs there (doc/fleet-vms.md). The VM's
# daemon creates the session on its own lttng-sessiond, streaming to the
# relay daemon it was given (--relayd-url); the central daemons analyze it
# from that relay daemon (--attach).
#
# Usage: contrib/vm-trace.sh [--vms FILE] [--token-file FILE] VM COMMAND [ARG]...
#   VM                    a name of the VMs file, or a host name (its
#                         daemon then at http://VM:8780)
#   --vms FILE            lines "NAME URL TOKEN_FILE" ('#' comments;
#                         default ${LTA_VMS:-/etc/lttng-analyzer/vms})
#   --token-file FILE     the token, when the VMs file names none (default
#                         $LTA_TOKEN_FILE)
# Commands:
#   create SESSION [--kernel] [--no-ust] [--live-timer US]
#                         a live session (user space by default; the
#                         daemon's defaults for events and contexts)
#   start SESSION | stop SESSION | destroy SESSION
#   list                  the VM's sessions
#   health                the VM's daemon: mode, session and relay daemon
# Prints the daemon's JSON answer. Exit status 0 when it answered 2xx, 1
# otherwise (its error message on stderr), 2 on a usage error.
set -u

vms=${LTA_VMS:-/etc/lttng-analyzer/vms}
token_file=${LTA_TOKEN_FILE:-}

usage()
{
	sed -n '/^# Usage:/,/^# Prints/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
	exit 2
}

while [ $# -gt 0 ]; do
	case $1 in
	--vms) [ $# -ge 2 ] || usage; vms=$2; shift 2 ;;
	--vms=*) vms=${1#*=}; shift ;;
	--token-file) [ $# -ge 2 ] || usage; token_file=$2; shift 2 ;;
	--token-file=*) token_file=${1#*=}; shift ;;
	-h | --help) usage ;;
	-*) usage ;;
	*) break ;;
	esac
done
[ $# -ge 2 ] || usage
vm=$1
command=$2
shift 2

url=
if [ -r "$vms" ]; then
	read -r url file < <(awk -v n="$vm" '$1 == n && $1 !~ /^#/ { print $2, $3; exit }' "$vms")
	[ -n "${file:-}" ] && token_file=$file
fi
if [ -z "$url" ]; then
	case $vm in
	*[!A-Za-z0-9.-]*) echo "vm-trace: no VM \"$vm\" in $vms" >&2; exit 2 ;;
	esac
	url=http://$vm:8780
fi
token=
if [ -n "$token_file" ]; then
	token=$(cat "$token_file") || exit 2
fi

# api METHOD PATH [BODY]: prints the answer; fails unless 2xx.
api()
{
	local answer code
	answer=$(curl -s -m 120 -X "$1" ${token:+-H "Authorization: Bearer $token"} \
		-H 'Content-Type: application/json' ${3:+--data-binary "$3"} \
		-w '\n%{http_code}' "$url$2") || {
		echo "vm-trace: $vm: no answer from $url" >&2
		return 1
	}
	code=${answer##*$'\n'}
	answer=${answer%$'\n'*}
	printf '%s\n' "$answer"
	case $code in
	2??) return 0 ;;
	esac
	echo "vm-trace: $vm answered $code: $(printf '%s' "$answer" |
		sed -n 's/.*"message": *"\([^"]*\)".*/\1/p')" >&2
	return 1
}

session_arg()
{
	[ $# -ge 1 ] || usage
	case $1 in
	'' | *[!A-Za-z0-9_.-]*) echo "vm-trace: bad session name \"$1\"" >&2; exit 2 ;;
	esac
}

case $command in
create)
	session_arg "$@"
	name=$1
	shift
	ust='"ust":{}'
	kernel=
	timer=
	while [ $# -gt 0 ]; do
		case $1 in
		--kernel) kernel=',"kernel":{}'; shift ;;
		--no-ust) ust=; shift ;;
		--live-timer) [ $# -ge 2 ] || usage; timer=",\"live_timer_us\":$2"; shift 2 ;;
		*) usage ;;
		esac
	done
	body="{\"name\":\"$name\"${ust:+,$ust}$kernel$timer}"
	api POST /api/v1/sessions "${body/\{,/\{}"
	;;
start | stop)
	session_arg "$@"
	api POST "/api/v1/sessions/$1/$command"
	;;
destroy)
	session_arg "$@"
	api DELETE "/api/v1/sessions/$1"
	;;
list) api GET /api/v1/sessions ;;
health) api GET /api/v1/health ;;
*) usage ;;
esac
