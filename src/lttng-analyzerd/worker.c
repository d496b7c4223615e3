/* SPDX-License-Identifier: GPL-2.0-only */
#include "worker.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/capability.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "agent/timing.h"
#include "analysis.h"
#include "common/clock.h"
#include "common/htable.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "decode/decode.h"
#include "segment/segment.h"
#include "segment/summary.h"
#include "snapshot.h"
#include "store/store.h"
#include "pipeline/consumers.h"
#include "tasks/tasks.h"
#include "worker-queries.h"

#define MS (1000LL * 1000)
#define ROW_UPDATE_NS (200 * MS)
#define SNAPSHOT_IDLE_NS (1000 * MS)
#define LIVENESS_NS (100 * MS)
#define DISK_RETRY_NS (500 * MS)
#define STALL_GRACE_NS (5000 * MS)
/*
 * After a disconnection, a session the relay daemon does not know is
 * waited for this long before the analysis ends: a relay daemon that was
 * restarted gets its sessions back when they are created again.
 */
#define REATTACH_GRACE_NS (120000 * MS)
#define MAX_GONE 64
#define MAX_SYSCALL_NAMES 256

struct syscall_tally {
	const char *name; /* Interned by the source. */
	uint64_t calls;
};

struct worker_options {
	char data_dir[4096];
	int64_t analysis;
	int commit_ms;
	uint32_t max_calls;
	uint32_t max_kinds; /* 0: the segmenter's default. */
	bool no_kinds;
	int retry_initial_ms, retry_max_ms;
	int stall_ms;
	long memory_mb; /* 0: no limit. */
	long files;
	int jobs; /* 0: the online CPUs. */
	struct lta_timing_options timing;
};

struct worker {
	struct worker_options o;
	bool live;
	struct lta_store *store;	 /* Owned. */
	struct lta_store_writer *writer; /* Owned. */
	struct lta_decoder *source;	 /* Owned. */
	struct lta_pipeline *pipeline;	 /* Owned: tasks, then consumers. */
	struct lta_segment *segment;	 /* Owned. */
	struct lta_timing *timing;	 /* Owned. */
	/* Owned: the registered windowed queries. */
	struct lta_worker_queries *queries;
	/* Every request handed out, per server process. */
	struct lta_components components;
	struct lta_store_analysis state;

	struct syscall_tally syscalls[MAX_SYSCALL_NAMES];
	uint64_t connections_added; /* Handed to the store writer. */
	/* Index + 1 in syscalls of each known call; 0: not yet seen. */
	uint16_t syscall_slot[LTA_SYSCALL_COUNT];
	size_t syscall_names;
	uint64_t discarded_packets;
	uint64_t errors_by_type[3], late_ends;
	int64_t reconnects, data_gaps;
	struct lta_analysis_timeout *estimates; /* Owned. */
	size_t estimate_count, estimate_cap;
	struct lta_analysis_warning warnings[LTA_ANALYSIS_MAX_WARNINGS];
	size_t warning_count;

	/* Something to say since the last snapshot: rows, gaps, estimates. */
	bool changed;
	int64_t snapshot_events; /* Events counted by the last snapshot. */
	int64_t next_row_update, next_snapshot, next_liveness;
	int64_t next_queries; /* When to look for new or deleted queries. */
	bool commit_now;      /* An error was raised: visible at once. */
	struct lta_strbuf snapshot_text;

	/* A full disk: reading waits until the batch is stored. */
	bool paused;
	char paused_from[LTA_STORE_STATUS_MAX];
	int64_t next_disk_retry;

	char local_host[256];
	struct lta_htable dead; /* (trace, pid) -> wall ns found gone. */
	struct lta_event gone[MAX_GONE];

	pthread_t main_thread;
	/* Shared with the signal thread. */
	atomic_llong run_since; /* Monotonic ns a graph call began; 0. */
	atomic_bool stop_requested;
	atomic_bool stalled;
};

/* --- the pipe to the daemon ------------------------------------------------
 */

/*
 * Tells the daemon a status that the store may not be able to hold (a full
 * disk): one JSON line. Best effort: a daemon that went away kills us.
 */
static void report(struct worker *w, const char *status, const char *reason)
{
	struct lta_strbuf line = { 0 };
	ssize_t n;

	lta_strbuf_puts(&line, "{\"status\":");
	lta_strbuf_json_string(&line, status);
	lta_strbuf_puts(&line, ",\"reason\":");
	lta_strbuf_json_string(&line, reason);
	lta_strbuf_puts(&line, ",\"pending\":");
	lta_strbuf_uint(&line,
			w->writer ? lta_store_writer_pending(w->writer) : 0);
	lta_strbuf_puts(&line, "}\n");
	if (!line.failed) {
		do {
			n = write(LTA_WORKER_PIPE_FD, line.data, line.len);
		} while (n < 0 && errno == EINTR);
	}
	lta_strbuf_fini(&line);
}

/* --- status and figures ----------------------------------------------------
 */

static void store_row(struct worker *w)
{
	w->state.requests = lta_store_writer_committed(w->writer);
	w->state.connections =
		lta_store_writer_committed_connections(w->writer);
	w->state.updated_ns = lta_clock_wall_ns();
	if (lta_store_analysis_update(w->store, &w->state)) {
		LTA_LOGE("Cannot store analysis state: id=%lld, error=\"%s\"",
			 (long long)w->o.analysis, lta_store_error());
	}
}

static void set_status(struct worker *w, const char *status, const char *reason)
{
	if (strcmp(w->state.status, status) != 0 ||
	    strcmp(w->state.reason, reason ? reason : "") != 0) {
		LTA_LOGI("Analysis status changed: id=%lld, status=%s, "
			 "reason=\"%s\"",
			 (long long)w->o.analysis, status,
			 reason ? reason : "");
	}
	snprintf(w->state.status, sizeof(w->state.status), "%s", status);
	snprintf(w->state.reason, sizeof(w->state.reason), "%s",
		 reason ? reason : "");
	store_row(w);
	report(w, status, reason ? reason : "");
}

