/* SPDX-License-Identifier: GPL-2.0-only */
#include "slices.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "partial.h"

int lta_slice_plan_init(struct lta_slice_plan *plan,
			const struct lta_trace_filter *filter, size_t trace,
			size_t file)
{
	const char *name = lta_trace_filter_file(filter, file);
	size_t i;
	int ret;

	memset(plan, 0, sizeof(*plan));
	if (!name) {
		return -ENOENT;
	}
	/* A name relative to the trace's folder. */
	ret = lta_decode_packet_table(lta_trace_filter_real_dir(filter), name,
				      &plan->table);
	if (ret) {
		return ret;
	}
	plan->trace = trace;
	plan->file = file;
	for (i = 0; i < plan->table.count; i++) {
		uint64_t bytes = plan->table.packets[i].packet_size / 8;

		if (bytes > plan->largest) {
			plan->largest = bytes;
		}
	}
	return 0;
}

void lta_slice_plan_fini(struct lta_slice_plan *plan)
{
	lta_packet_table_fini(&plan->table);
	memset(plan, 0, sizeof(*plan));
}

void lta_slice_init(struct lta_slice *slice, const struct lta_slice_plan *plan,
		    unsigned which, unsigned ways)
{
	size_t n = plan->table.count;

	memset(slice, 0, sizeof(*slice));
	slice->plan = plan;
	slice->first = which;
	slice->step = ways;
	slice->count = which < n ? (n - which + ways - 1) / ways : 0;
	/* Before a first packet that is not the file's: babeltrace2's. */
	slice->drop = slice->count && which > 0;
}

char *lta_slice_folder(const struct lta_slice *slice,
		       const struct lta_trace_filter *filter)
{
	return lta_trace_filter_slice(filter, slice->plan->file,
				      &slice->plan->table, slice->first,
				      slice->step);
}

static int64_t cycles_ns(const bt_clock_class *clock, uint64_t cycles)
{
	int64_t ns;

	if (!clock ||
	    bt_clock_class_cycles_to_ns_from_origin(clock, cycles, &ns) !=
		    BT_CLOCK_CLASS_CYCLES_TO_NS_FROM_ORIGIN_STATUS_OK) {
		return -1;
	}
	return ns;
}

/*
 * The discards babeltrace2 gives between packet A - 1 and packet A of the
 * file, read one after the other (msg-iter.c, 2.0): events, then packets.
 */
static int
put_true_discards(const struct lta_slice *slice, const bt_stream_class *sc,
		  size_t a, int (*put)(const struct lta_discard *d, void *data),
		  void *data)
{
	const struct lta_packet_info *prev = &slice->plan->table.packets[a - 1];
	const struct lta_packet_info *cur = &slice->plan->table.packets[a];
	const bt_clock_class *clock =
		bt_stream_class_borrow_default_clock_class_const(sc);
	struct lta_discard d;
	int ret;

	if (bt_stream_class_supports_discarded_events(sc) &&
	    cur->events_discarded != prev->events_discarded) {
		d = (struct lta_discard){ .cpu = -1,
					  .begin_ts = -1,
					  .end_ts = -1,
					  .trace = (uint32_t)slice->plan->trace,
					  .count_known = true };
		d.count = cur->events_discarded - prev->events_discarded;
		if (bt_stream_class_discarded_events_have_default_clock_snapshots(
			    sc)) {
			d.begin_ts = cycles_ns(clock, prev->ts_end);
			d.end_ts = cycles_ns(clock, cur->ts_end);
		}
		ret = put(&d, data);
		if (ret) {
			return ret;
		}
	}
	if (bt_stream_class_supports_discarded_packets(sc) &&
	    cur->seq_num - prev->seq_num > 1) {
		d = (struct lta_discard){ .cpu = -1,
					  .packets = true,
					  .begin_ts = -1,
					  .end_ts = -1,
					  .trace = (uint32_t)slice->plan->trace,
					  .count_known = true };
		d.count = cur->seq_num - prev->seq_num - 1;
		if (bt_stream_class_discarded_packets_have_default_clock_snapshots(
			    sc)) {
			d.begin_ts = cycles_ns(clock, prev->ts_end);
			d.end_ts = cycles_ns(clock, cur->ts_begin);
		}
		return put(&d, data);
	}
	return 0;
}

int lta_slice_packet(struct lta_slice *slice, const bt_message *msg,
		     int (*put)(const struct lta_discard *d, void *data),
		     void *data, char *error, size_t size)
{
	const struct lta_packet_table *t = &slice->plan->table;
	const bt_packet *packet;
	const bt_stream_class *sc;
	size_t a;

	if (bt_message_get_type(msg) == BT_MESSAGE_TYPE_PACKET_END) {
		/* The next packet's predecessor in the file is another's. */
		slice->drop = slice->next < slice->count && slice->step > 1;
		return 0;
	}
	if (slice->next >= slice->count) {
		snprintf(error, size,
			 "babeltrace2 read more packets of a stream than its "
			 "index lists (%zu)",
			 slice->count);
		return -EPROTO;
	}
	a = slice->first + slice->next * slice->step;
	packet = bt_message_packet_beginning_borrow_packet_const(msg);
	sc = bt_stream_borrow_class_const(
		bt_packet_borrow_stream_const(packet));
	if (bt_stream_class_packets_have_beginning_default_clock_snapshot(sc)) {
		uint64_t begin = bt_clock_snapshot_get_value(
			bt_message_packet_beginning_borrow_default_clock_snapshot_const(
				msg));

		if (begin != t->packets[a].ts_begin) {
			snprintf(error, size,
				 "babeltrace2 did not read the packets its "
				 "index lists: packet %zu begins at %" PRIu64
				 ", expected %" PRIu64,
				 a, begin, t->packets[a].ts_begin);
			return -EPROTO;
		}
	}
	slice->current = (uint32_t)a;
	slice->next++;
	slice->drop = false;
	/* Not after its predecessor in the file: a run starts. */
	if (a > 0 && (slice->next == 1 || slice->step > 1)) {
		return put_true_discards(slice, sc, a, put, data);
	}
	return 0;
}

int lta_slice_end(const struct lta_slice *slice, char *error, size_t size)
{
	if (slice->next != slice->count) {
		snprintf(error, size,
			 "babeltrace2 read %zu packets of a stream, its index "
			 "lists %zu",
			 slice->next, slice->count);
		return -EPROTO;
	}
	return 0;
}
