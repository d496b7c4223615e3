/* SPDX-License-Identifier: GPL-2.0-only */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/htable.h"
#include "common/strbuf.h"
#include "window.h"

/* One group of one window: its key and figures. */
struct group {
	struct group *next_same; /* Same key hash (a chain in the table). */
	uint64_t hash;
	/*
	 * Owned: the joined key, then each value grouped by, NUL-separated;
	 * values[] point into it.
	 */
	char *strings;
	size_t strings_size;
	const char *values[LTA_WINDOW_KEY_COUNT];
	uint64_t count;
	uint64_t bytes;
	uint64_t errors;
	/* O(1) per event while open; a sparse histogram when closed. */
	struct lta_sparse_recorder latency;
};

/*
 * An open pane of one query: the events of [start, start + slide). A
 * window [s, s + range) is the merge of its range / slide panes (a
 * tumbling window is its one pane), so that an event costs one update
 * whatever range / slide ("No pane, no gain", Li et al., 2005).
 */
struct window {
	int64_t start;
	struct window *next;	 /* Owned: the next open window by start. */
	struct lta_htable table; /* Key hash -> chain of groups. */
	struct group **groups;	 /* Owned (and the groups). */
	uint32_t group_count;
	uint32_t group_alloc;
};

struct query {
	struct lta_window_query q; /* Strings owned. */
	struct window *open;	   /* Owned: the panes, sorted by start. */
	struct window *last;	   /* The last of them (borrowed); NULL. */
	/*
	 * The start of the next window to close; windows before it are
	 * closed (handed out, or had no event). Valid once closing began.
	 */
	int64_t next_close;
	bool closing;
	struct lta_window_counters counters;
};

struct lta_window_set {
	struct query *queries; /* Owned. */
	uint32_t query_count;
	uint32_t syscall_queries; /* Of the system-call stream. */
	bool seen;		  /* max_ts is set. */
	bool flushed;		  /* Every window closed for good. */
	int64_t max_ts;
	/*
	 * max_ts from which some window closes (the earliest over the
	 * queries): below it, a new time closes nothing and costs nothing.
	 */
	int64_t next_due;
	lta_window_closed_func on_closed; /* Borrowed. */
	void *user_data;		  /* Borrowed. */
	struct lta_strbuf key;		  /* Scratch: the joined key. */
};

/* What a request or a system call brings to a query. */
struct item {
	int64_t ts;
	int64_t latency;
	uint64_t bytes;
	bool error;
	const char *values[LTA_WINDOW_KEY_COUNT];
};

static const char *const key_names[LTA_WINDOW_KEY_COUNT] = {
	[LTA_WINDOW_KEY_COMPONENT] = "component",
	[LTA_WINDOW_KEY_END_REASON] = "end_reason",
	[LTA_WINDOW_KEY_SYSCALL] = "syscall",
	[LTA_WINDOW_KEY_PATH] = "path",
};

const char *lta_window_key_name(enum lta_window_key key)
{
	return (unsigned)key < LTA_WINDOW_KEY_COUNT ? key_names[key] : "?";
}

bool lta_window_key_from_name(const char *name, enum lta_window_key *key)
{
	unsigned i;

	for (i = 0; i < LTA_WINDOW_KEY_COUNT; i++) {
		if (strcmp(name, key_names[i]) == 0) {
			*key = (enum lta_window_key)i;
			return true;
		}
	}
	return false;
}

int lta_window_parse_group_by(const char *list, unsigned *group_by)
{
	char name[32];
	const char *p = list;

	*group_by = 0;
	if (strcmp(list, "none") == 0) {
		return 0;
	}
	do {
		size_t len = strcspn(p, ",");
		enum lta_window_key key;

		if (len == 0 || len >= sizeof(name)) {
			return -EINVAL;
		}
		memcpy(name, p, len);
		name[len] = '\0';
		if (!lta_window_key_from_name(name, &key)) {
			return -EINVAL;
		}
		*group_by |= LTA_WINDOW_GROUP_BY(key);
		p += len;
	} while (*p++ == ',');
	return 0;
}

struct lta_window_set *lta_window_set_create(lta_window_closed_func on_closed,
					     void *user_data)
{
	struct lta_window_set *set = calloc(1, sizeof(*set));

	if (!set) {
		return NULL;
	}
	set->on_closed = on_closed;
	set->user_data = user_data;
	return set;
}

