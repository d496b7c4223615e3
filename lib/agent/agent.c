/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Why this estimator. A timeout must follow the service as it is now (a
 * benchmark ramps load up and down; a cache warms), cost O(1) per sample
 * and per (entity, name), and stay clear of normal variation so that false
 * alarms are rare.
 *
 * Jacobson/Karels' smoothed mean and mean deviation (gains 1/8 and 1/4)
 * follow a change of regime within tens of samples, but mean + 4 x dev is
 * a bound for a roughly symmetric spread, and web requests have a heavy
 * right tail: a CGI kind with a 36 ms median and a 99th percentile of
 * 87 ms kept raising 13 false CoE per 10,000 requests with it
 * (doc/segmentation.md). So the timeout is also bounded below by the
 * tail itself: a maximum of the durations that decays by a factor
 * (tail_decay, 0.999) on each sample, times a margin (tail_margin, 1.5):
 *     peak = max(d, peak x tail_decay)
 *     timeout = clamp(max(mean + k x dev, tail_margin x peak),
 *                     floor, ceiling)
 * A duration once seen is thus not a timeout for the next ~400 samples
 * (1.5 x 0.999^405 = 1), and a tail that really shrinks is forgotten in
 * about as many. A streaming high quantile (a log-scale histogram with
 * aging) would ignore single outliers, but it needs tens of buckets per
 * estimate and a quantile of a few hundred samples is no better known
 * than their maximum; the decaying maximum is two doubles, updated in
 * O(1), deterministic on replay. Its cost: one slow duration that did
 * end (a pause of seconds) lengthens the timeout, and so the time to
 * report a hang, for some hundreds of samples; the ceiling bounds it.
 * Samples are counted, not timed, so a replayed trace gives the same
 * timeouts whatever the replay speed.
 *
 * The samples are censored: a run that outlasts the timeout ends after its
 * error, and if such late ends were never samples, the estimate would
 * never see the very tail that raised its false alarms (on the prefork
 * trace, the maximum alone still gave 27 false CoE this way). So a late
 * end that comes within twice the estimate's current timeout is a sample;
 * a later one (a hang that recovered) is not, so it cannot inflate the
 * timeout.
 *
 * The floor keeps sub-millisecond services from firing on scheduler
 * hiccups; the ceiling bounds how long a hang goes unreported. During the
 * warm-up (the first `warmup` samples of a name) the timeout is at least
 * 10 times that of the whole entity (every name of that kind of start of
 * that entity, one more estimate per entity, fed by every end), once that
 * one is warm, and at most half the ceiling: a new kind of request of a
 * known server is caught hanging in 10 x the server's timeout (500 ms
 * with the default floor), not at half the ceiling (15 s), and a kind 10
 * times slower than the server's tail is still not a false alarm while
 * several of its first runs are in flight before any ends (prefork
 * Apache's first CGI scripts under wrk, all at once). Only the names of a
 * new entity wait half the ceiling.
 */
#include "agent.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/assert-dbg.h"
#include "common/htable.h"
#include "common/intern.h"

/*
 * A name in its warm-up is timed at least this many times the timeout of
 * its whole entity (once that is warm): a new kind of request may be much
 * slower than those seen so far (a CGI script beside static pages), and
 * several of its first runs may be in flight before one ends and teaches
 * its estimate.
 */
#define WARMUP_WHOLE 10

struct estimate {
	struct estimate *next; /* Same hash. */
	enum lta_agent_kind kind;
	const char *entity, *name;
	uint64_t samples;
	double mean, dev;
	double peak; /* Decaying maximum of the durations. */
	/*
	 * The estimate of every name of this kind and entity (its name is
	 * NULL, its own whole is NULL): the warm-up timeout. Borrowed.
	 */
	struct estimate *whole;
	uint64_t open, errors, late_ends;
};

/* A start of a process found gone after its trace time: asked again. */
#define GONE_RECHECK_NS (10LL * 1000 * 1000)

struct open_start {
	struct open_start *next; /* Same hash. */
	uint64_t hash;
	uint64_t uid;
	enum lta_agent_kind kind;
	uint32_t trace;
	int32_t pid, tid;
	const char *entity, *name;
	uint64_t key;
	int64_t start_ts, deadline, timeout;
	size_t heap_index;
	struct estimate *estimate;
	uint64_t parent_uid; /* Interaction: the service around it; 0. */
	uint32_t inner_open; /* Service: interactions open inside it. */
	bool ine_inside;     /* Service: an InE was raised inside it. */
	bool deferred;	     /* Service: waited for its interactions. */
};

/* An error that may still get its late end. */
struct fired {
	struct fired *next;	     /* Same hash. */
	struct fired *older, *newer; /* Raise order. */
	uint64_t hash;
	/*
	 * The names its late end comes with: the error's, or those its start
	 * was moved to after the error (lta_agent_move()).
	 */
	const char *entity, *name;
	struct lta_agent_error error;
};

struct lta_agent {
	struct lta_agent_options options;
	lta_agent_error_func on_error;
	void *user_data;
	struct lta_intern *names;

	struct lta_htable estimates; /* hash -> chain. */
	struct lta_htable open;	     /* hash -> chain of open starts. */
	struct lta_htable by_uid;    /* uid -> open start. */
	struct lta_htable threads;   /* (trace, tid) -> service uid. */
	struct open_start **heap;    /* Min-heap by deadline. */
	size_t heap_len, heap_cap;

	struct lta_htable fired; /* hash -> chain of fired. */
	struct fired *oldest, *newest;
	size_t fired_count;

	uint64_t next_uid, next_error_id;
	int64_t now;
	struct lta_agent_counters counters;
};

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9E3779B97F4A7C15ULL + (h << 6) + (h >> 2);
	return h * 0xff51afd7ed558ccdULL;
}

