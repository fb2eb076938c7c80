/*
 * ext2 inodes: reading and writing the inode tables, the inode cache,
 * creation, deletion and attributes.
 *
 * One disk inode has at most one struct inode: ext2_iget finds live
 * inodes in a hash by number before reading the disk. In-memory changes
 * mark the inode dirty; it is written back on sync, fsync, and when its
 * last reference goes. An inode whose last reference goes with no links
 * left is deleted then: its blocks and xattr block freed, dtime set and
 * its bitmap bit cleared. Writing an inode rewrites only the fields ext2
 * knows in place, so the extra bytes of large inodes are preserved.
 */
#include "err.h"
#include "ext2_internal.h"
#include "klib.h"
#include "printk.h"
#include "timer.h"

/* Largest file size without the large_file feature. */
#define EXT2_SMALL_FILE_MAX 0x7fffffffull
#define EXT2_EPOCH_BITS 2
#define EXT2_EPOCH_MASK ((1u << EXT2_EPOCH_BITS) - 1)

static struct list_head *ext2_ihash(struct ext2_sb_info *sbi, uint32_t ino)
{
	return &sbi->ihash[ino % EXT2_IHASH_SIZE];
}

uint8_t ext2_file_type(uint32_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
		return EXT2_FT_REG_FILE;
	case S_IFDIR:
		return EXT2_FT_DIR;
	case S_IFCHR:
		return EXT2_FT_CHRDEV;
	case S_IFBLK:
		return EXT2_FT_BLKDEV;
	case S_IFIFO:
		return EXT2_FT_FIFO;
	case S_IFSOCK:
		return EXT2_FT_SOCK;
	case S_IFLNK:
		return EXT2_FT_SYMLINK;
	default:
		return EXT2_FT_UNKNOWN;
	}
}

void ext2_set_ops(struct inode *inode)
{
	switch (inode->mode & S_IFMT) {
	case S_IFREG:
		inode->ops = &ext2_file_iops;
		inode->fops = &ext2_file_fops;
		break;
	case S_IFDIR:
		inode->ops = &ext2_dir_iops;
		inode->fops = &ext2_dir_fops;
		break;
	case S_IFLNK:
		inode->ops = &ext2_symlink_iops;
		break;
	default:
		inode->ops = &ext2_file_iops;
		break;
	}
}

void ext2_dirty_inode(struct inode *inode)
{
	EXT2_I(inode)->dirty = true;
}

void ext2_touch(struct inode *inode, bool atime, bool mtime, bool ctime)
{
	inode_touch(inode, atime, mtime, ctime);
	ext2_dirty_inode(inode);
}

/* ---- the inode table ---- */

/* Read the table block holding ino; *off is the inode's byte offset. */
static int ext2_inode_block(struct ext2_sb_info *sbi, uint32_t ino,
			    struct buf *b, unsigned int *off)
{
	uint32_t g = (ino - 1) / sbi->inodes_per_group;
	uint32_t idx = (ino - 1) % sbi->inodes_per_group;
	uint32_t block = ext2_le32(sbi->gd[g].bg_inode_table) +
			 idx / sbi->inodes_per_block;
	int err = bread(sbi->bd, block, sbi->block_size, b);

	if (err) {
		printk(KERN_ERR "ext2: %s: cannot read inode %u (%d)\n",
		       sbi->bd->name, ino, err);
		return -EIO;
	}
	*off = (idx % sbi->inodes_per_block) * sbi->inode_size;
	return 0;
}

/* The i_extra_isize of raw when it is valid, else 0. */
static unsigned int ext2_extra_isize(const struct ext2_sb_info *sbi,
				     const struct ext2_inode *raw)
{
	unsigned int extra;

	if (sbi->inode_size <= EXT2_GOOD_OLD_INODE_SIZE)
		return 0;
	extra = ext2_le16(raw->i_extra_isize);
	if (extra > sbi->inode_size - EXT2_GOOD_OLD_INODE_SIZE || extra % 4)
		return 0;
	return extra;
}

static struct __kernel_timespec ext2_decode_time(__le32 base, __le32 extra,
						 bool has_extra)
{
	struct __kernel_timespec ts = {
		.tv_sec = (int32_t)ext2_le32(base),
	};

	if (has_extra) {
		uint32_t e = ext2_le32(extra);

		ts.tv_sec += (int64_t)(e & EXT2_EPOCH_MASK) << 32;
		ts.tv_nsec = (e >> EXT2_EPOCH_BITS) % NSEC_PER_SEC;
	}
	return ts;
}

