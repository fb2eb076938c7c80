/*
 * Unit tests for the ubd driver (drivers/block/ubd.c) with the COW codec
 * (drivers/block/cow.c) and the block layer, over a fake host: os_open,
 * os_close and os_disk_* serve named files from memory (contents, mtime,
 * device and inode, a writable flag, a lock held by another pid) and
 * inject -EIO, -ENOSPC, failed short transfers and EACCES on command.
 * Covers the command line, raw images, COW creation in UML's v3 layout,
 * COW reads and writes with their bitmap, every check made on open (each
 * failure leaves every host file byte-for-byte unchanged), backing file
 * switching, host errors reaching the block layer as -EIO, remove and
 * config strings.
 */
#include "../../mm/mm_internal.h"
#include "blkdev.h"
#include "cow.h"
#include "err.h"
#include "fake_kernel.h"
#include "mconsole.h"
#include "os/os.h"
#include "printk.h"
#include "timer.h"
#include "ubd.h"

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PHYS_BYTES (16ULL << 20)
#define HOST_FILES 16
#define HOST_FDS 32
#define HOST_FD_BASE 100
#define HOST_PATH 256
#define CWD "/home/uml/"
#define BACKING_SIZE (64 * 1024)
#define BACKING_MTIME 1234567890
/* Layout of a v3 COW of BACKING_SIZE bytes: 128 sectors, 16 bitmap bytes. */
#define BITMAP_OFF 8192
#define DATA_OFF 12288
#define ERRLEN 256

/* An injected failure: err for transfers touching [lo, hi) (all if hi 0). */
struct host_fault {
	int err;
	uint64_t lo, hi;
	bool short_xfer; /* move part of the data before failing */
};

struct host_file {
	bool exists;
	char path[HOST_PATH]; /* absolute */
	uint8_t *data;
	size_t size;
	int64_t mtime;
	uint64_t dev, ino;
	bool read_only; /* write opens fail with -EACCES */
	int lock_pid; /* another process's lock, 0 if none */
	bool lock_write;
	struct host_fault read_fault, write_fault;
	int sync_err;
	int open_flags; /* of the last successful open */
	unsigned int reads, writes, syncs;
	uint64_t last_write_off;
	size_t last_write_len;
};

struct host_fd {
	bool used;
	int file;
	int flags;
	bool locked, lock_write;
};

struct ubdtest_state {
	struct host_file files[HOST_FILES];
	struct host_fd fds[HOST_FDS];
	uint64_t next_ino;
	unsigned int locks, bad_fd_ops;
};

static struct ubdtest_state ut;

/* ---- fakes for the kernel services the code under test calls ---- */

int devfs_create(const char *name, uint32_t mode, uint64_t rdev)
{
	return 0;
}

int devfs_remove(const char *name)
{
	return 0;
}

/* The device ubd_init registers for mconsole's config and remove. */
static const struct mc_device *mc_ubd;

int mc_device_register(const struct mc_device *dev)
{
	mc_ubd = dev;
	return 0;
}

/* ---- the fake host ---- */

static void abs_path(const char *path, char *out)
{
	if (path[0] == '/')
		snprintf(out, HOST_PATH, "%s", path);
	else
		snprintf(out, HOST_PATH, "%s%s", CWD, path);
}

static struct host_file *host_find(const char *path)
{
	char abs[HOST_PATH];

	abs_path(path, abs);
	for (int i = 0; i < HOST_FILES; i++)
		if (ut.files[i].exists && !strcmp(ut.files[i].path, abs))
			return &ut.files[i];
	return NULL;
}

static struct host_file *host_new(const char *path)
{
	for (int i = 0; i < HOST_FILES; i++) {
		struct host_file *f = &ut.files[i];

		if (f->exists)
			continue;
		memset(f, 0, sizeof(*f));
		f->exists = true;
		abs_path(path, f->path);
		f->mtime = 1700000000;
		f->dev = 2049;
		f->ino = ++ut.next_ino;
		return f;
	}
	ck_abort_msg("fake host: file table full");
	return NULL;
}

static struct host_fd *host_fd_get(int fd)
{
	if (fd < HOST_FD_BASE || fd >= HOST_FD_BASE + HOST_FDS ||
	    !ut.fds[fd - HOST_FD_BASE].used) {
		ut.bad_fd_ops++;
		return NULL;
	}
	return &ut.fds[fd - HOST_FD_BASE];
}

static unsigned int open_fds(void)
{
	unsigned int n = 0;

	for (int i = 0; i < HOST_FDS; i++)
		n += ut.fds[i].used;
	return n;
}

int os_open(const char *path, int flags, int mode)
{
	struct host_file *f = host_find(path);
	int acc = flags & O_ACCMODE;

	if (f && (flags & O_CREAT) && (flags & O_EXCL))
		return -EEXIST;
	if (!f && !(flags & O_CREAT))
		return -ENOENT;
	if (f && acc != O_RDONLY && f->read_only)
		return -EACCES;
	for (int i = 0; i < HOST_FDS; i++) {
		if (ut.fds[i].used)
			continue;
		if (!f)
			f = host_new(path);
		ut.fds[i] = (struct host_fd){
			.used = true,
			.file = (int)(f - ut.files),
			.flags = flags,
		};
		f->open_flags = flags;
		return HOST_FD_BASE + i;
	}
	return -EMFILE;
}

int os_close(int fd)
{
	struct host_fd *h = host_fd_get(fd);

	if (!h)
		return -EBADF;
	h->used = false;
	return 0;
}

int os_disk_stat(const char *path, int fd, struct os_disk_stat *out)
{
	struct host_file *f;

	if (path) {
		f = host_find(path);
		if (!f)
			return -ENOENT;
	} else {
		struct host_fd *h = host_fd_get(fd);

		if (!h)
			return -EBADF;
		f = &ut.files[h->file];
	}
	out->size = f->size;
	out->mtime = f->mtime;
	out->dev = f->dev;
	out->ino = f->ino;
	out->is_reg = true;
	return 0;
}

int os_disk_lock(int fd, bool write, int *holder)
{
	struct host_fd *h = host_fd_get(fd);
	struct host_file *f;

	if (!h)
		return -EBADF;
	f = &ut.files[h->file];
	ut.locks++;
	if (f->lock_pid && (write || f->lock_write)) {
		*holder = f->lock_pid;
		return -EAGAIN;
	}
	h->locked = true;
	h->lock_write = write;
	return 0;
}

int os_disk_abspath(const char *path, char *buf, size_t size)
{
	struct host_file *f = host_find(path);

	if (!f)
		return -ENOENT;
	if (strlen(f->path) >= size)
		return -ENAMETOOLONG;
	strcpy(buf, f->path);
	return 0;
}

static size_t iov_total(const struct os_iovec *vec, unsigned int n)
{
	size_t total = 0;

	for (unsigned int i = 0; i < n; i++)
		total += vec[i].len;
	return total;
}

/* The fault's error if a transfer of [off, off+len) meets it, else 0. */
static int fault_hit(const struct host_fault *fault, uint64_t off, size_t len)
{
	if (!fault->err)
		return 0;
	if (fault->hi && (off + len <= fault->lo || off >= fault->hi))
		return 0;
	return fault->err;
}

int os_disk_read(int fd, const struct os_iovec *vec, unsigned int n,
		 uint64_t off)
{
	struct host_fd *h = host_fd_get(fd);
	struct host_file *f;
	int err;

	if (!h)
		return -EBADF;
	if (n > OS_DISK_MAX_IOV)
		return -EINVAL;
	f = &ut.files[h->file];
	f->reads++;
	err = fault_hit(&f->read_fault, off, iov_total(vec, n));
	if (err && !f->read_fault.short_xfer)
		return err;
	for (unsigned int i = 0; i < n; i++) {
		uint8_t *dst = vec[i].base;
		size_t len = vec[i].len;

		if (err)
			len /= 2;
		for (size_t k = 0; k < len; k++, off++)
			dst[k] = off < f->size ? f->data[off] : 0;
		if (err)
			return err;
	}
	return 0;
}

int os_disk_write(int fd, const struct os_iovec *vec, unsigned int n,
		  uint64_t off)
{
	struct host_fd *h = host_fd_get(fd);
	struct host_file *f;
	size_t total = iov_total(vec, n);
	int err;

	if (!h)
		return -EBADF;
	if ((h->flags & O_ACCMODE) == O_RDONLY) {
		ut.bad_fd_ops++;
		return -EBADF;
	}
	if (n > OS_DISK_MAX_IOV)
		return -EINVAL;
	f = &ut.files[h->file];
	f->writes++;
	f->last_write_off = off;
	f->last_write_len = total;
	err = fault_hit(&f->write_fault, off, total);
	if (err && !f->write_fault.short_xfer)
		return err;
	if (err)
		total /= 2;
	if (off + total > f->size) {
		f->data = realloc(f->data, off + total);
		ck_assert_ptr_nonnull(f->data);
		memset(f->data + f->size, 0, off + total - f->size);
		f->size = off + total;
	}
	for (unsigned int i = 0; i < n && total; i++) {
		size_t len = MIN(vec[i].len, total);

		memcpy(f->data + off, vec[i].base, len);
		off += len;
		total -= len;
	}
	return err;
}

