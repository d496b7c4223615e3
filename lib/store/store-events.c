/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The event log: what the live event stream reads (store.h). The rows are
 * written by triggers of schema version 6 (store.c); here they are only
 * read, by seq, on the calling thread's reader.
 */
#include <errno.h>

#include "store-internal.h"

static const char *column_text(sqlite3_stmt *stmt, int i)
{
	const unsigned char *text = sqlite3_column_text(stmt, i);

	return text ? (const char *)text : "";
}

int lta_store_events(struct lta_store *store, int64_t analysis, int64_t after,
		     int limit,
		     int (*fn)(const struct lta_store_event *e,
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
	if (analysis > 0) {
		ret = lta_store_stmt(
			reader->db, &reader->stmts[READER_EVENTS_OF],
			"SELECT seq, analysis, kind, data FROM events"
			" WHERE analysis=?1 AND seq>?2 ORDER BY seq LIMIT ?3",
			&stmt, &temporary);
	} else {
		ret = lta_store_stmt(
			reader->db, &reader->stmts[READER_EVENTS],
			"SELECT seq, analysis, kind, data FROM events"
			" WHERE seq>?2 ORDER BY seq LIMIT ?3",
			&stmt, &temporary);
	}
	if (ret) {
		return ret;
	}
	if (analysis > 0) {
		sqlite3_bind_int64(stmt, 1, analysis);
	}
	sqlite3_bind_int64(stmt, 2, after);
	sqlite3_bind_int(stmt, 3, limit);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct lta_store_event e = {
			.seq = sqlite3_column_int64(stmt, 0),
			.analysis = sqlite3_column_int64(stmt, 1),
			.kind = column_text(stmt, 2),
			.data = column_text(stmt, 3),
		};

		ret = fn(&e, user_data);
		if (ret) {
			break;
		}
	}
	if (!ret && rc != SQLITE_DONE) {
		ret = lta_store_sqlite_error(reader->db, rc, "read events");
	}
	lta_store_stmt_done(stmt, temporary);
	return ret;
}

int lta_store_events_last(struct lta_store *store, int64_t *seq)
{
	struct store_reader *reader;
	bool found;
	int ret;

	*seq = 0;
	ret = lta_store_reader_get(store, &reader);
	if (ret) {
		return ret;
	}
	ret = lta_store_reader_int(reader, READER_EVENTS_LAST,
				   "SELECT max(seq) FROM events", NULL, 0,
				   &found, seq);
	if (!ret && !found) {
		*seq = 0;
	}
	return ret;
}
