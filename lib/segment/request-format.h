/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Request records as text, for the dataset export (lttng-analyzer
 * requests, and later the daemon's requests.jsonl): one JSON object per
 * line, or the compact line format of doc/dataset-text-format.md. Written
 * by hand into a buffer: a JSON tree per request would cost more than
 * decoding its events.
 */
#ifndef LTA_SEGMENT_REQUEST_FORMAT_H
#define LTA_SEGMENT_REQUEST_FORMAT_H

#include <stdio.h>

#include "common/strbuf.h"
#include "segment.h"

/*
 * Appends R as one JSON object (no newline) to OUT. HOST may be NULL.
 */
void lta_request_format_json(const struct lta_request *r, const char *host,
			     struct lta_strbuf *out);

/*
 * Appends connection C as one JSON object (no newline) to OUT. HOST may be
 * NULL.
 */
void lta_connection_format_json(const struct lta_connection *c,
				const char *host, struct lta_strbuf *out);

/*
 * Prints the header line of the text dataset format (column names, after
 * a '#') to OUT.
 */
void lta_request_format_text_header(FILE *out);

/*
 * Appends R as one line of the text dataset format (no newline) to OUT.
 */
void lta_request_format_text(const struct lta_request *r,
			     struct lta_strbuf *out);

/*
 * Whether R is a whole sample of latency: answered and ended (close,
 * shutdown or keepalive), nothing lost meanwhile. "empty" connections,
 * aborted, open and replaced requests are not.
 */
bool lta_request_is_complete(const struct lta_request *r);

/*
 * Latency of R in ns: from its start to its answer handed to the kernel
 * (the exit of its last write, answered_ns), what a client waits for; the
 * duration when R wrote nothing. What the latency figures count (the
 * duration also counts the server's work after the answer: its log).
 */
int64_t lta_request_latency(const struct lta_request *r);

/* Duration of R in ns (end - start), or -1 when it has no end. */
int64_t lta_request_duration(const struct lta_request *r);

#endif /* LTA_SEGMENT_REQUEST_FORMAT_H */
