/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The HTTP head scanner of the preload library (contrib/syscall-tracer/
 * http-scan.c): which request lines and status lines it counts, the first
 * line it keeps, and that it reads nothing outside the bytes it is given.
 * Every buffer is a heap copy of exactly its length, so that
 * AddressSanitizer reports a read past its end.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http-scan.h"
#include "tap.h"

#define RECEIVED LTA_HTTP_RECEIVED
#define SENT LTA_HTTP_SENT

/* A heap copy of `len` bytes of `text`, with nothing after them. */
static char *exact_copy(const char *text, size_t len)
{
	char *copy = malloc(len ? len : 1);

	if (!copy) {
		perror("malloc");
		exit(99);
	}
	memcpy(copy, text, len);
	return copy;
}

/*
 * Scans `text` cut into iovecs at the `ncuts` offsets of `cuts`
 * (increasing), each iovec an exact heap copy.
 */
static void scan_cut(const char *text, const size_t *cuts, size_t ncuts,
		     enum lta_http_direction direction,
		     struct lta_http_scan_result *result, bool *plausible)
{
	struct iovec iov[8];
	size_t len = strlen(text), start = 0, i;

	for (i = 0; i <= ncuts; i++) {
		size_t end = i < ncuts ? cuts[i] : len;

		iov[i].iov_base = exact_copy(text + start, end - start);
		iov[i].iov_len = end - start;
		start = end;
	}
	lta_http_scan(iov, ncuts + 1, len, direction, result);
	if (plausible) {
		*plausible =
			lta_http_scan_plausible(iov, ncuts + 1, len, direction);
	}
	for (i = 0; i <= ncuts; i++) {
		free(iov[i].iov_base);
	}
}

/* Scans `len` bytes of `text` as one exact heap copy. */
static void scan_bytes(const char *text, size_t len,
		       enum lta_http_direction direction,
		       struct lta_http_scan_result *result)
{
	struct iovec iov = { .iov_base = exact_copy(text, len),
			     .iov_len = len };

	lta_http_scan(&iov, 1, len, direction, result);
	free(iov.iov_base);
}

static struct lta_http_scan_result scan(const char *text,
					enum lta_http_direction direction)
{
	struct lta_http_scan_result result;

	scan_cut(text, NULL, 0, direction, &result, NULL);
	return result;
}

static bool plausible(const char *text, enum lta_http_direction direction)
{
	struct lta_http_scan_result result;
	bool answer;

	scan_cut(text, NULL, 0, direction, &result, &answer);
	return answer;
}

#define PIPELINED                                          \
	"GET /a HTTP/1.1\r\nHost: example.org\r\n\r\n"     \
	"GET /b?q=1 HTTP/1.1\r\nHost: example.org\r\n\r\n" \
	"HEAD /c HTTP/1.0\nHost: example.org\n\n"

static void test_requests(void)
{
	struct lta_http_scan_result r;

	r = scan("GET /index.html HTTP/1.1\r\nHost: example.org\r\n\r\n",
		 RECEIVED);
	is_int(r.messages, 1, "one request: counted");
	is_str(r.first_line, "GET /index.html HTTP/1.1",
	       "one request: first_line without CRLF");
	ok(plausible("GET / HTTP/1.1\r\n\r\n", RECEIVED),
	   "one request: plausible");

	r = scan(PIPELINED, RECEIVED);
	is_int(r.messages, 3, "three pipelined requests: 3");
	is_str(r.first_line, "GET /a HTTP/1.1",
	       "three pipelined requests: the first one's line");

	r = scan("OPTIONS * HTTP/1.1\nHost: x\n\n", RECEIVED);
	is_int(r.messages, 1, "LF alone ends a request line");

	r = scan("ABCDEFGHIJKLMNOP / HTTP/1.1\r\n", RECEIVED);
	is_int(r.messages, 1, "16-letter method: counted");
	r = scan("ABCDEFGHIJKLMNOPQ / HTTP/1.1\r\n", RECEIVED);
	is_int(r.messages, 0, "17-letter method: not counted");
	ok(!plausible("ABCDEFGHIJKLMNOPQ / HTTP/1.1\r\n", RECEIVED),
	   "17-letter method: not plausible");

	r = scan("get / HTTP/1.1\r\nHost: x\r\n\r\n", RECEIVED);
	is_int(r.messages, 0, "lowercase method: not counted");
	is_str(r.first_line, "", "lowercase method: no first_line");
	ok(!plausible("get / HTTP/1.1\r\n", RECEIVED),
	   "lowercase method: not plausible");

	r = scan("GET  HTTP/1.1\r\n", RECEIVED);
	is_int(r.messages, 0, "empty target: not counted");
	r = scan("GET /a\tb HTTP/1.1\r\n", RECEIVED);
	is_int(r.messages, 0, "control character in the target: not counted");
	r = scan("GET / HTTP/2.0\r\n", RECEIVED);
	is_int(r.messages, 0, "HTTP/2.0: not counted");
	r = scan("GET / HTTP/1.1 \r\n", RECEIVED);
	is_int(r.messages, 0, "space after the version: not counted");
	r = scan("GET / HTTP/1.1", RECEIVED);
	is_int(r.messages, 0, "request line without its LF: not counted");
	r = scan("GET / HTTP/1.1\r", RECEIVED);
	is_int(r.messages, 0, "request line ending in CR alone: not counted");
	r = scan("HTTP/1.1 200 OK\r\n\r\n", RECEIVED);
	is_int(r.messages, 0, "status line in received bytes: not counted");
	r = scan("GET / HTTP/1.1\r\n\r\n", SENT);
	is_int(r.messages, 0, "request line in sent bytes: not counted");
}

