/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A compact latency histogram for windows: the same log-linear idea as
 * histogram.h, with about 2 significant digits instead of 3, and only the
 * buckets in use stored, so that one can be kept per window and group
 * (histogram.h's 264 KiB each cannot).
 *
 * Buckets: values 0 to 127 have a bucket each (exact); above, each power of
 * two [2^k, 2^(k+1)) is cut into 64 equal sub-buckets, so a value is known
 * to within 1/64 of itself (1.6 %). Indices go from 0 to
 * LTA_SPARSE_HISTOGRAM_BUCKETS - 1 and cover every non-negative int64_t;
 * no value is ever clamped. A histogram stores a sorted array of (index,
 * count) pairs for its non-empty buckets only: a real latency distribution
 * uses a few hundred at most (12 bytes each), and an empty one allocates
 * nothing.
 *
 * Two histograms merge exactly by adding counts: the merge of A and B is
 * the histogram of the union of their values, bucket for bucket, with the
 * exact count, minimum, maximum and sum. The text encoding (below) keeps
 * everything, so a stored window can be decoded and merged again.
 *
 * Percentiles report the highest value the bucket of the wanted rank can
 * hold (HdrHistogram's "highest equivalent value"), capped by the exact
 * maximum: never below the true value, at most 1/64 above it.
 *
 * Not thread-safe.
 */
#ifndef LTA_HISTOGRAM_SPARSE_H
#define LTA_HISTOGRAM_SPARSE_H

#include <stdint.h>

/* Bucket indices are below this (128 exact + 56 powers of two x 64). */
#define LTA_SPARSE_HISTOGRAM_BUCKETS 3712

struct lta_sparse_bucket {
	uint32_t index;
	uint64_t count;
};

struct lta_sparse_histogram {
	uint64_t count;
	int64_t min; /* Exact; 0 when empty. */
	int64_t max; /* Exact; 0 when empty. */
	/* Exact sum of the values (wraps past 2^64 ns: 584 years). */
	uint64_t sum;
	uint32_t used;			   /* Buckets in use. */
	uint32_t alloc;			   /* Room in buckets. */
	struct lta_sparse_bucket *buckets; /* Owned; sorted by index. */
};

/*
 * Initialises an empty histogram (no allocation). Equivalent to zeroing
 * it.
 */
void lta_sparse_histogram_init(struct lta_sparse_histogram *h);

/* Frees H's buckets; H is then empty and may be used again. */
void lta_sparse_histogram_fini(struct lta_sparse_histogram *h);

/* Returns the bucket index of VALUE (negative values count as 0). */
uint32_t lta_sparse_histogram_index(int64_t value);

/* Returns the lowest and the highest value bucket INDEX holds. */
int64_t lta_sparse_histogram_lowest(uint32_t index);
int64_t lta_sparse_histogram_highest(uint32_t index);

/*
 * Counts VALUE (negative values count as 0). Returns 0, or -ENOMEM (H is
 * then unchanged).
 */
int lta_sparse_histogram_record(struct lta_sparse_histogram *h, int64_t value);

/*
 * Adds every count of FROM to INTO. Returns 0, or -ENOMEM (INTO is then
 * unchanged).
 */
int lta_sparse_histogram_merge(struct lta_sparse_histogram *into,
			       const struct lta_sparse_histogram *from);

/* Makes DST (initialised) a copy of SRC. Returns 0 or -ENOMEM. */
int lta_sparse_histogram_copy(struct lta_sparse_histogram *dst,
			      const struct lta_sparse_histogram *src);

/*
 * Returns the value at PERCENTILE (0 to 100]: the highest equivalent value
 * of the bucket holding the ceil(count * percentile / 100)-th smallest
 * value (at least the first), capped by the exact maximum. 0 when empty.
 */
int64_t lta_sparse_histogram_percentile(const struct lta_sparse_histogram *h,
					double percentile);

/* Returns whether A and B hold the same counts, min, max and sum. */
int lta_sparse_histogram_equal(const struct lta_sparse_histogram *a,
			       const struct lta_sparse_histogram *b);

struct lta_strbuf;

/*
 * Appends H to OUT as text that lta_sparse_histogram_decode() gives back
 * whole:
 *
 *     s1 COUNT MIN MAX SUM[ INDEX:N]...
 *
 * "s1" names the format (sparse, version 1), then decimal integers; each
 * non-empty bucket as its index and count, indices increasing. An empty
 * histogram is "s1 0 0 0 0". Only ASCII digits, spaces, ':' and "s1": safe
 * in a JSON string without escaping.
 */
void lta_sparse_histogram_encode(const struct lta_sparse_histogram *h,
				 struct lta_strbuf *out);

/*
 * Sets H (initialised) to what TEXT holds. Returns 0; -EINVAL for text that
 * is not an encoding (indices out of range or not increasing, a zero
 * count, counts that do not add up to COUNT, MIN above MAX...), H then
 * emptied; -ENOMEM. Any input is safe.
 */
int lta_sparse_histogram_decode(struct lta_sparse_histogram *h,
				const char *text);

/*
 * A histogram being recorded, O(1) per value: the same buckets, counted in
 * dense chunks of 64 (allocated when a value first reaches one), with the
 * exact count, minimum, maximum and sum; lta_sparse_recorder_finish() makes
 * the sparse histogram of what it holds (the same as recording each value
 * in one directly, without a search per value). For the windows, where
 * every event is recorded in one histogram or more while the window is
 * open. About 0.5 KiB plus 0.5 KiB per chunk in use. Not thread-safe.
 */
#define LTA_SPARSE_RECORDER_CHUNK 64
#define LTA_SPARSE_RECORDER_CHUNKS \
	(LTA_SPARSE_HISTOGRAM_BUCKETS / LTA_SPARSE_RECORDER_CHUNK)

struct lta_sparse_recorder {
	uint64_t *chunks[LTA_SPARSE_RECORDER_CHUNKS]; /* Owned; NULL: empty. */
	uint64_t count;
	uint64_t sum;
	int64_t min, max;
};

/* Equivalent to zeroing R. */
void lta_sparse_recorder_init(struct lta_sparse_recorder *r);

/* Frees R's chunks; R is then empty. */
void lta_sparse_recorder_fini(struct lta_sparse_recorder *r);

/*
 * Counts VALUE (negative values count as 0). Returns 0, or -ENOMEM (R is
 * then unchanged).
 */
int lta_sparse_recorder_record(struct lta_sparse_recorder *r, int64_t value);

/*
 * Adds every value of FROM to INTO. Returns 0, or -ENOMEM (INTO then holds
 * part of FROM: the caller drops it).
 */
int lta_sparse_recorder_merge(struct lta_sparse_recorder *into,
			      const struct lta_sparse_recorder *from);

/*
 * Sets H (initialised, empty) to the histogram of R's values. Returns 0, or
 * -ENOMEM (H then empty).
 */
int lta_sparse_recorder_finish(const struct lta_sparse_recorder *r,
			       struct lta_sparse_histogram *h);

#endif /* LTA_HISTOGRAM_SPARSE_H */
