/*
 * The character device table: drivers register (major, minor range, ops);
 * opening an S_IFCHR inode finds the ops by the inode's rdev. Ranges may
 * not overlap.
 */
#include "err.h"
#include "vfs_internal.h"

#define CHRDEV_MAX 64

struct chrdev_range {
	unsigned int major, minor, count;
	const char *name;
	const struct file_ops *ops;
};

struct chrdev_state {
	struct chrdev_range ranges[CHRDEV_MAX];
	int nr;
};

static struct chrdev_state chrdevs;

static bool chrdev_overlaps(const struct chrdev_range *r, unsigned int major,
			    unsigned int minor, unsigned int count)
{
	return r->major == major && minor < r->minor + r->count &&
	       r->minor < minor + count;
}

int chrdev_register(unsigned int major, unsigned int minor, unsigned int count,
		    const char *name, const struct file_ops *ops)
{
	struct chrdev_range *r;

	if (count == 0 || minor + count < minor || !ops)
		return -EINVAL;
	for (int i = 0; i < chrdevs.nr; i++)
		if (chrdev_overlaps(&chrdevs.ranges[i], major, minor, count))
			return -EBUSY;
	if (chrdevs.nr >= CHRDEV_MAX)
		return -ENOSPC;
	r = &chrdevs.ranges[chrdevs.nr++];
	r->major = major;
	r->minor = minor;
	r->count = count;
	r->name = name;
	r->ops = ops;
	return 0;
}

const struct file_ops *chrdev_lookup(uint64_t rdev)
{
	unsigned int major = MAJOR(rdev), minor = MINOR(rdev);

	for (int i = 0; i < chrdevs.nr; i++)
		if (chrdev_overlaps(&chrdevs.ranges[i], major, minor, 1))
			return chrdevs.ranges[i].ops;
	return NULL;
}