static void test_split(void)
{
	static const char line[] = "GET /split HTTP/1.1\r\nHost: x\r\n\r\n";
	struct lta_http_scan_result r;
	size_t cuts[3], i, len = strlen(PIPELINED), bad = 0;
	bool p;

	cuts[0] = 9; /* "GET /spli" | "t HTTP/1.1..." */
	scan_cut(line, cuts, 1, RECEIVED, &r, &p);
	is_int(r.messages, 1, "request line split across two iovecs: 1");
	is_str(r.first_line, "GET /split HTTP/1.1",
	       "split request line: first_line joined");
	ok(p, "split request line: plausible");

	cuts[0] = 2; /* "GE" | "" | "T /split..." */
	cuts[1] = 2;
	scan_cut(line, cuts, 2, RECEIVED, &r, &p);
	is_int(r.messages, 1, "split around an empty iovec: 1");
	ok(p, "method split around an empty iovec: plausible");

	/* Every two-way and three-way cut of the pipelined requests. */
	for (i = 0; i <= len; i++) {
		cuts[0] = i;
		scan_cut(PIPELINED, cuts, 1, RECEIVED, &r, NULL);
		bad += r.messages != 3 ||
		       strcmp(r.first_line, "GET /a HTTP/1.1") != 0;
		cuts[0] = i / 2;
		cuts[1] = i;
		scan_cut(PIPELINED, cuts, 2, RECEIVED, &r, NULL);
		bad += r.messages != 3;
	}
	is_int(bad, 0, "pipelined requests cut anywhere: still 3");

	cuts[0] = 11; /* "HTTP/1.1 20" | "0 OK..." */
	scan_cut("HTTP/1.1 200 OK\r\n\r\n", cuts, 1, SENT, &r, &p);
	is_int(r.messages, 1, "status line split across two iovecs: 1");
	cuts[0] = 3; /* "HTT" | "P/1.1 ..." */
	scan_cut("HTTP/1.1 200 OK\r\n\r\n", cuts, 1, SENT, &r, &p);
	ok(p, "\"HTTP/1.\" split across two iovecs: plausible");
}

static void test_responses(void)
{
	struct lta_http_scan_result r;

	r = scan("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", SENT);
	is_int(r.messages, 1, "one response: counted");
	is_str(r.first_line, "HTTP/1.1 200 OK", "one response: first_line");
	ok(plausible("HTTP/1.1 200 OK\r\n", SENT), "one response: plausible");
	ok(!plausible("HTTP/2 200\r\n", SENT), "HTTP/2: not plausible");

	r = scan("HTTP/1.1 100 Continue\r\n\r\n"
		 "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n",
		 SENT);
	is_int(r.messages, 1, "100 Continue then 201: only 201 counted");
	is_int(r.lines, 2, "100 Continue then 201: both found");
	is_str(r.first_line, "HTTP/1.1 100 Continue",
	       "100 Continue then 201: first_line is the 1xx");

	r = scan("HTTP/1.1 100 Continue\r\n\r\n", SENT);
	is_int(r.messages, 0, "100 Continue alone: not counted");
	is_int(r.lines, 1, "100 Continue alone: found");

	r = scan("HTTP/1.0 204\r\n\r\nHTTP/1.1 304\n\n", SENT);
	is_int(r.messages, 2, "status lines without reason phrase: counted");
	r = scan("HTTP/1.1 600 Odd\r\n", SENT);
	is_int(r.messages, 0, "status 600: not counted");
	r = scan("HTTP/1.1 20x OK\r\n", SENT);
	is_int(r.messages, 0, "status 20x: not counted");
	r = scan("HTTP/1.1 2000 OK\r\n", SENT);
	is_int(r.messages, 0, "four-digit status: not counted");
	r = scan("HTTP/1.2 200 OK\r\n", SENT);
	is_int(r.messages, 0, "HTTP/1.2: not counted");

	/*
	 * The scanner has no state across calls and does not parse
	 * Content-Length: a status line at the start of a line of a body is
	 * counted. This is documented in http-scan.h and README.md.
	 */
	r = scan("HTTP/1.1 200 OK\r\nContent-Length: 33\r\n\r\n"
		 "log:\nHTTP/1.1 404 Not Found\r\nend\n",
		 SENT);
	is_int(r.messages, 2, "status line at a line start in a body: counted");
	r = scan("HTTP/1.1 200 OK\r\nContent-Length: 28\r\n\r\n"
		 "log: HTTP/1.1 404 Not Found\n",
		 SENT);
	is_int(r.messages, 1, "status line inside a body line: not counted");
}

