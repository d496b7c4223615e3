#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Install the Debian packages that lttng-analyzer needs to build, test and run
# its demo. Idempotent: it asks apt only for what is missing, and prints
# nothing when everything is already there.
#
# Usage: contrib/install-deps.sh [--dry-run]
set -eu

PACKAGES="
autoconf automake libtool make gcc pkg-config
babeltrace2 libbabeltrace2-dev
lttng-tools liblttng-ctl-dev liblttng-ust-dev
libmicrohttpd-dev libjansson-dev libsqlite3-dev sqlite3
libnats-dev nats-server
python3-bt2 time clang-format git clang libclang-rt-dev
apache2 libapache2-mod-php wrk curl jq python3 util-linux procps
mariadb-server mariadb-client php-mysql
prometheus
chromium chromium-driver libjs-chart.js
python3-yaml python3-jsonschema openapi-specification bash-completion
"

missing=""
for p in $PACKAGES; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done

[ -n "$missing" ] || exit 0

if [ "${1:-}" = "--dry-run" ]; then
	echo "missing:$missing"
	exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	SUDO="sudo"
fi

echo "install-deps: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# Do not let package scripts start system services (apache2, mariadb,
# lttng-sessiond): tests start their own private instances.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
	$SUDO chmod 755 "$policy"
	created_policy=1
fi
trap '[ "$created_policy" = 1 ] && $SUDO rm -f "$policy"' EXIT
$SUDO apt-get update -qq >/dev/null
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
