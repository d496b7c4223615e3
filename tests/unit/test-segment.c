/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The segment module with hand-built event sequences, one scenario per
 * case of the request semantics (doc/segmentation.md): prefork, thread
 * pools, several servers, descriptor reuse, accept exit without entry,
 * open at the end, process exit, lingering close, discards, empty
 * connections, the sequence cap, listener threads, and context-less
 * traces through the tasks module.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "segment/request-format.h"
#include "segment/segment.h"
#include "segment/summary.h"
#include "tap.h"
#include "tasks/tasks.h"

#define MAX_OUT 32

/* What the segmenter handed out, copied. */
struct out {
	struct lta_request r;
	char calls[16][16]; /* Call names, in order. */
	int64_t call_dur[16];
	struct lta_exchange ex[8]; /* Its first exchanges. */
};

static struct out outs[MAX_OUT];
static int nout;

static int collect(struct lta_request *r, void *user_data)
{
	struct out *o;
	uint32_t i;

	if (nout == MAX_OUT) {
		return 0;
	}
	o = &outs[nout++];
	o->r = *r;
	o->r.calls = NULL;
	o->r.counts = NULL;
	o->r.strings = NULL;
	o->r.exchanges = NULL;
	for (i = 0; i < r->exchange_count && i < 8; i++) {
		o->ex[i] = r->exchanges[i];
	}
	for (i = 0; i < r->call_count && i < 16; i++) {
		snprintf(o->calls[i], sizeof(o->calls[i]), "%s",
			 r->calls[i].name);
		o->call_dur[i] = r->calls[i].duration;
	}
	return 0;
}

/* Interned-like names: one pointer per name, as the decoder gives. */
static const char
	*const N_ACCEPT4 = "accept4",
	       *const N_READ = "read", *const N_WRITE = "write",
	       *const N_CLOSE = "close", *const N_SHUTDOWN = "shutdown",
	       *const N_OPENAT = "openat", *const N_EPOLL = "epoll_wait",
	       *const N_EXIT_GROUP = "exit_group", *const N_CONNECT = "connect",
	       *const N_SOCKNAME = "lttng_analyzer_syscall:sockname";

struct ctx {
	uint32_t trace;
	int32_t pid, tid;
	const char *procname;
};

static struct lta_event base(const struct ctx *c, int64_t ts,
			     enum lta_event_kind kind, enum lta_syscall sc,
			     const char *name)
{
	struct lta_event e;

	memset(&e, 0, sizeof(e));
	e.ts = ts;
	e.cpu = 0;
	e.trace = c->trace;
	e.pid = c->pid;
	e.tid = c->tid;
	e.procname = c->procname;
	e.kind = kind;
	e.syscall = sc;
	e.syscall_name = name;
	e.name = name;
	e.entry_ts = -1;
	e.fd_arg = -1;
	e.ret_arg = -1;
	return e;
}

static void add_int(struct lta_event *e, const char *name, int64_t v)
{
	struct lta_arg *a = &e->args[e->nargs];

	a->name = name;
	a->type = LTA_ARG_SINT;
	a->v.s = v;
	if (strcmp(name, "fd") == 0) {
		e->fd_arg = (int8_t)e->nargs;
	} else if (strcmp(name, "ret") == 0) {
		e->ret_arg = (int8_t)e->nargs;
	}
	e->nargs++;
}

static struct lta_segment *seg;
static int feed_errors;

/* Feeds E; a segmenter that fails on a valid sequence is a failure. */
static void feed(struct lta_event *e)
{
	int ret = lta_segment_feed(seg, e);

	if (ret) {
		feed_errors++;
		diag("lta_segment_feed() returned %d at ts=%lld", ret,
		     (long long)e->ts);
	}
}

static void entry(const struct ctx *c, int64_t ts, enum lta_syscall sc,
		  const char *name, int64_t fd)
{
	struct lta_event e = base(c, ts, LTA_EVENT_SYSCALL_ENTRY, sc, name);

	if (fd >= 0) {
		add_int(&e, "fd", fd);
	}
	feed(&e);
}

static void exit_(const struct ctx *c, int64_t ts, enum lta_syscall sc,
		  const char *name, int64_t ret)
{
	struct lta_event e = base(c, ts, LTA_EVENT_SYSCALL_EXIT, sc, name);

	add_int(&e, "ret", ret);
	feed(&e);
}

/* A v4addr argument: 127.0.0.1. */
static void add_loopback(struct lta_event *e)
{
	static const uint16_t loopback[4] = { 127, 0, 0, 1 };
	struct lta_arg *a = &e->args[e->nargs++];

	a->name = "v4addr";
	a->type = LTA_ARG_INTS;
	a->len = 4;
	a->v.ints = loopback;
}

/* accept4 exit with a decoded IPv4 peer 127.0.0.1:PORT. */
static void accept_exit(const struct ctx *c, int64_t ts, int64_t fd, int port)
{
	struct lta_event e = base(c, ts, LTA_EVENT_SYSCALL_EXIT,
				  LTA_SYSCALL_accept4, N_ACCEPT4);

	add_int(&e, "ret", fd);
	add_int(&e, "family", AF_INET);
	add_int(&e, "sport", port);
	add_loopback(&e);
	feed(&e);
}

static void call(const struct ctx *c, int64_t ts, enum lta_syscall sc,
		 const char *name, int64_t fd, int64_t ret)
{
	entry(c, ts, sc, name, fd);
	exit_(c, ts + 10, sc, name, ret);
}

static void reset(const struct lta_segment_options *options)
{
	lta_segment_destroy(seg);
	seg = lta_segment_create(options, collect, NULL);
	nout = 0;
}

static void test_prefork(void)
{
	struct ctx w = { 0, 100, 100, "apache2" };

	diag("prefork: one process per request");
	reset(NULL);
	entry(&w, 1000, LTA_SYSCALL_accept4, N_ACCEPT4, 3);
	accept_exit(&w, 5000, 7, 40000);
	call(&w, 6000, LTA_SYSCALL_read, N_READ, 7, 120);
	call(&w, 7000, LTA_SYSCALL_openat, N_OPENAT, -1, 9); /* no fd arg */
	call(&w, 8000, LTA_SYSCALL_read, N_READ, 9, 500);    /* the file */
	call(&w, 9000, LTA_SYSCALL_write, N_WRITE, 7, 700);
	entry(&w, 10000, LTA_SYSCALL_close, N_CLOSE, 7);
	is_int(nout, 0, "nothing handed out before the close completes");
	exit_(&w, 10010, LTA_SYSCALL_close, N_CLOSE, 0);
	is_int(nout, 1, "handed out at the close exit");
	is_int(outs[0].r.id, 1, "id 1");
	is_int(outs[0].r.start, 5000, "start is the accept exit");
	is_int(outs[0].r.accept_entry, 1000, "accept entry kept (idle time)");
	is_int(outs[0].r.end, 10000, "end is the close entry");
	is_int(outs[0].r.close_ts, 10000, "close time recorded");
	is_int(outs[0].r.shutdown_ts, -1, "no shutdown");
	is_str(lta_request_end_name(outs[0].r.end_reason), "close",
	       "ended by close");
	is_int(outs[0].r.port, 40000, "peer port");
	is_str(outs[0].r.peer, "127.0.0.1", "peer address");
	is_int(outs[0].r.bytes_read, 120, "bytes read on the descriptor only");
	is_int(outs[0].r.bytes_written, 700, "bytes written");
	is_int(outs[0].r.call_count, 6,
	       "accept, read, openat, read, write, close");
	is_str(outs[0].calls[2], "openat",
	       "a call without the fd: thread serving");
	is_str(outs[0].calls[3], "read", "the file read belongs too");
	is_int(outs[0].call_dur[0], 4000, "accept merged entry/exit duration");
	is_str(outs[0].r.procname, "apache2", "process name");
	is_int(outs[0].r.tid_count, 1, "one thread");
}

static void test_thread_pool(void)
{
	struct ctx listener = { 0, 200, 201, "apache2" };
	struct ctx worker = { 0, 200, 202, "apache2" };
	struct ctx worker2 = { 0, 200, 203, "apache2" };

	diag("event MPM: listener accepts, workers serve, listener closes");
	reset(NULL);
	accept_exit(&listener, 1000, 10, 1111);
	/* The listener goes back to epoll_wait: not part of request 1. */
	entry(&listener, 1100, LTA_SYSCALL_epoll_wait, N_EPOLL, -1);
	accept_exit(&worker, 1150, 99, 1); /* worker accepts nothing: noise */
	exit_(&listener, 1200, LTA_SYSCALL_epoll_wait, N_EPOLL, 1);
	accept_exit(&listener, 1300, 11, 2222);
	call(&worker, 2000, LTA_SYSCALL_read, N_READ, 10, 80);
	call(&worker2, 2100, LTA_SYSCALL_read, N_READ, 11, 90);
	call(&worker, 2200, LTA_SYSCALL_write, N_WRITE, 10, 100);
	call(&worker2, 2300, LTA_SYSCALL_write, N_WRITE, 11, 110);
	/* Worker shuts down its connection (end), listener does lingering. */
	call(&worker, 2400, LTA_SYSCALL_shutdown, N_SHUTDOWN, 10, 0);
	/* After the end, worker's calls without the fd are not request 1's. */
	call(&worker, 2500, LTA_SYSCALL_openat, N_OPENAT, -1, 12);
	call(&listener, 3000, LTA_SYSCALL_read, N_READ, 10, 0);
	call(&listener, 3100, LTA_SYSCALL_close, N_CLOSE, 10, 0);
	call(&worker2, 3200, LTA_SYSCALL_close, N_CLOSE, 11, 0);
	is_int(nout, 2, "two requests");
	is_int(outs[0].r.port, 1111, "first is 1111");
	is_int(outs[0].r.end, 2400, "ended at the shutdown");
	is_int(outs[0].r.shutdown_ts, 2400, "shutdown time");
	is_int(outs[0].r.close_ts, 3100, "close time of the lingering close");
	is_str(lta_request_end_name(outs[0].r.end_reason), "shutdown",
	       "end reason shutdown");
	is_int(outs[0].r.tid_count, 2, "listener and worker");
	is_int(outs[0].r.call_count, 6,
	       "accept, read, write, shutdown, lingering read, close");
	is_str(outs[0].calls[1], "read", "no epoll_wait of the listener in it");
	is_int(outs[0].r.bytes_read, 80, "bytes read");
	is_int(outs[1].r.port, 2222, "second is 2222");
	is_int(outs[1].r.call_count, 4, "accept, read, write, close");
	is_int(outs[1].r.bytes_written, 110, "its own bytes");
	is_int(lta_segment_counters(seg)->requests_open, 1,
	       "the worker's noise accept (fd 99) is still open");
}

static void test_servers_and_filter(void)
{
	struct ctx a = { 0, 300, 300, "apache2" };
	struct ctx n = { 0, 400, 400, "nginx" };
	struct lta_segment_options only = { .max_calls = 100,
					    .process = "nginx" };

	diag("several servers, and the process filter");
	reset(NULL);
	accept_exit(&a, 100, 5, 1);
	accept_exit(&n, 110, 5, 2); /* same fd number, other process */
	call(&a, 200, LTA_SYSCALL_read, N_READ, 5, 10);
	call(&n, 210, LTA_SYSCALL_read, N_READ, 5, 20);
	call(&n, 300, LTA_SYSCALL_close, N_CLOSE, 5, 0);
	call(&a, 310, LTA_SYSCALL_close, N_CLOSE, 5, 0);
	is_int(nout, 2, "two requests, one per server");
	ok(outs[0].r.pid == 400 && outs[0].r.bytes_read == 20,
	   "nginx's request has nginx's read");
	ok(outs[1].r.pid == 300 && outs[1].r.bytes_read == 10,
	   "apache's request has apache's read");
	reset(&only);
	accept_exit(&a, 100, 5, 1);
	accept_exit(&n, 110, 5, 2);
	call(&n, 300, LTA_SYSCALL_close, N_CLOSE, 5, 0);
	call(&a, 310, LTA_SYSCALL_close, N_CLOSE, 5, 0);
	ok(nout == 1 && outs[0].r.pid == 400, "--process nginx: only nginx's");
}

