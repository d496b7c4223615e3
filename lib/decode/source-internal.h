/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The source's own state, internal to the decode module: shared by
 * source.c (one babeltrace2 graph) and lanes.c (several graphs decoding
 * parts of a recorded trace at once, merged back in order).
 *
 * A lane is itself a struct lta_decoder, with a parent: it reads some of
 * the parent's stream files (lane_dir per trace, a folder of links) and
 * its handlers hand every event and discard to lanes.c, which delivers
 * them to the parent's handlers on the parent's thread.
 */
#ifndef LTA_DECODE_SOURCE_INTERNAL_H
#define LTA_DECODE_SOURCE_INTERNAL_H

#include <babeltrace2/babeltrace.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/htable.h"
#include "common/intern.h"
#include "decode.h"
#include "partial.h"
#include "plan.h"

#define TRACE_NAME_PREFIX "lta-trace-"

struct trace_slot {
	char *path; /* Owned. */
	/*
	 * Live: what tells this trace from the session's others, from its
	 * environment (hostname, domain, buffering scheme and id, bitness);
	 * NULL for recorded traces, which are told apart by folder.
	 */
	char *live_key; /* Owned. */
	char *hostname; /* Owned; set at first event. */
	char *domain;	/* Owned; set at first event. */
	bool described;
	struct lta_decode_trace view;
	/* Recorded traces: what babeltrace2 may open; NULL until checked. */
	struct lta_trace_filter *filter; /* Owned. */
	/*
	 * A lane: the folder of links to this trace's files that the lane
	 * reads (owned, removed on destroy), or NULL when the lane reads
	 * none of them.
	 */
	char *lane_dir;
	/*
	 * Set with hostname and domain: the trace's UUID, if it has one, and
	 * its name in babeltrace2 (what the muxer orders traces by).
	 */
	bool has_uuid;
	uint8_t uuid[16];
	char *bt_name; /* Owned; NULL when none. */
};

struct lta_decode_lanes;

struct lta_decoder {
	struct lta_decode_options options;
	char *bt_log_level; /* Owned copy of the option. */
	struct lta_decode_handlers handlers;
	void *user_data; /* Borrowed. */

	struct trace_slot *traces; /* Owned array. */
	size_t trace_count;

	bt_graph *graph; /* Owned. */
	char *live_url;	 /* Owned; NULL for recorded traces. */
	/* Live: the last trace object seen and its index. */
	const bt_trace *last_trace;
	uint32_t last_trace_index;
	bool end_if_missing;
	bt_interrupter *interrupter; /* Owned; added to every graph. */
	bool graph_failed;

	/* Plans by bt_event_class address; the last one is cached. */
	struct lta_htable plans; /* Owns its plans. */
	const bt_event_class *last_class;
	struct lta_plan *last_plan; /* Borrowed from plans. */
	/* Event and system-call names; a lane borrows its parent's. */
	struct lta_intern *names;
	/*
	 * Taken to make a plan (lanes make theirs at once): the source's own
	 * lock, or a lane's parent's.
	 */
	pthread_mutex_t *names_lock;
	pthread_mutex_t own_names_lock;

	enum lta_decode_status stop_status;
	int handler_error;

	/* Parallel decoding of recorded traces (lanes.c); NULL: none. */
	struct lta_decode_lanes *lanes;
	size_t shared_streams; /* Streams two lanes read (slices.h). */
	/* Lanes were tried and cannot be used: one graph from now on. */
	bool lanes_refused;
	/* A lane: its parent (NULL otherwise). */
	struct lta_decoder *parent;
	/*
	 * A lane: where to decode the next event, SIZE bytes of it (its
	 * arguments included): *EVENT, in the lane's batch. Returns 0, a
	 * positive value to stop, or a negative errno.
	 */
	int (*lane_reserve)(void *user_data, size_t size,
			    struct lta_event **event);
	/*
	 * A lane: told of each packet beginning and end (MSG). Returns 0, a
	 * positive value to stop, or a negative errno.
	 */
	int (*lane_packet)(void *user_data, const bt_message *msg);
	/* A lane: the stream of the event or discard being handed out. */
	const bt_stream *last_stream;
	uint64_t cur_stream_class;
	uint64_t cur_stream;
	struct lta_plan_state packet; /* The current packet, arrays. */
	/*
	 * This decoder's own babeltrace2 plugins (ctf, utils), loaded when
	 * first needed: component classes of their own, so that lanes can
	 * build their graphs at once (see lta_decode_bt_lock()).
	 */
	const bt_plugin *plugins[2];

