/* SPDX-License-Identifier: GPL-2.0-only */
#include "lanes.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/assert-dbg.h"
#include "common/log.h"
#include "slices.h"
#include "source-internal.h"
#include "streams.h"

#define LANE_CHUNK (256u * 1024u) /* Bytes of a batch of events. */
#define LANE_QUEUE 16		  /* Batches a lane decodes ahead. */
/*
 * A lane of every other packet of a stream decodes ahead up to about 2.5
 * times its largest packet's bytes (a decoded event takes about 4.5 times
 * its bytes in the file: about half a decoded packet), between LANE_QUEUE
 * and LANE_QUEUE_MAX batches: memory stays bounded whatever the packets.
 */
#define LANE_QUEUE_MAX 32

enum item_type {
	ITEM_EVENT = 1,
	ITEM_DISCARD = 2,
};

/*
 * One event or discard in a batch, followed by its struct lta_event (only
 * its nargs arguments) or struct lta_discard, then what the event
 * borrows (integer arrays, strings: lta_event_borrows()).
 */
struct item {
	uint32_t size; /* Bytes, this header included; a multiple of 8. */
	uint16_t type;
	uint32_t trace;
	uint32_t packet; /* A shared stream's packet (slices.h), else 0. */
	uint64_t stream_class, stream;
	int64_t key; /* The time the muxer orders it by. */
};

struct chunk {
	struct chunk *next;
	size_t used, cap;
	unsigned char data[];
};

enum lane_state {
	LANE_BUILDING = 0,
	LANE_READY,
	LANE_DONE,
};

struct lane {
	struct lta_decoder *src; /* Owned: the lane's own source. */
	pthread_t thread;
	bool thread_started;
	size_t queue_max; /* Batches it may have queued. */
	/* A lane of every other packet of a stream: its share (plan set). */
	struct lta_slice slice;
	char slice_error[256];

	/* Guarded by lock. */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct chunk *head, *tail; /* Full batches, oldest first. */
	size_t queued;
	struct chunk *spare; /* Batches handed back, for reuse. */
	enum lane_state state;
	bool go, stop;
	int build_ret;
	enum lta_decode_status status; /* LANE_DONE: how the run ended. */

	/* The lane's thread only. */
	struct chunk *fill;
	struct lta_event *pending; /* Being decoded in place in fill. */
	int64_t last_key;

	/* The merging thread only. */
	struct chunk *cur;
	size_t pos;
	bool finished;
};

struct lta_decode_lanes {
	struct lane *lanes;
	size_t count;
	struct lta_slice_plan *plans; /* Owned: the streams lanes share. */
	size_t plan_count;
};

static size_t align8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

/* --- the lane's side ------------------------------------------------------ */

/* Queues the batch being filled; waits while queue_max are queued. */
static bool push_fill(struct lane *l)
{
	bool stop;

	pthread_mutex_lock(&l->lock);
	while (l->queued >= l->queue_max && !l->stop) {
		pthread_cond_wait(&l->cond, &l->lock);
	}
	stop = l->stop;
	if (!stop && l->fill && l->fill->used) {
		l->fill->next = NULL;
		if (l->tail) {
			l->tail->next = l->fill;
		} else {
			l->head = l->fill;
		}
		l->tail = l->fill;
		l->queued++;
		l->fill = NULL;
		pthread_cond_broadcast(&l->cond);
	}
	pthread_mutex_unlock(&l->lock);
	return !stop;
}

/*
 * Room for NEED bytes in the batch being filled. Returns it, or NULL when
 * the lane must stop (*STOPPED) or memory is out.
 */
