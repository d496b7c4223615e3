/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The decode module: LTTng traces in, normalized events out.
 *
 * This is the only module that includes babeltrace2. It builds the
 * babeltrace2 graph (offline: one source.ctf.fs per trace folder, all into
 * one filter.utils.muxer, then our sink; live: one source.ctf.lttng-live
 * connected straight to our sink, which sorts its streams itself) and turns
 * every message into a
 * struct lta_event (lib/event/event.h) handed to the caller's handlers, in
 * timestamp order across all streams and traces.
 *
 * Each event class is resolved once, the first time one of its events is
 * seen, into a plan: its kind, its system call, the indices of the context
 * and payload members we read. After that an event is decoded by index,
 * never by looking a field up by name.
 *
 * Errors from babeltrace2 (a corrupted or truncated trace, a metadata parse
 * failure) are turned into one message, lta_decode_error_message(), that
 * keeps babeltrace2's own causes: they name the file.
 *
 * Input that is there but cannot be read whole is not an error: it is a
 * warning, lta_decode_warning(), naming the file and the reason, and the
 * rest is read. Before babeltrace2 opens a trace folder, each stream file
 * and index file is checked with lstat()/stat() (never opened unless it is
 * a regular file): a folder, a FIFO, a device or a link to one, an empty
 * or unreadable file is left out, since babeltrace2 would skip it silently,
 * fail the whole trace, or block forever (a FIFO as index). babeltrace2
 * then reads a filtered folder of symbolic links to the files that passed
 * ($TMPDIR/lta-trace-PID-XXXXXX, removed by lta_decode_destroy(); those
 * of a process gone, by the next source that makes one). A stream
 * file that babeltrace2 cannot index (truncated in a packet, not CTF) is
 * left out the same way, and a folder with stream files but no metadata is
 * reported too.
 *
 * A source belongs to one thread: the one that calls lta_decode_run().
 */
#ifndef LTA_DECODE_DECODE_H
#define LTA_DECODE_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event/event.h"
#include "trace-path.h"

struct lta_decoder;

enum lta_decode_status {
	LTA_DECODE_OK = 0,	/* Made progress; call again. */
	LTA_DECODE_END = 1,	/* Every trace was read to its end. */
	LTA_DECODE_AGAIN = 2,	/* Nothing now (live): try later. */
	LTA_DECODE_STOPPED = 3, /* A handler asked to stop. */
	LTA_DECODE_ERROR = -1,	/* See lta_decode_error_message(). */
};

/* Events the tracer could not record (ring buffer full). */
struct lta_discard {
	uint32_t trace;
	int32_t cpu;  /* -1 when unknown. */
	bool packets; /* Discarded packets, not events. */
	bool count_known;
	uint64_t count;
	int64_t begin_ts; /* Nanoseconds since the epoch; -1 unknown. */
	int64_t end_ts;
};

/*
 * What the source calls, on the thread that runs it. A handler returns 0 to
 * go on, a positive value to stop reading (LTA_DECODE_STOPPED), a negative
 * errno to fail (LTA_DECODE_ERROR). Any handler may be NULL.
 */
struct lta_decode_handlers {
	/*
	 * Live only: the relay daemon said nothing happened up to TS (an
	 * inactivity message): trace time advances even when the traced
	 * program is silent, which is how a hang is seen while it lasts.
	 */
	int (*tick)(int64_t ts, void *user_data);
	/*
	 * EVENT is the source's own, reused for the next event: the handler
	 * may complete it in place (lta_tasks_feed() does) but must copy
	 * what it keeps.
	 */
	int (*event)(struct lta_event *event, void *user_data);
	int (*discard)(const struct lta_discard *discard, void *user_data);
};

struct lta_decode_options {
	/*
	 * Fill lta_event.args with every payload field of the events whose
	 * arguments an analysis reads: system calls, the user-space
	 * tracer's sockname events (LTA_EVENT_SOCKNAME) and the events the
	 * decoder does not interpret (LTA_EVENT_OTHER). The kinds it
	 * interprets (sched, process, statedump, rbl) carry what is read of
	 * them in lta_event.u, never in args. Without it only those
	 * interpreted fields are read: enough for counting, and faster.
	 */
	bool decode_args;
	/* Log level given to babeltrace2 components: "error", "warn"... */
	const char *bt_log_level;
	/*
	 * Recorded traces: how many babeltrace2 graphs decode at once. The
	 * streams (stream files) are shared out among them and their events
	 * merged back in the order one graph gives (babeltrace2's muxer
	 * order), so handlers see the same events in the same order
	 * whatever the number. 0 or 1: one graph, on the caller's thread.
	 * Live sessions: ignored (one graph).
	 */
	unsigned jobs;
	/* Bounds of the search for traces below a path (trace-path.h). */
	struct lta_trace_discovery discovery;
};

struct lta_decode_counters {
	uint64_t events;
	uint64_t discarded_event_messages;
	uint64_t discarded_events; /* Sum of the known counts. */
	uint64_t discarded_packet_messages;
	uint64_t discarded_packets;
	uint64_t event_classes; /* Plans built. */
	int64_t first_ts;	/* -1 before the first event. */
	int64_t last_ts;
};

/*
 * Streams of recorded traces that two graphs read, every other packet
 * each (--jobs, see lanes.h); 0 before the first lta_decode_run().
 */
size_t lta_decode_shared_streams(const struct lta_decoder *source);

