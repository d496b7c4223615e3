/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The packet table of a CTF 1.8 stream file (see packets.h for why).
 *
 * The TSDL reader below understands a small subset on purpose: top-level
 * `trace`, `stream` and `struct NAME` blocks, integer typealiases, and
 * structures whose members are integers or arrays of integers. Comments and
 * string literals are blanked first so that a brace or a semicolon in a
 * hostname or a description cannot shift the parse. Every construct it
 * does not know makes it answer -ENOTSUP, never a guess.
 */
#include "packets.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "metadata-check.h"

#define CTF_MAGIC 0xc1fc1fc1u
/* Bits of header and context we accept: a few hundred bytes in practice. */
#define LAYOUT_MAX_BITS (4096u * 8)
#define ARRAY_MAX 4096

struct span {
	const char *p, *end;
};

struct int_type {
	unsigned size, align;
	bool is_signed;
};

/* The context fields we read, in this order in context_layout. */
enum {
	CTX_PACKET_SIZE,
	CTX_CONTENT_SIZE,
	CTX_TS_BEGIN,
	CTX_TS_END,
	CTX_EVENTS_DISCARDED,
	CTX_SEQ_NUM,
	CTX_COUNT,
};

static const char *const ctx_names[CTX_COUNT] = {
	"packet_size",	 "content_size",     "timestamp_begin",
	"timestamp_end", "events_discarded", "packet_seq_num",
};

enum { HDR_MAGIC, HDR_STREAM_ID, HDR_INSTANCE_ID, HDR_COUNT };

static const char *const hdr_names[HDR_COUNT] = {
	"magic",
	"stream_id",
	"stream_instance_id",
};

/* The metadata text with comments and string literals blanked. */
struct tsdl {
	char *text; /* Owned. */
	struct span all;
};

static bool is_ident(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && isspace((unsigned char)*p)) {
		p++;
	}
	return p;
}

/* Length of the identifier at P (0 when there is none). */
static size_t ident_len(const char *p, const char *end)
{
	const char *q = p;

	if (p < end && (isalpha((unsigned char)*p) || *p == '_')) {
		while (q < end && is_ident(*q)) {
			q++;
		}
	}
	return (size_t)(q - p);
}

/* Whether the identifier at P (of length LEN) is WORD. */
static bool ident_is(const char *p, size_t len, const char *word)
{
	return len == strlen(word) && memcmp(p, word, len) == 0;
}

/* Returns the '}' that closes the '{' at OPEN, or NULL. */
static const char *match_close(const char *open, const char *end)
{
	int depth = 0;
	const char *p;

	for (p = open; p < end; p++) {
		if (*p == '{') {
			depth++;
		} else if (*p == '}' && --depth == 0) {
			return p;
		}
	}
	return NULL;
}

/* Returns the ';' that ends the statement at P (outside braces), or NULL. */
static const char *statement_end(const char *p, const char *end)
{
	int depth = 0;

	for (; p < end; p++) {
		if (*p == '{') {
			depth++;
		} else if (*p == '}') {
			if (--depth < 0) {
				return NULL;
			}
		} else if (*p == ';' && depth == 0) {
			return p;
		}
	}
	return NULL;
}

/*
 * Blanks comments and string literals of TEXT in place: they may hold any
 * character, and the structure is all we read.
 */
static void blank_comments_and_strings(char *text)
{
	char *p = text;

	while (*p) {
		if (p[0] == '/' && p[1] == '*') {
			char *e = strstr(p + 2, "*/");
			char *stop = e ? e + 2 : p + strlen(p);

			memset(p, ' ', (size_t)(stop - p));
			p = stop;
		} else if (p[0] == '/' && p[1] == '/') {
			while (*p && *p != '\n') {
				*p++ = ' ';
			}
		} else if (*p == '"' || *p == '\'') {
			char quote = *p;

			*p++ = ' ';
			while (*p && *p != quote) {
				if (*p == '\\' && p[1]) {
					*p++ = ' ';
				}
				*p++ = ' ';
			}
			if (*p) {
				*p++ = ' ';
			}
		} else {
			p++;
		}
	}
}

