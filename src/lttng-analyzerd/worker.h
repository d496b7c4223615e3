/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The analysis worker: one process per analysis, started by the daemon.
 *
 * A worker runs the babeltrace2 graph of its analysis (live session or
 * recorded trace folder) and the analysis pipeline (tasks, segment, the
 * timing agent), and writes what it finds straight into the store: the
 * requests, connections and errors, and with each commit the snapshot of
 * its figures (snapshot.h), all in one transaction. So a trace that makes
 * libbabeltrace2 abort, or an out-of-memory kill, takes down this process
 * only: the daemon (analysis.c) sees it die, marks the analysis failed
 * with the reason, and everything committed stays served.
 *
 * The worker is lttng-analyzerd itself, started as
 *   lttng-analyzerd --worker --data-dir=DIR --analysis=ID [OPTION=VALUE]...
 * with the write end of a pipe on descriptor 3: it reports there, one JSON
 * object per line, what the store cannot hold (a full disk), and the
 * daemon sees the pipe close when it exits, however it exits. It limits
 * itself first (memory, open files, no core file, no new privileges, no
 * capabilities), and dies with the daemon (within 250 ms of the daemon
 * process's end, seen on its pipe; not when the daemon's thread that
 * started it ends).
 *
 * Signals: SIGTERM or SIGINT stop it (it flushes, marks the analysis
 * stopped, exits 0). A watchdog interrupts a graph that does not come back
 * within the stall deadline (a relay daemon that accepts and stays silent,
 * a decoder that loops): live, the analysis turns disconnected and
 * reconnects; a graph that does not come back even then ends the worker.
 */
#ifndef LTA_ANALYZERD_WORKER_H
#define LTA_ANALYZERD_WORKER_H

/* The descriptor on which a worker finds its pipe to the daemon. */
#define LTA_WORKER_PIPE_FD 3

/*
 * Exit codes of a worker: 0, the analysis ended (ended, stopped) and its
 * status is stored; LTA_WORKER_EXIT_FAILED, it failed and said why in the
 * store; LTA_WORKER_EXIT_USAGE, bad arguments; LTA_WORKER_EXIT_STALLED,
 * its graph never came back after the watchdog interrupted it.
 */
#define LTA_WORKER_EXIT_FAILED 1
#define LTA_WORKER_EXIT_USAGE 2
#define LTA_WORKER_EXIT_STALLED 3

/*
 * The worker's main(): ARGV as above (argv[1] is "--worker"). Returns the
 * process's exit code. Called once, in a fresh process.
 */
int lta_worker_main(int argc, char **argv);

#endif /* LTA_ANALYZERD_WORKER_H */
