#include "segment.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/assert-dbg.h"
#include "common/htable.h"

#define DEFAULT_MAX_CALLS 1000
#define THREAD_SWEEP_LIMIT 65536

/* A system call a thread is in, from its entry. */
struct pending {
	bool active;
	const char *name; /* Interned. */
	enum lta_syscall syscall;
	int64_t entry_ts;
	int32_t fd;		     /* The descriptor it acts on; -1. */
	struct lta_request *request; /* Holds a ref; or NULL. */
	struct lta_call call;	     /* Entry arguments, ready to merge. */
	char strings[256];	     /* Entry string arguments. */
	uint32_t strings_len;
};

enum sched_state {
	SCHED_UNKNOWN = 0,
	SCHED_RUNNING,
	SCHED_WAITING, /* Runnable, not on a CPU. */
	SCHED_BLOCKED,
};

/*
 * A connection being followed: its record, and the request on it now
 * (NULL while the connection is idle between requests).
 */
struct lta_segment_connection {
	struct lta_connection record;
	struct lta_request *current; /* Borrowed from by_id; or NULL. */
	int64_t idle_since;	     /* -1 when not idle. */
	uint32_t positions;	     /* Requests begun on it. */
	/*
	 * HTTP requests received (the user-space tracer's http events) and
	 * not answered yet: pipelined ones waiting behind the current one.
	 */
	uint32_t queued;
};

struct thread_state {
	uint32_t trace;
	int32_t tid;
	int32_t pid; /* -1 until a system call says. */
	enum sched_state sched;
	int64_t sched_since;
	enum lta_fd_type blocked_on;
	uint64_t serving; /* Request id, 0 when none. */
	struct pending pending;

	/* Derived interactions (on_point only). */
	enum lta_fd_type last_other; /* Socket/pipe touched last, or COUNT. */
	bool in_interaction;
	int32_t interaction_pid;
	uint64_t interaction_service; /* Request id. */
	char interaction_entity[32];
	char interaction_name[48];

	/*
	 * What the tracer's http event said of the read the thread is in,
	 * on an idle connection: applied to the request that read begins.
	 */
	uint32_t http_messages;
	char http_line[LTA_REQUEST_LINE_MAX];
};

struct lta_segment {
	struct lta_segment_options options;
	char *process; /* Owned copy. */
	lta_segment_request_func on_request;
	void *user_data;

	uint64_t next_id;
	uint64_t next_connection_id;
	/* (trace, pid, fd) -> connection, until its close is entered. */
	struct lta_htable by_fd;
	struct lta_htable by_id; /* id -> owned request (all live). */
	/* Connection id -> owned connection (all not handed out). */
	struct lta_htable connections;
	struct lta_htable threads; /* (trace, tid) -> owned state. */
	/* (trace, pid, fd) -> descriptor type + 1, as a pointer value. */
	struct lta_htable fd_types;
	struct lta_segment_counters counters;
	int stop; /* What on_request returned. */

	/*
	 * Handed-out requests kept for reuse with their buffers: in steady
	 * state a request costs no allocation.
	 */
	struct lta_request *spare[64];
	size_t spare_count;

	/* Where the peer fields of the last accept layout were. */
	const char *peer_names[4]; /* Field names, borrowed. */
	int8_t peer_index[4];

	/*
	 * Interned names of other events: the tracer's http event, and the
	 * last name found not to be it (one comparison per event after).
	 */
	const char *http_name;
	const char *not_http_name;
};

#define HTTP_EVENT_NAME "lttng_analyzer_syscall:http"

static inline uint64_t fd_key(uint32_t trace, int32_t pid, int32_t fd)
{
	/* 16 bits of trace, 24 of pid (PID_MAX_LIMIT is 2^22), 24 of fd. */
	return ((uint64_t)(trace & 0xffff) << 48) |
	       ((uint64_t)((uint32_t)pid & 0xffffff) << 24) |
	       ((uint32_t)fd & 0xffffff);
}

static inline uint64_t thread_key(uint32_t trace, int32_t tid)
{
	return ((uint64_t)trace << 32) | (uint32_t)tid;
}

const char *lta_request_end_name(enum lta_request_end end)
{
	switch (end) {
	case LTA_REQUEST_END_CLOSE:
		return "close";
	case LTA_REQUEST_END_SHUTDOWN:
		return "shutdown";
	case LTA_REQUEST_END_EMPTY:
		return "empty";
	case LTA_REQUEST_END_ABORTED:
		return "aborted";
	case LTA_REQUEST_END_OPEN:
		return "open";
	case LTA_REQUEST_END_REPLACED:
		return "replaced";
	case LTA_REQUEST_END_KEEPALIVE:
		return "keepalive";
	}
	return "unknown";
}

const char *lta_fd_type_name(enum lta_fd_type type)
{
	static const char *const names[LTA_FD_TYPE_COUNT] = {
		[LTA_FD_CLIENT] = "client", [LTA_FD_SOCKET] = "socket",
		[LTA_FD_FILE] = "file",	    [LTA_FD_PIPE] = "pipe",
		[LTA_FD_OTHER] = "other",
	};

	return (unsigned)type < LTA_FD_TYPE_COUNT ? names[type] : "other";
}

bool lta_request_end_from_name(const char *name, enum lta_request_end *end)
{
	int i;

	for (i = LTA_REQUEST_END_CLOSE; i < LTA_REQUEST_END_COUNT; i++) {
		if (strcmp(name, lta_request_end_name(i)) == 0) {
			*end = (enum lta_request_end)i;
			return true;
		}
	}
	return false;
}

const char *lta_request_string(const struct lta_request *request,
			       const struct lta_call_arg *arg)
{
	if (arg->type != LTA_ARG_STRING || !request->strings ||
	    arg->v.str >= request->strings_len) {
		return "";
	}
	return request->strings + arg->v.str;
}

struct lta_segment *
lta_segment_create(const struct lta_segment_options *options,
		   lta_segment_request_func on_request, void *user_data)
{
	struct lta_segment *segment = calloc(1, sizeof(*segment));

	if (!segment) {
		return NULL;
	}
	segment->options.max_calls = DEFAULT_MAX_CALLS;
	if (options) {
		segment->options = *options;
		if (options->process) {
			segment->process = strdup(options->process);
			if (!segment->process) {
				goto error;
			}
		}
	}
	segment->options.process = segment->process;
	segment->on_request = on_request;
	segment->user_data = user_data;
	memset(segment->peer_index, -1, sizeof(segment->peer_index));
	segment->next_id = 1;
	segment->next_connection_id = 1;
	if (lta_htable_init(&segment->by_fd, 256) ||
	    lta_htable_init(&segment->connections, 256) ||
	    lta_htable_init(&segment->by_id, 256) ||
	    lta_htable_init(&segment->threads, 256) ||
	    lta_htable_init(&segment->fd_types, 256)) {
		goto error;
	}
	return segment;

error:
	lta_segment_destroy(segment);
	return NULL;
}

static void free_request(struct lta_request *r)
{
	if (!r) {
		return;
	}
	free(r->calls);
	free(r->counts);
	free(r->strings);
	free(r);
}

static int grow_to(void **buf, uint32_t *cap, uint32_t need, size_t size)
{
	void *grown;

	if (need <= *cap) {
		return 0;
	}
	grown = realloc(*buf, (size_t)need * size);
	if (!grown) {
		return -ENOMEM;
	}
	*buf = grown;
	*cap = need;
	return 0;
}

