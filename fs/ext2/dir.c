/*
 * ext2 directories: linear lists of variable-length entries in the
 * directory's blocks.
 *
 * Every entry is checked before it is used (rec_len aligned, inside the
 * block and large enough for its name; inode number in range); a bad one
 * fails the operation with -EIO and a printk. New entries reuse an unused
 * entry or the slack after a live one, else a new block is appended.
 * Removing an entry merges it into the previous entry of its block (or
 * marks it unused when it is the first). Directories are written
 * linearly only, so changing an indexed (dir_index) directory clears its
 * EXT2_INDEX_FL, as Linux's ext2 does. The readdir cookie is the byte
 * offset of an entry; a resumed readdir rescans its block from the start
 * to find the first entry at or after the cookie, so entries merged or
 * split between calls never leave it inside an entry.
 */
#include "err.h"
#include "ext2_internal.h"
#include "klib.h"
#include "printk.h"

/* Where an entry is: its block (pinned), offset and the previous entry. */
struct ext2_dirpos {
	struct buf b;
	unsigned int off;
	int prev; /* offset of the previous entry in the block, or -1 */
};

/* The S_IFMT type of each file_type, for readdir's d_type. */
static const uint32_t ext2_ft_to_mode[EXT2_FT_MAX] = {
	[EXT2_FT_UNKNOWN] = 0,	    [EXT2_FT_REG_FILE] = S_IFREG,
	[EXT2_FT_DIR] = S_IFDIR,    [EXT2_FT_CHRDEV] = S_IFCHR,
	[EXT2_FT_BLKDEV] = S_IFBLK, [EXT2_FT_FIFO] = S_IFIFO,
	[EXT2_FT_SOCK] = S_IFSOCK,  [EXT2_FT_SYMLINK] = S_IFLNK,
};

static struct ext2_dir_entry *ext2_dirent(const struct buf *b, unsigned int off)
{
	return (struct ext2_dir_entry *)((uint8_t *)b->data + off);
}

int ext2_check_dirent(const uint8_t *block, unsigned int size, unsigned int off,
		      uint32_t inodes_count)
{
	const struct ext2_dir_entry *de;
	unsigned int rec_len;

	if (off % EXT2_DIR_ROUND || off + EXT2_DIR_ENTRY_HEADER > size)
		return -EIO;
	de = (const struct ext2_dir_entry *)(block + off);
	rec_len = ext2_le16(de->rec_len);
	if (rec_len < EXT2_DIR_REC_LEN(1) || rec_len % EXT2_DIR_ROUND ||
	    rec_len > size - off || EXT2_DIR_REC_LEN(de->name_len) > rec_len ||
	    ext2_le32(de->inode) > inodes_count)
		return -EIO;
	return 0;
}

static bool ext2_has_filetype(const struct ext2_sb_info *sbi)
{
	return ext2_has_incompat(sbi, EXT2_FEATURE_INCOMPAT_FILETYPE);
}

/* Check the entry at off of dir's block n, reporting a bad one. */
static int ext2_dirent_ok(struct inode *dir, uint64_t n, const struct buf *b,
			  unsigned int off)
{
	struct ext2_sb_info *sbi = EXT2_SB(dir->sb);

	if (!ext2_check_dirent(b->data, sbi->block_size, off,
			       sbi->inodes_count))
		return 0;
	printk(KERN_ERR "ext2: %s: directory %llu block %llu: bad entry at "
			"offset %u\n",
	       sbi->bd->name, (unsigned long long)dir->ino,
	       (unsigned long long)n, off);
	return -EIO;
}

/* Read block n of dir (a hole in a directory is corruption). */
static int ext2_dir_block(struct inode *dir, uint64_t n, struct buf *b)
{
	struct ext2_sb_info *sbi = EXT2_SB(dir->sb);
	uint32_t block;
	int err = ext2_bmap(dir, n, false, &block, NULL);

	if (err)
		return err;
	if (!block) {
		printk(KERN_ERR "ext2: %s: directory %llu has a hole at block "
				"%llu\n",
		       sbi->bd->name, (unsigned long long)dir->ino,
		       (unsigned long long)n);
		return -EIO;
	}
	return bread(sbi->bd, block, sbi->block_size, b) ? -EIO : 0;
}

