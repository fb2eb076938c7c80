/*
 * tmpfs: a file system in physical memory.
 *
 * Directories are lists of (name, inode) entries with a monotonically
 * increasing cookie each, so readdir resumes correctly across creations
 * and deletions. Regular file data lives in physmem pages held in a
 * sparse page map (holes read as zeros and cost nothing); the file size
 * is bounded only by memory (-ENOSPC when a page cannot be allocated).
 * Symlinks keep their target string; device nodes, FIFOs and sockets are
 * bare inodes whose data paths belong to others. An inode lives while it
 * has names (nlink) or references.
 */
#include <linux/falloc.h>
#include <linux/fs.h>
#include <linux/magic.h>

#include "err.h"
#include "klib.h"
#include "mm.h"
#include "vfs_internal.h"

/* Largest file size: 2^44 bytes (page map height and offsets stay sane). */
#define TMPFS_MAX_SIZE (1ULL << 44)
#define TMPFS_FIRST_COOKIE 2
#define BLOCKS_PER_PAGE (PAGE_SIZE / 512)

struct tmpfs_dirent {
	struct list_head link;
	uint64_t cookie;
	struct inode *inode;
	size_t len;
	char name[];
};

struct tmpfs_node {
	struct pagemap pages; /* regular files */
	struct list_head entries; /* directories */
	uint64_t next_cookie;
	char *target; /* symlinks */
};

struct tmpfs_sb {
	struct inode *root;
	uint32_t root_mode;
	uint32_t root_uid, root_gid;
};

static const struct inode_ops tmpfs_inode_ops;
static const struct file_ops tmpfs_file_ops;
static const struct file_ops tmpfs_dir_ops;
static const struct super_ops tmpfs_super_ops;

static const char tmpfs_zero_page[PAGE_SIZE];

static struct tmpfs_node *node_of(struct inode *inode)
{
	return inode->private_data;
}

/* ---- inodes ---- */

static struct inode *tmpfs_new_inode(struct super_block *sb, struct inode *dir,
				     uint32_t mode, uint64_t rdev)
{
	struct inode *inode = inode_alloc(sb);
	struct tmpfs_node *node = kzalloc(sizeof(*node));

	if (!inode || !node) {
		kfree(node);
		if (inode)
			inode_free(inode);
		return NULL;
	}
	list_init(&node->entries);
	node->next_cookie = TMPFS_FIRST_COOKIE;
	inode->private_data = node;
	inode->ops = &tmpfs_inode_ops;
	inode_init_owner(inode, dir, mode);
	inode->rdev = rdev;
	if (S_ISREG(mode))
		inode->fops = &tmpfs_file_ops;
	else if (S_ISDIR(mode)) {
		inode->fops = &tmpfs_dir_ops;
		inode->nlink = 2;
		inode->size = 0;
	}
	return inode;
}

static void tmpfs_page_put(pfn_t pfn)
{
	page_put(pfn);
}

static void tmpfs_free_inode(struct inode *inode)
{
	struct tmpfs_node *node = node_of(inode);

	if (node) {
		pagemap_truncate(&node->pages, 0, tmpfs_page_put);
		kfree(node->target);
		kfree(node);
	}
	inode_free(inode);
}

/* The last reference went: free the inode once it has no names either. */
static void tmpfs_inode_release(struct inode *inode)
{
	if (inode->nlink == 0)
		tmpfs_free_inode(inode);
}

/* ---- directory entries ---- */

static struct tmpfs_dirent *dirent_find(struct inode *dir, const char *name,
					size_t len)
{
	struct tmpfs_dirent *e;

	list_for_each_entry(e, &node_of(dir)->entries, link)
		if (e->len == len && !kmemcmp(e->name, name, len))
			return e;
	return NULL;
}

static struct tmpfs_dirent *dirent_new(const struct qstr *name,
				       struct inode *inode)
{
	struct tmpfs_dirent *e = kmalloc(sizeof(*e) + name->len + 1);

	if (!e)
		return NULL;
	e->inode = inode;
	e->len = name->len;
	kmemcpy(e->name, name->name, name->len);
	e->name[name->len] = '\0';
	return e;
}

static void dirent_insert(struct inode *dir, struct tmpfs_dirent *e)
{
	struct tmpfs_node *node = node_of(dir);

	e->cookie = node->next_cookie++;
	list_add_tail(&e->link, &node->entries);
	inode_touch(dir, false, true, true);
}

