# SPDX-License-Identifier: GPL-2.0-only
# Prerequisites of the tests that run the three-tier testbed
# (contrib/testbed/run.sh --tiers 3). Sourced after test-lib.sh and
# lttng-env.sh, with LIB set to the system-call tracer's library.

# missing REASON: a prerequisite is absent: the test fails, saying which.
missing()
{
	echo "not ok 1 - prerequisite: $*"
	echo "1..1"
	exit 1
}

# lta_tiers_prerequisites [PROGRAM...]: skips the test where a private
# session daemon cannot run (not root, no unshare), as the other traced
# tests do; fails it when a package (contrib/install-deps.sh installs
# them), PROGRAM, or the built tracer is missing.
lta_tiers_prerequisites()
{
	local reason b u
	reason=$(lta_env_skip_reason)
	[ -z "$reason" ] || skip_all "$reason"
	for b in apache2 wrk curl jq mariadbd mariadb-install-db \
		mariadb-admin mariadb "$@"; do
		command -v "$b" >/dev/null 2>&1 ||
			missing "$b is not installed (contrib/install-deps.sh installs it)"
	done
	[ -f /usr/lib/apache2/modules/mod_mpm_prefork.so ] ||
		missing "Apache's prefork MPM module is not installed"
	ls /usr/lib/apache2/modules/libphp*.so >/dev/null 2>&1 ||
		missing "libapache2-mod-php is not installed (contrib/install-deps.sh installs it)"
	ls /etc/php/*/apache2/conf.d/*mysqli.ini >/dev/null 2>&1 ||
		missing "PHP's mysqli is not enabled for Apache (php-mysql; contrib/install-deps.sh installs it)"
	for u in www-data mysql; do
		id "$u" >/dev/null 2>&1 || missing "there is no $u user"
	done
	[ -f "$LIB" ] || missing "$LIB is not built"
	ldconfig -p 2>/dev/null | grep -q 'liblttng-ust-fork\.so\.1 ' ||
		missing "liblttng-ust-fork.so.1 is not installed (liblttng-ust-dev)"
}
