/* SPDX-License-Identifier: GPL-2.0-only */
#include "daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "analysis.h"
#include "attach.h"
#include "common/log.h"
#include "control.h"
#include "http.h"
#include "lttng-daemons.h"
#include "publisher.h"
#include "store/store.h"

/* Where the documentation is installed (configure's docdir). */
#ifndef LTA_DOCDIR
#define LTA_DOCDIR "/usr/share/doc/lttng-analyzer"
#endif

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: lttng-analyzerd [OPTIONS]\n"
		"\n"
		"Analyzes LTTng sessions live (and recorded traces), stores "
		"the\n"
		"requests it finds, and serves them over a REST API.\n"
		"\n"
		"  --listen=ADDR       address to listen on (default "
		"127.0.0.1)\n"
		"  --port=N            port (default 8780; 0 picks a free "
		"one)\n"
		"  --port-file=FILE    write the port there once listening\n"
		"  --data-dir=DIR      where the database lives\n"
		"                      (default /var/lib/lttng-analyzer)\n"
		"  --token-file=FILE   token required (Authorization: Bearer) "
		"on\n"
		"                      every request that changes state "
		"(default:\n"
		"                      DATA_DIR/token, generated at first "
		"start)\n"
		"  --token-for-reads   GET and HEAD need the token too\n"
		"  --log-level=LEVEL   error, warn, info (default), debug\n"
		"  --syslog            log to syslog instead of stderr\n"
		"  --retry-ms=N        first live reconnect delay (default "
		"500)\n"
		"  --threads=N         HTTP threads (default 4)\n"
		"  --allowed-host=NAME accept this Host header name besides "
		"IP\n"
		"                      addresses and localhost (repeatable)\n"
		"  --allowed-trace-dir=DIR  trace paths must be in DIR "
		"(repeatable)\n"
		"  --request-timeout=S a request's head and body must arrive "
		"in S s\n"
		"                      (default 10)\n"
		"  --max-connections=N open connections at most (default "
		"256)\n"
		"  --max-connections-per-address=N  per client address "
		"(default 64)\n"
		"  --stream-max-lag=N  an event stream client this many "
		"events\n"
		"                      behind the newest is dropped (default "
		"100000)\n"
		"  --stream-poll-ms=N  event streams look for new events this\n"
		"                      often (default 50)\n"
		"  --relayd-url=net://HOST[:CTRL[:DATA]]\n"
		"                      send sessions to this relay daemon "
		"instead\n"
		"                      of starting one (default: start "
		"lttng-relayd\n"
		"                      on free loopback ports)\n"
		"  --relayd-live-port=N  its live port (default 5344)\n"
		"  --no-relayd         no relay daemon: sessions name one\n"
		"  --start-sessiond    start lttng-sessiond when none runs\n"
		"  --timeout-k=K       timeouts: mean + K x deviation "
		"(default 4),\n"
		"                      at least 1.5 x a maximum decaying "
		"by 0.999\n"
		"                      per sample\n"
		"  --timeout-floor-ms=N    smallest timeout (default 50)\n"
		"  --timeout-ceiling-ms=N  largest timeout (default 30000)\n"
		"  --timeout-warmup=N  samples before an estimate rules "
		"(default 10)\n"
		"  --no-derived        timing failures from instrumentation "
		"only,\n"
		"                      not derived from system calls\n"
		"  --max-kinds=N       derived services: kinds of request per "
		"process\n"
		"                      (default 64; " LTA_DOCDIR
		"/segmentation.md)\n"
		"  --no-kinds          one derived service per process\n"
		"  --max-analyses=N    analyses running at once (default 16)\n"
		"  --worker-memory-mb=N  address space of each analysis "
		"worker\n"
		"                      (default 4096)\n"
		"  --relay-timeout-ms=N  a relay daemon silent this long is "
		"left\n"
		"                      and reconnected to (default 10000)\n"
		"  --jobs=N            babeltrace2 graphs decoding a recorded "
		"trace\n"
		"                      at once (default: the online CPUs)\n"
		"  --web-dir=DIR       the dashboard's files, served at / "
		"(default\n"
		"                      " LTA_WEB_DIR ")\n"
		"  --control-only      control sessions only (a traced VM): "
		"no\n"
		"                      analysis, no store; needs "
		"--relayd-url or\n"
		"                      --no-relayd\n"
		"  --attach=net://RELAY[:PORT]/host/HOST/SESSION\n"
		"                      analyze every live session of that "
		"relay\n"
		"                      daemon whose host and name match the "
		"globs\n"
		"                      (repeatable)\n"
		"  --attach-interval-ms=N  list those relay daemons this "
		"often\n"
		"                      (default 2000)\n"
		"  --nats-url=URL      publish to NATS JetStream (stream LTA,\n"
		"                      subjects lta.HOST.SESSION.KIND) and "
		"take\n"
		"                      a lease per live session (fleet.md)\n"
		"  --fleet-name=NAME   this daemon's name in the fleet "
		"(default:\n"
		"                      the host name)\n"
		"  --lease-ms=N        lease time of a live session "
		"(default 15000)\n"
		"  --publish-records   requests' full records in messages\n"
		"  --config=FILE       read options from FILE (key = value)\n"
		"  -h, --help, -V, --version\n"
		"\n"
		"Runs in the foreground. SIGTERM/SIGINT stop it (every "
		"analysis\n"
		"flushed to the store); SIGHUP reopens the logs and reads the\n"
		"configuration again (log-level applies at once, other keys "
		"at\n"
		"the next start). See lttng-analyzerd(8) and\n"
		"lttng-analyzerd.conf(5).\n"
		"Report bugs to <" PACKAGE_BUGREPORT ">.\n");
}

