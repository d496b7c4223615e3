/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Trace paths (trace-path.h): the check of a requested folder and the
 * bounded walk below it.
 */
#include "trace-path.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "common/htable.h"

#define DEFAULT_MAX_DEPTH 8
#define DEFAULT_MAX_ENTRIES 100000
#define DEFAULT_BUDGET_MS 2000

/* Pseudo file systems (linux/magic.h): nothing to read there. */
#define PROC_MAGIC 0x9fa0
#define SYSFS_MAGIC 0x62656572
#define DEVPTS_MAGIC 0x1cd1
#define DEBUGFS_MAGIC 0x64626720
#define TRACEFS_MAGIC 0x74726163
#define CGROUP_MAGIC 0x27e0eb
#define CGROUP2_MAGIC 0x63677270
#define SECURITYFS_MAGIC 0x73636673
#define BPF_MAGIC 0xcafe4a11

static const char *const refused[] = { "/proc", "/sys", "/dev" };

/* Whether PATH is PREFIX or below it (both canonical). */
static bool is_under(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	if (n == 1 && prefix[0] == '/') {
		return true;
	}
	return strncmp(path, prefix, n) == 0 &&
	       (path[n] == '\0' || path[n] == '/');
}

static bool is_refused(const char *canonical)
{
	size_t i;

	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		if (is_under(canonical, refused[i])) {
			return true;
		}
	}
	return false;
}

static bool is_pseudo_fs(long type)
{
	switch ((unsigned long)type) {
	case PROC_MAGIC:
	case SYSFS_MAGIC:
	case DEVPTS_MAGIC:
	case DEBUGFS_MAGIC:
	case TRACEFS_MAGIC:
	case CGROUP_MAGIC:
	case CGROUP2_MAGIC:
	case SECURITYFS_MAGIC:
	case BPF_MAGIC:
		return true;
	default:
		return false;
	}
}

int lta_trace_path_check(const char *path, const char *const *allowed,
			 char *resolved, size_t size, char *error, size_t esize)
{
	char canonical[PATH_MAX];
	struct stat st;
	struct statfs fs;
	size_t i;
	int ret;

	error[0] = '\0';
	if (!path || path[0] != '/') {
		snprintf(error, esize, "A trace path must be absolute");
		return -EINVAL;
	}
	for (i = 0; path[i]; i++) {
		if ((unsigned char)path[i] < 0x20 || path[i] == 0x7f) {
			snprintf(error, esize,
				 "A trace path has no control characters");
			return -EINVAL;
		}
	}
	if (i >= PATH_MAX) {
		snprintf(error, esize, "The trace path is too long");
		return -ENAMETOOLONG;
	}
	if (!realpath(path, canonical)) {
		ret = -errno;
		switch (ret) {
		case -ELOOP:
			snprintf(error, esize,
				 "Cannot resolve the trace path: a symlink "
				 "loop, or too many symlinks");
			break;
		case -ENAMETOOLONG:
			snprintf(error, esize,
				 "The trace path, or a name in it, is too "
				 "long");
			break;
		default:
			snprintf(error, esize, "Cannot open trace: %s",
				 strerror(-ret));
			break;
		}
		return ret;
	}
	if (is_refused(canonical)) {
		snprintf(error, esize,
			 "Traces are not read from /proc, /sys or /dev: "
			 "path=\"%s\"",
			 canonical);
		return -EPERM;
	}
	if (allowed && allowed[0]) {
		for (i = 0; allowed[i]; i++) {
			if (is_under(canonical, allowed[i])) {
				break;
			}
		}
		if (!allowed[i]) {
			snprintf(error, esize,
				 "The trace path is outside the folders the "
				 "daemon reads traces from: path=\"%s\"",
				 canonical);
			return -EPERM;
		}
	}
	if (stat(canonical, &st)) {
		ret = -errno;
		snprintf(error, esize, "Cannot open trace: %s", strerror(-ret));
		return ret;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(error, esize, "Not a trace folder: path=\"%s\"",
			 canonical);
		return -ENOTDIR;
	}
	if (statfs(canonical, &fs) == 0 && is_pseudo_fs((long)fs.f_type)) {
		snprintf(error, esize,
			 "Traces are not read from pseudo file systems: "
			 "path=\"%s\"",
			 canonical);
		return -EPERM;
	}
	if (access(canonical, R_OK | X_OK)) {
		ret = -errno;
		snprintf(error, esize, "Cannot read the trace folder: %s",
			 strerror(-ret));
		return ret;
	}
	if (strlen(canonical) >= size) {
		snprintf(error, esize, "The trace path is too long");
		return -ENAMETOOLONG;
	}
	memcpy(resolved, canonical, strlen(canonical) + 1);
	return 0;
}

