/*
 * The segment module with hand-built event sequences, one scenario per
 * case of the request semantics (doc/segmentation.md): prefork, thread
 * pools, several servers, descriptor reuse, accept exit without entry,
 * open at the end, process exit, lingering close, discards, empty
 * connections, the sequence cap, listener threads, and context-less
 * traces through the tasks module.
 */
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
};

static struct out outs[MAX_OUT];
static int nout;

static int collect(const struct lta_request *r, void *user_data)
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
	for (i = 0; i < r->call_count && i < 16; i++) {
		snprintf(o->calls[i], sizeof(o->calls[i]), "%s",
			 r->calls[i].name);
		o->call_dur[i] = r->calls[i].duration;
	}
	return 0;
}

/* Interned-like names: one pointer per name, as the decoder gives. */
static const char *const N_ACCEPT4 = "accept4", *const N_READ = "read",
			 *const N_WRITE = "write", *const N_CLOSE = "close",
			 *const N_SHUTDOWN = "shutdown",
			 *const N_OPENAT = "openat",
			 *const N_EPOLL = "epoll_wait",
			 *const N_EXIT_GROUP = "exit_group";

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

static void feed(struct lta_event *e)
{
	lta_segment_feed(seg, e);
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

/* accept4 exit with a decoded IPv4 peer 127.0.0.1:PORT. */
static void accept_exit(const struct ctx *c, int64_t ts, int64_t fd, int port)
{
	struct lta_event e = base(c, ts, LTA_EVENT_SYSCALL_EXIT,
				  LTA_SYSCALL_accept4, N_ACCEPT4);
	struct lta_arg *a;

	add_int(&e, "ret", fd);
	add_int(&e, "family", AF_INET);
	add_int(&e, "sport", port);
	a = &e.args[e.nargs++];
	a->name = "v4addr";
	a->type = LTA_ARG_INTS;
	a->len = 4;
	a->v.ints[0] = 127;
	a->v.ints[1] = 0;
	a->v.ints[2] = 0;
	a->v.ints[3] = 1;
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
		r.reads = 1;
		r.end_reason = LTA_REQUEST_END_CLOSE;
		lta_summary_add(s, &r);
	}
	r.end_reason = LTA_REQUEST_END_EMPTY;
	lta_summary_add(s, &r);
	r.end_reason = LTA_REQUEST_END_CLOSE;
	r.incomplete = true;
	r.end = 999000000;
	lta_summary_add(s, &r);
	is_int(s->requests, 102, "102 requests counted");
	is_int(s->complete, 100, "100 in the latency figures");
	is_int(s->by_end[LTA_REQUEST_END_EMPTY], 1, "the empty one apart");
	is_int(s->incomplete, 1, "the incomplete one apart");
	ok(llabs(lta_histogram_percentile(s->latency, 50) - 50000000) <=
		   50000000 / 1000,
	   "p50 = 50 ms within 3 significant digits");
	is_int(lta_histogram_max(s->latency), 100000000, "max 100 ms exactly");
	ok(lta_summary_throughput(s) > 999.0 &&
		   lta_summary_throughput(s) < 1001.0,
	   "100 requests in 0.1 s of trace time: 1000/s");
	lta_summary_destroy(s);
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

/* Derived points, as text: "S+ request 1", "I+ socket:read 301"... */
static char points[32][64];
static int npoints;

static int collect_point(const struct lta_segment_point *p, void *user_data)
{
	(void)user_data;
	if (npoints < 32) {
		snprintf(points[npoints++], sizeof(points[0]),
			 "%c%c %s %s %llu", p->interaction ? 'I' : 'S',
			 p->end ? '-' : '+', p->entity, p->name,
			 (unsigned long long)p->key);
	}
	return 0;
}

static void test_derived_points(void)
{
	static const char *const N_SOCKET = "socket",
				 *const N_CONNECT = "connect",
				 *const N_POLL = "poll";
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
			"I+ php socket:write 301",
			"I- php socket:write 301",
			"I+ php socket:poll 301",
			"I- php socket:poll 301",
			"I+ php socket:read 301",
			"I- php socket:read 301",
			"I+ php socket:read 301",
			"I- php socket:read 301",
			"S- php request 1",
		};
		int n = (int)(sizeof(want) / sizeof(want[0]));

		is_int(npoints, n, "12 points");
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
	diag("no callback: no points, and the requests are the same");
	reset(NULL);
	npoints = 0;
	accept_exit(&listener, 1000, 7, 40000);
	call(&worker, 2200, LTA_SYSCALL_connect, N_CONNECT, 9, 0);
	call(&worker, 3100, LTA_SYSCALL_close, N_CLOSE, 7, 0);
	is_int(npoints, 0, "none");
	is_int(nout, 1, "one request");
}

int main(void)
{
	plan_no_plan();
	test_end_names();
	test_prefork();
	test_thread_pool();
	test_servers_and_filter();
	test_reuse_and_trace_start();
	test_open_abort_exit_group();
	test_discard_empty_cap();
	test_without_contexts();
	test_sched_split();
	test_summary();
	test_derived_points();
	lta_segment_destroy(seg);
	return exit_status();
}
