/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The daemon's publisher: what its analyses stored goes to NATS
 * JetStream (`--nats-url`), from the store, its outbox.
 *
 * One thread of the daemon process (never a worker: an analysis never
 * waits for NATS) reads each analysis's event log (requests, timing
 * errors, late ends, closed windows with their histograms, status
 * changes) after its cursor, publishes a batch with a stable message id
 * per event, and moves the cursor, kept in the store, once JetStream
 * acknowledged the whole batch. NATS away: the batch is sent again when it
 * comes back (the ids make the stream drop what it had already); the
 * daemon restarted: it goes on from the stored cursors. The lag (events
 * stored but not acknowledged yet) is in GET /api/v1/analyses/ID and
 * /metrics. The subjects and messages are in doc/fleet.md.
 *
 * The publisher also holds the NATS connection that the analyses'
 * leases use (analysis.c).
 *
 * Functions may be called from any thread.
 */
#ifndef LTA_ANALYZERD_PUBLISHER_H
#define LTA_ANALYZERD_PUBLISHER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

struct lta_publisher;
struct lta_nats;

struct lta_publisher_options {
	const char *url;      /* NATS server(s). */
	const char *name;     /* The daemon's name in messages. */
	const char *fleet_id; /* Unique and stable: message ids, leases. */
	bool records;	      /* Requests' full records too. */
	int64_t lease_ms;     /* The lease bucket's TTL; 0: no leases. */
};

/*
 * Creates the publisher over STORE (borrowed) and connects (in the
 * background: NATS need not be up). Returns NULL with a message in ERROR.
 */
struct lta_publisher *
lta_publisher_create(struct lta_store *store,
		     const struct lta_publisher_options *o, char *error,
		     size_t size);

/* Starts its thread. Returns 0 or -errno. */
int lta_publisher_start(struct lta_publisher *p);

/* Stops the thread (what is not acknowledged stays in the store). */
void lta_publisher_destroy(struct lta_publisher *p);

/* The connection the leases use (borrowed), and whether it is prepared. */
struct lta_nats *lta_publisher_nats(struct lta_publisher *p);
bool lta_publisher_ready(struct lta_publisher *p);
const char *lta_publisher_fleet_id(struct lta_publisher *p);

/* What an analysis's publishing shows (GET /api/v1/analyses/ID). */
struct lta_publisher_state {
	bool connected;
	char subject[192];  /* lta.HOST.SESSION (then .KIND). */
	int64_t cursor;	    /* Seq of the last acknowledged event. */
	int64_t newest;	    /* Seq of its newest stored event. */
	int64_t lag_events; /* Stored, not acknowledged yet. */
	int64_t published;  /* Acknowledged since the daemon started. */
};

/* Fills STATE for analysis ID. Returns 0, or an error of the store. */
int lta_publisher_state(struct lta_publisher *p, int64_t id,
			struct lta_publisher_state *state);

/* Daemon-wide figures, for /metrics. */
struct lta_publisher_totals {
	bool connected;
	int64_t published; /* Messages acknowledged since start. */
	int64_t batches_failed;
	/* Publish lag (write of an event to its acknowledgement), ms. */
	uint64_t lag_count;
	int64_t lag_p50_ms, lag_p99_ms, lag_max_ms;
	double lag_sum_ms;
};

void lta_publisher_totals(struct lta_publisher *p,
			  struct lta_publisher_totals *t);

/*
 * Writes into the SUBJECT prefix (SIZE bytes) of an analysis whose source
 * is SOURCE (net:// URL: lta.HOST.SESSION; a folder: lta.NAME.trace-ID,
 * NAME the daemon's).
 */
void lta_publisher_subject(const char *source, const char *name, int64_t id,
			   char *subject, size_t size);

#endif /* LTA_ANALYZERD_PUBLISHER_H */
