/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Paths across tiers: the two ends of a connection between traced servers
 * (a PHP page in Apache and MariaDB, a proxy and its upstream), and the
 * requests on each end tied together (doc/tiers.md has the rules).
 *
 * - The client's end is a descriptor a traced process connected. Each
 *   message it sends begins an exchange of the request its thread serves
 *   (thread causality); the exchange ends with the answer read.
 * - The server's end is a connection the segmenter follows anyway: the
 *   requests on it are the server's requests.
 * - The ends are paired only from what both recorded: the client's own
 *   address and port (the user-space tracer's sockname event) against the
 *   peer of the server's accept for TCP; for unix sockets, the path and
 *   both processes. When several ends fit, the pairing is ambiguous and
 *   none is chosen.
 * - Once paired, a request the server begins on the connection answers the
 *   client's latest exchange (message causality: the server reads what the
 *   client wrote, in order).
 */
#include "segment-internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

const char *lta_link_name(enum lta_link link)
{
	switch (link) {
	case LTA_LINK_NONE:
		return "none";
	case LTA_LINK_PAIRED:
		return "paired";
	case LTA_LINK_AMBIGUOUS:
		return "ambiguous";
	}
	return "none";
}

int lta_segment_tiers_init(struct lta_segment *segment)
{
	if (lta_htable_init(&segment->clients, 16) ||
	    lta_htable_init(&segment->unpaired_servers, 16) ||
	    lta_htable_init(&segment->unpaired_clients, 16)) {
		return -ENOMEM;
	}
	return 0;
}

void lta_segment_tiers_fini(struct lta_segment *segment)
{
	size_t pos = 0;
	uint64_t key;
	void *value;

	while (lta_htable_next(&segment->clients, &pos, &key, &value)) {
		free(value);
	}
	lta_htable_fini(&segment->clients);
	lta_htable_fini(&segment->unpaired_servers);
	lta_htable_fini(&segment->unpaired_clients);
}

static uint64_t hash_text(const char *s)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */

	while (*s) {
		h ^= (unsigned char)*s++;
		h *= 1099511628211ULL;
	}
	return h;
}

/* Loopback addresses are the same on every host: the trace tells them. */
static bool is_loopback(const char *addr)
{
	return strncmp(addr, "127.", 4) == 0 ||
	       strcmp(addr, "0:0:0:0:0:0:0:1") == 0;
}

/*
 * The match of a TCP end: its client's "address:port" (the text), and the
 * server's port when known (SERVER_PORT, -1). Two ends fit when their texts
 * are equal and their server ports, when both known, too: Linux gives one
 * local port to connections to different servers at once, so under load a
 * web server's connection to its database and a load generator's
 * connection to the web server can share a client port (the web server's
 * accept took the database client's end for its own, and both tiers' figures
 * were merged).
 */
static void inet_match(struct lta_segment_match *m, uint32_t trace,
		       const char *addr, int port, int server_port)
{
	if (is_loopback(addr)) {
		snprintf(m->text, sizeof(m->text), "T%u|%s:%d", trace, addr,
			 port);
	} else {
		snprintf(m->text, sizeof(m->text), "%s:%d", addr, port);
	}
	m->server_port = server_port;
}

static bool fits(const struct lta_segment_match *a,
		 const struct lta_segment_match *b)
{
	return strcmp(a->text, b->text) == 0 &&
	       (a->server_port < 0 || b->server_port < 0 ||
		a->server_port == b->server_port);
}

/*
 * Whether TRACE's servers say their own address after an accept (a
 * sockname was seen for one): their TCP ends pair then, knowing their port.
 */
static bool server_socknames(const struct lta_segment *segment, uint32_t trace)
{
	return trace < 64 && (segment->server_socknames >> trace) & 1;
}

static void saw_server_sockname(struct lta_segment *segment, uint32_t trace)
{
	if (trace < 64) {
		segment->server_socknames |= 1ull << trace;
	}
}

/* The match text of a unix end: the server's path and the client's pid. */
static void unix_match(struct lta_segment_match *m, uint32_t trace,
		       const char *path, int32_t client_pid)
{
	snprintf(m->text, sizeof(m->text), "U%u|%s|%d", trace, path,
		 client_pid);
	m->server_port = -1;
}

