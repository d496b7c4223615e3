/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The daemon's publisher (publisher.h): the store's event log to NATS
 * JetStream, with cursors kept in the store.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "histogram/histogram.h"
#include "publish/publish.h"
#include "publisher.h"

/* Events per batch, and how long a batch may wait for its acks. */
#define BATCH 1000
#define ACK_TIMEOUT_MS 5000
/* Nothing to publish, or NATS away: look again after this. */
#define IDLE_MS 20
#define AWAY_MS 250
/*
 * A cursor is written to the store at most this often while its analysis
 * has more to publish (and whenever it has nothing left): each write takes
 * the store's write lock, which the analyses' writers need. A restart
 * sends again what was acknowledged after the last write: the stream drops
 * it (same ids).
 */
#define CURSOR_WRITE_MS 500

/* What the publisher knows of one analysis. */
struct outbox {
	int64_t id;
	char subject[192]; /* lta.HOST.SESSION */
	char host[96], session[96], relay[96];
	int64_t cursor;	    /* Acknowledged up to this seq. */
	int64_t written;    /* The cursor in the store. */
	int64_t written_ns; /* When it was written (monotonic). */
	int64_t published;  /* Since the daemon started. */
};

struct lta_publisher {
	struct lta_store *store; /* Borrowed. */
	struct lta_nats *nats;	 /* Owned. */
	char *name, *fleet_id;	 /* Owned. */
	bool records;
	int64_t lease_ms;

	pthread_t thread;
	bool started;

	pthread_mutex_t lock; /* Guards what follows. */
	pthread_cond_t wake;
	bool quit;
	bool ready;		 /* The stream (and lease bucket) exist. */
	struct outbox *outboxes; /* Owned. */
	size_t count, alloc;
	int64_t published, batches_failed;
	struct lta_histogram *lag; /* Owned; ms. */

	/* The thread's own: a batch being built. */
	struct lta_strbuf text;
	struct lta_nats_message msgs[BATCH];
	size_t offsets[BATCH][4]; /* subject, id, data, data end. */
	int64_t stored_ms[BATCH];
	int64_t last_seq;
	size_t n;
	struct outbox *current;
};

static void split_live_url(const char *source, char *relay, size_t rsize,
			   char *host, size_t hsize, char *session,
			   size_t ssize)
{
	const char *r = source + 6, *slash, *h, *s;

	relay[0] = host[0] = session[0] = '\0';
	slash = strchr(r, '/');
	if (strncmp(source, "net://", 6) != 0 || !slash ||
	    strncmp(slash, "/host/", 6) != 0) {
		return;
	}
	h = slash + 6;
	s = strchr(h, '/');
	if (!s) {
		return;
	}
	snprintf(relay, rsize, "%.*s", (int)(slash - r), r);
	snprintf(host, hsize, "%.*s", (int)(s - h), h);
	snprintf(session, ssize, "%s", s + 1);
}

void lta_publisher_subject(const char *source, const char *name, int64_t id,
			   char *subject, size_t size)
{
	char relay[96], host[96], session[96], th[96], ts[96];

	split_live_url(source, relay, sizeof(relay), host, sizeof(host),
		       session, sizeof(session));
	if (host[0] && session[0]) {
		lta_publish_token(host, th, sizeof(th));
		lta_publish_token(session, ts, sizeof(ts));
	} else {
		lta_publish_token(name, th, sizeof(th));
		snprintf(session, sizeof(session), "trace-%lld", (long long)id);
		lta_publish_token(session, ts, sizeof(ts));
	}
	snprintf(subject, size, "lta.%s.%s", th, ts);
}

/* The outbox of analysis A, added when new. Under the lock. */
static struct outbox *outbox_of(struct lta_publisher *p,
				const struct lta_store_analysis *a)
{
	struct outbox *o;
	size_t i;

	for (i = 0; i < p->count; i++) {
		if (p->outboxes[i].id == a->id) {
			return &p->outboxes[i];
		}
	}
	if (p->count == p->alloc) {
		size_t alloc = p->alloc ? p->alloc * 2 : 16;
		struct outbox *grown =
			realloc(p->outboxes, alloc * sizeof(*grown));

		if (!grown) {
			return NULL;
		}
		p->outboxes = grown;
		p->alloc = alloc;
	}
	o = &p->outboxes[p->count];
	memset(o, 0, sizeof(*o));
	o->id = a->id;
	lta_publisher_subject(a->source, p->name, a->id, o->subject,
			      sizeof(o->subject));
	split_live_url(a->source, o->relay, sizeof(o->relay), o->host,
		       sizeof(o->host), o->session, sizeof(o->session));
	if (!o->host[0]) {
		snprintf(o->host, sizeof(o->host), "%s", p->name);
		snprintf(o->session, sizeof(o->session), "trace-%lld",
			 (long long)a->id);
	}
	if (lta_store_publish_cursor_get(p->store, a->id, LTA_PUBLISH_STREAM,
					 &o->cursor) == 0) {
		o->written = o->cursor;
	} else {
		LTA_LOGE("Cannot read a publisher cursor: analysis=%lld, "
			 "error=\"%s\"",
			 (long long)a->id, lta_store_error());
		return NULL;
	}
	p->count++;
	return o;
}