int os_disk_sync(int fd)
{
	struct host_fd *h = host_fd_get(fd);

	if (!h)
		return -EBADF;
	ut.files[h->file].syncs++;
	return ut.files[h->file].sync_err;
}

/* ---- helpers ---- */

static uint8_t pattern(uint64_t off)
{
	return (uint8_t)((off * 2654435761u) >> 11 ^ off >> 9 ^ 0x5a);
}

/* A host file of size bytes of the pattern (zeros if !fill). */
static struct host_file *host_add(const char *path, size_t size, bool fill)
{
	struct host_file *f = host_new(path);

	f->data = calloc(1, size ? size : 1);
	ck_assert_ptr_nonnull(f->data);
	f->size = size;
	for (size_t i = 0; fill && i < size; i++)
		f->data[i] = pattern(i);
	return f;
}

static struct host_file *backing_add(const char *path)
{
	struct host_file *f = host_add(path, BACKING_SIZE, true);

	f->mtime = BACKING_MTIME;
	return f;
}

/*
 * A COW file at path in v3 layout naming backing (absolute), for a backing
 * file of size bytes and mtime, with a clean bitmap.
 */
static struct host_file *cow_add(const char *path, const char *backing,
				 uint32_t mtime, uint64_t size)
{
	uint8_t hdr[COW_HEADER_V3_LEN];
	struct cow_info ci;
	struct host_file *f;

	ck_assert_uint_eq(cow_encode_v3(hdr, sizeof(hdr), backing, mtime, size,
					COW_SECTOR_SIZE, COW_ALIGNMENT),
			  sizeof(hdr));
	ck_assert_int_eq(cow_decode(hdr, sizeof(hdr), &ci), 0);
	f = host_add(path, ci.data_offset + size, false);
	memcpy(f->data, hdr, sizeof(hdr));
	return f;
}

static uint32_t be32_at(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64_at(const uint8_t *p)
{
	return (uint64_t)be32_at(p) << 32 | be32_at(p + 4);
}

static bool all_bytes(const uint8_t *p, uint8_t c, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != c)
			return false;
	return true;
}

/* Copies of every host file, to prove a failed open wrote nothing. */
struct host_snapshot {
	uint8_t *data[HOST_FILES];
	size_t size[HOST_FILES];
	bool exists[HOST_FILES];
};

static void snapshot_take(struct host_snapshot *s)
{
	for (int i = 0; i < HOST_FILES; i++) {
		struct host_file *f = &ut.files[i];

		s->exists[i] = f->exists;
		s->size[i] = f->size;
		s->data[i] = NULL;
		if (!f->exists)
			continue;
		s->data[i] = malloc(f->size ? f->size : 1);
		ck_assert_ptr_nonnull(s->data[i]);
		memcpy(s->data[i], f->data, f->size);
	}
}

static void snapshot_check_and_free(struct host_snapshot *s)
{
	for (int i = 0; i < HOST_FILES; i++) {
		struct host_file *f = &ut.files[i];

		ck_assert_int_eq(f->exists, s->exists[i]);
		if (s->exists[i]) {
			ck_assert_uint_eq(f->size, s->size[i]);
			ck_assert_mem_eq(f->data, s->data[i], f->size);
		}
		free(s->data[i]);
	}
}

static void reset_host_counters(void)
{
	for (int i = 0; i < HOST_FILES; i++) {
		struct host_file *f = &ut.files[i];

		f->reads = f->writes = f->syncs = 0;
	}
}

/*
 * Configure and open device n; the host's I/O counters start from zero
 * afterwards (creating a COW file writes).
 */
static struct block_device *ubd_up(const char *key, const char *value)
{
	const char *why = NULL;
	char err[ERRLEN] = "";
	struct block_device *bd;
	int n;

	ck_assert_int_eq(ubd_parse(key, value, &n, &why), 0);
	ck_assert_msg(ubd_open_dev(n, err, sizeof(err)) == 0, "open: %s", err);
	bd = blkdev_find(MKDEV(98, n * 16));
	ck_assert_ptr_nonnull(bd);
	reset_host_counters();
	return bd;
}

/* Configure device n and try to open it: the error, message in err. */
static int ubd_try(const char *key, const char *value, char *err)
{
	const char *why = NULL;
	int n;

	ck_assert_int_eq(ubd_parse(key, value, &n, &why), 0);
	err[0] = '\0';
	return ubd_open_dev(n, err, ERRLEN);
}

static int bd_rw(struct block_device *bd, bool write, uint64_t off, void *buf,
		 size_t len)
{
	struct blk_seg seg = { buf, len };

	return write ? bd->ops->write(bd, off, &seg, 1) :
		       bd->ops->read(bd, off, &seg, 1);
}

static void assert_host_sane(void)
{
	ck_assert_uint_eq(ut.bad_fd_ops, 0);
}

static void setup(void)
{
	memset(&ut, 0, sizeof(ut));
	fake_kernel_reset();
	ck_assert_int_eq(phys_init(PHYS_BYTES), 0);
	blkdev_init();
}

static void teardown(void)
{
	char err[ERRLEN];

	for (int n = 0; n < UBD_MAX_DEV; n++)
		if (ubd_configured(n))
			ubd_remove(n, err, sizeof(err));
	for (int i = 0; i < HOST_FILES; i++)
		free(ut.files[i].data);
	memset(ut.files, 0, sizeof(ut.files));
}

/* ---- the command line ---- */

START_TEST(devices_are_named_by_number_or_letter)
{
	const char *why = NULL;
	char buf[64];
	int n = -1;

	ck_assert_int_eq(ubd_parse("ubd0", "zero.img", &n, &why), 0);
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(ubd_parse("ubdb", "one.img", &n, &why), 0);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(ubd_parse("ubd15", "last.img", &n, &why), 0);
	ck_assert_int_eq(n, 15);
	ck_assert_int_eq(ubd_parse("ubdo", "fourteen.img", &n, &why), 0);
	ck_assert_int_eq(n, 14);
	ubd_get_config(1, buf, sizeof(buf));
	ck_assert_str_eq(buf, "one.img");
	ck_assert(ubd_configured(15));
	ck_assert(!ubd_configured(2));
}
END_TEST

START_TEST(device_numbers_past_fifteen_are_refused)
{
	static const char *const keys[] = { "ubd16", "ubdq",  "ubdz",
					    "ubd99", "ubd-1", "ubdA" };
	const char *why;

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		why = NULL;
		ck_assert_msg(ubd_setup(keys[i], "x.img", &why) == -EINVAL,
			      "%s accepted", keys[i]);
		ck_assert_str_eq(why, "device number out of range (0 to 15, "
				      "or a to p)");
	}
	for (int n = 0; n < UBD_MAX_DEV; n++)
		ck_assert(!ubd_configured(n));
}
END_TEST

START_TEST(every_flag_letter_is_accepted)
{
	const char *why = NULL;

	ck_assert_int_eq(ubd_setup("ubd0rscdt", "x.img", &why), 1);
	ck_assert_int_eq(ubd_setup("ubdbr", "y.img", &why), 1);
	ck_assert(ubd_configured(0) && ubd_configured(1));
}
END_TEST

START_TEST(unknown_flag_letter_is_refused_with_uml_message)
{
	const char *why = NULL;
	int n;

	ck_assert_int_eq(ubd_setup("ubd0x", "x.img", &why), -EINVAL);
	ck_assert_str_eq(why, "Expected '=' or flag letter (r, s, c, t or d)");
	ck_assert_int_eq(ubd_parse("ubd1r-", "x.img", &n, &why), -EINVAL);
	ck_assert_str_eq(why, "Expected '=' or flag letter (r, s, c, t or d)");
	ck_assert(!ubd_configured(0) && !ubd_configured(1));
}
END_TEST

START_TEST(more_than_six_flags_are_refused)
{
	const char *why = NULL;

	ck_assert_int_eq(ubd_setup("ubd0rsrsrsr", "x.img", &why), -EINVAL);
	ck_assert_str_eq(why, "Too many flags specified");
	ck_assert(!ubd_configured(0));
	ck_assert_int_eq(ubd_setup("ubd0rsrsrs", "x.img", &why), 1);
}
END_TEST

START_TEST(d_flag_with_a_second_file_is_refused)
{
	const char *why = NULL;

	ck_assert_int_eq(ubd_setup("ubd0d", "cow.img,root_fs", &why), -EINVAL);
	ck_assert_str_eq(why, "Can't specify both 'd' and a cow file");
	ck_assert(!ubd_configured(0));
	ck_assert_int_eq(ubd_setup("ubd0d", "disk.img,,serial", &why), 1);
}
END_TEST

START_TEST(missing_or_empty_file_name_is_refused)
{
	const char *why = NULL;
	int n;

	ck_assert_int_eq(ubd_parse("ubd0", NULL, &n, &why), -EINVAL);
	ck_assert_str_eq(why, "Expected '=' and a file name");
	ck_assert_int_eq(ubd_parse("ubd0", "", &n, &why), -EINVAL);
	ck_assert_int_eq(ubd_parse("ubd0", ",root_fs", &n, &why), -EINVAL);
	ck_assert_str_eq(why, "Expected a file name");
	ck_assert(!ubd_configured(0));
}
END_TEST

