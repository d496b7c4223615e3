/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The store as the outbox of the fleet's publisher (store.h, schema
 * version 8): the event log read by seq with what a message adds to an
 * event (a window's histogram, a request's record), how much is left to
 * publish, and the publisher's cursors.
 */
#include <errno.h>

#include "store-internal.h"

static const char *column_text_or_null(sqlite3_stmt *stmt, int i)
{
	return (const char *)sqlite3_column_text(stmt, i);
}

int lta_store_outbox_read(struct lta_store *store, int64_t analysis,
			  int64_t after, int limit, bool records,
			  int (*fn)(const struct lta_store_outbox_event *e,
				    void *user_data),
			  void *user_data)
{
	struct store_reader *reader;
	sqlite3_stmt *stmt = NULL;
	bool temporary = false;
	int ret, rc;

	if (limit <= 0) {
		return 0;
	}
	ret = lta_store_reader_get(store, &reader);
	if (ret) {
		return ret;
	}
	/*
	 * A window event's ref is its row's rowid; a request's, its id. The
	 * subqueries are point lookups in their primary keys.
	 */
	ret = lta_store_stmt(
		reader->db, &reader->stmts[READER_OUTBOX],
		"SELECT e.seq, e.kind, coalesce(e.ref, 0), e.data, e.stored_ms,"
		" CASE WHEN e.kind='window' THEN"
		"  (SELECT w.histogram FROM windows w WHERE w.rowid=e.ref)"
		" WHEN e.kind='request' AND ?4 THEN"
		"  (SELECT r.record FROM requests r"
		"   WHERE r.analysis=e.analysis AND r.id=e.ref)"
		" END"
		" FROM events e WHERE e.analysis=?1 AND e.seq>?2"
		" ORDER BY e.seq LIMIT ?3",
		&stmt, &temporary);
	if (ret) {
		return ret;
	}
	sqlite3_bind_int64(stmt, 1, analysis);
	sqlite3_bind_int64(stmt, 2, after);
	sqlite3_bind_int(stmt, 3, limit);
	sqlite3_bind_int(stmt, 4, records ? 1 : 0);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		const char *kind = column_text_or_null(stmt, 1);
		const char *data = column_text_or_null(stmt, 3);
		struct lta_store_outbox_event e = {
			.seq = sqlite3_column_int64(stmt, 0),
			.kind = kind ? kind : "",
			.ref = sqlite3_column_int64(stmt, 2),
			.data = data ? data : "{}",
			.stored_ms = sqlite3_column_int64(stmt, 4),
			.extra = column_text_or_null(stmt, 5),
		};

		ret = fn(&e, user_data);
		if (ret) {
			break;
		}
	}
	if (!ret && rc != SQLITE_DONE) {
		ret = lta_store_sqlite_error(reader->db, rc, "read the outbox");
	}
	lta_store_stmt_done(stmt, temporary);
	return ret;
}

int lta_store_outbox_pending(struct lta_store *store, int64_t analysis,
			     int64_t after, int64_t *count, int64_t *newest)
{
	struct store_reader *reader;
	sqlite3_stmt *stmt = NULL;
	bool temporary = false;
	int ret, rc;

	*count = 0;
	*newest = 0;
	ret = lta_store_reader_get(store, &reader);
	if (ret) {
		return ret;
	}
	/* Both from the (analysis, seq) index: O(log n + pending). */
	ret = lta_store_stmt(
		reader->db, &reader->stmts[READER_OUTBOX_PENDING],
		"SELECT (SELECT count(*) FROM events"
		"  WHERE analysis=?1 AND seq>?2),"
		" (SELECT coalesce(max(seq), 0) FROM events WHERE analysis=?1)",
		&stmt, &temporary);
	if (ret) {
		return ret;
	}
	sqlite3_bind_int64(stmt, 1, analysis);
	sqlite3_bind_int64(stmt, 2, after);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		*count = sqlite3_column_int64(stmt, 0);
		*newest = sqlite3_column_int64(stmt, 1);
	} else {
		ret = lta_store_sqlite_error(reader->db, rc,
					     "count the outbox");
	}
	lta_store_stmt_done(stmt, temporary);
	return ret;
}

int lta_store_publish_cursor_get(struct lta_store *store, int64_t analysis,
				 const char *stream, int64_t *seq)
{
	struct store_reader *reader;
	sqlite3_stmt *stmt = NULL;
	bool temporary = false;
	int ret, rc;

	*seq = 0;
	ret = lta_store_reader_get(store, &reader);
	if (ret) {
		return ret;
	}
	ret = lta_store_stmt(reader->db, &reader->stmts[READER_PUBLISH_CURSOR],
			     "SELECT seq FROM publish_cursors"
			     " WHERE analysis=?1 AND stream=?2",
			     &stmt, &temporary);
	if (ret) {
		return ret;
	}
	sqlite3_bind_int64(stmt, 1, analysis);
	sqlite3_bind_text(stmt, 2, stream, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		*seq = sqlite3_column_int64(stmt, 0);
	} else if (rc != SQLITE_DONE) {
		ret = lta_store_sqlite_error(reader->db, rc,
					     "read a publisher cursor");
	}
	lta_store_stmt_done(stmt, temporary);
	return ret;
}

int lta_store_publish_cursor_set(struct lta_store *store, int64_t analysis,
				 const char *stream, int64_t seq)
{
	sqlite3_stmt *stmt = NULL;
	int ret = 0, rc;

	pthread_mutex_lock(&store->control_lock);
	rc = sqlite3_prepare_v2(
		store->control,
		"INSERT INTO publish_cursors (analysis, stream, seq)"
		" VALUES (?1, ?2, ?3) ON CONFLICT (analysis, stream)"
		" DO UPDATE SET seq=excluded.seq",
		-1, &stmt, NULL);
	if (rc != SQLITE_OK) {
		ret = lta_store_sqlite_error(store->control, rc,
					     "prepare a publisher cursor");
		goto end;
	}
	sqlite3_bind_int64(stmt, 1, analysis);
	sqlite3_bind_text(stmt, 2, stream, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 3, seq);
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_DONE) {
		ret = lta_store_sqlite_error(store->control, rc,
					     "write a publisher cursor");
	}
end:
	sqlite3_finalize(stmt);
	pthread_mutex_unlock(&store->control_lock);
	return ret;
}
