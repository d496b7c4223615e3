/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The connections of the store (schema version 3) on a temporary folder:
 * written in the writer's batch with the requests (invisible until the
 * commit), every field read back as it was handed out, every filter and
 * the id cursor against ids computed here from the same generator
 * (connections handed out in end order, not id order; starts in id order
 * and out of it), a connection's requests in position order, the
 * requests' connection filter, the analysis's count, and the migration of
 * a database of schema version 2.
 */
#include <errno.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "segment/segment.h"
#include "store/store.h"
#include "store-test.h"
#include "tap.h"

#define BASE_NS INT64_C(1700000000000000000)
#define CONNECTIONS 300
#define MAX_IDS 1024

/* The store's PRAGMA application_id ("LTAn"). */
#define STORE_APPLICATION_ID 0x4c54416e

/* Starts out of id order, for the store's fallback. */
static bool shuffled_start;

/*
 * Connection I of the generator: every field is a function of I (and
 * none is 0 where 0 could hide a column left unwritten), so that the
 * expected ids of any filter are computed without the store.
 */
static struct lta_connection conn_of(int64_t i)
{
	static const enum lta_request_end ends[] = {
		LTA_REQUEST_END_CLOSE, LTA_REQUEST_END_SHUTDOWN,
		LTA_REQUEST_END_EMPTY, LTA_REQUEST_END_ABORTED,
		LTA_REQUEST_END_OPEN,  LTA_REQUEST_END_REPLACED,
	};
	struct lta_connection c;

	memset(&c, 0, sizeof(c));
	c.id = (uint64_t)i;
	c.trace = (uint32_t)(i % 3);
	c.pid = 300 + (int32_t)(i % 4);
	c.fd = 10 + (int32_t)(i % 7);
	snprintf(c.procname, sizeof(c.procname), "%s",
		 i % 5 == 0 ? "nginx" : "apache2");
	c.family = i % 2 ? AF_INET : AF_INET6;
	snprintf(c.peer, sizeof(c.peer), i % 2 ? "10.0.0.%d" : "::%d",
		 (int)(i % 250));
	c.port = i % 11 == 0 ? -1 : 40000 + (int)i;
	c.start = BASE_NS + (shuffled_start ? (i * 37) % 401 : i) * 1000;
	c.accept_entry = i % 9 == 0 ? -1 : c.start - 700;
	c.end_reason = ends[i % 6];
	c.end = c.end_reason == LTA_REQUEST_END_OPEN ? -1 : c.start + 900 + i;
	c.shutdown_ts = i % 6 == 1 ? c.end : -1;
	c.close_ts = i % 6 == 0 ? c.end : i % 6 == 1 ? c.end + 50 : -1;
	c.incomplete = i % 13 == 0;
	c.peer_closed = i % 4 == 1;
	c.requests = (uint32_t)(i % 4);
	c.first_request = c.requests ? (uint64_t)i * 10 : 0;
	c.idle_ns = 100 + i;
	c.bytes_read = (uint64_t)i * 1000 + 1;
	/* Past INT64_MAX: kept as the same 64 bits. */
	c.bytes_written = i == 7 ? UINT64_MAX - 5 : (uint64_t)i * 3000 + 2;
	return c;
}

static bool same_connection(const struct lta_store_connection *s,
			    const struct lta_connection *c, const char *host)
{
	return s->id == (int64_t)c->id && s->trace == c->trace &&
	       strcmp(s->host, host) == 0 && s->pid == c->pid &&
	       s->fd == c->fd && strcmp(s->procname, c->procname) == 0 &&
	       s->family == c->family && strcmp(s->peer, c->peer) == 0 &&
	       s->port == c->port && s->accept_entry_ns == c->accept_entry &&
	       s->start_ns == c->start && s->end_ns == c->end &&
	       s->shutdown_ns == c->shutdown_ts && s->close_ns == c->close_ts &&
	       strcmp(s->end_reason, lta_request_end_name(c->end_reason)) ==
		       0 &&
	       s->incomplete == c->incomplete &&
	       s->peer_closed == c->peer_closed && s->requests == c->requests &&
	       s->first_request == (int64_t)c->first_request &&
	       s->idle_ns == c->idle_ns && s->bytes_read == c->bytes_read &&
	       s->bytes_written == c->bytes_written;
}

