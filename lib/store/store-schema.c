/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The store's schema (store-internal.h): each version's SQL, the
 * migration of an older database to the current version, and the check
 * a worker makes. The tables are documented with the version that made
 * them.
 */
#include <errno.h>
#include <stdio.h>

#include "common/log.h"
#include "store-internal.h"

/*
 * PRAGMA application_id ("LTAn"): tells our database from another SQLite
 * file that happens to be at the same path.
 */
#define STORE_APPLICATION_ID 0x4c54416e

/*
 * PRAGMA user_version of the schema below. A later version migrates from
 * the ones before it in schema_upgrade().
 */
#define STORE_SCHEMA_VERSION 8

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

/*
 * Version 8: the store as the outbox of the fleet's publisher
 * (src/lttng-analyzerd/publisher.c, doc/fleet.md). The event log is what
 * is published; publish_cursors keeps, per analysis and stream, the seq
 * of the last event that the message system acknowledged, so that a
 * publisher that restarts (or a message system that comes back) resumes
 * after it. events.stored_ms is the wall clock (ms since the epoch) of
 * the write of an event (inside the transaction that commits it), by a
 * trigger: the publish lag
 * is measured from it.
 */
static const char schema_v8[] =
	"CREATE TABLE publish_cursors ("
	" analysis INTEGER NOT NULL,"
	" stream TEXT NOT NULL,"
	" seq INTEGER NOT NULL,"
	" PRIMARY KEY (analysis, stream)) WITHOUT ROWID;"
	"ALTER TABLE events ADD COLUMN stored_ms INTEGER NOT NULL DEFAULT 0;"
	"CREATE TRIGGER events_stored AFTER INSERT ON events BEGIN"
	" UPDATE events SET stored_ms="
	"  CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)"
	"  WHERE seq=new.seq;"
	" END;";

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

int lta_store_exec(sqlite3 *db, const char *sql, const char *what)
{
	int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : lta_store_sqlite_error(db, rc, what);
}

/*
 * Creates the schema in an empty database, checks that a non-empty one is
 * ours and migrates it to STORE_SCHEMA_VERSION. In one transaction, so that
 * two processes starting at once do not both create it.
 */
int lta_store_schema_upgrade(sqlite3 *db)
{
	int64_t version, from = 0, application_id, objects;
	char sql[128];
	int ret;

	ret = lta_store_exec(db, "BEGIN IMMEDIATE", "begin schema");
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
		ret = lta_store_exec(db, "COMMIT", "commit schema");
		goto end;
	}
	from = version;
	if (version == 0) {
		ret = lta_store_exec(db, schema_v1, "create schema");
		if (ret) {
			goto rollback;
		}
		version = 1;
	}
	if (version == 1) {
		ret = lta_store_exec(db, schema_v2,
				     "migrate schema to version 2");
		if (ret) {
			goto rollback;
		}
		version = 2;
	}
	if (version == 2) {
		ret = lta_store_exec(db, schema_v3,
				     "migrate schema to version 3");
		if (ret) {
			goto rollback;
		}
		version = 3;
	}
	if (version == 3) {
		ret = lta_store_exec(db, schema_v4,
				     "migrate schema to version 4");
		if (ret) {
			goto rollback;
		}
		version = 4;
	}
	if (version == 4) {
		ret = lta_store_exec(db, schema_v5,
				     "migrate schema to version 5");
		if (ret) {
			goto rollback;
		}
		version = 5;
	}
	if (version == 5) {
		ret = lta_store_exec(db, schema_v6,
				     "migrate schema to version 6");
		if (ret) {
			goto rollback;
		}
		version = 6;
	}
	if (version == 6) {
		ret = lta_store_exec(db, schema_v7,
				     "migrate schema to version 7");
		if (ret) {
			goto rollback;
		}
		version = 7;
	}
	if (version == 7) {
		ret = lta_store_exec(db, schema_v8,
				     "migrate schema to version 8");
		if (ret) {
			goto rollback;
		}
		version = 8;
	}
	/* Later versions: if (version == 8) { ...; version = 9; } */
	snprintf(sql, sizeof(sql),
		 "PRAGMA user_version=%d; PRAGMA application_id=%d",
		 STORE_SCHEMA_VERSION, STORE_APPLICATION_ID);
	ret = lta_store_exec(db, sql, "set schema version");
	if (ret) {
		goto rollback;
	}
	ret = lta_store_exec(db, "COMMIT", "commit schema");
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
 * A worker's store: the daemon holds the folder's lock and made the schema
 * current; the worker only checks the version.
 */
int lta_store_schema_check(sqlite3 *db)
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
