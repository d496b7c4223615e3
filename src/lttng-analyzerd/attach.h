/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Attach: sessions given to a daemon by a name pattern. With
 * --attach=net://RELAY[:PORT]/host/HOST/SESSION, where HOST and SESSION
 * are shell globs (fnmatch(3): *, ?, [...]), a thread lists the live
 * sessions of that relay daemon every interval (babeltrace2's lttng-live
 * "sessions" query, lib/decode/live-sessions.h) and starts an analysis
 * (analysis.h) of each listed session that matches and that this daemon
 * is not analyzing yet, named by the live URL of its host and session.
 *
 * Place in the data flow: traced hosts (VMs running a control-only
 * daemon, or any lttng-sessiond) stream their sessions to a relay
 * daemon; central daemons, each given a share of those sessions by
 * pattern, read them from its live port. doc/fleet-vms.md.
 *
 * Every decision to analyze a discovered session goes through
 * lta_attach_claim(). In a fleet (--nats-url), two daemons never analyze
 * the same session because the analysis started here takes the session's
 * lease like any live analysis (analysis-lease.c): the daemons' patterns
 * may overlap, the other daemon's analysis waits standby.
 *
 * One analysis per appearance of a session: an entry is kept while the
 * relay daemon lists the session, whatever becomes of its analysis (it
 * ends, fails, or is stopped by DELETE), and while its analysis runs; a
 * session that left the list, and whose analysis ended, is attached
 * again when it comes back. An analysis that could not start (a
 * relay daemon that refuses, as many analyses running as allowed) is
 * tried again at the next listing. A relay daemon that does not accept a
 * connection within a second is not listed (lttng-live would wait for
 * minutes).
 */
#ifndef LTA_ANALYZERD_ATTACH_H
#define LTA_ANALYZERD_ATTACH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lta_attach;
struct lta_analyses;

#define LTA_ATTACH_DEFAULT_INTERVAL_MS 2000

/*
 * Checks PATTERN (net://RELAY[:PORT]/host/HOST/SESSION, the globs
 * non-empty and without '/'). Returns 0, or -EINVAL with a message in
 * ERROR. Any thread.
 */
int lta_attach_check(const char *pattern, char *error, size_t size);

/*
 * Starts the attach thread over PATTERNS (COUNT patterns, each checked by
 * lta_attach_check(); copied), listing every INTERVAL_MS (<= 0: the
 * default), starting analyses through ANALYSES (borrowed; outlives the
 * handle). Returns the handle, or NULL with a message in ERROR. Main
 * thread.
 */
struct lta_attach *lta_attach_start(const char *const *patterns, size_t count,
				    int interval_ms,
				    struct lta_analyses *analyses, char *error,
				    size_t size);

/* What GET /api/v1/health shows of each pattern. */
struct lta_attach_pattern_view {
	char pattern[512];
	uint64_t listings;    /* Successful listings of its relay daemon. */
	uint64_t matched;     /* Sessions it matched at the last one. */
	uint64_t attached;    /* Analyses it started, since the start. */
	char last_error[256]; /* The last listing's error, or "". */
};

/*
 * Fills VIEWS with the patterns, in the order given, MAX at most, and
 * returns how many it filled. Accepts NULL (returns 0). Any thread.
 */
size_t lta_attach_view(struct lta_attach *attach,
		       struct lta_attach_pattern_view *views, size_t max);

/*
 * Stops the thread (a listing under way is interrupted) and frees.
 * Analyses it started go on. Accepts NULL. Main thread.
 */
void lta_attach_stop(struct lta_attach *attach);

/*
 * Whether this daemon may analyze session SESSION of host HOST, found on
 * a relay daemon by a pattern. Called once before each analysis the
 * attach thread starts, and again at each listing for a matching session
 * it was refused. Every session is claimed (true): without a fleet the
 * patterns share the sessions out among daemons; in a fleet the lease
 * taken by the analysis decides which daemon reads it. Attach thread.
 */
bool lta_attach_claim(const char *host, const char *session);

#endif /* LTA_ANALYZERD_ATTACH_H */
