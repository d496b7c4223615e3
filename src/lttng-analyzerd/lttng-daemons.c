/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The relay daemon and session daemon lttng-analyzerd runs as children.
 * See lttng-daemons.h.
 */
#include "lttng-daemons.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "control.h"

/* LTTng's default ports. */
#define DEFAULT_CTRL_PORT 5342
#define DEFAULT_DATA_PORT 5343
#define DEFAULT_LIVE_PORT 5344

#define READY_TIMEOUT_MS 20000
#define STOP_TIMEOUT_MS 5000
#define START_ATTEMPTS 3

struct child {
	pid_t pid; /* 0: none. */
	bool exited;
	int status;
};

struct lta_lttng_daemons {
	pthread_mutex_t lock; /* Guards the children's state. */
	struct lta_lttng_daemons_view view;
	struct child relayd, sessiond;
	char output_dir[1024]; /* MANAGED: for a restart. */
	bool relayd_lost;      /* A restart failed: tried again. */
};

const char *lta_relayd_mode_name(enum lta_relayd_mode mode)
{
	switch (mode) {
	case LTA_RELAYD_MANAGED:
		return "managed";
	case LTA_RELAYD_EXTERNAL:
		return "external";
	default:
		return "none";
	}
}

static int parse_port(const char *s, size_t n, uint16_t *port)
{
	unsigned long v = 0;
	size_t i;

	if (n == 0 || n > 5) {
		return -EINVAL;
	}
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9') {
			return -EINVAL;
		}
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v == 0 || v > 65535) {
		return -EINVAL;
	}
	*port = (uint16_t)v;
	return 0;
}

int lta_lttng_parse_relayd_url(const char *url, char *host, size_t host_size,
			       uint16_t *ctrl, uint16_t *data)
{
	const char *p, *colon;
	size_t n;

	*ctrl = 0;
	*data = 0;
	if (strncmp(url, "net://", 6) == 0 || strncmp(url, "tcp://", 6) == 0) {
		p = url + 6;
	} else {
		return -EINVAL;
	}
	/* A host name or IPv4 address, or an IPv6 one in brackets (kept). */
	if (*p == '[') {
		const char *close = strchr(p, ']');
		char inside[INET6_ADDRSTRLEN];
		unsigned char bin[sizeof(struct in6_addr)];

		n = close ? (size_t)(close - p - 1) : 0;
		if (n == 0 || n >= sizeof(inside)) {
			return -EINVAL;
		}
		memcpy(inside, p + 1, n);
		inside[n] = '\0';
		if (inet_pton(AF_INET6, inside, bin) != 1) {
			return -EINVAL;
		}
		n += 2;
	} else {
		for (n = 0; isalnum((unsigned char)p[n]) || p[n] == '.' ||
			    p[n] == '-' || p[n] == '_';
		     n++) {
		}
	}
	if (n == 0 || n >= host_size) {
		return -EINVAL;
	}
	memcpy(host, p, n);
	host[n] = '\0';
	p += n;
	if (*p == ':') {
		p++;
		colon = strchr(p, ':');
		n = colon ? (size_t)(colon - p) : strlen(p);
		if (parse_port(p, n, ctrl)) {
			return -EINVAL;
		}
		p += n;
		if (*p == ':') {
			p++;
			if (parse_port(p, strlen(p), data)) {
				return -EINVAL;
			}
			p += strlen(p);
		}
	}
	return *p == '\0' || strcmp(p, "/") == 0 ? 0 : -EINVAL;
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* A loopback port nobody listens on now (the kernel's choice). */
static int free_port(uint16_t *port)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd, ret = -1;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		return -errno;
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sin, &len) == 0) {
		*port = ntohs(sin.sin_port);
		ret = 0;
	} else {
		ret = -errno;
	}
	close(fd);
	return ret;
}

static bool port_answers(uint16_t port)
{
	struct sockaddr_in sin;
	int fd;
	bool ok;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		return false;
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(port);
	ok = connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0;
	close(fd);
	return ok;
}

/*
 * Starts ARGV as a child whose output goes to LOG (appended). The child
 * gets the default signal state back (the daemon blocks its signals for
 * sigwait() and ignores SIGPIPE), its own process group (a terminal's ^C
 * is the daemon's to handle), and SIGTERM when the daemon dies.
 */
