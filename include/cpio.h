/*
 * cpio archives in the "newc" (070701) and "crc" (070702) formats, and
 * the initramfs unpacker built on them.
 *
 * A header is the 6-byte magic and 13 fields of 8 hex digits; the name
 * (with its NUL) follows, then the file data; header+name and data are
 * each padded to a 4-byte boundary of the stream. The archive ends with
 * an entry named TRAILER!!!.
 */
#ifndef CPIO_H
#define CPIO_H

#include "compiler.h"

#define CPIO_HEADER_LEN 110
#define CPIO_NAME_MAX 4096 /* namesize bound, NUL included */
#define CPIO_TRAILER "TRAILER!!!"

struct cpio_entry {
	const char *name; /* NUL-terminated, points into the archive */
	const uint8_t *data; /* filesize bytes, in the archive */
	uint32_t filesize;
	uint32_t ino, mode, uid, gid, nlink, mtime;
	uint32_t devmajor, devminor, rdevmajor, rdevminor;
	uint32_t check;
	size_t offset; /* of the header, in the stream */
};

/* Where and why parsing failed. */
struct cpio_error {
	size_t offset; /* in the stream */
	const char *what;
};

/* Whether data starts with a newc or crc magic. */
bool cpio_is_header(const void *data, size_t len);

/*
 * Parse one archive at data (len bytes) through its trailer, validating
 * every header field. base is the stream offset of data[0]: padding and
 * error offsets are relative to the stream. fn is called for each entry
 * but the trailer; a non-zero return stops parsing and is returned.
 * *consumed receives the bytes used, trailer padding included. Returns 0,
 * or -EINVAL with *err filled.
 */
int cpio_parse(const void *data, size_t len, size_t base,
	       int (*fn)(const struct cpio_entry *e, void *ctx), void *ctx,
	       size_t *consumed, struct cpio_error *err);

/*
 * Unpack an initramfs image into the root file system: a concatenation of
 * cpio archives, each plain or gzip-compressed (gzip members may follow
 * one another), with zero padding allowed between them. Creates parents
 * as needed, files, directories, symlinks, device nodes, FIFOs and hard
 * links, with modes, owners and mtimes. A corrupt image stops unpacking
 * with a message naming the offset and -EINVAL; what was unpacked stays.
 */
int initramfs_unpack(const void *data, size_t len);

#endif