/* Parses "N" (decimal, hex or octal) spanning exactly [P, END). */
static bool parse_uint(const char *p, const char *end, uint64_t *value)
{
	char buf[32];
	char *stop;
	size_t len;

	p = skip_ws(p, end);
	while (end > p && isspace((unsigned char)end[-1])) {
		end--;
	}
	len = (size_t)(end - p);
	if (len == 0 || len >= sizeof(buf) || !isdigit((unsigned char)*p)) {
		return false;
	}
	memcpy(buf, p, len);
	buf[len] = '\0';
	errno = 0;
	*value = strtoull(buf, &stop, 0);
	return errno == 0 && *stop == '\0';
}

/*
 * Splits the statement [P, END) into "KEY = VALUE" or "KEY := VALUE"; KEY
 * may hold dots (packet.context). Returns false when it is neither.
 */
static bool split_assignment(const char *p, const char *end, struct span *key,
			     struct span *value, bool *typed)
{
	p = skip_ws(p, end);
	key->p = p;
	while (p < end && (is_ident(*p) || *p == '.')) {
		p++;
	}
	key->end = p;
	p = skip_ws(p, end);
	if (key->p == key->end || p == end) {
		return false;
	}
	*typed = p + 1 < end && p[0] == ':' && p[1] == '=';
	if (!*typed && *p != '=') {
		return false;
	}
	value->p = skip_ws(p + (*typed ? 2 : 1), end);
	value->end = end;
	while (value->end > value->p &&
	       isspace((unsigned char)value->end[-1])) {
		value->end--;
	}
	return true;
}

static bool span_is(struct span s, const char *word)
{
	return ident_is(s.p, (size_t)(s.end - s.p), word);
}

/*
 * Reads the body of "integer { ... }" between BODY: size, align and signed.
 * A byte_order of its own, or an attribute we do not know, is refused.
 */
static bool integer_attrs(struct span body, struct int_type *type)
{
	const char *p = body.p, *e;
	bool has_size = false, has_align = false;
	uint64_t v;

	memset(type, 0, sizeof(*type));
	while ((p = skip_ws(p, body.end)) < body.end) {
		struct span key, value;
		bool typed;

		e = statement_end(p, body.end);
		if (!e || !split_assignment(p, e, &key, &value, &typed) ||
		    typed) {
			return false;
		}
		if (span_is(key, "size")) {
			if (!parse_uint(value.p, value.end, &v) || v == 0 ||
			    v > 64) {
				return false;
			}
			type->size = (unsigned)v;
			has_size = true;
		} else if (span_is(key, "align")) {
			if (!parse_uint(value.p, value.end, &v) || v == 0 ||
			    v > 4096 || (v & (v - 1))) {
				return false;
			}
			type->align = (unsigned)v;
			has_align = true;
		} else if (span_is(key, "signed")) {
			if (span_is(value, "true") || span_is(value, "TRUE") ||
			    span_is(value, "1")) {
				type->is_signed = true;
			} else if (!span_is(value, "false") &&
				   !span_is(value, "FALSE") &&
				   !span_is(value, "0")) {
				return false;
			}
		} else if (!span_is(key, "base") && !span_is(key, "encoding") &&
			   !span_is(key, "map")) {
			/* byte_order, or something we cannot vouch for. */
			return false;
		}
		p = e + 1;
	}
	if (!has_size) {
		return false;
	}
	if (!has_align) {
		/* CTF 1.8 integers: byte-aligned when whole bytes, else bit. */
		type->align = type->size % 8 ? 1 : 8;
	}
	return true;
}

/* Whether the words of [A, AEND) and [B, BEND) are the same sequence. */
static bool same_words(const char *a, const char *aend, const char *b,
		       const char *bend)
{
	for (;;) {
		size_t la, lb;

		a = skip_ws(a, aend);
		b = skip_ws(b, bend);
		if (a == aend || b == bend) {
			return a == aend && b == bend;
		}
		la = ident_len(a, aend);
		lb = ident_len(b, bend);
		if (la == 0 || la != lb || memcmp(a, b, la) != 0) {
			return false;
		}
		a += la;
		b += lb;
	}
}

