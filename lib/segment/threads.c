/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The threads the segmenter follows: the system call each is in (entry
 * kept until its exit, holding a reference to the request it was
 * attributed to) and the request each serves. Threads are forgotten at
 * their exit or, without exit events, swept when too many are idle.
 */
#include "segment-internal.h"

#include <stdlib.h>

void lta_segment_thread_free(struct lta_segment_thread *t)
{
	if (t->slot) {
		LTA_ASSERT_DBG(*t->slot == t);
		*t->slot = NULL;
	}
	free(t);
}

void lta_segment_slot_forget(void **slot)
{
	struct lta_segment_thread *t = *slot;

	if (t) {
		LTA_ASSERT_DBG(t->slot == slot);
		t->slot = NULL;
		*slot = NULL;
	}
}

struct lta_segment_thread *lta_segment_thread_of(struct lta_segment *segment,
						 uint32_t trace, int32_t tid)
{
	uint64_t key = thread_key(trace, tid);
	struct lta_segment_thread *t = lta_htable_get(&segment->threads, key);

	if (t) {
		return t;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		return NULL;
	}
	t->trace = trace;
	t->tid = tid;
	t->pid = -1;
	t->last_other = LTA_FD_TYPE_COUNT;
	t->last_other_fd = -1;
	t->interaction_fd = -1;
	if (lta_htable_put(&segment->threads, key, t)) {
		free(t);
		return NULL;
	}
	segment->counters.threads++;
	return t;
}

/*
 * Whether the call THREAD is in is the close of request R's descriptor:
 * once that call is over (or its exit lost), nothing more can come for R.
 */
bool lta_segment_closes_request(const struct lta_segment_thread *t,
				const struct lta_segment_request *r)
{
	return r && t->pending.syscall == LTA_SYSCALL_close &&
	       t->pending.fd == r->record.fd && r->record.close_ts >= 0;
}

/*
 * Drops the call THREAD is in, and its reference to a request. A close of
 * the request's descriptor whose exit was lost (a discard, or the thread
 * went on without it) hands the request out now: waiting for an exit that
 * will not come would keep it from a live analysis until the trace ends.
 */
void lta_segment_drop_pending(struct lta_segment *segment,
			      struct lta_segment_thread *t)
{
	struct lta_segment_request *r = t->pending.request;

	if (lta_segment_closes_request(t, r) && !r->emitted) {
		lta_segment_emit_closed(segment, r);
	}
	t->pending.active = false;
	t->pending.request = NULL;
	if (r) {
		lta_segment_request_put(r);
		lta_segment_release(segment, r);
	}
}

struct lta_segment_request *lta_segment_serving(struct lta_segment *segment,
						struct lta_segment_thread *t)
{
	struct lta_segment_request *r;

	if (!t->serving) {
		return NULL;
	}
	r = lta_htable_get(&segment->by_id, t->serving);
	if (!r || r->ended) {
		t->serving = 0;
		return NULL;
	}
	LTA_ASSERT_DBG(!r->released);
	return r;
}

void lta_segment_forget_thread(struct lta_segment *segment, uint32_t trace,
			       int32_t tid)
{
	struct lta_segment_thread *t =
		lta_htable_remove(&segment->threads, thread_key(trace, tid));

	if (t) {
		lta_segment_drop_pending(segment, t);
		lta_segment_thread_free(t);
		LTA_ASSERT_DBG(segment->counters.threads > 0);
		segment->counters.threads--;
	}
}

/* Frees idle threads when too many are tracked (no exit events seen). */
void lta_segment_sweep_threads(struct lta_segment *segment)
{
	size_t pos = 0;
	uint64_t key;
	void *value;
	uint64_t *idle = calloc(segment->threads.count, sizeof(*idle));
	size_t n = 0, i;

	if (!idle) {
		return;
	}
	while (lta_htable_next(&segment->threads, &pos, &key, &value)) {
		struct lta_segment_thread *t = value;

		if (!t->pending.active && !lta_segment_serving(segment, t)) {
			idle[n++] = key;
		}
	}
	for (i = 0; i < n; i++) {
		lta_segment_thread_free(
			lta_htable_remove(&segment->threads, idle[i]));
		LTA_ASSERT_DBG(segment->counters.threads > 0);
		segment->counters.threads--;
	}
	free(idle);
}
