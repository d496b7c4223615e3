/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Control: liblttng-ctl behind one mutex, its error codes translated into
 * errno values at this boundary. See control.h.
 */
#include "control.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lttng/lttng.h>

#include "common/log.h"

/* The channel every domain of a session gets. */
#define CHANNEL_NAME "chan"

/* How long a rollback waits for the destruction it started. */
#define ROLLBACK_TIMEOUT_MS 30000

/* liblttng-ctl is not thread-safe: every call into it holds this lock. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * The sessions created here, with their configuration (under the lock):
 * a relay daemon that died and came back no longer has their streams (the
 * session daemon does not stream an existing session to a new relay
 * daemon), so they are created again (lta_control_recreate_kept()).
 */
#define MAX_KEPT 64
static struct lta_control_session_config *kept[MAX_KEPT];

/* Lock held. */
static void keep_config(const struct lta_control_session_config *config)
{
	size_t i, free_slot = MAX_KEPT;

	for (i = 0; i < MAX_KEPT; i++) {
		if (kept[i] && strcmp(kept[i]->name, config->name) == 0) {
			*kept[i] = *config;
			return;
		}
		if (!kept[i] && free_slot == MAX_KEPT) {
			free_slot = i;
		}
	}
	if (free_slot == MAX_KEPT) {
		LTA_LOGW("Too many sessions to keep: a relay restart will not "
			 "create this one again: session=\"%s\"",
			 config->name);
		return;
	}
	kept[free_slot] = malloc(sizeof(*config));
	if (kept[free_slot]) {
		*kept[free_slot] = *config;
	}
}

/* Lock held. */
static void forget_config(const char *name)
{
	size_t i;

	for (i = 0; i < MAX_KEPT; i++) {
		if (kept[i] && strcmp(kept[i]->name, name) == 0) {
			free(kept[i]);
			kept[i] = NULL;
		}
	}
}

const char *const lta_control_kernel_default_events[] = {
	"syscall:*",
	"sched_switch",
	"sched_process_fork",
	"sched_process_exec",
	"sched_process_exit",
	"lttng_statedump_*",
	NULL,
};
const char *const lta_control_kernel_default_contexts[] = {
	"procname",
	"pid",
	"tid",
	NULL,
};
const char *const lta_control_ust_default_events[] = {
	"lttng_analyzer_syscall:*",
	"lttng_analyzer_rbl:*",
	NULL,
};
const char *const lta_control_ust_default_contexts[] = {
	"vpid",
	"vtid",
	"procname",
	NULL,
};

static const struct {
	const char *name;
	enum lttng_event_context_type type;
} context_names[] = {
	{ "pid", LTTNG_EVENT_CONTEXT_PID },
	{ "procname", LTTNG_EVENT_CONTEXT_PROCNAME },
	{ "prio", LTTNG_EVENT_CONTEXT_PRIO },
	{ "nice", LTTNG_EVENT_CONTEXT_NICE },
	{ "vpid", LTTNG_EVENT_CONTEXT_VPID },
	{ "tid", LTTNG_EVENT_CONTEXT_TID },
	{ "vtid", LTTNG_EVENT_CONTEXT_VTID },
	{ "ppid", LTTNG_EVENT_CONTEXT_PPID },
	{ "vppid", LTTNG_EVENT_CONTEXT_VPPID },
	{ "pthread_id", LTTNG_EVENT_CONTEXT_PTHREAD_ID },
	{ "hostname", LTTNG_EVENT_CONTEXT_HOSTNAME },
	{ "ip", LTTNG_EVENT_CONTEXT_IP },
};

void lta_control_domain_defaults(struct lta_control_domain *domain, bool kernel)
{
	const char *const *events = kernel ? lta_control_kernel_default_events
					   : lta_control_ust_default_events;
	const char *const *contexts =
		kernel ? lta_control_kernel_default_contexts
		       : lta_control_ust_default_contexts;

	memset(domain, 0, sizeof(*domain));
	domain->enabled = true;
	for (; *events; events++) {
		snprintf(domain->events[domain->event_count++],
			 LTA_CONTROL_EVENT_MAX, "%s", *events);
	}
	for (; *contexts; contexts++) {
		snprintf(domain->contexts[domain->context_count++],
			 sizeof(domain->contexts[0]), "%s", *contexts);
	}
	domain->subbuf_size = LTA_CONTROL_DEFAULT_SUBBUF_SIZE;
	domain->num_subbuf = LTA_CONTROL_DEFAULT_NUM_SUBBUF;
}

