/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The store's database, its connections and the analyses table. Requests
 * (the writer and the queries) are in store-requests.c, timing-failure
 * errors in store-errors.c.
 *
 * Connections: the control connection (analyses writes and the schema,
 * under the store's lock), one per writer (store-requests.c), and one
 * read-only connection per thread that reads, created on the thread's first
 * read and closed when the thread exits or the store closes.
 */
#include "store-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"

#define STORE_FILE "lttng-analyzer.db"
#define STORE_LOCK_FILE "lttng-analyzer.lock"
#define STORE_WORKERS_LOCK_FILE "workers.lock"

/*
 * How long a starting daemon waits for an earlier daemon's workers to end
 * (they end within a quarter of a second of their daemon), and how long
 * more after it killed one that did not.
 */
#define WORKERS_GONE_WAIT_MS 3000
#define WORKERS_KILLED_WAIT_MS 2000
#define WORKERS_POLL_MS 20

/*
 * The WAL is truncated back to this size after a checkpoint: a burst of
 * ingestion must not leave a huge file behind.
 */
#define STORE_JOURNAL_SIZE_LIMIT (64 * 1024 * 1024)

#define ANALYSIS_COLUMNS                                             \
	"id, kind, source, status, reason, created_ns, updated_ns, " \
	"events, discarded_events, requests, last_event_ns, connections"

static __thread char last_error[512];

const char *lta_store_error(void)
{
	return last_error;
}

void lta_store_set_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
}

int lta_store_sqlite_error(sqlite3 *db, int rc, const char *what)
{
	const char *message = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);

	lta_store_set_error("%s: %s", what, message);
	LTA_LOGD("SQLite call failed: what=\"%s\", rc=%d, error=\"%s\"", what,
		 rc, message);
	switch (rc & 0xff) {
	case SQLITE_IOERR:
		/*
		 * SQLite says SQLITE_FULL for ENOSPC on its main writes only;
		 * a full disk elsewhere (the -shm file, an fsync) or a quota
		 * is the same trouble for the user.
		 */
		if (db && (sqlite3_system_errno(db) == ENOSPC ||
			   sqlite3_system_errno(db) == EDQUOT)) {
			return -ENOSPC;
		}
		return -EIO;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_NOMEM:
		return -ENOMEM;
	default:
		return -EIO;
	}
}

static int64_t wall_clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int lta_store_connection_open(const char *path, int flags, sqlite3 **out)
{
	sqlite3 *db = NULL;
	char sql[64];
	int ret = 0, rc;

	/*
	 * Each connection is used by one thread at a time (its own, or
	 * under the store's lock): SQLite's own mutexes would only cost.
	 */
	rc = sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		ret = lta_store_sqlite_error(db, rc, "open");
		goto error;
	}
	sqlite3_extended_result_codes(db, 1);
	rc = sqlite3_busy_timeout(db, STORE_BUSY_TIMEOUT_MS);
	if (rc != SQLITE_OK) {
		ret = lta_store_sqlite_error(db, rc, "busy timeout");
		goto error;
	}
	/*
	 * In WAL mode, NORMAL syncs at checkpoints only: a commit survives a
	 * crash of the process (not always a power loss), which is what the
	 * daemon promises.
	 */
	rc = sqlite3_exec(db, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		ret = lta_store_sqlite_error(db, rc, "set synchronous");
		goto error;
	}
	/* Per connection: the writer that resets the WAL truncates it. */
	snprintf(sql, sizeof(sql), "PRAGMA journal_size_limit=%d",
		 STORE_JOURNAL_SIZE_LIMIT);
	rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		ret = lta_store_sqlite_error(db, rc, "set journal size limit");
		goto error;
	}
	*out = db;
	goto end;
error:
	sqlite3_close_v2(db);
end:
	return ret;
}

int lta_store_stmt(sqlite3 *db, sqlite3_stmt **slot, const char *sql,
		   sqlite3_stmt **out, bool *temporary)
{
	sqlite3_stmt *stmt = NULL;
	int ret = 0, rc;

	*temporary = false;
	if (*slot && !sqlite3_stmt_busy(*slot)) {
		stmt = *slot;
		goto end;
	}
	rc = sqlite3_prepare_v3(db, sql, -1,
				*slot ? 0 : SQLITE_PREPARE_PERSISTENT, &stmt,
				NULL);
	if (rc != SQLITE_OK) {
		ret = lta_store_sqlite_error(db, rc, "prepare");
		stmt = NULL;
		goto end;
	}
	if (*slot) {
		*temporary = true;
	} else {
		*slot = stmt;
	}
end:
	*out = stmt;
	return ret;
}

