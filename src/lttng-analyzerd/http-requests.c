/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Routes over the stored requests of an analysis: a filtered, cursor-paged
 * list (/requests), one record (/requests/{rid}) and the whole dataset as
 * JSON lines (/requests.jsonl). Records are served exactly as the store
 * keeps them (lib/segment/request-format.h), never parsed and re-encoded.
 */
#include "http-internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "common/log.h"
#include "segment/segment.h"
#include "store/store.h"

#define LIST_LIMIT_DEFAULT 100
#define LIST_LIMIT_MAX 1000

/*
 * Rows fetched per page of a streamed export: what one export holds in
 * memory is this many records, whatever the size of the dataset.
 */
#define EXPORT_PAGE 64

static const char *const list_parameters[] = {
	"from",		"to",	      "process",    "component",
	"min_duration", "end_reason", "connection", "after",
	"limit",	"full",	      NULL,
};

static const char *const export_parameters[] = {
	"from",	      "to",	    "process", "component", "min_duration",
	"end_reason", "connection", "after",   NULL,
};

static const char *const no_parameters[] = { NULL };

/*
 * Reads the filter parameters shared by the list and the export into
 * FILTER (its strings are borrowed from X). Returns 0, or -1 after
 * answering 400.
 */
static int read_filter(struct lta_http_exchange *x,
		       struct lta_store_filter *filter)
{
	memset(filter, 0, sizeof(*filter));
	filter->analysis = x->id;
	filter->from_ns = INT64_MIN;
	filter->to_ns = INT64_MAX;
	filter->min_duration_ns = -1;
	if (lta_http_query_int(x, "from", 0, INT64_MAX, &filter->from_ns) < 0 ||
	    lta_http_query_int(x, "to", 0, INT64_MAX, &filter->to_ns) < 0 ||
	    lta_http_query_int(x, "min_duration", 0, INT64_MAX,
			       &filter->min_duration_ns) < 0 ||
	    lta_http_query_int(x, "after", 0, INT64_MAX, &filter->after_id) <
		    0 ||
	    lta_http_query_int(x, "connection", 1, INT64_MAX,
			       &filter->connection_id) < 0 ||
	    lta_http_read_end_reason(x, &filter->end_reason)) {
		return -1;
	}
	filter->process = lta_http_query(x, "process");
	if (filter->process && !filter->process[0]) {
		lta_http_reply_error(x, 400, "invalid_parameter",
				     "Query parameter process is empty.");
		return -1;
	}
	filter->component = lta_http_query(x, "component");
	if (filter->component && !filter->component[0]) {
		lta_http_reply_error(x, 400, "invalid_parameter",
				     "Query parameter component is empty.");
		return -1;
	}
	return 0;
}

struct page {
	struct lta_http_page list;
	bool full; /* Whole records, not summaries. */
};

static void summary(struct lta_strbuf *out, const struct lta_store_request *r)
{
	lta_strbuf_puts(out, "{\"id\":");
	lta_strbuf_int(out, r->id);
	lta_strbuf_puts(out, ",\"pid\":");
	lta_strbuf_int(out, r->pid);
	lta_strbuf_puts(out, ",\"procname\":");
	lta_strbuf_json_string(out, r->procname ? r->procname : "");
	lta_strbuf_puts(out, ",\"peer\":");
	if (r->peer && r->peer[0]) {
		lta_strbuf_json_string(out, r->peer);
	} else {
		lta_strbuf_puts(out, "null");
	}
	lta_strbuf_puts(out, ",\"port\":");
	lta_http_int_or_null(out, r->port);
	lta_strbuf_puts(out, ",\"start_ns\":");
	lta_strbuf_int(out, r->start_ns);
	lta_strbuf_puts(out, ",\"end_ns\":");
	lta_http_int_or_null(out, r->end_ns);
	lta_strbuf_puts(out, ",\"duration_ns\":");
	lta_http_int_or_null(out, r->duration_ns);
	lta_strbuf_puts(out, ",\"end_reason\":");
	lta_strbuf_json_string(out, r->end_reason ? r->end_reason : "");
	lta_strbuf_puts(out, ",\"incomplete\":");
	lta_strbuf_puts(out, r->incomplete ? "true" : "false");
	lta_strbuf_puts(out, ",\"connection\":");
	if (r->connection_id > 0) {
		lta_strbuf_puts(out, "{\"id\":");
		lta_strbuf_int(out, r->connection_id);
		lta_strbuf_puts(out, ",\"position\":");
		lta_strbuf_int(out, r->position);
		lta_strbuf_putc(out, '}');
	} else {
		lta_strbuf_puts(out, "null");
	}
	lta_strbuf_putc(out, '}');
}

