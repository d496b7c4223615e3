/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Timing-failure errors in the store: the errors part of a writer's batch
 * (store-requests.c owns the batch and its transaction), and the queries
 * of the reading threads.
 *
 * Queries are built like the requests ones: one SQL text per combination
 * of filters (a bit per filter), each prepared once per reader, so that
 * SQLite plans each with the index its filters can use. A form such as
 * "(?4 IS NULL OR type=?4)" would keep one statement, but SQLite plans a
 * statement before its parameters are known, and could then never use the
 * type or entity index: a filter on a rare type would scan the analysis.
 * Paging is by id (id > cursor ORDER BY id LIMIT n):
 * - no filter: the (analysis, id) index;
 * - type, entity: their (analysis, column, id) index, the cursor a range
 *   after the equality;
 * - time range: when the analysis's ids are in raised order (the agent
 *   numbers errors as it raises them, at the newest trace time), the
 *   (analysis, raised_ns, id) index gives the first and last ids of the
 *   range in O(log n), and the page is read between them; otherwise the
 *   raised_ns terms stay in the query;
 * - name, origin, pid: checked on the rows the others select.
 * The counts are those the schema's triggers keep in error_counts.
 */
#include "store-internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"

#define ERROR_COLUMNS                                                      \
	"analysis, id, type, kind, origin, host, pid, tid, entity, name, " \
	"key, start_ns, raised_ns, timeout_ns, expired, open_count, "      \
	"late_end_ns, downstream_request"

/* --- the batch (the writer's thread) ------------------------------------- */

int lta_store_error_batch_init(struct store_error_batch *b, sqlite3 *db,
			       int64_t analysis)
{
	int ret = 0, rc;

	b->analysis = analysis;
	/*
	 * A second row of an id (its late end) updates the first: an UPDATE
	 * (not the DELETE and INSERT of a REPLACE) is what the triggers that
	 * keep error_counts expect.
	 */
	rc = sqlite3_prepare_v3(
		db,
		"INSERT INTO errors (" ERROR_COLUMNS
		") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
		"?13, ?14, ?15, ?16, ?17, ?18) ON CONFLICT (analysis, id) DO "
		"UPDATE "
		"SET type=excluded.type, kind=excluded.kind, "
		"origin=excluded.origin, host=excluded.host, pid=excluded.pid, "
		"tid=excluded.tid, entity=excluded.entity, name=excluded.name, "
		"key=excluded.key, start_ns=excluded.start_ns, "
		"raised_ns=excluded.raised_ns, timeout_ns=excluded.timeout_ns, "
		"expired=excluded.expired, open_count=excluded.open_count, "
		"late_end_ns=excluded.late_end_ns, "
		"downstream_request=excluded.downstream_request",
		-1, SQLITE_PREPARE_PERSISTENT, &b->insert, NULL);
	if (rc != SQLITE_OK) {
		ret = lta_store_sqlite_error(db, rc, "prepare error insert");
		goto end;
	}
	/* Bindings outlive sqlite3_reset(): the analysis is bound once. */
	sqlite3_bind_int64(b->insert, 1, analysis);
	/*
	 * Ids are in raised order when each row fits between its neighbours
	 * by id at the time it is inserted (by induction on the inserts; a
	 * replaced row is not its own neighbour).
	 */
	rc = sqlite3_prepare_v3(
		db,
		"SELECT coalesce((SELECT raised_ns FROM errors WHERE "
		"analysis=?1 AND id<?2 ORDER BY id DESC LIMIT 1) > ?3, 0) OR "
		"coalesce((SELECT raised_ns FROM errors WHERE analysis=?1 "
		"AND id>?2 ORDER BY id LIMIT 1) < ?3, 0)",
		-1, SQLITE_PREPARE_PERSISTENT, &b->out_of_order, NULL);
	if (rc != SQLITE_OK) {
		ret = lta_store_sqlite_error(db, rc,
					     "prepare error order check");
		goto end;
	}
	sqlite3_bind_int64(b->out_of_order, 1, analysis);
	ret = lta_store_read_ordered(db, b->analysis, "errors_ordered",
				     &b->check_order);
end:
	return ret;
}

void lta_store_error_batch_fini(struct store_error_batch *b)
{
	sqlite3_finalize(b->insert);
	sqlite3_finalize(b->out_of_order);
	lta_strbuf_fini(&b->text);
	free(b->rows);
	b->insert = NULL;
	b->out_of_order = NULL;
	b->rows = NULL;
	b->count = 0;
	b->cap = 0;
}

void lta_store_error_batch_clear(struct store_error_batch *b)
{
	b->count = 0;
	lta_strbuf_clear(&b->text);
}

