/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * GET /api/v1/fleet: the fleet view (doc/fleet.md) of a daemon that
 * publishes to NATS JetStream (--nats-url): the stream read back whole
 * through the publisher's connection, the same JSON as
 * `lttng-analyzer fleet --format=json`.
 */
#include <errno.h>
#include <string.h>

#include "common/strbuf.h"
#include "http-internal.h"
#include "publish/publish.h"
#include "publisher.h"

/* Each message of the stream within this time, or 503. */
#define FLEET_TIMEOUT_MS 5000

void lta_http_get_fleet(struct lta_http_exchange *x)
{
	static const char *const no_parameters[] = { NULL };
	struct lta_publisher *p = x->http->context.publisher;
	struct lta_fleet_view *view;
	struct lta_strbuf out = { 0 };
	int ret;

	if (lta_http_query_check(x, no_parameters)) {
		return;
	}
	if (!p) {
		lta_http_reply_error(x, 404, "not_found",
				     "This daemon is in no fleet (it was "
				     "started without --nats-url).");
		return;
	}
	view = lta_fleet_view_read(lta_publisher_nats(p), FLEET_TIMEOUT_MS,
				   NULL, &ret);
	if (!view && ret == -ENOENT) {
		lta_http_reply_error(x, 404, "not_found",
				     "No stream %s yet: no daemon published.",
				     LTA_PUBLISH_STREAM);
		return;
	}
	if (!view) {
		lta_http_reply_error(x, 503, "unavailable",
				     "Cannot read the stream %s from NATS "
				     "(%s).",
				     LTA_PUBLISH_STREAM,
				     ret == -EAGAIN ? "not connected, or no "
						      "answer"
						    : strerror(-ret));
		return;
	}
	lta_fleet_view_json(view, &out);
	lta_fleet_view_destroy(view);
	if (out.failed) {
		lta_strbuf_fini(&out);
		lta_http_reply_json(x, 500, NULL);
		return;
	}
	lta_strbuf_putc(&out, '\n');
	lta_http_reply_buffer(x, 200, "application/json", &out);
	lta_strbuf_fini(&out);
}
