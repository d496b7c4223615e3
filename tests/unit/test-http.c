/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The HTTP module against a real store and a fake analysis manager
 * (tests/utils/fake-analyses.c): every route's answer, every error code
 * of doc/openapi.yaml, the token, strict query parameters, paging by
 * cursor, the streamed export, timing failures and timeouts, connections
 * and the requests of one, and clients
 * that connect and say nothing while others are served. The client is a
 * few lines of sockets: each request on its own connection, "Connection:
 * close", read to the end.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1 /* strcasestr() */
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "analysis.h"
#include "common/strbuf.h"
#include "decode/trace-path.h"
#include "http-internal.h"
#include "http.h"
#include "http-client.h"
#include "segment/request-format.h"
#include "store/store.h"
#include "tap.h"

#define TOKEN "s3cret-token"
#define HOST "web1"
#define REQUESTS 250
/* Two requests per connection: request k is on connection (k + 1) / 2. */
#define CONNECTIONS (REQUESTS / 2)

static uint16_t port;

/* A request to the server under test (tests/utils/http-client.h). */

static int exchange(const char *method, const char *target,
		    const char *extra_headers, const char *body,
		    struct http_response *r)
{
	return http_client_exchange(port, method, target, extra_headers, body,
				    r);
}

/*
 * The trace-path check double: the fake manager's paths (/traces/...,
 * /x/...) need not exist; every other path gets the real check.
 */
static int fake_path_check(const char *path, const char *const *allowed,
			   char *resolved, size_t size, char *error,
			   size_t esize)
{
	if (strncmp(path, "/traces/", 8) == 0 || strncmp(path, "/x/", 3) == 0) {
		snprintf(resolved, size, "%s", path);
		return 0;
	}
	return lta_trace_path_check(path, allowed, resolved, size, error,
				    esize);
}

static int get(const char *target, struct http_response *r)
{
	return exchange("GET", target, NULL, NULL, r);
}

#define AUTH "Authorization: Bearer " TOKEN "\r\n"
#define JSON "Content-Type: application/json\r\n"

static int post(const char *body, struct http_response *r)
{
	return exchange("POST", "/api/v1/analyses", AUTH JSON, body, r);
}

static int64_t json_int(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

/* --- data ------------------------------------------------------------- */

static void make_request(struct lta_request *r, uint64_t id)
{
	memset(r, 0, sizeof(*r));
	r->id = id;
	r->pid = 1000 + (int32_t)(id % 3);
	r->fd = 7;
	snprintf(r->procname, sizeof(r->procname), "%s",
		 id % 3 == 0 ? "nginx" : "httpd");
	r->family = id % 5 == 0 ? -1 : AF_INET;
	r->port = id % 5 == 0 ? -1 : 40000 + (int)id;
	snprintf(r->peer, sizeof(r->peer), "%s",
		 id % 5 == 0 ? "" : "127.0.0.1");
	r->accept_entry = -1;
	r->start = 1000000000LL + (int64_t)id * 1000;
	r->shutdown_ts = -1;
	r->close_ts = r->start + (int64_t)id * 100;
	r->end = id == REQUESTS ? -1 : r->close_ts;
	r->end_reason = id == REQUESTS ? LTA_REQUEST_END_OPEN
			: id % 10 == 0 ? LTA_REQUEST_END_EMPTY
			: id % 4 == 3  ? LTA_REQUEST_END_KEEPALIVE
				       : LTA_REQUEST_END_CLOSE;
	r->incomplete = id % 50 == 0;
	r->connection_id = (id + 1) / 2;
	r->position = 2 - (uint32_t)(id % 2);
}

/* Connection CID, the one of requests 2 * CID - 1 and 2 * CID. */
static void make_connection(struct lta_connection *c, uint64_t cid)
{
	memset(c, 0, sizeof(*c));
	c->id = cid;
	c->pid = 1000 + (int32_t)(cid % 3);
	c->fd = 7;
	snprintf(c->procname, sizeof(c->procname), "%s",
		 cid % 3 == 0 ? "nginx" : "httpd");
	c->family = cid % 5 == 0 ? -1 : AF_INET;
	c->port = cid % 5 == 0 ? -1 : 50000 + (int)cid;
	snprintf(c->peer, sizeof(c->peer), "%s",
		 cid % 5 == 0 ? "" : "127.0.0.1");
	c->accept_entry = cid % 2 ? 1000000000LL + (int64_t)cid * 2000 - 5 : -1;
	c->start = 1000000000LL + (int64_t)cid * 2000;
	c->end = cid == CONNECTIONS ? -1 : c->start + 1500;
	c->shutdown_ts = -1;
	c->close_ts = c->end;
	c->end_reason = cid == CONNECTIONS ? LTA_REQUEST_END_OPEN
					   : LTA_REQUEST_END_CLOSE;
	c->peer_closed = cid % 4 == 0;
	c->requests = 2;
	c->first_request = 2 * cid - 1;
	c->idle_ns = 300;
	c->bytes_read = 100 * cid;
	c->bytes_written = 1000 * cid;
}

static int store_requests(struct lta_store *store, int64_t analysis)
{
	struct lta_store_writer *w = lta_store_writer_open(store, analysis);
	struct lta_store_analysis a;
	struct lta_request r;
	uint64_t id;
	int ret = 0;

	if (!w) {
		return -1;
	}
	for (id = 1; id <= REQUESTS && !ret; id++) {
		make_request(&r, id);
		ret = lta_store_writer_add(w, &r, HOST);
		if (!ret && id % 2 == 0) {
			struct lta_connection c;

			make_connection(&c, id / 2);
			ret = lta_store_writer_add_connection(w, &c, HOST);
		}
	}
	if (!ret) {
		ret = lta_store_writer_commit(w, 0);
	}
	lta_store_writer_close(w);
	/* The manager keeps the count of an analysis: do as it does. */
	if (!ret) {
		ret = lta_store_analysis_get(store, analysis, &a);
	}
	if (!ret) {
		a.requests = REQUESTS;
		a.connections = CONNECTIONS;
		ret = lta_store_analysis_update(store, &a);
	}
	return ret;
}

/* --- tests ------------------------------------------------------------ */

static void test_health(void)
{
	struct http_response r;
	json_t *j;

	ok(get("/api/v1/health", &r) == 0, "health: answered");
	is_int(r.status, 200, "health: 200");
	is_str(http_response_header(&r, "Content-Type"), "application/json",
	       "health: JSON");
	j = http_response_json(&r);
	is_str(json_string_value(json_object_get(j, "version")), "1.2.3-test",
	       "health: version");
	ok(json_int(j, "uptime_ns") >= 5000000000LL &&
		   json_int(j, "uptime_ns") < 3600000000000LL,
	   "health: uptime counts from started_ns (5 s ago)");
	ok(json_is_integer(json_object_get(j, "analyses_running")),
	   "health: analyses_running");
	ok(!json_object_get(j, "sessiond"),
	   "health: nothing about lttng-sessiond is made up");
	json_decref(j);
	http_response_fini(&r);

	ok(exchange("HEAD", "/api/v1/health", NULL, NULL, &r) == 0,
	   "HEAD health: answered");
	is_int(r.status, 200, "HEAD health: 200");
	is_int(r.body_len, 0, "HEAD health: no body");
	http_response_fini(&r);
}

static void test_routes(void)
{
	struct http_response r;
	int ret;

	ret = get("/api/v2/health", &r);
	http_client_expect_error(ret, &r, 404, "not_found", "unknown route");
	ret = get("/", &r);
	http_client_expect_error(ret, &r, 404, "not_found", "root");
	ret = get("/api/v1/analyses/abc", &r);
	http_client_expect_error(ret, &r, 404, "not_found", "non-numeric id");
	ret = get("/api/v1/analyses/0", &r);
	http_client_expect_error(ret, &r, 404, "not_found", "id 0");
	ret = get("/api/v1/analyses/99999999999999999999", &r);
	http_client_expect_error(ret, &r, 404, "not_found", "id past int64");
	ret = get("/api/v1/analyses/1/requests.json", &r);
	http_client_expect_error(ret, &r, 404, "not_found",
				 "near miss of requests.jsonl");

	ret = exchange("PUT", "/api/v1/health", AUTH, NULL, &r);
	is_str(http_response_header(&r, "Allow"), "GET, HEAD",
	       "PUT health: Allow");
	http_client_expect_error(ret, &r, 405, "method_not_allowed",
				 "PUT health");
	ret = exchange("DELETE", "/api/v1/analyses", AUTH, NULL, &r);
	is_str(http_response_header(&r, "Allow"), "GET, HEAD, POST",
	       "DELETE analyses: Allow");
	http_client_expect_error(ret, &r, 405, "method_not_allowed",
				 "DELETE analyses");
	ret = exchange("POST", "/metrics", AUTH JSON, "{}", &r);
	http_client_expect_error(ret, &r, 405, "method_not_allowed",
				 "POST metrics");
	ret = exchange("PATCH", "/api/v1/analyses/1", NULL, "{}", &r);
	is_str(http_response_header(&r, "Allow"), "GET, HEAD, DELETE",
	       "PATCH analysis: Allow");
	http_client_expect_error(ret, &r, 405, "method_not_allowed",
				 "PATCH analysis");
}

static void test_token(void)
{
	struct http_response r;
	int ret;

	ret = exchange("POST", "/api/v1/analyses", JSON, "{\"path\":\"/t\"}",
		       &r);
	ok(strncmp(http_response_header(&r, "WWW-Authenticate"), "Bearer", 6) ==
		   0,
	   "no token: WWW-Authenticate Bearer");
	http_client_expect_error(ret, &r, 401, "unauthorized",
				 "POST without token");
	ret = exchange("POST", "/api/v1/analyses",
		       "Authorization: Bearer s3cret-tokeN\r\n" JSON,
		       "{\"path\":\"/t\"}", &r);
	ok(strstr(http_response_header(&r, "WWW-Authenticate"),
		  "invalid_token") != NULL,
	   "wrong token: invalid_token");
	http_client_expect_error(ret, &r, 401, "unauthorized",
				 "POST with a wrong token");
	ret = exchange("POST", "/api/v1/analyses",
		       "Authorization: Bearer s3cret-token-and-more\r\n" JSON,
		       "{\"path\":\"/t\"}", &r);
	http_client_expect_error(ret, &r, 401, "unauthorized",
				 "POST with a longer token");
	ret = exchange("POST", "/api/v1/analyses",
		       "Authorization: Bearer s3cret\r\n" JSON,
		       "{\"path\":\"/t\"}", &r);
	http_client_expect_error(ret, &r, 401, "unauthorized",
				 "POST with a prefix");
	ret = exchange("POST", "/api/v1/analyses",
		       "Authorization: Basic czNjcmV0\r\n" JSON,
		       "{\"path\":\"/t\"}", &r);
	http_client_expect_error(ret, &r, 401, "unauthorized",
				 "POST with Basic");
	ret = exchange("DELETE", "/api/v1/analyses/1", NULL, NULL, &r);
	http_client_expect_error(ret, &r, 401, "unauthorized",
				 "DELETE without token");
	ret = exchange("GET", "/api/v1/analyses",
		       "Authorization: Bearer wrong\r\n", NULL, &r);
	ok(ret == 0 && r.status == 200, "GET ignores the token");
	http_response_fini(&r);
}

static void test_post_errors(void)
{
	struct http_response r;
	struct lta_strbuf big = { 0 };
	int ret, i;

	ret = post("{\"path\":", &r);
	http_client_expect_error(ret, &r, 400, "invalid_json",
				 "truncated JSON");
	ret = post("", &r);
	http_client_expect_error(ret, &r, 400, "invalid_json", "empty body");
	ret = post("{\"path\":\"/a\",\"path\":\"/b\"}", &r);
	http_client_expect_error(ret, &r, 400, "invalid_json", "duplicate key");
	ret = post("[\"/a\"]", &r);
	http_client_expect_error(ret, &r, 400, "invalid_body", "array body");
	ret = post("{}", &r);
	http_client_expect_error(ret, &r, 400, "invalid_body",
				 "neither url nor path");
	ret = post("{\"path\":\"/a\",\"url\":\"net://r/host/h/s\"}", &r);
	http_client_expect_error(ret, &r, 400, "invalid_body",
				 "both url and path");
	ret = post("{\"path\":5}", &r);
	http_client_expect_error(ret, &r, 400, "invalid_field",
				 "path not a string");
	ret = post("{\"url\":null}", &r);
	http_client_expect_error(ret, &r, 400, "invalid_field", "url null");
	ret = post("{\"path\":\"relative/dir\"}", &r);
	http_client_expect_error(ret, &r, 400, "invalid_field",
				 "relative path");
	ret = post("{\"url\":\"http://relay/host/h/s\"}", &r);
	http_client_expect_error(ret, &r, 400, "invalid_field",
				 "url not net://");
	ret = post("{\"path\":\"/a\",\"live\":true}", &r);
	http_client_expect_error(ret, &r, 400, "unknown_field",
				 "unknown field");
	ret = exchange("POST", "/api/v1/analyses?x=1", AUTH JSON,
		       "{\"path\":\"/a\"}", &r);
	http_client_expect_error(ret, &r, 400, "unknown_parameter",
				 "POST with a query");
	ret = exchange("POST", "/api/v1/analyses", AUTH, "{\"path\":\"/a\"}",
		       &r);
	http_client_expect_error(ret, &r, 415, "unsupported_media_type",
				 "no type");
	ret = exchange("POST", "/api/v1/analyses",
		       AUTH "Content-Type: text/plain\r\n", "{\"path\":\"/a\"}",
		       &r);
	http_client_expect_error(ret, &r, 415, "unsupported_media_type",
				 "text/plain");

	/* 70 KiB: past the 64 KiB default, said by Content-Length. */
	lta_strbuf_puts(&big, "{\"path\":\"/");
	for (i = 0; i < 70 * 1024; i++) {
		lta_strbuf_putc(&big, 'a');
	}
	lta_strbuf_puts(&big, "\"}");
	ret = post(lta_strbuf_cstr(&big), &r);
	http_client_expect_error(ret, &r, 413, "body_too_large", "70 KiB body");
	lta_strbuf_fini(&big);
}

static void test_oversized_chunked(void)
{
	struct lta_strbuf raw = { 0 };
	struct http_response r;
	char chunk[8192];
	int ret, i;

	/* No Content-Length: the size is only known while reading. */
	memset(chunk, 'a', sizeof(chunk));
	lta_strbuf_puts(&raw,
			"POST /api/v1/analyses HTTP/1.1\r\n"
			"Host: localhost\r\nConnection: close\r\n" AUTH JSON
			"Transfer-Encoding: chunked\r\n\r\n");
	for (i = 0; i < 10; i++) {
		lta_strbuf_printf(&raw, "%zx\r\n", sizeof(chunk));
		lta_strbuf_append(&raw, chunk, sizeof(chunk));
		lta_strbuf_puts(&raw, "\r\n");
	}
	lta_strbuf_puts(&raw, "0\r\n\r\n");
	ret = http_client_exchange_raw(port, raw.data, raw.len, &r);
	http_client_expect_error(
		ret, &r, 411, "length_required",
		"80 KiB chunked body (bodies need a Content-Length)");
	lta_strbuf_fini(&raw);
}

static void test_start_errors(void)
{
	static const struct {
		const char *body;
		int status;
		const char *code;
	} cases[] = {
		{ "{\"url\":\"net://refused/host/h/s\"}", 502,
		  "relay_unreachable" },
		{ "{\"url\":\"net://unreachable/host/h/s\"}", 502,
		  "relay_unreachable" },
		{ "{\"url\":\"net://timeout/host/h/s\"}", 502,
		  "relay_unreachable" },
		{ "{\"url\":\"net://relay/s\"}", 400, "invalid_url" },
		{ "{\"path\":\"/x/enoent\"}", 422, "source_not_found" },
		{ "{\"path\":\"/x/not-a-trace\"}", 422, "not_a_trace" },
		{ "{\"path\":\"/x/enospc\"}", 507, "insufficient_storage" },
		{ "{\"path\":\"/x/eio\"}", 500, "internal_error" },
	};
	struct http_response r;
	size_t i;
	int ret;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ret = post(cases[i].body, &r);
		http_client_expect_error(ret, &r, cases[i].status,
					 cases[i].code, cases[i].body);
	}
}

