/* SPDX-License-Identifier: GPL-2.0-only */
#include "request-format.h"

#include <stdlib.h>
#include <sys/socket.h>

/* Appends a string literal; its length is known at compile time. */
#define LIT(out, s) lta_strbuf_append((out), (s), sizeof(s) - 1)

bool lta_request_is_complete(const struct lta_request *r)
{
	return !r->incomplete && (r->end_reason == LTA_REQUEST_END_CLOSE ||
				  r->end_reason == LTA_REQUEST_END_SHUTDOWN ||
				  r->end_reason == LTA_REQUEST_END_KEEPALIVE);
}

int64_t lta_request_latency(const struct lta_request *r)
{
	if (r->answered_ts >= r->start && r->end >= 0 &&
	    r->answered_ts <= r->end) {
		return r->answered_ts - r->start;
	}
	return lta_request_duration(r);
}

int64_t lta_request_duration(const struct lta_request *r)
{
	return r->end >= 0 ? r->end - r->start : -1;
}

static void key(struct lta_strbuf *out, const char *name)
{
	lta_strbuf_putc(out, '"');
	lta_strbuf_puts(out, name);
	LIT(out, "\":");
}

static void int_or_null(struct lta_strbuf *out, const char *name, int64_t v)
{
	key(out, name);
	if (v < 0) {
		LIT(out, "null");
	} else {
		lta_strbuf_int(out, v);
	}
}

static const char *family_name(int family)
{
	switch (family) {
	case AF_INET:
		return "inet";
	case AF_INET6:
		return "inet6";
	case AF_UNIX:
		return "unix";
	default:
		return NULL;
	}
}

static void arg_json(const struct lta_request *r, const struct lta_call_arg *a,
		     struct lta_strbuf *out)
{
	uint8_t i;

	lta_strbuf_json_string(out, a->name ? a->name : "?");
	lta_strbuf_putc(out, ':');
	switch (a->type) {
	case LTA_ARG_SINT:
		lta_strbuf_int(out, a->v.s);
		break;
	case LTA_ARG_UINT:
		lta_strbuf_uint(out, a->v.u);
		break;
	case LTA_ARG_REAL:
		lta_strbuf_printf(out, "%.17g", a->v.real);
		break;
	case LTA_ARG_STRING:
		lta_strbuf_json_string(out, lta_request_string(r, a));
		break;
	case LTA_ARG_INTS:
		lta_strbuf_putc(out, '[');
		for (i = 0; i < a->len && i < LTA_ARG_INTS_MAX; i++) {
			if (i) {
				lta_strbuf_putc(out, ',');
			}
			lta_strbuf_uint(out, a->v.ints[i]);
		}
		lta_strbuf_putc(out, ']');
		break;
	default:
		LIT(out, "null");
		break;
	}
}

/* "peer":{...} or "peer":null, for requests and connections alike. */
static void peer_json(struct lta_strbuf *out, int family_number,
		      const char *peer, int port)
{
	const char *family = family_name(family_number);

	LIT(out, "\"peer\":");
	if (!family) {
		LIT(out, "null");
		return;
	}
	LIT(out, "{\"family\":");
	lta_strbuf_json_string(out, family);
	LIT(out, ",\"address\":");
	if (peer[0]) {
		lta_strbuf_json_string(out, peer);
	} else {
		LIT(out, "null");
	}
	lta_strbuf_putc(out, ',');
	int_or_null(out, "port", port);
	lta_strbuf_putc(out, '}');
}

static void exchange_json(const struct lta_exchange *x, struct lta_strbuf *out)
{
	LIT(out, "{\"component\":");
	if (x->component[0]) {
		lta_strbuf_json_string(out, x->component);
	} else {
		LIT(out, "null");
	}
	LIT(out, ",\"peer\":");
	if (x->peer[0]) {
		lta_strbuf_json_string(out, x->peer);
	} else {
		LIT(out, "null");
	}
	LIT(out, ",\"fd\":");
	lta_strbuf_int(out, x->fd);
	LIT(out, ",\"start_ns\":");
	lta_strbuf_int(out, x->start);
	lta_strbuf_putc(out, ',');
	int_or_null(out, "duration_ns",
		    x->end >= x->start && x->start >= 0 ? x->end - x->start
							: -1);
	LIT(out, ",\"bytes_out\":");
	lta_strbuf_uint(out, x->bytes_out);
	LIT(out, ",\"bytes_in\":");
	lta_strbuf_uint(out, x->bytes_in);
	LIT(out, ",\"link\":\"");
	lta_strbuf_puts(out, lta_link_name(x->link));
	LIT(out, "\",");
	int_or_null(out, "request", x->request ? (int64_t)x->request : -1);
	lta_strbuf_putc(out, '}');
}

