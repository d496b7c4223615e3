/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Debug assertions for the hot path, as babeltrace2's BT_ASSERT_DBG: the
 * invariants of per-event code (reference counts, states) are checked in
 * builds configured with --enable-debug-mode (or --enable-sanitizers, as
 * the test command builds) and cost nothing otherwise. Like assert(), for
 * internal invariants only: never for what a trace or a client sends.
 */
#ifndef LTA_COMMON_ASSERT_DBG_H
#define LTA_COMMON_ASSERT_DBG_H

#ifdef LTA_DEBUG_MODE
#undef NDEBUG
#include <assert.h>
#define LTA_ASSERT_DBG(cond) assert(cond)
#else
/* Not evaluated, but still compiled: names in it stay checked. */
#define LTA_ASSERT_DBG(cond) ((void)sizeof((cond) ? 1 : 0))
#endif

#endif /* LTA_COMMON_ASSERT_DBG_H */
