/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The closed window as JSON: what `lttng-analyzer windows` prints and what
 * the daemon serves, from one formatter so that they agree.
 */
#include <stdio.h>

#include "common/strbuf.h"
#include "window.h"

static void put_key(struct lta_strbuf *out, const char *name)
{
	lta_strbuf_putc(out, '"');
	lta_strbuf_puts(out, name);
	lta_strbuf_puts(out, "\":");
}

void lta_window_closed_format_json(const struct lta_window_closed *c,
				   struct lta_strbuf *out)
{
	char rate[64];
	unsigned k;
	bool first = true;

	lta_strbuf_putc(out, '{');
	put_key(out, "query");
	lta_strbuf_uint(out, c->query);
	lta_strbuf_putc(out, ',');
	put_key(out, "start");
	lta_strbuf_int(out, c->start);
	lta_strbuf_putc(out, ',');
	put_key(out, "end");
	lta_strbuf_int(out, c->end);
	lta_strbuf_putc(out, ',');
	put_key(out, "group");
	lta_strbuf_putc(out, '{');
	for (k = 0; k < LTA_WINDOW_KEY_COUNT; k++) {
		if (!c->keys[k]) {
			continue;
		}
		if (!first) {
			lta_strbuf_putc(out, ',');
		}
		put_key(out, lta_window_key_name((enum lta_window_key)k));
		lta_strbuf_json_string(out, c->keys[k]);
		first = false;
	}
	lta_strbuf_puts(out, "},");
	put_key(out, "count");
	lta_strbuf_uint(out, c->count);
	lta_strbuf_putc(out, ',');
	put_key(out, "rate");
	snprintf(rate, sizeof(rate), "%.9g", c->rate);
	lta_strbuf_puts(out, rate);
	lta_strbuf_putc(out, ',');
	put_key(out, "bytes");
	lta_strbuf_uint(out, c->bytes);
	lta_strbuf_putc(out, ',');
	put_key(out, "errors");
	lta_strbuf_uint(out, c->errors);
	lta_strbuf_putc(out, ',');
	put_key(out, "p50");
	lta_strbuf_int(out, c->p50);
	lta_strbuf_putc(out, ',');
	put_key(out, "p90");
	lta_strbuf_int(out, c->p90);
	lta_strbuf_putc(out, ',');
	put_key(out, "p99");
	lta_strbuf_int(out, c->p99);
	lta_strbuf_putc(out, ',');
	put_key(out, "max");
	lta_strbuf_int(out, c->max);
	lta_strbuf_putc(out, ',');
	put_key(out, "histogram");
	/* Digits, spaces, ':' and "s1": nothing to escape (sparse.h). */
	lta_strbuf_putc(out, '"');
	lta_sparse_histogram_encode(c->latency, out);
	lta_strbuf_puts(out, "\"}");
}