/* Appends S ("" for NULL) and its NUL; returns its offset. */
static size_t text_add(struct lta_strbuf *text, const char *s)
{
	size_t offset = text->len;

	if (s) {
		lta_strbuf_puts(text, s);
	}
	lta_strbuf_putc(text, '\0');
	return offset;
}

int lta_store_error_batch_add(struct store_error_batch *b,
			      const struct lta_store_error *e)
{
	struct store_error_row *row;
	size_t start = b->text.len;
	int ret = 0;

	if (b->count == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		struct store_error_row *rows =
			realloc(b->rows, cap * sizeof(*rows));

		if (!rows) {
			lta_store_set_error("out of memory");
			ret = -ENOMEM;
			goto end;
		}
		b->rows = rows;
		b->cap = cap;
	}
	row = &b->rows[b->count];
	row->id = e->id;
	row->start_ns = e->start_ns;
	row->raised_ns = e->raised_ns;
	row->timeout_ns = e->timeout_ns;
	row->late_end_ns = e->late_end_ns;
	row->downstream_request =
		e->has_downstream && e->downstream_request >= 0
			? e->downstream_request
			: -1;
	row->key = e->key;
	row->pid = e->pid;
	row->tid = e->tid;
	row->open_count = e->open_count;
	row->expired = e->expired;
	row->type = text_add(&b->text, e->type);
	row->kind = text_add(&b->text, e->kind);
	row->origin = text_add(&b->text, e->origin);
	row->host = text_add(&b->text, e->host);
	row->entity = text_add(&b->text, e->entity);
	row->name = text_add(&b->text, e->name);
	if (b->text.failed) {
		/* Forget the partial row; the batch before it is intact. */
		b->text.len = start;
		b->text.failed = false;
		lta_store_set_error("out of memory");
		ret = -ENOMEM;
		goto end;
	}
	b->count++;
end:
	return ret;
}

/*
 * Whether ROW, about to be inserted, is out of raised order with its
 * neighbours by id. Returns 1, 0, or an SQLite result code (negated).
 */
static int row_out_of_order(struct store_error_batch *b,
			    const struct store_error_row *row)
{
	sqlite3_stmt *stmt = b->out_of_order;
	int ret, rc;

	sqlite3_bind_int64(stmt, 2, row->id);
	sqlite3_bind_int64(stmt, 3, row->raised_ns);
	rc = sqlite3_step(stmt);
	ret = rc == SQLITE_ROW ? sqlite3_column_int(stmt, 0) != 0 : -rc;
	sqlite3_reset(stmt);
	return ret;
}

static void bind_row(sqlite3_stmt *stmt, const char *text,
		     const struct store_error_row *row)
{
	sqlite3_bind_int64(stmt, 2, row->id);
	sqlite3_bind_text(stmt, 3, text + row->type, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, text + row->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 5, text + row->origin, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 6, text + row->host, -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 7, row->pid);
	sqlite3_bind_int(stmt, 8, row->tid);
	sqlite3_bind_text(stmt, 9, text + row->entity, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 10, text + row->name, -1, SQLITE_STATIC);
	/* The same 64 bits: read back as a uint64_t. */
	sqlite3_bind_int64(stmt, 11, (int64_t)row->key);
	sqlite3_bind_int64(stmt, 12, row->start_ns);
	sqlite3_bind_int64(stmt, 13, row->raised_ns);
	sqlite3_bind_int64(stmt, 14, row->timeout_ns);
	sqlite3_bind_int(stmt, 15, row->expired);
	sqlite3_bind_int64(stmt, 16, (int64_t)row->open_count);
	sqlite3_bind_int64(stmt, 17, row->late_end_ns);
	sqlite3_bind_int64(stmt, 18, row->downstream_request);
}

int lta_store_error_batch_write(struct store_error_batch *b, sqlite3 *db,
				bool *out_of_order, const char **what)
{
	bool check = b->check_order;
	size_t i;
	int rc = SQLITE_OK;

	*out_of_order = false;
	for (i = 0; i < b->count; i++) {
		const struct store_error_row *row = &b->rows[i];

		if (check) {
			*what = "check error order";
			rc = row_out_of_order(b, row);
			if (rc < 0) {
				rc = -rc;
				goto end;
			}
			if (rc) {
				check = false;
				*out_of_order = true;
			}
		}
		*what = "insert error";
		bind_row(b->insert, b->text.data, row);
		rc = sqlite3_step(b->insert);
		sqlite3_reset(b->insert);
		if (rc != SQLITE_DONE) {
			goto end;
		}
	}
	rc = SQLITE_OK;
	if (*out_of_order) {
		char sql[96];

		*what = "mark errors unordered";
		snprintf(sql, sizeof(sql),
			 "UPDATE analyses SET errors_ordered=0 WHERE id=%lld",
			 (long long)b->analysis);
		rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	}
end:
	return rc;
}