static unsigned char *reserve(struct lane *l, size_t need, bool *stopped)
{
	struct chunk *c;

	*stopped = false;
	if (l->fill && l->fill->used + need <= l->fill->cap) {
		return l->fill->data + l->fill->used;
	}
	if (l->fill && l->fill->used && !push_fill(l)) {
		*stopped = true;
		return NULL;
	}
	free(l->fill); /* Empty, but too small for this event. */
	l->fill = NULL;
	pthread_mutex_lock(&l->lock);
	c = l->spare;
	if (c && c->cap >= need) {
		l->spare = c->next;
	} else {
		c = NULL;
	}
	pthread_mutex_unlock(&l->lock);
	if (!c) {
		size_t cap = need > LANE_CHUNK ? need : LANE_CHUNK;

		c = malloc(sizeof(*c) + cap);
		if (!c) {
			return NULL;
		}
		c->cap = cap;
	}
	c->used = 0;
	c->next = NULL;
	l->fill = c;
	return c->data;
}

/* Fills the header of an item at P, SIZE bytes in all. */
static void set_item(struct lane *l, struct item *it, uint16_t type, int64_t ts,
		     uint32_t trace, size_t size)
{
	it->size = (uint32_t)size;
	it->type = type;
	it->trace = trace;
	it->packet = l->slice.current; /* 0 unless sliced. */
	it->stream_class = l->src->cur_stream_class;
	it->stream = l->src->cur_stream;
	/* The muxer gives a message without a time the last one's. */
	it->key = ts >= 0 ? ts : l->last_key;
	l->last_key = it->key;
}

static int put_item(struct lane *l, uint16_t type, int64_t ts, uint32_t trace,
		    const void *body, size_t body_size, size_t strings)
{
	size_t size = align8(sizeof(struct item)) + align8(body_size) +
		      align8(strings);
	unsigned char *p;
	bool stopped;

	p = reserve(l, size, &stopped);
	if (!p) {
		return stopped ? 1 : -ENOMEM;
	}
	set_item(l, (struct item *)p, type, ts, trace, size);
	memcpy(p + align8(sizeof(struct item)), body, body_size);
	l->fill->used += size;
	return 0;
}

/* Room kept after an event decoded in place, for what it borrows. */
#define STRING_ROOM 1024

/*
 * The source asks where to decode the next event: in place, in the batch,
 * with room for its strings after it (lane_event() commits it).
 */
static int lane_reserve(void *user_data, size_t size, struct lta_event **event)
{
	struct lane *l = user_data;
	size_t hdr = align8(sizeof(struct item));
	unsigned char *p;
	bool stopped;

	p = reserve(l, hdr + align8(size) + STRING_ROOM, &stopped);
	if (!p) {
		return stopped ? 1 : -ENOMEM;
	}
	*event = (struct lta_event *)(p + hdr);
	l->pending = *event;
	return 0;
}

/*
 * Copies what EVENT borrows (REFS, lta_event_borrows()) to AT, and points
 * its members there.
 */
static void copy_borrows(const struct lta_event_borrow *refs, int count,
			 char *at)
{
	int i;

	for (i = 0; i < count; i++) {
		if (refs[i].ints) {
			memcpy(at, *refs[i].field.ints, refs[i].size);
			*refs[i].field.ints = (const uint16_t *)(void *)at;
		} else {
			memcpy(at, *refs[i].field.str, refs[i].size);
			*refs[i].field.str = at;
		}
		at += refs[i].size;
	}
}

static int lane_event(struct lta_event *event, void *user_data)
{
	struct lane *l = user_data;
	size_t hdr = align8(sizeof(struct item));
	size_t body = align8(offsetof(struct lta_event, args) +
			     event->nargs * sizeof(struct lta_arg));
	struct lta_event_borrow refs[LTA_EVENT_MAX_BORROWS];
	struct lta_event copy, *placed;
	size_t strings;
	int count, ret;

	count = lta_event_borrows(event, refs, &strings);
	if (event == l->pending &&
	    l->fill->used + hdr + body + align8(strings) <= l->fill->cap) {
		/* Decoded in place: commit it. */
		unsigned char *p = l->fill->data + l->fill->used;

		l->pending = NULL;
		copy_borrows(refs, count, (char *)p + hdr + body);
		set_item(l, (struct item *)p, ITEM_EVENT, event->ts,
			 event->trace, hdr + body + align8(strings));
		l->fill->used += hdr + body + align8(strings);
		return 0;
	}
	if (event == l->pending) {
		/* Strings too long for the room kept: copy it out first. */
		memcpy(&copy, event, body);
		event = &copy;
	}
	l->pending = NULL;
	ret = put_item(l, ITEM_EVENT, event->ts, event->trace, event, body,
		       strings);
	if (ret) {
		return ret;
	}
	placed = (struct lta_event *)(l->fill->data + l->fill->used -
				      align8(strings) - body);
	/* Its fields still point to the decoder's: copy what they point to. */
	count = lta_event_borrows(placed, refs, &strings);
	copy_borrows(refs, count,
		     (char *)(l->fill->data + l->fill->used - align8(strings)));
	return 0;
}

