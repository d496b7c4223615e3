/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The server: libmicrohttpd's daemon, the route table, what every request
 * goes through before its handler (method, token, body size and type),
 * and the translation of a struct lta_http_reply into a response.
 *
 * libmicrohttpd calls on_request() several times per request: once when
 * the headers are in (we check everything that needs no body and answer
 * at once when it fails, so a rejected upload is never read), once per
 * piece of body, and once at the end (the handler runs then).
 */
#include "http-internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "common/log.h"
#include "lttng-daemons.h"

_Static_assert(LTA_HTTP_STREAM_END == MHD_CONTENT_READER_END_OF_STREAM,
	       "stream end is libmicrohttpd's");
_Static_assert(LTA_HTTP_STREAM_ERROR == MHD_CONTENT_READER_END_WITH_ERROR,
	       "stream error is libmicrohttpd's");

#define DEFAULT_ADDRESS "127.0.0.1"
#define DEFAULT_MAX_BODY (64 * 1024)
#define DEFAULT_THREADS 4
#define DEFAULT_TIMEOUT_S 30
#define DEFAULT_REQUEST_TIMEOUT_S 10
#define DEFAULT_MAX_CONNECTIONS 256
#define DEFAULT_MAX_PER_ADDRESS 64
#define DEFAULT_LIVE_MAX_LAG 100000

/*
 * Memory per connection for headers, the query string and the send
 * buffer: a client cannot make a connection cost more than this (plus
 * the body, capped by max_body). The front (http-front.c) refuses heads
 * of more than a quarter of it, so that libmicrohttpd never answers 414
 * or 431 with its own page.
 */
#define CONNECTION_MEMORY (64 * 1024)

/* Preferred size of a streamed response's blocks. */
#define STREAM_BLOCK (16 * 1024)

static const char OUT_OF_MEMORY_BODY[] =
	"{\"error\":{\"code\":\"out_of_memory\",\"message\":"
	"\"The server ran out of memory while answering.\"}}";

struct route {
	/*
	 * Path segments; "{id}" and "{rid}" (or "{cid}": any other
	 * "{...}" is read into rid) match positive integers,
	 * "{name}" any segment (the handler checks it).
	 */
	const char *path;
	const char *allow; /* The Allow header of a 405. */
	lta_http_handler get, post, del;
	/* POST takes no body (an action): no Content-Type is required. */
	bool post_without_body;
};

/* Every route of doc/openapi.yaml. HEAD is answered as GET. */
static const struct route routes[] = {
	{ "/api/v1/health", "GET, HEAD", lta_http_get_health, NULL, NULL,
	  false },
	{ "/api/v1/analyses", "GET, HEAD, POST", lta_http_get_analyses,
	  lta_http_post_analyses, NULL, false },
	{ "/api/v1/analyses/{id}", "GET, HEAD, DELETE", lta_http_get_analysis,
	  NULL, lta_http_delete_analysis, false },
	{ "/api/v1/analyses/{id}/requests", "GET, HEAD", lta_http_get_requests,
	  NULL, NULL, false },
	{ "/api/v1/analyses/{id}/requests.jsonl", "GET, HEAD",
	  lta_http_get_requests_jsonl, NULL, NULL, false },
	{ "/api/v1/analyses/{id}/requests/{rid}", "GET, HEAD",
	  lta_http_get_request, NULL, NULL, false },
	{ "/api/v1/analyses/{id}/requests/{rid}/path", "GET, HEAD",
	  lta_http_get_request_path, NULL, NULL, false },
	{ "/api/v1/analyses/{id}/connections", "GET, HEAD",
	  lta_http_get_connections, NULL, NULL, false },
	{ "/api/v1/analyses/{id}/connections/{cid}", "GET, HEAD",
	  lta_http_get_connection, NULL, NULL, false },
	{ "/api/v1/analyses/{id}/stats", "GET, HEAD", lta_http_get_stats, NULL,
	  NULL, false },
	{ "/api/v1/analyses/{id}/errors", "GET, HEAD", lta_http_get_errors,
	  NULL, NULL, false },
	{ "/api/v1/analyses/{id}/timeouts", "GET, HEAD", lta_http_get_timeouts,
	  NULL, NULL, false },
	{ "/api/v1/sessions", "GET, HEAD, POST", lta_http_get_sessions,
	  lta_http_post_sessions, NULL, false },
	{ "/api/v1/sessions/{name}", "GET, HEAD, DELETE", lta_http_get_session,
	  NULL, lta_http_delete_session, false },
	{ "/api/v1/sessions/{name}/start", "POST", NULL,
	  lta_http_post_session_start, NULL, true },
	{ "/api/v1/sessions/{name}/stop", "POST", NULL,
	  lta_http_post_session_stop, NULL, true },
	{ "/api/v1/analyses/{id}/queries", "GET, HEAD, POST",
	  lta_http_get_queries, lta_http_post_query, NULL, false },
	{ "/api/v1/analyses/{id}/queries/{qid}", "GET, HEAD, DELETE",
	  lta_http_get_query, NULL, lta_http_delete_query, false },
	{ "/api/v1/analyses/{id}/queries/{qid}/windows", "GET, HEAD",
	  lta_http_get_query_windows, NULL, NULL, false },
	{ "/api/v1/analyses/{id}/events", "GET, HEAD", lta_http_get_events,
	  NULL, NULL, false },
	{ "/api/v1/events", "GET, HEAD", lta_http_get_events, NULL, NULL,
	  false },
	{ "/api/v1/fleet", "GET, HEAD", lta_http_get_fleet, NULL, NULL, false },
	{ "/metrics", "GET, HEAD", lta_http_get_metrics, NULL, NULL, false },
	{ "/", "GET, HEAD", lta_http_get_static, NULL, NULL, false },
	{ "/static/{name}", "GET, HEAD", lta_http_get_static, NULL, NULL,
	  false },
};