START_TEST(file_with_empty_backing_and_serial_is_not_a_cow)
{
	struct block_device *bd;
	char buf[64];

	host_add("disk.img", 8192, true);
	bd = ubd_up("ubd0", "disk.img,,SERIAL42");
	ck_assert_ptr_nonnull(bd);
	ck_assert_uint_eq(bd->size, 8192);
	ubd_get_config(0, buf, sizeof(buf));
	ck_assert_str_eq(buf, "disk.img");
	ck_assert(!host_find("SERIAL42"));
}
END_TEST

START_TEST(colon_separates_cow_and_backing_like_a_comma)
{
	char buf[128];

	backing_add("root_fs");
	ck_assert_ptr_nonnull(ubd_up("ubd0", "cow.img:root_fs"));
	ck_assert_ptr_nonnull(host_find("cow.img"));
	ubd_get_config(0, buf, sizeof(buf));
	ck_assert_str_eq(buf, "cow.img," CWD "root_fs");
}
END_TEST

START_TEST(configuring_a_configured_device_is_busy)
{
	const char *why = NULL;
	char buf[64];
	int n;

	ck_assert_int_eq(ubd_parse("ubd0", "a.img", &n, &why), 0);
	ck_assert_int_eq(ubd_parse("ubda", "b.img", &n, &why), -EBUSY);
	ck_assert_str_eq(why, "Device is already configured");
	ck_assert_int_eq(ubd_setup("ubd0", "c.img", &why), -EINVAL);
	ubd_get_config(0, buf, sizeof(buf));
	ck_assert_str_eq(buf, "a.img");
}
END_TEST

START_TEST(ubd_sync_makes_every_device_synchronous)
{
	const char *why = NULL;
	struct block_device *bd;
	struct host_file *f = host_add("disk.img", 8192, true);

	ck_assert_int_eq(ubd_setup("ubd", "sync", &why), 1);
	bd = ubd_up("ubd0", "disk.img");
	ck_assert(bd->write_through);
	ck_assert_int_eq(f->open_flags & O_SYNC, O_SYNC);
	ck_assert(!fake_klog_has("fake major"));
}
END_TEST

START_TEST(ubd_with_anything_else_only_warns)
{
	const char *why = NULL;
	struct block_device *bd;
	struct host_file *f = host_add("disk.img", 8192, true);

	ck_assert_int_eq(ubd_setup("ubd", "98", &why), 1);
	ck_assert(fake_klog_has("fake major not supported any more"));
	bd = ubd_up("ubd0", "disk.img");
	ck_assert(!bd->write_through);
	ck_assert_int_eq(f->open_flags & O_SYNC, 0);
}
END_TEST

START_TEST(udb_typo_and_fake_ide_are_taken_with_a_warning)
{
	const char *why = NULL;

	ck_assert_int_eq(ubd_setup("udb0", "disk.img", &why), 1);
	ck_assert(fake_klog_has("udb0: possible typo for ubd0"));
	ck_assert(!ubd_configured(0));
	ck_assert_int_eq(ubd_setup("fake_ide", NULL, &why), 1);
	ck_assert_int_eq(ubd_setup("root", "/dev/ubda", &why), 0);
	ck_assert_int_eq(ubd_setup("ub", "x", &why), 0);
}
END_TEST

/* ---- flags at open ---- */

START_TEST(r_flag_opens_read_only_with_a_read_lock)
{
	struct host_file *f = host_add("disk.img", 8192, true);
	struct block_device *bd = ubd_up("ubd0r", "disk.img");
	uint8_t buf[SECTOR_SIZE] = { 0 };

	ck_assert(bd->readonly);
	ck_assert_int_eq(f->open_flags & O_ACCMODE, O_RDONLY);
	ck_assert(ut.fds[0].locked && !ut.fds[0].lock_write);
	ck_assert_int_eq(bd_rw(bd, true, 0, buf, sizeof(buf)), -EROFS);
	ck_assert_int_eq(blkdev_get(bd, true), -EROFS);
	ck_assert_uint_eq(f->writes, 0);
	assert_host_sane();
}
END_TEST

START_TEST(s_flag_opens_o_sync_and_writes_through)
{
	struct host_file *f = host_add("disk.img", 8192, true);
	struct block_device *bd = ubd_up("ubd0s", "disk.img");
	struct buf b;

	ck_assert_int_eq(f->open_flags & O_SYNC, O_SYNC);
	ck_assert(bd->write_through);
	ck_assert_int_eq(bread(bd, 1, SECTOR_SIZE, &b), 0);
	memset(b.data, 0x11, SECTOR_SIZE);
	bdirty(&b);
	brelse(&b);
	ck_assert(all_bytes(f->data + SECTOR_SIZE, 0x11, SECTOR_SIZE));
}
END_TEST

START_TEST(c_flag_takes_no_host_lock)
{
	struct host_file *f = host_add("disk.img", 8192, true);

	f->lock_pid = 4242;
	f->lock_write = true;
	ck_assert_ptr_nonnull(ubd_up("ubd0c", "disk.img"));
	ck_assert_uint_eq(ut.locks, 0);
}
END_TEST

START_TEST(d_flag_treats_a_cow_file_as_a_raw_image)
{
	struct host_file *cow;
	struct block_device *bd;
	uint8_t buf[SECTOR_SIZE];

	backing_add("root_fs");
	cow = cow_add("cow.img", CWD "root_fs", BACKING_MTIME, BACKING_SIZE);
	bd = ubd_up("ubd0d", "cow.img");
	ck_assert_uint_eq(bd->size, cow->size);
	ck_assert_int_eq(bd_rw(bd, false, 0, buf, sizeof(buf)), 0);
	ck_assert_mem_eq(buf, cow->data, sizeof(buf));
}
END_TEST

/* ---- raw images ---- */

START_TEST(raw_image_size_is_rounded_up_to_a_sector)
{
	struct block_device *bd;
	uint8_t buf[2 * SECTOR_SIZE];

	host_add("disk.img", 1000, true);
	bd = ubd_up("ubd0", "disk.img");
	ck_assert_str_eq(bd->name, "ubda");
	ck_assert_uint_eq(bd->size, 1024);
	ck_assert_int_eq(bd_rw(bd, false, 0, buf, sizeof(buf)), 0);
	for (size_t i = 0; i < 1000; i++)
		ck_assert_uint_eq(buf[i], pattern(i));
	ck_assert(all_bytes(buf + 1000, 0, 24));
}
END_TEST

START_TEST(raw_image_is_read_and_written_in_place)
{
	struct host_file *f = host_add("disk.img", 64 * 1024, true);
	struct block_device *bd = ubd_up("ubd0", "disk.img");
	uint8_t buf[4 * SECTOR_SIZE];

	ck_assert_int_eq(f->open_flags & O_ACCMODE, O_RDWR);
	ck_assert(ut.fds[0].locked && ut.fds[0].lock_write);
	ck_assert(!bd->readonly);
	ck_assert_int_eq(bd_rw(bd, false, 3 * SECTOR_SIZE, buf, sizeof(buf)),
			 0);
	ck_assert_mem_eq(buf, f->data + 3 * SECTOR_SIZE, sizeof(buf));
	memset(buf, 0x77, sizeof(buf));
	ck_assert_int_eq(bd_rw(bd, true, 5 * SECTOR_SIZE, buf, sizeof(buf)), 0);
	ck_assert(all_bytes(f->data + 5 * SECTOR_SIZE, 0x77, sizeof(buf)));
	ck_assert_uint_eq(f->data[9 * SECTOR_SIZE], pattern(9 * SECTOR_SIZE));
	ck_assert_int_eq(bd->ops->flush(bd), 0);
	ck_assert_uint_eq(f->syncs, 1);
	assert_host_sane();
}
END_TEST

START_TEST(raw_image_through_the_cache_reaches_the_file_on_sync)
{
	struct host_file *f = host_add("disk.img", 64 * 1024, true);
	struct block_device *bd = ubd_up("ubd0", "disk.img");
	struct buf b;

	ck_assert_int_eq(bread(bd, 3, 1024, &b), 0);
	ck_assert_mem_eq(b.data, f->data + 3072, 1024);
	memset(b.data, 0xab, 1024);
	bdirty(&b);
	brelse(&b);
	ck_assert_uint_eq(f->data[3072], pattern(3072));
	ck_assert_int_eq(blkdev_sync(bd), 0);
	ck_assert(all_bytes(f->data + 3072, 0xab, 1024));
	ck_assert_uint_eq(f->syncs, 1);
}
END_TEST

START_TEST(missing_image_fails_to_open)
{
	char err[ERRLEN];

	ck_assert_int_eq(ubd_try("ubd0", "nothing.img", err), -ENOENT);
	ck_assert_str_eq(err, "Failed to open 'nothing.img', errno = 2");
	ck_assert_ptr_null(host_find("nothing.img"));
	ck_assert_ptr_null(blkdev_find_name("ubda"));
}
END_TEST

