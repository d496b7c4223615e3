/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The front of the HTTP server: one thread that owns the listening
 * socket, accepts every connection, and hands it to libmicrohttpd only
 * once a complete and acceptable request head has arrived.
 *
 * Why: libmicrohttpd's timeout is an idle timeout (any byte resets it),
 * its connection limit refuses newcomers rather than dropping idle
 * connections, and it answers protocol errors with HTML pages of its own.
 * Here, until its head is complete a connection costs an entry in a list
 * and a socket, never a libmicrohttpd slot. The head is read with
 * MSG_PEEK, so that libmicrohttpd later reads it as if nobody had; a bad
 * one is answered in the API's JSON (lta_http_head_check()).
 *
 * The rules:
 * - a request's head and body must arrive within request_timeout_s of
 *   the connection's accept (408 for a head, the socket shut for a body:
 *   the total deadline of a request, whatever its pace);
 * - at most max_per_address connections per client address and
 *   max_connections in all: a newcomer past either limit closes the
 *   oldest connection still waiting for its head, else the oldest still
 *   receiving its body (of that address for the first limit), and is
 *   answered 503 only when every connection is being answered;
 * - every response closes its connection ("Connection: close", set by
 *   http.c), so every request goes through this front.
 *
 * Threads: the front thread, plus libmicrohttpd's threads that report
 * the connections they start and close (lta_http_front_started(),
 * lta_http_front_closed(), lta_http_front_answering()); one mutex.
 */
#include "http-internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "common/log.h"

/* What the front reads of a head at most (peeked, not consumed). */
#define HEAD_MAX (16 * 1024)
#define TARGET_MAX (8 * 1024)
/* How long a refused client is read from after its answer (lingering). */
#define LINGER_NS (1000 * 1000000LL)
/* Connections accepted per wake-up at most, so that heads are read too. */
#define ACCEPT_BURST 64

enum slot_state {
	SLOT_PENDING,	/* The front reads its head. */
	SLOT_LINGERING, /* Answered by the front; draining, then closed. */
	SLOT_HANDED,	/* Given to libmicrohttpd, not started yet. */
	SLOT_SERVED,	/* libmicrohttpd's. */
	SLOT_DEAD,	/* Closed; freed after the events being handled. */
};

struct slot {
	int fd;
	enum slot_state state;
	struct sockaddr_storage addr;
	socklen_t addr_len;
	int64_t accepted_ns;
	int64_t linger_until_ns;
	bool answering; /* SERVED: the handler ran; no deadline. */
	bool shut;	/* SERVED: shut down by the deadline. */
	struct slot *prev, *next;
};

struct lta_http_front {
	struct lta_http *http;	   /* Borrowed. */
	struct MHD_Daemon *daemon; /* Borrowed. */
	int listen_fd, epoll_fd, stop_fd;
	pthread_t thread;
	bool thread_started;
	struct lta_http_head_limits limits;
	int64_t request_timeout_ns;
	int max_connections, max_per_address;
	pthread_mutex_t lock;
	/* Every connection, oldest first. Under lock. */
	struct slot *head, *tail;
	/*
	 * Closed by the front while a batch of events may still name
	 * them: freed once the batch is handled. Front thread only.
	 */
	struct slot *dead;
	int count;
	char peek[HEAD_MAX + 1];
};

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void link_slot(struct lta_http_front *f, struct slot *s)
{
	s->prev = f->tail;
	s->next = NULL;
	if (f->tail) {
		f->tail->next = s;
	} else {
		f->head = s;
	}
	f->tail = s;
	f->count++;
}

static void unlink_slot(struct lta_http_front *f, struct slot *s)
{
	if (s->prev) {
		s->prev->next = s->next;
	} else {
		f->head = s->next;
	}
	if (s->next) {
		s->next->prev = s->prev;
	} else {
		f->tail = s->prev;
	}
	f->count--;
}

static bool same_address(const struct slot *a, const struct slot *b)
{
	if (a->addr.ss_family != b->addr.ss_family) {
		return false;
	}
	if (a->addr.ss_family == AF_INET) {
		return ((const struct sockaddr_in *)&a->addr)
			       ->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)&b->addr)->sin_addr.s_addr;
	}
	if (a->addr.ss_family == AF_INET6) {
		return memcmp(&((const struct sockaddr_in6 *)&a->addr)
				       ->sin6_addr,
			      &((const struct sockaddr_in6 *)&b->addr)
				       ->sin6_addr,
			      sizeof(struct in6_addr)) == 0;
	}
	return true;
}

