/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The agent with hand-built sequences: warm-up, a timeout firing exactly
 * once, InE before CoE, crash, late end, many keys at once, memory
 * bounded when ends never come, starts moved to another estimate
 * (re-keyed: the kind of a request known once it runs), and the
 * tail-aware timeout on a heavy-tailed stream.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#if defined(__SANITIZE_ADDRESS__)
/* AddressSanitizer's count (sanitizer/allocator_interface.h, not shipped). */
size_t __sanitizer_get_current_allocated_bytes(void);
#else
#include <malloc.h>
#endif

#include "agent/agent.h"
#include "agent/timing.h"
#include "segment/segment.h"
#include "tap.h"

#define MS 1000000LL
#define S 1000000000LL
#define MAX_SEEN 2048

static struct lta_agent_error seen[MAX_SEEN];
static bool seen_late[MAX_SEEN];
static int nseen;

static int on_error(const struct lta_agent_error *e, bool late, void *u)
{
	if (nseen < MAX_SEEN) {
		seen_late[nseen] = late;
		seen[nseen++] = *e;
	}
	return 0;
}

static int64_t timeout_found;

static int find_timeout(const struct lta_agent_estimate *e, void *u)
{
	if (strcmp(e->name, u) == 0) {
		timeout_found = e->timeout_ns;
	}
	return 0;
}

static int64_t timeout_of(struct lta_agent *a, const char *name)
{
	timeout_found = -1;
	lta_agent_estimates(a, find_timeout, (void *)name);
	return timeout_found;
}

static struct lta_agent *fresh(const struct lta_agent_options *o)
{
	nseen = 0;
	return lta_agent_create(o, on_error, NULL);
}

/* N normal executions of (entity "srv", NAME) lasting D, from T. */
static int64_t train(struct lta_agent *a, enum lta_agent_kind kind,
		     const char *name, int n, int64_t d, int64_t t)
{
	int i;

	for (i = 0; i < n; i++) {
		lta_agent_start(a, kind, 0, 10, 10, "srv", name, 1, t);
		lta_agent_end(a, kind, 0, 10, "srv", name, 1, t + d);
		t += d + MS;
		lta_agent_advance(a, t);
	}
	return t;
}

static void test_warmup_and_once(void)
{
	struct lta_agent_options o = { .warmup = 10,
				       .floor_ns = 50 * MS,
				       .ceiling_ns = 30 * S };
	struct lta_agent *a = fresh(&o);
	int64_t t, to;

	diag("warm-up, then a timeout that fires exactly once");
	t = train(a, LTA_AGENT_SERVICE, "GET", 5, 10 * MS, 0);
	is_int(timeout_of(a, "GET"), 15 * S,
	       "during warm-up the timeout is ceiling/2 (15 s)");
	t = train(a, LTA_AGENT_SERVICE, "GET", 20, 10 * MS, t);
	to = timeout_of(a, "GET");
	is_int(to, 50 * MS,
	       "after warm-up: mean 10 ms + 4 dev, floored at 50 ms");
	is_int(nseen, 0, "normal executions raise nothing");
	lta_agent_start(a, LTA_AGENT_SERVICE, 0, 10, 10, "srv", "GET", 1, t);
	lta_agent_advance(a, t + to - 1);
	is_int(nseen, 0, "one ns before the deadline: nothing");
	lta_agent_advance(a, t + to);
	ok(nseen == 1 && seen[0].type == LTA_AGENT_COE && !seen_late[0] &&
		   seen[0].start_ts == t && seen[0].raised_ts == t + to &&
		   seen[0].timeout_ns == to,
	   "at the deadline: one CoE, with its start, time and timeout");
	lta_agent_advance(a, t + 10 * S);
	lta_agent_advance(a, t + 20 * S);
	is_int(nseen, 1, "and never again");
	lta_agent_end(a, LTA_AGENT_SERVICE, 0, 10, "srv", "GET", 1, t + 21 * S);
	ok(nseen == 2 && seen_late[1] && seen[1].id == seen[0].id &&
		   seen[1].late_end_ts == t + 21 * S,
	   "the late end is recorded against the same error");
	is_int(lta_agent_counters(a)->late_ends, 1, "counted as a late end");
	lta_agent_destroy(a);
}

static void test_ine_before_coe(void)
{
	struct lta_agent_options o = { .warmup = 1,
				       .floor_ns = 1 * MS,
				       .ceiling_ns = 10 * S };
	struct lta_agent *a = fresh(&o);
	int64_t t;

	diag("InE vs CoE: a hung interaction is the error, not its service");
	/*
	 * Service normally 20 ms, its database call 10 ms, a slower call
	 * 700 ms (known, so not in its warm-up).
	 */
	t = train(a, LTA_AGENT_SERVICE, "GET", 30, 20 * MS, 0);
	t = train(a, LTA_AGENT_INTERACTION, "db", 30, 10 * MS, t);
	t = train(a, LTA_AGENT_INTERACTION, "slow-db", 30, 700 * MS, t);
	lta_agent_start(a, LTA_AGENT_SERVICE, 0, 10, 10, "srv", "GET", 1, t);
	lta_agent_start(a, LTA_AGENT_INTERACTION, 0, 10, 10, "srv", "db", 1,
			t + MS);
	lta_agent_advance(a, t + 5 * S);
	ok(nseen == 1 && seen[0].type == LTA_AGENT_INE &&
		   strcmp(seen[0].name, "db") == 0,
	   "the hung database call raises an InE");
	lta_agent_advance(a, t + 9 * S);
	is_int(nseen, 1, "and no CoE for the service around it");

	/* The service deadline passes while the interaction is still fine. */
	nseen = 0;
	t += 10 * S;
	lta_agent_start(a, LTA_AGENT_SERVICE, 0, 10, 10, "srv", "GET", 2, t);
	lta_agent_start(a, LTA_AGENT_INTERACTION, 0, 10, 10, "srv", "slow-db",
			2, t);
	lta_agent_advance(a, t + 500 * MS);
	is_int(nseen, 0, "service past its deadline waits for its interaction");
	lta_agent_end(a, LTA_AGENT_INTERACTION, 0, 10, "srv", "slow-db", 2,
		      t + 600 * MS);
	lta_agent_advance(a, t + 601 * MS);
	ok(nseen == 1 && seen[0].type == LTA_AGENT_COE,
	   "the interaction ended, the service did not: CoE right away");

	/* A service hung in its own computation. */
	nseen = 0;
	t += 20 * S;
	lta_agent_start(a, LTA_AGENT_SERVICE, 0, 10, 10, "srv", "GET", 3, t);
	lta_agent_advance(a, t + 5 * S);
	ok(nseen == 1 && seen[0].type == LTA_AGENT_COE, "plain hang: CoE");
	lta_agent_destroy(a);
}

