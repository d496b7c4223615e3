#include "strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool reserve(struct lta_strbuf *buf, size_t more)
{
	size_t cap;
	char *grown;

	if (buf->failed) {
		return false;
	}
	if (buf->len + more + 1 <= buf->cap) {
		return true;
	}
	cap = buf->cap ? buf->cap : 256;
	while (cap < buf->len + more + 1) {
		cap *= 2;
	}
	grown = realloc(buf->data, cap);
	if (!grown) {
		buf->failed = true;
		return false;
	}
	buf->data = grown;
	buf->cap = cap;
	return true;
}

void lta_strbuf_fini(struct lta_strbuf *buf)
{
	free(buf->data);
	buf->data = NULL;
	buf->len = 0;
	buf->cap = 0;
	buf->failed = false;
}

void lta_strbuf_append(struct lta_strbuf *buf, const char *s, size_t len)
{
	if (!reserve(buf, len)) {
		return;
	}
	memcpy(buf->data + buf->len, s, len);
	buf->len += len;
	buf->data[buf->len] = '\0';
}

void lta_strbuf_puts(struct lta_strbuf *buf, const char *s)
{
	lta_strbuf_append(buf, s, strlen(s));
}

void lta_strbuf_putc(struct lta_strbuf *buf, char c)
{
	if (!reserve(buf, 1)) {
		return;
	}
	buf->data[buf->len++] = c;
	buf->data[buf->len] = '\0';
}

void lta_strbuf_printf(struct lta_strbuf *buf, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !reserve(buf, (size_t)n)) {
		return;
	}
	va_start(ap, fmt);
	vsnprintf(buf->data + buf->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	buf->len += (size_t)n;
}

void lta_strbuf_uint(struct lta_strbuf *buf, uint64_t v)
{
	char tmp[24];
	size_t i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	lta_strbuf_append(buf, tmp + i, sizeof(tmp) - i);
}

void lta_strbuf_int(struct lta_strbuf *buf, int64_t v)
{
	if (v < 0) {
		lta_strbuf_putc(buf, '-');
		lta_strbuf_uint(buf, (uint64_t)0 - (uint64_t)v);
	} else {
		lta_strbuf_uint(buf, (uint64_t)v);
	}
}

/* Length of the valid UTF-8 sequence at S, or 0. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n, i;

	if (s[0] < 0x80) {
		return 1;
	} else if ((s[0] & 0xe0) == 0xc0 && s[0] >= 0xc2) {
		n = 2;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
	} else if ((s[0] & 0xf8) == 0xf0 && s[0] <= 0xf4) {
		n = 4;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			return 0;
		}
	}
	return n;
}

void lta_strbuf_json_string(struct lta_strbuf *buf, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	lta_strbuf_putc(buf, '"');
	while (*p) {
		size_t run = 0, n;

		/* Copy plain runs at once. */
		while (p[run] >= 0x20 && p[run] < 0x80 && p[run] != '"' &&
		       p[run] != '\\') {
			run++;
		}
		if (run) {
			lta_strbuf_append(buf, (const char *)p, run);
			p += run;
			continue;
		}
		switch (*p) {
		case '"':
			lta_strbuf_append(buf, "\\\"", 2);
			p++;
			continue;
		case '\\':
			lta_strbuf_append(buf, "\\\\", 2);
			p++;
			continue;
		case '\n':
			lta_strbuf_append(buf, "\\n", 2);
			p++;
			continue;
		case '\t':
			lta_strbuf_append(buf, "\\t", 2);
			p++;
			continue;
		case '\r':
			lta_strbuf_append(buf, "\\r", 2);
			p++;
			continue;
		default:
			break;
		}
		if (*p < 0x20) {
			lta_strbuf_printf(buf, "\\u%04x", *p);
			p++;
			continue;
		}
		n = utf8_len(p);
		if (n == 0) {
			lta_strbuf_append(buf, "\\ufffd", 6);
			p++;
		} else {
			lta_strbuf_append(buf, (const char *)p, n);
			p += n;
		}
	}
	lta_strbuf_putc(buf, '"');
}