static int put_discard(const struct lta_discard *discard, void *user_data)
{
	struct lane *l = user_data;

	return put_item(l, ITEM_DISCARD, discard->begin_ts, discard->trace,
			discard, sizeof(*discard), 0);
}

static int lane_discard(const struct lta_discard *discard, void *user_data)
{
	struct lane *l = user_data;

	if (l->slice.drop) {
		return 0; /* Counted across packets another lane reads. */
	}
	return put_discard(discard, user_data);
}

static int lane_packet(void *user_data, const bt_message *msg)
{
	struct lane *l = user_data;
	const bt_packet *packet;

	if (bt_message_get_type(msg) == BT_MESSAGE_TYPE_PACKET_BEGINNING) {
		packet = bt_message_packet_beginning_borrow_packet_const(msg);
		lta_decode_lane_stream(l->src,
				       bt_packet_borrow_stream_const(packet));
	}
	return lta_slice_packet(&l->slice, msg, put_discard, l, l->slice_error,
				sizeof(l->slice_error));
}

static void *lane_main(void *arg)
{
	struct lane *l = arg;
	enum lta_decode_status status;
	bool stop;
	int ret;

	/*
	 * The lanes build their graphs at once: reading a kernel trace's
	 * metadata takes tens of milliseconds, each lane its own copy
	 * (lta_decode_prepare() locks what babeltrace2 shares).
	 */
	ret = lta_decode_prepare(l->src);

	pthread_mutex_lock(&l->lock);
	l->build_ret = ret;
	l->state = LANE_READY;
	pthread_cond_broadcast(&l->cond);
	while (!l->go && !l->stop) {
		pthread_cond_wait(&l->cond, &l->lock);
	}
	stop = l->stop;
	pthread_mutex_unlock(&l->lock);
	if (stop || ret) {
		status = ret ? LTA_DECODE_ERROR : LTA_DECODE_STOPPED;
	} else {
		status = lta_decode_run(l->src);
		if (status == LTA_DECODE_END && l->slice.plan &&
		    lta_slice_end(&l->slice, l->slice_error,
				  sizeof(l->slice_error))) {
			status = LTA_DECODE_ERROR;
		}
		if (l->fill && l->fill->used && !push_fill(l)) {
			status = LTA_DECODE_STOPPED;
		}
	}
	pthread_mutex_lock(&l->lock);
	l->status = status;
	l->state = LANE_DONE;
	pthread_cond_broadcast(&l->cond);
	pthread_mutex_unlock(&l->lock);
	return NULL;
}

/* --- planning: streams shared out among lanes ------------------------------
 */

struct group {
	size_t trace;
	long id;
	uint64_t bytes;
	size_t lane;
};

static int by_bytes(const void *a, const void *b)
{
	const struct group *x = a, *y = b;

	if (x->bytes != y->bytes) {
		return x->bytes > y->bytes ? -1 : 1;
	}
	if (x->trace != y->trace) {
		return x->trace < y->trace ? -1 : 1;
	}
	return x->id < y->id ? -1 : x->id > y->id;
}

/*
 * The groups of every trace (GROUP_OF[t] per file), with their sizes.
 * Returns the count, or -1 (out of memory); 0 groups for a trace with no
 * stream file makes the plan fail (one graph says why).
 */