/* Starts an analysis; returns its id or -1. */
static int64_t start(const char *body, const char *kind)
{
	struct http_response r;
	char location[64];
	int64_t id = -1;
	json_t *j;

	ok(post(body, &r) == 0, "start %s: answered", body);
	is_int(r.status, 201, "start %s: 201", body);
	j = http_response_json(&r);
	if (json_is_object(j)) {
		id = json_int(j, "id");
	}
	snprintf(location, sizeof(location), "/api/v1/analyses/%lld",
		 (long long)id);
	is_str(http_response_header(&r, "Location"), location,
	       "start: Location");
	is_str(json_string_value(json_object_get(j, "kind")), kind,
	       "start: kind %s", kind);
	ok(json_is_true(json_object_get(j, "running")), "start: running");
	json_decref(j);
	http_response_fini(&r);
	return id;
}

static void test_views(int64_t trace, int64_t live)
{
	static const char *const fields[] = {
		"id",
		"kind",
		"source",
		"status",
		"reason",
		"created_ns",
		"updated_ns",
		"events",
		"discarded_events",
		"requests",
		"last_event_ns",
		"lag_ns",
		"requests_open",
		"reconnects",
		"data_gaps",
		"connections",
		"running",
		"worker_pid",
		"pending",
		"warnings",
	};
	struct http_response r;
	char target[128];
	json_t *j, *list;
	size_t i;
	int ret;

	snprintf(target, sizeof(target), "/api/v1/analyses/%lld",
		 (long long)trace);
	ok(get(target, &r) == 0 && r.status == 200, "get analysis: 200");
	j = http_response_json(&r);
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		ok(json_object_get(j, fields[i]) != NULL, "view has %s",
		   fields[i]);
	}
	is_int(json_object_size(j), sizeof(fields) / sizeof(fields[0]),
	       "view has no other field");
	is_str(json_string_value(json_object_get(j, "source")), "/traces/ok",
	       "view: source");
	is_int(json_int(j, "requests"), REQUESTS, "view: stored requests");
	is_int(json_int(j, "connections"), CONNECTIONS,
	       "view: stored connections");
	is_int(json_int(j, "data_gaps"), 0, "view: no data gaps");
	ok(json_is_null(json_object_get(j, "lag_ns")),
	   "view: lag unknown for a trace is null");
	json_decref(j);
	http_response_fini(&r);

	ok(get("/api/v1/analyses", &r) == 0 && r.status == 200,
	   "list analyses: 200");
	j = http_response_json(&r);
	list = json_object_get(j, "analyses");
	is_int(json_array_size(list), 2, "list: two analyses");
	is_int(json_int(json_array_get(list, 1), "id"), live, "list: by id");
	json_decref(j);
	http_response_fini(&r);

	ret = get("/api/v1/analyses/424242", &r);
	http_client_expect_error(ret, &r, 404, "not_found", "unknown analysis");
	ret = get("/api/v1/analyses/1?verbose=1", &r);
	http_client_expect_error(ret, &r, 400, "unknown_parameter",
				 "view with a query");
}

