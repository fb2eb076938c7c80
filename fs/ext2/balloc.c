/*
 * ext2 block allocation: the per-group block bitmaps.
 *
 * Free counts in the group descriptors and the super block change only
 * together with a bitmap bit, so they stay exact. Allocation is
 * goal-directed: the search starts at the goal block (the block after the
 * file's previous one), continues through the following groups and wraps,
 * so a file written sequentially gets contiguous blocks. Blocks counted as
 * free that turn out to hold metadata, or bits that disagree with the
 * counts, are reported and never handed out.
 */
#include "err.h"
#include "ext2_internal.h"
#include "klib.h"
#include "printk.h"
#include "sched.h"

/* ---- bitmaps (little-endian bit order: bit i is byte i/8, bit i%8) ---- */

bool ext2_test_bit(const uint8_t *map, uint32_t bit)
{
	return (map[bit / 8] >> (bit % 8)) & 1;
}

void ext2_set_bit(uint8_t *map, uint32_t bit)
{
	map[bit / 8] |= (uint8_t)(1u << (bit % 8));
}

void ext2_clear_bit(uint8_t *map, uint32_t bit)
{
	map[bit / 8] &= (uint8_t) ~(1u << (bit % 8));
}

long ext2_find_zero_bit(const uint8_t *map, uint32_t size, uint32_t start)
{
	uint32_t bit = start;

	while (bit < size) {
		if (bit % 8 == 0 && size - bit >= 8 && map[bit / 8] == 0xff) {
			bit += 8;
			continue;
		}
		if (!ext2_test_bit(map, bit))
			return bit;
		bit++;
	}
	return -1;
}

/* ---- block numbers ---- */

static bool ext2_block_in_range(const struct ext2_sb_info *sbi, uint32_t block)
{
	return block >= sbi->first_data_block && block < sbi->blocks_count;
}

/* Whether block holds a super block, descriptors, a bitmap or inodes. */
static bool ext2_block_is_meta(const struct ext2_sb_info *sbi, uint32_t block)
{
	uint32_t g = (block - sbi->first_data_block) / sbi->blocks_per_group;
	uint32_t first = ext2_group_first_block(sbi, g);
	const struct ext2_group_desc *gd = &sbi->gd[g];
	uint32_t it = ext2_le32(gd->bg_inode_table);

	if (ext2_group_has_super(sbi, g) &&
	    block - first < 1 + sbi->gdt_blocks +
				    ext2_le16(sbi->es.s_reserved_gdt_blocks))
		return true;
	return block == ext2_le32(gd->bg_block_bitmap) ||
	       block == ext2_le32(gd->bg_inode_bitmap) ||
	       (block >= it && block - it < sbi->itable_blocks);
}

bool ext2_block_valid(const struct ext2_sb_info *sbi, uint32_t block)
{
	return ext2_block_in_range(sbi, block) &&
	       !ext2_block_is_meta(sbi, block);
}

/* Whether the caller may dig into the reserved blocks. */
static bool ext2_may_use_reserved(const struct ext2_sb_info *sbi)
{
	if (!current)
		return true;
	return current->cred.fsuid == 0 ||
	       current->cred.fsuid == ext2_le16(sbi->es.s_def_resuid);
}

static int ext2_read_block_bitmap(struct ext2_sb_info *sbi, uint32_t g,
				  struct buf *b)
{
	int err = bread(sbi->bd, ext2_le32(sbi->gd[g].bg_block_bitmap),
			sbi->block_size, b);

	if (err)
		printk(KERN_ERR "ext2: %s: cannot read block bitmap of group "
				"%u (%d)\n",
		       sbi->bd->name, g, err);
	return err ? -EIO : 0;
}

/*
 * Take a free block of group g at bit start or later; 0 with *out,
 * -ENOSPC when none is free there, -EIO on a read error.
 */