static const char *host_of(int64_t i)
{
	return i % 2 ? "web1" : "";
}

/* Handed out as the segmenter does: at their end, not in id order. */
static int add_connections(struct lta_store_writer *w, int64_t n)
{
	struct lta_connection c;
	int64_t i;
	int ret;

	for (i = n; i >= 1; i -= 2) {
		c = conn_of(i);
		ret = lta_store_writer_add_connection(w, &c,
						      i % 2 ? "web1" : NULL);
		if (ret) {
			return ret;
		}
	}
	for (i = n - 1; i >= 1; i -= 2) {
		c = conn_of(i);
		ret = lta_store_writer_add_connection(w, &c,
						      i % 2 ? "web1" : NULL);
		if (ret) {
			return ret;
		}
	}
	return 0;
}

/* --- collecting query results ------------------------------------------ */

struct ids {
	int64_t id[MAX_IDS];
	int count;
	int64_t analysis;
	bool columns_ok;
};

static int collect(const struct lta_store_connection *s, void *user_data)
{
	struct ids *ids = user_data;
	struct lta_connection want = conn_of(s->id);

	if (s->analysis != ids->analysis ||
	    !same_connection(s, &want, host_of(s->id))) {
		ids->columns_ok = false;
	}
	if (ids->count < MAX_IDS) {
		ids->id[ids->count] = s->id;
	}
	ids->count++;
	return 0;
}

static bool matches(const struct lta_store_connection_filter *f, int64_t i)
{
	struct lta_connection c = conn_of(i);

	return i > f->after_id && (f->pid < 0 || c.pid == f->pid) &&
	       (!f->process || strcmp(c.procname, f->process) == 0) &&
	       (!f->end_reason || strcmp(lta_request_end_name(c.end_reason),
					 f->end_reason) == 0) &&
	       c.start >= f->from_ns && c.start < f->to_ns;
}

static struct lta_store_connection_filter filter_any(int64_t analysis)
{
	struct lta_store_connection_filter f = {
		.analysis = analysis,
		.pid = -1,
		.from_ns = INT64_MIN,
		.to_ns = INT64_MAX,
		.limit = MAX_IDS,
	};

	return f;
}

/*
 * Pages through FILTER (page size F.limit) and checks the ids against the
 * generator's over 1..N, and every column of every row.
 */
static void check_filter(struct lta_store *store,
			 struct lta_store_connection_filter f, int64_t n,
			 const char *what)
{
	static struct ids got;
	int64_t want[MAX_IDS], i;
	int nwant = 0, page_size = f.limit, pages = 0, ret = 0;
	bool same = true;

	for (i = 1; i <= n && f.limit > 0; i++) {
		if (matches(&f, i)) {
			want[nwant++] = i;
		}
	}
	got.count = 0;
	got.analysis = f.analysis;
	got.columns_ok = true;
	for (;;) {
		int before = got.count;

		ret = lta_store_connections(store, &f, collect, &got);
		pages++;
		if (ret || got.count == before ||
		    got.count - before < page_size) {
			break;
		}
		f.after_id = got.id[got.count - 1];
		if (pages > MAX_IDS) {
			break;
		}
	}
	if (got.count != nwant) {
		same = false;
	}
	for (i = 0; same && i < nwant; i++) {
		same = got.id[i] == want[i];
	}
	ok(ret == 0 && same && got.columns_ok,
	   "%s: %d connections (want %d) in %d pages, columns as written", what,
	   got.count, nwant, pages);
}

/* --- tests ------------------------------------------------------------- */

static struct lta_store_analysis make_analysis(void)
{
	struct lta_store_analysis a;

	memset(&a, 0, sizeof(a));
	snprintf(a.kind, sizeof(a.kind), "trace");
	snprintf(a.source, sizeof(a.source), "/traces/t");
	snprintf(a.status, sizeof(a.status), "reading");
	a.last_event_ns = -1;
	return a;
}

struct one {
	struct lta_store_connection got;
	char host[64], procname[64], peer[64], end_reason[32];
	int calls;
};

