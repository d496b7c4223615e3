/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The window module with hand-built streams: tumbling and hopping windows,
 * out-of-order events within the grace period, late ones beyond it, the
 * group cap, ticks, filters, the system-call stream; and the compact
 * histogram: buckets, percentiles, merge equal to the histogram of the
 * union, encode/decode round trip and rejected encodings.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "histogram/sparse.h"
#include "tap.h"
#include "window/window.h"

#define MAX_CLOSED 64

struct closed {
	uint32_t query;
	int64_t start, end;
	char group[64];
	char component[32];
	uint64_t count, bytes, errors;
	double rate;
	int64_t p50, p90, p99, max;
	char hist[256];
	char json[512];
};

static struct closed got[MAX_CLOSED];
static int ngot;

/* Set: the callback returns 7 from the window and group so numbered on. */
static int stop_at = -1;

static int on_closed(const struct lta_window_closed *c, void *user_data)
{
	struct closed *r;
	struct lta_strbuf buf = { 0 };

	(void)user_data;
	if (ngot >= MAX_CLOSED) {
		return -ENOSPC;
	}
	r = &got[ngot++];
	r->query = c->query;
	r->start = c->start;
	r->end = c->end;
	snprintf(r->group, sizeof(r->group), "%s", c->group);
	snprintf(r->component, sizeof(r->component), "%s",
		 c->keys[LTA_WINDOW_KEY_COMPONENT]
			 ? c->keys[LTA_WINDOW_KEY_COMPONENT]
			 : "(null)");
	r->count = c->count;
	r->bytes = c->bytes;
	r->errors = c->errors;
	r->rate = c->rate;
	r->p50 = c->p50;
	r->p90 = c->p90;
	r->p99 = c->p99;
	r->max = c->max;
	lta_sparse_histogram_encode(c->latency, &buf);
	snprintf(r->hist, sizeof(r->hist), "%s", lta_strbuf_cstr(&buf));
	lta_strbuf_clear(&buf);
	lta_window_closed_format_json(c, &buf);
	snprintf(r->json, sizeof(r->json), "%s", lta_strbuf_cstr(&buf));
	lta_strbuf_fini(&buf);
	return stop_at >= 0 && ngot > stop_at ? 7 : 0;
}

static int request(struct lta_window_set *set, const char *component,
		   int64_t start, int64_t end, enum lta_request_end reason,
		   uint64_t bytes)
{
	struct lta_request r;

	memset(&r, 0, sizeof(r));
	r.start = start;
	r.end = end;
	r.end_reason = reason;
	r.bytes_read = bytes;
	snprintf(r.procname, sizeof(r.procname), "%s", component);
	snprintf(r.request_line, sizeof(r.request_line),
		 "GET /%s/page?x=1 HTTP/1.1", component);
	return lta_window_set_request(set, &r);
}

/* A request of component C ending at T, lasting D. */
#define REQ(set, c, t, d) \
	request(set, c, (t) - (d), t, LTA_REQUEST_END_CLOSE, 0)

static struct lta_window_set *new_set(int64_t range, int64_t slide,
				      int64_t grace, unsigned group_by,
				      uint32_t max_groups, int *id)
{
	struct lta_window_set *set = lta_window_set_create(on_closed, NULL);
	struct lta_window_query q = {
		.stream = LTA_WINDOW_STREAM_REQUESTS,
		.range = range,
		.slide = slide,
		.grace = grace,
		.group_by = group_by,
		.max_groups = max_groups,
	};

	*id = lta_window_set_add(set, &q);
	ngot = 0;
	return set;
}

