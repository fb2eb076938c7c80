/*
 * ext2 super block: mount, validation, umount, remount, sync and statfs,
 * and the "ext2"/"ext3" file system types.
 *
 * A mount reads the super block and descriptor table into memory and
 * validates every field the rest of ext2 relies on, so later code may
 * index groups and compute block numbers without further checks. Unknown
 * incompatible features refuse the mount; unknown read-only-compatible
 * ones allow only a read-only mount. A read-write mount clears
 * EXT2_VALID_FS on disk until a clean umount or remount read-only puts
 * the state found at mount back. Backup super blocks are never updated.
 */
#include <linux/fs.h>
#include <linux/magic.h>

#include "err.h"
#include "ext2.h"
#include "ext2_internal.h"
#include "klib.h"
#include "printk.h"
#include "timer.h"

struct ext2_feature_name {
	uint32_t mask;
	const char *name;
};

static const struct ext2_feature_name ext2_incompat_names[] = {
	{ EXT2_FEATURE_INCOMPAT_COMPRESSION, "compression" },
	{ EXT2_FEATURE_INCOMPAT_FILETYPE, "filetype" },
	{ EXT2_FEATURE_INCOMPAT_RECOVER, "needs_recovery" },
	{ EXT2_FEATURE_INCOMPAT_JOURNAL_DEV, "journal_dev" },
	{ EXT2_FEATURE_INCOMPAT_META_BG, "meta_bg" },
	{ EXT2_FEATURE_INCOMPAT_EXTENTS, "extents" },
	{ EXT2_FEATURE_INCOMPAT_64BIT, "64bit" },
	{ EXT2_FEATURE_INCOMPAT_MMP, "mmp" },
	{ EXT2_FEATURE_INCOMPAT_FLEX_BG, "flex_bg" },
};

static const struct ext2_feature_name ext2_ro_compat_names[] = {
	{ EXT2_FEATURE_RO_COMPAT_SPARSE_SUPER, "sparse_super" },
	{ EXT2_FEATURE_RO_COMPAT_LARGE_FILE, "large_file" },
	{ EXT2_FEATURE_RO_COMPAT_BTREE_DIR, "btree_dir" },
	{ EXT2_FEATURE_RO_COMPAT_HUGE_FILE, "huge_file" },
};

/* Format the names of the features in mask ("extents 64bit 0x1000"). */
static void ext2_feature_list(const struct ext2_feature_name *names,
			      size_t count, uint32_t mask, char *buf,
			      size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < count && len < size; i++) {
		if (!(mask & names[i].mask))
			continue;
		len += (size_t)ksnprintf(buf + len, size - len, "%s%s",
					 len ? " " : "", names[i].name);
		mask &= ~names[i].mask;
	}
	if (mask && len < size)
		ksnprintf(buf + len, size - len, "%s0x%x", len ? " " : "",
			  mask);
}

static const char *ext2_name(const struct ext2_sb_info *sbi)
{
	return sbi->bd ? sbi->bd->name : "?";
}

/* ---- validation ---- */

static int ext2_check_features(struct ext2_sb_info *sbi, bool rdonly)
{
	uint32_t bad_incompat = sbi->incompat & ~EXT2_SUPPORTED_INCOMPAT;
	uint32_t bad_ro = sbi->ro_compat & ~EXT2_SUPPORTED_RO_COMPAT;
	char list[160];

	if (bad_incompat) {
		ext2_feature_list(ext2_incompat_names,
				  ARRAY_SIZE(ext2_incompat_names), bad_incompat,
				  list, sizeof(list));
		printk(KERN_ERR "ext2: %s: unsupported incompatible "
				"features: %s\n",
		       ext2_name(sbi), list);
		return -EINVAL;
	}
	sbi->ro_only = bad_ro != 0;
	if (bad_ro) {
		ext2_feature_list(ext2_ro_compat_names,
				  ARRAY_SIZE(ext2_ro_compat_names), bad_ro,
				  list, sizeof(list));
		if (!rdonly) {
			printk(KERN_ERR "ext2: %s: unsupported features %s "
					"allow only a read-only mount\n",
			       ext2_name(sbi), list);
			return -EINVAL;
		}
	}
	return 0;
}

/* Fail with a printk naming the bad field. */
static int ext2_bad_super(const struct ext2_sb_info *sbi, const char *what)
{
	printk(KERN_ERR "ext2: %s: corrupt super block: %s\n", ext2_name(sbi),
	       what);
	return -EINVAL;
}

