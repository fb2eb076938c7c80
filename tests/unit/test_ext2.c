/*
 * Unit tests for ext2 (fs/ext2/): the format codecs and allocators, and
 * whole-file-system behaviour on images made by the host's mke2fs, driven
 * through the fs_type and ops tables exactly as the VFS drives them and
 * checked afterwards with the host's e2fsck -fn and debugfs.
 *
 * The block layer is a fake over an image file read into memory: bread
 * hands out a private copy of the block that only reaches the image when
 * the holder marked it dirty (so a forgotten bdirty loses data as it would
 * in a real write-back cache), bget hands out garbage, pins are counted,
 * and switches inject -EIO on reads or on sync and shrink the device.
 * The VFS is a small fake of the inode, dentry and super block helpers.
 */
#include "blkdev.h"
#include "err.h"
#include "ext2.h"
#include "klib.h"
#include "mm.h"
#include "printk.h"
#include "sched.h"
#include "timer.h"
#include "vfs.h"
#include "../../fs/ext2/ext2_internal.h"

/* The uapi <linux/time.h> under sched.h already defined struct timeval. */
#define __timeval_defined 1
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef S_IFREG
#define S_IFMT 0170000
#define S_IFREG 0100000
#define S_IFDIR 0040000
#define S_IFLNK 0120000
#define S_IFCHR 0020000
#define S_IFBLK 0060000
#define S_IFIFO 0010000
#define S_IFSOCK 0140000
#endif
#ifndef S_ISDIR
#define S_ISDIR(m) (((m)&S_IFMT) == S_IFDIR)
#define S_ISCHR(m) (((m)&S_IFMT) == S_IFCHR)
#define S_ISBLK(m) (((m)&S_IFMT) == S_IFBLK)
#define S_ISFIFO(m) (((m)&S_IFMT) == S_IFIFO)
#define S_ISSOCK(m) (((m)&S_IFMT) == S_IFSOCK)
#define S_ISREG(m) (((m)&S_IFMT) == S_IFREG)
#define S_ISLNK(m) (((m)&S_IFMT) == S_IFLNK)
#endif
#ifndef MS_RDONLY
#define MS_RDONLY 1
#endif
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE 2
#endif

/* ---- fakes: log, time, scheduler, user copies ---- */

struct sched_state sched;
static char t_log[16384];
static size_t t_log_len;

int printk(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (getenv("EXT2_TEST_VERBOSE"))
		fputs(line, stderr);
	if (t_log_len + strlen(line) < sizeof(t_log)) {
		memcpy(t_log + t_log_len, line, strlen(line) + 1);
		t_log_len += strlen(line);
	}
	return n;
}

void panic(const char *fmt, ...)
{
	abort();
}

/* A clock that starts in 2023 and ticks a millisecond per reading. */
uint64_t time_real_ns(void)
{
	static uint64_t now = 1700000000ull * NSEC_PER_SEC;

	now += NSEC_PER_MSEC;
	return now;
}

int copy_to_user(uaddr_t dst, const void *src, size_t len)
{
	return -EFAULT;
}

int copy_from_user(void *dst, uaddr_t src, size_t len)
{
	return -EFAULT;
}

/* ---- fake physical pages (for get_page) ---- */

#define T_PAGES 64
static void *t_page[T_PAGES];
static unsigned int t_page_refs[T_PAGES];

pfn_t page_alloc_zeroed(void)
{
	for (pfn_t i = 0; i < T_PAGES; i++) {
		if (!t_page[i]) {
			t_page[i] = calloc(1, PAGE_SIZE);
			t_page_refs[i] = 1;
			return i;
		}
	}
	return PFN_NONE;
}

void *page_ptr(pfn_t pfn)
{
	return t_page[pfn];
}

void page_put(pfn_t pfn)
{
	if (--t_page_refs[pfn] == 0) {
		free(t_page[pfn]);
		t_page[pfn] = NULL;
	}
}

/* ---- fake block layer over an image in memory ---- */

struct bcache_page {
	bool dirty;
};

static struct {
	struct block_device bd;
	uint8_t *img;
	size_t img_size;
	char path[512];
	int pins;
	bool fail_read; /* every bread/bget fails with -EIO */
	long fail_read_after; /* >0: reads fail after this many more */
	bool fail_sync;
	uint64_t short_size; /* nonzero: the device claims this size */
	int opens;
	long reads; /* breads so far */
} fb;

static int fb_load(const char *path)
{
	FILE *f = fopen(path, "rb");
	long size;

	if (!f)
		return -ENOENT;
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fseek(f, 0, SEEK_SET);
	free(fb.img);
	fb.img = malloc((size_t)size);
	fb.img_size = (size_t)size;
	if (fread(fb.img, 1, (size_t)size, f) != (size_t)size) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	snprintf(fb.path, sizeof(fb.path), "%s", path);
	return 0;
}

static int fb_save(void)
{
	FILE *f = fopen(fb.path, "r+b");
	size_t n;

	if (!f)
		return -EIO;
	n = fwrite(fb.img, 1, fb.img_size, f);
	fclose(f);
	return n == fb.img_size ? 0 : -EIO;
}

int blkdev_open_source(const char *source, bool write,
		       struct block_device **out)
{
	int err = fb_load(source);

	if (err)
		return -ENXIO;
	memset(&fb.bd, 0, sizeof(fb.bd));
	fb.bd.dev = MKDEV(98, 0);
	snprintf(fb.bd.name, sizeof(fb.bd.name), "ubda");
	fb.bd.size = fb.short_size ? fb.short_size : fb.img_size;
	fb.opens++;
	*out = &fb.bd;
	return 0;
}

int blkdev_get(struct block_device *bd, bool write)
{
	fb.opens++;
	return 0;
}

void blkdev_put(struct block_device *bd, bool write)
{
	fb.opens--;
}

int blkdev_sync(struct block_device *bd)
{
	if (fb.fail_sync)
		return -EIO;
	return fb_save();
}

static int fb_pin(uint64_t blocknr, unsigned int size, struct buf *b, bool read)
{
	struct bcache_page *p;

	if (fb.fail_read)
		return -EIO;
	if (fb.fail_read_after > 0 && --fb.fail_read_after == 0) {
		fb.fail_read = true;
		return -EIO;
	}
	if ((blocknr + 1) * size > fb.bd.size)
		return -EINVAL;
	if (read)
		fb.reads++;
	p = calloc(1, sizeof(*p));
	b->bd = &fb.bd;
	b->blocknr = blocknr;
	b->size = size;
	b->data = malloc(size);
	b->page = p;
	if (read)
		memcpy(b->data, fb.img + blocknr * size, size);
	else
		memset(b->data, 0xa5, size);
	fb.pins++;
	return 0;
}

int bread(struct block_device *bd, uint64_t blocknr, unsigned int size,
	  struct buf *b)
{
	return fb_pin(blocknr, size, b, true);
}

int bget(struct block_device *bd, uint64_t blocknr, unsigned int size,
	 struct buf *b)
{
	return fb_pin(blocknr, size, b, false);
}

void bdirty(struct buf *b)
{
	b->page->dirty = true;
}

void brelse(struct buf *b)
{
	if (b->page->dirty)
		memcpy(fb.img + b->blocknr * b->size, b->data, b->size);
	free(b->page);
	free(b->data);
	b->data = NULL;
	fb.pins--;
}

pfn_t buf_page_get(struct buf *b, bool shared_write)
{
	pfn_t pfn = page_alloc_zeroed();

	memcpy(page_ptr(pfn), b->data, b->size);
	return pfn;
}

void bforget(struct block_device *bd, uint64_t blocknr, uint64_t count,
	     unsigned int size)
{
}

/* ---- fake VFS ---- */

static const struct fs_type *t_types[4];
static int t_ntypes;

int fs_type_register(const struct fs_type *type)
{
	t_types[t_ntypes++] = type;
	return 0;
}

struct super_block *sb_alloc(const struct fs_type *type,
			     const struct super_ops *ops, uint64_t magic)
{
	struct super_block *sb = kzalloc(sizeof(*sb));

	sb->type = type;
	sb->ops = ops;
	sb->magic = magic;
	list_init(&sb->inodes);
	return sb;
}

struct inode *inode_alloc(struct super_block *sb)
{
	struct inode *inode = kzalloc(sizeof(*inode));

	inode->refs = 1;
	inode->sb = sb;
	inode->ino = ++sb->next_ino;
	inode->nlink = 1;
	inode_touch(inode, true, true, true);
	list_add_tail(&inode->sb_link, &sb->inodes);
	return inode;
}

struct inode *inode_get(struct inode *inode)
{
	if (inode)
		inode->refs++;
	return inode;
}

void inode_free(struct inode *inode)
{
	list_del(&inode->sb_link);
	kfree(inode);
}

void inode_put(struct inode *inode)
{
	if (!inode || --inode->refs > 0)
		return;
	inode->sb->ops->inode_release(inode);
}

void inode_touch(struct inode *inode, bool atime, bool mtime, bool ctime)
{
	uint64_t now = time_real_ns();
	struct __kernel_timespec ts = {
		.tv_sec = (int64_t)(now / NSEC_PER_SEC),
		.tv_nsec = (int64_t)(now % NSEC_PER_SEC),
	};

	if (atime)
		inode->atime = ts;
	if (mtime)
		inode->mtime = ts;
	if (ctime)
		inode->ctime = ts;
}

void inode_init_owner(struct inode *inode, struct inode *dir, uint32_t mode)
{
	inode->uid = 0;
	inode->gid = 0;
	inode->mode = mode;
}

void inode_setattr_copy(struct inode *inode, const struct iattr *attr)
{
	if (attr->valid & ATTR_MODE)
		inode->mode = (inode->mode & S_IFMT) | (attr->mode & 07777);
	if (attr->valid & ATTR_UID)
		inode->uid = attr->uid;
	if (attr->valid & ATTR_GID)
		inode->gid = attr->gid;
	if (attr->valid & ATTR_MTIME)
		inode->mtime = attr->mtime;
}

static struct dentry *t_dentry_new(struct dentry *parent, const char *name)
{
	struct dentry *d = kzalloc(sizeof(*d));

	d->refs = 1;
	d->name.name = kstrdup(name);
	d->name.len = strlen(name);
	d->parent = parent ? parent : d;
	d->sb = parent ? parent->sb : NULL;
	return d;
}

struct dentry *d_make_root(struct inode *inode)
{
	struct dentry *d = t_dentry_new(NULL, "/");

	d->inode = inode;
	d->sb = inode->sb;
	return d;
}

