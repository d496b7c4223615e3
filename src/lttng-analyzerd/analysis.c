/* SPDX-License-Identifier: GPL-2.0-only */
#include "analysis.h"
#include "analysis-internal.h"
#include "queries.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/htable.h"
#include "common/log.h"
#include "decode/decode.h"
#include "segment/summary.h"
#include "snapshot.h"
#include "worker.h"

extern char **environ;

/* Below this much free space in the data folder, no analysis starts. */
#define MIN_FREE_BYTES (4LL * 1024 * 1024)

/* --- references ------------------------------------------------------------
 */

/* Takes a reference on analysis ID if its worker runs; NULL otherwise. */
static struct analysis *find(struct lta_analyses *m, int64_t id)
{
	struct analysis *a;

	pthread_mutex_lock(&m->lock);
	a = lta_htable_get(&m->by_id, (uint64_t)id);
	if (a) {
		a->refs++;
	}
	pthread_mutex_unlock(&m->lock);
	return a;
}

/* Drops a reference taken by find() (or the table's). */
static void put(struct lta_analyses *m, struct analysis *a)
{
	bool last;

	if (!a) {
		return;
	}
	pthread_mutex_lock(&m->lock);
	last = --a->refs == 0;
	pthread_mutex_unlock(&m->lock);
	if (last) {
		if (a->pipe_fd >= 0) {
			close(a->pipe_fd);
		}
		free(a);
	}
}

void lta_analyses_wake(struct lta_analyses *m)
{
	char c = 1;
	ssize_t n;

	do {
		n = write(m->wake[1], &c, 1);
	} while (n < 0 && errno == EINTR);
}

/*
 * Checks that the relay daemon of URL accepts connections, so that a
 * POST with an unreachable URL is answered at once. Returns 0 or -errno.
 */
static int probe_relay(const char *url, char *error, size_t size)
{
	char host[256], port[16] = "5344";
	const char *p = strstr(url, "://"), *end;
	/* Numeric hosts only are resolved without a DNS query (no delay). */
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res = NULL;
	struct pollfd pfd;
	int fd = -1, ret, soerr = 0;
	socklen_t len = sizeof(soerr);
	size_t n;

	if (!p) {
		snprintf(error, size, "Not a live URL: url=\"%s\"", url);
		return -EINVAL;
	}
	p += 3;
	end = strchr(p, '/');
	if (!end) {
		snprintf(error, size,
			 "Live URL without a session path: "
			 "url=\"%s\"",
			 url);
		return -EINVAL;
	}
	n = (size_t)(end - p);
	if (n == 0 || n >= sizeof(host)) {
		snprintf(error, size,
			 "Live URL without a relay host: "
			 "url=\"%s\"",
			 url);
		return -EINVAL;
	}
	memcpy(host, p, n);
	host[n] = '\0';
	{
		/* [v6]:port, host:port or host; the port is 1..65535. */
		char *close = host[0] == '[' ? strchr(host, ']') : NULL;
		char *colon = close ? (close[1] == ':' ? close + 1 : NULL)
				    : strrchr(host, ':');
		char *digits;
		long v;

		if (host[0] == '[' && (!close || (close[1] && !colon))) {
			snprintf(error, size,
				 "Live URL with a bad IPv6 address: "
				 "url=\"%s\"",
				 url);
			return -EINVAL;
		}
		if (colon) {
			v = strtol(colon + 1, &digits, 10);
			if (colon[1] == '\0' || *digits != '\0' || v < 1 ||
			    v > 65535) {
				snprintf(error, size,
					 "Live URL with a bad port: "
					 "url=\"%s\"",
					 url);
				return -EINVAL;
			}
			snprintf(port, sizeof(port), "%ld", v);
			*colon = '\0';
		}
		if (close) {
			*close = '\0';
			memmove(host, host + 1, strlen(host));
		}
	}
	if (strncmp(end, "/host/", 6) != 0 || !strchr(end + 6, '/')) {
		snprintf(error, size,
			 "Live URL is not net://RELAYD[:PORT]/"
			 "host/HOST/SESSION: url=\"%s\"",
			 url);
		return -EINVAL;
	}
	/*
	 * Numeric addresses only: a name would need a DNS query, which can
	 * take any time, on an HTTP thread. A relay daemon named by a host
	 * name is tried by the worker, whose status says what happened.
	 */
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	ret = getaddrinfo(host, port, &hints, &res);
	if (ret == EAI_NONAME) {
		return 0;
	}
	if (ret) {
		snprintf(error, size,
			 "Cannot resolve relay daemon: host=\"%s\", "
			 "error=\"%s\"",
			 host, gai_strerror(ret));
		return -EHOSTUNREACH;
	}
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd < 0) {
		ret = -errno;
		goto end;
	}
	if (connect(fd, res->ai_addr, res->ai_addrlen) != 0 &&
	    errno != EINPROGRESS) {
		ret = -errno;
		goto end;
	}
	pfd.fd = fd;
	pfd.events = POLLOUT;
	if (poll(&pfd, 1, 500) != 1) {
		ret = -ETIMEDOUT;
		goto end;
	}
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
	ret = -soerr;
end:
	if (ret) {
		snprintf(error, size,
			 "Relay daemon unreachable: host=\"%s\", "
			 "port=%s, error=\"%s\"",
			 host, port, strerror(-ret));
	}
	if (fd >= 0) {
		close(fd);
	}
	freeaddrinfo(res);
	return ret;
}

