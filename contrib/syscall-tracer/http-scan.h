/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * http-scan.h: finds where HTTP/1.x messages start in the bytes of one
 * system call.
 *
 * With HTTP pipelining a client sends several requests before it reads the
 * answers, so the analyzer cannot cut requests on a persistent connection
 * from system calls alone. The preload library therefore looks at the bytes
 * that read(), recv(), write(), send()... actually transferred and counts the
 * message heads that start in them: request lines in received bytes, final
 * status lines in sent bytes. The result becomes the
 * lttng_analyzer_syscall:http event (see syscall-http.c and README.md).
 *
 * The scanner is plain C with no lttng-ust dependency, so that
 * tests/unit/test-http-scan.c can test it alone. It never allocates, never
 * reads past the bytes it is given, and accepts any bytes (binary data, no
 * NUL terminator, lines split across iovecs).
 */

#ifndef LTA_HTTP_SCAN_H
#define LTA_HTTP_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/*
 * At most this many bytes of a call are scanned: a head line that does not
 * end (request line) or whose status code does not fit (status line) within
 * them is not counted. It bounds the cost of a large write, whose heads, if
 * any, are at its start.
 */
#define LTA_HTTP_SCAN_MAX_BYTES (64 * 1024)

/* The longest first line recorded, in bytes, without its NUL. */
#define LTA_HTTP_SCAN_LINE_MAX 127

/* The values of the event's `direction` field. */
enum lta_http_direction {
	LTA_HTTP_RECEIVED = 0,
	LTA_HTTP_SENT = 1,
};

struct lta_http_scan_result {
	/*
	 * Heads that start in the bytes: request lines (received), final
	 * status lines, 2xx to 5xx (sent).
	 */
	uint32_t messages;
	/* Lines found: `messages` plus, when sending, 1xx status lines. */
	uint32_t lines;
	/*
	 * The first line found (1xx included), without CR or LF, cut at
	 * LTA_HTTP_SCAN_LINE_MAX bytes and at any NUL; "" when `lines` is 0.
	 */
	char first_line[LTA_HTTP_SCAN_LINE_MAX + 1];
};

/*
 * Returns whether the first bytes of the stream formed by `iovcnt` iovecs,
 * of which only the first `len` bytes count, could start a head: 1 to 16
 * uppercase ASCII letters then a space when `direction` is
 * LTA_HTTP_RECEIVED, "HTTP/1." when it is LTA_HTTP_SENT. This is the cheap
 * filter the wrappers apply before lta_http_scan(): it rejects most
 * ordinary file contents at the first or second byte. Any thread may call
 * it.
 */
bool lta_http_scan_plausible(const struct iovec *iov, size_t iovcnt, size_t len,
			     enum lta_http_direction direction);

/*
 * Scans the first min(`len`, LTA_HTTP_SCAN_MAX_BYTES) bytes of the stream
 * formed by `iovcnt` iovecs, in order, as one contiguous buffer, and fills
 * `*result`. `len` may exceed the iovecs' total length: the scan then stops
 * at their end.
 *
 * A line starts at the start of the stream or after a LF. When receiving,
 * a line counts when it is a request line: METHOD SP TARGET SP HTTP/1.0 or
 * HTTP/1.1, then CRLF or LF, METHOD being 1 to 16 uppercase ASCII letters
 * and TARGET at least one byte, none of them a space or an ASCII control
 * character. When sending, a line counts when it is a final status line:
 * HTTP/1.0 or HTTP/1.1, SP, three digits the first of which is 2 to 5, then
 * SP, CR or LF; 1xx interim responses are found (first_line) but not
 * counted. Lines inside a message body match as well, as the scanner has no
 * state across calls.
 *
 * Any thread may call it; `result` is the caller's.
 */
void lta_http_scan(const struct iovec *iov, size_t iovcnt, size_t len,
		   enum lta_http_direction direction,
		   struct lta_http_scan_result *result);

#endif /* LTA_HTTP_SCAN_H */
