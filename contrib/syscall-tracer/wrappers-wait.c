/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * wrappers-wait.c: waiting for descriptors. poll, ppoll, epoll_wait,
 * epoll_pwait and select.
 *
 * The wrappers follow the steps described in wrappers-io.c. These calls
 * block: their entry event marks when the wait began and their exit event
 * when it ended, which is what the analyzer uses to tell waiting from
 * working. select() records its three descriptor sets as given on entry and
 * as returned on exit, so both events read the caller's fd_set objects.
 */

#include "syscall-tracer.h"

#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/select.h>

/* The fortified poll entry points; see wrappers-io.c. */
extern int __poll_chk(struct pollfd *fds, nfds_t nfds, int timeout,
		      size_t fdslen);
extern int __ppoll_chk(struct pollfd *fds, nfds_t nfds,
		       const struct timespec *timeout, const sigset_t *ss,
		       size_t fdslen);

/*
 * The signal set size glibc passes to ppoll and epoll_pwait: the kernel's
 * sigset_t, not glibc's larger one.
 */
#define KERNEL_SIGSET_SIZE ((size_t)(_NSIG / 8))

LTA_SYSCALL_EXPORT int poll(struct pollfd *fds, nfds_t nfds, int timeout)
{
	bool traced = lta_syscall_tracer_active(__builtin_return_address(0));
	int ret;
	LTA_SYSCALL_REAL(real, poll);

	if (traced) {
		LTA_SYSCALL_EMIT(entry_poll, fds, nfds, timeout);
	}
	ret = real(fds, nfds, timeout);
	if (traced) {
		LTA_SYSCALL_EMIT(exit_poll, lta_syscall_ret(ret), fds, nfds);
	}
	return ret;
}

LTA_SYSCALL_EXPORT int __poll_chk(struct pollfd *fds, nfds_t nfds, int timeout,
				  size_t fdslen)
{
	bool traced = lta_syscall_tracer_active(__builtin_return_address(0));
	int ret;
	LTA_SYSCALL_REAL(real, __poll_chk);

	if (traced) {
		LTA_SYSCALL_EMIT(entry_poll, fds, nfds, timeout);
	}
	ret = real(fds, nfds, timeout, fdslen);
	if (traced) {
		LTA_SYSCALL_EMIT(exit_poll, lta_syscall_ret(ret), fds, nfds);
	}
	return ret;
}

LTA_SYSCALL_EXPORT int ppoll(struct pollfd *fds, nfds_t nfds,
			     const struct timespec *timeout,
			     const sigset_t *sigmask)
{
	bool traced = lta_syscall_tracer_active(__builtin_return_address(0));
	int ret;
	LTA_SYSCALL_REAL(real, ppoll);

	if (traced) {
		LTA_SYSCALL_EMIT(entry_ppoll, fds, nfds, timeout, sigmask,
				 KERNEL_SIGSET_SIZE);
	}
	ret = real(fds, nfds, timeout, sigmask);
	if (traced) {
		LTA_SYSCALL_EMIT(exit_ppoll, lta_syscall_ret(ret), fds, nfds);
	}
	return ret;
}

LTA_SYSCALL_EXPORT int __ppoll_chk(struct pollfd *fds, nfds_t nfds,
				   const struct timespec *timeout,
				   const sigset_t *sigmask, size_t fdslen)
{
	bool traced = lta_syscall_tracer_active(__builtin_return_address(0));
	int ret;
	LTA_SYSCALL_REAL(real, __ppoll_chk);

	if (traced) {
		LTA_SYSCALL_EMIT(entry_ppoll, fds, nfds, timeout, sigmask,
				 KERNEL_SIGSET_SIZE);
	}
	ret = real(fds, nfds, timeout, sigmask, fdslen);
	if (traced) {
		LTA_SYSCALL_EMIT(exit_ppoll, lta_syscall_ret(ret), fds, nfds);
	}
	return ret;
}

LTA_SYSCALL_EXPORT int epoll_wait(int epfd, struct epoll_event *events,
				  int maxevents, int timeout)
{
	bool traced = lta_syscall_tracer_active(__builtin_return_address(0));
	int ret;
	LTA_SYSCALL_REAL(real, epoll_wait);

	if (traced) {
		LTA_SYSCALL_EMIT(entry_epoll_wait, epfd, events, maxevents,
				 timeout);
	}
	ret = real(epfd, events, maxevents, timeout);
	if (traced) {
		LTA_SYSCALL_EMIT(exit_epoll_wait, lta_syscall_ret(ret), events,
				 maxevents);
	}
	return ret;
}

LTA_SYSCALL_EXPORT int epoll_pwait(int epfd, struct epoll_event *events,
				   int maxevents, int timeout,
				   const sigset_t *sigmask)
{
	bool traced = lta_syscall_tracer_active(__builtin_return_address(0));
	int ret;
	LTA_SYSCALL_REAL(real, epoll_pwait);

	if (traced) {
		LTA_SYSCALL_EMIT(entry_epoll_pwait, epfd, events, maxevents,
				 timeout, sigmask, KERNEL_SIGSET_SIZE);
	}
	ret = real(epfd, events, maxevents, timeout, sigmask);
	if (traced) {
		LTA_SYSCALL_EMIT(exit_epoll_pwait, lta_syscall_ret(ret), events,
				 maxevents);
	}
	return ret;
}

LTA_SYSCALL_EXPORT int select(int nfds, fd_set *readfds, fd_set *writefds,
			      fd_set *exceptfds, struct timeval *timeout)
{
	bool traced = lta_syscall_tracer_active(__builtin_return_address(0));
	int ret;
	LTA_SYSCALL_REAL(real, select);

	if (traced) {
		LTA_SYSCALL_EMIT(entry_select, nfds, readfds, writefds,
				 exceptfds, timeout);
	}
	ret = real(nfds, readfds, writefds, exceptfds, timeout);
	if (traced) {
		LTA_SYSCALL_EMIT(exit_select, lta_syscall_ret(ret), nfds,
				 readfds, writefds, exceptfds, timeout);
	}
	return ret;
}
