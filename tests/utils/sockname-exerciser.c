/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sockname-exerciser: makes the connections whose two ends the sockname
 * event of liblttng-analyzer-syscalls.so must let a reader pair, with the
 * server in another process:
 *
 * - a TCP connection on 127.0.0.1, accepted with accept4() and an address
 *   buffer;
 * - a TCP connection from a non-blocking socket (connect() returns 0 or
 *   fails with EINPROGRESS), accepted with accept();
 * - a unix stream connection to a path, accepted with accept();
 * - a unix stream connection to an abstract name, accepted with accept4()
 *   and no address buffer;
 * and calls that must give no sockname event: a connect() refused, an
 * accept4() on a non-blocking listener with nothing pending. A connect()
 * to AF_UNSPEC on a unix datagram socket succeeds too (it dissolves an
 * association that was never made): its sockname event finds no peer
 * (getpeername() fails with ENOTCONN inside the library), which must leave
 * the program's errno as connect() left it.
 *
 * The client is this process. The server is this program again, started
 * with posix_spawn() (whose child side runs inside libc, untraced, and
 * execs at once: no traced call is made between fork and exec), so that it
 * registers with lttng-ust as a process of its own and is the process that
 * calls listen() on the listeners (what SO_PEERCRED reports to a client).
 * It tells the client its TCP port through a pipe, accepts the four
 * connections in the order the client makes them, echoes one byte on
 * each, and exits.
 *
 * Output, as in syscall-exerciser.c: one line per exercised call,
 * `<function> <result> <errno>`, where <result> is `fd` for a new
 * descriptor and <errno> is `-` when the call left errno as it was (set to
 * a sentinel before every call). The server's lines follow the client's,
 * each prefixed with `server `. Two runs, with or without the preload
 * library, print the same lines. Values that change from run to run go to
 * stderr as `info <key> <value>` lines: the pids, the descriptors, the
 * ports, the paths.
 *
 * Usage: sockname-exerciser DIR   (DIR: where to bind the unix socket and
 *                                  write the server's output)
 *        sockname-exerciser --server DIR   (started by the client)
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <spawn.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

/* No call sets errno to this: seeing it after a call means "unchanged". */
#define ERRNO_SENTINEL 4242

/* Where the server finds the write end of the pipe to the client. */
#define READY_FD 200

/* How long a side waits for the other, in milliseconds. */
#define WAIT_MS 20000

#define UNIX_NAME "lta-sockname.sock"

extern char **environ;

static int failures;

static void before_call(void)
{
	errno = ERRNO_SENTINEL;
}

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

static long report(const char *function, long result)
{
	int error = errno;

	printf("%s %ld %s\n", function, result, errno_name(error));
	return result;
}

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
		fprintf(stderr, "sockname-exerciser: %s failed: %s\n", what,
			strerror(errno));
		exit(1);
	}
}

static void expect(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "sockname-exerciser: unexpected: %s\n", what);
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

/* The abstract address of the server `pid`: "\0lta-sockname-<pid>". */
static socklen_t abstract_address(struct sockaddr_un *addr, long pid)
{
	int n;

	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	n = snprintf(addr->sun_path + 1, sizeof(addr->sun_path) - 1,
		     "lta-sockname-%ld", pid);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
}

static socklen_t path_address(struct sockaddr_un *addr, const char *dir)
{
	int n;

	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	n = snprintf(addr->sun_path, sizeof(addr->sun_path), "%s/%s", dir,
		     UNIX_NAME);
	check(n > 0 && (size_t)n < sizeof(addr->sun_path), "unix path length");
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
}

/* Waits until `fd` is ready for `events`. */
static void wait_for(int fd, short events, const char *what)
{
	struct pollfd pfd = { .fd = fd, .events = events };

	check(poll(&pfd, 1, WAIT_MS) == 1, what);
}

/* Reads one byte from each descriptor and writes it back. */
static void echo(const int *fds, int count)
{
	char byte;
	int i;

	for (i = 0; i < count; i++) {
		CALL(read, fds[i], &byte, 1);
		CALL(write, fds[i], &byte, 1);
	}
}

/* --- server ------------------------------------------------------------ */

static int listen_on(int domain, int type, const struct sockaddr *addr,
		     socklen_t len)
{
	int fd = CALL_FD(socket, domain, type, 0);

	check(fd >= 0, "socket");
	check(bind(fd, addr, len) == 0, "bind");
	check(listen(fd, 8) == 0, "listen");
	return fd;
}

