/* SPDX-License-Identifier: GPL-2.0-only */
#include "tasks.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/assert-dbg.h"
#include "common/htable.h"

struct cpu_state {
	struct lta_thread *current; /* Borrowed from threads; or NULL. */
	int32_t current_tid;	    /* -1 before the first sched_switch. */
};

struct lta_tasks {
	struct lta_htable threads; /* (trace, tid) -> owned lta_thread. */
	struct lta_htable cpus;	   /* (trace, cpu) -> owned cpu_state. */
	struct lta_tasks_counters counters;
	/* The exec event keeps the old image's name it was attributed. */
	char exec_old_name[LTA_TASK_NAME_MAX];
	/* Told before a thread is freed (its slots). */
	void (*on_forget)(struct lta_thread *thread, void *data);
	void *forget_data;
};

void lta_tasks_on_forget(struct lta_tasks *tasks,
			 void (*fn)(struct lta_thread *thread, void *data),
			 void *data)
{
	tasks->on_forget = fn;
	tasks->forget_data = data;
}

static void free_thread(struct lta_tasks *tasks, struct lta_thread *thread)
{
	if (tasks->on_forget) {
		tasks->on_forget(thread, tasks->forget_data);
	}
	free(thread);
}

static inline uint64_t key_of(uint32_t trace, int32_t id)
{
	return ((uint64_t)trace << 32) | (uint32_t)id;
}

struct lta_tasks *lta_tasks_create(void)
{
	struct lta_tasks *tasks = calloc(1, sizeof(*tasks));

	if (!tasks) {
		return NULL;
	}
	if (lta_htable_init(&tasks->threads, 1024) ||
	    lta_htable_init(&tasks->cpus, 64)) {
		lta_tasks_destroy(tasks);
		return NULL;
	}
	return tasks;
}

void lta_tasks_destroy(struct lta_tasks *tasks)
{
	size_t pos = 0;
	uint64_t key;
	void *value;

	if (!tasks) {
		return;
	}
	while (lta_htable_next(&tasks->threads, &pos, &key, &value)) {
		free_thread(tasks, value);
	}
	pos = 0;
	while (lta_htable_next(&tasks->cpus, &pos, &key, &value)) {
		free(value);
	}
	lta_htable_fini(&tasks->threads);
	lta_htable_fini(&tasks->cpus);
	free(tasks);
}

static void set_name(struct lta_thread *thread, const char *name)
{
	if (name) {
		snprintf(thread->name, sizeof(thread->name), "%s", name);
	}
}

/*
 * After exec the kernel names a task after the file's base name, cut to
 * TASK_COMM_LEN - 1 = 15 bytes; we do the same so that names match what
 * later sched_switch events say.
 */
static void set_exec_name(struct lta_thread *thread, const char *filename)
{
	const char *base;

	if (!filename) {
		return;
	}
	base = strrchr(filename, '/');
	base = base ? base + 1 : filename;
	snprintf(thread->name, sizeof(thread->name), "%.15s", base);
}

static struct lta_thread *get_thread(struct lta_tasks *tasks, uint32_t trace,
				     int32_t tid)
{
	struct lta_thread *thread;

	thread = lta_htable_get(&tasks->threads, key_of(trace, tid));
	if (thread) {
		LTA_ASSERT_DBG(thread->tid == tid && thread->trace == trace);
		return thread;
	}
	thread = calloc(1, sizeof(*thread));
	if (!thread) {
		return NULL;
	}
	thread->trace = trace;
	thread->tid = tid;
	thread->pid = -1;
	thread->pending_ts = -1;
	if (lta_htable_put(&tasks->threads, key_of(trace, tid), thread)) {
		free(thread);
		return NULL;
	}
	tasks->counters.threads++;
	return thread;
}

static struct cpu_state *get_cpu(struct lta_tasks *tasks, uint32_t trace,
				 int32_t cpu)
{
	struct cpu_state *state;

	state = lta_htable_get(&tasks->cpus, key_of(trace, cpu));
	if (state) {
		return state;
	}
	state = calloc(1, sizeof(*state));
	if (!state) {
		return NULL;
	}
	state->current_tid = -1;
	if (lta_htable_put(&tasks->cpus, key_of(trace, cpu), state)) {
		free(state);
		return NULL;
	}
	return state;
}

static void remove_thread(struct lta_tasks *tasks, uint32_t trace, int32_t tid)
{
	struct lta_thread *thread;
	size_t pos = 0;
	uint64_t key;
	void *value;

	thread = lta_htable_remove(&tasks->threads, key_of(trace, tid));
	if (!thread) {
		return;
	}
	/* A CPU may still point at it until its next sched_switch. */
	while (lta_htable_next(&tasks->cpus, &pos, &key, &value)) {
		struct cpu_state *state = value;

		if (state->current == thread) {
			state->current = NULL;
		}
	}
	free_thread(tasks, thread);
	LTA_ASSERT_DBG(tasks->counters.threads > 0);
	tasks->counters.threads--;
}

