/* SPDX-License-Identifier: GPL-2.0-only */
#include "timing.h"

#include <errno.h>
#include <stdlib.h>

struct lta_timing {
	struct lta_timing_options options;
	struct lta_agent *agent;
	lta_timing_error_func on_error;
	void *user_data;
	int64_t now;
};

static int on_agent_error(const struct lta_agent_error *error, bool late,
			  void *user_data)
{
	struct lta_timing *timing = user_data;
	struct lta_timing_error e = {
		.error = error,
		.late = late,
		.derived = (error->key & LTA_TIMING_DERIVED_KEY) != 0,
		.key = error->key & ~LTA_TIMING_DERIVED_KEY,
	};

	return timing->on_error ? timing->on_error(&e, timing->user_data) : 0;
}

/* The agent asks what a hung interaction waited for: derived ones only. */
static int64_t downstream_of(const struct lta_agent_error *error, void *data)
{
	struct lta_timing *timing = data;

	if (!(error->key & LTA_TIMING_DERIVED_KEY)) {
		return -1;
	}
	return timing->options.downstream(error->trace, error->pid, error->tid,
					  timing->options.downstream_data);
}

struct lta_timing *lta_timing_create(const struct lta_timing_options *options,
				     lta_timing_error_func on_error,
				     void *user_data)
{
	struct lta_timing *timing = calloc(1, sizeof(*timing));

	if (!timing) {
		return NULL;
	}
	if (options) {
		timing->options = *options;
	}
	timing->on_error = on_error;
	timing->user_data = user_data;
	timing->now = INT64_MIN;
	timing->options.agent.downstream =
		timing->options.downstream ? downstream_of : NULL;
	timing->options.agent.downstream_data = timing;
	timing->agent = lta_agent_create(&timing->options.agent, on_agent_error,
					 timing);
	if (!timing->agent) {
		free(timing);
		return NULL;
	}
	return timing;
}

int lta_timing_advance(struct lta_timing *timing, int64_t now)
{
	if (now <= timing->now) {
		return 0;
	}
	timing->now = now;
	return lta_agent_advance(timing->agent, now);
}

int lta_timing_event(struct lta_timing *timing, const struct lta_event *event)
{
	const struct lta_rbl_event *p = &event->u.rbl;
	enum lta_agent_kind kind = LTA_AGENT_SERVICE;
	int ret;

	/* Deadlines passed before this event fire first. */
	ret = lta_timing_advance(timing, event->ts);
	if (ret) {
		return ret;
	}
	if (event->kind == LTA_EVENT_RBL_START ||
	    event->kind == LTA_EVENT_RBL_END) {
		kind = p->interaction ? LTA_AGENT_INTERACTION
				      : LTA_AGENT_SERVICE;
	}
	switch (event->kind) {
	case LTA_EVENT_RBL_START:
		if (timing->options.no_rbl) {
			return 0;
		}
		return lta_agent_start(
			timing->agent, kind, event->trace, event->pid,
			event->tid, p->entity, p->name,
			p->key & ~LTA_TIMING_DERIVED_KEY, event->ts);
	case LTA_EVENT_RBL_END:
		if (timing->options.no_rbl) {
			return 0;
		}
		ret = lta_agent_end(timing->agent, kind, event->trace,
				    event->pid, p->entity, p->name,
				    p->key & ~LTA_TIMING_DERIVED_KEY,
				    event->ts);
		return ret == -ENOENT ? 0 : ret;
	case LTA_EVENT_PROCESS_EXIT:
		/* The process is gone when its leader exits. */
		if (event->u.process.tid == event->pid && event->pid >= 0) {
			return lta_agent_process_exit(timing->agent,
						      event->trace, event->pid,
						      event->ts);
		}
		return 0;
	case LTA_EVENT_SYSCALL_ENTRY:
		if (event->syscall == LTA_SYSCALL_exit_group &&
		    event->pid >= 0) {
			return lta_agent_process_exit(timing->agent,
						      event->trace, event->pid,
						      event->ts);
		}
		return 0;
	default:
		return 0;
	}
}

int lta_timing_point(struct lta_timing *timing,
		     const struct lta_segment_point *point)
{
	enum lta_agent_kind kind =
		point->interaction ? LTA_AGENT_INTERACTION : LTA_AGENT_SERVICE;
	uint64_t key = point->key | LTA_TIMING_DERIVED_KEY;
	int ret;

	if (timing->options.no_derived) {
		return 0;
	}
	ret = lta_timing_advance(timing, point->ts);
	if (ret) {
		return ret;
	}
	if (point->moved_from) {
		/* Its kind is known: its deadline is that kind's. */
		ret = lta_agent_move(timing->agent, kind, point->trace,
				     point->pid, point->entity,
				     point->moved_from, key, point->entity,
				     point->name);
		return ret == -ENOENT ? 0 : ret;
	}
	if (point->end) {
		ret = lta_agent_end(timing->agent, kind, point->trace,
				    point->pid, point->entity, point->name, key,
				    point->ts);
		return ret == -ENOENT ? 0 : ret;
	}
	if (point->interaction) {
		/* The request may be served by another thread than its
		 * acceptor's. */
		lta_agent_thread_serves(
			timing->agent, point->trace, point->pid, point->tid,
			point->entity,
			point->service_name ? point->service_name : "request",
			point->service_key | LTA_TIMING_DERIVED_KEY);
	}
	return lta_agent_start(timing->agent, kind, point->trace, point->pid,
			       point->tid, point->entity, point->name, key,
			       point->ts);
}

int lta_timing_open_processes(const struct lta_timing *timing,
			      int (*fn)(uint32_t trace, int32_t pid,
					void *user_data),
			      void *user_data)
{
	return lta_agent_open_processes(timing->agent, fn, user_data);
}

const struct lta_agent *lta_timing_agent(const struct lta_timing *timing)
{
	return timing->agent;
}

int64_t lta_timing_now(const struct lta_timing *timing)
{
	return timing->now;
}

void lta_timing_destroy(struct lta_timing *timing)
{
	if (!timing) {
		return;
	}
	lta_agent_destroy(timing->agent);
	free(timing);
}
