/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the files of the http module share. http.c owns libmicrohttpd: it
 * parses the route, checks the method, the token and the body size, and
 * turns a struct lta_http_reply into a response. The route handlers
 * (http-analyses.c, http-requests.c) see plain C: an exchange with the
 * path's ids, the query arguments and the body, and fill its reply. Not
 * included outside src/lttng-analyzerd/http*.c.
 */
#ifndef LTA_ANALYZERD_HTTP_INTERNAL_H
#define LTA_ANALYZERD_HTTP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "common/strbuf.h"
#include "http.h"

struct MHD_Connection;
struct MHD_Daemon;
struct MHD_Response;
struct lta_http_front;
struct lta_http_live;
struct lta_http_static;
struct lta_store;

struct lta_http {
	struct MHD_Daemon *daemon; /* Owned. */
	struct lta_http_context context;
	/* Borrowed; NULL: none (lta_http_context). */
	struct lta_lttng_daemons *_Atomic lttng_daemons;
	struct lta_http_front *front; /* Owned. */
	struct lta_http_live *live;   /* Owned: the event streams' hub. */
	struct lta_http_static *web;  /* Owned; NULL: no dashboard. */
	int listen_fd;		      /* Owned; -1: none. */
	char *token;		      /* Owned; NULL: none required. */
	size_t token_len;
	bool token_for_reads; /* GET and HEAD need the token too. */
	/* Host names accepted besides IP literals and "localhost". Owned. */
	char **hosts;
	size_t host_count;
	/* Allowed trace folders, NULL-terminated; NULL: any. Owned. */
	char **trace_dirs;
	char *version; /* Owned. */
	size_t max_body;
	int64_t live_max_lag; /* Events an event stream may lag; 0: any. */
	uint16_t port;
	/* Wall-clock uptime at start, and the monotonic clock then. */
	int64_t uptime_at_start_ns;
	int64_t mono_at_start_ns;
	/* A 500 prepared at start: answering it allocates nothing. Owned. */
	struct MHD_Response *out_of_memory;
	/* What libmicrohttpd logged while lta_http_start() ran. */
	char start_error[256];
	bool starting;
};

/* Bytes of a path's {name} segment at most, NUL included. */
#define LTA_HTTP_NAME_MAX 256

/* Query arguments kept per request at most; more is answered 400. */
#define LTA_HTTP_MAX_ARGS 16

struct lta_http_arg {
	const char *name;  /* Borrowed from libmicrohttpd; decoded. */
	const char *value; /* Borrowed; NULL for "?name" without "=". */
};

/*
 * A streamed body: called as the client reads, it writes at most MAX
 * bytes into BUF and returns how many (never 0), or
 * LTA_HTTP_STREAM_END, or LTA_HTTP_STREAM_ERROR to cut the response
 * (the client sees a truncated chunked body). Same contract as
 * libmicrohttpd's content reader, which http.c checks at compile time.
 */
#define LTA_HTTP_STREAM_END ((ssize_t)-1)
/* A live stream (reply.live) has nothing yet: asked again later. */
#define LTA_HTTP_STREAM_WAIT ((ssize_t)0)
#define LTA_HTTP_STREAM_ERROR ((ssize_t)-2)
typedef ssize_t (*lta_http_stream_fn)(void *cls, uint64_t pos, char *buf,
				      size_t max);

struct lta_http_reply {
	unsigned int status;	  /* 0: nothing set (answered 500). */
	const char *content_type; /* Static string. */
	char *body;		  /* Owned (malloc); NULL: out of memory. */
	size_t body_len;
	char location[64];     /* "Location" when not "". */
	const char *allow;     /* "Allow" (405) when set; static. */
	const char *challenge; /* "WWW-Authenticate" (401); static. */
	const char *policy;    /* "Content-Security-Policy"; static. */
	/* Streamed bodies (body unused). */
	lta_http_stream_fn stream;
	void (*stream_free)(void *cls);
	void *stream_cls; /* Owned: freed with stream_free. */
	/*
	 * The stream may answer LTA_HTTP_STREAM_WAIT: it is served through
	 * the live hub (http-live.c), which asks again when the store's
	 * event log grows, at least every second, and when the server
	 * stops (lta_http_live_stopping(): then it must end).
	 */
	bool live;
};

