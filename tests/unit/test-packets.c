/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The packet table reader of the decode module (packets.c).
 *
 * The values it must find are known without it: the `discarded` and
 * `kernel-2.4-names` traces of tests/utils/make-synthetic-traces.py are
 * described packet by packet in tests/utils/README-synthetic-traces.md
 * (babeltrace2's packet beginning and end messages, its discarded events
 * and packets messages), and the real LTTng traces of ../shared/traces come
 * with the index/NAME.idx files LTTng's consumer wrote while recording.
 * Damaged copies of a trace check that it refuses what it cannot vouch for.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "decode/packets.h"
#include "tap.h"

#define CTF_INDEX_MAGIC 0xc1f1dcc1u

/*
 * The context of sink.ctf.fs in `discarded`, as its metadata lays it out:
 * a 36-byte header (magic, uuid, stream_id, stream_instance_id), then
 * packet_size, content_size, timestamp_begin, timestamp_end,
 * events_discarded and packet_seq_num, 8 bytes each, then _cpu_id.
 */
#define OFF_INSTANCE 28
#define OFF_CONTENT_SIZE 44
#define OFF_TS_BEGIN 52
#define OFF_TS_END 60

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f) {
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1))) {
		*len = fread(buf, 1, (size_t)n, f);
		buf[*len] = '\0';
	}
	fclose(f);
	return buf;
}

static int spit(const char *path, const char *buf, size_t len)
{
	FILE *f = fopen(path, "wb");
	int ret = -1;

	if (f) {
		ret = fwrite(buf, 1, len, f) == len ? 0 : -1;
		ret = fclose(f) == 0 ? ret : -1;
	}
	return ret;
}

/* Makes DST a copy of the trace folder SRC (metadata and channel0_0). */
static int copy_trace(const char *src, const char *dst)
{
	char cmd[8192];

	snprintf(cmd, sizeof(cmd),
		 "rm -rf '%s' && mkdir -p '%s' && cp '%s'/* '%s'/", dst, dst,
		 src, dst);
	return system(cmd) == 0 ? 0 : -1;
}

/* Replaces the first FROM of DIR/metadata with TO. */
static int edit_metadata(const char *dir, const char *from, const char *to)
{
	char path[4096], *text, *out, *at;
	size_t len = 0, flen = strlen(from), tlen = strlen(to);
	int ret = -1;

	snprintf(path, sizeof(path), "%s/metadata", dir);
	text = slurp(path, &len);
	at = text ? strstr(text, from) : NULL;
	out = at ? malloc(len - flen + tlen + 1) : NULL;
	if (out) {
		size_t head = (size_t)(at - text);

		memcpy(out, text, head);
		memcpy(out + head, to, tlen);
		memcpy(out + head + tlen, at + flen, len - head - flen);
		ret = spit(path, out, len - flen + tlen);
	}
	free(out);
	free(text);
	return ret;
}

static int poke(const char *path, off_t offset, const void *bytes, size_t len)
{
	int fd = open(path, O_WRONLY);
	int ret = -1;

	if (fd >= 0) {
		ret = pwrite(fd, bytes, len, offset) == (ssize_t)len ? 0 : -1;
		close(fd);
	}
	return ret;
}

/* Packets of `discarded` (README-synthetic-traces.md, section 5). */
static const uint64_t disc_begin[] = { 0, 10000, 50000 };
static const uint64_t disc_end[] = { 10000, 20000, 60000 };
static const uint64_t disc_events[] = { 0, 42, 42 };
static const uint64_t disc_seq[] = { 0, 1, 5 };

