/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Partial input: see partial.h for why babeltrace2 reads a filtered folder
 * when a trace folder holds something it must not open.
 */
#include "partial.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"

#define METADATA_NAME "metadata"
#define INDEX_NAME "index"
#define INDEX_SUFFIX ".idx"

/* LTTng's CTF packet index (lttng-tools' ctf-index.h), big-endian. */
#define INDEX_MAGIC 0xC1F1DCC1u
#define INDEX_HEADER_SIZE 16u
#define INDEX_ENTRY_MIN_SIZE 56u /* Index 1.0: seven 64-bit fields. */
#define INDEX_ENTRY_SIZE 72u	 /* Index 1.1, which we write: nine. */
#define INDEX_MAX_SIZE (256u << 20)

struct stream_file {
	char *name;	/* Owned. */
	bool read;	/* Given to babeltrace2. */
	bool has_index; /* index/NAME.idx given to babeltrace2. */
};

struct lta_trace_filter {
	char *trace_dir; /* Owned: as given, without trailing slashes. */
	char *real_dir;	 /* Owned: absolute, what babeltrace2 reads. */
	struct stream_file *files; /* Owned array. */
	size_t count;
	/* Something was left out: babeltrace2 reads filtered_dir. */
	bool filtered;
	char *filtered_dir; /* Owned; NULL until made. */
	bool stale;	    /* filtered_dir predates an exclusion. */
};

/* --- warnings ------------------------------------------------------------ */

int lta_warnings_add(struct lta_warning_list *list, const char *path,
		     bool events_lost, const char *fmt, ...)
{
	struct lta_warning_slot *items;
	char reason[1024];
	va_list ap;
	size_t i;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	LTA_LOGI("Partial input: path=\"%s\", reason=\"%s\"", path, reason);
	for (i = 0; i < list->count; i++) {
		struct lta_warning_slot *slot = &list->items[i];

		if (strcmp(slot->path, path) == 0) {
			size_t len = strlen(slot->reason);
			char *joined =
				realloc(slot->reason, len + strlen(reason) + 3);

			if (!joined) {
				return -ENOMEM;
			}
			sprintf(joined + len, "; %s", reason);
			slot->reason = joined;
			slot->view.reason = joined;
			slot->view.events_lost |= events_lost;
			return 0;
		}
	}
	items = realloc(list->items, (list->count + 1) * sizeof(*items));
	if (!items) {
		return -ENOMEM;
	}
	list->items = items;
	items[list->count].path = strdup(path);
	items[list->count].reason = strdup(reason);
	if (!items[list->count].path || !items[list->count].reason) {
		free(items[list->count].path);
		free(items[list->count].reason);
		return -ENOMEM;
	}
	items[list->count].view.path = items[list->count].path;
	items[list->count].view.reason = items[list->count].reason;
	items[list->count].view.events_lost = events_lost;
	list->count++;
	return 0;
}

const struct lta_decode_warning *
lta_warnings_get(const struct lta_warning_list *list, size_t index)
{
	return index < list->count ? &list->items[index].view : NULL;
}

void lta_warnings_fini(struct lta_warning_list *list)
{
	size_t i;

	for (i = 0; i < list->count; i++) {
		free(list->items[i].path);
		free(list->items[i].reason);
	}
	free(list->items);
	list->items = NULL;
	list->count = 0;
}

/* --- checking files ------------------------------------------------------ */

static const char *type_name(mode_t mode)
{
	if (S_ISDIR(mode)) {
		return "a folder";
	}
	if (S_ISFIFO(mode)) {
		return "a FIFO";
	}
	if (S_ISCHR(mode)) {
		return "a character device";
	}
	if (S_ISBLK(mode)) {
		return "a block device";
	}
	if (S_ISSOCK(mode)) {
		return "a socket";
	}
	return "not a regular file";
}

/*
 * Describes in WHAT what PATH is when it is not a regular file that can be
 * read, without opening anything else: "a FIFO", "a symbolic link to
 * /dev/zero, a character device", "cannot be opened (Permission denied)".
 * Returns true when PATH is a regular file opened fine; *SIZE is then its
 * size. WANT_DIR: PATH should be a folder (only its type is checked).
 */