static void test_tumbling(void)
{
	int id;
	struct lta_window_set *set =
		new_set(10, 0, 0, LTA_WINDOW_GROUP_BY(LTA_WINDOW_KEY_COMPONENT),
			0, &id);
	const struct lta_window_counters *c;

	is_int(id, 0, "tumbling: first query id 0");
	request(set, "a", 0, 1, LTA_REQUEST_END_CLOSE, 100);
	request(set, "a", 2, 5, LTA_REQUEST_END_KEEPALIVE, 50);
	is_int(ngot, 0, "tumbling: nothing closed while t < 10");
	request(set, "b", 10, 12, LTA_REQUEST_END_CLOSE, 7);
	is_int(ngot, 1, "tumbling: [0,10) closes when t reaches 12");
	is_int(got[0].start, 0, "tumbling: first window starts at 0");
	is_int(got[0].end, 10, "tumbling: and ends at 10");
	is_str(got[0].group, "a", "tumbling: group a");
	is_int(got[0].count, 2, "tumbling: a counts 2 in [0,10)");
	is_int(got[0].bytes, 150, "tumbling: a's bytes");
	is_int(got[0].errors, 0, "tumbling: no errors (close, keepalive)");
	is_int(got[0].p50, 1, "tumbling: p50 of {1, 3} is 1");
	is_int(got[0].max, 3, "tumbling: max 3");
	ok(got[0].rate > 2e8 - 1 && got[0].rate < 2e8 + 1,
	   "tumbling: rate 2 per 10 ns = 2e8/s (%g)", got[0].rate);
	is_str(got[0].hist, "s1 2 1 3 4 1:1 3:1", "tumbling: encoding");
	is_str(got[0].json,
	       "{\"query\":0,\"start\":0,\"end\":10,\"group\":"
	       "{\"component\":\"a\"},\"count\":2,\"rate\":200000000,"
	       "\"bytes\":150,\"errors\":0,\"p50\":1,\"p90\":3,\"p99\":3,"
	       "\"max\":3,\"histogram\":\"s1 2 1 3 4 1:1 3:1\"}",
	       "tumbling: the JSON object");
	request(set, "a", 11, 15, LTA_REQUEST_END_ABORTED, 1);
	REQ(set, "a", 25, 4);
	is_int(ngot, 3, "tumbling: [10,20) closed at t=25, two groups");
	is_str(got[1].group, "a", "tumbling: groups sorted: a first");
	is_str(got[2].group, "b", "tumbling: then b");
	is_int(got[1].errors, 1, "tumbling: the aborted one is an error");
	is_int(got[1].count, 1, "tumbling: a counts 1 in [10,20)");
	is_int(got[2].count, 1, "tumbling: b counts 1 in [10,20)");
	lta_window_set_flush(set);
	is_int(ngot, 4, "tumbling: flush closes [20,30)");
	is_int(got[3].start, 20, "tumbling: last window at 20");
	c = lta_window_set_counters(set, 0);
	is_int(c->events, 5, "tumbling: 5 events counted");
	is_int(c->late_dropped + c->late_accepted + c->refused, 0,
	       "tumbling: nothing late or refused");
	is_int(c->windows_open, 0, "tumbling: no window open after flush");
	is_int(c->windows_closed, 4, "tumbling: 4 window x group closed");
	lta_window_set_destroy(set);
}

static void test_hopping(void)
{
	int id;
	struct lta_window_set *set = new_set(10, 5, 0, 0, 0, &id);
	const struct lta_window_counters *c;

	REQ(set, "a", 7, 1);
	REQ(set, "a", 12, 2);
	REQ(set, "a", 14, 3);
	lta_window_set_flush(set);
	is_int(ngot, 3, "hopping: 3 windows");
	is_int(got[0].start, 0, "hopping: [0,10)");
	is_int(got[0].count, 1, "hopping: [0,10) holds t=7");
	is_int(got[1].start, 5, "hopping: [5,15)");
	is_int(got[1].count, 3, "hopping: [5,15) holds t=7,12,14");
	is_int(got[2].start, 10, "hopping: [10,20)");
	is_int(got[2].count, 2, "hopping: [10,20) holds t=12,14");
	is_str(got[1].group, "", "hopping: no group-by: group \"\"");
	is_str(got[1].component, "(null)", "hopping: no component key");
	is_int(got[1].max, 3, "hopping: [5,15) max 3");
	c = lta_window_set_counters(set, id);
	is_int(c->events, 3, "hopping: 3 events");
	lta_window_set_destroy(set);

	/* An event whose first window closed, but not its second. */
	set = new_set(10, 5, 0, 0, 0, &id);
	REQ(set, "a", 12, 1);
	REQ(set, "a", 8, 1);
	c = lta_window_set_counters(set, id);
	is_int(c->late_partial, 1, "hopping: t=8 after 12: partial");
	is_int(c->late_accepted, 1, "hopping: and late accepted");
	is_int(c->late_dropped, 0, "hopping: not dropped");
	lta_window_set_flush(set);
	is_int(ngot, 2, "hopping: windows 5 and 10 only");
	is_int(got[0].start, 5, "hopping: [5,15) first");
	is_int(got[0].count, 2, "hopping: [5,15) holds 12 and 8");
	is_int(got[1].count, 1, "hopping: [10,20) holds 12");
	lta_window_set_destroy(set);
}