/* Closes a connection the front owns. Under lock, front thread. */
static void drop(struct lta_http_front *f, struct slot *s)
{
	unlink_slot(f, s);
	epoll_ctl(f->epoll_fd, EPOLL_CTL_DEL, s->fd, NULL);
	close(s->fd);
	s->state = SLOT_DEAD;
	s->next = f->dead;
	f->dead = s;
}

static void free_dead(struct lta_http_front *f)
{
	while (f->dead) {
		struct slot *s = f->dead;

		f->dead = s->next;
		free(s);
	}
}

/*
 * Answers S with a JSON error and starts its lingering close: what the
 * client still sends is read and dropped for a while, so that closing
 * with unread data (a reset) does not destroy the answer before the
 * client reads it. Under lock.
 */
static void answer(struct lta_http_front *f, struct slot *s,
		   unsigned int status, const char *code, const char *message,
		   size_t consume)
{
	char response[1024], body[512], escaped[256];
	int body_len, len;
	size_t i, e = 0;

	/* The messages are ours, ASCII: only quotes need escaping. */
	for (i = 0; message[i] && e + 2 < sizeof(escaped); i++) {
		if (message[i] == '"' || message[i] == '\\') {
			escaped[e++] = '\\';
		}
		escaped[e++] = message[i];
	}
	escaped[e] = '\0';
	body_len = snprintf(body, sizeof(body),
			    "{\"error\":{\"code\":\"%s\",\"message\":\"%s\"}}",
			    code, escaped);
	len = snprintf(response, sizeof(response),
		       "HTTP/1.1 %u %s\r\n"
		       "Content-Type: application/json\r\n"
		       "Content-Length: %d\r\n"
		       "Cache-Control: no-store\r\n"
		       "X-Content-Type-Options: nosniff\r\n"
		       "Connection: close\r\n"
		       "\r\n%s",
		       status, lta_http_reason(status), body_len, body);
	while (consume) {
		ssize_t n = recv(s->fd, f->peek,
				 consume < sizeof(f->peek) ? consume
							   : sizeof(f->peek),
				 MSG_DONTWAIT);

		if (n <= 0) {
			break;
		}
		consume -= (size_t)n;
	}
	/* A few hundred bytes: the socket's buffer takes them at once. */
	if (send(s->fd, response, (size_t)len, MSG_DONTWAIT | MSG_NOSIGNAL) <
	    0) {
		drop(f, s);
		return;
	}
	shutdown(s->fd, SHUT_WR);
	s->state = SLOT_LINGERING;
	s->linger_until_ns = mono_ns() + LINGER_NS;
	LTA_LOGD("HTTP request refused by the front: status=%u, code=%s",
		 status, code);
}

/* Reads and drops what a lingering client sends; closes at its end. */
static void linger(struct lta_http_front *f, struct slot *s)
{
	for (;;) {
		ssize_t n = recv(s->fd, f->peek, sizeof(f->peek), MSG_DONTWAIT);

		if (n > 0) {
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			return;
		}
		drop(f, s);
		return;
	}
}

/* Gives S to libmicrohttpd, which closes it if it cannot take it. */
static void hand(struct lta_http_front *f, struct slot *s)
{
	int fd = s->fd;

	epoll_ctl(f->epoll_fd, EPOLL_CTL_DEL, fd, NULL);
	s->state = SLOT_HANDED;
	pthread_mutex_unlock(&f->lock);
	if (MHD_add_connection(f->daemon, fd, (struct sockaddr *)&s->addr,
			       s->addr_len) != MHD_YES) {
		pthread_mutex_lock(&f->lock);
		/* Closed by libmicrohttpd; started and closed, or never. */
		for (struct slot *t = f->head; t; t = t->next) {
			if (t == s && s->state == SLOT_HANDED) {
				unlink_slot(f, s);
				free(s);
				break;
			}
		}
		LTA_LOGD("libmicrohttpd refused a connection");
		return;
	}
	pthread_mutex_lock(&f->lock);
}

/* A pending connection has something to read: is its head complete? */
static void read_head(struct lta_http_front *f, struct slot *s)
{
	struct lta_http_head head;
	ssize_t n;
	int ret;

	n = recv(s->fd, f->peek, HEAD_MAX, MSG_PEEK | MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
		return;
	}
	if (n <= 0) {
		drop(f, s);
		return;
	}
	ret = lta_http_head_check(f->peek, (size_t)n, &f->limits, &head);
	if (ret == 0) {
		return;
	}
	if (ret < 0) {
		answer(f, s, head.status, head.code, head.message, (size_t)n);
		return;
	}
	hand(f, s);
}