START_TEST(raw_image_given_with_a_backing_file_is_refused)
{
	struct host_snapshot snap;
	char err[ERRLEN];

	host_add("disk.img", 8192, true);
	backing_add("root_fs");
	snapshot_take(&snap);
	ck_assert_int_eq(ubd_try("ubd0", "disk.img,root_fs", err), -EINVAL);
	ck_assert_str_eq(err, "'disk.img' is not a COW file (its backing "
			      "file 'root_fs' was given)");
	snapshot_check_and_free(&snap);
	ck_assert_uint_eq(open_fds(), 0);
}
END_TEST

/* ---- COW creation ---- */

START_TEST(missing_cow_file_is_created_in_uml_v3_layout)
{
	struct host_file *cow;
	struct block_device *bd;
	const char *path = CWD "root_fs";
	uint8_t *h;

	backing_add("root_fs");
	bd = ubd_up("ubd0", "cow.img,root_fs");
	cow = host_find("cow.img");
	ck_assert_ptr_nonnull(cow);
	h = cow->data;
	ck_assert_uint_eq(h[0], 0x4f);
	ck_assert_uint_eq(h[1], 0x4f);
	ck_assert_uint_eq(h[2], 0x4f);
	ck_assert_uint_eq(h[3], 0x4d);
	ck_assert_uint_eq(be32_at(h + 4), 3);
	ck_assert_uint_eq(be32_at(h + 8), BACKING_MTIME);
	ck_assert_uint_eq(be64_at(h + 12), BACKING_SIZE);
	ck_assert_uint_eq(be32_at(h + 20), 512);
	ck_assert_uint_eq(be32_at(h + 24), 4096);
	ck_assert_uint_eq(be32_at(h + 28), 0);
	ck_assert_str_eq((const char *)h + 32, path);
	ck_assert(all_bytes(h + 32 + strlen(path), 0,
			    COW_HEADER_V3_LEN - 32 - strlen(path)));
	ck_assert_uint_eq(cow->size, DATA_OFF + BACKING_SIZE);
	ck_assert(all_bytes(h + COW_HEADER_V3_LEN, 0,
			    cow->size - COW_HEADER_V3_LEN));
	ck_assert(fake_klog_has(
		"Creating \"cow.img\" as COW file for \"root_fs\""));
	ck_assert_uint_eq(bd->size, BACKING_SIZE);
	ck_assert_uint_eq(ut.files[0].writes, 0);
	assert_host_sane();
}
END_TEST

START_TEST(cow_of_a_64mib_backing_file_has_umls_sizes)
{
	struct host_file *back = host_add("big_fs", 64ULL << 20, false);
	struct host_file *cow;
	struct cow_info ci;

	back->mtime = BACKING_MTIME;
	ck_assert_ptr_nonnull(ubd_up("ubd0", "cow.img,big_fs"));
	cow = host_find("cow.img");
	ck_assert_uint_eq(cow->size, 67133440);
	ck_assert_int_eq(cow_decode(cow->data, COW_HEADER_MAX, &ci), 0);
	ck_assert_uint_eq(ci.bitmap_offset, 8192);
	ck_assert_uint_eq(ci.bitmap_len, 16384);
	ck_assert_uint_eq(ci.data_offset, 24576);
}
END_TEST

START_TEST(missing_cow_is_not_created_for_a_read_only_device)
{
	char err[ERRLEN];

	backing_add("root_fs");
	ck_assert_int_eq(ubd_try("ubd0r", "cow.img,root_fs", err), -ENOENT);
	ck_assert_ptr_null(host_find("cow.img"));
	ck_assert_ptr_nonnull(strstr(err, "Failed to open 'cow.img'"));
}
END_TEST

START_TEST(missing_cow_with_missing_backing_creates_nothing)
{
	char err[ERRLEN];

	ck_assert_int_eq(ubd_try("ubd0", "cow.img,root_fs", err), -ENOENT);
	ck_assert_str_eq(err, "Couldn't open backing file 'root_fs': error 2");
	ck_assert_ptr_null(host_find("cow.img"));
	ck_assert_uint_eq(open_fds(), 0);
}
END_TEST

START_TEST(cow_file_alone_names_its_backing_file)
{
	char buf[128];

	backing_add("root_fs");
	cow_add("cow.img", CWD "root_fs", BACKING_MTIME, BACKING_SIZE);
	ck_assert_ptr_nonnull(ubd_up("ubd0", "cow.img"));
	ubd_get_config(0, buf, sizeof(buf));
	ck_assert_str_eq(buf, "cow.img," CWD "root_fs");
	ck_assert_uint_eq(open_fds(), 2);
}
END_TEST

/* ---- COW reads and writes ---- */

START_TEST(cow_reads_come_from_the_backing_file_until_written)
{
	struct host_file *back = backing_add("root_fs");
	struct block_device *bd = ubd_up("ubd0", "cow.img,root_fs");
	uint8_t buf[BACKING_SIZE];

	ck_assert_int_eq(bd_rw(bd, false, 0, buf, sizeof(buf)), 0);
	ck_assert_mem_eq(buf, back->data, sizeof(buf));
}
END_TEST

START_TEST(cow_write_lands_in_the_data_area_and_sets_bits_lsb_first)
{
	struct host_file *back = backing_add("root_fs"), *cow;
	struct block_device *bd = ubd_up("ubd0", "cow.img,root_fs");
	uint8_t data[4 * SECTOR_SIZE], buf[8 * SECTOR_SIZE];
	unsigned int back_reads, cow_reads;

	cow = host_find("cow.img");
	memset(data, 0xee, sizeof(data));
	ck_assert_int_eq(bd_rw(bd, true, 2 * SECTOR_SIZE, data, sizeof(data)),
			 0);
	ck_assert(all_bytes(cow->data + DATA_OFF + 2 * SECTOR_SIZE, 0xee,
			    sizeof(data)));
	ck_assert_uint_eq(cow->data[BITMAP_OFF], 0x3c);
	ck_assert(all_bytes(cow->data + BITMAP_OFF + 1, 0, 15));
	ck_assert_uint_eq(cow->writes, 2);
	ck_assert_uint_eq(cow->last_write_off, BITMAP_OFF);
	ck_assert_uint_eq(cow->last_write_len, 1);
	for (size_t i = 0; i < BACKING_SIZE; i++)
		ck_assert_uint_eq(back->data[i], pattern(i));

	back_reads = back->reads;
	cow_reads = cow->reads;
	ck_assert_int_eq(bd_rw(bd, false, 0, buf, sizeof(buf)), 0);
	ck_assert_mem_eq(buf, back->data, 2 * SECTOR_SIZE);
	ck_assert(all_bytes(buf + 2 * SECTOR_SIZE, 0xee, sizeof(data)));
	ck_assert_mem_eq(buf + 6 * SECTOR_SIZE, back->data + 6 * SECTOR_SIZE,
			 2 * SECTOR_SIZE);
	ck_assert_uint_eq(back->reads - back_reads, 2);
	ck_assert_uint_eq(cow->reads - cow_reads, 1);
	assert_host_sane();
}
END_TEST

START_TEST(cow_rewrite_of_marked_sectors_writes_no_bitmap)
{
	struct block_device *bd;
	struct host_file *cow;
	uint8_t data[2 * SECTOR_SIZE];

	backing_add("root_fs");
	bd = ubd_up("ubd0", "cow.img,root_fs");
	cow = host_find("cow.img");
	memset(data, 1, sizeof(data));
	ck_assert_int_eq(bd_rw(bd, true, 8 * SECTOR_SIZE, data, sizeof(data)),
			 0);
	ck_assert_uint_eq(cow->writes, 2);
	ck_assert_uint_eq(cow->last_write_off, BITMAP_OFF + 1);
	ck_assert_uint_eq(cow->data[BITMAP_OFF + 1], 0x03);
	memset(data, 2, sizeof(data));
	ck_assert_int_eq(bd_rw(bd, true, 8 * SECTOR_SIZE, data, sizeof(data)),
			 0);
	ck_assert_uint_eq(cow->writes, 3);
	ck_assert(all_bytes(cow->data + DATA_OFF + 8 * SECTOR_SIZE, 2,
			    sizeof(data)));
}
END_TEST

START_TEST(cow_bitmap_survives_reopening)
{
	struct host_file *back = backing_add("root_fs");
	struct block_device *bd = ubd_up("ubd0", "cow.img,root_fs");
	uint8_t data[SECTOR_SIZE], buf[3 * SECTOR_SIZE];
	char err[ERRLEN];

	memset(data, 0x99, sizeof(data));
	ck_assert_int_eq(bd_rw(bd, true, 100 * SECTOR_SIZE, data, sizeof(data)),
			 0);
	ck_assert_int_eq(ubd_remove(0, err, sizeof(err)), 0);
	ck_assert_uint_eq(open_fds(), 0);
	bd = ubd_up("ubd0", "cow.img");
	ck_assert_int_eq(bd_rw(bd, false, 99 * SECTOR_SIZE, buf, sizeof(buf)),
			 0);
	ck_assert_mem_eq(buf, back->data + 99 * SECTOR_SIZE, SECTOR_SIZE);
	ck_assert(all_bytes(buf + SECTOR_SIZE, 0x99, SECTOR_SIZE));
	ck_assert_mem_eq(buf + 2 * SECTOR_SIZE, back->data + 101 * SECTOR_SIZE,
			 SECTOR_SIZE);
}
END_TEST

