/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What each descriptor of a process is (socket, file, pipe), learned from
 * socket/accept/open exits and the statedump: it labels blocked time and
 * tells which calls lead to another component (interactions).
 */
#include "segment-internal.h"

#include <stdlib.h>
#include <string.h>

void lta_segment_set_fd_type(struct lta_segment *segment, uint32_t trace,
			     int32_t pid, int64_t fd, enum lta_fd_type type)
{
	if (fd < 0 || fd > 0xffffff || pid < 0) {
		return;
	}
	/* Best effort: a failed insert only loses a blocked-time label. */
	(void)lta_htable_put(&segment->fd_types,
			     fd_key(trace, pid, (int32_t)fd),
			     (void *)(uintptr_t)(type + 1));
}

enum lta_fd_type lta_segment_fd_type(struct lta_segment *segment,
				     uint32_t trace, int32_t pid, int32_t fd)
{
	uintptr_t v = (uintptr_t)lta_htable_get(&segment->fd_types,
						fd_key(trace, pid, fd));

	return v ? (enum lta_fd_type)(v - 1) : LTA_FD_OTHER;
}

void lta_segment_forget_fd(struct lta_segment *segment, uint32_t trace,
			   int32_t pid, int32_t fd)
{
	lta_htable_remove(&segment->fd_types, fd_key(trace, pid, fd));
}

enum lta_fd_type lta_segment_fd_type_of_filename(const char *name)
{
	if (!name) {
		return LTA_FD_OTHER;
	}
	if (strncmp(name, "socket:", 7) == 0) {
		return LTA_FD_SOCKET;
	}
	if (strncmp(name, "pipe:", 5) == 0) {
		return LTA_FD_PIPE;
	}
	if (name[0] == '/') {
		return LTA_FD_FILE;
	}
	return LTA_FD_OTHER;
}

/* Forgets the descriptor types of a process that exited. */
void lta_segment_forget_fds(struct lta_segment *segment, uint32_t trace,
			    int32_t pid)
{
	uint64_t prefix = fd_key(trace, pid, 0) >> 24, key, *keys = NULL;
	size_t pos = 0, n = 0, cap = 0, i;
	void *value;

	while (lta_htable_next(&segment->fd_types, &pos, &key, &value)) {
		if (key >> 24 != prefix) {
			continue;
		}
		if (n == cap) {
			uint64_t *grown;

			cap = cap ? cap * 2 : 64;
			grown = realloc(keys, cap * sizeof(*keys));
			if (!grown) {
				break;
			}
			keys = grown;
		}
		keys[n++] = key;
	}
	/* Removing moves entries: collect first, then remove. */
	for (i = 0; i < n; i++) {
		lta_htable_remove(&segment->fd_types, keys[i]);
	}
	free(keys);
}
