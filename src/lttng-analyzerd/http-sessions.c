/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Routes about LTTng sessions on the local session daemon:
 * /api/v1/sessions[/{name}[/start|/stop]], and the LTTng part of
 * /api/v1/health. They read the request into plain C structs, call the
 * control module (control.h), and translate its errno values into HTTP
 * statuses; doc/openapi.yaml is the contract.
 */
#include "http-internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis.h"
#include "common/log.h"
#include "control.h"
#include "lttng-daemons.h"

#define DEFAULT_LIVE_TIMER_US 1000000
#define DESTROY_TIMEOUT_MS 60000

static const char *const no_parameters[] = { NULL };

static const char KERNEL_HINT[] =
	"The kernel tracer is not available on this machine: use the "
	"user-space domain (\"ust\") or load lttng-modules.";

static bool put(json_t *object, const char *key, json_t *value)
{
	return json_object_set_new(object, key, value) != 0;
}

/*
 * Answers STATUS with an error object that also carries liblttng-ctl's
 * code, the field at fault and a hint, when there are.
 */
static void reply_lttng_error(struct lta_http_exchange *x, unsigned int status,
			      const char *code,
			      const struct lta_control_error *error,
			      const char *hint)
{
	json_t *e = json_object(), *body = json_object();
	bool failed = !e || !body;

	failed |= put(e, "code", json_string(code));
	failed |= put(e, "message", lta_http_json_string(error->message));
	if (error->lttng_code) {
		failed |=
			put(e, "lttng_error", json_integer(error->lttng_code));
	}
	if (error->field[0]) {
		failed |= put(e, "field", json_string(error->field));
	}
	if (hint) {
		failed |= put(e, "hint", json_string(hint));
	}
	failed |= put(body, "error", e);
	if (failed) {
		json_decref(body);
		body = NULL;
	}
	lta_http_reply_json(x, status, body);
}

/* Answers a failed control call. */
static void reply_control_error(struct lta_http_exchange *x, int ret,
				const struct lta_control_error *error)
{
	switch (-ret) {
	case EEXIST:
		reply_lttng_error(x, 409, "session_exists", error, NULL);
		break;
	case ENOENT:
		reply_lttng_error(x, 404, "session_not_found", error, NULL);
		break;
	case ECONNREFUSED:
		reply_lttng_error(x, 503, "no_session_daemon", error,
				  "Start lttng-sessiond, or run "
				  "lttng-analyzerd with --start-sessiond.");
		break;
	case EPERM:
		reply_lttng_error(x, 403, "permission_denied", error, NULL);
		break;
	case ENOTSUP:
		reply_lttng_error(x, 422, "kernel_tracer_unavailable", error,
				  KERNEL_HINT);
		break;
	case EINVAL:
		reply_lttng_error(x, 400,
				  strcmp(error->field, "name") == 0
					  ? "invalid_name"
					  : "invalid_field",
				  error, NULL);
		break;
	case EALREADY:
		reply_lttng_error(x, 409, "already_in_state", error, NULL);
		break;
	case ETIMEDOUT:
		reply_lttng_error(x, 504, "timeout", error, NULL);
		break;
	case ENOMEM:
		lta_http_reply_json(x, 500, NULL);
		break;
	default:
		LTA_LOGE("The session daemon failed: error=\"%s\"",
			 error->message);
		reply_lttng_error(x, 500, "lttng_error", error, NULL);
		break;
	}
}

