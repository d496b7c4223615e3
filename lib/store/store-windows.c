/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Windowed queries in the store (schema version 7, store.c): the queries
 * an analysis evaluates, written by the daemon on the control connection,
 * and the windows its worker closes, written in the worker's batches with
 * its requests (same transaction, same failures: a full disk loses none).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store-internal.h"

static int64_t wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static const char *column_text(sqlite3_stmt *stmt, int i)
{
	const unsigned char *text = sqlite3_column_text(stmt, i);

	return text ? (const char *)text : "";
}

/* --- queries (control connection) ---------------------------------------- */

/* Runs SQL with ?1 = ANALYSIS, ?2 = ARG, ?3 = TEXT on the control one. */
static int control_step(struct lta_store *store, const char *sql,
			int64_t analysis, int64_t arg, const char *text,
			int64_t *value, int *changes)
{
	sqlite3_stmt *stmt = NULL;
	int ret = 0, rc;

	rc = sqlite3_prepare_v2(store->control, sql, -1, &stmt, NULL);
	if (rc != SQLITE_OK) {
		return lta_store_sqlite_error(store->control, rc, "prepare");
	}
	sqlite3_bind_int64(stmt, 1, analysis);
	sqlite3_bind_int64(stmt, 2, arg);
	if (text) {
		sqlite3_bind_text(stmt, 3, text, -1, SQLITE_STATIC);
	}
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW && value) {
		*value = sqlite3_column_int64(stmt, 0);
	} else if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		ret = lta_store_sqlite_error(store->control, rc, "query write");
	}
	if (changes) {
		*changes = sqlite3_changes(store->control);
	}
	sqlite3_finalize(stmt);
	return ret;
}

int lta_store_query_insert(struct lta_store *store, int64_t analysis,
			   const char *spec, int64_t *id)
{
	int ret;

	pthread_mutex_lock(&store->control_lock);
	/* One statement: the id is taken and used atomically. */
	ret = control_step(
		store,
		"INSERT INTO queries (analysis, id, spec, created_ns)"
		" SELECT ?1, coalesce(max(id), 0) + 1, ?3, ?2"
		" FROM queries WHERE analysis=?1 RETURNING id",
		analysis, wall_ns(), spec, id, NULL);
	pthread_mutex_unlock(&store->control_lock);
	return ret;
}

int lta_store_query_delete(struct lta_store *store, int64_t analysis,
			   int64_t id)
{
	int ret, changes = 0;

	pthread_mutex_lock(&store->control_lock);
	ret = control_step(store,
			   "UPDATE queries SET deleted=1"
			   " WHERE analysis=?1 AND id=?2 AND deleted=0",
			   analysis, id, NULL, NULL, &changes);
	if (ret == 0 && changes == 0) {
		lta_store_set_error("no query %lld of analysis %lld",
				    (long long)id, (long long)analysis);
		ret = -ENOENT;
	}
	if (ret == 0) {
		ret = control_step(store,
				   "DELETE FROM windows"
				   " WHERE analysis=?1 AND query=?2",
				   analysis, id, NULL, NULL, NULL);
	}
	pthread_mutex_unlock(&store->control_lock);
	return ret;
}

int lta_store_queries(struct lta_store *store, int64_t analysis, int64_t after,
		      bool with_deleted,
		      int (*fn)(const struct lta_store_query *q,
				void *user_data),
		      void *user_data)
{
	struct store_reader *reader;
	sqlite3_stmt *stmt = NULL;
	bool temporary = false;
	int ret, rc;

	ret = lta_store_reader_get(store, &reader);
	if (ret) {
		return ret;
	}
	ret = lta_store_stmt(
		reader->db, &reader->stmts[READER_QUERIES],
		"SELECT id, spec, created_ns, deleted, counters FROM queries"
		" WHERE analysis=?1 AND id>?2 AND (?3 OR NOT deleted)"
		" ORDER BY id",
		&stmt, &temporary);
	if (ret) {
		return ret;
	}
	sqlite3_bind_int64(stmt, 1, analysis);
	sqlite3_bind_int64(stmt, 2, after);
	sqlite3_bind_int(stmt, 3, with_deleted);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct lta_store_query q = {
			.analysis = analysis,
			.id = sqlite3_column_int64(stmt, 0),
			.spec = column_text(stmt, 1),
			.created_ns = sqlite3_column_int64(stmt, 2),
			.deleted = sqlite3_column_int(stmt, 3) != 0,
			.counters = column_text(stmt, 4),
		};

		ret = fn(&q, user_data);
		if (ret) {
			break;
		}
	}
	if (!ret && rc != SQLITE_DONE) {
		ret = lta_store_sqlite_error(reader->db, rc, "read queries");
	}
	lta_store_stmt_done(stmt, temporary);
	return ret;
}

