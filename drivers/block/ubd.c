/*
 * ubd: block devices backed by host files, UML's "user-mode block device".
 *
 * ubd<N><flags>=<file>[,<backing>][,<serial>] configures a disk (N is 0-15
 * or a-p; ',' or ':' separate the fields). With a backing file, file is a
 * COW file in UML's format: created when missing, its bitmap says which
 * 512-byte sectors live in the COW file and which still come from the
 * read-only backing file. With one file the header is probed, so a COW
 * file names its own backing file; anything else is a raw image.
 *
 * Every check runs when the device is opened (at boot, or by mconsole
 * config): a missing or modified backing file, a bad header or a file
 * another kernel has locked is refused with a message before anything is
 * written. Requests run synchronously as host preadv/pwritev calls; a COW
 * write puts the data first and then the bitmap bytes that changed, so the
 * bitmap never points at sectors that were not written.
 */
#include <linux/fcntl.h>

#include "blkdev.h"
#include "cow.h"
#include "err.h"
#include "klib.h"
#include "mconsole.h"
#include "printk.h"
#include "ubd.h"
#include "os/os.h"

#define UBD_MAJOR 98
#define UBD_SHIFT 4
#define UBD_MAX_FLAGS 6
/* Refuse bitmaps past this: a 4 TiB disk needs 1 GiB of bitmap. */
#define UBD_MAX_BITMAP (1ULL << 30)

struct ubd {
	struct block_device bd;
	/* configuration */
	char *file; /* the image or the COW file */
	char *backing; /* the backing file named on the command line */
	char *serial;
	bool ro, sync, no_cow, shared, no_trim;
	bool configured;
	/* open state */
	bool open;
	int fd, backing_fd;
	bool cow;
	struct cow_info ci;
	uint8_t *bitmap;
};

struct ubd_state {
	struct ubd dev[UBD_MAX_DEV];
	bool sync_all; /* ubd=sync */
};

static struct ubd_state ubds;

/* ---- the command line ---- */

/* The device number in "ubd<N>...": 0-15 or a letter a-p; -1 if bad. */
static int parse_index(const char **p)
{
	const char *s = *p;
	int n;

	if (*s >= 'a' && *s <= 'z') {
		n = *s - 'a';
		*p = s + 1;
		return n < UBD_MAX_DEV ? n : -1;
	}
	if (*s < '0' || *s > '9')
		return -1;
	n = 0;
	while (*s >= '0' && *s <= '9') {
		n = n * 10 + (*s - '0');
		if (n >= UBD_MAX_DEV)
			return -1;
		s++;
	}
	*p = s;
	return n;
}

static void ubd_clear_config(struct ubd *u)
{
	kfree(u->file);
	kfree(u->backing);
	kfree(u->serial);
	u->file = u->backing = u->serial = NULL;
	u->ro = u->sync = u->no_cow = u->shared = u->no_trim = false;
	u->configured = false;
}

/* Split off the next ',' or ':' separated field of *s (NULL at the end). */
static char *next_field(char **s)
{
	char *start = *s, *sep;

	if (!start)
		return NULL;
	sep = start;
	while (*sep && *sep != ',' && *sep != ':')
		sep++;
	if (*sep) {
		*sep = '\0';
		*s = sep + 1;
	} else {
		*s = NULL;
	}
	return start;
}

