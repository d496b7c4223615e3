/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fault-server: a small HTTP server instrumented with <lttng-analyzer/rbl.h>,
 * and the backend it calls, for fault-injection campaigns against
 * lttng-analyzerd. One binary plays both roles; a campaign starts one
 * backend, then one server pointed at it, sends it HTTP requests, and
 * checks that the daemon reports the injected fault (and nothing else).
 *
 *   fault-server backend --port P
 *   fault-server serve --port P --backend-port B
 *                [--fault none|service-hang|interaction-hang|crash|slow]
 *                [--fault-at N] [--slow-ms M] [--work-us U] [--entity NAME]
 *
 * Both listen on 127.0.0.1 (port 0: any free port), serve each connection
 * on its own detached thread (at most 256 at once; past that, a new
 * connection is closed at once), and print `READY port=<port> pid=<pid>`
 * on stdout once listening. SIGTERM or SIGINT ends them at once with
 * status 0, even while a thread hangs.
 *
 * Backend protocol, one line per command, on a plain TCP connection:
 *   PING       answered `PONG\n` at once;
 *   SLOW <ms>  answered `PONG\n` after sleeping <ms> milliseconds;
 *   HANG       never answered: the backend reads until the peer closes;
 *   other      answered `ERR\n`.
 *
 * Server: each HTTP connection carries one request (the head is read up to
 * its blank line, 8 KiB at most; the body, if any, is ignored), numbered n
 * = 1, 2, ... in arrival order. A normal request is one service "request"
 * containing one interaction "backend", both keyed by n:
 *   SST(entity, request, n); spin U us;
 *   IST(entity, backend, n); connect to B, `PING\n`, read `PONG\n`, close;
 *   IEN(entity, backend, n); answer 200 "ok n" (502 if the backend failed);
 *   SEN(entity, request, n); close.
 *
 * Request n == N (--fault-at, 0: never) gets the fault instead, announced
 * right before it acts by one line on stdout:
 *   FAULT type=<type> request=<n> pid=<pid> tid=<tid> ts_ns=<realtime ns>
 *   service-hang      after SST, spins forever: no IST, no SEN;
 *   interaction-hang  after SST and IST, sends `HANG\n` to the backend and
 *                     waits forever for the answer: no IEN, no SEN;
 *   crash             after SST, dies by SIGSEGV (status 139 in a shell);
 *   slow              the normal path, but the work spins 2 x U us and the
 *                     backend is asked `SLOW <M>\n`: late, within bounds.
 * Other requests are served meanwhile by their own threads. Nothing else is
 * written on stdout; errors go to stderr.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "lttng-analyzer/rbl.h"

#define PROGRAM_NAME "fault-server"
#define MAX_CONNECTIONS 256
#define MAX_HEAD_SIZE 8192
#define MAX_LINE_SIZE 256

enum fault {
	FAULT_NONE,
	FAULT_SERVICE_HANG,
	FAULT_INTERACTION_HANG,
	FAULT_CRASH,
	FAULT_SLOW,
};

static const char *const fault_names[] = {
	[FAULT_NONE] = "none",
	[FAULT_SERVICE_HANG] = "service-hang",
	[FAULT_INTERACTION_HANG] = "interaction-hang",
	[FAULT_CRASH] = "crash",
	[FAULT_SLOW] = "slow",
};

/* What `serve` was asked to do; set before the first thread starts. */
struct server_config {
	uint16_t backend_port;
	enum fault fault;
	uint64_t fault_at;
	long slow_ms;
	long work_us;
	const char *entity; /* Borrowed from argv. */
};

/* What a connection thread serves: one accepted socket, owned by it. */
struct connection {
	int fd;
	bool is_backend;
};

/* Buffered reads of '\n'-terminated lines from a socket. */
struct line_reader {
	int fd;
	size_t len;
	char buf[MAX_LINE_SIZE];
};

static struct server_config server;
static atomic_uint_fast64_t request_count;
static atomic_int connection_count;

static void usage(void)
{
	fprintf(stderr,
		"usage: " PROGRAM_NAME " backend --port P\n"
		"       " PROGRAM_NAME " serve --port P --backend-port B\n"
		"           [--fault none|service-hang|interaction-hang|"
		"crash|slow]\n"
		"           [--fault-at N] [--slow-ms M] [--work-us U] "
		"[--entity NAME]\n");
}

/* Parses a whole decimal argument within [min, max]; 0 or -EINVAL. */
static int parse_long(const char *text, long min, long max, long *value)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || v < min || v > max) {
		return -EINVAL;
	}
	*value = v;
	return 0;
}

