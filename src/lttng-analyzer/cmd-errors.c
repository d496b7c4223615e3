/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lttng-analyzer errors: timing failures (InE, CoE, crash) of a recorded
 * trace (or a live session), from its rule-based logging points
 * (<lttng-analyzer/rbl.h>) and from the starts and ends the segmenter
 * derives from the system calls, through the daemon's glue (agent/timing.h)
 * on trace time: the same errors at the same trace times as a live run.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/timing.h"
#include "cli.h"
#include "pipeline/consumers.h"
#include "common/strbuf.h"
#include "decode/decode.h"
#include "segment/segment.h"

struct errors_cmd {
	struct lta_timing_options options;
	struct lta_timing *timing;
	struct lta_segment *segment; /* Derived points; NULL with no_derived. */
	struct lta_cli_run run;
	uint64_t counts[3], late;
	int json;
	uint32_t max_kinds; /* 0: the segmenter's default. */
	bool no_kinds;
};

void lta_cli_errors_usage(FILE *out);

void lta_cli_errors_usage(FILE *out)
{
	fprintf(out,
		"Usage: lttng-analyzer errors [OPTIONS] "
		"TRACE_DIR...|net://...\n"
		"\n"
		"Raises interaction errors (InE), computation errors (CoE) "
		"and\n"
		"crashes with adaptive timeouts (mean + K x deviation,\n"
		"Jacobson/Karels), on trace time, from the lttng_analyzer_rbl\n"
		"points of instrumented programs and from starts and ends\n"
		"derived from the system calls (each request a service, each\n"
		"blocking call to another component an interaction). Prints "
		"one\nline per error, and per late end.\n"
		"\n"
		"Derived services are keyed by the kind of request (request "
		"line,\nfile served, program run, server called), at most "
		"--max-kinds\nper process name; derived interactions with a "
		"traced server by\nthat server.\n"
		"\n"
		"  --format=text|json   (default text; json: one object per "
		"line)\n"
		"  --k=K                deviations in the timeout (default 4;\n"
		"                       the timeout is at least 1.5 x a\n"
		"                       maximum decaying by 0.999 per "
		"sample)\n"
		"  --floor=MS           smallest timeout (default 50)\n"
		"  --ceiling=MS         largest timeout (default 30000)\n"
		"  --warmup=N           samples before the estimate rules "
		"(default 10)\n"
		"  --max-kinds=N        kinds of request per process name "
		"(default 64)\n"
		"  --no-kinds           one derived service per process, as "
		"before\n"
		"  --no-derived         only the instrumentation points\n"
		"  --no-rbl             only the derived starts and "
		"ends\n" LTA_CLI_ALLOW_PARTIAL_HELP LTA_CLI_JOBS_HELP
		"  -h, --help\n");
}

