/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The store's database, its connections and the analyses table. Requests
 * (the writer and the queries) are in store-requests.c, timing-failure
 * errors in store-errors.c.
 *
 * Connections: the control connection (analyses writes and the schema,
 * under the store's lock), one per writer (store-requests.c), and one
 * read-only connection per thread that reads, created on the thread's first
 * read and closed when the thread exits or the store closes.
 */
#include "store-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"

#define STORE_FILE "lttng-analyzer.db"
#define STORE_LOCK_FILE "lttng-analyzer.lock"

/*
 * PRAGMA application_id ("LTAn"): tells our database from another SQLite
 * file that happens to be at the same path.
 */
#define STORE_APPLICATION_ID 0x4c54416e

/*
 * PRAGMA user_version of the schema below. A later version migrates from
 * the ones before it in schema_upgrade().
 */
#define STORE_SCHEMA_VERSION 7

/*
 * The WAL is truncated back to this size after a checkpoint: a burst of
 * ingestion must not leave a huge file behind.
 */
#define STORE_JOURNAL_SIZE_LIMIT (64 * 1024 * 1024)

/*
 * Requests are paged by id (WHERE analysis=? AND id>? ... ORDER BY id
 * LIMIT ?), so that every query keeps to O(log n + limit):
 * - no filter: the (analysis, id) index;
 * - process, end reason: an index on (analysis, that column, id), where
 *   the cursor is a range after the equality;
 * - time range: the (analysis, start_ns, id) index finds the first and
 *   last ids of the range, and the (analysis, id) index reads between
 *   them. Sound only when ids are in start order, which the segmenter
 *   gives (ids in accept order, the start is the accept) and the writer
 *   checks: analyses.requests_ordered;
 * - min duration: the (analysis, duration_ns, id) index when few requests
 *   are that long, else the id order (store-requests.c).
 */
static const char schema_v1[] =
	"CREATE TABLE analyses ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" kind TEXT NOT NULL,"
	" source TEXT NOT NULL,"
	" status TEXT NOT NULL,"
	" reason TEXT NOT NULL DEFAULT '',"
	" created_ns INTEGER NOT NULL,"
	" updated_ns INTEGER NOT NULL,"
	" events INTEGER NOT NULL DEFAULT 0,"
	" discarded_events INTEGER NOT NULL DEFAULT 0,"
	" requests INTEGER NOT NULL DEFAULT 0,"
	" last_event_ns INTEGER NOT NULL DEFAULT -1,"
	" requests_ordered INTEGER NOT NULL DEFAULT 1);"
	"CREATE TABLE requests ("
	" analysis INTEGER NOT NULL,"
	" id INTEGER NOT NULL,"
	" pid INTEGER NOT NULL,"
	" procname TEXT NOT NULL,"
	" peer TEXT NOT NULL,"
	" port INTEGER NOT NULL,"
	" start_ns INTEGER NOT NULL,"
	" end_ns INTEGER NOT NULL,"
	" duration_ns INTEGER NOT NULL,"
	" end_reason TEXT NOT NULL,"
	" incomplete INTEGER NOT NULL,"
	" record TEXT NOT NULL);"
	"CREATE UNIQUE INDEX requests_by_id ON requests (analysis, id);"
	"CREATE INDEX requests_by_start ON requests (analysis, start_ns, id);"
	"CREATE INDEX requests_by_process ON requests (analysis, procname, id);"
	"CREATE INDEX requests_by_end_reason"
	" ON requests (analysis, end_reason, id);"
	"CREATE INDEX requests_by_duration"
	" ON requests (analysis, duration_ns, id);";

/*
 * Version 2: the timing-failure errors of the agent, paged by id like the
 * requests (store-errors.c says how each filter is served):
 * - no filter: the (analysis, id) index;
 * - type, entity: an index on (analysis, that column, id);
 * - time range: the (analysis, raised_ns, id) index finds the first and
 *   last ids of the range when ids are in raised order (the agent numbers
 *   its errors as it raises them), which analyses.errors_ordered records.
 * A table with a rowid, as requests: SQLite plans a WITHOUT ROWID table's
 * primary key range before the type index, which then serves nothing.
 * error_counts is kept by triggers (the writer upserts, so that a late end
 * is an UPDATE), so that the counts of an analysis cost O(1). Their first
 * row of a type is inserted WHERE NOT EXISTS: an OR IGNORE in a trigger
 * would take the upsert's conflict policy, and fail. The key, a uint64_t,
 * is stored as the int64_t of the same bits.
 */
static const char schema_v2[] =
	"CREATE TABLE errors ("
	" analysis INTEGER NOT NULL,"
	" id INTEGER NOT NULL,"
	" type TEXT NOT NULL,"
	" kind TEXT NOT NULL,"
	" origin TEXT NOT NULL,"
	" host TEXT NOT NULL,"
	" pid INTEGER NOT NULL,"
	" tid INTEGER NOT NULL,"
	" entity TEXT NOT NULL,"
	" name TEXT NOT NULL,"
	" key INTEGER NOT NULL,"
	" start_ns INTEGER NOT NULL,"
	" raised_ns INTEGER NOT NULL,"
	" timeout_ns INTEGER NOT NULL,"
	" expired INTEGER NOT NULL,"
	" open_count INTEGER NOT NULL,"
	" late_end_ns INTEGER NOT NULL);"
	"CREATE UNIQUE INDEX errors_by_id ON errors (analysis, id);"
	"CREATE INDEX errors_by_type ON errors (analysis, type, id);"
	"CREATE INDEX errors_by_entity ON errors (analysis, entity, id);"
	"CREATE INDEX errors_by_raised ON errors (analysis, raised_ns, id);"
	"CREATE TABLE error_counts ("
	" analysis INTEGER NOT NULL,"
	" type TEXT NOT NULL,"
	" errors INTEGER NOT NULL DEFAULT 0,"
	" late_ends INTEGER NOT NULL DEFAULT 0,"
	" PRIMARY KEY (analysis, type)) WITHOUT ROWID;"
	"CREATE TRIGGER errors_count_insert AFTER INSERT ON errors BEGIN"
	" INSERT INTO error_counts (analysis, type)"
	"  SELECT new.analysis, new.type WHERE NOT EXISTS"
	"  (SELECT 1 FROM error_counts"
	"   WHERE analysis=new.analysis AND type=new.type);"
	" UPDATE error_counts SET errors=errors+1,"
	"  late_ends=late_ends+(new.late_end_ns>=0)"
	"  WHERE analysis=new.analysis AND type=new.type;"
	" END;"
	"CREATE TRIGGER errors_count_update AFTER UPDATE ON errors BEGIN"
	" UPDATE error_counts SET errors=errors-1,"
	"  late_ends=late_ends-(old.late_end_ns>=0)"
	"  WHERE analysis=old.analysis AND type=old.type;"
	" INSERT INTO error_counts (analysis, type)"
	"  SELECT new.analysis, new.type WHERE NOT EXISTS"
	"  (SELECT 1 FROM error_counts"
	"   WHERE analysis=new.analysis AND type=new.type);"
	" UPDATE error_counts SET errors=errors+1,"
	"  late_ends=late_ends+(new.late_end_ns>=0)"
	"  WHERE analysis=new.analysis AND type=new.type;"
	" END;"
	"CREATE TRIGGER errors_count_delete AFTER DELETE ON errors BEGIN"
	" UPDATE error_counts SET errors=errors-1,"
	"  late_ends=late_ends-(old.late_end_ns>=0)"
	"  WHERE analysis=old.analysis AND type=old.type;"
	" END;"
	"ALTER TABLE analyses"
	" ADD COLUMN errors_ordered INTEGER NOT NULL DEFAULT 1;";

/*
 * Version 3: persistent connections. A connection (accept to close)
 * carries one request or many (HTTP keep-alive): each request names its
 * connection and its position on it (both 0 for the requests stored
 * before, whose connection is not known), and the (analysis,
 * connection_id, position) index lists a connection's requests in order.
 * The connections are paged by id like the requests and errors
 * (store-connections.c says how each filter is served): the segmenter
 * numbers them in accept order and their start is the accept exit, so
 * ids are in start order (analyses.connections_ordered, checked by the
 * writer, as requests_ordered). analyses.connections counts the stored
 * ones, as analyses.requests does the requests.
 */
static const char schema_v3[] =
	"ALTER TABLE requests"
	" ADD COLUMN connection_id INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE requests ADD COLUMN position INTEGER NOT NULL DEFAULT 0;"
	"CREATE INDEX requests_by_connection"
	" ON requests (analysis, connection_id, position);"
	"CREATE TABLE connections ("
	" analysis INTEGER NOT NULL,"
	" id INTEGER NOT NULL,"
	" trace INTEGER NOT NULL,"
	" host TEXT NOT NULL,"
	" pid INTEGER NOT NULL,"
	" procname TEXT NOT NULL,"
	" family INTEGER NOT NULL,"
	" peer TEXT NOT NULL,"
	" port INTEGER NOT NULL,"
	" fd INTEGER NOT NULL,"
	" accept_entry_ns INTEGER NOT NULL,"
	" start_ns INTEGER NOT NULL,"
	" end_ns INTEGER NOT NULL,"
	" shutdown_ns INTEGER NOT NULL,"
	" close_ns INTEGER NOT NULL,"
	" end_reason TEXT NOT NULL,"
	" incomplete INTEGER NOT NULL,"
	" peer_closed INTEGER NOT NULL,"
	" requests INTEGER NOT NULL,"
	" first_request INTEGER NOT NULL,"
	" idle_ns INTEGER NOT NULL,"
	" bytes_read INTEGER NOT NULL,"
	" bytes_written INTEGER NOT NULL);"
	"CREATE UNIQUE INDEX connections_by_id ON connections (analysis, id);"
	"CREATE INDEX connections_by_start"
	" ON connections (analysis, start_ns, id);"
	"CREATE INDEX connections_by_process"
	" ON connections (analysis, procname, id);"
	"CREATE INDEX connections_by_end_reason"
	" ON connections (analysis, end_reason, id);"
	"ALTER TABLE analyses"
	" ADD COLUMN connections_ordered INTEGER NOT NULL DEFAULT 1;"
	"ALTER TABLE analyses"
	" ADD COLUMN connections INTEGER NOT NULL DEFAULT 0;";

/*
 * Version 4: each analysis's snapshot (latency histogram, counts by end
 * reason, system-call tallies, timeouts: what /stats and /timeouts show),
 * written by its writer in the same transaction as the rows it counts, so
 * that the figures never claim more than the store holds, and survive a
 * restart exactly.
 */
static const char schema_v4[] = "CREATE TABLE snapshots ("
				" analysis INTEGER PRIMARY KEY,"
				" updated_ns INTEGER NOT NULL,"
				" snapshot TEXT NOT NULL);";

/*
 * Version 5: a derived interaction error names the downstream request
 * that was still running for it (the server's request linked to the
 * exchange in progress, 0 when none was), -1 when that does not apply
 * (every error stored before).
 */
static const char schema_v5[] =
	"ALTER TABLE errors"
	" ADD COLUMN downstream_request INTEGER NOT NULL DEFAULT -1;";

/*
 * Version 6: the event log that the live event stream (GET .../events,
 * Server-Sent Events) reads, and the component of each request.
 *
 * events.seq numbers every event of the store once (AUTOINCREMENT: never
 * reused, even after a delete), so that a client that reconnects with
 * Last-Event-ID resumes exactly after what it got. The rows are written by
 * triggers, in the transaction that stores what they announce: an event
 * is never seen before its row is readable, and a commit that fails takes
 * its events with it. (analysis, kind, ref) is unique: a request stored
 * again (INSERT OR REPLACE of the same id) is not announced twice, nor is
 * an error updated by its late end. Status events (ref NULL: NULLs are
 * distinct) come from changes of analyses.status. data is the event's JSON
 * (summary fields; the whole row is a GET away).
 */
static const char schema_v6[] =
	"ALTER TABLE requests ADD COLUMN component TEXT NOT NULL DEFAULT '';"
	"CREATE TABLE events ("
	" seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	" analysis INTEGER NOT NULL,"
	" kind TEXT NOT NULL,"
	" ref INTEGER,"
	" data TEXT NOT NULL);"
	"CREATE UNIQUE INDEX events_by_ref ON events (analysis, kind, ref);"
	"CREATE INDEX events_by_analysis ON events (analysis, seq);"
	"CREATE TRIGGER events_request AFTER INSERT ON requests BEGIN"
	" INSERT OR IGNORE INTO events (analysis, kind, ref, data) VALUES"
	" (new.analysis, 'request', new.id, json_object('analysis',"
	"  new.analysis, 'id', new.id, 'component', new.component,"
	"  'procname', new.procname, 'pid', new.pid, 'start_ns',"
	"  new.start_ns, 'end_ns', new.end_ns, 'duration_ns', new.duration_ns,"
	"  'end_reason', new.end_reason, 'incomplete',"
	"  json(CASE WHEN new.incomplete THEN 'true' ELSE 'false' END),"
	"  'connection_id', new.connection_id, 'position', new.position));"
	" END;"
	"CREATE TRIGGER events_error AFTER INSERT ON errors BEGIN"
	" INSERT OR IGNORE INTO events (analysis, kind, ref, data) VALUES"
	" (new.analysis, 'error', new.id, json_object('analysis',"
	"  new.analysis, 'id', new.id, 'type', new.type, 'kind', new.kind,"
	"  'entity', new.entity, 'name', new.name, 'pid', new.pid, 'tid',"
	"  new.tid, 'start_ns', new.start_ns, 'raised_ns', new.raised_ns,"
	"  'timeout_ns', new.timeout_ns, 'downstream_request',"
	"  new.downstream_request));"
	" END;"
	"CREATE TRIGGER events_late_end AFTER UPDATE ON errors"
	" WHEN new.late_end_ns >= 0 AND old.late_end_ns < 0 BEGIN"
	" INSERT OR IGNORE INTO events (analysis, kind, ref, data) VALUES"
	" (new.analysis, 'late_end', new.id, json_object('analysis',"
	"  new.analysis, 'id', new.id, 'type', new.type, 'entity',"
	"  new.entity, 'name', new.name, 'pid', new.pid, 'start_ns',"
	"  new.start_ns, 'raised_ns', new.raised_ns, 'late_end_ns',"
	"  new.late_end_ns));"
	" END;"
	"CREATE TRIGGER events_status_insert AFTER INSERT ON analyses BEGIN"
	" INSERT INTO events (analysis, kind, ref, data) VALUES"
	" (new.id, 'status', NULL, json_object('analysis', new.id, 'status',"
	"  new.status, 'reason', new.reason));"
	" END;"
	"CREATE TRIGGER events_status AFTER UPDATE OF status ON analyses"
	" WHEN new.status <> old.status BEGIN"
	" INSERT INTO events (analysis, kind, ref, data) VALUES"
	" (new.id, 'status', NULL, json_object('analysis', new.id, 'status',"
	"  new.status, 'reason', new.reason));"
	" END;";

/*
 * Version 7: continuous windowed queries. A query of an analysis (its
 * spec: the JSON the daemon normalized, src/lttng-analyzerd/queries.c) is
 * numbered per analysis; a deleted one keeps its row (deleted=1) so that
 * its id is never given again and its worker stops it; counters is what
 * its worker last said of it (events counted, late, dropped, refused:
 * JSON, written with each commit). Each closed window
 * and group is a row of windows, in the order the worker closed them
 * (rowid: by start, then group), unique by (analysis, query, start,
 * group); data is its JSON without the histogram, histogram its encoding
 * (lib/histogram/sparse.h), kept apart so that the event stream and the
 * pages carry it only when asked. A stored window is announced on the
 * event stream by a trigger, as requests are. Requests get an index on
 * their component (version 6), for the requests filter of that name.
 */
static const char schema_v7[] =
	"CREATE TABLE queries ("
	" analysis INTEGER NOT NULL,"
	" id INTEGER NOT NULL,"
	" spec TEXT NOT NULL,"
	" created_ns INTEGER NOT NULL,"
	" deleted INTEGER NOT NULL DEFAULT 0,"
	" counters TEXT NOT NULL DEFAULT '{}',"
	" PRIMARY KEY (analysis, id)) WITHOUT ROWID;"
	"CREATE TABLE windows ("
	" analysis INTEGER NOT NULL,"
	" query INTEGER NOT NULL,"
	" start_ns INTEGER NOT NULL,"
	" end_ns INTEGER NOT NULL,"
	" grp TEXT NOT NULL,"
	" data TEXT NOT NULL,"
	" histogram TEXT NOT NULL);"
	"CREATE UNIQUE INDEX windows_by_key"
	" ON windows (analysis, query, start_ns, grp);"
	"CREATE INDEX windows_by_query ON windows (analysis, query);"
	"CREATE INDEX requests_by_component"
	" ON requests (analysis, component, id);"
	"CREATE TRIGGER events_window AFTER INSERT ON windows BEGIN"
	" INSERT OR IGNORE INTO events (analysis, kind, ref, data) VALUES"
	" (new.analysis, 'window', new.rowid, new.data);"
	" END;";

#define ANALYSIS_COLUMNS                                             \
	"id, kind, source, status, reason, created_ns, updated_ns, " \
	"events, discarded_events, requests, last_event_ns, connections"

static __thread char last_error[512];

const char *lta_store_error(void)
{
	return last_error;
}

void lta_store_set_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
}

