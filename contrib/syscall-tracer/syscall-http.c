/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * syscall-http.c: the lttng_analyzer_syscall:http event, which says how many
 * HTTP/1.x heads start in the bytes of a traced read or write-like call.
 *
 * The wrappers call lta_syscall_http_iov() or lta_syscall_http_buf()
 * (syscall-tracer.h) after the real call and before the exit event, so that
 * a reader sees entry, http, exit on one thread. Those inline helpers check
 * that the call moved bytes and that the event is enabled; this file checks
 * that the bytes start like a head, scans them (http-scan.c) and emits the
 * event when it found a head line. Reads of ordinary files thus cost a load
 * and one or two byte comparisons when the event is enabled.
 */

#include "syscall-tracer.h"

void lta_syscall_http_emit(int fd, enum lta_http_direction direction,
			   const struct iovec *iov, size_t iovcnt, size_t ret)
{
	struct lta_http_scan_result result;

	if (!lta_http_scan_plausible(iov, iovcnt, ret, direction)) {
		return;
	}
	lta_http_scan(iov, iovcnt, ret, direction, &result);
	if (!result.lines) {
		return;
	}
	LTA_SYSCALL_EMIT(http, fd, (uint8_t)direction, result.messages,
			 result.first_line);
}
