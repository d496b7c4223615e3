/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Leases of live sessions (analysis-internal.h, lib/publish/publish.h):
 * in a fleet, two daemons never analyze the same session. Before the
 * worker of a live analysis starts, the daemon takes the session's lease
 * (key: the relay daemon, the traced host and the session); a daemon that
 * finds it held by another keeps the analysis "standby", without worker,
 * and tries again every LEASE_TICK_MS: when the holder stops renewing it
 * (it died: SIGKILL, a crash, a lost machine), the lease expires after the
 * lease time and a standby daemon takes the session over. The holder
 * renews it every third of the lease time; one that finds it taken by
 * another (it could not renew for longer than the lease time) stops its
 * worker and goes standby.
 *
 * While NATS is away nobody can take or renew a lease: the holders go on
 * analyzing, the standby ones wait. A lease that expired meanwhile is
 * taken again by its holder at its next renewal if nobody took it.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "analysis-internal.h"
#include "common/clock.h"
#include "common/log.h"
#include "publish/publish.h"
#include "publisher.h"

/* How often standby analyses try to take their lease. */
#define LEASE_TICK_MS 250

static bool leasing(struct lta_analyses *m)
{
	return m->options.publisher && m->options.lease_ms > 0;
}

static void standby_reason(struct analysis *a, int ret, const char *other)
{
	if (ret == -EBUSY) {
		snprintf(a->lease_holder, sizeof(a->lease_holder),
			 "the session's lease is held by daemon %.64s", other);
	} else {
		snprintf(a->lease_holder, sizeof(a->lease_holder),
			 "waiting for NATS to take the session's lease");
	}
}

int lta_analyses_lease_begin(struct lta_analyses *m, struct analysis *a,
			     const char *url)
{
	struct lta_publisher *p = m->options.publisher;
	char other[128] = "";
	int ret;

	if (!leasing(m)) {
		return 0;
	}
	if (lta_fleet_lease_key(url, a->lease_key, sizeof(a->lease_key))) {
		a->lease_key[0] = '\0';
		return -EINVAL;
	}
	ret = -EAGAIN;
	if (lta_publisher_ready(p)) {
		ret = lta_fleet_lease_acquire(
			lta_publisher_nats(p), a->lease_key,
			lta_publisher_fleet_id(p), &a->lease_revision, other,
			sizeof(other));
	}
	if (ret == 0) {
		a->leased = true;
		a->lease_renewed_ns = lta_clock_mono_ns();
		return 0;
	}
	a->standby = true;
	standby_reason(a, ret, other);
	return 1;
}

bool lta_analyses_lease_end(struct lta_analyses *m, struct analysis *a)
{
	struct lta_publisher *p = m->options.publisher;
	bool again;

	if (!leasing(m) || !a->lease_key[0]) {
		return false;
	}
	pthread_mutex_lock(&m->lock);
	again = a->lease_lost && !a->stop_requested && !m->quit;
	if (again) {
		if (a->pipe_fd >= 0) {
			close(a->pipe_fd);
		}
		a->pipe_fd = -1;
		a->pid = 0;
		a->line_len = 0;
		a->reported = false;
		a->stop_deadline = 0;
		a->standby = true;
		a->leased = false;
		a->lease_lost = false;
		snprintf(a->lease_holder, sizeof(a->lease_holder),
			 "the session's lease went to another daemon");
	}
	pthread_mutex_unlock(&m->lock);
	if (again) {
		lta_store_analysis_finish(m->store, a->id, "standby",
					  a->lease_holder);
		return true;
	}
	if (a->leased) {
		lta_fleet_lease_release(lta_publisher_nats(p), a->lease_key,
					lta_publisher_fleet_id(p));
		a->leased = false;
	}
	return false;
}