static uint64_t ext2_dir_blocks(struct inode *dir)
{
	return dir->size / EXT2_SB(dir->sb)->block_size;
}

/* A directory's entries changed: times, dirty, and no more index. */
static void ext2_dir_changed(struct inode *dir)
{
	EXT2_I(dir)->flags &= ~EXT2_INDEX_FL;
	ext2_touch(dir, false, true, true);
}

static void ext2_fill_entry(struct ext2_sb_info *sbi, struct ext2_dir_entry *de,
			    const char *name, size_t len, uint32_t ino,
			    uint32_t mode)
{
	de->inode = ext2_to_le32(ino);
	de->name_len = (uint8_t)len;
	de->file_type = ext2_has_filetype(sbi) ? ext2_file_type(mode) : 0;
	kmemcpy(de->name, name, len);
}

static bool ext2_name_is(const struct ext2_dir_entry *de, const char *name,
			 size_t len)
{
	return de->inode && de->name_len == len &&
	       !kmemcmp(de->name, name, len);
}

/* Find name in dir: 0 with pos filled (block pinned), -ENOENT, -EIO. */
static int ext2_dir_locate(struct inode *dir, const char *name, size_t len,
			   struct ext2_dirpos *pos)
{
	unsigned int bs = EXT2_SB(dir->sb)->block_size;
	uint64_t nblocks = ext2_dir_blocks(dir);

	for (uint64_t n = 0; n < nblocks; n++) {
		int prev = -1, err = ext2_dir_block(dir, n, &pos->b);

		if (err)
			return err;
		for (unsigned int off = 0; off < bs;) {
			struct ext2_dir_entry *de = ext2_dirent(&pos->b, off);

			err = ext2_dirent_ok(dir, n, &pos->b, off);
			if (err) {
				brelse(&pos->b);
				return err;
			}
			if (ext2_name_is(de, name, len)) {
				pos->off = off;
				pos->prev = prev;
				return 0;
			}
			prev = (int)off;
			off += ext2_le16(de->rec_len);
		}
		brelse(&pos->b);
	}
	return -ENOENT;
}

int ext2_find_entry(struct inode *dir, const char *name, size_t len,
		    uint32_t *ino)
{
	struct ext2_dirpos pos;
	int err = ext2_dir_locate(dir, name, len, &pos);

	if (err)
		return err;
	*ino = ext2_le32(ext2_dirent(&pos.b, pos.off)->inode);
	brelse(&pos.b);
	return 0;
}

/*
 * Find room for an entry of rec_len need in block b: returns the offset
 * of the new entry (splitting a live entry's slack) or -1.
 */
static int ext2_room_in_block(struct inode *dir, uint64_t n, struct buf *b,
			      unsigned int need, int *err)
{
	unsigned int bs = EXT2_SB(dir->sb)->block_size;

	for (unsigned int off = 0; off < bs;) {
		struct ext2_dir_entry *de = ext2_dirent(b, off);
		unsigned int rec_len, used;

		*err = ext2_dirent_ok(dir, n, b, off);
		if (*err)
			return -1;
		rec_len = ext2_le16(de->rec_len);
		if (!de->inode && rec_len >= need)
			return (int)off;
		used = EXT2_DIR_REC_LEN(de->name_len);
		if (de->inode && rec_len - used >= need) {
			struct ext2_dir_entry *nde = ext2_dirent(b, off + used);

			de->rec_len = ext2_to_le16((uint16_t)used);
			nde->rec_len = ext2_to_le16((uint16_t)(rec_len - used));
			nde->inode = 0;
			return (int)(off + used);
		}
		off += rec_len;
	}
	return -1;
}

/* Append a block to dir holding one unused entry; b is pinned. */
static int ext2_dir_grow(struct inode *dir, struct buf *b)
{
	struct ext2_sb_info *sbi = EXT2_SB(dir->sb);
	uint64_t n = ext2_dir_blocks(dir);
	struct ext2_dir_entry *de;
	uint32_t block;
	int err;

	if ((n + 1) * sbi->block_size > sbi->max_file_size ||
	    (n + 1) * sbi->block_size > UINT32_MAX)
		return -ENOSPC;
	err = ext2_bmap(dir, n, true, &block, NULL);
	if (err)
		return err;
	if (bget(sbi->bd, block, sbi->block_size, b)) {
		ext2_truncate_blocks(dir, dir->size);
		return -EIO;
	}
	kmemset(b->data, 0, sbi->block_size);
	de = b->data;
	de->rec_len = ext2_to_le16((uint16_t)sbi->block_size);
	dir->size += sbi->block_size;
	ext2_dirty_inode(dir);
	return 0;
}

