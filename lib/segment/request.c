/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The request record: end-reason and descriptor-type names, deep copies
 * for consumers, the sequence of calls with their counts and string
 * arguments, and the peer address decoded from the accept exit. Records
 * are recycled with their buffers: in steady state a request costs no
 * allocation.
 */
#include "segment-internal.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

const char *lta_request_end_name(enum lta_request_end end)
{
	switch (end) {
	case LTA_REQUEST_END_CLOSE:
		return "close";
	case LTA_REQUEST_END_SHUTDOWN:
		return "shutdown";
	case LTA_REQUEST_END_EMPTY:
		return "empty";
	case LTA_REQUEST_END_ABORTED:
		return "aborted";
	case LTA_REQUEST_END_OPEN:
		return "open";
	case LTA_REQUEST_END_REPLACED:
		return "replaced";
	case LTA_REQUEST_END_KEEPALIVE:
		return "keepalive";
	}
	return "unknown";
}

const char *lta_fd_type_name(enum lta_fd_type type)
{
	static const char *const names[LTA_FD_TYPE_COUNT] = {
		[LTA_FD_CLIENT] = "client", [LTA_FD_SOCKET] = "socket",
		[LTA_FD_FILE] = "file",	    [LTA_FD_PIPE] = "pipe",
		[LTA_FD_OTHER] = "other",
	};

	return (unsigned)type < LTA_FD_TYPE_COUNT ? names[type] : "other";
}

bool lta_request_end_from_name(const char *name, enum lta_request_end *end)
{
	int i;

	for (i = LTA_REQUEST_END_CLOSE; i < LTA_REQUEST_END_COUNT; i++) {
		if (strcmp(name, lta_request_end_name(i)) == 0) {
			*end = (enum lta_request_end)i;
			return true;
		}
	}
	return false;
}

int lta_request_end_parse_list(const char *list, unsigned *mask)
{
	char name[32];
	const char *p = list;

	*mask = 0;
	if (strcmp(list, "all") == 0) {
		*mask = (1u << LTA_REQUEST_END_COUNT) - 1;
		return 0;
	}
	while (*p) {
		size_t len = strcspn(p, ",");
		enum lta_request_end end;

		if (len == 0 || len >= sizeof(name)) {
			return -1;
		}
		memcpy(name, p, len);
		name[len] = '\0';
		if (!lta_request_end_from_name(name, &end)) {
			return -1;
		}
		*mask |= 1u << end;
		p += len;
		if (*p == ',') {
			p++;
		}
	}
	return *mask ? 0 : -1;
}

const char *lta_request_string(const struct lta_request *request,
			       const struct lta_call_arg *arg)
{
	if (arg->type != LTA_ARG_STRING || !request->strings ||
	    arg->v.str >= request->strings_len) {
		return "";
	}
	return request->strings + arg->v.str;
}

void lta_segment_request_free(struct lta_segment_request *r)
{
	if (!r) {
		return;
	}
	lta_request_fini(&r->record);
	free(r);
}

/*
 * A record's buffers (the segmenter's and its copies alike) carry their
 * room in a header before the elements: the record a reader sees has no
 * capacity fields, a copy into a reused record (a writer's slot)
 * reallocates only when it needs more room than the buffer ever had, and
 * buffers can change hands between records (lta_request_move()). They are
 * freed by lta_request_fini() only.
 */
union copy_head {
	size_t room; /* Elements. */
	max_align_t align;
};

static size_t room_of(const void *data)
{
	return data ? ((const union copy_head *)data - 1)->room : 0;
}

/*
 * Makes *DATA (a record's buffer, or NULL) hold NEED elements of SIZE;
 * when it must grow, to ROOM elements (at least NEED). Returns 0 or
 * -ENOMEM (*DATA then unchanged).
 */
static int fit_room(void **data, size_t need, size_t room, size_t size)
{
	union copy_head *head = *data ? (union copy_head *)*data - 1 : NULL;

	if (need <= room_of(*data)) {
		return 0;
	}
	if (room < need) {
		room = need;
	}
	head = realloc(head, sizeof(*head) + room * size);
	if (!head) {
		return -ENOMEM;
	}
	head->room = room;
	*data = head + 1;
	return 0;
}

/* fit_room() to exactly NEED: a copy is sized to what it holds. */
static int fit(void **data, uint32_t need, size_t size)
{
	return fit_room(data, need, need, size);
}

/* fit_room() that doubles from FIRST: a record that grows call by call. */
static int grow(void **data, size_t need, size_t first, size_t size)
{
	size_t room = room_of(*data) ? room_of(*data) : first;

	while (room < need) {
		room *= 2;
	}
	return fit_room(data, need, room, size);
}

static void drop(void *data)
{
	if (data) {
		free((union copy_head *)data - 1);
	}
}