/* Reads every page of TARGET_BASE by cursor; returns the ids seen. */
static int page_through(const char *base, const char *key, int64_t *count,
			int64_t *pages)
{
	char target[256];
	int64_t after = 0, expected = 1;
	bool in_order = true;

	*count = 0;
	*pages = 0;
	for (;;) {
		struct http_response r;
		json_t *j, *items, *next;
		size_t i;

		snprintf(target, sizeof(target), "%s%safter=%lld", base,
			 strchr(base, '?') ? "&" : "?", (long long)after);
		if (get(target, &r) || r.status != 200) {
			diag("paging failed: %s -> %d", target, r.status);
			http_response_fini(&r);
			return -1;
		}
		j = http_response_json(&r);
		items = json_object_get(j, key);
		for (i = 0; i < json_array_size(items); i++) {
			int64_t id = json_int(json_array_get(items, i), "id");

			in_order &= id == expected++;
		}
		*count += (int64_t)json_array_size(items);
		(*pages)++;
		next = json_object_get(j, "next");
		if (json_is_null(next)) {
			json_decref(j);
			http_response_fini(&r);
			break;
		}
		after = json_integer_value(next);
		json_decref(j);
		http_response_fini(&r);
		if (*pages > 100) {
			return -1;
		}
	}
	return in_order ? 0 : -1;
}

/* How many items /RESOURCE answers for QUERY (one page of 1000). */
static int64_t count_resource(int64_t id, const char *resource,
			      const char *query)
{
	char target[256];
	struct http_response r;
	json_t *j;
	int64_t n = -1;

	snprintf(target, sizeof(target),
		 "/api/v1/analyses/%lld/%s?limit=1000%s", (long long)id,
		 resource, query);
	if (get(target, &r) == 0 && r.status == 200) {
		j = http_response_json(&r);
		n = (int64_t)json_array_size(json_object_get(j, resource));
		json_decref(j);
	}
	http_response_fini(&r);
	return n;
}

static int64_t count_items(int64_t id, const char *query)
{
	return count_resource(id, "requests", query);
}

static void test_requests(int64_t id)
{
	char base[128], target[256];
	struct http_response r;
	int64_t count, pages;
	json_t *j, *item;
	int ret;

	snprintf(base, sizeof(base), "/api/v1/analyses/%lld/requests",
		 (long long)id);
	ok(page_through(base, "requests", &count, &pages) == 0,
	   "paging: ids in order, no repeat");
	is_int(count, REQUESTS, "paging: every request once");
	is_int(pages, 3, "paging: 100 per page by default");
	snprintf(target, sizeof(target), "%s?limit=7", base);
	ok(page_through(target, "requests", &count, &pages) == 0 &&
		   count == REQUESTS && pages == 36,
	   "paging by 7: 36 pages");

	snprintf(target, sizeof(target), "%s?limit=2", base);
	ok(get(target, &r) == 0 && r.status == 200, "summary: 200");
	j = http_response_json(&r);
	item = json_array_get(json_object_get(j, "requests"), 0);
	is_int(json_int(item, "id"), 1, "summary: id");
	is_int(json_int(item, "pid"), 1001, "summary: pid");
	is_str(json_string_value(json_object_get(item, "procname")), "httpd",
	       "summary: procname");
	is_str(json_string_value(json_object_get(item, "peer")), "127.0.0.1",
	       "summary: peer");
	is_int(json_int(item, "port"), 40001, "summary: port");
	is_int(json_int(item, "start_ns"), 1000001000, "summary: start_ns");
	is_int(json_int(item, "duration_ns"), 100, "summary: duration_ns");
	is_str(json_string_value(json_object_get(item, "end_reason")), "close",
	       "summary: end_reason");
	ok(json_is_false(json_object_get(item, "incomplete")),
	   "summary: incomplete");
	ok(!json_object_get(item, "calls"), "summary: no calls");
	is_int(json_int(j, "next"), 2, "summary: next is the last id");
	json_decref(j);
	http_response_fini(&r);

	is_int(count_items(id, "&process=nginx"), REQUESTS / 3,
	       "filter: process");
	is_int(count_items(id, "&end_reason=empty"), REQUESTS / 10 - 1,
	       "filter: end_reason (the last one is open)");
	is_int(count_items(id, "&end_reason=open"), 1, "filter: open");
	is_int(count_items(id, "&min_duration=20000"), REQUESTS - 199 - 1,
	       "filter: min_duration (open requests have none)");
	is_int(count_items(id, "&from=1000010000&to=1000020000"), 10,
	       "filter: from and to");
	is_int(count_items(id, "&process=%ff%fe"), 0,
	       "filter: an undecodable process matches nothing");

	snprintf(target, sizeof(target), "%s?limit=3&full=1&after=4", base);
	ok(get(target, &r) == 0 && r.status == 200, "full: 200");
	j = http_response_json(&r);
	item = json_array_get(json_object_get(j, "requests"), 0);
	is_int(json_int(item, "id"), 5, "full: after=4 starts at 5");
	ok(json_object_get(item, "calls") != NULL &&
		   json_object_get(item, "host") != NULL,
	   "full: whole records");
	json_decref(j);
	http_response_fini(&r);

	snprintf(target, sizeof(target), "%s?limit=1001", base);
	ret = get(target, &r);
	http_client_expect_error(ret, &r, 400, "invalid_parameter",
				 "limit over 1000");
	snprintf(target, sizeof(target), "%s?limit=0", base);
	ret = get(target, &r);
	http_client_expect_error(ret, &r, 400, "invalid_parameter", "limit 0");
	snprintf(target, sizeof(target), "%s?limit=ten", base);
	ret = get(target, &r);
	http_client_expect_error(ret, &r, 400, "invalid_parameter",
				 "limit not a number");
	snprintf(target, sizeof(target), "%s?from=12abc", base);
	ret = get(target, &r);
	http_client_expect_error(ret, &r, 400, "invalid_parameter",
				 "from not a number");
	snprintf(target, sizeof(target), "%s?min_duration=-5", base);
	ret = get(target, &r);
	http_client_expect_error(ret, &r, 400, "invalid_parameter",
				 "negative duration");
	snprintf(target, sizeof(target), "%s?after=", base);
	ret = get(target, &r);
	http_client_expect_error(ret, &r, 400, "invalid_parameter",
				 "empty after");
	snprintf(target, sizeof(target), "%s?end_reason=timeout", base);
	ret = get(target, &r);
	http_client_expect_error(ret, &r, 400, "invalid_parameter",
				 "bad end_reason");
	snprintf(target, sizeof(target), "%s?full=maybe", base);
	ret = get(target, &r);
	http_client_expect_error(ret, &r, 400, "invalid_parameter", "bad full");
	snprintf(target, sizeof(target), "%s?limit=1&limit=2", base);
	ret = get(target, &r);
	http_client_expect_error(ret, &r, 400, "invalid_parameter",
				 "limit twice");
	snprintf(target, sizeof(target), "%s?proces=httpd", base);
	ret = get(target, &r);
	http_client_expect_error(ret, &r, 400, "unknown_parameter",
				 "misspelt filter");
	snprintf(target, sizeof(target),
		 "%s?a=1&b=1&c=1&d=1&e=1&f=1&g=1&h=1&i=1&j=1&k=1&l=1&m=1&n=1"
		 "&o=1&p=1&q=1",
		 base);
	ret = get(target, &r);
	http_client_expect_error(ret, &r, 400, "invalid_parameter",
				 "17 parameters");
	ret = get("/api/v1/analyses/424242/requests", &r);
	http_client_expect_error(ret, &r, 404, "not_found",
				 "requests of no analysis");
}

static void test_one_request(int64_t id)
{
	struct lta_strbuf expected = { 0 };
	struct lta_request req;
	struct http_response r;
	char target[128];
	int ret;

	make_request(&req, 42);
	lta_request_format_json(&req, HOST, &expected);
	snprintf(target, sizeof(target), "/api/v1/analyses/%lld/requests/42",
		 (long long)id);
	ok(get(target, &r) == 0 && r.status == 200, "one request: 200");
	is_str(r.body, lta_strbuf_cstr(&expected),
	       "one request: the stored record, byte for byte");
	http_response_fini(&r);
	lta_strbuf_fini(&expected);

	snprintf(target, sizeof(target), "/api/v1/analyses/%lld/requests/999",
		 (long long)id);
	ret = get(target, &r);
	http_client_expect_error(ret, &r, 404, "not_found", "unknown request");
	ret = get("/api/v1/analyses/424242/requests/1", &r);
	http_client_expect_error(ret, &r, 404, "not_found",
				 "request of no analysis");
}