int ext2_add_entry(struct inode *dir, const char *name, size_t len,
		   uint32_t ino, uint32_t mode)
{
	struct ext2_sb_info *sbi = EXT2_SB(dir->sb);
	unsigned int need = EXT2_DIR_REC_LEN(len);
	uint64_t nblocks = ext2_dir_blocks(dir);
	struct buf b;
	int off = -1, err = 0;

	if (len == 0 || len > EXT2_NAME_LEN)
		return len ? -ENAMETOOLONG : -ENOENT;
	for (uint64_t n = 0; n < nblocks; n++) {
		err = ext2_dir_block(dir, n, &b);
		if (err)
			return err;
		off = ext2_room_in_block(dir, n, &b, need, &err);
		if (off >= 0)
			break;
		brelse(&b);
		if (err)
			return err;
	}
	if (off < 0) {
		err = ext2_dir_grow(dir, &b);
		if (err)
			return err;
		off = 0;
	}
	ext2_fill_entry(sbi, ext2_dirent(&b, (unsigned int)off), name, len, ino,
			mode);
	bdirty(&b);
	brelse(&b);
	ext2_dir_changed(dir);
	return 0;
}

int ext2_delete_entry(struct inode *dir, const char *name, size_t len)
{
	struct ext2_dirpos pos;
	struct ext2_dir_entry *de;
	int err = ext2_dir_locate(dir, name, len, &pos);

	if (err)
		return err;
	de = ext2_dirent(&pos.b, pos.off);
	if (pos.prev >= 0) {
		struct ext2_dir_entry *prev =
			ext2_dirent(&pos.b, (unsigned int)pos.prev);

		prev->rec_len = ext2_to_le16(ext2_le16(prev->rec_len) +
					     ext2_le16(de->rec_len));
	} else {
		de->inode = 0;
	}
	bdirty(&pos.b);
	brelse(&pos.b);
	ext2_dir_changed(dir);
	return 0;
}

int ext2_set_entry(struct inode *dir, const char *name, size_t len,
		   uint32_t ino, uint32_t mode)
{
	struct ext2_sb_info *sbi = EXT2_SB(dir->sb);
	struct ext2_dirpos pos;
	struct ext2_dir_entry *de;
	int err = ext2_dir_locate(dir, name, len, &pos);

	if (err)
		return err;
	de = ext2_dirent(&pos.b, pos.off);
	de->inode = ext2_to_le32(ino);
	de->file_type = ext2_has_filetype(sbi) ? ext2_file_type(mode) : 0;
	bdirty(&pos.b);
	brelse(&pos.b);
	ext2_dir_changed(dir);
	return 0;
}

static bool ext2_is_dot_or_dotdot(const struct ext2_dir_entry *de)
{
	return (de->name_len == 1 && de->name[0] == '.') ||
	       (de->name_len == 2 && de->name[0] == '.' && de->name[1] == '.');
}

int ext2_dir_empty(struct inode *dir)
{
	unsigned int bs = EXT2_SB(dir->sb)->block_size;
	uint64_t nblocks = ext2_dir_blocks(dir);

	for (uint64_t n = 0; n < nblocks; n++) {
		struct buf b;
		int err = ext2_dir_block(dir, n, &b);

		if (err)
			return err;
		for (unsigned int off = 0; off < bs;) {
			struct ext2_dir_entry *de = ext2_dirent(&b, off);

			err = ext2_dirent_ok(dir, n, &b, off);
			if (err || (de->inode && !ext2_is_dot_or_dotdot(de))) {
				brelse(&b);
				return err ? err : 0;
			}
			off += ext2_le16(de->rec_len);
		}
		brelse(&b);
	}
	return 1;
}