/* --- windows: the writer's batch ----------------------------------------- */

int lta_store_window_batch_init(struct store_window_batch *b, sqlite3 *db,
				int64_t analysis)
{
	int rc;

	b->analysis = analysis;
	rc = sqlite3_prepare_v3(
		db,
		"INSERT OR REPLACE INTO windows (analysis, query, start_ns,"
		" end_ns, grp, data, histogram) VALUES (?1, ?2, ?3, ?4, ?5, ?6,"
		" ?7)",
		-1, SQLITE_PREPARE_PERSISTENT, &b->insert, NULL);
	if (rc != SQLITE_OK) {
		return lta_store_sqlite_error(db, rc, "prepare window insert");
	}
	sqlite3_bind_int64(b->insert, 1, analysis);
	rc = sqlite3_prepare_v3(db,
				"UPDATE queries SET counters=?3"
				" WHERE analysis=?1 AND id=?2",
				-1, SQLITE_PREPARE_PERSISTENT,
				&b->update_counters, NULL);
	if (rc != SQLITE_OK) {
		return lta_store_sqlite_error(db, rc, "prepare query counters");
	}
	sqlite3_bind_int64(b->update_counters, 1, analysis);
	return 0;
}

void lta_store_window_batch_fini(struct store_window_batch *b)
{
	sqlite3_finalize(b->insert);
	b->insert = NULL;
	sqlite3_finalize(b->update_counters);
	b->update_counters = NULL;
	free(b->rows);
	b->rows = NULL;
	b->count = b->cap = 0;
	lta_strbuf_fini(&b->text);
}

static size_t text_add(struct lta_strbuf *text, const char *s)
{
	size_t offset = text->len;

	lta_strbuf_puts(text, s ? s : "");
	lta_strbuf_putc(text, '\0');
	return offset;
}

int lta_store_window_batch_add(struct store_window_batch *b, int64_t query,
			       int64_t start_ns, int64_t end_ns,
			       const char *group, const char *data,
			       const char *histogram)
{
	struct store_window_row *row;
	size_t start = b->text.len;

	if (b->count == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		struct store_window_row *rows =
			realloc(b->rows, cap * sizeof(*rows));

		if (!rows) {
			lta_store_set_error("out of memory");
			return -ENOMEM;
		}
		b->rows = rows;
		b->cap = cap;
	}
	row = &b->rows[b->count];
	row->query = query;
	row->start_ns = start_ns;
	row->end_ns = end_ns;
	row->group = text_add(&b->text, group);
	row->data = text_add(&b->text, data);
	row->histogram = text_add(&b->text, histogram);
	if (b->text.failed) {
		b->text.len = start;
		b->text.failed = false;
		lta_store_set_error("out of memory");
		return -ENOMEM;
	}
	b->count++;
	return 0;
}

int lta_store_window_batch_counters(struct store_window_batch *b, int64_t query,
				    const char *counters)
{
	size_t i, start = b->text.len;

	for (i = 0; i < b->counter_count && b->counters[i].query != query;
	     i++) {
	}
	if (i == sizeof(b->counters) / sizeof(b->counters[0])) {
		return 0; /* Past 64 queries: not said (the API caps them). */
	}
	b->counters[i].query = query;
	b->counters[i].text = text_add(&b->text, counters);
	if (b->text.failed) {
		b->text.len = start;
		b->text.failed = false;
		return -ENOMEM;
	}
	if (i == b->counter_count) {
		b->counter_count++;
	}
	return 0;
}