static int keep_one(const struct lta_store_connection *c, void *user_data)
{
	struct one *one = user_data;

	one->got = *c;
	snprintf(one->host, sizeof(one->host), "%s", c->host);
	snprintf(one->procname, sizeof(one->procname), "%s", c->procname);
	snprintf(one->peer, sizeof(one->peer), "%s", c->peer);
	snprintf(one->end_reason, sizeof(one->end_reason), "%s", c->end_reason);
	one->got.host = one->host;
	one->got.procname = one->procname;
	one->got.peer = one->peer;
	one->got.end_reason = one->end_reason;
	one->calls++;
	return 0;
}

/* Request I of connection CID at POSITION. */
static void make_request(struct lta_request *r, uint64_t id, uint64_t cid,
			 uint32_t position)
{
	memset(r, 0, sizeof(*r));
	r->id = id;
	r->connection_id = cid;
	r->position = position;
	r->pid = 300;
	r->fd = 12;
	snprintf(r->procname, sizeof(r->procname), "apache2");
	r->family = -1;
	r->port = -1;
	r->accept_entry = -1;
	r->start = BASE_NS + (int64_t)id * 1000;
	r->end = r->start + 500;
	r->answered_ts = r->end - 10;
	r->shutdown_ts = -1;
	r->close_ts = position == 3 ? r->end : -1;
	r->end_reason = position == 3 ? LTA_REQUEST_END_CLOSE
				      : LTA_REQUEST_END_KEEPALIVE;
}

struct positions {
	int64_t id[16], position[16];
	int count;
};

static int keep_position(int64_t id, int64_t position, void *user_data)
{
	struct positions *p = user_data;

	if (p->count < 16) {
		p->id[p->count] = id;
		p->position[p->count] = position;
	}
	p->count++;
	return 0;
}

static int count_request(const struct lta_store_request *r, void *user_data)
{
	struct positions *p = user_data;

	return keep_position(r->id, r->connection_id * 100 + r->position, p);
}

