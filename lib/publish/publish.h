/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The fleet's link to NATS JetStream: the only module that includes the
 * NATS C client (libnats). Three things go through it:
 *
 * - publishing: batches of messages, each with a stable id (JetStream's
 *   Nats-Msg-Id, so that a batch sent again after a reconnect is
 *   deduplicated by the stream), acknowledged or not as a whole; the
 *   daemon's publisher (src/lttng-analyzerd/publisher.c) reads them from
 *   the store, its outbox;
 * - the lease of a live session: a key of a JetStream key-value bucket
 *   whose entries expire after the lease time, taken and renewed by the
 *   daemon that analyzes the session, so that two daemons never analyze
 *   the same one, and taken over when its holder stops renewing it;
 * - reading a stream back whole, for the fleet view
 *   (`lttng-analyzer fleet`).
 *
 * A connection reconnects by itself, forever; nothing here waits longer
 * than the timeouts given. The subject scheme, message schema and stream
 * configuration are in doc/fleet.md.
 *
 * Thread safety: a struct lta_nats may be used by several threads
 * (libnats' connection is thread-safe), but publishing batches is for one
 * thread at a time.
 */
#ifndef LTA_PUBLISH_PUBLISH_H
#define LTA_PUBLISH_PUBLISH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The stream every daemon publishes to, and its subjects. */
#define LTA_PUBLISH_STREAM "LTA"
#define LTA_PUBLISH_SUBJECTS "lta.>"
/* Duplicates are recognised within this window (stream config). */
#define LTA_PUBLISH_DUPLICATE_WINDOW_MS (10 * 60 * 1000)
/* The key-value bucket of the leases. */
#define LTA_LEASE_BUCKET "lta-leases"

struct lta_nats;

/*
 * Connects to URL (nats://HOST:PORT, several separated by commas), naming
 * the connection NAME. A server that does not answer yet is not an
 * error: the connection is made in the background and kept up. Returns
 * the connection, or NULL with a message in ERROR.
 */
struct lta_nats *lta_nats_create(const char *url, const char *name, char *error,
				 size_t size);

/* Closes and frees N. Accepts NULL. */
void lta_nats_destroy(struct lta_nats *n);

/* Whether N is connected now. */
bool lta_nats_connected(struct lta_nats *n);

/*
 * Makes sure the stream LTA_PUBLISH_STREAM (file storage, subjects
 * LTA_PUBLISH_SUBJECTS, duplicate window LTA_PUBLISH_DUPLICATE_WINDOW_MS)
 * and, when LEASE_MS > 0, the lease bucket (entries living LEASE_MS)
 * exist, creating them when not. Returns 0, -EAGAIN (not connected, or no
 * answer), or -EIO with a message in ERROR.
 */
int lta_nats_prepare(struct lta_nats *n, int64_t lease_ms, char *error,
		     size_t size);

/* A message to publish. */
struct lta_nats_message {
	const char *subject;
	const char *id; /* Nats-Msg-Id. */
	const char *data;
	size_t len;
};

/*
 * Publishes COUNT messages asynchronously and waits at most TIMEOUT_MS for
 * their acknowledgements. Returns 0 when the stream acknowledged every one
 * (a duplicate's acknowledgement counts: the stream has it), else -EAGAIN
 * (not connected, a timeout, or refusals: *FAILED says how many were
 * refused or not acknowledged); the caller sends the same batch again
 * later, with the same ids. One thread at a time.
 */
int lta_nats_publish(struct lta_nats *n, const struct lta_nats_message *msgs,
		     size_t count, int timeout_ms, size_t *failed);

/* --- leases -------------------------------------------------------------- */

/*
 * The lease API that any analysis of a live session goes through before
 * its worker starts. KEY names the session (lta_fleet_lease_key()),
 * HOLDER the daemon (its fleet id). The lease lives the bucket's lease
 * time after each acquire or renew: its holder renews it well within.
 *
 * acquire: 0, taken (or already HOLDER's), *REVISION set (the key's
 * revision: a number that grows with every change of the key, so that
 * each run of an analysis of the session has one of its own); -EBUSY,
 * held by another daemon, whose id is copied into OTHER; -EAGAIN, NATS is
 * not reachable now; -EIO.
 *
 * renew: 0, renewed, *REVISION updated; -EBUSY, the lease is no longer
 * HOLDER's (it expired and another took it): the analysis must stop;
 * -EAGAIN, NATS not reachable (keep analyzing: nobody else can take it
 * meanwhile; renew again soon).
 *
 * release: deletes the key when it is still HOLDER's. 0 or an error.
 */
int lta_fleet_lease_acquire(struct lta_nats *n, const char *key,
			    const char *holder, uint64_t *revision, char *other,
			    size_t size);
int lta_fleet_lease_renew(struct lta_nats *n, const char *key,
			  const char *holder, uint64_t *revision);
int lta_fleet_lease_release(struct lta_nats *n, const char *key,
			    const char *holder);

/*
 * Writes into KEY (SIZE bytes) the lease key of a live URL
 * net://RELAY[:PORT]/host/HOST/SESSION: "RELAY_PORT.HOST.SESSION", each
 * part with every character that a key cannot hold replaced by '_'.
 * Returns 0, or -EINVAL when URL is not such a URL.
 */
int lta_fleet_lease_key(const char *url, char *key, size_t size);

/*
 * Writes into TOKEN (SIZE bytes) TEXT made a subject token: '.', '*', '>'
 * and white space replaced by '_'; "_" for an empty TEXT.
 */
void lta_publish_token(const char *text, char *token, size_t size);

/* --- reading back ---------------------------------------------------------
 */

/*
 * Calls FN for every message of STREAM whose subject matches FILTER (NULL:
 * all), from the first to the last stored when the call began, in stream
 * order: its subject, its Nats-Msg-Id (NULL when none), its data and the
 * stream sequence. Waits at most TIMEOUT_MS for each message. Returns 0,
 * -EAGAIN (not connected, or the messages stopped coming), -ENOENT (no
 * such stream), -EIO, or what FN returned (0 to go on).
 */
int lta_nats_read_stream(struct lta_nats *n, const char *stream,
			 const char *filter, int timeout_ms,
			 int (*fn)(const char *subject, const char *id,
				   const char *data, size_t len, uint64_t seq,
				   void *user_data),
			 void *user_data);

/* --- the fleet view (fleet-view.c) --------------------------------------- */

#include <stdio.h>

struct lta_fleet_view;
struct lta_strbuf;

/*
 * Reads the stream LTA_PUBLISH_STREAM through N, whole, into a fleet view
 * (doc/fleet.md): per host, session and component, requests, rate and
 * percentiles merged from the windows' histograms, timing errors. With
 * DUMP, also writes every message there as a JSON line (with its subject,
 * msg_id and stream_seq). Waits at most TIMEOUT_MS for each message.
 * Returns the view (the caller destroys it), or NULL with *ERROR: -EAGAIN
 * (not connected, or no answer), -ENOENT (no stream yet), -ENOMEM, -EIO.
 * Any thread (one view per thread).
 */
struct lta_fleet_view *lta_fleet_view_read(struct lta_nats *n, int timeout_ms,
					   FILE *dump, int *error);

/* Appends the view as JSON (ns) to OUT; prints it as text (ms) to OUT. */
void lta_fleet_view_json(struct lta_fleet_view *view, struct lta_strbuf *out);
void lta_fleet_view_text(struct lta_fleet_view *view, FILE *out);

/* Frees VIEW. Accepts NULL. */
void lta_fleet_view_destroy(struct lta_fleet_view *view);

#endif /* LTA_PUBLISH_PUBLISH_H */