int ext2_check_super(struct ext2_sb_info *sbi,
		     const struct ext2_super_block *es, uint64_t dev_bytes,
		     bool rdonly)
{
	uint32_t log = ext2_le32(es->s_log_block_size);
	uint64_t groups;
	int err;

	if (ext2_le16(es->s_magic) != EXT2_MAGIC) {
		printk(KERN_ERR "ext2: %s: no ext2 file system (bad magic)\n",
		       ext2_name(sbi));
		return -EINVAL;
	}
	if (log > EXT2_MAX_BLOCK_LOG - EXT2_MIN_BLOCK_LOG)
		return ext2_bad_super(sbi, "unsupported block size");
	sbi->block_log = EXT2_MIN_BLOCK_LOG + log;
	sbi->block_size = 1u << sbi->block_log;
	sbi->addr_per_block = sbi->block_size / 4;
	sbi->rev = ext2_le32(es->s_rev_level);
	if (sbi->rev == EXT2_GOOD_OLD_REV) {
		sbi->inode_size = EXT2_GOOD_OLD_INODE_SIZE;
		sbi->first_ino = EXT2_GOOD_OLD_FIRST_INO;
		sbi->compat = sbi->incompat = sbi->ro_compat = 0;
	} else if (sbi->rev == EXT2_DYNAMIC_REV) {
		sbi->inode_size = ext2_le16(es->s_inode_size);
		sbi->first_ino = ext2_le32(es->s_first_ino);
		sbi->compat = ext2_le32(es->s_feature_compat);
		sbi->incompat = ext2_le32(es->s_feature_incompat);
		sbi->ro_compat = ext2_le32(es->s_feature_ro_compat);
	} else {
		return ext2_bad_super(sbi, "unknown revision level");
	}
	err = ext2_check_features(sbi, rdonly);
	if (err)
		return err;
	if (sbi->inode_size < EXT2_GOOD_OLD_INODE_SIZE ||
	    sbi->inode_size > sbi->block_size ||
	    (sbi->inode_size & (sbi->inode_size - 1)))
		return ext2_bad_super(sbi, "inode size");
	sbi->inodes_per_block = sbi->block_size / sbi->inode_size;
	sbi->blocks_count = ext2_le32(es->s_blocks_count);
	sbi->first_data_block = ext2_le32(es->s_first_data_block);
	sbi->blocks_per_group = ext2_le32(es->s_blocks_per_group);
	sbi->inodes_per_group = ext2_le32(es->s_inodes_per_group);
	sbi->inodes_count = ext2_le32(es->s_inodes_count);
	sbi->r_blocks = ext2_le32(es->s_r_blocks_count);
	if (sbi->first_data_block != (sbi->block_size == 1024 ? 1u : 0u))
		return ext2_bad_super(sbi, "first data block");
	if (sbi->blocks_count <= sbi->first_data_block ||
	    (uint64_t)sbi->blocks_count * sbi->block_size > dev_bytes)
		return ext2_bad_super(sbi, "block count (device too small?)");
	if (sbi->blocks_per_group < 8 ||
	    sbi->blocks_per_group > 8 * sbi->block_size ||
	    sbi->blocks_per_group % 8)
		return ext2_bad_super(sbi, "blocks per group");
	if (sbi->inodes_per_group < sbi->inodes_per_block ||
	    sbi->inodes_per_group > 8 * sbi->block_size ||
	    sbi->inodes_per_group % sbi->inodes_per_block)
		return ext2_bad_super(sbi, "inodes per group");
	sbi->itable_blocks = sbi->inodes_per_group / sbi->inodes_per_block;
	groups = DIV_ROUND_UP((uint64_t)sbi->blocks_count -
				      sbi->first_data_block,
			      sbi->blocks_per_group);
	sbi->groups_count = (uint32_t)groups;
	if ((uint64_t)sbi->inodes_per_group * groups != sbi->inodes_count)
		return ext2_bad_super(sbi, "inode count");
	if (sbi->first_ino < EXT2_GOOD_OLD_FIRST_INO ||
	    sbi->first_ino >= sbi->inodes_count)
		return ext2_bad_super(sbi, "first inode");
	if (sbi->r_blocks > sbi->blocks_count)
		return ext2_bad_super(sbi, "reserved block count");
	sbi->gdt_blocks = (uint32_t)DIV_ROUND_UP(
		groups, sbi->block_size / sizeof(struct ext2_group_desc));
	if (sbi->first_data_block + 1 + sbi->gdt_blocks >
	    MIN(sbi->blocks_count,
		sbi->first_data_block + sbi->blocks_per_group))
		return ext2_bad_super(sbi, "descriptor table size");
	sbi->max_file_size = ext2_max_size(sbi->block_log);
	return 0;
}

