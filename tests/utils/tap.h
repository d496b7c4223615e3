/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A small TAP producer for the C tests, read by automake's tap-driver.sh.
 *
 *     plan_tests(3);
 *     ok(x == 1, "x is one");
 *     is_int(y, 42, "y is the answer");
 *     return exit_status();
 *
 * Every check prints "ok N - description" or "not ok N - description" with
 * the values that differed as a TAP diagnostic. skip_all() prints the
 * "1..0 # SKIP reason" plan of a test that cannot run on this machine.
 */
#ifndef LTA_TESTS_TAP_H
#define LTA_TESTS_TAP_H

#include <stdbool.h>
#include <stdint.h>

void plan_tests(int count);
void plan_no_plan(void);
void skip_all(const char *reason) __attribute__((noreturn));
void skip(int count, const char *reason);
bool ok_at(bool cond, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
bool is_int_at(int64_t got, int64_t want, const char *file, int line,
	       const char *fmt, ...) __attribute__((format(printf, 5, 6)));
bool is_str_at(const char *got, const char *want, const char *file, int line,
	       const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int exit_status(void);

#define ok(cond, ...) ok_at(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define is_int(got, want, ...)                                         \
	is_int_at((int64_t)(got), (int64_t)(want), __FILE__, __LINE__, \
		  __VA_ARGS__)
#define is_str(got, want, ...) \
	is_str_at(got, want, __FILE__, __LINE__, __VA_ARGS__)

#endif /* LTA_TESTS_TAP_H */
