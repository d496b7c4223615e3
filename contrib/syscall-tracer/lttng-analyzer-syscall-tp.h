/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * lttng-analyzer-syscall-tp.h: the lttng_analyzer_syscall tracepoint provider.
 *
 * User-space stand-ins for the lttng-modules system call events. Each event
 * `lttng_analyzer_syscall:entry_<name>` / `exit_<name>` carries the payload
 * fields that lttng-modules (2.10 to 2.13, x86-64) records for
 * `syscall_entry_<name>` / `syscall_exit_<name>`: same names, same order,
 * same sizes, signedness, bases and byte orders, so that the analyzer can
 * decode a trace from the preload library (or from a trace generator) with
 * the code that decodes a kernel trace. The field layouts were checked
 * against the CTF metadata of real lttng-modules traces.
 *
 * Known differences from the kernel layout, all because lttng-ust 2.13 has no
 * structure fields in LTTNG_UST_TRACEPOINT_EVENT:
 * - poll, ppoll, epoll_wait, epoll_pwait: the `fds` sequence of structures
 *   that the kernel appends is not recorded; every field before it
 *   (`nfds`, `fds_length`, `overflow`, ...) is.
 * Everything else, including the decoded socket addresses of accept, accept4
 * and connect (`family`, `sport`/`dport`, `v4addr[]`, `v6addr[]` as
 * big-endian u8 and u16 sequences), matches.
 *
 * Two events have no kernel counterpart:
 * - `http`, recorded between the entry and the exit of a read or write-like
 *   call whose bytes hold HTTP/1.x message heads (see
 *   contrib/syscall-tracer/http-scan.h). With pipelining, system calls alone
 *   cannot tell where requests start; the head lines can.
 * - `sockname`, recorded right after the exit of a connect that succeeded or
 *   is in progress, and of an accept or accept4 that returned a descriptor:
 *   the socket's own address (getsockname()), and for a unix socket its
 *   peer's path and process. lttng-modules records the peer of an accepted
 *   connection and the destination of a connect, but not the client's
 *   ephemeral port, nor anything of unix sockets: without this event the two
 *   ends of a connection between traced programs cannot be paired exactly.
 *
 * Users: contrib/syscall-tracer (the LD_PRELOAD library) and trace generators.
 * A program that emits these events itself defines LTTNG_UST_TRACEPOINT_DEFINE
 * and LTTNG_UST_TRACEPOINT_CREATE_PROBES in exactly one of its C files, then
 * includes this header; the directory of this header must be on the include
 * path (-I.../contrib/syscall-tracer), because lttng-ust includes it again by
 * name. Link with -llttng-ust -ldl.
 *
 * Tracepoint arguments (a stable interface: fields may be added, arguments
 * are not changed). `ret` is what the kernel returns: the result on success,
 * -errno on failure. Pointers are recorded as integers, as the kernel does,
 * and never dereferenced, except where noted.
 *
 *   entry_read(int fd, size_t count)
 *   exit_read(long ret, const void *buf)
 *   entry_write(int fd, const void *buf, size_t count)
 *   exit_write(long ret)
 *   entry_readv(int fd, const struct iovec *vec, int vlen)
 *   exit_readv(long ret, const struct iovec *vec)
 *   entry_writev(int fd, const struct iovec *vec, int vlen)
 *   exit_writev(long ret, const struct iovec *vec)
 *   entry_pread64(int fd, size_t count, long long pos)
 *   exit_pread64(long ret, const void *buf)
 *   entry_pwrite64(int fd, const void *buf, size_t count, long long pos)
 *   exit_pwrite64(long ret)
 *   entry_close(int fd)
 *   exit_close(long ret)
 *   entry_open(const char *filename, int flags, mode_t mode)
 *   exit_open(long ret)
 *   entry_openat(int dfd, const char *filename, int flags, mode_t mode)
 *   exit_openat(long ret)
 *     filename: read, must be a string or NULL.
 *   entry_socket(int family, int type, int protocol)
 *   exit_socket(long ret)
 *   entry_shutdown(int fd, int how)
 *   exit_shutdown(long ret)
 *   entry_connect(int fd, const struct sockaddr *uservaddr, int addrlen)
 *   exit_connect(long ret)
 *     uservaddr: read (addrlen bytes) to decode family, dport and address.
 *   entry_accept(int fd, const struct sockaddr *upeer_sockaddr,
 *                int upeer_addrlen)
 *   exit_accept(long ret, socklen_t addrlen, const struct sockaddr *addr)
 *   entry_accept4(int fd, const struct sockaddr *upeer_sockaddr,
 *                 int upeer_addrlen, int flags)
 *   exit_accept4(long ret, socklen_t addrlen, const struct sockaddr *addr)
 *     entry upeer_addrlen: the value of *addrlen before the call (0 when the
 *     caller passed no length). exit addrlen: the address length returned by
 *     the call; addr: the peer address, at least addrlen readable bytes, or
 *     NULL. family, sport, v4addr and v6addr are decoded from it.
 *   entry_recvfrom(int fd, size_t size, unsigned int flags,
 *                  const socklen_t *addr_len)
 *   exit_recvfrom(long ret, const void *ubuf, const struct sockaddr *addr,
 *                 const socklen_t *addr_len)
 *   entry_sendto(int fd, const void *buff, size_t len, unsigned int flags,
 *                const struct sockaddr *addr, int addr_len)
 *   exit_sendto(long ret)
 *   entry_recvmsg(int fd, const struct msghdr *msg, unsigned int flags)
 *   exit_recvmsg(long ret, const struct msghdr *msg)
 *   entry_sendmsg(int fd, const struct msghdr *msg, unsigned int flags)
 *   exit_sendmsg(long ret)
 *   entry_sendfile64(int out_fd, int in_fd, const off_t *offset,
 *                    size_t count)
 *   exit_sendfile64(long ret, const off_t *offset)
 *   entry_poll(const struct pollfd *ufds, unsigned int nfds,
 *              int timeout_msecs)
 *   exit_poll(long ret, const struct pollfd *ufds, unsigned int nfds)
 *   entry_ppoll(const struct pollfd *ufds, unsigned int nfds,
 *               const struct timespec *tsp, const sigset_t *sigmask,
 *               size_t sigsetsize)
 *   exit_ppoll(long ret, const struct pollfd *ufds, unsigned int nfds)
 *   entry_epoll_wait(int epfd, const struct epoll_event *events,
 *                    int maxevents, int timeout)
 *   exit_epoll_wait(long ret, const struct epoll_event *events,
 *                   int maxevents)
 *   entry_epoll_pwait(int epfd, const struct epoll_event *events,
 *                     int maxevents, int timeout, const sigset_t *sigmask,
 *                     size_t sigsetsize)
 *   exit_epoll_pwait(long ret, const struct epoll_event *events,
 *                    int maxevents)
 *   entry_select(int n, const fd_set *inp, const fd_set *outp,
 *                const fd_set *exp, const struct timeval *tvp)
 *   exit_select(long ret, int n, const fd_set *inp, const fd_set *outp,
 *               const fd_set *exp, const struct timeval *tvp)
 *     inp, outp, exp: read (the first (n + 7) / 8 bytes of each) to record
 *     the descriptor sets, on entry as given and on exit as returned.
 *   http(int fd, uint8_t direction, uint32_t messages,
 *        const char *first_line)
 *     direction: 0 for received bytes, 1 for sent bytes; messages: the heads
 *     that start in them (request lines, or final status lines);
 *     first_line: a string, at most 127 bytes, the first head line found.
 *   sockname(int fd, const struct sockaddr *addr, socklen_t addrlen,
 *            const char *local_path, const char *peer_path, int peer_pid)
 *     addr: the socket's local address, at least addrlen readable bytes, or
 *     NULL; family, lport, v4addr and v6addr are decoded from it as accept's
 *     family, sport, v4addr and v6addr are. local_path, peer_path: strings
 *     or NULL (recorded as ""); peer_pid: -1 when unknown.
 */