/* Checks TABLE against the packets of `discarded`; WHAT names the case. */
static void check_discarded(const struct lta_packet_table *t, const char *path,
			    const char *what)
{
	struct stat st;
	uint64_t next = 0;
	size_t i;

	is_int(t->count, 3, "%s: 3 packets (sink.utils.counter)", what);
	ok(t->has_events_discarded && t->has_seq_num,
	   "%s: events_discarded and packet_seq_num present", what);
	ok(!t->big_endian, "%s: little-endian", what);
	for (i = 0; i < t->count && i < 3; i++) {
		const struct lta_packet_info *p = &t->packets[i];

		ok(p->ts_begin == disc_begin[i] && p->ts_end == disc_end[i],
		   "%s: packet %zu covers [%" PRIu64 ", %" PRIu64 "]", what, i,
		   disc_begin[i], disc_end[i]);
		is_int(p->events_discarded, disc_events[i],
		       "%s: packet %zu events_discarded", what, i);
		is_int(p->seq_num, disc_seq[i], "%s: packet %zu packet_seq_num",
		       what, i);
		ok(p->stream_id == 0 && p->instance_id == 0,
		   "%s: packet %zu of stream class 0, instance 0", what, i);
		is_int(p->offset, next, "%s: packet %zu follows the one before",
		       what, i);
		ok(p->content_size <= p->packet_size && p->packet_size % 8 == 0,
		   "%s: packet %zu sizes", what, i);
		next = p->offset + p->packet_size / 8;
	}
	ok(stat(path, &st) == 0 && (uint64_t)st.st_size == next,
	   "%s: the last packet ends at the file's end", what);
}