/*
 * Finds the integer typealias named by the words [NAME, NAME_END) anywhere
 * in the metadata. A name aliased to something else than an integer, or to
 * two different integers (scopes we do not track), is refused.
 */
static bool alias_attrs(const struct tsdl *m, const char *name,
			const char *name_end, struct int_type *type)
{
	const char *p = m->all.p, *end = m->all.end;
	bool found = false;

	while ((p = strstr(p, "typealias")) != NULL && p < end) {
		const char *q = p + 9, *e, *def;
		struct int_type t;
		size_t len;

		if ((p > m->all.p && is_ident(p[-1])) || is_ident(*q)) {
			p = q;
			continue;
		}
		e = statement_end(q, end);
		if (!e) {
			return false;
		}
		/* "typealias TARGET := NAME;" */
		for (def = q; def + 1 < e; def++) {
			if (def[0] == ':' && def[1] == '=') {
				break;
			}
		}
		if (def + 1 >= e) {
			return false;
		}
		if (!same_words(def + 2, e, name, name_end)) {
			p = e;
			continue;
		}
		q = skip_ws(q, def);
		len = ident_len(q, def);
		if (!ident_is(q, len, "integer")) {
			return false;
		}
		q = skip_ws(q + len, def);
		if (q == def || *q != '{' || match_close(q, def) == NULL ||
		    skip_ws(match_close(q, def) + 1, def) != def ||
		    !integer_attrs((struct span){ q + 1, match_close(q, def) },
				   &t)) {
			return false;
		}
		if (found && memcmp(&t, type, sizeof(t)) != 0) {
			return false;
		}
		*type = t;
		found = true;
		p = e;
	}
	return found;
}

/*
 * Parses the struct member [P, END): "integer { ... } NAME", "ALIAS NAME"
 * (ALIAS of one or more words), either optionally followed by "[N]".
 */
static bool member_parse(const struct tsdl *m, const char *p, const char *end,
			 struct int_type *type, struct span *name,
			 unsigned *count)
{
	const char *last = NULL, *last_end = NULL, *q;
	size_t len;
	uint64_t n = 1;

	p = skip_ws(p, end);
	len = ident_len(p, end);
	if (ident_is(p, len, "integer") && *skip_ws(p + len, end) == '{') {
		const char *open = skip_ws(p + len, end);
		const char *close = match_close(open, end);

		if (!close ||
		    !integer_attrs((struct span){ open + 1, close }, type)) {
			return false;
		}
		q = skip_ws(close + 1, end);
		len = ident_len(q, end);
		if (len == 0) {
			return false;
		}
		last = q;
		last_end = q + len;
		q = skip_ws(last_end, end);
	} else {
		/* Words up to the end or '[': the last one is the name. */
		for (q = p; (q = skip_ws(q, end)) < end && *q != '[';) {
			len = ident_len(q, end);
			if (len == 0) {
				return false; /* enum :, variant <>, ... */
			}
			last = q;
			last_end = q + len;
			q += len;
		}
		if (!last || last == p || !alias_attrs(m, p, last, type)) {
			return false;
		}
	}
	if (q < end && *q == '[') {
		const char *close = memchr(q, ']', (size_t)(end - q));

		if (!close || !parse_uint(q + 1, close, &n) || n == 0 ||
		    n > ARRAY_MAX) {
			return false; /* Sequences have a field name here. */
		}
		q = skip_ws(close + 1, end);
	}
	if (q != end) {
		return false;
	}
	name->p = last;
	name->end = last_end;
	*count = (unsigned)n;
	return true;
}

static unsigned align_up(unsigned bits, unsigned align)
{
	return (bits + align - 1) / align * align;
}

/*
 * Lays out the members of the struct body BODY, whose own alignment is
 * ALIGN, from *BITS (updated to its end). Members named in NAMES get their
 * place in FIELDS; they must be single integers, unsigned, and named once.
 */
static int struct_layout(const struct tsdl *m, struct span body, unsigned align,
			 unsigned *bits, const char *const *names, size_t count,
			 struct lta_packet_field *fields)
{
	const char *p, *e;
	unsigned max_align = align;
	int pass;

