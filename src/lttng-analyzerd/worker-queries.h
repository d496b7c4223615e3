/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The registered queries of an analysis, in its worker: each query of the
 * store (queries.h) is evaluated by a window set of its own (lib/window),
 * fed by the pipeline (system calls, ticks, the end of the input) and by
 * the segmenter (requests), and each window it closes goes to the store
 * with the requests (lta_store_writer_add_window()).
 *
 * Queries registered while the analysis runs are picked up at the next
 * refresh (the worker's housekeeping, at each commit); they count from the
 * first event they see, and their first windows, which began before, are
 * not stored (they would be partial). A deleted query stops at the next
 * refresh. So that a query covers a recorded trace whole, give it when the
 * analysis is created (POST /api/v1/analyses, "queries").
 */
#ifndef LTA_ANALYZERD_WORKER_QUERIES_H
#define LTA_ANALYZERD_WORKER_QUERIES_H

#include <stdint.h>

#include "pipeline/pipeline.h"
#include "segment/segment.h"
#include "store/store.h"

struct lta_worker_queries;

/*
 * Creates the queries of ANALYSIS, read from STORE, whose windows go to
 * WRITER (both borrowed). NULL: out of memory.
 */
struct lta_worker_queries *
lta_worker_queries_create(struct lta_store *store,
			  struct lta_store_writer *writer, int64_t analysis);

/*
 * Reads the queries registered or deleted since the last call. Returns 0,
 * or an error (the queries known stay as they were).
 */
int lta_worker_queries_refresh(struct lta_worker_queries *q);

/* A request the segmenter handed out. Returns 0 or a negative errno. */
int lta_worker_queries_request(struct lta_worker_queries *q,
			       const struct lta_request *request);

/*
 * The consumer of the pipeline: system calls, ticks, flush. Add it after
 * the segmenter's (its flush hands out the last requests first).
 */
struct lta_consumer lta_worker_queries_consumer(struct lta_worker_queries *q);

/*
 * Hands the counters of each query (events counted, late accepted,
 * partial and dropped, refused by the group cap...) to the writer, for
 * its next commit. Returns 0 or -ENOMEM.
 */
int lta_worker_queries_report(struct lta_worker_queries *q);

/* Accepts NULL. */
void lta_worker_queries_destroy(struct lta_worker_queries *q);

#endif /* LTA_ANALYZERD_WORKER_QUERIES_H */