static void defaults(struct lta_daemon_config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->listen, sizeof(c->listen), "127.0.0.1");
	c->port = 8780;
	snprintf(c->data_dir, sizeof(c->data_dir), "/var/lib/lttng-analyzer");
	snprintf(c->log_level, sizeof(c->log_level), "info");
	c->retry_ms = 500;
	c->threads = 4;
}

static bool is_true(const char *value)
{
	return strcmp(value, "0") != 0 && strcmp(value, "false") != 0 &&
	       strcmp(value, "no") != 0;
}

/* Sets KEY to VALUE. Returns 0, or -1 with a message in ERROR. */
static int set_option(struct lta_daemon_config *c, const char *key,
		      const char *value, char *error, size_t size)
{
	char *end;
	long v;

#define COPY(field)                                                       \
	do {                                                              \
		if (strlen(value) >= sizeof(c->field)) {                  \
			snprintf(error, size, "%s: value too long", key); \
			return -1;                                        \
		}                                                         \
		snprintf(c->field, sizeof(c->field), "%s", value);        \
	} while (0)

	if (strcmp(key, "listen") == 0) {
		COPY(listen);
	} else if (strcmp(key, "data-dir") == 0) {
		COPY(data_dir);
	} else if (strcmp(key, "token-file") == 0) {
		COPY(token_file);
	} else if (strcmp(key, "port-file") == 0) {
		COPY(port_file);
	} else if (strcmp(key, "log-level") == 0) {
		if (lta_log_level_from_name(value) < 0) {
			snprintf(error, size, "log-level: unknown level \"%s\"",
				 value);
			return -1;
		}
		COPY(log_level);
	} else if (strcmp(key, "token-for-reads") == 0) {
		c->token_for_reads = is_true(value);
	} else if (strcmp(key, "syslog") == 0) {
		c->syslog = is_true(value);
	} else if (strcmp(key, "no-derived") == 0) {
		c->no_derived = is_true(value);
	} else if (strcmp(key, "no-kinds") == 0) {
		c->no_kinds = is_true(value);
	} else if (strcmp(key, "max-kinds") == 0) {
		v = strtol(value, &end, 10);
		if (*value == '\0' || *end != '\0' || v < 1 || v > 100000) {
			snprintf(error, size, "%s: bad value \"%s\"", key,
				 value);
			return -1;
		}
		c->max_kinds = (int)v;
	} else if (strcmp(key, "timeout-k") == 0) {
		double k = strtod(value, &end);

		if (*value == '\0' || *end != '\0' || !(k > 0 && k <= 100)) {
			snprintf(error, size, "%s: bad value \"%s\"", key,
				 value);
			return -1;
		}
		c->timeout_k = k;
	} else if (strcmp(key, "timeout-floor-ms") == 0 ||
		   strcmp(key, "timeout-ceiling-ms") == 0 ||
		   strcmp(key, "timeout-warmup") == 0) {
		v = strtol(value, &end, 10);
		if (*value == '\0' || *end != '\0' || v < 1 || v > 86400000) {
			snprintf(error, size, "%s: bad value \"%s\"", key,
				 value);
			return -1;
		}
		if (strcmp(key, "timeout-floor-ms") == 0) {
			c->timeout_floor_ms = (int)v;
		} else if (strcmp(key, "timeout-ceiling-ms") == 0) {
			c->timeout_ceiling_ms = (int)v;
		} else {
			c->timeout_warmup = (int)v;
		}
	} else if (strcmp(key, "no-relayd") == 0) {
		c->no_relayd = is_true(value);
	} else if (strcmp(key, "start-sessiond") == 0) {
		c->start_sessiond = is_true(value);
	} else if (strcmp(key, "relayd-url") == 0) {
		char host[128];
		uint16_t ctrl, data;

		if (lta_lttng_parse_relayd_url(value, host, sizeof(host), &ctrl,
					       &data)) {
			snprintf(error, size,
				 "relayd-url: expected "
				 "net://HOST[:CTRL[:DATA]], got \"%s\"",
				 value);
			return -1;
		}
		COPY(relayd_url);
	} else if (strcmp(key, "relayd-live-port") == 0) {
		v = strtol(value, &end, 10);
		if (*value == '\0' || *end != '\0' || v < 1 || v > 65535) {
			snprintf(error, size, "%s: bad value \"%s\"", key,
				 value);
			return -1;
		}
		c->relayd_live_port = (int)v;
	} else if (strcmp(key, "max-analyses") == 0 ||
		   strcmp(key, "worker-memory-mb") == 0 ||
		   strcmp(key, "relay-timeout-ms") == 0 ||
		   strcmp(key, "jobs") == 0) {
		v = strtol(value, &end, 10);
		if (*value == '\0' || *end != '\0' || v < 1 ||
		    (key[0] == 'm' && v > 1024) ||
		    (key[0] == 'w' && (v < 64 || v > 1048576)) ||
		    (key[0] == 'r' && (v < 100 || v > 3600000)) ||
		    (key[0] == 'j' && v > 64)) {
			snprintf(error, size, "%s: bad value \"%s\"", key,
				 value);
			return -1;
		}
		if (key[0] == 'm') {
			c->max_analyses = (int)v;
		} else if (key[0] == 'w') {
			c->worker_memory_mb = v;
		} else if (key[0] == 'j') {
			c->jobs = (int)v;
		} else {
			c->relay_timeout_ms = (int)v;
		}
	} else if (strcmp(key, "nats-url") == 0) {
		if (strncmp(value, "nats://", 7) != 0 &&
		    strncmp(value, "tls://", 6) != 0) {
			snprintf(error, size,
				 "%s: expected nats://HOST:PORT, got \"%s\"",
				 key, value);
			return -1;
		}
		COPY(nats_url);
	} else if (strcmp(key, "fleet-name") == 0) {
		if (*value == '\0' || strpbrk(value, ". \t*>")) {
			snprintf(error, size,
				 "%s: expected a name without '.', '*', '>' "
				 "or blanks, got \"%s\"",
				 key, value);
			return -1;
		}
		COPY(fleet_name);
	} else if (strcmp(key, "lease-ms") == 0) {
		v = strtol(value, &end, 10);
		if (*value == '\0' || *end != '\0' || v < 1000 || v > 3600000) {
			snprintf(error, size, "%s: bad value \"%s\"", key,
				 value);
			return -1;
		}
		c->lease_ms = (int)v;
	} else if (strcmp(key, "publish-records") == 0) {
		c->publish_records = is_true(value);
	} else if (strcmp(key, "web-dir") == 0) {
		if (*value == '\0') {
			snprintf(error, size, "%s: expected a folder", key);
			return -1;
		}
		COPY(web_dir);
	} else if (strcmp(key, "allowed-host") == 0) {
		if (c->allowed_host_count == LTA_DAEMON_LIST_MAX) {
			snprintf(error, size, "%s: more than %d", key,
				 LTA_DAEMON_LIST_MAX);
			return -1;
		}
		if (*value == '\0' || strlen(value) >= 256 ||
		    strpbrk(value, ":/ \t[]")) {
			snprintf(error, size,
				 "%s: expected a host name without port, "
				 "got \"%s\"",
				 key, value);
			return -1;
		}
		snprintf(c->allowed_hosts[c->allowed_host_count++], 256, "%s",
			 value);
	} else if (strcmp(key, "allowed-trace-dir") == 0) {
		char canonical[PATH_MAX];

		if (c->allowed_trace_dir_count == LTA_DAEMON_LIST_MAX) {
			snprintf(error, size, "%s: more than %d", key,
				 LTA_DAEMON_LIST_MAX);
			return -1;
		}
		if (value[0] != '/' || !realpath(value, canonical) ||
		    strlen(canonical) >= 1024) {
			snprintf(error, size,
				 "%s: expected an existing absolute folder, "
				 "got \"%s\"",
				 key, value);
			return -1;
		}
		snprintf(c->allowed_trace_dirs[c->allowed_trace_dir_count++],
			 1024, "%s", canonical);
	} else if (strcmp(key, "stream-max-lag") == 0 ||
		   strcmp(key, "stream-poll-ms") == 0) {
		v = strtol(value, &end, 10);
		if (*value == '\0' || *end != '\0' || v < 1 ||
		    v > (key[7] == 'm' ? 1000000000L : 10000L)) {
			snprintf(error, size, "%s: bad value \"%s\"", key,
				 value);
			return -1;
		}
		if (key[7] == 'm') {
			c->stream_max_lag = v;
		} else {
			c->stream_poll_ms = (int)v;
		}
	} else if (strcmp(key, "request-timeout") == 0 ||
		   strcmp(key, "max-connections") == 0 ||
		   strcmp(key, "max-connections-per-address") == 0) {
		v = strtol(value, &end, 10);
		if (*value == '\0' || *end != '\0' || v < 1 ||
		    v > (key[0] == 'r' ? 3600 : 100000)) {
			snprintf(error, size, "%s: bad value \"%s\"", key,
				 value);
			return -1;
		}
		if (key[0] == 'r') {
			c->request_timeout_s = (int)v;
		} else if (strcmp(key, "max-connections") == 0) {
			c->max_connections = (int)v;
		} else {
			c->max_per_address = (int)v;
		}
	} else if (strcmp(key, "port") == 0 || strcmp(key, "retry-ms") == 0 ||
		   strcmp(key, "threads") == 0) {
		v = strtol(value, &end, 10);
		if (*value == '\0' || *end != '\0' || v < 0 ||
		    (strcmp(key, "port") == 0 && v > 65535) ||
		    (strcmp(key, "threads") == 0 && (v < 1 || v > 64)) ||
		    (strcmp(key, "retry-ms") == 0 && (v < 1 || v > 3600000))) {
			snprintf(error, size, "%s: bad value \"%s\"", key,
				 value);
			return -1;
		}
		if (key[0] == 'p') {
			c->port = (uint16_t)v;
		} else if (key[0] == 'r') {
			c->retry_ms = (int)v;
		} else {
			c->threads = (int)v;
		}
	} else if (strcmp(key, "control-only") == 0 ||
		   strcmp(key, "attach") == 0 ||
		   strcmp(key, "attach-interval-ms") == 0) {
		/* Fleets (doc/fleet-vms.md). */
		if (key[0] == 'c') {
			c->control_only = is_true(value);
		} else if (strcmp(key, "attach") == 0) {
			char why[768];

			if (c->attach_count == LTA_DAEMON_LIST_MAX) {
				snprintf(error, size, "%s: more than %d", key,
					 LTA_DAEMON_LIST_MAX);
				return -1;
			}
			if (lta_attach_check(value, why, sizeof(why))) {
				snprintf(error, size, "%s: %s", key, why);
				return -1;
			}
			snprintf(c->attach[c->attach_count++],
				 sizeof(c->attach[0]), "%s", value);
		} else {
			v = strtol(value, &end, 10);
			if (*value == '\0' || *end != '\0' || v < 100 ||
			    v > 3600000) {
				snprintf(error, size, "%s: bad value \"%s\"",
					 key, value);
				return -1;
			}
			c->attach_interval_ms = (int)v;
		}
	} else {
		snprintf(error, size, "unknown option \"%s\"", key);
		return -1;
	}
#undef COPY
	return 0;
}

