/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The decode module (with tasks) on small real CTF traces that
 * tests/utils/make-synthetic-traces.py writes through babeltrace2's
 * sink.ctf.fs: 2.4-era names without context, kernel contexts, user-space
 * contexts, awkward field types, discarded events and packets. Every value
 * asserted here is listed in tests/utils/README-synthetic-traces.md with the
 * babeltrace2 command that shows it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "decode/decode.h"
#include "tap.h"
#include "tasks/tasks.h"

#define T0 1600000000000000000LL
#define MAX_SEEN 64

struct seen {
	char name[64];
	enum lta_event_kind kind;
	enum lta_syscall syscall;
	char syscall_name[32];
	int64_t ts, entry_ts;
	int32_t cpu, pid, tid;
	char procname[32];
	int64_t ret;	       /* When the event has "ret". */
	int64_t fd;	       /* When the event has "fd". */
	struct lta_event copy; /* Args hold borrowed strings: see below. */
	char strings[LTA_EVENT_MAX_ARGS][64];
};

struct collect {
	struct lta_tasks *tasks;
	struct seen seen[MAX_SEEN];
	int count;
	struct lta_discard discards[8];
	int discard_count;
	/* Every event and discard in order: "E ts", "D count begin end". */
	char sequence[4096];
	size_t sequence_len;
};

