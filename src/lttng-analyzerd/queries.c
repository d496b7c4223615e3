/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Registered continuous queries: spec checking and normalization, the
 * window query of a spec, and a stored window as the API shows it
 * (queries.h).
 */
#include "queries.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "histogram/sparse.h"
#include "segment/segment.h"

#define NS_PER_S 1000000000LL

/* 1 s tumbling windows of the requests, per component: latency, rate. */
const char *const lta_query_defaults[] = {
	"{\"name\":\"latency per component\",\"stream\":\"requests\","
	"\"range_ns\":1000000000,\"slide_ns\":1000000000,"
	"\"grace_ns\":2000000000,\"group_by\":[\"component\"],"
	"\"filter\":{\"component\":null,\"syscall\":null,"
	"\"min_latency_ns\":0,\"end_reasons\":null},\"max_groups\":1000,"
	"\"figures\":[\"count\",\"rate\",\"bytes\",\"errors\",\"p50\","
	"\"p90\",\"p99\",\"max\"]}",
};
const size_t lta_query_default_count =
	sizeof(lta_query_defaults) / sizeof(lta_query_defaults[0]);

static const char *const default_figures[] = { "count",	 "rate", "bytes",
					       "errors", "p50",	 "p90",
					       "p99",	 "max" };

/* Reads a duration (a string with a unit, or an integer of ns). */
static int read_duration(const json_t *v, const char *name, int64_t *ns,
			 char *error, size_t size)
{
	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		*ns = json_integer_value(v);
		return 0;
	}
	if (json_is_string(v) &&
	    lta_window_parse_duration(json_string_value(v), ns) == 0) {
		return 0;
	}
	snprintf(error, size,
		 "%s: a duration is expected (\"1s\", \"500ms\", \"100us\", "
		 "or an integer of nanoseconds)",
		 name);
	return -1;
}

/* "p99.9" -> 99.9; false when NAME is not a percentile in (0, 100]. */
static bool percentile_of(const char *name, double *p)
{
	char *end;
	double v;

	if (name[0] != 'p' || name[1] < '0' || name[1] > '9') {
		return false;
	}
	v = strtod(name + 1, &end);
	if (*end || !(v > 0) || v > 100) {
		return false;
	}
	*p = v;
	return true;
}

static bool figure_known(const char *name)
{
	static const char *const plain[] = { "count",  "rate", "bytes",
					     "errors", "max",  "histogram" };
	double p;
	size_t i;

	for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		if (strcmp(name, plain[i]) == 0) {
			return true;
		}
	}
	return percentile_of(name, &p);
}

static int read_group_by(const json_t *v, json_t *out, char *error, size_t size)
{
	enum lta_window_key key;
	size_t i, n = json_is_array(v) ? json_array_size(v) : 1;

	if (!json_is_array(v) && !json_is_string(v)) {
		goto bad;
	}
	for (i = 0; i < n; i++) {
		const json_t *item =
			json_is_array(v) ? json_array_get(v, i) : v;
		size_t j;

		if (!json_is_string(item) ||
		    !lta_window_key_from_name(json_string_value(item), &key)) {
			goto bad;
		}
		for (j = 0; j < json_array_size(out); j++) {
			if (strcmp(json_string_value(json_array_get(out, j)),
				   json_string_value(item)) == 0) {
				snprintf(error, size, "group_by: %s twice",
					 json_string_value(item));
				return -1;
			}
		}
		if (json_array_append_new(
			    out, json_string(lta_window_key_name(key)))) {
			snprintf(error, size, "out of memory");
			return -1;
		}
	}
	return 0;
bad:
	snprintf(error, size,
		 "group_by: a key or a list of keys among component, "
		 "end_reason, syscall, path");
	return -1;
}

