/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The histogram: exact below 2048, within 1/1024 above, percentiles never
 * below the true value, merges equal to recording everything in one,
 * spectrum monotonic and ending at 100%.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "histogram/histogram.h"
#include "tap.h"

struct spectrum {
	int lines;
	int monotonic;
	double last_percentile;
	int64_t last_value;
	uint64_t last_total;
};

static void on_line(int64_t value, double percentile, uint64_t total,
		    void *user_data)
{
	struct spectrum *s = user_data;

	if (s->lines &&
	    (value < s->last_value || percentile < s->last_percentile ||
	     total < s->last_total)) {
		s->monotonic = 0;
	}
	s->lines++;
	s->last_value = value;
	s->last_percentile = percentile;
	s->last_total = total;
}

int main(void)
{
	struct lta_histogram *h = lta_histogram_create();
	struct lta_histogram *a = lta_histogram_create();
	struct lta_histogram *b = lta_histogram_create();
	struct spectrum sp = { 0, 1, 0, 0, 0 };
	int64_t v, worst = 0;
	int i, exact = 1, merged_same = 1;
	double p;

	plan_no_plan();
	is_int(lta_histogram_percentile(h, 50), 0, "empty: percentile 0");
	for (i = 0; i < 2048; i++) {
		lta_histogram_record(h, i);
	}
	for (i = 1; i <= 100; i++) {
		v = lta_histogram_percentile(h, i);
		/* rank ceil(2048 * i / 100) holds value rank - 1. */
		if (v != (int64_t)ceil(2048.0 * i / 100.0) - 1) {
			exact = 0;
		}
	}
	ok(exact, "values below 2048 are exact");
	lta_histogram_reset(h);

	/* Relative error above 2048: at most 1/1024, never below. */
	for (v = 2048; v < (INT64_C(1) << 41); v = v * 3 / 2 + 7) {
		int64_t got;

		lta_histogram_reset(h);
		lta_histogram_record(h, v);
		lta_histogram_record(h, v + 1); /* so that max does not cap */
		got = lta_histogram_percentile(h, 1);
		if (got < v || (double)(got - v) / (double)v > 1.0 / 1024) {
			worst = v;
		}
	}
	is_int(worst, 0, "every percentile within 1/1024 above the value");

	lta_histogram_reset(h);
	for (i = 1; i <= 100000; i++) {
		int64_t x = (int64_t)i * 1000; /* 1 us .. 100 ms */

		lta_histogram_record(h, x);
		lta_histogram_record(i % 2 ? a : b, x);
	}
	lta_histogram_merge(a, b);
	for (p = 0; p <= 100; p += 0.5) {
		if (lta_histogram_percentile(a, p) !=
		    lta_histogram_percentile(h, p)) {
			merged_same = 0;
		}
	}
	ok(merged_same, "merging two halves equals recording all");
	is_int(lta_histogram_count(a), 100000, "merged count");
	is_int(lta_histogram_max(a), 100000000, "merged max");
	ok(fabs(lta_histogram_mean(h) - 50000500.0) < 1.0, "exact mean");
	ok(fabs(lta_histogram_stddev(h) - 28867513.46) < 1.0,
	   "exact standard deviation");
	v = lta_histogram_percentile(h, 99);
	ok(v >= 99000000 && v <= 99000000 + 99000000 / 1024,
	   "p99 of 1..100 ms is 99 ms to 3 digits");
	is_int(lta_histogram_percentile(h, 100), 100000000, "p100 = max");

	lta_histogram_spectrum(h, 5, on_line, &sp);
	ok(sp.lines > 20 && sp.monotonic, "spectrum monotonic (%d lines)",
	   sp.lines);
	ok(sp.last_percentile == 100.0 && sp.last_total == 100000,
	   "spectrum ends at 100%% with every value");

	/*
	 * Cumulative counts at fixed bounds: exact below 2048; above, a
	 * value is under a bound when its bucket's highest equivalent value
	 * is (100000 ns sits in the bucket 99968..100031 of width 64).
	 */
	{
		static const int64_t bounds[] = { 5,	  2047,	  99967,
						  100000, 100031, 200000 };
		uint64_t c[6];

		lta_histogram_reset(h);
		lta_histogram_record(h, 5);
		lta_histogram_record(h, 6);
		lta_histogram_record(h, 99967);
		lta_histogram_record(h, 99968);
		lta_histogram_record(h, 100000);
		lta_histogram_record(h, 150000);
		lta_histogram_record(h, INT64_C(1) << 50);
		lta_histogram_cumulative(h, bounds, 6, c);
		is_int(c[0], 1, "cumulative: le=5 holds 5 alone");
		is_int(c[1], 2, "cumulative: le=2047 holds 5 and 6");
		is_int(c[2], 3, "cumulative: le=99967 ends its bucket");
		is_int(c[3], 3,
		       "cumulative: le=100000 leaves out the bucket "
		       "straddling it");
		is_int(c[4], 5, "cumulative: le=100031 takes that bucket");
		is_int(c[5], 6, "cumulative: le=200000 all but the clamped");
		ok(lta_histogram_sum(h) == 5.0 + 6 + 99967 + 99968 + 100000 +
						   150000 +
						   (double)(INT64_C(1) << 50),
		   "sum exact");
	}

	lta_histogram_reset(h);
	lta_histogram_record(h, INT64_C(1) << 50);
	lta_histogram_record(h, -5);
	is_int(lta_histogram_clamped(h), 1, "a value above range is clamped");
	is_int(lta_histogram_min(h), 0, "negative values count as 0");
	is_int(lta_histogram_max(h), INT64_C(1) << 50, "max stays exact");

	lta_histogram_destroy(h);
	lta_histogram_destroy(a);
	lta_histogram_destroy(b);
	lta_histogram_destroy(NULL);
	return exit_status();
}
