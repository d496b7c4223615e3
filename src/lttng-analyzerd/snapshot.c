/* SPDX-License-Identifier: GPL-2.0-only */
#include "snapshot.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "histogram/histogram.h"

#define LIT(out, s) lta_strbuf_append((out), (s), sizeof(s) - 1)

static void uint_field(struct lta_strbuf *out, const char *name, uint64_t v)
{
	lta_strbuf_putc(out, '"');
	lta_strbuf_puts(out, name);
	LIT(out, "\":");
	lta_strbuf_uint(out, v);
	lta_strbuf_putc(out, ',');
}

static void int_field(struct lta_strbuf *out, const char *name, int64_t v)
{
	lta_strbuf_putc(out, '"');
	lta_strbuf_puts(out, name);
	LIT(out, "\":");
	lta_strbuf_int(out, v);
	lta_strbuf_putc(out, ',');
}

/* The request figures of ST: counts, bytes, times, latency (last). */
static void encode_figures(struct lta_strbuf *out,
			   const struct lta_analysis_stats *st)
{
	uint_field(out, "requests", st->requests);
	uint_field(out, "complete", st->complete);
	uint_field(out, "keepalive", st->keepalive);
	uint_field(out, "empty", st->empty);
	uint_field(out, "aborted", st->aborted);
	uint_field(out, "open", st->open);
	uint_field(out, "replaced", st->replaced);
	uint_field(out, "incomplete", st->incomplete);
	uint_field(out, "close", st->closed);
	uint_field(out, "shutdown", st->shut_down);
	uint_field(out, "bytes_read", st->bytes_read);
	uint_field(out, "bytes_written", st->bytes_written);
	lta_strbuf_printf(out, "\"throughput\":%.17g,", st->throughput);
	int_field(out, "first_start_ns", st->first_start_ns);
	int_field(out, "last_end_ns", st->last_end_ns);
	LIT(out, "\"latency\":\"");
	if (st->latency) {
		/* Digits, spaces and colons only: no escaping needed. */
		lta_histogram_encode(st->latency, out);
	}
	lta_strbuf_putc(out, '"');
}

void lta_snapshot_encode(const struct lta_snapshot *s, struct lta_strbuf *out)
{
	const struct lta_analysis_stats *st = &s->stats;
	size_t i;

	LIT(out, "{\"version\":1,");
	uint_field(out, "connections", st->connections);
	uint_field(out, "events", st->events);
	uint_field(out, "discarded_events", st->discarded_events);
	uint_field(out, "discarded_packets", st->discarded_packets);
	uint_field(out, "errors_ine", st->errors_ine);
	uint_field(out, "errors_coe", st->errors_coe);
	uint_field(out, "errors_crash", st->errors_crash);
	uint_field(out, "late_ends", st->late_ends);
	int_field(out, "requests_open", s->requests_open);
	int_field(out, "reconnects", s->reconnects);
	int_field(out, "data_gaps", s->data_gaps);
	encode_figures(out, st);
	LIT(out, ",\"components\":[");
	for (i = 0; i < st->component_count; i++) {
		const struct lta_analysis_component *c = &st->components[i];

		if (i) {
			lta_strbuf_putc(out, ',');
		}
		LIT(out, "{\"name\":");
		lta_strbuf_json_string(out, c->name);
		LIT(out, ",\"front\":");
		lta_strbuf_puts(out, c->front ? "true," : "false,");
		encode_figures(out, &c->stats);
		lta_strbuf_putc(out, '}');
	}
	lta_strbuf_putc(out, ']');
	LIT(out, ",\"syscalls\":[");
	for (i = 0; i < st->syscall_count; i++) {
		if (i) {
			lta_strbuf_putc(out, ',');
		}
		lta_strbuf_putc(out, '[');
		lta_strbuf_json_string(out, st->syscalls[i].name);
		lta_strbuf_putc(out, ',');
		lta_strbuf_uint(out, st->syscalls[i].calls);
		lta_strbuf_putc(out, ']');
	}
	LIT(out, "],\"timeouts\":[");
	for (i = 0; i < s->timeout_count; i++) {
		const struct lta_analysis_timeout *t = &s->timeouts[i];

		if (i) {
			lta_strbuf_putc(out, ',');
		}
		LIT(out, "{\"kind\":");
		lta_strbuf_json_string(out, t->kind);
		LIT(out, ",\"entity\":");
		lta_strbuf_json_string(out, t->entity);
		LIT(out, ",\"name\":");
		lta_strbuf_json_string(out, t->name);
		lta_strbuf_putc(out, ',');
		uint_field(out, "samples", t->samples);
		int_field(out, "mean_ns", t->mean_ns);
		int_field(out, "dev_ns", t->dev_ns);
		int_field(out, "timeout_ns", t->timeout_ns);
		uint_field(out, "open", t->open);
		uint_field(out, "errors", t->errors);
		LIT(out, "\"late_ends\":");
		lta_strbuf_uint(out, t->late_ends);
		lta_strbuf_putc(out, '}');
	}
	LIT(out, "],\"warnings\":[");
	for (i = 0; i < s->warning_count; i++) {
		const struct lta_analysis_warning *w = &s->warnings[i];

		if (i) {
			lta_strbuf_putc(out, ',');
		}
		LIT(out, "{\"path\":");
		lta_strbuf_json_string(out, w->path);
		LIT(out, ",\"reason\":");
		lta_strbuf_json_string(out, w->reason);
		LIT(out, ",\"events_lost\":");
		lta_strbuf_puts(out, w->events_lost ? "true" : "false");
		lta_strbuf_putc(out, '}');
	}
	LIT(out, "]}");
}

