/*
 * COW header codec and bitmap maths (include/cow.h).
 *
 * Built into the kernel and into the host tools alike, so it includes only
 * the compiler's freestanding headers and <linux/errno.h>, and calls
 * nothing: fields are assembled byte by byte in the order their layout
 * defines (v1 little-endian, as x86_64 wrote it natively; the others
 * big-endian), and the header length is checked before any field is read.
 */
#include "cow.h"

#define COW_BITMAP 0 /* cow_format: the one defined format, a bitmap */
#define COW_MAGIC_LEN 4
#define COW_VERSION_END 8 /* magic and version: the common prefix */

/* Where a layout keeps its fields (byte offsets in the header). */
struct cow_format {
	size_t len; /* header bytes */
	size_t path, path_len;
	size_t mtime, size, sectorsize;
	size_t alignment, format; /* 0: no such field */
	bool big_endian;
	bool legacy_sizes; /* v1, v2: bitmap length rounding bug */
	const char *truncated; /* message for a header cut short */
};

enum cow_format_id {
	COW_FMT_V1,
	COW_FMT_V2,
	COW_FMT_V3,
	COW_FMT_V3B,
};

static const struct cow_format cow_formats[] = {
	[COW_FMT_V1] = {
		.len = COW_HEADER_V1_LEN,
		.path = 8,
		.path_len = COW_PATH_LEN_V1,
		.mtime = 264,
		.size = 268,
		.sectorsize = 276,
		.big_endian = false,
		.legacy_sizes = true,
		.truncated = "failed to read V1 header",
	},
	[COW_FMT_V2] = {
		.len = COW_HEADER_V2_LEN,
		.path = 8,
		.path_len = COW_PATH_LEN,
		.mtime = 4104,
		.size = 4108,
		.sectorsize = 4116,
		.big_endian = true,
		.legacy_sizes = true,
		.truncated = "failed to read V2 header",
	},
	[COW_FMT_V3] = {
		.len = COW_HEADER_V3_LEN,
		.path = 32,
		.path_len = COW_PATH_LEN,
		.mtime = 8,
		.size = 12,
		.sectorsize = 20,
		.alignment = 24,
		.format = 28,
		.big_endian = true,
		.truncated = "failed to read V3 header",
	},
	/*
	 * The 8-byte mtime of v3_b holds the big-endian 32-bit mtime in its
	 * first half (the old writer stored htonl(mtime) in a 64-bit field).
	 */
	[COW_FMT_V3B] = {
		.len = COW_HEADER_V3B_LEN,
		.path = 36,
		.path_len = COW_PATH_LEN,
		.mtime = 8,
		.size = 16,
		.sectorsize = 24,
		.alignment = 28,
		.format = 32,
		.big_endian = true,
		.truncated = "failed to read V3 header",
	},
};

/* The layout of ci's version, or NULL for an unknown version. */
static const struct cow_format *cow_format_of(const struct cow_info *ci)
{
	switch (ci->version) {
	case 1:
		return &cow_formats[COW_FMT_V1];
	case 2:
		return &cow_formats[COW_FMT_V2];
	case 3:
		return &cow_formats[ci->broken_v3b ? COW_FMT_V3B : COW_FMT_V3];
	default:
		return NULL;
	}
}

static uint32_t get32(const uint8_t *p, bool big_endian)
{
	if (big_endian)
		return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		       (uint32_t)p[2] << 8 | p[3];
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[1] << 8 | p[0];
}

static uint64_t get64(const uint8_t *p, bool big_endian)
{
	uint64_t first = get32(p, big_endian),
		 second = get32(p + 4, big_endian);

	return big_endian ? first << 32 | second : second << 32 | first;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void put_be64(uint8_t *p, uint64_t v)
{
	put_be32(p, (uint32_t)(v >> 32));
	put_be32(p + 4, (uint32_t)v);
}

static size_t cow_strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

static bool is_power_of_two(uint64_t x)
{
	return x && !(x & (x - 1));
}

/* x rounded up to a multiple of the power of two a; x is far from 2^64. */
static uint64_t round_up(uint64_t x, uint64_t a)
{
	return (x + a - 1) & ~(a - 1);
}

static bool sectorsize_ok(uint32_t ss)
{
	return is_power_of_two(ss) && ss >= COW_SECTOR_SIZE_MIN &&
	       ss <= COW_SECTOR_SIZE_MAX;
}

/* Append s to ci->why at pos, truncating; returns the new end. */
static size_t why_add(struct cow_info *ci, size_t pos, const char *s)
{
	while (*s && pos < COW_WHY_LEN - 1)
		ci->why[pos++] = *s++;
	ci->why[pos] = '\0';
	return pos;
}

static size_t why_add_num(struct cow_info *ci, size_t pos, uint64_t v)
{
	char digits[21];
	size_t n = 0;

	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n && pos < COW_WHY_LEN - 1)
		ci->why[pos++] = digits[--n];
	ci->why[pos] = '\0';
	return pos;
}