static void free_query_strings(struct lta_window_query *q)
{
	free((char *)q->component);
	free((char *)q->syscall);
}

int lta_window_set_add(struct lta_window_set *set,
		       const struct lta_window_query *query)
{
	struct lta_window_query q = *query;
	struct query *queries;

	if (q.slide == 0) {
		q.slide = q.range;
	}
	if ((q.stream != LTA_WINDOW_STREAM_REQUESTS &&
	     q.stream != LTA_WINDOW_STREAM_SYSCALLS) ||
	    q.range <= 0 || q.slide <= 0 || q.slide > q.range ||
	    q.range % q.slide != 0 ||
	    q.range / q.slide > LTA_WINDOW_MAX_OVERLAP || q.grace < 0 ||
	    q.range > LTA_WINDOW_MAX_RANGE || q.grace > LTA_WINDOW_MAX_RANGE ||
	    q.min_latency < 0 ||
	    (q.group_by & ~((1u << LTA_WINDOW_KEY_COUNT) - 1)) ||
	    set->query_count >= INT32_MAX) {
		return -EINVAL;
	}
	if (q.end_reasons == 0) {
		q.end_reasons = LTA_WINDOW_DEFAULT_END_REASONS;
	}
	if (q.max_groups == 0) {
		q.max_groups = LTA_WINDOW_DEFAULT_MAX_GROUPS;
	}
	q.component = query->component ? strdup(query->component) : NULL;
	q.syscall = query->syscall ? strdup(query->syscall) : NULL;
	if ((query->component && !q.component) ||
	    (query->syscall && !q.syscall)) {
		goto nomem;
	}
	queries = realloc(set->queries,
			  (set->query_count + 1) * sizeof(*set->queries));
	if (!queries) {
		goto nomem;
	}
	set->queries = queries;
	memset(&queries[set->query_count], 0, sizeof(*queries));
	queries[set->query_count].q = q;
	if (q.stream == LTA_WINDOW_STREAM_SYSCALLS) {
		set->syscall_queries++;
	}
	return (int)set->query_count++;
nomem:
	free_query_strings(&q);
	return -ENOMEM;
}

static void group_destroy(struct group *g)
{
	lta_sparse_recorder_fini(&g->latency);
	free(g->strings);
	free(g);
}

static void window_destroy(struct window *w)
{
	uint32_t i;

	for (i = 0; i < w->group_count; i++) {
		group_destroy(w->groups[i]);
	}
	free(w->groups);
	lta_htable_fini(&w->table);
	free(w);
}

static int compare_groups(const void *a, const void *b)
{
	const struct group *x = *(const struct group *const *)a;
	const struct group *y = *(const struct group *const *)b;

	return strcmp(x->strings, y->strings);
}

/*
 * Hands out W, the window [START, START + range) of query QI, group by
 * group, sorted by key. Returns the first non-zero value of the callback.
 */
static int emit_window(struct lta_window_set *set, uint32_t qi,
		       struct window *w, int64_t start)
{
	struct query *query = &set->queries[qi];
	const struct lta_window_query *q = &query->q;
	uint32_t i;
	int ret = 0;

	qsort(w->groups, w->group_count, sizeof(*w->groups), compare_groups);
	for (i = 0; i < w->group_count; i++) {
		const struct group *g = w->groups[i];
		struct lta_sparse_histogram latency;
		struct lta_window_closed c;
		int r;

		lta_sparse_histogram_init(&latency);
		if (lta_sparse_recorder_finish(&g->latency, &latency)) {
			lta_sparse_histogram_fini(&latency);
			if (!ret) {
				ret = -ENOMEM;
			}
			continue;
		}
		c = (struct lta_window_closed){
			.query = qi,
			.start = start,
			.end = start + q->range,
			.group = g->strings,
			.count = g->count,
			.rate = (double)g->count / ((double)q->range / 1e9),
			.bytes = g->bytes,
			.errors = g->errors,
			.latency = &latency,
			.p50 = lta_sparse_histogram_percentile(&latency, 50),
			.p90 = lta_sparse_histogram_percentile(&latency, 90),
			.p99 = lta_sparse_histogram_percentile(&latency, 99),
			.max = latency.max,
		};
		memcpy(c.keys, g->values, sizeof(c.keys));
		query->counters.windows_closed++;
		if (set->on_closed) {
			r = set->on_closed(&c, set->user_data);
			if (r && !ret) {
				ret = r;
			}
		}
		lta_sparse_histogram_fini(&latency);
	}
	return ret;
}