#undef LTTNG_UST_TRACEPOINT_PROVIDER
#define LTTNG_UST_TRACEPOINT_PROVIDER lttng_analyzer_syscall

#undef LTTNG_UST_TRACEPOINT_INCLUDE
#define LTTNG_UST_TRACEPOINT_INCLUDE "lttng-analyzer-syscall-tp.h"

/*
 * The tracepoint definitions below are a macro language that clang-format
 * cannot lay out; they are kept formatted by hand.
 */
/* clang-format off */
#if !defined(LTTNG_ANALYZER_SYSCALL_TP_H) ||                                  \
	defined(LTTNG_UST_TRACEPOINT_HEADER_MULTI_READ)
#define LTTNG_ANALYZER_SYSCALL_TP_H

#include <lttng/tracepoint.h>

#ifndef LTTNG_ANALYZER_SYSCALL_TP_HELPERS
#define LTTNG_ANALYZER_SYSCALL_TP_HELPERS

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <poll.h>
#include <signal.h>
#include <time.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

/*
 * The helpers below compute field values from tracepoint arguments. lttng-ust
 * evaluates each field expression several times per event (size, filter,
 * write), so they are pure and cheap, and every pointer they return stays
 * valid for the whole event.
 */

/* Where a zero-length sequence points: never read, but never NULL either. */
static const uint8_t lta_syscall_tp_nothing[16];

/*
 * Family of a socket address, decoded like lttng-modules does: 0 when fewer
 * bytes than a family were given.
 */
static inline unsigned short
lta_syscall_tp_family(const struct sockaddr *addr, socklen_t len)
{
	sa_family_t family;

	if (!addr || len < sizeof(family)) {
		return 0;
	}
	memcpy(&family, &addr->sa_family, sizeof(family));
	return family;
}

