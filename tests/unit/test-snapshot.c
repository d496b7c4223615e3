/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Snapshots (src/lttng-analyzerd/snapshot.c) give back what they encode:
 * every end reason of the front tier and of each server process (close
 * and shutdown included, so that /metrics' requests by end reason add up
 * to the requests), and the latency histogram whole. A snapshot of an
 * older worker, without close and shutdown, decodes with the end reasons
 * marked unknown rather than as zeros that would not add up.
 */
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "histogram/histogram.h"
#include "snapshot.h"
#include "tap.h"

static void fill(struct lta_analysis_stats *st, uint64_t base)
{
	st->closed = base + 1;
	st->shut_down = base + 2;
	st->keepalive = base + 3;
	st->empty = base + 4;
	st->aborted = base + 5;
	st->open = base + 6;
	st->replaced = base + 7;
	st->requests = 7 * base + 28;
	st->complete = base + 1 + base + 2 + base + 3;
	st->ends_known = true;
}

int main(void)
{
	struct lta_analysis_component component;
	struct lta_snapshot in, out;
	struct lta_strbuf text = { 0 };
	int64_t bounds[2] = { 1000, 1000000 };
	uint64_t counts[2];
	const struct lta_analysis_stats *c;
	char *old;

	plan_no_plan();
	memset(&in, 0, sizeof(in));
	memset(&component, 0, sizeof(component));
	fill(&in.stats, 10);
	in.stats.latency = lta_histogram_create();
	snprintf(component.name, sizeof(component.name), "httpd");
	component.front = true;
	fill(&component.stats, 100);
	component.stats.latency = lta_histogram_create();
	lta_histogram_record(component.stats.latency, 500);
	lta_histogram_record(component.stats.latency, 600000);
	lta_histogram_record(component.stats.latency, 2000000);
	in.stats.component_count = 1;
	in.stats.components = &component;
	lta_snapshot_encode(&in, &text);
	ok(lta_strbuf_cstr(&text) != NULL && !text.failed, "encodes");

	if (!ok(lta_snapshot_decode(text.data, &out) == 0, "decodes")) {
		diag("%s", text.data);
		return exit_status();
	}
	is_int(out.stats.closed, 11, "front: close");
	is_int(out.stats.shut_down, 12, "front: shutdown");
	is_int(out.stats.replaced, 17, "front: replaced");
	ok(out.stats.ends_known, "front: end reasons known");
	is_int(out.stats.component_count, 1, "one component");
	c = &out.stats.components[0].stats;
	is_int(c->closed, 101, "component: close");
	is_int(c->shut_down, 102, "component: shutdown");
	is_int(c->keepalive + c->empty + c->aborted + c->open + c->replaced +
		       c->closed + c->shut_down,
	       c->requests, "component: the end reasons add up");
	ok(c->ends_known, "component: end reasons known");
	lta_histogram_cumulative(c->latency, bounds, 2, counts);
	ok(lta_histogram_count(c->latency) == 3 && counts[0] == 1 &&
		   counts[1] == 2,
	   "component: the histogram whole");
	lta_snapshot_fini(&out);

	/* A snapshot of an older worker (no "close" field). */
	old = strdup(text.data);
	while (old && strstr(old, "\"close\":")) {
		char *p = strstr(old, "\"close\":");

		memcpy(p, "\"clxse\"", 7);
	}
	ok(old && lta_snapshot_decode(old, &out) == 0, "an older one decodes");
	ok(!out.stats.ends_known && out.stats.component_count == 1 &&
		   !out.stats.components[0].stats.ends_known,
	   "an older one: end reasons unknown");
	lta_snapshot_fini(&out);
	free(old);

	lta_histogram_destroy(component.stats.latency);
	lta_histogram_destroy(in.stats.latency);
	lta_strbuf_fini(&text);
	return exit_status();
}
