/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The fleet view (publish.h): the stream read back whole and summed per
 * host, session and component: requests (from the request messages),
 * request rate and latency percentiles (from the closed windows of each
 * analysis's default query, their histograms merged, never averaged),
 * timing errors by type and late ends; then per host and for the whole
 * fleet. What `lttng-analyzer fleet` prints and GET /api/v1/fleet serves.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/htable.h"
#include "common/strbuf.h"
#include "histogram/sparse.h"
#include "publish.h"

/* The default query of an analysis: 1 s windows per component. */
#define DEFAULT_QUERY 1

struct figures {
	uint64_t requests, windowed, windows;
	uint64_t ine, coe, crash, late_ends;
	int64_t first_ns, last_ns; /* Span of the windows merged. */
	struct lta_sparse_histogram latency;
};

struct group {
	char host[96], session[96], component[128];
	struct figures f;
};

struct lta_fleet_view {
	struct group *groups;
	size_t count, alloc;
	uint64_t messages, duplicates, bad;
	FILE *dump; /* Print each message there instead (--messages). */
	struct lta_htable seen; /* Hash of a message id -> 1. */
	char **ids;		/* Owned: every id, to tell collisions. */
	size_t id_count, id_alloc;
};

static uint64_t hash_text(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++) {
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	}
	return h ? h : 1;
}

/* Whether ID was seen already (then a duplicate); records it. */
static bool seen_before(struct lta_fleet_view *fl, const char *id)
{
	uint64_t h = hash_text(id);
	void *v = lta_htable_get(&fl->seen, h);
	size_t i;

	if (v) {
		/* Collisions of 64-bit hashes: compare for real. */
		for (i = 0; i < fl->id_count; i++) {
			if (strcmp(fl->ids[i], id) == 0) {
				return true;
			}
		}
	}
	if (fl->id_count == fl->id_alloc) {
		size_t alloc = fl->id_alloc ? fl->id_alloc * 2 : 1024;
		char **grown = realloc(fl->ids, alloc * sizeof(*grown));

		if (!grown) {
			return false;
		}
		fl->ids = grown;
		fl->id_alloc = alloc;
	}
	if (!v) {
		lta_htable_put(&fl->seen, h, (void *)1);
	}
	fl->ids[fl->id_count] = strdup(id);
	if (fl->ids[fl->id_count]) {
		fl->id_count++;
	}
	return false;
}

static struct group *group_of(struct lta_fleet_view *fl, const char *host,
			      const char *session, const char *component)
{
	struct group *g;
	size_t i;

	for (i = 0; i < fl->count; i++) {
		g = &fl->groups[i];
		if (strcmp(g->host, host) == 0 &&
		    strcmp(g->session, session) == 0 &&
		    strcmp(g->component, component) == 0) {
			return g;
		}
	}
	if (fl->count == fl->alloc) {
		size_t alloc = fl->alloc ? fl->alloc * 2 : 16;
		struct group *grown =
			realloc(fl->groups, alloc * sizeof(*grown));

		if (!grown) {
			return NULL;
		}
		fl->groups = grown;
		fl->alloc = alloc;
	}
	g = &fl->groups[fl->count++];
	memset(g, 0, sizeof(*g));
	snprintf(g->host, sizeof(g->host), "%s", host);
	snprintf(g->session, sizeof(g->session), "%s", session);
	snprintf(g->component, sizeof(g->component), "%s", component);
	g->f.first_ns = -1;
	return g;
}