static int compare_tally(const void *x, const void *y)
{
	const struct syscall_tally *a = x, *b = y;

	return a->calls < b->calls ? 1 : a->calls > b->calls ? -1 : 0;
}

/*
 * Copies the source's warnings (damaged stream or index files): they go
 * in the snapshot, and the view of the analysis shows them.
 */
static void take_warnings(struct worker *w)
{
	size_t n = lta_decode_warning_count(w->source), i;

	if (n > LTA_ANALYSIS_MAX_WARNINGS) {
		n = LTA_ANALYSIS_MAX_WARNINGS;
	}
	for (i = w->warning_count; i < n; i++) {
		const struct lta_decode_warning *sw =
			lta_decode_warning(w->source, i);

		if (!sw) {
			break;
		}
		snprintf(w->warnings[i].path, sizeof(w->warnings[i].path), "%s",
			 sw->path);
		snprintf(w->warnings[i].reason, sizeof(w->warnings[i].reason),
			 "%s", sw->reason);
		w->warnings[i].events_lost = sw->events_lost;
		w->warning_count = i + 1;
	}
}

static void take_estimates(struct worker *w);

/* The request figures of SUM into ST; its latency borrowed. */
static void figures_of(const struct lta_summary *sum,
		       struct lta_analysis_stats *st)
{
	st->requests = sum->requests;
	st->complete = sum->complete;
	st->keepalive = sum->by_end[LTA_REQUEST_END_KEEPALIVE];
	st->empty = sum->by_end[LTA_REQUEST_END_EMPTY];
	st->aborted = sum->by_end[LTA_REQUEST_END_ABORTED];
	st->open = sum->by_end[LTA_REQUEST_END_OPEN];
	st->replaced = sum->by_end[LTA_REQUEST_END_REPLACED];
	st->incomplete = sum->incomplete;
	st->closed = sum->by_end[LTA_REQUEST_END_CLOSE];
	st->shut_down = sum->by_end[LTA_REQUEST_END_SHUTDOWN];
	st->ends_known = true;
	st->bytes_read = sum->bytes_read;
	st->bytes_written = sum->bytes_written;
	st->throughput = lta_summary_throughput(sum);
	st->first_start_ns = sum->first_start;
	st->last_end_ns = sum->last_end;
	st->latency = sum->latency;
}

/* The snapshot of everything handed out (the batch included). */
static int write_snapshot(struct worker *w)
{
	struct lta_snapshot s;
	struct syscall_tally sorted[MAX_SYSCALL_NAMES];
	/* About 3 KiB each: not on the stack. */
	struct lta_analysis_component *components =
		calloc(w->components.count + 1, sizeof(*components));
	struct lta_summary *front = lta_summary_create();
	size_t i, n = w->syscall_names;
	int ret;

	if (!front || !components) {
		lta_summary_destroy(front);
		free(components);
		return -ENOMEM;
	}
	memset(&s, 0, sizeof(s));
	/* The headline: the front tier (doc/tiers.md). */
	lta_components_front(&w->components, front);
	figures_of(front, &s.stats); /* Borrowed for the call. */
	for (i = 0; i < w->components.count; i++) {
		snprintf(components[i].name, sizeof(components[i].name), "%s",
			 w->components.items[i].name);
		components[i].front = !w->components.items[i].back;
		figures_of(w->components.items[i].summary,
			   &components[i].stats);
	}
	s.stats.components = components;
	s.stats.component_count = w->components.count;
	/*
	 * Those in the writer's batch too: this snapshot is committed with
	 * them (counting only those committed before missed the last batch).
	 */
	s.stats.connections = w->connections_added;
	s.stats.events = (uint64_t)w->state.events;
	s.stats.discarded_events = (uint64_t)w->state.discarded_events;
	s.stats.discarded_packets = w->discarded_packets;
	s.stats.errors_ine = w->errors_by_type[LTA_AGENT_INE];
	s.stats.errors_coe = w->errors_by_type[LTA_AGENT_COE];
	s.stats.errors_crash = w->errors_by_type[LTA_AGENT_CRASH];
	s.stats.late_ends = w->late_ends;
	memcpy(sorted, w->syscalls, n * sizeof(sorted[0]));
	qsort(sorted, n, sizeof(sorted[0]), compare_tally);
	for (i = 0; i < n && i < 64; i++) {
		snprintf(s.stats.syscalls[i].name,
			 sizeof(s.stats.syscalls[i].name), "%s",
			 sorted[i].name);
		s.stats.syscalls[i].calls = sorted[i].calls;
	}
	s.stats.syscall_count = i;
	s.requests_open =
		(int64_t)lta_segment_counters(w->segment)->requests_open;
	s.reconnects = w->reconnects;
	s.data_gaps = w->data_gaps;
	/* The agent's estimates as of now, with the rows they count. */
	take_estimates(w);
	s.timeouts = w->estimates;
	s.timeout_count = w->estimate_count;
	take_warnings(w);
	s.warnings = w->warnings;
	s.warning_count = w->warning_count;
	if (lta_worker_queries_report(w->queries)) {
		lta_summary_destroy(front);
		free(components);
		return -ENOMEM;
	}
	lta_strbuf_clear(&w->snapshot_text);
	lta_snapshot_encode(&s, &w->snapshot_text);
	lta_summary_destroy(front);
	free(components);
	if (w->snapshot_text.failed) {
		return -ENOMEM;
	}
	ret = lta_store_writer_set_snapshot(w->writer,
					    lta_strbuf_cstr(&w->snapshot_text));
	w->changed = false;
	w->snapshot_events = w->state.events;
	return ret;
}

/* --- the pipeline's callbacks ----------------------------------------------
 */

static int on_request(struct lta_request *r, void *user_data)
{
	struct worker *w = user_data;
	const struct lta_decode_trace *trace =
		lta_decode_trace(w->source, r->trace);
	int ret;

	if (lta_components_add(&w->components, r)) {
		return -ENOMEM;
	}
	w->changed = true;
	ret = lta_store_writer_add(w->writer, r,
				   trace ? trace->hostname : NULL);
	if (ret == -ENOMEM) {
		return ret;
	}
	/* Any other error: the row waits in the batch (see housekeeping). */
	return lta_worker_queries_request(w->queries, r);
}

