/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The tasks module with hand-built event sequences: per-CPU current thread
 * from sched_switch, process and name from statedump/fork/exec, removal at
 * free, system-call pairing per thread, and context-carrying traces.
 */
#include <string.h>

#include "tap.h"
#include "tasks/tasks.h"

static struct lta_event ev(enum lta_event_kind kind, int64_t ts, int cpu)
{
	struct lta_event e;

	memset(&e, 0, sizeof(e));
	e.kind = kind;
	e.ts = ts;
	e.cpu = cpu;
	e.pid = -1;
	e.tid = -1;
	e.entry_ts = -1;
	e.fd_arg = -1;
	e.ret_arg = -1;
	e.name = "test";
	return e;
}

static struct lta_event sched_switch(int64_t ts, int cpu, int next_tid,
				     const char *comm)
{
	struct lta_event e = ev(LTA_EVENT_SCHED_SWITCH, ts, cpu);

	e.u.sched_switch.prev_tid = -1;
	e.u.sched_switch.next_tid = next_tid;
	e.u.sched_switch.next_comm = comm;
	return e;
}

static struct lta_event process(enum lta_event_kind kind, int64_t ts, int cpu,
				int tid, int pid, const char *name)
{
	struct lta_event e = ev(kind, ts, cpu);

	e.u.process.tid = tid;
	e.u.process.pid = pid;
	e.u.process.parent_tid = -1;
	e.u.process.parent_pid = -1;
	e.u.process.name = name;
	return e;
}

static struct lta_event syscall(enum lta_event_kind kind, int64_t ts, int cpu,
				enum lta_syscall sc, const char *name)
{
	struct lta_event e = ev(kind, ts, cpu);

	e.syscall = sc;
	e.syscall_name = name;
	return e;
}

static const char *const OPEN = "open", *const READ = "read";