static int cow_fail(struct cow_info *ci, int err, const char *msg)
{
	why_add(ci, 0, msg);
	return err;
}

/* Fail with "<before><v><after>" in ci->why. */
static int cow_fail_num(struct cow_info *ci, const char *before, uint64_t v,
			const char *after)
{
	size_t pos = why_add(ci, 0, before);

	pos = why_add_num(ci, pos, v);
	why_add(ci, pos, after);
	return -EINVAL;
}

int cow_layout(struct cow_info *ci)
{
	const struct cow_format *f = cow_format_of(ci);
	uint32_t ss = ci->sectorsize;

	if (!f)
		return cow_fail_num(ci, "invalid COW version ", ci->version,
				    "");
	if (!sectorsize_ok(ss))
		return cow_fail_num(ci, "invalid COW header, sector size ", ss,
				    " is not a power of two from 512 to 65536");
	if (ci->alignment == 0)
		return cow_fail(ci, -EINVAL, "invalid COW header, align == 0");
	if (!is_power_of_two(ci->alignment))
		return cow_fail_num(ci, "invalid COW header, alignment ",
				    ci->alignment, " is not a power of two");
	if (ci->size > COW_SIZE_MAX)
		return cow_fail_num(ci, "invalid COW header, size ", ci->size,
				    " is too large");

	ci->sectors = (ci->size + ss - 1) / ss;
	if (f->legacy_sizes) {
		/* Rounds down when size is not a multiple of 8 sectors. */
		ci->bitmap_offset = f->len;
		ci->bitmap_len = (ci->size + ss - 1) / (8 * (uint64_t)ss);
		ci->data_offset =
			round_up(ci->bitmap_offset + ci->bitmap_len, ss);
	} else {
		ci->bitmap_offset = round_up(f->len, ci->alignment);
		ci->bitmap_len = (ci->sectors + 7) / 8;
		ci->data_offset = round_up(ci->bitmap_offset + ci->bitmap_len,
					   ci->alignment);
	}
	return 0;
}

int cow_decode(const void *buf, size_t len, struct cow_info *ci)
{
	const uint8_t *p = buf;
	const struct cow_format *f;
	size_t path_len;
	bool big_endian;

	ci->version = 0;
	ci->broken_v3b = false;
	ci->backing[0] = '\0';
	ci->why[0] = '\0';
	if (len < COW_MAGIC_LEN)
		return cow_fail(ci, COW_NOT_COW, "not a COW file");
	if (get32(p, false) == COW_MAGIC)
		big_endian = false;
	else if (get32(p, true) == COW_MAGIC)
		big_endian = true;
	else
		return cow_fail(ci, COW_NOT_COW, "not a COW file");
	if (len < COW_VERSION_END)
		return cow_fail(ci, -EINVAL, "short header");

	ci->version = get32(p + COW_MAGIC_LEN, big_endian);
	/*
	 * v3 and v3_b differ in what lies at offset 32: the path, which is
	 * never empty, or the cow_format field of v3_b, always 0.
	 */
	if (ci->version == 3 &&
	    len >= cow_formats[COW_FMT_V3].path + sizeof(uint32_t) &&
	    get32(p + cow_formats[COW_FMT_V3].path, true) == 0)
		ci->broken_v3b = true;
	f = cow_format_of(ci);
	if (!f)
		return cow_fail_num(ci, "invalid COW version ", ci->version,
				    "");
	if (len < f->len)
		return cow_fail(ci, -EINVAL, f->truncated);

	path_len = cow_strnlen((const char *)p + f->path, f->path_len);
	if (path_len == f->path_len)
		return cow_fail(ci, -EINVAL,
				"invalid COW header, backing file name is not "
				"NUL-terminated");
	__builtin_memcpy(ci->backing, p + f->path, path_len);
	ci->backing[path_len] = '\0';

	ci->mtime = get32(p + f->mtime, f->big_endian);
	ci->size = get64(p + f->size, f->big_endian);
	ci->sectorsize = get32(p + f->sectorsize, f->big_endian);
	ci->alignment = f->alignment ? get32(p + f->alignment, f->big_endian) :
				       ci->sectorsize;
	if (f->format && get32(p + f->format, f->big_endian) != COW_BITMAP)
		return cow_fail_num(ci, "invalid COW header, unknown format ",
				    get32(p + f->format, f->big_endian), "");
	return cow_layout(ci);
}

