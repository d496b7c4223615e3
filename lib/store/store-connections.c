/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Connections in the store: the connections part of a writer's batch
 * (store-requests.c owns the batch and its transaction), and the queries
 * of the reading threads.
 *
 * Queries are built like the requests and errors ones: one SQL text per
 * combination of filters, each prepared once per reader, so that SQLite
 * plans each with the index its filters can use. Paging is by id:
 * - no filter: the (analysis, id) index;
 * - process, end reason: their (analysis, column, id) index;
 * - time range: when the analysis's ids are in start order (the
 *   segmenter numbers connections in accept order, and their start is the
 *   accept exit), the (analysis, start_ns, id) index gives the first and
 *   last ids of the range in O(log n); otherwise the start_ns terms stay
 *   in the query. Connections are handed out when they end, so they are
 *   inserted out of id order: the order check looks at both neighbours
 *   by id, as the errors' does;
 * - pid: checked on the rows the others select.
 * A connection's requests are listed through the requests'
 * (analysis, connection_id, position) index.
 */
#include "store-internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"

#define CONNECTION_COLUMNS                                                   \
	"analysis, id, trace, host, pid, procname, family, peer, port, fd, " \
	"accept_entry_ns, start_ns, end_ns, shutdown_ns, close_ns, "         \
	"end_reason, incomplete, peer_closed, requests, first_request, "     \
	"idle_ns, bytes_read, bytes_written"

/* --- the batch (the writer's thread) ------------------------------------- */

int lta_store_connection_batch_init(struct store_connection_batch *b,
				    sqlite3 *db, int64_t analysis)
{
	int ret = 0, rc;

	b->analysis = analysis;
	rc = sqlite3_prepare_v3(
		db,
		"INSERT OR REPLACE INTO connections (" CONNECTION_COLUMNS
		") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
		"?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23)",
		-1, SQLITE_PREPARE_PERSISTENT, &b->insert, NULL);
	if (rc != SQLITE_OK) {
		ret = lta_store_sqlite_error(db, rc,
					     "prepare connection insert");
		goto end;
	}
	/* Bindings outlive sqlite3_reset(): the analysis is bound once. */
	sqlite3_bind_int64(b->insert, 1, analysis);
	/*
	 * Ids are in start order when each row fits between its neighbours
	 * by id at the time it is inserted (by induction on the inserts; a
	 * replaced row is not its own neighbour).
	 */
	rc = sqlite3_prepare_v3(
		db,
		"SELECT coalesce((SELECT start_ns FROM connections WHERE "
		"analysis=?1 AND id<?2 ORDER BY id DESC LIMIT 1) > ?3, 0) OR "
		"coalesce((SELECT start_ns FROM connections WHERE analysis=?1 "
		"AND id>?2 ORDER BY id LIMIT 1) < ?3, 0)",
		-1, SQLITE_PREPARE_PERSISTENT, &b->out_of_order, NULL);
	if (rc != SQLITE_OK) {
		ret = lta_store_sqlite_error(db, rc,
					     "prepare connection order check");
		goto end;
	}
	sqlite3_bind_int64(b->out_of_order, 1, analysis);
	ret = lta_store_read_ordered(db, b->analysis, "connections_ordered",
				     &b->check_order);
end:
	return ret;
}

void lta_store_connection_batch_fini(struct store_connection_batch *b)
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

void lta_store_connection_batch_clear(struct store_connection_batch *b)
{
	b->count = 0;
	lta_strbuf_clear(&b->text);
}