void lta_connection_format_json(const struct lta_connection *c,
				const char *host, struct lta_strbuf *out)
{
	LIT(out, "{\"id\":");
	lta_strbuf_uint(out, c->id);
	LIT(out, ",\"trace\":");
	lta_strbuf_uint(out, c->trace);
	LIT(out, ",\"host\":");
	if (host) {
		lta_strbuf_json_string(out, host);
	} else {
		LIT(out, "null");
	}
	LIT(out, ",\"pid\":");
	lta_strbuf_int(out, c->pid);
	LIT(out, ",\"procname\":");
	lta_strbuf_json_string(out, c->procname);
	LIT(out, ",\"fd\":");
	lta_strbuf_int(out, c->fd);
	lta_strbuf_putc(out, ',');
	peer_json(out, c->family, c->peer, c->port);
	lta_strbuf_putc(out, ',');
	int_or_null(out, "accept_entry_ns", c->accept_entry);
	LIT(out, ",\"start_ns\":");
	lta_strbuf_int(out, c->start);
	lta_strbuf_putc(out, ',');
	int_or_null(out, "end_ns", c->end);
	lta_strbuf_putc(out, ',');
	int_or_null(out, "shutdown_ns", c->shutdown_ts);
	lta_strbuf_putc(out, ',');
	int_or_null(out, "close_ns", c->close_ts);
	LIT(out, ",\"end_reason\":\"");
	lta_strbuf_puts(out, lta_request_end_name(c->end_reason));
	LIT(out, "\",\"incomplete\":");
	lta_strbuf_puts(out, c->incomplete ? "true" : "false");
	LIT(out, ",\"peer_closed\":");
	lta_strbuf_puts(out, c->peer_closed ? "true" : "false");
	LIT(out, ",\"requests\":");
	lta_strbuf_uint(out, c->requests);
	lta_strbuf_putc(out, ',');
	int_or_null(out, "first_request",
		    c->first_request ? (int64_t)c->first_request : -1);
	LIT(out, ",\"idle_ns\":");
	lta_strbuf_int(out, c->idle_ns);
	LIT(out, ",\"bytes_read\":");
	lta_strbuf_uint(out, c->bytes_read);
	LIT(out, ",\"bytes_written\":");
	lta_strbuf_uint(out, c->bytes_written);
	lta_strbuf_putc(out, '}');
}

void lta_request_format_json(const struct lta_request *r, const char *host,
			     struct lta_strbuf *out)
{
	uint32_t i;
	uint8_t j;

