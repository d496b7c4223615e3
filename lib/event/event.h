/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The normalized event: what every analysis sees.
 *
 * The decode module turns each babeltrace2 message into one struct lta_event
 * whatever produced it: lttng-modules' syscall_entry_X/syscall_exit_X (2.5
 * and later), the 2.4-era sys_X/exit_syscall names, our user-space
 * system-call tracer (lttng_analyzer_syscall:entry_X/exit_X, and its
 * sockname event), sched and statedump events, and any other event, which
 * keeps its name and fields.
 * The tasks module then fills in who ran it (pid, tid, process name) when the
 * trace has no per-event context, and pairs system-call exits with their
 * entries. Analyses (segment, agent, window, stats) read only this struct
 * and never include babeltrace2.
 *
 * An event is borrowed: strings point into decoder or tasks state and stay
 * valid only until the next event is decoded, except name and syscall_name,
 * which the source interns: they live as long as the source, and two events
 * with equal names carry the same pointer (analyses key tables by it).
 */
#ifndef LTA_EVENT_EVENT_H
#define LTA_EVENT_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "syscall.h"

#define LTA_EVENT_MAX_ARGS 16
#define LTA_ARG_INTS_MAX 16

enum lta_event_kind {
	LTA_EVENT_OTHER = 0, /* Any event we do not interpret. */
	LTA_EVENT_SYSCALL_ENTRY,
	LTA_EVENT_SYSCALL_EXIT,
	LTA_EVENT_SCHED_SWITCH,
	LTA_EVENT_PROCESS_FORK,	     /* sched_process_fork */
	LTA_EVENT_PROCESS_EXEC,	     /* sched_process_exec */
	LTA_EVENT_PROCESS_EXIT,	     /* sched_process_exit (one thread) */
	LTA_EVENT_PROCESS_FREE,	     /* sched_process_free */
	LTA_EVENT_STATEDUMP_PROCESS, /* lttng_statedump_process_state */
	LTA_EVENT_SCHED_WAKEUP,	     /* sched_wakeup, sched_wakeup_new */
	LTA_EVENT_STATEDUMP_FD,	     /* lttng_statedump_file_descriptor */
	LTA_EVENT_RBL_START,	     /* lttng_analyzer_rbl:sst, :ist */
	LTA_EVENT_RBL_END,	     /* lttng_analyzer_rbl:sen, :ien */
	/*
	 * lttng_analyzer_syscall:sockname: the local address of a socket
	 * just connected or accepted, in args (fd_arg is its "fd"):
	 * family, lport, v4addr, v6addr, local_path, peer_path, peer_pid.
	 */
	LTA_EVENT_SOCKNAME,
	LTA_EVENT_KIND_COUNT,
};

enum lta_arg_type {
	LTA_ARG_NONE = 0, /* A field type we do not decode (compound). */
	LTA_ARG_SINT,
	LTA_ARG_UINT,
	LTA_ARG_STRING,
	LTA_ARG_INTS, /* Array of integers of at most 16 bits (addresses). */
	LTA_ARG_REAL,
};

struct lta_arg {
	const char *name; /* Interned by the source. */
	enum lta_arg_type type;
	uint8_t len; /* LTA_ARG_INTS: element count (at most 16 kept). */
	union {
		int64_t s;
		uint64_t u;
		double real;
		const char *str; /* Borrowed; valid for this event. */
		/*
		 * Borrowed, LEN elements; valid for this event. Out of line,
		 * so that an argument is 24 bytes, not 48: events are copied
		 * whole into the decoding lanes' batches.
		 */
		const uint16_t *ints;
	} v;
};

/*
 * Fields only some kinds carry, filled by the decoder. Which member is set
 * depends on the kind.
 */
struct lta_sched_switch {
	int32_t prev_tid;
	int32_t next_tid;
	int64_t prev_state;
	const char *next_comm; /* Borrowed. */
};

