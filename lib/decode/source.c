/* SPDX-License-Identifier: GPL-2.0-only */
#include "decode.h"

#include <babeltrace2/babeltrace.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/htable.h"
#include "common/intern.h"
#include "common/log.h"
#include "metadata-check.h"
#include "partial.h"
#include "plan.h"
#include "lanes.h"
#include "source-internal.h"

void lta_decode_set_error(struct lta_decoder *source, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(source->error, sizeof(source->error), fmt, ap);
	va_end(ap);
}

/*
 * Appends babeltrace2's error causes, innermost first (the innermost names
 * the file: "Failed to index CTF stream file '/x/k_1'"), to the message
 * already in source->error, and clears the thread's error.
 */
static void take_bt_error(struct lta_decoder *source)
{
	const bt_error *error = bt_current_thread_take_error();
	size_t len = strlen(source->error);
	uint64_t i, count;

	if (!error) {
		return;
	}
	count = bt_error_get_cause_count(error);
	for (i = count; i > 0 && len < sizeof(source->error) - 1; i--) {
		const bt_error_cause *cause =
			bt_error_borrow_cause_by_index(error, i - 1);
		const char *msg = bt_error_cause_get_message(cause);
		const char *module = bt_error_cause_get_module_name(cause);
		int n;

		size_t keep;

		/* The library's own causes only restate the component's. */
		if (!msg || (module && strcmp(module, "libbabeltrace2") == 0)) {
			continue;
		}
		/*
		 * Cut babeltrace2's dumps of internal addresses and
		 * attributes ("...: mdec-addr=0x...", "status=ERROR,
		 * comp-addr=..."): they help nobody reading our message.
		 */
		keep = strlen(msg);
		{
			const char *addr = strstr(msg, "-addr=");

			if (addr) {
				const char *cut = addr;

				while (cut > msg && cut[-1] != ' ' &&
				       cut[-1] != ':') {
					cut--;
				}
				while (cut > msg &&
				       (cut[-1] == ' ' || cut[-1] == ':' ||
					cut[-1] == ',')) {
					cut--;
				}
				keep = (size_t)(cut - msg);
			}
		}
		if (keep == 0) {
			continue;
		}
		n = snprintf(source->error + len, sizeof(source->error) - len,
			     "%s%.*s", len ? ": " : "", (int)keep, msg);
		if (n < 0) {
			break;
		}
		len += (size_t)n;
		if (len >= sizeof(source->error)) {
			len = sizeof(source->error) - 1;
		}
	}
	/* Keep one line: causes may hold newlines. */
	for (i = 0; i < len; i++) {
		if (source->error[i] == '\n') {
			source->error[i] = ' ';
		}
	}
	bt_error_release(error);
}

/*
 * A source with no trace yet. PARENT: a lane of PARENT, which shares its
 * names and interrupter and reads with one graph. NULL when out of memory.
 */
static struct lta_decoder *
new_source(const struct lta_decode_options *options,
	   const struct lta_decode_handlers *handlers, void *user_data,
	   struct lta_decoder *parent)
{
	struct lta_decoder *source = calloc(1, sizeof(*source));

	if (!source) {
		return NULL;
	}
	source->parent = parent;
	if (options) {
		source->options = *options;
	}
	source->bt_log_level = strdup(source->options.bt_log_level
					      ? source->options.bt_log_level
					      : "warn");
	source->options.bt_log_level = source->bt_log_level;
	if (handlers) {
		source->handlers = *handlers;
	}
	source->user_data = user_data;
	source->counters.first_ts = -1;
	source->counters.last_ts = -1;
	if (parent) {
		source->options.jobs = 1;
		source->names = parent->names;
		source->names_lock = parent->names_lock;
		source->interrupter = parent->interrupter;
		bt_interrupter_get_ref(source->interrupter);
	} else {
		source->names = lta_intern_create();
		pthread_mutex_init(&source->own_names_lock, NULL);
		source->names_lock = &source->own_names_lock;
		source->interrupter = bt_interrupter_create();
	}
	if (!source->bt_log_level || !source->names || !source->interrupter ||
	    lta_htable_init(&source->plans, 256)) {
		lta_decode_destroy(source);
		return NULL;
	}
	return source;
}

