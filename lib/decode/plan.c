/* SPDX-License-Identifier: GPL-2.0-only */
#include "plan.h"

#include <stdlib.h>
#include <string.h>

#include "common/log.h"

/* Babeltrace's CTF reader may keep the underscore that escapes a name. */
static bool name_is(const char *member, const char *want)
{
	if (member[0] == '_' && strcmp(member + 1, want) == 0) {
		return true;
	}
	return strcmp(member, want) == 0;
}

static int find_member(const bt_field_class *structure, const char *name)
{
	uint64_t i, count;

	if (!structure || bt_field_class_get_type(structure) !=
				  BT_FIELD_CLASS_TYPE_STRUCTURE) {
		return -1;
	}
	count = bt_field_class_structure_get_member_count(structure);
	for (i = 0; i < count; i++) {
		const bt_field_class_structure_member *m =
			bt_field_class_structure_borrow_member_by_index_const(
				structure, i);

		if (name_is(bt_field_class_structure_member_get_name(m),
			    name)) {
			return (int)i;
		}
	}
	return -1;
}

static const bt_field_class *member_class(const bt_field_class *structure,
					  int index)
{
	const bt_field_class_structure_member *m;

	m = bt_field_class_structure_borrow_member_by_index_const(structure,
								  index);
	return bt_field_class_structure_member_borrow_field_class_const(m);
}

static enum lta_plan_read read_of(const bt_field_class *fc)
{
	bt_field_class_type type = bt_field_class_get_type(fc);

	if (bt_field_class_type_is(type, BT_FIELD_CLASS_TYPE_SIGNED_INTEGER)) {
		return PLAN_READ_SINT;
	}
	if (bt_field_class_type_is(type,
				   BT_FIELD_CLASS_TYPE_UNSIGNED_INTEGER)) {
		return PLAN_READ_UINT;
	}
	if (type == BT_FIELD_CLASS_TYPE_BOOL) {
		return PLAN_READ_BOOL;
	}
	if (type == BT_FIELD_CLASS_TYPE_STRING) {
		return PLAN_READ_STRING;
	}
	if (bt_field_class_type_is(type, BT_FIELD_CLASS_TYPE_REAL)) {
		return PLAN_READ_REAL;
	}
	if (bt_field_class_type_is(type, BT_FIELD_CLASS_TYPE_ARRAY)) {
		const bt_field_class *elem =
			bt_field_class_array_borrow_element_field_class_const(
				fc);
		bt_field_class_type et = bt_field_class_get_type(elem);

		if (bt_field_class_type_is(et, BT_FIELD_CLASS_TYPE_INTEGER) &&
		    bt_field_class_integer_get_field_value_range(elem) <= 16) {
			return PLAN_READ_INTS;
		}
	}
	return PLAN_READ_SKIP;
}

/*
 * An integer member's reference, as read_int() takes it: its index, with
 * PLAN_INT_UNSIGNED when it is unsigned (known once per class, not asked
 * of every field); -1 when absent or not an integer.
 */
#define PLAN_INT_UNSIGNED (1 << 24)

static int find_int_member(const bt_field_class *structure, const char *name)
{
	int i = find_member(structure, name);

	if (i < 0) {
		return -1;
	}
	switch (read_of(member_class(structure, i))) {
	case PLAN_READ_SINT:
		return i;
	case PLAN_READ_UINT:
		return i | PLAN_INT_UNSIGNED;
	default:
		return -1;
	}
}

static int find_string_member(const bt_field_class *structure, const char *name)
{
	int i = find_member(structure, name);

	if (i < 0 || read_of(member_class(structure, i)) != PLAN_READ_STRING) {
		return -1;
	}
	return i;
}

/*
 * Sets kind and syscall from the event name. Kernel names:
 * syscall_entry_X, syscall_exit_X, compat_syscall_entry_X (32-bit tasks),
 * the 2.4-era sys_X and exit_syscall; our user-space tracer:
 * lttng_analyzer_syscall:entry_X and :exit_X, and its sockname event
 * (named exactly: it is no system call).
 */