static void test_reuse_and_trace_start(void)
{
	struct ctx w = { 0, 500, 500, "srv" };

	diag("descriptor reuse, accept exit without entry");
	reset(NULL);
	accept_exit(&w, 100, 8, 1); /* trace started inside accept */
	call(&w, 200, LTA_SYSCALL_read, N_READ, 8, 1);
	call(&w, 300, LTA_SYSCALL_close, N_CLOSE, 8, 0);
	call(&w, 350, LTA_SYSCALL_accept4, N_ACCEPT4, 3, 8);
	call(&w, 400, LTA_SYSCALL_read, N_READ, 8, 2);
	call(&w, 500, LTA_SYSCALL_close, N_CLOSE, 8, 0);
	is_int(nout, 2, "fd 8 reused after close: two requests");
	is_int(outs[0].r.accept_entry, -1, "no accept entry seen");
	is_int(outs[0].call_dur[0], -1, "accept without entry: no duration");
	is_int(outs[1].r.id, 2, "second id 2");
	is_int(outs[1].r.bytes_read, 2, "each its own bytes");

	/* Reuse without the close: the first is handed out as replaced. */
	reset(NULL);
	accept_exit(&w, 100, 8, 1);
	call(&w, 200, LTA_SYSCALL_read, N_READ, 8, 1);
	accept_exit(&w, 300, 8, 2);
	ok(nout == 1 && outs[0].r.end_reason == LTA_REQUEST_END_REPLACED &&
		   outs[0].r.incomplete,
	   "accepted again without a close: replaced, incomplete");
}

static void test_open_abort_exit_group(void)
{
	struct ctx w = { 0, 600, 600, "srv" };
	struct ctx t2 = { 0, 600, 601, "srv" };
	struct ctx other = { 0, 700, 700, "srv" };
	struct lta_event e;

	diag("open at the end, process exit, exit_group");
	reset(NULL);
	accept_exit(&w, 100, 4, 1);
	call(&w, 110, LTA_SYSCALL_read, N_READ, 4, 5);
	accept_exit(&other, 120, 4, 2);
	call(&other, 130, LTA_SYSCALL_read, N_READ, 4, 5);
	/* A non-leader thread exiting does not end the process. */
	e = base(&t2, 150, LTA_EVENT_PROCESS_EXIT, LTA_SYSCALL_UNKNOWN,
		 "sched_process_exit");
	e.u.process.tid = 601;
	feed(&e);
	is_int(nout, 0, "a thread exit is not a process exit");
	e = base(&w, 200, LTA_EVENT_PROCESS_EXIT, LTA_SYSCALL_UNKNOWN,
		 "sched_process_exit");
	e.u.process.tid = 600;
	feed(&e);
	ok(nout == 1 && outs[0].r.end_reason == LTA_REQUEST_END_ABORTED &&
		   outs[0].r.end == 200,
	   "leader exit: aborted at the exit time");
	lta_segment_finish(seg);
	ok(nout == 2 && outs[1].r.end_reason == LTA_REQUEST_END_OPEN &&
		   outs[1].r.end == -1 && outs[1].r.pid == 700,
	   "end of trace: the other one is open");
	reset(NULL);
	accept_exit(&w, 100, 4, 1);
	entry(&w, 150, LTA_SYSCALL_exit_group, N_EXIT_GROUP, -1);
	ok(nout == 1 && outs[0].r.end_reason == LTA_REQUEST_END_ABORTED,
	   "exit_group entry aborts the process's requests");
}

static void test_discard_empty_cap(void)
{
	struct ctx w = { 0, 800, 800, "srv" };
	struct ctx t1 = { 1, 800, 800, "srv" };
	struct lta_segment_options cap = { .max_calls = 3 };
	int i;

	diag("discards, empty connections, the sequence cap");
	reset(NULL);
	accept_exit(&w, 100, 4, 1);
	accept_exit(&t1, 100, 4, 1); /* same pid/fd in another trace */
	lta_segment_discard(seg, 0);
	call(&w, 200, LTA_SYSCALL_read, N_READ, 4, 5);
	call(&w, 300, LTA_SYSCALL_close, N_CLOSE, 4, 0);
	call(&t1, 300, LTA_SYSCALL_read, N_READ, 4, 5);
	call(&t1, 310, LTA_SYSCALL_close, N_CLOSE, 4, 0);
	accept_exit(&w, 400, 4, 2);
	call(&w, 500, LTA_SYSCALL_close, N_CLOSE, 4, 0);
	is_int(nout, 3, "three requests");
	ok(outs[0].r.incomplete && outs[0].r.trace == 0,
	   "open across the discard: incomplete");
	ok(!outs[1].r.incomplete && outs[1].r.trace == 1,
	   "other trace's request untouched");
	ok(!outs[2].r.incomplete, "accepted after the discard: complete");

	reset(NULL);
	accept_exit(&w, 100, 4, 1);
	call(&w, 200, LTA_SYSCALL_read, N_READ, 4, 0);
	call(&w, 300, LTA_SYSCALL_close, N_CLOSE, 4, 0);
	ok(nout == 1 && outs[0].r.end_reason == LTA_REQUEST_END_EMPTY,
	   "first read returned 0: empty");
	reset(NULL);
	accept_exit(&w, 100, 4, 1);
	call(&w, 300, LTA_SYSCALL_close, N_CLOSE, 4, 0);
	ok(nout == 1 && outs[0].r.end_reason == LTA_REQUEST_END_EMPTY,
	   "closed without any read: empty");

	reset(&cap);
	accept_exit(&w, 100, 4, 1);
	for (i = 0; i < 10; i++) {
		call(&w, 200 + i * 20, LTA_SYSCALL_read, N_READ, 4, 1);
	}
	call(&w, 500, LTA_SYSCALL_close, N_CLOSE, 4, 0);
	ok(nout == 1 && outs[0].r.call_count == 3 &&
		   outs[0].r.call_total == 12 && outs[0].r.truncated,
	   "capped at 3 of 12 calls, flagged truncated");
	is_int(outs[0].r.bytes_read, 10, "bytes still counted past the cap");
}

/* Context-less kernel-style events go through tasks first. */
static void test_without_contexts(void)
{
	struct lta_tasks *tasks = lta_tasks_create();
	struct ctx none = { 0, -1, -1, NULL };
	struct lta_event e;

	diag("a trace without contexts: tasks attributes, segment cuts");
	reset(NULL);
	e = base(&none, 10, LTA_EVENT_STATEDUMP_PROCESS, LTA_SYSCALL_UNKNOWN,
		 "lttng_statedump_process_state");
	e.u.process.tid = 900;
	e.u.process.pid = 900;
	e.u.process.name = "httpd";
	lta_tasks_feed(tasks, &e);
	lta_segment_feed(seg, &e);
	e = base(&none, 20, LTA_EVENT_SCHED_SWITCH, LTA_SYSCALL_UNKNOWN,
		 "sched_switch");
	e.u.sched_switch.next_tid = 900;
	e.u.sched_switch.next_comm = "httpd";
	lta_tasks_feed(tasks, &e);
	lta_segment_feed(seg, &e);
	e = base(&none, 30, LTA_EVENT_SYSCALL_EXIT, LTA_SYSCALL_accept4,
		 N_ACCEPT4);
	add_int(&e, "ret", 6);
	lta_tasks_feed(tasks, &e);
	lta_segment_feed(seg, &e);
	e = base(&none, 40, LTA_EVENT_SYSCALL_ENTRY, LTA_SYSCALL_close,
		 N_CLOSE);
	add_int(&e, "fd", 6);
	lta_tasks_feed(tasks, &e);
	lta_segment_feed(seg, &e);
	e = base(&none, 50, LTA_EVENT_SYSCALL_EXIT, LTA_SYSCALL_close, N_CLOSE);
	add_int(&e, "ret", 0);
	lta_tasks_feed(tasks, &e);
	lta_segment_feed(seg, &e);
	ok(nout == 1 && outs[0].r.pid == 900 && outs[0].r.fd == 6 &&
		   strcmp(outs[0].r.procname, "httpd") == 0,
	   "request of httpd (pid 900) found from sched_switch + statedump");
	is_int(outs[0].r.family, -1, "no peer fields in this layout");
	lta_tasks_destroy(tasks);
}

static void sched_switch_ev(int64_t ts, int prev, int64_t prev_state, int next)
{
	struct ctx none = { 0, -1, -1, NULL };
	struct lta_event e = base(&none, ts, LTA_EVENT_SCHED_SWITCH,
				  LTA_SYSCALL_UNKNOWN, "sched_switch");

	e.u.sched_switch.prev_tid = prev;
	e.u.sched_switch.prev_state = prev_state;
	e.u.sched_switch.next_tid = next;
	feed(&e);
}

static void wakeup_ev(int64_t ts, int tid)
{
	struct ctx none = { 0, -1, -1, NULL };
	struct lta_event e = base(&none, ts, LTA_EVENT_SCHED_WAKEUP,
				  LTA_SYSCALL_UNKNOWN, "sched_wakeup");

	e.u.process.tid = tid;
	feed(&e);
}

static void test_sched_split(void)
{
	struct ctx w = { 0, 1000, 1000, "srv" };

	diag("with sched events: running, waiting, blocked by descriptor");
	reset(NULL);
	sched_switch_ev(0, 0, 0, 1000); /* running from 0 */
	accept_exit(&w, 100, 5, 1);	/* request from 100 */
	entry(&w, 200, LTA_SYSCALL_read, N_READ, 5);
	sched_switch_ev(300, 1000, 1, 0); /* blocks reading the client */
	wakeup_ev(1300, 1000);		  /* runnable */
	sched_switch_ev(1500, 0, 0, 1000);
	exit_(&w, 1600, LTA_SYSCALL_read, N_READ, 10);
	call(&w, 1700, LTA_SYSCALL_openat, N_OPENAT, -1, 9); /* a file */
	entry(&w, 1800, LTA_SYSCALL_read, N_READ, 9);
	sched_switch_ev(1900, 1000, 1, 0); /* blocks on the file */
	wakeup_ev(2400, 1000);
	sched_switch_ev(2600, 0, 0, 1000);
	exit_(&w, 2700, LTA_SYSCALL_read, N_READ, 100);
	sched_switch_ev(2800, 1000, 0, 0); /* preempted */
	sched_switch_ev(3000, 0, 0, 1000);
	call(&w, 3100, LTA_SYSCALL_close, N_CLOSE, 5, 0); /* end 3100 */
	ok(nout == 1 && outs[0].r.sched_known, "split known");
	/* running: 100-300, 1500-1900, 2600-2800, 3000-3100 = 900 */
	is_int(outs[0].r.running_ns, 900, "running 900 ns");
	/* waiting: 1300-1500, 2400-2600, 2800-3000 = 600 */
	is_int(outs[0].r.waiting_ns, 600, "waiting for a CPU 600 ns");
	is_int(outs[0].r.blocked_ns, 1500, "blocked 1500 ns");
	is_int(outs[0].r.blocked_by[LTA_FD_CLIENT], 1000,
	       "1000 ns blocked reading the client");
	is_int(outs[0].r.blocked_by[LTA_FD_FILE], 500,
	       "500 ns blocked reading the file openat returned");
	is_int(outs[0].r.running_ns + outs[0].r.waiting_ns +
		       outs[0].r.blocked_ns,
	       outs[0].r.end - outs[0].r.start,
	       "the split adds up to the duration (one thread serving)");
}

static void test_summary(void)
{
	struct lta_summary *s = lta_summary_create();
	struct lta_request r;
	int i;

	diag("summary: latency of complete requests only");
	memset(&r, 0, sizeof(r));
	for (i = 1; i <= 100; i++) {
		r.start = 0;
		r.end = i * 1000000LL; /* 1..100 ms */
		/* Answered 1 ms before the end (the server's log after). */
		r.answered_ts = r.end - 1000000LL;
		r.reads = 1;
		r.end_reason = LTA_REQUEST_END_CLOSE;
		lta_summary_add(s, &r);
	}
	/* One that wrote nothing: its duration, 100 ms. */
	r.answered_ts = -1;
	lta_summary_add(s, &r);
	r.end_reason = LTA_REQUEST_END_EMPTY;
	lta_summary_add(s, &r);
	r.end_reason = LTA_REQUEST_END_CLOSE;
	r.incomplete = true;
	r.end = 999000000;
	lta_summary_add(s, &r);
	is_int(s->requests, 103, "103 requests counted");
	is_int(s->complete, 101, "101 in the latency figures");
	is_int(s->by_end[LTA_REQUEST_END_EMPTY], 1, "the empty one apart");
	is_int(s->incomplete, 1, "the incomplete one apart");
	ok(llabs(lta_histogram_percentile(s->latency, 50) - 50000000) <=
		   50000000 / 1000,
	   "p50 = 50 ms (0..99 ms answers and one 100 ms) within 3 "
	   "significant digits");
	is_int(lta_histogram_min(s->latency), 0,
	       "min: answered at its start (latency to the answer, not to "
	       "the end)");
	is_int(lta_histogram_max(s->latency), 100000000,
	       "max: the request that wrote nothing counts its duration");
	ok(lta_summary_throughput(s) > 1009.0 &&
		   lta_summary_throughput(s) < 1011.0,
	   "101 requests in 0.1 s of trace time: 1010/s");
	lta_summary_destroy(s);
}