	/* A struct is aligned on its most aligned member (CTF 1.8). */
	for (pass = 0; pass < 2; pass++) {
		if (pass == 1) {
			*bits = align_up(*bits, max_align);
		}
		for (p = body.p; (p = skip_ws(p, body.end)) < body.end;
		     p = e + 1) {
			struct int_type type;
			struct span name;
			unsigned n, stride;
			size_t i;

			e = statement_end(p, body.end);
			if (!e || !member_parse(m, p, e, &type, &name, &n)) {
				return -ENOTSUP;
			}
			if (pass == 0) {
				if (type.align > max_align) {
					max_align = type.align;
				}
				continue;
			}
			*bits = align_up(*bits, type.align);
			for (i = 0; i < count; i++) {
				if (!span_is(name, names[i])) {
					continue;
				}
				if (fields[i].found || n != 1 ||
				    type.is_signed) {
					return -ENOTSUP;
				}
				fields[i] =
					(struct lta_packet_field){ true, *bits,
								   type.size };
			}
			stride = align_up(type.size, type.align);
			*bits += stride * (n - 1) + type.size;
			if (*bits > LAYOUT_MAX_BITS) {
				return -ENOTSUP;
			}
		}
	}
	return 0;
}

/*
 * Finds the top-level "struct NAME { ... } [align(N)];" of the metadata and
 * returns its body span in *BODY and its align() in *ALIGN.
 */
static bool named_struct(const struct tsdl *m, struct span name,
			 struct span *body, unsigned *align);

/* Reads the optional "align(N)" after a struct body, up to END. */
static bool struct_tail(const char *p, const char *end, unsigned *align)
{
	size_t len;
	uint64_t v;

	*align = 1;
	p = skip_ws(p, end);
	len = ident_len(p, end);
	if (ident_is(p, len, "align")) {
		const char *open = skip_ws(p + len, end);
		const char *close =
			open < end && *open == '('
				? memchr(open, ')', (size_t)(end - open))
				: NULL;

		if (!close || !parse_uint(open + 1, close, &v) || v == 0 ||
		    v > 4096 || (v & (v - 1))) {
			return false;
		}
		*align = (unsigned)v;
		p = skip_ws(close + 1, end);
	}
	return p == end;
}

/*
 * Reads "struct { ... } [align(N)]", "struct NAME" or "struct NAME { ... }
 * [align(N)]" spanning [P, END).
 */
static bool struct_type(const struct tsdl *m, const char *p, const char *end,
			struct span *body, unsigned *align)
{
	size_t len;

	*align = 1;
	p = skip_ws(p, end);
	len = ident_len(p, end);
	if (!ident_is(p, len, "struct")) {
		return false;
	}
	p = skip_ws(p + len, end);
	len = ident_len(p, end);
	if (len) {
		struct span name = { p, p + len };

		p = skip_ws(p + len, end);
		if (p == end) {
			return named_struct(m, name, body, align);
		}
	}
	if (p == end || *p != '{' || !match_close(p, end)) {
		return false;
	}
	body->p = p + 1;
	body->end = match_close(p, end);
	return struct_tail(body->end + 1, end, align);
}

/* Calls FN on each top-level statement [P, E) until it returns non-zero. */
static int each_statement(struct span s,
			  int (*fn)(const char *p, const char *e, void *arg),
			  void *arg)
{
	const char *p = s.p, *e;
	int ret;

	while ((p = skip_ws(p, s.end)) < s.end) {
		e = statement_end(p, s.end);
		if (!e) {
			return -ENOTSUP;
		}
		ret = fn(p, e, arg);
		if (ret) {
			return ret;
		}
		p = e + 1;
	}
	return 0;
}

/* The block "KEYWORD [NAME] { ... }" that statement [P, E) opens. */
static bool block_of(const char *p, const char *e, const char *keyword,
		     struct span *name, struct span *body)
{
	size_t len = ident_len(p, e);
	const char *close;

