/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The store module on a temporary folder: opening (and what it refuses),
 * persistence across a reopen, analyses and their "interrupted" status
 * after a restart, the writer's batches, every request filter and the id
 * cursor against ids computed here from the same generator, readers while
 * another connection holds the write lock, concurrent writers, a full disk
 * (through SQLite's page limit) and the write and page-read speeds as
 * diagnostics.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1 /* unshare() */
#endif
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/strbuf.h"
#include "segment/request-format.h"
#include "store/store-internal.h"
#include "store/store.h"
#include "store-test.h"
#include "tap.h"

#define BASE_NS INT64_C(1700000000000000000)

#ifdef __SANITIZE_ADDRESS__
#define SANITIZED " (AddressSanitizer build: slower)"
#else
#define SANITIZED ""
#endif
#define MAX_IDS 4096

/* --- requests with known values ---------------------------------------- */

static const char *const N_READ = "read", *const N_WRITE = "write",
			 *const N_CLOSE = "close", *const N_FD = "fd",
			 *const N_COUNT = "count";

/*
 * Request I of the generator: every filter column is a function of I, so
 * that the expected ids of any filter are computed without the store.
 */
struct spec {
	int64_t id;
	int32_t pid;
	const char *procname;
	int64_t start, end;
	enum lta_request_end end_reason;
	bool incomplete;
	bool has_peer;
};

/*
 * Starts out of id order (as hand-made or foreign data could have them),
 * for the store's fallback when ids are not in start order.
 */
static bool shuffled_starts;

static struct spec spec_of(int64_t i)
{
	struct spec s;

	s.id = i;
	s.pid = 100 + (int32_t)(i % 3);
	s.procname = i % 3 == 0 ? "nginx" : "apache2";
	s.start = BASE_NS + (shuffled_starts ? (i * 37) % 401 : i) * 1000;
	/* A few slow ones, for a selective duration filter. */
	s.end = s.start + (i % 97 == 0 ? 1000000 : (i % 10) * 100);
	if (i % 11 == 0) {
		s.end_reason = LTA_REQUEST_END_OPEN;
		s.end = -1;
	} else if (i % 7 == 0) {
		s.end_reason = LTA_REQUEST_END_ABORTED;
	} else if (i % 5 == 0) {
		s.end_reason = LTA_REQUEST_END_SHUTDOWN;
	} else {
		s.end_reason = LTA_REQUEST_END_CLOSE;
	}
	s.incomplete = i % 13 == 0;
	s.has_peer = i % 2 == 1;
	return s;
}

/* Storage for one hand-built request and its calls. */
struct built {
	struct lta_request r;
	struct lta_call calls[8];
	struct lta_call_count counts[3];
};

static void build(struct built *b, const struct spec *s, int ncalls)
{
	int k;

	memset(b, 0, sizeof(*b));
	b->r.id = (uint64_t)s->id;
	b->r.pid = s->pid;
	b->r.fd = 7;
	snprintf(b->r.procname, sizeof(b->r.procname), "%s", s->procname);
	b->r.tid_count = 1;
	b->r.tids[0] = s->pid;
	if (s->has_peer) {
		b->r.family = AF_INET;
		b->r.port = 40000 + (int)(s->id % 1000);
		snprintf(b->r.peer, sizeof(b->r.peer), "10.0.%d.%d",
			 (int)(s->id / 250 % 250), (int)(s->id % 250));
	} else {
		b->r.family = -1;
		b->r.port = -1;
	}
	b->r.accept_entry = s->start - 5000;
	b->r.start = s->start;
	b->r.end = s->end;
	b->r.shutdown_ts = -1;
	b->r.close_ts = s->end;
	b->r.end_reason = s->end_reason;
	b->r.incomplete = s->incomplete;
	b->r.bytes_read = 512;
	b->r.bytes_written = 4096;
	b->r.reads = 1;
	for (k = 0; k < ncalls && k < 8; k++) {
		struct lta_call *c = &b->calls[k];

		c->name =
			k == ncalls - 1 ? N_CLOSE : (k % 2 ? N_WRITE : N_READ);
		c->tid = s->pid;
		c->start = s->start + k * 10;
		c->duration = 5;
		c->has_ret = true;
		c->ret = k == ncalls - 1 ? 0 : 512;
		c->nargs = 2;
		c->args[0].name = N_FD;
		c->args[0].type = LTA_ARG_SINT;
		c->args[0].v.s = 7;
		c->args[1].name = N_COUNT;
		c->args[1].type = LTA_ARG_UINT;
		c->args[1].v.u = 8192;
	}
	b->r.calls = b->calls;
	b->r.call_count = (uint32_t)(k);
	b->r.call_total = (uint32_t)(k);
	b->counts[0] = (struct lta_call_count){ N_READ, (uint32_t)(k + 1) / 2 };
	b->counts[1] = (struct lta_call_count){ N_WRITE, (uint32_t)k / 2 };
	b->r.counts = b->counts;
	b->r.count_kinds = 2;
}

static int add_spec(struct lta_store_writer *w, int64_t i, int ncalls)
{
	struct built b;
	struct spec s = spec_of(i);

	build(&b, &s, ncalls);
	return lta_store_writer_add(w, &b.r, "web1");
}

/* --- collecting query results ------------------------------------------ */

struct ids {
	int64_t id[MAX_IDS];
	int count;
	bool columns_ok; /* Every row's columns matched its spec. */
};

static int collect(const struct lta_store_request *r, void *user_data)
{
	struct ids *ids = user_data;
	struct spec s = spec_of(r->id);

	if (ids->count < MAX_IDS) {
		ids->id[ids->count++] = r->id;
	}
	if (r->pid != s.pid || strcmp(r->procname, s.procname) != 0 ||
	    r->start_ns != s.start || r->end_ns != s.end ||
	    r->duration_ns != (s.end >= 0 ? s.end - s.start : -1) ||
	    strcmp(r->end_reason, lta_request_end_name(s.end_reason)) != 0 ||
	    r->incomplete != s.incomplete ||
	    (s.has_peer ? r->port != 40000 + (int)(s.id % 1000) ||
				  r->peer[0] == '\0'
			: r->port != -1 || r->peer[0] != '\0') ||
	    r->json_len != strlen(r->json) || r->json[0] != '{') {
		ids->columns_ok = false;
	}
	return 0;
}

/* Pages through FILTER with its limit; returns the error or 0. */
static int query_all(struct lta_store *store, struct lta_store_filter filter,
		     struct ids *out, int *pages)
{
	struct ids page;
	int ret, i;

	out->count = 0;
	out->columns_ok = true;
	*pages = 0;
	for (;;) {
		page.count = 0;
		page.columns_ok = true;
		ret = lta_store_requests(store, &filter, collect, &page);
		if (ret) {
			return ret;
		}
		if (!page.columns_ok) {
			out->columns_ok = false;
		}
		if (page.count == 0) {
			return 0;
		}
		(*pages)++;
		for (i = 0; i < page.count && out->count < MAX_IDS; i++) {
			out->id[out->count++] = page.id[i];
		}
		filter.after_id = page.id[page.count - 1];
		if (page.count < filter.limit) {
			return 0;
		}
	}
}

static struct lta_store_filter filter_any(int64_t analysis)
{
	struct lta_store_filter f = {
		.analysis = analysis,
		.from_ns = INT64_MIN,
		.to_ns = INT64_MAX,
		.process = NULL,
		.min_duration_ns = -1,
		.end_reason = NULL,
		.after_id = 0,
		.limit = 7,
	};

	return f;
}

static bool spec_matches(const struct spec *s, const struct lta_store_filter *f)
{
	int64_t duration = s->end >= 0 ? s->end - s->start : -1;

	return s->id > f->after_id && s->start >= f->from_ns &&
	       s->start < f->to_ns &&
	       (!f->process || strcmp(f->process, s->procname) == 0) &&
	       (f->min_duration_ns < 0 || duration >= f->min_duration_ns) &&
	       (!f->end_reason ||
		strcmp(f->end_reason, lta_request_end_name(s->end_reason)) ==
			0);
}

/* Checks FILTER's result, paged, against the generator's ids 1..N. */
static void check_filter(struct lta_store *store, struct lta_store_filter f,
			 int64_t n, const char *what)
{
	static struct ids got;
	int64_t want[MAX_IDS];
	int nwant = 0, pages, ret, i;
	bool same;

	for (i = 1; i <= n; i++) {
		struct spec s = spec_of(i);

		if (spec_matches(&s, &f) && nwant < MAX_IDS) {
			want[nwant++] = i;
		}
	}
	ret = query_all(store, f, &got, &pages);
	is_int(ret, 0, "%s: the query succeeds", what);
	same = got.count == nwant;
	for (i = 0; same && i < nwant; i++) {
		same = got.id[i] == want[i];
	}
	ok(same && nwant > 0 && pages >= (nwant + f.limit - 1) / f.limit,
	   "%s: exactly the %d expected ids, in order, over %d pages", what,
	   nwant, pages);
	if (!same) {
		diag("got %d ids, first %" PRId64, got.count,
		     got.count ? got.id[0] : -1);
	}
	ok(got.columns_ok, "%s: every row's columns are the request's", what);
}

/* --- opening ---------------------------------------------------------------
 */

static void test_open_errors(void)
{
	char dir[512], path[600], error[1024];
	struct lta_store *store, *again;
	FILE *f;
	int i;

	/* A file where the folder should be. */
	store_test_dir(dir, sizeof(dir), "a-file");
	f = fopen(dir, "w");
	fputs("x\n", f);
	fclose(f);
	store = lta_store_open(dir, error, sizeof(error));
	ok(store == NULL && strstr(error, dir) && strstr(error, "not a folder"),
	   "a file as the data folder is refused, naming it: %s", error);
	unlink(dir);

	/* A folder whose parent does not exist. */
	store_test_dir(dir, sizeof(dir), "missing/deeper");
	store = lta_store_open(dir, error, sizeof(error));
	ok(store == NULL && strstr(error, dir),
	   "a folder that cannot be created is refused: %s", error);

	/* A file that is not a database. */
	store_test_dir(dir, sizeof(dir), "not-a-db");
	mkdir(dir, 0750);
	snprintf(path, sizeof(path), "%s/lttng-analyzer.db", dir);
	f = fopen(path, "w");
	for (i = 0; i < 100; i++) {
		fputs("This is a text file, not an SQLite database.\n", f);
	}
	fclose(f);
	error[0] = '\0';
	store = lta_store_open(dir, error, sizeof(error));
	ok(store == NULL, "a file that is not a database gives NULL");
	ok(strstr(error, path) != NULL && strstr(error, "not a database"),
	   "and a message naming the file: %s", error);
	store_test_remove_dir(dir);

	/* Another program's SQLite database. */
	store_test_dir(dir, sizeof(dir), "foreign-db");
	mkdir(dir, 0750);
	snprintf(path, sizeof(path), "%s/lttng-analyzer.db", dir);
	{
		sqlite3 *db = NULL;

		sqlite3_open(path, &db);
		sqlite3_exec(db, "CREATE TABLE t (x)", NULL, NULL, NULL);
		sqlite3_close(db);
	}
	store = lta_store_open(dir, error, sizeof(error));
	ok(store == NULL && strstr(error, path) &&
		   strstr(error, "not an lttng-analyzer database"),
	   "another program's database is refused: %s", error);
	store_test_remove_dir(dir);

	/* A folder is used by one store at a time. */
	store_test_dir(dir, sizeof(dir), "twice");
	store = lta_store_open(dir, error, sizeof(error));
	ok(store != NULL, "a new folder is created and opened: %s", error);
	again = lta_store_open(dir, error, sizeof(error));
	ok(again == NULL && strstr(error, "in use"),
	   "a second open of the same folder is refused: %s", error);
	lta_store_close(again);
	lta_store_close(store);
	store = lta_store_open(dir, error, sizeof(error));
	ok(store != NULL, "it opens again once closed");
	lta_store_close(store);
	store_test_remove_dir(dir);
	lta_store_close(NULL);
}

/* --- analyses ---------------------------------------------------------- */

static struct lta_store_analysis
make_analysis(const char *kind, const char *source, const char *status)
{
	struct lta_store_analysis a;

	memset(&a, 0, sizeof(a));
	snprintf(a.kind, sizeof(a.kind), "%s", kind);
	snprintf(a.source, sizeof(a.source), "%s", source);
	snprintf(a.status, sizeof(a.status), "%s", status);
	a.last_event_ns = -1;
	return a;
}

struct listing {
	int64_t ids[16];
	char statuses[16][LTA_STORE_STATUS_MAX];
	int count;
	int stop_after; /* Return 42 after this many; 0: never. */
};

static int list_cb(const struct lta_store_analysis *a, void *user_data)
{
	struct listing *l = user_data;

	if (l->count < 16) {
		l->ids[l->count] = a->id;
		snprintf(l->statuses[l->count], LTA_STORE_STATUS_MAX, "%s",
			 a->status);
		l->count++;
	}
	return l->stop_after && l->count >= l->stop_after ? 42 : 0;
}

static void test_analyses_and_reopen(void)
{
	static const char *const statuses[] = {
		"connecting", "live",  "disconnected",
		"reading",    "ended", "failed",
	};
	struct lta_store_analysis a[6], got;
	struct lta_store_writer *w;
	struct listing listing;
	struct lta_store *store;
	char dir[512], error[1024];
	int i, ret;

	store_test_dir(dir, sizeof(dir), "analyses");
	store = lta_store_open(dir, error, sizeof(error));
	ok(store != NULL, "open a new store: %s", error);
	if (!store) {
		return;
	}
	for (i = 0; i < 6; i++) {
		a[i] = make_analysis(i % 2 ? "live" : "trace",
				     i % 2 ? "net://localhost/host/h/s"
					   : "/traces/t",
				     statuses[i]);
		ret = lta_store_analysis_insert(store, &a[i]);
		is_int(ret, 0, "insert analysis %d", i);
		is_int(a[i].id, i + 1, "its id is %d", i + 1);
	}
	ok(a[0].created_ns > 0 && a[0].updated_ns == a[0].created_ns,
	   "insert fills the creation time");

	ret = lta_store_analysis_get(store, a[5].id, &got);
	is_int(ret, 0, "get analysis 6");
	is_str(got.status, "failed", "its status");
	is_str(got.source, "net://localhost/host/h/s", "its source");
	is_int(got.last_event_ns, -1, "its last event time");

	snprintf(a[5].reason, sizeof(a[5].reason), "relay daemon refused");
	a[5].events = 1234;
	a[5].discarded_events = 5;
	a[5].requests = 77;
	a[5].last_event_ns = BASE_NS;
	a[5].updated_ns = a[5].created_ns + 1000;
	ret = lta_store_analysis_update(store, &a[5]);
	is_int(ret, 0, "update analysis 6");
	lta_store_analysis_get(store, a[5].id, &got);
	ok(strcmp(got.reason, "relay daemon refused") == 0 &&
		   got.events == 1234 && got.discarded_events == 5 &&
		   got.requests == 77 && got.last_event_ns == BASE_NS &&
		   got.updated_ns == a[5].created_ns + 1000 &&
		   got.created_ns == a[5].created_ns,
	   "the update is read back");

	got = a[5];
	got.id = 99;
	is_int(lta_store_analysis_update(store, &got), -ENOENT,
	       "updating an unknown analysis gives -ENOENT");
	is_int(lta_store_analysis_get(store, 99, &got), -ENOENT,
	       "getting an unknown analysis gives -ENOENT");
	ok(strstr(lta_store_error(), "99") != NULL,
	   "the thread's error says which: %s", lta_store_error());

	memset(&listing, 0, sizeof(listing));
	ret = lta_store_analysis_list(store, list_cb, &listing);
	ok(ret == 0 && listing.count == 6 && listing.ids[0] == 1 &&
		   listing.ids[5] == 6,
	   "list gives the 6 analyses by id");
	memset(&listing, 0, sizeof(listing));
	listing.stop_after = 2;
	ret = lta_store_analysis_list(store, list_cb, &listing);
	ok(ret == 42 && listing.count == 2,
	   "list stops and returns what the callback returned");

	/* Requests of the live analysis reach the disk before the stop. */
	w = lta_store_writer_open(store, a[1].id);
	ok(w != NULL, "open a writer");
	for (i = 1; i <= 3; i++) {
		add_spec(w, i, 2);
	}
	lta_store_writer_close(w);
	lta_store_close(store);

	store = lta_store_open(dir, error, sizeof(error));
	ok(store != NULL, "reopen: %s", error);
	if (!store) {
		return;
	}
	for (i = 0; i < 6; i++) {
		ret = lta_store_analysis_get(store, i + 1, &got);
		if (i < 4) {
			ok(ret == 0 && strcmp(got.status, "interrupted") == 0 &&
				   strcmp(got.reason,
					  "the daemon stopped while it ran") ==
					   0,
			   "running analysis %d (%s) is interrupted after a "
			   "restart",
			   i + 1, statuses[i]);
		} else {
			is_str(got.status, statuses[i],
			       "finished analysis %d keeps its status", i + 1);
		}
	}
	lta_store_analysis_get(store, 2, &got);
	is_int(got.requests, 3,
	       "an interrupted analysis counts the requests on disk");
	lta_store_analysis_get(store, 6, &got);
	ok(got.requests == 77 && got.events == 1234,
	   "a finished analysis keeps its counters");
	a[0] = make_analysis("trace", "/t2", "reading");
	lta_store_analysis_insert(store, &a[0]);
	is_int(a[0].id, 7, "ids go on after a reopen");
	lta_store_close(store);
	store_test_remove_dir(dir);
}

/* --- writer, filters, paging ------------------------------------------- */

#define N_REQUESTS 400

struct json_check {
	const char *want;
	bool same;
	int64_t pid;
};

static int json_cb(const struct lta_store_request *r, void *user_data)
{
	struct json_check *c = user_data;

	c->same =
		strcmp(r->json, c->want) == 0 && r->json_len == strlen(c->want);
	c->pid = r->pid;
	return 0;
}

struct duration_sum {
	int64_t count, open, sum, aborted, incomplete;
};

static void duration_cb(int64_t duration_ns, const char *end_reason,
			bool incomplete, void *user_data)
{
	struct duration_sum *d = user_data;

	d->count++;
	if (duration_ns < 0) {
		d->open++;
	} else {
		d->sum += duration_ns;
	}
	d->aborted += strcmp(end_reason, "aborted") == 0;
	d->incomplete += incomplete;
}

static int stop_cb(const struct lta_store_request *r, void *user_data)
{
	int *n = user_data;

	(void)r;
	return ++*n == 3 ? 7 : 0;
}

/* A query from inside the callback of another: same thread, same reader. */
static int nested_cb(const struct lta_store_request *r, void *user_data)
{
	struct lta_store *store = user_data;
	struct lta_store_filter f = filter_any(r->analysis);
	struct ids inner = { .count = 0, .columns_ok = true };
	int ret;

	f.limit = 2;
	ret = lta_store_requests(store, &f, collect, &inner);
	return ret == 0 && inner.count == 2 ? 0 : -1;
}

/* Reads analyses.requests_ordered of ANALYSIS with a connection of ours. */
static int read_ordered_flag(const char *dir, int64_t analysis)
{
	char path[600], sql[128];
	sqlite3_stmt *stmt = NULL;
	sqlite3 *db = NULL;
	int value = -1;

	snprintf(path, sizeof(path), "%s/lttng-analyzer.db", dir);
	snprintf(sql, sizeof(sql),
		 "SELECT requests_ordered FROM analyses WHERE id=%" PRId64,
		 analysis);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) ==
		    SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK &&
	    sqlite3_step(stmt) == SQLITE_ROW) {
		value = sqlite3_column_int(stmt, 0);
	}
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return value;
}

