/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The timing-failure errors of the store on a temporary folder: writing
 * them in the writer's batch (invisible until the commit, lost with a
 * failed one, not counted as requests), replacing one (a late end), every
 * filter and the id cursor against ids computed here from the same
 * generator (with ids in raised order and out of it), the counts,
 * persistence across a reopen, strings with quotes and UTF-8, and the
 * migration of databases of schema versions 1 and 4 (errors before their
 * downstream request).
 */
#include <errno.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/store-internal.h"
#include "store/store.h"
#include "store-test.h"
#include "tap.h"

#define BASE_NS INT64_C(1700000000000000000)
#define MAX_IDS 4096

/* The store's PRAGMA application_id ("LTAn"). */
#define STORE_APPLICATION_ID 0x4c54416e

/* --- errors with known values ------------------------------------------ */

/* Raised times out of id order, for the store's fallback. */
static bool shuffled_raised;

/* Ids whose error got a late end (once replaced). */
static bool has_late_end(int64_t i)
{
	return i % 6 == 1;
}

/*
 * Error I of the generator: every column is a function of I, so that the
 * expected ids of any filter are computed without the store. LATE: with
 * its late end, as the replacing row.
 */
static struct lta_store_error spec_of(int64_t i, bool late)
{
	struct lta_store_error e;

	memset(&e, 0, sizeof(e));
	e.analysis = 999; /* Ignored by the writer. */
	e.id = i;
	e.type = i % 10 == 0 ? "crash" : i % 3 == 0 ? "InE" : "CoE";
	e.kind = i % 3 == 0 ? "interaction" : "service";
	e.origin = i % 4 == 0 ? "derived" : "rbl";
	e.host = i % 2 ? "web1" : "";
	e.pid = 200 + (int32_t)(i % 5);
	e.tid = e.pid + (int32_t)(i % 2);
	e.entity = i % 7 == 0 ? "db" : i % 2 ? "frontend" : "backend";
	e.name = i % 3 == 1 ? "GET /a" : "query";
	e.key = (uint64_t)i * UINT64_C(0x9E3779B97F4A7C15);
	e.raised_ns = BASE_NS + (shuffled_raised ? (i * 37) % 401 : i) * 1000;
	e.start_ns = e.raised_ns - 500;
	e.timeout_ns = i % 10 == 0 ? -1 : 300 + i;
	e.expired = i % 13 == 0;
	e.open_count = i % 10 == 0 ? (uint32_t)(i % 4 + 1) : 0;
	e.late_end_ns = late ? e.raised_ns + 77 : -1;
	/* Derived InE: a downstream request, or none running. */
	e.has_downstream = i % 12 == 0;
	e.downstream_request = !e.has_downstream ? 0 : i % 24 ? 5000 + i : 0;
	return e;
}

static bool same_error(const struct lta_store_error *a,
		       const struct lta_store_error *b)
{
	return a->id == b->id && strcmp(a->type, b->type) == 0 &&
	       strcmp(a->kind, b->kind) == 0 &&
	       strcmp(a->origin, b->origin) == 0 &&
	       strcmp(a->host, b->host) == 0 && a->pid == b->pid &&
	       a->tid == b->tid && strcmp(a->entity, b->entity) == 0 &&
	       strcmp(a->name, b->name) == 0 && a->key == b->key &&
	       a->start_ns == b->start_ns && a->raised_ns == b->raised_ns &&
	       a->timeout_ns == b->timeout_ns && a->expired == b->expired &&
	       a->open_count == b->open_count &&
	       a->late_end_ns == b->late_end_ns &&
	       a->has_downstream == b->has_downstream &&
	       a->downstream_request == b->downstream_request;
}