static void test_crash(void)
{
	struct lta_agent *a = fresh(NULL);

	diag("crash: the process exits with starts open");
	lta_agent_start(a, LTA_AGENT_SERVICE, 0, 20, 21, "srv", "GET", 1, 100);
	lta_agent_start(a, LTA_AGENT_INTERACTION, 0, 20, 21, "srv", "db", 1,
			200);
	lta_agent_start(a, LTA_AGENT_SERVICE, 0, 30, 31, "srv", "GET", 1, 300);
	lta_agent_process_exit(a, 0, 20, 1000);
	ok(nseen == 1 && seen[0].type == LTA_AGENT_CRASH && seen[0].pid == 20 &&
		   seen[0].open_count == 2 && seen[0].start_ts == 100 &&
		   seen[0].raised_ts == 1000,
	   "one crash error for pid 20, two starts open, oldest at 100");
	lta_agent_advance(a, 1000 + 60 * S);
	ok(nseen == 2 && seen[1].pid == 30 && seen[1].type == LTA_AGENT_COE,
	   "no InE/CoE for the crashed process later; pid 30's CoE only");
	lta_agent_process_exit(a, 0, 40, 2000);
	is_int(nseen, 2, "a process with nothing open: no crash");
	lta_agent_destroy(a);
}

static void test_many_and_bounded(void)
{
	struct lta_agent_options o = { .max_open = 100,
				       .max_errors = 50,
				       .ceiling_ns = 1 * S,
				       .floor_ns = MS };
	struct lta_agent *a = fresh(NULL);
	uint64_t k;

	diag("many keys at once; memory bounded when ends never come");
	for (k = 0; k < 20000; k++) {
		lta_agent_start(a, LTA_AGENT_SERVICE, 0, 50, (int32_t)(k % 64),
				"srv", "GET", k, (int64_t)k);
	}
	is_int(lta_agent_counters(a)->open, 20000, "20,000 open at once");
	for (k = 0; k < 20000; k++) {
		lta_agent_end(a, LTA_AGENT_SERVICE, 0, 50, "srv", "GET", k,
			      (int64_t)k + 5 * MS);
	}
	ok(lta_agent_counters(a)->open == 0 && nseen == 0 &&
		   lta_agent_counters(a)->unmatched_ends == 0,
	   "each end found its start, nothing raised");
	lta_agent_destroy(a);

	a = fresh(&o);
	for (k = 0; k < 1000; k++) {
		lta_agent_start(a, LTA_AGENT_SERVICE, 0, 60, 60, "srv", "GET",
				k, (int64_t)k);
	}
	ok(lta_agent_counters(a)->open == 100,
	   "never more than max_open (100) open");
	is_int(lta_agent_counters(a)->expired, 900,
	       "the 900 oldest expired into errors");
	ok(nseen == 900 && seen[0].expired && seen[0].key == 0,
	   "each raised, oldest first, marked expired");
	lta_agent_end(a, LTA_AGENT_SERVICE, 0, 60, "srv", "GET", 0, 2000);
	is_int(lta_agent_counters(a)->unmatched_ends, 1,
	       "errors kept for late ends are bounded too (key 0 dropped)");
	lta_agent_end(a, LTA_AGENT_SERVICE, 0, 60, "srv", "GET", 899, 2000);
	is_int(lta_agent_counters(a)->late_ends, 1,
	       "a recent one still gets its late end");
	lta_agent_advance(a, 100 * S);
	lta_agent_end(a, LTA_AGENT_SERVICE, 0, 60, "srv", "GET", 898,
		      100 * S + 1);
	is_int(lta_agent_counters(a)->late_ends, 1,
	       "past the late window, errors are let go");
	lta_agent_destroy(a);
	lta_agent_destroy(NULL);
}

static void test_replace_and_unmatched(void)
{
	struct lta_agent *a = fresh(NULL);

	diag("the same key twice; an end with no start");
	lta_agent_start(a, LTA_AGENT_SERVICE, 0, 70, 70, "srv", "GET", 5, 100);
	lta_agent_start(a, LTA_AGENT_SERVICE, 0, 70, 70, "srv", "GET", 5, 200);
	is_int(lta_agent_counters(a)->open, 1,
	       "a restart of a key replaces it");
	is_int(lta_agent_end(a, LTA_AGENT_SERVICE, 0, 70, "srv", "GET", 6, 300),
	       -ENOENT, "an end without start: -ENOENT");
	is_str(lta_agent_error_name(LTA_AGENT_INE), "InE", "names");
	lta_agent_destroy(a);
}

/* --- the timing glue ------------------------------------------------------ */

static struct lta_timing_error tseen[16];
static struct lta_agent_error tseen_error[16];
static int ntseen;

static int on_timing(const struct lta_timing_error *e, void *u)
{
	(void)u;
	if (ntseen < 16) {
		tseen[ntseen] = *e;
		tseen_error[ntseen] = *e->error;
		tseen[ntseen].error = &tseen_error[ntseen];
		ntseen++;
	}
	return 0;
}

static int timing_point(struct lta_timing *t, bool end, bool interaction,
			int32_t tid, const char *name, uint64_t key,
			uint64_t service_key, int64_t ts)
{
	struct lta_segment_point p = {
		.end = end,
		.interaction = interaction,
		.pid = 10,
		.tid = tid,
		.entity = "httpd",
		.name = name,
		.key = key,
		.service_key = service_key,
		.ts = ts,
	};

	return lta_timing_point(t, &p);
}