/* --- reading (any thread) ------------------------------------------------ */

static const char *column_text(sqlite3_stmt *stmt, int i)
{
	const unsigned char *text = sqlite3_column_text(stmt, i);

	/* NULL only when SQLite ran out of memory converting the value. */
	return text ? (const char *)text : "";
}

static void error_from_row(sqlite3_stmt *stmt, struct lta_store_error *e)
{
	e->analysis = sqlite3_column_int64(stmt, 0);
	e->id = sqlite3_column_int64(stmt, 1);
	e->type = column_text(stmt, 2);
	e->kind = column_text(stmt, 3);
	e->origin = column_text(stmt, 4);
	e->host = column_text(stmt, 5);
	e->pid = sqlite3_column_int(stmt, 6);
	e->tid = sqlite3_column_int(stmt, 7);
	e->entity = column_text(stmt, 8);
	e->name = column_text(stmt, 9);
	e->key = (uint64_t)sqlite3_column_int64(stmt, 10);
	e->start_ns = sqlite3_column_int64(stmt, 11);
	e->raised_ns = sqlite3_column_int64(stmt, 12);
	e->timeout_ns = sqlite3_column_int64(stmt, 13);
	e->expired = sqlite3_column_int(stmt, 14) != 0;
	e->open_count = (uint32_t)sqlite3_column_int64(stmt, 15);
	e->late_end_ns = sqlite3_column_int64(stmt, 16);
	e->downstream_request = sqlite3_column_int64(stmt, 17);
	e->has_downstream = e->downstream_request >= 0;
	if (!e->has_downstream) {
		e->downstream_request = 0;
	}
}

/*
 * The query of a combination of filters. Parameters have fixed numbers
 * whatever the combination (?11, the limit, is always there), so that
 * they are bound the same way.
 */
static void errors_sql(unsigned variant, char *sql, size_t size)
{
	snprintf(sql, size,
		 "SELECT " ERROR_COLUMNS " FROM errors"
		 " WHERE analysis=?1 AND id>?2 AND id<=?3%s%s%s%s%s%s%s"
		 " ORDER BY id LIMIT ?11",
		 variant & ERRORS_FILTER_TYPE ? " AND type=?4" : "",
		 variant & ERRORS_FILTER_ENTITY ? " AND entity=?5" : "",
		 variant & ERRORS_FILTER_NAME ? " AND name=?6" : "",
		 variant & ERRORS_FILTER_ORIGIN ? " AND origin=?7" : "",
		 variant & ERRORS_FILTER_PID ? " AND pid=?8" : "",
		 variant & ERRORS_FILTER_FROM ? " AND raised_ns>=?9" : "",
		 variant & ERRORS_FILTER_TO ? " AND raised_ns<?10" : "");
}

/* How one page is read, decided from a few O(log n) lookups. */
struct plan {
	unsigned variant; /* ERRORS_FILTER_* in the SQL. */
	int64_t after_id; /* id > after_id */
	int64_t last_id;  /* id <= last_id */
	bool empty;	  /* Nothing can match. */
};

/*
 * A time range becomes an id range when the analysis's ids are in raised
 * order (lta_store_plan_time_range).
 */
static const struct store_time_range errors_time_range = {
	READER_ERRORS_ORDERED,
	READER_ERRORS_FIRST_FROM,
	READER_ERRORS_LAST_BEFORE,
	"SELECT errors_ordered FROM analyses WHERE id=?1",
	"SELECT id FROM errors INDEXED BY errors_by_raised "
	"WHERE analysis=?1 AND raised_ns>=?2 ORDER BY raised_ns, id LIMIT 1",
	"SELECT id FROM errors INDEXED BY errors_by_raised "
	"WHERE analysis=?1 AND raised_ns<?2 "
	"ORDER BY raised_ns DESC, id DESC LIMIT 1",
};

static int plan_time_range(struct store_reader *reader,
			   const struct lta_store_error_filter *filter,
			   struct plan *plan)
{
	bool used;
	int ret;

	ret = lta_store_plan_time_range(reader, &errors_time_range,
					filter->analysis, filter->from_ns,
					filter->to_ns, &plan->after_id,
					&plan->last_id, &used, &plan->empty);
	if (used) {
		plan->variant &=
			~(unsigned)(ERRORS_FILTER_FROM | ERRORS_FILTER_TO);
	}
	return ret;
}

/* What a public query asks: its filter and its callback. */
struct errors_query {
	const struct lta_store_error_filter *filter;
	int (*fn)(const struct lta_store_error *e, void *user_data);
	void *user_data;
};