/* Whether S may be closed to make room, and how much it is worth. */
static int idleness(const struct slot *s)
{
	/* Waiting for a head first, then a body too slow to finish. */
	if (s->state == SLOT_PENDING || s->state == SLOT_LINGERING) {
		return 2;
	}
	if (s->state == SLOT_SERVED && !s->answering && !s->shut) {
		return 1;
	}
	return 0;
}

/* Closes S to make room. Under lock, front thread. */
static void evict(struct lta_http_front *f, struct slot *s)
{
	if (s->state == SLOT_SERVED) {
		/* libmicrohttpd's: it closes it (lta_http_front_closed()). */
		shutdown(s->fd, SHUT_RDWR);
		s->shut = true;
		return;
	}
	drop(f, s);
}

/*
 * Makes room for a connection from NEWCOMER's address: closes the oldest
 * connection still waiting for its head (or, when none is, the oldest
 * one still receiving its body), of that address when it is the address
 * that is at its limit. Returns false when every connection is being
 * answered. Under lock, front thread.
 */
static bool make_room(struct lta_http_front *f, const struct slot *newcomer)
{
	struct slot *s, *any = NULL, *same_slot = NULL;
	int same = 0, count = 0;

	/* The list is in accept order: the first found is the oldest. */
	for (s = f->head; s; s = s->next) {
		int idle = idleness(s);
		bool is_same = same_address(s, newcomer);

		if (s->state == SLOT_SERVED && s->shut) {
			continue; /* Closing: no longer counted. */
		}
		count++;
		if (idle && (!any || idle > idleness(any))) {
			any = s;
		}
		if (is_same) {
			same++;
			if (idle &&
			    (!same_slot || idle > idleness(same_slot))) {
				same_slot = s;
			}
		}
	}
	if (same >= f->max_per_address) {
		if (!same_slot) {
			return false;
		}
		if (any == same_slot) {
			any = NULL;
		}
		evict(f, same_slot);
		count--;
	}
	if (count >= f->max_connections) {
		if (!any) {
			return false;
		}
		evict(f, any);
	}
	return true;
}

static void accept_some(struct lta_http_front *f)
{
	int i;

	for (i = 0; i < ACCEPT_BURST; i++) {
		struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP |
						    EPOLLET };
		struct slot *s = calloc(1, sizeof(*s));
		int fd;

		if (!s) {
			return;
		}
		s->addr_len = sizeof(s->addr);
		fd = accept4(f->listen_fd, (struct sockaddr *)&s->addr,
			     &s->addr_len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			free(s);
			if (errno == EMFILE || errno == ENFILE) {
				LTA_LOGW("Out of file descriptors: "
					 "connections=%d",
					 f->count);
			}
			return;
		}
		s->fd = fd;
		s->state = SLOT_PENDING;
		s->accepted_ns = mono_ns();
		pthread_mutex_lock(&f->lock);
		if (!make_room(f, s)) {
			link_slot(f, s);
			answer(f, s, 503, "busy",
			       "Every connection is being served: retry "
			       "later.",
			       0);
			pthread_mutex_unlock(&f->lock);
			continue;
		}
		link_slot(f, s);
		ev.data.ptr = s;
		if (epoll_ctl(f->epoll_fd, EPOLL_CTL_ADD, fd, &ev)) {
			drop(f, s);
		}
		pthread_mutex_unlock(&f->lock);
	}
}

/* Applies the deadlines. Under lock. */
static void expire(struct lta_http_front *f)
{
	int64_t now = mono_ns();
	struct slot *s, *next;

	for (s = f->head; s; s = next) {
		next = s->next;
		if (s->state == SLOT_LINGERING && now > s->linger_until_ns) {
			drop(f, s);
		} else if (s->state == SLOT_HANDED &&
			   now - s->accepted_ns >
				   f->request_timeout_ns + LINGER_NS * 10) {
			/* libmicrohttpd dropped it without starting it. */
			unlink_slot(f, s);
			free(s);
		} else if (s->state == SLOT_PENDING &&
			   now - s->accepted_ns > f->request_timeout_ns) {
			answer(f, s, 408, "request_timeout",
			       "The request did not arrive in time.", 0);
		} else if (s->state == SLOT_SERVED && !s->answering &&
			   !s->shut &&
			   now - s->accepted_ns > f->request_timeout_ns) {
			/*
			 * A body too slow: libmicrohttpd sees the socket
			 * end and closes it (lta_http_front_closed()).
			 */
			shutdown(s->fd, SHUT_RDWR);
			s->shut = true;
		}
	}
}