static void set_error(struct lta_control_error *error, int lttng_code,
		      const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void set_error(struct lta_control_error *error, int lttng_code,
		      const char *field, const char *fmt, ...)
{
	va_list ap;

	error->lttng_code = lttng_code;
	snprintf(error->field, sizeof(error->field), "%s", field ? field : "");
	va_start(ap, fmt);
	vsnprintf(error->message, sizeof(error->message), fmt, ap);
	va_end(ap);
}

/*
 * Translates liblttng-ctl's CODE (LTTNG_ERR_*, either sign) into an errno
 * value and fills ERROR with the library's message. FIELD names the part
 * of the request that was being applied ("" for the session itself).
 */
static int translate(int code, const char *field,
		     struct lta_control_error *error)
{
	int positive = code < 0 ? -code : code;

	set_error(error, positive, field, "%s", lttng_strerror(-positive));
	switch (positive) {
	case LTTNG_ERR_EXIST_SESS:
		return -EEXIST;
	case LTTNG_ERR_SESS_NOT_FOUND:
	case LTTNG_ERR_NO_SESSION:
		return -ENOENT;
	case LTTNG_ERR_NO_SESSIOND:
		return -ECONNREFUSED;
	case LTTNG_ERR_EPERM:
	case LTTNG_ERR_NEED_ROOT_SESSIOND:
		return -EPERM;
	case LTTNG_ERR_KERN_NA:
	case LTTNG_ERR_KERN_VERSION:
	case LTTNG_ERR_NO_KERNCONSUMERD:
	case LTTNG_ERR_KERN_CONSUMER_FAIL:
		return -ENOTSUP;
	case LTTNG_ERR_SESSION_INVALID_CHAR:
		snprintf(error->field, sizeof(error->field), "name");
		return -EINVAL;
	case LTTNG_ERR_TRACE_ALREADY_STARTED:
	case LTTNG_ERR_TRACE_ALREADY_STOPPED:
		return -EALREADY;
	case LTTNG_ERR_INVALID:
	case LTTNG_ERR_UST_CONTEXT_INVAL:
	case LTTNG_ERR_UST_CONTEXT_EXIST:
	case LTTNG_ERR_KERN_CONTEXT_FAIL:
	case LTTNG_ERR_KERN_CONTEXT_UNAVAILABLE:
	case LTTNG_ERR_KERN_ENABLE_FAIL:
	case LTTNG_ERR_KERN_EVENT_ENOSYS:
	case LTTNG_ERR_UST_ENABLE_FAIL:
	case LTTNG_ERR_UST_EVENT_EXIST:
	case LTTNG_ERR_KERN_EVENT_EXIST:
	case LTTNG_ERR_UST_CHAN_FAIL:
	case LTTNG_ERR_KERN_CHAN_FAIL:
	case LTTNG_ERR_BUFFER_NOT_SUPPORTED:
	case LTTNG_ERR_NOT_SUPPORTED:
	case LTTNG_ERR_INVALID_PROTOCOL:
		return -EINVAL;
	case LTTNG_ERR_NOMEM:
		return -ENOMEM;
	default:
		return -EIO;
	}
}

int lta_control_check_name(const char *name, struct lta_control_error *error)
{
	size_t i, n = strlen(name);

	/*
	 * Stricter than the session daemon (which only refuses "/"): the
	 * name also goes into the live URL and the relay daemon's folders.
	 */
	if (n == 0 || n >= LTA_CONTROL_NAME_MAX || name[0] == '.' ||
	    name[0] == '-') {
		goto invalid;
	}
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		      c == '.')) {
			goto invalid;
		}
	}
	return 0;

invalid:
	set_error(error, 0, "name",
		  "Invalid session name: 1 to %d characters among "
		  "A-Z a-z 0-9 - _ ., not starting with \".\" or \"-\".",
		  LTA_CONTROL_NAME_MAX - 1);
	return -EINVAL;
}

static int find_context(const char *name, enum lttng_event_context_type *type)
{
	size_t i;

	for (i = 0; i < sizeof(context_names) / sizeof(context_names[0]); i++) {
		if (strcmp(context_names[i].name, name) == 0) {
			*type = context_names[i].type;
			return 0;
		}
	}
	return -1;
}

/* Checks what can be checked without the session daemon. */
static int check_domain(const struct lta_control_domain *d, const char *field,
			struct lta_control_error *error)
{
	enum lttng_event_context_type type;
	char what[32];
	size_t i;