static int classify(struct lta_plan *plan, struct lta_intern *names)
{
	static const struct {
		const char *prefix;
		enum lta_event_kind kind;
	} syscall_prefixes[] = {
		{ "syscall_entry_", LTA_EVENT_SYSCALL_ENTRY },
		{ "syscall_exit_", LTA_EVENT_SYSCALL_EXIT },
		{ "compat_syscall_entry_", LTA_EVENT_SYSCALL_ENTRY },
		{ "compat_syscall_exit_", LTA_EVENT_SYSCALL_EXIT },
		{ "lttng_analyzer_syscall:entry_", LTA_EVENT_SYSCALL_ENTRY },
		{ "lttng_analyzer_syscall:exit_", LTA_EVENT_SYSCALL_EXIT },
		{ "sys_", LTA_EVENT_SYSCALL_ENTRY },
	};
	static const struct {
		const char *name;
		enum lta_event_kind kind;
	} exact[] = {
		{ "sched_switch", LTA_EVENT_SCHED_SWITCH },
		{ "sched_process_fork", LTA_EVENT_PROCESS_FORK },
		{ "sched_process_exec", LTA_EVENT_PROCESS_EXEC },
		{ "sched_process_exit", LTA_EVENT_PROCESS_EXIT },
		{ "sched_process_free", LTA_EVENT_PROCESS_FREE },
		{ "lttng_statedump_process_state",
		  LTA_EVENT_STATEDUMP_PROCESS },
		{ "sched_wakeup", LTA_EVENT_SCHED_WAKEUP },
		{ "sched_wakeup_new", LTA_EVENT_SCHED_WAKEUP },
		{ "lttng_statedump_file_descriptor", LTA_EVENT_STATEDUMP_FD },
		{ "lttng_analyzer_rbl:sst", LTA_EVENT_RBL_START },
		{ "lttng_analyzer_rbl:sen", LTA_EVENT_RBL_END },
		{ "lttng_analyzer_rbl:ist", LTA_EVENT_RBL_START },
		{ "lttng_analyzer_rbl:ien", LTA_EVENT_RBL_END },
		{ "lttng_analyzer_syscall:sockname", LTA_EVENT_SOCKNAME },
	};
	const char *name = plan->name;
	size_t i;

	plan->kind = LTA_EVENT_OTHER;
	plan->syscall = LTA_SYSCALL_UNKNOWN;
	plan->syscall_name = NULL;

	if (strcmp(name, "exit_syscall") == 0) {
		/* 2.4 era: the exit does not say which call; tasks pairs it. */
		plan->kind = LTA_EVENT_SYSCALL_EXIT;
		return 0;
	}
	for (i = 0; i < sizeof(exact) / sizeof(exact[0]); i++) {
		if (strcmp(name, exact[i].name) == 0) {
			plan->kind = exact[i].kind;
			return 0;
		}
	}
	for (i = 0; i < sizeof(syscall_prefixes) / sizeof(syscall_prefixes[0]);
	     i++) {
		size_t len = strlen(syscall_prefixes[i].prefix);

		if (strncmp(name, syscall_prefixes[i].prefix, len) == 0 &&
		    name[len] != '\0') {
			plan->kind = syscall_prefixes[i].kind;
			plan->syscall_name = lta_intern_get(names, name + len);
			if (!plan->syscall_name) {
				return -1;
			}
			plan->syscall =
				lta_syscall_from_name(plan->syscall_name);
			return 0;
		}
	}
	return 0;
}

static void resolve_roles(struct lta_plan *plan, const bt_field_class *payload)
{
	struct lta_plan_roles *r = &plan->roles;

	r->prev_tid = r->next_tid = r->prev_state = r->next_comm = -1;
	r->tid = r->pid = r->parent_tid = r->parent_pid = r->name = -1;
	r->fd = -1;
	r->key = r->entity = -1;
	r->interaction = strncmp(plan->name, "lttng_analyzer_rbl:i", 20) == 0;

	switch (plan->kind) {
	case LTA_EVENT_SCHED_SWITCH:
		r->prev_tid = find_int_member(payload, "prev_tid");
		r->next_tid = find_int_member(payload, "next_tid");
		r->prev_state = find_int_member(payload, "prev_state");
		r->next_comm = find_string_member(payload, "next_comm");
		break;
	case LTA_EVENT_PROCESS_FORK:
		r->parent_tid = find_int_member(payload, "parent_tid");
		r->parent_pid = find_int_member(payload, "parent_pid");
		r->tid = find_int_member(payload, "child_tid");
		r->pid = find_int_member(payload, "child_pid");
		r->name = find_string_member(payload, "child_comm");
		break;
	case LTA_EVENT_PROCESS_EXEC:
		r->tid = find_int_member(payload, "tid");
		r->name = find_string_member(payload, "filename");
		break;
	case LTA_EVENT_PROCESS_EXIT:
	case LTA_EVENT_PROCESS_FREE:
		r->tid = find_int_member(payload, "tid");
		r->name = find_string_member(payload, "comm");
		break;
	case LTA_EVENT_SCHED_WAKEUP:
		r->tid = find_int_member(payload, "tid");
		break;
	case LTA_EVENT_RBL_START:
	case LTA_EVENT_RBL_END:
		r->entity = find_string_member(payload, "entity");
		r->name = find_string_member(payload, "name");
		r->key = find_int_member(payload, "key");
		break;
	case LTA_EVENT_STATEDUMP_FD:
		r->pid = find_int_member(payload, "pid");
		r->fd = find_int_member(payload, "fd");
		r->name = find_string_member(payload, "filename");
		break;
	case LTA_EVENT_STATEDUMP_PROCESS:
		r->tid = find_int_member(payload, "tid");
		r->pid = find_int_member(payload, "pid");
		r->parent_pid = find_int_member(payload, "ppid");
		r->name = find_string_member(payload, "name");
		break;
	default:
		break;
	}
}