static void test_export(int64_t id)
{
	struct http_response r;
	char target[128];
	int64_t lines = 0, expected = 1;
	bool valid = true;
	char *line, *save = NULL;
	int ret;

	snprintf(target, sizeof(target), "/api/v1/analyses/%lld/requests.jsonl",
		 (long long)id);
	ok(get(target, &r) == 0 && r.status == 200, "export: 200");
	is_str(http_response_header(&r, "Content-Type"), "application/x-ndjson",
	       "export: NDJSON");
	ok(r.chunked, "export: streamed (chunked)");
	ok(r.body_len > 0 && r.body[r.body_len - 1] == '\n',
	   "export: ends with a newline");
	for (line = strtok_r(r.body, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		json_t *j = json_loads(line, 0, NULL);

		valid &= json_is_object(j) && json_int(j, "id") == expected++;
		json_decref(j);
		lines++;
	}
	is_int(lines, REQUESTS, "export: every request, past many pages");
	ok(valid, "export: one JSON record per line, by id");
	http_response_fini(&r);

	snprintf(target, sizeof(target),
		 "/api/v1/analyses/%lld/requests.jsonl?process=nginx&after=200",
		 (long long)id);
	ok(get(target, &r) == 0 && r.status == 200, "filtered export: 200");
	lines = 0;
	for (line = strtok_r(r.body, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		lines++;
	}
	is_int(lines, 17, "filtered export: nginx after 200");
	http_response_fini(&r);

	snprintf(target, sizeof(target),
		 "/api/v1/analyses/%lld/requests.jsonl?limit=5", (long long)id);
	ret = get(target, &r);
	http_client_expect_error(ret, &r, 400, "unknown_parameter",
				 "export with limit");
	ret = get("/api/v1/analyses/424242/requests.jsonl", &r);
	http_client_expect_error(ret, &r, 404, "not_found",
				 "export of no analysis");
}

static void test_connections(int64_t id)
{
	static const char *const fields[] = {
		"id",
		"trace",
		"host",
		"pid",
		"procname",
		"fd",
		"family",
		"peer",
		"port",
		"accept_entry_ns",
		"start_ns",
		"end_ns",
		"shutdown_ns",
		"close_ns",
		"end_reason",
		"incomplete",
		"peer_closed",
		"requests",
		"first_request",
		"idle_ns",
		"bytes_read",
		"bytes_written",
	};
	char base[128], target[256];
	struct http_response r;
	int64_t count, pages;
	json_t *j, *item, *ids;
	bool names_ok;
	size_t i;
	int ret;

	snprintf(base, sizeof(base), "/api/v1/analyses/%lld/connections",
		 (long long)id);
	ok(page_through(base, "connections", &count, &pages) == 0,
	   "connections: ids in order, no repeat");
	is_int(count, CONNECTIONS, "connections: every one once");
	is_int(pages, 2, "connections: 100 per page by default");
	snprintf(target, sizeof(target), "%s?limit=9", base);
	ok(page_through(target, "connections", &count, &pages) == 0 &&
		   count == CONNECTIONS && pages == 14,
	   "connections by 9: 14 pages");

	snprintf(target, sizeof(target), "%s?limit=1&after=4", base);
	ok(get(target, &r) == 0 && r.status == 200, "connection item: 200");
	j = http_response_json(&r);
	item = json_array_get(json_object_get(j, "connections"), 0);
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		ok(json_object_get(item, fields[i]) != NULL,
		   "connection has %s", fields[i]);
	}
	is_int(json_object_size(item), sizeof(fields) / sizeof(fields[0]),
	       "connection has no other field");
	is_int(json_int(item, "id"), 5, "connection: after=4 starts at 5");
	is_int(json_int(item, "pid"), 1002, "connection: pid");
	is_str(json_string_value(json_object_get(item, "host")), HOST,
	       "connection: host of its trace");
	ok(json_is_null(json_object_get(item, "peer")) &&
		   json_is_null(json_object_get(item, "port")) &&
		   json_is_null(json_object_get(item, "family")),
	   "connection: unknown peer, port and family are null");
	is_int(json_int(item, "start_ns"), 1000010000, "connection: start_ns");
	is_int(json_int(item, "accept_entry_ns"), 1000009995,
	       "connection: accept_entry_ns");
	ok(json_is_null(json_object_get(item, "shutdown_ns")),
	   "connection: no shutdown is null");
	is_int(json_int(item, "close_ns"), 1000011500, "connection: close_ns");
	is_str(json_string_value(json_object_get(item, "end_reason")), "close",
	       "connection: end_reason");
	is_int(json_int(item, "requests"), 2, "connection: requests");
	is_int(json_int(item, "first_request"), 9, "connection: first_request");
	is_int(json_int(item, "bytes_written"), 5000,
	       "connection: bytes_written");
	is_int(json_int(j, "next"), 5, "connection page: next");
	json_decref(j);
	http_response_fini(&r);

	is_int(count_resource(id, "connections", "&process=nginx"),
	       CONNECTIONS / 3, "connections filter: process");
	is_int(count_resource(id, "connections", "&pid=1001"), 42,
	       "connections filter: pid");
	is_int(count_resource(id, "connections", "&end_reason=open"), 1,
	       "connections filter: end_reason");
	is_int(count_resource(id, "connections",
			      "&from=1000020000&to=1000040000"),
	       10, "connections filter: from and to");
	is_int(count_resource(id, "connections",
			      "&pid=1000&process=nginx&from=1000100000"),
	       CONNECTIONS / 3 - 16, "connections filter: combined");

	snprintf(target, sizeof(target), "%s/2", base);
	ok(get(target, &r) == 0 && r.status == 200, "one connection: 200");
	j = http_response_json(&r);
	is_int(json_int(j, "id"), 2, "one connection: id");
	ok(json_is_null(json_object_get(j, "accept_entry_ns")),
	   "one connection: an accept entry not seen is null");
	ids = json_object_get(j, "request_ids");
	ok(json_array_size(ids) == 2 &&
		   json_integer_value(json_array_get(ids, 0)) == 3 &&
		   json_integer_value(json_array_get(ids, 1)) == 4,
	   "one connection: its requests 3 and 4 in position order");
	json_decref(j);
	http_response_fini(&r);
	snprintf(target, sizeof(target), "%s/%d", base, CONNECTIONS);
	ok(get(target, &r) == 0 && r.status == 200, "open connection: 200");
	j = http_response_json(&r);
	ok(json_is_null(json_object_get(j, "end_ns")) &&
		   json_is_null(json_object_get(j, "close_ns")),
	   "open connection: no end, no close");
	json_decref(j);
	http_response_fini(&r);

	snprintf(target, sizeof(target),
		 "/api/v1/analyses/%lld/requests?connection=2", (long long)id);
	ok(get(target, &r) == 0 && r.status == 200, "requests?connection=2");
	j = http_response_json(&r);
	item = json_array_get(json_object_get(j, "requests"), 0);
	ok(json_array_size(json_object_get(j, "requests")) == 2 &&
		   json_int(item, "id") == 3,
	   "requests of connection 2: 3 and 4");
	item = json_object_get(item, "connection");
	ok(json_int(item, "id") == 2 && json_int(item, "position") == 1,
	   "a request summary names its connection and position");
	json_decref(j);
	http_response_fini(&r);
	is_int(count_items(id, "&connection=2&after=3"), 1,
	       "requests of a connection page by cursor");
	is_int(count_items(id, "&end_reason=keepalive"), REQUESTS / 4,
	       "filter: end_reason keepalive");

	snprintf(target, sizeof(target), "%s/%d", base, CONNECTIONS + 1);
	ret = get(target, &r);
	http_client_expect_error(ret, &r, 404, "not_found",
				 "unknown connection");
	snprintf(target, sizeof(target), "%s/0", base);
	ret = get(target, &r);
	http_client_expect_error(ret, &r, 404, "not_found", "connection 0");
	snprintf(target, sizeof(target), "%s/2?full=1", base);
	ret = get(target, &r);
	http_client_expect_error(ret, &r, 400, "unknown_parameter",
				 "one connection with a query");
	snprintf(target, sizeof(target), "%s?end_reason=timeout", base);
	ret = get(target, &r);
	names_ok = ret == 0 && r.body != NULL;
	for (i = 0; names_ok && i < LTA_REQUEST_END_COUNT; i++) {
		names_ok = strstr(r.body, lta_request_end_name(i)) != NULL;
	}
	ok(names_ok, "the end_reason message lists every end reason");
	http_client_expect_error(ret, &r, 400, "invalid_parameter",
				 "connections: bad end_reason");
	snprintf(target, sizeof(target), "%s?pid=-1", base);
	ret = get(target, &r);
	http_client_expect_error(ret, &r, 400, "invalid_parameter",
				 "connections: negative pid");
	snprintf(target, sizeof(target), "%s?process=", base);
	ret = get(target, &r);
	http_client_expect_error(ret, &r, 400, "invalid_parameter",
				 "connections: empty process");
	snprintf(target, sizeof(target), "%s?limit=1001", base);
	ret = get(target, &r);
	http_client_expect_error(ret, &r, 400, "invalid_parameter",
				 "connections: limit over 1000");
	snprintf(target, sizeof(target), "%s?min_duration=5", base);
	ret = get(target, &r);
	http_client_expect_error(ret, &r, 400, "unknown_parameter",
				 "connections: a requests filter");
	snprintf(target, sizeof(target),
		 "/api/v1/analyses/%lld/requests?connection=0", (long long)id);
	ret = get(target, &r);
	http_client_expect_error(ret, &r, 400, "invalid_parameter",
				 "requests: connection 0");
	ret = get("/api/v1/analyses/424242/connections", &r);
	http_client_expect_error(ret, &r, 404, "not_found",
				 "connections of no analysis");
	ret = get("/api/v1/analyses/424242/connections/1", &r);
	http_client_expect_error(ret, &r, 404, "not_found",
				 "connection of no analysis");
}

static void test_stats(int64_t id)
{
	static const char *const percentiles[] = {
		"50", "75", "90", "99", "99.9", "99.99", "99.999", "100",
	};
	struct http_response r;
	char target[128];
	json_t *j, *counts, *latency, *p;
	size_t i;
	int ret;

	snprintf(target, sizeof(target), "/api/v1/analyses/%lld/stats",
		 (long long)id);
	ok(get(target, &r) == 0 && r.status == 200, "stats: 200");
	j = http_response_json(&r);
	counts = json_object_get(j, "counts");
	is_int(json_int(counts, "requests"), REQUESTS, "stats: requests");
	is_int(json_int(counts, "empty"), REQUESTS / 10 - 1, "stats: empty");
	is_int(json_int(counts, "open"), 1, "stats: open");
	is_int(json_int(counts, "incomplete"), REQUESTS / 50,
	       "stats: incomplete");
	is_int(json_int(counts, "connections"), CONNECTIONS,
	       "stats: connections");
	is_int(json_int(counts, "keepalive"), REQUESTS / 4, "stats: keepalive");
	latency = json_object_get(j, "latency");
	is_int(json_int(latency, "count"), json_int(counts, "complete"),
	       "stats: latency of complete requests");
	is_int(json_int(latency, "max"), 24900, "stats: max latency");
	ok(strstr(json_string_value(json_object_get(latency, "description")),
		  "accept") != NULL,
	   "stats: latency says what it measures");
	p = json_object_get(latency, "percentiles");
	for (i = 0; i < sizeof(percentiles) / sizeof(percentiles[0]); i++) {
		ok(json_is_integer(json_object_get(p, percentiles[i])),
		   "stats: percentile %s", percentiles[i]);
	}
	is_int(json_int(p, "100"), 24900, "stats: p100 is the max");
	is_str(json_string_value(json_object_get(
		       json_array_get(json_object_get(j, "syscalls"), 0),
		       "name")),
	       "read", "stats: syscalls by count");
	ok(json_is_integer(json_object_get(j, "discarded_packets")),
	   "stats: discarded_packets");
	json_decref(j);
	http_response_fini(&r);
	ret = get("/api/v1/analyses/424242/stats", &r);
	http_client_expect_error(ret, &r, 404, "not_found",
				 "stats of no analysis");
}

static void test_metrics(int64_t id)
{
	struct http_response r;
	char sample[128];

	ok(get("/metrics", &r) == 0 && r.status == 200, "metrics: 200");
	is_str(http_response_header(&r, "Content-Type"),
	       "text/plain; version=0.0.4; charset=utf-8",
	       "metrics: Prometheus text 0.0.4");
	ok(strstr(r.body, "# TYPE lttng_analyzerd_analyses_running gauge\n") &&
		   strstr(r.body, "\nlttng_analyzerd_analyses_running 2\n"),
	   "metrics: analyses running");
	snprintf(sample, sizeof(sample),
		 "\nlttng_analyzerd_analysis_requests_total{analysis=\"%lld\"}"
		 " %d\n",
		 (long long)id, REQUESTS);
	ok(strstr(r.body, sample) != NULL, "metrics: requests per analysis");
	snprintf(sample, sizeof(sample),
		 "\nlttng_analyzerd_analysis_connections_total{analysis="
		 "\"%lld\"} %d\n",
		 (long long)id, CONNECTIONS);
	ok(strstr(r.body, sample) != NULL, "metrics: connections per analysis");
	ok(strstr(r.body, "# TYPE lttng_analyzerd_analysis_data_gaps_total "
			  "counter\n") != NULL,
	   "metrics: data gaps");
	ok(strstr(r.body, "# HELP lttng_analyzerd_analysis_events_total ") &&
		   strstr(r.body, "# TYPE lttng_analyzerd_analysis_events_"
				  "total counter\n"),
	   "metrics: HELP and TYPE");
	ok(strstr(r.body, "\nlttng_analyzerd_uptime_seconds ") != NULL,
	   "metrics: uptime");
	ok(strstr(r.body, "source=\"net://relay:5344/host/web1/s\\\"q\"") !=
		   NULL,
	   "metrics: label values escaped");
	ok(strstr(r.body, "\nprocess_start_time_seconds ") &&
		   strstr(r.body, "# TYPE process_start_time_seconds gauge\n"),
	   "metrics: process start time");
	ok(strstr(r.body, "\nlttng_analyzer_build_info{version=\"") != NULL,
	   "metrics: build info");
	ok(strstr(r.body, "status=") == NULL,
	   "metrics: no status label (it changes over time)");
	snprintf(sample, sizeof(sample),
		 "\nlttng_analyzerd_analysis_state{analysis=\"%lld\","
		 "state=\"ended\"} ",
		 (long long)id);
	ok(strstr(r.body, sample) != NULL, "metrics: a state series per state");
	http_response_fini(&r);
}

static void test_delete(int64_t id)
{
	struct http_response r;
	char target[128];
	json_t *j;
	int ret;

	snprintf(target, sizeof(target), "/api/v1/analyses/%lld",
		 (long long)id);
	ok(exchange("DELETE", target, AUTH, NULL, &r) == 0 && r.status == 200,
	   "delete: 200");
	j = http_response_json(&r);
	is_str(json_string_value(json_object_get(j, "status")), "stopped",
	       "delete: the view after stopping");
	ok(json_is_false(json_object_get(j, "running")), "delete: not running");
	json_decref(j);
	http_response_fini(&r);
	snprintf(target, sizeof(target), "/api/v1/analyses/%lld/stats",
		 (long long)id);
	ok(get(target, &r) == 0 && r.status == 200,
	   "delete: a stopped analysis's results stay readable");
	http_response_fini(&r);
	snprintf(target, sizeof(target), "analysis=\"%lld\"", (long long)id);
	ok(get("/metrics", &r) == 0 && r.status == 200 &&
		   strstr(r.body, target) != NULL,
	   "delete: a stopped analysis keeps its series in /metrics");
	http_response_fini(&r);
	snprintf(target, sizeof(target), "/api/v1/analyses/%lld",
		 (long long)id);
	ok(exchange("DELETE", target, AUTH, NULL, &r) == 0 && r.status == 200,
	   "delete twice: 200");
	j = http_response_json(&r);
	ok(json_is_true(json_object_get(j, "deleted")),
	   "delete twice: the analysis is deleted");
	json_decref(j);
	http_response_fini(&r);
	ret = exchange("DELETE", target, AUTH, NULL, &r);
	http_client_expect_error(ret, &r, 404, "not_found", "delete thrice");
	ret = exchange("DELETE", "/api/v1/analyses/424242", AUTH, NULL, &r);
	http_client_expect_error(ret, &r, 404, "not_found", "delete unknown");
	snprintf(target, sizeof(target), "/api/v1/analyses/%lld/stats",
		 (long long)id);
	ok(get(target, &r) == 0 && r.status == 404,
	   "delete: a deleted analysis's results are gone");
	http_response_fini(&r);
	snprintf(target, sizeof(target), "analysis=\"%lld\"", (long long)id);
	ok(get("/metrics", &r) == 0 && r.status == 200 &&
		   strstr(r.body, target) == NULL,
	   "delete: its series leave /metrics");
	http_response_fini(&r);
}

/* --- timing failures ---------------------------------------------------- */

/* The errors stored for test_errors(): ids in raised order. */
static const struct {
	const char *type, *kind, *origin;
	int32_t pid;
	const char *entity, *name;
} stored_errors[] = {
	{ "InE", "interaction", "derived", 100, "httpd", "socket:read" },
	{ "CoE", "service", "rbl", 100, "shop", "checkout" },
	{ "InE", "interaction", "rbl", 200, "shop", "db" },
	{ "crash", "service", "derived", 200, "httpd", "request" },
	{ "InE", "interaction", "derived", 100, "httpd", "socket:read" },
	{ "CoE", "service", "derived", 300, "httpd", "request" },
	{ "InE", "interaction", "rbl", 300, "shop", "db \"main\"" },
};

#define STORED_ERRORS (sizeof(stored_errors) / sizeof(stored_errors[0]))

/* Error ID (1-based) of stored_errors, with LATE_END_NS (or -1). */
static void make_error(struct lta_store_error *e, int64_t id,
		       int64_t late_end_ns)
{
	size_t i = (size_t)id - 1;
	bool crash = strcmp(stored_errors[i].type, "crash") == 0;

	memset(e, 0, sizeof(*e));
	e->id = id;
	e->type = stored_errors[i].type;
	e->kind = stored_errors[i].kind;
	e->origin = stored_errors[i].origin;
	e->host = HOST;
	e->pid = stored_errors[i].pid;
	e->tid = stored_errors[i].pid + (int32_t)id;
	e->entity = stored_errors[i].entity;
	e->name = stored_errors[i].name;
	e->key = 500 + (uint64_t)id;
	e->raised_ns = id * 1000;
	e->start_ns = e->raised_ns - 50;
	e->timeout_ns = crash ? -1 : 50;
	e->open_count = crash ? 2 : 0;
	e->late_end_ns = late_end_ns;
}

/* Stores errors FIRST to LAST of stored_errors (LATE: with a late end). */
static int store_errors(struct lta_store *store, int64_t analysis,
			int64_t first, int64_t last, int64_t late_end_ns)
{
	struct lta_store_writer *w = lta_store_writer_open(store, analysis);
	struct lta_store_error e;
	int64_t id;
	int ret = 0;

	if (!w) {
		return -1;
	}
	for (id = first; id <= last && !ret; id++) {
		make_error(&e, id, late_end_ns);
		ret = lta_store_writer_add_error(w, &e);
	}
	if (!ret) {
		ret = lta_store_writer_commit(w, 0);
	}
	lta_store_writer_close(w);
	return ret;
}

/*
 * The ids /errors answers for QUERY, comma-separated, then ";next=" and
 * the cursor (or "null"): one string to compare. "" when it failed.
 */
static const char *error_ids(int64_t analysis, const char *query)
{
	static char ids[256];
	char target[256];
	struct http_response r;
	json_t *j, *items, *next;
	size_t i, len = 0;

	ids[0] = '\0';
	snprintf(target, sizeof(target), "/api/v1/analyses/%lld/errors%s",
		 (long long)analysis, query);
	if (get(target, &r) || r.status != 200) {
		diag("%s -> %d %s", target, r.status, r.body ? r.body : "");
		http_response_fini(&r);
		return ids;
	}
	j = http_response_json(&r);
	items = json_object_get(j, "errors");
	for (i = 0; i < json_array_size(items) && len < sizeof(ids) - 32; i++) {
		len += (size_t)snprintf(
			ids + len, sizeof(ids) - len, "%s%lld", i ? "," : "",
			(long long)json_int(json_array_get(items, i), "id"));
	}
	next = json_object_get(j, "next");
	if (json_is_integer(next)) {
		snprintf(ids + len, sizeof(ids) - len, ";next=%lld",
			 (long long)json_integer_value(next));
	} else {
		snprintf(ids + len, sizeof(ids) - len, ";next=%s",
			 json_is_null(next) ? "null" : "missing");
	}
	json_decref(j);
	http_response_fini(&r);
	return ids;
}

/* Checks the "errors" counts of GET .../stats. */
static void expect_error_counts(int64_t analysis, int64_t ine, int64_t coe,
				int64_t crash, int64_t late_ends,
				const char *what)
{
	struct http_response r;
	char target[128];
	json_t *j, *errors;

	snprintf(target, sizeof(target), "/api/v1/analyses/%lld/stats",
		 (long long)analysis);
	ok(get(target, &r) == 0 && r.status == 200, "%s: stats 200", what);
	j = http_response_json(&r);
	errors = json_object_get(j, "errors");
	is_int(json_object_size(errors), 4, "%s: four counts", what);
	is_int(json_int(errors, "InE"), ine, "%s: InE", what);
	is_int(json_int(errors, "CoE"), coe, "%s: CoE", what);
	is_int(json_int(errors, "crash"), crash, "%s: crash", what);
	is_int(json_int(errors, "late_ends"), late_ends, "%s: late_ends", what);
	json_decref(j);
	http_response_fini(&r);
}

static void test_error_items(int64_t analysis)
{
	static const char *const fields[] = {
		"id",
		"type",
		"kind",
		"origin",
		"host",
		"pid",
		"tid",
		"entity",
		"name",
		"key",
		"start_ns",
		"raised_ns",
		"timeout_ns",
		"late_end_ns",
		"expired",
		"open",
		"downstream_request",
	};
	struct http_response r;
	char target[128];
	json_t *j, *items, *e;
	size_t i;

	snprintf(target, sizeof(target), "/api/v1/analyses/%lld/errors",
		 (long long)analysis);
	ok(get(target, &r) == 0 && r.status == 200, "errors: 200");
	is_str(http_response_header(&r, "Content-Type"), "application/json",
	       "errors: JSON");
	j = http_response_json(&r);
	ok(j != NULL, "errors: the body parses");
	items = json_object_get(j, "errors");
	is_int(json_array_size(items), STORED_ERRORS, "errors: all of them");
	ok(json_is_null(json_object_get(j, "next")),
	   "errors: next is null on the last page");

	e = json_array_get(items, 0);
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		ok(json_object_get(e, fields[i]) != NULL, "error has %s",
		   fields[i]);
	}
	is_int(json_object_size(e), sizeof(fields) / sizeof(fields[0]),
	       "error has no other field");
	ok(json_is_null(json_object_get(e, "downstream_request")),
	   "error 1: no downstream request (not a derived InE on a paired "
	   "connection): null");
	is_int(json_int(e, "id"), 1, "error 1: id");
	is_str(json_string_value(json_object_get(e, "type")), "InE",
	       "error 1: type");
	is_str(json_string_value(json_object_get(e, "kind")), "interaction",
	       "error 1: kind");
	is_str(json_string_value(json_object_get(e, "origin")), "derived",
	       "error 1: origin");
	is_str(json_string_value(json_object_get(e, "host")), HOST,
	       "error 1: host");
	is_int(json_int(e, "pid"), 100, "error 1: pid");
	is_int(json_int(e, "tid"), 101, "error 1: tid");
	is_str(json_string_value(json_object_get(e, "entity")), "httpd",
	       "error 1: entity");
	is_str(json_string_value(json_object_get(e, "name")), "socket:read",
	       "error 1: name");
	is_int(json_int(e, "key"), 501, "error 1: key");
	is_int(json_int(e, "start_ns"), 950, "error 1: start_ns");
	is_int(json_int(e, "raised_ns"), 1000, "error 1: raised_ns");
	is_int(json_int(e, "timeout_ns"), 50, "error 1: timeout_ns");
	ok(json_is_null(json_object_get(e, "late_end_ns")),
	   "error 1: no late end is null");
	ok(json_is_false(json_object_get(e, "expired")), "error 1: expired");
	is_int(json_int(e, "open"), 0, "error 1: open");

	e = json_array_get(items, 3);
	is_str(json_string_value(json_object_get(e, "type")), "crash",
	       "error 4: a crash");
	ok(json_is_null(json_object_get(e, "timeout_ns")),
	   "error 4: a crash has no timeout (null)");
	is_int(json_int(e, "open"), 2, "error 4: starts open at the exit");

	e = json_array_get(items, 6);
	is_str(json_string_value(json_object_get(e, "name")), "db \"main\"",
	       "error 7: a quoted name survives");
	ok(strstr(r.body, "\"db \\\"main\\\"\"") != NULL,
	   "error 7: the quotes are escaped in the body");
	json_decref(j);
	http_response_fini(&r);
}