/*
 * Ids not in start order: the time filter cannot use id ranges, and must
 * still give exactly the requests in the range.
 */
static void test_unordered(struct lta_store *store, const char *dir)
{
	struct lta_store_analysis c = make_analysis("trace", "/v", "reading");
	struct lta_store_filter f;
	struct lta_store_writer *w;
	int64_t i;

	lta_store_analysis_insert(store, &c);
	w = lta_store_writer_open(store, c.id);
	shuffled_starts = true;
	for (i = 1; i <= N_REQUESTS; i++) {
		add_spec(w, i, 1);
	}
	is_int(lta_store_writer_commit(w, 0), 0, "commit unordered requests");
	is_int(read_ordered_flag(dir, c.id), 0,
	       "the analysis is marked as not in start order");
	f = filter_any(c.id);
	f.from_ns = BASE_NS + 100 * 1000;
	f.to_ns = BASE_NS + 250 * 1000;
	check_filter(store, f, N_REQUESTS, "unordered, time range");
	f.process = "nginx";
	f.after_id = 50;
	check_filter(store, f, N_REQUESTS, "unordered, time range, process");
	shuffled_starts = false;
	lta_store_writer_close(w);
}

static void test_requests(void)
{
	struct lta_store_analysis a = make_analysis("trace", "/t", "reading");
	struct lta_store_analysis b = make_analysis("trace", "/u", "reading");
	struct lta_store_filter f;
	struct lta_store_writer *w, *wb;
	struct duration_sum d = { 0 };
	struct lta_strbuf json = { 0 };
	struct json_check check;
	struct lta_store *store;
	char dir[512], error[1024];
	struct built built;
	struct spec s;
	int64_t i, want_sum = 0;
	int ret, n, failures = 0;
	static struct ids got;

	store_test_dir(dir, sizeof(dir), "requests");
	store = lta_store_open(dir, error, sizeof(error));
	ok(store != NULL, "open: %s", error);
	if (!store) {
		return;
	}
	lta_store_analysis_insert(store, &a);
	lta_store_analysis_insert(store, &b);
	w = lta_store_writer_open(store, a.id);
	wb = lta_store_writer_open(store, b.id);
	ok(w && wb, "open two writers");
	if (!w || !wb) {
		goto end;
	}
	/* Out of id order, as requests finish. */
	for (i = N_REQUESTS; i >= 1; i--) {
		failures += add_spec(w, i, 3) != 0;
	}
	is_int(failures, 0, "add %d requests", N_REQUESTS);
	/* The other analysis has the same ids, with other values. */
	for (i = 1; i <= 50; i++) {
		failures += add_spec(wb, i * 1000, 1) != 0;
	}
	is_int(lta_store_writer_committed(w), 0, "nothing committed yet");
	f = filter_any(a.id);
	got.count = 0;
	lta_store_requests(store, &f, collect, &got);
	is_int(got.count, 0, "a reader sees nothing before the commit");

	ret = lta_store_writer_commit(w, 60000);
	ok(ret == 0 && lta_store_writer_committed(w) == 0,
	   "a young batch is not committed with a max age of 60 s");
	ret = lta_store_writer_commit(w, 0);
	ok(ret == 0 && lta_store_writer_committed(w) == N_REQUESTS,
	   "commit with 0: %d rows", N_REQUESTS);
	is_int(lta_store_writer_commit(wb, 0), 0, "commit the other writer");
	is_int(lta_store_writer_commit(w, 0), 0,
	       "committing an empty batch is fine");
	is_int(read_ordered_flag(dir, a.id), 1,
	       "requests added out of id order, but with ids in start order, "
	       "leave the analysis ordered");

	/* Filters and paging, against the generator. */
	check_filter(store, filter_any(a.id), N_REQUESTS, "no filter");
	f = filter_any(a.id);
	f.limit = 1000;
	check_filter(store, f, N_REQUESTS, "no filter, one page");
	f = filter_any(a.id);
	f.from_ns = BASE_NS + 100 * 1000;
	f.to_ns = BASE_NS + 250 * 1000;
	check_filter(store, f, N_REQUESTS, "time range");
	f = filter_any(a.id);
	f.from_ns = BASE_NS + 390 * 1000;
	check_filter(store, f, N_REQUESTS, "from only");
	f = filter_any(a.id);
	f.process = "nginx";
	check_filter(store, f, N_REQUESTS, "process");
	f = filter_any(a.id);
	f.min_duration_ns = 700;
	check_filter(store, f, N_REQUESTS, "min duration");
	f = filter_any(a.id);
	f.min_duration_ns = 0;
	check_filter(store, f, N_REQUESTS, "min duration 0 (closed ones)");
	f = filter_any(a.id);
	f.end_reason = "aborted";
	check_filter(store, f, N_REQUESTS, "end reason");
	f = filter_any(a.id);
	f.end_reason = "open";
	check_filter(store, f, N_REQUESTS, "end reason open");
	f = filter_any(a.id);
	f.from_ns = BASE_NS + 50 * 1000;
	f.to_ns = BASE_NS + 350 * 1000;
	f.process = "apache2";
	f.min_duration_ns = 300;
	f.end_reason = "close";
	f.limit = 3;
	check_filter(store, f, N_REQUESTS, "every filter at once");
	f = filter_any(a.id);
	f.after_id = 395;
	check_filter(store, f, N_REQUESTS, "a cursor in the middle");

	f = filter_any(a.id);
	f.process = "nobody";
	got.count = 0;
	ret = lta_store_requests(store, &f, collect, &got);
	ok(ret == 0 && got.count == 0, "an unknown process matches nothing");
	f = filter_any(a.id);
	f.limit = 0;
	ret = lta_store_requests(store, &f, collect, &got);
	ok(ret == 0, "a limit of 0 reads nothing");

	f = filter_any(b.id);
	f.limit = 1000;
	got.count = 0;
	lta_store_requests(store, &f, collect, &got);
	ok(got.count == 50 && got.id[0] == 1000 && got.id[49] == 50000,
	   "the other analysis has its own rows only");

	n = 0;
	f = filter_any(a.id);
	ret = lta_store_requests(store, &f, stop_cb, &n);
	ok(ret == 7 && n == 3, "the callback stops a query and is returned");
	f = filter_any(a.id);
	ret = lta_store_requests(store, &f, nested_cb, store);
	is_int(ret, 0, "a query inside a query's callback works");

	/* One request in full: the stored JSON is request-format's. */
	s = spec_of(123);
	build(&built, &s, 3);
	lta_request_format_json(&built.r, "web1", &json);
	check.want = lta_strbuf_cstr(&json);
	check.same = false;
	ret = lta_store_request_get(store, a.id, 123, json_cb, &check);
	ok(ret == 0 && check.same, "request_get gives the whole record");
	ok(strstr(check.want, "\"host\":\"web1\"") != NULL,
	   "the record has the host");
	is_int(lta_store_request_get(store, a.id, N_REQUESTS + 1, json_cb,
				     &check),
	       -ENOENT, "an unknown request gives -ENOENT");
	is_int(lta_store_request_get(store, 999, 1, json_cb, &check), -ENOENT,
	       "an unknown analysis gives -ENOENT");

	/* Adding the same id again replaces the row. */
	built.r.pid = 4242;
	ret = lta_store_writer_add(w, &built.r, "web1");
	ret |= lta_store_writer_commit(w, 0);
	is_int(ret, 0, "re-adding request 123 succeeds");
	check.same = false;
	lta_store_request_get(store, a.id, 123, json_cb, &check);
	is_int(check.pid, 4242, "and replaces it");
	f = filter_any(a.id);
	f.limit = 1000;
	got.count = 0;
	lta_store_requests(store, &f, collect, &got);
	is_int(got.count, N_REQUESTS, "the row count is unchanged");
	built.r.pid = s.pid;
	lta_store_writer_add(w, &built.r, "web1");
	lta_store_writer_commit(w, 0);

	/* Durations, for the summaries of a restarted daemon. */
	for (i = 1; i <= N_REQUESTS; i++) {
		s = spec_of(i);
		if (s.end >= 0) {
			want_sum += s.end - s.start;
		}
	}
	ret = lta_store_durations(store, a.id, duration_cb, &d);
	ok(ret == 0 && d.count == N_REQUESTS && d.sum == want_sum,
	   "durations: %" PRId64 " rows, sum %" PRId64, d.count, d.sum);
	ok(d.open == N_REQUESTS / 11 && d.incomplete == N_REQUESTS / 13 + 0,
	   "durations: open %" PRId64 ", incomplete %" PRId64, d.open,
	   d.incomplete);
	ok(d.aborted > 0, "durations give end reasons");

	/* Rows survive a close and a reopen. */
	lta_store_writer_close(w);
	lta_store_writer_close(wb);
	w = wb = NULL;
	lta_store_close(store);
	store = lta_store_open(dir, error, sizeof(error));
	ok(store != NULL, "reopen: %s", error);
	if (store) {
		check_filter(store, filter_any(a.id), N_REQUESTS,
			     "after a reopen");
		test_unordered(store, dir);
	}
end:
	lta_strbuf_fini(&json);
	lta_store_writer_close(w);
	lta_store_writer_close(wb);
	lta_store_close(store);
	store_test_remove_dir(dir);
}

