/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Routes over the registered continuous queries of an analysis and their
 * windows (queries.h, doc/windows.md):
 *   POST   .../queries                 register one (201)
 *   GET    .../queries                 the analysis's queries
 *   GET    .../queries/{qid}           one
 *   DELETE .../queries/{qid}           stop it, its windows removed
 *   GET    .../queries/{qid}/windows   its closed windows, paged
 */
#include "http-internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "queries.h"
#include "store/store.h"

#define WINDOWS_LIMIT_DEFAULT 100
#define WINDOWS_LIMIT_MAX 1000
/* Queries per analysis at most: each costs the worker time per event. */
#define QUERIES_MAX 64

static const char *const no_parameters[] = { NULL };
static const char *const window_parameters[] = { "from", "to", "after", "limit",
						 NULL };

/* A stored query as the API shows it: its id, when, then its spec. */
static json_t *query_json(const struct lta_store_query *q, int64_t analysis)
{
	json_t *spec = json_loads(q->spec, 0, NULL), *o = json_object();
	char windows[128];

	if (!spec || !o) {
		goto error;
	}
	snprintf(windows, sizeof(windows),
		 "/api/v1/analyses/%lld/queries/%lld/windows",
		 (long long)analysis, (long long)q->id);
	if (json_object_set_new(o, "id", json_integer(q->id)) ||
	    json_object_set_new(o, "analysis", json_integer(analysis)) ||
	    json_object_set_new(o, "created_ns", json_integer(q->created_ns)) ||
	    json_object_update(o, spec) ||
	    json_object_set_new(o, "windows", json_string(windows)) ||
	    json_object_set_new(
		    o, "counters",
		    json_loads(q->counters ? q->counters : "{}", 0, NULL))) {
		goto error;
	}
	json_decref(spec);
	return o;
error:
	json_decref(spec);
	json_decref(o);
	return NULL;
}

struct query_list {
	int64_t analysis;
	int64_t want; /* One id, or 0 for all. */
	json_t *list; /* All: an array. */
	json_t *found;
	size_t count;
	bool failed;
};

static int on_query(const struct lta_store_query *q, void *user_data)
{
	struct query_list *l = user_data;
	json_t *o;

	l->count++;
	if (l->want && q->id != l->want) {
		return q->id > l->want;
	}
	o = query_json(q, l->analysis);
	if (!o) {
		l->failed = true;
		return 1;
	}
	if (l->want) {
		l->found = o;
		return 1;
	}
	if (json_array_append_new(l->list, o)) {
		l->failed = true;
		return 1;
	}
	return 0;
}

/* Reads query X->rid of analysis X->id into L. -1: answered. */
static int find_query(struct lta_http_exchange *x, struct query_list *l)
{
	int ret;

	memset(l, 0, sizeof(*l));
	l->analysis = x->id;
	l->want = x->rid;
	if (lta_http_check_analysis(x)) {
		return -1;
	}
	ret = lta_store_queries(x->http->context.store, x->id, x->rid - 1,
				false, on_query, l);
	if (ret < 0) {
		lta_http_reply_store_error(x, ret, "queries");
		return -1;
	}
	if (l->failed) {
		lta_http_reply_json(x, 500, NULL);
		return -1;
	}
	if (!l->found) {
		lta_http_reply_error(x, 404, "not_found",
				     "Analysis %lld has no query %lld.",
				     (long long)x->id, (long long)x->rid);
		return -1;
	}
	return 0;
}

static int count_query(const struct lta_store_query *q, void *user_data)
{
	(void)q;
	(*(size_t *)user_data)++;
	return 0;
}

void lta_http_post_query(struct lta_http_exchange *x)
{
	struct lta_analysis_view view;
	char error[512];
	json_t *body = NULL, *spec = NULL;
	char *spec_text = NULL;
	size_t count = 0;
	int64_t id;
	int ret;

	if (lta_http_query_check(x, no_parameters) ||
	    lta_http_check_analysis(x)) {
		return;
	}
	if (lta_analyses_get(x->http->context.analyses, x->id, &view) == 0 &&
	    !view.running) {
		/* Its events are not kept: nothing could evaluate it. */
		lta_http_reply_error(x, 409, "not_running",
				     "Analysis %lld is not running: a query "
				     "is evaluated on the events as they are "
				     "read (give it with POST "
				     "/api/v1/analyses, \"queries\").",
				     (long long)x->id);
		return;
	}
	body = lta_http_load_body(x, "a query: {\"range\": \"1s\", ...}");
	if (!body) {
		return;
	}
	spec = lta_query_normalize(body, error, sizeof(error));
	if (!spec) {
		lta_http_reply_error(x, 400, "invalid_query", "%s", error);
		goto end;
	}
	ret = lta_store_queries(x->http->context.store, x->id, 0, false,
				count_query, &count);
	if (ret < 0) {
		lta_http_reply_store_error(x, ret, "queries");
		goto end;
	}
	if (count >= QUERIES_MAX) {
		lta_http_reply_error(x, 409, "too_many_queries",
				     "Analysis %lld has %d queries, the most "
				     "it evaluates: delete one first.",
				     (long long)x->id, QUERIES_MAX);
		goto end;
	}
	spec_text = json_dumps(spec, JSON_COMPACT);
	if (!spec_text) {
		lta_http_reply_json(x, 500, NULL);
		goto end;
	}
	ret = lta_store_query_insert(x->http->context.store, x->id, spec_text,
				     &id);
	if (ret) {
		lta_http_reply_store_error(x, ret, "queries");
		goto end;
	}
	{
		struct lta_store_query q = { .analysis = x->id,
					     .id = id,
					     .spec = spec_text,
					     .created_ns = 0 };

		snprintf(x->reply.location, sizeof(x->reply.location),
			 "/api/v1/analyses/%lld/queries/%lld", (long long)x->id,
			 (long long)id);
		lta_http_reply_json(x, 201, query_json(&q, x->id));
	}
end:
	free(spec_text);
	json_decref(spec);
	json_decref(body);
}

