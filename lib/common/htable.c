/* SPDX-License-Identifier: GPL-2.0-only */
#include "htable.h"

#include <errno.h>
#include <stdlib.h>

static size_t slot_of(const struct lta_htable *table, uint64_t key)
{
	return (size_t)((key * 0x9E3779B97F4A7C15ULL) >> 17) & table->mask;
}

int lta_htable_init(struct lta_htable *table, size_t initial_capacity)
{
	size_t capacity = 16;

	while (capacity < initial_capacity) {
		capacity <<= 1;
	}
	table->slots = calloc(capacity, sizeof(*table->slots));
	if (!table->slots) {
		table->mask = 0;
		table->count = 0;
		return -ENOMEM;
	}
	table->mask = capacity - 1;
	table->count = 0;
	return 0;
}

void lta_htable_fini(struct lta_htable *table)
{
	free(table->slots);
	table->slots = NULL;
	table->mask = 0;
	table->count = 0;
}

static void insert_new(struct lta_htable *table, uint64_t key, void *value)
{
	size_t i = slot_of(table, key);

	while (table->slots[i].value) {
		i = (i + 1) & table->mask;
	}
	table->slots[i].key = key;
	table->slots[i].value = value;
	table->count++;
}

static int grow(struct lta_htable *table)
{
	struct lta_htable old = *table;
	size_t i;

	table->slots = calloc((old.mask + 1) * 2, sizeof(*table->slots));
	if (!table->slots) {
		*table = old;
		return -ENOMEM;
	}
	table->mask = (old.mask + 1) * 2 - 1;
	table->count = 0;
	for (i = 0; i <= old.mask; i++) {
		if (old.slots[i].value) {
			insert_new(table, old.slots[i].key, old.slots[i].value);
		}
	}
	free(old.slots);
	return 0;
}

int lta_htable_put(struct lta_htable *table, uint64_t key, void *value)
{
	size_t i;
	int ret;

	if (!table->slots) {
		ret = lta_htable_init(table, 16);
		if (ret) {
			return ret;
		}
	}
	i = slot_of(table, key);
	while (table->slots[i].value) {
		if (table->slots[i].key == key) {
			table->slots[i].value = value;
			return 0;
		}
		i = (i + 1) & table->mask;
	}
	if ((table->count + 1) * 4 > (table->mask + 1) * 3) {
		ret = grow(table);
		if (ret) {
			return ret;
		}
	}
	insert_new(table, key, value);
	return 0;
}

void *lta_htable_remove(struct lta_htable *table, uint64_t key)
{
	size_t i, j;
	void *value;

	if (!table->slots) {
		return NULL;
	}
	i = slot_of(table, key);
	for (;;) {
		if (!table->slots[i].value) {
			return NULL;
		}
		if (table->slots[i].key == key) {
			break;
		}
		i = (i + 1) & table->mask;
	}
	value = table->slots[i].value;
	table->count--;

	/*
	 * Backward-shift deletion: move later members of the probe run into
	 * the hole when their home slot does not lie cyclically in (i, j].
	 */
	j = i;
	for (;;) {
		size_t home;

		table->slots[i].value = NULL;
		for (;;) {
			j = (j + 1) & table->mask;
			if (!table->slots[j].value) {
				return value;
			}
			home = slot_of(table, table->slots[j].key);
			if (i <= j ? (home <= i || home > j)
				   : (home <= i && home > j)) {
				break;
			}
		}
		table->slots[i] = table->slots[j];
		i = j;
	}
}

bool lta_htable_next(const struct lta_htable *table, size_t *pos, uint64_t *key,
		     void **value)
{
	size_t i;

	if (!table->slots) {
		return false;
	}
	for (i = *pos; i <= table->mask; i++) {
		if (table->slots[i].value) {
			*key = table->slots[i].key;
			*value = table->slots[i].value;
			*pos = i + 1;
			return true;
		}
	}
	*pos = i;
	return false;
}