int lta_request_copy(struct lta_request *dst, const struct lta_request *src)
{
	struct lta_call *calls = dst->calls;
	struct lta_call_count *counts = dst->counts;
	char *strings = dst->strings;
	uint32_t calls_cap = dst->calls_cap, counts_cap = dst->counts_cap,
		 strings_cap = dst->strings_cap;
	uint32_t i;
	int ret = 0;

	*dst = *src;
	dst->calls = calls;
	dst->calls_cap = calls_cap;
	dst->counts = counts;
	dst->counts_cap = counts_cap;
	dst->strings = strings;
	dst->strings_cap = strings_cap;
	if (grow_to((void **)&dst->calls, &dst->calls_cap, src->call_count,
		    sizeof(*dst->calls)) ||
	    grow_to((void **)&dst->counts, &dst->counts_cap, src->count_kinds,
		    sizeof(*dst->counts)) ||
	    grow_to((void **)&dst->strings, &dst->strings_cap, src->strings_len,
		    1)) {
		dst->call_count = 0;
		dst->count_kinds = 0;
		dst->strings_len = 0;
		return -ENOMEM;
	}
	for (i = 0; i < src->call_count; i++) {
		/* The header and the arguments in use only. */
		memcpy(&dst->calls[i], &src->calls[i],
		       offsetof(struct lta_call, args));
		memcpy(dst->calls[i].args, src->calls[i].args,
		       src->calls[i].nargs * sizeof(src->calls[i].args[0]));
	}
	if (src->count_kinds) {
		memcpy(dst->counts, src->counts,
		       src->count_kinds * sizeof(*dst->counts));
	}
	if (src->strings_len) {
		memcpy(dst->strings, src->strings, src->strings_len);
	}
	return ret;
}

void lta_request_fini(struct lta_request *r)
{
	free(r->calls);
	free(r->counts);
	free(r->strings);
	r->calls = NULL;
	r->counts = NULL;
	r->strings = NULL;
	r->calls_cap = r->counts_cap = r->strings_cap = 0;
}

/* Frees R, or keeps it (and its buffers) for the next request. */
static void recycle_request(struct lta_segment *segment, struct lta_request *r)
{
	if (segment->spare_count ==
	    sizeof(segment->spare) / sizeof(segment->spare[0])) {
		free_request(r);
		return;
	}
	segment->spare[segment->spare_count++] = r;
}

/* A zeroed request, with the buffers of a recycled one when there is. */
static struct lta_request *new_request(struct lta_segment *segment)
{
	struct lta_request *r;
	struct lta_call *calls;
	struct lta_call_count *counts;
	char *strings;
	uint32_t calls_cap, counts_cap, strings_cap;

	if (!segment->spare_count) {
		return calloc(1, sizeof(struct lta_request));
	}
	r = segment->spare[--segment->spare_count];
	calls = r->calls;
	calls_cap = r->calls_cap;
	counts = r->counts;
	counts_cap = r->counts_cap;
	strings = r->strings;
	strings_cap = r->strings_cap;
	memset(r, 0, sizeof(*r));
	r->calls = calls;
	r->calls_cap = calls_cap;
	r->counts = counts;
	r->counts_cap = counts_cap;
	r->strings = strings;
	r->strings_cap = strings_cap;
	return r;
}

/* Hands R out (once) and frees it when no call in flight refers to it. */
static void release(struct lta_segment *segment, struct lta_request *r)
{
	if (r->refs > 0 || !r->emitted) {
		return;
	}
	lta_htable_remove(&segment->by_id, r->id);
	recycle_request(segment, r);
}

static void emit(struct lta_segment *segment, struct lta_request *r)
{
	struct lta_segment_connection *c = r->conn;
	int ret = 0;

	if (r->emitted) {
		return;
	}
	if (c) {
		c->record.requests++;
		if (r->incomplete) {
			c->record.incomplete = true;
		}
		if (c->current == r) {
			c->current = NULL;
		}
		r->conn = NULL;
	}
	if ((r->end_reason == LTA_REQUEST_END_CLOSE ||
	     r->end_reason == LTA_REQUEST_END_SHUTDOWN) &&
	    r->bytes_read == 0) {
		r->end_reason = LTA_REQUEST_END_EMPTY;
	}
	r->truncated = r->call_total > r->call_count;
	r->emitted = true;
	if (r->incomplete) {
		segment->counters.requests_incomplete++;
	}
	segment->counters.requests_emitted++;
	segment->counters.requests_open--;
	if (segment->on_request) {
		ret = segment->on_request(r, segment->user_data);
	}
	if (ret && !segment->stop) {
		segment->stop = ret;
	}
}

static inline uint64_t connection_fd_key(const struct lta_segment_connection *c)
{
	return fd_key(c->record.trace, c->record.pid, c->record.fd);
}

/* The connection's descriptor is closed: its number may be reused. */
static void forget_connection_fd(struct lta_segment *segment,
				 struct lta_segment_connection *c)
{
	uint64_t key = connection_fd_key(c);

	if (lta_htable_get(&segment->by_fd, key) == c) {
		lta_htable_remove(&segment->by_fd, key);
	}
}

/*
 * Hands connection C out and frees it. Its request, if any, must have been
 * handed out first (emit() detaches it).
 */
static void hand_out_connection(struct lta_segment *segment,
				struct lta_segment_connection *c)
{
	struct lta_connection *k = &c->record;
	int ret = 0;

	if (c->current) {
		/* Not handed out: the caller could not (out of memory). */
		c->current->conn = NULL;
		c->current = NULL;
	}
	if (c->idle_since >= 0 && k->end >= c->idle_since) {
		k->idle_ns += k->end - c->idle_since;
	}
	if ((k->end_reason == LTA_REQUEST_END_CLOSE ||
	     k->end_reason == LTA_REQUEST_END_SHUTDOWN) &&
	    k->bytes_read == 0) {
		k->end_reason = LTA_REQUEST_END_EMPTY;
	}
	forget_connection_fd(segment, c);
	lta_htable_remove(&segment->connections, k->id);
	segment->counters.connections_open--;
	if (segment->options.on_connection) {
		ret = segment->options.on_connection(
			k, segment->options.connection_data);
	}
	if (ret && !segment->stop) {
		segment->stop = ret;
	}
	free(c);
}

/* A shutdown or a close of the connection's descriptor entered at TS. */
static void connection_ends(struct lta_segment_connection *c,
			    enum lta_syscall syscall, int64_t ts)
{
	struct lta_connection *k = &c->record;

	if (syscall == LTA_SYSCALL_shutdown) {
		if (k->shutdown_ts < 0) {
			k->shutdown_ts = ts;
		}
	} else if (k->close_ts < 0) {
		k->close_ts = ts;
	}
	if (k->end < 0) {
		k->end = ts;
		k->end_reason = syscall == LTA_SYSCALL_shutdown
					? LTA_REQUEST_END_SHUTDOWN
					: LTA_REQUEST_END_CLOSE;
	}
}

static void point(struct lta_segment *segment,
		  const struct lta_segment_point *p)
{
	int ret = segment->options.on_point(p, segment->options.point_data);

	if (ret && !segment->stop) {
		segment->stop = ret;
	}
}

/* The service that request R is: its start or its end at TS. */
static void service_point(struct lta_segment *segment,
			  const struct lta_request *r, int32_t tid, bool end,
			  int64_t ts)
{
	struct lta_segment_point p = {
		.end = end,
		.trace = r->trace,
		.pid = r->pid,
		.tid = tid,
		.entity = r->procname,
		.name = "request",
		.key = r->id,
		.ts = ts,
	};

	if (segment->options.on_point) {
		point(segment, &p);
	}
}

/*
 * Ends R now with REASON if it has not ended, and forgets its descriptor
 * when FORGET_FD (close, process exit): the number may be reused.
 */
static void end_request(struct lta_segment *segment, struct lta_request *r,
			int64_t ts, enum lta_request_end reason, bool forget_fd)
{
	if (!r->ended) {
		r->ended = true;
		r->end = ts;
		r->end_reason = reason;
		if (reason != LTA_REQUEST_END_ABORTED) {
			service_point(segment, r, -1, true, ts);
		}
	}
	if (forget_fd && r->conn) {
		forget_connection_fd(segment, r->conn);
	}
}

/*
 * Hands R out and, when its descriptor is closed, its connection too: the
 * close completed, or its exit was lost.
 */