static void dirent_remove(struct inode *dir, struct tmpfs_dirent *e)
{
	list_del(&e->link);
	kfree(e);
	inode_touch(dir, false, true, true);
}

/* ---- inode ops ---- */

static int tmpfs_lookup(struct inode *dir, struct dentry *d)
{
	struct tmpfs_dirent *e = dirent_find(dir, d->name.name, d->name.len);

	if (e)
		d_instantiate(d, inode_get(e->inode));
	return 0;
}

/* Give the new inode its name d in dir (consumes the inode reference). */
static int tmpfs_add(struct inode *dir, struct dentry *d, struct inode *inode)
{
	struct tmpfs_dirent *e = dirent_new(&d->name, inode);

	if (!e) {
		inode->nlink = 0;
		inode_put(inode);
		return -ENOSPC;
	}
	dirent_insert(dir, e);
	d_instantiate(d, inode);
	return 0;
}

static int tmpfs_create(struct inode *dir, struct dentry *d, uint32_t mode,
			uint64_t rdev)
{
	struct inode *inode = tmpfs_new_inode(dir->sb, dir, mode, rdev);

	if (!inode)
		return -ENOSPC;
	return tmpfs_add(dir, d, inode);
}

static int tmpfs_mkdir(struct inode *dir, struct dentry *d, uint32_t mode)
{
	struct inode *inode = tmpfs_new_inode(dir->sb, dir, mode, 0);
	int err;

	if (!inode)
		return -ENOSPC;
	err = tmpfs_add(dir, d, inode);
	if (!err)
		dir->nlink++;
	return err;
}

static int tmpfs_symlink(struct inode *dir, struct dentry *d,
			 const char *target)
{
	struct inode *inode = tmpfs_new_inode(dir->sb, dir, S_IFLNK | 0777, 0);

	if (!inode)
		return -ENOSPC;
	node_of(inode)->target = kstrdup(target);
	if (!node_of(inode)->target) {
		inode->nlink = 0;
		inode_put(inode);
		return -ENOSPC;
	}
	inode->size = kstrlen(target);
	return tmpfs_add(dir, d, inode);
}

static int tmpfs_link(struct dentry *old, struct inode *dir, struct dentry *d)
{
	struct inode *inode = old->inode;
	struct tmpfs_dirent *e = dirent_new(&d->name, inode);

	if (!e)
		return -ENOSPC;
	inode->nlink++;
	inode_touch(inode, false, false, true);
	dirent_insert(dir, e);
	d_instantiate(d, inode_get(inode));
	return 0;
}

static int tmpfs_unlink(struct inode *dir, struct dentry *d)
{
	struct tmpfs_dirent *e = dirent_find(dir, d->name.name, d->name.len);

	if (!e)
		return -ENOENT;
	dirent_remove(dir, e);
	d->inode->nlink--;
	inode_touch(d->inode, false, false, true);
	return 0;
}

static int tmpfs_rmdir(struct inode *dir, struct dentry *d)
{
	struct tmpfs_dirent *e = dirent_find(dir, d->name.name, d->name.len);

	if (!e)
		return -ENOENT;
	if (!list_empty(&node_of(d->inode)->entries))
		return -ENOTEMPTY;
	dirent_remove(dir, e);
	d->inode->nlink = 0;
	dir->nlink--;
	inode_touch(d->inode, false, false, true);
	return 0;
}

/* A directory inode moved from odir to ndir: fix the parents' link counts. */
static void moved_dir(struct inode *inode, struct inode *odir,
		      struct inode *ndir)
{
	if (!S_ISDIR(inode->mode) || odir == ndir)
		return;
	odir->nlink--;
	ndir->nlink++;
}

static int tmpfs_rename(struct inode *odir, struct dentry *od,
			struct inode *ndir, struct dentry *nd,
			unsigned int flags)
{
	struct tmpfs_dirent *oe =
		dirent_find(odir, od->name.name, od->name.len);
	struct tmpfs_dirent *ne =
		dirent_find(ndir, nd->name.name, nd->name.len);
	struct inode *victim = nd->inode;
	struct tmpfs_dirent *moved;

	if (!oe)
		return -ENOENT;
	if (flags & RENAME_EXCHANGE) {
		if (!ne)
			return -ENOENT;
		oe->inode = nd->inode;
		ne->inode = od->inode;
		moved_dir(od->inode, odir, ndir);
		moved_dir(nd->inode, ndir, odir);
		inode_touch(odir, false, true, true);
		inode_touch(ndir, false, true, true);
		return 0;
	}
	if (victim && S_ISDIR(victim->mode) &&
	    !list_empty(&node_of(victim)->entries))
		return -ENOTEMPTY;
	moved = dirent_new(&nd->name, od->inode);
	if (!moved)
		return -ENOSPC;
	if (ne && victim) {
		dirent_remove(ndir, ne);
		if (S_ISDIR(victim->mode)) {
			victim->nlink = 0;
			ndir->nlink--;
		} else {
			victim->nlink--;
		}
		inode_touch(victim, false, false, true);
	}
	dirent_remove(odir, oe);
	dirent_insert(ndir, moved);
	moved_dir(od->inode, odir, ndir);
	inode_touch(od->inode, false, false, true);
	return 0;
}