int lta_store_sqlite_error(sqlite3 *db, int rc, const char *what)
{
	const char *message = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);

	lta_store_set_error("%s: %s", what, message);
	LTA_LOGD("SQLite call failed: what=\"%s\", rc=%d, error=\"%s\"", what,
		 rc, message);
	switch (rc & 0xff) {
	case SQLITE_IOERR:
		/*
		 * SQLite says SQLITE_FULL for ENOSPC on its main writes only;
		 * a full disk elsewhere (the -shm file, an fsync) or a quota
		 * is the same trouble for the user.
		 */
		if (db && (sqlite3_system_errno(db) == ENOSPC ||
			   sqlite3_system_errno(db) == EDQUOT)) {
			return -ENOSPC;
		}
		return -EIO;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_NOMEM:
		return -ENOMEM;
	default:
		return -EIO;
	}
}

static int64_t wall_clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int lta_store_connection_open(const char *path, int flags, sqlite3 **out)
{
	sqlite3 *db = NULL;
	char sql[64];
	int ret = 0, rc;

	/*
	 * Each connection is used by one thread at a time (its own, or
	 * under the store's lock): SQLite's own mutexes would only cost.
	 */
	rc = sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		ret = lta_store_sqlite_error(db, rc, "open");
		goto error;
	}
	sqlite3_extended_result_codes(db, 1);
	rc = sqlite3_busy_timeout(db, STORE_BUSY_TIMEOUT_MS);
	if (rc != SQLITE_OK) {
		ret = lta_store_sqlite_error(db, rc, "busy timeout");
		goto error;
	}
	/*
	 * In WAL mode, NORMAL syncs at checkpoints only: a commit survives a
	 * crash of the process (not always a power loss), which is what the
	 * daemon promises.
	 */
	rc = sqlite3_exec(db, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		ret = lta_store_sqlite_error(db, rc, "set synchronous");
		goto error;
	}
	/* Per connection: the writer that resets the WAL truncates it. */
	snprintf(sql, sizeof(sql), "PRAGMA journal_size_limit=%d",
		 STORE_JOURNAL_SIZE_LIMIT);
	rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		ret = lta_store_sqlite_error(db, rc, "set journal size limit");
		goto error;
	}
	*out = db;
	goto end;