static int on_connection(const struct lta_connection *c, void *user_data)
{
	struct worker *w = user_data;
	const struct lta_decode_trace *trace =
		lta_decode_trace(w->source, c->trace);
	int ret;

	w->changed = true;
	ret = lta_store_writer_add_connection(w->writer, c,
					      trace ? trace->hostname : NULL);
	if (ret == 0) {
		w->connections_added++;
	}
	return ret == -ENOMEM ? ret : 0;
}

static void tally_syscall(struct worker *w, enum lta_syscall syscall,
			  const char *name)
{
	size_t i;

	/* A known call: its slot is remembered (no search per event). */
	if (syscall > LTA_SYSCALL_OTHER && syscall < LTA_SYSCALL_COUNT &&
	    w->syscall_slot[syscall]) {
		w->syscalls[w->syscall_slot[syscall] - 1].calls++;
		return;
	}
	for (i = 0; i < w->syscall_names; i++) {
		if (w->syscalls[i].name == name) {
			w->syscalls[i].calls++;
			if (syscall > LTA_SYSCALL_OTHER &&
			    syscall < LTA_SYSCALL_COUNT) {
				w->syscall_slot[syscall] = (uint16_t)(i + 1);
			}
			return;
		}
	}
	if (w->syscall_names < MAX_SYSCALL_NAMES) {
		w->syscalls[w->syscall_names].name = name;
		w->syscalls[w->syscall_names].calls = 1;
		w->syscall_names++;
		if (syscall > LTA_SYSCALL_OTHER &&
		    syscall < LTA_SYSCALL_COUNT) {
			w->syscall_slot[syscall] = (uint16_t)w->syscall_names;
		}
	}
}

static int on_event(struct lta_event *event, void *user_data)
{
	struct worker *w = user_data;

	return lta_pipeline_feed(w->pipeline, event);
}

/* The pipeline's first consumer: the analysis' own counts. */
static int tally_feed(void *state, const struct lta_event *event,
		      struct lta_thread *thread, unsigned slot)
{
	struct worker *w = state;

	(void)thread;
	(void)slot;
	w->state.events++;
	if (event->ts > w->state.last_event_ns) {
		w->state.last_event_ns = event->ts;
	}
	if (event->kind == LTA_EVENT_SYSCALL_ENTRY && event->syscall_name) {
		tally_syscall(w, event->syscall, event->syscall_name);
	}
	return 0;
}

static int on_point(const struct lta_segment_point *point, void *user_data)
{
	struct worker *w = user_data;

	return lta_timing_point(w->timing, point);
}

/* A derived InE: the downstream request it waited for (segment.h). */
static int64_t downstream_of(uint32_t trace, int32_t pid, int32_t tid,
			     void *user_data)
{
	struct worker *w = user_data;

	(void)pid;
	return lta_segment_downstream(w->segment, trace, tid);
}

/* An error raised (or its late end): stored at once, counted. */
static int on_timing_error(const struct lta_timing_error *te, void *user_data)
{
	struct worker *w = user_data;
	const struct lta_agent_error *e = te->error;
	const struct lta_decode_trace *trace =
		lta_decode_trace(w->source, e->trace);
	struct lta_store_error row = {
		.id = (int64_t)e->id,
		.type = lta_agent_error_name(e->type),
		.kind = e->kind == LTA_AGENT_SERVICE ? "service"
						     : "interaction",
		.origin = te->derived ? "derived" : "rbl",
		.host = trace && trace->hostname ? trace->hostname : "",
		.pid = e->pid,
		.tid = e->tid,
		.entity = e->entity,
		.name = e->name,
		.key = te->key,
		.start_ns = e->start_ts,
		.raised_ns = e->raised_ts,
		.timeout_ns = e->timeout_ns,
		.expired = e->expired,
		.open_count = e->open_count,
		.late_end_ns = e->late_end_ts,
		/* A derived InE on a paired connection (doc/tiers.md). */
		.has_downstream = e->downstream >= 0,
		.downstream_request = e->downstream,
	};
	int ret;

	if (te->late) {
		w->late_ends++;
	} else {
		w->errors_by_type[e->type]++;
		LTA_LOGI("Timing failure: analysis=%lld, error=%llu, type=%s, "
			 "origin=%s, pid=%d, entity=\"%s\", name=\"%s\", "
			 "timeout-ms=%.3f",
			 (long long)w->o.analysis, (unsigned long long)e->id,
			 row.type, row.origin, e->pid, e->entity, e->name,
			 (double)e->timeout_ns / 1e6);
	}
	w->changed = true;
	w->commit_now = true;
	ret = lta_store_writer_add_error(w->writer, &row);
	return ret == -ENOMEM ? ret : 0;
}

static int on_discard(const struct lta_discard *d, void *user_data)
{
	struct worker *w = user_data;

	if (d->packets) {
		w->discarded_packets += d->count;
	} else {
		w->state.discarded_events += (int64_t)d->count;
	}
	lta_pipeline_discard(w->pipeline, d->trace);
	return 0;
}

static int on_tick(int64_t ts, void *user_data)
{
	struct worker *w = user_data;

	/* Trace time advances while the traced programs are silent. */
	if (ts > w->state.last_event_ns) {
		w->state.last_event_ns = ts;
	}
	return lta_pipeline_tick(w->pipeline, ts);
}

/* --- processes of this host (live) -----------------------------------------
 */

/*
 * A process that exited and that its parent has not reaped yet (Apache's
 * parent reaps its dead workers about once a second): gone for us.
 */
static bool is_zombie(int32_t pid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		return errno == ENOENT;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0) {
		return false;
	}
	buf[n] = '\0';
	/* "pid (comm) S ...": comm may hold spaces and parentheses. */
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X');
}

static uint64_t process_key(uint32_t trace, int32_t pid)
{
	return ((uint64_t)trace << 32) | (uint32_t)pid;
}

/*
 * Whether a traced process of this host is gone (live only): 0 alive (or
 * not ours to check), 1 gone, -1 gone but the trace has not reached the
 * moment it was found gone (events it made before dying may still be on
 * their way from the relay daemon: the crash waits for them, so that it
 * is raised once, after everything the process did).
 */
