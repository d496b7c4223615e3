/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * GET /metrics: the daemon and its analyses in Prometheus' text format.
 */
#include "http-internal.h"
#include "publish/publish.h"
#include "publisher.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analysis.h"
#include "attach.h"
#include "queries.h"
#include "common/log.h"
#include "histogram/histogram.h"

static const char *const no_parameters[] = { NULL };

/*
 * The text exposition format 0.0.4 (doc/openapi.yaml lists the families).
 * Labels never change over the life of a series: an analysis's status is
 * one 0/1 gauge per state, not a label. An analysis deleted (a DELETE
 * of an analysis that no longer runs) leaves the page with its rows. The
 * per-analysis figures come from the analyses' last snapshots (snapshot.h), the
 * latency buckets from the same mergeable histograms as /stats.
 */

struct view_list {
	struct lta_analysis_view *views; /* Owned. */
	size_t count, cap;
	size_t known; /* Analyses known. */
};

static int keep_view(const struct lta_analysis_view *view, void *user_data)
{
	struct view_list *list = user_data;

	list->known++;
	if (list->count == list->cap) {
		size_t cap = list->cap ? list->cap * 2 : 16;
		struct lta_analysis_view *views;

		views = realloc(list->views, cap * sizeof(*views));
		if (!views) {
			return -ENOMEM;
		}
		list->views = views;
		list->cap = cap;
	}
	list->views[list->count++] = *view;
	return 0;
}

/* HELP and TYPE of lttng_analyzerd_NAME. */
static void family(struct lta_strbuf *out, const char *name, const char *type,
		   const char *help)
{
	lta_strbuf_printf(out, "# HELP lttng_analyzerd_%s %s\n", name, help);
	lta_strbuf_printf(out, "# TYPE lttng_analyzerd_%s %s\n", name, type);
}

/* A label value as the text format wants it: \\, \" and \n escaped. */
static void label_value(struct lta_strbuf *out, const char *value)
{
	lta_strbuf_putc(out, '"');
	for (; *value; value++) {
		switch (*value) {
		case '\\':
			lta_strbuf_puts(out, "\\\\");
			break;
		case '"':
			lta_strbuf_puts(out, "\\\"");
			break;
		case '\n':
			lta_strbuf_puts(out, "\\n");
			break;
		default:
			lta_strbuf_putc(out, *value);
			break;
		}
	}
	lta_strbuf_putc(out, '"');
}

/* "lttng_analyzerd_NAME{analysis="ID"" : the caller closes the braces. */
static void series(struct lta_strbuf *out, const char *name, int64_t id)
{
	lta_strbuf_printf(out, "lttng_analyzerd_%s{analysis=\"%lld\"", name,
			  (long long)id);
}

/* ",process="NAME"" */
static void process_label(struct lta_strbuf *out, const char *name)
{
	lta_strbuf_puts(out, ",process=");
	label_value(out, name);
}

static int64_t events_of(const struct lta_analysis_view *v)
{
	return v->stored.events;
}

static int64_t discarded_events_of(const struct lta_analysis_view *v)
{
	return v->stored.discarded_events;
}

static int64_t requests_of(const struct lta_analysis_view *v)
{
	return v->stored.requests;
}

static int64_t connections_of(const struct lta_analysis_view *v)
{
	return v->stored.connections;
}

static int64_t data_gaps_of(const struct lta_analysis_view *v)
{
	return v->data_gaps;
}

static int64_t requests_open_of(const struct lta_analysis_view *v)
{
	return v->requests_open;
}

static int64_t reconnects_of(const struct lta_analysis_view *v)
{
	return v->reconnects;
}

static int64_t running_of(const struct lta_analysis_view *v)
{
	return v->running ? 1 : 0;
}

/* The families with one integer sample per analysis. */
static const struct {
	const char *name, *type, *help;
	int64_t (*value)(const struct lta_analysis_view *v);
} per_analysis[] = {
	{ "analysis_running", "gauge",
	  "1 while a worker works on the analysis.", running_of },
	{ "analysis_events_total", "counter", "Trace events the analysis read.",
	  events_of },
	{ "analysis_discarded_events_total", "counter",
	  "Events the tracer discarded before the analysis could read them.",
	  discarded_events_of },
	{ "analysis_requests_total", "counter", "Requests the analysis stored.",
	  requests_of },
	{ "analysis_requests_open", "gauge",
	  "Requests accepted and not yet ended.", requests_open_of },
	{ "analysis_connections_total", "counter",
	  "Connections the analysis stored.", connections_of },
	{ "analysis_reconnects_total", "counter",
	  "Live: times the analysis reconnected to the relay daemon.",
	  reconnects_of },
	{ "analysis_data_gaps_total", "counter",
	  "Live: stretches of the session the analysis never read (each "
	  "reconnect attaches at the streams' current position).",
	  data_gaps_of },
};

