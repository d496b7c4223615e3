/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lttng-analyzerd: options, configuration file, and the life of the
 * process (start the store, the analyses and the HTTP server; stop them
 * cleanly on SIGTERM/SIGINT; reopen logs on SIGHUP). main.c only calls
 * lta_daemon_main(); tests link the rest.
 */
#ifndef LTA_ANALYZERD_DAEMON_H
#define LTA_ANALYZERD_DAEMON_H

#include <stddef.h>
#include <stdint.h>

/* Entries of a repeatable option at most. */
#define LTA_DAEMON_LIST_MAX 16

struct lta_daemon_config {
	char listen[64];       /* Default 127.0.0.1. */
	uint16_t port;	       /* Default 8780; 0 picks a free one. */
	char data_dir[1024];   /* Default /var/lib/lttng-analyzer. */
	char token_file[1024]; /* "": DATA_DIR/token, generated if missing. */
	int token_for_reads;   /* GET and HEAD need the token too. */
	char port_file[1024];  /* Write the port there once listening. */
	char log_level[16];
	int syslog;
	int retry_ms; /* First live reconnect delay. */
	int threads;  /* HTTP threads. */
	/* HTTP limits (http.h); 0 keeps the server's default. */
	int request_timeout_s;
	int max_connections, max_per_address;
	int64_t stream_max_lag; /* Event streams: 0 for the default. */
	int stream_poll_ms;
	/* Host header names accepted besides IP literals and localhost. */
	char allowed_hosts[LTA_DAEMON_LIST_MAX][256];
	int allowed_host_count;
	/* Folders trace paths must be in (canonical); none: anywhere. */
	char allowed_trace_dirs[LTA_DAEMON_LIST_MAX][1024];
	int allowed_trace_dir_count;
	/* LTTng daemons (lttng-daemons.h). */
	char relayd_url[256]; /* "": a managed relay daemon. */
	int relayd_live_port; /* With relayd_url; 0: 5344. */
	int no_relayd;
	int start_sessiond;
	/* Timing failures (lib/agent): 0 keeps the agent's default. */
	double timeout_k;
	int timeout_floor_ms, timeout_ceiling_ms, timeout_warmup;
	int no_derived; /* No starts and ends derived from system calls. */
	/* Kinds of request per process for derived services; 0: default. */
	int max_kinds;
	int no_kinds; /* One derived service per process, as before. */
	/* Workers (analysis.h): 0 keeps the default. */
	int max_analyses;
	long worker_memory_mb;
	int relay_timeout_ms;
	int jobs; /* Decoding graphs per recorded trace; 0: the CPUs. */
	/* The dashboard's files; "": LTA_WEB_DIR, when it has them. */
	char web_dir[1024];
	/*
	 * Fleets (doc/fleet-vms.md). A control-only daemon (on a traced
	 * VM) runs no analysis and opens no store: the sessions API only.
	 * A central daemon is given the sessions of relay daemons by
	 * pattern (attach.h), listed every attach_interval_ms.
	 */
	int control_only;
	char attach[LTA_DAEMON_LIST_MAX][512];
	int attach_count;
	int attach_interval_ms; /* 0: the default. */

	/* The fleet (doc/fleet.md): "" publishes nothing, takes no lease. */
	char nats_url[512];
	char fleet_name[128]; /* In messages; default: the host name. */
	int lease_ms;	      /* Lease time of live sessions (15000). */
	int publish_records;  /* Requests' full records in messages. */
};

/*
 * Parses the configuration file PATH (lines "key = value", keys as the
 * long options without "--", "#" comments) into CONFIG. Returns 0, or -1
 * with a message naming the line in ERROR.
 */
int lta_daemon_read_config(const char *path, struct lta_daemon_config *config,
			   char *error, size_t size);

/* Runs the daemon; returns the exit status. Main thread only. */
int lta_daemon_main(int argc, char **argv);

#endif /* LTA_ANALYZERD_DAEMON_H */
