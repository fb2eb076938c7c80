/*
 * ext2 file operations: read, write, lseek (with SEEK_DATA/SEEK_HOLE),
 * mmap pages and fsync of regular files, and the directory file
 * operations.
 *
 * Data moves through the block cache a block at a time. Holes read as
 * zeros; a write fills them, and a block the write covers entirely is
 * taken with bget so nothing is read. A write that fails part way frees
 * any blocks it allocated past the end of the file. atime follows a
 * relatime rule: it is only updated when older than mtime or ctime, or
 * a day old.
 */
#include <linux/fs.h>

#include "err.h"
#include "ext2_internal.h"
#include "klib.h"
#include "mm.h"
#include "timer.h"

#define EXT2_ATIME_MAX_AGE (24 * 60 * 60)

static bool ts_le(const struct __kernel_timespec *a,
		  const struct __kernel_timespec *b)
{
	return a->tv_sec < b->tv_sec ||
	       (a->tv_sec == b->tv_sec && a->tv_nsec <= b->tv_nsec);
}

/* Record an access of f's inode, relatime style. */
static void ext2_update_atime(struct file *f)
{
	struct inode *inode = f->inode;
	int64_t now = (int64_t)(time_real_ns() / NSEC_PER_SEC);

	if (ext2_rdonly(EXT2_SB(inode->sb)) || (f->flags & O_NOATIME) ||
	    (f->mnt && (f->mnt->flags & (MNT_NOATIME | MNT_RDONLY))))
		return;
	if (!ts_le(&inode->atime, &inode->mtime) &&
	    !ts_le(&inode->atime, &inode->ctime) &&
	    now - inode->atime.tv_sec < EXT2_ATIME_MAX_AGE)
		return;
	ext2_touch(inode, true, false, false);
}

static long ext2_read(struct file *f, struct uio *u, uint64_t *pos)
{
	struct inode *inode = f->inode;
	struct ext2_sb_info *sbi = EXT2_SB(inode->sb);
	unsigned int bs = sbi->block_size;
	size_t done = 0;
	int err = 0;

	while (u->len && *pos < inode->size) {
		unsigned int off = (unsigned int)(*pos % bs);
		size_t n = (size_t)MIN(MIN((uint64_t)u->len, bs - off),
				       inode->size - *pos);
		uint32_t block;
		struct buf b;

		err = ext2_bmap(inode, *pos / bs, false, &block, NULL);
		if (err)
			break;
		if (!block) {
			static const uint8_t zeros[EXT2_SUPER_SIZE];
			size_t chunk = MIN(n, sizeof(zeros));

			if (uio_copy_out(u, zeros, chunk)) {
				err = -EFAULT;
				break;
			}
			n = chunk;
		} else {
			if (bread(sbi->bd, block, bs, &b)) {
				err = -EIO;
				break;
			}
			err = uio_copy_out(u, (uint8_t *)b.data + off, n);
			brelse(&b);
			if (err)
				break;
		}
		done += n;
		*pos += n;
	}
	if (done || !err)
		ext2_update_atime(f);
	return done ? (long)done : err;
}

/*
 * Write n bytes of u at pos inside one block. The bytes are copied from
 * the caller into bounce first, so a bad buffer changes nothing: a block
 * taken with bget (not read) is always written in full.
 */
static int ext2_write_block(struct inode *inode, struct uio *u, uint64_t pos,
			    size_t n, uint8_t *bounce)
{
	struct ext2_sb_info *sbi = EXT2_SB(inode->sb);
	unsigned int bs = sbi->block_size;
	unsigned int off = (unsigned int)(pos % bs);
	bool whole = off == 0 && n == bs, fresh;
	uint32_t block;
	struct buf b;
	int err = uio_copy_in(u, bounce, n);

	if (err)
		return err;
	err = ext2_bmap(inode, pos / bs, true, &block, &fresh);
	if (err)
		return err;
	err = (whole || fresh) ? bget(sbi->bd, block, bs, &b) :
				 bread(sbi->bd, block, bs, &b);
	if (err)
		return -EIO;
	if (fresh && !whole)
		kmemset(b.data, 0, bs);
	kmemcpy((uint8_t *)b.data + off, bounce, n);
	bdirty(&b);
	brelse(&b);
	return 0;
}

static long ext2_write(struct file *f, struct uio *u, uint64_t *pos)
{
	struct inode *inode = f->inode;
	struct ext2_sb_info *sbi = EXT2_SB(inode->sb);
	uint64_t limit = sbi->max_file_size;
	unsigned int bs = sbi->block_size;
	size_t done = 0;
	uint8_t *bounce;
	int err = 0;

	if (ext2_rdonly(sbi))
		return -EROFS;
	if (f->flags & O_APPEND)
		*pos = inode->size;
	if (sbi->rev == EXT2_GOOD_OLD_REV)
		limit = MIN(limit, 0x7fffffffull);
	if (*pos >= limit)
		return u->len ? -EFBIG : 0;
	bounce = kmalloc(bs);
	if (!bounce)
		return -ENOMEM;
	while (u->len && *pos < limit) {
		size_t n = (size_t)MIN(MIN((uint64_t)u->len, bs - *pos % bs),
				       limit - *pos);

		err = ext2_write_block(inode, u, *pos, n, bounce);
		if (err)
			break;
		done += n;
		*pos += n;
		if (*pos > inode->size)
			inode->size = *pos;
	}
	kfree(bounce);
	/* Blocks a failed write allocated past the end must not stay. */
	if (err)
		ext2_truncate_blocks(inode, inode->size);
	if (done)
		ext2_touch(inode, false, true, true);
	return done ? (long)done : err;
}

