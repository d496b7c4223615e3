/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Trace paths: the check of a folder a client asks to read, and the
 * bounded walk that finds the trace folders below it.
 *
 * Place in the data flow: the daemon checks a path from a REST client
 * with lta_trace_path_check() on its HTTP thread (cheap: a realpath() and
 * a stat()), so that a bad path is answered 4xx at once; the source
 * (lta_decode_add_path()), in whichever thread or process reads the
 * trace, finds the traces with lta_trace_discover(), which a symlink
 * loop, a huge tree or a pseudo file system cannot keep busy for long.
 * No state: any thread.
 */
#ifndef LTA_DECODE_TRACE_PATH_H
#define LTA_DECODE_TRACE_PATH_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Canonicalizes PATH (absolute; symlinks resolved) into RESOLVED (SIZE
 * bytes) and checks that it is an existing folder a trace may be read
 * from: not /proc, /sys or /dev (nor below them), and inside one of
 * ALLOWED (NULL-terminated absolute folders; NULL or empty: anywhere).
 * Returns 0, or a negative errno with a message in ERROR (ESIZE bytes):
 * -EINVAL (empty, relative, control characters), -ENAMETOOLONG, -ELOOP
 * (a symlink loop), -ENOENT, -ENOTDIR, -EACCES (not readable), -EPERM
 * (/proc, /sys, /dev, a pseudo file system, or outside the allowed
 * folders).
 */
int lta_trace_path_check(const char *path, const char *const *allowed,
			 char *resolved, size_t size, char *error,
			 size_t esize);

/* Bounds of a discovery; zero selects the default. */
typedef int (*lta_trace_found_fn)(const char *path, void *user_data);

struct lta_trace_discovery {
	int max_depth;	      /* Folders below the root at most; 8. */
	long max_entries;     /* Directory entries read at most; 100000. */
	int budget_ms;	      /* Time at most; 2000. */
	bool follow_symlinks; /* Follow symlinks out of the root too. */
	/*
	 * Called for each folder visited that is not a trace (no
	 * "metadata"), with the walk's USER_DATA; NULL: none. A non-zero
	 * return stops the walk with it (the source checks there for stream
	 * files whose metadata is missing).
	 */
	lta_trace_found_fn not_a_trace;
};

/* Called for each trace folder found; non-zero stops the walk. */
/*
 * Walks ROOT (a folder) and calls FOUND for each trace folder (one that
 * holds a "metadata" file), in name order, without going into it. A
 * symlink to a folder is followed only when it stays inside ROOT (or
 * with follow_symlinks), each folder is visited once (no loops), and
 * /proc, /sys, /dev and pseudo file systems are skipped. Returns 0
 * (maybe having found nothing), FOUND's non-zero value, or a negative
 * errno with a message in ERROR: -E2BIG (too many entries), -ETIMEDOUT
 * (over the time budget), -ENOMEM, or why ROOT cannot be read.
 */
int lta_trace_discover(const char *root,
		       const struct lta_trace_discovery *limits,
		       lta_trace_found_fn found, void *user_data, char *error,
		       size_t esize);

#endif /* LTA_DECODE_TRACE_PATH_H */
