/*
 * Private interfaces of the ext2 file system (fs/ext2/): the in-memory
 * super block and inode state and the functions the files share.
 *
 * The kernel is single-threaded and nothing here sleeps on a wait queue,
 * so ext2 takes no locks. The super block and group descriptors are kept
 * in memory (validated at mount) and written back by ext2_commit_super;
 * bitmaps, inode tables, indirect blocks, directories and file data are
 * read and written through the block cache (blkdev.h).
 */
#ifndef FS_EXT2_INTERNAL_H
#define FS_EXT2_INTERNAL_H

#include "blkdev.h"
#include "ext2_fs.h"
#include "list.h"
#include "vfs.h"

#define EXT2_IHASH_SIZE 256
/* Linux's EXT2_LINK_MAX: the most links an inode may have. */
#define EXT2_LINK_MAX 32000

/* The mounted file system (sb->fs_info). */
struct ext2_sb_info {
	struct super_block *sb;
	struct block_device *bd;
	bool bd_write; /* bd is held with write access */
	struct ext2_super_block es; /* in-memory copy, written on commit */
	struct ext2_group_desc *gd; /* groups_count descriptors */
	bool gd_dirty;
	uint16_t mount_state; /* s_state found when going read-write */
	uint32_t next_generation; /* i_generation of the next new inode */

	/* Geometry, validated by ext2_check_super. */
	unsigned int block_size;
	unsigned int block_log; /* log2(block_size) */
	uint32_t addr_per_block; /* block numbers per indirect block */
	uint32_t blocks_count;
	uint32_t first_data_block;
	uint32_t blocks_per_group;
	uint32_t inodes_per_group;
	uint32_t inodes_count;
	uint32_t groups_count;
	uint32_t gdt_blocks; /* blocks holding the descriptor table */
	uint32_t inode_size;
	uint32_t inodes_per_block;
	uint32_t itable_blocks; /* inode table blocks per group */
	uint32_t first_ino;
	uint32_t rev;
	uint32_t compat, incompat, ro_compat;
	uint64_t max_file_size;
	bool ro_only; /* unsupported ro_compat features: no rw mount */

	/* Free counts, kept exact and copied into es on commit. */
	uint32_t free_blocks;
	uint32_t free_inodes;
	uint32_t r_blocks;

	struct list_head ihash[EXT2_IHASH_SIZE]; /* live inodes by number */
};

/* The file system's part of an inode (inode->private_data). */
struct ext2_inode_info {
	struct inode *inode;
	struct list_head hash_link;
	uint32_t block[EXT2_N_BLOCKS]; /* CPU byte order */
	uint32_t flags;
	uint32_t dtime;
	uint32_t file_acl;
	uint32_t generation;
	uint32_t group; /* the block group holding the inode */
	bool dirty; /* in-memory fields newer than the disk inode */
	/* Allocation goal: the last block allocated and its file block. */
	uint64_t last_lblock;
	uint32_t last_pblock;
};

static inline struct ext2_sb_info *EXT2_SB(struct super_block *sb)
{
	return sb->fs_info;
}

static inline struct ext2_inode_info *EXT2_I(struct inode *inode)
{
	return inode->private_data;
}

static inline bool ext2_has_incompat(const struct ext2_sb_info *sbi,
				     uint32_t mask)
{
	return (sbi->incompat & mask) != 0;
}

static inline bool ext2_rdonly(const struct ext2_sb_info *sbi)
{
	return (sbi->sb->flags & SB_RDONLY) != 0;
}

/* ---- super.c ---- */

/*
 * Validate the super block es against a device of dev_bytes and fill the
 * geometry fields of sbi. rdonly: the mount is read-only (unsupported
 * ro_compat features are then allowed; sbi->ro_only records them).
 * 0, or -EINVAL with a printk naming the problem.
 */
int ext2_check_super(struct ext2_sb_info *sbi,
		     const struct ext2_super_block *es, uint64_t dev_bytes,
		     bool rdonly);
/* Validate group g's descriptor against the geometry; 0 or -EINVAL. */
int ext2_check_group_desc(const struct ext2_sb_info *sbi, uint32_t g);
/* First block of group g and the number of blocks in it. */
uint32_t ext2_group_first_block(const struct ext2_sb_info *sbi, uint32_t g);
uint32_t ext2_group_nblocks(const struct ext2_sb_info *sbi, uint32_t g);
/* Whether group g holds a super block backup (sparse_super rules). */
bool ext2_group_has_super(const struct ext2_sb_info *sbi, uint32_t g);
/* Write the super block and (if changed) descriptors to the cache. */
int ext2_commit_super(struct ext2_sb_info *sbi);
/* Write every dirty inode, the super block and descriptors; sync bd. */
int ext2_sync_fs(struct super_block *sb);

/* ---- balloc.c: block bitmaps ---- */

/*
 * The first clear bit in map[start, size), or -1 when every bit is set.
 */
long ext2_find_zero_bit(const uint8_t *map, uint32_t size, uint32_t start);
bool ext2_test_bit(const uint8_t *map, uint32_t bit);
void ext2_set_bit(uint8_t *map, uint32_t bit);
void ext2_clear_bit(uint8_t *map, uint32_t bit);
/* Whether block is in the file system and holds no metadata. */
bool ext2_block_valid(const struct ext2_sb_info *sbi, uint32_t block);
/*
 * Allocate one block, as close after goal as possible (goal 0: anywhere).
 * 0 with *out set, -ENOSPC, or -EIO on a bad bitmap.
 */