uint32_t ext2_group_first_block(const struct ext2_sb_info *sbi, uint32_t g)
{
	return sbi->first_data_block + g * sbi->blocks_per_group;
}

uint32_t ext2_group_nblocks(const struct ext2_sb_info *sbi, uint32_t g)
{
	uint32_t first = ext2_group_first_block(sbi, g);

	return MIN(sbi->blocks_per_group, sbi->blocks_count - first);
}

static bool ext2_is_power_of(uint32_t n, uint32_t base)
{
	while (n > 1 && n % base == 0)
		n /= base;
	return n == 1;
}

bool ext2_group_has_super(const struct ext2_sb_info *sbi, uint32_t g)
{
	if (g <= 1 || !(sbi->ro_compat & EXT2_FEATURE_RO_COMPAT_SPARSE_SUPER))
		return true;
	if (!(g & 1))
		return false;
	return ext2_is_power_of(g, 3) || ext2_is_power_of(g, 5) ||
	       ext2_is_power_of(g, 7);
}

int ext2_check_group_desc(const struct ext2_sb_info *sbi, uint32_t g)
{
	const struct ext2_group_desc *gd = &sbi->gd[g];
	uint32_t first = ext2_group_first_block(sbi, g);
	uint32_t n = ext2_group_nblocks(sbi, g);
	uint32_t bb = ext2_le32(gd->bg_block_bitmap);
	uint32_t ib = ext2_le32(gd->bg_inode_bitmap);
	uint32_t it = ext2_le32(gd->bg_inode_table);
	const char *what = NULL;

	if (bb < first || bb - first >= n)
		what = "block bitmap";
	else if (ib < first || ib - first >= n)
		what = "inode bitmap";
	else if (it < first || it - first >= n ||
		 n - (it - first) < sbi->itable_blocks)
		what = "inode table";
	else if (ext2_le16(gd->bg_free_blocks_count) > n)
		what = "free blocks count";
	else if (ext2_le16(gd->bg_free_inodes_count) > sbi->inodes_per_group)
		what = "free inodes count";
	else if (ext2_le16(gd->bg_used_dirs_count) > sbi->inodes_per_group)
		what = "directories count";
	if (!what)
		return 0;
	printk(KERN_ERR "ext2: %s: corrupt descriptor of group %u: %s\n",
	       ext2_name(sbi), g, what);
	return -EINVAL;
}

/* ---- reading and writing the super block and descriptors ---- */

static int ext2_read_super(struct ext2_sb_info *sbi)
{
	struct buf b;
	int err = bread(sbi->bd, EXT2_SUPER_OFFSET / EXT2_SUPER_SIZE,
			EXT2_SUPER_SIZE, &b);

	if (err) {
		printk(KERN_ERR "ext2: %s: cannot read the super block (%d)\n",
		       ext2_name(sbi), err);
		return err == -EIO ? -EIO : -EINVAL;
	}
	kmemcpy(&sbi->es, b.data, sizeof(sbi->es));
	brelse(&b);
	return 0;
}

static int ext2_read_groups(struct ext2_sb_info *sbi)
{
	size_t per_block = sbi->block_size / sizeof(struct ext2_group_desc);
	size_t bytes = (size_t)sbi->gdt_blocks * sbi->block_size;
	uint64_t free_blocks = 0, free_inodes = 0;
	int err;

	sbi->gd = kmalloc(bytes);
	if (!sbi->gd)
		return -ENOMEM;
	for (uint32_t i = 0; i < sbi->gdt_blocks; i++) {
		struct buf b;

		err = bread(sbi->bd, sbi->first_data_block + 1 + i,
			    sbi->block_size, &b);
		if (err) {
			printk(KERN_ERR "ext2: %s: cannot read group "
					"descriptors (%d)\n",
			       ext2_name(sbi), err);
			return -EIO;
		}
		kmemcpy(sbi->gd + i * per_block, b.data, sbi->block_size);
		brelse(&b);
	}
	for (uint32_t g = 0; g < sbi->groups_count; g++) {
		err = ext2_check_group_desc(sbi, g);
		if (err)
			return err;
		free_blocks += ext2_le16(sbi->gd[g].bg_free_blocks_count);
		free_inodes += ext2_le16(sbi->gd[g].bg_free_inodes_count);
	}
	sbi->free_blocks = (uint32_t)MIN(free_blocks, sbi->blocks_count);
	sbi->free_inodes = (uint32_t)MIN(free_inodes, sbi->inodes_count);
	return 0;
}

