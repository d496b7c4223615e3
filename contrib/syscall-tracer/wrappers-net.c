/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * wrappers-net.c: sockets. socket, connect, accept, accept4, shutdown, the
 * recv and send families, and sendfile.
 *
 * The wrappers follow the steps described in wrappers-io.c. Event names are
 * the system calls the kernel records: recv() is recvfrom() without an
 * address, send() is sendto() without one, sendfile() is sendfile64.
 * The receive and send wrappers, sendfile excepted (its bytes come from a
 * file, unseen), emit the http event as wrappers-io.c describes.
 *
 * accept() and accept4() record the peer address, decoded like lttng-modules
 * does, from the address the kernel filled in. When the caller passed no
 * address buffer, or one too small for the whole address, the library asks
 * getpeername() on the new descriptor instead, so the peer's address and
 * port are always recorded; `upeer_addrlen` then says how long that address
 * is, where the kernel would record 0 (README.md lists this difference).
 *
 * connect() when it returns 0 or fails with EINPROGRESS, and accept() and
 * accept4() when they return a descriptor, emit the sockname event after
 * their exit event: the socket's local address (the client's ephemeral
 * port, a unix socket's paths), which no kernel event records
 * (syscall-sockname.c).
 */

#include "syscall-tracer.h"

#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/types.h>

/* The fortified receive entry points; see wrappers-io.c. */
extern ssize_t __recv_chk(int fd, void *buf, size_t n, size_t buflen,
			  int flags);
extern ssize_t __recvfrom_chk(int fd, void *buf, size_t n, size_t buflen,
			      int flags, struct sockaddr *addr,
			      socklen_t *addr_len);

/* --- socket, connect, shutdown ------------------------------------------- */

LTA_SYSCALL_EXPORT int socket(int domain, int type, int protocol)
{
	bool traced = lta_syscall_tracer_active(__builtin_return_address(0));
	int ret;
	LTA_SYSCALL_REAL(real, socket);

	if (traced) {
		LTA_SYSCALL_EMIT(entry_socket, domain, type, protocol);
	}
	ret = real(domain, type, protocol);
	if (traced) {
		LTA_SYSCALL_EMIT(exit_socket, lta_syscall_ret(ret));
	}
	return ret;
}

LTA_SYSCALL_EXPORT int connect(int fd, const struct sockaddr *addr,
			       socklen_t addrlen)
{
	bool traced = lta_syscall_tracer_active(__builtin_return_address(0));
	long kret;
	int ret;
	LTA_SYSCALL_REAL(real, connect);

	if (traced) {
		LTA_SYSCALL_EMIT(entry_connect, fd, addr, (int)addrlen);
	}
	ret = real(fd, addr, addrlen);
	if (traced) {
		kret = lta_syscall_ret(ret);
		LTA_SYSCALL_EMIT(exit_connect, kret);
		/* In progress: the local address is already bound. */
		if (kret == 0 || kret == -EINPROGRESS) {
			lta_syscall_sockname(fd);
		}
	}
	return ret;
}

LTA_SYSCALL_EXPORT int shutdown(int fd, int how)
{
	bool traced = lta_syscall_tracer_active(__builtin_return_address(0));
	int ret;
	LTA_SYSCALL_REAL(real, shutdown);

	if (traced) {
		LTA_SYSCALL_EMIT(entry_shutdown, fd, how);
	}
	ret = real(fd, how);
	if (traced) {
		LTA_SYSCALL_EMIT(exit_shutdown, lta_syscall_ret(ret));
	}
	return ret;
}

/* --- accept, accept4 ----------------------------------------------------- */

/*
 * What the exit event of accept() or accept4() records about the peer: an
 * address with `len` readable bytes, or none.
 */
struct peer {
	const struct sockaddr *addr; /* Borrowed, or points to `storage`. */
	socklen_t len;
	struct sockaddr_storage storage;
};