struct lta_process_event {
	int32_t tid;	    /* The thread concerned (child for a fork). */
	int32_t pid;	    /* Its process (thread group id); -1 unknown. */
	int32_t parent_tid; /* fork only; -1 otherwise. */
	int32_t parent_pid; /* fork and statedump; -1 unknown. */
	const char *name;   /* Borrowed: comm, child_comm, filename. */
};

/* A descriptor a process had open when the trace started (statedump). */
struct lta_fd_event {
	int32_t pid;
	int32_t fd;
	const char *filename; /* Borrowed: "/path", "socket:[123]", ... */
};

/* A rule-based logging point (<lttng-analyzer/rbl.h>). */
struct lta_rbl_event {
	bool interaction;   /* ist/ien; else a service (sst/sen). */
	const char *entity; /* Borrowed. */
	const char *name;   /* Borrowed. */
	uint64_t key;
};

struct lta_event {
	/*
	 * Members by size, without padding: the decoding lanes copy every
	 * event's header (up to args) into their batches.
	 */
	int64_t ts;	      /* Nanoseconds since the Unix epoch. */
	int64_t entry_ts;     /* System call exit: its entry's, or -1. */
	const char *procname; /* Borrowed; NULL when unknown. */
	const char *name;     /* Event class name, interned by the source. */
	const char *syscall_name; /* Interned; NULL for 2.4 exits. */
	int32_t cpu;		  /* -1 when the trace does not say. */
	int32_t pid;		  /* Process id (vpid for user space); -1. */
	int32_t tid;		  /* Thread id (vtid for user space); -1. */
	uint32_t trace;		  /* Index of the trace in the source. */
	enum lta_event_kind kind;
	enum lta_syscall syscall; /* LTA_SYSCALL_UNKNOWN if not known. */
	int8_t fd_arg;		  /* Index in args of "fd", or -1. */
	int8_t ret_arg;		  /* Index in args of "ret", or -1. */
	uint8_t nargs;
	bool args_truncated; /* More payload fields than the array. */

	union {
		struct lta_sched_switch sched_switch;
		/* Process events; sched_wakeup sets tid only. */
		struct lta_process_event process;
		struct lta_fd_event fd;
		struct lta_rbl_event rbl;
	} u;

	struct lta_arg args[LTA_EVENT_MAX_ARGS];
};

/*
 * Returns the argument named NAME, or NULL. Linear in the argument count:
 * fine for tests and tools, analyses on the hot path use the cached indices
 * (fd_arg, ret_arg). Any thread.
 */
const struct lta_arg *lta_event_find_arg(const struct lta_event *event,
					 const char *name);

/*
 * Reads an integer argument as int64_t. Returns false when the argument is
 * absent or not an integer. Any thread.
 */
bool lta_event_arg_int(const struct lta_event *event, int index,
		       int64_t *value);

/* What an event borrows from its decoder: a string or an integer array. */
struct lta_event_borrow {
	bool ints; /* field.ints; else field.str. */
	union {
		const char **str;
		const uint16_t **ints;
	} field;     /* The member of the event that points to it. */
	size_t size; /* Its bytes (a string's with its NUL). */
};

/* At most how many things an event borrows (lta_event_borrows()). */
#define LTA_EVENT_MAX_BORROWS (3 + LTA_EVENT_MAX_ARGS)

/*
 * Fills OUT with what EVENT borrows, by its kind: its integer arrays
 * first (so that, copied one after the other from an 8-byte boundary,
 * they stay aligned), then procname, the strings of its union member and
 * its string arguments (NULL ones left out). Returns how many (at most
 * LTA_EVENT_MAX_BORROWS); *TOTAL is their size: what a copy of the event
 * must copy too. Any thread.
 */
int lta_event_borrows(struct lta_event *event,
		      struct lta_event_borrow out[LTA_EVENT_MAX_BORROWS],
		      size_t *total);

/*
 * Returns a static name for an event kind ("syscall_entry", ...).
 */
const char *lta_event_kind_name(enum lta_event_kind kind);

#endif /* LTA_EVENT_EVENT_H */
