/* SPDX-License-Identifier: GPL-2.0-only */
#include "tap.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int planned = -1;
static int current;
static int failed;

void plan_tests(int count)
{
	planned = count;
	printf("1..%d\n", count);
	fflush(stdout);
}

void plan_no_plan(void)
{
	planned = 0;
}

void skip_all(const char *reason)
{
	printf("1..0 # SKIP %s\n", reason);
	fflush(stdout);
	exit(0);
}

void skip(int count, const char *reason)
{
	int i;

	for (i = 0; i < count; i++) {
		printf("ok %d # SKIP %s\n", ++current, reason);
	}
	fflush(stdout);
}

static bool report(bool cond, const char *file, int line, const char *fmt,
		   va_list ap)
{
	current++;
	printf("%sok %d - ", cond ? "" : "not ", current);
	vprintf(fmt, ap);
	printf("\n");
	if (!cond) {
		failed++;
		printf("#   Failed test at %s:%d\n", file, line);
	}
	fflush(stdout);
	return cond;
}

bool ok_at(bool cond, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	bool ret;

	va_start(ap, fmt);
	ret = report(cond, file, line, fmt, ap);
	va_end(ap);
	return ret;
}

bool is_int_at(int64_t got, int64_t want, const char *file, int line,
	       const char *fmt, ...)
{
	va_list ap;
	bool ret;

	va_start(ap, fmt);
	ret = report(got == want, file, line, fmt, ap);
	va_end(ap);
	if (!ret) {
		printf("#          got: %lld\n#     expected: %lld\n",
		       (long long)got, (long long)want);
	}
	return ret;
}

bool is_str_at(const char *got, const char *want, const char *file, int line,
	       const char *fmt, ...)
{
	va_list ap;
	bool same;

	same = (got == NULL && want == NULL) ||
	       (got != NULL && want != NULL && strcmp(got, want) == 0);
	va_start(ap, fmt);
	report(same, file, line, fmt, ap);
	va_end(ap);
	if (!same) {
		printf("#          got: \"%s\"\n#     expected: \"%s\"\n",
		       got ? got : "(null)", want ? want : "(null)");
	}
	return same;
}

void diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

int exit_status(void)
{
	if (planned == 0) {
		printf("1..%d\n", current);
	} else if (planned > 0 && current != planned) {
		printf("# planned %d tests but ran %d\n", planned, current);
		return 1;
	}
	fflush(stdout);
	return failed ? 1 : 0;
}