/* A file of the input that is damaged: not read, read in part, ignored. */
struct lta_decode_warning {
	const char *path;   /* The file, under the path given to the source. */
	const char *reason; /* What is wrong and what was done: "not read:
			       a FIFO, not a regular file". */
	/*
	 * Events were lost: a stream file not read or truncated, a trace
	 * without metadata. False for a damaged index, which babeltrace2
	 * replaces by reading the packets themselves: nothing is missing.
	 */
	bool events_lost;
};

struct lta_decode_trace {
	const char *path;     /* The trace folder. */
	const char *hostname; /* From the trace environment, or NULL. */
	const char *domain;   /* "kernel", "ust" or NULL. */
};

/*
 * Creates a source with no trace yet. Returns NULL when out of memory.
 * HANDLERS is copied; USER_DATA is borrowed and passed to every handler.
 */
struct lta_decoder *
lta_decode_create(const struct lta_decode_options *options,
		  const struct lta_decode_handlers *handlers, void *user_data);

/*
 * Adds recorded traces: PATH is a trace folder (it holds a "metadata" file)
 * or any folder above trace folders (an LTTng session output, with kernel/
 * and ust/uid/...); every trace found below it is read. Call before the
 * first lta_decode_run(). Returns 0, -ENOENT when no trace is found (see
 * lta_decode_error_message()), or another negative errno.
 */
int lta_decode_add_path(struct lta_decoder *source, const char *path);

/*
 * Reads a live session instead of recorded traces: URL is
 * net://RELAYD[:PORT]/host/HOST/SESSION. With END_IF_MISSING, reading ends
 * (LTA_DECODE_END) when the session does not exist or was destroyed;
 * otherwise it waits for it. Call before the first run. Returns 0,
 * -EINVAL for a URL that is not net://..., -EBUSY when traces were added.
 */
int lta_decode_set_live(struct lta_decoder *source, const char *url,
			bool end_if_missing);

/* Returns whether the source reads a live session. */
bool lta_decode_is_live(const struct lta_decoder *source);

/*
 * Returns whether the source decodes on several threads (--jobs lanes):
 * known once it has handed out its first event or discard. The thread that
 * runs the source.
 */
bool lta_decode_is_parallel(const struct lta_decoder *source);

/*
 * Runs the graph once (building it if needed): LTA_DECODE_OK when messages
 * were handled, LTA_DECODE_AGAIN when none is available now (live: poll
 * again after a short sleep), LTA_DECODE_END, LTA_DECODE_STOPPED (a handler
 * or lta_decode_interrupt()), or LTA_DECODE_ERROR (a relay daemon that went
 * away, a corrupted trace). After END, STOPPED or ERROR, call
 * lta_decode_reset() before running again (a failed babeltrace2 graph
 * cannot be reused).
 */
enum lta_decode_status lta_decode_run_once(struct lta_decoder *source);

/*
 * Asks a running source to stop at its next occasion (the babeltrace2
 * interrupter): lta_decode_run*() returns LTA_DECODE_STOPPED. Any thread.
 */
void lta_decode_interrupt(struct lta_decoder *source);

/*
 * Clears an interrupt, for a caller that interrupted a blocked graph on
 * purpose (a watchdog) and goes on with a new one (lta_decode_reset()).
 * Any thread.
 */
void lta_decode_clear_interrupt(struct lta_decoder *source);

/* Returns whether lta_decode_interrupt() was called. Any thread. */
bool lta_decode_interrupted(const struct lta_decoder *source);

/*
 * Drops the graph (and the event-class plans that pointed into it) so that
 * the next run builds a new one: after a live relay daemon went away, this
 * is how the reader reconnects. Counters are kept. Same thread as run.
 */
void lta_decode_reset(struct lta_decoder *source);

/*
 * Builds the graph if needed and runs it until every trace ends, a handler
 * stops it or an error occurs. Returns LTA_DECODE_END, LTA_DECODE_STOPPED or
 * LTA_DECODE_ERROR. A graph that failed is not reused.
 */
enum lta_decode_status lta_decode_run(struct lta_decoder *source);

/*
 * Returns the error of the last failed call: a sentence with babeltrace2's
 * causes, which name the file at fault. Empty when there was none. Borrowed.
 */
const char *lta_decode_error_message(const struct lta_decoder *source);

/* Returns the counters so far. Borrowed; valid until destroy. */
const struct lta_decode_counters *
lta_decode_counters(const struct lta_decoder *source);

/*
 * Returns how many traces the source reads, and one of them by the index
 * that lta_event.trace carries. Hostname and domain are known once that
 * trace's first event was decoded.
 */
size_t lta_decode_trace_count(const struct lta_decoder *source);
const struct lta_decode_trace *
lta_decode_trace(const struct lta_decoder *source, size_t index);

/*
 * Returns how many warnings the source has, and warning INDEX (NULL past
 * the end): files of the input that are damaged. Everything else was
 * read; when a warning has events_lost, the counts are partial.
 * lta_decode_add_path() adds the warnings of folders without metadata, the
 * first run adds those of the stream and index files (all known once it
 * returns), and a warning is never removed. The warnings and their strings
 * are borrowed: valid until lta_decode_destroy(). Same thread as run.
 */
size_t lta_decode_warning_count(const struct lta_decoder *source);
const struct lta_decode_warning *
lta_decode_warning(const struct lta_decoder *source, size_t index);

/*
 * Destroys the source and its graph. Accepts NULL.
 */
void lta_decode_destroy(struct lta_decoder *source);

#endif /* LTA_DECODE_DECODE_H */
