# SPDX-License-Identifier: GPL-2.0-only
# A private lttng-analyzerd for tests. Source after test-lib.sh.
#
#   lta_daemon_start DATA_DIR        # LTAD_PID, LTAD_PORT, LTAD_URL, LTAD_TOKEN
#   lta_api GET /api/v1/health       # curl; body on stdout
#   lta_status                       # the HTTP status of the last lta_api
#                                    # (a file: body=$(lta_api ...) runs in
#                                    # a subshell)
#   lta_api POST /api/v1/analyses '{"path":"..."}'
#   lta_daemon_stop                  # SIGTERM, bounded wait, then SIGKILL
#
# The daemon listens on 127.0.0.1 on a port it picks (--port=0
# --port-file); a trap is the caller's business (call lta_daemon_stop).

LTAD=${LTAD:-$top_builddir/src/lttng-analyzerd/lttng-analyzerd}

lta_daemon_start()
{
	local dir=$1 n=0
	shift
	mkdir -p "$dir"
	LTAD_DIR=$dir
	if [ -z "${LTAD_TOKEN:-}" ]; then
		LTAD_TOKEN=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
	fi
	# The daemon refuses a token file that others may read.
	(umask 077 && printf '%s\n' "$LTAD_TOKEN" >"$dir/token")
	rm -f "$dir/port"
	"$LTAD" --data-dir="$dir/data" --port=0 --port-file="$dir/port" \
		--token-file="$dir/token" --log-level=info "$@" \
		>>"$dir/daemon.log" 2>&1 &
	LTAD_PID=$!
	while [ ! -s "$dir/port" ] && kill -0 "$LTAD_PID" 2>/dev/null && [ $n -lt 200 ]; do
		sleep 0.05
		n=$((n + 1))
	done
	if [ ! -s "$dir/port" ]; then
		echo "# lttng-analyzerd did not start:" && sed 's/^/#   /' "$dir/daemon.log" | tail -20
		return 1
	fi
	LTAD_PORT=$(cat "$dir/port")
	LTAD_URL="http://127.0.0.1:$LTAD_PORT"
	export LTAD_PID LTAD_PORT LTAD_URL LTAD_TOKEN
}

# lta_api METHOD PATH [BODY]: authenticated request; prints the body and
# records the status for lta_status.
lta_api()
{
	local out
	out=$(curl -s -m 20 -X "$1" -H "Authorization: Bearer $LTAD_TOKEN" \
		-H 'Content-Type: application/json' ${3:+--data-binary "$3"} \
		-w '\n%{http_code}' "$LTAD_URL$2")
	printf '%s\n' "${out##*$'\n'}" >"$LTAD_DIR/.status"
	printf '%s' "${out%$'\n'*}"
}

lta_status()
{
	cat "$LTAD_DIR/.status" 2>/dev/null
}

lta_daemon_stop()
{
	local n=0
	[ -n "${LTAD_PID:-}" ] || return 0
	kill -TERM "$LTAD_PID" 2>/dev/null
	while kill -0 "$LTAD_PID" 2>/dev/null && [ $n -lt 300 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	if kill -0 "$LTAD_PID" 2>/dev/null; then
		kill -KILL "$LTAD_PID" 2>/dev/null
		LTAD_STOP_STATUS=killed
	else
		wait "$LTAD_PID" 2>/dev/null
		LTAD_STOP_STATUS=$?
	fi
	if [ "$LTAD_STOP_STATUS" != 0 ]; then
		echo "# lttng-analyzerd stopped with status $LTAD_STOP_STATUS:"
		grep -v '^[0-9:.]* \(info\|debug\)' "$LTAD_DIR/daemon.log" 2>/dev/null |
			tail -20 | sed 's/^/#   /'
	fi
	LTAD_PID=
}

# lta_wait_ended ID: waits (5 minutes at most) until analysis ID no longer
# runs; prints its status (ended, failed, stopped, or the last one seen).
lta_wait_ended()
{
	local deadline=$(($(date +%s) + 300)) status=
	while [ "$(date +%s)" -lt $deadline ]; do
		status=$(lta_api GET "/api/v1/analyses/$1" | jq -r .status)
		case $status in ended | failed | stopped | interrupted) break ;; esac
		sleep 0.2
	done
	echo "$status"
}
