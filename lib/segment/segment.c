/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The segmenter's core: creation, the feed of system-call entries and
 * exits (which request each call belongs to, bytes exchanged, a new
 * request on an idle connection), lost events, and the end of the trace.
 * segment-internal.h says where the other concepts live.
 */
#include "segment-internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_MAX_CALLS 1000
#define THREAD_SWEEP_LIMIT 65536

struct lta_segment *
lta_segment_create(const struct lta_segment_options *options,
		   lta_segment_request_func on_request, void *user_data)
{
	struct lta_segment *segment = calloc(1, sizeof(*segment));

	if (!segment) {
		return NULL;
	}
	segment->options.max_calls = DEFAULT_MAX_CALLS;
	if (options) {
		segment->options = *options;
		if (options->process) {
			segment->process = strdup(options->process);
			if (!segment->process) {
				goto error;
			}
		}
	}
	segment->options.process = segment->process;
	segment->on_request = on_request;
	segment->user_data = user_data;
	memset(segment->peer_index, -1, sizeof(segment->peer_index));
	segment->next_id = 1;
	segment->next_connection_id = 1;
	if (lta_htable_init(&segment->by_fd, 256) ||
	    lta_htable_init(&segment->connections, 256) ||
	    lta_htable_init(&segment->by_id, 256) ||
	    lta_htable_init(&segment->threads, 256) ||
	    lta_htable_init(&segment->fd_types, 256) ||
	    lta_segment_tiers_init(segment) ||
	    lta_segment_kinds_init(segment)) {
		goto error;
	}
	return segment;

error:
	lta_segment_destroy(segment);
	return NULL;
}

/* The descriptor a system-call entry acts on, or -1. */
static int32_t entry_fd(const struct lta_event *event)
{
	int64_t fd;

	if (event->syscall == LTA_SYSCALL_sendfile ||
	    event->syscall == LTA_SYSCALL_sendfile64) {
		const struct lta_arg *a = lta_event_find_arg(event, "out_fd");

		if (a && a->type == LTA_ARG_SINT) {
			return (int32_t)a->v.s;
		}
		if (a && a->type == LTA_ARG_UINT) {
			return (int32_t)a->v.u;
		}
		return -1;
	}
	if (!lta_event_arg_int(event, event->fd_arg, &fd) || fd < 0 ||
	    fd > INT32_MAX) {
		return -1;
	}
	return (int32_t)fd;
}

static int handle_entry(struct lta_segment *segment,
			struct lta_segment_thread *t,
			const struct lta_event *event)
{
	struct lta_segment_pending *p = &t->pending;
	struct lta_segment_connection *c = NULL;
	struct lta_segment_request *r = NULL;
	int32_t fd = entry_fd(event);

	if (p->active) {
		/* Its exit was lost: forget it. */
		lta_segment_drop_pending(segment, t);
	}
	if (event->syscall == LTA_SYSCALL_close && fd >= 0) {
		lta_segment_forget_fd(segment, event->trace, event->pid, fd);
		lta_segment_client_closed(segment, event->trace, event->pid,
					  fd);
	}
	if (fd >= 0) {
		c = lta_htable_get(&segment->by_fd,
				   fd_key(event->trace, event->pid, fd));
	}
	if (c) {
		r = lta_segment_current(c);
		if (r && r->answering && !r->ended && is_read(event->syscall)) {
			/*
			 * The server answered and turns back to the
			 * connection: the request is over, and the
			 * connection idle until bytes come (this read may
			 * bring them: its exit says).
			 */
			lta_segment_end_request(segment, r, event->ts,
						LTA_REQUEST_END_KEEPALIVE,
						false);
			lta_segment_emit(segment, r);
			lta_segment_release(segment, r);
			c->idle_since = event->ts;
			r = NULL;
		}
		t->http_messages = 0;
		t->http_line[0] = '\0';
		if (r) {
			if (!r->ended) {
				t->serving = r->record.id;
			}
		} else {
			/* A call on an idle connection: no request's. */
			t->serving = 0;
			if (event->syscall == LTA_SYSCALL_shutdown ||
			    event->syscall == LTA_SYSCALL_close) {
				lta_segment_connection_ends(c, event->syscall,
							    event->ts);
			}
			if (event->syscall == LTA_SYSCALL_close) {
				lta_segment_hand_out_connection(segment, c);
				c = NULL;
			}
		}
	} else if (waits_for_work(event->syscall)) {
		t->serving = 0;
	} else {
		r = lta_segment_serving(segment, t);
		lta_segment_client_entry(segment, t, r, event, fd);
		if (r && is_write(event->syscall)) {
			/* A message to another server may name its kind. */
			lta_segment_kind_write(segment, r, event, fd);
		}
	}

	p->active = true;
	p->name = event->syscall_name;
	p->syscall = event->syscall;
	p->entry_ts = event->ts;
	p->fd = fd;
	p->request = r;
	p->call.name = event->syscall_name;
	p->call.tid = event->tid;
	p->call.start = event->ts;
	p->call.duration = -1;
	p->call.has_ret = false;
	lta_segment_copy_args(p, event);
	if (!r) {
		return 0;
	}
	lta_segment_request_get(r);
	if (segment->options.on_point && !r->ended) {
		lta_segment_derive_interaction(segment, t, r, event, fd);
	}

	/* The first shutdown or close ends the request. */
	if (fd == r->record.fd && event->syscall == LTA_SYSCALL_shutdown) {
		if (r->record.shutdown_ts < 0) {
			r->record.shutdown_ts = event->ts;
		}
		if (r->conn) {
			lta_segment_connection_ends(r->conn, event->syscall,
						    event->ts);
		}
		lta_segment_end_request(segment, r, event->ts,
					LTA_REQUEST_END_SHUTDOWN, false);
	} else if (fd == r->record.fd && event->syscall == LTA_SYSCALL_close) {
		r->record.close_ts = event->ts;
		if (r->conn) {
			lta_segment_connection_ends(r->conn, event->syscall,
						    event->ts);
		}
		lta_segment_end_request(segment, r, event->ts,
					LTA_REQUEST_END_CLOSE, true);
	}
	return 0;
}

