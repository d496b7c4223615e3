/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The segment module's private declarations: what its files share, never
 * included from outside lib/segment (the public interface is segment.h).
 *
 * The segmenter is cut by concept:
 * - segment.c: creation, the feed (system-call entries and exits: which
 *   request a call belongs to), lost events, the end of the trace;
 * - request.c: the request record: names, copies, its sequence of calls,
 *   counts and strings, the peer address;
 * - connection.c: connections and the requests on them: open, begin, end,
 *   hand out, idle time, process exit;
 * - threads.c: the threads followed, the call each is in, the request
 *   each serves;
 * - sched.c: where a request's time went (sched events);
 * - descriptors.c: the type of each descriptor (socket, file, pipe);
 * - points.c: derived service and interaction starts and ends (agent);
 * - pipelining.c: HTTP pipelining from the user-space tracer's http
 *   events;
 * - kinds.c: the kind of each request (derived services), and the
 *   names of derived interactions with traced servers.
 *
 * Like the public functions, these are called by the one thread that
 * feeds the segmenter.
 */
#ifndef LTA_SEGMENT_SEGMENT_INTERNAL_H
#define LTA_SEGMENT_SEGMENT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/assert-dbg.h"
#include "common/htable.h"
#include "event/event.h"
#include "segment.h"

struct lta_segment_connection;

/*
 * A request as the segmenter keeps it: the record it hands out, and the
 * bookkeeping no reader of a record needs.
 */
struct lta_segment_request {
	struct lta_request record; /* Its buffers: see lta_request_move(). */
	uint32_t refs;		   /* Calls in flight attributed to it. */
	bool ended;		   /* Past its end (lingering close). */
	bool emitted;
	bool answering;			     /* Wrote to the connection. */
	bool released;			     /* Recycled: must not be used. */
	struct lta_segment_connection *conn; /* Borrowed; NULL once out. */
	/*
	 * Its derived service's name (kinds.c), borrowed from the kinds'
	 * table; NULL: "request". Level: of the source that named it.
	 */
	const char *kind;
	uint8_t kind_level;
};

/* A system call a thread is in, from its entry. */
struct lta_segment_pending {
	bool active;
	const char *name; /* Interned. */
	enum lta_syscall syscall;
	int64_t entry_ts;
	int32_t fd; /* The descriptor it acts on; -1. */
	struct lta_segment_request *request; /* Holds a ref; or NULL. */
	struct lta_call call; /* Entry arguments, ready to merge. */
	char strings[256];    /* Entry string arguments. */
	uint32_t strings_len;
};

enum lta_segment_sched {
	LTA_SEGMENT_SCHED_UNKNOWN = 0,
	LTA_SEGMENT_SCHED_RUNNING,
	LTA_SEGMENT_SCHED_WAITING, /* Runnable, not on a CPU. */
	LTA_SEGMENT_SCHED_BLOCKED,
};

/*
 * What pairs the two ends of a connection (tiers.c): a string both ends
 * can write, hashed into a table of the ends still unpaired, with the
 * chain of those that share the hash.
 */
struct lta_segment_match {
	char text[LTA_COMPONENT_MAX + 32]; /* "" when not registered. */
	int server_port; /* TCP: the server's own port; -1 when unknown. */
	uint64_t hash;
	void *next; /* Next end of the same kind under HASH. */
};

/*
 * A connection a traced process opened (connect): the client's end, to
 * another server. Its exchanges are the requests' messages to that server.
 */
struct lta_segment_client {
	uint32_t trace;
	int32_t pid;
	int32_t fd;
	int family;
	char dest[LTA_COMPONENT_MAX];  /* "127.0.0.1:3306", a unix path. */
	char local[LTA_COMPONENT_MAX]; /* Its own address:port; "". */
	int dport;	  /* TCP: the server's port it connected to; -1. */
	int32_t peer_pid; /* unix: the server's pid; -1. */
	enum lta_link link;
	bool ambiguous; /* Several server ends fitted it. */
	bool closed;	/* Its descriptor is closed: owned by its server. */
	struct lta_segment_connection *server; /* Its other end; borrowed. */
	struct lta_segment_match match;	       /* While unpaired. */
	/* Its latest exchange: the request that made it, and which one. */
	uint64_t request; /* 0: none (no request was being served). */
	uint32_t exchange;
	bool answered; /* It read bytes: the next write is a new one. */
};

/*
 * A connection being followed: its record, and the request on it now
 * (NULL while the connection is idle between requests).
 */
