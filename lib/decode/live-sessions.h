/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Live sessions of a relay daemon: what source.ctf.lttng-live's "sessions"
 * query answers for net://RELAY[:PORT] (the traced host and session name
 * of each live session, its stream and viewer counts). The daemon's attach
 * module (src/lttng-analyzerd/attach.h) lists them periodically to start
 * an analysis for each session that matches a pattern. Part of the decode
 * module because babeltrace2 is included here only; listing reads no
 * trace: nothing is decoded.
 *
 * A lister keeps the ctf plugin loaded between listings and an
 * interrupter that stops a listing under way (the daemon's stop).
 */
#ifndef LTA_DECODE_LIVE_SESSIONS_H
#define LTA_DECODE_LIVE_SESSIONS_H

#include <stddef.h>
#include <stdint.h>

#include "live-url.h"

struct lta_live_lister;

/* One live session, as the relay daemon lists it. */
struct lta_live_session {
	char host[256];	   /* The traced host's name ("target-hostname"). */
	char session[256]; /* The session's name. */
	uint64_t timer_us; /* Its live timer. */
	uint64_t stream_count, client_count; /* Streams; attached viewers. */
};

/*
 * Creates a lister (finds babeltrace2's ctf plugin). Returns NULL with a
 * message in ERROR when the plugin or memory is missing. Any thread.
 */
struct lta_live_lister *lta_live_lister_create(char *error, size_t size);

/*
 * Lists the live sessions of the relay daemon RELAY (a host name, IPv4 or
 * IPv6 address, as in struct lta_live_url) on live port PORT. On success
 * returns the count and sets *SESSIONS to an array the caller frees with
 * free() (NULL when the count is 0); else a negative errno (-ECANCELED
 * when interrupted, -EIO when the relay daemon cannot be reached or
 * answers wrongly, -ENOMEM) with a message in ERROR. One thread at a time
 * per lister.
 */
int lta_live_lister_list(struct lta_live_lister *lister, const char *relay,
			 uint16_t port, struct lta_live_session **sessions,
			 char *error, size_t size);

/*
 * Interrupts the listing under way, if any, and every later one until
 * the lister is destroyed. Any thread.
 */
void lta_live_lister_interrupt(struct lta_live_lister *lister);

/* Frees the lister. Accepts NULL. Not while a listing runs. */
void lta_live_lister_destroy(struct lta_live_lister *lister);

#endif /* LTA_DECODE_LIVE_SESSIONS_H */