static int add_row(const struct lta_store_request *r, void *user_data)
{
	struct page *page = user_data;
	struct lta_strbuf *out = page->list.out;

	if (!lta_http_page_add(&page->list, r->id)) {
		return 1;
	}
	if (!page->full) {
		summary(out, r);
	} else if (r->json && r->json_len) {
		lta_strbuf_append(out, r->json, r->json_len);
	} else {
		lta_strbuf_puts(out, "null");
	}
	return 0;
}

/* Reads FULL as a boolean: 1/true/"" (just "?full") or 0/false. */
static int read_full(struct lta_http_exchange *x, bool *full)
{
	const char *text = lta_http_query(x, "full");

	*full = false;
	if (!text) {
		return 0;
	}
	if (!strcmp(text, "") || !strcmp(text, "1") || !strcmp(text, "true")) {
		*full = true;
		return 0;
	}
	if (!strcmp(text, "0") || !strcmp(text, "false")) {
		return 0;
	}
	lta_http_reply_error(x, 400, "invalid_parameter",
			     "Query parameter full must be 0, 1, false or "
			     "true.");
	return -1;
}

void lta_http_get_requests(struct lta_http_exchange *x)
{
	struct lta_store_filter filter;
	struct lta_strbuf out = { 0 };
	struct page page = { .list.out = &out };
	int64_t limit = LIST_LIMIT_DEFAULT;
	int ret;

	if (lta_http_query_check(x, list_parameters) ||
	    read_filter(x, &filter) ||
	    lta_http_query_int(x, "limit", 1, LIST_LIMIT_MAX, &limit) < 0 ||
	    read_full(x, &page.full) || lta_http_check_analysis(x)) {
		goto end;
	}
	/* One row more than asked tells whether there is a next page. */
	page.list.limit = (int)limit;
	filter.limit = page.list.limit + 1;
	lta_strbuf_puts(&out, "{\"requests\":[");
	ret = lta_store_requests(x->http->context.store, &filter, add_row,
				 &page);
	if (ret < 0) {
		lta_http_reply_store_error(x, ret, "requests");
		goto end;
	}
	lta_http_page_reply(x, &page.list);
end:
	lta_strbuf_fini(&out);
}

static int copy_record(const struct lta_store_request *r, void *user_data)
{
	struct lta_strbuf *out = user_data;

	lta_strbuf_append(out, r->json ? r->json : "",
			  r->json ? r->json_len : 0);
	return 0;
}

void lta_http_get_request(struct lta_http_exchange *x)
{
	struct lta_strbuf out = { 0 };
	int ret;

	if (lta_http_query_check(x, no_parameters) ||
	    lta_http_check_analysis(x)) {
		goto end;
	}
	ret = lta_store_request_get(x->http->context.store, x->id, x->rid,
				    copy_record, &out);
	if (ret == -ENOENT) {
		lta_http_reply_error(x, 404, "not_found",
				     "No request %lld in analysis %lld.",
				     (long long)x->rid, (long long)x->id);
		goto end;
	}
	if (ret < 0) {
		lta_http_reply_store_error(x, ret, "requests");
		goto end;
	}
	lta_http_reply_buffer(x, 200, "application/json", &out);
end:
	lta_strbuf_fini(&out);
}

/* --- the streamed export -------------------------------------------------- */