error:
	sqlite3_close_v2(db);
end:
	return ret;
}

int lta_store_stmt(sqlite3 *db, sqlite3_stmt **slot, const char *sql,
		   sqlite3_stmt **out, bool *temporary)
{
	sqlite3_stmt *stmt = NULL;
	int ret = 0, rc;

	*temporary = false;
	if (*slot && !sqlite3_stmt_busy(*slot)) {
		stmt = *slot;
		goto end;
	}
	rc = sqlite3_prepare_v3(db, sql, -1,
				*slot ? 0 : SQLITE_PREPARE_PERSISTENT, &stmt,
				NULL);
	if (rc != SQLITE_OK) {
		ret = lta_store_sqlite_error(db, rc, "prepare");
		stmt = NULL;
		goto end;
	}
	if (*slot) {
		*temporary = true;
	} else {
		*slot = stmt;
	}
end:
	*out = stmt;
	return ret;
}

void lta_store_stmt_done(sqlite3_stmt *stmt, bool temporary)
{
	if (temporary) {
		sqlite3_finalize(stmt);
	} else {
		/* Ends the read transaction: a checkpoint may then pass it. */
		sqlite3_reset(stmt);
		sqlite3_clear_bindings(stmt);
	}
}

int lta_store_reader_int(struct store_reader *reader, enum reader_stmt slot,
			 const char *sql, const int64_t *args, int n,
			 bool *found, int64_t *value)
{
	sqlite3_stmt *stmt = NULL;
	bool temporary;
	int ret, rc, i;

	ret = lta_store_stmt(reader->db, &reader->stmts[slot], sql, &stmt,
			     &temporary);
	if (ret) {
		goto end;
	}
	for (i = 0; i < n; i++) {
		sqlite3_bind_int64(stmt, i + 1, args[i]);
	}
	rc = sqlite3_step(stmt);
	*found = rc == SQLITE_ROW;
	if (rc == SQLITE_ROW) {
		*value = sqlite3_column_int64(stmt, 0);
	} else if (rc != SQLITE_DONE) {
		ret = lta_store_sqlite_error(reader->db, rc, "plan a query");
	}
end:
	if (stmt) {
		lta_store_stmt_done(stmt, temporary);
	}
	return ret;
}

