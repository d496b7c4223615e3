/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The connection, the stream and the lease bucket, publishing batches,
 * and reading a stream back (publish.h). NATS statuses are translated
 * into errno values here.
 */
#include <errno.h>
#include <nats/nats.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "publish-internal.h"

static void set_error(char *error, size_t size, const char *what, natsStatus s,
		      jsErrCode jerr)
{
	if (error && size) {
		natsStatus last = NATS_OK;
		const char *text = nats_GetLastError(&last);

		snprintf(error, size, "%s: %s (JetStream error %d: %s)", what,
			 natsStatus_GetText(s), (int)jerr, text ? text : "");
	}
}

/* One asynchronous publish's acknowledgement or failure. */
static void on_ack(jsCtx *js, natsMsg *msg, jsPubAck *pa, jsPubAckErr *pae,
		   void *closure)
{
	struct lta_nats *n = closure;

	pthread_mutex_lock(&n->lock);
	if (pa) {
		n->batch_acked++;
	} else {
		n->batch_failed++;
		if (pae && pae->ErrText) {
			snprintf(n->last_error, sizeof(n->last_error), "%s",
				 pae->ErrText);
		}
	}
	pthread_mutex_unlock(&n->lock);
	natsMsg_Destroy(msg);
}

struct lta_nats *lta_nats_create(const char *url, const char *name, char *error,
				 size_t size)
{
	struct lta_nats *n = calloc(1, sizeof(*n));
	natsOptions *opts = NULL;
	jsOptions jo;
	natsStatus s;

	if (!n) {
		snprintf(error, size, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&n->lock, NULL);
	s = natsOptions_Create(&opts);
	if (s == NATS_OK) {
		s = natsOptions_SetURL(opts, url);
	}
	if (s == NATS_OK && name) {
		s = natsOptions_SetName(opts, name);
	}
	if (s == NATS_OK) {
		/* Forever, every quarter second: NATS comes back. */
		s = natsOptions_SetMaxReconnect(opts, -1);
	}
	if (s == NATS_OK) {
		s = natsOptions_SetReconnectWait(opts, 250);
	}
	if (s == NATS_OK) {
		s = natsOptions_SetTimeout(opts, 1000);
	}
	if (s == NATS_OK) {
		/* A server gone without a word is seen within 3 s. */
		s = natsOptions_SetPingInterval(opts, 1000);
	}
	if (s == NATS_OK) {
		s = natsOptions_SetMaxPingsOut(opts, 2);
	}
	if (s == NATS_OK) {
		/* A first connection that fails goes on in the background. */
		s = natsOptions_SetRetryOnFailedConnect(opts, true, NULL, NULL);
	}
	if (s != NATS_OK) {
		set_error(error, size, "Bad NATS options", s, 0);
		goto error;
	}
	s = natsConnection_Connect(&n->nc, opts);
	if (s != NATS_OK && s != NATS_NOT_YET_CONNECTED) {
		set_error(error, size, "Cannot connect to NATS", s, 0);
		goto error;
	}
	jsOptions_Init(&jo);
	jo.Wait = 2000;
	jo.PublishAsync.MaxPending = LTA_NATS_MAX_IN_FLIGHT;
	jo.PublishAsync.AckHandler = on_ack;
	jo.PublishAsync.AckHandlerClosure = n;
	s = natsConnection_JetStream(&n->js, n->nc, &jo);
	if (s != NATS_OK) {
		set_error(error, size, "Cannot use JetStream", s, 0);
		goto error;
	}
	natsOptions_Destroy(opts);
	return n;
error:
	natsOptions_Destroy(opts);
	lta_nats_destroy(n);
	return NULL;
}

void lta_nats_destroy(struct lta_nats *n)
{
	if (!n) {
		return;
	}
	kvStore_Destroy(n->kv);
	jsCtx_Destroy(n->js);
	if (n->nc) {
		natsConnection_Close(n->nc);
		natsConnection_Destroy(n->nc);
	}
	pthread_mutex_destroy(&n->lock);
	free(n);
}

bool lta_nats_connected(struct lta_nats *n)
{
	return n && n->nc &&
	       natsConnection_Status(n->nc) == NATS_CONN_STATUS_CONNECTED;
}

int lta_nats_prepare(struct lta_nats *n, int64_t lease_ms, char *error,
		     size_t size)
{
	jsStreamInfo *si = NULL;
	jsStreamConfig cfg;
	const char *subjects[] = { LTA_PUBLISH_SUBJECTS };
	jsErrCode jerr = 0;
	natsStatus s;

	if (!lta_nats_connected(n)) {
		snprintf(error, size, "not connected to NATS");
		return -EAGAIN;
	}
	s = js_GetStreamInfo(&si, n->js, LTA_PUBLISH_STREAM, NULL, &jerr);
	if (s == NATS_NOT_FOUND || jerr == JSStreamNotFoundErr) {
		jsStreamConfig_Init(&cfg);
		cfg.Name = LTA_PUBLISH_STREAM;
		cfg.Subjects = subjects;
		cfg.SubjectsLen = 1;
		cfg.Storage = js_FileStorage;
		cfg.Duplicates =
			(int64_t)LTA_PUBLISH_DUPLICATE_WINDOW_MS * 1000000;
		jerr = 0;
		s = js_AddStream(&si, n->js, &cfg, NULL, &jerr);
		if (s == NATS_OK) {
			LTA_LOGI("Created the JetStream stream: name=%s, "
				 "subjects=\"%s\"",
				 LTA_PUBLISH_STREAM, LTA_PUBLISH_SUBJECTS);
		}
	}
	jsStreamInfo_Destroy(si);
	if (s != NATS_OK) {
		set_error(error, size, "Cannot create the stream", s, jerr);
		return s == NATS_TIMEOUT ? -EAGAIN : -EIO;
	}
	if (lease_ms > 0 && !n->kv) {
		s = js_KeyValue(&n->kv, n->js, LTA_LEASE_BUCKET);
		if (s != NATS_OK) {
			kvConfig kc;

			kvConfig_Init(&kc);
			kc.Bucket = LTA_LEASE_BUCKET;
			kc.History = 1;
			kc.TTL = lease_ms * 1000000; /* ns */
			kc.StorageType = js_FileStorage;
			s = js_CreateKeyValue(&n->kv, n->js, &kc);
		}
		if (s != NATS_OK) {
			n->kv = NULL;
			set_error(error, size, "Cannot open the lease bucket",
				  s, 0);
			return s == NATS_TIMEOUT ? -EAGAIN : -EIO;
		}
		/* The bucket's TTL is the lease time of the whole fleet. */
		si = NULL;
		if (js_GetStreamInfo(&si, n->js, "KV_" LTA_LEASE_BUCKET, NULL,
				     &jerr) == NATS_OK &&
		    si->Config && si->Config->MaxAge != lease_ms * 1000000) {
			LTA_LOGW("The lease bucket's lease time is not this "
				 "daemon's: that of the fleet rules: "
				 "bucket-ms=%lld, lease-ms=%lld",
				 (long long)(si->Config->MaxAge / 1000000),
				 (long long)lease_ms);
		}
		jsStreamInfo_Destroy(si);
	}
	return 0;
}

int lta_nats_publish(struct lta_nats *n, const struct lta_nats_message *msgs,
		     size_t count, int timeout_ms, size_t *failed)
{
	jsPubOptions po;
	natsMsgList pending = { 0 };
	natsStatus s = NATS_OK;
	size_t i, acked = 0, refused = 0;

	*failed = count;
	if (!lta_nats_connected(n)) {
		return -EAGAIN;
	}
	pthread_mutex_lock(&n->lock);
	n->batch_acked = 0;
	n->batch_failed = 0;
	pthread_mutex_unlock(&n->lock);
	for (i = 0; i < count && s == NATS_OK; i++) {
		jsPubOptions_Init(&po);
		po.MsgId = msgs[i].id;
		s = js_PublishAsync(n->js, msgs[i].subject, msgs[i].data,
				    (int)msgs[i].len, &po);
	}
	jsPubOptions_Init(&po);
	po.MaxWait = timeout_ms;
	if (js_PublishAsyncComplete(n->js, &po) != NATS_OK) {
		/* Not acknowledged in time: take them back, drop them. */
		if (js_PublishAsyncGetPendingList(&pending, n->js) == NATS_OK) {
			natsMsgList_Destroy(&pending);
		}
	}
	pthread_mutex_lock(&n->lock);
	acked = (size_t)n->batch_acked;
	refused = (size_t)n->batch_failed;
	pthread_mutex_unlock(&n->lock);
	*failed = acked >= count ? 0 : count - acked;
	if (s != NATS_OK || acked < count) {
		LTA_LOGD("A batch was not acknowledged whole: count=%zu, "
			 "acked=%zu, refused=%zu, status=\"%s\"",
			 count, acked, refused, natsStatus_GetText(s));
		return -EAGAIN;
	}
	return 0;
}

int lta_nats_read_stream(struct lta_nats *n, const char *stream,
			 const char *filter, int timeout_ms,
			 int (*fn)(const char *subject, const char *id,
				   const char *data, size_t len, uint64_t seq,
				   void *user_data),
			 void *user_data)
{
	jsStreamInfo *si = NULL;
	natsSubscription *sub = NULL;
	jsSubOptions so;
	jsErrCode jerr = 0;
	uint64_t last;
	natsStatus s;
	int ret = 0;

	if (!lta_nats_connected(n)) {
		return -EAGAIN;
	}
	s = js_GetStreamInfo(&si, n->js, stream, NULL, &jerr);
	if (s != NATS_OK) {
		return s == NATS_NOT_FOUND || jerr == JSStreamNotFoundErr
			       ? -ENOENT
			       : -EIO;
	}
	last = si->State.LastSeq;
	jsStreamInfo_Destroy(si);
	if (last == 0) {
		return 0;
	}
	jsSubOptions_Init(&so);
	so.Stream = stream;
	so.Ordered = true;
	so.Config.DeliverPolicy = js_DeliverAll;
	s = js_SubscribeSync(&sub, n->js,
			     filter ? filter : LTA_PUBLISH_SUBJECTS, NULL, &so,
			     &jerr);
	if (s != NATS_OK) {
		return -EIO;
	}
	natsSubscription_SetPendingLimits(sub, -1, -1);
	for (;;) {
		natsMsg *msg = NULL;
		jsMsgMetaData *meta = NULL;
		const char *id = NULL;
		uint64_t seq = 0;

		s = natsSubscription_NextMsg(&msg, sub, timeout_ms);
		if (s != NATS_OK) {
			/* A filter may match nothing up to the last one. */
			ret = filter && s == NATS_TIMEOUT ? 0 : -EAGAIN;
			break;
		}
		if (natsMsg_GetMetaData(&meta, msg) == NATS_OK) {
			seq = meta->Sequence.Stream;
			jsMsgMetaData_Destroy(meta);
		}
		if (natsMsgHeader_Get(msg, "Nats-Msg-Id", &id) != NATS_OK) {
			id = NULL;
		}
		if (seq) {
			ret = fn(natsMsg_GetSubject(msg), id,
				 natsMsg_GetData(msg),
				 (size_t)natsMsg_GetDataLength(msg), seq,
				 user_data);
		}
		natsMsg_Destroy(msg);
		if (ret || seq >= last) {
			break;
		}
	}
	natsSubscription_Unsubscribe(sub);
	natsSubscription_Destroy(sub);
	return ret;
}

void lta_publish_token(const char *text, char *token, size_t size)
{
	size_t i;

	if (!size) {
		return;
	}
	for (i = 0; text[i] && i + 1 < size; i++) {
		char c = text[i];

		token[i] = (c == '.' || c == '*' || c == '>' || c == ' ' ||
			    c == '\t' || c == '\n' || c == '\r')
				   ? '_'
				   : c;
	}
	token[i] = '\0';
	if (i == 0 && size > 1) {
		snprintf(token, size, "_");
	}
}
