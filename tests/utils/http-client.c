/* SPDX-License-Identifier: GPL-2.0-only */
/* The tests' HTTP client (http-client.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1 /* strcasestr() */
#endif
#include "http-client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"

int64_t http_client_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void http_response_fini(struct http_response *r)
{
	free(r->head);
	free(r->body);
	memset(r, 0, sizeof(*r));
}

int http_client_connect(uint16_t to)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct timeval tv = { .tv_sec = 10 };
	int fd;

	sin.sin_port = htons(to);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		return -1;
	}
	/* A server that never answers fails the test, not hangs it. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		close(fd);
		return -1;
	}
	return fd;
}

int http_client_send_all(int fd, const char *data, size_t len)
{
	while (len) {
		ssize_t n = send(fd, data, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			return -1;
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Decodes a chunked body in place. Returns 0 or -1 (malformed, cut). */
static int dechunk(struct http_response *r)
{
	char *in = r->body, *end = r->body + r->body_len, *out = r->body;

	for (;;) {
		char *line_end = strstr(in, "\r\n");
		unsigned long size;

		if (!line_end) {
			return -1;
		}
		size = strtoul(in, NULL, 16);
		in = line_end + 2;
		if (size == 0) {
			break;
		}
		if ((size_t)(end - in) < size + 2) {
			return -1;
		}
		memmove(out, in, size);
		out += size;
		in += size + 2;
	}
	r->body_len = (size_t)(out - r->body);
	r->body[r->body_len] = '\0';
	return 0;
}

/* Sends RAW on a new connection and reads the whole response. */
int http_client_exchange_raw(uint16_t to, const char *raw, size_t raw_len,
			     struct http_response *r)
{
	struct lta_strbuf in = { 0 };
	char buf[8192], *split;
	int fd, ret = -1;
	ssize_t n;

	memset(r, 0, sizeof(*r));
	fd = http_client_connect(to);
	if (fd < 0 || http_client_send_all(fd, raw, raw_len)) {
		goto end;
	}
	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) {
		lta_strbuf_append(&in, buf, (size_t)n);
	}
	lta_strbuf_cstr(&in);
	split = in.data ? strstr(in.data, "\r\n\r\n") : NULL;
	if (!split || sscanf(in.data, "HTTP/1.%*d %d", &r->status) != 1) {
		goto end;
	}
	r->head = strndup(in.data, (size_t)(split - in.data) + 2);
	r->body_len = in.len - (size_t)(split + 4 - in.data);
	r->body = malloc(r->body_len + 1);
	memcpy(r->body, split + 4, r->body_len);
	r->body[r->body_len] = '\0';
	r->chunked = strcasestr(r->head, "\r\nTransfer-Encoding: chunked");
	ret = r->chunked ? dechunk(r) : 0;
end:
	lta_strbuf_fini(&in);
	if (fd >= 0) {
		close(fd);
	}
	return ret;
}

int http_client_exchange(uint16_t to, const char *method, const char *target,
			 const char *extra_headers, const char *body,
			 struct http_response *r)
{
	struct lta_strbuf raw = { 0 };
	int ret;

	lta_strbuf_printf(&raw,
			  "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
			  "Connection: close\r\n%s",
			  method, target, extra_headers ? extra_headers : "");
	if (body) {
		lta_strbuf_printf(&raw, "Content-Length: %zu\r\n\r\n",
				  strlen(body));
		lta_strbuf_puts(&raw, body);
	} else {
		lta_strbuf_puts(&raw, "\r\n");
	}
	ret = http_client_exchange_raw(to, raw.data, raw.len, r);
	lta_strbuf_fini(&raw);
	return ret;
}

/* The value of header NAME (a copy in a static buffer), or "". */
const char *http_response_header(const struct http_response *r,
				 const char *name)
{
	static char value[512];
	char pattern[128];
	const char *p, *end;

	value[0] = '\0';
	snprintf(pattern, sizeof(pattern), "\r\n%s:", name);
	p = r->head ? strcasestr(r->head, pattern) : NULL;
	if (!p) {
		return value;
	}
	p += strlen(pattern);
	while (*p == ' ') {
		p++;
	}
	end = strstr(p, "\r\n");
	snprintf(value, sizeof(value), "%.*s", (int)(end - p), p);
	return value;
}

json_t *http_response_json(const struct http_response *r)
{
	return r->body ? json_loadb(r->body, r->body_len, 0, NULL) : NULL;
}

/* The error code of an error body, or "" (a static copy). */
const char *http_response_error_code(const struct http_response *r)
{
	static char code[64];
	json_t *j = http_response_json(r);
	const char *c = json_string_value(
		json_object_get(json_object_get(j, "error"), "code"));

	snprintf(code, sizeof(code), "%s", c ? c : "");
	if (!json_string_value(
		    json_object_get(json_object_get(j, "error"), "message"))) {
		snprintf(code, sizeof(code), "(no message)");
	}
	json_decref(j);
	return code;
}

/* Reads what the server sends on FD until it closes (10 s at most). */
int http_client_read_to_end(int fd, struct lta_strbuf *in)
{
	char buf[4096];
	ssize_t n;

	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) {
		lta_strbuf_append(in, buf, (size_t)n);
	}
	lta_strbuf_cstr(in);
	return n == 0 ? 0 : -1;
}

/* Checks STATUS and the error CODE of one exchange. */
void http_client_expect_error(int ret, struct http_response *r, int status,
			      const char *code, const char *what)
{
	ok(ret == 0, "%s: answered", what);
	is_int(r->status, status, "%s: status %d", what, status);
	is_str(http_response_error_code(r), code, "%s: error code %s", what,
	       code);
	http_response_fini(r);
}