/* --- readers ------------------------------------------------------------ */

static void reader_close(struct store_reader *reader)
{
	size_t i;

	for (i = 0; i < READER_STMT_COUNT; i++) {
		sqlite3_finalize(reader->stmts[i]);
	}
	for (i = 0; i < REQUESTS_VARIANTS; i++) {
		sqlite3_finalize(reader->requests[i]);
	}
	for (i = 0; i < ERRORS_VARIANTS; i++) {
		sqlite3_finalize(reader->errors[i]);
	}
	for (i = 0; i < CONNECTIONS_VARIANTS; i++) {
		sqlite3_finalize(reader->connections[i]);
	}
	sqlite3_close_v2(reader->db);
	free(reader);
}

/* Must be called with the store's lock held. */
static void reader_unlink(struct store_reader *reader)
{
	struct lta_store *store = reader->store;

	if (reader->prev) {
		reader->prev->next = reader->next;
	} else {
		store->readers = reader->next;
	}
	if (reader->next) {
		reader->next->prev = reader->prev;
	}
}

/*
 * The key destructor: a thread that read from the store exits. Thread
 * pools come and go (one thread per HTTP connection, for instance); their
 * connections must not pile up until the store closes.
 */
static void reader_thread_exit(void *value)
{
	struct store_reader *reader = value;
	struct lta_store *store = reader->store;

	pthread_mutex_lock(&store->lock);
	reader_unlink(reader);
	pthread_mutex_unlock(&store->lock);
	reader_close(reader);
}

int lta_store_reader_get(struct lta_store *store, struct store_reader **out)
{
	struct store_reader *reader = pthread_getspecific(store->reader_key);
	int ret = 0, rc;

	if (reader) {
		goto end;
	}
	reader = calloc(1, sizeof(*reader));
	if (!reader) {
		lta_store_set_error("out of memory");
		ret = -ENOMEM;
		goto end;
	}
	reader->store = store;
	/*
	 * Read-only: the HTTP threads can never write by mistake, and WAL
	 * lets them read while a writer commits.
	 */
	ret = lta_store_connection_open(store->path, SQLITE_OPEN_READONLY,
					&reader->db);
	if (ret) {
		goto error;
	}
	rc = pthread_setspecific(store->reader_key, reader);
	if (rc) {
		lta_store_set_error("pthread_setspecific: %s", strerror(rc));
		ret = -rc;
		goto error;
	}
	pthread_mutex_lock(&store->lock);
	reader->next = store->readers;
	if (store->readers) {
		store->readers->prev = reader;
	}
	store->readers = reader;
	pthread_mutex_unlock(&store->lock);
	goto end;
error:
	sqlite3_close_v2(reader->db);
	free(reader);
	reader = NULL;
end:
	*out = reader;
	return ret;
}

int lta_store_plan_time_range(struct store_reader *reader,
			      const struct store_time_range *range,
			      int64_t analysis, int64_t from_ns, int64_t to_ns,
			      int64_t *after_id, int64_t *last_id, bool *used,
			      bool *empty)
{
	int64_t args[2] = { analysis, 0 }, value = 0;
	bool found;
	int ret;

	*used = false;
	if (from_ns == INT64_MIN && to_ns == INT64_MAX) {
		return 0;
	}
	ret = lta_store_reader_int(reader, range->ordered_slot,
				   range->ordered_sql, args, 1, &found, &value);
	if (ret || !found || !value) {
		/* Unordered: the time conditions stay in the query. */
		return ret;
	}
	if (from_ns != INT64_MIN) {
		args[1] = from_ns;
		ret = lta_store_reader_int(reader, range->first_slot,
					   range->first_sql, args, 2, &found,
					   &value);
		if (ret) {
			return ret;
		}
		if (!found) {
			*empty = true;
		} else if (value - 1 > *after_id) {
			*after_id = value - 1;
		}
	}
	if (to_ns != INT64_MAX) {
		args[1] = to_ns;
		ret = lta_store_reader_int(reader, range->last_slot,
					   range->last_sql, args, 2, &found,
					   &value);
		if (ret) {
			return ret;
		}
		if (!found) {
			*empty = true;
		} else if (value < *last_id) {
			*last_id = value;
		}
	}
	*used = true;
	if (*after_id >= *last_id) {
		*empty = true;
	}
	return 0;
}

