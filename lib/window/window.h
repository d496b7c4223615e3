/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The window module: continuous windowed queries on trace time.
 *
 * A query counts what a stream holds in windows of trace time, grouped by
 * a key, the way data-stream systems do (TelegraphCQ's RANGE and SLIDE;
 * Flink's and Kafka Streams' tumbling and hopping windows with a grace
 * period for late records). Two streams exist:
 *
 * - completed requests (lib/segment), fed one by one with
 *   lta_window_set_request() from the segmenter's on_request callback: a
 *   request's time is its end, its latency its duration (end - start);
 * - system calls: the exit of each call, fed by the pipeline consumer
 *   (lta_window_consumer(), lib/pipeline/consumers.h) or by
 *   lta_window_set_syscall(): its time is the exit, its latency exit -
 *   entry (the tasks module pairs them; an exit whose entry was not seen
 *   has no latency: it is counted apart, as untimed, in no window).
 *
 * Windows are aligned on multiples of the slide since the Unix epoch, so a
 * live session and the same trace read offline make the same windows:
 * window k covers [k * slide, k * slide + range). Tumbling: slide == range,
 * each event in one window. Hopping: slide < range, range a multiple of
 * slide, each event in range / slide windows. Only the windows and groups
 * that hold an event are handed out: a second with no request gives no
 * window (a reader that plots a series fills in the zeros).
 *
 * Each window and group holds a count, bytes (requests: read + written on
 * the connection; system calls: 0), errors (requests: ended aborted,
 * replaced, open or empty, i.e. not by close, shutdown or keepalive;
 * system calls: a return value below 0) and a compact latency histogram
 * (lib/histogram/sparse.h), mergeable and encodable.
 *
 * Lateness: the watermark is the largest trace time the set has seen (any
 * event, tick, request end or system-call exit) minus the query's grace. A
 * window closes, and is handed to the closed-window callback, once the
 * watermark reaches its end. An event earlier than the largest time seen
 * but whose window is still open is counted there, and as late accepted;
 * an event all of whose windows have closed is counted in no window, only
 * as late dropped (with hopping windows, an event whose oldest windows
 * closed but not its newest is counted in the open ones, and as late
 * partial). Requests are handed out by the segmenter when it knows they
 * ended, which can be well after their end (a lingering close, keepalive):
 * the grace of a request query must cover that delay.
 *
 * Memory is bounded by the open windows (ceil((range + grace) / slide) per
 * query) times the groups of each, capped by max_groups per window: an
 * event of a new group in a full window is refused (counted).
 *
 * Closed windows come out in a deterministic order: when the watermark
 * moves, queries in the order they were added, each its windows by start,
 * each window its groups by group key (strcmp). An offline run therefore
 * gives the same windows, in the same order, whatever the decoding jobs.
 *
 * Not thread-safe: a set belongs to the thread that feeds the pipeline.
 */
#ifndef LTA_WINDOW_WINDOW_H
#define LTA_WINDOW_WINDOW_H

#include <stdbool.h>
#include <stdint.h>

#include "event/event.h"
#include "histogram/sparse.h"
#include "segment/segment.h"

enum lta_window_stream {
	LTA_WINDOW_STREAM_REQUESTS = 0,
	LTA_WINDOW_STREAM_SYSCALLS,
};

/*
 * Group-by keys, a bit each in lta_window_query.group_by, and the index of
 * their value in lta_window_closed.keys.
 */
enum lta_window_key {
	/*
	 * Requests: the request's component (its server and address), else
	 * its process name. System calls: the process name of the thread.
	 */
	LTA_WINDOW_KEY_COMPONENT = 0,
	/* Requests: "close", "keepalive"... System calls: "". */
	LTA_WINDOW_KEY_END_REASON,
	/* System calls: its name ("(unknown)" if not known). Requests: "". */
	LTA_WINDOW_KEY_SYSCALL,
	/*
	 * Requests: the path of the request line, without its query
	 * ("/index.html"), "" when not known (only the user-space tracer's
	 * http events tell). System calls: "".
	 */
	LTA_WINDOW_KEY_PATH,
	LTA_WINDOW_KEY_COUNT,
};

#define LTA_WINDOW_GROUP_BY(key) (1u << (key))

/* Returns "component", "end_reason", "syscall", "path". */
const char *lta_window_key_name(enum lta_window_key key);