void d_instantiate(struct dentry *d, struct inode *inode)
{
	ck_assert_ptr_null(d->inode);
	d->inode = inode;
}

struct dentry *dget(struct dentry *d)
{
	d->refs++;
	return d;
}

void dput(struct dentry *d)
{
	if (!d || --d->refs > 0)
		return;
	inode_put(d->inode);
	kfree((char *)d->name.name);
	kfree(d);
}

int64_t vfs_default_llseek(struct file *f, int64_t off, int whence)
{
	return -EINVAL;
}

/* ---- helpers: images, mounts, operations ---- */

static char t_dir[256];
static int t_img_seq;

static void t_setup(void)
{
	snprintf(t_dir, sizeof(t_dir), "/tmp/ext2test.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(t_dir));
}

static void t_teardown(void)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", t_dir);
}

static int t_run(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

/* Make an image with mke2fs options opts; returns its path. */
static const char *t_mkfs(const char *opts, const char *size)
{
	static char path[300];

	snprintf(path, sizeof(path), "%s/img%d", t_dir, t_img_seq++);
	ck_assert_int_eq(t_run("mke2fs -q -F %s '%s' %s >/dev/null 2>&1", opts,
			       path, size),
			 0);
	return path;
}

/* e2fsck -fn: 0 when clean (prints the report otherwise). */
static int t_fsck(const char *path)
{
	int rc = t_run("e2fsck -fn '%s' >'%s.fsck' 2>&1", path, path);

	if (rc != 0)
		t_run("cat '%s.fsck' >&2", path);
	return rc;
}

static const struct fs_type *t_type(const char *name)
{
	if (t_ntypes == 0)
		ck_assert_int_eq(ext2_init(), 0);
	for (int i = 0; i < t_ntypes; i++)
		if (!strcmp(t_types[i]->name, name))
			return t_types[i];
	return NULL;
}

static struct super_block *t_mount_type(const char *type, const char *path,
					unsigned long flags)
{
	const struct fs_type *fst = t_type(type);

	t_log_len = 0;
	t_log[0] = '\0';
	return fst->mount(fst, path, flags, NULL);
}

static struct super_block *t_mount(const char *path)
{
	struct super_block *sb = t_mount_type("ext2", path, 0);

	ck_assert_msg(!IS_ERR(sb), "mount failed: %ld %s", PTR_ERR(sb), t_log);
	return sb;
}

static void t_umount(struct super_block *sb)
{
	dput(sb->root);
	sb->ops->put_super(sb);
	ck_assert_msg(list_empty(&sb->inodes), "inodes busy at umount");
	ck_assert_int_eq(fb.pins, 0);
	ck_assert_int_eq(fb.opens, 0);
	kfree(sb);
}

static struct dentry *t_lookup(struct dentry *dir, const char *name)
{
	struct dentry *d = t_dentry_new(dir, name);

	ck_assert_int_eq(dir->inode->ops->lookup(dir->inode, d), 0);
	return d;
}

static bool t_exists(struct dentry *dir, const char *name)
{
	struct dentry *d = t_lookup(dir, name);
	bool found = d->inode != NULL;

	dput(d);
	return found;
}

static struct dentry *t_create(struct dentry *dir, const char *name,
			       uint32_t mode, uint64_t rdev)
{
	struct dentry *d = t_lookup(dir, name);
	int err;

	ck_assert_ptr_null(d->inode);
	err = dir->inode->ops->create(dir->inode, d, mode, rdev);
	ck_assert_msg(err == 0, "create %s: %d %s", name, err, t_log);
	return d;
}

static struct dentry *t_mkdir(struct dentry *dir, const char *name)
{
	struct dentry *d = t_lookup(dir, name);

	ck_assert_int_eq(dir->inode->ops->mkdir(dir->inode, d, S_IFDIR | 0755),
			 0);
	return d;
}

static int t_unlink(struct dentry *dir, const char *name)
{
	struct dentry *d = t_lookup(dir, name);
	int err = d->inode ? dir->inode->ops->unlink(dir->inode, d) : -ENOENT;

	dput(d);
	return err;
}

static int t_rmdir(struct dentry *dir, const char *name)
{
	struct dentry *d = t_lookup(dir, name);
	int err = d->inode ? dir->inode->ops->rmdir(dir->inode, d) : -ENOENT;

	dput(d);
	return err;
}

static int t_rename(struct dentry *odir, const char *oname, struct dentry *ndir,
		    const char *nname, unsigned int flags)
{
	struct dentry *od = t_lookup(odir, oname);
	struct dentry *nd = t_lookup(ndir, nname);
	int err = odir->inode->ops->rename(odir->inode, od, ndir->inode, nd,
					   flags);

	dput(od);
	dput(nd);
	return err;
}

static struct file *t_open(struct dentry *d, unsigned int mode)
{
	struct file *f = kzalloc(sizeof(*f));

	f->refs = 1;
	f->inode = inode_get(d->inode);
	f->dentry = dget(d);
	f->ops = d->inode->fops;
	f->mode = mode;
	return f;
}

static void t_close(struct file *f)
{
	inode_put(f->inode);
	dput(f->dentry);
	kfree(f);
}

static long t_pwrite(struct file *f, const void *buf, size_t len, uint64_t pos)
{
	struct uio u = uio_kernel((void *)buf, len);

	return f->ops->write(f, &u, &pos);
}

static long t_pread(struct file *f, void *buf, size_t len, uint64_t pos)
{
	struct uio u = uio_kernel(buf, len);

	return f->ops->read(f, &u, &pos);
}

/* Write len bytes of a pattern seeded by seed into a new file. */
static void t_fill(char *buf, size_t len, unsigned int seed)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (char)((i * 7 + seed * 13 + i / 251) & 0xff);
}

static struct dentry *t_write_file(struct dentry *dir, const char *name,
				   size_t len, unsigned int seed)
{
	struct dentry *d = t_create(dir, name, S_IFREG | 0644, 0);
	struct file *f = t_open(d, FMODE_READ | FMODE_WRITE);
	char *buf = malloc(len + 1);

	t_fill(buf, len, seed);
	ck_assert_int_eq(t_pwrite(f, buf, len, 0), (long)len);
	t_close(f);
	free(buf);
	return d;
}

static void t_check_file(struct dentry *d, size_t len, unsigned int seed)
{
	struct file *f = t_open(d, FMODE_READ);
	char *want = malloc(len + 1), *got = malloc(len + 16);

	t_fill(want, len, seed);
	ck_assert_int_eq(t_pread(f, got, len + 16, 0), (long)len);
	ck_assert(memcmp(want, got, len) == 0);
	t_close(f);
	free(want);
	free(got);
}

/* Read the image file path at byte off (for checking on-disk fields). */
static void t_peek(const char *path, long off, void *buf, size_t len)
{
	FILE *f = fopen(path, "rb");

	ck_assert_ptr_nonnull(f);
	fseek(f, off, SEEK_SET);
	ck_assert_uint_eq(fread(buf, 1, len, f), len);
	fclose(f);
}

static void t_poke(const char *path, long off, const void *buf, size_t len)
{
	FILE *f = fopen(path, "r+b");

	ck_assert_ptr_nonnull(f);
	fseek(f, off, SEEK_SET);
	ck_assert_uint_eq(fwrite(buf, 1, len, f), len);
	fclose(f);
}

struct t_names {
	struct dir_ctx ctx;
	char names[600][64];
	uint64_t cookies[600];
	int n, limit;
};

static bool t_emit(struct dir_ctx *ctx, const char *name, size_t len,
		   uint64_t ino, unsigned int dtype)
{
	struct t_names *t = (struct t_names *)ctx;

	if (t->n >= t->limit || t->n >= 600)
		return false;
	snprintf(t->names[t->n], sizeof(t->names[0]), "%.*s", (int)len, name);
	t->cookies[t->n] = ctx->pos;
	t->n++;
	return true;
}

static bool t_listed(const struct t_names *t, const char *name)
{
	for (int i = 0; i < t->n; i++)
		if (!strcmp(t->names[i], name))
			return true;
	return false;
}

/* List a directory in calls of at most batch entries. */
static void t_list(struct dentry *d, struct t_names *t, int batch)
{
	struct file *f = t_open(d, FMODE_READ);

	memset(t, 0, sizeof(*t));
	t->ctx.emit = t_emit;
	for (;;) {
		int before = t->n;

		t->limit = t->n + batch;
		ck_assert_int_eq(f->ops->readdir(f, &t->ctx), 0);
		if (t->n == before)
			break;
	}
	t_close(f);
}

/* ---- codecs and allocators ---- */

START_TEST(block_path_splits_direct_and_indirect_levels)
{
	uint32_t off[4];

	ck_assert_int_eq(ext2_block_path(256, 0, off), 1);
	ck_assert_uint_eq(off[0], 0);
	ck_assert_int_eq(ext2_block_path(256, 11, off), 1);
	ck_assert_uint_eq(off[0], 11);
	ck_assert_int_eq(ext2_block_path(256, 12, off), 2);
	ck_assert_uint_eq(off[0], EXT2_IND_BLOCK);
	ck_assert_uint_eq(off[1], 0);
	ck_assert_int_eq(ext2_block_path(256, 12 + 255, off), 2);
	ck_assert_uint_eq(off[1], 255);
	ck_assert_int_eq(ext2_block_path(256, 12 + 256, off), 3);
	ck_assert_uint_eq(off[0], EXT2_DIND_BLOCK);
	ck_assert_uint_eq(off[1], 0);
	ck_assert_uint_eq(off[2], 0);
	ck_assert_int_eq(ext2_block_path(256, 12 + 256 + 256 * 3 + 5, off), 3);
	ck_assert_uint_eq(off[1], 3);
	ck_assert_uint_eq(off[2], 5);
	ck_assert_int_eq(ext2_block_path(256, 12 + 256 + 65536, off), 4);
	ck_assert_uint_eq(off[0], EXT2_TIND_BLOCK);
	ck_assert_int_eq(ext2_block_path(256,
					 12 + 256 + 65536 + 65536 * 2 + 256 + 7,
					 off),
			 4);
	ck_assert_uint_eq(off[1], 2);
	ck_assert_uint_eq(off[2], 1);
	ck_assert_uint_eq(off[3], 7);
	ck_assert_int_eq(ext2_block_path(256, 12 + 256 + 65536 + 16777216ull,
					 off),
			 -EFBIG);
}
END_TEST

START_TEST(max_size_is_bounded_by_map_and_i_blocks)
{
	/* 1 KiB: the triple indirect map; 4 KiB: 32-bit i_blocks. */
	ck_assert_uint_eq(ext2_max_size(10),
			  (12ull + 256 + 65536 + 16777216) * 1024);
	ck_assert(ext2_max_size(12) < (1ull << 41));
	ck_assert(ext2_max_size(12) > (1ull << 40));
}
END_TEST