int lta_store_read_snapshot(struct lta_store *store,
			    int (*read)(struct store_reader *reader,
					void *query),
			    void *query)
{
	struct store_reader *reader;
	bool own_transaction = false;
	int ret, rc;

	ret = lta_store_reader_get(store, &reader);
	if (ret) {
		return ret;
	}
	if (sqlite3_get_autocommit(reader->db)) {
		rc = sqlite3_exec(reader->db, "BEGIN", NULL, NULL, NULL);
		if (rc != SQLITE_OK) {
			return lta_store_sqlite_error(reader->db, rc,
						      "begin read");
		}
		own_transaction = true;
	}
	ret = read(reader, query);
	if (own_transaction) {
		/* Ends the read: a checkpoint may then pass it. */
		sqlite3_exec(reader->db, "COMMIT", NULL, NULL, NULL);
	}
	return ret;
}

/* --- open and close ------------------------------------------------------ */

/* Runs SQL, which returns one integer, into *VALUE. */
static int query_int(sqlite3 *db, const char *sql, int64_t *value)
{
	sqlite3_stmt *stmt = NULL;
	int ret = 0, rc;

	rc = sqlite3_prepare_v2(db, sql, -1, &stmt, NULL);
	if (rc != SQLITE_OK) {
		ret = lta_store_sqlite_error(db, rc, sql);
		goto end;
	}
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_ROW) {
		ret = lta_store_sqlite_error(db, rc, sql);
		goto end;
	}
	*value = sqlite3_column_int64(stmt, 0);
end:
	sqlite3_finalize(stmt);
	return ret;
}

static int exec(sqlite3 *db, const char *sql, const char *what)
{
	int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : lta_store_sqlite_error(db, rc, what);
}

/*
 * Creates the schema in an empty database, checks that a non-empty one is
 * ours and migrates it to STORE_SCHEMA_VERSION. In one transaction, so that
 * two processes starting at once do not both create it.
 */
static int schema_upgrade(sqlite3 *db)
{
	int64_t version, from = 0, application_id, objects;
	char sql[128];
	int ret;

	ret = exec(db, "BEGIN IMMEDIATE", "begin schema");
	if (ret) {
		goto end;
	}
	ret = query_int(db, "PRAGMA user_version", &version);
	if (ret) {
		goto rollback;
	}
	ret = query_int(db, "PRAGMA application_id", &application_id);
	if (ret) {
		goto rollback;
	}
	ret = query_int(db, "SELECT count(*) FROM sqlite_schema", &objects);
	if (ret) {
		goto rollback;
	}
	if (objects > 0 && application_id != STORE_APPLICATION_ID) {
		lta_store_set_error("not an lttng-analyzer database (it holds "
				    "other tables)");
		ret = -EINVAL;
		goto rollback;
	}
	if (version > STORE_SCHEMA_VERSION) {
		lta_store_set_error("written by a newer lttng-analyzer (schema "
				    "version %lld, this one knows %d)",
				    (long long)version, STORE_SCHEMA_VERSION);
		ret = -EINVAL;
		goto rollback;
	}
	if (version == STORE_SCHEMA_VERSION) {
		ret = exec(db, "COMMIT", "commit schema");
		goto end;
	}
	from = version;
	if (version == 0) {
		ret = exec(db, schema_v1, "create schema");
		if (ret) {
			goto rollback;
		}
		version = 1;
	}
	if (version == 1) {
		ret = exec(db, schema_v2, "migrate schema to version 2");
		if (ret) {
			goto rollback;
		}
		version = 2;
	}
	if (version == 2) {
		ret = exec(db, schema_v3, "migrate schema to version 3");
		if (ret) {
			goto rollback;
		}
		version = 3;
	}
	if (version == 3) {
		ret = exec(db, schema_v4, "migrate schema to version 4");
		if (ret) {
			goto rollback;
		}
		version = 4;
	}
	if (version == 4) {
		ret = exec(db, schema_v5, "migrate schema to version 5");
		if (ret) {
			goto rollback;
		}
		version = 5;
	}
	if (version == 5) {
		ret = exec(db, schema_v6, "migrate schema to version 6");
		if (ret) {
			goto rollback;
		}
		version = 6;
	}
	if (version == 6) {
		ret = exec(db, schema_v7, "migrate schema to version 7");
		if (ret) {
			goto rollback;
		}
		version = 7;
	}
	/* Later versions: if (version == 7) { ...; version = 8; } */
	snprintf(sql, sizeof(sql),
		 "PRAGMA user_version=%d; PRAGMA application_id=%d",
		 STORE_SCHEMA_VERSION, STORE_APPLICATION_ID);
	ret = exec(db, sql, "set schema version");
	if (ret) {
		goto rollback;
	}
	ret = exec(db, "COMMIT", "commit schema");
	if (ret) {
		goto rollback;
	}
	if (from == 0) {
		LTA_LOGI("Created the store's schema: version=%d",
			 STORE_SCHEMA_VERSION);
	} else {
		LTA_LOGI("Migrated the store's schema: from=%lld, version=%d",
			 (long long)from, STORE_SCHEMA_VERSION);
	}
	goto end;
rollback:
	if (!sqlite3_get_autocommit(db)) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	}
end:
	return ret;
}

/*
 * Analyses that were running when the daemon stopped will never get their
 * final status from it: say so, and count the requests that reached the
 * disk (the last counters written may be older than the last commit).
 */
static int mark_interrupted(sqlite3 *db)
{
	static const char sql[] =
		"UPDATE analyses SET status='interrupted',"
		" reason='the daemon stopped while it ran', updated_ns=?1,"
		" requests=(SELECT count(*) FROM requests"
		"  WHERE requests.analysis=analyses.id),"
		" connections=(SELECT count(*) FROM connections"
		"  WHERE connections.analysis=analyses.id)"
		" WHERE status IN ('starting','connecting','live',"
		"'disconnected','reading','paused')";
	sqlite3_stmt *stmt = NULL;
	int ret = 0, rc;

	rc = sqlite3_prepare_v2(db, sql, -1, &stmt, NULL);
	if (rc != SQLITE_OK) {
		ret = lta_store_sqlite_error(db, rc, "prepare interrupted");
		goto end;
	}
	sqlite3_bind_int64(stmt, 1, wall_clock_ns());
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_DONE) {
		ret = lta_store_sqlite_error(db, rc, "mark interrupted");
		goto end;
	}
	if (sqlite3_changes(db) > 0) {
		LTA_LOGI("Marked analyses that were running as interrupted: "
			 "count=%d",
			 sqlite3_changes(db));
	}
end:
	sqlite3_finalize(stmt);
	return ret;
}