static char *trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t') {
		s++;
	}
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' ||
			   end[-1] == '\n' || end[-1] == '\r')) {
		*--end = '\0';
	}
	return s;
}

int lta_daemon_read_config(const char *path, struct lta_daemon_config *config,
			   char *error, size_t size)
{
	char line[2048], why[512];
	FILE *f = fopen(path, "r");
	int n = 0, ret = 0;

	if (!f) {
		snprintf(error, size,
			 "Cannot read configuration: file=\"%s\", "
			 "error=\"%s\"",
			 path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *key, *value, *eq;

		n++;
		key = trim(line);
		if (*key == '\0' || *key == '#' || *key == ';' || *key == '[') {
			continue;
		}
		eq = strchr(key, '=');
		if (!eq) {
			snprintf(error, size, "%s:%d: expected key = value",
				 path, n);
			ret = -1;
			break;
		}
		*eq = '\0';
		value = trim(eq + 1);
		key = trim(key);
		if (set_option(config, key, value, why, sizeof(why))) {
			snprintf(error, size, "%s:%d: %s", path, n, why);
			ret = -1;
			break;
		}
	}
	fclose(f);
	return ret;
}

static int parse_args(int argc, char **argv, struct lta_daemon_config *c)
{
	static const struct option options[] = {
		{ "listen", required_argument, NULL, 0 },
		{ "port", required_argument, NULL, 0 },
		{ "port-file", required_argument, NULL, 0 },
		{ "data-dir", required_argument, NULL, 0 },
		{ "token-file", required_argument, NULL, 0 },
		{ "token-for-reads", no_argument, NULL, 0 },
		{ "log-level", required_argument, NULL, 0 },
		{ "syslog", no_argument, NULL, 0 },
		{ "retry-ms", required_argument, NULL, 0 },
		{ "threads", required_argument, NULL, 0 },
		{ "allowed-host", required_argument, NULL, 0 },
		{ "allowed-trace-dir", required_argument, NULL, 0 },
		{ "request-timeout", required_argument, NULL, 0 },
		{ "max-connections", required_argument, NULL, 0 },
		{ "max-connections-per-address", required_argument, NULL, 0 },
		{ "stream-max-lag", required_argument, NULL, 0 },
		{ "stream-poll-ms", required_argument, NULL, 0 },
		{ "relayd-url", required_argument, NULL, 0 },
		{ "relayd-live-port", required_argument, NULL, 0 },
		{ "no-relayd", no_argument, NULL, 0 },
		{ "start-sessiond", no_argument, NULL, 0 },
		{ "timeout-k", required_argument, NULL, 0 },
		{ "timeout-floor-ms", required_argument, NULL, 0 },
		{ "timeout-ceiling-ms", required_argument, NULL, 0 },
		{ "timeout-warmup", required_argument, NULL, 0 },
		{ "no-derived", no_argument, NULL, 0 },
		{ "no-kinds", no_argument, NULL, 0 },
		{ "max-kinds", required_argument, NULL, 0 },
		{ "max-analyses", required_argument, NULL, 0 },
		{ "worker-memory-mb", required_argument, NULL, 0 },
		{ "relay-timeout-ms", required_argument, NULL, 0 },
		{ "jobs", required_argument, NULL, 0 },
		{ "web-dir", required_argument, NULL, 0 },
		{ "control-only", no_argument, NULL, 0 },
		{ "attach", required_argument, NULL, 0 },
		{ "attach-interval-ms", required_argument, NULL, 0 },
		{ "nats-url", required_argument, NULL, 0 },
		{ "fleet-name", required_argument, NULL, 0 },
		{ "lease-ms", required_argument, NULL, 0 },
		{ "publish-records", no_argument, NULL, 0 },
		{ "config", required_argument, NULL, 0 },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	char error[1024];
	int i, index, opt;

	/* A configuration file first: command-line options override it. */
	for (i = 1; i < argc; i++) {
		if (strncmp(argv[i], "--config=", 9) == 0 ||
		    (strcmp(argv[i], "--config") == 0 && i + 1 < argc)) {
			const char *path =
				argv[i][8] == '=' ? argv[i] + 9 : argv[i + 1];

			if (lta_daemon_read_config(path, c, error,
						   sizeof(error))) {
				fprintf(stderr, "lttng-analyzerd: %s\n", error);
				return 2;
			}
		}
	}
	optind = 1;
	while ((opt = getopt_long(argc, argv, "hV", options, &index)) != -1) {
		if (opt == 'h') {
			usage(stdout);
			return -1;
		}
		if (opt == 'V') {
			printf("lttng-analyzerd %s\n", PACKAGE_VERSION);
			return -1;
		}
		if (opt != 0) {
			usage(stderr);
			return 2;
		}
		if (strcmp(options[index].name, "config") == 0) {
			continue;
		}
		if (set_option(c, options[index].name, optarg ? optarg : "1",
			       error, sizeof(error))) {
			fprintf(stderr, "lttng-analyzerd: --%s\n", error);
			return 2;
		}
	}
	if (c->no_relayd && c->relayd_url[0]) {
		fprintf(stderr, "lttng-analyzerd: --no-relayd and "
				"--relayd-url exclude each other\n");
		return 2;
	}
	if (c->control_only &&
	    (c->attach_count || (!c->relayd_url[0] && !c->no_relayd))) {
		fprintf(stderr,
			"lttng-analyzerd: --control-only analyzes nothing: "
			"give --relayd-url (or --no-relayd), not --attach\n");
		return 2;
	}
	if (optind < argc) {
		fprintf(stderr, "lttng-analyzerd: unexpected argument \"%s\"\n",
			argv[optind]);
		return 2;
	}
	return 0;
}

/*
 * Reads the token from PATH, which must be a regular file that neither
 * its group nor others may read or write. Returns 0, or -1 after logging
 * why.
 */
static int read_token(const char *path, char *token, size_t size)
{
	struct stat st;
	FILE *f = NULL;
	char *t;
	int ret = -1;

	f = fopen(path, "re");
	if (!f) {
		LTA_LOGE(
			"Cannot read the token file: file=\"%s\", error=\"%s\"",
			path, strerror(errno));
		goto end;
	}
	if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode)) {
		LTA_LOGE("The token file is not a regular file: file=\"%s\"",
			 path);
		goto end;
	}
	if (st.st_mode & 077) {
		LTA_LOGE("The token file is open to other users (mode %03o): "
			 "file=\"%s\", fix=\"chmod 600 %s\"",
			 (unsigned int)(st.st_mode & 0777), path, path);
		goto end;
	}
	if (!fgets(token, (int)size, f)) {
		token[0] = '\0';
	}
	t = trim(token);
	memmove(token, t, strlen(t) + 1);
	if (strlen(token) < 16) {
		LTA_LOGE("The token is too short (16 characters at least): "
			 "file=\"%s\"",
			 path);
		goto end;
	}
	ret = 0;
end:
	if (f) {
		fclose(f);
	}
	return ret;
}

