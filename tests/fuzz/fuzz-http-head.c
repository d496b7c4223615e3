/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer target: the front's check of a request head
 * (lta_http_head_check()), on raw bytes. Asserts what the front relies
 * on: a verdict for every input, a complete head within the input, a
 * refusal with a 4xx or 505 and a code.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http-internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct lta_http_head_limits limits = {
		.max_head = 2048,
		.max_target = 512,
		.max_body = 1024,
	};
	struct lta_http_head head;
	char *copy = malloc(size ? size : 1);
	int ret;

	if (!copy) {
		return 0;
	}
	/* Exactly SIZE bytes: an overread is ASan's to find. */
	memcpy(copy, data, size);
	ret = lta_http_head_check(copy, size, &limits, &head);
	if (ret == 1 && (head.head_len == 0 || head.head_len > size ||
			 head.head_len > limits.max_head)) {
		abort();
	}
	if (ret == 0 && size >= limits.max_head) {
		abort();
	}
	if (ret < 0 && (!head.code || !head.message ||
			!((head.status >= 400 && head.status < 500) ||
			  head.status == 505))) {
		abort();
	}
	if (ret == 1 && head.has_length &&
	    head.content_length > limits.max_body) {
		abort();
	}
	free(copy);
	return 0;
}