/* Chains END, whose match is M, under M's hash in TABLE. */
static void chain_add(struct lta_htable *table, void *end,
		      struct lta_segment_match *m)
{
	m->hash = hash_text(m->text);
	m->next = lta_htable_get(table, m->hash);
	if (lta_htable_put(table, m->hash, end)) {
		/* Out of memory: it stays unpaired. */
		m->text[0] = '\0';
		m->next = NULL;
	}
}

static struct lta_segment_match *server_match(void *end)
{
	return &((struct lta_segment_connection *)end)->match;
}

static struct lta_segment_match *client_match(void *end)
{
	return &((struct lta_segment_client *)end)->match;
}

/* Unchains END from TABLE (MATCH_OF gives an end's match). */
static void chain_remove(struct lta_htable *table, void *end,
			 struct lta_segment_match *(*match_of)(void *))
{
	struct lta_segment_match *m = match_of(end);
	void *head, *prev = NULL, *cur;

	if (!m->text[0]) {
		return;
	}
	head = lta_htable_get(table, m->hash);
	for (cur = head; cur && cur != end; cur = match_of(cur)->next) {
		prev = cur;
	}
	if (cur) {
		if (prev) {
			match_of(prev)->next = m->next;
		} else if (m->next) {
			/* Replaces the head: cannot fail (key present). */
			(void)lta_htable_put(table, m->hash, m->next);
		} else {
			lta_htable_remove(table, m->hash);
		}
	}
	m->text[0] = '\0';
	m->next = NULL;
}

/* Request ID while it can still change, or NULL. */
static struct lta_segment_request *open_request(struct lta_segment *segment,
						uint64_t id)
{
	struct lta_segment_request *r =
		id ? lta_htable_get(&segment->by_id, id) : NULL;

	return r && !r->emitted ? r : NULL;
}

/* E's latest exchange, while its request can still change, or NULL. */
static struct lta_exchange *latest_exchange(struct lta_segment *segment,
					    const struct lta_segment_client *e)
{
	struct lta_segment_request *r = open_request(segment, e->request);

	if (!r || e->exchange >= r->record.exchange_count) {
		return NULL;
	}
	return &r->record.exchanges[e->exchange];
}

static enum lta_link client_link(const struct lta_segment_client *e)
{
	if (e->server) {
		return LTA_LINK_PAIRED;
	}
	return e->ambiguous ? LTA_LINK_AMBIGUOUS : LTA_LINK_NONE;
}

/* The server's current request answers E's latest exchange. */
static void link_request(struct lta_segment *segment,
			 struct lta_segment_client *e,
			 struct lta_segment_request *r)
{
	struct lta_exchange *x = latest_exchange(segment, e);

	r->record.link = LTA_LINK_PAIRED;
	r->record.upstream = e->request;
	if (x && !x->request) {
		x->request = r->record.id;
		x->link = LTA_LINK_PAIRED;
	}
}

static void pair(struct lta_segment *segment, struct lta_segment_connection *c,
		 struct lta_segment_client *e)
{
	struct lta_segment_request *r = lta_segment_current(c);
	struct lta_exchange *x;

	chain_remove(&segment->unpaired_servers, c, server_match);
	chain_remove(&segment->unpaired_clients, e, client_match);
	c->client = e;
	c->link = LTA_LINK_PAIRED;
	e->server = c;
	e->link = LTA_LINK_PAIRED;
	x = latest_exchange(segment, e);
	if (x) {
		memcpy(x->component, c->component, sizeof(x->component));
		x->link = LTA_LINK_PAIRED;
	}
	/*
	 * Paired after the server's first request began (the accept came
	 * before the client's address did): it answers the connect.
	 */
	if (r && !r->record.upstream && r->record.link == LTA_LINK_NONE) {
		link_request(segment, e, r);
	}
}

/* Client ends that fit server end C: one pairs; several are ambiguous. */
static void pair_server(struct lta_segment *segment,
			struct lta_segment_connection *c)
{
	struct lta_segment_client *cur, *found = NULL;
	int n = 0;