/*
 * The exit of a read or a write (RET bytes) that THREAD made on a
 * descriptor, with R the request its entry was attributed to (or NULL).
 * Counts the bytes on the request and on its connection, notes the answer
 * being written, and begins a request when bytes arrive on an idle
 * connection. Sets *REQUEST to the request the call belongs to now.
 * Returns 0 or -ENOMEM.
 */
static int exchange_exit(struct lta_segment *segment,
			 struct lta_segment_thread *t,
			 const struct lta_event *event,
			 struct lta_segment_request **request, int64_t ret)
{
	struct lta_segment_pending *p = &t->pending;
	struct lta_segment_request *r = *request;
	struct lta_segment_connection *c;
	bool read = is_read(event->syscall);

	/*
	 * The call's request is on that descriptor (the common case): its
	 * connection is at hand; else look it up (an idle connection, or a
	 * descriptor that is not a connection's).
	 */
	if (r && r->conn && r->record.fd == p->fd &&
	    r->record.pid == event->pid) {
		c = r->conn;
	} else {
		c = lta_htable_get(&segment->by_fd,
				   fd_key(event->trace, event->pid, p->fd));
	}
	if (!c) {
		return 0;
	}
	if (ret > 0) {
		if (read) {
			c->record.bytes_read += (uint64_t)ret;
		} else {
			c->record.bytes_written += (uint64_t)ret;
		}
	}
	if (!r && !lta_segment_current(c) && read && c->record.end < 0) {
		/* Nothing begins once the server shut the connection down. */
		if (ret == 0) {
			/* End of file: the client closed while idle. */
			c->record.peer_closed = true;
			return 0;
		}
		if (ret < 0) {
			return 0;
		}
		/* Bytes on an idle connection: the next request. */
		r = lta_segment_begin_request(segment, c, p->entry_ts,
					      event->tid);
		if (!r) {
			return -ENOMEM;
		}
		*request = r;
		lta_segment_request_get(r);
		p->request = r;
		t->serving = r->record.id;
		if (t->http_messages) {
			/* Those past the first wait behind it. */
			c->queued += t->http_messages - 1;
			memcpy(r->record.request_line, t->http_line,
			       sizeof(r->record.request_line));
			lta_segment_kind_line(segment, r, event->ts);
		}
	}
	if (!r || r->emitted || r->conn != c) {
		return 0;
	}
	if (read) {
		r->record.reads++;
		if (ret > 0) {
			r->record.bytes_read += (uint64_t)ret;
		}
	} else if (ret > 0) {
		r->record.bytes_written += (uint64_t)ret;
		if (!r->ended) {
			r->answering = true;
			r->record.answered_ts = event->ts;
		}
	}
	return 0;
}