START_TEST(find_zero_bit_skips_full_bytes_and_honours_start)
{
	uint8_t map[8];

	memset(map, 0xff, sizeof(map));
	ck_assert_int_eq(ext2_find_zero_bit(map, 64, 0), -1);
	ext2_clear_bit(map, 37);
	ck_assert_int_eq(ext2_find_zero_bit(map, 64, 0), 37);
	ck_assert_int_eq(ext2_find_zero_bit(map, 64, 37), 37);
	ck_assert_int_eq(ext2_find_zero_bit(map, 64, 38), -1);
	ck_assert_int_eq(ext2_find_zero_bit(map, 37, 0), -1);
	ext2_set_bit(map, 37);
	ck_assert(ext2_test_bit(map, 37));
	map[7] = 0x7f;
	ck_assert_int_eq(ext2_find_zero_bit(map, 64, 3), 63);
}
END_TEST

START_TEST(dirent_check_rejects_bad_rec_len_and_name_len)
{
	uint8_t block[1024];
	struct ext2_dir_entry *de = (struct ext2_dir_entry *)block;

	memset(block, 0, sizeof(block));
	de->inode = ext2_to_le32(11);
	de->rec_len = ext2_to_le16(1024);
	de->name_len = 5;
	ck_assert_int_eq(ext2_check_dirent(block, 1024, 0, 100), 0);
	de->rec_len = ext2_to_le16(1028);
	ck_assert_int_eq(ext2_check_dirent(block, 1024, 0, 100), -EIO);
	de->rec_len = ext2_to_le16(10);
	ck_assert_int_eq(ext2_check_dirent(block, 1024, 0, 100), -EIO);
	de->rec_len = ext2_to_le16(14);
	ck_assert_int_eq(ext2_check_dirent(block, 1024, 0, 100), -EIO);
	de->rec_len = ext2_to_le16(12);
	ck_assert_int_eq(ext2_check_dirent(block, 1024, 0, 100), -EIO);
	de->rec_len = ext2_to_le16(16);
	ck_assert_int_eq(ext2_check_dirent(block, 1024, 0, 100), 0);
	de->inode = ext2_to_le32(101);
	ck_assert_int_eq(ext2_check_dirent(block, 1024, 0, 100), -EIO);
	de->inode = ext2_to_le32(1);
	ck_assert_int_eq(ext2_check_dirent(block, 1024, 2, 100), -EIO);
	ck_assert_int_eq(ext2_check_dirent(block, 1024, 1020, 100), -EIO);
}
END_TEST

START_TEST(device_numbers_use_old_and_new_encodings)
{
	ck_assert(ext2_old_valid_dev(8, 1));
	ck_assert(!ext2_old_valid_dev(8, 300));
	ck_assert_uint_eq(ext2_old_encode_dev(8, 1), 0x801);
	ck_assert_uint_eq(ext2_old_major(0x801), 8);
	ck_assert_uint_eq(ext2_old_minor(0x801), 1);
	ck_assert_uint_eq(ext2_new_major(ext2_new_encode_dev(259, 70000)), 259);
	ck_assert_uint_eq(ext2_new_minor(ext2_new_encode_dev(259, 70000)),
			  70000);
}
END_TEST

static void t_fake_groups(struct ext2_sb_info *sbi, uint32_t n)
{
	memset(sbi, 0, sizeof(*sbi));
	sbi->groups_count = n;
	sbi->gd = calloc(n, sizeof(*sbi->gd));
	for (uint32_t g = 0; g < n; g++) {
		sbi->gd[g].bg_free_inodes_count = ext2_to_le16(100);
		sbi->gd[g].bg_free_blocks_count = ext2_to_le16(1000);
	}
	sbi->free_inodes = 100 * n;
	sbi->free_blocks = 1000 * n;
}

START_TEST(directories_spread_and_files_stay_near_their_parent)
{
	struct ext2_sb_info sbi;

	t_fake_groups(&sbi, 4);
	sbi.gd[0].bg_used_dirs_count = ext2_to_le16(5);
	sbi.gd[1].bg_used_dirs_count = ext2_to_le16(3);
	sbi.gd[2].bg_used_dirs_count = ext2_to_le16(1);
	sbi.gd[3].bg_used_dirs_count = ext2_to_le16(1);
	sbi.gd[3].bg_free_blocks_count = ext2_to_le16(10);
	sbi.free_blocks = 3010;
	/* Fewest directories among groups with enough free space. */
	ck_assert_int_eq(ext2_choose_group(&sbi, 0, true), 2);
	ck_assert_int_eq(ext2_choose_group(&sbi, 1, false), 1);
	sbi.gd[1].bg_free_inodes_count = 0;
	ck_assert_int_ne(ext2_choose_group(&sbi, 1, false), 1);
	sbi.free_inodes = 0;
	ck_assert_int_eq(ext2_choose_group(&sbi, 1, false), -ENOSPC);
	free(sbi.gd);
}
END_TEST

/* ---- mounting ---- */

static void t_basic_cycle(const char *opts, const char *size)
{
	const char *img = t_mkfs(opts, size);
	struct super_block *sb = t_mount(img);
	struct dentry *d, *dir;

	dir = t_mkdir(sb->root, "dir");
	d = t_write_file(dir, "file", 100000, 1);
	dput(d);
	d = t_write_file(sb->root, "small", 10, 2);
	dput(d);
	dput(dir);
	t_umount(sb);
	ck_assert_int_eq(t_fsck(img), 0);
	sb = t_mount(img);
	dir = t_lookup(sb->root, "dir");
	ck_assert_ptr_nonnull(dir->inode);
	d = t_lookup(dir, "file");
	ck_assert_ptr_nonnull(d->inode);
	t_check_file(d, 100000, 1);
	dput(d);
	dput(dir);
	t_umount(sb);
	ck_assert_int_eq(t_fsck(img), 0);
}

START_TEST(block_size_1k_round_trip_is_fsck_clean)
{
	t_basic_cycle("-t ext2 -b 1024", "8M");
}
END_TEST

START_TEST(block_size_2k_round_trip_is_fsck_clean)
{
	t_basic_cycle("-t ext2 -b 2048", "16M");
}
END_TEST

START_TEST(block_size_4k_round_trip_is_fsck_clean)
{
	t_basic_cycle("-t ext2 -b 4096", "32M");
}
END_TEST

START_TEST(revision_0_round_trip_is_fsck_clean)
{
	t_basic_cycle("-t ext2 -b 1024 -r 0", "8M");
}
END_TEST

START_TEST(inode_size_128_round_trip_is_fsck_clean)
{
	t_basic_cycle("-t ext2 -b 4096 -I 128", "16M");
}
END_TEST

START_TEST(no_sparse_super_no_filetype_round_trip_is_fsck_clean)
{
	t_basic_cycle("-t ext2 -b 1024 "
		      "-O ^sparse_super,^filetype,^dir_index,^resize_inode",
		      "16M");
}
END_TEST

START_TEST(written_data_is_seen_by_debugfs)
{
	const char *img = t_mkfs("-t ext2 -b 1024", "8M");
	struct super_block *sb = t_mount(img);
	char buf[5000], path[400];
	struct dentry *d;

	d = t_write_file(sb->root, "data", sizeof(buf), 9);
	dput(d);
	t_umount(sb);
	t_fill(buf, sizeof(buf), 9);
	snprintf(path, sizeof(path), "%s.want", img);
	FILE *f = fopen(path, "wb");
	fwrite(buf, 1, sizeof(buf), f);
	fclose(f);
	ck_assert_int_eq(t_run("debugfs -R 'dump /data %s.got' '%s' "
			       ">/dev/null 2>&1 && cmp -s %s.got %s",
			       img, img, img, path),
			 0);
}
END_TEST

START_TEST(mke2fs_populated_tree_reads_back)
{
	char src[400];
	struct super_block *sb;
	struct dentry *d, *sub;
	struct t_names *names = malloc(sizeof(*names));
	char target[128];
	const char *img;

	snprintf(src, sizeof(src), "%s/tree", t_dir);
	ck_assert_int_eq(t_run("mkdir -p %s/sub && printf hello >%s/sub/f && "
			       "ln -s sub/f %s/link && "
			       "head -c 70000 /dev/zero | tr '\\0' x "
			       ">%s/big && mkfifo %s/fifo",
			       src, src, src, src, src),
			 0);
	{
		char opts[512];

		snprintf(opts, sizeof(opts), "-t ext2 -b 1024 -d %s", src);
		img = t_mkfs(opts, "8M");
	}
	sb = t_mount(img);
	t_list(sb->root, names, 3);
	ck_assert(t_listed(names, "."));
	ck_assert(t_listed(names, ".."));
	ck_assert(t_listed(names, "sub"));
	ck_assert(t_listed(names, "link"));
	ck_assert(t_listed(names, "big"));
	ck_assert(t_listed(names, "fifo"));
	d = t_lookup(sb->root, "link");
	ck_assert_int_eq(d->inode->ops->readlink(d, target, sizeof(target)), 5);
	ck_assert(!memcmp(target, "sub/f", 5));
	dput(d);
	d = t_lookup(sb->root, "fifo");
	ck_assert(S_ISFIFO(d->inode->mode));
	dput(d);
	sub = t_lookup(sb->root, "sub");
	d = t_lookup(sub, "f");
	{
		struct file *f = t_open(d, FMODE_READ);
		char buf[16];

		ck_assert_int_eq(t_pread(f, buf, sizeof(buf), 0), 5);
		ck_assert(!memcmp(buf, "hello", 5));
		t_close(f);
	}
	dput(d);
	dput(sub);
	t_umount(sb);
	ck_assert_int_eq(t_fsck(img), 0);
	free(names);
}
END_TEST

START_TEST(incompatible_features_refuse_the_mount)
{
	const char *img = t_mkfs("-t ext4", "16M");
	struct super_block *sb = t_mount_type("ext2", img, 0);

	ck_assert(IS_ERR(sb));
	ck_assert_int_eq(PTR_ERR(sb), -EINVAL);
	ck_assert_ptr_nonnull(strstr(t_log, "extents"));
	ck_assert_int_eq(fb.opens, 0);
}
END_TEST

