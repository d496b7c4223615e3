#include "analysis.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <signal.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/htable.h"
#include "common/log.h"
#include "decode/decode.h"
#include "segment/segment.h"
#include "segment/summary.h"
#include "tasks/tasks.h"

#define STORE_UPDATE_NS (1000LL * 1000 * 1000)
#define LIVENESS_NS (100LL * 1000 * 1000)
#define ESTIMATES_NS (200LL * 1000 * 1000)
#define MAX_GONE 64
#define MAX_SYSCALL_NAMES 256

struct syscall_tally {
	const char *name; /* Interned by the source. */
	uint64_t calls;
};

struct analysis {
	struct lta_analyses *manager; /* Borrowed. */
	int64_t id;
	bool live;
	char *url, *path; /* Owned. */
	pthread_t thread;
	bool joined;

	/* The thread's own state: only it touches these. */
	struct lta_source *source; /* Owned; interrupt from any thread. */
	struct lta_tasks *tasks;
	struct lta_segment *segment;
	struct lta_store_writer *writer;
	int64_t next_store_update;
	struct lta_timing *timing;
	bool errors_to_commit;	/* Commit at once: an error is news. */
	int64_t next_liveness;	/* Monotonic: check local processes. */
	int64_t next_estimates; /* Monotonic: snapshot the estimates. */
	char local_host[256];	/* Traces of this host: check processes. */
	struct lta_htable dead; /* (trace, pid) -> wall ns found gone. */
	struct lta_event gone[MAX_GONE]; /* Scratch for the liveness check. */
	size_t gone_count;

	/* Shared with readers: under lock. */
	pthread_mutex_t lock;
	struct lta_store_analysis state;
	bool running;
	int64_t requests_open, reconnects;
	/* Stretches of the trace the analysis never saw (live reconnects). */
	int64_t data_gaps;
	struct lta_summary *summary;
	struct syscall_tally syscalls[MAX_SYSCALL_NAMES];
	size_t syscall_names;
	uint64_t discarded_packets;
	bool stop_requested;
	uint64_t errors_by_type[3], late_ends;
	struct lta_analysis_timeout *estimates; /* Snapshot; owned. */
	size_t estimate_count, estimate_cap;
};

struct lta_analyses {
	struct lta_store *store; /* Borrowed. */
	struct lta_analyses_options options;
	pthread_mutex_t lock;
	struct lta_htable by_id; /* id -> owned analysis (this daemon's). */
};

static int64_t wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

struct lta_analyses *lta_analyses_create(struct lta_store *store,
					 const struct lta_analyses_options *o)
{
	struct lta_analyses *m = calloc(1, sizeof(*m));

	if (!m) {
		return NULL;
	}
	m->store = store;
	m->options.retry_initial_ms = 500;
	m->options.retry_max_ms = 10000;
	m->options.commit_ms = 200;
	m->options.max_calls = 1000;
	if (o) {
		if (o->retry_initial_ms > 0) {
			m->options.retry_initial_ms = o->retry_initial_ms;
		}
		if (o->retry_max_ms > 0) {
			m->options.retry_max_ms = o->retry_max_ms;
		}
		if (o->commit_ms > 0) {
			m->options.commit_ms = o->commit_ms;
		}
		if (o->max_calls > 0) {
			m->options.max_calls = o->max_calls;
		}
		m->options.timing = o->timing;
	}
	pthread_mutex_init(&m->lock, NULL);
	if (lta_htable_init(&m->by_id, 16)) {
		pthread_mutex_destroy(&m->lock);
		free(m);
		return NULL;
	}
	return m;
}

/* --- the analysis thread ------------------------------------------------- */

static void set_status(struct analysis *a, const char *status,
		       const char *reason)
{
	pthread_mutex_lock(&a->lock);
	if (strcmp(a->state.status, status) != 0 ||
	    strcmp(a->state.reason, reason ? reason : "") != 0) {
		LTA_LOGI("Analysis status changed: id=%lld, status=%s, "
			 "reason=\"%s\"",
			 (long long)a->id, status, reason ? reason : "");
	}
	snprintf(a->state.status, sizeof(a->state.status), "%s", status);
	snprintf(a->state.reason, sizeof(a->state.reason), "%s",
		 reason ? reason : "");
	a->state.updated_ns = wall_ns();
	pthread_mutex_unlock(&a->lock);
}

/* Writes the analysis row (status, counters) to the store. */
static void store_state(struct analysis *a)
{
	struct lta_store_analysis copy;
	int ret;

	pthread_mutex_lock(&a->lock);
	a->state.requests = lta_store_writer_committed(a->writer);
	a->state.connections =
		lta_store_writer_committed_connections(a->writer);
	copy = a->state;
	pthread_mutex_unlock(&a->lock);
	ret = lta_store_analysis_update(a->manager->store, &copy);
	if (ret) {
		LTA_LOGE("Cannot store analysis state: id=%lld, error=\"%s\"",
			 (long long)a->id, lta_store_error());
	}
}

