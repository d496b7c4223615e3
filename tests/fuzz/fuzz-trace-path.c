/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer target: trace paths. lta_trace_path_check() on any string,
 * with a temporary tree as the only allowed folder (loops, symlinks out,
 * to /proc and to /); when it accepts, lta_trace_discover() walks the
 * path within a small budget. Asserts that an accepted path is canonical
 * and inside the allowed folder.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/trace-path.h"

static char dir[] = "/tmp/fuzz-trace-path-XXXXXX";

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The tree goes with the process. */
static void remove_dir(void)
{
	if (system("rm -rf \"$D\"")) {
		fprintf(stderr, "cannot remove %s\n", dir);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (!mkdtemp(dir)) {
		abort();
	}
	setenv("D", dir, 1);
	atexit(remove_dir);
	if (system("cd \"$D\" && mkdir -p t/a t/b/c && touch t/a/metadata "
		   "t/b/c/metadata && ln -s loop loop && ln -s .. t/b/up && "
		   "ln -s /proc t/proc && ln -s / t/root && ln -s . t/self")) {
		abort();
	}
	return 0;
}

static int found(const char *path, void *user_data)
{
	(void)path;
	(*(int *)user_data)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *allowed[] = { dir, NULL };
	struct lta_trace_discovery limits = { .budget_ms = 20 };
	char path[PATH_MAX + 64], resolved[PATH_MAX], error[512];
	int traces = 0;

	if (size == 0 || size >= PATH_MAX) {
		return 0;
	}
	/* Half the inputs are made relative to the tree. */
	if (data[0] & 1) {
		snprintf(path, sizeof(path), "%s/%.*s", dir, (int)(size - 1),
			 (const char *)data + 1);
	} else {
		memcpy(path, data + 1, size - 1);
		path[size - 1] = '\0';
	}
	if (lta_trace_path_check(path, allowed, resolved, sizeof(resolved),
				 error, sizeof(error)) == 0) {
		if (strncmp(resolved, dir, strlen(dir)) != 0 ||
		    strstr(resolved, "/../") || strstr(resolved, "/./")) {
			abort();
		}
		lta_trace_discover(resolved, &limits, found, &traces, error,
				   sizeof(error));
		if (traces > 2) {
			abort(); /* Each trace once, none outside. */
		}
	} else if (!error[0]) {
		abort();
	}
	return 0;
}