static void test_connections(void)
{
	struct lta_store_analysis a = make_analysis(), other = make_analysis(),
				  got;
	struct lta_store_connection_filter f;
	struct lta_store_filter rf;
	struct lta_store_writer *w, *wo;
	struct lta_connection c;
	struct lta_store *store;
	struct positions pos;
	struct lta_request r;
	char dir[512], error[1024];
	struct one one;
	int i;

	store_test_dir(dir, sizeof(dir), "connections");
	store = lta_store_open(dir, error, sizeof(error));
	ok(store != NULL, "open a new store: %s", error);
	if (!store) {
		return;
	}
	lta_store_analysis_insert(store, &a);
	lta_store_analysis_insert(store, &other);
	w = lta_store_writer_open(store, a.id);
	wo = lta_store_writer_open(store, other.id);
	ok(w != NULL && wo != NULL, "open two writers");
	if (!w || !wo) {
		lta_store_writer_close(w);
		lta_store_writer_close(wo);
		lta_store_close(store);
		return;
	}

	/* Connection 2 carries requests 4, 5, 6; connection 1 request 3. */
	is_int(add_connections(w, CONNECTIONS), 0,
	       "add %d connections, in end order", CONNECTIONS);
	for (i = 0; i < 3; i++) {
		make_request(&r, 6 - (uint64_t)i, 2, 3 - (uint32_t)i);
		lta_store_writer_add(w, &r, "web1");
	}
	make_request(&r, 3, 1, 1);
	lta_store_writer_add(w, &r, "web1");
	c = conn_of(1);
	lta_store_writer_add_connection(wo, &c, "other");
	one.calls = 0;
	is_int(lta_store_connection_get(store, a.id, 5, keep_one, &one),
	       -ENOENT, "a connection is invisible before its commit");
	is_int(lta_store_writer_committed_connections(w), 0, "and not counted");
	is_int(lta_store_writer_commit(w, 0), 0, "commit");
	is_int(lta_store_writer_commit(wo, 0), 0, "commit the other writer");
	is_int(lta_store_writer_committed_connections(w), CONNECTIONS,
	       "the writer counts its committed connections");
	is_int(lta_store_writer_committed(w), 4,
	       "and its requests apart from them");

	for (i = 1; i <= 12; i++) {
		struct lta_connection want = conn_of(i);

		one.calls = 0;
		if (lta_store_connection_get(store, a.id, i, keep_one, &one) !=
			    0 ||
		    one.calls != 1 ||
		    !same_connection(&one.got, &want, host_of(i)) ||
		    one.got.analysis != a.id) {
			break;
		}
	}
	is_int(i, 13, "connections 1 to 12 read back field by field");
	one.calls = 0;
	lta_store_connection_get(store, a.id, 7, keep_one, &one);
	ok(one.got.bytes_written == UINT64_MAX - 5,
	   "a byte count past INT64_MAX reads back the same");
	lta_store_connection_get(store, other.id, 1, keep_one, &one);
	is_str(one.got.host, "other",
	       "the other analysis's connection 1 is its own");
	is_int(lta_store_connection_get(store, a.id, CONNECTIONS + 1, keep_one,
					&one),
	       -ENOENT, "an unknown connection is -ENOENT");

	f = filter_any(a.id);
	check_filter(store, f, CONNECTIONS, "no filter");
	f.limit = 7;
	check_filter(store, f, CONNECTIONS, "no filter, pages of 7");
	f = filter_any(a.id);
	f.pid = 302;
	f.limit = 10;
	check_filter(store, f, CONNECTIONS, "pid, pages of 10");
	f = filter_any(a.id);
	f.process = "nginx";
	f.limit = 9;
	check_filter(store, f, CONNECTIONS, "process, pages of 9");
	f = filter_any(a.id);
	f.end_reason = "shutdown";
	check_filter(store, f, CONNECTIONS, "end reason");
	f = filter_any(a.id);
	f.from_ns = BASE_NS + 100 * 1000;
	f.to_ns = BASE_NS + 150 * 1000;
	f.limit = 8;
	check_filter(store, f, CONNECTIONS, "time range, pages of 8");
	f.pid = 301;
	f.process = "apache2";
	f.end_reason = "close";
	f.after_id = 110;
	check_filter(store, f, CONNECTIONS,
		     "time range, pid, process, end reason, after 110");
	f = filter_any(a.id);
	f.from_ns = BASE_NS + (CONNECTIONS + 5) * 1000;
	check_filter(store, f, CONNECTIONS, "a time range past the end");
	f = filter_any(a.id);
	f.limit = 0;
	check_filter(store, f, CONNECTIONS, "limit 0");

	pos.count = 0;
	is_int(lta_store_connection_requests(store, a.id, 2, keep_position,
					     &pos),
	       0, "list the requests of connection 2");
	ok(pos.count == 3 && pos.id[0] == 4 && pos.position[0] == 1 &&
		   pos.id[1] == 5 && pos.position[1] == 2 && pos.id[2] == 6 &&
		   pos.position[2] == 3,
	   "its three requests in position order (stored in reverse)");
	pos.count = 0;
	lta_store_connection_requests(store, a.id, 99, keep_position, &pos);
	is_int(pos.count, 0, "a connection without requests lists none");

	memset(&rf, 0, sizeof(rf));
	rf.analysis = a.id;
	rf.from_ns = INT64_MIN;
	rf.to_ns = INT64_MAX;
	rf.min_duration_ns = -1;
	rf.limit = 100;
	rf.connection_id = 2;
	pos.count = 0;
	lta_store_requests(store, &rf, count_request, &pos);
	ok(pos.count == 3 && pos.id[0] == 4 && pos.position[0] == 201 &&
		   pos.id[2] == 6 && pos.position[2] == 203,
	   "the requests' connection filter gives 4, 5, 6 with their "
	   "connection and position");
	rf.after_id = 4;
	rf.limit = 1;
	pos.count = 0;
	lta_store_requests(store, &rf, count_request, &pos);
	ok(pos.count == 1 && pos.id[0] == 5, "and pages by id with the cursor");
	rf.connection_id = 0;
	rf.after_id = 0;
	rf.limit = 100;
	pos.count = 0;
	lta_store_requests(store, &rf, count_request, &pos);
	is_int(pos.count, 4, "connection 0 means any");
	rf.end_reason = "keepalive";
	pos.count = 0;
	lta_store_requests(store, &rf, count_request, &pos);
	/* Ids 3, 4, 5 (position 3 of connection 2 closed it). */
	is_int(pos.count, 3, "three requests ended keepalive");

	a.connections = lta_store_writer_committed_connections(w);
	is_int(lta_store_analysis_update(store, &a), 0,
	       "update the analysis with its count");
	lta_store_analysis_get(store, a.id, &got);
	is_int(got.connections, CONNECTIONS, "the analysis counts them");
	lta_store_writer_close(w);
	lta_store_writer_close(wo);
	lta_store_close(store);

	/* An interrupted analysis gets its count from the rows. */
	store = lta_store_open(dir, error, sizeof(error));
	ok(store != NULL, "reopen: %s", error);
	if (store) {
		lta_store_analysis_get(store, other.id, &got);
		is_int(got.connections, 1,
		       "an analysis that was running is counted at reopen");
		f = filter_any(a.id);
		f.from_ns = BASE_NS + 10 * 1000;
		f.to_ns = BASE_NS + 20 * 1000;
		check_filter(store, f, CONNECTIONS, "reopened: time range");
		lta_store_close(store);
	}
	store_test_remove_dir(dir);
}

