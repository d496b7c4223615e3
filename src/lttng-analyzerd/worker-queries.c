/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The registered queries of an analysis, in its worker (worker-queries.h).
 */
#include "worker-queries.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/log.h"
#include "common/strbuf.h"
#include "queries.h"
#include "window/window.h"

/*
 * A window set and the queries it evaluates: those there when the
 * analysis began share one set (one watermark update per event for all),
 * a query registered later has a set of its own (its own first time).
 */
struct group {
	struct lta_worker_queries *owner;
	struct lta_window_set *set; /* Owned; NULL once all are deleted. */
	struct query **members;	    /* By their id in the set; borrowed. */
	size_t count, cap, live;    /* Members, room, those not deleted. */
	bool requests;		    /* A member counts requests. */
	/*
	 * Windows starting before this are not stored: the first time it
	 * saw, for queries that came after the analysis had begun (-1 until
	 * then); INT64_MIN for those there from the start.
	 */
	int64_t first_ts;
};

struct query {
	int64_t id;
	struct group *group;   /* Borrowed (the owner's). */
	uint32_t window_query; /* Its id in the group's set. */
	bool deleted;
};

struct lta_worker_queries {
	struct lta_store *store;	 /* Borrowed. */
	struct lta_store_writer *writer; /* Borrowed. */
	int64_t analysis;
	struct query **queries; /* Owned, by id (each owned). */
	size_t count, cap;
	struct group **groups; /* Owned (each owned). */
	size_t group_count, group_cap;
	bool fed; /* The pipeline or the segmenter fed us. */
	struct lta_strbuf data, histogram;
};

static int grow(void **array, size_t *cap, size_t count, size_t size)
{
	void *p;
	size_t n;

	if (count < *cap) {
		return 0;
	}
	n = *cap ? *cap * 2 : 4;
	p = realloc(*array, n * size);
	if (!p) {
		return -ENOMEM;
	}
	*array = p;
	*cap = n;
	return 0;
}

/* A closed window: stored, unless it began before its query saw time. */
static int on_closed(const struct lta_window_closed *closed, void *user_data)
{
	struct group *g = user_data;
	struct lta_worker_queries *q = g->owner;
	struct lta_window_closed c = *closed;
	struct query *qr;
	char *cut;
	int ret;

	if (c.query >= g->count) {
		return 0;
	}
	qr = g->members[c.query];
	if (qr->deleted || g->first_ts == -1 || c.start < g->first_ts) {
		return 0;
	}
	c.query = (uint32_t)qr->id;
	lta_strbuf_clear(&q->data);
	lta_window_closed_format_json(&c, &q->data);
	lta_strbuf_clear(&q->histogram);
	lta_sparse_histogram_encode(c.latency, &q->histogram);
	/*
	 * The row keeps the histogram apart: the formatter writes it last
	 * (window.h), so the data ends where its key begins.
	 */
	cut = strstr(lta_strbuf_cstr(&q->data), ",\"histogram\":");
	if (cut) {
		q->data.len = (size_t)(cut - q->data.data);
		lta_strbuf_putc(&q->data, '}');
	}
	if (q->data.failed || q->histogram.failed) {
		return -ENOMEM;
	}
	ret = lta_store_writer_add_window(q->writer, qr->id, c.start, c.end,
					  c.group, lta_strbuf_cstr(&q->data),
					  lta_strbuf_cstr(&q->histogram));
	if (ret == -ENOMEM) {
		return ret;
	}
	/* Another error: the row waits in the batch, as requests do. */
	return 0;
}

struct lta_worker_queries *
lta_worker_queries_create(struct lta_store *store,
			  struct lta_store_writer *writer, int64_t analysis)
{
	struct lta_worker_queries *q = calloc(1, sizeof(*q));

	if (!q) {
		return NULL;
	}
	q->store = store;
	q->writer = writer;
	q->analysis = analysis;
	return q;
}

static struct query *find(struct lta_worker_queries *q, int64_t id)
{
	size_t i;

	for (i = 0; i < q->count; i++) {
		if (q->queries[i]->id == id) {
			return q->queries[i];
		}
	}
	return NULL;
}

/*
 * Logs the counters of QR's window set: how many events came late, were
 * dropped or refused, which the API does not show (doc/windows.md).
 */