void lta_store_stmt_done(sqlite3_stmt *stmt, bool temporary)
{
	if (temporary) {
		sqlite3_finalize(stmt);
	} else {
		/* Ends the read transaction: a checkpoint may then pass it. */
		sqlite3_reset(stmt);
		sqlite3_clear_bindings(stmt);
	}
}

int lta_store_reader_int(struct store_reader *reader, enum reader_stmt slot,
			 const char *sql, const int64_t *args, int n,
			 bool *found, int64_t *value)
{
	sqlite3_stmt *stmt = NULL;
	bool temporary;
	int ret, rc, i;

	ret = lta_store_stmt(reader->db, &reader->stmts[slot], sql, &stmt,
			     &temporary);
	if (ret) {
		goto end;
	}
	for (i = 0; i < n; i++) {
		sqlite3_bind_int64(stmt, i + 1, args[i]);
	}
	rc = sqlite3_step(stmt);
	*found = rc == SQLITE_ROW;
	if (rc == SQLITE_ROW) {
		*value = sqlite3_column_int64(stmt, 0);
	} else if (rc != SQLITE_DONE) {
		ret = lta_store_sqlite_error(reader->db, rc, "plan a query");
	}
end:
	if (stmt) {
		lta_store_stmt_done(stmt, temporary);
	}
	return ret;
}

/* --- readers ------------------------------------------------------------ */

static void reader_close(struct store_reader *reader)
{
	size_t i;

	for (i = 0; i < READER_STMT_COUNT; i++) {
		sqlite3_finalize(reader->stmts[i]);
	}
	for (i = 0; i < REQUESTS_VARIANTS; i++) {
		sqlite3_finalize(reader->requests[i]);
	}
	for (i = 0; i < ERRORS_VARIANTS; i++) {
		sqlite3_finalize(reader->errors[i]);
	}
	for (i = 0; i < CONNECTIONS_VARIANTS; i++) {
		sqlite3_finalize(reader->connections[i]);
	}
	sqlite3_close_v2(reader->db);
	free(reader);
}

/* Must be called with the store's lock held. */
static void reader_unlink(struct store_reader *reader)
{
	struct lta_store *store = reader->store;

	if (reader->prev) {
		reader->prev->next = reader->next;
	} else {
		store->readers = reader->next;
	}
	if (reader->next) {
		reader->next->prev = reader->prev;
	}
}

/*
 * The key destructor: a thread that read from the store exits. Thread
 * pools come and go (one thread per HTTP connection, for instance); their
 * connections must not pile up until the store closes.
 */
static void reader_thread_exit(void *value)
{
	struct store_reader *reader = value;
	struct lta_store *store = reader->store;

	pthread_mutex_lock(&store->lock);
	reader_unlink(reader);
	pthread_mutex_unlock(&store->lock);
	reader_close(reader);
}

int lta_store_reader_get(struct lta_store *store, struct store_reader **out)
{
	struct store_reader *reader = pthread_getspecific(store->reader_key);
	int ret = 0, rc;

	if (reader) {
		goto end;
	}
	reader = calloc(1, sizeof(*reader));
	if (!reader) {
		lta_store_set_error("out of memory");
		ret = -ENOMEM;
		goto end;
	}
	reader->store = store;
	/*
	 * Read-only: the HTTP threads can never write by mistake, and WAL
	 * lets them read while a writer commits.
	 */
	ret = lta_store_connection_open(store->path, SQLITE_OPEN_READONLY,
					&reader->db);
	if (ret) {
		goto error;
	}
	rc = pthread_setspecific(store->reader_key, reader);
	if (rc) {
		lta_store_set_error("pthread_setspecific: %s", strerror(rc));
		ret = -rc;
		goto error;
	}
	pthread_mutex_lock(&store->lock);
	reader->next = store->readers;
	if (store->readers) {
		store->readers->prev = reader;
	}
	store->readers = reader;
	pthread_mutex_unlock(&store->lock);
	goto end;
error:
	sqlite3_close_v2(reader->db);
	free(reader);
	reader = NULL;
end:
	*out = reader;
	return ret;
}

