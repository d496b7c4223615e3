/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Routes about the daemon and its analyses: /api/v1/health,
 * /api/v1/analyses[/{id}], /api/v1/analyses/{id}/stats and /metrics. They
 * translate the manager's (analysis.h) views and errno values into JSON
 * and HTTP statuses; doc/openapi.yaml is the contract.
 */
#include "http-internal.h"
#include "publish/publish.h"
#include "publisher.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analysis.h"
#include "attach.h"
#include "queries.h"
#include "common/log.h"
#include "decode/live-url.h"
#include "decode/trace-path.h"
#include "histogram/histogram.h"

static const char *const no_parameters[] = { NULL };

/* What GET .../stats reports, as wrk2 prints its latency distribution. */
static const struct {
	const char *name;
	double value;
} percentiles[] = {
	{ "50", 50.0 },	      { "75", 75.0 },	{ "90", 90.0 },
	{ "99", 99.0 },	      { "99.9", 99.9 }, { "99.99", 99.99 },
	{ "99.999", 99.999 }, { "100", 100.0 },
};

/*
 * Sets KEY of OBJECT to VALUE (a new reference, stolen; NULL is a failed
 * allocation). Returns true when it failed, so that a series of calls
 * can be or-ed together and checked once.
 */
static bool put(json_t *object, const char *key, json_t *value)
{
	return json_object_set_new(object, key, value) != 0;
}

/* An integer, or null when negative (the store's "unknown"). */
static json_t *int_or_null(int64_t value)
{
	return value < 0 ? json_null() : json_integer(value);
}

static json_t *uint_json(uint64_t value)
{
	return json_integer(value > INT64_MAX ? INT64_MAX : (int64_t)value);
}

static json_t *real_or_null(double value)
{
	return isfinite(value) ? json_real(value) : json_null();
}

static json_t *view_json(const struct lta_analysis_view *view)
{
	const struct lta_store_analysis *s = &view->stored;
	json_t *o = json_object();
	bool failed = !o;

	failed |= put(o, "id", json_integer(s->id));
	failed |= put(o, "kind", lta_http_json_string(s->kind));
	failed |= put(o, "source", lta_http_json_string(s->source));
	failed |= put(o, "status", lta_http_json_string(s->status));
	failed |= put(o, "reason",
		      s->reason[0] ? lta_http_json_string(s->reason)
				   : json_null());
	failed |= put(o, "created_ns", json_integer(s->created_ns));
	failed |= put(o, "updated_ns", json_integer(s->updated_ns));
	failed |= put(o, "events", json_integer(s->events));
	failed |= put(o, "discarded_events", json_integer(s->discarded_events));
	failed |= put(o, "requests", json_integer(s->requests));
	failed |= put(o, "connections", json_integer(s->connections));
	failed |= put(o, "last_event_ns", int_or_null(s->last_event_ns));
	failed |= put(o, "lag_ns", int_or_null(view->lag_ns));
	failed |= put(o, "requests_open", json_integer(view->requests_open));
	failed |= put(o, "reconnects", json_integer(view->reconnects));
	failed |= put(o, "data_gaps", json_integer(view->data_gaps));
	failed |= put(o, "running", json_boolean(view->running));
	failed |= put(o, "worker_pid",
		      view->worker_pid > 0 ? json_integer(view->worker_pid)
					   : json_null());
	failed |= put(o, "pending", json_integer(view->pending));
	{
		json_t *warnings = json_array();
		size_t i;

		for (i = 0; warnings && i < view->warning_count; i++) {
			const struct lta_analysis_warning *w =
				&view->warnings[i];

			failed |= json_array_append_new(
					  warnings,
					  json_pack("{s:s, s:s, s:b}", "path",
						    w->path, "reason",
						    w->reason, "events_lost",
						    w->events_lost)) != 0;
		}
		failed |= put(o, "warnings", warnings);
	}
	if (failed) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static void reply_not_found(struct lta_http_exchange *x)
{
	lta_http_reply_error(x, 404, "not_found", "No analysis %lld.",
			     (long long)x->id);
}

static void reply_internal(struct lta_http_exchange *x, const char *what,
			   int ret)
{
	if (ret == -ENOMEM) {
		lta_http_reply_json(x, 500, NULL);
		return;
	}
	LTA_LOGE("%s failed: id=%lld, error=\"%s\"", what, (long long)x->id,
		 strerror(-ret));
	lta_http_reply_error(x, 500, "internal_error", "%s failed: %s", what,
			     strerror(-ret));
}

int lta_http_check_analysis(struct lta_http_exchange *x)
{
	struct lta_analysis_view view;
	int ret;

	ret = lta_analyses_get(x->http->context.analyses, x->id, &view);
	if (ret == -ENOENT) {
		reply_not_found(x);
		return -1;
	}
	if (ret) {
		reply_internal(x, "Reading the analysis", ret);
		return -1;
	}
	return 0;
}

static int64_t uptime_ns(const struct lta_http *http)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return http->uptime_at_start_ns + ((int64_t)ts.tv_sec * 1000000000LL +
					   ts.tv_nsec - http->mono_at_start_ns);
}

/* Patterns shown at most (more than --attach takes). */
#define ATTACH_VIEWS_MAX 64

/* The patterns of --attach and what their last listings found. */
static int attach_json(struct lta_http *http, json_t *health)
{
	struct lta_attach_pattern_view *views;
	json_t *array = json_array();
	size_t i, count;
	bool failed = !array;

	views = calloc(ATTACH_VIEWS_MAX, sizeof(*views));
	if (!views) {
		json_decref(array);
		return -ENOMEM;
	}
	count = lta_attach_view(http->context.attach, views, ATTACH_VIEWS_MAX);
	for (i = 0; !failed && i < count; i++) {
		json_t *p = json_object();

		failed |= !p;
		failed |= put(p, "pattern",
			      lta_http_json_string(views[i].pattern));
		failed |= put(p, "listings",
			      json_integer((json_int_t)views[i].listings));
		failed |= put(p, "matched",
			      json_integer((json_int_t)views[i].matched));
		failed |= put(p, "attached",
			      json_integer((json_int_t)views[i].attached));
		failed |=
			put(p, "last_error",
			    views[i].last_error[0]
				    ? lta_http_json_string(views[i].last_error)
				    : json_null());
		failed |= json_array_append_new(array, p) != 0;
	}
	free(views);
	failed |= put(health, "attach", array);
	return failed ? -ENOMEM : 0;
}

