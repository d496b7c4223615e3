/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * GET /api/v1/analyses/{id}/events and GET /api/v1/events: the live event
 * stream, as Server-Sent Events, read from the store's event log (store.h,
 * lta_store_events()).
 *
 * Each event is "id: SEQ", "event: KIND" (request, error, late_end,
 * window, status) and "data: JSON". SEQ numbers the events of the store
 * once: a client that reconnects with Last-Event-ID (or ?after=SEQ) gets
 * every event after it, none twice, from the store, whatever it missed
 * while away. Nothing is buffered per client but the block being written:
 * a client that does not read only holds its socket. One that stays more
 * than live_max_lag events behind the newest for 5 s (it reads slower
 * than events come, or stopped reading that long) is dropped, with a
 * final "event: dropped" saying why and its last id; a client that
 * reconnects far behind has those 5 s to catch up, else it pages the
 * rest through the REST resources. Without a resume point, the stream of
 * an analysis starts at its first event, that of every analysis at the
 * newest (what comes from now on). The stream of one analysis ends, with
 * "event: end", when the analysis no longer runs and every event of it
 * was sent; a reconnection after that is answered 204 (an EventSource
 * then stops).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analysis.h"
#include "common/strbuf.h"
#include "http-internal.h"
#include "store/store.h"

/* Events read from the store per query. */
#define EVENTS_PER_READ 256
/* A comment line is sent after this long without an event. */
#define KEEPALIVE_NS (15LL * 1000000000LL)
/* Behind by more than live_max_lag this long: dropped. */
#define LAG_GRACE_NS (5LL * 1000000000LL)

enum {
	KIND_REQUEST = 1 << 0,
	KIND_ERROR = 1 << 1,
	KIND_LATE_END = 1 << 2,
	KIND_WINDOW = 1 << 3,
	KIND_STATUS = 1 << 4,
	KIND_ALL = (1 << 5) - 1,
};

static const char *const kind_names[] = { "request", "error", "late_end",
					  "window", "status" };

struct event_stream {
	struct lta_http *http; /* Borrowed: outlives its streams. */
	int64_t analysis;      /* 0: every analysis. */
	int64_t cursor;	       /* The last seq read. */
	unsigned kinds;
	struct lta_strbuf out;	/* What is being sent. */
	size_t sent;		/* Bytes of OUT sent. */
	int64_t last_write_ns;	/* Monotonic. */
	int64_t last_refill_ns; /* Monotonic: when it last asked for more. */
	int64_t behind_since;	/* Monotonic; 0: not too far behind. */
	bool ending;		/* OUT holds the last event. */
	int64_t delivered;	/* Events sent. */
};

static const char *const events_parameters[] = { "after", "kinds", NULL };

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static unsigned kind_bit(const char *kind, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(kind_names) / sizeof(kind_names[0]); i++) {
		if (strlen(kind_names[i]) == len &&
		    memcmp(kind_names[i], kind, len) == 0) {
			return 1u << i;
		}
	}
	return 0;
}

/* Reads ?kinds=a,b into *KINDS. Returns 0, or -1 after answering 400. */
static int read_kinds(struct lta_http_exchange *x, unsigned *kinds)
{
	const char *value = lta_http_query(x, "kinds"), *p;

	*kinds = KIND_ALL;
	if (!value) {
		return 0;
	}
	*kinds = 0;
	for (p = value;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		unsigned bit = kind_bit(p, len);

		if (!bit) {
			lta_http_reply_error(
				x, 400, "invalid_parameter",
				"kinds: a comma-separated list of request, "
				"error, late_end, window, status.");
			return -1;
		}
		*kinds |= bit;
		if (!comma) {
			return 0;
		}
		p = comma + 1;
	}
}

/*
 * The resume point: Last-Event-ID, else ?after=, else the start of an
 * analysis's log, or the newest event for the stream of every analysis
 * (what comes from now on). Returns 0, or -1 after answering.
 */