START_TEST(cow_page_written_back_through_the_cache_marks_its_sectors)
{
	struct host_file *back = backing_add("root_fs"), *cow;
	struct block_device *bd = ubd_up("ubd0", "cow.img,root_fs");
	struct buf b;

	cow = host_find("cow.img");
	ck_assert_int_eq(bread(bd, 1, 1024, &b), 0);
	ck_assert_mem_eq(b.data, back->data + 1024, 1024);
	memset(b.data, 0x42, 1024);
	bdirty(&b);
	brelse(&b);
	ck_assert_int_eq(blkdev_sync(bd), 0);
	ck_assert_uint_eq(cow->data[BITMAP_OFF], 0xff);
	ck_assert(all_bytes(cow->data + DATA_OFF + 1024, 0x42, 1024));
	ck_assert_mem_eq(cow->data + DATA_OFF, back->data, 1024);
	ck_assert_uint_eq(cow->syncs, 1);
	ck_assert_uint_eq(back->writes, 0);
	assert_host_sane();
}
END_TEST

/* A small deterministic generator for the model test. */
static uint32_t rand_next(uint32_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 17;
	*state ^= *state << 5;
	return *state;
}

#define MODEL_SECTORS (BACKING_SIZE / SECTOR_SIZE)

/* Cut len bytes at buf into up to 4 sector-multiple segments. */
static unsigned int split_segs(uint8_t *buf, size_t len, uint32_t *rng,
			       struct blk_seg *segs)
{
	unsigned int n = 0;

	while (len) {
		size_t sectors = len / SECTOR_SIZE, take;

		take = n == 3 ? sectors : 1 + rand_next(rng) % sectors;
		segs[n].data = buf;
		segs[n].len = take * SECTOR_SIZE;
		buf += segs[n].len;
		len -= segs[n].len;
		n++;
	}
	return n;
}

static void assert_reads_like(struct block_device *bd, const uint8_t *model,
			      uint32_t *rng)
{
	static uint8_t buf[BACKING_SIZE];
	struct blk_seg segs[4];
	unsigned int n = split_segs(buf, sizeof(buf), rng, segs);

	memset(buf, 0xcc, sizeof(buf));
	ck_assert_int_eq(bd->ops->read(bd, 0, segs, n), 0);
	ck_assert_mem_eq(buf, model, sizeof(buf));
}

START_TEST(random_cow_writes_read_back_like_a_plain_disk)
{
	static uint8_t model[BACKING_SIZE], data[32 * SECTOR_SIZE];
	bool written[MODEL_SECTORS] = { false };
	struct host_file *back = backing_add("root_fs"), *cow;
	struct block_device *bd = ubd_up("ubd0", "cow.img,root_fs");
	uint32_t rng = 0x2545f491;
	char err[ERRLEN];

	cow = host_find("cow.img");
	memcpy(model, back->data, sizeof(model));
	for (int round = 0; round < 300; round++) {
		uint64_t s = rand_next(&rng) % MODEL_SECTORS;
		uint64_t n = 1 + rand_next(&rng) % MIN(32, MODEL_SECTORS - s);
		size_t len = n * SECTOR_SIZE;
		struct blk_seg segs[4];
		unsigned int nsegs = split_segs(data, len, &rng, segs);

		for (size_t i = 0; i < len; i++)
			data[i] = (uint8_t)rand_next(&rng);
		ck_assert_int_eq(
			bd->ops->write(bd, s * SECTOR_SIZE, segs, nsegs), 0);
		memcpy(model + s * SECTOR_SIZE, data, len);
		for (uint64_t k = s; k < s + n; k++)
			written[k] = true;
		if (round % 25 == 0)
			assert_reads_like(bd, model, &rng);
	}
	assert_reads_like(bd, model, &rng);
	for (uint64_t k = 0; k < MODEL_SECTORS; k++)
		ck_assert_int_eq(cow->data[BITMAP_OFF + k / 8] >> (k % 8) & 1,
				 written[k]);
	ck_assert_int_eq(ubd_remove(0, err, sizeof(err)), 0);
	bd = ubd_up("ubd0", "cow.img");
	assert_reads_like(bd, model, &rng);
	for (size_t i = 0; i < BACKING_SIZE; i++)
		ck_assert_uint_eq(back->data[i], pattern(i));
	assert_host_sane();
}
END_TEST

static void put_be32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (24 - 8 * i));
}

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/*
 * A legacy COW file (version 1 little-endian or 2 big-endian) of the
 * BACKING_SIZE root_fs; its bitmap and data offsets in *bitmap, *data.
 */
static struct host_file *legacy_cow_add(int version, uint64_t *bitmap,
					uint64_t *data)
{
	size_t path_len = version == 1 ? 256 : 4096, hdr = 8 + path_len + 16;
	uint64_t bitmap_len = (BACKING_SIZE + 511) / (8 * 512);
	struct host_file *f;
	uint8_t *p;

	*bitmap = hdr;
	*data = (hdr + bitmap_len + 511) / 512 * 512;
	f = host_add("cow.img", *data + BACKING_SIZE, false);
	p = f->data;
	if (version == 1) {
		put_le32(p, COW_MAGIC);
		put_le32(p + 4, 1);
	} else {
		put_be32(p, COW_MAGIC);
		put_be32(p + 4, 2);
	}
	strcpy((char *)p + 8, CWD "root_fs");
	p += 8 + path_len;
	if (version == 1) {
		put_le32(p, BACKING_MTIME);
		put_le32(p + 4, BACKING_SIZE);
		put_le32(p + 8, 0);
		put_le32(p + 12, 512);
	} else {
		put_be32(p, BACKING_MTIME);
		put_be32(p + 4, 0);
		put_be32(p + 8, BACKING_SIZE);
		put_be32(p + 12, 512);
	}
	return f;
}

static void check_legacy_cow(int version)
{
	struct host_file *back = backing_add("root_fs"), *cow;
	uint8_t data[4 * SECTOR_SIZE], buf[8 * SECTOR_SIZE];
	uint64_t bitmap, data_off;
	struct block_device *bd;

	cow = legacy_cow_add(version, &bitmap, &data_off);
	bd = ubd_up("ubd0", "cow.img");
	ck_assert_uint_eq(bd->size, BACKING_SIZE);
	memset(data, 0xee, sizeof(data));
	ck_assert_int_eq(bd_rw(bd, true, 2 * SECTOR_SIZE, data, sizeof(data)),
			 0);
	ck_assert_uint_eq(cow->data[bitmap], 0x3c);
	ck_assert(all_bytes(cow->data + data_off + 2 * SECTOR_SIZE, 0xee,
			    sizeof(data)));
	ck_assert_int_eq(bd_rw(bd, false, 0, buf, sizeof(buf)), 0);
	ck_assert_mem_eq(buf, back->data, 2 * SECTOR_SIZE);
	ck_assert(all_bytes(buf + 2 * SECTOR_SIZE, 0xee, sizeof(data)));
}

START_TEST(v1_cow_file_is_used_at_its_legacy_offsets)
{
	check_legacy_cow(1);
}
END_TEST

START_TEST(v2_cow_file_is_used_at_its_legacy_offsets)
{
	check_legacy_cow(2);
}
END_TEST

START_TEST(empty_image_is_a_disk_without_blocks)
{
	struct block_device *bd;
	struct buf b;

	host_add("empty.img", 0, false);
	bd = ubd_up("ubd0", "empty.img");
	ck_assert_uint_eq(bd->size, 0);
	ck_assert_int_eq(bread(bd, 0, SECTOR_SIZE, &b), -EINVAL);
	ck_assert_int_eq(blkdev_sync(bd), 0);
}
END_TEST

START_TEST(partitions_of_a_ubd_disk_come_and_go_with_it)
{
	struct host_file *f = host_add("disk.img", 1 << 20, false);
	struct block_device *p1;
	char err[ERRLEN];
	uint8_t *e = f->data + 446;

	e[4] = 0x83;
	put_le32(e + 8, 8);
	put_le32(e + 12, 100);
	f->data[510] = 0x55;
	f->data[511] = 0xaa;
	memset(f->data + 8 * SECTOR_SIZE, 0x61, SECTOR_SIZE);
	ubd_up("ubd1", "disk.img");
	p1 = blkdev_find_name("ubdb1");
	ck_assert_ptr_nonnull(p1);
	ck_assert_uint_eq(p1->dev, MKDEV(98, 17));
	{
		struct buf b;

		ck_assert_int_eq(bread(p1, 0, SECTOR_SIZE, &b), 0);
		ck_assert(all_bytes(b.data, 0x61, SECTOR_SIZE));
		brelse(&b);
	}
	ck_assert_int_eq(blkdev_get(p1, false), 0);
	ck_assert_int_eq(ubd_remove(1, err, sizeof(err)), -EBUSY);
	blkdev_put(p1, false);
	ck_assert_int_eq(ubd_remove(1, err, sizeof(err)), 0);
	ck_assert_ptr_null(blkdev_find_name("ubdb1"));
	ck_assert_ptr_null(blkdev_next(NULL));
}
END_TEST

