/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What analysis.c and analysis-lease.c share: the manager and the
 * daemon's side of an analysis. Not included elsewhere.
 */
#ifndef LTA_ANALYZERD_ANALYSIS_INTERNAL_H
#define LTA_ANALYZERD_ANALYSIS_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "analysis.h"
#include "common/htable.h"

#define MS (1000LL * 1000)

/*
 * The daemon's side of an analysis whose worker runs: a few hundred bytes.
 * Reference-counted: the manager's table holds one reference while the
 * worker runs, and each caller of find() one while it reads; the last
 * put() frees it. Fields below the lock are the manager's lock's.
 */
struct analysis {
	int refs;
	int64_t id;
	bool live;
	pid_t pid;
	int pipe_fd;	 /* Read end; the worker holds the write end. */
	char line[1024]; /* A line of the pipe being read. */
	size_t line_len;

	bool stop_requested;
	int64_t stop_deadline; /* Monotonic ns; 0. */
	/* What the worker said last (a status the store may not hold). */
	bool reported;
	char status[LTA_STORE_STATUS_MAX];
	char reason[LTA_STORE_REASON_MAX];
	int64_t pending;

	/*
	 * A live session's lease (analysis-lease.c): its key, whether this
	 * daemon holds it, when it was last renewed (monotonic ns), its
	 * revision. standby: another daemon holds it, no worker runs (pid
	 * 0, pipe_fd -1). lease_lost: the lease went to another daemon while
	 * the worker ran: once reaped, the analysis is standby again.
	 */
	char lease_key[256];
	bool leased, standby, lease_lost;
	int64_t lease_renewed_ns;
	uint64_t lease_revision;
	char lease_holder[128]; /* Who holds it, when standby. */
};

struct lta_analyses {
	struct lta_store *store; /* Borrowed. */
	struct lta_analyses_options options;
	char *data_dir, *program, *log_level; /* Owned copies. */

	pthread_mutex_t lock;
	struct lta_htable by_id; /* id -> analysis (a reference). */
	pthread_cond_t changed;	 /* A worker was reaped. */

	pthread_t supervisor;
	bool supervising;
	bool quit;
	int wake[2]; /* The supervisor polls wake[0]. */

	pthread_t leaser; /* Takes and renews leases (analysis-lease.c). */
	bool leasing;
};

/* Wakes the supervisor thread (a new worker, a stop). */
void lta_analyses_wake(struct lta_analyses *m);

/* Starts the worker of analysis ID (analysis.c). Returns 0 or -errno. */
int lta_analyses_spawn_worker(struct lta_analyses *m, int64_t id, pid_t *pid,
			      int *pipe_fd);

/*
 * Before the worker of a live analysis A of URL starts: takes its lease.
 * Returns 0 (taken, or no leases: start the worker), 1 (another daemon
 * holds it, or NATS is away: A is standby, no worker) or -EINVAL (not a
 * live URL). Fills A's lease fields.
 */
int lta_analyses_lease_begin(struct lta_analyses *m, struct analysis *a,
			     const char *url);

/*
 * A's worker was reaped. Returns true when A goes back to standby (its
 * lease went to another daemon): it stays in the table, without worker.
 * Otherwise releases its lease. Supervisor thread.
 */
bool lta_analyses_lease_end(struct lta_analyses *m, struct analysis *a);

/* Starts and stops the thread that takes and renews leases. */
int lta_analyses_lease_start(struct lta_analyses *m);
void lta_analyses_lease_stop(struct lta_analyses *m);

#endif /* LTA_ANALYZERD_ANALYSIS_INTERNAL_H */