int lta_request_copy(struct lta_request *dst, const struct lta_request *src)
{
	void *calls = dst->calls, *counts = dst->counts,
	     *strings = dst->strings, *exchanges = dst->exchanges;
	int ret = 0;
	uint32_t i;

	if (fit(&calls, src->call_count, sizeof(struct lta_call)) ||
	    fit(&counts, src->count_kinds, sizeof(struct lta_call_count)) ||
	    fit(&strings, src->strings_len, 1) ||
	    fit(&exchanges, src->exchange_count, sizeof(struct lta_exchange))) {
		ret = -ENOMEM;
	}
	*dst = *src;
	dst->calls = calls;
	dst->counts = counts;
	dst->strings = strings;
	dst->exchanges = exchanges;
	if (ret) {
		dst->call_count = 0;
		dst->count_kinds = 0;
		dst->strings_len = 0;
		dst->exchange_count = 0;
		return ret;
	}
	LTA_ASSERT_DBG(room_of(dst->calls) >= dst->call_count &&
		       room_of(dst->counts) >= dst->count_kinds &&
		       room_of(dst->strings) >= dst->strings_len);
	for (i = 0; i < src->call_count; i++) {
		/* The header and the arguments in use only. */
		memcpy(&dst->calls[i], &src->calls[i],
		       offsetof(struct lta_call, args));
		memcpy(dst->calls[i].args, src->calls[i].args,
		       src->calls[i].nargs * sizeof(src->calls[i].args[0]));
	}
	if (src->count_kinds) {
		memcpy(dst->counts, src->counts,
		       src->count_kinds * sizeof(*dst->counts));
	}
	if (src->strings_len) {
		memcpy(dst->strings, src->strings, src->strings_len);
	}
	if (src->exchange_count) {
		memcpy(dst->exchanges, src->exchanges,
		       src->exchange_count * sizeof(*dst->exchanges));
	}
	return 0;
}

void lta_request_move(struct lta_request *dst, struct lta_request *src)
{
	struct lta_call *calls = dst->calls;
	struct lta_call_count *counts = dst->counts;
	char *strings = dst->strings;
	struct lta_exchange *exchanges = dst->exchanges;

	*dst = *src;
	src->calls = calls;
	src->counts = counts;
	src->strings = strings;
	src->exchanges = exchanges;
	src->call_count = 0;
	src->count_kinds = 0;
	src->strings_len = 0;
	src->exchange_count = 0;
}

void lta_request_fini(struct lta_request *r)
{
	drop(r->calls);
	drop(r->counts);
	drop(r->strings);
	drop(r->exchanges);
	r->calls = NULL;
	r->counts = NULL;
	r->strings = NULL;
	r->exchanges = NULL;
	r->call_count = 0;
	r->count_kinds = 0;
	r->strings_len = 0;
	r->exchange_count = 0;
}

/* Frees R, or keeps it (and its buffers) for the next request. */
void lta_segment_request_recycle(struct lta_segment *segment,
				 struct lta_segment_request *r)
{
	/* No call in flight may still refer to it. */
	LTA_ASSERT_DBG(r->refs == 0);
	LTA_ASSERT_DBG(!r->released);
	r->released = true;
	if (segment->spare_count ==
	    sizeof(segment->spare) / sizeof(segment->spare[0])) {
		lta_segment_request_free(r);
		return;
	}
	segment->spare[segment->spare_count++] = r;
}

/* A zeroed request, with the buffers of a recycled one when there is. */
struct lta_segment_request *lta_segment_request_new(struct lta_segment *segment)
{
	struct lta_segment_request *r;
	struct lta_call *calls;
	struct lta_call_count *counts;
	char *strings;
	struct lta_exchange *exchanges;

	if (!segment->spare_count) {
		return calloc(1, sizeof(*r));
	}
	r = segment->spare[--segment->spare_count];
	LTA_ASSERT_DBG(r->released);
	calls = r->record.calls;
	counts = r->record.counts;
	strings = r->record.strings;
	exchanges = r->record.exchanges;
	memset(r, 0, sizeof(*r));
	r->record.calls = calls;
	r->record.counts = counts;
	r->record.strings = strings;
	r->record.exchanges = exchanges;
	return r;
}

/*
 * Recycles R once it was handed out and no call in flight refers to it.
 */
void lta_segment_release(struct lta_segment *segment,
			 struct lta_segment_request *r)
{
	void *gone;

	if (r->refs > 0 || !r->emitted) {
		return;
	}
	gone = lta_htable_remove(&segment->by_id, r->record.id);
	/* Released once: a second release would recycle it twice. */
	LTA_ASSERT_DBG(gone == r);
	lta_segment_request_recycle(segment, r);
}