START_TEST(unknown_ro_compat_features_allow_only_read_only)
{
	const char *img = t_mkfs("-t ext2 -O huge_file", "8M");
	struct super_block *sb = t_mount_type("ext2", img, 0);

	ck_assert(IS_ERR(sb));
	ck_assert_ptr_nonnull(strstr(t_log, "huge_file"));
	sb = t_mount_type("ext2", img, MS_RDONLY);
	ck_assert(!IS_ERR(sb));
	sb->flags |= SB_RDONLY;
	ck_assert_int_eq(sb->ops->remount(sb, 0, NULL), -EINVAL);
	t_umount(sb);
}
END_TEST

START_TEST(clean_ext3_mounts_and_stays_consistent)
{
	const char *img = t_mkfs("-t ext3 -b 1024", "16M");
	struct super_block *sb = t_mount_type("ext3", img, 0);
	struct dentry *d;

	ck_assert_msg(!IS_ERR(sb), "%s", t_log);
	d = t_write_file(sb->root, "f", 50000, 3);
	dput(d);
	ck_assert_int_eq(t_unlink(sb->root, "f"), 0);
	d = t_write_file(sb->root, "g", 3000, 3);
	dput(d);
	t_umount(sb);
	ck_assert_int_eq(t_fsck(img), 0);
}
END_TEST

START_TEST(journal_needing_recovery_is_refused)
{
	const char *img = t_mkfs("-t ext3 -b 1024", "16M");
	struct ext2_super_block es;
	struct super_block *sb;

	t_peek(img, 1024, &es, sizeof(es));
	es.s_feature_incompat = ext2_to_le32(ext2_le32(es.s_feature_incompat) |
					     EXT2_FEATURE_INCOMPAT_RECOVER);
	t_poke(img, 1024, &es, sizeof(es));
	sb = t_mount_type("ext3", img, 0);
	ck_assert(IS_ERR(sb));
	ck_assert_ptr_nonnull(strstr(t_log, "needs_recovery"));
	sb = t_mount_type("ext3", img, MS_RDONLY);
	ck_assert(IS_ERR(sb));
}
END_TEST

/* Mount after patching one super block field; expect -EINVAL. */
static void t_corrupt_super(size_t off, const void *val, size_t len)
{
	const char *img = t_mkfs("-t ext2 -b 1024", "8M");
	struct super_block *sb;

	t_poke(img, 1024 + (long)off, val, len);
	sb = t_mount_type("ext2", img, 0);
	ck_assert(IS_ERR(sb));
	ck_assert_int_eq(PTR_ERR(sb), -EINVAL);
	ck_assert_int_gt(strlen(t_log), 0);
	ck_assert_int_eq(fb.opens, 0);
	ck_assert_int_eq(fb.pins, 0);
}

START_TEST(corrupt_super_block_fields_are_refused)
{
	uint16_t bad16 = 0x1234;
	uint32_t v;

	t_corrupt_super(offsetof(struct ext2_super_block, s_magic), &bad16, 2);
	v = 7;
	t_corrupt_super(offsetof(struct ext2_super_block, s_log_block_size), &v,
			4);
	v = 0;
	t_corrupt_super(offsetof(struct ext2_super_block, s_inodes_per_group),
			&v, 4);
	v = 0xfffffff0;
	t_corrupt_super(offsetof(struct ext2_super_block, s_blocks_count), &v,
			4);
	v = 5;
	t_corrupt_super(offsetof(struct ext2_super_block, s_blocks_per_group),
			&v, 4);
	v = 12345;
	t_corrupt_super(offsetof(struct ext2_super_block, s_inodes_count), &v,
			4);
	v = 3;
	t_corrupt_super(offsetof(struct ext2_super_block, s_rev_level), &v, 4);
	bad16 = 100;
	t_corrupt_super(offsetof(struct ext2_super_block, s_inode_size), &bad16,
			2);
	v = 0;
	t_corrupt_super(offsetof(struct ext2_super_block, s_first_data_block),
			&v, 4);
}
END_TEST

START_TEST(corrupt_group_descriptor_is_refused)
{
	const char *img = t_mkfs("-t ext2 -b 1024", "8M");
	uint32_t v = 7000000;
	struct super_block *sb;

	/* Group 0's inode table, in the descriptor block after the sb. */
	t_poke(img, 2048 + offsetof(struct ext2_group_desc, bg_inode_table), &v,
	       4);
	sb = t_mount_type("ext2", img, 0);
	ck_assert(IS_ERR(sb));
	ck_assert_int_eq(PTR_ERR(sb), -EINVAL);
	ck_assert_ptr_nonnull(strstr(t_log, "inode table"));
}
END_TEST

START_TEST(short_device_is_refused)
{
	const char *img = t_mkfs("-t ext2 -b 1024", "8M");
	struct super_block *sb;

	fb.short_size = 4 << 20;
	sb = t_mount_type("ext2", img, 0);
	ck_assert(IS_ERR(sb));
	ck_assert_int_eq(PTR_ERR(sb), -EINVAL);
	fb.short_size = 1024;
	sb = t_mount_type("ext2", img, 0);
	ck_assert(IS_ERR(sb));
	ck_assert_int_eq(PTR_ERR(sb), -EINVAL);
}
END_TEST

START_TEST(read_errors_surface_as_eio)
{
	const char *img = t_mkfs("-t ext2 -b 1024", "8M");
	struct super_block *sb;
	struct dentry *d;
	struct file *f;
	char buf[4096];

	fb.fail_read = true;
	sb = t_mount_type("ext2", img, 0);
	ck_assert(IS_ERR(sb));
	ck_assert_int_eq(PTR_ERR(sb), -EIO);
	fb.fail_read = false;
	ck_assert_int_eq(fb.pins, 0);
	sb = t_mount(img);
	d = t_write_file(sb->root, "f", 40000, 4);
	f = t_open(d, FMODE_READ | FMODE_WRITE);
	fb.fail_read = true;
	ck_assert_int_eq(t_pread(f, buf, sizeof(buf), 20000), -EIO);
	ck_assert_int_eq(t_pwrite(f, buf, 100, 70000), -EIO);
	{
		struct dentry *x = t_dentry_new(sb->root, "nope");

		ck_assert_int_eq(
			sb->root->inode->ops->lookup(sb->root->inode, x), -EIO);
		dput(x);
	}
	fb.fail_read = false;
	/* Fail part way through a multi-block read. */
	fb.fail_read_after = 3;
	ck_assert_int_gt(t_pread(f, buf, sizeof(buf), 0), 0);
	fb.fail_read = false;
	fb.fail_read_after = 0;
	t_close(f);
	dput(d);
	fb.fail_sync = true;
	ck_assert_int_eq(sb->ops->sync(sb), -EIO);
	fb.fail_sync = false;
	t_umount(sb);
	ck_assert_int_eq(t_fsck(img), 0);
}
END_TEST

START_TEST(state_is_unclean_while_mounted_rw_and_clean_after)
{
	const char *img = t_mkfs("-t ext2 -b 1024", "8M");
	struct ext2_super_block es;
	struct super_block *sb = t_mount(img);
	uint16_t count;

	t_peek(img, 1024, &es, sizeof(es));
	count = ext2_le16(es.s_mnt_count);
	ck_assert_int_eq(sb->ops->sync(sb), 0);
	t_peek(img, 1024, &es, sizeof(es));
	ck_assert_int_eq(ext2_le16(es.s_state) & EXT2_VALID_FS, 0);
	ck_assert_int_eq(ext2_le16(es.s_mnt_count), count + 1);
	ck_assert_int_eq(sb->ops->remount(sb, SB_RDONLY, NULL), 0);
	sb->flags |= SB_RDONLY;
	t_peek(img, 1024, &es, sizeof(es));
	ck_assert_int_ne(ext2_le16(es.s_state) & EXT2_VALID_FS, 0);
	ck_assert_int_eq(sb->ops->remount(sb, 0, NULL), 0);
	sb->flags &= ~SB_RDONLY;
	ck_assert_int_eq(sb->ops->sync(sb), 0);
	t_peek(img, 1024, &es, sizeof(es));
	ck_assert_int_eq(ext2_le16(es.s_state) & EXT2_VALID_FS, 0);
	t_umount(sb);
	t_peek(img, 1024, &es, sizeof(es));
	ck_assert_int_ne(ext2_le16(es.s_state) & EXT2_VALID_FS, 0);
	ck_assert_int_eq(t_fsck(img), 0);
}
END_TEST

START_TEST(read_only_mount_refuses_changes)
{
	const char *img = t_mkfs("-t ext2 -b 1024", "8M");
	struct super_block *sb = t_mount_type("ext2", img, MS_RDONLY);
	struct dentry *d;

	ck_assert(!IS_ERR(sb));
	d = t_lookup(sb->root, "x");
	ck_assert_int_eq(sb->root->inode->ops->create(sb->root->inode, d,
						      S_IFREG | 0644, 0),
			 -EROFS);
	dput(d);
	t_umount(sb);
}
END_TEST

/* ---- file system operations ---- */

static void t_statfs(struct super_block *sb, struct kstatfs *st)
{
	memset(st, 0, sizeof(*st));
	ck_assert_int_eq(sb->ops->statfs(sb, st), 0);
}

START_TEST(unlink_and_truncate_give_every_block_back)
{
	const char *img = t_mkfs("-t ext2 -b 1024", "16M");
	struct super_block *sb = t_mount(img);
	struct kstatfs before, after;
	struct iattr attr = { .valid = ATTR_SIZE };
	struct dentry *d;

	t_statfs(sb, &before);
	ck_assert_uint_eq(before.namelen, 255);
	ck_assert_uint_eq(before.bsize, 1024);
	ck_assert(before.bavail < before.bfree);
	d = t_write_file(sb->root, "f", 3 << 20, 5);
	t_statfs(sb, &after);
	/* 3072 data blocks, 1 indirect, 1 double + 11 indirect below it. */
	ck_assert_uint_eq(before.bfree - after.bfree, 3072 + 1 + 1 + 11);
	ck_assert_uint_eq(d->inode->blocks, (3072 + 13) * 2);
	{
		/* Sequential writes are contiguous but for indirect blocks. */
		uint32_t prev = 0, block, jumps = 0;

		for (uint64_t i = 0; i < 3072; i++) {
			ck_assert_int_eq(
				ext2_bmap(d->inode, i, false, &block, NULL), 0);
			if (i && block != prev + 1)
				jumps++;
			prev = block;
		}
		ck_assert_uint_le(jumps, 13);
	}
	ck_assert_uint_eq(before.ffree - after.ffree, 1);
	attr.size = 5000;
	ck_assert_int_eq(d->inode->ops->setattr(d, &attr), 0);
	ck_assert_uint_eq(d->inode->blocks, 5 * 2);
	t_check_file(d, 5000, 5);
	attr.size = 300000;
	ck_assert_int_eq(d->inode->ops->setattr(d, &attr), 0);
	ck_assert_uint_eq(d->inode->blocks, 5 * 2);
	{
		struct file *f = t_open(d, FMODE_READ);
		char buf[100], zero[100] = { 0 };

		ck_assert_int_eq(t_pread(f, buf, 100, 5000), 100);
		ck_assert(!memcmp(buf, zero, 100));
		ck_assert_int_eq(t_pread(f, buf, 100, 299950), 50);
		t_close(f);
	}
	dput(d);
	ck_assert_int_eq(sb->ops->sync(sb), 0);
	ck_assert_int_eq(t_fsck(img), 0);
	ck_assert_int_eq(t_unlink(sb->root, "f"), 0);
	t_statfs(sb, &after);
	ck_assert_uint_eq(after.bfree, before.bfree);
	ck_assert_uint_eq(after.ffree, before.ffree);
	t_umount(sb);
	ck_assert_int_eq(t_fsck(img), 0);
}
END_TEST

