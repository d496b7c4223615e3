/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The pipeline: one analysis path from decoded events to every analysis.
 *
 * The decode module hands each event to lta_pipeline_feed(). The pipeline
 * runs the tasks module on it once (who made it, which call an exit ends:
 * one thread lookup per event) and hands the completed event, with that
 * thread, to each consumer in the order they were added: the segmenter,
 * the timing agent, statistics, and whatever a command or the daemon adds.
 * The command-line tool and the daemon's workers build their pipelines
 * from the same consumers (src/lttng-analyzer, src/lttng-analyzerd).
 *
 * A consumer is a small interface: feed (every event), tick (trace time
 * advanced with no event: a live session's inactivity), discard (the
 * tracer lost events), flush (the input ended), forget (a thread is gone:
 * its slot is freed) and destroy. Adding one touches no other. Each
 * consumer owns one slot in every struct lta_thread (lib/tasks/tasks.h) for
 * its per-thread state, so that it need not keep a table of its own.
 *
 * No lock: a pipeline belongs to the thread that feeds it.
 */
#ifndef LTA_PIPELINE_PIPELINE_H
#define LTA_PIPELINE_PIPELINE_H

#include <stdint.h>

#include "event/event.h"
#include "tasks/tasks.h"

struct lta_consumer {
	const char *name; /* For messages: "segment", "timing"... */
	void *state;	  /* Borrowed: given to every function. */
	/*
	 * Every event, completed by the tasks module. THREAD made it (NULL
	 * when not known); SLOT is the consumer's index in THREAD->slots.
	 * Returns 0, a positive value to stop reading, or a negative errno.
	 */
	int (*feed)(void *state, const struct lta_event *event,
		    struct lta_thread *thread, unsigned slot);
	/* Trace time reached TS with no event. May be NULL. Returns as feed. */
	int (*tick)(void *state, int64_t ts);
	/* The tracer discarded events in TRACE. May be NULL. */
	void (*discard)(void *state, uint32_t trace);
	/* The input ended. May be NULL. Returns as feed. */
	int (*flush)(void *state);
	/* THREAD is forgotten: free what its slot holds. May be NULL. */
	void (*forget)(void *state, struct lta_thread *thread, unsigned slot);
	/* Frees STATE. May be NULL (the caller owns STATE). */
	void (*destroy)(void *state);
};

struct lta_pipeline;

/* Creates an empty pipeline (and its tasks state). NULL: out of memory. */
struct lta_pipeline *lta_pipeline_create(void);

/*
 * Adds CONSUMER (copied) after the others. Returns its slot, or -ENOSPC
 * past LTA_THREAD_SLOTS consumers.
 */
int lta_pipeline_add(struct lta_pipeline *pipeline,
		     const struct lta_consumer *consumer);

/*
 * Completes EVENT (in place, lib/tasks) and hands it to each consumer.
 * Returns 0, or the first non-zero value a consumer returned (the others
 * after it do not see the event).
 */
int lta_pipeline_feed(struct lta_pipeline *pipeline, struct lta_event *event);

/* Hands a tick, a discard, the end of the input to each consumer. */
int lta_pipeline_tick(struct lta_pipeline *pipeline, int64_t ts);
void lta_pipeline_discard(struct lta_pipeline *pipeline, uint32_t trace);
int lta_pipeline_flush(struct lta_pipeline *pipeline);

/* The tasks state (counters, lookups). Borrowed. */
struct lta_tasks *lta_pipeline_tasks(struct lta_pipeline *pipeline);

/* Destroys the consumers (their destroy), then the pipeline. NULL: no-op. */
void lta_pipeline_destroy(struct lta_pipeline *pipeline);

#endif /* LTA_PIPELINE_PIPELINE_H */