int lta_store_window_batch_write(struct store_window_batch *b, sqlite3 *db,
				 const char **what)
{
	const char *text = b->text.data;
	size_t i;

	(void)db;
	*what = "insert window";
	for (i = 0; i < b->count; i++) {
		const struct store_window_row *row = &b->rows[i];
		int rc;

		sqlite3_bind_int64(b->insert, 2, row->query);
		sqlite3_bind_int64(b->insert, 3, row->start_ns);
		sqlite3_bind_int64(b->insert, 4, row->end_ns);
		sqlite3_bind_text(b->insert, 5, text + row->group, -1,
				  SQLITE_STATIC);
		sqlite3_bind_text(b->insert, 6, text + row->data, -1,
				  SQLITE_STATIC);
		sqlite3_bind_text(b->insert, 7, text + row->histogram, -1,
				  SQLITE_STATIC);
		rc = sqlite3_step(b->insert);
		sqlite3_reset(b->insert);
		if (rc != SQLITE_DONE) {
			return rc;
		}
	}
	*what = "write query counters";
	for (i = 0; i < b->counter_count; i++) {
		int rc;

		sqlite3_bind_int64(b->update_counters, 2, b->counters[i].query);
		sqlite3_bind_text(b->update_counters, 3,
				  text + b->counters[i].text, -1,
				  SQLITE_STATIC);
		rc = sqlite3_step(b->update_counters);
		sqlite3_reset(b->update_counters);
		if (rc != SQLITE_DONE) {
			return rc;
		}
	}
	return SQLITE_OK;
}

void lta_store_window_batch_clear(struct store_window_batch *b)
{
	b->count = 0;
	b->counter_count = 0;
	b->text.len = 0;
	b->text.failed = false;
}

/* --- windows: reading ----------------------------------------------------- */

int lta_store_windows(struct lta_store *store,
		      const struct lta_store_window_filter *filter,
		      int (*fn)(const struct lta_store_window *win,
				void *user_data),
		      void *user_data)
{
	struct store_reader *reader;
	sqlite3_stmt *stmt = NULL;
	bool temporary = false;
	int ret, rc;

	if (filter->limit <= 0) {
		return 0;
	}
	ret = lta_store_reader_get(store, &reader);
	if (ret) {
		return ret;
	}
	ret = lta_store_stmt(
		reader->db, &reader->stmts[READER_WINDOWS],
		"SELECT rowid, start_ns, end_ns, grp, data, histogram"
		" FROM windows INDEXED BY windows_by_query"
		" WHERE analysis=?1 AND query=?2 AND rowid>?3"
		" AND start_ns>=?4 AND start_ns<?5 ORDER BY rowid LIMIT ?6",
		&stmt, &temporary);
	if (ret) {
		return ret;
	}
	sqlite3_bind_int64(stmt, 1, filter->analysis);
	sqlite3_bind_int64(stmt, 2, filter->query);
	sqlite3_bind_int64(stmt, 3, filter->after_id);
	sqlite3_bind_int64(stmt, 4, filter->from_ns);
	sqlite3_bind_int64(stmt, 5, filter->to_ns);
	sqlite3_bind_int(stmt, 6, filter->limit);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct lta_store_window win = {
			.id = sqlite3_column_int64(stmt, 0),
			.query = filter->query,
			.start_ns = sqlite3_column_int64(stmt, 1),
			.end_ns = sqlite3_column_int64(stmt, 2),
			.group = column_text(stmt, 3),
			.data = column_text(stmt, 4),
			.histogram = column_text(stmt, 5),
		};

		ret = fn(&win, user_data);
		if (ret) {
			break;
		}
	}
	if (!ret && rc != SQLITE_DONE) {
		ret = lta_store_sqlite_error(reader->db, rc, "read windows");
	}
	lta_store_stmt_done(stmt, temporary);
	return ret;
}