static void emit_closed(struct lta_segment *segment, struct lta_request *r)
{
	struct lta_segment_connection *c = r->conn;

	emit(segment, r);
	if (c && c->record.close_ts >= 0) {
		hand_out_connection(segment, c);
	}
}

static struct thread_state *thread_of(struct lta_segment *segment,
				      uint32_t trace, int32_t tid)
{
	uint64_t key = thread_key(trace, tid);
	struct thread_state *t = lta_htable_get(&segment->threads, key);

	if (t) {
		return t;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		return NULL;
	}
	t->trace = trace;
	t->tid = tid;
	t->pid = -1;
	t->last_other = LTA_FD_TYPE_COUNT;
	if (lta_htable_put(&segment->threads, key, t)) {
		free(t);
		return NULL;
	}
	segment->counters.threads++;
	return t;
}

/*
 * Whether the call THREAD is in is the close of request R's descriptor:
 * once that call is over (or its exit lost), nothing more can come for R.
 */
static bool closes_request(const struct thread_state *t,
			   const struct lta_request *r)
{
	return r && t->pending.syscall == LTA_SYSCALL_close &&
	       t->pending.fd == r->fd && r->close_ts >= 0;
}

/*
 * Drops the call THREAD is in, and its reference to a request. A close of
 * the request's descriptor whose exit was lost (a discard, or the thread
 * went on without it) hands the request out now: waiting for an exit that
 * will not come would keep it from a live analysis until the trace ends.
 */
static void drop_pending(struct lta_segment *segment, struct thread_state *t)
{
	struct lta_request *r = t->pending.request;

	if (closes_request(t, r) && !r->emitted) {
		emit_closed(segment, r);
	}
	t->pending.active = false;
	t->pending.request = NULL;
	if (r) {
		LTA_ASSERT_DBG(r->refs > 0);
		r->refs--;
		release(segment, r);
	}
}

static struct lta_request *serving(struct lta_segment *segment,
				   struct thread_state *t)
{
	struct lta_request *r;

	if (!t->serving) {
		return NULL;
	}
	r = lta_htable_get(&segment->by_id, t->serving);
	if (!r || r->ended) {
		t->serving = 0;
		return NULL;
	}
	return r;
}

/* The descriptor a system-call entry acts on, or -1. */
static int32_t entry_fd(const struct lta_event *event)
{
	int64_t fd;

	if (event->syscall == LTA_SYSCALL_sendfile ||
	    event->syscall == LTA_SYSCALL_sendfile64) {
		const struct lta_arg *a = lta_event_find_arg(event, "out_fd");

		if (a && a->type == LTA_ARG_SINT) {
			return (int32_t)a->v.s;
		}
		if (a && a->type == LTA_ARG_UINT) {
			return (int32_t)a->v.u;
		}
		return -1;
	}
	if (!lta_event_arg_int(event, event->fd_arg, &fd) || fd < 0 ||
	    fd > INT32_MAX) {
		return -1;
	}
	return (int32_t)fd;
}

static bool is_read(enum lta_syscall s)
{
	switch (s) {
	case LTA_SYSCALL_read:
	case LTA_SYSCALL_readv:
	case LTA_SYSCALL_pread64:
	case LTA_SYSCALL_preadv:
	case LTA_SYSCALL_preadv2:
	case LTA_SYSCALL_recvfrom:
	case LTA_SYSCALL_recvmsg:
		return true;
	default:
		return false;
	}
}

static bool is_write(enum lta_syscall s)
{
	switch (s) {
	case LTA_SYSCALL_write:
	case LTA_SYSCALL_writev:
	case LTA_SYSCALL_pwrite64:
	case LTA_SYSCALL_pwritev:
	case LTA_SYSCALL_pwritev2:
	case LTA_SYSCALL_sendto:
	case LTA_SYSCALL_sendmsg:
	case LTA_SYSCALL_sendfile:
	case LTA_SYSCALL_sendfile64:
		return true;
	default:
		return false;
	}
}

static bool is_accept(enum lta_syscall s)
{
	return s == LTA_SYSCALL_accept || s == LTA_SYSCALL_accept4;
}

/* A thread entering these is waiting for new work, not serving. */
static bool waits_for_work(enum lta_syscall s)
{
	return is_accept(s) || s == LTA_SYSCALL_epoll_wait ||
	       s == LTA_SYSCALL_epoll_pwait;
}

/*
 * Notes the thread of a call of R that began at START: a thread that
 * served R before its end goes in tids; one that only touched it after
 * (the lingering close of an event MPM, made by whichever worker is free)
 * in late_tids.
 */
static void note_tid(struct lta_request *r, int32_t tid, int64_t start)
{
	uint8_t i;

	for (i = 0; i < r->tid_count; i++) {
		if (r->tids[i] == tid) {
			return;
		}
	}
	if (r->ended && start > r->end) {
		for (i = 0; i < r->late_tid_count; i++) {
			if (r->late_tids[i] == tid) {
				return;
			}
		}
		if (r->late_tid_count < LTA_REQUEST_MAX_LATE_TIDS) {
			r->late_tids[r->late_tid_count++] = tid;
		}
		return;
	}
	if (r->tid_count == LTA_REQUEST_MAX_TIDS) {
		r->tids_truncated = true;
		return;
	}
	r->tids[r->tid_count++] = tid;
}

static int count_call(struct lta_request *r, const char *name)
{
	uint32_t i;

	for (i = 0; i < r->count_kinds; i++) {
		if (r->counts[i].name == name) {
			r->counts[i].count++;
			return 0;
		}
	}
	if (r->count_kinds == r->counts_cap) {
		uint32_t cap = r->counts_cap ? r->counts_cap * 2 : 8;
		struct lta_call_count *grown =
			realloc(r->counts, cap * sizeof(*grown));

		if (!grown) {
			return -ENOMEM;
		}
		r->counts = grown;
		r->counts_cap = cap;
	}
	r->counts[r->count_kinds].name = name;
	r->counts[r->count_kinds].count = 1;
	r->count_kinds++;
	return 0;
}

static uint32_t add_string(struct lta_request *r, const char *s)
{
	size_t len = strlen(s) + 1;
	uint32_t at;

	if (r->strings_len + len > r->strings_cap) {
		uint32_t cap = r->strings_cap ? r->strings_cap : 256;
		char *grown;

		while (cap < r->strings_len + len) {
			cap *= 2;
		}
		grown = realloc(r->strings, cap);
		if (!grown) {
			return UINT32_MAX;
		}
		r->strings = grown;
		r->strings_cap = cap;
	}
	at = r->strings_len;
	memcpy(r->strings + at, s, len);
	r->strings_len += (uint32_t)len;
	return at;
}

/* Appends the merged call to R (if room), with strings moved into R. */
static int append_call(struct lta_segment *segment, struct lta_request *r,
		       const struct lta_call *call, const char *strings)
{
	struct lta_call *out;
	uint8_t i;

	note_tid(r, call->tid, call->start);
	r->call_total++;
	if (count_call(r, call->name)) {
		return -ENOMEM;
	}
	if (r->call_count >= segment->options.max_calls) {
		return 0;
	}
	if (r->call_count == r->calls_cap) {
		uint32_t cap = r->calls_cap ? r->calls_cap * 2 : 8;
		struct lta_call *grown;

		if (cap > segment->options.max_calls) {
			cap = segment->options.max_calls;
		}
		grown = realloc(r->calls, cap * sizeof(*grown));
		if (!grown) {
			return -ENOMEM;
		}
		r->calls = grown;
		r->calls_cap = cap;
	}
	out = &r->calls[r->call_count++];
	/* Header and the arguments in use: a whole struct is 300 bytes. */
	memcpy(out, call, offsetof(struct lta_call, args));
	memcpy(out->args, call->args, call->nargs * sizeof(call->args[0]));
	for (i = 0; i < out->nargs; i++) {
		if (out->args[i].type == LTA_ARG_STRING) {
			uint32_t at =
				add_string(r, strings + call->args[i].v.str);

			if (at == UINT32_MAX) {
				return -ENOMEM;
			}
			out->args[i].v.str = at;
		}
	}
	return 0;
}