int lta_store_plan_time_range(struct store_reader *reader,
			      const struct store_time_range *range,
			      int64_t analysis, int64_t from_ns, int64_t to_ns,
			      int64_t *after_id, int64_t *last_id, bool *used,
			      bool *empty)
{
	int64_t args[2] = { analysis, 0 }, value = 0;
	bool found;
	int ret;

	*used = false;
	if (from_ns == INT64_MIN && to_ns == INT64_MAX) {
		return 0;
	}
	ret = lta_store_reader_int(reader, range->ordered_slot,
				   range->ordered_sql, args, 1, &found, &value);
	if (ret || !found || !value) {
		/* Unordered: the time conditions stay in the query. */
		return ret;
	}
	if (from_ns != INT64_MIN) {
		args[1] = from_ns;
		ret = lta_store_reader_int(reader, range->first_slot,
					   range->first_sql, args, 2, &found,
					   &value);
		if (ret) {
			return ret;
		}
		if (!found) {
			*empty = true;
		} else if (value - 1 > *after_id) {
			*after_id = value - 1;
		}
	}
	if (to_ns != INT64_MAX) {
		args[1] = to_ns;
		ret = lta_store_reader_int(reader, range->last_slot,
					   range->last_sql, args, 2, &found,
					   &value);
		if (ret) {
			return ret;
		}
		if (!found) {
			*empty = true;
		} else if (value < *last_id) {
			*last_id = value;
		}
	}
	*used = true;
	if (*after_id >= *last_id) {
		*empty = true;
	}
	return 0;
}

int lta_store_read_snapshot(struct lta_store *store,
			    int (*read)(struct store_reader *reader,
					void *query),
			    void *query)
{
	struct store_reader *reader;
	bool own_transaction = false;
	int ret, rc;

	ret = lta_store_reader_get(store, &reader);
	if (ret) {
		return ret;
	}
	if (sqlite3_get_autocommit(reader->db)) {
		rc = sqlite3_exec(reader->db, "BEGIN", NULL, NULL, NULL);
		if (rc != SQLITE_OK) {
			return lta_store_sqlite_error(reader->db, rc,
						      "begin read");
		}
		own_transaction = true;
	}
	ret = read(reader, query);
	if (own_transaction) {
		/* Ends the read: a checkpoint may then pass it. */
		sqlite3_exec(reader->db, "COMMIT", NULL, NULL, NULL);
	}
	return ret;
}

/* --- open and close ------------------------------------------------------ */

/*
 * Analyses that were running when the daemon stopped will never get their
 * final status from it: say so, and count the requests that reached the
 * disk (the last counters written may be older than the last commit).
 */
static int mark_interrupted(sqlite3 *db)
{
	static const char sql[] =
		"UPDATE analyses SET status='interrupted',"
		" reason='the daemon stopped while it ran', updated_ns=?1,"
		" requests=(SELECT count(*) FROM requests"
		"  WHERE requests.analysis=analyses.id),"
		" connections=(SELECT count(*) FROM connections"
		"  WHERE connections.analysis=analyses.id)"
		" WHERE status IN ('starting','connecting','live',"
		"'disconnected','reading','paused')";
	sqlite3_stmt *stmt = NULL;
	int ret = 0, rc;

	rc = sqlite3_prepare_v2(db, sql, -1, &stmt, NULL);
	if (rc != SQLITE_OK) {
		ret = lta_store_sqlite_error(db, rc, "prepare interrupted");
		goto end;
	}
	sqlite3_bind_int64(stmt, 1, wall_clock_ns());
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_DONE) {
		ret = lta_store_sqlite_error(db, rc, "mark interrupted");
		goto end;
	}
	if (sqlite3_changes(db) > 0) {
		LTA_LOGI("Marked analyses that were running as interrupted: "
			 "count=%d",
			 sqlite3_changes(db));
	}
end:
	sqlite3_finalize(stmt);
	return ret;
}

/* Creates DIR (one level) when missing and checks it is a folder. */
static int prepare_dir(const char *dir, char *error, size_t size)
{
	struct stat st;
	int ret = 0;

	if (mkdir(dir, 0750) && errno != EEXIST) {
		ret = -errno;
		snprintf(error, size,
			 "Cannot create the data folder \"%s\": %s", dir,
			 strerror(errno));
		goto end;
	}
	if (stat(dir, &st)) {
		ret = -errno;
		snprintf(error, size, "Cannot use the data folder \"%s\": %s",
			 dir, strerror(errno));
		goto end;
	}
	if (!S_ISDIR(st.st_mode)) {
		ret = -ENOTDIR;
		snprintf(error, size, "The data folder \"%s\" is not a folder",
			 dir);
		goto end;
	}
end:
	return ret;
}

/*
 * Creates the database file PATH readable by its owner only, or makes an
 * existing one so: it holds every system call of every traced request.
 * SQLite gives its -wal and -shm files the database's mode.
 */
