/*
 * File system types, the mount tree and the VFS state.
 *
 * A mount attaches a super block's (sub)tree at a dentry of its parent
 * mount; the root mount is its own parent. A mount is counted by every
 * path and file using it plus one while attached, so umount without
 * MNT_DETACH fails with -EBUSY while anything but the caller uses it.
 * A super block lives while any mount of it does.
 */
#include <asm/statfs.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <linux/mount.h>

#include "blkdev.h"
#include "err.h"
#include "klib.h"
#include "printk.h"
#include "sched.h"
#include "syscall.h"
#include "vfs_internal.h"

#define VFS_UMOUNT_FORCE 0x1
#define VFS_UMOUNT_DETACH 0x2
#define VFS_UMOUNT_EXPIRE 0x4
#define VFS_UMOUNT_NOFOLLOW 0x8
#define VFS_MOUNT_STR_MAX 4096
#define VFS_FSTYPE_MAX 256
/* statfs f_flags (ST_* of statvfs). */
#define ST_RDONLY_FLAG 0x1
#define ST_NOSUID_FLAG 0x2
#define ST_NODEV_FLAG 0x4
#define ST_NOEXEC_FLAG 0x8

struct vfs_state vfs;

static const struct super_ops anon_super_ops = { 0 };

static const struct fs_type anon_fs_type = {
	.name = "anon_inodefs",
	.nodev = true,
};

/* ---- file system types ---- */

int fs_type_register(const struct fs_type *type)
{
	if (fs_type_find(type->name))
		return -EBUSY;
	if (vfs.nr_types >= VFS_MAX_TYPES)
		return -ENOSPC;
	vfs.types[vfs.nr_types++] = type;
	return 0;
}

const struct fs_type *fs_type_find(const char *name)
{
	for (int i = 0; i < vfs.nr_types; i++)
		if (!kstrcmp(vfs.types[i]->name, name))
			return vfs.types[i];
	return NULL;
}

const struct fs_type *fs_type_next(const struct fs_type *prev)
{
	int i = 0;

	if (prev) {
		while (i < vfs.nr_types && vfs.types[i] != prev)
			i++;
		i++;
	}
	return i < vfs.nr_types ? vfs.types[i] : NULL;
}

/* ---- mounts ---- */

struct mount *mnt_get(struct mount *m)
{
	if (m)
		m->refs++;
	return m;
}

void mnt_put(struct mount *m)
{
	if (!m)
		return;
	BUG_ON(m->refs <= 0);
	if (--m->refs > 0)
		return;
	dput(m->root);
	sb_put(m->sb);
	kfree(m->source);
	kfree(m);
}

bool mnt_readonly(const struct mount *m)
{
	return (m->flags & MNT_RDONLY) || (m->sb->flags & SB_RDONLY);
}

int mnt_want_write(const struct mount *m)
{
	return mnt_readonly(m) ? -EROFS : 0;
}

struct mount *mount_lookup(struct mount *parent, struct dentry *d)
{
	struct mount *m, *found = NULL;

	if (!d->mounted)
		return NULL;
	list_for_each_entry(m, &parent->children, child_link)
		if (m->mountpoint == d)
			found = m;
	return found;
}

/* A new, unattached mount of sb at root (takes an sb reference). */
static struct mount *mnt_alloc(struct super_block *sb, struct dentry *root,
			       const char *source)
{
	struct mount *m = kzalloc(sizeof(*m));

	if (!m)
		return NULL;
	m->source = kstrdup(source ? source : "none");
	if (!m->source) {
		kfree(m);
		return NULL;
	}
	m->refs = 1;
	m->sb = sb;
	sb->refs++;
	m->root = dget(root);
	m->parent = m;
	list_init(&m->children);
	list_init(&m->child_link);
	list_init(&m->all_link);
	return m;
}

/* Attach m (holding the caller's reference, now the attached one) at at. */
static void mnt_attach(struct mount *m, struct path *at)
{
	m->parent = mnt_get(at->mnt);
	m->mountpoint = dget(at->dentry);
	m->mountpoint->mounted++;
	list_add_tail(&m->child_link, &at->mnt->children);
	list_add_tail(&m->all_link, &vfs.mounts);
}

