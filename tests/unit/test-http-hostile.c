/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The HTTP server against hostile clients, over real sockets, with the
 * fake analysis manager (tests/utils/fake-analyses.c) and a real store:
 * protocol errors answered by the front in JSON (400, 411, 413, 414, 431,
 * 505), Host and Origin checks against pages of other sites, the request
 * path without a socket (lta_http_serve()), trace paths checked at once,
 * and a server with small limits: silent clients, slow heads and slow
 * bodies closed oldest first and by the request deadline while /health
 * is answered. tests/integration/test-http-hostile.sh does the same at
 * scale against the daemon.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1 /* strcasestr() */
#endif
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "analysis.h"
#include "decode/trace-path.h"
#include "http-client.h"
#include "http-internal.h"
#include "http.h"
#include "store/store.h"
#include "tap.h"

#define TOKEN "s3cret-token"
#define AUTH "Authorization: Bearer " TOKEN "\r\n"
#define JSON "Content-Type: application/json\r\n"

static uint16_t port;

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

static int exchange(const char *method, const char *target,
		    const char *extra_headers, const char *body,
		    struct http_response *r)
{
	return http_client_exchange(port, method, target, extra_headers, body,
				    r);
}

static int get(const char *target, struct http_response *r)
{
	return exchange("GET", target, NULL, NULL, r);
}

/* Protocol errors are answered by the front, in the API's JSON. */
static void test_protocol_errors(void)
{
	static const char *const garbage[] = {
		"\x16\x03\x01\x02\x01\x01\xfc\x03\x03\r\n\r\n",
		"GET\r\n\r\n",
		"GET /api/v1/health\r\n\r\n",
		"GET  /api/v1/health HTTP/1.1\r\nHost: localhost\r\n\r\n",
		"GET api/v1/health HTTP/1.1\r\nHost: localhost\r\n\r\n",
		"GET /api/v1/health HTTP/1.1 \r\nHost: localhost\r\n\r\n",
		"GET /api/v1/health HTTP/x.1\r\nHost: localhost\r\n\r\n",
		"GET /api/v1/health HTTP/1.1\r\n\r\n",
		"GET /api/v1/health HTTP/1.1\r\nHost: localhost\r\nHost: "
		"y\r\n\r\n",
		"GET /api/v1/health HTTP/1.1\r\nHost: localhost\r\n "
		"folded\r\n\r\n",
		"GET /api/v1/health HTTP/1.1\r\nHost: localhost\r\nNo "
		"colon\r\n\r\n",
		"GET /api/v1/health HTTP/1.1\r\nHost: localhost\r\nBad name: "
		"v\r\n\r\n",
		"GET /api/v1/health HTTP/1.1\r\nHost: localhost\r\n: v\r\n\r\n",
		"GET /api/v1/health HTTP/1.1\r\nHost: localhost\r\nA: "
		"\x01\r\n\r\n",
		"GET /api/v1/health HTTP/1.1\r\nHost: localhost\rY: z\r\n\r\n",
		"POST /api/v1/analyses HTTP/1.1\r\nHost: localhost\r\n"
		"Content-Length: 1x\r\n\r\n",
		"POST /api/v1/analyses HTTP/1.1\r\nHost: localhost\r\n"
		"Content-Length: 2\r\nContent-Length: 3\r\n\r\nab",
		"POST /api/v1/analyses HTTP/1.1\r\nHost: localhost\r\n"
		"Content-Length: -1\r\n\r\n",
	};
	struct lta_strbuf raw = { 0 };
	struct http_response r;
	char what[64];
	size_t i;
	int ret;

	for (i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++) {
		snprintf(what, sizeof(what), "malformed request %zu", i);
		ret = http_client_exchange_raw(port, garbage[i],
					       strlen(garbage[i]), &r);
		ok(r.head &&
			   strcasestr(r.head, "Content-Type: application/json"),
		   "%s: JSON", what);
		http_client_expect_error(ret, &r, 400, "bad_request", what);
	}

	lta_strbuf_puts(&raw, "GET /api/v1/health?x=");
	for (i = 0; i < 9000; i++) {
		lta_strbuf_putc(&raw, 'a');
	}
	lta_strbuf_puts(&raw, " HTTP/1.1\r\nHost: localhost\r\n\r\n");
	ret = http_client_exchange_raw(port, raw.data, raw.len, &r);
	http_client_expect_error(ret, &r, 414, "uri_too_long", "9 KB target");
	lta_strbuf_fini(&raw);

	memset(&raw, 0, sizeof(raw));
	lta_strbuf_puts(&raw,
			"GET /api/v1/health HTTP/1.1\r\nHost: localhost\r\n"
			"X-Big: ");
	for (i = 0; i < 20000; i++) {
		lta_strbuf_putc(&raw, 'b');
	}
	lta_strbuf_puts(&raw, "\r\n\r\n");
	ret = http_client_exchange_raw(port, raw.data, raw.len, &r);
	http_client_expect_error(ret, &r, 431, "header_fields_too_large",
				 "20 KB header");
	lta_strbuf_fini(&raw);

	memset(&raw, 0, sizeof(raw));
	lta_strbuf_puts(&raw,
			"GET /api/v1/health HTTP/1.1\r\nHost: localhost\r\n");
	for (i = 0; i < 150; i++) {
		lta_strbuf_printf(&raw, "X-H%zu: v\r\n", i);
	}
	lta_strbuf_puts(&raw, "\r\n");
	ret = http_client_exchange_raw(port, raw.data, raw.len, &r);
	http_client_expect_error(ret, &r, 431, "header_fields_too_large",
				 "150 headers");
	lta_strbuf_fini(&raw);

	ret = http_client_exchange_raw(
		port, "GET /api/v1/health HTTP/2.0\r\nHost: localhost\r\n\r\n",
		strlen("GET /api/v1/health HTTP/2.0\r\nHost: "
		       "localhost\r\n\r\n"),
		&r);
	http_client_expect_error(ret, &r, 505, "http_version_not_supported",
				 "HTTP/2.0");
	ret = http_client_exchange_raw(
		port, "GET /api/v1/health HTTP/0.9\r\nHost: localhost\r\n\r\n",
		strlen("GET /api/v1/health HTTP/0.9\r\nHost: "
		       "localhost\r\n\r\n"),
		&r);
	http_client_expect_error(ret, &r, 505, "http_version_not_supported",
				 "HTTP/0.9");
	ret = exchange("POST", "/api/v1/analyses",
		       AUTH JSON "Content-Length: 100000000\r\n", NULL, &r);
	http_client_expect_error(ret, &r, 413, "body_too_large",
				 "a Content-Length above the limit");
	ret = http_client_exchange_raw(
		port, "GET /api/v1/health HTTP/1.0\r\n\r\n",
		strlen("GET /api/v1/health HTTP/1.0\r\n\r\n"), &r);
	ok(ret == 0 && r.status == 200, "HTTP/1.0 without Host: served");
	http_response_fini(&r);
	ret = http_client_exchange_raw(
		port,
		"\r\nGET /api/v1/health HTTP/1.1\r\nHost: localhost\r\n\r\n",
		strlen("\r\nGET /api/v1/health HTTP/1.1\r\nHost: "
		       "localhost\r\n\r\n"),
		&r);
	ok(ret == 0 && r.status == 200, "a leading empty line: served (%d)",
	   r.status);
	http_response_fini(&r);
	ret = http_client_exchange_raw(
		port, "GET /api/v1/health HTTP/1.1\nHost: localhost\n\n",
		strlen("GET /api/v1/health HTTP/1.1\nHost: localhost\n\n"), &r);
	ok(ret == 0 && r.status == 200, "bare LF: served (%d)", r.status);
	http_response_fini(&r);
}