/*
 * Port of an IPv4 or IPv6 address, in network byte order: the fields that
 * record it are declared big-endian, so readers show the host value.
 */
static inline uint16_t lta_syscall_tp_port(const struct sockaddr *addr,
					   socklen_t len)
{
	uint16_t port = 0;

	switch (lta_syscall_tp_family(addr, len)) {
	case AF_INET:
		if (len >= sizeof(struct sockaddr_in)) {
			memcpy(&port,
			       &((const struct sockaddr_in *)addr)->sin_port,
			       sizeof(port));
		}
		break;
	case AF_INET6:
		if (len >= sizeof(struct sockaddr_in6)) {
			memcpy(&port,
			       &((const struct sockaddr_in6 *)addr)->sin6_port,
			       sizeof(port));
		}
		break;
	default:
		break;
	}
	return port;
}

/* Number of u8 in `v4addr`: 4 for a complete IPv4 address, else 0. */
static inline unsigned int lta_syscall_tp_v4_len(const struct sockaddr *addr,
						 socklen_t len)
{
	return lta_syscall_tp_family(addr, len) == AF_INET &&
			       len >= sizeof(struct sockaddr_in) ?
		       4 :
		       0;
}

static inline const void *lta_syscall_tp_v4(const struct sockaddr *addr,
					    socklen_t len)
{
	if (!lta_syscall_tp_v4_len(addr, len)) {
		return lta_syscall_tp_nothing;
	}
	return &((const struct sockaddr_in *)addr)->sin_addr;
}

/*
 * Number of u16 in `v6addr`: 8 for a complete IPv6 address, else 0. The
 * kernel records the address as eight big-endian 16-bit groups.
 */
static inline unsigned int lta_syscall_tp_v6_len(const struct sockaddr *addr,
						 socklen_t len)
{
	return lta_syscall_tp_family(addr, len) == AF_INET6 &&
			       len >= sizeof(struct sockaddr_in6) ?
		       8 :
		       0;
}

static inline const void *lta_syscall_tp_v6(const struct sockaddr *addr,
					    socklen_t len)
{
	if (!lta_syscall_tp_v6_len(addr, len)) {
		return lta_syscall_tp_nothing;
	}
	return &((const struct sockaddr_in6 *)addr)->sin6_addr;
}

/* A string argument that may be NULL: recorded as "". */
static inline const char *lta_syscall_tp_str(const char *string)
{
	return string ? string : "";
}

/* connect() gives its address length as a signed int. */
static inline socklen_t lta_syscall_tp_len(int addrlen)
{
	return addrlen < 0 ? 0 : (socklen_t)addrlen;
}

/*
 * Length of the poll set the kernel copies: at most one page of pollfd, with
 * `overflow` set past that. On exit only the `ret` ready entries count, and
 * none when ret is out of range.
 */
#define LTA_SYSCALL_TP_POLL_MAX (4096 / sizeof(struct pollfd))

static inline unsigned int lta_syscall_tp_poll_in_len(unsigned int nfds)
{
	return nfds > LTA_SYSCALL_TP_POLL_MAX ?
		       (unsigned int)LTA_SYSCALL_TP_POLL_MAX :
		       nfds;
}

static inline unsigned int lta_syscall_tp_poll_out_len(long ret,
						       unsigned int nfds)
{
	if (ret <= 0 || ret > (long)nfds) {
		return 0;
	}
	return lta_syscall_tp_poll_in_len(nfds) < (unsigned long)ret ?
		       lta_syscall_tp_poll_in_len(nfds) :
		       (unsigned int)ret;
}

/*
 * The same for epoll_wait(): at most one page of epoll_event, and only when
 * 0 < ret <= maxevents.
 */
#define LTA_SYSCALL_TP_EPOLL_MAX (4096 / sizeof(struct epoll_event))

static inline unsigned int lta_syscall_tp_epoll_len(long ret, int maxevents)
{
	if (maxevents <= 0 || ret <= 0 || ret > maxevents) {
		return 0;
	}
	return (unsigned long)ret > LTA_SYSCALL_TP_EPOLL_MAX ?
		       (unsigned int)LTA_SYSCALL_TP_EPOLL_MAX :
		       (unsigned int)ret;
}

static inline uint8_t lta_syscall_tp_epoll_overflow(long ret, int maxevents)
{
	return maxevents > 0 && ret > 0 && ret <= maxevents &&
	       (unsigned long)ret > LTA_SYSCALL_TP_EPOLL_MAX;
}

/*
 * Bytes of a select() descriptor set that the kernel records: (n + 7) / 8
 * when the set is given and 0 < n <= FD_SETSIZE, else 0.
 */
static inline uint8_t lta_syscall_tp_fds_len(int n, const fd_set *set)
{
	if (!set || n <= 0 || n > FD_SETSIZE) {
		return 0;
	}
	return (uint8_t)((n + 7) / 8);
}