void lta_http_get_queries(struct lta_http_exchange *x)
{
	struct query_list l = { .analysis = x->id };
	json_t *o;
	int ret;

	if (lta_http_query_check(x, no_parameters) ||
	    lta_http_check_analysis(x)) {
		return;
	}
	l.list = json_array();
	o = json_object();
	if (!l.list || !o) {
		json_decref(l.list);
		json_decref(o);
		lta_http_reply_json(x, 500, NULL);
		return;
	}
	ret = lta_store_queries(x->http->context.store, x->id, 0, false,
				on_query, &l);
	if (ret < 0 || l.failed) {
		json_decref(l.list);
		json_decref(o);
		if (ret < 0) {
			lta_http_reply_store_error(x, ret, "queries");
		} else {
			lta_http_reply_json(x, 500, NULL);
		}
		return;
	}
	if (json_object_set_new(o, "queries", l.list)) {
		json_decref(o);
		o = NULL;
	}
	lta_http_reply_json(x, 200, o);
}

void lta_http_get_query(struct lta_http_exchange *x)
{
	struct query_list l;

	if (lta_http_query_check(x, no_parameters) || find_query(x, &l)) {
		return;
	}
	lta_http_reply_json(x, 200, l.found);
}

void lta_http_delete_query(struct lta_http_exchange *x)
{
	struct query_list l;
	int ret;

	if (lta_http_query_check(x, no_parameters) || find_query(x, &l)) {
		return;
	}
	ret = lta_store_query_delete(x->http->context.store, x->id, x->rid);
	if (ret == -ENOENT) {
		json_decref(l.found);
		lta_http_reply_error(x, 404, "not_found",
				     "Analysis %lld has no query %lld.",
				     (long long)x->id, (long long)x->rid);
		return;
	}
	if (ret) {
		json_decref(l.found);
		lta_http_reply_store_error(x, ret, "queries");
		return;
	}
	if (json_object_set_new(l.found, "deleted", json_true())) {
		json_decref(l.found);
		l.found = NULL;
	}
	lta_http_reply_json(x, 200, l.found);
}

struct window_page {
	json_t *spec;
	json_t *list;
	int limit, count;
	int64_t last_id;
	bool more, failed;
};

static int on_window(const struct lta_store_window *win, void *user_data)
{
	struct window_page *p = user_data;
	json_t *o;

	if (p->count == p->limit) {
		p->more = true;
		return 1;
	}
	o = lta_query_window_json(p->spec, win->id, win->data, win->histogram);
	if (!o || json_array_append_new(p->list, o)) {
		p->failed = true;
		return 1;
	}
	p->count++;
	p->last_id = win->id;
	return 0;
}

void lta_http_get_query_windows(struct lta_http_exchange *x)
{
	struct lta_store_window_filter filter = {
		.analysis = x->id,
		.query = x->rid,
		.from_ns = INT64_MIN,
		.to_ns = INT64_MAX,
	};
	struct window_page page = { 0 };
	struct query_list l;
	int64_t limit = WINDOWS_LIMIT_DEFAULT;
	json_t *o = NULL;
	int ret;

	if (lta_http_query_check(x, window_parameters) ||
	    lta_http_query_int(x, "from", 0, INT64_MAX, &filter.from_ns) < 0 ||
	    lta_http_query_int(x, "to", 0, INT64_MAX, &filter.to_ns) < 0 ||
	    lta_http_query_int(x, "after", 0, INT64_MAX, &filter.after_id) <
		    0 ||
	    lta_http_query_int(x, "limit", 1, WINDOWS_LIMIT_MAX, &limit) < 0 ||
	    find_query(x, &l)) {
		return;
	}
	page.spec = l.found;
	page.limit = (int)limit;
	page.list = json_array();
	/* One more than the page: whether a next one exists. */
	filter.limit = (int)limit + 1;
	if (!page.list) {
		goto out_of_memory;
	}
	ret = lta_store_windows(x->http->context.store, &filter, on_window,
				&page);
	if (ret < 0) {
		lta_http_reply_store_error(x, ret, "windows");
		goto end;
	}
	if (page.failed) {
		goto out_of_memory;
	}
	o = json_object();
	if (!o || json_object_set(o, "query", l.found) ||
	    json_object_set(o, "windows", page.list) ||
	    json_object_set_new(o, "next",
				page.more ? json_integer(page.last_id)
					  : json_null())) {
		goto out_of_memory;
	}
	lta_http_reply_json(x, 200, o);
	o = NULL;
	goto end;
out_of_memory:
	lta_http_reply_json(x, 500, NULL);
end:
	json_decref(o);
	json_decref(page.list);
	json_decref(l.found);
}
