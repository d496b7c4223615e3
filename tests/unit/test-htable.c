/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The hash table against a plain array model: insertions, replacements and
 * backward-shift removals in a pseudo-random order, with growth.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/htable.h"
#include "common/intern.h"
#include "tap.h"

#define N 20000

static uint64_t next_random(uint64_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

int main(void)
{
	static uintptr_t model[N];
	struct lta_htable t = { 0 };
	struct lta_intern *intern;
	uint64_t rng = 0x1234567, key;
	size_t i, pos, live = 0, seen = 0, mismatches = 0;
	void *value;
	const char *a, *b;
	char buf[16];

	plan_no_plan();
	ok(lta_htable_get(&t, 1) == NULL, "get on a zeroed table is NULL");
	ok(lta_htable_remove(&t, 1) == NULL,
	   "remove on a zeroed table is NULL");
	for (i = 0; i < 200000; i++) {
		size_t k = next_random(&rng) % N;

		if (next_random(&rng) % 3 == 0) {
			void *got = lta_htable_remove(&t, k * 7919);

			if ((uintptr_t)got != model[k]) {
				mismatches++;
			}
			if (model[k]) {
				live--;
			}
			model[k] = 0;
		} else {
			uintptr_t v = (uintptr_t)i + 1;

			if (lta_htable_put(&t, k * 7919, (void *)v)) {
				mismatches++;
			}
			if (!model[k]) {
				live++;
			}
			model[k] = v;
		}
	}
	is_int(mismatches, 0, "removals return what was put");
	is_int(t.count, live, "count matches the model");
	for (i = 0; i < N; i++) {
		if ((uintptr_t)lta_htable_get(&t, i * 7919) != model[i]) {
			mismatches++;
		}
	}
	is_int(mismatches, 0, "every key reads back as the model says");
	pos = 0;
	while (lta_htable_next(&t, &pos, &key, &value)) {
		seen++;
	}
	is_int(seen, live, "iteration visits each live key once");
	lta_htable_fini(&t);

	intern = lta_intern_create();
	a = lta_intern_get(intern, "syscall");
	snprintf(buf, sizeof(buf), "sys%s", "call");
	b = lta_intern_get(intern, buf);
	ok(a && a == b, "equal strings intern to one pointer");
	ok(lta_intern_get(intern, "other") != a, "different strings do not");
	lta_intern_destroy(intern);
	return exit_status();
}
