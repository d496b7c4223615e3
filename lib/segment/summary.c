/* SPDX-License-Identifier: GPL-2.0-only */
#include "summary.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "request-format.h"

struct lta_summary *lta_summary_create(void)
{
	struct lta_summary *s = calloc(1, sizeof(*s));

	if (!s) {
		return NULL;
	}
	s->latency = lta_histogram_create();
	if (!s->latency) {
		free(s);
		return NULL;
	}
	s->first_start = -1;
	s->last_end = -1;
	return s;
}

void lta_summary_destroy(struct lta_summary *s)
{
	if (!s) {
		return;
	}
	lta_histogram_destroy(s->latency);
	free(s);
}

void lta_summary_add(struct lta_summary *s, const struct lta_request *r)
{
	s->requests++;
	if (r->end_reason < LTA_REQUEST_END_COUNT) {
		s->by_end[r->end_reason]++;
	}
	s->bytes_read += r->bytes_read;
	s->bytes_written += r->bytes_written;
	if (r->truncated) {
		s->truncated++;
	}
	if (r->pipelined) {
		s->pipelined++;
	}
	if (r->incomplete) {
		s->incomplete++;
		return;
	}
	if (!lta_request_is_complete(r)) {
		return;
	}
	s->complete++;
	lta_histogram_record(s->latency, lta_request_latency(r));
	if (s->first_start < 0 || r->start < s->first_start) {
		s->first_start = r->start;
	}
	if (r->end > s->last_end) {
		s->last_end = r->end;
	}
}

void lta_summary_merge(struct lta_summary *into, const struct lta_summary *from)
{
	size_t i;

	into->requests += from->requests;
	for (i = 0; i < LTA_REQUEST_END_COUNT; i++) {
		into->by_end[i] += from->by_end[i];
	}
	into->incomplete += from->incomplete;
	into->complete += from->complete;
	into->truncated += from->truncated;
	into->pipelined += from->pipelined;
	into->bytes_read += from->bytes_read;
	into->bytes_written += from->bytes_written;
	if (from->first_start >= 0 &&
	    (into->first_start < 0 || from->first_start < into->first_start)) {
		into->first_start = from->first_start;
	}
	if (from->last_end > into->last_end) {
		into->last_end = from->last_end;
	}
	lta_histogram_merge(into->latency, from->latency);
}

void lta_components_init(struct lta_components *c)
{
	memset(c, 0, sizeof(*c));
}

void lta_components_fini(struct lta_components *c)
{
	size_t i;

	for (i = 0; i < c->count; i++) {
		lta_summary_destroy(c->items[i].summary);
	}
	memset(c, 0, sizeof(*c));
}

const struct lta_component_summary *
lta_components_find(const struct lta_components *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->count; i++) {
		if (strcmp(c->items[i].name, name) == 0) {
			return &c->items[i];
		}
	}
	return NULL;
}

int lta_components_add(struct lta_components *c, const struct lta_request *r)
{
	const char *name = r->procname;
	struct lta_component_summary *item =
		(struct lta_component_summary *)lta_components_find(c, name);

	if (!item && c->count >= LTA_COMPONENTS_MAX) {
		name = LTA_COMPONENTS_OTHER;
		item = (struct lta_component_summary *)lta_components_find(
			c, name);
	}
	if (!item) {
		item = &c->items[c->count];
		item->summary = lta_summary_create();
		if (!item->summary) {
			return -ENOMEM;
		}
		snprintf(item->name, sizeof(item->name), "%s", name);
		item->back = false;
		c->count++;
	}
	if (r->link != LTA_LINK_NONE) {
		item->back = true;
	}
	lta_summary_add(item->summary, r);
	return 0;
}

void lta_components_front(const struct lta_components *c,
			  struct lta_summary *into)
{
	size_t i, front = 0;

	for (i = 0; i < c->count; i++) {
		front += !c->items[i].back;
	}
	for (i = 0; i < c->count; i++) {
		if (!front || !c->items[i].back) {
			lta_summary_merge(into, c->items[i].summary);
		}
	}
}

void lta_components_print(const struct lta_components *c, FILE *out)
{
	size_t i;

	for (i = 0; i < c->count; i++) {
		const struct lta_summary *s = c->items[i].summary;

		fprintf(out,
			"  component %s (%s tier): %llu requests, %llu "
			"complete, %.2f requests/sec, median latency %.3f "
			"ms\n",
			c->items[i].name, c->items[i].back ? "back" : "front",
			(unsigned long long)s->requests,
			(unsigned long long)s->complete,
			lta_summary_throughput(s),
			s->complete ? (double)lta_histogram_percentile(
					      s->latency, 50) /
					      1e6
				    : 0.0);
	}
}

