/* SPDX-License-Identifier: GPL-2.0-only */
/* Live sessions of a relay daemon (live-sessions.h). */
#include "live-sessions.h"

#include <babeltrace2/babeltrace.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "source-internal.h"

struct lta_live_lister {
	const bt_plugin *ctf; /* Owned (a reference). */
	/* Borrowed from CTF. */
	const bt_component_class_source *live_class;
	bt_interrupter *interrupter; /* Owned. */
};

struct lta_live_lister *lta_live_lister_create(char *error, size_t size)
{
	struct lta_live_lister *lister = calloc(1, sizeof(*lister));

	if (!lister) {
		snprintf(error, size, "Out of memory");
		goto error;
	}
	/* Loading plugins touches babeltrace2's global state. */
	lta_decode_bt_lock();
	lta_decode_load_plugin(LTA_DECODE_PLUGIN_CTF, &lister->ctf);
	lta_decode_bt_unlock();
	if (!lister->ctf) {
		bt_current_thread_clear_error();
		snprintf(error, size,
			 "Cannot find the babeltrace2 plugin: name=\"ctf\" "
			 "(is babeltrace2 installed?)");
		goto error;
	}
	lister->live_class =
		bt_plugin_borrow_source_component_class_by_name_const(
			lister->ctf, "lttng-live");
	if (!lister->live_class) {
		snprintf(error, size,
			 "babeltrace2 lacks source.ctf.lttng-live");
		goto error;
	}
	lister->interrupter = bt_interrupter_create();
	if (!lister->interrupter) {
		snprintf(error, size, "Out of memory");
		goto error;
	}
	return lister;
error:
	lta_live_lister_destroy(lister);
	return NULL;
}

/* Copies the string entry KEY of MAP into OUT. Returns 0 or -1. */
static int copy_string(const bt_value *map, const char *key, char *out,
		       size_t size)
{
	const bt_value *v = bt_value_map_borrow_entry_value_const(map, key);
	const char *s;

	if (!v || !bt_value_is_string(v)) {
		return -1;
	}
	s = bt_value_string_get(v);
	if (strlen(s) >= size) {
		return -1;
	}
	snprintf(out, size, "%s", s);
	return 0;
}

/* The unsigned integer entry KEY of MAP, 0 when absent. */
static uint64_t get_unsigned(const bt_value *map, const char *key)
{
	const bt_value *v = bt_value_map_borrow_entry_value_const(map, key);

	if (v && bt_value_is_unsigned_integer(v)) {
		return bt_value_integer_unsigned_get(v);
	}
	if (v && bt_value_is_signed_integer(v) &&
	    bt_value_integer_signed_get(v) >= 0) {
		return (uint64_t)bt_value_integer_signed_get(v);
	}
	return 0;
}

/* The innermost cause of the thread's babeltrace2 error, then cleared. */
static void take_cause(char *out, size_t size)
{
	const bt_error *error = bt_current_thread_take_error();
	const char *msg = NULL;

	if (!error) {
		return;
	}
	if (bt_error_get_cause_count(error) > 0) {
		msg = bt_error_cause_get_message(
			bt_error_borrow_cause_by_index(error, 0));
	}
	if (msg && size > 0) {
		size_t len = strlen(out);

		snprintf(out + len, size - len, ": %s", msg);
	}
	bt_error_release(error);
}

int lta_live_lister_list(struct lta_live_lister *lister, const char *relay,
			 uint16_t port, struct lta_live_session **sessions,
			 char *error, size_t size)
{
	bt_query_executor *query = NULL;
	const bt_value *result = NULL;
	bt_value *params = NULL;
	struct lta_live_session *list = NULL;
	bt_query_executor_query_status status;
	char url[300];
	uint64_t i, count = 0;
	int ret = -ENOMEM;

	*sessions = NULL;
	snprintf(url, sizeof(url),
		 strchr(relay, ':') ? "net://[%s]:%u" : "net://%s:%u", relay,
		 (unsigned int)port);
	params = bt_value_map_create();
	if (!params || bt_value_map_insert_string_entry(params, "url", url)) {
		snprintf(error, size, "Out of memory");
		goto end;
	}
	query = bt_query_executor_create(
		bt_component_class_source_as_component_class_const(
			lister->live_class),
		"sessions", params);
	if (!query ||
	    bt_query_executor_add_interrupter(query, lister->interrupter) !=
		    BT_QUERY_EXECUTOR_ADD_INTERRUPTER_STATUS_OK) {
		snprintf(error, size, "Out of memory");
		goto end;
	}
	/* A relay daemon that is away is normal operation: no log. */
	bt_query_executor_set_logging_level(query, BT_LOGGING_LEVEL_NONE);
	status = bt_query_executor_query(query, &result);
	if (status != BT_QUERY_EXECUTOR_QUERY_STATUS_OK) {
		ret = bt_interrupter_is_set(lister->interrupter) ? -ECANCELED
								 : -EIO;
		snprintf(error, size,
			 "Cannot list the relay daemon's sessions: url=\"%s\"",
			 url);
		take_cause(error, size);
		goto end;
	}
	ret = -EIO;
	if (!bt_value_is_array(result)) {
		snprintf(error, size,
			 "The relay daemon's session list is not a list: "
			 "url=\"%s\"",
			 url);
		goto end;
	}
	count = bt_value_array_get_length(result);
	if (count) {
		list = calloc(count, sizeof(*list));
		if (!list) {
			ret = -ENOMEM;
			snprintf(error, size, "Out of memory");
			goto end;
		}
	}
	for (i = 0; i < count; i++) {
		const bt_value *s =
			bt_value_array_borrow_element_by_index_const(result, i);

		if (!bt_value_is_map(s) ||
		    copy_string(s, "target-hostname", list[i].host,
				sizeof(list[i].host)) ||
		    copy_string(s, "session-name", list[i].session,
				sizeof(list[i].session))) {
			snprintf(error, size,
				 "The relay daemon listed a session without "
				 "host or name: url=\"%s\"",
				 url);
			goto end;
		}
		list[i].timer_us = get_unsigned(s, "timer-us");
		list[i].stream_count = get_unsigned(s, "stream-count");
		list[i].client_count = get_unsigned(s, "client-count");
	}
	*sessions = list;
	list = NULL;
	ret = (int)count;
end:
	free(list);
	bt_value_put_ref(result);
	bt_query_executor_put_ref(query);
	bt_value_put_ref(params);
	return ret;
}

void lta_live_lister_interrupt(struct lta_live_lister *lister)
{
	if (lister) {
		bt_interrupter_set(lister->interrupter);
	}
}

void lta_live_lister_destroy(struct lta_live_lister *lister)
{
	if (!lister) {
		return;
	}
	bt_interrupter_put_ref(lister->interrupter);
	lta_decode_bt_lock();
	bt_plugin_put_ref(lister->ctf);
	lta_decode_bt_unlock();
	free(lister);
}