START_TEST(truncate_keeps_data_before_the_cut_in_every_map_level)
{
	const char *img = t_mkfs("-t ext2 -b 1024", "32M");
	struct super_block *sb = t_mount(img);
	static const uint64_t cuts[] = { 600 * 1024 + 7, 268 * 1024 + 1,
					 268 * 1024,	 12 * 1024 + 100,
					 11 * 1024,	 0 };
	struct kstatfs before, after;
	struct dentry *d;

	t_statfs(sb, &before);
	d = t_write_file(sb->root, "f", 2 << 20, 6);
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		struct iattr attr = { .valid = ATTR_SIZE, .size = cuts[i] };

		ck_assert_int_eq(d->inode->ops->setattr(d, &attr), 0);
		if (cuts[i])
			t_check_file(d, cuts[i], 6);
		ck_assert_int_eq(sb->ops->sync(sb), 0);
		ck_assert_int_eq(t_fsck(img), 0);
	}
	ck_assert_uint_eq(d->inode->blocks, 0);
	dput(d);
	t_statfs(sb, &after);
	ck_assert_uint_eq(after.bfree, before.bfree);
	t_umount(sb);
}
END_TEST

START_TEST(big_sparse_file_uses_triple_indirect_and_large_file)
{
	const char *img = t_mkfs("-t ext2 -b 1024 -O ^large_file", "16M");
	struct super_block *sb = t_mount(img);
	uint64_t off = 5ull << 30;
	struct ext2_super_block es;
	struct dentry *d = t_create(sb->root, "sparse", S_IFREG | 0644, 0);
	struct file *f = t_open(d, FMODE_READ | FMODE_WRITE);
	char buf[3000], got[3000], zero[3000] = { 0 };

	t_fill(buf, sizeof(buf), 7);
	ck_assert_int_eq(t_pwrite(f, buf, sizeof(buf), off), sizeof(buf));
	ck_assert_int_eq(t_pwrite(f, buf, 10, 70 << 20), 10);
	ck_assert_uint_eq(d->inode->size, off + sizeof(buf));
	ck_assert_int_eq(t_pread(f, got, sizeof(got), off), sizeof(got));
	ck_assert(!memcmp(buf, got, sizeof(buf)));
	ck_assert_int_eq(t_pread(f, got, sizeof(got), 1 << 30), sizeof(got));
	ck_assert(!memcmp(zero, got, sizeof(got)));
	/* 1 KiB blocks address only about 16 GiB. */
	ck_assert_int_eq(t_pwrite(f, buf, 10, 17ull << 30), -EFBIG);
	t_close(f);
	dput(d);
	t_umount(sb);
	t_peek(img, 1024, &es, sizeof(es));
	ck_assert(ext2_le32(es.s_feature_ro_compat) &
		  EXT2_FEATURE_RO_COMPAT_LARGE_FILE);
	ck_assert_int_eq(t_fsck(img), 0);
	sb = t_mount(img);
	d = t_lookup(sb->root, "sparse");
	ck_assert_uint_eq(d->inode->size, off + sizeof(buf));
	ck_assert_int_eq(t_unlink(sb->root, "sparse"), 0);
	dput(d);
	t_umount(sb);
	ck_assert_int_eq(t_fsck(img), 0);
}
END_TEST

START_TEST(file_over_4g_with_4k_blocks_is_fsck_clean)
{
	const char *img = t_mkfs("-t ext2 -b 4096", "32M");
	struct super_block *sb = t_mount(img);
	struct dentry *d = t_create(sb->root, "big", S_IFREG | 0644, 0);
	struct file *f = t_open(d, FMODE_READ | FMODE_WRITE);
	char buf[10000], got[10000];

	t_fill(buf, sizeof(buf), 8);
	ck_assert_int_eq(t_pwrite(f, buf, sizeof(buf), (9ull << 30) - 5000),
			 sizeof(buf));
	ck_assert_int_eq(t_pread(f, got, sizeof(got), (9ull << 30) - 5000),
			 sizeof(got));
	ck_assert(!memcmp(buf, got, sizeof(buf)));
	t_close(f);
	dput(d);
	t_umount(sb);
	ck_assert_int_eq(t_fsck(img), 0);
}
END_TEST

START_TEST(directories_keep_link_counts_and_refuse_nonempty_rmdir)
{
	const char *img = t_mkfs("-t ext2 -b 1024", "8M");
	struct super_block *sb = t_mount(img);
	uint32_t root_links = sb->root->inode->nlink;
	struct dentry *a = t_mkdir(sb->root, "a"), *b;

	ck_assert_uint_eq(sb->root->inode->nlink, root_links + 1);
	ck_assert_uint_eq(a->inode->nlink, 2);
	b = t_mkdir(a, "b");
	ck_assert_uint_eq(a->inode->nlink, 3);
	dput(b);
	ck_assert_int_eq(t_rmdir(sb->root, "a"), -ENOTEMPTY);
	ck_assert_int_eq(t_rmdir(a, "b"), 0);
	ck_assert_uint_eq(a->inode->nlink, 2);
	ck_assert(!t_exists(a, "b"));
	dput(a);
	ck_assert_int_eq(t_rmdir(sb->root, "a"), 0);
	ck_assert_uint_eq(sb->root->inode->nlink, root_links);
	t_umount(sb);
	ck_assert_int_eq(t_fsck(img), 0);
}
END_TEST

START_TEST(rename_moves_files_and_directories_and_replaces_targets)
{
	const char *img = t_mkfs("-t ext2 -b 1024", "8M");
	struct super_block *sb = t_mount(img);
	struct dentry *x = t_mkdir(sb->root, "x"), *y = t_mkdir(sb->root, "y");
	struct dentry *d;
	uint32_t ino;

	dput(t_write_file(x, "f", 2000, 1));
	dput(t_write_file(y, "g", 3000, 2));
	dput(t_mkdir(x, "sub"));
	dput(t_mkdir(y, "empty"));
	/* Within a directory. */
	ck_assert_int_eq(t_rename(x, "f", x, "f2", 0), 0);
	ck_assert(!t_exists(x, "f"));
	/* Across directories, replacing a file. */
	ck_assert_int_eq(t_rename(x, "f2", y, "g", 0), 0);
	d = t_lookup(y, "g");
	t_check_file(d, 2000, 1);
	dput(d);
	/* A directory across directories: ".." and link counts follow. */
	ck_assert_int_eq(t_rename(x, "sub", y, "sub", 0), 0);
	ck_assert_uint_eq(x->inode->nlink, 2);
	ck_assert_uint_eq(y->inode->nlink, 4);
	d = t_lookup(y, "sub");
	ck_assert_int_eq(ext2_find_entry(d->inode, "..", 2, &ino), 0);
	ck_assert_uint_eq(ino, y->inode->ino);
	dput(d);
	/* Replacing an empty directory; a non-empty one is refused. */
	ck_assert_int_eq(t_rename(y, "sub", y, "empty", 0), 0);
	ck_assert_uint_eq(y->inode->nlink, 3);
	dput(t_write_file(y, "h", 10, 3));
	dput(t_mkdir(x, "full"));
	{
		struct dentry *full = t_lookup(x, "full");

		dput(t_write_file(full, "in", 10, 3));
		dput(full);
	}
	ck_assert_int_eq(t_rename(y, "empty", x, "full", 0), -ENOTEMPTY);
	/* Exchange a file and a directory across directories. */
	ck_assert_int_eq(t_rename(y, "h", x, "full", RENAME_EXCHANGE), 0);
	ck_assert_uint_eq(x->inode->nlink, 2);
	ck_assert_uint_eq(y->inode->nlink, 4);
	d = t_lookup(y, "h");
	ck_assert(S_ISDIR(d->inode->mode));
	ck_assert_int_eq(ext2_find_entry(d->inode, "..", 2, &ino), 0);
	ck_assert_uint_eq(ino, y->inode->ino);
	dput(d);
	dput(x);
	dput(y);
	t_umount(sb);
	ck_assert_int_eq(t_fsck(img), 0);
}
END_TEST

START_TEST(symlinks_fast_and_slow_read_back)
{
	const char *img = t_mkfs("-t ext2 -b 1024", "8M");
	struct super_block *sb = t_mount(img);
	char longt[900], buf[1100];
	struct dentry *d;

	memset(longt, 'a', sizeof(longt) - 1);
	longt[sizeof(longt) - 1] = '\0';
	d = t_lookup(sb->root, "fast");
	ck_assert_int_eq(sb->root->inode->ops->symlink(sb->root->inode, d,
						       "some/target"),
			 0);
	ck_assert_uint_eq(d->inode->blocks, 0);
	dput(d);
	d = t_lookup(sb->root, "slow");
	ck_assert_int_eq(
		sb->root->inode->ops->symlink(sb->root->inode, d, longt), 0);
	dput(d);
	memset(buf, 'b', sizeof(buf) - 1);
	buf[sizeof(buf) - 1] = '\0';
	d = t_lookup(sb->root, "toolong");
	ck_assert_int_eq(sb->root->inode->ops->symlink(sb->root->inode, d, buf),
			 -ENAMETOOLONG);
	dput(d);
	t_umount(sb);
	ck_assert_int_eq(t_fsck(img), 0);
	sb = t_mount(img);
	d = t_lookup(sb->root, "fast");
	ck_assert_int_eq(d->inode->ops->readlink(d, buf, sizeof(buf)), 11);
	ck_assert(!memcmp(buf, "some/target", 11));
	dput(d);
	d = t_lookup(sb->root, "slow");
	ck_assert_int_eq(d->inode->ops->readlink(d, buf, sizeof(buf)),
			 (long)strlen(longt));
	ck_assert(!memcmp(buf, longt, strlen(longt)));
	dput(d);
	ck_assert_int_eq(t_unlink(sb->root, "slow"), 0);
	ck_assert_int_eq(t_unlink(sb->root, "fast"), 0);
	t_umount(sb);
	ck_assert_int_eq(t_fsck(img), 0);
}
END_TEST