	c->match.hash = hash_text(c->match.text);
	for (cur = lta_htable_get(&segment->unpaired_clients, c->match.hash);
	     cur; cur = cur->match.next) {
		if (!fits(&cur->match, &c->match)) {
			continue;
		}
		n++;
		found = cur;
	}
	if (n == 1 && !found->ambiguous) {
		pair(segment, c, found);
		return;
	}
	if (n > 0) {
		struct lta_segment_request *r = lta_segment_current(c);

		c->link = LTA_LINK_AMBIGUOUS;
		if (r && r->record.link == LTA_LINK_NONE) {
			r->record.link = LTA_LINK_AMBIGUOUS;
		}
		for (cur = lta_htable_get(&segment->unpaired_clients,
					  c->match.hash);
		     cur; cur = cur->match.next) {
			if (fits(&cur->match, &c->match)) {
				cur->ambiguous = true;
			}
		}
		c->match.text[0] = '\0';
		return;
	}
	chain_add(&segment->unpaired_servers, c, &c->match);
}

/* Server ends that fit client end E: one pairs; several are ambiguous. */
static void pair_client(struct lta_segment *segment,
			struct lta_segment_client *e)
{
	struct lta_segment_connection *cur, *found = NULL;
	int n = 0;

	e->match.hash = hash_text(e->match.text);
	for (cur = lta_htable_get(&segment->unpaired_servers, e->match.hash);
	     cur; cur = cur->match.next) {
		if (!fits(&cur->match, &e->match)) {
			continue;
		}
		n++;
		found = cur;
	}
	if (n == 1 && found->link != LTA_LINK_AMBIGUOUS) {
		pair(segment, found, e);
		return;
	}
	if (n > 0) {
		struct lta_exchange *x = latest_exchange(segment, e);

		e->ambiguous = true;
		e->link = LTA_LINK_AMBIGUOUS;
		if (x) {
			x->link = LTA_LINK_AMBIGUOUS;
		}
		for (cur = lta_htable_get(&segment->unpaired_servers,
					  e->match.hash);
		     cur; cur = cur->match.next) {
			if (fits(&cur->match, &e->match)) {
				struct lta_segment_request *r =
					lta_segment_current(cur);

				cur->link = LTA_LINK_AMBIGUOUS;
				if (r && r->record.link == LTA_LINK_NONE) {
					r->record.link = LTA_LINK_AMBIGUOUS;
				}
			}
		}
		e->match.text[0] = '\0';
		return;
	}
	chain_add(&segment->unpaired_clients, e, &e->match);
}

/* procname, or procname@address when the server's own address is known. */
static void set_component(struct lta_segment *segment,
			  struct lta_segment_connection *c, const char *local)
{
	struct lta_segment_request *r = lta_segment_current(c);

	if (local && local[0]) {
		snprintf(c->component, sizeof(c->component), "%s@%s",
			 c->record.procname, local);
	} else {
		snprintf(c->component, sizeof(c->component), "%s",
			 c->record.procname);
	}
	if (r) {
		memcpy(r->record.component, c->component,
		       sizeof(r->record.component));
	}
	if (c->client) {
		struct lta_exchange *x = latest_exchange(segment, c->client);

		if (x) {
			memcpy(x->component, c->component,
			       sizeof(x->component));
		}
	}
}

void lta_segment_server_opened(struct lta_segment *segment,
			       struct lta_segment_connection *c)
{
	const struct lta_connection *k = &c->record;

	c->peer_pid = -1;
	set_component(segment, c, NULL);
	/*
	 * TCP: the peer of the accept is the client's own address. A trace
	 * whose servers say their own address (sockname, right after the
	 * accept) pairs there, knowing the server's port; others now.
	 */
	if ((k->family == AF_INET || k->family == AF_INET6) && k->peer[0] &&
	    k->port >= 0 && !server_socknames(segment, k->trace)) {
		inet_match(&c->match, k->trace, k->peer, k->port, -1);
		pair_server(segment, c);
	}
}

