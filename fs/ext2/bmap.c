/*
 * ext2 block map: file block -> disk block through i_block's 12 direct
 * slots and the single, double and triple indirect blocks.
 *
 * A zero entry is a hole that reads as zeros. Mapping with create fills
 * holes, allocating indirect blocks (zeroed) on the way; the goal of each
 * new block is the block after the file's previous one, so sequential
 * writes lay a file out contiguously. i_blocks counts data and indirect
 * blocks in 512-byte units. Every block number read from an inode or an
 * indirect block is checked to be a data block of the file system before
 * it is used (-EIO otherwise).
 */
#include "err.h"
#include "ext2_internal.h"
#include "klib.h"
#include "printk.h"

#define EXT2_MAX_DEPTH 4

int ext2_block_path(uint32_t addr_per_block, uint64_t lblock,
		    uint32_t offsets[EXT2_MAX_DEPTH])
{
	uint64_t apb = addr_per_block;

	if (lblock < EXT2_NDIR_BLOCKS) {
		offsets[0] = (uint32_t)lblock;
		return 1;
	}
	lblock -= EXT2_NDIR_BLOCKS;
	if (lblock < apb) {
		offsets[0] = EXT2_IND_BLOCK;
		offsets[1] = (uint32_t)lblock;
		return 2;
	}
	lblock -= apb;
	if (lblock < apb * apb) {
		offsets[0] = EXT2_DIND_BLOCK;
		offsets[1] = (uint32_t)(lblock / apb);
		offsets[2] = (uint32_t)(lblock % apb);
		return 3;
	}
	lblock -= apb * apb;
	if (lblock < apb * apb * apb) {
		offsets[0] = EXT2_TIND_BLOCK;
		offsets[1] = (uint32_t)(lblock / (apb * apb));
		offsets[2] = (uint32_t)(lblock / apb % apb);
		offsets[3] = (uint32_t)(lblock % apb);
		return 4;
	}
	return -EFBIG;
}

uint64_t ext2_max_size(unsigned int block_log)
{
	uint64_t apb = (1ull << block_log) / 4;
	uint64_t addressable =
		EXT2_NDIR_BLOCKS + apb + apb * apb + apb * apb * apb;
	/* i_blocks is 32 bits of 512-byte units, indirect blocks included. */
	uint64_t limit = 0xffffffffull >> (block_log - 9);
	uint64_t meta = 1 + (1 + apb) + (1 + apb + apb * apb);

	limit -= meta;
	return MIN(addressable, limit) << block_log;
}

static uint32_t ext2_blocks_512(const struct ext2_sb_info *sbi)
{
	return sbi->block_size / 512;
}

static int ext2_bad_block(struct inode *inode, uint32_t block)
{
	printk(KERN_ERR "ext2: %s: inode %llu refers to bad block %u\n",
	       EXT2_SB(inode->sb)->bd->name, (unsigned long long)inode->ino,
	       block);
	return -EIO;
}

static uint32_t *ext2_entries(struct buf *b)
{
	return b->data;
}

/*
 * Where to look for a new block at file block lblock: after the previous
 * allocation when it is the preceding file block, else after the nearest
 * mapped entry before idx in the same map array, else near the indirect
 * block holding the array, else the start of the inode's group.
 */
static uint32_t ext2_goal(struct inode *inode, uint64_t lblock,
			  const uint32_t *array, bool disk_order, uint32_t idx,
			  uint32_t parent)
{
	struct ext2_inode_info *ei = EXT2_I(inode);
	struct ext2_sb_info *sbi = EXT2_SB(inode->sb);

	if (ei->last_pblock && lblock == ei->last_lblock + 1)
		return ei->last_pblock + 1;
	while (idx-- > 0) {
		uint32_t b = disk_order ? ext2_le32((__le32)array[idx]) :
					  array[idx];

		if (b)
			return b;
	}
	if (parent)
		return parent;
	return ext2_group_first_block(sbi, ei->group);
}

/* Allocate a block near goal; an indirect block is zeroed. */
static int ext2_alloc(struct inode *inode, uint32_t goal, bool indirect,
		      uint32_t *out)
{
	struct ext2_sb_info *sbi = EXT2_SB(inode->sb);
	struct buf b;
	int err = ext2_new_block(sbi, goal, out);

	if (err)
		return err;
	inode->blocks += ext2_blocks_512(sbi);
	ext2_dirty_inode(inode);
	if (!indirect)
		return 0;
	err = bget(sbi->bd, *out, sbi->block_size, &b);
	if (err) {
		ext2_free_blocks(sbi, *out, 1);
		inode->blocks -= ext2_blocks_512(sbi);
		return -EIO;
	}
	kmemset(b.data, 0, sbi->block_size);
	bdirty(&b);
	brelse(&b);
	return 0;
}