/* --- readers while the write lock is held ------------------------------ */

struct reader_job {
	struct lta_store *store;
	int64_t analysis;
	int count;
	int ret;
	struct lta_store_analysis analysis_read;
	int analysis_ret;
	int64_t elapsed_ns;
};

static void *reader_thread(void *arg)
{
	struct reader_job *job = arg;
	struct lta_store_filter f = filter_any(job->analysis);
	static struct ids got;
	int64_t start = store_test_now_ns();

	f.limit = 1000;
	got.count = 0;
	job->ret = lta_store_requests(job->store, &f, collect, &got);
	job->count = got.count;
	job->analysis_ret = lta_store_analysis_get(job->store, job->analysis,
						   &job->analysis_read);
	job->elapsed_ns = store_test_now_ns() - start;
	return NULL;
}

static void test_readers_not_blocked(void)
{
	struct lta_store_analysis a = make_analysis("live", "net://x", "live");
	struct reader_job job = { 0 };
	struct lta_store_writer *w;
	struct lta_store *store;
	char dir[512], path[600], error[1024];
	sqlite3 *raw = NULL;
	pthread_t thread;
	int i, rc;

	store_test_dir(dir, sizeof(dir), "readers");
	store = lta_store_open(dir, error, sizeof(error));
	ok(store != NULL, "open: %s", error);
	if (!store) {
		return;
	}
	lta_store_analysis_insert(store, &a);
	w = lta_store_writer_open(store, a.id);
	for (i = 1; i <= 20; i++) {
		add_spec(w, i, 1);
	}
	lta_store_writer_commit(w, 0);

	/* Another connection takes the write lock and writes, uncommitted. */
	snprintf(path, sizeof(path), "%s/lttng-analyzer.db", dir);
	rc = sqlite3_open(path, &raw);
	rc |= sqlite3_exec(raw,
			   "BEGIN IMMEDIATE;"
			   "INSERT INTO requests (analysis, id, pid, procname,"
			   " peer, port, start_ns, end_ns, duration_ns,"
			   " end_reason, incomplete, record)"
			   " VALUES (1, 1000, 1, 'x', '',"
			   " -1, 0, -1, -1, 'open', 0, '{}');"
			   "UPDATE analyses SET status='ended'",
			   NULL, NULL, NULL);
	is_int(rc, SQLITE_OK,
	       "another connection holds an open write "
	       "transaction");

	job.store = store;
	job.analysis = a.id;
	pthread_create(&thread, NULL, reader_thread, &job);
	pthread_join(thread, NULL);
	ok(job.ret == 0 && job.count == 20,
	   "a new thread reads the 20 committed requests meanwhile (%d)",
	   job.count);
	ok(job.analysis_ret == 0 &&
		   strcmp(job.analysis_read.status, "live") == 0,
	   "and the committed analysis");
	/* Blocked, it would have waited the 5 s busy timeout and failed. */
	diag("read on a new thread during the write transaction: %.3f ms",
	     (double)job.elapsed_ns / 1e6);

	/* The same from this thread, whose reader exists already. */
	reader_thread(&job);
	ok(job.ret == 0 && job.count == 20,
	   "this thread reads during the write transaction too");

	sqlite3_exec(raw, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(raw);
	lta_store_writer_close(w);
	lta_store_close(store);
	store_test_remove_dir(dir);
}

/* --- concurrent writers -----------------------------------------------------
 */

#define CONCURRENT_ROWS 20000

struct writer_job {
	struct lta_store *store;
	int64_t analysis;
	int failures;
	int64_t committed;
};

static void *writer_thread(void *arg)
{
	struct writer_job *job = arg;
	struct lta_store_analysis a;
	struct lta_store_writer *w;
	int64_t i;

	w = lta_store_writer_open(job->store, job->analysis);
	if (!w) {
		job->failures = -1;
		return NULL;
	}
	lta_store_analysis_get(job->store, job->analysis, &a);
	for (i = 1; i <= CONCURRENT_ROWS; i++) {
		job->failures += add_spec(w, i, 3) != 0;
		if (i % 64 == 0) {
			job->failures += lta_store_writer_commit(w, 20) != 0;
		}
		if (i % 5000 == 0) {
			/* The analysis thread updates its counters. */
			a.requests = lta_store_writer_committed(w);
			a.events = i * 10;
			job->failures +=
				lta_store_analysis_update(job->store, &a) != 0;
		}
	}
	job->failures += lta_store_writer_commit(w, 0) != 0;
	job->committed = lta_store_writer_committed(w);
	lta_store_writer_close(w);
	return NULL;
}

static void test_concurrent_writers(void)
{
	struct writer_job jobs[2];
	struct lta_store_analysis a[2];
	struct lta_store_filter f;
	struct lta_store *store;
	char dir[512], error[1024];
	pthread_t threads[2];
	static struct ids got;
	int i, reads = 0, read_failures = 0;

	store_test_dir(dir, sizeof(dir), "concurrent");
	store = lta_store_open(dir, error, sizeof(error));
	ok(store != NULL, "open: %s", error);
	if (!store) {
		return;
	}
	for (i = 0; i < 2; i++) {
		a[i] = make_analysis("live", "net://x", "live");
		lta_store_analysis_insert(store, &a[i]);
		jobs[i] = (struct writer_job){ store, a[i].id, 0, 0 };
		pthread_create(&threads[i], NULL, writer_thread, &jobs[i]);
	}
	/* Reads meanwhile, until both writers are done. */
	for (;;) {
		struct lta_store_analysis check;
		bool done = true;

		f = filter_any(a[reads % 2].id);
		f.after_id = reads * 37 % CONCURRENT_ROWS;
		f.limit = 100;
		got.count = 0;
		read_failures +=
			lta_store_requests(store, &f, collect, &got) != 0;
		reads++;
		for (i = 0; i < 2; i++) {
			if (lta_store_analysis_get(store, a[i].id, &check) ||
			    check.events < CONCURRENT_ROWS * 10) {
				done = false;
			}
		}
		if (done || reads > 1000000) {
			break;
		}
	}
	for (i = 0; i < 2; i++) {
		pthread_join(threads[i], NULL);
	}
	ok(jobs[0].failures == 0 && jobs[1].failures == 0,
	   "two writers and their analysis updates, no failure");
	ok(jobs[0].committed == CONCURRENT_ROWS &&
		   jobs[1].committed == CONCURRENT_ROWS,
	   "each committed %d rows", CONCURRENT_ROWS);
	ok(read_failures == 0, "%d page reads meanwhile, no failure", reads);
	f = filter_any(a[1].id);
	f.after_id = CONCURRENT_ROWS - 10;
	f.limit = 100;
	got.count = 0;
	lta_store_requests(store, &f, collect, &got);
	is_int(got.count, 10, "the last rows are there");
	lta_store_close(store);
	store_test_remove_dir(dir);
}

/* --- a full disk ------------------------------------------------------------
 */

static int64_t count_rows(struct lta_store *store, int64_t analysis)
{
	struct lta_store_filter f = filter_any(analysis);
	static struct ids got;
	int pages;

	f.limit = 1000;
	if (query_all(store, f, &got, &pages)) {
		return -1;
	}
	return got.count;
}

static void test_disk_full(void)
{
	struct lta_store_analysis a = make_analysis("trace", "/t", "reading");
	struct lta_store_writer *w;
	struct lta_store *store;
	char dir[512], error[1024];
	sqlite3_stmt *stmt = NULL;
	int64_t pages = 0, i;
	int ret = 0;

	store_test_dir(dir, sizeof(dir), "full");
	store = lta_store_open(dir, error, sizeof(error));
	ok(store != NULL, "open: %s", error);
	if (!store) {
		return;
	}
	lta_store_analysis_insert(store, &a);
	w = lta_store_writer_open(store, a.id);
	for (i = 1; i <= 50; i++) {
		add_spec(w, i, 3);
	}
	is_int(lta_store_writer_commit(w, 0), 0, "commit 50 rows");

	/* The file may not grow: SQLite reports SQLITE_FULL, as on ENOSPC. */
	sqlite3_prepare_v2(lta_store_writer_borrow_db(w), "PRAGMA page_count",
			   -1, &stmt, NULL);
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		pages = sqlite3_column_int64(stmt, 0);
	}
	sqlite3_finalize(stmt);
	ok(pages > 0, "the database has %" PRId64 " pages", pages);
	snprintf(error, sizeof(error), "PRAGMA max_page_count=%" PRId64, pages);
	sqlite3_exec(lta_store_writer_borrow_db(w), error, NULL, NULL, NULL);
	for (i = 51; i <= 2000; i++) {
		add_spec(w, i, 3);
	}
	ret = lta_store_writer_commit(w, 0);
	is_int(ret, -ENOSPC, "a commit on a full disk gives -ENOSPC");
	ok(strstr(lta_store_error(), "full") != NULL, "with the message: %s",
	   lta_store_error());
	is_int(lta_store_writer_committed(w), 50, "the writer counts 50 rows");
	is_int(count_rows(store, a.id), 50, "the 50 earlier rows are intact");
	is_int((int64_t)lta_store_writer_pending(w), 1950,
	       "the 1950 rows of the failed batch are kept, pending");
	is_int(lta_store_writer_commit(w, 0), -ENOSPC,
	       "a retry on a disk still full fails the same");
	is_int((int64_t)lta_store_writer_pending(w), 1950, "still pending");

	/* The writer is usable once there is room again. */
	sqlite3_exec(lta_store_writer_borrow_db(w),
		     "PRAGMA max_page_count=1000000000", NULL, NULL, NULL);
	for (i = 2001; i <= 2010; i++) {
		add_spec(w, i, 3);
	}
	is_int(lta_store_writer_commit(w, 0), 0, "the next commit succeeds");
	is_int(count_rows(store, a.id), 2010,
	       "2010 rows now: nothing of the failed batch was lost");
	is_int((int64_t)lta_store_writer_pending(w), 0, "nothing pending");
	lta_store_writer_close(w);
	lta_store_close(store);
	store_test_remove_dir(dir);
}