int ext2_commit_super(struct ext2_sb_info *sbi)
{
	size_t per_block = sbi->block_size / sizeof(struct ext2_group_desc);
	struct buf b;
	int err;

	sbi->es.s_free_blocks_count = ext2_to_le32(sbi->free_blocks);
	sbi->es.s_free_inodes_count = ext2_to_le32(sbi->free_inodes);
	err = bread(sbi->bd, EXT2_SUPER_OFFSET / EXT2_SUPER_SIZE,
		    EXT2_SUPER_SIZE, &b);
	if (err)
		return err;
	kmemcpy(b.data, &sbi->es, sizeof(sbi->es));
	bdirty(&b);
	brelse(&b);
	if (!sbi->gd_dirty)
		return 0;
	for (uint32_t i = 0; i < sbi->gdt_blocks; i++) {
		err = bread(sbi->bd, sbi->first_data_block + 1 + i,
			    sbi->block_size, &b);
		if (err)
			return err;
		kmemcpy(b.data, sbi->gd + i * per_block, sbi->block_size);
		bdirty(&b);
		brelse(&b);
	}
	sbi->gd_dirty = false;
	return 0;
}

static uint32_t ext2_now(void)
{
	return (uint32_t)(time_real_ns() / NSEC_PER_SEC);
}

/* Going read-write: mark the file system in use on disk. */
static int ext2_mark_mounted(struct ext2_sb_info *sbi)
{
	struct ext2_super_block *es = &sbi->es;
	uint16_t state = ext2_le16(es->s_state);

	if (!(state & EXT2_VALID_FS))
		printk(KERN_WARNING "ext2: %s: mounting an unchecked file "
				    "system, running e2fsck is recommended\n",
		       ext2_name(sbi));
	else if (state & EXT2_ERROR_FS)
		printk(KERN_WARNING "ext2: %s: mounting a file system with "
				    "errors, running e2fsck is recommended\n",
		       ext2_name(sbi));
	sbi->mount_state = state;
	es->s_state = ext2_to_le16(state & ~EXT2_VALID_FS);
	es->s_mnt_count = ext2_to_le16(ext2_le16(es->s_mnt_count) + 1);
	es->s_mtime = ext2_to_le32(ext2_now());
	es->s_wtime = es->s_mtime;
	return ext2_commit_super(sbi);
}

int ext2_sync_fs(struct super_block *sb)
{
	struct ext2_sb_info *sbi = EXT2_SB(sb);
	int err = 0, err2;

	if (!ext2_rdonly(sbi)) {
		err = ext2_write_dirty_inodes(sbi);
		sbi->es.s_wtime = ext2_to_le32(ext2_now());
		err2 = ext2_commit_super(sbi);
		if (!err)
			err = err2;
	}
	err2 = blkdev_sync(sbi->bd);
	return err ? err : err2;
}

/* Going read-only or away: write everything with the mount-time state. */
static int ext2_mark_clean(struct ext2_sb_info *sbi, uint16_t state)
{
	int err = ext2_write_dirty_inodes(sbi), err2;

	sbi->es.s_state = ext2_to_le16(state);
	sbi->es.s_wtime = ext2_to_le32(ext2_now());
	err2 = ext2_commit_super(sbi);
	if (!err)
		err = err2;
	err2 = blkdev_sync(sbi->bd);
	return err ? err : err2;
}

/* ---- super_ops ---- */

static void ext2_free_info(struct ext2_sb_info *sbi)
{
	if (sbi->bd)
		blkdev_put(sbi->bd, sbi->bd_write);
	kfree(sbi->gd);
	kfree(sbi);
}

static void ext2_put_super(struct super_block *sb)
{
	struct ext2_sb_info *sbi = EXT2_SB(sb);

	if (!ext2_rdonly(sbi))
		ext2_mark_clean(sbi, sbi->mount_state);
	else
		blkdev_sync(sbi->bd);
	ext2_free_info(sbi);
	sb->fs_info = NULL;
}

/* Blocks used by super blocks, descriptors, bitmaps and inode tables. */
static uint64_t ext2_overhead(const struct ext2_sb_info *sbi)
{
	uint64_t n = sbi->first_data_block;
	uint32_t reserved_gdt = ext2_le16(sbi->es.s_reserved_gdt_blocks);

	for (uint32_t g = 0; g < sbi->groups_count; g++) {
		if (ext2_group_has_super(sbi, g))
			n += 1 + sbi->gdt_blocks + reserved_gdt;
		n += 2 + sbi->itable_blocks;
	}
	return MIN(n, sbi->blocks_count);
}