	if (!ident_is(p, len, keyword)) {
		return false;
	}
	p = skip_ws(p + len, e);
	len = ident_len(p, e);
	name->p = p;
	name->end = p + len;
	p = skip_ws(p + len, e);
	if (p == e || *p != '{' || !(close = match_close(p, e))) {
		return false;
	}
	body->p = p + 1;
	body->end = close;
	return true;
}

struct struct_search {
	struct span name, body, tail;
	int found;
};

static int struct_search_fn(const char *p, const char *e, void *arg)
{
	struct struct_search *s = arg;
	struct span name, body;

	if (block_of(p, e, "struct", &name, &body) &&
	    same_words(name.p, name.end, s->name.p, s->name.end)) {
		s->found++;
		s->body = body;
		s->tail = (struct span){ p, e };
	}
	return 0;
}

static bool named_struct(const struct tsdl *m, struct span name,
			 struct span *body, unsigned *align)
{
	struct struct_search s = { .name = name };

	if (each_statement(m->all, struct_search_fn, &s) || s.found != 1) {
		return false; /* Missing, or scoped definitions we ignore. */
	}
	*body = s.body;
	return struct_tail(s.body.end + 1, s.tail.end, align);
}

struct trace_search {
	struct span trace_body;
	int traces;
};

static int trace_search_fn(const char *p, const char *e, void *arg)
{
	struct trace_search *s = arg;
	struct span name, body;

	if (block_of(p, e, "trace", &name, &body) && name.p == name.end) {
		s->traces++;
		s->trace_body = body;
	}
	return 0;
}

struct trace_attrs {
	int byte_order; /* -1 unknown, 0 little, 1 big. */
	int byte_orders;
	struct span header_type;
	int headers;
};

static int trace_attrs_fn(const char *p, const char *e, void *arg)
{
	struct trace_attrs *t = arg;
	struct span key, value;
	bool typed;

	if (!split_assignment(p, e, &key, &value, &typed)) {
		return 0;
	}
	if (!typed && span_is(key, "byte_order")) {
		t->byte_orders++;
		if (span_is(value, "le")) {
			t->byte_order = 0;
		} else if (span_is(value, "be") || span_is(value, "network")) {
			t->byte_order = 1;
		} else {
			return -ENOTSUP;
		}
	} else if (typed && span_is(key, "packet.header")) {
		t->header_type = value;
		t->headers++;
	}
	return 0;
}

static int tsdl_open(const char *trace_dir, struct tsdl *m)
{
	char path[4096];

	m->text = lta_metadata_text(trace_dir);
	if (!m->text) {
		snprintf(path, sizeof(path), "%s/metadata", trace_dir);
		return access(path, R_OK) ? -errno : -ENOMEM;
	}
	blank_comments_and_strings(m->text);
	m->all.p = m->text;
	m->all.end = m->text + strlen(m->text);
	return 0;
}

static int header_layout(const struct tsdl *m,
			 struct lta_packet_header_layout *layout)
{
	struct trace_search ts = { { NULL, NULL }, 0 };
	struct trace_attrs ta = { .byte_order = -1 };
	struct lta_packet_field f[HDR_COUNT] = { { 0 } };
	struct span body;
	unsigned align, bits = 0;
	int ret;

	memset(layout, 0, sizeof(*layout));
	ret = each_statement(m->all, trace_search_fn, &ts);
	if (ret || ts.traces != 1) {
		return -ENOTSUP;
	}
	ret = each_statement(ts.trace_body, trace_attrs_fn, &ta);
	if (ret || ta.byte_order < 0 || ta.byte_orders != 1 ||
	    ta.headers != 1 ||
	    !struct_type(m, ta.header_type.p, ta.header_type.end, &body,
			 &align)) {
		return -ENOTSUP;
	}
	ret = struct_layout(m, body, align, &bits, hdr_names, HDR_COUNT, f);
	if (ret) {
		return ret;
	}
	if (!f[HDR_MAGIC].found || f[HDR_MAGIC].offset != 0 ||
	    f[HDR_MAGIC].size != 32 || !f[HDR_INSTANCE_ID].found) {
		return -ENOTSUP;
	}
	layout->magic = f[HDR_MAGIC];
	layout->stream_id = f[HDR_STREAM_ID];
	layout->instance_id = f[HDR_INSTANCE_ID];
	layout->bits = bits;
	layout->big_endian = ta.byte_order == 1;
	return 0;
}