struct lta_decoder *
lta_decode_create(const struct lta_decode_options *options,
		  const struct lta_decode_handlers *handlers, void *user_data)
{
	return new_source(options, handlers, user_data, NULL);
}

struct lta_decoder *
lta_decode_lane_create(struct lta_decoder *parent, char **dirs,
		       const struct lta_decode_handlers *handlers,
		       void *user_data)
{
	struct lta_decoder *lane =
		new_source(&parent->options, handlers, user_data, parent);
	size_t i;

	if (!lane) {
		return NULL;
	}
	lane->traces = calloc(parent->trace_count, sizeof(*lane->traces));
	if (!lane->traces) {
		lta_decode_destroy(lane);
		return NULL;
	}
	lane->trace_count = parent->trace_count;
	for (i = 0; i < parent->trace_count; i++) {
		lane->traces[i].path = strdup(parent->traces[i].path);
		if (!lane->traces[i].path) {
			lta_decode_destroy(lane); /* DIRS still the caller's. */
			return NULL;
		}
	}
	for (i = 0; i < parent->trace_count; i++) {
		lane->traces[i].lane_dir = dirs[i];
	}
	return lane;
}

static int add_trace(struct lta_decoder *source, const char *path)
{
	struct trace_slot *traces;
	char *copy = strdup(path);

	if (!copy) {
		return -ENOMEM;
	}
	traces = realloc(source->traces,
			 (source->trace_count + 1) * sizeof(*traces));
	if (!traces) {
		free(copy);
		return -ENOMEM;
	}
	source->traces = traces;
	memset(&traces[source->trace_count], 0, sizeof(*traces));
	traces[source->trace_count].path = copy;
	source->trace_count++;
	return 0;
}

static int found_trace(const char *path, void *user_data)
{
	return add_trace(user_data, path);
}

/* A folder with stream files and no metadata: a warning (partial.h). */
static int not_a_trace(const char *path, void *user_data)
{
	struct lta_decoder *source = user_data;

	return lta_partial_check_orphan(path, &source->warnings);
}

int lta_decode_add_path(struct lta_decoder *source, const char *path)
{
	struct lta_trace_discovery discovery;
	char why[512];
	size_t before = source->trace_count;
	struct stat st;
	int ret;

	source->error[0] = '\0';
	if (source->graph) {
		lta_decode_set_error(source,
				     "Cannot add a trace to a running source: "
				     "path=\"%s\"",
				     path);
		return -EBUSY;
	}
	if (stat(path, &st) != 0) {
		ret = -errno;
		lta_decode_set_error(
			source, "Cannot open trace: path=\"%s\", error=\"%s\"",
			path, strerror(errno));
		return ret;
	}
	if (!S_ISDIR(st.st_mode)) {
		lta_decode_set_error(source, "Not a trace folder: path=\"%s\"",
				     path);
		return -ENOTDIR;
	}
	/* Bounded: a symlink loop or a huge tree stops it early. */
	discovery = source->options.discovery;
	discovery.not_a_trace = not_a_trace;
	ret = lta_trace_discover(path, &discovery, found_trace, source, why,
				 sizeof(why));
	if (ret) {
		lta_decode_set_error(
			source, "%s",
			why[0] ? why : strerror(ret < 0 ? -ret : ENOMEM));
		return ret < 0 ? ret : -ENOMEM;
	}
	if (source->trace_count == before) {
		lta_decode_set_error(
			source,
			"No CTF trace (no \"metadata\" file) found: "
			"path=\"%s\"",
			path);
		return -ENOENT;
	}
	return 0;
}