static inline const void *lta_syscall_tp_fds(const fd_set *set)
{
	return set ? (const void *)set : (const void *)lta_syscall_tp_nothing;
}

#endif /* LTTNG_ANALYZER_SYSCALL_TP_HELPERS */

/* Pointers and addresses are recorded as the kernel does: 64-bit integers. */
#define LTA_SYSCALL_TP_PTR(_item, _src)                                        \
	lttng_ust_field_integer(unsigned long, _item, (unsigned long)(_src))
#define LTA_SYSCALL_TP_PTR_HEX(_item, _src)                                    \
	lttng_ust_field_integer_hex(unsigned long, _item, (unsigned long)(_src))
#define LTA_SYSCALL_TP_RET lttng_ust_field_integer(long, ret, ret)

/* The decoded address of accept, accept4 (sport) and connect (dport). */
#define LTA_SYSCALL_TP_SOCKADDR(_port, _addr, _len)                            \
	lttng_ust_field_integer(unsigned short, family,                        \
				lta_syscall_tp_family(_addr, _len))            \
	lttng_ust_field_integer_network(uint16_t, _port,                      \
					lta_syscall_tp_port(_addr, _len))      \
	lttng_ust_field_sequence_network(uint8_t, v4addr,                      \
					 lta_syscall_tp_v4(_addr, _len),       \
					 unsigned int,                         \
					 lta_syscall_tp_v4_len(_addr, _len))   \
	lttng_ust_field_sequence_network(uint16_t, v6addr,                     \
					 lta_syscall_tp_v6(_addr, _len),       \
					 unsigned int,                         \
					 lta_syscall_tp_v6_len(_addr, _len))

/* The three descriptor sets of select(), as u8 sequences in memory order. */
#define LTA_SYSCALL_TP_FDSETS(_n, _inp, _outp, _exp)                           \
	lttng_ust_field_sequence_hex(uint8_t, readfds,                         \
				     lta_syscall_tp_fds(_inp), uint8_t,        \
				     lta_syscall_tp_fds_len(_n, _inp))         \
	lttng_ust_field_sequence_hex(uint8_t, writefds,                        \
				     lta_syscall_tp_fds(_outp), uint8_t,       \
				     lta_syscall_tp_fds_len(_n, _outp))        \
	lttng_ust_field_sequence_hex(uint8_t, exceptfds,                       \
				     lta_syscall_tp_fds(_exp), uint8_t,        \
				     lta_syscall_tp_fds_len(_n, _exp))

/* An exit event whose only field is `ret`. */
#define LTA_SYSCALL_TP_EXIT_RET(_name)                                         \
	LTTNG_UST_TRACEPOINT_EVENT(lttng_analyzer_syscall, exit_##_name,       \
				   LTTNG_UST_TP_ARGS(long, ret),               \
				   LTTNG_UST_TP_FIELDS(LTA_SYSCALL_TP_RET))

/* --- read, write and their vector and positioned forms ------------------ */

LTTNG_UST_TRACEPOINT_EVENT(lttng_analyzer_syscall, entry_read,
	LTTNG_UST_TP_ARGS(int, fd, size_t, count),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(unsigned int, fd, fd)
		lttng_ust_field_integer(size_t, count, count)
	)
)

LTTNG_UST_TRACEPOINT_EVENT(lttng_analyzer_syscall, exit_read,
	LTTNG_UST_TP_ARGS(long, ret, const void *, buf),
	LTTNG_UST_TP_FIELDS(
		LTA_SYSCALL_TP_RET
		LTA_SYSCALL_TP_PTR(buf, buf)
	)
)

LTTNG_UST_TRACEPOINT_EVENT(lttng_analyzer_syscall, entry_write,
	LTTNG_UST_TP_ARGS(int, fd, const void *, buf, size_t, count),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(unsigned int, fd, fd)
		LTA_SYSCALL_TP_PTR(buf, buf)
		lttng_ust_field_integer(size_t, count, count)
	)
)

LTA_SYSCALL_TP_EXIT_RET(write)

LTTNG_UST_TRACEPOINT_EVENT(lttng_analyzer_syscall, entry_readv,
	LTTNG_UST_TP_ARGS(int, fd, const struct iovec *, vec, int, vlen),
	LTTNG_UST_TP_FIELDS(
		/* The kernel takes fd and vlen as unsigned long here. */
		lttng_ust_field_integer(unsigned long, fd, (long)fd)
		LTA_SYSCALL_TP_PTR(vec, vec)
		lttng_ust_field_integer(unsigned long, vlen, (long)vlen)
	)
)

LTTNG_UST_TRACEPOINT_EVENT(lttng_analyzer_syscall, exit_readv,
	LTTNG_UST_TP_ARGS(long, ret, const struct iovec *, vec),
	LTTNG_UST_TP_FIELDS(
		LTA_SYSCALL_TP_RET
		LTA_SYSCALL_TP_PTR(vec, vec)
	)
)