static int on_error(const struct lta_timing_error *te, void *user_data)
{
	struct errors_cmd *cmd = user_data;
	const struct lta_agent_error *e = te->error;
	const char *what =
		te->late ? "late-end" : lta_agent_error_name(e->type);

	if (te->late) {
		cmd->late++;
	} else {
		cmd->counts[e->type]++;
	}
	if (cmd->json) {
		struct lta_strbuf line = { 0 };

		/* Names come from the traced programs: escaped. */
		lta_strbuf_puts(&line, "{\"id\":");
		lta_strbuf_uint(&line, e->id);
		lta_strbuf_puts(&line, te->late ? ",\"event\":\"late_end\""
						: ",\"event\":\"error\"");
		lta_strbuf_puts(&line, ",\"type\":\"");
		lta_strbuf_puts(&line, lta_agent_error_name(e->type));
		lta_strbuf_puts(&line, e->kind == LTA_AGENT_SERVICE
					       ? "\",\"kind\":\"service\""
					       : "\",\"kind\":\"interaction\"");
		lta_strbuf_puts(&line, te->derived ? ",\"origin\":\"derived\""
						   : ",\"origin\":\"rbl\"");
		lta_strbuf_puts(&line, ",\"pid\":");
		lta_strbuf_int(&line, e->pid);
		lta_strbuf_puts(&line, ",\"tid\":");
		lta_strbuf_int(&line, e->tid);
		lta_strbuf_puts(&line, ",\"entity\":");
		lta_strbuf_json_string(&line, e->entity);
		lta_strbuf_puts(&line, ",\"name\":");
		lta_strbuf_json_string(&line, e->name);
		lta_strbuf_puts(&line, ",\"key\":");
		lta_strbuf_uint(&line, te->key);
		lta_strbuf_puts(&line, ",\"start_ns\":");
		lta_strbuf_int(&line, e->start_ts);
		lta_strbuf_puts(&line, ",\"raised_ns\":");
		lta_strbuf_int(&line, e->raised_ts);
		lta_strbuf_puts(&line, ",\"timeout_ns\":");
		lta_strbuf_int(&line, e->timeout_ns);
		lta_strbuf_puts(&line, ",\"late_end_ns\":");
		lta_strbuf_int(&line, e->late_end_ts);
		lta_strbuf_puts(&line, ",\"open\":");
		lta_strbuf_uint(&line, e->open_count);
		lta_strbuf_puts(&line, ",\"downstream_request\":");
		lta_strbuf_int(&line, e->downstream);
		lta_strbuf_puts(&line, e->expired ? ",\"expired\":true}\n"
						  : ",\"expired\":false}\n");
		if (line.failed) {
			lta_strbuf_fini(&line);
			return -ENOMEM;
		}
		fwrite(line.data, 1, line.len, stdout);
		lta_strbuf_fini(&line);
	} else {
		char downstream[48] = "";

		if (e->downstream > 0) {
			snprintf(downstream, sizeof(downstream),
				 ", downstream request %lld",
				 (long long)e->downstream);
		} else if (e->downstream == 0) {
			snprintf(downstream, sizeof(downstream),
				 ", no downstream request running");
		}
		printf("%-8s #%llu %s/%s%s pid %d tid %d: started %lld, %s "
		       "%lld (timeout %.3f ms%s)\n",
		       what, (unsigned long long)e->id, e->entity, e->name,
		       te->derived ? " (derived)" : "", e->pid, e->tid,
		       (long long)e->start_ts, te->late ? "ended" : "raised",
		       (long long)(te->late ? e->late_end_ts : e->raised_ts),
		       (double)e->timeout_ns / 1e6, downstream);
	}
	return 0;
}

static int on_point(const struct lta_segment_point *point, void *user_data)
{
	struct errors_cmd *cmd = user_data;

	return lta_timing_point(cmd->timing, point);
}

/* A derived InE: the downstream request it waited for (segment.h). */
static int64_t downstream(uint32_t trace, int32_t pid, int32_t tid,
			  void *user_data)
{
	struct errors_cmd *cmd = user_data;

	(void)pid;
	return cmd->segment ? lta_segment_downstream(cmd->segment, trace, tid)
			    : -1;
}