static void test_late(void)
{
	int id;
	struct lta_window_set *set = new_set(10, 10, 5, 0, 0, &id);
	const struct lta_window_counters *c = lta_window_set_counters(set, id);

	REQ(set, "a", 8, 1);
	REQ(set, "a", 13, 1);
	is_int(ngot, 0, "grace: [0,10) open at t=13 (watermark 8)");
	REQ(set, "a", 9, 1);
	is_int(c->late_accepted, 1, "grace: t=9 after 13 accepted late");
	REQ(set, "a", 16, 1);
	is_int(ngot, 1, "grace: [0,10) closes at t=16 (watermark 11)");
	is_int(got[0].count, 2, "grace: [0,10) holds t=8 and the late 9");
	REQ(set, "a", 4, 1);
	is_int(c->late_dropped, 1, "grace: t=4 after 16 dropped");
	is_int(c->max_late, 12, "grace: the latest came 12 late");
	is_int(c->late_accepted, 1, "grace: and not accepted");
	lta_window_set_tick(set, 24);
	is_int(ngot, 1, "tick: watermark 19 closes nothing");
	lta_window_set_tick(set, 25);
	is_int(ngot, 2, "tick: watermark 20 closes [10,20)");
	is_int(got[1].count, 2, "grace: [10,20) holds 13 and 16, not 4");
	is_int(c->events, 4, "grace: 4 of the 5 events counted");
	lta_window_set_flush(set);
	is_int(ngot, 2, "grace: nothing left at flush");
	REQ(set, "a", 30, 1);
	is_int(c->late_dropped, 2, "after flush: dropped");
	REQ(set, "a", INT64_MAX, 1);
	REQ(set, "a", LTA_WINDOW_MAX_TS + 1, 1);
	is_int(c->bad_time, 2, "times past 2^62: bad_time");
	is_int(c->late_dropped, 2, "and nothing else");
	lta_window_set_destroy(set);
}

/* A window closes when the watermark reaches its end, not after. */
static void test_boundary(void)
{
	int id;
	struct lta_window_set *set = new_set(10, 0, 0, 0, 0, &id);
	const struct lta_window_counters *c = lta_window_set_counters(set, id);

	REQ(set, "a", 5, 1);
	REQ(set, "a", 10, 1);
	is_int(ngot, 1, "boundary: t=10 closes [0,10)");
	REQ(set, "a", 9, 1);
	is_int(c->late_dropped, 1, "boundary: t=9 then is dropped");
	lta_window_set_flush(set);
	is_int(ngot, 2, "boundary: [0,10) is not opened again");
	is_int(got[1].start, 10, "boundary: [10,20) last");
	is_int(got[1].count, 1, "boundary: t=10 in [10,20)");
	lta_window_set_destroy(set);
}

