/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lttng-analyzer windows: tumbling and hopping windows of the requests (or
 * system calls) of recorded traces, as the daemon's continuous queries
 * make them (lib/window, doc/windows.md).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "common/strbuf.h"
#include "pipeline/consumers.h"
#include "segment/segment.h"
#include "window/window.h"

/* Where the documentation is installed (configure's docdir). */
#ifndef LTA_DOCDIR
#define LTA_DOCDIR "/usr/share/doc/lttng-analyzer"
#endif

enum format {
	FORMAT_JSONL,
	FORMAT_TEXT,
};

/* Grace of a request query when --grace is not given (see the usage). */
#define DEFAULT_REQUEST_GRACE INT64_C(10000000000)

struct windows_cmd {
	enum format format;
	struct lta_window_query query;
	bool grace_set;
	bool counters; /* --counters: print them on stderr at the end. */
	const char *bt_log_level;
	struct lta_segment_options segment_options;

	struct lta_cli_run run;
	struct lta_segment *segment; /* Owned. */
	struct lta_window_set *set;  /* Owned. */
	struct lta_strbuf line;
	int window_error; /* From the window set (out of memory). */
};

void lta_cli_windows_usage(FILE *out)
{
	fprintf(out,
		"Usage: lttng-analyzer windows [OPTIONS] TRACE_DIR...\n"
		"\n"
		"Counts the requests (or system calls) of the traces in "
		"windows of\n"
		"trace time and prints each window and group when it closes: "
		"count,\n"
		"rate, bytes, errors, latency percentiles and the mergeable "
		"histogram\n"
		"(" LTA_DOCDIR
		"/windows.md). The requests are those `lttng-analyzer "
		"requests`\n"
		"prints, from the same pipeline.\n"
		"\n"
		"Options:\n"
		"  --range=D            window length (default 1s); D: a "
		"number with\n"
		"                       ns, us, ms, s or m; no suffix: ns\n"
		"  --slide=D            distance between window starts "
		"(default: the\n"
		"                       range: tumbling); a divisor of the "
		"range:\n"
		"                       hopping, each event in range/slide "
		"windows\n"
		"  --grace=D            how late an event may come and still "
		"count in\n"
		"                       its window (default 10s for requests, "
		"which\n"
		"                       end before they are known; 0 for "
		"system calls)\n"
		"  --group-by=LIST      comma list of component, end_reason, "
		"path\n"
		"                       (requests), component, syscall (system "
		"calls);\n"
		"                       none: one group (default component)\n"
		"  --stream=requests|syscalls\n"
		"                       what is counted (default requests)\n"
		"  --filter=F           only what F says (repeatable): "
		"component=NAME,\n"
		"                       syscall=NAME, min-duration=D,\n"
		"                       end-reason=LIST (requests: close, "
		"shutdown,\n"
		"                       keepalive, empty, aborted, open, "
		"replaced,\n"
		"                       all; default all but empty and open)\n"
		"  --max-groups=N       groups per window (default 1000); "
		"events of\n"
		"                       more groups are refused and counted\n"
		"  --format=jsonl|text  jsonl (default): one JSON object per "
		"window\n"
		"                       and group, with its histogram; text: "
		"a line\n"
		"  --counters           print the counters (late, dropped, "
		"refused...)\n"
		"                       on stderr at the end, as JSON\n"
		"  --process=NAME       only requests accepted by processes so "
		"named\n"
		"  --bt-log-level=L     babeltrace2 log level (default "
		"warn)\n" LTA_CLI_ALLOW_PARTIAL_HELP LTA_CLI_JOBS_HELP
		"  -h, --help           this help\n");
}

static void format_text(const struct lta_window_closed *c,
			struct lta_strbuf *out)
{
	char start[48];

