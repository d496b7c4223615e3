/* SPDX-License-Identifier: GPL-2.0-only */
#include "streams.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "packets.h"
#include "partial.h"

#define CTF_MAGIC 0xc1fc1fc1u
#define HEADER_MAX 64 /* Bytes of a packet header we read at most. */

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

struct stream_key {
	uint64_t stream_class, instance;
};

size_t lta_decode_stream_groups(const struct lta_trace_filter *filter,
				long *group)
{
	const char *dir = lta_trace_filter_real_dir(filter);
	size_t count = lta_trace_filter_file_count(filter), i, j, groups = 0;
	struct stream_key *keys = calloc(count ? count : 1, sizeof(*keys));
	struct lta_packet_header_layout layout;
	bool known = keys &&
		     lta_decode_packet_header_layout(dir, &layout) == 0 &&
		     layout.bits <= HEADER_MAX * 8;

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
		buf = read_file(path, (layout.bits + 7) / 8, &len);
		if (!buf || len < (layout.bits + 7) / 8) {
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
				? lta_packet_field_read(head, &layout.stream_id,
							big)
				: 0;
		keys[i].instance =
			lta_packet_field_read(head, &layout.instance_id, big);
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