struct lta_segment_connection {
	struct lta_connection record;
	struct lta_segment_request *current; /* Borrowed from by_id; or NULL. */
	int64_t idle_since;		     /* -1 when not idle. */
	uint32_t positions;		     /* Requests begun on it. */
	/*
	 * HTTP requests received (the user-space tracer's http events) and
	 * not answered yet: pipelined ones waiting behind the current one.
	 */
	uint32_t queued;

	/* Tiers (tiers.c): the server's end of a connection. */
	char component[LTA_COMPONENT_MAX]; /* procname[@local address] */
	int32_t peer_pid; /* unix: the client's pid (SO_PEERCRED); -1. */
	enum lta_link link;
	struct lta_segment_client *client; /* Its other end; borrowed. */
	struct lta_segment_match match;	   /* While unpaired. */
};

struct lta_segment_thread {
	uint32_t trace;
	int32_t tid;
	int32_t pid; /* -1 until a system call says. */
	enum lta_segment_sched sched;
	int64_t sched_since;
	enum lta_fd_type blocked_on;
	uint64_t serving; /* Request id, 0 when none. */
	struct lta_segment_pending pending;

	/* Derived interactions (on_point only). */
	enum lta_fd_type last_other; /* Socket/pipe touched last, or COUNT. */
	int32_t last_other_fd;	     /* Its descriptor; -1. */
	bool in_interaction;
	int32_t interaction_pid;
	int32_t interaction_fd;	      /* The descriptor it waits on; -1. */
	uint64_t interaction_service; /* Request id. */
	const char *interaction_service_name; /* Borrowed (kinds.c). */
	char interaction_entity[32];
	char interaction_name[LTA_COMPONENT_MAX + 24];

	/*
	 * What the tracer's http event said of the read the thread is in,
	 * on an idle connection: applied to the request that read begins.
	 */
	uint32_t http_messages;
	char http_line[LTA_REQUEST_LINE_MAX];

	/*
	 * The pipeline's slot that caches this state (lta_segment_feed_
	 * cached()), cleared when the state is freed; NULL when none.
	 */
	void **slot;
};

/* Frees a thread's state, and clears the slot that caches it. */
void lta_segment_thread_free(struct lta_segment_thread *t);

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
	struct lta_segment_request *spare[64];
	size_t spare_count;

	/* Where the peer fields of the last accept layout were. */
	const char *peer_names[4]; /* Field names, borrowed. */
	int8_t peer_index[4];

	/* Tiers (tiers.c). */
	struct lta_htable clients;	    /* fd_key -> owned client end. */
	struct lta_htable unpaired_servers; /* Match hash -> chain. */
	struct lta_htable unpaired_clients; /* Match hash -> chain. */
	/*
	 * Traces (index < 64) whose servers said their own address after an
	 * accept (sockname): their TCP server ends pair then, knowing their
	 * port.
	 */
	uint64_t server_socknames;

	/* Kinds (kinds.c). */
	struct lta_htable kind_names;  /* Hash -> chain of owned names. */
	struct lta_htable kind_counts; /* Hash -> chain of owned counts. */
	/* (trace, tid) of a child a serving thread forked -> request id. */
	struct lta_htable children;

	/*
	 * Interned names of other events: the tracer's http event, and the
	 * last name found not to be it (one comparison per event after).
	 */
	const char *http_name;
	const char *not_http_name;
};

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

static inline bool is_read(enum lta_syscall s)
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

static inline bool is_write(enum lta_syscall s)
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

static inline bool is_accept(enum lta_syscall s)
{
	return s == LTA_SYSCALL_accept || s == LTA_SYSCALL_accept4;
}

/* A thread entering these is waiting for new work, not serving. */
static inline bool waits_for_work(enum lta_syscall s)
{
	return is_accept(s) || s == LTA_SYSCALL_epoll_wait ||
	       s == LTA_SYSCALL_epoll_pwait;
}

/* Calls that wait with no descriptor of their own. */
static inline bool is_wait(enum lta_syscall s)
{
	return s == LTA_SYSCALL_poll || s == LTA_SYSCALL_ppoll ||
	       s == LTA_SYSCALL_select || s == LTA_SYSCALL_pselect6;
}

static inline bool arg_value(const struct lta_arg *a, int64_t *v)
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

/*
 * A call in flight attributed to R: R stays until the call is over, even
 * once handed out (its lingering close, a late exit).
 */
static inline void lta_segment_request_get(struct lta_segment_request *r)
{
	LTA_ASSERT_DBG(!r->released);
	r->refs++;
}

/*
 * The call in flight is over. Frees nothing: lta_segment_release() does,
 * once R was handed out and no reference is left.
 */
