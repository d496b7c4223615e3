/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The request writer of the command-line tool: formats finished requests
 * (JSON lines or the text format) and writes them, on a thread of its own
 * or on the caller's.
 *
 * On a thread of its own when babeltrace2 decodes on one thread: formatting
 * a request costs about a tenth of decoding its events, so it runs on the
 * second core. The reading thread moves each request into a slot of a
 * bounded pool (buffers are swapped back, so no allocation in steady
 * state) and the writer formats slots in order: output order is the order
 * requests were pushed. When the writer falls behind, lta_cli_writer_push()
 * waits: memory stays bounded.
 *
 * On the caller's thread when the decoding lanes (--jobs) already keep the
 * cores busy: a second core is not free, and the record is formatted while
 * the core that built it still holds it in its cache, instead of on another
 * core that must fetch each line (on the apache-prefork kernel trace, 2
 * CPUs, --jobs=2: about 7 % less CPU time in all).
 */
#ifndef LTA_CLI_WRITER_H
#define LTA_CLI_WRITER_H

#include <stdbool.h>
#include <stdio.h>

#include "segment/segment.h"

enum lta_cli_writer_format {
	LTA_CLI_WRITER_JSONL,
	LTA_CLI_WRITER_TEXT,
};

struct lta_cli_writer;

/*
 * Makes a writer to OUT (borrowed; only the writer touches it until
 * lta_cli_writer_finish() returns). Returns NULL when out of memory.
 */
struct lta_cli_writer *lta_cli_writer_create(FILE *out,
					     enum lta_cli_writer_format format);

/*
 * Before the first push: whether the writer runs on a thread of its own
 * (the default) or formats on the caller's thread. A thread that cannot
 * start leaves the writer on the caller's. Called by the reading thread
 * only; after the first push it changes nothing.
 */
void lta_cli_writer_use_thread(struct lta_cli_writer *w, bool thread);

/*
 * Queues R, with HOST (borrowed: must live until finish) for the JSON
 * "host" field. With a thread, R's calls, counts and strings are moved
 * out, not copied (lta_request_move(): R is a record the segmenter lent to
 * on_request, and gets a free slot's buffers back, empty); without, R is
 * formatted at once and left as it is. Called by the reading thread only.
 * Returns 0, or -EIO once the writer failed to write.
 */
int lta_cli_writer_push(struct lta_cli_writer *w, struct lta_request *r,
			const char *host);

/*
 * Writes everything queued, stops the thread and flushes OUT. Returns 0, or
 * the errno of the first failed write. Call once.
 */
int lta_cli_writer_finish(struct lta_cli_writer *w);

/* Accepts NULL. Finish first. */
void lta_cli_writer_destroy(struct lta_cli_writer *w);

#endif /* LTA_CLI_WRITER_H */
