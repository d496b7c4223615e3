/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Routes over the stored connections of an analysis: a filtered,
 * cursor-paged list (/connections: by pid, process, end reason and start
 * time) and one connection with the ids of its requests in position order
 * (/connections/{cid}). A connection is what the segmenter handed out
 * (lib/segment/segment.h, struct lta_connection), as the store keeps it.
 */
#include "http-internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "analysis.h"
#include "segment/segment.h"
#include "store/store.h"

#define LIST_LIMIT_DEFAULT 100
#define LIST_LIMIT_MAX 1000

static const char *const list_parameters[] = {
	"pid", "process", "end_reason", "from", "to", "after", "limit", NULL,
};

static const char *const no_parameters[] = { NULL };

/*
 * Reads END_REASON into *OUT when it is one of lta_request_end_name()'s
 * words. Returns 0, or -1 after answering 400. Shared with /requests.
 */
int lta_http_read_end_reason(struct lta_http_exchange *x, const char **out)
{
	const char *value = lta_http_query(x, "end_reason");
	enum lta_request_end end;
	struct lta_strbuf words = { 0 };
	int i;

	*out = value;
	if (!value || lta_request_end_from_name(value, &end)) {
		return 0;
	}
	for (i = 0; i < LTA_REQUEST_END_COUNT; i++) {
		lta_strbuf_puts(&words, i ? ", " : "");
		lta_strbuf_puts(&words, lta_request_end_name(i));
	}
	lta_http_reply_error(x, 400, "invalid_parameter",
			     "Query parameter end_reason must be one of %s.",
			     words.failed ? "the end reasons"
					  : lta_strbuf_cstr(&words));
	lta_strbuf_fini(&words);
	return -1;
}

static int read_filter(struct lta_http_exchange *x,
		       struct lta_store_connection_filter *filter)
{
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
	    lta_http_read_end_reason(x, &filter->end_reason)) {
		return -1;
	}
	filter->pid = (int32_t)pid;
	filter->process = lta_http_query(x, "process");
	if (filter->process && !filter->process[0]) {
		lta_http_reply_error(x, 400, "invalid_parameter",
				     "Query parameter process is empty.");
		return -1;
	}
	return 0;
}

static const char *family_name(int family)
{
	switch (family) {
	case AF_INET:
		return "inet";
	case AF_INET6:
		return "inet6";
	case AF_UNIX:
		return "unix";
	default:
		return NULL;
	}
}

/* A string, or null when empty (not known). */
static void string_or_null(struct lta_strbuf *out, const char *name,
			   const char *value)
{
	lta_http_json_field(out, name);
	if (value && value[0]) {
		lta_strbuf_json_string(out, value);
	} else {
		lta_strbuf_puts(out, "null");
	}
}

static void ns_field(struct lta_strbuf *out, const char *name, int64_t ns)
{
	lta_http_json_field(out, name);
	lta_http_int_or_null(out, ns);
}

/* The JSON object of a connection, without its closing brace. */
static void connection_json(struct lta_strbuf *out,
			    const struct lta_store_connection *c)
{
	lta_strbuf_puts(out, "{\"id\":");
	lta_strbuf_int(out, c->id);
	lta_http_json_field(out, "trace");
	lta_strbuf_uint(out, c->trace);
	string_or_null(out, "host", c->host);
	lta_http_json_field(out, "pid");
	lta_strbuf_int(out, c->pid);
	lta_http_json_field(out, "procname");
	lta_strbuf_json_string(out, c->procname ? c->procname : "");
	lta_http_json_field(out, "fd");
	lta_strbuf_int(out, c->fd);
	string_or_null(out, "family", family_name(c->family));
	string_or_null(out, "peer", c->peer);
	lta_http_json_field(out, "port");
	lta_http_int_or_null(out, c->port);
	ns_field(out, "accept_entry_ns", c->accept_entry_ns);
	ns_field(out, "start_ns", c->start_ns);
	ns_field(out, "end_ns", c->end_ns);
	ns_field(out, "shutdown_ns", c->shutdown_ns);
	ns_field(out, "close_ns", c->close_ns);
	lta_http_json_field(out, "end_reason");
	lta_strbuf_json_string(out, c->end_reason ? c->end_reason : "");
	lta_http_json_field(out, "incomplete");
	lta_strbuf_puts(out, c->incomplete ? "true" : "false");
	lta_http_json_field(out, "peer_closed");
	lta_strbuf_puts(out, c->peer_closed ? "true" : "false");
	lta_http_json_field(out, "requests");
	lta_strbuf_uint(out, c->requests);
	lta_http_json_field(out, "first_request");
	if (c->first_request > 0) {
		lta_strbuf_int(out, c->first_request);
	} else {
		lta_strbuf_puts(out, "null");
	}
	ns_field(out, "idle_ns", c->idle_ns);
	lta_http_json_field(out, "bytes_read");
	lta_strbuf_uint(out, c->bytes_read);
	lta_http_json_field(out, "bytes_written");
	lta_strbuf_uint(out, c->bytes_written);
}

static int add_row(const struct lta_store_connection *c, void *user_data)
{
	struct lta_http_page *page = user_data;

	if (!lta_http_page_add(page, c->id)) {
		return 1;
	}
	connection_json(page->out, c);
	lta_strbuf_putc(page->out, '}');
	return 0;
}

void lta_http_get_connections(struct lta_http_exchange *x)
{
	struct lta_store_connection_filter filter;
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
	lta_strbuf_puts(&out, "{\"connections\":[");
	ret = lta_store_connections(x->http->context.store, &filter, add_row,
				    &page);
	if (ret < 0) {
		lta_http_reply_store_error(x, ret, "connections");
		goto end;
	}
	lta_http_page_reply(x, &page);
end:
	lta_strbuf_fini(&out);
}

static int copy_connection(const struct lta_store_connection *c,
			   void *user_data)
{
	connection_json(user_data, c);
	return 0;
}

/* The request ids of a connection being written. */
struct request_ids {
	struct lta_strbuf *out;
	bool first;
};

static int add_request_id(int64_t id, int64_t position, void *user_data)
{
	struct request_ids *ids = user_data;

	(void)position;
	if (!ids->first) {
		lta_strbuf_putc(ids->out, ',');
	}
	ids->first = false;
	lta_strbuf_int(ids->out, id);
	return 0;
}

void lta_http_get_connection(struct lta_http_exchange *x)
{
	struct lta_strbuf out = { 0 };
	struct request_ids ids = { &out, true };
	int ret;

	if (lta_http_query_check(x, no_parameters) ||
	    lta_http_check_analysis(x)) {
		goto end;
	}
	ret = lta_store_connection_get(x->http->context.store, x->id, x->rid,
				       copy_connection, &out);
	if (ret == -ENOENT) {
		lta_http_reply_error(x, 404, "not_found",
				     "No connection %lld in analysis %lld.",
				     (long long)x->rid, (long long)x->id);
		goto end;
	}
	if (ret < 0) {
		lta_http_reply_store_error(x, ret, "connections");
		goto end;
	}
	lta_strbuf_puts(&out, ",\"request_ids\":[");
	ret = lta_store_connection_requests(x->http->context.store, x->id,
					    x->rid, add_request_id, &ids);
	if (ret < 0) {
		lta_http_reply_store_error(x, ret, "connections");
		goto end;
	}
	lta_strbuf_puts(&out, "]}");
	lta_http_reply_buffer(x, 200, "application/json", &out);
end:
	lta_strbuf_fini(&out);
}
