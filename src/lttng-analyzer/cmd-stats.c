/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lttng-analyzer stats: what a recorded trace holds.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "common/strbuf.h"
#include "decode/decode.h"
#include "stats/stats.h"
#include "pipeline/consumers.h"
#include "tasks/tasks.h"

enum format {
	FORMAT_TEXT,
	FORMAT_JSON,
};

struct stats_options {
	enum format format;
	long top;
	const char *bt_log_level;
	int allow_partial;
	int jobs;
};

void lta_cli_stats_usage(FILE *out)
{
	fprintf(out,
		"Usage: lttng-analyzer stats [OPTIONS] TRACE_DIR...\n"
		"\n"
		"Prints the time span, the event count, discarded events, the "
		"events\n"
		"per name and, per process (name, pid), its system calls: how "
		"many,\n"
		"and the total and longest time from entry to exit of each.\n"
		"\n"
		"Options:\n"
		"  --format=text|json   output format (default text)\n"
		"  --top=N              system calls shown per process "
		"(default 10;\n"
		"                       0 shows all)\n"
		"  --bt-log-level=L     babeltrace2 log level: none, error, "
		"warn,\n"
		"                       info, debug (default "
		"warn)\n" LTA_CLI_ALLOW_PARTIAL_HELP LTA_CLI_JOBS_HELP
		"  -h, --help           this help\n");
}

static void print_text(const struct stats_options *opts,
		       const struct lta_cli_run *run,
		       const struct lta_stats_report *report)
{
	const struct lta_decode_counters *c = lta_decode_counters(run->source);
	const struct lta_tasks_counters *t =
		lta_tasks_counters(lta_pipeline_tasks(run->pipeline));
	size_t i, j, n = lta_decode_trace_count(run->source);
	char begin[48], end[48];

	printf("Traces:            %zu\n", n);
	for (i = 0; i < n; i++) {
		const struct lta_decode_trace *tr =
			lta_decode_trace(run->source, i);

		printf("  [%zu] %s (host %s, %s)\n", i, tr->path,
		       tr->hostname ? tr->hostname : "?",
		       tr->domain ? tr->domain : "?");
	}
	printf("Time span:         %s .. %s UTC",
	       lta_cli_format_ts(c->first_ts, begin, sizeof(begin)),
	       lta_cli_format_ts(c->last_ts, end, sizeof(end)));
	if (c->first_ts >= 0) {
		printf(" (%.9f s)", (double)(c->last_ts - c->first_ts) / 1e9);
	}
	printf("\nEvents:            %llu\n", (unsigned long long)c->events);
	printf("Discarded events:  %llu (in %llu messages)\n",
	       (unsigned long long)c->discarded_events,
	       (unsigned long long)c->discarded_event_messages);
	printf("Discarded packets: %llu (in %llu messages)\n",
	       (unsigned long long)c->discarded_packets,
	       (unsigned long long)c->discarded_packet_messages);
	printf("Unattributed:      %llu events (no thread known: before the "
	       "first sched_switch of their CPU, or no context)\n",
	       (unsigned long long)t->unattributed_events);
	n = lta_decode_warning_count(run->source);
	printf("Warnings:          %zu (damaged files)\n", n);
	for (i = 0; i < n; i++) {
		const struct lta_decode_warning *w =
			lta_decode_warning(run->source, i);

		printf("  %s: %s%s\n", w->path, w->reason,
		       w->events_lost ? " (events lost)" : "");
	}
	n = lta_decode_trace_count(run->source);

	printf("\nEvents by name (%zu names):\n%12s  %s\n", report->name_count,
	       "count", "name");
	for (i = 0; i < report->name_count; i++) {
		printf("%12llu  %s\n",
		       (unsigned long long)report->names[i].count,
		       report->names[i].name);
	}

	printf("\nSystem calls by process (name, pid):\n");
	for (i = 0; i < report->process_count; i++) {
		const struct lta_stats_process *p = &report->processes[i];
		size_t shown = p->syscall_count;

		if (p->syscalls == 0) {
			continue;
		}
		if (opts->top > 0 && (size_t)opts->top < shown) {
			shown = (size_t)opts->top;
		}
		if (n > 1) {
			printf("\n  [%u] ", p->trace);
		} else {
			printf("\n  ");
		}
		printf("%s (pid %d): %llu system calls, %llu events\n",
		       p->name[0] ? p->name : "?", p->pid,
		       (unsigned long long)p->syscalls,
		       (unsigned long long)p->events);
		printf("  %12s %14s %12s  %s\n", "calls", "total (ms)",
		       "max (ms)", "system call");
		for (j = 0; j < shown; j++) {
			const struct lta_stats_syscall *s =
				&p->syscalls_by_count[j];
			char total[32], max[32];

			printf("  %12llu %14s %12s  %s\n",
			       (unsigned long long)s->calls,
			       lta_strbuf_format_ms(s->total_ns, total),
			       lta_strbuf_format_ms(s->max_ns, max), s->name);
		}
		if (shown < p->syscall_count) {
			printf("  (%zu more)\n", p->syscall_count - shown);
		}
	}
}