int lta_store_connection_batch_add(struct store_connection_batch *b,
				   const struct lta_connection *c,
				   const char *host)
{
	struct store_connection_row *row;
	size_t start = b->text.len;
	int ret = 0;

	if (b->count == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		struct store_connection_row *rows =
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
	row->connection = *c;
	row->host = b->text.len;
	if (host) {
		lta_strbuf_puts(&b->text, host);
	}
	lta_strbuf_putc(&b->text, '\0');
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
 * Whether ROW, about to be inserted, is out of start order with its
 * neighbours by id. Returns 1, 0, or an SQLite result code (negated).
 */
static int row_out_of_order(struct store_connection_batch *b,
			    const struct lta_connection *c)
{
	sqlite3_stmt *stmt = b->out_of_order;
	int ret, rc;

	sqlite3_bind_int64(stmt, 2, (int64_t)c->id);
	sqlite3_bind_int64(stmt, 3, c->start);
	rc = sqlite3_step(stmt);
	ret = rc == SQLITE_ROW ? sqlite3_column_int(stmt, 0) != 0 : -rc;
	sqlite3_reset(stmt);
	return ret;
}

/* Binds a fixed-size string member, which may lack its NUL. */
static void bind_member(sqlite3_stmt *stmt, int index, const char *s,
			size_t size)
{
	sqlite3_bind_text(stmt, index, s, (int)strnlen(s, size), SQLITE_STATIC);
}

/* A time that is not known is -1 whatever negative value it was given. */
static int64_t ns_or_unknown(int64_t ns)
{
	return ns >= 0 ? ns : -1;
}

static void bind_row(sqlite3_stmt *stmt, const char *text,
		     const struct store_connection_row *row)
{
	const struct lta_connection *c = &row->connection;

	sqlite3_bind_int64(stmt, 2, (int64_t)c->id);
	sqlite3_bind_int64(stmt, 3, c->trace);
	sqlite3_bind_text(stmt, 4, text + row->host, -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 5, c->pid);
	bind_member(stmt, 6, c->procname, sizeof(c->procname));
	sqlite3_bind_int(stmt, 7, c->family);
	bind_member(stmt, 8, c->peer, sizeof(c->peer));
	sqlite3_bind_int(stmt, 9, c->port >= 0 ? c->port : -1);
	sqlite3_bind_int(stmt, 10, c->fd);
	sqlite3_bind_int64(stmt, 11, ns_or_unknown(c->accept_entry));
	sqlite3_bind_int64(stmt, 12, c->start);
	sqlite3_bind_int64(stmt, 13, ns_or_unknown(c->end));
	sqlite3_bind_int64(stmt, 14, ns_or_unknown(c->shutdown_ts));
	sqlite3_bind_int64(stmt, 15, ns_or_unknown(c->close_ts));
	sqlite3_bind_text(stmt, 16, lta_request_end_name(c->end_reason), -1,
			  SQLITE_STATIC);
	sqlite3_bind_int(stmt, 17, c->incomplete);
	sqlite3_bind_int(stmt, 18, c->peer_closed);
	sqlite3_bind_int64(stmt, 19, c->requests);
	/* The same 64 bits: read back as uint64_t. */
	sqlite3_bind_int64(stmt, 20, (int64_t)c->first_request);
	sqlite3_bind_int64(stmt, 21, c->idle_ns);
	sqlite3_bind_int64(stmt, 22, (int64_t)c->bytes_read);
	sqlite3_bind_int64(stmt, 23, (int64_t)c->bytes_written);
}

int lta_store_connection_batch_write(struct store_connection_batch *b,
				     sqlite3 *db, bool *out_of_order,
				     const char **what)
{
	bool check = b->check_order;
	size_t i;
	int rc = SQLITE_OK;

	*out_of_order = false;
	for (i = 0; i < b->count; i++) {
		const struct store_connection_row *row = &b->rows[i];

		if (check) {
			*what = "check connection order";
			rc = row_out_of_order(b, &row->connection);
			if (rc < 0) {
				rc = -rc;
				goto end;
			}
			if (rc) {
				check = false;
				*out_of_order = true;
			}
		}
		*what = "insert connection";
		bind_row(b->insert, b->text.data, row);
		rc = sqlite3_step(b->insert);
		sqlite3_reset(b->insert);
		if (rc != SQLITE_DONE) {
			goto end;
		}
	}
	rc = SQLITE_OK;
	if (*out_of_order) {
		char sql[112];

		*what = "mark connections unordered";
		snprintf(sql, sizeof(sql),
			 "UPDATE analyses SET connections_ordered=0 "
			 "WHERE id=%lld",
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

static void connection_from_row(sqlite3_stmt *stmt,
				struct lta_store_connection *c)
{
	c->analysis = sqlite3_column_int64(stmt, 0);
	c->id = sqlite3_column_int64(stmt, 1);
	c->trace = (uint32_t)sqlite3_column_int64(stmt, 2);
	c->host = column_text(stmt, 3);
	c->pid = sqlite3_column_int(stmt, 4);
	c->procname = column_text(stmt, 5);
	c->family = sqlite3_column_int(stmt, 6);
	c->peer = column_text(stmt, 7);
	c->port = sqlite3_column_int(stmt, 8);
	c->fd = sqlite3_column_int(stmt, 9);
	c->accept_entry_ns = sqlite3_column_int64(stmt, 10);
	c->start_ns = sqlite3_column_int64(stmt, 11);
	c->end_ns = sqlite3_column_int64(stmt, 12);
	c->shutdown_ns = sqlite3_column_int64(stmt, 13);
	c->close_ns = sqlite3_column_int64(stmt, 14);
	c->end_reason = column_text(stmt, 15);
	c->incomplete = sqlite3_column_int(stmt, 16) != 0;
	c->peer_closed = sqlite3_column_int(stmt, 17) != 0;
	c->requests = (uint32_t)sqlite3_column_int64(stmt, 18);
	c->first_request = sqlite3_column_int64(stmt, 19);
	c->idle_ns = sqlite3_column_int64(stmt, 20);
	c->bytes_read = (uint64_t)sqlite3_column_int64(stmt, 21);
	c->bytes_written = (uint64_t)sqlite3_column_int64(stmt, 22);
}

/*
 * The query of a combination of filters. Parameters have fixed numbers
 * whatever the combination (?9, the limit, is always there), so that they
 * are bound the same way.
 */
static void connections_sql(unsigned variant, char *sql, size_t size)
{
	snprintf(sql, size,
		 "SELECT " CONNECTION_COLUMNS " FROM connections"
		 " WHERE analysis=?1 AND id>?2 AND id<=?3%s%s%s%s%s"
		 " ORDER BY id LIMIT ?9",
		 variant & CONNECTIONS_FILTER_PID ? " AND pid=?4" : "",
		 variant & CONNECTIONS_FILTER_PROCESS ? " AND procname=?5" : "",
		 variant & CONNECTIONS_FILTER_END_REASON ? " AND end_reason=?6"
							 : "",
		 variant & CONNECTIONS_FILTER_FROM ? " AND start_ns>=?7" : "",
		 variant & CONNECTIONS_FILTER_TO ? " AND start_ns<?8" : "");
}

/*
 * A time range becomes an id range when the analysis's ids are in start
 * order (lta_store_plan_time_range).
 */
static const struct store_time_range connections_time_range = {
	READER_CONNECTIONS_ORDERED,
	READER_CONNECTIONS_FIRST_FROM,
	READER_CONNECTIONS_LAST_BEFORE,
	"SELECT connections_ordered FROM analyses WHERE id=?1",
	"SELECT id FROM connections INDEXED BY connections_by_start "
	"WHERE analysis=?1 AND start_ns>=?2 ORDER BY start_ns, id LIMIT 1",
	"SELECT id FROM connections INDEXED BY connections_by_start "
	"WHERE analysis=?1 AND start_ns<?2 "
	"ORDER BY start_ns DESC, id DESC LIMIT 1",
};

/* What a public query asks: its filter and its callback. */
struct connections_query {
	const struct lta_store_connection_filter *filter;
	int (*fn)(const struct lta_store_connection *c, void *user_data);
	void *user_data;
};

static int connections_read(struct store_reader *reader, void *query)
{
	const struct connections_query *q = query;
	const struct lta_store_connection_filter *filter = q->filter;
	int64_t after_id = filter->after_id, last_id = INT64_MAX;
	struct lta_store_connection connection;
	sqlite3_stmt *stmt = NULL;
	bool temporary = false, used = false, empty = false;
	unsigned variant = 0;
	char sql[768];
	int ret, rc;

	if (filter->pid >= 0) {
		variant |= CONNECTIONS_FILTER_PID;
	}
	if (filter->process) {
		variant |= CONNECTIONS_FILTER_PROCESS;
	}
	if (filter->end_reason) {
		variant |= CONNECTIONS_FILTER_END_REASON;
	}
	if (filter->from_ns != INT64_MIN) {
		variant |= CONNECTIONS_FILTER_FROM;
	}
	if (filter->to_ns != INT64_MAX) {
		variant |= CONNECTIONS_FILTER_TO;
	}
	ret = lta_store_plan_time_range(reader, &connections_time_range,
					filter->analysis, filter->from_ns,
					filter->to_ns, &after_id, &last_id,
					&used, &empty);
	if (ret || empty) {
		goto end;
	}
	if (used) {
		variant &= ~(unsigned)(CONNECTIONS_FILTER_FROM |
				       CONNECTIONS_FILTER_TO);
	}
	connections_sql(variant, sql, sizeof(sql));
	ret = lta_store_stmt(reader->db, &reader->connections[variant], sql,
			     &stmt, &temporary);
	if (ret) {
		goto end;
	}
	sqlite3_bind_int64(stmt, 1, filter->analysis);
	sqlite3_bind_int64(stmt, 2, after_id);
	sqlite3_bind_int64(stmt, 3, last_id);
	sqlite3_bind_int(stmt, 4, filter->pid);
	if (filter->process) {
		sqlite3_bind_text(stmt, 5, filter->process, -1, SQLITE_STATIC);
	}
	if (filter->end_reason) {
		sqlite3_bind_text(stmt, 6, filter->end_reason, -1,
				  SQLITE_STATIC);
	}
	sqlite3_bind_int64(stmt, 7, filter->from_ns);
	sqlite3_bind_int64(stmt, 8, filter->to_ns);
	sqlite3_bind_int(stmt, 9, filter->limit);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		connection_from_row(stmt, &connection);
		ret = q->fn(&connection, q->user_data);
		if (ret) {
			goto end;
		}
	}
	if (rc != SQLITE_DONE) {
		ret = lta_store_sqlite_error(reader->db, rc,
					     "read connections");
		goto end;
	}
end:
	if (stmt) {
		lta_store_stmt_done(stmt, temporary);
	}
	return ret;
}

int lta_store_connections(struct lta_store *store,
			  const struct lta_store_connection_filter *filter,
			  int (*fn)(const struct lta_store_connection *c,
				    void *user_data),
			  void *user_data)
{
	struct connections_query query = { filter, fn, user_data };

	if (filter->limit <= 0) {
		return 0;
	}
	return lta_store_read_snapshot(store, connections_read, &query);
}

int lta_store_connection_get(struct lta_store *store, int64_t analysis,
			     int64_t cid,
			     int (*fn)(const struct lta_store_connection *c,
				       void *user_data),
			     void *user_data)
{
	struct lta_store_connection connection;
	struct store_reader *reader;
	sqlite3_stmt *stmt = NULL;
	bool temporary = false;
	int ret, rc;

	ret = lta_store_reader_get(store, &reader);
	if (ret) {
		goto end;
	}
	ret = lta_store_stmt(reader->db, &reader->stmts[READER_CONNECTION_GET],
			     "SELECT " CONNECTION_COLUMNS " FROM connections"
			     " WHERE analysis=?1 AND id=?2",
			     &stmt, &temporary);
	if (ret) {
		goto end;
	}
	sqlite3_bind_int64(stmt, 1, analysis);
	sqlite3_bind_int64(stmt, 2, cid);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_DONE) {
		lta_store_set_error("no connection %lld in analysis %lld",
				    (long long)cid, (long long)analysis);
		ret = -ENOENT;
		goto end;
	}
	if (rc != SQLITE_ROW) {
		ret = lta_store_sqlite_error(reader->db, rc, "get connection");
		goto end;
	}
	connection_from_row(stmt, &connection);
	ret = fn(&connection, user_data);
end:
	if (stmt) {
		lta_store_stmt_done(stmt, temporary);
	}
	return ret;
}

int lta_store_connection_requests(struct lta_store *store, int64_t analysis,
				  int64_t cid,
				  int (*fn)(int64_t id, int64_t position,
					    void *user_data),
				  void *user_data)
{
	struct store_reader *reader;
	sqlite3_stmt *stmt = NULL;
	bool temporary = false;
	int ret, rc;

	ret = lta_store_reader_get(store, &reader);
	if (ret) {
		goto end;
	}
	ret = lta_store_stmt(reader->db,
			     &reader->stmts[READER_CONNECTION_REQUESTS],
			     "SELECT id, position FROM requests"
			     " INDEXED BY requests_by_connection"
			     " WHERE analysis=?1 AND connection_id=?2"
			     " ORDER BY position, id",
			     &stmt, &temporary);
	if (ret) {
		goto end;
	}
	sqlite3_bind_int64(stmt, 1, analysis);
	sqlite3_bind_int64(stmt, 2, cid);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		ret = fn(sqlite3_column_int64(stmt, 0),
			 sqlite3_column_int64(stmt, 1), user_data);
		if (ret) {
			goto end;
		}
	}
	if (rc != SQLITE_DONE) {
		ret = lta_store_sqlite_error(reader->db, rc,
					     "read connection requests");
		goto end;
	}
end:
	if (stmt) {
		lta_store_stmt_done(stmt, temporary);
	}
	return ret;
}