/* Reads analyses.connections_ordered of the database in DIR. */
static int read_ordered(const char *dir, int64_t analysis)
{
	char path[512];
	sqlite3_stmt *stmt = NULL;
	sqlite3 *db = NULL;
	int value = -1;

	snprintf(path, sizeof(path), "%s/lttng-analyzer.db", dir);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) ==
		    SQLITE_OK &&
	    sqlite3_prepare_v2(db,
			       "SELECT connections_ordered FROM analyses "
			       "WHERE id=?1",
			       -1, &stmt, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(stmt, 1, analysis);
		if (sqlite3_step(stmt) == SQLITE_ROW) {
			value = sqlite3_column_int(stmt, 0);
		}
	}
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return value;
}

/* Starts out of id order: the time filter scans, and is still right. */
static void test_unordered(void)
{
	struct lta_store_analysis a = make_analysis(), b = make_analysis();
	struct lta_store_connection_filter f;
	struct lta_store_writer *w;
	struct lta_store *store;
	char dir[512], error[1024];

	store_test_dir(dir, sizeof(dir), "unordered");
	store = lta_store_open(dir, error, sizeof(error));
	ok(store != NULL, "open a new store: %s", error);
	if (!store) {
		return;
	}
	lta_store_analysis_insert(store, &a);
	lta_store_analysis_insert(store, &b);
	w = lta_store_writer_open(store, a.id);
	shuffled_start = false;
	add_connections(w, 100);
	lta_store_writer_close(w);
	w = lta_store_writer_open(store, b.id);
	shuffled_start = true;
	add_connections(w, 100);
	lta_store_writer_close(w);
	is_int(read_ordered(dir, a.id), 1,
	       "ids in start order, handed out in end order: ordered");
	is_int(read_ordered(dir, b.id), 0, "starts shuffled: not ordered");
	f = filter_any(b.id);
	f.from_ns = BASE_NS + 100 * 1000;
	f.to_ns = BASE_NS + 300 * 1000;
	f.limit = 6;
	check_filter(store, f, 100, "shuffled: time range, pages of 6");
	f.process = "nginx";
	check_filter(store, f, 100, "shuffled: time range and process");
	shuffled_start = false;
	lta_store_close(store);
	store_test_remove_dir(dir);
}

/* --- migration from schema version 2 -------------------------------------- */

/* Schema version 2, as lttng-analyzerd created it, and rows. */
static const char schema_v2[] =
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
	" ON requests (analysis, duration_ns, id);"
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
	" ADD COLUMN errors_ordered INTEGER NOT NULL DEFAULT 1;"
	"INSERT INTO analyses (kind, source, status, created_ns, updated_ns,"
	" requests) VALUES ('trace', '/old/trace', 'ended', 1, 2, 2);"
	"INSERT INTO requests VALUES (1, 1, 42, 'httpd', '10.0.0.1', 8080,"
	" 1000, 3000, 2000, 'close', 0, '{\"id\":1}');"
	"INSERT INTO requests VALUES (1, 2, 42, 'httpd', '', -1,"
	" 4000, -1, -1, 'open', 1, '{\"id\":2}');"
	"PRAGMA user_version=2;";

static int old_request(const struct lta_store_request *r, void *user_data)
{
	bool *same = user_data;

	*same = r->pid == 42 && r->start_ns == 1000 && r->duration_ns == 2000 &&
		r->connection_id == 0 && r->position == 0 &&
		strcmp(r->json, "{\"id\":1}") == 0;
	return 0;
}