static void test_error_filters(int64_t analysis)
{
	is_str(error_ids(analysis, "?type=InE"), "1,3,5,7;next=null",
	       "errors: type=InE");
	is_str(error_ids(analysis, "?type=CoE"), "2,6;next=null",
	       "errors: type=CoE");
	is_str(error_ids(analysis, "?type=crash"), "4;next=null",
	       "errors: type=crash");
	is_str(error_ids(analysis, "?origin=rbl"), "2,3,7;next=null",
	       "errors: origin=rbl");
	is_str(error_ids(analysis, "?origin=derived"), "1,4,5,6;next=null",
	       "errors: origin=derived");
	is_str(error_ids(analysis, "?entity=shop"), "2,3,7;next=null",
	       "errors: entity");
	is_str(error_ids(analysis, "?name=socket:read"), "1,5;next=null",
	       "errors: name");
	is_str(error_ids(analysis, "?name=db%20%22main%22"), "7;next=null",
	       "errors: an encoded name with quotes");
	is_str(error_ids(analysis, "?name=db"), "3;next=null",
	       "errors: name matches exactly");
	is_str(error_ids(analysis, "?pid=200"), "3,4;next=null", "errors: pid");
	is_str(error_ids(analysis, "?from=3000&to=6000"), "3,4,5;next=null",
	       "errors: from (inclusive) and to (exclusive) on raised_ns");
	is_str(error_ids(analysis, "?from=7001"), ";next=null",
	       "errors: from past the last one");
	is_str(error_ids(analysis, "?type=InE&origin=derived&pid=100"),
	       "1,5;next=null", "errors: filters combine");
	is_str(error_ids(analysis, "?entity=nobody"), ";next=null",
	       "errors: no match is an empty page");
}