/* Copies EVENT's arguments (entry) into CALL, strings into PENDING. */
static void copy_args(struct pending *p, const struct lta_event *event)
{
	uint8_t i, n = 0;

	p->strings_len = 0;
	for (i = 0; i < event->nargs && n < LTA_CALL_MAX_ARGS; i++) {
		const struct lta_arg *a = &event->args[i];
		struct lta_call_arg *out = &p->call.args[n];

		out->name = a->name;
		out->type = a->type;
		out->len = a->len;
		switch (a->type) {
		case LTA_ARG_STRING: {
			size_t len = strlen(a->v.str);
			size_t room = sizeof(p->strings) - p->strings_len;

			if (room == 0) {
				out->type = LTA_ARG_NONE;
				break;
			}
			if (len >= room) {
				len = room - 1;
			}
			memcpy(p->strings + p->strings_len, a->v.str, len);
			p->strings[p->strings_len + len] = '\0';
			out->v.str = p->strings_len;
			p->strings_len += (uint32_t)len + 1;
			break;
		}
		case LTA_ARG_INTS:
			if (out->len > LTA_CALL_INTS_MAX) {
				out->len = LTA_CALL_INTS_MAX;
			}
			memcpy(out->v.ints, a->v.ints, sizeof(out->v.ints));
			break;
		case LTA_ARG_SINT:
			out->v.s = a->v.s;
			break;
		case LTA_ARG_UINT:
			out->v.u = a->v.u;
			break;
		case LTA_ARG_REAL:
			out->v.real = a->v.real;
			break;
		default:
			break;
		}
		n++;
	}
	p->call.nargs = n;
}

/*
 * Finds the argument NAME (slot K of the peer fields) of an accept exit.
 * Events of one layout carry the same field-name pointers, so the index
 * found last time is checked by pointer before any string is compared.
 */
static const struct lta_arg *peer_arg(struct lta_segment *segment,
				      const struct lta_event *event, int k,
				      const char *name)
{
	int8_t i = segment->peer_index[k];
	uint8_t j;

	if (i >= 0 && i < event->nargs &&
	    event->args[i].name == segment->peer_names[k]) {
		return &event->args[i];
	}
	for (j = 0; j < event->nargs; j++) {
		if (event->args[j].name &&
		    strcmp(event->args[j].name, name) == 0) {
			segment->peer_index[k] = (int8_t)j;
			segment->peer_names[k] = event->args[j].name;
			return &event->args[j];
		}
	}
	return NULL;
}

static bool arg_value(const struct lta_arg *a, int64_t *v)
{
	if (a && a->type == LTA_ARG_UINT) {
		*v = (int64_t)a->v.u;
		return true;
	}
	if (a && a->type == LTA_ARG_SINT) {
		*v = a->v.s;
		return true;
	}
	return false;
}

static char *put_decimal(char *p, unsigned v)
{
	char tmp[12];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n) {
		*p++ = tmp[--n];
	}
	return p;
}

static void set_peer(struct lta_segment *segment, struct lta_connection *r,
		     const struct lta_event *event)
{
	const struct lta_arg *v4 = peer_arg(segment, event, 2, "v4addr");
	const struct lta_arg *v6 = peer_arg(segment, event, 3, "v6addr");
	int64_t value;

	r->family = -1;
	r->port = -1;
	r->peer[0] = '\0';
	if (arg_value(peer_arg(segment, event, 0, "family"), &value)) {
		r->family = (int)value;
	}
	if (arg_value(peer_arg(segment, event, 1, "sport"), &value) &&
	    (r->family == AF_INET || r->family == AF_INET6)) {
		r->port = (int)value;
	}
	if (r->family == AF_INET && v4 && v4->type == LTA_ARG_INTS &&
	    v4->len == 4) {
		char *p = r->peer;
		int i;

		for (i = 0; i < 4; i++) {
			p = put_decimal(p, v4->v.ints[i] & 0xff);
			*p++ = i < 3 ? '.' : '\0';
		}
	} else if (r->family == AF_INET6 && v6 && v6->type == LTA_ARG_INTS &&
		   (v6->len == 8 || v6->len == 16)) {
		uint16_t w[8];
		int i;

		for (i = 0; i < 8; i++) {
			/* 8 x u16 (lttng-modules) or 16 x u8 (older). */
			w[i] = v6->len == 8
				       ? v6->v.ints[i]
				       : (uint16_t)((v6->v.ints[2 * i] << 8) |
						    v6->v.ints[2 * i + 1]);
		}
		snprintf(r->peer, sizeof(r->peer), "%x:%x:%x:%x:%x:%x:%x:%x",
			 w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]);
	} else if (r->family == AF_UNIX) {
		memcpy(r->peer, "unix", 5);
	}
}

/*
 * Begins a request on connection C at START (the accept exit for the first
 * one; the entry of the read that brought the first bytes of the next
 * ones), served by thread TID. Returns NULL when out of memory.
 */
static struct lta_request *begin_request(struct lta_segment *segment,
					 struct lta_segment_connection *c,
					 int64_t start, int32_t tid)
{
	const struct lta_connection *k = &c->record;
	struct lta_request *r = new_request(segment);

	if (!r) {
		return NULL;
	}
	r->id = segment->next_id;
	r->connection_id = k->id;
	r->position = c->positions + 1;
	r->trace = k->trace;
	r->pid = k->pid;
	r->fd = k->fd;
	memcpy(r->procname, k->procname, sizeof(r->procname));
	r->family = k->family;
	r->port = k->port;
	memcpy(r->peer, k->peer, sizeof(r->peer));
	r->accept_entry = r->position == 1 ? k->accept_entry : -1;
	r->start = start;
	r->end = -1;
	r->answered_ts = -1;
	r->shutdown_ts = -1;
	r->close_ts = -1;
	r->end_reason = LTA_REQUEST_END_OPEN;
	if (lta_htable_put(&segment->by_id, r->id, r)) {
		recycle_request(segment, r);
		return NULL;
	}
	r->conn = c;
	c->current = r;
	c->positions++;
	if (!c->record.first_request) {
		c->record.first_request = r->id;
	}
	if (c->idle_since >= 0) {
		if (start > c->idle_since) {
			c->record.idle_ns += start - c->idle_since;
		}
		c->idle_since = -1;
	}
	segment->next_id++;
	segment->counters.requests_opened++;
	segment->counters.requests_open++;
	service_point(segment, r, tid, false, start);
	return r;
}

/*
 * A connection accepted: descriptor FD of the accept exit EVENT. A
 * connection still known on that descriptor lost its close (discarded
 * events): it and its request end as "replaced". Returns the connection's
 * first request, or NULL when out of memory.
 */