int ubd_parse(const char *key, const char *value, int *index, const char **why)
{
	const char *p = key + 3;
	struct ubd *u;
	char *copy, *rest, *file, *backing, *serial;
	int n = parse_index(&p), nflags = 0;
	bool ro = false, sync = false, no_cow = false, shared = false,
	     no_trim = false;

	if (n < 0) {
		*why = "device number out of range (0 to 15, or a to p)";
		return -EINVAL;
	}
	for (; *p; p++) {
		if (++nflags > UBD_MAX_FLAGS) {
			*why = "Too many flags specified";
			return -EINVAL;
		}
		switch (*p) {
		case 'r':
			ro = true;
			break;
		case 's':
			sync = true;
			break;
		case 'd':
			no_cow = true;
			break;
		case 'c':
			shared = true;
			break;
		case 't':
			no_trim = true;
			break;
		default:
			*why = "Expected '=' or flag letter (r, s, c, t or d)";
			return -EINVAL;
		}
	}
	if (!value || !*value) {
		*why = "Expected '=' and a file name";
		return -EINVAL;
	}
	u = &ubds.dev[n];
	if (u->configured) {
		*why = "Device is already configured";
		return -EBUSY;
	}
	rest = copy = kstrdup(value);
	if (!copy) {
		*why = "out of memory";
		return -ENOMEM;
	}
	file = next_field(&rest);
	backing = next_field(&rest);
	serial = rest;
	if (!*file) {
		kfree(copy);
		*why = "Expected a file name";
		return -EINVAL;
	}
	if (backing && !*backing)
		backing = NULL;
	if (no_cow && backing) {
		kfree(copy);
		*why = "Can't specify both 'd' and a cow file";
		return -EINVAL;
	}
	u->file = kstrdup(file);
	u->backing = backing ? kstrdup(backing) : NULL;
	u->serial = serial && *serial ? kstrdup(serial) : NULL;
	if (!u->file || (backing && !u->backing) ||
	    (serial && *serial && !u->serial)) {
		kfree(copy);
		ubd_clear_config(u);
		*why = "out of memory";
		return -ENOMEM;
	}
	kfree(copy);
	u->ro = ro;
	u->sync = sync;
	u->no_cow = no_cow;
	u->shared = shared;
	u->no_trim = no_trim;
	u->configured = true;
	*index = n;
	return 0;
}

int ubd_setup(const char *key, const char *value, const char **why)
{
	int n;

	if (!kstrcmp(key, "fake_ide"))
		return 1;
	if (!kstrncmp(key, "udb", 3)) {
		printk(KERN_WARNING "udb%s: possible typo for ubd%s\n", key + 3,
		       key + 3);
		return 1;
	}
	if (kstrncmp(key, "ubd", 3))
		return 0;
	if (!kstrcmp(key, "ubd")) {
		if (value && !kstrcmp(value, "sync"))
			ubds.sync_all = true;
		else
			printk(KERN_WARNING "ubd: fake major not supported "
					    "any more\n");
		return 1;
	}
	return ubd_parse(key, value, &n, why) ? -EINVAL : 1;
}

/* ---- I/O ---- */

static struct ubd *bd_ubd(struct block_device *bd)
{
	return bd->private_data;
}

/* The iovecs covering bytes [skip, skip+len) of segs; returns the count. */
static unsigned int segs_slice(const struct blk_seg *segs, unsigned int nsegs,
			       size_t skip, size_t len, struct os_iovec *out)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < nsegs && len; i++) {
		size_t take;

		if (skip >= segs[i].len) {
			skip -= segs[i].len;
			continue;
		}
		take = MIN(segs[i].len - skip, len);
		out[n].base = (char *)segs[i].data + skip;
		out[n].len = take;
		n++;
		len -= take;
		skip = 0;
	}
	return n;
}

static size_t segs_total(const struct blk_seg *segs, unsigned int nsegs)
{
	size_t total = 0;

	for (unsigned int i = 0; i < nsegs; i++)
		total += segs[i].len;
	return total;
}

static int ubd_io_error(struct ubd *u, const char *what, uint64_t off, int err)
{
	printk(KERN_ERR "%s: host %s at offset %llu failed: error %d\n",
	       u->bd.name, what, (unsigned long long)off, -err);
	return -EIO;
}

