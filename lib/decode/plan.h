/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Event-class plans: everything the decoder needs to know about an event
 * class, resolved once from its babeltrace2 field classes, so that each
 * event is then read by member index. Internal to the decode module.
 */
#ifndef LTA_DECODE_PLAN_H
#define LTA_DECODE_PLAN_H

#include <babeltrace2/babeltrace.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/intern.h"
#include "event/event.h"

/* How one payload member is read. */
enum lta_plan_read {
	PLAN_READ_SKIP = 0, /* Compound or unsupported: name only. */
	PLAN_READ_SINT,
	PLAN_READ_UINT,
	PLAN_READ_BOOL,
	PLAN_READ_STRING,
	PLAN_READ_REAL,
	PLAN_READ_INTS, /* Array of integers of at most 16 bits. */
};

struct lta_plan_field {
	uint32_t index; /* Member index in the payload structure. */
	enum lta_plan_read read;
	const char *name; /* Interned: lives as long as the source. */
};

/* Payload members that the decoder interprets, by role (-1: absent). */
/*
 * Members by index, -1 when absent; an integer member's index carries a
 * flag when it is unsigned (plan.c reads it: not a plain index).
 */
struct lta_plan_roles {
	int prev_tid, next_tid, prev_state, next_comm; /* sched_switch */
	int tid, pid, parent_tid, parent_pid, name;    /* process events */
	int fd;					       /* statedump fd */
	int key, entity;			       /* rbl */
	bool interaction;			       /* rbl */
};

struct lta_plan {
	const bt_event_class *event_class; /* Borrowed: the key. */
	const char *name;		   /* Interned. */
	enum lta_event_kind kind;
	enum lta_syscall syscall;
	const char *syscall_name; /* Interned, or NULL. */
	uint32_t trace;

	bool has_clock;
	/* Packet context member holding the CPU number, or -1 (as roles). */
	int cpu_member;
	/* Common context members, or -1 (as roles). */
	int ctx_pid, ctx_tid, ctx_procname;

	struct lta_plan_roles roles;
	int fd_field;  /* Index in fields of "fd", or -1. */
	int ret_field; /* Index in fields of "ret", or -1. */

	uint32_t field_count; /* Decoded into lta_event.args. */
	bool fields_truncated;
	struct lta_plan_field fields[LTA_EVENT_MAX_ARGS];
};

/*
 * Builds the plan of EVENT_CLASS, of the trace numbered TRACE; its names
 * come from NAMES, so that equal names share a pointer. Returns NULL when
 * out of memory. Any field layout is
 * accepted: a member the decoder wants but cannot read is simply absent.
 */
struct lta_plan *lta_plan_create(const bt_event_class *event_class,
				 uint32_t trace, struct lta_intern *names);

void lta_plan_destroy(struct lta_plan *plan);

/*
 * What the decoder keeps from one event to the next: what is read once per
 * packet, the CPU of its context (valid while the packet is the same
 * object; lta_plan_packet_begins() forgets it, for a packet object may be
 * reused for the next packet of its stream), and the room the integer
 * array arguments of the last event decoded point to.
 */
struct lta_plan_state {
	const bt_packet *packet;
	int32_t cpu;
	uint16_t ints[LTA_EVENT_MAX_ARGS][LTA_ARG_INTS_MAX];
};

static inline void lta_plan_packet_begins(struct lta_plan_state *state)
{
	state->packet = NULL;
}

/*
 * Decodes EVENT with PLAN into OUT (every member overwritten). With
 * DECODE_ARGS false, only the fields the decoder interprets are read.
 * STATE caches what its packet context says and holds its integer arrays
 * (OUT borrows them until the next event decoded with STATE).
 */
void lta_plan_decode(const struct lta_plan *plan, const bt_event *event,
		     bool decode_args, struct lta_plan_state *state,
		     struct lta_event *out);

#endif /* LTA_DECODE_PLAN_H */
