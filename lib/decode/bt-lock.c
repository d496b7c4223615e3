/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The lock around what libbabeltrace2 shares between graphs without locking
 * it (source-internal.h): a file of its own, so that what lists a relay
 * daemon's sessions (live-sessions.c) can take it without the decoder.
 */
#include <pthread.h>

#include "source-internal.h"

static pthread_mutex_t bt_lock = PTHREAD_MUTEX_INITIALIZER;

void lta_decode_bt_lock(void)
{
	pthread_mutex_lock(&bt_lock);
}

void lta_decode_bt_unlock(void)
{
	pthread_mutex_unlock(&bt_lock);
}