int lta_decode_packet_header_layout(const char *trace_dir,
				    struct lta_packet_header_layout *layout)
{
	struct tsdl m = { 0 };
	int ret;

	memset(layout, 0, sizeof(*layout));
	ret = tsdl_open(trace_dir, &m);
	if (ret == 0) {
		ret = header_layout(&m, layout);
	}
	free(m.text);
	return ret;
}

struct stream_search {
	uint64_t id;
	int streams;  /* Stream blocks. */
	int matches;  /* Of them, with id ID. */
	int contexts; /* packet.context in the matching ones. */
	struct span context_type;
	bool bad;
};

struct stream_attrs {
	bool has_id;
	uint64_t id;
	int contexts;
	struct span context_type;
	bool bad;
};

static int stream_attrs_fn(const char *p, const char *e, void *arg)
{
	struct stream_attrs *a = arg;
	struct span key, value;
	bool typed;

	if (!split_assignment(p, e, &key, &value, &typed)) {
		return 0;
	}
	if (!typed && span_is(key, "id")) {
		if (a->has_id || !parse_uint(value.p, value.end, &a->id)) {
			a->bad = true;
		}
		a->has_id = true;
	} else if (typed && span_is(key, "packet.context")) {
		a->context_type = value;
		a->contexts++;
	}
	return 0;
}

static int stream_search_fn(const char *p, const char *e, void *arg)
{
	struct stream_search *s = arg;
	struct stream_attrs a = { 0 };
	struct span name, body;

	if (!block_of(p, e, "stream", &name, &body) || name.p != name.end) {
		return 0;
	}
	s->streams++;
	if (each_statement(body, stream_attrs_fn, &a) || a.bad) {
		s->bad = true;
		return 0;
	}
	/* A stream block without id is stream class 0 (CTF 1.8). */
	if ((a.has_id ? a.id : 0) == s->id) {
		s->matches++;
		s->contexts += a.contexts;
		s->context_type = a.context_type;
	}
	return 0;
}

/*
 * Lays out the packet context of stream class STREAM_ID after a header of
 * HEADER_BITS. FIELDS gets the CTX_* fields; *END the context's end in
 * bits. With HAS_STREAM_ID false, the trace must have one stream class.
 */
static int context_layout(const struct tsdl *m, uint64_t stream_id,
			  bool has_stream_id, unsigned header_bits,
			  struct lta_packet_field *fields, unsigned *end)
{
	struct stream_search s = { .id = stream_id };
	struct span body;
	unsigned align, bits = header_bits;
	int ret;

	memset(fields, 0, CTX_COUNT * sizeof(*fields));
	ret = each_statement(m->all, stream_search_fn, &s);
	if (ret || s.bad || s.matches != 1 || s.contexts != 1 ||
	    (!has_stream_id && s.streams != 1)) {
		return -ENOTSUP;
	}
	if (!struct_type(m, s.context_type.p, s.context_type.end, &body,
			 &align)) {
		return -ENOTSUP;
	}
	ret = struct_layout(m, body, align, &bits, ctx_names, CTX_COUNT,
			    fields);
	if (ret) {
		return ret;
	}
	if (!fields[CTX_PACKET_SIZE].found || !fields[CTX_CONTENT_SIZE].found ||
	    !fields[CTX_TS_BEGIN].found || !fields[CTX_TS_END].found ||
	    fields[CTX_TS_BEGIN].size != 64 || fields[CTX_TS_END].size != 64) {
		/*
		 * Narrower timestamps are the low bits of a clock that
		 * babeltrace2 extends from the events: not ours to rebuild.
		 */
		return -ENOTSUP;
	}
	*end = bits;
	return 0;
}

