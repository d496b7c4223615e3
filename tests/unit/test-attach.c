/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Sessions given by pattern (src/lttng-analyzerd/attach.h) and the
 * listing of a relay daemon's live sessions (lib/decode/live-sessions.h):
 * which patterns are taken, what a relay daemon that is not there gives
 * (an error, shown by the view, and no analysis started), and that a
 * listing can be interrupted. The listing of a real relay daemon, and the
 * analyses started from it, are tests/integration/test-fleet-vms.sh's.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "analysis.h"
#include "attach.h"
#include "decode/live-sessions.h"
#include "tap.h"

/* The analyses the attach thread starts: none here, counted. */
static int starts;

int lta_analyses_start(struct lta_analyses *m, const char *url,
		       const char *path, int64_t *id, char *error, size_t size)
{
	(void)m;
	(void)url;
	(void)path;
	(void)error;
	(void)size;
	starts++;
	*id = starts;
	return 0;
}

int lta_analyses_is_running(struct lta_analyses *m, int64_t id)
{
	(void)m;
	(void)id;
	return 0;
}

/* A loopback port nothing listens on (bound, then closed). */
static uint16_t closed_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	uint16_t port = 0;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0) {
		port = ntohs(a.sin_port);
	}
	if (fd >= 0) {
		close(fd);
	}
	return port;
}

static void test_check(void)
{
	static const char *const good[] = {
		"net://127.0.0.1:5344/host/web*/*",
		"net://relay.example.org/host/vm-?/bench-[0-9]*",
		"net://[::1]:5344/host/*/*",
	};
	static const char *const bad[] = {
		"net://relay/host/*",	   "tcp://relay/host/a/b",
		"net://relay/host/a/b/c",  "net://relay:0/host/a/b",
		"net://relay/session/a/b", "",
	};
	char error[1024];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ok(lta_attach_check(good[i], error, sizeof(error)) == 0,
		   "pattern taken: %s", good[i]);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		error[0] = '\0';
		ok(lta_attach_check(bad[i], error, sizeof(error)) == -EINVAL &&
			   strstr(error, "net://RELAY"),
		   "pattern refused with what is expected: \"%s\"", bad[i]);
	}
	ok(lta_attach_claim("web1", "bench"),
	   "every session is claimed (no lease yet)");
}

static void test_lister(uint16_t port)
{
	struct lta_live_session *sessions = (void *)1;
	struct lta_live_lister *lister;
	char error[512] = "", url[64];
	int ret;

	lister = lta_live_lister_create(error, sizeof(error));
	if (!lister) {
		skip(4, error);
		return;
	}
	snprintf(url, sizeof(url), "net://127.0.0.1:%u", port);
	ret = lta_live_lister_list(lister, "127.0.0.1", port, &sessions, error,
				   sizeof(error));
	is_int(ret, -EIO, "no relay daemon: -EIO");
	ok(strstr(error, url) != NULL, "the error names the relay daemon: %s",
	   error);
	ok(sessions == NULL, "and no list");
	lta_live_lister_interrupt(lister);
	ret = lta_live_lister_list(lister, "127.0.0.1", port, &sessions, error,
				   sizeof(error));
	is_int(ret, -ECANCELED, "an interrupted lister lists nothing");
	lta_live_lister_destroy(lister);
}

static void test_attach(uint16_t port)
{
	struct lta_attach_pattern_view views[2];
	const char *patterns[2];
	char a[128], b[128], error[1024];
	struct lta_attach *attach;
	struct timespec pause = { 0, 20 * 1000 * 1000 };
	size_t n = 0;
	int i;

	snprintf(a, sizeof(a), "net://127.0.0.1:%u/host/web*/*", port);
	snprintf(b, sizeof(b), "net://127.0.0.1:%u/host/db1/bench", port);
	patterns[0] = a;
	patterns[1] = b;
	attach = lta_attach_start(patterns, 2, 100, NULL, error, sizeof(error));
	if (!attach) {
		skip(4, error);
		return;
	}
	/* Bounded: 5 s for a first listing to fail. */
	for (i = 0; i < 250; i++) {
		n = lta_attach_view(attach, views, 2);
		if (n == 2 && views[0].last_error[0] &&
		    views[1].last_error[0]) {
			break;
		}
		nanosleep(&pause, NULL);
	}
	is_int(n, 2, "the view shows both patterns");
	is_str(views[0].pattern, a, "in the order given");
	ok(views[0].last_error[0] && views[1].last_error[0] &&
		   views[0].listings == 0 && views[1].listings == 0,
	   "a relay daemon that is not there: both show the error, no "
	   "listing (%s)",
	   views[0].last_error);
	lta_attach_stop(attach);
	is_int(starts, 0, "and no analysis was started");
}

/*
 * A relay daemon whose host drops the connection requests (a loopback
 * listener whose accept queue is full: the kernel drops further SYNs):
 * each listing gives up after the probe's second, and the stop does not
 * wait for lttng-live's connect.
 */
static void test_silent_relay(void)
{
	struct sockaddr_in addr = { .sin_family = AF_INET };
	struct lta_attach_pattern_view view;
	struct timespec pause = { 0, 20 * 1000 * 1000 }, t0, t1;
	socklen_t len = sizeof(addr);
	int listener, filler[8], i, n = 0;
	struct lta_attach *attach;
	const char *patterns[1];
	char pattern[128], error[1024];
	double seconds;

	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	listener = socket(AF_INET, SOCK_STREAM, 0);
	if (listener < 0 || bind(listener, (struct sockaddr *)&addr, len) ||
	    getsockname(listener, (struct sockaddr *)&addr, &len) ||
	    listen(listener, 0)) {
		skip(2, "no loopback listener");
		return;
	}
	/* Fill the accept queue (never accepted). */
	for (i = 0; i < 8; i++) {
		filler[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		connect(filler[i], (struct sockaddr *)&addr, sizeof(addr));
	}
	nanosleep(&pause, NULL);
	snprintf(pattern, sizeof(pattern), "net://127.0.0.1:%u/host/*/*",
		 ntohs(addr.sin_port));
	patterns[0] = pattern;
	attach = lta_attach_start(patterns, 1, 100, NULL, error, sizeof(error));
	if (!attach) {
		skip(2, error);
		goto end;
	}
	/* Bounded: 5 s for a listing to give up. */
	for (i = 0; i < 250; i++) {
		n = (int)lta_attach_view(attach, &view, 1);
		if (n == 1 && view.last_error[0]) {
			break;
		}
		nanosleep(&pause, NULL);
	}
	ok(n == 1 && strstr(view.last_error, "timed out"),
	   "a relay daemon that drops connections: the listing gives up (%s)",
	   view.last_error);
	lta_attach_stop(attach);
	/* Stopped while its first listing waits for the relay daemon. */
	attach = lta_attach_start(patterns, 1, 100, NULL, error, sizeof(error));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	lta_attach_stop(attach);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	seconds = (double)(t1.tv_sec - t0.tv_sec) +
		  (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	ok(attach && seconds < 2.5,
	   "a stop during a listing returns within the probe's time (%.2f s)",
	   seconds);
end:
	for (i = 0; i < 8; i++) {
		if (filler[i] >= 0) {
			close(filler[i]);
		}
	}
	close(listener);
}

int main(void)
{
	uint16_t port = closed_port();

	plan_no_plan();
	test_check();
	test_lister(port);
	test_attach(port);
	test_silent_relay();
	return exit_status();
}