START_TEST(hard_links_share_one_inode)
{
	const char *img = t_mkfs("-t ext2 -b 1024", "8M");
	struct super_block *sb = t_mount(img);
	struct dentry *a = t_write_file(sb->root, "a", 5000, 4), *b;

	b = t_lookup(sb->root, "b");
	ck_assert_int_eq(sb->root->inode->ops->link(a, sb->root->inode, b), 0);
	ck_assert_ptr_eq(a->inode, b->inode);
	ck_assert_uint_eq(a->inode->nlink, 2);
	dput(b);
	dput(a);
	b = t_lookup(sb->root, "b");
	a = t_lookup(sb->root, "a");
	ck_assert_ptr_eq(a->inode, b->inode);
	dput(a);
	ck_assert_int_eq(t_unlink(sb->root, "a"), 0);
	ck_assert_uint_eq(b->inode->nlink, 1);
	t_check_file(b, 5000, 4);
	dput(b);
	t_umount(sb);
	ck_assert_int_eq(t_fsck(img), 0);
}
END_TEST

START_TEST(device_nodes_fifos_and_sockets_persist)
{
	const char *img = t_mkfs("-t ext2 -b 1024", "8M");
	struct super_block *sb = t_mount(img);
	struct dentry *d;

	dput(t_create(sb->root, "old", S_IFCHR | 0600, MKDEV(4, 64)));
	dput(t_create(sb->root, "new", S_IFBLK | 0600, MKDEV(259, 70000)));
	dput(t_create(sb->root, "fifo", S_IFIFO | 0600, 0));
	dput(t_create(sb->root, "sock", S_IFSOCK | 0600, 0));
	t_umount(sb);
	ck_assert_int_eq(t_fsck(img), 0);
	sb = t_mount(img);
	d = t_lookup(sb->root, "old");
	ck_assert(S_ISCHR(d->inode->mode));
	ck_assert_uint_eq(d->inode->rdev, MKDEV(4, 64));
	dput(d);
	d = t_lookup(sb->root, "new");
	ck_assert(S_ISBLK(d->inode->mode));
	ck_assert_uint_eq(d->inode->rdev, MKDEV(259, 70000));
	dput(d);
	d = t_lookup(sb->root, "sock");
	ck_assert(S_ISSOCK(d->inode->mode));
	dput(d);
	ck_assert_int_eq(t_unlink(sb->root, "old"), 0);
	ck_assert_int_eq(t_unlink(sb->root, "new"), 0);
	t_umount(sb);
	ck_assert_int_eq(t_fsck(img), 0);
}
END_TEST

START_TEST(large_directories_list_every_entry_across_changes)
{
	const char *img = t_mkfs("-t ext2 -b 1024", "8M");
	struct super_block *sb = t_mount(img);
	struct t_names *t = malloc(sizeof(*t));
	struct dentry *dir = t_mkdir(sb->root, "big");
	char name[64];
	struct file *f;

	for (int i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "file-with-a-longish-name-%03d",
			 i);
		dput(t_create(dir, name, S_IFREG | 0644, 0));
	}
	ck_assert_uint_gt(dir->inode->size, 1024 * 5);
	t_list(dir, t, 7);
	ck_assert_int_eq(t->n, 302);
	for (int i = 1; i < t->n; i++)
		ck_assert(t->cookies[i] > t->cookies[i - 1]);
	/* Delete entries between readdir calls: no entry is lost. */
	f = t_open(dir, FMODE_READ);
	memset(t, 0, sizeof(*t));
	t->ctx.emit = t_emit;
	t->limit = 100;
	ck_assert_int_eq(f->ops->readdir(f, &t->ctx), 0);
	for (int i = 0; i < 300; i += 2) {
		snprintf(name, sizeof(name), "file-with-a-longish-name-%03d",
			 i);
		ck_assert_int_eq(t_unlink(dir, name), 0);
	}
	t->limit = 600;
	ck_assert_int_eq(f->ops->readdir(f, &t->ctx), 0);
	t_close(f);
	for (int i = 1; i < 300; i += 2) {
		snprintf(name, sizeof(name), "file-with-a-longish-name-%03d",
			 i);
		ck_assert_msg(t_listed(t, name), "%s lost", name);
	}
	/* Reuse of freed slack. */
	for (int i = 0; i < 300; i += 2) {
		snprintf(name, sizeof(name), "n%d", i);
		dput(t_create(dir, name, S_IFREG | 0644, 0));
	}
	dput(dir);
	t_umount(sb);
	ck_assert_int_eq(t_fsck(img), 0);
	free(t);
}
END_TEST

START_TEST(changing_an_indexed_directory_clears_its_index_flag)
{
	const char *img = t_mkfs("-t ext2 -b 1024", "8M");
	struct super_block *sb = t_mount(img);
	struct dentry *dir = t_mkdir(sb->root, "idx");
	char name[64];

	for (int i = 0; i < 200; i++) {
		snprintf(name, sizeof(name), "entry-%d", i);
		dput(t_create(dir, name, S_IFREG | 0644, 0));
	}
	dput(dir);
	t_umount(sb);
	/* Let e2fsck build the hash index. */
	ck_assert_int_le(t_run("e2fsck -fyD '%s' >/dev/null 2>&1", img), 1);
	ck_assert_int_eq(t_fsck(img), 0);
	sb = t_mount(img);
	dir = t_lookup(sb->root, "idx");
	ck_assert(EXT2_I(dir->inode)->flags & EXT2_INDEX_FL);
	ck_assert(t_exists(dir, "entry-150"));
	ck_assert_int_eq(t_unlink(dir, "entry-7"), 0);
	dput(t_create(dir, "new-one", S_IFREG | 0644, 0));
	ck_assert(!(EXT2_I(dir->inode)->flags & EXT2_INDEX_FL));
	dput(dir);
	t_umount(sb);
	ck_assert_int_eq(t_fsck(img), 0);
}
END_TEST

START_TEST(full_file_system_gives_enospc_and_stays_consistent)
{
	const char *img = t_mkfs("-t ext2 -b 1024 -N 64", "1M");
	struct super_block *sb = t_mount(img);
	struct dentry *d = t_create(sb->root, "fill", S_IFREG | 0644, 0);
	struct file *f = t_open(d, FMODE_READ | FMODE_WRITE);
	char *buf = calloc(1, 2 << 20);
	long n = t_pwrite(f, buf, 2 << 20, 0);
	int i, err = 0;

	ck_assert_int_gt(n, 0);
	ck_assert_int_lt(n, 2 << 20);
	ck_assert_int_eq(t_pwrite(f, buf, 4096, (uint64_t)n), -ENOSPC);
	t_close(f);
	dput(d);
	for (i = 0; i < 100 && !err; i++) {
		char name[32];
		struct dentry *x;

		snprintf(name, sizeof(name), "f%d", i);
		x = t_lookup(sb->root, name);
		err = sb->root->inode->ops->create(sb->root->inode, x,
						   S_IFREG | 0644, 0);
		dput(x);
	}
	ck_assert_int_eq(err, -ENOSPC);
	t_umount(sb);
	ck_assert_int_eq(t_fsck(img), 0);
	free(buf);
}
END_TEST

START_TEST(unlinked_open_file_is_freed_on_last_close)
{
	const char *img = t_mkfs("-t ext2 -b 1024", "8M");
	struct super_block *sb = t_mount(img);
	struct kstatfs before, after;
	struct dentry *d;
	struct file *f;

	t_statfs(sb, &before);
	d = t_create(sb->root, "tmp", S_IFREG | 0644, 0);
	f = t_open(d, FMODE_READ | FMODE_WRITE);
	ck_assert_int_eq(t_unlink(sb->root, "tmp"), 0);
	dput(d);
	ck_assert_int_eq(t_pwrite(f, "hello", 5, 20000), 5);
	t_statfs(sb, &after);
	ck_assert_uint_lt(after.bfree, before.bfree);
	t_close(f);
	t_statfs(sb, &after);
	ck_assert_uint_eq(after.bfree, before.bfree);
	ck_assert_uint_eq(after.ffree, before.ffree);
	t_umount(sb);
	ck_assert_int_eq(t_fsck(img), 0);
}
END_TEST

START_TEST(mmap_pages_come_from_blocks_or_snapshots)
{
	const char *img = t_mkfs("-t ext2 -b 4096", "16M");
	struct super_block *sb = t_mount(img);
	struct dentry *d = t_write_file(sb->root, "m", 9000, 5);
	struct file *f = t_open(d, FMODE_READ | FMODE_WRITE);
	struct iattr attr = { .valid = ATTR_SIZE, .size = 5 * 4096 };
	char want[4096];
	pfn_t pfn;

	t_fill(want, sizeof(want), 5);
	ck_assert_int_eq(f->ops->get_page(f, 0, &pfn), 0);
	ck_assert(!memcmp(page_ptr(pfn), want, 4096));
	page_put(pfn);
	ck_assert_int_eq(f->ops->get_page(f, 3, &pfn), -ENXIO);
	ck_assert_int_eq(d->inode->ops->setattr(d, &attr), 0);
	/* A hole of a writable file gets a block. */
	ck_assert_int_eq(f->ops->get_page(f, 4, &pfn), 0);
	page_put(pfn);
	ck_assert_uint_eq(d->inode->blocks, 4 * 8);
	t_close(f);
	dput(d);
	t_umount(sb);
	ck_assert_int_eq(t_fsck(img), 0);
}
END_TEST

START_TEST(mmap_with_small_blocks_assembles_a_page)
{
	const char *img = t_mkfs("-t ext2 -b 1024", "8M");
	struct super_block *sb = t_mount(img);
	struct dentry *d = t_write_file(sb->root, "m", 6000, 6);
	struct file *f = t_open(d, FMODE_READ);
	char want[6000];
	pfn_t pfn;

	t_fill(want, sizeof(want), 6);
	ck_assert_int_eq(f->ops->get_page(f, 1, &pfn), 0);
	ck_assert(!memcmp(page_ptr(pfn), want + 4096, 6000 - 4096));
	ck_assert(((char *)page_ptr(pfn))[6000 - 4096] == 0);
	page_put(pfn);
	t_close(f);
	dput(d);
	t_umount(sb);
}
END_TEST

