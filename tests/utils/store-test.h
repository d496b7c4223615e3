/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the store's unit tests share: a temporary root for the data folders
 * they create, and a monotonic clock for their timing diagnostics.
 */
#ifndef LTA_TESTS_STORE_TEST_H
#define LTA_TESTS_STORE_TEST_H

#include <stddef.h>
#include <stdint.h>

/*
 * Creates the root, NAME-XXXXXX under $TMPDIR (or /tmp); skips every test
 * (TAP) when it cannot.
 */
void store_test_init(const char *name);

/* Removes the root: the tests removed their folders first. */
void store_test_fini(void);

/* A folder NAME under the root, into OUT; it must not exist yet. */
void store_test_dir(char *out, size_t size, const char *name);

/* Removes a store's folder DIR and the files the store keeps in it. */
void store_test_remove_dir(const char *dir);

/* CLOCK_MONOTONIC, in nanoseconds. */
int64_t store_test_now_ns(void);

#endif /* LTA_TESTS_STORE_TEST_H */