static uint64_t estimate_hash(enum lta_agent_kind kind, const char *entity,
			      const char *name)
{
	return mix(mix(mix(1, kind), (uintptr_t)entity), (uintptr_t)name);
}

static uint64_t start_hash(enum lta_agent_kind kind, uint32_t trace,
			   int32_t pid, const char *entity, const char *name,
			   uint64_t key)
{
	uint64_t h = estimate_hash(kind, entity, name);

	return mix(mix(mix(h, trace), (uint32_t)pid), key);
}

static int64_t clamp(int64_t v, int64_t lo, int64_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static int64_t formula(const struct lta_agent_options *o,
		       const struct estimate *e)
{
	double t = e->mean + o->k * e->dev;
	double tail = o->tail_margin * e->peak;

	if (tail > t) {
		t = tail;
	}
	/* No overflow into int64_t: the ceiling caps it anyway. */
	return t >= (double)o->ceiling_ns ? o->ceiling_ns : (int64_t)t;
}

static int64_t timeout_of(const struct lta_agent *agent,
			  const struct estimate *e)
{
	const struct lta_agent_options *o = &agent->options;
	int64_t t = formula(o, e);

	if (e->samples < o->warmup) {
		/*
		 * Not enough samples yet: generous, WARMUP_WHOLE times the
		 * whole entity's timeout when that is known, else (and at
		 * most) half the ceiling.
		 */
		const struct estimate *w = e->whole;
		int64_t least = o->ceiling_ns / 2;

		if (w && w->samples >= o->warmup) {
			int64_t whole = clamp(formula(o, w), o->floor_ns,
					      o->ceiling_ns);

			if (whole < least / WARMUP_WHOLE) {
				least = whole * WARMUP_WHOLE;
			}
		}

		if (t < least) {
			t = least;
		}
	}
	return clamp(t, o->floor_ns, o->ceiling_ns);
}

static void sample(const struct lta_agent_options *o, struct estimate *e,
		   int64_t d)
{
	double diff;

	if (e->samples == 0) {
		/* As TCP's first RTT: mean = d, deviation = d / 2. */
		e->mean = (double)d;
		e->dev = (double)d / 2;
		e->peak = (double)d;
	} else {
		diff = (double)d - e->mean;
		e->mean += diff / 8;
		e->dev += ((diff < 0 ? -diff : diff) - e->dev) / 4;
		e->peak *= o->tail_decay;
		if ((double)d > e->peak) {
			e->peak = (double)d;
		}
	}
	e->samples++;
}

struct lta_agent *lta_agent_create(const struct lta_agent_options *options,
				   lta_agent_error_func on_error,
				   void *user_data)
{
	struct lta_agent *agent = calloc(1, sizeof(*agent));
	struct lta_agent_options *o;

	if (!agent) {
		return NULL;
	}
	o = &agent->options;
	o->k = 4;
	o->floor_ns = 50 * 1000000LL;
	o->ceiling_ns = 30 * 1000000000LL;
	o->warmup = 10;
	o->tail_margin = 1.5;
	o->tail_decay = 0.999;
	o->max_open = 100000;
	o->max_errors = 10000;
	if (options) {
		if (options->k > 0) {
			o->k = options->k;
		}
		if (options->floor_ns > 0) {
			o->floor_ns = options->floor_ns;
		}
		if (options->ceiling_ns > 0) {
			o->ceiling_ns = options->ceiling_ns;
		}
		if (options->warmup > 0) {
			o->warmup = options->warmup;
		}
		if (options->tail_margin > 0) {
			o->tail_margin = options->tail_margin;
		}
		if (options->tail_decay > 0 && options->tail_decay <= 1) {
			o->tail_decay = options->tail_decay;
		}
		if (options->max_open > 0) {
			o->max_open = options->max_open;
		}
		if (options->max_errors > 0) {
			o->max_errors = options->max_errors;
		}
		o->late_window_ns = options->late_window_ns;
		o->process_gone = options->process_gone;
		o->process_gone_data = options->process_gone_data;
		o->downstream = options->downstream;
		o->downstream_data = options->downstream_data;
	}
	if (o->late_window_ns <= 0) {
		o->late_window_ns = 10 * o->ceiling_ns;
	}
	if (o->floor_ns > o->ceiling_ns) {
		o->floor_ns = o->ceiling_ns;
	}
	agent->on_error = on_error;
	agent->user_data = user_data;
	agent->next_uid = 1;
	agent->next_error_id = 1;
	agent->now = INT64_MIN;
	agent->names = lta_intern_create();
	if (!agent->names || lta_htable_init(&agent->estimates, 64) ||
	    lta_htable_init(&agent->open, 1024) ||
	    lta_htable_init(&agent->by_uid, 1024) ||
	    lta_htable_init(&agent->threads, 256) ||
	    lta_htable_init(&agent->fired, 256)) {
		lta_agent_destroy(agent);
		return NULL;
	}
	return agent;
}

/* --- the deadline heap ---------------------------------------------------- */

static void heap_swap(struct lta_agent *agent, size_t a, size_t b)
{
	struct open_start *t = agent->heap[a];

	agent->heap[a] = agent->heap[b];
	agent->heap[b] = t;
	agent->heap[a]->heap_index = a;
	agent->heap[b]->heap_index = b;
}

static void heap_up(struct lta_agent *agent, size_t i)
{
	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (agent->heap[parent]->deadline <= agent->heap[i]->deadline) {
			break;
		}
		heap_swap(agent, i, parent);
		i = parent;
	}
}