static long plan_groups(struct lta_decoder *source, long **group_of,
			struct group **out)
{
	struct group *groups = NULL;
	size_t t, i, count = 0;

	for (t = 0; t < source->trace_count; t++) {
		const struct lta_trace_filter *f = source->traces[t].filter;
		size_t files = lta_trace_filter_file_count(f);
		size_t n;
		struct group *more;

		group_of[t] = calloc(files ? files : 1, sizeof(long));
		if (!group_of[t]) {
			free(groups);
			return -1;
		}
		n = lta_decode_stream_groups(f, group_of[t]);
		if (n == 0) {
			free(groups);
			return 0;
		}
		more = realloc(groups, (count + n) * sizeof(*groups));
		if (!more) {
			free(groups);
			return -1;
		}
		groups = more;
		for (i = 0; i < n; i++) {
			groups[count + i] = (struct group){ t, (long)i, 0, 0 };
		}
		for (i = 0; i < files; i++) {
			char path[4096];
			struct stat st;

			if (group_of[t][i] < 0) {
				continue;
			}
			snprintf(path, sizeof(path), "%s/%s",
				 lta_trace_filter_real_dir(f),
				 lta_trace_filter_file(f, i));
			if (stat(path, &st) == 0) {
				groups[count + (size_t)group_of[t][i]].bytes +=
					(uint64_t)st.st_size;
			}
		}
		count += n;
	}
	*out = groups;
	return (long)count;
}

/* Shares GROUPS out: the largest first, each to the lightest lane. */
static void share_out(struct group *groups, size_t count, size_t lanes)
{
	uint64_t load[64] = { 0 };
	size_t i, j;

	qsort(groups, count, sizeof(*groups), by_bytes);
	for (i = 0; i < count; i++) {
		size_t best = 0;

		for (j = 1; j < lanes; j++) {
			if (load[j] < load[best]) {
				best = j;
			}
		}
		groups[i].lane = best;
		load[best] += groups[i].bytes;
	}
}

/* The folders of lane LANE: one per trace, or NULL. 0 or -errno. */
static int lane_dirs(struct lta_decoder *source, long **group_of,
		     const struct group *groups, size_t count, size_t lane,
		     char **dirs)
{
	size_t t, i, g;

	for (t = 0; t < source->trace_count; t++) {
		const struct lta_trace_filter *f = source->traces[t].filter;
		size_t files = lta_trace_filter_file_count(f);
		bool *take = calloc(files ? files : 1, sizeof(bool));
		bool any = false;

		if (!take) {
			return -ENOMEM;
		}
		for (g = 0; g < count; g++) {
			if (groups[g].trace != t || groups[g].lane != lane) {
				continue;
			}
			for (i = 0; i < files; i++) {
				if (group_of[t][i] == groups[g].id) {
					take[i] = true;
					any = true;
				}
			}
		}
		dirs[t] = any ? lta_trace_filter_subset(f, take) : NULL;
		free(take);
		if (any && !dirs[t]) {
			return errno ? -errno : -ENOMEM;
		}
	}
	return 0;
}

/* --- start and stop ------------------------------------------------------- */

void lta_decode_lanes_destroy(struct lta_decode_lanes *lanes)
{
	size_t i;

	if (!lanes) {
		return;
	}
	for (i = 0; i < lanes->count; i++) {
		struct lane *l = &lanes->lanes[i];

		pthread_mutex_lock(&l->lock);
		l->stop = true;
		pthread_cond_broadcast(&l->cond);
		pthread_mutex_unlock(&l->lock);
	}
	for (i = 0; i < lanes->count; i++) {
		struct lane *l = &lanes->lanes[i];
		struct chunk *lists[4];
		size_t k;

		if (l->thread_started) {
			pthread_join(l->thread, NULL);
		}
		/* After the join, the lane's batches are ours to free. */
		lists[0] = l->head;
		lists[1] = l->spare;
		lists[2] = l->fill;
		lists[3] = l->cur;
		for (k = 0; k < 4; k++) {
			while (lists[k]) {
				struct chunk *next = lists[k]->next;

				free(lists[k]);
				lists[k] = k < 2 ? next : NULL;
			}
		}
		lta_decode_destroy(l->src);
		pthread_cond_destroy(&l->cond);
		pthread_mutex_destroy(&l->lock);
	}
	for (i = 0; i < lanes->plan_count; i++) {
		lta_slice_plan_fini(&lanes->plans[i]);
	}
	free(lanes->plans);
	free(lanes->lanes);
	free(lanes);
}

