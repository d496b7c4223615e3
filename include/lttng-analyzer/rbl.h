/* SPDX-License-Identifier: MIT */
/*
 * Rule-based logging for lttng-analyzer: one line per point.
 *
 * A program marks where each unit of work (a service) starts and ends, and
 * where each call to another component (an interaction) starts and ends:
 *
 *     #include <lttng-analyzer/rbl.h>
 *
 *     LTA_RBL_SST("frontend", "GET /cart");	// service start
 *     LTA_RBL_IST("frontend", "db.query");	// interaction start
 *     rows = query(db, sql);
 *     LTA_RBL_IEN("frontend", "db.query");	// interaction end
 *     LTA_RBL_SEN("frontend", "GET /cart");	// service end
 *
 * Each point becomes an lttng-ust event of the lttng_analyzer_rbl provider
 * (sst, sen, ist, ien) carrying the entity, the name and a key that pairs
 * a start with its end: by default the calling thread (a start and its end
 * on the same thread); the _KEY forms take an explicit key for work that
 * moves between threads (a request id, a connection). lttng-analyzerd
 * raises an interaction error (InE) when an end does not come in time, a
 * computation error (CoE) for a service, and a crash when the process
 * exits with starts open.
 *
 * Build with `pkg-config --cflags --libs lttng-analyzer-rbl`. When no
 * tracing session enables these events, a point costs a function call and
 * a test (bench/rbl-cost.sh measures it); the program runs the same with or
 * without a session daemon.
 */
#ifndef LTTNG_ANALYZER_RBL_H
#define LTTNG_ANALYZER_RBL_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The default key: the calling thread's id. */
uint64_t lta_rbl_thread_key(void);

/* Points with an explicit key. ENTITY and NAME are copied into the event. */
void lta_rbl_sst(const char *entity, const char *service, uint64_t key);
void lta_rbl_sen(const char *entity, const char *service, uint64_t key);
void lta_rbl_ist(const char *entity, const char *interaction, uint64_t key);
void lta_rbl_ien(const char *entity, const char *interaction, uint64_t key);

#define LTA_RBL_SST(entity, service) \
	lta_rbl_sst((entity), (service), lta_rbl_thread_key())
#define LTA_RBL_SEN(entity, service) \
	lta_rbl_sen((entity), (service), lta_rbl_thread_key())
#define LTA_RBL_IST(entity, interaction) \
	lta_rbl_ist((entity), (interaction), lta_rbl_thread_key())
#define LTA_RBL_IEN(entity, interaction) \
	lta_rbl_ien((entity), (interaction), lta_rbl_thread_key())

#define LTA_RBL_SST_KEY(entity, service, key) \
	lta_rbl_sst((entity), (service), (key))
#define LTA_RBL_SEN_KEY(entity, service, key) \
	lta_rbl_sen((entity), (service), (key))
#define LTA_RBL_IST_KEY(entity, interaction, key) \
	lta_rbl_ist((entity), (interaction), (key))
#define LTA_RBL_IEN_KEY(entity, interaction, key) \
	lta_rbl_ien((entity), (interaction), (key))

#ifdef __cplusplus
}
#endif

#endif /* LTTNG_ANALYZER_RBL_H */