static int read_cursor(struct lta_http_exchange *x, int64_t *cursor)
{
	int ret;

	*cursor = 0;
	if (x->last_event_id && x->last_event_id[0]) {
		if (lta_http_parse_uint(x->last_event_id, cursor)) {
			lta_http_reply_error(
				x, 400, "invalid_parameter",
				"Last-Event-ID: an event id (a decimal "
				"integer) is expected.");
			return -1;
		}
		return 0;
	}
	ret = lta_http_query_int(x, "after", 0, INT64_MAX, cursor);
	if (ret < 0) {
		return -1;
	}
	if (ret == 0 && x->id == 0) {
		ret = lta_store_events_last(x->http->context.store, cursor);
		if (ret) {
			lta_http_reply_store_error(x, ret, "events");
			return -1;
		}
	}
	return 0;
}

static void put_event(struct event_stream *s, int64_t seq, const char *kind,
		      const char *data)
{
	if (seq > 0) {
		lta_strbuf_append(&s->out, "id: ", 4);
		lta_strbuf_int(&s->out, seq);
		lta_strbuf_putc(&s->out, '\n');
	}
	lta_strbuf_append(&s->out, "event: ", 7);
	lta_strbuf_append(&s->out, kind, strlen(kind));
	lta_strbuf_append(&s->out, "\ndata: ", 7);
	/* The store's JSON holds no newline (json_object() escapes them). */
	lta_strbuf_append(&s->out, data, strlen(data));
	lta_strbuf_append(&s->out, "\n\n", 2);
}

static int on_event(const struct lta_store_event *e, void *user_data)
{
	struct event_stream *s = user_data;

	s->cursor = e->seq;
	if (s->kinds & kind_bit(e->kind, strlen(e->kind))) {
		put_event(s, e->seq, e->kind, e->data);
		s->delivered++;
	}
	return 0;
}

/* Whether analysis S->analysis no longer runs (gone: ended too). */
static bool analysis_ended(struct event_stream *s, char *status, size_t size)
{
	struct lta_analysis_view view;

	if (lta_analyses_get(s->http->context.analyses, s->analysis, &view)) {
		snprintf(status, size, "deleted");
		return true;
	}
	snprintf(status, size, "%s", view.stored.status);
	return !view.running;
}

/*
 * Whether S stayed more than live_max_lag events behind NEWEST for
 * LAG_GRACE_NS: since it was first seen that far behind, or since it last
 * asked for more when that was longer ago (it stopped reading).
 */
static bool too_far_behind(struct event_stream *s, int64_t newest)
{
	int64_t now = mono_ns(), last = s->last_refill_ns;

	s->last_refill_ns = now;
	if (s->http->live_max_lag <= 0 ||
	    newest - s->cursor <= s->http->live_max_lag) {
		s->behind_since = 0;
		return false;
	}
	if (!s->behind_since) {
		s->behind_since = now - last > LAG_GRACE_NS ? last : now;
	}
	return now - s->behind_since >= LAG_GRACE_NS;
}

/*
 * Fills S->out with what comes next: events, the final event, a
 * keep-alive. Returns 0 with something in OUT, 1 when there is nothing
 * now, or -1 on a store error.
 */