static void heap_down(struct lta_agent *agent, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < agent->heap_len &&
		    agent->heap[l]->deadline < agent->heap[m]->deadline) {
			m = l;
		}
		if (r < agent->heap_len &&
		    agent->heap[r]->deadline < agent->heap[m]->deadline) {
			m = r;
		}
		if (m == i) {
			return;
		}
		heap_swap(agent, i, m);
		i = m;
	}
}

static int heap_push(struct lta_agent *agent, struct open_start *s)
{
	if (agent->heap_len == agent->heap_cap) {
		size_t cap = agent->heap_cap ? agent->heap_cap * 2 : 256;
		struct open_start **grown =
			realloc(agent->heap, cap * sizeof(*grown));

		if (!grown) {
			return -ENOMEM;
		}
		agent->heap = grown;
		agent->heap_cap = cap;
	}
	s->heap_index = agent->heap_len;
	agent->heap[agent->heap_len++] = s;
	heap_up(agent, s->heap_index);
	/* The earliest deadline stays first. */
	LTA_ASSERT_DBG(agent->heap[0]->deadline <= s->deadline);
	return 0;
}

/*
 * Whether S is in the heap where its index says. A macro: it is only
 * used in debug assertions, which optimized builds do not evaluate.
 */
#define IN_HEAP(agent, s)                       \
	((s)->heap_index < (agent)->heap_len && \
	 (agent)->heap[(s)->heap_index] == (s))

static void heap_remove(struct lta_agent *agent, struct open_start *s)
{
	size_t i = s->heap_index;

	/* Removed once: a second removal would drop another start. */
	LTA_ASSERT_DBG(IN_HEAP(agent, s));
	agent->heap_len--;
	if (i != agent->heap_len) {
		heap_swap(agent, i, agent->heap_len);
		heap_down(agent, i);
		heap_up(agent, i);
	}
}

static void heap_update(struct lta_agent *agent, struct open_start *s)
{
	LTA_ASSERT_DBG(IN_HEAP(agent, s));
	heap_down(agent, s->heap_index);
	heap_up(agent, s->heap_index);
}

/* --- estimates and open starts ------------------------------------------ */

/* The estimate (KIND, ENTITY, NAME), made when new; NAME NULL: the whole. */
static struct estimate *find_or_add(struct lta_agent *agent,
				    enum lta_agent_kind kind,
				    const char *entity, const char *name)
{
	uint64_t h = estimate_hash(kind, entity, name);
	struct estimate *head = lta_htable_get(&agent->estimates, h), *e;

	for (e = head; e; e = e->next) {
		if (e->kind == kind && e->entity == entity && e->name == name) {
			return e;
		}
	}
	e = calloc(1, sizeof(*e));
	if (!e) {
		return NULL;
	}
	e->kind = kind;
	e->entity = entity;
	e->name = name;
	e->next = head;
	if (lta_htable_put(&agent->estimates, h, e)) {
		free(e);
		return NULL;
	}
	return e;
}

static struct estimate *estimate_of(struct lta_agent *agent,
				    enum lta_agent_kind kind,
				    const char *entity, const char *name)
{
	struct estimate *whole = find_or_add(agent, kind, entity, NULL), *e;

	if (!whole) {
		return NULL;
	}
	e = find_or_add(agent, kind, entity, name);
	if (e) {
		e->whole = whole;
	}
	return e;
}

