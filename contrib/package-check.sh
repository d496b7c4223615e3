#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# package-check.sh [--keep] [WORKDIR]: the Debian package, end to end.
#   1. copies the source tree (the files git tracks, with their working
#      changes; or the whole tree outside git) and builds the binary
#      packages: dpkg-buildpackage -us -uc -b (the unit tests run);
#   2. runs lintian on them: fails on any error, lists the warnings;
#   3. installs them into a fresh Debian 12 root made with debootstrap
#      (minbase, from deb.debian.org or $DEBIAN_MIRROR; the base is cached in
#      $LTA_DEBOOTSTRAP_CACHE), with apt-get for their dependencies, and
#      checks what the package promises: the user lttng-analyzer in group
#      tracing, the token (0600, its user's), the unit (systemd-analyze
#      verify, and its security score), then starts the unit's ExecStart
#      line as the unit's user and asks /api/v1/health;
#   3'. when no root can be made (no debootstrap, no network, not root):
#      unpacks the packages with dpkg -x and runs the ExecStart line from
#      there against a temporary folder instead, and says so.
# Needs: dpkg-dev, debhelper, fakeroot, lintian, the build dependencies;
# root and debootstrap for step 3. Takes minutes: not part of make check.
# Prints TAP.

set -u
keep=no
if [ "${1:-}" = --keep ]; then
	keep=yes
	shift
fi
top=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$(mktemp -d /var/tmp/lta-package-check.XXXXXX)}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
cache=${LTA_DEBOOTSTRAP_CACHE:-/var/tmp/lta-debootstrap-bookworm.tgz}
mkdir -p "$work"
n=0
failed=0
pid=
root=

ok() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
	fi
}
diag() { sed 's/^/# /'; }

cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	if [ -n "$root" ]; then
		mountpoint -q "$root/proc" && umount "$root/proc"
	fi
	if [ "$keep" = no ]; then
		rm -rf "$work"
	else
		echo "# kept $work"
	fi
}
trap cleanup EXIT

# --- 1. build ---------------------------------------------------------------
version=$(cd "$top" && dpkg-parsechangelog -SVersion)
src=$work/lttng-analyzer-$version
mkdir -p "$src"
if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	(cd "$top" && git ls-files -z | while IFS= read -r -d '' f; do
		[ -e "$f" ] && printf '%s\0' "$f"
	done | tar --null -T - -cf -) | tar -C "$src" -xf -
else
	(cd "$top" && tar --exclude=./_build -cf - .) | tar -C "$src" -xf -
