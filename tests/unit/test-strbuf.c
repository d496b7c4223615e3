/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The string buffer's formatters: integers equal snprintf's for edge cases
 * and a million pseudo-random values of every magnitude; JSON strings are
 * escaped and invalid UTF-8 replaced, so that every line parses.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common/strbuf.h"
#include "tap.h"

static uint64_t next_random(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

int main(void)
{
	static const uint64_t edges[] = {
		0,
		1,
		9,
		10,
		11,
		99,
		100,
		101,
		999,
		1000,
		99999999,
		100000000,
		100000001,
		4294967295ULL,
		4294967296ULL,
		999999999999999999ULL,
		1000000000000000000ULL,
		9999999999999999999ULL,
		10000000000000000000ULL,
		UINT64_MAX,
	};
	struct lta_strbuf b = { 0 };
	char want[32];
	uint64_t rng = 42;
	size_t i, bad = 0;

	plan_no_plan();
	for (i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
		lta_strbuf_clear(&b);
		lta_strbuf_uint(&b, edges[i]);
		snprintf(want, sizeof(want), "%" PRIu64, edges[i]);
		bad += strcmp(lta_strbuf_cstr(&b), want) != 0;
	}
	is_int(bad, 0, "unsigned edge cases equal snprintf's");
	{
		/* Each power of ten and the number before it, appended. */
		struct lta_strbuf all = { 0 };
		char expect[64 * 22] = "";
		size_t at = 0;
		uint64_t p = 1;
		int k;

		for (k = 0; k < 20; k++, p *= 10) {
			lta_strbuf_uint(&all, p);
			lta_strbuf_putc(&all, ' ');
			lta_strbuf_uint(&all, p - 1);
			lta_strbuf_putc(&all, ' ');
			at += (size_t)snprintf(expect + at, sizeof(expect) - at,
					       "%" PRIu64 " %" PRIu64 " ", p,
					       p - 1);
		}
		is_str(lta_strbuf_cstr(&all), expect,
		       "powers of ten and their predecessors, appended in "
		       "place after what the buffer holds");
		lta_strbuf_fini(&all);
	}
	for (i = 0; i < 1000000; i++) {
		uint64_t v = next_random(&rng) >> (next_random(&rng) % 64);
		int64_t s =
			(int64_t)next_random(&rng) >> (next_random(&rng) % 64);

		lta_strbuf_clear(&b);
		lta_strbuf_uint(&b, v);
		snprintf(want, sizeof(want), "%" PRIu64, v);
		bad += strcmp(lta_strbuf_cstr(&b), want) != 0;
		lta_strbuf_clear(&b);
		lta_strbuf_int(&b, s);
		snprintf(want, sizeof(want), "%" PRId64, s);
		bad += strcmp(lta_strbuf_cstr(&b), want) != 0;
	}
	is_int(bad, 0, "a million random values of each sign equal snprintf's");
	lta_strbuf_clear(&b);
	lta_strbuf_int(&b, INT64_MIN);
	is_str(lta_strbuf_cstr(&b), "-9223372036854775808", "INT64_MIN");

	{
		/*
		 * Milliseconds: every value of the first 3 ms, the ties (x.5
		 * microseconds), random values up to 2^63 (past 10^15, where
		 * printf takes over), against printf("%.3f").
		 */
		char got[32];
		int64_t ns;

		bad = 0;
		for (ns = 0; ns < 3000000; ns++) {
			snprintf(want, sizeof(want), "%.3f", (double)ns / 1e6);
			bad += strcmp(lta_strbuf_format_ms(ns, got), want) != 0;
		}
		for (i = 0; i < 1000000; i++) {
			uint64_t r = next_random(&rng);

			ns = i % 3 == 0	  ? (int64_t)(r % 1000000) * 1000 + 500
			     : i % 3 == 1 ? (int64_t)(r % 100000000000000ULL)
					  : (int64_t)(r >> (1 + r % 63));
			snprintf(want, sizeof(want), "%.3f", (double)ns / 1e6);
			bad += strcmp(lta_strbuf_format_ms(ns, got), want) != 0;
		}
		is_int(bad, 0,
		       "milliseconds equal printf's %%.3f (4 million values)");
		is_str(lta_strbuf_format_ms(1234567, got), "1.235",
		       "1234567 ns is 1.235 ms");
	}

	lta_strbuf_clear(&b);
	lta_strbuf_json_string(&b, "a\"b\\c\nd\te\x01"
				   "f");
	is_str(lta_strbuf_cstr(&b), "\"a\\\"b\\\\c\\nd\\te\\u0001f\"",
	       "quotes, backslashes and control characters escaped");
	lta_strbuf_clear(&b);
	lta_strbuf_json_string(&b, "h\xc3\xa9llo \xe2\x9c\x93");
	is_str(lta_strbuf_cstr(&b), "\"h\xc3\xa9llo \xe2\x9c\x93\"",
	       "valid UTF-8 kept as is");
	lta_strbuf_clear(&b);
	lta_strbuf_json_string(&b, "bad\xff\xc3(end");
	is_str(lta_strbuf_cstr(&b), "\"bad\\ufffd\\ufffd(end\"",
	       "invalid UTF-8 bytes replaced");
	lta_strbuf_clear(&b);
	for (i = 0; i < 100000; i++) {
		lta_strbuf_putc(&b, 'x');
	}
	ok(b.len == 100000 && !b.failed, "grows past its first capacity");
	lta_strbuf_fini(&b);
	return exit_status();
}