/*
 * mmap: the page at page index idx. With 4 KiB blocks the block's own
 * cache page is returned, so shared mappings and read/write see one copy;
 * a hole is filled first when the file is open for writing. Otherwise
 * (a hole of a read-only file, or blocks smaller than a page) a fresh
 * page is assembled from the blocks: such a page is a snapshot that later
 * writes do not update and whose changes never reach the file.
 */
static int ext2_get_page(struct file *f, uint64_t idx, pfn_t *out)
{
	struct inode *inode = f->inode;
	struct ext2_sb_info *sbi = EXT2_SB(inode->sb);
	unsigned int bs = sbi->block_size;
	bool writable = (f->mode & FMODE_WRITE) && !ext2_rdonly(sbi);
	uint64_t per_page = PAGE_SIZE / bs;
	uint8_t *dst;
	pfn_t pfn;
	int err;

	if (idx >= DIV_ROUND_UP(inode->size, PAGE_SIZE))
		return -ENXIO;
	if (bs == PAGE_SIZE) {
		uint32_t block;
		struct buf b;

		err = ext2_bmap(inode, idx, writable, &block, NULL);
		if (err)
			return err;
		if (block) {
			if (bread(sbi->bd, block, bs, &b))
				return -EIO;
			*out = buf_page_get(&b, writable);
			brelse(&b);
			return 0;
		}
	}
	pfn = page_alloc_zeroed();
	if (pfn == PFN_NONE)
		return -ENOMEM;
	dst = page_ptr(pfn);
	for (uint64_t i = 0; i < per_page; i++) {
		uint64_t lblock = idx * per_page + i;
		uint32_t block;
		struct buf b;

		if (lblock * bs >= inode->size)
			break;
		err = ext2_bmap(inode, lblock, false, &block, NULL);
		if (!err && block && bread(sbi->bd, block, bs, &b))
			err = -EIO;
		if (err) {
			page_put(pfn);
			return err;
		}
		if (block) {
			kmemcpy(dst + i * bs, b.data, bs);
			brelse(&b);
		}
	}
	*out = pfn;
	return 0;
}

/*
 * lseek: SEEK_DATA and SEEK_HOLE follow the block map, like Linux's ext2:
 * mapped blocks are data, unmapped blocks are holes, and the end of the
 * file is always a hole. An offset at or past the end gives -ENXIO. The
 * other whences are the VFS default's.
 */
static int64_t ext2_llseek(struct file *f, int64_t off, int whence)
{
	struct inode *inode = f->inode;
	unsigned int bs = EXT2_SB(inode->sb)->block_size;
	uint64_t nblocks = DIV_ROUND_UP(inode->size, bs), block, pos;
	int err;

	if (whence != SEEK_DATA && whence != SEEK_HOLE)
		return vfs_default_llseek(f, off, whence);
	if (off < 0 || (uint64_t)off >= inode->size)
		return -ENXIO;
	err = ext2_seek_block(inode, (uint64_t)off / bs, nblocks,
			      whence == SEEK_DATA, &block);
	if (err)
		return err;
	if (block >= nblocks) {
		if (whence == SEEK_DATA)
			return -ENXIO;
		pos = inode->size;
	} else {
		pos = MAX((uint64_t)off, block * bs);
	}
	f->pos = pos;
	return (int64_t)pos;
}

static int ext2_fsync(struct file *f, bool datasync)
{
	struct ext2_sb_info *sbi = EXT2_SB(f->inode->sb);
	int err = 0;

	if (!ext2_rdonly(sbi)) {
		err = ext2_write_inode(f->inode);
		if (!err)
			err = ext2_commit_super(sbi);
	}
	if (!err)
		err = blkdev_sync(sbi->bd);
	return err;
}

static int ext2_dir_readdir(struct file *f, struct dir_ctx *ctx)
{
	int err = ext2_readdir(f, ctx);

	ext2_update_atime(f);
	return err;
}

const struct file_ops ext2_file_fops = {
	.read = ext2_read,
	.write = ext2_write,
	.llseek = ext2_llseek,
	.get_page = ext2_get_page,
	.fsync = ext2_fsync,
};

const struct file_ops ext2_dir_fops = {
	.readdir = ext2_dir_readdir,
	.llseek = vfs_default_llseek,
	.fsync = ext2_fsync,
};
