/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Where a request's time went, with sched events (kernel traces): the time
 * of the threads serving it, split into running, waiting for a CPU and
 * blocked (by the type of the descriptor blocked on).
 */
#include "segment-internal.h"

#include <errno.h>

static enum lta_fd_type fd_type_of(struct lta_segment *segment,
				   const struct lta_segment_thread *t,
				   const struct lta_segment_request *r)
{
	const struct lta_segment_pending *p = &t->pending;

	if (!p->active || p->fd < 0 || t->pid < 0) {
		return LTA_FD_OTHER;
	}
	if (r && p->fd == r->record.fd && t->pid == r->record.pid) {
		return LTA_FD_CLIENT;
	}
	return lta_segment_fd_type(segment, t->trace, t->pid, p->fd);
}

/* The request a thread's time goes to now: its call's, or the served one. */
static struct lta_segment_request *working_for(struct lta_segment *segment,
					       struct lta_segment_thread *t)
{
	if (t->pending.active && t->pending.request &&
	    !t->pending.request->emitted) {
		return t->pending.request;
	}
	return lta_segment_serving(segment, t);
}

/*
 * Charges the thread's time since its last scheduling change or event to
 * the request it works for, in its current state, up to TS.
 */
void lta_segment_account(struct lta_segment *segment,
			 struct lta_segment_thread *t, int64_t ts)
{
	struct lta_segment_request *r;
	int64_t d;

	if (t->sched == LTA_SEGMENT_SCHED_UNKNOWN || ts <= t->sched_since) {
		return;
	}
	r = working_for(segment, t);
	/* Only the time inside the request: up to its end. */
	d = (r && r->ended && r->record.end < ts ? r->record.end : ts) -
	    t->sched_since;
	t->sched_since = ts;
	if (!r || r->emitted || d <= 0) {
		return;
	}
	r->record.sched_known = true;
	switch (t->sched) {
	case LTA_SEGMENT_SCHED_RUNNING:
		r->record.running_ns += d;
		break;
	case LTA_SEGMENT_SCHED_WAITING:
		r->record.waiting_ns += d;
		break;
	case LTA_SEGMENT_SCHED_BLOCKED:
		r->record.blocked_ns += d;
		r->record.blocked_by[t->blocked_on] += d;
		break;
	default:
		break;
	}
}

static void set_sched(struct lta_segment *segment, struct lta_segment_thread *t,
		      enum lta_segment_sched state, int64_t ts)
{
	lta_segment_account(segment, t, ts);
	if (state == LTA_SEGMENT_SCHED_BLOCKED) {
		t->blocked_on = fd_type_of(segment, t, working_for(segment, t));
	}
	t->sched = state;
	t->sched_since = ts;
}

int lta_segment_handle_sched(struct lta_segment *segment,
			     const struct lta_event *event)
{
	struct lta_segment_thread *t;

	if (event->kind == LTA_EVENT_SCHED_SWITCH) {
		const struct lta_sched_switch *s = &event->u.sched_switch;

		/* tid 0 is each CPU's idle task: never a server. */
		if (s->prev_tid > 0) {
			t = lta_segment_thread_of(segment, event->trace,
						  s->prev_tid);
			if (!t) {
				return -ENOMEM;
			}
			/* TASK_RUNNING (0): preempted, still runnable. */
			set_sched(segment, t,
				  s->prev_state == 0
					  ? LTA_SEGMENT_SCHED_WAITING
					  : LTA_SEGMENT_SCHED_BLOCKED,
				  event->ts);
		}
		if (s->next_tid > 0) {
			t = lta_segment_thread_of(segment, event->trace,
						  s->next_tid);
			if (!t) {
				return -ENOMEM;
			}
			set_sched(segment, t, LTA_SEGMENT_SCHED_RUNNING,
				  event->ts);
		}
	} else if (event->kind == LTA_EVENT_SCHED_WAKEUP) {
		t = lta_htable_get(
			&segment->threads,
			thread_key(event->trace, event->u.process.tid));
		if (t && t->sched == LTA_SEGMENT_SCHED_BLOCKED) {
			set_sched(segment, t, LTA_SEGMENT_SCHED_WAITING,
				  event->ts);
		}
	} else if (event->kind == LTA_EVENT_STATEDUMP_FD) {
		lta_segment_set_fd_type(
			segment, event->trace, event->u.fd.pid, event->u.fd.fd,
			lta_segment_fd_type_of_filename(event->u.fd.filename));
	}
	return 0;
}
