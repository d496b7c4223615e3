/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * syscall-exerciser: makes each call that liblttng-analyzer-syscalls.so
 * wraps, successes and failures, and prints one line per call:
 *
 *   <function> <result> <errno>
 *
 * <result> is the return value, or `fd` for a new descriptor (descriptor
 * numbers change when lttng-ust opens its own); <errno> is the errno name
 * after the call, or `-` when the call left errno as it was before (errno is
 * set to a sentinel before every call). Two runs, with or without the preload
 * library, therefore print the same lines: tests/integration/
 * test-syscall-tracer.sh compares them.
 *
 * Values that change from run to run and that the test checks in the trace
 * (the client ports of the accepted connections, the process id) go to
 * stderr as `info <key> <value>` lines.
 *
 * Usage: syscall-exerciser [DIR]   (DIR: where to create a scratch file,
 * default $TMPDIR or /tmp)
 *
 * With LTA_EXERCISER_PAUSE=FIFO in the environment, the exerciser stops
 * half-way, prints `info paused 1` on stderr, and goes on once a writer has
 * opened and closed FIFO. The test uses the pause to make the session daemon
 * talk to lttng-ust while the program runs. The pause itself goes through
 * stdio, whose calls inside libc are not interposed, so it leaves no line
 * and no event.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * glibc's fortified entry points: a program built with _FORTIFY_SOURCE calls
 * these instead of read(), recv(), open()... They are called directly here
 * so that the test covers them whatever the build flags.
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
extern ssize_t __recv_chk(int fd, void *buf, size_t n, size_t buflen,
			  int flags);
extern ssize_t __recvfrom_chk(int fd, void *buf, size_t n, size_t buflen,
			      int flags, struct sockaddr *addr,
			      socklen_t *addr_len);
extern int __poll_chk(struct pollfd *fds, nfds_t nfds, int timeout,
		      size_t fdslen);
extern int __ppoll_chk(struct pollfd *fds, nfds_t nfds,
		       const struct timespec *timeout, const sigset_t *ss,
		       size_t fdslen);

/* No call sets errno to this: seeing it after a call means "unchanged". */
#define ERRNO_SENTINEL 4242

/* A descriptor number that nothing in this process opens by itself. */
#define CLOSED_FD 1000

#define FILE_TEXT "hello, tracer\n"

static int failures;

static void before_call(void)
{
	errno = ERRNO_SENTINEL;
}

/* `-` for the sentinel, else the errno's name (or number). */
static const char *errno_name(int error)
{
	static char number[32];
	const char *name;

	if (error == ERRNO_SENTINEL) {
		return "-";
	}
	name = strerrorname_np(error);
	if (!name) {
		snprintf(number, sizeof(number), "errno%d", error);
		name = number;
	}
	return name;
}

/* Prints the line of a call that returned `result`, and returns it. */
static long report(const char *function, long result)
{
	int error = errno;

	printf("%s %ld %s\n", function, result, errno_name(error));
	return result;
}

/* The same for a call that returns a new descriptor. */
static int report_fd(const char *function, int fd)
{
	int error = errno;

	if (fd < 0) {
		printf("%s %d %s\n", function, fd, errno_name(error));
	} else {
		printf("%s fd %s\n", function, errno_name(error));
	}
	return fd;
}

#define CALL(function, ...) \
	(before_call(), report(#function, (long)function(__VA_ARGS__)))
#define CALL_FD(function, ...) \
	(before_call(), report_fd(#function, function(__VA_ARGS__)))

/* Setup steps are not exercised calls: they abort the run when they fail. */
static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "syscall-exerciser: %s failed: %s\n", what,
			strerror(errno));
		exit(1);
	}
}

static void expect(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "syscall-exerciser: unexpected: %s\n", what);
		failures++;
	}
}

static unsigned int local_port(int fd)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	check(getsockname(fd, (struct sockaddr *)&sin, &len) == 0,
	      "getsockname");
	return ntohs(sin.sin_port);
}

/* --- files ---------------------------------------------------------------- */