/* What protects the API from pages of other sites. */
static void test_browser_protection(void)
{
	static const char *const good_hosts[] = {
		"127.0.0.1", "127.0.0.1:8780", "localhost", "LOCALHOST:1",
		"[::1]",     "[::1]:8780",     "10.1.2.3",  "web.example:80",
	};
	static const char *const bad_hosts[] = {
		"evil.example",
		"evil.example:8780",
		"localhost.evil.example",
		"127.0.0.1:x",
		"[::1",
		"127.0.0.1.nip.io",
		"",
		"web.example:",
	};
	struct lta_strbuf raw = { 0 };
	struct http_response r;
	char what[128];
	size_t i;
	int ret;

	for (i = 0; i < sizeof(good_hosts) / sizeof(good_hosts[0]); i++) {
		lta_strbuf_clear(&raw);
		lta_strbuf_printf(&raw,
				  "GET /api/v1/health HTTP/1.1\r\nHost: %s\r\n"
				  "\r\n",
				  good_hosts[i]);
		ret = http_client_exchange_raw(port, raw.data, raw.len, &r);
		ok(ret == 0 && r.status == 200, "Host: %s accepted",
		   good_hosts[i]);
		http_response_fini(&r);
	}
	for (i = 0; i < sizeof(bad_hosts) / sizeof(bad_hosts[0]); i++) {
		lta_strbuf_clear(&raw);
		lta_strbuf_printf(&raw,
				  "GET /api/v1/health HTTP/1.1\r\nHost: %s\r\n"
				  "\r\n",
				  bad_hosts[i]);
		ret = http_client_exchange_raw(port, raw.data, raw.len, &r);
		snprintf(what, sizeof(what), "Host: \"%s\"", bad_hosts[i]);
		http_client_expect_error(ret, &r, 403, "forbidden_host", what);
	}
	lta_strbuf_fini(&raw);

	ret = exchange("POST", "/api/v1/sessions/s/start",
		       "Origin: http://evil.example\r\n"
		       "Content-Type: text/plain\r\n",
		       "", &r);
	http_client_expect_error(ret, &r, 403, "forbidden_origin",
				 "cross-origin text/plain POST");
	ret = exchange("POST", "/api/v1/sessions/s/stop",
		       AUTH JSON "Origin: http://evil.example\r\n", NULL, &r);
	http_client_expect_error(ret, &r, 403, "forbidden_origin",
				 "cross-origin POST, JSON and token");
	ret = exchange("DELETE", "/api/v1/analyses/1", AUTH "Origin: null\r\n",
		       NULL, &r);
	http_client_expect_error(ret, &r, 403, "forbidden_origin",
				 "DELETE from Origin null");
	ret = exchange("POST", "/api/v1/sessions/s/start", AUTH, NULL, &r);
	http_client_expect_error(ret, &r, 415, "unsupported_media_type",
				 "an action POST without Content-Type");
	ret = exchange("POST", "/api/v1/sessions/s/start",
		       AUTH "Content-Type: text/plain\r\n", NULL, &r);
	http_client_expect_error(ret, &r, 415, "unsupported_media_type",
				 "an action POST as text/plain");
	ret = exchange("POST", "/api/v1/analyses",
		       AUTH JSON "Origin: http://127.0.0.1\r\n",
		       "{\"path\":\"/x/enoent\"}", &r);
	ok(ret == 0 && r.status == 422,
	   "an Origin equal to the Host header is served (%d)", r.status);
	http_response_fini(&r);
	{
		char headers[256];

		snprintf(headers, sizeof(headers),
			 AUTH JSON "Origin: http://127.0.0.1:%u\r\n", port);
		ret = exchange("POST", "/api/v1/analyses", headers,
			       "{\"path\":\"/x/enoent\"}", &r);
		/* exchange() sends "Host: 127.0.0.1": not the same. */
		ok(ret == 0 && r.status == 403,
		   "an Origin must match the Host header (%d)", r.status);
		http_response_fini(&r);
	}
	ret = http_client_exchange_raw(
		port,
		"POST /api/v1/analyses HTTP/1.1\r\n"
		"Host: localhost:1\r\n" AUTH JSON
		"Origin: http://localhost:1\r\n"
		"Content-Length: 20\r\n\r\n{\"path\":\"/x/enoent\"}",
		strlen("POST /api/v1/analyses HTTP/1.1\r\n"
		       "Host: localhost:1\r\n" AUTH JSON
		       "Origin: http://localhost:1\r\n"
		       "Content-Length: 20\r\n\r\n"
		       "{\"path\":\"/x/enoent\"}"),
		&r);
	ok(ret == 0 && r.status == 422, "a same-origin POST is served (%d)",
	   r.status);
	http_response_fini(&r);
}