fi
(cd "$src" && nice -n 10 dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1
rc=$?
[ $rc -eq 0 ] || tail -40 "$work/build.log" | diag
ok $rc "dpkg-buildpackage -us -uc -b"
grep -E '^# (TOTAL|PASS|FAIL|SKIP|ERROR):' "$work/build.log" | diag
changes=$(ls "$work"/lttng-analyzer_"$version"_*.changes 2>/dev/null | head -n 1)
debs=$(ls "$work"/*.deb 2>/dev/null)
for p in lttng-analyzer liblttng-analyzer-rbl0 liblttng-analyzer-rbl-dev \
	lttng-analyzer-syscall-tracer; do
	ls "$work/${p}_${version}_"*.deb >/dev/null 2>&1
	ok $? "package $p built"
done
[ -n "$changes" ] || { echo "1..$n"; exit 1; }

# --- 2. lintian ---------------------------------------------------------------
lintian --tag-display-limit 0 --display-info --pedantic "$changes" >"$work/lintian.log" 2>&1
errors=$(grep -c '^E: ' "$work/lintian.log")
warnings=$(grep -c '^W: ' "$work/lintian.log")
grep -E '^(E|W|I|P): ' "$work/lintian.log" | sort | uniq | diag
echo "# lintian: $errors errors, $warnings warnings"
ok "$([ "$errors" -eq 0 ] && echo 0 || echo 1)" "lintian: no error"

# --- 3. install into a fresh Debian 12 root -----------------------------------
make_root() {
	[ "$(id -u)" -eq 0 ] || { echo "not root"; return 1; }
	command -v debootstrap >/dev/null || { echo "no debootstrap"; return 1; }
	root=$work/root
	if [ -s "$cache" ]; then
		debootstrap --variant=minbase --unpack-tarball="$cache" bookworm \
			"$root" "$mirror" >"$work/debootstrap.log" 2>&1 && return 0
	else
		debootstrap --variant=minbase --make-tarball="$cache.tmp" bookworm \
			"$work/tarball-root" "$mirror" >"$work/debootstrap.log" 2>&1 &&
			mv "$cache.tmp" "$cache" &&
			debootstrap --variant=minbase --unpack-tarball="$cache" \
				bookworm "$root" "$mirror" >>"$work/debootstrap.log" 2>&1 &&
			return 0
	fi
	tail -5 "$work/debootstrap.log"
	root=
	return 1
}

# The unit's ExecStart line, with $LTTNG_ANALYZERD_OPTS replaced by $1.
exec_start() {
	sed -n 's/^ExecStart=//p' "$2" | sed "s|\$LTTNG_ANALYZERD_OPTS|$1|"
}

# wait_port FILE: the port the daemon wrote there (10 s at most).
wait_port() {
	local i=0

	while [ ! -s "$1" ] && [ $i -lt 200 ]; do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
		i=$((i + 1))
	done
	cat "$1" 2>/dev/null
}

if make_root >"$work/why" 2>&1; then
	ok 0 "a fresh Debian 12 root made with debootstrap"
	mount -t proc proc "$root/proc"
	# No service starts in the root: nothing runs systemd there.
	printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
	chmod +x "$root/usr/sbin/policy-rc.d"
	cp /etc/resolv.conf "$root/etc/resolv.conf"
	mkdir -p "$root/tmp/debs"
	cp $debs "$root/tmp/debs/"
	chroot "$root" sh -c 'apt-get update &&
		DEBIAN_FRONTEND=noninteractive apt-get install -y \
		--no-install-recommends /tmp/debs/*.deb systemd curl' \
		>"$work/install.log" 2>&1
	rc=$?
	[ $rc -eq 0 ] || tail -20 "$work/install.log" | diag
	ok $rc "apt-get install of the four packages (and systemd, curl)"
	chroot "$root" id lttng-analyzer | grep -q '(tracing)'
	ok $? "user lttng-analyzer exists, in group tracing"
	is=$(chroot "$root" stat -c '%a %U' /var/lib/lttng-analyzer/token 2>&1)
	[ "$is" = "600 lttng-analyzer" ]
	ok $? "token made at install, mode 0600, owned by lttng-analyzer ($is)"
	unit=$root/lib/systemd/system/lttng-analyzerd.service
	test -f "$unit" && test -f "$root/etc/lttng-analyzer/lttng-analyzerd.conf" &&
		test -f "$root/etc/default/lttng-analyzerd"
	ok $? "unit, configuration file and /etc/default/lttng-analyzerd installed"
	out=$(chroot "$root" systemd-analyze verify --man=no \
		lttng-analyzerd.service 2>&1)
	rc=$?
	[ -z "$out" ] || echo "$out" | diag
	ok $rc "systemd-analyze verify lttng-analyzerd.service"
	score=$(chroot "$root" systemd-analyze security --offline=true \
		/lib/systemd/system/lttng-analyzerd.service 2>&1 |
		sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
	echo "# systemd-analyze security: $score"
	awk -v s="$score" 'BEGIN { exit !(s != "" && s < 5.0) }'
	ok $? "systemd-analyze security below 5.0 ($score)"
	chroot "$root" man -w lttng-analyzerd.conf >/dev/null 2>&1 ||
		test -f "$root/usr/share/man/man5/lttng-analyzerd.conf.5.gz"
	ok $? "lttng-analyzerd.conf(5) installed"
	absent=
	for f in architecture.md segmentation.md dataset-text-format.md \
		windows.md workers.md tiers.md live.md openapi.yaml syscall-tracer.md \
		fleet-vms.md; do
		[ -f "$root/usr/share/doc/lttng-analyzer/$f" ] || absent="$absent $f"
	done
	[ -z "$absent" ] || echo "# not in /usr/share/doc/lttng-analyzer:$absent"
	ok "$([ -z "$absent" ] && echo 0 || echo 1)" "the documents the man pages name are installed under those names"

	# The ExecStart line, as the unit's user and groups, on a free port.
	line=$(exec_start "--port=0 --port-file=/var/lib/lttng-analyzer/port" "$unit")
	echo "# ExecStart: $line"
	rm -f "$root/var/lib/lttng-analyzer/port"
	uid=$(awk -F: '$1 == "lttng-analyzer" { print $3 }' "$root/etc/passwd")
	gid=$(awk -F: '$1 == "lttng-analyzer" { print $3 }' "$root/etc/group")
	tgid=$(awk -F: '$1 == "tracing" { print $3 }' "$root/etc/group")
	chroot --userspec="$uid:$gid" --groups="$tgid" "$root" \
		env -i HOME=/var/lib/lttng-analyzer PATH=/usr/bin:/bin \
		LTTNG_HOME=/var/lib/lttng-analyzer $line \
		>"$work/daemon.log" 2>&1 &
	pid=$!
	port=$(wait_port "$root/var/lib/lttng-analyzer/port")
	health=$(curl -s -m 10 "http://127.0.0.1:$port/api/v1/health")
	echo "# health: $health" | cut -c1-300
	echo "$health" | grep -q '"status":"ok"'
	ok $? "the installed daemon answers /api/v1/health"
	db=$(chroot "$root" stat -c '%a %U' /var/lib/lttng-analyzer/lttng-analyzer.db 2>&1)
	[ "$db" = "600 lttng-analyzer" ]
	ok $? "database mode 0600, owned by lttng-analyzer ($db)"
	token=$(cat "$root/var/lib/lttng-analyzer/token")
	code=$(curl -s -o /dev/null -w '%{http_code}' -m 10 -X POST \
		-H 'Content-Type: application/json' -d '{}' \
		"http://127.0.0.1:$port/api/v1/analyses")
	code2=$(curl -s -o /dev/null -w '%{http_code}' -m 10 -X POST \
		-H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
		-d '{}' "http://127.0.0.1:$port/api/v1/analyses")
	[ "$code" = 401 ] && [ "$code2" != 401 ]
	ok $? "the install-time token is the one it requires ($code without, $code2 with)"
	kill -TERM "$pid"
	wait "$pid"
	ok $? "it stops cleanly on SIGTERM"
	pid=
	[ -s "$work/daemon.log" ] && head -20 "$work/daemon.log" | diag
else
	echo "# no fresh Debian 12 root ($(tail -n 1 "$work/why")): dpkg -x and the ExecStart line instead"
	x=$work/x
	for d in $debs; do dpkg -x "$d" "$x"; done
	unit=$x/lib/systemd/system/lttng-analyzerd.service
	test -f "$unit"
	ok $? "the unit is in the package"
	data=$work/data
	mkdir -p "$data"
	printf 'log-level = info\n' >"$work/conf"
	line=$(exec_start "--port=0 --port-file=$data/port --no-relayd" "$unit" |
		sed -e "s|/usr/bin/|$x/usr/bin/|" \
		    -e "s|--config=[^ ]*|--config=$work/conf|" \
		    -e "s|--data-dir=[^ ]*|--data-dir=$data|")
	echo "# ExecStart: $line"
	LD_LIBRARY_PATH=$x/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH) \
		$line >"$work/daemon.log" 2>&1 &
	pid=$!
	port=$(wait_port "$data/port")
	curl -s -m 10 "http://127.0.0.1:$port/api/v1/health" | grep -q '"status":"ok"'
	ok $? "the unpacked daemon answers /api/v1/health"
	kill -TERM "$pid"
	wait "$pid"
	pid=
fi

echo "1..$n"
[ $failed -eq 0 ]
