/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The registered queries of an analysis, in its worker (worker-queries.h).
 */
#include "worker-queries.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/log.h"
#include "common/strbuf.h"
#include "queries.h"
#include "window/window.h"

struct query {
	int64_t id;
	struct lta_worker_queries *owner;
	struct lta_window_set *set; /* Owned; NULL once deleted. */
	bool syscalls;
	/*
	 * Windows starting before this are not stored: the first time it
	 * saw, for a query that came after the analysis had begun (-1 until
	 * then); INT64_MIN for one there from the start.
	 */
	int64_t first_ts;
};

struct lta_worker_queries {
	struct lta_store *store;	 /* Borrowed. */
	struct lta_store_writer *writer; /* Borrowed. */
	int64_t analysis;
	struct query **queries; /* Owned, by id (each owned). */
	size_t count, cap;
	int64_t last_id; /* The newest query read. */
	bool fed;	 /* The pipeline or the segmenter fed us. */
	struct lta_strbuf data, histogram;
	uint64_t windows, failed;
};

/* A closed window: stored, unless it began before the query saw time. */
static int on_closed(const struct lta_window_closed *closed, void *user_data)
{
	struct query *qr = user_data;
	struct lta_worker_queries *q = qr->owner;
	struct lta_window_closed c = *closed;
	char *cut;
	int ret;

	if (qr->first_ts == -1 || c.start < qr->first_ts) {
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
	q->windows++;
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

static void stop(struct lta_worker_queries *q, struct query *qr)
{
	if (!qr->set) {
		return;
	}
	lta_window_set_destroy(qr->set);
	qr->set = NULL;
	LTA_LOGI("Query stopped: analysis=%lld, query=%lld",
		 (long long)q->analysis, (long long)qr->id);
}

static int add(struct lta_worker_queries *q, const struct lta_store_query *sq)
{
	struct lta_window_query wq;
	struct query *qr;
	char error[256];
	json_t *spec;

	spec = json_loads(sq->spec, 0, NULL);
	if (!spec || lta_query_to_window(spec, &wq, error, sizeof(error))) {
		LTA_LOGE("Query left out: analysis=%lld, query=%lld, "
			 "error=\"%s\"",
			 (long long)q->analysis, (long long)sq->id,
			 spec ? error : "not JSON");
		json_decref(spec);
		return 0;
	}
	if (q->count == q->cap) {
		size_t cap = q->cap ? q->cap * 2 : 4;
		struct query **queries =
			realloc(q->queries, cap * sizeof(*queries));

		if (!queries) {
			json_decref(spec);
			return -ENOMEM;
		}
		q->queries = queries;
		q->cap = cap;
	}
	/* Its own allocation: its set keeps a pointer to it. */
	qr = calloc(1, sizeof(*qr));
	if (!qr) {
		json_decref(spec);
		return -ENOMEM;
	}
	qr->id = sq->id;
	qr->owner = q;
	qr->first_ts = q->fed ? -1 : INT64_MIN;
	qr->syscalls = wq.stream == LTA_WINDOW_STREAM_SYSCALLS;
	qr->set = lta_window_set_create(on_closed, qr);
	if (!qr->set || lta_window_set_add(qr->set, &wq) < 0) {
		bool no_memory = !qr->set;

		lta_window_set_destroy(qr->set);
		free(qr);
		json_decref(spec);
		LTA_LOGE("Query left out: analysis=%lld, query=%lld",
			 (long long)q->analysis, (long long)sq->id);
		return no_memory ? -ENOMEM : 0;
	}
	json_decref(spec);
	q->queries[q->count++] = qr;
	LTA_LOGI("Query started: analysis=%lld, query=%lld, spec=%s",
		 (long long)q->analysis, (long long)sq->id, sq->spec);
	return 0;
}

static int on_query(const struct lta_store_query *sq, void *user_data)
{
	struct lta_worker_queries *q = user_data;
	struct query *known = find(q, sq->id);
	int ret = 0;

	if (sq->deleted) {
		if (known) {
			stop(q, known);
		}
	} else if (!known) {
		ret = add(q, sq);
	}
	if (sq->id > q->last_id) {
		q->last_id = sq->id;
	}
	return ret;
}

int lta_worker_queries_refresh(struct lta_worker_queries *q)
{
	/* Deletions can touch any query: read them all (a handful). */
	return lta_store_queries(q->store, q->analysis, 0, true, on_query, q);
}

/* Marks the first time QR saw (its earlier windows are partial). */
static inline void saw(struct query *qr, int64_t ts)
{
	if (qr->first_ts == -1 && ts >= 0) {
		qr->first_ts = ts;
	}
}

int lta_worker_queries_request(struct lta_worker_queries *q,
			       const struct lta_request *request)
{
	size_t i;

	q->fed = true;
	for (i = 0; i < q->count; i++) {
		struct query *qr = q->queries[i];
		int ret;

		if (!qr->set || qr->syscalls) {
			continue;
		}
		saw(qr, request->end);
		ret = lta_window_set_request(qr->set, request);
		if (ret) {
			return ret < 0 ? ret : 0;
		}
	}
	return 0;
}

/*
 * Every event moves every query's watermark, as lta_window_consumer()
 * does for the command: the daemon closes the same windows at the same
 * events, and counts the same late events, as `lttng-analyzer windows`.
 */
static int feed(void *state, const struct lta_event *event,
		struct lta_thread *thread, unsigned slot)
{
	struct lta_worker_queries *q = state;
	size_t i;

	(void)thread;
	(void)slot;
	q->fed = true;
	for (i = 0; i < q->count; i++) {
		struct query *qr = q->queries[i];
		int ret;

		if (!qr->set) {
			continue;
		}
		saw(qr, event->ts);
		ret = lta_window_set_syscall(qr->set, event);
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
	for (i = 0; i < q->count; i++) {
		int ret;

		if (!q->queries[i]->set) {
			continue;
		}
		saw(q->queries[i], ts);
		ret = lta_window_set_tick(q->queries[i]->set, ts);
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

	for (i = 0; i < q->count; i++) {
		int ret;

		if (!q->queries[i]->set) {
			continue;
		}
		ret = lta_window_set_flush(q->queries[i]->set);
		if (ret < 0) {
			return ret;
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

		if (!qr->set) {
			continue;
		}
		c = lta_window_set_counters(qr->set, 0);
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

uint64_t lta_worker_queries_windows(const struct lta_worker_queries *q)
{
	return q ? q->windows : 0;
}

void lta_worker_queries_destroy(struct lta_worker_queries *q)
{
	size_t i;

	if (!q) {
		return;
	}
	for (i = 0; i < q->count; i++) {
		lta_window_set_destroy(q->queries[i]->set);
		free(q->queries[i]);
	}
	free(q->queries);
	lta_strbuf_fini(&q->data);
	lta_strbuf_fini(&q->histogram);
	free(q);
}
