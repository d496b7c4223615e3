/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A few lines of HTTP client for the tests of the HTTP server: each
 * request on its own connection ("Connection: close"), read to the end,
 * a chunked body decoded. Loopback only; every socket has 10 s timeouts,
 * so that a server that never answers fails a test instead of hanging it.
 */
#ifndef LTA_TESTS_HTTP_CLIENT_H
#define LTA_TESTS_HTTP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/strbuf.h"

struct http_response {
	int status;
	char *head; /* Status line and headers; owned. */
	char *body; /* Owned; NUL-terminated; de-chunked. */
	size_t body_len;
	bool chunked;
};

/* CLOCK_MONOTONIC in milliseconds. */
int64_t http_client_mono_ms(void);

/* Frees R's strings and zeroes it. */
void http_response_fini(struct http_response *r);

/* A connection to 127.0.0.1:TO, or -1. */
int http_client_connect(uint16_t to);

/* Sends all of DATA. Returns 0 or -1. */
int http_client_send_all(int fd, const char *data, size_t len);

/*
 * Sends RAW (RAW_LEN bytes) on a new connection to TO and reads the whole
 * response into R. Returns 0, or -1 (no answer, malformed, cut).
 */
int http_client_exchange_raw(uint16_t to, const char *raw, size_t raw_len,
			     struct http_response *r);

/*
 * METHOD TARGET with "Host: 127.0.0.1", EXTRA_HEADERS (each ending in
 * CRLF, or NULL) and BODY (with its Content-Length, or NULL).
 */
int http_client_exchange(uint16_t to, const char *method, const char *target,
			 const char *extra_headers, const char *body,
			 struct http_response *r);

/* The value of header NAME (a static copy), or "". */
const char *http_response_header(const struct http_response *r,
				 const char *name);

/* The body as JSON (a new reference), or NULL. */
json_t *http_response_json(const struct http_response *r);

/* The error code of an error body, or "" (a static copy). */
const char *http_response_error_code(const struct http_response *r);

/* Reads what the server sends on FD until it closes. Returns 0 or -1. */
int http_client_read_to_end(int fd, struct lta_strbuf *in);

/*
 * TAP: checks that an exchange (its return RET and response R) answered
 * STATUS with the error CODE; frees R.
 */
void http_client_expect_error(int ret, struct http_response *r, int status,
			      const char *code, const char *what);

#endif /* LTA_TESTS_HTTP_CLIENT_H */