static int ubd_read(struct block_device *bd, uint64_t off,
		    const struct blk_seg *segs, unsigned int nsegs)
{
	struct ubd *u = bd_ubd(bd);
	struct os_iovec iov[OS_DISK_MAX_IOV];
	size_t total = segs_total(segs, nsegs), pos = 0;
	uint32_t ss = u->ci.sectorsize;
	int err;

	if (nsegs > OS_DISK_MAX_IOV)
		return -EINVAL;
	if (!u->cow) {
		err = os_disk_read(u->fd, iov,
				   segs_slice(segs, nsegs, 0, total, iov), off);
		return err ? ubd_io_error(u, "read", off, err) : 0;
	}
	if (off % ss || total % ss)
		return -EIO;
	while (pos < total) {
		bool in_cow;
		uint64_t sector = (off + pos) / ss;
		uint64_t run =
			cow_run(u->bitmap, sector, (total - pos) / ss, &in_cow);
		size_t len = (size_t)(run * ss);
		unsigned int n = segs_slice(segs, nsegs, pos, len, iov);
		uint64_t at = off + pos;

		err = in_cow ? os_disk_read(u->fd, iov, n,
					    u->ci.data_offset + at) :
			       os_disk_read(u->backing_fd, iov, n, at);
		if (err)
			return ubd_io_error(u, "read", at, err);
		pos += len;
	}
	return 0;
}

/* Mark the sectors of [off, off+len) as in the COW file, on disk too. */
static int ubd_cow_mark(struct ubd *u, uint64_t off, size_t len)
{
	uint32_t ss = u->ci.sectorsize;
	uint64_t first = off / ss, count = len / ss;
	uint64_t b0 = first / 8, b1 = (first + count - 1) / 8;
	struct os_iovec iov;
	uint8_t *old;
	bool in_cow;
	int err;

	if (cow_run(u->bitmap, first, count, &in_cow) == count && in_cow)
		return 0;
	if (b0 >= u->ci.bitmap_len) {
		cow_bits_set(u->bitmap, first, count);
		return 0;
	}
	b1 = MIN(b1, u->ci.bitmap_len - 1);
	iov.base = u->bitmap + b0;
	iov.len = (size_t)(b1 - b0 + 1);
	old = kmalloc(iov.len);
	if (!old)
		return -ENOMEM;
	kmemcpy(old, iov.base, iov.len);
	cow_bits_set(u->bitmap, first, count);
	err = os_disk_write(u->fd, &iov, 1, u->ci.bitmap_offset + b0);
	/* Unmarked again in memory too, so a retry writes the bitmap. */
	if (err)
		kmemcpy(iov.base, old, iov.len);
	kfree(old);
	return err ? ubd_io_error(u, "bitmap write", off, err) : 0;
}

static int ubd_write(struct block_device *bd, uint64_t off,
		     const struct blk_seg *segs, unsigned int nsegs)
{
	struct ubd *u = bd_ubd(bd);
	struct os_iovec iov[OS_DISK_MAX_IOV];
	size_t total = segs_total(segs, nsegs);
	unsigned int n;
	int err;

	if (bd->readonly)
		return -EROFS;
	if (nsegs > OS_DISK_MAX_IOV)
		return -EINVAL;
	n = segs_slice(segs, nsegs, 0, total, iov);
	if (!u->cow) {
		err = os_disk_write(u->fd, iov, n, off);
		return err ? ubd_io_error(u, "write", off, err) : 0;
	}
	if (off % u->ci.sectorsize || total % u->ci.sectorsize)
		return -EIO;
	err = os_disk_write(u->fd, iov, n, u->ci.data_offset + off);
	if (err)
		return ubd_io_error(u, "write", off, err);
	return ubd_cow_mark(u, off, total);
}

static int ubd_flush(struct block_device *bd)
{
	struct ubd *u = bd_ubd(bd);
	int err = os_disk_sync(u->fd);

	return err ? ubd_io_error(u, "fsync", 0, err) : 0;
}

static const struct blkdev_ops ubd_ops = {
	.read = ubd_read,
	.write = ubd_write,
	.flush = ubd_flush,
};

/* ---- opening ---- */

struct ubd_err {
	char *buf;
	size_t size;
};

static int ubd_fail(struct ubd_err *e, int err, const char *fmt, ...)
	__printf(3, 4);

static int ubd_fail(struct ubd_err *e, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(e->buf, e->size, fmt, ap);
	va_end(ap);
	return err;
}

static int lock_file(struct ubd *u, int fd, const char *path, bool write,
		     struct ubd_err *e)
{
	int holder = 0, err;