static struct open_start *find_open(struct lta_agent *agent, uint64_t h,
				    enum lta_agent_kind kind, uint32_t trace,
				    int32_t pid, const char *entity,
				    const char *name, uint64_t key)
{
	struct open_start *s;

	for (s = lta_htable_get(&agent->open, h); s; s = s->next) {
		if (s->kind == kind && s->trace == trace && s->pid == pid &&
		    s->entity == entity && s->name == name && s->key == key) {
			return s;
		}
	}
	return NULL;
}

static uint64_t thread_key(uint32_t trace, int32_t tid)
{
	return ((uint64_t)trace << 32) | (uint32_t)tid;
}

/*
 * Unlinks S from the chain of its hash in the open table. Cannot fail:
 * the head is replaced under a key present, or the key removed.
 */
static void unchain_open(struct lta_agent *agent, struct open_start *s)
{
	struct open_start *head = lta_htable_get(&agent->open, s->hash), **pp;
	bool found = false;

	for (pp = &head; *pp; pp = &(*pp)->next) {
		if (*pp == s) {
			*pp = s->next;
			found = true;
			break;
		}
	}
	/* Unlinked once. */
	LTA_ASSERT_DBG(found);
	if (head) {
		lta_htable_put(&agent->open, s->hash, head);
	} else {
		lta_htable_remove(&agent->open, s->hash);
	}
	s->next = NULL;
}

/*
 * Links S at the head of the chain of S->hash. Returns 0 or -ENOMEM (S is
 * then in no chain). Linking S back under the hash it was just unchained
 * from cannot fail: the key is there (its head replaced), or was removed
 * by that unchain, and the table, one entry smaller, is under its growth
 * bound again.
 */