/* Waits until every lane built its graph. Returns whether all did. */
static bool wait_built(struct lta_decode_lanes *lanes)
{
	bool ok = true;
	size_t i;

	for (i = 0; i < lanes->count; i++) {
		struct lane *l = &lanes->lanes[i];

		pthread_mutex_lock(&l->lock);
		while (l->state == LANE_BUILDING) {
			pthread_cond_wait(&l->cond, &l->lock);
		}
		ok = ok && l->build_ret == 0;
		pthread_mutex_unlock(&l->lock);
	}
	return ok;
}

/* What lane I reads: its groups (groups[].lane), or a share of a stream. */
struct lane_spec {
	const struct lta_slice_plan *plan; /* NULL: whole groups. */
	unsigned which;
};

/* The folders of lane L as SPEC says. 0 or -errno. */
static int spec_dirs(struct lta_decoder *source, long **group_of,
		     const struct group *groups, size_t count, size_t lane,
		     struct lane *l, const struct lane_spec *spec, char **dirs)
{
	const struct lta_slice_plan *plan = spec->plan;
	size_t queue;

	l->queue_max = LANE_QUEUE;
	if (!plan) {
		return lane_dirs(source, group_of, groups, count, lane, dirs);
	}
	lta_slice_init(&l->slice, plan, spec->which, 2);
	dirs[plan->trace] =
		lta_slice_folder(&l->slice, source->traces[plan->trace].filter);
	if (!dirs[plan->trace]) {
		return errno ? -errno : -ENOMEM;
	}
	queue = (size_t)(plan->largest * 5 / 2 / LANE_CHUNK) + 1;
	l->queue_max = queue < LANE_QUEUE	? LANE_QUEUE
		       : queue > LANE_QUEUE_MAX ? LANE_QUEUE_MAX
						: queue;
	return 0;
}

/*
 * Fewer streams than twice the jobs: each stream gets a lane of its own,
 * and each stream file whose packets can be listed two (slices.h). Returns
 * the lane count, with SPECS and PLANS (the caller's), or 0 when no stream
 * can be shared (the streams are then shared out among the jobs).
 */
static size_t plan_slices(struct lta_decoder *source, long **group_of,
			  struct group *groups, size_t count,
			  struct lta_slice_plan **plans_out, size_t *plan_count,
			  struct lane_spec **specs_out)
{
	struct lta_slice_plan *plans = calloc(count, sizeof(*plans));
	struct lane_spec *specs = calloc(2 * count, sizeof(*specs));
	long *plan_of = calloc(count, sizeof(long));
	size_t g, i, shared = 0, n = 0;

	for (g = 0; plans && specs && plan_of && g < count; g++) {
		size_t t = groups[g].trace, file = 0, files = 0;
		const struct lta_trace_filter *f = source->traces[t].filter;

		plan_of[g] = -1;
		for (i = 0; i < lta_trace_filter_file_count(f); i++) {
			if (group_of[t][i] == groups[g].id) {
				file = i;
				files++;
			}
		}
		/* A stream of several files (--tracefile-size): whole. */
		if (files != 1 ||
		    lta_slice_plan_init(&plans[shared], f, t, file)) {
			continue;
		}
		if (plans[shared].table.count < 2) {
			lta_slice_plan_fini(&plans[shared]);
			continue;
		}
		plan_of[g] = (long)shared++;
	}
	for (g = 0; shared && g < count && n + 2 <= 64; g++) {
		if (plan_of[g] >= 0) {
			groups[g].lane = SIZE_MAX;
			specs[n++] =
				(struct lane_spec){ &plans[plan_of[g]], 0 };
			specs[n++] =
				(struct lane_spec){ &plans[plan_of[g]], 1 };
		} else {
			groups[g].lane = n;
			specs[n++] = (struct lane_spec){ NULL, 0 };
		}
	}
	free(plan_of);
	if (!shared || g < count) {
		for (i = 0; i < shared; i++) {
			lta_slice_plan_fini(&plans[i]);
		}
		free(plans);
		free(specs);
		return 0;
	}
	*plans_out = plans;
	*plan_count = shared;
	*specs_out = specs;
	return n;
}

