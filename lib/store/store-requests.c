/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Requests in the store: the writer of an analysis thread, and the queries
 * of the reading threads. The writer's batch also carries the analysis's
 * timing-failure errors (store-errors.c) and connections
 * (store-connections.c), so that all are committed together.
 *
 * SQLite lets one connection write at a time, from its first write to its
 * commit. A writer that kept a transaction open between commits (a few
 * hundred milliseconds) would hold every other writer of the daemon, and
 * the analyses updates, for that long: two analyses would take turns, and
 * the busy handler (which polls) could starve one until it fails. So the
 * writer keeps its batch in memory, already formatted, and writes it in one
 * short transaction when it commits: the lock is held for the inserts only.
 */
#include "store-internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/strbuf.h"
#include "segment/request-format.h"

/*
 * A batch past either bound (requests and errors together) is committed
 * by lta_store_writer_add() or lta_store_writer_add_error().
 */
#define BATCH_MAX_BYTES (8 * 1024 * 1024)
#define BATCH_MAX_ROWS 65536

/* The columns of a request waiting in a batch; strings are in the text. */
struct batch_row {
	int64_t id;
	int64_t start_ns, end_ns, duration_ns;
	int64_t connection_id, position;
	int32_t pid, port;
	bool incomplete;
	const char *end_reason; /* Borrowed: lta_request_end_name()'s. */
	/* Offsets in text, NUL-terminated. */
	size_t procname, peer, component;
	size_t record, record_len;
};

struct lta_store_writer {
	struct lta_store *store; /* Borrowed. */
	int64_t analysis;
	sqlite3 *db;		    /* Owned. */
	sqlite3_stmt *insert;	    /* Owned. */
	sqlite3_stmt *out_of_order; /* Owned. */

	/*
	 * Whether the rows written so far have ids in start order, as far as
	 * committed: then every insert checks its neighbours, and the first
	 * one out of order clears analyses.requests_ordered (the time filter
	 * of the readers relies on it).
	 */
	bool check_order;
	struct batch_row *rows; /* Owned. */
	size_t count, cap;
	struct lta_strbuf text;		 /* Owned: the strings of the rows. */
	struct store_error_batch errors; /* Owned: errors of the batch. */
	/* Owned: connections of the batch. */
	struct store_connection_batch connections;
	/* Owned: closed windows of the batch. */
	struct store_window_batch windows;
	int64_t batch_start_ns; /* Monotonic clock, at the first row. */
	int64_t committed;	/* Requests only. */
	int64_t committed_connections;
	bool failing; /* The last commit failed. */
	/* The analysis's snapshot, for the next commit; owned. */
	struct lta_strbuf snapshot;
	bool snapshot_pending;
	sqlite3_stmt *snapshot_write; /* Owned. */
	/*
	 * The caller commits a full batch itself (lta_store_writer_due()
	 * says when), with the snapshot that counts it.
	 */
	bool manual;
};

#define REQUEST_COLUMNS                                                \
	"analysis, id, pid, procname, peer, port, start_ns, end_ns, "  \
	"duration_ns, end_reason, incomplete, record, connection_id, " \
	"position"

static int64_t wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

sqlite3 *lta_store_writer_borrow_db(struct lta_store_writer *w)
{
	return w->db;
}

/*
 * Whether ROW, about to be inserted, is out of start order with its
 * neighbours by id. Returns 1, 0, or an SQLite result code (negated).
 */
static int row_out_of_order(struct lta_store_writer *w,
			    const struct batch_row *row)
{
	sqlite3_stmt *stmt = w->out_of_order;
	int ret, rc;

	sqlite3_bind_int64(stmt, 2, row->id);
	sqlite3_bind_int64(stmt, 3, row->start_ns);
	rc = sqlite3_step(stmt);
	ret = rc == SQLITE_ROW ? sqlite3_column_int(stmt, 0) != 0 : -rc;
	sqlite3_reset(stmt);
	return ret;
}

