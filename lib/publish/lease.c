/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Leases of live sessions in a JetStream key-value bucket (publish.h).
 *
 * The bucket keeps one entry per key (History 1) and drops entries older
 * than its TTL, the lease time: a lease is alive as long as its holder
 * writes it again (renews) within that time. Taking a lease is a create,
 * which JetStream refuses when the key holds a live entry; renewing is an
 * update that names the revision read, which it refuses when someone else
 * wrote the key meanwhile. So two daemons never hold a key at once, as
 * long as their renewals are well within the TTL.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "publish-internal.h"

/* Whether a failed call's status says NATS is away, not that it refused. */
static bool unreachable(struct lta_nats *n, natsStatus s)
{
	return !lta_nats_connected(n) || s == NATS_TIMEOUT ||
	       s == NATS_CONNECTION_CLOSED || s == NATS_NO_SERVER ||
	       s == NATS_NOT_YET_CONNECTED || s == NATS_CONNECTION_DISCONNECTED;
}

/*
 * Reads KEY: 0 and its holder and revision; -ENOENT (no live entry);
 * -EAGAIN (NATS away); -EIO.
 */
static int read_key(struct lta_nats *n, const char *key, char *holder,
		    size_t size, uint64_t *revision)
{
	kvEntry *e = NULL;
	natsStatus s = kvStore_Get(&e, n->kv, key);
	int ret = 0;

	if (s == NATS_NOT_FOUND) {
		return -ENOENT;
	}
	if (s != NATS_OK) {
		return unreachable(n, s) ? -EAGAIN : -EIO;
	}
	if (kvEntry_Operation(e) != kvOp_Put) {
		ret = -ENOENT;
	} else {
		snprintf(holder, size, "%s", kvEntry_ValueString(e));
		*revision = kvEntry_Revision(e);
	}
	kvEntry_Destroy(e);
	return ret;
}

int lta_fleet_lease_acquire(struct lta_nats *n, const char *key,
			    const char *holder, uint64_t *revision, char *other,
			    size_t size)
{
	char current[256];
	uint64_t rev = 0, seen = 0;
	natsStatus s;
	int ret;

	if (size) {
		other[0] = '\0';
	}
	if (!n || !n->kv || !lta_nats_connected(n)) {
		return -EAGAIN;
	}
	s = kvStore_CreateString(&rev, n->kv, key, holder);
	if (s == NATS_OK) {
		*revision = rev;
		LTA_LOGI("Lease taken: key=%s, holder=%s, revision=%llu", key,
			 holder, (unsigned long long)rev);
		return 0;
	}
	if (unreachable(n, s)) {
		return -EAGAIN;
	}
	/* The key holds a live entry: whose? */
	ret = read_key(n, key, current, sizeof(current), &seen);
	if (ret == -ENOENT) {
		/* Expired in between: the next try takes it. */
		return -EAGAIN;
	}
	if (ret) {
		return ret;
	}
	if (strcmp(current, holder) != 0) {
		snprintf(other, size, "%s", current);
		return -EBUSY;
	}
	/* Ours already (this daemon, restarted within the lease time). */
	s = kvStore_UpdateString(&rev, n->kv, key, holder, seen);
	if (s != NATS_OK) {
		return unreachable(n, s) ? -EAGAIN : -EBUSY;
	}
	*revision = rev;
	return 0;
}

int lta_fleet_lease_renew(struct lta_nats *n, const char *key,
			  const char *holder, uint64_t *revision)
{
	char current[256];
	uint64_t rev = 0, seen = 0;
	natsStatus s;
	int ret;

	if (!n || !n->kv || !lta_nats_connected(n)) {
		return -EAGAIN;
	}
	ret = read_key(n, key, current, sizeof(current), &seen);
	if (ret == -ENOENT) {
		/*
		 * Expired (NATS was away longer than the lease time) and
		 * nobody took it: take it again.
		 */
		s = kvStore_CreateString(&rev, n->kv, key, holder);
		if (s == NATS_OK) {
			*revision = rev;
			return 0;
		}
		return unreachable(n, s) ? -EAGAIN : -EBUSY;
	}
	if (ret) {
		return ret;
	}
	if (strcmp(current, holder) != 0) {
		LTA_LOGW("Lease lost: key=%s, holder=%s, now=%s", key, holder,
			 current);
		return -EBUSY;
	}
	s = kvStore_UpdateString(&rev, n->kv, key, holder, seen);
	if (s != NATS_OK) {
		return unreachable(n, s) ? -EAGAIN : -EBUSY;
	}
	*revision = rev;
	return 0;
}

int lta_fleet_lease_release(struct lta_nats *n, const char *key,
			    const char *holder)
{
	char current[256];
	uint64_t seen = 0;
	int ret;

	if (!n || !n->kv || !lta_nats_connected(n)) {
		/* It expires after the lease time. */
		return -EAGAIN;
	}
	ret = read_key(n, key, current, sizeof(current), &seen);
	if (ret) {
		return ret == -ENOENT ? 0 : ret;
	}
	if (strcmp(current, holder) != 0) {
		return 0;
	}
	if (kvStore_Delete(n->kv, key) != NATS_OK) {
		return -EAGAIN;
	}
	LTA_LOGI("Lease released: key=%s, holder=%s", key, holder);
	return 0;
}

/* Copies TEXT[0..LEN) into OUT as key characters: others become '_'. */
static size_t key_part(const char *text, size_t len, char *out, size_t room)
{
	size_t i;

	for (i = 0; i < len && i < room; i++) {
		char c = text[i];
		bool fine = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
			    c == '=';

		out[i] = fine ? c : '_';
	}
	return i;
}

int lta_fleet_lease_key(const char *url, char *key, size_t size)
{
	const char *p, *relay, *slash, *host, *session;
	size_t pos = 0;

	if (strncmp(url, "net://", 6) != 0 || size < 8) {
		return -EINVAL;
	}
	relay = url + 6;
	slash = strchr(relay, '/');
	if (!slash || strncmp(slash, "/host/", 6) != 0) {
		return -EINVAL;
	}
	host = slash + 6;
	p = strchr(host, '/');
	if (!p || p == host || !p[1]) {
		return -EINVAL;
	}
	session = p + 1;
	pos += key_part(relay, (size_t)(slash - relay), key, size - 1 - pos);
	if (pos < size - 1) {
		key[pos++] = '.';
	}
	pos += key_part(host, (size_t)(p - host), key + pos, size - 1 - pos);
	if (pos < size - 1) {
		key[pos++] = '.';
	}
	pos += key_part(session, strlen(session), key + pos, size - 1 - pos);
	key[pos] = '\0';
	return 0;
}