int ext2_bmap(struct inode *inode, uint64_t lblock, bool create,
	      uint32_t *pblock, bool *fresh)
{
	struct ext2_sb_info *sbi = EXT2_SB(inode->sb);
	struct ext2_inode_info *ei = EXT2_I(inode);
	uint32_t off[EXT2_MAX_DEPTH], cur, parent = 0;
	int depth = ext2_block_path(sbi->addr_per_block, lblock, off);
	int err;

	*pblock = 0;
	if (fresh)
		*fresh = false;
	if (depth < 0)
		return depth;
	/* Level 0: the slot in the inode. */
	cur = ei->block[off[0]];
	if (!cur) {
		uint32_t goal;

		if (!create)
			return 0;
		goal = ext2_goal(inode, lblock, ei->block, false, off[0], 0);
		err = ext2_alloc(inode, goal, depth > 1, &cur);
		if (err)
			return err;
		ei->block[off[0]] = cur;
		ext2_dirty_inode(inode);
		if (depth == 1 && fresh)
			*fresh = true;
	} else if (!ext2_block_valid(sbi, cur)) {
		return ext2_bad_block(inode, cur);
	}
	/* Levels 1..depth-1: entries of indirect blocks. */
	for (int k = 1; k < depth; k++) {
		struct buf b;
		uint32_t next;

		parent = cur;
		err = bread(sbi->bd, parent, sbi->block_size, &b);
		if (err)
			return -EIO;
		next = ext2_le32((__le32)ext2_entries(&b)[off[k]]);
		if (next && !ext2_block_valid(sbi, next)) {
			brelse(&b);
			return ext2_bad_block(inode, next);
		}
		if (!next) {
			uint32_t goal;

			if (!create) {
				brelse(&b);
				return 0;
			}
			goal = ext2_goal(inode, lblock, ext2_entries(&b), true,
					 off[k], parent);
			err = ext2_alloc(inode, goal, k < depth - 1, &next);
			if (err) {
				brelse(&b);
				return err;
			}
			ext2_entries(&b)[off[k]] = (uint32_t)ext2_to_le32(next);
			bdirty(&b);
			if (k == depth - 1 && fresh)
				*fresh = true;
		}
		brelse(&b);
		cur = next;
	}
	if (create) {
		ei->last_lblock = lblock;
		ei->last_pblock = cur;
	}
	*pblock = cur;
	return 0;
}

/* ---- SEEK_DATA / SEEK_HOLE ---- */

/* A search for the first mapped (data) or unmapped (hole) file block. */
struct ext2_seek {
	struct inode *inode;
	bool data; /* looking for a mapped block, else for a hole */
	uint64_t pos; /* next file block to look at; only grows */
	uint64_t end; /* first file block not to look at */
};

static uint64_t ext2_pow(uint64_t base, int exp)
{
	uint64_t r = 1;

	while (exp-- > 0)
		r *= base;
	return r;
}

/*
 * Look at the subtree of map entry blk covering file blocks [base, base +
 * apb^level): level 0 is a data block, level n a block of n levels of
 * indirection. A zero entry makes the whole subtree a hole, so it is
 * passed over (or found) in one step. 1 when found (at s->pos), 0 when
 * not in this subtree (s->pos moved past it, or to s->end), or -EIO.
 */
static int ext2_seek_tree(struct ext2_seek *s, uint32_t blk, int level,
			  uint64_t base)
{
	struct ext2_sb_info *sbi = EXT2_SB(s->inode->sb);
	uint64_t span = ext2_pow(sbi->addr_per_block, level);
	uint64_t child_span = span / sbi->addr_per_block;
	struct buf b;
	int found = 0;

	if (!blk || level == 0) {
		if (blk && !ext2_block_valid(sbi, blk))
			return ext2_bad_block(s->inode, blk);
		if ((blk != 0) == s->data)
			return 1;
		s->pos = MIN(base + span, s->end);
		return 0;
	}
	if (!ext2_block_valid(sbi, blk))
		return ext2_bad_block(s->inode, blk);
	if (bread(sbi->bd, blk, sbi->block_size, &b))
		return -EIO;
	for (uint64_t i = (s->pos - base) / child_span;
	     !found && i < sbi->addr_per_block && s->pos < s->end; i++)
		found = ext2_seek_tree(s,
				       ext2_le32((__le32)ext2_entries(&b)[i]),
				       level - 1, base + i * child_span);
	brelse(&b);
	return found;
}