struct lta_store_writer *lta_store_writer_open(struct lta_store *store,
					       int64_t analysis_id)
{
	struct lta_store_writer *w = NULL;
	int rc;

	w = calloc(1, sizeof(*w));
	if (!w) {
		lta_store_set_error("out of memory");
		goto error;
	}
	w->store = store;
	w->analysis = analysis_id;
	if (lta_store_connection_open(store->path, SQLITE_OPEN_READWRITE,
				      &w->db)) {
		goto error;
	}
	/*
	 * Each request's INSERT OR REPLACE fires the event-log trigger, so
	 * SQLite keeps a statement journal of the pages it changes: in a
	 * temporary file, that was a pwrite() per page and statement, and
	 * ingesting the 5M-event trace took 39 s instead of 25 s. The writer
	 * sorts nothing: its temporary data stays small.
	 */
	rc = sqlite3_exec(w->db, "PRAGMA temp_store=MEMORY", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		lta_store_sqlite_error(w->db, rc, "set temp_store");
		goto error;
	}
	rc = sqlite3_prepare_v3(
		w->db,
		"INSERT OR REPLACE INTO requests "
		"(" REQUEST_COLUMNS ", component) VALUES (?1, "
		"?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
		"?13, ?14, ?15)",
		-1, SQLITE_PREPARE_PERSISTENT, &w->insert, NULL);
	if (rc != SQLITE_OK) {
		lta_store_sqlite_error(w->db, rc, "prepare insert");
		goto error;
	}
	/* Bindings outlive sqlite3_reset(): the analysis is bound once. */
	sqlite3_bind_int64(w->insert, 1, analysis_id);
	/*
	 * Ids are in start order when each row fits between its neighbours
	 * by id at the time it is inserted (by induction on the inserts).
	 */
	rc = sqlite3_prepare_v3(
		w->db,
		"SELECT coalesce((SELECT start_ns FROM requests WHERE "
		"analysis=?1 AND id<?2 ORDER BY id DESC LIMIT 1) > ?3, 0) OR "
		"coalesce((SELECT start_ns FROM requests WHERE analysis=?1 "
		"AND id>?2 ORDER BY id LIMIT 1) < ?3, 0)",
		-1, SQLITE_PREPARE_PERSISTENT, &w->out_of_order, NULL);
	if (rc != SQLITE_OK) {
		lta_store_sqlite_error(w->db, rc, "prepare order check");
		goto error;
	}
	sqlite3_bind_int64(w->out_of_order, 1, analysis_id);
	rc = sqlite3_prepare_v3(w->db,
				"INSERT OR REPLACE INTO snapshots "
				"(analysis, updated_ns, snapshot) "
				"VALUES (?1, ?2, ?3)",
				-1, SQLITE_PREPARE_PERSISTENT,
				&w->snapshot_write, NULL);
	if (rc != SQLITE_OK) {
		lta_store_sqlite_error(w->db, rc, "prepare snapshot");
		goto error;
	}
	sqlite3_bind_int64(w->snapshot_write, 1, analysis_id);
	if (lta_store_read_ordered(w->db, w->analysis, "requests_ordered",
				   &w->check_order)) {
		goto error;
	}
	if (lta_store_error_batch_init(&w->errors, w->db, analysis_id) ||
	    lta_store_connection_batch_init(&w->connections, w->db,
					    analysis_id) ||
	    lta_store_window_batch_init(&w->windows, w->db, analysis_id)) {
		goto error;
	}
	pthread_mutex_lock(&store->lock);
	store->writers++;
	pthread_mutex_unlock(&store->lock);
	goto end;
error:
	LTA_LOGE("Failed to open a store writer: analysis=%lld, error=\"%s\"",
		 (long long)analysis_id, lta_store_error());
	if (w) {
		lta_store_error_batch_fini(&w->errors);
		lta_store_connection_batch_fini(&w->connections);
		lta_store_window_batch_fini(&w->windows);
		sqlite3_finalize(w->insert);
		sqlite3_finalize(w->out_of_order);
		sqlite3_finalize(w->snapshot_write);
		sqlite3_close_v2(w->db);
		free(w);
		w = NULL;
	}
end:
	return w;
}

static void batch_clear(struct lta_store_writer *w)
{
	w->count = 0;
	lta_strbuf_clear(&w->text);
	lta_store_error_batch_clear(&w->errors);
	lta_store_connection_batch_clear(&w->connections);
	lta_store_window_batch_clear(&w->windows);
}

static bool batch_empty(const struct lta_store_writer *w)
{
	return w->count == 0 && w->errors.count == 0 &&
	       w->connections.count == 0 && w->windows.count == 0 &&
	       w->windows.counter_count == 0 && !w->snapshot_pending;
}

size_t lta_store_writer_pending(const struct lta_store_writer *w)
{
	return w->count + w->errors.count + w->connections.count +
	       w->windows.count;
}

