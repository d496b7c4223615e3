/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The fleet's pieces that need no NATS server: lease keys and subject
 * tokens (lib/publish/), and the store as the publisher's outbox (schema
 * version 8: the event log read with a window's histogram, stored_ms, the
 * pending count, the cursors).
 */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "publish/publish.h"
#include "store-test.h"
#include "store/store.h"
#include "tap.h"

static void test_keys(void)
{
	char key[256], token[64];

	is_int(lta_fleet_lease_key("net://127.0.0.1:5344/host/web1/bench", key,
				   sizeof(key)),
	       0, "a live URL has a lease key");
	is_str(key, "127_0_0_1_5344.web1.bench",
	       "relay and port, host, session, dots and colons replaced");
	is_int(lta_fleet_lease_key("net://relay/host/a.b/s p*", key,
				   sizeof(key)),
	       0, "odd names");
	is_str(key, "relay.a_b.s_p_", "every character a key cannot hold is _");
	ok(lta_fleet_lease_key("/srv/traces", key, sizeof(key)) == -EINVAL,
	   "a folder has no lease key");
	ok(lta_fleet_lease_key("net://relay/session/x", key, sizeof(key)) ==
		   -EINVAL,
	   "nor a URL without /host/HOST/SESSION");
	ok(lta_fleet_lease_key("net://relay/host/h/", key, sizeof(key)) ==
		   -EINVAL,
	   "nor one without a session");
	lta_publish_token("web1.example.org", token, sizeof(token));
	is_str(token, "web1_example_org", "a subject token has no dots");
	lta_publish_token("a*b>c d", token, sizeof(token));
	is_str(token, "a_b_c_d", "nor wildcards or blanks");
	lta_publish_token("", token, sizeof(token));
	is_str(token, "_", "an empty name is _");
}

struct seen {
	int count, windows, with_histogram, stored;
	int64_t last;
};

static int on_event(const struct lta_store_outbox_event *e, void *user_data)
{
	struct seen *s = user_data;

	s->count++;
	s->last = e->seq;
	if (strcmp(e->kind, "window") == 0) {
		s->windows++;
		if (e->extra && strncmp(e->extra, "s1 2 ", 5) == 0) {
			s->with_histogram++;
		}
	}
	if (e->stored_ms > 1600000000000LL) {
		s->stored++;
	}
	return 0;
}

static void test_outbox(void)
{
	struct lta_store_analysis a = { 0 };
	struct lta_store *store;
	struct seen s = { 0 };
	char dir[512], path[600], error[512];
	int64_t count = -1, newest = -1, seq = -1, first;
	sqlite3 *db = NULL;
	int rc;

	store_test_dir(dir, sizeof(dir), "outbox");
	store = lta_store_open(dir, error, sizeof(error));
	ok(store != NULL, "open a store: %s", error);
	if (!store) {
		return;
	}
	snprintf(a.kind, sizeof(a.kind), "live");
	snprintf(a.source, sizeof(a.source), "net://r/host/h/s");
	snprintf(a.status, sizeof(a.status), "connecting");
	a.last_event_ns = -1;
	is_int(lta_store_analysis_insert(store, &a), 0, "insert an analysis");
	/* Two windows, as a worker stores them (the trigger logs them). */
	snprintf(path, sizeof(path), "%s/lttng-analyzer.db", dir);
	rc = sqlite3_open(path, &db);
	if (rc == SQLITE_OK) {
		rc = sqlite3_exec(
			db,
			"INSERT INTO windows (analysis, query, start_ns, "
			"end_ns,"
			" grp, data, histogram) VALUES"
			" (1, 1, 0, 1000000000, 'a', '{\"count\":2}',"
			"  's1 2 5 6 11 5:1 6:1'),"
			" (1, 1, 1000000000, 2000000000, 'a', '{\"count\":2}',"
			"  's1 2 7 8 15 7:1 8:1')",
			NULL, NULL, NULL);
	}
	is_int(rc, SQLITE_OK, "store two windows: %s",
	       db ? sqlite3_errmsg(db) : "");
	sqlite3_close(db);
	is_int(lta_store_outbox_read(store, a.id, 0, 100, false, on_event, &s),
	       0, "read the outbox");
	is_int(s.count, 3, "the status event and the two windows");
	is_int(s.windows, 2, "two window events");
	is_int(s.with_histogram, 2, "each with its histogram");
	is_int(s.stored, 3, "each with the wall clock of its commit");
	is_int(lta_store_outbox_pending(store, a.id, 0, &count, &newest), 0,
	       "count the outbox");
	is_int(count, 3, "3 to publish from the start");
	is_int(newest, s.last, "the newest is the last read");
	first = s.last - 2;
	is_int(lta_store_publish_cursor_get(store, a.id, "LTA", &seq), 0,
	       "read a cursor never written");
	is_int(seq, 0, "it is 0");
	is_int(lta_store_publish_cursor_set(store, a.id, "LTA", first), 0,
	       "write the cursor after the first event");
	is_int(lta_store_publish_cursor_set(store, a.id, "LTA", first + 1), 0,
	       "and move it");
	is_int(lta_store_publish_cursor_get(store, a.id, "LTA", &seq), 0,
	       "read it back");
	is_int(seq, first + 1, "it moved");
	lta_store_outbox_pending(store, a.id, seq, &count, &newest);
	is_int(count, 1, "1 left to publish");
	memset(&s, 0, sizeof(s));
	lta_store_outbox_read(store, a.id, seq, 100, false, on_event, &s);
	is_int(s.count, 1, "the outbox after the cursor has it only");
	is_int(lta_store_analysis_delete(store, a.id), 0,
	       "delete the analysis");
	is_int(lta_store_publish_cursor_get(store, a.id, "LTA", &seq), 0,
	       "read its cursor");
	is_int(seq, 0, "gone with it");
	lta_store_close(store);
	store_test_remove_dir(dir);
}

int main(void)
{
	plan_no_plan();
	store_test_init("test-publish");
	test_keys();
	test_outbox();
	store_test_fini();
	return exit_status();
}
