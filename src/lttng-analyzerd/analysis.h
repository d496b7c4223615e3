/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Analyses: what the daemon is analyzing, one worker process each.
 *
 * An analysis reads a live session (net://RELAYD[:PORT]/host/HOST/SESSION)
 * or a recorded trace folder. The daemon does not decode it: it inserts
 * the analysis in the store and starts a worker (worker.h, the daemon's
 * own program in worker mode) that runs the babeltrace2 graph and the
 * pipeline and writes requests, connections, errors and its figures
 * (snapshot.h) into the store. A supervisor thread watches the workers:
 * one that dies (a signal, an abort in libbabeltrace2, the memory limit)
 * leaves its analysis "failed" with the reason ("decoder crashed:
 * SIGSEGV"), and everything it had committed stays served; the daemon and
 * the other analyses go on. Analyses leave memory when their worker ends;
 * the daemon keeps a few hundred bytes per running analysis. See
 * doc/workers.md.
 *
 * Status words (the API's): connecting, live, disconnected (live), standby
 * (live: another daemon of the fleet holds the session's lease), reading
 * (a recorded trace), paused (a full disk: resumes when space comes
 * back), ended, stopped (DELETE), failed (with a reason), interrupted
 * (the daemon stopped while it ran; from the store).
 *
 * All functions may be called from any thread (HTTP threads): they take
 * the manager's lock briefly, hold a reference on an analysis while they
 * use it, and never wait for a worker except lta_analyses_stop_all().
 */
#ifndef LTA_ANALYZERD_ANALYSIS_H
#define LTA_ANALYZERD_ANALYSIS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "agent/timing.h"
#include "histogram/histogram.h"
#include "store/store.h"

struct lta_analyses;
struct lta_publisher;

struct lta_analyses_options {
	int retry_initial_ms; /* First reconnect delay (default 500). */
	int retry_max_ms;     /* Backoff ceiling (default 10000). */
	int commit_ms;	      /* Store commit interval (default 200). */
	uint32_t max_calls;   /* Calls kept per request (default 1000). */
	uint32_t max_kinds;   /* Kinds of request per process; 0: default. */
	bool no_kinds;	      /* One derived service per process. */
	struct lta_timing_options timing; /* Zeros: the agent's defaults. */
	/* The store's folder, which workers open too. */
	const char *data_dir;
	/* The program a worker runs (default: /proc/self/exe). */
	const char *worker_program;
	int max_analyses;      /* Running at once (default 16). */
	long worker_memory_mb; /* Address space per worker (default 4096). */
	/* Recorded traces: babeltrace2 graphs at once; 0: the CPUs. */
	int jobs;
	long worker_files; /* Open files per worker (default 1024). */
	/*
	 * A graph call that does not come back in this time (a silent relay
	 * daemon) is interrupted: live, the analysis turns disconnected and
	 * reconnects (default 10000).
	 */
	int stall_ms;
	int stop_ms; /* A stopped worker is killed past this (default 2000). */
	const char *log_level; /* Given to the workers. */
	bool syslog;
	/*
	 * With a publisher (--nats-url) and a lease time, a live analysis
	 * analyzes its session only while this daemon holds the session's
	 * lease (analysis-lease.c): otherwise it is "standby", and takes
	 * the session over when the lease expires. Borrowed.
	 */
	struct lta_publisher *publisher;
	int64_t lease_ms;
};

/* A part of the input that could not be read, or only in part. */
struct lta_analysis_warning {
	char path[512];
	char reason[512];
	bool events_lost; /* False: a damaged index, every event read. */
};

#define LTA_ANALYSIS_MAX_WARNINGS 16

/* What GET /api/v1/analyses/{id} shows. */
struct lta_analysis_view {
	struct lta_store_analysis stored; /* id, kind, source, status... */
	bool running;			  /* A worker works on it now. */
	int32_t worker_pid;		  /* Its pid; 0 when none. */
	/*
	 * Records handed out but not stored yet (a full disk: the analysis
	 * is "paused" until they are).
	 */
	int64_t pending;
	int64_t lag_ns;	       /* Wall clock - newest trace time; -1. */
	int64_t requests_open; /* In the segmenter now. */
	int64_t reconnects;    /* Live: graphs rebuilt after failures. */
	/*
	 * Live: stretches of the session the analysis never read (each
	 * reconnect attaches at the streams' current position); requests
	 * open across one are marked incomplete.
	 */
	int64_t data_gaps;
	/* Damaged input (from the worker's last snapshot); the first 16. */
	size_t warning_count;
	struct lta_analysis_warning warnings[LTA_ANALYSIS_MAX_WARNINGS];
};

/* What GET .../stats shows (besides the view). */
struct lta_analysis_stats {
	uint64_t requests;
	/* Complete: closed, shut down or answered keepalive (counted too). */
	uint64_t complete, keepalive, empty, aborted, open, replaced,
		incomplete;
	/*
	 * Ended by close() and by shutdown(): with keepalive, empty,
	 * aborted, open and replaced, every request by its end reason (they
	 * add up to requests). Known (ends_known) in snapshots of workers
	 * that publish them; not in older ones.
	 */
	uint64_t closed, shut_down;
	bool ends_known;
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
	/*
	 * The figures above (requests to last_end_ns, and latency) are the
	 * front tier's: the servers whose clients are not in the trace
	 * (doc/tiers.md). Per server process, the same figures (their
	 * events, errors and syscalls are not kept apart). Owned.
	 */
	size_t component_count;
	struct lta_analysis_component *components;
};

/* A server process's figures: requests to last_end_ns, and latency. */
struct lta_analysis_component {
	char name[32];
	bool front; /* Its clients are not in the trace. */
	struct lta_analysis_stats stats;
};

/* Frees what STATS owns (latencies, components). Accepts a zeroed one. */
static inline void lta_analysis_stats_fini(struct lta_analysis_stats *stats)
{
	size_t i;

	for (i = 0; i < stats->component_count; i++) {
		lta_histogram_destroy(stats->components[i].stats.latency);
	}
	free(stats->components);
	stats->components = NULL;
	stats->component_count = 0;
	lta_histogram_destroy(stats->latency);
	stats->latency = NULL;
}

/*
 * Creates the manager over STORE (borrowed; outlives the manager).
 * Returns NULL when out of memory.
 */
struct lta_analyses *lta_analyses_create(struct lta_store *store,
					 const struct lta_analyses_options *o);

/*
 * Starts analyzing a live URL (net://...) or a trace folder (PATH): the
 * analysis is stored and its worker started; the worker finds the traces
 * in the folder (its status says what it found). On success sets *ID and
 * returns 0. Errors (message in ERROR): -EINVAL (not a net:// URL),
 * -ENOENT/-ENOTDIR (no such folder), -ECONNREFUSED and the like (a relay
 * daemon at a numeric address that refuses), -EAGAIN (as many analyses
 * running as allowed), -ENOSPC (the store's disk is full: nothing could be
 * stored), -ENOMEM, or a store error.
 */
int lta_analyses_start(struct lta_analyses *m, const char *url,
		       const char *path, int64_t *id, char *error, size_t size);

/*
 * As lta_analyses_start(), with the windowed queries the analysis
 * evaluates from its first event: SPECS, COUNT normalized query specs
 * (queries.h), or the default ones when SPECS is NULL
 * (lta_analyses_start() gives those).
 */
int lta_analyses_start_queries(struct lta_analyses *m, const char *url,
			       const char *path, const char *const *specs,
			       size_t count, int64_t *id, char *error,
			       size_t size);

/*
 * Stops analysis ID: its worker gets SIGTERM, flushes what it has to the
 * store and ends with status "stopped"; one that does not end within the
 * stop deadline is killed (still "stopped"). Returns at once: 0, -ENOENT
 * (unknown id), or -EALREADY (not running).
 */
int lta_analyses_stop(struct lta_analyses *m, int64_t id);

/*
 * Deletes analysis ID, which no longer runs, and all it stored. Returns
 * 0, -ENOENT (unknown id), -EBUSY (it runs: stop it first) or a store
 * error.
 */
int lta_analyses_delete(struct lta_analyses *m, int64_t id);

/*
 * Whether a worker works on analysis ID now: 1 yes, 0 no (stored, or
 * unknown). Cheap (no store read): for callers that ask often.
 */
int lta_analyses_is_running(struct lta_analyses *m, int64_t id);

/* Fills VIEW for ID (running or stored). Returns 0 or -ENOENT. */
int lta_analyses_get(struct lta_analyses *m, int64_t id,
		     struct lta_analysis_view *view);

/* Calls FN for every analysis (stored ones too), by id. */
int lta_analyses_list(struct lta_analyses *m,
		      int (*fn)(const struct lta_analysis_view *view,
				void *user_data),
		      void *user_data);

/*
 * Fills STATS for ID from its last committed snapshot (rebuilt from the
 * stored requests for an analysis of an older version: then without
 * components). The caller frees it with lta_analysis_stats_fini().
 * Returns 0, -ENOENT or -ENOMEM.
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
 * committed snapshot), by kind, entity and name. Returns 0, -ENOENT
 * (unknown id), -ENODATA (no snapshot: an analysis of an older version),
 * or what FN returned.
 */
int lta_analyses_timeouts(struct lta_analyses *m, int64_t id,
			  int (*fn)(const struct lta_analysis_timeout *t,
				    void *user_data),
			  void *user_data);

/* Number of analyses running now. */
int lta_analyses_running(struct lta_analyses *m);

/*
 * Stops every analysis and waits for their workers (each flushes to the
 * store), killing those still there after the stop deadline: returns
 * within the deadline plus a second. For SIGTERM/SIGINT. The manager
 * stays usable for reads.
 */
void lta_analyses_stop_all(struct lta_analyses *m);

/* Stops all, then frees. Accepts NULL. */
void lta_analyses_destroy(struct lta_analyses *m);

#endif /* LTA_ANALYZERD_ANALYSIS_H */