	lta_cli_format_ts(c->start, start, sizeof(start));
	lta_strbuf_printf(out,
			  "%s +%.9gs %s count=%" PRIu64 " rate=%.9g "
			  "bytes=%" PRIu64 " errors=%" PRIu64 " p50=%" PRId64
			  " p90=%" PRId64 " p99=%" PRId64 " max=%" PRId64 "\n",
			  start, (double)(c->end - c->start) / 1e9,
			  c->group[0] ? c->group : "-", c->count, c->rate,
			  c->bytes, c->errors, c->p50, c->p90, c->p99, c->max);
}

static int on_closed(const struct lta_window_closed *c, void *user_data)
{
	struct windows_cmd *cmd = user_data;

	lta_strbuf_clear(&cmd->line);
	if (cmd->format == FORMAT_JSONL) {
		lta_window_closed_format_json(c, &cmd->line);
		lta_strbuf_putc(&cmd->line, '\n');
	} else {
		format_text(c, &cmd->line);
	}
	if (cmd->line.failed) {
		return -ENOMEM;
	}
	fwrite(cmd->line.data, 1, cmd->line.len, stdout);
	return 0;
}

static int on_request(struct lta_request *r, void *user_data)
{
	struct windows_cmd *cmd = user_data;
	int ret = lta_window_set_request(cmd->set, r);

	if (ret < 0) {
		cmd->window_error = ret;
	}
	return ret;
}

/* --filter=NAME=VALUE. Returns 0 or -1. */
static int parse_filter(const char *arg, struct lta_window_query *q)
{
	const char *value = strchr(arg, '=');
	size_t len;

	if (!value) {
		return -1;
	}
	len = (size_t)(value - arg);
	value++;
	if (len == 9 && strncmp(arg, "component", len) == 0 && *value) {
		q->component = value;
	} else if (len == 7 && strncmp(arg, "syscall", len) == 0 && *value) {
		q->syscall = value;
	} else if (len == 12 && strncmp(arg, "min-duration", len) == 0) {
		return lta_window_parse_duration(value, &q->min_latency) ? -1
									 : 0;
	} else if (len == 10 && strncmp(arg, "end-reason", len) == 0) {
		return lta_request_end_parse_list(value, &q->end_reasons);
	} else {
		return -1;
	}
	return 0;
}

static int duration_option(const char *name, const char *arg, int64_t *ns)
{
	if (lta_window_parse_duration(arg, ns)) {
		fprintf(stderr,
			"lttng-analyzer windows: bad --%s \"%s\" (e.g. 1s, "
			"500ms, 100us, 2500000)\n",
			name, arg);
		return LTA_CLI_EXIT_USAGE;
	}
	return 0;
}