/*
 * The inverse of lta_window_key_name(). Returns false for an unknown NAME
 * (KEY untouched).
 */
bool lta_window_key_from_name(const char *name, enum lta_window_key *key);

/*
 * Parses a comma list of key names ("component,end_reason"), or "none",
 * into LTA_WINDOW_GROUP_BY() bits. Returns 0, or -EINVAL for an unknown or
 * empty name (*GROUP_BY then undefined).
 */
int lta_window_parse_group_by(const char *list, unsigned *group_by);

/*
 * Requests counted when no end reason is asked for: every one but "empty"
 * (a connection closed with no request) and "open" (cut by the end of the
 * trace), the same as `lttng-analyzer requests` prints by default.
 */
#define LTA_WINDOW_DEFAULT_END_REASONS         \
	(((1u << LTA_REQUEST_END_COUNT) - 1) & \
	 ~(1u << LTA_REQUEST_END_EMPTY) & ~(1u << LTA_REQUEST_END_OPEN))

/*
 * At most so many windows hold one event (range / slide): each event costs
 * as many updates, and a query asking for more is refused.
 */
#define LTA_WINDOW_MAX_OVERLAP 1000

/*
 * The longest range and grace a query may ask for (a week), and the latest
 * event time counted (2^62 ns: the year 2116): so that no window bound
 * overflows, whatever a corrupted trace or a client says.
 */
#define LTA_WINDOW_MAX_RANGE (INT64_C(7) * 24 * 3600 * 1000000000)
#define LTA_WINDOW_MAX_TS (INT64_C(1) << 62)

/* Groups per window when max_groups is 0. */
#define LTA_WINDOW_DEFAULT_MAX_GROUPS 1000

/* A query: what lta_window_set_add() is given (copied, strings too). */
struct lta_window_query {
	enum lta_window_stream stream;
	int64_t range;	   /* ns, > 0. */
	int64_t slide;	   /* ns, > 0, range a multiple of it; 0: range. */
	int64_t grace;	   /* ns, >= 0. */
	unsigned group_by; /* LTA_WINDOW_GROUP_BY() bits; 0: one group. */
	/* Filter: only this component (the component key's value). NULL. */
	const char *component;
	/* Filter, system calls: only this call name. NULL: all. */
	const char *syscall;
	/* Filter: only latencies of at least this (ns). 0: all. */
	int64_t min_latency;
	/*
	 * Filter, requests: bit (1 << reason) set, requests so ended are
	 * counted. 0: LTA_WINDOW_DEFAULT_END_REASONS.
	 */
	unsigned end_reasons;
	uint32_t max_groups; /* Per window; 0: the default. */
};

/* A closed window and group, handed to the callback (borrowed). */
struct lta_window_closed {
	uint32_t query; /* Its id (lta_window_set_add()). */
	int64_t start;	/* ns since the epoch; the window is [start, end). */
	int64_t end;
	/*
	 * The group's key: its values joined by '|', in key order, only the
	 * keys grouped by ("" for a query with no group-by). A value may hold
	 * '|' itself: read keys[] for the values.
	 */
	const char *group;
	/* The value of each key grouped by; NULL for the others. */
	const char *keys[LTA_WINDOW_KEY_COUNT];
	uint64_t count;
	double rate; /* count / range in seconds. */
	uint64_t bytes;
	uint64_t errors;
	const struct lta_sparse_histogram *latency; /* Of count values. */
	int64_t p50, p90, p99, max; /* ns; from latency; 0 when empty. */
};

/*
 * Called with each closed window and group. Return 0 to go on; any other
 * value is returned by the call that closed the window, once the window
 * in hand is handed out whole (the set stays usable; the windows not
 * handed out yet are closed at the next call).
 */
typedef int (*lta_window_closed_func)(const struct lta_window_closed *closed,
				      void *user_data);