static __le32 ext2_time_extra(const struct __kernel_timespec *ts)
{
	uint32_t epoch = (uint32_t)((ts->tv_sec - (int32_t)ts->tv_sec) >> 32) &
			 EXT2_EPOCH_MASK;

	return ext2_to_le32(((uint32_t)ts->tv_nsec << EXT2_EPOCH_BITS) | epoch);
}

/* Check the fields of a disk inode that ext2 depends on. */
static int ext2_check_raw(struct ext2_sb_info *sbi, uint32_t ino,
			  const struct ext2_inode *raw)
{
	uint32_t mode = ext2_le16(raw->i_mode);
	const char *what = NULL;

	switch (mode & S_IFMT) {
	case S_IFREG:
	case S_IFDIR:
	case S_IFLNK:
	case S_IFCHR:
	case S_IFBLK:
	case S_IFIFO:
	case S_IFSOCK:
		break;
	default:
		what = "bad file type";
	}
	if (!what && ext2_le16(raw->i_links_count) == 0)
		what = "deleted inode referenced";
	else if (!what && (ext2_le32(raw->i_flags) & EXT2_EXTENTS_FL))
		what = "extent-mapped inode";
	else if (!what && S_ISDIR(mode) &&
		 ext2_le32(raw->i_size) % sbi->block_size)
		what = "directory size";
	if (!what)
		return 0;
	printk(KERN_ERR "ext2: %s: inode %u: %s\n", sbi->bd->name, ino, what);
	return -EIO;
}

/* Fill inode and ei from the disk inode raw. */
static void ext2_decode_inode(struct ext2_sb_info *sbi, struct inode *inode,
			      const struct ext2_inode *raw)
{
	struct ext2_inode_info *ei = EXT2_I(inode);
	unsigned int extra = ext2_extra_isize(sbi, raw);
	bool times = extra >= EXT2_EXTRA_ISIZE_MIN_TIMES;

	inode->mode = ext2_le16(raw->i_mode);
	inode->uid = ext2_le16(raw->i_uid) |
		     ((uint32_t)ext2_le16(raw->i_uid_high) << 16);
	inode->gid = ext2_le16(raw->i_gid) |
		     ((uint32_t)ext2_le16(raw->i_gid_high) << 16);
	inode->nlink = ext2_le16(raw->i_links_count);
	inode->size = ext2_le32(raw->i_size);
	if (S_ISREG(inode->mode))
		inode->size |= (uint64_t)ext2_le32(raw->i_size_high) << 32;
	inode->blocks = ext2_le32(raw->i_blocks);
	if (sbi->ro_compat & EXT2_FEATURE_RO_COMPAT_HUGE_FILE) {
		inode->blocks |= (uint64_t)ext2_le16(raw->i_blocks_hi) << 32;
		if (ext2_le32(raw->i_flags) & EXT2_HUGE_FILE_FL)
			inode->blocks *= sbi->block_size / 512;
	}
	inode->atime =
		ext2_decode_time(raw->i_atime, raw->i_atime_extra, times);
	inode->mtime =
		ext2_decode_time(raw->i_mtime, raw->i_mtime_extra, times);
	inode->ctime =
		ext2_decode_time(raw->i_ctime, raw->i_ctime_extra, times);
	inode->btime = extra >= EXT2_EXTRA_ISIZE_TIMES ?
			       ext2_decode_time(raw->i_crtime,
						raw->i_crtime_extra, true) :
			       inode->ctime;
	for (int i = 0; i < EXT2_N_BLOCKS; i++)
		ei->block[i] = ext2_le32(raw->i_block[i]);
	ei->flags = ext2_le32(raw->i_flags);
	ei->dtime = ext2_le32(raw->i_dtime);
	ei->file_acl = ext2_le32(raw->i_file_acl);
	ei->generation = ext2_le32(raw->i_generation);
	inode->rdev = 0;
	if (S_ISCHR(inode->mode) || S_ISBLK(inode->mode)) {
		uint32_t old = ei->block[0], new = ei->block[1];

		inode->rdev =
			old ? MKDEV(ext2_old_major(old), ext2_old_minor(old)) :
			      MKDEV(ext2_new_major(new), ext2_new_minor(new));
	}
}

/* Store inode and ei into the disk inode raw (only fields ext2 owns). */
static void ext2_encode_inode(struct ext2_sb_info *sbi, struct inode *inode,
			      struct ext2_inode *raw)
{
	struct ext2_inode_info *ei = EXT2_I(inode);
	unsigned int extra = ext2_extra_isize(sbi, raw);