size_t cow_encode_v3(void *buf, size_t buflen, const char *backing,
		     uint32_t mtime, uint64_t size, uint32_t sectorsize,
		     uint32_t alignment)
{
	const struct cow_format *f = &cow_formats[COW_FMT_V3];
	size_t path_len = cow_strnlen(backing, COW_PATH_LEN);
	uint8_t *p = buf;

	if (buflen < f->len || path_len == 0 || path_len >= COW_PATH_LEN ||
	    !sectorsize_ok(sectorsize) || !is_power_of_two(alignment) ||
	    size > COW_SIZE_MAX)
		return 0;

	__builtin_memset(p, 0, f->len);
	put_be32(p, COW_MAGIC);
	put_be32(p + COW_MAGIC_LEN, COW_VERSION);
	put_be32(p + f->mtime, mtime);
	put_be64(p + f->size, size);
	put_be32(p + f->sectorsize, sectorsize);
	put_be32(p + f->alignment, alignment);
	put_be32(p + f->format, COW_BITMAP);
	__builtin_memcpy(p + f->path, backing, path_len);
	return f->len;
}

int cow_set_backing(void *hdr, size_t len, const struct cow_info *ci,
		    const char *path)
{
	const struct cow_format *f = cow_format_of(ci);
	size_t path_len;
	uint8_t *p = hdr;

	if (!f || len < f->len)
		return -EINVAL;
	path_len = cow_strnlen(path, f->path_len);
	if (path_len == 0)
		return -EINVAL;
	if (path_len == f->path_len)
		return -ENAMETOOLONG;
	__builtin_memset(p + f->path, 0, f->path_len);
	__builtin_memcpy(p + f->path, path, path_len);
	return 0;
}

bool cow_bit_test(const uint8_t *bitmap, uint64_t s)
{
	return bitmap[s / 8] >> (s % 8) & 1;
}

/* Set one bit; true if it was clear. */
static bool cow_bit_set(uint8_t *bitmap, uint64_t s)
{
	uint8_t mask = (uint8_t)(1u << (s % 8));

	if (bitmap[s / 8] & mask)
		return false;
	bitmap[s / 8] |= mask;
	return true;
}

bool cow_bits_set(uint8_t *bitmap, uint64_t first, uint64_t n)
{
	bool changed = false;

	for (; n && first % 8; first++, n--)
		changed |= cow_bit_set(bitmap, first);
	for (; n >= 8; first += 8, n -= 8) {
		if (bitmap[first / 8] != 0xff) {
			bitmap[first / 8] = 0xff;
			changed = true;
		}
	}
	for (; n; first++, n--)
		changed |= cow_bit_set(bitmap, first);
	return changed;
}

uint64_t cow_run(const uint8_t *bitmap, uint64_t sector, uint64_t n,
		 bool *in_cow)
{
	uint64_t s = sector, end = sector + n;
	uint8_t same;
	bool bit;

	*in_cow = false;
	if (n == 0)
		return 0;
	bit = cow_bit_test(bitmap, s);
	*in_cow = bit;
	same = bit ? 0xff : 0;
	for (; s < end && s % 8; s++)
		if (cow_bit_test(bitmap, s) != bit)
			return s - sector;
	while (end - s >= 8 && bitmap[s / 8] == same)
		s += 8;
	while (s < end && cow_bit_test(bitmap, s) == bit)
		s++;
	return s - sector;
}
