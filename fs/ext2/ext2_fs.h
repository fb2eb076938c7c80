/*
 * The ext2 on-disk format: super block, group descriptors, inodes and
 * directory entries, with their constants.
 *
 * Every structure is fixed-width and little-endian on disk; fields are
 * read with ext2_le16/ext2_le32 and written with ext2_to_le16/ext2_to_le32,
 * never used raw. Nothing read from disk is trusted: super.c validates the
 * super block and descriptors field by field before any other code uses
 * them, and dir.c validates every directory entry it walks.
 */
#ifndef EXT2_FS_H
#define EXT2_FS_H

#include <linux/types.h>

#include "compiler.h"

/* ---- explicit little-endian accessors ---- */

static inline uint16_t ext2_le16(__le16 v)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return __builtin_bswap16((uint16_t)v);
#else
	return (uint16_t)v;
#endif
}

static inline uint32_t ext2_le32(__le32 v)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return __builtin_bswap32((uint32_t)v);
#else
	return (uint32_t)v;
#endif
}

static inline __le16 ext2_to_le16(uint16_t v)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return (__le16)__builtin_bswap16(v);
#else
	return (__le16)v;
#endif
}

static inline __le32 ext2_to_le32(uint32_t v)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return (__le32)__builtin_bswap32(v);
#else
	return (__le32)v;
#endif
}

/* ---- the super block: 1024 bytes at byte offset 1024 ---- */

#define EXT2_SUPER_OFFSET 1024
#define EXT2_SUPER_SIZE 1024
#define EXT2_MAGIC 0xEF53
#define EXT2_MIN_BLOCK_LOG 10 /* 1 KiB */
#define EXT2_MAX_BLOCK_LOG 12 /* 4 KiB: we support 1, 2 and 4 KiB */

#define EXT2_GOOD_OLD_REV 0
#define EXT2_DYNAMIC_REV 1
#define EXT2_GOOD_OLD_INODE_SIZE 128
#define EXT2_GOOD_OLD_FIRST_INO 11

#define EXT2_VALID_FS 0x0001 /* cleanly unmounted */
#define EXT2_ERROR_FS 0x0002

#define EXT2_ROOT_INO 2

/* Compatible features: safe to ignore. */
#define EXT2_FEATURE_COMPAT_DIR_PREALLOC 0x0001
#define EXT2_FEATURE_COMPAT_HAS_JOURNAL 0x0004
#define EXT2_FEATURE_COMPAT_EXT_ATTR 0x0008
#define EXT2_FEATURE_COMPAT_RESIZE_INODE 0x0010
#define EXT2_FEATURE_COMPAT_DIR_INDEX 0x0020

/* Read-only compatible features: unknown ones allow a read-only mount. */
#define EXT2_FEATURE_RO_COMPAT_SPARSE_SUPER 0x0001
#define EXT2_FEATURE_RO_COMPAT_LARGE_FILE 0x0002
#define EXT2_FEATURE_RO_COMPAT_BTREE_DIR 0x0004
#define EXT2_FEATURE_RO_COMPAT_HUGE_FILE 0x0008

/* Incompatible features: unknown ones refuse the mount. */
#define EXT2_FEATURE_INCOMPAT_COMPRESSION 0x0001
#define EXT2_FEATURE_INCOMPAT_FILETYPE 0x0002
#define EXT2_FEATURE_INCOMPAT_RECOVER 0x0004
#define EXT2_FEATURE_INCOMPAT_JOURNAL_DEV 0x0008
#define EXT2_FEATURE_INCOMPAT_META_BG 0x0010
#define EXT2_FEATURE_INCOMPAT_EXTENTS 0x0040
#define EXT2_FEATURE_INCOMPAT_64BIT 0x0080
#define EXT2_FEATURE_INCOMPAT_MMP 0x0100
#define EXT2_FEATURE_INCOMPAT_FLEX_BG 0x0200

#define EXT2_SUPPORTED_INCOMPAT EXT2_FEATURE_INCOMPAT_FILETYPE
#define EXT2_SUPPORTED_RO_COMPAT               \
	(EXT2_FEATURE_RO_COMPAT_SPARSE_SUPER | \
	 EXT2_FEATURE_RO_COMPAT_LARGE_FILE | EXT2_FEATURE_RO_COMPAT_BTREE_DIR)

