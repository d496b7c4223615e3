/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer target: the URL parsers, lta_live_url_parse() (analyses'
 * live URLs) and lta_lttng_parse_relayd_url() (--relayd-url and a
 * session's relay_url). Asserts that what is accepted is well-formed:
 * a port from 1 to 65535, non-empty names without '/'.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode/live-url.h"
#include "lttng-daemons.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lta_live_url url;
	char *copy = malloc(size + 1), error[256], host[128];
	uint16_t ctrl, port;

	if (!copy) {
		return 0;
	}
	memcpy(copy, data, size);
	copy[size] = '\0';
	if (lta_live_url_parse(copy, &url, error, sizeof(error)) == 0) {
		if (url.port == 0 || !url.relay[0] || !url.host[0] ||
		    !url.session[0] || strchr(url.host, '/') ||
		    strchr(url.session, '/')) {
			abort();
		}
	} else if (!error[0]) {
		abort();
	}
	if (lta_lttng_parse_relayd_url(copy, host, sizeof(host), &ctrl,
				       &port) == 0) {
		if (!host[0] || strlen(host) >= sizeof(host) ||
		    (host[0] != '[' && strpbrk(host, " /:?#@[]"))) {
			abort();
		}
	}
	free(copy);
	return 0;
}