/*
 * The token when no --token-file is given: DATA_DIR/token, generated at
 * the first start (32 random bytes in hexadecimal, mode 0600) and shown
 * once in the log, read at the next ones. Returns 0 or -1 (logged).
 */
static int default_token(const char *data_dir, char *token, size_t size)
{
	unsigned char random[32];
	char path[1100];
	int fd, n, i;

	n = snprintf(path, sizeof(path), "%s/token", data_dir);
	if (n < 0 || (size_t)n >= sizeof(path) || size < 65) {
		LTA_LOGE("The data folder's name is too long");
		return -1;
	}
	if (access(path, F_OK) == 0) {
		return read_token(path, token, size);
	}
	if (getrandom(random, sizeof(random), 0) != (ssize_t)sizeof(random)) {
		LTA_LOGE("Cannot generate a token: error=\"%s\"",
			 strerror(errno));
		return -1;
	}
	for (i = 0; i < (int)sizeof(random); i++) {
		snprintf(token + 2 * i, 3, "%02x", random[i]);
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
		  0600);
	if (fd < 0 || dprintf(fd, "%s\n", token) < 0 || close(fd)) {
		LTA_LOGE("Cannot write the token file: file=\"%s\", "
			 "error=\"%s\"",
			 path, strerror(errno));
		return -1;
	}
	/* Shown once: the next starts read the file. */
	LTA_LOGI("Generated the API token: file=\"%s\", token=%s", path, token);
	return 0;
}