/* Detach m and its children from the tree; drops the attached refs. */
static void mnt_detach_tree(struct mount *m)
{
	while (!list_empty(&m->children))
		mnt_detach_tree(list_first_entry(&m->children, struct mount,
						 child_link));
	list_del(&m->child_link);
	list_del(&m->all_link);
	m->mountpoint->mounted--;
	dput(m->mountpoint);
	mnt_put(m->parent);
	m->mountpoint = NULL;
	m->parent = m;
	m->flags |= MNT_DETACHED;
	mnt_put(m);
}

static unsigned int mnt_flags_from_ms(unsigned long ms)
{
	unsigned int f = 0;

	if (ms & MS_NOSUID)
		f |= MNT_NOSUID;
	if (ms & MS_NODEV)
		f |= MNT_NODEV;
	if (ms & MS_NOEXEC)
		f |= MNT_NOEXEC;
	if (ms & MS_NOATIME)
		f |= MNT_NOATIME;
	return f;
}

/* Mount a new instance of fstype at target. */
static int do_new_mount(struct path *target, const char *source,
			const char *fstype, unsigned long flags,
			const char *data)
{
	const struct fs_type *type = fs_type_find(fstype);
	struct super_block *sb;
	struct mount *m;

	if (!type)
		return -ENODEV;
	if (!S_ISDIR(target->dentry->inode->mode))
		return -ENOTDIR;
	sb = type->mount(type, source, flags, data);
	if (IS_ERR(sb))
		return (int)PTR_ERR(sb);
	if (flags & MS_RDONLY)
		sb->flags |= SB_RDONLY;
	m = mnt_alloc(sb, sb->root, source);
	if (!m) {
		sb->refs++;
		sb_put(sb);
		return -ENOMEM;
	}
	m->flags = mnt_flags_from_ms(flags);
	mnt_attach(m, target);
	return 0;
}

static int do_bind_mount(struct path *target, int dfd, const char *source)
{
	struct path src;
	struct mount *m;
	int err = vfs_path_lookup(dfd, source, LOOKUP_FOLLOW, &src);

	if (err)
		return err;
	err = -ENOTDIR;
	if (S_ISDIR(src.dentry->inode->mode) !=
	    S_ISDIR(target->dentry->inode->mode))
		goto out_src;
	err = -ENOMEM;
	m = mnt_alloc(src.mnt->sb, src.dentry, src.mnt->source);
	if (!m)
		goto out_src;
	m->flags = src.mnt->flags & ~MNT_DETACHED;
	mnt_attach(m, target);
	err = 0;
out_src:
	path_put(&src);
	return err;
}

static int do_remount(struct path *target, unsigned long flags,
		      const char *data)
{
	struct mount *m = target->mnt;
	struct super_block *sb = m->sb;
	unsigned int mflags = mnt_flags_from_ms(flags);
	int err;

	if (target->dentry != m->root)
		return -EINVAL;
	if (flags & MS_RDONLY)
		mflags |= MNT_RDONLY;
	if (flags & MS_BIND) {
		m->flags = (m->flags & MNT_DETACHED) | mflags;
		return 0;
	}
	if (sb->ops->remount) {
		err = sb->ops->remount(sb, (flags & MS_RDONLY) ? SB_RDONLY : 0,
				       data);
		if (err)
			return err;
	}
	if (flags & MS_RDONLY)
		sb->flags |= SB_RDONLY;
	else
		sb->flags &= ~SB_RDONLY;
	m->flags = (m->flags & MNT_DETACHED) | (mflags & ~MNT_RDONLY);
	return 0;
}