/*
 * The same on a real full file system: a 1 MiB tmpfs mounted in a mount
 * namespace of a child process (root only; skipped elsewhere). The child
 * answers with its exit status: 0 when every check held, else the number
 * of the first that failed, 100 when it could not mount.
 */
static int full_tmpfs_child(const char *dir)
{
	struct lta_store_analysis a = make_analysis("trace", "/t", "reading");
	struct lta_store_writer *w = NULL;
	struct lta_store *store = NULL;
	char error[1024];
	int64_t i, committed = 0;
	int ret = 0, status = 0;

	if (unshare(CLONE_NEWNS) ||
	    mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mkdir(dir, 0750) ||
	    mount("tmpfs", dir, "tmpfs", 0, "size=1m,mode=0750")) {
		return 100;
	}
	store = lta_store_open(dir, error, sizeof(error));
	if (!store) {
		status = 1;
		goto end;
	}
	lta_store_analysis_insert(store, &a);
	w = lta_store_writer_open(store, a.id);
	if (!w) {
		status = 2;
		goto end;
	}
	/* 1 MiB holds about a thousand requests: commit until it is full. */
	for (i = 1; i <= 20000 && ret == 0; i++) {
		add_spec(w, i, 3);
		if (i % 50 == 0) {
			ret = lta_store_writer_commit(w, 0);
			if (ret == 0) {
				committed = i;
			}
		}
	}
	if (ret != -ENOSPC) {
		fprintf(stderr, "full tmpfs: ret=%d, error=%s\n", ret,
			lta_store_error());
		status = 3;
		goto end;
	}
	if (committed == 0 || count_rows(store, a.id) != committed) {
		status = 4;
		goto end;
	}
end:
	lta_store_writer_close(w);
	lta_store_close(store);
	umount(dir);
	return status;
}