/*
 * Fills `peer` for an accept() that returned `ret` and was given the buffer
 * `addr` of `in_len` bytes, now `*addrlen` long. Called with the thread
 * inside the tracer, so getpeername() is not traced, and errno is restored by
 * the caller.
 */
static void find_peer(struct peer *peer, int ret, struct sockaddr *addr,
		      const socklen_t *addrlen, socklen_t in_len)
{
	peer->addr = NULL;
	peer->len = addrlen ? *addrlen : 0;
	if (ret < 0) {
		/*
		 * The kernel would decode whatever the buffer holds; there is
		 * no peer to report, so the address fields stay 0.
		 */
		return;
	}
	if (addr && addrlen && *addrlen <= in_len) {
		peer->addr = addr;
		return;
	}

	/* No buffer, or the address was truncated: ask the socket. */
	peer->len = sizeof(peer->storage);
	if (getpeername(ret, (struct sockaddr *)&peer->storage, &peer->len)) {
		peer->len = 0;
		return;
	}
	peer->addr = (const struct sockaddr *)&peer->storage;
}

static void emit_accept_exit(bool four, int ret, long kret,
			     struct sockaddr *addr, const socklen_t *addrlen,
			     socklen_t in_len)
{
	int saved_errno = errno;
	struct peer peer;

	lta_syscall_nesting++;
	if (four && lttng_ust_tracepoint_enabled(lttng_analyzer_syscall,
						 exit_accept4)) {
		find_peer(&peer, ret, addr, addrlen, in_len);
		lttng_ust_do_tracepoint(lttng_analyzer_syscall, exit_accept4,
					kret, peer.len, peer.addr);
	} else if (!four && lttng_ust_tracepoint_enabled(lttng_analyzer_syscall,
							 exit_accept)) {
		find_peer(&peer, ret, addr, addrlen, in_len);
		lttng_ust_do_tracepoint(lttng_analyzer_syscall, exit_accept,
					kret, peer.len, peer.addr);
	}
	lta_syscall_nesting--;
	errno = saved_errno;
}

LTA_SYSCALL_EXPORT int accept(int fd, struct sockaddr *addr, socklen_t *addrlen)
{
	bool traced = lta_syscall_tracer_active(__builtin_return_address(0));
	socklen_t in_len = addrlen ? *addrlen : 0;
	int ret;
	LTA_SYSCALL_REAL(real, accept);

	if (traced) {
		LTA_SYSCALL_EMIT(entry_accept, fd, addr, (int)in_len);
	}
	ret = real(fd, addr, addrlen);
	if (traced) {
		emit_accept_exit(false, ret, lta_syscall_ret(ret), addr,
				 addrlen, in_len);
		if (ret >= 0) {
			lta_syscall_sockname(ret);
		}
	}
	return ret;
}

LTA_SYSCALL_EXPORT int accept4(int fd, struct sockaddr *addr,
			       socklen_t *addrlen, int flags)
{
	bool traced = lta_syscall_tracer_active(__builtin_return_address(0));
	socklen_t in_len = addrlen ? *addrlen : 0;
	int ret;
	LTA_SYSCALL_REAL(real, accept4);

	if (traced) {
		LTA_SYSCALL_EMIT(entry_accept4, fd, addr, (int)in_len, flags);
	}
	ret = real(fd, addr, addrlen, flags);
	if (traced) {
		emit_accept_exit(true, ret, lta_syscall_ret(ret), addr, addrlen,
				 in_len);
		if (ret >= 0) {
			lta_syscall_sockname(ret);
		}
	}
	return ret;
}

/* --- receive ------------------------------------------------------------- */

/*
 * Receives whose bytes are not scanned for the http event: MSG_PEEK leaves
 * them to be read (and scanned) again; with MSG_TRUNC the result is the
 * length of the data, not what was copied (a stream socket copies nothing);
 * MSG_ERRQUEUE returns queued errors, not the peer's bytes.
 */
#define HTTP_SKIPPED_FLAGS (MSG_PEEK | MSG_TRUNC | MSG_ERRQUEUE)