static int do_move_mount(struct path *target, int dfd, const char *source)
{
	struct path src;
	struct mount *m;
	int err = vfs_path_lookup(dfd, source, LOOKUP_FOLLOW, &src);

	if (err)
		return err;
	m = src.mnt;
	err = -EINVAL;
	if (src.dentry != m->root || m->parent == m)
		goto out_src;
	/* The target may not lie inside the mount being moved. */
	for (struct mount *p = target->mnt;; p = p->parent) {
		if (p == m)
			goto out_src;
		if (p->parent == p)
			break;
	}
	list_del(&m->child_link);
	m->mountpoint->mounted--;
	dput(m->mountpoint);
	mnt_put(m->parent);
	m->parent = mnt_get(target->mnt);
	m->mountpoint = dget(target->dentry);
	m->mountpoint->mounted++;
	list_add_tail(&m->child_link, &target->mnt->children);
	err = 0;
out_src:
	path_put(&src);
	return err;
}

static int mount_dispatch(const char *source, const char *target,
			  const char *fstype, unsigned long flags,
			  const char *data)
{
	struct path at;
	int err;

	if ((flags & MS_MGC_MSK) == MS_MGC_VAL)
		flags &= ~MS_MGC_MSK;
	err = vfs_path_lookup(AT_FDCWD, target, LOOKUP_FOLLOW, &at);
	if (err)
		return err;
	if (flags & MS_REMOUNT)
		err = do_remount(&at, flags, data);
	else if (flags & MS_BIND)
		err = source ? do_bind_mount(&at, AT_FDCWD, source) : -EINVAL;
	else if (flags & MS_MOVE)
		err = source ? do_move_mount(&at, AT_FDCWD, source) : -EINVAL;
	else if (flags & (MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE))
		err = 0; /* no propagation: every mount is private */
	else
		err = fstype ? do_new_mount(&at, source, fstype, flags, data) :
			       -EINVAL;
	path_put(&at);
	return err;
}

int kern_mount(const char *source, const char *target, const char *fstype,
	       unsigned long flags, const char *data)
{
	return mount_dispatch(source, target, fstype, flags, data);
}

/* Copy an optional guest string into a new buffer (NULL for 0). */
static char *copy_mount_string(uaddr_t u, size_t max)
{
	char *buf;
	long n;

	if (!u)
		return NULL;
	buf = kmalloc(max);
	if (!buf)
		return ERR_PTR(-ENOMEM);
	n = strncpy_from_user(buf, u, max);
	if (n < 0) {
		kfree(buf);
		return ERR_PTR(n == -ENAMETOOLONG ? -EINVAL : n);
	}
	return buf;
}

SYSCALL5(mount, uaddr_t, usource, uaddr_t, utarget, uaddr_t, utype,
	 unsigned long, flags, uaddr_t, udata)
{
	char *source = NULL, *target, *type = NULL, *data = NULL;
	long err;

	if (!capable_root())
		return -EPERM;
	target = getname(utarget, false);
	if (IS_ERR(target))
		return PTR_ERR(target);
	source = copy_mount_string(usource, VFS_MOUNT_STR_MAX);
	err = PTR_ERR(source);
	if (IS_ERR(source))
		goto out_target;
	type = copy_mount_string(utype, VFS_FSTYPE_MAX);
	err = PTR_ERR(type);
	if (IS_ERR(type))
		goto out_source;
	data = copy_mount_string(udata, VFS_MOUNT_STR_MAX);
	err = PTR_ERR(data);
	if (IS_ERR(data))
		goto out_type;
	err = mount_dispatch(source, target, type, flags, data);
	kfree(data);
out_type:
	kfree(type);
out_source:
	kfree(source);
out_target:
	kfree(target);
	return err;
}

SYSCALL2(umount2, uaddr_t, utarget, int, flags)
{
	struct path p;
	struct mount *m;
	char *target;
	long err;

	if (!capable_root())
		return -EPERM;
	if (flags & ~(VFS_UMOUNT_FORCE | VFS_UMOUNT_DETACH | VFS_UMOUNT_EXPIRE |
		      VFS_UMOUNT_NOFOLLOW))
		return -EINVAL;
	target = getname(utarget, false);
	if (IS_ERR(target))
		return PTR_ERR(target);
	err = vfs_path_lookup(AT_FDCWD, target,
			      (flags & VFS_UMOUNT_NOFOLLOW) ? 0 : LOOKUP_FOLLOW,
			      &p);
	kfree(target);
	if (err)
		return err;
	m = p.mnt;
	err = -EINVAL;
	if (p.dentry != m->root)
		goto out_path;
	/* The root stays: Linux says busy, so umount -r remounts it ro. */
	err = -EBUSY;
	if (m->parent == m)
		goto out_path;
	if (!(flags & VFS_UMOUNT_DETACH) &&
	    (!list_empty(&m->children) || m->refs > 2))
		goto out_path;
	mnt_detach_tree(m);
	err = 0;
out_path:
	path_put(&p);
	return err;
}