static int parse_options(int argc, char **argv, struct windows_cmd *cmd)
{
	static const struct option long_options[] = {
		{ "range", required_argument, NULL, 'r' },
		{ "slide", required_argument, NULL, 's' },
		{ "grace", required_argument, NULL, 'g' },
		{ "group-by", required_argument, NULL, 'G' },
		{ "stream", required_argument, NULL, 'S' },
		{ "filter", required_argument, NULL, 'F' },
		{ "max-groups", required_argument, NULL, 'M' },
		{ "format", required_argument, NULL, 'f' },
		{ "counters", no_argument, NULL, 'C' },
		{ "process", required_argument, NULL, 'p' },
		{ "bt-log-level", required_argument, NULL, 'l' },
		{ LTA_CLI_ALLOW_PARTIAL_OPTION, no_argument, NULL, 'P' },
		{ LTA_CLI_JOBS_OPTION, required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct lta_window_query *q = &cmd->query;
	char *end;
	long v;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "hj:", long_options, NULL)) != -1) {
		switch (c) {
		case 'r':
			if (duration_option("range", optarg, &q->range)) {
				return LTA_CLI_EXIT_USAGE;
			}
			break;
		case 's':
			if (duration_option("slide", optarg, &q->slide)) {
				return LTA_CLI_EXIT_USAGE;
			}
			break;
		case 'g':
			if (duration_option("grace", optarg, &q->grace)) {
				return LTA_CLI_EXIT_USAGE;
			}
			cmd->grace_set = true;
			break;
		case 'G':
			if (lta_window_parse_group_by(optarg, &q->group_by)) {
				fprintf(stderr,
					"lttng-analyzer windows: bad "
					"--group-by \"%s\" (a comma list of "
					"component, end_reason, syscall, "
					"path; or none)\n",
					optarg);
				return LTA_CLI_EXIT_USAGE;
			}
			break;
		case 'S':
			if (strcmp(optarg, "requests") == 0) {
				q->stream = LTA_WINDOW_STREAM_REQUESTS;
			} else if (strcmp(optarg, "syscalls") == 0) {
				q->stream = LTA_WINDOW_STREAM_SYSCALLS;
			} else {
				fprintf(stderr,
					"lttng-analyzer windows: unknown "
					"stream \"%s\" (requests, "
					"syscalls)\n",
					optarg);
				return LTA_CLI_EXIT_USAGE;
			}
			break;
		case 'F':
			if (parse_filter(optarg, q)) {
				fprintf(stderr,
					"lttng-analyzer windows: bad "
					"--filter \"%s\" (component=NAME, "
					"syscall=NAME, min-duration=D, "
					"end-reason=LIST)\n",
					optarg);
				return LTA_CLI_EXIT_USAGE;
			}
			break;
		case 'M':
			v = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || v < 1 ||
			    v > 1000000) {
				fprintf(stderr,
					"lttng-analyzer windows: "
					"--max-groups takes 1 to 1000000, "
					"not \"%s\"\n",
					optarg);
				return LTA_CLI_EXIT_USAGE;
			}
			q->max_groups = (uint32_t)v;
			break;
		case 'f':
			if (strcmp(optarg, "jsonl") == 0) {
				cmd->format = FORMAT_JSONL;
			} else if (strcmp(optarg, "text") == 0) {
				cmd->format = FORMAT_TEXT;
			} else {
				fprintf(stderr,
					"lttng-analyzer windows: unknown "
					"format \"%s\" (jsonl, text)\n",
					optarg);
				return LTA_CLI_EXIT_USAGE;
			}
			break;
		case 'C':
			cmd->counters = true;
			break;
		case 'p':
			cmd->segment_options.process = optarg;
			break;
		case 'l':
			cmd->bt_log_level = optarg;
			break;
		case 'P':
			cmd->run.allow_partial = 1;
			break;
		case 'j':
			if (lta_cli_parse_jobs("windows", optarg,
					       &cmd->run.jobs)) {
				return LTA_CLI_EXIT_USAGE;
			}
			break;
		case 'h':
			lta_cli_windows_usage(stdout);
			return -1;
		default:
			lta_cli_windows_usage(stderr);
			return LTA_CLI_EXIT_USAGE;
		}
	}
	if (!cmd->grace_set) {
		q->grace = q->stream == LTA_WINDOW_STREAM_REQUESTS
				   ? DEFAULT_REQUEST_GRACE
				   : 0;
	}
	if (q->range <= 0 || q->slide < 0 || q->slide > q->range ||
	    (q->slide && (q->range % q->slide != 0 ||
			  q->range / q->slide > LTA_WINDOW_MAX_OVERLAP))) {
		fprintf(stderr,
			"lttng-analyzer windows: the range must be above 0 "
			"and a multiple of the slide, at most %d times it\n",
			LTA_WINDOW_MAX_OVERLAP);
		return LTA_CLI_EXIT_USAGE;
	}
	if (optind >= argc) {
		fprintf(stderr,
			"lttng-analyzer windows: no trace folder given\n\n");
		lta_cli_windows_usage(stderr);
		return LTA_CLI_EXIT_USAGE;
	}
	return 0;
}