	for (i = 0; i < d->context_count; i++) {
		if (find_context(d->contexts[i], &type)) {
			snprintf(what, sizeof(what), "%s.contexts", field);
			set_error(error, 0, what, "Unknown context \"%s\".",
				  d->contexts[i]);
			return -EINVAL;
		}
	}
	for (i = 0; i < d->event_count; i++) {
		if (d->events[i][0] == '\0') {
			snprintf(what, sizeof(what), "%s.events", field);
			set_error(error, 0, what, "Empty event name.");
			return -EINVAL;
		}
	}
	if (d->subbuf_size < 4096 || d->subbuf_size > LTA_CONTROL_SUBBUF_MAX ||
	    (d->subbuf_size & (d->subbuf_size - 1)) != 0) {
		snprintf(what, sizeof(what), "%s.subbuf_size", field);
		set_error(error, 0, what,
			  "The sub-buffer size must be a power of two from "
			  "4096 to %llu bytes.",
			  (unsigned long long)LTA_CONTROL_SUBBUF_MAX);
		return -EINVAL;
	}
	if (d->num_subbuf < 1 || d->num_subbuf > LTA_CONTROL_NUM_SUBBUF_MAX ||
	    (d->num_subbuf & (d->num_subbuf - 1)) != 0) {
		snprintf(what, sizeof(what), "%s.num_subbuf", field);
		set_error(error, 0, what,
			  "The sub-buffer count must be a power of two from "
			  "1 to %d.",
			  LTA_CONTROL_NUM_SUBBUF_MAX);
		return -EINVAL;
	}
	return 0;
}

/* Enables a channel, its events and its contexts. Lock held. */
static int setup_domain(const char *session, const struct lta_control_domain *d,
			bool kernel, struct lta_control_error *error)
{
	const char *field = kernel ? "kernel" : "ust";
	struct lttng_domain domain;
	struct lttng_handle *handle = NULL;
	struct lttng_channel *channel = NULL;
	struct lttng_event *event = NULL;
	char what[32];
	size_t i;
	int ret;

	memset(&domain, 0, sizeof(domain));
	domain.type = kernel ? LTTNG_DOMAIN_KERNEL : LTTNG_DOMAIN_UST;
	domain.buf_type = kernel ? LTTNG_BUFFER_GLOBAL : LTTNG_BUFFER_PER_UID;
	handle = lttng_create_handle(session, &domain);
	channel = lttng_channel_create(&domain);
	if (!handle || !channel) {
		set_error(error, 0, field, "Out of memory");
		ret = -ENOMEM;
		goto end;
	}
	snprintf(channel->name, sizeof(channel->name), "%s", CHANNEL_NAME);
	channel->enabled = 1;
	channel->attr.overwrite = 0;
	channel->attr.subbuf_size = d->subbuf_size;
	channel->attr.num_subbuf = d->num_subbuf;
	ret = lttng_enable_channel(handle, channel);
	if (ret < 0) {
		snprintf(what, sizeof(what), "%s", field);
		ret = translate(ret, what, error);
		goto end;
	}
	for (i = 0; i < d->event_count; i++) {
		const char *name = d->events[i];

		event = lttng_event_create();
		if (!event) {
			set_error(error, 0, field, "Out of memory");
			ret = -ENOMEM;
			goto end;
		}
		event->type = LTTNG_EVENT_TRACEPOINT;
		if (kernel && strncmp(name, "syscall:", 8) == 0) {
			event->type = LTTNG_EVENT_SYSCALL;
			name += 8;
		}
		snprintf(event->name, sizeof(event->name), "%s", name);
		event->loglevel_type = LTTNG_EVENT_LOGLEVEL_ALL;
		event->loglevel = -1;
		ret = lttng_enable_event_with_exclusions(
			handle, event, CHANNEL_NAME, NULL, 0, NULL);
		lttng_event_destroy(event);
		event = NULL;
		if (ret < 0) {
			snprintf(what, sizeof(what), "%s.events", field);
			ret = translate(ret, what, error);
			snprintf(error->message + strlen(error->message),
				 sizeof(error->message) -
					 strlen(error->message),
				 " (event \"%s\")", d->events[i]);
			goto end;
		}
	}
	for (i = 0; i < d->context_count; i++) {
		struct lttng_event_context context;

		memset(&context, 0, sizeof(context));
		if (find_context(d->contexts[i], &context.ctx)) {
			/* check_domain() refused it already. */
			ret = -EINVAL;
			goto end;
		}
		ret = lttng_add_context(handle, &context, NULL, CHANNEL_NAME);
		if (ret < 0) {
			snprintf(what, sizeof(what), "%s.contexts", field);
			ret = translate(ret, what, error);
			snprintf(error->message + strlen(error->message),
				 sizeof(error->message) -
					 strlen(error->message),
				 " (context \"%s\")", d->contexts[i]);
			goto end;
		}
	}
	ret = 0;
end:
	lttng_channel_destroy(channel);
	lttng_destroy_handle(handle);
	return ret;
}