/* One event of the outbox into the batch: subject, id, message. */
static int add_event(const struct lta_store_outbox_event *e, void *user_data)
{
	struct lta_publisher *p = user_data;
	struct outbox *o = p->current;
	struct lta_strbuf *t = &p->text;
	size_t *off = p->offsets[p->n];

	off[0] = t->len;
	lta_strbuf_puts(t, o->subject);
	lta_strbuf_putc(t, '.');
	lta_strbuf_puts(t, e->kind);
	lta_strbuf_putc(t, '\0');
	off[1] = t->len;
	/* Stable: the daemon's fleet id and the event's seq in its store. */
	lta_strbuf_puts(t, p->fleet_id);
	lta_strbuf_putc(t, '-');
	lta_strbuf_int(t, e->seq);
	lta_strbuf_putc(t, '\0');
	off[2] = t->len;
	lta_strbuf_puts(t, "{\"kind\":");
	lta_strbuf_json_string(t, e->kind);
	lta_strbuf_puts(t, ",\"host\":");
	lta_strbuf_json_string(t, o->host);
	lta_strbuf_puts(t, ",\"session\":");
	lta_strbuf_json_string(t, o->session);
	lta_strbuf_puts(t, ",\"relay\":");
	lta_strbuf_json_string(t, o->relay);
	lta_strbuf_puts(t, ",\"daemon\":");
	lta_strbuf_json_string(t, p->name);
	lta_strbuf_puts(t, ",\"fleet_id\":");
	lta_strbuf_json_string(t, p->fleet_id);
	lta_strbuf_puts(t, ",\"analysis\":");
	lta_strbuf_int(t, o->id);
	lta_strbuf_puts(t, ",\"seq\":");
	lta_strbuf_int(t, e->seq);
	lta_strbuf_puts(t, ",\"stored_ms\":");
	lta_strbuf_int(t, e->stored_ms);
	lta_strbuf_puts(t, ",\"data\":");
	lta_strbuf_puts(t, e->data);
	if (e->extra && strcmp(e->kind, "window") == 0) {
		/* Digits, spaces, ':' and "s1" (sparse.h). */
		lta_strbuf_puts(t, ",\"histogram\":\"");
		lta_strbuf_puts(t, e->extra);
		lta_strbuf_putc(t, '"');
	} else if (e->extra && strcmp(e->kind, "request") == 0) {
		lta_strbuf_puts(t, ",\"record\":");
		lta_strbuf_puts(t, e->extra);
	}
	lta_strbuf_putc(t, '}');
	off[3] = t->len;
	lta_strbuf_putc(t, '\0');
	p->stored_ms[p->n] = e->stored_ms;
	p->last_seq = e->seq;
	p->n++;
	return 0;
}

/*
 * Publishes what analysis A has after its cursor, one batch. Returns the
 * number of events acknowledged (0: nothing to do), or -EAGAIN (NATS did
 * not take the batch: the cursor stays), or a store error.
 */