static long tmpfs_readlink(struct dentry *d, char *buf, size_t size)
{
	const char *target = node_of(d->inode)->target;
	size_t len = target ? kstrlen(target) : 0;

	len = MIN(len, size);
	kmemcpy(buf, target, len);
	return (long)len;
}

/* Change the size of a regular file; shrinking frees pages past it. */
static int tmpfs_resize(struct inode *inode, uint64_t size)
{
	struct tmpfs_node *node = node_of(inode);

	if (size > TMPFS_MAX_SIZE)
		return -EFBIG;
	if (size < inode->size) {
		uint64_t tail = size % PAGE_SIZE;
		pfn_t pfn;

		pagemap_truncate(&node->pages, DIV_ROUND_UP(size, PAGE_SIZE),
				 tmpfs_page_put);
		pfn = pagemap_lookup(&node->pages, size / PAGE_SIZE);
		if (tail && pfn != PFN_NONE)
			kmemset((char *)page_ptr(pfn) + tail, 0,
				PAGE_SIZE - tail);
		inode->blocks = pagemap_count(&node->pages) * BLOCKS_PER_PAGE;
	}
	inode->size = size;
	return 0;
}

static int tmpfs_setattr(struct dentry *d, const struct iattr *attr)
{
	if (attr->valid & ATTR_SIZE) {
		int err;

		if (!S_ISREG(d->inode->mode))
			return -EINVAL;
		err = tmpfs_resize(d->inode, attr->size);
		if (err)
			return err;
	}
	inode_setattr_copy(d->inode, attr);
	return 0;
}

static const struct inode_ops tmpfs_inode_ops = {
	.lookup = tmpfs_lookup,
	.create = tmpfs_create,
	.mkdir = tmpfs_mkdir,
	.symlink = tmpfs_symlink,
	.link = tmpfs_link,
	.unlink = tmpfs_unlink,
	.rmdir = tmpfs_rmdir,
	.rename = tmpfs_rename,
	.readlink = tmpfs_readlink,
	.setattr = tmpfs_setattr,
};

/* ---- regular files ---- */

/* The page at idx, allocated (zeroed) when it is a hole. */
static int tmpfs_page(struct inode *inode, uint64_t idx, pfn_t *out)
{
	struct tmpfs_node *node = node_of(inode);
	pfn_t pfn = pagemap_lookup(&node->pages, idx);

	if (pfn == PFN_NONE) {
		pfn = page_alloc_zeroed();
		if (pfn == PFN_NONE)
			return -ENOSPC;
		if (pagemap_insert(&node->pages, idx, pfn)) {
			page_put(pfn);
			return -ENOSPC;
		}
		inode->blocks += BLOCKS_PER_PAGE;
	}
	*out = pfn;
	return 0;
}

static long tmpfs_read(struct file *f, struct uio *u, uint64_t *pos)
{
	struct inode *inode = f->inode;
	size_t done = 0;

	while (u->len && *pos < inode->size) {
		uint64_t off = *pos % PAGE_SIZE;
		size_t n = (size_t)MIN(MIN((uint64_t)u->len, PAGE_SIZE - off),
				       inode->size - *pos);
		pfn_t pfn = pagemap_lookup(&node_of(inode)->pages,
					   *pos / PAGE_SIZE);
		const char *src = pfn == PFN_NONE ?
					  tmpfs_zero_page :
					  (const char *)page_ptr(pfn) + off;

		if (uio_copy_out(u, src, n))
			return done ? (long)done : -EFAULT;
		done += n;
		*pos += n;
	}
	if (!(f->flags & O_NOATIME))
		inode_touch(inode, true, false, false);
	return (long)done;
}

