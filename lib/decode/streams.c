/* SPDX-License-Identifier: GPL-2.0-only */
#include "streams.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "metadata-check.h"
#include "partial.h"

#define CTF_MAGIC 0xc1fc1fc1u
#define HEADER_MAX 64 /* Bytes of a packet header we read at most. */

/* Where a packet-header field lies, in bits from the packet's start. */
struct field_at {
	bool found;
	unsigned offset, size;
};

struct header_layout {
	struct field_at magic, stream_id, instance_id;
	unsigned bits; /* Header size. */
};

static uint32_t u32_at(const unsigned char *p, bool big)
{
	return big ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
			       (uint32_t)p[2] << 8 | p[3]
		   : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 |
			       (uint32_t)p[1] << 8 | p[0];
}

/* Reads at most MAX bytes of PATH. Returns them (NUL-ended) or NULL. */
static char *read_file(const char *path, size_t max, size_t *len)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	char *buf;
	size_t n = 0;
	ssize_t r;

	if (fd < 0) {
		return NULL;
	}
	buf = malloc(max + 1);
	while (buf && n < max && (r = read(fd, buf + n, max - n)) > 0) {
		n += (size_t)r;
	}
	close(fd);
	if (buf) {
		buf[n] = '\0';
		*len = n;
	}
	return buf;
}

/* Reads "size = N" and "align = N" from an integer's body. */
static bool integer_attrs(const char *body, size_t len, unsigned *size,
			  unsigned *align)
{
	char buf[512];
	const char *p;

	if (len >= sizeof(buf)) {
		return false;
	}
	memcpy(buf, body, len);
	buf[len] = '\0';
	*size = 0;
	*align = 1;
	p = strstr(buf, "size");
	while (p &&
	       (p > buf && (isalnum((unsigned char)p[-1]) || p[-1] == '_'))) {
		p = strstr(p + 1, "size");
	}
	if (!p || sscanf(p, "size = %u", size) != 1) {
		return false;
	}
	p = strstr(buf, "align");
	if (p && sscanf(p, "align = %u", align) != 1) {
		return false;
	}
	if (strstr(buf, "byte_order")) {
		return false; /* Not the trace's own: not handled. */
	}
	return *size > 0 && *size <= 64 && *align > 0;
}

/* Finds "typealias integer { ... } := NAME;" and its attributes. */
static bool alias_attrs(const char *text, const char *name, unsigned *size,
			unsigned *align)
{
	const char *p = text;
	size_t nlen = strlen(name);

	while ((p = strstr(p, "typealias integer")) != NULL) {
		const char *open = strchr(p, '{');
		const char *close = open ? strchr(open, '}') : NULL;
		const char *q;

		if (!close) {
			return false;
		}
		q = close + 1;
		while (isspace((unsigned char)*q)) {
			q++;
		}
		if (q[0] == ':' && q[1] == '=') {
			q += 2;
			while (isspace((unsigned char)*q)) {
				q++;
			}
			if (strncmp(q, name, nlen) == 0 &&
			    (q[nlen] == ';' ||
			     isspace((unsigned char)q[nlen]))) {
				return integer_attrs(open + 1,
						     (size_t)(close - open - 1),
						     size, align);
			}
		}
		p = close;
	}
	return false;
}

/* Reads one field "TYPE NAME[N]" of the header at *POS; false: unknown. */
static bool header_field(const char *text, const char *field, size_t len,
			 struct header_layout *layout)
{
	char type[64], name[64];
	unsigned size, align, count = 1;
	const char *p = field, *end = field + len;
	size_t n = 0;

	while (p < end && isspace((unsigned char)*p)) {
		p++;
	}
	if (p == end) {
		return true; /* Empty: after the last ';'. */
	}
	if (strncmp(p, "integer", 7) == 0) {
		const char *open = memchr(p, '{', (size_t)(end - p));
		const char *close =
			open ? memchr(open, '}', (size_t)(end - open)) : NULL;

		if (!close ||
		    !integer_attrs(open + 1, (size_t)(close - open - 1), &size,
				   &align)) {
			return false;
		}
		p = close + 1;
	} else {
		while (p < end && (isalnum((unsigned char)*p) || *p == '_') &&
		       n < sizeof(type) - 1) {
			type[n++] = *p++;
		}
		type[n] = '\0';
		if (!alias_attrs(text, type, &size, &align)) {
			return false;
		}
	}
	while (p < end && isspace((unsigned char)*p)) {
		p++;
	}
	n = 0;
	while (p < end && (isalnum((unsigned char)*p) || *p == '_') &&
	       n < sizeof(name) - 1) {
		name[n++] = *p++;
	}
	name[n] = '\0';
	if (p < end && *p == '[' && sscanf(p, "[%u]", &count) != 1) {
		return false;
	}
	if (n == 0 || count == 0 || count > 4096 || (align & (align - 1))) {
		return false;
	}
	layout->bits = (layout->bits + align - 1) & ~(align - 1);
	if (strcmp(name, "magic") == 0) {
		layout->magic = (struct field_at){ true, layout->bits, size };
	} else if (strcmp(name, "stream_id") == 0) {
		layout->stream_id =
			(struct field_at){ true, layout->bits, size };
	} else if (strcmp(name, "stream_instance_id") == 0) {
		layout->instance_id =
			(struct field_at){ true, layout->bits, size };
	}
	layout->bits += size * count;
	return layout->bits <= HEADER_MAX * 8;
}