static bool check_file(const char *path, bool want_dir, char *what,
		       size_t size_what, off_t *size)
{
	char target[PATH_MAX] = "";
	struct stat lst, st;
	int fd;

	if (lstat(path, &lst) != 0) {
		snprintf(what, size_what, "cannot be examined (%s)",
			 strerror(errno));
		return false;
	}
	st = lst;
	if (S_ISLNK(lst.st_mode)) {
		ssize_t n = readlink(path, target, sizeof(target) - 1);

		target[n > 0 ? n : 0] = '\0';
		if (stat(path, &st) != 0) {
			snprintf(what, size_what,
				 "a symbolic link to \"%s\", which cannot be "
				 "examined (%s)",
				 target, strerror(errno));
			return false;
		}
	}
	if (want_dir ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode)) {
		if (want_dir) {
			return true;
		}
	} else {
		if (target[0]) {
			snprintf(what, size_what,
				 "a symbolic link to \"%s\", %s, not a %s",
				 target, type_name(st.st_mode),
				 want_dir ? "folder" : "regular file");
		} else {
			snprintf(what, size_what, "%s, not a %s",
				 type_name(st.st_mode),
				 want_dir ? "folder" : "regular file");
		}
		return false;
	}
	/*
	 * A regular file: opening it cannot block, and O_NONBLOCK covers
	 * the file being swapped for a FIFO since the stat().
	 */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(what, size_what, "cannot be opened (%s)",
			 strerror(errno));
		return false;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(what, size_what, "changed while being checked");
		close(fd);
		return false;
	}
	close(fd);
	*size = st.st_size;
	return true;
}

static uint64_t be64(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++) {
		v = v << 8 | p[i];
	}
	return v;
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/*
 * Validates the LTTng index at PATH as babeltrace2 2.0 does (it falls back
 * to reading the stream's packets when the index is bad). Returns true
 * with the bytes the index describes in *INDEXED, or false with why in
 * WHAT.
 */
