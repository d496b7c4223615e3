/* SPDX-License-Identifier: GPL-2.0-only */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "sparse.h"

/* Values below EXACT have a bucket each; SUB sub-buckets per octave. */
#define EXACT 128
#define SUB 64
#define SUB_BITS 6

void lta_sparse_histogram_init(struct lta_sparse_histogram *h)
{
	memset(h, 0, sizeof(*h));
}

void lta_sparse_histogram_fini(struct lta_sparse_histogram *h)
{
	free(h->buckets);
	lta_sparse_histogram_init(h);
}

uint32_t lta_sparse_histogram_index(int64_t value)
{
	uint64_t v = value < 0 ? 0 : (uint64_t)value;
	unsigned k;

	if (v < EXACT) {
		return (uint32_t)v;
	}
	k = 63 - (unsigned)__builtin_clzll(v); /* 7 to 62. */
	return EXACT + (k - 7) * SUB + (uint32_t)((v >> (k - SUB_BITS)) - SUB);
}

int64_t lta_sparse_histogram_lowest(uint32_t index)
{
	uint32_t octave, sub;

	if (index < EXACT) {
		return index;
	}
	octave = (index - EXACT) / SUB + 7;
	sub = SUB + (index - EXACT) % SUB;
	return (int64_t)((uint64_t)sub << (octave - SUB_BITS));
}

int64_t lta_sparse_histogram_highest(uint32_t index)
{
	uint32_t octave;

	if (index < EXACT) {
		return index;
	}
	octave = (index - EXACT) / SUB + 7;
	/* No overflow: the top bucket ends at INT64_MAX. */
	return lta_sparse_histogram_lowest(index) +
	       (int64_t)((UINT64_C(1) << (octave - SUB_BITS)) - 1);
}

/* Returns the position of INDEX in H's buckets, or where it would go. */
static uint32_t find(const struct lta_sparse_histogram *h, uint32_t index,
		     int *found)
{
	uint32_t lo = 0, hi = h->used;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (h->buckets[mid].index < index) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	*found = lo < h->used && h->buckets[lo].index == index;
	return lo;
}

static int reserve(struct lta_sparse_histogram *h, uint32_t want)
{
	struct lta_sparse_bucket *b;
	uint32_t alloc;

	if (want <= h->alloc) {
		return 0;
	}
	alloc = h->alloc ? h->alloc : 8;
	while (alloc < want) {
		alloc *= 2;
	}
	if (alloc > LTA_SPARSE_HISTOGRAM_BUCKETS) {
		alloc = LTA_SPARSE_HISTOGRAM_BUCKETS;
	}
	b = realloc(h->buckets, alloc * sizeof(*b));
	if (!b) {
		return -ENOMEM;
	}
	h->buckets = b;
	h->alloc = alloc;
	return 0;
}

/* Adds COUNT values of bucket INDEX (not the summaries). */
static int add_bucket(struct lta_sparse_histogram *h, uint32_t index,
		      uint64_t count)
{
	int found;
	uint32_t at = find(h, index, &found);

	if (found) {
		h->buckets[at].count += count;
		return 0;
	}
	if (reserve(h, h->used + 1)) {
		return -ENOMEM;
	}
	memmove(&h->buckets[at + 1], &h->buckets[at],
		(h->used - at) * sizeof(*h->buckets));
	h->buckets[at].index = index;
	h->buckets[at].count = count;
	h->used++;
	return 0;
}

int lta_sparse_histogram_record(struct lta_sparse_histogram *h, int64_t value)
{
	if (value < 0) {
		value = 0;
	}
	if (add_bucket(h, lta_sparse_histogram_index(value), 1)) {
		return -ENOMEM;
	}
	if (h->count == 0 || value < h->min) {
		h->min = value;
	}
	if (h->count == 0 || value > h->max) {
		h->max = value;
	}
	h->count++;
	h->sum += (uint64_t)value;
	return 0;
}

