/*
 * Decompression of deflate (RFC 1951) streams and gzip (RFC 1952) members,
 * from a buffer into a growing kmalloc'd buffer. Pure functions of their
 * input: every length and distance is checked, so corrupt or truncated
 * input gives an error, never an overrun.
 */
#ifndef INFLATE_H
#define INFLATE_H

#include "compiler.h"

/*
 * Output buffer. Start with all fields zero (and max set if wanted);
 * output is appended; the caller kfrees data.
 */
struct inflate_buf {
	uint8_t *data;
	size_t len;
	size_t cap;
	size_t max; /* refuse to grow past this many bytes; 0: no limit */
	const char *error; /* on failure: what was wrong, for messages */
};

/*
 * Inflate one raw deflate stream at in (len bytes), appending to out.
 * *used receives the input bytes consumed (the last partial byte counts).
 * Returns 0, -EINVAL (corrupt or truncated), -ENOMEM or -E2BIG (out->max).
 */
int inflate_raw(const void *in, size_t len, size_t *used,
		struct inflate_buf *out);

/* Whether in starts like a gzip member (magic and deflate method). */
bool gzip_is_member(const void *in, size_t len);

/*
 * Decompress one gzip member: header (with optional extra, name, comment
 * and header CRC), deflate data, then the CRC32 and length trailer, both
 * checked. *used receives the member's length in bytes. Errors as
 * inflate_raw.
 */
int gunzip_member(const void *in, size_t len, size_t *used,
		  struct inflate_buf *out);

#endif