static bool check_index(const char *path, off_t size, char *what,
			size_t size_what, uint64_t *indexed)
{
	unsigned char *bytes = NULL;
	uint64_t total = 0, prev = 0;
	uint32_t entry_len;
	size_t done = 0, i, entries;
	bool ok = false;
	int fd = -1;

	if (size < (off_t)INDEX_HEADER_SIZE || size > (off_t)INDEX_MAX_SIZE) {
		snprintf(what, size_what, "%lld bytes, not an LTTng index",
			 (long long)size);
		goto end;
	}
	bytes = malloc((size_t)size);
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (!bytes || fd < 0) {
		snprintf(what, size_what, "cannot be read (%s)",
			 strerror(errno));
		goto end;
	}
	while (done < (size_t)size) {
		ssize_t n = read(fd, bytes + done, (size_t)size - done);

		if (n <= 0) {
			snprintf(what, size_what, "cannot be read (%s)",
				 n < 0 ? strerror(errno) : "shorter than said");
			goto end;
		}
		done += (size_t)n;
	}
	entry_len = be32(bytes + 12);
	if (be32(bytes) != INDEX_MAGIC) {
		snprintf(what, size_what, "bad magic number");
		goto end;
	}
	if (be32(bytes + 4) != 1) {
		snprintf(what, size_what, "unknown index version %u",
			 be32(bytes + 4));
		goto end;
	}
	if (entry_len < INDEX_ENTRY_MIN_SIZE ||
	    (done - INDEX_HEADER_SIZE) % entry_len != 0) {
		snprintf(what, size_what,
			 "entries of %u bytes do not fill its %zu bytes",
			 entry_len, done);
		goto end;
	}
	entries = (done - INDEX_HEADER_SIZE) / entry_len;
	for (i = 0; i < entries; i++) {
		const unsigned char *e =
			bytes + INDEX_HEADER_SIZE + i * entry_len;
		uint64_t offset = be64(e), bits = be64(e + 8);

		if (bits % 8 != 0 || (i > 0 && offset < prev)) {
			snprintf(what, size_what, "packet %zu is malformed", i);
			goto end;
		}
		prev = offset;
		total += bits / 8;
	}
	*indexed = total;
	ok = true;
end:
	if (fd >= 0) {
		close(fd);
	}
	free(bytes);
	return ok;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted names of DIR but "." and "..". Returns NULL on error. */
static char **list_names(const char *dir, size_t *count)
{
	struct dirent *entry;
	char **names = NULL;
	DIR *d = opendir(dir);

	*count = 0;
	if (!d) {
		return NULL;
	}
	while ((entry = readdir(d))) {
		char **grown;

		if (strcmp(entry->d_name, ".") == 0 ||
		    strcmp(entry->d_name, "..") == 0) {
			continue;
		}
		grown = realloc(names, (*count + 2) * sizeof(*names));
		if (!grown) {
			goto error;
		}
		names = grown;
		names[*count] = strdup(entry->d_name);
		if (!names[*count]) {
			goto error;
		}
		(*count)++;
	}
	if (!names) {
		names = calloc(1, sizeof(*names));
		if (!names) {
			goto error;
		}
	}
	names[*count] = NULL;
	qsort(names, *count, sizeof(*names), compare_names);
	closedir(d);
	return names;

error:
	while (names && *count > 0) {
		free(names[--*count]);
	}
	free(names);
	closedir(d);
	errno = ENOMEM;
	return NULL;
}

static void free_names(char **names, size_t count)
{
	size_t i;

	for (i = 0; i < count && names; i++) {
		free(names[i]);
	}
	free(names);
}

static int warn(struct lta_trace_filter *filter,
		struct lta_warning_list *warnings, const char *name,
		const char *sub, bool events_lost, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/*
 * Adds a warning about NAME (in the trace folder, or in its folder SUB)
 * and marks the filter as leaving something out.
 */
static int warn(struct lta_trace_filter *filter,
		struct lta_warning_list *warnings, const char *name,
		const char *sub, bool events_lost, const char *fmt, ...)
{
	char path[PATH_MAX], reason[1024];
	va_list ap;

	filter->filtered = true;
	snprintf(path, sizeof(path), "%s/%s%s%s", filter->trace_dir,
		 sub ? sub : "", sub ? "/" : "", name);
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	return lta_warnings_add(warnings, path, events_lost, "%s", reason);
}

/* Checks index/NAME.idx of the stream file FILE of SIZE bytes. */
static int check_stream_index(struct lta_trace_filter *filter,
			      struct stream_file *file, off_t size,
			      struct lta_warning_list *warnings)
{
	char path[PATH_MAX], name[NAME_MAX + 8], what[PATH_MAX + 128];
	struct stat st;
	uint64_t indexed;
	off_t index_size;

	snprintf(name, sizeof(name), "%s" INDEX_SUFFIX, file->name);
	snprintf(path, sizeof(path), "%s/" INDEX_NAME "/%s", filter->trace_dir,
		 name);
	if (lstat(path, &st) != 0 && errno == ENOENT) {
		/* No index: babeltrace2 reads the packets to make one. */
		return 0;
	}
	if (!check_file(path, false, what, sizeof(what), &index_size) ||
	    !check_index(path, index_size, what, sizeof(what), &indexed)) {
		return warn(filter, warnings, name, INDEX_NAME, false,
			    "index ignored: %s; the stream's packets were "
			    "indexed instead",
			    what);
	}
	file->has_index = true;
	if (indexed > (uint64_t)size) {
		char truncated[128];

		snprintf(truncated, sizeof(truncated),
			 "%lld bytes where its index describes %llu",
			 (long long)size, (unsigned long long)indexed);
		return warn(filter, warnings, file->name, NULL, true,
			    "truncated: %s", truncated);
	}
	return 0;
}

struct lta_trace_filter *
lta_trace_filter_create(const char *trace_dir,
			struct lta_warning_list *warnings)
{
	struct lta_trace_filter *filter = calloc(1, sizeof(*filter));
	char path[PATH_MAX], what[PATH_MAX + 128];
	char **names = NULL;
	size_t count = 0, i, len;
	bool index_dir = false;
	int err = ENOMEM;

	if (!filter) {
		goto error;
	}
	filter->trace_dir = strdup(trace_dir);
	if (!filter->trace_dir) {
		goto error;
	}
	len = strlen(filter->trace_dir);
	while (len > 1 && filter->trace_dir[len - 1] == '/') {
		filter->trace_dir[--len] = '\0';
	}
	filter->real_dir = realpath(filter->trace_dir, NULL);
	names = list_names(filter->trace_dir, &count);
	if (!filter->real_dir || !names) {
		err = errno;
		goto error;
	}
	filter->files = calloc(count ? count : 1, sizeof(*filter->files));
	if (!filter->files) {
		goto error;
	}
	/* The index folder first: stream checks look into it. */
	snprintf(path, sizeof(path), "%s/" INDEX_NAME, filter->trace_dir);
	if (access(path, F_OK) == 0 || errno != ENOENT) {
		off_t unused;

		index_dir = check_file(path, true, what, sizeof(what), &unused);
		if (!index_dir &&
		    warn(filter, warnings, INDEX_NAME, NULL, false,
			 "index folder ignored: %s; the stream's packets "
			 "were indexed instead",
			 what)) {
			goto error;
		}
	}
	for (i = 0; i < count; i++) {
		struct stream_file *file = &filter->files[filter->count];
		off_t size = 0;

		/* What babeltrace2 2.0 itself leaves aside. */
		if (names[i][0] == '.' ||
		    strcmp(names[i], METADATA_NAME) == 0 ||
		    strcmp(names[i], INDEX_NAME) == 0) {
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", filter->trace_dir,
			 names[i]);
		file->name = names[i];
		names[i] = NULL;
		filter->count++;
		if (!check_file(path, false, what, sizeof(what), &size)) {
			if (warn(filter, warnings, file->name, NULL, true,
				 "not read: %s", what)) {
				goto error;
			}
			continue;
		}
		if (size == 0) {
			if (warn(filter, warnings, file->name, NULL, true,
				 "not read: %s", "empty (0 bytes)")) {
				goto error;
			}
			continue;
		}
		file->read = true;
		if (index_dir &&
		    check_stream_index(filter, file, size, warnings)) {
			goto error;
		}
	}
	free_names(names, count);
	return filter;

error:
	free_names(names, count);
	lta_trace_filter_destroy(filter);
	errno = err;
	return NULL;
}

/* --- the filtered folder ------------------------------------------------- */

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/*
 * Removes the links in FOLDER and in its index folder, then FOLDER. OURS:
 * this process made it (anything left out of it is said); else only links
 * go, and the index files a lane wrote (IN_INDEX: FOLDER is an index
 * folder), and a folder with anything else in it stays.
 */
static void remove_links(const char *folder, bool ours, bool in_index)
{
	char path[PATH_MAX];
	char **names;
	size_t count, i;
	struct stat st;

	names = list_names(folder, &count);
	for (i = 0; i < count && names; i++) {
		snprintf(path, sizeof(path), "%s/%s", folder, names[i]);
		if (lstat(path, &st) != 0) {
			continue;
		}
		if (S_ISDIR(st.st_mode) && strcmp(names[i], INDEX_NAME) == 0) {
			remove_links(path, ours, true);
		} else if ((ours || S_ISLNK(st.st_mode) ||
			    (in_index && S_ISREG(st.st_mode) &&
			     ends_with(names[i], INDEX_SUFFIX))) &&
			   unlink(path) != 0 && ours) {
			LTA_LOGW("Cannot remove a link of a filtered trace "
				 "folder: path=\"%s\", error=\"%s\"",
				 path, strerror(errno));
		}
	}
	free_names(names, count);
	if (rmdir(folder) != 0 && ours) {
		LTA_LOGW("Cannot remove a filtered trace folder: "
			 "path=\"%s\", error=\"%s\"",
			 folder, strerror(errno));
	}
}

/* Removes FOLDER, made by make_folder(): links and an index folder. */
static void remove_filtered(const char *folder)
{
	remove_links(folder, true, false);
}

static int link_into(const char *target_dir, const char *folder,
		     const char *name)
{
	char target[PATH_MAX], link[PATH_MAX];

	if (snprintf(target, sizeof(target), "%s/%s", target_dir, name) >=
		    (int)sizeof(target) ||
	    snprintf(link, sizeof(link), "%s/%s", folder, name) >=
		    (int)sizeof(link)) {
		return -ENAMETOOLONG;
	}
	return symlink(target, link) ? -errno : 0;
}

#define FOLDER_PREFIX "lta-trace-"

/*
 * Removes the folders of links that processes now gone left in TMP (a
 * process killed before it could remove its own: "lta-trace-PID-XXXXXX").
 * Only links and an index folder of links are removed: a folder with
 * anything else in it stays. Once per process.
 */
static void remove_stale_folders(const char *dir)
{
	DIR *d;
	struct dirent *e;

	d = opendir(dir);
	if (!d) {
		return;
	}
	while ((e = readdir(d)) != NULL) {
		char path[PATH_MAX];
		char *end;
		long pid;

		if (strncmp(e->d_name, FOLDER_PREFIX, strlen(FOLDER_PREFIX))) {
			continue;
		}
		pid = strtol(e->d_name + strlen(FOLDER_PREFIX), &end, 10);
		if (end == e->d_name + strlen(FOLDER_PREFIX) || *end != '-' ||
		    pid <= 0 || pid == (long)getpid() ||
		    kill((pid_t)pid, 0) == 0 || errno != ESRCH) {
			continue;
		}
		if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) <
		    (int)sizeof(path)) {
			LTA_LOGI("Removing a folder of links left by a process "
				 "gone: path=\"%s\"",
				 path);
			remove_links(path, false, false);
		}
	}
	closedir(d);
}

