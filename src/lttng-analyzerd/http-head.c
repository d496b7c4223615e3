/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The check of a request's head (request line and headers) that the
 * front (http-front.c) makes before libmicrohttpd sees a connection.
 * libmicrohttpd answers the protocol errors it finds with its own HTML
 * pages; everything it would refuse is refused here first, in the API's
 * JSON, and the limits here are well below the ones that make it answer
 * by itself (its memory pool, CONNECTION_MEMORY in http.c). Pure
 * functions over a buffer: no socket, no state, any thread.
 */
#include "http-internal.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Headers per request at most. */
#define MAX_HEADERS 100

static void refuse(struct lta_http_head *head, unsigned int status,
		   const char *code, const char *message)
{
	head->status = status;
	head->code = code;
	head->message = message;
}

/* RFC 9110 tchar. */
static bool is_token_char(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9')) {
		return true;
	}
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* Visible ASCII and obs-text, as a request target may hold. */
static bool is_target_char(unsigned char c)
{
	return c > 0x20 && c != 0x7f;
}

/* Field values: visible characters, spaces and tabs. */
static bool is_value_char(unsigned char c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

/*
 * Finds the end of the line that starts at P (before END): returns the
 * position of its '\n', or NULL when the line is not complete. *CONTENT
 * gets its length without "\r\n" or "\n".
 */
static const char *line_end(const char *p, const char *end, size_t *content)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	if (!nl) {
		return NULL;
	}
	*content = (size_t)(nl - p);
	if (*content && nl[-1] == '\r') {
		(*content)--;
	}
	return nl;
}

/* Checks "METHOD SP TARGET SP HTTP/D.D" (LEN bytes at LINE). */
static int check_request_line(const char *line, size_t len,
			      const struct lta_http_head_limits *limits,
			      struct lta_http_head *head)
{
	const char *sp1, *sp2, *end = line + len, *v;
	size_t i;

	sp1 = memchr(line, ' ', len);
	if (!sp1 || sp1 == line || (size_t)(sp1 - line) > 32) {
		refuse(head, 400, "bad_request",
		       "Malformed request line: expected "
		       "\"METHOD /path HTTP/1.1\".");
		return -1;
	}
	for (i = 0; line + i < sp1; i++) {
		if (!is_token_char((unsigned char)line[i])) {
			refuse(head, 400, "bad_request",
			       "Malformed request line: the method is "
			       "not a token.");
			return -1;
		}
	}
	sp2 = memchr(sp1 + 1, ' ', (size_t)(end - sp1 - 1));
	if (!sp2) {
		refuse(head, 400, "bad_request",
		       "Malformed request line: no HTTP version (HTTP/0.9 "
		       "is not supported).");
		return -1;
	}
	if ((size_t)(sp2 - sp1 - 1) > limits->max_target) {
		refuse(head, 414, "uri_too_long",
		       "The request target is too long.");
		return -1;
	}
	if (sp2 == sp1 + 1 || sp1[1] != '/') {
		refuse(head, 400, "bad_request",
		       "Malformed request line: the target must be a path "
		       "starting with \"/\".");
		return -1;
	}
	for (v = sp1 + 1; v < sp2; v++) {
		if (!is_target_char((unsigned char)*v)) {
			refuse(head, 400, "bad_request",
			       "Malformed request line: a control character "
			       "in the target.");
			return -1;
		}
	}
	v = sp2 + 1;
	if (end - v != 8 || memcmp(v, "HTTP/", 5) != 0 || v[6] != '.' ||
	    v[5] < '0' || v[5] > '9' || v[7] < '0' || v[7] > '9') {
		refuse(head, 400, "bad_request",
		       "Malformed request line: expected HTTP/1.1 or "
		       "HTTP/1.0 at its end.");
		return -1;
	}
	if (v[5] != '1') {
		refuse(head, 505, "http_version_not_supported",
		       "Only HTTP/1.0 and HTTP/1.1 are supported.");
		return -1;
	}
	head->http_1_0 = v[7] == '0';
	return 0;
}

/* Parses a Content-Length value (OWS trimmed). Returns 0 or -1. */
static int parse_length(const char *value, size_t len, uint64_t *bytes)
{
	uint64_t v = 0;
	size_t i;

	while (len && (*value == ' ' || *value == '\t')) {
		value++;
		len--;
	}
	while (len && (value[len - 1] == ' ' || value[len - 1] == '\t')) {
		len--;
	}
	if (len == 0 || len > 19) {
		return -1;
	}
	for (i = 0; i < len; i++) {
		if (value[i] < '0' || value[i] > '9') {
			return -1;
		}
		v = v * 10 + (uint64_t)(value[i] - '0');
	}
	*bytes = v;
	return 0;
}

