/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Streams that wait for data: the live event stream (Server-Sent Events).
 *
 * A stream function (http-internal.h) returns LTA_HTTP_STREAM_WAIT when it
 * has nothing to send yet. Its connection is then suspended (libmicrohttpd
 * stops polling it: no busy loop, no thread held) and put on the waiting
 * list; the hub's thread resumes the waiting connections when the store's
 * event log grew (it reads the last seq every poll period), when a
 * keep-alive is due, and when the server stops. A resumed stream is asked
 * again, and suspends again if it still has nothing.
 *
 * Only the hub's thread reads the store here: the streams read it on the
 * thread that serves them, each on its own reader connection, and the
 * analysis (another process) never waits for either.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include <microhttpd.h>

#include "common/log.h"
#include "http-internal.h"
#include "store/store.h"

/* At a stop, the streams have this long to end cleanly. */
#define STOP_GRACE_MS 1000

struct live_stream {
	struct lta_http_live *live;
	struct MHD_Connection *connection;
	lta_http_stream_fn fn;
	void (*fn_free)(void *cls);
	void *cls;
	bool waiting; /* On the list, suspended. */
	struct live_stream *prev, *next;
};

struct lta_http_live {
	struct lta_store *store; /* Borrowed. */
	int poll_ms;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct live_stream *waiting; /* Suspended, under LOCK. */
	size_t streams;		     /* Open streams, under LOCK. */
	bool stopping;
	bool started;
	pthread_t thread;
	_Atomic int64_t last_seq;
};

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Resumes every waiting stream. Under LOCK. */
static void resume_all(struct lta_http_live *live)
{
	struct live_stream *s = live->waiting, *next;

	for (; s; s = next) {
		next = s->next;
		s->waiting = false;
		s->prev = s->next = NULL;
		MHD_resume_connection(s->connection);
	}
	live->waiting = NULL;
}

static void *hub_main(void *arg)
{
	struct lta_http_live *live = arg;
	int64_t seen = -1, last_round = mono_ns();

	pthread_mutex_lock(&live->lock);
	while (!live->stopping) {
		struct timespec until;
		int64_t seq = 0, now;

		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += (long)live->poll_ms * 1000000L;
		while (until.tv_nsec >= 1000000000L) {
			until.tv_nsec -= 1000000000L;
			until.tv_sec++;
		}
		pthread_cond_timedwait(&live->wake, &live->lock, &until);
		if (live->stopping) {
			break;
		}
		if (!live->streams) {
			continue;
		}
		pthread_mutex_unlock(&live->lock);
		if (lta_store_events_last(live->store, &seq)) {
			LTA_LOGD("Event stream: cannot read the last event: "
				 "error=\"%s\"",
				 lta_store_error());
			seq = seen;
		}
		now = mono_ns();
		pthread_mutex_lock(&live->lock);
		atomic_store(&live->last_seq, seq);
		/*
		 * New events, or a second without: the streams then say
		 * whether a keep-alive is due (and find a client gone).
		 */
		if (live->waiting &&
		    (seq != seen || now - last_round >= 1000000000LL)) {
			resume_all(live);
			last_round = now;
		}
		seen = seq;
	}
	resume_all(live);
	pthread_mutex_unlock(&live->lock);
	return NULL;
}

struct lta_http_live *lta_http_live_create(struct lta_store *store, int poll_ms)
{
	struct lta_http_live *live = calloc(1, sizeof(*live));

	if (!live) {
		return NULL;
	}
	live->store = store;
	live->poll_ms = poll_ms > 0 ? poll_ms : 50;
	pthread_mutex_init(&live->lock, NULL);
	pthread_cond_init(&live->wake, NULL);
	if (store) {
		int64_t seq = 0;

		if (lta_store_events_last(store, &seq) == 0) {
			atomic_store(&live->last_seq, seq);
		}
	}
	if (store) {
		if (pthread_create(&live->thread, NULL, hub_main, live)) {
			lta_http_live_destroy(live);
			return NULL;
		}
		live->started = true;
	}
	return live;
}

