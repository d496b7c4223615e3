/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * gen-trace: emits system-call-shaped lttng-ust events, for tests and
 * benchmarks that need a trace of a given size.
 *
 *   gen-trace [--events N] [--threads T] [--cycle requests|rw]
 *
 * Events go through the same provider as the user-space system-call tracer
 * (lttng_analyzer_syscall), so the analyzer reads them exactly as it reads a
 * traced program. Each thread emits its share of N events as cycles:
 *   requests: accept4, read, write, close (entry and exit of each: 8 events)
 *             on a descriptor per cycle, from a peer 127.0.0.1:<port>;
 *   rw:       read, write (4 events).
 * Nothing is actually called: the arguments are made up, the counts exact.
 * It prints the number of events emitted on stdout. Record it with a
 * blocking channel (LTTNG_UST_ALLOW_BLOCKING=1) so that none is discarded.
 */
#define LTTNG_UST_TRACEPOINT_DEFINE
#define LTTNG_UST_TRACEPOINT_CREATE_PROBES
#include "lttng-analyzer-syscall-tp.h"

#include <arpa/inet.h>
#include <getopt.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum cycle {
	CYCLE_REQUESTS,
	CYCLE_RW,
};

struct worker {
	pthread_t thread;
	int index;
	uint64_t events; /* To emit. */
	uint64_t emitted;
	enum cycle cycle;
};

static char payload[4096];

static void emit_requests(struct worker *w)
{
	struct sockaddr_in peer = { .sin_family = AF_INET };
	uint64_t n = 0;
	int fd;

	peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	while (n + 8 <= w->events) {
		/* Each thread its own descriptors: one process shares them. */
		fd = 10 + w->index * 1000 + (int)((n / 8) % 1000);
		peer.sin_port = htons((uint16_t)(1024 + (n / 8) % 60000));
		lttng_ust_tracepoint(lttng_analyzer_syscall, entry_accept4, 3,
				     (const struct sockaddr *)&peer,
				     (int)sizeof(peer), 0);
		lttng_ust_tracepoint(lttng_analyzer_syscall, exit_accept4, fd,
				     (socklen_t)sizeof(peer),
				     (const struct sockaddr *)&peer);
		lttng_ust_tracepoint(lttng_analyzer_syscall, entry_read, fd,
				     sizeof(payload));
		lttng_ust_tracepoint(lttng_analyzer_syscall, exit_read, 120,
				     payload);
		lttng_ust_tracepoint(lttng_analyzer_syscall, entry_write, fd,
				     payload, 512);
		lttng_ust_tracepoint(lttng_analyzer_syscall, exit_write, 512);
		lttng_ust_tracepoint(lttng_analyzer_syscall, entry_close, fd);
		lttng_ust_tracepoint(lttng_analyzer_syscall, exit_close, 0);
		n += 8;
	}
	w->emitted = n;
}

static void emit_rw(struct worker *w)
{
	uint64_t n = 0;

	while (n + 4 <= w->events) {
		int fd = 3 + (int)((n / 4) % 64);

		lttng_ust_tracepoint(lttng_analyzer_syscall, entry_read, fd,
				     sizeof(payload));
		lttng_ust_tracepoint(lttng_analyzer_syscall, exit_read, 64,
				     payload);
		lttng_ust_tracepoint(lttng_analyzer_syscall, entry_write, fd,
				     payload, 64);
		lttng_ust_tracepoint(lttng_analyzer_syscall, exit_write, 64);
		n += 4;
	}
	w->emitted = n;
}

static void *run(void *arg)
{
	struct worker *w = arg;

	if (w->cycle == CYCLE_REQUESTS) {
		emit_requests(w);
	} else {
		emit_rw(w);
	}
	return NULL;
}

static void usage(FILE *out)
{
	fprintf(out, "Usage: gen-trace [--events N] [--threads T] "
		     "[--cycle requests|rw]\n");
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "events", required_argument, NULL, 'n' },
		{ "threads", required_argument, NULL, 't' },
		{ "cycle", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long long events = 1000000;
	long threads = 4, i;
	enum cycle cycle = CYCLE_REQUESTS;
	struct worker *workers;
	uint64_t per, total = 0, unit;
	int c;

	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (c) {
		case 'n':
			events = strtoull(optarg, NULL, 10);
			break;
		case 't':
			threads = strtol(optarg, NULL, 10);
			break;
		case 'c':
			if (strcmp(optarg, "requests") == 0) {
				cycle = CYCLE_REQUESTS;
			} else if (strcmp(optarg, "rw") == 0) {
				cycle = CYCLE_RW;
			} else {
				usage(stderr);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (threads < 1 || threads > 256) {
		fprintf(stderr, "gen-trace: --threads must be 1 to 256\n");
		return 2;
	}
	workers = calloc((size_t)threads, sizeof(*workers));
	if (!workers) {
		perror("gen-trace");
		return 1;
	}
	unit = cycle == CYCLE_REQUESTS ? 8 : 4;
	per = events / (uint64_t)threads / unit * unit;
	for (i = 0; i < threads; i++) {
		workers[i].index = (int)i;
		workers[i].cycle = cycle;
		workers[i].events = per;
		if (pthread_create(&workers[i].thread, NULL, run,
				   &workers[i])) {
			perror("gen-trace: pthread_create");
			return 1;
		}
	}
	for (i = 0; i < threads; i++) {
		pthread_join(workers[i].thread, NULL);
		total += workers[i].emitted;
	}
	printf("%llu\n", (unsigned long long)total);
	free(workers);
	return 0;
}