/* ---- checks on open: each refuses and leaves every file unchanged ---- */

static void assert_open_refused(const char *key, const char *value, int want,
				const char *message)
{
	struct host_snapshot snap;
	char err[ERRLEN];

	snapshot_take(&snap);
	ck_assert_int_eq(ubd_try(key, value, err), want);
	ck_assert_str_eq(err, message);
	snapshot_check_and_free(&snap);
	ck_assert_uint_eq(open_fds(), 0);
	ck_assert_ptr_null(blkdev_find_name("ubda"));
	assert_host_sane();
}

START_TEST(backing_size_mismatch_is_refused)
{
	backing_add("root_fs");
	cow_add("cow.img", CWD "root_fs", BACKING_MTIME, BACKING_SIZE + 512);
	assert_open_refused("ubd0", "cow.img,root_fs", -EINVAL,
			    "Size mismatch (66048 vs 65536) of COW header vs "
			    "backing file '" CWD "root_fs'");
}
END_TEST

START_TEST(backing_mtime_mismatch_is_refused)
{
	backing_add("root_fs");
	cow_add("cow.img", CWD "root_fs", BACKING_MTIME - 60, BACKING_SIZE);
	assert_open_refused("ubd0", "cow.img", -EINVAL,
			    "mtime mismatch (1234567830 vs 1234567890) of COW "
			    "header vs backing file '" CWD "root_fs'");
}
END_TEST

START_TEST(missing_backing_file_is_refused)
{
	cow_add("cow.img", CWD "gone_fs", BACKING_MTIME, BACKING_SIZE);
	assert_open_refused("ubd0", "cow.img", -ENOENT,
			    "Couldn't determine size of device's file: "
			    "backing file '" CWD "gone_fs': error 2");
}
END_TEST

START_TEST(truncated_cow_header_is_refused)
{
	struct host_file *cow;

	backing_add("root_fs");
	cow = cow_add("cow.img", CWD "root_fs", BACKING_MTIME, BACKING_SIZE);
	cow->size = 100;
	assert_open_refused("ubd0", "cow.img,root_fs", -EINVAL,
			    "bad COW header in 'cow.img': failed to read V3 "
			    "header");
}
END_TEST

START_TEST(unknown_cow_version_is_refused)
{
	struct host_file *cow;

	backing_add("root_fs");
	cow = cow_add("cow.img", CWD "root_fs", BACKING_MTIME, BACKING_SIZE);
	cow->data[7] = 7;
	assert_open_refused("ubd0", "cow.img", -EINVAL,
			    "bad COW header in 'cow.img': invalid COW version "
			    "7");
}
END_TEST

START_TEST(locked_image_is_refused_naming_the_holder)
{
	struct host_file *f = host_add("disk.img", 8192, true);

	f->lock_pid = 4242;
	assert_open_refused("ubd0", "disk.img", -EAGAIN,
			    "F_SETLK failed, file already locked by pid 4242: "
			    "'disk.img'");
}
END_TEST

START_TEST(backing_file_shared_with_another_reader_opens)
{
	struct host_file *back = backing_add("root_fs");

	back->lock_pid = 777;
	ck_assert_ptr_nonnull(ubd_up("ubd0", "cow.img,root_fs"));
	ck_assert_uint_eq(ut.locks, 2);
}
END_TEST

START_TEST(backing_file_locked_for_writing_is_refused)
{
	struct host_file *back = backing_add("root_fs");

	cow_add("cow.img", CWD "root_fs", BACKING_MTIME, BACKING_SIZE);
	back->lock_pid = 777;
	back->lock_write = true;
	assert_open_refused("ubd0", "cow.img", -EAGAIN,
			    "F_SETLK failed, file already locked by pid 777: "
			    "'" CWD "root_fs'");
}
END_TEST

START_TEST(bitmap_read_error_is_refused)
{
	struct host_file *cow;

	backing_add("root_fs");
	cow = cow_add("cow.img", CWD "root_fs", BACKING_MTIME, BACKING_SIZE);
	cow->read_fault = (struct host_fault){ .err = -EIO,
					       .lo = BITMAP_OFF,
					       .hi = DATA_OFF };
	assert_open_refused("ubd0", "cow.img", -EIO,
			    "reading the COW bitmap failed: error 5");
}
END_TEST

START_TEST(unwritable_image_falls_back_to_read_only)
{
	struct host_file *f = host_add("disk.img", 8192, true);
	struct block_device *bd;

	f->read_only = true;
	bd = ubd_up("ubd0", "disk.img");
	ck_assert(bd->readonly);
	ck_assert_int_eq(f->open_flags & O_ACCMODE, O_RDONLY);
	ck_assert(ut.fds[0].locked && !ut.fds[0].lock_write);
	ck_assert(fake_klog_has("ubda: 'disk.img' is not writable, using it "
				"read-only"));
	ck_assert_int_eq(blkdev_get(bd, true), -EROFS);
}
END_TEST

/* ---- switching the backing file ---- */

START_TEST(backing_file_moved_elsewhere_is_switched_in_the_header)
{
	struct host_file *cow;
	uint8_t before[COW_HEADER_V3_LEN];
	const char *path = CWD "new_fs";
	char buf[128];

	backing_add("new_fs");
	cow = cow_add("cow.img", "/old/place/root_fs", BACKING_MTIME,
		      BACKING_SIZE);
	cow->data[BITMAP_OFF] = 0x01;
	memcpy(before, cow->data, sizeof(before));
	ck_assert_ptr_nonnull(ubd_up("ubd0", "cow.img,new_fs"));
	ck_assert(fake_klog_has("Switching backing file to '" CWD "new_fs'"));
	ck_assert_mem_eq(cow->data, before, 32);
	ck_assert_str_eq((const char *)cow->data + 32, path);
	ck_assert(all_bytes(cow->data + 32 + strlen(path), 0,
			    COW_HEADER_V3_LEN - 32 - strlen(path)));
	ck_assert_uint_eq(cow->data[BITMAP_OFF], 0x01);
	ck_assert_uint_eq(cow->size, DATA_OFF + BACKING_SIZE);
	ubd_get_config(0, buf, sizeof(buf));
	ck_assert_str_eq(buf, "cow.img," CWD "new_fs");
}
END_TEST

START_TEST(backing_file_with_another_mtime_is_not_switched)
{
	struct host_file *other = backing_add("other_fs");

	other->mtime = BACKING_MTIME + 1;
	cow_add("cow.img", "/old/place/root_fs", BACKING_MTIME, BACKING_SIZE);
	assert_open_refused("ubd0", "cow.img,other_fs", -ENOENT,
			    "Couldn't determine size of device's file: "
			    "backing file '/old/place/root_fs': error 2");
	ck_assert(!fake_klog_has("Switching"));
}
END_TEST

START_TEST(same_backing_file_under_another_name_is_not_switched)
{
	struct host_file *back = backing_add("root_fs"), *link;
	struct host_file *cow;
	uint8_t before[COW_HEADER_V3_LEN];

	link = backing_add("link_fs");
	link->ino = back->ino;
	cow = cow_add("cow.img", CWD "root_fs", BACKING_MTIME, BACKING_SIZE);
	memcpy(before, cow->data, sizeof(before));
	ck_assert_ptr_nonnull(ubd_up("ubd0", "cow.img,link_fs"));
	ck_assert(!fake_klog_has("Switching"));
	ck_assert_mem_eq(cow->data, before, sizeof(before));
}
END_TEST

START_TEST(read_only_device_switches_backing_without_rewriting_the_header)
{
	struct host_file *cow;
	struct host_snapshot snap;
	char buf[128];

	backing_add("new_fs");
	cow = cow_add("cow.img", "/old/place/root_fs", BACKING_MTIME,
		      BACKING_SIZE);
	snapshot_take(&snap);
	ck_assert_ptr_nonnull(ubd_up("ubd0r", "cow.img,new_fs"));
	snapshot_check_and_free(&snap);
	ck_assert_uint_eq(cow->writes, 0);
	ubd_get_config(0, buf, sizeof(buf));
	ck_assert_str_eq(buf, "cow.img," CWD "new_fs");
	assert_host_sane();
}
END_TEST

/* ---- host errors ---- */

START_TEST(host_read_error_is_eio_from_the_device)
{
	struct host_file *f = host_add("disk.img", 64 * 1024, true);
	struct block_device *bd = ubd_up("ubd0", "disk.img");
	uint8_t buf[SECTOR_SIZE];
	struct buf b;

	f->read_fault.err = -EIO;
	ck_assert_int_eq(bd_rw(bd, false, 0, buf, sizeof(buf)), -EIO);
	ck_assert(fake_klog_has("ubda: host read at offset 0 failed: error 5"));
	ck_assert_int_eq(bread(bd, 0, SECTOR_SIZE, &b), -EIO);
	f->read_fault.err = 0;
	ck_assert_int_eq(bread(bd, 0, SECTOR_SIZE, &b), 0);
	brelse(&b);
}
END_TEST