static int parse_fault(const char *text, enum fault *fault)
{
	size_t i;

	for (i = 0; i < sizeof(fault_names) / sizeof(fault_names[0]); i++) {
		if (strcmp(text, fault_names[i]) == 0) {
			*fault = (enum fault)i;
			return 0;
		}
	}
	return -EINVAL;
}

static uint64_t clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * UINT64_C(1000000000) +
	       (uint64_t)ts.tv_nsec;
}

/* Busy work: the service's computation, on the CPU, not asleep. */
static void spin_us(long us)
{
	uint64_t end = clock_ns(CLOCK_MONOTONIC) + (uint64_t)us * 1000;

	while (clock_ns(CLOCK_MONOTONIC) < end) {
	}
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
	}
}

/* Sends all of BUF; 0, or -1 when the peer is gone. */
static int send_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Reads the next line, without its '\n' (nor a '\r' before it), into LINE
 * of CAP bytes. Returns 1 for a line, 0 at end of file, -1 on an error or a
 * line longer than the reader's buffer.
 */
static int read_line(struct line_reader *reader, char *line, size_t cap)
{
	for (;;) {
		char *nl = memchr(reader->buf, '\n', reader->len);
		ssize_t n;

		if (nl != NULL) {
			size_t len = (size_t)(nl - reader->buf);
			size_t copy = len;

			if (copy > 0 && reader->buf[copy - 1] == '\r') {
				copy--;
			}
			if (copy >= cap) {
				return -1;
			}
			memcpy(line, reader->buf, copy);
			line[copy] = '\0';
			reader->len -= len + 1;
			memmove(reader->buf, nl + 1, reader->len);
			return 1;
		}
		if (reader->len == sizeof(reader->buf)) {
			return -1;
		}
		n = recv(reader->fd, reader->buf + reader->len,
			 sizeof(reader->buf) - reader->len, 0);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0) {
			return -1;
		}
		if (n == 0) {
			return 0;
		}
		reader->len += (size_t)n;
	}
}

/* Reads and drops everything until the peer closes (or an error). */
static void drain(int fd)
{
	char buf[512];
	ssize_t n;

	do {
		n = recv(fd, buf, sizeof(buf), 0);
	} while (n > 0 || (n < 0 && errno == EINTR));
}

/* Blocks the calling thread for good: a hang that nothing answers. */
static void __attribute__((noreturn)) block_forever(void)
{
	for (;;) {
		pause();
	}
}

/* Serves one backend connection until the peer closes or HANG. */
static void serve_backend(int fd)
{
	struct line_reader reader = { .fd = fd };
	char line[MAX_LINE_SIZE];
	long ms;

	while (read_line(&reader, line, sizeof(line)) == 1) {
		const char *reply = "PONG\n";

		if (strcmp(line, "HANG") == 0) {
			drain(fd);
			return;
		}
		if (strncmp(line, "SLOW ", 5) == 0 &&
		    parse_long(line + 5, 0, LONG_MAX / 1000, &ms) == 0) {
			sleep_ms(ms);
		} else if (strcmp(line, "PING") != 0) {
			reply = "ERR\n";
		}
		if (send_all(fd, reply, strlen(reply)) != 0) {
			return;
		}
	}
}

/* Prints the FAULT line for request N, flushed, right before it acts. */
static void announce_fault(uint64_t n)
{
	printf("FAULT type=%s request=%" PRIu64
	       " pid=%ld tid=%ld ts_ns=%" PRIu64 "\n",
	       fault_names[server.fault], n, (long)getpid(),
	       (long)syscall(SYS_gettid), clock_ns(CLOCK_REALTIME));
	fflush(stdout);
}

static void __attribute__((noreturn)) spin_forever(void)
{
	/* Volatile: the compiler may not drop a loop with no side effect. */
	volatile uint64_t spins = 0;

	for (;;) {
		spins++;
	}
}

static void __attribute__((noreturn)) crash(void)
{
	/*
	 * Die by SIGSEGV, the default action (a sanitizer's handler would
	 * exit 1 instead). The signal is raised rather than provoked by a
	 * store through NULL: the same death for the kernel and the tracer,
	 * and no undefined behaviour for UBSan to stop at first.
	 */
	signal(SIGSEGV, SIG_DFL);
	raise(SIGSEGV);
	abort();
}

/*
 * Calls the backend once: sends COMMAND, waits for `PONG`. Returns 0 on
 * success, -1 when the backend is unreachable or answers otherwise. With
 * HANG set (the interaction-hang fault), never returns.
 */
