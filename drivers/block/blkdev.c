/*
 * The block device registry: drivers register whole disks, MBR partitions
 * become devices of their own, and /dev gets a node for each. Holders
 * (mounts and open device files) are counted so a busy disk cannot be
 * unregistered, and sync walks every device.
 */
#include "block_internal.h"
#include "err.h"
#include "klib.h"
#include "mm.h"
#include "printk.h"

#define MBR_SIG_OFF 510
#define MBR_TABLE_OFF 446
#define MBR_ENTRY_SIZE 16
#define MBR_ENTRIES 4
#define MBR_TYPE_EXTENDED 0x05
#define MBR_TYPE_EXTENDED_LBA 0x0f
#define MBR_TYPE_EXTENDED_LINUX 0x85
#define MBR_TYPE_PROTECTIVE_GPT 0xee

struct blkdev_state {
	struct list_head devices;
};

static struct blkdev_state blkdevs = {
	.devices = LIST_HEAD_INIT(blkdevs.devices),
};

struct block_device *blkdev_next(struct block_device *prev)
{
	struct list_head *next = prev ? prev->link.next : blkdevs.devices.next;

	return next == &blkdevs.devices ?
		       NULL :
		       list_entry(next, struct block_device, link);
}

struct block_device *blkdev_find(uint64_t dev)
{
	for (struct block_device *bd = blkdev_next(NULL); bd;
	     bd = blkdev_next(bd))
		if (bd->dev == dev)
			return bd;
	return NULL;
}

struct block_device *blkdev_find_name(const char *name)
{
	for (struct block_device *bd = blkdev_next(NULL); bd;
	     bd = blkdev_next(bd))
		if (!kstrcmp(bd->name, name))
			return bd;
	return NULL;
}

/* ---- partitions ---- */

static int part_read(struct block_device *bd, uint64_t off,
		     const struct blk_seg *segs, unsigned int nsegs)
{
	return bd->whole->ops->read(bd->whole, bd->start + off, segs, nsegs);
}

static int part_write(struct block_device *bd, uint64_t off,
		      const struct blk_seg *segs, unsigned int nsegs)
{
	return bd->whole->ops->write(bd->whole, bd->start + off, segs, nsegs);
}

static int part_flush(struct block_device *bd)
{
	return bd->whole->ops->flush(bd->whole);
}

static const struct blkdev_ops part_ops = {
	.read = part_read,
	.write = part_write,
	.flush = part_flush,
};

static void blkdev_add(struct block_device *bd)
{
	bcache_dev_init(bd);
	list_init(&bd->parts);
	list_init(&bd->part_link);
	list_add_tail(&bd->link, &blkdevs.devices);
	if (devfs_create(bd->name, S_IFBLK | 0660, bd->dev) == -EEXIST)
		printk(KERN_WARNING "blkdev: /dev/%s already exists\n",
		       bd->name);
}

static void add_partition(struct block_device *disk, unsigned int n,
			  uint64_t start, uint64_t count)
{
	struct block_device *p = kzalloc(sizeof(*p));

	if (!p)
		return;
	ksnprintf(p->name, sizeof(p->name), "%s%u", disk->name, n);
	p->dev = disk->dev + n;
	p->size = count * SECTOR_SIZE;
	p->start = start * SECTOR_SIZE;
	p->readonly = disk->readonly;
	p->write_through = disk->write_through;
	p->ops = &part_ops;
	p->whole = disk;
	blkdev_add(p);
	list_add_tail(&p->part_link, &disk->parts);
}

/*
 * Register the primary partitions of an MBR. Entries that do not fit the
 * disk are ignored with a warning; extended partitions are not walked.
 */
static void scan_partitions(struct block_device *disk)
{
	uint8_t *mbr = kmalloc(SECTOR_SIZE);
	struct blk_seg seg = { mbr, SECTOR_SIZE };
	uint64_t sectors = disk->size / SECTOR_SIZE;

	if (!mbr || disk->size < SECTOR_SIZE)
		goto out;
	if (disk->ops->read(disk, 0, &seg, 1))
		goto out;
	if (mbr[MBR_SIG_OFF] != 0x55 || mbr[MBR_SIG_OFF + 1] != 0xaa)
		goto out;
	for (unsigned int i = 0; i < MBR_ENTRIES; i++) {
		const uint8_t *e = mbr + MBR_TABLE_OFF + i * MBR_ENTRY_SIZE;
		uint8_t type = e[4];
		uint64_t start = kget_le32(e + 8), count = kget_le32(e + 12);

		/* A boot sector of a file system has no 0x00/0x80 status. */
		if (e[0] != 0 && e[0] != 0x80)
			goto out;
		if (!type || !count || type == MBR_TYPE_EXTENDED ||
		    type == MBR_TYPE_EXTENDED_LBA ||
		    type == MBR_TYPE_EXTENDED_LINUX ||
		    type == MBR_TYPE_PROTECTIVE_GPT)
			continue;
		if (start == 0 || start >= sectors || count > sectors - start) {
			printk(KERN_WARNING "%s: partition %u beyond the end "
					    "of the disk, ignored\n",
			       disk->name, i + 1);
			continue;
		}
		add_partition(disk, i + 1, start, count);
	}
out:
	kfree(mbr);
}