/* Creates DIR (one level) when missing and checks it is a folder. */
static int prepare_dir(const char *dir, char *error, size_t size)
{
	struct stat st;
	int ret = 0;

	if (mkdir(dir, 0750) && errno != EEXIST) {
		ret = -errno;
		snprintf(error, size,
			 "Cannot create the data folder \"%s\": %s", dir,
			 strerror(errno));
		goto end;
	}
	if (stat(dir, &st)) {
		ret = -errno;
		snprintf(error, size, "Cannot use the data folder \"%s\": %s",
			 dir, strerror(errno));
		goto end;
	}
	if (!S_ISDIR(st.st_mode)) {
		ret = -ENOTDIR;
		snprintf(error, size, "The data folder \"%s\" is not a folder",
			 dir);
		goto end;
	}
end:
	return ret;
}

/*
 * Creates the database file PATH readable by its owner only, or makes an
 * existing one so: it holds every system call of every traced request.
 * SQLite gives its -wal and -shm files the database's mode.
 */
static int restrict_file(const char *path, char *error, size_t size)
{
	int fd, ret = 0;

	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || fchmod(fd, 0600)) {
		ret = -errno;
		snprintf(error, size, "Cannot restrict \"%s\" to its owner: %s",
			 path, strerror(errno));
	}
	if (fd >= 0) {
		close(fd);
	}
	/* Left by an older version, maybe readable by all. */
	for (int i = 0; ret == 0 && i < 2; i++) {
		char side[4096];

		snprintf(side, sizeof(side), "%s%s", path, i ? "-shm" : "-wal");
		if (chmod(side, 0600) && errno != ENOENT) {
			ret = -errno;
			snprintf(error, size,
				 "Cannot restrict \"%s\" to its owner: %s",
				 side, strerror(errno));
		}
	}
	return ret;
}

/*
 * One daemon per data folder: a second one would mark the first one's
 * analyses interrupted and write under its ids.
 */
static int lock_dir(const char *dir, int *lock_fd, char *error, size_t size)
{
	char path[4096];
	int fd = -1, ret = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, STORE_LOCK_FILE);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0) {
		ret = -errno;
		snprintf(error, size, "Cannot open \"%s\": %s", path,
			 strerror(errno));
		goto end;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		ret = -errno;
		snprintf(error, size,
			 "The data folder \"%s\" is in use by another "
			 "process (or already open): %s",
			 dir, strerror(errno));
		close(fd);
		fd = -1;
		goto end;
	}
end:
	*lock_fd = fd;
	return ret;
}

/*
 * A worker's store: the daemon holds the folder's lock and made the schema
 * current; the worker only checks the version.
 */
static int check_version(sqlite3 *db)
{
	int64_t version;
	int ret = query_int(db, "PRAGMA user_version", &version);

	if (ret == 0 && version != STORE_SCHEMA_VERSION) {
		lta_store_set_error("schema version %lld, not %d: the daemon "
				    "did not open this folder",
				    (long long)version, STORE_SCHEMA_VERSION);
		ret = -EINVAL;
	}
	return ret;
}

static struct lta_store *store_open(const char *dir, bool worker, char *error,
				    size_t size)
{
	struct lta_store *store = NULL;
	bool key_created = false, mutexes_created = false;
	size_t path_size;
	int rc;

	if (size) {
		error[0] = '\0';
	}
	if (!worker && prepare_dir(dir, error, size)) {
		goto error;
	}
	store = calloc(1, sizeof(*store));
	if (!store) {
		snprintf(error, size, "Out of memory");
		goto error;
	}
	store->lock_fd = -1;
	if (!worker && lock_dir(dir, &store->lock_fd, error, size)) {
		goto error;
	}
	path_size = strlen(dir) + sizeof("/" STORE_FILE);
	store->path = malloc(path_size);
	if (!store->path) {
		snprintf(error, size, "Out of memory");
		goto error;
	}
	snprintf(store->path, path_size, "%s/%s", dir, STORE_FILE);
	if (!worker && restrict_file(store->path, error, size)) {
		goto error;
	}
	if (lta_store_connection_open(store->path,
				      SQLITE_OPEN_READWRITE |
					      (worker ? 0 : SQLITE_OPEN_CREATE),
				      &store->control)) {
		goto sqlite_error;
	}
	if (worker) {
		if (check_version(store->control)) {
			goto sqlite_error;
		}
		goto statements;
	}
	/*
	 * A file that is not a database was found out by the first PRAGMA
	 * of lta_store_connection_open(), which reads the header: the message
	 * below names the file.
	 */
	if (exec(store->control, "PRAGMA journal_mode=WAL",
		 "set WAL journal mode")) {
		goto sqlite_error;
	}
	if (schema_upgrade(store->control)) {
		goto sqlite_error;
	}
	if (mark_interrupted(store->control)) {
		goto sqlite_error;
	}
statements:
	rc = sqlite3_prepare_v3(
		store->control,
		"INSERT INTO analyses (kind, source, status, reason, "
		"created_ns, updated_ns, events, discarded_events, requests, "
		"last_event_ns) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
		"?10)",
		-1, SQLITE_PREPARE_PERSISTENT, &store->analysis_insert, NULL);
	if (rc != SQLITE_OK) {
		lta_store_sqlite_error(store->control, rc, "prepare");
		goto sqlite_error;
	}
	rc = sqlite3_prepare_v3(
		store->control,
		"UPDATE analyses SET status=?2, reason=?3, updated_ns=?4, "
		"events=?5, discarded_events=?6, requests=?7, "
		"last_event_ns=?8, connections=?9 WHERE id=?1",
		-1, SQLITE_PREPARE_PERSISTENT, &store->analysis_update, NULL);
	if (rc != SQLITE_OK) {
		lta_store_sqlite_error(store->control, rc, "prepare");
		goto sqlite_error;
	}
	rc = pthread_mutex_init(&store->lock, NULL);
	if (rc) {
		snprintf(error, size, "pthread_mutex_init: %s", strerror(rc));
		goto error;
	}
	rc = pthread_mutex_init(&store->control_lock, NULL);
	if (rc) {
		pthread_mutex_destroy(&store->lock);
		snprintf(error, size, "pthread_mutex_init: %s", strerror(rc));
		goto error;
	}
	mutexes_created = true;
	rc = pthread_key_create(&store->reader_key, reader_thread_exit);
	if (rc) {
		snprintf(error, size, "pthread_key_create: %s", strerror(rc));
		goto error;
	}
	key_created = true;
	LTA_LOGI("Opened the store: path=\"%s\"%s", store->path,
		 worker ? ", worker" : "");
	goto end;
sqlite_error:
	snprintf(error, size, "Cannot use the database \"%s\": %s", store->path,
		 last_error);
error:
	/* The caller reports ERROR: it knows whether it is fatal. */
	LTA_LOGD("Failed to open the store: dir=\"%s\", error=\"%s\"", dir,
		 size ? error : "");
	if (store) {
		if (key_created) {
			pthread_key_delete(store->reader_key);
		}
		if (mutexes_created) {
			pthread_mutex_destroy(&store->control_lock);
			pthread_mutex_destroy(&store->lock);
		}
		sqlite3_finalize(store->analysis_insert);
		sqlite3_finalize(store->analysis_update);
		sqlite3_close_v2(store->control);
		if (store->lock_fd >= 0) {
			close(store->lock_fd);
		}
		free(store->path);
		free(store);
		store = NULL;
	}
end:
	return store;
}