int ext2_new_block(struct ext2_sb_info *sbi, uint32_t goal, uint32_t *out);
/* Free count blocks from block; bad numbers are reported and skipped. */
void ext2_free_blocks(struct ext2_sb_info *sbi, uint32_t block, uint32_t count);

/* ---- ialloc.c: inode bitmaps ---- */

/*
 * Choose a group for a new inode: directories spread over groups with
 * more than the average free inodes and blocks and the fewest
 * directories, others stay near their parent's group. -ENOSPC if full.
 */
long ext2_choose_group(const struct ext2_sb_info *sbi, uint32_t parent_group,
		       bool dir);
/* Allocate an inode number; 0 with *out set or -errno. */
int ext2_new_ino(struct ext2_sb_info *sbi, uint32_t parent_group, bool dir,
		 uint32_t *out);
/* Release inode number ino (bitmap bit, counts). */
void ext2_free_ino(struct ext2_sb_info *sbi, uint32_t ino, bool dir);

/* ---- inode.c ---- */

/*
 * The inode numbered ino, read from disk or found in the cache; one
 * struct inode per disk inode. ERR_PTR(-EIO/-EINVAL/-ENOMEM) on failure.
 */
struct inode *ext2_iget(struct super_block *sb, uint32_t ino);
/*
 * A new, zeroed disk inode of mode owned as inode_init_owner says, near
 * dir; nlink is 1 and the inode is written. ERR_PTR on failure.
 */
struct inode *ext2_new_inode(struct inode *dir, uint32_t mode);
/* Note that inode's fields changed (written on sync/release/fsync). */
void ext2_dirty_inode(struct inode *inode);
/* Touch timestamps and mark dirty. */
void ext2_touch(struct inode *inode, bool atime, bool mtime, bool ctime);
/* Write the inode to its inode table block now; 0 or -EIO. */
int ext2_write_inode(struct inode *inode);
/* Write every dirty live inode of sbi; the first error. */
int ext2_write_dirty_inodes(struct ext2_sb_info *sbi);
/* super_ops.inode_release: write back, delete if unlinked, free. */
void ext2_inode_release(struct inode *inode);
/* Give the inode its inode_ops and file_ops by type. */
void ext2_set_ops(struct inode *inode);
/* Resize a regular file or directory (truncate up or down). */
int ext2_resize(struct inode *inode, uint64_t size);
int ext2_setattr(struct dentry *d, const struct iattr *attr);
int ext2_getattr(struct dentry *d, struct kstat *st);
/* The file type byte of a directory entry for mode. */
uint8_t ext2_file_type(uint32_t mode);

/* ---- bmap.c: the block map ---- */

/*
 * Split file block lblock into indirect offsets: returns the depth (1 for
 * a direct block, 2..4 through 1..3 indirect blocks) with offsets[0] the
 * i_block slot, or -EFBIG past the triple indirect range.
 */
int ext2_block_path(uint32_t addr_per_block, uint64_t lblock,
		    uint32_t offsets[4]);
/* Largest file size for block size 1 << block_log. */
uint64_t ext2_max_size(unsigned int block_log);
/*
 * The disk block of file block lblock (0: a hole). With create, a hole
 * is filled with a new block (indirect blocks allocated and zeroed as
 * needed) and *fresh says the data block is new and unwritten.
 */
int ext2_bmap(struct inode *inode, uint64_t lblock, bool create,
	      uint32_t *pblock, bool *fresh);
/*
 * The first file block in [from, end) that is mapped (data) or a hole
 * (!data), in *out; end when there is none. A missing indirect block is
 * a hole as long as the range it maps, passed over in one step. 0 or -EIO.
 */
int ext2_seek_block(struct inode *inode, uint64_t from, uint64_t end, bool data,
		    uint64_t *out);
/* Free every block past size bytes (data and emptied indirect blocks). */
int ext2_truncate_blocks(struct inode *inode, uint64_t size);

/* ---- dir.c: directory entries ---- */

/*
 * Check the entry at off of a directory block: 0, or -EIO with a printk
 * for a bad rec_len/name_len (crossing the block, misaligned, too small).
 */
int ext2_check_dirent(const uint8_t *block, unsigned int size, unsigned int off,
		      uint32_t inodes_count);
/* Find name in dir: 0 with *ino, -ENOENT, or -EIO. */
int ext2_find_entry(struct inode *dir, const char *name, size_t len,
		    uint32_t *ino);
/* Add an entry name -> ino (of mode) to dir. */
int ext2_add_entry(struct inode *dir, const char *name, size_t len,
		   uint32_t ino, uint32_t mode);
/* Remove name's entry from dir. */
int ext2_delete_entry(struct inode *dir, const char *name, size_t len);
/* Point the existing entry name at ino (of mode). */
int ext2_set_entry(struct inode *dir, const char *name, size_t len,
		   uint32_t ino, uint32_t mode);
/* 1 when dir holds only "." and "..", 0 when not, or -errno. */
int ext2_dir_empty(struct inode *dir);
/* Write the first block of a new directory with "." and "..". */
int ext2_make_empty(struct inode *dir, uint32_t parent_ino);
/* Point dir's ".." at parent_ino. */
int ext2_set_dotdot(struct inode *dir, uint32_t parent_ino);
int ext2_readdir(struct file *f, struct dir_ctx *ctx);

/* ---- namei.c, file.c: the ops tables ---- */

extern const struct inode_ops ext2_dir_iops;
extern const struct inode_ops ext2_file_iops;
extern const struct inode_ops ext2_symlink_iops;
extern const struct file_ops ext2_file_fops;
extern const struct file_ops ext2_dir_fops;

#endif