static int handle_exit(struct lta_segment *segment,
		       struct lta_segment_thread *t,
		       const struct lta_event *event)
{
	struct lta_segment_pending *p = &t->pending;
	struct lta_segment_request *r;
	struct lta_call unpaired, *call;
	const char *strings = "";
	int64_t ret = 0;
	bool has_ret = lta_event_arg_int(event, event->ret_arg, &ret);
	bool paired = p->active && p->name == event->syscall_name;
	int err = 0;

	if (p->active && !paired) {
		lta_segment_drop_pending(segment, t);
	}
	if (paired) {
		/* Completed in place: the entry's copy is the record. */
		call = &p->call;
		call->duration = event->ts - p->entry_ts;
		strings = p->strings;
	} else {
		call = &unpaired;
		call->name = event->syscall_name;
		call->tid = event->tid;
		call->start = event->ts;
		call->duration = -1;
		call->nargs = 0;
	}
	call->has_ret = has_ret;
	call->ret = ret;

	if (has_ret && ret >= 0) {
		switch (event->syscall) {
		case LTA_SYSCALL_socket:
		case LTA_SYSCALL_accept:
		case LTA_SYSCALL_accept4:
			lta_segment_set_fd_type(segment, event->trace,
						event->pid, ret, LTA_FD_SOCKET);
			break;
		case LTA_SYSCALL_open:
		case LTA_SYSCALL_openat:
			lta_segment_set_fd_type(segment, event->trace,
						event->pid, ret, LTA_FD_FILE);
			if (paired) {
				/* The file it serves may name its kind. */
				lta_segment_kind_open(segment, t, p->request,
						      event);
			}
			break;
		case LTA_SYSCALL_clone:
		case LTA_SYSCALL_clone3:
		case LTA_SYSCALL_fork:
		case LTA_SYSCALL_vfork:
			/* The parent's side: RET is the child. */
			if (ret > 0 && ret <= INT32_MAX) {
				err = lta_segment_kind_fork(
					segment, event->trace, event->tid,
					(int32_t)ret);
			}
			break;
		default:
			break;
		}
	}
	if (err) {
		goto end;
	}

	if (is_accept(event->syscall) && has_ret && ret >= 0) {
		if (segment->options.process &&
		    (!event->procname ||
		     strcmp(event->procname, segment->options.process) != 0)) {
			if (paired) {
				lta_segment_drop_pending(segment, t);
			}
			return 0;
		}
		r = lta_segment_open_connection(segment, event, (int32_t)ret,
						paired ? p->entry_ts : -1);
		if (!r) {
			err = -ENOMEM;
			goto end;
		}
		t->serving = r->record.id;
		err = lta_segment_append_call(segment, r, call, strings);
		goto end;
	}

	if (paired && event->syscall == LTA_SYSCALL_connect && has_ret &&
	    (ret == 0 || ret == -EINPROGRESS)) {
		err = lta_segment_client_connected(segment, t, event);
		if (err) {
			goto end;
		}
	}
	r = paired ? p->request : lta_segment_serving(segment, t);
	if (paired && has_ret && p->fd >= 0 &&
	    (is_read(event->syscall) || is_write(event->syscall))) {
		lta_segment_client_exit(segment, event, p->fd, ret);
		err = exchange_exit(segment, t, event, &r, ret);
		if (err) {
			goto end;
		}
	}
	if (!r) {
		goto end;
	}
	if (r->emitted) {
		goto end;
	}
	err = lta_segment_append_call(segment, r, call, strings);
	if (paired && lta_segment_closes_request(t, r)) {
		/* The close completed: nothing more can come on this fd. */
		lta_segment_emit_closed(segment, r);
	}
end:
	if (paired) {
		lta_segment_drop_pending(segment, t);
	}
	return err;
}

int lta_segment_feed(struct lta_segment *segment, const struct lta_event *event)
{
	return lta_segment_feed_cached(segment, event, NULL);
}