int lta_decode_set_live(struct lta_decoder *source, const char *url,
			bool end_if_missing)
{
	source->error[0] = '\0';
	if (source->graph || source->trace_count) {
		lta_decode_set_error(source,
				     "A live source reads one session only: "
				     "url=\"%s\"",
				     url);
		return -EBUSY;
	}
	if (strncmp(url, "net://", 6) != 0 && strncmp(url, "net4://", 7) != 0 &&
	    strncmp(url, "net6://", 7) != 0) {
		lta_decode_set_error(source,
				     "Not a live URL (net://RELAYD[:PORT]/host/"
				     "HOST/SESSION): url=\"%s\"",
				     url);
		return -EINVAL;
	}
	source->live_url = strdup(url);
	if (!source->live_url || add_trace(source, url)) {
		return -ENOMEM;
	}
	source->end_if_missing = end_if_missing;
	return 0;
}

bool lta_decode_is_live(const struct lta_decoder *source)
{
	return source->live_url != NULL;
}

bool lta_decode_is_parallel(const struct lta_decoder *source)
{
	return source->lanes != NULL;
}

void lta_decode_interrupt(struct lta_decoder *source)
{
	bt_interrupter_set(source->interrupter);
}

void lta_decode_clear_interrupt(struct lta_decoder *source)
{
	bt_interrupter_reset(source->interrupter);
}

bool lta_decode_interrupted(const struct lta_decoder *source)
{
	return bt_interrupter_is_set(source->interrupter);
}

static void clear_plans(struct lta_decoder *source)
{
	size_t pos = 0;
	uint64_t key;
	void *value;

	while (lta_htable_next(&source->plans, &pos, &key, &value)) {
		lta_plan_destroy(value);
	}
	lta_htable_fini(&source->plans);
	lta_htable_init(&source->plans, 256);
	source->last_class = NULL;
	source->last_plan = NULL;
}

void lta_decode_reset(struct lta_decoder *source)
{
	lta_decode_lanes_destroy(source->lanes);
	source->lanes = NULL;
	lta_decode_bt_lock();
	bt_graph_put_ref(source->graph);
	lta_decode_bt_unlock();
	source->graph = NULL;
	source->graph_failed = false;
	source->handler_error = 0;
	/* Its trace objects go with the graph; the numbers stay. */
	source->last_trace = NULL;
	source->last_stream = NULL;
	lta_plan_packet_begins(&source->packet);
	/* The next graph's event classes are new objects at maybe old
	 * addresses. */
	clear_plans(source);
}

/* --- partial input (see partial.h) ---------------------------------------- */

/*
 * Checks the stream and index files of trace INDEX once, before babeltrace2
 * opens any of them. Returns 0 or a negative errno (error set).
 */
static int check_trace_files(struct lta_decoder *source, size_t index)
{
	struct trace_slot *slot = &source->traces[index];

	if (slot->filter) {
		return 0;
	}
	slot->filter = lta_trace_filter_create(slot->path, &source->warnings);
	if (!slot->filter) {
		int ret = -errno;

		lta_decode_set_error(
			source,
			"Cannot check the files of a trace: path=\"%s\", "
			"error=\"%s\"",
			slot->path, strerror(errno));
		return ret ? ret : -ENOMEM;
	}
	return 0;
}

/* Names the files of the trace folders, not of the filtered folders. */
static void unshadow_error(struct lta_decoder *source)
{
	size_t i;

	for (i = 0; i < source->trace_count; i++) {
		if (source->traces[i].filter) {
			lta_trace_filter_unshadow(source->traces[i].filter,
						  source->error,
						  sizeof(source->error));
		}
	}
}

/*
 * When the error of a failed build names a stream file, leaves that file
 * out (with a warning) so that the next build reads the others. Returns
 * whether one was left out.
 */
static bool exclude_stream_at_fault(struct lta_decoder *source)
{
	size_t i;

	for (i = 0; i < source->trace_count; i++) {
		if (source->traces[i].filter &&
		    lta_trace_filter_exclude_named(source->traces[i].filter,
						   source->error,
						   &source->warnings)) {
			LTA_LOGI("Reading the trace again without a stream "
				 "file: error=\"%s\"",
				 source->error);
			return true;
		}
	}
	return false;
}

/*
 * The checks made before babeltrace2 opens trace INDEX: its metadata's
 * framing, its stream and index files. Returns 0 or a negative errno
 * (error set).
 */