static void rbl_event(struct lta_timing *t, enum lta_event_kind kind,
		      uint64_t key, int64_t ts)
{
	struct lta_event e;

	memset(&e, 0, sizeof(e));
	e.kind = kind;
	e.ts = ts;
	e.pid = 10;
	e.tid = 11;
	e.u.rbl.entity = "httpd";
	e.u.rbl.name = "request";
	e.u.rbl.key = key;
	lta_timing_event(t, &e);
}

static void test_timing(void)
{
	struct lta_timing_options o = { .agent = { .floor_ns = 10 * MS,
						   .ceiling_ns = 1 * S,
						   .warmup = 1 } };
	struct lta_timing *t = lta_timing_create(&o, on_timing, NULL);
	struct lta_event exit_group;
	int i;

	diag("timing: derived and rbl points in one agent, origins apart");
	ntseen = 0;
	/* Train both: 20 requests of 1 ms with a 0.5 ms interaction. */
	for (i = 1; i <= 20; i++) {
		int64_t t0 = i * 10 * MS;

		timing_point(t, false, false, 1, "request", (uint64_t)i, 0, t0);
		timing_point(t, false, true, 2, "socket:read", 2, (uint64_t)i,
			     t0 + 100000);
		timing_point(t, true, true, 2, "socket:read", 2, 0,
			     t0 + 600000);
		timing_point(t, true, false, 1, "request", (uint64_t)i, 0,
			     t0 + MS);
		/* The same key from rbl: another start, no pairing. */
		rbl_event(t, LTA_EVENT_RBL_START, (uint64_t)i, t0);
		rbl_event(t, LTA_EVENT_RBL_END, (uint64_t)i, t0 + MS);
	}
	is_int(ntseen, 0, "no error while normal");
	/*
	 * Request 21 accepted by thread 1, served by thread 2, whose
	 * interaction hangs: the InE, and no CoE (the service is known to be
	 * thread 2's through the interaction's service key).
	 */
	timing_point(t, false, false, 1, "request", 21, 0, 300 * MS);
	timing_point(t, false, true, 2, "socket:read", 2, 21, 301 * MS);
	lta_timing_advance(t, 2 * S);
	is_int(ntseen, 1, "one error");
	is_str(lta_agent_error_name(tseen[0].error->type), "InE", "an InE");
	ok(tseen[0].derived, "derived");
	is_int((int64_t)tseen[0].key, 2, "its key without the origin bit");
	is_str(tseen[0].error->name, "socket:read", "its name");
	diag("timing: an rbl start open at exit_group is a crash");
	rbl_event(t, LTA_EVENT_RBL_START, 99, 3 * S);
	memset(&exit_group, 0, sizeof(exit_group));
	exit_group.kind = LTA_EVENT_SYSCALL_ENTRY;
	exit_group.syscall = LTA_SYSCALL_exit_group;
	exit_group.ts = 3 * S + MS;
	exit_group.pid = 10;
	exit_group.tid = 10;
	lta_timing_event(t, &exit_group);
	is_int(ntseen, 2, "one more error");
	is_str(lta_agent_error_name(tseen[1].error->type), "crash", "a crash");
	ok(!tseen[1].derived, "of origin rbl");
	is_int((int64_t)tseen[1].key, 99, "its key");
	is_int(lta_timing_now(t), 3 * S + MS, "trace time followed");
	lta_timing_destroy(t);

	diag("timing: without derived points, the segmenter's are ignored");
	o.no_derived = true;
	t = lta_timing_create(&o, on_timing, NULL);
	timing_point(t, false, false, 1, "request", 1, 0, 0);
	lta_timing_advance(t, 10 * S);
	is_int(ntseen, 2, "no error");
	is_int((int64_t)lta_agent_counters(lta_timing_agent(t))->starts, 0,
	       "no start");
	lta_timing_destroy(t);
}

/* The samples of (entity "srv", NAME), or -1. */
static int64_t samples_found;

static int find_samples(const struct lta_agent_estimate *e, void *u)
{
	if (strcmp(e->name, u) == 0) {
		samples_found = (int64_t)e->samples;
	}
	return 0;
}

static int64_t samples_of(struct lta_agent *a, const char *name)
{
	samples_found = -1;
	lta_agent_estimates(a, find_samples, (void *)name);
	return samples_found;
}