int lta_store_read_ordered(sqlite3 *db, int64_t analysis, const char *column,
			   bool *ordered)
{
	sqlite3_stmt *stmt = NULL;
	char sql[128];
	int ret = 0, rc;

	snprintf(sql, sizeof(sql), "SELECT %s FROM analyses WHERE id=?1",
		 column);
	rc = sqlite3_prepare_v2(db, sql, -1, &stmt, NULL);
	if (rc != SQLITE_OK) {
		ret = lta_store_sqlite_error(db, rc, "prepare");
		goto end;
	}
	sqlite3_bind_int64(stmt, 1, analysis);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		*ordered = sqlite3_column_int(stmt, 0) != 0;
	} else if (rc == SQLITE_DONE) {
		*ordered = false;
	} else {
		ret = lta_store_sqlite_error(db, rc, "read analysis");
	}
end:
	sqlite3_finalize(stmt);
	return ret;
}

struct lta_store *lta_store_open(const char *dir, char *error, size_t size)
{
	return store_open(dir, false, error, size);
}

int lta_store_analysis_finish(struct lta_store *store, int64_t id,
			      const char *status, const char *reason)
{
	static const char sql[] =
		"UPDATE analyses SET status=?2, reason=?3, updated_ns=?4,"
		" requests=(SELECT count(*) FROM requests"
		"  WHERE requests.analysis=?1),"
		" connections=(SELECT count(*) FROM connections"
		"  WHERE connections.analysis=?1)"
		" WHERE id=?1";
	sqlite3_stmt *stmt = NULL;
	int ret = 0, rc;

	pthread_mutex_lock(&store->control_lock);
	rc = sqlite3_prepare_v2(store->control, sql, -1, &stmt, NULL);
	if (rc != SQLITE_OK) {
		ret = lta_store_sqlite_error(store->control, rc,
					     "prepare finish");
		goto end;
	}
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_text(stmt, 2, status, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, reason, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 4, wall_clock_ns());
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_DONE) {
		ret = lta_store_sqlite_error(store->control, rc,
					     "finish analysis");
	} else if (sqlite3_changes(store->control) == 0) {
		ret = -ENOENT;
	}
end:
	sqlite3_finalize(stmt);
	pthread_mutex_unlock(&store->control_lock);
	return ret;
}

struct lta_store *lta_store_open_worker(const char *dir, char *error,
					size_t size)
{
	return store_open(dir, true, error, size);
}

int lta_store_snapshot_get(struct lta_store *store, int64_t analysis,
			   char **snapshot)
{
	struct store_reader *reader;
	sqlite3_stmt *stmt = NULL;
	int ret, rc;

	*snapshot = NULL;
	ret = lta_store_reader_get(store, &reader);
	if (ret) {
		return ret;
	}
	/* Rare (a /stats or /timeouts call): not kept prepared. */
	rc = sqlite3_prepare_v2(reader->db,
				"SELECT snapshot FROM snapshots "
				"WHERE analysis=?1",
				-1, &stmt, NULL);
	if (rc != SQLITE_OK) {
		ret = lta_store_sqlite_error(reader->db, rc,
					     "prepare snapshot");
		goto end;
	}
	sqlite3_bind_int64(stmt, 1, analysis);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		const char *text = (const char *)sqlite3_column_text(stmt, 0);

		*snapshot = strdup(text ? text : "");
		ret = *snapshot ? 0 : -ENOMEM;
	} else if (rc == SQLITE_DONE) {
		ret = -ENOENT;
	} else {
		ret = lta_store_sqlite_error(reader->db, rc, "read snapshot");
	}
end:
	/* Finalized: no read transaction stays open on the reader. */
	sqlite3_finalize(stmt);
	return ret;
}

void lta_store_close(struct lta_store *store)
{
	struct store_reader *reader, *next;

	if (!store) {
		return;
	}
	if (store->writers) {
		LTA_LOGE("Closing the store with writers still open: count=%d",
			 store->writers);
	}
	/*
	 * No thread uses the store any more (the caller's contract): their
	 * readers can go. Deleting the key first means no destructor runs
	 * for them later.
	 */
	pthread_key_delete(store->reader_key);
	for (reader = store->readers; reader; reader = next) {
		next = reader->next;
		reader_close(reader);
	}
	sqlite3_finalize(store->analysis_insert);
	sqlite3_finalize(store->analysis_update);
	/* The last connection to close checkpoints and removes the WAL. */
	sqlite3_close_v2(store->control);
	pthread_mutex_destroy(&store->control_lock);
	pthread_mutex_destroy(&store->lock);
	if (store->lock_fd >= 0) {
		close(store->lock_fd);
	}
	LTA_LOGI("Closed the store: path=\"%s\"", store->path);
	free(store->path);
	free(store);
}

/* --- analyses ------------------------------------------------------------- */

/* Binds a fixed-size string member, which may lack its NUL. */
static void bind_member(sqlite3_stmt *stmt, int index, const char *s,
			size_t size)
{
	sqlite3_bind_text(stmt, index, s, (int)strnlen(s, size), SQLITE_STATIC);
}

#define BIND_MEMBER(stmt, index, member) \
	bind_member((stmt), (index), (member), sizeof(member))

int lta_store_analysis_insert(struct lta_store *store,
			      struct lta_store_analysis *analysis)
{
	sqlite3_stmt *stmt = store->analysis_insert;
	int ret = 0, rc;

	if (analysis->created_ns == 0) {
		analysis->created_ns = wall_clock_ns();
	}
	if (analysis->updated_ns == 0) {
		analysis->updated_ns = analysis->created_ns;
	}
	pthread_mutex_lock(&store->control_lock);
	BIND_MEMBER(stmt, 1, analysis->kind);
	BIND_MEMBER(stmt, 2, analysis->source);
	BIND_MEMBER(stmt, 3, analysis->status);
	BIND_MEMBER(stmt, 4, analysis->reason);
	sqlite3_bind_int64(stmt, 5, analysis->created_ns);
	sqlite3_bind_int64(stmt, 6, analysis->updated_ns);
	sqlite3_bind_int64(stmt, 7, analysis->events);
	sqlite3_bind_int64(stmt, 8, analysis->discarded_events);
	sqlite3_bind_int64(stmt, 9, analysis->requests);
	sqlite3_bind_int64(stmt, 10, analysis->last_event_ns);
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_DONE) {
		ret = lta_store_sqlite_error(store->control, rc,
					     "insert analysis");
		goto end;
	}
	analysis->id = sqlite3_last_insert_rowid(store->control);
