/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Starts and ends derived from the system calls for the timing-failure
 * agent, without instrumentation: every request is a service of its
 * process, named by its kind (kinds.c); every blocking call made for it on
 * a descriptor that leads to another component is an interaction, named by
 * the component when the connection is paired with a traced server's
 * (segment.h says which).
 */
#include "segment-internal.h"

#include <stdio.h>
#include <string.h>

static void point(struct lta_segment *segment,
		  const struct lta_segment_point *p)
{
	int ret = segment->options.on_point(p, segment->options.point_data);

	if (ret && !segment->stop) {
		segment->stop = ret;
	}
}

/* The service that request R is: its start or its end at TS. */
void lta_segment_service_point(struct lta_segment *segment,
			       const struct lta_segment_request *r, int32_t tid,
			       bool end, int64_t ts)
{
	struct lta_segment_point p = {
		.end = end,
		.trace = r->record.trace,
		.pid = r->record.pid,
		.tid = tid,
		.entity = r->record.procname,
		.name = lta_segment_kind_of(r),
		.key = r->record.id,
		.ts = ts,
	};

	if (segment->options.on_point) {
		point(segment, &p);
	}
}

void lta_segment_interaction_point(struct lta_segment *segment,
				   struct lta_segment_thread *t, bool end,
				   int64_t ts)
{
	struct lta_segment_point p = {
		.end = end,
		.interaction = true,
		.trace = t->trace,
		.pid = t->interaction_pid,
		.tid = t->tid,
		.entity = t->interaction_entity,
		.name = t->interaction_name,
		.key = (uint64_t)(uint32_t)t->tid,
		.service_key = t->interaction_service,
		.ts = ts,
		.service_name = t->interaction_service_name,
	};

	t->in_interaction = !end;
	point(segment, &p);
}

/*
 * A system-call entry made for request R (not ended): starts an
 * interaction when it blocks on a descriptor that leads to another
 * component (segment.h says which).
 */
void lta_segment_derive_interaction(struct lta_segment *segment,
				    struct lta_segment_thread *t,
				    const struct lta_segment_request *r,
				    const struct lta_event *event, int32_t fd)
{
	enum lta_fd_type type = LTA_FD_TYPE_COUNT;
	const struct lta_segment_client *e = NULL;

	if (fd >= 0 && fd == r->record.fd) {
		t->last_other = LTA_FD_TYPE_COUNT;
		t->last_other_fd = -1;
		return;
	}
	if (fd >= 0) {
		type = lta_segment_fd_type(segment, t->trace, t->pid, fd);
		if (type != LTA_FD_SOCKET && type != LTA_FD_PIPE) {
			return;
		}
		t->last_other = type;
		t->last_other_fd = fd;
		if (!is_read(event->syscall) && !is_write(event->syscall) &&
		    event->syscall != LTA_SYSCALL_connect) {
			return;
		}
	} else if (is_wait(event->syscall)) {
		type = t->last_other;
		fd = t->last_other_fd;
		if (type == LTA_FD_TYPE_COUNT) {
			return;
		}
	} else {
		return;
	}
	t->interaction_pid = r->record.pid;
	t->interaction_fd = fd;
	t->interaction_service = r->record.id;
	t->interaction_service_name = lta_segment_kind_of(r);
	memcpy(t->interaction_entity, r->record.procname,
	       sizeof(t->interaction_entity));
	if (type == LTA_FD_SOCKET && fd >= 0 && segment->clients.count) {
		e = lta_htable_get(&segment->clients,
				   fd_key(event->trace, event->pid, fd));
	}
	/*
	 * With a traced server at the other end, the estimate is of that
	 * server (learned across requests and threads), not of sockets.
	 */
	if (!e || !e->server ||
	    !lta_segment_component_call(
		    segment, r->record.procname, e->server->component,
		    event->syscall_name, t->interaction_name,
		    sizeof(t->interaction_name))) {
		snprintf(t->interaction_name, sizeof(t->interaction_name),
			 "%s:%s", lta_fd_type_name(type), event->syscall_name);
	}
	lta_segment_interaction_point(segment, t, false, event->ts);
}

int64_t lta_segment_downstream(const struct lta_segment *segment,
			       uint32_t trace, int32_t tid)
{
	const struct lta_segment_thread *t =
		lta_htable_get(&segment->threads, thread_key(trace, tid));
	const struct lta_segment_client *e;
	const struct lta_segment_request *r, *d;
	const struct lta_exchange *x;

	if (!t || !t->in_interaction || t->interaction_fd < 0) {
		return -1;
	}
	e = lta_htable_get(&segment->clients,
			   fd_key(trace, t->pid, t->interaction_fd));
	if (!e || !e->server) {
		return -1;
	}
	/* The exchange in progress: the latest one, of this request. */
	if (!e->request || e->request != t->interaction_service) {
		return 0;
	}
	r = lta_htable_get(&segment->by_id, e->request);
	if (!r || r->emitted || e->exchange >= r->record.exchange_count) {
		return 0;
	}
	x = &r->record.exchanges[e->exchange];
	d = x->request ? lta_htable_get(&segment->by_id, x->request) : NULL;
	return d && !d->ended && !d->emitted ? (int64_t)x->request : 0;
}