static int64_t db_pragma(const char *dir, const char *pragma)
{
	char path[512], sql[64];
	sqlite3_stmt *stmt = NULL;
	sqlite3 *db = NULL;
	int64_t value = -1;

	snprintf(path, sizeof(path), "%s/lttng-analyzer.db", dir);
	snprintf(sql, sizeof(sql), "PRAGMA %s", pragma);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) ==
		    SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK &&
	    sqlite3_step(stmt) == SQLITE_ROW) {
		value = sqlite3_column_int64(stmt, 0);
	}
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return value;
}

static int first_id(const struct lta_store_connection *c, void *user_data)
{
	*(int64_t *)user_data = c->id;
	return 0;
}

static void test_migration(void)
{
	struct lta_store_analysis old;
	struct lta_store_connection_filter f;
	struct lta_store_writer *w;
	struct lta_store *store;
	char dir[512], path[600], error[1024], sql[96];
	struct positions pos;
	struct lta_request r;
	sqlite3 *db = NULL;
	int64_t one_id;
	bool same = false;
	int rc;

	store_test_dir(dir, sizeof(dir), "v2");
	mkdir(dir, 0750);
	snprintf(path, sizeof(path), "%s/lttng-analyzer.db", dir);
	rc = sqlite3_open(path, &db);
	if (rc == SQLITE_OK) {
		rc = sqlite3_exec(db, "PRAGMA journal_mode=WAL", NULL, NULL,
				  NULL);
	}
	if (rc == SQLITE_OK) {
		rc = sqlite3_exec(db, schema_v2, NULL, NULL, NULL);
	}
	if (rc == SQLITE_OK) {
		snprintf(sql, sizeof(sql), "PRAGMA application_id=%d",
			 STORE_APPLICATION_ID);
		rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	}
	is_int(rc, SQLITE_OK, "create a version 2 database: %s",
	       sqlite3_errmsg(db));
	sqlite3_close(db);
	is_int(db_pragma(dir, "user_version"), 2, "its version is 2");

	store = lta_store_open(dir, error, sizeof(error));
	ok(store != NULL, "the store opens it: %s", error);
	if (!store) {
		store_test_remove_dir(dir);
		return;
	}
	is_int(db_pragma(dir, "user_version"), 8, "it is now at version 8");
	is_int(db_pragma(dir, "application_id"), STORE_APPLICATION_ID,
	       "and keeps its application id");
	is_int(lta_store_analysis_get(store, 1, &old), 0,
	       "the old analysis is there");
	ok(old.requests == 2 && old.connections == 0 &&
		   strcmp(old.status, "ended") == 0,
	   "with its columns, and no connections");
	is_int(lta_store_request_get(store, 1, 1, old_request, &same), 0,
	       "the old request 1 is there");
	ok(same, "with its columns, its connection not known (0)");
	is_int(read_ordered(dir, 1), 1,
	       "the old analysis has its connections in start order");

	w = lta_store_writer_open(store, 1);
	ok(w != NULL, "open a writer on the old analysis");
	if (w) {
		struct lta_connection c = conn_of(3);

		make_request(&r, 3, 3, 1);
		lta_store_writer_add(w, &r, NULL);
		lta_store_writer_add_connection(w, &c, "web1");
		is_int(lta_store_writer_commit(w, 0), 0,
		       "commit a request and its connection");
		lta_store_writer_close(w);
	}
	f = filter_any(1);
	f.after_id = 2; /* Connections 1 and 2 of the generator are absent. */
	check_filter(store, f, 3, "migrated: the new connection");
	f.after_id = 0;
	f.limit = 1;
	one_id = -1;
	lta_store_connections(store, &f, first_id, &one_id);
	is_int(one_id, 3, "and it is the only one");
	pos.count = 0;
	lta_store_connection_requests(store, 1, 3, keep_position, &pos);
	ok(pos.count == 1 && pos.id[0] == 3 && pos.position[0] == 1,
	   "migrated: its request, by the new index");
	lta_store_close(store);
	store_test_remove_dir(dir);
}

int main(void)
{
	plan_no_plan();
	store_test_init("test-store-connections");
	test_connections();
	test_unordered();
	test_migration();
	store_test_fini();
	return exit_status();
}