	raw->i_mode = ext2_to_le16((uint16_t)inode->mode);
	raw->i_uid = ext2_to_le16((uint16_t)inode->uid);
	raw->i_uid_high = ext2_to_le16((uint16_t)(inode->uid >> 16));
	raw->i_gid = ext2_to_le16((uint16_t)inode->gid);
	raw->i_gid_high = ext2_to_le16((uint16_t)(inode->gid >> 16));
	raw->i_links_count = ext2_to_le16((uint16_t)inode->nlink);
	raw->i_size = ext2_to_le32((uint32_t)inode->size);
	raw->i_size_high = ext2_to_le32(
		S_ISREG(inode->mode) ? (uint32_t)(inode->size >> 32) : 0);
	raw->i_blocks = ext2_to_le32((uint32_t)inode->blocks);
	raw->i_blocks_hi = 0;
	raw->i_atime = ext2_to_le32((uint32_t)inode->atime.tv_sec);
	raw->i_mtime = ext2_to_le32((uint32_t)inode->mtime.tv_sec);
	raw->i_ctime = ext2_to_le32((uint32_t)inode->ctime.tv_sec);
	if (extra >= EXT2_EXTRA_ISIZE_MIN_TIMES) {
		raw->i_atime_extra = ext2_time_extra(&inode->atime);
		raw->i_mtime_extra = ext2_time_extra(&inode->mtime);
		raw->i_ctime_extra = ext2_time_extra(&inode->ctime);
	}
	raw->i_dtime = ext2_to_le32(ei->dtime);
	raw->i_flags = ext2_to_le32(ei->flags & ~EXT2_HUGE_FILE_FL);
	raw->i_file_acl = ext2_to_le32(ei->file_acl);
	raw->i_generation = ext2_to_le32(ei->generation);
	for (int i = 0; i < EXT2_N_BLOCKS; i++)
		raw->i_block[i] = ext2_to_le32(ei->block[i]);
}

/* A file over 2 GiB exists: record the large_file feature. */
static void ext2_note_large_file(struct ext2_sb_info *sbi)
{
	if (sbi->ro_compat & EXT2_FEATURE_RO_COMPAT_LARGE_FILE)
		return;
	sbi->ro_compat |= EXT2_FEATURE_RO_COMPAT_LARGE_FILE;
	sbi->es.s_feature_ro_compat = ext2_to_le32(sbi->ro_compat);
}

int ext2_write_inode(struct inode *inode)
{
	struct ext2_sb_info *sbi = EXT2_SB(inode->sb);
	unsigned int off;
	struct buf b;
	int err;

	if (ext2_rdonly(sbi))
		return 0;
	err = ext2_inode_block(sbi, (uint32_t)inode->ino, &b, &off);
	if (err)
		return err;
	ext2_encode_inode(sbi, inode,
			  (struct ext2_inode *)((uint8_t *)b.data + off));
	bdirty(&b);
	brelse(&b);
	if (S_ISREG(inode->mode) && inode->size > EXT2_SMALL_FILE_MAX)
		ext2_note_large_file(sbi);
	EXT2_I(inode)->dirty = false;
	return 0;
}

int ext2_write_dirty_inodes(struct ext2_sb_info *sbi)
{
	struct inode *inode;
	int err = 0;

	list_for_each_entry(inode, &sbi->sb->inodes, sb_link) {
		struct ext2_inode_info *ei = EXT2_I(inode);
		int err2;

		if (!ei || !ei->dirty)
			continue;
		err2 = ext2_write_inode(inode);
		if (err2 && !err)
			err = err2;
	}
	return err;
}

/* ---- the cache ---- */

static struct inode *ext2_ifind(struct ext2_sb_info *sbi, uint32_t ino)
{
	struct ext2_inode_info *ei;

	list_for_each_entry(ei, ext2_ihash(sbi, ino), hash_link)
		if (ei->inode->ino == ino)
			return inode_get(ei->inode);
	return NULL;
}

/* A struct inode for ino with its ext2 part, hashed; or NULL. */
static struct inode *ext2_inode_new(struct super_block *sb, uint32_t ino)
{
	struct ext2_sb_info *sbi = EXT2_SB(sb);
	struct ext2_inode_info *ei = kzalloc(sizeof(*ei));
	struct inode *inode;

	if (!ei)
		return NULL;
	inode = inode_alloc(sb);
	if (!inode) {
		kfree(ei);
		return NULL;
	}
	inode->ino = ino;
	inode->private_data = ei;
	ei->inode = inode;
	ei->group = (ino - 1) / sbi->inodes_per_group;
	list_add(&ei->hash_link, ext2_ihash(sbi, ino));
	return inode;
}