static struct lta_request *open_connection(struct lta_segment *segment,
					   const struct lta_event *event,
					   int32_t fd, int64_t accept_entry)
{
	uint64_t key = fd_key(event->trace, event->pid, fd);
	struct lta_segment_connection *old =
		lta_htable_get(&segment->by_fd, key);
	struct lta_segment_connection *c;
	struct lta_connection *k;
	struct lta_request *r;

	if (old) {
		struct lta_request *cur = old->current;

		old->record.incomplete = true;
		if (cur) {
			cur->incomplete = true;
			end_request(segment, cur, event->ts,
				    LTA_REQUEST_END_REPLACED, false);
			emit(segment, cur);
			release(segment, cur);
		}
		if (old->record.end < 0) {
			old->record.end = event->ts;
			old->record.end_reason = LTA_REQUEST_END_REPLACED;
		}
		hand_out_connection(segment, old);
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		return NULL;
	}
	k = &c->record;
	k->id = segment->next_connection_id;
	k->trace = event->trace;
	k->pid = event->pid;
	k->fd = fd;
	if (event->procname) {
		size_t len = strnlen(event->procname, sizeof(k->procname) - 1);

		memcpy(k->procname, event->procname, len);
		k->procname[len] = '\0';
	}
	k->accept_entry = accept_entry;
	k->start = event->ts;
	k->end = -1;
	k->shutdown_ts = -1;
	k->close_ts = -1;
	k->end_reason = LTA_REQUEST_END_OPEN;
	c->idle_since = -1;
	set_peer(segment, k, event);
	if (lta_htable_put(&segment->connections, k->id, c)) {
		free(c);
		return NULL;
	}
	if (lta_htable_put(&segment->by_fd, key, c)) {
		lta_htable_remove(&segment->connections, k->id);
		free(c);
		return NULL;
	}
	segment->next_connection_id++;
	segment->counters.connections_opened++;
	segment->counters.connections_open++;
	r = begin_request(segment, c, event->ts, event->tid);
	if (!r) {
		/* Followed without requests: its calls count nowhere. */
		return NULL;
	}
	return r;
}

static void set_fd_type(struct lta_segment *segment, uint32_t trace,
			int32_t pid, int64_t fd, enum lta_fd_type type)
{
	if (fd < 0 || fd > 0xffffff || pid < 0) {
		return;
	}
	/* Best effort: a failed insert only loses a blocked-time label. */
	(void)lta_htable_put(&segment->fd_types,
			     fd_key(trace, pid, (int32_t)fd),
			     (void *)(uintptr_t)(type + 1));
}

static enum lta_fd_type fd_type_of(struct lta_segment *segment,
				   const struct thread_state *t,
				   const struct lta_request *r)
{
	const struct pending *p = &t->pending;
	uintptr_t v;

	if (!p->active || p->fd < 0 || t->pid < 0) {
		return LTA_FD_OTHER;
	}
	if (r && p->fd == r->fd && t->pid == r->pid) {
		return LTA_FD_CLIENT;
	}
	v = (uintptr_t)lta_htable_get(&segment->fd_types,
				      fd_key(t->trace, t->pid, p->fd));
	return v ? (enum lta_fd_type)(v - 1) : LTA_FD_OTHER;
}

/* The request a thread's time goes to now: its call's, or the served one. */
static struct lta_request *working_for(struct lta_segment *segment,
				       struct thread_state *t)
{
	if (t->pending.active && t->pending.request &&
	    !t->pending.request->emitted) {
		return t->pending.request;
	}
	return serving(segment, t);
}

/*
 * Charges the thread's time since its last scheduling change or event to
 * the request it works for, in its current state, up to TS.
 */
static void account(struct lta_segment *segment, struct thread_state *t,
		    int64_t ts)
{
	struct lta_request *r;
	int64_t d;

	if (t->sched == SCHED_UNKNOWN || ts <= t->sched_since) {
		return;
	}
	r = working_for(segment, t);
	/* Only the time inside the request: up to its end. */
	d = (r && r->ended && r->end < ts ? r->end : ts) - t->sched_since;
	t->sched_since = ts;
	if (!r || r->emitted || d <= 0) {
		return;
	}
	r->sched_known = true;
	switch (t->sched) {
	case SCHED_RUNNING:
		r->running_ns += d;
		break;
	case SCHED_WAITING:
		r->waiting_ns += d;
		break;
	case SCHED_BLOCKED:
		r->blocked_ns += d;
		r->blocked_by[t->blocked_on] += d;
		break;
	default:
		break;
	}
}

static void set_sched(struct lta_segment *segment, struct thread_state *t,
		      enum sched_state state, int64_t ts)
{
	account(segment, t, ts);
	if (state == SCHED_BLOCKED) {
		t->blocked_on = fd_type_of(segment, t, working_for(segment, t));
	}
	t->sched = state;
	t->sched_since = ts;
}

static enum lta_fd_type type_of_filename(const char *name)
{
	if (!name) {
		return LTA_FD_OTHER;
	}
	if (strncmp(name, "socket:", 7) == 0) {
		return LTA_FD_SOCKET;
	}
	if (strncmp(name, "pipe:", 5) == 0) {
		return LTA_FD_PIPE;
	}
	if (name[0] == '/') {
		return LTA_FD_FILE;
	}
	return LTA_FD_OTHER;
}

static int handle_sched(struct lta_segment *segment,
			const struct lta_event *event)
{
	struct thread_state *t;

	if (event->kind == LTA_EVENT_SCHED_SWITCH) {
		const struct lta_sched_switch *s = &event->u.sched_switch;

		/* tid 0 is each CPU's idle task: never a server. */
		if (s->prev_tid > 0) {
			t = thread_of(segment, event->trace, s->prev_tid);
			if (!t) {
				return -ENOMEM;
			}
			/* TASK_RUNNING (0): preempted, still runnable. */
			set_sched(segment, t,
				  s->prev_state == 0 ? SCHED_WAITING
						     : SCHED_BLOCKED,
				  event->ts);
		}
		if (s->next_tid > 0) {
			t = thread_of(segment, event->trace, s->next_tid);
			if (!t) {
				return -ENOMEM;
			}
			set_sched(segment, t, SCHED_RUNNING, event->ts);
		}
	} else if (event->kind == LTA_EVENT_SCHED_WAKEUP) {
		t = lta_htable_get(
			&segment->threads,
			thread_key(event->trace, event->u.process.tid));
		if (t && t->sched == SCHED_BLOCKED) {
			set_sched(segment, t, SCHED_WAITING, event->ts);
		}
	} else if (event->kind == LTA_EVENT_STATEDUMP_FD) {
		set_fd_type(segment, event->trace, event->u.fd.pid,
			    event->u.fd.fd,
			    type_of_filename(event->u.fd.filename));
	}
	return 0;
}

/* Calls that wait with no descriptor of their own. */
static bool is_wait(enum lta_syscall s)
{
	return s == LTA_SYSCALL_poll || s == LTA_SYSCALL_ppoll ||
	       s == LTA_SYSCALL_select || s == LTA_SYSCALL_pselect6;
}

static void interaction_point(struct lta_segment *segment,
			      struct thread_state *t, bool end, int64_t ts)
{
	struct lta_segment_point p = {
		.end = end,
		.interaction = true,
		.trace = t->trace,
		.pid = t->interaction_pid,
		.tid = t->tid,
		.entity = t->interaction_entity,
		.name = t->interaction_name,
		.key = (uint64_t)(uint32_t)t->tid,
		.service_key = t->interaction_service,
		.ts = ts,
	};

	t->in_interaction = !end;
	point(segment, &p);
}

/*
 * A system-call entry made for request R (not ended): starts an
 * interaction when it blocks on a descriptor that leads to another
 * component (segment.h says which).
 */
static void derive_interaction(struct lta_segment *segment,
			       struct thread_state *t,
			       const struct lta_request *r,
			       const struct lta_event *event, int32_t fd)
{
	enum lta_fd_type type = LTA_FD_TYPE_COUNT;
	uintptr_t v;

	if (fd >= 0 && fd == r->fd) {
		t->last_other = LTA_FD_TYPE_COUNT;
		return;
	}
	if (fd >= 0) {
		v = (uintptr_t)lta_htable_get(&segment->fd_types,
					      fd_key(t->trace, t->pid, fd));
		type = v ? (enum lta_fd_type)(v - 1) : LTA_FD_OTHER;
		if (type != LTA_FD_SOCKET && type != LTA_FD_PIPE) {
			return;
		}
		t->last_other = type;
		if (!is_read(event->syscall) && !is_write(event->syscall) &&
		    event->syscall != LTA_SYSCALL_connect) {
			return;
		}
	} else if (is_wait(event->syscall)) {
		type = t->last_other;
		if (type == LTA_FD_TYPE_COUNT) {
			return;
		}
	} else {
		return;
	}
	t->interaction_pid = r->pid;
	t->interaction_service = r->id;
	memcpy(t->interaction_entity, r->procname,
	       sizeof(t->interaction_entity));
	snprintf(t->interaction_name, sizeof(t->interaction_name), "%s:%s",
		 lta_fd_type_name(type), event->syscall_name);
	interaction_point(segment, t, false, event->ts);
}