/* Every status an analysis may have (analysis.h), one series each. */
static const char *const states[] = { "starting",     "connecting", "live",
				      "disconnected", "standby",    "reading",
				      "paused",	      "ended",	    "stopped",
				      "failed",	      "interrupted" };

/*
 * The latency buckets (seconds as `le` prints them, and nanoseconds). A
 * request counts under the first bound at least the highest equivalent
 * value of its histogram bucket (lta_histogram_cumulative()): never under
 * a bound below its latency, at worst under the next bound when its
 * latency is within 1/1024 below a bound.
 */
static const struct {
	const char *le;
	int64_t ns;
} buckets[] = {
	{ "0.0001", 100000 },	 { "0.00025", 250000 },	  { "0.0005", 500000 },
	{ "0.001", 1000000 },	 { "0.0025", 2500000 },	  { "0.005", 5000000 },
	{ "0.01", 10000000 },	 { "0.025", 25000000 },	  { "0.05", 50000000 },
	{ "0.1", 100000000 },	 { "0.25", 250000000 },	  { "0.5", 500000000 },
	{ "1", 1000000000 },	 { "2.5", 2500000000LL }, { "5", 5000000000LL },
	{ "10", 10000000000LL },
};

#define BUCKET_COUNT (sizeof(buckets) / sizeof(buckets[0]))

/* The requests of a server process by end reason (label end_reason). */
static const struct {
	const char *name;
	size_t offset; /* In struct lta_analysis_stats. */
} end_reasons[] = {
	{ "close", offsetof(struct lta_analysis_stats, closed) },
	{ "shutdown", offsetof(struct lta_analysis_stats, shut_down) },
	{ "keepalive", offsetof(struct lta_analysis_stats, keepalive) },
	{ "empty", offsetof(struct lta_analysis_stats, empty) },
	{ "aborted", offsetof(struct lta_analysis_stats, aborted) },
	{ "open", offsetof(struct lta_analysis_stats, open) },
	{ "replaced", offsetof(struct lta_analysis_stats, replaced) },
};

/*
 * The counter at OFFSET of S: the tables above and the component families
 * name the uint64_t counters of struct lta_analysis_stats by offset.
 */
static uint64_t count_at(const struct lta_analysis_stats *s, size_t offset)
{
	return *(const uint64_t *)((const char *)s + offset);
}

/* The analyses' last snapshots, in the order of the list. */
struct metrics_stats {
	struct lta_analysis_stats *stats; /* Owned; one per view. */
	bool *loaded;			  /* Owned. */
};

static void uint_sample(struct lta_strbuf *out, uint64_t v)
{
	lta_strbuf_printf(out, "} %llu\n", (unsigned long long)v);
}

/* A component family with one integer sample per server process. */
static void write_component_family(struct lta_strbuf *out,
				   const struct view_list *list,
				   const struct metrics_stats *ms,
				   const char *name, const char *help,
				   size_t offset)
{
	size_t i, c;

	family(out, name, "counter", help);
	for (i = 0; i < list->count; i++) {
		for (c = 0; ms->loaded[i] && c < ms->stats[i].component_count;
		     c++) {
			const struct lta_analysis_component *k =
				&ms->stats[i].components[c];

			series(out, name, list->views[i].stored.id);
			process_label(out, k->name);
			uint_sample(out, count_at(&k->stats, offset));
		}
	}
}