/* One HTTP request being answered, as the handlers see it. */
struct lta_http_exchange {
	struct lta_http *http; /* Borrowed. */
	int64_t id;	       /* The path's {id}; 0 when absent. */
	int64_t rid;	       /* The path's {rid}; 0 when absent. */
	const char *name;      /* The path's {name} (decoded); "" if none. */
	const char *body;      /* Borrowed; NUL-terminated; NULL: none. */
	/* The Last-Event-ID header (event streams); NULL: none. */
	const char *last_event_id;
	size_t body_len;
	size_t arg_count;
	struct lta_http_arg args[LTA_HTTP_MAX_ARGS];
	struct lta_http_reply reply;
};

typedef void (*lta_http_handler)(struct lta_http_exchange *x);

/*
 * A request as the checks and handlers see it, without a socket: the
 * headers they read (NULL when absent), as libmicrohttpd or a test gives
 * them.
 */
struct lta_http_request {
	const char *method;
	const char *url; /* Decoded path, without the query. */
	const char *host, *origin, *content_type, *content_length;
	const char *authorization;
};

/*
 * Answers RQ, its query arguments (decoded, COUNT of them) and BODY in
 * X->reply, the way the server does, without a socket: for tests and
 * fuzzing. X must be zeroed with X->http set; the caller frees
 * X->reply.body (and calls X->reply.stream_free on a stream). Any thread.
 */
void lta_http_serve(struct lta_http *http, const struct lta_http_request *rq,
		    const struct lta_http_arg *args, size_t count,
		    const char *body, size_t body_len,
		    struct lta_http_exchange *x);

/* The reason phrase of STATUS ("Bad Request"); "Error" when unknown. */
const char *lta_http_reason(unsigned int status);

/* --- the head check (http-head.c); pure, any thread ---------------------- */

struct lta_http_head_limits {
	size_t max_head;   /* Bytes of request line and headers at most. */
	size_t max_target; /* Bytes of the request target at most. */
	uint64_t max_body; /* Content-Length at most. */
};

struct lta_http_head {
	/* When refused: the status, and the error's code and message. */
	unsigned int status;
	const char *code, *message; /* Static. */
	size_t head_len;	    /* When complete: bytes up to the body. */
	bool http_1_0;
	bool has_length;
	uint64_t content_length;
};

/*
 * Checks the request head at the start of BUF (LEN bytes received so
 * far). Returns 1 when it is complete and acceptable, 0 when more is
 * needed (LEN below limits->max_head), or -1 when it is refused (HEAD
 * says how to answer: 400, 411, 413, 414, 431 or 505).
 */
int lta_http_head_check(const char *buf, size_t len,
			const struct lta_http_head_limits *limits,
			struct lta_http_head *head);

/* --- the front (http-front.c) -------------------------------------------- */

struct lta_http_front_config {
	uint64_t max_body;
	int request_timeout_s;
	int max_connections;
	int max_per_address;
};

/*
 * Creates the front over LISTEN_FD (borrowed: the caller closes it after
 * lta_http_front_destroy()). Returns NULL when out of resources. Main
 * thread.
 */
struct lta_http_front *
lta_http_front_create(struct lta_http *http, int listen_fd,
		      const struct lta_http_front_config *config);

/* Starts accepting for DAEMON. Returns 0 or -EAGAIN. Main thread. */
int lta_http_front_run(struct lta_http_front *front, struct MHD_Daemon *daemon);

/* Stops accepting (joins the thread). Accepts NULL. Main thread. */
void lta_http_front_stop(struct lta_http_front *front);

/* Frees the front after libmicrohttpd stopped. Accepts NULL. */
void lta_http_front_destroy(struct lta_http_front *front);

/*
 * libmicrohttpd started serving socket FD: returns the front's record of
 * it (the connection's socket context), or NULL. Its threads.
 */
void *lta_http_front_started(struct lta_http_front *front, int fd);

/* The handler of SLOT's request ran: its deadline no longer applies. */
void lta_http_front_answering(struct lta_http_front *front, void *slot);

/* libmicrohttpd is closing SLOT's socket: forget it. Its threads. */
void lta_http_front_closed(struct lta_http_front *front, void *slot);

/* --- live streams (http-live.c) ------------------------------------------ */

/*
 * Creates the hub of live streams over STORE (borrowed; NULL: no thread,
 * streams are only ever resumed by lta_http_live_stop()), polling its
 * event log every POLL_MS (50 when 0). NULL: out of resources.
 */
struct lta_http_live *lta_http_live_create(struct lta_store *store,
					   int poll_ms);

/*
 * Resumes every waiting stream for the last time and stops the hub's
 * thread: before libmicrohttpd stops (it must not hold a suspended
 * connection then). Accepts NULL.
 */