int lta_decode_check_trace(struct lta_decoder *source, size_t index)
{
	int ret = lta_metadata_check(source->traces[index].path, source->error,
				     sizeof(source->error));

	return ret ? ret : check_trace_files(source, index);
}

/* --- the graph ----------------------------------------------------------- */

static bt_logging_level bt_level_of(const char *name)
{
	switch (lta_log_level_from_name(name)) {
	case LTA_LOG_NONE:
		return BT_LOGGING_LEVEL_NONE;
	case LTA_LOG_ERROR:
		return BT_LOGGING_LEVEL_ERROR;
	case LTA_LOG_INFO:
		return BT_LOGGING_LEVEL_INFO;
	case LTA_LOG_DEBUG:
		return BT_LOGGING_LEVEL_DEBUG;
	case LTA_LOG_TRACE:
		return BT_LOGGING_LEVEL_TRACE;
	case LTA_LOG_WARN:
	default:
		return BT_LOGGING_LEVEL_WARNING;
	}
}

/*
 * Borrows SOURCE's plugin WHICH (LTA_DECODE_PLUGIN_*), loading it the first
 * time. Called with lta_decode_bt_lock() held. Returns 0 or -ENOENT.
 */
static int find_plugin(struct lta_decoder *source, size_t which,
		       const bt_plugin **plugin)
{
	if (!source->plugins[which] &&
	    lta_decode_load_plugin(which, &source->plugins[which])) {
		lta_decode_set_error(source,
				     "Cannot find the babeltrace2 plugin: "
				     "name=\"%s\" (is babeltrace2 installed?)",
				     lta_decode_plugin_name(which));
		take_bt_error(source);
		return -ENOENT;
	}
	*plugin = source->plugins[which];
	return 0;
}

static int add_fs_source(struct lta_decoder *source, bt_graph *graph,
			 const bt_component_class_source *fs_class,
			 size_t index, const bt_component_source **component)
{
	bt_value *params = bt_value_map_create();
	bt_value *inputs = NULL;
	const char *folder;
	char name[64];
	int ret = -ENOMEM;

	folder = source->parent
			 ? source->traces[index].lane_dir
			 : lta_trace_filter_dir(source->traces[index].filter);
	if (!folder) {
		ret = -errno;
		lta_decode_set_error(
			source,
			"Cannot make a filtered trace folder: path=\"%s\", "
			"error=\"%s\"",
			source->traces[index].path, strerror(errno));
		goto end;
	}
	if (!params ||
	    bt_value_map_insert_empty_array_entry(params, "inputs", &inputs) ||
	    bt_value_array_append_string_element(inputs, folder)) {
		goto end;
	}
	snprintf(name, sizeof(name), TRACE_NAME_PREFIX "%zu", index);
	if (bt_value_map_insert_string_entry(params, "trace-name", name)) {
		goto end;
	}
	if (bt_graph_add_source_component(graph, fs_class, name, params,
					  bt_level_of(source->bt_log_level),
					  component) !=
	    BT_GRAPH_ADD_COMPONENT_STATUS_OK) {
		char named[4096];

		lta_decode_set_error(source, "Cannot read trace: path=\"%s\"",
				     source->traces[index].path);
		take_bt_error(source);
		unshadow_error(source);
		/*
		 * source.ctf.fs opens the metadata, then indexes each stream
		 * file; an indexing error names the stream file. When none is
		 * named, the metadata was rejected: say which file that is.
		 */
		snprintf(named, sizeof(named), "%s/",
			 source->traces[index].path);
		if (!strstr(source->error, named)) {
			size_t len = strlen(source->error);

			snprintf(source->error + len,
				 sizeof(source->error) - len,
				 " (no stream file is at fault: the metadata "
				 "was "
				 "rejected: file=\"%s/metadata\")",
				 source->traces[index].path);
		}
		ret = -EINVAL;
		goto end;
	}
	ret = 0;
end:
	bt_value_put_ref(params);
	return ret;
}