static int handle_entry(struct lta_segment *segment, struct thread_state *t,
			const struct lta_event *event)
{
	struct pending *p = &t->pending;
	struct lta_segment_connection *c = NULL;
	struct lta_request *r = NULL;
	int32_t fd = entry_fd(event);

	if (p->active) {
		/* Its exit was lost: forget it. */
		drop_pending(segment, t);
	}
	if (event->syscall == LTA_SYSCALL_close && fd >= 0) {
		lta_htable_remove(&segment->fd_types,
				  fd_key(event->trace, event->pid, fd));
	}
	if (fd >= 0) {
		c = lta_htable_get(&segment->by_fd,
				   fd_key(event->trace, event->pid, fd));
	}
	if (c) {
		r = c->current;
		if (r && r->answering && !r->ended && is_read(event->syscall)) {
			/*
			 * The server answered and turns back to the
			 * connection: the request is over, and the
			 * connection idle until bytes come (this read may
			 * bring them: its exit says).
			 */
			end_request(segment, r, event->ts,
				    LTA_REQUEST_END_KEEPALIVE, false);
			emit(segment, r);
			release(segment, r);
			c->idle_since = event->ts;
			r = NULL;
		}
		t->http_messages = 0;
		t->http_line[0] = '\0';
		if (r) {
			if (!r->ended) {
				t->serving = r->id;
			}
		} else {
			/* A call on an idle connection: no request's. */
			t->serving = 0;
			if (event->syscall == LTA_SYSCALL_shutdown ||
			    event->syscall == LTA_SYSCALL_close) {
				connection_ends(c, event->syscall, event->ts);
			}
			if (event->syscall == LTA_SYSCALL_close) {
				hand_out_connection(segment, c);
				c = NULL;
			}
		}
	} else if (waits_for_work(event->syscall)) {
		t->serving = 0;
	} else {
		r = serving(segment, t);
	}

	p->active = true;
	p->name = event->syscall_name;
	p->syscall = event->syscall;
	p->entry_ts = event->ts;
	p->fd = fd;
	p->request = r;
	p->call.name = event->syscall_name;
	p->call.tid = event->tid;
	p->call.start = event->ts;
	p->call.duration = -1;
	p->call.has_ret = false;
	copy_args(p, event);
	if (!r) {
		return 0;
	}
	r->refs++;
	if (segment->options.on_point && !r->ended) {
		derive_interaction(segment, t, r, event, fd);
	}

	/* The first shutdown or close ends the request. */
	if (fd == r->fd && event->syscall == LTA_SYSCALL_shutdown) {
		if (r->shutdown_ts < 0) {
			r->shutdown_ts = event->ts;
		}
		if (r->conn) {
			connection_ends(r->conn, event->syscall, event->ts);
		}
		end_request(segment, r, event->ts, LTA_REQUEST_END_SHUTDOWN,
			    false);
	} else if (fd == r->fd && event->syscall == LTA_SYSCALL_close) {
		r->close_ts = event->ts;
		if (r->conn) {
			connection_ends(r->conn, event->syscall, event->ts);
		}
		end_request(segment, r, event->ts, LTA_REQUEST_END_CLOSE, true);
	}
	return 0;
}

/*
 * The exit of a read or a write (RET bytes) that THREAD made on a
 * descriptor, with R the request its entry was attributed to (or NULL).
 * Counts the bytes on the request and on its connection, notes the answer
 * being written, and begins a request when bytes arrive on an idle
 * connection. Sets *REQUEST to the request the call belongs to now.
 * Returns 0 or -ENOMEM.
 */
static int exchange_exit(struct lta_segment *segment, struct thread_state *t,
			 const struct lta_event *event,
			 struct lta_request **request, int64_t ret)
{
	struct pending *p = &t->pending;
	struct lta_request *r = *request;
	struct lta_segment_connection *c;
	bool read = is_read(event->syscall);

	/*
	 * The call's request is on that descriptor (the common case): its
	 * connection is at hand; else look it up (an idle connection, or a
	 * descriptor that is not a connection's).
	 */
	if (r && r->conn && r->fd == p->fd && r->pid == event->pid) {
		c = r->conn;
	} else {
		c = lta_htable_get(&segment->by_fd,
				   fd_key(event->trace, event->pid, p->fd));
	}
	if (!c) {
		return 0;
	}
	if (ret > 0) {
		if (read) {
			c->record.bytes_read += (uint64_t)ret;
		} else {
			c->record.bytes_written += (uint64_t)ret;
		}
	}
	if (!r && !c->current && read && c->record.end < 0) {
		/* Nothing begins once the server shut the connection down. */
		if (ret == 0) {
			/* End of file: the client closed while idle. */
			c->record.peer_closed = true;
			return 0;
		}
		if (ret < 0) {
			return 0;
		}
		/* Bytes on an idle connection: the next request. */
		r = begin_request(segment, c, p->entry_ts, event->tid);
		if (!r) {
			return -ENOMEM;
		}
		*request = r;
		r->refs++;
		p->request = r;
		t->serving = r->id;
		if (t->http_messages) {
			/* Those past the first wait behind it. */
			c->queued += t->http_messages - 1;
			memcpy(r->request_line, t->http_line,
			       sizeof(r->request_line));
		}
	}
	if (!r || r->emitted || r->conn != c) {
		return 0;
	}
	if (read) {
		r->reads++;
		if (ret > 0) {
			r->bytes_read += (uint64_t)ret;
		}
	} else if (ret > 0) {
		r->bytes_written += (uint64_t)ret;
		if (!r->ended) {
			r->answering = true;
			r->answered_ts = event->ts;
		}
	}
	return 0;
}

static int handle_exit(struct lta_segment *segment, struct thread_state *t,
		       const struct lta_event *event)
{
	struct pending *p = &t->pending;
	struct lta_request *r;
	struct lta_call unpaired, *call;
	const char *strings = "";
	int64_t ret = 0;
	bool has_ret = lta_event_arg_int(event, event->ret_arg, &ret);
	bool paired = p->active && p->name == event->syscall_name;
	int err = 0;

	if (p->active && !paired) {
		drop_pending(segment, t);
	}
	if (paired) {
		/* Completed in place: the entry's copy is the record. */
		call = &p->call;
		call->duration = event->ts - p->entry_ts;
		strings = p->strings;
	} else {
		call = &unpaired;
		call->name = event->syscall_name;
		call->tid = event->tid;
		call->start = event->ts;
		call->duration = -1;
		call->nargs = 0;
	}
	call->has_ret = has_ret;
	call->ret = ret;

	if (has_ret && ret >= 0) {
		switch (event->syscall) {
		case LTA_SYSCALL_socket:
		case LTA_SYSCALL_accept:
		case LTA_SYSCALL_accept4:
			set_fd_type(segment, event->trace, event->pid, ret,
				    LTA_FD_SOCKET);
			break;
		case LTA_SYSCALL_open:
		case LTA_SYSCALL_openat:
			set_fd_type(segment, event->trace, event->pid, ret,
				    LTA_FD_FILE);
			break;
		default:
			break;
		}
	}

	if (is_accept(event->syscall) && has_ret && ret >= 0) {
		if (segment->options.process &&
		    (!event->procname ||
		     strcmp(event->procname, segment->options.process) != 0)) {
			if (paired) {
				drop_pending(segment, t);
			}
			return 0;
		}
		r = open_connection(segment, event, (int32_t)ret,
				    paired ? p->entry_ts : -1);
		if (!r) {
			err = -ENOMEM;
			goto end;
		}
		t->serving = r->id;
		err = append_call(segment, r, call, strings);
		goto end;
	}

	r = paired ? p->request : serving(segment, t);
	if (paired && has_ret && p->fd >= 0 &&
	    (is_read(event->syscall) || is_write(event->syscall))) {
		err = exchange_exit(segment, t, event, &r, ret);
		if (err) {
			goto end;
		}
	}
	if (!r) {
		goto end;
	}
	if (r->emitted) {
		goto end;
	}
	err = append_call(segment, r, call, strings);
	if (paired && closes_request(t, r)) {
		/* The close completed: nothing more can come on this fd. */
		emit_closed(segment, r);
	}
end:
	if (paired) {
		drop_pending(segment, t);
	}
	return err;
}