static void test_move(void)
{
	struct lta_agent_options o = { .warmup = 5,
				       .floor_ns = 10 * MS,
				       .ceiling_ns = 10 * S };
	struct lta_agent *a = fresh(&o);
	int64_t t, fast, slow, n;

	diag("re-keying: an open start moved to another estimate");
	t = train(a, LTA_AGENT_SERVICE, "fast", 30, 2 * MS, 0);
	t = train(a, LTA_AGENT_SERVICE, "slow", 30, 300 * MS, t);
	fast = timeout_of(a, "fast");
	slow = timeout_of(a, "slow");
	is_int(fast, 10 * MS, "fast: 2 ms, its timeout the floor (10 ms)");
	ok(slow > 300 * MS && slow <= 450 * MS,
	   "slow: 300 ms, its timeout at most 1.5 x that (%lld ns)",
	   (long long)slow);
	is_int(timeout_of(a, "request"), -1, "no estimate of request yet");

	diag("moved earlier: the deadline is the new estimate's");
	lta_agent_start(a, LTA_AGENT_SERVICE, 0, 10, 10, "srv", "request", 1,
			t);
	lta_agent_advance(a, t + 2 * MS);
	is_int(lta_agent_move(a, LTA_AGENT_SERVICE, 0, 10, "srv", "request", 1,
			      "srv", "fast"),
	       0, "moved from request to fast");
	lta_agent_advance(a, t + fast - 1);
	is_int(nseen, 0, "one ns before start + fast's timeout: nothing");
	lta_agent_advance(a, t + fast);
	ok(nseen == 1 && seen[0].type == LTA_AGENT_COE &&
		   strcmp(seen[0].name, "fast") == 0 && seen[0].start_ts == t &&
		   seen[0].timeout_ns == fast && seen[0].raised_ts == t + fast,
	   "at start + fast's timeout: a CoE of fast, from the first start");

	diag("moved later: the old deadline no longer holds");
	nseen = 0;
	t += 10 * S;
	lta_agent_start(a, LTA_AGENT_SERVICE, 0, 10, 10, "srv", "fast", 2, t);
	lta_agent_move(a, LTA_AGENT_SERVICE, 0, 10, "srv", "fast", 2, "srv",
		       "slow");
	lta_agent_advance(a, t + fast + MS);
	is_int(nseen, 0, "past fast's deadline: nothing");
	lta_agent_advance(a, t + slow - 1);
	is_int(nseen, 0, "one ns before slow's: nothing");
	n = samples_of(a, "slow");
	lta_agent_end(a, LTA_AGENT_SERVICE, 0, 10, "srv", "slow", 2,
		      t + slow - 1);
	is_int(samples_of(a, "slow"), n + 1, "its end feeds slow's estimate");
	is_int(lta_agent_counters(a)->unmatched_ends, 0,
	       "the end under the new name found its start");

	diag("moved when the new deadline is past: fires at the next advance");
	t += 10 * S;
	lta_agent_start(a, LTA_AGENT_SERVICE, 0, 10, 10, "srv", "slow", 3, t);
	lta_agent_advance(a, t + 50 * MS);
	lta_agent_move(a, LTA_AGENT_SERVICE, 0, 10, "srv", "slow", 3, "srv",
		       "fast");
	is_int(nseen, 0, "not raised by the move itself");
	lta_agent_advance(a, t + 51 * MS);
	ok(nseen == 1 && strcmp(seen[0].name, "fast") == 0 &&
		   seen[0].raised_ts == t + 51 * MS &&
		   seen[0].timeout_ns == fast,
	   "raised at the next advance, with fast's timeout");

	diag("an unknown start, and a start that already failed");
	n = (int64_t)lta_agent_counters(a)->moves;
	is_int(lta_agent_move(a, LTA_AGENT_SERVICE, 0, 10, "srv", "request", 99,
			      "srv", "fast"),
	       -ENOENT, "no such start: -ENOENT");
	is_int(lta_agent_move(a, LTA_AGENT_INTERACTION, 0, 10, "srv", "slow", 3,
			      "srv", "fast"),
	       -ENOENT, "another kind of start: -ENOENT");
	is_int((int64_t)lta_agent_counters(a)->moves, n, "not counted");
	nseen = 0;
	t += 10 * S;
	lta_agent_start(a, LTA_AGENT_SERVICE, 0, 10, 10, "srv", "request", 4,
			t);
	lta_agent_advance(a, t + 6 * S);
	ok(nseen == 1 && strcmp(seen[0].name, "request") == 0,
	   "a hang before its kind is known: a CoE of request (warm-up "
	   "timeout)");
	is_int(lta_agent_move(a, LTA_AGENT_SERVICE, 0, 10, "srv", "request", 4,
			      "srv", "slow"),
	       0, "its kind known after the error: moved");
	n = samples_of(a, "slow");
	lta_agent_end(a, LTA_AGENT_SERVICE, 0, 10, "srv", "slow", 4, t + 7 * S);
	ok(nseen == 2 && seen_late[1] && seen[1].id == seen[0].id &&
		   strcmp(seen[1].name, "request") == 0 &&
		   seen[1].late_end_ts == t + 7 * S,
	   "its end under the new name is the late end of that error, "
	   "which keeps the name it was raised with");
	is_int(samples_of(a, "slow"), n, "and no sample of slow");

	diag("a service past its deadline, waiting for its interaction");
	nseen = 0;
	t += 20 * S;
	train(a, LTA_AGENT_INTERACTION, "db", 30, 100 * MS, t);
	t += 20 * S;
	lta_agent_start(a, LTA_AGENT_SERVICE, 0, 10, 10, "srv", "fast", 5, t);
	lta_agent_start(a, LTA_AGENT_INTERACTION, 0, 10, 10, "srv", "db", 5,
			t + MS);
	lta_agent_advance(a, t + 20 * MS);
	is_int(nseen, 0, "past fast's deadline it waits for its interaction");
	lta_agent_move(a, LTA_AGENT_SERVICE, 0, 10, "srv", "fast", 5, "srv",
		       "slow");
	lta_agent_end(a, LTA_AGENT_INTERACTION, 0, 10, "srv", "db", 5,
		      t + 100 * MS);
	lta_agent_advance(a, t + 100 * MS + 1);
	is_int(nseen, 0,
	       "moved to slow, whose deadline is ahead: the interaction's "
	       "end does not decide it");
	lta_agent_end(a, LTA_AGENT_SERVICE, 0, 10, "srv", "slow", 5,
		      t + 200 * MS);
	lta_agent_advance(a, t + 20 * S);
	is_int(nseen, 0, "it ended in slow's time: no error");
	is_int((int64_t)lta_agent_counters(a)->open, 0, "nothing open");
	ok(lta_agent_counters(a)->moves >= 5, "moves counted (%llu)",
	   (unsigned long long)lta_agent_counters(a)->moves);
	lta_agent_destroy(a);
}

static int64_t answer_downstream(const struct lta_agent_error *e, void *data)
{
	(void)data;
	return e->key == 7 ? 57 : 0;
}

static void test_downstream(void)
{
	struct lta_agent_options o = { .floor_ns = 10 * MS,
				       .ceiling_ns = 1 * S,
				       .downstream = answer_downstream };
	struct lta_agent *a = fresh(&o);

	diag("an InE carries what its interaction waited for downstream");
	lta_agent_start(a, LTA_AGENT_SERVICE, 0, 10, 11, "srv", "req", 7, 0);
	lta_agent_start(a, LTA_AGENT_INTERACTION, 0, 10, 11, "srv", "db", 7, 0);
	lta_agent_start(a, LTA_AGENT_INTERACTION, 0, 10, 12, "srv", "db", 8, 0);
	lta_agent_advance(a, 2 * S);
	ok(nseen == 2 && seen[0].type == LTA_AGENT_INE &&
		   seen[1].type == LTA_AGENT_INE,
	   "two InE (and no CoE for the service around one)");
	ok(nseen == 2 && ((seen[0].key == 7 && seen[0].downstream == 57 &&
			   seen[1].downstream == 0) ||
			  (seen[1].key == 7 && seen[1].downstream == 57 &&
			   seen[0].downstream == 0)),
	   "key 7: request 57; key 8: none running");
	lta_agent_end(a, LTA_AGENT_INTERACTION, 0, 10, "srv", "db", 7, 3 * S);
	ok(nseen == 3 && seen_late[2] && seen[2].downstream == 57,
	   "its late end reports the same");
	lta_agent_destroy(a);
	a = fresh(NULL);
	lta_agent_start(a, LTA_AGENT_INTERACTION, 0, 10, 11, "srv", "db", 7, 0);
	lta_agent_advance(a, 40 * S);
	ok(nseen == 1 && seen[0].downstream == -1,
	   "without the option: -1 (does not apply)");
	lta_agent_destroy(a);
}