static void test_discarded(const char *synth, const char *tmp)
{
	struct lta_packet_table t;
	char src[2048], dir[2048], path[4096];
	static const unsigned char zero8[8] = { 0 };
	static const unsigned char swapped[4] = { 0xc1, 0xfc, 0x1f, 0xc1 };
	static const unsigned char bad[4] = { 0xde, 0xad, 0xbe, 0xef };
	static const unsigned char one = 1;
	static const unsigned char early[8] = { 0x88, 0x13 };
	static const unsigned char small[8] = { 64 };
	static const unsigned char large[8] = { 0xff, 0xff };
	struct stat st;

	diag("discarded: 3 packets, 42 events and 3 packets lost");
	snprintf(src, sizeof(src), "%s/discarded", synth);
	snprintf(path, sizeof(path), "%s/channel0_0", src);
	is_int(lta_decode_packet_table(src, "channel0_0", &t), 0,
	       "the packet table is read");
	check_discarded(&t, path, "discarded");
	lta_packet_table_fini(&t);
	is_int(lta_decode_packet_table(src, path, &t), 0,
	       "an absolute stream path works too");
	is_int(t.count, 3, "3 packets by absolute path");
	lta_packet_table_fini(&t);
	lta_packet_table_fini(NULL);

	snprintf(dir, sizeof(dir), "%s/d", tmp);
	snprintf(path, sizeof(path), "%s/channel0_0", dir);

	/*
	 * The same layout written the LTTng way: typealiases (one of two
	 * words), a named struct with its own align(), a comment and a
	 * string holding braces and semicolons. Same packets.
	 */
	if (copy_trace(src, dir) ||
	    edit_metadata(dir, "stream {",
			  "typealias integer { size = 64; align = 8; "
			  "signed = false; } := unsigned long;\n"
			  "typealias integer { size = 64; align = 8; "
			  "map = clock.monotonic.value; } := uint64_clock_t;\n"
			  "typealias integer { size = 32; align = 8; } "
			  ":= uint32_t;\n"
			  "/* stream { id = 0; }; { */\n"
			  "struct pc {\n"
			  "\tunsigned  long packet_size;\n"
			  "\tunsigned long content_size;\n"
			  "\tuint64_clock_t timestamp_begin;\n"
			  "\tuint64_clock_t timestamp_end;\n"
			  "\tunsigned long events_discarded;\n"
			  "\tunsigned long packet_seq_num;\n"
			  "\tuint32_t cpu_id;\n"
			  "} align(8);\n"
			  "env2 { s = \"};{\"; };\n"
			  "stream {") ||
	    edit_metadata(dir, "packet.context := struct {",
			  "packet.context := struct pc;\n"
			  "\tx := struct {")) {
		skip(1, "cannot write the LTTng-style metadata");
	} else {
		int ret = lta_decode_packet_table(dir, "channel0_0", &t);

		is_int(ret, 0, "typealiased context in a named struct: read");
		if (ret == 0) {
			check_discarded(&t, path, "named struct");
		}
		lta_packet_table_fini(&t);
	}

	/* A context member of a type we do not read: refused. */
	if (copy_trace(src, dir) ||
	    edit_metadata(dir, "integer { size = 32; align = 8; } _cpu_id;",
			  "string { encoding = UTF8; } _cpu_id;")) {
		skip(1, "cannot write the metadata");
	} else {
		is_int(lta_decode_packet_table(dir, "channel0_0", &t), -ENOTSUP,
		       "a string in the packet context: -ENOTSUP");
		ok(t.count == 0 && t.packets == NULL, "the table is empty");
	}
	if (copy_trace(src, dir) ||
	    edit_metadata(dir, "integer { size = 32; align = 8; } _cpu_id;",
			  "integer { size = 32; align = 8; byte_order = be; } "
			  "_cpu_id;")) {
		skip(1, "cannot write the metadata");
	} else {
		is_int(lta_decode_packet_table(dir, "channel0_0", &t), -ENOTSUP,
		       "an integer with its own byte order: -ENOTSUP");
	}
	if (copy_trace(src, dir) ||
	    edit_metadata(dir,
			  "integer { size = 64; align = 8; map = "
			  "clock.monotonic.value; } timestamp_end;",
			  "integer { size = 32; align = 8; map = "
			  "clock.monotonic.value; } timestamp_end;")) {
		skip(1, "cannot write the metadata");
	} else {
		is_int(lta_decode_packet_table(dir, "channel0_0", &t), -ENOTSUP,
		       "a 32-bit timestamp_end: -ENOTSUP");
	}
	if (copy_trace(src, dir) ||
	    edit_metadata(dir, "byte_order = le;", "")) {
		skip(1, "cannot write the metadata");
	} else {
		is_int(lta_decode_packet_table(dir, "channel0_0", &t), -ENOTSUP,
		       "no trace byte order: -ENOTSUP");
	}

	/* Damaged stream files: refused. */
	if (copy_trace(src, dir) || stat(path, &st) ||
	    truncate(path, st.st_size - 20)) {
		skip(1, "cannot cut the stream file");
	} else {
		is_int(lta_decode_packet_table(dir, "channel0_0", &t), -EINVAL,
		       "a file cut in its last packet's events: -EINVAL");
		ok(t.count == 0 && t.packets == NULL, "the table is empty");
	}
	if (copy_trace(src, dir) || stat(path, &st) ||
	    truncate(path, st.st_size - 100)) {
		skip(1, "cannot cut the stream file");
	} else {
		is_int(lta_decode_packet_table(dir, "channel0_0", &t), -EINVAL,
		       "a file cut in its last packet's context: -EINVAL");
	}
	if (copy_trace(src, dir) || truncate(path, 40)) {
		skip(1, "cannot cut the stream file");
	} else {
		is_int(lta_decode_packet_table(dir, "channel0_0", &t), -EINVAL,
		       "a file cut in its first packet context: -EINVAL");
	}
	if (copy_trace(src, dir) || poke(path, 268, bad, sizeof(bad))) {
		skip(1, "cannot damage the stream file");
	} else {
		is_int(lta_decode_packet_table(dir, "channel0_0", &t), -EINVAL,
		       "a corrupted magic in packet 2: -EINVAL");
	}
	if (copy_trace(src, dir) || poke(path, 0, bad, sizeof(bad))) {
		skip(1, "cannot damage the stream file");
	} else {
		is_int(lta_decode_packet_table(dir, "channel0_0", &t), -EINVAL,
		       "a corrupted magic in packet 1: -EINVAL");
	}
	if (copy_trace(src, dir) || poke(path, 0, swapped, sizeof(swapped))) {
		skip(1, "cannot damage the stream file");
	} else {
		is_int(lta_decode_packet_table(dir, "channel0_0", &t), -ENOTSUP,
		       "a magic in the other byte order: -ENOTSUP");
	}
	if (copy_trace(src, dir) ||
	    poke(path, 0 + OFF_TS_END, zero8, sizeof(zero8))) {
		skip(1, "cannot damage the stream file");
	} else {
		/* Packet 1 begins at 0: only the zero end tells. */
		is_int(lta_decode_packet_table(dir, "channel0_0", &t), -EINVAL,
		       "timestamp_end 0 (a crashed tracer): -EINVAL");
	}
	if (copy_trace(src, dir) ||
	    poke(path, 268 + OFF_TS_END, zero8, sizeof(zero8))) {
		skip(1, "cannot damage the stream file");
	} else {
		is_int(lta_decode_packet_table(dir, "channel0_0", &t), -EINVAL,
		       "timestamp_end before timestamp_begin: -EINVAL");
	}
	if (copy_trace(src, dir) ||
	    poke(path, 446 + OFF_TS_BEGIN, &early, sizeof(early))) {
		skip(1, "cannot damage the stream file");
	} else {
		/* 5000 (0x1388, little-endian) < packet 2's 10000. */
		is_int(lta_decode_packet_table(dir, "channel0_0", &t), -EINVAL,
		       "a packet beginning before the one before: -EINVAL");
	}
	if (copy_trace(src, dir) ||
	    poke(path, 446 + OFF_INSTANCE, &one, sizeof(one))) {
		skip(1, "cannot damage the stream file");
	} else {
		is_int(lta_decode_packet_table(dir, "channel0_0", &t), -EINVAL,
		       "a packet of another stream instance: -EINVAL");
	}
	if (copy_trace(src, dir) ||
	    poke(path, 268 + OFF_CONTENT_SIZE, small, sizeof(small))) {
		skip(1, "cannot damage the stream file");
	} else {
		is_int(lta_decode_packet_table(dir, "channel0_0", &t), -EINVAL,
		       "content_size smaller than header and context: -EINVAL");
	}
	if (copy_trace(src, dir) ||
	    poke(path, 268 + OFF_CONTENT_SIZE, large, sizeof(large))) {
		skip(1, "cannot damage the stream file");
	} else {
		is_int(lta_decode_packet_table(dir, "channel0_0", &t), -EINVAL,
		       "content_size larger than packet_size: -EINVAL");
	}
	is_int(lta_decode_packet_table(dir, "channel0_9", &t), -ENOENT,
	       "a missing stream file: -ENOENT");
}

