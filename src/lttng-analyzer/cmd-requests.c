/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lttng-analyzer requests: the request dataset and latency figures.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "pipeline/consumers.h"
#include "common/strbuf.h"
#include "decode/decode.h"
#include "segment/request-format.h"
#include "segment/segment.h"
#include "segment/summary.h"
#include "writer.h"

/* Where the documentation is installed (configure's docdir). */
#ifndef LTA_DOCDIR
#define LTA_DOCDIR "/usr/share/doc/lttng-analyzer"
#endif

enum format {
	FORMAT_JSONL,
	FORMAT_TEXT,
	FORMAT_SUMMARY,
};

struct requests_cmd {
	enum format format;
	int64_t min_duration; /* ns; -1: no filter. */
	/* Bit (1 << reason) set: requests so ended are printed. */
	unsigned end_reasons;
	const char *connections_path; /* --connections; NULL: none. */
	FILE *connections;	      /* Owned. */
	struct lta_strbuf connection_line;
	int connections_error;
	const char *bt_log_level;
	struct lta_segment_options segment_options;

	struct lta_cli_run run;
	struct lta_segment *segment;	  /* Owned. */
	struct lta_summary *summary;	  /* Owned: the front tiers'. */
	struct lta_components components; /* Per server process. */
	struct lta_cli_writer *writer;	  /* Owned; jsonl and text. */
	int write_error;
};

void lta_cli_requests_usage(FILE *out);

void lta_cli_requests_usage(FILE *out)
{
	fprintf(out,
		"Usage: lttng-analyzer requests [OPTIONS] TRACE_DIR...\n"
		"\n"
		"Cuts the system calls of the traces into web requests and "
		"prints\n"
		"them as they end: a connection (accept to close) carries one "
		"request,\n"
		"or several on a persistent connection (see " LTA_DOCDIR
		"/segmentation.md).\n"
		"\n"
		"Options:\n"
		"  --format=jsonl|text|summary\n"
		"                       jsonl (default): one request per line, "
		"full\n"
		"                       record; text: the compact line format "
		"of\n"
		"                       " LTA_DOCDIR
		"/dataset-text-format.md;\n"
		"                       summary: "
		"latency\n"
		"                       figures as wrk2 prints them, of the "
		"front\n"
		"                       tier (servers whose clients are not "
		"traced),\n"
		"                       then a line per server process\n"
		"  --process=NAME       only requests accepted by processes so "
		"named\n"
		"  --min-duration=D     only requests lasting at least D (ns, "
		"us, ms,\n"
		"                       s suffix; no suffix: ms)\n"
		"  --max-calls=N        system calls kept per request (default "
		"1000;\n"
		"                       beyond, the record says truncated)\n"
		"  --end-reason=LIST    only requests that ended so (comma "
		"list of\n"
		"                       close, shutdown, keepalive, empty, "
		"aborted,\n"
		"                       open, replaced; or all). Default: all "
		"but\n"
		"                       empty (connections closed with no "
		"request)\n"
		"                       and open (cut by the end of the "
		"trace)\n"
		"  --open               also print requests still open when "
		"the\n"
		"                       trace ends (same as adding open to "
		"the list)\n"
		"  --connections=FILE   also write each connection (accept, "
		"close,\n"
		"                       peer, requests, idle time) to FILE, "
		"one JSON\n"
		"                       object per line\n"
		"  --bt-log-level=L     babeltrace2 log level (default "
		"warn)\n" LTA_CLI_ALLOW_PARTIAL_HELP LTA_CLI_JOBS_HELP
		"  -h, --help           this help\n");
}

static int parse_duration(const char *s, int64_t *ns)
{
	char *end;
	double v = strtod(s, &end);
	double unit = 1e6;

	if (end == s || v < 0) {
		return -1;
	}
	if (*end == '\0' || strcmp(end, "ms") == 0) {
		unit = 1e6;
	} else if (strcmp(end, "ns") == 0) {
		unit = 1;
	} else if (strcmp(end, "us") == 0) {
		unit = 1e3;
	} else if (strcmp(end, "s") == 0) {
		unit = 1e9;
	} else {
		return -1;
	}
	*ns = (int64_t)(v * unit);
	return 0;
}

