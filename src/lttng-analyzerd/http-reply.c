/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Replies and query arguments for the route handlers: JSON bodies, the
 * error object every failure answers with, and strict parsing of query
 * parameters (an unknown or malformed parameter is an error, never
 * ignored: a typo in a filter must not silently return everything).
 */
#include "http-internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "store/store.h"

#define JSON_TYPE "application/json"

static void set_body(struct lta_http_exchange *x, unsigned int status,
		     const char *content_type, char *body, size_t len)
{
	free(x->reply.body);
	x->reply.status = status;
	x->reply.content_type = content_type;
	x->reply.body = body;
	x->reply.body_len = len;
}

void lta_http_reply_json(struct lta_http_exchange *x, unsigned int status,
			 json_t *json)
{
	char *text = NULL;

	if (json) {
		text = json_dumps(json, JSON_COMPACT | JSON_ENCODE_ANY);
		json_decref(json);
	}
	/* A NULL body makes http.c answer its prepared 500. */
	set_body(x, status, JSON_TYPE, text, text ? strlen(text) : 0);
}

void lta_http_reply_buffer(struct lta_http_exchange *x, unsigned int status,
			   const char *content_type, struct lta_strbuf *buf)
{
	char *body = NULL;
	size_t len = 0;

	if (!buf->failed) {
		/* An empty buffer has no memory yet: give it a byte. */
		lta_strbuf_cstr(buf);
		if (!buf->failed) {
			body = buf->data;
			len = buf->len;
			buf->data = NULL;
		}
	}
	lta_strbuf_fini(buf);
	memset(buf, 0, sizeof(*buf));
	set_body(x, status, content_type, body, len);
}

json_t *lta_http_json_string(const char *s)
{
	struct lta_strbuf buf = { 0 };
	json_t *json;

	json = json_string(s);
	if (json) {
		return json;
	}
	/*
	 * Not valid UTF-8 (or out of memory): lta_strbuf_json_string()
	 * replaces invalid bytes, and the result decodes as a valid string.
	 */
	lta_strbuf_json_string(&buf, s);
	json = buf.failed
		       ? NULL
		       : json_loadb(buf.data, buf.len, JSON_DECODE_ANY, NULL);
	lta_strbuf_fini(&buf);
	return json;
}

void lta_http_reply_error(struct lta_http_exchange *x, unsigned int status,
			  const char *code, const char *fmt, ...)
{
	json_t *error = NULL, *body = NULL;
	char message[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	error = json_object();
	body = json_object();
	if (!error || !body ||
	    json_object_set_new(error, "code", json_string(code)) ||
	    json_object_set_new(error, "message",
				lta_http_json_string(message)) ||
	    json_object_set_new(body, "error", error)) {
		json_decref(error);
		json_decref(body);
		lta_http_reply_json(x, status, NULL);
		return;
	}
	lta_http_reply_json(x, status, body);
}

int lta_http_parse_uint(const char *s, int64_t *value)
{
	int64_t v = 0;

	if (!s || !*s) {
		return -1;
	}
	for (; *s; s++) {
		if (*s < '0' || *s > '9') {
			return -1;
		}
		if (v > (INT64_MAX - (*s - '0')) / 10) {
			return -1;
		}
		v = v * 10 + (*s - '0');
	}
	*value = v;
	return 0;
}

static bool is_allowed(const char *name, const char *const *allowed)
{
	for (; *allowed; allowed++) {
		if (strcmp(name, *allowed) == 0) {
			return true;
		}
	}
	return false;
}

int lta_http_query_check(struct lta_http_exchange *x,
			 const char *const *allowed)
{
	size_t i, j;

	for (i = 0; i < x->arg_count; i++) {
		const char *name = x->args[i].name;

		if (!is_allowed(name, allowed)) {
			lta_http_reply_error(x, 400, "unknown_parameter",
					     "Unknown query parameter: %s",
					     name);
			return -1;
		}
		for (j = 0; j < i; j++) {
			if (strcmp(name, x->args[j].name) == 0) {
				lta_http_reply_error(
					x, 400, "invalid_parameter",
					"Query parameter given twice: %s",
					name);
				return -1;
			}
		}
	}
	return 0;
}

const char *lta_http_query(const struct lta_http_exchange *x, const char *name)
{
	size_t i;

	for (i = 0; i < x->arg_count; i++) {
		if (strcmp(x->args[i].name, name) == 0) {
			return x->args[i].value ? x->args[i].value : "";
		}
	}
	return NULL;
}

int lta_http_query_int(struct lta_http_exchange *x, const char *name,
		       int64_t min, int64_t max, int64_t *value)
{
	const char *text = lta_http_query(x, name);
	int64_t v;
	int ret;

	if (!text) {
		return 0;
	}
	if (text[0] == '-') {
		ret = lta_http_parse_uint(text + 1, &v);
		v = -v;
	} else {
		ret = lta_http_parse_uint(text, &v);
	}
	if (ret || v < min || v > max) {
		lta_http_reply_error(x, 400, "invalid_parameter",
				     "Query parameter %s must be an integer "
				     "from %lld to %lld: got \"%s\"",
				     name, (long long)min, (long long)max,
				     text);
		return -1;
	}
	*value = v;
	return 1;
}

json_t *lta_http_load_body(struct lta_http_exchange *x, const char *expected)
{
	json_error_t error;
	json_t *body;

	if (!x->body || x->body_len == 0) {
		lta_http_reply_error(x, 400, "invalid_json",
				     "The body is empty: expected %s.",
				     expected);
		return NULL;
	}
	body = json_loadb(x->body, x->body_len, JSON_REJECT_DUPLICATES, &error);
	if (!body) {
		lta_http_reply_error(x, 400, "invalid_json",
				     "Malformed JSON at line %d, column %d: %s",
				     error.line, error.column, error.text);
	}
	return body;
}

void lta_http_reply_store_error(struct lta_http_exchange *x, int ret,
				const char *what)
{
	if (ret == -ENOMEM) {
		lta_http_reply_json(x, 500, NULL);
		return;
	}
	LTA_LOGE("Cannot read stored %s: analysis=%lld, error=\"%s\"", what,
		 (long long)x->id, lta_store_error());
	lta_http_reply_error(x, 500, "store_error",
			     "Cannot read the stored %s: %s", what,
			     strerror(-ret));
}

bool lta_http_page_add(struct lta_http_page *page, int64_t id)
{
	if (page->count == page->limit) {
		page->more = true;
		return false;
	}
	if (page->count) {
		lta_strbuf_putc(page->out, ',');
	}
	page->count++;
	page->last_id = id;
	return true;
}

void lta_http_page_reply(struct lta_http_exchange *x,
			 struct lta_http_page *page)
{
	lta_strbuf_puts(page->out, "],\"next\":");
	if (page->more) {
		lta_strbuf_int(page->out, page->last_id);
	} else {
		lta_strbuf_puts(page->out, "null");
	}
	lta_strbuf_putc(page->out, '}');
	lta_http_reply_buffer(x, 200, "application/json", page->out);
}

void lta_http_int_or_null(struct lta_strbuf *out, int64_t value)
{
	if (value < 0) {
		lta_strbuf_puts(out, "null");
	} else {
		lta_strbuf_int(out, value);
	}
}

void lta_http_json_field(struct lta_strbuf *out, const char *name)
{
	lta_strbuf_putc(out, ',');
	lta_strbuf_json_string(out, name);
	lta_strbuf_putc(out, ':');
}
