/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * http-scan.c: counts the HTTP/1.x heads that start in the bytes of one
 * system call (see http-scan.h).
 *
 * The bytes come as iovecs, which are matched as one contiguous stream: a
 * request line that a client's writes split between two iovecs of one
 * readv() is still found. A cursor walks the stream; it finds the next line
 * with memchr() inside each iovec, and reads byte by byte only where a line
 * starts, so that a 64 KiB body costs about one memchr() over it.
 */

#include "http-scan.h"

#include <string.h>

/* A position in the stream, and how many bytes of the window remain. */
struct cursor {
	const struct iovec *iov; /* Borrowed. */
	size_t iovcnt;
	size_t index;  /* Of the current iovec. */
	size_t offset; /* In the current iovec. */
	size_t left;
};

static void cursor_init(struct cursor *c, const struct iovec *iov,
			size_t iovcnt, size_t len)
{
	c->iov = iov;
	c->iovcnt = iovcnt;
	c->index = 0;
	c->offset = 0;
	c->left = len;
}

/* The next byte, or -1 at the end of the window or of the iovecs. */
static int cursor_next(struct cursor *c)
{
	while (c->left && c->index < c->iovcnt) {
		if (c->offset < c->iov[c->index].iov_len) {
			const unsigned char *base = c->iov[c->index].iov_base;

			c->left--;
			return base[c->offset++];
		}
		c->index++;
		c->offset = 0;
	}
	return -1;
}

/*
 * Moves past the next LF. Returns false when there is none left in the
 * window (the cursor is then at its end).
 */
static bool cursor_next_line(struct cursor *c)
{
	while (c->left && c->index < c->iovcnt) {
		const struct iovec *v = &c->iov[c->index];
		const unsigned char *base = v->iov_base;
		size_t n = v->iov_len - c->offset;
		const unsigned char *lf;

		if (n > c->left) {
			n = c->left;
		}
		lf = n ? memchr(base + c->offset, '\n', n) : NULL;
		if (lf) {
			n = (size_t)(lf - (base + c->offset)) + 1;
			c->offset += n;
			c->left -= n;
			return true;
		}
		c->offset += n;
		c->left -= n;
		if (c->offset == v->iov_len) {
			c->index++;
			c->offset = 0;
		}
	}
	return false;
}

/* Whether the next bytes are `text`; consumes what it compared. */
static bool cursor_skip(struct cursor *c, const char *text)
{
	for (; *text; text++) {
		if (cursor_next(c) != (unsigned char)*text) {
			return false;
		}
	}
	return true;
}

static bool is_upper(int ch)
{
	return ch >= 'A' && ch <= 'Z';
}

static bool is_digit(int ch)
{
	return ch >= '0' && ch <= '9';
}

/* ASCII control characters end a target; bytes >= 0x80 do not (UTF-8). */
static bool is_target_byte(int ch)
{
	return ch > ' ' && ch != 0x7f;
}

/* "HTTP/1.0" or "HTTP/1.1". */
static bool skip_version(struct cursor *c)
{
	int ch;

	if (!cursor_skip(c, "HTTP/1.")) {
		return false;
	}
	ch = cursor_next(c);
	return ch == '0' || ch == '1';
}

/*
 * METHOD: 1 to 16 uppercase letters, then SP. Also the whole of the
 * plausibility filter for received bytes.
 */
static bool skip_method(struct cursor *c)
{
	int letters = 0;
	int ch;

	while (is_upper(ch = cursor_next(c))) {
		if (++letters > 16) {
			return false;
		}
	}
	return letters > 0 && ch == ' ';
}

/* A complete request line, its CRLF or LF included. */
static bool match_request_line(struct cursor c)
{
	int length = 0;
	int ch;

	if (!skip_method(&c)) {
		return false;
	}
	while (is_target_byte(ch = cursor_next(&c))) {
		length++;
	}
	if (!length || ch != ' ' || !skip_version(&c)) {
		return false;
	}
	ch = cursor_next(&c);
	if (ch == '\r') {
		ch = cursor_next(&c);
	}
	return ch == '\n';
}

/*
 * A status line up to its code and the byte after it; returns the first
 * digit of the code ('1' to '5'), or 0 when the line is not one. The reason
 * phrase may be empty: "HTTP/1.1 200\r\n" is common enough to accept.
 */
static int match_status_line(struct cursor c)
{
	int first_digit, ch;

	if (!skip_version(&c) || cursor_next(&c) != ' ') {
		return 0;
	}
	first_digit = cursor_next(&c);
	if (first_digit < '1' || first_digit > '5' ||
	    !is_digit(cursor_next(&c)) || !is_digit(cursor_next(&c))) {
		return 0;
	}
	ch = cursor_next(&c);
	return ch == ' ' || ch == '\r' || ch == '\n' ? first_digit : 0;
}

/*
 * Copies the line at the cursor into `line`, up to CR, LF, NUL, the end of
 * the window or LTA_HTTP_SCAN_LINE_MAX bytes.
 */
static void copy_line(struct cursor c, char *line)
{
	size_t n = 0;
	int ch;

	while (n < LTA_HTTP_SCAN_LINE_MAX) {
		ch = cursor_next(&c);
		if (ch < 0 || ch == '\r' || ch == '\n' || ch == '\0') {
			break;
		}
		line[n++] = (char)ch;
	}
	line[n] = '\0';
}

bool lta_http_scan_plausible(const struct iovec *iov, size_t iovcnt, size_t len,
			     enum lta_http_direction direction)
{
	struct cursor c;

	cursor_init(&c, iov, iovcnt, len);
	if (direction == LTA_HTTP_SENT) {
		return cursor_skip(&c, "HTTP/1.");
	}
	return skip_method(&c);
}

void lta_http_scan(const struct iovec *iov, size_t iovcnt, size_t len,
		   enum lta_http_direction direction,
		   struct lta_http_scan_result *result)
{
	struct cursor c;

	result->messages = 0;
	result->lines = 0;
	result->first_line[0] = '\0';
	/*
	 * Heads are at the start of what a server reads or writes; past
	 * 64 KiB there is body, which costs time to scan and would only add
	 * false matches. A status line past the limit is not counted.
	 */
	if (len > LTA_HTTP_SCAN_MAX_BYTES) {
		len = LTA_HTTP_SCAN_MAX_BYTES;
	}
	cursor_init(&c, iov, iovcnt, len);
	do {
		bool found = false;

		if (direction == LTA_HTTP_SENT) {
			int first_digit = match_status_line(c);

			found = first_digit != 0;
			result->messages += first_digit > '1';
		} else {
			found = match_request_line(c);
			result->messages += found;
		}
		if (found && !result->lines++) {
			copy_line(c, result->first_line);
		}
	} while (cursor_next_line(&c));
}
