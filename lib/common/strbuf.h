/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A growable character buffer with the appenders that output formats need
 * (JSON string escaping, integers), for writers on hot paths where building
 * a jansson tree per record would cost more than decoding the record.
 * Not thread-safe.
 */
#ifndef LTA_COMMON_STRBUF_H
#define LTA_COMMON_STRBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct lta_strbuf {
	char *data; /* Owned; NUL-terminated by lta_strbuf_cstr(). */
	size_t len;
	size_t cap;
	bool failed; /* An allocation failed: the content is incomplete. */
};

/* Frees the buffer; the struct may be reused. Accepts a zeroed buffer. */
void lta_strbuf_fini(struct lta_strbuf *buf);

static inline void lta_strbuf_clear(struct lta_strbuf *buf)
{
	buf->len = 0;
	buf->failed = false;
}

/*
 * Makes room for MORE bytes (and a NUL). Returns false, with failed set,
 * when out of memory. The appenders below call it; the fast path is
 * inline because formatters append a few bytes at a time.
 */
bool lta_strbuf_grow(struct lta_strbuf *buf, size_t more);

static inline bool lta_strbuf_reserve(struct lta_strbuf *buf, size_t more)
{
	if (buf->len + more < buf->cap) {
		return true;
	}
	return lta_strbuf_grow(buf, more);
}

static inline void lta_strbuf_append(struct lta_strbuf *buf, const char *s,
				     size_t len)
{
	if (!lta_strbuf_reserve(buf, len)) {
		return;
	}
	memcpy(buf->data + buf->len, s, len);
	buf->len += len;
}

static inline void lta_strbuf_putc(struct lta_strbuf *buf, char c)
{
	if (!lta_strbuf_reserve(buf, 1)) {
		return;
	}
	buf->data[buf->len++] = c;
}

static inline void lta_strbuf_puts(struct lta_strbuf *buf, const char *s)
{
	lta_strbuf_append(buf, s, strlen(s));
}

/* Returns the content, NUL-terminated ("" when empty or failed). */
const char *lta_strbuf_cstr(struct lta_strbuf *buf);

void lta_strbuf_printf(struct lta_strbuf *buf, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void lta_strbuf_int(struct lta_strbuf *buf, int64_t v);
void lta_strbuf_uint(struct lta_strbuf *buf, uint64_t v);

/*
 * Writes NS in milliseconds to BUF exactly as printf("%.3f") prints
 * (double)NS / 1e6, mostly without printf; returns BUF. Any thread.
 */
const char *lta_strbuf_format_ms(int64_t ns, char buf[32]);

/* Appends S as a JSON string, quotes included; invalid UTF-8 is replaced. */
void lta_strbuf_json_string(struct lta_strbuf *buf, const char *s);

#endif /* LTA_COMMON_STRBUF_H */