START_TEST(attributes_persist_and_getattr_reports_the_device)
{
	const char *img = t_mkfs("-t ext2 -b 2048 -I 256", "8M");
	struct super_block *sb = t_mount(img);
	struct dentry *d = t_write_file(sb->root, "a", 100, 1);
	struct iattr attr = {
		.valid = ATTR_MODE | ATTR_UID | ATTR_GID | ATTR_MTIME,
		.mode = 0600,
		.uid = 70000,
		.gid = 1234,
		.mtime = { .tv_sec = 1000000000, .tv_nsec = 5000 }
	};
	struct kstat st = { 0 };

	ck_assert_int_eq(d->inode->ops->setattr(d, &attr), 0);
	ck_assert_int_eq(d->inode->ops->getattr(d, &st), 0);
	ck_assert_uint_eq(st.blksize, 2048);
	ck_assert_uint_eq(st.dev, MKDEV(98, 0));
	ck_assert_uint_eq(st.blocks, 4);
	dput(d);
	t_umount(sb);
	ck_assert_int_eq(t_fsck(img), 0);
	sb = t_mount(img);
	d = t_lookup(sb->root, "a");
	ck_assert_uint_eq(d->inode->mode, S_IFREG | 0600);
	ck_assert_uint_eq(d->inode->uid, 70000);
	ck_assert_uint_eq(d->inode->gid, 1234);
	ck_assert_int_eq(d->inode->mtime.tv_sec, 1000000000);
	ck_assert_int_eq(d->inode->mtime.tv_nsec, 5000);
	dput(d);
	t_umount(sb);
}
END_TEST

START_TEST(corrupt_directory_entry_gives_eio_not_a_crash)
{
	const char *img = t_mkfs("-t ext2 -b 1024", "8M");
	struct super_block *sb = t_mount(img);
	struct dentry *dir = t_mkdir(sb->root, "d");
	uint32_t block = EXT2_I(dir->inode)->block[0];
	uint16_t bad = 3;
	struct t_names *t = malloc(sizeof(*t));
	struct file *f;

	dput(dir);
	t_umount(sb);
	/* The rec_len of "." in the directory's block. */
	t_poke(img, (long)block * 1024 + 4, &bad, 2);
	sb = t_mount(img);
	dir = t_lookup(sb->root, "d");
	ck_assert_ptr_nonnull(dir->inode);
	{
		struct dentry *x = t_dentry_new(dir, "x");

		ck_assert_int_eq(dir->inode->ops->lookup(dir->inode, x), -EIO);
		dput(x);
	}
	f = t_open(dir, FMODE_READ);
	memset(t, 0, sizeof(*t));
	t->ctx.emit = t_emit;
	t->limit = 10;
	ck_assert_int_eq(f->ops->readdir(f, &t->ctx), -EIO);
	t_close(f);
	ck_assert_ptr_nonnull(strstr(t_log, "bad entry"));
	dput(dir);
	t_umount(sb);
	free(t);
}
END_TEST

START_TEST(bad_user_buffer_changes_nothing)
{
	const char *img = t_mkfs("-t ext2 -b 1024", "8M");
	struct super_block *sb = t_mount(img);
	struct dentry *d = t_write_file(sb->root, "f", 4096, 3);
	struct file *f = t_open(d, FMODE_READ | FMODE_WRITE);
	uint64_t blocks = d->inode->blocks, pos = 1024;
	struct uio u = uio_user(0x1000, 1024);

	/* A whole existing block and a new block past the end. */
	ck_assert_int_eq(f->ops->write(f, &u, &pos), -EFAULT);
	pos = 8192;
	u = uio_user(0x1000, 3000);
	ck_assert_int_eq(f->ops->write(f, &u, &pos), -EFAULT);
	ck_assert_uint_eq(d->inode->size, 4096);
	ck_assert_uint_eq(d->inode->blocks, blocks);
	t_close(f);
	t_check_file(d, 4096, 3);
	dput(d);
	t_umount(sb);
	ck_assert_int_eq(t_fsck(img), 0);
}
END_TEST

/* Visit every name under d: stat, read, readlink; depth-bounded. */
static void t_walk(struct dentry *d, int depth)
{
	struct t_names *t = malloc(sizeof(*t));
	struct file *f = t_open(d, FMODE_READ);

	memset(t, 0, sizeof(*t));
	t->ctx.emit = t_emit;
	t->limit = 600;
	f->ops->readdir(f, &t->ctx);
	t_close(f);
	for (int i = 0; i < t->n; i++) {
		struct dentry *c;
		char buf[8192];

		if (!strcmp(t->names[i], ".") || !strcmp(t->names[i], ".."))
			continue;
		c = t_dentry_new(d, t->names[i]);
		if (d->inode->ops->lookup(d->inode, c) || !c->inode) {
			dput(c);
			continue;
		}
		if (S_ISDIR(c->inode->mode) && depth < 4) {
			t_walk(c, depth + 1);
		} else if (S_ISREG(c->inode->mode)) {
			struct file *cf = t_open(c, FMODE_READ);

			for (uint64_t pos = 0; pos < 65536; pos += sizeof(buf))
				if (t_pread(cf, buf, sizeof(buf), pos) <= 0)
					break;
			t_close(cf);
		} else if (S_ISLNK(c->inode->mode)) {
			c->inode->ops->readlink(c, buf, sizeof(buf));
		}
		dput(c);
	}
	free(t);
}

START_TEST(random_corruption_never_crashes)
{
	char src[400], opts[512];
	const char *img;
	long itable = 0;

	snprintf(src, sizeof(src), "%s/tree", t_dir);
	ck_assert_int_eq(t_run("mkdir -p %s/a/b/c && for i in $(seq 40); do "
			       "head -c $((i * 700)) /dev/zero >%s/a/f$i; "
			       "ln -s $(printf '%%0.sx' $(seq $i)) %s/a/b/l$i; "
			       "done",
			       src, src, src),
			 0);
	snprintf(opts, sizeof(opts), "-t ext2 -b 1024 -O ^resize_inode -d %s",
		 src);
	img = t_mkfs(opts, "4M");
	ck_assert_int_eq(t_run("cp '%s' '%s.orig'", img, img), 0);
	t_peek(img, 2048 + offsetof(struct ext2_group_desc, bg_inode_table),
	       &itable, 4);
	itable *= 1024;
	for (unsigned int seed = 1; seed <= 100; seed++) {
		struct super_block *sb;
		char orig[400];

		snprintf(orig, sizeof(orig), "%s.orig", img);
		ck_assert_int_eq(t_run("cp '%s' '%s'", orig, img), 0);
		srand(seed);
		for (int i = 0; i < 12; i++) {
			/* The used inodes, and the blocks just after them. */
			long off = itable + rand() % (60 * 256);
			uint8_t v = (uint8_t)rand();

			t_poke(img, off, &v, 1);
			off = itable + 256 * 1024 + rand() % (40 * 1024);
			t_poke(img, off, &v, 1);
		}
		sb = t_mount_type("ext2", img, 0);
		if (IS_ERR(sb))
			continue;
		t_walk(sb->root, 0);
		{
			struct dentry *x = t_dentry_new(sb->root, "new");

			if (!sb->root->inode->ops->lookup(sb->root->inode, x) &&
			    !x->inode &&
			    !sb->root->inode->ops->create(sb->root->inode, x,
							  S_IFREG | 0644, 0)) {
				struct file *f = t_open(x, FMODE_WRITE);

				t_pwrite(f, opts, sizeof(opts), 5000);
				t_close(f);
			}
			dput(x);
		}
		{
			struct dentry *a = t_dentry_new(sb->root, "a");

			if (!sb->root->inode->ops->lookup(sb->root->inode, a) &&
			    a->inode && !S_ISDIR(a->inode->mode))
				sb->root->inode->ops->unlink(sb->root->inode,
							     a);
			dput(a);
		}
		t_umount(sb);
	}
}
END_TEST

/* lseek(SEEK_DATA/SEEK_HOLE) of f from off: the offset or -errno. */
static int64_t t_seek(struct file *f, int64_t off, int whence)
{
	return f->ops->llseek(f, off, whence);
}

#define T_GIB (1ll << 30)

/*
 * A file with 3000 bytes at 0, a 1 GiB hole (missing direct, indirect and
 * double indirect blocks, and missing branches under the triple indirect
 * one with 1 KiB blocks) and 3000 bytes at its end.
 */
START_TEST(seek_data_and_hole_follow_the_block_map)
{
	const char *img = t_mkfs("-t ext2 -b 1024", "16M");
	struct super_block *sb = t_mount(img);
	struct dentry *d = t_create(sb->root, "sparse", S_IFREG | 0644, 0);
	struct file *f = t_open(d, FMODE_READ | FMODE_WRITE);
	int64_t tail = T_GIB + 4096, size = tail + 3000;
	char buf[3000];
	long reads;

	t_fill(buf, sizeof(buf), 3);
	ck_assert_int_eq(t_pwrite(f, buf, sizeof(buf), 0), sizeof(buf));
	ck_assert_int_eq(t_pwrite(f, buf, sizeof(buf), (uint64_t)tail),
			 sizeof(buf));
	ck_assert_int_eq(t_seek(f, 0, SEEK_DATA), 0);
	ck_assert_int_eq(t_seek(f, 100, SEEK_DATA), 100);
	ck_assert_int_eq(t_seek(f, 0, SEEK_HOLE), 3072);
	ck_assert_uint_eq(f->pos, 3072);
	ck_assert_int_eq(t_seek(f, 2999, SEEK_HOLE), 3072);
	ck_assert_int_eq(t_seek(f, 3072, SEEK_HOLE), 3072);
	ck_assert_int_eq(t_seek(f, 5000, SEEK_HOLE), 5000);
	ck_assert_int_eq(t_seek(f, 512 << 20, SEEK_HOLE), 512 << 20);
	reads = fb.reads;
	ck_assert_int_eq(t_seek(f, 3072, SEEK_DATA), tail);
	ck_assert_uint_eq(f->pos, (uint64_t)tail);
	/* The hole is passed over by missing map entries, not by blocks. */
	ck_assert_int_le(fb.reads - reads, 8);
	ck_assert_int_eq(t_seek(f, T_GIB, SEEK_DATA), tail);
	ck_assert_int_eq(t_seek(f, tail + 10, SEEK_DATA), tail + 10);
	/* The end of the file is a hole. */
	ck_assert_int_eq(t_seek(f, tail, SEEK_HOLE), size);
	ck_assert_int_eq(t_seek(f, size - 1, SEEK_HOLE), size);
	ck_assert_int_eq(t_seek(f, size - 1, SEEK_DATA), size - 1);
	f->pos = 77;
	ck_assert_int_eq(t_seek(f, size, SEEK_DATA), -ENXIO);
	ck_assert_int_eq(t_seek(f, size, SEEK_HOLE), -ENXIO);
	ck_assert_int_eq(t_seek(f, size + 4096, SEEK_DATA), -ENXIO);
	ck_assert_int_eq(t_seek(f, -1, SEEK_DATA), -ENXIO);
	ck_assert_int_eq(t_seek(f, -1, SEEK_HOLE), -ENXIO);
	ck_assert_uint_eq(f->pos, 77);
	t_close(f);
	dput(d);
	t_umount(sb);
	ck_assert_int_eq(t_fsck(img), 0);
}
END_TEST

