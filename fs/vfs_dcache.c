/*
 * Inodes, dentries and super blocks: allocation, reference counting and
 * the dentry cache.
 *
 * Every dentry holds a reference on its parent, so a cached tree stays
 * connected; a dentry whose count drops to zero stays hashed on an LRU
 * list (bounded by D_UNUSED_MAX) unless it was deleted or its super block
 * asks for no caching (SB_NOCACHE). A dentry holds a reference on its
 * inode; an inode whose last reference goes is handed to its super
 * block's inode_release (default: freed).
 */
#include "err.h"
#include "klib.h"
#include "pipe.h"
#include "printk.h"
#include "sched.h"
#include "timer.h"
#include "vfs_internal.h"

/* ---- inodes ---- */

void inode_touch(struct inode *inode, bool atime, bool mtime, bool ctime)
{
	uint64_t now = time_real_ns();
	struct __kernel_timespec ts = {
		.tv_sec = (int64_t)(now / NSEC_PER_SEC),
		.tv_nsec = (int64_t)(now % NSEC_PER_SEC),
	};

	if (atime)
		inode->atime = ts;
	if (mtime)
		inode->mtime = ts;
	if (ctime)
		inode->ctime = ts;
}

struct inode *inode_alloc(struct super_block *sb)
{
	struct inode *inode = kzalloc(sizeof(*inode));

	if (!inode)
		return NULL;
	inode->refs = 1;
	inode->sb = sb;
	inode->ino = ++sb->next_ino;
	inode->nlink = 1;
	list_init(&inode->posix_locks);
	list_init(&inode->flocks);
	wait_queue_init(&inode->lock_wait);
	inode_touch(inode, true, true, true);
	inode->btime = inode->mtime;
	list_add_tail(&inode->sb_link, &sb->inodes);
	return inode;
}

struct inode *inode_get(struct inode *inode)
{
	if (inode)
		inode->refs++;
	return inode;
}

void inode_free(struct inode *inode)
{
	lock_release_owner(&inode->posix_locks, 0);
	list_del(&inode->sb_link);
	kfree(inode);
}

void inode_put(struct inode *inode)
{
	if (!inode)
		return;
	BUG_ON(inode->refs <= 0);
	if (--inode->refs > 0)
		return;
	if (inode->pipe && S_ISFIFO(inode->mode))
		fifo_inode_release(inode);
	if (inode->sb->ops->inode_release)
		inode->sb->ops->inode_release(inode);
	else
		inode_free(inode);
}

struct inode *anon_inode_alloc(uint32_t mode)
{
	struct inode *inode = inode_alloc(vfs.anon_sb);
	const struct cred *c = vfs_cred();

	if (!inode)
		return NULL;
	inode->mode = mode;
	inode->uid = c->fsuid;
	inode->gid = c->fsgid;
	return inode;
}

/* ---- super blocks ---- */

struct super_block *sb_alloc(const struct fs_type *type,
			     const struct super_ops *ops, uint64_t magic)
{
	struct super_block *sb = kzalloc(sizeof(*sb));

	if (!sb)
		return NULL;
	sb->type = type;
	sb->ops = ops;
	sb->magic = magic;
	vfs.next_dev++;
	sb->dev = MKDEV(0, vfs.next_dev);
	list_init(&sb->inodes);
	return sb;
}

void sb_put(struct super_block *sb)
{
	BUG_ON(sb->refs <= 0);
	if (--sb->refs > 0)
		return;
	d_shrink_sb(sb);
	dput(sb->root);
	if (sb->ops->put_super)
		sb->ops->put_super(sb);
	if (!list_empty(&sb->inodes))
		printk(KERN_WARNING "vfs: %s: inodes busy after umount\n",
		       sb->type ? sb->type->name : "?");
	else
		kfree(sb);
}

/* ---- dentries ---- */

static struct list_head *d_bucket(struct dentry *parent, uint32_t hash)
{
	uintptr_t h = hash ^ ((uintptr_t)parent >> 4);

	return &vfs.d_hash[h % D_HASH_SIZE];
}

struct dentry *dget(struct dentry *d)
{
	if (!d)
		return NULL;
	if (d->refs == 0 && !list_empty(&d->lru_link)) {
		list_del(&d->lru_link);
		vfs.nr_unused--;
	}
	d->refs++;
	return d;
}

static struct dentry *d_new(const char *name, size_t len)
{
	struct dentry *d = kzalloc(sizeof(*d));
	char *copy = kmalloc(len + 1);

