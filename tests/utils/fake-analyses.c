/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A test double of the analysis manager (src/lttng-analyzerd/analysis.h)
 * over the real store, for tests of the HTTP module that must not read
 * traces nor reach a relay daemon. Linked instead of analysis.c.
 *
 * lta_analyses_start() records an analysis in the store and marks it
 * running, or fails as its source asks, so that every error path of the
 * API can be reached:
 *   url  net://refused/...      -ECONNREFUSED
 *   url  net://unreachable/...  -EHOSTUNREACH
 *   url  net://timeout/...      -ETIMEDOUT
 *   url  without "/host/"       -EINVAL
 *   path ending in /enoent      -ENOENT
 *   path ending in /not-a-trace -EINVAL
 *   path ending in /enospc      -ENOSPC
 *   path ending in /eio         -EIO
 * Statistics are rebuilt from the stored durations, as the real manager
 * does for an ended analysis. Thread-safe (one mutex).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analysis.h"

#define FAKE_MAX_ANALYSES 64

struct lta_analyses {
	struct lta_store *store; /* Borrowed. */
	pthread_mutex_t lock;
	int64_t running[FAKE_MAX_ANALYSES]; /* Ids running; 0: free slot. */
};

static int64_t wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int slot_of(struct lta_analyses *m, int64_t id)
{
	int i;

	for (i = 0; i < FAKE_MAX_ANALYSES; i++) {
		if (m->running[i] == id) {
			return i;
		}
	}
	return -1;
}

struct lta_analyses *lta_analyses_create(struct lta_store *store,
					 const struct lta_analyses_options *o)
{
	struct lta_analyses *m = calloc(1, sizeof(*m));

	(void)o;
	if (!m) {
		return NULL;
	}
	m->store = store;
	pthread_mutex_init(&m->lock, NULL);
	return m;
}

/* The failure SOURCE asks for, with its message, or 0. */
static int planned_failure(const char *url, const char *path, char *error,
			   size_t size)
{
	if (url) {
		if (!strstr(url, "/host/")) {
			snprintf(error, size,
				 "Live URL is not net://RELAYD"
				 "[:PORT]/host/HOST/SESSION");
			return -EINVAL;
		}
		if (!strncmp(url, "net://refused/", 14)) {
			snprintf(error, size,
				 "Relay daemon unreachable: "
				 "error=\"Connection refused\"");
			return -ECONNREFUSED;
		}
		if (!strncmp(url, "net://unreachable/", 18)) {
			snprintf(error, size, "Cannot resolve relay daemon");
			return -EHOSTUNREACH;
		}
		if (!strncmp(url, "net://timeout/", 14)) {
			snprintf(error, size,
				 "Relay daemon unreachable: "
				 "error=\"Connection timed out\"");
			return -ETIMEDOUT;
		}
		return 0;
	}
	if (ends_with(path, "/enoent")) {
		snprintf(error, size,
			 "Cannot open trace: path=\"%s\", "
			 "error=\"No such file or directory\"",
			 path);
		return -ENOENT;
	}
	if (ends_with(path, "/not-a-trace")) {
		snprintf(error, size, "No CTF trace found: path=\"%s\"", path);
		return -EINVAL;
	}
	if (ends_with(path, "/enospc")) {
		snprintf(error, size, "Cannot store the analysis: disk full");
		return -ENOSPC;
	}
	if (ends_with(path, "/eio")) {
		snprintf(error, size, "Cannot store the analysis: I/O error");
		return -EIO;
	}
	return 0;
}

/* Queries are not evaluated here: only the start is. */
int lta_analyses_start_queries(struct lta_analyses *m, const char *url,
			       const char *path, const char *const *specs,
			       size_t count, int64_t *id, char *error,
			       size_t size)
{
	(void)specs;
	(void)count;
	return lta_analyses_start(m, url, path, id, error, size);
}

