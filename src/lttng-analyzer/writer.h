/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The request writer of the command-line tool: formats finished requests
 * (JSON lines or the text format) and writes them, on a thread of its own.
 *
 * babeltrace2 decodes on one thread; formatting a request costs about a
 * tenth of decoding its events, so it runs on the second core. The reading
 * thread copies each request into a slot of a bounded pool (buffers are
 * reused, so no allocation in steady state) and the writer formats slots in
 * order: output order is the order requests were pushed. When the writer
 * falls behind, lta_cli_writer_push() waits: memory stays bounded.
 */
#ifndef LTA_CLI_WRITER_H
#define LTA_CLI_WRITER_H

#include <stdio.h>

#include "segment/segment.h"

enum lta_cli_writer_format {
	LTA_CLI_WRITER_JSONL,
	LTA_CLI_WRITER_TEXT,
};

struct lta_cli_writer;

/*
 * Starts a writer to OUT (borrowed; only the writer thread touches it until
 * lta_cli_writer_finish() returns). Returns NULL when out of memory or when
 * the thread cannot start.
 */
struct lta_cli_writer *lta_cli_writer_create(FILE *out,
					     enum lta_cli_writer_format format);

/*
 * Queues R, with HOST (borrowed: must live until finish) for the JSON
 * "host" field. R's calls, counts and strings are moved out, not copied
 * (lta_request_move(): R is a record the segmenter lent to on_request, and
 * gets a free slot's buffers back, empty). Called by the reading thread
 * only. Returns 0, or -EIO once the writer failed to write.
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