static int on_request(struct lta_request *r, void *user_data)
{
	struct requests_cmd *cmd = user_data;
	const struct lta_decode_trace *trace;

	if (cmd->min_duration >= 0 &&
	    lta_request_duration(r) < cmd->min_duration) {
		return 0;
	}
	if (cmd->format == FORMAT_SUMMARY) {
		/* Counted apart, never in the latency figures. */
		return lta_components_add(&cmd->components, r);
	}
	if (!(cmd->end_reasons & (1u << r->end_reason))) {
		/*
		 * By default, connections with no request ("empty") and
		 * requests the trace cut ("open") are not dataset samples.
		 */
		return 0;
	}
	trace = lta_decode_trace(cmd->run.source, r->trace);
	/* Lanes keep the cores busy: format where the record is (writer.h). */
	lta_cli_writer_use_thread(cmd->writer,
				  !lta_decode_is_parallel(cmd->run.source));
	return lta_cli_writer_push(cmd->writer, r,
				   trace ? trace->hostname : NULL);
}

static int on_connection(const struct lta_connection *c, void *user_data)
{
	struct requests_cmd *cmd = user_data;
	const struct lta_decode_trace *trace;

	if (cmd->connections_error) {
		return 0;
	}
	trace = lta_decode_trace(cmd->run.source, c->trace);
	lta_strbuf_clear(&cmd->connection_line);
	lta_connection_format_json(c, trace ? trace->hostname : NULL,
				   &cmd->connection_line);
	lta_strbuf_putc(&cmd->connection_line, '\n');
	if (cmd->connection_line.failed) {
		cmd->connections_error = ENOMEM;
	} else if (fwrite(cmd->connection_line.data, 1,
			  cmd->connection_line.len,
			  cmd->connections) != cmd->connection_line.len) {
		cmd->connections_error = errno ? errno : EIO;
	}
	return 0;
}

static int parse_options(int argc, char **argv, struct requests_cmd *cmd)
{
	static const struct option long_options[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "process", required_argument, NULL, 'p' },
		{ "min-duration", required_argument, NULL, 'd' },
		{ "max-calls", required_argument, NULL, 'm' },
		{ "bt-log-level", required_argument, NULL, 'l' },
		{ "open", no_argument, NULL, 'o' },
		{ "end-reason", required_argument, NULL, 'e' },
		{ "connections", required_argument, NULL, 'c' },
		{ LTA_CLI_ALLOW_PARTIAL_OPTION, no_argument, NULL, 'P' },
		{ LTA_CLI_JOBS_OPTION, required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	long v;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "hj:", long_options, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (strcmp(optarg, "jsonl") == 0) {
				cmd->format = FORMAT_JSONL;
			} else if (strcmp(optarg, "text") == 0) {
				cmd->format = FORMAT_TEXT;
			} else if (strcmp(optarg, "summary") == 0) {
				cmd->format = FORMAT_SUMMARY;
			} else {
				fprintf(stderr,
					"lttng-analyzer requests: unknown "
					"format \"%s\" (jsonl, text, "
					"summary)\n",
					optarg);
				return LTA_CLI_EXIT_USAGE;
			}
			break;
		case 'p':
			cmd->segment_options.process = optarg;
			break;
		case 'd':
			if (parse_duration(optarg, &cmd->min_duration)) {
				fprintf(stderr,
					"lttng-analyzer requests: bad "
					"duration \"%s\" (e.g. 250us, "
					"10ms, 1s)\n",
					optarg);
				return LTA_CLI_EXIT_USAGE;
			}
			break;
		case 'm':
			v = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || v < 0 ||
			    v > 10000000) {
				fprintf(stderr,
					"lttng-analyzer requests: "
					"--max-calls takes 0 to "
					"10000000, not \"%s\"\n",
					optarg);
				return LTA_CLI_EXIT_USAGE;
			}
			cmd->segment_options.max_calls = (uint32_t)v;
			break;
		case 'l':
			cmd->bt_log_level = optarg;
			break;
		case 'o':
			cmd->end_reasons |= 1u << LTA_REQUEST_END_OPEN;
			break;
		case 'e':
			if (lta_request_end_parse_list(optarg,
						       &cmd->end_reasons)) {
				fprintf(stderr,
					"lttng-analyzer requests: bad "
					"--end-reason \"%s\" (a comma list "
					"of close, shutdown, keepalive, "
					"empty, aborted, open, replaced; or "
					"all)\n",
					optarg);
				return LTA_CLI_EXIT_USAGE;
			}
			break;
		case 'c':
			cmd->connections_path = optarg;
			break;
		case 'P':
			cmd->run.allow_partial = 1;
			break;
		case 'j':
			if (lta_cli_parse_jobs("requests", optarg,
					       &cmd->run.jobs)) {
				return LTA_CLI_EXIT_USAGE;
			}
			break;
		case 'h':
			lta_cli_requests_usage(stdout);
			return -1;
		default:
			lta_cli_requests_usage(stderr);
			return LTA_CLI_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr,
			"lttng-analyzer requests: no trace folder given\n\n");
		lta_cli_requests_usage(stderr);
		return LTA_CLI_EXIT_USAGE;
	}
	return 0;
}

