/* SPDX-License-Identifier: GPL-2.0-only */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "decode/decode.h"
#include "pipeline/pipeline.h"

static int64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int lta_cli_parse_jobs(const char *command, const char *arg, int *jobs)
{
	char *end;
	long v = strtol(arg, &end, 10);

	if (*arg == '\0' || *end != '\0' || v < 1 || v > 64) {
		fprintf(stderr,
			"lttng-analyzer %s: --jobs takes 1 to 64, not \"%s\"\n",
			command, arg);
		return LTA_CLI_EXIT_USAGE;
	}
	*jobs = (int)v;
	return 0;
}

static unsigned online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > 64 ? 64 : (unsigned)n;
}

char *lta_cli_format_ts(int64_t ns, char *buf, size_t size)
{
	time_t sec;
	struct tm tm;
	char date[32];

	if (ns < 0) {
		snprintf(buf, size, "-");
		return buf;
	}
	sec = (time_t)(ns / 1000000000LL);
	gmtime_r(&sec, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(buf, size, "%s.%09lld", date, (long long)(ns % 1000000000LL));
	return buf;
}

static void show_progress(struct lta_cli_run *run, int64_t trace_ts, int final)
{
	const struct lta_decode_counters *c = lta_decode_counters(run->source);
	char when[48];

	if (final) {
		fprintf(stderr, "\r\033[K");
		return;
	}
	fprintf(stderr, "\r\033[K%llu events, at %s",
		(unsigned long long)c->events,
		lta_cli_format_ts(trace_ts, when, sizeof(when)));
}

static int on_event(struct lta_event *event, void *user_data)
{
	struct lta_cli_run *run = user_data;

	if (run->progress &&
	    (lta_decode_counters(run->source)->events & 0xffff) == 0) {
		int64_t now = monotonic_ns();

		if (now >= run->next_progress_ns) {
			show_progress(run, event->ts, 0);
			run->next_progress_ns = now + 250000000LL;
		}
	}
	return lta_pipeline_feed(run->pipeline, event);
}

static int on_tick(int64_t ts, void *user_data)
{
	struct lta_cli_run *run = user_data;

	return lta_pipeline_tick(run->pipeline, ts);
}

static int on_discard(const struct lta_discard *discard, void *user_data)
{
	struct lta_cli_run *run = user_data;

	/* Discarded packets lost their events too: same consequence. */
	lta_pipeline_discard(run->pipeline, discard->trace);
	return 0;
}

static void print_warnings(const struct lta_cli_run *run)
{
	size_t i, lost = 0, n = lta_decode_warning_count(run->source);

	for (i = 0; i < n; i++) {
		const struct lta_decode_warning *w =
			lta_decode_warning(run->source, i);

		fprintf(stderr, "lttng-analyzer: warning: %s: %s\n", w->path,
			w->reason);
		lost += w->events_lost;
	}
	if (lost) {
		fprintf(stderr,
			"lttng-analyzer: warning: the result is partial: "
			"%zu file%s not read whole\n",
			lost, lost > 1 ? "s were" : " was");
	} else if (n) {
		fprintf(stderr, "lttng-analyzer: warning: damaged index "
				"files only: every event was read\n");
	}
}

int lta_cli_run_partial(const struct lta_cli_run *run)
{
	if (run->source && lta_decode_warning_count(run->source) &&
	    !run->allow_partial) {
		return LTA_CLI_EXIT_PARTIAL;
	}
	return LTA_CLI_EXIT_OK;
}

/* The source a SIGINT interrupts (one at a time in this tool). */
static struct lta_decoder *volatile interruptible;

static void on_sigint(int signo)
{
	/* bt_interrupter_set() only sets a flag: safe in a handler. */
	if (interruptible) {
		lta_decode_interrupt(interruptible);
	}
}

/* Reads a live session until it ends (destroyed) or SIGINT. */
static enum lta_decode_status run_live(struct lta_cli_run *run)
{
	struct sigaction sa = { .sa_handler = on_sigint }, old;
	struct timespec pause = { 0, 20 * 1000 * 1000 };
	enum lta_decode_status status;

	interruptible = run->source;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old);
	do {
		status = lta_decode_run_once(run->source);
		if (status == LTA_DECODE_AGAIN) {
			/* Nothing from the relay daemon yet. */
			nanosleep(&pause, NULL);
		}
	} while (status == LTA_DECODE_OK || status == LTA_DECODE_AGAIN);
	sigaction(SIGINT, &old, NULL);
	interruptible = NULL;
	/* Interrupted by the user: report what was read. */
	return status == LTA_DECODE_STOPPED ? LTA_DECODE_END : status;
}

int lta_cli_run_traces(struct lta_cli_run *run, char **paths, int count,
		       int decode_args, const char *bt_log_level)
{
	struct lta_decode_options options = {
		.decode_args = decode_args,
		.bt_log_level = bt_log_level,
		.jobs = run->jobs > 0 ? (unsigned)run->jobs : online_cpus(),
	};
	struct lta_decode_handlers handlers = { .event = on_event,
						.discard = on_discard,
						.tick = on_tick };
	enum lta_decode_status status;
	int i;

	run->source = lta_decode_create(&options, &handlers, run);
	if (!run->source || !run->pipeline) {
		fprintf(stderr, "lttng-analyzer: error: out of memory\n");
		return LTA_CLI_EXIT_FAILURE;
	}
	for (i = 0; i < count; i++) {
		if (strncmp(paths[i], "net", 3) == 0 &&
		    strstr(paths[i], "://")) {
			if (count > 1 ||
			    lta_decode_set_live(run->source, paths[i], true)) {
				fprintf(stderr, "lttng-analyzer: error: %s\n",
					count > 1 ? "a live URL is read alone"
						  : lta_decode_error_message(
							    run->source));
				return LTA_CLI_EXIT_USAGE;
			}
			continue;
		}
		if (lta_decode_add_path(run->source, paths[i])) {
			print_warnings(run);
			fprintf(stderr, "lttng-analyzer: error: %s\n",
				lta_decode_error_message(run->source));
			return LTA_CLI_EXIT_FAILURE;
		}
	}
	run->progress = isatty(STDERR_FILENO);
	run->next_progress_ns = monotonic_ns() + 500000000LL;
	status = lta_decode_is_live(run->source) ? run_live(run)
						 : lta_decode_run(run->source);
	if (run->progress) {
		show_progress(run, 0, 1);
	}
	print_warnings(run);
	if (status == LTA_DECODE_ERROR) {
		fprintf(stderr, "lttng-analyzer: error: %s\n",
			lta_decode_error_message(run->source));
		return LTA_CLI_EXIT_FAILURE;
	}
	/* The end of the input: what the consumers still hold goes out. */
	if (lta_pipeline_flush(run->pipeline)) {
		return LTA_CLI_EXIT_FAILURE;
	}
	return LTA_CLI_EXIT_OK;
}

int lta_cli_run_init(struct lta_cli_run *run)
{
	run->pipeline = lta_pipeline_create();
	if (!run->pipeline) {
		fprintf(stderr, "lttng-analyzer: error: out of memory\n");
		return LTA_CLI_EXIT_FAILURE;
	}
	return LTA_CLI_EXIT_OK;
}

void lta_cli_run_fini(struct lta_cli_run *run)
{
	lta_decode_destroy(run->source);
	lta_pipeline_destroy(run->pipeline);
	run->source = NULL;
	run->pipeline = NULL;
}