void lta_http_live_stop(struct lta_http_live *live);

/* Stops (if needed) and frees. Accepts NULL. */
void lta_http_live_destroy(struct lta_http_live *live);

/* Whether the server is stopping: a live stream must end. Any thread. */
bool lta_http_live_stopping(struct lta_http_live *live);

/* The last seq of the store's event log the hub saw. Any thread. */
int64_t lta_http_live_last_seq(struct lta_http_live *live);

/*
 * A response for REPLY's live stream on CONNECTION; takes the stream's
 * state (freed, with the stream's free function, on failure too). NULL:
 * out of memory.
 */
struct MHD_Response *lta_http_live_response(struct lta_http_live *live,
					    struct MHD_Connection *connection,
					    struct lta_http_reply *reply);

/* --- replies (http-reply.c); any HTTP thread ----------------------------- */

/*
 * Answers STATUS with JSON, compact. Takes ownership of JSON (NULL: out
 * of memory, answered 500).
 */
void lta_http_reply_json(struct lta_http_exchange *x, unsigned int status,
			 json_t *json);

/*
 * Answers STATUS with BUF's content and CONTENT_TYPE (static). Takes
 * BUF's memory and leaves BUF empty; a failed BUF answers 500.
 */
void lta_http_reply_buffer(struct lta_http_exchange *x, unsigned int status,
			   const char *content_type, struct lta_strbuf *buf);

/*
 * A failed store read of WHAT ("requests", "errors"): 500 store_error,
 * logged with SQLite's message; -ENOMEM: 500 out of memory.
 */
void lta_http_reply_store_error(struct lta_http_exchange *x, int ret,
				const char *what);

/*
 * A cursor-paged list being written into OUT: at most LIMIT rows (the
 * store is asked for one more, which tells whether a next page exists).
 */
struct lta_http_page {
	struct lta_strbuf *out;
	int limit, count;
	int64_t last_id;
	bool more; /* A row past the limit exists. */
};

/*
 * Before writing row ID: returns false, MORE set, when the page is full;
 * else separates the row from the one before and counts it.
 */
bool lta_http_page_add(struct lta_http_page *page, int64_t id);

/* Closes the list with "],\"next\":ID|null}" and answers 200 with OUT. */
void lta_http_page_reply(struct lta_http_exchange *x,
			 struct lta_http_page *page);

/* Writes VALUE, or null when negative (unknown). */
void lta_http_int_or_null(struct lta_strbuf *out, int64_t value);

/*
 * Writes ,"NAME": : the key of a field after the first of an object
 * written by hand (the lists of errors and connections).
 */
void lta_http_json_field(struct lta_strbuf *out, const char *name);