static void log_item(struct collect *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void log_item(struct collect *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (c->sequence_len >= sizeof(c->sequence)) {
		return;
	}
	va_start(ap, fmt);
	n = vsnprintf(c->sequence + c->sequence_len,
		      sizeof(c->sequence) - c->sequence_len, fmt, ap);
	va_end(ap);
	c->sequence_len += n > 0 ? (size_t)n : 0;
}

static int on_event(struct lta_event *event, void *user_data)
{
	struct collect *c = user_data;
	struct seen *s;
	int64_t v;
	int i;

	if (lta_tasks_feed(c->tasks, event)) {
		return -ENOMEM;
	}
	log_item(c, "E %lld;", (long long)event->ts);
	if (c->count == MAX_SEEN) {
		return 0;
	}
	s = &c->seen[c->count++];
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", event->name);
	s->kind = event->kind;
	s->syscall = event->syscall;
	snprintf(s->syscall_name, sizeof(s->syscall_name), "%s",
		 event->syscall_name ? event->syscall_name : "");
	s->ts = event->ts;
	s->entry_ts = event->entry_ts;
	s->cpu = event->cpu;
	s->pid = event->pid;
	s->tid = event->tid;
	snprintf(s->procname, sizeof(s->procname), "%s",
		 event->procname ? event->procname : "");
	s->ret = lta_event_arg_int(event, event->ret_arg, &v) ? v : -999;
	s->fd = lta_event_arg_int(event, event->fd_arg, &v) ? v : -999;
	s->copy = *event;
	for (i = 0; i < event->nargs; i++) {
		if (event->args[i].type == LTA_ARG_STRING) {
			snprintf(s->strings[i], sizeof(s->strings[i]), "%s",
				 event->args[i].v.str);
			s->copy.args[i].v.str = s->strings[i];
		}
	}
	return 0;
}

static int on_discard(const struct lta_discard *d, void *user_data)
{
	struct collect *c = user_data;

	log_item(c, "D%s %llu %lld %lld;", d->packets ? "P" : "E",
		 (unsigned long long)d->count, (long long)d->begin_ts,
		 (long long)d->end_ts);
	if (c->discard_count < 8) {
		c->discards[c->discard_count++] = *d;
	}
	return 0;
}

/* Reads DIR/NAME with JOBS graphs (0: one, on this thread). */
static struct lta_decoder *read_trace_jobs(const char *dir, const char *name,
					   struct collect *c, unsigned jobs)
{
	struct lta_decode_options options = { .decode_args = true,
					      .bt_log_level = "error",
					      .jobs = jobs };
	struct lta_decode_handlers handlers = { .event = on_event,
						.discard = on_discard };
	struct lta_decoder *source;
	char path[4096];

	memset(c, 0, sizeof(*c));
	c->tasks = lta_tasks_create();
	source = lta_decode_create(&options, &handlers, c);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (!source || !c->tasks || lta_decode_add_path(source, path) ||
	    lta_decode_run(source) != LTA_DECODE_END) {
		diag("reading %s failed: %s", path,
		     source ? lta_decode_error_message(source) : "no memory");
	}
	return source;
}

static struct lta_decoder *read_trace(const char *dir, const char *name,
				      struct collect *c)
{
	return read_trace_jobs(dir, name, c, 0);
}

static void done(struct lta_decoder *source, struct collect *c)
{
	lta_decode_destroy(source);
	lta_tasks_destroy(c->tasks);
}

static struct collect c;

static void test_24_names(const char *dir)
{
	struct lta_decoder *source = read_trace(dir, "kernel-2.4-names", &c);
	const struct lta_decode_counters *n = lta_decode_counters(source);

	diag("kernel-2.4-names: sys_X / exit_syscall, no context");
	is_int(n->events, 16, "16 events (babeltrace2 DIR | wc -l)");
	is_int(n->first_ts, T0 + 1000, "first timestamp in ns since epoch");
	is_int(n->last_ts, T0 + 61000, "last timestamp");
	/* Event 6: sys_open on cpu 0 by tid 100 (after sched_switch). */
	is_str(c.seen[5].name, "sys_open", "event 6 is sys_open");
	is_int(c.seen[5].kind, LTA_EVENT_SYSCALL_ENTRY, "sys_open is an entry");
	is_int(c.seen[5].syscall, LTA_SYSCALL_open, "sys_open is open");
	is_int(c.seen[5].tid, 100, "sys_open by tid 100 (sched_switch)");
	is_int(c.seen[5].pid, 100, "of pid 100 (statedump)");
	is_str(c.seen[5].procname, "server", "named server");
	is_int(c.seen[5].cpu, 0, "on cpu 0 (packet context)");
	/* Event 7: exit_syscall ret 3 is open's exit. */
	is_int(c.seen[6].kind, LTA_EVENT_SYSCALL_EXIT,
	       "exit_syscall is an exit");
	is_int(c.seen[6].syscall, LTA_SYSCALL_open,
	       "exit_syscall paired with open by its thread");
	is_str(c.seen[6].syscall_name, "open", "and named open");
	is_int(c.seen[6].entry_ts, T0 + 20000, "entry timestamp carried");
	is_int(c.seen[6].ret, 3, "ret = 3");
	/* Events 10 and 11: exits interleaved across CPUs. */
	is_int(c.seen[9].syscall, LTA_SYSCALL_connect,
	       "cpu 1 exit_syscall pairs with connect (not the later read)");
	is_int(c.seen[9].ret, -111, "connect ret -111");
	is_int(c.seen[9].tid, 200, "connect by tid 200");
	is_str(c.seen[9].procname, "client", "named client");
	is_int(c.seen[10].syscall, LTA_SYSCALL_read,
	       "cpu 0 exit pairs with read");
	is_int(c.seen[10].entry_ts, T0 + 30000, "read entry timestamp");
	is_int(c.seen[8].fd, 3, "sys_read fd = 3 (u32)");
	/* Events 15 and 16: after the switch to tid 101, same process. */
	is_int(c.seen[14].tid, 101, "sys_write by tid 101");
	is_int(c.seen[14].pid, 100, "thread 101 belongs to pid 100");
	is_int(c.seen[15].syscall, LTA_SYSCALL_write, "write's exit_syscall");
	is_int(c.seen[15].ret, 5, "write ret 5");
	/* Before any sched_switch, statedump events have no thread. */
	is_int(c.seen[0].tid, -1, "statedump before any sched_switch: no tid");
	/*
	 * The 3 statedump events, and the first sched_switch of each CPU
	 * (made by a task nobody switched in yet): 5.
	 */
	is_int(lta_tasks_counters(c.tasks)->unattributed_events, 5,
	       "5 events precede their CPU's first switch-in: unattributed");
	is_str(lta_decode_trace(source, 0)->hostname, "synth-host",
	       "hostname from the trace environment");
	is_str(lta_decode_trace(source, 0)->domain, "kernel", "domain");
	done(source, &c);
}

static void test_kernel_contexts(const char *dir)
{
	struct lta_decoder *source = read_trace(dir, "kernel-contexts", &c);
	const struct lta_arg *a;
	int i, all = 1;

	diag("kernel-contexts: procname/pid/tid contexts");
	is_int(lta_decode_counters(source)->events, 9, "9 events");
	for (i = 0; i < c.count; i++) {
		all &= c.seen[i].pid == 300 && c.seen[i].tid == 301 &&
		       strcmp(c.seen[i].procname, "apache2") == 0;
	}
	ok(all && c.count == 9, "every event: apache2, pid 300, tid 301");
	is_int(c.seen[1].syscall, LTA_SYSCALL_accept4, "accept4 exit");
	is_int(c.seen[1].ret, 7, "accept4 ret 7 (s64)");
	a = lta_event_find_arg(&c.seen[1].copy, "sport");
	ok(a && a->type == LTA_ARG_UINT && a->v.u == 40000,
	   "sport = 40000 (u16)");
	a = lta_event_find_arg(&c.seen[1].copy, "v4addr");
	ok(a && a->type == LTA_ARG_INTS && a->len == 4 && a->v.ints[0] == 127 &&
		   a->v.ints[3] == 1,
	   "v4addr decoded as 4 integers 127.0.0.1");
	a = lta_event_find_arg(&c.seen[1].copy, "v6addr");
	ok(a && a->type == LTA_ARG_INTS && a->len == 0, "v6addr empty");
	a = lta_event_find_arg(&c.seen[0].copy, "upeer_sockaddr");
	ok(a && a->type == LTA_ARG_UINT && a->v.u == 0x7FFC12340000ULL,
	   "hex-displayed pointer read as its value");
	is_int(c.seen[0].fd, 3, "accept4 entry fd 3 (s32)");
	is_int(c.seen[2].fd, 7, "read entry fd 7 (u32)");
	is_int(c.seen[3].entry_ts, T0 + 3000,
	       "read exit paired with its entry");
	is_int(c.seen[5].syscall, LTA_SYSCALL_shutdown, "shutdown exit");
	is_int(c.seen[8].kind, LTA_EVENT_PROCESS_EXIT,
	       "sched_process_exit kind");
	is_int(lta_tasks_counters(c.tasks)->unattributed_events, 0,
	       "contexts: nothing unattributed");
	done(source, &c);
}

static void test_ust_contexts(const char *dir)
{
	struct lta_decoder *source = read_trace(dir, "ust-contexts", &c);
	const struct lta_arg *a;

	diag("ust-contexts: vpid/vtid/procname and our user-space provider");
	is_int(lta_decode_counters(source)->events, 26, "26 events");
	is_int(c.seen[0].kind, LTA_EVENT_SYSCALL_ENTRY,
	       "lttng_analyzer_syscall:entry_write is a syscall entry");
	is_int(c.seen[0].syscall, LTA_SYSCALL_write, "of write");
	is_int(c.seen[0].pid, 400, "vpid 400");
	is_int(c.seen[0].tid, 401, "vtid 401");
	is_str(c.seen[0].procname, "myapp", "procname myapp");
	is_int(c.seen[1].kind, LTA_EVENT_SYSCALL_EXIT, "exit_write is an exit");
	is_int(c.seen[1].entry_ts, T0 + 1000, "paired with its entry");
	is_int(c.seen[1].ret, 12, "ret 12");
	is_str(c.seen[2].name, "myapp:request_done",
	       "any provider's event kept");
	is_int(c.seen[2].kind, LTA_EVENT_OTHER, "as an other event");
	a = lta_event_find_arg(&c.seen[2].copy, "path");
	ok(a && a->type == LTA_ARG_STRING &&
		   strcmp(a->v.str, "/index.html") == 0,
	   "with its string field");
	a = lta_event_find_arg(&c.seen[2].copy, "latency_us");
	ok(a && a->type == LTA_ARG_UINT && a->v.u == 1500,
	   "and its integer field");
	is_str(lta_decode_trace(source, 0)->domain, "ust", "domain ust");
	done(source, &c);
}

/* Whether EVENT has the string argument NAME, equal to VALUE. */
static bool has_string(const struct lta_event *event, const char *name,
		       const char *value)
{
	const struct lta_arg *a = lta_event_find_arg(event, name);

	return a && a->type == LTA_ARG_STRING && a->v.str &&
	       strcmp(a->v.str, value) == 0;
}

/* Whether EVENT has the integer argument NAME, equal to VALUE. */
static bool has_int(const struct lta_event *event, const char *name,
		    int64_t value)
{
	const struct lta_arg *a = lta_event_find_arg(event, name);
	int64_t v;

	return a && lta_event_arg_int(event, (int)(a - event->args), &v) &&
	       v == value;
}

/*
 * The three lttng_analyzer_syscall:sockname events of ust-contexts
 * (README-synthetic-traces.md), as c holds them; WHAT names the run.
 */
static void check_socknames(const char *what)
{
	const struct lta_event *e;
	const struct lta_arg *a;

	diag("ust-contexts: sockname events, %s", what);
	e = &c.seen[3].copy;
	is_str(c.seen[3].name, "lttng_analyzer_syscall:sockname",
	       "event 4 is lttng_analyzer_syscall:sockname");
	is_int(c.seen[3].kind, LTA_EVENT_SOCKNAME, "of kind sockname");
	is_int(c.seen[3].syscall, LTA_SYSCALL_UNKNOWN, "not a system call");
	is_str(c.seen[3].syscall_name, "", "no system call name");
	is_int(c.seen[3].pid, 400, "by vpid 400");
	is_int(c.seen[3].fd, 5, "fd_arg: fd = 5");
	is_int(c.seen[3].ret, -999, "no ret");
	is_int(e->nargs, 10, "10 args");
	ok(has_int(e, "family", 1) && has_int(e, "lport", 0),
	   "unix client: family 1, lport 0");
	a = lta_event_find_arg(e, "v4addr");
	ok(a && a->type == LTA_ARG_INTS && a->len == 0, "v4addr empty");
	ok(has_string(e, "local_path", ""), "local_path \"\" (unbound)");
	ok(has_string(e, "peer_path", "/run/mysqld/mysqld.sock"),
	   "peer_path is the server's");
	ok(has_int(e, "peer_pid", 500), "peer_pid 500");

	e = &c.seen[24].copy;
	is_int(c.seen[24].kind, LTA_EVENT_SOCKNAME, "event 25: sockname");
	is_int(c.seen[24].fd, 6, "fd 6");
	ok(has_int(e, "family", 2) && has_int(e, "lport", 40000),
	   "TCP client: family 2, lport 40000");
	a = lta_event_find_arg(e, "v4addr");
	ok(a && a->type == LTA_ARG_INTS && a->len == 4 && a->v.ints[0] == 127 &&
		   a->v.ints[1] == 0 && a->v.ints[2] == 0 && a->v.ints[3] == 1,
	   "v4addr 127.0.0.1");
	ok(has_string(e, "local_path", ""), "local_path empty");
	ok(has_string(e, "peer_path", ""),
	   "peer_path empty, not event 4's (babeltrace2 2.0.4 shows it)");
	ok(has_int(e, "peer_pid", -1), "peer_pid -1");

	e = &c.seen[25].copy;
	is_int(c.seen[25].fd, 7, "event 26: sockname of fd 7");
	ok(has_int(e, "family", 10) && has_int(e, "lport", 8080),
	   "TCP over IPv6: family 10, lport 8080");
	a = lta_event_find_arg(e, "v6addr");
	ok(a && a->type == LTA_ARG_INTS && a->len == 8 && a->v.ints[0] == 0 &&
		   a->v.ints[7] == 1,
	   "v6addr ::1 as eight 16-bit groups");
	ok(has_string(e, "local_path", "") && has_string(e, "peer_path", ""),
	   "paths empty");
	is_int(lta_tasks_counters(c.tasks)->unmatched_entries +
		       lta_tasks_counters(c.tasks)->unmatched_exits,
	       0, "writes around them still paired");
}

static void test_ust_sockname(const char *dir)
{
	struct lta_decoder *source = read_trace(dir, "ust-contexts", &c);

	check_socknames("one graph");
	done(source, &c);

	/* A lane copies each event and its strings into a batch. */
	source = read_trace_jobs(dir, "ust-contexts", &c, 2);
	is_int(lta_decode_counters(source)->events, 26, "--jobs=2: 26 events");
	check_socknames("--jobs=2 (a lane)");
	done(source, &c);
}

static void test_odd_fields(const char *dir)
{
	struct lta_decoder *source = read_trace(dir, "odd-fields", &c);
	const struct lta_event *w;
	const struct lta_arg *a;

	diag("odd-fields: compound and unusual types never crash");
	is_int(lta_decode_counters(source)->events, 5, "5 events");
	w = &c.seen[0].copy;
	is_str(c.seen[0].name, "weird_event", "weird_event decoded");
	a = lta_event_find_arg(w, "st");
	ok(a && a->type == LTA_ARG_NONE, "structure member kept by name only");
	a = lta_event_find_arg(w, "var");
	ok(a && a->type == LTA_ARG_NONE, "variant kept by name only");
	a = lta_event_find_arg(w, "arr16");
	ok(a && a->type == LTA_ARG_INTS && a->len == 16 && a->v.ints[15] == 15,
	   "static u8[16] decoded as integers");
	a = lta_event_find_arg(w, "pts");
	ok(a && a->type == LTA_ARG_NONE, "array of structures by name only");
	a = lta_event_find_arg(w, "senum");
	ok(a && a->type == LTA_ARG_SINT && a->v.s == -1, "signed enum as -1");
	a = lta_event_find_arg(w, "uenum");
	ok(a && a->type == LTA_ARG_UINT && a->v.u == 1, "unsigned enum as 1");
	a = lta_event_find_arg(w, "dbl");
	ok(a && a->type == LTA_ARG_REAL && a->v.real == -2.5, "double -2.5");
	is_str(c.seen[1].name, "empty_event", "event without payload decoded");
	is_int(c.seen[1].copy.nargs, 0, "with no args");
	is_int(c.seen[2].kind, LTA_EVENT_OTHER, "unknown event kept as other");
	is_int(c.seen[3].syscall, LTA_SYSCALL_OTHER,
	       "getpid: a syscall not listed");
	is_str(c.seen[3].syscall_name, "getpid", "keeps its name");
	is_int(c.seen[3].copy.nargs, 0, "empty payload structure: no args");
	is_int(c.seen[4].ret, 1234, "getpid exit ret");
	done(source, &c);
}

static void test_weird_event_all_members(const char *dir)
{
	struct lta_decoder *source = read_trace(dir, "odd-fields", &c);
	const struct lta_arg *a = lta_event_find_arg(&c.seen[0].copy, "u64max");

	ok(a && a->type == LTA_ARG_UINT && a->v.u == UINT64_MAX,
	   "u64 2^64-1 read without loss");
	a = lta_event_find_arg(&c.seen[0].copy, "s64min");
	ok(a && a->type == LTA_ARG_SINT && a->v.s == INT64_MIN,
	   "s64 -2^63 read without loss");
	a = lta_event_find_arg(&c.seen[0].copy, "empty");
	ok(a && a->type == LTA_ARG_STRING && a->v.str[0] == '\0',
	   "empty string");
	a = lta_event_find_arg(&c.seen[0].copy, "utf8");
	ok(a && a->type == LTA_ARG_STRING && strlen(a->v.str) > 0,
	   "non-ASCII string kept");
	done(source, &c);
}

static void test_discarded(const char *dir)
{
	struct lta_decoder *source = read_trace(dir, "discarded", &c);
	const struct lta_decode_counters *n = lta_decode_counters(source);

	diag("discarded: events and packets the tracer lost");
	is_int(n->events, 8, "8 events");
	is_int(n->discarded_event_messages, 1, "one discarded-events message");
	is_int(n->discarded_events, 42, "42 events discarded");
	is_int(n->discarded_packet_messages, 1,
	       "one discarded-packets message");
	is_int(n->discarded_packets, 3, "3 packets discarded");
	ok(c.discard_count == 2 && !c.discards[0].packets &&
		   c.discards[0].count_known && c.discards[0].count == 42,
	   "the handler sees the 42-event discard first");
	ok(c.discard_count == 2 && c.discards[0].begin_ts == T0 + 10000 &&
		   c.discards[0].end_ts == T0 + 20000,
	   "with its time range");
	ok(c.discard_count == 2 && c.discards[1].packets &&
		   c.discards[1].count == 3,
	   "then the 3-packet discard");
	done(source, &c);
}

/*
 * Two graphs share the discarded trace's one stream, every other packet
 * each (slices.h): babeltrace2's discard messages are then computed
 * across packets another graph reads, and replaced by ours. The events
 * and discards, their counts and time ranges, in order, must be those of
 * one graph.
 */
static void test_discarded_shared(const char *dir)
{
	static struct collect one;
	struct lta_decoder *source;

	diag("discarded, one stream read by two graphs");
	source = read_trace_jobs(dir, "discarded", &one, 0);
	lta_decode_destroy(source);
	lta_tasks_destroy(one.tasks);
	source = read_trace_jobs(dir, "discarded", &c, 2);
	is_int(lta_decode_shared_streams(source), 1,
	       "--jobs=2: its stream is read by two graphs");
	ok(one.sequence_len > 0 && strstr(one.sequence, "DE 42") &&
		   strstr(one.sequence, "DP 3"),
	   "one graph: %s", one.sequence);
	is_str(c.sequence, one.sequence,
	       "two graphs: the same events and discards, in order");
	done(source, &c);
}

static void test_errors(const char *dir)
{
	struct lta_decoder *source;
	char path[4096];

	diag("errors are answered, never crashed on");
	source = lta_decode_create(NULL, NULL, NULL);
	is_int(lta_decode_add_path(source, "/nonexistent/trace"), -ENOENT,
	       "missing folder: -ENOENT");
	ok(strstr(lta_decode_error_message(source), "/nonexistent/trace") !=
		   NULL,
	   "message names the path");
	is_int(lta_decode_add_path(source, "/proc/self/status"), -ENOTDIR,
	       "a file: -ENOTDIR");
	is_int(lta_decode_add_path(source, "/sys/kernel/mm"), -EACCES,
	       "/sys: refused, not walked");
	{
		char empty[] = "/tmp/test-decode-empty-XXXXXX";

		ok(mkdtemp(empty) != NULL, "an empty folder");
		is_int(lta_decode_add_path(source, empty), -ENOENT,
		       "a folder without traces: -ENOENT");
		rmdir(empty);
	}
	ok(strstr(lta_decode_error_message(source), "No CTF trace") != NULL,
	   "says no trace was found");
	is_int(lta_decode_run(source), LTA_DECODE_ERROR,
	       "running with no trace fails cleanly");
	lta_decode_destroy(source);

	/* A parent folder finds every trace below it, in name order. */
	source = lta_decode_create(NULL, NULL, NULL);
	is_int(lta_decode_add_path(source, dir), 0, "parent folder accepted");
	is_int(lta_decode_trace_count(source), 5, "5 traces found below it");
	snprintf(path, sizeof(path), "%s/discarded", dir);
	is_str(lta_decode_trace(source, 0)->path, path, "sorted by name");
	is_int(lta_decode_run(source), LTA_DECODE_END, "all read together");
	is_int(lta_decode_counters(source)->events, 16 + 9 + 26 + 5 + 8,
	       "events of all five traces");
	lta_decode_destroy(source);
	lta_decode_destroy(NULL);
}

/* Returns the warning about PATH_END (a path suffix), or NULL. */
static const struct lta_decode_warning *
warning_about(const struct lta_decoder *source, const char *path_end)
{
	size_t i, len = strlen(path_end);

	for (i = 0; i < lta_decode_warning_count(source); i++) {
		const struct lta_decode_warning *w =
			lta_decode_warning(source, i);
		size_t plen = strlen(w->path);

		if (plen >= len &&
		    strcmp(w->path + plen - len, path_end) == 0) {
			return w;
		}
	}
	return NULL;
}

/* Counts the entries of DIR but "." and "..", or -1. */
static int count_entries(const char *dir)
{
	char cmd[4096];
	FILE *p;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "ls -A '%s' | wc -l", dir);
	p = popen(cmd, "r");
	if (p) {
		if (fscanf(p, "%d", &n) != 1) {
			n = -1;
		}
		pclose(p);
	}
	return n;
}