static int local_process_state(uint32_t trace, int32_t pid, void *data)
{
	struct worker *w = data;
	const struct lta_decode_trace *t;
	uint64_t key = process_key(trace, pid);
	int64_t found = (int64_t)(uintptr_t)lta_htable_get(&w->dead, key);

	if (!found) {
		if (!w->live || pid <= 0) {
			return 0;
		}
		t = lta_decode_trace(w->source, trace);
		if (!t || !t->hostname ||
		    strcmp(t->hostname, w->local_host) != 0) {
			return 0;
		}
		if (kill(pid, 0) == 0 ? !is_zombie(pid) : errno != ESRCH) {
			return 0;
		}
		found = lta_clock_wall_ns();
		if (lta_htable_put(&w->dead, key, (void *)(uintptr_t)found)) {
			return 1; /* No memory to wait: say it now. */
		}
		LTA_LOGI("Traced process gone: analysis=%lld, pid=%d",
			 (long long)w->o.analysis, pid);
	}
	return lta_timing_now(w->timing) >= found ? 1 : -1;
}

static int check_alive(uint32_t trace, int32_t pid, void *user_data)
{
	local_process_state(trace, pid, user_data);
	return 0;
}

/*
 * Without the kernel tracer nothing says that a traced process died (a
 * SIGSEGV leaves no event): processes of this host with starts open are
 * checked, and one found gone is a process exit once trace time reaches
 * that moment (a crash for the agent, its open requests "aborted" for the
 * segmenter). Then it is forgotten: its pid may be reused.
 */
static void check_processes(struct worker *w, int64_t now)
{
	int64_t ts = lta_timing_now(w->timing);
	size_t pos = 0, i, n = 0;
	uint64_t key;
	void *value;

	if (!w->live || now < w->next_liveness || ts == INT64_MIN) {
		return;
	}
	w->next_liveness = now + LIVENESS_NS;
	lta_timing_open_processes(w->timing, check_alive, w);
	while (lta_htable_next(&w->dead, &pos, &key, &value) && n < MAX_GONE) {
		struct lta_event *e;

		if ((int64_t)(uintptr_t)value > ts) {
			continue;
		}
		e = &w->gone[n++];
		memset(e, 0, sizeof(*e));
		e->kind = LTA_EVENT_PROCESS_EXIT;
		e->ts = ts;
		e->trace = (uint32_t)(key >> 32);
		e->pid = (int32_t)(uint32_t)key;
		e->tid = e->pid;
		e->cpu = -1;
		e->u.process.tid = e->pid;
		e->u.process.pid = e->pid;
		e->fd_arg = -1;
		e->ret_arg = -1;
	}
	for (i = 0; i < n; i++) {
		struct lta_event *e = &w->gone[i];

		lta_htable_remove(&w->dead, process_key(e->trace, e->pid));
		lta_timing_event(w->timing, e);
		lta_segment_feed(w->segment, e);
	}
}

/* --- timeouts --------------------------------------------------------------
 */

static int estimate_one(const struct lta_agent_estimate *e, void *user_data)
{
	struct worker *w = user_data;
	struct lta_analysis_timeout *t;

	if (w->estimate_count == w->estimate_cap) {
		size_t cap = w->estimate_cap ? w->estimate_cap * 2 : 16;
		void *grown = realloc(w->estimates, cap * sizeof(*t));

		if (!grown) {
			return -ENOMEM;
		}
		w->estimates = grown;
		w->estimate_cap = cap;
	}
	t = &w->estimates[w->estimate_count++];
	t->kind = e->kind == LTA_AGENT_SERVICE ? "service" : "interaction";
	snprintf(t->entity, sizeof(t->entity), "%s", e->entity);
	snprintf(t->name, sizeof(t->name), "%s", e->name);
	t->samples = e->samples;
	t->mean_ns = e->mean_ns;
	t->dev_ns = e->dev_ns;
	t->timeout_ns = e->timeout_ns;
	t->open = e->open;
	t->errors = e->errors;
	t->late_ends = e->late_ends;
	return 0;
}

static int compare_timeouts(const void *x, const void *y)
{
	const struct lta_analysis_timeout *a = x, *b = y;
	int c = strcmp(a->kind, b->kind);

	if (c == 0) {
		c = strcmp(a->entity, b->entity);
	}
	return c ? c : strcmp(a->name, b->name);
}

static void take_estimates(struct worker *w)
{
	w->estimate_count = 0;
	lta_agent_estimates(lta_timing_agent(w->timing), estimate_one, w);
	if (w->estimate_count > 1) {
		qsort(w->estimates, w->estimate_count, sizeof(w->estimates[0]),
		      compare_timeouts);
	}
}

/* --- committing ------------------------------------------------------------
 */

/*
 * Commits the batch with the snapshot when due: at once with NOW (idle, or
 * an error raised, or the end), else when the batch is older than the
 * commit interval. A commit that fails (a full disk) keeps the batch and
 * pauses the analysis: the caller reads nothing more until a retry
 * succeeds. Returns 0, or -ENOMEM.
 */