/* What we keep about a request between libmicrohttpd's calls. */
struct request_state {
	const struct route *route; /* NULL: no such resource. */
	lta_http_handler handler;  /* NULL: method not allowed. */
	int64_t id, rid;
	char name[LTA_HTTP_NAME_MAX]; /* The path's {name}, or "". */
	bool takes_body;
	bool answered;	    /* Refused in begin(): ignore the rest. */
	bool too_large;	    /* The body went past max_body: discarded. */
	bool out_of_memory; /* Growing the body failed: discarded. */
	char *body;	    /* Owned; NUL-terminated. */
	size_t body_len, body_cap;
};

/*
 * Marks a request answered before it got a state (out of memory): later
 * calls for it, if any, find something that is not NULL.
 */
static struct request_state answered_early;

static int64_t clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/*
 * Matches URL (decoded, without the query) against PATTERN and reads the
 * ids it holds.
 */
static bool match(const char *pattern, const char *url, int64_t *id,
		  int64_t *rid, char *name)
{
	while (*pattern) {
		if (strncmp(pattern, "{name}", 6) == 0) {
			size_t n = strcspn(url, "/");

			if (n == 0 || n >= LTA_HTTP_NAME_MAX) {
				return false;
			}
			memcpy(name, url, n);
			name[n] = '\0';
			pattern += 6;
			url += n;
			continue;
		}
		if (*pattern == '{') {
			size_t n = strcspn(url, "/");
			char digits[24];
			int64_t value;

			if (n == 0 || n >= sizeof(digits)) {
				return false;
			}
			memcpy(digits, url, n);
			digits[n] = '\0';
			if (lta_http_parse_uint(digits, &value) || value < 1) {
				return false;
			}
			if (strncmp(pattern, "{id}", 4) == 0) {
				*id = value;
			} else {
				*rid = value;
			}
			pattern = strchr(pattern, '}') + 1;
			url += n;
			continue;
		}
		if (*pattern != *url) {
			return false;
		}
		pattern++;
		url++;
	}
	return *url == '\0';
}

static const struct route *find_route(const char *url, int64_t *id,
				      int64_t *rid, char *name)
{
	size_t i;

	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		*id = 0;
		*rid = 0;
		name[0] = '\0';
		if (match(routes[i].path, url, id, rid, name)) {
			return &routes[i];
		}
	}
	return NULL;
}

static bool is_read_only(const char *method)
{
	return strcmp(method, MHD_HTTP_METHOD_GET) == 0 ||
	       strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
}

static lta_http_handler route_handler(const struct route *route,
				      const char *method)
{
	if (is_read_only(method)) {
		return route->get;
	}
	if (strcmp(method, MHD_HTTP_METHOD_POST) == 0) {
		return route->post;
	}
	if (strcmp(method, MHD_HTTP_METHOD_DELETE) == 0) {
		return route->del;
	}
	return NULL;
}

/*
 * Whether a control-only daemon serves ROUTE: health and the sessions,
 * which need neither analyses nor a store.
 */
static bool control_only_route(const struct route *route)
{
	return strcmp(route->path, "/api/v1/health") == 0 ||
	       strncmp(route->path, "/api/v1/sessions", 16) == 0;
}

void lta_http_reply_control_only(struct lta_http *http,
				 struct lta_http_exchange *x)
{
	struct lta_lttng_daemons_view view;
	struct lta_lttng_daemons *daemons = http->lttng_daemons;

	memset(&view, 0, sizeof(view));
	if (daemons) {
		lta_lttng_daemons_view(daemons, &view);
	}
	if (!view.hostname[0] &&
	    gethostname(view.hostname, sizeof(view.hostname) - 1)) {
		snprintf(view.hostname, sizeof(view.hostname), "HOST");
	}
	lta_http_reply_error(
		x, MHD_HTTP_CONFLICT, "control_only",
		"This daemon only controls the LTTng sessions of its host "
		"(--control-only): it analyzes nothing. Its sessions go to "
		"the relay daemon %s; analyze them with a daemon that reads "
		"it (--attach=net://%s:%u/host/%s/*).",
		view.relayd_host[0] ? view.relayd_host : "each session names",
		view.relayd_host[0] ? view.relayd_host : "RELAY",
		view.relayd_live_port ? view.relayd_live_port : 5344,
		view.hostname);
}