	if (u->shared)
		return 0;
	err = os_disk_lock(fd, write, &holder);
	if (err == -EAGAIN)
		return ubd_fail(e, err,
				"F_SETLK failed, file already locked by pid "
				"%d: '%s'",
				holder, path);
	if (err)
		return ubd_fail(e, err, "cannot lock '%s': error %d", path,
				-err);
	return 0;
}

/* Create file as a COW file of backing (v3, sparse, all sectors clean). */
static int ubd_create_cow(const char *file, const char *backing,
			  struct ubd_err *e)
{
	char *abs = kmalloc(COW_PATH_LEN), *hdr = kzalloc(COW_HEADER_V3_LEN);
	struct os_disk_stat st;
	struct cow_info ci;
	struct os_iovec iov;
	uint8_t zero = 0;
	size_t len;
	int fd, err;

	if (!abs || !hdr) {
		err = ubd_fail(e, -ENOMEM, "out of memory");
		goto out_free;
	}
	err = os_disk_abspath(backing, abs, COW_PATH_LEN);
	if (!err)
		err = os_disk_stat(abs, -1, &st);
	if (err) {
		err = ubd_fail(e, err,
			       "Couldn't open backing file '%s': "
			       "error %d",
			       backing, -err);
		goto out_free;
	}
	len = cow_encode_v3(hdr, COW_HEADER_V3_LEN, abs, (uint32_t)st.mtime,
			    st.size, COW_SECTOR_SIZE, COW_ALIGNMENT);
	if (!len || cow_decode(hdr, len, &ci)) {
		err = ubd_fail(e, -EINVAL, "cannot make a COW header for '%s'",
			       abs);
		goto out_free;
	}
	fd = os_open(file, O_RDWR | O_CREAT | O_EXCL, 0644);
	if (fd < 0) {
		err = ubd_fail(e, fd,
			       "Failed to create COW file '%s': "
			       "error %d",
			       file, -fd);
		goto out_free;
	}
	iov.base = hdr;
	iov.len = len;
	err = os_disk_write(fd, &iov, 1, 0);
	if (!err && st.size) {
		iov.base = &zero;
		iov.len = 1;
		err = os_disk_write(fd, &iov, 1, ci.data_offset + st.size - 1);
	}
	os_close(fd);
	if (err) {
		err = ubd_fail(e, err, "writing COW file '%s' failed: error %d",
			       file, -err);
		goto out_free;
	}
	printk(KERN_INFO "Creating \"%s\" as COW file for \"%s\"\n", file,
	       backing);
out_free:
	kfree(abs);
	kfree(hdr);
	return err;
}

static size_t cow_header_len(const struct cow_info *ci)
{
	if (ci->version == 1)
		return COW_HEADER_V1_LEN;
	if (ci->version == 2)
		return COW_HEADER_V2_LEN;
	return ci->broken_v3b ? COW_HEADER_V3B_LEN : COW_HEADER_V3_LEN;
}

/*
 * The command line names backing for a COW file whose header names
 * another path: when it is not the same file but matches the header's
 * size and mtime, store its name in the header (how users move backing
 * files). Otherwise the header's path stays and is checked.
 */
static int ubd_switch_backing(struct ubd *u, void *hdr, size_t hdrlen,
			      struct ubd_err *e)
{
	struct os_disk_stat given, stored;
	struct os_iovec iov;
	char *abs;
	int err;

