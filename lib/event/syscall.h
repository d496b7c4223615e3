/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The system calls that analyses act on, by name.
 *
 * Traces name system calls by string (syscall_entry_accept4, sys_close,
 * lttng_analyzer_syscall:exit_read). The decoder resolves the name once per
 * event class to this enum so that analyses switch on an integer. A system
 * call not in this list is LTA_SYSCALL_OTHER and keeps its name in
 * lta_event.syscall_name: stats and the dataset still show it.
 */
#ifndef LTA_EVENT_SYSCALL_H
#define LTA_EVENT_SYSCALL_H

/* One per line, kept in strcmp order (a binary search relies on it). */
/* clang-format off */
#define LTA_SYSCALL_LIST(X) \
	X(accept) \
	X(accept4) \
	X(bind) \
	X(clone) \
	X(clone3) \
	X(close) \
	X(connect) \
	X(dup) \
	X(dup2) \
	X(dup3) \
	X(epoll_pwait) \
	X(epoll_wait) \
	X(execve) \
	X(exit) \
	X(exit_group) \
	X(fcntl) \
	X(fork) \
	X(futex) \
	X(listen) \
	X(nanosleep) \
	X(open) \
	X(openat) \
	X(pipe) \
	X(pipe2) \
	X(poll) \
	X(ppoll) \
	X(pread64) \
	X(preadv) \
	X(preadv2) \
	X(pselect6) \
	X(pwrite64) \
	X(pwritev) \
	X(pwritev2) \
	X(read) \
	X(readv) \
	X(recvfrom) \
	X(recvmmsg) \
	X(recvmsg) \
	X(select) \
	X(sendfile) \
	X(sendfile64) \
	X(sendmmsg) \
	X(sendmsg) \
	X(sendto) \
	X(shutdown) \
	X(socket) \
	X(splice) \
	X(vfork) \
	X(write) \
	X(writev)
/* clang-format on */

enum lta_syscall {
	/* Not known: a 2.4-era exit_syscall before its entry is paired. */
	LTA_SYSCALL_UNKNOWN = 0,
	/* A system call outside the list below; see syscall_name. */
	LTA_SYSCALL_OTHER,
#define LTA_SYSCALL_ENUM(name) LTA_SYSCALL_##name,
	LTA_SYSCALL_LIST(LTA_SYSCALL_ENUM)
#undef LTA_SYSCALL_ENUM
		LTA_SYSCALL_COUNT,
};

/*
 * Returns the enum value for a system call name ("accept4"), or
 * LTA_SYSCALL_OTHER. A binary search: call it once per event class, not per
 * event. Any thread.
 */
enum lta_syscall lta_syscall_from_name(const char *name);

/*
 * Returns the static name of a known system call, "unknown" or "other".
 */
const char *lta_syscall_name(enum lta_syscall syscall);

#endif /* LTA_EVENT_SYSCALL_H */