/*
 * The daemon's id in the fleet: 16 random hex digits made at its first
 * start with --nats-url and kept in DATA_DIR/fleet-id, so that message
 * ids and leases stay the same across restarts. Returns 0 or -1 (logged).
 */
static int fleet_id(const char *data_dir, char *id, size_t size)
{
	unsigned char random[8];
	char path[1100];
	FILE *f;
	int fd, n, i;

	n = snprintf(path, sizeof(path), "%s/fleet-id", data_dir);
	if (n < 0 || (size_t)n >= sizeof(path) || size < 17) {
		LTA_LOGE("The data folder's name is too long");
		return -1;
	}
	f = fopen(path, "re");
	if (f) {
		bool good = fgets(id, (int)size, f) != NULL;

		fclose(f);
		id[strcspn(id, "\n")] = '\0';
		if (good && strlen(id) == 16 &&
		    strspn(id, "0123456789abcdef") == 16) {
			return 0;
		}
		LTA_LOGE("Bad fleet id file: file=\"%s\"", path);
		return -1;
	}
	if (getrandom(random, sizeof(random), 0) != (ssize_t)sizeof(random)) {
		LTA_LOGE("Cannot generate a fleet id: error=\"%s\"",
			 strerror(errno));
		return -1;
	}
	for (i = 0; i < (int)sizeof(random); i++) {
		snprintf(id + 2 * i, 3, "%02x", random[i]);
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
		  0600);
	if (fd < 0 || dprintf(fd, "%s\n", id) < 0 || close(fd)) {
		LTA_LOGE("Cannot write the fleet id: file=\"%s\", "
			 "error=\"%s\"",
			 path, strerror(errno));
		return -1;
	}
	return 0;
}