static json_t *session_json(const struct lta_control_session *s)
{
	json_t *o = json_object();
	bool failed = !o;

	failed |= put(o, "name", lta_http_json_string(s->name));
	failed |=
		put(o, "state", json_string(s->active ? "active" : "inactive"));
	failed |= put(o, "active", json_boolean(s->active));
	failed |= put(o, "live_timer_us",
		      json_integer((json_int_t)s->live_timer_us));
	failed |= put(o, "url", lta_http_json_string(s->url));
	failed |= put(o, "created_ns",
		      s->created_s >= 0
			      ? json_integer(s->created_s * 1000000000LL)
			      : json_null());
	if (failed) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* Checks the path's name. Returns 0, or -1 after answering 400. */
static int check_path_name(struct lta_http_exchange *x)
{
	struct lta_control_error error;

	if (lta_control_check_name(x->name, &error)) {
		reply_control_error(x, -EINVAL, &error);
		return -1;
	}
	return 0;
}

/* --- reading the body of POST /api/v1/sessions ------------------------- */

/* A 400 whose message names FIELD. */
#define field_error(x, code, fmt, field) \
	lta_http_reply_error((x), 400, (code), fmt, (field))

/* Reads an array of strings. Returns 0, or -1 after answering 400. */
static int read_names(struct lta_http_exchange *x, json_t *value,
		      const char *field, char *names, size_t name_size,
		      size_t max, size_t *count)
{
	size_t i;
	json_t *item;

	if (!json_is_array(value) || json_array_size(value) > max) {
		lta_http_reply_error(x, 400, "invalid_field",
				     "Field %s must be an array of at most "
				     "%zu strings.",
				     field, max);
		return -1;
	}
	json_array_foreach(value, i, item)
	{
		const char *s = json_string_value(item);

		if (!s || s[0] == '\0' || strlen(s) >= name_size) {
			lta_http_reply_error(x, 400, "invalid_field",
					     "Field %s must hold non-empty "
					     "strings shorter than %zu bytes.",
					     field, name_size);
			return -1;
		}
		snprintf(names + i * name_size, name_size, "%s", s);
	}
	*count = json_array_size(value);
	return 0;
}

static int read_uint(struct lta_http_exchange *x, json_t *value,
		     const char *field, uint64_t max, uint64_t *out)
{
	json_int_t v;

	if (!json_is_integer(value) || (v = json_integer_value(value)) < 1 ||
	    (uint64_t)v > max) {
		lta_http_reply_error(x, 400, "invalid_field",
				     "Field %s must be an integer from 1 to "
				     "%llu.",
				     field, (unsigned long long)max);
		return -1;
	}
	*out = (uint64_t)v;
	return 0;
}

/*
 * Reads the "kernel" or "ust" object into DOMAIN, over its defaults.
 * Returns 0, or -1 after answering 400.
 */
static int read_domain(struct lta_http_exchange *x, json_t *object, bool kernel,
		       struct lta_control_domain *domain)
{
	const char *prefix = kernel ? "kernel" : "ust";
	char field[48];
	const char *key;
	json_t *value;

	lta_control_domain_defaults(domain, kernel);
	if (!json_is_object(object)) {
		field_error(x, "invalid_field",
			    "Field %s must be an object ({} for the defaults).",
			    prefix);
		return -1;
	}
	json_object_foreach(object, key, value)
	{
		snprintf(field, sizeof(field), "%s.%s", prefix, key);
		if (strcmp(key, "events") == 0) {
			if (read_names(x, value, field, &domain->events[0][0],
				       LTA_CONTROL_EVENT_MAX,
				       LTA_CONTROL_MAX_EVENTS,
				       &domain->event_count)) {
				return -1;
			}
		} else if (strcmp(key, "contexts") == 0) {
			if (read_names(x, value, field, &domain->contexts[0][0],
				       sizeof(domain->contexts[0]),
				       LTA_CONTROL_MAX_CONTEXTS,
				       &domain->context_count)) {
				return -1;
			}
		} else if (strcmp(key, "subbuf_size") == 0) {
			if (read_uint(x, value, field, LTA_CONTROL_SUBBUF_MAX,
				      &domain->subbuf_size)) {
				return -1;
			}
		} else if (strcmp(key, "num_subbuf") == 0) {
			if (read_uint(x, value, field,
				      LTA_CONTROL_NUM_SUBBUF_MAX,
				      &domain->num_subbuf)) {
				return -1;
			}
		} else {
			field_error(x, "unknown_field", "Unknown field: %s",
				    field);
			return -1;
		}
	}
	if (domain->event_count == 0) {
		field_error(x, "invalid_field",
			    "Field %s.events must name at least one event.",
			    prefix);
		return -1;
	}
	return 0;
}

struct create_request {
	struct lta_control_session_config config;
	bool analyze;
	char relay_host[128];
	uint16_t live_port; /* 0: the default relay daemon's. */
	bool relay_given;
};

static int read_create_body(struct lta_http_exchange *x, json_t *body,
			    struct create_request *r)
{
	struct lta_control_error error;
	uint64_t v;
	const char *key;
	json_t *value;
	uint16_t ctrl = 0, data = 0;

	if (!json_is_object(body)) {
		lta_http_reply_error(x, 400, "invalid_body",
				     "The body must be a JSON object.");
		return -1;
	}
	r->config.live_timer_us = DEFAULT_LIVE_TIMER_US;
	json_object_foreach(body, key, value)
	{
		if (strcmp(key, "name") == 0) {
			const char *name = json_string_value(value);

			if (!name) {
				field_error(x, "invalid_field",
					    "Field %s must be a string.", key);
				return -1;
			}
			if (lta_control_check_name(name, &error)) {
				reply_control_error(x, -EINVAL, &error);
				return -1;
			}
			snprintf(r->config.name, sizeof(r->config.name), "%s",
				 name);
		} else if (strcmp(key, "live_timer_us") == 0) {
			if (read_uint(x, value, key, UINT32_MAX,
				      &r->config.live_timer_us)) {
				return -1;
			}
		} else if (strcmp(key, "relay_url") == 0) {
			const char *url = json_string_value(value);

			if (!url ||
			    lta_lttng_parse_relayd_url(url, r->relay_host,
						       sizeof(r->relay_host),
						       &ctrl, &data)) {
				field_error(x, "invalid_field",
					    "Field %s must be "
					    "net://HOST[:CONTROL[:DATA]].",
					    key);
				return -1;
			}
			r->relay_given = true;
		} else if (strcmp(key, "relay_live_port") == 0) {
			if (read_uint(x, value, key, 65535, &v)) {
				return -1;
			}
			r->live_port = (uint16_t)v;
		} else if (strcmp(key, "kernel") == 0) {
			if (read_domain(x, value, true, &r->config.kernel)) {
				return -1;
			}
		} else if (strcmp(key, "ust") == 0) {
			if (read_domain(x, value, false, &r->config.ust)) {
				return -1;
			}
		} else if (strcmp(key, "analyze") == 0) {
			if (!json_is_boolean(value)) {
				field_error(x, "invalid_field",
					    "Field %s must be true or false.",
					    key);
				return -1;
			}
			r->analyze = json_is_true(value);
		} else {
			field_error(x, "unknown_field", "Unknown field: %s",
				    key);
			return -1;
		}
	}
	if (!r->config.name[0]) {
		lta_http_reply_error(x, 400, "invalid_body",
				     "Field name is required.");
		return -1;
	}
	if (!r->config.kernel.enabled && !r->config.ust.enabled) {
		lta_http_reply_error(x, 400, "invalid_body",
				     "Enable a domain: give \"kernel\" and/or "
				     "\"ust\" (an object; {} for the "
				     "defaults).");
		return -1;
	}
	if (r->relay_given) {
		snprintf(r->config.control_url, sizeof(r->config.control_url),
			 "tcp://%s:%u", r->relay_host, ctrl ? ctrl : 5342);
		snprintf(r->config.data_url, sizeof(r->config.data_url),
			 "tcp://%s:%u", r->relay_host, data ? data : 5343);
	}
	return 0;
}

/*
 * Fills the relay daemon's URLs from the managed (or configured) one when
 * the body named none, and the live port. Returns 0, or -1 after
 * answering.
 */
static int default_relay(struct lta_http_exchange *x, struct create_request *r,
			 struct lta_lttng_daemons_view *view)
{
	if (r->relay_given) {
		if (!r->live_port) {
			r->live_port =
				view->relayd_live_port &&
						strcmp(view->relayd_host,
						       r->relay_host) == 0
					? view->relayd_live_port
					: 5344;
		}
		return 0;
	}
	if (view->relayd_mode == LTA_RELAYD_NONE || !view->relayd_host[0]) {
		lta_http_reply_error(x, 400, "invalid_body",
				     "The daemon has no relay daemon "
				     "(--no-relayd): give relay_url.");
		return -1;
	}
	if (view->relayd_mode == LTA_RELAYD_MANAGED && !view->relayd_running) {
		lta_http_reply_error(x, 503, "relay_daemon_down",
				     "The managed lttng-relayd (pid %d) is not "
				     "running.",
				     (int)view->relayd_pid);
		return -1;
	}
	snprintf(r->relay_host, sizeof(r->relay_host), "%s", view->relayd_host);
	snprintf(r->config.control_url, sizeof(r->config.control_url),
		 "tcp://%s:%u", view->relayd_host, view->relayd_ctrl_port);
	snprintf(r->config.data_url, sizeof(r->config.data_url), "tcp://%s:%u",
		 view->relayd_host, view->relayd_data_port);
	if (!r->live_port) {
		r->live_port = view->relayd_live_port;
	}
	return 0;
}

static void daemons_view(struct lta_http *http,
			 struct lta_lttng_daemons_view *view)
{
	struct lta_lttng_daemons *daemons = http->lttng_daemons;

	memset(view, 0, sizeof(*view));
	view->relayd_mode = LTA_RELAYD_NONE;
	if (daemons) {
		lta_lttng_daemons_view(daemons, view);
	}
	if (!view->hostname[0] &&
	    gethostname(view->hostname, sizeof(view->hostname) - 1)) {
		snprintf(view->hostname, sizeof(view->hostname), "localhost");
	}
}

void lta_http_post_sessions(struct lta_http_exchange *x)
{
	struct lta_lttng_daemons_view view;
	struct lta_control_session session;
	struct lta_control_error error;
	struct create_request *r = NULL;
	char live_url[1024], message[1024] = "";
	json_t *body = NULL, *o = NULL;
	int64_t id = 0;
	int ret;

	if (lta_http_query_check(x, no_parameters)) {
		goto end;
	}
	body = lta_http_load_body(x, "{\"name\": ..., \"ust\": {}}");
	if (!body) {
		goto end;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		lta_http_reply_json(x, 500, NULL);
		goto end;
	}
	if (read_create_body(x, body, r)) {
		goto end;
	}
	if (r->analyze && x->http->context.control_only) {
		lta_http_reply_control_only(x->http, x);
		goto end;
	}
	daemons_view(x->http, &view);
	if (default_relay(x, r, &view)) {
		goto end;
	}
	snprintf(live_url, sizeof(live_url), "net://%s:%u/host/%s/%s",
		 r->relay_host, r->live_port, view.hostname, r->config.name);
	ret = lta_control_create(&r->config, &error);
	if (ret) {
		reply_control_error(x, ret, &error);
		goto end;
	}
	if (r->analyze) {
		ret = lta_analyses_start(x->http->context.analyses, live_url,
					 NULL, &id, message, sizeof(message));
		if (ret) {
			/* Never half done: no session without its analysis. */
			struct lta_control_error destroy_error;

			if (lta_control_destroy(r->config.name,
						DESTROY_TIMEOUT_MS,
						&destroy_error)) {
				LTA_LOGE("Cannot destroy a session whose "
					 "analysis failed: session=\"%s\", "
					 "error=\"%s\"",
					 r->config.name, destroy_error.message);
			}
			lta_http_reply_error(
				x, ret == -ENOMEM ? 500 : 502,
				"analysis_failed",
				"The session was created, but its analysis "
				"could not start (the session was destroyed): "
				"%s",
				message[0] ? message : strerror(-ret));
			goto end;
		}
	}
	snprintf(x->reply.location, sizeof(x->reply.location),
		 "/api/v1/sessions/%.40s", r->config.name);
	if (lta_control_get(r->config.name, &session, &error)) {
		memset(&session, 0, sizeof(session));
		snprintf(session.name, sizeof(session.name), "%s",
			 r->config.name);
		session.live_timer_us = r->config.live_timer_us;
		session.created_s = -1;
	}
	o = session_json(&session);
	if (o && (put(o, "live_url", lta_http_json_string(live_url)) ||
		  put(o, "kernel", json_boolean(r->config.kernel.enabled)) ||
		  put(o, "ust", json_boolean(r->config.ust.enabled)) ||
		  put(o, "analysis_id",
		      r->analyze ? json_integer(id) : json_null()))) {
		json_decref(o);
		o = NULL;
	}
	lta_http_reply_json(x, 201, o);
	o = NULL;
end:
	free(r);
	json_decref(body);
}

void lta_http_get_sessions(struct lta_http_exchange *x)
{
	struct lta_control_session *sessions = NULL;
	struct lta_control_error error;
	json_t *array = NULL, *o = NULL;
	int count, i;

	if (lta_http_query_check(x, no_parameters)) {
		return;
	}
	count = lta_control_list(&sessions, &error);
	if (count < 0) {
		reply_control_error(x, count, &error);
		return;
	}
	array = json_array();
	for (i = 0; array && i < count; i++) {
		if (json_array_append_new(array, session_json(&sessions[i]))) {
			json_decref(array);
			array = NULL;
		}
	}
	free(sessions);
	o = json_object();
	if (!array || !o || put(o, "sessions", array)) {
		json_decref(o);
		o = NULL;
	}
	lta_http_reply_json(x, 200, o);
}

void lta_http_get_session(struct lta_http_exchange *x)
{
	struct lta_control_session session;
	struct lta_control_error error;
	int ret;

	if (lta_http_query_check(x, no_parameters) || check_path_name(x)) {
		return;
	}
	ret = lta_control_get(x->name, &session, &error);
	if (ret) {
		reply_control_error(x, ret, &error);
		return;
	}
	lta_http_reply_json(x, 200, session_json(&session));
}

/* Answers the session as it is after a change. */
static void reply_session(struct lta_http_exchange *x)
{
	struct lta_control_session session;
	struct lta_control_error error;
	int ret;

	ret = lta_control_get(x->name, &session, &error);
	if (ret) {
		reply_control_error(x, ret, &error);
		return;
	}
	lta_http_reply_json(x, 200, session_json(&session));
}

void lta_http_post_session_start(struct lta_http_exchange *x)
{
	struct lta_control_error error;
	int ret;

	if (lta_http_query_check(x, no_parameters) || check_path_name(x)) {
		return;
	}
	ret = lta_control_start(x->name, &error);
	if (ret) {
		reply_control_error(x, ret, &error);
		return;
	}
	reply_session(x);
}

void lta_http_post_session_stop(struct lta_http_exchange *x)
{
	struct lta_control_error error;
	int ret;

	if (lta_http_query_check(x, no_parameters) || check_path_name(x)) {
		return;
	}
	ret = lta_control_stop(x->name, &error);
	if (ret) {
		reply_control_error(x, ret, &error);
		return;
	}
	reply_session(x);
}

void lta_http_delete_session(struct lta_http_exchange *x)
{
	struct lta_control_error error;
	json_t *o;
	int ret;

	if (lta_http_query_check(x, no_parameters) || check_path_name(x)) {
		return;
	}
	ret = lta_control_destroy(x->name, DESTROY_TIMEOUT_MS, &error);
	if (ret) {
		reply_control_error(x, ret, &error);
		return;
	}
	o = json_object();
	if (o && (put(o, "name", lta_http_json_string(x->name)) ||
		  put(o, "destroyed", json_true()))) {
		json_decref(o);
		o = NULL;
	}
	lta_http_reply_json(x, 200, o);
}

int lta_http_health_lttng(struct lta_http *http, json_t *health)
{
	struct lta_lttng_daemons_view view;
	struct lta_control_health lttng;
	json_t *sessiond = json_object(), *kernel = json_object(),
	       *relayd = json_object();
	bool failed = !sessiond || !kernel || !relayd;
	bool managed;

	lta_control_health(&lttng);
	daemons_view(http, &view);
	managed = view.relayd_mode == LTA_RELAYD_MANAGED;

	failed |=
		put(sessiond, "reachable", json_boolean(lttng.sessiond_alive));
	failed |= put(sessiond, "managed", json_boolean(view.sessiond_managed));
	failed |= put(sessiond, "pid",
		      view.sessiond_managed ? json_integer(view.sessiond_pid)
					    : json_null());
	failed |=
		put(sessiond, "running",
		    view.sessiond_managed ? json_boolean(view.sessiond_running)
					  : json_null());

	failed |= put(kernel, "available",
		      lttng.kernel_known ? json_boolean(lttng.kernel_available)
					 : json_null());
	failed |= put(kernel, "message",
		      lttng.kernel_message[0]
			      ? lta_http_json_string(lttng.kernel_message)
			      : json_null());

	failed |= put(relayd, "mode",
		      json_string(lta_relayd_mode_name(view.relayd_mode)));
	failed |= put(relayd, "pid",
		      managed ? json_integer(view.relayd_pid) : json_null());
	failed |=
		put(relayd, "running",
		    managed ? json_boolean(view.relayd_running) : json_null());
	failed |=
		put(relayd, "restarts",
		    managed ? json_integer(view.relayd_restarts) : json_null());
	failed |=
		put(relayd, "host",
		    view.relayd_host[0] ? lta_http_json_string(view.relayd_host)
					: json_null());
	failed |=
		put(relayd, "control_port",
		    view.relayd_ctrl_port ? json_integer(view.relayd_ctrl_port)
					  : json_null());
	failed |=
		put(relayd, "data_port",
		    view.relayd_data_port ? json_integer(view.relayd_data_port)
					  : json_null());
	failed |=
		put(relayd, "live_port",
		    view.relayd_live_port ? json_integer(view.relayd_live_port)
					  : json_null());
	failed |= put(health, "hostname", lta_http_json_string(view.hostname));
	failed |= put(health, "session_daemon", sessiond);
	failed |= put(health, "kernel_tracer", kernel);
	failed |= put(health, "relay_daemon", relayd);
	return failed ? -ENOMEM : 0;
}