static int compare_connections(const void *a, const void *b)
{
	const struct lta_segment_connection *x =
		*(struct lta_segment_connection *const *)a;
	const struct lta_segment_connection *y =
		*(struct lta_segment_connection *const *)b;

	return x->record.id < y->record.id ? -1 : x->record.id > y->record.id;
}

/* Forgets the descriptor types of a process that exited. */
static void forget_fds(struct lta_segment *segment, uint32_t trace, int32_t pid)
{
	uint64_t prefix = fd_key(trace, pid, 0) >> 24, key, *keys = NULL;
	size_t pos = 0, n = 0, cap = 0, i;
	void *value;

	while (lta_htable_next(&segment->fd_types, &pos, &key, &value)) {
		if (key >> 24 != prefix) {
			continue;
		}
		if (n == cap) {
			uint64_t *grown;

			cap = cap ? cap * 2 : 64;
			grown = realloc(keys, cap * sizeof(*keys));
			if (!grown) {
				break;
			}
			keys = grown;
		}
		keys[n++] = key;
	}
	/* Removing moves entries: collect first, then remove. */
	for (i = 0; i < n; i++) {
		lta_htable_remove(&segment->fd_types, keys[i]);
	}
	free(keys);
}

/* Ends every connection of (TRACE, PID), and its request, as aborted. */
static void abort_process(struct lta_segment *segment, uint32_t trace,
			  int32_t pid, int64_t ts)
{
	struct lta_segment_connection **victims = NULL;
	size_t pos = 0, n = 0, cap = 0, i;
	uint64_t key;
	void *value;

	while (lta_htable_next(&segment->connections, &pos, &key, &value)) {
		struct lta_segment_connection *c = value;

		if (c->record.trace != trace || c->record.pid != pid) {
			continue;
		}
		if (n == cap) {
			struct lta_segment_connection **grown;

			cap = cap ? cap * 2 : 16;
			grown = realloc(victims, cap * sizeof(*victims));
			if (!grown) {
				break;
			}
			victims = grown;
		}
		victims[n++] = c;
	}
	/* In id order: the order requests are handed out must be stable. */
	if (n > 1) {
		qsort(victims, n, sizeof(*victims), compare_connections);
	}
	for (i = 0; i < n; i++) {
		struct lta_segment_connection *c = victims[i];
		struct lta_request *r = c->current;

		if (r) {
			end_request(segment, r, ts, LTA_REQUEST_END_ABORTED,
				    true);
			emit(segment, r);
			release(segment, r);
		}
		if (c->record.close_ts < 0) {
			c->record.end_reason = LTA_REQUEST_END_ABORTED;
			if (c->record.end < 0) {
				c->record.end = ts;
			}
		}
		hand_out_connection(segment, c);
	}
	free(victims);
}

static void forget_thread(struct lta_segment *segment, uint32_t trace,
			  int32_t tid)
{
	struct thread_state *t =
		lta_htable_remove(&segment->threads, thread_key(trace, tid));

	if (t) {
		drop_pending(segment, t);
		free(t);
		segment->counters.threads--;
	}
}

/* Frees idle threads when too many are tracked (no exit events seen). */
static void sweep_threads(struct lta_segment *segment)
{
	size_t pos = 0;
	uint64_t key;
	void *value;
	uint64_t *idle = calloc(segment->threads.count, sizeof(*idle));
	size_t n = 0, i;

	if (!idle) {
		return;
	}
	while (lta_htable_next(&segment->threads, &pos, &key, &value)) {
		struct thread_state *t = value;

		if (!t->pending.active && !serving(segment, t)) {
			idle[n++] = key;
		}
	}
	for (i = 0; i < n; i++) {
		free(lta_htable_remove(&segment->threads, idle[i]));
		segment->counters.threads--;
	}
	free(idle);
}

static bool is_http_event(struct lta_segment *segment,
			  const struct lta_event *event)
{
	if (event->name == segment->http_name) {
		return event->name != NULL;
	}
	if (!event->name || event->name == segment->not_http_name) {
		return false;
	}
	if (strcmp(event->name, HTTP_EVENT_NAME) == 0) {
		segment->http_name = event->name;
		return true;
	}
	segment->not_http_name = event->name;
	return false;
}

static int64_t arg_int_or(const struct lta_event *event, const char *name,
			  int64_t otherwise)
{
	int64_t v;

	return arg_value(lta_event_find_arg(event, name), &v) ? v : otherwise;
}

/*
 * Ends request R, answered, at TS and begins the next one on its
 * connection, which the client sent before that answer (pipelining): the
 * tracer saw the server start another answer. The call THREAD is in (that
 * write) moves to the new request. Returns it, or NULL when out of memory.
 */
static struct lta_request *next_pipelined(struct lta_segment *segment,
					  struct thread_state *t,
					  struct lta_request *r, int64_t ts)
{
	struct lta_segment_connection *c = r->conn;
	struct lta_request *next;

	end_request(segment, r, ts, LTA_REQUEST_END_KEEPALIVE, false);
	next = begin_request(segment, c, ts, t->tid);
	if (next) {
		next->pipelined = true;
		if (c->queued) {
			c->queued--;
		}
	}
	if (t->pending.request == r) {
		r->refs--;
		t->pending.request = next;
		if (next) {
			next->refs++;
		}
	}
	if (next) {
		t->serving = next->id;
	}
	emit(segment, r);
	release(segment, r);
	return next;
}

/*
 * The user-space tracer's lttng_analyzer_syscall:http event: the read or
 * write the thread is in carried the start of MESSAGES HTTP messages
 * (request lines received, final status lines sent). Kernel traces have
 * no such event: there, pipelined requests stay in one record.
 */
static int handle_http(struct lta_segment *segment,
		       const struct lta_event *event)
{
	struct thread_state *t;
	struct lta_segment_connection *c;
	struct lta_request *r;
	const struct lta_arg *line;
	int64_t fd, direction, messages;

	if (event->tid < 0 || event->pid < 0) {
		return 0;
	}
	t = lta_htable_get(&segment->threads,
			   thread_key(event->trace, event->tid));
	fd = arg_int_or(event, "fd", -1);
	direction = arg_int_or(event, "direction", -1);
	messages = arg_int_or(event, "messages", 0);
	if (!t || !t->pending.active || fd < 0 || t->pending.fd != fd ||
	    messages <= 0 || messages > UINT32_MAX) {
		return 0;
	}
	c = lta_htable_get(&segment->by_fd,
			   fd_key(event->trace, event->pid, (int32_t)fd));
	if (!c) {
		return 0;
	}
	r = c->current;
	line = lta_event_find_arg(event, "first_line");
	if (direction == 0) {
		const char *text =
			line && line->type == LTA_ARG_STRING ? line->v.str : "";

		if (!r) {
			/* Idle: the read begins a request at its exit. */
			t->http_messages = (uint32_t)messages;
			snprintf(t->http_line, sizeof(t->http_line), "%s",
				 text);
			return 0;
		}
		if (!r->request_line[0]) {
			snprintf(r->request_line, sizeof(r->request_line), "%s",
				 text);
		}
		/* More requests than this one: they wait behind it. */
		c->queued += (uint32_t)messages -
			     (r->messages == 0 && !r->answering);
		return 0;
	}
	if (direction != 1 || !r || r->ended || r->emitted) {
		return 0;
	}
	if (r->messages > 0) {
		/* Another answer begins: the one before it was over. */
		r = next_pipelined(segment, t, r,
				   r->answered_ts >= 0 ? r->answered_ts
						       : event->ts);
		if (!r) {
			return -ENOMEM;
		}
	}
	r->messages += (uint32_t)messages;
	if (r->messages > 1) {
		/* Several answers in one write: cannot be told apart. */
		r->pipelined = true;
		c->queued = c->queued > r->messages - 1
				    ? c->queued - (r->messages - 1)
				    : 0;
	}
	return 0;
}

