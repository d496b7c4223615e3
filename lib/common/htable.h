/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * An open-addressing hash table from 64-bit keys to pointers.
 *
 * The analyses look up threads by tid, event classes by address, processes
 * by pid, once or more per event: this table keeps those lookups to one
 * multiply and, usually, one cache line. Linear probing with backward-shift
 * deletion (no tombstones, so lookups stay short after many removals), and
 * the table doubles when it is 3/4 full.
 *
 * Not thread-safe: each table belongs to one analysis thread.
 */
#ifndef LTA_COMMON_HTABLE_H
#define LTA_COMMON_HTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lta_htable_slot {
	uint64_t key;
	void *value; /* NULL marks an empty slot. */
};

struct lta_htable {
	struct lta_htable_slot *slots; /* Owned. */
	size_t mask; /* Capacity - 1 (capacity is a power of 2). */
	size_t count;
};

/*
 * Initialises an empty table. Returns 0, or -ENOMEM.
 */
int lta_htable_init(struct lta_htable *table, size_t initial_capacity);

/*
 * Frees the slots (not the values). Accepts a zeroed table.
 */
void lta_htable_fini(struct lta_htable *table);

/*
 * Returns the value for KEY, or NULL.
 */
static inline void *lta_htable_get(const struct lta_htable *table, uint64_t key)
{
	size_t i;

	if (!table->slots) {
		return NULL;
	}
	i = (size_t)((key * 0x9E3779B97F4A7C15ULL) >> 17) & table->mask;
	for (;;) {
		const struct lta_htable_slot *slot = &table->slots[i];

		if (!slot->value) {
			return NULL;
		}
		if (slot->key == key) {
			return slot->value;
		}
		i = (i + 1) & table->mask;
	}
}

/*
 * Sets KEY to VALUE (non-NULL), replacing any previous value. Returns 0, or
 * -ENOMEM (the table is unchanged then).
 */
int lta_htable_put(struct lta_htable *table, uint64_t key, void *value);

/*
 * Removes KEY. Returns its value (for the caller to free), or NULL.
 */
void *lta_htable_remove(struct lta_htable *table, uint64_t key);

/*
 * Iteration: for (i = 0; lta_htable_next(t, &i, &k, &v);) { ... }
 * The table must not change during the iteration.
 */
bool lta_htable_next(const struct lta_htable *table, size_t *pos, uint64_t *key,
		     void **value);

#endif /* LTA_COMMON_HTABLE_H */
