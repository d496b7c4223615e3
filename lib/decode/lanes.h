/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Parallel decoding of recorded traces, internal to the decode module.
 *
 * babeltrace2 decodes on one thread. With options.jobs > 1, the streams of
 * the recorded traces (streams.h) are shared out among up to that many
 * lanes: each lane is a source of its own (its own babeltrace2 graph:
 * source.ctf.fs on a folder of links to its stream files, a muxer, a sink)
 * run on its own thread, which decodes events into batches. The parent's
 * thread merges the lanes' batches in babeltrace2's muxer order and calls
 * the parent's handlers: the same events, in the same order, as one graph
 * over all the streams would give.
 *
 * With fewer streams than twice the jobs, each stream gets a lane of its
 * own, and a stream whose packets can be listed (packets.h) two lanes,
 * every other packet each (slices.h): streams unequal in time (one busy
 * while another idles) then no longer leave a core idle while the lane
 * ahead waits for the merge.
 *
 * The muxer order: by time; at equal times, messages of different streams
 * by trace UUID, trace name, stream class id, stream id (the same
 * comparison filter.utils.muxer makes); within a stream, file order: a
 * lane's own, and the packet's number when two lanes read the stream.
 *
 * Memory: each lane has at most LANE_QUEUE batches of LANE_CHUNK bytes
 * ahead of the merge (a lane of every other packet, enough for about one
 * decoded packet, at most LANE_QUEUE_MAX); a lane whose batches are not
 * taken waits. So memory does not grow with the trace.
 */
#ifndef LTA_DECODE_LANES_H
#define LTA_DECODE_LANES_H

#include <stddef.h>

#include "decode.h"

struct lta_decoder;
struct lta_decode_lanes;

/* Events handed out by one lta_decode_lanes_step() of lta_decode_run_once(). */
#define LTA_DECODE_LANES_STEP 4096

/*
 * Starts the lanes of SOURCE (recorded traces, options.jobs > 1): plans
 * them, and waits until each built its graph. Returns 1 when they run
 * (SOURCE->lanes set), 0 when one graph must read the traces instead (a
 * graph of a lane could not be built: the single graph then leaves the
 * file at fault out, see partial.h), or -1 with the error set.
 */
int lta_decode_lanes_start(struct lta_decoder *source);

/*
 * Hands out, on the caller's thread, up to BUDGET events (and the discards
 * among them) to SOURCE's handlers. Returns LTA_DECODE_OK (call again),
 * LTA_DECODE_END, LTA_DECODE_STOPPED or LTA_DECODE_ERROR (error set).
 */
enum lta_decode_status lta_decode_lanes_step(struct lta_decoder *source,
					     size_t budget);

/* Stops the lanes' threads and frees them. Accepts NULL. */
void lta_decode_lanes_destroy(struct lta_decode_lanes *lanes);

#endif /* LTA_DECODE_LANES_H */