	if (!u->backing || !kstrcmp(u->backing, u->ci.backing))
		return 0;
	if (os_disk_stat(u->backing, -1, &given))
		return 0;
	if (!os_disk_stat(u->ci.backing, -1, &stored) &&
	    stored.dev == given.dev && stored.ino == given.ino)
		return 0;
	if (given.size != u->ci.size || (uint32_t)given.mtime != u->ci.mtime)
		return 0;
	abs = kmalloc(COW_PATH_LEN);
	if (!abs)
		return ubd_fail(e, -ENOMEM, "out of memory");
	err = os_disk_abspath(u->backing, abs, COW_PATH_LEN);
	if (!err)
		err = cow_set_backing(hdr, hdrlen, &u->ci, abs) ? -EINVAL : 0;
	if (!err && !u->ro) {
		iov.base = hdr;
		iov.len = cow_header_len(&u->ci);
		err = os_disk_write(u->fd, &iov, 1, 0);
	}
	if (!err) {
		printk(KERN_INFO "Switching backing file to '%s'\n", abs);
		err = cow_decode(hdr, hdrlen, &u->ci) ? -EINVAL : 0;
	}
	kfree(abs);
	return err ? ubd_fail(e, err,
			      "switching the backing file failed: "
			      "error %d",
			      -err) :
		     0;
}

/* Open and check the backing file of a COW device and load the bitmap. */
static int ubd_open_backing(struct ubd *u, struct ubd_err *e)
{
	const char *path = u->ci.backing;
	struct os_disk_stat st;
	struct os_iovec iov;
	int err;

	u->backing_fd = os_open(path, O_RDONLY, 0);
	if (u->backing_fd < 0)
		return ubd_fail(e, u->backing_fd,
				"Couldn't determine size of device's file: "
				"backing file '%s': error %d",
				path, -u->backing_fd);
	err = lock_file(u, u->backing_fd, path, false, e);
	if (err)
		return err;
	err = os_disk_stat(NULL, u->backing_fd, &st);
	if (err)
		return ubd_fail(e, err, "cannot stat '%s': error %d", path,
				-err);
	if (st.size != u->ci.size)
		return ubd_fail(e, -EINVAL,
				"Size mismatch (%llu vs %llu) of COW header "
				"vs backing file '%s'",
				(unsigned long long)u->ci.size,
				(unsigned long long)st.size, path);
	if ((uint32_t)st.mtime != u->ci.mtime)
		return ubd_fail(e, -EINVAL,
				"mtime mismatch (%lld vs %lld) of COW header "
				"vs backing file '%s'",
				(long long)u->ci.mtime, (long long)st.mtime,
				path);
	if (u->ci.bitmap_len > UBD_MAX_BITMAP)
		return ubd_fail(e, -EFBIG, "COW bitmap too large");
	/*
	 * v1/v2 bitmaps may be a byte short of the sector count (their
	 * rounding bug): the memory copy covers every sector.
	 */
	u->bitmap =
		kzalloc(MAX(u->ci.bitmap_len, DIV_ROUND_UP(u->ci.sectors, 8)));
	if (!u->bitmap)
		return ubd_fail(e, -ENOMEM, "no memory for the COW bitmap");
	iov.base = u->bitmap;
	iov.len = (size_t)u->ci.bitmap_len;
	err = os_disk_read(u->fd, &iov, 1, u->ci.bitmap_offset);
	if (err)
		return ubd_fail(e, err,
				"reading the COW bitmap failed: "
				"error %d",
				-err);
	return 0;
}

/* Probe for a COW header; 0 and u->cow set when the file is one. */
static int ubd_probe_cow(struct ubd *u, struct ubd_err *e)
{
	char *hdr = kzalloc(COW_HEADER_MAX);
	struct os_disk_stat st;
	struct os_iovec iov = { hdr, COW_HEADER_MAX };
	size_t len;
	int err;

	if (!hdr)
		return ubd_fail(e, -ENOMEM, "out of memory");
	err = os_disk_stat(NULL, u->fd, &st);
	if (err) {
		err = ubd_fail(e, err, "cannot stat '%s': error %d", u->file,
			       -err);
		goto out;
	}
	len = (size_t)MIN(st.size, (uint64_t)COW_HEADER_MAX);
	iov.len = len;
	err = len ? os_disk_read(u->fd, &iov, 1, 0) : 0;
	if (err) {
		err = ubd_fail(e, err, "reading '%s' failed: error %d", u->file,
			       -err);
		goto out;
	}
	err = cow_decode(hdr, len, &u->ci);
	if (err == COW_NOT_COW) {
		err = 0;
		if (u->backing)
			err = ubd_fail(e, -EINVAL,
				       "'%s' is not a COW file (its backing "
				       "file '%s' was given)",
				       u->file, u->backing);
		goto out;
	}
	if (err) {
		err = ubd_fail(e, -EINVAL, "bad COW header in '%s': %s",
			       u->file, u->ci.why);
		goto out;
	}
	u->cow = true;
	err = ubd_switch_backing(u, hdr, len, e);
out:
	kfree(hdr);
	return err;
}

