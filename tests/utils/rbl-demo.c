/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rbl-demo: a program instrumented with <lttng-analyzer/rbl.h>, with a
 * fault chosen on the command line, for tests of timing-failure detection.
 * Each iteration is a service "work" containing an interaction "db" of
 * about 1 ms:
 *   SST(demo, work); IST(demo, db); ~1 ms; IEN(demo, db); ~0.2 ms; SEN
 *
 *   rbl-demo [--iterations N] [--fault none|interaction|service|crash]
 *            [--at I] [--hang-ms MS]
 *
 * At iteration I the fault hangs the interaction (sleeps in it), hangs the
 * service outside its interaction (spins), or crashes (SIGSEGV) inside the
 * service, for MS milliseconds; then normal iterations go on.
 */
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lttng-analyzer/rbl.h"

static void sleep_ms(double ms)
{
	struct timespec ts = { (time_t)(ms / 1000),
			       (long)((ms - (double)(long)(ms / 1000) * 1000) *
				      1e6) };

	nanosleep(&ts, NULL);
}

static void spin_ms(double ms)
{
	struct timespec a, b;

	clock_gettime(CLOCK_MONOTONIC, &a);
	do {
		clock_gettime(CLOCK_MONOTONIC, &b);
	} while ((double)(b.tv_sec - a.tv_sec) * 1e3 +
			 (double)(b.tv_nsec - a.tv_nsec) / 1e6 <
		 ms);
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "iterations", required_argument, NULL, 'n' },
		{ "fault", required_argument, NULL, 'f' },
		{ "at", required_argument, NULL, 'a' },
		{ "hang-ms", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 },
	};
	long n = 100, at = 50, i;
	double hang = 1000;
	const char *fault = "none";
	int c;

	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (c) {
		case 'n':
			n = strtol(optarg, NULL, 10);
			break;
		case 'f':
			fault = optarg;
			break;
		case 'a':
			at = strtol(optarg, NULL, 10);
			break;
		case 'm':
			hang = strtod(optarg, NULL);
			break;
		default:
			fprintf(stderr, "usage: rbl-demo [--iterations N] "
					"[--fault none|interaction|service|"
					"crash] [--at I] [--hang-ms MS]\n");
			return 2;
		}
	}
	for (i = 0; i < n; i++) {
		bool faulty = i == at;

		LTA_RBL_SST("demo", "work");
		LTA_RBL_IST("demo", "db");
		sleep_ms(faulty && strcmp(fault, "interaction") == 0 ? hang
								     : 1);
		LTA_RBL_IEN("demo", "db");
		if (faulty && strcmp(fault, "service") == 0) {
			spin_ms(hang);
		}
		if (faulty && strcmp(fault, "crash") == 0) {
			fflush(stdout);
			raise(SIGSEGV);
		}
		sleep_ms(0.2);
		LTA_RBL_SEN("demo", "work");
	}
	printf("%ld iterations\n", n);
	return 0;
}