/* Frees the first pane of QUERY. */
static void drop_first_pane(struct query *query)
{
	struct window *w = query->open;

	query->open = w->next;
	if (query->last == w) {
		query->last = NULL;
	}
	query->counters.windows_open--;
	query->counters.groups_open -= w->group_count;
	window_destroy(w);
}

static struct group *group_new(const char *strings, size_t size,
			       const char *const *values, uint64_t hash);

/*
 * Merges into M the groups of the panes of QUERY in [START, START +
 * range), the first come first (a group past max_groups is refused: its
 * events counted in refused). Returns 0 or -ENOMEM.
 */
static int merge_panes(struct query *query, int64_t start, struct window *m)
{
	const struct lta_window_query *q = &query->q;
	struct window *p;
	uint32_t i;

	for (p = query->open; p && p->start < start + q->range; p = p->next) {
		for (i = 0; i < p->group_count; i++) {
			const struct group *g = p->groups[i];
			struct group *mg = lta_htable_get(&m->table, g->hash);

			while (mg && strcmp(mg->strings, g->strings) != 0) {
				mg = mg->next_same;
			}
			if (!mg) {
				if (m->group_count >= q->max_groups) {
					query->counters.refused += g->count;
					continue;
				}
				if (m->group_count == m->group_alloc) {
					uint32_t alloc =
						m->group_alloc
							? m->group_alloc * 2
							: 4;
					struct group **groups = realloc(
						m->groups,
						alloc * sizeof(*groups));

					if (!groups) {
						return -ENOMEM;
					}
					m->groups = groups;
					m->group_alloc = alloc;
				}
				mg = group_new(g->strings, g->strings_size,
					       g->values, g->hash);
				if (!mg) {
					return -ENOMEM;
				}
				mg->next_same =
					lta_htable_get(&m->table, g->hash);
				if (lta_htable_put(&m->table, g->hash, mg)) {
					group_destroy(mg);
					return -ENOMEM;
				}
				m->groups[m->group_count++] = mg;
			}
			mg->count += g->count;
			mg->bytes += g->bytes;
			mg->errors += g->errors;
			if (lta_sparse_recorder_merge(&mg->latency,
						      &g->latency)) {
				return -ENOMEM;
			}
		}
	}
	return 0;
}

/*
 * Closes the window of query QI starting at START (it holds the first
 * pane): hands it out, then frees the panes no later window holds.
 */
static int close_window(struct lta_window_set *set, uint32_t qi, int64_t start)
{
	struct query *query = &set->queries[qi];
	const struct lta_window_query *q = &query->q;
	struct window merged = { .start = start };
	int ret;

	if (q->range == q->slide) {
		/* Tumbling: the window is its pane. */
		ret = emit_window(set, qi, query->open, start);
	} else {
		ret = lta_htable_init(&merged.table, 16);
		if (ret == 0) {
			ret = merge_panes(query, start, &merged);
		}
		if (ret == 0) {
			ret = emit_window(set, qi, &merged, start);
		}
		for (uint32_t i = 0; i < merged.group_count; i++) {
			group_destroy(merged.groups[i]);
		}
		free(merged.groups);
		lta_htable_fini(&merged.table);
	}
	while (query->open && query->open->start < start + q->slide) {
		drop_first_pane(query);
	}
	query->next_close = start + q->slide;
	query->closing = true;
	return ret;
}

/* The watermark: windows ending at or before it are closed. */
static int64_t watermark(const struct lta_window_set *set,
			 const struct query *query)
{
	if (set->flushed) {
		return INT64_MAX;
	}
	if (!set->seen) {
		return INT64_MIN;
	}
	if (set->max_ts < INT64_MIN + query->q.grace) {
		return INT64_MIN;
	}
	return set->max_ts - query->q.grace;
}

/* Floor of A / B for B > 0, whatever A's sign. */
static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && a < 0) ? q - 1 : q;
}

/*
 * Closes, in order, every window the watermark passed that holds an
 * event (the first one holding the first pane, or the next one to close).
 * Stops after a window for which the callback returned non-zero, and
 * returns that.
 */