void lta_segment_server_gone(struct lta_segment *segment,
			     struct lta_segment_connection *c)
{
	chain_remove(&segment->unpaired_servers, c, server_match);
	if (c->client && c->client->closed) {
		/* Kept for it after the client closed: its last message. */
		free(c->client);
	} else if (c->client) {
		c->client->server = NULL;
	}
	c->client = NULL;
}

void lta_segment_link_upstream(struct lta_segment *segment,
			       struct lta_segment_connection *c,
			       struct lta_segment_request *r)
{
	memcpy(r->record.component, c->component, sizeof(r->record.component));
	if (c->client) {
		link_request(segment, c->client, r);
	} else if (c->link == LTA_LINK_AMBIGUOUS) {
		r->record.link = LTA_LINK_AMBIGUOUS;
	}
}

/* A call's integer array argument NAME (v4addr, v6addr), or NULL. */
static const struct lta_call_arg *call_arg(const struct lta_call *call,
					   const char *name)
{
	uint8_t i;

	for (i = 0; i < call->nargs; i++) {
		if (call->args[i].name &&
		    strcmp(call->args[i].name, name) == 0) {
			return &call->args[i];
		}
	}
	return NULL;
}

static bool call_int(const struct lta_call *call, const char *name, int64_t *v)
{
	const struct lta_call_arg *a = call_arg(call, name);

	if (a && a->type == LTA_ARG_SINT) {
		*v = a->v.s;
		return true;
	}
	if (a && a->type == LTA_ARG_UINT) {
		*v = (int64_t)a->v.u;
		return true;
	}
	return false;
}

static void forget_client(struct lta_segment *segment,
			  struct lta_segment_client *e)
{
	chain_remove(&segment->unpaired_clients, e, client_match);
	lta_htable_remove(&segment->clients, fd_key(e->trace, e->pid, e->fd));
	if (e->server) {
		/*
		 * The server may read the client's last message (a quit)
		 * after the client closed: its end stays, the server
		 * connection's, until that connection is over.
		 */
		e->closed = true;
		return;
	}
	free(e);
}

/* Begins an exchange of R on E at TS; E's latest from now on. */
static void begin_exchange(struct lta_segment *segment,
			   struct lta_segment_client *e,
			   struct lta_segment_request *r, int64_t ts)
{
	struct lta_exchange *x;

	e->answered = false;
	if (!r || r->emitted) {
		e->request = 0;
		return;
	}
	x = lta_segment_add_exchange(r);
	if (!x) {
		e->request = 0;
		return;
	}
	e->request = r->record.id;
	e->exchange = r->record.exchange_count - 1;
	x->fd = e->fd;
	x->start = ts;
	x->end = ts;
	x->link = client_link(e);
	memcpy(x->peer, e->dest, sizeof(x->peer));
	if (e->server) {
		memcpy(x->component, e->server->component,
		       sizeof(x->component));
	}
}

int lta_segment_client_connected(struct lta_segment *segment,
				 struct lta_segment_thread *t,
				 const struct lta_event *event)
{
	const struct lta_segment_pending *p = &t->pending;
	const struct lta_call_arg *v4, *v6;
	struct lta_segment_client *e, *old;
	int64_t family = -1, port = -1;
	uint64_t key;

	if (p->fd < 0 || p->fd > 0xffffff) {
		return 0;
	}
	key = fd_key(event->trace, event->pid, p->fd);
	old = lta_htable_get(&segment->clients, key);
	if (old) {
		/* Its close was not seen: that connection is over. */
		forget_client(segment, old);
	}
	e = calloc(1, sizeof(*e));
	if (!e) {
		return -ENOMEM;
	}
	e->trace = event->trace;
	e->pid = event->pid;
	e->fd = p->fd;
	e->peer_pid = -1;
	(void)call_int(&p->call, "family", &family);
	(void)call_int(&p->call, "dport", &port);
	e->family = (int)family;
	e->dport = port > 0 && port <= 65535 ? (int)port : -1;
	v4 = call_arg(&p->call, "v4addr");
	v6 = call_arg(&p->call, "v6addr");
	if (family == AF_INET || family == AF_INET6) {
		char addr[48];

		lta_segment_format_addr(
			(int)family,
			v4 && v4->type == LTA_ARG_INTS ? v4->v.ints : NULL,
			v4 && v4->type == LTA_ARG_INTS ? v4->len : 0,
			v6 && v6->type == LTA_ARG_INTS ? v6->v.ints : NULL,
			v6 && v6->type == LTA_ARG_INTS ? v6->len : 0, addr,
			sizeof(addr));
		if (addr[0]) {
			snprintf(e->dest, sizeof(e->dest), "%s:%d", addr,
				 (int)port);
		}
	}
	if (lta_htable_put(&segment->clients, key, e)) {
		free(e);
		return -ENOMEM;
	}
	/* The connect is the first message: a server may speak first. */
	begin_exchange(segment, e, lta_segment_serving(segment, t),
		       p->entry_ts);
	if (e->request) {
		struct lta_exchange *x = latest_exchange(segment, e);

		if (x) {
			x->end = event->ts;
		}
	}
	return 0;
}