int lta_analyses_start(struct lta_analyses *m, const char *url,
		       const char *path, int64_t *id, char *error, size_t size)
{
	struct lta_store_analysis a;
	int ret, slot;

	error[0] = '\0';
	if ((url == NULL) == (path == NULL)) {
		snprintf(error, size, "Give exactly one of url and path");
		return -EINVAL;
	}
	ret = planned_failure(url, path, error, size);
	if (ret) {
		return ret;
	}
	memset(&a, 0, sizeof(a));
	snprintf(a.kind, sizeof(a.kind), "%s", url ? "live" : "trace");
	snprintf(a.source, sizeof(a.source), "%s", url ? url : path);
	snprintf(a.status, sizeof(a.status), "%s", url ? "live" : "reading");
	a.created_ns = wall_ns();
	a.updated_ns = a.created_ns;
	a.last_event_ns = -1;
	pthread_mutex_lock(&m->lock);
	slot = slot_of(m, 0);
	if (slot < 0) {
		ret = -EAGAIN;
		snprintf(error, size, "Too many analyses for the fake");
		goto end;
	}
	ret = lta_store_analysis_insert(m->store, &a);
	if (ret) {
		snprintf(error, size, "%s", lta_store_error());
		goto end;
	}
	m->running[slot] = a.id;
	*id = a.id;
end:
	pthread_mutex_unlock(&m->lock);
	return ret;
}

int lta_analyses_stop(struct lta_analyses *m, int64_t id)
{
	struct lta_store_analysis a;
	int ret, slot;

	pthread_mutex_lock(&m->lock);
	ret = lta_store_analysis_get(m->store, id, &a);
	if (ret) {
		goto end;
	}
	slot = slot_of(m, id);
	if (slot < 0) {
		ret = -EALREADY;
		goto end;
	}
	m->running[slot] = 0;
	snprintf(a.status, sizeof(a.status), "stopped");
	a.updated_ns = wall_ns();
	ret = lta_store_analysis_update(m->store, &a);
end:
	pthread_mutex_unlock(&m->lock);
	return ret;
}

int lta_analyses_delete(struct lta_analyses *m, int64_t id)
{
	int ret;

	pthread_mutex_lock(&m->lock);
	ret = slot_of(m, id) >= 0 ? -EBUSY
				  : lta_store_analysis_delete(m->store, id);
	pthread_mutex_unlock(&m->lock);
	return ret;
}

int lta_analyses_is_running(struct lta_analyses *m, int64_t id)
{
	int running;

	pthread_mutex_lock(&m->lock);
	running = slot_of(m, id) >= 0;
	pthread_mutex_unlock(&m->lock);
	return running;
}

static void fill_view(struct lta_analyses *m,
		      const struct lta_store_analysis *a,
		      struct lta_analysis_view *view)
{
	memset(view, 0, sizeof(*view));
	view->stored = *a;
	view->running = slot_of(m, a->id) >= 0;
	view->lag_ns = view->running && a->kind[0] == 'l' ? 1500000 : -1;
	view->requests_open = view->running ? 2 : 0;
	view->reconnects = 0;
}

int lta_analyses_get(struct lta_analyses *m, int64_t id,
		     struct lta_analysis_view *view)
{
	struct lta_store_analysis a;
	int ret;

	ret = lta_store_analysis_get(m->store, id, &a);
	if (ret) {
		return ret;
	}
	pthread_mutex_lock(&m->lock);
	fill_view(m, &a, view);
	pthread_mutex_unlock(&m->lock);
	return 0;
}

struct list_call {
	struct lta_analyses *m;
	int (*fn)(const struct lta_analysis_view *view, void *user_data);
	void *user_data;
};

static int list_one(const struct lta_store_analysis *a, void *user_data)
{
	struct list_call *call = user_data;
	struct lta_analysis_view view;

	pthread_mutex_lock(&call->m->lock);
	fill_view(call->m, a, &view);
	pthread_mutex_unlock(&call->m->lock);
	return call->fn(&view, call->user_data);
}

int lta_analyses_list(struct lta_analyses *m,
		      int (*fn)(const struct lta_analysis_view *view,
				void *user_data),
		      void *user_data)
{
	struct list_call call = { m, fn, user_data };

	return lta_store_analysis_list(m->store, list_one, &call);
}

static void add_duration(int64_t duration_ns, const char *end_reason,
			 bool incomplete, void *user_data)
{
	struct lta_analysis_stats *stats = user_data;

	stats->requests++;
	if (incomplete) {
		stats->incomplete++;
	}
	if (!strcmp(end_reason, "empty")) {
		stats->empty++;
	} else if (!strcmp(end_reason, "aborted")) {
		stats->aborted++;
	} else if (!strcmp(end_reason, "open")) {
		stats->open++;
	} else if (!strcmp(end_reason, "replaced")) {
		stats->replaced++;
	} else {
		/* close, shutdown, keepalive: complete, in the latency. */
		if (!strcmp(end_reason, "keepalive")) {
			stats->keepalive++;
		}
		stats->complete++;
		lta_histogram_record(stats->latency, duration_ns);
	}
}