static int housekeeping(struct worker *w, bool now)
{
	int64_t t = lta_clock_mono_ns();
	int ret;

	check_processes(w, t);
	if (t >= w->next_queries) {
		w->next_queries = t + SNAPSHOT_IDLE_NS;
		if (lta_worker_queries_refresh(w->queries)) {
			LTA_LOGW("Cannot read the analysis's queries: id=%lld, "
				 "error=\"%s\"",
				 (long long)w->o.analysis, lta_store_error());
		}
	}
	if (w->commit_now) {
		now = true;
		w->commit_now = false;
	}
	if (w->paused && t < w->next_disk_retry) {
		return 0;
	}
	/*
	 * The snapshot is built right before a commit, so that it counts
	 * exactly the rows that commit stores: when the batch is due (at
	 * once when NOW), or once a second for the counters alone.
	 */
	if (lta_store_writer_due(w->writer,
				 now || w->paused ? 0 : w->o.commit_ms) ||
	    (t >= w->next_snapshot &&
	     (w->changed || w->state.events != w->snapshot_events))) {
		ret = write_snapshot(w);
		if (ret) {
			return ret;
		}
		w->next_snapshot = t + SNAPSHOT_IDLE_NS;
		ret = lta_store_writer_commit(w->writer, 0);
		if (ret && !w->paused) {
			char reason[LTA_STORE_REASON_MAX];

			snprintf(w->paused_from, sizeof(w->paused_from), "%s",
				 w->state.status);
			snprintf(reason, sizeof(reason), "%s: %s",
				 ret == -ENOSPC ? "disk_full" : "store_failed",
				 lta_store_error());
			w->paused = true;
			set_status(w, "paused", reason);
		} else if (!ret && w->paused) {
			w->paused = false;
			LTA_LOGI("Storing again, analysis resumed: id=%lld",
				 (long long)w->o.analysis);
			set_status(w, w->paused_from, "");
		}
		if (ret) {
			w->next_disk_retry = t + DISK_RETRY_NS;
			return 0;
		}
	}
	if (t >= w->next_row_update) {
		w->next_row_update = t + ROW_UPDATE_NS;
		store_row(w);
	}
	return 0;
}

/* --- signals and the watchdog ----------------------------------------------
 */

static void on_wake(int sig)
{
	/* Only interrupts a blocking call (no SA_RESTART). */
	(void)sig;
}

/*
 * Whether the daemon is gone: the read end of our pipe is the daemon's
 * only, so its last reader closes when the daemon process ends, however
 * it ends. Not PR_SET_PDEATHSIG: that signal comes when the thread that
 * forked us ends, and the daemon starts workers from threads that end
 * before its workers do (the attach and lease threads, the HTTP ones): a
 * worker would be killed in the middle of the daemon's orderly stop.
 */
static bool daemon_gone(void)
{
	struct pollfd pipe_end = { .fd = LTA_WORKER_PIPE_FD, .events = 0 };

	return poll(&pipe_end, 1, 0) == 1 && (pipe_end.revents & POLLERR);
}

/*
 * The signal thread: SIGTERM/SIGINT stop the analysis; the watchdog
 * interrupts a graph call that does not come back within the stall
 * deadline, and ends the process when even that does not help. At each
 * tick it checks that the daemon is still there, and dies without it.
 */
static void *signal_thread(void *arg)
{
	struct worker *w = arg;
	struct timespec tick = { 0, 250 * MS };
	sigset_t set;
	int64_t stall = (int64_t)w->o.stall_ms * MS;
	int64_t interrupted_at = 0;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	for (;;) {
		int64_t since, now;

		sig = sigtimedwait(&set, NULL, &tick);
		if (daemon_gone()) {
			LTA_LOGW("The daemon is gone: the worker ends: "
				 "analysis=%lld",
				 (long long)w->o.analysis);
			/* As a daemon's SIGKILL did: its next start says
			 * interrupted. */
			kill(getpid(), SIGKILL);
		}
		if (sig == SIGTERM || sig == SIGINT) {
			atomic_store(&w->stop_requested, true);
			lta_decode_interrupt(w->source);
			pthread_kill(w->main_thread, SIGUSR1);
			continue;
		}
		since = atomic_load(&w->run_since);
		now = lta_clock_mono_ns();
		if (!since || stall <= 0) {
			interrupted_at = 0;
			continue;
		}
		if (now - since < stall) {
			continue;
		}
		if (!interrupted_at) {
			LTA_LOGW("The graph did not come back: analysis=%lld, "
				 "stalled-ms=%lld",
				 (long long)w->o.analysis,
				 (long long)((now - since) / MS));
			atomic_store(&w->stalled, true);
			interrupted_at = now;
			lta_decode_interrupt(w->source);
			pthread_kill(w->main_thread, SIGUSR1);
		} else if (now - interrupted_at > STALL_GRACE_NS) {
			char reason[256];

			snprintf(reason, sizeof(reason),
				 "the decoder did not come back for %lld s, "
				 "even when interrupted",
				 (long long)((now - since) / (1000 * MS)));
			LTA_LOGE("Giving up a stalled analysis: id=%lld, "
				 "reason=\"%s\"",
				 (long long)w->o.analysis, reason);
			snprintf(w->state.status, sizeof(w->state.status),
				 "failed");
			snprintf(w->state.reason, sizeof(w->state.reason), "%s",
				 reason);
			report(w, "failed", reason);
			/* The main thread is stuck: its row is written here. */
			lta_store_analysis_update(w->store, &w->state);
			_exit(LTA_WORKER_EXIT_STALLED);
		} else {
			pthread_kill(w->main_thread, SIGUSR1);
		}
	}
	return NULL;
}

/* --- limits ----------------------------------------------------------------
 */

static void limit(int resource, rlim_t value, const char *name)
{
	struct rlimit rl = { value, value };

	if (setrlimit(resource, &rl)) {
		LTA_LOGW("Cannot limit the worker: resource=%s, error=\"%s\"",
			 name, strerror(errno));
	}
}

/*
 * The worker reads traces and writes the store: it needs none of the
 * daemon's capabilities (the daemon may run as root to control LTTng), nor
 * to gain any. Capabilities are dropped with the raw system call (no
 * libcap); failures are said, not fatal: an unprivileged daemon has none.
 */
static void drop_privileges(void)
{
	struct __user_cap_header_struct header = {
		.version = _LINUX_CAPABILITY_VERSION_3,
		.pid = 0,
	};
	struct __user_cap_data_struct data[2];
	int cap;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		LTA_LOGW("Cannot set no_new_privs: %s", strerror(errno));
	}
	for (cap = 0; cap <= 63; cap++) {
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) && errno == EINVAL) {
			break;
		}
	}
	/*
	 * Nothing to drop (an unprivileged daemon): no capset(), which a
	 * hardened service may filter (the systemd unit denies @privileged).
	 */
	if (syscall(SYS_capget, &header, data) == 0 &&
	    !(data[0].effective | data[0].permitted | data[0].inheritable |
	      data[1].effective | data[1].permitted | data[1].inheritable)) {
		return;
	}
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capset, &header, data)) {
		LTA_LOGW("Cannot drop capabilities: %s", strerror(errno));
	}
}

