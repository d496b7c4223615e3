#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The systemd unit as `make install` installs it (contrib/
# lttng-analyzerd.service, made from its .in with the configured paths):
# systemd-analyze verify is clean, `systemd-analyze security` scores it
# below 5, and it has what the service needs: its own user in group
# tracing, its state and configuration folders, the optional environment
# file, a reload, the configured paths and no placeholder left.
. "$(dirname "$0")/../utils/test-lib.sh"
unit=$top_builddir/contrib/lttng-analyzerd.service
command -v systemd-analyze >/dev/null || skip_all "systemd-analyze is not installed"
[ -f "$unit" ] || skip_all "no unit built (configure --with-systemdsystemunitdir=no?)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok "$(grep -q '@[a-zA-Z_]*@' "$unit" && echo 1 || echo 0)" "no @placeholder@ left"
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
case $exec_start in
/*/lttng-analyzerd\ --config=/*/lttng-analyzer/lttng-analyzerd.conf\ *) r=0 ;;
*) r=1 ;;
esac
ok $r "ExecStart names the configured paths ($exec_start)"
for line in User=lttng-analyzer SupplementaryGroups=tracing \
	StateDirectory=lttng-analyzer ConfigurationDirectory=lttng-analyzer \
	EnvironmentFile=-/etc/default/lttng-analyzerd UMask=0077 \
	NoNewPrivileges=yes ProtectSystem=strict; do
	grep -qx "$line" "$unit"
	ok $? "$line"
done
grep -q '^ExecReload=.*-HUP' "$unit"
ok $? "ExecReload sends SIGHUP (the daemon reloads its configuration: test-daemon-reload.sh)"

# verify needs the program where ExecStart says: point it at the build.
sed "s|^ExecStart=[^ ]*|ExecStart=$top_builddir/src/lttng-analyzerd/lttng-analyzerd|" \
	"$unit" >"$tmp/lttng-analyzerd.service"
out=$(systemd-analyze verify --man=no "$tmp/lttng-analyzerd.service" 2>&1)
rc=$?
[ -z "$out" ] || echo "$out" | sed 's/^/# /'
is "$rc:$(echo "$out" | grep -c .)" "0:0" "systemd-analyze verify is clean"
score=$(systemd-analyze security --offline=true "$unit" 2>&1 |
	sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
diag "systemd-analyze security: $score"
ok "$(awk -v s="$score" 'BEGIN { print (s != "" && s < 5.0) ? 0 : 1 }')" \
	"systemd-analyze security below 5.0 ($score)"
# The score can fail: the unit without its hardening is UNSAFE.
grep -vE '^(Protect|Private|Restrict|SystemCall|Capability|NoNewPriv|Lock|Memory|RemoveIPC|KeyringMode|DevicePolicy|UMask|User=|Group=|SupplementaryGroups=|AmbientCap)' \
	"$unit" >"$tmp/bare.service"
bare=$(systemd-analyze security --offline=true "$tmp/bare.service" 2>&1 |
	sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
ok "$(awk -v s="$bare" 'BEGIN { print (s != "" && s >= 5.0) ? 0 : 1 }')" \
	"without its hardening the unit scores $bare (the check can fail)"
done_testing