/* A time past LTA_WINDOW_MAX_TS (a corrupted trace) moves no watermark. */
static void test_bad_time(void)
{
	int id;
	struct lta_window_set *set = new_set(10, 0, 0, 0, 0, &id);
	const struct lta_window_counters *c = lta_window_set_counters(set, id);

	REQ(set, "a", 5, 1);
	REQ(set, "a", INT64_MAX - 5, 1);
	lta_window_set_tick(set, LTA_WINDOW_MAX_TS + 1);
	is_int(ngot, 0, "bad time: [0,10) still open");
	is_int(c->bad_time, 1, "bad time: counted");
	REQ(set, "a", 7, 1);
	is_int(c->late_accepted + c->late_dropped, 0,
	       "bad time: t=7 after it is not late");
	lta_window_set_flush(set);
	is_int(ngot, 1, "bad time: one window");
	is_int(got[0].count, 2, "bad time: holding t=5 and t=7");
	lta_window_set_destroy(set);
}

static void test_cap_and_filters(void)
{
	int id;
	struct lta_window_set *set =
		new_set(10, 0, 0, LTA_WINDOW_GROUP_BY(LTA_WINDOW_KEY_COMPONENT),
			2, &id);
	const struct lta_window_counters *c;
	struct lta_window_query q = {
		.stream = LTA_WINDOW_STREAM_REQUESTS,
		.range = 10,
		.component = "b",
		.min_latency = 2,
		.group_by = LTA_WINDOW_GROUP_BY(LTA_WINDOW_KEY_END_REASON) |
			    LTA_WINDOW_GROUP_BY(LTA_WINDOW_KEY_PATH),
	};
	int id2 = lta_window_set_add(set, &q);
	const struct lta_window_counters *c2 =
		lta_window_set_counters(set, id2);

	/* Counters move when a query is added: borrowed after. */
	c = lta_window_set_counters(set, id);
	is_int(id2, 1, "second query id 1");
	REQ(set, "a", 1, 1);
	REQ(set, "b", 2, 2);
	REQ(set, "c", 3, 1);
	REQ(set, "a", 4, 1);
	REQ(set, "b", 5, 1);
	request(set, "b", 1, 6, LTA_REQUEST_END_EMPTY, 0);
	request(set, "b", 1, -1, LTA_REQUEST_END_OPEN, 0);
	is_int(c->refused, 1, "cap: the third group (c) refused");
	is_int(c->events, 4, "cap: the others counted (empty not)");
	is_int(c->unended, 1, "a request with no end: unended");
	is_int(c->filtered, 1, "default end reasons: empty filtered");
	is_int(c2->events, 1, "filter: one b lasting 2 or more");
	is_int(c2->filtered, 5, "filter: 5 others filtered");
	lta_window_set_flush(set);
	is_int(ngot, 3, "cap: a, b, then query 1's group");
	is_str(got[0].group, "a", "cap: a");
	is_int(got[0].count, 2, "cap: a counts 2");
	is_str(got[1].group, "b", "cap: b");
	is_int(got[1].count, 2, "cap: b counts 2");
	is_int(got[2].query, 1, "query 1 closes after query 0");
	is_str(got[2].group, "close|/b/page",
	       "end_reason|path key, path without query");
	lta_window_set_destroy(set);
}

static void test_callback_stop(void)
{
	int id;
	struct lta_window_set *set =
		new_set(10, 0, 15,
			LTA_WINDOW_GROUP_BY(LTA_WINDOW_KEY_COMPONENT), 0, &id);

	REQ(set, "a", 1, 1);
	REQ(set, "b", 2, 1);
	REQ(set, "a", 11, 1);
	is_int(ngot, 0, "stop: grace 15 keeps [0,10) and [10,20) open");
	stop_at = 0;
	/* Watermark 30: both windows pass it. */
	is_int(REQ(set, "a", 45, 1), 7,
	       "stop: the callback's value is returned by the feed");
	is_int(ngot, 2, "stop: the window in hand is handed out whole (a, b)");
	stop_at = -1;
	is_int(lta_window_set_tick(set, 45), 0, "stop: the next call goes on");
	is_int(ngot, 3, "stop: and closes the window left, [10,20)");
	is_int(got[2].start, 10, "stop: [10,20) after [0,10)");
	lta_window_set_destroy(set);
}