/* Adds our sink to GRAPH and connects OUT to it. */
static int add_sink(struct lta_decoder *source, bt_graph *graph,
		    const bt_port_output *out)
{
	const bt_component_sink *sink = NULL;

	if (bt_graph_add_simple_sink_component(
		    graph, "lta-sink", NULL, lta_decode_sink_consume, NULL,
		    source, &sink) != BT_GRAPH_ADD_COMPONENT_STATUS_OK) {
		lta_decode_set_error(source, "Cannot add the sink");
		take_bt_error(source);
		return -EINVAL;
	}
	if (bt_graph_connect_ports(
		    graph, out,
		    bt_component_sink_borrow_input_port_by_index_const(sink, 0),
		    NULL) != BT_GRAPH_CONNECT_PORTS_STATUS_OK) {
		lta_decode_set_error(source, "Cannot connect to the sink");
		take_bt_error(source);
		return -EINVAL;
	}
	return 0;
}

/*
 * Live: source.ctf.lttng-live straight into our sink (it merges its streams
 * in time order itself; a muxer would only add latency).
 */
static int build_live_graph_locked(struct lta_decoder *source)
{
	const bt_plugin *ctf = NULL;
	const bt_component_class_source *live_class;
	const bt_component_source *live = NULL;
	bt_value *params = NULL, *inputs = NULL;
	bt_graph *graph = NULL;
	int ret;

	ret = find_plugin(source, LTA_DECODE_PLUGIN_CTF, &ctf);
	if (ret) {
		goto end;
	}
	ret = -ENOENT;
	live_class = bt_plugin_borrow_source_component_class_by_name_const(
		ctf, "lttng-live");
	if (!live_class) {
		lta_decode_set_error(source,
				     "babeltrace2 lacks source.ctf.lttng-live");
		goto end;
	}
	ret = -ENOMEM;
	graph = bt_graph_create(0);
	params = bt_value_map_create();
	if (!graph || !params ||
	    bt_value_map_insert_empty_array_entry(params, "inputs", &inputs) ||
	    bt_value_array_append_string_element(inputs, source->live_url) ||
	    bt_value_map_insert_string_entry(
		    params, "session-not-found-action",
		    source->end_if_missing ? "end" : "continue") ||
	    bt_graph_add_interrupter(graph, source->interrupter) !=
		    BT_GRAPH_ADD_INTERRUPTER_STATUS_OK) {
		lta_decode_set_error(source,
				     "Cannot create a babeltrace2 graph");
		goto end;
	}
	if (bt_graph_add_source_component(graph, live_class, "lta-live", params,
					  bt_level_of(source->bt_log_level),
					  &live) !=
	    BT_GRAPH_ADD_COMPONENT_STATUS_OK) {
		lta_decode_set_error(source,
				     "Cannot read live session: url=\"%s\"",
				     source->live_url);
		take_bt_error(source);
		ret = -EINVAL;
		goto end;
	}
	ret = add_sink(
		source, graph,
		bt_component_source_borrow_output_port_by_index_const(live, 0));
	if (ret) {
		goto end;
	}
	source->graph = graph;
	graph = NULL;
end:
	bt_value_put_ref(params);
	bt_graph_put_ref(graph);
	return ret;
}

static int build_live_graph(struct lta_decoder *source)
{
	int ret;

	lta_decode_bt_lock();
	ret = build_live_graph_locked(source);
	lta_decode_bt_unlock();
	return ret;
}

/* The muxer, fed by the COUNT ports OUTS, into our sink. */
static int add_muxer(struct lta_decoder *source, bt_graph *graph,
		     const bt_component_class_filter *muxer_class,
		     const bt_port_output **outs, size_t count)
{
	const bt_component_filter *muxer = NULL;
	size_t i;

	if (bt_graph_add_filter_component(graph, muxer_class, "muxer", NULL,
					  bt_level_of(source->bt_log_level),
					  &muxer) !=
	    BT_GRAPH_ADD_COMPONENT_STATUS_OK) {
		lta_decode_set_error(source, "Cannot add the muxer");
		take_bt_error(source);
		return -EINVAL;
	}
	for (i = 0; i < count; i++) {
		/* The muxer always offers one free input port, last. */
		const bt_port_input *in =
			bt_component_filter_borrow_input_port_by_index_const(
				muxer, bt_component_filter_get_input_port_count(
					       muxer) -
					       1);

		if (bt_graph_connect_ports(graph, outs[i], in, NULL) !=
		    BT_GRAPH_CONNECT_PORTS_STATUS_OK) {
			lta_decode_set_error(
				source, "Cannot connect a trace to the muxer");
			take_bt_error(source);
			return -EINVAL;
		}
	}
	return add_sink(source, graph,
			bt_component_filter_borrow_output_port_by_index_const(
				muxer, 0));
}