static int64_t wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Starts the relay (and session) daemon the options ask for. */
static int start_lttng_daemons(const struct lta_daemon_config *config,
			       struct lta_lttng_daemons_config *l,
			       struct lta_lttng_daemons **daemons)
{
	char error[1024];
	int n;

	memset(l, 0, sizeof(*l));
	l->start_sessiond = config->start_sessiond;
	l->relayd_mode = LTA_RELAYD_MANAGED;
	if (config->no_relayd) {
		l->relayd_mode = LTA_RELAYD_NONE;
	} else if (config->relayd_url[0]) {
		l->relayd_mode = LTA_RELAYD_EXTERNAL;
		/* Checked by set_option(). */
		lta_lttng_parse_relayd_url(config->relayd_url, l->relayd_host,
					   sizeof(l->relayd_host),
					   &l->relayd_ctrl_port,
					   &l->relayd_data_port);
		l->relayd_live_port = (uint16_t)config->relayd_live_port;
	}
	n = snprintf(l->output_dir, sizeof(l->output_dir), "%s/lttng",
		     config->data_dir);
	if (n < 0 || (size_t)n >= sizeof(l->output_dir)) {
		LTA_LOGE("The data folder's name is too long");
		return -1;
	}
	*daemons = lta_lttng_daemons_start(l, error, sizeof(error));
	if (!*daemons) {
		LTA_LOGE("Cannot start the LTTng daemons: %s", error);
		return -1;
	}
	return 0;
}

/*
 * SIGHUP: reads the configuration file and the command line again, as at
 * the start, and applies what can change while analyses run: log-level
 * (the daemon's; workers keep the level they started with). Other changed
 * keys are named, to be applied by a restart. A file that no longer parses
 * leaves everything as it was. Main thread only.
 */
static void reload(int argc, char **argv,
		   const struct lta_daemon_config *running)
{
	/* Two: the new configuration, and the running one to compare. */
	struct lta_daemon_config *fresh = calloc(2, sizeof(*fresh));
	struct lta_daemon_config *same = fresh ? fresh + 1 : NULL;

	if (!fresh) {
		LTA_LOGE("Configuration not reloaded: error=\"%s\"",
			 strerror(ENOMEM));
		return;
	}
	defaults(fresh);
	if (parse_args(argc, argv, fresh) != 0) {
		LTA_LOGE("Configuration not reloaded (see the message above): "
			 "kept the running one");
		goto end;
	}
	lta_log_set_level(lta_log_level_from_name(fresh->log_level));
	/* Everything else equal? Compare with log-level made the same. */
	memcpy(same, running, sizeof(*same));
	memcpy(same->log_level, fresh->log_level, sizeof(same->log_level));
	LTA_LOGI("Configuration reloaded: log-level=%s%s", fresh->log_level,
		 memcmp(same, fresh, sizeof(*same))
			 ? "; other changed keys apply at the next restart"
			 : "");
end:
	free(fresh);
}