LTTNG_UST_TRACEPOINT_EVENT(lttng_analyzer_syscall, entry_writev,
	LTTNG_UST_TP_ARGS(int, fd, const struct iovec *, vec, int, vlen),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(unsigned long, fd, (long)fd)
		LTA_SYSCALL_TP_PTR(vec, vec)
		lttng_ust_field_integer(unsigned long, vlen, (long)vlen)
	)
)

LTTNG_UST_TRACEPOINT_EVENT(lttng_analyzer_syscall, exit_writev,
	LTTNG_UST_TP_ARGS(long, ret, const struct iovec *, vec),
	LTTNG_UST_TP_FIELDS(
		LTA_SYSCALL_TP_RET
		LTA_SYSCALL_TP_PTR(vec, vec)
	)
)

LTTNG_UST_TRACEPOINT_EVENT(lttng_analyzer_syscall, entry_pread64,
	LTTNG_UST_TP_ARGS(int, fd, size_t, count, long long, pos),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(unsigned int, fd, fd)
		lttng_ust_field_integer(size_t, count, count)
		lttng_ust_field_integer(long long, pos, pos)
	)
)

LTTNG_UST_TRACEPOINT_EVENT(lttng_analyzer_syscall, exit_pread64,
	LTTNG_UST_TP_ARGS(long, ret, const void *, buf),
	LTTNG_UST_TP_FIELDS(
		LTA_SYSCALL_TP_RET
		LTA_SYSCALL_TP_PTR(buf, buf)
	)
)

LTTNG_UST_TRACEPOINT_EVENT(lttng_analyzer_syscall, entry_pwrite64,
	LTTNG_UST_TP_ARGS(int, fd, const void *, buf, size_t, count,
			  long long, pos),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(unsigned int, fd, fd)
		LTA_SYSCALL_TP_PTR(buf, buf)
		lttng_ust_field_integer(size_t, count, count)
		lttng_ust_field_integer(long long, pos, pos)
	)
)

LTA_SYSCALL_TP_EXIT_RET(pwrite64)

/* --- descriptors: open, openat, close ------------------------------------ */

LTTNG_UST_TRACEPOINT_EVENT(lttng_analyzer_syscall, entry_open,
	LTTNG_UST_TP_ARGS(const char *, filename, int, flags, mode_t, mode),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_string(filename, filename)
		lttng_ust_field_integer(int, flags, flags)
		/* umode_t in the kernel. */
		lttng_ust_field_integer(unsigned short, mode, mode)
	)
)

LTA_SYSCALL_TP_EXIT_RET(open)

LTTNG_UST_TRACEPOINT_EVENT(lttng_analyzer_syscall, entry_openat,
	LTTNG_UST_TP_ARGS(int, dfd, const char *, filename, int, flags,
			  mode_t, mode),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(int, dfd, dfd)
		lttng_ust_field_string(filename, filename)
		lttng_ust_field_integer(int, flags, flags)
		lttng_ust_field_integer(unsigned short, mode, mode)
	)
)

LTA_SYSCALL_TP_EXIT_RET(openat)

LTTNG_UST_TRACEPOINT_EVENT(lttng_analyzer_syscall, entry_close,
	LTTNG_UST_TP_ARGS(int, fd),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(unsigned int, fd, fd)
	)
)

LTA_SYSCALL_TP_EXIT_RET(close)

/* --- sockets -------------------------------------------------------------- */

LTTNG_UST_TRACEPOINT_EVENT(lttng_analyzer_syscall, entry_socket,
	LTTNG_UST_TP_ARGS(int, family, int, type, int, protocol),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(int, family, family)
		lttng_ust_field_integer(int, type, type)
		lttng_ust_field_integer(int, protocol, protocol)
	)
)

LTA_SYSCALL_TP_EXIT_RET(socket)

LTTNG_UST_TRACEPOINT_EVENT(lttng_analyzer_syscall, entry_shutdown,
	LTTNG_UST_TP_ARGS(int, fd, int, how),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(int, fd, fd)
		lttng_ust_field_integer(int, how, how)
	)
)

LTA_SYSCALL_TP_EXIT_RET(shutdown)

LTTNG_UST_TRACEPOINT_EVENT(lttng_analyzer_syscall, entry_connect,
	LTTNG_UST_TP_ARGS(int, fd, const struct sockaddr *, uservaddr,
			  int, addrlen),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(int, fd, fd)
		LTA_SYSCALL_TP_PTR_HEX(uservaddr, uservaddr)
		lttng_ust_field_integer_hex(int, addrlen, addrlen)
		LTA_SYSCALL_TP_SOCKADDR(dport, uservaddr,
					lta_syscall_tp_len(addrlen))
	)
)

LTA_SYSCALL_TP_EXIT_RET(connect)