int lta_cli_errors(int argc, char **argv)
{
	static const struct option long_options[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "k", required_argument, NULL, 'k' },
		{ "floor", required_argument, NULL, 'F' },
		{ "ceiling", required_argument, NULL, 'C' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "max-kinds", required_argument, NULL, 'K' },
		{ "no-kinds", no_argument, NULL, 'N' },
		{ "no-derived", no_argument, NULL, 'D' },
		{ "no-rbl", no_argument, NULL, 'R' },
		{ LTA_CLI_ALLOW_PARTIAL_OPTION, no_argument, NULL, 'P' },
		{ LTA_CLI_JOBS_OPTION, required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct errors_cmd cmd = { 0 };
	const struct lta_agent_counters *c;
	char *end;
	double v;
	int opt, ret;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "hj:", long_options, NULL)) !=
	       -1) {
		if (opt == 'h') {
			lta_cli_errors_usage(stdout);
			return LTA_CLI_EXIT_OK;
		}
		if (opt == 'f') {
			if (strcmp(optarg, "json") && strcmp(optarg, "text")) {
				lta_cli_errors_usage(stderr);
				return LTA_CLI_EXIT_USAGE;
			}
			cmd.json = strcmp(optarg, "json") == 0;
			continue;
		}
		if (opt == 'P') {
			cmd.run.allow_partial = 1;
			continue;
		}
		if (opt == 'j') {
			if (lta_cli_parse_jobs("errors", optarg,
					       &cmd.run.jobs)) {
				return LTA_CLI_EXIT_USAGE;
			}
			continue;
		}
		if (opt == 'N') {
			cmd.no_kinds = true;
			continue;
		}
		if (opt == 'D' || opt == 'R') {
			*(opt == 'D' ? &cmd.options.no_derived
				     : &cmd.options.no_rbl) = true;
			continue;
		}
		if (opt == '?') {
			lta_cli_errors_usage(stderr);
			return LTA_CLI_EXIT_USAGE;
		}
		v = strtod(optarg, &end);
		if (*optarg == '\0' || *end != '\0' || v <= 0) {
			fprintf(stderr,
				"lttng-analyzer errors: bad value \"%s\"\n",
				optarg);
			return LTA_CLI_EXIT_USAGE;
		}
		switch (opt) {
		case 'k':
			cmd.options.agent.k = v;
			break;
		case 'F':
			cmd.options.agent.floor_ns = (int64_t)(v * 1e6);
			break;
		case 'C':
			cmd.options.agent.ceiling_ns = (int64_t)(v * 1e6);
			break;
		case 'w':
			cmd.options.agent.warmup = (uint32_t)v;
			break;
		case 'K':
			if (v > UINT32_MAX || v != (double)(uint32_t)v) {
				fprintf(stderr,
					"lttng-analyzer errors: bad value "
					"\"%s\"\n",
					optarg);
				return LTA_CLI_EXIT_USAGE;
			}
			cmd.max_kinds = (uint32_t)v;
			break;
		}
	}
	if (optind >= argc) {
		lta_cli_errors_usage(stderr);
		return LTA_CLI_EXIT_USAGE;
	}
	cmd.options.downstream = downstream;
	cmd.options.downstream_data = &cmd;
	cmd.timing = lta_timing_create(&cmd.options, on_error, &cmd);
	if (cmd.timing && !cmd.options.no_derived) {
		struct lta_segment_options so = {
			.max_calls = 0,
			.on_point = on_point,
			.point_data = &cmd,
			.max_kinds = cmd.max_kinds,
			.no_kinds = cmd.no_kinds,
		};

		cmd.segment = lta_segment_create(&so, NULL, NULL);
	}
	if (!cmd.timing || (!cmd.options.no_derived && !cmd.segment)) {
		fprintf(stderr, "lttng-analyzer: error: out of memory\n");
		lta_segment_destroy(cmd.segment);
		lta_timing_destroy(cmd.timing);
		return LTA_CLI_EXIT_FAILURE;
	}
	ret = lta_cli_run_init(&cmd.run);
	if (ret == LTA_CLI_EXIT_OK) {
		struct lta_consumer timing = lta_timing_consumer(cmd.timing);

		/* The timing agent first: deadlines before the next event. */
		lta_pipeline_add(cmd.run.pipeline, &timing);
		if (cmd.segment) {
			struct lta_consumer points =
				lta_segment_points_consumer(cmd.segment);

			lta_pipeline_add(cmd.run.pipeline, &points);
		}
		ret = lta_cli_run_traces(&cmd.run, argv + optind, argc - optind,
					 1, "warn");
	}
	if (ret == LTA_CLI_EXIT_OK) {
		c = lta_agent_counters(lta_timing_agent(cmd.timing));
		fprintf(stderr,
			"errors: %llu InE, %llu CoE, %llu crash; %llu late "
			"ends; %llu starts, %llu ends, %llu open at the end\n",
			(unsigned long long)cmd.counts[LTA_AGENT_INE],
			(unsigned long long)cmd.counts[LTA_AGENT_COE],
			(unsigned long long)cmd.counts[LTA_AGENT_CRASH],
			(unsigned long long)cmd.late,
			(unsigned long long)c->starts,
			(unsigned long long)c->ends,
			(unsigned long long)c->open);
	}
	if (fflush(stdout) != 0) {
		ret = LTA_CLI_EXIT_FAILURE;
	}
	if (ret == LTA_CLI_EXIT_OK) {
		ret = lta_cli_run_partial(&cmd.run);
	}
	lta_cli_run_fini(&cmd.run);
	lta_segment_destroy(cmd.segment);
	lta_timing_destroy(cmd.timing);
	return ret;
}