static void test_partial(const char *dir)
{
	char tmpl[] = "/tmp/lta-partial.XXXXXX", cmd[8192], path[4096];
	const struct lta_decode_warning *w;
	struct lta_decoder *source;
	char *old_tmpdir = getenv("TMPDIR");

	diag("partial input: damaged stream files are warnings, the rest "
	     "is read");
	if (!mkdtemp(tmpl)) {
		skip(1, "cannot make a temporary folder");
		return;
	}
	old_tmpdir = old_tmpdir ? strdup(old_tmpdir) : NULL;
	/*
	 * kernel-contexts has one stream file (9 events): beside it, a FIFO
	 * (which babeltrace2 must never open), an empty file and a copy cut
	 * in its packet (which babeltrace2 cannot index).
	 */
	snprintf(cmd, sizeof(cmd),
		 "set -e; cd %s; mkdir t tmp; cp %s/kernel-contexts/* t/; "
		 "mkfifo t/channel0_1; : >t/channel0_2; "
		 "head -c 100 t/channel0_0 >t/channel0_3; "
		 "mkdir orphan; cp t/channel0_0 orphan/",
		 tmpl, dir);
	if (system(cmd) != 0) {
		skip(1, "cannot build the damaged trace");
		goto end;
	}
	snprintf(path, sizeof(path), "%s/tmp", tmpl);
	setenv("TMPDIR", path, 1);

	snprintf(path, sizeof(path), "%s/t", tmpl);
	source = read_trace(tmpl, "t", &c);
	is_int(lta_decode_counters(source)->events, 9,
	       "the 9 events of the intact stream are read");
	is_int(lta_decode_warning_count(source), 3, "3 warnings");
	w = warning_about(source, "/t/channel0_1");
	ok(w && strstr(w->reason, "FIFO") && w->events_lost,
	   "the FIFO: not read, a FIFO");
	w = warning_about(source, "/t/channel0_2");
	ok(w && strstr(w->reason, "empty") && w->events_lost,
	   "the empty file: not read, empty");
	w = warning_about(source, "/t/channel0_3");
	ok(w && strstr(w->reason, "cannot index") && w->events_lost,
	   "the cut file: not read, cannot be indexed");
	ok(w && strncmp(w->path, path, strlen(path)) == 0,
	   "warnings name the trace folder, not the filtered one");
	is_int(lta_decode_warning(source, 3) == NULL, 1,
	       "no warning past the count");
	snprintf(path, sizeof(path), "%s/tmp", tmpl);
	is_int(count_entries(path), 1, "one filtered folder while reading");
	done(source, &c);
	is_int(count_entries(path), 0, "removed by lta_decode_destroy()");

	/* The intact trace: no warning, read in place. */
	source = read_trace(dir, "kernel-contexts", &c);
	is_int(lta_decode_warning_count(source), 0, "intact trace: no warning");
	is_int(count_entries(path), 0, "intact trace: no filtered folder");
	done(source, &c);

	/* Stream files without metadata beside a trace: said, not skipped. */
	snprintf(cmd, sizeof(cmd), "rm -f %s/t/channel0_1", tmpl);
	(void)system(cmd);
	source = lta_decode_create(NULL, NULL, NULL);
	is_int(lta_decode_add_path(source, tmpl), 0, "parent folder read");
	w = warning_about(source, "/orphan/metadata");
	ok(w && strstr(w->reason, "missing") && w->events_lost,
	   "a folder of stream files without metadata is a warning");
	lta_decode_destroy(source);
end:
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpl);
	(void)system(cmd);
	if (old_tmpdir) {
		setenv("TMPDIR", old_tmpdir, 1);
		free(old_tmpdir);
	} else {
		unsetenv("TMPDIR");
	}
}