static int publish_one(struct lta_publisher *p, struct outbox *o)
{
	size_t failed = 0, i;
	int64_t now_ms;
	int ret;

	lta_strbuf_clear(&p->text);
	p->n = 0;
	p->current = o;
	ret = lta_store_outbox_read(p->store, o->id, o->cursor, BATCH,
				    p->records, add_event, p);
	if (ret) {
		return ret;
	}
	if (p->n == 0) {
		return 0;
	}
	if (p->text.failed) {
		return -ENOMEM;
	}
	/* The buffer may have moved while it grew: pointers only now. */
	for (i = 0; i < p->n; i++) {
		p->msgs[i].subject = p->text.data + p->offsets[i][0];
		p->msgs[i].id = p->text.data + p->offsets[i][1];
		p->msgs[i].data = p->text.data + p->offsets[i][2];
		p->msgs[i].len = p->offsets[i][3] - p->offsets[i][2];
	}
	ret = lta_nats_publish(p->nats, p->msgs, p->n, ACK_TIMEOUT_MS, &failed);
	if (ret) {
		pthread_mutex_lock(&p->lock);
		p->batches_failed++;
		pthread_mutex_unlock(&p->lock);
		return -EAGAIN;
	}
	if (p->n < BATCH || lta_clock_mono_ns() - o->written_ns >=
				    CURSOR_WRITE_MS * 1000000LL) {
		ret = lta_store_publish_cursor_set(
			p->store, o->id, LTA_PUBLISH_STREAM, p->last_seq);
		if (ret) {
			/* Sent again after a restart: the stream drops them. */
			LTA_LOGE("Cannot store a publisher cursor: "
				 "analysis=%lld, error=\"%s\"",
				 (long long)o->id, lta_store_error());
		} else {
			o->written = p->last_seq;
			o->written_ns = lta_clock_mono_ns();
		}
	}
	now_ms = lta_clock_wall_ns() / 1000000;
	pthread_mutex_lock(&p->lock);
	o->cursor = p->last_seq;
	o->published += (int64_t)p->n;
	p->published += (int64_t)p->n;
	for (i = 0; i < p->n; i++) {
		if (p->stored_ms[i] > 0) {
			int64_t lag = now_ms - p->stored_ms[i];

			lta_histogram_record(p->lag, lag > 0 ? lag : 0);
		}
	}
	pthread_mutex_unlock(&p->lock);
	return (int)p->n;
}

struct ids {
	struct lta_store_analysis *rows;
	size_t count, alloc;
};

static int collect(const struct lta_store_analysis *a, void *user_data)
{
	struct ids *ids = user_data;

	if (ids->count == ids->alloc) {
		size_t alloc = ids->alloc ? ids->alloc * 2 : 16;
		struct lta_store_analysis *grown =
			realloc(ids->rows, alloc * sizeof(*grown));

		if (!grown) {
			return -ENOMEM;
		}
		ids->rows = grown;
		ids->alloc = alloc;
	}
	ids->rows[ids->count++] = *a;
	return 0;
}

/* Waits MS or until woken; returns whether to quit. */
static bool nap(struct lta_publisher *p, int ms)
{
	struct timespec until;
	bool quit;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_nsec += (long)ms * 1000000L;
	until.tv_sec += until.tv_nsec / 1000000000L;
	until.tv_nsec %= 1000000000L;
	pthread_mutex_lock(&p->lock);
	if (!p->quit) {
		pthread_cond_timedwait(&p->wake, &p->lock, &until);
	}
	quit = p->quit;
	pthread_mutex_unlock(&p->lock);
	return quit;
}

static void *run(void *arg)
{
	struct lta_publisher *p = arg;
	char error[256];
	bool warned = false;

	for (;;) {
		struct ids ids = { 0 };
		bool busy = false, away = false;
		size_t i;

		if (!p->ready) {
			int ret = lta_nats_prepare(p->nats, p->lease_ms, error,
						   sizeof(error));

			if (ret) {
				if (ret != -EAGAIN && !warned) {
					LTA_LOGE("Cannot prepare JetStream: "
						 "error=\"%s\"",
						 error);
					warned = true;
				}
				if (nap(p, AWAY_MS)) {
					break;
				}
				continue;
			}
			pthread_mutex_lock(&p->lock);
			p->ready = true;
			pthread_mutex_unlock(&p->lock);
			LTA_LOGI("Publishing to JetStream: stream=%s",
				 LTA_PUBLISH_STREAM);
		}
		if (lta_store_analysis_list(p->store, collect, &ids)) {
			LTA_LOGE("Cannot list the analyses to publish: "
				 "error=\"%s\"",
				 lta_store_error());
		}
		for (i = 0; i < ids.count && !away; i++) {
			struct outbox *o;
			int ret;

			pthread_mutex_lock(&p->lock);
			o = outbox_of(p, &ids.rows[i]);
			pthread_mutex_unlock(&p->lock);
			if (!o) {
				continue;
			}
			/*
			 * o stays valid: only this thread adds outboxes
			 * (and so moves the array).
			 */
			ret = publish_one(p, o);
			if (ret == -EAGAIN) {
				away = true;
			} else if (ret < 0) {
				LTA_LOGE("Cannot read the outbox: "
					 "analysis=%lld, error=\"%s\"",
					 (long long)o->id, lta_store_error());
			} else if (ret == BATCH) {
				busy = true;
			}
		}
		free(ids.rows);
		if (busy) {
			pthread_mutex_lock(&p->lock);
			busy = !p->quit;
			pthread_mutex_unlock(&p->lock);
			if (busy) {
				continue;
			}
		}
		if (nap(p, away ? AWAY_MS : IDLE_MS)) {
			break;
		}
	}
	return NULL;
}