/*
 * An index file of our own for one stream file (lta_trace_filter_slice()):
 * packets FIRST, FIRST + STEP, ... of TABLE.
 */
struct own_index {
	size_t file;
	const struct lta_packet_table *table;
	size_t first, step;
};

static unsigned char *put_be32(unsigned char *p, uint32_t v)
{
	int i;

	for (i = 3; i >= 0; i--) {
		*p++ = (unsigned char)(v >> (8 * i));
	}
	return p;
}

static unsigned char *put_be64(unsigned char *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--) {
		*p++ = (unsigned char)(v >> (8 * i));
	}
	return p;
}

/*
 * OWN in LTTng's index format 1.1 (what check_index() reads): malloc'ed,
 * *SIZE bytes; NULL when out of memory. babeltrace2 2.0 reads a stream
 * packet by packet as its index lists them, and checks that the sizes
 * listed add up to the file's: the last entry takes what the others leave
 * (each packet's own size comes from its context).
 */
static unsigned char *index_bytes(const struct own_index *own, size_t *size)
{
	const struct lta_packet_table *t = own->table;
	const struct lta_packet_info *last = &t->packets[t->count - 1];
	uint64_t file_bytes = last->offset + last->packet_size / 8, listed = 0;
	size_t n = (t->count - own->first + own->step - 1) / own->step, i;
	unsigned char *bytes, *p;

	*size = INDEX_HEADER_SIZE + n * INDEX_ENTRY_SIZE;
	bytes = malloc(*size);
	if (!bytes) {
		return NULL;
	}
	p = put_be32(bytes, INDEX_MAGIC);
	p = put_be32(p, 1);
	p = put_be32(p, 1);
	p = put_be32(p, INDEX_ENTRY_SIZE);
	for (i = 0; i < n; i++) {
		const struct lta_packet_info *k =
			&t->packets[own->first + i * own->step];
		uint64_t bits =
			i + 1 == n ? (file_bytes - listed) * 8 : k->packet_size;

		listed += bits / 8;
		p = put_be64(p, k->offset);
		p = put_be64(p, bits);
		p = put_be64(p, k->content_size);
		p = put_be64(p, k->ts_begin);
		p = put_be64(p, k->ts_end);
		p = put_be64(p, k->events_discarded);
		p = put_be64(p, k->stream_id);
		p = put_be64(p, k->instance_id);
		p = put_be64(p, k->seq_num);
	}
	return bytes;
}