LTTNG_UST_TRACEPOINT_EVENT(lttng_analyzer_syscall, entry_accept,
	LTTNG_UST_TP_ARGS(int, fd, const struct sockaddr *, upeer_sockaddr,
			  int, upeer_addrlen),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(int, fd, fd)
		LTA_SYSCALL_TP_PTR_HEX(upeer_sockaddr, upeer_sockaddr)
		lttng_ust_field_integer(int, upeer_addrlen, upeer_addrlen)
	)
)

LTTNG_UST_TRACEPOINT_EVENT(lttng_analyzer_syscall, exit_accept,
	LTTNG_UST_TP_ARGS(long, ret, socklen_t, addrlen,
			  const struct sockaddr *, addr),
	LTTNG_UST_TP_FIELDS(
		LTA_SYSCALL_TP_RET
		lttng_ust_field_integer(int, upeer_addrlen, addrlen)
		LTA_SYSCALL_TP_SOCKADDR(sport, addr, addrlen)
	)
)

LTTNG_UST_TRACEPOINT_EVENT(lttng_analyzer_syscall, entry_accept4,
	LTTNG_UST_TP_ARGS(int, fd, const struct sockaddr *, upeer_sockaddr,
			  int, upeer_addrlen, int, flags),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(int, fd, fd)
		LTA_SYSCALL_TP_PTR_HEX(upeer_sockaddr, upeer_sockaddr)
		lttng_ust_field_integer(int, upeer_addrlen, upeer_addrlen)
		lttng_ust_field_integer_hex(int, flags, flags)
	)
)

LTTNG_UST_TRACEPOINT_EVENT(lttng_analyzer_syscall, exit_accept4,
	LTTNG_UST_TP_ARGS(long, ret, socklen_t, addrlen,
			  const struct sockaddr *, addr),
	LTTNG_UST_TP_FIELDS(
		LTA_SYSCALL_TP_RET
		lttng_ust_field_integer(int, upeer_addrlen, addrlen)
		LTA_SYSCALL_TP_SOCKADDR(sport, addr, addrlen)
	)
)

LTTNG_UST_TRACEPOINT_EVENT(lttng_analyzer_syscall, entry_recvfrom,
	LTTNG_UST_TP_ARGS(int, fd, size_t, size, unsigned int, flags,
			  const socklen_t *, addr_len),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(int, fd, fd)
		lttng_ust_field_integer(size_t, size, size)
		lttng_ust_field_integer(unsigned int, flags, flags)
		LTA_SYSCALL_TP_PTR(addr_len, addr_len)
	)
)

LTTNG_UST_TRACEPOINT_EVENT(lttng_analyzer_syscall, exit_recvfrom,
	LTTNG_UST_TP_ARGS(long, ret, const void *, ubuf,
			  const struct sockaddr *, addr,
			  const socklen_t *, addr_len),
	LTTNG_UST_TP_FIELDS(
		LTA_SYSCALL_TP_RET
		LTA_SYSCALL_TP_PTR(ubuf, ubuf)
		LTA_SYSCALL_TP_PTR(addr, addr)
		LTA_SYSCALL_TP_PTR(addr_len, addr_len)
	)
)

LTTNG_UST_TRACEPOINT_EVENT(lttng_analyzer_syscall, entry_sendto,
	LTTNG_UST_TP_ARGS(int, fd, const void *, buff, size_t, len,
			  unsigned int, flags, const struct sockaddr *, addr,
			  int, addr_len),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(int, fd, fd)
		LTA_SYSCALL_TP_PTR(buff, buff)
		lttng_ust_field_integer(size_t, len, len)
		lttng_ust_field_integer(unsigned int, flags, flags)
		LTA_SYSCALL_TP_PTR(addr, addr)
		lttng_ust_field_integer(int, addr_len, addr_len)
	)
)

LTA_SYSCALL_TP_EXIT_RET(sendto)

LTTNG_UST_TRACEPOINT_EVENT(lttng_analyzer_syscall, entry_recvmsg,
	LTTNG_UST_TP_ARGS(int, fd, const struct msghdr *, msg,
			  unsigned int, flags),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(int, fd, fd)
		LTA_SYSCALL_TP_PTR(msg, msg)
		lttng_ust_field_integer(unsigned int, flags, flags)
	)
)

LTTNG_UST_TRACEPOINT_EVENT(lttng_analyzer_syscall, exit_recvmsg,
	LTTNG_UST_TP_ARGS(long, ret, const struct msghdr *, msg),
	LTTNG_UST_TP_FIELDS(
		LTA_SYSCALL_TP_RET
		LTA_SYSCALL_TP_PTR(msg, msg)
	)
)

LTTNG_UST_TRACEPOINT_EVENT(lttng_analyzer_syscall, entry_sendmsg,
	LTTNG_UST_TP_ARGS(int, fd, const struct msghdr *, msg,
			  unsigned int, flags),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(int, fd, fd)
		LTA_SYSCALL_TP_PTR(msg, msg)
		lttng_ust_field_integer(unsigned int, flags, flags)
	)
)

