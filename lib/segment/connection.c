/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Connections and the requests on them: a connection opens at an accept
 * exit, carries one request or many (persistent connections), and is
 * handed out after its last request, when its close was entered, its
 * process exited or the trace ended. Idle time between requests is the
 * connection's, never a request's.
 */
#include "segment-internal.h"

#include <stdlib.h>
#include <string.h>

static inline uint64_t connection_fd_key(const struct lta_segment_connection *c)
{
	return fd_key(c->record.trace, c->record.pid, c->record.fd);
}

/* The connection's descriptor is closed: its number may be reused. */
void lta_segment_forget_connection_fd(struct lta_segment *segment,
				      struct lta_segment_connection *c)
{
	uint64_t key = connection_fd_key(c);

	if (lta_htable_get(&segment->by_fd, key) == c) {
		lta_htable_remove(&segment->by_fd, key);
	}
}

void lta_segment_emit(struct lta_segment *segment,
		      struct lta_segment_request *r)
{
	struct lta_segment_connection *c = r->conn;
	int ret = 0;

	if (r->emitted) {
		return;
	}
	LTA_ASSERT_DBG(!r->released);
	LTA_ASSERT_DBG(segment->counters.requests_open > 0);
	if (c) {
		c->record.requests++;
		/* Handed out once each: never more than begun on it. */
		LTA_ASSERT_DBG(c->record.requests <= c->positions);
		if (r->record.incomplete) {
			c->record.incomplete = true;
		}
		if (c->current == r) {
			c->current = NULL;
		}
		r->conn = NULL;
	}
	if ((r->record.end_reason == LTA_REQUEST_END_CLOSE ||
	     r->record.end_reason == LTA_REQUEST_END_SHUTDOWN) &&
	    r->record.bytes_read == 0) {
		r->record.end_reason = LTA_REQUEST_END_EMPTY;
	}
	r->record.truncated = r->record.call_total > r->record.call_count;
	r->emitted = true;
	if (r->record.incomplete) {
		segment->counters.requests_incomplete++;
	}
	segment->counters.requests_emitted++;
	segment->counters.requests_open--;
	if (segment->on_request) {
		ret = segment->on_request(&r->record, segment->user_data);
	}
	if (ret && !segment->stop) {
		segment->stop = ret;
	}
}

/*
 * Hands connection C out and frees it. Its request, if any, must have been
 * handed out first (lta_segment_emit() detaches it).
 */
void lta_segment_hand_out_connection(struct lta_segment *segment,
				     struct lta_segment_connection *c)
{
	struct lta_connection *k = &c->record;
	int ret = 0;

	if (c->current) {
		/* Not handed out: the caller could not (out of memory). */
		c->current->conn = NULL;
		c->current = NULL;
	}
	if (c->idle_since >= 0 && k->end >= c->idle_since) {
		k->idle_ns += k->end - c->idle_since;
	}
	if ((k->end_reason == LTA_REQUEST_END_CLOSE ||
	     k->end_reason == LTA_REQUEST_END_SHUTDOWN) &&
	    k->bytes_read == 0) {
		k->end_reason = LTA_REQUEST_END_EMPTY;
	}
	lta_segment_forget_connection_fd(segment, c);
	lta_htable_remove(&segment->connections, k->id);
	LTA_ASSERT_DBG(segment->counters.connections_open > 0);
	LTA_ASSERT_DBG(k->requests <= c->positions);
	segment->counters.connections_open--;
	if (segment->options.on_connection) {
		ret = segment->options.on_connection(
			k, segment->options.connection_data);
	}
	if (ret && !segment->stop) {
		segment->stop = ret;
	}
	lta_segment_server_gone(segment, c);
	free(c);
}

/* A shutdown or a close of the connection's descriptor entered at TS. */
void lta_segment_connection_ends(struct lta_segment_connection *c,
				 enum lta_syscall syscall, int64_t ts)
{
	struct lta_connection *k = &c->record;

	if (syscall == LTA_SYSCALL_shutdown) {
		if (k->shutdown_ts < 0) {
			k->shutdown_ts = ts;
		}
	} else if (k->close_ts < 0) {
		k->close_ts = ts;
	}
	if (k->end < 0) {
		k->end = ts;
		k->end_reason = syscall == LTA_SYSCALL_shutdown
					? LTA_REQUEST_END_SHUTDOWN
					: LTA_REQUEST_END_CLOSE;
	}
}