static void log_counters(struct lta_worker_queries *q, const struct query *qr,
			 const char *why)
{
	const struct lta_window_counters *c =
		lta_window_set_counters(qr->group->set, qr->window_query);

	if (!c) {
		return;
	}
	LTA_LOGI("Query counters (%s): analysis=%lld, query=%lld, "
		 "events=%" PRIu64 ", filtered=%" PRIu64
		 ", late_accepted=%" PRIu64 ", max_late=%" PRId64
		 ", late_partial=%" PRIu64 ", late_dropped=%" PRIu64
		 ", refused=%" PRIu64 ", unended=%" PRIu64 ", untimed=%" PRIu64
		 ", windows_closed=%" PRIu64,
		 why, (long long)q->analysis, (long long)qr->id, c->events,
		 c->filtered, c->late_accepted, c->max_late, c->late_partial,
		 c->late_dropped, c->refused, c->unended, c->untimed,
		 c->windows_closed);
}

static void stop(struct lta_worker_queries *q, struct query *qr)
{
	struct group *g = qr->group;

	if (qr->deleted || !g->set) {
		return;
	}
	log_counters(q, qr, "stopped");
	qr->deleted = true;
	if (--g->live == 0) {
		/* Its last query: the set goes (the others keep theirs). */
		lta_window_set_destroy(g->set);
		g->set = NULL;
	}
	LTA_LOGI("Query stopped: analysis=%lld, query=%lld",
		 (long long)q->analysis, (long long)qr->id);
}

/* The group a new query joins: the shared one before any event, else new. */
static struct group *group_for(struct lta_worker_queries *q)
{
	struct group *g;

	if (!q->fed && q->group_count) {
		return q->groups[0];
	}
	if (grow((void **)&q->groups, &q->group_cap, q->group_count,
		 sizeof(*q->groups))) {
		return NULL;
	}
	g = calloc(1, sizeof(*g));
	if (!g) {
		return NULL;
	}
	g->owner = q;
	g->first_ts = q->fed ? -1 : INT64_MIN;
	g->set = lta_window_set_create(on_closed, g);
	if (!g->set) {
		free(g);
		return NULL;
	}
	q->groups[q->group_count++] = g;
	return g;
}

static int add(struct lta_worker_queries *q, const struct lta_store_query *sq)
{
	struct lta_window_query wq;
	struct query *qr = NULL;
	struct group *g;
	char error[256];
	json_t *spec;
	int ret;

	spec = json_loads(sq->spec, 0, NULL);
	if (!spec || lta_query_to_window(spec, &wq, error, sizeof(error))) {
		LTA_LOGE("Query left out: analysis=%lld, query=%lld, "
			 "error=\"%s\"",
			 (long long)q->analysis, (long long)sq->id,
			 spec ? error : "not JSON");
		json_decref(spec);
		return 0;
	}
	g = group_for(q);
	if (!g ||
	    grow((void **)&q->queries, &q->cap, q->count,
		 sizeof(*q->queries)) ||
	    grow((void **)&g->members, &g->cap, g->count,
		 sizeof(*g->members)) ||
	    !(qr = calloc(1, sizeof(*qr)))) {
		json_decref(spec);
		return -ENOMEM;
	}
	ret = lta_window_set_add(g->set, &wq);
	json_decref(spec);
	if (ret < 0) {
		free(qr);
		LTA_LOGE("Query left out: analysis=%lld, query=%lld",
			 (long long)q->analysis, (long long)sq->id);
		return ret == -ENOMEM ? ret : 0;
	}
	qr->id = sq->id;
	qr->group = g;
	qr->window_query = (uint32_t)ret;
	g->members[g->count++] = qr;
	g->live++;
	g->requests |= wq.stream == LTA_WINDOW_STREAM_REQUESTS;
	q->queries[q->count++] = qr;
	LTA_LOGI("Query started: analysis=%lld, query=%lld, spec=%s",
		 (long long)q->analysis, (long long)sq->id, sq->spec);
	return 0;
}

static int on_query(const struct lta_store_query *sq, void *user_data)
{
	struct lta_worker_queries *q = user_data;
	struct query *known = find(q, sq->id);

	if (sq->deleted) {
		if (known) {
			stop(q, known);
		}
		return 0;
	}
	return known ? 0 : add(q, sq);
}

int lta_worker_queries_refresh(struct lta_worker_queries *q)
{
	/* Deletions can touch any query: read them all (64 at most). */
	return lta_store_queries(q->store, q->analysis, 0, true, on_query, q);
}

/* Marks the first time G saw (its earlier windows are partial). */
static inline void saw(struct group *g, int64_t ts)
{
	if (g->first_ts == -1 && ts >= 0) {
		g->first_ts = ts;
	}
}

