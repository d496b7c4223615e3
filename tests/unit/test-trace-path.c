/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Trace paths (lib/decode/trace-path.h) and live URLs (live-url.h): the
 * check of a requested folder, the bounded walk below it (symlink loops,
 * symlinks out of the folder, pseudo file systems, depth, entries, time)
 * and the strict parse of net:// URLs. A real tree under a temporary
 * folder.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "decode/live-url.h"
#include "decode/trace-path.h"
#include "tap.h"

static char dir[] = "/tmp/test-trace-path-XXXXXX";

struct found {
	char paths[16][PATH_MAX];
	int count;
};

static int on_found(const char *path, void *user_data)
{
	struct found *f = user_data;

	if (f->count < 16) {
		snprintf(f->paths[f->count], PATH_MAX, "%s",
			 path + strlen(dir));
	}
	f->count++;
	return 0;
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Runs CMD with $D set to the temporary folder. */
static int sh(const char *cmd)
{
	setenv("D", dir, 1);
	return system(cmd);
}

static void test_check(void)
{
	char resolved[PATH_MAX], error[512], path[PATH_MAX + 100];
	char allowed_dir[PATH_MAX];
	const char *allowed[] = { allowed_dir, NULL };
	int ret;

	ret = lta_trace_path_check("relative", NULL, resolved, sizeof(resolved),
				   error, sizeof(error));
	is_int(ret, -EINVAL, "a relative path: EINVAL (%s)", error);
	ret = lta_trace_path_check("/tmp/a\tb", NULL, resolved,
				   sizeof(resolved), error, sizeof(error));
	is_int(ret, -EINVAL, "a control character: EINVAL");
	snprintf(path, sizeof(path), "%s/loop", dir);
	ret = lta_trace_path_check(path, NULL, resolved, sizeof(resolved),
				   error, sizeof(error));
	is_int(ret, -ELOOP, "a symlink loop: ELOOP (%s)", error);
	snprintf(path, sizeof(path), "%s/%0300d", dir, 1);
	ret = lta_trace_path_check(path, NULL, resolved, sizeof(resolved),
				   error, sizeof(error));
	is_int(ret, -ENAMETOOLONG, "a 300-byte name: ENAMETOOLONG");
	memset(path, 'a', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	ret = lta_trace_path_check(path, NULL, resolved, sizeof(resolved),
				   error, sizeof(error));
	is_int(ret, -ENAMETOOLONG, "a path over PATH_MAX: ENAMETOOLONG");
	ret = lta_trace_path_check("/proc", NULL, resolved, sizeof(resolved),
				   error, sizeof(error));
	is_int(ret, -EPERM, "/proc: EPERM (%s)", error);
	ret = lta_trace_path_check("/proc/self/cwd/../../sys", NULL, resolved,
				   sizeof(resolved), error, sizeof(error));
	ok(ret == -EPERM || ret == -ENOENT, "/sys through /proc: refused");
	ret = lta_trace_path_check("/dev/", NULL, resolved, sizeof(resolved),
				   error, sizeof(error));
	is_int(ret, -EPERM, "/dev/: EPERM");
	snprintf(path, sizeof(path), "%s/t/proc", dir);
	ret = lta_trace_path_check(path, NULL, resolved, sizeof(resolved),
				   error, sizeof(error));
	is_int(ret, -EPERM, "a symlink to /proc: EPERM");
	snprintf(path, sizeof(path), "%s/t/a/metadata", dir);
	ret = lta_trace_path_check(path, NULL, resolved, sizeof(resolved),
				   error, sizeof(error));
	is_int(ret, -ENOTDIR, "a file: ENOTDIR");
	snprintf(path, sizeof(path), "%s/none", dir);
	ret = lta_trace_path_check(path, NULL, resolved, sizeof(resolved),
				   error, sizeof(error));
	is_int(ret, -ENOENT, "missing: ENOENT");
	snprintf(path, sizeof(path), "%s/t/../t/./b", dir);
	ret = lta_trace_path_check(path, NULL, resolved, sizeof(resolved),
				   error, sizeof(error));
	is_int(ret, 0, "an existing folder: accepted");
	snprintf(path, sizeof(path), "%s/t/b", dir);
	is_str(resolved, path, "made canonical");

	snprintf(allowed_dir, sizeof(allowed_dir), "%s", path); /* t/b */
	snprintf(path, sizeof(path), "%s/t/b/c", dir);
	ret = lta_trace_path_check(path, allowed, resolved, sizeof(resolved),
				   error, sizeof(error));
	is_int(ret, 0, "inside an allowed folder: accepted");
	snprintf(path, sizeof(path), "%s/t/bb", dir);
	mkdir(path, 0700);
	ret = lta_trace_path_check(path, allowed, resolved, sizeof(resolved),
				   error, sizeof(error));
	is_int(ret, -EPERM, "a sibling with the same prefix: EPERM (%s)",
	       error);
	snprintf(path, sizeof(path), "%s/t/b/c/../..", dir);
	ret = lta_trace_path_check(path, allowed, resolved, sizeof(resolved),
				   error, sizeof(error));
	is_int(ret, -EPERM, "out through ..: EPERM");
}

static void test_discover(void)
{
	struct lta_trace_discovery limits = { 0 };
	struct found f = { 0 };
	char root[PATH_MAX], error[512];
	int64_t t0;
	int ret;

	snprintf(root, sizeof(root), "%s/t", dir);
	t0 = mono_ms();
	ret = lta_trace_discover(root, NULL, on_found, &f, error,
				 sizeof(error));
	is_int(ret, 0, "discover: 0 (%s)", error);
	ok(mono_ms() - t0 < 1000, "discover: in %lld ms despite the loops",
	   (long long)(mono_ms() - t0));
	is_int(f.count, 3, "discover: three traces, each once");
	is_str(f.paths[0], "/t/a", "first, in name order");
	is_str(f.paths[1], "/t/b/c", "second");
	is_str(f.paths[2], "/t/d/1/2/3/4/5/6/7", "the deepest within 8");

	memset(&f, 0, sizeof(f));
	snprintf(root, sizeof(root), "%s/f", dir);
	ret = lta_trace_discover(root, &limits, on_found, &f, error,
				 sizeof(error));
	ok(ret == 0 && f.count == 0,
	   "a symlink out of the folder: not followed");
	limits.follow_symlinks = true;
	ret = lta_trace_discover(root, &limits, on_found, &f, error,
				 sizeof(error));
	ok(ret == 0 && f.count == 1, "follow_symlinks: followed (%d)", f.count);
	snprintf(root, sizeof(root), "%s/t", dir);

	memset(&f, 0, sizeof(f));
	memset(&limits, 0, sizeof(limits));
	limits.max_depth = 2;
	ret = lta_trace_discover(root, &limits, on_found, &f, error,
				 sizeof(error));
	is_int(f.count, 2, "max_depth 2: the deep trace is not reached");

	memset(&f, 0, sizeof(f));
	memset(&limits, 0, sizeof(limits));
	limits.max_entries = 5;
	snprintf(root, sizeof(root), "%s/many", dir);
	ret = lta_trace_discover(root, &limits, on_found, &f, error,
				 sizeof(error));
	is_int(ret, -E2BIG, "max_entries: E2BIG (%s)", error);

	memset(&limits, 0, sizeof(limits));
	limits.budget_ms = 1;
	t0 = mono_ms();
	ret = lta_trace_discover(root, &limits, on_found, &f, error,
				 sizeof(error));
	is_int(ret, -ETIMEDOUT, "budget 1 ms over 3000 folders: ETIMEDOUT (%s)",
	       error);
	ok(mono_ms() - t0 < 500, "and stopped early (%lld ms)",
	   (long long)(mono_ms() - t0));

	ret = lta_trace_discover("/proc", NULL, on_found, &f, error,
				 sizeof(error));
	is_int(ret, -EACCES, "discover /proc: refused");
	memset(&f, 0, sizeof(f));
	ret = lta_trace_discover("/", &limits, on_found, &f, error,
				 sizeof(error));
	ok(ret == 0 || ret == -ETIMEDOUT || ret == -E2BIG,
	   "discover /: bounded (%d)", ret);
}

static void test_live_urls(void)
{
	static const char *const good[] = {
		"net://relay/host/h/s",
		"net://127.0.0.1:5344/host/web1/s\"q",
		"net://[::1]:1/host/h/s",
		"net6://[fe80::1]/host/h/s",
		"net4://relay-1.example_x:65535/host/h.local/my session",
	};
	static const char *const bad[] = {
		"net://relay:99999/host/h/s",
		"net://relay:abc/host/h/s",
		"net://[::1/host/h/s",
		"net://[::1]x/host/h/s",
		"net://[zz::1]/host/h/s",
		"net://[]/host/h/s",
		"net://relay:0/host/h/s",
		"net://relay:/host/h/s",
		"net://relay:5344",
		"net://relay",
		"net://",
		"net:///host/h/s",
		"net://relay/h/s",
		"net://relay/host/h",
		"net://relay/host/h/",
		"net://relay/host//s",
		"net://relay/host/h/s/more",
		"net://re lay/host/h/s",
		"net://relay/host/h/s\n",
		"http://relay/host/h/s",
		"net://relay:1234567/host/h/s",
		"net://relay:65536/host/h/s",
	};
	struct lta_live_url url;
	char error[256];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ok(lta_live_url_parse(good[i], &url, error, sizeof(error)) == 0,
		   "live URL %s: accepted", good[i]);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		error[0] = '\0';
		ok(lta_live_url_parse(bad[i], &url, error, sizeof(error)) ==
				   -EINVAL &&
			   error[0],
		   "live URL %s: refused (%s)", bad[i], error);
	}
	lta_live_url_parse("net://[::1]:1/host/h/s", &url, error,
			   sizeof(error));
	ok(strcmp(url.relay, "::1") == 0 && url.port == 1 &&
		   strcmp(url.host, "h") == 0 && strcmp(url.session, "s") == 0,
	   "[::1]:1: relay ::1, port 1, host h, session s");
	lta_live_url_parse("net://relay/host/h/s", &url, error, sizeof(error));
	is_int(url.port, 5344, "no port: 5344");
}

int main(void)
{
	plan_no_plan();
	if (!mkdtemp(dir)) {
		skip_all("cannot create a temporary folder");
	}
	/*
	 * t/a and t/b/c are traces; t/d/1/.../7 is one 8 levels down and
	 * t/d/1/.../8 one 9 levels down; t/loop, t/b/up and t/b/c2/self
	 * are loops; t/proc and t/root lead out; t/out leads to a trace
	 * outside t. many holds 3000 empty folders.
	 */
	if (sh("set -e; cd \"$D\"; mkdir -p t/a t/b/c t/b/c2 "
	       "t/d/1/2/3/4/5/6/7/8 elsewhere/x many f; "
	       "touch t/a/metadata t/b/c/metadata elsewhere/x/metadata "
	       "t/d/1/2/3/4/5/6/7/metadata t/d/1/2/3/4/5/6/7/8/metadata; "
	       "ln -s loop loop; ln -s ../t t/loop; ln -s .. t/b/up; "
	       "ln -s . t/b/c2/self; ln -s /proc t/proc; ln -s / t/root; "
	       "ln -s ../elsewhere t/out; ln -s ../elsewhere f/out; "
	       "cd many && seq 1 3000 | xargs mkdir")) {
		skip_all("cannot make the test tree");
	}
	test_check();
	test_discover();
	test_live_urls();
	sh("rm -rf \"$D\"");
	return exit_status();
}