struct export
{
	struct lta_store *store; /* Borrowed. */
	struct lta_store_filter filter;
	char *process;		/* Owned; filter.process. */
	char *component;	/* Owned; filter.component. */
	char *end_reason;	/* Owned; filter.end_reason. */
	struct lta_strbuf page; /* The page being sent. */
	size_t sent;		/* Bytes of page already sent. */
	int64_t last_id;	/* Cursor: the last row read. */
	int rows;		/* Rows in the last page. */
	bool done;		/* The last page was short: no more. */
};

static void export_free(void *cls)
{
	struct export *e = cls;

	if (!e) {
		return;
	}
	lta_strbuf_fini(&e->page);
	free(e->process);
	free(e->component);
	free(e->end_reason);
	free(e);
}

static int export_row(const struct lta_store_request *r, void *user_data)
{
	struct export *e = user_data;

	if (r->json && r->json_len) {
		lta_strbuf_append(&e->page, r->json, r->json_len);
		lta_strbuf_putc(&e->page, '\n');
	}
	e->last_id = r->id;
	e->rows++;
	return 0;
}

/* Reads the next page of rows. Returns 0 or a negative errno. */
static int export_fill(struct export *e)
{
	int ret;

	lta_strbuf_clear(&e->page);
	e->sent = 0;
	e->rows = 0;
	e->filter.after_id = e->last_id;
	e->filter.limit = EXPORT_PAGE;
	ret = lta_store_requests(e->store, &e->filter, export_row, e);
	if (ret < 0) {
		return ret;
	}
	if (e->page.failed) {
		return -ENOMEM;
	}
	e->done = e->rows < EXPORT_PAGE;
	return 0;
}

/* Called by libmicrohttpd on an HTTP thread as the client reads. */
static ssize_t export_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct export *e = cls;
	size_t n;
	int ret;

	(void)pos;
	while (e->sent == e->page.len) {
		if (e->done) {
			return LTA_HTTP_STREAM_END;
		}
		ret = export_fill(e);
		if (ret) {
			LTA_LOGE(
				"Export cut short: analysis=%lld, error=\"%s\"",
				(long long)e->filter.analysis,
				ret == -ENOMEM ? "out of memory"
					       : lta_store_error());
			return LTA_HTTP_STREAM_ERROR;
		}
	}
	n = e->page.len - e->sent;
	if (n > max) {
		n = max;
	}
	memcpy(buf, e->page.data + e->sent, n);
	e->sent += n;
	return (ssize_t)n;
}

void lta_http_get_requests_jsonl(struct lta_http_exchange *x)
{
	struct export *e = NULL;
	int ret;

	if (lta_http_query_check(x, export_parameters)) {
		goto end;
	}
	e = calloc(1, sizeof(*e));
	if (!e) {
		lta_http_reply_json(x, 500, NULL);
		goto end;
	}
	if (read_filter(x, &e->filter) || lta_http_check_analysis(x)) {
		goto end;
	}
	/* The query's strings live as long as the request: keep copies. */
	if ((e->filter.process && !(e->process = strdup(e->filter.process))) ||
	    (e->filter.component &&
	     !(e->component = strdup(e->filter.component))) ||
	    (e->filter.end_reason &&
	     !(e->end_reason = strdup(e->filter.end_reason)))) {
		lta_http_reply_json(x, 500, NULL);
		goto end;
	}
	if (e->process) {
		e->filter.process = e->process;
	}
	if (e->component) {
		e->filter.component = e->component;
	}
	if (e->end_reason) {
		e->filter.end_reason = e->end_reason;
	}
	e->store = x->http->context.store;
	e->last_id = e->filter.after_id;
	/* The first page now, so that a store error is a proper 500. */
	ret = export_fill(e);
	if (ret) {
		lta_http_reply_store_error(x, ret, "requests");
		goto end;
	}
	x->reply.status = 200;
	x->reply.content_type = "application/x-ndjson";
	x->reply.stream = export_read;
	x->reply.stream_free = export_free;
	x->reply.stream_cls = e;
	e = NULL;
end:
	export_free(e);
}
