/* SPDX-License-Identifier: GPL-2.0-only */
/* Sessions given by a name pattern (attach.h). */
#include "attach.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "analysis.h"
#include "common/log.h"
#include "decode/live-sessions.h"
#include "decode/live-url.h"

struct pattern {
	char text[512];
	struct lta_live_url url; /* Relay, port, and the two globs. */
	/* The first pattern with the same relay and port: listed once. */
	size_t relay;
	/* Under the handle's lock: what lta_attach_view() shows. */
	uint64_t listings, matched, attached;
	char last_error[256];
};

/* A session this daemon decided to analyze, while the relay lists it. */
struct entry {
	char url[600]; /* Its live URL, the analysis's source. */
	size_t relay;  /* Its relay's first pattern. */
	int64_t id;    /* Its analysis; 0: could not start yet. */
	bool listed;   /* Seen at the current listing. */
};

struct lta_attach {
	struct lta_analyses *analyses;	/* Borrowed. */
	struct lta_live_lister *lister; /* Owned. */
	struct pattern *patterns;	/* Owned. */
	size_t pattern_count;
	struct entry *entries; /* Owned; the attach thread's only. */
	size_t entry_count, entry_size;
	int interval_ms;
	pthread_t thread;
	bool started;
	pthread_mutex_t lock; /* Guards STOP and the patterns' figures. */
	pthread_cond_t wake;
	bool stop;
};

bool lta_attach_claim(const char *host, const char *session)
{
	/*
	 * Every session is ours: the patterns share them out, and in a
	 * fleet the analysis takes the session's lease before its worker
	 * starts (lta_analyses_lease_begin()).
	 */
	(void)host;
	(void)session;
	return true;
}

int lta_attach_check(const char *pattern, char *error, size_t size)
{
	struct lta_live_url url;
	char why[256];

	if (lta_live_url_parse(pattern, &url, why, sizeof(why))) {
		snprintf(error, size,
			 "expected net://RELAY[:PORT]/host/HOST/SESSION (HOST "
			 "and SESSION are globs), got \"%s\": %s",
			 pattern, why);
		return -EINVAL;
	}
	if (strlen(pattern) >= sizeof(((struct pattern *)0)->text)) {
		snprintf(error, size, "pattern too long: \"%s\"", pattern);
		return -EINVAL;
	}
	return 0;
}

/* The live URL of SESSION on PATTERN's relay daemon, in OUT. */
static int session_url(const struct pattern *p,
		       const struct lta_live_session *s, char *out, size_t size)
{
	int n = snprintf(out, size,
			 strchr(p->url.relay, ':') ? "net://[%s]:%u/host/%s/%s"
						   : "net://%s:%u/host/%s/%s",
			 p->url.relay, (unsigned int)p->url.port, s->host,
			 s->session);

	return n < 0 || (size_t)n >= size ? -1 : 0;
}

static struct entry *find_entry(struct lta_attach *a, const char *url)
{
	size_t i;

	for (i = 0; i < a->entry_count; i++) {
		if (strcmp(a->entries[i].url, url) == 0) {
			return &a->entries[i];
		}
	}
	return NULL;
}

static struct entry *add_entry(struct lta_attach *a, const char *url,
			       size_t relay)
{
	struct entry *e;

	if (a->entry_count == a->entry_size) {
		size_t size = a->entry_size ? 2 * a->entry_size : 16;
		struct entry *bigger =
			realloc(a->entries, size * sizeof(*bigger));

		if (!bigger) {
			return NULL;
		}
		a->entries = bigger;
		a->entry_size = size;
	}
	e = &a->entries[a->entry_count++];
	memset(e, 0, sizeof(*e));
	snprintf(e->url, sizeof(e->url), "%s", url);
	e->relay = relay;
	return e;
}

/* Starts E's analysis. Returns true when it runs. */
static bool start_analysis(struct lta_attach *a, struct pattern *p,
			   struct entry *e, bool first)
{
	char error[1024] = "";
	int ret;

	ret = lta_analyses_start(a->analyses, e->url, NULL, &e->id, error,
				 sizeof(error));
	if (ret) {
		e->id = 0;
		/* Tried again at each listing: said once. */
		if (first) {
			LTA_LOGE("Cannot start the analysis of a session "
				 "found by pattern (tried again at each "
				 "listing): url=\"%s\", pattern=\"%s\", "
				 "error=\"%s\"",
				 e->url, p->text,
				 error[0] ? error : strerror(-ret));
		}
		return false;
	}
	LTA_LOGI("Analyzing a session found by pattern: url=\"%s\", "
		 "pattern=\"%s\", analysis=%lld",
		 e->url, p->text, (long long)e->id);
	pthread_mutex_lock(&a->lock);
	p->attached++;
	pthread_mutex_unlock(&a->lock);
	return true;
}