/*
 * Compares in a time that depends on the length of the expected token
 * only, so that answer times do not reveal how much of a guess was right.
 */
static bool token_equal(const char *expected, size_t expected_len,
			const char *given, size_t given_len)
{
	volatile unsigned char diff = 0;
	size_t i;

	diff |= (unsigned char)(expected_len != given_len);
	for (i = 0; i < expected_len; i++) {
		unsigned char g = i < given_len ? (unsigned char)given[i] : 0;

		diff |= (unsigned char)expected[i] ^ g;
	}
	return diff == 0;
}

/*
 * Checks "Authorization: Bearer TOKEN". Returns 0, or -1 after answering
 * 401 in X.
 */
static int check_token(struct lta_http *http, const struct lta_http_request *rq,
		       struct lta_http_exchange *x)
{
	const char *header = rq->authorization, *given;

	if (!http->token) {
		return 0;
	}
	if (!header || strncasecmp(header, "Bearer ", 7) != 0) {
		lta_http_reply_error(x, MHD_HTTP_UNAUTHORIZED, "unauthorized",
				     "This request needs an "
				     "\"Authorization: Bearer TOKEN\" header.");
		x->reply.challenge = "Bearer realm=\"lttng-analyzerd\"";
		return -1;
	}
	given = header + 7;
	while (*given == ' ') {
		given++;
	}
	if (!token_equal(http->token, http->token_len, given, strlen(given))) {
		lta_http_reply_error(x, MHD_HTTP_UNAUTHORIZED, "unauthorized",
				     "The token is not the daemon's.");
		x->reply.challenge = "Bearer realm=\"lttng-analyzerd\", "
				     "error=\"invalid_token\"";
		return -1;
	}
	return 0;
}

/* Length of HOST without its ":port" (IPv6 literals keep brackets). */
static size_t host_name_len(const char *host)
{
	const char *colon;

	if (host[0] == '[') {
		const char *close = strchr(host, ']');

		return close ? (size_t)(close - host + 1) : strlen(host);
	}
	colon = strchr(host, ':');
	return colon ? (size_t)(colon - host) : strlen(host);
}

/* An IPv4 or bracketed IPv6 literal of LEN bytes. */
static bool is_ip_literal(const char *name, size_t len)
{
	char text[INET6_ADDRSTRLEN + 2];
	unsigned char bin[sizeof(struct in6_addr)];

	if (len < 2 || len >= sizeof(text)) {
		return false;
	}
	if (name[0] == '[') {
		if (name[len - 1] != ']') {
			return false;
		}
		memcpy(text, name + 1, len - 2);
		text[len - 2] = '\0';
		return inet_pton(AF_INET6, text, bin) == 1;
	}
	memcpy(text, name, len);
	text[len] = '\0';
	return inet_pton(AF_INET, text, bin) == 1;
}

/*
 * Whether the Host header names this server: an IP literal, "localhost"
 * or a configured name, with any port (or no header: HTTP/1.0). A page
 * of another site that rebinds its own name to our address sends its
 * own name here; IP literals cannot be rebound.
 */
static bool host_allowed(const struct lta_http *http, const char *host)
{
	size_t len, i;

	if (!host) {
		return true;
	}
	len = host_name_len(host);
	if (host[len] != '\0' &&
	    (host[len] != ':' ||
	     lta_http_parse_uint(host + len + 1, &(int64_t){ 0 }))) {
		return false;
	}
	if (is_ip_literal(host, len) ||
	    (len == 9 && strncasecmp(host, "localhost", 9) == 0)) {
		return true;
	}
	for (i = 0; i < http->host_count; i++) {
		if (strlen(http->hosts[i]) == len &&
		    strncasecmp(http->hosts[i], host, len) == 0) {
			return true;
		}
	}
	return false;
}

/*
 * Whether a browser's Origin is this server's own: "http://" followed by
 * the Host header. No Origin (a script, curl) is not a browser's
 * cross-site request.
 */
static bool origin_allowed(const struct lta_http_request *rq)
{
	if (!rq->origin) {
		return true;
	}
	return rq->host && strncasecmp(rq->origin, "http://", 7) == 0 &&
	       strcasecmp(rq->origin + 7, rq->host) == 0;
}

/* "application/json", with parameters or not, in any case. */
static bool is_json_type(const char *type)
{
	static const char json[] = "application/json";
	size_t n = sizeof(json) - 1;

	if (!type || strncasecmp(type, json, n) != 0) {
		return false;
	}
	return type[n] == '\0' || type[n] == ';' || type[n] == ' ' ||
	       type[n] == '\t';
}

