/*
 * UML copy-on-write (COW) files: the header codec and the bitmap maths.
 *
 * A COW file is a header naming a backing file, a bitmap with one bit per
 * sector (set: the sector's data is in the COW file) and the data area.
 * Four header layouts exist (reference/uml-interop.md section 1):
 *   v1   host-native (little-endian here), 256-byte path, 280 bytes
 *   v2   big-endian, 4096-byte path, 4120 bytes
 *   v3   big-endian, path last, with an alignment field, 4128 bytes
 *   v3_b v3 as written unpacked by old 64-bit builds, 4136 bytes
 * New files are always v3. v1 and v2 keep their "rounding bug" in the
 * bitmap length, since existing files depend on it.
 *
 * This code is shared by the kernel (ubd) and the host tools (uml_mkcow,
 * uml_moo): it does no I/O and calls no library, it works on buffers.
 * Everything read is validated, so no header makes it read outside the
 * buffer or compute offsets that overflow.
 */
#ifndef COW_H
#define COW_H

#include <linux/errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define COW_MAGIC 0x4F4F4F4DU /* "OOOM" on disk in v2 and v3 */
#define COW_VERSION 3 /* what cow_encode_v3 writes */

#define COW_PATH_LEN 4096 /* v2, v3: backing path field, NUL included */
#define COW_PATH_LEN_V1 256
#define COW_HEADER_V1_LEN 280
#define COW_HEADER_V2_LEN 4120
#define COW_HEADER_V3_LEN 4128
#define COW_HEADER_V3B_LEN 4136
/* Read this many bytes (or up to end of file) and hand them to cow_decode. */
#define COW_HEADER_MAX COW_HEADER_V3B_LEN

#define COW_SECTOR_SIZE 512 /* sector size of new COW files */
#define COW_ALIGNMENT 4096 /* alignment of new COW files (page size) */
#define COW_SECTOR_SIZE_MIN 512
#define COW_SECTOR_SIZE_MAX 65536
#define COW_SIZE_MAX (1ULL << 60) /* larger sizes are refused as corrupt */

/* cow_decode's answer for a buffer without the COW magic: a raw image. */
#define COW_NOT_COW (-ENODATA)

#define COW_WHY_LEN 96

/* A decoded header and the layout of the file it heads. */
struct cow_info {
	uint32_t version; /* 1, 2 or 3 */
	bool broken_v3b; /* version 3 in the unpacked 64-bit layout */
	char backing[COW_PATH_LEN]; /* NUL-terminated */
	uint64_t size; /* of the backing file, in bytes */
	uint32_t mtime; /* of the backing file, 32 bits */
	uint32_t sectorsize; /* bytes per bitmap bit */
	uint32_t alignment; /* of bitmap and data; sectorsize in v1, v2 */
	uint64_t sectors; /* size / sectorsize, rounded up */
	uint64_t bitmap_offset, bitmap_len; /* bytes */
	uint64_t data_offset; /* sector s's data is at data_offset + s * ss */
	char why[COW_WHY_LEN]; /* after an -EINVAL: what is wrong */
};

/*
 * Decode the header at the start of buf (len bytes: the whole file if it
 * is shorter than COW_HEADER_MAX). Accepts the magic in either byte order,
 * checks every field and fills *ci, layout included. Returns 0;
 * COW_NOT_COW if buf does not start with the magic (ci->why says so); or
 * -EINVAL with ci->why naming the problem (truncated header, unknown
 * version, backing path without its NUL, bad sector size or alignment,
 * absurd size). ci->version and ci->broken_v3b are set as soon as known,
 * so a caller may report them even when decoding fails.
 */
int cow_decode(const void *buf, size_t len, struct cow_info *ci);

/*
 * Compute ci->sectors, bitmap_offset, bitmap_len and data_offset from
 * ci->version, broken_v3b, size, sectorsize and alignment, after checking
 * those: sectorsize a power of two from 512 to 65536, alignment a nonzero
 * power of two, size at most COW_SIZE_MAX. Returns 0 or -EINVAL (ci->why).
 */
int cow_layout(struct cow_info *ci);

/*
 * Write a v3 header into buf: magic, version 3, mtime, size, sectorsize,
 * alignment, bitmap format 0 and the backing path, zero-filled to the end
 * of its field. Returns the header length, COW_HEADER_V3_LEN, or 0 if buf
 * is shorter than that, the path is empty or COW_PATH_LEN characters or
 * longer, or the other fields fail cow_layout's checks. The path is
 * stored as given; the caller makes it absolute.
 */
size_t cow_encode_v3(void *buf, size_t buflen, const char *backing,
		     uint32_t mtime, uint64_t size, uint32_t sectorsize,
		     uint32_t alignment);

/*
 * Replace the backing path in the header hdr (len bytes), which decoded
 * as *ci, rewriting only the path field (zero-filled), so every other
 * byte and the layout stay as they are. Returns 0, -EINVAL if hdr is
 * shorter than ci's header or path is empty (an empty v3 path would read
 * as v3_b), or -ENAMETOOLONG if path does not fit the field with its NUL
 * (255 characters in v1, 4095 otherwise).
 */
int cow_set_backing(void *hdr, size_t len, const struct cow_info *ci,
		    const char *path);

/* Whether sector s's bit (bit s % 8 of byte s / 8) is set. */
bool cow_bit_test(const uint8_t *bitmap, uint64_t s);

/* Set the bits of sectors first .. first + n - 1; true if any changed. */
bool cow_bits_set(uint8_t *bitmap, uint64_t first, uint64_t n);

/*
 * The length, at most n, of the run of equal bits starting at sector;
 * *in_cow receives that bit (true: the run's data is in the COW file).
 * Returns 0 only when n is 0. The caller keeps sector + n within the
 * bitmap (ci->bitmap_len * 8 bits; in v1 and v2 that may be less than
 * ci->sectors, and sectors past the bitmap read from the backing file).
 */
uint64_t cow_run(const uint8_t *bitmap, uint64_t sector, uint64_t n,
		 bool *in_cow);

#endif