static int build_graph(struct lta_decoder *source)
{
	const bt_plugin *ctf = NULL, *utils = NULL;
	const bt_component_class_source *fs_class;
	const bt_component_class_filter *muxer_class;
	const bt_port_output **outs = NULL;
	size_t out_count = 0;
	bt_graph *graph = NULL;
	size_t i;
	int ret;

	if (source->trace_count == 0) {
		lta_decode_set_error(source, "No trace to read");
		return -ENOENT;
	}
	if (source->live_url) {
		return build_live_graph(source);
	}
	lta_decode_bt_lock();
	ret = find_plugin(source, LTA_DECODE_PLUGIN_CTF, &ctf);
	fs_class = ret ? NULL
		       : bt_plugin_borrow_source_component_class_by_name_const(
				 ctf, "fs");
	if (!ret && !fs_class) {
		lta_decode_set_error(source, "babeltrace2 lacks source.ctf.fs");
		ret = -ENOENT;
	}
	if (!ret) {
		graph = bt_graph_create(0);
		if (!graph ||
		    bt_graph_add_interrupter(graph, source->interrupter) !=
			    BT_GRAPH_ADD_INTERRUPTER_STATUS_OK) {
			lta_decode_set_error(
				source, "Cannot create a babeltrace2 graph");
			ret = -ENOMEM;
		}
	}
	lta_decode_bt_unlock();
	if (ret) {
		goto end;
	}
	/*
	 * Not locked: each source.ctf.fs reads its metadata and indexes its
	 * streams (tens of milliseconds for a kernel trace with every
	 * system call in its metadata), from this decoder's own component
	 * class, while the other lanes do the same.
	 */
	for (i = 0; i < source->trace_count; i++) {
		const bt_component_source *fs = NULL;
		const bt_port_output **more;
		uint64_t p, ports;

		if (source->parent && !source->traces[i].lane_dir) {
			continue; /* Another lane reads this trace. */
		}
		ret = source->parent ? 0 : lta_decode_check_trace(source, i);
		if (ret) {
			goto end;
		}
		ret = add_fs_source(source, graph, fs_class, i, &fs);
		if (ret) {
			goto end;
		}
		ports = bt_component_source_get_output_port_count(fs);
		more = realloc(outs, (out_count + ports + 1) * sizeof(*outs));
		if (!more) {
			ret = -ENOMEM;
			goto end;
		}
		outs = more;
		for (p = 0; p < ports; p++) {
			outs[out_count++] =
				bt_component_source_borrow_output_port_by_index_const(
					fs, p);
		}
	}
	lta_decode_bt_lock();
	if (out_count == 1 && source->trace_count == 1) {
		/*
		 * One stream of one trace (a lane often reads just one):
		 * nothing to merge, the muxer would only cost time. (Across
		 * traces, the muxer also refuses clocks it cannot correlate:
		 * a lane keeps it then, so that it fails as one graph would.)
		 */
		ret = add_sink(source, graph, outs[0]);
	} else {
		ret = find_plugin(source, LTA_DECODE_PLUGIN_UTILS, &utils);
		muxer_class =
			ret ? NULL
			    : bt_plugin_borrow_filter_component_class_by_name_const(
				      utils, "muxer");
		if (!ret && !muxer_class) {
			lta_decode_set_error(
				source, "babeltrace2 lacks filter.utils.muxer");
			ret = -ENOENT;
		}
		if (!ret) {
			ret = add_muxer(source, graph, muxer_class, outs,
					out_count);
		}
	}
	lta_decode_bt_unlock();
	if (ret) {
		goto end;
	}
	source->graph = graph;
	graph = NULL;
	ret = 0;
end:
	free(outs);
	lta_decode_bt_lock();
	bt_graph_put_ref(graph);
	lta_decode_bt_unlock();
	return ret;
}