void lta_segment_client_entry(struct lta_segment *segment,
			      struct lta_segment_thread *t,
			      struct lta_segment_request *r,
			      const struct lta_event *event, int32_t fd)
{
	struct lta_segment_client *e;

	(void)t;
	if (!segment->clients.count || fd < 0 || !is_write(event->syscall)) {
		return;
	}
	e = lta_htable_get(&segment->clients,
			   fd_key(event->trace, event->pid, fd));
	if (!e) {
		return;
	}
	/* A message after the answer, or for another request: a new one. */
	if (e->answered || !e->request || !r || e->request != r->record.id) {
		begin_exchange(segment, e, r, event->ts);
	}
}

void lta_segment_client_exit(struct lta_segment *segment,
			     const struct lta_event *event, int32_t fd,
			     int64_t ret)
{
	struct lta_segment_client *e;
	struct lta_exchange *x;

	if (!segment->clients.count || fd < 0) {
		return;
	}
	e = lta_htable_get(&segment->clients,
			   fd_key(event->trace, event->pid, fd));
	if (!e) {
		return;
	}
	x = latest_exchange(segment, e);
	if (is_read(event->syscall)) {
		if (ret > 0) {
			e->answered = true;
			if (x) {
				x->bytes_in += (uint64_t)ret;
				x->end = event->ts;
			}
		}
	} else if (x && ret > 0) {
		x->bytes_out += (uint64_t)ret;
		x->end = event->ts;
	}
}

void lta_segment_client_closed(struct lta_segment *segment, uint32_t trace,
			       int32_t pid, int32_t fd)
{
	struct lta_segment_client *e;

	if (!segment->clients.count || fd < 0) {
		return;
	}
	e = lta_htable_get(&segment->clients, fd_key(trace, pid, fd));
	if (e) {
		forget_client(segment, e);
	}
}

void lta_segment_clients_gone(struct lta_segment *segment, uint32_t trace,
			      int32_t pid)
{
	struct lta_segment_client **gone = NULL;
	size_t pos = 0, n = 0, cap = 0, i;
	uint64_t key;
	void *value;

	while (lta_htable_next(&segment->clients, &pos, &key, &value)) {
		struct lta_segment_client *e = value;

		if (e->trace != trace || e->pid != pid) {
			continue;
		}
		if (n == cap) {
			struct lta_segment_client **grown;

			cap = cap ? cap * 2 : 16;
			grown = realloc(gone, cap * sizeof(*gone));
			if (!grown) {
				break;
			}
			gone = grown;
		}
		gone[n++] = e;
	}
	/* Removing moves entries: collect first, then remove. */
	for (i = 0; i < n; i++) {
		forget_client(segment, gone[i]);
	}
	free(gone);
}

static const char *arg_string(const struct lta_event *event, const char *name)
{
	const struct lta_arg *a = lta_event_find_arg(event, name);

	return a && a->type == LTA_ARG_STRING && a->v.str ? a->v.str : "";
}

static int64_t arg_int(const struct lta_event *event, const char *name,
		       int64_t absent)
{
	const struct lta_arg *a = lta_event_find_arg(event, name);
	int64_t v;

	return arg_value(a, &v) ? v : absent;
}