/*
 * Checks what can be checked from the headers of a request with a body.
 * Returns 0, or -1 after answering in X.
 */
static int check_body_headers(struct lta_http *http,
			      const struct lta_http_request *rq,
			      bool takes_body, struct lta_http_exchange *x)
{
	const char *length = rq->content_length;
	int64_t bytes;

	/*
	 * Requiring JSON keeps browsers from posting here from other sites,
	 * even with no body: a cross-site form or a "simple" fetch cannot
	 * send this type without a CORS preflight, which we never grant.
	 */
	if (!is_json_type(rq->content_type)) {
		lta_http_reply_error(x, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
				     "unsupported_media_type",
				     "A POST must be sent as "
				     "\"Content-Type: application/json\", "
				     "with a body or not.");
		return -1;
	}
	if (!takes_body) {
		return 0;
	}
	if (length && lta_http_parse_uint(length, &bytes) == 0 &&
	    (uint64_t)bytes > http->max_body) {
		lta_http_reply_error(
			x, MHD_HTTP_CONTENT_TOO_LARGE, "body_too_large",
			"The body is larger than %zu bytes.", http->max_body);
		return -1;
	}
	return 0;
}

static bool add_header(struct MHD_Response *response, const char *name,
		       const char *value)
{
	return MHD_add_response_header(response, name, value) == MHD_YES;
}

/*
 * Queues X's reply on C, or the prepared 500 when memory runs out on the
 * way. Frees what the reply owned.
 */
static enum MHD_Result send_reply(struct lta_http *http,
				  struct MHD_Connection *c,
				  struct lta_http_reply *reply)
{
	struct MHD_Response *response = NULL;
	enum MHD_Result ret;
	bool headers_ok;

	if (reply->stream && reply->live && http->live) {
		response = lta_http_live_response(http->live, c, reply);
	} else if (reply->stream) {
		response = MHD_create_response_from_callback(
			MHD_SIZE_UNKNOWN, STREAM_BLOCK, reply->stream,
			reply->stream_cls, reply->stream_free);
		if (!response) {
			reply->stream_free(reply->stream_cls);
		}
	} else if (reply->status && reply->body) {
		response = MHD_create_response_from_buffer(
			reply->body_len, reply->body, MHD_RESPMEM_MUST_FREE);
		if (!response) {
			free(reply->body);
		}
	} else {
		free(reply->body);
	}
	reply->body = NULL;
	reply->stream_cls = NULL;
	if (!response) {
		goto out_of_memory;
	}
	headers_ok =
		add_header(response, MHD_HTTP_HEADER_CONTENT_TYPE,
			   reply->content_type) &&
		add_header(response, MHD_HTTP_HEADER_CACHE_CONTROL,
			   "no-store") &&
		add_header(response, "X-Content-Type-Options", "nosniff") &&
		add_header(response, MHD_HTTP_HEADER_CONNECTION, "close");
	if (headers_ok && reply->location[0]) {
		headers_ok = add_header(response, MHD_HTTP_HEADER_LOCATION,
					reply->location);
	}
	if (headers_ok && reply->allow) {
		headers_ok = add_header(response, MHD_HTTP_HEADER_ALLOW,
					reply->allow);
	}
	if (headers_ok && reply->policy) {
		headers_ok = add_header(response, "Content-Security-Policy",
					reply->policy);
	}
	if (headers_ok && reply->challenge) {
		headers_ok =
			add_header(response, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
				   reply->challenge);
	}
	if (!headers_ok) {
		MHD_destroy_response(response);
		goto out_of_memory;
	}
	ret = MHD_queue_response(c, reply->status, response);
	MHD_destroy_response(response);
	return ret;

out_of_memory:
	LTA_LOGE("Out of memory while answering an HTTP request");
	return MHD_queue_response(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
				  http->out_of_memory);
}

/*
 * Everything that can be checked before the body: host, route, method,
 * origin, token, body type and announced size. Returns 0, or -1 after
 * answering in X.
 */
static int check_request(struct lta_http *http,
			 const struct lta_http_request *rq,
			 const struct request_state *state,
			 struct lta_http_exchange *x)
{
	bool read_only = is_read_only(rq->method);

	if (!host_allowed(http, rq->host)) {
		lta_http_reply_error(x, MHD_HTTP_FORBIDDEN, "forbidden_host",
				     "The Host header names neither an IP "
				     "address, localhost nor a name given "
				     "with --allowed-host.");
		return -1;
	}
	if (!state->route) {
		lta_http_reply_error(x, MHD_HTTP_NOT_FOUND, "not_found",
				     "No such resource.");
		return -1;
	}
	if (!state->handler) {
		lta_http_reply_error(
			x, MHD_HTTP_METHOD_NOT_ALLOWED, "method_not_allowed",
			"This resource accepts %s only.", state->route->allow);
		x->reply.allow = state->route->allow;
		return -1;
	}
	if (http->context.control_only && !control_only_route(state->route)) {
		lta_http_reply_control_only(http, x);
		return -1;
	}
	if (!read_only && !origin_allowed(rq)) {
		lta_http_reply_error(x, MHD_HTTP_FORBIDDEN, "forbidden_origin",
				     "Requests that change state are not "
				     "accepted from pages of other origins.");
		return -1;
	}
	if ((!read_only || (http->token_for_reads &&
			    !lta_http_static_route(state->route->get))) &&
	    check_token(http, rq, x)) {
		return -1;
	}
	if (strcmp(rq->method, MHD_HTTP_METHOD_POST) == 0 &&
	    check_body_headers(http, rq, state->takes_body, x)) {
		return -1;
	}
	return 0;
}