static int ext2_statfs(struct super_block *sb, struct kstatfs *st)
{
	struct ext2_sb_info *sbi = EXT2_SB(sb);

	st->type = EXT2_SUPER_MAGIC;
	st->bsize = sbi->block_size;
	st->frsize = sbi->block_size;
	st->blocks = sbi->blocks_count - ext2_overhead(sbi);
	st->bfree = sbi->free_blocks;
	st->bavail = sbi->free_blocks > sbi->r_blocks ?
			     sbi->free_blocks - sbi->r_blocks :
			     0;
	st->files = sbi->inodes_count;
	st->ffree = sbi->free_inodes;
	st->namelen = EXT2_NAME_LEN;
	return 0;
}

static int ext2_remount(struct super_block *sb, unsigned int sb_flags,
			const char *data)
{
	struct ext2_sb_info *sbi = EXT2_SB(sb);
	bool was_ro = ext2_rdonly(sbi);
	int err;

	if ((sb_flags & SB_RDONLY) && !was_ro)
		return ext2_mark_clean(sbi, sbi->mount_state);
	if (!(sb_flags & SB_RDONLY) && was_ro) {
		if (sbi->ro_only) {
			printk(KERN_ERR "ext2: %s: unsupported features allow "
					"only a read-only mount\n",
			       ext2_name(sbi));
			return -EINVAL;
		}
		if (!sbi->bd_write) {
			err = blkdev_get(sbi->bd, true);
			if (err)
				return err;
			blkdev_put(sbi->bd, false);
			sbi->bd_write = true;
		}
		return ext2_mark_mounted(sbi);
	}
	return 0;
}

static const struct super_ops ext2_super_ops = {
	.put_super = ext2_put_super,
	.statfs = ext2_statfs,
	.remount = ext2_remount,
	.inode_release = ext2_inode_release,
	.sync = ext2_sync_fs,
};

/* ---- mounting ---- */

static struct super_block *ext2_mount(const struct fs_type *type,
				      const char *source, unsigned long flags,
				      const char *data)
{
	bool rdonly = (flags & MS_RDONLY) != 0;
	struct ext2_sb_info *sbi;
	struct super_block *sb;
	struct inode *root;
	int err;

	if (!source)
		return ERR_PTR(-EINVAL);
	sbi = kzalloc(sizeof(*sbi));
	if (!sbi)
		return ERR_PTR(-ENOMEM);
	for (int i = 0; i < EXT2_IHASH_SIZE; i++)
		list_init(&sbi->ihash[i]);
	err = blkdev_open_source(source, !rdonly, &sbi->bd);
	if (err) {
		sbi->bd = NULL;
		goto out_info;
	}
	sbi->bd_write = !rdonly;
	err = ext2_read_super(sbi);
	if (err)
		goto out_info;
	err = ext2_check_super(sbi, &sbi->es, sbi->bd->size, rdonly);
	if (err)
		goto out_info;
	err = ext2_read_groups(sbi);
	if (err)
		goto out_info;
	err = -ENOMEM;
	sb = sb_alloc(type, &ext2_super_ops, EXT2_SUPER_MAGIC);
	if (!sb)
		goto out_info;
	sb->fs_info = sbi;
	sb->dev = sbi->bd->dev;
	sb->flags = rdonly ? SB_RDONLY : 0;
	sbi->sb = sb;
	root = ext2_iget(sb, EXT2_ROOT_INO);
	if (IS_ERR(root)) {
		err = (int)PTR_ERR(root);
		goto out_sb;
	}
	if (!S_ISDIR(root->mode)) {
		printk(KERN_ERR "ext2: %s: root inode is not a directory\n",
		       ext2_name(sbi));
		inode_put(root);
		err = -EINVAL;
		goto out_sb;
	}
	sb->root = d_make_root(root);
	err = -ENOMEM;
	if (!sb->root)
		goto out_sb;
	if (!rdonly) {
		err = ext2_mark_mounted(sbi);
		if (err)
			goto out_root;
	}
	return sb;
out_root:
	dput(sb->root);
out_sb:
	kfree(sb);
out_info:
	ext2_free_info(sbi);
	return ERR_PTR(err);
}

static const struct fs_type ext2_fs_type = {
	.name = "ext2",
	.mount = ext2_mount,
};

/* ext3 without journal replay: a clean ext3 is an ext2 with a journal. */
static const struct fs_type ext3_fs_type = {
	.name = "ext3",
	.mount = ext2_mount,
};

int ext2_init(void)
{
	int err = fs_type_register(&ext2_fs_type);

	if (err)
		return err;
	return fs_type_register(&ext3_fs_type);
}
