/* SPDX-License-Identifier: GPL-2.0-only */
#include "writer.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "segment/request-format.h"

#define SLOTS 1024
/* The writer is woken once this many requests wait: wake-ups cost. */
#define WAKE_BATCH 256

struct slot {
	struct lta_request request; /* Moved in; buffers swapped back. */
	const char *host;	    /* Borrowed. */
};

struct lta_cli_writer {
	FILE *out; /* Borrowed. */
	enum lta_cli_writer_format format;
	pthread_t thread;
	bool started;

	pthread_mutex_t lock;
	pthread_cond_t not_empty, not_full;
	struct slot slots[SLOTS];
	size_t head;  /* Next slot the writer formats. */
	size_t count; /* Slots filled, not yet written. */
	bool closing; /* No more pushes: drain and stop. */
	int error;    /* First write errno, or 0. */
	bool producer_waits, writer_waits;
	bool thread_wanted; /* lta_cli_writer_use_thread(). */
	bool pushed;	    /* The first push happened: mode chosen. */

	struct lta_strbuf buf; /* The writer thread's. */
};

/*
 * Formatted lines gather in the writer's buffer and go to OUT in pieces of
 * this size: fwrite() hands a piece this large straight to write(2),
 * without copying it into OUT's buffer.
 */
#define FLUSH_AT (256 * 1024)

/* Hands what the buffer holds to OUT. Returns 0 or an errno. */
static int flush_buf(struct lta_cli_writer *w)
{
	size_t len = w->buf.len;

	lta_strbuf_clear(&w->buf);
	if (len && fwrite(w->buf.data, 1, len, w->out) != len) {
		return errno ? errno : EIO;
	}
	return 0;
}

static int write_request(struct lta_cli_writer *w, const struct lta_request *r,
			 const char *host)
{
	if (w->format == LTA_CLI_WRITER_JSONL) {
		lta_request_format_json(r, host, &w->buf);
	} else {
		lta_request_format_text(r, &w->buf);
	}
	lta_strbuf_putc(&w->buf, '\n');
	if (w->buf.failed) {
		return ENOMEM;
	}
	return w->buf.len >= FLUSH_AT ? flush_buf(w) : 0;
}

static void *run(void *arg)
{
	struct lta_cli_writer *w = arg;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		struct slot *s;
		int err;

		if (w->count == 0 && w->buf.len) {
			/* Nothing queued: what is formatted goes out now. */
			pthread_mutex_unlock(&w->lock);
			err = w->error ? 0 : flush_buf(w);
			pthread_mutex_lock(&w->lock);
			if (err && !w->error) {
				w->error = err;
			}
			lta_strbuf_clear(&w->buf);
			continue;
		}
		while (w->count == 0 && !w->closing) {
			w->writer_waits = true;
			pthread_cond_wait(&w->not_empty, &w->lock);
			w->writer_waits = false;
		}
		if (w->count == 0) {
			break;
		}
		s = &w->slots[w->head];
		pthread_mutex_unlock(&w->lock);

		/* The slot is the writer's until count drops. */
		err = w->error ? 0 : write_request(w, &s->request, s->host);

		pthread_mutex_lock(&w->lock);
		if (err && !w->error) {
			w->error = err;
		}
		w->head = (w->head + 1) % SLOTS;
		w->count--;
		if (w->producer_waits && w->count <= SLOTS - WAKE_BATCH) {
			pthread_cond_signal(&w->not_full);
		}
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

struct lta_cli_writer *lta_cli_writer_create(FILE *out,
					     enum lta_cli_writer_format format)
{
	struct lta_cli_writer *w = calloc(1, sizeof(*w));

	if (!w) {
		return NULL;
	}
	w->out = out;
	w->format = format;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->not_empty, NULL);
	pthread_cond_init(&w->not_full, NULL);
	w->thread_wanted = true;
	return w;
}

void lta_cli_writer_use_thread(struct lta_cli_writer *w, bool thread)
{
	w->thread_wanted = thread;
}

int lta_cli_writer_push(struct lta_cli_writer *w, struct lta_request *r,
			const char *host)
{
	struct slot *s;

	if (!w->pushed) {
		w->pushed = true;
		w->started = w->thread_wanted &&
			     pthread_create(&w->thread, NULL, run, w) == 0;
	}
	if (!w->started) {
		int err = w->error ? 0 : write_request(w, r, host);

		if (err && !w->error) {
			w->error = err;
		}
		return w->error ? -EIO : 0;
	}
	pthread_mutex_lock(&w->lock);
	while (w->count == SLOTS && !w->error) {
		/* The writer may sleep on a partial batch: wake it. */
		pthread_cond_signal(&w->not_empty);
		w->producer_waits = true;
		pthread_cond_wait(&w->not_full, &w->lock);
		w->producer_waits = false;
	}
	if (w->error) {
		pthread_mutex_unlock(&w->lock);
		return -EIO;
	}
	s = &w->slots[(w->head + w->count) % SLOTS];
	pthread_mutex_unlock(&w->lock);

	/* A free slot is the producer's until count grows. */
	lta_request_move(&s->request, r);
	s->host = host;

	pthread_mutex_lock(&w->lock);
	w->count++;
	if (w->writer_waits && w->count >= WAKE_BATCH) {
		pthread_cond_signal(&w->not_empty);
	}
	pthread_mutex_unlock(&w->lock);
	return 0;
}

int lta_cli_writer_finish(struct lta_cli_writer *w)
{
	int ret;

	pthread_mutex_lock(&w->lock);
	w->closing = true;
	pthread_cond_signal(&w->not_empty);
	pthread_mutex_unlock(&w->lock);
	if (w->started) {
		pthread_join(w->thread, NULL);
		w->started = false;
	} else if (!w->error) {
		/* On the caller's thread: what is formatted goes out now. */
		w->error = flush_buf(w);
	}
	ret = w->error;
	if (fflush(w->out) != 0 && !ret) {
		ret = errno ? errno : EIO;
	}
	return ret;
}

void lta_cli_writer_destroy(struct lta_cli_writer *w)
{
	size_t i;

	if (!w) {
		return;
	}
	if (w->started) {
		lta_cli_writer_finish(w);
	}
	for (i = 0; i < SLOTS; i++) {
		lta_request_fini(&w->slots[i].request);
	}
	lta_strbuf_fini(&w->buf);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->not_empty);
	pthread_cond_destroy(&w->not_full);
	free(w);
}