static int resolve_fields(struct lta_plan *plan, const bt_field_class *payload,
			  struct lta_intern *names)
{
	uint64_t i, count;

	plan->field_count = 0;
	plan->fd_field = -1;
	plan->ret_field = -1;
	if (!payload ||
	    bt_field_class_get_type(payload) != BT_FIELD_CLASS_TYPE_STRUCTURE) {
		return 0;
	}
	count = bt_field_class_structure_get_member_count(payload);
	for (i = 0; i < count; i++) {
		const bt_field_class_structure_member *m =
			bt_field_class_structure_borrow_member_by_index_const(
				payload, i);
		struct lta_plan_field *f;

		if (plan->field_count == LTA_EVENT_MAX_ARGS) {
			plan->fields_truncated = true;
			break;
		}
		f = &plan->fields[plan->field_count];
		f->index = (uint32_t)i;
		/*
		 * Interned: requests keep argument names after the trace
		 * class is gone (a live session ends, a graph is rebuilt).
		 */
		f->name = lta_intern_get(
			names, bt_field_class_structure_member_get_name(m));
		if (!f->name) {
			return -1;
		}
		f->read = read_of(
			bt_field_class_structure_member_borrow_field_class_const(
				m));
		if (f->read == PLAN_READ_SINT || f->read == PLAN_READ_UINT) {
			if (plan->fd_field < 0 && name_is(f->name, "fd")) {
				plan->fd_field = (int)plan->field_count;
			} else if (plan->ret_field < 0 &&
				   name_is(f->name, "ret")) {
				plan->ret_field = (int)plan->field_count;
			}
		}
		plan->field_count++;
	}
	return 0;
}

struct lta_plan *lta_plan_create(const bt_event_class *event_class,
				 uint32_t trace, struct lta_intern *names)
{
	const bt_stream_class *stream_class;
	const bt_field_class *payload, *common, *packet;
	const char *name = bt_event_class_get_name(event_class);
	struct lta_plan *plan;

	plan = calloc(1, sizeof(*plan));
	if (!plan) {
		goto error;
	}
	plan->name = lta_intern_get(names, name ? name : "(unnamed)");
	if (!plan->name) {
		goto error;
	}
	plan->event_class = event_class;
	plan->trace = trace;
	if (classify(plan, names)) {
		goto error;
	}

	stream_class = bt_event_class_borrow_stream_class_const(event_class);
	plan->has_clock = bt_stream_class_borrow_default_clock_class_const(
				  stream_class) != NULL;
	packet = bt_stream_class_borrow_packet_context_field_class_const(
		stream_class);
	plan->cpu_member = find_int_member(packet, "cpu_id");

	/*
	 * Kernel traces name the contexts pid/tid/procname, user-space ones
	 * vpid/vtid/procname; a kernel trace may carry both, and the real
	 * ids are preferred then.
	 */
	common = bt_stream_class_borrow_event_common_context_field_class_const(
		stream_class);
	plan->ctx_pid = find_int_member(common, "pid");
	if (plan->ctx_pid < 0) {
		plan->ctx_pid = find_int_member(common, "vpid");
	}
	plan->ctx_tid = find_int_member(common, "tid");
	if (plan->ctx_tid < 0) {
		plan->ctx_tid = find_int_member(common, "vtid");
	}
	plan->ctx_procname = find_string_member(common, "procname");

	payload = bt_event_class_borrow_payload_field_class_const(event_class);
	resolve_roles(plan, payload);
	if (resolve_fields(plan, payload, names)) {
		goto error;
	}
	LTA_LOGD("Resolved event class: name=\"%s\", kind=%s, syscall=\"%s\", "
		 "fields=%u, cpu-member=%d, ctx-pid=%d, ctx-tid=%d",
		 plan->name, lta_event_kind_name(plan->kind),
		 plan->syscall_name ? plan->syscall_name : "",
		 plan->field_count, plan->cpu_member, plan->ctx_pid,
		 plan->ctx_tid);
	return plan;

error:
	lta_plan_destroy(plan);
	return NULL;
}