static int restrict_file(const char *path, char *error, size_t size)
{
	int fd, ret = 0;

	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || fchmod(fd, 0600)) {
		ret = -errno;
		snprintf(error, size, "Cannot restrict \"%s\" to its owner: %s",
			 path, strerror(errno));
	}
	if (fd >= 0) {
		close(fd);
	}
	/* Left by an older version, maybe readable by all. */
	for (int i = 0; ret == 0 && i < 2; i++) {
		char side[4096];

		snprintf(side, sizeof(side), "%s%s", path, i ? "-shm" : "-wal");
		if (chmod(side, 0600) && errno != ENOENT) {
			ret = -errno;
			snprintf(error, size,
				 "Cannot restrict \"%s\" to its owner: %s",
				 side, strerror(errno));
		}
	}
	return ret;
}

/* Opens DIR/NAME, made with MODE if need be. The fd, or -errno. */
static int open_lock_file(const char *dir, const char *name, mode_t mode,
			  char *error, size_t size)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, mode);
	if (fd < 0) {
		fd = -errno;
		snprintf(error, size, "Cannot open \"%s\": %s", path,
			 strerror(errno));
	}
	return fd;
}

/*
 * One daemon per data folder: a second one would mark the first one's
 * analyses interrupted and write under its ids.
 */
static int lock_dir(const char *dir, int *lock_fd, char *error, size_t size)
{
	int fd, ret = 0;

	fd = open_lock_file(dir, STORE_LOCK_FILE, 0640, error, size);
	if (fd < 0) {
		ret = fd;
		fd = -1;
		goto end;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		ret = -errno;
		snprintf(error, size,
			 "The data folder \"%s\" is in use by another "
			 "process (or already open): %s",
			 dir, strerror(errno));
		close(fd);
		fd = -1;
		goto end;
	}
end:
	*lock_fd = fd;
	return ret;
}

static int open_workers_lock(const char *dir, char *error, size_t size)
{
	return open_lock_file(dir, STORE_WORKERS_LOCK_FILE, 0600, error, size);
}

/*
 * A worker holds a POSIX read lock on DIR/workers.lock for as long as its
 * process lives (the kernel drops it at exit, however the process ends),
 * so that a daemon starting on the folder can wait for the workers of an
 * earlier one: a worker that outlives its SIGKILLed daemon by a moment
 * must not commit after the new daemon marked its analysis interrupted.
 * POSIX locks rather than flock(): F_GETLK names the holder's process.
 * The worker opens this file once and never closes it (closing any
 * descriptor of the file would drop a POSIX lock).
 */
static int lock_as_worker(const char *dir, int *lock_fd, char *error,
			  size_t size)
{
	struct flock lock = { .l_type = F_RDLCK, .l_whence = SEEK_SET };
	int fd = open_workers_lock(dir, error, size);

	if (fd < 0) {
		return fd;
	}
	/* Only a daemon in its start-up wait holds the write lock. */
	if (fcntl(fd, F_SETLKW, &lock)) {
		int ret = -errno;

		snprintf(error, size, "Cannot lock \"%s/%s\": %s", dir,
			 STORE_WORKERS_LOCK_FILE, strerror(errno));
		close(fd);
		return ret;
	}
	*lock_fd = fd;
	return 0;
}

/*
 * Waits until no worker of an earlier daemon on this folder lives. One
 * that still runs after WORKERS_GONE_WAIT_MS (stopped, or stuck in a
 * system call) is killed: the folder's lock says its daemon is gone.
 */
static int wait_workers_gone(const char *dir, char *error, size_t size)
{
	struct flock lock = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	struct timespec pause = { 0, WORKERS_POLL_MS * 1000 * 1000 };
	int fd = open_workers_lock(dir, error, size), waited = 0, ret = 0;
	pid_t killed = 0;

	if (fd < 0) {
		return fd;
	}
	while (fcntl(fd, F_SETLK, &lock)) {
		struct flock holder = lock;

		if (errno != EAGAIN && errno != EACCES && errno != EINTR) {
			ret = -errno;
			snprintf(error, size, "Cannot lock \"%s/%s\": %s", dir,
				 STORE_WORKERS_LOCK_FILE, strerror(errno));
			goto end;
		}
		if (waited == 0) {
			LTA_LOGI("Waiting for the workers of an earlier daemon "
				 "to end: folder=\"%s\"",
				 dir);
		}
		if (waited >= WORKERS_GONE_WAIT_MS + WORKERS_KILLED_WAIT_MS) {
			ret = -EBUSY;
			snprintf(error, size,
				 "A worker of an earlier daemon still writes "
				 "to \"%s\" (pid %ld) and does not end",
				 dir, (long)killed);
			goto end;
		}
		if (waited >= WORKERS_GONE_WAIT_MS && !killed &&
		    fcntl(fd, F_GETLK, &holder) == 0 &&
		    holder.l_type != F_UNLCK && holder.l_pid > 0) {
			killed = holder.l_pid;
			LTA_LOGW("A worker of an earlier daemon did not end: "
				 "killing it: pid=%ld",
				 (long)killed);
			kill(killed, SIGKILL);
		}
		nanosleep(&pause, NULL);
		waited += WORKERS_POLL_MS;
	}
	lock.l_type = F_UNLCK;
	fcntl(fd, F_SETLK, &lock);
end:
	close(fd);
	return ret;
}

