/* SPDX-License-Identifier: GPL-2.0-only */
#include "event.h"

#include <string.h>

const struct lta_arg *lta_event_find_arg(const struct lta_event *event,
					 const char *name)
{
	unsigned i;

	for (i = 0; i < event->nargs; i++) {
		if (event->args[i].name &&
		    strcmp(event->args[i].name, name) == 0) {
			return &event->args[i];
		}
	}
	return NULL;
}

bool lta_event_arg_int(const struct lta_event *event, int index, int64_t *value)
{
	const struct lta_arg *arg;

	if (index < 0 || index >= event->nargs) {
		return false;
	}
	arg = &event->args[index];
	switch (arg->type) {
	case LTA_ARG_SINT:
		*value = arg->v.s;
		return true;
	case LTA_ARG_UINT:
		*value = (int64_t)arg->v.u;
		return true;
	default:
		return false;
	}
}

static void borrow_str(struct lta_event_borrow *out, int *n, size_t *total,
		       const char **field)
{
	if (*field) {
		out[*n].ints = false;
		out[*n].field.str = field;
		out[*n].size = strlen(*field) + 1;
		*total += out[*n].size;
		(*n)++;
	}
}

int lta_event_borrows(struct lta_event *event,
		      struct lta_event_borrow out[LTA_EVENT_MAX_BORROWS],
		      size_t *total)
{
	int n = 0, i;

	*total = 0;
	for (i = 0; i < event->nargs; i++) {
		struct lta_arg *a = &event->args[i];

		if (a->type == LTA_ARG_INTS && a->len && a->v.ints) {
			out[n].ints = true;
			out[n].field.ints = &a->v.ints;
			out[n].size = a->len * sizeof(uint16_t);
			*total += out[n].size;
			n++;
		}
	}
	borrow_str(out, &n, total, &event->procname);
	switch (event->kind) {
	case LTA_EVENT_SCHED_SWITCH:
		borrow_str(out, &n, total, &event->u.sched_switch.next_comm);
		break;
	case LTA_EVENT_RBL_START:
	case LTA_EVENT_RBL_END:
		borrow_str(out, &n, total, &event->u.rbl.entity);
		borrow_str(out, &n, total, &event->u.rbl.name);
		break;
	case LTA_EVENT_STATEDUMP_FD:
		borrow_str(out, &n, total, &event->u.fd.filename);
		break;
	case LTA_EVENT_SCHED_WAKEUP:
	case LTA_EVENT_PROCESS_FORK:
	case LTA_EVENT_PROCESS_EXEC:
	case LTA_EVENT_PROCESS_EXIT:
	case LTA_EVENT_PROCESS_FREE:
	case LTA_EVENT_STATEDUMP_PROCESS:
		borrow_str(out, &n, total, &event->u.process.name);
		break;
	default:
		/*
		 * No member of u: system calls, sockname and other events
		 * carry their strings in args, below.
		 */
		break;
	}
	for (i = 0; i < event->nargs; i++) {
		if (event->args[i].type == LTA_ARG_STRING) {
			borrow_str(out, &n, total, &event->args[i].v.str);
		}
	}
	return n;
}

const char *lta_event_kind_name(enum lta_event_kind kind)
{
	static const char *const kind_names[LTA_EVENT_KIND_COUNT] = {
		[LTA_EVENT_OTHER] = "other",
		[LTA_EVENT_SYSCALL_ENTRY] = "syscall_entry",
		[LTA_EVENT_SYSCALL_EXIT] = "syscall_exit",
		[LTA_EVENT_SCHED_SWITCH] = "sched_switch",
		[LTA_EVENT_PROCESS_FORK] = "process_fork",
		[LTA_EVENT_PROCESS_EXEC] = "process_exec",
		[LTA_EVENT_PROCESS_EXIT] = "process_exit",
		[LTA_EVENT_PROCESS_FREE] = "process_free",
		[LTA_EVENT_STATEDUMP_PROCESS] = "statedump_process",
		[LTA_EVENT_SCHED_WAKEUP] = "sched_wakeup",
		[LTA_EVENT_STATEDUMP_FD] = "statedump_fd",
		[LTA_EVENT_RBL_START] = "rbl_start",
		[LTA_EVENT_RBL_END] = "rbl_end",
		[LTA_EVENT_SOCKNAME] = "sockname",
	};

	if ((unsigned)kind >= LTA_EVENT_KIND_COUNT) {
		return "invalid";
	}
	return kind_names[kind];
}