/*
 * Starts N lanes: lane I reads SPECS[I] (NULL: the groups given it),
 * taking PLANS (PLAN_COUNT) over, whatever happens.
 */
static struct lta_decode_lanes *
make_lanes(struct lta_decoder *source, long **group_of, struct group *groups,
	   size_t count, size_t n, const struct lane_spec *specs,
	   struct lta_slice_plan *plans, size_t plan_count)
{
	static const struct lta_decode_handlers handlers = {
		.event = lane_event,
		.discard = lane_discard,
	};
	static const struct lane_spec whole = { NULL, 0 };
	struct lta_decode_lanes *lanes = calloc(1, sizeof(*lanes));
	char **dirs = calloc(source->trace_count, sizeof(char *));
	size_t i, t;

	if (lanes) {
		lanes->plans = plans;
		lanes->plan_count = plan_count;
	} else {
		for (i = 0; i < plan_count; i++) {
			lta_slice_plan_fini(&plans[i]);
		}
		free(plans);
	}
	if (!lanes || !dirs ||
	    !(lanes->lanes = calloc(n, sizeof(*lanes->lanes)))) {
		goto error;
	}
	for (i = 0; i < n; i++) {
		struct lane *l = &lanes->lanes[i];

		pthread_mutex_init(&l->lock, NULL);
		pthread_cond_init(&l->cond, NULL);
		lanes->count++;
		if (spec_dirs(source, group_of, groups, count, i, l,
			      specs ? &specs[i] : &whole, dirs)) {
			goto error;
		}
		l->src = lta_decode_lane_create(source, dirs, &handlers, l);
		if (!l->src) {
			goto error;
		}
		l->src->lane_reserve = lane_reserve;
		/* Only a slice needs to see packets. */
		l->src->lane_packet = l->slice.plan ? lane_packet : NULL;
		memset(dirs, 0, source->trace_count * sizeof(char *));
		l->thread_started =
			pthread_create(&l->thread, NULL, lane_main, l) == 0;
		if (!l->thread_started) {
			goto error;
		}
	}
	free(dirs);
	return lanes;
error:
	for (t = 0; dirs && t < source->trace_count; t++) {
		if (dirs[t]) {
			lta_trace_filter_remove_dir(dirs[t]);
			free(dirs[t]);
		}
	}
	free(dirs);
	lta_decode_lanes_destroy(lanes);
	return NULL;
}