void lta_http_get_health(struct lta_http_exchange *x)
{
	struct lta_http *http = x->http;
	json_t *o;
	bool failed;

	if (lta_http_query_check(x, no_parameters)) {
		return;
	}
	o = json_object();
	failed = !o;
	failed |= put(o, "status", json_string("ok"));
	failed |= put(o, "version", lta_http_json_string(http->version));
	failed |= put(o, "uptime_ns", json_integer(uptime_ns(http)));
	failed |= put(o, "mode",
		      json_string(http->context.control_only ? "control-only"
							     : "analyzer"));
	failed |= put(o, "analyses_running",
		      json_integer(http->context.analyses
					   ? lta_analyses_running(
						     http->context.analyses)
					   : 0));
	failed |= o && attach_json(http, o) != 0;
	/* The session daemon, the kernel tracer, the relay daemon. */
	failed |= o && lta_http_health_lttng(http, o) != 0;
	if (failed) {
		json_decref(o);
		o = NULL;
	}
	lta_http_reply_json(x, 200, o);
}

static int add_view(const struct lta_analysis_view *view, void *user_data)
{
	json_t *array = user_data;

	return json_array_append_new(array, view_json(view)) ? -ENOMEM : 0;
}

void lta_http_get_analyses(struct lta_http_exchange *x)
{
	json_t *array = NULL, *o = NULL;
	int ret;

	if (lta_http_query_check(x, no_parameters)) {
		return;
	}
	array = json_array();
	if (!array) {
		goto out_of_memory;
	}
	ret = lta_analyses_list(x->http->context.analyses, add_view, array);
	if (ret) {
		json_decref(array);
		reply_internal(x, "Listing the analyses", ret);
		return;
	}
	o = json_object();
	if (!o || put(o, "analyses", array)) {
		json_decref(o);
		goto out_of_memory;
	}
	lta_http_reply_json(x, 200, o);
	return;

out_of_memory:
	lta_http_reply_json(x, 500, NULL);
}

/*
 * Reads the body of POST /api/v1/analyses into *URL or *PATH (borrowed
 * from BODY). Returns 0, or -1 after answering 400.
 */
static int read_start_body(struct lta_http_exchange *x, json_t *body,
			   const char **url, const char **path)
{
	const char *key;
	json_t *value;

	if (!json_is_object(body)) {
		lta_http_reply_error(x, 400, "invalid_body",
				     "The body must be a JSON object.");
		return -1;
	}
	json_object_foreach(body, key, value)
	{
		const char *text;

		if (strcmp(key, "queries") == 0 ||
		    strcmp(key, "default_queries") == 0) {
			continue; /* read_start_queries() */
		}
		if (strcmp(key, "url") != 0 && strcmp(key, "path") != 0) {
			lta_http_reply_error(x, 400, "unknown_field",
					     "Unknown field: %s", key);
			return -1;
		}
		if (!json_is_string(value)) {
			lta_http_reply_error(x, 400, "invalid_field",
					     "Field %s must be a string.", key);
			return -1;
		}
		text = json_string_value(value);
		if (strlen(text) >= LTA_STORE_SOURCE_MAX) {
			lta_http_reply_error(
				x, 400, "invalid_field",
				"Field %s is longer than %d bytes.", key,
				LTA_STORE_SOURCE_MAX - 1);
			return -1;
		}
		if (key[0] == 'u') {
			*url = text;
		} else {
			*path = text;
		}
	}
	if (!*url == !*path) {
		lta_http_reply_error(x, 400, "invalid_body",
				     "Give exactly one of \"url\" (a live "
				     "session) and \"path\" (a trace folder).");
		return -1;
	}
	if (*url && strncmp(*url, "net://", 6) != 0) {
		lta_http_reply_error(x, 400, "invalid_field",
				     "Field url must be "
				     "net://RELAYD[:PORT]/host/HOST/SESSION.");
		return -1;
	}
	/* The daemon's working folder means nothing to a client. */
	if (*path && (*path)[0] != '/') {
		lta_http_reply_error(x, 400, "invalid_field",
				     "Field path must be an absolute path.");
		return -1;
	}
	return 0;
}

/*
 * Checks a live URL strictly: a malformed one is the client's error, not
 * an unreachable relay daemon. Returns 0, or -1 after answering 400.
 */
static int check_live_url(struct lta_http_exchange *x, const char *url)
{
	struct lta_live_url parsed;
	char why[256];

	if (lta_live_url_parse(url, &parsed, why, sizeof(why))) {
		lta_http_reply_error(x, 400, "invalid_url", "%s: url=\"%s\"",
				     why, url);
		return -1;
	}
	return 0;
}

/*
 * Checks a trace path on this thread, quickly (no walk): canonical,
 * existing folder, not /proc, /sys or /dev, inside the allowed folders.
 * Copies the canonical path into RESOLVED. Returns 0, or -1 after
 * answering 400, 403 or 422.
 */
static int check_trace_path(struct lta_http_exchange *x, const char *path,
			    char *resolved, size_t size)
{
	struct lta_http *http = x->http;
	char why[512];
	int ret;

	ret = http->context.check_trace_path
		      ? http->context.check_trace_path(
				path, (const char *const *)http->trace_dirs,
				resolved, size, why, sizeof(why))
		      : lta_trace_path_check(
				path, (const char *const *)http->trace_dirs,
				resolved, size, why, sizeof(why));
	switch (-ret) {
	case 0:
		return 0;
	case EINVAL:
	case ENAMETOOLONG:
	case ELOOP:
		lta_http_reply_error(x, 400, "invalid_path", "%s", why);
		break;
	case EPERM:
		lta_http_reply_error(x, 403, "path_not_allowed", "%s", why);
		break;
	case ENOENT:
	case ENOTDIR:
		lta_http_reply_error(x, 422, "source_not_found", "%s", why);
		break;
	case EACCES:
		lta_http_reply_error(x, 422, "source_not_readable", "%s", why);
		break;
	default:
		lta_http_reply_error(x, 422, "source_not_readable", "%s", why);
		break;
	}
	return -1;
}