static uint64_t record_number(const char *json, const char *key)
{
	const char *p = strstr(json, key);

	return p ? strtoull(p + strlen(key), NULL, 10) : 0;
}

struct rebuild {
	struct lta_summary *summary;
	int64_t last_id;
};

/* One stored request into the summary, as when it was handed out. */
static int rebuild_one(const struct lta_store_request *row, void *user_data)
{
	struct rebuild *rb = user_data;
	struct lta_request r;

	memset(&r, 0, sizeof(r));
	r.start = row->start_ns;
	r.end = row->end_ns;
	if (!lta_request_end_from_name(row->end_reason, &r.end_reason)) {
		r.end_reason = LTA_REQUEST_END_OPEN;
	}
	r.incomplete = row->incomplete;
	r.answered_ts = -1;
	if (strstr(row->json, "\"answered_ns\":") &&
	    !strstr(row->json, "\"answered_ns\":null")) {
		r.answered_ts =
			(int64_t)record_number(row->json, "\"answered_ns\":");
	}
	r.bytes_read = record_number(row->json, "\"bytes_read\":");
	r.bytes_written = record_number(row->json, "\"bytes_written\":");
	lta_summary_add(rb->summary, &r);
	rb->last_id = row->id;
	return 0;
}

static void fill_stats(const struct lta_summary *s,
		       struct lta_analysis_stats *stats)
{
	stats->requests = s->requests;
	stats->complete = s->complete;
	stats->keepalive = s->by_end[LTA_REQUEST_END_KEEPALIVE];
	stats->empty = s->by_end[LTA_REQUEST_END_EMPTY];
	stats->aborted = s->by_end[LTA_REQUEST_END_ABORTED];
	stats->open = s->by_end[LTA_REQUEST_END_OPEN];
	stats->replaced = s->by_end[LTA_REQUEST_END_REPLACED];
	stats->incomplete = s->incomplete;
	stats->closed = s->by_end[LTA_REQUEST_END_CLOSE];
	stats->shut_down = s->by_end[LTA_REQUEST_END_SHUTDOWN];
	stats->ends_known = true;
	stats->bytes_read = s->bytes_read;
	stats->bytes_written = s->bytes_written;
	stats->throughput = lta_summary_throughput(s);
	stats->first_start_ns = s->first_start;
	stats->last_end_ns = s->last_end;
	lta_histogram_merge(stats->latency, s->latency);
}

/* --- the supervisor --------------------------------------------------------
 */

static bool still_running_status(const char *status)
{
	static const char *const running[] = { "starting", "connecting",
					       "live",	   "disconnected",
					       "reading",  "paused" };
	size_t i;

	for (i = 0; i < sizeof(running) / sizeof(running[0]); i++) {
		if (strcmp(status, running[i]) == 0) {
			return true;
		}
	}
	return false;
}

/* "SIGSEGV" for SIGSEGV. */
static void signal_name(int sig, char *buf, size_t size)
{
	const char *abbrev = sigabbrev_np(sig);

	if (abbrev) {
		snprintf(buf, size, "SIG%s", abbrev);
	} else {
		snprintf(buf, size, "signal %d", sig);
	}
}

/*
 * The worker of A exited with wait STATUS: the analysis's final row. A
 * worker that ended normally wrote it; one that died did not: the daemon
 * writes it, counting what the store holds.
 */
static void worker_gone(struct lta_analyses *m, struct analysis *a, int status)
{
	struct lta_store_analysis row;
	char reason[LTA_STORE_REASON_MAX] = "";
	const char *final = NULL;
	char sig[32];

	if (lta_store_analysis_get(m->store, a->id, &row)) {
		LTA_LOGE("Cannot read a finished analysis: id=%lld, "
			 "error=\"%s\"",
			 (long long)a->id, lta_store_error());
		return;
	}
	if (WIFSIGNALED(status)) {
		signal_name(WTERMSIG(status), sig, sizeof(sig));
		if (a->stop_requested && WTERMSIG(status) == SIGKILL) {
			final = "stopped";
			snprintf(reason, sizeof(reason),
				 "stopped by request (the worker did not stop "
				 "within %d ms and was killed)",
				 m->options.stop_ms);
		} else {
			final = "failed";
			snprintf(reason, sizeof(reason),
				 "decoder crashed: %s (worker pid %d; what it "
				 "had stored is kept)",
				 sig, (int)a->pid);
		}
		LTA_LOGW("Analysis worker killed: id=%lld, pid=%d, signal=%s",
			 (long long)a->id, (int)a->pid, sig);
	} else if (WIFEXITED(status) && WEXITSTATUS(status) != 0 &&
		   still_running_status(row.status)) {
		final = "failed";
		snprintf(reason, sizeof(reason),
			 "the worker exited with status %d%s%.400s",
			 WEXITSTATUS(status), a->reported ? ": " : "",
			 a->reported ? a->reason : "");
	} else if (still_running_status(row.status)) {
		/* Exited 0 without a final status: should not happen. */
		final = "ended";
		snprintf(reason, sizeof(reason),
			 "the worker exited without a final status");
	}
	if (!final) {
		LTA_LOGI("Analysis worker finished: id=%lld, pid=%d, "
			 "status=%s",
			 (long long)a->id, (int)a->pid, row.status);
		return;
	}
	if (lta_store_analysis_finish(m->store, a->id, final, reason)) {
		LTA_LOGE("Cannot store a finished analysis: id=%lld, "
			 "error=\"%s\"",
			 (long long)a->id, lta_store_error());
	}
}