static inline void lta_segment_request_put(struct lta_segment_request *r)
{
	/* An underflow would keep R forever: a leak, silent otherwise. */
	LTA_ASSERT_DBG(r->refs > 0);
	LTA_ASSERT_DBG(!r->released);
	r->refs--;
}

/*
 * The request on connection C now, or NULL (idle). Such a request is
 * neither handed out nor recycled: handing it out detaches it.
 */
static inline struct lta_segment_request *
lta_segment_current(const struct lta_segment_connection *c)
{
	struct lta_segment_request *r = c->current;

	LTA_ASSERT_DBG(!r || (!r->emitted && !r->released && r->conn == c));
	return r;
}

/* --- request.c: the request record ------------------------------------ */

/*
 * A zeroed request, with the buffers of a recycled one when there is one.
 * Returns NULL when out of memory.
 */
struct lta_segment_request *
lta_segment_request_new(struct lta_segment *segment);

/* Frees R and its buffers. Accepts NULL. */
void lta_segment_request_free(struct lta_segment_request *r);

/* Takes ownership of R: frees it, or keeps it (and its buffers) for reuse. */
void lta_segment_request_recycle(struct lta_segment *segment,
				 struct lta_segment_request *r);

/*
 * Forgets R (out of by_id, recycled) once it was handed out and no call in
 * flight refers to it; else does nothing.
 */
void lta_segment_release(struct lta_segment *segment,
			 struct lta_segment_request *r);

/*
 * Appends CALL to R's sequence (when under the cap) and counts it, with
 * its string arguments (offsets in STRINGS) copied into R. Returns 0 or
 * -ENOMEM.
 */
int lta_segment_append_call(struct lta_segment *segment,
			    struct lta_segment_request *r,
			    const struct lta_call *call, const char *strings);

/* Copies the arguments of the entry EVENT into P (strings in P's buffer). */
void lta_segment_copy_args(struct lta_segment_pending *p,
			   const struct lta_event *event);

/* Sets the peer of K (family, port, address) from the accept exit EVENT. */
void lta_segment_set_peer(struct lta_segment *segment, struct lta_connection *k,
			  const struct lta_event *event);

/* --- connection.c: connections and the requests on them --------------- */

/*
 * A connection accepted: descriptor FD of the accept exit EVENT. Returns
 * its first request (owned by the segmenter), or NULL when out of memory.
 */
struct lta_segment_request *
lta_segment_open_connection(struct lta_segment *segment,
			    const struct lta_event *event, int32_t fd,
			    int64_t accept_entry);

/*
 * Begins a request on connection C at START, served by thread TID.
 * Returns it (owned by the segmenter), or NULL when out of memory.
 */
struct lta_segment_request *
lta_segment_begin_request(struct lta_segment *segment,
			  struct lta_segment_connection *c, int64_t start,
			  int32_t tid);

/*
 * Ends R at TS with REASON if it has not ended; forgets its descriptor
 * when FORGET_FD.
 */
void lta_segment_end_request(struct lta_segment *segment,
			     struct lta_segment_request *r, int64_t ts,
			     enum lta_request_end reason, bool forget_fd);

/* Hands R out to on_request, once; detaches it from its connection. */
void lta_segment_emit(struct lta_segment *segment,
		      struct lta_segment_request *r);

/* Hands R out, and its connection when its descriptor is closed. */
void lta_segment_emit_closed(struct lta_segment *segment,
			     struct lta_segment_request *r);

/* Notes a shutdown or close of C's descriptor entered at TS. */
void lta_segment_connection_ends(struct lta_segment_connection *c,
				 enum lta_syscall syscall, int64_t ts);

/* C's descriptor is closed: its number may be reused. */
void lta_segment_forget_connection_fd(struct lta_segment *segment,
				      struct lta_segment_connection *c);

/* Takes ownership of C: hands it out to on_connection and frees it. */
void lta_segment_hand_out_connection(struct lta_segment *segment,
				     struct lta_segment_connection *c);

/* Ends every connection of (TRACE, PID), and its request, as aborted. */
void lta_segment_abort_process(struct lta_segment *segment, uint32_t trace,
			       int32_t pid, int64_t ts);

/* The trace ended: hands out every connection still followed. */
void lta_segment_finish_connections(struct lta_segment *segment);

/* --- threads.c: the threads followed ---------------------------------- */

/*
 * The state of thread (TRACE, TID), created when first seen. Owned by the
 * segmenter. Returns NULL when out of memory.
 */
struct lta_segment_thread *lta_segment_thread_of(struct lta_segment *segment,
						 uint32_t trace, int32_t tid);

