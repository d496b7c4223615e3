/* SPDX-License-Identifier: GPL-2.0-only */
#include "histogram.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"

#define SUB_BITS 10
#define SUB_COUNT (1 << SUB_BITS)     /* 1024 sub-buckets per power. */
#define LINEAR_LIMIT (2 * SUB_COUNT)  /* Values below have a counter. */
#define TOP_SHIFT (42 - SUB_BITS - 1) /* Shift of the top power. */
#define INDEX_COUNT (LINEAR_LIMIT + TOP_SHIFT * SUB_COUNT)

struct lta_histogram {
	uint64_t total;
	uint64_t clamped;
	int64_t min, max;
	double sum, sum_squares;
	uint64_t counts[INDEX_COUNT];
};

/*
 * Index of V. Below 2048: V itself. Above: with s = floor(log2(V)) - 10,
 * V >> s lies in [1024, 2047] and names the sub-bucket of width 2^s.
 */
static inline size_t index_of(uint64_t v)
{
	unsigned shift;

	if (v < LINEAR_LIMIT) {
		return (size_t)v;
	}
	shift = (unsigned)(63 - __builtin_clzll(v)) - SUB_BITS;
	return LINEAR_LIMIT + (size_t)(shift - 1) * SUB_COUNT +
	       (size_t)((v >> shift) - SUB_COUNT);
}

/* The highest value that falls in index I. */
static int64_t highest_of(size_t i)
{
	size_t shift, sub;

	if (i < LINEAR_LIMIT) {
		return (int64_t)i;
	}
	shift = (i - LINEAR_LIMIT) / SUB_COUNT + 1;
	sub = (i - LINEAR_LIMIT) % SUB_COUNT + SUB_COUNT;
	return (int64_t)(((uint64_t)(sub + 1) << shift) - 1);
}

struct lta_histogram *lta_histogram_create(void)
{
	struct lta_histogram *h = calloc(1, sizeof(*h));

	if (h) {
		lta_histogram_reset(h);
	}
	return h;
}

void lta_histogram_destroy(struct lta_histogram *h)
{
	free(h);
}

void lta_histogram_reset(struct lta_histogram *h)
{
	memset(h, 0, sizeof(*h));
	h->min = INT64_MAX;
	h->max = 0;
}

void lta_histogram_record(struct lta_histogram *h, int64_t value)
{
	if (value < 0) {
		value = 0;
	}
	h->total++;
	h->sum += (double)value;
	h->sum_squares += (double)value * (double)value;
	if (value < h->min) {
		h->min = value;
	}
	if (value > h->max) {
		h->max = value;
	}
	if (value > LTA_HISTOGRAM_MAX_VALUE) {
		h->clamped++;
		value = LTA_HISTOGRAM_MAX_VALUE;
	}
	h->counts[index_of((uint64_t)value)]++;
}

void lta_histogram_merge(struct lta_histogram *into,
			 const struct lta_histogram *from)
{
	size_t i;

	if (from->total == 0) {
		return;
	}
	for (i = 0; i < INDEX_COUNT; i++) {
		into->counts[i] += from->counts[i];
	}
	into->total += from->total;
	into->clamped += from->clamped;
	into->sum += from->sum;
	into->sum_squares += from->sum_squares;
	if (from->min < into->min) {
		into->min = from->min;
	}
	if (from->max > into->max) {
		into->max = from->max;
	}
}

void lta_histogram_encode(const struct lta_histogram *h, struct lta_strbuf *out)
{
	size_t i;

	lta_strbuf_printf(
		out,
		"%" PRIu64 " %" PRIu64 " %" PRId64 " %" PRId64 " %.17g %.17g",
		h->total, h->clamped, h->min, h->max, h->sum, h->sum_squares);
	for (i = 0; i < INDEX_COUNT; i++) {
		if (h->counts[i]) {
			lta_strbuf_printf(out, " %zu:%" PRIu64, i,
					  h->counts[i]);
		}
	}
}

int lta_histogram_decode(struct lta_histogram *h, const char *text)
{
	uint64_t sum_counts = 0;
	const char *p = text;
	char *end;
	int n = 0;

	lta_histogram_reset(h);
	if (sscanf(p,
		   "%" SCNu64 " %" SCNu64 " %" SCNd64 " %" SCNd64 " %lf %lf%n",
		   &h->total, &h->clamped, &h->min, &h->max, &h->sum,
		   &h->sum_squares, &n) != 6) {
		goto error;
	}
	p += n;
	while (*p == ' ') {
		unsigned long long index, count;

		index = strtoull(p + 1, &end, 10);
		if (end == p + 1 || *end != ':' || index >= INDEX_COUNT) {
			goto error;
		}
		p = end + 1;
		count = strtoull(p, &end, 10);
		if (end == p) {
			goto error;
		}
		p = end;
		h->counts[index] += count;
		sum_counts += count;
	}
	if (*p != '\0' || sum_counts != h->total) {
		goto error;
	}
	return 0;
error:
	lta_histogram_reset(h);
	return -EINVAL;
}

