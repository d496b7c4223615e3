/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * syscall-tracer.h: what the wrappers of the preload library share.
 *
 * liblttng-analyzer-syscalls.so interposes, through LD_PRELOAD, the libc
 * functions that web servers use to accept, read, write and wait, and records
 * each call as a pair of lttng_analyzer_syscall:entry_<syscall> /
 * exit_<syscall> events laid out like the lttng-modules system call events.
 * syscall-tracer.c decides whether a call may be traced (the library is
 * initialised, the thread is not already inside the tracer, the caller is not
 * lttng-ust itself) and finds the real functions; the wrappers-*.c files hold
 * the wrappers, one per libc entry point.
 *
 * The wrapper files and syscall-tracer.c include this header first: it turns
 * off the glibc features that would turn our definitions of read(), open(),
 * ... into something else (fortified inline versions, 64-bit offset
 * aliases). syscall-probes.c is the exception, see there.
 */

#ifndef LTA_SYSCALL_TRACER_H
#define LTA_SYSCALL_TRACER_H

#undef _FORTIFY_SOURCE
#undef _FILE_OFFSET_BITS
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "http-scan.h"

/*
 * The tracepoints and the provider are used only inside this library: keep
 * their symbols out of the program's namespace (syscall-probes.c defines the
 * same two macros).
 */
#define LTTNG_UST_TRACEPOINT_HIDDEN_DEFINITION
#define LTTNG_UST_TRACEPOINT_PROVIDER_HIDDEN_DEFINITION
#include "lttng-analyzer-syscall-tp.h"

/* The library is built with -fvisibility=hidden: wrappers opt back in. */
#define LTA_SYSCALL_EXPORT __attribute__((visibility("default")))

/*
 * Depth of tracer code on this thread: while it is not 0, wrapped calls are
 * passed straight through. Initial-exec TLS, because the general dynamic
 * model may allocate on first access, from inside a wrapper.
 */
extern __thread int lta_syscall_nesting
	__attribute__((tls_model("initial-exec")));

/*
 * Returns whether a wrapped call made from the code address `caller` (the
 * wrapper's return address) is to be traced: the library's constructor has
 * run, the calling thread is not inside the tracer, and the caller is not
 * part of lttng-ust, whose own socket and shared-memory traffic with the
 * session daemon must neither be recorded nor recurse. Any thread may call
 * it; it never changes errno.
 */
bool lta_syscall_tracer_active(const void *caller);

/*
 * Returns the next definition of the function `name` after this library
 * (normally libc's), resolving it on first use and caching it in `*slot`.
 * Returns NULL when there is none. Any thread may call it, at any time,
 * including before the constructor: concurrent first calls resolve the same
 * value. It never changes errno.
 */
void *lta_syscall_tracer_resolve(void **slot, const char *name);

/*
 * Declares `real` as the real `fn`, and makes the wrapper fail with ENOSYS,
 * as a missing system call would, if libc has no such function (a program
 * that calls it could not have been linked, so this is only defensive).
 */
#define LTA_SYSCALL_REAL(real, fn)                                          \
	static void *real_##fn##_slot;                                      \
	__typeof__(&fn) real = (__typeof__(&fn))lta_syscall_tracer_resolve( \
		&real_##fn##_slot, #fn);                                    \
	if (!real) {                                                        \
		errno = ENOSYS;                                             \
		return -1;                                                  \
	}

/*
 * Emits one event, marking the thread as inside the tracer so that the libc
 * calls lttng-ust makes meanwhile are not traced, and keeping errno as the
 * wrapped call left it.
 */
#define LTA_SYSCALL_EMIT(event, ...)                                \
	do {                                                        \
		int emit_errno_ = errno;                            \
		lta_syscall_nesting++;                              \
		lttng_ust_tracepoint(lttng_analyzer_syscall, event, \
				     __VA_ARGS__);                  \
		lta_syscall_nesting--;                              \
		errno = emit_errno_;                                \
	} while (0)

/*
 * The value the kernel returns for a libc result: the result itself, or
 * -errno when the call failed. Call it right after the real call.
 */
static inline long lta_syscall_ret(long result)
{
	return result < 0 ? -(long)errno : result;
}

/*
 * Emits lttng_analyzer_syscall:http for the `ret` bytes (ret > 0) that a
 * call on `fd` transferred through `iovcnt` iovecs, when they start like an
 * HTTP head (lta_http_scan_plausible()) and hold at least one head line.
 * Called by the inline helpers below only, once the event is known to be
 * enabled, by a wrapper whose call is traced, between its real call and its
 * exit event. It never changes errno and never allocates.
 */
void lta_syscall_http_emit(int fd, enum lta_http_direction direction,
			   const struct iovec *iov, size_t iovcnt, size_t ret);

/*
 * The http event of a traced call that moved `ret` bytes through `iovcnt`
 * iovecs (readv, writev, recvmsg, sendmsg). When the event is disabled, or
 * nothing was transferred, it costs a comparison and a load.
 */
static inline void lta_syscall_http_iov(int fd,
					enum lta_http_direction direction,
					const struct iovec *iov, size_t iovcnt,
					ssize_t ret)
{
	if (ret > 0 &&
	    lttng_ust_tracepoint_enabled(lttng_analyzer_syscall, http)) {
		lta_syscall_http_emit(fd, direction, iov, iovcnt, (size_t)ret);
	}
}

/* The same for one buffer (read, write, recv, send...). */
static inline void lta_syscall_http_buf(int fd,
					enum lta_http_direction direction,
					const void *buf, ssize_t ret)
{
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = (size_t)ret };

	lta_syscall_http_iov(fd, direction, &iov, 1, ret);
}

/*
 * Emits lttng_analyzer_syscall:sockname for the socket `fd`: its local
 * address, and for a unix socket its peer's path and process. Called by
 * lta_syscall_sockname() only, once the event is known to be enabled, by a
 * wrapper whose call is traced, right after its exit event. It never
 * changes errno, never allocates and never blocks (three system calls on
 * the descriptor at most).
 */
void lta_syscall_sockname_emit(int fd);

/*
 * The sockname event of a traced connect() that returned 0 or failed with
 * EINPROGRESS, or of a traced accept() or accept4() that returned `fd`.
 * When the event is disabled, it costs a comparison and a load.
 */
static inline void lta_syscall_sockname(int fd)
{
	if (lttng_ust_tracepoint_enabled(lttng_analyzer_syscall, sockname)) {
		lta_syscall_sockname_emit(fd);
	}
}

#endif /* LTA_SYSCALL_TRACER_H */