static uint64_t get_uint(const json_t *o, const char *name)
{
	json_int_t v = json_integer_value(json_object_get(o, name));

	return v > 0 ? (uint64_t)v : 0;
}

static int64_t get_int(const json_t *o, const char *name)
{
	return (int64_t)json_integer_value(json_object_get(o, name));
}

static void copy_string(char *dst, size_t size, const json_t *v)
{
	const char *s = json_string_value(v);

	snprintf(dst, size, "%s", s ? s : "");
}

/* The request figures of O into ST (ST->latency created). */
static int decode_figures(const json_t *o, struct lta_analysis_stats *st)
{
	const char *latency = json_string_value(json_object_get(o, "latency"));

	st->requests = get_uint(o, "requests");
	st->complete = get_uint(o, "complete");
	st->keepalive = get_uint(o, "keepalive");
	st->empty = get_uint(o, "empty");
	st->aborted = get_uint(o, "aborted");
	st->open = get_uint(o, "open");
	st->replaced = get_uint(o, "replaced");
	st->incomplete = get_uint(o, "incomplete");
	st->closed = get_uint(o, "close");
	st->shut_down = get_uint(o, "shutdown");
	st->ends_known = json_object_get(o, "close") != NULL &&
			 json_object_get(o, "shutdown") != NULL;
	st->bytes_read = get_uint(o, "bytes_read");
	st->bytes_written = get_uint(o, "bytes_written");
	st->throughput = json_number_value(json_object_get(o, "throughput"));
	st->first_start_ns = get_int(o, "first_start_ns");
	st->last_end_ns = get_int(o, "last_end_ns");
	st->latency = lta_histogram_create();
	if (!st->latency) {
		return -ENOMEM;
	}
	if (latency && lta_histogram_decode(st->latency, latency)) {
		return -EINVAL;
	}
	return 0;
}