/* --- discovery ----------------------------------------------------------- */

struct walk {
	const struct lta_trace_discovery *limits;
	char root[PATH_MAX]; /* Canonical. */
	lta_trace_found_fn found;
	void *user_data;
	struct lta_htable visited; /* Folders by (dev, ino). */
	long entries;
	int64_t deadline_ns;
	char *error;
	size_t esize;
};

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static uint64_t folder_key(const struct stat *st)
{
	/* Keys are never 0 (htable's empty slot): inode numbers are not. */
	return ((uint64_t)st->st_dev << 40) ^ (uint64_t)st->st_ino;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Whether SUB (a symlink) may be followed: it must resolve inside the
 * root unless the walk follows every symlink.
 */
static bool symlink_allowed(struct walk *w, const char *sub)
{
	char target[PATH_MAX];

	if (w->limits->follow_symlinks) {
		return true;
	}
	return realpath(sub, target) && is_under(target, w->root) &&
	       !is_refused(target);
}

static int over_limits(struct walk *w)
{
	if (++w->entries > w->limits->max_entries) {
		snprintf(w->error, w->esize,
			 "Trace discovery stopped: more than %ld entries "
			 "below the folder",
			 w->limits->max_entries);
		return -E2BIG;
	}
	if ((w->entries & 63) == 0 && mono_ns() > w->deadline_ns) {
		snprintf(w->error, w->esize,
			 "Trace discovery stopped: more than %d ms",
			 w->limits->budget_ms);
		return -ETIMEDOUT;
	}
	return 0;
}

/*
 * Reads PATH's names (no dot files) into *NAMES, sorted. Returns how
 * many, or a negative errno.
 */
static long read_names(struct walk *w, const char *path, char ***names)
{
	struct dirent *entry;
	DIR *dir = opendir(path);
	long count = 0, ret;
	char **list = NULL;

	*names = NULL;
	if (!dir) {
		return -errno;
	}
	while ((entry = readdir(dir))) {
		char **grown;

		if (entry->d_name[0] == '.') {
			continue;
		}
		ret = over_limits(w);
		if (ret) {
			goto error;
		}
		grown = realloc(list, (size_t)(count + 1) * sizeof(*list));
		if (!grown) {
			ret = -ENOMEM;
			goto error;
		}
		list = grown;
		list[count] = strdup(entry->d_name);
		if (!list[count]) {
			ret = -ENOMEM;
			goto error;
		}
		count++;
	}
	closedir(dir);
	if (count) {
		qsort(list, (size_t)count, sizeof(*list), compare_names);
	}
	*names = list;
	return count;

error:
	while (count) {
		free(list[--count]);
	}
	free(list);
	closedir(dir);
	return ret;
}

static int walk(struct walk *w, const char *path, int depth)
{
	char sub[PATH_MAX];
	struct stat st;
	char **names = NULL;
	long count, i;
	int ret = 0;

	if (snprintf(sub, sizeof(sub), "%s/metadata", path) >=
	    (int)sizeof(sub)) {
		return 0;
	}
	if (stat(sub, &st) == 0 && S_ISREG(st.st_mode)) {
		return w->found(path, w->user_data);
	}
	if (w->limits->not_a_trace) {
		ret = w->limits->not_a_trace(path, w->user_data);
		if (ret) {
			return ret;
		}
	}
	if (depth >= w->limits->max_depth) {
		return 0;
	}
	if (mono_ns() > w->deadline_ns) {
		snprintf(w->error, w->esize,
			 "Trace discovery stopped: more than %d ms",
			 w->limits->budget_ms);
		return -ETIMEDOUT;
	}
	count = read_names(w, path, &names);
	if (count < 0) {
		/* The root must be readable; a folder below it need not. */
		if (depth == 0 || count == -E2BIG || count == -ETIMEDOUT ||
		    count == -ENOMEM) {
			if (depth == 0 && count != -E2BIG &&
			    count != -ETIMEDOUT) {
				snprintf(w->error, w->esize,
					 "Cannot read folder: path=\"%s\", "
					 "error=\"%s\"",
					 path, strerror((int)-count));
			}
			return (int)count;
		}
		return 0;
	}
	for (i = 0; i < count && ret == 0; i++) {
		const char *slash = path[strlen(path) - 1] == '/' ? "" : "/";
		struct stat lst;
		struct statfs fs;

		if (snprintf(sub, sizeof(sub), "%s%s%s", path, slash,
			     names[i]) >= (int)sizeof(sub)) {
			continue;
		}
		if (lstat(sub, &lst)) {
			continue;
		}
		if (S_ISLNK(lst.st_mode)) {
			if (!symlink_allowed(w, sub) || stat(sub, &st)) {
				continue;
			}
		} else {
			st = lst;
		}
		if (!S_ISDIR(st.st_mode) || is_refused(sub)) {
			continue;
		}
		if (lta_htable_get(&w->visited, folder_key(&st))) {
			continue;
		}
		if (lta_htable_put(&w->visited, folder_key(&st), w)) {
			ret = -ENOMEM;
			break;
		}
		if (statfs(sub, &fs) == 0 && is_pseudo_fs((long)fs.f_type)) {
			continue;
		}
		ret = walk(w, sub, depth + 1);
	}
	for (i = 0; i < count; i++) {
		free(names[i]);
	}
	free(names);
	return ret;
}

int lta_trace_discover(const char *root,
		       const struct lta_trace_discovery *limits,
		       lta_trace_found_fn found, void *user_data, char *error,
		       size_t esize)
{
	struct lta_trace_discovery bounds = { 0 };
	struct walk *w = NULL;
	struct stat st;
	int ret;

	error[0] = '\0';
	if (limits) {
		bounds = *limits;
	}
	if (bounds.max_depth <= 0) {
		bounds.max_depth = DEFAULT_MAX_DEPTH;
	}
	if (bounds.max_entries <= 0) {
		bounds.max_entries = DEFAULT_MAX_ENTRIES;
	}
	if (bounds.budget_ms <= 0) {
		bounds.budget_ms = DEFAULT_BUDGET_MS;
	}
	/* PATH_MAX bytes of names: not on the stack of any thread. */
	w = calloc(1, sizeof(*w));
	if (!w || lta_htable_init(&w->visited, 64)) {
		free(w);
		snprintf(error, esize, "Out of memory");
		return -ENOMEM;
	}
	w->limits = &bounds;
	w->found = found;
	w->user_data = user_data;
	w->deadline_ns = mono_ns() + bounds.budget_ms * 1000000LL;
	w->error = error;
	w->esize = esize;
	if (!realpath(root, w->root) || stat(w->root, &st)) {
		ret = -errno;
		snprintf(error, esize,
			 "Cannot open trace: path=\"%s\", "
			 "error=\"%s\"",
			 root, strerror(-ret));
		goto end;
	}
	if (is_refused(w->root)) {
		ret = -EACCES;
		snprintf(error, esize,
			 "Traces are not read from /proc, /sys or /dev: "
			 "path=\"%s\"",
			 w->root);
		goto end;
	}
	if (lta_htable_put(&w->visited, folder_key(&st), w)) {
		ret = -ENOMEM;
		goto end;
	}
	/* The caller's spelling of the root names the traces found. */
	ret = walk(w, root, 0);
	if (ret == -ENOMEM && !error[0]) {
		snprintf(error, esize, "Out of memory");
	}
end:
	lta_htable_fini(&w->visited);
	free(w);
	return ret;
}