struct ext2_super_block {
	__le32 s_inodes_count;
	__le32 s_blocks_count;
	__le32 s_r_blocks_count;
	__le32 s_free_blocks_count;
	__le32 s_free_inodes_count;
	__le32 s_first_data_block;
	__le32 s_log_block_size; /* block size = 1024 << this */
	__le32 s_log_frag_size;
	__le32 s_blocks_per_group;
	__le32 s_frags_per_group;
	__le32 s_inodes_per_group;
	__le32 s_mtime;
	__le32 s_wtime;
	__le16 s_mnt_count;
	__le16 s_max_mnt_count;
	__le16 s_magic;
	__le16 s_state;
	__le16 s_errors;
	__le16 s_minor_rev_level;
	__le32 s_lastcheck;
	__le32 s_checkinterval;
	__le32 s_creator_os;
	__le32 s_rev_level;
	__le16 s_def_resuid;
	__le16 s_def_resgid;
	/* EXT2_DYNAMIC_REV only from here on. */
	__le32 s_first_ino;
	__le16 s_inode_size;
	__le16 s_block_group_nr;
	__le32 s_feature_compat;
	__le32 s_feature_incompat;
	__le32 s_feature_ro_compat;
	uint8_t s_uuid[16];
	char s_volume_name[16];
	char s_last_mounted[64];
	__le32 s_algorithm_usage_bitmap;
	uint8_t s_prealloc_blocks;
	uint8_t s_prealloc_dir_blocks;
	__le16 s_reserved_gdt_blocks;
	uint8_t s_journal_uuid[16];
	__le32 s_journal_inum;
	__le32 s_journal_dev;
	__le32 s_last_orphan;
	__le32 s_hash_seed[4];
	uint8_t s_def_hash_version;
	uint8_t s_jnl_backup_type;
	__le16 s_desc_size;
	__le32 s_default_mount_opts;
	__le32 s_first_meta_bg;
	__le32 s_mkfs_time;
	__le32 s_jnl_blocks[17];
	__le32 s_blocks_count_hi;
	__le32 s_r_blocks_count_hi;
	__le32 s_free_blocks_hi;
	__le16 s_min_extra_isize;
	__le16 s_want_extra_isize;
	uint8_t s_rest[EXT2_SUPER_SIZE - 0x160];
} __packed;

_Static_assert(sizeof(struct ext2_super_block) == EXT2_SUPER_SIZE,
	       "ext2 super block is 1024 bytes");

/* ---- block group descriptors: an array in the blocks after the sb ---- */

struct ext2_group_desc {
	__le32 bg_block_bitmap;
	__le32 bg_inode_bitmap;
	__le32 bg_inode_table;
	__le16 bg_free_blocks_count;
	__le16 bg_free_inodes_count;
	__le16 bg_used_dirs_count;
	__le16 bg_flags;
	__le32 bg_reserved[3];
} __packed;

_Static_assert(sizeof(struct ext2_group_desc) == 32,
	       "ext2 group descriptor is 32 bytes");

/* ---- inodes ---- */

#define EXT2_NDIR_BLOCKS 12
#define EXT2_IND_BLOCK 12
#define EXT2_DIND_BLOCK 13
#define EXT2_TIND_BLOCK 14
#define EXT2_N_BLOCKS 15

/* i_flags */
#define EXT2_INDEX_FL 0x00001000 /* hashed directory (dir_index) */
#define EXT2_HUGE_FILE_FL 0x00040000 /* i_blocks in fs blocks */
#define EXT2_EXTENTS_FL 0x00080000

/* Bytes of a symlink target stored in i_block (a "fast" symlink). */
#define EXT2_FAST_SYMLINK_MAX (EXT2_N_BLOCKS * 4)