static void apply_limits(const struct worker_options *o)
{
	limit(RLIMIT_CORE, 0, "core");
	if (o->files > 0) {
		limit(RLIMIT_NOFILE, (rlim_t)o->files, "nofile");
	}
#if !defined(__SANITIZE_ADDRESS__)
	/*
	 * Address space, not resident memory: what malloc can get. Past it
	 * allocations fail and the decoder aborts or reports: the daemon
	 * says "decoder crashed" or "failed", and goes on. (Not under
	 * AddressSanitizer, whose shadow memory reserves terabytes.)
	 */
	if (o->memory_mb > 0) {
		limit(RLIMIT_AS, (rlim_t)o->memory_mb * 1024 * 1024, "as");
	}
#endif
	drop_privileges();
}

/* --- options ---------------------------------------------------------------
 */

static int parse_options(int argc, char **argv, struct worker_options *o)
{
	static const struct option options[] = {
		{ "worker", no_argument, NULL, 'w' },
		{ "data-dir", required_argument, NULL, 'd' },
		{ "analysis", required_argument, NULL, 'a' },
		{ "commit-ms", required_argument, NULL, 'c' },
		{ "max-calls", required_argument, NULL, 'm' },
		{ "retry-initial-ms", required_argument, NULL, 'r' },
		{ "retry-max-ms", required_argument, NULL, 'R' },
		{ "stall-ms", required_argument, NULL, 's' },
		{ "memory-mb", required_argument, NULL, 'M' },
		{ "files", required_argument, NULL, 'f' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "timeout-k", required_argument, NULL, 'k' },
		{ "timeout-floor-ns", required_argument, NULL, 'F' },
		{ "timeout-ceiling-ns", required_argument, NULL, 'C' },
		{ "timeout-warmup", required_argument, NULL, 'W' },
		{ "no-derived", no_argument, NULL, 'n' },
		{ "max-kinds", required_argument, NULL, 'K' },
		{ "no-kinds", no_argument, NULL, 'N' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "syslog", no_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int c;

	memset(o, 0, sizeof(*o));
	o->commit_ms = 200;
	o->max_calls = 1000;
	o->retry_initial_ms = 500;
	o->retry_max_ms = 10000;
	o->stall_ms = 10000;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		long long v = 0;

		if (optarg && c != 'd' && c != 'l' && c != 'k') {
			v = strtoll(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || v < 0) {
				return -1;
			}
		}
		switch (c) {
		case 'w':
			break;
		case 'd':
			snprintf(o->data_dir, sizeof(o->data_dir), "%s",
				 optarg);
			break;
		case 'a':
			o->analysis = v;
			break;
		case 'c':
			o->commit_ms = (int)v;
			break;
		case 'm':
			o->max_calls = (uint32_t)v;
			break;
		case 'r':
			o->retry_initial_ms = (int)v;
			break;
		case 'R':
			o->retry_max_ms = (int)v;
			break;
		case 's':
			o->stall_ms = (int)v;
			break;
		case 'M':
			o->memory_mb = (long)v;
			break;
		case 'f':
			o->files = (long)v;
			break;
		case 'j':
			o->jobs = (int)v;
			break;
		case 'k':
			o->timing.agent.k = strtod(optarg, &end);
			if (*end != '\0') {
				return -1;
			}
			break;
		case 'F':
			o->timing.agent.floor_ns = v;
			break;
		case 'C':
			o->timing.agent.ceiling_ns = v;
			break;
		case 'W':
			o->timing.agent.warmup = (uint32_t)v;
			break;
		case 'n':
			o->timing.no_derived = true;
			break;
		case 'K':
			o->max_kinds = (uint32_t)v;
			break;
		case 'N':
			o->no_kinds = true;
			break;
		case 'l':
			if (lta_log_level_from_name(optarg) < 0) {
				return -1;
			}
			lta_log_set_level(lta_log_level_from_name(optarg));
			break;
		case 'S':
			lta_log_use_syslog(true, "lttng-analyzerd-worker");
			break;
		default:
			return -1;
		}
	}
	if (!o->data_dir[0] || o->analysis <= 0 || optind != argc) {
		return -1;
	}
	return 0;
}

/* --- the run ---------------------------------------------------------------
 */

static int setup(struct worker *w, char *error, size_t size)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	struct lta_decode_options options = {
		.decode_args = true,
		.bt_log_level = "error",
		.jobs = w->o.jobs > 0 ? (unsigned)w->o.jobs
			: cpus > 64   ? 64
			: cpus > 0    ? (unsigned)cpus
				      : 1,
	};
	struct lta_decode_handlers handlers = {
		.event = on_event,
		.discard = on_discard,
		.tick = on_tick,
	};
	struct lta_segment_options segment_options = {
		.max_calls = w->o.max_calls,
		.max_kinds = w->o.max_kinds,
		.no_kinds = w->o.no_kinds,
		.on_point = on_point,
		.point_data = w,
		.on_connection = on_connection,
		.connection_data = w,
	};
	struct lta_timing_options timing = w->o.timing;

	w->store = lta_store_open_worker(w->o.data_dir, error, size);
	if (!w->store) {
		return -1;
	}
	if (lta_store_analysis_get(w->store, w->o.analysis, &w->state)) {
		snprintf(error, size, "No analysis %lld in the store",
			 (long long)w->o.analysis);
		return -1;
	}
	w->live = strcmp(w->state.kind, "live") == 0;
	w->writer = lta_store_writer_open(w->store, w->o.analysis);
	if (w->writer) {
		/* Each commit carries the snapshot that counts it. */
		lta_store_writer_set_manual(w->writer);
	}
	w->source = lta_decode_create(&options, &handlers, w);
	w->pipeline = lta_pipeline_create();
	w->segment = lta_segment_create(&segment_options, on_request, w);
	timing.agent.process_gone = local_process_state;
	timing.agent.process_gone_data = w;
	timing.downstream = downstream_of;
	timing.downstream_data = w;
	w->timing = lta_timing_create(&timing, on_timing_error, w);
	w->queries = w->writer ? lta_worker_queries_create(w->store, w->writer,
							   w->o.analysis)
			       : NULL;
	if (!w->writer || !w->source || !w->pipeline || !w->segment ||
	    !w->timing || !w->queries || lta_htable_init(&w->dead, 16)) {
		snprintf(error, size, "Cannot set the analysis up: %s",
			 w->writer ? "out of memory" : lta_store_error());
		return -1;
	}
	{
		/*
		 * The same analyses as lttng-analyzer's, in the same order:
		 * the counts, then the timing agent (deadlines before the
		 * next event), then the segmenter.
		 */
		struct lta_consumer consumers[4] = {
			{ .name = "tally", .state = w, .feed = tally_feed },
			lta_timing_consumer(w->timing),
			lta_segment_consumer(w->segment),
			/* After the segmenter: its flush hands out requests. */
			lta_worker_queries_consumer(w->queries),
		};
		size_t i;

		if (lta_worker_queries_refresh(w->queries)) {
			snprintf(error, size, "Cannot read the queries: %s",
				 lta_store_error());
			return -1;
		}
		for (i = 0; i < 4; i++) {
			lta_pipeline_add(w->pipeline, &consumers[i]);
		}
	}
	if (gethostname(w->local_host, sizeof(w->local_host) - 1) != 0) {
		w->local_host[0] = '\0';
	}
	if (w->live) {
		if (lta_decode_set_live(w->source, w->state.source, true)) {
			snprintf(error, size, "%s",
				 lta_decode_error_message(w->source));
			return -1;
		}
	} else if (lta_decode_add_path(w->source, w->state.source)) {
		/* Discovery happens here, in the worker: never on HTTP. */
		snprintf(error, size, "%s",
			 lta_decode_error_message(w->source));
		return -1;
	}
	return 0;
}