int main(void)
{
	const char *top = getenv("top_srcdir");
	const char *dir = getenv("LTA_SYNTH_TRACES");
	char tmpl[] = "/tmp/lta-synth.XXXXXX";
	char cmd[8192];
	int made = 0;

	if (!dir) {
		if (!mkdtemp(tmpl)) {
			skip_all("cannot make a temporary folder");
		}
		dir = tmpl;
		made = 1;
		snprintf(cmd, sizeof(cmd),
			 "%s/tests/utils/make-synthetic-traces.py %s/t",
			 top ? top : "../..", dir);
		if (system(cmd) != 0) {
			snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
			(void)system(cmd);
			skip_all("cannot write synthetic traces (python3-bt2 "
				 "missing?)");
		}
		snprintf(cmd, sizeof(cmd), "%s/t", tmpl);
		dir = strdup(cmd);
	}
	plan_no_plan();
	test_24_names(dir);
	test_kernel_contexts(dir);
	test_ust_contexts(dir);
	test_ust_sockname(dir);
	test_odd_fields(dir);
	test_weird_event_all_members(dir);
	test_discarded(dir);
	test_discarded_shared(dir);
	test_errors(dir);
	test_partial(dir);
	if (made) {
		snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpl);
		(void)system(cmd);
		free((char *)dir);
	}
	return exit_status();
}