/* The request T serves (borrowed), or NULL. */
struct lta_segment_request *lta_segment_serving(struct lta_segment *segment,
						struct lta_segment_thread *t);

/* Whether the call T is in is the close of request R's descriptor. */
bool lta_segment_closes_request(const struct lta_segment_thread *t,
				const struct lta_segment_request *r);

/* Drops the call T is in, and its reference to a request. */
void lta_segment_drop_pending(struct lta_segment *segment,
			      struct lta_segment_thread *t);

/* Forgets thread (TRACE, TID): it exited. */
void lta_segment_forget_thread(struct lta_segment *segment, uint32_t trace,
			       int32_t tid);

/* Frees the idle threads (too many are tracked). */
void lta_segment_sweep_threads(struct lta_segment *segment);

/* --- sched.c: where the time went ------------------------------------- */

/*
 * Charges T's time since its last scheduling change or event to the
 * request it works for, up to TS.
 */
void lta_segment_account(struct lta_segment *segment,
			 struct lta_segment_thread *t, int64_t ts);

/*
 * A sched_switch, sched_wakeup or statedump descriptor event. Returns 0
 * or -ENOMEM.
 */
int lta_segment_handle_sched(struct lta_segment *segment,
			     const struct lta_event *event);

/* --- descriptors.c: what each descriptor is --------------------------- */

/* Notes that FD of (TRACE, PID) is of TYPE (best effort). */
void lta_segment_set_fd_type(struct lta_segment *segment, uint32_t trace,
			     int32_t pid, int64_t fd, enum lta_fd_type type);

/* The type of FD of (TRACE, PID), LTA_FD_OTHER when unknown. */
enum lta_fd_type lta_segment_fd_type(struct lta_segment *segment,
				     uint32_t trace, int32_t pid, int32_t fd);

/* FD of (TRACE, PID) was closed: its number may be reused. */
void lta_segment_forget_fd(struct lta_segment *segment, uint32_t trace,
			   int32_t pid, int32_t fd);

/* The type a statedump file name says ("socket:[...]", "/path"...). */
enum lta_fd_type lta_segment_fd_type_of_filename(const char *name);

/* Forgets the descriptor types of a process that exited. */
void lta_segment_forget_fds(struct lta_segment *segment, uint32_t trace,
			    int32_t pid);

/* --- points.c: derived services and interactions ---------------------- */

/* The service that request R is: its start or its end at TS. */
void lta_segment_service_point(struct lta_segment *segment,
			       const struct lta_segment_request *r, int32_t tid,
			       bool end, int64_t ts);

/* The start or the end of the interaction T is in. */
void lta_segment_interaction_point(struct lta_segment *segment,
				   struct lta_segment_thread *t, bool end,
				   int64_t ts);

/*
 * A system-call entry made for request R (not ended): starts an
 * interaction when it blocks on a descriptor that leads to another
 * component.
 */
void lta_segment_derive_interaction(struct lta_segment *segment,
				    struct lta_segment_thread *t,
				    const struct lta_segment_request *r,
				    const struct lta_event *event, int32_t fd);

/* --- pipelining.c: HTTP messages from the user-space tracer ----------- */

/* Whether EVENT is the user-space tracer's lttng_analyzer_syscall:http. */
bool lta_segment_is_http_event(struct lta_segment *segment,
			       const struct lta_event *event);

/* An lttng_analyzer_syscall:http event. Returns 0 or -ENOMEM. */
int lta_segment_handle_http(struct lta_segment *segment,
			    const struct lta_event *event);

/* --- tiers.c: the two ends of connections between traced servers ----- */

/* Sets up and frees the tables of tiers.c. */
int lta_segment_tiers_init(struct lta_segment *segment);
void lta_segment_tiers_fini(struct lta_segment *segment);

/*
 * Formats an address from the decoded fields of a socket event (v4: 4 x
 * u8, v6: 8 x u16 or 16 x u8) into OUT ("" when FAMILY has none).
 */
void lta_segment_format_addr(int family, const uint16_t *v4, unsigned v4_len,
			     const uint16_t *v6, unsigned v6_len, char *out,
			     size_t size);

/*
 * A server connection C was accepted (its peer set): names its component
 * and pairs it with a client end when the trace has one.
 */
void lta_segment_server_opened(struct lta_segment *segment,
			       struct lta_segment_connection *c);

/* C is freed: unpairs it. */
void lta_segment_server_gone(struct lta_segment *segment,
			     struct lta_segment_connection *c);