struct ext2_inode {
	__le16 i_mode;
	__le16 i_uid;
	__le32 i_size;
	__le32 i_atime;
	__le32 i_ctime;
	__le32 i_mtime;
	__le32 i_dtime;
	__le16 i_gid;
	__le16 i_links_count;
	__le32 i_blocks; /* 512-byte units */
	__le32 i_flags;
	__le32 i_osd1;
	__le32 i_block[EXT2_N_BLOCKS];
	__le32 i_generation;
	__le32 i_file_acl;
	__le32 i_size_high; /* i_dir_acl: high size bits of regular files */
	__le32 i_faddr;
	__le16 i_blocks_hi;
	__le16 i_file_acl_high;
	__le16 i_uid_high;
	__le16 i_gid_high;
	__le16 i_checksum_lo;
	__le16 i_reserved;
	/* Large inodes (s_inode_size > 128) only, up to i_extra_isize. */
	__le16 i_extra_isize;
	__le16 i_checksum_hi;
	__le32 i_ctime_extra; /* nanoseconds << 2 | epoch bits */
	__le32 i_mtime_extra;
	__le32 i_atime_extra;
	__le32 i_crtime;
	__le32 i_crtime_extra;
} __packed;

_Static_assert(offsetof(struct ext2_inode, i_extra_isize) ==
		       EXT2_GOOD_OLD_INODE_SIZE,
	       "ext2 base inode is 128 bytes");

/* i_extra_isize that covers the three *_extra timestamps and crtime. */
#define EXT2_EXTRA_ISIZE_TIMES                             \
	(offsetof(struct ext2_inode, i_crtime_extra) + 4 - \
	 EXT2_GOOD_OLD_INODE_SIZE)
/* i_extra_isize that covers i_ctime/mtime/atime_extra. */
#define EXT2_EXTRA_ISIZE_MIN_TIMES                        \
	(offsetof(struct ext2_inode, i_atime_extra) + 4 - \
	 EXT2_GOOD_OLD_INODE_SIZE)

/* ---- directory entries ---- */

#define EXT2_NAME_LEN 255
#define EXT2_DIR_ENTRY_HEADER 8u
#define EXT2_DIR_ROUND 4u
/* The smallest rec_len that holds a name of len bytes. */
#define EXT2_DIR_REC_LEN(len)                                   \
	(((len) + EXT2_DIR_ENTRY_HEADER + EXT2_DIR_ROUND - 1) & \
	 ~(EXT2_DIR_ROUND - 1))

struct ext2_dir_entry {
	__le32 inode; /* 0: unused entry */
	__le16 rec_len; /* distance to the next entry */
	uint8_t name_len;
	uint8_t file_type; /* with the filetype feature, else name_len high */
	char name[];
} __packed;

/* file_type values */
#define EXT2_FT_UNKNOWN 0
#define EXT2_FT_REG_FILE 1
#define EXT2_FT_DIR 2
#define EXT2_FT_CHRDEV 3
#define EXT2_FT_BLKDEV 4
#define EXT2_FT_FIFO 5
#define EXT2_FT_SOCK 6
#define EXT2_FT_SYMLINK 7
#define EXT2_FT_MAX 8

/* ---- extended attribute blocks (only their reference count is used) ---- */

#define EXT2_XATTR_MAGIC 0xEA020000

struct ext2_xattr_header {
	__le32 h_magic;
	__le32 h_refcount;
} __packed;

/* ---- device numbers in i_block ---- */

/* Whether (major, minor) fits the old 16-bit encoding in i_block[0]. */
static inline bool ext2_old_valid_dev(unsigned int major, unsigned int minor)
{
	return major < 256 && minor < 256;
}

static inline uint32_t ext2_old_encode_dev(unsigned int major,
					   unsigned int minor)
{
	return (major << 8) | minor;
}

static inline uint32_t ext2_new_encode_dev(unsigned int major,
					   unsigned int minor)
{
	return (minor & 0xff) | ((major & 0xfff) << 8) |
	       ((minor & ~0xffu) << 12);
}

static inline unsigned int ext2_old_major(uint32_t v)
{
	return (v >> 8) & 0xff;
}

static inline unsigned int ext2_old_minor(uint32_t v)
{
	return v & 0xff;
}

static inline unsigned int ext2_new_major(uint32_t v)
{
	return (v & 0xfff00) >> 8;
}

static inline unsigned int ext2_new_minor(uint32_t v)
{
	return (v & 0xff) | ((v >> 12) & 0xfff00);
}

#endif