/* A complete request of PROCNAME lasting MS, linked as LINK. */
static struct lta_request component_request(const char *procname, int ms,
					    enum lta_link link)
{
	struct lta_request r;

	memset(&r, 0, sizeof(r));
	snprintf(r.procname, sizeof(r.procname), "%s", procname);
	r.start = 1000000000LL;
	r.end = r.start + ms * 1000000LL;
	r.answered_ts = -1;
	r.reads = 1;
	r.end_reason = LTA_REQUEST_END_CLOSE;
	r.link = link;
	return r;
}

static void test_components(void)
{
	struct lta_components c;
	struct lta_summary *front = lta_summary_create();
	struct lta_request r;
	const struct lta_component_summary *db;
	char name[32];
	int i;

	diag("components: the front tier is the headline, each apart");
	lta_components_init(&c);
	for (i = 0; i < 10; i++) {
		r = component_request("apache2", 20, LTA_LINK_NONE);
		is_int(lta_components_add(&c, &r), 0, "web request %d", i);
	}
	for (i = 0; i < 30; i++) {
		/* The first query came from an untraced client. */
		r = component_request("mariadbd", 1,
				      i ? LTA_LINK_PAIRED : LTA_LINK_NONE);
		lta_components_add(&c, &r);
	}
	lta_components_front(&c, front);
	is_int(front->requests, 10,
	       "the headline counts the web server's requests only");
	ok(lta_histogram_percentile(front->latency, 50) >= 19900000,
	   "and its latencies (20 ms), not the queries' (1 ms)");
	db = lta_components_find(&c, "mariadbd");
	ok(db && db->back && db->summary->requests == 30,
	   "the database is a back tier with its 30 requests");
	ok(!lta_components_find(&c, "nginx"), "an unknown component: none");
	for (i = 0; i < LTA_COMPONENTS_MAX + 5; i++) {
		snprintf(name, sizeof(name), "p%d", i);
		r = component_request(name, 1, LTA_LINK_NONE);
		lta_components_add(&c, &r);
	}
	db = lta_components_find(&c, LTA_COMPONENTS_OTHER);
	ok(c.count == LTA_COMPONENTS_MAX + 1 && db &&
		   db->summary->requests == 7,
	   "past %d components, the rest are counted together (%llu)",
	   LTA_COMPONENTS_MAX,
	   db ? (unsigned long long)db->summary->requests : 0ULL);
	lta_components_fini(&c);
	lta_summary_destroy(front);

	lta_components_init(&c);
	front = lta_summary_create();
	r = component_request("mariadbd", 1, LTA_LINK_PAIRED);
	lta_components_add(&c, &r);
	lta_components_front(&c, front);
	is_int(front->requests, 1,
	       "when every component is a back tier, the headline is all");
	lta_components_fini(&c);
	lta_summary_destroy(front);
}

static void test_end_names(void)
{
	enum lta_request_end end, back;
	int ok_all = 1;

	for (end = LTA_REQUEST_END_CLOSE; end <= LTA_REQUEST_END_REPLACED;
	     end++) {
		ok_all &= lta_request_end_from_name(lta_request_end_name(end),
						    &back) &&
			  back == end;
	}
	ok(ok_all, "every end reason name maps back to its reason");
	back = LTA_REQUEST_END_CLOSE;
	ok(!lta_request_end_from_name("bogus", &back) &&
		   back == LTA_REQUEST_END_CLOSE,
	   "an unknown name is refused, the reason untouched");
}

/*
 * Derived points, as text: "S+ php request 1", "I+ php socket:read 301",
 * a move "S> php request => request to socket 1"...
 */
static char points[32][128];
static int npoints;

static int collect_point(const struct lta_segment_point *p, void *user_data)
{
	(void)user_data;
	if (npoints < 32 && p->moved_from) {
		snprintf(points[npoints++], sizeof(points[0]),
			 "S> %s %s => %s %llu", p->entity, p->moved_from,
			 p->name, (unsigned long long)p->key);
	} else if (npoints < 32) {
		snprintf(points[npoints++], sizeof(points[0]),
			 "%c%c %s %s %llu", p->interaction ? 'I' : 'S',
			 p->end ? '-' : '+', p->entity, p->name,
			 (unsigned long long)p->key);
	}
	return 0;
}

static void test_derived_points(void)
{
	static const char *const N_SOCKET = "socket", *const N_POLL = "poll";
	struct lta_segment_options options = { .max_calls = 16,
					       .on_point = collect_point };
	struct ctx listener = { 0, 300, 300, "php" };
	struct ctx worker = { 0, 300, 301, "php" };
	int i;

	diag("derived starts and ends: request = service, calls to another "
	     "component = interactions");
	reset(&options);
	npoints = 0;
	accept_exit(&listener, 1000, 7, 40000);
	call(&worker, 2000, LTA_SYSCALL_read, N_READ, 7, 100); /* client */
	call(&worker, 2100, LTA_SYSCALL_socket, N_SOCKET, -1, 9);
	call(&worker, 2200, LTA_SYSCALL_connect, N_CONNECT, 9, 0);
	call(&worker, 2300, LTA_SYSCALL_write, N_WRITE, 9, 10);
	call(&worker, 2400, LTA_SYSCALL_poll, N_POLL, -1, 1); /* on fd 9 */
	call(&worker, 2500, LTA_SYSCALL_read, N_READ, 9, 10);
	call(&worker, 2600, LTA_SYSCALL_openat, N_OPENAT, -1, 10);
	call(&worker, 2700, LTA_SYSCALL_read, N_READ, 10, 10);	/* a file */
	call(&worker, 2800, LTA_SYSCALL_write, N_WRITE, 7, 50); /* client */
	call(&worker, 2900, LTA_SYSCALL_poll, N_POLL, -1, 1);	/* client's */
	entry(&worker, 3000, LTA_SYSCALL_read, N_READ, 9);	/* lost exit */
	call(&worker, 3100, LTA_SYSCALL_close, N_CLOSE, 7, 0);
	{
		static const char *const want[] = {
			"S+ php request 1",
			"I+ php socket:connect 301",
			"I- php socket:connect 301",
			/* It writes to another server: its kind. */
			"S> php request => request to socket 1",
			"I+ php socket:write 301",
			"I- php socket:write 301",
			"I+ php socket:poll 301",
			"I- php socket:poll 301",
			"I+ php socket:read 301",
			"I- php socket:read 301",
			"I+ php socket:read 301",
			"I- php socket:read 301",
			"S- php request to socket 1",
		};
		int n = (int)(sizeof(want) / sizeof(want[0]));

		is_int(npoints, n, "13 points");
		for (i = 0; i < n && i < npoints; i++) {
			is_str(points[i], want[i], "%s", want[i]);
		}
	}
	diag("a process that exits with a request open: no end (a crash)");
	npoints = 0;
	accept_exit(&listener, 4000, 8, 40001);
	entry(&listener, 4100, LTA_SYSCALL_exit_group, N_EXIT_GROUP, -1);
	is_int(npoints, 1, "a start only");
	is_str(points[0], "S+ php request 2", "the request's start");
	diag("no callback: the requests are the same as with one");
	{
		struct lta_request with;
		char with_calls[16][16];

		reset(&options);
		npoints = 0;
		accept_exit(&listener, 1000, 7, 40000);
		call(&worker, 2100, LTA_SYSCALL_socket, N_SOCKET, -1, 9);
		call(&worker, 2200, LTA_SYSCALL_connect, N_CONNECT, 9, 0);
		call(&worker, 3100, LTA_SYSCALL_close, N_CLOSE, 7, 0);
		ok(npoints > 0 && nout == 1,
		   "with the callback: points (%d) and one request", npoints);
		with = outs[0].r;
		memcpy(with_calls, outs[0].calls, sizeof(with_calls));
		reset(NULL);
		npoints = 0;
		accept_exit(&listener, 1000, 7, 40000);
		call(&worker, 2100, LTA_SYSCALL_socket, N_SOCKET, -1, 9);
		call(&worker, 2200, LTA_SYSCALL_connect, N_CONNECT, 9, 0);
		call(&worker, 3100, LTA_SYSCALL_close, N_CLOSE, 7, 0);
		is_int(nout, 1, "without: one request");
		ok(nout == 1 && outs[0].r.start == with.start &&
			   outs[0].r.end == with.end &&
			   outs[0].r.call_count == with.call_count &&
			   outs[0].r.end_reason == with.end_reason &&
			   memcmp(outs[0].calls, with_calls,
				  sizeof(with_calls)) == 0,
		   "the same request as with the callback");
	}
}

/* --- persistent connections ------------------------------------------- */

static const char *const N_POLL_K = "poll", *const N_WRITEV = "writev",
			 *const N_SENDFILE = "sendfile64",
			 *const N_HTTP = "lttng_analyzer_syscall:http";

/* Connections handed out, copied. */
static struct lta_connection conns[MAX_OUT];
static int nconn;

static int collect_connection(const struct lta_connection *c, void *data)
{
	(void)data;
	if (nconn < MAX_OUT) {
		conns[nconn++] = *c;
	}
	return 0;
}

static void reset_with_connections(void)
{
	static const struct lta_segment_options options = {
		.max_calls = 100,
		.on_connection = collect_connection,
	};

	reset(&options);
	nconn = 0;
}

/* A read that returns EAGAIN: the server looks for the next request. */
static void read_again(const struct ctx *c, int64_t ts, int64_t fd)
{
	call(c, ts, LTA_SYSCALL_read, N_READ, fd, -11);
}

/* The tracer's http event, between a call's entry and its exit. */
static void http_event(const struct ctx *c, int64_t ts, int64_t fd,
		       int direction, int64_t messages, const char *line)
{
	struct lta_event e =
		base(c, ts, LTA_EVENT_OTHER, LTA_SYSCALL_UNKNOWN, NULL);
	struct lta_arg *a;

	e.name = N_HTTP;
	add_int(&e, "fd", fd);
	e.fd_arg = -1; /* Not a system call: the decoder sets no index. */
	add_int(&e, "direction", direction);
	add_int(&e, "messages", messages);
	a = &e.args[e.nargs++];
	a->name = "first_line";
	a->type = LTA_ARG_STRING;
	a->v.str = line;
	feed(&e);
}

static void test_keepalive_prefork(void)
{
	struct ctx w = { 0, 500, 500, "apache2" };
	struct lta_connection *k;

	diag("keep-alive, prefork: the child reads again after answering");
	reset_with_connections();
	accept_exit(&w, 1000, 7, 41000);
	call(&w, 1100, LTA_SYSCALL_read, N_READ, 7, 52);
	call(&w, 1200, LTA_SYSCALL_openat, N_OPENAT, -1, 9);
	call(&w, 1300, LTA_SYSCALL_writev, N_WRITEV, 7, 1437);
	call(&w, 1400, LTA_SYSCALL_write, N_WRITE, 8, 99); /* access log */
	is_int(nout, 0, "not handed out while the server may write more");
	read_again(&w, 1500, 7);
	is_int(nout, 1,
	       "handed out when the server reads the connection "
	       "again");
	call(&w, 1600, LTA_SYSCALL_poll, N_POLL_K, -1, 1); /* idle */
	call(&w, 5000, LTA_SYSCALL_read, N_READ, 7, 52);
	call(&w, 5100, LTA_SYSCALL_writev, N_WRITEV, 7, 1437);
	read_again(&w, 5200, 7);
	call(&w, 5300, LTA_SYSCALL_poll, N_POLL_K, -1, 1);
	call(&w, 9000, LTA_SYSCALL_read, N_READ, 7, 0); /* client closed */
	call(&w, 9100, LTA_SYSCALL_shutdown, N_SHUTDOWN, 7, 0);
	call(&w, 9200, LTA_SYSCALL_read, N_READ, 7, 0);
	call(&w, 9300, LTA_SYSCALL_close, N_CLOSE, 7, 0);
	is_int(nout, 2, "two requests, none for the idle close");
	is_int(outs[0].r.start, 1000, "first starts at the accept exit");
	is_int(outs[0].r.end, 1500, "first ends at the read after its answer");
	is_int(outs[0].r.answered_ts, 1310, "answered at the writev exit");
	is_str(lta_request_end_name(outs[0].r.end_reason), "keepalive",
	       "first ended keepalive");
	is_int(outs[0].r.call_count, 5,
	       "accept, read, openat, writev, log write: not the next read");
	is_int(outs[0].r.position, 1, "position 1");
	is_int(outs[1].r.position, 2, "position 2");
	is_int(outs[0].r.connection_id, 1, "connection 1");
	is_int(outs[1].r.connection_id, 1, "same connection");
	is_int(outs[1].r.id, 2, "ids follow the requests");
	is_int(outs[1].r.start, 5000, "second starts at the read entry");
	is_int(outs[1].r.end, 5200, "second ends at the next read");
	is_int(outs[1].r.accept_entry, -1, "no accept for the second");
	is_int(outs[1].r.bytes_read, 52, "its own bytes read");
	is_int(outs[1].r.bytes_written, 1437, "its own bytes written");
	is_int(outs[1].r.call_count, 2, "read and writev");
	is_int(outs[1].r.port, 41000, "the connection's peer");
	is_int(nconn, 1, "the connection handed out at its close");
	k = &conns[0];
	is_int(k->requests, 2, "two requests on it");
	is_int(k->id, 1, "connection id");
	is_int(k->start, 1000, "accepted at 1000");
	is_int(k->end, 9100, "ends at its shutdown");
	is_int(k->close_ts, 9300, "closed at 9300");
	ok(k->peer_closed, "the client closed it while idle");
	is_str(lta_request_end_name(k->end_reason), "shutdown",
	       "connection ended by shutdown");
	is_int(k->idle_ns, (5000 - 1500) + (9100 - 5200),
	       "idle: between the requests and after the last");
	is_int(k->bytes_read, 104, "connection bytes read");
	is_int(k->first_request, 1, "its first request");
}