/* Sleeps MS milliseconds unless a stop comes meanwhile. */
static bool pause_unless_stopped(struct worker *w, int ms)
{
	struct timespec step = { 0, 50 * MS };
	int64_t until = lta_clock_mono_ns() + (int64_t)ms * MS;

	while (lta_clock_mono_ns() < until) {
		if (atomic_load(&w->stop_requested)) {
			return false;
		}
		/* A signal ends the sleep early; the loop checks. */
		nanosleep(&step, NULL);
	}
	return !atomic_load(&w->stop_requested);
}

/* The graph ran into a wall: a reason for the status. */
static const char *stall_reason(struct worker *w, char *buf, size_t size)
{
	snprintf(buf, size,
		 "the relay daemon did not answer within %d ms "
		 "(stall deadline)",
		 w->o.stall_ms);
	return buf;
}

static int run(struct worker *w)
{
	const struct worker_options *o = &w->o;
	/*
	 * Nothing to read: lttng-live wants to be asked again later. The wait
	 * doubles from 1 ms to 32 ms while nothing comes (about 30 wake-ups
	 * a second when idle, not 500), and is back to 1 ms at the first
	 * message; a stop interrupts it (SIGUSR1).
	 */
	int64_t idle_ns = MS;
	int64_t reattach_until = 0; /* Waiting for the session again. */
	int backoff = o->retry_initial_ms;
	const char *final = "ended", *reason = "";
	char message[1024], partial[1024];
	int exit_code = 0;

	set_status(w, w->live ? "connecting" : "reading", "");
	for (;;) {
		enum lta_decode_status status;

		if (w->paused) {
			/* A full disk: nothing is read until it is stored. */
			if (housekeeping(w, true)) {
				final = "failed";
				reason = "out of memory";
				exit_code = LTA_WORKER_EXIT_FAILED;
				break;
			}
			if (w->paused) {
				if (!pause_unless_stopped(w, 100)) {
					final = "stopped";
					reason = "stopped by request";
					break;
				}
				continue;
			}
		}
		atomic_store(&w->run_since, lta_clock_mono_ns());
		status = lta_decode_run_once(w->source);
		atomic_store(&w->run_since, 0);
		if (status == LTA_DECODE_STOPPED &&
		    !atomic_load(&w->stop_requested) &&
		    atomic_load(&w->stalled)) {
			/* The watchdog, not a user: a silent relay daemon. */
			atomic_store(&w->stalled, false);
			lta_decode_clear_interrupt(w->source);
			status = w->live ? LTA_DECODE_ERROR : LTA_DECODE_ERROR;
			stall_reason(w, message, sizeof(message));
		} else if (status == LTA_DECODE_ERROR) {
			snprintf(message, sizeof(message), "%s",
				 lta_decode_error_message(w->source));
		}
		switch (status) {
		case LTA_DECODE_OK:
			backoff = o->retry_initial_ms;
			idle_ns = MS;
			reattach_until = 0;
			if (w->live && strcmp(w->state.status, "live") != 0 &&
			    !w->paused) {
				set_status(w, "live", "");
			}
			if (housekeeping(w, false)) {
				final = "failed";
				reason = "out of memory";
				exit_code = LTA_WORKER_EXIT_FAILED;
				break;
			}
			continue;
		case LTA_DECODE_AGAIN:
			if (w->live && !w->paused &&
			    strcmp(w->state.status, "live") != 0) {
				set_status(w, "live", "");
				reattach_until = 0;
			}
			/*
			 * Nothing more for now: commit at once. Batching only
			 * matters under load; when idle, a request is visible
			 * as soon as the relay daemon delivered it.
			 */
			if (housekeeping(w, true)) {
				final = "failed";
				reason = "out of memory";
				exit_code = LTA_WORKER_EXIT_FAILED;
				break;
			}
			{
				struct timespec idle = { 0, (long)idle_ns };

				nanosleep(&idle, NULL);
			}
			if (idle_ns < 32 * MS) {
				idle_ns *= 2;
			}
			continue;
		case LTA_DECODE_END:
			if (w->live && reattach_until &&
			    lta_clock_mono_ns() < reattach_until) {
				/*
				 * Re-attaching after a disconnection, and the
				 * relay daemon does not know the session (it
				 * was restarted): wait for the session to be
				 * created again, as for a disconnection.
				 */
				snprintf(message, sizeof(message),
					 "the relay daemon does not know the "
					 "session (restarted?): waiting for "
					 "it");
				status = LTA_DECODE_ERROR;
				goto disconnected;
			}
			final = "ended";
			reason = w->live ? "the session no longer exists" : "";
			break;
		case LTA_DECODE_STOPPED:
			final = "stopped";
			reason = "stopped by request";
			break;
		case LTA_DECODE_ERROR:
		default:
		disconnected:
			if (!w->live) {
				final = "failed";
				reason = message;
				exit_code = LTA_WORKER_EXIT_FAILED;
				break;
			}
			/*
			 * The relay daemon went away, or never answered:
			 * babeltrace2 2.0 does not reconnect, so a new graph
			 * is built after a pause that doubles each time.
			 */
			LTA_LOGW("Live analysis disconnected: id=%lld, "
				 "retry-in-ms=%d, error=\"%s\"",
				 (long long)o->analysis, backoff, message);
			set_status(w, "disconnected", message);
			housekeeping(w, true);
			if (!pause_unless_stopped(w, backoff)) {
				final = "stopped";
				reason = "stopped by request";
				break;
			}
			backoff = backoff * 2 > o->retry_max_ms
					  ? o->retry_max_ms
					  : backoff * 2;
			lta_decode_reset(w->source);
			/*
			 * The new viewer attaches at the streams' current
			 * position: whatever was recorded meanwhile is never
			 * read. Requests open now are incomplete, and the
			 * calls threads were in are forgotten, as after
			 * events the tracer discarded. The agent has no such
			 * notion: an end lost in the gap can raise a false
			 * error (counted: data_gaps says why).
			 */
			lta_pipeline_discard(w->pipeline,
					     LTA_SEGMENT_ALL_TRACES);
			if (!reattach_until) {
				reattach_until =
					lta_clock_mono_ns() + REATTACH_GRACE_NS;
			}
			w->reconnects++;
			w->data_gaps++;
			w->changed = true;
			set_status(w, "connecting", message);
			continue;
		}
		break;
	}
	/* Requests still open are stored as such: nothing is lost. */
	lta_pipeline_flush(w->pipeline);
	take_estimates(w);
	w->changed = true;
	if (write_snapshot(w) == 0) {
		int tries;

		/* A full disk at the very end: a few more tries. */
		for (tries = 0; tries < 20; tries++) {
			if (lta_store_writer_commit(w->writer, 0) == 0) {
				break;
			}
			if (!pause_unless_stopped(w, 250)) {
				break;
			}
		}
		if (lta_store_writer_pending(w->writer)) {
			char why[LTA_STORE_REASON_MAX];

			snprintf(why, sizeof(why),
				 "%.200s%s%zu records could not be stored: "
				 "%.200s",
				 reason, reason[0] ? "; " : "",
				 lta_store_writer_pending(w->writer),
				 lta_store_error());
			set_status(w, "failed", why);
			return LTA_WORKER_EXIT_FAILED;
		}
	}
	take_warnings(w);
	if (w->warning_count && strcmp(final, "ended") == 0) {
		size_t i, lost = 0;

		for (i = 0; i < w->warning_count; i++) {
			lost += w->warnings[i].events_lost;
		}
		snprintf(partial, sizeof(partial),
			 "%.400s%spartial input: %zu file%s damaged, %s (see "
			 "warnings)",
			 reason, reason[0] ? "; " : "", w->warning_count,
			 w->warning_count > 1 ? "s" : "",
			 lost ? "events lost" : "every event read");
		reason = partial;
	}
	set_status(w, final, reason);
	LTA_LOGI("Analysis finished: id=%lld, status=%s, events=%lld, "
		 "requests=%lld",
		 (long long)o->analysis, final, (long long)w->state.events,
		 (long long)w->state.requests);
	return exit_code;
}

