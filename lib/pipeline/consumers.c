/* SPDX-License-Identifier: GPL-2.0-only */
#include "consumers.h"

static int segment_feed(void *state, const struct lta_event *event,
			struct lta_thread *thread, unsigned slot)
{
	return lta_segment_feed_cached(state, event,
				       thread ? &thread->slots[slot] : NULL);
}

static void segment_forget(void *state, struct lta_thread *thread,
			   unsigned slot)
{
	(void)state;
	lta_segment_slot_forget(&thread->slots[slot]);
}

static void segment_discard(void *state, uint32_t trace)
{
	lta_segment_discard(state, trace);
}

static int segment_flush(void *state)
{
	return lta_segment_finish(state);
}

struct lta_consumer lta_segment_consumer(struct lta_segment *segment)
{
	return (struct lta_consumer){
		.name = "segment",
		.state = segment,
		.feed = segment_feed,
		.discard = segment_discard,
		.flush = segment_flush,
		.forget = segment_forget,
	};
}

struct lta_consumer lta_segment_points_consumer(struct lta_segment *segment)
{
	struct lta_consumer c = lta_segment_consumer(segment);

	c.flush = NULL;
	return c;
}

static int timing_feed(void *state, const struct lta_event *event,
		       struct lta_thread *thread, unsigned slot)
{
	(void)thread;
	(void)slot;
	return lta_timing_event(state, event);
}

static int timing_tick(void *state, int64_t ts)
{
	return lta_timing_advance(state, ts);
}

struct lta_consumer lta_timing_consumer(struct lta_timing *timing)
{
	return (struct lta_consumer){
		.name = "timing",
		.state = timing,
		.feed = timing_feed,
		.tick = timing_tick,
	};
}

static int stats_feed(void *state, const struct lta_event *event,
		      struct lta_thread *thread, unsigned slot)
{
	return lta_stats_feed_cached(state, event,
				     thread ? &thread->slots[slot] : NULL);
}

struct lta_consumer lta_stats_consumer(struct lta_stats *stats)
{
	return (struct lta_consumer){
		.name = "stats",
		.state = stats,
		.feed = stats_feed,
	};
}

static int window_feed(void *state, const struct lta_event *event,
		       struct lta_thread *thread, unsigned slot)
{
	(void)thread;
	(void)slot;
	return lta_window_set_syscall(state, event);
}

static int window_tick(void *state, int64_t ts)
{
	return lta_window_set_tick(state, ts);
}

static int window_flush(void *state)
{
	return lta_window_set_flush(state);
}

struct lta_consumer lta_window_consumer(struct lta_window_set *set)
{
	return (struct lta_consumer){
		.name = "window",
		.state = set,
		.feed = window_feed,
		.tick = window_tick,
		.flush = window_flush,
	};
}