static int spawn(char *const argv[], const char *log, pid_t *pid)
{
	sigset_t none;
	pid_t child;
	int fd;

	fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (fd < 0) {
		return -errno;
	}
	child = fork();
	if (child < 0) {
		close(fd);
		return -errno;
	}
	if (child == 0) {
		int null = open("/dev/null", O_RDONLY);

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (null >= 0) {
			dup2(null, STDIN_FILENO);
		}
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		execvp(argv[0], argv);
		dprintf(fd, "lttng-analyzerd: cannot run %s: %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	close(fd);
	*pid = child;
	return 0;
}

/* Reaps CHILD if it exited. Lock held (or single-threaded). */
static void poll_child(struct child *child)
{
	int status;

	if (child->pid <= 0 || child->exited) {
		return;
	}
	if (waitpid(child->pid, &status, WNOHANG) == child->pid) {
		child->exited = true;
		child->status = status;
	}
}

static void stop_child(struct child *child, const char *what)
{
	int64_t deadline;

	if (child->pid <= 0) {
		return;
	}
	poll_child(child);
	if (!child->exited) {
		kill(child->pid, SIGTERM);
		deadline = mono_ms() + STOP_TIMEOUT_MS;
		while (poll_child(child),
		       !child->exited && mono_ms() < deadline) {
			sleep_ms(20);
		}
		if (!child->exited) {
			LTA_LOGW("Killing a daemon that did not stop: %s, "
				 "pid=%d",
				 what, (int)child->pid);
			kill(child->pid, SIGKILL);
			if (waitpid(child->pid, &child->status, 0) ==
			    child->pid) {
				child->exited = true;
			}
		}
	}
	LTA_LOGI("Stopped %s: pid=%d, status=%d", what, (int)child->pid,
		 child->status);
}

/*
 * Starts the managed relay daemon on free loopback ports, or, with
 * SAME_PORTS, on the ports it had (a restart: sessions send to those, and
 * analyses read from that live port).
 */
static int start_relayd(struct lta_lttng_daemons *d, const char *output_dir,
			bool same_ports, char *error, size_t size)
{
	char traces[1100], log[1100], ctrl[64], data[64], live[64];
	struct lta_lttng_daemons_view *v = &d->view;
	int attempt, ret = 0;
	int64_t deadline;

	if (mkdir(output_dir, 0750) && errno != EEXIST) {
		snprintf(error, size,
			 "Cannot create the relay daemon's folder: "
			 "dir=\"%s\", error=\"%s\"",
			 output_dir, strerror(errno));
		return -1;
	}
	snprintf(traces, sizeof(traces), "%s/traces", output_dir);
	snprintf(log, sizeof(log), "%s/lttng-relayd.log", output_dir);
	/*
	 * A port the kernel just gave can be taken again before the relay
	 * daemon binds it: then it exits, and we try other ports.
	 */
	for (attempt = 0; attempt < START_ATTEMPTS; attempt++) {
		char *argv[] = { "lttng-relayd", "-o", traces, "-C", ctrl,
				 "-D",		 data, "-L",   live, NULL };

		if (!same_ports && (free_port(&v->relayd_ctrl_port) ||
				    free_port(&v->relayd_data_port) ||
				    free_port(&v->relayd_live_port))) {
			snprintf(error, size, "Cannot find free ports");
			return -1;
		}
		snprintf(ctrl, sizeof(ctrl), "tcp://127.0.0.1:%u",
			 v->relayd_ctrl_port);
		snprintf(data, sizeof(data), "tcp://127.0.0.1:%u",
			 v->relayd_data_port);
		snprintf(live, sizeof(live), "tcp://127.0.0.1:%u",
			 v->relayd_live_port);
		memset(&d->relayd, 0, sizeof(d->relayd));
		ret = spawn(argv, log, &d->relayd.pid);
		if (ret) {
			snprintf(error, size,
				 "Cannot start lttng-relayd: error=\"%s\"",
				 strerror(-ret));
			return -1;
		}
		deadline = mono_ms() + READY_TIMEOUT_MS;
		for (;;) {
			poll_child(&d->relayd);
			if (d->relayd.exited) {
				break;
			}
			if (port_answers(v->relayd_live_port) &&
			    port_answers(v->relayd_ctrl_port)) {
				snprintf(v->relayd_host, sizeof(v->relayd_host),
					 "127.0.0.1");
				v->relayd_pid = d->relayd.pid;
				LTA_LOGI("Relay daemon started: pid=%d, "
					 "control=%u, data=%u, live=%u, "
					 "output=\"%s\"",
					 (int)d->relayd.pid,
					 v->relayd_ctrl_port,
					 v->relayd_data_port,
					 v->relayd_live_port, traces);
				return 0;
			}
			if (mono_ms() > deadline) {
				stop_child(&d->relayd, "lttng-relayd");
				snprintf(error, size,
					 "lttng-relayd did not listen within "
					 "%d ms: log=\"%s\"",
					 READY_TIMEOUT_MS, log);
				d->relayd.pid = 0;
				return -1;
			}
			sleep_ms(20);
		}
		LTA_LOGI("lttng-relayd exited at start: status=%d, "
			 "attempt=%d, log=\"%s\"",
			 d->relayd.status, attempt + 1, log);
	}
	d->relayd.pid = 0;
	snprintf(error, size,
		 "lttng-relayd exited at start %d times: see \"%s\"",
		 START_ATTEMPTS, log);
	return -1;
}

static int start_sessiond(struct lta_lttng_daemons *d, const char *output_dir,
			  char *error, size_t size)
{
	char log[1100];
	char *argv[] = { "lttng-sessiond", NULL };
	int64_t deadline;
	int ret;

	if (mkdir(output_dir, 0750) && errno != EEXIST) {
		snprintf(error, size, "Cannot create \"%s\": %s", output_dir,
			 strerror(errno));
		return -1;
	}
	snprintf(log, sizeof(log), "%s/lttng-sessiond.log", output_dir);
	ret = spawn(argv, log, &d->sessiond.pid);
	if (ret) {
		snprintf(error, size,
			 "Cannot start lttng-sessiond: error=\"%s\"",
			 strerror(-ret));
		return -1;
	}
	deadline = mono_ms() + READY_TIMEOUT_MS;
	while (!lta_control_sessiond_alive()) {
		poll_child(&d->sessiond);
		if (d->sessiond.exited || mono_ms() > deadline) {
			stop_child(&d->sessiond, "lttng-sessiond");
			d->sessiond.pid = 0;
			snprintf(error, size,
				 "lttng-sessiond did not become ready: "
				 "log=\"%s\"",
				 log);
			return -1;
		}
		sleep_ms(50);
	}
	d->view.sessiond_managed = true;
	d->view.sessiond_pid = d->sessiond.pid;
	LTA_LOGI("Session daemon started: pid=%d, log=\"%s\"",
		 (int)d->sessiond.pid, log);
	return 0;
}

struct lta_lttng_daemons *
lta_lttng_daemons_start(const struct lta_lttng_daemons_config *config,
			char *error, size_t size)
{
	struct lta_lttng_daemons *d = calloc(1, sizeof(*d));
	struct lta_lttng_daemons_view *v;

	if (!d) {
		snprintf(error, size, "Out of memory");
		return NULL;
	}
	pthread_mutex_init(&d->lock, NULL);
	v = &d->view;
	v->relayd_mode = config->relayd_mode;
	if (gethostname(v->hostname, sizeof(v->hostname) - 1)) {
		snprintf(v->hostname, sizeof(v->hostname), "localhost");
	}
	if (config->start_sessiond && !lta_control_sessiond_alive() &&
	    start_sessiond(d, config->output_dir, error, size)) {
		goto error;
	}
	switch (config->relayd_mode) {
	case LTA_RELAYD_MANAGED:
		snprintf(d->output_dir, sizeof(d->output_dir), "%s",
			 config->output_dir);
		if (start_relayd(d, config->output_dir, false, error, size)) {
			goto error;
		}
		v->relayd_running = true;
		break;
	case LTA_RELAYD_EXTERNAL:
		snprintf(v->relayd_host, sizeof(v->relayd_host), "%s",
			 config->relayd_host);
		v->relayd_ctrl_port = config->relayd_ctrl_port
					      ? config->relayd_ctrl_port
					      : DEFAULT_CTRL_PORT;
		v->relayd_data_port = config->relayd_data_port
					      ? config->relayd_data_port
					      : DEFAULT_DATA_PORT;
		v->relayd_live_port = config->relayd_live_port
					      ? config->relayd_live_port
					      : DEFAULT_LIVE_PORT;
		break;
	case LTA_RELAYD_NONE:
		break;
	}
	return d;

error:
	lta_lttng_daemons_stop(d);
	return NULL;
}

void lta_lttng_daemons_view(struct lta_lttng_daemons *d,
			    struct lta_lttng_daemons_view *view)
{
	pthread_mutex_lock(&d->lock);
	poll_child(&d->relayd);
	poll_child(&d->sessiond);
	d->view.relayd_running = d->relayd.pid > 0 && !d->relayd.exited;
	d->view.sessiond_running = d->sessiond.pid > 0 && !d->sessiond.exited;
	*view = d->view;
	pthread_mutex_unlock(&d->lock);
}

bool lta_lttng_daemons_watch(struct lta_lttng_daemons *d)
{
	char error[1024];
	bool restarted = false;

	if (!d || d->view.relayd_mode != LTA_RELAYD_MANAGED) {
		return false;
	}
	pthread_mutex_lock(&d->lock);
	poll_child(&d->relayd);
	if ((d->relayd.pid > 0 && d->relayd.exited) || d->relayd_lost) {
		LTA_LOGW("The relay daemon died: restarting it on its ports: "
			 "pid=%d, status=%d, control=%u, data=%u, live=%u",
			 (int)d->relayd.pid, d->relayd.status,
			 d->view.relayd_ctrl_port, d->view.relayd_data_port,
			 d->view.relayd_live_port);
		if (!d->relayd_lost) {
			d->view.relayd_restarts++;
		}
		if (start_relayd(d, d->output_dir, true, error,
				 sizeof(error))) {
			/* Tried again at the next watch. */
			LTA_LOGE("Cannot restart the relay daemon: %s", error);
			d->relayd_lost = true;
		} else {
			d->relayd_lost = false;
			restarted = true;
		}
	}
	pthread_mutex_unlock(&d->lock);
	return restarted;
}

void lta_lttng_daemons_stop(struct lta_lttng_daemons *d)
{
	if (!d) {
		return;
	}
	pthread_mutex_lock(&d->lock);
	/* The session daemon first: it flushes to the relay daemon. */
	stop_child(&d->sessiond, "lttng-sessiond");
	stop_child(&d->relayd, "lttng-relayd");
	pthread_mutex_unlock(&d->lock);
	pthread_mutex_destroy(&d->lock);
	free(d);
}