double lta_summary_throughput(const struct lta_summary *s)
{
	if (s->complete == 0 || s->last_end <= s->first_start) {
		return 0.0;
	}
	return (double)s->complete /
	       ((double)(s->last_end - s->first_start) / 1e9);
}

/* Like wrk2: a value in ns shown in us, ms or s with two decimals. */
static void print_duration(FILE *out, double ns, int width)
{
	if (ns < 1e3) {
		fprintf(out, "%*.2fns", width - 2, ns);
	} else if (ns < 1e6) {
		fprintf(out, "%*.2fus", width - 2, ns / 1e3);
	} else if (ns < 1e9) {
		fprintf(out, "%*.2fms", width - 2, ns / 1e6);
	} else {
		fprintf(out, "%*.2fs", width - 1, ns / 1e9);
	}
}

static void spectrum_line(int64_t value, double percentile, uint64_t total,
			  void *user_data)
{
	FILE *out = user_data;

	if (percentile < 100.0) {
		fprintf(out, "%12.3f %14.12f %10llu %14.2f\n",
			(double)value / 1e6, percentile / 100.0,
			(unsigned long long)total,
			1.0 / (1.0 - percentile / 100.0));
	} else {
		fprintf(out, "%12.3f %14.12f %10llu\n", (double)value / 1e6,
			1.0, (unsigned long long)total);
	}
}

void lta_summary_print(const struct lta_summary *s, FILE *out)
{
	static const double levels[] = { 50,   75,    90,     99,
					 99.9, 99.99, 99.999, 100 };
	const struct lta_histogram *h = s->latency;
	size_t i;

	fprintf(out, "Server-side latency: from the accept exit (or, on a "
		     "persistent connection, the read of the request) to the "
		     "answer handed to the kernel (its last write; excludes "
		     "time in the listen backlog and idle keep-alive time)\n");
	fprintf(out, "  Thread Stats   Avg      Stdev     Max\n");
	fprintf(out, "    Latency ");
	print_duration(out, lta_histogram_mean(h), 9);
	print_duration(out, lta_histogram_stddev(h), 10);
	print_duration(out, (double)lta_histogram_max(h), 10);
	fprintf(out, "\n  Latency Distribution (HdrHistogram - Recorded "
		     "Latency)\n");
	for (i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
		fprintf(out, " %7.3f%% ", levels[i]);
		print_duration(
			out, (double)lta_histogram_percentile(h, levels[i]), 9);
		fprintf(out, "\n");
	}
	fprintf(out, "\n  Detailed Percentile spectrum:\n");
	fprintf(out, "       Value   Percentile   TotalCount 1/(1-Percentile)\n"
		     "\n");
	lta_histogram_spectrum(h, 5, spectrum_line, out);
	fprintf(out, "#[Mean    = %12.3f, StdDeviation   = %12.3f]\n",
		lta_histogram_mean(h) / 1e6, lta_histogram_stddev(h) / 1e6);
	fprintf(out, "#[Max     = %12.3f, Total count    = %12llu]\n",
		(double)lta_histogram_max(h) / 1e6,
		(unsigned long long)lta_histogram_count(h));
	fprintf(out, "#[Values in ms, 3 significant digits]\n");
	fprintf(out,
		"----------------------------------------------------------\n");
	fprintf(out,
		"  %llu requests: %llu complete, %llu empty (closed with "
		"nothing read), %llu aborted, %llu open, %llu replaced; "
		"%llu incomplete (events lost); %llu pipelined\n",
		(unsigned long long)s->requests,
		(unsigned long long)s->complete,
		(unsigned long long)s->by_end[LTA_REQUEST_END_EMPTY],
		(unsigned long long)s->by_end[LTA_REQUEST_END_ABORTED],
		(unsigned long long)s->by_end[LTA_REQUEST_END_OPEN],
		(unsigned long long)s->by_end[LTA_REQUEST_END_REPLACED],
		(unsigned long long)s->incomplete,
		(unsigned long long)s->pipelined);
	fprintf(out, "  Bytes read %llu, written %llu\n",
		(unsigned long long)s->bytes_read,
		(unsigned long long)s->bytes_written);
	fprintf(out,
		"Requests/sec: %12.2f (complete requests per second of "
		"trace time)\n",
		lta_summary_throughput(s));
}