static int64_t forty_two(uint32_t trace, int32_t pid, int32_t tid, void *data)
{
	(void)trace;
	(void)pid;
	(void)data;
	return tid == 2 ? 42 : 0;
}

static void test_timing_downstream(void)
{
	struct lta_timing_options o = { .agent = { .floor_ns = 10 * MS,
						   .ceiling_ns = 1 * S },
					.downstream = forty_two };
	struct lta_timing *t = lta_timing_create(&o, on_timing, NULL);
	struct lta_event e;

	diag("timing: the downstream of derived InE only");
	ntseen = 0;
	timing_point(t, false, true, 2, "socket:read", 2, 0, 0);
	memset(&e, 0, sizeof(e));
	e.kind = LTA_EVENT_RBL_START;
	e.pid = 10;
	e.tid = 2;
	e.u.rbl.interaction = true;
	e.u.rbl.entity = "httpd";
	e.u.rbl.name = "db";
	e.u.rbl.key = 2;
	lta_timing_event(t, &e);
	lta_timing_advance(t, 2 * S);
	ok(ntseen == 2 && tseen_error[0].type == LTA_AGENT_INE &&
		   tseen_error[1].type == LTA_AGENT_INE,
	   "two InE");
	ok(ntseen == 2 &&
		   tseen_error[tseen[0].derived ? 0 : 1].downstream == 42 &&
		   tseen_error[tseen[0].derived ? 1 : 0].downstream == -1,
	   "the derived one asked (42), the rbl one not (-1)");
	lta_timing_destroy(t);
}

/* --- the segmenter's points through the glue: a mixed workload ------------ */

static const char *const N_ACCEPT4 = "accept4", *const N_READ = "read",
			 *const N_WRITEV = "writev", *const N_CLOSE = "close",
			 *const N_OPENAT = "openat", *const N_CLONE = "clone",
			 *const N_EXECVE = "execve", *const N_SOCKET = "socket",
			 *const N_WRITE = "write";

/* Both analyses of one trace, fed as the pipeline does: timing first. */
struct web {
	struct lta_timing *timing;
	struct lta_segment *segment;
	int32_t pid;
};

static int web_point(const struct lta_segment_point *p, void *data)
{
	struct web *w = data;

	return lta_timing_point(w->timing, p);
}

static int64_t web_downstream(uint32_t trace, int32_t pid, int32_t tid,
			      void *data)
{
	struct web *w = data;

	(void)pid;
	return lta_segment_downstream(w->segment, trace, tid);
}

static int web_feeds;

static void web_feed(struct web *w, struct lta_event *e)
{
	if (lta_timing_event(w->timing, e) || lta_segment_feed(w->segment, e)) {
		web_feeds++;
	}
}

static void web_arg(struct lta_event *e, const char *name, int64_t v)
{
	struct lta_arg *a = &e->args[e->nargs];

	a->name = name;
	a->type = LTA_ARG_SINT;
	a->v.s = v;
	if (strcmp(name, "fd") == 0) {
		e->fd_arg = (int8_t)e->nargs;
	} else if (strcmp(name, "ret") == 0) {
		e->ret_arg = (int8_t)e->nargs;
	}
	e->nargs++;
}

static void web_str(struct lta_event *e, const char *name, const char *v)
{
	struct lta_arg *a = &e->args[e->nargs++];

	a->name = name;
	a->type = LTA_ARG_STRING;
	a->v.str = v;
}

static struct lta_event web_event(const struct web *w, int32_t tid, int64_t ts,
				  bool exit, enum lta_syscall sc,
				  const char *name)
{
	struct lta_event e;

	memset(&e, 0, sizeof(e));
	e.ts = ts;
	e.pid = tid >= 5000 ? tid : w->pid;
	e.tid = tid;
	e.procname = "apache2";
	e.kind = exit ? LTA_EVENT_SYSCALL_EXIT : LTA_EVENT_SYSCALL_ENTRY;
	e.syscall = sc;
	e.syscall_name = name;
	e.name = name;
	e.entry_ts = -1;
	e.fd_arg = -1;
	e.ret_arg = -1;
	return e;
}

/* A call on FD (or none, -1) by TID from TS for D ns, returning RET. */
static void web_call(struct web *w, int32_t tid, int64_t ts, int64_t d,
		     enum lta_syscall sc, const char *name, int64_t fd,
		     int64_t ret)
{
	struct lta_event e = web_event(w, tid, ts, false, sc, name);

	if (fd >= 0) {
		web_arg(&e, "fd", fd);
	}
	web_feed(w, &e);
	e = web_event(w, tid, ts + d, true, sc, name);
	web_arg(&e, "ret", ret);
	web_feed(w, &e);
}

static void web_accept(struct web *w, int32_t tid, int64_t ts)
{
	struct lta_event e =
		web_event(w, tid, ts, true, LTA_SYSCALL_accept4, N_ACCEPT4);

	web_arg(&e, "ret", 7);
	web_arg(&e, "family", 2);
	web_arg(&e, "sport", 40000);
	web_feed(w, &e);
}

static void web_open(struct web *w, int32_t tid, int64_t ts, const char *path,
		     int64_t fd)
{
	struct lta_event e =
		web_event(w, tid, ts, false, LTA_SYSCALL_openat, N_OPENAT);

	web_arg(&e, "dfd", -100);
	web_str(&e, "filename", path);
	web_arg(&e, "flags", O_RDONLY | O_CLOEXEC);
	web_feed(w, &e);
	e = web_event(w, tid, ts + 5000, true, LTA_SYSCALL_openat, N_OPENAT);
	web_arg(&e, "ret", fd);
	web_feed(w, &e);
}