int lta_store_writer_set_snapshot(struct lta_store_writer *w,
				  const char *snapshot)
{
	bool was_empty = batch_empty(w);

	lta_strbuf_clear(&w->snapshot);
	lta_strbuf_puts(&w->snapshot, snapshot);
	if (w->snapshot.failed) {
		return -ENOMEM;
	}
	w->snapshot_pending = true;
	if (was_empty) {
		w->batch_start_ns = monotonic_ns();
	}
	return 0;
}

/* Whether the batch is past a bound: then it is committed at once. */
static bool batch_full(const struct lta_store_writer *w)
{
	return w->text.len + w->errors.text.len + w->windows.text.len +
			       w->connections.count *
				       sizeof(struct store_connection_row) >=
		       BATCH_MAX_BYTES ||
	       w->count + w->errors.count + w->connections.count +
			       w->windows.count >=
		       BATCH_MAX_ROWS;
}

/* Appends S (at most SIZE bytes) and its NUL; returns its offset. */
static size_t text_add(struct lta_strbuf *text, const char *s, size_t size)
{
	size_t offset = text->len;

	lta_strbuf_append(text, s, strnlen(s, size));
	lta_strbuf_putc(text, '\0');
	return offset;
}

static int batch_write(struct lta_store_writer *w, bool *out_of_order,
		       bool *errors_out_of_order,
		       bool *connections_out_of_order)
{
	sqlite3_stmt *stmt = w->insert;
	const char *text = w->text.data;
	const char *what = "begin";
	bool check = w->check_order;
	size_t i;
	int ret = 0, rc;

	*out_of_order = false;
	*errors_out_of_order = false;
	*connections_out_of_order = false;
	/*
	 * IMMEDIATE takes the write lock now, waiting for another writer's
	 * commit if need be (busy timeout), rather than failing at the first
	 * insert of a transaction that started as a reader.
	 */
	rc = sqlite3_exec(w->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		goto error;
	}
	for (i = 0; i < w->count; i++) {
		const struct batch_row *row = &w->rows[i];

		if (check) {
			what = "check request order";
			rc = row_out_of_order(w, row);
			if (rc < 0) {
				rc = -rc;
				goto error;
			}
			if (rc) {
				check = false;
				*out_of_order = true;
			}
		}
		what = "insert request";
		sqlite3_bind_int64(stmt, 2, row->id);
		sqlite3_bind_int(stmt, 3, row->pid);
		sqlite3_bind_text(stmt, 4, text + row->procname, -1,
				  SQLITE_STATIC);
		sqlite3_bind_text(stmt, 5, text + row->peer, -1, SQLITE_STATIC);
		sqlite3_bind_int(stmt, 6, row->port);
		sqlite3_bind_int64(stmt, 7, row->start_ns);
		sqlite3_bind_int64(stmt, 8, row->end_ns);
		sqlite3_bind_int64(stmt, 9, row->duration_ns);
		sqlite3_bind_text(stmt, 10, row->end_reason, -1, SQLITE_STATIC);
		sqlite3_bind_int(stmt, 11, row->incomplete);
		sqlite3_bind_text(stmt, 12, text + row->record,
				  (int)row->record_len, SQLITE_STATIC);
		sqlite3_bind_int64(stmt, 13, row->connection_id);
		sqlite3_bind_int64(stmt, 14, row->position);
		sqlite3_bind_text(stmt, 15, text + row->component, -1,
				  SQLITE_STATIC);
		rc = sqlite3_step(stmt);
		sqlite3_reset(stmt);
		if (rc != SQLITE_DONE) {
			goto error;
		}
	}
	if (*out_of_order) {
		char sql[96];

		what = "mark requests unordered";
		snprintf(sql, sizeof(sql),
			 "UPDATE analyses SET requests_ordered=0 WHERE id=%lld",
			 (long long)w->analysis);
		rc = sqlite3_exec(w->db, sql, NULL, NULL, NULL);
		if (rc != SQLITE_OK) {
			goto error;
		}
	}
	rc = lta_store_error_batch_write(&w->errors, w->db, errors_out_of_order,
					 &what);
	if (rc != SQLITE_OK) {
		goto error;
	}
	rc = lta_store_connection_batch_write(&w->connections, w->db,
					      connections_out_of_order, &what);
	if (rc != SQLITE_OK) {
		goto error;
	}
	rc = lta_store_window_batch_write(&w->windows, w->db, &what);
	if (rc != SQLITE_OK) {
		goto error;
	}
	if (w->snapshot_pending) {
		what = "write snapshot";
		sqlite3_bind_int64(w->snapshot_write, 2, wall_ns());
		sqlite3_bind_text(w->snapshot_write, 3, w->snapshot.data,
				  (int)w->snapshot.len, SQLITE_STATIC);
		rc = sqlite3_step(w->snapshot_write);
		sqlite3_reset(w->snapshot_write);
		if (rc != SQLITE_DONE) {
			goto error;
		}
	}
	what = "commit";
	rc = sqlite3_exec(w->db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		goto error;
	}
	goto end;
error:
	ret = lta_store_sqlite_error(w->db, rc, what);
	/*
	 * SQLite rolls back by itself after some errors (a full disk among
	 * them); otherwise the transaction is still open.
	 */
	if (!sqlite3_get_autocommit(w->db)) {
		sqlite3_exec(w->db, "ROLLBACK", NULL, NULL, NULL);
	}
end:
	return ret;
}

