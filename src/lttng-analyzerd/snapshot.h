/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Snapshots: what an analysis worker says of its analysis, for the daemon.
 *
 * A worker (worker.c) writes its snapshot into the store with each commit,
 * in the same transaction as the requests, connections and errors it
 * counts (lta_store_writer_set_snapshot()): the latency histogram, counts
 * by end reason, bytes, events, errors by type, system-call tallies, the
 * agent's current timeouts, and the live counters (requests open,
 * reconnects, data gaps). The daemon reads it back for /stats, /timeouts,
 * /metrics and the analysis view: the figures never claim more than the
 * store holds, are exact after a restart of the daemon, and cost the
 * daemon no memory once the worker is gone.
 *
 * The text is JSON (one object, documented in doc/workers.md); encoding is
 * by hand on the worker's hot path, decoding with jansson in the daemon.
 */
#ifndef LTA_ANALYZERD_SNAPSHOT_H
#define LTA_ANALYZERD_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#include "analysis.h"
#include "common/strbuf.h"

struct lta_snapshot {
	struct lta_analysis_stats stats; /* stats.latency: owned. */
	int64_t requests_open;
	int64_t reconnects;
	int64_t data_gaps;
	size_t timeout_count;
	struct lta_analysis_timeout *timeouts; /* Owned. */
	size_t warning_count;
	struct lta_analysis_warning *warnings; /* Owned. */
};

/* Appends S as JSON to OUT. Any thread. */
void lta_snapshot_encode(const struct lta_snapshot *s, struct lta_strbuf *out);

/*
 * Fills S (zeroed by the call) from JSON. Returns 0, -EINVAL for text
 * that is not a snapshot, or -ENOMEM. Free S with lta_snapshot_fini()
 * whatever the result. Any thread.
 */
int lta_snapshot_decode(const char *json, struct lta_snapshot *s);

/* Frees what S owns. Accepts a zeroed S. */
void lta_snapshot_fini(struct lta_snapshot *s);

#endif /* LTA_ANALYZERD_SNAPSHOT_H */
