/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * http-read-cost: times read() in a tight loop on a pipe, to measure what
 * the http event of liblttng-analyzer-syscalls.so adds to a read (run it
 * under LD_PRELOAD; bench/http-read-cost.sh does, in each configuration).
 *
 * Each iteration writes PAYLOAD into the pipe with a raw write system call,
 * which the preload library does not see, and reads it back with read(),
 * which it traces. Prints the mean nanoseconds per iteration.
 *
 * Usage: http-read-cost PAYLOAD ITERATIONS
 *   PAYLOAD: `text` (80 bytes that do not start like a request), `request`
 *   (an 80-byte request head) or `request-16k` (the same head, then 16 KiB
 *   of 80-byte lines, all scanned).
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define REQUEST                                                       \
	"GET /index.html HTTP/1.1\r\nHost: localhost\r\nUser-Agent: " \
	"bench\r\nAccept: */*\r\n\r\n"

static char payload[20000];
static char buf[sizeof(payload)];

static size_t make_payload(const char *kind)
{
	size_t len = strlen(REQUEST), i;

	memcpy(payload, REQUEST, len);
	if (strcmp(kind, "text") == 0) {
		payload[0] = 'g';
	} else if (strcmp(kind, "request-16k") == 0) {
		for (i = 0; i < 16384; i++) {
			payload[len + i] = i % 80 == 79 ? '\n' : 'x';
		}
		len += 16384;
	} else if (strcmp(kind, "request") != 0) {
		return 0;
	}
	return len;
}

int main(int argc, char **argv)
{
	struct timespec start, end;
	long iterations, i;
	int fds[2];
	size_t len;
	double ns;

	if (argc != 3 || !(len = make_payload(argv[1])) ||
	    (iterations = atol(argv[2])) <= 0) {
		fprintf(stderr, "usage: %s text|request|request-16k N\n",
			argv[0]);
		return 2;
	}
	if (pipe(fds)) {
		perror("pipe");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (i = 0; i < iterations; i++) {
		if (syscall(SYS_write, fds[1], payload, len) != (long)len ||
		    read(fds[0], buf, sizeof(buf)) != (ssize_t)len) {
			perror("pipe write or read");
			return 1;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &end);
	ns = (end.tv_sec - start.tv_sec) * 1e9 + (end.tv_nsec - start.tv_nsec);
	printf("%.0f ns per iteration\n", ns / iterations);
	return 0;
}