/* One line the worker wrote: {"status":..., "reason":..., "pending":N}. */
static void worker_said(struct lta_analyses *m, struct analysis *a,
			const char *line)
{
	json_t *j = json_loads(line, 0, NULL);
	const char *status = json_string_value(json_object_get(j, "status"));
	const char *reason = json_string_value(json_object_get(j, "reason"));

	if (status) {
		pthread_mutex_lock(&m->lock);
		a->reported = true;
		snprintf(a->status, sizeof(a->status), "%s", status);
		snprintf(a->reason, sizeof(a->reason), "%s",
			 reason ? reason : "");
		a->pending = json_integer_value(json_object_get(j, "pending"));
		pthread_mutex_unlock(&m->lock);
	}
	json_decref(j);
}

/*
 * Reads what is there on A's pipe. Returns false at end of file: the
 * worker is gone (it holds the only write end).
 */
static bool read_pipe(struct lta_analyses *m, struct analysis *a)
{
	char buf[1024];
	ssize_t n = read(a->pipe_fd, buf, sizeof(buf));
	ssize_t i;

	if (n < 0) {
		return errno == EINTR || errno == EAGAIN;
	}
	if (n == 0) {
		return false;
	}
	for (i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			a->line[a->line_len] = '\0';
			worker_said(m, a, a->line);
			a->line_len = 0;
		} else if (a->line_len < sizeof(a->line) - 1) {
			a->line[a->line_len++] = buf[i];
		}
	}
	return true;
}

static void reap(struct lta_analyses *m, struct analysis *a)
{
	int status = 0;
	pid_t r;

	do {
		r = waitpid(a->pid, &status, 0);
	} while (r < 0 && errno == EINTR);
	if (r == a->pid) {
		worker_gone(m, a, status);
	}
	if (lta_analyses_lease_end(m, a)) {
		/* Another daemon analyzes it now: standby, no worker. */
		return;
	}
	pthread_mutex_lock(&m->lock);
	lta_htable_remove(&m->by_id, (uint64_t)a->id);
	pthread_cond_broadcast(&m->changed);
	pthread_mutex_unlock(&m->lock);
	put(m, a); /* The table's reference. */
}

#define MAX_POLLED 1024

static void *supervise(void *arg)
{
	struct lta_analyses *m = arg;
	struct analysis *watched[MAX_POLLED];
	struct pollfd fds[MAX_POLLED + 1];

	for (;;) {
		size_t pos = 0, n = 0, i;
		uint64_t key;
		void *value;
		int64_t now = lta_clock_mono_ns(), next_deadline = 0;
		int timeout_ms = -1;
		bool quit;

		pthread_mutex_lock(&m->lock);
		quit = m->quit && m->by_id.count == 0;
		while (lta_htable_next(&m->by_id, &pos, &key, &value) &&
		       n < MAX_POLLED) {
			struct analysis *a = value;

			if (a->stop_deadline && now > a->stop_deadline &&
			    a->pid > 0) {
				/* Did not stop in time: ends now. */
				kill(a->pid, SIGKILL);
				a->stop_deadline = 0;
			}
			if (a->stop_deadline &&
			    (!next_deadline ||
			     a->stop_deadline < next_deadline)) {
				next_deadline = a->stop_deadline;
			}
			a->refs++;
			watched[n++] = a;
		}
		pthread_mutex_unlock(&m->lock);
		if (quit) {
			break;
		}
		fds[0].fd = m->wake[0];
		fds[0].events = POLLIN;
		for (i = 0; i < n; i++) {
			fds[i + 1].fd = watched[i]->pipe_fd;
			fds[i + 1].events = POLLIN;
		}
		/*
		 * Woken by a worker (its pipe), by the manager (a new worker,
		 * a stop), or at the next stop deadline: never polling.
		 */
		if (next_deadline) {
			timeout_ms = (int)((next_deadline - now) / MS) + 1;
		}
		if (poll(fds, n + 1, timeout_ms) > 0) {
			if (fds[0].revents) {
				char drain[64];

				while (read(m->wake[0], drain, sizeof(drain)) >
				       0) {
				}
			}
			for (i = 0; i < n; i++) {
				if (fds[i + 1].revents &&
				    !read_pipe(m, watched[i])) {
					reap(m, watched[i]);
				}
			}
		}
		for (i = 0; i < n; i++) {
			put(m, watched[i]);
		}
		pthread_mutex_lock(&m->lock);
		quit = m->quit && m->by_id.count == 0;
		pthread_mutex_unlock(&m->lock);
		if (quit) {
			break;
		}
	}
	return NULL;
}

/* --- starting a worker -----------------------------------------------------
 */

#define MAX_ARGS 32

struct worker_argv {
	char *argv[MAX_ARGS];
	char text[MAX_ARGS][160];
	int argc;
};

