/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Clock readings in nanoseconds: the wall clock (CLOCK_REALTIME: what the
 * API shows as created/updated times) and the monotonic clock (for
 * deadlines and intervals, which a wall-clock step must not bend).
 */
#ifndef LTA_COMMON_CLOCK_H
#define LTA_COMMON_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline int64_t lta_clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Nanoseconds since the Unix epoch. Any thread. */
static inline int64_t lta_clock_wall_ns(void)
{
	return lta_clock_ns(CLOCK_REALTIME);
}

/* Nanoseconds on the monotonic clock. Any thread. */
static inline int64_t lta_clock_mono_ns(void)
{
	return lta_clock_ns(CLOCK_MONOTONIC);
}

#endif /* LTA_COMMON_CLOCK_H */
