/*
 * ext2 inode allocation: the per-group inode bitmaps.
 *
 * Group choice is "Orlov-lite": a new directory goes to a group with at
 * least the average free inodes and free blocks and the fewest
 * directories, spreading the tree over the disk; other inodes stay in
 * their parent's group, else a quadratic probe finds a group with room.
 * Free and directory counts in the descriptors and the super block change
 * together with the bitmap bit, so they stay exact.
 */
#include "err.h"
#include "ext2_internal.h"
#include "klib.h"
#include "printk.h"

static uint32_t gd_free_inodes(const struct ext2_sb_info *sbi, uint32_t g)
{
	return ext2_le16(sbi->gd[g].bg_free_inodes_count);
}

static uint32_t gd_free_blocks(const struct ext2_sb_info *sbi, uint32_t g)
{
	return ext2_le16(sbi->gd[g].bg_free_blocks_count);
}

static uint32_t gd_dirs(const struct ext2_sb_info *sbi, uint32_t g)
{
	return ext2_le16(sbi->gd[g].bg_used_dirs_count);
}

static long ext2_choose_dir_group(const struct ext2_sb_info *sbi,
				  uint32_t parent_group)
{
	uint32_t n = sbi->groups_count;
	uint32_t avg_inodes = sbi->free_inodes / n;
	uint32_t avg_blocks = sbi->free_blocks / n;
	long best = -1;

	for (uint32_t i = 0; i < n; i++) {
		uint32_t g = (parent_group + i) % n;

		if (gd_free_inodes(sbi, g) == 0 ||
		    gd_free_inodes(sbi, g) < avg_inodes ||
		    gd_free_blocks(sbi, g) < avg_blocks)
			continue;
		if (best < 0 ||
		    gd_dirs(sbi, g) < gd_dirs(sbi, (uint32_t)best) ||
		    (gd_dirs(sbi, g) == gd_dirs(sbi, (uint32_t)best) &&
		     gd_free_blocks(sbi, g) >
			     gd_free_blocks(sbi, (uint32_t)best)))
			best = g;
	}
	if (best >= 0)
		return best;
	/* No group is above average: the one with the most free blocks. */
	for (uint32_t g = 0; g < n; g++)
		if (gd_free_inodes(sbi, g) &&
		    (best < 0 || gd_free_blocks(sbi, g) >
					 gd_free_blocks(sbi, (uint32_t)best)))
			best = g;
	return best >= 0 ? best : -ENOSPC;
}

static long ext2_choose_file_group(const struct ext2_sb_info *sbi,
				   uint32_t parent_group)
{
	uint32_t n = sbi->groups_count;
	uint32_t g = parent_group;

	if (gd_free_inodes(sbi, g) && gd_free_blocks(sbi, g))
		return g;
	for (uint32_t step = 1; step < n; step <<= 1) {
		g = (g + step) % n;
		if (gd_free_inodes(sbi, g) && gd_free_blocks(sbi, g))
			return g;
	}
	for (uint32_t i = 0; i < n; i++) {
		g = (parent_group + i) % n;
		if (gd_free_inodes(sbi, g))
			return g;
	}
	return -ENOSPC;
}

long ext2_choose_group(const struct ext2_sb_info *sbi, uint32_t parent_group,
		       bool dir)
{
	if (parent_group >= sbi->groups_count)
		parent_group = 0;
	if (sbi->free_inodes == 0)
		return -ENOSPC;
	return dir ? ext2_choose_dir_group(sbi, parent_group) :
		     ext2_choose_file_group(sbi, parent_group);
}

static int ext2_read_inode_bitmap(struct ext2_sb_info *sbi, uint32_t g,
				  struct buf *b)
{
	int err = bread(sbi->bd, ext2_le32(sbi->gd[g].bg_inode_bitmap),
			sbi->block_size, b);

	if (err)
		printk(KERN_ERR "ext2: %s: cannot read inode bitmap of group "
				"%u (%d)\n",
		       sbi->bd->name, g, err);
	return err ? -EIO : 0;
}

/* Take a free inode of group g: 0 with *out, -ENOSPC, -EIO. */
static int ext2_alloc_ino_in_group(struct ext2_sb_info *sbi, uint32_t g,
				   bool dir, uint32_t *out)
{
	struct ext2_group_desc *gd = &sbi->gd[g];
	/* Reserved inodes (below first_ino) are never handed out. */
	uint32_t start = g == 0 ? sbi->first_ino - 1 : 0;
	struct buf b;
	long bit;
	int err = ext2_read_inode_bitmap(sbi, g, &b);

	if (err)
		return err;
	bit = ext2_find_zero_bit(b.data, sbi->inodes_per_group, start);
	if (bit < 0) {
		brelse(&b);
		printk(KERN_WARNING "ext2: %s: group %u counts free inodes "
				    "but has none\n",
		       sbi->bd->name, g);
		return -ENOSPC;
	}
	ext2_set_bit(b.data, (uint32_t)bit);
	bdirty(&b);
	brelse(&b);
	gd->bg_free_inodes_count = ext2_to_le16(gd_free_inodes(sbi, g) - 1);
	if (dir)
		gd->bg_used_dirs_count = ext2_to_le16(gd_dirs(sbi, g) + 1);
	sbi->free_inodes--;
	sbi->gd_dirty = true;
	*out = g * sbi->inodes_per_group + (uint32_t)bit + 1;
	return 0;
}

int ext2_new_ino(struct ext2_sb_info *sbi, uint32_t parent_group, bool dir,
		 uint32_t *out)
{
	long first = ext2_choose_group(sbi, parent_group, dir);

	if (first < 0)
		return (int)first;
	for (uint32_t i = 0; i < sbi->groups_count; i++) {
		uint32_t g = ((uint32_t)first + i) % sbi->groups_count;
		int err;

		if (gd_free_inodes(sbi, g) == 0)
			continue;
		err = ext2_alloc_ino_in_group(sbi, g, dir, out);
		if (err != -ENOSPC)
			return err;
	}
	return -ENOSPC;
}

void ext2_free_ino(struct ext2_sb_info *sbi, uint32_t ino, bool dir)
{
	uint32_t g, bit;
	struct ext2_group_desc *gd;
	struct buf b;

	if (ino < sbi->first_ino || ino > sbi->inodes_count) {
		printk(KERN_ERR "ext2: %s: freeing reserved or bad inode %u\n",
		       sbi->bd->name, ino);
		return;
	}
	g = (ino - 1) / sbi->inodes_per_group;
	bit = (ino - 1) % sbi->inodes_per_group;
	gd = &sbi->gd[g];
	if (ext2_read_inode_bitmap(sbi, g, &b))
		return;
	if (!ext2_test_bit(b.data, bit)) {
		brelse(&b);
		printk(KERN_ERR "ext2: %s: freeing free inode %u\n",
		       sbi->bd->name, ino);
		return;
	}
	ext2_clear_bit(b.data, bit);
	bdirty(&b);
	brelse(&b);
	gd->bg_free_inodes_count = ext2_to_le16(gd_free_inodes(sbi, g) + 1);
	if (dir && gd_dirs(sbi, g))
		gd->bg_used_dirs_count = ext2_to_le16(gd_dirs(sbi, g) - 1);
	sbi->free_inodes++;
	sbi->gd_dirty = true;
}