static json_t *build_json(const struct stats_options *opts,
			  const struct lta_cli_run *run,
			  const struct lta_stats_report *report)
{
	const struct lta_decode_counters *c = lta_decode_counters(run->source);
	const struct lta_tasks_counters *t =
		lta_tasks_counters(lta_pipeline_tasks(run->pipeline));
	json_t *root = json_object(), *traces = json_array(),
	       *names = json_array(), *processes = json_array(),
	       *warnings = json_array();
	size_t i, j, n = lta_decode_trace_count(run->source);

	if (!root || !traces || !names || !processes || !warnings) {
		goto error;
	}
	for (i = 0; i < lta_decode_warning_count(run->source); i++) {
		const struct lta_decode_warning *w =
			lta_decode_warning(run->source, i);

		json_array_append_new(warnings,
				      json_pack("{s:s, s:s, s:b}", "path",
						w->path, "reason", w->reason,
						"events_lost", w->events_lost));
	}
	for (i = 0; i < n; i++) {
		const struct lta_decode_trace *tr =
			lta_decode_trace(run->source, i);

		json_array_append_new(
			traces,
			json_pack("{s:i, s:s, s:s?, s:s?}", "index",
				  (json_int_t)i, "path", tr->path, "hostname",
				  tr->hostname, "domain", tr->domain));
	}
	for (i = 0; i < report->name_count; i++) {
		json_array_append_new(
			names,
			json_pack("{s:s, s:I}", "name", report->names[i].name,
				  "count", (json_int_t)report->names[i].count));
	}
	for (i = 0; i < report->process_count; i++) {
		const struct lta_stats_process *p = &report->processes[i];
		size_t shown = p->syscall_count;
		json_t *sys = json_array();

		if (!sys) {
			goto error;
		}
		if (opts->top > 0 && (size_t)opts->top < shown) {
			shown = (size_t)opts->top;
		}
		for (j = 0; j < shown; j++) {
			const struct lta_stats_syscall *s =
				&p->syscalls_by_count[j];

			json_array_append_new(
				sys,
				json_pack("{s:s, s:I, s:I, s:I, s:I, s:I}",
					  "name", s->name, "calls",
					  (json_int_t)s->calls, "timed",
					  (json_int_t)s->timed,
					  "unmatched_exits",
					  (json_int_t)s->unmatched_exits,
					  "total_ns", (json_int_t)s->total_ns,
					  "max_ns", (json_int_t)s->max_ns));
		}
		json_array_append_new(
			processes,
			json_pack("{s:i, s:i, s:s?, s:I, s:I, s:I, s:o}",
				  "trace", (int)p->trace, "pid", (int)p->pid,
				  "name", p->name[0] ? p->name : NULL, "events",
				  (json_int_t)p->events, "syscalls",
				  (json_int_t)p->syscalls, "syscall_names",
				  (json_int_t)p->syscall_count, "top_syscalls",
				  sys));
	}
	json_object_set_new(root, "traces", traces);
	json_object_set_new(root, "begin_ns", json_integer(c->first_ts));
	json_object_set_new(root, "end_ns", json_integer(c->last_ts));
	json_object_set_new(
		root, "duration_ns",
		json_integer(c->first_ts >= 0 ? c->last_ts - c->first_ts : 0));
	json_object_set_new(root, "events",
			    json_integer((json_int_t)c->events));
	json_object_set_new(root, "discarded_events",
			    json_integer((json_int_t)c->discarded_events));
	json_object_set_new(
		root, "discarded_event_messages",
		json_integer((json_int_t)c->discarded_event_messages));
	json_object_set_new(root, "discarded_packets",
			    json_integer((json_int_t)c->discarded_packets));
	json_object_set_new(
		root, "discarded_packet_messages",
		json_integer((json_int_t)c->discarded_packet_messages));
	json_object_set_new(root, "unattributed_events",
			    json_integer((json_int_t)t->unattributed_events));
	json_object_set_new(root, "unmatched_syscall_exits",
			    json_integer((json_int_t)t->unmatched_exits));
	json_object_set_new(root, "event_names", names);
	json_object_set_new(root, "processes", processes);
	json_object_set_new(root, "warnings", warnings);
	return root;

error:
	json_decref(warnings);
	json_decref(root);
	json_decref(traces);
	json_decref(names);
	json_decref(processes);
	return NULL;
}