/* Writes the batch, whatever its age, and empties it. */
static int batch_commit(struct lta_store_writer *w)
{
	bool out_of_order, errors_out_of_order, connections_out_of_order;
	int ret = 0;

	if (batch_empty(w)) {
		goto end;
	}
	ret = batch_write(w, &out_of_order, &errors_out_of_order,
			  &connections_out_of_order);
	if (ret == 0 && out_of_order) {
		/* Once committed only: a lost batch proves nothing. */
		w->check_order = false;
		LTA_LOGI("Requests are not in start order: time filters of "
			 "this analysis scan its requests: analysis=%lld",
			 (long long)w->analysis);
	}
	if (ret == 0 && errors_out_of_order) {
		w->errors.check_order = false;
		LTA_LOGI("Errors are not in raised order: time filters of "
			 "this analysis scan its errors: analysis=%lld",
			 (long long)w->analysis);
	}
	if (ret == 0 && connections_out_of_order) {
		w->connections.check_order = false;
		LTA_LOGI("Connections are not in start order: time filters of "
			 "this analysis scan its connections: analysis=%lld",
			 (long long)w->analysis);
	}
	if (ret && !w->failing) {
		LTA_LOGE("Failed to store requests, kept to retry: "
			 "analysis=%lld, pending=%zu, pending_errors=%zu, "
			 "pending_connections=%zu, error=\"%s\"",
			 (long long)w->analysis, w->count, w->errors.count,
			 w->connections.count, lta_store_error());
	} else if (ret) {
		/* A full disk fails every commit: said once at ERROR. */
		LTA_LOGD("Failed to store requests again: analysis=%lld, "
			 "pending=%zu, pending_errors=%zu, "
			 "pending_connections=%zu, error=\"%s\"",
			 (long long)w->analysis, w->count, w->errors.count,
			 w->connections.count, lta_store_error());
	} else {
		if (w->failing) {
			LTA_LOGI("Storing requests again: analysis=%lld",
				 (long long)w->analysis);
		}
		w->committed += (int64_t)w->count;
		w->committed_connections += (int64_t)w->connections.count;
	}
	w->failing = ret != 0;
	if (ret == 0) {
		/* A failed batch stays, whole, for the next commit. */
		batch_clear(w);
		w->snapshot_pending = false;
	}
end:
	return ret;
}

/*
 * A row joined the batch (empty before when WAS_EMPTY): the batch's age
 * starts with its first row; a full batch is committed at once.
 */
static int batch_grew(struct lta_store_writer *w, bool was_empty)
{
	if (was_empty) {
		w->batch_start_ns = monotonic_ns();
	}
	return batch_full(w) && !w->manual ? batch_commit(w) : 0;
}

void lta_store_writer_set_manual(struct lta_store_writer *w)
{
	w->manual = true;
}