/* What each query has seen (lta_window_set_counters()). */
struct lta_window_counters {
	uint64_t events;	/* Matched the filter, counted somewhere. */
	uint64_t filtered;	/* Not matching the query's filter. */
	uint64_t late_accepted; /* Before the time seen, window open. */
	/*
	 * The largest lateness of an event counted or dropped (the time seen
	 * minus its time), in ns: the grace that would have kept them all.
	 */
	int64_t max_late;
	uint64_t late_partial; /* Hopping: some of its windows closed. */
	uint64_t late_dropped; /* All its windows closed: in none. */
	uint64_t refused;      /* Event x window refused: group cap. */
	uint64_t unended;      /* Requests with no end (not counted). */
	uint64_t untimed;      /* System-call exits with no entry seen. */
	/*
	 * Events whose time is outside 0 to LTA_WINDOW_MAX_TS: ignored, and
	 * the watermark does not move to them.
	 */
	uint64_t bad_time;
	uint64_t windows_open;	 /* Now. */
	uint64_t groups_open;	 /* Now, in all open windows. */
	uint64_t windows_closed; /* Window x group handed out. */
};

struct lta_window_set;

/*
 * Creates an empty set of queries whose closed windows go to ON_CLOSED
 * with USER_DATA (both borrowed). Returns NULL when out of memory.
 */
struct lta_window_set *lta_window_set_create(lta_window_closed_func on_closed,
					     void *user_data);

/*
 * Adds QUERY (copied). Returns its id (0, 1, ... in the order added), or
 * -EINVAL for a query that does not hold (range <= 0, range not a multiple
 * of slide, range / slide above LTA_WINDOW_MAX_OVERLAP, a negative grace,
 * a range or grace above LTA_WINDOW_MAX_RANGE, an unknown group-by bit or
 * stream), or
 * -ENOMEM. Add queries before feeding anything. Memory grows with
 * (range + grace) / slide and max_groups: a caller that takes queries
 * from untrusted clients bounds both.
 */
int lta_window_set_add(struct lta_window_set *set,
		       const struct lta_window_query *query);

/*
 * Feeds a completed request (borrowed for the call) to the request
 * queries; advances the watermark to its end. Returns 0, -ENOMEM, or what
 * the callback returned.
 */
int lta_window_set_request(struct lta_window_set *set,
			   const struct lta_request *request);

/*
 * Feeds an event (completed by the tasks module) to the system-call
 * queries: a system-call exit is counted; every event advances the
 * watermark to its time. Returns as lta_window_set_request().
 */
int lta_window_set_syscall(struct lta_window_set *set,
			   const struct lta_event *event);

/*
 * Trace time reached TS with no event (a live session's inactivity):
 * advances the watermark. Returns as lta_window_set_request().
 */
int lta_window_set_tick(struct lta_window_set *set, int64_t ts);

/*
 * The input ended: closes every open window (in the order above). Events
 * fed after it are late dropped. Returns as lta_window_set_request().
 */
int lta_window_set_flush(struct lta_window_set *set);

/*
 * The counters of query QUERY, or NULL for an unknown id. Borrowed: valid
 * until the next lta_window_set_add() or the set's destroy.
 */
const struct lta_window_counters *
lta_window_set_counters(const struct lta_window_set *set, uint32_t query);

/*
 * The query QUERY as added, defaults filled in (strings owned by the set),
 * or NULL. Borrowed as the counters are.
 */
const struct lta_window_query *
lta_window_set_query(const struct lta_window_set *set, uint32_t query);

/* Accepts NULL. Open windows are dropped without being handed out. */
void lta_window_set_destroy(struct lta_window_set *set);

struct lta_strbuf;

/*
 * Appends C to OUT as one JSON object, no newline (window-format.c):
 *
 *     {"query":0,"start":NS,"end":NS,"group":{"component":"apache2"},
 *      "count":N,"rate":R,"bytes":N,"errors":N,"p50":NS,"p90":NS,
 *      "p99":NS,"max":NS,"histogram":"s1 ..."}
 *
 * group holds the keys grouped by only; rate is printed with 9 significant
 * digits; histogram is lta_sparse_histogram_encode()'s text. Any thread
 * (C is read only).
 */
void lta_window_closed_format_json(const struct lta_window_closed *c,
				   struct lta_strbuf *out);

/*
 * Parses a duration: an integer or decimal number with a unit suffix ns,
 * us, ms, s, m (minutes) or none (ns), e.g. "1s", "500ms", "100us",
 * "2500000". Returns 0 and sets *NS, or -EINVAL.
 */
int lta_window_parse_duration(const char *text, int64_t *ns);

#endif /* LTA_WINDOW_WINDOW_H */
