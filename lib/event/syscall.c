/* SPDX-License-Identifier: GPL-2.0-only */
#include "syscall.h"

#include <stdlib.h>
#include <string.h>

static const char *const names[LTA_SYSCALL_COUNT] = {
	[LTA_SYSCALL_UNKNOWN] = "unknown",
	[LTA_SYSCALL_OTHER] = "other",
#define LTA_SYSCALL_NAME(name) [LTA_SYSCALL_##name] = #name,
	LTA_SYSCALL_LIST(LTA_SYSCALL_NAME)
#undef LTA_SYSCALL_NAME
};

static int compare_name(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

enum lta_syscall lta_syscall_from_name(const char *name)
{
	/* The list is kept in strcmp order so that this search works. */
	const char *const *first = &names[LTA_SYSCALL_OTHER + 1];
	size_t count = LTA_SYSCALL_COUNT - (LTA_SYSCALL_OTHER + 1);
	const char *const *found;

	if (!name) {
		return LTA_SYSCALL_OTHER;
	}
	found = bsearch(name, first, count, sizeof(*first), compare_name);
	if (!found) {
		return LTA_SYSCALL_OTHER;
	}
	return (enum lta_syscall)(found - names);
}

const char *lta_syscall_name(enum lta_syscall syscall)
{
	if ((unsigned)syscall >= LTA_SYSCALL_COUNT) {
		return "unknown";
	}
	return names[syscall];
}