static void exercise_files(const char *dir)
{
	char path[4096], name[64], buf[64];
	struct iovec iov[3];
	int fd, dirfd;

	snprintf(name, sizeof(name), "lta-exerciser-%ld.txt", (long)getpid());
	snprintf(path, sizeof(path), "%s/%s", dir, name);

	fd = CALL_FD(open, path, O_CREAT | O_RDWR | O_TRUNC, 0600);
	check(fd >= 0, "open");
	CALL(write, fd, FILE_TEXT, strlen(FILE_TEXT));
	iov[0] = (struct iovec){ .iov_base = "vec-one ", .iov_len = 8 };
	iov[1] = (struct iovec){ .iov_base = "vec-two ", .iov_len = 8 };
	iov[2] = (struct iovec){ .iov_base = "vec-three\n", .iov_len = 10 };
	CALL(writev, fd, iov, 3);
	CALL(pwrite, fd, "positional", 10, 64);
	CALL(pwrite64, fd, "positional", 10, 80);
	CALL(pread, fd, buf, 10, 64);
	expect(memcmp(buf, "positional", 10) == 0, "pread data");
	CALL(pread64, fd, buf, 10, 80);
	CALL(__pread_chk, fd, buf, 10, 64, sizeof(buf));
	CALL(__pread64_chk, fd, buf, 10, 80, sizeof(buf));
	CALL(close, fd);

	fd = CALL_FD(open64, path, O_RDONLY);
	check(fd >= 0, "open64");
	CALL(read, fd, buf, 6);
	expect(memcmp(buf, "hello,", 6) == 0, "read data");
	CALL(__read_chk, fd, buf, 8, sizeof(buf));
	iov[0] = (struct iovec){ .iov_base = buf, .iov_len = 4 };
	iov[1] = (struct iovec){ .iov_base = buf + 4, .iov_len = 4 };
	CALL(readv, fd, iov, 2);
	CALL(close, fd);

	fd = CALL_FD(__open_2, path, O_RDONLY);
	CALL(close, fd);
	fd = CALL_FD(__open64_2, path, O_RDONLY);
	CALL(close, fd);

	dirfd = CALL_FD(open, dir, O_RDONLY | O_DIRECTORY);
	check(dirfd >= 0, "open dir");
	fd = CALL_FD(openat, dirfd, name, O_RDONLY);
	CALL(close, fd);
	fd = CALL_FD(openat64, dirfd, name, O_RDONLY);
	CALL(close, fd);
	fd = CALL_FD(__openat_2, dirfd, name, O_RDONLY);
	CALL(close, fd);
	fd = CALL_FD(__openat64_2, dirfd, name, O_RDONLY);
	CALL(close, fd);
	CALL(close, dirfd);

	/* Failures: a missing file, a closed descriptor. */
	CALL_FD(openat, AT_FDCWD, "/nonexistent/lta-exerciser", O_RDONLY);
	CALL_FD(open, "/nonexistent/lta-exerciser", O_RDONLY);
	check(dup2(STDIN_FILENO, CLOSED_FD) == CLOSED_FD, "dup2");
	CALL(close, CLOSED_FD);
	CALL(read, CLOSED_FD, buf, 1);
	CALL(write, CLOSED_FD, buf, 1);
	CALL(close, CLOSED_FD);
	check(unlink(path) == 0, "unlink");
}

/* --- sockets -------------------------------------------------------------- */

struct connection {
	int client;
	int server;
};

static int connect_client(const struct sockaddr_in *to, const char *info)
{
	int fd;

	fd = CALL_FD(socket, AF_INET, SOCK_STREAM, 0);
	check(fd >= 0, "socket");
	CALL(connect, fd, (const struct sockaddr *)to, sizeof(*to));
	fprintf(stderr, "info %s %u\n", info, local_port(fd));
	return fd;
}