	LIT(out, "{\"id\":");
	lta_strbuf_uint(out, r->id);
	LIT(out, ",\"connection\":{\"id\":");
	lta_strbuf_uint(out, r->connection_id);
	LIT(out, ",\"position\":");
	lta_strbuf_uint(out, r->position);
	LIT(out, "},\"trace\":");
	lta_strbuf_uint(out, r->trace);
	LIT(out, ",\"host\":");
	if (host) {
		lta_strbuf_json_string(out, host);
	} else {
		LIT(out, "null");
	}
	LIT(out, ",\"pid\":");
	lta_strbuf_int(out, r->pid);
	LIT(out, ",\"procname\":");
	lta_strbuf_json_string(out, r->procname);
	LIT(out, ",\"component\":");
	lta_strbuf_json_string(out,
			       r->component[0] ? r->component : r->procname);
	lta_strbuf_putc(out, ',');
	int_or_null(out, "upstream", r->upstream ? (int64_t)r->upstream : -1);
	LIT(out, ",\"link\":\"");
	lta_strbuf_puts(out, lta_link_name(r->link));
	LIT(out, "\",\"tids\":[");
	for (j = 0; j < r->tid_count; j++) {
		if (j) {
			lta_strbuf_putc(out, ',');
		}
		lta_strbuf_int(out, r->tids[j]);
	}
	LIT(out, "],\"tids_truncated\":");
	lta_strbuf_puts(out, r->tids_truncated ? "true" : "false");
	LIT(out, ",\"late_tids\":[");
	for (j = 0; j < r->late_tid_count; j++) {
		if (j) {
			lta_strbuf_putc(out, ',');
		}
		lta_strbuf_int(out, r->late_tids[j]);
	}
	lta_strbuf_putc(out, ']');
	LIT(out, ",\"fd\":");
	lta_strbuf_int(out, r->fd);
	lta_strbuf_putc(out, ',');
	peer_json(out, r->family, r->peer, r->port);
	lta_strbuf_putc(out, ',');
	int_or_null(out, "accept_entry_ns", r->accept_entry);
	lta_strbuf_putc(out, ',');
	int_or_null(out, "accept_wait_ns",
		    r->accept_entry >= 0 ? r->start - r->accept_entry : -1);
	LIT(out, ",\"start_ns\":");
	lta_strbuf_int(out, r->start);
	lta_strbuf_putc(out, ',');
	int_or_null(out, "end_ns", r->end);
	lta_strbuf_putc(out, ',');
	int_or_null(out, "duration_ns", lta_request_duration(r));
	lta_strbuf_putc(out, ',');
	int_or_null(out, "answered_ns", r->answered_ts);
	lta_strbuf_putc(out, ',');
	int_or_null(out, "shutdown_ns", r->shutdown_ts);
	lta_strbuf_putc(out, ',');
	int_or_null(out, "close_ns", r->close_ts);
	LIT(out, ",\"end_reason\":\"");
	lta_strbuf_puts(out, lta_request_end_name(r->end_reason));
	LIT(out, "\",\"incomplete\":");
	lta_strbuf_puts(out, r->incomplete ? "true" : "false");
	LIT(out, ",\"pipelined\":");
	lta_strbuf_puts(out, r->pipelined ? "true" : "false");
	lta_strbuf_putc(out, ',');
	int_or_null(out, "messages", r->messages ? (int64_t)r->messages : -1);
	LIT(out, ",\"request_line\":");
	if (r->request_line[0]) {
		lta_strbuf_json_string(out, r->request_line);
	} else {
		LIT(out, "null");
	}
	LIT(out, ",\"sched\":");
	if (r->sched_known) {
		int k;

		LIT(out, "{\"running_ns\":");
		lta_strbuf_int(out, r->running_ns);
		LIT(out, ",\"waiting_ns\":");
		lta_strbuf_int(out, r->waiting_ns);
		LIT(out, ",\"blocked_ns\":");
		lta_strbuf_int(out, r->blocked_ns);
		LIT(out, ",\"blocked_by\":{");
		for (k = 0; k < LTA_FD_TYPE_COUNT; k++) {
			if (k) {
				lta_strbuf_putc(out, ',');
			}
			lta_strbuf_putc(out, '"');
			lta_strbuf_puts(out, lta_fd_type_name(k));
			LIT(out, "\":");
			lta_strbuf_int(out, r->blocked_by[k]);
		}
		LIT(out, "}}");
	} else {
		LIT(out, "null");
	}
	LIT(out, ",\"bytes_read\":");
	lta_strbuf_uint(out, r->bytes_read);
	LIT(out, ",\"bytes_written\":");
	lta_strbuf_uint(out, r->bytes_written);
	LIT(out, ",\"calls_total\":");
	lta_strbuf_uint(out, r->call_total);
	LIT(out, ",\"truncated\":");
	lta_strbuf_puts(out, r->truncated ? "true" : "false");
	LIT(out, ",\"syscall_counts\":{");
	for (i = 0; i < r->count_kinds; i++) {
		if (i) {
			lta_strbuf_putc(out, ',');
		}
		lta_strbuf_json_string(out, r->counts[i].name);
		lta_strbuf_putc(out, ':');
		lta_strbuf_uint(out, r->counts[i].count);
	}
	LIT(out, "},\"downstream\":[");
	for (i = 0; i < r->exchange_count; i++) {
		if (i) {
			lta_strbuf_putc(out, ',');
		}
		exchange_json(&r->exchanges[i], out);
	}
	LIT(out, "],\"downstream_truncated\":");
	lta_strbuf_puts(out, r->exchanges_truncated ? "true" : "false");
	LIT(out, ",\"calls\":[");
	for (i = 0; i < r->call_count; i++) {
		const struct lta_call *c = &r->calls[i];

		if (i) {
			lta_strbuf_putc(out, ',');
		}
		LIT(out, "{\"name\":");
		lta_strbuf_json_string(out, c->name);
		LIT(out, ",\"tid\":");
		lta_strbuf_int(out, c->tid);
		LIT(out, ",\"start_ns\":");
		lta_strbuf_int(out, c->start);
		lta_strbuf_putc(out, ',');
		int_or_null(out, "duration_ns", c->duration);
		LIT(out, ",\"ret\":");
		if (c->has_ret) {
			lta_strbuf_int(out, c->ret);
		} else {
			LIT(out, "null");
		}
		LIT(out, ",\"args\":{");
		for (j = 0; j < c->nargs; j++) {
			if (j) {
				lta_strbuf_putc(out, ',');
			}
			arg_json(r, &c->args[j], out);
		}
		LIT(out, "}}");
	}
	LIT(out, "]}");
}