/* The request path without a socket (what the fuzzer calls). */
static void test_serve(struct lta_http *http)
{
	struct lta_http_request rq = {
		.method = "GET",
		.url = "/api/v1/health",
		.host = "localhost",
	};
	struct lta_http_arg args[2] = { { "limit", "5" }, { "x", NULL } };
	struct lta_http_exchange x = { .http = http };

	lta_http_serve(http, &rq, NULL, 0, NULL, 0, &x);
	is_int(x.reply.status, 200, "serve: health");
	free(x.reply.body);
	memset(&x, 0, sizeof(x));
	x.http = http;
	rq.url = "/api/v1/analyses/1/requests";
	lta_http_serve(http, &rq, args, 2, NULL, 0, &x);
	is_int(x.reply.status, 400, "serve: an unknown parameter");
	free(x.reply.body);
	memset(&x, 0, sizeof(x));
	x.http = http;
	rq.method = "POST";
	rq.url = "/api/v1/analyses";
	rq.content_type = "application/json";
	rq.authorization = "Bearer " TOKEN;
	lta_http_serve(http, &rq, NULL, 0, "{\"path\":1}", 10, &x);
	is_int(x.reply.status, 400, "serve: a path that is not a string");
	free(x.reply.body);
}

/* Checks that a connection sees an answer with STATUS, then its end. */
static bool answered_then_closed(int fd, const char *status)
{
	struct lta_strbuf in = { 0 };
	bool good;

	good = http_client_read_to_end(fd, &in) == 0 && in.data &&
	       strncmp(in.data, status, strlen(status)) == 0;
	lta_strbuf_fini(&in);
	return good;
}

