/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer target: the HTTP request path without a socket
 * (lta_http_serve()): route, method, Host, Origin, token, content type,
 * query parameters and JSON bodies, against the fake analysis manager
 * (tests/utils/fake-analyses.c) and a real store in a temporary folder.
 *
 * Input: "METHOD\nTARGET\nName: value\n...\n\nBODY"; TARGET's query is
 * split at '&' and '=' and percent-decoded as libmicrohttpd does.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <microhttpd.h>

#include "analysis.h"
#include "http-internal.h"
#include "decode/trace-path.h"
#include "store/store.h"

static struct lta_http http;

static int check_path(const char *path, const char *const *allowed,
		      char *resolved, size_t size, char *error, size_t esize)
{
	/* The fake manager's paths need not exist. */
	if (strncmp(path, "/traces/", 8) == 0 || strncmp(path, "/x/", 3) == 0) {
		snprintf(resolved, size, "%s", path);
		return 0;
	}
	return lta_trace_path_check(path, allowed, resolved, size, error,
				    esize);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[] = "/tmp/fuzz-http-XXXXXX";

/* The temporary store goes with the process. */
static void remove_dir(void)
{
	setenv("D", dir, 1);
	if (system("rm -rf \"$D\"")) {
		fprintf(stderr, "cannot remove %s\n", dir);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char token[] = "fuzz-token-0123456789";
	char error[256];
	struct lta_store *store;

	(void)argc;
	(void)argv;
	if (!mkdtemp(dir)) {
		abort();
	}
	atexit(remove_dir);
	store = lta_store_open(dir, error, sizeof(error));
	if (!store) {
		abort();
	}
	http.context.store = store;
	http.context.analyses = lta_analyses_create(store, NULL);
	http.context.check_trace_path = check_path;
	http.token = token;
	http.token_len = strlen(token);
	http.version = "fuzz";
	http.max_body = 64 * 1024;
	http.listen_fd = -1;
	return 0;
}

/* Splits a line off *P (up to END); NULL when none is left. */
static char *next_line(char **p, char *end)
{
	char *line = *p, *nl;

	if (line >= end) {
		return NULL;
	}
	nl = memchr(line, '\n', (size_t)(end - line));
	if (!nl) {
		*p = end;
		return line;
	}
	*nl = '\0';
	*p = nl + 1;
	return line;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lta_http_request rq = { 0 };
	struct lta_http_arg args[LTA_HTTP_MAX_ARGS + 1];
	struct lta_http_exchange *x;
	char *copy, *p, *end, *line, *query, *body;
	size_t count = 0, body_len;

	copy = malloc(size + 1);
	x = calloc(1, sizeof(*x));
	if (!copy || !x) {
		goto end;
	}
	memcpy(copy, data, size);
	copy[size] = '\0';
	p = copy;
	end = copy + size;
	rq.method = next_line(&p, end);
	rq.url = next_line(&p, end);
	if (!rq.method || !rq.url) {
		goto end;
	}
	while ((line = next_line(&p, end)) && line[0]) {
		char *colon = strchr(line, ':'), *value;

		if (!colon) {
			continue;
		}
		*colon = '\0';
		value = colon + 1;
		while (*value == ' ') {
			value++;
		}
		if (strcasecmp(line, "Host") == 0) {
			rq.host = value;
		} else if (strcasecmp(line, "Origin") == 0) {
			rq.origin = value;
		} else if (strcasecmp(line, "Content-Type") == 0) {
			rq.content_type = value;
		} else if (strcasecmp(line, "Content-Length") == 0) {
			rq.content_length = value;
		} else if (strcasecmp(line, "Authorization") == 0) {
			rq.authorization = value;
		}
	}
	body = p < end ? p : NULL;
	body_len = body ? (size_t)(end - p) : 0;
	/* libmicrohttpd decodes the path and splits the query. */
	query = strchr(rq.url, '?');
	if (query) {
		*query++ = '\0';
		while (query && count <= LTA_HTTP_MAX_ARGS) {
			char *amp = strchr(query, '&'), *eq;

			if (amp) {
				*amp = '\0';
			}
			eq = strchr(query, '=');
			if (eq) {
				*eq = '\0';
				MHD_http_unescape(eq + 1);
			}
			MHD_http_unescape(query);
			args[count].name = query;
			args[count].value = eq ? eq + 1 : NULL;
			count++;
			query = amp ? amp + 1 : NULL;
		}
	}
	MHD_http_unescape((char *)rq.url);
	x->http = &http;
	lta_http_serve(&http, &rq, args, count, body, body_len, x);
	if (x->reply.stream) {
		char buf[4096];
		uint64_t pos = 0;
		ssize_t n;
		int rounds = 0;

		while ((n = x->reply.stream(x->reply.stream_cls, pos, buf,
					    sizeof(buf))) > 0 &&
		       rounds++ < 64) {
			pos += (uint64_t)n;
		}
		x->reply.stream_free(x->reply.stream_cls);
	}
	/* Every answer is a status with a body (NULL: the prepared 500). */
	if (x->reply.status < 200 || x->reply.status > 599) {
		abort();
	}
	if (x->reply.status >= 400 && x->reply.body &&
	    !strstr(x->reply.body, "\"error\"")) {
		abort();
	}
	free(x->reply.body);
end:
	free(x);
	free(copy);
	return 0;
}