static int on_request(const struct lta_request *r, void *user_data)
{
	struct analysis *a = user_data;
	const struct lta_source_trace *trace =
		lta_source_trace(a->source, r->trace);
	int ret;

	pthread_mutex_lock(&a->lock);
	lta_summary_add(a->summary, r);
	pthread_mutex_unlock(&a->lock);
	ret = lta_store_writer_add(a->writer, r,
				   trace ? trace->hostname : NULL);
	if (ret) {
		/* Keep analyzing: what was stored stays, the error is said. */
		LTA_LOGE("Cannot store request: analysis=%lld, request=%llu, "
			 "error=\"%s\"",
			 (long long)a->id, (unsigned long long)r->id,
			 ret == -ENOSPC ? "disk full" : lta_store_error());
	}
	return 0;
}

/* A connection is over (after its last request): stored. */
static int on_connection(const struct lta_connection *c, void *user_data)
{
	struct analysis *a = user_data;
	const struct lta_source_trace *trace =
		lta_source_trace(a->source, c->trace);
	int ret;

	ret = lta_store_writer_add_connection(a->writer, c,
					      trace ? trace->hostname : NULL);
	if (ret) {
		/* Keep analyzing: what was stored stays, the error is said. */
		LTA_LOGE("Cannot store connection: analysis=%lld, "
			 "connection=%llu, error=\"%s\"",
			 (long long)a->id, (unsigned long long)c->id,
			 ret == -ENOSPC ? "disk full" : lta_store_error());
	}
	return 0;
}

static void tally_syscall(struct analysis *a, const char *name)
{
	size_t i;

	for (i = 0; i < a->syscall_names; i++) {
		if (a->syscalls[i].name == name) {
			a->syscalls[i].calls++;
			return;
		}
	}
	if (a->syscall_names < MAX_SYSCALL_NAMES) {
		a->syscalls[a->syscall_names].name = name;
		a->syscalls[a->syscall_names].calls = 1;
		a->syscall_names++;
	}
}

static int on_event(struct lta_event *event, void *user_data)
{
	struct analysis *a = user_data;
	int ret;

	ret = lta_tasks_feed(a->tasks, event);
	if (ret) {
		return ret;
	}
	pthread_mutex_lock(&a->lock);
	a->state.events++;
	if (event->ts > a->state.last_event_ns) {
		a->state.last_event_ns = event->ts;
	}
	if (event->kind == LTA_EVENT_SYSCALL_ENTRY && event->syscall_name) {
		tally_syscall(a, event->syscall_name);
	}
	pthread_mutex_unlock(&a->lock);
	ret = lta_timing_event(a->timing, event);
	if (ret) {
		return ret;
	}
	return lta_segment_feed(a->segment, event);
}

static int on_point(const struct lta_segment_point *point, void *user_data)
{
	struct analysis *a = user_data;

	return lta_timing_point(a->timing, point);
}

/* An error raised (or its late end): stored at once, counted. */
static int on_timing_error(const struct lta_timing_error *te, void *user_data)
{
	struct analysis *a = user_data;
	const struct lta_agent_error *e = te->error;
	const struct lta_source_trace *trace =
		lta_source_trace(a->source, e->trace);
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
	};
	int ret;

	pthread_mutex_lock(&a->lock);
	if (te->late) {
		a->late_ends++;
	} else {
		a->errors_by_type[e->type]++;
	}
	pthread_mutex_unlock(&a->lock);
	if (!te->late) {
		LTA_LOGI("Timing failure: analysis=%lld, error=%llu, type=%s, "
			 "origin=%s, pid=%d, entity=\"%s\", name=\"%s\", "
			 "timeout-ms=%.3f",
			 (long long)a->id, (unsigned long long)e->id, row.type,
			 row.origin, e->pid, e->entity, e->name,
			 (double)e->timeout_ns / 1e6);
	}
	ret = lta_store_writer_add_error(a->writer, &row);
	if (ret) {
		LTA_LOGE("Cannot store timing failure: analysis=%lld, "
			 "error=%llu, reason=\"%s\"",
			 (long long)a->id, (unsigned long long)e->id,
			 ret == -ENOSPC ? "disk full" : lta_store_error());
	}
	a->errors_to_commit = true;
	return 0;
}