uint64_t lta_packet_field_read(const unsigned char *buf,
			       const struct lta_packet_field *field, bool big)
{
	uint64_t v = 0;
	unsigned i;

	/*
	 * In CTF 1.8, little-endian fields count bits from the least
	 * significant bit of each byte, big-endian ones from the most
	 * significant; values are read most significant bit first here.
	 */
	for (i = 0; i < field->size; i++) {
		unsigned bit = field->offset + (big ? i : field->size - 1 - i);
		unsigned shift = big ? 7 - bit % 8 : bit % 8;

		v = v << 1 | ((buf[bit / 8] >> shift) & 1u);
	}
	return v;
}

static int read_exact(int fd, unsigned char *buf, size_t len, uint64_t offset)
{
	size_t n = 0;
	ssize_t r;

	while (n < len) {
		r = pread(fd, buf + n, len - n, (off_t)(offset + n));
		if (r < 0) {
			if (errno == EINTR) {
				continue;
			}
			return -errno;
		}
		if (r == 0) {
			return -EINVAL; /* The file ends in the packet. */
		}
		n += (size_t)r;
	}
	return 0;
}

static int table_push(struct lta_packet_table *table, size_t *cap,
		      const struct lta_packet_info *packet)
{
	if (table->count == *cap) {
		size_t n = *cap ? *cap * 2 : 64;
		struct lta_packet_info *p =
			realloc(table->packets, n * sizeof(*p));

		if (!p) {
			return -ENOMEM;
		}
		table->packets = p;
		*cap = n;
	}
	table->packets[table->count++] = *packet;
	return 0;
}

/* Where the fields of a stream's packets lie. */
struct packet_layout {
	struct lta_packet_header_layout hdr;
	struct lta_packet_field ctx[CTX_COUNT];
	unsigned bits; /* Header and context. */
};

/*
 * Reads the layout of the packets of the stream file FD from the header of
 * its first packet (which names the stream class, hence the context) into
 * L, whose header part is filled. BUF holds LAYOUT_MAX_BITS.
 */
static int first_packet_layout(const struct tsdl *m, int fd, unsigned char *buf,
			       struct packet_layout *l)
{
	const struct lta_packet_header_layout *hdr = &l->hdr;
	bool big = hdr->big_endian;
	int ret = read_exact(fd, buf, (hdr->bits + 7) / 8, 0);

	if (ret) {
		return ret;
	}
	if (lta_packet_field_read(buf, &hdr->magic, big) != CTF_MAGIC) {
		/* Right in the other byte order: the metadata is wrong. */
		return lta_packet_field_read(buf, &hdr->magic, !big) ==
				       CTF_MAGIC
			       ? -ENOTSUP
			       : -EINVAL;
	}
	return context_layout(
		m,
		hdr->stream_id.found
			? lta_packet_field_read(buf, &hdr->stream_id, big)
			: 0,
		hdr->stream_id.found, hdr->bits, l->ctx, &l->bits);
}

/* Reads the header and context of the packet at OFFSET into P. */
static int read_packet(int fd, const struct packet_layout *l,
		       unsigned char *buf, uint64_t offset, uint64_t file_size,
		       struct lta_packet_info *p)
{
	const struct lta_packet_field *ctx = l->ctx;
	size_t len = (l->bits + 7) / 8;
	bool big = l->hdr.big_endian;
	int ret;

	if (len > file_size - offset) {
		return -EINVAL; /* The file ends in the packet's context. */
	}
	ret = read_exact(fd, buf, len, offset);
	if (ret) {
		return ret;
	}
	if (lta_packet_field_read(buf, &l->hdr.magic, big) != CTF_MAGIC) {
		return -EINVAL;
	}
	memset(p, 0, sizeof(*p));
	p->offset = offset;
	if (l->hdr.stream_id.found) {
		p->stream_id =
			lta_packet_field_read(buf, &l->hdr.stream_id, big);
	}
	p->instance_id = lta_packet_field_read(buf, &l->hdr.instance_id, big);
	p->packet_size = lta_packet_field_read(buf, &ctx[CTX_PACKET_SIZE], big);
	p->content_size =
		lta_packet_field_read(buf, &ctx[CTX_CONTENT_SIZE], big);
	p->ts_begin = lta_packet_field_read(buf, &ctx[CTX_TS_BEGIN], big);
	p->ts_end = lta_packet_field_read(buf, &ctx[CTX_TS_END], big);
	if (ctx[CTX_EVENTS_DISCARDED].found) {
		p->events_discarded = lta_packet_field_read(
			buf, &ctx[CTX_EVENTS_DISCARDED], big);
	}
	if (ctx[CTX_SEQ_NUM].found) {
		p->seq_num = lta_packet_field_read(buf, &ctx[CTX_SEQ_NUM], big);
	}
	return 0;
}