static void ubd_close(struct ubd *u)
{
	if (u->fd >= 0)
		os_close(u->fd);
	if (u->backing_fd >= 0)
		os_close(u->backing_fd);
	u->fd = u->backing_fd = -1;
	kfree(u->bitmap);
	u->bitmap = NULL;
	u->cow = false;
	u->open = false;
}

static int ubd_open_files(struct ubd *u, struct ubd_err *e)
{
	int flags = (u->ro ? O_RDONLY : O_RDWR) |
		    (u->sync || ubds.sync_all ? O_SYNC : 0);
	struct os_disk_stat st;
	int err;

	u->fd = os_open(u->file, flags, 0);
	if (u->fd == -ENOENT && u->backing && !u->ro) {
		err = ubd_create_cow(u->file, u->backing, e);
		if (err)
			return err;
		u->fd = os_open(u->file, flags, 0);
	}
	if ((u->fd == -EROFS || u->fd == -EACCES) && !u->ro) {
		u->fd = os_open(u->file, O_RDONLY, 0);
		if (u->fd >= 0) {
			printk(KERN_NOTICE "%s: '%s' is not writable, using "
					   "it read-only\n",
			       u->bd.name, u->file);
			u->ro = true;
		}
	}
	if (u->fd < 0)
		return ubd_fail(e, u->fd, "Failed to open '%s', errno = %d",
				u->file, -u->fd);
	err = lock_file(u, u->fd, u->file, !u->ro, e);
	if (err)
		return err;
	if (!u->no_cow) {
		err = ubd_probe_cow(u, e);
		if (err)
			return err;
	}
	if (u->cow) {
		err = ubd_open_backing(u, e);
		if (err)
			return err;
		u->bd.size = u->ci.size;
	} else {
		err = os_disk_stat(NULL, u->fd, &st);
		if (err)
			return ubd_fail(e, err,
					"Couldn't determine size of device's "
					"file: error %d",
					-err);
		u->bd.size = ALIGN_UP(st.size, (uint64_t)SECTOR_SIZE);
		u->ci.sectorsize = SECTOR_SIZE;
	}
	/* A size that is not whole sectors is rounded down for COW. */
	u->bd.size -= u->bd.size % SECTOR_SIZE;
	return 0;
}

int ubd_open_dev(int n, char *err, size_t errlen)
{
	struct ubd *u;
	struct ubd_err e = { err, errlen };
	int r;

	if (n < 0 || n >= UBD_MAX_DEV)
		return ubd_fail(&e, -EINVAL, "device number out of range");
	u = &ubds.dev[n];
	if (!u->configured)
		return ubd_fail(&e, -EINVAL, "ubd%d is not configured", n);
	if (u->open)
		return ubd_fail(&e, -EBUSY, "Device is already configured");
	u->fd = u->backing_fd = -1;
	/* Named first: opening may log a message naming the device. */
	ksnprintf(u->bd.name, sizeof(u->bd.name), "ubd%c", 'a' + n);
	r = ubd_open_files(u, &e);
	if (r) {
		ubd_close(u);
		return r;
	}
	u->bd.dev = MKDEV(UBD_MAJOR, n << UBD_SHIFT);
	u->bd.readonly = u->ro;
	u->bd.write_through = u->sync || ubds.sync_all;
	u->bd.ops = &ubd_ops;
	u->bd.private_data = u;
	r = blkdev_register(&u->bd);
	if (r) {
		ubd_close(u);
		return ubd_fail(&e, r, "cannot register %s: error %d",
				u->bd.name, -r);
	}
	u->open = true;
	return 0;
}

