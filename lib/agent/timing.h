/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Timing: the agent (agent.h) fed from an analysis, the glue that the
 * daemon and `lttng-analyzer errors` share so that a live run and a replay
 * of its trace raise the same errors.
 *
 * Two origins of starts and ends feed one agent:
 *   rbl      the lttng_analyzer_rbl points of instrumented programs
 *            (<lttng-analyzer/rbl.h>);
 *   derived  the segmenter's points (segment.h, struct lta_segment_point):
 *            each request a service of its process, named by its kind
 *            (moved to it when the kind is known: lta_agent_move()), each
 *            blocking call to another component an interaction. No
 *            instrumentation.
 * Derived keys carry LTA_TIMING_DERIVED_KEY so that they never pair with an
 * rbl point; errors are handed out with the origin and the key without it.
 *
 * Processes: the kernel's sched_process_exit of a leader, and an
 * exit_group entry, tell the agent a process is gone (a crash when it had
 * starts open). Without the kernel tracer, the caller checks the processes
 * that have starts open (lta_timing_open_processes) and feeds the gone
 * ones as process-exit events (lta_timing_event), the same path as the
 * kernel's; before a deadline fires, the agent's process_gone option may
 * turn a hang of a dead process into its crash. Not thread-safe.
 */
#ifndef LTA_AGENT_TIMING_H
#define LTA_AGENT_TIMING_H

#include <stdbool.h>
#include <stdint.h>

#include "agent/agent.h"
#include "event/event.h"
#include "segment/segment.h"

#define LTA_TIMING_DERIVED_KEY (1ULL << 63)

struct lta_timing_options {
	struct lta_agent_options agent; /* Its downstream is the glue's. */
	bool no_rbl;			/* Ignore instrumentation points. */
	bool no_derived;		/* Ignore the segmenter's points. */
	/*
	 * Optional: asked when a derived InE of thread (TRACE, TID) is
	 * raised, before it is handed out: the downstream request it was
	 * waiting for, as lta_segment_downstream() answers (-1: does not
	 * apply, 0: none was running). Its answer is the error's downstream
	 * (-1 for any other error). NULL: never asked.
	 */
	int64_t (*downstream)(uint32_t trace, int32_t pid, int32_t tid,
			      void *data);
	void *downstream_data;
};

/* An error (or its late end, LATE) with its origin; borrowed for the call. */
struct lta_timing_error {
	const struct lta_agent_error *error;
	bool late;
	bool derived;
	uint64_t key; /* Without LTA_TIMING_DERIVED_KEY. */
};

typedef int (*lta_timing_error_func)(const struct lta_timing_error *e,
				     void *user_data);

struct lta_timing;

/* OPTIONS may be NULL. Returns NULL when out of memory. */
struct lta_timing *lta_timing_create(const struct lta_timing_options *options,
				     lta_timing_error_func on_error,
				     void *user_data);

/*
 * One decoded event: advances trace time to its timestamp (deadlines
 * passed fire first), then rbl points and process exits. Returns 0,
 * -ENOMEM or what the callback returned.
 */
int lta_timing_event(struct lta_timing *timing, const struct lta_event *event);

/*
 * One derived point of the segmenter: a start, an end, or a service moved
 * to its kind (moved_from). Returns like lta_timing_event().
 */
int lta_timing_point(struct lta_timing *timing,
		     const struct lta_segment_point *point);

/* Trace time is NOW (live inactivity: the programs are silent). */
int lta_timing_advance(struct lta_timing *timing, int64_t now);

/* Calls FN once per process with starts open (agent.h). */
int lta_timing_open_processes(const struct lta_timing *timing,
			      int (*fn)(uint32_t trace, int32_t pid,
					void *user_data),
			      void *user_data);

/* The agent, for its estimates and counters. */
const struct lta_agent *lta_timing_agent(const struct lta_timing *timing);

/* Newest trace time seen; INT64_MIN before any. */
int64_t lta_timing_now(const struct lta_timing *timing);

/* Accepts NULL. */
void lta_timing_destroy(struct lta_timing *timing);

#endif /* LTA_AGENT_TIMING_H */
