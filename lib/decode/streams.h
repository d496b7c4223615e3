/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Which stream files of a CTF trace folder make one stream, internal to
 * the decode module (lanes.c shares streams out among babeltrace2 graphs,
 * and a stream must be read whole by one of them).
 *
 * babeltrace2's source.ctf.fs makes one stream of the files whose packet
 * headers carry the same stream class id and stream_instance_id (LTTng
 * splits a stream into several files with --tracefile-size). The header's
 * layout is read from the metadata's packet.header (CTF 1.8 TSDL); when it
 * cannot be read for sure (no stream_instance_id, a type we do not know, a
 * file shorter than its header or without the CTF magic), every file of
 * the trace is one group: always correct, only less parallel.
 */
#ifndef LTA_DECODE_STREAMS_H
#define LTA_DECODE_STREAMS_H

#include <stddef.h>

struct lta_trace_filter;

/*
 * Sets GROUP[I], for each stream file I of FILTER that babeltrace2 reads,
 * to its group (0, 1, ...; files of one stream share it), and to -1 for
 * the others. GROUP has lta_trace_filter_file_count() entries. Returns the
 * number of groups (1 when the layout is not known for sure; 0 when there
 * is no stream file). Any thread.
 */
size_t lta_decode_stream_groups(const struct lta_trace_filter *filter,
				long *group);

#endif /* LTA_DECODE_STREAMS_H */
