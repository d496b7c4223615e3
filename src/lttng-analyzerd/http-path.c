/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * GET /api/v1/analyses/{id}/requests/{rid}/path: a request's path across
 * tiers (doc/tiers.md), as a tree with times. From the request asked, up
 * its upstream requests to the first one (the front tier's), then down
 * every downstream exchange to the request that handled it. Each node says
 * where its time went: in its exchanges with other servers (their union)
 * and in itself (the rest: its own work and the waits between them).
 * Bounded: at most PATH_MAX_DEPTH levels and PATH_MAX_NODES requests read.
 */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "http-internal.h"
#include "store/store.h"

#define PATH_MAX_DEPTH 8
#define PATH_MAX_NODES 256

struct path_walk {
	struct lta_http_exchange *x;
	int nodes;
	bool truncated;
	int error; /* A store error other than -ENOENT. */
	/*
	 * The requests climbed from the one asked (chain[0]) to the first
	 * (chain[chain_len - 1]): each is its predecessor's upstream.
	 */
	int64_t chain[PATH_MAX_DEPTH + 1];
	int chain_len;
};

static int load_record(const struct lta_store_request *r, void *user_data)
{
	json_t **out = user_data;

	*out = json_loadb(r->json ? r->json : "", r->json ? r->json_len : 0, 0,
			  NULL);
	return 0;
}

/* Request RID's stored record, or NULL (not stored yet, or an error). */
static json_t *load(struct path_walk *w, int64_t rid)
{
	json_t *record = NULL;
	int ret;

	if (w->nodes >= PATH_MAX_NODES) {
		w->truncated = true;
		return NULL;
	}
	w->nodes++;
	ret = lta_store_request_get(w->x->http->context.store, w->x->id, rid,
				    load_record, &record);
	if (ret && ret != -ENOENT && !w->error) {
		w->error = ret;
	}
	return ret ? NULL : record;
}

static int64_t get_int(const json_t *o, const char *name, int64_t absent)
{
	const json_t *v = json_object_get(o, name);

	return json_is_integer(v) ? (int64_t)json_integer_value(v) : absent;
}

static int compare_spans(const void *a, const void *b)
{
	const int64_t *x = a, *y = b;

	return x[0] < y[0] ? -1 : x[0] > y[0];
}

/*
 * The time of [START, END) covered by the exchanges of DOWNSTREAM (their
 * union: a request may have several at once).
 */
static int64_t downstream_time(const json_t *downstream, int64_t start,
			       int64_t end)
{
	size_t n = json_array_size(downstream), i, k = 0;
	int64_t(*spans)[2], total = 0, cur_s = 0, cur_e = 0;
	bool open = false;

	if (!n || end <= start) {
		return 0;
	}
	spans = calloc(n, sizeof(*spans));
	if (!spans) {
		return 0;
	}
	for (i = 0; i < n; i++) {
		const json_t *x = json_array_get(downstream, i);
		int64_t s = get_int(x, "start_ns", -1);
		int64_t d = get_int(x, "duration_ns", -1);

		if (s < 0 || d < 0) {
			continue;
		}
		spans[k][0] = s < start ? start : s;
		spans[k][1] = s + d > end ? end : s + d;
		if (spans[k][1] > spans[k][0]) {
			k++;
		}
	}
	qsort(spans, k, sizeof(*spans), compare_spans);
	for (i = 0; i < k; i++) {
		if (open && spans[i][0] <= cur_e) {
			if (spans[i][1] > cur_e) {
				cur_e = spans[i][1];
			}
			continue;
		}
		if (open) {
			total += cur_e - cur_s;
		}
		cur_s = spans[i][0];
		cur_e = spans[i][1];
		open = true;
	}
	if (open) {
		total += cur_e - cur_s;
	}
	free(spans);
	return total;
}

static const char *const node_fields[] = {
	"id",	    "component", "procname",	 "pid",		"tids",
	"start_ns", "end_ns",	 "duration_ns",	 "answered_ns", "end_reason",
	"upstream", "link",	 "request_line", "bytes_read",	"bytes_written",
};

static json_t *node_of(struct path_walk *w, json_t *record, int64_t asked,
		       int depth);

/* One exchange of a node, with the request that handled it. */
static json_t *exchange_of(struct path_walk *w, const json_t *x, int64_t asked,
			   int depth)
{
	static const char *const fields[] = { "component", "peer",
					      "start_ns",  "duration_ns",
					      "bytes_out", "bytes_in",
					      "link" };
	json_t *o = json_object();
	int64_t rid = get_int(x, "request", 0);
	json_t *child = NULL;
	size_t i;

	if (!o) {
		return NULL;
	}
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		json_t *v = json_object_get(x, fields[i]);

		json_object_set(o, fields[i], v ? v : json_null());
	}
	if (rid > 0) {
		if (depth + 1 >= PATH_MAX_DEPTH) {
			w->truncated = true;
		} else {
			json_t *record = load(w, rid);

			if (record) {
				child = node_of(w, record, asked, depth + 1);
				json_decref(record);
			}
		}
	}
	json_object_set_new(o, "request_id",
			    rid > 0 ? json_integer(rid) : json_null());
	/* Null: not linked, or not stored yet (still running). */
	json_object_set_new(o, "request", child ? child : json_null());
	return o;
}

/*
 * The request on the climbed chain whose upstream RECORD is, when none of
 * RECORD's DOWNSTREAM exchanges names it, appended to LIST as an exchange
 * of its own ("linked_late": true): a server may read a client's message
 * after the client's request was stored (a database reads the closing quit
 * of a PHP script that already answered), so the link exists only on the
 * server's side, and the walk down would miss the request asked.
 */