/*
 * Builds the graph; when babeltrace2 cannot index a stream file, builds it
 * again without that file: nothing was read yet, so nothing is counted
 * twice, and each round leaves one more file out, so it ends.
 */
static int build_graph_partial(struct lta_decoder *source)
{
	int ret;

	while ((ret = build_graph(source)) && !source->live_url &&
	       exclude_stream_at_fault(source)) {
		source->error[0] = '\0';
	}
	return ret;
}

static const char *first_path_named(const struct lta_decoder *source)
{
	size_t i;

	for (i = 0; i < source->trace_count; i++) {
		if (strstr(source->error, source->traces[i].path)) {
			return source->traces[i].path;
		}
	}
	return NULL;
}

/* Turns a failed graph run into an error message; returns ERROR. */
static enum lta_decode_status run_failed(struct lta_decoder *source)
{
	size_t len, i;

	source->graph_failed = true;
	if (source->handler_error) {
		lta_decode_set_error(source, "Analysis failed: error=\"%s\"",
				     strerror(-source->handler_error));
		bt_current_thread_clear_error();
		return LTA_DECODE_ERROR;
	}
	lta_decode_set_error(source, "Failed to read %s",
			     source->live_url	       ? "live session"
			     : source->trace_count > 1 ? "traces"
						       : "trace");
	take_bt_error(source);
	unshadow_error(source);
	/*
	 * Name the trace folder when babeltrace2's causes do not name any
	 * file of ours (a metadata error names no path, for instance).
	 */
	if (first_path_named(source) || source->trace_count == 0) {
		return LTA_DECODE_ERROR;
	}
	len = strlen(source->error);
	for (i = 0; i < source->trace_count && len < sizeof(source->error);
	     i++) {
		int n = snprintf(
			source->error + len, sizeof(source->error) - len,
			"%s%s",
			i ? ", " : " (traces: ", source->traces[i].path);

		if (n < 0) {
			break;
		}
		len += (size_t)n;
	}
	if (len < sizeof(source->error) - 1) {
		strcat(source->error, ")");
	}
	return LTA_DECODE_ERROR;
}

/*
 * Builds the graph (or starts the lanes) unless there is one. Returns 0, or
 * -1 (error set).
 */
static int ensure_graph(struct lta_decoder *source)
{
	if (source->graph_failed) {
		lta_decode_set_error(source,
				     "The source failed: reset it first");
		return -1;
	}
	if (!source->graph && !source->lanes && !source->live_url &&
	    !source->parent && source->options.jobs > 1 &&
	    !source->lanes_refused) {
		int ret;

		source->error[0] = '\0';
		ret = lta_decode_lanes_start(source);
		if (ret < 0) {
			source->graph_failed = true;
			return -1;
		}
		if (ret > 0) {
			source->stop_status = LTA_DECODE_END;
			return 0;
		}
		source->lanes_refused = true;
	}
	if (!source->graph && !source->lanes) {
		source->error[0] = '\0';
		if (build_graph_partial(source)) {
			source->graph_failed = true;
			return -1;
		}
	}
	source->stop_status = LTA_DECODE_END;
	return 0;
}

int lta_decode_prepare(struct lta_decoder *source)
{
	return ensure_graph(source);
}

enum lta_decode_status lta_decode_run_once(struct lta_decoder *source)
{
	bt_graph_run_once_status status;

