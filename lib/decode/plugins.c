/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What libbabeltrace2 shares between graphs without locking it
 * (source-internal.h): the lock around it, and plugin loading. A file of
 * its own, so that what lists a relay daemon's sessions (live-sessions.c)
 * uses them without the decoder.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "source-internal.h"

static pthread_mutex_t bt_lock = PTHREAD_MUTEX_INITIALIZER;

void lta_decode_bt_lock(void)
{
	pthread_mutex_lock(&bt_lock);
}

void lta_decode_bt_unlock(void)
{
	pthread_mutex_unlock(&bt_lock);
}

/*
 * The file each plugin was found in. Searching (bt_plugin_find()) loads
 * every plugin of the search path, 3 to 5 ms here: done once per process;
 * every other load (each --jobs lane, each live session, each relay
 * lister) reads the plugin's own file only, into component classes of its
 * own. Under bt_lock; NULL: not found yet.
 */
static const char *const plugin_names[] = { "ctf", "utils" };
static char *plugin_files[sizeof(plugin_names) / sizeof(plugin_names[0])];

const char *lta_decode_plugin_name(size_t which)
{
	return plugin_names[which];
}

int lta_decode_load_plugin(size_t which, const bt_plugin **plugin)
{
	const bt_plugin_set *set = NULL;

	*plugin = NULL;
	if (plugin_files[which] &&
	    bt_plugin_find_all_from_file(plugin_files[which], BT_TRUE, &set) ==
		    BT_PLUGIN_FIND_ALL_FROM_FILE_STATUS_OK) {
		uint64_t i, n = bt_plugin_set_get_plugin_count(set);

		for (i = 0; i < n; i++) {
			const bt_plugin *p =
				bt_plugin_set_borrow_plugin_by_index_const(set,
									   i);

			if (strcmp(bt_plugin_get_name(p),
				   plugin_names[which]) == 0) {
				bt_plugin_get_ref(p);
				*plugin = p;
				break;
			}
		}
		bt_plugin_set_put_ref(set);
	}
	if (*plugin) {
		return 0;
	}
	bt_current_thread_clear_error();
	if (bt_plugin_find(plugin_names[which], BT_TRUE, BT_TRUE, BT_TRUE,
			   BT_TRUE, BT_TRUE,
			   plugin) != BT_PLUGIN_FIND_STATUS_OK) {
		*plugin = NULL;
		return -ENOENT;
	}
	if (!plugin_files[which] && bt_plugin_get_path(*plugin)) {
		/* Out of memory: the next load searches again. */
		plugin_files[which] = strdup(bt_plugin_get_path(*plugin));
	}
	return 0;
}
