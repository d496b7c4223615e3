/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Control: the daemon's hand on LTTng. The only module that includes
 * liblttng-ctl; it creates, starts, stops, destroys and lists the live
 * sessions of the local session daemon, and tells whether that daemon and
 * the kernel tracer are there.
 *
 * Place in the data flow: REST client -> http (http-sessions.c) -> control
 * -> lttng-sessiond, which sends the trace to a relay daemon; an analysis
 * (analysis.h) then reads it back live from that relay daemon.
 *
 * liblttng-ctl is not thread-safe: every call into it is made with one
 * process-wide mutex held, so any thread (the HTTP threads) may call these
 * functions. The library writes to the session daemon's socket: the process
 * must ignore SIGPIPE (lta_daemon_main() does).
 *
 * Errors are negative errno values, with liblttng-ctl's own message (and
 * its LTTNG_ERR_* code) kept in a struct lta_control_error:
 *   -EEXIST        a session of that name exists
 *   -ENOENT        no such session
 *   -ECONNREFUSED  no session daemon
 *   -EPERM         the session daemon refused (another user's session)
 *   -ENOTSUP       the kernel tracer is unavailable
 *   -EINVAL        the name, or a parameter (a context or event the domain
 *                  does not take), was refused; FIELD says which
 *   -EALREADY      already started (start) or stopped (stop)
 *   -EIO           anything else the session daemon answered
 *   -ENOMEM        out of memory
 */
#ifndef LTA_ANALYZERD_CONTROL_H
#define LTA_ANALYZERD_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Limits of a session request. */
#define LTA_CONTROL_NAME_MAX 128 /* Bytes, NUL included. */
#define LTA_CONTROL_URL_MAX 256
#define LTA_CONTROL_MAX_EVENTS 32
#define LTA_CONTROL_MAX_CONTEXTS 16
#define LTA_CONTROL_EVENT_MAX 128
#define LTA_CONTROL_SUBBUF_MAX (128ULL * 1024 * 1024)
#define LTA_CONTROL_NUM_SUBBUF_MAX 8

struct lta_control_error {
	int lttng_code;	   /* LTTNG_ERR_* (positive); 0: not liblttng-ctl's. */
	char field[32];	   /* The request field at fault, or "". */
	char message[512]; /* liblttng-ctl's message, or ours. */
};

/*
 * One tracing domain of a session. Kernel event names: tracepoints (globs
 * allowed: "lttng_statedump_*"), "syscall:*" for every system call, or
 * "syscall:NAME" for one. User-space event names: tracepoints, globs
 * allowed. Contexts by lttng's names: "procname", "pid", "tid", "vpid",
 * "vtid", "ppid", "vppid", "prio", "nice", "hostname", "pthread_id", "ip".
 */
struct lta_control_domain {
	bool enabled;
	size_t event_count;
	char events[LTA_CONTROL_MAX_EVENTS][LTA_CONTROL_EVENT_MAX];
	size_t context_count;
	char contexts[LTA_CONTROL_MAX_CONTEXTS][32];
	uint64_t subbuf_size; /* Bytes, a power of two. */
	uint64_t num_subbuf;  /* A power of two. */
};

struct lta_control_session_config {
	char name[LTA_CONTROL_NAME_MAX];
	uint64_t live_timer_us;
	/* Where the trace goes: tcp://HOST:PORT each. */
	char control_url[LTA_CONTROL_URL_MAX];
	char data_url[LTA_CONTROL_URL_MAX];
	struct lta_control_domain kernel, ust;
};

/* A session as the session daemon lists it. */
struct lta_control_session {
	char name[LTA_CONTROL_NAME_MAX];
	bool active;		/* Tracing started. */
	uint64_t live_timer_us; /* 0: not a live session. */
	char url[4096];		/* Its output, as liblttng-ctl shows it. */
	int64_t created_s;	/* Unix time; -1: unknown. */
};

/* What GET /api/v1/health shows about LTTng. */
struct lta_control_health {
	bool sessiond_alive;
	/* Kernel tracer: true/false; unknown when no session daemon. */
	bool kernel_known, kernel_available;
	char kernel_message[256]; /* liblttng-ctl's answer when unavailable. */
};

/* Default names of the seed experiment. */
extern const char *const lta_control_kernel_default_events[];
extern const char *const lta_control_kernel_default_contexts[];
extern const char *const lta_control_ust_default_events[];
extern const char *const lta_control_ust_default_contexts[];
#define LTA_CONTROL_DEFAULT_SUBBUF_SIZE (1024 * 1024)
#define LTA_CONTROL_DEFAULT_NUM_SUBBUF 4

/*
 * Fills DOMAIN with the seed experiment's defaults of the kernel (KERNEL
 * true) or user-space domain and marks it enabled. Any thread.
 */
void lta_control_domain_defaults(struct lta_control_domain *domain,
				 bool kernel);

/*
 * Checks a session name the way the session daemon will, so that a bad one
 * is refused before anything is created. Returns 0 or -EINVAL with a
 * message in ERROR. Any thread.
 */
int lta_control_check_name(const char *name, struct lta_control_error *error);

/*
 * Creates the live session CONFIG describes, with a channel "chan" per
 * enabled domain, its events and contexts (user space: per-UID buffers).
 * Nothing is left behind on failure: a session created before a later
 * step failed is destroyed before returning. Returns 0 or a negative
 * errno (see above) with ERROR filled. Any thread.
 */
int lta_control_create(const struct lta_control_session_config *config,
		       struct lta_control_error *error);

/* Starts tracing. Returns 0 or a negative errno (see above). Any thread. */
int lta_control_start(const char *name, struct lta_control_error *error);

/*
 * Stops tracing and waits until the data is flushed. Returns 0 or a
 * negative errno. Any thread.
 */
int lta_control_stop(const char *name, struct lta_control_error *error);

/*
 * Destroys session NAME and waits (at most TIMEOUT_MS; <= 0: without
 * limit) until the session daemon has completed it. Returns 0 or a
 * negative errno (-ETIMEDOUT when the wait ran out). Any thread.
 */
int lta_control_destroy(const char *name, int timeout_ms,
			struct lta_control_error *error);

/*
 * Creates again, with the same configuration, every session created
 * through lta_control_create() and not destroyed since, and starts those
 * that were started: for a relay daemon that died and was restarted,
 * which no longer has their streams. The analyses reading them re-attach
 * by name (a gap, counted). Returns how many could not be yet (the
 * caller tries again: the session daemon may not have noticed the
 * restart). Any thread (main, after lta_lttng_daemons_watch()).
 */
int lta_control_recreate_kept(void);

/*
 * Lists the sessions this process may see. On success returns the count
 * and sets *SESSIONS to an array the caller frees with free(); on failure
 * a negative errno. Any thread.
 */
int lta_control_list(struct lta_control_session **sessions,
		     struct lta_control_error *error);

/* Fills SESSION for NAME. Returns 0, -ENOENT, or another error. */
int lta_control_get(const char *name, struct lta_control_session *session,
		    struct lta_control_error *error);

/* Whether a session daemon answers. Any thread. */
bool lta_control_sessiond_alive(void);

/*
 * Asks whether a session daemon answers and whether it has the kernel
 * tracer (an honest listing of the kernel tracepoints). Any thread.
 */
void lta_control_health(struct lta_control_health *health);

#endif /* LTA_ANALYZERD_CONTROL_H */