/*
 * A static page served by TID from T (accepted by ACCEPTOR): about half a
 * millisecond, varying. Without END, it hangs after opening its file.
 */
static void web_static(struct web *w, int32_t acceptor, int32_t tid, int64_t t,
		       int i, bool end)
{
	int64_t d = 300000 + (i * 7919 % 11) * 50000; /* 0.3 to 0.8 ms */

	web_accept(w, acceptor, t);
	web_call(w, tid, t + 10000, 20000, LTA_SYSCALL_read, N_READ, 7, 80);
	web_open(w, tid, t + 40000, "/var/www/html/index.html", 8);
	if (!end) {
		return;
	}
	web_call(w, tid, t + d - 60000, 30000, LTA_SYSCALL_writev, N_WRITEV, 7,
		 10000);
	web_call(w, tid, t + d - 20000, 5000, LTA_SYSCALL_close, N_CLOSE, 8, 0);
	web_call(w, tid, t + d, 10000, LTA_SYSCALL_close, N_CLOSE, 7, 0);
}

/*
 * A CGI script: the serving thread forks, the child executes the script,
 * the thread reads its output for 28 to 34 ms. Without END, the read
 * never returns.
 */
static void web_cgi(struct web *w, int32_t tid, int64_t t, int i, bool end)
{
	int64_t d = 28 * MS + (i * 7919 % 7) * MS;
	int32_t child = 5000 + i;
	struct lta_event e;

	web_accept(w, tid, t);
	web_call(w, tid, t + 10000, 20000, LTA_SYSCALL_read, N_READ, 7, 80);
	web_call(w, tid, t + 50000, 100000, LTA_SYSCALL_clone, N_CLONE, -1,
		 child);
	e = web_event(w, child, t + 200000, false, LTA_SYSCALL_execve,
		      N_EXECVE);
	web_str(&e, "filename", "/usr/lib/cgi-bin/sleep.cgi");
	web_feed(w, &e);
	e = web_event(w, tid, t + 300000, false, LTA_SYSCALL_read, N_READ);
	web_arg(&e, "fd", 9);
	web_feed(w, &e);
	if (!end) {
		return;
	}
	e = web_event(w, tid, t + d - 100000, true, LTA_SYSCALL_read, N_READ);
	web_arg(&e, "ret", 100);
	web_feed(w, &e);
	web_call(w, tid, t + d - 50000, 30000, LTA_SYSCALL_writev, N_WRITEV, 7,
		 100);
	web_call(w, tid, t + d, 10000, LTA_SYSCALL_close, N_CLOSE, 7, 0);
}

static struct web web_create(bool no_kinds)
{
	struct lta_timing_options o = { .agent = { .floor_ns = 10 * MS,
						   .ceiling_ns = 2 * S,
						   .warmup = 10 } };
	static struct web w;
	struct lta_segment_options so = { .max_calls = 16,
					  .on_point = web_point,
					  .no_kinds = no_kinds };

	memset(&w, 0, sizeof(w));
	o.downstream = web_downstream;
	o.downstream_data = &w;
	w.pid = 10;
	so.point_data = &w;
	w.timing = lta_timing_create(&o, on_timing, NULL);
	w.segment = lta_segment_create(&so, NULL, NULL);
	ntseen = 0;
	web_feeds = 0;
	return w;
}

static void web_destroy(struct web *w)
{
	lta_segment_destroy(w->segment);
	lta_timing_destroy(w->timing);
}

/* 2,000 requests from T, one in 50 a CGI script; returns the next time. */
static int64_t web_mix(struct web *w, int64_t t)
{
	int i;

	for (i = 0; i < 2000; i++) {
		if (i % 50 == 49) {
			web_cgi(w, 10, t, i, true);
			t += 40 * MS;
		} else {
			web_static(w, 10, 10, t, i, true);
			t += MS;
		}
	}
	return t;
}

static int count_type(enum lta_agent_error_type type)
{
	int i, n = 0;

	for (i = 0; i < ntseen && i < 16; i++) {
		n += !tseen[i].late && tseen_error[i].type == type;
	}
	return n;
}