static int refill(struct event_stream *s)
{
	struct lta_http_live *live = s->http->live;
	int64_t newest = lta_http_live_last_seq(live);
	char status[64], data[256];
	bool ended = false;
	int ret;

	s->out.len = 0;
	s->sent = 0;
	if (lta_http_live_stopping(live)) {
		put_event(s, 0, "end", "{\"reason\":\"server stopping\"}");
		s->ending = true;
		return 0;
	}
	if (too_far_behind(s, newest)) {
		snprintf(data, sizeof(data),
			 "{\"reason\":\"client too slow: %lld events behind "
			 "the newest for 5 s or more (at most "
			 "%lld)\",\"last_id\":%lld}",
			 (long long)(newest - s->cursor),
			 (long long)s->http->live_max_lag,
			 (long long)s->cursor);
		put_event(s, 0, "dropped", data);
		s->ending = true;
		return 0;
	}
	/*
	 * Asked before the events are read: when no worker runs it, its
	 * final status and every event are in the store (the daemon writes
	 * the final row before it forgets the worker). A cheap look: the
	 * full view (a snapshot to decode) only once, for the end event.
	 */
	if (s->analysis > 0) {
		ended = !lta_analyses_is_running(s->http->context.analyses,
						 s->analysis);
	}
	do {
		int64_t before = s->cursor;

		ret = lta_store_events(s->http->context.store, s->analysis,
				       s->cursor, EVENTS_PER_READ, on_event, s);
		if (ret) {
			return -1;
		}
		if (s->cursor == before) {
			break;
		}
		/* Only filtered-out events: read on. */
	} while (s->out.len == 0);
	if (s->out.failed) {
		return -1;
	}
	if (s->out.len) {
		return 0;
	}
	if (ended) {
		analysis_ended(s, status, sizeof(status));
		snprintf(data, sizeof(data),
			 "{\"reason\":\"analysis ended\",\"status\":\"%s\"}",
			 status);
		put_event(s, 0, "end", data);
		s->ending = true;
		return 0;
	}
	if (mono_ns() - s->last_write_ns >= KEEPALIVE_NS) {
		lta_strbuf_append(&s->out, ": keep-alive\n\n", 14);
		return 0;
	}
	return 1;
}

static ssize_t events_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct event_stream *s = cls;
	size_t n;

	(void)pos;
	if (s->sent == s->out.len) {
		int ret;

		if (s->ending) {
			return LTA_HTTP_STREAM_END;
		}
		ret = refill(s);
		if (ret < 0) {
			return LTA_HTTP_STREAM_ERROR;
		}
		if (ret > 0) {
			return LTA_HTTP_STREAM_WAIT;
		}
	}
	n = s->out.len - s->sent;
	if (n > max) {
		n = max;
	}
	memcpy(buf, s->out.data + s->sent, n);
	s->sent += n;
	s->last_write_ns = mono_ns();
	return (ssize_t)n;
}

static void events_free(void *cls)
{
	struct event_stream *s = cls;

	if (s) {
		lta_strbuf_fini(&s->out);
		free(s);
	}
}

void lta_http_get_events(struct lta_http_exchange *x)
{
	struct event_stream *s = NULL;
	char status[64];
	int64_t cursor;
	unsigned kinds;

	if (lta_http_query_check(x, events_parameters) ||
	    read_kinds(x, &kinds) || read_cursor(x, &cursor)) {
		return;
	}
	if (x->id > 0 && lta_http_check_analysis(x)) {
		return;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		lta_http_reply_json(x, 500, NULL);
		return;
	}
	s->http = x->http;
	s->analysis = x->id;
	s->cursor = cursor;
	s->kinds = kinds;
	if (s->analysis > 0 && analysis_ended(s, status, sizeof(status))) {
		/* Nothing will come after CURSOR: an EventSource stops. */
		int found = 0;
		int ret = lta_store_events(x->http->context.store, s->analysis,
					   cursor, 1, on_event, s);

		if (ret) {
			lta_http_reply_store_error(x, ret, "events");
			events_free(s);
			return;
		}
		found = s->cursor != cursor;
		s->cursor = cursor;
		s->out.len = 0;
		s->delivered = 0;
		if (!found) {
			x->reply.status = 204;
			x->reply.content_type = "text/event-stream";
			x->reply.body = strdup("");
			x->reply.body_len = 0;
			events_free(s);
			return;
		}
	}
	/* The client retries after 1 s when the connection is lost. */
	lta_strbuf_append(&s->out, "retry: 1000\n\n", 13);
	s->last_write_ns = s->last_refill_ns = mono_ns();
	x->reply.status = 200;
	x->reply.content_type = "text/event-stream";
	x->reply.stream = events_read;
	x->reply.stream_free = events_free;
	x->reply.stream_cls = s;
	x->reply.live = true;
}
