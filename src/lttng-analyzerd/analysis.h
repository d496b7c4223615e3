/*
 * Analyses: what the daemon is analyzing, one thread each.
 *
 * An analysis reads a live session (net://RELAYD[:PORT]/host/HOST/SESSION)
 * or a recorded trace folder through lib/decode, runs tasks and segment on
 * every event, keeps latency figures (lib/segment/summary) and counters, and
 * stores every request (lib/store) as it ends. Live analyses survive the
 * relay daemon going away: the analysis turns "disconnected" and retries
 * with backoff (babeltrace2 2.0 does not reconnect by itself: the graph is
 * rebuilt); a session that no longer exists ends it.
 *
 * Status words (the API's): connecting, live, disconnected (live), reading
 * (a recorded trace), ended, stopped (DELETE), failed (with a reason),
 * interrupted (the daemon stopped while it ran; from the store).
 *
 * All functions may be called from any thread (HTTP threads); they lock the
 * manager briefly and never wait for an analysis thread except
 * lta_analyses_stop_all().
 */
#ifndef LTA_ANALYZERD_ANALYSIS_H
#define LTA_ANALYZERD_ANALYSIS_H

#include <stdbool.h>
#include <stdint.h>

#include "agent/timing.h"
#include "histogram/histogram.h"
#include "store/store.h"

struct lta_analyses;

struct lta_analyses_options {
	int retry_initial_ms; /* First reconnect delay (default 500). */
	int retry_max_ms;     /* Backoff ceiling (default 10000). */
	int commit_ms;	      /* Store commit interval (default 200). */
	uint32_t max_calls;   /* Calls kept per request (default 1000). */
	struct lta_timing_options timing; /* Zeros: the agent's defaults. */
};

/* What GET /api/v1/analyses/{id} shows. */
struct lta_analysis_view {
	struct lta_store_analysis stored; /* id, kind, source, status... */
	bool running;			  /* A thread works on it now. */
	int64_t lag_ns;	       /* Wall clock - newest trace time; -1. */
	int64_t requests_open; /* In the segmenter now. */
	int64_t reconnects;    /* Live: graphs rebuilt after failures. */
	/*
	 * Live: stretches of the session the analysis never read (each
	 * reconnect attaches at the streams' current position); requests
	 * open across one are marked incomplete.
	 */
	int64_t data_gaps;
};

/* What GET .../stats shows (besides the view). */
struct lta_analysis_stats {
	uint64_t requests;
	/* Complete: closed, shut down or answered keepalive (counted too). */
	uint64_t complete, keepalive, empty, aborted, open, replaced,
		incomplete;
	uint64_t connections; /* Stored connections. */
	uint64_t bytes_read, bytes_written;
	double throughput; /* Complete requests per trace second. */
	int64_t first_start_ns, last_end_ns;
	struct lta_histogram *latency; /* Owned by the caller: destroy. */
	uint64_t events, discarded_events, discarded_packets;
	/* Timing failures raised (stored), and late ends among them. */
	uint64_t errors_ine, errors_coe, errors_crash, late_ends;
	/* Per system call: names and counts (entries), by count. */
	size_t syscall_count;
	struct {
		char name[32];
		uint64_t calls;
	} syscalls[64];
};

/*
 * Creates the manager over STORE (borrowed; outlives the manager).
 * Returns NULL when out of memory.
 */
struct lta_analyses *lta_analyses_create(struct lta_store *store,
					 const struct lta_analyses_options *o);

/*
 * Starts analyzing a live URL (net://...) or a trace folder (PATH). On
 * success sets *ID and returns 0. Errors: -EINVAL (not a net:// URL, or a
 * folder with no trace: message in ERROR), -ENOENT (no such folder),
 * -ENOMEM, or a store error.
 */
int lta_analyses_start(struct lta_analyses *m, const char *url,
		       const char *path, int64_t *id, char *error, size_t size);

/*
 * Stops analysis ID (the babeltrace2 interrupter): its thread flushes what
 * it has to the store and ends with status "stopped". Returns 0, -ENOENT
 * (unknown id), or -EALREADY (not running).
 */
int lta_analyses_stop(struct lta_analyses *m, int64_t id);

/* Fills VIEW for ID (running or stored). Returns 0 or -ENOENT. */
int lta_analyses_get(struct lta_analyses *m, int64_t id,
		     struct lta_analysis_view *view);

/* Calls FN for every analysis (stored ones too), by id. */
int lta_analyses_list(struct lta_analyses *m,
		      int (*fn)(const struct lta_analysis_view *view,
				void *user_data),
		      void *user_data);

/*
 * Fills STATS for ID: from the running analysis, or rebuilt from the store
 * for an ended one. The caller destroys STATS->latency. Returns 0,
 * -ENOENT or -ENOMEM.
 */
int lta_analyses_stats(struct lta_analyses *m, int64_t id,
		       struct lta_analysis_stats *stats);

/* A current estimate of the agent (GET .../timeouts). */
struct lta_analysis_timeout {
	const char *kind; /* "service", "interaction". */
	char entity[128], name[128];
	uint64_t samples;
	int64_t mean_ns, dev_ns, timeout_ns;
	uint64_t open, errors, late_ends;
};

/*
 * Calls FN with each estimate of analysis ID's agent (as of its last
 * housekeeping, at most ~200 ms old), by kind, entity and name. Returns 0,
 * -ENOENT (unknown id), -ENODATA (an analysis of an earlier run of the
 * daemon: estimates live in memory only), or what FN returned.
 */
int lta_analyses_timeouts(struct lta_analyses *m, int64_t id,
			  int (*fn)(const struct lta_analysis_timeout *t,
				    void *user_data),
			  void *user_data);

/* Number of analyses running now. */
int lta_analyses_running(struct lta_analyses *m);

/*
 * Stops every analysis and waits for their threads (each flushes to the
 * store). For SIGTERM/SIGINT. The manager stays usable for reads.
 */
void lta_analyses_stop_all(struct lta_analyses *m);

/* Stops all, then frees. Accepts NULL. */
void lta_analyses_destroy(struct lta_analyses *m);

#endif /* LTA_ANALYZERD_ANALYSIS_H */