void lta_http_live_stop(struct lta_http_live *live)
{
	if (!live) {
		return;
	}
	pthread_mutex_lock(&live->lock);
	live->stopping = true;
	resume_all(live);
	pthread_cond_signal(&live->wake);
	pthread_mutex_unlock(&live->lock);
	if (live->started) {
		pthread_join(live->thread, NULL);
		live->started = false;
	}
	/*
	 * The streams, resumed, send their end event and the end of their
	 * chunked body; give them STOP_GRACE_MS to, so that a client sees a
	 * clean end (one that does not read is cut by the server's stop).
	 */
	{
		struct timespec until;

		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += STOP_GRACE_MS / 1000;
		until.tv_nsec += (long)(STOP_GRACE_MS % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_nsec -= 1000000000L;
			until.tv_sec++;
		}
		pthread_mutex_lock(&live->lock);
		while (live->streams > 0 &&
		       pthread_cond_timedwait(&live->wake, &live->lock,
					      &until) == 0) {
		}
		pthread_mutex_unlock(&live->lock);
	}
}

void lta_http_live_destroy(struct lta_http_live *live)
{
	if (!live) {
		return;
	}
	lta_http_live_stop(live);
	pthread_cond_destroy(&live->wake);
	pthread_mutex_destroy(&live->lock);
	free(live);
}

bool lta_http_live_stopping(struct lta_http_live *live)
{
	bool stopping;

	if (!live) {
		return false;
	}
	pthread_mutex_lock(&live->lock);
	stopping = live->stopping;
	pthread_mutex_unlock(&live->lock);
	return stopping;
}

int64_t lta_http_live_last_seq(struct lta_http_live *live)
{
	return live ? atomic_load(&live->last_seq) : 0;
}

static ssize_t live_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct live_stream *s = cls;
	struct lta_http_live *live = s->live;
	ssize_t n = s->fn(s->cls, pos, buf, max);

	if (n != LTA_HTTP_STREAM_WAIT) {
		return n;
	}
	pthread_mutex_lock(&live->lock);
	if (live->stopping) {
		/* Resumed for the last time: the stream must end now. */
		pthread_mutex_unlock(&live->lock);
		n = s->fn(s->cls, pos, buf, max);
		return n == LTA_HTTP_STREAM_WAIT ? LTA_HTTP_STREAM_END : n;
	}
	/* Nothing now: off libmicrohttpd's poll until the hub says. */
	MHD_suspend_connection(s->connection);
	s->waiting = true;
	s->prev = NULL;
	s->next = live->waiting;
	if (live->waiting) {
		live->waiting->prev = s;
	}
	live->waiting = s;
	pthread_mutex_unlock(&live->lock);
	return 0;
}

static void live_free(void *cls)
{
	struct live_stream *s = cls;
	struct lta_http_live *live = s->live;

	pthread_mutex_lock(&live->lock);
	if (s->waiting) {
		/* Not expected (a suspended response is not freed). */
		if (s->prev) {
			s->prev->next = s->next;
		} else {
			live->waiting = s->next;
		}
		if (s->next) {
			s->next->prev = s->prev;
		}
	}
	live->streams--;
	if (live->stopping) {
		pthread_cond_broadcast(&live->wake);
	}
	pthread_mutex_unlock(&live->lock);
	s->fn_free(s->cls);
	free(s);
}

struct MHD_Response *lta_http_live_response(struct lta_http_live *live,
					    struct MHD_Connection *connection,
					    struct lta_http_reply *reply)
{
	struct live_stream *s = calloc(1, sizeof(*s));
	struct MHD_Response *response;

	if (!s) {
		reply->stream_free(reply->stream_cls);
		return NULL;
	}
	s->live = live;
	s->connection = connection;
	s->fn = reply->stream;
	s->fn_free = reply->stream_free;
	s->cls = reply->stream_cls;
	pthread_mutex_lock(&live->lock);
	live->streams++;
	pthread_mutex_unlock(&live->lock);
	/* Small blocks: an event goes out as soon as it is written. */
	response = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096,
						     live_read, s, live_free);
	if (!response) {
		live_free(s);
	}
	return response;
}