static long tmpfs_write(struct file *f, struct uio *u, uint64_t *pos)
{
	struct inode *inode = f->inode;
	size_t done = 0;
	int err = 0;

	if (f->flags & O_APPEND)
		*pos = inode->size;
	if (*pos >= TMPFS_MAX_SIZE)
		return u->len ? -EFBIG : 0;
	while (u->len && *pos < TMPFS_MAX_SIZE) {
		uint64_t off = *pos % PAGE_SIZE;
		size_t n = (size_t)MIN(MIN((uint64_t)u->len, PAGE_SIZE - off),
				       TMPFS_MAX_SIZE - *pos);
		pfn_t pfn;

		err = tmpfs_page(inode, *pos / PAGE_SIZE, &pfn);
		if (err)
			break;
		if (uio_copy_in(u, (char *)page_ptr(pfn) + off, n)) {
			err = -EFAULT;
			break;
		}
		done += n;
		*pos += n;
		if (*pos > inode->size)
			inode->size = *pos;
	}
	if (done)
		inode_touch(inode, false, true, true);
	return done ? (long)done : err;
}

/*
 * mmap support: the page at idx with a reference, allocating a hole.
 * Past the end of the file: -ENXIO (the fault becomes SIGBUS).
 */
static int tmpfs_get_page(struct file *f, uint64_t idx, pfn_t *out)
{
	int err;

	if (idx >= DIV_ROUND_UP(f->inode->size, PAGE_SIZE))
		return -ENXIO;
	err = tmpfs_page(f->inode, idx, out);
	if (!err)
		page_get(*out);
	return err;
}

static int tmpfs_fallocate(struct file *f, int mode, uint64_t off, uint64_t len)
{
	struct inode *inode = f->inode;
	uint64_t end = off + len;

	if (mode & ~FALLOC_FL_KEEP_SIZE)
		return -EOPNOTSUPP;
	if (end > TMPFS_MAX_SIZE)
		return -EFBIG;
	for (uint64_t idx = off / PAGE_SIZE; idx < DIV_ROUND_UP(end, PAGE_SIZE);
	     idx++) {
		pfn_t pfn;
		int err = tmpfs_page(inode, idx, &pfn);

		if (err)
			return err;
	}
	if (!(mode & FALLOC_FL_KEEP_SIZE) && end > inode->size)
		inode->size = end;
	inode_touch(inode, false, true, true);
	return 0;
}

static int64_t tmpfs_llseek(struct file *f, int64_t off, int whence)
{
	struct inode *inode = f->inode;
	uint64_t pages = DIV_ROUND_UP(inode->size, PAGE_SIZE);
	int64_t idx;

	if ((whence != SEEK_DATA && whence != SEEK_HOLE) || off < 0 ||
	    (uint64_t)off >= inode->size)
		return vfs_default_llseek(f, off, whence);
	idx = pagemap_next(&node_of(inode)->pages, (uint64_t)off / PAGE_SIZE,
			   pages, whence == SEEK_DATA);
	if (idx < 0) {
		if (whence == SEEK_DATA)
			return -ENXIO;
		f->pos = inode->size;
		return (int64_t)inode->size;
	}
	off = MAX(off, idx * (int64_t)PAGE_SIZE);
	if ((uint64_t)off > inode->size)
		off = (int64_t)inode->size;
	f->pos = (uint64_t)off;
	return off;
}

static const struct file_ops tmpfs_file_ops = {
	.read = tmpfs_read,
	.write = tmpfs_write,
	.llseek = tmpfs_llseek,
	.get_page = tmpfs_get_page,
	.fsync = vfs_default_fsync,
	.fallocate = tmpfs_fallocate,
};

/* ---- directories ---- */

static int tmpfs_readdir(struct file *f, struct dir_ctx *ctx)
{
	struct tmpfs_dirent *e;

	if (!dir_emit_dots(f, ctx))
		return 0;
	list_for_each_entry(e, &node_of(f->inode)->entries, link) {
		if (e->cookie < ctx->pos)
			continue;
		if (!ctx->emit(ctx, e->name, e->len, e->inode->ino,
			       VFS_DTYPE(e->inode->mode)))
			return 0;
		ctx->pos = e->cookie + 1;
	}
	return 0;
}

static const struct file_ops tmpfs_dir_ops = {
	.readdir = tmpfs_readdir,
	.llseek = vfs_default_llseek,
};

/* ---- super block ---- */

static int tmpfs_statfs(struct super_block *sb, struct kstatfs *st)
{
	uint64_t files = 0;
	struct inode *inode;

	list_for_each_entry(inode, &sb->inodes, sb_link)
		files++;
	st->bsize = PAGE_SIZE;
	st->frsize = PAGE_SIZE;
	st->blocks = phys_total_pages();
	st->bfree = phys_free_pages();
	st->bavail = st->bfree;
	st->files = files + st->bfree;
	st->ffree = st->bfree;
	return 0;
}

