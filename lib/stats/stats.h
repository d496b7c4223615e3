/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The stats analysis: what a trace holds, counted in one pass.
 *
 * Fed completed events (after the tasks module), it counts events per name
 * and, per process (trace, pid, name), its system calls: how many, and the
 * time from entry to exit per call name. Memory is proportional to the
 * distinct names and processes, never to the trace length.
 *
 * Names are keyed by the pointers the source interned: a stats object must
 * not outlive the source that fed it. A report copies what it shows.
 * Not thread-safe: one instance per analysis thread.
 */
#ifndef LTA_STATS_STATS_H
#define LTA_STATS_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "event/event.h"

#define LTA_STATS_NAME_MAX 32

struct lta_stats;

struct lta_stats_name {
	char *name; /* Owned by the report. */
	uint64_t count;
};

struct lta_stats_syscall {
	char *name;	/* Owned by the report. */
	uint64_t calls; /* Entries seen. */
	uint64_t timed; /* Exits paired with their entry. */
	uint64_t unmatched_exits;
	int64_t total_ns; /* Sum of entry-to-exit times of timed. */
	int64_t max_ns;
};

struct lta_stats_process {
	uint32_t trace;
	int32_t pid;		       /* -1: events no thread is known for. */
	char name[LTA_STATS_NAME_MAX]; /* "" when not known. */
	uint64_t events;
	uint64_t syscalls; /* Sum of calls. */
	size_t syscall_count;
	struct lta_stats_syscall *syscalls_by_count; /* Owned; desc. */
};

struct lta_stats_report {
	uint64_t events;
	size_t name_count;
	struct lta_stats_name *names; /* Owned; by count, desc. */
	size_t process_count;
	struct lta_stats_process *processes; /* Owned; by syscalls, desc. */
};

/* Returns NULL when out of memory. */
struct lta_stats *lta_stats_create(void);

/*
 * Counts EVENT. Returns 0, or -ENOMEM (the event is then not counted).
 */
int lta_stats_feed(struct lta_stats *stats, const struct lta_event *event);

/*
 * As lta_stats_feed(), for a pipeline consumer: *SLOT (the consumer's slot
 * in the event's thread, lib/pipeline) caches the thread's process, so
 * that it is found without a lookup. NULL: no cache.
 */
int lta_stats_feed_cached(struct lta_stats *stats,
			  const struct lta_event *event, void **slot);

/*
 * Builds a sorted report of everything counted so far. Returns NULL when
 * out of memory. The report owns its strings and outlives the stats.
 */
struct lta_stats_report *lta_stats_report_create(const struct lta_stats *stats);

/* Both accept NULL. */
void lta_stats_report_destroy(struct lta_stats_report *report);
void lta_stats_destroy(struct lta_stats *stats);

#endif /* LTA_STATS_STATS_H */
