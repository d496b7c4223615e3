/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * syscall-probes.c: the lttng_analyzer_syscall tracepoint provider, built into
 * the preload library itself so that LD_PRELOAD of one file is enough.
 *
 * This is the only file that defines the tracepoints and creates the probes;
 * the wrappers include the provider header as plain users. It must not
 * include the header before the two definitions below, hence no
 * syscall-tracer.h here.
 */

#define LTTNG_UST_TRACEPOINT_HIDDEN_DEFINITION
#define LTTNG_UST_TRACEPOINT_PROVIDER_HIDDEN_DEFINITION
#define LTTNG_UST_TRACEPOINT_DEFINE
#define LTTNG_UST_TRACEPOINT_CREATE_PROBES
#include "lttng-analyzer-syscall-tp.h"
