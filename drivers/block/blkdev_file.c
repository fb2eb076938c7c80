/*
 * Block device files: /dev/ubda opened by the guest (dd, mkfs, fsck).
 * Reads and writes go through the block cache, so they are coherent with a
 * mounted file system on the same device; the last close writes back.
 * O_EXCL is an exclusive open, refused while the device is mounted (mkfs
 * uses it to check).
 */
#include <linux/fs.h>
#include <linux/hdreg.h>

#include "block_internal.h"
#include "err.h"
#include "klib.h"
#include "mm.h"

/* The geometry UML reports. */
#define UBD_HEADS 128
#define UBD_SECTORS 32

static struct block_device *file_bdev(struct file *f)
{
	return f->private_data;
}

static int blkdev_file_open(struct inode *inode, struct file *f)
{
	struct block_device *bd = blkdev_find(inode->rdev);
	bool write = f->mode & FMODE_WRITE;
	int err;

	if (!bd)
		return -ENXIO;
	if ((f->flags & O_EXCL) && bd->mounted)
		return -EBUSY;
	err = blkdev_get(bd, write);
	if (err)
		return err;
	f->private_data = bd;
	return 0;
}

static void blkdev_file_release(struct file *f)
{
	blkdev_put(file_bdev(f), f->mode & FMODE_WRITE);
}

/* Move data between the caller and the cache, a page at a time. */
static long blkdev_file_rw(struct file *f, struct uio *u, uint64_t *pos,
			   bool write)
{
	struct block_device *bd = file_bdev(f);
	long done = 0;

	if (write && bd->readonly)
		return -EROFS;
	while (u->len && *pos < bd->size) {
		uint64_t idx = *pos / PAGE_SIZE;
		size_t off = *pos % PAGE_SIZE;
		size_t n = MIN(u->len, PAGE_SIZE - off);
		bool whole = write && off == 0 && n == PAGE_SIZE;
		struct bcache_page *p;
		int err;

		n = (size_t)MIN((uint64_t)n, bd->size - *pos);
		err = bcache_page_get(bd, idx, whole, &p);
		if (!err) {
			char *data = (char *)page_ptr(p->pfn) + off;

			err = write ? uio_copy_in(u, data, n) :
				      uio_copy_out(u, data, n);
			if (write && !err)
				bcache_page_dirty(p);
			bcache_page_put(p);
		}
		if (err)
			return done ? done : err;
		*pos += n;
		done += (long)n;
	}
	if (write && !done && u->len)
		return -ENOSPC;
	return done;
}

static long blkdev_file_read(struct file *f, struct uio *u, uint64_t *pos)
{
	return blkdev_file_rw(f, u, pos, false);
}

static long blkdev_file_write(struct file *f, struct uio *u, uint64_t *pos)
{
	return blkdev_file_rw(f, u, pos, true);
}

static int64_t blkdev_file_llseek(struct file *f, int64_t off, int whence)
{
	return vfs_llseek_size(f, off, whence, (int64_t)file_bdev(f)->size);
}

static long blkdev_file_ioctl(struct file *f, unsigned int cmd, uint64_t arg)
{
	struct block_device *bd = file_bdev(f);
	struct hd_geometry geo;

	switch (cmd) {
	case BLKGETSIZE64:
		return put_user(bd->size, arg);
	case BLKGETSIZE:
		return put_user((uint64_t)(bd->size / SECTOR_SIZE), arg);
	case BLKSSZGET:
	case BLKPBSZGET:
	case BLKIOMIN:
		return put_user((int)SECTOR_SIZE, arg);
	case BLKBSZGET:
		return put_user((int)PAGE_SIZE, arg);
	case BLKIOOPT:
		return put_user(0, arg);
	case BLKROGET:
		return put_user((int)bd->readonly, arg);
	case BLKFLSBUF: {
		int err = blkdev_sync(bd);

		blkdev_invalidate(bd);
		return err;
	}
	case BLKRRPART:
		return bd->whole == bd ? -EBUSY : -EINVAL;
	case BLKDISCARD:
		return bd->readonly ? -EROFS : 0;
	case HDIO_GETGEO:
		kmemset(&geo, 0, sizeof(geo));
		geo.heads = UBD_HEADS;
		geo.sectors = UBD_SECTORS;
		geo.cylinders = (unsigned short)(bd->whole->size /
						 (UBD_HEADS * UBD_SECTORS *
						  SECTOR_SIZE));
		geo.start = bd->start / SECTOR_SIZE;
		return copy_to_user(arg, &geo, sizeof(geo));
	default:
		return -ENOTTY;
	}
}

static int blkdev_file_fsync(struct file *f, bool datasync)
{
	return blkdev_sync(file_bdev(f));
}

const struct file_ops blkdev_file_ops = {
	.open = blkdev_file_open,
	.release = blkdev_file_release,
	.read = blkdev_file_read,
	.write = blkdev_file_write,
	.llseek = blkdev_file_llseek,
	.ioctl = blkdev_file_ioctl,
	.fsync = blkdev_file_fsync,
};

const struct file_ops *blkdev_file_lookup(uint64_t rdev)
{
	return blkdev_find(rdev) ? &blkdev_file_ops : NULL;
}