/* Free dir's subtree (umount): every inode left has no names. */
static void tmpfs_free_tree(struct inode *dir)
{
	struct tmpfs_node *node = node_of(dir);

	while (!list_empty(&node->entries)) {
		struct tmpfs_dirent *e = list_first_entry(
			&node->entries, struct tmpfs_dirent, link);
		struct inode *child = e->inode;

		list_del(&e->link);
		kfree(e);
		if (S_ISDIR(child->mode))
			tmpfs_free_tree(child);
		if (S_ISDIR(child->mode))
			child->nlink = 0;
		else if (child->nlink > 0)
			child->nlink--;
		if (child->nlink == 0 && child->refs == 0)
			tmpfs_free_inode(child);
	}
}

static void tmpfs_put_super(struct super_block *sb)
{
	struct tmpfs_sb *info = sb->fs_info;
	struct inode *root = info->root;

	tmpfs_free_tree(root);
	root->nlink = 0;
	if (root->refs == 0)
		tmpfs_free_inode(root);
	kfree(info);
}

static int tmpfs_show_options(struct super_block *sb, char *buf, size_t size)
{
	struct tmpfs_sb *info = sb->fs_info;

	return ksnprintf(buf, size, ",mode=%o", info->root_mode & 07777);
}

static const struct super_ops tmpfs_super_ops = {
	.put_super = tmpfs_put_super,
	.statfs = tmpfs_statfs,
	.inode_release = tmpfs_inode_release,
	.show_options = tmpfs_show_options,
};

/* Parse "mode=,uid=,gid=,size=..." (unknown options are ignored). */
static int tmpfs_parse(struct tmpfs_sb *info, const char *data)
{
	char opt[64];

	while (data && *data) {
		size_t n = 0;
		uint64_t v;

		while (data[n] && data[n] != ',')
			n++;
		if (n < sizeof(opt)) {
			kmemcpy(opt, data, n);
			opt[n] = '\0';
			if (kstarts_with(opt, "mode=")) {
				if (kstrtou64(opt + 5, 8, &v) || v > 07777)
					return -EINVAL;
				info->root_mode = (uint32_t)v;
			} else if (kstarts_with(opt, "uid=")) {
				if (kstrtou64(opt + 4, 10, &v) ||
				    v > UINT32_MAX)
					return -EINVAL;
				info->root_uid = (uint32_t)v;
			} else if (kstarts_with(opt, "gid=")) {
				if (kstrtou64(opt + 4, 10, &v) ||
				    v > UINT32_MAX)
					return -EINVAL;
				info->root_gid = (uint32_t)v;
			}
		}
		data += n;
		if (*data == ',')
			data++;
	}
	return 0;
}

struct super_block *tmpfs_fill_super(const struct fs_type *type,
				     const char *data, uint32_t default_mode)
{
	struct tmpfs_sb *info = kzalloc(sizeof(*info));
	struct super_block *sb;
	struct inode *root;
	int err;

	if (!info)
		return ERR_PTR(-ENOMEM);
	info->root_mode = default_mode;
	err = tmpfs_parse(info, data);
	if (err)
		goto out_info;
	err = -ENOMEM;
	sb = sb_alloc(type, &tmpfs_super_ops, TMPFS_MAGIC);
	if (!sb)
		goto out_info;
	sb->fs_info = info;
	root = tmpfs_new_inode(sb, NULL, S_IFDIR | info->root_mode, 0);
	if (!root)
		goto out_sb;
	root->uid = info->root_uid;
	root->gid = info->root_gid;
	info->root = root;
	sb->root = d_make_root(inode_get(root));
	if (!sb->root) {
		root->nlink = 0;
		inode_put(root);
		goto out_sb;
	}
	inode_put(root);
	return sb;
out_sb:
	kfree(sb);
out_info:
	kfree(info);
	return ERR_PTR(err);
}

static struct super_block *tmpfs_mount(const struct fs_type *type,
				       const char *source, unsigned long flags,
				       const char *data)
{
	return tmpfs_fill_super(type, data, 01777);
}

static const struct fs_type tmpfs_type = {
	.name = "tmpfs",
	.mount = tmpfs_mount,
	.nodev = true,
};

int tmpfs_register(void)
{
	return fs_type_register(&tmpfs_type);
}