/* Reads the layout of packet.header from the metadata of DIR. */
static bool header_layout(const char *dir, struct header_layout *layout)
{
	char *text = lta_metadata_text(dir);
	const char *p, *body;
	int depth = 0;
	bool ok = false;

	memset(layout, 0, sizeof(*layout));
	p = text ? strstr(text, "packet.header") : NULL;
	p = p ? strchr(p, '{') : NULL;
	if (!p) {
		goto end;
	}
	body = p + 1;
	for (p = body; *p; p++) {
		if (*p == '{') {
			depth++;
		} else if (*p == '}' && depth-- == 0) {
			break;
		} else if (*p == ';' && depth == 0) {
			if (!header_field(text, body, (size_t)(p - body),
					  layout)) {
				goto end;
			}
			body = p + 1;
		}
	}
	ok = *p == '}' && layout->magic.found && layout->magic.offset == 0 &&
	     layout->magic.size == 32 && layout->instance_id.found &&
	     layout->instance_id.offset % 8 == 0 &&
	     (!layout->stream_id.found || layout->stream_id.offset % 8 == 0);
end:
	free(text);
	return ok;
}

static uint64_t uint_at(const unsigned char *p, unsigned bits, bool big)
{
	uint64_t v = 0;
	unsigned i, n = bits / 8;

	for (i = 0; i < n; i++) {
		v = big ? v << 8 | p[i] : v | (uint64_t)p[i] << (8 * i);
	}
	return v;
}

struct stream_key {
	uint64_t stream_class, instance;
};

size_t lta_decode_stream_groups(const struct lta_trace_filter *filter,
				long *group)
{
	const char *dir = lta_trace_filter_real_dir(filter);
	size_t count = lta_trace_filter_file_count(filter), i, j, groups = 0;
	struct stream_key *keys = calloc(count ? count : 1, sizeof(*keys));
	struct header_layout layout;
	bool known = keys && header_layout(dir, &layout);

	for (i = 0; i < count; i++) {
		const char *name = lta_trace_filter_file(filter, i);
		unsigned char head[HEADER_MAX];
		char path[4096];
		size_t len = 0;
		char *buf;
		bool big;

		group[i] = -1;
		if (!name) {
			continue;
		}
		group[i] = 0;
		if (!known) {
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		buf = read_file(path, layout.bits / 8, &len);
		if (!buf || len < layout.bits / 8) {
			free(buf);
			known = false;
			continue;
		}
		memcpy(head, buf, len);
		free(buf);
		big = u32_at(head, true) == CTF_MAGIC;
		if (!big && u32_at(head, false) != CTF_MAGIC) {
			known = false;
			continue;
		}
		keys[i].stream_class =
			layout.stream_id.found
				? uint_at(head + layout.stream_id.offset / 8,
					  layout.stream_id.size, big)
				: 0;
		keys[i].instance = uint_at(head + layout.instance_id.offset / 8,
					   layout.instance_id.size, big);
	}
	for (i = 0; i < count; i++) {
		if (group[i] < 0) {
			continue;
		}
		if (!known) {
			groups = 1;
			continue;
		}
		for (j = 0; j < i; j++) {
			if (group[j] >= 0 &&
			    keys[j].stream_class == keys[i].stream_class &&
			    keys[j].instance == keys[i].instance) {
				break;
			}
		}
		group[i] = j < i ? group[j] : (long)groups++;
	}
	if (!known && groups) {
		LTA_LOGI("Stream files read by one graph (packet header "
			 "layout not known for sure): trace=\"%s\"",
			 dir);
	}
	free(keys);
	return groups;
}