static int write_index(const char *index_dir, const char *name,
		       const struct own_index *own)
{
	char path[PATH_MAX];
	size_t done = 0, size;
	unsigned char *bytes;
	int fd, ret = 0;

	if (snprintf(path, sizeof(path), "%s/%s" INDEX_SUFFIX, index_dir,
		     name) >= (int)sizeof(path)) {
		return -ENAMETOOLONG;
	}
	bytes = index_bytes(own, &size);
	if (!bytes) {
		return -ENOMEM;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		free(bytes);
		return -errno;
	}
	while (done < size && ret == 0) {
		ssize_t w = write(fd, bytes + done, size - done);

		if (w < 0 && errno != EINTR) {
			ret = -errno;
		} else if (w > 0) {
			done += (size_t)w;
		}
	}
	if (close(fd) && ret == 0) {
		ret = -errno;
	}
	free(bytes);
	return ret;
}

/*
 * Makes a new folder of links to the metadata and to the stream files that
 * passed (only those with TAKE[i] set, when TAKE is given), with their
 * index files (OWN's file: an index of ours). Returns 0 with *OUT set (owned),
 * or a negative errno.
 */
static int make_folder(const struct lta_trace_filter *filter, const bool *take,
		       const struct own_index *own, char **out)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	static bool swept;
	const char *tmp = getenv("TMPDIR");
	char folder[PATH_MAX], real_index[PATH_MAX], index[PATH_MAX];
	bool index_made = false;
	size_t i;
	int ret;

	if (!tmp || !tmp[0]) {
		tmp = "/tmp";
	}
	pthread_mutex_lock(&lock);
	if (!swept) {
		swept = true;
		remove_stale_folders(tmp);
	}
	pthread_mutex_unlock(&lock);
	snprintf(folder, sizeof(folder), "%s/" FOLDER_PREFIX "%ld-XXXXXX", tmp,
		 (long)getpid());
	if (!mkdtemp(folder)) {
		return -errno;
	}
	ret = link_into(filter->real_dir, folder, METADATA_NAME);
	if (snprintf(real_index, sizeof(real_index), "%s/" INDEX_NAME,
		     filter->real_dir) >= (int)sizeof(real_index) ||
	    snprintf(index, sizeof(index), "%s/" INDEX_NAME, folder) >=
		    (int)sizeof(index)) {
		ret = -ENAMETOOLONG;
	}
	for (i = 0; i < filter->count && ret == 0; i++) {
		struct stream_file *file = &filter->files[i];
		char name[NAME_MAX + 8];

		if (!file->read || (take && !take[i])) {
			continue;
		}
		ret = link_into(filter->real_dir, folder, file->name);
		if (ret || (!file->has_index && !(own && own->file == i))) {
			continue;
		}
		if (!index_made) {
			ret = mkdir(index, 0700) ? -errno : 0;
			index_made = true;
		}
		snprintf(name, sizeof(name), "%s" INDEX_SUFFIX, file->name);
		if (ret == 0 && own && own->file == i) {
			ret = write_index(index, file->name, own);
		} else if (ret == 0) {
			ret = link_into(real_index, index, name);
		}
	}
	if (ret == 0) {
		*out = strdup(folder);
		ret = *out ? 0 : -ENOMEM;
	}
	if (ret) {
		remove_filtered(folder);
	}
	return ret;
}