int lta_worker_queries_request(struct lta_worker_queries *q,
			       const struct lta_request *request)
{
	size_t i;

	q->fed = true;
	for (i = 0; i < q->group_count; i++) {
		struct group *g = q->groups[i];
		int ret;

		if (!g->set || !g->requests) {
			continue;
		}
		saw(g, request->end);
		ret = lta_window_set_request(g->set, request);
		if (ret) {
			return ret < 0 ? ret : 0;
		}
	}
	return 0;
}

/*
 * Every event moves every set's watermark, as lta_window_consumer() does
 * for the command: the daemon closes the same windows at the same events,
 * and counts the same late events, as `lttng-analyzer windows`.
 */
static int feed(void *state, const struct lta_event *event,
		struct lta_thread *thread, unsigned slot)
{
	struct lta_worker_queries *q = state;
	size_t i;

	(void)thread;
	(void)slot;
	q->fed = true;
	for (i = 0; i < q->group_count; i++) {
		struct group *g = q->groups[i];
		int ret;

		if (!g->set) {
			continue;
		}
		saw(g, event->ts);
		ret = lta_window_set_syscall(g->set, event);
		if (ret < 0) {
			return ret;
		}
	}
	return 0;
}

static int tick(void *state, int64_t ts)
{
	struct lta_worker_queries *q = state;
	size_t i;

	q->fed = true;
	for (i = 0; i < q->group_count; i++) {
		struct group *g = q->groups[i];
		int ret;

		if (!g->set) {
			continue;
		}
		saw(g, ts);
		ret = lta_window_set_tick(g->set, ts);
		if (ret < 0) {
			return ret;
		}
	}
	return 0;
}

static int flush(void *state)
{
	struct lta_worker_queries *q = state;
	size_t i;

	for (i = 0; i < q->group_count; i++) {
		int ret;

		if (!q->groups[i]->set) {
			continue;
		}
		ret = lta_window_set_flush(q->groups[i]->set);
		if (ret < 0) {
			return ret;
		}
	}
	for (i = 0; i < q->count; i++) {
		if (!q->queries[i]->deleted) {
			log_counters(q, q->queries[i], "end of input");
		}
	}
	return 0;
}

struct lta_consumer lta_worker_queries_consumer(struct lta_worker_queries *q)
{
	return (struct lta_consumer){
		.name = "queries",
		.state = q,
		.feed = feed,
		.tick = tick,
		.flush = flush,
	};
}

int lta_worker_queries_report(struct lta_worker_queries *q)
{
	size_t i;

	for (i = 0; i < q->count; i++) {
		const struct query *qr = q->queries[i];
		const struct lta_window_counters *c;
		int ret;

		if (qr->deleted) {
			continue;
		}
		c = lta_window_set_counters(qr->group->set, qr->window_query);
		lta_strbuf_clear(&q->data);
		lta_strbuf_printf(
			&q->data,
			"{\"events\":%llu,\"filtered\":%llu,"
			"\"late_accepted\":%llu,\"max_late\":%lld,"
			"\"late_partial\":%llu,\"late_dropped\":%llu,"
			"\"refused\":%llu,\"unended\":%llu,\"untimed\":%llu,"
			"\"bad_time\":%llu,\"windows_open\":%llu,"
			"\"groups_open\":%llu,\"windows_closed\":%llu}",
			(unsigned long long)c->events,
			(unsigned long long)c->filtered,
			(unsigned long long)c->late_accepted,
			(long long)c->max_late,
			(unsigned long long)c->late_partial,
			(unsigned long long)c->late_dropped,
			(unsigned long long)c->refused,
			(unsigned long long)c->unended,
			(unsigned long long)c->untimed,
			(unsigned long long)c->bad_time,
			(unsigned long long)c->windows_open,
			(unsigned long long)c->groups_open,
			(unsigned long long)c->windows_closed);
		if (q->data.failed) {
			return -ENOMEM;
		}
		ret = lta_store_writer_set_query_counters(
			q->writer, qr->id, lta_strbuf_cstr(&q->data));
		if (ret) {
			return ret;
		}
	}
	return 0;
}

void lta_worker_queries_destroy(struct lta_worker_queries *q)
{
	size_t i;

	if (!q) {
		return;
	}
	for (i = 0; i < q->group_count; i++) {
		lta_window_set_destroy(q->groups[i]->set);
		free(q->groups[i]->members);
		free(q->groups[i]);
	}
	for (i = 0; i < q->count; i++) {
		free(q->queries[i]);
	}
	free(q->groups);
	free(q->queries);
	lta_strbuf_fini(&q->data);
	lta_strbuf_fini(&q->histogram);
	free(q);
}