static void test_keepalive_event_mpm(void)
{
	struct ctx l = { 0, 600, 601, "apache2" };
	struct ctx a = { 0, 600, 602, "apache2" };
	struct ctx b = { 0, 600, 603, "apache2" };

	diag("keep-alive, event MPM: workers change, the listener parks");
	reset_with_connections();
	accept_exit(&l, 1000, 20, 42000);
	entry(&l, 1010, LTA_SYSCALL_epoll_wait, N_EPOLL, -1);
	call(&a, 1100, LTA_SYSCALL_read, N_READ, 20, 52);
	call(&a, 1200, LTA_SYSCALL_writev, N_WRITEV, 20, 1437);
	/* The next request is already there: one read ends and begins. */
	call(&a, 1300, LTA_SYSCALL_read, N_READ, 20, 52);
	call(&a, 1400, LTA_SYSCALL_writev, N_WRITEV, 20, 1437);
	read_again(&a, 1500, 20); /* back to the listener */
	entry(&a, 1510, LTA_SYSCALL_epoll_wait, N_EPOLL, -1);
	exit_(&l, 3000, LTA_SYSCALL_epoll_wait, N_EPOLL, 1);
	call(&b, 3100, LTA_SYSCALL_read, N_READ, 20, 52);
	call(&b, 3200, LTA_SYSCALL_writev, N_WRITEV, 20, 1437);
	read_again(&b, 3300, 20);
	/* Idle keep-alive timeout: the listener closes. */
	call(&l, 8000, LTA_SYSCALL_close, N_CLOSE, 20, 0);
	is_int(nout, 3, "three requests");
	is_int(outs[0].r.end, 1300, "first ends where the second begins");
	is_int(outs[1].r.start, 1300, "second begins at that read's entry");
	is_int(outs[1].r.tid_count, 1, "served by one thread");
	is_int(outs[1].r.tids[0], 602, "worker a");
	is_int(outs[2].r.start, 3100, "third begins at worker b's read");
	is_int(outs[2].r.tid_count, 1, "third served by worker b only");
	is_int(outs[2].r.tids[0], 603, "worker b");
	is_int(outs[2].r.late_tid_count, 0, "nobody touched it after its end");
	is_int(outs[0].r.tid_count, 2, "first: listener (accept), worker a");
	is_int(nconn, 1, "one connection");
	is_int(conns[0].requests, 3, "three requests on it");
	is_int(conns[0].idle_ns, (3100 - 1500) + (8000 - 3300),
	       "idle while parked in the listener");
	is_str(lta_request_end_name(conns[0].end_reason), "close",
	       "closed by the listener");
	ok(!conns[0].peer_closed, "the server closed it");
}

static void sendfile_call(const struct ctx *c, int64_t ts, int64_t out_fd,
			  int64_t ret)
{
	struct lta_event e = base(c, ts, LTA_EVENT_SYSCALL_ENTRY,
				  LTA_SYSCALL_sendfile64, N_SENDFILE);

	add_int(&e, "out_fd", out_fd);
	add_int(&e, "in_fd", 9);
	feed(&e);
	exit_(c, ts + 10, LTA_SYSCALL_sendfile64, N_SENDFILE, ret);
}

static void test_keepalive_sendfile_and_parts(void)
{
	struct ctx w = { 0, 700, 700, "apache2" };

	diag("keep-alive: sendfile answers, answers in several writes, a "
	     "client that closes while idle");
	reset_with_connections();
	accept_exit(&w, 1000, 7, 43000);
	call(&w, 1100, LTA_SYSCALL_read, N_READ, 7, 60);
	call(&w, 1200, LTA_SYSCALL_writev, N_WRITEV, 7, 200); /* headers */
	sendfile_call(&w, 1300, 7, 100000);		      /* body */
	read_again(&w, 1400, 7);
	/* The second answer in three writes, with file reads between. */
	call(&w, 2000, LTA_SYSCALL_read, N_READ, 7, 60);
	call(&w, 2100, LTA_SYSCALL_write, N_WRITE, 7, 200);
	call(&w, 2200, LTA_SYSCALL_read, N_READ, 9, 4096); /* the file */
	call(&w, 2300, LTA_SYSCALL_write, N_WRITE, 7, 4096);
	call(&w, 2400, LTA_SYSCALL_read, N_READ, 9, 100);
	call(&w, 2500, LTA_SYSCALL_write, N_WRITE, 7, 100);
	read_again(&w, 2600, 7);
	call(&w, 2700, LTA_SYSCALL_poll, N_POLL_K, -1, 1);
	call(&w, 6000, LTA_SYSCALL_read, N_READ, 7, 0); /* client closed */
	call(&w, 6100, LTA_SYSCALL_close, N_CLOSE, 7, 0);
	is_int(nout, 2, "two requests, no record for the idle close");
	is_int(outs[0].r.bytes_written, 100200, "headers and sendfile body");
	is_int(outs[0].r.end, 1400, "sendfile answer ends at the next read");
	is_int(outs[0].r.answered_ts, 1310, "answered at the sendfile exit");
	is_int(outs[1].r.bytes_written, 4396, "three writes, one answer");
	is_int(outs[1].r.bytes_read, 60,
	       "the file reads are not the "
	       "connection's");
	is_int(outs[1].r.end, 2600, "ends at the read after the last write");
	is_int(outs[1].r.call_count, 6, "its six calls");
	ok(conns[0].peer_closed, "client closed while idle");
	is_int(conns[0].requests, 2, "two requests on the connection");
	is_str(lta_request_end_name(conns[0].end_reason), "close",
	       "connection closed");

	diag("KeepAlive Off on the same server: one request, ends at shutdown");
	reset_with_connections();
	accept_exit(&w, 1000, 7, 43001);
	call(&w, 1100, LTA_SYSCALL_read, N_READ, 7, 60);
	call(&w, 1200, LTA_SYSCALL_writev, N_WRITEV, 7, 200);
	call(&w, 1300, LTA_SYSCALL_write, N_WRITE, 8, 99); /* access log */
	call(&w, 1400, LTA_SYSCALL_shutdown, N_SHUTDOWN, 7, 0);
	call(&w, 1500, LTA_SYSCALL_read, N_READ, 7, 0);
	call(&w, 1600, LTA_SYSCALL_close, N_CLOSE, 7, 0);
	is_int(nout, 1, "one request");
	is_int(outs[0].r.end, 1400, "ends at the shutdown, as before");
	is_str(lta_request_end_name(outs[0].r.end_reason), "shutdown",
	       "end reason shutdown");
	is_int(outs[0].r.call_count, 7,
	       "accept, read, writev, log write, and the lingering close: "
	       "shutdown, read, close");
	is_int(conns[0].requests, 1, "one request on the connection");
	is_int(conns[0].idle_ns, 0, "no idle time");
}

static void test_late_tids(void)
{
	struct ctx l = { 0, 800, 801, "apache2" };
	struct ctx w = { 0, 800, 802, "apache2" };
	struct ctx x = { 0, 800, 803, "apache2" };

	diag("a thread that only touches the descriptor after the end");
	reset_with_connections();
	accept_exit(&l, 1000, 30, 44000);
	call(&w, 1100, LTA_SYSCALL_read, N_READ, 30, 60);
	call(&w, 1200, LTA_SYSCALL_writev, N_WRITEV, 30, 500);
	call(&w, 1300, LTA_SYSCALL_shutdown, N_SHUTDOWN, 30, 0);
	/* Lingering close by whichever worker is free. */
	call(&x, 2000, LTA_SYSCALL_read, N_READ, 30, 0);
	call(&x, 2100, LTA_SYSCALL_close, N_CLOSE, 30, 0);
	is_int(nout, 1, "one request");
	is_int(outs[0].r.tid_count, 2, "listener and the serving worker");
	ok(outs[0].r.tids[0] == 801 && outs[0].r.tids[1] == 802,
	   "tids: 801, 802");
	is_int(outs[0].r.late_tid_count, 1, "one late thread");
	is_int(outs[0].r.late_tids[0], 803, "the lingering closer");
	is_int(outs[0].r.call_count, 6, "its calls are still in the sequence");
}

static void test_pipelining(void)
{
	struct ctx w = { 0, 900, 900, "apache2" };

	diag("pipelining, with the tracer's http events: three requests in "
	     "one read, three answers");
	reset_with_connections();
	accept_exit(&w, 1000, 7, 45000);
	entry(&w, 1100, LTA_SYSCALL_read, N_READ, 7);
	http_event(&w, 1105, 7, 0, 3, "GET /?pipeline=1 HTTP/1.1");
	exit_(&w, 1110, LTA_SYSCALL_read, N_READ, 156);
	entry(&w, 1200, LTA_SYSCALL_writev, N_WRITEV, 7);
	http_event(&w, 1205, 7, 1, 1, "HTTP/1.1 200 OK");
	exit_(&w, 1210, LTA_SYSCALL_writev, N_WRITEV, 1437);
	call(&w, 1300, LTA_SYSCALL_write, N_WRITE, 8, 99); /* access log */
	entry(&w, 1400, LTA_SYSCALL_writev, N_WRITEV, 7);
	http_event(&w, 1405, 7, 1, 1, "HTTP/1.1 200 OK");
	exit_(&w, 1410, LTA_SYSCALL_writev, N_WRITEV, 1437);
	call(&w, 1500, LTA_SYSCALL_write, N_WRITE, 8, 99);
	entry(&w, 1600, LTA_SYSCALL_writev, N_WRITEV, 7);
	http_event(&w, 1605, 7, 1, 1, "HTTP/1.1 200 OK");
	exit_(&w, 1610, LTA_SYSCALL_writev, N_WRITEV, 1437);
	read_again(&w, 1700, 7);
	is_int(nout, 3, "one record per answer");
	ok(!outs[0].r.pipelined, "the first of the batch is not pipelined");
	ok(outs[1].r.pipelined && outs[2].r.pipelined,
	   "the next two are pipelined");
	is_int(outs[0].r.messages, 1, "each holds one request");
	is_int(outs[2].r.messages, 1, "the last holds one too");
	is_int(outs[0].r.end, 1210, "the first ends at its answer's exit");
	is_int(outs[1].r.start, 1210, "the second starts there");
	is_int(outs[1].r.end, 1410, "the second ends at its answer's exit");
	is_int(outs[2].r.end, 1700, "the last ends at the next read");
	is_int(outs[2].r.position, 3, "positions 1, 2, 3");
	is_str(outs[0].r.request_line, "GET /?pipeline=1 HTTP/1.1",
	       "the request line from the tracer");
	is_int(outs[1].r.bytes_written, 1437, "the second's own answer");

	diag("pipelining: two answers written in one call cannot be split");
	entry(&w, 2000, LTA_SYSCALL_read, N_READ, 7);
	http_event(&w, 2005, 7, 0, 2, "GET /a HTTP/1.1");
	exit_(&w, 2010, LTA_SYSCALL_read, N_READ, 100);
	entry(&w, 2100, LTA_SYSCALL_writev, N_WRITEV, 7);
	http_event(&w, 2105, 7, 1, 2, "HTTP/1.1 200 OK");
	exit_(&w, 2110, LTA_SYSCALL_writev, N_WRITEV, 2874);
	read_again(&w, 2200, 7);
	is_int(nout, 4, "one record");
	is_int(outs[3].r.messages, 2, "holding two requests");
	ok(outs[3].r.pipelined, "marked pipelined");
	is_str(outs[3].r.request_line, "GET /a HTTP/1.1", "its request line");

	diag("pipelining without http events (kernel traces): one record, "
	     "unmarked");
	call(&w, 3000, LTA_SYSCALL_read, N_READ, 7, 100);
	call(&w, 3100, LTA_SYSCALL_writev, N_WRITEV, 7, 1437);
	call(&w, 3200, LTA_SYSCALL_writev, N_WRITEV, 7, 1437);
	read_again(&w, 3300, 7);
	is_int(nout, 5, "one record for both");
	is_int(outs[4].r.messages, 0, "messages unknown");
	ok(!outs[4].r.pipelined, "not marked: nothing tells");
	is_int(feed_errors, 0, "no feed error");
}