static void add_arg(struct worker_argv *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void add_arg(struct worker_argv *w, const char *fmt, ...)
{
	va_list ap;

	if (w->argc >= MAX_ARGS - 1) {
		return;
	}
	va_start(ap, fmt);
	vsnprintf(w->text[w->argc], sizeof(w->text[0]), fmt, ap);
	va_end(ap);
	w->argv[w->argc] = w->text[w->argc];
	w->argc++;
	w->argv[w->argc] = NULL;
}

#if defined(__SANITIZE_ADDRESS__)
/*
 * The environment with ASAN_OPTIONS extended by handle_segv=0 (a copy of
 * environ's pointers; *OPTIONS holds the new string). NULL when out of
 * memory: the worker then inherits the environment as it is.
 */
static char **worker_environment(char **options)
{
	const char *old = getenv("ASAN_OPTIONS");
	size_t n = 0, i, j = 0;
	char **envp;

	while (environ[n]) {
		n++;
	}
	envp = calloc(n + 2, sizeof(*envp));
	if (!envp || asprintf(options, "ASAN_OPTIONS=%s%shandle_segv=0",
			      old ? old : "", old && *old ? ":" : "") < 0) {
		free(envp);
		*options = NULL;
		return NULL;
	}
	for (i = 0; i < n; i++) {
		if (strncmp(environ[i], "ASAN_OPTIONS=", 13) != 0) {
			envp[j++] = environ[i];
		}
	}
	envp[j] = *options;
	return envp;
}
#endif

/*
 * Starts the worker of analysis ID. Sets *PID and *PIPE_FD (the read end
 * of its pipe). Returns 0 or -errno.
 */
int lta_analyses_spawn_worker(struct lta_analyses *m, int64_t id, pid_t *pid,
			      int *pipe_fd)
{
	const struct lta_analyses_options *o = &m->options;
	struct worker_argv *w = calloc(1, sizeof(*w));
	char *data_dir_arg = NULL;
	char **envp = NULL, *asan_options = NULL;
	int p[2] = { -1, -1 };
	pid_t child;
	int ret = 0;

	if (!w || asprintf(&data_dir_arg, "--data-dir=%s", m->data_dir) < 0) {
		data_dir_arg = NULL;
		ret = -ENOMEM;
		goto end;
	}
	add_arg(w, "%s", "lttng-analyzerd");
	add_arg(w, "%s", "--worker");
	add_arg(w, "--analysis=%lld", (long long)id);
	add_arg(w, "--commit-ms=%d", o->commit_ms);
	add_arg(w, "--max-calls=%u", o->max_calls);
	add_arg(w, "--retry-initial-ms=%d", o->retry_initial_ms);
	add_arg(w, "--retry-max-ms=%d", o->retry_max_ms);
	add_arg(w, "--stall-ms=%d", o->stall_ms);
	add_arg(w, "--memory-mb=%ld", o->worker_memory_mb);
	if (o->jobs > 0) {
		add_arg(w, "--jobs=%d", o->jobs);
	}
	add_arg(w, "--files=%ld", o->worker_files);
	if (o->timing.agent.k > 0) {
		add_arg(w, "--timeout-k=%.17g", o->timing.agent.k);
	}
	if (o->timing.agent.floor_ns > 0) {
		add_arg(w, "--timeout-floor-ns=%lld",
			(long long)o->timing.agent.floor_ns);
	}
	if (o->timing.agent.ceiling_ns > 0) {
		add_arg(w, "--timeout-ceiling-ns=%lld",
			(long long)o->timing.agent.ceiling_ns);
	}
	if (o->timing.agent.warmup > 0) {
		add_arg(w, "--timeout-warmup=%u", o->timing.agent.warmup);
	}
	if (o->timing.no_derived) {
		add_arg(w, "%s", "--no-derived");
	}
	if (o->max_kinds > 0) {
		add_arg(w, "--max-kinds=%u", o->max_kinds);
	}
	if (o->no_kinds) {
		add_arg(w, "%s", "--no-kinds");
	}
	if (m->log_level) {
		add_arg(w, "--log-level=%s", m->log_level);
	}
	if (o->syslog) {
		add_arg(w, "%s", "--syslog");
	}
	/* The folder may be long: its own buffer, last. */
	if (w->argc < MAX_ARGS - 1) {
		w->argv[w->argc++] = data_dir_arg;
		w->argv[w->argc] = NULL;
	}
#if defined(__SANITIZE_ADDRESS__)
	/*
	 * A sanitized build's worker must die of the signal that hit it,
	 * as a production one does: AddressSanitizer's own SIGSEGV handler
	 * would report and exit 1 instead. Prepared before fork().
	 */
	envp = worker_environment(&asan_options);
#endif
	if (pipe2(p, O_CLOEXEC)) {
		ret = -errno;
		goto end;
	}
	child = fork();
	if (child < 0) {
		ret = -errno;
		goto end;
	}
	if (child == 0) {
		/*
		 * Between fork and exec only async-signal-safe calls: the
		 * pipe becomes descriptor 3, every other descriptor of the
		 * daemon (sockets, the database) is closed.
		 */
		sigset_t none;

		sigemptyset(&none);
		pthread_sigmask(SIG_SETMASK, &none, NULL);
		if (p[1] != LTA_WORKER_PIPE_FD) {
			dup2(p[1], LTA_WORKER_PIPE_FD);
		} else {
			fcntl(p[1], F_SETFD, 0);
		}
		if (close_range(LTA_WORKER_PIPE_FD + 1, ~0U, 0)) {
			int fd;

			for (fd = LTA_WORKER_PIPE_FD + 1; fd < 65536; fd++) {
				close(fd);
			}
		}
		execve(m->program, w->argv, envp ? envp : environ);
		_exit(127);
	}
	close(p[1]);
	p[1] = -1;
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	*pid = child;
	*pipe_fd = p[0];
	p[0] = -1;
end:
	if (p[0] >= 0) {
		close(p[0]);
	}
	if (p[1] >= 0) {
		close(p[1]);
	}
	free(data_dir_arg);
	free(w);
	free(envp);
	free(asan_options);
	return ret;
}

/* --- the manager ------------------------------------------------------ */

struct lta_analyses *lta_analyses_create(struct lta_store *store,
					 const struct lta_analyses_options *o)
{
	struct lta_analyses *m = calloc(1, sizeof(*m));
	const char *program = "/proc/self/exe";
	char exe[PATH_MAX];
	ssize_t n;

	if (!m) {
		return NULL;
	}
	m->store = store;
	m->wake[0] = m->wake[1] = -1;
	m->options.retry_initial_ms = 500;
	m->options.retry_max_ms = 10000;
	m->options.commit_ms = 200;
	m->options.max_calls = 1000;
	m->options.max_analyses = 16;
	m->options.worker_memory_mb = 4096;
	m->options.worker_files = 1024;
	m->options.stall_ms = 10000;
	m->options.stop_ms = 2000;
	if (o) {
		/* A positive value replaces the default. */
#define TAKE(field)                                  \
	do {                                         \
		if (o->field > 0) {                  \
			m->options.field = o->field; \
		}                                    \
	} while (0)
		TAKE(retry_initial_ms);
		TAKE(retry_max_ms);
		TAKE(commit_ms);
		TAKE(max_calls);
		TAKE(max_kinds);
		TAKE(no_kinds);
		TAKE(max_analyses);
		TAKE(worker_memory_mb);
		TAKE(jobs);
		TAKE(worker_files);
		TAKE(stall_ms);
		TAKE(stop_ms);
#undef TAKE
		m->options.timing = o->timing;
		m->options.syslog = o->syslog;
		m->options.publisher = o->publisher;
		m->options.lease_ms = o->lease_ms;
		if (o->worker_program) {
			program = o->worker_program;
		}
	}
	if (!o || !o->worker_program) {
		/* Resolved now: the binary may be replaced on disk later. */
		n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		if (n > 0) {
			exe[n] = '\0';
			program = exe;
		}
	}
	m->program = strdup(program);
	m->data_dir = strdup(o && o->data_dir ? o->data_dir : ".");
	m->log_level = o && o->log_level ? strdup(o->log_level) : NULL;
	if (!m->program || !m->data_dir ||
	    (o && o->log_level && !m->log_level)) {
		goto error;
	}
	if (pipe2(m->wake, O_CLOEXEC | O_NONBLOCK)) {
		m->wake[0] = m->wake[1] = -1;
		goto error;
	}
	pthread_mutex_init(&m->lock, NULL);
	pthread_cond_init(&m->changed, NULL);
	if (lta_htable_init(&m->by_id, 16)) {
		goto error_locks;
	}
	if (pthread_create(&m->supervisor, NULL, supervise, m)) {
		lta_htable_fini(&m->by_id);
		goto error_locks;
	}
	m->supervising = true;
	if (lta_analyses_lease_start(m)) {
		lta_analyses_destroy(m);
		return NULL;
	}
	return m;

error_locks:
	pthread_cond_destroy(&m->changed);
	pthread_mutex_destroy(&m->lock);
error:
	if (m->wake[0] >= 0) {
		close(m->wake[0]);
		close(m->wake[1]);
	}
	free(m->program);
	free(m->data_dir);
	free(m->log_level);
	free(m);
	return NULL;
}

static int running_count(struct lta_analyses *m)
{
	int n;

	pthread_mutex_lock(&m->lock);
	n = (int)m->by_id.count;
	pthread_mutex_unlock(&m->lock);
	return n;
}

int lta_analyses_start(struct lta_analyses *m, const char *url,
		       const char *path, int64_t *id, char *error, size_t size)
{
	return lta_analyses_start_queries(m, url, path, NULL, 0, id, error,
					  size);
}

int lta_analyses_start_queries(struct lta_analyses *m, const char *url,
			       const char *path, const char *const *specs,
			       size_t count, int64_t *id, char *error,
			       size_t size)
{
	struct lta_store_analysis row;
	struct analysis *a = NULL;
	struct statvfs fs;
	struct stat st;
	int ret;

	error[0] = '\0';
	if ((url == NULL) == (path == NULL)) {
		snprintf(error, size, "Give exactly one of url and path");
		return -EINVAL;
	}
	if (url) {
		/* The syntax only: no graph is built here. */
		struct lta_decoder *check = lta_decode_create(NULL, NULL, NULL);

		if (!check) {
			return -ENOMEM;
		}
		ret = lta_decode_set_live(check, url, true);
		if (ret) {
			snprintf(error, size, "%s",
				 lta_decode_error_message(check));
		}
		lta_decode_destroy(check);
		if (ret) {
			return -EINVAL;
		}
		ret = probe_relay(url, error, size);
		if (ret) {
			return ret;
		}
	} else {
		if (stat(path, &st) != 0) {
			ret = -errno;
			snprintf(error, size,
				 "Cannot open trace: path=\"%s\", "
				 "error=\"%s\"",
				 path, strerror(errno));
			return ret;
		}
		if (!S_ISDIR(st.st_mode)) {
			snprintf(error, size, "Not a trace folder: path=\"%s\"",
				 path);
			return -ENOTDIR;
		}
	}
	if (running_count(m) >= m->options.max_analyses) {
		snprintf(error, size,
			 "%d analyses run already, the most this daemon "
			 "runs at once (--max-analyses): stop one, or wait "
			 "for one to end",
			 m->options.max_analyses);
		return -EAGAIN;
	}
	if (statvfs(m->data_dir, &fs) == 0 &&
	    (long long)fs.f_bavail * (long long)fs.f_frsize < MIN_FREE_BYTES) {
		snprintf(error, size,
			 "The data folder's disk is full (%lld bytes free): "
			 "nothing could be stored",
			 (long long)fs.f_bavail * (long long)fs.f_frsize);
		return -ENOSPC;
	}
	memset(&row, 0, sizeof(row));
	snprintf(row.kind, sizeof(row.kind), "%s", url ? "live" : "trace");
	snprintf(row.source, sizeof(row.source), "%s", url ? url : path);
	snprintf(row.status, sizeof(row.status), "%s",
		 url ? "connecting" : "reading");
	row.created_ns = lta_clock_wall_ns();
	row.updated_ns = row.created_ns;
	row.last_event_ns = -1;
	ret = lta_store_analysis_insert(m->store, &row);
	if (ret) {
		snprintf(error, size, "Cannot store the analysis: %s",
			 lta_store_error());
		return ret;
	}
	if (!specs) {
		specs = lta_query_defaults;
		count = lta_query_default_count;
	}
	/* Before the worker: it evaluates them from the first event. */
	for (size_t i = 0; i < count; i++) {
		int64_t query;

		ret = lta_store_query_insert(m->store, row.id, specs[i],
					     &query);
		if (ret) {
			snprintf(error, size, "Cannot store a query: %s",
				 lta_store_error());
			goto error;
		}
	}
	a = calloc(1, sizeof(*a));
	if (!a) {
		ret = -ENOMEM;
		goto error;
	}
	a->id = row.id;
	a->live = url != NULL;
	a->refs = 1; /* The table's. */
	a->pipe_fd = -1;
	if (url && lta_analyses_lease_begin(m, a, url) == 1) {
		/* Standby: the lease thread starts its worker later. */
		snprintf(row.status, sizeof(row.status), "standby");
		snprintf(row.reason, sizeof(row.reason), "%s",
			 a->lease_holder[0] ? a->lease_holder
					    : "waiting for NATS");
		lta_store_analysis_update(m->store, &row);
		pthread_mutex_lock(&m->lock);
		ret = lta_htable_put(&m->by_id, (uint64_t)a->id, a);
		pthread_mutex_unlock(&m->lock);
		if (ret) {
			goto error;
		}
		LTA_LOGI("Analysis on standby: id=%lld, lease=%s, "
			 "reason=\"%s\"",
			 (long long)a->id, a->lease_key, row.reason);
		*id = a->id;
		return 0;
	}
	ret = lta_analyses_spawn_worker(m, a->id, &a->pid, &a->pipe_fd);
	if (ret) {
		snprintf(error, size, "Cannot start a worker: %s",
			 strerror(-ret));
		goto error;
	}
	pthread_mutex_lock(&m->lock);
	ret = lta_htable_put(&m->by_id, (uint64_t)a->id, a);
	pthread_mutex_unlock(&m->lock);
	if (ret) {
		/* Not watched: stop it, reap it here. */
		kill(a->pid, SIGKILL);
		waitpid(a->pid, NULL, 0);
		goto error;
	}
	lta_analyses_wake(m);
	LTA_LOGI("Analysis started: id=%lld, worker=%d, source=\"%s\"",
		 (long long)a->id, (int)a->pid, row.source);
	*id = a->id;
	return 0;

error:
	snprintf(row.status, sizeof(row.status), "failed");
	snprintf(row.reason, sizeof(row.reason), "%s",
		 error[0] ? error : strerror(-ret));
	lta_store_analysis_update(m->store, &row);
	if (a) {
		/* A lease taken for a worker that did not start. */
		lta_analyses_lease_end(m, a);
		if (a->pipe_fd >= 0) {
			close(a->pipe_fd);
		}
		free(a);
	}
	return ret;
}

int lta_analyses_stop(struct lta_analyses *m, int64_t id)
{
	struct analysis *a = find(m, id);
	struct lta_store_analysis stored;

	if (!a) {
		return lta_store_analysis_get(m->store, id, &stored) == 0
			       ? -EALREADY
			       : -ENOENT;
	}
	pthread_mutex_lock(&m->lock);
	if (a->standby) {
		/* No worker: stopped at once. */
		bool table =
			lta_htable_remove(&m->by_id, (uint64_t)a->id) != NULL;

		a->stop_requested = true;
		pthread_mutex_unlock(&m->lock);
		lta_store_analysis_finish(m->store, id, "stopped",
					  "stopped by request (on standby)");
		if (table) {
			put(m, a); /* The table's reference. */
		}
		put(m, a);
		return 0;
	}
	if (!a->stop_requested) {
		a->stop_requested = true;
		a->stop_deadline =
			lta_clock_mono_ns() + m->options.stop_ms * MS;
		kill(a->pid, SIGTERM);
	}
	pthread_mutex_unlock(&m->lock);
	put(m, a);
	return 0;
}

int lta_analyses_delete(struct lta_analyses *m, int64_t id)
{
	struct analysis *a = find(m, id);

	if (a) {
		put(m, a);
		return -EBUSY;
	}
	return lta_store_analysis_delete(m->store, id);
}

/* Fills VIEW from the stored row, the snapshot and the worker A (or NULL). */
static void fill_view(struct lta_analyses *m, struct analysis *a,
		      struct lta_analysis_view *view)
{
	struct lta_snapshot snapshot;
	char *text = NULL;

	view->lag_ns = -1;
	if (lta_store_snapshot_get(m->store, view->stored.id, &text) == 0 &&
	    lta_snapshot_decode(text, &snapshot) == 0) {
		size_t i;

		view->requests_open = snapshot.requests_open;
		view->reconnects = snapshot.reconnects;
		view->data_gaps = snapshot.data_gaps;
		for (i = 0; i < snapshot.warning_count &&
			    i < LTA_ANALYSIS_MAX_WARNINGS;
		     i++) {
			view->warnings[i] = snapshot.warnings[i];
		}
		view->warning_count = i;
	}
	if (text) {
		lta_snapshot_fini(&snapshot);
		free(text);
	}
	if (!a) {
		view->requests_open = 0;
		return;
	}
	pthread_mutex_lock(&m->lock);
	view->running = !a->standby;
	view->worker_pid = (int32_t)a->pid;
	view->pending = a->pending;
	if (a->reported && strcmp(a->status, "paused") == 0) {
		/* The store may be too full to say it. */
		snprintf(view->stored.status, sizeof(view->stored.status), "%s",
			 a->status);
		snprintf(view->stored.reason, sizeof(view->stored.reason), "%s",
			 a->reason);
	}
	pthread_mutex_unlock(&m->lock);
	if (a->live && view->stored.last_event_ns > 0) {
		view->lag_ns = lta_clock_wall_ns() - view->stored.last_event_ns;
	}
}

int lta_analyses_is_running(struct lta_analyses *m, int64_t id)
{
	struct analysis *a = find(m, id);

	put(m, a);
	return a != NULL;
}

int lta_analyses_get(struct lta_analyses *m, int64_t id,
		     struct lta_analysis_view *view)
{
	struct analysis *a;
	int ret;

	memset(view, 0, sizeof(*view));
	ret = lta_store_analysis_get(m->store, id, &view->stored);
	if (ret) {
		view->lag_ns = -1;
		return ret;
	}
	a = find(m, id);
	fill_view(m, a, view);
	put(m, a);
	return 0;
}

struct list_ctx {
	struct lta_analyses *m;
	int (*fn)(const struct lta_analysis_view *view, void *user_data);
	void *user_data;
};

static int list_one(const struct lta_store_analysis *stored, void *user_data)
{
	struct list_ctx *ctx = user_data;
	struct lta_analysis_view view;
	struct analysis *a = find(ctx->m, stored->id);
	int ret;

	memset(&view, 0, sizeof(view));
	view.stored = *stored;
	fill_view(ctx->m, a, &view);
	put(ctx->m, a);
	ret = ctx->fn(&view, ctx->user_data);
	return ret;
}

int lta_analyses_list(struct lta_analyses *m,
		      int (*fn)(const struct lta_analysis_view *view,
				void *user_data),
		      void *user_data)
{
	struct list_ctx ctx = { m, fn, user_data };

	return lta_store_analysis_list(m->store, list_one, &ctx);
}

int lta_analyses_stats(struct lta_analyses *m, int64_t id,
		       struct lta_analysis_stats *stats)
{
	struct lta_store_analysis stored;
	struct lta_snapshot snapshot;
	struct lta_summary *rebuilt = NULL;
	char *text = NULL;
	int ret;

	memset(stats, 0, sizeof(*stats));
	ret = lta_store_analysis_get(m->store, id, &stored);
	if (ret) {
		return ret;
	}
	ret = lta_store_snapshot_get(m->store, id, &text);
	if (ret == 0) {
		ret = lta_snapshot_decode(text, &snapshot);
		free(text);
		if (ret == 0) {
			*stats = snapshot.stats;
			/* Now the caller's. */
			snapshot.stats.latency = NULL;
			snapshot.stats.components = NULL;
			snapshot.stats.component_count = 0;
		}
		lta_snapshot_fini(&snapshot);
		if (ret == 0) {
			return 0;
		}
		LTA_LOGE("A stored snapshot cannot be read: analysis=%lld",
			 (long long)id);
	} else if (ret != -ENOENT) {
		return ret;
	}
	/*
	 * No snapshot: an analysis stored by an older version, or a worker
	 * that died before its first commit. Rebuilt from what is stored.
	 */
	stats->latency = lta_histogram_create();
	rebuilt = lta_summary_create();
	if (!stats->latency || !rebuilt) {
		ret = -ENOMEM;
		goto error;
	}
	{
		struct lta_store_filter filter = {
			.analysis = id,
			.from_ns = INT64_MIN,
			.to_ns = INT64_MAX,
			.min_duration_ns = -1,
			.limit = 1000,
		};
		struct rebuild rb = { .summary = rebuilt };

		do {
			filter.after_id = rb.last_id;
			ret = lta_store_requests(m->store, &filter, rebuild_one,
						 &rb);
		} while (ret == 0 && rb.last_id != filter.after_id);
		if (ret) {
			goto error;
		}
		fill_stats(rebuilt, stats);
	}
	stats->connections = (uint64_t)stored.connections;
	stats->events = (uint64_t)stored.events;
	stats->discarded_events = (uint64_t)stored.discarded_events;
	lta_summary_destroy(rebuilt);
	rebuilt = NULL;
	{
		struct lta_store_error_counts counts;

		ret = lta_store_error_counts(m->store, id, &counts);
		if (ret) {
			goto error;
		}
		stats->errors_ine = (uint64_t)counts.ine;
		stats->errors_coe = (uint64_t)counts.coe;
		stats->errors_crash = (uint64_t)counts.crash;
		stats->late_ends = (uint64_t)counts.late_ends;
	}
	return 0;

error:
	lta_summary_destroy(rebuilt);
	lta_histogram_destroy(stats->latency);
	stats->latency = NULL;
	return ret;
}

int lta_analyses_timeouts(struct lta_analyses *m, int64_t id,
			  int (*fn)(const struct lta_analysis_timeout *t,
				    void *user_data),
			  void *user_data)
{
	struct lta_store_analysis stored;
	struct lta_snapshot snapshot;
	char *text = NULL;
	size_t i;
	int ret;

	ret = lta_store_analysis_get(m->store, id, &stored);
	if (ret) {
		return ret;
	}
	ret = lta_store_snapshot_get(m->store, id, &text);
	if (ret == -ENOENT) {
		return -ENODATA;
	}
	if (ret) {
		return ret;
	}
	ret = lta_snapshot_decode(text, &snapshot);
	free(text);
	for (i = 0; ret == 0 && i < snapshot.timeout_count; i++) {
		ret = fn(&snapshot.timeouts[i], user_data);
	}
	lta_snapshot_fini(&snapshot);
	return ret == -EINVAL ? -ENODATA : ret;
}

int lta_analyses_running(struct lta_analyses *m)
{
	return running_count(m);
}

void lta_analyses_stop_all(struct lta_analyses *m)
{
	int64_t deadline = lta_clock_mono_ns() + m->options.stop_ms * MS;
	struct timespec until;
	size_t pos = 0;
	uint64_t key;
	void *value;

	lta_analyses_lease_stop(m);
	pthread_mutex_lock(&m->lock);
	m->quit = true;
	/* Standby analyses have no worker: they leave the table now. */
	for (;;) {
		struct analysis *standby = NULL;

		pos = 0;
		while (lta_htable_next(&m->by_id, &pos, &key, &value)) {
			if (((struct analysis *)value)->standby) {
				standby = value;
				break;
			}
		}
		if (!standby) {
			break;
		}
		lta_htable_remove(&m->by_id, (uint64_t)standby->id);
		pthread_mutex_unlock(&m->lock);
		lta_store_analysis_finish(m->store, standby->id, "interrupted",
					  "the daemon stopped while it was on "
					  "standby");
		put(m, standby);
		pthread_mutex_lock(&m->lock);
	}
	pos = 0;
	while (lta_htable_next(&m->by_id, &pos, &key, &value)) {
		struct analysis *a = value;

		if (!a->stop_requested) {
			a->stop_requested = true;
			a->stop_deadline = deadline;
			kill(a->pid, SIGTERM);
		}
	}
	pthread_mutex_unlock(&m->lock);
	lta_analyses_wake(m);
	/*
	 * The supervisor kills those past the deadline and reaps them all;
	 * it ends once none is left.
	 */
	if (m->supervising) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += m->options.stop_ms / 1000 + 2;
		pthread_mutex_lock(&m->lock);
		while (m->by_id.count > 0 &&
		       pthread_cond_timedwait(&m->changed, &m->lock, &until) !=
			       ETIMEDOUT) {
		}
		pthread_mutex_unlock(&m->lock);
		lta_analyses_wake(m);
		pthread_join(m->supervisor, NULL);
		m->supervising = false;
	}
}

void lta_analyses_destroy(struct lta_analyses *m)
{
	size_t pos = 0;
	uint64_t key;
	void *value;

	if (!m) {
		return;
	}
	lta_analyses_stop_all(m);
	/* Workers the supervisor could not reap in time (none, normally). */
	while (lta_htable_next(&m->by_id, &pos, &key, &value)) {
		struct analysis *a = value;

		if (a->pid > 0) {
			kill(a->pid, SIGKILL);
			waitpid(a->pid, NULL, 0);
		}
		if (a->pipe_fd >= 0) {
			close(a->pipe_fd);
		}
		free(a);
	}
	lta_htable_fini(&m->by_id);
	pthread_cond_destroy(&m->changed);
	pthread_mutex_destroy(&m->lock);
	close(m->wake[0]);
	close(m->wake[1]);
	free(m->program);
	free(m->data_dir);
	free(m->log_level);
	free(m);
}
