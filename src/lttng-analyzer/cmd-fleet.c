/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lttng-analyzer fleet: one view over the daemons of a fleet, read from
 * their JetStream stream (doc/fleet.md). Per host, session and component:
 * requests (from the request messages), request rate and latency
 * percentiles (from the closed windows of each analysis's default query,
 * their histograms merged, never averaged), timing errors by type and
 * late ends; then per host, and for the whole fleet. Text or JSON.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "common/strbuf.h"
#include "publish/publish.h"

static void fleet_usage(FILE *out)
{
	fprintf(out,
		"Usage: lttng-analyzer fleet --nats-url=URL [OPTIONS]\n"
		"\n"
		"One view over a fleet of lttng-analyzerd daemons publishing "
		"to\n"
		"NATS JetStream (--nats-url): per host, session and "
		"component,\n"
		"requests, request rate, latency percentiles (merged from "
		"the\n"
		"windows' histograms) and timing errors; then per host and "
		"in all.\n"
		"\n"
		"  --nats-url=URL       the NATS server (nats://HOST:PORT)\n"
		"  --format=text|json   output (default text)\n"
		"  --timeout-ms=N       wait at most N ms for each message "
		"(default\n"
		"                       5000)\n"
		"  --messages           print every message of the stream "
		"instead\n"
		"                       (JSON lines, with its subject, "
		"msg_id and\n"
		"                       stream_seq)\n"
		"  -h, --help           this help\n");
}

int lta_cli_fleet(int argc, char **argv)
{
	static const struct option options[] = {
		{ "nats-url", required_argument, NULL, 'u' },
		{ "format", required_argument, NULL, 'f' },
		{ "timeout-ms", required_argument, NULL, 't' },
		{ "messages", no_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct lta_fleet_view *view = NULL;
	struct lta_strbuf out = { 0 };
	struct lta_nats *n = NULL;
	const char *url = NULL;
	char error[512];
	bool json = false, dump = false;
	int timeout_ms = 5000, opt, ret, status = LTA_CLI_EXIT_FAILURE, i;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (opt) {
		case 'u':
			url = optarg;
			break;
		case 'f':
			if (strcmp(optarg, "json") != 0 &&
			    strcmp(optarg, "text") != 0) {
				fprintf(stderr, "lttng-analyzer fleet: "
						"--format: text or json\n");
				return LTA_CLI_EXIT_USAGE;
			}
			json = strcmp(optarg, "json") == 0;
			break;
		case 't':
			timeout_ms = atoi(optarg);
			if (timeout_ms < 1) {
				fprintf(stderr, "lttng-analyzer fleet: "
						"--timeout-ms: a positive "
						"number\n");
				return LTA_CLI_EXIT_USAGE;
			}
			break;
		case 'm':
			dump = true;
			break;
		case 'h':
			fleet_usage(stdout);
			return LTA_CLI_EXIT_OK;
		default:
			fleet_usage(stderr);
			return LTA_CLI_EXIT_USAGE;
		}
	}
	if (!url || optind < argc) {
		fleet_usage(stderr);
		return LTA_CLI_EXIT_USAGE;
	}
	n = lta_nats_create(url, "lttng-analyzer fleet", error, sizeof(error));
	if (!n) {
		fprintf(stderr, "lttng-analyzer fleet: %s\n", error);
		goto end;
	}
	/* The first connection is made in the background: wait for it. */
	for (i = 0; i < 50 && !lta_nats_connected(n); i++) {
		struct timespec nap = { 0, 100 * 1000000L };

		nanosleep(&nap, NULL);
	}
	view = lta_fleet_view_read(n, timeout_ms, dump ? stdout : NULL, &ret);
	if (ret == -ENOENT) {
		fprintf(stderr,
			"lttng-analyzer fleet: no stream %s: no "
			"daemon published yet\n",
			LTA_PUBLISH_STREAM);
		goto end;
	}
	if (!view) {
		fprintf(stderr,
			"lttng-analyzer fleet: cannot read the stream %s "
			"from %s (%s)\n",
			LTA_PUBLISH_STREAM, url,
			ret == -EAGAIN ? "not connected, or it stopped "
					 "answering"
				       : strerror(-ret));
		goto end;
	}
	if (dump) {
		/* Printed as read. */
	} else if (json) {
		lta_fleet_view_json(view, &out);
		if (out.failed) {
			goto end;
		}
		printf("%s\n", lta_strbuf_cstr(&out));
	} else {
		lta_fleet_view_text(view, stdout);
	}
	fflush(stdout);
	status = LTA_CLI_EXIT_OK;
end:
	lta_fleet_view_destroy(view);
	lta_nats_destroy(n);
	lta_strbuf_fini(&out);
	return status;
}