static void *run(void *arg)
{
	struct lta_http_front *f = arg;
	struct epoll_event events[64];

	for (;;) {
		int n = epoll_wait(f->epoll_fd, events, 64, 100), i;

		for (i = 0; i < n; i++) {
			struct slot *s = events[i].data.ptr;

			if (s == NULL) {
				accept_some(f);
				continue;
			}
			if (s == (struct slot *)f) {
				return NULL;
			}
			pthread_mutex_lock(&f->lock);
			if (s->state == SLOT_LINGERING) {
				linger(f, s);
			} else if (s->state == SLOT_PENDING) {
				read_head(f, s);
			}
			pthread_mutex_unlock(&f->lock);
		}
		pthread_mutex_lock(&f->lock);
		expire(f);
		pthread_mutex_unlock(&f->lock);
		free_dead(f);
	}
}

struct lta_http_front *
lta_http_front_create(struct lta_http *http, int listen_fd,
		      const struct lta_http_front_config *config)
{
	struct lta_http_front *f = calloc(1, sizeof(*f));
	struct epoll_event ev = { .events = EPOLLIN };

	if (!f) {
		return NULL;
	}
	pthread_mutex_init(&f->lock, NULL);
	f->http = http;
	f->listen_fd = listen_fd;
	f->stop_fd = -1;
	f->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	f->limits.max_head = HEAD_MAX;
	f->limits.max_target = TARGET_MAX;
	f->limits.max_body = config->max_body;
	f->request_timeout_ns = config->request_timeout_s * 1000000000LL;
	f->max_connections = config->max_connections;
	f->max_per_address = config->max_per_address;
	if (f->epoll_fd < 0) {
		goto error;
	}
	f->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (f->stop_fd < 0) {
		goto error;
	}
	ev.data.ptr = NULL;
	if (epoll_ctl(f->epoll_fd, EPOLL_CTL_ADD, listen_fd, &ev)) {
		goto error;
	}
	ev.data.ptr = f;
	if (epoll_ctl(f->epoll_fd, EPOLL_CTL_ADD, f->stop_fd, &ev)) {
		goto error;
	}
	return f;

error:
	lta_http_front_destroy(f);
	return NULL;
}

int lta_http_front_run(struct lta_http_front *f, struct MHD_Daemon *daemon)
{
	f->daemon = daemon;
	if (pthread_create(&f->thread, NULL, run, f)) {
		return -EAGAIN;
	}
	f->thread_started = true;
	return 0;
}

void lta_http_front_stop(struct lta_http_front *f)
{
	uint64_t one = 1;

	if (!f || !f->thread_started) {
		return;
	}
	if (write(f->stop_fd, &one, sizeof(one)) != sizeof(one)) {
		LTA_LOGE("Cannot stop the HTTP front thread");
	}
	pthread_join(f->thread, NULL);
	f->thread_started = false;
}

void lta_http_front_destroy(struct lta_http_front *f)
{
	struct slot *s, *next;

	if (!f) {
		return;
	}
	lta_http_front_stop(f);
	free_dead(f);
	/* libmicrohttpd is stopped: what is left is the front's own. */
	for (s = f->head; s; s = next) {
		next = s->next;
		if (s->state == SLOT_PENDING || s->state == SLOT_LINGERING) {
			close(s->fd);
		}
		free(s);
	}
	if (f->epoll_fd >= 0) {
		close(f->epoll_fd);
	}
	if (f->stop_fd >= 0) {
		close(f->stop_fd);
	}
	pthread_mutex_destroy(&f->lock);
	free(f);
}

void *lta_http_front_started(struct lta_http_front *f, int fd)
{
	struct slot *s;

	pthread_mutex_lock(&f->lock);
	for (s = f->head; s; s = s->next) {
		if (s->fd == fd && s->state == SLOT_HANDED) {
			s->state = SLOT_SERVED;
			break;
		}
	}
	pthread_mutex_unlock(&f->lock);
	return s;
}

void lta_http_front_answering(struct lta_http_front *f, void *slot)
{
	struct slot *s = slot;

	if (!s) {
		return;
	}
	pthread_mutex_lock(&f->lock);
	s->answering = true;
	pthread_mutex_unlock(&f->lock);
}

void lta_http_front_closed(struct lta_http_front *f, void *slot)
{
	struct slot *s = slot;

	if (!s) {
		return;
	}
	pthread_mutex_lock(&f->lock);
	unlink_slot(f, s);
	pthread_mutex_unlock(&f->lock);
	free(s);
}