	struct lta_decode_counters counters;
	struct lta_warning_list warnings; /* Partial input. */
	struct lta_event event;		  /* Reused for every event. */
	char error[4096];
};

/*
 * source.c, for lanes.c: a lane of PARENT that reads, of each trace I, the
 * folder DIRS[I] (taken over; NULL: none of it), with HANDLERS. The lane
 * shares the parent's interrupter and names. Returns NULL when out of
 * memory (DIRS are then still the caller's).
 */
struct lta_decoder *
lta_decode_lane_create(struct lta_decoder *parent, char **dirs,
		       const struct lta_decode_handlers *handlers,
		       void *user_data);

/* source.c: sets the error message (source->error). */
void lta_decode_set_error(struct lta_decoder *source, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * sink.c: the consume function of the simple sink that source.c adds to
 * each graph (user data: the decoder).
 */
bt_graph_simple_sink_component_consume_func_status
lta_decode_sink_consume(bt_message_iterator *iterator, void *user_data);

/*
 * sink.c, for lanes.c: takes STREAM as the stream of what the lane hands
 * out next (cur_stream_class, cur_stream), and its trace's description.
 * Returns the trace's index.
 */
uint32_t lta_decode_lane_stream(struct lta_decoder *lane,
				const bt_stream *stream);

/*
 * source.c: the checks made before babeltrace2 opens trace INDEX (metadata
 * framing, stream and index files, partial.h). 0 or a negative errno.
 */
int lta_decode_check_trace(struct lta_decoder *source, size_t index);

/*
 * source.c: builds the graph if needed; 0, or -1 with the error set. Lanes
 * call it at once, each on its own thread: it takes lta_decode_bt_lock()
 * itself around what is shared.
 */
int lta_decode_prepare(struct lta_decoder *source);

/*
 * source.c: the lock around what libbabeltrace2 shares between graphs
 * without locking it: loading plugins (a global list of component
 * classes), objects several graphs hold references to (the interrupter, the
 * simple sink's component class: plain reference counts), and destroying
 * graphs and plugins. What takes time, source.ctf.fs reading the metadata
 * and indexing the streams when its component is added, is left out: each
 * decoder adds it from a component class of its own plugin. Any thread;
 * not recursive.
 */
void lta_decode_bt_lock(void);
void lta_decode_bt_unlock(void);

/* plugins.c: the plugins the decoder loads (lta_decode_load_plugin()). */
enum {
	LTA_DECODE_PLUGIN_CTF = 0,
	LTA_DECODE_PLUGIN_UTILS = 1,
};

/*
 * plugins.c: loads plugin WHICH (LTA_DECODE_PLUGIN_*) into *PLUGIN, a new
 * reference with component classes of its own (put it under
 * lta_decode_bt_lock()). Called with lta_decode_bt_lock() held. Returns 0,
 * or -ENOENT (*PLUGIN NULL).
 */
int lta_decode_load_plugin(size_t which, const bt_plugin **plugin);

/* plugins.c: the name of plugin WHICH. Any thread. */
const char *lta_decode_plugin_name(size_t which);

/*
 * sink.c, for lanes.c: counts EVENT (or a discard) as the single-graph
 * source does, on the parent's thread, before its handler sees it.
 */
void lta_decode_count_event(struct lta_decoder *source,
			    const struct lta_event *event);
void lta_decode_count_discard(struct lta_decoder *source,
			      const struct lta_discard *discard);

/* sink.c: the trace slot of a lane to copy into the parent's. */
void lta_decode_adopt_description(struct lta_decoder *source, uint32_t trace,
				  const struct trace_slot *from);

#endif /* LTA_DECODE_SOURCE_INTERNAL_H */