void lta_plan_destroy(struct lta_plan *plan)
{
	if (!plan) {
		return;
	}
	free(plan);
}

static inline const bt_field *member(const bt_field *structure, int index)
{
	return bt_field_structure_borrow_member_field_by_index_const(
		structure, (uint64_t)index);
}

/* The integer member REF (find_int_member()) of STRUCTURE, or ABSENT. */
static inline int64_t read_int(const bt_field *structure, int ref,
			       int64_t absent)
{
	if (ref < 0 || !structure) {
		return absent;
	}
	if (ref & PLAN_INT_UNSIGNED) {
		return (int64_t)bt_field_integer_unsigned_get_value(
			member(structure, ref & ~PLAN_INT_UNSIGNED));
	}
	return bt_field_integer_signed_get_value(member(structure, ref));
}

/*
 * The value of a string field. babeltrace2 before 2.0.5 (Debian 12 ships
 * 2.0.4) empties a string field by its length only: an empty string read
 * into an event object that a previous event of its class left in the
 * pool reads as that event's value. The length is right: trust it.
 */
static inline const char *string_value(const bt_field *field)
{
	if (bt_field_string_get_length(field) == 0) {
		return "";
	}
	return bt_field_string_get_value(field);
}

static inline const char *read_string(const bt_field *structure, int index)
{
	if (index < 0 || !structure) {
		return NULL;
	}
	return string_value(member(structure, index));
}

static void decode_arg(const struct lta_plan_field *pf, const bt_field *field,
		       uint16_t *ints, struct lta_arg *arg)
{
	uint64_t i, len;

	arg->name = pf->name;
	arg->len = 0;
	switch (pf->read) {
	case PLAN_READ_SINT:
		arg->type = LTA_ARG_SINT;
		arg->v.s = bt_field_integer_signed_get_value(field);
		break;
	case PLAN_READ_UINT:
		arg->type = LTA_ARG_UINT;
		arg->v.u = bt_field_integer_unsigned_get_value(field);
		break;
	case PLAN_READ_BOOL:
		arg->type = LTA_ARG_UINT;
		arg->v.u = bt_field_bool_get_value(field) ? 1 : 0;
		break;
	case PLAN_READ_STRING:
		arg->type = LTA_ARG_STRING;
		arg->v.str = string_value(field);
		break;
	case PLAN_READ_REAL:
		arg->type = LTA_ARG_REAL;
		if (bt_field_get_class_type(field) ==
		    BT_FIELD_CLASS_TYPE_SINGLE_PRECISION_REAL) {
			arg->v.real =
				bt_field_real_single_precision_get_value(field);
		} else {
			arg->v.real =
				bt_field_real_double_precision_get_value(field);
		}
		break;
	case PLAN_READ_INTS:
		arg->type = LTA_ARG_INTS;
		len = bt_field_array_get_length(field);
		if (len > LTA_ARG_INTS_MAX) {
			len = LTA_ARG_INTS_MAX;
		}
		for (i = 0; i < len; i++) {
			const bt_field *e =
				bt_field_array_borrow_element_field_by_index_const(
					field, i);

			if (bt_field_class_type_is(
				    bt_field_get_class_type(e),
				    BT_FIELD_CLASS_TYPE_SIGNED_INTEGER)) {
				ints[i] = (uint16_t)
					bt_field_integer_signed_get_value(e);
			} else {
				ints[i] = (uint16_t)
					bt_field_integer_unsigned_get_value(e);
			}
		}
		arg->v.ints = ints;
		arg->len = (uint8_t)len;
		break;
	case PLAN_READ_SKIP:
	default:
		arg->type = LTA_ARG_NONE;
		break;
	}
}

