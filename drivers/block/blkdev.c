/*
 * The block device registry: drivers register whole disks, MBR partitions
 * (primary, extended and the logical ones in its EBR chain) become
 * devices of their own, and /dev gets a node for each. Holders
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
/* An EBR's own slots: a logical partition and a link to the next EBR. */
#define EBR_SLOTS 2
/* EBRs followed in one chain; more means a corrupt table. */
#define EBR_MAX 64
#define MBR_LOGICAL_FIRST 5
/* The extended partition's own device: room for its table only. */
#define EXTENDED_SECTORS 2
/* A disk has 16 minors (ubd): 0 for itself, 1..15 for partitions. */
#define BLKDEV_PART_MAX 15

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

/*
 * Register partition n of disk: sectors [start, start + count), checked
 * by the caller to lie inside the disk.
 */
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

/* One slot of a partition table (MBR or EBR), in sectors. */
struct mbr_part {
	uint8_t status, type;
	uint64_t start, count;
};

static struct mbr_part mbr_part(const uint8_t *sector, unsigned int i)
{
	const uint8_t *e = sector + MBR_TABLE_OFF + i * MBR_ENTRY_SIZE;

	return (struct mbr_part){
		.status = e[0],
		.type = e[4],
		.start = kget_le32(e + 8),
		.count = kget_le32(e + 12),
	};
}

static bool mbr_used(const struct mbr_part *e)
{
	return e->type && e->count;
}

static bool mbr_extended(const struct mbr_part *e)
{
	return e->type == MBR_TYPE_EXTENDED ||
	       e->type == MBR_TYPE_EXTENDED_LBA ||
	       e->type == MBR_TYPE_EXTENDED_LINUX;
}

static bool mbr_signed(const uint8_t *sector)
{
	return sector[MBR_SIG_OFF] == 0x55 && sector[MBR_SIG_OFF + 1] == 0xaa;
}

/* Read sector nr of disk into buf (SECTOR_SIZE bytes); 0 or -errno. */
static int read_sector(struct block_device *disk, uint64_t nr, uint8_t *buf)
{
	struct blk_seg seg = { buf, SECTOR_SIZE };

	return disk->ops->read(disk, nr * SECTOR_SIZE, &seg, 1);
}

/* Whether [start, start + count) lies inside [first, first + size). */
static bool sectors_inside(uint64_t start, uint64_t count, uint64_t first,
			   uint64_t size)
{
	return start >= first && start - first < size &&
	       count <= size - (start - first);
}

/* A chain of EBRs inside one extended partition. */
struct ebr_walk {
	struct block_device *disk;
	uint64_t first, size; /* the extended partition, in sectors */
	uint64_t seen[EBR_MAX]; /* EBR sectors visited (loop protection) */
	unsigned int nseen;
	unsigned int *next; /* number of the next logical partition */
};

/*
 * Visit the EBR at sector ebr: register its logical partition, and return
 * the sector of the next EBR, or 0 at the end of the chain. Of an EBR's
 * first two slots, the non-extended one is the logical partition
 * (relative to this EBR) and the extended one the link to the next EBR
 * (relative to the extended partition), whatever their order.
 */
