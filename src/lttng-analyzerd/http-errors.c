/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Routes over the timing failures of an analysis: the stored errors
 * (/errors: filtered by type, origin, entity, name, process and raise
 * time, cursor-paged) and the agent's current estimates (/timeouts).
 */
#include "http-internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "store/store.h"

#define LIST_LIMIT_DEFAULT 100
#define LIST_LIMIT_MAX 1000

static const char *const list_parameters[] = {
	"type", "origin", "entity", "name",  "pid",
	"from", "to",	  "after",  "limit", NULL,
};

static const char *const no_parameters[] = { NULL };

/* Reads string parameter NAME into *OUT when one of ALLOWED (or any). */
static int read_word(struct lta_http_exchange *x, const char *name,
		     const char *const *allowed, const char *what,
		     const char **out)
{
	const char *value = lta_http_query(x, name);
	size_t i;

	*out = value;
	if (!value) {
		return 0;
	}
	if (!value[0]) {
		lta_http_reply_error(x, 400, "invalid_parameter",
				     "Query parameter %s is empty.", name);
		return -1;
	}
	if (!allowed) {
		return 0;
	}
	for (i = 0; allowed[i]; i++) {
		if (strcmp(value, allowed[i]) == 0) {
			return 0;
		}
	}
	lta_http_reply_error(x, 400, "invalid_parameter",
			     "Query parameter %s must be one of %s.", name,
			     what);
	return -1;
}

static int read_filter(struct lta_http_exchange *x,
		       struct lta_store_error_filter *filter)
{
	static const char *const types[] = { "InE", "CoE", "crash", NULL };
	static const char *const origins[] = { "rbl", "derived", NULL };
	int64_t pid = -1;

	memset(filter, 0, sizeof(*filter));
	filter->analysis = x->id;
	filter->from_ns = INT64_MIN;
	filter->to_ns = INT64_MAX;
	if (lta_http_query_int(x, "from", 0, INT64_MAX, &filter->from_ns) < 0 ||
	    lta_http_query_int(x, "to", 0, INT64_MAX, &filter->to_ns) < 0 ||
	    lta_http_query_int(x, "after", 0, INT64_MAX, &filter->after_id) <
		    0 ||
	    lta_http_query_int(x, "pid", 0, INT32_MAX, &pid) < 0 ||
	    read_word(x, "type", types, "InE, CoE, crash", &filter->type) ||
	    read_word(x, "origin", origins, "rbl, derived", &filter->origin) ||
	    read_word(x, "entity", NULL, NULL, &filter->entity) ||
	    read_word(x, "name", NULL, NULL, &filter->name)) {
		return -1;
	}
	filter->pid = (int32_t)pid;
	return 0;
}

static void string_field(struct lta_strbuf *out, const char *name,
			 const char *value)
{
	lta_http_json_field(out, name);
	lta_strbuf_json_string(out, value ? value : "");
}

static int add_error(const struct lta_store_error *e, void *user_data)
{
	struct lta_http_page *page = user_data;
	struct lta_strbuf *out = page->out;

	if (!lta_http_page_add(page, e->id)) {
		return 1;
	}
	lta_strbuf_puts(out, "{\"id\":");
	lta_strbuf_int(out, e->id);
	string_field(out, "type", e->type);
	string_field(out, "kind", e->kind);
	string_field(out, "origin", e->origin);
	string_field(out, "host", e->host);
	lta_http_json_field(out, "pid");
	lta_strbuf_int(out, e->pid);
	lta_http_json_field(out, "tid");
	lta_strbuf_int(out, e->tid);
	string_field(out, "entity", e->entity);
	string_field(out, "name", e->name);
	lta_http_json_field(out, "key");
	lta_strbuf_uint(out, e->key);
	lta_http_json_field(out, "start_ns");
	lta_strbuf_int(out, e->start_ns);
	lta_http_json_field(out, "raised_ns");
	lta_strbuf_int(out, e->raised_ns);
	lta_http_json_field(out, "timeout_ns");
	lta_http_int_or_null(out, e->timeout_ns);
	lta_http_json_field(out, "late_end_ns");
	lta_http_int_or_null(out, e->late_end_ns);
	lta_http_json_field(out, "expired");
	lta_strbuf_puts(out, e->expired ? "true" : "false");
	lta_http_json_field(out, "open");
	lta_strbuf_int(out, e->open_count);
	/*
	 * A derived InE on a connection to a traced server: the server's
	 * request still running for it (0: none was); null otherwise.
	 */
	lta_http_json_field(out, "downstream_request");
	if (e->has_downstream) {
		lta_strbuf_int(out, e->downstream_request);
	} else {
		lta_strbuf_puts(out, "null");
	}
	lta_strbuf_putc(out, '}');
	return 0;
}