static void test_error_paging(int64_t analysis)
{
	is_str(error_ids(analysis, "?limit=3"), "1,2,3;next=3",
	       "errors paging: first page");
	is_str(error_ids(analysis, "?limit=3&after=3"), "4,5,6;next=6",
	       "errors paging: second page from next");
	is_str(error_ids(analysis, "?limit=3&after=6"), "7;next=null",
	       "errors paging: last page");
	is_str(error_ids(analysis, "?limit=7"), "1,2,3,4,5,6,7;next=null",
	       "errors paging: a page of exactly all has no next");
	is_str(error_ids(analysis, "?limit=6"), "1,2,3,4,5,6;next=6",
	       "errors paging: one fewer has a next");
	is_str(error_ids(analysis, "?type=InE&limit=2"), "1,3;next=3",
	       "errors paging: filtered first page");
	is_str(error_ids(analysis, "?type=InE&limit=2&after=3"),
	       "5,7;next=null", "errors paging: filtered last page");
	is_str(error_ids(analysis, "?after=7"), ";next=null",
	       "errors paging: after the last one");
}

static void test_error_refusals(int64_t analysis)
{
	static const struct {
		const char *query, *code;
	} cases[] = {
		{ "?type=bogus", "invalid_parameter" },
		{ "?type=ine", "invalid_parameter" },
		{ "?origin=kernel", "invalid_parameter" },
		{ "?pid=-1", "invalid_parameter" },
		{ "?pid=abc", "invalid_parameter" },
		{ "?entity=", "invalid_parameter" },
		{ "?from=12abc", "invalid_parameter" },
		{ "?limit=0", "invalid_parameter" },
		{ "?limit=1001", "invalid_parameter" },
		{ "?type=InE&type=CoE", "invalid_parameter" },
		{ "?colour=red", "unknown_parameter" },
		{ "?process=httpd", "unknown_parameter" },
	};
	struct http_response r;
	char target[256];
	size_t i;
	int ret;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(target, sizeof(target),
			 "/api/v1/analyses/%lld/errors%s", (long long)analysis,
			 cases[i].query);
		ret = get(target, &r);
		http_client_expect_error(ret, &r, 400, cases[i].code,
					 cases[i].query);
	}
	ret = get("/api/v1/analyses/424242/errors", &r);
	http_client_expect_error(ret, &r, 404, "not_found",
				 "errors of no analysis");
	snprintf(target, sizeof(target), "/api/v1/analyses/%lld/errors",
		 (long long)analysis);
	ret = exchange("POST", target, AUTH JSON, "{}", &r);
	is_str(http_response_header(&r, "Allow"), "GET, HEAD",
	       "POST errors: Allow");
	http_client_expect_error(ret, &r, 405, "method_not_allowed",
				 "POST errors");
}