uint64_t lta_histogram_count(const struct lta_histogram *h)
{
	return h->total;
}

uint64_t lta_histogram_clamped(const struct lta_histogram *h)
{
	return h->clamped;
}

int64_t lta_histogram_min(const struct lta_histogram *h)
{
	return h->total ? h->min : 0;
}

int64_t lta_histogram_max(const struct lta_histogram *h)
{
	return h->max;
}

double lta_histogram_mean(const struct lta_histogram *h)
{
	return h->total ? h->sum / (double)h->total : 0.0;
}

double lta_histogram_sum(const struct lta_histogram *h)
{
	return h->sum;
}

void lta_histogram_cumulative(const struct lta_histogram *h,
			      const int64_t *bounds, size_t n, uint64_t *counts)
{
	uint64_t below = 0;
	size_t i = 0, b;

	/* highest_of() grows with the index: one walk serves every bound. */
	for (b = 0; b < n; b++) {
		for (; i < INDEX_COUNT && highest_of(i) <= bounds[b]; i++) {
			below += h->counts[i];
		}
		counts[b] = below;
	}
}

double lta_histogram_stddev(const struct lta_histogram *h)
{
	double mean, var;

	if (h->total == 0) {
		return 0.0;
	}
	mean = h->sum / (double)h->total;
	var = h->sum_squares / (double)h->total - mean * mean;
	return var > 0 ? sqrt(var) : 0.0;
}

/* Index holding the RANK-th value (1-based), or the last non-empty one. */
static size_t index_of_rank(const struct lta_histogram *h, uint64_t rank)
{
	uint64_t seen = 0;
	size_t i, last = 0;

	for (i = 0; i < INDEX_COUNT; i++) {
		if (!h->counts[i]) {
			continue;
		}
		seen += h->counts[i];
		last = i;
		if (seen >= rank) {
			return i;
		}
	}
	return last;
}

int64_t lta_histogram_percentile(const struct lta_histogram *h,
				 double percentile)
{
	uint64_t rank;
	int64_t v;

	if (h->total == 0) {
		return 0;
	}
	if (percentile < 0) {
		percentile = 0;
	}
	if (percentile > 100) {
		percentile = 100;
	}
	rank = (uint64_t)ceil((double)h->total * percentile / 100.0);
	if (rank < 1) {
		rank = 1;
	}
	v = highest_of(index_of_rank(h, rank));
	return v > h->max ? h->max : v;
}

void lta_histogram_spectrum(const struct lta_histogram *h, int ticks_per_half,
			    void (*fn)(int64_t value, double percentile,
				       uint64_t total, void *user_data),
			    void *user_data)
{
	double next = 0.0;
	uint64_t seen = 0;
	size_t i;

	if (h->total == 0 || ticks_per_half < 1) {
		return;
	}
	/*
	 * Like HdrHistogram's percentile iteration: report the first value
	 * whose cumulated percentile reaches each step; the step shrinks by
	 * half every time the distance to 100% halves.
	 */
	for (i = 0; i < INDEX_COUNT; i++) {
		double reached;

		if (!h->counts[i]) {
			continue;
		}
		seen += h->counts[i];
		reached = 100.0 * (double)seen / (double)h->total;
		while (reached >= next && next < 100.0) {
			int64_t v = highest_of(i);
			double halves, step;

			fn(v > h->max ? h->max : v, next, seen, user_data);
			halves = floor(log2(100.0 / (100.0 - next)));
			step = 100.0 / pow(2.0, halves + 1) / ticks_per_half;
			next += step;
			if (100.0 - next < 1e-9) {
				next = 100.0;
			}
			if (seen == h->total) {
				/*
				 * The last recorded value: as HdrHistogram's
				 * iterator (and wrk2's spectrum), one line
				 * for it, then the 100% line, not one per
				 * remaining step.
				 */
				break;
			}
		}
		if (seen == h->total) {
			fn(h->max, 100.0, seen, user_data);
			return;
		}
	}
}