	if (!d || !copy) {
		kfree(d);
		kfree(copy);
		return NULL;
	}
	kmemcpy(copy, name, len);
	copy[len] = '\0';
	d->name.name = copy;
	d->name.len = len;
	d->name.hash = path_hash(name, len);
	d->refs = 1;
	list_init(&d->hash_link);
	list_init(&d->lru_link);
	return d;
}

struct dentry *d_make_root(struct inode *inode)
{
	struct dentry *d;

	if (!inode)
		return NULL;
	d = d_new("/", 1);
	if (!d) {
		inode_put(inode);
		return NULL;
	}
	d->parent = d;
	d->sb = inode->sb;
	d->inode = inode;
	return d;
}

struct dentry *d_alloc(struct dentry *parent, const struct qstr *name)
{
	struct dentry *d = d_new(name->name, name->len);

	if (!d)
		return NULL;
	d->parent = dget(parent);
	d->sb = parent->sb;
	d->hashed = true;
	list_add(&d->hash_link, d_bucket(parent, d->name.hash));
	return d;
}

void d_instantiate(struct dentry *d, struct inode *inode)
{
	BUG_ON(d->inode);
	d->inode = inode;
}

struct dentry *d_lookup(struct dentry *parent, const struct qstr *name)
{
	struct list_head *b = d_bucket(parent, name->hash);
	struct dentry *d;

	list_for_each_entry(d, b, hash_link)
		if (d->parent == parent && d->name.hash == name->hash &&
		    d->name.len == name->len &&
		    !kmemcmp(d->name.name, name->name, name->len))
			return dget(d);
	return NULL;
}

void d_drop(struct dentry *d)
{
	if (!d->hashed)
		return;
	list_del(&d->hash_link);
	d->hashed = false;
}

/* Free d itself (not its parent); it must be unused. */
static void d_free(struct dentry *d)
{
	d_drop(d);
	if (!list_empty(&d->lru_link)) {
		list_del(&d->lru_link);
		vfs.nr_unused--;
	}
	inode_put(d->inode);
	kfree((char *)d->name.name);
	kfree(d);
}

/* Drop a reference; returns without pruning the LRU. */
static void dput_noprune(struct dentry *d)
{
	while (d) {
		struct dentry *parent;

		BUG_ON(d->refs <= 0);
		if (--d->refs > 0)
			return;
		if (d->parent != d && d->hashed &&
		    !(d->sb->flags & SB_NOCACHE)) {
			list_add_tail(&d->lru_link, &vfs.d_unused);
			vfs.nr_unused++;
			return;
		}
		parent = d->parent == d ? NULL : d->parent;
		d_free(d);
		d = parent;
	}
}

void dput(struct dentry *d)
{
	dput_noprune(d);
	while (vfs.nr_unused > D_UNUSED_MAX) {
		struct dentry *old = list_first_entry(&vfs.d_unused,
						      struct dentry, lru_link);
		struct dentry *parent = old->parent;

		d_free(old);
		dput_noprune(parent);
	}
}

int d_move(struct dentry *d, struct dentry *new_parent, const struct qstr *name)
{
	char *copy = kmalloc(name->len + 1);
	struct dentry *old_parent = d->parent;

	if (!copy)
		return -ENOMEM;
	kmemcpy(copy, name->name, name->len);
	copy[name->len] = '\0';
	d_drop(d);
	kfree((char *)d->name.name);
	d->name.name = copy;
	d->name.len = name->len;
	d->name.hash = path_hash(copy, name->len);
	if (new_parent != old_parent) {
		d->parent = dget(new_parent);
		dput(old_parent);
	}
	d->hashed = true;
	list_add(&d->hash_link, d_bucket(d->parent, d->name.hash));
	return 0;
}

bool d_is_ancestor(struct dentry *anc, struct dentry *d)
{
	for (;;) {
		if (d == anc)
			return true;
		if (d->parent == d)
			return false;
		d = d->parent;
	}
}

void d_shrink_sb(struct super_block *sb)
{
	bool again = true;

	while (again) {
		struct dentry *d, *tmp;

		again = false;
		list_for_each_entry_safe(d, tmp, &vfs.d_unused, lru_link) {
			struct dentry *parent;

			if (d->sb != sb)
				continue;
			parent = d->parent;
			d_free(d);
			dput_noprune(parent);
			again = true;
		}
	}
}