static void test_two_streams(const char *synth)
{
	struct lta_packet_table t;
	char src[2048];
	int i;

	diag("kernel-2.4-names: two stream files, one packet each");
	snprintf(src, sizeof(src), "%s/kernel-2.4-names", synth);
	for (i = 0; i < 2; i++) {
		char name[32];

		snprintf(name, sizeof(name), "channel0_%d", i);
		is_int(lta_decode_packet_table(src, name, &t), 0, "%s read",
		       name);
		is_int(t.count, 1, "%s: one packet", name);
		if (t.count == 1) {
			ok(t.packets[0].ts_begin == 0 &&
				   t.packets[0].ts_end == 100000,
			   "%s: covers [0, 100000]", name);
			is_int(t.packets[0].instance_id, i,
			       "%s: stream instance %d", name, i);
		}
		ok(t.has_seq_num && !t.has_events_discarded,
		   "%s: packet_seq_num, no events_discarded", name);
		lta_packet_table_fini(&t);
	}
}

/*
 * A trace laid out by hand where every alignment rule shows: bit fields in
 * the header (stream_id and stream_instance_id share two bytes), a context
 * of align(128) after a 48-bit header, a 5-bit field before a 64-bit
 * timestamp aligned on 32 bits, a 7-bit events_discarded followed by a
 * 16-bit packet_seq_num without align (so byte-aligned, as CTF 1.8 says of
 * integers of whole bytes). Two 64-byte packets of one event each, in both
 * byte orders. babeltrace2 2.0.4 reads both the same way
 * (`babeltrace2 DIR -c sink.text.details`): stream class ID 5, stream ID
 * 4321, packets [1000, 2000] and [3000, 4000] cycles, "Discarded events
 * (3 events)" and "Discarded packets (1 packets)" between them, the
 * events' x = 7 and 9 and the context's flags = 21.
 */