/*
 * Whether packet P, with ROOM bytes from its start to the file's end, may
 * follow PREV (NULL for the first) in a stream file of layout L.
 */
static bool packet_valid(const struct lta_packet_info *p,
			 const struct lta_packet_info *prev,
			 const struct packet_layout *l, uint64_t room)
{
	if (prev && (p->stream_id != prev->stream_id ||
		     p->instance_id != prev->instance_id ||
		     p->ts_begin < prev->ts_begin)) {
		return false;
	}
	/* A crashed tracer leaves timestamp_end 0 in its last packets. */
	return p->packet_size > 0 && p->packet_size % 8 == 0 &&
	       p->packet_size / 8 <= room &&
	       p->content_size <= p->packet_size &&
	       p->content_size >= l->bits && p->ts_end >= p->ts_begin &&
	       p->ts_end != 0;
}

int lta_decode_packet_table(const char *trace_dir, const char *stream_path,
			    struct lta_packet_table *table)
{
	unsigned char buf[LAYOUT_MAX_BITS / 8 + 8];
	struct packet_layout l;
	struct tsdl m = { 0 };
	char path[4096];
	size_t cap = 0;
	uint64_t offset = 0, file_size;
	struct stat st;
	int fd = -1, ret;

	memset(table, 0, sizeof(*table));
	memset(&l, 0, sizeof(l));
	if (stream_path[0] == '/') {
		snprintf(path, sizeof(path), "%s", stream_path);
	} else {
		snprintf(path, sizeof(path), "%s/%s", trace_dir, stream_path);
	}
	ret = tsdl_open(trace_dir, &m);
	if (ret) {
		goto end;
	}
	ret = header_layout(&m, &l.hdr);
	if (ret) {
		goto end;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		ret = -errno;
		goto end;
	}
	if (!S_ISREG(st.st_mode) || st.st_size == 0) {
		ret = -EINVAL;
		goto end;
	}
	file_size = (uint64_t)st.st_size;
	ret = first_packet_layout(&m, fd, buf, &l);
	if (ret) {
		goto end;
	}
	table->has_events_discarded = l.ctx[CTX_EVENTS_DISCARDED].found;
	table->has_seq_num = l.ctx[CTX_SEQ_NUM].found;
	table->big_endian = l.hdr.big_endian;
	/* Each packet must end where the next begins, the last at the end. */
	while (offset < file_size) {
		struct lta_packet_info p;

		ret = read_packet(fd, &l, buf, offset, file_size, &p);
		if (ret == 0 &&
		    !packet_valid(&p,
				  table->count
					  ? &table->packets[table->count - 1]
					  : NULL,
				  &l, file_size - offset)) {
			ret = -EINVAL;
		}
		if (ret == 0) {
			ret = table_push(table, &cap, &p);
		}
		if (ret) {
			LTA_LOGD("Packet not read: file=\"%s\", offset=%" PRIu64
				 ", error=\"%s\"",
				 path, offset, strerror(-ret));
			goto end;
		}
		offset += p.packet_size / 8;
	}
end:
	if (ret == -ENOTSUP) {
		LTA_LOGD("Packet layout not known for sure: file=\"%s\"", path);
	}
	if (fd >= 0) {
		close(fd);
	}
	free(m.text);
	if (ret) {
		lta_packet_table_fini(table);
	}
	return ret;
}

void lta_packet_table_fini(struct lta_packet_table *table)
{
	if (!table) {
		return;
	}
	free(table->packets);
	memset(table, 0, sizeof(*table));
}
