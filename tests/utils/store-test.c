/* SPDX-License-Identifier: GPL-2.0-only */
#include "store-test.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"

static char root[256];

void store_test_init(const char *name)
{
	const char *tmpdir = getenv("TMPDIR");

	snprintf(root, sizeof(root), "%s/%s-XXXXXX",
		 tmpdir && tmpdir[0] ? tmpdir : "/tmp", name);
	if (!mkdtemp(root)) {
		skip_all("cannot create a temporary folder");
	}
}

void store_test_fini(void)
{
	rmdir(root);
}

void store_test_dir(char *out, size_t size, const char *name)
{
	snprintf(out, size, "%s/%s", root, name);
}

void store_test_remove_dir(const char *dir)
{
	static const char *const files[] = {
		"lttng-analyzer.db",
		"lttng-analyzer.db-wal",
		"lttng-analyzer.db-shm",
		"lttng-analyzer.lock",
	};
	char path[512];
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
}

int64_t store_test_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}