START_TEST(failed_short_read_is_eio_from_the_device)
{
	struct host_file *back = backing_add("root_fs");
	struct block_device *bd = ubd_up("ubd0", "cow.img,root_fs");
	uint8_t buf[4 * SECTOR_SIZE];

	back->read_fault =
		(struct host_fault){ .err = -EIO, .short_xfer = true };
	ck_assert_int_eq(bd_rw(bd, false, 0, buf, sizeof(buf)), -EIO);
}
END_TEST

START_TEST(host_write_errors_are_eio_from_the_device)
{
	struct host_file *f = host_add("disk.img", 64 * 1024, true);
	struct block_device *bd = ubd_up("ubd0", "disk.img");
	uint8_t buf[SECTOR_SIZE] = { 0 };

	f->write_fault.err = -ENOSPC;
	ck_assert_int_eq(bd_rw(bd, true, SECTOR_SIZE, buf, sizeof(buf)), -EIO);
	ck_assert(fake_klog_has(
		"ubda: host write at offset 512 failed: error 28"));
	f->write_fault = (struct host_fault){ .err = -EIO, .short_xfer = true };
	ck_assert_int_eq(bd_rw(bd, true, SECTOR_SIZE, buf, sizeof(buf)), -EIO);
	f->sync_err = -EIO;
	ck_assert_int_eq(bd->ops->flush(bd), -EIO);
}
END_TEST

START_TEST(write_back_to_a_full_host_disk_is_reported_and_kept_dirty)
{
	struct host_file *f = host_add("disk.img", 64 * 1024, true);
	struct block_device *bd = ubd_up("ubd0", "disk.img");
	struct buf b;

	ck_assert_int_eq(bread(bd, 2, PAGE_SIZE, &b), 0);
	memset(b.data, 0x61, PAGE_SIZE);
	bdirty(&b);
	brelse(&b);
	f->write_fault.err = -ENOSPC;
	ck_assert_int_eq(blkdev_sync(bd), -EIO);
	f->write_fault.err = 0;
	ck_assert_int_eq(blkdev_sync(bd), 0);
	ck_assert(all_bytes(f->data + 2 * PAGE_SIZE, 0x61, PAGE_SIZE));
}
END_TEST

START_TEST(failed_cow_data_write_marks_nothing)
{
	struct host_file *cow;
	struct block_device *bd;
	uint8_t data[SECTOR_SIZE], buf[SECTOR_SIZE];

	backing_add("root_fs");
	bd = ubd_up("ubd0", "cow.img,root_fs");
	cow = host_find("cow.img");
	cow->write_fault = (struct host_fault){ .err = -ENOSPC,
						.lo = DATA_OFF,
						.hi = DATA_OFF + BACKING_SIZE };
	memset(data, 0x5e, sizeof(data));
	ck_assert_int_eq(bd_rw(bd, true, 0, data, sizeof(data)), -EIO);
	ck_assert_uint_eq(cow->data[BITMAP_OFF], 0);
	ck_assert_int_eq(bd_rw(bd, false, 0, buf, sizeof(buf)), 0);
	ck_assert_uint_eq(buf[0], pattern(0));
}
END_TEST

START_TEST(failed_bitmap_write_is_retried_by_the_next_write)
{
	struct host_file *cow;
	struct block_device *bd;
	uint8_t data[4 * SECTOR_SIZE];

	backing_add("root_fs");
	bd = ubd_up("ubd0", "cow.img,root_fs");
	cow = host_find("cow.img");
	cow->write_fault = (struct host_fault){ .err = -EIO,
						.lo = BITMAP_OFF,
						.hi = DATA_OFF };
	memset(data, 0xee, sizeof(data));
	ck_assert_int_eq(bd_rw(bd, true, 2 * SECTOR_SIZE, data, sizeof(data)),
			 -EIO);
	ck_assert_uint_eq(cow->data[BITMAP_OFF], 0);
	cow->write_fault.err = 0;
	ck_assert_int_eq(bd_rw(bd, true, 2 * SECTOR_SIZE, data, sizeof(data)),
			 0);
	ck_assert_uint_eq(cow->data[BITMAP_OFF], 0x3c);
}
END_TEST

/* ---- remove, config, init ---- */