int lta_segment_feed_cached(struct lta_segment *segment,
			    const struct lta_event *event, void **slot)
{
	struct lta_segment_thread *t;
	int ret = 0;

	switch (event->kind) {
	case LTA_EVENT_SCHED_SWITCH:
	case LTA_EVENT_SCHED_WAKEUP:
	case LTA_EVENT_STATEDUMP_FD:
		return lta_segment_handle_sched(segment, event);
	case LTA_EVENT_PROCESS_FORK:
		/* A child of a serving thread: its exec names a kind. */
		return lta_segment_kind_fork(segment, event->trace,
					     event->u.process.parent_tid,
					     event->u.process.tid);
	case LTA_EVENT_PROCESS_EXEC:
		lta_segment_kind_exec(segment, event->trace,
				      event->u.process.tid >= 0
					      ? event->u.process.tid
					      : event->tid,
				      event->u.process.name, event->ts);
		ret = segment->stop;
		segment->stop = 0;
		return ret;
	case LTA_EVENT_OTHER:
		if (!lta_segment_is_http_event(segment, event)) {
			return 0;
		}
		ret = lta_segment_handle_http(segment, event);
		if (!ret) {
			ret = segment->stop;
		}
		segment->stop = 0;
		return ret;
	default:
		break;
	}
	if (event->tid < 0 || event->pid < 0) {
		return 0;
	}
	switch (event->kind) {
	case LTA_EVENT_SOCKNAME:
		ret = lta_segment_handle_sockname(segment, event);
		break;
	case LTA_EVENT_SYSCALL_ENTRY:
	case LTA_EVENT_SYSCALL_EXIT:
		if (!event->syscall_name) {
			return 0;
		}
		if (segment->threads.count >= THREAD_SWEEP_LIMIT) {
			lta_segment_sweep_threads(segment);
		}
		t = slot ? *slot : NULL;
		LTA_ASSERT_DBG(!t || (t->tid == event->tid &&
				      t->trace == event->trace));
		if (!t) {
			t = lta_segment_thread_of(segment, event->trace,
						  event->tid);
			if (!t) {
				return -ENOMEM;
			}
			if (slot) {
				/* The next events of the thread: no lookup. */
				*slot = t;
				t->slot = slot;
			}
		}
		t->pid = event->pid;
		/* Split the thread's time where what it works for may change.
		 */
		lta_segment_account(segment, t, event->ts);
		if (t->in_interaction) {
			/* Its exit (or, when lost, the next call) ends it. */
			lta_segment_interaction_point(segment, t, true,
						      event->ts);
		}
		if (event->kind == LTA_EVENT_SYSCALL_ENTRY) {
			ret = handle_entry(segment, t, event);
			if (event->syscall == LTA_SYSCALL_exit_group) {
				lta_segment_abort_process(segment, event->trace,
							  event->pid,
							  event->ts);
				lta_segment_kind_exit(segment, event->trace,
						      event->tid);
			} else if (event->syscall == LTA_SYSCALL_execve &&
				   segment->children.count) {
				const struct lta_arg *a =
					lta_event_find_arg(event, "filename");

				lta_segment_kind_exec(
					segment, event->trace, event->tid,
					a && a->type == LTA_ARG_STRING
						? a->v.str
						: NULL,
					event->ts);
			}
		} else {
			ret = handle_exit(segment, t, event);
		}
		break;
	case LTA_EVENT_PROCESS_EXIT:
		/*
		 * sched_process_exit is made by the exiting thread; the
		 * process is gone when its leader (tid == pid) exits.
		 */
		if (event->u.process.tid == event->pid) {
			lta_segment_abort_process(segment, event->trace,
						  event->pid, event->ts);
			lta_segment_forget_fds(segment, event->trace,
					       event->pid);
		}
		if (event->u.process.tid >= 0) {
			lta_segment_forget_thread(segment, event->trace,
						  event->u.process.tid);
			lta_segment_kind_exit(segment, event->trace,
					      event->u.process.tid);
		}
		break;
	default:
		break;
	}
	if (ret) {
		return ret;
	}
	ret = segment->stop;
	segment->stop = 0;
	return ret;
}

