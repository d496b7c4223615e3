/* SPDX-License-Identifier: GPL-2.0-only */
#include "stats.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/htable.h"

struct syscall_count {
	const char *name; /* Interned by the source. */
	uint64_t calls, timed, unmatched_exits;
	int64_t total_ns, max_ns;
};

/* One (trace, pid, name): a pid that exec'd has one per name. */
struct process {
	struct process *next; /* Same (trace, pid), other name. */
	uint32_t trace;
	int32_t pid;
	char name[LTA_STATS_NAME_MAX];
	uint64_t events;
	struct lta_htable syscalls; /* Name pointer -> owned count. */
};

struct name_count {
	const char *name; /* Interned by the source. */
	uint64_t count;
};

struct lta_stats {
	uint64_t events;
	struct lta_htable names;     /* Name pointer -> owned name_count. */
	struct lta_htable processes; /* (trace, pid) -> owned chain. */
	struct process *last;	     /* Borrowed: last one fed. */
};

struct lta_stats *lta_stats_create(void)
{
	struct lta_stats *stats = calloc(1, sizeof(*stats));

	if (!stats) {
		return NULL;
	}
	if (lta_htable_init(&stats->names, 256) ||
	    lta_htable_init(&stats->processes, 256)) {
		lta_stats_destroy(stats);
		return NULL;
	}
	return stats;
}

static uint64_t process_key(uint32_t trace, int32_t pid)
{
	return ((uint64_t)trace << 32) | (uint32_t)pid;
}

static bool same_name(const char *stored, const char *name)
{
	if (!name) {
		return stored[0] == '\0';
	}
	return strncmp(stored, name, LTA_STATS_NAME_MAX - 1) == 0;
}

static struct process *process_of(struct lta_stats *stats,
				  const struct lta_event *event, void **slot)
{
	uint64_t key = process_key(event->trace, event->pid);
	struct process *head, *p;

	/* The thread's process last time (a name change is checked). */
	p = slot ? *slot : NULL;
	if (p && p->trace == event->trace && p->pid == event->pid &&
	    same_name(p->name, event->procname)) {
		return p;
	}
	p = stats->last;
	if (p && p->trace == event->trace && p->pid == event->pid &&
	    same_name(p->name, event->procname)) {
		return p;
	}
	head = lta_htable_get(&stats->processes, key);
	for (p = head; p; p = p->next) {
		if (same_name(p->name, event->procname)) {
			stats->last = p;
			return p;
		}
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		return NULL;
	}
	p->trace = event->trace;
	p->pid = event->pid;
	if (event->procname) {
		snprintf(p->name, sizeof(p->name), "%s", event->procname);
	}
	if (lta_htable_init(&p->syscalls, 16)) {
		free(p);
		return NULL;
	}
	p->next = head;
	if (lta_htable_put(&stats->processes, key, p)) {
		lta_htable_fini(&p->syscalls);
		free(p);
		return NULL;
	}
	stats->last = p;
	return p;
}

static struct syscall_count *syscall_of(struct process *p, const char *name)
{
	struct syscall_count *sc;

	sc = lta_htable_get(&p->syscalls, (uint64_t)(uintptr_t)name);
	if (sc) {
		return sc;
	}
	sc = calloc(1, sizeof(*sc));
	if (!sc) {
		return NULL;
	}
	sc->name = name;
	if (lta_htable_put(&p->syscalls, (uint64_t)(uintptr_t)name, sc)) {
		free(sc);
		return NULL;
	}
	return sc;
}

int lta_stats_feed(struct lta_stats *stats, const struct lta_event *event)
{
	return lta_stats_feed_cached(stats, event, NULL);
}

int lta_stats_feed_cached(struct lta_stats *stats,
			  const struct lta_event *event, void **slot)
{
	struct name_count *nc;
	struct process *p;
	struct syscall_count *sc;

	nc = lta_htable_get(&stats->names, (uint64_t)(uintptr_t)event->name);
	if (!nc) {
		nc = calloc(1, sizeof(*nc));
		if (!nc) {
			return -ENOMEM;
		}
		nc->name = event->name;
		if (lta_htable_put(&stats->names,
				   (uint64_t)(uintptr_t)event->name, nc)) {
			free(nc);
			return -ENOMEM;
		}
	}
	nc->count++;
	stats->events++;

	p = process_of(stats, event, slot);
	if (!p) {
		return -ENOMEM;
	}
	if (slot) {
		*slot = p;
	}
	p->events++;
	if (event->kind != LTA_EVENT_SYSCALL_ENTRY &&
	    event->kind != LTA_EVENT_SYSCALL_EXIT) {
		return 0;
	}
	if (!event->syscall_name) {
		/* A 2.4-era exit whose entry was never seen. */
		sc = syscall_of(p, "(unknown)");
	} else {
		sc = syscall_of(p, event->syscall_name);
	}
	if (!sc) {
		return -ENOMEM;
	}
	if (event->kind == LTA_EVENT_SYSCALL_ENTRY) {
		sc->calls++;
	} else if (event->entry_ts >= 0 && event->ts >= event->entry_ts) {
		int64_t d = event->ts - event->entry_ts;

		sc->timed++;
		sc->total_ns += d;
		if (d > sc->max_ns) {
			sc->max_ns = d;
		}
	} else {
		sc->unmatched_exits++;
	}
	return 0;
}