static const char odd_metadata[] =
	"/* CTF 1.8 */\n"
	"typealias integer { size = 8; align = 8; signed = false; } := "
	"uint8_t;\n"
	"typealias integer { size = 32; align = 8; signed = false; } := "
	"uint32_t;\n"
	"trace {\n"
	"\tmajor = 1;\n"
	"\tminor = 8;\n"
	"\tbyte_order = %s;\n"
	"\tpacket.header := struct {\n"
	"\t\tuint32_t magic;\n"
	"\t\tinteger { size = 3; align = 1; } stream_id;\n"
	"\t\tinteger { size = 13; align = 1; } stream_instance_id;\n"
	"\t};\n"
	"};\n"
	"clock {\n"
	"\tname = c;\n"
	"\tfreq = 1000000000;\n"
	"};\n"
	"stream {\n"
	"\tid = 5;\n"
	"\tpacket.context := struct {\n"
	"\t\tinteger { size = 5; align = 1; } _flags;\n"
	"\t\tinteger { size = 64; align = 32; map = clock.c.value; } "
	"timestamp_begin;\n"
	"\t\tinteger { size = 64; align = 8; map = clock.c.value; } "
	"timestamp_end;\n"
	"\t\tinteger { size = 16; align = 16; } packet_size;\n"
	"\t\tinteger { size = 16; align = 8; } content_size;\n"
	"\t\tinteger { size = 7; align = 1; } events_discarded;\n"
	"\t\tinteger { size = 16; } packet_seq_num;\n"
	"\t} align(128);\n"
	"\tevent.header := struct {\n"
	"\t\tuint8_t id;\n"
	"\t\tinteger { size = 64; align = 8; map = clock.c.value; } "
	"timestamp;\n"
	"\t};\n"
	"};\n"
	"event {\n"
	"\tname = \"e\";\n"
	"\tid = 0;\n"
	"\tstream_id = 5;\n"
	"\tfields := struct {\n"
	"\t\tuint8_t x;\n"
	"\t};\n"
	"};\n";

/* The first 56 bytes of each packet; the other 8 are zero. */
static const unsigned char odd_be[2][56] = {
	{ 0xc1, 0xfc, 0x1f, 0xc1, 0xb0, 0xe1, 0x00, 0x00, 0x00, 0x00,
	  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xa8, 0x00, 0x00, 0x00,
	  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xe8, 0x00, 0x00,
	  0x00, 0x00, 0x00, 0x00, 0x07, 0xd0, 0x02, 0x00, 0x01, 0xa8,
	  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	  0x05, 0xdc, 0x07, 0x00, 0x00, 0x00 },
	{ 0xc1, 0xfc, 0x1f, 0xc1, 0xb0, 0xe1, 0x00, 0x00, 0x00, 0x00,
	  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xa8, 0x00, 0x00, 0x00,
	  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0b, 0xb8, 0x00, 0x00,
	  0x00, 0x00, 0x00, 0x00, 0x0f, 0xa0, 0x02, 0x00, 0x01, 0xa8,
	  0x06, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	  0x0d, 0xac, 0x09, 0x00, 0x00, 0x00 },
};
static const unsigned char odd_le[2][56] = {
	{ 0xc1, 0x1f, 0xfc, 0xc1, 0x0d, 0x87, 0x00, 0x00, 0x00, 0x00,
	  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x15, 0x00, 0x00, 0x00,
	  0xe8, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xd0, 0x07,
	  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0xa8, 0x01,
	  0x00, 0x00, 0x00, 0x00, 0xdc, 0x05, 0x00, 0x00, 0x00, 0x00,
	  0x00, 0x00, 0x07, 0x00, 0x00, 0x00 },
	{ 0xc1, 0x1f, 0xfc, 0xc1, 0x0d, 0x87, 0x00, 0x00, 0x00, 0x00,
	  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x15, 0x00, 0x00, 0x00,
	  0xb8, 0x0b, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x0f,
	  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0xa8, 0x01,
	  0x03, 0x02, 0x00, 0x00, 0xac, 0x0d, 0x00, 0x00, 0x00, 0x00,
	  0x00, 0x00, 0x09, 0x00, 0x00, 0x00 },
};