static int on_discard(const struct lta_discard *d, void *user_data)
{
	struct analysis *a = user_data;

	pthread_mutex_lock(&a->lock);
	if (d->packets) {
		a->discarded_packets += d->count;
	} else {
		a->state.discarded_events += (int64_t)d->count;
	}
	pthread_mutex_unlock(&a->lock);
	lta_segment_discard(a->segment, d->trace);
	return 0;
}

static int on_tick(int64_t ts, void *user_data)
{
	struct analysis *a = user_data;

	/* Trace time advances while the traced programs are silent. */
	pthread_mutex_lock(&a->lock);
	if (ts > a->state.last_event_ns) {
		a->state.last_event_ns = ts;
	}
	pthread_mutex_unlock(&a->lock);
	return lta_timing_advance(a->timing, ts);
}

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
	struct analysis *a = data;
	const struct lta_source_trace *t;
	uint64_t key = process_key(trace, pid);
	int64_t found = (int64_t)(uintptr_t)lta_htable_get(&a->dead, key);

	if (!found) {
		if (!a->live || pid <= 0) {
			return 0;
		}
		t = lta_source_trace(a->source, trace);
		if (!t || !t->hostname ||
		    strcmp(t->hostname, a->local_host) != 0) {
			return 0;
		}
		if (kill(pid, 0) == 0 ? !is_zombie(pid) : errno != ESRCH) {
			return 0;
		}
		found = wall_ns();
		if (lta_htable_put(&a->dead, key, (void *)(uintptr_t)found)) {
			return 1; /* No memory to wait: say it now. */
		}
		LTA_LOGI("Traced process gone: analysis=%lld, pid=%d",
			 (long long)a->id, pid);
	}
	return lta_timing_now(a->timing) >= found ? 1 : -1;
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
static void check_processes(struct analysis *a, int64_t now)
{
	int64_t ts = lta_timing_now(a->timing);
	size_t pos = 0, i;
	uint64_t key;
	void *value;

	if (!a->live || now < a->next_liveness || ts == INT64_MIN) {
		return;
	}
	a->next_liveness = now + LIVENESS_NS;
	lta_timing_open_processes(a->timing, check_alive, a);
	a->gone_count = 0;
	while (lta_htable_next(&a->dead, &pos, &key, &value) &&
	       a->gone_count < MAX_GONE) {
		struct lta_event *e;

		if ((int64_t)(uintptr_t)value > ts) {
			continue;
		}
		e = &a->gone[a->gone_count++];
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
	for (i = 0; i < a->gone_count; i++) {
		struct lta_event *e = &a->gone[i];

		lta_htable_remove(&a->dead, process_key(e->trace, e->pid));
		lta_timing_event(a->timing, e);
		lta_segment_feed(a->segment, e);
	}
}

static int snapshot_one(const struct lta_agent_estimate *e, void *user_data)
{
	struct analysis *a = user_data;
	struct lta_analysis_timeout *t;

	if (a->estimate_count == a->estimate_cap) {
		size_t cap = a->estimate_cap ? a->estimate_cap * 2 : 16;
		void *grown = realloc(a->estimates, cap * sizeof(*t));

		if (!grown) {
			return -ENOMEM;
		}
		a->estimates = grown;
		a->estimate_cap = cap;
	}
	t = &a->estimates[a->estimate_count++];
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

/* Copies the agent's estimates for GET .../timeouts. */
static void snapshot_estimates(struct analysis *a, int64_t now, bool force)
{
	if (!force && now < a->next_estimates) {
		return;
	}
	a->next_estimates = now + ESTIMATES_NS;
	pthread_mutex_lock(&a->lock);
	a->estimate_count = 0;
	lta_agent_estimates(lta_timing_agent(a->timing), snapshot_one, a);
	if (a->estimate_count > 1) {
		qsort(a->estimates, a->estimate_count, sizeof(a->estimates[0]),
		      compare_timeouts);
	}
	pthread_mutex_unlock(&a->lock);
}

/*
 * Commits the requests (at once with COMMIT_NOW, else when the batch is
 * old enough) and writes the analysis row when due (at once with FORCE).
 */
static void housekeeping_commit(struct analysis *a, bool commit_now, bool force)
{
	int64_t now = mono_ns();
	int ret;

	check_processes(a, now);
	snapshot_estimates(a, now, force);
	if (a->errors_to_commit) {
		/* An error is visible as soon as it is raised. */
		commit_now = true;
		a->errors_to_commit = false;
	}
	ret = lta_store_writer_commit(
		a->writer,
		commit_now || force ? 0 : a->manager->options.commit_ms);
	if (ret) {
		LTA_LOGE("Cannot commit requests: analysis=%lld, error=\"%s\"",
			 (long long)a->id,
			 ret == -ENOSPC ? "disk full" : lta_store_error());
	}
	pthread_mutex_lock(&a->lock);
	a->requests_open =
		(int64_t)lta_segment_counters(a->segment)->requests_open;
	pthread_mutex_unlock(&a->lock);
	if (force || now >= a->next_store_update) {
		store_state(a);
		a->next_store_update = now + STORE_UPDATE_NS;
	}
}

static void housekeeping(struct analysis *a, bool force)
{
	housekeeping_commit(a, force, force);
}

/* Sleeps MS milliseconds unless the analysis is stopped meanwhile. */
static bool pause_unless_stopped(struct analysis *a, int ms)
{
	int64_t until = mono_ns() + (int64_t)ms * 1000000LL;
	struct timespec step = { 0, 20 * 1000 * 1000 };

	while (mono_ns() < until) {
		if (lta_source_interrupted(a->source)) {
			return false;
		}
		nanosleep(&step, NULL);
	}
	return !lta_source_interrupted(a->source);
}

static void *run(void *arg)
{
	struct analysis *a = arg;
	const struct lta_analyses_options *o = &a->manager->options;
	struct timespec idle = { 0, 2 * 1000 * 1000 };
	int backoff = o->retry_initial_ms;
	const char *final = "ended", *reason = "";
	char message[1024];

	set_status(a, a->live ? "connecting" : "reading", "");
	store_state(a);
	for (;;) {
		enum lta_source_status status = lta_source_run_once(a->source);

		switch (status) {
		case LTA_SOURCE_OK:
			if (a->live && backoff != o->retry_initial_ms) {
				backoff = o->retry_initial_ms;
			}
			if (a->live && strcmp(a->state.status, "live") != 0) {
				set_status(a, "live", "");
			}
			housekeeping(a, false);
			continue;
		case LTA_SOURCE_AGAIN:
			if (a->live &&
			    strcmp(a->state.status, "connecting") == 0) {
				set_status(a, "live", "");
			}
			/*
			 * Nothing more for now: commit at once. Batching only
			 * matters under load; when idle, a request is visible
			 * as soon as the relay daemon delivered it.
			 */
			housekeeping_commit(a, true, false);
			nanosleep(&idle, NULL);
			continue;
		case LTA_SOURCE_END:
			final = "ended";
			reason = a->live ? "the session no longer exists" : "";
			break;
		case LTA_SOURCE_STOPPED:
			final = "stopped";
			reason = "stopped by request";
			break;
		case LTA_SOURCE_ERROR:
		default:
			snprintf(message, sizeof(message), "%s",
				 lta_source_error_message(a->source));
			if (!a->live) {
				final = "failed";
				reason = message;
				break;
			}
			/*
			 * The relay daemon went away (or never answered):
			 * babeltrace2 2.0 does not reconnect, so a new graph
			 * is built after a pause that doubles each time.
			 */
			LTA_LOGW("Live analysis disconnected: id=%lld, "
				 "retry-in-ms=%d, error=\"%s\"",
				 (long long)a->id, backoff, message);
			set_status(a, "disconnected", message);
			housekeeping(a, true);
			if (!pause_unless_stopped(a, backoff)) {
				final = "stopped";
				reason = "stopped by request";
				break;
			}
			backoff = backoff * 2 > o->retry_max_ms
					  ? o->retry_max_ms
					  : backoff * 2;
			lta_source_reset(a->source);
			/*
			 * The new viewer attaches at the streams' current
			 * position: whatever was recorded meanwhile is never
			 * read. Requests open now are incomplete, and the
			 * calls threads were in are forgotten, as after
			 * events the tracer discarded. The agent has no such
			 * notion: an end lost in the gap can raise a false
			 * error (counted: data_gaps says why).
			 */
			lta_segment_discard(a->segment, LTA_SEGMENT_ALL_TRACES);
			pthread_mutex_lock(&a->lock);
			a->reconnects++;
			a->data_gaps++;
			pthread_mutex_unlock(&a->lock);
			set_status(a, "connecting", message);
			continue;
		}
		break;
	}
	/* Requests still open are stored as such: nothing is lost. */
	lta_segment_finish(a->segment);
	set_status(a, final, reason);
	housekeeping(a, true);
	pthread_mutex_lock(&a->lock);
	a->running = false;
	pthread_mutex_unlock(&a->lock);
	LTA_LOGI("Analysis finished: id=%lld, status=%s, events=%lld, "
		 "requests=%lld",
		 (long long)a->id, final, (long long)a->state.events,
		 (long long)a->state.requests);
	return NULL;
}

/* --- the manager --------------------------------------------------------- */

static void free_analysis(struct analysis *a)
{
	if (!a) {
		return;
	}
	lta_store_writer_close(a->writer);
	lta_segment_destroy(a->segment);
	lta_timing_destroy(a->timing);
	lta_htable_fini(&a->dead);
	free(a->estimates);
	lta_tasks_destroy(a->tasks);
	lta_source_destroy(a->source);
	lta_summary_destroy(a->summary);
	pthread_mutex_destroy(&a->lock);
	free(a->url);
	free(a->path);
	free(a);
}

static int segment_request(const struct lta_request *r, void *user_data)
{
	return on_request(r, user_data);
}

/*
 * Checks that the relay daemon of URL accepts connections, so that a
 * POST with an unreachable URL is answered at once. Returns 0 or -errno.
 */
static int probe_relay(const char *url, char *error, size_t size)
{
	char host[256], port[16] = "5344";
	const char *p = strstr(url, "://"), *end;
	/* Numeric hosts only are resolved without a DNS query (no delay). */
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res = NULL;
	struct pollfd pfd;
	int fd = -1, ret, soerr = 0;
	socklen_t len = sizeof(soerr);
	size_t n;

	if (!p) {
		snprintf(error, size, "Not a live URL: url=\"%s\"", url);
		return -EINVAL;
	}
	p += 3;
	end = strchr(p, '/');
	if (!end) {
		snprintf(error, size,
			 "Live URL without a session path: "
			 "url=\"%s\"",
			 url);
		return -EINVAL;
	}
	n = (size_t)(end - p);
	if (n == 0 || n >= sizeof(host)) {
		snprintf(error, size,
			 "Live URL without a relay host: "
			 "url=\"%s\"",
			 url);
		return -EINVAL;
	}
	memcpy(host, p, n);
	host[n] = '\0';
	if (host[0] != '[') {
		char *colon = strrchr(host, ':');

		if (colon) {
			snprintf(port, sizeof(port), "%s", colon + 1);
			*colon = '\0';
		}
	}
	if (strncmp(end, "/host/", 6) != 0 || !strchr(end + 6, '/')) {
		snprintf(error, size,
			 "Live URL is not net://RELAYD[:PORT]/"
			 "host/HOST/SESSION: url=\"%s\"",
			 url);
		return -EINVAL;
	}
	ret = getaddrinfo(host, port, &hints, &res);
	if (ret) {
		snprintf(error, size,
			 "Cannot resolve relay daemon: host=\"%s\", "
			 "error=\"%s\"",
			 host, gai_strerror(ret));
		return -EHOSTUNREACH;
	}
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd < 0) {
		ret = -errno;
		goto end;
	}
	if (connect(fd, res->ai_addr, res->ai_addrlen) != 0 &&
	    errno != EINPROGRESS) {
		ret = -errno;
		goto end;
	}
	pfd.fd = fd;
	pfd.events = POLLOUT;
	if (poll(&pfd, 1, 2000) != 1) {
		ret = -ETIMEDOUT;
		goto end;
	}
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
	ret = -soerr;
end:
	if (ret) {
		snprintf(error, size,
			 "Relay daemon unreachable: host=\"%s\", "
			 "port=%s, error=\"%s\"",
			 host, port, strerror(-ret));
	}
	if (fd >= 0) {
		close(fd);
	}
	freeaddrinfo(res);
	return ret;
}

int lta_analyses_start(struct lta_analyses *m, const char *url,
		       const char *path, int64_t *id, char *error, size_t size)
{
	struct lta_source_options options = { .decode_args = true,
					      .bt_log_level = "error" };
	struct lta_source_handlers handlers = {
		.event = on_event,
		.discard = on_discard,
		.tick = on_tick,
	};
	struct lta_segment_options segment_options = {
		.max_calls = m->options.max_calls,
		.on_point = on_point,
		.on_connection = on_connection,
	};
	struct analysis *a = NULL;
	struct stat st;
	int ret = -ENOMEM;

	error[0] = '\0';
	if ((url == NULL) == (path == NULL)) {
		snprintf(error, size, "Give exactly one of url and path");
		return -EINVAL;
	}
	a = calloc(1, sizeof(*a));
	if (!a) {
		goto error;
	}
	pthread_mutex_init(&a->lock, NULL);
	a->manager = m;
	a->live = url != NULL;
	a->url = url ? strdup(url) : NULL;
	a->path = path ? strdup(path) : NULL;
	if (lta_htable_init(&a->dead, 16)) {
		free(a);
		return -ENOMEM;
	}
	a->source = lta_source_create(&options, &handlers, a);
	a->tasks = lta_tasks_create();
	segment_options.point_data = a;
	segment_options.connection_data = a;
	a->segment = lta_segment_create(&segment_options, segment_request, a);
	a->summary = lta_summary_create();
	{
		/* A hang of a process found dead is a crash (live, local). */
		struct lta_timing_options timing = m->options.timing;

		timing.agent.process_gone = local_process_state;
		timing.agent.process_gone_data = a;
		a->timing = lta_timing_create(&timing, on_timing_error, a);
	}
	if (gethostname(a->local_host, sizeof(a->local_host) - 1) != 0) {
		a->local_host[0] = '\0';
	}
	if ((url && !a->url) || (path && !a->path) || !a->source || !a->tasks ||
	    !a->segment || !a->summary || !a->timing) {
		goto error;
	}
	if (url) {
		ret = lta_source_set_live(a->source, url, true);
		if (ret) {
			snprintf(error, size, "%s",
				 lta_source_error_message(a->source));
			goto error;
		}
		ret = probe_relay(url, error, size);
		if (ret) {
			goto error;
		}
	} else {
		if (stat(path, &st) != 0) {
			ret = -errno;
			snprintf(error, size,
				 "Cannot open trace: path=\"%s\", "
				 "error=\"%s\"",
				 path, strerror(errno));
			goto error;
		}
		ret = lta_source_add_path(a->source, path);
		if (ret) {
			snprintf(error, size, "%s",
				 lta_source_error_message(a->source));
			ret = -EINVAL;
			goto error;
		}
	}

	snprintf(a->state.kind, sizeof(a->state.kind), "%s",
		 url ? "live" : "trace");
	snprintf(a->state.source, sizeof(a->state.source), "%s",
		 url ? url : path);
	snprintf(a->state.status, sizeof(a->state.status), "%s",
		 url ? "connecting" : "reading");
	a->state.created_ns = wall_ns();
	a->state.updated_ns = a->state.created_ns;
	a->state.last_event_ns = -1;
	ret = lta_store_analysis_insert(m->store, &a->state);
	if (ret) {
		snprintf(error, size, "Cannot store the analysis: %s",
			 lta_store_error());
		goto error;
	}
	a->id = a->state.id;
	a->writer = lta_store_writer_open(m->store, a->id);
	if (!a->writer) {
		snprintf(error, size, "Cannot open a store writer: %s",
			 lta_store_error());
		ret = -EIO;
		goto error;
	}
	a->running = true;
	pthread_mutex_lock(&m->lock);
	ret = lta_htable_put(&m->by_id, (uint64_t)a->id, a);
	pthread_mutex_unlock(&m->lock);
	if (ret) {
		goto error;
	}
	if (pthread_create(&a->thread, NULL, run, a)) {
		pthread_mutex_lock(&m->lock);
		lta_htable_remove(&m->by_id, (uint64_t)a->id);
		pthread_mutex_unlock(&m->lock);
		ret = -EAGAIN;
		snprintf(error, size, "Cannot start a thread");
		goto error;
	}
	LTA_LOGI("Analysis started: id=%lld, source=\"%s\"", (long long)a->id,
		 a->state.source);
	*id = a->id;
	return 0;

error:
	if (a && a->id) {
		snprintf(a->state.status, sizeof(a->state.status), "failed");
		snprintf(a->state.reason, sizeof(a->state.reason), "%s", error);
		lta_store_analysis_update(m->store, &a->state);
	}
	free_analysis(a);
	return ret;
}

static struct analysis *find(struct lta_analyses *m, int64_t id)
{
	struct analysis *a;

	pthread_mutex_lock(&m->lock);
	a = lta_htable_get(&m->by_id, (uint64_t)id);
	pthread_mutex_unlock(&m->lock);
	return a;
}

int lta_analyses_stop(struct lta_analyses *m, int64_t id)
{
	struct analysis *a = find(m, id);
	struct lta_store_analysis stored;
	bool running;

	if (!a) {
		return lta_store_analysis_get(m->store, id, &stored) == 0
			       ? -EALREADY
			       : -ENOENT;
	}
	pthread_mutex_lock(&a->lock);
	running = a->running;
	a->stop_requested = true;
	pthread_mutex_unlock(&a->lock);
	if (!running) {
		return -EALREADY;
	}
	lta_source_interrupt(a->source);
	return 0;
}

static void view_of(struct analysis *a, struct lta_analysis_view *view)
{
	pthread_mutex_lock(&a->lock);
	view->stored = a->state;
	view->stored.requests = lta_store_writer_committed(a->writer);
	view->stored.connections =
		lta_store_writer_committed_connections(a->writer);
	view->running = a->running;
	view->requests_open = a->requests_open;
	view->reconnects = a->reconnects;
	view->data_gaps = a->data_gaps;
	view->lag_ns = a->live && a->running && a->state.last_event_ns > 0
			       ? wall_ns() - a->state.last_event_ns
			       : -1;
	pthread_mutex_unlock(&a->lock);
}

int lta_analyses_get(struct lta_analyses *m, int64_t id,
		     struct lta_analysis_view *view)
{
	struct analysis *a = find(m, id);

	memset(view, 0, sizeof(*view));
	if (a) {
		view_of(a, view);
		return 0;
	}
	view->lag_ns = -1;
	return lta_store_analysis_get(m->store, id, &view->stored);
}

struct list_ctx {
	struct lta_analyses *m;
	int (*fn)(const struct lta_analysis_view *view, void *user_data);
	void *user_data;
};

static int list_one(const struct lta_store_analysis *stored, void *user_data)
{
	struct list_ctx *ctx = user_data;
	struct lta_analysis_view view;
	struct analysis *a = find(ctx->m, stored->id);

	memset(&view, 0, sizeof(view));
	if (a) {
		view_of(a, &view);
	} else {
		view.stored = *stored;
		view.lag_ns = -1;
	}
	return ctx->fn(&view, ctx->user_data);
}

int lta_analyses_list(struct lta_analyses *m,
		      int (*fn)(const struct lta_analysis_view *view,
				void *user_data),
		      void *user_data)
{
	struct list_ctx ctx = { m, fn, user_data };

	return lta_store_analysis_list(m->store, list_one, &ctx);
}

static uint64_t record_number(const char *json, const char *key)
{
	const char *p = strstr(json, key);

	return p ? strtoull(p + strlen(key), NULL, 10) : 0;
}

struct rebuild {
	struct lta_summary *summary;
	int64_t last_id;
};

/* One stored request into the summary, as when it was handed out. */
static int rebuild_one(const struct lta_store_request *row, void *user_data)
{
	struct rebuild *rb = user_data;
	struct lta_request r;

	memset(&r, 0, sizeof(r));
	r.start = row->start_ns;
	r.end = row->end_ns;
	if (!lta_request_end_from_name(row->end_reason, &r.end_reason)) {
		r.end_reason = LTA_REQUEST_END_OPEN;
	}
	r.incomplete = row->incomplete;
	r.bytes_read = record_number(row->json, "\"bytes_read\":");
	r.bytes_written = record_number(row->json, "\"bytes_written\":");
	lta_summary_add(rb->summary, &r);
	rb->last_id = row->id;
	return 0;
}

static void fill_stats(const struct lta_summary *s,
		       struct lta_analysis_stats *stats)
{
	stats->requests = s->requests;
	stats->complete = s->complete;
	stats->keepalive = s->by_end[LTA_REQUEST_END_KEEPALIVE];
	stats->empty = s->by_end[LTA_REQUEST_END_EMPTY];
	stats->aborted = s->by_end[LTA_REQUEST_END_ABORTED];
	stats->open = s->by_end[LTA_REQUEST_END_OPEN];
	stats->replaced = s->by_end[LTA_REQUEST_END_REPLACED];
	stats->incomplete = s->incomplete;
	stats->bytes_read = s->bytes_read;
	stats->bytes_written = s->bytes_written;
	stats->throughput = lta_summary_throughput(s);
	stats->first_start_ns = s->first_start;
	stats->last_end_ns = s->last_end;
	lta_histogram_merge(stats->latency, s->latency);
}

static int compare_tally(const void *x, const void *y)
{
	const struct syscall_tally *a = x, *b = y;

	return a->calls < b->calls ? 1 : a->calls > b->calls ? -1 : 0;
}

int lta_analyses_stats(struct lta_analyses *m, int64_t id,
		       struct lta_analysis_stats *stats)
{
	struct analysis *a = find(m, id);
	struct lta_store_analysis stored;
	struct lta_summary *rebuilt = NULL;
	struct syscall_tally sorted[MAX_SYSCALL_NAMES];
	size_t i, n;
	int ret;

	memset(stats, 0, sizeof(*stats));
	stats->latency = lta_histogram_create();
	if (!stats->latency) {
		return -ENOMEM;
	}
	if (a) {
		pthread_mutex_lock(&a->lock);
		fill_stats(a->summary, stats);
		stats->connections =
			(uint64_t)lta_store_writer_committed_connections(
				a->writer);
		stats->events = (uint64_t)a->state.events;
		stats->discarded_events = (uint64_t)a->state.discarded_events;
		stats->discarded_packets = a->discarded_packets;
		stats->errors_ine = a->errors_by_type[LTA_AGENT_INE];
		stats->errors_coe = a->errors_by_type[LTA_AGENT_COE];
		stats->errors_crash = a->errors_by_type[LTA_AGENT_CRASH];
		stats->late_ends = a->late_ends;
		n = a->syscall_names;
		memcpy(sorted, a->syscalls, n * sizeof(sorted[0]));
		pthread_mutex_unlock(&a->lock);
		qsort(sorted, n, sizeof(sorted[0]), compare_tally);
		for (i = 0; i < n && i < 64; i++) {
			snprintf(stats->syscalls[i].name,
				 sizeof(stats->syscalls[i].name), "%s",
				 sorted[i].name);
			stats->syscalls[i].calls = sorted[i].calls;
		}
		stats->syscall_count = i;
		return 0;
	}
	/* An analysis of an earlier run of the daemon: from the store. */
	ret = lta_store_analysis_get(m->store, id, &stored);
	if (ret) {
		goto error;
	}
	rebuilt = lta_summary_create();
	if (!rebuilt) {
		ret = -ENOMEM;
		goto error;
	}
	{
		/* Page through every stored request of the analysis. */
		struct lta_store_filter filter = {
			.analysis = id,
			.from_ns = INT64_MIN,
			.to_ns = INT64_MAX,
			.min_duration_ns = -1,
			.limit = 1000,
		};
		struct rebuild rb = { .summary = rebuilt };

		do {
			filter.after_id = rb.last_id;
			ret = lta_store_requests(m->store, &filter, rebuild_one,
						 &rb);
		} while (ret == 0 && rb.last_id != filter.after_id);
		if (ret) {
			goto error;
		}
		fill_stats(rebuilt, stats);
	}
	stats->connections = (uint64_t)stored.connections;
	stats->events = (uint64_t)stored.events;
	stats->discarded_events = (uint64_t)stored.discarded_events;
	lta_summary_destroy(rebuilt);
	{
		struct lta_store_error_counts counts;

		ret = lta_store_error_counts(m->store, id, &counts);
		if (ret) {
			rebuilt = NULL;
			goto error;
		}
		stats->errors_ine = (uint64_t)counts.ine;
		stats->errors_coe = (uint64_t)counts.coe;
		stats->errors_crash = (uint64_t)counts.crash;
		stats->late_ends = (uint64_t)counts.late_ends;
	}
	return 0;

error:
	lta_summary_destroy(rebuilt);
	lta_histogram_destroy(stats->latency);
	stats->latency = NULL;
	return ret;
}

int lta_analyses_timeouts(struct lta_analyses *m, int64_t id,
			  int (*fn)(const struct lta_analysis_timeout *t,
				    void *user_data),
			  void *user_data)
{
	struct analysis *a = find(m, id);
	struct lta_store_analysis stored;
	struct lta_analysis_timeout *copy;
	size_t i, n;
	int ret = 0;

	if (!a) {
		return lta_store_analysis_get(m->store, id, &stored) == 0
			       ? -ENODATA
			       : -ENOENT;
	}
	/* Copied out: FN may take its time without holding the thread. */
	pthread_mutex_lock(&a->lock);
	n = a->estimate_count;
	copy = n ? malloc(n * sizeof(*copy)) : NULL;
	if (copy) {
		memcpy(copy, a->estimates, n * sizeof(*copy));
	}
	pthread_mutex_unlock(&a->lock);
	if (n && !copy) {
		return -ENOMEM;
	}
	for (i = 0; i < n && ret == 0; i++) {
		ret = fn(&copy[i], user_data);
	}
	free(copy);
	return ret;
}

int lta_analyses_running(struct lta_analyses *m)
{
	size_t pos = 0;
	uint64_t key;
	void *value;
	int n = 0;

	pthread_mutex_lock(&m->lock);
	while (lta_htable_next(&m->by_id, &pos, &key, &value)) {
		struct analysis *a = value;

		pthread_mutex_lock(&a->lock);
		n += a->running;
		pthread_mutex_unlock(&a->lock);
	}
	pthread_mutex_unlock(&m->lock);
	return n;
}

void lta_analyses_stop_all(struct lta_analyses *m)
{
	size_t pos = 0;
	uint64_t key;
	void *value;

	pthread_mutex_lock(&m->lock);
	while (lta_htable_next(&m->by_id, &pos, &key, &value)) {
		lta_source_interrupt(((struct analysis *)value)->source);
	}
	pos = 0;
	while (lta_htable_next(&m->by_id, &pos, &key, &value)) {
		struct analysis *a = value;

		if (!a->joined) {
			/* Each thread flushes to the store, then ends. */
			pthread_join(a->thread, NULL);
			a->joined = true;
		}
	}
	pthread_mutex_unlock(&m->lock);
}

void lta_analyses_destroy(struct lta_analyses *m)
{
	size_t pos = 0;
	uint64_t key;
	void *value;

	if (!m) {
		return;
	}
	lta_analyses_stop_all(m);
	while (lta_htable_next(&m->by_id, &pos, &key, &value)) {
		free_analysis(value);
	}
	lta_htable_fini(&m->by_id);
	pthread_mutex_destroy(&m->lock);
	free(m);
}