static int parse_options(int argc, char **argv, struct stats_options *opts)
{
	static const struct option long_options[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "top", required_argument, NULL, 't' },
		{ "bt-log-level", required_argument, NULL, 'l' },
		{ LTA_CLI_ALLOW_PARTIAL_OPTION, no_argument, NULL, 'P' },
		{ LTA_CLI_JOBS_OPTION, required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "hj:", long_options, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (strcmp(optarg, "text") == 0) {
				opts->format = FORMAT_TEXT;
			} else if (strcmp(optarg, "json") == 0) {
				opts->format = FORMAT_JSON;
			} else {
				fprintf(stderr,
					"lttng-analyzer stats: unknown "
					"format \"%s\" (text, json)\n",
					optarg);
				return LTA_CLI_EXIT_USAGE;
			}
			break;
		case 't':
			opts->top = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || opts->top < 0) {
				fprintf(stderr,
					"lttng-analyzer stats: --top "
					"takes a count, not \"%s\"\n",
					optarg);
				return LTA_CLI_EXIT_USAGE;
			}
			break;
		case 'l':
			opts->bt_log_level = optarg;
			break;
		case 'P':
			opts->allow_partial = 1;
			break;
		case 'j':
			if (lta_cli_parse_jobs("stats", optarg, &opts->jobs)) {
				return LTA_CLI_EXIT_USAGE;
			}
			break;
		case 'h':
			lta_cli_stats_usage(stdout);
			return -1;
		default:
			lta_cli_stats_usage(stderr);
			return LTA_CLI_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr,
			"lttng-analyzer stats: no trace folder given\n\n");
		lta_cli_stats_usage(stderr);
		return LTA_CLI_EXIT_USAGE;
	}
	return 0;
}

int lta_cli_stats(int argc, char **argv)
{
	struct stats_options opts = { .format = FORMAT_TEXT,
				      .top = 10,
				      .bt_log_level = "warn" };
	struct lta_cli_run run = { 0 };
	struct lta_stats *stats = NULL;
	struct lta_stats_report *report = NULL;
	json_t *json = NULL;
	int ret;

	ret = parse_options(argc, argv, &opts);
	if (ret) {
		return ret < 0 ? LTA_CLI_EXIT_OK : ret;
	}
	stats = lta_stats_create();
	if (!stats) {
		fprintf(stderr, "lttng-analyzer: error: out of memory\n");
		ret = LTA_CLI_EXIT_FAILURE;
		goto end;
	}
	run.allow_partial = opts.allow_partial;
	run.jobs = opts.jobs;
	ret = lta_cli_run_init(&run);
	if (ret == LTA_CLI_EXIT_OK) {
		struct lta_consumer consumer = lta_stats_consumer(stats);

		lta_pipeline_add(run.pipeline, &consumer);
		ret = lta_cli_run_traces(&run, argv + optind, argc - optind, 0,
					 opts.bt_log_level);
	}
	if (ret) {
		goto end;
	}
	report = lta_stats_report_create(stats);
	if (!report) {
		fprintf(stderr, "lttng-analyzer: error: out of memory\n");
		ret = LTA_CLI_EXIT_FAILURE;
		goto end;
	}
	if (opts.format == FORMAT_JSON) {
		json = build_json(&opts, &run, report);
		if (!json || json_dumpf(json, stdout, JSON_INDENT(2)) != 0) {
			fprintf(stderr, "lttng-analyzer: error: cannot write "
					"JSON\n");
			ret = LTA_CLI_EXIT_FAILURE;
			goto end;
		}
		putchar('\n');
	} else {
		print_text(&opts, &run, report);
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("lttng-analyzer: error: cannot write output");
		ret = LTA_CLI_EXIT_FAILURE;
	} else {
		ret = lta_cli_run_partial(&run);
	}
end:
	json_decref(json);
	lta_stats_report_destroy(report);
	lta_cli_run_fini(&run);
	lta_stats_destroy(stats);
	return ret;
}