/* Finds STATE's route and handler for RQ. */
static void route_request(const struct lta_http_request *rq,
			  struct request_state *state)
{
	state->route =
		find_route(rq->url, &state->id, &state->rid, state->name);
	if (state->route) {
		state->handler = route_handler(state->route, rq->method);
		state->takes_body = state->handler &&
				    state->handler == state->route->post &&
				    !state->route->post_without_body;
	}
}

void lta_http_serve(struct lta_http *http, const struct lta_http_request *rq,
		    const struct lta_http_arg *args, size_t count,
		    const char *body, size_t body_len,
		    struct lta_http_exchange *x)
{
	struct request_state state = { 0 };

	route_request(rq, &state);
	x->id = state.id;
	x->rid = state.rid;
	x->name = state.name;
	if (check_request(http, rq, &state, x)) {
		return;
	}
	if (count > LTA_HTTP_MAX_ARGS) {
		lta_http_reply_error(
			x, MHD_HTTP_BAD_REQUEST, "invalid_parameter",
			"More than %d query parameters.", LTA_HTTP_MAX_ARGS);
		return;
	}
	if (state.takes_body && body_len > http->max_body) {
		lta_http_reply_error(
			x, MHD_HTTP_CONTENT_TOO_LARGE, "body_too_large",
			"The body is larger than %zu bytes.", http->max_body);
		return;
	}
	if (count) {
		memcpy(x->args, args, count * sizeof(*args));
	}
	x->arg_count = count;
	if (state.takes_body) {
		x->body = body;
		x->body_len = body_len;
	}
	state.handler(x);
	/* The name lives in STATE: the handler is done with it. */
	x->name = "";
}

static const char *header(struct MHD_Connection *c, const char *name)
{
	return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

static void read_request(struct MHD_Connection *c, const char *url,
			 const char *method, struct lta_http_request *rq)
{
	rq->method = method;
	rq->url = url;
	rq->host = header(c, MHD_HTTP_HEADER_HOST);
	rq->origin = header(c, MHD_HTTP_HEADER_ORIGIN);
	rq->content_type = header(c, MHD_HTTP_HEADER_CONTENT_TYPE);
	rq->content_length = header(c, MHD_HTTP_HEADER_CONTENT_LENGTH);
	rq->authorization = header(c, MHD_HTTP_HEADER_AUTHORIZATION);
}

/* The front's record of C (see lta_http_front_started()), or NULL. */
static void *front_slot(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *info =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return info ? info->socket_context : NULL;
}

/*
 * First call for a request, when its headers are in. A request that
 * fails the checks is answered at once: libmicrohttpd then reads no body
 * and closes the connection after the answer.
 */
static enum MHD_Result begin(struct lta_http *http, struct MHD_Connection *c,
			     const char *url, const char *method,
			     void **con_cls)
{
	struct lta_http_exchange x = { .http = http };
	struct lta_http_request rq;
	struct request_state *state;

	state = calloc(1, sizeof(*state));
	if (!state) {
		*con_cls = &answered_early;
		lta_http_front_answering(http->front, front_slot(c));
		return send_reply(http, c, &x.reply);
	}
	*con_cls = state;
	read_request(c, url, method, &rq);
	route_request(&rq, state);
	if (check_request(http, &rq, state, &x) == 0) {
		return MHD_YES;
	}
	state->answered = true;
	lta_http_front_answering(http->front, front_slot(c));
	LTA_LOGD("HTTP request refused: method=%s, url=\"%s\", status=%u",
		 method, url, x.reply.status);
	return send_reply(http, c, &x.reply);
}

/* Keeps a piece of body, up to max_body; what goes past is dropped. */
static void take_body(struct lta_http *http, struct request_state *state,
		      const char *data, size_t size)
{
	size_t cap;
	char *body;

	if (!state->takes_body || state->too_large || state->out_of_memory) {
		return;
	}
	if (size > http->max_body - state->body_len) {
		state->too_large = true;
		goto drop;
	}
	if (state->body_len + size + 1 > state->body_cap) {
		cap = state->body_cap ? state->body_cap : 1024;
		while (cap < state->body_len + size + 1) {
			cap *= 2;
		}
		if (cap > http->max_body + 1) {
			cap = http->max_body + 1;
		}
		body = realloc(state->body, cap);
		if (!body) {
			state->out_of_memory = true;
			goto drop;
		}
		state->body = body;
		state->body_cap = cap;
	}
	memcpy(state->body + state->body_len, data, size);
	state->body_len += size;
	state->body[state->body_len] = '\0';
	return;

drop:
	free(state->body);
	state->body = NULL;
	state->body_len = 0;
	state->body_cap = 0;
}

struct arg_collector {
	struct lta_http_exchange *x;
	bool overflow;
};

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind,
				   const char *key, const char *value)
{
	struct arg_collector *collector = cls;
	struct lta_http_exchange *x = collector->x;

	(void)kind;
	if (x->arg_count == LTA_HTTP_MAX_ARGS) {
		collector->overflow = true;
		return MHD_NO;
	}
	x->args[x->arg_count].name = key;
	x->args[x->arg_count].value = value;
	x->arg_count++;
	return MHD_YES;
}