int lta_segment_feed(struct lta_segment *segment, const struct lta_event *event)
{
	struct thread_state *t;
	int ret = 0;

	switch (event->kind) {
	case LTA_EVENT_SCHED_SWITCH:
	case LTA_EVENT_SCHED_WAKEUP:
	case LTA_EVENT_STATEDUMP_FD:
		return handle_sched(segment, event);
	case LTA_EVENT_OTHER:
		if (!is_http_event(segment, event)) {
			return 0;
		}
		ret = handle_http(segment, event);
		if (!ret) {
			ret = segment->stop;
		}
		segment->stop = 0;
		return ret;
	default:
		break;
	}
	if (event->tid < 0 || event->pid < 0) {
		return 0;
	}
	switch (event->kind) {
	case LTA_EVENT_SYSCALL_ENTRY:
	case LTA_EVENT_SYSCALL_EXIT:
		if (!event->syscall_name) {
			return 0;
		}
		if (segment->threads.count >= THREAD_SWEEP_LIMIT) {
			sweep_threads(segment);
		}
		t = thread_of(segment, event->trace, event->tid);
		if (!t) {
			return -ENOMEM;
		}
		t->pid = event->pid;
		/* Split the thread's time where what it works for may change.
		 */
		account(segment, t, event->ts);
		if (t->in_interaction) {
			/* Its exit (or, when lost, the next call) ends it. */
			interaction_point(segment, t, true, event->ts);
		}
		if (event->kind == LTA_EVENT_SYSCALL_ENTRY) {
			ret = handle_entry(segment, t, event);
			if (event->syscall == LTA_SYSCALL_exit_group) {
				abort_process(segment, event->trace, event->pid,
					      event->ts);
			}
		} else {
			ret = handle_exit(segment, t, event);
		}
		break;
	case LTA_EVENT_PROCESS_EXIT:
		/*
		 * sched_process_exit is made by the exiting thread; the
		 * process is gone when its leader (tid == pid) exits.
		 */
		if (event->u.process.tid == event->pid) {
			abort_process(segment, event->trace, event->pid,
				      event->ts);
			forget_fds(segment, event->trace, event->pid);
		}
		if (event->u.process.tid >= 0) {
			forget_thread(segment, event->trace,
				      event->u.process.tid);
		}
		break;
	default:
		break;
	}
	if (ret) {
		return ret;
	}
	ret = segment->stop;
	segment->stop = 0;
	return ret;
}

void lta_segment_discard(struct lta_segment *segment, uint32_t trace)
{
	size_t pos = 0;
	uint64_t key;
	void *value;

	bool all = trace == LTA_SEGMENT_ALL_TRACES;

	segment->counters.discards++;
	while (lta_htable_next(&segment->by_id, &pos, &key, &value)) {
		struct lta_request *r = value;

		if ((all || r->trace == trace) && !r->emitted) {
			r->incomplete = true;
		}
	}
	pos = 0;
	while (lta_htable_next(&segment->connections, &pos, &key, &value)) {
		struct lta_segment_connection *c = value;

		if (all || c->record.trace == trace) {
			c->record.incomplete = true;
		}
	}
	/*
	 * Calls in flight may have lost their exit; they are dropped (their
	 * requests stay, incomplete), except a close of a request's
	 * descriptor: that request is over and handed out now. Releasing may
	 * free requests, so the threads are walked first and requests
	 * released after.
	 */
	pos = 0;
	while (lta_htable_next(&segment->threads, &pos, &key, &value)) {
		struct thread_state *t = value;

		if ((all || t->trace == trace) && t->pending.active) {
			struct lta_request *r = t->pending.request;

			if (closes_request(t, r) && !r->emitted) {
				emit_closed(segment, r);
			}
			t->pending.active = false;
			t->pending.request = NULL;
			if (r) {
				LTA_ASSERT_DBG(r->refs > 0);
				r->refs--;
			}
		}
	}
	pos = 0;
	while (lta_htable_next(&segment->by_id, &pos, &key, &value)) {
		struct lta_request *r = value;

		if (r->emitted && r->refs == 0) {
			/* Freed below: restart, the table changed. */
			release(segment, r);
			pos = 0;
		}
	}
}

static int compare_ids(const void *a, const void *b)
{
	const struct lta_request *x = *(struct lta_request *const *)a;
	const struct lta_request *y = *(struct lta_request *const *)b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* The trace ended: every connection still followed is handed out. */
static void finish_connections(struct lta_segment *segment)
{
	struct lta_segment_connection **all;
	size_t pos = 0, n = 0, i;
	uint64_t key;
	void *value;

	all = calloc(segment->connections.count + 1, sizeof(*all));
	if (!all) {
		return;
	}
	while (lta_htable_next(&segment->connections, &pos, &key, &value)) {
		all[n++] = value;
	}
	if (n > 1) {
		qsort(all, n, sizeof(*all), compare_connections);
	}
	for (i = 0; i < n; i++) {
		hand_out_connection(segment, all[i]);
	}
	free(all);
}

int lta_segment_finish(struct lta_segment *segment)
{
	struct lta_request **all;
	size_t pos = 0, n = 0, i;
	uint64_t key;
	void *value;
	int ret;

	/* Drop calls in flight: the trace ended before their exits. */
	while (lta_htable_next(&segment->threads, &pos, &key, &value)) {
		struct thread_state *t = value;

		if (t->pending.request) {
			t->pending.request->refs--;
		}
		t->pending.request = NULL;
		t->pending.active = false;
	}
	all = calloc(segment->by_id.count + 1, sizeof(*all));
	if (!all) {
		return -ENOMEM;
	}
	pos = 0;
	while (lta_htable_next(&segment->by_id, &pos, &key, &value)) {
		all[n++] = value;
	}
	/* In id order, so that output is stable from run to run. */
	qsort(all, n, sizeof(*all), compare_ids);
	for (i = 0; i < n; i++) {
		emit(segment, all[i]);
		lta_htable_remove(&segment->by_id, all[i]->id);
		recycle_request(segment, all[i]);
	}
	free(all);
	finish_connections(segment);
	lta_htable_fini(&segment->by_fd);
	lta_htable_init(&segment->by_fd, 16);
	ret = segment->stop;
	segment->stop = 0;
	return ret;
}

const struct lta_segment_counters *
lta_segment_counters(const struct lta_segment *segment)
{
	return &segment->counters;
}

void lta_segment_destroy(struct lta_segment *segment)
{
	size_t pos = 0;
	uint64_t key;
	void *value;

	if (!segment) {
		return;
	}
	while (lta_htable_next(&segment->threads, &pos, &key, &value)) {
		free(value);
	}
	pos = 0;
	while (lta_htable_next(&segment->by_id, &pos, &key, &value)) {
		free_request(value);
	}
	pos = 0;
	while (lta_htable_next(&segment->connections, &pos, &key, &value)) {
		free(value);
	}
	while (segment->spare_count) {
		free_request(segment->spare[--segment->spare_count]);
	}
	lta_htable_fini(&segment->threads);
	lta_htable_fini(&segment->fd_types);
	lta_htable_fini(&segment->by_id);
	lta_htable_fini(&segment->by_fd);
	lta_htable_fini(&segment->connections);
	free(segment->process);
	free(segment);
}