START_TEST(seek_past_the_last_block_finds_no_data_and_a_hole)
{
	const char *img = t_mkfs("-t ext2 -b 2048", "16M");
	struct super_block *sb = t_mount(img);
	struct iattr attr = { .valid = ATTR_SIZE, .size = 3 << 20 };
	struct dentry *d = t_write_file(sb->root, "f", 5000, 4);
	struct file *f = t_open(d, FMODE_READ);

	ck_assert_int_eq(d->inode->ops->setattr(d, &attr), 0);
	ck_assert_int_eq(t_seek(f, 0, SEEK_HOLE), 6144);
	ck_assert_int_eq(t_seek(f, 4999, SEEK_DATA), 4999);
	ck_assert_int_eq(t_seek(f, 6144, SEEK_DATA), -ENXIO);
	ck_assert_int_eq(t_seek(f, (3 << 20) - 1, SEEK_DATA), -ENXIO);
	ck_assert_int_eq(t_seek(f, (3 << 20) - 1, SEEK_HOLE), (3 << 20) - 1);
	t_close(f);
	dput(d);
	t_umount(sb);
}
END_TEST

START_TEST(seek_in_a_file_without_blocks_finds_only_a_hole)
{
	const char *img = t_mkfs("-t ext2 -b 4096", "16M");
	struct super_block *sb = t_mount(img);
	struct iattr attr = { .valid = ATTR_SIZE, .size = 2 * T_GIB };
	struct dentry *d = t_create(sb->root, "empty", S_IFREG | 0644, 0);
	struct file *f = t_open(d, FMODE_READ | FMODE_WRITE);

	ck_assert_int_eq(t_seek(f, 0, SEEK_DATA), -ENXIO);
	ck_assert_int_eq(t_seek(f, 0, SEEK_HOLE), -ENXIO);
	ck_assert_int_eq(d->inode->ops->setattr(d, &attr), 0);
	ck_assert_uint_eq(d->inode->blocks, 0);
	ck_assert_int_eq(t_seek(f, 0, SEEK_DATA), -ENXIO);
	ck_assert_int_eq(t_seek(f, T_GIB + 1, SEEK_DATA), -ENXIO);
	ck_assert_int_eq(t_seek(f, 0, SEEK_HOLE), 0);
	ck_assert_int_eq(t_seek(f, T_GIB + 1, SEEK_HOLE), T_GIB + 1);
	t_close(f);
	dput(d);
	t_umount(sb);
}
END_TEST

/* The same layout made by the host's mke2fs -d from a sparse file. */
START_TEST(seek_finds_the_holes_of_a_sparse_file_made_by_mke2fs)
{
	int64_t tail = T_GIB + 8192, size = tail + 4096;
	struct super_block *sb;
	struct dentry *d;
	struct file *f;
	char src[400], opts[512];
	const char *img;

	snprintf(src, sizeof(src), "%s/tree", t_dir);
	ck_assert_int_eq(t_run("mkdir -p %s && "
			       "head -c 4096 /dev/urandom >%s/sparse && "
			       "head -c 4096 /dev/urandom | dd of=%s/sparse "
			       "bs=4096 seek=%lld conv=notrunc status=none",
			       src, src, src, (long long)(tail / 4096)),
			 0);
	snprintf(opts, sizeof(opts), "-t ext2 -b 4096 -d %s", src);
	img = t_mkfs(opts, "16M");
	sb = t_mount(img);
	d = t_lookup(sb->root, "sparse");
	ck_assert_uint_eq(d->inode->size, (uint64_t)size);
	f = t_open(d, FMODE_READ);
	ck_assert_int_eq(t_seek(f, 0, SEEK_DATA), 0);
	ck_assert_int_eq(t_seek(f, 0, SEEK_HOLE), 4096);
	ck_assert_int_eq(t_seek(f, 4096, SEEK_DATA), tail);
	ck_assert_int_eq(t_seek(f, 60000, SEEK_HOLE), 60000);
	ck_assert_int_eq(t_seek(f, tail - 1, SEEK_DATA), tail);
	ck_assert_int_eq(t_seek(f, tail, SEEK_HOLE), size);
	ck_assert_int_eq(t_seek(f, size, SEEK_DATA), -ENXIO);
	t_close(f);
	dput(d);
	t_umount(sb);
}
END_TEST

START_TEST(seek_through_a_bad_indirect_block_gives_eio)
{
	const char *img = t_mkfs("-t ext2 -b 1024", "8M");
	struct super_block *sb = t_mount(img);
	struct dentry *d = t_write_file(sb->root, "f", 20 << 10, 6);
	struct file *f = t_open(d, FMODE_READ);
	uint32_t *slot = &EXT2_I(d->inode)->block[EXT2_IND_BLOCK];
	uint32_t ind = *slot;

	*slot = 0xfffffff0u;
	ck_assert_int_eq(t_seek(f, 0, SEEK_HOLE), -EIO);
	ck_assert_ptr_nonnull(strstr(t_log, "refers to bad block"));
	ck_assert_int_eq(t_seek(f, 5000, SEEK_DATA), 5000);
	*slot = ind;
	ck_assert_int_eq(t_seek(f, 0, SEEK_HOLE), 20 << 10);
	t_close(f);
	dput(d);
	t_umount(sb);
	ck_assert_int_eq(t_fsck(img), 0);
}
END_TEST

static Suite *ext2_suite(void)
{
	Suite *s = suite_create("ext2");
	TCase *codec = tcase_create("codec");
	TCase *mount = tcase_create("mount");
	TCase *ops = tcase_create("ops");

	tcase_add_test(codec, block_path_splits_direct_and_indirect_levels);
	tcase_add_test(codec, max_size_is_bounded_by_map_and_i_blocks);
	tcase_add_test(codec, find_zero_bit_skips_full_bytes_and_honours_start);
	tcase_add_test(codec, dirent_check_rejects_bad_rec_len_and_name_len);
	tcase_add_test(codec, device_numbers_use_old_and_new_encodings);
	tcase_add_test(codec,
		       directories_spread_and_files_stay_near_their_parent);
	suite_add_tcase(s, codec);

	tcase_add_unchecked_fixture(mount, t_setup, t_teardown);
	tcase_set_timeout(mount, 120);
	tcase_add_test(mount, block_size_1k_round_trip_is_fsck_clean);
	tcase_add_test(mount, block_size_2k_round_trip_is_fsck_clean);
	tcase_add_test(mount, block_size_4k_round_trip_is_fsck_clean);
	tcase_add_test(mount, revision_0_round_trip_is_fsck_clean);
	tcase_add_test(mount, inode_size_128_round_trip_is_fsck_clean);
	tcase_add_test(mount,
		       no_sparse_super_no_filetype_round_trip_is_fsck_clean);
	tcase_add_test(mount, written_data_is_seen_by_debugfs);
	tcase_add_test(mount, mke2fs_populated_tree_reads_back);
	tcase_add_test(mount, incompatible_features_refuse_the_mount);
	tcase_add_test(mount, unknown_ro_compat_features_allow_only_read_only);
	tcase_add_test(mount, clean_ext3_mounts_and_stays_consistent);
	tcase_add_test(mount, journal_needing_recovery_is_refused);
	tcase_add_test(mount, corrupt_super_block_fields_are_refused);
	tcase_add_test(mount, corrupt_group_descriptor_is_refused);
	tcase_add_test(mount, short_device_is_refused);
	tcase_add_test(mount, read_errors_surface_as_eio);
	tcase_add_test(mount,
		       state_is_unclean_while_mounted_rw_and_clean_after);
	tcase_add_test(mount, read_only_mount_refuses_changes);
	suite_add_tcase(s, mount);

	tcase_add_unchecked_fixture(ops, t_setup, t_teardown);
	tcase_set_timeout(ops, 120);
	tcase_add_test(ops, unlink_and_truncate_give_every_block_back);
	tcase_add_test(ops,
		       truncate_keeps_data_before_the_cut_in_every_map_level);
	tcase_add_test(ops,
		       big_sparse_file_uses_triple_indirect_and_large_file);
	tcase_add_test(ops, file_over_4g_with_4k_blocks_is_fsck_clean);
	tcase_add_test(ops,
		       directories_keep_link_counts_and_refuse_nonempty_rmdir);
	tcase_add_test(ops,
		       rename_moves_files_and_directories_and_replaces_targets);
	tcase_add_test(ops, symlinks_fast_and_slow_read_back);
	tcase_add_test(ops, hard_links_share_one_inode);
	tcase_add_test(ops, device_nodes_fifos_and_sockets_persist);
	tcase_add_test(ops, large_directories_list_every_entry_across_changes);
	tcase_add_test(ops,
		       changing_an_indexed_directory_clears_its_index_flag);
	tcase_add_test(ops, full_file_system_gives_enospc_and_stays_consistent);
	tcase_add_test(ops, unlinked_open_file_is_freed_on_last_close);
	tcase_add_test(ops, mmap_pages_come_from_blocks_or_snapshots);
	tcase_add_test(ops, mmap_with_small_blocks_assembles_a_page);
	tcase_add_test(ops, attributes_persist_and_getattr_reports_the_device);
	tcase_add_test(ops, corrupt_directory_entry_gives_eio_not_a_crash);
	tcase_add_test(ops, bad_user_buffer_changes_nothing);
	tcase_add_test(ops, random_corruption_never_crashes);
	tcase_add_test(ops, seek_data_and_hole_follow_the_block_map);
	tcase_add_test(ops, seek_past_the_last_block_finds_no_data_and_a_hole);
	tcase_add_test(ops, seek_in_a_file_without_blocks_finds_only_a_hole);
	tcase_add_test(ops,
		       seek_finds_the_holes_of_a_sparse_file_made_by_mke2fs);
	tcase_add_test(ops, seek_through_a_bad_indirect_block_gives_eio);
	suite_add_tcase(s, ops);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(ext2_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