/* Last call for a request: the whole body is in; runs its handler. */
static enum MHD_Result finish(struct lta_http *http, struct MHD_Connection *c,
			      const char *url, const char *method,
			      struct request_state *state)
{
	struct lta_http_exchange x = {
		.http = http,
		.id = state->id,
		.rid = state->rid,
		.name = state->name,
		.body = state->body,
		.body_len = state->body_len,
	};
	struct arg_collector collector = { .x = &x };

	lta_http_front_answering(http->front, front_slot(c));
	x.last_event_id = header(c, "Last-Event-ID");
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect_arg,
				  &collector);
	if (state->too_large) {
		lta_http_reply_error(
			&x, MHD_HTTP_CONTENT_TOO_LARGE, "body_too_large",
			"The body is larger than %zu bytes.", http->max_body);
	} else if (state->out_of_memory) {
		x.reply.status = MHD_HTTP_INTERNAL_SERVER_ERROR;
	} else if (collector.overflow) {
		lta_http_reply_error(
			&x, MHD_HTTP_BAD_REQUEST, "invalid_parameter",
			"More than %d query parameters.", LTA_HTTP_MAX_ARGS);
	} else {
		state->handler(&x);
	}
	LTA_LOGD("HTTP request: method=%s, url=\"%s\", status=%u", method, url,
		 x.reply.status);
	return send_reply(http, c, &x.reply);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
				  const char *url, const char *method,
				  const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct lta_http *http = cls;
	struct request_state *state = *con_cls;

	(void)version;
	if (!*con_cls) {
		return begin(http, c, url, method, con_cls);
	}
	if (*con_cls == &answered_early || state->answered) {
		/* Already answered: ignore what still comes. */
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (*upload_data_size) {
		take_body(http, state, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	return finish(http, c, url, method, state);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode code)
{
	struct request_state *state = *con_cls;

	(void)cls;
	(void)c;
	if (code != MHD_REQUEST_TERMINATED_COMPLETED_OK) {
		LTA_LOGD("HTTP request ended early: code=%d", (int)code);
	}
	if (state && *con_cls != &answered_early) {
		free(state->body);
		free(state);
	}
	*con_cls = NULL;
}

/* The front's record follows a connection from its start to its close. */
static void on_connection(void *cls, struct MHD_Connection *c,
			  void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	struct lta_http *http = cls;
	const union MHD_ConnectionInfo *info;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		info = MHD_get_connection_info(
			c, MHD_CONNECTION_INFO_CONNECTION_FD);
		*socket_context = info ? lta_http_front_started(
						 http->front, info->connect_fd)
				       : NULL;
	} else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		lta_http_front_closed(http->front, *socket_context);
		*socket_context = NULL;
	}
}

const char *lta_http_reason(unsigned int status)
{
	switch (status) {
	case 400:
		return "Bad Request";
	case 403:
		return "Forbidden";
	case 408:
		return "Request Timeout";
	case 411:
		return "Length Required";
	case 413:
		return "Content Too Large";
	case 414:
		return "URI Too Long";
	case 431:
		return "Request Header Fields Too Large";
	case 503:
		return "Service Unavailable";
	case 505:
		return "HTTP Version Not Supported";
	default:
		return "Error";
	}
}

/*
 * libmicrohttpd's messages: kept as the start error while starting (it
 * says why a port cannot be bound), else debug only, since most are about
 * clients that misbehave, which is normal operation.
 */
__attribute__((format(printf, 2, 0))) static void
on_log(void *cls, const char *fmt, va_list ap)
{
	struct lta_http *http = cls;
	char message[256];
	size_t n;

	vsnprintf(message, sizeof(message), fmt, ap);
	n = strlen(message);
	while (n && (message[n - 1] == '\n' || message[n - 1] == '\r')) {
		message[--n] = '\0';
	}
	if (__atomic_load_n(&http->starting, __ATOMIC_ACQUIRE)) {
		snprintf(http->start_error, sizeof(http->start_error), "%s",
			 message);
		return;
	}
	LTA_LOGD("libmicrohttpd: %s", message);
}