/*
 * Destroys NAME and waits for the end. Lock held. Returns 0 or a negative
 * errno with ERROR filled.
 */
static int destroy_locked(const char *name, int timeout_ms,
			  struct lta_control_error *error)
{
	struct lttng_destruction_handle *handle = NULL;
	enum lttng_destruction_handle_status status;
	enum lttng_error_code code;
	int ret;

	code = lttng_destroy_session_ext(name, &handle);
	if (code != LTTNG_OK) {
		ret = translate(code, "", error);
		goto end;
	}
	status = lttng_destruction_handle_wait_for_completion(
		handle, timeout_ms > 0 ? timeout_ms : -1);
	if (status == LTTNG_DESTRUCTION_HANDLE_STATUS_TIMEOUT) {
		set_error(error, 0, "",
			  "The session daemon did not complete the "
			  "destruction of session \"%s\" within %d ms.",
			  name, timeout_ms);
		ret = -ETIMEDOUT;
		goto end;
	}
	if (status != LTTNG_DESTRUCTION_HANDLE_STATUS_COMPLETED) {
		set_error(error, 0, "",
			  "Waiting for the destruction of session \"%s\" "
			  "failed (status %d).",
			  name, (int)status);
		ret = -EIO;
		goto end;
	}
	status = lttng_destruction_handle_get_result(handle, &code);
	if (status != LTTNG_DESTRUCTION_HANDLE_STATUS_OK) {
		set_error(error, 0, "",
			  "Cannot read the result of the destruction of "
			  "session \"%s\".",
			  name);
		ret = -EIO;
		goto end;
	}
	ret = code == LTTNG_OK ? 0 : translate(code, "", error);
end:
	lttng_destruction_handle_destroy(handle);
	return ret;
}

/*
 * Lists the kernel's tracepoints: 0 when the kernel tracer answers, else
 * liblttng-ctl's negative LTTNG_ERR_* code. Lock held.
 */
static int probe_kernel_locked(void)
{
	struct lttng_domain domain;
	struct lttng_handle *handle;
	struct lttng_event *events = NULL;
	int ret;

	memset(&domain, 0, sizeof(domain));
	domain.type = LTTNG_DOMAIN_KERNEL;
	handle = lttng_create_handle(NULL, &domain);
	if (!handle) {
		return -LTTNG_ERR_NOMEM;
	}
	ret = lttng_list_tracepoints(handle, &events);
	lttng_destroy_handle(handle);
	free(events);
	return ret < 0 ? ret : 0;
}

int lta_control_create(const struct lta_control_session_config *config,
		       struct lta_control_error *error)
{
	struct lttng_session_descriptor *descriptor = NULL;
	struct lta_control_error rollback_error;
	enum lttng_error_code code;
	bool created = false;
	int ret;

	memset(error, 0, sizeof(*error));
	ret = lta_control_check_name(config->name, error);
	if (ret) {
		return ret;
	}
	if (!config->kernel.enabled && !config->ust.enabled) {
		set_error(error, 0, "",
			  "Enable the kernel or the user-space domain (or "
			  "both).");
		return -EINVAL;
	}
	if (config->live_timer_us == 0 || config->live_timer_us > UINT32_MAX) {
		set_error(error, 0, "live_timer_us",
			  "The live timer must be from 1 to %u µs.",
			  UINT32_MAX);
		return -EINVAL;
	}
	if ((config->kernel.enabled &&
	     check_domain(&config->kernel, "kernel", error)) ||
	    (config->ust.enabled && check_domain(&config->ust, "ust", error))) {
		return -EINVAL;
	}
	descriptor = lttng_session_descriptor_live_network_create(
		config->name, config->control_url, config->data_url,
		config->live_timer_us);
	if (!descriptor) {
		set_error(error, 0, "relay_url",
			  "liblttng-ctl refused the relay daemon's URLs: "
			  "control=\"%s\", data=\"%s\".",
			  config->control_url, config->data_url);
		return -EINVAL;
	}