static struct lta_store *store_open(const char *dir, bool worker, char *error,
				    size_t size)
{
	struct lta_store *store = NULL;
	bool key_created = false, mutexes_created = false;
	size_t path_size;
	int rc;

	if (size) {
		error[0] = '\0';
	}
	if (!worker && prepare_dir(dir, error, size)) {
		goto error;
	}
	store = calloc(1, sizeof(*store));
	if (!store) {
		snprintf(error, size, "Out of memory");
		goto error;
	}
	store->lock_fd = -1;
	if (worker ? lock_as_worker(dir, &store->lock_fd, error, size)
		   : (lock_dir(dir, &store->lock_fd, error, size) ||
		      wait_workers_gone(dir, error, size))) {
		goto error;
	}
	path_size = strlen(dir) + sizeof("/" STORE_FILE);
	store->path = malloc(path_size);
	if (!store->path) {
		snprintf(error, size, "Out of memory");
		goto error;
	}
	snprintf(store->path, path_size, "%s/%s", dir, STORE_FILE);
	if (!worker && restrict_file(store->path, error, size)) {
		goto error;
	}
	if (lta_store_connection_open(store->path,
				      SQLITE_OPEN_READWRITE |
					      (worker ? 0 : SQLITE_OPEN_CREATE),
				      &store->control)) {
		goto sqlite_error;
	}
	if (worker) {
		if (lta_store_schema_check(store->control)) {
			goto sqlite_error;
		}
		goto statements;
	}
	/*
	 * A file that is not a database was found out by the first PRAGMA
	 * of lta_store_connection_open(), which reads the header: the message
	 * below names the file.
	 */
	if (lta_store_exec(store->control, "PRAGMA journal_mode=WAL",
			   "set WAL journal mode")) {
		goto sqlite_error;
	}
	if (lta_store_schema_upgrade(store->control)) {
		goto sqlite_error;
	}
	if (mark_interrupted(store->control)) {
		goto sqlite_error;
	}
statements:
	rc = sqlite3_prepare_v3(
		store->control,
		"INSERT INTO analyses (kind, source, status, reason, "
		"created_ns, updated_ns, events, discarded_events, requests, "
		"last_event_ns) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
		"?10)",
		-1, SQLITE_PREPARE_PERSISTENT, &store->analysis_insert, NULL);
	if (rc != SQLITE_OK) {
		lta_store_sqlite_error(store->control, rc, "prepare");
		goto sqlite_error;
	}
	rc = sqlite3_prepare_v3(
		store->control,
		"UPDATE analyses SET status=?2, reason=?3, updated_ns=?4, "
		"events=?5, discarded_events=?6, requests=?7, "
		"last_event_ns=?8, connections=?9 WHERE id=?1",
		-1, SQLITE_PREPARE_PERSISTENT, &store->analysis_update, NULL);
	if (rc != SQLITE_OK) {
		lta_store_sqlite_error(store->control, rc, "prepare");
		goto sqlite_error;
	}
	rc = pthread_mutex_init(&store->lock, NULL);
	if (rc) {
		snprintf(error, size, "pthread_mutex_init: %s", strerror(rc));
		goto error;
	}
	rc = pthread_mutex_init(&store->control_lock, NULL);
	if (rc) {
		pthread_mutex_destroy(&store->lock);
		snprintf(error, size, "pthread_mutex_init: %s", strerror(rc));
		goto error;
	}
	mutexes_created = true;
	rc = pthread_key_create(&store->reader_key, reader_thread_exit);
	if (rc) {
		snprintf(error, size, "pthread_key_create: %s", strerror(rc));
		goto error;
	}
	key_created = true;
	LTA_LOGI("Opened the store: path=\"%s\"%s", store->path,
		 worker ? ", worker" : "");
	goto end;
sqlite_error:
	snprintf(error, size, "Cannot use the database \"%s\": %s", store->path,
		 last_error);
error:
	/* The caller reports ERROR: it knows whether it is fatal. */
	LTA_LOGD("Failed to open the store: dir=\"%s\", error=\"%s\"", dir,
		 size ? error : "");
	if (store) {
		if (key_created) {
			pthread_key_delete(store->reader_key);
		}
		if (mutexes_created) {
			pthread_mutex_destroy(&store->control_lock);
			pthread_mutex_destroy(&store->lock);
		}
		sqlite3_finalize(store->analysis_insert);
		sqlite3_finalize(store->analysis_update);
		sqlite3_close_v2(store->control);
		if (store->lock_fd >= 0) {
			close(store->lock_fd);
		}
		free(store->path);
		free(store);
		store = NULL;
	}
end:
	return store;
}