/* ---- statfs and sync ---- */

static int vfs_statfs(struct mount *m, uaddr_t ubuf)
{
	struct super_block *sb = m->sb;
	struct kstatfs k = { .type = sb->magic,
			     .bsize = VFS_BLOCK_SIZE,
			     .namelen = VFS_NAME_MAX,
			     .frsize = VFS_BLOCK_SIZE };
	struct statfs st;
	int err = sb->ops->statfs ? sb->ops->statfs(sb, &k) : 0;

	if (err)
		return err;
	kmemset(&st, 0, sizeof(st));
	st.f_type = (long)k.type;
	st.f_bsize = (long)k.bsize;
	st.f_blocks = k.blocks;
	st.f_bfree = k.bfree;
	st.f_bavail = k.bavail;
	st.f_files = k.files;
	st.f_ffree = k.ffree;
	st.f_fsid.val[0] = (int)(sb->dev & 0xffffffff);
	st.f_fsid.val[1] = (int)(sb->dev >> 32);
	st.f_namelen = (long)k.namelen;
	st.f_frsize = (long)(k.frsize ? k.frsize : k.bsize);
	st.f_flags = (long)(k.flags | (mnt_readonly(m) ? ST_RDONLY_FLAG : 0) |
			    ((m->flags & MNT_NOSUID) ? ST_NOSUID_FLAG : 0) |
			    ((m->flags & MNT_NODEV) ? ST_NODEV_FLAG : 0) |
			    ((m->flags & MNT_NOEXEC) ? ST_NOEXEC_FLAG : 0));
	return copy_to_user(ubuf, &st, sizeof(st));
}

SYSCALL2(statfs, uaddr_t, upath, uaddr_t, ubuf)
{
	char *name = getname(upath, false);
	struct path p;
	long err;

	if (IS_ERR(name))
		return PTR_ERR(name);
	err = vfs_path_lookup(AT_FDCWD, name, LOOKUP_FOLLOW, &p);
	kfree(name);
	if (err)
		return err;
	err = vfs_statfs(p.mnt, ubuf);
	path_put(&p);
	return err;
}

SYSCALL2(fstatfs, int, fd, uaddr_t, ubuf)
{
	struct file *f = fd_get(fd);
	long err;

	if (!f)
		return -EBADF;
	if (f->mnt)
		err = vfs_statfs(f->mnt, ubuf);
	else
		err = -EINVAL;
	file_put(f);
	return err;
}

static int sb_sync(struct super_block *sb)
{
	return sb->ops->sync ? sb->ops->sync(sb) : 0;
}

int vfs_sync_all(void)
{
	struct mount *m;
	int err = 0, e;

	list_for_each_entry(m, &vfs.mounts, all_link) {
		e = sb_sync(m->sb);
		if (e && !err)
			err = e;
	}
	e = blkdev_sync_all();
	return err ? err : e;
}

int vfs_remount_all_ro(void)
{
	struct mount *m;
	int err = 0, e;

	list_for_each_entry(m, &vfs.mounts, all_link) {
		struct super_block *sb = m->sb;

		if (sb->type->nodev || (sb->flags & SB_RDONLY))
			continue;
		e = sb_sync(sb);
		if (sb->ops->remount) {
			int e2 = sb->ops->remount(sb, SB_RDONLY, NULL);

			e = e ? e : e2;
		}
		/* Read-only even if writing back failed: stop the damage. */
		sb->flags |= SB_RDONLY;
		if (e && !err)
			err = e;
	}
	e = blkdev_sync_all();
	return err ? err : e;
}