/* The latency histogram of every server process. */
static void write_latency_histograms(struct lta_strbuf *out,
				     const struct view_list *list,
				     const struct metrics_stats *ms)
{
	static const char name[] = "component_request_duration_seconds";
	int64_t bounds[BUCKET_COUNT];
	uint64_t counts[BUCKET_COUNT];
	size_t i, c, b;

	for (b = 0; b < BUCKET_COUNT; b++) {
		bounds[b] = buckets[b].ns;
	}
	family(out, name, "histogram",
	       "Server-side latency of the complete requests of one server "
	       "process (as in /stats: start to answer handed to the "
	       "kernel). A request counts under the first bound at least "
	       "the highest value its 1/1024-wide histogram bucket holds.");
	for (i = 0; i < list->count; i++) {
		int64_t id = list->views[i].stored.id;

		for (c = 0; ms->loaded[i] && c < ms->stats[i].component_count;
		     c++) {
			const struct lta_analysis_component *k =
				&ms->stats[i].components[c];
			const struct lta_histogram *h = k->stats.latency;
			uint64_t total = h ? lta_histogram_count(h) : 0;

			if (h) {
				lta_histogram_cumulative(h, bounds,
							 BUCKET_COUNT, counts);
			} else {
				memset(counts, 0, sizeof(counts));
			}
			for (b = 0; b < BUCKET_COUNT; b++) {
				series(out,
				       "component_request_duration_"
				       "seconds_bucket",
				       id);
				process_label(out, k->name);
				lta_strbuf_printf(out, ",le=\"%s\"",
						  buckets[b].le);
				uint_sample(out, counts[b]);
			}
			series(out, "component_request_duration_seconds_bucket",
			       id);
			process_label(out, k->name);
			lta_strbuf_puts(out, ",le=\"+Inf\"");
			uint_sample(out, total);
			series(out, "component_request_duration_seconds_sum",
			       id);
			process_label(out, k->name);
			lta_strbuf_printf(out, "} %.9f\n",
					  h ? lta_histogram_sum(h) / 1e9 : 0.0);
			series(out, "component_request_duration_seconds_count",
			       id);
			process_label(out, k->name);
			uint_sample(out, total);
		}
	}
}

/*
 * Per server process of each analysis (doc/tiers.md), labelled with the
 * process (no tier label: it may change when a traced client appears).
 */
static void write_component_metrics(struct lta_strbuf *out,
				    const struct view_list *list,
				    const struct metrics_stats *ms)
{
	size_t i, c, r;

	write_component_family(out, list, ms, "component_requests_total",
			       "Requests of one server process (component).",
			       offsetof(struct lta_analysis_stats, requests));
	write_component_family(
		out, list, ms, "component_complete_total",
		"Complete requests of one server process (component): those "
		"in its latency histogram.",
		offsetof(struct lta_analysis_stats, complete));
	write_component_family(
		out, list, ms, "component_incomplete_total",
		"Requests of one server process during which the tracer lost "
		"events.",
		offsetof(struct lta_analysis_stats, incomplete));
	write_component_family(out, list, ms, "component_read_bytes_total",
			       "Bytes the requests of one server process read.",
			       offsetof(struct lta_analysis_stats, bytes_read));
	write_component_family(
		out, list, ms, "component_written_bytes_total",
		"Bytes the requests of one server process wrote.",
		offsetof(struct lta_analysis_stats, bytes_written));
	family(out, "component_requests_by_end_reason_total", "counter",
	       "Requests of one server process by how they ended "
	       "(end_reason: close, shutdown, keepalive, empty, aborted, "
	       "open, replaced; they add up to component_requests_total).");
	for (i = 0; i < list->count; i++) {
		for (c = 0; ms->loaded[i] && c < ms->stats[i].component_count;
		     c++) {
			const struct lta_analysis_component *k =
				&ms->stats[i].components[c];

			/* A snapshot of an older worker: not all known. */
			if (!k->stats.ends_known) {
				continue;
			}
			for (r = 0;
			     r < sizeof(end_reasons) / sizeof(end_reasons[0]);
			     r++) {
				series(out,
				       "component_requests_by_end_reason_total",
				       list->views[i].stored.id);
				process_label(out, k->name);
				lta_strbuf_printf(out, ",end_reason=\"%s\"",
						  end_reasons[r].name);
				uint_sample(out,
					    count_at(&k->stats,
						     end_reasons[r].offset));
			}
		}
	}
	write_latency_histograms(out, list, ms);
}