end:
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	pthread_mutex_unlock(&store->control_lock);
	return ret;
}

int lta_store_analysis_delete(struct lta_store *store, int64_t id)
{
	static const char *const tables[] = {
		"events",      "windows", "queries",	  "requests",
		"connections", "errors",  "error_counts", "snapshots",
	};
	char sql[128];
	size_t i;
	int ret, rc;

	pthread_mutex_lock(&store->control_lock);
	ret = exec(store->control, "BEGIN IMMEDIATE", "begin delete");
	if (ret) {
		goto end;
	}
	for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		/* Names from this code, never from input. */
		snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE analysis=%lld",
			 tables[i], (long long)id);
		ret = exec(store->control, sql, "delete an analysis's rows");
		if (ret) {
			goto rollback;
		}
	}
	snprintf(sql, sizeof(sql), "DELETE FROM analyses WHERE id=%lld",
		 (long long)id);
	ret = exec(store->control, sql, "delete an analysis");
	if (ret) {
		goto rollback;
	}
	if (sqlite3_changes(store->control) == 0) {
		lta_store_set_error("no analysis %lld", (long long)id);
		ret = -ENOENT;
		goto rollback;
	}
	ret = exec(store->control, "COMMIT", "commit delete");
	if (ret) {
		goto rollback;
	}
	goto end;
rollback:
	rc = sqlite3_exec(store->control, "ROLLBACK", NULL, NULL, NULL);
	(void)rc;
end:
	pthread_mutex_unlock(&store->control_lock);
	return ret;
}

int lta_store_analysis_update(struct lta_store *store,
			      const struct lta_store_analysis *analysis)
{
	sqlite3_stmt *stmt = store->analysis_update;
	int ret = 0, rc;

	pthread_mutex_lock(&store->control_lock);
	sqlite3_bind_int64(stmt, 1, analysis->id);
	BIND_MEMBER(stmt, 2, analysis->status);
	BIND_MEMBER(stmt, 3, analysis->reason);
	sqlite3_bind_int64(stmt, 4,
			   analysis->updated_ns ? analysis->updated_ns
						: wall_clock_ns());
	sqlite3_bind_int64(stmt, 5, analysis->events);
	sqlite3_bind_int64(stmt, 6, analysis->discarded_events);
	sqlite3_bind_int64(stmt, 7, analysis->requests);
	sqlite3_bind_int64(stmt, 8, analysis->last_event_ns);
	sqlite3_bind_int64(stmt, 9, analysis->connections);
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_DONE) {
		ret = lta_store_sqlite_error(store->control, rc,
					     "update analysis");
		goto end;
	}
	if (sqlite3_changes(store->control) == 0) {
		lta_store_set_error("no analysis %lld",
				    (long long)analysis->id);
		ret = -ENOENT;
		goto end;
	}
end:
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	pthread_mutex_unlock(&store->control_lock);
	return ret;
}

/* Copies column I, a string, into a member of SIZE bytes (cut to fit). */
static void column_member(sqlite3_stmt *stmt, int i, char *member, size_t size)
{
	const unsigned char *text = sqlite3_column_text(stmt, i);

	snprintf(member, size, "%s", text ? (const char *)text : "");
}

#define COLUMN_MEMBER(stmt, i, member) \
	column_member((stmt), (i), (member), sizeof(member))

static void analysis_from_row(sqlite3_stmt *stmt, struct lta_store_analysis *a)
{
	memset(a, 0, sizeof(*a));
	a->id = sqlite3_column_int64(stmt, 0);
	COLUMN_MEMBER(stmt, 1, a->kind);
	COLUMN_MEMBER(stmt, 2, a->source);
	COLUMN_MEMBER(stmt, 3, a->status);
	COLUMN_MEMBER(stmt, 4, a->reason);
	a->created_ns = sqlite3_column_int64(stmt, 5);
	a->updated_ns = sqlite3_column_int64(stmt, 6);
	a->events = sqlite3_column_int64(stmt, 7);
	a->discarded_events = sqlite3_column_int64(stmt, 8);
	a->requests = sqlite3_column_int64(stmt, 9);
	a->last_event_ns = sqlite3_column_int64(stmt, 10);
	a->connections = sqlite3_column_int64(stmt, 11);
}

int lta_store_analysis_get(struct lta_store *store, int64_t id,
			   struct lta_store_analysis *out)
{
	struct store_reader *reader;
	sqlite3_stmt *stmt = NULL;
	bool temporary = false;
	int ret, rc;

	ret = lta_store_reader_get(store, &reader);
	if (ret) {
		goto end;
	}
	ret = lta_store_stmt(reader->db, &reader->stmts[READER_ANALYSIS_GET],
			     "SELECT " ANALYSIS_COLUMNS
			     " FROM analyses WHERE id=?1",
			     &stmt, &temporary);
	if (ret) {
		goto end;
	}
	sqlite3_bind_int64(stmt, 1, id);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_DONE) {
		lta_store_set_error("no analysis %lld", (long long)id);
		ret = -ENOENT;
		goto end;
	}
	if (rc != SQLITE_ROW) {
		ret = lta_store_sqlite_error(reader->db, rc, "get analysis");
		goto end;
	}
	analysis_from_row(stmt, out);
end:
	if (stmt) {
		lta_store_stmt_done(stmt, temporary);
	}
	return ret;
}

int lta_store_analysis_list(struct lta_store *store,
			    int (*fn)(const struct lta_store_analysis *a,
				      void *user_data),
			    void *user_data)
{
	struct lta_store_analysis analysis;
	struct store_reader *reader;
	sqlite3_stmt *stmt = NULL;
	bool temporary = false;
	int ret, rc;

	ret = lta_store_reader_get(store, &reader);
	if (ret) {
		goto end;
	}
	ret = lta_store_stmt(reader->db, &reader->stmts[READER_ANALYSIS_LIST],
			     "SELECT " ANALYSIS_COLUMNS
			     " FROM analyses ORDER BY id",
			     &stmt, &temporary);
	if (ret) {
		goto end;
	}
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		analysis_from_row(stmt, &analysis);
		ret = fn(&analysis, user_data);
		if (ret) {
			goto end;
		}
	}
	if (rc != SQLITE_DONE) {
		ret = lta_store_sqlite_error(reader->db, rc, "list analyses");
		goto end;
	}
end:
	if (stmt) {
		lta_store_stmt_done(stmt, temporary);
	}
	return ret;
}
