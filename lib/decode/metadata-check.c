/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A check of a trace's metadata file before babeltrace2 reads it.
 *
 * babeltrace2 2.0.4's source.ctf.fs loops forever when a packetized metadata
 * file ends in the middle of a packet (seen with a metadata file cut at 5000
 * bytes: the CLI spins at 100% CPU, never returning). A truncated trace must
 * end in a clear error, so the decode module walks the metadata packet
 * headers itself first: CTF 1.8, section 7.1, packetized metadata is a
 * sequence of packets, each with a 37-byte header (magic 0x75D11D57, uuid,
 * checksum, content_size and packet_size in bits, compression, encryption
 * and checksum schemes, major, minor) followed by TSDL text.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "metadata-check.h"

#define META_MAGIC 0x75D11D57U
#define META_HEADER_SIZE 37
#define META_TEXT_MAX (16u << 20) /* Bytes of metadata read at most. */

static uint32_t read_u32(const unsigned char *p, int big_endian)
{
	if (big_endian) {
		return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
		       ((uint32_t)p[2] << 8) | p[3];
	}
	return ((uint32_t)p[3] << 24) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[1] << 8) | p[0];
}

int lta_metadata_check(const char *trace_dir, char *error, size_t size)
{
	unsigned char header[META_HEADER_SIZE];
	char path[4096];
	struct stat st;
	FILE *file = NULL;
	uint64_t offset = 0;
	int big_endian, ret = 0;

	snprintf(path, sizeof(path), "%s/metadata", trace_dir);
	file = fopen(path, "rb");
	if (!file || fstat(fileno(file), &st) != 0) {
		ret = -errno;
		snprintf(error, size,
			 "Cannot open metadata: file=\"%s\", "
			 "error=\"%s\"",
			 path, strerror(errno));
		goto end;
	}
	if (st.st_size < 4) {
		snprintf(error, size,
			 "Metadata file is empty or truncated: "
			 "file=\"%s\", size=%lld",
			 path, (long long)st.st_size);
		ret = -EINVAL;
		goto end;
	}
	if (fread(header, 1, 4, file) != 4) {
		goto io_error;
	}
	if (read_u32(header, 0) == META_MAGIC) {
		big_endian = 0;
	} else if (read_u32(header, 1) == META_MAGIC) {
		big_endian = 1;
	} else {
		/* Plain-text metadata: babeltrace2's parser handles it. */
		goto end;
	}
	while (offset < (uint64_t)st.st_size) {
		uint32_t content_bits, packet_bits;

		if ((uint64_t)st.st_size - offset < META_HEADER_SIZE ||
		    fseeko(file, (off_t)offset, SEEK_SET) != 0 ||
		    fread(header, 1, sizeof(header), file) != sizeof(header)) {
			snprintf(error, size,
				 "Metadata file is truncated: "
				 "file=\"%s\", packet-offset=%llu, "
				 "file-size=%lld",
				 path, (unsigned long long)offset,
				 (long long)st.st_size);
			ret = -EINVAL;
			goto end;
		}
		content_bits = read_u32(header + 24, big_endian);
		packet_bits = read_u32(header + 28, big_endian);
		if (read_u32(header, big_endian) != META_MAGIC ||
		    packet_bits % 8 != 0 ||
		    packet_bits / 8 < META_HEADER_SIZE ||
		    content_bits > packet_bits ||
		    content_bits / 8 < META_HEADER_SIZE || header[32] != 0 ||
		    header[33] != 0 || header[34] != 0) {
			snprintf(error, size,
				 "Metadata packet header is "
				 "corrupted: file=\"%s\", "
				 "packet-offset=%llu",
				 path, (unsigned long long)offset);
			ret = -EINVAL;
			goto end;
		}
		if (offset + packet_bits / 8 > (uint64_t)st.st_size) {
			snprintf(error, size,
				 "Metadata file is truncated: "
				 "file=\"%s\", packet-offset=%llu, "
				 "packet-size=%u, file-size=%lld",
				 path, (unsigned long long)offset,
				 packet_bits / 8, (long long)st.st_size);
			ret = -EINVAL;
			goto end;
		}
		offset += packet_bits / 8;
	}
	goto end;

io_error:
	ret = -EIO;
	snprintf(error, size, "Cannot read metadata: file=\"%s\"", path);
end:
	if (file) {
		fclose(file);
	}
	return ret;
}

char *lta_metadata_text(const char *trace_dir)
{
	char path[4096];
	unsigned char *raw;
	char *text;
	size_t len = 0, pos = 0, out = 0;
	FILE *file;
	int big_endian;

	snprintf(path, sizeof(path), "%s/metadata", trace_dir);
	file = fopen(path, "rb");
	raw = file ? malloc(META_TEXT_MAX + 1) : NULL;
	if (raw) {
		len = fread(raw, 1, META_TEXT_MAX, file);
		raw[len] = '\0';
	}
	if (file) {
		fclose(file);
	}
	if (!raw || len < 4) {
		free(raw);
		return NULL;
	}
	if (read_u32(raw, 0) == META_MAGIC) {
		big_endian = 0;
	} else if (read_u32(raw, 1) == META_MAGIC) {
		big_endian = 1;
	} else {
		return (char *)raw; /* Plain text. */
	}
	text = malloc(len + 1);
	while (text && pos + META_HEADER_SIZE <= len) {
		uint32_t content = read_u32(raw + pos + 24, big_endian) / 8;
		uint32_t packet = read_u32(raw + pos + 28, big_endian) / 8;

		if (read_u32(raw + pos, big_endian) != META_MAGIC ||
		    content < META_HEADER_SIZE || packet < content ||
		    pos + content > len) {
			break;
		}
		memcpy(text + out, raw + pos + META_HEADER_SIZE,
		       content - META_HEADER_SIZE);
		out += content - META_HEADER_SIZE;
		pos += packet;
	}
	free(raw);
	if (text) {
		text[out] = '\0';
	}
	return text;
}