static void print_counters(const struct windows_cmd *cmd)
{
	const struct lta_window_counters *c =
		lta_window_set_counters(cmd->set, 0);

	if (!c) {
		return;
	}
	fprintf(stderr,
		"{\"events\":%" PRIu64 ",\"filtered\":%" PRIu64
		",\"late_accepted\":%" PRIu64 ",\"max_late\":%" PRId64
		",\"late_partial\":%" PRIu64 ",\"late_dropped\":%" PRIu64
		",\"refused\":%" PRIu64 ",\"unended\":%" PRIu64
		",\"untimed\":%" PRIu64 ",\"bad_time\":%" PRIu64
		",\"windows_closed\":%" PRIu64 "}\n",
		c->events, c->filtered, c->late_accepted, c->max_late,
		c->late_partial, c->late_dropped, c->refused, c->unended,
		c->untimed, c->bad_time, c->windows_closed);
}

int lta_cli_windows(int argc, char **argv)
{
	static char out_buffer[1 << 20];
	struct windows_cmd cmd = {
		.format = FORMAT_JSONL,
		.query = {
			.stream = LTA_WINDOW_STREAM_REQUESTS,
			.range = 1000000000,
			.group_by =
				LTA_WINDOW_GROUP_BY(LTA_WINDOW_KEY_COMPONENT),
		},
		.bt_log_level = "warn",
		/* As `requests` does: the same requests. */
		.segment_options = { .max_calls = 1000 },
	};
	int ret;

	ret = parse_options(argc, argv, &cmd);
	if (ret) {
		return ret < 0 ? LTA_CLI_EXIT_OK : ret;
	}
	setvbuf(stdout, out_buffer, _IOFBF, sizeof(out_buffer));
	cmd.set = lta_window_set_create(on_closed, &cmd);
	if (cmd.query.stream == LTA_WINDOW_STREAM_REQUESTS) {
		cmd.segment = lta_segment_create(&cmd.segment_options,
						 on_request, &cmd);
	}
	if (!cmd.set ||
	    (cmd.query.stream == LTA_WINDOW_STREAM_REQUESTS && !cmd.segment)) {
		fprintf(stderr, "lttng-analyzer: error: out of memory\n");
		ret = LTA_CLI_EXIT_FAILURE;
		goto end;
	}
	ret = lta_window_set_add(cmd.set, &cmd.query);
	if (ret < 0) {
		fprintf(stderr, "lttng-analyzer windows: bad query: %s\n",
			strerror(-ret));
		ret = ret == -EINVAL ? LTA_CLI_EXIT_USAGE
				     : LTA_CLI_EXIT_FAILURE;
		goto end;
	}
	ret = lta_cli_run_init(&cmd.run);
	if (ret == LTA_CLI_EXIT_OK) {
		struct lta_consumer window = lta_window_consumer(cmd.set);

		if (cmd.segment) {
			struct lta_consumer segment =
				lta_segment_consumer(cmd.segment);

			/* First: its requests reach the set before time. */
			lta_pipeline_add(cmd.run.pipeline, &segment);
		}
		lta_pipeline_add(cmd.run.pipeline, &window);
		ret = lta_cli_run_traces(&cmd.run, argv + optind, argc - optind,
					 1, cmd.bt_log_level);
	}
	if (cmd.window_error) {
		fprintf(stderr, "lttng-analyzer: error: windows: %s\n",
			strerror(-cmd.window_error));
		ret = LTA_CLI_EXIT_FAILURE;
	}
	if (cmd.counters) {
		print_counters(&cmd);
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("lttng-analyzer: error: cannot write output");
		ret = LTA_CLI_EXIT_FAILURE;
	}
	if (ret == LTA_CLI_EXIT_OK) {
		ret = lta_cli_run_partial(&cmd.run);
	}
end:
	lta_cli_run_fini(&cmd.run);
	lta_segment_destroy(cmd.segment);
	lta_window_set_destroy(cmd.set);
	lta_strbuf_fini(&cmd.line);
	return ret;
}
