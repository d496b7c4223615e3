/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One stream's packets shared out among lanes, internal to the decode
 * module (lanes.c).
 *
 * Sharing whole streams out among lanes balances badly when the streams
 * are few or unequal: a lane whose stream is ahead in time waits while
 * the merge waits for the other, and one core idles. So a stream file
 * whose packets we can list (packets.h) is read by two lanes, each taking
 * every other packet: while the merge takes one lane's packet, the other
 * lane decodes the next. Each lane's babeltrace2 graph reads the stream
 * file through an index file of our own that lists only its packets
 * (source.ctf.fs of babeltrace2 2.0 reads a stream packet by packet as its
 * index lists them); the index's sizes must add up to the file's size, so
 * the last entry takes what the others leave.
 *
 * What babeltrace2 then gets wrong, and what this file puts right:
 * - discarded events and packets: babeltrace2 counts them from one packet
 *   to the next it reads, so before the first packet of each run a lane
 *   reads (a packet whose predecessor in the file another lane reads), its
 *   discard messages compare with the wrong packet. Those are dropped, and
 *   the true ones made from the packet table as babeltrace2 makes them
 *   from consecutive packets (msg-iter.c: events discarded from the
 *   previous packet's end to this one's end, counted by the difference of
 *   the counters; packets discarded from the previous packet's end to
 *   this one's beginning, by the gap in sequence numbers);
 * - the order at equal times: events of one stream read by two lanes are
 *   put back in file order by their packet's number in the file.
 * Each packet a lane reads is checked against the plan (its beginning
 * time): a babeltrace2 that would not follow the index fails the run
 * loudly instead of reading a packet twice.
 */
#ifndef LTA_DECODE_SLICES_H
#define LTA_DECODE_SLICES_H

#include <babeltrace2/babeltrace.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode.h"
#include "packets.h"

struct lta_trace_filter;

/* A stream file that lanes share: its packets. */
struct lta_slice_plan {
	struct lta_packet_table table;
	size_t trace, file; /* Trace index in the source; file index. */
	uint64_t largest;   /* Bytes of its largest packet. */
};

/*
 * One lane's share of a stream file: packets FIRST, FIRST + STEP, ... of
 * the file (COUNT of them).
 */
struct lta_slice {
	const struct lta_slice_plan *plan; /* Borrowed; NULL: not a slice. */
	size_t first, step, count;
	size_t next;	  /* How many of them began. */
	uint32_t current; /* The packet being read (its index in the file). */
	bool drop;	  /* Discards now are babeltrace2's, not the file's. */
};

/*
 * Lists the packets of stream file FILE of trace TRACE (FILTER). Returns
 * 0, or a negative errno when the stream cannot be shared (packets.h),
 * PLAN then empty. Any thread.
 */
int lta_slice_plan_init(struct lta_slice_plan *plan,
			const struct lta_trace_filter *filter, size_t trace,
			size_t file);
void lta_slice_plan_fini(struct lta_slice_plan *plan);

/* SLICE: share WHICH of WAYS of PLAN (packet I goes to share I % WAYS). */
void lta_slice_init(struct lta_slice *slice, const struct lta_slice_plan *plan,
		    unsigned which, unsigned ways);

/*
 * The folder SLICE's graph reads: links to the metadata and the stream
 * file, and our index of the slice's packets. Returns it (the caller frees
 * it after lta_trace_filter_remove_dir()), or NULL (errno set).
 */
char *lta_slice_folder(const struct lta_slice *slice,
		       const struct lta_trace_filter *filter);

/*
 * MSG, a packet beginning or end of SLICE's stream. At a beginning, checks
 * it is the packet planned and, when it starts a run, calls PUT with the
 * discards babeltrace2 would have given after the packet before it. 0,
 * PUT's non-zero value, or -EPROTO with ERROR (SIZE bytes) set.
 */
int lta_slice_packet(struct lta_slice *slice, const bt_message *msg,
		     int (*put)(const struct lta_discard *d, void *data),
		     void *data, char *error, size_t size);

/* At the end of the graph: whether every planned packet was read. */
int lta_slice_end(const struct lta_slice *slice, char *error, size_t size);

#endif /* LTA_DECODE_SLICES_H */