/* The local address of the sockname EVENT ("" when none). */
static void sockname_addr(const struct lta_event *event, int family, char *out,
			  size_t size)
{
	const struct lta_arg *v4 = lta_event_find_arg(event, "v4addr");
	const struct lta_arg *v6 = lta_event_find_arg(event, "v6addr");

	lta_segment_format_addr(
		family, v4 && v4->type == LTA_ARG_INTS ? v4->v.ints : NULL,
		v4 && v4->type == LTA_ARG_INTS ? v4->len : 0,
		v6 && v6->type == LTA_ARG_INTS ? v6->v.ints : NULL,
		v6 && v6->type == LTA_ARG_INTS ? v6->len : 0, out, size);
}

/* The server's own address: "address:port", or its unix path. */
static void sockname_local(const struct lta_event *event, int family, char *out,
			   size_t size)
{
	char addr[48];

	out[0] = '\0';
	if (family == AF_UNIX) {
		snprintf(out, size, "%s", arg_string(event, "local_path"));
		return;
	}
	sockname_addr(event, family, addr, sizeof(addr));
	if (addr[0]) {
		snprintf(out, size, "%s:%d", addr,
			 (int)arg_int(event, "lport", -1));
	}
}

int lta_segment_handle_sockname(struct lta_segment *segment,
				const struct lta_event *event)
{
	int64_t fd = arg_int(event, "fd", -1);
	int family = (int)arg_int(event, "family", -1);
	struct lta_segment_connection *c;
	struct lta_segment_client *e;
	uint64_t key;

	if (fd < 0 || fd > 0xffffff) {
		return 0;
	}
	key = fd_key(event->trace, event->pid, (int32_t)fd);
	c = lta_htable_get(&segment->by_fd, key);
	if (c) {
		/* The server's end: its name, and for unix its client. */
		char local[LTA_COMPONENT_MAX];
		int lport = (int)arg_int(event, "lport", -1);

		sockname_local(event, family, local, sizeof(local));
		set_component(segment, c, local);

		if ((family == AF_INET || family == AF_INET6) && lport > 0) {
			if (c->match.text[0]) {
				/* Waiting since its accept: now its port. */
				c->match.server_port = lport;
			} else if (!c->client && c->link == LTA_LINK_NONE &&
				   c->record.peer[0] && c->record.port >= 0) {
				inet_match(&c->match, c->record.trace,
					   c->record.peer, c->record.port,
					   lport);
				pair_server(segment, c);
			}
		}
		if (family == AF_INET || family == AF_INET6) {
			saw_server_sockname(segment, c->record.trace);
		}
		if (family == AF_UNIX && !c->client &&
		    c->link == LTA_LINK_NONE && !c->match.text[0]) {
			/* The whole path: the name above may be cut. */
			const char *path = arg_string(event, "local_path");

			c->peer_pid = (int32_t)arg_int(event, "peer_pid", -1);
			if (path[0] && c->peer_pid >= 0) {
				unix_match(&c->match, c->record.trace, path,
					   c->peer_pid);
				pair_server(segment, c);
			}
		}
		return 0;
	}
	e = lta_htable_get(&segment->clients, key);
	if (!e || e->server || e->ambiguous || e->match.text[0]) {
		return 0;
	}
	e->peer_pid = (int32_t)arg_int(event, "peer_pid", -1);
	if (family == AF_UNIX) {
		const char *path = arg_string(event, "peer_path");
		struct lta_exchange *x = latest_exchange(segment, e);

		if (!path[0]) {
			return 0;
		}
		snprintf(e->dest, sizeof(e->dest), "%s", path);
		if (x) {
			memcpy(x->peer, e->dest, sizeof(x->peer));
		}
		unix_match(&e->match, e->trace, path, e->pid);
	} else {
		int port = (int)arg_int(event, "lport", -1);
		char addr[48];

		sockname_addr(event, family, addr, sizeof(addr));
		if (!addr[0] || port <= 0) {
			return 0;
		}
		snprintf(e->local, sizeof(e->local), "%s:%d", addr, port);
		inet_match(&e->match, e->trace, addr, port, e->dport);
	}
	pair_client(segment, e);
	return 0;
}
