/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * liblttng-analyzer-rbl: the rule-based logging points of
 * <lttng-analyzer/rbl.h>, emitted through the lttng_analyzer_rbl provider
 * (whose probes are linked in here: a program links this library only).
 */
#define LTTNG_UST_TRACEPOINT_CREATE_PROBES
#define LTTNG_UST_TRACEPOINT_DEFINE
#include "rbl-tp.h"

#include <sys/syscall.h>
#include <unistd.h>

#include "lttng-analyzer/rbl.h"

#define RBL_EXPORT __attribute__((visibility("default")))

RBL_EXPORT uint64_t lta_rbl_thread_key(void)
{
	/* gettid() once per thread: the key must be cheap. */
	static __thread uint64_t tid;

	if (!tid) {
		tid = (uint64_t)syscall(SYS_gettid);
	}
	return tid;
}

RBL_EXPORT void lta_rbl_sst(const char *entity, const char *service,
			    uint64_t key)
{
	lttng_ust_tracepoint(lttng_analyzer_rbl, sst, entity, service, key);
}

RBL_EXPORT void lta_rbl_sen(const char *entity, const char *service,
			    uint64_t key)
{
	lttng_ust_tracepoint(lttng_analyzer_rbl, sen, entity, service, key);
}

RBL_EXPORT void lta_rbl_ist(const char *entity, const char *interaction,
			    uint64_t key)
{
	lttng_ust_tracepoint(lttng_analyzer_rbl, ist, entity, interaction, key);
}

RBL_EXPORT void lta_rbl_ien(const char *entity, const char *interaction,
			    uint64_t key)
{
	lttng_ust_tracepoint(lttng_analyzer_rbl, ien, entity, interaction, key);
}