/* Answers a failed lta_analyses_start(). */
static void reply_start_error(struct lta_http_exchange *x, int ret, bool live,
			      const char *message)
{
	const char *text = message[0] ? message : strerror(-ret);

	switch (-ret) {
	case EINVAL:
		/* The URL is the client's mistake; a folder's content is not.
		 */
		if (live) {
			lta_http_reply_error(x, 400, "invalid_url", "%s", text);
		} else {
			lta_http_reply_error(x, 422, "not_a_trace", "%s", text);
		}
		break;
	case ENOENT:
	case ENOTDIR:
		lta_http_reply_error(x, 422, "source_not_found", "%s", text);
		break;
	case ENAMETOOLONG:
	case ELOOP:
		lta_http_reply_error(x, 400, "invalid_path", "%s", text);
		break;
	case E2BIG:
		lta_http_reply_error(x, 422, "not_a_trace", "%s", text);
		break;
	case EACCES:
	case EPERM:
		lta_http_reply_error(x, 422, "source_not_readable", "%s", text);
		break;
	case ECONNREFUSED:
	case ECONNRESET:
	case ECONNABORTED:
	case EHOSTUNREACH:
	case EHOSTDOWN:
	case ENETUNREACH:
	case ENETDOWN:
	case ETIMEDOUT:
		if (!live) {
			lta_http_reply_error(x, 422, "not_a_trace", "%s", text);
			break;
		}
		lta_http_reply_error(x, 502, "relay_unreachable", "%s", text);
		break;
	case ENOSPC:
		lta_http_reply_error(x, 507, "insufficient_storage", "%s",
				     text);
		break;
	case EAGAIN:
		lta_http_reply_error(x, 503, "unavailable", "%s", text);
		break;
	case ENOMEM:
		lta_http_reply_json(x, 500, NULL);
		break;
	default:
		LTA_LOGE("Cannot start an analysis: error=\"%s\"", text);
		lta_http_reply_error(x, 500, "internal_error", "%s", text);
		break;
	}
}

/* At most so many queries given with a new analysis (http-queries.c). */
#define START_QUERIES_MAX 64

/*
 * Reads "queries" (a list of query specs, normalized into SPECS, owned
 * strings: free them) and "default_queries" (false: none of the default
 * queries) of BODY. *COUNT: the specs; *DEFAULTS: whether the defaults
 * come first. Returns 0, or -1 after answering 400.
 */
static int read_start_queries(struct lta_http_exchange *x, json_t *body,
			      char **specs, size_t *count, bool *defaults)
{
	const json_t *list = json_object_get(body, "queries");
	const json_t *flag = json_object_get(body, "default_queries");
	char error[512];
	size_t i;

	*count = 0;
	*defaults = true;
	if (flag) {
		if (!json_is_boolean(flag)) {
			lta_http_reply_error(x, 400, "invalid_field",
					     "Field default_queries must be a "
					     "boolean.");
			return -1;
		}
		*defaults = json_is_true(flag);
	}
	if (!list) {
		return 0;
	}
	if (!json_is_array(list) ||
	    json_array_size(list) + (*defaults ? lta_query_default_count : 0) >
		    START_QUERIES_MAX) {
		lta_http_reply_error(x, 400, "invalid_field",
				     "Field queries must be a list of at most "
				     "%d queries.",
				     START_QUERIES_MAX);
		return -1;
	}
	for (i = 0; i < json_array_size(list); i++) {
		json_t *spec = lta_query_normalize(json_array_get(list, i),
						   error, sizeof(error));

		if (!spec) {
			lta_http_reply_error(x, 400, "invalid_query",
					     "queries[%zu]: %s", i, error);
			return -1;
		}
		specs[*count] = json_dumps(spec, JSON_COMPACT);
		json_decref(spec);
		if (!specs[*count]) {
			lta_http_reply_json(x, 500, NULL);
			return -1;
		}
		(*count)++;
	}
	return 0;
}

void lta_http_post_analyses(struct lta_http_exchange *x)
{
	char *specs[START_QUERIES_MAX] = { NULL };
	const char *all[START_QUERIES_MAX];
	size_t count = 0, n = 0, i;
	bool defaults = true;
	struct lta_analysis_view view;
	const char *url = NULL, *path = NULL;
	char message[1024] = "", resolved[PATH_MAX];
	json_t *body = NULL, *o;
	int64_t id = 0;
	int ret;

	if (lta_http_query_check(x, no_parameters)) {
		goto end;
	}
	body = lta_http_load_body(x, "{\"url\": ...} or {\"path\": ...}");
	if (!body) {
		goto end;
	}
	if (read_start_body(x, body, &url, &path) ||
	    read_start_queries(x, body, specs, &count, &defaults)) {
		goto end;
	}
	for (i = 0; defaults && i < lta_query_default_count; i++) {
		all[n++] = lta_query_defaults[i];
	}
	for (i = 0; i < count; i++) {
		all[n++] = specs[i];
	}
	if (url && check_live_url(x, url)) {
		goto end;
	}
	if (path) {
		if (check_trace_path(x, path, resolved, sizeof(resolved))) {
			goto end;
		}
		path = resolved;
	}
	ret = lta_analyses_start_queries(x->http->context.analyses, url, path,
					 all, n, &id, message, sizeof(message));
	if (ret) {
		reply_start_error(x, ret, url != NULL, message);
		goto end;
	}
	snprintf(x->reply.location, sizeof(x->reply.location),
		 "/api/v1/analyses/%lld", (long long)id);
	/*
	 * The analysis exists from here on: even if reading it back fails,
	 * answer 201 with its id, so that a client does not start it twice.
	 */
	if (lta_analyses_get(x->http->context.analyses, id, &view) == 0) {
		o = view_json(&view);
	} else {
		o = json_object();
		if (o && put(o, "id", json_integer(id))) {
			json_decref(o);
			o = NULL;
		}
	}
	lta_http_reply_json(x, 201, o);
end:
	for (i = 0; i < count; i++) {
		free(specs[i]);
	}
	json_decref(body);
}

/*
 * With a publisher (--nats-url): O's "publish" object, what analysis ID's
 * publishing stands at. Returns whether it failed (out of memory).
 */
static bool put_publish(json_t *o, struct lta_http *http, int64_t id)
{
	struct lta_publisher_state st;

	if (!o || !http->context.publisher) {
		return false;
	}
	if (lta_publisher_state(http->context.publisher, id, &st)) {
		return put(o, "publish", json_null()) != 0;
	}
	return put(o, "publish",
		   json_pack("{s:s, s:s, s:b, s:I, s:I, s:I, s:I}", "stream",
			     LTA_PUBLISH_STREAM, "subject", st.subject,
			     "connected", st.connected, "cursor",
			     (json_int_t)st.cursor, "newest",
			     (json_int_t)st.newest, "lag_events",
			     (json_int_t)st.lag_events, "published",
			     (json_int_t)st.published)) != 0;
}

