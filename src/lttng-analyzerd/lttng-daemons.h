/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The LTTng daemons lttng-analyzerd runs for itself: by default its own
 * lttng-relayd on loopback ports it picks (its traces under the data
 * folder), or a relay daemon given by URL, or none; and, when asked and
 * none is running, an lttng-sessiond. Each runs as a child in the
 * foreground, with its pid kept; lta_lttng_daemons_stop() ends exactly
 * those (SIGTERM, a bounded wait, then SIGKILL), and they also receive
 * SIGTERM if the daemon dies (PR_SET_PDEATHSIG).
 *
 * Place in the data flow: the session daemon sends live sessions created
 * through control.h to this relay daemon, and analyses read them back
 * from its live port. GET /api/v1/health shows the view.
 */
#ifndef LTA_ANALYZERD_LTTNG_DAEMONS_H
#define LTA_ANALYZERD_LTTNG_DAEMONS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct lta_lttng_daemons;

enum lta_relayd_mode {
	LTA_RELAYD_MANAGED,  /* Started and stopped by us. */
	LTA_RELAYD_EXTERNAL, /* Given by --relayd-url. */
	LTA_RELAYD_NONE,     /* --no-relayd: every session names one. */
};

struct lta_lttng_daemons_config {
	enum lta_relayd_mode relayd_mode;
	/* EXTERNAL: host and ports (0: LTTng's defaults). */
	char relayd_host[128];
	uint16_t relayd_ctrl_port, relayd_data_port, relayd_live_port;
	/* MANAGED: where its traces and log go. */
	char output_dir[1024];
	/* Start an lttng-sessiond when none answers. */
	bool start_sessiond;
};

/* What the health route and the sessions routes read. */
struct lta_lttng_daemons_view {
	enum lta_relayd_mode relayd_mode;
	pid_t relayd_pid;	  /* MANAGED; 0 otherwise. */
	bool relayd_running;	  /* MANAGED: the child is alive. */
	uint32_t relayd_restarts; /* MANAGED: restarts after it died. */
	char relayd_host[128];	  /* "" when NONE. */
	uint16_t relayd_ctrl_port, relayd_data_port, relayd_live_port;
	bool sessiond_managed; /* We started it. */
	pid_t sessiond_pid;    /* When managed. */
	bool sessiond_running; /* When managed: the child is alive. */
	char hostname[256];    /* This host, as the relay daemon names it. */
};

/*
 * Starts what CONFIG asks for and waits (bounded) until each answers.
 * Returns the handle, or NULL with a message in ERROR (after stopping
 * anything it started). Main thread, before other threads that could
 * fork exist.
 */
struct lta_lttng_daemons *
lta_lttng_daemons_start(const struct lta_lttng_daemons_config *config,
			char *error, size_t size);

/* Fills VIEW. Any thread. */
void lta_lttng_daemons_view(struct lta_lttng_daemons *daemons,
			    struct lta_lttng_daemons_view *view);

/*
 * Restarts the managed relay daemon if it died, on the same ports.
 * Returns true when it did (the sessions that streamed to it lost their
 * relay: see lta_control_recreate_kept()). Main thread, periodically.
 */
bool lta_lttng_daemons_watch(struct lta_lttng_daemons *daemons);

/*
 * Stops the daemons we started (the session daemon first: it flushes to
 * the relay daemon), waits for them and frees. Accepts NULL. Main thread.
 */
void lta_lttng_daemons_stop(struct lta_lttng_daemons *daemons);

/* "managed", "external" or "none". */
const char *lta_relayd_mode_name(enum lta_relayd_mode mode);

/*
 * Parses net://HOST[:CTRL[:DATA]] (also tcp://) into HOST (a name of
 * letters, digits, '.', '-' and '_', an IPv4 address, or an IPv6 one in
 * brackets, kept) and the ports (1 to 65535; 0 when absent). Returns 0
 * or -EINVAL. Any thread.
 */
int lta_lttng_parse_relayd_url(const char *url, char *host, size_t host_size,
			       uint16_t *ctrl, uint16_t *data);

#endif /* LTA_ANALYZERD_LTTNG_DAEMONS_H */