/* Writes errors FROM..TO of the generator (LATE as has_late_end()). */
static int add_range(struct lta_store_writer *w, int64_t from, int64_t to,
		     bool late)
{
	struct lta_store_error e;
	int64_t i;
	int ret;

	for (i = from; i <= to; i++) {
		e = spec_of(i, late && has_late_end(i));
		ret = lta_store_writer_add_error(w, &e);
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
	bool late; /* The late ends were written. */
	bool columns_ok;
};

static int collect(const struct lta_store_error *e, void *user_data)
{
	struct ids *ids = user_data;
	struct lta_store_error want =
		spec_of(e->id, ids->late && has_late_end(e->id));

	if (ids->count < MAX_IDS) {
		ids->id[ids->count++] = e->id;
	}
	if (!same_error(e, &want) || e->analysis != ids->analysis) {
		ids->columns_ok = false;
	}
	return 0;
}

/* Pages through FILTER with its limit; returns the error or 0. */
static int query_all(struct lta_store *store,
		     struct lta_store_error_filter filter, bool late,
		     struct ids *out, int *pages)
{
	static struct ids page;
	int ret, i;

	out->count = 0;
	out->columns_ok = true;
	*pages = 0;
	for (;;) {
		page.count = 0;
		page.analysis = filter.analysis;
		page.late = late;
		page.columns_ok = true;
		ret = lta_store_errors(store, &filter, collect, &page);
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

static struct lta_store_error_filter filter_any(int64_t analysis)
{
	struct lta_store_error_filter f = {
		.analysis = analysis,
		.type = NULL,
		.entity = NULL,
		.name = NULL,
		.origin = NULL,
		.pid = -1,
		.from_ns = INT64_MIN,
		.to_ns = INT64_MAX,
		.after_id = 0,
		.limit = 7,
	};

	return f;
}

static bool matches(const struct lta_store_error *e,
		    const struct lta_store_error_filter *f)
{
	return e->id > f->after_id && e->raised_ns >= f->from_ns &&
	       e->raised_ns < f->to_ns &&
	       (!f->type || strcmp(f->type, e->type) == 0) &&
	       (!f->entity || strcmp(f->entity, e->entity) == 0) &&
	       (!f->name || strcmp(f->name, e->name) == 0) &&
	       (!f->origin || strcmp(f->origin, e->origin) == 0) &&
	       (f->pid < 0 || f->pid == e->pid);
}

/* Checks FILTER's result, paged, against the generator's ids 1..N. */
static void check_filter(struct lta_store *store,
			 struct lta_store_error_filter f, int64_t n, bool late,
			 const char *what)
{
	static struct ids got;
	int64_t want[MAX_IDS];
	int nwant = 0, pages, ret, i;
	bool same;

	for (i = 1; i <= n; i++) {
		struct lta_store_error e = spec_of(i, false);

		if (matches(&e, &f) && nwant < MAX_IDS) {
			want[nwant++] = i;
		}
	}
	ret = query_all(store, f, late, &got, &pages);
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
	ok(got.columns_ok, "%s: every row's columns are the error's", what);
}

static int64_t count_errors(struct lta_store *store, int64_t analysis)
{
	struct lta_store_error_filter f = filter_any(analysis);
	static struct ids got;
	int pages;

	f.limit = 1000;
	if (query_all(store, f, true, &got, &pages)) {
		return -1;
	}
	return got.count;
}

/* The generator's counts for ids 1..N (late ends when LATE). */
static struct lta_store_error_counts want_counts(int64_t n, bool late)
{
	struct lta_store_error_counts c = { 0, 0, 0, 0 };
	int64_t i;

	for (i = 1; i <= n; i++) {
		struct lta_store_error e = spec_of(i, false);

		c.ine += strcmp(e.type, "InE") == 0;
		c.coe += strcmp(e.type, "CoE") == 0;
		c.crash += strcmp(e.type, "crash") == 0;
		c.late_ends += late && has_late_end(i);
	}
	return c;
}

static bool same_counts(const struct lta_store_error_counts *a,
			const struct lta_store_error_counts *b)
{
	return a->ine == b->ine && a->coe == b->coe && a->crash == b->crash &&
	       a->late_ends == b->late_ends;
}

static struct lta_store_analysis make_analysis(const char *status)
{
	struct lta_store_analysis a;

	memset(&a, 0, sizeof(a));
	snprintf(a.kind, sizeof(a.kind), "trace");
	snprintf(a.source, sizeof(a.source), "/traces/t");
	snprintf(a.status, sizeof(a.status), "%s", status);
	a.last_event_ns = -1;
	return a;
}

/* Reads an integer PRAGMA of the database in DIR, outside the store. */
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

/* --- writing, replacing, reading ----------------------------------------- */

struct one {
	struct lta_store_error e;
	char strings[6][256];
	int count;
};

static int one_cb(const struct lta_store_error *e, void *user_data)
{
	struct one *one = user_data;
	const char *in[6] = { e->type, e->kind,	  e->origin,
			      e->host, e->entity, e->name };
	int i;

	one->count++;
	one->e = *e;
	/* The strings are the store's during the call only: keep copies. */
	for (i = 0; i < 6; i++) {
		snprintf(one->strings[i], sizeof(one->strings[i]), "%s", in[i]);
	}
	one->e.type = one->strings[0];
	one->e.kind = one->strings[1];
	one->e.origin = one->strings[2];
	one->e.host = one->strings[3];
	one->e.entity = one->strings[4];
	one->e.name = one->strings[5];
	return 0;
}

static int stop_cb(const struct lta_store_error *e, void *user_data)
{
	int *count = user_data;

	(void)e;
	return ++*count == 2 ? 42 : 0;
}

/* Reads, from a callback, another query on the same thread. */
static int nested_cb(const struct lta_store_error *e, void *user_data)
{
	struct lta_store_error_counts counts;
	struct lta_store *store = user_data;
	struct lta_store_error_filter f = filter_any(e->analysis);
	struct ids inner;
	int ret;

	memset(&inner, 0, sizeof(inner));
	inner.analysis = e->analysis;
	inner.late = true;
	inner.columns_ok = true;
	f.after_id = e->id;
	f.limit = 3;
	ret = lta_store_errors(store, &f, collect, &inner);
	if (ret) {
		return ret;
	}
	ret = lta_store_error_counts(store, e->analysis, &counts);
	if (ret) {
		return ret;
	}
	return inner.count == 3 && inner.id[0] == e->id + 1 &&
			       inner.columns_ok && counts.ine > 0
		       ? 0
		       : 7;
}

/* Ids 1..N, late ends, every filter; then the same after a reopen. */
static void test_errors(void)
{
	const int64_t n = 600;
	struct lta_store_analysis a = make_analysis("reading"),
				  other = make_analysis("reading");
	struct lta_store_error_counts counts, want;
	struct lta_store_error_filter f;
	struct lta_store_writer *w, *wo;
	struct lta_store *store;
	char dir[512], error[1024];
	struct lta_store_error e;
	static struct ids got;
	int pages, ret, stops;
	struct one one;

	store_test_dir(dir, sizeof(dir), "errors");
	store = lta_store_open(dir, error, sizeof(error));
	ok(store != NULL, "open a new store: %s", error);
	if (!store) {
		return;
	}
	is_int(db_pragma(dir, "user_version"), 8,
	       "a new database has schema version 8");
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

	/* Nothing is visible before the commit. */
	is_int(add_range(w, 1, n, false), 0, "add %" PRId64 " errors", n);
	is_int(count_errors(store, a.id), 0,
	       "no error is visible before the commit");
	ret = lta_store_error_counts(store, a.id, &counts);
	ok(ret == 0 && counts.ine + counts.coe + counts.crash == 0,
	   "nor counted");
	is_int(lta_store_writer_commit(w, 60000), 0,
	       "a commit not due yet succeeds");
	is_int(count_errors(store, a.id), 0, "and commits nothing");
	is_int(lta_store_writer_commit(w, 0), 0, "commit");
	is_int(lta_store_writer_committed(w), 0,
	       "errors do not count as committed requests");
	is_int(count_errors(store, a.id), n, "the %" PRId64 " errors are read",
	       n);

	/* The same ids in another analysis, with other values. */
	e = spec_of(1, false);
	e.type = "crash";
	e.entity = "other";
	is_int(lta_store_writer_add_error(wo, &e), 0,
	       "add error 1 to another analysis");
	lta_store_writer_commit(wo, 0);
	f = filter_any(other.id);
	f.limit = 10;
	memset(&one, 0, sizeof(one));
	lta_store_errors(store, &f, one_cb, &one);
	ok(one.count == 1 && one.e.id == 1 && one.e.analysis == other.id &&
		   strcmp(one.e.type, "crash") == 0 &&
		   strcmp(one.e.entity, "other") == 0,
	   "it is that analysis's only error, with its own values");
	is_int(count_errors(store, a.id), n,
	       "the first analysis still has %" PRId64, n);
	lta_store_error_counts(store, other.id, &counts);
	ok(counts.crash == 1 && counts.ine == 0 && counts.coe == 0,
	   "the counts are per analysis");
	e.type = "InE";
	e.late_end_ns = e.raised_ns + 1;
	lta_store_writer_add_error(wo, &e);
	is_int(lta_store_writer_commit(wo, 0), 0,
	       "replace it by an InE with a late end");
	lta_store_error_counts(store, other.id, &counts);
	ok(counts.crash == 0 && counts.ine == 1 && counts.coe == 0 &&
		   counts.late_ends == 1,
	   "its count moves from crash to InE, with a late end");

	/* Late ends replace their rows. */
	want = want_counts(n, false);
	lta_store_error_counts(store, a.id, &counts);
	ok(same_counts(&counts, &want) && counts.late_ends == 0,
	   "counts: %" PRId64 " InE, %" PRId64 " CoE, %" PRId64
	   " crash, no late end",
	   counts.ine, counts.coe, counts.crash);
	is_int(add_range(w, 1, n, true), 0, "add every error again");
	is_int(lta_store_writer_commit(w, 0), 0, "commit the replacements");
	is_int(count_errors(store, a.id), n,
	       "still %" PRId64 " errors: replaced, not added", n);
	want = want_counts(n, true);
	lta_store_error_counts(store, a.id, &counts);
	ok(same_counts(&counts, &want) && want.late_ends > 0,
	   "the counts are the same, with %" PRId64 " late ends",
	   counts.late_ends);
	is_int(lta_store_error_counts(store, 12345, &counts), 0,
	       "counts of an unknown analysis succeed");
	ok(counts.ine == 0 && counts.coe == 0 && counts.crash == 0 &&
		   counts.late_ends == 0,
	   "and are zero");

	/* Every filter, paged, against the generator. */
	f = filter_any(a.id);
	check_filter(store, f, n, true, "no filter");
	f.limit = 1000;
	check_filter(store, f, n, true, "no filter, one page");
	f = filter_any(a.id);
	f.type = "InE";
	check_filter(store, f, n, true, "type InE");
	f.type = "crash";
	check_filter(store, f, n, true, "type crash");
	f.type = "nothing";
	is_int(query_all(store, f, true, &got, &pages), 0, "an unknown type");
	is_int(got.count, 0, "matches nothing");
	f = filter_any(a.id);
	f.entity = "db";
	check_filter(store, f, n, true, "entity");
	f.name = "GET /a";
	check_filter(store, f, n, true, "entity and name");
	f = filter_any(a.id);
	f.name = "query";
	check_filter(store, f, n, true, "name");
	f = filter_any(a.id);
	f.origin = "derived";
	check_filter(store, f, n, true, "origin");
	f = filter_any(a.id);
	f.pid = 203;
	check_filter(store, f, n, true, "pid");
	f = filter_any(a.id);
	f.from_ns = BASE_NS + 100 * 1000;
	check_filter(store, f, n, true, "from");
	f = filter_any(a.id);
	f.to_ns = BASE_NS + 250 * 1000 + 1;
	check_filter(store, f, n, true, "to");
	f.from_ns = BASE_NS + 100 * 1000 - 1;
	check_filter(store, f, n, true, "from and to");
	f.after_id = 170;
	check_filter(store, f, n, true, "from and to, after a cursor");
	f.type = "CoE";
	f.origin = "rbl";
	f.pid = 201;
	check_filter(store, f, n, true, "time range, type, origin and pid");
	f = filter_any(a.id);
	f.from_ns = BASE_NS + (n + 1) * 1000;
	is_int(query_all(store, f, true, &got, &pages), 0,
	       "a time range after the last error");
	is_int(got.count, 0, "matches nothing");
	f = filter_any(a.id);
	f.to_ns = BASE_NS;
	query_all(store, f, true, &got, &pages);
	is_int(got.count, 0, "nor one before the first");
	f = filter_any(a.id);
	f.after_id = 590;
	check_filter(store, f, n, true, "after id 590");
	f.limit = 0;
	got.count = 0;
	is_int(lta_store_errors(store, &f, collect, &got), 0, "limit 0");
	is_int(got.count, 0, "reads nothing");

	/* The callback's answer. */
	f = filter_any(a.id);
	stops = 0;
	is_int(lta_store_errors(store, &f, stop_cb, &stops), 42,
	       "the callback's value is returned");
	is_int(stops, 2, "after it stopped the query");
	f.limit = 5;
	is_int(lta_store_errors(store, &f, nested_cb, store), 0,
	       "a callback can query the store again");

	lta_store_writer_close(w);
	lta_store_writer_close(wo);
	lta_store_close(store);

	/* Everything is there after a reopen. */
	store = lta_store_open(dir, error, sizeof(error));
	ok(store != NULL, "reopen: %s", error);
	if (!store) {
		return;
	}
	is_int(db_pragma(dir, "user_version"), 8, "still schema version 8");
	f = filter_any(a.id);
	f.limit = 50;
	check_filter(store, f, n, true, "after a reopen, no filter");
	f.type = "InE";
	f.from_ns = BASE_NS + 10 * 1000;
	check_filter(store, f, n, true, "after a reopen, type and from");
	lta_store_error_counts(store, a.id, &counts);
	ok(same_counts(&counts, &want), "after a reopen, the same counts");

	/* A writer opened later appends and replaces as well. */
	w = lta_store_writer_open(store, a.id);
	is_int(add_range(w, n + 1, n + 10, false), 0, "append 10 errors");
	lta_store_writer_close(w);
	is_int(count_errors(store, a.id), n + 10,
	       "closing the writer commits them");
	lta_store_close(store);
	store_test_remove_dir(dir);
}

/* --- ids out of raised order -------------------------------------------- */

static int read_errors_ordered(const char *dir, int64_t analysis)
{
	char path[512];
	sqlite3_stmt *stmt = NULL;
	sqlite3 *db = NULL;
	int value = -1;

	snprintf(path, sizeof(path), "%s/lttng-analyzer.db", dir);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) ==
		    SQLITE_OK &&
	    sqlite3_prepare_v2(db,
			       "SELECT errors_ordered FROM analyses "
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

/*
 * Raised times out of id order: the time filter cannot use id ranges and
 * must still give exactly the errors of the range.
 */
static void test_unordered(void)
{
	const int64_t n = 500;
	struct lta_store_analysis a = make_analysis("reading"),
				  b = make_analysis("reading");
	struct lta_store_error_filter f;
	struct lta_store_writer *w;
	struct lta_store *store;
	char dir[512], error[1024];

	store_test_dir(dir, sizeof(dir), "unordered");
	store = lta_store_open(dir, error, sizeof(error));
	ok(store != NULL, "open: %s", error);
	if (!store) {
		return;
	}
	lta_store_analysis_insert(store, &a);
	lta_store_analysis_insert(store, &b);
	is_int(read_errors_ordered(dir, a.id), 1,
	       "a new analysis has its errors in raised order");

	/* In raised order: the flag stays. */
	w = lta_store_writer_open(store, a.id);
	add_range(w, 1, 50, false);
	lta_store_writer_close(w);
	is_int(read_errors_ordered(dir, a.id), 1,
	       "errors raised in id order keep it");

	shuffled_raised = true;
	w = lta_store_writer_open(store, b.id);
	add_range(w, 1, n, false);
	lta_store_writer_close(w);
	is_int(read_errors_ordered(dir, b.id), 0,
	       "errors out of raised order clear it");
	is_int(read_errors_ordered(dir, a.id), 1,
	       "for their own analysis only");
	f = filter_any(b.id);
	f.from_ns = BASE_NS + 100 * 1000;
	f.to_ns = BASE_NS + 200 * 1000;
	check_filter(store, f, n, false, "unordered: from and to");
	f.type = "CoE";
	check_filter(store, f, n, false, "unordered: time range and type");
	f = filter_any(b.id);
	f.to_ns = BASE_NS + 30 * 1000;
	f.after_id = 100;
	check_filter(store, f, n, false, "unordered: to, after a cursor");
	shuffled_raised = false;
	lta_store_close(store);
	store_test_remove_dir(dir);
}

/* --- strings ---------------------------------------------------------------
 */

static void test_strings(void)
{
	struct lta_store_analysis a = make_analysis("reading");
	struct lta_store_error e, null_strings;
	struct lta_store_error_filter f;
	struct lta_store_writer *w;
	struct lta_store *store;
	char dir[512], error[1024], entity[64], name[64];
	struct one one;

	store_test_dir(dir, sizeof(dir), "strings");
	store = lta_store_open(dir, error, sizeof(error));
	ok(store != NULL, "open: %s", error);
	if (!store) {
		return;
	}
	lta_store_analysis_insert(store, &a);
	w = lta_store_writer_open(store, a.id);

	/* The caller's strings are borrowed: changed after the call. */
	snprintf(entity, sizeof(entity), "svc 'o''q' \"dq\" \\ %%s");
	snprintf(name, sizeof(name),
		 "na\xc3\xafve \xe6\x97\xa5\xe6\x9c\xac; "
		 "DROP TABLE errors; --");
	e = spec_of(1, false);
	e.entity = entity;
	e.name = name;
	e.host = "h\xc3\xb4te-\xf0\x9f\x90\xa7";
	e.key = UINT64_MAX;
	e.pid = INT32_MAX;
	e.tid = INT32_MIN;
	e.open_count = UINT32_MAX;
	e.start_ns = INT64_MIN;
	e.raised_ns = INT64_MAX;
	is_int(lta_store_writer_add_error(w, &e), 0, "add an odd error");
	memset(entity, 'x', sizeof(entity) - 1);
	memset(name, 'y', sizeof(name) - 1);
	null_strings = spec_of(2, false);
	null_strings.type = NULL;
	null_strings.kind = NULL;
	null_strings.origin = NULL;
	null_strings.host = NULL;
	null_strings.entity = NULL;
	null_strings.name = NULL;
	null_strings.raised_ns = INT64_MAX;
	is_int(lta_store_writer_add_error(w, &null_strings), 0,
	       "add an error with NULL strings");
	is_int(lta_store_writer_commit(w, 0), 0, "commit");

	f = filter_any(a.id);
	f.entity = "svc 'o''q' \"dq\" \\ %s";
	f.name = "na\xc3\xafve \xe6\x97\xa5\xe6\x9c\xac; DROP TABLE errors; --";
	memset(&one, 0, sizeof(one));
	is_int(lta_store_errors(store, &f, one_cb, &one), 0,
	       "filter on the odd entity and name");
	is_int(one.count, 1, "finds the error");
	e.entity = "svc 'o''q' \"dq\" \\ %s";
	e.name = f.name;
	ok(same_error(&one.e, &e) && one.e.analysis == a.id,
	   "every column survives: entity=%s, name=%s, host=%s", one.e.entity,
	   one.e.name, one.e.host);
	ok(one.e.key == UINT64_MAX && one.e.open_count == UINT32_MAX &&
		   one.e.tid == INT32_MIN,
	   "the widest integers survive");

	f = filter_any(a.id);
	f.after_id = 1;
	memset(&one, 0, sizeof(one));
	lta_store_errors(store, &f, one_cb, &one);
	ok(one.count == 1 && one.e.id == 2 && one.e.type[0] == '\0' &&
		   one.e.entity[0] == '\0' && one.e.host[0] == '\0',
	   "NULL strings are read as \"\"");
	f = filter_any(a.id);
	f.entity = "";
	memset(&one, 0, sizeof(one));
	lta_store_errors(store, &f, one_cb, &one);
	ok(one.count == 1 && one.e.id == 2, "and filtered as \"\"");
	lta_store_writer_close(w);
	lta_store_close(store);
	store_test_remove_dir(dir);
}

/* --- with requests, and a full disk ----------------------------------------
 */

static int add_request(struct lta_store_writer *w, int64_t id)
{
	struct lta_request r;

	memset(&r, 0, sizeof(r));
	r.id = (uint64_t)id;
	r.pid = 100;
	snprintf(r.procname, sizeof(r.procname), "nginx");
	r.family = -1;
	r.port = -1;
	r.start = BASE_NS + id;
	r.end = r.start + 10;
	r.shutdown_ts = -1;
	r.close_ts = r.end;
	r.end_reason = LTA_REQUEST_END_CLOSE;
	return lta_store_writer_add(w, &r, "web1");
}

static int count_requests_cb(const struct lta_store_request *r, void *user_data)
{
	(void)r;
	++*(int64_t *)user_data;
	return 0;
}

static int64_t count_requests(struct lta_store *store, int64_t analysis)
{
	struct lta_store_filter f = {
		.analysis = analysis,
		.from_ns = INT64_MIN,
		.to_ns = INT64_MAX,
		.min_duration_ns = -1,
		.limit = 100000,
	};
	int64_t count = 0;

	if (lta_store_requests(store, &f, count_requests_cb, &count)) {
		return -1;
	}
	return count;
}

static void test_with_requests_and_full_disk(void)
{
	struct lta_store_analysis a = make_analysis("reading");
	struct lta_store_writer *w;
	struct lta_store *store;
	char dir[512], error[1024];
	sqlite3_stmt *stmt = NULL;
	int64_t pages = 0, i;
	int ret;

	store_test_dir(dir, sizeof(dir), "full");
	store = lta_store_open(dir, error, sizeof(error));
	ok(store != NULL, "open: %s", error);
	if (!store) {
		return;
	}
	lta_store_analysis_insert(store, &a);
	w = lta_store_writer_open(store, a.id);

	/* Requests and errors share the batch and its transaction. */
	for (i = 1; i <= 20; i++) {
		add_request(w, i);
	}
	add_range(w, 1, 30, false);
	ok(count_requests(store, a.id) == 0 && count_errors(store, a.id) == 0,
	   "neither requests nor errors are visible before the commit");
	is_int(lta_store_writer_commit(w, 0), 0, "commit both");
	is_int(lta_store_writer_committed(w), 20,
	       "the writer counts the 20 requests only");
	ok(count_requests(store, a.id) == 20 && count_errors(store, a.id) == 30,
	   "20 requests and 30 errors are read");

	/* An errors-only batch is committed too, and by age. */
	add_range(w, 31, 40, false);
	is_int(lta_store_writer_commit(w, 60000), 0,
	       "an errors-only batch not due yet");
	is_int(count_errors(store, a.id), 30, "is not committed");
	is_int(lta_store_writer_commit(w, 1), 0, "one due");
	for (i = 0; i < 200 && count_errors(store, a.id) == 30; i++) {
		/* Due after 1 ms: poll, with a bounded number of tries. */
		struct timespec ms = { 0, 1000000 };

		nanosleep(&ms, NULL);
		lta_store_writer_commit(w, 1);
	}
	is_int(count_errors(store, a.id), 40, "is committed");

	/* The file may not grow: SQLite reports SQLITE_FULL, as on ENOSPC. */
	sqlite3_prepare_v2(lta_store_writer_borrow_db(w), "PRAGMA page_count",
			   -1, &stmt, NULL);
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		pages = sqlite3_column_int64(stmt, 0);
	}
	sqlite3_finalize(stmt);
	snprintf(error, sizeof(error), "PRAGMA max_page_count=%" PRId64, pages);
	sqlite3_exec(lta_store_writer_borrow_db(w), error, NULL, NULL, NULL);
	add_request(w, 21);
	add_range(w, 41, 3000, false);
	ret = lta_store_writer_commit(w, 0);
	is_int(ret, -ENOSPC, "a commit on a full disk gives -ENOSPC");
	ok(count_errors(store, a.id) == 40 && count_requests(store, a.id) == 20,
	   "nothing of the batch is stored: the 40 errors and 20 requests "
	   "stay as they were");
	is_int(lta_store_writer_committed(w), 20, "the writer counts 20");
	is_int((int64_t)lta_store_writer_pending(w), 2961,
	       "the batch (1 request, 2960 errors) is kept, pending");

	sqlite3_exec(lta_store_writer_borrow_db(w),
		     "PRAGMA max_page_count=1000000000", NULL, NULL, NULL);
	add_range(w, 3001, 3005, false);
	is_int(lta_store_writer_commit(w, 0), 0, "the next commit succeeds");
	is_int(count_errors(store, a.id), 3005,
	       "3005 errors now: the kept batch was stored too");
	is_int(count_requests(store, a.id), 21, "and its request");
	lta_store_writer_close(w);
	lta_store_close(store);
	store_test_remove_dir(dir);
}

/* A batch past its row bound is committed by the add. */
static void test_batch_bound(void)
{
	const int64_t n = 70000;
	struct lta_store_analysis a = make_analysis("reading");
	struct lta_store_error_counts counts;
	struct lta_store_error_filter f;
	struct lta_store_writer *w;
	struct lta_store *store;
	char dir[512], error[1024];
	int64_t start, i;
	struct ids *page;
	int ret = 0;

	store_test_dir(dir, sizeof(dir), "bound");
	store = lta_store_open(dir, error, sizeof(error));
	ok(store != NULL, "open: %s", error);
	if (!store) {
		return;
	}
	lta_store_analysis_insert(store, &a);
	w = lta_store_writer_open(store, a.id);
	start = store_test_now_ns();
	for (i = 1; i <= n && ret == 0; i++) {
		struct lta_store_error e = spec_of(i, false);

		ret = lta_store_writer_add_error(w, &e);
	}
	is_int(ret, 0, "add %" PRId64 " errors without a commit", n);
	lta_store_error_counts(store, a.id, &counts);
	is_int(counts.ine + counts.coe + counts.crash, 65536,
	       "the first 65536 were committed by the add");
	lta_store_writer_close(w);
	diag("wrote %" PRId64 " errors in %.3f s", n,
	     (double)(store_test_now_ns() - start) / 1e9);
	lta_store_error_counts(store, a.id, &counts);
	is_int(counts.ine + counts.coe + counts.crash, n,
	       "closing the writer commits the rest");

	/* Pages deep in a big analysis (diagnostics: no timing checks). */
	page = calloc(1, sizeof(*page));
	f = filter_any(a.id);
	f.limit = 100;
	f.after_id = n - 1000;
	f.type = "crash";
	start = store_test_now_ns();
	page->analysis = a.id;
	page->columns_ok = true;
	lta_store_errors(store, &f, collect, page);
	ok(page->count == 100 && page->id[0] == n - 990 && page->columns_ok,
	   "a page of crashes after id %" PRId64, f.after_id);
	diag("type page: %.1f us", (double)(store_test_now_ns() - start) / 1e3);
	f = filter_any(a.id);
	f.limit = 100;
	f.from_ns = BASE_NS + (n - 500) * 1000;
	f.to_ns = BASE_NS + (n - 400) * 1000;
	page->count = 0;
	start = store_test_now_ns();
	lta_store_errors(store, &f, collect, page);
	ok(page->count == 100 && page->id[0] == n - 500 && page->columns_ok,
	   "a page of a time range near the end");
	diag("time range page: %.1f us",
	     (double)(store_test_now_ns() - start) / 1e3);
	start = store_test_now_ns();
	lta_store_error_counts(store, a.id, &counts);
	diag("counts: %.1f us", (double)(store_test_now_ns() - start) / 1e3);
	free(page);
	lta_store_close(store);
	store_test_remove_dir(dir);
}

/* --- migration from schema version 1 -------------------------------------- */

/* Schema version 1, as lttng-analyzerd 0.1 created it. */
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
	" ON requests (analysis, duration_ns, id);"
	"INSERT INTO analyses (kind, source, status, created_ns, updated_ns,"
	" requests) VALUES ('trace', '/old/trace', 'ended', 1, 2, 2);"
	"INSERT INTO requests VALUES (1, 1, 42, 'httpd', '10.0.0.1', 8080,"
	" 1000, 3000, 2000, 'close', 0, '{\"id\":1}');"
	"INSERT INTO requests VALUES (1, 2, 42, 'httpd', '', -1,"
	" 4000, -1, -1, 'open', 1, '{\"id\":2}');"
	"PRAGMA user_version=1;";

static int old_request_cb(const struct lta_store_request *r, void *user_data)
{
	bool *same = user_data;

	*same = r->pid == 42 && strcmp(r->procname, "httpd") == 0 &&
		strcmp(r->peer, "10.0.0.1") == 0 && r->port == 8080 &&
		r->start_ns == 1000 && r->duration_ns == 2000 &&
		strcmp(r->json, "{\"id\":1}") == 0;
	return 0;
}

static void test_migration(void)
{
	struct lta_store_analysis old, got;
	struct lta_store_error_counts counts;
	struct lta_store_error_filter f;
	struct lta_store_writer *w;
	struct lta_store *store;
	char dir[512], path[600], error[1024], sql[96];
	sqlite3 *db = NULL;
	bool same = false;
	int rc;

	store_test_dir(dir, sizeof(dir), "v1");
	mkdir(dir, 0750);
	snprintf(path, sizeof(path), "%s/lttng-analyzer.db", dir);
	rc = sqlite3_open(path, &db);
	if (rc == SQLITE_OK) {
		rc = sqlite3_exec(db, "PRAGMA journal_mode=WAL", NULL, NULL,
				  NULL);
	}
	if (rc == SQLITE_OK) {
		rc = sqlite3_exec(db, schema_v1, NULL, NULL, NULL);
	}
	if (rc == SQLITE_OK) {
		snprintf(sql, sizeof(sql), "PRAGMA application_id=%d",
			 STORE_APPLICATION_ID);
		rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	}
	is_int(rc, SQLITE_OK, "create a version 1 database: %s",
	       sqlite3_errmsg(db));
	sqlite3_close(db);
	is_int(db_pragma(dir, "user_version"), 1, "its version is 1");

	store = lta_store_open(dir, error, sizeof(error));
	ok(store != NULL, "the store opens it: %s", error);
	if (!store) {
		store_test_remove_dir(dir);
		return;
	}
	is_int(lta_store_analysis_get(store, 1, &old), 0,
	       "the old analysis is there");
	ok(strcmp(old.status, "ended") == 0 &&
		   strcmp(old.source, "/old/trace") == 0 && old.requests == 2,
	   "with its columns");
	is_int(lta_store_request_get(store, 1, 1, old_request_cb, &same), 0,
	       "the old request 1 is there");
	ok(same, "with its columns and record");
	is_int(lta_store_request_get(store, 1, 2, old_request_cb, &same), 0,
	       "and request 2");
	lta_store_error_counts(store, 1, &counts);
	ok(counts.ine == 0 && counts.coe == 0 && counts.crash == 0,
	   "the old analysis has no errors");

	/* Errors of the old analysis, and of a new one. */
	w = lta_store_writer_open(store, 1);
	ok(w != NULL, "open a writer on the old analysis");
	if (w) {
		add_range(w, 1, 40, false);
		add_range(w, 1, 40, true);
		is_int(lta_store_writer_commit(w, 0), 0, "commit 40 errors");
		lta_store_writer_close(w);
	}
	f = filter_any(1);
	check_filter(store, f, 40, true, "migrated: no filter");
	f.type = "InE";
	f.from_ns = BASE_NS + 5 * 1000;
	f.to_ns = BASE_NS + 35 * 1000;
	check_filter(store, f, 40, true, "migrated: type and time range");
	got = make_analysis("reading");
	lta_store_analysis_insert(store, &got);
	is_int(got.id, 2, "a new analysis gets id 2");
	lta_store_close(store);
	is_int(db_pragma(dir, "user_version"), 8,
	       "the database is at version 8");
	is_int(db_pragma(dir, "application_id"), STORE_APPLICATION_ID,
	       "and keeps its application id");
	is_int(read_errors_ordered(dir, 1), 1,
	       "the old analysis has its errors in raised order");

	store = lta_store_open(dir, error, sizeof(error));
	ok(store != NULL, "it opens again: %s", error);
	if (store) {
		f = filter_any(1);
		check_filter(store, f, 40, true, "migrated, reopened");
		same = false;
		lta_store_request_get(store, 1, 1, old_request_cb, &same);
		ok(same, "and the old request is still there");
		lta_store_close(store);
	}
	store_test_remove_dir(dir);
}

/* --- migration from schema version 4 -------------------------------------- */

struct downstream_check {
	int rows, without, wrong;
};

static int downstream_cb(const struct lta_store_error *e, void *user_data)
{
	struct downstream_check *c = user_data;
	struct lta_store_error want = spec_of(e->id, false);

	c->rows++;
	c->without += !e->has_downstream && e->downstream_request == 0;
	/* The other columns as written. */
	want.has_downstream = false;
	want.downstream_request = 0;
	c->wrong += !same_error(e, &want);
	return 0;
}

static void test_migration_v4(void)
{
	struct lta_store_analysis a = make_analysis("reading");
	struct lta_store_error_filter f;
	struct downstream_check c = { 0 };
	struct lta_store_writer *w;
	struct lta_store *store;
	char dir[512], error[1024], path[600];
	sqlite3 *db = NULL;
	int rc;

	diag("migration from schema version 4: errors stored before have no "
	     "downstream request");
	store_test_dir(dir, sizeof(dir), "errors-v4");
	store = lta_store_open(dir, error, sizeof(error));
	ok(store != NULL, "open a new store: %s", error);
	if (!store) {
		return;
	}
	lta_store_analysis_insert(store, &a);
	w = lta_store_writer_open(store, a.id);
	ok(w != NULL && add_range(w, 1, 48, false) == 0 &&
		   lta_store_writer_commit(w, 0) == 0,
	   "48 errors written, some with their downstream request");
	lta_store_writer_close(w);
	lta_store_close(store);
	/* What version 4 was: the same without the column. */
	snprintf(path, sizeof(path), "%s/lttng-analyzer.db", dir);
	rc = sqlite3_open(path, &db);
	if (rc == SQLITE_OK) {
		rc = sqlite3_exec(db,
				  "DROP TABLE publish_cursors;"
				  "DROP TRIGGER events_window;"
				  "DROP TABLE windows;"
				  "DROP TABLE queries;"
				  "DROP TRIGGER events_request;"
				  "DROP TRIGGER events_error;"
				  "DROP TRIGGER events_late_end;"
				  "DROP TRIGGER events_status_insert;"
				  "DROP TRIGGER events_status;"
				  "DROP TABLE events;"
				  "DROP INDEX requests_by_component;"
				  "ALTER TABLE requests DROP COLUMN component;"
				  "ALTER TABLE errors DROP COLUMN "
				  "downstream_request; PRAGMA user_version=4;",
				  NULL, NULL, NULL);
	}
	is_int(rc, SQLITE_OK, "made a version 4 database of it: %s",
	       db ? sqlite3_errmsg(db) : "");
	sqlite3_close(db);
	is_int(db_pragma(dir, "user_version"), 4, "its version is 4");
	store = lta_store_open(dir, error, sizeof(error));
	ok(store != NULL, "the store opens it: %s", error);
	if (!store) {
		store_test_remove_dir(dir);
		return;
	}
	is_int(db_pragma(dir, "user_version"), 8, "migrated to version 8");
	f = filter_any(a.id);
	f.limit = 100;
	is_int(lta_store_errors(store, &f, downstream_cb, &c), 0,
	       "read its errors");
	is_int(c.rows, 48, "all 48");
	is_int(c.without, 48, "none has a downstream request (-1 stored)");
	is_int(c.wrong, 0, "their other columns unchanged");
	w = lta_store_writer_open(store, a.id);
	ok(w != NULL && add_range(w, 49, 72, false) == 0 &&
		   lta_store_writer_commit(w, 0) == 0,
	   "24 errors written after the migration");
	lta_store_writer_close(w);
	f.after_id = 48;
	check_filter(store, f, 72, false,
		     "after the migration: written and read back whole");
	lta_store_close(store);
	store_test_remove_dir(dir);
}

int main(void)
{
	plan_no_plan();
	store_test_init("test-store-errors");
	test_errors();
	test_unordered();
	test_strings();
	test_with_requests_and_full_disk();
	test_batch_bound();
	test_migration();
	test_migration_v4();
	store_test_fini();
	return exit_status();
}