/* MAX_TS from which query QUERY closes its next window (INT64_MAX: none). */
static int64_t due_of(const struct lta_window_set *set,
		      const struct query *query)
{
	const struct lta_window_query *q = &query->q;
	int64_t start;

	if (!query->open) {
		return INT64_MAX;
	}
	start = query->open->start - q->range + q->slide;
	if (query->closing && start < query->next_close) {
		start = query->next_close;
	}
	(void)set;
	/* Times are below 2^62, range and grace a week at most. */
	return start + q->range + q->grace;
}

static int close_passed(struct lta_window_set *set)
{
	uint32_t qi;
	int64_t due = INT64_MAX;

	for (qi = 0; qi < set->query_count; qi++) {
		struct query *query = &set->queries[qi];
		const struct lta_window_query *q = &query->q;
		int64_t wm = watermark(set, query);

		while (query->open) {
			/* The first window holding the first pane. */
			int64_t start =
				query->open->start - q->range + q->slide;
			int ret;

			if (query->closing && start < query->next_close) {
				start = query->next_close;
			}
			if (start + q->range > wm) {
				break;
			}
			ret = close_window(set, qi, start);
			if (ret) {
				return ret;
			}
		}
		/*
		 * Every window the watermark passed is closed, held an event
		 * or not: a late pane made now must not reopen one.
		 */
		if (wm > INT64_MIN + q->range && wm < INT64_MAX) {
			int64_t next =
				floor_div(wm - q->range, q->slide) * q->slide +
				q->slide;

			if (!query->closing || next > query->next_close) {
				query->next_close = next;
				query->closing = true;
			}
		}
		if (due_of(set, query) < due) {
			due = due_of(set, query);
		}
	}
	set->next_due = due;
	return 0;
}

/* A time outside 0 to LTA_WINDOW_MAX_TS moves nothing (bad_time). */
static int advance(struct lta_window_set *set, int64_t ts)
{
	if (ts < 0 || ts > LTA_WINDOW_MAX_TS) {
		return 0;
	}
	if (!set->seen || ts > set->max_ts) {
		set->max_ts = ts;
		set->seen = true;
	}
	return ts >= set->next_due ? close_passed(set) : 0;
}

/*
 * Returns the open window of QUERY starting at START, created if need be.
 * *LINK is where to start looking (the list is sorted by start): the link
 * to the window is left there, so that the next window of the same event
 * is found from it.
 */
static struct window *window_at(struct query *query, struct window ***link,
				int64_t start)
{
	struct window *w;

	if (query->last && query->last->start == start) {
		return query->last; /* The usual case: the newest pane. */
	}
	if (query->last && query->last->start < start) {
		*link = &query->last->next; /* A new pane, at the end. */
	}
	while (**link && (**link)->start < start) {
		*link = &(**link)->next;
	}
	if (**link && (**link)->start == start) {
		return **link;
	}
	w = calloc(1, sizeof(*w));
	if (!w || lta_htable_init(&w->table, 16)) {
		free(w);
		return NULL;
	}
	w->start = start;
	w->next = **link;
	**link = w;
	if (!w->next) {
		query->last = w;
	}
	query->counters.windows_open++;
	return w;
}

/*
 * A new empty group: a copy of STRINGS (SIZE bytes: the joined key, then
 * the values), VALUES pointing into it (NULL for the keys not grouped by).
 */
static struct group *group_new(const char *strings, size_t size,
			       const char *const *values, uint64_t hash)
{
	struct group *g = calloc(1, sizeof(*g));
	unsigned k;

	if (!g || !(g->strings = malloc(size))) {
		free(g);
		return NULL;
	}
	memcpy(g->strings, strings, size);
	g->strings_size = size;
	for (k = 0; k < LTA_WINDOW_KEY_COUNT; k++) {
		g->values[k] =
			values[k] ? g->strings + (values[k] - strings) : NULL;
	}
	g->hash = hash;
	return g;
}

