/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The segment module: web requests cut out of the system-call stream.
 *
 * Fed completed events one at a time (after the tasks module, with the
 * decoder's arguments), it follows every connection a server accepts and
 * hands out one request record when the connection is over. The rules (see
 * doc/segmentation.md for the reasoning and refinements):
 *
 * - A request opens when accept/accept4 returns a descriptor (exit event,
 *   ret >= 0) in a process; its key is (trace, pid, fd). Its start is the
 *   accept exit; the time blocked in accept is recorded apart (idle, not
 *   latency).
 * - It ends at the first shutdown or close of that descriptor (the entry of
 *   that call). After a shutdown the descriptor is still followed until its
 *   close (lingering close), and both times are recorded. Process exit with
 *   the request open ends it as "aborted"; the end of the trace as "open";
 *   a connection on which nothing was ever read (the client went away
 *   before sending a request) as "empty".
 * - An event belongs to a request when it acts on the request's descriptor,
 *   or when the thread that makes it is serving the request: a thread
 *   serves the request whose descriptor it touched last, until the request
 *   ends, or until the thread waits for new work (enters accept, or
 *   epoll_wait), which is what an event-loop or listener thread does between
 *   connections.
 * - After the tracer discarded events, requests open at that moment are
 *   marked incomplete: nothing is guessed.
 *
 * Memory is proportional to the requests and threads open now, never to the
 * trace length; sequences are capped (truncated flag). Not thread-safe: one
 * segmenter per analysis thread.
 */
#ifndef LTA_SEGMENT_SEGMENT_H
#define LTA_SEGMENT_SEGMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event/event.h"

enum lta_request_end {
	LTA_REQUEST_END_CLOSE = 0, /* close() of the descriptor. */
	LTA_REQUEST_END_SHUTDOWN,  /* shutdown() came first. */
	LTA_REQUEST_END_EMPTY,	   /* Closed with nothing ever read. */
	LTA_REQUEST_END_ABORTED,   /* The process exited. */
	LTA_REQUEST_END_OPEN,	   /* Still open at the end of the trace. */
	LTA_REQUEST_END_REPLACED,  /* fd accepted again, close not seen. */
	/*
	 * Answered on a persistent connection: the server turned back to the
	 * connection (read it again) after writing the answer.
	 */
	LTA_REQUEST_END_KEEPALIVE,
};

#define LTA_REQUEST_END_COUNT (LTA_REQUEST_END_KEEPALIVE + 1)

/*
 * Integer arrays kept per call argument: enough for the addresses
 * (v4addr: 4 x u8, v6addr: 8 x u16); longer arrays are cut (len says how
 * many were kept).
 */
#define LTA_CALL_INTS_MAX 8

/* An argument of a call in a request's sequence. */
struct lta_call_arg {
	const char *name; /* Interned by the source: lives as long. */
	enum lta_arg_type type;
	uint8_t len; /* LTA_ARG_INTS */
	union {
		int64_t s;
		uint64_t u;
		double real;
		uint32_t str; /* LTA_ARG_STRING: offset in strings. */
		uint16_t ints[LTA_CALL_INTS_MAX];
	} v;
};

#define LTA_CALL_MAX_ARGS 8

/* One system call of a request, entry and exit merged. */
struct lta_call {
	const char *name; /* Interned system-call name. */
	int32_t tid;
	int64_t start;	  /* Entry (or exit, when no entry was seen). */
	int64_t duration; /* Exit - entry; -1 when either is missing. */
	bool has_ret;
	int64_t ret;
	uint8_t nargs; /* Entry arguments (at most 8). */
	struct lta_call_arg args[LTA_CALL_MAX_ARGS];
};

/* Per system-call name counts of a request. */
struct lta_call_count {
	const char *name; /* Interned. */
	uint32_t count;
};

/*
 * What a thread blocked on: the request's own connection, or another
 * descriptor by type (from socket/open/accept exits and the statedump), or
 * a call with no known descriptor (futex, poll, epoll_wait...).
 */
enum lta_fd_type {
	LTA_FD_CLIENT = 0,
	LTA_FD_SOCKET,
	LTA_FD_FILE,
	LTA_FD_PIPE,
	LTA_FD_OTHER,
	LTA_FD_TYPE_COUNT,
};

/* Returns "client", "socket", "file", "pipe", "other". */
const char *lta_fd_type_name(enum lta_fd_type type);

/*
 * How a request, or an exchange it made, is tied to the other end of its
 * connection (doc/tiers.md):
 * - none: the other end is not in the trace, or the trace cannot tell
 *   which of its connections it is (kernel traces have no client port);
 * - paired: the two ends of the connection were paired from what both
 *   sides recorded, and the message order gives the request;
 * - ambiguous: several connections of the other side fit; none is chosen.
 */
enum lta_link {
	LTA_LINK_NONE = 0,
	LTA_LINK_PAIRED,
	LTA_LINK_AMBIGUOUS,
};

/* Returns "none", "paired", "ambiguous". */
const char *lta_link_name(enum lta_link link);

/* A process name, '@' and a unix path (108 bytes at most) fit. */
#define LTA_COMPONENT_MAX 144
/* Exchanges kept per request; more set exchanges_truncated. */
#define LTA_REQUEST_MAX_EXCHANGES 64

/*
 * A message a request sent to another server on a connection its process
 * opened (connect), and the answer it read: one query to a database, one
 * call to an upstream. It begins with the first write after the previous
 * answer (or with the connect) and ends with the last read before the next
 * write.
 */
struct lta_exchange {
	/* The server it went to: "mariadbd@127.0.0.1:3306"; "" unknown. */
	char component[LTA_COMPONENT_MAX];
	/* Where the connection goes: "127.0.0.1:3306", a unix path. */
	char peer[LTA_COMPONENT_MAX];
	int32_t fd;
	int64_t start; /* Entry of its first call. */
	int64_t end;   /* Exit of its last call. */
	uint64_t bytes_out;
	uint64_t bytes_in;
	enum lta_link link;
	uint64_t request; /* The server's request that handled it; 0. */
};

#define LTA_REQUEST_MAX_TIDS 8
#define LTA_REQUEST_MAX_LATE_TIDS 4
#define LTA_REQUEST_LINE_MAX 128

struct lta_request {
	uint64_t id; /* 1, 2, ... in the order requests begin: stable. */
	uint64_t connection_id; /* 1, 2, ... in accept order. */
	uint32_t position;	/* 1, 2, ... on its connection. */
	uint32_t trace;
	int32_t pid;
	int32_t fd;
	char procname[32];
	/*
	 * The server it belongs to: its process name, with the address it
	 * was reached at when the trace says ("mariadbd@127.0.0.1:3306").
	 */
	char component[LTA_COMPONENT_MAX];
	/*
	 * The request of a traced client that sent it (its exchange's
	 * request), 0 when none; link says how that was found.
	 */
	uint64_t upstream;
	enum lta_link link;
	uint8_t tid_count; /* Distinct threads (first 8 kept). */
	int32_t tids[LTA_REQUEST_MAX_TIDS];
	bool tids_truncated;
	/*
	 * Threads that touched the request only after its end (an event
	 * MPM's lingering close, done by whichever worker is free).
	 */
	uint8_t late_tid_count;
	int32_t late_tids[LTA_REQUEST_MAX_LATE_TIDS];

	/* Peer, from the accept exit when the trace has it. */
	int family;    /* AF_INET, AF_INET6, AF_UNIX; -1 unknown. */
	int port;      /* -1 unknown. */
	char peer[64]; /* "127.0.0.1", "::1", "" when unknown. */

	int64_t accept_entry; /* -1 when the accept entry was not seen. */
	/*
	 * The accept exit for the first request of a connection; for the
	 * next ones, the entry of the read that brought their first bytes.
	 */
	int64_t start;
	/*
	 * First shutdown/close, or (keepalive) the entry of the call by
	 * which the server turned back to the connection after its answer;
	 * -1 when open.
	 */
	int64_t end;
	int64_t answered_ts; /* Exit of the last write of the answer; -1. */
	int64_t shutdown_ts; /* -1 when none. */
	int64_t close_ts;    /* -1 when none. */
	enum lta_request_end end_reason;
	bool incomplete; /* The tracer discarded events meanwhile. */

	/*
	 * HTTP pipelining: the client sent this request before the answer
	 * to the previous one (known from the user-space tracer's
	 * lttng_analyzer_syscall:http events only). A record that holds
	 * several HTTP requests whose answers the server wrote in one call
	 * has messages > 1.
	 */
	bool pipelined;
	uint32_t messages; /* HTTP requests it holds; 0: not known. */
	char request_line[LTA_REQUEST_LINE_MAX]; /* First one; "" unknown. */

	/*
	 * With sched events (kernel traces): the time of the threads while
	 * they served the request, by state. Not known otherwise.
	 */
	bool sched_known;
	int64_t running_ns;
	int64_t waiting_ns; /* Runnable, waiting for a CPU. */
	int64_t blocked_ns;
	int64_t blocked_by[LTA_FD_TYPE_COUNT];

	uint64_t bytes_read;
	uint64_t bytes_written;
	uint32_t reads; /* Calls that read from the descriptor. */

	uint32_t call_total;	/* Calls seen, kept or not. */
	uint32_t call_count;	/* Calls kept in calls[]. */
	bool truncated;		/* call_total > call_count. */
	struct lta_call *calls; /* Owned. */

	uint32_t count_kinds;
	struct lta_call_count *counts; /* Owned; per name. */

	char *strings;	      /* Owned: string arguments, NUL-separated. */
	uint32_t strings_len; /* Bytes in strings. */

	/* Its exchanges with other servers, in order (first ones kept). */
	uint32_t exchange_count;
	bool exchanges_truncated;
	struct lta_exchange *exchanges; /* Owned. */
};

/*
 * A connection a server accepted: it carries one request (KeepAlive Off)
 * or many (persistent connections). Handed out when it is over (its close
 * completed, its process exited, the trace ended), after its requests.
 */
struct lta_connection {
	uint64_t id; /* 1, 2, ... in accept order: stable. */
	uint32_t trace;
	int32_t pid;
	int32_t fd;
	char procname[32];
	int family; /* As in struct lta_request. */
	int port;
	char peer[64];
	int64_t accept_entry; /* -1 when not seen. */
	int64_t start;	      /* The accept exit. */
	int64_t end;	      /* First shutdown/close; -1 when not seen. */
	int64_t shutdown_ts;  /* -1 when none. */
	int64_t close_ts;     /* -1 when none. */
	/* close, shutdown, empty (no request), aborted, open, replaced. */
	enum lta_request_end end_reason;
	bool incomplete;
	/* Client closed while idle: a read returned 0 between requests. */
	bool peer_closed;
	uint32_t requests;	/* Records handed out for it. */
	uint64_t first_request; /* Id of its first request; 0: none. */
	/*
	 * Idle time: between the end of a request and the start of the next,
	 * and after the last one until the connection's end.
	 */
	int64_t idle_ns;
	uint64_t bytes_read;
	uint64_t bytes_written;
};

/*
 * Copies SRC into DST, deeply, reusing DST's buffers (DST must be zeroed
 * or a previous copy; free it with lta_request_fini(), never with free():
 * a copy's buffers keep their size privately). Lets a request outlive the
 * callback that handed it out, e.g. to be written by another thread.
 * Returns 0 or -ENOMEM (DST then holds no calls).
 */
int lta_request_copy(struct lta_request *dst, const struct lta_request *src);

/*
 * Moves the record SRC into DST without copying: DST gets SRC's fields and
 * buffers, SRC keeps its other fields but takes DST's old buffers, empty
 * (no calls, counts, strings or exchanges). Both are records the segmenter lent
 * to on_request, or copies (lta_request_copy(), lta_request_move()), or zeroed.
 * Lets a consumer keep a request handed out without its copy cost.
 */
void lta_request_move(struct lta_request *dst, struct lta_request *src);

/*
 * Frees the buffers of a copy made by lta_request_copy() or
 * lta_request_move() and empties it (it may be copied into again).
 */
void lta_request_fini(struct lta_request *r);

/*
 * Returns "close", "shutdown", "empty", "aborted", "open", "replaced",
 * "keepalive".
 */
const char *lta_request_end_name(enum lta_request_end end);

/*
 * The inverse of lta_request_end_name() (a stored record's reason back to
 * the enum). Returns false, END untouched, for an unknown NAME.
 */
bool lta_request_end_from_name(const char *name, enum lta_request_end *end);

/*
 * Parses a comma-separated list of end reasons ("close,keepalive", or
 * "all") into *MASK, a bit (1 << reason) each. Returns 0, or -1 for an
 * empty list or an unknown name.
 */
int lta_request_end_parse_list(const char *list, unsigned *mask);

/* Returns the string argument of a call, or "". */
const char *lta_request_string(const struct lta_request *request,
			       const struct lta_call_arg *arg);

/*
 * A start or an end derived from the system calls, for timing-failure
 * detection without instrumentation (lib/agent):
 * - every request is a service of its process: entity = the process name
 *   at accept, name = the kind of the request, key = the request id; it
 *   starts at the request's start (the accept exit) and ends at its end
 *   (first shutdown or close; a request replaced because its close was
 *   lost ends when replaced). A process that exits with requests open
 *   gives no end: that is a crash for the agent.
 * - the kind is named from what the system calls show, in this priority
 *   (doc/segmentation.md says why): "request GET /path" (the request
 *   line of the user-space tracer's http event, without its query),
 *   "request file /path" (the first file opened for reading while serving
 *   it, not a probe), "request exec /path" (the program a child it forked
 *   executed), "request to ADDRESS" (where a connection to another server
 *   it wrote to goes), else "request". At most max_kinds per process
 *   name, then "request other". A kind known after the start moves the
 *   open service to it: a point with moved_from set (neither a start nor
 *   an end); a kind of higher priority found later moves it again.
 * - every blocking call made for a request on a descriptor that leads to
 *   another component is an interaction: a socket that is not the
 *   request's client, or a pipe (types known from socket/accept/open exits
 *   and the statedump). Blocking calls are reads, writes, connect, and
 *   the waits with no descriptor of their own (poll, ppoll, select,
 *   pselect6), which are charged to the descriptor the thread touched last
 *   when that one leads to another component (a database client polls its
 *   socket, then reads it). Entity = the process name, name =
 *   "<socket|pipe>:<system call>", or "<component>:<system call>" on a
 *   connection paired with a traced server's (doc/tiers.md: e.g.
 *   "mariadbd@127.0.0.1:3306:poll", at most max_kinds components per
 *   process name), key = the thread id; it starts at the entry and ends
 *   at the exit (an exit that was lost ends it at the thread's next
 *   system call).
 */
struct lta_segment_point {
	bool end;
	bool interaction;
	uint32_t trace;
	int32_t pid, tid;
	const char *entity; /* Borrowed for the call. */
	const char *name;   /* Borrowed for the call. */
	uint64_t key;
	uint64_t service_key; /* Interaction: the request it is made for. */
	int64_t ts;
	/*
	 * A service's move: the open service (entity, moved_from, key) is
	 * now (entity, name, key). NULL for a start or an end. Borrowed.
	 */
	const char *moved_from;
	/*
	 * An interaction's start: the name of the service it is made for, at
	 * that moment (its request's kind). Borrowed.
	 */
	const char *service_name;
};

/* Kinds of request per process name, by default (max_kinds). */
#define LTA_SEGMENT_MAX_KINDS 64

/* Return 0 to go on; non-zero stops as ON_REQUEST's would. */
typedef int (*lta_segment_point_func)(const struct lta_segment_point *point,
				      void *user_data);

/*
 * Called with each finished connection, after its last request. Borrowed
 * for the call. Return 0 to go on, non-zero to stop.
 */
typedef int (*lta_segment_connection_func)(
	const struct lta_connection *connection, void *user_data);

struct lta_segment_options {
	/* Calls kept per request (default 1000); 0 keeps none. */
	uint32_t max_calls;
	/* Only processes with this name (at accept); NULL: all. */
	const char *process;
	/* Derived starts and ends; NULL: none (and no cost). */
	lta_segment_point_func on_point;
	void *point_data;
	/*
	 * Kinds of request (derived services) per process name, and
	 * components (derived interactions) per process name; past it, a
	 * request is "request other", a call "<socket|pipe>:<call>". 0: 64.
	 */
	uint32_t max_kinds;
	/* Every derived service is "request" (kinds not told apart). */
	bool no_kinds;
	/* Finished connections; NULL: not wanted. */
	lta_segment_connection_func on_connection;
	void *connection_data;
};

struct lta_segment_counters {
	uint64_t connections_opened;
	uint64_t connections_open; /* Now. */
	uint64_t requests_opened;
	uint64_t requests_emitted;
	uint64_t requests_open; /* Now. */
	uint64_t requests_incomplete;
	uint64_t threads; /* Tracked now. */
	uint64_t discards;
};

/*
 * Called with each finished request, in the order requests finish. The
 * request is lent for the call: read it, or take its calls, counts and
 * strings with lta_request_move() (the segmenter reads them no more once
 * it handed the request out). Return 0 to go on, non-zero to stop
 * (returned by lta_segment_feed()).
 */
typedef int (*lta_segment_request_func)(struct lta_request *request,
					void *user_data);

struct lta_segment;

/*
 * Creates a segmenter. OPTIONS may be NULL (defaults). Returns NULL when
 * out of memory. ON_REQUEST and USER_DATA are borrowed.
 */
struct lta_segment *
lta_segment_create(const struct lta_segment_options *options,
		   lta_segment_request_func on_request, void *user_data);

/*
 * Feeds one event. Returns 0, -ENOMEM, or what ON_REQUEST returned when it
 * was not 0.
 */
int lta_segment_feed(struct lta_segment *segment,
		     const struct lta_event *event);

/*
 * As lta_segment_feed(), for a pipeline consumer (lib/pipeline): SLOT is
 * the consumer's slot in the thread that made EVENT, where the segmenter
 * keeps its state of that thread, so that it is found without a lookup;
 * the segmenter clears the slot when it frees that state. NULL: no cache.
 */
int lta_segment_feed_cached(struct lta_segment *segment,
			    const struct lta_event *event, void **slot);

/*
 * The thread whose slot SLOT is goes away (the tasks module forgets it):
 * the cache is dropped; the segmenter keeps its own state of the thread
 * until it ends it itself.
 */
void lta_segment_slot_forget(void **slot);

/* For lta_segment_discard(): events were lost in every trace. */
#define LTA_SEGMENT_ALL_TRACES UINT32_MAX

/*
 * The tracer discarded events in TRACE (LTA_SEGMENT_ALL_TRACES: in all of
 * them, e.g. a live viewer that re-attached at the streams' current
 * position): every request of that trace open now is marked incomplete,
 * and the system calls threads were in are forgotten (their exits may be
 * lost).
 */
void lta_segment_discard(struct lta_segment *segment, uint32_t trace);

/*
 * The trace ended: every open request is handed out as "open" (or as
 * "empty"/"close" when only its lingering close is missing). Returns like
 * lta_segment_feed().
 */
int lta_segment_finish(struct lta_segment *segment);

const struct lta_segment_counters *
lta_segment_counters(const struct lta_segment *segment);

/*
 * For a derived interaction error of thread (TRACE, TID) raised now (its
 * key is the thread id): when the call the thread is in is on a client end
 * paired with a traced server's connection (doc/tiers.md), the id of that
 * server's request linked to the exchange in progress if that request has
 * not ended, else 0 (none was running); -1 when the thread is in no
 * derived interaction on a paired connection. Reads only; the thread that
 * feeds the segmenter.
 */
int64_t lta_segment_downstream(const struct lta_segment *segment,
			       uint32_t trace, int32_t tid);

/* Accepts NULL. Open requests are dropped without being handed out. */
void lta_segment_destroy(struct lta_segment *segment);

#endif /* LTA_SEGMENT_SEGMENT_H */