/* POSTs a start of PATH; checks STATUS and CODE (NULL: any), in 1 s. */
static void expect_path(const char *path, int status, const char *code)
{
	char body[6000], what[160];
	struct http_response r;
	int64_t t0 = http_client_mono_ms();
	int ret;

	snprintf(body, sizeof(body), "{\"path\":\"%s\"}", path);
	ret = exchange("POST", "/api/v1/analyses", AUTH JSON, body, &r);
	snprintf(what, sizeof(what), "path %.60s%s", path,
		 strlen(path) > 60 ? "..." : "");
	ok(http_client_mono_ms() - t0 < 1000, "%s: answered within 1 s", what);
	if (code) {
		http_client_expect_error(ret, &r, status, code, what);
	} else {
		is_int(r.status, status, "%s: status %d", what, status);
		http_response_fini(&r);
	}
}

/* Trace paths are checked at once, with the real check. */
static void test_trace_paths(const char *dir)
{
	char loop[512], inside[512], outside[256], longer[5000];
	char cmd[1400];

	snprintf(loop, sizeof(loop), "%s/loop", dir);
	snprintf(inside, sizeof(inside), "%s/traces", dir);
	snprintf(cmd, sizeof(cmd),
		 "mkdir -p %s/traces/sub && ln -sfn %s/loop %s/loop && "
		 "ln -sfn %s/traces %s/traces/sub/up && ln -sfn /proc "
		 "%s/traces/proc && ln -sfn / %s/root",
		 dir, dir, dir, dir, dir, dir, dir);
	ok(system(cmd) == 0, "trace folders and symlinks made");
	expect_path(loop, 400, "invalid_path");
	expect_path("/proc", 403, "path_not_allowed");
	expect_path("/proc/self/root/proc", 403, "path_not_allowed");
	expect_path("/sys/kernel", 403, "path_not_allowed");
	expect_path("/dev", 403, "path_not_allowed");
	snprintf(cmd, sizeof(cmd), "%s/traces/proc", dir);
	expect_path(cmd, 403, "path_not_allowed");
	snprintf(cmd, sizeof(cmd), "%s/root/tmp", dir);
	expect_path(cmd, 403, "path_not_allowed");
	snprintf(outside, sizeof(outside), "%s/..", dir);
	expect_path(outside, 403, "path_not_allowed");
	memset(longer, 'a', sizeof(longer) - 1);
	longer[0] = '/';
	longer[sizeof(longer) - 1] = '\0';
	expect_path(longer, 400, "invalid_field");
	snprintf(cmd, sizeof(cmd), "%s/%0300d", dir, 7);
	expect_path(cmd, 400, "invalid_path");
	snprintf(cmd, sizeof(cmd), "%s/nothing-here", dir);
	expect_path(cmd, 422, "source_not_found");
	snprintf(cmd, sizeof(cmd), "%s/traces/\\u0001", dir);
	expect_path(cmd, 400, "invalid_path");
	expect_path(inside, 201, NULL);
	snprintf(cmd, sizeof(cmd), "%s/traces/sub/up/sub", dir);
	expect_path(cmd, 201, NULL);
}

/*
 * A server with small limits: silent and slow clients are closed, oldest
 * first, and never keep /health from being answered.
 */
