/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The lttng-analyzer command-line tool: its commands, each a function that
 * takes the arguments after the command name and returns the exit status
 * (0 success, 1 failure, 2 usage error, 3 damaged input: the result was
 * printed, but some trace files were not read, or not whole, or had a bad
 * index). Built into a convenience library that the tests link; main.c only
 * dispatches.
 */
#ifndef LTA_CLI_CLI_H
#define LTA_CLI_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define LTA_CLI_EXIT_OK 0
#define LTA_CLI_EXIT_FAILURE 1
#define LTA_CLI_EXIT_USAGE 2
#define LTA_CLI_EXIT_PARTIAL 3

/* The --allow-partial option, with its help line, for every command. */
#define LTA_CLI_ALLOW_PARTIAL_OPTION "allow-partial"
#define LTA_CLI_ALLOW_PARTIAL_HELP                                          \
	"  --allow-partial      exit 0 even when some trace files are\n"    \
	"                       damaged (not read, read in part, bad\n"     \
	"                       index); they are still listed on stderr.\n" \
	"                       Without it, the exit status is then 3\n"

/*
 * The --jobs option, with its help line, for every command: how many
 * babeltrace2 graphs decode a recorded trace at once (decode.h).
 */
#define LTA_CLI_JOBS_OPTION "jobs"
#define LTA_CLI_JOBS_HELP                                                    \
	"  -j, --jobs=N         decode recorded traces with N babeltrace2\n" \
	"                       graphs at once (default: the online CPUs;\n" \
	"                       1: one graph); the output is the same\n"     \
	"                       whatever N\n"

/*
 * Parses the argument of --jobs (1 to 64) into *JOBS. Returns 0, or prints
 * why not (prefixed with COMMAND) and returns LTA_CLI_EXIT_USAGE.
 */
int lta_cli_parse_jobs(const char *command, const char *arg, int *jobs);

/* lttng-analyzer stats [OPTIONS] TRACE_DIR... */
int lta_cli_stats(int argc, char **argv);

/* lttng-analyzer requests [OPTIONS] TRACE_DIR... */
int lta_cli_requests(int argc, char **argv);

/* lttng-analyzer windows [OPTIONS] TRACE_DIR... (cmd-windows.c) */
int lta_cli_windows(int argc, char **argv);

/* Prints the usage of the windows command to OUT. */
void lta_cli_windows_usage(FILE *out);

/* lttng-analyzer errors [OPTIONS] TRACE_DIR... */
int lta_cli_errors(int argc, char **argv);

/* lttng-analyzer fleet (cmd-fleet.c): one view over a fleet's stream. */
int lta_cli_fleet(int argc, char **argv);

/* Prints the usage of the stats command to OUT. */
void lta_cli_stats_usage(FILE *out);

/*
 * Formats NS (nanoseconds since the epoch) as "YYYY-MM-DD HH:MM:SS.nnnnnnnnn"
 * in UTC into BUF. Returns BUF.
 */
char *lta_cli_format_ts(int64_t ns, char *buf, size_t size);

/*
 * What every command that reads traces shares: the source, the pipeline
 * of analyses it feeds (lib/pipeline; the command adds its consumers to it
 * after lta_cli_run_init()), and a progress line on stderr when stderr is
 * a terminal.
 */
struct lta_decoder;
struct lta_pipeline;

struct lta_cli_run {
	struct lta_decoder *source;    /* Owned. */
	struct lta_pipeline *pipeline; /* Owned. */
	int progress;		       /* Print progress (stderr is a tty). */
	int allow_partial;	       /* --allow-partial: warnings exit 0. */
	int jobs;		       /* --jobs; 0: the online CPUs. */
	int64_t next_progress_ns;      /* Monotonic time of the next line. */
};

/*
 * Makes RUN's pipeline (RUN zeroed before). Returns 0, or prints that
 * memory is out and returns LTA_CLI_EXIT_FAILURE.
 */
int lta_cli_run_init(struct lta_cli_run *run);

/*
 * Reads the traces under PATHS into RUN's pipeline (the tasks module, then
 * each consumer) and, when they were read to their end, flushes it. Prints
 * any error on stderr, prefixed with the program name, and each warning of
 * the source (a file not read whole) as "lttng-analyzer: warning: PATH:
 * REASON". Returns an exit status: OK even with warnings (see
 * lta_cli_run_partial()). RUN's source and pipeline stay for the caller to
 * read counters from; free them with lta_cli_run_fini().
 */
int lta_cli_run_traces(struct lta_cli_run *run, char **paths, int count,
		       int decode_args, const char *bt_log_level);

/*
 * Returns the exit status that RUN's warnings call for once the result is
 * printed: LTA_CLI_EXIT_PARTIAL when a file was not read whole and
 * RUN->allow_partial is not set, else LTA_CLI_EXIT_OK.
 */
int lta_cli_run_partial(const struct lta_cli_run *run);

void lta_cli_run_fini(struct lta_cli_run *run);

#endif /* LTA_CLI_CLI_H */