static int compare_names(const void *a, const void *b)
{
	const struct lta_stats_name *x = a, *y = b;

	if (x->count != y->count) {
		return x->count > y->count ? -1 : 1;
	}
	return strcmp(x->name, y->name);
}

static int compare_syscalls(const void *a, const void *b)
{
	const struct lta_stats_syscall *x = a, *y = b;

	if (x->calls != y->calls) {
		return x->calls > y->calls ? -1 : 1;
	}
	if (x->total_ns != y->total_ns) {
		return x->total_ns > y->total_ns ? -1 : 1;
	}
	return strcmp(x->name, y->name);
}

static int compare_processes(const void *a, const void *b)
{
	const struct lta_stats_process *x = a, *y = b;

	if (x->syscalls != y->syscalls) {
		return x->syscalls > y->syscalls ? -1 : 1;
	}
	if (x->events != y->events) {
		return x->events > y->events ? -1 : 1;
	}
	if (x->trace != y->trace) {
		return x->trace < y->trace ? -1 : 1;
	}
	if (x->pid != y->pid) {
		return x->pid < y->pid ? -1 : 1;
	}
	return strcmp(x->name, y->name);
}

static int report_process(const struct process *p,
			  struct lta_stats_process *out)
{
	size_t pos = 0, n = 0;
	uint64_t key;
	void *value;

	out->trace = p->trace;
	out->pid = p->pid;
	memcpy(out->name, p->name, sizeof(out->name));
	out->events = p->events;
	out->syscalls = 0;
	out->syscall_count = p->syscalls.count;
	out->syscalls_by_count =
		calloc(p->syscalls.count ? p->syscalls.count : 1,
		       sizeof(*out->syscalls_by_count));
	if (!out->syscalls_by_count) {
		return -ENOMEM;
	}
	while (lta_htable_next(&p->syscalls, &pos, &key, &value)) {
		const struct syscall_count *sc = value;
		struct lta_stats_syscall *s = &out->syscalls_by_count[n];

		s->name = strdup(sc->name);
		if (!s->name) {
			return -ENOMEM;
		}
		s->calls = sc->calls;
		s->timed = sc->timed;
		s->unmatched_exits = sc->unmatched_exits;
		s->total_ns = sc->total_ns;
		s->max_ns = sc->max_ns;
		out->syscalls += sc->calls;
		n++;
	}
	qsort(out->syscalls_by_count, n, sizeof(*out->syscalls_by_count),
	      compare_syscalls);
	return 0;
}

struct lta_stats_report *lta_stats_report_create(const struct lta_stats *stats)
{
	struct lta_stats_report *report = calloc(1, sizeof(*report));
	size_t pos = 0, n = 0, count = 0;
	uint64_t key;
	void *value;

	if (!report) {
		goto error;
	}
	report->events = stats->events;
	report->names = calloc(stats->names.count ? stats->names.count : 1,
			       sizeof(*report->names));
	if (!report->names) {
		goto error;
	}
	while (lta_htable_next(&stats->names, &pos, &key, &value)) {
		const struct name_count *nc = value;

		report->names[n].name = strdup(nc->name);
		if (!report->names[n].name) {
			goto error;
		}
		report->names[n].count = nc->count;
		report->name_count = ++n;
	}
	qsort(report->names, n, sizeof(*report->names), compare_names);

	pos = 0;
	while (lta_htable_next(&stats->processes, &pos, &key, &value)) {
		const struct process *p;

		for (p = value; p; p = p->next) {
			count++;
		}
	}
	report->processes =
		calloc(count ? count : 1, sizeof(*report->processes));
	if (!report->processes) {
		goto error;
	}
	pos = 0;
	while (lta_htable_next(&stats->processes, &pos, &key, &value)) {
		const struct process *p;

		for (p = value; p; p = p->next) {
			int ret = report_process(
				p, &report->processes[report->process_count]);

			report->process_count++;
			if (ret) {
				goto error;
			}
		}
	}
	qsort(report->processes, report->process_count,
	      sizeof(*report->processes), compare_processes);
	return report;

error:
	lta_stats_report_destroy(report);
	return NULL;
}

void lta_stats_report_destroy(struct lta_stats_report *report)
{
	size_t i, j;

	if (!report) {
		return;
	}
	for (i = 0; i < report->name_count; i++) {
		free(report->names[i].name);
	}
	free(report->names);
	for (i = 0; i < report->process_count; i++) {
		struct lta_stats_process *p = &report->processes[i];

		for (j = 0; p->syscalls_by_count && j < p->syscall_count; j++) {
			free(p->syscalls_by_count[j].name);
		}
		free(p->syscalls_by_count);
	}
	free(report->processes);
	free(report);
}

void lta_stats_destroy(struct lta_stats *stats)
{
	size_t pos = 0, pos2;
	uint64_t key;
	void *value;

	if (!stats) {
		return;
	}
	while (lta_htable_next(&stats->names, &pos, &key, &value)) {
		free(value);
	}
	pos = 0;
	while (lta_htable_next(&stats->processes, &pos, &key, &value)) {
		struct process *p = value;

		while (p) {
			struct process *next = p->next;

			pos2 = 0;
			while (lta_htable_next(&p->syscalls, &pos2, &key,
					       &value)) {
				free(value);
			}
			lta_htable_fini(&p->syscalls);
			free(p);
			p = next;
		}
	}
	lta_htable_fini(&stats->names);
	lta_htable_fini(&stats->processes);
	free(stats);
}