/* Open windows stay within ceil((range + grace) / slide), whatever the run. */
static void test_memory_bound(void)
{
	int id, i;
	struct lta_window_set *set =
		new_set(10, 2, 4, LTA_WINDOW_GROUP_BY(LTA_WINDOW_KEY_COMPONENT),
			3, &id);
	const struct lta_window_counters *c = lta_window_set_counters(set, id);
	uint64_t most_windows = 0, most_groups = 0;
	static const char *const names[] = { "a", "b", "c", "d" };

	for (i = 0; i < 10000; i++) {
		/* Time goes on, 1 in 7 events 3 behind (within the grace). */
		REQ(set, names[i % 4], i / 3 - (i % 7 == 0 ? 3 : 0), 1);
		if (c->windows_open > most_windows) {
			most_windows = c->windows_open;
		}
		if (c->groups_open > most_groups) {
			most_groups = c->groups_open;
		}
		ngot = 0; /* Only the counters matter here. */
	}
	is_int(most_windows, (10 + 4) / 2,
	       "bound: at most ceil((range + grace) / slide) windows open");
	ok(most_groups <= most_windows * 3,
	   "bound: at most 3 groups in each (%llu)",
	   (unsigned long long)most_groups);
	ok(c->refused > 0, "bound: the fourth group refused (%llu)",
	   (unsigned long long)c->refused);
	is_int(c->late_dropped, 0, "bound: nothing beyond the grace");
	lta_window_set_destroy(set);
}

static void exit_event(struct lta_event *e, const char *proc, const char *call,
		       int64_t entry, int64_t exit, int64_t ret)
{
	memset(e, 0, sizeof(*e));
	e->kind = LTA_EVENT_SYSCALL_EXIT;
	e->procname = proc;
	e->syscall_name = call;
	e->entry_ts = entry;
	e->ts = exit;
	e->fd_arg = -1;
	e->ret_arg = 0;
	e->nargs = 1;
	e->args[0].name = "ret";
	e->args[0].type = LTA_ARG_SINT;
	e->args[0].v.s = ret;
}

static void test_syscalls(void)
{
	struct lta_window_set *set = lta_window_set_create(on_closed, NULL);
	struct lta_window_query q = {
		.stream = LTA_WINDOW_STREAM_SYSCALLS,
		.range = 100,
		.group_by = LTA_WINDOW_GROUP_BY(LTA_WINDOW_KEY_COMPONENT) |
			    LTA_WINDOW_GROUP_BY(LTA_WINDOW_KEY_SYSCALL),
	};
	const struct lta_window_counters *c;
	struct lta_event e;
	int id = lta_window_set_add(set, &q);

	ngot = 0;
	c = lta_window_set_counters(set, id);
	exit_event(&e, "httpd", "read", 10, 30, 5);
	lta_window_set_syscall(set, &e);
	exit_event(&e, "httpd", "read", 40, 50, -11);
	lta_window_set_syscall(set, &e);
	exit_event(&e, "httpd", "write", -1, 60, 5);
	lta_window_set_syscall(set, &e);
	exit_event(&e, "httpd", "read", LTA_WINDOW_MAX_TS + 1, INT64_MAX, 0);
	lta_window_set_syscall(set, &e);
	is_int(c->bad_time, 1, "syscalls: a time past 2^62: bad_time");
	exit_event(&e, "httpd", "read", 10, 30, 5);
	e.kind = LTA_EVENT_SYSCALL_ENTRY;
	e.ts = 120;
	lta_window_set_syscall(set, &e);
	is_int(ngot, 1, "syscalls: an entry at 120 closes [0,100)");
	is_str(got[0].group, "httpd|read", "syscalls: component|syscall");
	is_int(got[0].count, 2, "syscalls: two reads");
	is_int(got[0].errors, 1, "syscalls: ret < 0 is an error");
	is_int(got[0].max, 20, "syscalls: latency exit - entry");
	is_int(got[0].p50, 10, "syscalls: p50 10");
	is_int(c->untimed, 1, "syscalls: an exit with no entry: untimed");
	lta_window_set_destroy(set);
}