static int ext2_alloc_in_group(struct ext2_sb_info *sbi, uint32_t g,
			       uint32_t start, uint32_t *out)
{
	uint32_t n = ext2_group_nblocks(sbi, g);
	uint32_t first = ext2_group_first_block(sbi, g);
	struct ext2_group_desc *gd = &sbi->gd[g];
	struct buf b;
	long bit;
	int err = ext2_read_block_bitmap(sbi, g, &b);

	if (err)
		return err;
	for (bit = ext2_find_zero_bit(b.data, n, start); bit >= 0;
	     bit = ext2_find_zero_bit(b.data, n, (uint32_t)bit + 1)) {
		if (!ext2_block_is_meta(sbi, first + (uint32_t)bit))
			break;
		printk(KERN_ERR "ext2: %s: metadata block %u marked free\n",
		       sbi->bd->name, first + (uint32_t)bit);
		ext2_set_bit(b.data, (uint32_t)bit);
		bdirty(&b);
	}
	if (bit < 0) {
		brelse(&b);
		return -ENOSPC;
	}
	ext2_set_bit(b.data, (uint32_t)bit);
	bdirty(&b);
	brelse(&b);
	gd->bg_free_blocks_count =
		ext2_to_le16(ext2_le16(gd->bg_free_blocks_count) - 1);
	sbi->free_blocks--;
	sbi->gd_dirty = true;
	*out = first + (uint32_t)bit;
	return 0;
}

int ext2_new_block(struct ext2_sb_info *sbi, uint32_t goal, uint32_t *out)
{
	uint32_t g, start;

	if (sbi->free_blocks == 0 ||
	    (sbi->free_blocks <= sbi->r_blocks && !ext2_may_use_reserved(sbi)))
		return -ENOSPC;
	if (!ext2_block_in_range(sbi, goal))
		goal = sbi->first_data_block;
	g = (goal - sbi->first_data_block) / sbi->blocks_per_group;
	start = (goal - sbi->first_data_block) % sbi->blocks_per_group;
	/* The goal group from the goal, the others, then its head. */
	for (uint32_t i = 0; i <= sbi->groups_count; i++) {
		uint32_t gi = (g + i) % sbi->groups_count;
		int err;

		if (i == sbi->groups_count)
			start = 0;
		if (ext2_le16(sbi->gd[gi].bg_free_blocks_count) == 0)
			continue;
		err = ext2_alloc_in_group(sbi, gi, i == 0 ? start : 0, out);
		if (err != -ENOSPC)
			return err;
		if (i != 0 && i != sbi->groups_count)
			printk(KERN_WARNING "ext2: %s: group %u counts free "
					    "blocks but has none\n",
			       sbi->bd->name, gi);
	}
	return -ENOSPC;
}

/* Free count blocks from block, all within one group. */
static void ext2_free_in_group(struct ext2_sb_info *sbi, uint32_t block,
			       uint32_t count)
{
	uint32_t g = (block - sbi->first_data_block) / sbi->blocks_per_group;
	uint32_t first = ext2_group_first_block(sbi, g);
	struct ext2_group_desc *gd = &sbi->gd[g];
	uint32_t freed = 0;
	struct buf b;

	if (ext2_read_block_bitmap(sbi, g, &b))
		return;
	for (uint32_t i = 0; i < count; i++) {
		uint32_t bit = block + i - first;

		if (ext2_block_is_meta(sbi, block + i)) {
			printk(KERN_ERR "ext2: %s: refusing to free metadata "
					"block %u\n",
			       sbi->bd->name, block + i);
			continue;
		}
		if (!ext2_test_bit(b.data, bit)) {
			printk(KERN_ERR "ext2: %s: freeing free block %u\n",
			       sbi->bd->name, block + i);
			continue;
		}
		ext2_clear_bit(b.data, bit);
		freed++;
	}
	bdirty(&b);
	brelse(&b);
	bforget(sbi->bd, block, count, sbi->block_size);
	gd->bg_free_blocks_count =
		ext2_to_le16(ext2_le16(gd->bg_free_blocks_count) + freed);
	sbi->free_blocks += freed;
	sbi->gd_dirty = true;
}

void ext2_free_blocks(struct ext2_sb_info *sbi, uint32_t block, uint32_t count)
{
	if (!ext2_block_in_range(sbi, block) || count > sbi->blocks_count ||
	    !ext2_block_in_range(sbi, block + count - 1)) {
		printk(KERN_ERR "ext2: %s: freeing bad blocks %u+%u\n",
		       sbi->bd->name, block, count);
		return;
	}
	while (count) {
		uint32_t g =
			(block - sbi->first_data_block) / sbi->blocks_per_group;
		uint32_t end = ext2_group_first_block(sbi, g) +
			       ext2_group_nblocks(sbi, g);
		uint32_t n = MIN(count, end - block);

		ext2_free_in_group(sbi, block, n);
		block += n;
		count -= n;
	}
}
