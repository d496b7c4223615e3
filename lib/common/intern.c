/* SPDX-License-Identifier: GPL-2.0-only */
#include "intern.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "htable.h"

struct node {
	struct node *next; /* Same hash. */
	char s[];
};

struct lta_intern {
	struct lta_htable by_hash; /* FNV-1a -> owned chain of nodes. */
};

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	while (*s) {
		h ^= (unsigned char)*s++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

struct lta_intern *lta_intern_create(void)
{
	struct lta_intern *intern = calloc(1, sizeof(*intern));

	if (!intern) {
		return NULL;
	}
	if (lta_htable_init(&intern->by_hash, 256)) {
		free(intern);
		return NULL;
	}
	return intern;
}

const char *lta_intern_get(struct lta_intern *intern, const char *s)
{
	uint64_t h = fnv1a(s);
	struct node *head = lta_htable_get(&intern->by_hash, h);
	struct node *n;
	size_t len;

	for (n = head; n; n = n->next) {
		if (strcmp(n->s, s) == 0) {
			return n->s;
		}
	}
	len = strlen(s);
	n = malloc(sizeof(*n) + len + 1);
	if (!n) {
		return NULL;
	}
	memcpy(n->s, s, len + 1);
	n->next = head;
	if (lta_htable_put(&intern->by_hash, h, n)) {
		free(n);
		return NULL;
	}
	return n->s;
}

void lta_intern_destroy(struct lta_intern *intern)
{
	size_t pos = 0;
	uint64_t key;
	void *value;

	if (!intern) {
		return;
	}
	while (lta_htable_next(&intern->by_hash, &pos, &key, &value)) {
		struct node *n = value;

		while (n) {
			struct node *next = n->next;

			free(n);
			n = next;
		}
	}
	lta_htable_fini(&intern->by_hash);
	free(intern);
}