void lta_plan_decode(const struct lta_plan *plan, const bt_event *event,
		     bool decode_args, struct lta_plan_state *cache,
		     struct lta_event *out)
{
	const bt_field *payload = bt_event_borrow_payload_field_const(event);
	const struct lta_plan_roles *r = &plan->roles;

	out->name = plan->name;
	out->kind = plan->kind;
	out->trace = plan->trace;
	out->syscall = plan->syscall;
	out->syscall_name = plan->syscall_name;
	out->entry_ts = -1;
	out->cpu = -1;
	out->pid = -1;
	out->tid = -1;
	out->procname = NULL;

	if (plan->cpu_member >= 0) {
		const bt_packet *packet = bt_event_borrow_packet_const(event);

		if (packet && packet == cache->packet) {
			out->cpu = cache->cpu;
		} else if (packet) {
			out->cpu = (int32_t)read_int(
				bt_packet_borrow_context_field_const(packet),
				plan->cpu_member, -1);
			cache->packet = packet;
			cache->cpu = out->cpu;
		}
	}
	if (plan->ctx_pid >= 0 || plan->ctx_tid >= 0 ||
	    plan->ctx_procname >= 0) {
		const bt_field *ctx =
			bt_event_borrow_common_context_field_const(event);

		out->pid = (int32_t)read_int(ctx, plan->ctx_pid, -1);
		out->tid = (int32_t)read_int(ctx, plan->ctx_tid, -1);
		out->procname = read_string(ctx, plan->ctx_procname);
	}

	switch (plan->kind) {
	case LTA_EVENT_SCHED_SWITCH:
		out->u.sched_switch.prev_tid =
			(int32_t)read_int(payload, r->prev_tid, -1);
		out->u.sched_switch.next_tid =
			(int32_t)read_int(payload, r->next_tid, -1);
		out->u.sched_switch.prev_state =
			read_int(payload, r->prev_state, -1);
		out->u.sched_switch.next_comm =
			read_string(payload, r->next_comm);
		break;
	case LTA_EVENT_RBL_START:
	case LTA_EVENT_RBL_END:
		out->u.rbl.interaction = r->interaction;
		out->u.rbl.entity = read_string(payload, r->entity);
		out->u.rbl.name = read_string(payload, r->name);
		out->u.rbl.key = (uint64_t)read_int(payload, r->key, 0);
		break;
	case LTA_EVENT_STATEDUMP_FD:
		out->u.fd.pid = (int32_t)read_int(payload, r->pid, -1);
		out->u.fd.fd = (int32_t)read_int(payload, r->fd, -1);
		out->u.fd.filename = read_string(payload, r->name);
		break;
	case LTA_EVENT_SCHED_WAKEUP:
	case LTA_EVENT_PROCESS_FORK:
	case LTA_EVENT_PROCESS_EXEC:
	case LTA_EVENT_PROCESS_EXIT:
	case LTA_EVENT_PROCESS_FREE:
	case LTA_EVENT_STATEDUMP_PROCESS:
		out->u.process.tid = (int32_t)read_int(payload, r->tid, -1);
		out->u.process.pid = (int32_t)read_int(payload, r->pid, -1);
		out->u.process.parent_tid =
			(int32_t)read_int(payload, r->parent_tid, -1);
		out->u.process.parent_pid =
			(int32_t)read_int(payload, r->parent_pid, -1);
		out->u.process.name = read_string(payload, r->name);
		break;
	default:
		/* No member: nothing left over from an earlier event. */
		memset(&out->u, 0, sizeof(out->u));
		break;
	}

	out->nargs = 0;
	out->args_truncated = plan->fields_truncated;
	out->fd_arg = -1;
	out->ret_arg = -1;
	/*
	 * The interpreted kinds' fields are in u: nobody reads them twice.
	 * sockname has no member in u: its fields are args, as a system
	 * call's.
	 */
	if (decode_args && payload &&
	    (plan->kind == LTA_EVENT_SYSCALL_ENTRY ||
	     plan->kind == LTA_EVENT_SYSCALL_EXIT ||
	     plan->kind == LTA_EVENT_SOCKNAME ||
	     plan->kind == LTA_EVENT_OTHER)) {
		uint32_t i;

		for (i = 0; i < plan->field_count; i++) {
			decode_arg(&plan->fields[i],
				   member(payload, (int)plan->fields[i].index),
				   cache->ints[i], &out->args[i]);
		}
		out->nargs = (uint8_t)plan->field_count;
		out->fd_arg = (int8_t)plan->fd_field;
		out->ret_arg = (int8_t)plan->ret_field;
	}
}
