/*
 * cpio parser: turns a newc or crc archive into entries for a callback.
 *
 * A pure function of its input (no VFS, no allocation): each header field
 * must be 8 hex digits, the name size bounded and its NUL in place, and
 * every length must fit the buffer, so no input makes it read outside
 * [data, data + len).
 */
#include <linux/stat.h>

#include "cpio.h"
#include "err.h"
#include "klib.h"

#define CPIO_MAGIC_LEN 6
#define CPIO_FIELD_LEN 8
#define CPIO_ALIGN 4

enum cpio_field {
	F_INO,
	F_MODE,
	F_UID,
	F_GID,
	F_NLINK,
	F_MTIME,
	F_FILESIZE,
	F_DEVMAJOR,
	F_DEVMINOR,
	F_RDEVMAJOR,
	F_RDEVMINOR,
	F_NAMESIZE,
	F_CHECK,
	F_COUNT,
};

static const char *const cpio_field_names[F_COUNT] = {
	[F_INO] = "bad hex digit in ino",
	[F_MODE] = "bad hex digit in mode",
	[F_UID] = "bad hex digit in uid",
	[F_GID] = "bad hex digit in gid",
	[F_NLINK] = "bad hex digit in nlink",
	[F_MTIME] = "bad hex digit in mtime",
	[F_FILESIZE] = "bad hex digit in filesize",
	[F_DEVMAJOR] = "bad hex digit in devmajor",
	[F_DEVMINOR] = "bad hex digit in devminor",
	[F_RDEVMAJOR] = "bad hex digit in rdevmajor",
	[F_RDEVMINOR] = "bad hex digit in rdevminor",
	[F_NAMESIZE] = "bad hex digit in namesize",
	[F_CHECK] = "bad hex digit in check",
};

static bool cpio_magic_is(const uint8_t *p, char last)
{
	return !kmemcmp(p, "07070", CPIO_MAGIC_LEN - 1) &&
	       p[CPIO_MAGIC_LEN - 1] == (uint8_t)last;
}

bool cpio_is_header(const void *data, size_t len)
{
	return len >= CPIO_MAGIC_LEN &&
	       (cpio_magic_is(data, '1') || cpio_magic_is(data, '2'));
}

static int hex_digit(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Parse one 8-digit field; false on a non-hex character. */
static bool parse_hex8(const uint8_t *p, uint32_t *out)
{
	uint32_t v = 0;

	for (int i = 0; i < CPIO_FIELD_LEN; i++) {
		int d = hex_digit(p[i]);

		if (d < 0)
			return false;
		v = v << 4 | (uint32_t)d;
	}
	*out = v;
	return true;
}

static int cpio_fail(struct cpio_error *err, size_t offset, const char *what)
{
	err->offset = offset;
	err->what = what;
	return -EINVAL;
}

/* Index in data of the next CPIO_ALIGN boundary of the stream at pos. */
static size_t cpio_align(size_t base, size_t pos)
{
	return pos + (ALIGN_UP(base + pos, (size_t)CPIO_ALIGN) - (base + pos));
}

static uint32_t cpio_sum(const uint8_t *p, size_t n)
{
	uint32_t sum = 0;

	while (n--)
		sum += *p++;
	return sum;
}

/*
 * Parse the header at data[pos]; fill e and set *next to the index of the
 * following header (which may lie past len after the trailer).
 */
static int cpio_parse_one(const uint8_t *data, size_t len, size_t base,
			  size_t pos, struct cpio_entry *e, size_t *next,
			  struct cpio_error *err)
{
	const uint8_t *h = data + pos;
	size_t off = base + pos, name_end, data_pos;
	uint32_t f[F_COUNT];
	bool crc;

	if (len - pos < CPIO_HEADER_LEN)
		return cpio_fail(err, off, "truncated header");
	if (!cpio_is_header(h, CPIO_MAGIC_LEN))
		return cpio_fail(err, off, "bad magic");
	crc = cpio_magic_is(h, '2');
	for (int i = 0; i < F_COUNT; i++)
		if (!parse_hex8(h + CPIO_MAGIC_LEN + i * CPIO_FIELD_LEN, &f[i]))
			return cpio_fail(err, off, cpio_field_names[i]);
	if (f[F_NAMESIZE] < 1 || f[F_NAMESIZE] > CPIO_NAME_MAX)
		return cpio_fail(err, off, "bad name size");
	if (len - pos - CPIO_HEADER_LEN < f[F_NAMESIZE])
		return cpio_fail(err, off, "truncated name");
	name_end = pos + CPIO_HEADER_LEN + f[F_NAMESIZE];
	if (data[name_end - 1] != '\0' ||
	    kstrnlen((const char *)h + CPIO_HEADER_LEN, f[F_NAMESIZE]) !=
		    f[F_NAMESIZE] - 1)
		return cpio_fail(err, off, "name not NUL-terminated");
	data_pos = cpio_align(base, name_end);
	if (data_pos > len || len - data_pos < f[F_FILESIZE])
		return cpio_fail(err, off, "truncated file data");
	*e = (struct cpio_entry){
		.name = (const char *)h + CPIO_HEADER_LEN,
		.data = data + data_pos,
		.filesize = f[F_FILESIZE],
		.ino = f[F_INO],
		.mode = f[F_MODE],
		.uid = f[F_UID],
		.gid = f[F_GID],
		.nlink = f[F_NLINK],
		.mtime = f[F_MTIME],
		.devmajor = f[F_DEVMAJOR],
		.devminor = f[F_DEVMINOR],
		.rdevmajor = f[F_RDEVMAJOR],
		.rdevminor = f[F_RDEVMINOR],
		.check = f[F_CHECK],
		.offset = off,
	};
	if (crc && S_ISREG(e->mode) &&
	    cpio_sum(e->data, e->filesize) != e->check)
		return cpio_fail(err, off, "checksum mismatch");
	*next = cpio_align(base, data_pos + e->filesize);
	return 0;
}

int cpio_parse(const void *data, size_t len, size_t base,
	       int (*fn)(const struct cpio_entry *e, void *ctx), void *ctx,
	       size_t *consumed, struct cpio_error *err)
{
	size_t pos = 0;

	for (;;) {
		struct cpio_entry e;
		size_t next;
		int ret;

		if (pos >= len)
			return cpio_fail(err, base + pos, "missing trailer");
		ret = cpio_parse_one(data, len, base, pos, &e, &next, err);
		if (ret)
			return ret;
		if (!kstrcmp(e.name, CPIO_TRAILER)) {
			*consumed = MIN(next, len);
			return 0;
		}
		ret = fn(&e, ctx);
		if (ret)
			return ret;
		pos = next;
	}
}