struct lta_publisher *
lta_publisher_create(struct lta_store *store,
		     const struct lta_publisher_options *o, char *error,
		     size_t size)
{
	struct lta_publisher *p = calloc(1, sizeof(*p));

	if (!p) {
		snprintf(error, size, "out of memory");
		return NULL;
	}
	p->store = store;
	p->records = o->records;
	p->lease_ms = o->lease_ms;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->wake, NULL);
	p->name = strdup(o->name);
	p->fleet_id = strdup(o->fleet_id);
	p->lag = lta_histogram_create();
	if (!p->name || !p->fleet_id || !p->lag) {
		snprintf(error, size, "out of memory");
		goto error;
	}
	p->nats = lta_nats_create(o->url, o->name, error, size);
	if (!p->nats) {
		goto error;
	}
	return p;
error:
	lta_publisher_destroy(p);
	return NULL;
}

int lta_publisher_start(struct lta_publisher *p)
{
	int ret = pthread_create(&p->thread, NULL, run, p);

	if (ret) {
		return -ret;
	}
	p->started = true;
	return 0;
}

void lta_publisher_destroy(struct lta_publisher *p)
{
	if (!p) {
		return;
	}
	if (p->started) {
		pthread_mutex_lock(&p->lock);
		p->quit = true;
		pthread_cond_broadcast(&p->wake);
		pthread_mutex_unlock(&p->lock);
		pthread_join(p->thread, NULL);
	}
	for (size_t i = 0; i < p->count; i++) {
		/* What was acknowledged since the last write. */
		if (p->outboxes[i].cursor != p->outboxes[i].written) {
			lta_store_publish_cursor_set(
				p->store, p->outboxes[i].id, LTA_PUBLISH_STREAM,
				p->outboxes[i].cursor);
		}
	}
	lta_nats_destroy(p->nats);
	lta_histogram_destroy(p->lag);
	lta_strbuf_fini(&p->text);
	free(p->outboxes);
	free(p->name);
	free(p->fleet_id);
	pthread_cond_destroy(&p->wake);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

struct lta_nats *lta_publisher_nats(struct lta_publisher *p)
{
	return p ? p->nats : NULL;
}

bool lta_publisher_ready(struct lta_publisher *p)
{
	bool ready;

	if (!p) {
		return false;
	}
	pthread_mutex_lock(&p->lock);
	ready = p->ready;
	pthread_mutex_unlock(&p->lock);
	return ready;
}

const char *lta_publisher_fleet_id(struct lta_publisher *p)
{
	return p ? p->fleet_id : "";
}

int lta_publisher_state(struct lta_publisher *p, int64_t id,
			struct lta_publisher_state *state)
{
	struct lta_store_analysis a;
	size_t i;
	bool known = false;
	int ret;

	memset(state, 0, sizeof(*state));
	state->connected = lta_nats_connected(p->nats);
	pthread_mutex_lock(&p->lock);
	for (i = 0; i < p->count; i++) {
		if (p->outboxes[i].id == id) {
			snprintf(state->subject, sizeof(state->subject), "%s",
				 p->outboxes[i].subject);
			state->cursor = p->outboxes[i].cursor;
			state->published = p->outboxes[i].published;
			known = true;
			break;
		}
	}
	pthread_mutex_unlock(&p->lock);
	if (!known) {
		ret = lta_store_analysis_get(p->store, id, &a);
		if (ret) {
			return ret;
		}
		lta_publisher_subject(a.source, p->name, id, state->subject,
				      sizeof(state->subject));
		ret = lta_store_publish_cursor_get(
			p->store, id, LTA_PUBLISH_STREAM, &state->cursor);
		if (ret) {
			return ret;
		}
	}
	return lta_store_outbox_pending(p->store, id, state->cursor,
					&state->lag_events, &state->newest);
}

void lta_publisher_totals(struct lta_publisher *p,
			  struct lta_publisher_totals *t)
{
	memset(t, 0, sizeof(*t));
	t->connected = lta_nats_connected(p->nats);
	pthread_mutex_lock(&p->lock);
	t->published = p->published;
	t->batches_failed = p->batches_failed;
	t->lag_count = lta_histogram_count(p->lag);
	t->lag_p50_ms = lta_histogram_percentile(p->lag, 50);
	t->lag_p99_ms = lta_histogram_percentile(p->lag, 99);
	t->lag_max_ms = lta_histogram_max(p->lag);
	t->lag_sum_ms = lta_histogram_sum(p->lag);
	pthread_mutex_unlock(&p->lock);
}