static bool name_is(const char *name, size_t len, const char *what)
{
	return strlen(what) == len && strncasecmp(name, what, len) == 0;
}

/* Checks one header line; counts Host, reads Content-Length. */
static int check_header(const char *line, size_t len,
			const struct lta_http_head_limits *limits,
			struct lta_http_head *head, int *hosts)
{
	const char *colon = memchr(line, ':', len), *value;
	size_t name_len, value_len, i;
	uint64_t bytes;

	if (line[0] == ' ' || line[0] == '\t') {
		refuse(head, 400, "bad_request",
		       "Folded header lines are not accepted.");
		return -1;
	}
	if (!colon || colon == line) {
		refuse(head, 400, "bad_request",
		       "Malformed header line: expected \"Name: value\".");
		return -1;
	}
	name_len = (size_t)(colon - line);
	for (i = 0; i < name_len; i++) {
		if (!is_token_char((unsigned char)line[i])) {
			refuse(head, 400, "bad_request",
			       "Malformed header line: the name is not a "
			       "token.");
			return -1;
		}
	}
	value = colon + 1;
	value_len = len - name_len - 1;
	for (i = 0; i < value_len; i++) {
		if (!is_value_char((unsigned char)value[i])) {
			refuse(head, 400, "bad_request",
			       "Malformed header line: a control character "
			       "in a value.");
			return -1;
		}
	}
	if (name_is(line, name_len, "Host")) {
		(*hosts)++;
	} else if (name_is(line, name_len, "Transfer-Encoding")) {
		refuse(head, 411, "length_required",
		       "Bodies must be sent with a Content-Length, not "
		       "with a Transfer-Encoding.");
		return -1;
	} else if (name_is(line, name_len, "Content-Length")) {
		if (parse_length(value, value_len, &bytes) ||
		    (head->has_length && head->content_length != bytes)) {
			refuse(head, 400, "bad_request",
			       "Malformed Content-Length header.");
			return -1;
		}
		if (bytes > limits->max_body) {
			refuse(head, 413, "body_too_large",
			       "The body is larger than the server accepts.");
			return -1;
		}
		head->has_length = true;
		head->content_length = bytes;
	}
	return 0;
}

int lta_http_head_check(const char *buf, size_t len,
			const struct lta_http_head_limits *limits,
			struct lta_http_head *head)
{
	const char *p = buf, *end, *nl;
	size_t content;
	int headers = 0, hosts = 0;

	memset(head, 0, sizeof(*head));
	if (len > limits->max_head) {
		len = limits->max_head;
	}
	end = buf + len;
	/* Empty lines before the request line are ignored (RFC 9112). */
	while (p < end && (*p == '\r' || *p == '\n')) {
		p++;
	}
	nl = p < end ? line_end(p, end, &content) : NULL;
	if (!nl) {
		if (len < limits->max_head) {
			return 0;
		}
		if (memchr(p, ' ', (size_t)(end - p)) &&
		    (size_t)(end - p) > limits->max_target) {
			refuse(head, 414, "uri_too_long",
			       "The request target is too long.");
		} else {
			refuse(head, 400, "bad_request",
			       "Malformed request line.");
		}
		return -1;
	}
	if (memchr(p, '\0', content) || memchr(p, '\r', content)) {
		refuse(head, 400, "bad_request",
		       "Malformed request line: a control character.");
		return -1;
	}
	if (check_request_line(p, content, limits, head)) {
		return -1;
	}
	p = nl + 1;
	for (;;) {
		nl = p < end ? line_end(p, end, &content) : NULL;
		if (!nl) {
			if (len < limits->max_head) {
				return 0;
			}
			refuse(head, 431, "header_fields_too_large",
			       "The request's headers are too large.");
			return -1;
		}
		if (content == 0) {
			break;
		}
		if (++headers > MAX_HEADERS) {
			refuse(head, 431, "header_fields_too_large",
			       "The request has too many headers.");
			return -1;
		}
		if (memchr(p, '\r', content) || memchr(p, '\0', content)) {
			refuse(head, 400, "bad_request",
			       "Malformed header line: a control character.");
			return -1;
		}
		if (check_header(p, content, limits, head, &hosts)) {
			return -1;
		}
		p = nl + 1;
	}
	if (hosts > 1 || (hosts == 0 && !head->http_1_0)) {
		refuse(head, 400, "bad_request",
		       hosts ? "More than one Host header."
			     : "HTTP/1.1 requests need a Host header.");
		return -1;
	}
	head->head_len = (size_t)(nl + 1 - buf);
	return 1;
}