START_TEST(remove_is_busy_while_the_device_is_held)
{
	struct block_device *bd;
	char err[ERRLEN], buf[64];

	host_add("disk.img", 8192, true);
	bd = ubd_up("ubd0", "disk.img");
	ck_assert_int_eq(blkdev_get(bd, false), 0);
	ck_assert_int_eq(ubd_remove(0, err, sizeof(err)), -EBUSY);
	ck_assert_str_eq(err, "Device is currently open");
	ck_assert_ptr_eq(blkdev_find_name("ubda"), bd);
	blkdev_put(bd, false);
	ck_assert_int_eq(ubd_remove(0, err, sizeof(err)), 0);
	ck_assert_ptr_null(blkdev_find_name("ubda"));
	ck_assert(!ubd_configured(0));
	ck_assert_uint_eq(open_fds(), 0);
	ck_assert_int_eq(ubd_get_config(0, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "");
}
END_TEST

START_TEST(remove_writes_back_dirty_data)
{
	struct host_file *f = host_add("disk.img", 8192, true);
	struct block_device *bd = ubd_up("ubd0", "disk.img");
	char err[ERRLEN];
	struct buf b;

	ck_assert_int_eq(bread(bd, 1, SECTOR_SIZE, &b), 0);
	memset(b.data, 0xd1, SECTOR_SIZE);
	bdirty(&b);
	brelse(&b);
	ck_assert_int_eq(ubd_remove(0, err, sizeof(err)), 0);
	ck_assert(all_bytes(f->data + SECTOR_SIZE, 0xd1, SECTOR_SIZE));
}
END_TEST

START_TEST(remove_of_an_unconfigured_device_is_enodev)
{
	const char *why;
	char err[ERRLEN];
	int n;

	ck_assert_int_eq(ubd_remove(3, err, sizeof(err)), -ENODEV);
	ck_assert_str_eq(err, "Device doesn't exist");
	ck_assert_int_eq(ubd_remove(16, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(ubd_remove(-1, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(ubd_parse("ubd3", "never_opened.img", &n, &why), 0);
	ck_assert_int_eq(ubd_remove(3, err, sizeof(err)), 0);
	ck_assert(!ubd_configured(3));
}
END_TEST

START_TEST(config_strings_name_the_files)
{
	char buf[128];

	host_add("disk.img", 8192, true);
	backing_add("root_fs");
	ubd_up("ubd0", "disk.img");
	ubd_up("ubd1", "cow.img,root_fs");
	ck_assert_int_eq(ubd_get_config(0, buf, sizeof(buf)), 8);
	ck_assert_str_eq(buf, "disk.img");
	ubd_get_config(1, buf, sizeof(buf));
	ck_assert_str_eq(buf, "cow.img," CWD "root_fs");
	ck_assert_int_eq(ubd_get_config(2, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "");
	ck_assert_int_eq(ubd_get_config(16, buf, sizeof(buf)), -EINVAL);
	ck_assert_int_eq(ubd_get_config(-1, buf, sizeof(buf)), -EINVAL);
	ck_assert_int_eq(ubd_get_config(0, buf, 4), 8);
	ck_assert_str_eq(buf, "dis");
}
END_TEST

START_TEST(mconsole_config_get_config_and_remove)
{
	char err[ERRLEN] = "", buf[ERRLEN];

	host_add("root_fs", 8192, true);
	host_add("disk.img", 16384, true);
	ck_assert_int_eq(ubd_init(true, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(mc_ubd);
	ck_assert_str_eq(mc_ubd->name, "ubd");
	ck_assert_int_eq(mc_ubd->config("1=disk.img", err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(blkdev_find(MKDEV(98, 16)));
	ck_assert_int_eq(
		mc_ubd->get_config("1", buf, sizeof(buf), err, sizeof(err)), 0);
	ck_assert_str_eq(buf, "disk.img");
	ck_assert_int_eq(
		mc_ubd->get_config("b", buf, sizeof(buf), err, sizeof(err)), 0);
	ck_assert_str_eq(buf, "disk.img");
	ck_assert_int_eq(mc_ubd->config("1=disk.img", err, sizeof(err)),
			 -EBUSY);
	ck_assert_str_eq(err, "Device is already configured");
	ck_assert_int_eq(mc_ubd->config("2=missing.img", err, sizeof(err)),
			 -ENOENT);
	ck_assert(!ubd_configured(2));
	ck_assert_int_eq(mc_ubd->get_config("99", buf, sizeof(buf), err,
					    sizeof(err)),
			 -EINVAL);
	ck_assert_int_eq(mc_ubd->remove("1", err, sizeof(err)), 0);
	ck_assert_ptr_null(blkdev_find(MKDEV(98, 16)));
	ck_assert_int_eq(
		mc_ubd->get_config("1", buf, sizeof(buf), err, sizeof(err)), 0);
	ck_assert_str_eq(buf, "");
	ck_assert_int_eq(mc_ubd->remove("1", err, sizeof(err)), -ENODEV);
	ck_assert_str_eq(err, "Device doesn't exist");
}
END_TEST

START_TEST(opening_an_unconfigured_or_open_device_fails)
{
	char err[ERRLEN];

	ck_assert_int_eq(ubd_open_dev(3, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "ubd3 is not configured");
	ck_assert_int_eq(ubd_open_dev(16, err, sizeof(err)), -EINVAL);
	host_add("disk.img", 8192, true);
	ubd_up("ubd0", "disk.img");
	ck_assert_int_eq(ubd_open_dev(0, err, sizeof(err)), -EBUSY);
	ck_assert_str_eq(err, "Device is already configured");
	ck_assert_uint_eq(open_fds(), 1);
}
END_TEST

START_TEST(init_opens_root_fs_as_ubd0_by_default)
{
	char err[ERRLEN] = "";
	struct block_device *bd;

	host_add("root_fs", 16384, true);
	ck_assert_int_eq(ubd_init(true, err, sizeof(err)), 0);
	bd = blkdev_find_name("ubda");
	ck_assert_ptr_nonnull(bd);
	ck_assert_uint_eq(bd->dev, MKDEV(98, 0));
	ck_assert_uint_eq(bd->size, 16384);
}
END_TEST

START_TEST(init_names_the_device_that_fails)
{
	char err[ERRLEN] = "";

	host_add("disk.img", 8192, true);
	ubd_setup("ubd0", "disk.img", &(const char *){ NULL });
	ubd_setup("ubdc", "missing.img", &(const char *){ NULL });
	ck_assert_int_eq(ubd_init(true, err, sizeof(err)), -ENOENT);
	ck_assert_str_eq(err, "ubd2: Failed to open 'missing.img', errno = 2");
	ck_assert_ptr_nonnull(blkdev_find_name("ubda"));
	ck_assert_ptr_null(blkdev_find_name("ubdc"));
}
END_TEST

START_TEST(init_without_default_root_opens_nothing)
{
	char err[ERRLEN] = "";

	host_add("root_fs", 16384, true);
	ck_assert_int_eq(ubd_init(false, err, sizeof(err)), 0);
	ck_assert_ptr_null(blkdev_next(NULL));
	ck_assert_uint_eq(open_fds(), 0);
}
END_TEST

static Suite *ubd_suite(void)
{
	Suite *s = suite_create("ubd");
	TCase *cmd = tcase_create("command line");
	TCase *raw = tcase_create("raw images");
	TCase *cow = tcase_create("cow");
	TCase *chk = tcase_create("checks on open");
	TCase *sw = tcase_create("backing switch");
	TCase *err = tcase_create("host errors");
	TCase *mgmt = tcase_create("remove and config");

	tcase_add_checked_fixture(cmd, setup, teardown);
	tcase_add_test(cmd, devices_are_named_by_number_or_letter);
	tcase_add_test(cmd, device_numbers_past_fifteen_are_refused);
	tcase_add_test(cmd, every_flag_letter_is_accepted);
	tcase_add_test(cmd, unknown_flag_letter_is_refused_with_uml_message);
	tcase_add_test(cmd, more_than_six_flags_are_refused);
	tcase_add_test(cmd, d_flag_with_a_second_file_is_refused);
	tcase_add_test(cmd, missing_or_empty_file_name_is_refused);
	tcase_add_test(cmd, file_with_empty_backing_and_serial_is_not_a_cow);
	tcase_add_test(cmd, colon_separates_cow_and_backing_like_a_comma);
	tcase_add_test(cmd, configuring_a_configured_device_is_busy);
	tcase_add_test(cmd, ubd_sync_makes_every_device_synchronous);
	tcase_add_test(cmd, ubd_with_anything_else_only_warns);
	tcase_add_test(cmd, udb_typo_and_fake_ide_are_taken_with_a_warning);
	tcase_add_test(cmd, r_flag_opens_read_only_with_a_read_lock);
	tcase_add_test(cmd, s_flag_opens_o_sync_and_writes_through);
	tcase_add_test(cmd, c_flag_takes_no_host_lock);
	tcase_add_test(cmd, d_flag_treats_a_cow_file_as_a_raw_image);
	suite_add_tcase(s, cmd);

	tcase_add_checked_fixture(raw, setup, teardown);
	tcase_add_test(raw, raw_image_size_is_rounded_up_to_a_sector);
	tcase_add_test(raw, raw_image_is_read_and_written_in_place);
	tcase_add_test(raw,
		       raw_image_through_the_cache_reaches_the_file_on_sync);
	tcase_add_test(raw, missing_image_fails_to_open);
	tcase_add_test(raw, raw_image_given_with_a_backing_file_is_refused);
	tcase_add_test(raw, unwritable_image_falls_back_to_read_only);
	tcase_add_test(raw, empty_image_is_a_disk_without_blocks);
	tcase_add_test(raw, partitions_of_a_ubd_disk_come_and_go_with_it);
	suite_add_tcase(s, raw);

	tcase_add_checked_fixture(cow, setup, teardown);
	tcase_add_test(cow, missing_cow_file_is_created_in_uml_v3_layout);
	tcase_add_test(cow, cow_of_a_64mib_backing_file_has_umls_sizes);
	tcase_add_test(cow, missing_cow_is_not_created_for_a_read_only_device);
	tcase_add_test(cow, missing_cow_with_missing_backing_creates_nothing);
	tcase_add_test(cow, cow_file_alone_names_its_backing_file);
	tcase_add_test(cow, cow_reads_come_from_the_backing_file_until_written);
	tcase_add_test(
		cow, cow_write_lands_in_the_data_area_and_sets_bits_lsb_first);
	tcase_add_test(cow, cow_rewrite_of_marked_sectors_writes_no_bitmap);
	tcase_add_test(cow, cow_bitmap_survives_reopening);
	tcase_add_test(
		cow, cow_page_written_back_through_the_cache_marks_its_sectors);
	tcase_add_test(cow, random_cow_writes_read_back_like_a_plain_disk);
	tcase_add_test(cow, v1_cow_file_is_used_at_its_legacy_offsets);
	tcase_add_test(cow, v2_cow_file_is_used_at_its_legacy_offsets);
	suite_add_tcase(s, cow);

	tcase_add_checked_fixture(chk, setup, teardown);
	tcase_add_test(chk, backing_size_mismatch_is_refused);
	tcase_add_test(chk, backing_mtime_mismatch_is_refused);
	tcase_add_test(chk, missing_backing_file_is_refused);
	tcase_add_test(chk, truncated_cow_header_is_refused);
	tcase_add_test(chk, unknown_cow_version_is_refused);
	tcase_add_test(chk, locked_image_is_refused_naming_the_holder);
	tcase_add_test(chk, backing_file_shared_with_another_reader_opens);
	tcase_add_test(chk, backing_file_locked_for_writing_is_refused);
	tcase_add_test(chk, bitmap_read_error_is_refused);
	suite_add_tcase(s, chk);

	tcase_add_checked_fixture(sw, setup, teardown);
	tcase_add_test(sw,
		       backing_file_moved_elsewhere_is_switched_in_the_header);
	tcase_add_test(sw, backing_file_with_another_mtime_is_not_switched);
	tcase_add_test(sw,
		       same_backing_file_under_another_name_is_not_switched);
	tcase_add_test(
		sw,
		read_only_device_switches_backing_without_rewriting_the_header);
	suite_add_tcase(s, sw);

	tcase_add_checked_fixture(err, setup, teardown);
	tcase_add_test(err, host_read_error_is_eio_from_the_device);
	tcase_add_test(err, failed_short_read_is_eio_from_the_device);
	tcase_add_test(err, host_write_errors_are_eio_from_the_device);
	tcase_add_test(
		err, write_back_to_a_full_host_disk_is_reported_and_kept_dirty);
	tcase_add_test(err, failed_cow_data_write_marks_nothing);
	tcase_add_test(err, failed_bitmap_write_is_retried_by_the_next_write);
	suite_add_tcase(s, err);

	tcase_add_checked_fixture(mgmt, setup, teardown);
	tcase_add_test(mgmt, remove_is_busy_while_the_device_is_held);
	tcase_add_test(mgmt, remove_writes_back_dirty_data);
	tcase_add_test(mgmt, remove_of_an_unconfigured_device_is_enodev);
	tcase_add_test(mgmt, config_strings_name_the_files);
	tcase_add_test(mgmt, opening_an_unconfigured_or_open_device_fails);
	tcase_add_test(mgmt, mconsole_config_get_config_and_remove);
	tcase_add_test(mgmt, init_opens_root_fs_as_ubd0_by_default);
	tcase_add_test(mgmt, init_names_the_device_that_fails);
	tcase_add_test(mgmt, init_without_default_root_opens_nothing);
	suite_add_tcase(s, mgmt);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(ubd_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