int lta_store_read_ordered(sqlite3 *db, int64_t analysis, const char *column,
			   bool *ordered)
{
	sqlite3_stmt *stmt = NULL;
	char sql[128];
	int ret = 0, rc;

	snprintf(sql, sizeof(sql), "SELECT %s FROM analyses WHERE id=?1",
		 column);
	rc = sqlite3_prepare_v2(db, sql, -1, &stmt, NULL);
	if (rc != SQLITE_OK) {
		ret = lta_store_sqlite_error(db, rc, "prepare");
		goto end;
	}
	sqlite3_bind_int64(stmt, 1, analysis);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		*ordered = sqlite3_column_int(stmt, 0) != 0;
	} else if (rc == SQLITE_DONE) {
		*ordered = false;
	} else {
		ret = lta_store_sqlite_error(db, rc, "read analysis");
	}
end:
	sqlite3_finalize(stmt);
	return ret;
}

struct lta_store *lta_store_open(const char *dir, char *error, size_t size)
{
	return store_open(dir, false, error, size);
}

int lta_store_analysis_finish(struct lta_store *store, int64_t id,
			      const char *status, const char *reason)
{
	static const char sql[] =
		"UPDATE analyses SET status=?2, reason=?3, updated_ns=?4,"
		" requests=(SELECT count(*) FROM requests"
		"  WHERE requests.analysis=?1),"
		" connections=(SELECT count(*) FROM connections"
		"  WHERE connections.analysis=?1)"
		" WHERE id=?1";
	sqlite3_stmt *stmt = NULL;
	int ret = 0, rc;

	pthread_mutex_lock(&store->control_lock);
	rc = sqlite3_prepare_v2(store->control, sql, -1, &stmt, NULL);
	if (rc != SQLITE_OK) {
		ret = lta_store_sqlite_error(store->control, rc,
					     "prepare finish");
		goto end;
	}
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_text(stmt, 2, status, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, reason, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 4, wall_clock_ns());
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_DONE) {
		ret = lta_store_sqlite_error(store->control, rc,
					     "finish analysis");
	} else if (sqlite3_changes(store->control) == 0) {
		ret = -ENOENT;
	}
end:
	sqlite3_finalize(stmt);
	pthread_mutex_unlock(&store->control_lock);
	return ret;
}

struct lta_store *lta_store_open_worker(const char *dir, char *error,
					size_t size)
{
	return store_open(dir, true, error, size);
}

int lta_store_snapshot_get(struct lta_store *store, int64_t analysis,
			   char **snapshot)
{
	struct store_reader *reader;
	sqlite3_stmt *stmt = NULL;
	int ret, rc;

	*snapshot = NULL;
	ret = lta_store_reader_get(store, &reader);
	if (ret) {
		return ret;
	}
	/* Rare (a /stats or /timeouts call): not kept prepared. */
	rc = sqlite3_prepare_v2(reader->db,
				"SELECT snapshot FROM snapshots "
				"WHERE analysis=?1",
				-1, &stmt, NULL);
	if (rc != SQLITE_OK) {
		ret = lta_store_sqlite_error(reader->db, rc,
					     "prepare snapshot");
		goto end;
	}
	sqlite3_bind_int64(stmt, 1, analysis);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		const char *text = (const char *)sqlite3_column_text(stmt, 0);

		*snapshot = strdup(text ? text : "");
		ret = *snapshot ? 0 : -ENOMEM;
	} else if (rc == SQLITE_DONE) {
		ret = -ENOENT;
	} else {
		ret = lta_store_sqlite_error(reader->db, rc, "read snapshot");
	}
end:
	/* Finalized: no read transaction stays open on the reader. */
	sqlite3_finalize(stmt);
	return ret;
}