int lta_sparse_histogram_merge(struct lta_sparse_histogram *into,
			       const struct lta_sparse_histogram *from)
{
	struct lta_sparse_bucket *merged;
	uint32_t i = 0, j = 0, n = 0;

	if (from->count == 0) {
		return 0;
	}
	/* A merge of two sorted arrays into a new one: all or nothing. */
	merged = malloc((into->used + from->used) * sizeof(*merged));
	if (!merged) {
		return -ENOMEM;
	}
	while (i < into->used || j < from->used) {
		if (j == from->used ||
		    (i < into->used &&
		     into->buckets[i].index < from->buckets[j].index)) {
			merged[n++] = into->buckets[i++];
		} else if (i == into->used ||
			   from->buckets[j].index < into->buckets[i].index) {
			merged[n++] = from->buckets[j++];
		} else {
			merged[n] = into->buckets[i++];
			merged[n++].count += from->buckets[j++].count;
		}
	}
	free(into->buckets);
	into->buckets = merged;
	into->alloc = into->used + from->used;
	into->used = n;
	if (into->count == 0 || from->min < into->min) {
		into->min = from->min;
	}
	if (into->count == 0 || from->max > into->max) {
		into->max = from->max;
	}
	into->count += from->count;
	into->sum += from->sum;
	return 0;
}

int lta_sparse_histogram_copy(struct lta_sparse_histogram *dst,
			      const struct lta_sparse_histogram *src)
{
	lta_sparse_histogram_fini(dst);
	return lta_sparse_histogram_merge(dst, src);
}

int64_t lta_sparse_histogram_percentile(const struct lta_sparse_histogram *h,
					double percentile)
{
	uint64_t rank, seen = 0;
	uint32_t i;

	if (h->count == 0) {
		return 0;
	}
	if (percentile > 100) {
		percentile = 100;
	}
	rank = (uint64_t)ceil((double)h->count * percentile / 100.0);
	if (rank < 1) {
		rank = 1;
	}
	if (rank > h->count) {
		rank = h->count;
	}
	for (i = 0; i < h->used; i++) {
		seen += h->buckets[i].count;
		if (seen >= rank) {
			int64_t v = lta_sparse_histogram_highest(
				h->buckets[i].index);

			return v < h->max ? v : h->max;
		}
	}
	return h->max;
}

int lta_sparse_histogram_equal(const struct lta_sparse_histogram *a,
			       const struct lta_sparse_histogram *b)
{
	uint32_t i;

	if (a->count != b->count || a->min != b->min || a->max != b->max ||
	    a->sum != b->sum || a->used != b->used) {
		return 0;
	}
	for (i = 0; i < a->used; i++) {
		if (a->buckets[i].index != b->buckets[i].index ||
		    a->buckets[i].count != b->buckets[i].count) {
			return 0;
		}
	}
	return 1;
}

void lta_sparse_histogram_encode(const struct lta_sparse_histogram *h,
				 struct lta_strbuf *out)
{
	uint32_t i;

	lta_strbuf_puts(out, "s1 ");
	lta_strbuf_uint(out, h->count);
	lta_strbuf_putc(out, ' ');
	lta_strbuf_int(out, h->min);
	lta_strbuf_putc(out, ' ');
	lta_strbuf_int(out, h->max);
	lta_strbuf_putc(out, ' ');
	lta_strbuf_uint(out, h->sum);
	for (i = 0; i < h->used; i++) {
		lta_strbuf_putc(out, ' ');
		lta_strbuf_uint(out, h->buckets[i].index);
		lta_strbuf_putc(out, ':');
		lta_strbuf_uint(out, h->buckets[i].count);
	}
}

/* Reads decimal digits at *P into *V (no sign, no overflow). */
static int read_uint(const char **p, uint64_t *v)
{
	const char *s = *p;
	uint64_t x = 0;

	if (*s < '0' || *s > '9') {
		return -1;
	}
	for (; *s >= '0' && *s <= '9'; s++) {
		unsigned d = (unsigned)(*s - '0');

		if (x > (UINT64_MAX - d) / 10) {
			return -1;
		}
		x = x * 10 + d;
	}
	*p = s;
	*v = x;
	return 0;
}

static int read_field(const char **p, uint64_t *v)
{
	if (**p != ' ') {
		return -1;
	}
	(*p)++;
	return read_uint(p, v);
}

