/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kind of each request, for the derived services of the timing-failure
 * agent: one estimate per process cannot fit a server whose requests are
 * of very different lengths (a static page in a millisecond, a CGI script
 * in 30 ms), so each kind of request gets its own. The kind is told from
 * what the system calls show, in this priority (doc/segmentation.md says
 * why):
 *   1. the request line (the user-space tracer's http event): method and
 *      path, without the query string;
 *   2. the first file opened for reading while serving it, not a probe;
 *   3. the program a child forked for it executes;
 *   4. the address of another server it writes to;
 *   5. else "request".
 * The kind is known once the request runs, so its service starts as
 * "request" and moves to the kind when it is known (a point with
 * moved_from); a source of higher priority found later moves it again.
 *
 * Kinds are bounded per process name (max_kinds), as are the components
 * that name derived interactions: the agent keeps one estimate per name,
 * and names come from the trace.
 */
#include "segment-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* Longest name kept; a longer path is cut (its kind then shared). */
#define KIND_MAX 160
/* Children forked while serving, waiting for their exec, at most. */
#define CHILDREN_MAX 4096

#define REQUEST "request"
#define REQUEST_OTHER "request other"

enum kind_class {
	CLASS_KIND = 0,	 /* A kind of request. */
	CLASS_COMPONENT, /* A component an interaction goes to. */
};

/* A name given out: the entity's kind or component. */
struct kind_name {
	struct kind_name *next; /* Same hash. */
	uint8_t class;
	char entity[32];
	char name[]; /* NUL-terminated. */
};

/* How many names an entity has of a class. */
struct kind_count {
	struct kind_count *next; /* Same hash. */
	uint8_t class;
	uint32_t count;
	char entity[32];
};

int lta_segment_kinds_init(struct lta_segment *segment)
{
	if (lta_htable_init(&segment->kind_names, 64) ||
	    lta_htable_init(&segment->kind_counts, 16) ||
	    lta_htable_init(&segment->children, 16)) {
		return -ENOMEM;
	}
	return 0;
}

void lta_segment_kinds_fini(struct lta_segment *segment)
{
	size_t pos = 0;
	uint64_t key;
	void *value;

	while (lta_htable_next(&segment->kind_names, &pos, &key, &value)) {
		struct kind_name *n = value;

		while (n) {
			struct kind_name *next = n->next;

			free(n);
			n = next;
		}
	}
	pos = 0;
	while (lta_htable_next(&segment->kind_counts, &pos, &key, &value)) {
		struct kind_count *c = value;

		while (c) {
			struct kind_count *next = c->next;

			free(c);
			c = next;
		}
	}
	lta_htable_fini(&segment->kind_names);
	lta_htable_fini(&segment->kind_counts);
	lta_htable_fini(&segment->children);
}

static uint64_t hash_bytes(uint64_t h, const char *s)
{
	while (*s) {
		h ^= (unsigned char)*s++;
		h *= 1099511628211ULL; /* FNV-1a */
	}
	/* A separator: ("ab", "c") and ("a", "bc") differ. */
	h ^= 0xff;
	return h * 1099511628211ULL;
}

static uint64_t hash_of(enum kind_class class, const char *entity,
			const char *name)
{
	uint64_t h = 1469598103934665603ULL ^ (uint64_t) class;

	h = hash_bytes(h, entity);
	return name ? hash_bytes(h, name) : h;
}

/*
 * The name NAME of ENTITY in CLASS, given out once and kept as long as
 * the segmenter: *OUT points to it. Returns 0, -ENOSPC when the entity has
 * max_kinds names of the class already, or -ENOMEM.
 */
static int name_of(struct lta_segment *segment, enum kind_class class,
		   const char *entity, const char *name, const char **out)
{
	uint32_t max = segment->options.max_kinds ? segment->options.max_kinds
						  : LTA_SEGMENT_MAX_KINDS;
	uint64_t h = hash_of(class, entity, name);
	uint64_t hc = hash_of(class, entity, NULL);
	struct kind_name *head = lta_htable_get(&segment->kind_names, h), *n;
	struct kind_count *count_head =
		lta_htable_get(&segment->kind_counts, hc);
	struct kind_count *c;
	size_t len = strlen(name);

	for (n = head; n; n = n->next) {
		if (n->class == class && strcmp(n->entity, entity) == 0 &&
		    strcmp(n->name, name) == 0) {
			*out = n->name;
			return 0;
		}
	}
	for (c = count_head; c; c = c->next) {
		if (c->class == class && strcmp(c->entity, entity) == 0) {
			break;
		}
	}
	if (c && c->count >= max) {
		return -ENOSPC;
	}
	if (!c) {
		c = calloc(1, sizeof(*c));
		if (!c) {
			return -ENOMEM;
		}
		c->class = (uint8_t) class;
		snprintf(c->entity, sizeof(c->entity), "%s", entity);
		c->next = count_head;
		if (lta_htable_put(&segment->kind_counts, hc, c)) {
			free(c);
			return -ENOMEM;
		}
	}
	n = malloc(sizeof(*n) + len + 1);
	if (!n) {
		return -ENOMEM;
	}
	n->class = (uint8_t) class;
	snprintf(n->entity, sizeof(n->entity), "%s", entity);
	memcpy(n->name, name, len + 1);
	n->next = head;
	if (lta_htable_put(&segment->kind_names, h, n)) {
		free(n);
		return -ENOMEM;
	}
	c->count++;
	*out = n->name;
	return 0;
}

const char *lta_segment_kind_of(const struct lta_segment_request *r)
{
	return r->kind ? r->kind : REQUEST;
}

/* Whether kinds are told apart: derived points wanted, kinds not off. */
static bool kinds_on(const struct lta_segment *segment)
{
	return segment->options.on_point && !segment->options.no_kinds;
}

/*
 * R is of the kind "request TEXT" (from a source of LEVEL), found at TS:
 * its open service moves there unless a source of higher or equal
 * priority named it already.
 */
static void set_kind(struct lta_segment *segment, struct lta_segment_request *r,
		     enum lta_segment_kind_level level, const char *text,
		     int64_t ts)
{
	struct lta_segment_point p = { 0 };
	char name[KIND_MAX];
	const char *kind;
	int ret;

	if (r->ended || r->emitted || level <= r->kind_level) {
		return;
	}
	snprintf(name, sizeof(name), REQUEST " %s", text);
	ret = name_of(segment, CLASS_KIND, r->record.procname, name, &kind);
	if (ret == -ENOSPC) {
		kind = REQUEST_OTHER;
	} else if (ret) {
		/* Out of memory: it keeps the name it has. */
		return;
	}
	r->kind_level = (uint8_t)level;
	if (strcmp(kind, lta_segment_kind_of(r)) == 0) {
		return;
	}
	p.trace = r->record.trace;
	p.pid = r->record.pid;
	p.tid = -1;
	p.entity = r->record.procname;
	p.name = kind;
	p.moved_from = lta_segment_kind_of(r);
	p.key = r->record.id;
	p.ts = ts;
	r->kind = kind;
	ret = segment->options.on_point(&p, segment->options.point_data);
	if (ret && !segment->stop) {
		segment->stop = ret;
	}
}

void lta_segment_kind_line(struct lta_segment *segment,
			   struct lta_segment_request *r, int64_t ts)
{
	const char *line = r->record.request_line, *target;
	char text[KIND_MAX];
	size_t method, path;

	if (!kinds_on(segment) || !line[0]) {
		return;
	}
	/* "METHOD SP TARGET SP HTTP/1.x": the tracer checked the form. */
	method = strcspn(line, " ");
	if (method == 0 || method > 16 || line[method] != ' ') {
		return;
	}
	target = line + method + 1;
	/* The query names no kind: "/search?q=..." is one page. */
	path = strcspn(target, " ?#");
	if (path == 0) {
		return;
	}
	snprintf(text, sizeof(text), "%.*s %.*s", (int)method, line,
		 (int)(path < sizeof(text) ? path : sizeof(text)), target);
	set_kind(segment, r, LTA_SEGMENT_KIND_LINE, text, ts);
}

/* The entry argument NAME of the call T is in, or NULL. */
static const struct lta_call_arg *
pending_arg(const struct lta_segment_thread *t, const char *name)
{
	uint8_t i;

	for (i = 0; i < t->pending.call.nargs; i++) {
		const struct lta_call_arg *a = &t->pending.call.args[i];

		if (a->name && strcmp(a->name, name) == 0) {
			return a;
		}
	}
	return NULL;
}

/*
 * Whether PATH, opened with FLAGS, is what a request serves: a file read
 * (not written, not a directory), outside the system's trees (/etc, /proc,
 * /sys, /dev: name resolution, time zones, entropy), and not a hidden
 * file: .htaccess and .htpasswd, which Apache looks for in every directory
 * of the path first, .user.ini for PHP. A probe that finds nothing fails
 * and is never a kind anyway.
 */
static bool serves(const char *path, int64_t flags)
{
	static const char *const system[] = { "/etc/", "/proc/", "/sys/",
					      "/dev/" };
	const char *base = strrchr(path, '/');
	size_t i;

	if ((flags & O_ACCMODE) != O_RDONLY || (flags & O_DIRECTORY) ||
	    (flags & O_PATH) || !path[0]) {
		return false;
	}
	for (i = 0; i < sizeof(system) / sizeof(system[0]); i++) {
		if (strncmp(path, system[i], strlen(system[i])) == 0) {
			return false;
		}
	}
	base = base ? base + 1 : path;
	return base[0] != '.' && base[0] != '\0';
}

void lta_segment_kind_open(struct lta_segment *segment,
			   struct lta_segment_thread *t,
			   struct lta_segment_request *r,
			   const struct lta_event *event)
{
	const struct lta_call_arg *file, *flags;
	int64_t ret = -1, f = 0;
	char text[KIND_MAX];

	if (!kinds_on(segment) || !r ||
	    r->kind_level >= LTA_SEGMENT_KIND_FILE ||
	    !lta_event_arg_int(event, event->ret_arg, &ret) || ret < 0) {
		return;
	}
	file = pending_arg(t, "filename");
	flags = pending_arg(t, "flags");
	if (!file || file->type != LTA_ARG_STRING ||
	    file->v.str >= t->pending.strings_len) {
		return;
	}
	if (flags && flags->type == LTA_ARG_SINT) {
		f = flags->v.s;
	} else if (flags && flags->type == LTA_ARG_UINT) {
		f = (int64_t)flags->v.u;
	}
	if (!serves(t->pending.strings + file->v.str, f)) {
		return;
	}
	snprintf(text, sizeof(text), "file %s",
		 t->pending.strings + file->v.str);
	set_kind(segment, r, LTA_SEGMENT_KIND_FILE, text, event->ts);
}

void lta_segment_kind_write(struct lta_segment *segment,
			    struct lta_segment_request *r,
			    const struct lta_event *event, int32_t fd)
{
	const struct lta_segment_client *e;
	char text[KIND_MAX];

	if (!kinds_on(segment) || !r || fd < 0 ||
	    r->kind_level >= LTA_SEGMENT_KIND_PEER || !segment->clients.count) {
		return;
	}
	e = lta_htable_get(&segment->clients,
			   fd_key(event->trace, event->pid, fd));
	if (!e) {
		return;
	}
	/*
	 * Where it connected, not the paired server's component: pairing may
	 * come after the first message, and the kind must not depend on it.
	 * A kernel trace has no unix path: "unix".
	 */
	snprintf(text, sizeof(text), "to %s",
		 e->dest[0]		? e->dest
		 : e->family == AF_UNIX ? "unix"
					: "socket");
	set_kind(segment, r, LTA_SEGMENT_KIND_PEER, text, event->ts);
}

int lta_segment_kind_fork(struct lta_segment *segment, uint32_t trace,
			  int32_t parent, int32_t child)
{
	struct lta_segment_thread *t;
	struct lta_segment_request *r = NULL;
	uint64_t id;

	if (!kinds_on(segment) || parent < 0 || child <= 0) {
		return 0;
	}
	t = lta_htable_get(&segment->threads, thread_key(trace, parent));
	if (t) {
		r = lta_segment_serving(segment, t);
	}
	if (r) {
		if (r->kind_level >= LTA_SEGMENT_KIND_EXEC) {
			return 0;
		}
		id = r->record.id;
	} else {
		/* A child of a child (a shell that forks): the same request. */
		id = (uint64_t)(uintptr_t)lta_htable_get(
			&segment->children, thread_key(trace, parent));
	}
	if (!id || segment->children.count >= CHILDREN_MAX) {
		return 0;
	}
	return lta_htable_put(&segment->children, thread_key(trace, child),
			      (void *)(uintptr_t)id);
}

void lta_segment_kind_exec(struct lta_segment *segment, uint32_t trace,
			   int32_t tid, const char *path, int64_t ts)
{
	struct lta_segment_request *r;
	char text[KIND_MAX];
	uint64_t id;

	if (!segment->children.count || tid < 0 || !path || !path[0]) {
		return;
	}
	/* Its first exec names the kind (suexec, a shell: that program). */
	id = (uint64_t)(uintptr_t)lta_htable_remove(&segment->children,
						    thread_key(trace, tid));
	r = id ? lta_htable_get(&segment->by_id, id) : NULL;
	if (!r) {
		return;
	}
	snprintf(text, sizeof(text), "exec %s", path);
	set_kind(segment, r, LTA_SEGMENT_KIND_EXEC, text, ts);
}

void lta_segment_kind_exit(struct lta_segment *segment, uint32_t trace,
			   int32_t tid)
{
	if (segment->children.count && tid >= 0) {
		lta_htable_remove(&segment->children, thread_key(trace, tid));
	}
}

bool lta_segment_component_call(struct lta_segment *segment, const char *entity,
				const char *component, const char *syscall,
				char *out, size_t size)
{
	const char *name;

	if (segment->options.no_kinds || !component[0] ||
	    name_of(segment, CLASS_COMPONENT, entity, component, &name)) {
		return false;
	}
	snprintf(out, size, "%s:%s", name, syscall);
	return true;
}