/*
 * Notes the thread of a call of R that began at START: a thread that
 * served R before its end goes in tids; one that only touched it after
 * (the lingering close of an event MPM, made by whichever worker is free)
 * in late_tids.
 */
static void note_tid(struct lta_segment_request *r, int32_t tid, int64_t start)
{
	uint8_t i;

	for (i = 0; i < r->record.tid_count; i++) {
		if (r->record.tids[i] == tid) {
			return;
		}
	}
	if (r->ended && start > r->record.end) {
		for (i = 0; i < r->record.late_tid_count; i++) {
			if (r->record.late_tids[i] == tid) {
				return;
			}
		}
		if (r->record.late_tid_count < LTA_REQUEST_MAX_LATE_TIDS) {
			r->record.late_tids[r->record.late_tid_count++] = tid;
		}
		return;
	}
	if (r->record.tid_count == LTA_REQUEST_MAX_TIDS) {
		r->record.tids_truncated = true;
		return;
	}
	r->record.tids[r->record.tid_count++] = tid;
}

static int count_call(struct lta_segment_request *r, const char *name)
{
	uint32_t i;

	for (i = 0; i < r->record.count_kinds; i++) {
		if (r->record.counts[i].name == name) {
			r->record.counts[i].count++;
			return 0;
		}
	}
	if (grow((void **)&r->record.counts, r->record.count_kinds + 1, 8,
		 sizeof(*r->record.counts))) {
		return -ENOMEM;
	}
	r->record.counts[r->record.count_kinds].name = name;
	r->record.counts[r->record.count_kinds].count = 1;
	r->record.count_kinds++;
	return 0;
}

static uint32_t add_string(struct lta_segment_request *r, const char *s)
{
	size_t len = strlen(s) + 1;
	uint32_t at;

	if (grow((void **)&r->record.strings, r->record.strings_len + len, 256,
		 1)) {
		return UINT32_MAX;
	}
	at = r->record.strings_len;
	memcpy(r->record.strings + at, s, len);
	r->record.strings_len += (uint32_t)len;
	return at;
}

/*
 * Appends an empty exchange to R and returns it, or NULL when R keeps no
 * more (exchanges_truncated set) or out of memory.
 */
struct lta_exchange *lta_segment_add_exchange(struct lta_segment_request *r)
{
	struct lta_exchange *x;

	LTA_ASSERT_DBG(!r->emitted && !r->released);
	if (r->record.exchange_count >= LTA_REQUEST_MAX_EXCHANGES) {
		r->record.exchanges_truncated = true;
		return NULL;
	}
	if (grow((void **)&r->record.exchanges, r->record.exchange_count + 1, 4,
		 sizeof(*r->record.exchanges))) {
		return NULL;
	}
	x = &r->record.exchanges[r->record.exchange_count++];
	memset(x, 0, sizeof(*x));
	x->fd = -1;
	x->start = -1;
	x->end = -1;
	return x;
}

/* Appends the merged call to R (if room), with strings moved into R. */
int lta_segment_append_call(struct lta_segment *segment,
			    struct lta_segment_request *r,
			    const struct lta_call *call, const char *strings)
{
	struct lta_call *out;
	uint8_t i;

	/* Its record was read by the consumer: it must not change after. */
	LTA_ASSERT_DBG(!r->emitted && !r->released);
	note_tid(r, call->tid, call->start);
	r->record.call_total++;
	if (count_call(r, call->name)) {
		return -ENOMEM;
	}
	if (r->record.call_count >= segment->options.max_calls) {
		return 0;
	}
	if (r->record.call_count == room_of(r->record.calls)) {
		size_t room =
			r->record.call_count ? r->record.call_count * 2 : 8;

		if (room > segment->options.max_calls) {
			room = segment->options.max_calls;
		}
		if (fit_room((void **)&r->record.calls,
			     r->record.call_count + 1, room,
			     sizeof(*r->record.calls))) {
			return -ENOMEM;
		}
	}
	out = &r->record.calls[r->record.call_count++];
	/* Header and the arguments in use: a whole struct is 300 bytes. */
	memcpy(out, call, offsetof(struct lta_call, args));
	memcpy(out->args, call->args, call->nargs * sizeof(call->args[0]));
	for (i = 0; i < out->nargs; i++) {
		if (out->args[i].type == LTA_ARG_STRING) {
			uint32_t at =
				add_string(r, strings + call->args[i].v.str);

			if (at == UINT32_MAX) {
				return -ENOMEM;
			}
			out->args[i].v.str = at;
		}
	}
	return 0;
}

