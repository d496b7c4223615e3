/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A latency histogram in the manner of HdrHistogram: values (nanoseconds)
 * are counted in log-linear buckets that keep 3 significant decimal digits
 * (every value is known to within 1/1024 of itself), in a fixed amount of
 * memory (about 264 KiB for 1 ns to 73 minutes), and two histograms merge by
 * adding their counts. Debian ships no HdrHistogram_c, and we need only this.
 *
 * Layout: values below 2048 have a counter each; above, each power of two
 * [2^k, 2^(k+1)) is cut into 1024 equal sub-buckets. Percentiles report the
 * highest value a sub-bucket can hold (HdrHistogram's "highest equivalent
 * value"), so a percentile is never below the true value.
 *
 * Mean and standard deviation are computed from exact running sums, not
 * from the buckets. Not thread-safe.
 */
#ifndef LTA_HISTOGRAM_HISTOGRAM_H
#define LTA_HISTOGRAM_HISTOGRAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The largest value kept exactly in buckets: 2^42 - 1 ns (73 minutes). */
#define LTA_HISTOGRAM_MAX_VALUE ((INT64_C(1) << 42) - 1)

struct lta_histogram;

/* Returns NULL when out of memory. */
struct lta_histogram *lta_histogram_create(void);

/* Accepts NULL. */
void lta_histogram_destroy(struct lta_histogram *h);

/*
 * Counts VALUE (negative values count as 0; values above
 * LTA_HISTOGRAM_MAX_VALUE are counted in the top bucket and in
 * lta_histogram_clamped()).
 */
void lta_histogram_record(struct lta_histogram *h, int64_t value);

/* Adds every count of FROM to INTO. */
void lta_histogram_merge(struct lta_histogram *into,
			 const struct lta_histogram *from);

void lta_histogram_reset(struct lta_histogram *h);

struct lta_strbuf;

/*
 * Appends H to OUT as text, exactly (lta_histogram_decode() gives it back
 * whole): "total clamped min max sum sum_squares" then the non-empty
 * buckets as " index:count". Its length grows with the buckets in use, not
 * with the count: a few KiB for a real latency distribution.
 */
void lta_histogram_encode(const struct lta_histogram *h,
			  struct lta_strbuf *out);

/*
 * Sets H to what TEXT (from lta_histogram_encode()) holds. Returns 0, or
 * -EINVAL for text that is not an encoding (H is then reset). Any input is
 * safe.
 */
int lta_histogram_decode(struct lta_histogram *h, const char *text);

uint64_t lta_histogram_count(const struct lta_histogram *h);
uint64_t lta_histogram_clamped(const struct lta_histogram *h);
int64_t lta_histogram_min(const struct lta_histogram *h);
int64_t lta_histogram_max(const struct lta_histogram *h);
double lta_histogram_mean(const struct lta_histogram *h);
double lta_histogram_stddev(const struct lta_histogram *h);

/* The exact sum of the values counted (negative ones as 0). */
double lta_histogram_sum(const struct lta_histogram *h);

/*
 * Cumulative counts at fixed bounds, for exporters with their own buckets
 * (Prometheus' `le`): sets COUNTS[i] to the number of values whose bucket's
 * highest equivalent value is at most BOUNDS[i] (nanoseconds; N bounds in
 * increasing order). A value is so counted under the first bound at least
 * the highest value its bucket may hold: never under a bound below itself,
 * and never under a bound above it by more than 1/1024 of that bound (the
 * bucket's width). Values below 2048 ns are exact. Clamped values count
 * under no bound below LTA_HISTOGRAM_MAX_VALUE. One pass over the buckets.
 */
void lta_histogram_cumulative(const struct lta_histogram *h,
			      const int64_t *bounds, size_t n,
			      uint64_t *counts);

/*
 * Returns the value at PERCENTILE (0 to 100): the highest equivalent value
 * of the bucket holding the ceil(count * percentile / 100)-th value, capped
 * by the exact maximum. 0 when the histogram is empty.
 */
int64_t lta_histogram_percentile(const struct lta_histogram *h,
				 double percentile);

/*
 * Iterates the detailed percentile spectrum the way wrk2 prints it: for
 * each step, the value, its percentile and the cumulated count. Calls FN
 * with ticks of TICKS_PER_HALF per halving distance to 100% (wrk2 uses 5);
 * stops at 100%.
 */
void lta_histogram_spectrum(const struct lta_histogram *h, int ticks_per_half,
			    void (*fn)(int64_t value, double percentile,
				       uint64_t total, void *user_data),
			    void *user_data);

#endif /* LTA_HISTOGRAM_HISTOGRAM_H */
