/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The system-call name table: every listed name maps to itself, the list
 * stays sorted (the lookup is a binary search), unknown names are OTHER;
 * every event kind has a name.
 */
#include <string.h>

#include "event/event.h"
#include "event/syscall.h"
#include "tap.h"

int main(void)
{
	int i, roundtrip = 1, sorted = 1, named;

	plan_no_plan();
	for (i = LTA_SYSCALL_OTHER + 1; i < LTA_SYSCALL_COUNT; i++) {
		if (lta_syscall_from_name(lta_syscall_name(i)) != i) {
			roundtrip = 0;
			diag("%s does not map back", lta_syscall_name(i));
		}
		if (i > LTA_SYSCALL_OTHER + 1 &&
		    strcmp(lta_syscall_name(i - 1), lta_syscall_name(i)) >= 0) {
			sorted = 0;
			diag("%s is out of order", lta_syscall_name(i));
		}
	}
	ok(roundtrip, "every listed system call maps back to itself");
	ok(sorted, "the list is in strcmp order");
	is_int(lta_syscall_from_name("accept4"), LTA_SYSCALL_accept4,
	       "accept4");
	is_int(lta_syscall_from_name("getpid"), LTA_SYSCALL_OTHER,
	       "getpid is other");
	is_int(lta_syscall_from_name(NULL), LTA_SYSCALL_OTHER, "NULL is other");
	is_str(lta_syscall_name(LTA_SYSCALL_COUNT + 5), "unknown",
	       "out of range");
	is_str(lta_event_kind_name(LTA_EVENT_SYSCALL_EXIT), "syscall_exit",
	       "kind names");
	is_str(lta_event_kind_name(LTA_EVENT_SOCKNAME), "sockname",
	       "sockname kind");
	named = 1;
	for (i = 0; i < LTA_EVENT_KIND_COUNT; i++) {
		const char *name = lta_event_kind_name(i);

		if (!name || strcmp(name, "invalid") == 0) {
			named = 0;
			diag("kind %d has no name", i);
		}
	}
	ok(named, "every kind has a name");
	is_str(lta_event_kind_name(LTA_EVENT_KIND_COUNT), "invalid",
	       "past the kinds: invalid");
	return exit_status();
}