	pthread_mutex_lock(&lock);
	/*
	 * Ask first whether the kernel tracer is there. Without it, the
	 * session daemon answers a kernel command at once and closes the
	 * socket while liblttng-ctl still sends the command's payload: the
	 * library then reports a broken pipe (LTTNG_ERR_FATAL) instead of
	 * LTTNG_ERR_KERN_NA. A listing has no payload: its answer is the
	 * session daemon's own.
	 */
	if (config->kernel.enabled) {
		ret = probe_kernel_locked();
		if (ret < 0) {
			ret = translate(ret, "kernel", error);
			goto end;
		}
	}
	code = lttng_create_session_ext(descriptor);
	if (code != LTTNG_OK) {
		ret = translate(code, "", error);
		goto end;
	}
	created = true;
	/* The kernel first: it is the domain most likely to be missing. */
	if (config->kernel.enabled) {
		ret = setup_domain(config->name, &config->kernel, true, error);
		if (ret) {
			goto end;
		}
	}
	if (config->ust.enabled) {
		ret = setup_domain(config->name, &config->ust, false, error);
		if (ret) {
			goto end;
		}
	}
	ret = 0;
end:
	if (ret && created) {
		/* Never a half-created session. */
		int rollback = destroy_locked(config->name, ROLLBACK_TIMEOUT_MS,
					      &rollback_error);

		if (rollback) {
			LTA_LOGE("Cannot destroy a half-created session: "
				 "session=\"%s\", error=\"%s\"",
				 config->name, rollback_error.message);
		} else {
			LTA_LOGI("Destroyed a session whose setup failed: "
				 "session=\"%s\", error=\"%s\"",
				 config->name, error->message);
		}
	}
	if (ret == 0) {
		keep_config(config);
	}
	pthread_mutex_unlock(&lock);
	lttng_session_descriptor_destroy(descriptor);
	if (ret == 0) {
		LTA_LOGI("Session created: session=\"%s\", kernel=%d, ust=%d",
			 config->name, config->kernel.enabled,
			 config->ust.enabled);
	}
	return ret;
}

int lta_control_start(const char *name, struct lta_control_error *error)
{
	int ret;

	memset(error, 0, sizeof(*error));
	pthread_mutex_lock(&lock);
	ret = lttng_start_tracing(name);
	pthread_mutex_unlock(&lock);
	return ret < 0 ? translate(ret, "", error) : 0;
}

int lta_control_stop(const char *name, struct lta_control_error *error)
{
	int ret;

	memset(error, 0, sizeof(*error));
	pthread_mutex_lock(&lock);
	ret = lttng_stop_tracing(name);
	pthread_mutex_unlock(&lock);
	return ret < 0 ? translate(ret, "", error) : 0;
}

int lta_control_destroy(const char *name, int timeout_ms,
			struct lta_control_error *error)
{
	int ret;

	memset(error, 0, sizeof(*error));
	pthread_mutex_lock(&lock);
	ret = destroy_locked(name, timeout_ms, error);
	if (ret == 0) {
		forget_config(name);
	}
	pthread_mutex_unlock(&lock);
	return ret;
}

int lta_control_recreate_kept(void)
{
	struct lta_control_session_config *configs[MAX_KEPT];
	struct lta_control_error error;
	size_t i, n = 0;
	int failed = 0, ret;

	pthread_mutex_lock(&lock);
	for (i = 0; i < MAX_KEPT; i++) {
		if (kept[i]) {
			configs[n] = malloc(sizeof(*configs[n]));
			if (configs[n]) {
				*configs[n++] = *kept[i];
			}
		}
	}
	pthread_mutex_unlock(&lock);
	LTA_LOGI("Creating the sessions again after a relay restart: "
		 "count=%zu",
		 n);
	for (i = 0; i < n; i++) {
		struct lta_control_session session;
		bool was_active;

		ret = lta_control_get(configs[i]->name, &session, &error);
		if (ret == -ENOENT) {
			/*
			 * Not listed: destroyed meanwhile by someone else,
			 * or by the session daemon itself when its relay
			 * daemon went away: created again, started.
			 */
			LTA_LOGI("A kept session is not listed any more, "
				 "created again: session=\"%s\"",
				 configs[i]->name);
			session.active = true;
		} else if (ret) {
			LTA_LOGW("Cannot list a session to create it again "
				 "after a relay restart (tried again): "
				 "session=\"%s\", error=\"%s\"",
				 configs[i]->name, error.message);
			failed++;
			continue;
		}
		was_active = session.active;
		/*
		 * Its destruction fails ("rotation failure on consumer": the
		 * relay daemon it streamed to is gone) but happens: what
		 * counts is that the name is free.
		 */
		if (lta_control_destroy(configs[i]->name, 5000, &error) &&
		    lta_control_get(configs[i]->name, &session, &error) == 0) {
			LTA_LOGW("Cannot destroy a session to create it again "
				 "after a relay restart (tried again): "
				 "session=\"%s\"",
				 configs[i]->name);
			failed++;
			continue;
		}
		if (lta_control_create(configs[i], &error) ||
		    (was_active &&
		     lta_control_start(configs[i]->name, &error))) {
			LTA_LOGW("Cannot create a session again after a relay "
				 "restart (tried again): session=\"%s\", "
				 "error=\"%s\"",
				 configs[i]->name, error.message);
			failed++;
			continue;
		}
		LTA_LOGI("Session created again after a relay restart: "
			 "session=\"%s\", started=%d",
			 configs[i]->name, was_active);
	}
	for (i = 0; i < n; i++) {
		free(configs[i]);
	}
	return failed;
}

