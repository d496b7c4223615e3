/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The decoder's babeltrace2 sink: each message to an event, a discard or a
 * tick for the handlers (or, in a lane, for the lane's batches), with the
 * trace it belongs to and that trace's description. source.c builds the
 * graphs around it.
 */
#include <babeltrace2/babeltrace.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/htable.h"
#include "common/intern.h"
#include "common/log.h"
#include "plan.h"
#include "source-internal.h"

static char *env_string(const bt_trace *trace, const char *name)
{
	const bt_value *v =
		bt_trace_borrow_environment_entry_value_by_name_const(trace,
								      name);

	if (!v || bt_value_get_type(v) != BT_VALUE_TYPE_STRING) {
		return NULL;
	}
	return strdup(bt_value_string_get(v));
}

/* Appends the environment entry NAME (string or integer) to KEY. */
static void key_part(char *key, size_t size, const bt_trace *trace,
		     const char *name)
{
	const bt_value *v =
		bt_trace_borrow_environment_entry_value_by_name_const(trace,
								      name);
	size_t len = strlen(key);

	if (len + 1 >= size) {
		return;
	}
	if (v && bt_value_get_type(v) == BT_VALUE_TYPE_STRING) {
		snprintf(key + len, size - len, "/%s", bt_value_string_get(v));
	} else if (v && bt_value_get_type(v) == BT_VALUE_TYPE_SIGNED_INTEGER) {
		snprintf(key + len, size - len, "/%lld",
			 (long long)bt_value_integer_signed_get(v));
	} else if (v &&
		   bt_value_get_type(v) == BT_VALUE_TYPE_UNSIGNED_INTEGER) {
		snprintf(key + len, size - len, "/%llu",
			 (unsigned long long)bt_value_integer_unsigned_get(v));
	} else {
		snprintf(key + len, size - len, "/-");
	}
}

/*
 * The index of a live trace. One lttng-live session holds several traces
 * (per-UID buffers: one per user and bitness; a kernel trace), and a
 * re-attach makes new trace objects for the same traces: each is told by
 * its environment, and numbered 0, 1, ... in the order first seen, the
 * same across re-attaches. Returns UINT32_MAX when out of memory.
 */
static uint32_t live_trace_index(struct lta_decoder *source,
				 const bt_trace *trace)
{
	struct trace_slot *traces;
	char key[512] = "";
	size_t i;

	if (trace == source->last_trace) {
		return source->last_trace_index;
	}
	key_part(key, sizeof(key), trace, "hostname");
	key_part(key, sizeof(key), trace, "domain");
	key_part(key, sizeof(key), trace, "tracer_buffering_scheme");
	key_part(key, sizeof(key), trace, "tracer_buffering_id");
	key_part(key, sizeof(key), trace, "architecture_bit_width");
	key_part(key, sizeof(key), trace, "vpid");
	key_part(key, sizeof(key), trace, "vpid_datetime");
	for (i = 0; i < source->trace_count; i++) {
		if (!source->traces[i].live_key) {
			/* The URL's own slot, not claimed yet. */
			source->traces[i].live_key = strdup(key);
			if (!source->traces[i].live_key) {
				return UINT32_MAX;
			}
			break;
		}
		if (strcmp(source->traces[i].live_key, key) == 0) {
			break;
		}
	}
	if (i == source->trace_count) {
		traces = realloc(source->traces, (i + 1) * sizeof(*traces));
		if (!traces) {
			return UINT32_MAX;
		}
		source->traces = traces;
		memset(&traces[i], 0, sizeof(*traces));
		traces[i].path = strdup(source->live_url);
		traces[i].live_key = strdup(key);
		if (!traces[i].path || !traces[i].live_key) {
			free(traces[i].path);
			free(traces[i].live_key);
			return UINT32_MAX;
		}
		source->trace_count++;
	}
	source->last_trace = trace;
	source->last_trace_index = (uint32_t)i;
	return (uint32_t)i;
}

/*
 * The index of TRACE in the source: recorded traces carry it in the name
 * given to their source.ctf.fs component; live ones are numbered by
 * live_trace_index(). Returns UINT32_MAX when out of memory.
 */
static uint32_t trace_index_of(struct lta_decoder *source,
			       const bt_trace *trace)
{
	const char *name = bt_trace_get_name(trace);
	size_t len = strlen(TRACE_NAME_PREFIX);
	const char *slash;

	if (source->live_url) {
		return live_trace_index(source, trace);
	}
	/*
	 * source.ctf.fs names the trace "HOSTNAME/NAME" when the trace has
	 * a hostname in its environment, "NAME" otherwise.
	 */
	slash = name ? strrchr(name, '/') : NULL;
	if (slash) {
		name = slash + 1;
	}
	if (name && strncmp(name, TRACE_NAME_PREFIX, len) == 0) {
		return (uint32_t)strtoul(name + len, NULL, 10);
	}
	return 0;
}

static void describe_trace(struct lta_decoder *source, const bt_trace *trace,
			   uint32_t index)
{
	struct trace_slot *slot;

	if (index >= source->trace_count) {
		return;
	}
	slot = &source->traces[index];
	if (slot->described) {
		return;
	}
	slot->described = true;
	slot->hostname = env_string(trace, "hostname");
	slot->domain = env_string(trace, "domain");
	if (bt_trace_get_name(trace)) {
		slot->bt_name = strdup(bt_trace_get_name(trace));
	}
	if (bt_trace_get_uuid(trace)) {
		slot->has_uuid = true;
		memcpy(slot->uuid, bt_trace_get_uuid(trace),
		       sizeof(slot->uuid));
	}
}

void lta_decode_adopt_description(struct lta_decoder *source, uint32_t trace,
				  const struct trace_slot *from)
{
	struct trace_slot *slot;

	if (trace >= source->trace_count || !from->described) {
		return;
	}
	slot = &source->traces[trace];
	if (slot->described) {
		return;
	}
	slot->described = true;
	slot->hostname = from->hostname ? strdup(from->hostname) : NULL;
	slot->domain = from->domain ? strdup(from->domain) : NULL;
	slot->has_uuid = from->has_uuid;
	memcpy(slot->uuid, from->uuid, sizeof(slot->uuid));
	slot->bt_name = from->bt_name ? strdup(from->bt_name) : NULL;
}

void lta_decode_count_event(struct lta_decoder *source,
			    const struct lta_event *event)
{
	source->counters.events++;
	if (event->ts >= 0) {
		if (source->counters.first_ts < 0) {
			source->counters.first_ts = event->ts;
		}
		source->counters.last_ts = event->ts;
	}
}

static struct lta_plan *plan_of(struct lta_decoder *source,
				const bt_event *event)
{
	const bt_event_class *ec = bt_event_borrow_class_const(event);
	struct lta_plan *plan;

	if (ec == source->last_class) {
		return source->last_plan;
	}
	plan = lta_htable_get(&source->plans, (uint64_t)(uintptr_t)ec);
	if (!plan) {
		const bt_trace *trace = bt_stream_borrow_trace_const(
			bt_event_borrow_stream_const(event));
		uint32_t index = trace_index_of(source, trace);

		if (index == UINT32_MAX) {
			return NULL;
		}
		describe_trace(source, trace, index);
		if (source->names_lock) {
			pthread_mutex_lock(source->names_lock);
		}
		plan = lta_plan_create(ec, index, source->names);
		if (source->names_lock) {
			pthread_mutex_unlock(source->names_lock);
		}
		if (!plan) {
			return NULL;
		}
		if (lta_htable_put(&source->plans, (uint64_t)(uintptr_t)ec,
				   plan)) {
			lta_plan_destroy(plan);
			return NULL;
		}
		source->counters.event_classes++;
	}
	source->last_class = ec;
	source->last_plan = plan;
	return plan;
}

static int handle_event(struct lta_decoder *source, const bt_message *msg)
{
	const bt_event *event = bt_message_event_borrow_event_const(msg);
	struct lta_event *out = &source->event;
	struct lta_plan *plan = plan_of(source, event);

	if (!plan) {
		lta_decode_set_error(
			source, "Out of memory while decoding an event class");
		return -ENOMEM;
	}
	if (source->lane_reserve) {
		/* A lane decodes straight into its batch. */
		int ret = source->lane_reserve(
			source->user_data,
			offsetof(struct lta_event, args) +
				(source->options.decode_args ? plan->field_count
							     : 0) *
					sizeof(struct lta_arg),
			&out);

		if (ret) {
			return ret;
		}
	}
	lta_plan_decode(plan, event, source->options.decode_args,
			&source->packet, out);
	if (plan->has_clock) {
		int64_t ns;

		if (bt_clock_snapshot_get_ns_from_origin(
			    bt_message_event_borrow_default_clock_snapshot_const(
				    msg),
			    &ns) ==
		    BT_CLOCK_SNAPSHOT_GET_NS_FROM_ORIGIN_STATUS_OK) {
			out->ts = ns;
		} else {
			out->ts = -1;
		}
	} else {
		out->ts = -1;
	}
	if (!source->parent) {
		lta_decode_count_event(source, out);
	} else {
		const bt_stream *stream = bt_event_borrow_stream_const(event);

		/* Streams live as long as the graph: their ids are kept. */
		if (stream != source->last_stream) {
			source->last_stream = stream;
			source->cur_stream = bt_stream_get_id(stream);
			source->cur_stream_class = bt_stream_class_get_id(
				bt_stream_borrow_class_const(stream));
		}
	}
	if (source->handlers.event) {
		return source->handlers.event(out, source->user_data);
	}
	return 0;
}

static int64_t snapshot_ns(const bt_clock_snapshot *snapshot)
{
	int64_t ns;

	if (!snapshot ||
	    bt_clock_snapshot_get_ns_from_origin(snapshot, &ns) !=
		    BT_CLOCK_SNAPSHOT_GET_NS_FROM_ORIGIN_STATUS_OK) {
		return -1;
	}
	return ns;
}

void lta_decode_count_discard(struct lta_decoder *source,
			      const struct lta_discard *d)
{
	if (d->packets) {
		source->counters.discarded_packet_messages++;
		source->counters.discarded_packets += d->count;
	} else {
		source->counters.discarded_event_messages++;
		source->counters.discarded_events += d->count;
	}
	LTA_LOGI("The tracer discarded %s: trace=%u, count=%llu%s",
		 d->packets ? "packets" : "events", d->trace,
		 (unsigned long long)d->count,
		 d->count_known ? "" : " (unknown)");
}

static int handle_discard(struct lta_decoder *source, const bt_message *msg,
			  bool packets)
{
	const bt_stream *stream;
	const bt_stream_class *sc;
	struct lta_discard d = {
		.cpu = -1, .packets = packets, .begin_ts = -1, .end_ts = -1
	};
	bt_property_availability avail;

	if (packets) {
		stream = bt_message_discarded_packets_borrow_stream_const(msg);
		avail = bt_message_discarded_packets_get_count(msg, &d.count);
	} else {
		stream = bt_message_discarded_events_borrow_stream_const(msg);
		avail = bt_message_discarded_events_get_count(msg, &d.count);
	}
	d.count_known = avail == BT_PROPERTY_AVAILABILITY_AVAILABLE;
	if (!d.count_known) {
		d.count = 0;
	}
	d.trace = trace_index_of(source, bt_stream_borrow_trace_const(stream));
	if (d.trace == UINT32_MAX) {
		lta_decode_set_error(source,
				     "Out of memory while numbering a trace");
		return -ENOMEM;
	}
	sc = bt_stream_borrow_class_const(stream);
	if (packets &&
	    bt_stream_class_discarded_packets_have_default_clock_snapshots(
		    sc)) {
		d.begin_ts = snapshot_ns(
			bt_message_discarded_packets_borrow_beginning_default_clock_snapshot_const(
				msg));
		d.end_ts = snapshot_ns(
			bt_message_discarded_packets_borrow_end_default_clock_snapshot_const(
				msg));
	} else if (
		!packets &&
		bt_stream_class_discarded_events_have_default_clock_snapshots(
			sc)) {
		d.begin_ts = snapshot_ns(
			bt_message_discarded_events_borrow_beginning_default_clock_snapshot_const(
				msg));
		d.end_ts = snapshot_ns(
			bt_message_discarded_events_borrow_end_default_clock_snapshot_const(
				msg));
	}
	if (source->parent) {
		describe_trace(source, bt_stream_borrow_trace_const(stream),
			       d.trace);
		source->last_stream = stream;
		source->cur_stream = bt_stream_get_id(stream);
		source->cur_stream_class = bt_stream_class_get_id(sc);
	} else {
		lta_decode_count_discard(source, &d);
	}
	if (source->handlers.discard) {
		return source->handlers.discard(&d, source->user_data);
	}
	return 0;
}

uint32_t lta_decode_lane_stream(struct lta_decoder *lane,
				const bt_stream *stream)
{
	const bt_trace *trace = bt_stream_borrow_trace_const(stream);
	uint32_t index = trace_index_of(lane, trace);

	describe_trace(lane, trace, index);
	lane->last_stream = stream;
	lane->cur_stream = bt_stream_get_id(stream);
	lane->cur_stream_class =
		bt_stream_class_get_id(bt_stream_borrow_class_const(stream));
	return index;
}

static int handle_inactivity(struct lta_decoder *source, const bt_message *msg)
{
	int64_t ns = snapshot_ns(
		bt_message_message_iterator_inactivity_borrow_clock_snapshot_const(
			msg));

	if (ns < 0 || !source->handlers.tick) {
		return 0;
	}
	return source->handlers.tick(ns, source->user_data);
}

bt_graph_simple_sink_component_consume_func_status
lta_decode_sink_consume(bt_message_iterator *iterator, void *user_data)
{
	struct lta_decoder *source = user_data;
	bt_message_array_const msgs;
	uint64_t count, i;
	int ret = 0;

	switch (bt_message_iterator_next(iterator, &msgs, &count)) {
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_OK:
		break;
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_END:
		return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_END;
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_AGAIN:
		return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_AGAIN;
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_MEMORY_ERROR:
		return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_MEMORY_ERROR;
	default:
		return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_ERROR;
	}

	for (i = 0; i < count; i++) {
		const bt_message *msg = msgs[i];

		if (ret == 0) {
			switch (bt_message_get_type(msg)) {
			case BT_MESSAGE_TYPE_EVENT:
				ret = handle_event(source, msg);
				break;
			case BT_MESSAGE_TYPE_DISCARDED_EVENTS:
				ret = handle_discard(source, msg, false);
				break;
			case BT_MESSAGE_TYPE_DISCARDED_PACKETS:
				ret = handle_discard(source, msg, true);
				break;
			case BT_MESSAGE_TYPE_MESSAGE_ITERATOR_INACTIVITY:
				ret = handle_inactivity(source, msg);
				break;
			case BT_MESSAGE_TYPE_PACKET_BEGINNING:
				lta_plan_packet_begins(&source->packet);
				if (source->lane_packet) {
					ret = source->lane_packet(
						source->user_data, msg);
				}
				break;
			case BT_MESSAGE_TYPE_PACKET_END:
				if (source->lane_packet) {
					ret = source->lane_packet(
						source->user_data, msg);
				}
				break;
			default:
				break;
			}
		}
		bt_message_put_ref(msg);
	}
	if (ret < 0) {
		source->handler_error = ret;
		return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_ERROR;
	}
	if (ret > 0) {
		source->stop_status = LTA_DECODE_STOPPED;
		return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_END;
	}
	return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_OK;
}
