/*
 * ext2 name operations: the inode_ops of directories (lookup, create,
 * mkdir, symlink, link, unlink, rmdir, rename) and of symlinks.
 *
 * Link counts follow the Unix rules: a directory has 2 links plus one per
 * subdirectory (whose ".." names it); removing the last name of an inode
 * leaves it to ext2_inode_release to free once its last reference goes.
 * A failed creation drops the new inode's link count to zero so the
 * release frees it again. Fast symlinks (targets under 60 bytes) live in
 * i_block; longer ones in one data block.
 */
#include <linux/fs.h>

#include "err.h"
#include "ext2_internal.h"
#include "klib.h"

static int ext2_lookup(struct inode *dir, struct dentry *d)
{
	struct inode *inode;
	uint32_t ino;
	int err;

	if (d->name.len > EXT2_NAME_LEN)
		return -ENAMETOOLONG;
	err = ext2_find_entry(dir, d->name.name, d->name.len, &ino);
	if (err == -ENOENT)
		return 0;
	if (err)
		return err;
	inode = ext2_iget(dir->sb, ino);
	if (IS_ERR(inode))
		return (int)PTR_ERR(inode);
	d_instantiate(d, inode);
	return 0;
}

/* Give a failed new inode back: no links, freed on its last put. */
static void ext2_discard_new(struct inode *inode)
{
	inode->nlink = 0;
	ext2_dirty_inode(inode);
	inode_put(inode);
}

/* Name the new inode d in dir (consumes the inode reference). */
static int ext2_add_nondir(struct inode *dir, struct dentry *d,
			   struct inode *inode)
{
	int err = ext2_add_entry(dir, d->name.name, d->name.len,
				 (uint32_t)inode->ino, inode->mode);

	if (err) {
		ext2_discard_new(inode);
		return err;
	}
	d_instantiate(d, inode);
	return 0;
}

static int ext2_check_name(struct inode *dir, struct dentry *d)
{
	if (ext2_rdonly(EXT2_SB(dir->sb)))
		return -EROFS;
	return d->name.len > EXT2_NAME_LEN ? -ENAMETOOLONG : 0;
}

static int ext2_create(struct inode *dir, struct dentry *d, uint32_t mode,
		       uint64_t rdev)
{
	struct inode *inode;
	int err = ext2_check_name(dir, d);

	if (err)
		return err;
	inode = ext2_new_inode(dir, mode);
	if (IS_ERR(inode))
		return (int)PTR_ERR(inode);
	if (S_ISCHR(mode) || S_ISBLK(mode)) {
		struct ext2_inode_info *ei = EXT2_I(inode);
		unsigned int major = MAJOR(rdev), minor = MINOR(rdev);

		if (ext2_old_valid_dev(major, minor))
			ei->block[0] = ext2_old_encode_dev(major, minor);
		else
			ei->block[1] = ext2_new_encode_dev(major, minor);
		inode->rdev = MKDEV(major, minor);
		ext2_dirty_inode(inode);
	}
	return ext2_add_nondir(dir, d, inode);
}

static int ext2_mkdir(struct inode *dir, struct dentry *d, uint32_t mode)
{
	struct inode *inode;
	int err = ext2_check_name(dir, d);

	if (err)
		return err;
	if (dir->nlink >= EXT2_LINK_MAX)
		return -EMLINK;
	inode = ext2_new_inode(dir, S_IFDIR | (mode & 07777));
	if (IS_ERR(inode))
		return (int)PTR_ERR(inode);
	inode->nlink = 2;
	err = ext2_make_empty(inode, (uint32_t)dir->ino);
	if (!err)
		err = ext2_add_entry(dir, d->name.name, d->name.len,
				     (uint32_t)inode->ino, inode->mode);
	if (err) {
		ext2_discard_new(inode);
		return err;
	}
	dir->nlink++;
	ext2_dirty_inode(dir);
	d_instantiate(d, inode);
	return 0;
}