static int read_filter(const json_t *v, json_t *out, char *error, size_t size)
{
	const char *key;
	json_t *value;
	int64_t ns = 0;

	if (json_object_set_new(out, "component", json_null()) ||
	    json_object_set_new(out, "syscall", json_null()) ||
	    json_object_set_new(out, "min_latency_ns", json_integer(0)) ||
	    json_object_set_new(out, "end_reasons", json_null())) {
		snprintf(error, size, "out of memory");
		return -1;
	}
	if (!v) {
		return 0;
	}
	if (!json_is_object(v)) {
		snprintf(error, size, "filter: an object is expected");
		return -1;
	}
	json_object_foreach((json_t *)v, key, value)
	{
		if (strcmp(key, "component") == 0 ||
		    strcmp(key, "syscall") == 0) {
			if (!json_is_string(value) ||
			    !json_string_length(value) ||
			    json_string_length(value) >= LTA_COMPONENT_MAX) {
				snprintf(error, size,
					 "filter.%s: a non-empty string of "
					 "less than %d bytes is expected",
					 key, LTA_COMPONENT_MAX);
				return -1;
			}
			json_object_set(out, key, value);
		} else if (strcmp(key, "min_latency") == 0) {
			if (read_duration(value, "filter.min_latency", &ns,
					  error, size)) {
				return -1;
			}
			json_object_set_new(out, "min_latency_ns",
					    json_integer(ns));
		} else if (strcmp(key, "end_reasons") == 0) {
			json_t *list = json_array();
			size_t i;

			if (!list || !json_is_array(value) ||
			    !json_array_size(value)) {
				json_decref(list);
				snprintf(error, size,
					 "filter.end_reasons: a non-empty list "
					 "of end reasons is expected");
				return -1;
			}
			for (i = 0; i < json_array_size(value); i++) {
				json_t *item = json_array_get(value, i);
				enum lta_request_end end;

				if (!json_is_string(item) ||
				    !lta_request_end_from_name(
					    json_string_value(item), &end)) {
					json_decref(list);
					snprintf(error, size,
						 "filter.end_reasons: an "
						 "unknown end reason");
					return -1;
				}
				json_array_append_new(
					list,
					json_string(lta_request_end_name(end)));
			}
			json_object_set_new(out, "end_reasons", list);
		} else {
			snprintf(error, size, "filter: unknown field %s", key);
			return -1;
		}
	}
	return 0;
}

static int read_figures(const json_t *v, json_t *out, char *error, size_t size)
{
	size_t i, percentiles = 0;

	if (!v) {
		for (i = 0; i < sizeof(default_figures) / sizeof(char *); i++) {
			json_array_append_new(out,
					      json_string(default_figures[i]));
		}
		return 0;
	}
	if (!json_is_array(v) || !json_array_size(v)) {
		goto bad;
	}
	for (i = 0; i < json_array_size(v); i++) {
		const json_t *item = json_array_get(v, i);
		double p;

		if (!json_is_string(item) ||
		    !figure_known(json_string_value(item))) {
			goto bad;
		}
		if (percentile_of(json_string_value(item), &p) &&
		    ++percentiles > LTA_QUERY_MAX_PERCENTILES) {
			snprintf(error, size, "figures: at most %d percentiles",
				 LTA_QUERY_MAX_PERCENTILES);
			return -1;
		}
		json_array_append(out, (json_t *)item);
	}
	return 0;
bad:
	snprintf(error, size,
		 "figures: a non-empty list among %s (NN in (0, 100])",
		 LTA_QUERY_FIGURES);
	return -1;
}