static int chain_open(struct lta_agent *agent, struct open_start *s)
{
	s->next = lta_htable_get(&agent->open, s->hash);
	if (lta_htable_put(&agent->open, s->hash, s)) {
		s->next = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* Unlinks S from every table (not from the heap) and frees it. */
static void forget_open(struct lta_agent *agent, struct open_start *s)
{
	void *gone;

	/* Forgotten once, and out of the heap already. */
	LTA_ASSERT_DBG(!IN_HEAP(agent, s));
	unchain_open(agent, s);
	gone = lta_htable_remove(&agent->by_uid, s->uid);
	LTA_ASSERT_DBG(gone == s);
	if (s->kind == LTA_AGENT_SERVICE) {
		uint64_t tk = thread_key(s->trace, s->tid);

		if ((uint64_t)(uintptr_t)lta_htable_get(&agent->threads, tk) ==
		    s->uid) {
			lta_htable_remove(&agent->threads, tk);
		}
	} else if (s->parent_uid) {
		struct open_start *parent =
			lta_htable_get(&agent->by_uid, s->parent_uid);

		/* Counted when S started inside it (uids are never reused). */
		LTA_ASSERT_DBG(!parent || parent->inner_open > 0);
		if (parent && parent->inner_open) {
			parent->inner_open--;
			if (parent->deferred && parent->inner_open == 0) {
				/* Its own deadline passed: decide now. */
				parent->deadline = agent->now;
				heap_update(agent, parent);
			}
		}
	}
	LTA_ASSERT_DBG(!s->estimate || s->estimate->open > 0);
	if (s->estimate && s->estimate->open) {
		s->estimate->open--;
	}
	LTA_ASSERT_DBG(agent->counters.open > 0);
	agent->counters.open--;
	free(s);
}

/* --- errors -------------------------------------------------------------- */

/* Unlinks F from the chain of its hash (cannot fail, as unchain_open()). */
static void unchain_fired(struct lta_agent *agent, struct fired *f)
{
	struct fired *head = lta_htable_get(&agent->fired, f->hash), **pp;

	for (pp = &head; *pp; pp = &(*pp)->next) {
		if (*pp == f) {
			*pp = f->next;
			break;
		}
	}
	if (head) {
		lta_htable_put(&agent->fired, f->hash, head);
	} else {
		lta_htable_remove(&agent->fired, f->hash);
	}
	f->next = NULL;
}

static void drop_oldest_fired(struct lta_agent *agent)
{
	struct fired *f = agent->oldest;

	if (!f) {
		return;
	}
	agent->oldest = f->newer;
	if (agent->oldest) {
		agent->oldest->older = NULL;
	} else {
		agent->newest = NULL;
	}
	unchain_fired(agent, f);
	LTA_ASSERT_DBG(agent->fired_count > 0);
	agent->fired_count--;
	free(f);
}

/* Raises ERROR (filled but for its id) and keeps it for a late end. */
static int raise_error(struct lta_agent *agent, struct lta_agent_error *error,
		       uint64_t hash, struct estimate *e)
{
	struct fired *f;
	int ret = 0;

	error->id = agent->next_error_id++;
	error->late_end_ts = -1;
	agent->counters.errors++;
	if (e) {
		e->errors++;
	}
	if (agent->on_error) {
		ret = agent->on_error(error, false, agent->user_data);
	}
	if (error->type == LTA_AGENT_CRASH) {
		return ret; /* No end can come after a crash. */
	}
	while (agent->fired_count >= agent->options.max_errors) {
		drop_oldest_fired(agent);
		agent->counters.dropped_errors++;
	}
	f = calloc(1, sizeof(*f));
	if (!f) {
		return ret ? ret : -ENOMEM;
	}
	f->hash = hash;
	f->error = *error;
	f->entity = error->entity;
	f->name = error->name;
	f->next = lta_htable_get(&agent->fired, hash);
	if (lta_htable_put(&agent->fired, hash, f)) {
		free(f);
		return ret ? ret : -ENOMEM;
	}
	f->older = agent->newest;
	if (agent->newest) {
		agent->newest->newer = f;
	} else {
		agent->oldest = f;
	}
	agent->newest = f;
	agent->fired_count++;
	return ret;
}

static void fill_error(struct lta_agent_error *error,
		       enum lta_agent_error_type type,
		       const struct open_start *s, int64_t now)
{
	memset(error, 0, sizeof(*error));
	error->type = type;
	error->kind = s->kind;
	error->trace = s->trace;
	error->pid = s->pid;
	error->tid = s->tid;
	error->entity = s->entity;
	error->name = s->name;
	error->key = s->key;
	error->start_ts = s->start_ts;
	error->raised_ts = now;
	error->timeout_ns = s->timeout;
	error->downstream = -1;
}

/*
 * The deadline of S passed at NOW (or S is forced out): raise its error,
 * or, for a service with interactions still open inside it, wait for them
 * (a hung interaction is the InE, not a CoE).
 */
static int expire(struct lta_agent *agent, struct open_start *s, int64_t now,
		  bool forced)
{
	struct lta_agent_error error;
	int ret = 0;

	if (s->kind == LTA_AGENT_SERVICE && !forced && s->inner_open > 0 &&
	    !s->deferred) {
		/* Decide once the inner interactions end or fail. */
		s->deferred = true;
		s->deadline = now + agent->options.ceiling_ns;
		heap_update(agent, s);
		return 0;
	}
	heap_remove(agent, s);
	if (!(s->kind == LTA_AGENT_SERVICE && s->ine_inside)) {
		fill_error(&error,
			   s->kind == LTA_AGENT_SERVICE ? LTA_AGENT_COE
							: LTA_AGENT_INE,
			   s, now);
		error.expired = forced;
		if (s->kind == LTA_AGENT_INTERACTION &&
		    agent->options.downstream) {
			error.downstream = agent->options.downstream(
				&error, agent->options.downstream_data);
		}
		ret = raise_error(agent, &error, s->hash, s->estimate);
	}
	if (s->kind == LTA_AGENT_INTERACTION && s->parent_uid) {
		struct open_start *parent =
			lta_htable_get(&agent->by_uid, s->parent_uid);

		if (parent) {
			parent->ine_inside = true;
		}
	}
	if (forced) {
		agent->counters.expired++;
	}
	forget_open(agent, s);
	return ret;
}

/* --- the API -------------------------------------------------------------- */

int lta_agent_start(struct lta_agent *agent, enum lta_agent_kind kind,
		    uint32_t trace, int32_t pid, int32_t tid,
		    const char *entity, const char *name, uint64_t key,
		    int64_t ts)
{
	const char *ie = lta_intern_get(agent->names, entity ? entity : "");
	const char *in = lta_intern_get(agent->names, name ? name : "");
	struct open_start *s, *old;
	struct estimate *e;
	uint64_t h;
	int ret;

	if (!ie || !in) {
		return -ENOMEM;
	}
	if (ts > agent->now) {
		agent->now = ts;
	}
	e = estimate_of(agent, kind, ie, in);
	if (!e) {
		return -ENOMEM;
	}
	h = start_hash(kind, trace, pid, ie, in, key);
	old = find_open(agent, h, kind, trace, pid, ie, in, key);
	if (old) {
		/* The same key again: the end of the first was lost. */
		heap_remove(agent, old);
		forget_open(agent, old);
	}
	while (agent->counters.open >= agent->options.max_open &&
	       agent->heap_len > 0) {
		/* Memory stays bounded: the oldest deadline fails now. */
		ret = expire(agent, agent->heap[0], ts, true);
		if (ret) {
			return ret;
		}
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		return -ENOMEM;
	}
	s->hash = h;
	s->uid = agent->next_uid++;
	s->kind = kind;
	s->trace = trace;
	s->pid = pid;
	s->tid = tid;
	s->entity = ie;
	s->name = in;
	s->key = key;
	s->start_ts = ts;
	s->estimate = e;
	s->timeout = timeout_of(agent, e);
	s->deadline = ts + s->timeout;
	if (kind == LTA_AGENT_INTERACTION) {
		uint64_t parent = (uint64_t)(uintptr_t)lta_htable_get(
			&agent->threads, thread_key(trace, tid));
		struct open_start *p =
			parent ? lta_htable_get(&agent->by_uid, parent) : NULL;

		if (p && p->pid == pid) {
			s->parent_uid = parent;
			p->inner_open++;
		}
	}
	if (chain_open(agent, s)) {
		free(s);
		return -ENOMEM;
	}
	if (lta_htable_put(&agent->by_uid, s->uid, s) || heap_push(agent, s)) {
		/* Undo what went in. */
		unchain_open(agent, s);
		lta_htable_remove(&agent->by_uid, s->uid);
		free(s);
		return -ENOMEM;
	}
	if (kind == LTA_AGENT_SERVICE) {
		lta_htable_put(&agent->threads, thread_key(trace, tid),
			       (void *)(uintptr_t)s->uid);
	}
	e->open++;
	agent->counters.open++;
	agent->counters.starts++;
	return 0;
}

/* The error of a failed start waiting for its late end, or NULL. */
static struct fired *find_fired(struct lta_agent *agent, uint64_t h,
				enum lta_agent_kind kind, uint32_t trace,
				int32_t pid, const char *entity,
				const char *name, uint64_t key)
{
	struct fired *f;

	for (f = lta_htable_get(&agent->fired, h); f; f = f->next) {
		const struct lta_agent_error *err = &f->error;

		if (err->kind == kind && err->trace == trace &&
		    err->pid == pid && f->entity == entity && f->name == name &&
		    err->key == key && err->late_end_ts < 0) {
			return f;
		}
	}
	return NULL;
}

/*
 * A late end is a sample when it shows the tail the estimate missed: it
 * came within twice the current timeout of the estimate it ends under,
 * or that estimate is still in its warm-up (else a new kind slower than
 * its warm-up timeout would raise an error on every run and never learn).
 * A later end is a recovery from a hang, not normal behaviour: it would
 * inflate the timeout. The timeout applied is not the measure: a start
 * moved after its error, or raised in a warm-up, had a looser one.
 */
static void late_sample(struct lta_agent *agent, const struct fired *f,
			int64_t ts)
{
	const struct lta_agent_error *err = &f->error;
	int64_t d = ts - err->start_ts;
	struct estimate *e;

	if (err->type == LTA_AGENT_CRASH || d < 0) {
		return;
	}
	e = estimate_of(agent, err->kind, f->entity, f->name);
	if (!e || (e->samples >= agent->options.warmup &&
		   d > 2 * timeout_of(agent, e))) {
		return;
	}
	sample(&agent->options, e, d);
	if (e->whole) {
		sample(&agent->options, e->whole, d);
	}
}

int lta_agent_end(struct lta_agent *agent, enum lta_agent_kind kind,
		  uint32_t trace, int32_t pid, const char *entity,
		  const char *name, uint64_t key, int64_t ts)
{
	const char *ie = lta_intern_get(agent->names, entity ? entity : "");
	const char *in = lta_intern_get(agent->names, name ? name : "");
	struct open_start *s;
	struct fired *f;
	uint64_t h;

	if (!ie || !in) {
		return -ENOMEM;
	}
	if (ts > agent->now) {
		agent->now = ts;
	}
	h = start_hash(kind, trace, pid, ie, in, key);
	agent->counters.ends++;
	s = find_open(agent, h, kind, trace, pid, ie, in, key);
	if (s) {
		/*
		 * A service whose interaction failed is no sample of normal
		 * behaviour: its duration would inflate the timeout.
		 */
		if (ts >= s->start_ts && !s->ine_inside) {
			sample(&agent->options, s->estimate, ts - s->start_ts);
			if (s->estimate->whole) {
				sample(&agent->options, s->estimate->whole,
				       ts - s->start_ts);
			}
		}
		heap_remove(agent, s);
		forget_open(agent, s);
		return 0;
	}
	/* After its error: a late end, newest error of that key first. */
	f = find_fired(agent, h, kind, trace, pid, ie, in, key);
	if (f) {
		struct lta_agent_error *err = &f->error;
		/* Counted where its error was (before a move, if any). */
		struct estimate *e =
			estimate_of(agent, kind, err->entity, err->name);

		err->late_end_ts = ts;
		agent->counters.late_ends++;
		if (e) {
			e->late_ends++;
		}
		late_sample(agent, f, ts);
		return agent->on_error
			       ? agent->on_error(err, true, agent->user_data)
			       : 0;
	}
	agent->counters.unmatched_ends++;
	return -ENOENT;
}

/* Moves the open start S to estimate E under hash NH (lta_agent_move()). */
static int move_open(struct lta_agent *agent, struct open_start *s,
		     struct estimate *e, uint64_t nh)
{
	uint64_t old_hash = s->hash;
	int64_t deadline;

	unchain_open(agent, s);
	s->hash = nh;
	if (chain_open(agent, s)) {
		/* Back where it was: that cannot fail (chain_open()). */
		s->hash = old_hash;
		(void)chain_open(agent, s);
		return -ENOMEM;
	}
	s->entity = e->entity;
	s->name = e->name;
	LTA_ASSERT_DBG(s->estimate && s->estimate->open > 0);
	if (s->estimate && s->estimate->open) {
		s->estimate->open--;
	}
	s->estimate = e;
	e->open++;
	s->timeout = timeout_of(agent, e);
	deadline = s->start_ts + s->timeout;
	if (!s->deferred || deadline > agent->now) {
		/*
		 * Past already: lta_agent_advance() fires it. A deferred
		 * service whose new deadline is still ahead waits for that
		 * one, not for its interactions.
		 */
		s->deferred = false;
		s->deadline = deadline;
		heap_update(agent, s);
	}
	return 0;
}

int lta_agent_move(struct lta_agent *agent, enum lta_agent_kind kind,
		   uint32_t trace, int32_t pid, const char *entity,
		   const char *name, uint64_t key, const char *new_entity,
		   const char *new_name)
{
	const char *ie = lta_intern_get(agent->names, entity ? entity : "");
	const char *in = lta_intern_get(agent->names, name ? name : "");
	const char *ne =
		lta_intern_get(agent->names, new_entity ? new_entity : "");
	const char *nn = lta_intern_get(agent->names, new_name ? new_name : "");
	struct open_start *s, *old;
	struct estimate *e;
	struct fired *f;
	uint64_t h, nh;

	if (!ie || !in || !ne || !nn) {
		return -ENOMEM;
	}
	h = start_hash(kind, trace, pid, ie, in, key);
	nh = start_hash(kind, trace, pid, ne, nn, key);
	s = find_open(agent, h, kind, trace, pid, ie, in, key);
	if (s) {
		if (ie == ne && in == nn) {
			return 0;
		}
		e = estimate_of(agent, kind, ne, nn);
		if (!e) {
			return -ENOMEM;
		}
		old = find_open(agent, nh, kind, trace, pid, ne, nn, key);
		if (old) {
			/* The same key there: the end of that one was lost. */
			heap_remove(agent, old);
			forget_open(agent, old);
		}
		if (move_open(agent, s, e, nh)) {
			return -ENOMEM;
		}
		agent->counters.moves++;
		return 0;
	}
	f = find_fired(agent, h, kind, trace, pid, ie, in, key);
	if (!f) {
		return -ENOENT;
	}
	/* Its late end will come under the new names. */
	unchain_fired(agent, f);
	f->hash = nh;
	f->next = lta_htable_get(&agent->fired, nh);
	if (lta_htable_put(&agent->fired, nh, f)) {
		/* Back where it was: cannot fail (see chain_open()). */
		f->hash = h;
		f->next = lta_htable_get(&agent->fired, h);
		(void)lta_htable_put(&agent->fired, h, f);
		return -ENOMEM;
	}
	f->entity = ne;
	f->name = nn;
	agent->counters.moves++;
	return 0;
}

int lta_agent_advance(struct lta_agent *agent, int64_t now)
{
	int ret = 0;

	if (now > agent->now) {
		agent->now = now;
	}
	while (agent->heap_len > 0 && agent->heap[0]->deadline <= now) {
		struct open_start *s = agent->heap[0];
		int gone = agent->options.process_gone
				   ? agent->options.process_gone(
					     s->trace, s->pid,
					     agent->options.process_gone_data)
				   : 0;

		if (gone > 0) {
			/* Not a hang: it died (every start of it goes). */
			ret = lta_agent_process_exit(agent, s->trace, s->pid,
						     now);
			if (ret) {
				return ret;
			}
			continue;
		}
		if (gone < 0) {
			/*
			 * Gone, but found so after this trace time: what it
			 * did before dying (the end of this start, maybe) may
			 * still come. Neither a hang nor a crash yet: asked
			 * again later in trace time (the crash comes when
			 * trace time reaches its death).
			 */
			s->deadline = now + GONE_RECHECK_NS;
			heap_update(agent, s);
			continue;
		}
		ret = expire(agent, agent->heap[0], now, false);
		if (ret) {
			return ret;
		}
	}
	/* Errors too old to get a late end are let go. */
	while (agent->oldest &&
	       agent->oldest->error.raised_ts + agent->options.late_window_ns <
		       now) {
		drop_oldest_fired(agent);
	}
	return ret;
}

int lta_agent_process_exit(struct lta_agent *agent, uint32_t trace, int32_t pid,
			   int64_t ts)
{
	struct open_start *oldest = NULL;
	struct lta_agent_error error;
	uint32_t count = 0;
	size_t i;
	int ret;

	for (i = 0; i < agent->heap_len; i++) {
		struct open_start *s = agent->heap[i];

		if (s->trace == trace && s->pid == pid) {
			count++;
			if (!oldest || s->start_ts < oldest->start_ts) {
				oldest = s;
			}
		}
	}
	if (!oldest) {
		return 0;
	}
	fill_error(&error, LTA_AGENT_CRASH, oldest, ts);
	error.timeout_ns = -1;
	error.open_count = count;
	ret = raise_error(agent, &error, oldest->hash, oldest->estimate);
	/* Everything it had open ends with it: no InE/CoE later. */
	i = 0;
	while (i < agent->heap_len) {
		struct open_start *s = agent->heap[i];

		if (s->trace == trace && s->pid == pid) {
			heap_remove(agent, s);
			forget_open(agent, s);
			i = 0;
			continue;
		}
		i++;
	}
	return ret;
}

void lta_agent_thread_serves(struct lta_agent *agent, uint32_t trace,
			     int32_t pid, int32_t tid, const char *entity,
			     const char *name, uint64_t key)
{
	const char *ie = lta_intern_get(agent->names, entity ? entity : "");
	const char *in = lta_intern_get(agent->names, name ? name : "");
	struct open_start *s;

	if (!ie || !in) {
		return;
	}
	s = find_open(agent,
		      start_hash(LTA_AGENT_SERVICE, trace, pid, ie, in, key),
		      LTA_AGENT_SERVICE, trace, pid, ie, in, key);
	if (s) {
		/* Best effort: without it, the interaction has no parent. */
		(void)lta_htable_put(&agent->threads, thread_key(trace, tid),
				     (void *)(uintptr_t)s->uid);
	}
}

int lta_agent_open_processes(const struct lta_agent *agent,
			     int (*fn)(uint32_t trace, int32_t pid,
				       void *user_data),
			     void *user_data)
{
	struct lta_htable seen;
	size_t i;
	int ret = 0;

	if (lta_htable_init(&seen, 16)) {
		return -ENOMEM;
	}
	for (i = 0; i < agent->heap_len && ret == 0; i++) {
		const struct open_start *s = agent->heap[i];
		uint64_t k = thread_key(s->trace, s->pid);

		if (lta_htable_get(&seen, k)) {
			continue;
		}
		if (lta_htable_put(&seen, k, (void *)1)) {
			ret = -ENOMEM;
			break;
		}
		ret = fn(s->trace, s->pid, user_data);
	}
	lta_htable_fini(&seen);
	return ret;
}

int lta_agent_estimates(const struct lta_agent *agent,
			int (*fn)(const struct lta_agent_estimate *e,
				  void *user_data),
			void *user_data)
{
	size_t pos = 0;
	uint64_t key;
	void *value;
	int ret;

	while (lta_htable_next(&agent->estimates, &pos, &key, &value)) {
		const struct estimate *e;

		for (e = value; e; e = e->next) {
			struct lta_agent_estimate out = {
				.kind = e->kind,
				.entity = e->entity,
				.name = e->name,
				.samples = e->samples,
				.mean_ns = (int64_t)e->mean,
				.dev_ns = (int64_t)e->dev,
				.timeout_ns = timeout_of(agent, e),
				.open = e->open,
				.errors = e->errors,
				.late_ends = e->late_ends,
			};

			if (!e->name) {
				/* A whole entity's: internal (warm-up). */
				continue;
			}
			ret = fn(&out, user_data);
			if (ret) {
				return ret;
			}
		}
	}
	return 0;
}

const struct lta_agent_counters *
lta_agent_counters(const struct lta_agent *agent)
{
	return &agent->counters;
}

const char *lta_agent_error_name(enum lta_agent_error_type type)
{
	switch (type) {
	case LTA_AGENT_INE:
		return "InE";
	case LTA_AGENT_COE:
		return "CoE";
	case LTA_AGENT_CRASH:
		return "crash";
	}
	return "unknown";
}

void lta_agent_destroy(struct lta_agent *agent)
{
	size_t pos = 0, i;
	uint64_t key;
	void *value;

	if (!agent) {
		return;
	}
	for (i = 0; i < agent->heap_len; i++) {
		free(agent->heap[i]);
	}
	free(agent->heap);
	while (lta_htable_next(&agent->estimates, &pos, &key, &value)) {
		struct estimate *e = value;

		while (e) {
			struct estimate *next = e->next;

			free(e);
			e = next;
		}
	}
	while (agent->oldest) {
		struct fired *next = agent->oldest->newer;

		free(agent->oldest);
		agent->oldest = next;
	}
	lta_htable_fini(&agent->estimates);
	lta_htable_fini(&agent->open);
	lta_htable_fini(&agent->by_uid);
	lta_htable_fini(&agent->threads);
	lta_htable_fini(&agent->fired);
	lta_intern_destroy(agent->names);
	free(agent);
}
