/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Latency figures of segmented requests, as wrk2 prints them.
 *
 * A summary counts requests by how they ended, and keeps a histogram of
 * the server-side latency of the complete ones: from its start (the accept
 * exit, or on a persistent connection the read of the request) to its
 * answer handed to the kernel (lta_request_latency(): so it does not include
 * time in the listen backlog, which a client-side tool like wrk2 does count,
 * nor idle keep-alive time, nor the server's work after the answer). A request
 * is complete when it ended by close, shutdown or keepalive after reading
 * something, and the tracer lost nothing meanwhile; empty connections (nothing
 * read), aborted, still open and incomplete requests are counted apart.
 * Summaries merge. Not thread-safe.
 */
#ifndef LTA_SEGMENT_SUMMARY_H
#define LTA_SEGMENT_SUMMARY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "histogram/histogram.h"
#include "segment.h"

struct lta_summary {
	uint64_t requests;
	uint64_t by_end[LTA_REQUEST_END_COUNT];
	uint64_t incomplete;
	uint64_t complete; /* In the histogram. */
	uint64_t truncated;
	uint64_t pipelined;
	uint64_t bytes_read, bytes_written;
	int64_t first_start; /* Of complete requests; -1. */
	int64_t last_end;
	struct lta_histogram *latency; /* Owned. */
};

/* Returns NULL when out of memory. */
struct lta_summary *lta_summary_create(void);
void lta_summary_destroy(struct lta_summary *s);

void lta_summary_add(struct lta_summary *s, const struct lta_request *r);

/* Complete requests per second of trace time (first start to last end). */
double lta_summary_throughput(const struct lta_summary *s);

/*
 * Prints the summary the way wrk2 prints its latency figures: the
 * percentiles 50 to 100, mean, standard deviation, max, the detailed
 * percentile spectrum, then counts and throughput.
 */
void lta_summary_print(const struct lta_summary *s, FILE *out);

/* Adds FROM's counts and latencies to INTO. */
void lta_summary_merge(struct lta_summary *into,
		       const struct lta_summary *from);

/*
 * Summaries per component: the server process a request belongs to (its
 * process name; doc/tiers.md). A component is a back tier once one of its
 * requests came from a traced client (its link is not "none"): a database
 * that the traced web server queries. The others are front tiers, whose
 * clients are not in the trace: their requests are an analysis's headline
 * figures. At most LTA_COMPONENTS_MAX components; those past it are
 * counted together under LTA_COMPONENTS_OTHER.
 */
#define LTA_COMPONENTS_MAX 32
#define LTA_COMPONENTS_OTHER "(other)"

struct lta_component_summary {
	char name[32];
	bool back;		     /* A traced client sent it requests. */
	struct lta_summary *summary; /* Owned. */
};

struct lta_components {
	size_t count;
	struct lta_component_summary items[LTA_COMPONENTS_MAX + 1];
};

/* An empty set (zeroed is one too). */
void lta_components_init(struct lta_components *c);
void lta_components_fini(struct lta_components *c);

/* Counts R in its component's summary. Returns 0 or -ENOMEM. */
int lta_components_add(struct lta_components *c, const struct lta_request *r);

/*
 * Merges the front tiers' summaries into INTO (all of them when every
 * component is a back tier: none is known to face the clients).
 */
void lta_components_front(const struct lta_components *c,
			  struct lta_summary *into);

/* The component called NAME, or NULL. */
const struct lta_component_summary *
lta_components_find(const struct lta_components *c, const char *name);

/*
 * Prints one line per component: name, tier, requests, complete,
 * requests/sec and median latency.
 */
void lta_components_print(const struct lta_components *c, FILE *out);

#endif /* LTA_SEGMENT_SUMMARY_H */