static void test_full_tmpfs(void)
{
	char dir[512];
	pid_t pid;
	int status = -1;

	if (geteuid() != 0) {
		skip(1, "mounting a small tmpfs needs root");
		return;
	}
	store_test_dir(dir, sizeof(dir), "tmpfs");
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		_exit(full_tmpfs_child(dir));
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid) {
		ok(false, "run the full-tmpfs child");
		return;
	}
	rmdir(dir);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 100) {
		skip(1, "cannot mount a tmpfs in a mount namespace here");
		return;
	}
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "a full tmpfs gives -ENOSPC and keeps what was committed "
	   "(child status %d)",
	   status);
}

/* --- speed ---------------------------------------------------------------- */

struct page_sink {
	int count;
	size_t bytes;
};

static int sink_cb(const struct lta_store_request *r, void *user_data)
{
	struct page_sink *p = user_data;

	p->count++;
	p->bytes += r->json_len;
	return 0;
}

/* Checks one page of FILTER against the generator. */
static void check_page(struct lta_store *store, struct lta_store_filter f,
		       const char *what)
{
	static struct ids got;
	int64_t want[MAX_IDS], i;
	int nwant = 0, k, ret;
	bool same;

	for (i = f.after_id + 1; nwant < f.limit && nwant < MAX_IDS; i++) {
		struct spec s = spec_of(i);

		if (spec_matches(&s, &f)) {
			want[nwant++] = i;
		}
	}
	got.count = 0;
	got.columns_ok = true;
	ret = lta_store_requests(store, &f, collect, &got);
	same = ret == 0 && got.count == nwant && got.columns_ok;
	for (k = 0; same && k < nwant; k++) {
		same = got.id[k] == want[k];
	}
	ok(same, "%s: the %d expected ids", what, nwant);
}