/* Applies the state changes that EVENT describes. */
static int update_state(struct lta_tasks *tasks, struct lta_event *event)
{
	const struct lta_process_event *p = &event->u.process;
	struct lta_thread *thread;
	struct cpu_state *cpu;

	switch (event->kind) {
	case LTA_EVENT_SCHED_SWITCH:
		if (event->cpu < 0 || event->u.sched_switch.next_tid < 0) {
			return 0;
		}
		cpu = get_cpu(tasks, event->trace, event->cpu);
		thread = get_thread(tasks, event->trace,
				    event->u.sched_switch.next_tid);
		if (!cpu || !thread) {
			return -ENOMEM;
		}
		/* The comm in sched_switch is the freshest name we get. */
		set_name(thread, event->u.sched_switch.next_comm);
		if (thread->tid == 0) {
			thread->pid = 0;
		}
		cpu->current = thread;
		cpu->current_tid = thread->tid;
		return 0;
	case LTA_EVENT_STATEDUMP_PROCESS:
	case LTA_EVENT_PROCESS_FORK:
		if (p->tid < 0) {
			return 0;
		}
		thread = get_thread(tasks, event->trace, p->tid);
		if (!thread) {
			return -ENOMEM;
		}
		if (p->pid >= 0) {
			thread->pid = p->pid;
		}
		set_name(thread, p->name);
		return 0;
	case LTA_EVENT_PROCESS_EXEC:
		if (p->tid < 0) {
			return 0;
		}
		thread = get_thread(tasks, event->trace, p->tid);
		if (!thread) {
			return -ENOMEM;
		}
		if (event->procname == thread->name) {
			memcpy(tasks->exec_old_name, thread->name,
			       sizeof(tasks->exec_old_name));
			event->procname = tasks->exec_old_name;
		}
		set_exec_name(thread, p->name);
		return 0;
	case LTA_EVENT_PROCESS_FREE:
		if (p->tid >= 0) {
			remove_thread(tasks, event->trace, p->tid);
		}
		return 0;
	default:
		return 0;
	}
}

/* Finds who made EVENT and fills pid/tid/procname when the trace did not. */
static struct lta_thread *attribute(struct lta_tasks *tasks,
				    struct lta_event *event)
{
	struct lta_thread *thread = NULL;

	if (event->tid >= 0) {
		thread = get_thread(tasks, event->trace, event->tid);
		if (thread) {
			/* Contexts are authoritative: remember them. */
			if (event->pid >= 0) {
				thread->pid = event->pid;
			}
			if (event->procname) {
				/*
				 * Kept only for events of this thread that
				 * lack the context; a stream class either
				 * has it on every event or on none, so the
				 * first name seen is enough (and comparing
				 * names on every event is not free).
				 */
				if (!thread->name[0]) {
					set_name(thread, event->procname);
				}
			} else if (thread->name[0]) {
				event->procname = thread->name;
			}
			if (event->pid < 0) {
				event->pid = thread->pid;
			}
		}
		return thread;
	}
	if (event->cpu >= 0) {
		struct cpu_state *cpu = lta_htable_get(
			&tasks->cpus, key_of(event->trace, event->cpu));

		if (cpu && cpu->current_tid >= 0) {
			/* What runs on the CPU is the thread it names. */
			LTA_ASSERT_DBG(!cpu->current ||
				       cpu->current->tid == cpu->current_tid);
			thread = cpu->current;
			if (!thread) {
				/* Freed while still on the CPU: recreate. */
				thread = get_thread(tasks, event->trace,
						    cpu->current_tid);
				cpu->current = thread;
			}
		}
	}
	if (!thread) {
		tasks->counters.unattributed_events++;
		return NULL;
	}
	event->tid = thread->tid;
	event->pid = thread->pid;
	event->procname = thread->name[0] ? thread->name : NULL;
	return thread;
}

int lta_tasks_feed(struct lta_tasks *tasks, struct lta_event *event)
{
	struct lta_thread *thread;

	return lta_tasks_feed_thread(tasks, event, &thread);
}

int lta_tasks_feed_thread(struct lta_tasks *tasks, struct lta_event *event,
			  struct lta_thread **made_by)
{
	struct lta_thread *thread;
	int ret;

	/*
	 * Attribute first: sched_switch and exec change who runs and what it
	 * is called only for the events that follow them.
	 */
	thread = attribute(tasks, event);

	switch (event->kind) {
	case LTA_EVENT_SYSCALL_ENTRY:
		if (!thread) {
			break;
		}
		if (thread->pending_ts >= 0) {
			tasks->counters.unmatched_entries++;
		}
		thread->pending_syscall = event->syscall;
		thread->pending_name = event->syscall_name;
		thread->pending_ts = event->ts;
		break;
	case LTA_EVENT_SYSCALL_EXIT:
		if (!thread || thread->pending_ts < 0) {
			tasks->counters.unmatched_exits++;
			break;
		}
		if (event->syscall == LTA_SYSCALL_UNKNOWN) {
			/* 2.4-era exit_syscall: the entry says which call. */
			event->syscall = thread->pending_syscall;
			event->syscall_name = thread->pending_name;
		} else if (event->syscall != thread->pending_syscall ||
			   (event->syscall == LTA_SYSCALL_OTHER &&
			    event->syscall_name && thread->pending_name &&
			    strcmp(event->syscall_name, thread->pending_name) !=
				    0)) {
			/* An exit of another call: its entry was lost. */
			tasks->counters.unmatched_exits++;
			thread->pending_ts = -1;
			break;
		}
		event->entry_ts = thread->pending_ts;
		thread->pending_ts = -1;
		break;
	default:
		break;
	}

	/* A process_free of the very thread frees it: not handed out. */
	*made_by = thread && !(event->kind == LTA_EVENT_PROCESS_FREE &&
			       event->u.process.tid == thread->tid)
			   ? thread
			   : NULL;
	ret = update_state(tasks, event);
	return ret;
}

const struct lta_thread *lta_tasks_thread(const struct lta_tasks *tasks,
					  uint32_t trace, int32_t tid)
{
	return lta_htable_get(&tasks->threads, key_of(trace, tid));
}

const struct lta_tasks_counters *
lta_tasks_counters(const struct lta_tasks *tasks)
{
	return &tasks->counters;
}