/*
 * The http event of a traced recv() or recvfrom() that returned `ret` into
 * `buf`, of `n` bytes. Never more than `n` bytes are scanned, whatever the
 * result says.
 */
static void http_received(int fd, const void *buf, size_t n, int flags,
			  ssize_t ret)
{
	if (flags & HTTP_SKIPPED_FLAGS) {
		return;
	}
	if (ret > 0 && (size_t)ret > n) {
		ret = (ssize_t)n;
	}
	lta_syscall_http_buf(fd, LTA_HTTP_RECEIVED, buf, ret);
}

LTA_SYSCALL_EXPORT ssize_t recv(int fd, void *buf, size_t n, int flags)
{
	bool traced = lta_syscall_tracer_active(__builtin_return_address(0));
	ssize_t ret;
	LTA_SYSCALL_REAL(real, recv);

	if (traced) {
		LTA_SYSCALL_EMIT(entry_recvfrom, fd, n, flags, NULL);
	}
	ret = real(fd, buf, n, flags);
	if (traced) {
		http_received(fd, buf, n, flags, ret);
		LTA_SYSCALL_EMIT(exit_recvfrom, lta_syscall_ret(ret), buf, NULL,
				 NULL);
	}
	return ret;
}

LTA_SYSCALL_EXPORT ssize_t __recv_chk(int fd, void *buf, size_t n,
				      size_t buflen, int flags)
{
	bool traced = lta_syscall_tracer_active(__builtin_return_address(0));
	ssize_t ret;
	LTA_SYSCALL_REAL(real, __recv_chk);

	if (traced) {
		LTA_SYSCALL_EMIT(entry_recvfrom, fd, n, flags, NULL);
	}
	ret = real(fd, buf, n, buflen, flags);
	if (traced) {
		http_received(fd, buf, n, flags, ret);
		LTA_SYSCALL_EMIT(exit_recvfrom, lta_syscall_ret(ret), buf, NULL,
				 NULL);
	}
	return ret;
}

LTA_SYSCALL_EXPORT ssize_t recvfrom(int fd, void *buf, size_t n, int flags,
				    struct sockaddr *addr, socklen_t *addr_len)
{
	bool traced = lta_syscall_tracer_active(__builtin_return_address(0));
	ssize_t ret;
	LTA_SYSCALL_REAL(real, recvfrom);

	if (traced) {
		LTA_SYSCALL_EMIT(entry_recvfrom, fd, n, flags, addr_len);
	}
	ret = real(fd, buf, n, flags, addr, addr_len);
	if (traced) {
		http_received(fd, buf, n, flags, ret);
		LTA_SYSCALL_EMIT(exit_recvfrom, lta_syscall_ret(ret), buf, addr,
				 addr_len);
	}
	return ret;
}

LTA_SYSCALL_EXPORT ssize_t __recvfrom_chk(int fd, void *buf, size_t n,
					  size_t buflen, int flags,
					  struct sockaddr *addr,
					  socklen_t *addr_len)
{
	bool traced = lta_syscall_tracer_active(__builtin_return_address(0));
	ssize_t ret;
	LTA_SYSCALL_REAL(real, __recvfrom_chk);

	if (traced) {
		LTA_SYSCALL_EMIT(entry_recvfrom, fd, n, flags, addr_len);
	}
	ret = real(fd, buf, n, buflen, flags, addr, addr_len);
	if (traced) {
		http_received(fd, buf, n, flags, ret);
		LTA_SYSCALL_EMIT(exit_recvfrom, lta_syscall_ret(ret), buf, addr,
				 addr_len);
	}
	return ret;
}

LTA_SYSCALL_EXPORT ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	bool traced = lta_syscall_tracer_active(__builtin_return_address(0));
	ssize_t ret;
	LTA_SYSCALL_REAL(real, recvmsg);

	if (traced) {
		LTA_SYSCALL_EMIT(entry_recvmsg, fd, msg, flags);
	}
	ret = real(fd, msg, flags);
	if (traced && !(flags & HTTP_SKIPPED_FLAGS)) {
		lta_syscall_http_iov(fd, LTA_HTTP_RECEIVED, msg->msg_iov,
				     msg->msg_iovlen, ret);
	}
	if (traced) {
		LTA_SYSCALL_EMIT(exit_recvmsg, lta_syscall_ret(ret), msg);
	}
	return ret;
}