static void test_odd_layout(const char *tmp, bool big)
{
	const unsigned char(*bytes)[56] = big ? odd_be : odd_le;
	unsigned char file[128] = { 0 };
	char dir[2048], path[4096], text[sizeof(odd_metadata) + 8];
	const char *what =
		big ? "hand-laid big-endian" : "hand-laid little-endian";
	struct lta_packet_table t;
	int ret;

	diag("%s trace: alignments and bit fields", what);
	snprintf(dir, sizeof(dir), "%s/odd-%s", tmp, big ? "be" : "le");
	memcpy(file, bytes[0], 56);
	memcpy(file + 64, bytes[1], 56);
	snprintf(text, sizeof(text), odd_metadata, big ? "be" : "le");
	snprintf(path, sizeof(path), "%s/metadata", dir);
	if (mkdir(dir, 0700) || spit(path, text, strlen(text))) {
		skip(1, "cannot write the trace");
		return;
	}
	snprintf(path, sizeof(path), "%s/s", dir);
	if (spit(path, (const char *)file, sizeof(file))) {
		skip(1, "cannot write the trace");
		return;
	}
	ret = lta_decode_packet_table(dir, "s", &t);
	is_int(ret, 0, "%s: read", what);
	is_int(t.count, 2, "%s: 2 packets", what);
	ok(t.big_endian == big, "%s: byte order", what);
	if (t.count == 2) {
		const struct lta_packet_info *a = &t.packets[0],
					     *b = &t.packets[1];

		ok(a->ts_begin == 1000 && a->ts_end == 2000 &&
			   b->ts_begin == 3000 && b->ts_end == 4000,
		   "%s: timestamps", what);
		ok(a->events_discarded == 0 && b->events_discarded == 3,
		   "%s: 3 events discarded between the packets", what);
		ok(a->seq_num == 0 && b->seq_num == 2,
		   "%s: one packet lost between them", what);
		ok(a->stream_id == 5 && a->instance_id == 4321 &&
			   b->stream_id == 5 && b->instance_id == 4321,
		   "%s: stream class 5, instance 4321", what);
		ok(a->offset == 0 && b->offset == 64 && a->packet_size == 512 &&
			   a->content_size == 424,
		   "%s: offsets and sizes", what);
	}
	lta_packet_table_fini(&t);
}

static uint64_t be64(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++) {
		v = v << 8 | p[i];
	}
	return v;
}

/*
 * Compares the table of each stream file of TRACE with its index/NAME.idx
 * (CTF index 1.x: a big-endian header magic, major, minor, entry size,
 * then entries of u64 offset, packet_size, content_size, timestamp_begin,
 * timestamp_end, events_discarded, stream_id and, from 1.1,
 * stream_instance_id and packet_seq_num).
 */