/* Parses a numeric IPv4 or IPv6 ADDRESS and PORT into SS. */
static int parse_address(const char *address, uint16_t port,
			 struct sockaddr_storage *ss, bool *ipv6)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, address, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		*ipv6 = false;
		return 0;
	}
	if (inet_pton(AF_INET6, address, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		*ipv6 = true;
		return 0;
	}
	return -EINVAL;
}

static void free_http(struct lta_http *http)
{
	if (!http) {
		return;
	}
	/*
	 * No more handing over; the live streams end (libmicrohttpd must
	 * not hold a suspended connection when it stops); then
	 * libmicrohttpd's, then the front's.
	 */
	lta_http_front_stop(http->front);
	lta_http_live_stop(http->live);
	if (http->daemon) {
		MHD_stop_daemon(http->daemon);
	}
	lta_http_front_destroy(http->front);
	lta_http_live_destroy(http->live);
	lta_http_static_destroy(http->web);
	if (http->listen_fd >= 0) {
		close(http->listen_fd);
	}
	if (http->out_of_memory) {
		MHD_destroy_response(http->out_of_memory);
	}
	for (size_t i = 0; i < http->host_count; i++) {
		free(http->hosts[i]);
	}
	free(http->hosts);
	for (size_t i = 0; http->trace_dirs && http->trace_dirs[i]; i++) {
		free(http->trace_dirs[i]);
	}
	free(http->trace_dirs);
	free(http->token);
	free(http->version);
	free(http);
}

/*
 * Opens the listening socket on SS. Returns it, or -1 with a message in
 * ERROR.
 */