int ubd_remove(int n, char *err, size_t errlen)
{
	struct ubd_err e = { err, errlen };
	struct ubd *u;
	int r;

	if (n < 0 || n >= UBD_MAX_DEV)
		return ubd_fail(&e, -EINVAL, "device number out of range");
	u = &ubds.dev[n];
	if (!u->configured)
		return ubd_fail(&e, -ENODEV, "Device doesn't exist");
	if (u->open) {
		r = blkdev_unregister(&u->bd);
		if (r == -EBUSY)
			return ubd_fail(&e, r, "Device is currently open");
		ubd_close(u);
		if (r) {
			ubd_clear_config(u);
			return ubd_fail(&e, r,
					"writing the cache back failed: "
					"error %d",
					-r);
		}
	}
	ubd_clear_config(u);
	return 0;
}

int ubd_get_config(int n, char *buf, size_t size)
{
	struct ubd *u;

	if (n < 0 || n >= UBD_MAX_DEV)
		return -EINVAL;
	u = &ubds.dev[n];
	if (!u->configured)
		return ksnprintf(buf, size, "%s", "");
	if (u->cow)
		return ksnprintf(buf, size, "%s,%s", u->file, u->ci.backing);
	return ksnprintf(buf, size, "%s", u->file);
}

bool ubd_configured(int n)
{
	return n >= 0 && n < UBD_MAX_DEV && ubds.dev[n].configured;
}

/* ---- the management console: config, config <unit>, remove ---- */

/* The unit of "1", "b", "1=..." (the text after "ubd"), or -1. */
static int mc_unit(const char *s)
{
	const char *p = s;
	int n = parse_index(&p);

	return (n >= 0 && (*p == '\0' || *p == '=')) ? n : -1;
}

static int ubd_mc_config(const char *spec, char *err, size_t errlen)
{
	char key[16] = "ubd";
	const char *eq = kstrchr(spec, '='), *why = "";
	size_t klen = eq ? (size_t)(eq - spec) : 0;
	int n, r;

	if (!eq || klen + 4 > sizeof(key)) {
		ksnprintf(err, errlen, "%s", "Bad configuration option");
		return -EINVAL;
	}
	kmemcpy(key + 3, spec, klen);
	key[3 + klen] = '\0';
	r = ubd_parse(key, eq + 1, &n, &why);
	if (r) {
		ksnprintf(err, errlen, "%s", why);
		return r;
	}
	r = ubd_open_dev(n, err, errlen);
	if (r)
		ubd_clear_config(&ubds.dev[n]);
	return r;
}

static int ubd_mc_get_config(const char *unit, char *buf, size_t size,
			     char *err, size_t errlen)
{
	int n = mc_unit(unit);

	if (n < 0) {
		ksnprintf(err, errlen, "%s",
			  "ubd_get_config : device number out of range");
		return -EINVAL;
	}
	ubd_get_config(n, buf, size);
	return 0;
}

static int ubd_mc_remove(const char *unit, char *err, size_t errlen)
{
	int n = mc_unit(unit);

	if (n < 0) {
		ksnprintf(err, errlen, "%s", "Device doesn't exist");
		return -ENODEV;
	}
	return ubd_remove(n, err, errlen);
}

static const struct mc_device ubd_mc_device = {
	.name = "ubd",
	.config = ubd_mc_config,
	.get_config = ubd_mc_get_config,
	.remove = ubd_mc_remove,
};

int ubd_init(bool default_root, char *err, size_t errlen)
{
	const char *why;
	int n, r;

	mc_device_register(&ubd_mc_device);
	if (default_root && !ubds.dev[0].configured &&
	    ubd_parse("ubd0", "root_fs", &n, &why))
		return -ENOMEM;
	for (n = 0; n < UBD_MAX_DEV; n++) {
		char msg[256];

		if (!ubds.dev[n].configured)
			continue;
		r = ubd_open_dev(n, msg, sizeof(msg));
		if (r) {
			ksnprintf(err, errlen, "ubd%d: %s", n, msg);
			return r;
		}
	}
	return 0;
}
