/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rbl-cost: what an LTA_RBL_* point costs a program. Times N points in a
 * loop and, in the same run, N calls of an empty function that the
 * compiler cannot inline, and prints nanoseconds per point for each.
 * Run it with no tracing session (the cost a production program pays when
 * nobody traces) and with a session recording the events.
 *
 *   rbl-cost [N]   (default 20,000,000)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "lttng-analyzer/rbl.h"

__attribute__((noinline)) static void empty_point(const char *e, const char *n,
						  uint64_t k)
{
	__asm__ volatile("" : : "r"(e), "r"(n), "r"(k) : "memory");
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 20000000L;
	double t0, t1, t2;
	long i;

	if (n <= 0) {
		fprintf(stderr, "usage: rbl-cost [N]\n");
		return 2;
	}
	LTA_RBL_SST("bench", "warm-up"); /* Resolve the PLT and the TLS key. */
	LTA_RBL_SEN("bench", "warm-up");
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		empty_point("bench", "point", (uint64_t)i);
	}
	t1 = now_ns();
	for (i = 0; i < n; i++) {
		LTA_RBL_SST("bench", "point");
	}
	t2 = now_ns();
	printf("rbl point: %.2f ns, empty call: %.2f ns (%ld points each)\n",
	       (t2 - t1) / (double)n, (t1 - t0) / (double)n, n);
	return 0;
}