/* Lock held. */
static int list_locked(struct lta_control_session **out,
		       struct lta_control_error *error)
{
	struct lttng_session *sessions = NULL;
	struct lta_control_session *list = NULL;
	int count, i;

	count = lttng_list_sessions(&sessions);
	if (count < 0) {
		return translate(count, "", error);
	}
	list = calloc(count > 0 ? (size_t)count : 1, sizeof(*list));
	if (!list) {
		free(sessions);
		set_error(error, 0, "", "Out of memory");
		return -ENOMEM;
	}
	for (i = 0; i < count; i++) {
		uint64_t created;

		/* Longer names are not ours: cut in the listing only. */
		snprintf(list[i].name, sizeof(list[i].name), "%.*s",
			 (int)sizeof(list[i].name) - 1, sessions[i].name);
		snprintf(list[i].url, sizeof(list[i].url), "%s",
			 sessions[i].path);
		list[i].active = sessions[i].enabled != 0;
		list[i].live_timer_us = sessions[i].live_timer_interval;
		list[i].created_s = lttng_session_get_creation_time(
					    &sessions[i], &created) == LTTNG_OK
					    ? (int64_t)created
					    : -1;
	}
	free(sessions);
	*out = list;
	return count;
}

int lta_control_list(struct lta_control_session **sessions,
		     struct lta_control_error *error)
{
	int ret;

	memset(error, 0, sizeof(*error));
	pthread_mutex_lock(&lock);
	ret = list_locked(sessions, error);
	pthread_mutex_unlock(&lock);
	return ret;
}

int lta_control_get(const char *name, struct lta_control_session *session,
		    struct lta_control_error *error)
{
	struct lta_control_session *list = NULL;
	int count, i, ret = -ENOENT;

	memset(error, 0, sizeof(*error));
	count = lta_control_list(&list, error);
	if (count < 0) {
		return count;
	}
	for (i = 0; i < count; i++) {
		if (strcmp(list[i].name, name) == 0) {
			*session = list[i];
			ret = 0;
			break;
		}
	}
	free(list);
	if (ret) {
		set_error(error, LTTNG_ERR_SESS_NOT_FOUND, "", "%s",
			  lttng_strerror(-LTTNG_ERR_SESS_NOT_FOUND));
	}
	return ret;
}

bool lta_control_sessiond_alive(void)
{
	bool alive;

	pthread_mutex_lock(&lock);
	alive = lttng_session_daemon_alive() == 1;
	pthread_mutex_unlock(&lock);
	return alive;
}

void lta_control_health(struct lta_control_health *health)
{
	int ret;

	memset(health, 0, sizeof(*health));
	pthread_mutex_lock(&lock);
	health->sessiond_alive = lttng_session_daemon_alive() == 1;
	if (health->sessiond_alive) {
		/*
		 * The session daemon lists the kernel's tracepoints only
		 * when lttng-modules are loaded.
		 */
		ret = probe_kernel_locked();
		health->kernel_known = true;
		health->kernel_available = ret == 0;
		if (ret < 0) {
			snprintf(health->kernel_message,
				 sizeof(health->kernel_message), "%s",
				 lttng_strerror(ret));
		}
	}
	pthread_mutex_unlock(&lock);
}