static void test_lost_close_exit(void)
{
	struct ctx w = { 0, 1000, 1000, "apache2" };

	diag("a close whose exit is lost: handed out at once, not at the end");
	reset_with_connections();
	accept_exit(&w, 1000, 7, 46000);
	call(&w, 1100, LTA_SYSCALL_read, N_READ, 7, 60);
	call(&w, 1200, LTA_SYSCALL_write, N_WRITE, 7, 600);
	entry(&w, 1300, LTA_SYSCALL_close, N_CLOSE, 7);
	is_int(nout, 0, "waits for the close exit");
	/* The exit is lost: the thread goes on. */
	entry(&w, 1400, LTA_SYSCALL_accept4, N_ACCEPT4, 3);
	is_int(nout, 1, "handed out when the thread goes on");
	is_int(nconn, 1, "and its connection");
	is_int(outs[0].r.end, 1300, "ended at the close entry");
	diag("the same with a discard");
	accept_exit(&w, 2000, 7, 46001);
	call(&w, 2100, LTA_SYSCALL_read, N_READ, 7, 60);
	entry(&w, 2300, LTA_SYSCALL_close, N_CLOSE, 7);
	lta_segment_discard(seg, 0);
	is_int(nout, 2, "handed out at the discard");
	ok(outs[1].r.incomplete, "marked incomplete");
	is_int(nconn, 2, "its connection too");
}

static void test_keepalive_points(void)
{
	struct lta_segment_options options = { .max_calls = 16,
					       .on_point = collect_point };
	struct ctx w = { 0, 1100, 1100, "apache2" };
	int i;

	diag("derived services on a persistent connection: one per request, "
	     "none while idle");
	reset(&options);
	npoints = 0;
	accept_exit(&w, 1000, 7, 47000);
	call(&w, 1100, LTA_SYSCALL_read, N_READ, 7, 52);
	call(&w, 1200, LTA_SYSCALL_writev, N_WRITEV, 7, 1437);
	read_again(&w, 1300, 7);
	call(&w, 1400, LTA_SYSCALL_poll, N_POLL_K, -1, 1); /* idle: 10 s */
	call(&w, 10001400, LTA_SYSCALL_read, N_READ, 7, 52);
	call(&w, 10001500, LTA_SYSCALL_writev, N_WRITEV, 7, 1437);
	read_again(&w, 10001600, 7);
	{
		static const char *const want[] = {
			"S+ apache2 request 1",
			"S- apache2 request 1",
			"S+ apache2 request 2",
			"S- apache2 request 2",
		};
		int n = (int)(sizeof(want) / sizeof(want[0]));

		is_int(npoints, n, "4 points: no service spans the idle time");
		for (i = 0; i < n && i < npoints; i++) {
			is_str(points[i], want[i], "%s", want[i]);
		}
	}
}

static void test_discard_all_traces(void)
{
	struct ctx a = { 0, 1200, 1200, "apache2" };
	struct ctx b = { 1, 1200, 1200, "apache2" };

	diag("a process with no connection exits: nothing to hand out");
	reset_with_connections();
	entry(&a, 500, LTA_SYSCALL_exit_group, N_EXIT_GROUP, -1);
	is_int(nout + nconn, 0, "no record");
	is_int(lta_segment_finish(seg), 0, "finish with nothing open");

	diag("lost data in every trace (a live re-attach)");
	reset_with_connections();
	accept_exit(&a, 1000, 7, 48000);
	accept_exit(&b, 1000, 7, 48001);
	call(&a, 1100, LTA_SYSCALL_read, N_READ, 7, 52);
	call(&b, 1100, LTA_SYSCALL_read, N_READ, 7, 52);
	lta_segment_discard(seg, LTA_SEGMENT_ALL_TRACES);
	call(&a, 1200, LTA_SYSCALL_close, N_CLOSE, 7, 0);
	call(&b, 1200, LTA_SYSCALL_close, N_CLOSE, 7, 0);
	is_int(nout, 2, "both handed out");
	ok(outs[0].r.incomplete && outs[1].r.incomplete,
	   "both marked incomplete");
	ok(conns[0].incomplete && conns[1].incomplete,
	   "both connections marked incomplete");
}

/*
 * A record with N calls, each with a string argument, and N % 5 + 1
 * count kinds: what lta_request_copy() must carry whole.
 */
static void make_record(struct lta_request *r, struct lta_call *calls,
			struct lta_call_count *counts, char *strings,
			uint32_t n)
{
	static const char *const names[] = { "read", "write", "close", "poll",
					     "openat" };
	uint32_t i;

	memset(r, 0, sizeof(*r));
	r->id = n;
	r->call_total = n;
	r->call_count = n;
	r->calls = calls;
	r->counts = counts;
	r->strings = strings;
	for (i = 0; i < n; i++) {
		memset(&calls[i], 0, sizeof(calls[i]));
		calls[i].name = names[i % 5];
		calls[i].start = 1000 + i;
		calls[i].nargs = 1;
		calls[i].args[0].name = "filename";
		calls[i].args[0].type = LTA_ARG_STRING;
		calls[i].args[0].v.str = r->strings_len;
		r->strings_len += (uint32_t)sprintf(strings + r->strings_len,
						    "/n%u/%u", n, i) +
				  1;
	}
	r->count_kinds = n % 5 + 1;
	for (i = 0; i < r->count_kinds; i++) {
		counts[i].name = names[i];
		counts[i].count = n + i;
	}
}

/* Whether COPY holds what SRC holds, strings included. */
static bool same_record(const struct lta_request *copy,
			const struct lta_request *src)
{
	uint32_t i;

	if (copy->id != src->id || copy->call_count != src->call_count ||
	    copy->count_kinds != src->count_kinds ||
	    copy->strings_len != src->strings_len ||
	    (src->call_count && copy->calls == src->calls)) {
		return false;
	}
	for (i = 0; i < src->call_count; i++) {
		if (copy->calls[i].name != src->calls[i].name ||
		    copy->calls[i].start != src->calls[i].start ||
		    strcmp(lta_request_string(copy, &copy->calls[i].args[0]),
			   lta_request_string(src, &src->calls[i].args[0])) !=
			    0) {
			return false;
		}
	}
	for (i = 0; i < src->count_kinds; i++) {
		if (copy->counts[i].name != src->counts[i].name ||
		    copy->counts[i].count != src->counts[i].count) {
			return false;
		}
	}
	return true;
}

static void test_copy(void)
{
	/* Sizes that grow, shrink and grow again past the room left. */
	static const uint32_t sizes[] = { 0, 3, 100, 2, 9, 50, 0, 64, 65 };
	static struct lta_call calls[100];
	static char strings[100 * 16];
	struct lta_call_count counts[5];
	struct lta_request src, copy;
	size_t i;

	diag("lta_request_copy: a deep copy into the same record, reused");
	memset(&copy, 0, sizeof(copy));
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		make_record(&src, calls, counts, strings, sizes[i]);
		is_int(lta_request_copy(&copy, &src), 0, "copy of %u calls",
		       sizes[i]);
		ok(same_record(&copy, &src), "the copy of %u calls holds them",
		   sizes[i]);
		/* The source's buffers are reused by the next record. */
		memset(strings, 'x', sizeof(strings));
	}
	make_record(&src, calls, counts, strings, 65);
	is_str(lta_request_string(&copy, &copy.calls[64].args[0]), "/n65/64",
	       "the copy does not share the source's strings");
	lta_request_fini(&copy);
	ok(!copy.calls && !copy.counts && !copy.strings && !copy.call_count &&
		   !copy.count_kinds && !copy.strings_len,
	   "fini frees the buffers and empties the record");
	is_int(lta_request_copy(&copy, &src), 0,
	       "a finished copy copies again");
	ok(same_record(&copy, &src), "and holds the record");
	lta_request_fini(&copy);
}

/* --- tiers: the two ends of a connection between traced servers --- */

/* connect(FD) to 127.0.0.1:PORT, entered at TS, returning RET. */
static void connect_call(const struct ctx *c, int64_t ts, int64_t fd, int port,
			 int64_t ret)
{
	struct lta_event e = base(c, ts, LTA_EVENT_SYSCALL_ENTRY,
				  LTA_SYSCALL_connect, N_CONNECT);

	add_int(&e, "fd", fd);
	add_int(&e, "family", AF_INET);
	add_int(&e, "dport", port);
	add_loopback(&e);
	feed(&e);
	exit_(c, ts + 20, LTA_SYSCALL_connect, N_CONNECT, ret);
}

/* connect(FD) to a unix socket (the kernel layout has no path). */
static void connect_unix(const struct ctx *c, int64_t ts, int64_t fd)
{
	struct lta_event e = base(c, ts, LTA_EVENT_SYSCALL_ENTRY,
				  LTA_SYSCALL_connect, N_CONNECT);

	add_int(&e, "fd", fd);
	add_int(&e, "family", AF_UNIX);
	add_int(&e, "dport", 0);
	feed(&e);
	exit_(c, ts + 20, LTA_SYSCALL_connect, N_CONNECT, 0);
}

/*
 * The user-space tracer's sockname event: FD's own address
 * 127.0.0.1:LPORT (inet), or its LOCAL and PEER paths and PEER_PID (unix).
 */
static void sockname(const struct ctx *c, int64_t ts, int64_t fd, int family,
		     int lport, const char *local, const char *peer,
		     int64_t peer_pid)
{
	struct lta_event e = base(c, ts, LTA_EVENT_SOCKNAME,
				  LTA_SYSCALL_UNKNOWN, N_SOCKNAME);
	struct lta_arg *a;

	e.syscall_name = NULL;
	add_int(&e, "fd", fd);
	add_int(&e, "family", family);
	add_int(&e, "lport", lport);
	if (family == AF_INET) {
		add_loopback(&e);
	}
	a = &e.args[e.nargs++];
	a->name = "local_path";
	a->type = LTA_ARG_STRING;
	a->v.str = local;
	a = &e.args[e.nargs++];
	a->name = "peer_path";
	a->type = LTA_ARG_STRING;
	a->v.str = peer;
	add_int(&e, "peer_pid", peer_pid);
	feed(&e);
}

/* accept4 exit of a unix connection: no address. */
static void accept_unix(const struct ctx *c, int64_t ts, int64_t fd)
{
	struct lta_event e = base(c, ts, LTA_EVENT_SYSCALL_EXIT,
				  LTA_SYSCALL_accept4, N_ACCEPT4);

	add_int(&e, "ret", fd);
	add_int(&e, "family", AF_UNIX);
	add_int(&e, "sport", 0);
	feed(&e);
}

/* The handed-out request with ID, or NULL. */
static const struct out *out_id(uint64_t id)
{
	int i;

	for (i = 0; i < nout; i++) {
		if (outs[i].r.id == id) {
			return &outs[i];
		}
	}
	return NULL;
}

/* The handed-out request of PROCNAME at POSITION of connection order N. */
static const struct out *out_of(const char *procname, int n)
{
	int i;

	for (i = 0; i < nout; i++) {
		if (strcmp(outs[i].r.procname, procname) == 0 && n-- == 0) {
			return &outs[i];
		}
	}
	return NULL;
}

/*
 * One web request of a PHP worker W (web connection WFD from wrk) that
 * sends QUERIES queries on database descriptor DFD, answered by database
 * thread D on its connection SFD; START is its time base. The two sides
 * interleave as on two CPUs.
 */
