/*
 * devtmpfs: one tmpfs instance holding the kernel's device nodes. Drivers
 * add nodes with devfs_create() whether or not it is mounted; every mount
 * of "devtmpfs" shows the same instance. vfs_init mounts it at /dev.
 */
#include "err.h"
#include "klib.h"
#include "vfs_internal.h"

struct devtmpfs_state {
	struct super_block *sb;
};

static struct devtmpfs_state devtmpfs;

static const struct fs_type devtmpfs_type;

/* The shared super block, created on first use. */
static struct super_block *devtmpfs_sb(void)
{
	struct super_block *sb;

	if (devtmpfs.sb)
		return devtmpfs.sb;
	sb = tmpfs_fill_super(&devtmpfs_type, NULL, 0755);
	if (IS_ERR(sb))
		return sb;
	sb->refs = 1; /* held by the kernel for devfs_create */
	devtmpfs.sb = sb;
	return sb;
}

static struct super_block *devtmpfs_mount(const struct fs_type *type,
					  const char *source,
					  unsigned long flags, const char *data)
{
	return devtmpfs_sb();
}

static const struct fs_type devtmpfs_type = {
	.name = "devtmpfs",
	.mount = devtmpfs_mount,
	.nodev = true,
};

int devtmpfs_register(void)
{
	return fs_type_register(&devtmpfs_type);
}

int devtmpfs_mount_dev(void)
{
	int err = kern_mkdir("/dev", 0755);

	if (err && err != -EEXIST)
		return err;
	return kern_mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
}

/*
 * Create name (relative to the devtmpfs root, intermediate directories
 * made as needed) with mode and rdev. 0, -EEXIST or -errno.
 */
int devfs_create(const char *name, uint32_t mode, uint64_t rdev)
{
	struct super_block *sb;
	struct path dir;
	const char *p = name, *comp;
	size_t len;
	int err = 0;

	if (!vfs.ready)
		return -ENODEV;
	sb = devtmpfs_sb();
	if (IS_ERR(sb))
		return (int)PTR_ERR(sb);
	dir.mnt = NULL;
	dir.dentry = dget(sb->root);
	len = path_next_component(&p, &comp);
	while (len) {
		const char *next;
		size_t nlen = path_next_component(&p, &next);
		struct qstr q = { .name = comp,
				  .len = len,
				  .hash = path_hash(comp, len) };
		struct inode *inode = dir.dentry->inode;
		struct dentry *d = vfs_lookup_one(&dir, &q, true);

		if (IS_ERR(d)) {
			err = (int)PTR_ERR(d);
			break;
		}
		if (nlen == 0) {
			err = d->inode ?
				      -EEXIST :
				      inode->ops->create(inode, d, mode, rdev);
			if (!err)
				d->inode->uid = d->inode->gid = 0;
			dput(d);
			break;
		}
		if (!d->inode)
			err = inode->ops->mkdir(inode, d, S_IFDIR | 0755);
		else if (!S_ISDIR(d->inode->mode))
			err = -ENOTDIR;
		if (err) {
			dput(d);
			break;
		}
		dput(dir.dentry);
		dir.dentry = d;
		comp = next;
		len = nlen;
	}
	dput(dir.dentry);
	return err;
}

/* Remove the top-level node name (a device that went away). */
int devfs_remove(const char *name)
{
	struct super_block *sb;
	struct qstr q = { .name = name, .len = kstrlen(name) };
	struct path dir;
	struct dentry *d;
	int err = -ENOENT;

	if (!vfs.ready || kstrchr(name, '/'))
		return -EINVAL;
	sb = devtmpfs_sb();
	if (IS_ERR(sb))
		return (int)PTR_ERR(sb);
	q.hash = path_hash(name, q.len);
	dir.mnt = NULL;
	dir.dentry = sb->root;
	d = vfs_lookup_one(&dir, &q, true);
	if (IS_ERR(d))
		return (int)PTR_ERR(d);
	if (d->inode && !S_ISDIR(d->inode->mode)) {
		err = sb->root->inode->ops->unlink(sb->root->inode, d);
		if (!err)
			d_drop(d);
	}
	dput(d);
	return err;
}