void lta_http_get_analysis(struct lta_http_exchange *x)
{
	json_t *o;
	struct lta_analysis_view view;
	int ret;

	if (lta_http_query_check(x, no_parameters)) {
		return;
	}
	ret = lta_analyses_get(x->http->context.analyses, x->id, &view);
	if (ret == -ENOENT) {
		reply_not_found(x);
		return;
	}
	if (ret) {
		reply_internal(x, "Reading the analysis", ret);
		return;
	}
	o = view_json(&view);
	if (put_publish(o, x->http, x->id)) {
		json_decref(o);
		o = NULL;
	}
	lta_http_reply_json(x, 200, o);
}

void lta_http_delete_analysis(struct lta_http_exchange *x)
{
	struct lta_analysis_view view;
	json_t *o;
	int ret;

	if (lta_http_query_check(x, no_parameters)) {
		return;
	}
	ret = lta_analyses_stop(x->http->context.analyses, x->id);
	if (ret == -ENOENT) {
		reply_not_found(x);
		return;
	}
	if (ret == -EALREADY) {
		/* It no longer runs: the second DELETE removes it. */
		ret = lta_analyses_delete(x->http->context.analyses, x->id);
		if (ret == -ENOENT) {
			reply_not_found(x);
			return;
		}
		if (ret == -EBUSY) {
			lta_http_reply_error(x, 409, "running",
					     "Analysis %lld runs again.",
					     (long long)x->id);
			return;
		}
		if (ret) {
			lta_http_reply_store_error(x, ret, "the analysis");
			return;
		}
		o = json_object();
		if (o && (put(o, "id", json_integer(x->id)) ||
			  put(o, "deleted", json_true()))) {
			json_decref(o);
			o = NULL;
		}
		lta_http_reply_json(x, 200, o);
		return;
	}
	if (ret) {
		reply_internal(x, "Stopping the analysis", ret);
		return;
	}
	/* Stopping is asynchronous: the view may still say it runs. */
	ret = lta_analyses_get(x->http->context.analyses, x->id, &view);
	if (ret) {
		reply_internal(x, "Reading the analysis", ret);
		return;
	}
	lta_http_reply_json(x, 200, view_json(&view));
}