	if (lta_decode_interrupted(source)) {
		return LTA_DECODE_STOPPED;
	}
	if (ensure_graph(source)) {
		return LTA_DECODE_ERROR;
	}
	if (source->lanes) {
		return lta_decode_lanes_step(source, LTA_DECODE_LANES_STEP);
	}
	status = bt_graph_run_once(source->graph);
	switch (status) {
	case BT_GRAPH_RUN_ONCE_STATUS_OK:
		return LTA_DECODE_OK;
	case BT_GRAPH_RUN_ONCE_STATUS_AGAIN:
		return lta_decode_interrupted(source) ? LTA_DECODE_STOPPED
						      : LTA_DECODE_AGAIN;
	case BT_GRAPH_RUN_ONCE_STATUS_END:
		return source->stop_status;
	default:
		if (lta_decode_interrupted(source)) {
			bt_current_thread_clear_error();
			return LTA_DECODE_STOPPED;
		}
		return run_failed(source);
	}
}

enum lta_decode_status lta_decode_run(struct lta_decoder *source)
{
	bt_graph_run_status status;

	if (ensure_graph(source)) {
		return LTA_DECODE_ERROR;
	}
	if (source->lanes) {
		enum lta_decode_status st;

		do {
			st = lta_decode_lanes_step(source, SIZE_MAX);
		} while (st == LTA_DECODE_OK);
		return st;
	}
	do {
		status = bt_graph_run(source->graph);
		if (status == BT_GRAPH_RUN_STATUS_AGAIN &&
		    lta_decode_interrupted(source)) {
			return LTA_DECODE_STOPPED;
		}
	} while (status == BT_GRAPH_RUN_STATUS_AGAIN);
	if (status == BT_GRAPH_RUN_STATUS_OK) {
		return source->stop_status;
	}
	return run_failed(source);
}

size_t lta_decode_shared_streams(const struct lta_decoder *source)
{
	return source->shared_streams;
}

const char *lta_decode_error_message(const struct lta_decoder *source)
{
	return source->error;
}

const struct lta_decode_counters *
lta_decode_counters(const struct lta_decoder *source)
{
	return &source->counters;
}

size_t lta_decode_trace_count(const struct lta_decoder *source)
{
	return source->trace_count;
}

const struct lta_decode_trace *
lta_decode_trace(const struct lta_decoder *source, size_t index)
{
	struct trace_slot *slot;

	if (index >= source->trace_count) {
		return NULL;
	}
	slot = &source->traces[index];
	slot->view.path = slot->path;
	slot->view.hostname = slot->hostname;
	slot->view.domain = slot->domain;
	return &slot->view;
}

size_t lta_decode_warning_count(const struct lta_decoder *source)
{
	return source->warnings.count;
}

const struct lta_decode_warning *
lta_decode_warning(const struct lta_decoder *source, size_t index)
{
	return lta_warnings_get(&source->warnings, index);
}

void lta_decode_destroy(struct lta_decoder *source)
{
	size_t pos = 0, i;
	uint64_t key;
	void *value;

	if (!source) {
		return;
	}
	lta_decode_lanes_destroy(source->lanes);
	lta_decode_bt_lock();
	bt_graph_put_ref(source->graph);
	bt_interrupter_put_ref(source->interrupter);
	for (i = 0; i < sizeof(source->plugins) / sizeof(source->plugins[0]);
	     i++) {
		bt_plugin_put_ref(source->plugins[i]);
	}
	lta_decode_bt_unlock();
	free(source->live_url);
	while (lta_htable_next(&source->plans, &pos, &key, &value)) {
		lta_plan_destroy(value);
	}
	lta_htable_fini(&source->plans);
	if (!source->parent) {
		lta_intern_destroy(source->names);
		if (source->names_lock) {
			pthread_mutex_destroy(source->names_lock);
		}
	}
	lta_warnings_fini(&source->warnings);
	for (i = 0; i < source->trace_count; i++) {
		lta_trace_filter_destroy(source->traces[i].filter);
		if (source->traces[i].lane_dir) {
			lta_trace_filter_remove_dir(source->traces[i].lane_dir);
			free(source->traces[i].lane_dir);
		}
		free(source->traces[i].path);
		free(source->traces[i].hostname);
		free(source->traces[i].domain);
		free(source->traces[i].bt_name);
		free(source->traces[i].live_key);
	}
	free(source->traces);
	free(source->bt_log_level);
	free(source);
}
