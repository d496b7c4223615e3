/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The agent module: timing failures from start/end pairs (on-agent).
 *
 * Programs (or the segmenter, for uninstrumented servers) report the start
 * and the end of each service (SST/SEN: a unit of work) and each
 * interaction (IST/IEN: a call to another component). Each pair shares a
 * key: (trace, pid, kind, entity, name, key). For every (kind, entity,
 * name) the agent keeps an estimate of the duration and of its deviation,
 * and from them a timeout. When an end does not arrive within the timeout,
 * it raises an error:
 *   InE    an interaction started and did not end in time;
 *   CoE    a service started and did not end in time, and no InE was raised
 *          inside it (a hung interaction explains the hung service: the
 *          InE is the error, not the CoE);
 *   crash  the process exited with services or interactions open.
 * An end that comes after its error is recorded against it (a late end):
 * false alarms can be counted.
 *
 * The agent runs on trace time only: lta_agent_advance() with the newest
 * trace time (events, and live inactivity beacons while the program is
 * silent) fires the deadlines passed. So a replayed trace raises the same
 * errors, at the same trace times, as the live run did.
 *
 * The estimator (lib/agent/agent.c says why): Jacobson/Karels, as TCP's
 * retransmission timer, and a decaying maximum for the heavy tail of
 * request durations, on each complete duration d:
 *     mean += (d - mean) / 8;  dev += (|d - mean| - dev) / 4
 *     peak = max(d, peak * tail_decay)                   (0.999)
 *     timeout = clamp(max(mean + k * dev, tail_margin * peak),
 *                     floor, ceiling)                (k = 4, margin 1.5)
 * For the first `warmup` samples of a (kind, entity, name), the timeout is
 * at least min(10 x the timeout of the whole entity, ceiling / 2) (the
 * whole entity: one internal estimate per kind and entity, fed by the
 * ends of all its names) once that has `warmup` samples, else at least
 * ceiling / 2: a few fast samples cannot arm a trigger that normal
 * variation would pull, and a new kind of request of a known server is
 * not timed at half the ceiling. A late end (after its error) is a sample
 * when it comes within twice the timeout applied, or in the warm-up.
 *
 * Memory is bounded: at most max_open starts are open; beyond, the oldest
 * is expired at once into an error (its deadline brought forward), and
 * errors wait for a late end at most late_window_ns, in a bounded list.
 * Not thread-safe: one agent per analysis thread.
 */
#ifndef LTA_AGENT_AGENT_H
#define LTA_AGENT_AGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum lta_agent_kind {
	LTA_AGENT_SERVICE = 0,
	LTA_AGENT_INTERACTION,
};

enum lta_agent_error_type {
	LTA_AGENT_INE = 0, /* Interaction error. */
	LTA_AGENT_COE,	   /* Computation error. */
	LTA_AGENT_CRASH,
};

struct lta_agent_error;

struct lta_agent_options {
	double k;		/* Deviations in the timeout; 4. */
	int64_t floor_ns;	/* Smallest timeout; 50 ms. */
	int64_t ceiling_ns;	/* Largest timeout; 30 s. */
	uint32_t warmup;	/* Samples before the estimate rules; 10. */
	double tail_margin;	/* Times the decaying maximum; 1.5. */
	double tail_decay;	/* Its factor per sample, in (0, 1]; 0.999. */
	uint32_t max_open;	/* Open starts kept; 100,000. */
	uint32_t max_errors;	/* Errors waiting for a late end; 10,000. */
	int64_t late_window_ns; /* How long they wait; 10 x ceiling. */
	/*
	 * Optional, live only: asked before a deadline fires whether the
	 * process is known to be gone (no kernel tracer to say so): 1 gone
	 * (the error is a crash, not a hang), 0 alive, -1 gone but trace time
	 * has not reached its death yet (asked again 10 ms of trace time
	 * later). NULL: never asked.
	 */
	int (*process_gone)(uint32_t trace, int32_t pid, void *data);
	void *process_gone_data;
	/*
	 * Optional: asked when an InE is raised, before it is handed out
	 * and kept: what the interaction was waiting for in another traced
	 * component (the timing glue answers with the downstream request of
	 * a derived one: timing.h). Stored in the error's downstream. NULL:
	 * never asked (downstream is -1).
	 */
	int64_t (*downstream)(const struct lta_agent_error *error, void *data);
	void *downstream_data;
};

struct lta_agent_error {
	uint64_t id; /* 1, 2, ... in the order raised. */
	enum lta_agent_error_type type;
	enum lta_agent_kind kind; /* Of the start that failed. */
	uint32_t trace;
	int32_t pid, tid;
	const char *entity, *name; /* Interned by the agent. */
	uint64_t key;
	int64_t start_ts;    /* The start that got no end in time. */
	int64_t raised_ts;   /* Trace time when raised. */
	int64_t timeout_ns;  /* The timeout applied (crash: -1). */
	bool expired;	     /* Forced out by max_open, not by time. */
	uint32_t open_count; /* Crash: starts open at the exit. */
	int64_t late_end_ts; /* A late end, or -1. */
	/*
	 * InE: what the downstream option said when it was raised (for a
	 * derived interaction with another traced server: the id of that
	 * server's request still running for it, 0 when none was); -1 when
	 * it does not apply.
	 */
	int64_t downstream;
};

