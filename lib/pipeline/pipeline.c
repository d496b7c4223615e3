/* SPDX-License-Identifier: GPL-2.0-only */
#include "pipeline.h"

#include <errno.h>
#include <stdlib.h>

struct lta_pipeline {
	struct lta_tasks *tasks; /* Owned. */
	struct lta_consumer consumers[LTA_THREAD_SLOTS];
	unsigned count;
};

static void forget_thread(struct lta_thread *thread, void *user_data)
{
	struct lta_pipeline *pipeline = user_data;
	unsigned i;

	for (i = 0; i < pipeline->count; i++) {
		const struct lta_consumer *c = &pipeline->consumers[i];

		if (c->forget && thread->slots[i]) {
			c->forget(c->state, thread, i);
		}
		thread->slots[i] = NULL;
	}
}

struct lta_pipeline *lta_pipeline_create(void)
{
	struct lta_pipeline *pipeline = calloc(1, sizeof(*pipeline));

	if (!pipeline) {
		return NULL;
	}
	pipeline->tasks = lta_tasks_create();
	if (!pipeline->tasks) {
		free(pipeline);
		return NULL;
	}
	lta_tasks_on_forget(pipeline->tasks, forget_thread, pipeline);
	return pipeline;
}

int lta_pipeline_add(struct lta_pipeline *pipeline,
		     const struct lta_consumer *consumer)
{
	if (pipeline->count == LTA_THREAD_SLOTS) {
		return -ENOSPC;
	}
	pipeline->consumers[pipeline->count] = *consumer;
	return (int)pipeline->count++;
}

int lta_pipeline_feed(struct lta_pipeline *pipeline, struct lta_event *event)
{
	struct lta_thread *thread = NULL;
	unsigned i;
	int ret;

	ret = lta_tasks_feed_thread(pipeline->tasks, event, &thread);
	if (ret) {
		return ret;
	}
	for (i = 0; i < pipeline->count; i++) {
		const struct lta_consumer *c = &pipeline->consumers[i];

		ret = c->feed(c->state, event, thread, i);
		if (ret) {
			return ret;
		}
	}
	return 0;
}

int lta_pipeline_tick(struct lta_pipeline *pipeline, int64_t ts)
{
	unsigned i;
	int ret;

	for (i = 0; i < pipeline->count; i++) {
		const struct lta_consumer *c = &pipeline->consumers[i];

		if (c->tick && (ret = c->tick(c->state, ts)) != 0) {
			return ret;
		}
	}
	return 0;
}

void lta_pipeline_discard(struct lta_pipeline *pipeline, uint32_t trace)
{
	unsigned i;

	for (i = 0; i < pipeline->count; i++) {
		const struct lta_consumer *c = &pipeline->consumers[i];

		if (c->discard) {
			c->discard(c->state, trace);
		}
	}
}

int lta_pipeline_flush(struct lta_pipeline *pipeline)
{
	unsigned i;
	int ret, first = 0;

	/* Every consumer flushes, even after one failed. */
	for (i = 0; i < pipeline->count; i++) {
		const struct lta_consumer *c = &pipeline->consumers[i];

		if (c->flush && (ret = c->flush(c->state)) != 0 && !first) {
			first = ret;
		}
	}
	return first;
}

struct lta_tasks *lta_pipeline_tasks(struct lta_pipeline *pipeline)
{
	return pipeline->tasks;
}

void lta_pipeline_destroy(struct lta_pipeline *pipeline)
{
	unsigned i;

	if (!pipeline) {
		return;
	}
	/* The threads' slots first, while the consumers are there. */
	lta_tasks_destroy(pipeline->tasks);
	for (i = 0; i < pipeline->count; i++) {
		const struct lta_consumer *c = &pipeline->consumers[i];

		if (c->destroy) {
			c->destroy(c->state);
		}
	}
	free(pipeline);
}