/*
 * Ends R now with REASON if it has not ended, and forgets its descriptor
 * when FORGET_FD (close, process exit): the number may be reused.
 */
void lta_segment_end_request(struct lta_segment *segment,
			     struct lta_segment_request *r, int64_t ts,
			     enum lta_request_end reason, bool forget_fd)
{
	if (!r->ended) {
		r->ended = true;
		r->record.end = ts;
		r->record.end_reason = reason;
		if (reason != LTA_REQUEST_END_ABORTED) {
			lta_segment_service_point(segment, r, -1, true, ts);
		}
	}
	if (forget_fd && r->conn) {
		lta_segment_forget_connection_fd(segment, r->conn);
	}
}

/*
 * Hands R out and, when its descriptor is closed, its connection too: the
 * close completed, or its exit was lost.
 */
void lta_segment_emit_closed(struct lta_segment *segment,
			     struct lta_segment_request *r)
{
	struct lta_segment_connection *c = r->conn;

	lta_segment_emit(segment, r);
	if (c && c->record.close_ts >= 0) {
		lta_segment_hand_out_connection(segment, c);
	}
}

/*
 * Begins a request on connection C at START (the accept exit for the first
 * one; the entry of the read that brought the first bytes of the next
 * ones), served by thread TID. Returns NULL when out of memory.
 */
struct lta_segment_request *
lta_segment_begin_request(struct lta_segment *segment,
			  struct lta_segment_connection *c, int64_t start,
			  int32_t tid)
{
	const struct lta_connection *k = &c->record;
	struct lta_segment_request *r = lta_segment_request_new(segment);

	if (!r) {
		return NULL;
	}
	r->record.id = segment->next_id;
	r->record.connection_id = k->id;
	r->record.position = c->positions + 1;
	r->record.trace = k->trace;
	r->record.pid = k->pid;
	r->record.fd = k->fd;
	memcpy(r->record.procname, k->procname, sizeof(r->record.procname));
	r->record.family = k->family;
	r->record.port = k->port;
	memcpy(r->record.peer, k->peer, sizeof(r->record.peer));
	r->record.accept_entry = r->record.position == 1 ? k->accept_entry : -1;
	r->record.start = start;
	r->record.end = -1;
	r->record.answered_ts = -1;
	r->record.shutdown_ts = -1;
	r->record.close_ts = -1;
	r->record.end_reason = LTA_REQUEST_END_OPEN;
	/* One request at a time: the one before is over. */
	LTA_ASSERT_DBG(!c->current || c->current->ended);
	if (lta_htable_put(&segment->by_id, r->record.id, r)) {
		lta_segment_request_recycle(segment, r);
		return NULL;
	}
	r->conn = c;
	c->current = r;
	c->positions++;
	lta_segment_link_upstream(segment, c, r);
	if (!c->record.first_request) {
		c->record.first_request = r->record.id;
	}
	if (c->idle_since >= 0) {
		if (start > c->idle_since) {
			c->record.idle_ns += start - c->idle_since;
		}
		c->idle_since = -1;
	}
	segment->next_id++;
	segment->counters.requests_opened++;
	segment->counters.requests_open++;
	lta_segment_service_point(segment, r, tid, false, start);
	return r;
}

/*
 * A connection accepted: descriptor FD of the accept exit EVENT. A
 * connection still known on that descriptor lost its close (discarded
 * events): it and its request end as "replaced". Returns the connection's
 * first request, or NULL when out of memory.
 */
