/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Partial input, internal to the decode module: which files of a trace
 * folder babeltrace2 must not open, the warnings that say so, and the
 * filtered folders that babeltrace2 reads instead.
 *
 * babeltrace2 2.0's source.ctf.fs takes every regular file of a trace
 * folder except "metadata" and hidden ones as a stream file. It skips
 * folders, FIFOs, devices and empty files without a word (a partial result
 * that looks whole), fails the whole trace on one file it cannot open or
 * index, and opens index/NAME.idx with a plain open(), which blocks forever
 * on a FIFO. Its parameters cannot name the files to read. So source.c
 * checks each trace folder before babeltrace2 sees it (lstat/stat, and
 * open() only on regular files, non-blocking); when a file is left out,
 * babeltrace2 reads a filtered folder: a temporary folder of symbolic links
 * to the files that passed. Warnings always name the files of the real
 * trace folder.
 */
#ifndef LTA_DECODE_PARTIAL_H
#define LTA_DECODE_PARTIAL_H

#include <stdbool.h>
#include <stddef.h>

#include "decode.h"
#include "packets.h"

struct lta_warning_slot {
	char *path;   /* Owned. */
	char *reason; /* Owned. */
	struct lta_decode_warning view;
};

struct lta_warning_list {
	struct lta_warning_slot *items; /* Owned array. */
	size_t count;
};

/*
 * Adds a warning about PATH (EVENTS_LOST: see struct lta_decode_warning);
 * when PATH already has one, the new reason is appended to it ("; ").
 * Returns 0 or -ENOMEM.
 */
int lta_warnings_add(struct lta_warning_list *list, const char *path,
		     bool events_lost, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Returns warning INDEX, or NULL past the end. Borrowed. */
const struct lta_decode_warning *
lta_warnings_get(const struct lta_warning_list *list, size_t index);

void lta_warnings_fini(struct lta_warning_list *list);

struct lta_trace_filter;

/*
 * Checks the stream and index files of the trace folder TRACE_DIR, adding
 * to WARNINGS one warning per file that babeltrace2 must not open or that
 * is incomplete. Returns the filter (owned by the caller), or NULL when out
 * of memory or when the folder cannot be listed (errno set).
 */
struct lta_trace_filter *
lta_trace_filter_create(const char *trace_dir,
			struct lta_warning_list *warnings);

/*
 * Returns the folder that babeltrace2 should read: the trace folder's
 * absolute path when every file passed, else a filtered folder (made, or
 * remade after an exclusion, in $TMPDIR). NULL when it cannot be made
 * (errno set). Borrowed from the filter.
 */
const char *lta_trace_filter_dir(struct lta_trace_filter *filter);

/*
 * MESSAGE is a babeltrace2 error already passed through
 * lta_trace_filter_unshadow(). When it names a stream file that babeltrace2
 * still reads, leaves that file out from now on, with a warning. Returns
 * whether a file was left out.
 */
bool lta_trace_filter_exclude_named(struct lta_trace_filter *filter,
				    const char *message,
				    struct lta_warning_list *warnings);

/*
 * Rewrites, in MESSAGE (SIZE bytes), the paths of the folder that
 * babeltrace2 read into those of the trace folder.
 */
void lta_trace_filter_unshadow(const struct lta_trace_filter *filter,
			       char *message, size_t size);

/*
 * The stream files of the folder, by index: the name of file INDEX when
 * babeltrace2 may read it, else NULL (left out, or past the end).
 */
size_t lta_trace_filter_file_count(const struct lta_trace_filter *filter);
const char *lta_trace_filter_file(const struct lta_trace_filter *filter,
				  size_t index);
/* The trace folder's absolute path. Borrowed. */
const char *lta_trace_filter_real_dir(const struct lta_trace_filter *filter);
/*
 * Makes a new folder of links (in $TMPDIR) to the metadata and to the
 * stream files INDEX that babeltrace2 may read and TAKE[INDEX] selects,
 * with their index files: what one of several graphs reads (lanes.c).
 * Returns it (the caller frees it after lta_trace_filter_remove_dir()),
 * or NULL (errno set).
 */
char *lta_trace_filter_subset(const struct lta_trace_filter *filter,
			      const bool *take);
/*
 * As lta_trace_filter_subset() for stream file FILE alone, with an index
 * file of ours instead of the trace's, which lists packets FIRST, FIRST +
 * STEP, ... of TABLE (FILE's packets): one lane's share of the stream
 * (slices.h).
 */
char *lta_trace_filter_slice(const struct lta_trace_filter *filter, size_t file,
			     const struct lta_packet_table *table, size_t first,
			     size_t step);
/* Removes a folder made by lta_trace_filter_subset() or _slice(). */
void lta_trace_filter_remove_dir(const char *folder);
/*
 * As lta_trace_filter_unshadow(), for DIR, a folder made by
 * lta_trace_filter_subset() (what a lane read).
 */
void lta_trace_filter_unshadow_dir(const struct lta_trace_filter *filter,
				   const char *dir, char *message, size_t size);

/* Removes the filtered folder, if any, and frees. Accepts NULL. */
void lta_trace_filter_destroy(struct lta_trace_filter *filter);

/*
 * DIR has no (regular) metadata file: when it nevertheless holds stream
 * files or an index folder, it is a trace whose metadata is missing, and
 * a warning naming DIR/metadata is added. Returns 0 or -ENOMEM.
 */
int lta_partial_check_orphan(const char *dir,
			     struct lta_warning_list *warnings);

#endif /* LTA_DECODE_PARTIAL_H */