int lta_decode_lanes_start(struct lta_decoder *source)
{
	long **group_of = calloc(source->trace_count, sizeof(long *));
	struct group *groups = NULL;
	struct lta_decode_lanes *lanes = NULL;
	struct lta_slice_plan *plans = NULL;
	struct lane_spec *specs = NULL;
	size_t t, n = 0, plan_count = 0;
	long count = 0;
	int ret = 0;

	if (!group_of) {
		return 0;
	}
	for (t = 0; t < source->trace_count; t++) {
		/* A trace that fails its checks: one graph says why. */
		if (lta_decode_check_trace(source, t)) {
			source->error[0] = '\0';
			goto end;
		}
	}
	count = plan_groups(source, group_of, &groups);
	if (count <= 0) {
		goto end;
	}
	/*
	 * Sharing a stream relies on how source.ctf.fs 2.0 reads an index
	 * (slices.h): another version reads streams whole.
	 */
	if ((size_t)count < 2 * source->options.jobs &&
	    bt_version_get_major() == 2 && bt_version_get_minor() == 0) {
		n = plan_slices(source, group_of, groups, (size_t)count, &plans,
				&plan_count, &specs);
	}
	if (n == 0) {
		n = source->options.jobs < (size_t)count ? source->options.jobs
							 : (size_t)count;
		if (n > 64) {
			n = 64;
		}
		share_out(groups, (size_t)count, n);
	}
	lanes = make_lanes(source, group_of, groups, (size_t)count, n, specs,
			   plans, plan_count);
	if (!lanes) {
		goto end;
	}
	if (!wait_built(lanes)) {
		/* One graph leaves the file at fault out, with a warning. */
		LTA_LOGI("A lane could not open its streams: reading with "
			 "one graph");
		lta_decode_lanes_destroy(lanes);
		goto end;
	}
	LTA_LOGI("Decoding with %zu graphs: streams=%ld, read by two=%zu", n,
		 count, plan_count);
	for (t = 0; t < lanes->count; t++) {
		struct lane *l = &lanes->lanes[t];

		pthread_mutex_lock(&l->lock);
		l->go = true;
		pthread_cond_broadcast(&l->cond);
		pthread_mutex_unlock(&l->lock);
	}
	source->lanes = lanes;
	source->shared_streams = plan_count;
	ret = 1;
end:
	for (t = 0; t < source->trace_count; t++) {
		free(group_of[t]);
	}
	free(group_of);
	free(groups);
	free(specs);
	return ret;
}

/* --- the merge ------------------------------------------------------------ */

/*
 * Takes lane L's next batch, waiting for it, once its current one is
 * consumed. Returns its first item, or NULL when the lane is done.
 */
static struct item *next_batch(struct lane *l)
{
	while (!l->cur || l->pos >= l->cur->used) {
		pthread_mutex_lock(&l->lock);
		if (l->cur) {
			l->cur->next = l->spare;
			l->spare = l->cur;
			l->cur = NULL;
		}
		while (!l->head && l->state != LANE_DONE) {
			pthread_cond_wait(&l->cond, &l->lock);
		}
		if (!l->head) {
			pthread_mutex_unlock(&l->lock);
			return NULL;
		}
		l->cur = l->head;
		l->head = l->head->next;
		if (!l->head) {
			l->tail = NULL;
		}
		l->queued--;
		l->pos = 0;
		pthread_cond_broadcast(&l->cond);
		pthread_mutex_unlock(&l->lock);
	}
	return (struct item *)(l->cur->data + l->pos);
}

/* The next item of lane L, waiting for it; NULL when the lane is done. */
static inline struct item *head_of(struct lane *l)
{
	if (l->cur && l->pos < l->cur->used) {
		return (struct item *)(l->cur->data + l->pos);
	}
	return next_batch(l);
}

/* filter.utils.muxer's order of two traces: UUID, then name. */
static int compare_traces(const struct trace_slot *a,
			  const struct trace_slot *b)
{
	int c;

	if (a->has_uuid != b->has_uuid) {
		return a->has_uuid ? -1 : 1;
	}
	c = a->has_uuid ? memcmp(a->uuid, b->uuid, sizeof(a->uuid)) : 0;
	if (c || (!a->bt_name && !b->bt_name)) {
		return c;
	}
	if (!a->bt_name || !b->bt_name) {
		return a->bt_name ? -1 : 1;
	}
	return strcmp(a->bt_name, b->bt_name);
}

/*
 * Whether item A (of lane LA) comes before B (of lane LB), two streams,
 * in filter.utils.muxer's order.
 */
static bool before(const struct item *a, const struct lane *la,
		   const struct item *b, const struct lane *lb)
{
	int c;

	if (a->key != b->key) {
		return a->key < b->key;
	}
	c = compare_traces(&la->src->traces[a->trace],
			   &lb->src->traces[b->trace]);
	if (c) {
		return c < 0;
	}
	if (a->stream_class != b->stream_class) {
		return a->stream_class < b->stream_class;
	}
	if (a->stream != b->stream) {
		return a->stream < b->stream;
	}
	/* One stream that two lanes read: file order. */
	if (a->packet != b->packet) {
		return a->packet < b->packet;
	}
	return la < lb;
}