/* Store a short target in i_block, byte order as on disk. */
static void ext2_set_fast_link(struct inode *inode, const char *target,
			       size_t len)
{
	struct ext2_inode_info *ei = EXT2_I(inode);
	__le32 words[EXT2_N_BLOCKS];

	kmemset(words, 0, sizeof(words));
	kmemcpy(words, target, len);
	for (int i = 0; i < EXT2_N_BLOCKS; i++)
		ei->block[i] = ext2_le32(words[i]);
}

static int ext2_set_slow_link(struct inode *inode, const char *target,
			      size_t len)
{
	struct ext2_sb_info *sbi = EXT2_SB(inode->sb);
	uint32_t block;
	struct buf b;
	int err = ext2_bmap(inode, 0, true, &block, NULL);

	if (err)
		return err;
	if (bget(sbi->bd, block, sbi->block_size, &b))
		return -EIO;
	kmemset(b.data, 0, sbi->block_size);
	kmemcpy(b.data, target, len);
	bdirty(&b);
	brelse(&b);
	return 0;
}

static int ext2_symlink(struct inode *dir, struct dentry *d, const char *target)
{
	struct ext2_sb_info *sbi = EXT2_SB(dir->sb);
	size_t len = kstrlen(target);
	struct inode *inode;
	int err = ext2_check_name(dir, d);

	if (err)
		return err;
	if (len + 1 > sbi->block_size)
		return -ENAMETOOLONG;
	inode = ext2_new_inode(dir, S_IFLNK | 0777);
	if (IS_ERR(inode))
		return (int)PTR_ERR(inode);
	if (len < EXT2_FAST_SYMLINK_MAX) {
		ext2_set_fast_link(inode, target, len);
	} else {
		err = ext2_set_slow_link(inode, target, len);
		if (err) {
			ext2_discard_new(inode);
			return err;
		}
	}
	inode->size = len;
	ext2_dirty_inode(inode);
	return ext2_add_nondir(dir, d, inode);
}

static int ext2_link(struct dentry *old, struct inode *dir, struct dentry *d)
{
	struct inode *inode = old->inode;
	int err = ext2_check_name(dir, d);

	if (err)
		return err;
	if (inode->nlink >= EXT2_LINK_MAX)
		return -EMLINK;
	err = ext2_add_entry(dir, d->name.name, d->name.len,
			     (uint32_t)inode->ino, inode->mode);
	if (err)
		return err;
	inode->nlink++;
	ext2_touch(inode, false, false, true);
	d_instantiate(d, inode_get(inode));
	return 0;
}

static void ext2_drop_link(struct inode *inode)
{
	if (inode->nlink)
		inode->nlink--;
	ext2_touch(inode, false, false, true);
}

static int ext2_unlink(struct inode *dir, struct dentry *d)
{
	int err = ext2_check_name(dir, d);

	if (!err)
		err = ext2_delete_entry(dir, d->name.name, d->name.len);
	if (err)
		return err;
	ext2_drop_link(d->inode);
	return 0;
}

static int ext2_rmdir(struct inode *dir, struct dentry *d)
{
	struct inode *inode = d->inode;
	int err = ext2_check_name(dir, d);

	if (err)
		return err;
	err = ext2_dir_empty(inode);
	if (err <= 0)
		return err ? err : -ENOTEMPTY;
	err = ext2_delete_entry(dir, d->name.name, d->name.len);
	if (err)
		return err;
	inode->nlink = 0;
	ext2_touch(inode, false, false, true);
	ext2_drop_link(dir);
	return 0;
}

/* Directory inode moved from odir to ndir: fix ".." and link counts. */
static int ext2_move_dir(struct inode *inode, struct inode *odir,
			 struct inode *ndir)
{
	int err;

	if (!S_ISDIR(inode->mode) || odir == ndir)
		return 0;
	err = ext2_set_dotdot(inode, (uint32_t)ndir->ino);
	if (err)
		return err;
	ext2_drop_link(odir);
	ndir->nlink++;
	ext2_touch(ndir, false, false, true);
	return 0;
}