static void test_mid_buffer(void)
{
	struct lta_http_scan_result r;
	static const char after_body[] =
		"ab\n\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";

	/* A body that ends with LF, then the next pipelined request. */
	r = scan("POST /f HTTP/1.1\r\nContent-Length: 6\r\n\r\nhello\n"
		 "GET /next HTTP/1.1\r\n\r\n",
		 RECEIVED);
	is_int(r.messages, 2, "head after a body ending in LF: counted");
	/* A body that does not: the next head is not at a line start. */
	r = scan("POST /f HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"
		 "GET /next HTTP/1.1\r\n\r\n",
		 RECEIVED);
	is_int(r.messages, 1, "head right after a body without LF: missed");

	/*
	 * Bytes that start with the end of a body: the scanner finds the
	 * head, but the filter the wrappers apply first says no, so the
	 * library records nothing for such a call (README.md).
	 */
	r = scan(after_body, SENT);
	is_int(r.messages, 1, "head mid-buffer after a body: scanner finds it");
	is_str(r.first_line, "HTTP/1.1 200 OK",
	       "head mid-buffer after a body: first_line");
	ok(!plausible(after_body, SENT),
	   "head mid-buffer after a body: not plausible (not recorded)");
}

static void test_long_line(void)
{
	struct lta_http_scan_result r;
	char text[300], want[LTA_HTTP_SCAN_LINE_MAX + 1];
	size_t target = 200 - strlen("GET / HTTP/1.1");

	/* A 200-byte request line. */
	strcpy(text, "GET /");
	memset(text + 5, 'x', target);
	strcpy(text + 5 + target, " HTTP/1.1\r\nHost: x\r\n\r\n");
	is_int(strchr(text, '\r') - text, 200, "the long line is 200 bytes");
	r = scan(text, RECEIVED);
	is_int(r.messages, 1, "200-byte request line: counted");
	is_int(strlen(r.first_line), LTA_HTTP_SCAN_LINE_MAX,
	       "200-byte request line: first_line cut at 127 bytes");
	memcpy(want, text, LTA_HTTP_SCAN_LINE_MAX);
	want[LTA_HTTP_SCAN_LINE_MAX] = '\0';
	is_str(r.first_line, want, "200-byte request line: its first bytes");

	scan_bytes("HTTP/1.1 200 O\0K\r\n", 18, SENT, &r);
	is_int(r.messages, 1, "status line with a NUL in its reason: counted");
	is_str(r.first_line, "HTTP/1.1 200 O", "first_line stops at a NUL");
}

/* A buffer of `size` bytes: `head`, dots and LFs, and `tail` at `at`. */
static char *big_buffer(size_t size, const char *head, const char *tail,
			size_t at)
{
	char *buf = malloc(size);
	size_t i;

	if (!buf) {
		perror("malloc");
		exit(99);
	}
	for (i = 0; i < size; i++) {
		buf[i] = i % 80 == 79 ? '\n' : '.';
	}
	memcpy(buf, head, strlen(head));
	if (tail) {
		memcpy(buf + at, tail, strlen(tail));
	}
	return buf;
}

