/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Registered continuous queries (doc/windows.md, "The daemon"): the spec a
 * client POSTs, checked and normalized into the JSON the store keeps; that
 * JSON turned back into a lib/window query by the worker that evaluates
 * it; and a stored window shown with the figures its query asked for.
 */
#ifndef LTA_ANALYZERD_QUERIES_H
#define LTA_ANALYZERD_QUERIES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "window/window.h"

/* Figures a query may ask for, besides percentiles ("p50", "p99.9"...). */
#define LTA_QUERY_FIGURES "count, rate, bytes, errors, max, histogram, pNN"

/* Percentiles a query may ask for at most. */
#define LTA_QUERY_MAX_PERCENTILES 8

/*
 * Checks SPEC (a POSTed query) and returns its normalized form (a new
 * reference: durations in ns, every field present), or NULL with a
 * message in ERROR naming what is wrong (-ENOMEM: "out of memory").
 * Accepted fields: stream ("requests", "syscalls"), range, slide, grace
 * (a duration: "1s", "500ms", or ns), group_by (a key or a list of keys:
 * component, end_reason, syscall, path), filter (component, syscall,
 * min_latency, end_reasons), max_groups, figures (a list), name.
 */
json_t *lta_query_normalize(const json_t *spec, char *error, size_t size);

/* The normalized specs of the queries every analysis gets. */
extern const char *const lta_query_defaults[];
extern const size_t lta_query_default_count;

/*
 * Fills Q from a normalized SPEC. Q's strings point into SPEC (keep it
 * while Q is used; lta_window_set_add() copies them). Returns 0, or -1 for
 * a spec that does not hold (message in ERROR).
 */
int lta_query_to_window(const json_t *spec, struct lta_window_query *q,
			char *error, size_t size);

/*
 * A stored window (its DATA, its HISTOGRAM text) as the API shows it:
 * id, start, end, group, then the figures SPEC asks for. Returns a new
 * reference, or NULL (out of memory, or data that is not JSON).
 */
json_t *lta_query_window_json(const json_t *spec, int64_t id, const char *data,
			      const char *histogram);

#endif /* LTA_ANALYZERD_QUERIES_H */