json_t *lta_query_normalize(const json_t *spec, char *error, size_t size)
{
	static const char *const fields[] = {
		"name",	    "stream", "range",	    "slide",   "grace",
		"group_by", "filter", "max_groups", "figures", NULL
	};
	json_t *out = json_object(), *group_by = json_array(),
	       *filter = json_object(), *figures = json_array(), *v;
	struct lta_window_query q;
	const char *key;
	int64_t range = NS_PER_S, slide = 0, grace = 2 * NS_PER_S;
	int64_t max_groups = LTA_WINDOW_DEFAULT_MAX_GROUPS;
	const char *stream = "requests", *name = "";

	if (!out || !group_by || !filter || !figures) {
		snprintf(error, size, "out of memory");
		goto error;
	}
	if (!json_is_object(spec)) {
		snprintf(error, size, "A query is a JSON object");
		goto error;
	}
	json_object_foreach((json_t *)spec, key, v)
	{
		size_t i;

		for (i = 0; fields[i] && strcmp(fields[i], key); i++) {
		}
		if (!fields[i]) {
			snprintf(error, size, "Unknown field: %s", key);
			goto error;
		}
	}
	v = json_object_get(spec, "name");
	if (v) {
		if (!json_is_string(v) || json_string_length(v) > 128) {
			snprintf(error, size,
				 "name: a string of 128 bytes at most");
			goto error;
		}
		name = json_string_value(v);
	}
	v = json_object_get(spec, "stream");
	if (v) {
		if (!json_is_string(v) ||
		    (strcmp(json_string_value(v), "requests") &&
		     strcmp(json_string_value(v), "syscalls"))) {
			snprintf(error, size,
				 "stream: \"requests\" or \"syscalls\"");
			goto error;
		}
		stream = json_string_value(v);
	}
	if ((v = json_object_get(spec, "range")) &&
	    read_duration(v, "range", &range, error, size)) {
		goto error;
	}
	if ((v = json_object_get(spec, "slide")) &&
	    read_duration(v, "slide", &slide, error, size)) {
		goto error;
	}
	if ((v = json_object_get(spec, "grace")) &&
	    read_duration(v, "grace", &grace, error, size)) {
		goto error;
	}
	if (!slide) {
		slide = range;
	}
	if ((v = json_object_get(spec, "group_by")) &&
	    read_group_by(v, group_by, error, size)) {
		goto error;
	}
	if (read_filter(json_object_get(spec, "filter"), filter, error, size) ||
	    read_figures(json_object_get(spec, "figures"), figures, error,
			 size)) {
		goto error;
	}
	v = json_object_get(spec, "max_groups");
	if (v) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		    json_integer_value(v) > 100000) {
			snprintf(error, size,
				 "max_groups: an integer in [1, 100000]");
			goto error;
		}
		max_groups = json_integer_value(v);
	}
	if (json_object_set_new(out, "name", json_string(name)) ||
	    json_object_set_new(out, "stream", json_string(stream)) ||
	    json_object_set_new(out, "range_ns", json_integer(range)) ||
	    json_object_set_new(out, "slide_ns", json_integer(slide)) ||
	    json_object_set_new(out, "grace_ns", json_integer(grace)) ||
	    json_object_set(out, "group_by", group_by) ||
	    json_object_set(out, "filter", filter) ||
	    json_object_set_new(out, "max_groups", json_integer(max_groups)) ||
	    json_object_set(out, "figures", figures)) {
		snprintf(error, size, "out of memory");
		goto error;
	}
	/* What the window module refuses, refused here. */
	if (lta_query_to_window(out, &q, error, size)) {
		goto error;
	}
	{
		struct lta_window_set *set = lta_window_set_create(NULL, NULL);
		int ret = set ? lta_window_set_add(set, &q) : -ENOMEM;

		lta_window_set_destroy(set);
		if (ret < 0) {
			snprintf(error, size,
				 ret == -ENOMEM
					 ? "out of memory"
					 : "range must be positive and a "
					   "multiple of slide, with at most %d "
					   "windows per event (range / slide); "
					   "range and grace a week at most",
				 LTA_WINDOW_MAX_OVERLAP);
			goto error;
		}
	}
	json_decref(group_by);
	json_decref(filter);
	json_decref(figures);
	return out;