static int call_backend(const char *command, bool hang)
{
	struct sockaddr_in addr = {
		.sin_family = AF_INET,
		.sin_port = htons(server.backend_port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	struct line_reader reader = { .fd = -1 };
	char line[MAX_LINE_SIZE];
	int ret = -1;

	reader.fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (reader.fd < 0) {
		goto end;
	}
	if (connect(reader.fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
		goto end;
	}
	if (send_all(reader.fd, command, strlen(command)) != 0) {
		goto end;
	}
	if (hang) {
		/* The answer never comes; if the backend dies, still hang. */
		drain(reader.fd);
		block_forever();
	}
	if (read_line(&reader, line, sizeof(line)) == 1 &&
	    strcmp(line, "PONG") == 0) {
		ret = 0;
	}
end:
	if (reader.fd >= 0) {
		close(reader.fd);
	}
	return ret;
}

/*
 * Reads an HTTP request head, up to and including its blank line. Returns
 * 1 for a head, 0 when the client closed (or failed) first, -1 when the
 * head is larger than MAX_HEAD_SIZE.
 */
static int read_head(int fd)
{
	char head[MAX_HEAD_SIZE];
	size_t len = 0;

	for (;;) {
		ssize_t n;

		if (len == sizeof(head)) {
			return -1;
		}
		n = recv(fd, head + len, sizeof(head) - len, 0);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			return 0;
		}
		len += (size_t)n;
		if (memmem(head, len, "\r\n\r\n", 4) != NULL) {
			return 1;
		}
	}
}

static void respond(int fd, const char *status, const char *body)
{
	char response[256];
	int len;

	len = snprintf(response, sizeof(response),
		       "HTTP/1.1 %s\r\nContent-Type: text/plain\r\n"
		       "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
		       status, strlen(body), body);
	if (len > 0 && (size_t)len < sizeof(response)) {
		/* A client that left early is no error of ours. */
		(void)send_all(fd, response, (size_t)len);
	}
}

/* Serves one HTTP connection: one request, normal or faulty. */
static void serve_http(int fd)
{
	const char *entity = server.entity;
	char command[64] = "PING\n";
	char body[64];
	bool faulty;
	uint64_t n;
	int ret;

	ret = read_head(fd);
	if (ret < 0) {
		respond(fd, "431 Request Header Fields Too Large",
			"request head too large\n");
	}
	if (ret <= 0) {
		return;
	}
	n = atomic_fetch_add(&request_count, 1) + 1;
	faulty = server.fault != FAULT_NONE && n == server.fault_at;

	LTA_RBL_SST_KEY(entity, "request", n);
	if (faulty) {
		/* Each fault is announced right before it acts. */
		switch (server.fault) {
		case FAULT_SERVICE_HANG:
			announce_fault(n);
			spin_forever();
		case FAULT_INTERACTION_HANG:
			LTA_RBL_IST_KEY(entity, "backend", n);
			announce_fault(n);
			call_backend("HANG\n", true);
			block_forever();
		case FAULT_CRASH:
			announce_fault(n);
			crash();
		case FAULT_SLOW:
			announce_fault(n);
			snprintf(command, sizeof(command), "SLOW %ld\n",
				 server.slow_ms);
			break;
		case FAULT_NONE:
			break;
		}
	}
	spin_us(faulty ? 2 * server.work_us : server.work_us);

	LTA_RBL_IST_KEY(entity, "backend", n);
	ret = call_backend(command, false);
	LTA_RBL_IEN_KEY(entity, "backend", n);

	if (ret == 0) {
		snprintf(body, sizeof(body), "ok %" PRIu64 "\n", n);
		respond(fd, "200 OK", body);
	} else {
		respond(fd, "502 Bad Gateway", "backend unreachable\n");
	}
	LTA_RBL_SEN_KEY(entity, "request", n);
}

static void *connection_thread(void *arg)
{
	struct connection *connection = arg;

	if (connection->is_backend) {
		serve_backend(connection->fd);
	} else {
		serve_http(connection->fd);
	}
	close(connection->fd);
	free(connection);
	atomic_fetch_sub(&connection_count, 1);
	return NULL;
}

/*
 * Ends the process on SIGTERM or SIGINT, which every other thread blocks.
 * A hung thread never returns, so there is nothing to join: flush stdout
 * and leave at once.
 */
static void *signal_thread(void *arg)
{
	sigset_t *signals = arg;
	int signal_number;

	while (sigwait(signals, &signal_number) != 0) {
	}
	fflush(stdout);
	_exit(0);
}

/* Opens the listening socket on 127.0.0.1:PORT; the fd, or -1. */
static int listen_on(uint16_t port, uint16_t *actual_port)
{
	struct sockaddr_in addr = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	socklen_t addr_len = sizeof(addr);
	int one = 1;
	int fd;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		goto error;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 ||
	    listen(fd, SOMAXCONN) != 0 ||
	    getsockname(fd, (struct sockaddr *)&addr, &addr_len) != 0) {
		goto error;
	}
	*actual_port = ntohs(addr.sin_port);
	return fd;
error:
	fprintf(stderr,
		PROGRAM_NAME ": Failed to listen: port=%u, error=\"%s\"\n",
		(unsigned)port, strerror(errno));
	if (fd >= 0) {
		close(fd);
	}
	return -1;
}

/* Accepts connections for ever, one detached thread each. */
static void __attribute__((noreturn))
accept_loop(int listen_fd, bool is_backend)
{
	pthread_attr_t attr;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	for (;;) {
		struct connection *connection;
		pthread_t thread;
		int fd;

		fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EINTR && errno != ECONNABORTED) {
				/* Out of fds, say: let some close. */
				fprintf(stderr,
					PROGRAM_NAME
					": Failed to accept: error=\"%s\"\n",
					strerror(errno));
				sleep_ms(10);
			}
			continue;
		}
		if (atomic_fetch_add(&connection_count, 1) >= MAX_CONNECTIONS) {
			goto refuse;
		}
		connection = malloc(sizeof(*connection));
		if (connection == NULL) {
			goto refuse;
		}
		connection->fd = fd;
		connection->is_backend = is_backend;
		if (pthread_create(&thread, &attr, connection_thread,
				   connection) != 0) {
			free(connection);
			goto refuse;
		}
		continue;
	refuse:
		atomic_fetch_sub(&connection_count, 1);
		close(fd);
	}
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "backend-port", required_argument, NULL, 'b' },
		{ "fault", required_argument, NULL, 'f' },
		{ "fault-at", required_argument, NULL, 'a' },
		{ "slow-ms", required_argument, NULL, 's' },
		{ "work-us", required_argument, NULL, 'w' },
		{ "entity", required_argument, NULL, 'e' },
		{ NULL, 0, NULL, 0 },
	};
	static sigset_t signals;
	pthread_t thread;
	bool is_backend;
	long port = 0, backend_port = -1, value;
	uint16_t actual_port;
	int listen_fd, c;

	if (argc < 2 || (strcmp(argv[1], "backend") != 0 &&
			 strcmp(argv[1], "serve") != 0)) {
		usage();
		return 2;
	}
	is_backend = strcmp(argv[1], "backend") == 0;
	server.fault = FAULT_NONE;
	server.slow_ms = 20;
	server.work_us = 200;
	server.entity = "fault-server";
	/* Options follow the role: parse argv[1..] as if argv[1] were argv[0].
	 */
	opterr = 0;
	while ((c = getopt_long(argc - 1, argv + 1, "", options, NULL)) != -1) {
		int ret = 0;

		switch (c) {
		case 'p':
			ret = parse_long(optarg, 0, 65535, &port);
			break;
		case 'b':
			ret = parse_long(optarg, 1, 65535, &backend_port);
			break;
		case 'f':
			ret = parse_fault(optarg, &server.fault);
			break;
		case 'a':
			ret = parse_long(optarg, 0, LONG_MAX, &value);
			server.fault_at = (uint64_t)value;
			break;
		case 's':
			ret = parse_long(optarg, 0, LONG_MAX / 1000,
					 &server.slow_ms);
			break;
		case 'w':
			ret = parse_long(optarg, 0, LONG_MAX / 2000,
					 &server.work_us);
			break;
		case 'e':
			server.entity = optarg;
			break;
		default:
			ret = -EINVAL;
			break;
		}
		if (ret != 0) {
			/*
			 * getopt_long saw ARGV + 1: its optind - 1, the last
			 * argument it took, is our optind.
			 */
			fprintf(stderr,
				PROGRAM_NAME ": Invalid option or value: "
					     "argument=\"%s\"\n",
				optind < argc ? argv[optind] : "");
			usage();
			return 2;
		}
	}
	if (optind != argc - 1 || (!is_backend && backend_port < 0)) {
		usage();
		return 2;
	}
	server.backend_port = (uint16_t)backend_port;

	/*
	 * Threads inherit this mask: only the signal thread takes SIGTERM and
	 * SIGINT. A client or backend gone early must not kill us either.
	 */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&signals);
	sigaddset(&signals, SIGTERM);
	sigaddset(&signals, SIGINT);
	pthread_sigmask(SIG_BLOCK, &signals, NULL);
	if (pthread_create(&thread, NULL, signal_thread, &signals) != 0) {
		fprintf(stderr, PROGRAM_NAME ": Failed to start a thread\n");
		return 1;
	}
	pthread_detach(thread);

	listen_fd = listen_on((uint16_t)port, &actual_port);
	if (listen_fd < 0) {
		return 1;
	}
	printf("READY port=%u pid=%ld\n", (unsigned)actual_port,
	       (long)getpid());
	fflush(stdout);
	accept_loop(listen_fd, is_backend);
}
