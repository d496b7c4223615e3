/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the files of the store module share: the store itself, the
 * per-thread reader connections and the translation of SQLite's results
 * into errno values and the thread's last error message. Not installed and
 * not included outside lib/store/ (except by the module's unit test, which
 * needs a writer's connection to simulate a full disk).
 */
#ifndef LTA_STORE_STORE_INTERNAL_H
#define LTA_STORE_STORE_INTERNAL_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>

#include "common/strbuf.h"
#include "store.h"

/* Statements a reader prepares once and keeps. */
enum reader_stmt {
	READER_ANALYSIS_GET = 0,
	READER_ANALYSIS_LIST,
	READER_REQUEST_GET,
	READER_DURATIONS,
	READER_ORDERED,		     /* analyses.requests_ordered */
	READER_FIRST_FROM,	     /* First id of a time range. */
	READER_LAST_BEFORE,	     /* Last id of a time range. */
	READER_MAX_ID,		     /* Last id of an analysis. */
	READER_DURATION_PROBE,	     /* How many are that long, capped. */
	READER_REQUESTS_BY_DURATION, /* Requests, by the duration index. */
	READER_ERRORS_ORDERED,	     /* analyses.errors_ordered */
	READER_ERRORS_FIRST_FROM,    /* First error id of a time range. */
	READER_ERRORS_LAST_BEFORE,   /* Last error id of a time range. */
	READER_ERROR_COUNTS,
	READER_CONNECTIONS_ORDERED,	/* analyses.connections_ordered */
	READER_CONNECTIONS_FIRST_FROM,	/* First connection of a range. */
	READER_CONNECTIONS_LAST_BEFORE, /* Last connection of a range. */
	READER_CONNECTION_GET,
	READER_CONNECTION_REQUESTS, /* A connection's request ids. */
	READER_EVENTS,		    /* The event log, every analysis. */
	READER_EVENTS_OF,	    /* The event log of one analysis. */
	READER_EVENTS_LAST,	    /* The last event's seq. */
	READER_QUERIES,		    /* The queries of an analysis. */
	READER_WINDOWS,		    /* The windows of a query. */
	READER_OUTBOX,		    /* Events to publish (store-outbox.c). */
	READER_OUTBOX_PENDING,	    /* How many are not published yet. */
	READER_PUBLISH_CURSOR,	    /* An analysis's publisher cursor. */
	READER_STMT_COUNT,
};

/*
 * Requests queries, one per combination of filters (a bit per optional
 * filter), so that each keeps a plan that uses the right index.
 */
#define REQUESTS_FILTER_FROM 0x01
#define REQUESTS_FILTER_TO 0x02
#define REQUESTS_FILTER_PROCESS 0x04
#define REQUESTS_FILTER_DURATION 0x08
#define REQUESTS_FILTER_END_REASON 0x10
#define REQUESTS_FILTER_CONNECTION 0x20
#define REQUESTS_FILTER_COMPONENT 0x40
#define REQUESTS_VARIANTS 0x80

/* The same for the errors queries (store-errors.c). */
#define ERRORS_FILTER_TYPE 0x01
#define ERRORS_FILTER_ENTITY 0x02
#define ERRORS_FILTER_NAME 0x04
#define ERRORS_FILTER_ORIGIN 0x08
#define ERRORS_FILTER_PID 0x10
#define ERRORS_FILTER_FROM 0x20
#define ERRORS_FILTER_TO 0x40
#define ERRORS_VARIANTS 0x80

/* The same for the connections queries (store-connections.c). */
#define CONNECTIONS_FILTER_PID 0x01
#define CONNECTIONS_FILTER_PROCESS 0x02
#define CONNECTIONS_FILTER_END_REASON 0x04
#define CONNECTIONS_FILTER_FROM 0x08
#define CONNECTIONS_FILTER_TO 0x10
#define CONNECTIONS_VARIANTS 0x20

/*
 * A read-only connection owned by one thread. Linked in its store's list
 * (under the store's lock) so that lta_store_close() can close the ones of
 * threads that are still alive; a thread that exits closes its own through
 * the key destructor.
 */
struct store_reader {
	struct lta_store *store;			 /* Borrowed. */
	sqlite3 *db;					 /* Owned. */
	sqlite3_stmt *stmts[READER_STMT_COUNT];		 /* Owned; lazily. */
	sqlite3_stmt *requests[REQUESTS_VARIANTS];	 /* Owned; lazily. */
	sqlite3_stmt *errors[ERRORS_VARIANTS];		 /* Owned; lazily. */
	sqlite3_stmt *connections[CONNECTIONS_VARIANTS]; /* Owned; lazily. */
	struct store_reader *prev, *next;
};

struct lta_store {
	char *path;  /* Owned: DIR/lttng-analyzer.db. */
	int lock_fd; /* Owned: DIR/lttng-analyzer.lock, flock'ed (the
		      * daemon), or DIR/workers.lock, read-locked (a worker). */
	pthread_key_t reader_key; /* This thread's struct store_reader. */

	/*
	 * Guards the list and the count; never held across an SQLite call,
	 * so that a thread's first read never waits for a write.
	 */
	pthread_mutex_t lock;
	struct store_reader *readers; /* Owned: every live reader. */
	int writers;		      /* Open writers. */

	/* Guards the control connection: analyses writes. */
	pthread_mutex_t control_lock;
	sqlite3 *control;				 /* Owned. */
	sqlite3_stmt *analysis_insert, *analysis_update; /* Owned. */
};

/*
 * Statements of a connection wait this long for a lock: writers wait for
 * each other's commits; WAL readers practically never wait.
 */
#define STORE_BUSY_TIMEOUT_MS 5000

/*
 * Reads COLUMN (requests_ordered, errors_ordered, connections_ordered: a
 * name from this code, never from input) of ANALYSIS into *ORDERED: whether
 * the rows written so far have ids in time order. An analysis not stored
 * (yet) is not ordered: its readers find no rows anyway. Returns 0 or an
 * error.
 */
int lta_store_read_ordered(sqlite3 *db, int64_t analysis, const char *column,
			   bool *ordered);

/*
 * Records "WHAT: SQLite's message for DB" (DB may be NULL: then RC's
 * generic text) as the calling thread's last error, and returns RC as a
 * negative errno value: -ENOSPC for SQLITE_FULL, -ENOMEM for
 * SQLITE_NOMEM, -EIO otherwise.
 */
int lta_store_sqlite_error(sqlite3 *db, int rc, const char *what);

/* Records a message of our own as the calling thread's last error. */
void lta_store_set_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/*
 * Opens a connection to PATH with the settings every connection gets
 * (busy timeout, synchronous=NORMAL). FLAGS are sqlite3_open_v2()'s.
 * Returns 0 and the connection in *OUT (owned by the caller), or an error
 * with the message recorded.
 */
int lta_store_connection_open(const char *path, int flags, sqlite3 **out);

/*
 * Sets *OUT to the calling thread's reader for STORE, creating it on first
 * use (borrowed: it belongs to the thread). Returns 0 or an error, with
 * the message recorded.
 */
int lta_store_reader_get(struct lta_store *store, struct store_reader **out);

/*
 * Runs READ(reader, QUERY) on the calling thread's reader inside one read
 * transaction, so that the lookups that plan a page and the page itself
 * read one snapshot (rows committed in between cannot fall outside the
 * planned id range). Not when the callback of an outer query calls the
 * store: its transaction is used. Returns what READ returned, or an error.
 */
int lta_store_read_snapshot(struct lta_store *store,
			    int (*read)(struct store_reader *reader,
					void *query),
			    void *query);

/*
 * Sets *OUT to the statement of SQL kept in *SLOT, preparing it the first
 * time. When that statement is running already (the callback of a query
 * called the store again on the same thread), prepares a temporary one
 * instead and sets *TEMPORARY: lta_store_stmt_done() finalizes it. Returns 0
 * or an error, with the message recorded.
 */
int lta_store_stmt(sqlite3 *db, sqlite3_stmt **slot, const char *sql,
		   sqlite3_stmt **out, bool *temporary);

/* Resets STMT, or finalizes it when TEMPORARY. */
void lta_store_stmt_done(sqlite3_stmt *stmt, bool temporary);

/*
 * Runs the one-integer query SQL of READER's statement SLOT with
 * parameters ?1..?N = ARGS: the lookups that plan a page. Sets *FOUND (no
 * row: false) and *VALUE. Returns 0 or an error, with the message
 * recorded.
 */
int lta_store_reader_int(struct store_reader *reader, enum reader_stmt slot,
			 const char *sql, const int64_t *args, int n,
			 bool *found, int64_t *value);

/* Where the lookups of a time-range plan are: statement slots and SQL. */
struct store_time_range {
	enum reader_stmt ordered_slot, first_slot, last_slot;
	/* ?1 analysis: is the analysis's id order its time order (0/1)? */
	const char *ordered_sql;
	/* ?1 analysis, ?2 from: the id of the first row at or after from. */
	const char *first_sql;
	/* ?1 analysis, ?2 to: the id of the last row before to. */
	const char *last_sql;
};

/*
 * Turns a time filter [FROM_NS, TO_NS) (INT64_MIN, INT64_MAX: none) into
 * the id range (*AFTER_ID, *LAST_ID], narrowing it, when the analysis's
 * ids are in time order: O(log n), and the page is then read in the id
 * index. Sets *USED when it did (the time conditions can leave the query;
 * otherwise they stay in it) and *EMPTY when nothing can match. Returns 0
 * or an error.
 */
int lta_store_plan_time_range(struct store_reader *reader,
			      const struct store_time_range *range,
			      int64_t analysis, int64_t from_ns, int64_t to_ns,
			      int64_t *after_id, int64_t *last_id, bool *used,
			      bool *empty);

/* --- errors in a writer's batch (store-errors.c) ------------------------- */

/* An error waiting in a batch; strings are offsets in the batch's text. */
struct store_error_row {
	int64_t id;
	int64_t start_ns, raised_ns, timeout_ns, late_end_ns;
	int64_t downstream_request; /* -1: does not apply. */
	uint64_t key;
	int32_t pid, tid;
	uint32_t open_count;
	bool expired;
	size_t type, kind, origin, host, entity, name; /* NUL-terminated. */
};

/*
 * The errors of a writer's batch. The writer (store-requests.c) owns it,
 * counts its rows against the batch's bounds and writes it in the
 * transaction of its requests, so that both follow the same commits and
 * the same failures.
 */
struct store_error_batch {
	int64_t analysis;
	struct store_error_row *rows; /* Owned. */
	size_t count, cap;
	struct lta_strbuf text;	    /* Owned: the strings of the rows. */
	sqlite3_stmt *insert;	    /* Owned. */
	sqlite3_stmt *out_of_order; /* Owned. */

	/*
	 * Whether the errors committed so far have ids in raised order, as
	 * analyses.errors_ordered says: the readers' time filter relies on
	 * it (as requests_ordered for the requests).
	 */
	bool check_order;
};

/*
 * Prepares B's statements on DB, the writer's connection, for ANALYSIS.
 * B must be zeroed before; lta_store_error_batch_fini() frees it whatever
 * this returns. Returns 0 or an error, with the message recorded.
 */
int lta_store_error_batch_init(struct store_error_batch *b, sqlite3 *db,
			       int64_t analysis);

/* Frees B's rows and statements. Accepts a zeroed batch. */
void lta_store_error_batch_fini(struct store_error_batch *b);

/*
 * Copies E into B (E->analysis ignored). Returns 0, or -ENOMEM with B as
 * it was.
 */
int lta_store_error_batch_add(struct store_error_batch *b,
			      const struct lta_store_error *e);

/*
 * Inserts B's rows through DB, whose write transaction is open, and clears
 * analyses.errors_ordered when a row is out of raised order (then sets
 * *OUT_OF_ORDER). Returns SQLITE_OK or an SQLite result code with *WHAT
 * set to what failed; the caller rolls back.
 */
int lta_store_error_batch_write(struct store_error_batch *b, sqlite3 *db,
				bool *out_of_order, const char **what);

/* Empties B (after its transaction, committed or lost). */
void lta_store_error_batch_clear(struct store_error_batch *b);

/* --- connections in a writer's batch (store-connections.c) ---------------- */

/* A connection waiting in a batch: as handed out, and its host. */
struct store_connection_row {
	struct lta_connection connection;
	size_t host; /* Offset in the batch's text, NUL-terminated. */
};

/*
 * The connections of a writer's batch, owned and written like the errors
 * (struct store_error_batch): same transaction, same failures.
 */
struct store_connection_batch {
	int64_t analysis;
	struct store_connection_row *rows; /* Owned. */
	size_t count, cap;
	struct lta_strbuf text;	    /* Owned: the hosts of the rows. */
	sqlite3_stmt *insert;	    /* Owned. */
	sqlite3_stmt *out_of_order; /* Owned. */
	/* As analyses.connections_ordered (ids in start order). */
	bool check_order;
};

/* As lta_store_error_batch_init(), for connections. */
int lta_store_connection_batch_init(struct store_connection_batch *b,
				    sqlite3 *db, int64_t analysis);

/* Frees B's rows and statements. Accepts a zeroed batch. */
void lta_store_connection_batch_fini(struct store_connection_batch *b);

/* Copies C and HOST into B. Returns 0, or -ENOMEM with B as it was. */
int lta_store_connection_batch_add(struct store_connection_batch *b,
				   const struct lta_connection *c,
				   const char *host);

/*
 * As lta_store_error_batch_write(): inserts B's rows through DB in its
 * open write transaction, clearing analyses.connections_ordered when a
 * row is out of start order (*OUT_OF_ORDER then set).
 */
int lta_store_connection_batch_write(struct store_connection_batch *b,
				     sqlite3 *db, bool *out_of_order,
				     const char **what);

/* Empties B (after its transaction, committed or lost). */
void lta_store_connection_batch_clear(struct store_connection_batch *b);

/*
 * For the unit test: the connection of writer W (borrowed), to set a page
 * limit that makes SQLite report a full disk.
 */
sqlite3 *lta_store_writer_borrow_db(struct lta_store_writer *w);

/* --- windows in a writer's batch (store-windows.c) ------------------------ */

struct store_window_row {
	int64_t query, start_ns, end_ns;
	size_t group, data, histogram; /* Offsets in the text. */
};

/* The windows of a writer's batch, written like the errors. */
struct store_window_batch {
	int64_t analysis;
	struct store_window_row *rows; /* Owned. */
	size_t count, cap;
	struct lta_strbuf text; /* Owned. */
	sqlite3_stmt *insert;	/* Owned. */
	/* Query counters to write (query id, offset in text). */
	struct {
		int64_t query;
		size_t text;
	} counters[64];
	size_t counter_count;
	sqlite3_stmt *update_counters; /* Owned. */
};

/* Sets the counters of QUERY for the next write. 0 or -ENOMEM. */
int lta_store_window_batch_counters(struct store_window_batch *b, int64_t query,
				    const char *counters);

int lta_store_window_batch_init(struct store_window_batch *b, sqlite3 *db,
				int64_t analysis);
void lta_store_window_batch_fini(struct store_window_batch *b);
int lta_store_window_batch_add(struct store_window_batch *b, int64_t query,
			       int64_t start_ns, int64_t end_ns,
			       const char *group, const char *data,
			       const char *histogram);
int lta_store_window_batch_write(struct store_window_batch *b, sqlite3 *db,
				 const char **what);
void lta_store_window_batch_clear(struct store_window_batch *b);

/* --- the schema (store-schema.c) ----------------------------------------- */

/* Runs SQL on DB. Returns 0 or an error, with the message recorded. */
int lta_store_exec(sqlite3 *db, const char *sql, const char *what);

/*
 * Creates the schema in an empty database, checks that a non-empty one is
 * ours and migrates it to the current version, in one transaction.
 * Returns 0 or an error, with the message recorded.
 */
int lta_store_schema_upgrade(sqlite3 *db);

/* A worker's check: the schema is the current one. 0 or -EINVAL. */
int lta_store_schema_check(sqlite3 *db);

#endif /* LTA_STORE_STORE_INTERNAL_H */