/* Matches SESSIONS against every pattern of relay RELAY. */
static void match_sessions(struct lta_attach *a, size_t relay,
			   const struct lta_live_session *sessions, int count)
{
	char url[600];
	size_t i;
	int s;

	for (i = relay; i < a->pattern_count; i++) {
		struct pattern *p = &a->patterns[i];
		uint64_t matched = 0;

		if (p->relay != relay) {
			continue;
		}
		for (s = 0; s < count; s++) {
			struct entry *e;

			if (fnmatch(p->url.host, sessions[s].host, 0) ||
			    fnmatch(p->url.session, sessions[s].session, 0)) {
				continue;
			}
			matched++;
			if (session_url(p, &sessions[s], url, sizeof(url))) {
				continue;
			}
			e = find_entry(a, url);
			if (e) {
				e->listed = true;
				if (e->id == 0) {
					start_analysis(a, p, e, false);
				}
				continue;
			}
			if (!lta_attach_claim(sessions[s].host,
					      sessions[s].session)) {
				continue;
			}
			e = add_entry(a, url, relay);
			if (!e) {
				LTA_LOGE("Out of memory: a session found by "
					 "pattern is not analyzed: url=\"%s\"",
					 url);
				continue;
			}
			e->listed = true;
			start_analysis(a, p, e, true);
		}
		pthread_mutex_lock(&a->lock);
		p->listings++;
		p->matched = matched;
		p->last_error[0] = '\0';
		pthread_mutex_unlock(&a->lock);
	}
}

/*
 * Forgets the entries of relay RELAY that its listing no longer has and
 * whose analysis no longer runs: a session created again under the same
 * name while its analysis still reads (it waits for a session that went
 * away) is not given a second one.
 */
static void forget_unlisted(struct lta_attach *a, size_t relay)
{
	size_t i = 0;

	while (i < a->entry_count) {
		struct entry *e = &a->entries[i];

		if (e->relay == relay && !e->listed &&
		    (e->id == 0 ||
		     lta_analyses_is_running(a->analyses, e->id) != 1)) {
			LTA_LOGI("A session found by pattern left its relay "
				 "daemon's list: url=\"%s\", analysis=%lld",
				 e->url, (long long)e->id);
			a->entries[i] = a->entries[--a->entry_count];
			continue;
		}
		i++;
	}
}

/* How long a relay daemon may take to accept a connection. */
#define CONNECT_TIMEOUT_MS 1000

/*
 * Whether RELAY accepts connections on PORT within CONNECT_TIMEOUT_MS.
 * lttng-live connects without a timeout: a relay daemon whose host drops
 * packets would hold the listing (and the daemon's stop) for minutes.
 * Returns 0, or -1 with the reason in ERROR.
 */
static int probe(const char *relay, uint16_t port, char *error, size_t size)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res = NULL;
	struct pollfd pfd = { .fd = -1, .events = POLLOUT };
	char service[8];
	int soerr = 0, ret = -1, gai;
	socklen_t len = sizeof(soerr);

	snprintf(service, sizeof(service), "%u", (unsigned int)port);
	gai = getaddrinfo(relay, service, &hints, &res);
	if (gai) {
		snprintf(error, size,
			 "Cannot list the relay daemon's sessions: "
			 "relay=\"%s\", error=\"%s\"",
			 relay, gai_strerror(gai));
		goto end;
	}
	pfd.fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (pfd.fd < 0 || fcntl(pfd.fd, F_SETFL, O_NONBLOCK)) {
		soerr = errno;
	} else if (connect(pfd.fd, res->ai_addr, res->ai_addrlen) == 0) {
		ret = 0;
		goto end;
	} else if (errno != EINPROGRESS) {
		soerr = errno;
	} else if (poll(&pfd, 1, CONNECT_TIMEOUT_MS) != 1) {
		soerr = ETIMEDOUT;
	} else if (getsockopt(pfd.fd, SOL_SOCKET, SO_ERROR, &soerr, &len)) {
		soerr = errno;
	}
	if (soerr == 0) {
		ret = 0;
		goto end;
	}
	snprintf(error, size,
		 "Cannot list the relay daemon's sessions: relay=\"%s\", "
		 "port=%u, error=\"%s\"",
		 relay, (unsigned int)port, strerror(soerr));
end:
	if (pfd.fd >= 0) {
		close(pfd.fd);
	}
	if (res) {
		freeaddrinfo(res);
	}
	return ret;
}