static const char *text_of(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

static int on_message(const char *subject, const char *id, const char *data,
		      size_t len, uint64_t seq, void *user_data)
{
	struct lta_fleet_view *fl = user_data;
	json_t *m = json_loadb(data, len, 0, NULL);
	json_t *d = json_object_get(m, "data");
	const char *kind = text_of(m, "kind");
	const char *host = text_of(m, "host");
	const char *session = text_of(m, "session");
	struct group *g = NULL;

	fl->messages++;
	if (fl->dump) {
		/* The message as stored, and where it is: for scripts. */
		json_t *o = m ? json_deep_copy(m) : json_object();

		json_object_set_new(o, "subject", json_string(subject));
		json_object_set_new(o, "msg_id",
				    id ? json_string(id) : json_null());
		json_object_set_new(o, "stream_seq",
				    json_integer((json_int_t)seq));
		json_dumpf(o, fl->dump, JSON_COMPACT);
		fputc('\n', fl->dump);
		json_decref(o);
		goto end;
	}
	if (!m || !json_is_object(d)) {
		fl->bad++;
		goto end;
	}
	if (id && seen_before(fl, id)) {
		fl->duplicates++;
		goto end;
	}
	if (strcmp(kind, "request") == 0) {
		const char *component = text_of(d, "component");

		g = group_of(fl, host, session,
			     component[0] ? component : text_of(d, "procname"));
		if (g) {
			g->f.requests++;
		}
	} else if (strcmp(kind, "window") == 0) {
		json_t *group = json_object_get(d, "group");
		const char *hist = text_of(m, "histogram");
		struct lta_sparse_histogram h;
		int64_t start = json_integer_value(json_object_get(d, "start"));
		int64_t end = json_integer_value(json_object_get(d, "end"));

		if (json_integer_value(json_object_get(d, "query")) !=
		    DEFAULT_QUERY) {
			goto end;
		}
		g = group_of(fl, host, session, text_of(group, "component"));
		lta_sparse_histogram_init(&h);
		if (!g || lta_sparse_histogram_decode(&h, hist) ||
		    lta_sparse_histogram_merge(&g->f.latency, &h)) {
			fl->bad++;
		} else {
			g->f.windowed += h.count;
			g->f.windows++;
			if (g->f.first_ns < 0 || start < g->f.first_ns) {
				g->f.first_ns = start;
			}
			if (end > g->f.last_ns) {
				g->f.last_ns = end;
			}
		}
		lta_sparse_histogram_fini(&h);
	} else if (strcmp(kind, "error") == 0 ||
		   strcmp(kind, "late_end") == 0) {
		const char *type = text_of(d, "type");

		/* An error names its process: the component's name. */
		g = group_of(fl, host, session, text_of(d, "entity"));
		if (!g) {
			goto end;
		}
		if (strcmp(kind, "late_end") == 0) {
			g->f.late_ends++;
		} else if (strcmp(type, "InE") == 0) {
			g->f.ine++;
		} else if (strcmp(type, "CoE") == 0) {
			g->f.coe++;
		} else {
			g->f.crash++;
		}
	}
end:
	json_decref(m);
	return 0;
}

static void add_figures(struct figures *into, const struct figures *f)
{
	into->requests += f->requests;
	into->windowed += f->windowed;
	into->windows += f->windows;
	into->ine += f->ine;
	into->coe += f->coe;
	into->crash += f->crash;
	into->late_ends += f->late_ends;
	if (f->first_ns >= 0 &&
	    (into->first_ns < 0 || f->first_ns < into->first_ns)) {
		into->first_ns = f->first_ns;
	}
	if (f->last_ns > into->last_ns) {
		into->last_ns = f->last_ns;
	}
	lta_sparse_histogram_merge(&into->latency, &f->latency);
}

static double rate_of(const struct figures *f)
{
	if (f->first_ns < 0 || f->last_ns <= f->first_ns) {
		return 0;
	}
	return (double)f->windowed / ((double)(f->last_ns - f->first_ns) / 1e9);
}

static json_t *figures_json(const struct figures *f)
{
	const struct lta_sparse_histogram *h = &f->latency;

	return json_pack(
		"{s:I, s:I, s:I, s:f, s:I, s:I, s:I, s:I, s:{s:I, "
		"s:I, s:I}, s:I}",
		"requests", (json_int_t)f->requests, "windowed",
		(json_int_t)f->windowed, "windows", (json_int_t)f->windows,
		"rate", rate_of(f), "p50",
		(json_int_t)lta_sparse_histogram_percentile(h, 50), "p90",
		(json_int_t)lta_sparse_histogram_percentile(h, 90), "p99",
		(json_int_t)lta_sparse_histogram_percentile(h, 99), "max",
		(json_int_t)h->max, "errors", "InE", (json_int_t)f->ine, "CoE",
		(json_int_t)f->coe, "crash", (json_int_t)f->crash, "late_ends",
		(json_int_t)f->late_ends);
}

static void text_line(FILE *out, const char *what, const struct figures *f)
{
	const struct lta_sparse_histogram *h = &f->latency;

	fprintf(out, "%-48s %9llu %9.1f %9.3f %9.3f %9.3f %5llu %5llu %5llu\n",
		what, (unsigned long long)f->requests, rate_of(f),
		(double)lta_sparse_histogram_percentile(h, 50) / 1e6,
		(double)lta_sparse_histogram_percentile(h, 90) / 1e6,
		(double)lta_sparse_histogram_percentile(h, 99) / 1e6,
		(unsigned long long)f->ine, (unsigned long long)f->coe,
		(unsigned long long)f->crash);
}

static int compare_groups(const void *a, const void *b)
{
	const struct group *x = a, *y = b;
	int c = strcmp(x->host, y->host);

	if (!c) {
		c = strcmp(x->session, y->session);
	}
	return c ? c : strcmp(x->component, y->component);
}

/*
 * Formats FL as JSON into JSON_OUT, or as text into TEXT_OUT (one of
 * them).
 */
static void format(struct lta_fleet_view *fl, struct lta_strbuf *json_out,
		   FILE *text_out)
{
	struct figures total = { .first_ns = -1 }, host = { .first_ns = -1 };
	json_t *out = NULL, *groups = NULL, *hosts = NULL;
	size_t i;

	qsort(fl->groups, fl->count, sizeof(*fl->groups), compare_groups);
	if (json_out) {
		out = json_object();
		groups = json_array();
		hosts = json_array();
	} else {
		fprintf(text_out, "%-48s %9s %9s %9s %9s %9s %5s %5s %5s\n",
			"HOST / SESSION / COMPONENT", "REQUESTS", "RATE/S",
			"P50(ms)", "P90(ms)", "P99(ms)", "InE", "CoE", "CRASH");
	}
	for (i = 0; i < fl->count; i++) {
		const struct group *g = &fl->groups[i];
		char what[400];

		add_figures(&host, &g->f);
		add_figures(&total, &g->f);
		if (json_out) {
			json_t *o = figures_json(&g->f);

			json_object_set_new(o, "host", json_string(g->host));
			json_object_set_new(o, "session",
					    json_string(g->session));
			json_object_set_new(o, "component",
					    json_string(g->component));
			json_array_append_new(groups, o);
		} else {
			snprintf(what, sizeof(what), "%s / %s / %s", g->host,
				 g->session, g->component);
			text_line(text_out, what, &g->f);
		}
		if (i + 1 == fl->count ||
		    strcmp(fl->groups[i + 1].host, g->host) != 0) {
			if (json_out) {
				json_t *o = figures_json(&host);

				json_object_set_new(o, "host",
						    json_string(g->host));
				json_array_append_new(hosts, o);
			} else {
				snprintf(what, sizeof(what), "%s (host)",
					 g->host);
				text_line(text_out, what, &host);
			}
			lta_sparse_histogram_fini(&host.latency);
			memset(&host, 0, sizeof(host));
			host.first_ns = -1;
		}
	}
	if (json_out) {
		char *text;

		json_object_set_new(out, "stream",
				    json_string(LTA_PUBLISH_STREAM));
		json_object_set_new(out, "messages",
				    json_integer((json_int_t)fl->messages));
		json_object_set_new(out, "duplicates",
				    json_integer((json_int_t)fl->duplicates));
		json_object_set_new(out, "unreadable",
				    json_integer((json_int_t)fl->bad));
		json_object_set_new(out, "groups", groups);
		json_object_set_new(out, "hosts", hosts);
		json_object_set_new(out, "total", figures_json(&total));
		text = json_dumps(out, JSON_COMPACT);
		if (text) {
			lta_strbuf_puts(json_out, text);
		} else {
			json_out->failed = true;
		}
		free(text);
		json_decref(out);
	} else {
		text_line(text_out, "fleet", &total);
		fprintf(text_out,
			"messages %llu, duplicates %llu, unreadable %llu\n",
			(unsigned long long)fl->messages,
			(unsigned long long)fl->duplicates,
			(unsigned long long)fl->bad);
	}
	lta_sparse_histogram_fini(&total.latency);
}

void lta_fleet_view_destroy(struct lta_fleet_view *fl)
{
	size_t k;

	if (!fl) {
		return;
	}
	for (k = 0; k < fl->count; k++) {
		lta_sparse_histogram_fini(&fl->groups[k].f.latency);
	}
	free(fl->groups);
	for (k = 0; k < fl->id_count; k++) {
		free(fl->ids[k]);
	}
	free(fl->ids);
	lta_htable_fini(&fl->seen);
	free(fl);
}

struct lta_fleet_view *lta_fleet_view_read(struct lta_nats *n, int timeout_ms,
					   FILE *dump, int *error)
{
	struct lta_fleet_view *fl = calloc(1, sizeof(*fl));
	int ret;

	*error = -ENOMEM;
	if (!fl) {
		return NULL;
	}
	if (lta_htable_init(&fl->seen, 1024)) {
		free(fl);
		return NULL;
	}
	fl->dump = dump;
	ret = lta_nats_read_stream(n, LTA_PUBLISH_STREAM, NULL, timeout_ms,
				   on_message, fl);
	if (ret) {
		*error = ret;
		lta_fleet_view_destroy(fl);
		return NULL;
	}
	*error = 0;
	return fl;
}

void lta_fleet_view_json(struct lta_fleet_view *fl, struct lta_strbuf *out)
{
	format(fl, out, NULL);
}

void lta_fleet_view_text(struct lta_fleet_view *fl, FILE *out)
{
	format(fl, NULL, out);
}