static void test_speed(void)
{
	struct lta_store_analysis a = make_analysis("live", "net://x", "live");
	const char *env = getenv("LTA_STORE_PERF_REQUESTS");
	int64_t n = env ? atoll(env) : 100000, i, start, elapsed;
	struct lta_strbuf json = { 0 };
	struct lta_store_writer *w;
	struct lta_store_filter f;
	struct page_sink sink;
	struct lta_store *store;
	char dir[512], error[1024];
	struct built built;
	struct spec s;
	int failures = 0, k, reads = 200;

	store_test_dir(dir, sizeof(dir), "speed");
	store = lta_store_open(dir, error, sizeof(error));
	ok(store != NULL, "open: %s", error);
	if (!store) {
		return;
	}
	s = spec_of(1);
	build(&built, &s, 2);
	lta_request_format_json(&built.r, "web1", &json);
	lta_store_analysis_insert(store, &a);
	w = lta_store_writer_open(store, a.id);
	start = store_test_now_ns();
	for (i = 1; i <= n; i++) {
		failures += add_spec(w, i, 2) != 0;
		/* An analysis thread asks after every few events. */
		if (i % 256 == 0) {
			failures += lta_store_writer_commit(w, 200) != 0;
		}
	}
	failures += lta_store_writer_commit(w, 0) != 0;
	elapsed = store_test_now_ns() - start;
	ok(failures == 0 && lta_store_writer_committed(w) == n,
	   "write %" PRId64 " requests", n);
	diag("write: %" PRId64 " requests of %zu bytes in %.3f s: %.0f "
	     "requests/s (need >= 50000 in an optimized build)%s",
	     n, json.len, (double)elapsed / 1e9,
	     (double)n / ((double)elapsed / 1e9), SANITIZED);
	lta_store_writer_close(w);

	for (k = 0; k < 6; k++) {
		static const char *const names[] = {
			"page of 100, no filter",
			"page of 100, process and min duration",
			"page of 100, time range",
			"page of 100, min duration (10% of requests)",
			"page of 100, min duration 0 (91%)",
			"page of 100, min duration 1 ms (1%)",
		};

		memset(&sink, 0, sizeof(sink));
		start = store_test_now_ns();
		for (i = 0; i < reads; i++) {
			f = filter_any(a.id);
			f.limit = 100;
			f.after_id = (i * 7919) % (n > 2000 ? n - 2000 : 1);
			if (k == 1) {
				f.process = "nginx";
				f.min_duration_ns = 900;
			} else if (k == 2) {
				f.from_ns = BASE_NS + f.after_id * 1000;
				f.to_ns = f.from_ns + 1000 * 1000;
				f.after_id = 0;
			} else if (k == 3) {
				f.min_duration_ns = 900;
			} else if (k == 4) {
				f.min_duration_ns = 0;
			} else if (k == 5) {
				f.min_duration_ns = 1000000;
			}
			failures += lta_store_requests(store, &f, sink_cb,
						       &sink) != 0;
		}
		elapsed = store_test_now_ns() - start;
		ok(failures == 0 && sink.count >= reads * (k == 5 ? 1 : 10),
		   "%s: %d rows read", names[k], sink.count);
		diag("read: %s: %.1f us per page", names[k],
		     (double)elapsed / 1e3 / reads);
	}

	/*
	 * Both ways of reading a duration filter, chosen by how many match
	 * (few: the duration index; many: the id order), give exact pages.
	 */
	f = filter_any(a.id);
	f.after_id = n / 2;
	f.limit = 100;
	f.min_duration_ns = 900;
	check_page(store, f, "min duration 900, one page");
	f.min_duration_ns = 0;
	check_page(store, f, "min duration 0, one page");
	f.min_duration_ns = 1000000;
	check_page(store, f, "min duration 1 ms, one page");
	f = filter_any(a.id);
	f.min_duration_ns = 1000000;
	f.limit = 100;
	check_filter(store, f, n, "min duration 1 ms, every page");
	lta_strbuf_fini(&json);
	lta_store_close(store);
	store_test_remove_dir(dir);
}

int main(void)
{
	plan_no_plan();
	store_test_init("test-store");
	test_open_errors();
	test_analyses_and_reopen();
	test_requests();
	test_readers_not_blocked();
	test_concurrent_writers();
	test_disk_full();
	test_full_tmpfs();
	test_speed();
	store_test_fini();
	return exit_status();
}
