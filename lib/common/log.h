/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Logging for every part of lttng-analyzer.
 *
 * One macro family, five levels. The level check happens before the
 * arguments are evaluated, so a disabled DEBUG or TRACE statement on a hot
 * path costs one comparison. Messages are a sentence followed by key=value
 * pairs:
 *
 *     LTA_LOGE("Failed to open trace: path=\"%s\", error=\"%s\"", ...);
 *
 * Output goes to stderr (or syslog once the daemon asks for it). The level
 * comes from lta_log_set_level() or, at first use, from the environment
 * variable LTA_LOG_LEVEL (error, warn, info, debug, trace).
 */
#ifndef LTA_COMMON_LOG_H
#define LTA_COMMON_LOG_H

#include <stdbool.h>

enum lta_log_level {
	LTA_LOG_NONE = 0,
	LTA_LOG_ERROR = 1,
	LTA_LOG_WARN = 2,
	LTA_LOG_INFO = 3,
	LTA_LOG_DEBUG = 4,
	LTA_LOG_TRACE = 5,
};

/* Current threshold; read without a lock, written once at start-up. */
extern int lta_log_current_level;

/*
 * Sets the threshold. Any thread; meant to be called at start-up.
 */
void lta_log_set_level(enum lta_log_level level);

/*
 * Parses "error", "warn", "info", "debug", "trace" or "none". Returns the
 * level, or -1 when the name is unknown.
 */
int lta_log_level_from_name(const char *name);

/*
 * Sends messages to syslog (true) or stderr (false). Any thread.
 */
void lta_log_use_syslog(bool use_syslog, const char *ident);

/*
 * Writes one message. Use the macros instead. Any thread.
 */
void lta_log_write(enum lta_log_level level, const char *file, int line,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#define LTA_LOG(level, fmt, ...)                                        \
	do {                                                            \
		if ((level) <= lta_log_current_level) {                 \
			lta_log_write((level), __FILE__, __LINE__, fmt, \
				      ##__VA_ARGS__);                   \
		}                                                       \
	} while (0)

#define LTA_LOGE(fmt, ...) LTA_LOG(LTA_LOG_ERROR, fmt, ##__VA_ARGS__)
#define LTA_LOGW(fmt, ...) LTA_LOG(LTA_LOG_WARN, fmt, ##__VA_ARGS__)
#define LTA_LOGI(fmt, ...) LTA_LOG(LTA_LOG_INFO, fmt, ##__VA_ARGS__)
#define LTA_LOGD(fmt, ...) LTA_LOG(LTA_LOG_DEBUG, fmt, ##__VA_ARGS__)
#define LTA_LOGT(fmt, ...) LTA_LOG(LTA_LOG_TRACE, fmt, ##__VA_ARGS__)

#endif /* LTA_COMMON_LOG_H */