LTA_SYSCALL_TP_EXIT_RET(sendmsg)

LTTNG_UST_TRACEPOINT_EVENT(lttng_analyzer_syscall, entry_sendfile64,
	LTTNG_UST_TP_ARGS(int, out_fd, int, in_fd, const off_t *, offset,
			  size_t, count),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(int, out_fd, out_fd)
		lttng_ust_field_integer(int, in_fd, in_fd)
		LTA_SYSCALL_TP_PTR(offset, offset)
		lttng_ust_field_integer(size_t, count, count)
	)
)

LTTNG_UST_TRACEPOINT_EVENT(lttng_analyzer_syscall, exit_sendfile64,
	LTTNG_UST_TP_ARGS(long, ret, const off_t *, offset),
	LTTNG_UST_TP_FIELDS(
		LTA_SYSCALL_TP_RET
		LTA_SYSCALL_TP_PTR(offset, offset)
	)
)

/* --- waiting: poll, ppoll, epoll_wait, epoll_pwait, select ---------------- */

LTTNG_UST_TRACEPOINT_EVENT(lttng_analyzer_syscall, entry_poll,
	LTTNG_UST_TP_ARGS(const struct pollfd *, ufds, unsigned int, nfds,
			  int, timeout_msecs),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_unused(ufds)
		lttng_ust_field_integer(int, timeout_msecs, timeout_msecs)
		lttng_ust_field_integer(unsigned int, nfds, nfds)
		lttng_ust_field_integer(unsigned int, fds_length,
					lta_syscall_tp_poll_in_len(nfds))
		lttng_ust_field_integer(uint8_t, overflow,
					nfds > LTA_SYSCALL_TP_POLL_MAX)
	)
)

LTTNG_UST_TRACEPOINT_EVENT(lttng_analyzer_syscall, exit_poll,
	LTTNG_UST_TP_ARGS(long, ret, const struct pollfd *, ufds,
			  unsigned int, nfds),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_unused(ufds)
		LTA_SYSCALL_TP_RET
		lttng_ust_field_integer(unsigned int, nfds, nfds)
		lttng_ust_field_integer(unsigned int, fds_length,
					lta_syscall_tp_poll_out_len(ret, nfds))
	)
)

LTTNG_UST_TRACEPOINT_EVENT(lttng_analyzer_syscall, entry_ppoll,
	LTTNG_UST_TP_ARGS(const struct pollfd *, ufds, unsigned int, nfds,
			  const struct timespec *, tsp,
			  const sigset_t *, sigmask, size_t, sigsetsize),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_unused(ufds)
		LTA_SYSCALL_TP_PTR(tsp, tsp)
		LTA_SYSCALL_TP_PTR(sigmask, sigmask)
		lttng_ust_field_integer(size_t, sigsetsize, sigsetsize)
		lttng_ust_field_integer(unsigned int, nfds, nfds)
		lttng_ust_field_integer(unsigned int, fds_length,
					lta_syscall_tp_poll_in_len(nfds))
		lttng_ust_field_integer(uint8_t, overflow,
					nfds > LTA_SYSCALL_TP_POLL_MAX)
	)
)

LTTNG_UST_TRACEPOINT_EVENT(lttng_analyzer_syscall, exit_ppoll,
	LTTNG_UST_TP_ARGS(long, ret, const struct pollfd *, ufds,
			  unsigned int, nfds),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_unused(ufds)
		LTA_SYSCALL_TP_RET
		lttng_ust_field_integer(unsigned int, nfds, nfds)
		lttng_ust_field_integer(unsigned int, fds_length,
					lta_syscall_tp_poll_out_len(ret, nfds))
		lttng_ust_field_integer(uint8_t, overflow,
					ret > 0 && ret <= (long)nfds &&
						nfds > LTA_SYSCALL_TP_POLL_MAX)
	)
)

LTTNG_UST_TRACEPOINT_EVENT(lttng_analyzer_syscall, entry_epoll_wait,
	LTTNG_UST_TP_ARGS(int, epfd, const struct epoll_event *, events,
			  int, maxevents, int, timeout),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_unused(events)
		lttng_ust_field_integer(int, epfd, epfd)
		lttng_ust_field_integer(int, maxevents, maxevents)
		lttng_ust_field_integer(int, timeout, timeout)
	)
)

LTTNG_UST_TRACEPOINT_EVENT(lttng_analyzer_syscall, exit_epoll_wait,
	LTTNG_UST_TP_ARGS(long, ret, const struct epoll_event *, events,
			  int, maxevents),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_unused(events)
		LTA_SYSCALL_TP_RET
		lttng_ust_field_integer(unsigned int, fds_length,
			lta_syscall_tp_epoll_len(ret, maxevents))
		lttng_ust_field_integer(uint8_t, overflow,
			lta_syscall_tp_epoll_overflow(ret, maxevents))
	)
)