/* Timing errors by type, late ends and discarded packets per analysis. */
static void write_error_metrics(struct lta_strbuf *out,
				const struct view_list *list,
				const struct metrics_stats *ms)
{
	size_t i;

	family(out, "analysis_timing_errors_total", "counter",
	       "Timing failures the analysis raised (stored), by type: "
	       "InE (late or missing answer), CoE (wrong or early answer), "
	       "crash (the server process died).");
	for (i = 0; i < list->count; i++) {
		const struct lta_analysis_stats *s = &ms->stats[i];
		int64_t id = list->views[i].stored.id;

		if (!ms->loaded[i]) {
			continue;
		}
		series(out, "analysis_timing_errors_total", id);
		lta_strbuf_puts(out, ",type=\"InE\"");
		uint_sample(out, s->errors_ine);
		series(out, "analysis_timing_errors_total", id);
		lta_strbuf_puts(out, ",type=\"CoE\"");
		uint_sample(out, s->errors_coe);
		series(out, "analysis_timing_errors_total", id);
		lta_strbuf_puts(out, ",type=\"crash\"");
		uint_sample(out, s->errors_crash);
	}
	family(out, "analysis_late_ends_total", "counter",
	       "Requests that ended after their timing error was raised.");
	for (i = 0; i < list->count; i++) {
		if (ms->loaded[i]) {
			series(out, "analysis_late_ends_total",
			       list->views[i].stored.id);
			uint_sample(out, ms->stats[i].late_ends);
		}
	}
	family(out, "analysis_discarded_packets_total", "counter",
	       "Packets the tracer discarded (their events are lost).");
	for (i = 0; i < list->count; i++) {
		if (ms->loaded[i]) {
			series(out, "analysis_discarded_packets_total",
			       list->views[i].stored.id);
			uint_sample(out, ms->stats[i].discarded_packets);
		}
	}
}

static void write_daemon_metrics(struct lta_strbuf *out, struct lta_http *http,
				 const struct view_list *list)
{
	int64_t started_ns = http->context.started_ns;

	if (started_ns <= 0) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		started_ns = (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec -
			     lta_http_uptime_ns(http);
	}
	/* The names every Prometheus client library uses. */
	lta_strbuf_puts(out, "# HELP process_start_time_seconds Start time of "
			     "the daemon since the Unix epoch, in seconds.\n"
			     "# TYPE process_start_time_seconds gauge\n");
	lta_strbuf_printf(out, "process_start_time_seconds %.3f\n",
			  (double)started_ns / 1e9);
	lta_strbuf_puts(out, "# HELP lttng_analyzer_build_info Always 1: the "
			     "version of the daemon.\n"
			     "# TYPE lttng_analyzer_build_info gauge\n"
			     "lttng_analyzer_build_info{version=");
	label_value(out, http->version ? http->version : "unknown");
	lta_strbuf_puts(out, "} 1\n");
	family(out, "uptime_seconds", "gauge",
	       "Seconds since the daemon started.");
	lta_strbuf_printf(out, "lttng_analyzerd_uptime_seconds %.3f\n",
			  (double)lta_http_uptime_ns(http) / 1e9);
	family(out, "analyses_running", "gauge", "Analyses running now.");
	lta_strbuf_printf(out, "lttng_analyzerd_analyses_running %d\n",
			  lta_analyses_running(http->context.analyses));
	family(out, "analyses", "gauge", "Analyses known, stored or running.");
	lta_strbuf_printf(out, "lttng_analyzerd_analyses %zu\n", list->known);
}

/* With a publisher: how far publishing to NATS JetStream is. */
static void write_publish_metrics(struct lta_strbuf *out, struct lta_http *http,
				  const struct view_list *list)
{
	struct lta_publisher *p = http->context.publisher;
	struct lta_publisher_totals t;
	size_t i;

	if (!p) {
		return;
	}
	lta_publisher_totals(p, &t);
	family(out, "publish_connected", "gauge",
	       "1 while the daemon is connected to NATS.");
	lta_strbuf_printf(out, "lttng_analyzerd_publish_connected %d\n",
			  t.connected ? 1 : 0);
	family(out, "publish_messages_total", "counter",
	       "Messages JetStream acknowledged since the daemon started.");
	lta_strbuf_printf(out, "lttng_analyzerd_publish_messages_total %lld\n",
			  (long long)t.published);
	family(out, "publish_batches_failed_total", "counter",
	       "Batches not acknowledged whole (NATS away, timeouts): sent "
	       "again.");
	lta_strbuf_printf(out,
			  "lttng_analyzerd_publish_batches_failed_total "
			  "%lld\n",
			  (long long)t.batches_failed);
	family(out, "publish_lag_seconds", "summary",
	       "From the write of an event in the store to its "
	       "acknowledgement by "
	       "JetStream.");
	lta_strbuf_printf(out,
			  "lttng_analyzerd_publish_lag_seconds"
			  "{quantile=\"0.5\"} %.3f\n"
			  "lttng_analyzerd_publish_lag_seconds"
			  "{quantile=\"0.99\"} %.3f\n"
			  "lttng_analyzerd_publish_lag_seconds_sum %.3f\n"
			  "lttng_analyzerd_publish_lag_seconds_count %llu\n",
			  (double)t.lag_p50_ms / 1e3,
			  (double)t.lag_p99_ms / 1e3, t.lag_sum_ms / 1e3,
			  (unsigned long long)t.lag_count);
	family(out, "analysis_publish_lag_events", "gauge",
	       "Events the analysis stored that JetStream has not "
	       "acknowledged yet.");
	for (i = 0; i < list->count; i++) {
		struct lta_publisher_state st;

		if (lta_publisher_state(p, list->views[i].stored.id, &st)) {
			continue;
		}
		series(out, "analysis_publish_lag_events",
		       list->views[i].stored.id);
		lta_strbuf_printf(out, "} %lld\n", (long long)st.lag_events);
	}
}