static void test_queries(void)
{
	struct lta_window_set *set = lta_window_set_create(on_closed, NULL);
	struct lta_window_query q = { .range = 10, .slide = 3 };
	int64_t ns = 0;

	is_int(lta_window_set_add(set, &q), -EINVAL,
	       "range not a multiple of slide: EINVAL");
	q.slide = 20;
	is_int(lta_window_set_add(set, &q), -EINVAL, "slide > range: EINVAL");
	q.range = 10000;
	q.slide = 1;
	is_int(lta_window_set_add(set, &q), -EINVAL,
	       "more than LTA_WINDOW_MAX_OVERLAP windows per event: EINVAL");
	q.slide = 10;
	is_int(lta_window_set_add(set, &q), 0, "1000 windows per event: id 0");
	q.range = LTA_WINDOW_MAX_RANGE + 1;
	q.slide = q.range;
	is_int(lta_window_set_add(set, &q), -EINVAL, "range above a week");
	q.range = 10;
	q.slide = 10;
	q.grace = LTA_WINDOW_MAX_RANGE + 1;
	is_int(lta_window_set_add(set, &q), -EINVAL, "grace above a week");
	q.slide = 5;
	q.grace = -1;
	is_int(lta_window_set_add(set, &q), -EINVAL, "negative grace: EINVAL");
	lta_window_set_destroy(set);
	{
		unsigned g = 0;

		is_int(lta_window_parse_group_by("component,path", &g), 0,
		       "group-by component,path");
		is_int(g,
		       LTA_WINDOW_GROUP_BY(LTA_WINDOW_KEY_COMPONENT) |
			       LTA_WINDOW_GROUP_BY(LTA_WINDOW_KEY_PATH),
		       "group-by bits");
		is_int(lta_window_parse_group_by("none", &g), 0, "none");
		is_int(g, 0, "none: no bit");
		is_int(lta_window_parse_group_by("component,,path", &g),
		       -EINVAL, "an empty name: EINVAL");
		is_int(lta_window_parse_group_by("component,", &g), -EINVAL,
		       "a trailing comma: EINVAL");
		is_int(lta_window_parse_group_by("", &g), -EINVAL,
		       "an empty list: EINVAL");
		is_int(lta_window_parse_group_by("host", &g), -EINVAL,
		       "an unknown key: EINVAL");
	}
	ok(lta_window_parse_duration("1s", &ns) == 0 && ns == 1000000000,
	   "duration 1s");
	ok(lta_window_parse_duration("500ms", &ns) == 0 && ns == 500000000,
	   "duration 500ms");
	ok(lta_window_parse_duration("100us", &ns) == 0 && ns == 100000,
	   "duration 100us");
	ok(lta_window_parse_duration("2500000", &ns) == 0 && ns == 2500000,
	   "duration in plain ns");
	ok(lta_window_parse_duration("1.5s", &ns) == 0 && ns == 1500000000,
	   "duration 1.5s");
	ok(lta_window_parse_duration("1x", &ns) == -EINVAL &&
		   lta_window_parse_duration("-1s", &ns) == -EINVAL &&
		   lta_window_parse_duration("", &ns) == -EINVAL,
	   "bad durations rejected");
}