static int serve(const char *dir)
{
	struct sockaddr_in tcp_addr = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	}, peer;
	struct sockaddr_un unix_addr, abstract_addr, unix_peer;
	int tcp, unix_listener, abstract, accepted[4], i;
	socklen_t len;

	setvbuf(stdout, NULL, _IOLBF, 0);
	fprintf(stderr, "info server_pid %ld\n", (long)getpid());

	tcp = listen_on(AF_INET, SOCK_STREAM | SOCK_NONBLOCK,
			(struct sockaddr *)&tcp_addr, sizeof(tcp_addr));
	len = path_address(&unix_addr, dir);
	unlink(unix_addr.sun_path);
	unix_listener = listen_on(AF_UNIX, SOCK_STREAM,
				  (struct sockaddr *)&unix_addr, len);
	len = abstract_address(&abstract_addr, (long)getpid());
	abstract = listen_on(AF_UNIX, SOCK_STREAM,
			     (struct sockaddr *)&abstract_addr, len);
	fprintf(stderr, "info server_tcp_port %u\n", local_port(tcp));

	/* Nothing can be pending before the client knows the port. */
	len = sizeof(peer);
	CALL_FD(accept4, tcp, (struct sockaddr *)&peer, &len, 0);

	check(dprintf(READY_FD, "%u\n", local_port(tcp)) > 0, "ready");
	close(READY_FD);

	wait_for(tcp, POLLIN, "poll for the first TCP connection");
	len = sizeof(peer);
	accepted[0] = CALL_FD(accept4, tcp, (struct sockaddr *)&peer, &len,
			      SOCK_CLOEXEC);
	check(accepted[0] >= 0, "accept4");
	fprintf(stderr, "info server_tcp_fd %d\n", accepted[0]);
	fprintf(stderr, "info server_tcp_peer_port %u\n", ntohs(peer.sin_port));

	wait_for(tcp, POLLIN, "poll for the second TCP connection");
	len = sizeof(peer);
	accepted[1] = CALL_FD(accept, tcp, (struct sockaddr *)&peer, &len);
	check(accepted[1] >= 0, "accept");
	fprintf(stderr, "info server_tcp2_fd %d\n", accepted[1]);

	len = sizeof(unix_peer);
	accepted[2] = CALL_FD(accept, unix_listener,
			      (struct sockaddr *)&unix_peer, &len);
	check(accepted[2] >= 0, "accept unix");
	fprintf(stderr, "info server_unix_fd %d\n", accepted[2]);

	accepted[3] = CALL_FD(accept4, abstract, NULL, NULL, SOCK_CLOEXEC);
	check(accepted[3] >= 0, "accept4 abstract");
	fprintf(stderr, "info server_abstract_fd %d\n", accepted[3]);

	echo(accepted, 4);
	for (i = 0; i < 4; i++) {
		CALL(close, accepted[i]);
	}
	CALL(close, tcp);
	CALL(close, unix_listener);
	CALL(close, abstract);
	unlink(unix_addr.sun_path);
	return failures ? 1 : 0;
}

/* --- client ------------------------------------------------------------ */

/* Starts the server; returns its pid, and the read end of its pipe. */
static pid_t start_server(const char *self, const char *dir, int *ready)
{
	posix_spawn_file_actions_t actions;
	char out[4096];
	char *argv[] = { (char *)self, "--server", (char *)dir, NULL };
	int pipefd[2];
	pid_t pid;

	snprintf(out, sizeof(out), "%s/server.out", dir);
	check(pipe2(pipefd, O_CLOEXEC) == 0, "pipe2");
	check(posix_spawn_file_actions_init(&actions) == 0, "file actions");
	check(posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out,
					       O_WRONLY | O_CREAT | O_TRUNC,
					       0600) == 0 &&
		      posix_spawn_file_actions_adddup2(&actions, pipefd[1],
						       READY_FD) == 0,
	      "file actions");
	errno = posix_spawn(&pid, self, &actions, NULL, argv, environ);
	check(errno == 0, "posix_spawn");
	posix_spawn_file_actions_destroy(&actions);
	close(pipefd[1]);
	*ready = pipefd[0];
	return pid;
}