int lta_daemon_main(int argc, char **argv)
{
	struct lta_daemon_config config;
	struct lta_analyses_options aopts = { 0 };
	struct lta_http_config hconfig;
	struct lta_http_context hcontext;
	struct lta_store *store = NULL;
	struct lta_analyses *analyses = NULL;
	struct lta_http *http = NULL;
	struct lta_lttng_daemons_config lconfig;
	struct lta_lttng_daemons *lttng_daemons = NULL;
	struct lta_attach *attach = NULL;
	struct lta_publisher *publisher = NULL;
	char token[256] = "", error[1024];
	const char *hosts[LTA_DAEMON_LIST_MAX + 1];
	const char *trace_dirs[LTA_DAEMON_LIST_MAX + 1];
	sigset_t signals;
	int recreate_tries = 0;
	int ret, sig, status = 1, i;

	defaults(&config);
	ret = parse_args(argc, argv, &config);
	if (ret) {
		return ret < 0 ? 0 : ret;
	}
	lta_log_set_level(lta_log_level_from_name(config.log_level));
	lta_log_use_syslog(config.syslog, "lttng-analyzerd");

	/*
	 * Signals go to this thread only (sigwait below): every thread
	 * created from here inherits the blocked mask. SIGPIPE is ignored
	 * process-wide: a client or relay daemon that goes away must not
	 * kill the daemon.
	 */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&signals);
	sigaddset(&signals, SIGTERM);
	sigaddset(&signals, SIGINT);
	sigaddset(&signals, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &signals, NULL);

	if (config.token_file[0] &&
	    read_token(config.token_file, token, sizeof(token))) {
		goto end;
	}
	if (config.control_only) {
		/* No store: the token (and lttng/, a sessiond's log). */
		if (mkdir(config.data_dir, 0750) && errno != EEXIST) {
			LTA_LOGE("Cannot create the data folder: dir=\"%s\", "
				 "error=\"%s\"",
				 config.data_dir, strerror(errno));
			goto end;
		}
	} else {
		store = lta_store_open(config.data_dir, error, sizeof(error));
		if (!store) {
			LTA_LOGE("Cannot open the store: %s", error);
			goto end;
		}
	}
	if (!config.token_file[0] &&
	    default_token(config.data_dir, token, sizeof(token))) {
		goto end;
	}
	aopts.retry_initial_ms = config.retry_ms;
	aopts.timing.agent.k = config.timeout_k;
	aopts.timing.agent.floor_ns = config.timeout_floor_ms * 1000000LL;
	aopts.timing.agent.ceiling_ns = config.timeout_ceiling_ms * 1000000LL;
	aopts.timing.agent.warmup = (uint32_t)config.timeout_warmup;
	aopts.timing.no_derived = config.no_derived;
	aopts.max_kinds = (uint32_t)config.max_kinds;
	aopts.no_kinds = config.no_kinds;
	aopts.data_dir = config.data_dir;
	aopts.log_level = config.log_level;
	aopts.syslog = config.syslog;
	aopts.max_analyses = config.max_analyses;
	aopts.worker_memory_mb = config.worker_memory_mb;
	aopts.stall_ms = config.relay_timeout_ms;
	aopts.jobs = config.jobs;
	if (config.nats_url[0]) {
		struct lta_publisher_options popts = { 0 };
		char id[32], name[128];

		if (fleet_id(config.data_dir, id, sizeof(id))) {
			goto end;
		}
		if (config.fleet_name[0]) {
			snprintf(name, sizeof(name), "%s", config.fleet_name);
		} else if (gethostname(name, sizeof(name)) != 0) {
			snprintf(name, sizeof(name), "%s", id);
		}
		name[sizeof(name) - 1] = '\0';
		popts.url = config.nats_url;
		popts.name = name;
		popts.fleet_id = id;
		popts.records = config.publish_records;
		popts.lease_ms = config.lease_ms ? config.lease_ms : 15000;
		publisher = lta_publisher_create(store, &popts, error,
						 sizeof(error));
		if (!publisher || lta_publisher_start(publisher)) {
			LTA_LOGE("Cannot publish to NATS: url=\"%s\", "
				 "error=\"%s\"",
				 config.nats_url, publisher ? "thread" : error);
			goto end;
		}
		aopts.publisher = publisher;
		aopts.lease_ms = popts.lease_ms;
		LTA_LOGI("In the fleet: name=%s, id=%s, nats=\"%s\", "
			 "lease-ms=%lld",
			 name, id, config.nats_url, (long long)popts.lease_ms);
	}
	if (config.timeout_floor_ms && config.timeout_ceiling_ms &&
	    config.timeout_floor_ms > config.timeout_ceiling_ms) {
		LTA_LOGE("timeout-floor-ms is above timeout-ceiling-ms");
		goto end;
	}
	if (!config.control_only) {
		analyses = lta_analyses_create(store, &aopts);
		if (!analyses) {
			LTA_LOGE("Out of memory");
			goto end;
		}
	}
	if (start_lttng_daemons(&config, &lconfig, &lttng_daemons)) {
		goto end;
	}
	if (config.attach_count) {
		const char *patterns[LTA_DAEMON_LIST_MAX];

		for (i = 0; i < config.attach_count; i++) {
			patterns[i] = config.attach[i];
		}
		attach = lta_attach_start(patterns, (size_t)config.attach_count,
					  config.attach_interval_ms, analyses,
					  error, sizeof(error));
		if (!attach) {
			LTA_LOGE("Cannot attach to relay daemons: %s", error);
			goto end;
		}
	}
	memset(&hconfig, 0, sizeof(hconfig));
	hconfig.address = config.listen;
	hconfig.port = config.port;
	hconfig.token = token;
	hconfig.token_for_reads = config.token_for_reads;
	hconfig.threads = config.threads;
	hconfig.request_timeout_s = config.request_timeout_s;
	hconfig.max_connections = config.max_connections;
	hconfig.max_per_address = config.max_per_address;
	hconfig.live_max_lag = config.stream_max_lag;
	hconfig.live_poll_ms = config.stream_poll_ms;
	for (i = 0; i < config.allowed_host_count; i++) {
		hosts[i] = config.allowed_hosts[i];
	}
	hosts[i] = NULL;
	hconfig.allowed_hosts = hosts;
	for (i = 0; i < config.allowed_trace_dir_count; i++) {
		trace_dirs[i] = config.allowed_trace_dirs[i];
	}
	trace_dirs[i] = NULL;
	hconfig.allowed_trace_dirs = trace_dirs;
	hconfig.version = PACKAGE_VERSION;
	hconfig.chart_js = LTA_CHART_JS;
	if (config.control_only) {
		/* The dashboard shows analyses: none here. */
		hconfig.web_dir = NULL;
	} else if (config.web_dir[0]) {
		hconfig.web_dir = config.web_dir;
	} else if (access(LTA_WEB_DIR "/index.html", R_OK) == 0) {
		hconfig.web_dir = LTA_WEB_DIR;
	} else {
		/* Not installed (a build tree): the API alone. */
		LTA_LOGI("No dashboard: dir=\"%s\"", LTA_WEB_DIR);
	}
	memset(&hcontext, 0, sizeof(hcontext));
	hcontext.analyses = analyses;
	hcontext.store = store;
	hcontext.lttng_daemons = lttng_daemons;
	hcontext.control_only = config.control_only;
	hcontext.attach = attach;
	hcontext.publisher = publisher;
	hcontext.started_ns = wall_ns();
	http = lta_http_start(&hconfig, &hcontext, error, sizeof(error));
	if (!http) {
		LTA_LOGE("Cannot start the HTTP server: %s", error);
		goto end;
	}
	if (config.port_file[0]) {
		FILE *f = fopen(config.port_file, "w");

		if (!f || fprintf(f, "%u\n", lta_http_port(http)) < 0 ||
		    fclose(f) != 0) {
			LTA_LOGE("Cannot write the port file: file=\"%s\"",
				 config.port_file);
			goto end;
		}
	}
	LTA_LOGI("Listening: address=%s, port=%u, data-dir=\"%s\"%s",
		 config.listen, lta_http_port(http), config.data_dir,
		 config.control_only ? ", control-only" : "");

	for (;;) {
		struct timespec watch = { 0, 500 * 1000 * 1000 };

		sig = sigtimedwait(&signals, NULL, &watch);
		if (sig < 0) {
			/*
			 * Every half second: the managed relay daemon is
			 * restarted if it died, and the sessions that
			 * streamed to it are created again.
			 */
			/*
			 * The sessions are created again a tick after the
			 * restart: the session daemon first notices that
			 * their relay daemon went away.
			 */
			if (recreate_tries &&
			    (lta_control_recreate_kept() == 0 ||
			     --recreate_tries == 0)) {
				recreate_tries = 0;
			}
			if (lta_lttng_daemons_watch(lttng_daemons)) {
				/*
				 * Every half second for 60 s at most: a
				 * loaded session daemon takes its time to
				 * destroy a session whose relay went away.
				 */
				recreate_tries = 120;
			}
			continue;
		}
		if (sig == SIGHUP) {
			/* logrotate: syslog reconnects, stderr is the pipe's.
			 */
			lta_log_use_syslog(false, NULL);
			lta_log_use_syslog(config.syslog, "lttng-analyzerd");
			LTA_LOGI("Logs reopened");
			reload(argc, argv, &config);
			continue;
		}
		LTA_LOGI("Stopping: signal=%d", sig);
		break;
	}
	status = 0;
end:
	/* Stop answering first, then let every analysis flush. */
	lta_http_stop(http);
	/* No analysis started from here on. */
	lta_attach_stop(attach);
	lta_analyses_destroy(analyses);
	/* After the analyses: their leases are released through it. */
	lta_publisher_destroy(publisher);
	/* Last: the analyses read from the relay daemon until they stop. */
	lta_lttng_daemons_stop(lttng_daemons);
	lta_store_close(store);
	if (status == 0) {
		LTA_LOGI("Stopped cleanly");
	}
	return status;
}