static uint64_t hash_key(const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/*
 * Returns the group of W whose joined key is KEY (the values VALUES),
 * created if need be; NULL with *REFUSED set when W is full, NULL alone
 * when out of memory.
 */
static struct group *group_of(struct query *query, struct window *w,
			      const char *key, size_t key_len, uint64_t hash,
			      const struct item *item, bool *refused)
{
	struct group *head = lta_htable_get(&w->table, hash), *g;
	size_t size = key_len + 1, at;
	unsigned k;

	for (g = head; g; g = g->next_same) {
		if (strcmp(g->strings, key) == 0) {
			return g;
		}
	}
	if (w->group_count >= query->q.max_groups) {
		*refused = true;
		return NULL;
	}
	if (w->group_count == w->group_alloc) {
		uint32_t alloc = w->group_alloc ? w->group_alloc * 2 : 4;
		struct group **groups =
			realloc(w->groups, alloc * sizeof(*groups));

		if (!groups) {
			return NULL;
		}
		w->groups = groups;
		w->group_alloc = alloc;
	}
	{
		const char *values[LTA_WINDOW_KEY_COUNT] = { NULL };
		char *strings;

		for (k = 0; k < LTA_WINDOW_KEY_COUNT; k++) {
			if (query->q.group_by & LTA_WINDOW_GROUP_BY(k)) {
				size += strlen(item->values[k]) + 1;
			}
		}
		strings = malloc(size);
		if (!strings) {
			return NULL;
		}
		memcpy(strings, key, key_len + 1);
		at = key_len + 1;
		for (k = 0; k < LTA_WINDOW_KEY_COUNT; k++) {
			if (query->q.group_by & LTA_WINDOW_GROUP_BY(k)) {
				size_t len = strlen(item->values[k]);

				memcpy(strings + at, item->values[k], len + 1);
				values[k] = strings + at;
				at += len + 1;
			}
		}
		g = group_new(strings, size, values, hash);
		free(strings);
		if (!g) {
			return NULL;
		}
	}
	g->next_same = head;
	if (lta_htable_put(&w->table, hash, g)) {
		group_destroy(g);
		return NULL;
	}
	w->groups[w->group_count++] = g;
	query->counters.groups_open++;
	return g;
}

/* Builds the joined key of ITEM for QUERY in SET's scratch buffer. */
static int joined_key(struct lta_window_set *set, const struct query *query,
		      const struct item *item)
{
	unsigned k;
	bool first = true;

	lta_strbuf_clear(&set->key);
	for (k = 0; k < LTA_WINDOW_KEY_COUNT; k++) {
		if (!(query->q.group_by & LTA_WINDOW_GROUP_BY(k))) {
			continue;
		}
		if (!first) {
			lta_strbuf_putc(&set->key, '|');
		}
		lta_strbuf_puts(&set->key, item->values[k]);
		first = false;
	}
	lta_strbuf_cstr(&set->key);
	return set->key.failed ? -ENOMEM : 0;
}

/*
 * Counts ITEM in the windows of QUERY it falls in (the watermark already
 * moved to it); LATE: it came after a later time was seen.
 */
static int count_item(struct lta_window_set *set, struct query *query,
		      const struct item *item, bool late)
{
	const struct lta_window_query *q = &query->q;
	int64_t wm = watermark(set, query);
	int64_t pane = floor_div(item->ts, q->slide) * q->slide;
	struct window **link = &query->open;
	struct window *w;
	struct group *g;
	bool refused = false;
	const char *key;
	uint64_t hash;

	/* The windows holding it start from pane - range + slide to pane. */
	if (pane + q->range <= wm) {
		query->counters.late_dropped++;
		return 0;
	}
	if (pane + q->slide <= wm) {
		/*
		 * Its first windows are past the watermark: closed, even
		 * those that held no event yet (its pane must not reopen
		 * them).
		 */
		int64_t next = floor_div(wm - q->range, q->slide) * q->slide +
			       q->slide;

		if (!query->closing || next > query->next_close) {
			query->next_close = next;
			query->closing = true;
		}
	}
	if (joined_key(set, query, item)) {
		return -ENOMEM;
	}
	key = set->key.len ? set->key.data : "";
	hash = hash_key(key, set->key.len);
	w = window_at(query, &link, pane);
	if (!w) {
		return -ENOMEM;
	}
	if (due_of(set, query) < set->next_due) {
		set->next_due = due_of(set, query);
	}
	g = group_of(query, w, key, set->key.len, hash, item, &refused);
	if (!g) {
		if (!refused) {
			return -ENOMEM;
		}
		/* Once per window that would have held it, as before. */
		query->counters.refused += (uint64_t)(q->range / q->slide);
		return 0;
	}
	if (lta_sparse_recorder_record(&g->latency, item->latency)) {
		return -ENOMEM;
	}
	g->count++;
	g->bytes += item->bytes;
	g->errors += item->error;
	query->counters.events++;
	if (pane + q->slide <= wm) {
		/* Its first windows closed: in the others only. */
		query->counters.late_partial++;
	}
	if (late) {
		query->counters.late_accepted++;
	}
	return 0;
}

/* Moves the watermark to ITEM, then counts it in each query of STREAM. */
static int feed_item(struct lta_window_set *set, enum lta_window_stream stream,
		     const struct item *item, const bool *matches)
{
	bool bad = item->ts < 0 || item->ts > LTA_WINDOW_MAX_TS;
	/* Both in 0 to 2^62 when it counts: no overflow. */
	bool late = !bad && set->seen && item->ts < set->max_ts;
	int64_t lateness = late ? set->max_ts - item->ts : 0;
	uint32_t qi;
	int ret = advance(set, item->ts), r;

	for (qi = 0; qi < set->query_count; qi++) {
		struct query *query = &set->queries[qi];

		if (query->q.stream != stream) {
			continue;
		}
		if (!matches[qi]) {
			query->counters.filtered++;
			continue;
		}
		if (bad) {
			query->counters.bad_time++;
			continue;
		}
		if (lateness > query->counters.max_late) {
			query->counters.max_late = lateness;
		}
		r = count_item(set, query, item, late);
		if (r < 0) {
			return r;
		}
	}
	return ret;
}

/* Whether ITEM passes QUERY's filter (the stream's own checks apart). */
static bool passes(const struct query *query, const struct item *item)
{
	const struct lta_window_query *q = &query->q;

	if (q->component &&
	    strcmp(q->component, item->values[LTA_WINDOW_KEY_COMPONENT]) != 0) {
		return false;
	}
	if (item->latency < q->min_latency) {
		return false;
	}
	return true;
}

/* Copies the path of a request line into BUF: "GET /a?b HTTP/1.1": "/a". */
static void request_path(const char *line, char *buf, size_t size)
{
	const char *p = strchr(line, ' ');
	size_t len;

	buf[0] = '\0';
	if (!p) {
		return;
	}
	p++;
	len = strcspn(p, " ?#");
	if (len >= size) {
		len = size - 1;
	}
	memcpy(buf, p, len);
	buf[len] = '\0';
}

/* Room for a flag per query: STACK when it is large enough, else the heap. */
static bool *matches_buffer(struct lta_window_set *set, bool *stack,
			    size_t stack_len)
{
	if (set->query_count <= stack_len) {
		return stack;
	}
	return malloc(set->query_count * sizeof(bool));
}

int lta_window_set_request(struct lta_window_set *set,
			   const struct lta_request *r)
{
	char path[LTA_REQUEST_LINE_MAX];
	bool stack[16] = { false }, *matches;
	struct item item = { 0 };
	uint32_t qi;
	int ret;

	if (set->query_count == 0) {
		return 0;
	}
	if (r->end < 0) {
		for (qi = 0; qi < set->query_count; qi++) {
			if (set->queries[qi].q.stream ==
			    LTA_WINDOW_STREAM_REQUESTS) {
				set->queries[qi].counters.unended++;
			}
		}
		return 0;
	}
	request_path(r->request_line, path, sizeof(path));
	item.ts = r->end;
	/* No overflow on a corrupted start: a start after the end is 0. */
	item.latency =
		r->start >= 0 && r->start <= r->end ? r->end - r->start : 0;
	item.bytes = r->bytes_read + r->bytes_written;
	item.error = r->end_reason != LTA_REQUEST_END_CLOSE &&
		     r->end_reason != LTA_REQUEST_END_SHUTDOWN &&
		     r->end_reason != LTA_REQUEST_END_KEEPALIVE;
	item.values[LTA_WINDOW_KEY_COMPONENT] =
		r->component[0] ? r->component : r->procname;
	item.values[LTA_WINDOW_KEY_END_REASON] =
		lta_request_end_name(r->end_reason);
	item.values[LTA_WINDOW_KEY_SYSCALL] = "";
	item.values[LTA_WINDOW_KEY_PATH] = path;
	matches = matches_buffer(set, stack, sizeof(stack) / sizeof(*stack));
	if (!matches) {
		return -ENOMEM;
	}
	for (qi = 0; qi < set->query_count; qi++) {
		const struct query *query = &set->queries[qi];

		matches[qi] = passes(query, &item) &&
			      (query->q.end_reasons & (1u << r->end_reason));
	}
	ret = feed_item(set, LTA_WINDOW_STREAM_REQUESTS, &item, matches);
	if (matches != stack) {
		free(matches);
	}
	return ret;
}

int lta_window_set_syscall(struct lta_window_set *set,
			   const struct lta_event *event)
{
	bool stack[16] = { false }, *matches;
	struct item item = { 0 };
	int64_t ret_value = 0;
	uint32_t qi;
	int ret;

	if (event->kind != LTA_EVENT_SYSCALL_EXIT || !set->syscall_queries) {
		return advance(set, event->ts);
	}
	if (event->entry_ts < 0 || event->ts < event->entry_ts) {
		for (qi = 0; qi < set->query_count; qi++) {
			if (set->queries[qi].q.stream ==
			    LTA_WINDOW_STREAM_SYSCALLS) {
				set->queries[qi].counters.untimed++;
			}
		}
		return advance(set, event->ts);
	}
	item.ts = event->ts;
	item.latency = event->ts - event->entry_ts;
	if (event->ret_arg >= 0) {
		lta_event_arg_int(event, event->ret_arg, &ret_value);
	}
	item.error = ret_value < 0;
	item.values[LTA_WINDOW_KEY_COMPONENT] =
		event->procname ? event->procname : "";
	item.values[LTA_WINDOW_KEY_END_REASON] = "";
	item.values[LTA_WINDOW_KEY_SYSCALL] =
		event->syscall_name ? event->syscall_name : "(unknown)";
	item.values[LTA_WINDOW_KEY_PATH] = "";
	matches = matches_buffer(set, stack, sizeof(stack) / sizeof(*stack));
	if (!matches) {
		return -ENOMEM;
	}
	for (qi = 0; qi < set->query_count; qi++) {
		const struct query *query = &set->queries[qi];

		matches[qi] =
			passes(query, &item) &&
			(!query->q.syscall ||
			 strcmp(query->q.syscall,
				item.values[LTA_WINDOW_KEY_SYSCALL]) == 0);
	}
	ret = feed_item(set, LTA_WINDOW_STREAM_SYSCALLS, &item, matches);
	if (matches != stack) {
		free(matches);
	}
	return ret;
}

int lta_window_set_tick(struct lta_window_set *set, int64_t ts)
{
	return advance(set, ts);
}

int lta_window_set_flush(struct lta_window_set *set)
{
	set->flushed = true;
	return close_passed(set);
}

const struct lta_window_counters *
lta_window_set_counters(const struct lta_window_set *set, uint32_t query)
{
	return query < set->query_count ? &set->queries[query].counters : NULL;
}

const struct lta_window_query *
lta_window_set_query(const struct lta_window_set *set, uint32_t query)
{
	return query < set->query_count ? &set->queries[query].q : NULL;
}

void lta_window_set_destroy(struct lta_window_set *set)
{
	uint32_t qi;

	if (!set) {
		return;
	}
	for (qi = 0; qi < set->query_count; qi++) {
		struct window *w = set->queries[qi].open, *next;

		for (; w; w = next) {
			next = w->next;
			window_destroy(w);
		}
		free_query_strings(&set->queries[qi].q);
	}
	free(set->queries);
	lta_strbuf_fini(&set->key);
	free(set);
}

int lta_window_parse_duration(const char *text, int64_t *ns)
{
	static const struct {
		const char *suffix;
		double unit;
	} units[] = {
		{ "", 1 },     { "ns", 1 },  { "us", 1e3 },
		{ "ms", 1e6 }, { "s", 1e9 }, { "m", 60e9 },
	};
	char *end;
	double v;
	size_t i;

	if (!text || *text < '0' || *text > '9') {
		return -EINVAL;
	}
	v = strtod(text, &end);
	for (i = 0; i < sizeof(units) / sizeof(*units); i++) {
		if (strcmp(end, units[i].suffix) == 0) {
			double x = v * units[i].unit + 0.5;

			if (!(x >= 0) || x >= 9.2e18) {
				return -EINVAL;
			}
			*ns = (int64_t)x;
			return 0;
		}
	}
	return -EINVAL;
}
