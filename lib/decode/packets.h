/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The packet table of one CTF 1.8 stream file, read without babeltrace2,
 * internal to the decode module.
 *
 * To share the packets of one stream among several babeltrace2 graphs we
 * must know where each packet lies and which time it covers before any
 * graph runs: the offsets, sizes, timestamps and counters that the packet
 * header and packet context hold. Their layout is read from the trace's
 * metadata (TSDL text); only the plain layouts that LTTng and babeltrace2's
 * sink.ctf.fs write are understood (integers, inline or typealiased, in the
 * trace's byte order). Anything else is refused rather than guessed: a
 * table that is wrong by one packet would split a stream where babeltrace2
 * would not, so this reader is exact or says it cannot be.
 *
 * streams.c uses the packet header layout of this file to group the stream
 * files of a trace.
 */
#ifndef LTA_DECODE_PACKETS_H
#define LTA_DECODE_PACKETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lta_packet_info {
	uint64_t offset;       /* Bytes from the file's start. */
	uint64_t packet_size;  /* Bits, as the context says. */
	uint64_t content_size; /* Bits. */
	uint64_t ts_begin,
		ts_end; /* Raw clock values (cycles) of the context. */
	uint64_t events_discarded; /* When has_events_discarded. */
	uint64_t seq_num;	   /* When has_seq_num. */
	uint64_t stream_id; /* Stream class id (0 when the header has none). */
	uint64_t instance_id; /* stream_instance_id. */
};

struct lta_packet_table {
	struct lta_packet_info *packets; /* Owned array, file order. */
	size_t count;
	bool has_events_discarded, has_seq_num;
	bool big_endian;
};

/*
 * Reads the packet table of the stream file STREAM_PATH (absolute, or
 * relative to TRACE_DIR) of the trace whose metadata is in TRACE_DIR.
 * Returns 0 with TABLE filled (the caller frees it with
 * lta_packet_table_fini()), or a negative errno: -ENOTSUP when the layout of
 * the packet header or context is not known for sure, -EINVAL when the file
 * does not validate (bad magic, a packet of another stream, sizes or
 * timestamps that do not chain, a file cut in a packet), -ENOMEM, or the
 * error of open() or pread(). TABLE is left empty on error. Any thread.
 */
int lta_decode_packet_table(const char *trace_dir, const char *stream_path,
			    struct lta_packet_table *table);

/* Frees the packets of TABLE and empties it. Accepts NULL. Any thread. */
void lta_packet_table_fini(struct lta_packet_table *table);

/* Where a packet field lies: bits from the packet's start, width in bits. */
struct lta_packet_field {
	bool found;
	unsigned offset, size;
};

/* The packet header of a trace, as its metadata lays it out. */
struct lta_packet_header_layout {
	struct lta_packet_field magic, stream_id, instance_id;
	unsigned bits;	 /* Size of the header. */
	bool big_endian; /* The trace's byte order (trace { byte_order }). */
};

/*
 * Reads the packet header layout from the metadata of TRACE_DIR: the magic
 * is 32 bits at offset 0 and stream_instance_id is present; stream_id may be
 * absent. Returns 0, -ENOTSUP when the layout is not known for sure,
 * -ENOMEM, or the error of opening the metadata. Any thread.
 */
int lta_decode_packet_header_layout(const char *trace_dir,
				    struct lta_packet_header_layout *layout);

/*
 * Returns the unsigned value of FIELD in the packet bytes at BUF (which hold
 * at least the field), read in CTF's bit order for the byte order BIG.
 */
uint64_t lta_packet_field_read(const unsigned char *buf,
			       const struct lta_packet_field *field, bool big);

#endif /* LTA_DECODE_PACKETS_H */