static int listen_on(const struct sockaddr_storage *ss, bool ipv6, char *error,
		     size_t size)
{
	int fd, one = 1;

	fd = socket(ipv6 ? AF_INET6 : AF_INET,
		    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(error, size, "socket(): %s", strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ipv6) {
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	}
	if (bind(fd, (const struct sockaddr *)ss,
		 ipv6 ? sizeof(struct sockaddr_in6)
		      : sizeof(struct sockaddr_in)) ||
	    listen(fd, 1024)) {
		snprintf(error, size, "%s", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

struct lta_http *lta_http_start(const struct lta_http_config *config,
				const struct lta_http_context *context,
				char *error, size_t size)
{
	const char *address = config->address && config->address[0]
				      ? config->address
				      : DEFAULT_ADDRESS;
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO |
			     MHD_USE_ERROR_LOG | MHD_USE_NO_LISTEN_SOCKET |
			     MHD_USE_ITC | MHD_ALLOW_SUSPEND_RESUME;
	struct lta_http_front_config front = { 0 };
	struct sockaddr_storage bound;
	socklen_t bound_len = sizeof(bound);
	char why[256];
	int listen_fd = -1;
	unsigned int threads, timeout_s, max_connections;
	struct MHD_OptionItem options[2];
	struct sockaddr_storage ss;
	struct lta_http *http = NULL;
	bool ipv6;
	int64_t now;

	threads = config->threads > 0 ? (unsigned int)config->threads
				      : DEFAULT_THREADS;
	timeout_s = config->connection_timeout_s > 0
			    ? (unsigned int)config->connection_timeout_s
			    : DEFAULT_TIMEOUT_S;
	max_connections = config->max_connections > 0
				  ? (unsigned int)config->max_connections
				  : DEFAULT_MAX_CONNECTIONS;
	if (parse_address(address, config->port, &ss, &ipv6)) {
		snprintf(error, size,
			 "Not a numeric IPv4 or IPv6 address: address=\"%s\"",
			 address);
		goto error;
	}
	if (ipv6) {
		flags |= MHD_USE_IPv6;
	}
	http = calloc(1, sizeof(*http));
	if (!http) {
		goto out_of_memory;
	}
	http->listen_fd = -1;
	for (; config->allowed_hosts && config->allowed_hosts[http->host_count];
	     http->host_count++) {
	}
	if (http->host_count) {
		size_t i;

		http->hosts = calloc(http->host_count, sizeof(*http->hosts));
		if (!http->hosts) {
			http->host_count = 0;
			goto out_of_memory;
		}
		for (i = 0; i < http->host_count; i++) {
			http->hosts[i] = strdup(config->allowed_hosts[i]);
			if (!http->hosts[i]) {
				goto out_of_memory;
			}
		}
	}
	http->token_for_reads = config->token_for_reads;
	if (config->allowed_trace_dirs && config->allowed_trace_dirs[0]) {
		size_t i, n = 0;

		while (config->allowed_trace_dirs[n]) {
			n++;
		}
		http->trace_dirs = calloc(n + 1, sizeof(*http->trace_dirs));
		if (!http->trace_dirs) {
			goto out_of_memory;
		}
		for (i = 0; i < n; i++) {
			http->trace_dirs[i] =
				strdup(config->allowed_trace_dirs[i]);
			if (!http->trace_dirs[i]) {
				goto out_of_memory;
			}
		}
	}
	if (config->web_dir && config->web_dir[0]) {
		http->web = lta_http_static_load(config->web_dir,
						 config->chart_js, error, size);
		if (!http->web) {
			goto error;
		}
	}
	http->context = *context;
	http->lttng_daemons = context->lttng_daemons;
	http->max_body = config->max_body ? config->max_body : DEFAULT_MAX_BODY;
	http->live_max_lag = config->live_max_lag > 0 ? config->live_max_lag
						      : DEFAULT_LIVE_MAX_LAG;
	http->version = strdup(config->version ? config->version : "unknown");
	if (!http->version) {
		goto out_of_memory;
	}
	if (config->token && config->token[0]) {
		http->token = strdup(config->token);
		if (!http->token) {
			goto out_of_memory;
		}
		http->token_len = strlen(http->token);
	}
	/*
	 * Uptime follows the monotonic clock from here on, so that a step
	 * of the wall clock does not make it jump.
	 */
	now = clock_ns(CLOCK_REALTIME);
	http->uptime_at_start_ns =
		context->started_ns > 0 && context->started_ns <= now
			? now - context->started_ns
			: 0;
	http->mono_at_start_ns = clock_ns(CLOCK_MONOTONIC);
	http->out_of_memory = MHD_create_response_from_buffer(
		sizeof(OUT_OF_MEMORY_BODY) - 1, (void *)OUT_OF_MEMORY_BODY,
		MHD_RESPMEM_PERSISTENT);
	if (!http->out_of_memory ||
	    !add_header(http->out_of_memory, MHD_HTTP_HEADER_CONTENT_TYPE,
			"application/json") ||
	    !add_header(http->out_of_memory, MHD_HTTP_HEADER_CONNECTION,
			"close")) {
		goto out_of_memory;
	}

	listen_fd = listen_on(&ss, ipv6, why, sizeof(why));
	if (listen_fd < 0) {
		snprintf(error, size,
			 "Cannot listen: address=%s, port=%u, error=\"%s\"",
			 address, config->port, why);
		goto error;
	}
	http->listen_fd = listen_fd;
	front.max_body = http->max_body;
	front.request_timeout_s = config->request_timeout_s > 0
					  ? config->request_timeout_s
					  : DEFAULT_REQUEST_TIMEOUT_S;
	front.max_connections = (int)max_connections;
	front.max_per_address = config->max_per_address > 0
					? config->max_per_address
					: DEFAULT_MAX_PER_ADDRESS;
	http->front = lta_http_front_create(http, listen_fd, &front);
	if (!http->front) {
		goto out_of_memory;
	}
	http->live = lta_http_live_create(context->store, config->live_poll_ms);
	if (!http->live) {
		goto out_of_memory;
	}

	__atomic_store_n(&http->starting, true, __ATOMIC_RELEASE);
	/* libmicrohttpd warns about a pool of 1: give it none then. */
	options[0] = (struct MHD_OptionItem){
		threads > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END,
		threads, NULL
	};
	options[1] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };
	/*
	 * The front keeps the count below max_connections; the slack
	 * covers the connections libmicrohttpd is still closing.
	 */
	http->daemon = MHD_start_daemon(
		flags, 0, NULL, NULL, on_request, http,
		MHD_OPTION_CONNECTION_TIMEOUT, timeout_s,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY,
		MHD_OPTION_CONNECTION_LIMIT, max_connections * 2 + threads,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, http,
		MHD_OPTION_NOTIFY_CONNECTION, on_connection, http,
		MHD_OPTION_EXTERNAL_LOGGER, on_log, http, MHD_OPTION_ARRAY,
		options, MHD_OPTION_END);
	if (!http->daemon) {
		snprintf(error, size,
			 "Cannot listen: address=%s, port=%u, error=\"%s\"",
			 address, config->port,
			 http->start_error[0] ? http->start_error : "unknown");
		goto error;
	}
	__atomic_store_n(&http->starting, false, __ATOMIC_RELEASE);
	if (lta_http_front_run(http->front, http->daemon)) {
		snprintf(error, size, "Cannot start the front thread");
		goto error;
	}
	if (getsockname(listen_fd, (struct sockaddr *)&bound, &bound_len) ==
	    0) {
		http->port = ntohs(
			bound.ss_family == AF_INET6
				? ((struct sockaddr_in6 *)&bound)->sin6_port
				: ((struct sockaddr_in *)&bound)->sin_port);
	} else {
		http->port = config->port;
	}
	return http;

out_of_memory:
	snprintf(error, size, "Out of memory");
error:
	free_http(http);
	return NULL;
}

uint16_t lta_http_port(const struct lta_http *http)
{
	return http->port;
}

void lta_http_stop(struct lta_http *http)
{
	if (!http) {
		return;
	}
	free_http(http);
}