void lta_store_close(struct lta_store *store)
{
	struct store_reader *reader, *next;

	if (!store) {
		return;
	}
	if (store->writers) {
		LTA_LOGE("Closing the store with writers still open: count=%d",
			 store->writers);
	}
	/*
	 * No thread uses the store any more (the caller's contract): their
	 * readers can go. Deleting the key first means no destructor runs
	 * for them later.
	 */
	pthread_key_delete(store->reader_key);
	for (reader = store->readers; reader; reader = next) {
		next = reader->next;
		reader_close(reader);
	}
	sqlite3_finalize(store->analysis_insert);
	sqlite3_finalize(store->analysis_update);
	/* The last connection to close checkpoints and removes the WAL. */
	sqlite3_close_v2(store->control);
	pthread_mutex_destroy(&store->control_lock);
	pthread_mutex_destroy(&store->lock);
	if (store->lock_fd >= 0) {
		close(store->lock_fd);
	}
	LTA_LOGI("Closed the store: path=\"%s\"", store->path);
	free(store->path);
	free(store);
}

/* --- analyses ------------------------------------------------------------- */

/* Binds a fixed-size string member, which may lack its NUL. */
static void bind_member(sqlite3_stmt *stmt, int index, const char *s,
			size_t size)
{
	sqlite3_bind_text(stmt, index, s, (int)strnlen(s, size), SQLITE_STATIC);
}

#define BIND_MEMBER(stmt, index, member) \
	bind_member((stmt), (index), (member), sizeof(member))

int lta_store_analysis_insert(struct lta_store *store,
			      struct lta_store_analysis *analysis)
{
	sqlite3_stmt *stmt = store->analysis_insert;
	int ret = 0, rc;

	if (analysis->created_ns == 0) {
		analysis->created_ns = wall_clock_ns();
	}
	if (analysis->updated_ns == 0) {
		analysis->updated_ns = analysis->created_ns;
	}
	pthread_mutex_lock(&store->control_lock);
	BIND_MEMBER(stmt, 1, analysis->kind);
	BIND_MEMBER(stmt, 2, analysis->source);
	BIND_MEMBER(stmt, 3, analysis->status);
	BIND_MEMBER(stmt, 4, analysis->reason);
	sqlite3_bind_int64(stmt, 5, analysis->created_ns);
	sqlite3_bind_int64(stmt, 6, analysis->updated_ns);
	sqlite3_bind_int64(stmt, 7, analysis->events);
	sqlite3_bind_int64(stmt, 8, analysis->discarded_events);
	sqlite3_bind_int64(stmt, 9, analysis->requests);
	sqlite3_bind_int64(stmt, 10, analysis->last_event_ns);
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_DONE) {
		ret = lta_store_sqlite_error(store->control, rc,
					     "insert analysis");
		goto end;
	}
	analysis->id = sqlite3_last_insert_rowid(store->control);
end:
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	pthread_mutex_unlock(&store->control_lock);
	return ret;
}

int lta_store_analysis_delete(struct lta_store *store, int64_t id)
{
	static const char *const tables[] = {
		"events",	"windows",     "queries",
		"requests",	"connections", "errors",
		"error_counts", "snapshots",   "publish_cursors",
	};
	char sql[128];
	size_t i;
	int ret, rc;

	pthread_mutex_lock(&store->control_lock);
	ret = lta_store_exec(store->control, "BEGIN IMMEDIATE", "begin delete");
	if (ret) {
		goto end;
	}
	for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		/* Names from this code, never from input. */
		snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE analysis=%lld",
			 tables[i], (long long)id);
		ret = lta_store_exec(store->control, sql,
				     "delete an analysis's rows");
		if (ret) {
			goto rollback;
		}
	}
	snprintf(sql, sizeof(sql), "DELETE FROM analyses WHERE id=%lld",
		 (long long)id);
	ret = lta_store_exec(store->control, sql, "delete an analysis");
	if (ret) {
		goto rollback;
	}
	if (sqlite3_changes(store->control) == 0) {
		lta_store_set_error("no analysis %lld", (long long)id);
		ret = -ENOENT;
		goto rollback;
	}
	ret = lta_store_exec(store->control, "COMMIT", "commit delete");
	if (ret) {
		goto rollback;
	}
	goto end;
rollback:
	rc = sqlite3_exec(store->control, "ROLLBACK", NULL, NULL, NULL);
	(void)rc;
end:
	pthread_mutex_unlock(&store->control_lock);
	return ret;
}