int ext2_seek_block(struct inode *inode, uint64_t from, uint64_t end, bool data,
		    uint64_t *out)
{
	struct ext2_sb_info *sbi = EXT2_SB(inode->sb);
	struct ext2_inode_info *ei = EXT2_I(inode);
	struct ext2_seek s = {
		.inode = inode, .data = data, .pos = from, .end = end
	};
	uint64_t base = 0;
	int found = 0;

	for (int slot = 0; !found && slot < EXT2_N_BLOCKS && s.pos < s.end;
	     slot++) {
		int level = slot < EXT2_NDIR_BLOCKS ?
				    0 :
				    slot - EXT2_NDIR_BLOCKS + 1;
		uint64_t span = ext2_pow(sbi->addr_per_block, level);

		if (s.pos < base + span)
			found = ext2_seek_tree(&s, ei->block[slot], level,
					       base);
		base += span;
	}
	if (found < 0)
		return found;
	*out = found ? s.pos : MAX(s.pos, end);
	return 0;
}

/* ---- truncation ---- */

/* Frees data blocks in contiguous runs. */
struct ext2_freer {
	struct inode *inode;
	uint32_t start, count;
};

static void ext2_freer_flush(struct ext2_freer *fr)
{
	if (fr->count)
		ext2_free_blocks(EXT2_SB(fr->inode->sb), fr->start, fr->count);
	fr->count = 0;
}

static void ext2_freer_add(struct ext2_freer *fr, uint32_t block)
{
	struct ext2_sb_info *sbi = EXT2_SB(fr->inode->sb);
	uint32_t units = ext2_blocks_512(sbi);

	if (!ext2_block_valid(sbi, block)) {
		ext2_bad_block(fr->inode, block);
		return;
	}
	if (fr->count && block == fr->start + fr->count) {
		fr->count++;
	} else {
		ext2_freer_flush(fr);
		fr->start = block;
		fr->count = 1;
	}
	fr->inode->blocks =
		fr->inode->blocks > units ? fr->inode->blocks - units : 0;
}

/*
 * Free the part of the subtree under indirect block blk (depth levels of
 * indirection: 1 means its entries are data blocks) from relative file
 * block rel on; with rel 0 free blk itself too.
 */
static int ext2_free_branch(struct ext2_freer *fr, uint32_t blk, int depth,
			    uint64_t rel)
{
	struct ext2_sb_info *sbi = EXT2_SB(fr->inode->sb);
	uint64_t span = ext2_pow(sbi->addr_per_block, depth - 1);
	bool changed = false;
	struct buf b;
	int err = 0;

	if (!ext2_block_valid(sbi, blk))
		return ext2_bad_block(fr->inode, blk);
	if (bread(sbi->bd, blk, sbi->block_size, &b))
		return -EIO;
	for (uint32_t i = (uint32_t)(rel / span); i < sbi->addr_per_block;
	     i++) {
		uint32_t e = ext2_le32((__le32)ext2_entries(&b)[i]);
		uint64_t child_rel = i == rel / span ? rel % span : 0;

		if (!e)
			continue;
		if (depth == 1) {
			ext2_freer_add(fr, e);
		} else {
			int err2 =
				ext2_free_branch(fr, e, depth - 1, child_rel);

			if (err2 && !err)
				err = err2;
			if (child_rel)
				continue;
		}
		ext2_entries(&b)[i] = 0;
		changed = true;
	}
	if (changed)
		bdirty(&b);
	brelse(&b);
	if (rel == 0)
		ext2_freer_add(fr, blk);
	return err;
}

int ext2_truncate_blocks(struct inode *inode, uint64_t size)
{
	struct ext2_sb_info *sbi = EXT2_SB(inode->sb);
	struct ext2_inode_info *ei = EXT2_I(inode);
	uint64_t first = DIV_ROUND_UP(size, sbi->block_size);
	struct ext2_freer fr = { .inode = inode };
	uint64_t base = EXT2_NDIR_BLOCKS;
	int err = 0;

	for (uint64_t i = first; i < EXT2_NDIR_BLOCKS; i++) {
		if (!ei->block[i])
			continue;
		ext2_freer_add(&fr, ei->block[i]);
		ei->block[i] = 0;
	}
	for (int level = 1; level <= 3; level++) {
		uint64_t span = ext2_pow(sbi->addr_per_block, level);
		uint32_t *slot = &ei->block[EXT2_IND_BLOCK + level - 1];
		uint64_t rel = first > base ? first - base : 0;

		if (*slot && first < base + span) {
			int err2 = ext2_free_branch(&fr, *slot, level, rel);

			if (err2 && !err)
				err = err2;
			if (rel == 0)
				*slot = 0;
		}
		base += span;
	}
	ext2_freer_flush(&fr);
	if (ei->last_lblock >= first)
		ei->last_pblock = 0;
	ext2_dirty_inode(inode);
	return err;
}