static void test_indexed(const char *shared, const char *trace,
			 const char *const *files)
{
	char dir[4096], path[8192];
	int f;

	snprintf(dir, sizeof(dir), "%s/%s", shared, trace);
	for (f = 0; files[f]; f++) {
		struct lta_packet_table t;
		unsigned char *idx;
		size_t len = 0, entry, n, i, fields, bad = 0;

		snprintf(path, sizeof(path), "%s/index/%s.idx", dir, files[f]);
		idx = (unsigned char *)slurp(path, &len);
		if (!idx || len < 16 || be64(idx) >> 32 != CTF_INDEX_MAGIC) {
			diag("no index: %s", path);
			skip(1, "no index for this stream file");
			free(idx);
			continue;
		}
		entry = (size_t)(be64(idx + 8) & 0xffffffffu);
		fields = entry / 8 > 9 ? 9 : entry / 8;
		n = entry ? (len - 16) / entry : 0;
		is_int(lta_decode_packet_table(dir, files[f], &t), 0,
		       "%s/%s read", trace, files[f]);
		is_int(t.count, n, "%s/%s: as many packets as its index (%zu)",
		       trace, files[f], n);
		for (i = 0; i < n && i < t.count && fields >= 7; i++) {
			const unsigned char *e = idx + 16 + i * entry;
			const struct lta_packet_info *p = &t.packets[i];
			uint64_t mine[9] = {
				p->offset,	 p->packet_size,
				p->content_size, p->ts_begin,
				p->ts_end,	 p->events_discarded,
				p->stream_id,	 p->instance_id,
				p->seq_num
			};
			size_t k;

			for (k = 0; k < fields; k++) {
				if (be64(e + 8 * k) != mine[k]) {
					bad++;
					diag("%s/%s packet %zu field %zu: "
					     "index "
					     "%" PRIu64 ", read %" PRIu64,
					     trace, files[f], i, k,
					     be64(e + 8 * k), mine[k]);
					break;
				}
			}
		}
		is_int(bad, 0, "%s/%s: every packet equals its index entry",
		       trace, files[f]);
		lta_packet_table_fini(&t);
		free(idx);
	}
}

static void test_shared(void)
{
	const char *shared = getenv("LTA_SHARED_TRACES");
	static const char *const wget[] = { "k_0", "k_1", "k_2", "k_3", NULL };
	static const char *const many[] = { "channel0_0", "channel0_1",
					    "channel0_2", "channel0_3",
					    "channel0_4", "channel0_5",
					    "channel0_6", "channel0_7",
					    NULL };
	char path[4096];
	struct stat st;

	diag("real LTTng traces: packets equal LTTng's own index");
	snprintf(path, sizeof(path), "%s/tracecompass-many-threads/metadata",
		 shared ? shared : "");
	if (!shared || stat(path, &st) != 0) {
		skip(1, "../shared/traces absent");
		return;
	}
	test_indexed(shared, "tracevizlab-wget-k-115043", wget);
	test_indexed(shared, "tracecompass-many-threads", many);
}

int main(void)
{
	const char *top = getenv("top_srcdir");
	char tmpl[] = "/tmp/lta-packets.XXXXXX";
	char cmd[8192], synth[1024];

	if (!mkdtemp(tmpl)) {
		skip_all("cannot make a temporary folder");
	}
	snprintf(synth, sizeof(synth), "%s/t", tmpl);
	snprintf(cmd, sizeof(cmd), "%s/tests/utils/make-synthetic-traces.py %s",
		 top ? top : "../..", synth);
	if (system(cmd) != 0) {
		snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpl);
		(void)system(cmd);
		skip_all("cannot write synthetic traces (python3-bt2 "
			 "missing?)");
	}
	plan_no_plan();
	test_discarded(synth, tmpl);
	test_two_streams(synth);
	test_odd_layout(tmpl, true);
	test_odd_layout(tmpl, false);
	test_shared();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpl);
	(void)system(cmd);
	return exit_status();
}