static int deliver(struct lta_decoder *source, struct lane *l, struct item *it)
{
	void *body = (unsigned char *)it + align8(sizeof(*it));

	if (!source->traces[it->trace].described) {
		lta_decode_adopt_description(source, it->trace,
					     &l->src->traces[it->trace]);
	}
	if (it->type == ITEM_EVENT) {
		struct lta_event *event = body;

		lta_decode_count_event(source, event);
		return source->handlers.event
			       ? source->handlers.event(event,
							source->user_data)
			       : 0;
	}
	lta_decode_count_discard(source, body);
	return source->handlers.discard
		       ? source->handlers.discard(body, source->user_data)
		       : 0;
}

/* A lane ended: OK when it read its streams to their end. */
static enum lta_decode_status lane_ended(struct lta_decoder *source,
					 struct lane *l)
{
	enum lta_decode_status status;

	pthread_mutex_lock(&l->lock);
	status = l->status;
	pthread_mutex_unlock(&l->lock);
	l->finished = true;
	if (status == LTA_DECODE_ERROR) {
		size_t t;

		snprintf(source->error, sizeof(source->error), "%s",
			 l->slice_error[0] ? l->slice_error
					   : lta_decode_error_message(l->src));
		/* Name the trace's files, not the lane's links to them. */
		for (t = 0; t < source->trace_count; t++) {
			if (l->src->traces[t].lane_dir) {
				lta_trace_filter_unshadow_dir(
					source->traces[t].filter,
					l->src->traces[t].lane_dir,
					source->error, sizeof(source->error));
			}
		}
		source->graph_failed = true;
		return LTA_DECODE_ERROR;
	}
	if (status == LTA_DECODE_STOPPED) {
		return LTA_DECODE_STOPPED;
	}
	return LTA_DECODE_OK;
}

static enum lta_decode_status delivered(struct lta_decoder *source, int ret)
{
	if (ret < 0) {
		source->handler_error = ret;
		source->graph_failed = true;
		snprintf(source->error, sizeof(source->error),
			 "Analysis failed: error=\"%s\"", strerror(-ret));
		return LTA_DECODE_ERROR;
	}
	return ret > 0 ? LTA_DECODE_STOPPED : LTA_DECODE_OK;
}

enum lta_decode_status lta_decode_lanes_step(struct lta_decoder *source,
					     size_t budget)
{
	struct lta_decode_lanes *lanes = source->lanes;
	size_t n = 0, i;

	while (n < budget) {
		struct lane *best = NULL, *next = NULL;
		struct item *best_item = NULL, *next_item = NULL;
		enum lta_decode_status st;

		/* The first head, and the one after it (NEXT). */
		for (i = 0; i < lanes->count; i++) {
			struct lane *l = &lanes->lanes[i];
			struct item *it;

			if (l->finished) {
				continue;
			}
			it = head_of(l);
			if (!it) {
				st = lane_ended(source, l);
				if (st != LTA_DECODE_OK) {
					return st;
				}
				continue;
			}
			if (!best || before(it, l, best_item, best)) {
				next = best;
				next_item = best_item;
				best = l;
				best_item = it;
			} else if (!next || before(it, l, next_item, next)) {
				next = l;
				next_item = it;
			}
		}
		if (!best) {
			return lta_decode_interrupted(source)
				       ? LTA_DECODE_STOPPED
				       : source->stop_status;
		}
		/*
		 * Hand out BEST's events while they come strictly before
		 * NEXT's head: no other lane is looked at meanwhile.
		 */
		do {
			best->pos += best_item->size;
			st = delivered(source,
				       deliver(source, best, best_item));
			if (st != LTA_DECODE_OK) {
				return st;
			}
			if (++n == budget) {
				break;
			}
			best_item = head_of(best);
		} while (best_item &&
			 (!next || best_item->key < next_item->key));
	}
	return LTA_DECODE_OK;
}