/* Makes a new filtered folder of links to the files that passed. */
static int make_filtered(struct lta_trace_filter *filter)
{
	char *folder = NULL;
	int ret = make_folder(filter, NULL, NULL, &folder);

	if (ret) {
		return ret;
	}
	if (filter->filtered_dir) {
		remove_filtered(filter->filtered_dir);
		free(filter->filtered_dir);
	}
	filter->filtered_dir = folder;
	filter->stale = false;
	LTA_LOGI("Reading a filtered copy of a trace folder: trace=\"%s\", "
		 "filtered=\"%s\"",
		 filter->trace_dir, filter->filtered_dir);
	return 0;
}

size_t lta_trace_filter_file_count(const struct lta_trace_filter *filter)
{
	return filter->count;
}

const char *lta_trace_filter_file(const struct lta_trace_filter *filter,
				  size_t index)
{
	return index < filter->count && filter->files[index].read
		       ? filter->files[index].name
		       : NULL;
}

const char *lta_trace_filter_real_dir(const struct lta_trace_filter *filter)
{
	return filter->real_dir;
}

char *lta_trace_filter_subset(const struct lta_trace_filter *filter,
			      const bool *take)
{
	char *folder = NULL;
	int ret = make_folder(filter, take, NULL, &folder);

	if (ret) {
		errno = -ret;
		return NULL;
	}
	return folder;
}

char *lta_trace_filter_slice(const struct lta_trace_filter *filter, size_t file,
			     const struct lta_packet_table *table, size_t first,
			     size_t step)
{
	struct own_index own = { file, table, first, step };
	char *folder = NULL;
	bool *take = calloc(filter->count ? filter->count : 1, sizeof(bool));
	int ret = -ENOMEM;

	if (take && file < filter->count) {
		take[file] = true;
		ret = make_folder(filter, take, &own, &folder);
	} else if (take) {
		ret = -EINVAL;
	}
	free(take);
	if (ret) {
		errno = -ret;
		return NULL;
	}
	return folder;
}

void lta_trace_filter_remove_dir(const char *folder)
{
	remove_filtered(folder);
}

const char *lta_trace_filter_dir(struct lta_trace_filter *filter)
{
	int ret;

	if (!filter->filtered) {
		return filter->real_dir;
	}
	if (!filter->filtered_dir || filter->stale) {
		ret = make_filtered(filter);
		if (ret) {
			errno = -ret;
			return NULL;
		}
	}
	return filter->filtered_dir;
}