/* The late_end_ns of error ID: -1 when null, -2 when unreadable. */
static int64_t late_end_of(int64_t analysis, int64_t id)
{
	struct http_response r;
	char target[128];
	json_t *j, *e, *late;
	int64_t late_end_ns = -2;

	snprintf(target, sizeof(target),
		 "/api/v1/analyses/%lld/errors?after=%lld&limit=1",
		 (long long)analysis, (long long)id - 1);
	if (get(target, &r) == 0 && r.status == 200) {
		j = http_response_json(&r);
		e = json_array_get(json_object_get(j, "errors"), 0);
		late = json_object_get(e, "late_end_ns");
		if (json_int(e, "id") == id && json_is_null(late)) {
			late_end_ns = -1;
		} else if (json_int(e, "id") == id && json_is_integer(late)) {
			late_end_ns = json_integer_value(late);
		}
		json_decref(j);
	}
	http_response_fini(&r);
	return late_end_ns;
}

static void test_errors(struct lta_store *store)
{
	int64_t analysis, other;

	analysis = start("{\"path\":\"/traces/errors\"}", "trace");
	other = start("{\"path\":\"/traces/no-errors\"}", "trace");
	expect_error_counts(analysis, 0, 0, 0, 0, "before any error");
	ok(store_errors(store, analysis, 1, STORED_ERRORS, -1) == 0,
	   "errors stored");
	test_error_items(analysis);
	test_error_filters(analysis);
	test_error_paging(analysis);
	test_error_refusals(analysis);
	is_str(error_ids(other, ""), ";next=null",
	       "errors: none of another analysis");
	expect_error_counts(other, 0, 0, 0, 0, "another analysis");
	expect_error_counts(analysis, 4, 2, 1, 0, "errors stored");

	/* A late end replaces the row: counted apart, not as a new error. */
	ok(store_errors(store, analysis, 3, 3, 3500) == 0, "a late end stored");
	expect_error_counts(analysis, 4, 2, 1, 1, "after a late end");
	is_str(error_ids(analysis, "?type=InE"), "1,3,5,7;next=null",
	       "late end: no new error");
	is_int(late_end_of(analysis, 3), 3500, "late end: error 3 has it");
	is_int(late_end_of(analysis, 5), -1, "late end: error 5 has none");
}

static void test_timeouts(void)
{
	static const char *const fields[] = {
		"kind",		"entity",     "name", "samples", "mean_ns",
		"deviation_ns", "timeout_ns", "open", "errors",	 "late_ends",
	};
	struct http_response r;
	char target[128];
	json_t *j, *list, *t;
	int64_t analysis, earlier;
	size_t i;
	int ret;

	analysis = start("{\"path\":\"/traces/timeouts\"}", "trace");
	snprintf(target, sizeof(target), "/api/v1/analyses/%lld/timeouts",
		 (long long)analysis);
	ok(get(target, &r) == 0 && r.status == 200, "timeouts: 200");
	is_str(http_response_header(&r, "Content-Type"), "application/json",
	       "timeouts: JSON");
	j = http_response_json(&r);
	ok(j != NULL, "timeouts: the body parses");
	is_int(json_object_size(j), 3, "timeouts: id, timeouts, available");
	is_int(json_int(j, "id"), analysis, "timeouts: id");
	ok(json_is_true(json_object_get(j, "available")),
	   "timeouts: available");
	list = json_object_get(j, "timeouts");
	is_int(json_array_size(list), 2, "timeouts: both estimates");
	t = json_array_get(list, 0);
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		ok(json_object_get(t, fields[i]) != NULL, "timeout has %s",
		   fields[i]);
	}
	is_int(json_object_size(t), sizeof(fields) / sizeof(fields[0]),
	       "timeout has no other field");
	is_str(json_string_value(json_object_get(t, "kind")), "interaction",
	       "timeout 1: kind");
	is_str(json_string_value(json_object_get(t, "entity")), "fake-server",
	       "timeout 1: entity");
	is_str(json_string_value(json_object_get(t, "name")), "backend",
	       "timeout 1: name");
	is_int(json_int(t, "samples"), 12, "timeout 1: samples");
	is_int(json_int(t, "mean_ns"), 1000000, "timeout 1: mean_ns");
	is_int(json_int(t, "deviation_ns"), 250000, "timeout 1: deviation_ns");
	is_int(json_int(t, "timeout_ns"), 50000000, "timeout 1: timeout_ns");
	is_int(json_int(t, "open"), 1, "timeout 1: open");
	is_int(json_int(t, "errors"), 0, "timeout 1: errors");
	t = json_array_get(list, 1);
	is_str(json_string_value(json_object_get(t, "kind")), "service",
	       "timeout 2: kind");
	is_str(json_string_value(json_object_get(t, "name")),
	       "request \"quoted\"", "timeout 2: a quoted name survives");
	is_int(json_int(t, "timeout_ns"), 15000000000LL,
	       "timeout 2: past 32 bits");
	is_int(json_int(t, "errors"), 1, "timeout 2: errors");
	is_int(json_int(t, "late_ends"), 1, "timeout 2: late_ends");
	ok(strstr(r.body, "\"request \\\"quoted\\\"\"") != NULL,
	   "timeouts: the quotes are escaped in the body");
	json_decref(j);
	http_response_fini(&r);

	snprintf(target, sizeof(target),
		 "/api/v1/analyses/%lld/timeouts?kind=service",
		 (long long)analysis);
	ret = get(target, &r);
	http_client_expect_error(ret, &r, 400, "unknown_parameter",
				 "timeouts: a query");
	ret = get("/api/v1/analyses/424242/timeouts", &r);
	http_client_expect_error(ret, &r, 404, "not_found",
				 "timeouts of no analysis");

	earlier = start("{\"path\":\"/traces/earlier-run\"}", "trace");
	snprintf(target, sizeof(target), "/api/v1/analyses/%lld/timeouts",
		 (long long)earlier);
	ok(get(target, &r) == 0 && r.status == 200,
	   "timeouts of an earlier run: 200");
	j = http_response_json(&r);
	is_int(json_int(j, "id"), earlier, "earlier run: id");
	ok(json_is_false(json_object_get(j, "available")),
	   "earlier run: not available");
	ok(json_is_array(json_object_get(j, "timeouts")) &&
		   json_array_size(json_object_get(j, "timeouts")) == 0,
	   "earlier run: an empty list");
	json_decref(j);
	http_response_fini(&r);
}

/*
 * Clients that connect and say nothing, or stop in the middle of their
 * headers or body, must not keep others from being served.
 */
static void test_silent_clients(void)
{
	int silent[12], i, partial, stalled;
	struct http_response r;
	int64_t t0;

	for (i = 0; i < 12; i++) {
		silent[i] = http_client_connect(port);
	}
	partial = http_client_connect(port);
	http_client_send_all(partial, "GET /api/v1/hea", 15);
	stalled = http_client_connect(port);
	http_client_send_all(
		stalled,
		"POST /api/v1/analyses HTTP/1.1\r\nHost: localhost\r\n" AUTH
			JSON "Content-Length: 100\r\n\r\n{\"pa",
		strlen("POST /api/v1/analyses HTTP/1.1\r\nHost: "
		       "localhost\r\n" AUTH JSON
		       "Content-Length: 100\r\n\r\n{\"pa"));
	t0 = http_client_mono_ms();
	ok(get("/api/v1/health", &r) == 0 && r.status == 200,
	   "silent clients: another is served");
	ok(http_client_mono_ms() - t0 < 2000,
	   "silent clients: at once (%lld ms)",
	   (long long)(http_client_mono_ms() - t0));
	http_response_fini(&r);
	for (i = 0; i < 12; i++) {
		if (silent[i] >= 0) {
			close(silent[i]);
		}
	}
	close(partial);
	close(stalled);
}

/*
 * A request with id ID of PROCNAME over [START, START + DUR), upstream UP,
 * whose exchanges X (N of them) link to other requests.
 */
