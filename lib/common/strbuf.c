/* SPDX-License-Identifier: GPL-2.0-only */
#include "strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool lta_strbuf_grow(struct lta_strbuf *buf, size_t more)
{
	size_t cap;
	char *grown;

	if (buf->failed) {
		return false;
	}
	if (buf->len + more < buf->cap) {
		return true;
	}
	cap = buf->cap ? buf->cap : 256;
	while (cap <= buf->len + more) {
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

const char *lta_strbuf_cstr(struct lta_strbuf *buf)
{
	if (buf->failed || !lta_strbuf_reserve(buf, 0)) {
		return "";
	}
	buf->data[buf->len] = '\0';
	return buf->data;
}

void lta_strbuf_printf(struct lta_strbuf *buf, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !lta_strbuf_reserve(buf, (size_t)n)) {
		return;
	}
	va_start(ap, fmt);
	vsnprintf(buf->data + buf->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	buf->len += (size_t)n;
}

static const char digit_pairs[201] = "00010203040506070809"
				     "10111213141516171819"
				     "20212223242526272829"
				     "30313233343536373839"
				     "40414243444546474849"
				     "50515253545556575859"
				     "60616263646566676869"
				     "70717273747576777879"
				     "80818283848586878889"
				     "90919293949596979899";

/* Writes the 8 digits of V (< 10^8), zero-padded, ending at END. */
static inline void put8(char *end, uint32_t v)
{
	int i;

	for (i = 0; i < 4; i++) {
		uint32_t d = (v % 100) * 2;

		v /= 100;
		*--end = digit_pairs[d + 1];
		*--end = digit_pairs[d];
	}
}

/* The number of decimal digits of V. */
static inline unsigned digits_of(uint64_t v)
{
	static const uint64_t pow10[20] = {
		1ULL,
		10ULL,
		100ULL,
		1000ULL,
		10000ULL,
		100000ULL,
		1000000ULL,
		10000000ULL,
		100000000ULL,
		1000000000ULL,
		10000000000ULL,
		100000000000ULL,
		1000000000000ULL,
		10000000000000ULL,
		100000000000000ULL,
		1000000000000000ULL,
		10000000000000000ULL,
		100000000000000000ULL,
		1000000000000000000ULL,
		10000000000000000000ULL,
	};
	/*
	 * log10(2) ~ 1233/4096 gives the digits of V's highest bit, then one
	 * more if V reaches the next power of ten. V | 1 has the same digits
	 * (no power of ten above 1 is odd) and makes 0 count as 1.
	 */
	uint64_t u = v | 1;
	unsigned n = ((64u - (unsigned)__builtin_clzll(u)) * 1233u) >> 12;

	return n + (n < 20 && u >= pow10[n]);
}

void lta_strbuf_uint(struct lta_strbuf *buf, uint64_t v)
{
	unsigned n = digits_of(v);
	char *p;
	uint32_t head;

	/* Written in place, from the last digit back. */
	if (!lta_strbuf_reserve(buf, n)) {
		return;
	}
	p = buf->data + buf->len + n;
	buf->len += n;
	/*
	 * 64-bit divisions only to cut 8-digit chunks (timestamps have 19
	 * digits: two of them); digits come from 32-bit arithmetic.
	 */
	while (v >= 100000000ULL) {
		put8(p, (uint32_t)(v % 100000000ULL));
		p -= 8;
		v /= 100000000ULL;
	}
	head = (uint32_t)v;
	while (head >= 100) {
		uint32_t d = (head % 100) * 2;

		head /= 100;
		*--p = digit_pairs[d + 1];
		*--p = digit_pairs[d];
	}
	if (head >= 10) {
		*--p = digit_pairs[head * 2 + 1];
		*--p = digit_pairs[head * 2];
	} else {
		*--p = (char)('0' + head);
	}
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

/* 1 for the bytes that a JSON string cannot hold as they are. */
static const unsigned char json_special[256] = {
	[0 ... 0x1f] = 1,
	['"'] = 1,
	['\\'] = 1,
	[0x80 ... 0xff] = 1,
};

void lta_strbuf_json_string(struct lta_strbuf *buf, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	lta_strbuf_putc(buf, '"');
	while (*p) {
		size_t run = 0, n;

		/* Copy plain runs at once. */
		while (p[run] && !json_special[p[run]]) {
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

/*
 * The tables of a large trace have tens of thousands of lines, printed on
 * one core after the decoding ended (lttng-analyzer stats), and printf's
 * floating-point conversion was most of their cost. The digits come from
 * integer arithmetic when that is exactly what printf prints: the third decimal
 * is not a tie (NS % 1000 != 500), and NS is below 10^15, where the double's
 * error (at most 1.2e-7 ms) cannot cross a rounding boundary (1e-6 ms
 * away at least); otherwise printf.
 */
const char *lta_strbuf_format_ms(int64_t ns, char buf[32])
{
	char digits[24];
	int64_t us;
	int n = 0, i = 0;

	if (ns < 0 || ns >= 1000000000000000LL || ns % 1000 == 500) {
		snprintf(buf, 32, "%.3f", (double)ns / 1e6);
		return buf;
	}
	us = ns / 1000 + (ns % 1000 > 500);
	do {
		digits[n++] = (char)('0' + us % 10);
		us /= 10;
	} while (us > 0 || n < 4);
	while (n > 3) {
		buf[i++] = digits[--n];
	}
	buf[i++] = '.';
	while (n > 0) {
		buf[i++] = digits[--n];
	}
	buf[i] = '\0';
	return buf;
}