/* The recorder's histogram is the one recorded value by value. */
static void test_recorder(void)
{
	struct lta_sparse_recorder r;
	struct lta_sparse_histogram direct, finished;
	unsigned seed = 777;
	int i;

	lta_sparse_recorder_init(&r);
	lta_sparse_histogram_init(&direct);
	lta_sparse_histogram_init(&finished);
	is_int(lta_sparse_recorder_finish(&r, &finished), 0,
	       "recorder: an empty one finishes");
	ok(finished.count == 0 && finished.used == 0 && finished.max == 0,
	   "recorder: into an empty histogram");
	for (i = 0; i < 20000; i++) {
		int64_t v;

		seed = seed * 1103515245u + 12345u;
		/* From 0 to 2^40 ns, spread over the octaves, and negatives. */
		v = (int64_t)(seed >> 4) >> (seed % 29);
		if (i % 1000 == 0) {
			v = -v - 1;
		}
		if (i == 7) {
			v = INT64_MAX;
		}
		lta_sparse_recorder_record(&r, v);
		lta_sparse_histogram_record(&direct, v);
	}
	is_int(lta_sparse_recorder_finish(&r, &finished), 0,
	       "recorder: finishes");
	ok(lta_sparse_histogram_equal(&finished, &direct),
	   "recorder: the same histogram as recording each value (%u "
	   "buckets)",
	   direct.used);
	is_int(lta_sparse_histogram_percentile(&finished, 99.9),
	       lta_sparse_histogram_percentile(&direct, 99.9),
	       "recorder: the same p99.9");
	lta_sparse_histogram_fini(&finished);
	lta_sparse_histogram_fini(&direct);
	lta_sparse_recorder_fini(&r);
}