static int ext2_exchange(struct inode *odir, struct dentry *od,
			 struct inode *ndir, struct dentry *nd)
{
	struct inode *a = od->inode, *b = nd->inode;
	int err = ext2_set_entry(odir, od->name.name, od->name.len,
				 (uint32_t)b->ino, b->mode);

	if (err)
		return err;
	err = ext2_set_entry(ndir, nd->name.name, nd->name.len,
			     (uint32_t)a->ino, a->mode);
	if (!err)
		err = ext2_move_dir(a, odir, ndir);
	if (!err)
		err = ext2_move_dir(b, ndir, odir);
	ext2_touch(a, false, false, true);
	ext2_touch(b, false, false, true);
	return err;
}

static int ext2_rename(struct inode *odir, struct dentry *od,
		       struct inode *ndir, struct dentry *nd,
		       unsigned int flags)
{
	struct inode *inode = od->inode, *victim = nd->inode;
	bool isdir = S_ISDIR(inode->mode);
	int err = ext2_check_name(ndir, nd);

	if (err)
		return err;
	if (flags & RENAME_EXCHANGE)
		return ext2_exchange(odir, od, ndir, nd);
	if (victim) {
		if (S_ISDIR(victim->mode)) {
			err = ext2_dir_empty(victim);
			if (err <= 0)
				return err ? err : -ENOTEMPTY;
		}
		err = ext2_set_entry(ndir, nd->name.name, nd->name.len,
				     (uint32_t)inode->ino, inode->mode);
		if (err)
			return err;
		if (S_ISDIR(victim->mode)) {
			victim->nlink = 0;
			ext2_touch(victim, false, false, true);
			ext2_drop_link(ndir);
		} else {
			ext2_drop_link(victim);
		}
	} else {
		if (isdir && odir != ndir && ndir->nlink >= EXT2_LINK_MAX)
			return -EMLINK;
		err = ext2_add_entry(ndir, nd->name.name, nd->name.len,
				     (uint32_t)inode->ino, inode->mode);
		if (err)
			return err;
	}
	err = ext2_delete_entry(odir, od->name.name, od->name.len);
	if (!err)
		err = ext2_move_dir(inode, odir, ndir);
	ext2_touch(inode, false, false, true);
	return err;
}

static long ext2_readlink(struct dentry *d, char *buf, size_t size)
{
	struct inode *inode = d->inode;
	struct ext2_sb_info *sbi = EXT2_SB(inode->sb);
	struct ext2_inode_info *ei = EXT2_I(inode);
	uint64_t acl = ei->file_acl ? sbi->block_size / 512 : 0;
	size_t len;
	uint32_t block;
	struct buf b;
	int err;

	if (inode->blocks <= acl) {
		__le32 words[EXT2_N_BLOCKS];

		for (int i = 0; i < EXT2_N_BLOCKS; i++)
			words[i] = ext2_to_le32(ei->block[i]);
		len = (size_t)MIN(MIN(inode->size, sizeof(words)), size);
		kmemcpy(buf, words, len);
		return (long)len;
	}
	if (inode->size >= sbi->block_size)
		return -EIO;
	err = ext2_bmap(inode, 0, false, &block, NULL);
	if (err)
		return err;
	if (!block || bread(sbi->bd, block, sbi->block_size, &b))
		return -EIO;
	len = (size_t)MIN(inode->size, size);
	kmemcpy(buf, b.data, len);
	brelse(&b);
	return (long)len;
}

const struct inode_ops ext2_dir_iops = {
	.lookup = ext2_lookup,
	.create = ext2_create,
	.mkdir = ext2_mkdir,
	.symlink = ext2_symlink,
	.link = ext2_link,
	.unlink = ext2_unlink,
	.rmdir = ext2_rmdir,
	.rename = ext2_rename,
	.setattr = ext2_setattr,
	.getattr = ext2_getattr,
};

const struct inode_ops ext2_file_iops = {
	.setattr = ext2_setattr,
	.getattr = ext2_getattr,
};

const struct inode_ops ext2_symlink_iops = {
	.readlink = ext2_readlink,
	.setattr = ext2_setattr,
	.getattr = ext2_getattr,
};