/* Request R begins on C: its component, and its upstream request. */
void lta_segment_link_upstream(struct lta_segment *segment,
			       struct lta_segment_connection *c,
			       struct lta_segment_request *r);

/*
 * The exit of a connect that thread T made (its entry in T's pending call):
 * a client end, and an exchange of the request T serves. Returns 0 or
 * -ENOMEM.
 */
int lta_segment_client_connected(struct lta_segment *segment,
				 struct lta_segment_thread *t,
				 const struct lta_event *event);

/*
 * The entry of a call on descriptor FD of a client end, made for request
 * R (or NULL): a write after an answer begins a new exchange.
 */
void lta_segment_client_entry(struct lta_segment *segment,
			      struct lta_segment_thread *t,
			      struct lta_segment_request *r,
			      const struct lta_event *event, int32_t fd);

/* The exit of a read or write of RET bytes on FD: counted on the exchange. */
void lta_segment_client_exit(struct lta_segment *segment,
			     const struct lta_event *event, int32_t fd,
			     int64_t ret);

/* FD of (TRACE, PID) is closed: forgets its client end. */
void lta_segment_client_closed(struct lta_segment *segment, uint32_t trace,
			       int32_t pid, int32_t fd);

/* The process (TRACE, PID) is gone: forgets its client ends. */
void lta_segment_clients_gone(struct lta_segment *segment, uint32_t trace,
			      int32_t pid);

/* The user-space tracer's sockname event: an end's own address. */
int lta_segment_handle_sockname(struct lta_segment *segment,
				const struct lta_event *event);

/* Appends an empty exchange to R; NULL when R keeps no more. */
struct lta_exchange *lta_segment_add_exchange(struct lta_segment_request *r);

/* --- kinds.c: the kinds of requests --------------------------------- */

/*
 * Where a request's kind comes from, in increasing priority: a kind found
 * from a source of higher priority replaces the one before.
 */
enum lta_segment_kind_level {
	LTA_SEGMENT_KIND_NONE = 0,
	LTA_SEGMENT_KIND_PEER, /* A server it wrote to: "to ADDRESS". */
	LTA_SEGMENT_KIND_EXEC, /* A program its child ran: "exec PATH". */
	LTA_SEGMENT_KIND_FILE, /* A file it opened: "file PATH". */
	LTA_SEGMENT_KIND_LINE, /* Its request line: "GET /path". */
};

/* Sets up and frees the tables of kinds.c. */
int lta_segment_kinds_init(struct lta_segment *segment);
void lta_segment_kinds_fini(struct lta_segment *segment);

/* The name of R's derived service now: its kind, or "request". */
const char *lta_segment_kind_of(const struct lta_segment_request *r);

/* R's request line is known now (at TS): its kind, when it says one. */
void lta_segment_kind_line(struct lta_segment *segment,
			   struct lta_segment_request *r, int64_t ts);

/*
 * The exit EVENT of an open or openat of thread T (its entry in T's
 * pending call) made for R: its kind, when it opened a file for reading
 * that is not a probe.
 */
void lta_segment_kind_open(struct lta_segment *segment,
			   struct lta_segment_thread *t,
			   struct lta_segment_request *r,
			   const struct lta_event *event);

/*
 * The entry EVENT of a write on descriptor FD, not a connection's, made
 * for R: its kind, when FD is a client end (a server it talks to).
 */
void lta_segment_kind_write(struct lta_segment *segment,
			    struct lta_segment_request *r,
			    const struct lta_event *event, int32_t fd);

/*
 * Thread CHILD of TRACE was forked while thread PARENT served a request:
 * the program it executes names that request's kind. PARENT may be a child
 * itself. Returns 0 or -ENOMEM.
 */
int lta_segment_kind_fork(struct lta_segment *segment, uint32_t trace,
			  int32_t parent, int32_t child);

/* Thread TID of TRACE executes PATH at TS (execve entry or exec event). */
void lta_segment_kind_exec(struct lta_segment *segment, uint32_t trace,
			   int32_t tid, const char *path, int64_t ts);

/* Thread TID of TRACE exited: forgets it as a child. */
void lta_segment_kind_exit(struct lta_segment *segment, uint32_t trace,
			   int32_t tid);

/*
 * The name of a derived interaction of ENTITY on a connection paired with
 * COMPONENT: "<component>:<syscall>" in OUT, false when the entity has
 * max_kinds components already (or out of memory).
 */
bool lta_segment_component_call(struct lta_segment *segment, const char *entity,
				const char *component, const char *syscall,
				char *out, size_t size);

#endif /* LTA_SEGMENT_SEGMENT_INTERNAL_H */