/* Whether C may continue a file name in a message. */
static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
}

bool lta_trace_filter_exclude_named(struct lta_trace_filter *filter,
				    const char *message,
				    struct lta_warning_list *warnings)
{
	char path[PATH_MAX];
	size_t i;

	for (i = 0; i < filter->count; i++) {
		struct stream_file *file = &filter->files[i];
		const char *at = message;
		size_t len;

		if (!file->read) {
			continue;
		}
		len = (size_t)snprintf(path, sizeof(path), "%s/%s",
				       filter->trace_dir, file->name);
		while ((at = strstr(at, path)) && name_char(at[len])) {
			at += len;
		}
		if (!at) {
			continue;
		}
		file->read = false;
		filter->filtered = true;
		filter->stale = true;
		/* Out of memory here only loses the warning's text. */
		(void)lta_warnings_add(warnings, path, true,
				       "not read: babeltrace2 cannot index its "
				       "packets (truncated, or not CTF data)");
		return true;
	}
	return false;
}

/* Replaces each FROM followed by '/' or a non-name character with TO. */
static void replace_dir(char *message, size_t size, const char *from,
			const char *to)
{
	size_t from_len = strlen(from), to_len = strlen(to);
	char *at = message;

	if (strcmp(from, to) == 0) {
		return;
	}
	while ((at = strstr(at, from))) {
		size_t tail = strlen(at + from_len);

		if (at[from_len] != '/' && name_char(at[from_len])) {
			at += from_len;
			continue;
		}
		if ((size_t)(at - message) + to_len + tail + 1 > size) {
			return;
		}
		memmove(at + to_len, at + from_len, tail + 1);
		memcpy(at, to, to_len);
		at += to_len;
	}
}

void lta_trace_filter_unshadow_dir(const struct lta_trace_filter *filter,
				   const char *dir, char *message, size_t size)
{
	replace_dir(message, size, dir, filter->trace_dir);
}

void lta_trace_filter_unshadow(const struct lta_trace_filter *filter,
			       char *message, size_t size)
{
	if (filter->filtered_dir) {
		replace_dir(message, size, filter->filtered_dir,
			    filter->trace_dir);
	}
	replace_dir(message, size, filter->real_dir, filter->trace_dir);
}

void lta_trace_filter_destroy(struct lta_trace_filter *filter)
{
	size_t i;

	if (!filter) {
		return;
	}
	if (filter->filtered_dir) {
		remove_filtered(filter->filtered_dir);
		free(filter->filtered_dir);
	}
	for (i = 0; i < filter->count; i++) {
		free(filter->files[i].name);
	}
	free(filter->files);
	free(filter->real_dir);
	free(filter->trace_dir);
	free(filter);
}

/* Whether NAME is named like an LTTng stream file: CHANNEL_CPU. */
static bool stream_like(const char *name)
{
	const char *us = strrchr(name, '_');

	if (!us || us == name || !us[1]) {
		return false;
	}
	for (us++; *us; us++) {
		if (*us < '0' || *us > '9') {
			return false;
		}
	}
	return true;
}

int lta_partial_check_orphan(const char *dir, struct lta_warning_list *warnings)
{
	char path[PATH_MAX], what[PATH_MAX + 128];
	struct stat st;
	char **names;
	size_t count, i;
	bool orphan = false;
	off_t unused;
	int ret = 0;

	names = list_names(dir, &count);
	for (i = 0; i < count && names && !orphan; i++) {
		if (names[i][0] == '.') {
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (stat(path, &st) != 0) {
			continue;
		}
		orphan = (S_ISDIR(st.st_mode) &&
			  strcmp(names[i], INDEX_NAME) == 0) ||
			 (S_ISREG(st.st_mode) && stream_like(names[i]));
	}
	free_names(names, count);
	if (!orphan) {
		return 0;
	}
	snprintf(path, sizeof(path), "%s/" METADATA_NAME, dir);
	if (lstat(path, &st) != 0) {
		snprintf(what, sizeof(what), "missing (%s)", strerror(errno));
	} else {
		(void)check_file(path, false, what, sizeof(what), &unused);
	}
	ret = lta_warnings_add(warnings, path, true,
			       "%s: the stream files of this folder were not "
			       "read",
			       what);
	return ret;
}