void lta_http_get_errors(struct lta_http_exchange *x)
{
	struct lta_store_error_filter filter;
	struct lta_strbuf out = { 0 };
	struct lta_http_page page = { .out = &out };
	int64_t limit = LIST_LIMIT_DEFAULT;
	int ret;

	if (lta_http_query_check(x, list_parameters) ||
	    read_filter(x, &filter) ||
	    lta_http_query_int(x, "limit", 1, LIST_LIMIT_MAX, &limit) < 0 ||
	    lta_http_check_analysis(x)) {
		goto end;
	}
	/* One row more than asked tells whether there is a next page. */
	page.limit = (int)limit;
	filter.limit = page.limit + 1;
	lta_strbuf_puts(&out, "{\"errors\":[");
	ret = lta_store_errors(x->http->context.store, &filter, add_error,
			       &page);
	if (ret < 0) {
		lta_http_reply_store_error(x, ret, "errors");
		goto end;
	}
	lta_http_page_reply(x, &page);
end:
	lta_strbuf_fini(&out);
}

static int add_timeout(const struct lta_analysis_timeout *t, void *user_data)
{
	struct lta_strbuf *out = user_data;

	if (out->len && out->data[out->len - 1] == '}') {
		lta_strbuf_putc(out, ',');
	}
	lta_strbuf_puts(out, "{\"kind\":");
	lta_strbuf_json_string(out, t->kind);
	string_field(out, "entity", t->entity);
	string_field(out, "name", t->name);
	lta_http_json_field(out, "samples");
	lta_strbuf_uint(out, t->samples);
	lta_http_json_field(out, "mean_ns");
	lta_strbuf_int(out, t->mean_ns);
	lta_http_json_field(out, "deviation_ns");
	lta_strbuf_int(out, t->dev_ns);
	lta_http_json_field(out, "timeout_ns");
	lta_strbuf_int(out, t->timeout_ns);
	lta_http_json_field(out, "open");
	lta_strbuf_uint(out, t->open);
	lta_http_json_field(out, "errors");
	lta_strbuf_uint(out, t->errors);
	lta_http_json_field(out, "late_ends");
	lta_strbuf_uint(out, t->late_ends);
	lta_strbuf_putc(out, '}');
	return 0;
}

void lta_http_get_timeouts(struct lta_http_exchange *x)
{
	struct lta_strbuf out = { 0 };
	int ret;

	if (lta_http_query_check(x, no_parameters)) {
		return;
	}
	lta_strbuf_puts(&out, "{\"id\":");
	lta_strbuf_int(&out, x->id);
	lta_strbuf_puts(&out, ",\"timeouts\":[");
	ret = lta_analyses_timeouts(x->http->context.analyses, x->id,
				    add_timeout, &out);
	if (ret == -ENOENT) {
		lta_http_reply_error(x, 404, "not_found", "No analysis %lld.",
				     (long long)x->id);
	} else if (ret && ret != -ENODATA) {
		lta_http_reply_json(x, 500, NULL);
	} else {
		/* An earlier run's analysis: the estimates were in memory. */
		lta_strbuf_puts(&out, "],\"available\":");
		lta_strbuf_puts(&out, ret == -ENODATA ? "false}" : "true}");
		lta_http_reply_buffer(x, 200, "application/json", &out);
	}
	lta_strbuf_fini(&out);
}