int lta_cli_requests(int argc, char **argv)
{
	static char out_buffer[1 << 20];
	struct requests_cmd cmd = {
		.format = FORMAT_JSONL,
		.min_duration = -1,
		.bt_log_level = "warn",
		.segment_options = { .max_calls = 1000 },
		.end_reasons = ((1u << LTA_REQUEST_END_COUNT) - 1) &
			       ~(1u << LTA_REQUEST_END_EMPTY) &
			       ~(1u << LTA_REQUEST_END_OPEN),
	};
	int ret;

	ret = parse_options(argc, argv, &cmd);
	if (ret) {
		return ret < 0 ? LTA_CLI_EXIT_OK : ret;
	}
	setvbuf(stdout, out_buffer, _IOFBF, sizeof(out_buffer));
	if (cmd.connections_path) {
		cmd.connections = fopen(cmd.connections_path, "w");
		if (!cmd.connections) {
			fprintf(stderr,
				"lttng-analyzer: error: cannot create "
				"\"%s\": %s\n",
				cmd.connections_path, strerror(errno));
			return LTA_CLI_EXIT_FAILURE;
		}
		cmd.segment_options.on_connection = on_connection;
		cmd.segment_options.connection_data = &cmd;
	}
	if (cmd.format == FORMAT_TEXT) {
		lta_request_format_text_header(stdout);
	}
	cmd.segment =
		lta_segment_create(&cmd.segment_options, on_request, &cmd);
	cmd.summary = lta_summary_create();
	if (cmd.format != FORMAT_SUMMARY) {
		cmd.writer = lta_cli_writer_create(
			stdout, cmd.format == FORMAT_JSONL
					? LTA_CLI_WRITER_JSONL
					: LTA_CLI_WRITER_TEXT);
	}
	if (!cmd.segment || !cmd.summary ||
	    (cmd.format != FORMAT_SUMMARY && !cmd.writer)) {
		fprintf(stderr, "lttng-analyzer: error: out of memory\n");
		ret = LTA_CLI_EXIT_FAILURE;
		goto end;
	}
	ret = lta_cli_run_init(&cmd.run);
	if (ret == LTA_CLI_EXIT_OK) {
		struct lta_consumer segment = lta_segment_consumer(cmd.segment);

		lta_pipeline_add(cmd.run.pipeline, &segment);
		ret = lta_cli_run_traces(&cmd.run, argv + optind, argc - optind,
					 1, cmd.bt_log_level);
	}
	if (cmd.writer) {
		/* Whatever happened, write what was handed out. */
		cmd.write_error = lta_cli_writer_finish(cmd.writer);
	}
	if (cmd.connections &&
	    (fclose(cmd.connections) != 0 && !cmd.connections_error)) {
		cmd.connections_error = errno;
	}
	cmd.connections = NULL;
	if (cmd.connections_error) {
		fprintf(stderr,
			"lttng-analyzer: error: cannot write \"%s\": %s\n",
			cmd.connections_path, strerror(cmd.connections_error));
		ret = LTA_CLI_EXIT_FAILURE;
	}
	if (cmd.write_error) {
		fprintf(stderr,
			"lttng-analyzer: error: cannot write output: "
			"%s\n",
			strerror(cmd.write_error));
		ret = LTA_CLI_EXIT_FAILURE;
		goto end;
	}
	if (ret == LTA_CLI_EXIT_OK && cmd.format == FORMAT_SUMMARY) {
		/* The headline: the front tiers (doc/tiers.md). */
		lta_components_front(&cmd.components, cmd.summary);
		lta_summary_print(cmd.summary, stdout);
		if (cmd.components.count > 1) {
			fprintf(stdout, "Per component (the figures above are "
					"the front tier's):\n");
			lta_components_print(&cmd.components, stdout);
		}
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("lttng-analyzer: error: cannot write output");
		ret = LTA_CLI_EXIT_FAILURE;
	}
	if (ret == LTA_CLI_EXIT_OK) {
		ret = lta_cli_run_partial(&cmd.run);
	}
end:
	if (cmd.connections) {
		fclose(cmd.connections);
	}
	lta_strbuf_fini(&cmd.connection_line);
	lta_cli_writer_destroy(cmd.writer);
	lta_cli_run_fini(&cmd.run);
	lta_segment_destroy(cmd.segment);
	lta_summary_destroy(cmd.summary);
	lta_components_fini(&cmd.components);
	return ret;
}
