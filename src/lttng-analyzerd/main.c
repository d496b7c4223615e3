/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lttng-analyzerd: the analysis daemon (daemon.c), or, started by it with
 * --worker first, the worker of one analysis (worker.c).
 */
#include <string.h>

#include "daemon.h"
#include "worker.h"

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--worker") == 0) {
		return lta_worker_main(argc, argv);
	}
	return lta_daemon_main(argc, argv);
}