static void late_child(struct path_walk *w, const json_t *record,
		       const json_t *downstream, json_t *list, int64_t asked,
		       int depth)
{
	int64_t id = get_int(record, "id", 0), child_id = 0;
	json_t *child, *o, *node;
	size_t i;
	int j;

	for (j = 1; j < w->chain_len; j++) {
		if (w->chain[j] == id) {
			child_id = w->chain[j - 1];
			break;
		}
	}
	if (child_id <= 0) {
		return;
	}
	for (i = 0; i < json_array_size(downstream); i++) {
		if (get_int(json_array_get(downstream, i), "request", 0) ==
		    child_id) {
			return;
		}
	}
	if (depth + 1 >= PATH_MAX_DEPTH) {
		w->truncated = true;
		return;
	}
	child = load(w, child_id);
	o = json_object();
	if (!child || !o) {
		json_decref(child);
		json_decref(o);
		return;
	}
	json_object_set(o, "component",
			json_object_get(child, "component")
				? json_object_get(child, "component")
				: json_null());
	json_object_set_new(o, "peer", json_null());
	json_object_set(o, "start_ns",
			json_object_get(child, "start_ns")
				? json_object_get(child, "start_ns")
				: json_null());
	json_object_set_new(o, "duration_ns", json_null());
	json_object_set_new(o, "bytes_out", json_null());
	json_object_set_new(o, "bytes_in", json_null());
	json_object_set(o, "link",
			json_object_get(child, "link")
				? json_object_get(child, "link")
				: json_null());
	json_object_set_new(o, "linked_late", json_true());
	json_object_set_new(o, "request_id", json_integer(child_id));
	node = node_of(w, child, asked, depth + 1);
	json_object_set_new(o, "request", node ? node : json_null());
	json_decref(child);
	json_array_append_new(list, o);
}

static json_t *node_of(struct path_walk *w, json_t *record, int64_t asked,
		       int depth)
{
	json_t *o = json_object(), *list = json_array(), *time = json_object();
	const json_t *downstream = json_object_get(record, "downstream");
	int64_t start = get_int(record, "start_ns", -1);
	int64_t end = get_int(record, "end_ns", -1);
	int64_t total, in_downstream;
	size_t i;

	if (!o || !list || !time) {
		json_decref(o);
		json_decref(list);
		json_decref(time);
		return NULL;
	}
	for (i = 0; i < sizeof(node_fields) / sizeof(node_fields[0]); i++) {
		json_t *v = json_object_get(record, node_fields[i]);

		json_object_set(o, node_fields[i], v ? v : json_null());
	}
	json_object_set_new(o, "asked",
			    json_boolean(get_int(record, "id", 0) == asked));
	for (i = 0; i < json_array_size(downstream); i++) {
		json_t *x = exchange_of(w, json_array_get(downstream, i), asked,
					depth);

		if (x) {
			json_array_append_new(list, x);
		}
	}
	late_child(w, record, downstream, list, asked, depth);
	total = start >= 0 && end >= start ? end - start : -1;
	in_downstream =
		total >= 0 ? downstream_time(downstream, start, end) : -1;
	json_object_set_new(time, "total_ns",
			    total >= 0 ? json_integer(total) : json_null());
	json_object_set_new(time, "downstream_ns",
			    in_downstream >= 0 ? json_integer(in_downstream)
					       : json_null());
	json_object_set_new(time, "own_ns",
			    total >= 0 ? json_integer(total - in_downstream)
				       : json_null());
	json_object_set_new(o, "time", time);
	json_object_set_new(o, "downstream", list);
	json_object_set(
		o, "downstream_truncated",
		json_object_get(record, "downstream_truncated")
			? json_object_get(record, "downstream_truncated")
			: json_false());
	return o;
}

void lta_http_get_request_path(struct lta_http_exchange *x)
{
	static const char *const no_parameters[] = { NULL };
	struct path_walk w = { .x = x };
	json_t *record, *up, *root, *reply;
	int climbed = 0;

	if (lta_http_query_check(x, no_parameters) ||
	    lta_http_check_analysis(x)) {
		return;
	}
	record = load(&w, x->rid);
	if (!record) {
		if (w.error) {
			lta_http_reply_store_error(x, w.error, "requests");
		} else {
			lta_http_reply_error(
				x, 404, "not_found",
				"No request %lld in analysis %lld.",
				(long long)x->rid, (long long)x->id);
		}
		return;
	}
	/* Up to the first request of the path (its upstream unknown). */
	w.chain[w.chain_len++] = x->rid;
	while (get_int(record, "upstream", 0) > 0 && climbed < PATH_MAX_DEPTH) {
		up = load(&w, get_int(record, "upstream", 0));
		if (!up) {
			break;
		}
		json_decref(record);
		record = up;
		climbed++;
		w.chain[w.chain_len++] = get_int(record, "id", 0);
	}
	root = node_of(&w, record, x->rid, 0);
	reply = json_object();
	if (!root || !reply) {
		json_decref(record);
		json_decref(root);
		json_decref(reply);
		lta_http_reply_json(x, 500, NULL);
		return;
	}
	json_object_set_new(reply, "analysis", json_integer(x->id));
	json_object_set_new(reply, "request", json_integer(x->rid));
	/* The first request's upstream when it is not stored (yet). */
	json_object_set(reply, "root_upstream",
			get_int(record, "upstream", 0) > 0
				? json_object_get(record, "upstream")
				: json_null());
	json_object_set_new(reply, "truncated", json_boolean(w.truncated));
	json_object_set_new(reply, "root", root);
	json_decref(record);
	if (w.error) {
		json_decref(reply);
		lta_http_reply_store_error(x, w.error, "requests");
		return;
	}
	lta_http_reply_json(x, 200, reply);
}
