/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * syscall-sockname.c: the lttng_analyzer_syscall:sockname event, which says
 * what the socket of a new connection is on this side.
 *
 * lttng-modules records the peer address of an accepted connection and the
 * destination of a connect, which is not enough to pair the two ends of a
 * connection between two traced programs: the client's own (ephemeral)
 * port is never recorded, and unix sockets carry no address at all. The
 * connect and accept wrappers (wrappers-net.c) therefore call
 * lta_syscall_sockname() (syscall-tracer.h) right after their exit event;
 * when the event is enabled, this file asks the new socket for its local
 * address (getsockname()), and for a unix socket also for its peer's path
 * (getpeername()) and process (SO_PEERCRED), and records them.
 */

#include "syscall-tracer.h"

#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

/* Room for any address the kernel returns, read as any family. */
union address {
	struct sockaddr sa;
	struct sockaddr_un un;
	struct sockaddr_storage storage;
};

/*
 * A unix socket path as text: a 108-byte path (not NUL-terminated in the
 * address), or '@' and the 107 bytes of an abstract name, and a NUL.
 */
#define PATH_SIZE (sizeof(((struct sockaddr_un *)0)->sun_path) + 1)

/*
 * Writes to `path` the name in the unix socket address `addr` of `len`
 * bytes: its path; '@' then the name for an abstract address (whose first
 * byte is NUL), with any NUL byte of the name written as '@' too, as ss(8)
 * shows them; "" for an unnamed socket or another family.
 */
static void unix_path(char path[PATH_SIZE], const union address *addr,
		      socklen_t len)
{
	const char *name = addr->un.sun_path;
	size_t n, i;

	path[0] = '\0';
	if (len <= offsetof(struct sockaddr_un, sun_path) ||
	    addr->sa.sa_family != AF_UNIX) {
		return;
	}
	n = len - offsetof(struct sockaddr_un, sun_path);
	if (n > sizeof(addr->un.sun_path)) {
		n = sizeof(addr->un.sun_path);
	}
	if (name[0] != '\0') {
		/* A path: the kernel counts its NUL, when there is room. */
		n = strnlen(name, n);
		memcpy(path, name, n);
		path[n] = '\0';
		return;
	}
	path[0] = '@';
	for (i = 1; i < n; i++) {
		path[i] = name[i] ? name[i] : '@';
	}
	path[n] = '\0';
}

/*
 * Calls `ask` (getsockname or getpeername) on `fd`. Returns the length of
 * the address written to `addr`, at most its size, or 0 on failure.
 */
static socklen_t ask_address(int (*ask)(int, struct sockaddr *, socklen_t *),
			     int fd, union address *addr)
{
	socklen_t len = sizeof(*addr);

	if (ask(fd, &addr->sa, &len)) {
		return 0;
	}
	return len < sizeof(*addr) ? len : (socklen_t)sizeof(*addr);
}

void lta_syscall_sockname_emit(int fd)
{
	char local_path[PATH_SIZE] = "", peer_path[PATH_SIZE] = "";
	int saved_errno = errno, peer_pid = -1;
	union address local, peer;
	socklen_t local_len, peer_len, cred_len;
	struct ucred cred;

	/*
	 * Inside the tracer from here: whatever these calls reach is not
	 * traced, and their errno is not the program's.
	 */
	lta_syscall_nesting++;
	local_len = ask_address(getsockname, fd, &local);
	if (local_len >= sizeof(sa_family_t) && local.sa.sa_family == AF_UNIX) {
		unix_path(local_path, &local, local_len);
		peer_len = ask_address(getpeername, fd, &peer);
		unix_path(peer_path, &peer, peer_len);
		/*
		 * The process that connected, for an accepted socket; for a
		 * client, the one that called listen() on the server's
		 * socket. 0 when the kernel does not know it (or it is in
		 * no pid namespace of ours).
		 */
		cred_len = sizeof(cred);
		if (!getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred,
				&cred_len) &&
		    cred_len == sizeof(cred) && cred.pid > 0) {
			peer_pid = cred.pid;
		}
	}
	lttng_ust_tracepoint(lttng_analyzer_syscall, sockname, fd,
			     local_len ? &local.sa : NULL, local_len,
			     local_path, peer_path, peer_pid);
	lta_syscall_nesting--;
	errno = saved_errno;
}