/* Answers STATUS with {"error":{"code":CODE,"message":...}}. */
void lta_http_reply_error(struct lta_http_exchange *x, unsigned int status,
			  const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/*
 * A JSON string of S; S need not be valid UTF-8 (invalid bytes are
 * replaced). Returns a new reference or NULL when out of memory.
 */
json_t *lta_http_json_string(const char *s);

/* --- query arguments (http-reply.c) -------------------------------------- */

/*
 * Parses the request body as JSON (duplicate keys rejected). Returns the
 * document (the caller puts its reference), or NULL after answering 400
 * invalid_json in X: EXPECTED says what an empty body should have held.
 */
json_t *lta_http_load_body(struct lta_http_exchange *x, const char *expected);

/*
 * Checks that every query argument is in ALLOWED (NULL-terminated) and
 * appears once. Returns 0, or -1 after answering 400 unknown_parameter or
 * invalid_parameter.
 */
int lta_http_query_check(struct lta_http_exchange *x,
			 const char *const *allowed);

/* Returns the value of NAME ("" for "?name"), or NULL when absent. */
const char *lta_http_query(const struct lta_http_exchange *x, const char *name);

/*
 * Reads NAME as a decimal integer in [MIN, MAX] into *VALUE. Returns 1
 * when read, 0 when absent (*VALUE untouched), or -1 after answering 400
 * invalid_parameter.
 */
int lta_http_query_int(struct lta_http_exchange *x, const char *name,
		       int64_t min, int64_t max, int64_t *value);

/*
 * Parses S (all of it) as a decimal integer without sign or spaces.
 * Returns 0 or -1 (empty, not digits, overflow).
 */
int lta_http_parse_uint(const char *s, int64_t *value);

/* --- handlers ----------------------------------------------------------- */

/* http-analyses.c */
void lta_http_get_health(struct lta_http_exchange *x);
void lta_http_get_analyses(struct lta_http_exchange *x);
void lta_http_post_analyses(struct lta_http_exchange *x);
void lta_http_get_analysis(struct lta_http_exchange *x);
void lta_http_delete_analysis(struct lta_http_exchange *x);
void lta_http_get_stats(struct lta_http_exchange *x);
void lta_http_get_metrics(struct lta_http_exchange *x);
/* GET /api/v1/fleet (http-fleet.c): the fleet view, with --nats-url. */
void lta_http_get_fleet(struct lta_http_exchange *x);

/*
 * Answers 404 when analysis X->id is unknown, or 500 when the manager
 * failed. Returns 0 when it exists, or -1 after answering.
 */
int lta_http_check_analysis(struct lta_http_exchange *x);

/* http-analyses.c: a 500 for WHAT failing with -errno RET (logged). */
void lta_http_reply_internal(struct lta_http_exchange *x, const char *what,
			     int ret);

/* http-analyses.c: the daemon's uptime (survives restarts of the clock). */
int64_t lta_http_uptime_ns(const struct lta_http *http);

/* http-sessions.c */
void lta_http_get_sessions(struct lta_http_exchange *x);
void lta_http_post_sessions(struct lta_http_exchange *x);
void lta_http_get_session(struct lta_http_exchange *x);
void lta_http_delete_session(struct lta_http_exchange *x);
void lta_http_post_session_start(struct lta_http_exchange *x);
void lta_http_post_session_stop(struct lta_http_exchange *x);

/*
 * Adds what GET /api/v1/health says about LTTng to HEALTH: the session
 * daemon, the kernel tracer, the relay daemon. Returns 0 or -ENOMEM.
 */
int lta_http_health_lttng(struct lta_http *http, json_t *health);

/* http-requests.c */
void lta_http_get_requests(struct lta_http_exchange *x);
void lta_http_get_request(struct lta_http_exchange *x);
void lta_http_get_request_path(struct lta_http_exchange *x);
void lta_http_get_requests_jsonl(struct lta_http_exchange *x);

/* http-connections.c */
void lta_http_get_connections(struct lta_http_exchange *x);
void lta_http_get_connection(struct lta_http_exchange *x);

/*
 * Reads the end_reason query parameter into *OUT (borrowed from X; NULL
 * when absent) when it is one of lta_request_end_name()'s words. Returns
 * 0, or -1 after answering 400 invalid_parameter. For /requests and
 * /connections.
 */
int lta_http_read_end_reason(struct lta_http_exchange *x, const char **out);

/* http-queries.c */
void lta_http_post_query(struct lta_http_exchange *x);
void lta_http_get_queries(struct lta_http_exchange *x);
void lta_http_get_query(struct lta_http_exchange *x);
void lta_http_delete_query(struct lta_http_exchange *x);
void lta_http_get_query_windows(struct lta_http_exchange *x);

/* http-events.c */
void lta_http_get_events(struct lta_http_exchange *x);

/* http-errors.c */
void lta_http_get_errors(struct lta_http_exchange *x);
void lta_http_get_timeouts(struct lta_http_exchange *x);

/* http-static.c: the dashboard's files (GET / and GET /static/{name}). */
void lta_http_get_static(struct lta_http_exchange *x);

/*
 * Reads the dashboard's files from WEB_DIR once (the chart library from
 * CHART_JS when WEB_DIR has none; it is optional). Returns them, or NULL
 * with a message in ERROR when a file the page needs cannot be read.
 * Main thread, before the server starts.
 */
struct lta_http_static *lta_http_static_load(const char *web_dir,
					     const char *chart_js, char *error,
					     size_t size);

/* Frees the files. Accepts NULL. */
void lta_http_static_destroy(struct lta_http_static *web);

/*
 * Whether GET handler GET serves the dashboard's files, which hold no
 * data: they never need the token, even with token_for_reads (the page
 * asks for it and sends it with its API calls).
 */
bool lta_http_static_route(lta_http_handler get);

/*
 * Answers 409 control_only: this daemon (--control-only) analyzes
 * nothing, and the message says where its sessions go and how to
 * analyze them. Handler threads.
 */
void lta_http_reply_control_only(struct lta_http *http,
				 struct lta_http_exchange *x);

#endif /* LTA_ANALYZERD_HTTP_INTERNAL_H */
