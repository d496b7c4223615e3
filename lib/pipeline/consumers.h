/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The analyses as pipeline consumers (pipeline.h): each wraps one module's
 * state, borrowed (the caller creates and destroys it), so that the
 * command-line tool and the daemon's workers assemble the same analyses
 * the same way.
 */
#ifndef LTA_PIPELINE_CONSUMERS_H
#define LTA_PIPELINE_CONSUMERS_H

#include "agent/timing.h"
#include "pipeline.h"
#include "segment/segment.h"
#include "stats/stats.h"
#include "window/window.h"

/*
 * The segmenter: feed, discard (open requests marked incomplete), flush
 * (lta_segment_finish(): open requests handed out as "open").
 */
struct lta_consumer lta_segment_consumer(struct lta_segment *segment);

/*
 * The segmenter fed only for its derived starts and ends (no flush: the
 * requests still open at the end are not ended, so the agent sees them
 * open, as a crash or a hang would leave them).
 */
struct lta_consumer lta_segment_points_consumer(struct lta_segment *segment);

/* The timing agent: feed (rbl points, process exits), tick (deadlines). */
struct lta_consumer lta_timing_consumer(struct lta_timing *timing);

/* Statistics per event name, process and system call. */
struct lta_consumer lta_stats_consumer(struct lta_stats *stats);

/*
 * Windowed queries (lib/window): feed (system-call exits for the
 * system-call queries; every event's time advances the watermark), tick
 * (the watermark), flush (every open window closes). Requests reach the
 * set apart, from the segmenter's on_request (lta_window_set_request()):
 * add this consumer after the segmenter's.
 */
struct lta_consumer lta_window_consumer(struct lta_window_set *set);

#endif /* LTA_PIPELINE_CONSUMERS_H */