int lta_store_writer_add(struct lta_store_writer *w,
			 const struct lta_request *r, const char *host)
{
	struct batch_row *row;
	size_t start = w->text.len;
	bool was_empty = batch_empty(w);
	int ret = 0;

	if (w->count == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 256;
		struct batch_row *rows = realloc(w->rows, cap * sizeof(*rows));

		if (!rows) {
			lta_store_set_error("out of memory");
			ret = -ENOMEM;
			goto end;
		}
		w->rows = rows;
		w->cap = cap;
	}
	row = &w->rows[w->count];
	row->id = (int64_t)r->id;
	row->pid = r->pid;
	row->port = r->port >= 0 ? r->port : -1;
	row->start_ns = r->start;
	row->end_ns = r->end >= 0 ? r->end : -1;
	row->duration_ns = lta_request_duration(r);
	row->end_reason = lta_request_end_name(r->end_reason);
	row->incomplete = r->incomplete;
	row->connection_id = (int64_t)r->connection_id;
	row->position = r->position;
	row->procname = text_add(&w->text, r->procname, sizeof(r->procname));
	row->peer = text_add(&w->text, r->peer, sizeof(r->peer));
	row->component = text_add(&w->text, r->component, sizeof(r->component));
	row->record = w->text.len;
	lta_request_format_json(r, host, &w->text);
	row->record_len = w->text.len - row->record;
	lta_strbuf_putc(&w->text, '\0');
	if (w->text.failed) {
		/* Forget the partial row; the batch before it is intact. */
		w->text.len = start;
		w->text.failed = false;
		lta_store_set_error("out of memory");
		ret = -ENOMEM;
		goto end;
	}
	w->count++;
	ret = batch_grew(w, was_empty);
end:
	return ret;
}

int lta_store_writer_add_error(struct lta_store_writer *w,
			       const struct lta_store_error *e)
{
	bool was_empty = batch_empty(w);
	int ret;

	ret = lta_store_error_batch_add(&w->errors, e);
	if (ret) {
		return ret;
	}
	return batch_grew(w, was_empty);
}

int lta_store_writer_add_window(struct lta_store_writer *w, int64_t query,
				int64_t start_ns, int64_t end_ns,
				const char *group, const char *data,
				const char *histogram)
{
	bool was_empty = batch_empty(w);
	int ret;

	ret = lta_store_window_batch_add(&w->windows, query, start_ns, end_ns,
					 group, data, histogram);
	if (ret) {
		return ret;
	}
	return batch_grew(w, was_empty);
}

int lta_store_writer_set_query_counters(struct lta_store_writer *w,
					int64_t query, const char *counters)
{
	bool was_empty = batch_empty(w);
	int ret;

	ret = lta_store_window_batch_counters(&w->windows, query, counters);
	if (ret == 0 && was_empty) {
		w->batch_start_ns = monotonic_ns();
	}
	return ret;
}

int lta_store_writer_add_connection(struct lta_store_writer *w,
				    const struct lta_connection *c,
				    const char *host)
{
	bool was_empty = batch_empty(w);
	int ret;

	ret = lta_store_connection_batch_add(&w->connections, c, host);
	if (ret) {
		return ret;
	}
	return batch_grew(w, was_empty);
}

bool lta_store_writer_due(const struct lta_store_writer *w, int max_age_ms)
{
	if (batch_empty(w)) {
		return false;
	}
	return max_age_ms <= 0 || batch_full(w) ||
	       monotonic_ns() - w->batch_start_ns >=
		       (int64_t)max_age_ms * 1000000;
}

int lta_store_writer_commit(struct lta_store_writer *w, int max_age_ms)
{
	int ret = 0;

	if (batch_empty(w)) {
		goto end;
	}
	if (max_age_ms > 0 && monotonic_ns() - w->batch_start_ns <
				      (int64_t)max_age_ms * 1000000) {
		goto end;
	}
	ret = batch_commit(w);
end:
	return ret;
}

int64_t lta_store_writer_committed(const struct lta_store_writer *w)
{
	return w->committed;
}

int64_t lta_store_writer_committed_connections(const struct lta_store_writer *w)
{
	return w->committed_connections;
}

void lta_store_writer_close(struct lta_store_writer *w)
{
	if (!w) {
		return;
	}
	/* batch_commit() logged a failure: nothing more to do with it. */
	(void)batch_commit(w);
	pthread_mutex_lock(&w->store->lock);
	w->store->writers--;
	pthread_mutex_unlock(&w->store->lock);
	lta_store_error_batch_fini(&w->errors);
	lta_store_connection_batch_fini(&w->connections);
	lta_store_window_batch_fini(&w->windows);
	sqlite3_finalize(w->insert);
	sqlite3_finalize(w->out_of_order);
	sqlite3_finalize(w->snapshot_write);
	/* The last connection to close checkpoints and removes the WAL. */
	sqlite3_close_v2(w->db);
	lta_strbuf_fini(&w->text);
	lta_strbuf_fini(&w->snapshot);
	free(w->rows);
	free(w);
}

/* --- reading -------------------------------------------------------------- */

