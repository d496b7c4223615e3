/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The HTTP server of lttng-analyzerd: the REST API under /api/v1 and the
 * Prometheus /metrics page, over libmicrohttpd (only this module includes
 * it) with JSON from jansson.
 *
 * Place in the data flow: REST clients -> http -> the analysis manager
 * (analysis.h) to start, stop and inspect analyses, and the store
 * (store.h) to read stored requests. The module keeps no analysis state of
 * its own: every answer is built from those two when it is asked for, and
 * request records are served as stored, never re-encoded.
 *
 * Threads: libmicrohttpd runs a pool of threads, each an event loop over
 * many connections, and the handlers run on them. A slow or silent client
 * costs a socket and a bounded amount of memory, never a thread: a front
 * thread (http-front.c) holds every connection until its request head is
 * complete, within a total deadline, and closes the oldest waiting ones
 * when connections run short. Every answer, protocol errors included, is
 * the API's JSON. The routes, status codes and bodies are described in
 * doc/openapi.yaml.
 */
#ifndef LTA_ANALYZERD_HTTP_H
#define LTA_ANALYZERD_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lta_http;
struct lta_analyses;
struct lta_store;
struct lta_lttng_daemons;
struct lta_attach;

/* Zero or NULL in any field selects its default. */
struct lta_http_config {
	/* Numeric IPv4 or IPv6 address to listen on; "127.0.0.1". */
	const char *address;
	/* TCP port; 0 picks a free one (see lta_http_port()). */
	uint16_t port;
	/*
	 * When set, every state-changing request (POST, PUT, PATCH, DELETE)
	 * must carry "Authorization: Bearer TOKEN"; GET and HEAD never need
	 * it. NULL or "": no token is required (the caller warns about it:
	 * it knows where the token was supposed to come from).
	 */
	const char *token;
	/* GET and HEAD need the token too (when one is set). */
	bool token_for_reads;
	/*
	 * Host header names accepted besides IP literals and "localhost"
	 * (NULL-terminated; copied): a browser page served from any other
	 * name (DNS rebinding) is refused.
	 */
	const char *const *allowed_hosts;
	/*
	 * Folders trace paths must be in (NULL-terminated, absolute;
	 * copied); NULL or empty: anywhere but /proc, /sys and /dev.
	 */
	const char *const *allowed_trace_dirs;
	size_t max_body;	  /* Request body bytes at most; 64 KiB. */
	int threads;		  /* libmicrohttpd thread pool size; 4. */
	int connection_timeout_s; /* Idle while answering; 30 s. */
	/* A request's head and body must arrive within this; 10 s. */
	int request_timeout_s;
	/*
	 * Open connections at most (256), and per client address (64): a
	 * newcomer past either closes the oldest connection that has not
	 * sent its request head yet, else the oldest still sending its body.
	 */
	int max_connections;
	int max_per_address;
	const char *version; /* Shown by /api/v1/health; "unknown". */
	/* Event streams look for new events this often (ms); 50. */
	int live_poll_ms;
	/*
	 * An event stream client this many events behind the newest is
	 * dropped (a final event says why); 100000.
	 */
	int64_t live_max_lag;
	/*
	 * The dashboard's folder (index.html, app.js, style.css), served at
	 * / and /static/; NULL or "": no dashboard (/ answers 404).
	 */
	const char *web_dir;
	/* The chart library when WEB_DIR has no chart.min.js; optional. */
	const char *chart_js;
};

/* What the handlers read from. Copied by lta_http_start(). */
struct lta_publisher;

struct lta_http_context {
	struct lta_analyses *analyses; /* Borrowed; outlives the server. */
	struct lta_store *store;       /* Borrowed; outlives the server. */
	/*
	 * The LTTng daemons the process runs (borrowed; they outlive the
	 * server), shown by /api/v1/health and the default relay daemon of
	 * new sessions; NULL: sessions must name their relay daemon. Given
	 * here, before any HTTP thread runs.
	 */
	struct lta_lttng_daemons *lttng_daemons;
	/*
	 * A control-only daemon (doc/fleet-vms.md): ANALYSES and STORE are
	 * NULL, and every route that needs them answers 409 control_only.
	 */
	bool control_only;
	/* Sessions given by pattern (borrowed; outlives the server), shown
	 * by /api/v1/health; NULL: none. */
	struct lta_attach *attach;
	/*
	 * The fleet's publisher (--nats-url; borrowed, outlives the
	 * server): its lag per analysis and its totals are shown. NULL:
	 * none.
	 */
	struct lta_publisher *publisher;
	/* Wall clock (CLOCK_REALTIME) when the daemon started, ns; 0: now. */
	int64_t started_ns;
	/*
	 * Checks a trace path (lta_trace_path_check()'s contract); NULL
	 * selects lta_trace_path_check(). Tests give a double.
	 */
	int (*check_trace_path)(const char *path, const char *const *allowed,
				char *resolved, size_t size, char *error,
				size_t esize);
};

/*
 * Starts listening and serving on a thread pool. CONFIG and its strings
 * are copied. Returns the server, or NULL with a message in ERROR (SIZE
 * bytes) when the address is not numeric, the port cannot be bound, or
 * memory runs out. Main thread; the process must ignore SIGPIPE.
 */
struct lta_http *lta_http_start(const struct lta_http_config *config,
				const struct lta_http_context *context,
				char *error, size_t size);

/* The port the server listens on (the chosen one when asked for 0). */
uint16_t lta_http_port(const struct lta_http *http);

/*
 * Stops accepting, closes every connection (a streamed export is cut
 * short), waits for the handlers that are running and frees the server.
 * Accepts NULL. Main thread; never from a handler.
 */
void lta_http_stop(struct lta_http *http);

#endif /* LTA_ANALYZERD_HTTP_H */
