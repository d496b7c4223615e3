/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The store: what the daemon keeps, in SQLite (WAL mode), under its data
 * folder. The only module that includes sqlite3.
 *
 * Analyses (what was or is being analyzed, their status and counters) and
 * their requests (the JSON record of lib/segment/request-format.h plus the
 * columns the API filters on). One writer per analysis, on the analysis
 * thread, batching rows into a transaction committed at most every few
 * hundred milliseconds: what a reader saw committed survives a crash of the
 * daemon (SQLite's WAL with synchronous=NORMAL keeps every committed
 * transaction across a process crash). Readers (HTTP threads) use their own
 * connections, so queries never wait for ingestion (WAL readers do not
 * block the writer nor each other).
 *
 * Connections (accept to close, lib/segment's struct lta_connection) are
 * kept too, by the same writer in the same transactions: each request
 * names its connection and its position on it. Their queries are
 * O(log n + limit) for paging, process, end reason and time range (ids
 * in accept order are in start order, as the segmenter gives them); pid
 * is checked on the rows the others select.
 *
 * Errors are negative errno values: -ENOENT (no such analysis or request),
 * -ENOSPC (disk full), -EIO (anything else SQLite reported), -ENOMEM; the
 * last SQLite message is in lta_store_error() of the connection's thread.
 *
 * Connections: each writer has its own; analyses are written through one
 * shared connection under a mutex; each thread that reads gets its own
 * read-only connection on its first read, closed when the thread exits or
 * at lta_store_close(). A writer holds SQLite's write lock only while it
 * commits a batch (it batches in memory), so writers, analyses updates and
 * readers never wait long for each other.
 *
 * Every requests query is O(log n + limit) for paging, process, end
 * reason and time range (when ids are in start order, as the segmenter
 * gives them; otherwise a time range scans the analysis), and about
 * O(sqrt(limit * n)) at worst for a minimum duration.
 *
 * Timing-failure errors of the agent (lib/agent/agent.h) are kept too,
 * written by the same writer in the same transactions as the requests.
 * Their queries are O(log n + limit) for paging, type, entity and time
 * range (when ids are in raised order, as the agent gives them); name,
 * origin and pid are checked on the rows the others select. Their counts
 * are kept as they are written: O(1) to read.
 */
#ifndef LTA_STORE_STORE_H
#define LTA_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "segment/segment.h"

struct lta_store;
struct lta_store_writer;

#define LTA_STORE_KIND_MAX 16
#define LTA_STORE_SOURCE_MAX 1024
#define LTA_STORE_STATUS_MAX 16
#define LTA_STORE_REASON_MAX 512

/* An analysis as stored. Status words are the API's. */
struct lta_store_analysis {
	int64_t id;			   /* 1, 2, ... */
	char kind[LTA_STORE_KIND_MAX];	   /* "live" or "trace". */
	char source[LTA_STORE_SOURCE_MAX]; /* net:// URL or folder. */
	char status[LTA_STORE_STATUS_MAX]; /* connecting, live, ... */
	char reason[LTA_STORE_REASON_MAX]; /* Why failed/ended; "". */
	int64_t created_ns;		   /* Wall clock, ns. */
	int64_t updated_ns;
	int64_t events;
	int64_t discarded_events;
	int64_t requests;      /* Stored requests. */
	int64_t last_event_ns; /* Trace time; -1. */
	int64_t connections;   /* Stored connections. */
};

/*
 * Opens (creating if needed) DIR/lttng-analyzer.db. Returns NULL with a
 * message in ERROR when the folder or database cannot be used. Analyses
 * that were running when the daemon stopped are marked "interrupted".
 *
 * DIR is created (mode 0750) when missing, its parent must exist. The
 * message names the folder or the file: not a folder, not a database,
 * another program's database, a newer schema, or the folder already in use
 * (DIR/lttng-analyzer.lock is locked while the store is open, so that two
 * daemons never share a folder). Any thread.
 */
struct lta_store *lta_store_open(const char *dir, char *error, size_t size);

/*
 * Opens DIR's database for an analysis worker, a process the daemon
 * started: no folder lock (the daemon holds it), no schema change (the
 * daemon made it current; another version is refused), nothing marked
 * interrupted. Returns NULL with a message in ERROR. Any thread.
 */
struct lta_store *lta_store_open_worker(const char *dir, char *error,
					size_t size);

/*
 * Closes every connection. Writers must be closed first. Accepts NULL.
 * Call it once no other thread uses the store (nor exits after having
 * used it): the read connections of threads still alive are closed here.
 */
void lta_store_close(struct lta_store *store);

/*
 * The last SQLite error message of the calling thread, or "". Any thread.
 */
const char *lta_store_error(void);

/* --- analyses (any thread) --------------------------------------------- */

/*
 * Inserts a new analysis; sets ANALYSIS->id (and created_ns, updated_ns
 * to the wall clock when they are 0). Returns 0 or an error.
 */
int lta_store_analysis_insert(struct lta_store *store,
			      struct lta_store_analysis *analysis);

/*
 * Writes status, reason, counters and updated_ns (the wall clock when 0)
 * of ANALYSIS->id. Returns 0, -ENOENT or an error.
 */
int lta_store_analysis_update(struct lta_store *store,
			      const struct lta_store_analysis *analysis);

/*
 * Sets the final STATUS and REASON of analysis ID, with its requests and
 * connections counted from what the store holds (its worker died: its
 * last counters may be older than its last commit). Returns 0, -ENOENT or
 * an error. Any thread.
 */
int lta_store_analysis_finish(struct lta_store *store, int64_t id,
			      const char *status, const char *reason);

/*
 * Removes analysis ID and everything stored of it (requests, connections,
 * errors, snapshot, queries, windows, events), in one transaction. Its
 * worker must be gone. Returns 0, -ENOENT or an error. Any thread; takes
 * as long as the rows are many (the control connection waits meanwhile).
 */
int lta_store_analysis_delete(struct lta_store *store, int64_t id);

/* Reads analysis ID into OUT. Returns 0 or -ENOENT. */
int lta_store_analysis_get(struct lta_store *store, int64_t id,
			   struct lta_store_analysis *out);

/*
 * Calls FN for every analysis, by id. FN returns 0 to go on. Returns 0, an
 * error, or what FN returned.
 */
int lta_store_analysis_list(struct lta_store *store,
			    int (*fn)(const struct lta_store_analysis *a,
				      void *user_data),
			    void *user_data);

/* --- requests: writing (the analysis thread) -------------------------- */

/*
 * Opens a writer for ANALYSIS_ID. Returns NULL on error (the message in
 * lta_store_error()). The writer is used by one thread at a time, usually
 * the analysis thread, and closed before the store.
 */
struct lta_store_writer *lta_store_writer_open(struct lta_store *store,
					       int64_t analysis_id);

/*
 * Adds R (its record formatted with HOST) to the open transaction. Returns
 * 0 or an error (-ENOSPC: the disk is full; the request stays in the batch,
 * not stored yet, and what was committed before stays).
 *
 * The transaction is a batch in memory, written in one SQLite transaction
 * by lta_store_writer_commit(); a batch past a few MiB (or 65536 rows) is
 * committed here, and the errors are then those of the commit. R is
 * borrowed for the call. Adding an id again replaces its row.
 */
int lta_store_writer_add(struct lta_store_writer *w,
			 const struct lta_request *r, const char *host);

/*
 * Commits when the open transaction is older than MAX_AGE_MS (or always
 * with 0). Returns 0 or an error; after an error the rows of the failed
 * transaction stay in the batch and the next commit tries them again (a
 * full disk loses nothing: the caller stops adding rows, and commits again
 * until space comes back). lta_store_writer_pending() says how many wait.
 *
 * The age is that of the oldest row of the batch, on the monotonic clock;
 * an empty batch commits nothing. Cheap when not due: call it often.
 */
int lta_store_writer_commit(struct lta_store_writer *w, int max_age_ms);

/*
 * Whether lta_store_writer_commit(W, MAX_AGE_MS) would write now: the
 * batch holds something and is that old. Lets the caller build what goes
 * with a commit (the snapshot) only when one happens.
 */
bool lta_store_writer_due(const struct lta_store_writer *w, int max_age_ms);

/*
 * Makes W leave a full batch to its caller: lta_store_writer_add() and
 * the others never commit by themselves, lta_store_writer_due() says
 * when the batch is full. For a caller that writes a snapshot with each
 * commit (the analysis worker). The writer's thread.
 */
void lta_store_writer_set_manual(struct lta_store_writer *w);

/*
 * Sets the snapshot of W's analysis (what /stats and /timeouts show, as
 * JSON: see src/lttng-analyzerd/snapshot.c) to be written in W's next
 * commit, in the same transaction as the rows it counts. SNAPSHOT is
 * copied. A pending snapshot makes the next lta_store_writer_commit()
 * write even with no row. Returns 0 or -ENOMEM. The writer's thread.
 */
int lta_store_writer_set_snapshot(struct lta_store_writer *w,
				  const char *snapshot);

/*
 * Reads the last snapshot committed for ANALYSIS into *SNAPSHOT (malloc'd:
 * the caller frees it). Returns 0, -ENOENT (none yet) or an error. Any
 * thread.
 */
int lta_store_snapshot_get(struct lta_store *store, int64_t analysis,
			   char **snapshot);

/* Rows committed so far by this writer (replaced rows count again). */
/* Rows (requests, connections, errors) in the batch, not stored yet. */
size_t lta_store_writer_pending(const struct lta_store_writer *w);

int64_t lta_store_writer_committed(const struct lta_store_writer *w);

/* Commits what is pending and closes. Accepts NULL. */
void lta_store_writer_close(struct lta_store_writer *w);

/* --- requests: reading (any thread) ------------------------------------- */

struct lta_store_filter {
	int64_t analysis;
	int64_t from_ns;	 /* start_ns >= from_ns; INT64_MIN: any. */
	int64_t to_ns;		 /* start_ns < to_ns; INT64_MAX: any. */
	const char *process;	 /* procname ==; NULL: any. */
	const char *component;	 /* component ==; NULL: any. */
	int64_t min_duration_ns; /* -1: any. */
	const char *end_reason;	 /* NULL: any. */
	int64_t connection_id;	 /* Requests of that connection; 0: any. */
	int64_t after_id; /* Cursor: id > after_id (0: from the first). */
	int limit;	  /* Rows at most (the caller caps it). */
};

/* One stored request: the filter columns and the full JSON record. */
struct lta_store_request {
	int64_t analysis;
	int64_t id;
	int32_t pid;
	const char *procname;
	const char *peer; /* "" when unknown. */
	int32_t port;	  /* -1 when unknown. */
	int64_t start_ns;
	int64_t end_ns;	     /* -1 when open. */
	int64_t duration_ns; /* -1 when open. */
	const char *end_reason;
	bool incomplete;
	/* Its connection and position on it; 0 when not known. */
	int64_t connection_id;
	int64_t position;
	const char *json; /* The whole record, as request-format. */
	size_t json_len;
};

/*
 * Calls FN for the requests matching FILTER, by id, at most
 * FILTER->limit. Strings are valid during the call only. Returns 0, an
 * error, or what FN returned.
 */
int lta_store_requests(struct lta_store *store,
		       const struct lta_store_filter *filter,
		       int (*fn)(const struct lta_store_request *r,
				 void *user_data),
		       void *user_data);

/* Reads request RID of ANALYSIS. Returns 0 or -ENOENT. */
int lta_store_request_get(struct lta_store *store, int64_t analysis,
			  int64_t rid,
			  int (*fn)(const struct lta_store_request *r,
				    void *user_data),
			  void *user_data);

/*
 * Calls FN for every request of ANALYSIS with its duration (-1 when open),
 * end reason and incomplete flag, by id: how a restarted daemon rebuilds
 * the latency figures (lib/segment/summary.h) of a stored analysis.
 * Returns 0 or an error.
 */
int lta_store_durations(struct lta_store *store, int64_t analysis,
			void (*fn)(int64_t duration_ns, const char *end_reason,
				   bool incomplete, void *user_data),
			void *user_data);

/* --- timing-failure errors ------------------------------------------------ */

/* A timing-failure error of an analysis (lib/agent), as stored. */
struct lta_store_error {
	int64_t analysis;
	int64_t id;	    /* The agent's error id: 1, 2, ... per analysis. */
	const char *type;   /* "InE", "CoE", "crash". */
	const char *kind;   /* "service", "interaction". */
	const char *origin; /* "rbl" (instrumented) or "derived". */
	const char *host;   /* "" when unknown. */
	int32_t pid, tid;
	const char *entity, *name;
	uint64_t key;
	int64_t start_ns, raised_ns;
	int64_t timeout_ns;  /* -1 for a crash. */
	bool expired;	     /* Forced out by the open-start bound. */
	uint32_t open_count; /* Crash: starts open at the exit. */
	int64_t late_end_ns; /* -1 until a late end arrives. */
	/*
	 * A derived InE on a connection paired with a traced server
	 * (has_downstream): the id of that server's request still running
	 * for it, 0 when none was (lta_agent_error.downstream). Without
	 * has_downstream (every other error, and writers that do not know
	 * it) it does not apply, and reads back so.
	 */
	bool has_downstream;
	int64_t downstream_request;
};

/*
 * Adds E to the writer's open batch: the same transaction as the requests,
 * committed by lta_store_writer_commit() (or here, when the batch is past
 * its bounds; the errors are then those of the commit). Adding the same
 * (analysis, id) again replaces the row: how a late end is recorded.
 * E->analysis is ignored (the writer's is used); E and its strings are
 * borrowed for the call (NULL strings are stored as ""). Errors do not
 * count in lta_store_writer_committed(). Returns 0 or an error (-ENOSPC,
 * -ENOMEM, ... as lta_store_writer_add()). The writer's thread.
 */
int lta_store_writer_add_error(struct lta_store_writer *w,
			       const struct lta_store_error *e);

struct lta_store_error_filter {
	int64_t analysis;
	const char *type;   /* NULL: any. */
	const char *entity; /* NULL: any. */
	const char *name;   /* NULL: any. */
	const char *origin; /* NULL: any. */
	int32_t pid;	    /* -1: any. */
	int64_t from_ns;    /* raised_ns >= from_ns; INT64_MIN: any. */
	int64_t to_ns;	    /* raised_ns < to_ns; INT64_MAX: any. */
	int64_t after_id;   /* Cursor: id > after_id. */
	int limit;	    /* Rows at most (the caller caps it). */
};

/*
 * Calls FN for the committed errors matching FILTER, by id, at most
 * FILTER->limit. E and its strings are valid during the call only.
 * Returns 0, an error, or what FN returned (FN returns 0 to go on). Any
 * thread.
 */
int lta_store_errors(struct lta_store *store,
		     const struct lta_store_error_filter *filter,
		     int (*fn)(const struct lta_store_error *e,
			       void *user_data),
		     void *user_data);

struct lta_store_error_counts {
	int64_t ine, coe, crash, late_ends;
};

/*
 * Sets OUT to the counts of committed errors of ANALYSIS by type, and of
 * those with a late end (all 0 for an unknown analysis). Returns 0 or an
 * error. Any thread.
 */
int lta_store_error_counts(struct lta_store *store, int64_t analysis,
			   struct lta_store_error_counts *out);

/* --- connections ---------------------------------------------------------- */

/*
 * Adds connection C (of a trace of HOST, which may be NULL) to the
 * writer's open batch: the same transaction as the requests, committed by
 * lta_store_writer_commit() (or here, when the batch is past its bounds;
 * the errors are then those of the commit). Adding an id again replaces
 * its row. C is borrowed for the call. Returns 0 or an error (-ENOSPC,
 * -ENOMEM, ... as lta_store_writer_add()). The writer's thread.
 */
int lta_store_writer_add_connection(struct lta_store_writer *w,
				    const struct lta_connection *c,
				    const char *host);

/* Connections committed so far by this writer (replaced rows again). */
int64_t
lta_store_writer_committed_connections(const struct lta_store_writer *w);

/*
 * A connection as stored: every field of struct lta_connection, as it
 * was handed out (-1 for the times it has not), and the host of its
 * trace.
 */
struct lta_store_connection {
	int64_t analysis;
	int64_t id;
	uint32_t trace;
	const char *host; /* "" when unknown. */
	int32_t pid, fd;
	const char *procname;
	int family;	  /* AF_INET, AF_INET6, AF_UNIX; -1 unknown. */
	const char *peer; /* "" when unknown. */
	int32_t port;	  /* -1 when unknown. */
	int64_t accept_entry_ns, start_ns, end_ns, shutdown_ns, close_ns;
	const char *end_reason; /* lta_request_end_name()'s words. */
	bool incomplete, peer_closed;
	uint32_t requests;
	int64_t first_request; /* 0: none. */
	int64_t idle_ns;
	uint64_t bytes_read, bytes_written;
};

struct lta_store_connection_filter {
	int64_t analysis;
	int32_t pid;		/* -1: any. */
	const char *process;	/* procname ==; NULL: any. */
	const char *end_reason; /* NULL: any. */
	int64_t from_ns;	/* start_ns >= from_ns; INT64_MIN: any. */
	int64_t to_ns;		/* start_ns < to_ns; INT64_MAX: any. */
	int64_t after_id;	/* Cursor: id > after_id. */
	int limit;		/* Rows at most (the caller caps it). */
};

/*
 * Calls FN for the committed connections matching FILTER, by id, at most
 * FILTER->limit. C and its strings are valid during the call only.
 * Returns 0, an error, or what FN returned (FN returns 0 to go on). Any
 * thread.
 */
int lta_store_connections(struct lta_store *store,
			  const struct lta_store_connection_filter *filter,
			  int (*fn)(const struct lta_store_connection *c,
				    void *user_data),
			  void *user_data);

/*
 * Reads connection CID of ANALYSIS and calls FN with it. Returns 0,
 * -ENOENT, an error, or what FN returned. Any thread.
 */
int lta_store_connection_get(struct lta_store *store, int64_t analysis,
			     int64_t cid,
			     int (*fn)(const struct lta_store_connection *c,
				       void *user_data),
			     void *user_data);

/*
 * Calls FN with the id and position of every committed request of
 * connection CID of ANALYSIS, in position order (no row: no call; a
 * connection that is not stored may still have requests). Returns 0, an
 * error, or what FN returned. Any thread.
 */
int lta_store_connection_requests(struct lta_store *store, int64_t analysis,
				  int64_t cid,
				  int (*fn)(int64_t id, int64_t position,
					    void *user_data),
				  void *user_data);

/* --- the event log (any thread) ----------------------------------------- */

/*
 * What the live event stream sends (GET .../events): one row per stored
 * request, timing error, late end, closed window and status change of an
 * analysis, numbered by SEQ across the store, written in the transaction
 * that stores what it announces (store.c, schema version 6).
 */
struct lta_store_event {
	int64_t seq; /* 1, 2, ... across analyses; never reused. */
	int64_t analysis;
	const char
		*kind; /* "request", "error", "late_end", "window", "status" */
	const char *data; /* The event's JSON object. */
};

/*
 * Calls FN for the committed events with seq > AFTER, of ANALYSIS (every
 * analysis when 0), by seq, at most LIMIT. E and its strings are valid
 * during the call only. Returns 0, an error, or what FN returned (FN
 * returns 0 to go on).
 */
int lta_store_events(struct lta_store *store, int64_t analysis, int64_t after,
		     int limit,
		     int (*fn)(const struct lta_store_event *e,
			       void *user_data),
		     void *user_data);

/* Sets *SEQ to the last event's seq (0: none yet). Returns 0 or an error. */
int lta_store_events_last(struct lta_store *store, int64_t *seq);

/* --- the outbox of the fleet's publisher (schema version 8) -------------- */

/*
 * An event of the log as the publisher reads it: the event, what it
 * refers to (the request's id, the error's id, the window's rowid; 0 for a
 * status), when it was committed, and what the publisher adds to it: a
 * window's encoded histogram, a request's full record when asked.
 */
struct lta_store_outbox_event {
	int64_t seq;
	const char *kind;
	int64_t ref;
	const char *data;  /* The event's JSON object. */
	int64_t stored_ms; /* Wall clock of its write, ms; 0: unknown. */
	const char *extra; /* Histogram or record; NULL when none. */
};

/*
 * Calls FN for the committed events of ANALYSIS with seq > AFTER, by seq,
 * at most LIMIT; with RECORDS, a request's full record (JSON) is its
 * EXTRA. E and its strings are valid during the call only. Returns 0, an
 * error, or what FN returned. Any thread (its reader).
 */
int lta_store_outbox_read(struct lta_store *store, int64_t analysis,
			  int64_t after, int limit, bool records,
			  int (*fn)(const struct lta_store_outbox_event *e,
				    void *user_data),
			  void *user_data);

/*
 * Sets *COUNT to the number of events of ANALYSIS with seq > AFTER (what
 * its publisher has still to publish) and *NEWEST to its newest seq (0:
 * none). Returns 0 or an error. Any thread.
 */
int lta_store_outbox_pending(struct lta_store *store, int64_t analysis,
			     int64_t after, int64_t *count, int64_t *newest);

/*
 * The publisher's cursor of ANALYSIS for STREAM: the seq of the last
 * event acknowledged (0: none). Get: any thread; set: writes through the
 * daemon's control connection. Return 0 or an error.
 */
int lta_store_publish_cursor_get(struct lta_store *store, int64_t analysis,
				 const char *stream, int64_t *seq);
int lta_store_publish_cursor_set(struct lta_store *store, int64_t analysis,
				 const char *stream, int64_t seq);

/* --- windowed queries (schema version 7) -------------------------------- */

/* A registered query of an analysis. */
struct lta_store_query {
	int64_t analysis;
	int64_t id;	  /* 1, 2, ... per analysis; never given twice. */
	const char *spec; /* Its JSON (src/lttng-analyzerd/queries.c). */
	int64_t created_ns;
	bool deleted;
	/* What its worker last said of it (JSON object); "{}" before. */
	const char *counters;
};

/*
 * Registers a query of ANALYSIS with SPEC (JSON, copied); sets *ID. Returns
 * 0 or an error. Any thread.
 */
int lta_store_query_insert(struct lta_store *store, int64_t analysis,
			   const char *spec, int64_t *id);

/*
 * Marks query ID of ANALYSIS deleted and removes its windows (its worker
 * stops evaluating it when it next looks). Returns 0, -ENOENT (no such
 * query, or deleted already) or an error. Any thread.
 */
int lta_store_query_delete(struct lta_store *store, int64_t analysis,
			   int64_t id);

/*
 * Calls FN for the queries of ANALYSIS with an id above AFTER, by id,
 * deleted ones too when WITH_DELETED. Q and its strings are valid during
 * the call. Returns 0, an error, or what FN returned. Any thread.
 */
int lta_store_queries(struct lta_store *store, int64_t analysis, int64_t after,
		      bool with_deleted,
		      int (*fn)(const struct lta_store_query *q,
				void *user_data),
		      void *user_data);

/* A stored window and group of a query. */
struct lta_store_window {
	int64_t id; /* Its row: increasing in the order it closed. */
	int64_t query;
	int64_t start_ns, end_ns;
	const char *group;     /* The group's key ("" with no group-by). */
	const char *data;      /* Its JSON, without the histogram. */
	const char *histogram; /* lta_sparse_histogram_encode()'s text. */
};

/*
 * Adds a closed window of query QUERY to the writer's batch (its
 * strings copied), stored with the requests of the batch. Adding the same
 * (query, start, group) again replaces it. Returns 0 or an error as
 * lta_store_writer_add(). The writer's thread.
 */
int lta_store_writer_add_window(struct lta_store_writer *w, int64_t query,
				int64_t start_ns, int64_t end_ns,
				const char *group, const char *data,
				const char *histogram);

/*
 * Sets what the worker says of query QUERY (COUNTERS: a JSON object,
 * copied), written with the writer's next commit. Returns 0 or -ENOMEM.
 * The writer's thread.
 */
int lta_store_writer_set_query_counters(struct lta_store_writer *w,
					int64_t query, const char *counters);

struct lta_store_window_filter {
	int64_t analysis, query;
	int64_t from_ns;  /* start_ns >= from_ns; INT64_MIN: any. */
	int64_t to_ns;	  /* start_ns < to_ns; INT64_MAX: any. */
	int64_t after_id; /* Cursor: id > after_id. */
	int limit;	  /* Rows at most. */
};

/*
 * Calls FN for the committed windows matching FILTER, by id, at most
 * FILTER->limit. Returns 0, an error, or what FN returned. Any thread.
 */
int lta_store_windows(struct lta_store *store,
		      const struct lta_store_window_filter *filter,
		      int (*fn)(const struct lta_store_window *win,
				void *user_data),
		      void *user_data);

#endif /* LTA_STORE_STORE_H */