static void exercise_accept(struct connection conn[3], int *listener_out)
{
	struct sockaddr_in addr, peer;
	socklen_t len;
	int listener, probe;

	/* A port that nobody listens on: bound, then closed. */
	probe = CALL_FD(socket, AF_INET, SOCK_STREAM, 0);
	check(probe >= 0, "socket");
	addr = (struct sockaddr_in){
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	check(bind(probe, (struct sockaddr *)&addr, sizeof(addr)) == 0, "bind");
	addr.sin_port = htons(local_port(probe));
	CALL(close, probe);
	probe = CALL_FD(socket, AF_INET, SOCK_STREAM, 0);
	CALL(connect, probe, (struct sockaddr *)&addr, sizeof(addr));
	CALL(close, probe);

	CALL_FD(socket, AF_INET + 1000, SOCK_STREAM, 0);

	listener = CALL_FD(socket, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	check(listener >= 0, "socket");
	addr.sin_port = 0;
	check(bind(listener, (struct sockaddr *)&addr, sizeof(addr)) == 0,
	      "bind");
	check(listen(listener, 8) == 0, "listen");
	addr.sin_port = htons(local_port(listener));
	fprintf(stderr, "info server_port %u\n", ntohs(addr.sin_port));

	/* Nothing pending yet on the non-blocking listener. */
	len = sizeof(peer);
	CALL_FD(accept4, listener, (struct sockaddr *)&peer, &len, 0);

	/*
	 * A loopback connect() returns once the connection is queued, so
	 * each accept finds it.
	 */
	conn[0].client = connect_client(&addr, "accept_client_port");
	len = sizeof(peer);
	conn[0].server =
		CALL_FD(accept, listener, (struct sockaddr *)&peer, &len);
	check(conn[0].server >= 0, "accept");
	expect(ntohs(peer.sin_port) == local_port(conn[0].client),
	       "accept peer port");

	conn[1].client = connect_client(&addr, "accept4_client_port");
	len = sizeof(peer);
	conn[1].server = CALL_FD(accept4, listener, (struct sockaddr *)&peer,
				 &len, SOCK_CLOEXEC);
	check(conn[1].server >= 0, "accept4");
	expect(ntohs(peer.sin_port) == local_port(conn[1].client),
	       "accept4 peer port");

	/* Without an address buffer: the tracer asks getpeername(). */
	conn[2].client = connect_client(&addr, "accept4_null_client_port");
	conn[2].server = CALL_FD(accept4, listener, NULL, NULL, 0);
	check(conn[2].server >= 0, "accept4 without address");

	*listener_out = listener;
}

static void exercise_data(const struct connection *conn, const char *dir)
{
	char buf[256], path[4096];
	struct sockaddr_in from;
	struct msghdr msg;
	struct iovec iov[2];
	socklen_t len;
	off_t offset;
	int fd;

	CALL(send, conn->client, "send", 4, 0);
	CALL(recv, conn->server, buf, 4, 0);
	CALL(sendto, conn->client, "sendto", 6, 0, NULL, 0);
	len = sizeof(from);
	CALL(recvfrom, conn->server, buf, 6, 0, (struct sockaddr *)&from, &len);
	CALL(send, conn->client, "chk", 3, 0);
	CALL(__recv_chk, conn->server, buf, 3, sizeof(buf), 0);
	CALL(send, conn->client, "chkfrom", 7, 0);
	len = sizeof(from);
	CALL(__recvfrom_chk, conn->server, buf, 7, sizeof(buf), 0,
	     (struct sockaddr *)&from, &len);

	iov[0] = (struct iovec){ .iov_base = "msg-", .iov_len = 4 };
	iov[1] = (struct iovec){ .iov_base = "header", .iov_len = 6 };
	msg = (struct msghdr){ .msg_iov = iov, .msg_iovlen = 2 };
	CALL(sendmsg, conn->client, &msg, 0);
	iov[0] = (struct iovec){ .iov_base = buf, .iov_len = 10 };
	msg = (struct msghdr){ .msg_iov = iov, .msg_iovlen = 1 };
	CALL(recvmsg, conn->server, &msg, 0);
	expect(memcmp(buf, "msg-header", 10) == 0, "recvmsg data");

	CALL(write, conn->client, "write", 5);
	CALL(read, conn->server, buf, 5);

	/* Nothing left to read: a non-blocking receive fails. */
	CALL(recv, conn->server, buf, sizeof(buf), MSG_DONTWAIT);

	/* sendfile from a scratch file. */
	snprintf(path, sizeof(path), "%s/lta-exerciser-%ld.bin", dir,
		 (long)getpid());
	fd = CALL_FD(open, path, O_CREAT | O_RDWR | O_TRUNC, 0600);
	check(fd >= 0, "open");
	CALL(write, fd, "sendfile-data", 13);
	offset = 0;
	CALL(sendfile, conn->client, fd, &offset, 13);
	CALL(recv, conn->server, buf, 13, MSG_WAITALL);
	offset = 8;
	CALL(sendfile64, conn->client, fd, &offset, 5);
	CALL(recv, conn->server, buf, 5, MSG_WAITALL);
	CALL(shutdown, fd, SHUT_RDWR);
	CALL(close, fd);
	check(unlink(path) == 0, "unlink");
}

static void exercise_wait(const struct connection *conn)
{
	struct epoll_event event, ready[4];
	struct timespec zero = { 0, 0 };
	struct timeval tv;
	struct pollfd pfd;
	fd_set readfds;
	char buf[16];
	sigset_t mask;
	int epfd;

	pfd = (struct pollfd){ .fd = conn->server, .events = POLLIN };
	CALL(poll, &pfd, 1, 0);
	CALL(send, conn->client, "p", 1, 0);
	CALL(poll, &pfd, 1, 1000);
	CALL(__poll_chk, &pfd, 1, 1000, sizeof(pfd));
	CALL(ppoll, &pfd, 1, &zero, NULL);
	sigemptyset(&mask);
	CALL(__ppoll_chk, &pfd, 1, &zero, &mask, sizeof(pfd));

	FD_ZERO(&readfds);
	FD_SET(conn->server, &readfds);
	tv = (struct timeval){ 1, 0 };
	CALL(select, conn->server + 1, &readfds, NULL, NULL, &tv);
	expect(FD_ISSET(conn->server, &readfds), "select readfds");
	CALL(select, -1, NULL, NULL, NULL, &tv);

	epfd = epoll_create1(EPOLL_CLOEXEC);
	check(epfd >= 0, "epoll_create1");
	event = (struct epoll_event){ .events = EPOLLIN,
				      .data.fd = conn->server };
	check(epoll_ctl(epfd, EPOLL_CTL_ADD, conn->server, &event) == 0,
	      "epoll_ctl");
	CALL(epoll_wait, epfd, ready, 4, 1000);
	CALL(epoll_pwait, epfd, ready, 4, 1000, &mask);
	CALL(recv, conn->server, buf, 1, 0);
	CALL(epoll_wait, epfd, ready, 4, 0);
	CALL(epoll_wait, CLOSED_FD, ready, 4, 0);
	CALL(close, epfd);
}

/* A child process makes calls too: fork safety (with liblttng-ust-fork). */
static void exercise_fork(void)
{
	int pipefd[2], status;
	char buf[8];
	pid_t child;

	check(pipe(pipefd) == 0, "pipe");
	fflush(stdout);
	child = fork();
	check(child >= 0, "fork");
	if (child == 0) {
		ssize_t n = write(pipefd[1], "child", 5);

		_exit(n == 5 && close(pipefd[1]) == 0 ? 0 : 1);
	}
	fprintf(stderr, "info child_pid %ld\n", (long)child);
	CALL(close, pipefd[1]);
	CALL(read, pipefd[0], buf, 5);
	CALL(read, pipefd[0], buf, sizeof(buf));
	CALL(close, pipefd[0]);
	check(waitpid(child, &status, 0) == child, "waitpid");
	expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status");
}

/*
 * An HTTP/1.1 exchange on a loopback connection, for the http event: each
 * message is received whole before the next one is sent the same way, and
 * received with exactly its length, so that each call moves the bytes the
 * test expects. The lines that open the messages are the event's payload
 * (test-syscall-tracer.sh lists what each call must record).
 */
#define PIPELINED                                           \
	"GET /one HTTP/1.1\r\nHost: lta\r\n\r\n"            \
	"GET /two?user=alice HTTP/1.1\r\nHost: lta\r\n\r\n" \
	"HEAD /three HTTP/1.1\r\nHost: lta\r\n\r\n"
#define CONTINUE "HTTP/1.1 100 Continue\r\n\r\n"
#define OK_HEAD "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n"
#define OK_BODY "hello\n"
#define NOT_FOUND "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
#define NO_CONTENT "HTTP/1.0 204 No Content\r\n\r\n"
#define NOT_MODIFIED "HTTP/1.1 304 Not Modified\r\n\r\n"
#define POST "POST /form HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"
#define BODY_THEN_GET "tail\nGET /after-body HTTP/1.1\r\n\r\n"

static void exercise_http(const struct connection *conn)
{
	char buf[512];
	struct iovec iov[3];
	struct msghdr msg;
	size_t len;

	fprintf(stderr, "info http_server_fd %d\n", conn->server);
	fprintf(stderr, "info http_client_fd %d\n", conn->client);

	/* Requests in sent bytes: no http event. */
	CALL(write, conn->client, PIPELINED, strlen(PIPELINED));
	/* Three pipelined requests in one read. */
	len = (size_t)CALL(read, conn->server, buf, strlen(PIPELINED));
	expect(len == strlen(PIPELINED), "read of the pipelined requests");

	/*
	 * Responses: an interim one, then a head cut across two iovecs, its
	 * body, and a second head. The body ends with LF: a head right after
	 * a body without one is not at a line start, and is not counted.
	 */
	CALL(send, conn->server, CONTINUE, strlen(CONTINUE), 0);
	iov[0] = (struct iovec){ .iov_base = OK_HEAD, .iov_len = 20 };
	iov[1] = (struct iovec){ .iov_base = OK_HEAD OK_BODY + 20,
				 .iov_len = strlen(OK_HEAD OK_BODY) - 20 };
	iov[2] = (struct iovec){ .iov_base = NOT_FOUND,
				 .iov_len = strlen(NOT_FOUND) };
	CALL(writev, conn->server, iov, 3);
	CALL(sendto, conn->server, NO_CONTENT, strlen(NO_CONTENT), 0, NULL, 0);
	CALL(write, conn->server, NOT_MODIFIED, strlen(NOT_MODIFIED));
	/* Status lines in received bytes: no http event. */
	len = strlen(CONTINUE) + strlen(OK_HEAD OK_BODY) + strlen(NOT_FOUND) +
	      strlen(NO_CONTENT) + strlen(NOT_MODIFIED);
	CALL(recv, conn->client, buf, len, MSG_WAITALL);

	/* A request whose method is cut across two iovecs, both ways. */
	iov[0] = (struct iovec){ .iov_base = POST, .iov_len = 2 };
	iov[1] = (struct iovec){ .iov_base = POST + 2,
				 .iov_len = strlen(POST) - 2 };
	msg = (struct msghdr){ .msg_iov = iov, .msg_iovlen = 2 };
	CALL(sendmsg, conn->client, &msg, 0);
	/* Peeked bytes are scanned when they are read, not now. */
	CALL(recv, conn->server, buf, strlen(POST), MSG_PEEK | MSG_WAITALL);
	iov[0] = (struct iovec){ .iov_base = buf, .iov_len = 3 };
	iov[1] = (struct iovec){ .iov_base = buf + 3,
				 .iov_len = strlen(POST) - 3 };
	msg = (struct msghdr){ .msg_iov = iov, .msg_iovlen = 2 };
	CALL(recvmsg, conn->server, &msg, MSG_WAITALL);
	expect(memcmp(buf, POST, strlen(POST)) == 0, "recvmsg of the POST");

	/*
	 * The end of a body, then a request: the bytes do not start like a
	 * head, so the library does not look further (README.md).
	 */
	CALL(send, conn->client, BODY_THEN_GET, strlen(BODY_THEN_GET), 0);
	iov[0] = (struct iovec){ .iov_base = buf, .iov_len = 10 };
	iov[1] = (struct iovec){ .iov_base = buf + 10,
				 .iov_len = strlen(BODY_THEN_GET) - 10 };
	len = (size_t)CALL(readv, conn->server, iov, 2);
	expect(len == strlen(BODY_THEN_GET), "readv of the body and request");
}

static void pause_if_asked(void)
{
	const char *fifo = getenv("LTA_EXERCISER_PAUSE");
	FILE *resume;

	if (!fifo || !*fifo) {
		return;
	}
	fprintf(stderr, "info paused 1\n");
	resume = fopen(fifo, "r");
	check(resume != NULL, "fopen pause FIFO");
	while (fgetc(resume) != EOF) {
		continue;
	}
	fclose(resume);
}

int main(int argc, char **argv)
{
	struct connection conn[3];
	const char *dir;
	int listener, i;

	dir = argc > 1 ? argv[1] : getenv("TMPDIR");
	if (!dir || !*dir) {
		dir = "/tmp";
	}
	/* Lines must come out in call order, even through a pipe. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	fprintf(stderr, "info pid %ld\n", (long)getpid());

	exercise_files(dir);
	exercise_accept(conn, &listener);
	pause_if_asked();
	exercise_data(&conn[0], dir);
	exercise_wait(&conn[1]);
	exercise_fork();
	exercise_http(&conn[2]);

	for (i = 0; i < 3; i++) {
		CALL(shutdown, conn[i].client, SHUT_WR);
		CALL(read, conn[i].server, (char[1]){ 0 }, 1);
		CALL(close, conn[i].client);
		CALL(close, conn[i].server);
	}
	CALL(close, listener);
	return failures ? 1 : 0;
}
