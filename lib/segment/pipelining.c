/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * HTTP pipelining, from the user-space tracer's lttng_analyzer_syscall:http
 * events: how many request lines a read brought and how many answers a
 * write sent. With them, a request whose answer begins while the previous
 * one was answered is cut from it. Kernel traces have no such event.
 */
#include "segment-internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define HTTP_EVENT_NAME "lttng_analyzer_syscall:http"

bool lta_segment_is_http_event(struct lta_segment *segment,
			       const struct lta_event *event)
{
	if (event->name == segment->http_name) {
		return event->name != NULL;
	}
	if (!event->name || event->name == segment->not_http_name) {
		return false;
	}
	if (strcmp(event->name, HTTP_EVENT_NAME) == 0) {
		segment->http_name = event->name;
		return true;
	}
	segment->not_http_name = event->name;
	return false;
}

static int64_t arg_int_or(const struct lta_event *event, const char *name,
			  int64_t otherwise)
{
	int64_t v;

	return arg_value(lta_event_find_arg(event, name), &v) ? v : otherwise;
}

/*
 * Ends request R, answered, at TS and begins the next one on its
 * connection, which the client sent before that answer (pipelining): the
 * tracer saw the server start another answer. The call THREAD is in (that
 * write) moves to the new request. Returns it, or NULL when out of memory.
 */
static struct lta_segment_request *next_pipelined(struct lta_segment *segment,
						  struct lta_segment_thread *t,
						  struct lta_segment_request *r,
						  int64_t ts)
{
	struct lta_segment_connection *c = r->conn;
	struct lta_segment_request *next;

	lta_segment_end_request(segment, r, ts, LTA_REQUEST_END_KEEPALIVE,
				false);
	next = lta_segment_begin_request(segment, c, ts, t->tid);
	if (next) {
		next->record.pipelined = true;
		if (c->queued) {
			c->queued--;
		}
	}
	if (t->pending.request == r) {
		lta_segment_request_put(r);
		t->pending.request = next;
		if (next) {
			lta_segment_request_get(next);
		}
	}
	if (next) {
		t->serving = next->record.id;
	}
	lta_segment_emit(segment, r);
	lta_segment_release(segment, r);
	return next;
}

/*
 * The user-space tracer's lttng_analyzer_syscall:http event: the read or
 * write the thread is in carried the start of MESSAGES HTTP messages
 * (request lines received, final status lines sent). Kernel traces have
 * no such event: there, pipelined requests stay in one record.
 */
int lta_segment_handle_http(struct lta_segment *segment,
			    const struct lta_event *event)
{
	struct lta_segment_thread *t;
	struct lta_segment_connection *c;
	struct lta_segment_request *r;
	const struct lta_arg *line;
	int64_t fd, direction, messages;

	if (event->tid < 0 || event->pid < 0) {
		return 0;
	}
	t = lta_htable_get(&segment->threads,
			   thread_key(event->trace, event->tid));
	fd = arg_int_or(event, "fd", -1);
	direction = arg_int_or(event, "direction", -1);
	messages = arg_int_or(event, "messages", 0);
	if (!t || !t->pending.active || fd < 0 || t->pending.fd != fd ||
	    messages <= 0 || messages > UINT32_MAX) {
		return 0;
	}
	c = lta_htable_get(&segment->by_fd,
			   fd_key(event->trace, event->pid, (int32_t)fd));
	if (!c) {
		return 0;
	}
	r = lta_segment_current(c);
	line = lta_event_find_arg(event, "first_line");
	if (direction == 0) {
		const char *text =
			line && line->type == LTA_ARG_STRING ? line->v.str : "";

		if (!r) {
			/* Idle: the read begins a request at its exit. */
			t->http_messages = (uint32_t)messages;
			snprintf(t->http_line, sizeof(t->http_line), "%s",
				 text);
			return 0;
		}
		if (!r->record.request_line[0]) {
			snprintf(r->record.request_line,
				 sizeof(r->record.request_line), "%s", text);
			lta_segment_kind_line(segment, r, event->ts);
		}
		/* More requests than this one: they wait behind it. */
		c->queued += (uint32_t)messages -
			     (r->record.messages == 0 && !r->answering);
		return 0;
	}
	if (direction != 1 || !r || r->ended || r->emitted) {
		return 0;
	}
	if (r->record.messages > 0) {
		/* Another answer begins: the one before it was over. */
		r = next_pipelined(segment, t, r,
				   r->record.answered_ts >= 0
					   ? r->record.answered_ts
					   : event->ts);
		if (!r) {
			return -ENOMEM;
		}
	}
	r->record.messages += (uint32_t)messages;
	if (r->record.messages > 1) {
		/* Several answers in one write: cannot be told apart. */
		r->record.pipelined = true;
		c->queued = c->queued > r->record.messages - 1
				    ? c->queued - (r->record.messages - 1)
				    : 0;
	}
	return 0;
}
