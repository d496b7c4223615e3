#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# dist-check.sh BUILDDIR: what make distcheck would say of the tarball's
# contents, in seconds instead of the whole suite's time. Runs `make dist`
# in BUILDDIR (a configured build tree), then checks that the tarball
#   - holds every file git tracks (but the few that are only the
#     repository's: .ci/, .gitignore, the .gitkeep placeholders);
#   - holds every document the man pages, the programs' --help, the README
#     and doc/architecture.md name (doc/X.md, doc/openapi.yaml, LICENSE...);
#   - builds and installs (configure --prefix, make, make install into a
#     staging folder, from the unpacked tarball, out of tree, the source
#     read-only as distcheck has it) with those documents in $(docdir), the
#     man pages naming installed paths only, the unit and the completions.
# Prints TAP.

set -u
build=$(cd "${1:?usage: dist-check.sh BUILDDIR}" && pwd)
top=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
n=0
failed=0
ok() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi
}

nice -n 10 make -C "$build" dist >"$work/dist.log" 2>&1
ok $? "make dist"
tarball=$(ls -t "$build"/lttng-analyzer-*.tar.gz | head -n 1)
name=$(basename "$tarball" .tar.gz)
tar -tzf "$tarball" | sed "s|^$name/||" | grep -v '/$' | sort >"$work/in-tarball"

if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	git -C "$top" ls-files | grep -v -e '^\.ci/' -e '^\.gitignore$' \
		-e '/\.gitkeep$' -e '^debian/.*\.debhelper' | sort >"$work/tracked"
	missing=$(comm -23 "$work/tracked" "$work/in-tarball")
	[ -z "$missing" ] || echo "$missing" | sed 's/^/# not in the tarball: /'
	ok "$([ -z "$missing" ] && echo 0 || echo 1)" "the tarball holds every tracked file"
else
	ok 0 "# SKIP not a git tree"
fi

# Documents named by what users read.
named=$(cd "$top" && { cat doc/*.in README.md doc/architecture.md;
	"$build/src/lttng-analyzer/lttng-analyzer" --help
	for c in stats requests errors windows; do
		"$build/src/lttng-analyzer/lttng-analyzer" "$c" --help
	done
	"$build/src/lttng-analyzerd/lttng-analyzerd" --help; } 2>/dev/null |
	grep -oE '(@docdir@/|/usr/share/doc/lttng-analyzer/|\bdoc/)[a-z-]+\.(md|yaml)' |
	sed -e 's|^@docdir@/|doc/|' -e 's|^/usr/share/doc/lttng-analyzer/|doc/|' | sort -u)
absent=
for f in $named LICENSE README.md; do
	case $f in
	doc/syscall-tracer.md) f=contrib/syscall-tracer/README.md ;;
	esac
	grep -qx "$f" "$work/in-tarball" || absent="$absent $f"
done
[ -z "$absent" ] || echo "# named but not in the tarball:$absent"
ok "$([ -z "$absent" ] && echo 0 || echo 1)" "every document the man pages, --help and README name is in the tarball ($(echo $named | wc -w) named)"

# Build and install from the tarball, the source read-only.
tar -C "$work" -xzf "$tarball"
chmod -R a-w "$work/$name"
mkdir "$work/build" "$work/inst"
(cd "$work/build" && nice -n 10 "$work/$name/configure" --prefix=/usr \
	--sysconfdir=/etc --with-systemdsystemunitdir=/lib/systemd/system \
	--with-bashcompletiondir=/usr/share/bash-completion/completions &&
	nice -n 10 make -j2 && make install DESTDIR="$work/inst") >"$work/build.log" 2>&1
rc=$?
[ $rc -eq 0 ] || tail -20 "$work/build.log" | sed 's/^/# /'
ok $rc "configure, make, make install from the tarball (source read-only, out of tree)"
doc=$work/inst/usr/share/doc/lttng-analyzer
absent=
for f in $named; do
	f=${f#doc/}
	[ -f "$doc/$f" ] || absent="$absent $f"
done
[ -z "$absent" ] || echo "# not installed in docdir:$absent"
ok "$([ -z "$absent" ] && echo 0 || echo 1)" "every named document is installed in /usr/share/doc/lttng-analyzer"
bad=$(grep -lE '@[a-z_]+@|\bdoc/[a-z-]+\.md|contrib/lttng-analyzerd' \
	"$work"/inst/usr/share/man/man*/* 2>/dev/null)
[ -z "$bad" ] || grep -nE '@[a-z_]+@|\bdoc/[a-z-]+\.md|contrib/lttng-analyzerd' $bad | sed 's/^/# /'
ok "$([ -z "$bad" ] && echo 0 || echo 1)" "installed man pages name installed paths only"
for m in man1/lttng-analyzer.1 man5/lttng-analyzerd.conf.5 man8/lttng-analyzerd.8; do
	f=$work/inst/usr/share/man/$m
	w=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$f" 2>&1 >/dev/null)
	[ -z "$w" ] || echo "$w" | sed 's/^/# /'
	ok "$([ -f "$f" ] && [ -z "$w" ] && echo 0 || echo 1)" "$m installed, renders without warnings"
done
for m in lttng-analyzer.1 lttng-analyzerd.8; do
	grep -q '^\.SH EXIT STATUS' "$work/inst/usr/share/man/man${m##*.}/$m" &&
		grep -q '^\.SH ENVIRONMENT' "$work/inst/usr/share/man/man${m##*.}/$m"
	ok $? "$m has EXIT STATUS and ENVIRONMENT"
done
test -f "$work/inst/lib/systemd/system/lttng-analyzerd.service" &&
	grep -q '^ExecStart=/usr/bin/lttng-analyzerd ' "$work/inst/lib/systemd/system/lttng-analyzerd.service"
ok $? "the unit is installed and names /usr/bin"
test -f "$work/inst/usr/share/bash-completion/completions/lttng-analyzer" &&
	test -f "$work/inst/usr/share/bash-completion/completions/lttng-analyzerd"
ok $? "bash completions installed"
echo "1..$n"
[ $failed -eq 0 ]
