/* SPDX-License-Identifier: GPL-2.0-only */
/* Live URLs (live-url.h). */
#include "live-url.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define DEFAULT_LIVE_PORT 5344

static bool is_name_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
}

/* Copies the segment at *P (up to '/' or the end) into OUT. */
static int segment(const char **p, char *out, size_t size)
{
	size_t n = strcspn(*p, "/"), i;

	if (n == 0 || n >= size) {
		return -1;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)(*p)[i];

		if (c < 0x20 || c == 0x7f) {
			return -1;
		}
	}
	memcpy(out, *p, n);
	out[n] = '\0';
	*p += n;
	return 0;
}

int lta_live_url_parse(const char *url, struct lta_live_url *out, char *error,
		       size_t size)
{
	const char *p, *end;
	unsigned char bin[sizeof(struct in6_addr)];
	size_t n;

	memset(out, 0, sizeof(*out));
	out->port = DEFAULT_LIVE_PORT;
	if (strncmp(url, "net://", 6) == 0) {
		p = url + 6;
	} else if (strncmp(url, "net4://", 7) == 0 ||
		   strncmp(url, "net6://", 7) == 0) {
		p = url + 7;
	} else {
		snprintf(error, size,
			 "A live URL starts with net://, net4:// or net6://");
		return -EINVAL;
	}
	if (*p == '[') {
		end = strchr(p, ']');
		n = end ? (size_t)(end - p - 1) : 0;
		if (!end || n == 0 || n >= INET6_ADDRSTRLEN) {
			snprintf(error, size,
				 "Malformed IPv6 relay address in the live "
				 "URL (expected [ADDRESS])");
			return -EINVAL;
		}
		memcpy(out->relay, p + 1, n);
		out->relay[n] = '\0';
		if (inet_pton(AF_INET6, out->relay, bin) != 1) {
			snprintf(error, size,
				 "Not an IPv6 address in the live URL: %s",
				 out->relay);
			return -EINVAL;
		}
		p = end + 1;
	} else {
		for (n = 0; is_name_char((unsigned char)p[n]); n++) {
		}
		if (n == 0 || n >= sizeof(out->relay)) {
			snprintf(error, size,
				 "The live URL has no valid relay host "
				 "(a name, an IPv4 address or [IPv6])");
			return -EINVAL;
		}
		memcpy(out->relay, p, n);
		out->relay[n] = '\0';
		p += n;
	}
	if (*p == ':') {
		unsigned long port = 0;

		p++;
		for (n = 0; p[n] >= '0' && p[n] <= '9' && n < 6; n++) {
			port = port * 10 + (unsigned long)(p[n] - '0');
		}
		if (n == 0 || port < 1 || port > 65535 ||
		    (p[n] != '/' && p[n] != '\0')) {
			snprintf(error, size,
				 "The live URL's port must be a number from "
				 "1 to 65535");
			return -EINVAL;
		}
		out->port = (uint16_t)port;
		p += n;
	}
	if (strncmp(p, "/host/", 6) != 0) {
		snprintf(error, size,
			 "A live URL is net://RELAYD[:PORT]/host/HOST/"
			 "SESSION");
		return -EINVAL;
	}
	p += 6;
	if (segment(&p, out->host, sizeof(out->host)) || *p != '/') {
		snprintf(error, size,
			 "A live URL is net://RELAYD[:PORT]/host/HOST/"
			 "SESSION: no valid HOST");
		return -EINVAL;
	}
	p++;
	if (segment(&p, out->session, sizeof(out->session)) || *p != '\0') {
		snprintf(error, size,
			 "A live URL is net://RELAYD[:PORT]/host/HOST/"
			 "SESSION: no valid SESSION (or more after it)");
		return -EINVAL;
	}
	return 0;
}