struct lta_segment_request *
lta_segment_open_connection(struct lta_segment *segment,
			    const struct lta_event *event, int32_t fd,
			    int64_t accept_entry)
{
	uint64_t key = fd_key(event->trace, event->pid, fd);
	struct lta_segment_connection *old =
		lta_htable_get(&segment->by_fd, key);
	struct lta_segment_connection *c;
	struct lta_connection *k;
	struct lta_segment_request *r;

	if (old) {
		struct lta_segment_request *cur = lta_segment_current(old);

		old->record.incomplete = true;
		if (cur) {
			cur->record.incomplete = true;
			lta_segment_end_request(segment, cur, event->ts,
						LTA_REQUEST_END_REPLACED,
						false);
			lta_segment_emit(segment, cur);
			lta_segment_release(segment, cur);
		}
		if (old->record.end < 0) {
			old->record.end = event->ts;
			old->record.end_reason = LTA_REQUEST_END_REPLACED;
		}
		lta_segment_hand_out_connection(segment, old);
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		return NULL;
	}
	k = &c->record;
	k->id = segment->next_connection_id;
	k->trace = event->trace;
	k->pid = event->pid;
	k->fd = fd;
	if (event->procname) {
		size_t len = strnlen(event->procname, sizeof(k->procname) - 1);

		memcpy(k->procname, event->procname, len);
		k->procname[len] = '\0';
	}
	k->accept_entry = accept_entry;
	k->start = event->ts;
	k->end = -1;
	k->shutdown_ts = -1;
	k->close_ts = -1;
	k->end_reason = LTA_REQUEST_END_OPEN;
	c->idle_since = -1;
	lta_segment_set_peer(segment, k, event);
	if (lta_htable_put(&segment->connections, k->id, c)) {
		free(c);
		return NULL;
	}
	if (lta_htable_put(&segment->by_fd, key, c)) {
		lta_htable_remove(&segment->connections, k->id);
		free(c);
		return NULL;
	}
	lta_segment_server_opened(segment, c);
	segment->next_connection_id++;
	segment->counters.connections_opened++;
	segment->counters.connections_open++;
	r = lta_segment_begin_request(segment, c, event->ts, event->tid);
	if (!r) {
		/* Followed without requests: its calls count nowhere. */
		return NULL;
	}
	return r;
}

static int compare_connections(const void *a, const void *b)
{
	const struct lta_segment_connection *x =
		*(struct lta_segment_connection *const *)a;
	const struct lta_segment_connection *y =
		*(struct lta_segment_connection *const *)b;

	return x->record.id < y->record.id ? -1 : x->record.id > y->record.id;
}

/* Ends every connection of (TRACE, PID), and its request, as aborted. */
void lta_segment_abort_process(struct lta_segment *segment, uint32_t trace,
			       int32_t pid, int64_t ts)
{
	struct lta_segment_connection **victims = NULL;
	size_t pos = 0, n = 0, cap = 0, i;
	uint64_t key;
	void *value;

	lta_segment_clients_gone(segment, trace, pid);
	while (lta_htable_next(&segment->connections, &pos, &key, &value)) {
		struct lta_segment_connection *c = value;

		if (c->record.trace != trace || c->record.pid != pid) {
			continue;
		}
		if (n == cap) {
			struct lta_segment_connection **grown;

			cap = cap ? cap * 2 : 16;
			grown = realloc(victims, cap * sizeof(*victims));
			if (!grown) {
				break;
			}
			victims = grown;
		}
		victims[n++] = c;
	}
	/* In id order: the order requests are handed out must be stable. */
	if (n > 1) {
		qsort(victims, n, sizeof(*victims), compare_connections);
	}
	for (i = 0; i < n; i++) {
		struct lta_segment_connection *c = victims[i];
		struct lta_segment_request *r = lta_segment_current(c);

		if (r) {
			lta_segment_end_request(segment, r, ts,
						LTA_REQUEST_END_ABORTED, true);
			lta_segment_emit(segment, r);
			lta_segment_release(segment, r);
		}
		if (c->record.close_ts < 0) {
			c->record.end_reason = LTA_REQUEST_END_ABORTED;
			if (c->record.end < 0) {
				c->record.end = ts;
			}
		}
		lta_segment_hand_out_connection(segment, c);
	}
	free(victims);
}

/* The trace ended: every connection still followed is handed out. */
void lta_segment_finish_connections(struct lta_segment *segment)
{
	struct lta_segment_connection **all;
	size_t pos = 0, n = 0, i;
	uint64_t key;
	void *value;

	all = calloc(segment->connections.count + 1, sizeof(*all));
	if (!all) {
		return;
	}
	while (lta_htable_next(&segment->connections, &pos, &key, &value)) {
		all[n++] = value;
	}
	if (n > 1) {
		qsort(all, n, sizeof(*all), compare_connections);
	}
	for (i = 0; i < n; i++) {
		lta_segment_hand_out_connection(segment, all[i]);
	}
	free(all);
}