static uint64_t ebr_visit(struct ebr_walk *w, uint64_t ebr, uint8_t *sector)
{
	struct block_device *disk = w->disk;
	struct mbr_part data = { 0 }, link = { 0 };

	for (unsigned int i = 0; i < w->nseen; i++) {
		if (w->seen[i] == ebr) {
			printk(KERN_WARNING "%s: EBR chain loops back to "
					    "sector %llu, stopped\n",
			       disk->name, (unsigned long long)ebr);
			return 0;
		}
	}
	if (w->nseen == EBR_MAX) {
		printk(KERN_WARNING "%s: EBR chain longer than %u, stopped\n",
		       disk->name, EBR_MAX);
		return 0;
	}
	w->seen[w->nseen++] = ebr;
	if (read_sector(disk, ebr, sector) || !mbr_signed(sector))
		return 0;
	for (unsigned int i = 0; i < EBR_SLOTS; i++) {
		struct mbr_part e = mbr_part(sector, i);

		if (!mbr_used(&e))
			continue;
		if (mbr_extended(&e) && !mbr_used(&link))
			link = e;
		else if (!mbr_extended(&e) && !mbr_used(&data))
			data = e;
	}
	if (mbr_used(&data)) {
		if (*w->next > BLKDEV_PART_MAX) {
			printk(KERN_WARNING "%s: more than %u partitions, the "
					    "rest ignored\n",
			       disk->name, BLKDEV_PART_MAX);
			return 0;
		}
		if (data.start == 0 ||
		    !sectors_inside(ebr + data.start, data.count, w->first,
				    w->size))
			printk(KERN_WARNING "%s: logical partition %u outside "
					    "the extended partition, ignored\n",
			       disk->name, *w->next);
		else
			add_partition(disk, (*w->next)++, ebr + data.start,
				      data.count);
	}
	if (!mbr_used(&link))
		return 0;
	if (link.start >= w->size) {
		printk(KERN_WARNING "%s: EBR link outside the extended "
				    "partition, chain stopped\n",
		       disk->name);
		return 0;
	}
	return w->first + link.start;
}

/*
 * Register the logical partitions of the extended partition at sectors
 * [first, first + size) (inside the disk), numbered from *next on.
 */
static void scan_extended(struct block_device *disk, uint64_t first,
			  uint64_t size, unsigned int *next)
{
	struct ebr_walk *w = kzalloc(sizeof(*w));
	uint8_t *sector = kmalloc(SECTOR_SIZE);
	uint64_t ebr = first;

	if (!w || !sector)
		goto out_free;
	w->disk = disk;
	w->first = first;
	w->size = size;
	w->next = next;
	while (ebr)
		ebr = ebr_visit(w, ebr, sector);
out_free:
	kfree(sector);
	kfree(w);
}

/*
 * Register the partitions of an MBR: primaries 1-4, an extended one as a
 * 1 KiB device (as Linux does, so its table can be read but no file
 * system fits), then the logical partitions inside extended ones from 5
 * on. Entries that do not fit the disk are ignored with a warning.
 */
static void scan_partitions(struct block_device *disk)
{
	uint8_t *mbr = kmalloc(SECTOR_SIZE);
	uint64_t sectors = disk->size / SECTOR_SIZE;
	struct mbr_part parts[MBR_ENTRIES];
	bool valid[MBR_ENTRIES] = { false };
	unsigned int next = MBR_LOGICAL_FIRST;

	if (!mbr || disk->size < SECTOR_SIZE)
		goto out;
	if (read_sector(disk, 0, mbr) || !mbr_signed(mbr))
		goto out;
	for (unsigned int i = 0; i < MBR_ENTRIES; i++) {
		parts[i] = mbr_part(mbr, i);
		/* A boot sector of a file system has no 0x00/0x80 status. */
		if (parts[i].status != 0 && parts[i].status != 0x80)
			goto out;
	}
	for (unsigned int i = 0; i < MBR_ENTRIES; i++) {
		const struct mbr_part *e = &parts[i];

		if (!mbr_used(e) || e->type == MBR_TYPE_PROTECTIVE_GPT)
			continue;
		if (e->start == 0 ||
		    !sectors_inside(e->start, e->count, 0, sectors)) {
			printk(KERN_WARNING "%s: partition %u beyond the end "
					    "of the disk, ignored\n",
			       disk->name, i + 1);
			continue;
		}
		valid[i] = true;
		add_partition(disk, i + 1, e->start,
			      mbr_extended(e) ?
				      MIN(e->count, EXTENDED_SECTORS) :
				      e->count);
	}
	for (unsigned int i = 0; i < MBR_ENTRIES; i++)
		if (valid[i] && mbr_extended(&parts[i]))
			scan_extended(disk, parts[i].start, parts[i].count,
				      &next);
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