static void write_metrics(struct lta_strbuf *out, struct lta_http *http,
			  const struct view_list *list,
			  const struct metrics_stats *ms)
{
	size_t i, f, s;

	write_daemon_metrics(out, http, list);
	family(out, "analysis_info", "gauge",
	       "Always 1: what an analysis reads (kind, source).");
	for (i = 0; i < list->count; i++) {
		const struct lta_store_analysis *a = &list->views[i].stored;

		series(out, "analysis_info", a->id);
		lta_strbuf_puts(out, ",kind=");
		label_value(out, a->kind);
		lta_strbuf_puts(out, ",source=");
		label_value(out, a->source);
		lta_strbuf_puts(out, "} 1\n");
	}
	family(out, "analysis_state", "gauge",
	       "1 for the status the analysis is in, 0 for the others "
	       "(one series per status).");
	for (i = 0; i < list->count; i++) {
		const struct lta_store_analysis *a = &list->views[i].stored;

		for (s = 0; s < sizeof(states) / sizeof(states[0]); s++) {
			series(out, "analysis_state", a->id);
			lta_strbuf_printf(out, ",state=\"%s\"} %d\n", states[s],
					  strcmp(a->status, states[s]) == 0);
		}
	}
	for (f = 0; f < sizeof(per_analysis) / sizeof(per_analysis[0]); f++) {
		family(out, per_analysis[f].name, per_analysis[f].type,
		       per_analysis[f].help);
		for (i = 0; i < list->count; i++) {
			series(out, per_analysis[f].name,
			       list->views[i].stored.id);
			lta_strbuf_printf(out, "} %lld\n",
					  (long long)per_analysis[f].value(
						  &list->views[i]));
		}
	}
	write_error_metrics(out, list, ms);
	write_component_metrics(out, list, ms);
	family(out, "analysis_lag_seconds", "gauge",
	       "Live: wall clock minus the newest trace time.");
	for (i = 0; i < list->count; i++) {
		if (list->views[i].lag_ns < 0) {
			continue;
		}
		series(out, "analysis_lag_seconds", list->views[i].stored.id);
		lta_strbuf_printf(out, "} %.9f\n",
				  (double)list->views[i].lag_ns / 1e9);
	}
	write_publish_metrics(out, http, list);
}

void lta_http_get_metrics(struct lta_http_exchange *x)
{
	struct view_list list = { 0 };
	struct metrics_stats ms = { 0 };
	struct lta_strbuf out = { 0 };
	size_t i;
	int ret;

	if (lta_http_query_check(x, no_parameters)) {
		return;
	}
	ret = lta_analyses_list(x->http->context.analyses, keep_view, &list);
	if (ret) {
		lta_http_reply_internal(x, "Listing the analyses", ret);
		goto end;
	}
	ms.stats = calloc(list.count + 1, sizeof(*ms.stats));
	ms.loaded = calloc(list.count + 1, sizeof(*ms.loaded));
	if (!ms.stats || !ms.loaded) {
		lta_http_reply_json(x, 500, NULL);
		goto end;
	}
	for (i = 0; i < list.count; i++) {
		/* No snapshot yet (or out of memory): no such series. */
		ms.loaded[i] = lta_analyses_stats(x->http->context.analyses,
						  list.views[i].stored.id,
						  &ms.stats[i]) == 0;
	}
	write_metrics(&out, x->http, &list, &ms);
	lta_http_reply_buffer(x, 200,
			      "text/plain; version=0.0.4; charset=utf-8", &out);
end:
	for (i = 0; ms.stats && i < list.count; i++) {
		lta_analysis_stats_fini(&ms.stats[i]);
	}
	free(ms.stats);
	free(ms.loaded);
	lta_strbuf_fini(&out);
	free(list.views);
}
