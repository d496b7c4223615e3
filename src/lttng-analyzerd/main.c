/*
 * lttng-analyzerd: the analysis daemon. Everything is in daemon.c.
 */
#include "daemon.h"

int main(int argc, char **argv)
{
	return lta_daemon_main(argc, argv);
}