/* A TCP port on 127.0.0.1 that nobody listens on: bound, then closed. */
static unsigned int closed_port(void)
{
	struct sockaddr_in addr = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	unsigned int port;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	check(fd >= 0, "socket");
	check(bind(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0, "bind");
	port = local_port(fd);
	close(fd);
	return port;
}

/*
 * The non-blocking connect: 0 or EINPROGRESS (either may happen on the
 * loopback), printed as one line so that runs compare equal; the exact
 * result goes to stderr for the trace check.
 */
static int connect_nonblocking(const struct sockaddr_in *to)
{
	int fd, ret, error;
	socklen_t len;

	fd = CALL_FD(socket, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	check(fd >= 0, "socket");
	before_call();
	ret = connect(fd, (const struct sockaddr *)to, sizeof(*to));
	error = errno;
	if ((ret == 0 && error == ERRNO_SENTINEL) ||
	    (ret == -1 && error == EINPROGRESS)) {
		printf("connect(nonblocking) started -\n");
	} else {
		printf("connect(nonblocking) %d %s\n", ret, errno_name(error));
	}
	fprintf(stderr, "info client_tcp2_connect_ret %d\n",
		ret == 0 ? 0 : -error);
	wait_for(fd, POLLOUT, "poll for the non-blocking connect");
	len = sizeof(error);
	check(getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) == 0 &&
		      error == 0,
	      "the non-blocking connect");
	/* Connected: its echo is read like the others'. */
	check(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) == 0,
	      "fcntl");
	fprintf(stderr, "info client_tcp2_fd %d\n", fd);
	fprintf(stderr, "info client_tcp2_port %u\n", local_port(fd));
	return fd;
}

static int client(const char *self, const char *dir)
{
	struct sockaddr_in to = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };
	struct sockaddr_un unix_addr;
	char line[4096], byte = 'x';
	int ready, fds[4], fd, status, i;
	unsigned int port;
	socklen_t len;
	FILE *stream;
	pid_t server;

	fprintf(stderr, "info client_pid %ld\n", (long)getpid());
	server = start_server(self, dir, &ready);
	fprintf(stderr, "info spawned_pid %ld\n", (long)server);

	/* stdio reads inside libc: no event. */
	stream = fdopen(ready, "r");
	check(stream && fscanf(stream, "%u", &port) == 1, "server port");
	fclose(stream);

	/* Refused: no sockname event. */
	to.sin_port = htons(closed_port());
	fd = CALL_FD(socket, AF_INET, SOCK_STREAM, 0);
	CALL(connect, fd, (struct sockaddr *)&to, sizeof(to));
	CALL(close, fd);

	fd = CALL_FD(socket, AF_UNIX, SOCK_DGRAM, 0);
	check(fd >= 0, "socket");
	CALL(connect, fd, &unspec, sizeof(unspec));
	fprintf(stderr, "info client_dgram_fd %d\n", fd);
	CALL(close, fd);

	to.sin_port = htons(port);
	fds[0] = CALL_FD(socket, AF_INET, SOCK_STREAM, 0);
	check(fds[0] >= 0, "socket");
	CALL(connect, fds[0], (struct sockaddr *)&to, sizeof(to));
	fprintf(stderr, "info client_tcp_fd %d\n", fds[0]);
	fprintf(stderr, "info client_tcp_port %u\n", local_port(fds[0]));

	fds[1] = connect_nonblocking(&to);

	fds[2] = CALL_FD(socket, AF_UNIX, SOCK_STREAM, 0);
	check(fds[2] >= 0, "socket");
	len = path_address(&unix_addr, dir);
	CALL(connect, fds[2], (struct sockaddr *)&unix_addr, len);
	fprintf(stderr, "info client_unix_fd %d\n", fds[2]);
	fprintf(stderr, "info unix_path %s\n", unix_addr.sun_path);

	fds[3] = CALL_FD(socket, AF_UNIX, SOCK_STREAM, 0);
	check(fds[3] >= 0, "socket");
	len = abstract_address(&unix_addr, (long)server);
	CALL(connect, fds[3], (struct sockaddr *)&unix_addr, len);
	fprintf(stderr, "info client_abstract_fd %d\n", fds[3]);
	fprintf(stderr, "info abstract_name @%s\n", unix_addr.sun_path + 1);

	for (i = 0; i < 4; i++) {
		CALL(write, fds[i], &byte, 1);
		CALL(read, fds[i], &byte, 1);
		CALL(close, fds[i]);
	}

	check(waitpid(server, &status, 0) == server, "waitpid");
	expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "server status");

	/* The server's lines, after the client's. */
	snprintf(line, sizeof(line), "%s/server.out", dir);
	stream = fopen(line, "r");
	check(stream != NULL, "fopen server.out");
	while (fgets(line, sizeof(line), stream)) {
		printf("server %s", line);
	}
	fclose(stream);
	return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	char self[4096];
	ssize_t n;

	/* Lines must come out in call order, even through a pipe. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && strcmp(argv[1], "--server") == 0) {
		return serve(argv[2]);
	}
	if (argc != 2) {
		fprintf(stderr, "usage: sockname-exerciser DIR\n");
		return 2;
	}
	/* The server is this very file (and keeps this program's name). */
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	check(n > 0 && (size_t)n < sizeof(self) - 1, "readlink");
	self[n] = '\0';
	return client(self, argv[1]);
}
