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

#endif /* LTA_SEGMENT_SUMMARY_H */
