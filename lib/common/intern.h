/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * String interning: one canonical copy of each distinct string.
 *
 * The decoder interns event and system-call names when it resolves an event
 * class, so that syscall_entry_read and syscall_exit_read, or the same event
 * in two traces, carry the same name pointer: analyses then key their tables
 * by pointer and never compare strings per event. Not thread-safe.
 */
#ifndef LTA_COMMON_INTERN_H
#define LTA_COMMON_INTERN_H

struct lta_intern;

/* Returns NULL when out of memory. */
struct lta_intern *lta_intern_create(void);

/*
 * Returns the canonical copy of S (made on first use), owned by the table
 * and valid until it is destroyed; NULL when out of memory.
 */
const char *lta_intern_get(struct lta_intern *intern, const char *s);

/* Accepts NULL. Every string it returned becomes invalid. */
void lta_intern_destroy(struct lta_intern *intern);

#endif /* LTA_COMMON_INTERN_H */