void lta_segment_discard(struct lta_segment *segment, uint32_t trace)
{
	size_t pos = 0;
	uint64_t key;
	void *value;

	bool all = trace == LTA_SEGMENT_ALL_TRACES;

	segment->counters.discards++;
	while (lta_htable_next(&segment->by_id, &pos, &key, &value)) {
		struct lta_segment_request *r = value;

		if ((all || r->record.trace == trace) && !r->emitted) {
			r->record.incomplete = true;
		}
	}
	pos = 0;
	while (lta_htable_next(&segment->connections, &pos, &key, &value)) {
		struct lta_segment_connection *c = value;

		if (all || c->record.trace == trace) {
			c->record.incomplete = true;
		}
	}
	/*
	 * Calls in flight may have lost their exit; they are dropped (their
	 * requests stay, incomplete), except a close of a request's
	 * descriptor: that request is over and handed out now. Releasing may
	 * free requests, so the threads are walked first and requests
	 * released after.
	 */
	pos = 0;
	while (lta_htable_next(&segment->threads, &pos, &key, &value)) {
		struct lta_segment_thread *t = value;

		if ((all || t->trace == trace) && t->pending.active) {
			/*
			 * Its exit may be lost. A request whose last
			 * reference this was is recycled (it was kept until
			 * the end before: a leak under discards).
			 */
			lta_segment_drop_pending(segment, t);
		}
	}
	pos = 0;
	while (lta_htable_next(&segment->by_id, &pos, &key, &value)) {
		struct lta_segment_request *r = value;

		if (r->emitted && r->refs == 0) {
			/* Freed below: restart, the table changed. */
			lta_segment_release(segment, r);
			pos = 0;
		}
	}
}

static int compare_ids(const void *a, const void *b)
{
	const struct lta_segment_request *x =
		*(struct lta_segment_request *const *)a;
	const struct lta_segment_request *y =
		*(struct lta_segment_request *const *)b;

	return x->record.id < y->record.id ? -1 : x->record.id > y->record.id;
}

int lta_segment_finish(struct lta_segment *segment)
{
	struct lta_segment_request **all;
	size_t pos = 0, n = 0, i;
	uint64_t key;
	void *value;
	int ret;

	/* Drop calls in flight: the trace ended before their exits. */
	while (lta_htable_next(&segment->threads, &pos, &key, &value)) {
		struct lta_segment_thread *t = value;

		if (t->pending.request) {
			lta_segment_request_put(t->pending.request);
		}
		t->pending.request = NULL;
		t->pending.active = false;
	}
	all = calloc(segment->by_id.count + 1, sizeof(*all));
	if (!all) {
		return -ENOMEM;
	}
	pos = 0;
	while (lta_htable_next(&segment->by_id, &pos, &key, &value)) {
		all[n++] = value;
	}
	/* In id order, so that output is stable from run to run. */
	qsort(all, n, sizeof(*all), compare_ids);
	for (i = 0; i < n; i++) {
		lta_segment_emit(segment, all[i]);
		lta_htable_remove(&segment->by_id, all[i]->record.id);
		lta_segment_request_recycle(segment, all[i]);
	}
	free(all);
	lta_segment_finish_connections(segment);
	lta_htable_fini(&segment->by_fd);
	lta_htable_init(&segment->by_fd, 16);
	ret = segment->stop;
	segment->stop = 0;
	return ret;
}

const struct lta_segment_counters *
lta_segment_counters(const struct lta_segment *segment)
{
	return &segment->counters;
}

void lta_segment_destroy(struct lta_segment *segment)
{
	size_t pos = 0;
	uint64_t key;
	void *value;

	if (!segment) {
		return;
	}
	while (lta_htable_next(&segment->threads, &pos, &key, &value)) {
		lta_segment_thread_free(value);
	}
	pos = 0;
	while (lta_htable_next(&segment->by_id, &pos, &key, &value)) {
		lta_segment_request_free(value);
	}
	pos = 0;
	while (lta_htable_next(&segment->connections, &pos, &key, &value)) {
		lta_segment_server_gone(segment, value);
		free(value);
	}
	lta_segment_tiers_fini(segment);
	lta_segment_kinds_fini(segment);
	while (segment->spare_count) {
		lta_segment_request_free(
			segment->spare[--segment->spare_count]);
	}
	lta_htable_fini(&segment->threads);
	lta_htable_fini(&segment->fd_types);
	lta_htable_fini(&segment->by_id);
	lta_htable_fini(&segment->by_fd);
	lta_htable_fini(&segment->connections);
	free(segment->process);
	free(segment);
}