SYSCALL0(sync)
{
	vfs_sync_all();
	return 0;
}

SYSCALL1(syncfs, int, fd)
{
	struct file *f = fd_get(fd);
	long err = 0;

	if (!f)
		return -EBADF;
	if (f->mnt)
		err = sb_sync(f->mnt->sb);
	file_put(f);
	return err;
}

/* ---- iteration for /proc/mounts ---- */

struct mount *mount_next(struct mount *prev)
{
	struct list_head *next = prev ? prev->all_link.next : vfs.mounts.next;

	if (next == &vfs.mounts)
		return NULL;
	return list_entry(next, struct mount, all_link);
}

int mount_options(struct mount *mnt, char *buf, size_t size)
{
	int len = ksnprintf(buf, size, "%s%s%s%s%s",
			    mnt_readonly(mnt) ? "ro" : "rw",
			    (mnt->flags & MNT_NOSUID) ? ",nosuid" : "",
			    (mnt->flags & MNT_NODEV) ? ",nodev" : "",
			    (mnt->flags & MNT_NOEXEC) ? ",noexec" : "",
			    (mnt->flags & MNT_NOATIME) ? ",noatime" : "");

	if (mnt->sb->ops->show_options && (size_t)len < size)
		len += mnt->sb->ops->show_options(mnt->sb, buf + len,
						  size - (size_t)len);
	return len;
}

/* ---- boot ---- */

int vfs_mount_root(const char *source, const char *fstype, unsigned long flags,
		   const char *data)
{
	const struct fs_type *type = fs_type_find(fstype);
	struct mount *old = vfs.root_mnt, *m;
	struct super_block *sb;
	int err;

	if (!type)
		return -ENODEV;
	sb = type->mount(type, source, flags, data);
	if (IS_ERR(sb))
		return (int)PTR_ERR(sb);
	if (flags & MS_RDONLY)
		sb->flags |= SB_RDONLY;
	m = mnt_alloc(sb, sb->root, source);
	if (!m) {
		sb->refs++;
		sb_put(sb);
		return -ENOMEM;
	}
	while (!list_empty(&old->children))
		mnt_detach_tree(list_first_entry(&old->children, struct mount,
						 child_link));
	list_del(&old->all_link);
	mnt_put(old);
	list_add_tail(&m->all_link, &vfs.mounts);
	vfs.root_mnt = m;
	err = kern_mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	if (err)
		printk(KERN_WARNING "devtmpfs: not mounted on /dev (%d)\n",
		       err);
	return 0;
}

const char *vfs_root_fstype(void)
{
	return vfs.root_mnt->sb->type->name;
}

int vfs_init(void)
{
	const struct fs_type *tmpfs;
	struct super_block *sb;
	struct mount *root;
	int err;

	for (int i = 0; i < D_HASH_SIZE; i++)
		list_init(&vfs.d_hash[i]);
	list_init(&vfs.d_unused);
	list_init(&vfs.mounts);
	vfs.anon_sb =
		sb_alloc(&anon_fs_type, &anon_super_ops, ANON_INODE_FS_MAGIC);
	if (!vfs.anon_sb)
		return -ENOMEM;
	vfs.anon_sb->refs = 1;
	err = tmpfs_register();
	if (!err)
		err = devtmpfs_register();
	if (err)
		return err;
	tmpfs = fs_type_find("tmpfs");
	sb = tmpfs->mount(tmpfs, "rootfs", 0, "mode=0755");
	if (IS_ERR(sb))
		return (int)PTR_ERR(sb);
	root = mnt_alloc(sb, sb->root, "rootfs");
	if (!root)
		return -ENOMEM;
	list_add_tail(&root->all_link, &vfs.mounts);
	vfs.root_mnt = root;
	vfs.ready = true;
	err = devtmpfs_mount_dev();
	if (err)
		printk(KERN_ERR "vfs: cannot mount /dev: %d\n", err);
	return err;
}
