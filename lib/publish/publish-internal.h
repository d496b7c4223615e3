/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the files of the publish module share: the connection. Not
 * included outside lib/publish/.
 */
#ifndef LTA_PUBLISH_PUBLISH_INTERNAL_H
#define LTA_PUBLISH_PUBLISH_INTERNAL_H

#include <nats/nats.h>
#include <pthread.h>
#include <stdint.h>

#include "publish.h"

/* Asynchronous publishes in flight at most (libnats stalls past it). */
#define LTA_NATS_MAX_IN_FLIGHT 4096

struct lta_nats {
	natsConnection *nc; /* Owned. */
	jsCtx *js;	    /* Owned. */
	kvStore *kv;	    /* Owned; the lease bucket, once prepared. */

	/* Guards the counters below (the acknowledgement callback's). */
	pthread_mutex_t lock;
	int64_t batch_acked, batch_failed;
	char last_error[256];
};

#endif /* LTA_PUBLISH_PUBLISH_INTERNAL_H */