static int errors_read(struct store_reader *reader, void *query)
{
	const struct errors_query *q = query;
	const struct lta_store_error_filter *filter = q->filter;
	struct plan plan = { 0, filter->after_id, INT64_MAX, false };
	struct lta_store_error error;
	sqlite3_stmt *stmt = NULL;
	bool temporary = false;
	char sql[512];
	int ret, rc;

	if (filter->type) {
		plan.variant |= ERRORS_FILTER_TYPE;
	}
	if (filter->entity) {
		plan.variant |= ERRORS_FILTER_ENTITY;
	}
	if (filter->name) {
		plan.variant |= ERRORS_FILTER_NAME;
	}
	if (filter->origin) {
		plan.variant |= ERRORS_FILTER_ORIGIN;
	}
	if (filter->pid >= 0) {
		plan.variant |= ERRORS_FILTER_PID;
	}
	if (filter->from_ns != INT64_MIN) {
		plan.variant |= ERRORS_FILTER_FROM;
	}
	if (filter->to_ns != INT64_MAX) {
		plan.variant |= ERRORS_FILTER_TO;
	}
	ret = plan_time_range(reader, filter, &plan);
	if (ret || plan.empty) {
		goto end;
	}
	errors_sql(plan.variant, sql, sizeof(sql));
	ret = lta_store_stmt(reader->db, &reader->errors[plan.variant], sql,
			     &stmt, &temporary);
	if (ret) {
		goto end;
	}
	sqlite3_bind_int64(stmt, 1, filter->analysis);
	sqlite3_bind_int64(stmt, 2, plan.after_id);
	sqlite3_bind_int64(stmt, 3, plan.last_id);
	if (filter->type) {
		sqlite3_bind_text(stmt, 4, filter->type, -1, SQLITE_STATIC);
	}
	if (filter->entity) {
		sqlite3_bind_text(stmt, 5, filter->entity, -1, SQLITE_STATIC);
	}
	if (filter->name) {
		sqlite3_bind_text(stmt, 6, filter->name, -1, SQLITE_STATIC);
	}
	if (filter->origin) {
		sqlite3_bind_text(stmt, 7, filter->origin, -1, SQLITE_STATIC);
	}
	sqlite3_bind_int(stmt, 8, filter->pid);
	sqlite3_bind_int64(stmt, 9, filter->from_ns);
	sqlite3_bind_int64(stmt, 10, filter->to_ns);
	sqlite3_bind_int(stmt, 11, filter->limit);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		error_from_row(stmt, &error);
		ret = q->fn(&error, q->user_data);
		if (ret) {
			goto end;
		}
	}
	if (rc != SQLITE_DONE) {
		ret = lta_store_sqlite_error(reader->db, rc, "read errors");
		goto end;
	}
end:
	if (stmt) {
		lta_store_stmt_done(stmt, temporary);
	}
	return ret;
}

int lta_store_errors(struct lta_store *store,
		     const struct lta_store_error_filter *filter,
		     int (*fn)(const struct lta_store_error *e,
			       void *user_data),
		     void *user_data)
{
	struct errors_query query = { filter, fn, user_data };

	if (filter->limit <= 0) {
		return 0;
	}
	return lta_store_read_snapshot(store, errors_read, &query);
}

int lta_store_error_counts(struct lta_store *store, int64_t analysis,
			   struct lta_store_error_counts *out)
{
	struct store_reader *reader;
	sqlite3_stmt *stmt = NULL;
	bool temporary = false;
	int ret, rc;

	memset(out, 0, sizeof(*out));
	ret = lta_store_reader_get(store, &reader);
	if (ret) {
		goto end;
	}
	ret = lta_store_stmt(reader->db, &reader->stmts[READER_ERROR_COUNTS],
			     "SELECT type, errors, late_ends FROM error_counts"
			     " WHERE analysis=?1",
			     &stmt, &temporary);
	if (ret) {
		goto end;
	}
	sqlite3_bind_int64(stmt, 1, analysis);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		const char *type = column_text(stmt, 0);
		int64_t errors = sqlite3_column_int64(stmt, 1);

		if (strcmp(type, "InE") == 0) {
			out->ine = errors;
		} else if (strcmp(type, "CoE") == 0) {
			out->coe = errors;
		} else if (strcmp(type, "crash") == 0) {
			out->crash = errors;
		}
		out->late_ends += sqlite3_column_int64(stmt, 2);
	}
	if (rc != SQLITE_DONE) {
		memset(out, 0, sizeof(*out));
		ret = lta_store_sqlite_error(reader->db, rc, "count errors");
		goto end;
	}
end:
	if (stmt) {
		lta_store_stmt_done(stmt, temporary);
	}
	return ret;
}
