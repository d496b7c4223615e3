/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A trace's metadata file, internal to the decode module: the check of its
 * framing (see the .c file for why babeltrace2 needs it) and its text
 * (packets.c reads the packet header and context layouts in it).
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

/*
 * Returns the TSDL text of TRACE_DIR/metadata (at most 16 MiB of it): the
 * file as it is, or the payloads of its packets when packetized (up to the
 * first packet that does not frame). Owned by the caller; NULL when the
 * file cannot be read or memory is out. Any thread.
 */
char *lta_metadata_text(const char *trace_dir);

#endif /* LTA_DECODE_METADATA_CHECK_H */