int main(void)
{
	struct lta_tasks *t = lta_tasks_create();
	struct lta_event e;
	const struct lta_thread *th;

	plan_no_plan();
	ok(t != NULL, "created");

	/* Nothing known yet: unattributed. */
	e = syscall(LTA_EVENT_SYSCALL_ENTRY, 10, 0, LTA_SYSCALL_open, OPEN);
	is_int(lta_tasks_feed(t, &e), 0, "feed ok");
	is_int(e.tid, -1, "no thread before any sched_switch");
	is_int(lta_tasks_counters(t)->unattributed_events, 1,
	       "counted as unattributed");

	/* Statedump gives the process; sched_switch puts 100 on cpu 0. */
	e = process(LTA_EVENT_STATEDUMP_PROCESS, 20, 1, 100, 100, "httpd");
	lta_tasks_feed(t, &e);
	e = process(LTA_EVENT_STATEDUMP_PROCESS, 21, 1, 101, 100, "httpd");
	lta_tasks_feed(t, &e);
	e = sched_switch(30, 0, 100, "httpd");
	lta_tasks_feed(t, &e);
	e = syscall(LTA_EVENT_SYSCALL_ENTRY, 40, 0, LTA_SYSCALL_read, READ);
	lta_tasks_feed(t, &e);
	is_int(e.tid, 100, "entry attributed to cpu 0's current thread");
	is_int(e.pid, 100, "with its pid from statedump");
	is_str(e.procname, "httpd", "and its name");

	/* Another thread enters read on cpu 1; exits arrive crossed. */
	e = sched_switch(45, 1, 101, "httpd");
	lta_tasks_feed(t, &e);
	e = syscall(LTA_EVENT_SYSCALL_ENTRY, 50, 1, LTA_SYSCALL_read, READ);
	lta_tasks_feed(t, &e);
	e = syscall(LTA_EVENT_SYSCALL_EXIT, 60, 0, LTA_SYSCALL_read, READ);
	lta_tasks_feed(t, &e);
	is_int(e.entry_ts, 40, "cpu 0's exit paired with tid 100's entry");
	e = syscall(LTA_EVENT_SYSCALL_EXIT, 70, 1, LTA_SYSCALL_read, READ);
	lta_tasks_feed(t, &e);
	is_int(e.entry_ts, 50, "cpu 1's exit paired with tid 101's entry");
	is_int(e.pid, 100, "thread 101 is in process 100");

	/* 2.4-era exit_syscall: the entry says which call it ends. */
	e = syscall(LTA_EVENT_SYSCALL_ENTRY, 80, 0, LTA_SYSCALL_open, OPEN);
	lta_tasks_feed(t, &e);
	e = syscall(LTA_EVENT_SYSCALL_EXIT, 90, 0, LTA_SYSCALL_UNKNOWN, NULL);
	lta_tasks_feed(t, &e);
	is_int(e.syscall, LTA_SYSCALL_open, "exit_syscall becomes open");
	ok(e.syscall_name == OPEN, "with the entry's name");
	is_int(e.entry_ts, 80, "and its entry timestamp");

	/* An exit without entry (trace started mid-call). */
	e = syscall(LTA_EVENT_SYSCALL_EXIT, 95, 0, LTA_SYSCALL_read, READ);
	lta_tasks_feed(t, &e);
	is_int(e.entry_ts, -1, "exit without entry has no entry_ts");
	is_int(lta_tasks_counters(t)->unmatched_exits, 1, "counted unmatched");

	/* An exit of another call than the pending entry: its entry was lost.
	 */
	e = syscall(LTA_EVENT_SYSCALL_ENTRY, 96, 0, LTA_SYSCALL_open, OPEN);
	lta_tasks_feed(t, &e);
	e = syscall(LTA_EVENT_SYSCALL_EXIT, 97, 0, LTA_SYSCALL_read, READ);
	lta_tasks_feed(t, &e);
	is_int(e.entry_ts, -1, "mismatched exit is not paired");
	is_int(lta_tasks_counters(t)->unmatched_exits, 2, "and counted");

	/* Fork then exec renames the child as the kernel does (15 bytes). */
	e = process(LTA_EVENT_PROCESS_FORK, 100, 0, 200, 200, "httpd");
	lta_tasks_feed(t, &e);
	e = sched_switch(110, 0, 200, "httpd");
	lta_tasks_feed(t, &e);
	e = process(LTA_EVENT_PROCESS_EXEC, 120, 0, 200, -1,
		    "/usr/lib/cgi-bin/a-very-long-program-name");
	lta_tasks_feed(t, &e);
	is_str(e.procname, "httpd", "the exec event itself is the old image's");
	e = syscall(LTA_EVENT_SYSCALL_ENTRY, 130, 0, LTA_SYSCALL_open, OPEN);
	lta_tasks_feed(t, &e);
	is_str(e.procname, "a-very-long-pro",
	       "renamed after exec, cut to 15 bytes");
	is_int(e.pid, 200, "child pid from fork");

	/* Free removes the thread; memory follows live threads. */
	th = lta_tasks_thread(t, 0, 200);
	ok(th != NULL, "thread 200 known");
	e = sched_switch(140, 0, 100, "httpd");
	lta_tasks_feed(t, &e);
	e = process(LTA_EVENT_PROCESS_FREE, 150, 0, 200, -1, "a-very-long-pro");
	lta_tasks_feed(t, &e);
	ok(lta_tasks_thread(t, 0, 200) == NULL, "thread 200 gone after free");

	/* Same tid in another trace (another host) is another thread. */
	e = ev(LTA_EVENT_OTHER, 160, 0);
	e.trace = 1;
	e.pid = 500;
	e.tid = 100;
	e.procname = "php-fpm";
	lta_tasks_feed(t, &e);
	th = lta_tasks_thread(t, 1, 100);
	ok(th && th->pid == 500 && strcmp(th->name, "php-fpm") == 0,
	   "trace 1's tid 100 is its own thread, from contexts");
	th = lta_tasks_thread(t, 0, 100);
	ok(th && th->pid == 100 && strcmp(th->name, "httpd") == 0,
	   "trace 0's tid 100 untouched");

	/* Contexts without procname: name filled from what is known. */
	e = ev(LTA_EVENT_OTHER, 170, 0);
	e.trace = 1;
	e.tid = 100;
	e.pid = 500;
	lta_tasks_feed(t, &e);
	is_str(e.procname, "php-fpm",
	       "procname filled from an earlier context");

	lta_tasks_destroy(t);
	lta_tasks_destroy(NULL);
	return exit_status();
}