LTTNG_UST_TRACEPOINT_EVENT(lttng_analyzer_syscall, entry_epoll_pwait,
	LTTNG_UST_TP_ARGS(int, epfd, const struct epoll_event *, events,
			  int, maxevents, int, timeout,
			  const sigset_t *, sigmask, size_t, sigsetsize),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_unused(events)
		lttng_ust_field_integer(int, epfd, epfd)
		lttng_ust_field_integer(int, maxevents, maxevents)
		lttng_ust_field_integer(int, timeout, timeout)
		LTA_SYSCALL_TP_PTR_HEX(sigmask, sigmask)
		lttng_ust_field_integer(size_t, sigsetsize, sigsetsize)
	)
)

LTTNG_UST_TRACEPOINT_EVENT(lttng_analyzer_syscall, exit_epoll_pwait,
	LTTNG_UST_TP_ARGS(long, ret, const struct epoll_event *, events,
			  int, maxevents),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_unused(events)
		LTA_SYSCALL_TP_RET
		lttng_ust_field_integer(unsigned int, fds_length,
			lta_syscall_tp_epoll_len(ret, maxevents))
		lttng_ust_field_integer(uint8_t, overflow,
			lta_syscall_tp_epoll_overflow(ret, maxevents))
	)
)

LTTNG_UST_TRACEPOINT_EVENT(lttng_analyzer_syscall, entry_select,
	LTTNG_UST_TP_ARGS(int, n, const fd_set *, inp, const fd_set *, outp,
			  const fd_set *, exp, const struct timeval *, tvp),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(int, n, n)
		/* The kernel never copies more than a page: always 0 here. */
		lttng_ust_field_integer(uint8_t, overflow, 0)
		LTA_SYSCALL_TP_PTR(tvp, tvp)
		LTA_SYSCALL_TP_FDSETS(n, inp, outp, exp)
	)
)

LTTNG_UST_TRACEPOINT_EVENT(lttng_analyzer_syscall, exit_select,
	LTTNG_UST_TP_ARGS(long, ret, int, n, const fd_set *, inp,
			  const fd_set *, outp, const fd_set *, exp,
			  const struct timeval *, tvp),
	LTTNG_UST_TP_FIELDS(
		LTA_SYSCALL_TP_RET
		lttng_ust_field_integer(uint8_t, overflow, 0)
		LTA_SYSCALL_TP_PTR(tvp, tvp)
		/* On failure or timeout the kernel records empty sets. */
		LTA_SYSCALL_TP_FDSETS(ret > 0 ? n : 0, inp, outp, exp)
	)
)

/* --- HTTP heads: not a kernel event ------------------------------------- */

/*
 * Between the entry and the exit events of a read, readv, recvfrom, recvmsg,
 * write, writev, sendto or sendmsg whose bytes hold HTTP/1.x heads; fields in
 * this order: fd (s32), direction (u8), messages (u32), first_line (string).
 */
LTTNG_UST_TRACEPOINT_EVENT(lttng_analyzer_syscall, http,
	LTTNG_UST_TP_ARGS(int, fd, uint8_t, direction, uint32_t, messages,
			  const char *, first_line),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(int32_t, fd, fd)
		lttng_ust_field_integer(uint8_t, direction, direction)
		lttng_ust_field_integer(uint32_t, messages, messages)
		lttng_ust_field_string(first_line, first_line)
	)
)

/* --- local addresses: not a kernel event -------------------------------- */

/*
 * Right after the exit event of a connect that returned 0 or -EINPROGRESS,
 * and of an accept or accept4 that returned a descriptor, on the same
 * thread; fields in this order: fd (s32), family (u16), lport (u16, big
 * endian), v4addr (u8 sequence), v6addr (u16 sequence, big endian), as
 * LTA_SYSCALL_TP_SOCKADDR records them, then local_path (string), peer_path
 * (string), peer_pid (s32). See README.md, "The sockname event".
 */
LTTNG_UST_TRACEPOINT_EVENT(lttng_analyzer_syscall, sockname,
	LTTNG_UST_TP_ARGS(int, fd, const struct sockaddr *, addr,
			  socklen_t, addrlen, const char *, local_path,
			  const char *, peer_path, int, peer_pid),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(int32_t, fd, fd)
		LTA_SYSCALL_TP_SOCKADDR(lport, addr, addrlen)
		lttng_ust_field_string(local_path,
				       lta_syscall_tp_str(local_path))
		lttng_ust_field_string(peer_path,
				       lta_syscall_tp_str(peer_path))
		lttng_ust_field_integer(int32_t, peer_pid, peer_pid)
	)
)

#endif /* LTTNG_ANALYZER_SYSCALL_TP_H */

#include <lttng/tracepoint-event.h>
/* clang-format on */