static void request_from_row(sqlite3_stmt *stmt, struct lta_store_request *r)
{
	r->analysis = sqlite3_column_int64(stmt, 0);
	r->id = sqlite3_column_int64(stmt, 1);
	r->pid = sqlite3_column_int(stmt, 2);
	r->procname = (const char *)sqlite3_column_text(stmt, 3);
	r->peer = (const char *)sqlite3_column_text(stmt, 4);
	r->port = sqlite3_column_int(stmt, 5);
	r->start_ns = sqlite3_column_int64(stmt, 6);
	r->end_ns = sqlite3_column_int64(stmt, 7);
	r->duration_ns = sqlite3_column_int64(stmt, 8);
	r->end_reason = (const char *)sqlite3_column_text(stmt, 9);
	r->incomplete = sqlite3_column_int(stmt, 10) != 0;
	r->json = (const char *)sqlite3_column_text(stmt, 11);
	r->json_len = (size_t)sqlite3_column_bytes(stmt, 11);
	r->connection_id = sqlite3_column_int64(stmt, 12);
	r->position = sqlite3_column_int64(stmt, 13);
	/* NULL only when SQLite ran out of memory converting the value. */
	if (!r->procname) {
		r->procname = "";
	}
	if (!r->peer) {
		r->peer = "";
	}
	if (!r->end_reason) {
		r->end_reason = "";
	}
	if (!r->json) {
		r->json = "";
		r->json_len = 0;
	}
}

/*
 * A duration filter cannot keep both its order (id) and its range
 * (duration) in one index. Reading in id order costs about LIMIT / D rows
 * for a density D of matching requests; reading the duration index costs
 * its K matching entries (sorted by id, about 4 times cheaper each than a
 * row). The plan counts matching entries up to the point where both cost
 * the same, sqrt(4 * LIMIT * SPAN), and takes the cheaper: a page never
 * costs more than about twice that, whatever the data.
 */
#define DURATION_ENTRY_COST_RATIO 4

/* How one page is read, decided from a few O(log n) lookups. */
struct plan {
	unsigned variant; /* REQUESTS_FILTER_* in the SQL. */
	int64_t after_id; /* id > after_id */
	int64_t last_id;  /* id <= last_id */
	bool by_duration; /* Through the duration index. */
	bool empty;	  /* Nothing can match. */
};

/*
 * The query of a combination of filters. Parameters have fixed numbers
 * whatever the combination, so that they are bound the same way.
 */
static void requests_sql(unsigned variant, char *sql, size_t size)
{
	snprintf(sql, size,
		 "SELECT " REQUEST_COLUMNS " FROM requests"
		 " WHERE analysis=?1 AND id>?2 AND id<=?9%s%s%s%s%s%s%s"
		 " ORDER BY id LIMIT ?8",
		 variant & REQUESTS_FILTER_FROM ? " AND start_ns>=?3" : "",
		 variant & REQUESTS_FILTER_TO ? " AND start_ns<?4" : "",
		 variant & REQUESTS_FILTER_PROCESS ? " AND procname=?5" : "",
		 variant & REQUESTS_FILTER_DURATION ? " AND duration_ns>=?6"
						    : "",
		 variant & REQUESTS_FILTER_END_REASON ? " AND end_reason=?7"
						      : "",
		 variant & REQUESTS_FILTER_CONNECTION ? " AND connection_id=?10"
						      : "",
		 variant & REQUESTS_FILTER_COMPONENT ? " AND component=?11"
						     : "");
}

/*
 * The ids of the first page of a selective duration filter, found in the
 * duration index (id is in it), then their rows.
 */
static const char requests_by_duration_sql[] =
	"SELECT " REQUEST_COLUMNS " FROM requests WHERE rowid IN"
	" (SELECT rowid FROM requests INDEXED BY requests_by_duration"
	"  WHERE analysis=?1 AND duration_ns>=?6 AND id>?2 AND id<=?9"
	"  ORDER BY id LIMIT ?8)"
	" ORDER BY id";

/*
 * A time range becomes an id range when the analysis's ids are in start
 * order (lta_store_plan_time_range).
 */
static const struct store_time_range requests_time_range = {
	READER_ORDERED,
	READER_FIRST_FROM,
	READER_LAST_BEFORE,
	"SELECT requests_ordered FROM analyses WHERE id=?1",
	"SELECT id FROM requests INDEXED BY requests_by_start "
	"WHERE analysis=?1 AND start_ns>=?2 ORDER BY start_ns, id LIMIT 1",
	"SELECT id FROM requests INDEXED BY requests_by_start "
	"WHERE analysis=?1 AND start_ns<?2 "
	"ORDER BY start_ns DESC, id DESC LIMIT 1",
};

