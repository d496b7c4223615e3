/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * The lttng_analyzer_rbl tracepoint provider: rule-based logging events
 * (service start/end, interaction start/end), each with the entity (the
 * component), the service or interaction name, and the key that pairs a
 * start with its end. Internal to liblttng-analyzer-rbl; programs use
 * <lttng-analyzer/rbl.h>.
 */
/* clang-format off */
#undef LTTNG_UST_TRACEPOINT_PROVIDER
#define LTTNG_UST_TRACEPOINT_PROVIDER lttng_analyzer_rbl

#undef LTTNG_UST_TRACEPOINT_INCLUDE
#define LTTNG_UST_TRACEPOINT_INCLUDE "rbl-tp.h"

#if !defined(LTA_RBL_TP_H) || defined(LTTNG_UST_TRACEPOINT_HEADER_MULTI_READ)
#define LTA_RBL_TP_H

#include <lttng/tracepoint.h>
#include <stdint.h>

LTTNG_UST_TRACEPOINT_EVENT_CLASS(lttng_analyzer_rbl, point,
	LTTNG_UST_TP_ARGS(const char *, entity, const char *, name,
			  uint64_t, key),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_string(entity, entity)
		lttng_ust_field_string(name, name)
		lttng_ust_field_integer(uint64_t, key, key)
	)
)

LTTNG_UST_TRACEPOINT_EVENT_INSTANCE(lttng_analyzer_rbl, point,
	lttng_analyzer_rbl, sst,
	LTTNG_UST_TP_ARGS(const char *, entity, const char *, name,
			  uint64_t, key))
LTTNG_UST_TRACEPOINT_EVENT_INSTANCE(lttng_analyzer_rbl, point,
	lttng_analyzer_rbl, sen,
	LTTNG_UST_TP_ARGS(const char *, entity, const char *, name,
			  uint64_t, key))
LTTNG_UST_TRACEPOINT_EVENT_INSTANCE(lttng_analyzer_rbl, point,
	lttng_analyzer_rbl, ist,
	LTTNG_UST_TP_ARGS(const char *, entity, const char *, name,
			  uint64_t, key))
LTTNG_UST_TRACEPOINT_EVENT_INSTANCE(lttng_analyzer_rbl, point,
	lttng_analyzer_rbl, ien,
	LTTNG_UST_TP_ARGS(const char *, entity, const char *, name,
			  uint64_t, key))

#endif /* LTA_RBL_TP_H */

#include <lttng/tracepoint-event.h>
/* clang-format on */