static void test_limits(struct lta_analyses *analyses, struct lta_store *store,
			const char *dir)
{
	const char *const trace_dirs[] = { dir, NULL };
	struct lta_http_config config = {
		.allowed_trace_dirs = trace_dirs,
		.token = TOKEN,
		.token_for_reads = true,
		.request_timeout_s = 1,
		.max_connections = 24,
		.max_per_address = 16,
		.threads = 2,
	};
	struct lta_http_context context = { .analyses = analyses,
					    .store = store };
	int silent[60], slow_body, i, closed = 0;
	uint16_t main_port = port;
	struct lta_http *http;
	struct http_response r;
	char error[256];
	int64_t t0, worst = 0;
	int ret;

	http = lta_http_start(&config, &context, error, sizeof(error));
	ok(http != NULL, "limits server starts: %s", http ? "" : error);
	if (!http) {
		return;
	}
	port = lta_http_port(http);
	ret = get("/api/v1/health", &r);
	http_client_expect_error(ret, &r, 401, "unauthorized",
				 "token_for_reads: GET");
	ret = exchange("GET", "/api/v1/health", AUTH, NULL, &r);
	ok(ret == 0 && r.status == 200, "token_for_reads: GET with the token");
	http_response_fini(&r);
	test_trace_paths(dir);

	for (i = 0; i < 60; i++) {
		silent[i] = http_client_connect(port);
		if (i % 10 == 9) {
			t0 = http_client_mono_ms();
			ret = exchange("GET", "/api/v1/health", AUTH, NULL, &r);
			ok(ret == 0 && r.status == 200,
			   "%d silent clients: health answered", i + 1);
			http_response_fini(&r);
			if (http_client_mono_ms() - t0 > worst) {
				worst = http_client_mono_ms() - t0;
			}
		}
	}
	ok(worst < 1000, "health answered within 1 s (worst %lld ms)",
	   (long long)worst);
	/* The oldest were closed to make room: they see their end at once. */
	for (i = 0; i < 30; i++) {
		struct pollfd pfd = { .fd = silent[i], .events = POLLIN };

		if (poll(&pfd, 1, 0) == 1) {
			closed++;
		}
	}
	ok(closed >= 25, "the oldest silent clients were closed (%d of 30)",
	   closed);

	slow_body = http_client_connect(port);
	http_client_send_all(
		slow_body,
		"POST /api/v1/analyses HTTP/1.1\r\nHost: localhost\r\n" AUTH
			JSON "Content-Length: 30\r\n\r\n{\"pa",
		strlen("POST /api/v1/analyses HTTP/1.1\r\nHost: "
		       "localhost\r\n" AUTH JSON
		       "Content-Length: 30\r\n\r\n{\"pa"));
	t0 = http_client_mono_ms();
	ok(answered_then_closed(silent[59], "HTTP/1.1 408 "),
	   "a silent client: 408 after the request timeout");
	{
		struct lta_strbuf in = { 0 };

		ok(http_client_read_to_end(slow_body, &in) == 0 &&
			   !strstr(in.data ? in.data : "", " 201 "),
		   "a body too slow: the connection is closed");
		lta_strbuf_fini(&in);
	}
	ok(http_client_mono_ms() - t0 < 3000,
	   "both within the deadline (%lld ms)",
	   (long long)(http_client_mono_ms() - t0));
	close(slow_body);
	{
		/* Heads complete, bodies never: the oldest are closed too. */
		static const char head[] =
			"POST /api/v1/analyses HTTP/1.1\r\nHost: "
			"localhost\r\n" AUTH JSON "Content-Length: 30\r\n\r\n{";
		int bodies[20];

		for (i = 0; i < 20; i++) {
			bodies[i] = http_client_connect(port);
			http_client_send_all(bodies[i], head, strlen(head));
		}
		t0 = http_client_mono_ms();
		ret = exchange("GET", "/api/v1/health", AUTH, NULL, &r);
		ok(ret == 0 && r.status == 200 &&
			   http_client_mono_ms() - t0 < 1000,
		   "20 slow bodies: health answered (%d, %lld ms)", r.status,
		   (long long)(http_client_mono_ms() - t0));
		http_response_fini(&r);
		for (i = 0; i < 20; i++) {
			close(bodies[i]);
		}
	}
	for (i = 0; i < 60; i++) {
		if (silent[i] >= 0) {
			close(silent[i]);
		}
	}
	lta_http_stop(http);
	port = main_port;
}

int main(void)
{
	char dir[] = "/tmp/test-http-hostile-XXXXXX", error[256], cmd[96];
	struct lta_http_config config = {
		.address = "127.0.0.1",
		.token = TOKEN,
		.allowed_hosts = (const char *const[]){ "web.example", NULL },
		.version = "hostile",
	};
	struct lta_http_context context = { 0 };
	struct lta_analyses *analyses = NULL;
	struct lta_store *store = NULL;
	struct lta_http *http = NULL;

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
	context.analyses = analyses;
	context.store = store;
	context.check_trace_path = fake_path_check;
	http = lta_http_start(&config, &context, error, sizeof(error));
	ok(http != NULL, "server starts: %s", http ? "listening" : error);
	if (!http) {
		goto end;
	}
	port = lta_http_port(http);
	test_protocol_errors();
	test_browser_protection();
	test_serve(http);
	lta_http_stop(http);
	http = NULL;
	test_limits(analyses, store, dir);
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