static int plan_time_range(struct store_reader *reader,
			   const struct lta_store_filter *filter,
			   struct plan *plan)
{
	bool used;
	int ret;

	ret = lta_store_plan_time_range(reader, &requests_time_range,
					filter->analysis, filter->from_ns,
					filter->to_ns, &plan->after_id,
					&plan->last_id, &used, &plan->empty);
	if (used) {
		plan->variant &=
			~(unsigned)(REQUESTS_FILTER_FROM | REQUESTS_FILTER_TO);
	}
	return ret;
}

/* A duration filter alone: are the requests that long few? */
static int plan_duration(struct store_reader *reader,
			 const struct lta_store_filter *filter,
			 struct plan *plan)
{
	int64_t args[5] = { filter->analysis }, max_id = 0, count = 0;
	double span, cap;
	bool found;
	int ret;

	if (plan->variant != REQUESTS_FILTER_DURATION || plan->empty) {
		return 0;
	}
	/* Ids are dense (1, 2, ...): the span counts the rows to scan. */
	ret = lta_store_reader_int(
		reader, READER_MAX_ID,
		"SELECT max(id) FROM requests WHERE analysis=?1", args, 1,
		&found, &max_id);
	if (ret) {
		return ret;
	}
	if (max_id > plan->last_id) {
		max_id = plan->last_id;
	}
	span = (double)max_id - (double)plan->after_id;
	if (span <= 0) {
		plan->empty = true;
		return 0;
	}
	cap = sqrt(DURATION_ENTRY_COST_RATIO * (double)filter->limit * span);
	args[1] = filter->min_duration_ns;
	args[2] = plan->after_id;
	args[3] = plan->last_id;
	args[4] = (int64_t)cap + 1;
	ret = lta_store_reader_int(
		reader, READER_DURATION_PROBE,
		"SELECT count(*) FROM (SELECT 1 FROM requests "
		"INDEXED BY requests_by_duration WHERE analysis=?1 "
		"AND duration_ns>=?2 AND id>?3 AND id<=?4 LIMIT ?5)",
		args, 5, &found, &count);
	if (ret) {
		return ret;
	}
	plan->by_duration = count <= (int64_t)cap;
	return 0;
}

/* What a public query asks: its filter and its callback. */
struct requests_query {
	const struct lta_store_filter *filter;
	int (*fn)(const struct lta_store_request *r, void *user_data);
	void *user_data;
};

static int requests_read(struct store_reader *reader, void *query)
{
	const struct requests_query *q = query;
	const struct lta_store_filter *filter = q->filter;
	struct plan plan = { 0, filter->after_id, INT64_MAX, false, false };
	struct lta_store_request request;
	sqlite3_stmt *stmt = NULL;
	bool temporary = false;
	char sql[512];
	int ret, rc;

	if (filter->from_ns != INT64_MIN) {
		plan.variant |= REQUESTS_FILTER_FROM;
	}
	if (filter->to_ns != INT64_MAX) {
		plan.variant |= REQUESTS_FILTER_TO;
	}
	if (filter->process) {
		plan.variant |= REQUESTS_FILTER_PROCESS;
	}
	if (filter->min_duration_ns >= 0) {
		plan.variant |= REQUESTS_FILTER_DURATION;
	}
	if (filter->end_reason) {
		plan.variant |= REQUESTS_FILTER_END_REASON;
	}
	if (filter->connection_id > 0) {
		plan.variant |= REQUESTS_FILTER_CONNECTION;
	}
	if (filter->component) {
		plan.variant |= REQUESTS_FILTER_COMPONENT;
	}
	ret = plan_time_range(reader, filter, &plan);
	if (ret || plan.empty) {
		goto end;
	}
	ret = plan_duration(reader, filter, &plan);
	if (ret) {
		goto end;
	}
	if (plan.by_duration) {
		ret = lta_store_stmt(
			reader->db, &reader->stmts[READER_REQUESTS_BY_DURATION],
			requests_by_duration_sql, &stmt, &temporary);
	} else {
		requests_sql(plan.variant, sql, sizeof(sql));
		ret = lta_store_stmt(reader->db,
				     &reader->requests[plan.variant], sql,
				     &stmt, &temporary);
	}
	if (ret) {
		goto end;
	}
	sqlite3_bind_int64(stmt, 1, filter->analysis);
	sqlite3_bind_int64(stmt, 2, plan.after_id);
	sqlite3_bind_int64(stmt, 3, filter->from_ns);
	sqlite3_bind_int64(stmt, 4, filter->to_ns);
	if (filter->process) {
		sqlite3_bind_text(stmt, 5, filter->process, -1, SQLITE_STATIC);
	}
	sqlite3_bind_int64(stmt, 6, filter->min_duration_ns);
	if (filter->end_reason) {
		sqlite3_bind_text(stmt, 7, filter->end_reason, -1,
				  SQLITE_STATIC);
	}
	sqlite3_bind_int(stmt, 8, filter->limit);
	sqlite3_bind_int64(stmt, 9, plan.last_id);
	sqlite3_bind_int64(stmt, 10, filter->connection_id);
	if (filter->component) {
		sqlite3_bind_text(stmt, 11, filter->component, -1,
				  SQLITE_STATIC);
	}
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		request_from_row(stmt, &request);
		ret = q->fn(&request, q->user_data);
		if (ret) {
			goto end;
		}
	}
	if (rc != SQLITE_DONE) {
		ret = lta_store_sqlite_error(reader->db, rc, "read requests");
		goto end;
	}