static void web_with_queries(const struct ctx *w, const struct ctx *d,
			     int64_t start, int64_t wfd, int64_t dfd,
			     int64_t sfd, int queries)
{
	int q;

	call(w, start + 100, LTA_SYSCALL_read, N_READ, wfd, 300);
	for (q = 0; q < queries; q++) {
		int64_t t = start + 1000 + 1000 * q;

		entry(w, t, LTA_SYSCALL_write, N_WRITE, dfd);
		/* The server's read completes before the client's write. */
		entry(d, t + 2, LTA_SYSCALL_read, N_READ, sfd);
		exit_(d, t + 8, LTA_SYSCALL_read, N_READ, 40 + q);
		exit_(w, t + 10, LTA_SYSCALL_write, N_WRITE, 40 + q);
		entry(w, t + 20, LTA_SYSCALL_read, N_READ, dfd);
		call(d, t + 100, LTA_SYSCALL_write, N_WRITE, sfd, 500);
		exit_(w, t + 150, LTA_SYSCALL_read, N_READ, 500);
	}
	call(w, start + 9000, LTA_SYSCALL_write, N_WRITE, wfd, 2000);
}

static void test_tiers_tcp(void)
{
	struct ctx w1 = { 0, 100, 100, "apache2" };
	struct ctx w2 = { 0, 110, 110, "apache2" };
	struct ctx dm = { 0, 200, 200, "mariadbd" };
	struct ctx d1 = { 0, 200, 201, "mariadbd" };
	struct ctx d2 = { 0, 200, 202, "mariadbd" };
	const struct out *web1, *web2, *db;
	int i, linked = 0, crossed = 0;

	diag("tiers over TCP: two workers query the database at once");
	reset(NULL);
	accept_exit(&w1, 1000, 7, 40001);
	accept_exit(&w2, 1010, 7, 40002);
	/* Both connect at the same moment; the server accepts in turn. */
	connect_call(&w1, 2000, 9, 3306, -EINPROGRESS);
	connect_call(&w2, 2001, 9, 3306, 0);
	accept_exit(&dm, 2015, 30, 50002); /* w2's, accepted first */
	sockname(&dm, 2016, 30, AF_INET, 3306, "", "", -1);
	accept_exit(&dm, 2017, 31, 50001);
	sockname(&dm, 2018, 31, AF_INET, 3306, "", "", -1);
	sockname(&w1, 2030, 9, AF_INET, 50001, "", "", -1);
	sockname(&w2, 2031, 9, AF_INET, 50002, "", "", -1);
	/* The server speaks first (greeting), on both. */
	call(&d2, 2100, LTA_SYSCALL_write, N_WRITE, 30, 90);
	call(&d1, 2110, LTA_SYSCALL_write, N_WRITE, 31, 90);
	call(&w1, 2200, LTA_SYSCALL_read, N_READ, 9, 90);
	call(&w2, 2210, LTA_SYSCALL_read, N_READ, 9, 90);
	web_with_queries(&w1, &d1, 10000, 7, 9, 31, 2);
	web_with_queries(&w2, &d2, 10003, 7, 9, 30, 2);
	/* The database connections close, then the web ones. */
	call(&w1, 20000, LTA_SYSCALL_close, N_CLOSE, 9, 0);
	call(&w2, 20001, LTA_SYSCALL_close, N_CLOSE, 9, 0);
	call(&d1, 20100, LTA_SYSCALL_read, N_READ, 31, 0);
	call(&d1, 20200, LTA_SYSCALL_close, N_CLOSE, 31, 0);
	call(&d2, 20110, LTA_SYSCALL_read, N_READ, 30, 0);
	call(&d2, 20210, LTA_SYSCALL_close, N_CLOSE, 30, 0);
	call(&w1, 21000, LTA_SYSCALL_close, N_CLOSE, 7, 0);
	call(&w2, 21001, LTA_SYSCALL_close, N_CLOSE, 7, 0);
	is_int(feed_errors, 0, "fed without error");
	web1 = out_of("apache2", 0);
	web2 = out_of("apache2", 1);
	ok(web1 && web2 && web1->r.pid == 100 && web2->r.pid == 110,
	   "two web requests");
	if (!web1 || !web2) {
		return;
	}
	is_int(web1->r.exchange_count, 3,
	       "the first makes 3 exchanges: connect, 2 queries");
	is_int(web2->r.exchange_count, 3, "the second too");
	is_str(web1->r.component, "apache2", "a front server is its name");
	is_str(web1->ex[0].component, "mariadbd@127.0.0.1:3306",
	       "the exchanges name the database and its address");
	is_str(web1->ex[0].peer, "127.0.0.1:3306", "and where it connected");
	is_int(web1->ex[1].bytes_out, 40, "query 1: 40 bytes out");
	is_int(web1->ex[1].bytes_in, 500, "500 bytes of answer in");
	is_int(web1->ex[1].start, 11000, "from the query's write entry");
	is_int(web1->ex[1].end, 11150, "to the answer's read exit");
	for (i = 0; i < 3; i++) {
		const struct out *a = out_id(web1->ex[i].request);
		const struct out *b = out_id(web2->ex[i].request);

		if (a && b && web1->ex[i].link == LTA_LINK_PAIRED &&
		    web2->ex[i].link == LTA_LINK_PAIRED &&
		    a->r.upstream == web1->r.id &&
		    b->r.upstream == web2->r.id &&
		    a->r.link == LTA_LINK_PAIRED &&
		    (int)a->r.position == i + 1 &&
		    (int)b->r.position == i + 1) {
			linked++;
		}
		if (a && a->r.connection_id == (b ? b->r.connection_id : 0)) {
			crossed++;
		}
	}
	is_int(linked, 3,
	       "every exchange is linked to the database request at its "
	       "position, which names the web request upstream");
	is_int(crossed, 0, "no exchange of one worker links to the other's");
	db = out_id(web1->ex[1].request);
	ok(db && strcmp(db->r.component, "mariadbd@127.0.0.1:3306") == 0 &&
		   db->r.bytes_read == 40 && db->r.bytes_written == 500,
	   "the database request is the query: component, 40 in, 500 out");
	is_int(web1->r.upstream, 0, "the web request has no upstream");
	is_str(lta_link_name(web1->r.link), "none",
	       "its client (wrk) is not traced: link none");
}

/*
 * Linux gives one client port to connections to different servers at once:
 * under load, a web worker's connection to the database and a load
 * generator's connection to another web worker share 127.0.0.1:50001. The
 * second worker's accept (peer :50001, server port 80) must not take the
 * first worker's database end (client :50001, server port 3306).
 */
static void test_tiers_port_reuse(void)
{
	struct ctx w1 = { 0, 100, 100, "apache2" };
	struct ctx w2 = { 0, 110, 110, "apache2" };
	struct ctx dm = { 0, 200, 200, "mariadbd" };
	struct ctx d1 = { 0, 200, 201, "mariadbd" };
	const struct out *web1, *web2, *db;

	diag("tiers over TCP: one client port, two servers");
	reset(NULL);
	accept_exit(&w1, 1000, 7, 40001);
	sockname(&w1, 1001, 7, AF_INET, 80, "", "", -1);
	connect_call(&w1, 2000, 9, 3306, 0);
	sockname(&w1, 2030, 9, AF_INET, 50001, "", "", -1);
	/* wrk's connection to the other worker, from the same port. */
	accept_exit(&w2, 2040, 7, 50001);
	sockname(&w2, 2041, 7, AF_INET, 80, "", "", -1);
	accept_exit(&dm, 2050, 30, 50001);
	sockname(&dm, 2051, 30, AF_INET, 3306, "", "", -1);
	web_with_queries(&w1, &d1, 10000, 7, 9, 30, 1);
	call(&w2, 10500, LTA_SYSCALL_read, N_READ, 7, 300);
	call(&w2, 10600, LTA_SYSCALL_write, N_WRITE, 7, 2000);
	call(&w1, 20000, LTA_SYSCALL_close, N_CLOSE, 9, 0);
	call(&d1, 20100, LTA_SYSCALL_read, N_READ, 30, 0);
	call(&d1, 20200, LTA_SYSCALL_close, N_CLOSE, 30, 0);
	call(&w1, 21000, LTA_SYSCALL_close, N_CLOSE, 7, 0);
	call(&w2, 21001, LTA_SYSCALL_close, N_CLOSE, 7, 0);
	is_int(feed_errors, 0, "fed without error");
	web1 = out_of("apache2", 0);
	web2 = out_of("apache2", 1);
	ok(web1 && web2 && web1->r.pid == 100 && web2->r.pid == 110,
	   "two web requests");
	if (!web1 || !web2) {
		return;
	}
	is_str(lta_link_name(web2->r.link), "none",
	       "the second worker's request came from wrk: link none");
	is_int(web2->r.upstream, 0, "and no upstream");
	/* No greeting: the connect and the query are one exchange. */
	is_int(web1->r.exchange_count, 1, "the first worker made one exchange");
	db = out_id(web1->ex[0].request);
	ok(db && db->r.upstream == web1->r.id &&
		   db->r.link == LTA_LINK_PAIRED &&
		   strcmp(db->r.procname, "mariadbd") == 0,
	   "the database request is the first worker's query, paired");
}

static void test_tiers_persistent(void)
{
	struct ctx w = { 0, 100, 100, "apache2" };
	struct ctx dm = { 0, 200, 200, "mariadbd" };
	struct ctx d = { 0, 200, 201, "mariadbd" };
	const struct out *web1, *web2, *q;

	diag("tiers: a persistent database connection serves two requests");
	reset(NULL);
	accept_exit(&w, 1000, 7, 40001);
	/* The server's accept comes before the client's address. */
	connect_call(&w, 2000, 9, 3306, 0);
	accept_exit(&dm, 2010, 30, 50001);
	sockname(&w, 2030, 9, AF_INET, 50001, "", "", -1);
	web_with_queries(&w, &d, 10000, 7, 9, 30, 1);
	call(&w, 12000, LTA_SYSCALL_close, N_CLOSE, 7, 0);
	accept_exit(&w, 30000, 7, 40002);
	web_with_queries(&w, &d, 31000, 7, 9, 30, 1);
	call(&w, 42000, LTA_SYSCALL_close, N_CLOSE, 7, 0);
	call(&w, 50000, LTA_SYSCALL_close, N_CLOSE, 9, 0);
	call(&d, 50100, LTA_SYSCALL_read, N_READ, 30, 0);
	call(&d, 50200, LTA_SYSCALL_close, N_CLOSE, 30, 0);
	web1 = out_of("apache2", 0);
	web2 = out_of("apache2", 1);
	ok(web1 && web2, "two web requests");
	if (!web1 || !web2) {
		return;
	}
	is_int(web2->r.exchange_count, 1,
	       "the second has its query only (no connect)");
	q = out_id(web2->ex[0].request);
	ok(q && q->r.upstream == web2->r.id && q->r.position == 2,
	   "its query is the database's second request on the connection "
	   "(the first, begun at the accept, held the first query), "
	   "upstream the second web request");
	q = out_id(web1->ex[0].request);
	ok(q && q->r.position == 1 && q->r.upstream == web1->r.id,
	   "paired after the server's first request began: it answers the "
	   "connect of the first");
	is_str(web1->ex[0].component, "mariadbd",
	       "the server never said its address: its name alone");
}