/* Copies EVENT's arguments (entry) into CALL, strings into PENDING. */
void lta_segment_copy_args(struct lta_segment_pending *p,
			   const struct lta_event *event)
{
	uint8_t i, n = 0;

	p->strings_len = 0;
	for (i = 0; i < event->nargs && n < LTA_CALL_MAX_ARGS; i++) {
		const struct lta_arg *a = &event->args[i];
		struct lta_call_arg *out = &p->call.args[n];

		out->name = a->name;
		out->type = a->type;
		out->len = a->len;
		switch (a->type) {
		case LTA_ARG_STRING: {
			size_t len = strlen(a->v.str);
			size_t room = sizeof(p->strings) - p->strings_len;

			if (room == 0) {
				out->type = LTA_ARG_NONE;
				break;
			}
			if (len >= room) {
				len = room - 1;
			}
			memcpy(p->strings + p->strings_len, a->v.str, len);
			p->strings[p->strings_len + len] = '\0';
			out->v.str = p->strings_len;
			p->strings_len += (uint32_t)len + 1;
			break;
		}
		case LTA_ARG_INTS:
			if (out->len > LTA_CALL_INTS_MAX) {
				out->len = LTA_CALL_INTS_MAX;
			}
			memset(out->v.ints, 0, sizeof(out->v.ints));
			if (a->v.ints) {
				memcpy(out->v.ints, a->v.ints,
				       out->len * sizeof(out->v.ints[0]));
			}
			break;
		case LTA_ARG_SINT:
			out->v.s = a->v.s;
			break;
		case LTA_ARG_UINT:
			out->v.u = a->v.u;
			break;
		case LTA_ARG_REAL:
			out->v.real = a->v.real;
			break;
		default:
			break;
		}
		n++;
	}
	p->call.nargs = n;
}

/*
 * Finds the argument NAME (slot K of the peer fields) of an accept exit.
 * Events of one layout carry the same field-name pointers, so the index
 * found last time is checked by pointer before any string is compared.
 */
static const struct lta_arg *peer_arg(struct lta_segment *segment,
				      const struct lta_event *event, int k,
				      const char *name)
{
	int8_t i = segment->peer_index[k];
	uint8_t j;

	if (i >= 0 && i < event->nargs &&
	    event->args[i].name == segment->peer_names[k]) {
		return &event->args[i];
	}
	for (j = 0; j < event->nargs; j++) {
		if (event->args[j].name &&
		    strcmp(event->args[j].name, name) == 0) {
			segment->peer_index[k] = (int8_t)j;
			segment->peer_names[k] = event->args[j].name;
			return &event->args[j];
		}
	}
	return NULL;
}

static char *put_decimal(char *p, unsigned v)
{
	char tmp[12];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n) {
		*p++ = tmp[--n];
	}
	return p;
}

void lta_segment_format_addr(int family, const uint16_t *v4, unsigned v4_len,
			     const uint16_t *v6, unsigned v6_len, char *out,
			     size_t size)
{
	out[0] = '\0';
	if (family == AF_INET && v4 && v4_len == 4 && size >= 16) {
		char *p = out;
		int i;

		for (i = 0; i < 4; i++) {
			p = put_decimal(p, v4[i] & 0xff);
			*p++ = i < 3 ? '.' : '\0';
		}
	} else if (family == AF_INET6 && v6 && (v6_len == 8 || v6_len == 16)) {
		uint16_t w[8];
		int i;

		for (i = 0; i < 8; i++) {
			/* 8 x u16 (lttng-modules) or 16 x u8 (older). */
			w[i] = v6_len == 8 ? v6[i]
					   : (uint16_t)((v6[2 * i] << 8) |
							v6[2 * i + 1]);
		}
		snprintf(out, size, "%x:%x:%x:%x:%x:%x:%x:%x", w[0], w[1], w[2],
			 w[3], w[4], w[5], w[6], w[7]);
	}
}

void lta_segment_set_peer(struct lta_segment *segment, struct lta_connection *k,
			  const struct lta_event *event)
{
	const struct lta_arg *v4 = peer_arg(segment, event, 2, "v4addr");
	const struct lta_arg *v6 = peer_arg(segment, event, 3, "v6addr");
	int64_t value;

	k->family = -1;
	k->port = -1;
	k->peer[0] = '\0';
	if (arg_value(peer_arg(segment, event, 0, "family"), &value)) {
		k->family = (int)value;
	}
	if (arg_value(peer_arg(segment, event, 1, "sport"), &value) &&
	    (k->family == AF_INET || k->family == AF_INET6)) {
		k->port = (int)value;
	}
	if (k->family == AF_UNIX) {
		memcpy(k->peer, "unix", 5);
		return;
	}
	lta_segment_format_addr(
		k->family, v4 && v4->type == LTA_ARG_INTS ? v4->v.ints : NULL,
		v4 && v4->type == LTA_ARG_INTS ? v4->len : 0,
		v6 && v6->type == LTA_ARG_INTS ? v6->v.ints : NULL,
		v6 && v6->type == LTA_ARG_INTS ? v6->len : 0, k->peer,
		sizeof(k->peer));
}