/* Free the in-memory inode without touching the disk. */
static void ext2_inode_forget(struct inode *inode)
{
	struct ext2_inode_info *ei = EXT2_I(inode);

	list_del(&ei->hash_link);
	kfree(ei);
	inode->private_data = NULL;
	inode_free(inode);
}

struct inode *ext2_iget(struct super_block *sb, uint32_t ino)
{
	struct ext2_sb_info *sbi = EXT2_SB(sb);
	struct ext2_inode raw;
	struct inode *inode;
	unsigned int off;
	struct buf b;
	int err;

	if ((ino != EXT2_ROOT_INO && ino < sbi->first_ino) ||
	    ino > sbi->inodes_count) {
		printk(KERN_ERR "ext2: %s: bad inode number %u\n",
		       sbi->bd->name, ino);
		return ERR_PTR(-EIO);
	}
	inode = ext2_ifind(sbi, ino);
	if (inode)
		return inode;
	err = ext2_inode_block(sbi, ino, &b, &off);
	if (err)
		return ERR_PTR(err);
	kmemset(&raw, 0, sizeof(raw));
	kmemcpy(&raw, (uint8_t *)b.data + off,
		MIN(sizeof(raw), sbi->inode_size));
	brelse(&b);
	err = ext2_check_raw(sbi, ino, &raw);
	if (err)
		return ERR_PTR(err);
	inode = ext2_inode_new(sb, ino);
	if (!inode)
		return ERR_PTR(-ENOMEM);
	ext2_decode_inode(sbi, inode, &raw);
	ext2_set_ops(inode);
	return inode;
}

/* Zero the disk inode ino and give large inodes their extra size. */
static int ext2_clear_disk_inode(struct ext2_sb_info *sbi, uint32_t ino)
{
	struct ext2_inode *raw;
	unsigned int off;
	struct buf b;
	int err = ext2_inode_block(sbi, ino, &b, &off);

	if (err)
		return err;
	raw = (struct ext2_inode *)((uint8_t *)b.data + off);
	kmemset(raw, 0, sbi->inode_size);
	if (sbi->inode_size - EXT2_GOOD_OLD_INODE_SIZE >=
	    EXT2_EXTRA_ISIZE_TIMES)
		raw->i_extra_isize = ext2_to_le16(EXT2_EXTRA_ISIZE_TIMES);
	bdirty(&b);
	brelse(&b);
	return 0;
}

struct inode *ext2_new_inode(struct inode *dir, uint32_t mode)
{
	struct ext2_sb_info *sbi = EXT2_SB(dir->sb);
	struct ext2_inode_info *ei;
	struct inode *inode;
	uint32_t ino;
	int err;

	if (ext2_rdonly(sbi))
		return ERR_PTR(-EROFS);
	err = ext2_new_ino(sbi, EXT2_I(dir)->group, S_ISDIR(mode), &ino);
	if (err)
		return ERR_PTR(err);
	err = ext2_clear_disk_inode(sbi, ino);
	if (err)
		goto out_ino;
	err = -ENOMEM;
	inode = ext2_inode_new(dir->sb, ino);
	if (!inode)
		goto out_ino;
	ei = EXT2_I(inode);
	inode_init_owner(inode, dir, mode);
	inode->nlink = 1;
	inode->size = 0;
	inode->blocks = 0;
	inode->btime = inode->ctime;
	if (!sbi->next_generation)
		sbi->next_generation = (uint32_t)time_real_ns();
	ei->generation = sbi->next_generation++;
	ext2_set_ops(inode);
	err = ext2_write_inode(inode);
	if (err) {
		ext2_inode_forget(inode);
		goto out_ino;
	}
	return inode;
out_ino:
	ext2_free_ino(sbi, ino, S_ISDIR(mode));
	return ERR_PTR(err);
}

/* ---- deletion ---- */

/* Whether i_block holds block numbers (not a device or symlink text). */
static bool ext2_has_block_map(struct inode *inode)
{
	struct ext2_sb_info *sbi = EXT2_SB(inode->sb);
	uint64_t acl = EXT2_I(inode)->file_acl ? sbi->block_size / 512 : 0;

	if (S_ISREG(inode->mode) || S_ISDIR(inode->mode))
		return true;
	return S_ISLNK(inode->mode) && inode->blocks > acl;
}