/* An estimate, for GET .../timeouts. */
struct lta_agent_estimate {
	enum lta_agent_kind kind;
	const char *entity, *name; /* Interned by the agent. */
	uint64_t samples;
	int64_t mean_ns, dev_ns, timeout_ns;
	uint64_t open;	 /* Starts open now. */
	uint64_t errors; /* Raised so far. */
	uint64_t late_ends;
};

struct lta_agent_counters {
	uint64_t starts, ends, unmatched_ends, errors, late_ends;
	uint64_t open, expired, dropped_errors;
	uint64_t moves; /* Starts (or errors) moved by lta_agent_move(). */
};

/*
 * Called with each error when raised, and again (LATE set) when a late end
 * arrives for it. ERROR is borrowed for the call. Return 0 to go on.
 */
typedef int (*lta_agent_error_func)(const struct lta_agent_error *error,
				    bool late, void *user_data);

struct lta_agent;

/* OPTIONS may be NULL (defaults). Returns NULL when out of memory. */
struct lta_agent *lta_agent_create(const struct lta_agent_options *options,
				   lta_agent_error_func on_error,
				   void *user_data);

/*
 * A start at TS. ENTITY and NAME are copied (interned). A start with the
 * same key as an open one replaces it (its end was lost). Returns 0 or
 * -ENOMEM.
 */
int lta_agent_start(struct lta_agent *agent, enum lta_agent_kind kind,
		    uint32_t trace, int32_t pid, int32_t tid,
		    const char *entity, const char *name, uint64_t key,
		    int64_t ts);

/*
 * An end at TS: the duration feeds the estimate; an end after its error is
 * a late end. Returns 0, -ENOENT when no start matches (counted), or what
 * the callback returned.
 */
int lta_agent_end(struct lta_agent *agent, enum lta_agent_kind kind,
		  uint32_t trace, int32_t pid, const char *entity,
		  const char *name, uint64_t key, int64_t ts);

/*
 * Re-keys a start: the open start (KIND, TRACE, PID, ENTITY, NAME, KEY)
 * becomes one of (NEW_ENTITY, NEW_NAME), with the same key, start time,
 * thread and interactions inside it. Its timeout is that of the new
 * estimate, its deadline its start time plus that timeout: a deadline
 * already past fires at the next lta_agent_advance() (not here), and a
 * service that was waiting past its old deadline for its interactions
 * waits no more if the new deadline is still ahead. Its end then feeds
 * the new estimate. For a service whose kind is known only once it runs
 * (segment.h: derived services). A start of the new names with the same
 * key is replaced (as by lta_agent_start()). When the start already
 * failed, its error keeps the names it was raised with, and a late end
 * under the new names is recorded against it. Returns 0, -ENOENT when no
 * such start is open nor failed waiting for its end, or -ENOMEM.
 */
int lta_agent_move(struct lta_agent *agent, enum lta_agent_kind kind,
		   uint32_t trace, int32_t pid, const char *entity,
		   const char *name, uint64_t key, const char *new_entity,
		   const char *new_name);

/* Fires every deadline at or before NOW (trace time). */
int lta_agent_advance(struct lta_agent *agent, int64_t now);

/* The process exited at TS: one crash error if starts were open. */
int lta_agent_process_exit(struct lta_agent *agent, uint32_t trace, int32_t pid,
			   int64_t ts);

/*
 * From now on, interactions that thread TID starts are inside the open
 * service (TRACE, PID, ENTITY, NAME, KEY): for services handed from one
 * thread to another (a listener accepts, a worker serves). Without it, an
 * interaction's service is the last one its own thread started. No effect
 * when no such service is open.
 */
void lta_agent_thread_serves(struct lta_agent *agent, uint32_t trace,
			     int32_t pid, int32_t tid, const char *entity,
			     const char *name, uint64_t key);

/*
 * Calls FN once for each process with starts open now (to check whether
 * it is still alive). Returns 0, -ENOMEM, or what FN returned.
 */
int lta_agent_open_processes(const struct lta_agent *agent,
			     int (*fn)(uint32_t trace, int32_t pid,
				       void *user_data),
			     void *user_data);

/*
 * Calls FN for each (kind, entity, name) estimate. Returns 0 or what FN
 * returned.
 */
int lta_agent_estimates(const struct lta_agent *agent,
			int (*fn)(const struct lta_agent_estimate *e,
				  void *user_data),
			void *user_data);

const struct lta_agent_counters *
lta_agent_counters(const struct lta_agent *agent);

/* Returns "InE", "CoE", "crash". */
const char *lta_agent_error_name(enum lta_agent_error_type type);

/* Accepts NULL. */
void lta_agent_destroy(struct lta_agent *agent);

#endif /* LTA_AGENT_AGENT_H */