void lta_request_format_text_header(FILE *out)
{
	fputs("#id\tnames\tflags\tdeltas_ns\tprocesses\tpids\ttids\treturns"
	      "\tduration_ms\tstart_ns\tend_reason\tincomplete\tconnection"
	      "\tposition\tpipelined\n",
	      out);
}

/* One event of the text format: an entry or an exit of a call. */
struct text_event {
	int64_t ts;
	const struct lta_call *call;
	bool entry;
};

static int compare_events(const void *a, const void *b)
{
	const struct text_event *x = a, *y = b;

	if (x->ts != y->ts) {
		return x->ts < y->ts ? -1 : 1;
	}
	/* An entry before the exit of the same instant; then call order. */
	if (x->call != y->call) {
		return x->call < y->call ? -1 : 1;
	}
	return x->entry ? -1 : (y->entry ? 1 : 0);
}

void lta_request_format_text(const struct lta_request *r,
			     struct lta_strbuf *out)
{
	struct text_event stack_events[64];
	struct text_event *events = stack_events;
	size_t n = 0, i, field;
	int64_t prev;

	if (r->call_count * 2 > 64) {
		events = malloc(r->call_count * 2 * sizeof(*events));
		if (!events) {
			out->failed = true;
			return;
		}
	}
	for (i = 0; i < r->call_count; i++) {
		const struct lta_call *c = &r->calls[i];

		if (c->duration >= 0) {
			events[n++] = (struct text_event){ c->start, c, true };
			events[n++] =
				(struct text_event){ c->start + c->duration, c,
						     false };
		} else {
			/* Only one side was seen: the exit. */
			events[n++] = (struct text_event){ c->start, c, false };
		}
	}
	qsort(events, n, sizeof(*events), compare_events);

	lta_strbuf_uint(out, r->id);
	for (field = 0; field < 7; field++) {
		lta_strbuf_putc(out, '\t');
		prev = n ? events[0].ts : r->start;
		for (i = 0; i < n; i++) {
			const struct text_event *e = &events[i];

			if (i) {
				lta_strbuf_putc(out, ',');
			}
			switch (field) {
			case 0:
				lta_strbuf_puts(out, e->call->name);
				break;
			case 1:
				lta_strbuf_putc(out, e->entry ? '1' : '0');
				break;
			case 2:
				lta_strbuf_int(out, e->ts - prev);
				prev = e->ts;
				break;
			case 3:
				lta_strbuf_puts(out, r->procname[0]
							     ? r->procname
							     : "?");
				break;
			case 4:
				lta_strbuf_int(out, r->pid);
				break;
			case 5:
				lta_strbuf_int(out, e->call->tid);
				break;
			case 6:
				if (!e->entry && e->call->has_ret) {
					lta_strbuf_int(out, e->call->ret);
				}
				break;
			}
		}
	}
	lta_strbuf_putc(out, '\t');
	if (r->end >= 0) {
		lta_strbuf_printf(out, "%.6f",
				  (double)(r->end - r->start) / 1e6);
	} else {
		lta_strbuf_putc(out, '-');
	}
	lta_strbuf_putc(out, '\t');
	lta_strbuf_int(out, r->start);
	lta_strbuf_putc(out, '\t');
	lta_strbuf_puts(out, lta_request_end_name(r->end_reason));
	lta_strbuf_putc(out, '\t');
	lta_strbuf_putc(out, r->incomplete ? '1' : '0');
	lta_strbuf_putc(out, '\t');
	lta_strbuf_uint(out, r->connection_id);
	lta_strbuf_putc(out, '\t');
	lta_strbuf_uint(out, r->position);
	lta_strbuf_putc(out, '\t');
	lta_strbuf_putc(out, r->pipelined ? '1' : '0');
	if (events != stack_events) {
		free(events);
	}
}