int ext2_make_empty(struct inode *dir, uint32_t parent_ino)
{
	struct ext2_sb_info *sbi = EXT2_SB(dir->sb);
	struct ext2_dir_entry *de;
	uint32_t block;
	struct buf b;
	int err = ext2_bmap(dir, 0, true, &block, NULL);

	if (err)
		return err;
	if (bget(sbi->bd, block, sbi->block_size, &b)) {
		ext2_truncate_blocks(dir, 0);
		return -EIO;
	}
	kmemset(b.data, 0, sbi->block_size);
	de = ext2_dirent(&b, 0);
	ext2_fill_entry(sbi, de, ".", 1, (uint32_t)dir->ino, S_IFDIR);
	de->rec_len = ext2_to_le16(EXT2_DIR_REC_LEN(1));
	de = ext2_dirent(&b, EXT2_DIR_REC_LEN(1));
	ext2_fill_entry(sbi, de, "..", 2, parent_ino, S_IFDIR);
	de->rec_len =
		ext2_to_le16((uint16_t)(sbi->block_size - EXT2_DIR_REC_LEN(1)));
	bdirty(&b);
	brelse(&b);
	dir->size = sbi->block_size;
	ext2_dirty_inode(dir);
	return 0;
}

int ext2_set_dotdot(struct inode *dir, uint32_t parent_ino)
{
	struct ext2_dir_entry *de;
	unsigned int off;
	struct buf b;
	int err = ext2_dir_block(dir, 0, &b);

	if (err)
		return err;
	err = ext2_dirent_ok(dir, 0, &b, 0);
	if (err)
		goto out_brelse;
	off = ext2_le16(ext2_dirent(&b, 0)->rec_len);
	err = ext2_dirent_ok(dir, 0, &b, off);
	if (err)
		goto out_brelse;
	de = ext2_dirent(&b, off);
	err = -EIO;
	if (de->name_len != 2 || kmemcmp(de->name, "..", 2))
		goto out_brelse;
	de->inode = ext2_to_le32(parent_ino);
	bdirty(&b);
	err = 0;
out_brelse:
	brelse(&b);
	if (err == -EIO)
		printk(KERN_ERR "ext2: %s: directory %llu has no \"..\"\n",
		       EXT2_SB(dir->sb)->bd->name,
		       (unsigned long long)dir->ino);
	return err;
}

/* The first entry offset in block b at or after off. */
static int ext2_resync(struct inode *dir, uint64_t n, const struct buf *b,
		       unsigned int off, unsigned int *out)
{
	unsigned int bs = EXT2_SB(dir->sb)->block_size;
	unsigned int o = 0;

	while (o < off && o < bs) {
		int err = ext2_dirent_ok(dir, n, b, o);

		if (err)
			return err;
		o += ext2_le16(ext2_dirent(b, o)->rec_len);
	}
	*out = o;
	return 0;
}

int ext2_readdir(struct file *f, struct dir_ctx *ctx)
{
	struct inode *dir = f->inode;
	struct ext2_sb_info *sbi = EXT2_SB(dir->sb);
	unsigned int bs = sbi->block_size;

	while (ctx->pos < dir->size) {
		uint64_t n = ctx->pos / bs;
		unsigned int off;
		struct buf b;
		int err = ext2_dir_block(dir, n, &b);

		if (err)
			return err;
		err = ext2_resync(dir, n, &b, (unsigned int)(ctx->pos % bs),
				  &off);
		if (err) {
			brelse(&b);
			return err;
		}
		while (off < bs) {
			struct ext2_dir_entry *de = ext2_dirent(&b, off);
			unsigned int dtype = 0;

			err = ext2_dirent_ok(dir, n, &b, off);
			if (err) {
				brelse(&b);
				return err;
			}
			if (ext2_has_filetype(sbi) &&
			    de->file_type < EXT2_FT_MAX)
				dtype = VFS_DTYPE(
					ext2_ft_to_mode[de->file_type]);
			ctx->pos = n * bs + off;
			if (de->inode &&
			    !ctx->emit(ctx, de->name, de->name_len,
				       ext2_le32(de->inode), dtype)) {
				brelse(&b);
				return 0;
			}
			off += ext2_le16(de->rec_len);
		}
		brelse(&b);
		ctx->pos = (n + 1) * bs;
	}
	return 0;
}