error:
	json_decref(out);
	json_decref(group_by);
	json_decref(filter);
	json_decref(figures);
	return NULL;
}

static const char *string_or_null(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

int lta_query_to_window(const json_t *spec, struct lta_window_query *q,
			char *error, size_t size)
{
	const json_t *filter = json_object_get(spec, "filter");
	const json_t *group_by = json_object_get(spec, "group_by");
	const json_t *reasons = json_object_get(filter, "end_reasons");
	const char *stream = string_or_null(spec, "stream");
	size_t i;

	memset(q, 0, sizeof(*q));
	if (!stream || !json_is_object(filter) || !json_is_array(group_by)) {
		snprintf(error, size, "not a normalized query");
		return -1;
	}
	q->stream = strcmp(stream, "syscalls") == 0
			    ? LTA_WINDOW_STREAM_SYSCALLS
			    : LTA_WINDOW_STREAM_REQUESTS;
	q->range = json_integer_value(json_object_get(spec, "range_ns"));
	q->slide = json_integer_value(json_object_get(spec, "slide_ns"));
	q->grace = json_integer_value(json_object_get(spec, "grace_ns"));
	q->max_groups = (uint32_t)json_integer_value(
		json_object_get(spec, "max_groups"));
	for (i = 0; i < json_array_size(group_by); i++) {
		enum lta_window_key key;

		if (!lta_window_key_from_name(
			    json_string_value(json_array_get(group_by, i)),
			    &key)) {
			snprintf(error, size, "not a normalized query");
			return -1;
		}
		q->group_by |= LTA_WINDOW_GROUP_BY(key);
	}
	q->component = string_or_null(filter, "component");
	q->syscall = string_or_null(filter, "syscall");
	q->min_latency =
		json_integer_value(json_object_get(filter, "min_latency_ns"));
	for (i = 0; json_is_array(reasons) && i < json_array_size(reasons);
	     i++) {
		enum lta_request_end end;

		if (lta_request_end_from_name(
			    json_string_value(json_array_get(reasons, i)),
			    &end)) {
			q->end_reasons |= 1u << end;
		}
	}
	return 0;
}

json_t *lta_query_window_json(const json_t *spec, int64_t id, const char *data,
			      const char *histogram)
{
	const json_t *figures = json_object_get(spec, "figures");
	json_t *stored = json_loads(data, 0, NULL), *out = json_object();
	struct lta_sparse_histogram h;
	bool decoded = false, failed = !stored || !out;
	size_t i;

	lta_sparse_histogram_init(&h);
	if (failed) {
		goto end;
	}
	failed |= json_object_set_new(out, "id", json_integer(id)) != 0;
	failed |= json_object_set(out, "start",
				  json_object_get(stored, "start")) != 0;
	failed |= json_object_set(out, "end", json_object_get(stored, "end")) !=
		  0;
	failed |= json_object_set(out, "group",
				  json_object_get(stored, "group")) != 0;
	for (i = 0; !failed && i < json_array_size(figures); i++) {
		const char *name =
			json_string_value(json_array_get(figures, i));
		json_t *v = json_object_get(stored, name);
		double p;

		if (strcmp(name, "histogram") == 0) {
			failed |= json_object_set_new(out, name,
						      json_string(histogram));
		} else if (v) {
			failed |= json_object_set(out, name, v) != 0;
		} else if (percentile_of(name, &p)) {
			/* Not kept in the row: read from its histogram. */
			if (!decoded) {
				decoded = lta_sparse_histogram_decode(
						  &h, histogram) == 0;
			}
			failed |=
				json_object_set_new(
					out, name,
					decoded ? json_integer(
							  lta_sparse_histogram_percentile(
								  &h, p))
						: json_null()) != 0;
		}
	}
end:
	lta_sparse_histogram_fini(&h);
	json_decref(stored);
	if (failed) {
		json_decref(out);
		return NULL;
	}
	return out;
}