static void test_mixed_workload(void)
{
	static const char *const STATIC_KIND =
		"request file /var/www/html/index.html";
	static const char *const CGI_KIND =
		"request exec /usr/lib/cgi-bin/sleep.cgi";
	struct web w;
	int64_t t, to;

	diag("a mixed workload through the segmenter and the glue: 1,960 "
	     "static pages of 0.3-0.8 ms, 40 CGI scripts of 28-34 ms");
	w = web_create(true);
	web_mix(&w, 0);
	ok(count_type(LTA_AGENT_COE) > 0,
	   "one estimate for every request (kinds off): false CoE (%d)",
	   count_type(LTA_AGENT_COE));
	web_destroy(&w);

	w = web_create(false);
	t = web_mix(&w, 0);
	is_int(web_feeds, 0, "fed without error");
	is_int(ntseen, 0,
	       "an estimate per kind: no error at all (the first CGI scripts, "
	       "in their kind's warm-up, get 10 x the whole process's "
	       "timeout)");
	ok(lta_agent_counters(lta_timing_agent(w.timing))->moves == 2000,
	   "each request moved to its kind once (%llu)",
	   (unsigned long long)lta_agent_counters(lta_timing_agent(w.timing))
		   ->moves);
	to = timeout_of((struct lta_agent *)lta_timing_agent(w.timing),
			STATIC_KIND);
	is_int(to, 10 * MS, "the static kind's timeout: the floor, 10 ms");

	diag("a static page that hangs: a CoE within its kind's timeout");
	t += 100 * MS;
	web_static(&w, 10, 10, t, 1, false);
	lta_timing_advance(w.timing, t + 9 * MS);
	is_int(ntseen, 0, "nothing at 9 ms");
	lta_timing_advance(w.timing, t + 11 * MS);
	ok(ntseen == 1 && tseen_error[0].type == LTA_AGENT_COE &&
		   strcmp(tseen_error[0].name, STATIC_KIND) == 0 &&
		   tseen_error[0].start_ts == t &&
		   tseen_error[0].timeout_ns == to &&
		   tseen_error[0].raised_ts - t <= to + MS,
	   "a CoE of the static kind, from its start, by 11 ms");
	t += 3 * S;
	/* Its process gives up on it: the trace goes on. */
	lta_timing_advance(w.timing, t);

	diag("a CGI script that hangs: a CoE within its kind's timeout, not "
	     "the static one's");
	to = timeout_of((struct lta_agent *)lta_timing_agent(w.timing),
			CGI_KIND);
	ok(to > 34 * MS && to < 60 * MS,
	   "the CGI kind's timeout is over its longest run (%lld ns)",
	   (long long)to);
	w.pid = 20; /* Each hang in a process of its own. */
	web_cgi(&w, 20, t, 3, false);
	lta_timing_advance(w.timing, t + 34 * MS);
	is_int(ntseen, 1, "nothing new at 34 ms");
	lta_timing_advance(w.timing, t + to);
	ok(ntseen == 2 && tseen_error[1].type == LTA_AGENT_COE &&
		   strcmp(tseen_error[1].name, CGI_KIND) == 0 &&
		   tseen_error[1].start_ts == t &&
		   tseen_error[1].timeout_ns == to,
	   "a CoE of the CGI kind at its start + its timeout");
	t += 3 * S;
	lta_timing_advance(w.timing, t);

	diag("a hang before the kind is known: caught, as request");
	w.pid = 30;
	web_accept(&w, 30, t);
	lta_timing_advance(w.timing, t + 30 * MS);
	is_int(ntseen, 2, "nothing at 30 ms");
	lta_timing_advance(w.timing, t + S - 1);
	ok(ntseen == 3 && tseen_error[2].type == LTA_AGENT_COE &&
		   strcmp(tseen_error[2].name, "request") == 0 &&
		   tseen_error[2].timeout_ns > 34 * MS &&
		   tseen_error[2].timeout_ns < S,
	   "a CoE of request before ceiling / 2: request is in its warm-up "
	   "(no request ends without a kind), timed as 10 x the whole "
	   "process (%lld ns)",
	   (long long)tseen_error[2].timeout_ns);
	t += 3 * S;
	lta_timing_advance(w.timing, t);

	diag("a listener accepts, a worker serves and hangs on a socket: the "
	     "InE, and no CoE for its (moved) service");
	w.pid = 40;
	web_static(&w, 40, 41, t, 1, false);
	web_call(&w, 41, t + 100000, 10000, LTA_SYSCALL_socket, N_SOCKET, -1,
		 20);
	web_call(&w, 41, t + 200000, 10000, LTA_SYSCALL_write, N_WRITE, 20, 10);
	{
		struct lta_event e = web_event(&w, 41, t + 300000, false,
					       LTA_SYSCALL_read, N_READ);

		web_arg(&e, "fd", 20);
		web_feed(&w, &e);
	}
	lta_timing_advance(w.timing, t + 2 * S);
	ok(ntseen == 4 && tseen_error[3].type == LTA_AGENT_INE &&
		   strcmp(tseen_error[3].name, "socket:read") == 0,
	   "one InE, socket:read");
	is_int(tseen_error[3].downstream, -1,
	       "no traced server at the other end: downstream -1");
	is_int(count_type(LTA_AGENT_COE), 3, "no CoE for its service");
	web_destroy(&w);
}

/* Bytes the process has allocated now (the sanitizer's or glibc's count). */
static size_t allocated_now(void)
{
#if defined(__SANITIZE_ADDRESS__)
	return __sanitizer_get_current_allocated_bytes();
#else
	return mallinfo2().uordblks;
#endif
}

/* A deterministic heavy-tailed duration: 30 ms + 60 ms x u^8, u in [0,1). */
static int64_t tail_duration(uint64_t *state)
{
	double u, d;

	*state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
	u = (double)(*state >> 11) / 9007199254740992.0;
	d = u * u;
	d = d * d;
	d = d * d;
	return 30 * MS + (int64_t)(60.0 * (double)MS * d);
}

/*
 * N runs of "cgi" from T, then a hang if HANG; returns a checksum of the
 * errors raised (raised time and timeout) and sets *MAX_SEEN to the
 * longest duration of the last 400 runs.
 */
static uint64_t tail_stream(struct lta_agent *a, int n, int64_t *t,
			    int64_t *max_seen)
{
	uint64_t state = 42, sum = 0;
	int i;

	*max_seen = 0;
	for (i = 0; i < n; i++) {
		int64_t d = tail_duration(&state);

		if (i >= n - 400 && d > *max_seen) {
			*max_seen = d;
		}
		lta_agent_start(a, LTA_AGENT_SERVICE, 0, 10, 10, "srv", "cgi",
				(uint64_t)i, *t);
		lta_agent_advance(a, *t + d - 1);
		lta_agent_end(a, LTA_AGENT_SERVICE, 0, 10, "srv", "cgi",
			      (uint64_t)i, *t + d);
		*t += d + MS;
		lta_agent_advance(a, *t);
	}
	for (i = 0; i < nseen; i++) {
		sum = sum * 31 + (uint64_t)seen[i].raised_ts * 7 +
		      (uint64_t)seen[i].timeout_ns;
	}
	return sum;
}