static json_t *latency_json(const struct lta_histogram *h)
{
	uint64_t count = h ? lta_histogram_count(h) : 0;
	json_t *o = json_object(), *p = json_object();
	bool failed = !o || !p;
	size_t i;

	failed |= put(o, "description",
		      json_string("Server-side latency: from the start of "
				  "a request (the accept of its connection, "
				  "or the read of the request on a "
				  "persistent connection) to its answer "
				  "handed to the kernel (its last write)."));
	failed |= put(o, "unit", json_string("ns"));
	failed |= put(o, "count", uint_json(count));
	if (count) {
		failed |= put(o, "mean", real_or_null(lta_histogram_mean(h)));
		failed |=
			put(o, "stdev", real_or_null(lta_histogram_stddev(h)));
		failed |= put(o, "min", json_integer(lta_histogram_min(h)));
		failed |= put(o, "max", json_integer(lta_histogram_max(h)));
	} else {
		failed |= put(o, "mean", json_null());
		failed |= put(o, "stdev", json_null());
		failed |= put(o, "min", json_null());
		failed |= put(o, "max", json_null());
	}
	failed |=
		put(o, "clamped", uint_json(h ? lta_histogram_clamped(h) : 0));
	for (i = 0; i < sizeof(percentiles) / sizeof(percentiles[0]); i++) {
		failed |= put(p, percentiles[i].name,
			      count ? json_integer(lta_histogram_percentile(
					      h, percentiles[i].value))
				    : json_null());
	}
	failed |= put(o, "percentiles", p);
	if (failed) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/*
 * The request figures of S into O: counts, throughput, times, bytes,
 * latency. Returns true when something failed.
 */
static bool figures_json(json_t *o, const struct lta_analysis_stats *s,
			 bool with_connections)
{
	json_t *counts = json_object();
	bool failed = !counts;

	failed |= put(counts, "requests", uint_json(s->requests));
	failed |= put(counts, "complete", uint_json(s->complete));
	failed |= put(counts, "keepalive", uint_json(s->keepalive));
	failed |= put(counts, "empty", uint_json(s->empty));
	failed |= put(counts, "aborted", uint_json(s->aborted));
	failed |= put(counts, "open", uint_json(s->open));
	failed |= put(counts, "replaced", uint_json(s->replaced));
	failed |= put(counts, "incomplete", uint_json(s->incomplete));
	if (with_connections) {
		failed |= put(counts, "connections", uint_json(s->connections));
	}
	failed |= put(o, "counts", counts);
	failed |= put(o, "throughput", real_or_null(s->throughput));
	failed |= put(o, "first_start_ns", int_or_null(s->first_start_ns));
	failed |= put(o, "last_end_ns", int_or_null(s->last_end_ns));
	failed |= put(o, "bytes_read", uint_json(s->bytes_read));
	failed |= put(o, "bytes_written", uint_json(s->bytes_written));
	failed |= put(o, "latency", latency_json(s->latency));
	return failed;
}

/* One line per server process: its tier and main figures. */
static json_t *components_json(const struct lta_analysis_stats *s)
{
	json_t *a = json_array();
	bool failed = !a;
	size_t i;

	for (i = 0; i < s->component_count && !failed; i++) {
		const struct lta_analysis_component *c = &s->components[i];
		json_t *o = json_object();

		failed |= !o;
		failed |= put(o, "process", lta_http_json_string(c->name));
		failed |= put(o, "tier",
			      json_string(c->front ? "front" : "back"));
		failed |= figures_json(o, &c->stats, false);
		failed |= json_array_append_new(a, o) != 0;
	}
	if (failed) {
		json_decref(a);
		return NULL;
	}
	return a;
}

static json_t *stats_json(int64_t id, const struct lta_analysis_stats *s)
{
	json_t *o = json_object();
	json_t *syscalls = json_array();
	bool failed = !o || !syscalls;
	size_t i, n;

	n = s->syscall_count;
	if (n > sizeof(s->syscalls) / sizeof(s->syscalls[0])) {
		n = sizeof(s->syscalls) / sizeof(s->syscalls[0]);
	}
	for (i = 0; i < n; i++) {
		json_t *call = json_object();
		char name[sizeof(s->syscalls[i].name) + 1];

		/* The manager's array is fixed-size: do not trust a NUL. */
		memcpy(name, s->syscalls[i].name, sizeof(s->syscalls[i].name));
		name[sizeof(name) - 1] = '\0';
		failed |= !call;
		failed |= put(call, "name", lta_http_json_string(name));
		failed |= put(call, "calls", uint_json(s->syscalls[i].calls));
		failed |= json_array_append_new(syscalls, call) != 0;
	}

	failed |= put(o, "id", json_integer(id));
	/* The request figures are the front tier's (doc/tiers.md). */
	failed |= put(o, "tier", json_string("front"));
	failed |= figures_json(o, s, true);
	failed |= put(o, "events", uint_json(s->events));
	failed |= put(o, "discarded_events", uint_json(s->discarded_events));
	failed |= put(o, "discarded_packets", uint_json(s->discarded_packets));
	failed |= put(o, "syscalls", syscalls);
	failed |= put(o, "errors",
		      json_pack("{s:I,s:I,s:I,s:I}", "InE",
				(json_int_t)s->errors_ine, "CoE",
				(json_int_t)s->errors_coe, "crash",
				(json_int_t)s->errors_crash, "late_ends",
				(json_int_t)s->late_ends));
	failed |= put(o, "components", components_json(s));
	if (failed) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/*
 * GET .../stats?process=NAME: the request figures of that server process
 * alone (zero when it served nothing yet: a monitor may ask early).
 */
static json_t *component_stats_json(int64_t id,
				    const struct lta_analysis_stats *s,
				    const char *process)
{
	const struct lta_analysis_component *c = NULL;
	struct lta_analysis_stats none;
	json_t *o = json_object();
	bool failed = !o;
	size_t i;

	for (i = 0; i < s->component_count; i++) {
		if (strcmp(s->components[i].name, process) == 0) {
			c = &s->components[i];
		}
	}
	memset(&none, 0, sizeof(none));
	none.first_start_ns = -1;
	none.last_end_ns = -1;
	failed |= put(o, "id", json_integer(id));
	failed |= put(o, "process", lta_http_json_string(process));
	failed |=
		put(o, "tier",
		    c ? json_string(c->front ? "front" : "back") : json_null());
	failed |= figures_json(o, c ? &c->stats : &none, false);
	if (failed) {
		json_decref(o);
		return NULL;
	}
	return o;
}

void lta_http_get_stats(struct lta_http_exchange *x)
{
	static const char *const parameters[] = { "process", NULL };
	struct lta_analysis_stats *stats;
	const char *process;
	int ret;

	if (lta_http_query_check(x, parameters)) {
		return;
	}
	process = lta_http_query(x, "process");
	if (process && !process[0]) {
		lta_http_reply_error(x, 400, "bad_request",
				     "process= needs a process name");
		return;
	}
	/* About 1.3 KiB of syscall names: not on an HTTP thread's stack. */
	stats = calloc(1, sizeof(*stats));
	if (!stats) {
		lta_http_reply_json(x, 500, NULL);
		return;
	}
	ret = lta_analyses_stats(x->http->context.analyses, x->id, stats);
	if (ret == -ENOENT) {
		reply_not_found(x);
	} else if (ret) {
		reply_internal(x, "Computing the statistics", ret);
	} else if (process) {
		lta_http_reply_json(
			x, 200, component_stats_json(x->id, stats, process));
	} else {
		lta_http_reply_json(x, 200, stats_json(x->id, stats));
	}
	lta_analysis_stats_fini(stats);
	free(stats);
}

/* --- /metrics ------------------------------------------------------------ */

/*
 * The text exposition format 0.0.4 (doc/openapi.yaml lists the families).
 * Labels never change over the life of a series: an analysis's status is
 * one 0/1 gauge per state, not a label. An analysis deleted (a DELETE
 * of an analysis that no longer runs) leaves the page with its rows. The
 * per-analysis figures come from the analyses' last snapshots (snapshot.h), the
 * latency buckets from the same mergeable histograms as /stats.
 */

struct view_list {
	struct lta_analysis_view *views; /* Owned. */
	size_t count, cap;
	size_t known; /* Analyses known. */
};

static int keep_view(const struct lta_analysis_view *view, void *user_data)
{
	struct view_list *list = user_data;

	list->known++;
	if (list->count == list->cap) {
		size_t cap = list->cap ? list->cap * 2 : 16;
		struct lta_analysis_view *views;

		views = realloc(list->views, cap * sizeof(*views));
		if (!views) {
			return -ENOMEM;
		}
		list->views = views;
		list->cap = cap;
	}
	list->views[list->count++] = *view;
	return 0;
}

/* HELP and TYPE of lttng_analyzerd_NAME. */
static void family(struct lta_strbuf *out, const char *name, const char *type,
		   const char *help)
{
	lta_strbuf_printf(out, "# HELP lttng_analyzerd_%s %s\n", name, help);
	lta_strbuf_printf(out, "# TYPE lttng_analyzerd_%s %s\n", name, type);
}

/* A label value as the text format wants it: \\, \" and \n escaped. */
static void label_value(struct lta_strbuf *out, const char *value)
{
	lta_strbuf_putc(out, '"');
	for (; *value; value++) {
		switch (*value) {
		case '\\':
			lta_strbuf_puts(out, "\\\\");
			break;
		case '"':
			lta_strbuf_puts(out, "\\\"");
			break;
		case '\n':
			lta_strbuf_puts(out, "\\n");
			break;
		default:
			lta_strbuf_putc(out, *value);
			break;
		}
	}
	lta_strbuf_putc(out, '"');
}

/* "lttng_analyzerd_NAME{analysis="ID"" : the caller closes the braces. */
static void series(struct lta_strbuf *out, const char *name, int64_t id)
{
	lta_strbuf_printf(out, "lttng_analyzerd_%s{analysis=\"%lld\"", name,
			  (long long)id);
}

/* ",process="NAME"" */
static void process_label(struct lta_strbuf *out, const char *name)
{
	lta_strbuf_puts(out, ",process=");
	label_value(out, name);
}

static int64_t events_of(const struct lta_analysis_view *v)
{
	return v->stored.events;
}

static int64_t discarded_events_of(const struct lta_analysis_view *v)
{
	return v->stored.discarded_events;
}

static int64_t requests_of(const struct lta_analysis_view *v)
{
	return v->stored.requests;
}

static int64_t connections_of(const struct lta_analysis_view *v)
{
	return v->stored.connections;
}

static int64_t data_gaps_of(const struct lta_analysis_view *v)
{
	return v->data_gaps;
}

static int64_t requests_open_of(const struct lta_analysis_view *v)
{
	return v->requests_open;
}

static int64_t reconnects_of(const struct lta_analysis_view *v)
{
	return v->reconnects;
}

static int64_t running_of(const struct lta_analysis_view *v)
{
	return v->running ? 1 : 0;
}

/* The families with one integer sample per analysis. */
static const struct {
	const char *name, *type, *help;
	int64_t (*value)(const struct lta_analysis_view *v);
} per_analysis[] = {
	{ "analysis_running", "gauge",
	  "1 while a worker works on the analysis.", running_of },
	{ "analysis_events_total", "counter", "Trace events the analysis read.",
	  events_of },
	{ "analysis_discarded_events_total", "counter",
	  "Events the tracer discarded before the analysis could read them.",
	  discarded_events_of },
	{ "analysis_requests_total", "counter", "Requests the analysis stored.",
	  requests_of },
	{ "analysis_requests_open", "gauge",
	  "Requests accepted and not yet ended.", requests_open_of },
	{ "analysis_connections_total", "counter",
	  "Connections the analysis stored.", connections_of },
	{ "analysis_reconnects_total", "counter",
	  "Live: times the analysis reconnected to the relay daemon.",
	  reconnects_of },
	{ "analysis_data_gaps_total", "counter",
	  "Live: stretches of the session the analysis never read (each "
	  "reconnect attaches at the streams' current position).",
	  data_gaps_of },
};

/* Every status an analysis may have (analysis.h), one series each. */
static const char *const states[] = { "starting",     "connecting", "live",
				      "disconnected", "standby",    "reading",
				      "paused",	      "ended",	    "stopped",
				      "failed",	      "interrupted" };

/*
 * The latency buckets (seconds as `le` prints them, and nanoseconds). A
 * request counts under the first bound at least the highest equivalent
 * value of its histogram bucket (lta_histogram_cumulative()): never under
 * a bound below its latency, at worst under the next bound when its
 * latency is within 1/1024 below a bound.
 */
static const struct {
	const char *le;
	int64_t ns;
} buckets[] = {
	{ "0.0001", 100000 },	 { "0.00025", 250000 },	  { "0.0005", 500000 },
	{ "0.001", 1000000 },	 { "0.0025", 2500000 },	  { "0.005", 5000000 },
	{ "0.01", 10000000 },	 { "0.025", 25000000 },	  { "0.05", 50000000 },
	{ "0.1", 100000000 },	 { "0.25", 250000000 },	  { "0.5", 500000000 },
	{ "1", 1000000000 },	 { "2.5", 2500000000LL }, { "5", 5000000000LL },
	{ "10", 10000000000LL },
};

#define BUCKET_COUNT (sizeof(buckets) / sizeof(buckets[0]))

/* The requests of a server process by end reason (label end_reason). */
static const struct {
	const char *name;
	size_t offset; /* In struct lta_analysis_stats. */
} end_reasons[] = {
	{ "close", offsetof(struct lta_analysis_stats, closed) },
	{ "shutdown", offsetof(struct lta_analysis_stats, shut_down) },
	{ "keepalive", offsetof(struct lta_analysis_stats, keepalive) },
	{ "empty", offsetof(struct lta_analysis_stats, empty) },
	{ "aborted", offsetof(struct lta_analysis_stats, aborted) },
	{ "open", offsetof(struct lta_analysis_stats, open) },
	{ "replaced", offsetof(struct lta_analysis_stats, replaced) },
};

/*
 * The counter at OFFSET of S: the tables above and the component families
 * name the uint64_t counters of struct lta_analysis_stats by offset.
 */
static uint64_t count_at(const struct lta_analysis_stats *s, size_t offset)
{
	return *(const uint64_t *)((const char *)s + offset);
}

/* The analyses' last snapshots, in the order of the list. */
struct metrics_stats {
	struct lta_analysis_stats *stats; /* Owned; one per view. */
	bool *loaded;			  /* Owned. */
};

static void uint_sample(struct lta_strbuf *out, uint64_t v)
{
	lta_strbuf_printf(out, "} %llu\n", (unsigned long long)v);
}

/* A component family with one integer sample per server process. */
static void write_component_family(struct lta_strbuf *out,
				   const struct view_list *list,
				   const struct metrics_stats *ms,
				   const char *name, const char *help,
				   size_t offset)
{
	size_t i, c;

	family(out, name, "counter", help);
	for (i = 0; i < list->count; i++) {
		for (c = 0; ms->loaded[i] && c < ms->stats[i].component_count;
		     c++) {
			const struct lta_analysis_component *k =
				&ms->stats[i].components[c];

			series(out, name, list->views[i].stored.id);
			process_label(out, k->name);
			uint_sample(out, count_at(&k->stats, offset));
		}
	}
}

/* The latency histogram of every server process. */
static void write_latency_histograms(struct lta_strbuf *out,
				     const struct view_list *list,
				     const struct metrics_stats *ms)
{
	static const char name[] = "component_request_duration_seconds";
	int64_t bounds[BUCKET_COUNT];
	uint64_t counts[BUCKET_COUNT];
	size_t i, c, b;

	for (b = 0; b < BUCKET_COUNT; b++) {
		bounds[b] = buckets[b].ns;
	}
	family(out, name, "histogram",
	       "Server-side latency of the complete requests of one server "
	       "process (as in /stats: start to answer handed to the "
	       "kernel). A request counts under the first bound at least "
	       "the highest value its 1/1024-wide histogram bucket holds.");
	for (i = 0; i < list->count; i++) {
		int64_t id = list->views[i].stored.id;

		for (c = 0; ms->loaded[i] && c < ms->stats[i].component_count;
		     c++) {
			const struct lta_analysis_component *k =
				&ms->stats[i].components[c];
			const struct lta_histogram *h = k->stats.latency;
			uint64_t total = h ? lta_histogram_count(h) : 0;

			if (h) {
				lta_histogram_cumulative(h, bounds,
							 BUCKET_COUNT, counts);
			} else {
				memset(counts, 0, sizeof(counts));
			}
			for (b = 0; b < BUCKET_COUNT; b++) {
				series(out,
				       "component_request_duration_"
				       "seconds_bucket",
				       id);
				process_label(out, k->name);
				lta_strbuf_printf(out, ",le=\"%s\"",
						  buckets[b].le);
				uint_sample(out, counts[b]);
			}
			series(out, "component_request_duration_seconds_bucket",
			       id);
			process_label(out, k->name);
			lta_strbuf_puts(out, ",le=\"+Inf\"");
			uint_sample(out, total);
			series(out, "component_request_duration_seconds_sum",
			       id);
			process_label(out, k->name);
			lta_strbuf_printf(out, "} %.9f\n",
					  h ? lta_histogram_sum(h) / 1e9 : 0.0);
			series(out, "component_request_duration_seconds_count",
			       id);
			process_label(out, k->name);
			uint_sample(out, total);
		}
	}
}

/*
 * Per server process of each analysis (doc/tiers.md), labelled with the
 * process (no tier label: it may change when a traced client appears).
 */
static void write_component_metrics(struct lta_strbuf *out,
				    const struct view_list *list,
				    const struct metrics_stats *ms)
{
	size_t i, c, r;

	write_component_family(out, list, ms, "component_requests_total",
			       "Requests of one server process (component).",
			       offsetof(struct lta_analysis_stats, requests));
	write_component_family(
		out, list, ms, "component_complete_total",
		"Complete requests of one server process (component): those "
		"in its latency histogram.",
		offsetof(struct lta_analysis_stats, complete));
	write_component_family(
		out, list, ms, "component_incomplete_total",
		"Requests of one server process during which the tracer lost "
		"events.",
		offsetof(struct lta_analysis_stats, incomplete));
	write_component_family(out, list, ms, "component_read_bytes_total",
			       "Bytes the requests of one server process read.",
			       offsetof(struct lta_analysis_stats, bytes_read));
	write_component_family(
		out, list, ms, "component_written_bytes_total",
		"Bytes the requests of one server process wrote.",
		offsetof(struct lta_analysis_stats, bytes_written));
	family(out, "component_requests_by_end_reason_total", "counter",
	       "Requests of one server process by how they ended "
	       "(end_reason: close, shutdown, keepalive, empty, aborted, "
	       "open, replaced; they add up to component_requests_total).");
	for (i = 0; i < list->count; i++) {
		for (c = 0; ms->loaded[i] && c < ms->stats[i].component_count;
		     c++) {
			const struct lta_analysis_component *k =
				&ms->stats[i].components[c];

			/* A snapshot of an older worker: not all known. */
			if (!k->stats.ends_known) {
				continue;
			}
			for (r = 0;
			     r < sizeof(end_reasons) / sizeof(end_reasons[0]);
			     r++) {
				series(out,
				       "component_requests_by_end_reason_total",
				       list->views[i].stored.id);
				process_label(out, k->name);
				lta_strbuf_printf(out, ",end_reason=\"%s\"",
						  end_reasons[r].name);
				uint_sample(out,
					    count_at(&k->stats,
						     end_reasons[r].offset));
			}
		}
	}
	write_latency_histograms(out, list, ms);
}

/* Timing errors by type, late ends and discarded packets per analysis. */
static void write_error_metrics(struct lta_strbuf *out,
				const struct view_list *list,
				const struct metrics_stats *ms)
{
	size_t i;

	family(out, "analysis_timing_errors_total", "counter",
	       "Timing failures the analysis raised (stored), by type: "
	       "InE (late or missing answer), CoE (wrong or early answer), "
	       "crash (the server process died).");
	for (i = 0; i < list->count; i++) {
		const struct lta_analysis_stats *s = &ms->stats[i];
		int64_t id = list->views[i].stored.id;

		if (!ms->loaded[i]) {
			continue;
		}
		series(out, "analysis_timing_errors_total", id);
		lta_strbuf_puts(out, ",type=\"InE\"");
		uint_sample(out, s->errors_ine);
		series(out, "analysis_timing_errors_total", id);
		lta_strbuf_puts(out, ",type=\"CoE\"");
		uint_sample(out, s->errors_coe);
		series(out, "analysis_timing_errors_total", id);
		lta_strbuf_puts(out, ",type=\"crash\"");
		uint_sample(out, s->errors_crash);
	}
	family(out, "analysis_late_ends_total", "counter",
	       "Requests that ended after their timing error was raised.");
	for (i = 0; i < list->count; i++) {
		if (ms->loaded[i]) {
			series(out, "analysis_late_ends_total",
			       list->views[i].stored.id);
			uint_sample(out, ms->stats[i].late_ends);
		}
	}
	family(out, "analysis_discarded_packets_total", "counter",
	       "Packets the tracer discarded (their events are lost).");
	for (i = 0; i < list->count; i++) {
		if (ms->loaded[i]) {
			series(out, "analysis_discarded_packets_total",
			       list->views[i].stored.id);
			uint_sample(out, ms->stats[i].discarded_packets);
		}
	}
}

static void write_daemon_metrics(struct lta_strbuf *out, struct lta_http *http,
				 const struct view_list *list)
{
	int64_t started_ns = http->context.started_ns;

	if (started_ns <= 0) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		started_ns = (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec -
			     uptime_ns(http);
	}
	/* The names every Prometheus client library uses. */
	lta_strbuf_puts(out, "# HELP process_start_time_seconds Start time of "
			     "the daemon since the Unix epoch, in seconds.\n"
			     "# TYPE process_start_time_seconds gauge\n");
	lta_strbuf_printf(out, "process_start_time_seconds %.3f\n",
			  (double)started_ns / 1e9);
	lta_strbuf_puts(out, "# HELP lttng_analyzer_build_info Always 1: the "
			     "version of the daemon.\n"
			     "# TYPE lttng_analyzer_build_info gauge\n"
			     "lttng_analyzer_build_info{version=");
	label_value(out, http->version ? http->version : "unknown");
	lta_strbuf_puts(out, "} 1\n");
	family(out, "uptime_seconds", "gauge",
	       "Seconds since the daemon started.");
	lta_strbuf_printf(out, "lttng_analyzerd_uptime_seconds %.3f\n",
			  (double)uptime_ns(http) / 1e9);
	family(out, "analyses_running", "gauge", "Analyses running now.");
	lta_strbuf_printf(out, "lttng_analyzerd_analyses_running %d\n",
			  lta_analyses_running(http->context.analyses));
	family(out, "analyses", "gauge", "Analyses known, stored or running.");
	lta_strbuf_printf(out, "lttng_analyzerd_analyses %zu\n", list->known);
}

/* With a publisher: how far publishing to NATS JetStream is. */
static void write_publish_metrics(struct lta_strbuf *out, struct lta_http *http,
				  const struct view_list *list)
{
	struct lta_publisher *p = http->context.publisher;
	struct lta_publisher_totals t;
	size_t i;

	if (!p) {
		return;
	}
	lta_publisher_totals(p, &t);
	family(out, "publish_connected", "gauge",
	       "1 while the daemon is connected to NATS.");
	lta_strbuf_printf(out, "lttng_analyzerd_publish_connected %d\n",
			  t.connected ? 1 : 0);
	family(out, "publish_messages_total", "counter",
	       "Messages JetStream acknowledged since the daemon started.");
	lta_strbuf_printf(out, "lttng_analyzerd_publish_messages_total %lld\n",
			  (long long)t.published);
	family(out, "publish_batches_failed_total", "counter",
	       "Batches not acknowledged whole (NATS away, timeouts): sent "
	       "again.");
	lta_strbuf_printf(out,
			  "lttng_analyzerd_publish_batches_failed_total "
			  "%lld\n",
			  (long long)t.batches_failed);
	family(out, "publish_lag_seconds", "summary",
	       "From the write of an event in the store to its "
	       "acknowledgement by "
	       "JetStream.");
	lta_strbuf_printf(out,
			  "lttng_analyzerd_publish_lag_seconds"
			  "{quantile=\"0.5\"} %.3f\n"
			  "lttng_analyzerd_publish_lag_seconds"
			  "{quantile=\"0.99\"} %.3f\n"
			  "lttng_analyzerd_publish_lag_seconds_sum %.3f\n"
			  "lttng_analyzerd_publish_lag_seconds_count %llu\n",
			  (double)t.lag_p50_ms / 1e3,
			  (double)t.lag_p99_ms / 1e3, t.lag_sum_ms / 1e3,
			  (unsigned long long)t.lag_count);
	family(out, "analysis_publish_lag_events", "gauge",
	       "Events the analysis stored that JetStream has not "
	       "acknowledged yet.");
	for (i = 0; i < list->count; i++) {
		struct lta_publisher_state st;

		if (lta_publisher_state(p, list->views[i].stored.id, &st)) {
			continue;
		}
		series(out, "analysis_publish_lag_events",
		       list->views[i].stored.id);
		lta_strbuf_printf(out, "} %lld\n", (long long)st.lag_events);
	}
}

static void write_metrics(struct lta_strbuf *out, struct lta_http *http,
			  const struct view_list *list,
			  const struct metrics_stats *ms)
{
	size_t i, f, s;

	write_daemon_metrics(out, http, list);
	family(out, "analysis_info", "gauge",
	       "Always 1: what an analysis reads (kind, source).");
	for (i = 0; i < list->count; i++) {
		const struct lta_store_analysis *a = &list->views[i].stored;

		series(out, "analysis_info", a->id);
		lta_strbuf_puts(out, ",kind=");
		label_value(out, a->kind);
		lta_strbuf_puts(out, ",source=");
		label_value(out, a->source);
		lta_strbuf_puts(out, "} 1\n");
	}
	family(out, "analysis_state", "gauge",
	       "1 for the status the analysis is in, 0 for the others "
	       "(one series per status).");
	for (i = 0; i < list->count; i++) {
		const struct lta_store_analysis *a = &list->views[i].stored;

		for (s = 0; s < sizeof(states) / sizeof(states[0]); s++) {
			series(out, "analysis_state", a->id);
			lta_strbuf_printf(out, ",state=\"%s\"} %d\n", states[s],
					  strcmp(a->status, states[s]) == 0);
		}
	}
	for (f = 0; f < sizeof(per_analysis) / sizeof(per_analysis[0]); f++) {
		family(out, per_analysis[f].name, per_analysis[f].type,
		       per_analysis[f].help);
		for (i = 0; i < list->count; i++) {
			series(out, per_analysis[f].name,
			       list->views[i].stored.id);
			lta_strbuf_printf(out, "} %lld\n",
					  (long long)per_analysis[f].value(
						  &list->views[i]));
		}
	}
	write_error_metrics(out, list, ms);
	write_component_metrics(out, list, ms);
	family(out, "analysis_lag_seconds", "gauge",
	       "Live: wall clock minus the newest trace time.");
	for (i = 0; i < list->count; i++) {
		if (list->views[i].lag_ns < 0) {
			continue;
		}
		series(out, "analysis_lag_seconds", list->views[i].stored.id);
		lta_strbuf_printf(out, "} %.9f\n",
				  (double)list->views[i].lag_ns / 1e9);
	}
	write_publish_metrics(out, http, list);
}

void lta_http_get_metrics(struct lta_http_exchange *x)
{
	struct view_list list = { 0 };
	struct metrics_stats ms = { 0 };
	struct lta_strbuf out = { 0 };
	size_t i;
	int ret;

	if (lta_http_query_check(x, no_parameters)) {
		return;
	}
	ret = lta_analyses_list(x->http->context.analyses, keep_view, &list);
	if (ret) {
		reply_internal(x, "Listing the analyses", ret);
		goto end;
	}
	ms.stats = calloc(list.count + 1, sizeof(*ms.stats));
	ms.loaded = calloc(list.count + 1, sizeof(*ms.loaded));
	if (!ms.stats || !ms.loaded) {
		lta_http_reply_json(x, 500, NULL);
		goto end;
	}
	for (i = 0; i < list.count; i++) {
		/* No snapshot yet (or out of memory): no such series. */
		ms.loaded[i] = lta_analyses_stats(x->http->context.analyses,
						  list.views[i].stored.id,
						  &ms.stats[i]) == 0;
	}
	write_metrics(&out, x->http, &list, &ms);
	lta_http_reply_buffer(x, 200,
			      "text/plain; version=0.0.4; charset=utf-8", &out);
end:
	for (i = 0; ms.stats && i < list.count; i++) {
		lta_analysis_stats_fini(&ms.stats[i]);
	}
	free(ms.stats);
	free(ms.loaded);
	lta_strbuf_fini(&out);
	free(list.views);
}