int lta_store_analysis_update(struct lta_store *store,
			      const struct lta_store_analysis *analysis)
{
	sqlite3_stmt *stmt = store->analysis_update;
	int ret = 0, rc;

	pthread_mutex_lock(&store->control_lock);
	sqlite3_bind_int64(stmt, 1, analysis->id);
	BIND_MEMBER(stmt, 2, analysis->status);
	BIND_MEMBER(stmt, 3, analysis->reason);
	sqlite3_bind_int64(stmt, 4,
			   analysis->updated_ns ? analysis->updated_ns
						: wall_clock_ns());
	sqlite3_bind_int64(stmt, 5, analysis->events);
	sqlite3_bind_int64(stmt, 6, analysis->discarded_events);
	sqlite3_bind_int64(stmt, 7, analysis->requests);
	sqlite3_bind_int64(stmt, 8, analysis->last_event_ns);
	sqlite3_bind_int64(stmt, 9, analysis->connections);
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_DONE) {
		ret = lta_store_sqlite_error(store->control, rc,
					     "update analysis");
		goto end;
	}
	if (sqlite3_changes(store->control) == 0) {
		lta_store_set_error("no analysis %lld",
				    (long long)analysis->id);
		ret = -ENOENT;
		goto end;
	}
end:
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	pthread_mutex_unlock(&store->control_lock);
	return ret;
}

/* Copies column I, a string, into a member of SIZE bytes (cut to fit). */
static void column_member(sqlite3_stmt *stmt, int i, char *member, size_t size)
{
	const unsigned char *text = sqlite3_column_text(stmt, i);

	snprintf(member, size, "%s", text ? (const char *)text : "");
}

#define COLUMN_MEMBER(stmt, i, member) \
	column_member((stmt), (i), (member), sizeof(member))

static void analysis_from_row(sqlite3_stmt *stmt, struct lta_store_analysis *a)
{
	memset(a, 0, sizeof(*a));
	a->id = sqlite3_column_int64(stmt, 0);
	COLUMN_MEMBER(stmt, 1, a->kind);
	COLUMN_MEMBER(stmt, 2, a->source);
	COLUMN_MEMBER(stmt, 3, a->status);
	COLUMN_MEMBER(stmt, 4, a->reason);
	a->created_ns = sqlite3_column_int64(stmt, 5);
	a->updated_ns = sqlite3_column_int64(stmt, 6);
	a->events = sqlite3_column_int64(stmt, 7);
	a->discarded_events = sqlite3_column_int64(stmt, 8);
	a->requests = sqlite3_column_int64(stmt, 9);
	a->last_event_ns = sqlite3_column_int64(stmt, 10);
	a->connections = sqlite3_column_int64(stmt, 11);
}

int lta_store_analysis_get(struct lta_store *store, int64_t id,
			   struct lta_store_analysis *out)
{
	struct store_reader *reader;
	sqlite3_stmt *stmt = NULL;
	bool temporary = false;
	int ret, rc;

	ret = lta_store_reader_get(store, &reader);
	if (ret) {
		goto end;
	}
	ret = lta_store_stmt(reader->db, &reader->stmts[READER_ANALYSIS_GET],
			     "SELECT " ANALYSIS_COLUMNS
			     " FROM analyses WHERE id=?1",
			     &stmt, &temporary);
	if (ret) {
		goto end;
	}
	sqlite3_bind_int64(stmt, 1, id);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_DONE) {
		lta_store_set_error("no analysis %lld", (long long)id);
		ret = -ENOENT;
		goto end;
	}
	if (rc != SQLITE_ROW) {
		ret = lta_store_sqlite_error(reader->db, rc, "get analysis");
		goto end;
	}
	analysis_from_row(stmt, out);
end:
	if (stmt) {
		lta_store_stmt_done(stmt, temporary);
	}
	return ret;
}

int lta_store_analysis_list(struct lta_store *store,
			    int (*fn)(const struct lta_store_analysis *a,
				      void *user_data),
			    void *user_data)
{
	struct lta_store_analysis analysis;
	struct store_reader *reader;
	sqlite3_stmt *stmt = NULL;
	bool temporary = false;
	int ret, rc;

	ret = lta_store_reader_get(store, &reader);
	if (ret) {
		goto end;
	}
	ret = lta_store_stmt(reader->db, &reader->stmts[READER_ANALYSIS_LIST],
			     "SELECT " ANALYSIS_COLUMNS
			     " FROM analyses ORDER BY id",
			     &stmt, &temporary);
	if (ret) {
		goto end;
	}
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		analysis_from_row(stmt, &analysis);
		ret = fn(&analysis, user_data);
		if (ret) {
			goto end;
		}
	}
	if (rc != SQLITE_DONE) {
		ret = lta_store_sqlite_error(reader->db, rc, "list analyses");
		goto end;
	}
end:
	if (stmt) {
		lta_store_stmt_done(stmt, temporary);
	}
	return ret;
}
