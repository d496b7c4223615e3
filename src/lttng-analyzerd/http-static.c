/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The dashboard's files: GET / (index.html) and GET /static/NAME, served
 * from the folder given by --web-dir (installed: $(pkgdatadir)/web; from
 * the source tree: SRCDIR/web) and the chart library of Debian's
 * libjs-chart.js.
 *
 * The files are a fixed list, read once when the server starts and kept
 * in memory, immutable, so that every HTTP thread serves them without a
 * lock and no client-given name ever reaches the file system: a name that
 * is not in the list (including anything with "..", "/" or "%2F", which
 * the route's {name} cannot hold anyway) is answered 404. Editing a file
 * needs a restart of the daemon.
 *
 * The page gets a Content-Security-Policy that allows only this origin's
 * scripts, styles and connections: no inline script can run even if a
 * stored request name ever slipped through the page's escaping.
 */
#include "http-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <microhttpd.h>

#include "common/log.h"

/* A file larger than this is not one of ours: refused at load. */
#define MAX_FILE_SIZE (4 * 1024 * 1024)

#define PAGE_POLICY                                                     \
	"default-src 'self'; img-src 'self' data:; object-src 'none'; " \
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

struct web_file {
	const char *name; /* As in /static/NAME; "" for the page at /. */
	const char *file; /* In the web folder. */
	const char *content_type;
	bool page;     /* Gets the Content-Security-Policy. */
	bool chart;    /* Found in the chart library's place as well. */
	bool optional; /* The page works without it. */
};

static const struct web_file files[] = {
	{ "", "index.html", "text/html; charset=utf-8", true, false, false },
	{ "app.js", "app.js", "text/javascript; charset=utf-8", false, false,
	  false },
	{ "style.css", "style.css", "text/css; charset=utf-8", false, false,
	  false },
	{ "chart.min.js", "chart.min.js", "text/javascript; charset=utf-8",
	  false, true, true },
};

#define FILE_COUNT (sizeof(files) / sizeof(files[0]))

struct lta_http_static {
	/* Contents of files[i], or NULL when absent. Owned. */
	char *content[FILE_COUNT];
	size_t size[FILE_COUNT];
};

/*
 * Reads PATH (a regular file of MAX_FILE_SIZE bytes at most) into *OUT.
 * Returns 0, -ENOENT when it does not exist, or another negative errno.
 */
static int read_file(const char *path, char **out, size_t *size)
{
	struct stat st;
	char *buf = NULL;
	size_t done = 0;
	int fd, ret = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		return -errno;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) ||
	    st.st_size > MAX_FILE_SIZE) {
		ret = -EINVAL;
		goto end;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		ret = -ENOMEM;
		goto end;
	}
	while (done < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + done, (size_t)st.st_size - done);

		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			ret = n < 0 ? -errno : -EIO;
			goto end;
		}
		done += (size_t)n;
	}
	buf[done] = '\0';
	*out = buf;
	*size = done;
	buf = NULL;
end:
	free(buf);
	close(fd);
	return ret;
}

struct lta_http_static *lta_http_static_load(const char *web_dir,
					     const char *chart_js, char *error,
					     size_t size)
{
	struct lta_http_static *web = calloc(1, sizeof(*web));
	char path[4096];
	size_t i;
	int ret;

	if (!web) {
		snprintf(error, size, "Out of memory");
		return NULL;
	}
	for (i = 0; i < FILE_COUNT; i++) {
		snprintf(path, sizeof(path), "%s/%s", web_dir, files[i].file);
		ret = read_file(path, &web->content[i], &web->size[i]);
		if (ret == -ENOENT && files[i].chart && chart_js &&
		    chart_js[0]) {
			snprintf(path, sizeof(path), "%s", chart_js);
			ret = read_file(path, &web->content[i], &web->size[i]);
		}
		if (ret == -ENOENT && files[i].optional) {
			LTA_LOGI("The dashboard has no charts: no chart "
				 "library (Debian's libjs-chart.js): "
				 "file=\"%s\"",
				 path);
			continue;
		}
		if (ret) {
			snprintf(error, size,
				 "Cannot read the dashboard's file: "
				 "file=\"%s\", error=\"%s\"",
				 path, strerror(-ret));
			lta_http_static_destroy(web);
			return NULL;
		}
	}
	return web;
}

void lta_http_static_destroy(struct lta_http_static *web)
{
	size_t i;

	if (!web) {
		return;
	}
	for (i = 0; i < FILE_COUNT; i++) {
		free(web->content[i]);
	}
	free(web);
}

void lta_http_get_static(struct lta_http_exchange *x)
{
	const struct lta_http_static *web = x->http->web;
	const char *name = x->name ? x->name : "";
	char *body;
	size_t i;

	for (i = 0; i < FILE_COUNT; i++) {
		if (strcmp(files[i].name, name) == 0) {
			break;
		}
	}
	if (i == FILE_COUNT || !web || !web->content[i]) {
		lta_http_reply_error(
			x, MHD_HTTP_NOT_FOUND, "not_found", "%s",
			!web ? "The dashboard is not installed (see "
			       "--web-dir in lttng-analyzerd(8)); the "
			       "API is under /api/v1."
			     : "The dashboard has no such file.");
		return;
	}
	/* The reply owns its body: a copy of the file kept at start. */
	body = malloc(web->size[i] + 1);
	if (!body) {
		return; /* No status: answered 500, out of memory. */
	}
	memcpy(body, web->content[i], web->size[i]);
	free(x->reply.body);
	x->reply.status = MHD_HTTP_OK;
	x->reply.content_type = files[i].content_type;
	x->reply.body = body;
	x->reply.body_len = web->size[i];
	x->reply.policy = files[i].page ? PAGE_POLICY : NULL;
}

bool lta_http_static_route(lta_http_handler get)
{
	return get == lta_http_get_static;
}