/* A standby analysis: takes its lease if it can, then starts its worker. */
static void try_take(struct lta_analyses *m, struct analysis *a)
{
	struct lta_publisher *p = m->options.publisher;
	char other[128] = "", previous[128], reason[256];
	uint64_t revision = 0;
	pid_t pid = 0;
	int pipe_fd = -1, ret = -EAGAIN;
	bool stopped;

	if (lta_publisher_ready(p)) {
		ret = lta_fleet_lease_acquire(lta_publisher_nats(p),
					      a->lease_key,
					      lta_publisher_fleet_id(p),
					      &revision, other, sizeof(other));
	}
	if (ret) {
		snprintf(previous, sizeof(previous), "%s", a->lease_holder);
		standby_reason(a, ret, other);
		if (strcmp(previous, a->lease_holder) != 0) {
			lta_store_analysis_finish(m->store, a->id, "standby",
						  a->lease_holder);
		}
		return;
	}
	pthread_mutex_lock(&m->lock);
	stopped = a->stop_requested || m->quit;
	pthread_mutex_unlock(&m->lock);
	if (stopped) {
		/* Stopped (DELETE, the daemon) while it took the lease. */
		lta_fleet_lease_release(lta_publisher_nats(p), a->lease_key,
					lta_publisher_fleet_id(p));
		return;
	}
	ret = lta_analyses_spawn_worker(m, a->id, &pid, &pipe_fd);
	if (ret) {
		LTA_LOGE("Cannot start a worker after taking a lease: "
			 "id=%lld, error=\"%s\"",
			 (long long)a->id, strerror(-ret));
		lta_fleet_lease_release(lta_publisher_nats(p), a->lease_key,
					lta_publisher_fleet_id(p));
		return;
	}
	pthread_mutex_lock(&m->lock);
	if (a->stop_requested || m->quit) {
		/* Stopped meanwhile: this worker is nobody's. */
		pthread_mutex_unlock(&m->lock);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		close(pipe_fd);
		lta_fleet_lease_release(lta_publisher_nats(p), a->lease_key,
					lta_publisher_fleet_id(p));
		return;
	}
	a->pid = pid;
	a->pipe_fd = pipe_fd;
	a->standby = false;
	a->leased = true;
	a->lease_revision = revision;
	a->lease_renewed_ns = lta_clock_mono_ns();
	pthread_mutex_unlock(&m->lock);
	snprintf(reason, sizeof(reason),
		 "took the session's lease over (revision %llu)",
		 (unsigned long long)revision);
	lta_store_analysis_finish(m->store, a->id, "connecting", reason);
	lta_analyses_wake(m);
	LTA_LOGI("Analysis took its session over: id=%lld, worker=%d, "
		 "lease=%s, revision=%llu",
		 (long long)a->id, (int)pid, a->lease_key,
		 (unsigned long long)revision);
}

/* A running analysis: renews its lease when due; stops when it lost it. */
static void renew(struct lta_analyses *m, struct analysis *a)
{
	struct lta_publisher *p = m->options.publisher;
	int64_t now = lta_clock_mono_ns();
	uint64_t revision = a->lease_revision;
	int ret;

	if (now - a->lease_renewed_ns < m->options.lease_ms * MS / 3) {
		return;
	}
	ret = lta_fleet_lease_renew(lta_publisher_nats(p), a->lease_key,
				    lta_publisher_fleet_id(p), &revision);
	if (ret == 0) {
		pthread_mutex_lock(&m->lock);
		a->lease_revision = revision;
		a->lease_renewed_ns = now;
		pthread_mutex_unlock(&m->lock);
	} else if (ret == -EBUSY) {
		LTA_LOGW("Lease lost, stopping the worker: id=%lld, lease=%s",
			 (long long)a->id, a->lease_key);
		pthread_mutex_lock(&m->lock);
		if (a->pid > 0 && !a->lease_lost) {
			a->lease_lost = true;
			a->stop_deadline = now + m->options.stop_ms * MS;
			kill(a->pid, SIGTERM);
		}
		pthread_mutex_unlock(&m->lock);
		lta_analyses_wake(m);
	}
	/* -EAGAIN: NATS away; go on analyzing, try again next tick. */
}

#define MAX_LEASED 1024

static void *lease_thread(void *arg)
{
	struct lta_analyses *m = arg;
	struct analysis *held[MAX_LEASED];

	for (;;) {
		struct timespec nap = { 0, LEASE_TICK_MS * 1000000L };
		size_t pos = 0, n = 0, i;
		uint64_t key;
		void *value;
		bool quit;

		pthread_mutex_lock(&m->lock);
		quit = m->quit || !m->leasing;
		while (!quit &&
		       lta_htable_next(&m->by_id, &pos, &key, &value) &&
		       n < MAX_LEASED) {
			struct analysis *a = value;

			if (a->lease_key[0] && !a->stop_requested) {
				a->refs++;
				held[n++] = a;
			}
		}
		pthread_mutex_unlock(&m->lock);
		for (i = 0; i < n; i++) {
			struct analysis *a = held[i];

			if (a->standby) {
				try_take(m, a);
			} else if (a->leased && !a->lease_lost) {
				renew(m, a);
			}
		}
		for (i = 0; i < n; i++) {
			/* The manager's put(): the table may have let go. */
			pthread_mutex_lock(&m->lock);
			bool last = --held[i]->refs == 0;
			pthread_mutex_unlock(&m->lock);
			if (last) {
				if (held[i]->pipe_fd >= 0) {
					close(held[i]->pipe_fd);
				}
				free(held[i]);
			}
		}
		if (quit) {
			break;
		}
		nanosleep(&nap, NULL);
	}
	return NULL;
}

int lta_analyses_lease_start(struct lta_analyses *m)
{
	int ret;

	if (!leasing(m)) {
		return 0;
	}
	m->leasing = true;
	ret = pthread_create(&m->leaser, NULL, lease_thread, m);
	if (ret) {
		m->leasing = false;
		return -ret;
	}
	return 0;
}

void lta_analyses_lease_stop(struct lta_analyses *m)
{
	bool joined;

	pthread_mutex_lock(&m->lock);
	joined = m->leasing;
	m->leasing = false;
	pthread_mutex_unlock(&m->lock);
	if (joined) {
		pthread_join(m->leaser, NULL);
	}
}