end:
	if (stmt) {
		lta_store_stmt_done(stmt, temporary);
	}
	return ret;
}

int lta_store_requests(struct lta_store *store,
		       const struct lta_store_filter *filter,
		       int (*fn)(const struct lta_store_request *r,
				 void *user_data),
		       void *user_data)
{
	struct requests_query query = { filter, fn, user_data };

	if (filter->limit <= 0) {
		return 0;
	}
	return lta_store_read_snapshot(store, requests_read, &query);
}

int lta_store_request_get(struct lta_store *store, int64_t analysis,
			  int64_t rid,
			  int (*fn)(const struct lta_store_request *r,
				    void *user_data),
			  void *user_data)
{
	struct lta_store_request request;
	struct store_reader *reader;
	sqlite3_stmt *stmt = NULL;
	bool temporary = false;
	int ret, rc;

	ret = lta_store_reader_get(store, &reader);
	if (ret) {
		goto end;
	}
	ret = lta_store_stmt(reader->db, &reader->stmts[READER_REQUEST_GET],
			     "SELECT " REQUEST_COLUMNS " FROM requests"
			     " WHERE analysis=?1 AND id=?2",
			     &stmt, &temporary);
	if (ret) {
		goto end;
	}
	sqlite3_bind_int64(stmt, 1, analysis);
	sqlite3_bind_int64(stmt, 2, rid);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_DONE) {
		lta_store_set_error("no request %lld in analysis %lld",
				    (long long)rid, (long long)analysis);
		ret = -ENOENT;
		goto end;
	}
	if (rc != SQLITE_ROW) {
		ret = lta_store_sqlite_error(reader->db, rc, "get request");
		goto end;
	}
	request_from_row(stmt, &request);
	ret = fn(&request, user_data);
end:
	if (stmt) {
		lta_store_stmt_done(stmt, temporary);
	}
	return ret;
}

int lta_store_durations(struct lta_store *store, int64_t analysis,
			void (*fn)(int64_t duration_ns, const char *end_reason,
				   bool incomplete, void *user_data),
			void *user_data)
{
	struct store_reader *reader;
	const unsigned char *end_reason;
	sqlite3_stmt *stmt = NULL;
	bool temporary = false;
	int ret, rc;

	ret = lta_store_reader_get(store, &reader);
	if (ret) {
		goto end;
	}
	ret = lta_store_stmt(reader->db, &reader->stmts[READER_DURATIONS],
			     "SELECT duration_ns, end_reason, incomplete"
			     " FROM requests WHERE analysis=?1 ORDER BY id",
			     &stmt, &temporary);
	if (ret) {
		goto end;
	}
	sqlite3_bind_int64(stmt, 1, analysis);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		end_reason = sqlite3_column_text(stmt, 1);
		fn(sqlite3_column_int64(stmt, 0),
		   end_reason ? (const char *)end_reason : "",
		   sqlite3_column_int(stmt, 2) != 0, user_data);
	}
	if (rc != SQLITE_DONE) {
		ret = lta_store_sqlite_error(reader->db, rc, "read durations");
		goto end;
	}
end:
	if (stmt) {
		lta_store_stmt_done(stmt, temporary);
	}
	return ret;
}
