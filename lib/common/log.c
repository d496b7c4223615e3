/* SPDX-License-Identifier: GPL-2.0-only */
#include "log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

static const char *const level_names[] = {
	"none", "error", "warn", "info", "debug", "trace",
};

static int level_from_env(void)
{
	const char *env = getenv("LTA_LOG_LEVEL");
	int level;

	if (!env) {
		return LTA_LOG_WARN;
	}
	level = lta_log_level_from_name(env);
	return level < 0 ? LTA_LOG_WARN : level;
}

/*
 * Initialised lazily: the first lta_log_write() call, or the constructor
 * below, reads the environment.
 */
int lta_log_current_level = LTA_LOG_WARN;
static bool log_to_syslog;

__attribute__((constructor)) static void log_init(void)
{
	lta_log_current_level = level_from_env();
}

void lta_log_set_level(enum lta_log_level level)
{
	lta_log_current_level = level;
}

int lta_log_level_from_name(const char *name)
{
	size_t i;

	if (!name) {
		return -1;
	}
	for (i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcmp(name, level_names[i]) == 0) {
			return (int)i;
		}
	}
	if (strcmp(name, "warning") == 0) {
		return LTA_LOG_WARN;
	}
	return -1;
}

void lta_log_use_syslog(bool use_syslog, const char *ident)
{
	if (use_syslog && !log_to_syslog) {
		openlog(ident, LOG_PID, LOG_DAEMON);
	} else if (!use_syslog && log_to_syslog) {
		closelog();
	}
	log_to_syslog = use_syslog;
}

void lta_log_write(enum lta_log_level level, const char *file, int line,
		   const char *fmt, ...)
{
	static const int syslog_prio[] = {
		LOG_ERR, LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG, LOG_DEBUG,
	};
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	if (log_to_syslog) {
		syslog(syslog_prio[level], "%s", msg);
	} else {
		struct timespec now;
		struct tm tm;
		char stamp[32];

		clock_gettime(CLOCK_REALTIME, &now);
		gmtime_r(&now.tv_sec, &tm);
		strftime(stamp, sizeof(stamp), "%H:%M:%S", &tm);
		/* One fprintf so that lines from several threads do not mix. */
		fprintf(stderr, "%s.%03ld %s [%s:%d] %s\n", stamp,
			now.tv_nsec / 1000000L, level_names[level], file, line,
			msg);
	}
}
