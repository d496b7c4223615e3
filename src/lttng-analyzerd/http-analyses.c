/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Routes about the daemon and its analyses: /api/v1/health,
 * /api/v1/analyses[/{id}] and /api/v1/analyses/{id}/stats (/metrics:
 * http-metrics.c). They
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

void lta_http_reply_internal(struct lta_http_exchange *x, const char *what,
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
		lta_http_reply_internal(x, "Reading the analysis", ret);
		return -1;
	}
	return 0;
}

int64_t lta_http_uptime_ns(const struct lta_http *http)
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
	failed |= put(o, "uptime_ns", json_integer(lta_http_uptime_ns(http)));
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
		lta_http_reply_internal(x, "Listing the analyses", ret);
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
		lta_http_reply_internal(x, "Reading the analysis", ret);
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
		lta_http_reply_internal(x, "Stopping the analysis", ret);
		return;
	}
	/* Stopping is asynchronous: the view may still say it runs. */
	ret = lta_analyses_get(x->http->context.analyses, x->id, &view);
	if (ret) {
		lta_http_reply_internal(x, "Reading the analysis", ret);
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
		lta_http_reply_internal(x, "Computing the statistics", ret);
	} else if (process) {
		lta_http_reply_json(
			x, 200, component_stats_json(x->id, stats, process));
	} else {
		lta_http_reply_json(x, 200, stats_json(x->id, stats));
	}
	lta_analysis_stats_fini(stats);
	free(stats);
}
