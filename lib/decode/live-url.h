/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Live URLs: the strict parse of "net://RELAYD[:PORT]/host/HOST/SESSION",
 * the address of one session on a relay daemon's live port, as
 * babeltrace2's source.ctf.lttng-live takes it. The daemon parses a URL
 * from a REST client here first, so that a malformed one is the client's
 * error (400), never an unreachable relay daemon (502). No state: any
 * thread.
 */
#ifndef LTA_DECODE_LIVE_URL_H
#define LTA_DECODE_LIVE_URL_H

#include <stddef.h>
#include <stdint.h>

struct lta_live_url {
	/* The relay daemon: a name, an IPv4 or an IPv6 (no brackets). */
	char relay[254];
	uint16_t port;	   /* 5344 when the URL gives none. */
	char host[256];	   /* The traced host's name. */
	char session[256]; /* The session's name. */
};

/*
 * Parses URL into OUT: scheme net://, net4:// or net6://; a relay host
 * name (letters, digits, '.', '-', '_'), an IPv4 address or a bracketed
 * IPv6 address; an optional port from 1 to 65535; then exactly
 * "/host/HOST/SESSION", non-empty names without '/' or control
 * characters. Returns 0, or -EINVAL with a message in ERROR (SIZE bytes).
 */
int lta_live_url_parse(const char *url, struct lta_live_url *out, char *error,
		       size_t size);

#endif /* LTA_DECODE_LIVE_URL_H */