static void path_request(struct lta_request *r, uint64_t id,
			 const char *procname, int64_t start, int64_t dur,
			 uint64_t up, struct lta_exchange *x, uint32_t n)
{
	memset(r, 0, sizeof(*r));
	r->id = id;
	r->pid = 100 + (int32_t)id;
	r->fd = 7;
	snprintf(r->procname, sizeof(r->procname), "%s", procname);
	snprintf(r->component, sizeof(r->component), "%s", procname);
	r->family = -1;
	r->port = -1;
	r->accept_entry = -1;
	r->start = start;
	r->end = start + dur;
	r->answered_ts = -1;
	r->shutdown_ts = -1;
	r->close_ts = r->end;
	r->end_reason = LTA_REQUEST_END_CLOSE;
	r->upstream = up;
	r->link = up ? LTA_LINK_PAIRED : LTA_LINK_NONE;
	r->exchanges = x;
	r->exchange_count = n;
}

static void exchange_to(struct lta_exchange *x, int64_t start, int64_t dur,
			uint64_t request)
{
	memset(x, 0, sizeof(*x));
	snprintf(x->component, sizeof(x->component), "db@127.0.0.1:3306");
	snprintf(x->peer, sizeof(x->peer), "127.0.0.1:3306");
	x->start = start;
	x->end = start + dur;
	x->link = LTA_LINK_PAIRED;
	x->request = request;
}

/* GET .../requests/{rid}/path: the tree across tiers, with times. */
static void test_path(struct lta_store *store)
{
	struct lta_exchange web[2], db[1];
	struct lta_request r;
	struct lta_store_writer *w;
	struct http_response resp;
	json_t *j, *root, *second, *leaf;
	char target[128];
	int64_t id = start("{\"path\":\"/traces/tiers\"}", "trace");
	int ret = 0;

	/* Web 1: 1000 ns; exchanges [100, 300) to 2, [250, 600) to 3. */
	exchange_to(&web[0], 100, 200, 2);
	exchange_to(&web[1], 250, 350, 3);
	/* Database 3 asks a third tier, request 4, over [300, 400). */
	exchange_to(&db[0], 300, 100, 4);
	w = lta_store_writer_open(store, id);
	ok(w != NULL, "path: a writer");
	if (!w) {
		return;
	}
	path_request(&r, 1, "apache2", 0, 1000, 0, web, 2);
	ret |= lta_store_writer_add(w, &r, HOST);
	path_request(&r, 2, "mariadbd", 110, 150, 1, NULL, 0);
	ret |= lta_store_writer_add(w, &r, HOST);
	path_request(&r, 3, "mariadbd", 260, 300, 1, db, 1);
	ret |= lta_store_writer_add(w, &r, HOST);
	path_request(&r, 4, "cache", 310, 50, 3, NULL, 0);
	ret |= lta_store_writer_add(w, &r, HOST);
	ret |= lta_store_writer_commit(w, 0);
	lta_store_writer_close(w);
	is_int(ret, 0, "path: four requests on three tiers stored");

	snprintf(target, sizeof(target),
		 "/api/v1/analyses/%lld/requests/4/path", (long long)id);
	ok(get(target, &resp) == 0 && resp.status == 200, "path: 200");
	j = http_response_json(&resp);
	root = json_object_get(j, "root");
	second = json_object_get(
		json_array_get(json_object_get(root, "downstream"), 1),
		"request");
	leaf = json_object_get(
		json_array_get(json_object_get(second, "downstream"), 0),
		"request");
	is_int(json_int(root, "id"), 1,
	       "path: asked for the third tier's request, the tree starts "
	       "at the front tier's");
	is_int(json_int(second, "id"), 3, "its second exchange: request 3");
	is_int(json_int(leaf, "id"), 4, "whose exchange: request 4");
	ok(json_is_true(json_object_get(leaf, "asked")) &&
		   json_is_false(json_object_get(root, "asked")),
	   "path: the node asked for is marked");
	is_int(json_int(json_object_get(root, "time"), "downstream_ns"), 500,
	       "path: time in exchanges is their union (100..600)");
	is_int(json_int(json_object_get(root, "time"), "own_ns"), 500,
	       "path: the rest is the request's own");
	is_int(json_int(json_object_get(second, "time"), "own_ns"), 200,
	       "path: and so for each node (300 - 100 downstream)");
	ok(json_is_false(json_object_get(j, "truncated")),
	   "path: not truncated");
	json_decref(j);
	http_response_fini(&resp);

	snprintf(target, sizeof(target),
		 "/api/v1/analyses/%lld/requests/77/path", (long long)id);
	ret = get(target, &resp);
	http_client_expect_error(ret, &resp, 404, "not_found",
				 "path of an unknown request");
	snprintf(target, sizeof(target),
		 "/api/v1/analyses/%lld/requests/1/path?depth=3",
		 (long long)id);
	ret = get(target, &resp);
	http_client_expect_error(ret, &resp, 400, "unknown_parameter",
				 "path with a parameter");
}

/* A second server: no token, a 1 s timeout, a small body limit. */
static void test_second_server(struct lta_analyses *analyses,
			       struct lta_store *store)
{
	struct lta_http_config config = {
		.connection_timeout_s = 1,
		.request_timeout_s = 1,
		.max_body = 24,
		.threads = 1,
		.version = "2",
	};
	struct lta_http_context context = { .analyses = analyses,
					    .store = store,
					    .check_trace_path =
						    fake_path_check };
	char error[256], buf[16];
	struct lta_http *http;
	struct pollfd pfd;
	struct http_response r;
	uint16_t main_port = port;
	int64_t t0;
	int fd, ret;

	http = lta_http_start(&config, &context, error, sizeof(error));
	ok(http != NULL, "second server starts: %s", http ? "" : error);
	if (!http) {
		return;
	}
	port = lta_http_port(http);
	ok(port != 0 && port != main_port, "second server: its own port");
	ret = exchange("POST", "/api/v1/analyses", JSON,
		       "{\"path\":\"/traces/b\"}", &r);
	ok(ret == 0 && r.status == 201, "no token configured: POST accepted");
	http_response_fini(&r);
	ret = exchange("POST", "/api/v1/analyses", JSON,
		       "{\"path\":\"/traces/bbbbbbbb\"}", &r);
	http_client_expect_error(ret, &r, 413, "body_too_large", "max_body 24");

	fd = http_client_connect(port);
	t0 = http_client_mono_ms();
	pfd.fd = fd;
	pfd.events = POLLIN;
	ret = poll(&pfd, 1, 5000);
	ok(ret == 1 && recv(fd, buf, sizeof(buf), 0) == (ssize_t)sizeof(buf) &&
		   strncmp(buf, "HTTP/1.1 408 ", 13) == 0,
	   "a silent client is answered 408 after the request timeout");
	ok(http_client_mono_ms() - t0 < 4000,
	   "answered within about 1 s (%lld ms)",
	   (long long)(http_client_mono_ms() - t0));
	close(fd);

	config.port = port;
	ok(lta_http_start(&config, &context, error, sizeof(error)) == NULL,
	   "a busy port is refused");
	ok(strstr(error, "Cannot listen") != NULL, "with a message: %s", error);
	lta_http_stop(http);
	port = main_port;

	config.port = 0;
	config.address = "localhost";
	ok(lta_http_start(&config, &context, error, sizeof(error)) == NULL,
	   "a host name is refused (numeric addresses only)");
	config.address = "::1";
	http = lta_http_start(&config, &context, error, sizeof(error));
	ok(http != NULL, "IPv6 loopback: %s", http ? "listening" : error);
	lta_http_stop(http);
}

int main(void)
{
	char dir[] = "/tmp/test-http-XXXXXX", error[256], cmd[64];
	struct lta_http_config config = {
		.address = "127.0.0.1",
		.token = TOKEN,
		.version = "1.2.3-test",
	};
	struct lta_http_context context = { 0 };
	struct lta_analyses *analyses = NULL;
	struct lta_store *store = NULL;
	struct lta_http *http = NULL;
	struct timespec now;
	int64_t trace, live;

	plan_no_plan();
	signal(SIGPIPE, SIG_IGN);
	if (!mkdtemp(dir)) {
		skip_all("cannot create a temporary folder");
	}
	store = lta_store_open(dir, error, sizeof(error));
	analyses = store ? lta_analyses_create(store, NULL) : NULL;
	ok(analyses != NULL, "store and fake manager: %s",
	   analyses ? "ready" : error);
	if (!analyses) {
		goto end;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	context.analyses = analyses;
	context.store = store;
	context.check_trace_path = fake_path_check;
	context.started_ns =
		((int64_t)now.tv_sec - 5) * 1000000000LL + now.tv_nsec;
	http = lta_http_start(&config, &context, error, sizeof(error));
	ok(http != NULL, "server starts: %s", http ? "listening" : error);
	if (!http) {
		goto end;
	}
	port = lta_http_port(http);
	ok(port != 0, "port 0 picks a free port: %u", port);

	test_health();
	test_routes();
	test_token();
	test_post_errors();
	test_oversized_chunked();
	test_start_errors();
	trace = start("{\"path\":\"/traces/ok\"}", "trace");
	live = start("{\"url\":\"net://relay:5344/host/web1/s\\\"q\"}", "live");
	ok(store_requests(store, trace) == 0, "requests stored");
	test_views(trace, live);
	test_requests(trace);
	test_one_request(trace);
	test_connections(trace);
	test_export(trace);
	test_stats(trace);
	test_metrics(trace);
	test_silent_clients();
	test_delete(trace);
	test_errors(store);
	test_path(store);
	test_timeouts();
	test_second_server(analyses, store);
end:
	lta_http_stop(http);
	lta_analyses_destroy(analyses);
	lta_store_close(store);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0) {
		diag("cannot remove %s", dir);
	}
	return exit_status();
}