/* Lists relay RELAY (a pattern index) once and acts on what it has. */
static void list_relay(struct lta_attach *a, size_t relay)
{
	struct pattern *p = &a->patterns[relay];
	struct lta_live_session *sessions = NULL;
	char error[512] = "";
	size_t i;
	int count;

	count = probe(p->url.relay, p->url.port, error, sizeof(error))
			? -EIO
			: lta_live_lister_list(a->lister, p->url.relay,
					       p->url.port, &sessions, error,
					       sizeof(error));
	if (count < 0) {
		bool first;

		pthread_mutex_lock(&a->lock);
		first = strcmp(p->last_error, error) != 0;
		for (i = relay; i < a->pattern_count; i++) {
			if (a->patterns[i].relay == relay) {
				snprintf(a->patterns[i].last_error,
					 sizeof(a->patterns[i].last_error),
					 "%s", error);
			}
		}
		pthread_mutex_unlock(&a->lock);
		/* A relay daemon away: said when the error changes. */
		if (first && count != -ECANCELED) {
			LTA_LOGE("%s", error);
		}
		return;
	}
	for (i = 0; i < a->entry_count; i++) {
		if (a->entries[i].relay == relay) {
			a->entries[i].listed = false;
		}
	}
	match_sessions(a, relay, sessions, count);
	forget_unlisted(a, relay);
	free(sessions);
}

static bool wait_interval(struct lta_attach *a)
{
	struct timespec until;
	bool stop;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += a->interval_ms / 1000;
	until.tv_nsec += (long)(a->interval_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&a->lock);
	while (!a->stop &&
	       pthread_cond_timedwait(&a->wake, &a->lock, &until) == 0) {
	}
	stop = a->stop;
	pthread_mutex_unlock(&a->lock);
	return !stop;
}

static void *attach_main(void *arg)
{
	struct lta_attach *a = arg;
	size_t i;

	do {
		for (i = 0; i < a->pattern_count; i++) {
			if (a->patterns[i].relay == i) {
				list_relay(a, i);
			}
		}
	} while (wait_interval(a));
	return NULL;
}

struct lta_attach *lta_attach_start(const char *const *patterns, size_t count,
				    int interval_ms,
				    struct lta_analyses *analyses, char *error,
				    size_t size)
{
	struct lta_attach *a = calloc(1, sizeof(*a));
	pthread_condattr_t attr;
	char why[256];
	size_t i, j;

	if (!a) {
		snprintf(error, size, "Out of memory");
		return NULL;
	}
	pthread_mutex_init(&a->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&a->wake, &attr);
	pthread_condattr_destroy(&attr);
	a->analyses = analyses;
	a->interval_ms =
		interval_ms > 0 ? interval_ms : LTA_ATTACH_DEFAULT_INTERVAL_MS;
	a->patterns = calloc(count ? count : 1, sizeof(*a->patterns));
	if (!a->patterns) {
		snprintf(error, size, "Out of memory");
		goto error;
	}
	a->pattern_count = count;
	for (i = 0; i < count; i++) {
		struct pattern *p = &a->patterns[i];

		if (lta_attach_check(patterns[i], error, size) ||
		    lta_live_url_parse(patterns[i], &p->url, why,
				       sizeof(why))) {
			goto error;
		}
		snprintf(p->text, sizeof(p->text), "%s", patterns[i]);
		p->relay = i;
		for (j = 0; j < i; j++) {
			if (strcmp(a->patterns[j].url.relay, p->url.relay) ==
				    0 &&
			    a->patterns[j].url.port == p->url.port) {
				p->relay = a->patterns[j].relay;
				break;
			}
		}
	}
	a->lister = lta_live_lister_create(why, sizeof(why));
	if (!a->lister) {
		snprintf(error, size, "%s", why);
		goto error;
	}
	if (pthread_create(&a->thread, NULL, attach_main, a)) {
		snprintf(error, size, "Cannot start the attach thread");
		goto error;
	}
	a->started = true;
	return a;
error:
	lta_attach_stop(a);
	return NULL;
}

size_t lta_attach_view(struct lta_attach *attach,
		       struct lta_attach_pattern_view *views, size_t max)
{
	size_t i;

	if (!attach) {
		return 0;
	}
	pthread_mutex_lock(&attach->lock);
	for (i = 0; i < attach->pattern_count && i < max; i++) {
		const struct pattern *p = &attach->patterns[i];

		snprintf(views[i].pattern, sizeof(views[i].pattern), "%s",
			 p->text);
		views[i].listings = p->listings;
		views[i].matched = p->matched;
		views[i].attached = p->attached;
		snprintf(views[i].last_error, sizeof(views[i].last_error), "%s",
			 p->last_error);
	}
	pthread_mutex_unlock(&attach->lock);
	return i;
}

void lta_attach_stop(struct lta_attach *attach)
{
	if (!attach) {
		return;
	}
	if (attach->started) {
		pthread_mutex_lock(&attach->lock);
		attach->stop = true;
		pthread_cond_signal(&attach->wake);
		pthread_mutex_unlock(&attach->lock);
		lta_live_lister_interrupt(attach->lister);
		pthread_join(attach->thread, NULL);
	}
	lta_live_lister_destroy(attach->lister);
	pthread_cond_destroy(&attach->wake);
	pthread_mutex_destroy(&attach->lock);
	free(attach->entries);
	free(attach->patterns);
	free(attach);
}