int lta_sparse_histogram_decode(struct lta_sparse_histogram *h,
				const char *text)
{
	const char *p = text;
	uint64_t count, min, max, sum, index, n, total = 0;
	int64_t last = -1;
	int ret = -EINVAL;

	lta_sparse_histogram_fini(h);
	if (strncmp(p, "s1", 2) != 0) {
		goto error;
	}
	p += 2;
	if (read_field(&p, &count) || read_field(&p, &min) ||
	    read_field(&p, &max) || read_field(&p, &sum) || min > INT64_MAX ||
	    max > INT64_MAX || min > max) {
		goto error;
	}
	while (*p) {
		if (read_field(&p, &index) || *p != ':') {
			goto error;
		}
		p++;
		if (read_uint(&p, &n) || n == 0 ||
		    index >= LTA_SPARSE_HISTOGRAM_BUCKETS ||
		    (int64_t)index <= last || total + n < total) {
			goto error;
		}
		if (add_bucket(h, (uint32_t)index, n)) {
			ret = -ENOMEM;
			goto error;
		}
		last = (int64_t)index;
		total += n;
	}
	if (total != count ||
	    (count == 0 && (min != 0 || max != 0 || sum != 0)) ||
	    (count > 0 &&
	     (lta_sparse_histogram_index((int64_t)min) != h->buckets[0].index ||
	      lta_sparse_histogram_index((int64_t)max) !=
		      h->buckets[h->used - 1].index))) {
		goto error;
	}
	h->count = count;
	h->min = (int64_t)min;
	h->max = (int64_t)max;
	h->sum = sum;
	return 0;
error:
	lta_sparse_histogram_fini(h);
	return ret;
}

/* --- the recorder ------------------------------------------------------- */

void lta_sparse_recorder_init(struct lta_sparse_recorder *r)
{
	memset(r, 0, sizeof(*r));
}

void lta_sparse_recorder_fini(struct lta_sparse_recorder *r)
{
	size_t i;

	for (i = 0; i < LTA_SPARSE_RECORDER_CHUNKS; i++) {
		free(r->chunks[i]);
	}
	lta_sparse_recorder_init(r);
}

int lta_sparse_recorder_record(struct lta_sparse_recorder *r, int64_t value)
{
	uint32_t index, chunk;

	if (value < 0) {
		value = 0;
	}
	index = lta_sparse_histogram_index(value);
	chunk = index / LTA_SPARSE_RECORDER_CHUNK;
	if (!r->chunks[chunk]) {
		r->chunks[chunk] = calloc(LTA_SPARSE_RECORDER_CHUNK,
					  sizeof(*r->chunks[chunk]));
		if (!r->chunks[chunk]) {
			return -ENOMEM;
		}
	}
	r->chunks[chunk][index % LTA_SPARSE_RECORDER_CHUNK]++;
	if (r->count == 0 || value < r->min) {
		r->min = value;
	}
	if (r->count == 0 || value > r->max) {
		r->max = value;
	}
	r->count++;
	r->sum += (uint64_t)value;
	return 0;
}

int lta_sparse_recorder_merge(struct lta_sparse_recorder *into,
			      const struct lta_sparse_recorder *from)
{
	uint32_t c, i;

	if (from->count == 0) {
		return 0;
	}
	for (c = 0; c < LTA_SPARSE_RECORDER_CHUNKS; c++) {
		if (!from->chunks[c]) {
			continue;
		}
		if (!into->chunks[c]) {
			into->chunks[c] = calloc(LTA_SPARSE_RECORDER_CHUNK,
						 sizeof(*into->chunks[c]));
			if (!into->chunks[c]) {
				return -ENOMEM;
			}
		}
		for (i = 0; i < LTA_SPARSE_RECORDER_CHUNK; i++) {
			into->chunks[c][i] += from->chunks[c][i];
		}
	}
	if (into->count == 0 || from->min < into->min) {
		into->min = from->min;
	}
	if (into->count == 0 || from->max > into->max) {
		into->max = from->max;
	}
	into->count += from->count;
	into->sum += from->sum;
	return 0;
}

int lta_sparse_recorder_finish(const struct lta_sparse_recorder *r,
			       struct lta_sparse_histogram *h)
{
	uint32_t c, i, used = 0;

	for (c = 0; c < LTA_SPARSE_RECORDER_CHUNKS; c++) {
		for (i = 0; r->chunks[c] && i < LTA_SPARSE_RECORDER_CHUNK;
		     i++) {
			used += r->chunks[c][i] != 0;
		}
	}
	if (used && reserve(h, used)) {
		return -ENOMEM;
	}
	/* By chunk, then within it: indices increase, no search needed. */
	for (c = 0; c < LTA_SPARSE_RECORDER_CHUNKS; c++) {
		for (i = 0; r->chunks[c] && i < LTA_SPARSE_RECORDER_CHUNK;
		     i++) {
			if (r->chunks[c][i]) {
				h->buckets[h->used].index =
					c * LTA_SPARSE_RECORDER_CHUNK + i;
				h->buckets[h->used].count = r->chunks[c][i];
				h->used++;
			}
		}
	}
	h->count = r->count;
	h->sum = r->sum;
	h->min = r->count ? r->min : 0;
	h->max = r->count ? r->max : 0;
	return 0;
}
