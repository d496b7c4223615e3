/*
 * Metadata framing check, internal to the decode module (see the .c file
 * for why babeltrace2 needs it).
 */
#ifndef LTA_DECODE_METADATA_CHECK_H
#define LTA_DECODE_METADATA_CHECK_H

#include <stddef.h>

/*
 * Checks that TRACE_DIR/metadata is readable and, when packetized, made of
 * whole packets with sane headers. Returns 0, or a negative errno with a
 * message naming the file in ERROR. Any thread.
 */
int lta_metadata_check(const char *trace_dir, char *error, size_t size);

#endif /* LTA_DECODE_METADATA_CHECK_H */
