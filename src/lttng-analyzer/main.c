/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lttng-analyzer: analyses of recorded LTTng traces from the command line.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* Where the documentation is installed (configure's docdir). */
#ifndef LTA_DOCDIR
#define LTA_DOCDIR "/usr/share/doc/lttng-analyzer"
#endif

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: lttng-analyzer COMMAND [OPTIONS] TRACE_DIR...\n"
		"\n"
		"Analyses recorded LTTng traces (kernel or user space). A "
		"TRACE_DIR\n"
		"is a trace folder or any folder above trace folders, such as "
		"an\n"
		"LTTng session's output.\n"
		"\n"
		"Commands:\n"
		"  stats      time span, events per name, system calls per "
		"process\n"
		"  requests   the web requests cut out of the system calls\n"
		"  errors     timing failures (interactions, computations, "
		"crashes)\n"
		"  windows    requests or system calls in windows of trace "
		"time\n"
		"  fleet      one view over daemons publishing to NATS "
		"JetStream\n"
		"\n"
		"Options:\n"
		"  -h, --help     this help (COMMAND --help for a command's)\n"
		"  -V, --version  the version\n"
		"\n"
		"See lttng-analyzer(1) and " LTA_DOCDIR ".\n"
		"Report bugs to <" PACKAGE_BUGREPORT ">.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return LTA_CLI_EXIT_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return LTA_CLI_EXIT_OK;
	}
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("lttng-analyzer %s\n", PACKAGE_VERSION);
		return LTA_CLI_EXIT_OK;
	}
	if (strcmp(argv[1], "stats") == 0) {
		return lta_cli_stats(argc - 1, argv + 1);
	}
	if (strcmp(argv[1], "requests") == 0) {
		return lta_cli_requests(argc - 1, argv + 1);
	}
	if (strcmp(argv[1], "windows") == 0) {
		return lta_cli_windows(argc - 1, argv + 1);
	}
	if (strcmp(argv[1], "errors") == 0) {
		return lta_cli_errors(argc - 1, argv + 1);
	}
	if (strcmp(argv[1], "fleet") == 0) {
		return lta_cli_fleet(argc - 1, argv + 1);
	}
	fprintf(stderr, "lttng-analyzer: unknown command \"%s\"\n\n", argv[1]);
	usage(stderr);
	return LTA_CLI_EXIT_USAGE;
}