int lta_snapshot_decode(const char *json, struct lta_snapshot *s)
{
	struct lta_analysis_stats *st = &s->stats;
	json_t *root, *array, *item;
	json_error_t error;
	size_t i;
	int ret = 0;

	memset(s, 0, sizeof(*s));
	root = json_loads(json, 0, &error);
	if (!json_is_object(root) ||
	    json_integer_value(json_object_get(root, "version")) != 1) {
		ret = -EINVAL;
		goto end;
	}
	st->connections = get_uint(root, "connections");
	st->events = get_uint(root, "events");
	st->discarded_events = get_uint(root, "discarded_events");
	st->discarded_packets = get_uint(root, "discarded_packets");
	st->errors_ine = get_uint(root, "errors_ine");
	st->errors_coe = get_uint(root, "errors_coe");
	st->errors_crash = get_uint(root, "errors_crash");
	st->late_ends = get_uint(root, "late_ends");
	s->requests_open = get_int(root, "requests_open");
	s->reconnects = get_int(root, "reconnects");
	s->data_gaps = get_int(root, "data_gaps");
	ret = decode_figures(root, st);
	if (ret) {
		goto end;
	}
	array = json_object_get(root, "components");
	if (json_array_size(array)) {
		st->components =
			calloc(json_array_size(array), sizeof(*st->components));
		if (!st->components) {
			ret = -ENOMEM;
			goto end;
		}
	}
	json_array_foreach(array, i, item)
	{
		struct lta_analysis_component *c =
			&st->components[st->component_count++];

		copy_string(c->name, sizeof(c->name),
			    json_object_get(item, "name"));
		c->front = json_is_true(json_object_get(item, "front"));
		ret = decode_figures(item, &c->stats);
		if (ret) {
			goto end;
		}
	}
	array = json_object_get(root, "syscalls");
	json_array_foreach(array, i, item)
	{
		if (st->syscall_count ==
		    sizeof(st->syscalls) / sizeof(st->syscalls[0])) {
			break;
		}
		copy_string(st->syscalls[st->syscall_count].name,
			    sizeof(st->syscalls[0].name),
			    json_array_get(item, 0));
		st->syscalls[st->syscall_count].calls =
			(uint64_t)json_integer_value(json_array_get(item, 1));
		st->syscall_count++;
	}
	array = json_object_get(root, "timeouts");
	if (json_array_size(array)) {
		s->timeouts =
			calloc(json_array_size(array), sizeof(*s->timeouts));
		if (!s->timeouts) {
			ret = -ENOMEM;
			goto end;
		}
	}
	json_array_foreach(array, i, item)
	{
		struct lta_analysis_timeout *t = &s->timeouts[i];
		const char *kind =
			json_string_value(json_object_get(item, "kind"));

		t->kind = kind && strcmp(kind, "service") == 0 ? "service"
							       : "interaction";
		copy_string(t->entity, sizeof(t->entity),
			    json_object_get(item, "entity"));
		copy_string(t->name, sizeof(t->name),
			    json_object_get(item, "name"));
		t->samples = get_uint(item, "samples");
		t->mean_ns = get_int(item, "mean_ns");
		t->dev_ns = get_int(item, "dev_ns");
		t->timeout_ns = get_int(item, "timeout_ns");
		t->open = get_uint(item, "open");
		t->errors = get_uint(item, "errors");
		t->late_ends = get_uint(item, "late_ends");
		s->timeout_count++;
	}
	array = json_object_get(root, "warnings");
	if (json_array_size(array)) {
		s->warnings =
			calloc(json_array_size(array), sizeof(*s->warnings));
		if (!s->warnings) {
			ret = -ENOMEM;
			goto end;
		}
	}
	json_array_foreach(array, i, item)
	{
		struct lta_analysis_warning *w = &s->warnings[i];

		copy_string(w->path, sizeof(w->path),
			    json_object_get(item, "path"));
		copy_string(w->reason, sizeof(w->reason),
			    json_object_get(item, "reason"));
		w->events_lost =
			json_is_true(json_object_get(item, "events_lost"));
		s->warning_count++;
	}
end:
	json_decref(root);
	return ret;
}

void lta_snapshot_fini(struct lta_snapshot *s)
{
	lta_analysis_stats_fini(&s->stats);
	free(s->timeouts);
	s->timeouts = NULL;
	s->timeout_count = 0;
	free(s->warnings);
	s->warnings = NULL;
	s->warning_count = 0;
}