static void test_heavy_tail(void)
{
	struct lta_agent_options o = { .floor_ns = 10 * MS,
				       .ceiling_ns = 30 * S };
	struct lta_agent *a = fresh(&o);
	int64_t t = 0, t2 = 0, max_seen, to, hang, delta;
	uint64_t sum, sum2;
	size_t before;
	int i, n;

	diag("a heavy-tailed stream (30 ms + 60 ms x u^8: median 30 ms, "
	     "99th percentile ~85 ms): no timeout below its tail");
	tail_stream(a, 1000, &t, &max_seen);
	ok(nseen <= 2,
	   "first 1,000 runs: at most one error and its late end "
	   "(%d)",
	   nseen);
	nseen = 0;
	before = allocated_now();
	sum = tail_stream(a, 20000, &t, &max_seen);
	is_int(nseen, 0, "20,000 more runs: no error at all");
	to = timeout_of(a, "cgi");
	ok(to >= max_seen && to <= 2 * max_seen,
	   "timeout %lld ns: at least the longest of the last 400 runs "
	   "(%lld ns), at most twice it",
	   (long long)to, (long long)max_seen);
	delta = (int64_t)allocated_now() - (int64_t)before;
	ok(delta <= 0,
	   "bounded memory: 20,000 more runs allocate nothing that stays "
	   "(%lld bytes)",
	   (long long)delta);

	diag("a real hang, 10 x the tail: fires, at the timeout");
	hang = 10 * max_seen;
	lta_agent_start(a, LTA_AGENT_SERVICE, 0, 10, 10, "srv", "cgi", 1, t);
	lta_agent_advance(a, t + to - 1);
	is_int(nseen, 0, "nothing one ns before the timeout");
	lta_agent_advance(a, t + to);
	ok(nseen == 1 && seen[0].type == LTA_AGENT_COE &&
		   seen[0].raised_ts == t + to && seen[0].timeout_ns == to &&
		   to < hang,
	   "one CoE at start + timeout (%lld ns), well before the hang ends "
	   "(%lld ns)",
	   (long long)to, (long long)hang);
	lta_agent_advance(a, t + hang);
	is_int(nseen, 1, "once");
	lta_agent_end(a, LTA_AGENT_SERVICE, 0, 10, "srv", "cgi", 1, t + hang);
	ok(timeout_of(a, "cgi") == to,
	   "its late end, past twice the timeout, is no sample: the timeout "
	   "stays");
	lta_agent_destroy(a);

	diag("the same stream, mean + 4 x dev alone (margin 0.01): false "
	     "alarms, so the stream tests the tail term");
	o.tail_margin = 0.01;
	a = fresh(&o);
	t2 = 0;
	tail_stream(a, 21000, &t2, &max_seen);
	ok(nseen >= 10, "%d errors and late ends", nseen);
	lta_agent_destroy(a);
	o.tail_margin = 0;

	diag("determinism: the same stream twice, with hangs, the same errors");
	for (n = 0; n < 2; n++) {
		int64_t *tp = n ? &t2 : &t;
		uint64_t *sp = n ? &sum2 : &sum;

		a = fresh(&o);
		*tp = 0;
		for (i = 0; i < 3; i++) {
			tail_stream(a, 3000, tp, &max_seen);
			lta_agent_start(a, LTA_AGENT_SERVICE, 0, 10, 10, "srv",
					"cgi", 99, *tp);
			*tp += 2 * S;
			lta_agent_advance(a, *tp);
		}
		*sp = tail_stream(a, 10, tp, &max_seen);
		if (n == 0) {
			int hangs = 0;

			for (i = 0; i < nseen; i++) {
				hangs += seen[i].key == 99 && !seen_late[i];
			}
			is_int(hangs, 3, "three hangs, three CoE");
		}
		lta_agent_destroy(a);
	}
	ok(sum == sum2 && t == t2,
	   "replayed: the same errors at the same times with the same "
	   "timeouts");
}

static int gone_pid_7(uint32_t trace, int32_t pid, void *data)
{
	(void)trace;
	(void)data;
	return pid == 7;
}

static void test_gone_is_crash(void)
{
	struct lta_agent_options o = { .floor_ns = 10 * MS,
				       .ceiling_ns = 1 * S,
				       .process_gone = gone_pid_7 };
	struct lta_agent *a = fresh(&o);

	diag("a deadline of a process known gone: a crash, not a hang");
	lta_agent_start(a, LTA_AGENT_SERVICE, 0, 7, 7, "srv", "req", 1, 0);
	lta_agent_start(a, LTA_AGENT_INTERACTION, 0, 7, 7, "srv", "db", 1, MS);
	lta_agent_start(a, LTA_AGENT_SERVICE, 0, 8, 8, "srv", "req", 1, 0);
	lta_agent_advance(a, 2 * S);
	is_int(nseen, 2, "two errors");
	is_str(lta_agent_error_name(seen[0].type), "crash", "pid 7: a crash");
	is_int(seen[0].open_count, 2, "for its two starts");
	is_str(lta_agent_error_name(seen[1].type), "CoE", "pid 8: a CoE");
	is_int((int64_t)lta_agent_counters(a)->open, 0, "nothing open");
	lta_agent_destroy(a);
}

/* Pid 9 was found gone at 3 s of trace time: before that, -1. */
static int64_t gone_now;

static int gone_pid_9_at_3s(uint32_t trace, int32_t pid, void *data)
{
	(void)trace;
	(void)data;
	if (pid != 9) {
		return 0;
	}
	return gone_now >= 3 * S ? 1 : -1;
}

static void advance_to(struct lta_agent *a, int64_t t)
{
	gone_now = t;
	lta_agent_advance(a, t);
}

static void test_gone_later(void)
{
	struct lta_agent_options o = { .floor_ns = 10 * MS,
				       .ceiling_ns = 1 * S,
				       .process_gone = gone_pid_9_at_3s };
	struct lta_agent *a = fresh(&o);

	diag("a process found gone after the trace time reached: wait");
	lta_agent_start(a, LTA_AGENT_SERVICE, 0, 9, 9, "srv", "req", 1, 0);
	lta_agent_start(a, LTA_AGENT_SERVICE, 0, 9, 9, "srv", "req", 2, 0);
	advance_to(a, 2 * S);
	is_int(nseen, 0,
	       "past the deadlines, before its death: no hang, no crash yet");
	/* What it did before dying arrives: one of its starts ends. */
	lta_agent_end(a, LTA_AGENT_SERVICE, 0, 9, "srv", "req", 1, 2 * S + MS);
	advance_to(a, 2 * S + 500 * MS);
	is_int(nseen, 0, "still nothing");
	advance_to(a, 3 * S + 20 * MS);
	is_int(nseen, 1, "its death reached: one error");
	is_str(lta_agent_error_name(seen[0].type), "crash", "a crash");
	is_int(seen[0].open_count, 1, "for the start still open");
	is_int((int64_t)lta_agent_counters(a)->open, 0, "nothing open");
	lta_agent_destroy(a);
}

int main(void)
{
	plan_no_plan();
	test_warmup_and_once();
	test_ine_before_coe();
	test_crash();
	test_many_and_bounded();
	test_replace_and_unmatched();
	test_timing();
	test_gone_is_crash();
	test_gone_later();
	test_move();
	test_downstream();
	test_timing_downstream();
	test_mixed_workload();
	test_heavy_tail();
	return exit_status();
}
