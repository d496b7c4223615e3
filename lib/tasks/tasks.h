/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The tasks module: who is running, and which system call each thread is in.
 *
 * Sits right after decode in the data flow. For traces recorded with the
 * pid/tid/procname (or vpid/vtid/procname) contexts, every event already
 * says who made it. For traces without them (the kernel traces most people
 * have), the current thread of each CPU is rebuilt from sched_switch, and
 * each thread's process and name from lttng_statedump_process_state,
 * sched_process_fork, sched_process_exec and sched_process_free.
 *
 * lta_tasks_feed() completes each event in place: pid, tid and procname when
 * the trace lacks them, and for a system-call exit the timestamp of its entry
 * (entry_ts) and, for 2.4-era exit_syscall events, which call it ends.
 *
 * Memory is proportional to the threads alive and the CPUs, never to the
 * trace length. Not thread-safe: one instance per analysis thread.
 */
#ifndef LTA_TASKS_TASKS_H
#define LTA_TASKS_TASKS_H

#include <stdint.h>

#include "event/event.h"

#define LTA_TASK_NAME_MAX 32
#define LTA_THREAD_SLOTS 8

struct lta_tasks;

struct lta_thread {
	uint32_t trace;
	int32_t tid;
	int32_t pid;		      /* -1 when not known. */
	char name[LTA_TASK_NAME_MAX]; /* "" when not known. */

	/* The system call the thread is in, from its entry event. */
	enum lta_syscall pending_syscall;
	const char *pending_name; /* Borrowed from the decoder's plan. */
	int64_t pending_ts;	  /* -1: not in a known system call. */
	/*
	 * Per-thread state of the consumers of a pipeline (one slot each,
	 * lib/pipeline): NULL until a consumer sets it; freed through the
	 * forget callback (lta_tasks_on_forget()) before the thread is.
	 */
	void *slots[LTA_THREAD_SLOTS];
};

struct lta_tasks_counters {
	uint64_t threads;	      /* Alive now. */
	uint64_t unattributed_events; /* No thread known for them. */
	uint64_t unmatched_exits;     /* Exit with no entry seen. */
	uint64_t unmatched_entries;   /* Entry followed by another entry. */
};

/*
 * Creates an empty state. Returns NULL when out of memory.
 */
struct lta_tasks *lta_tasks_create(void);

/*
 * Updates the state with EVENT and completes it (see above). Strings set in
 * EVENT point into the state and are valid until the next call. Returns 0,
 * or -ENOMEM (EVENT is then left as decoded).
 */
int lta_tasks_feed(struct lta_tasks *tasks, struct lta_event *event);

/*
 * As lta_tasks_feed(), and sets *THREAD to the thread that made EVENT
 * (NULL when not known, or when EVENT freed it): valid until the next
 * call. The one lookup of the thread per event.
 */
int lta_tasks_feed_thread(struct lta_tasks *tasks, struct lta_event *event,
			  struct lta_thread **thread);

/*
 * FN is called with each thread the state forgets (a freed process, and
 * every thread at destroy), before it is freed: what its slots point to
 * is the slot owners' to free.
 */
void lta_tasks_on_forget(struct lta_tasks *tasks,
			 void (*fn)(struct lta_thread *thread, void *data),
			 void *data);

/*
 * Returns the thread TID of trace TRACE, or NULL. Borrowed: valid until the
 * next lta_tasks_feed().
 */
const struct lta_thread *lta_tasks_thread(const struct lta_tasks *tasks,
					  uint32_t trace, int32_t tid);

/* Borrowed; valid until destroy. */
const struct lta_tasks_counters *
lta_tasks_counters(const struct lta_tasks *tasks);

/* Accepts NULL. */
void lta_tasks_destroy(struct lta_tasks *tasks);

#endif /* LTA_TASKS_TASKS_H */