int lta_analyses_stats(struct lta_analyses *m, int64_t id,
		       struct lta_analysis_stats *stats)
{
	struct lta_store_analysis a;
	int ret;

	memset(stats, 0, sizeof(*stats));
	ret = lta_store_analysis_get(m->store, id, &a);
	if (ret) {
		return ret;
	}
	stats->latency = lta_histogram_create();
	if (!stats->latency) {
		return -ENOMEM;
	}
	ret = lta_store_durations(m->store, id, add_duration, stats);
	if (ret) {
		lta_histogram_destroy(stats->latency);
		stats->latency = NULL;
		return ret;
	}
	stats->throughput = (double)stats->complete;
	stats->first_start_ns = -1;
	stats->last_end_ns = -1;
	stats->events = (uint64_t)a.events;
	stats->discarded_events = (uint64_t)a.discarded_events;
	stats->connections = (uint64_t)a.connections;
	stats->syscall_count = 2;
	snprintf(stats->syscalls[0].name, sizeof(stats->syscalls[0].name),
		 "read");
	stats->syscalls[0].calls = 10;
	snprintf(stats->syscalls[1].name, sizeof(stats->syscalls[1].name),
		 "accept4");
	stats->syscalls[1].calls = 3;
	{
		struct lta_store_error_counts counts;

		ret = lta_store_error_counts(m->store, id, &counts);
		if (ret) {
			lta_histogram_destroy(stats->latency);
			stats->latency = NULL;
			return ret;
		}
		stats->errors_ine = (uint64_t)counts.ine;
		stats->errors_coe = (uint64_t)counts.coe;
		stats->errors_crash = (uint64_t)counts.crash;
		stats->late_ends = (uint64_t)counts.late_ends;
	}
	return 0;
}

/*
 * Estimates: an analysis whose source ends in /earlier-run has none (as
 * one of an earlier run of the daemon); the others have two.
 */
int lta_analyses_timeouts(struct lta_analyses *m, int64_t id,
			  int (*fn)(const struct lta_analysis_timeout *t,
				    void *user_data),
			  void *user_data)
{
	struct lta_analysis_timeout t[2] = {
		{ .kind = "interaction",
		  .entity = "fake-server",
		  .name = "backend",
		  .samples = 12,
		  .mean_ns = 1000000,
		  .dev_ns = 250000,
		  .timeout_ns = 50000000,
		  .open = 1 },
		{ .kind = "service",
		  .entity = "fake-server",
		  .name = "request \"quoted\"",
		  .samples = 3,
		  .mean_ns = 2000000,
		  .dev_ns = 1000000,
		  .timeout_ns = 15000000000LL,
		  .errors = 1,
		  .late_ends = 1 },
	};
	struct lta_store_analysis a;
	size_t len;
	int i, ret;

	ret = lta_store_analysis_get(m->store, id, &a);
	if (ret) {
		return ret;
	}
	len = strlen(a.source);
	if (len >= 12 && strcmp(a.source + len - 12, "/earlier-run") == 0) {
		return -ENODATA;
	}
	for (i = 0; i < 2; i++) {
		ret = fn(&t[i], user_data);
		if (ret) {
			return ret;
		}
	}
	return 0;
}

int lta_analyses_running(struct lta_analyses *m)
{
	int i, count = 0;

	pthread_mutex_lock(&m->lock);
	for (i = 0; i < FAKE_MAX_ANALYSES; i++) {
		count += m->running[i] != 0;
	}
	pthread_mutex_unlock(&m->lock);
	return count;
}

void lta_analyses_stop_all(struct lta_analyses *m)
{
	int64_t ids[FAKE_MAX_ANALYSES];
	int i;

	pthread_mutex_lock(&m->lock);
	memcpy(ids, m->running, sizeof(ids));
	pthread_mutex_unlock(&m->lock);
	for (i = 0; i < FAKE_MAX_ANALYSES; i++) {
		if (ids[i]) {
			lta_analyses_stop(m, ids[i]);
		}
	}
}

void lta_analyses_destroy(struct lta_analyses *m)
{
	if (!m) {
		return;
	}
	pthread_mutex_destroy(&m->lock);
	free(m);
}