static void test_tiers_unix(void)
{
	struct ctx w = { 0, 100, 100, "apache2" };
	struct ctx t1 = { 0, 110, 111, "php-fpm" };
	struct ctx t2 = { 0, 110, 112, "php-fpm" };
	struct ctx dm = { 0, 200, 200, "mariadbd" };
	struct ctx d = { 0, 200, 201, "mariadbd" };
	const struct out *web, *q, *a;

	diag("tiers over a unix socket: path and processes pair the ends");
	reset(NULL);
	accept_exit(&w, 1000, 7, 40001);
	connect_unix(&w, 2000, 9);
	sockname(&w, 2021, 9, AF_UNIX, 0, "", "/run/db.sock", 200);
	accept_unix(&dm, 2030, 30);
	sockname(&dm, 2031, 30, AF_UNIX, 0, "/run/db.sock", "", 100);
	call(&d, 2100, LTA_SYSCALL_write, N_WRITE, 30, 90);
	call(&w, 2200, LTA_SYSCALL_read, N_READ, 9, 90);
	web_with_queries(&w, &d, 10000, 7, 9, 30, 1);
	call(&w, 12000, LTA_SYSCALL_close, N_CLOSE, 7, 0);
	call(&w, 12100, LTA_SYSCALL_close, N_CLOSE, 9, 0);
	call(&d, 12200, LTA_SYSCALL_read, N_READ, 30, 0);
	call(&d, 12300, LTA_SYSCALL_close, N_CLOSE, 30, 0);
	web = out_of("apache2", 0);
	q = web ? out_id(web->ex[1].request) : NULL;
	ok(q && q->r.upstream == web->r.id && q->r.position == 2 &&
		   web->ex[1].link == LTA_LINK_PAIRED,
	   "the query is linked both ways");
	is_str(web ? web->ex[1].peer : "", "/run/db.sock",
	       "the exchange names the socket's path");
	is_str(q ? q->r.component : "", "mariadbd@/run/db.sock",
	       "the database request names its component");

	diag("two threads of one process connect to the same path at once");
	accept_exit(&t1, 60000, 5, 40010);
	accept_exit(&t2, 60001, 6, 40011);
	connect_unix(&t1, 61000, 8);
	connect_unix(&t2, 61001, 9);
	sockname(&t1, 61021, 8, AF_UNIX, 0, "", "/run/db.sock", 200);
	sockname(&t2, 61022, 9, AF_UNIX, 0, "", "/run/db.sock", 200);
	accept_unix(&dm, 61030, 31);
	sockname(&dm, 61031, 31, AF_UNIX, 0, "/run/db.sock", "", 110);
	accept_unix(&dm, 61040, 32);
	sockname(&dm, 61041, 32, AF_UNIX, 0, "/run/db.sock", "", 110);
	call(&d, 61100, LTA_SYSCALL_write, N_WRITE, 31, 90);
	call(&t1, 61200, LTA_SYSCALL_read, N_READ, 8, 90);
	web_with_queries(&t1, &d, 70000, 5, 8, 31, 1);
	call(&t1, 80000, LTA_SYSCALL_close, N_CLOSE, 5, 0);
	call(&t2, 80001, LTA_SYSCALL_close, N_CLOSE, 6, 0);
	a = out_of("php-fpm", 0);
	ok(a && a->r.exchange_count == 2 &&
		   a->ex[1].link == LTA_LINK_AMBIGUOUS && !a->ex[1].request,
	   "the exchange is ambiguous and linked to no request");
	{
		int i, amb = 0, wrong = 0;

		for (i = 0; i < nout; i++) {
			if (strcmp(outs[i].r.procname, "mariadbd") != 0 ||
			    outs[i].r.start < 61000) {
				continue;
			}
			amb += outs[i].r.link == LTA_LINK_AMBIGUOUS;
			wrong += outs[i].r.upstream != 0;
		}
		ok(amb > 0 && wrong == 0,
		   "the database requests say ambiguous (%d), none names an "
		   "upstream request (%d)",
		   amb, wrong);
	}
}

static void test_tiers_kernel_layout(void)
{
	struct ctx w = { 0, 100, 100, "apache2" };
	struct ctx dm = { 0, 200, 200, "mariadbd" };
	struct ctx d = { 0, 200, 201, "mariadbd" };
	const struct out *web;

	diag("tiers without the client's port (kernel layout): no link");
	reset(NULL);
	accept_exit(&w, 1000, 7, 40001);
	connect_call(&w, 2000, 9, 3306, 0);
	accept_exit(&dm, 2010, 30, 50001);
	call(&d, 2100, LTA_SYSCALL_write, N_WRITE, 30, 90);
	call(&w, 2200, LTA_SYSCALL_read, N_READ, 9, 90);
	web_with_queries(&w, &d, 10000, 7, 9, 30, 1);
	call(&w, 12000, LTA_SYSCALL_close, N_CLOSE, 7, 0);
	web = out_of("apache2", 0);
	ok(web && web->r.exchange_count == 2 &&
		   web->ex[1].link == LTA_LINK_NONE && !web->ex[1].request &&
		   strcmp(web->ex[1].peer, "127.0.0.1:3306") == 0 &&
		   web->ex[1].bytes_in == 500,
	   "the exchange is kept, with its peer and bytes, linked to none");
}

#define MOVES 40

/* Requests taken by take(): each moved, and a copy made before to check. */
static struct lta_request kept[MOVES], before[MOVES];
static int nkept, lent_emptied;

static int take(struct lta_request *r, void *user_data)
{
	(void)user_data;
	if (nkept == MOVES || lta_request_copy(&before[nkept], r) != 0) {
		return -ENOMEM;
	}
	lta_request_move(&kept[nkept], r);
	if (r->call_count == 0 && r->count_kinds == 0 && r->strings_len == 0 &&
	    r->id == kept[nkept].id) {
		lent_emptied++;
	}
	nkept++;
	return 0;
}

static void test_move(void)
{
	struct ctx w = { 0, 300, 300, "apache2" };
	int i, same = 0;

	diag("lta_request_move: on_request keeps requests without a copy");
	lta_segment_destroy(seg);
	seg = lta_segment_create(NULL, take, NULL);
	for (i = 0; i < MOVES; i++) {
		int64_t t = 100000 * (i + 1);
		struct lta_event e = base(&w, t + 300, LTA_EVENT_SYSCALL_ENTRY,
					  LTA_SYSCALL_openat, N_OPENAT);
		char path[32];
		int k;

		entry(&w, t - 50, LTA_SYSCALL_accept4, N_ACCEPT4, 3);
		accept_exit(&w, t, 7, 40000 + i);
		call(&w, t + 100, LTA_SYSCALL_read, N_READ, 7, 120);
		/* A string argument, and i % 4 more reads: sizes vary. */
		snprintf(path, sizeof(path), "/var/www/page-%d.php", i);
		e.args[0].name = "filename";
		e.args[0].type = LTA_ARG_STRING;
		e.args[0].v.str = path;
		e.nargs = 1;
		feed(&e);
		exit_(&w, t + 310, LTA_SYSCALL_openat, N_OPENAT, 9);
		for (k = 0; k < i % 4; k++) {
			call(&w, t + 400 + 20 * k, LTA_SYSCALL_read, N_READ, 9,
			     500);
		}
		call(&w, t + 900, LTA_SYSCALL_write, N_WRITE, 7, 700);
		call(&w, t + 1000, LTA_SYSCALL_close, N_CLOSE, 7, 0);
	}
	is_int(nkept, MOVES, "every request taken");
	is_int(lent_emptied, MOVES,
	       "the lent record keeps its fields, emptied of its calls");
	/* Compared once the segmenter reused the buffers it got back. */
	for (i = 0; i < nkept; i++) {
		if (kept[i].call_count == 5 + (uint32_t)(i % 4) &&
		    same_record(&kept[i], &before[i]) &&
		    strcmp(lta_request_string(&kept[i],
					      &kept[i].calls[2].args[0]),
			   lta_request_string(&before[i],
					      &before[i].calls[2].args[0])) ==
			    0) {
			same++;
		}
		lta_request_fini(&kept[i]);
		lta_request_fini(&before[i]);
	}
	is_int(same, MOVES,
	       "each taken request still holds its calls, counts and "
	       "strings after the segmenter went on");
	lta_segment_destroy(seg);
	seg = NULL;
}

/* --- kinds of requests (derived services) ----------------------------- */

/* open(PATH, FLAGS) by C at TS returning RET (the kernel's openat). */
static void open_file(const struct ctx *c, int64_t ts, const char *path,
		      int64_t flags, int64_t ret)
{
	struct lta_event e = base(c, ts, LTA_EVENT_SYSCALL_ENTRY,
				  LTA_SYSCALL_openat, N_OPENAT);
	struct lta_arg *a;

	add_int(&e, "dfd", -100);
	a = &e.args[e.nargs++];
	a->name = "filename";
	a->type = LTA_ARG_STRING;
	a->v.str = path;
	add_int(&e, "flags", flags);
	add_int(&e, "mode", 0);
	feed(&e);
	exit_(c, ts + 10, LTA_SYSCALL_openat, N_OPENAT, ret);
}

/* A sched_process_fork (PARENT forks CHILD) or exec (TID runs PATH). */
static void process_event(const struct ctx *c, int64_t ts,
			  enum lta_event_kind kind, int32_t tid, int32_t parent,
			  const char *path)
{
	struct lta_event e =
		base(c, ts, kind, LTA_SYSCALL_UNKNOWN,
		     kind == LTA_EVENT_PROCESS_FORK ? "sched_process_fork"
						    : "sched_process_exec");

	e.syscall_name = NULL;
	e.u.process.tid = tid;
	e.u.process.pid = tid;
	e.u.process.parent_tid = parent;
	e.u.process.parent_pid = parent;
	e.u.process.name = path;
	feed(&e);
}

/* The points since FROM, joined by " | ": compared as one string. */
static const char *points_since(int from)
{
	static char joined[2048];
	size_t len = 0;
	int i;

	joined[0] = '\0';
	for (i = from; i < npoints && len < sizeof(joined); i++) {
		len += (size_t)snprintf(joined + len, sizeof(joined) - len,
					"%s%s", i > from ? " | " : "",
					points[i]);
	}
	return joined;
}