static void test_big(void)
{
	static const char status[] = "HTTP/1.1 200 OK\r\n";
	static const char request[] = "\nGET /late HTTP/1.1\r\n";
	const size_t max = LTA_HTTP_SCAN_MAX_BYTES;
	struct lta_http_scan_result r;
	struct iovec iov[2];
	char *buf;

	/* A status line that starts at 65,000 bytes: within the limit. */
	buf = big_buffer(100000, status, "\nHTTP/1.1 404 No\r\n", 64999);
	iov[0] = (struct iovec){ .iov_base = buf, .iov_len = 100000 };
	lta_http_scan(iov, 1, 100000, SENT, &r);
	is_int(r.messages, 2, "100 KB: status line within 64 KiB counted");
	free(buf);

	/* One whose code ends past the limit, and one wholly past it. */
	buf = big_buffer(100000, status, "\nHTTP/1.1 404 No\r\n", max - 12);
	memcpy(buf + 70000, "\nHTTP/1.1 500 No\r\n", 18);
	iov[0] = (struct iovec){ .iov_base = buf, .iov_len = 100000 };
	lta_http_scan(iov, 1, 100000, SENT, &r);
	is_int(r.messages, 1, "100 KB: status lines past 64 KiB not counted");
	/* The same bytes in two iovecs, cut at the limit. */
	iov[0] = (struct iovec){ .iov_base = buf, .iov_len = max };
	iov[1] = (struct iovec){ .iov_base = buf + max,
				 .iov_len = 100000 - max };
	lta_http_scan(iov, 2, 100000, SENT, &r);
	is_int(r.messages, 1, "100 KB in two iovecs: same count");
	free(buf);

	/* A request line that ends exactly at the limit: counted. */
	buf = big_buffer(max + 1000, "GET / HTTP/1.1\r\n", request,
			 max - strlen(request));
	iov[0] = (struct iovec){ .iov_base = buf, .iov_len = max + 1000 };
	lta_http_scan(iov, 1, max + 1000, RECEIVED, &r);
	is_int(r.messages, 2, "request line ending at 64 KiB: counted");
	free(buf);
	/* One byte later, its LF is past the limit: not counted. */
	buf = big_buffer(max + 1000, "GET / HTTP/1.1\r\n", request,
			 max - strlen(request) + 1);
	iov[0] = (struct iovec){ .iov_base = buf, .iov_len = max + 1000 };
	lta_http_scan(iov, 1, max + 1000, RECEIVED, &r);
	is_int(r.messages, 1, "request line ending past 64 KiB: not counted");
	free(buf);
}

/* xorshift64: reproducible garbage. */
static uint64_t next_random(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void test_garbage_and_empty(void)
{
	struct lta_http_scan_result r;
	struct iovec iov[3];
	uint64_t rng = 0x5eed;
	size_t i, j, found = 0;
	unsigned char *buf;

	buf = malloc(70000);
	if (!buf) {
		perror("malloc");
		exit(99);
	}
	for (i = 0; i < 50; i++) {
		for (j = 0; j < 70000; j++) {
			buf[j] = (unsigned char)next_random(&rng);
		}
		iov[0] = (struct iovec){ .iov_base = buf, .iov_len = 70000 };
		lta_http_scan(iov, 1, 70000, SENT, &r);
		found += r.lines;
		lta_http_scan(iov, 1, 70000, RECEIVED, &r);
		found += r.lines;
		/* Odd cuts, and a length past the iovecs' end. */
		iov[0].iov_len = i;
		iov[1] = (struct iovec){ .iov_base = buf + i, .iov_len = 1 };
		iov[2] = (struct iovec){ .iov_base = buf + i + 1,
					 .iov_len = 70000 - i - 1 };
		lta_http_scan(iov, 3, 200000, RECEIVED, &r);
		found += r.lines;
	}
	is_int(found, 0, "binary garbage: no line found (50 x 70 KB)");
	free(buf);

	r = scan("", RECEIVED);
	is_int(r.messages, 0, "empty: no message");
	is_str(r.first_line, "", "empty: no first_line");
	ok(!plausible("", RECEIVED), "empty: not plausible (received)");
	ok(!plausible("", SENT), "empty: not plausible (sent)");
	lta_http_scan(NULL, 0, 100, SENT, &r);
	is_int(r.lines, 0, "no iovec at all: nothing");
	iov[0] = (struct iovec){ .iov_base = NULL, .iov_len = 0 };
	ok(!lta_http_scan_plausible(iov, 1, 0, SENT),
	   "one empty iovec: not plausible");

	/* Bytes past `len` are not looked at. */
	iov[0] = (struct iovec){ .iov_base = "GET / HTTP/1.1\r\n",
				 .iov_len = 16 };
	lta_http_scan(iov, 1, 15, RECEIVED, &r);
	is_int(r.messages, 0, "a request line whose LF is past len: 0");
}

int main(void)
{
	plan_no_plan();
	test_requests();
	test_split();
	test_responses();
	test_mid_buffer();
	test_long_line();
	test_big();
	test_garbage_and_empty();
	return exit_status();
}