static void teardown(struct worker *w)
{
	lta_store_writer_close(w->writer);
	/* The pipeline first: its threads' slots belong to the consumers. */
	lta_pipeline_destroy(w->pipeline);
	lta_segment_destroy(w->segment);
	lta_timing_destroy(w->timing);
	lta_worker_queries_destroy(w->queries);
	lta_htable_fini(&w->dead);
	free(w->estimates);
	lta_decode_destroy(w->source);
	lta_components_fini(&w->components);
	lta_strbuf_fini(&w->snapshot_text);
	lta_store_close(w->store);
}

int lta_worker_main(int argc, char **argv)
{
	struct worker *w = calloc(1, sizeof(*w));
	struct sigaction wake = { .sa_handler = on_wake };
	pthread_t signals;
	sigset_t set;
	char error[1024] = "";
	int ret;

	if (!w) {
		return LTA_WORKER_EXIT_FAILED;
	}
	/* The daemon gone, the signal thread ends us (daemon_gone()). */
	signal(SIGPIPE, SIG_IGN);
	if (parse_options(argc, argv, &w->o)) {
		fprintf(stderr, "lttng-analyzerd --worker: bad arguments (the "
				"daemon starts workers itself)\n");
		free(w);
		return LTA_WORKER_EXIT_USAGE;
	}
	apply_limits(&w->o);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	sigaction(SIGUSR1, &wake, NULL);
	w->main_thread = pthread_self();
	w->state.last_event_ns = -1;
	if (setup(w, error, sizeof(error))) {
		LTA_LOGE("Analysis worker cannot start: id=%lld, error=\"%s\"",
			 (long long)w->o.analysis, error);
		if (w->store) {
			set_status(w, "failed", error);
		} else {
			report(w, "failed", error);
		}
		teardown(w);
		free(w);
		return LTA_WORKER_EXIT_FAILED;
	}
	if (pthread_create(&signals, NULL, signal_thread, w)) {
		set_status(w, "failed", "cannot start the signal thread");
		teardown(w);
		free(w);
		return LTA_WORKER_EXIT_FAILED;
	}
	ret = run(w);
	/* The signal thread may be touching the source: leave it be. */
	lta_store_writer_close(w->writer);
	w->writer = NULL;
	_exit(ret);
}