static void test_histogram(void)
{
	struct lta_sparse_histogram a, b, u, d;
	struct lta_strbuf ea = { 0 }, eu = { 0 };
	int64_t v;
	int i, buckets_ok = 1;
	unsigned seed = 12345;

	for (v = 0; v < 200000; v += 1 + v / 50) {
		uint32_t index = lta_sparse_histogram_index(v);
		int64_t lo = lta_sparse_histogram_lowest(index);
		int64_t hi = lta_sparse_histogram_highest(index);

		if (lo > v || hi < v || (v < 128 && lo != hi) ||
		    (hi - lo + 1) * 64 > lo + 64 ||
		    index >= LTA_SPARSE_HISTOGRAM_BUCKETS) {
			buckets_ok = 0;
		}
	}
	ok(buckets_ok, "buckets hold their values, within 1/64");
	is_int(lta_sparse_histogram_index(INT64_MAX),
	       LTA_SPARSE_HISTOGRAM_BUCKETS - 1, "INT64_MAX in the top bucket");
	is_int(lta_sparse_histogram_highest(LTA_SPARSE_HISTOGRAM_BUCKETS - 1),
	       INT64_MAX, "the top bucket ends at INT64_MAX");

	lta_sparse_histogram_init(&a);
	lta_sparse_histogram_init(&b);
	lta_sparse_histogram_init(&u);
	lta_sparse_histogram_init(&d);
	for (i = 1; i <= 100; i++) {
		lta_sparse_histogram_record(&a, i);
	}
	is_int(lta_sparse_histogram_percentile(&a, 50), 50, "1..100: p50");
	is_int(lta_sparse_histogram_percentile(&a, 99), 99, "1..100: p99");
	is_int(lta_sparse_histogram_percentile(&a, 100), 100, "1..100: p100");
	lta_sparse_histogram_fini(&a);
	lta_sparse_histogram_record(&a, 1000000);
	v = lta_sparse_histogram_percentile(&a, 50);
	is_int(v, 1000000, "one value: p50 capped by the exact max");
	lta_sparse_histogram_record(&a, 2000000);
	v = lta_sparse_histogram_percentile(&a, 50);
	ok(v >= 1000000 && v <= 1000000 + 1000000 / 64,
	   "p50 within 1/64 above the value (%lld)", (long long)v);
	lta_sparse_histogram_fini(&a);

	for (i = 0; i < 5000; i++) {
		seed = seed * 1103515245u + 12345u;
		v = (int64_t)(seed >> 8) % 50000000;
		if (i % 3) {
			lta_sparse_histogram_record(&a, v);
		} else {
			lta_sparse_histogram_record(&b, v);
		}
		lta_sparse_histogram_record(&u, v);
	}
	lta_sparse_histogram_record(&b, -5);
	lta_sparse_histogram_record(&u, -5);
	is_int(lta_sparse_histogram_merge(&a, &b), 0, "merge succeeds");
	ok(lta_sparse_histogram_equal(&a, &u),
	   "merge of the parts = histogram of the union");
	is_int(a.count, 5001, "merged count exact");
	is_int(a.min, 0, "negative values count as 0");
	lta_sparse_histogram_encode(&a, &ea);
	lta_sparse_histogram_encode(&u, &eu);
	is_str(lta_strbuf_cstr(&ea), lta_strbuf_cstr(&eu), "equal encodings");
	is_int(lta_sparse_histogram_decode(&d, lta_strbuf_cstr(&ea)), 0,
	       "decode of an encoding");
	ok(lta_sparse_histogram_equal(&d, &u), "decode gives it back whole");
	is_int(lta_sparse_histogram_percentile(&d, 99),
	       lta_sparse_histogram_percentile(&u, 99), "same p99 decoded");
	diag("5001 values: %u buckets, %zu bytes encoded", u.used, ea.len);
	is_int(lta_sparse_histogram_decode(&d, "s1 0 0 0 0"), 0,
	       "empty decodes");
	is_int(d.count, 0, "empty: count 0");
	is_int(lta_sparse_histogram_decode(&d, "s1 1 0 0 0"), -EINVAL,
	       "counts that do not add up: EINVAL");
	is_int(lta_sparse_histogram_decode(&d, "s1 2 5 5 10 5:1 5:1"), -EINVAL,
	       "repeated index: EINVAL");
	is_int(lta_sparse_histogram_decode(&d, "s1 1 5 5 5 3712:1"), -EINVAL,
	       "index out of range: EINVAL");
	is_int(lta_sparse_histogram_decode(&d, "s1 1 5 5 5 5:1 "), -EINVAL,
	       "trailing space: EINVAL");
	is_int(lta_sparse_histogram_decode(&d, "s1 1 9 5 5 5:1"), -EINVAL,
	       "min above max: EINVAL");
	is_int(lta_sparse_histogram_decode(&d, "s1 1 7 7 7 5:1"), -EINVAL,
	       "min outside its bucket: EINVAL");
	is_int(lta_sparse_histogram_decode(&d, "h1 1 5 5 5 5:1"), -EINVAL,
	       "unknown format: EINVAL");
	is_int(d.count, 0, "a failed decode leaves it empty");
	{
		/* Mutated encodings: refused, or taken whole and consistent. */
		static const char alphabet[] = "0123456789 :s1-x";
		char text[256];
		int taken = 0, consistent = 1;

		for (i = 0; i < 20000; i++) {
			size_t len = strlen("s1 5 3 700 1000 3:1 100:2 260:2");
			uint64_t total = 0;
			uint32_t j;
			int m;

			memcpy(text, "s1 5 3 700 1000 3:1 100:2 260:2",
			       len + 1);
			for (m = 0; m < 1 + i % 3; m++) {
				seed = seed * 1103515245u + 12345u;
				text[(seed >> 8) % len] =
					alphabet[(seed >> 20) % 16];
			}
			if (lta_sparse_histogram_decode(&d, text) != 0) {
				continue;
			}
			taken++;
			for (j = 0; j < d.used; j++) {
				total += d.buckets[j].count;
			}
			if (total != d.count || d.min > d.max ||
			    lta_sparse_histogram_percentile(&d, 100) != d.max) {
				consistent = 0;
			}
		}
		ok(consistent, "mutated encodings: %d taken, all consistent",
		   taken);
	}
	lta_strbuf_fini(&ea);
	lta_strbuf_fini(&eu);
	lta_sparse_histogram_fini(&a);
	lta_sparse_histogram_fini(&b);
	lta_sparse_histogram_fini(&u);
	lta_sparse_histogram_fini(&d);
}

int main(void)
{
	plan_no_plan();
	test_tumbling();
	test_hopping();
	test_late();
	test_boundary();
	test_bad_time();
	test_cap_and_filters();
	test_callback_stop();
	test_memory_bound();
	test_syscalls();
	test_queries();
	test_histogram();
	test_recorder();
	return exit_status();
}