/* --- send ---------------------------------------------------------------- */

LTA_SYSCALL_EXPORT ssize_t send(int fd, const void *buf, size_t n, int flags)
{
	bool traced = lta_syscall_tracer_active(__builtin_return_address(0));
	ssize_t ret;
	LTA_SYSCALL_REAL(real, send);

	if (traced) {
		LTA_SYSCALL_EMIT(entry_sendto, fd, buf, n, flags, NULL, 0);
	}
	ret = real(fd, buf, n, flags);
	if (traced) {
		lta_syscall_http_buf(fd, LTA_HTTP_SENT, buf, ret);
		LTA_SYSCALL_EMIT(exit_sendto, lta_syscall_ret(ret));
	}
	return ret;
}

LTA_SYSCALL_EXPORT ssize_t sendto(int fd, const void *buf, size_t n, int flags,
				  const struct sockaddr *addr,
				  socklen_t addr_len)
{
	bool traced = lta_syscall_tracer_active(__builtin_return_address(0));
	ssize_t ret;
	LTA_SYSCALL_REAL(real, sendto);

	if (traced) {
		LTA_SYSCALL_EMIT(entry_sendto, fd, buf, n, flags, addr,
				 (int)addr_len);
	}
	ret = real(fd, buf, n, flags, addr, addr_len);
	if (traced) {
		lta_syscall_http_buf(fd, LTA_HTTP_SENT, buf, ret);
		LTA_SYSCALL_EMIT(exit_sendto, lta_syscall_ret(ret));
	}
	return ret;
}

LTA_SYSCALL_EXPORT ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	bool traced = lta_syscall_tracer_active(__builtin_return_address(0));
	ssize_t ret;
	LTA_SYSCALL_REAL(real, sendmsg);

	if (traced) {
		LTA_SYSCALL_EMIT(entry_sendmsg, fd, msg, flags);
	}
	ret = real(fd, msg, flags);
	if (traced) {
		lta_syscall_http_iov(fd, LTA_HTTP_SENT, msg->msg_iov,
				     msg->msg_iovlen, ret);
		LTA_SYSCALL_EMIT(exit_sendmsg, lta_syscall_ret(ret));
	}
	return ret;
}

/* sendfile and sendfile64 are the same function on 64-bit targets. */
LTA_SYSCALL_EXPORT ssize_t sendfile(int out_fd, int in_fd, off_t *offset,
				    size_t count)
{
	bool traced = lta_syscall_tracer_active(__builtin_return_address(0));
	ssize_t ret;
	LTA_SYSCALL_REAL(real, sendfile);

	if (traced) {
		LTA_SYSCALL_EMIT(entry_sendfile64, out_fd, in_fd, offset,
				 count);
	}
	ret = real(out_fd, in_fd, offset, count);
	if (traced) {
		LTA_SYSCALL_EMIT(exit_sendfile64, lta_syscall_ret(ret), offset);
	}
	return ret;
}

LTA_SYSCALL_EXPORT ssize_t sendfile64(int out_fd, int in_fd, off64_t *offset,
				      size_t count)
{
	bool traced = lta_syscall_tracer_active(__builtin_return_address(0));
	ssize_t ret;
	LTA_SYSCALL_REAL(real, sendfile64);

	if (traced) {
		LTA_SYSCALL_EMIT(entry_sendfile64, out_fd, in_fd,
				 (const off_t *)offset, count);
	}
	ret = real(out_fd, in_fd, offset, count);
	if (traced) {
		LTA_SYSCALL_EMIT(exit_sendfile64, lta_syscall_ret(ret),
				 (const off_t *)offset);
	}
	return ret;
}