static void test_kinds(void)
{
	static const char *const N_CLONE = "clone", *const N_EXECVE = "execve";
	struct lta_segment_options options = { .max_calls = 16,
					       .on_point = collect_point };
	struct ctx w = { 0, 1300, 1300, "apache2" };
	struct ctx child = { 0, 1399, 1399, "apache2" };
	struct ctx other = { 0, 1500, 1500, "apache2" };
	struct ctx nginx = { 0, 1600, 1600, "nginx" };
	int from;

	diag("kinds: the request line, without its query");
	reset(&options);
	npoints = 0;
	accept_exit(&w, 1000, 7, 48000);
	entry(&w, 1100, LTA_SYSCALL_read, N_READ, 7);
	http_event(&w, 1105, 7, 0, 1, "GET /cgi-bin/a.cgi?x=1&y=2 HTTP/1.1");
	exit_(&w, 1110, LTA_SYSCALL_read, N_READ, 80);
	/* A file after the line: the line ranks first, nothing moves. */
	open_file(&w, 1200, "/usr/lib/cgi-bin/a.cgi", O_RDONLY, 9);
	call(&w, 1300, LTA_SYSCALL_writev, N_WRITEV, 7, 100);
	read_again(&w, 1400, 7);
	is_str(points_since(0),
	       "S+ apache2 request 1 | "
	       "S> apache2 request => request GET /cgi-bin/a.cgi 1 | "
	       "S- apache2 request GET /cgi-bin/a.cgi 1",
	       "started as request, moved at the line, ended under it");
	diag("kinds: the next request on the connection, its line known at "
	     "its start");
	from = npoints;
	entry(&w, 2000, LTA_SYSCALL_read, N_READ, 7);
	http_event(&w, 2005, 7, 0, 1, "POST /form HTTP/1.1");
	exit_(&w, 2010, LTA_SYSCALL_read, N_READ, 80);
	call(&w, 2100, LTA_SYSCALL_writev, N_WRITEV, 7, 100);
	read_again(&w, 2200, 7);
	is_str(points_since(from),
	       "S+ apache2 request 2 | "
	       "S> apache2 request => request POST /form 2 | "
	       "S- apache2 request POST /form 2",
	       "moved at the exit of the read that began it");
	call(&w, 2300, LTA_SYSCALL_close, N_CLOSE, 7, 0);

	diag("kinds: the file served, not the probes before it");
	from = npoints;
	accept_exit(&w, 3000, 7, 48001);
	call(&w, 3100, LTA_SYSCALL_read, N_READ, 7, 80);
	open_file(&w, 3200, "/var/www/.htaccess", O_RDONLY, -2);
	open_file(&w, 3210, "/var/www/html/.htaccess", O_RDONLY, 9);
	open_file(&w, 3220, "/etc/localtime", O_RDONLY, 10);
	open_file(&w, 3230, "/var/log/apache2/x.log", O_WRONLY | O_APPEND, 11);
	open_file(&w, 3240, "/var/www/html", O_RDONLY | O_DIRECTORY, 12);
	is_int(npoints - from, 1,
	       "a failed open, a hidden file, /etc, a write, a directory: no "
	       "kind");
	open_file(&w, 3300, "/var/www/html/index.html", O_RDONLY | O_CLOEXEC,
		  13);
	open_file(&w, 3400, "/var/www/html/other.html", O_RDONLY, 14);
	call(&w, 3500, LTA_SYSCALL_close, N_CLOSE, 7, 0);
	is_str(points_since(from),
	       "S+ apache2 request 3 | "
	       "S> apache2 request => request file /var/www/html/index.html "
	       "3 | "
	       "S- apache2 request file /var/www/html/index.html 3",
	       "the first file read names it; the second changes nothing");

	diag("kinds: the program a forked child executes (kernel events)");
	from = npoints;
	accept_exit(&w, 4000, 7, 48002);
	call(&w, 4100, LTA_SYSCALL_read, N_READ, 7, 80);
	entry(&w, 4200, LTA_SYSCALL_clone, N_CLONE, -1);
	process_event(&w, 4201, LTA_EVENT_PROCESS_FORK, 1399, 1300, "apache2");
	exit_(&w, 4210, LTA_SYSCALL_clone, N_CLONE, 1399);
	/* Another process executes first: not this request's. */
	process_event(&other, 4250, LTA_EVENT_PROCESS_EXEC, 1500, -1,
		      "/bin/true");
	is_int(npoints - from, 1, "no kind from an unrelated exec");
	process_event(&child, 4300, LTA_EVENT_PROCESS_EXEC, 1399, -1,
		      "/usr/lib/cgi-bin/sleep.cgi");
	process_event(&child, 4400, LTA_EVENT_PROCESS_EXEC, 1399, -1,
		      "/bin/sh");
	call(&w, 4500, LTA_SYSCALL_close, N_CLOSE, 7, 0);
	is_str(points_since(from),
	       "S+ apache2 request 4 | "
	       "S> apache2 request => request exec /usr/lib/cgi-bin/sleep.cgi "
	       "4 | "
	       "S- apache2 request exec /usr/lib/cgi-bin/sleep.cgi 4",
	       "its child's first exec names it");

	diag("kinds: fork and execve from the system calls only");
	from = npoints;
	accept_exit(&w, 5000, 7, 48003);
	call(&w, 5100, LTA_SYSCALL_read, N_READ, 7, 80);
	call(&w, 5200, LTA_SYSCALL_clone, N_CLONE, -1, 1399);
	{
		struct lta_event e = base(&child, 5300, LTA_EVENT_SYSCALL_ENTRY,
					  LTA_SYSCALL_execve, N_EXECVE);
		struct lta_arg *a = &e.args[e.nargs++];

		a->name = "filename";
		a->type = LTA_ARG_STRING;
		a->v.str = "/usr/lib/cgi-bin/b.cgi";
		feed(&e);
	}
	/* A peer after the exec ranks lower: nothing moves. */
	connect_call(&w, 5400, 9, 3306, 0);
	call(&w, 5500, LTA_SYSCALL_write, N_WRITE, 9, 10);
	call(&w, 5600, LTA_SYSCALL_close, N_CLOSE, 7, 0);
	is_str(points_since(from),
	       "S+ apache2 request 5 | "
	       "S> apache2 request => request exec /usr/lib/cgi-bin/b.cgi 5 | "
	       "S- apache2 request exec /usr/lib/cgi-bin/b.cgi 5",
	       "the execve entry of the child names it");

	diag("kinds: a server it writes to, then a file (higher priority)");
	from = npoints;
	accept_exit(&w, 6000, 7, 48004);
	call(&w, 6100, LTA_SYSCALL_read, N_READ, 7, 80);
	connect_unix(&w, 6200, 10);
	call(&w, 6300, LTA_SYSCALL_write, N_WRITE, 10, 10);
	connect_call(&w, 6400, 11, 3306, 0);
	call(&w, 6500, LTA_SYSCALL_write, N_WRITE, 11, 10);
	open_file(&w, 6600, "/var/www/html/index.php", O_RDONLY, 12);
	call(&w, 6700, LTA_SYSCALL_close, N_CLOSE, 7, 0);
	is_str(points_since(from),
	       "S+ apache2 request 6 | "
	       "S> apache2 request => request to unix 6 | "
	       "S> apache2 request to unix => request file "
	       "/var/www/html/index.php 6 | "
	       "S- apache2 request file /var/www/html/index.php 6",
	       "to unix (no path in a kernel trace), not moved by a second "
	       "server, then moved to the file");

	diag("kinds: at most max_kinds per process name, then other");
	options.max_kinds = 2;
	reset(&options);
	npoints = 0;
	accept_exit(&w, 1000, 7, 48010);
	open_file(&w, 1100, "/a", O_RDONLY, 9);
	call(&w, 1200, LTA_SYSCALL_close, N_CLOSE, 7, 0);
	accept_exit(&w, 2000, 7, 48011);
	open_file(&w, 2100, "/b", O_RDONLY, 9);
	call(&w, 2200, LTA_SYSCALL_close, N_CLOSE, 7, 0);
	accept_exit(&w, 3000, 7, 48012);
	open_file(&w, 3100, "/c", O_RDONLY, 9);
	call(&w, 3200, LTA_SYSCALL_close, N_CLOSE, 7, 0);
	accept_exit(&w, 4000, 7, 48013);
	open_file(&w, 4100, "/a", O_RDONLY, 9);
	call(&w, 4200, LTA_SYSCALL_close, N_CLOSE, 7, 0);
	accept_exit(&nginx, 5000, 7, 48014);
	open_file(&nginx, 5100, "/c", O_RDONLY, 9);
	call(&nginx, 5200, LTA_SYSCALL_close, N_CLOSE, 7, 0);
	is_str(points[5], "S- apache2 request file /b 2", "a second kind");
	is_str(points[8], "S- apache2 request other 3",
	       "a third kind of the same process name: other");
	is_str(points[11], "S- apache2 request file /a 4",
	       "a kind it has: still its own");
	is_str(points[14], "S- nginx request file /c 5",
	       "another process name has its own bound");

	diag("kinds off: every request is request, nothing moves");
	options.max_kinds = 0;
	options.no_kinds = true;
	reset(&options);
	npoints = 0;
	accept_exit(&w, 1000, 7, 48020);
	entry(&w, 1100, LTA_SYSCALL_read, N_READ, 7);
	http_event(&w, 1105, 7, 0, 1, "GET / HTTP/1.1");
	exit_(&w, 1110, LTA_SYSCALL_read, N_READ, 80);
	open_file(&w, 1200, "/var/www/html/index.html", O_RDONLY, 9);
	call(&w, 1300, LTA_SYSCALL_close, N_CLOSE, 7, 0);
	is_str(points_since(0), "S+ apache2 request 1 | S- apache2 request 1",
	       "as before kinds");
	is_int(feed_errors, 0, "fed without error");
}

/* Whether the points since FROM include WANT. */
static bool has_point(int from, const char *want)
{
	int i;

	for (i = from; i < npoints; i++) {
		if (strcmp(points[i], want) == 0) {
			return true;
		}
	}
	return false;
}

static void test_component_interactions(void)
{
	static const char *const N_SOCKET = "socket", *const N_POLL = "poll";
	struct lta_segment_options options = { .max_calls = 16,
					       .on_point = collect_point };
	struct ctx w = { 0, 100, 100, "apache2" };
	struct ctx w2 = { 0, 110, 110, "apache2" };
	struct ctx dm = { 0, 200, 200, "mariadbd" };
	struct ctx d = { 0, 200, 201, "mariadbd" };
	int from;

	diag("derived interactions with a traced server: keyed by its "
	     "component; an InE names its downstream request");
	reset(&options);
	npoints = 0;
	accept_exit(&w, 1000, 7, 40001);
	call(&w, 1100, LTA_SYSCALL_read, N_READ, 7, 80);
	call(&w, 1900, LTA_SYSCALL_socket, N_SOCKET, -1, 9);
	connect_call(&w, 2000, 9, 3306, 0);
	accept_exit(&dm, 2010, 30, 50001);
	sockname(&dm, 2011, 30, AF_INET, 3306, "", "", -1);
	ok(has_point(0, "I+ apache2 socket:connect 100"),
	   "the connect, before the pairing: socket:connect");
	sockname(&w, 2030, 9, AF_INET, 50001, "", "", -1);
	is_int(lta_segment_downstream(seg, 0, 100), -1,
	       "a thread in no interaction: -1");
	from = npoints;
	entry(&w, 3000, LTA_SYSCALL_write, N_WRITE, 9);
	ok(has_point(from, "I+ apache2 mariadbd@127.0.0.1:3306:write 100"),
	   "paired: the write is an interaction with mariadbd@127.0.0.1:3306");
	is_int(lta_segment_downstream(seg, 0, 100), 2,
	       "the exchange in progress is linked to the database's first "
	       "request (2), running");
	exit_(&w, 3010, LTA_SYSCALL_write, N_WRITE, 40);
	call(&d, 3020, LTA_SYSCALL_read, N_READ, 30, 40);
	from = npoints;
	entry(&w, 3100, LTA_SYSCALL_poll, N_POLL, -1);
	ok(has_point(from, "I+ apache2 mariadbd@127.0.0.1:3306:poll 100"),
	   "a poll after it is charged to that server too");
	call(&d, 3200, LTA_SYSCALL_write, N_WRITE, 30, 500);
	is_int(lta_segment_downstream(seg, 0, 100), 2,
	       "answered but not over: still running");
	entry(&d, 3300, LTA_SYSCALL_read, N_READ, 30);
	is_int(lta_segment_downstream(seg, 0, 100), 0,
	       "the database's request ended (it reads again): none running");
	exit_(&w, 3400, LTA_SYSCALL_poll, N_POLL, 1);
	call(&w, 3500, LTA_SYSCALL_read, N_READ, 9, 500);

	diag("the next query: no database request yet, then one");
	entry(&w, 4000, LTA_SYSCALL_write, N_WRITE, 9);
	is_int(lta_segment_downstream(seg, 0, 100), 0,
	       "a new exchange, not read by the database yet: none running");
	exit_(&w, 4010, LTA_SYSCALL_write, N_WRITE, 40);
	entry(&w, 4015, LTA_SYSCALL_poll, N_POLL, -1);
	exit_(&d, 4020, LTA_SYSCALL_read, N_READ, 40);
	is_int(lta_segment_downstream(seg, 0, 100), 3,
	       "the database began request 3 for it: running");
	exit_(&w, 4100, LTA_SYSCALL_poll, N_POLL, 1);
	call(&w, 4200, LTA_SYSCALL_close, N_CLOSE, 7, 0);

	diag("an unpaired connection: as before, and no downstream");
	from = npoints;
	accept_exit(&w2, 5000, 7, 40002);
	call(&w2, 5100, LTA_SYSCALL_read, N_READ, 7, 80);
	call(&w2, 5200, LTA_SYSCALL_socket, N_SOCKET, -1, 9);
	connect_call(&w2, 5300, 9, 3307, 0);
	entry(&w2, 5400, LTA_SYSCALL_write, N_WRITE, 9);
	ok(has_point(from, "I+ apache2 socket:write 110"),
	   "no traced server at the other end: socket:write");
	is_int(lta_segment_downstream(seg, 0, 110), -1,
	       "an interaction on an unpaired connection: -1");
	exit_(&w2, 5410, LTA_SYSCALL_write, N_WRITE, 40);
	call(&w2, 5500, LTA_SYSCALL_close, N_CLOSE, 7, 0);

	diag("components bounded per process name");
	options.max_kinds = 1;
	reset(&options);
	npoints = 0;
	accept_exit(&w, 1000, 7, 40001);
	call(&w, 1100, LTA_SYSCALL_read, N_READ, 7, 80);
	call(&w, 1900, LTA_SYSCALL_socket, N_SOCKET, -1, 9);
	connect_call(&w, 2000, 9, 3306, 0);
	accept_exit(&dm, 2010, 30, 50001);
	sockname(&dm, 2011, 30, AF_INET, 3306, "", "", -1);
	sockname(&w, 2030, 9, AF_INET, 50001, "", "", -1);
	call(&w, 2040, LTA_SYSCALL_socket, N_SOCKET, -1, 10);
	connect_call(&w, 2100, 10, 3307, 0);
	accept_exit(&dm, 2110, 31, 50002);
	sockname(&dm, 2111, 31, AF_INET, 3307, "", "", -1);
	sockname(&w, 2130, 10, AF_INET, 50002, "", "", -1);
	from = npoints;
	call(&w, 3000, LTA_SYSCALL_write, N_WRITE, 9, 40);
	call(&w, 3100, LTA_SYSCALL_write, N_WRITE, 10, 40);
	ok(has_point(from, "I+ apache2 mariadbd@127.0.0.1:3306:write 100") &&
		   has_point(from, "I+ apache2 socket:write 100"),
	   "past max_kinds (1) components: socket:write");
	is_int(feed_errors, 0, "fed without error");
}

int main(void)
{
	plan_no_plan();
	test_end_names();
	test_prefork();
	test_move();
	test_tiers_tcp();
	test_tiers_port_reuse();
	test_tiers_persistent();
	test_tiers_unix();
	test_tiers_kernel_layout();
	test_thread_pool();
	test_servers_and_filter();
	test_reuse_and_trace_start();
	test_open_abort_exit_group();
	test_discard_empty_cap();
	test_without_contexts();
	test_sched_split();
	test_summary();
	test_components();
	test_derived_points();
	test_keepalive_prefork();
	test_keepalive_event_mpm();
	test_keepalive_sendfile_and_parts();
	test_late_tids();
	test_pipelining();
	test_lost_close_exit();
	test_keepalive_points();
	test_kinds();
	test_component_interactions();
	test_discard_all_traces();
	test_copy();
	is_int(feed_errors, 0, "the segmenter accepted every event");
	lta_segment_destroy(seg);
	return exit_status();
}