int blkdev_register(struct block_device *bd)
{
	if (!bd->ops || bd->size % SECTOR_SIZE || blkdev_find(bd->dev) ||
	    blkdev_find_name(bd->name))
		return -EINVAL;
	bd->whole = bd;
	bd->start = 0;
	bd->openers = bd->writers = 0;
	bd->mounted = false;
	blkdev_add(bd);
	scan_partitions(bd);
	return 0;
}

static bool blkdev_busy(const struct block_device *bd)
{
	return bd->openers || bd->mounted;
}

static int blkdev_remove(struct block_device *bd)
{
	int err = bcache_dev_release(bd);

	list_del(&bd->link);
	list_del(&bd->part_link);
	devfs_remove(bd->name);
	return err;
}

int blkdev_unregister(struct block_device *bd)
{
	struct block_device *p, *tmp;
	int err = 0, e;

	if (blkdev_busy(bd) || bcache_dev_pinned(bd))
		return -EBUSY;
	list_for_each_entry(p, &bd->parts, part_link)
		if (blkdev_busy(p) || bcache_dev_pinned(p))
			return -EBUSY;
	list_for_each_entry_safe(p, tmp, &bd->parts, part_link) {
		e = blkdev_remove(p);
		if (e && !err)
			err = e;
		kfree(p);
	}
	e = blkdev_remove(bd);
	return err ? err : e;
}

/* ---- holders ---- */

int blkdev_get(struct block_device *bd, bool write)
{
	if (write && bd->readonly)
		return -EROFS;
	bd->openers++;
	if (write)
		bd->writers++;
	return 0;
}

void blkdev_put(struct block_device *bd, bool write)
{
	BUG_ON(!bd->openers);
	bd->openers--;
	if (write)
		bd->writers--;
	if (!bd->openers) {
		bd->mounted = false;
		blkdev_sync(bd);
	}
}

bool blkdev_parse_devnum(const char *source, uint64_t *dev)
{
	const char *colon = kstrchr(source, ':');
	char major[16];
	uint64_t ma, mi;

	if (!colon || (size_t)(colon - source) >= sizeof(major))
		return false;
	kmemcpy(major, source, (size_t)(colon - source));
	major[colon - source] = '\0';
	if (kstrtou64(major, 10, &ma) || kstrtou64(colon + 1, 10, &mi) ||
	    ma > 0xfff || mi > 0xfffff)
		return false;
	*dev = MKDEV(ma, mi);
	return true;
}

int blkdev_open_source(const char *source, bool write,
		       struct block_device **out)
{
	struct block_device *bd;
	struct path p;
	uint64_t dev;
	int err;

	if (!source || !*source)
		return -ENOENT;
	if (!blkdev_parse_devnum(source, &dev)) {
		err = vfs_path_lookup(AT_FDCWD, source, LOOKUP_FOLLOW, &p);
		if (err)
			return err;
		if (!S_ISBLK(p.dentry->inode->mode)) {
			path_put(&p);
			return -ENOTBLK;
		}
		if (p.mnt->flags & MNT_NODEV) {
			path_put(&p);
			return -EACCES;
		}
		dev = p.dentry->inode->rdev;
		path_put(&p);
	}
	bd = blkdev_find(dev);
	if (!bd)
		return -ENXIO;
	err = blkdev_get(bd, write);
	if (err)
		return err;
	bd->mounted = true;
	*out = bd;
	return 0;
}

/* ---- sync ---- */

int blkdev_sync(struct block_device *bd)
{
	struct block_device *p;
	int err = bcache_writeback(bd), e;

	list_for_each_entry(p, &bd->parts, part_link) {
		e = bcache_writeback(p);
		if (e && !err)
			err = e;
	}
	if (!bd->whole->readonly) {
		e = bd->whole->ops->flush(bd->whole);
		if (e && !err)
			err = e;
	}
	return err;
}

int blkdev_sync_all(void)
{
	int err = 0;

	for (struct block_device *bd = blkdev_next(NULL); bd;
	     bd = blkdev_next(bd)) {
		int e;

		if (bd->whole != bd)
			continue;
		e = blkdev_sync(bd);
		if (e && !err)
			err = e;
	}
	return err;
}

void blkdev_init(void)
{
	bcache_init();
}