/* Drop the inode's reference on its extended attribute block. */
static void ext2_release_xattr(struct inode *inode)
{
	struct ext2_sb_info *sbi = EXT2_SB(inode->sb);
	struct ext2_inode_info *ei = EXT2_I(inode);
	struct ext2_xattr_header *h;
	uint32_t refs;
	struct buf b;

	if (!ei->file_acl)
		return;
	if (!ext2_block_valid(sbi, ei->file_acl) ||
	    bread(sbi->bd, ei->file_acl, sbi->block_size, &b)) {
		printk(KERN_ERR "ext2: %s: inode %llu: bad xattr block %u\n",
		       sbi->bd->name, (unsigned long long)inode->ino,
		       ei->file_acl);
		ei->file_acl = 0;
		return;
	}
	h = b.data;
	refs = ext2_le32(h->h_refcount);
	if (ext2_le32(h->h_magic) == EXT2_XATTR_MAGIC && refs > 1) {
		h->h_refcount = ext2_to_le32(refs - 1);
		bdirty(&b);
		brelse(&b);
	} else {
		brelse(&b);
		ext2_free_blocks(sbi, ei->file_acl, 1);
	}
	if (inode->blocks >= sbi->block_size / 512)
		inode->blocks -= sbi->block_size / 512;
	ei->file_acl = 0;
}

/* The last link and reference went: free everything the inode holds. */
static void ext2_delete_inode(struct inode *inode)
{
	struct ext2_sb_info *sbi = EXT2_SB(inode->sb);
	struct ext2_inode_info *ei = EXT2_I(inode);

	if (ext2_has_block_map(inode))
		ext2_truncate_blocks(inode, 0);
	ext2_release_xattr(inode);
	inode->size = 0;
	ei->dtime = (uint32_t)(time_real_ns() / NSEC_PER_SEC);
	if (!ei->dtime)
		ei->dtime = 1;
	ext2_write_inode(inode);
	ext2_free_ino(sbi, (uint32_t)inode->ino, S_ISDIR(inode->mode));
}

void ext2_inode_release(struct inode *inode)
{
	struct ext2_sb_info *sbi = EXT2_SB(inode->sb);

	if (!ext2_rdonly(sbi)) {
		if (inode->nlink == 0)
			ext2_delete_inode(inode);
		else if (EXT2_I(inode)->dirty)
			ext2_write_inode(inode);
	}
	ext2_inode_forget(inode);
}

/* ---- attributes ---- */

/* Zero the bytes of the block holding size that lie past it. */
static int ext2_zero_tail(struct inode *inode, uint64_t size)
{
	struct ext2_sb_info *sbi = EXT2_SB(inode->sb);
	unsigned int off = (unsigned int)(size % sbi->block_size);
	uint32_t block;
	struct buf b;
	int err;

	if (!off)
		return 0;
	err = ext2_bmap(inode, size / sbi->block_size, false, &block, NULL);
	if (err || !block)
		return err;
	if (bread(sbi->bd, block, sbi->block_size, &b))
		return -EIO;
	kmemset((uint8_t *)b.data + off, 0, sbi->block_size - off);
	bdirty(&b);
	brelse(&b);
	return 0;
}

int ext2_resize(struct inode *inode, uint64_t size)
{
	struct ext2_sb_info *sbi = EXT2_SB(inode->sb);
	int err;

	if (size > sbi->max_file_size ||
	    (sbi->rev == EXT2_GOOD_OLD_REV && size > EXT2_SMALL_FILE_MAX))
		return -EFBIG;
	if (size < inode->size) {
		err = ext2_zero_tail(inode, size);
		if (!err)
			err = ext2_truncate_blocks(inode, size);
		if (err)
			return err;
	}
	if (size != inode->size) {
		inode->size = size;
		inode_touch(inode, false, true, true);
	}
	ext2_dirty_inode(inode);
	return 0;
}

int ext2_setattr(struct dentry *d, const struct iattr *attr)
{
	struct inode *inode = d->inode;

	if (ext2_rdonly(EXT2_SB(inode->sb)))
		return -EROFS;
	if (attr->valid & ATTR_SIZE) {
		int err;

		if (S_ISDIR(inode->mode))
			return -EISDIR;
		if (!S_ISREG(inode->mode))
			return -EINVAL;
		err = ext2_resize(inode, attr->size);
		if (err)
			return err;
	}
	inode_setattr_copy(inode, attr);
	ext2_dirty_inode(inode);
	return 0;
}

int ext2_getattr(struct dentry *d, struct kstat *st)
{
	struct ext2_sb_info *sbi = EXT2_SB(d->inode->sb);

	st->blksize = sbi->block_size;
	st->dev = sbi->bd->dev;
	st->blocks = d->inode->blocks;
	return 0;
}
