# SPDX-License-Identifier: LGPL-2.1-only
# contrib/syscall-tracer: liblttng-analyzer-syscalls.so, an LD_PRELOAD library
# that records the system calls a web server makes through libc as
# lttng_analyzer_syscall:entry_<syscall>/exit_<syscall> events laid out like
# lttng-modules' (see README.md). Included by the top-level Makefile.am: paths
# are relative to the top of the tree.

# A libtool module installed in $(pkglibdir).
pkglib_LTLIBRARIES += contrib/syscall-tracer/liblttng-analyzer-syscalls.la
contrib_syscall_tracer_liblttng_analyzer_syscalls_la_SOURCES = \
	contrib/syscall-tracer/http-scan.c \
	contrib/syscall-tracer/http-scan.h \
	contrib/syscall-tracer/syscall-http.c \
	contrib/syscall-tracer/syscall-probes.c \
	contrib/syscall-tracer/syscall-sockname.c \
	contrib/syscall-tracer/syscall-tracer.c \
	contrib/syscall-tracer/syscall-tracer.h \
	contrib/syscall-tracer/wrappers-io.c \
	contrib/syscall-tracer/wrappers-net.c \
	contrib/syscall-tracer/wrappers-wait.c \
	contrib/syscall-tracer/lttng-analyzer-syscall-tp.h
# lttng-ust includes the provider header again by name: its folder must be
# on the include path.
contrib_syscall_tracer_liblttng_analyzer_syscalls_la_CPPFLAGS = \
	-I$(top_srcdir)/contrib/syscall-tracer
# Deliberately without $(AM_CFLAGS) and $(AM_LDFLAGS), which carry the
# sanitizer flags: the library is preloaded into uninstrumented programs
# (apache2, nginx), where an ASan runtime cannot be loaded.
contrib_syscall_tracer_liblttng_analyzer_syscalls_la_CFLAGS = \
	-std=gnu11 $(WARN_CFLAGS) $(LTTNG_UST_CFLAGS) -fvisibility=hidden
contrib_syscall_tracer_liblttng_analyzer_syscalls_la_LDFLAGS = \
	-module -avoid-version -shared -no-undefined
contrib_syscall_tracer_liblttng_analyzer_syscalls_la_LIBADD = \
	$(LTTNG_UST_LIBS) $(DL_LIBS)

# The programs the integration test traces. noinst, not check_PROGRAMS: the
# top-level Makefile.am runs every check program as a TAP test
# (TESTS += $(check_PROGRAMS)), and these are not tests by themselves.
noinst_PROGRAMS += tests/utils/syscall-exerciser
tests_utils_syscall_exerciser_SOURCES = tests/utils/syscall-exerciser.c
# Its two sides of TCP and unix connections, for the sockname event.
noinst_PROGRAMS += tests/utils/sockname-exerciser
tests_utils_sockname_exerciser_SOURCES = tests/utils/sockname-exerciser.c

TESTS += tests/integration/test-syscall-tracer.sh
EXTRA_DIST += \
	contrib/syscall-tracer/README.md \
	tests/integration/test-syscall-tracer.sh

# The HTTP head scanner alone, with the project's sanitizers: it reads
# whatever bytes a traced program transfers.
check_PROGRAMS += tests/unit/test-http-scan
tests_unit_test_http_scan_SOURCES = tests/unit/test-http-scan.c \
	contrib/syscall-tracer/http-scan.c contrib/syscall-tracer/http-scan.h
tests_unit_test_http_scan_CPPFLAGS = $(AM_CPPFLAGS) \
	-I$(top_srcdir)/contrib/syscall-tracer
tests_unit_test_http_scan_LDADD = $(UNIT_LDADD)

# What the http event costs a read() (bench/http-read-cost.sh). Built
# without sanitizers, like the library it runs under.
noinst_PROGRAMS += bench/http-read-cost
bench_http_read_cost_SOURCES = bench/http-read-cost.c
bench_http_read_cost_CFLAGS = -std=gnu11 $(WARN_CFLAGS)
bench_http_read_cost_LDFLAGS =
EXTRA_DIST += bench/http-read-cost.sh

# Installed as $(docdir)/syscall-tracer.md, the name the man pages use.
install-data-local: install-syscall-tracer-doc
uninstall-local: uninstall-syscall-tracer-doc
install-syscall-tracer-doc:
	$(MKDIR_P) '$(DESTDIR)$(docdir)'
	$(INSTALL_DATA) $(srcdir)/contrib/syscall-tracer/README.md \
		'$(DESTDIR)$(docdir)/syscall-tracer.md'
uninstall-syscall-tracer-doc:
	rm -f '$(DESTDIR)$(docdir)/syscall-tracer.md'
.PHONY: install-syscall-tracer-doc uninstall-syscall-tracer-doc
