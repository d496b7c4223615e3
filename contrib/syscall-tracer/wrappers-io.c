/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * wrappers-io.c: read, write and their vector and positioned forms; open,
 * openat and close.
 *
 * Every wrapper follows the same steps: find the real function, decide once
 * whether this call is traced, emit the entry event, make the real call,
 * compute the kernel-style `ret` at once (errno is still the call's), emit
 * the exit event, return the real result. The wrappers that move bytes
 * through a descriptor (read, __read_chk, readv, write, writev) emit the
 * http event (syscall-http.c) between the real call and the exit event;
 * the positioned forms do not: they serve files, not connections.
 * LTA_SYSCALL_EMIT keeps errno, so the caller sees exactly what libc
 * returned.
 *
 * Events are named after the system call the kernel would record (see
 * README.md): pread and the fortified __pread_chk become pread64, open64 and
 * __open_2 become open, and so on. The fortified (_FORTIFY_SOURCE) entry
 * points are wrapped separately because a fortified program calls them
 * instead of read() or open(); the real ones do their check and then make the
 * system call inside libc, so each call is recorded once.
 */

#include "syscall-tracer.h"

#include <fcntl.h>
#include <stdarg.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

/*
 * glibc declares its fortified entry points only under _FORTIFY_SOURCE,
 * which this library turns off; these are their glibc prototypes.
 */
extern ssize_t __read_chk(int fd, void *buf, size_t nbytes, size_t buflen);
extern ssize_t __pread_chk(int fd, void *buf, size_t nbytes, off_t offset,
			   size_t buflen);
extern ssize_t __pread64_chk(int fd, void *buf, size_t nbytes, off64_t offset,
			     size_t buflen);
extern int __open_2(const char *file, int oflag);
extern int __open64_2(const char *file, int oflag);
extern int __openat_2(int fd, const char *file, int oflag);
extern int __openat64_2(int fd, const char *file, int oflag);

/* --- read ---------------------------------------------------------------- */

LTA_SYSCALL_EXPORT ssize_t read(int fd, void *buf, size_t count)
{
	bool traced = lta_syscall_tracer_active(__builtin_return_address(0));
	ssize_t ret;
	LTA_SYSCALL_REAL(real, read);

	if (traced) {
		LTA_SYSCALL_EMIT(entry_read, fd, count);
	}
	ret = real(fd, buf, count);
	if (traced) {
		lta_syscall_http_buf(fd, LTA_HTTP_RECEIVED, buf, ret);
		LTA_SYSCALL_EMIT(exit_read, lta_syscall_ret(ret), buf);
	}
	return ret;
}

LTA_SYSCALL_EXPORT ssize_t __read_chk(int fd, void *buf, size_t nbytes,
				      size_t buflen)
{
	bool traced = lta_syscall_tracer_active(__builtin_return_address(0));
	ssize_t ret;
	LTA_SYSCALL_REAL(real, __read_chk);

	if (traced) {
		LTA_SYSCALL_EMIT(entry_read, fd, nbytes);
	}
	ret = real(fd, buf, nbytes, buflen);
	if (traced) {
		lta_syscall_http_buf(fd, LTA_HTTP_RECEIVED, buf, ret);
		LTA_SYSCALL_EMIT(exit_read, lta_syscall_ret(ret), buf);
	}
	return ret;
}

LTA_SYSCALL_EXPORT ssize_t readv(int fd, const struct iovec *iov, int iovcnt)
{
	bool traced = lta_syscall_tracer_active(__builtin_return_address(0));
	ssize_t ret;
	LTA_SYSCALL_REAL(real, readv);

	if (traced) {
		LTA_SYSCALL_EMIT(entry_readv, fd, iov, iovcnt);
	}
	ret = real(fd, iov, iovcnt);
	if (traced) {
		lta_syscall_http_iov(fd, LTA_HTTP_RECEIVED, iov, iovcnt, ret);
		LTA_SYSCALL_EMIT(exit_readv, lta_syscall_ret(ret), iov);
	}
	return ret;
}

/* pread and pread64 are the same function on 64-bit targets. */
LTA_SYSCALL_EXPORT ssize_t pread(int fd, void *buf, size_t count, off_t offset)
{
	bool traced = lta_syscall_tracer_active(__builtin_return_address(0));
	ssize_t ret;
	LTA_SYSCALL_REAL(real, pread);

	if (traced) {
		LTA_SYSCALL_EMIT(entry_pread64, fd, count, offset);
	}
	ret = real(fd, buf, count, offset);
	if (traced) {
		LTA_SYSCALL_EMIT(exit_pread64, lta_syscall_ret(ret), buf);
	}
	return ret;
}

LTA_SYSCALL_EXPORT ssize_t pread64(int fd, void *buf, size_t count,
				   off64_t offset)
{
	bool traced = lta_syscall_tracer_active(__builtin_return_address(0));
	ssize_t ret;
	LTA_SYSCALL_REAL(real, pread64);

	if (traced) {
		LTA_SYSCALL_EMIT(entry_pread64, fd, count, offset);
	}
	ret = real(fd, buf, count, offset);
	if (traced) {
		LTA_SYSCALL_EMIT(exit_pread64, lta_syscall_ret(ret), buf);
	}
	return ret;
}

LTA_SYSCALL_EXPORT ssize_t __pread_chk(int fd, void *buf, size_t nbytes,
				       off_t offset, size_t buflen)
{
	bool traced = lta_syscall_tracer_active(__builtin_return_address(0));
	ssize_t ret;
	LTA_SYSCALL_REAL(real, __pread_chk);

	if (traced) {
		LTA_SYSCALL_EMIT(entry_pread64, fd, nbytes, offset);
	}
	ret = real(fd, buf, nbytes, offset, buflen);
	if (traced) {
		LTA_SYSCALL_EMIT(exit_pread64, lta_syscall_ret(ret), buf);
	}
	return ret;
}

LTA_SYSCALL_EXPORT ssize_t __pread64_chk(int fd, void *buf, size_t nbytes,
					 off64_t offset, size_t buflen)
{
	bool traced = lta_syscall_tracer_active(__builtin_return_address(0));
	ssize_t ret;
	LTA_SYSCALL_REAL(real, __pread64_chk);

	if (traced) {
		LTA_SYSCALL_EMIT(entry_pread64, fd, nbytes, offset);
	}
	ret = real(fd, buf, nbytes, offset, buflen);
	if (traced) {
		LTA_SYSCALL_EMIT(exit_pread64, lta_syscall_ret(ret), buf);
	}
	return ret;
}

/* --- write --------------------------------------------------------------- */

LTA_SYSCALL_EXPORT ssize_t write(int fd, const void *buf, size_t count)
{
	bool traced = lta_syscall_tracer_active(__builtin_return_address(0));
	ssize_t ret;
	LTA_SYSCALL_REAL(real, write);

	if (traced) {
		LTA_SYSCALL_EMIT(entry_write, fd, buf, count);
	}
	ret = real(fd, buf, count);
	if (traced) {
		lta_syscall_http_buf(fd, LTA_HTTP_SENT, buf, ret);
		LTA_SYSCALL_EMIT(exit_write, lta_syscall_ret(ret));
	}
	return ret;
}

LTA_SYSCALL_EXPORT ssize_t writev(int fd, const struct iovec *iov, int iovcnt)
{
	bool traced = lta_syscall_tracer_active(__builtin_return_address(0));
	ssize_t ret;
	LTA_SYSCALL_REAL(real, writev);

	if (traced) {
		LTA_SYSCALL_EMIT(entry_writev, fd, iov, iovcnt);
	}
	ret = real(fd, iov, iovcnt);
	if (traced) {
		lta_syscall_http_iov(fd, LTA_HTTP_SENT, iov, iovcnt, ret);
		LTA_SYSCALL_EMIT(exit_writev, lta_syscall_ret(ret), iov);
	}
	return ret;
}

LTA_SYSCALL_EXPORT ssize_t pwrite(int fd, const void *buf, size_t count,
				  off_t offset)
{
	bool traced = lta_syscall_tracer_active(__builtin_return_address(0));
	ssize_t ret;
	LTA_SYSCALL_REAL(real, pwrite);

	if (traced) {
		LTA_SYSCALL_EMIT(entry_pwrite64, fd, buf, count, offset);
	}
	ret = real(fd, buf, count, offset);
	if (traced) {
		LTA_SYSCALL_EMIT(exit_pwrite64, lta_syscall_ret(ret));
	}
	return ret;
}

LTA_SYSCALL_EXPORT ssize_t pwrite64(int fd, const void *buf, size_t count,
				    off64_t offset)
{
	bool traced = lta_syscall_tracer_active(__builtin_return_address(0));
	ssize_t ret;
	LTA_SYSCALL_REAL(real, pwrite64);

	if (traced) {
		LTA_SYSCALL_EMIT(entry_pwrite64, fd, buf, count, offset);
	}
	ret = real(fd, buf, count, offset);
	if (traced) {
		LTA_SYSCALL_EMIT(exit_pwrite64, lta_syscall_ret(ret));
	}
	return ret;
}

/* --- open, openat, close ------------------------------------------------- */

/*
 * Whether open() and openat() read their third argument: the kernel uses the
 * mode only to create a file, and the caller need not pass one otherwise.
 */
static bool takes_mode(int flags)
{
	return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE;
}

/*
 * The variadic mode of open() and openat(), or 0 when the flags say there is
 * none. A macro, because va_start() must run in the variadic function.
 */
#define OPEN_MODE(mode, flags)                          \
	do {                                            \
		va_list ap;                             \
                                                        \
		mode = 0;                               \
		if (takes_mode(flags)) {                \
			va_start(ap, flags);            \
			mode = (mode_t)va_arg(ap, int); \
			va_end(ap);                     \
		}                                       \
	} while (0)

/*
 * open() and its aliases all give the entry_open / exit_open pair, whatever
 * the system call glibc actually makes (openat on current glibc).
 */
static int traced_open(bool traced, int (*real)(const char *, int, ...),
		       const char *path, int flags, mode_t mode)
{
	int ret;

	if (traced) {
		LTA_SYSCALL_EMIT(entry_open, path, flags, mode);
	}
	ret = real(path, flags, mode);
	if (traced) {
		LTA_SYSCALL_EMIT(exit_open, lta_syscall_ret(ret));
	}
	return ret;
}

static int traced_openat(bool traced, int (*real)(int, const char *, int, ...),
			 int dirfd, const char *path, int flags, mode_t mode)
{
	int ret;

	if (traced) {
		LTA_SYSCALL_EMIT(entry_openat, dirfd, path, flags, mode);
	}
	ret = real(dirfd, path, flags, mode);
	if (traced) {
		LTA_SYSCALL_EMIT(exit_openat, lta_syscall_ret(ret));
	}
	return ret;
}

LTA_SYSCALL_EXPORT int open(const char *path, int flags, ...)
{
	bool traced = lta_syscall_tracer_active(__builtin_return_address(0));
	mode_t mode;
	LTA_SYSCALL_REAL(real, open);

	OPEN_MODE(mode, flags);
	return traced_open(traced, real, path, flags, mode);
}

LTA_SYSCALL_EXPORT int open64(const char *path, int flags, ...)
{
	bool traced = lta_syscall_tracer_active(__builtin_return_address(0));
	mode_t mode;
	LTA_SYSCALL_REAL(real, open64);

	OPEN_MODE(mode, flags);
	return traced_open(traced, real, path, flags, mode);
}

LTA_SYSCALL_EXPORT int openat(int dirfd, const char *path, int flags, ...)
{
	bool traced = lta_syscall_tracer_active(__builtin_return_address(0));
	mode_t mode;
	LTA_SYSCALL_REAL(real, openat);

	OPEN_MODE(mode, flags);
	return traced_openat(traced, real, dirfd, path, flags, mode);
}

LTA_SYSCALL_EXPORT int openat64(int dirfd, const char *path, int flags, ...)
{
	bool traced = lta_syscall_tracer_active(__builtin_return_address(0));
	mode_t mode;
	LTA_SYSCALL_REAL(real, openat64);

	OPEN_MODE(mode, flags);
	return traced_openat(traced, real, dirfd, path, flags, mode);
}

/*
 * The fortified forms take no mode: they are only used, and only valid,
 * without O_CREAT and O_TMPFILE. They are called through their own real
 * function so that its check still runs.
 */
LTA_SYSCALL_EXPORT int __open_2(const char *path, int flags)
{
	bool traced = lta_syscall_tracer_active(__builtin_return_address(0));
	int ret;
	LTA_SYSCALL_REAL(real, __open_2);

	if (traced) {
		LTA_SYSCALL_EMIT(entry_open, path, flags, 0);
	}
	ret = real(path, flags);
	if (traced) {
		LTA_SYSCALL_EMIT(exit_open, lta_syscall_ret(ret));
	}
	return ret;
}

LTA_SYSCALL_EXPORT int __open64_2(const char *path, int flags)
{
	bool traced = lta_syscall_tracer_active(__builtin_return_address(0));
	int ret;
	LTA_SYSCALL_REAL(real, __open64_2);

	if (traced) {
		LTA_SYSCALL_EMIT(entry_open, path, flags, 0);
	}
	ret = real(path, flags);
	if (traced) {
		LTA_SYSCALL_EMIT(exit_open, lta_syscall_ret(ret));
	}
	return ret;
}

LTA_SYSCALL_EXPORT int __openat_2(int dirfd, const char *path, int flags)
{
	bool traced = lta_syscall_tracer_active(__builtin_return_address(0));
	int ret;
	LTA_SYSCALL_REAL(real, __openat_2);

	if (traced) {
		LTA_SYSCALL_EMIT(entry_openat, dirfd, path, flags, 0);
	}
	ret = real(dirfd, path, flags);
	if (traced) {
		LTA_SYSCALL_EMIT(exit_openat, lta_syscall_ret(ret));
	}
	return ret;
}

LTA_SYSCALL_EXPORT int __openat64_2(int dirfd, const char *path, int flags)
{
	bool traced = lta_syscall_tracer_active(__builtin_return_address(0));
	int ret;
	LTA_SYSCALL_REAL(real, __openat64_2);

	if (traced) {
		LTA_SYSCALL_EMIT(entry_openat, dirfd, path, flags, 0);
	}
	ret = real(dirfd, path, flags);
	if (traced) {
		LTA_SYSCALL_EMIT(exit_openat, lta_syscall_ret(ret));
	}
	return ret;
}

LTA_SYSCALL_EXPORT int close(int fd)
{
	bool traced = lta_syscall_tracer_active(__builtin_return_address(0));
	int ret;
	LTA_SYSCALL_REAL(real, close);

	if (traced) {
		LTA_SYSCALL_EMIT(entry_close, fd);
	}
	ret = real(fd);
	if (traced) {
		LTA_SYSCALL_EMIT(exit_close, lta_syscall_ret(ret));
	}
	return ret;
}
