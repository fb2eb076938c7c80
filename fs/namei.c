/*
 * Path walk and the name-space operations built on it.
 *
 * A walk starts at current's root (absolute names) or at a directory fd
 * (AT_FDCWD: the cwd), steps through components with exec permission on
 * each directory, crosses mounts both ways (never above the caller's root)
 * and follows symlinks: at most VFS_MAXSYMLINKS per walk, nested at most
 * VFS_MAX_LINK_DEPTH deep, otherwise -ELOOP. Every path handed back holds
 * references on its mount and dentry.
 *
 * Also here: mknod, mkdir, rmdir, unlink, symlink, link, rename and
 * readlink (syscalls and the kern_* helpers for boot and initramfs).
 */
#include <linux/fs.h>

#include "err.h"
#include "klib.h"
#include "sched.h"
#include "syscall.h"
#include "vfs_internal.h"

static const struct cred vfs_root_cred;

const struct cred *vfs_cred(void)
{
	return current ? &current->cred : &vfs_root_cred;
}

int inode_permission(struct inode *inode, int mask)
{
	return vfs_perm_check(vfs_cred(), inode->mode, inode->uid, inode->gid,
			      mask);
}

uint32_t vfs_umask(void)
{
	return current && current->fs ? current->fs->umask : VFS_DEFAULT_UMASK;
}

void inode_init_owner(struct inode *inode, struct inode *dir, uint32_t mode)
{
	const struct cred *c = vfs_cred();

	inode->uid = c->fsuid;
	if (dir && (dir->mode & S_ISGID)) {
		inode->gid = dir->gid;
		if (S_ISDIR(mode))
			mode |= S_ISGID;
	} else {
		inode->gid = c->fsgid;
	}
	inode->mode = mode;
}

void path_get(struct path *p)
{
	mnt_get(p->mnt);
	dget(p->dentry);
}

void path_put(struct path *p)
{
	dput(p->dentry);
	mnt_put(p->mnt);
	p->dentry = NULL;
	p->mnt = NULL;
}

void vfs_root_path(struct path *out)
{
	if (current && current->fs) {
		*out = current->fs->root;
	} else {
		out->mnt = vfs.root_mnt;
		out->dentry = vfs.root_mnt->root;
	}
	path_get(out);
}

int vfs_dirfd_path(int dfd, struct path *out)
{
	struct file *f;

	if (dfd == AT_FDCWD) {
		if (current && current->fs) {
			*out = current->fs->cwd;
			path_get(out);
		} else {
			vfs_root_path(out);
		}
		return 0;
	}
	f = fd_get(dfd);
	if (!f)
		return -EBADF;
	if (!f->dentry || !f->mnt) {
		file_put(f);
		return -ENOTDIR;
	}
	out->mnt = f->mnt;
	out->dentry = f->dentry;
	path_get(out);
	file_put(f);
	return 0;
}

void follow_mounts(struct path *p)
{
	struct mount *m;

	while ((m = mount_lookup(p->mnt, p->dentry)) != NULL) {
		struct path next = { .mnt = mnt_get(m),
				     .dentry = dget(m->root) };

		path_put(p);
		*p = next;
	}
}

static void qstr_init(struct qstr *q, const char *name, size_t len)
{
	q->name = name;
	q->len = len;
	q->hash = path_hash(name, len);
}

struct dentry *vfs_lookup_one(struct path *dir, const struct qstr *name,
			      bool noperm)
{
	struct inode *inode = dir->dentry->inode;
	struct dentry *d;
	int err;

	if (!S_ISDIR(inode->mode))
		return ERR_PTR(-ENOTDIR);
	if (!noperm) {
		err = inode_permission(inode, MAY_EXEC);
		if (err)
			return ERR_PTR(err);
	}
	if (name->len > VFS_NAME_MAX)
		return ERR_PTR(-ENAMETOOLONG);
	d = d_lookup(dir->dentry, name);
	if (d && d->sb->ops->revalidate && !d->sb->ops->revalidate(d)) {
		d_drop(d);
		dput(d);
		d = NULL;
	}
	if (d)
		return d;
	d = d_alloc(dir->dentry, name);
	if (!d)
		return ERR_PTR(-ENOMEM);
	if (inode->nlink == 0 || !inode->ops->lookup)
		return d;
	err = inode->ops->lookup(inode, d);
	if (err) {
		d_drop(d);
		dput(d);
		return ERR_PTR(err);
	}
	return d;
}

static bool nd_at_root(struct nameidata *nd)
{
	return nd->path.dentry == nd->root.dentry &&
	       nd->path.mnt == nd->root.mnt;
}

/* "..": up one directory, across mount roots, never above the root. */
static void step_dotdot(struct nameidata *nd)
{
	for (;;) {
		struct mount *m = nd->path.mnt;
		struct path up;

		if (nd_at_root(nd))
			return;
		if (nd->path.dentry != m->root) {
			struct dentry *parent = dget(nd->path.dentry->parent);

			dput(nd->path.dentry);
			nd->path.dentry = parent;
			break;
		}
		if (m->parent == m)
			return;
		up.mnt = mnt_get(m->parent);
		up.dentry = dget(m->mountpoint);
		path_put(&nd->path);
		nd->path = up;
	}
	follow_mounts(&nd->path);
}

static int walk_prefix(struct nameidata *nd, const char *name);
static int walk_last(struct nameidata *nd, bool follow);

/* Replace nd->path (the directory holding link) by link's target. */
static int follow_link(struct nameidata *nd, struct path *link)
{
	struct inode *inode = link->dentry->inode;
	struct qstr saved_last = nd->last;
	enum last_type saved_type = nd->last_type;
	bool saved_slash = nd->trailing_slash;
	char *buf;
	long len;
	int err;

	if (++nd->total_links > VFS_MAXSYMLINKS ||
	    nd->depth >= VFS_MAX_LINK_DEPTH)
		return -ELOOP;
	if (!inode->ops->readlink)
		return -EINVAL;
	buf = kmalloc(VFS_PATH_MAX);
	if (!buf)
		return -ENOMEM;
	len = inode->ops->readlink(link->dentry, buf, VFS_PATH_MAX - 1);
	if (len < 0) {
		err = (int)len;
		goto out_free;
	}
	buf[len] = '\0';
	if (len == 0) {
		err = -ENOENT;
		goto out_free;
	}
	nd->depth++;
	err = walk_prefix(nd, buf);
	if (!err)
		err = walk_last(nd, true);
	nd->depth--;
	nd->last = saved_last;
	nd->last_type = saved_type;
	nd->trailing_slash = saved_slash;
out_free:
	kfree(buf);
	return err;
}

/* Step from nd->path into the component name[0..len). */
static int walk_step(struct nameidata *nd, const char *name, size_t len,
		     bool follow)
{
	struct path next;
	struct dentry *d;
	struct qstr q;
	int err;

	if (len == 1 && name[0] == '.')
		return 0;
	if (len == 2 && name[0] == '.' && name[1] == '.') {
		if (!(nd->flags & LOOKUP_NOPERM)) {
			err = inode_permission(nd->path.dentry->inode,
					       MAY_EXEC);
			if (err)
				return err;
		}
		step_dotdot(nd);
		return 0;
	}
	qstr_init(&q, name, len);
	d = vfs_lookup_one(&nd->path, &q, nd->flags & LOOKUP_NOPERM);
	if (IS_ERR(d))
		return (int)PTR_ERR(d);
	if (!d->inode) {
		dput(d);
		return -ENOENT;
	}
	next.mnt = mnt_get(nd->path.mnt);
	next.dentry = d;
	follow_mounts(&next);
	if (follow && S_ISLNK(next.dentry->inode->mode)) {
		err = follow_link(nd, &next);
		path_put(&next);
		return err;
	}
	path_put(&nd->path);
	nd->path = next;
	return 0;
}

static enum last_type last_type_of(const char *name, size_t len)
{
	if (len == 1 && name[0] == '.')
		return LAST_DOT;
	if (len == 2 && name[0] == '.' && name[1] == '.')
		return LAST_DOTDOT;
	return LAST_NORM;
}

/* Walk every component but the last, which is left in nd->last. */
static int walk_prefix(struct nameidata *nd, const char *name)
{
	const char *p = name, *comp, *next;
	size_t len, nlen;
	int err;

	if (*name == '/') {
		path_put(&nd->path);
		nd->path = nd->root;
		path_get(&nd->path);
	}
	len = path_next_component(&p, &comp);
	if (len == 0) {
		qstr_init(&nd->last, "/", 1);
		nd->last_type = LAST_ROOT;
		nd->trailing_slash = false;
		return 0;
	}
	for (;;) {
		const char *after = p;

		nlen = path_next_component(&p, &next);
		if (nlen == 0) {
			qstr_init(&nd->last, comp, len);
			nd->last_type = last_type_of(comp, len);
			nd->trailing_slash = *after == '/';
			return 0;
		}
		err = walk_step(nd, comp, len, true);
		if (err)
			return err;
		if (!S_ISDIR(nd->path.dentry->inode->mode))
			return -ENOTDIR;
		comp = next;
		len = nlen;
	}
}

/* Resolve nd->last into nd->path. */
static int walk_last(struct nameidata *nd, bool follow)
{
	bool must_dir = nd->trailing_slash || (nd->flags & LOOKUP_DIRECTORY);
	int err = 0;

	switch (nd->last_type) {
	case LAST_ROOT:
	case LAST_DOT:
		break;
	case LAST_DOTDOT:
		err = walk_step(nd, "..", 2, false);
		break;
	case LAST_NORM:
		err = walk_step(nd, nd->last.name, nd->last.len,
				follow || nd->trailing_slash);
		break;
	}
	if (!err && must_dir && !S_ISDIR(nd->path.dentry->inode->mode))
		err = -ENOTDIR;
	return err;
}

static int nd_init(struct nameidata *nd, int dfd, const char *name,
		   unsigned int flags)
{
	int err;

	kmemset(nd, 0, sizeof(*nd));
	nd->flags = flags;
	vfs_root_path(&nd->root);
	if (name[0] == '/') {
		nd->path = nd->root;
		path_get(&nd->path);
		return 0;
	}
	err = vfs_dirfd_path(dfd, &nd->path);
	if (err)
		goto out_root;
	if (!S_ISDIR(nd->path.dentry->inode->mode)) {
		err = -ENOTDIR;
		path_put(&nd->path);
		goto out_root;
	}
	return 0;
out_root:
	path_put(&nd->root);
	return err;
}

void nd_release(struct nameidata *nd)
{
	if (nd->path.dentry)
		path_put(&nd->path);
	if (nd->root.dentry)
		path_put(&nd->root);
}

int vfs_path_lookup(int dfd, const char *name, unsigned int flags,
		    struct path *out)
{
	struct nameidata nd;
	int err;

	if (!*name) {
		if (!(flags & LOOKUP_EMPTY))
			return -ENOENT;
		return vfs_dirfd_path(dfd, out);
	}
	err = nd_init(&nd, dfd, name, flags);
	if (err)
		return err;
	err = walk_prefix(&nd, name);
	if (!err)
		err = walk_last(&nd, flags & LOOKUP_FOLLOW);
	if (err) {
		nd_release(&nd);
		return err;
	}
	*out = nd.path;
	path_put(&nd.root);
	return 0;
}

int vfs_walk_parent(int dfd, const char *name, unsigned int flags,
		    struct nameidata *nd)
{
	int err;

	if (!*name)
		return -ENOENT;
	err = nd_init(nd, dfd, name, flags);
	if (err)
		return err;
	err = walk_prefix(nd, name);
	if (err)
		nd_release(nd);
	return err;
}

/* May current add or remove names in dir? */
static int may_modify_dir(struct nameidata *nd)
{
	struct inode *dir = nd->path.dentry->inode;
	int err = mnt_want_write(nd->path.mnt);

	if (err)
		return err;
	if (nd->flags & LOOKUP_NOPERM)
		return 0;
	return inode_permission(dir, MAY_WRITE | MAY_EXEC);
}

/*
 * Walk to name's parent and look up a new name there: *out is a negative
 * dentry ready for a create op. nd holds the parent on success.
 */
static int create_prepare(int dfd, const char *name, unsigned int flags,
			  bool want_dir, struct nameidata *nd,
			  struct dentry **out)
{
	struct dentry *d;
	int err = vfs_walk_parent(dfd, name, flags, nd);

	if (err)
		return err;
	if (nd->last_type != LAST_NORM) {
		err = -EEXIST;
		goto out_release;
	}
	d = vfs_lookup_one(&nd->path, &nd->last, flags & LOOKUP_NOPERM);
	if (IS_ERR(d)) {
		err = (int)PTR_ERR(d);
		goto out_release;
	}
	if (d->inode) {
		err = -EEXIST;
		goto out_dput;
	}
	if (nd->trailing_slash && !want_dir) {
		err = -ENOENT;
		goto out_dput;
	}
	err = may_modify_dir(nd);
	if (err)
		goto out_dput;
	if (nd->path.dentry->inode->nlink == 0) {
		err = -ENOENT;
		goto out_dput;
	}
	*out = d;
	return 0;
out_dput:
	dput(d);
out_release:
	nd_release(nd);
	return err;
}

int vfs_mknod_at(int dfd, const char *name, uint32_t mode, uint64_t rdev,
		 unsigned int lookup_flags)
{
	struct nameidata nd;
	struct inode *dir;
	struct dentry *d;
	int err;

	if ((mode & S_IFMT) == 0)
		mode |= S_IFREG;
	switch (mode & S_IFMT) {
	case S_IFREG:
	case S_IFIFO:
	case S_IFSOCK:
		rdev = 0;
		break;
	case S_IFCHR:
	case S_IFBLK:
		if (!(lookup_flags & LOOKUP_NOPERM) && vfs_cred()->fsuid != 0)
			return -EPERM;
		break;
	default:
		return -EINVAL;
	}
	err = create_prepare(dfd, name, lookup_flags, false, &nd, &d);
	if (err)
		return err;
	dir = nd.path.dentry->inode;
	err = dir->ops->create ? dir->ops->create(dir, d, mode, rdev) : -EPERM;
	dput(d);
	nd_release(&nd);
	return err;
}

int vfs_mkdir_at(int dfd, const char *name, uint32_t mode,
		 unsigned int lookup_flags)
{
	struct nameidata nd;
	struct inode *dir;
	struct dentry *d;
	int err = create_prepare(dfd, name, lookup_flags, true, &nd, &d);

	if (err)
		return err;
	dir = nd.path.dentry->inode;
	if (dir->nlink >= VFS_LINK_MAX)
		err = -EMLINK;
	else
		err = dir->ops->mkdir ?
			      dir->ops->mkdir(dir, d,
					      S_IFDIR | (mode & 07777)) :
			      -EPERM;
	dput(d);
	nd_release(&nd);
	return err;
}

int vfs_symlink_at(const char *target, int dfd, const char *name,
		   unsigned int lookup_flags)
{
	struct nameidata nd;
	struct inode *dir;
	struct dentry *d;
	int err;

	if (!*target)
		return -ENOENT;
	err = create_prepare(dfd, name, lookup_flags, false, &nd, &d);
	if (err)
		return err;
	dir = nd.path.dentry->inode;
	err = dir->ops->symlink ? dir->ops->symlink(dir, d, target) : -EPERM;
	dput(d);
	nd_release(&nd);
	return err;
}

int vfs_link_at(int odfd, const char *oldname, int ndfd, const char *newname,
		unsigned int lookup_flags)
{
	struct path old;
	struct nameidata nd;
	struct inode *dir, *inode;
	struct dentry *d;
	int err = vfs_path_lookup(odfd, oldname, lookup_flags, &old);

	if (err)
		return err;
	inode = old.dentry->inode;
	err = -EPERM;
	if (S_ISDIR(inode->mode))
		goto out_old;
	err = create_prepare(ndfd, newname, lookup_flags & LOOKUP_NOPERM, false,
			     &nd, &d);
	if (err)
		goto out_old;
	dir = nd.path.dentry->inode;
	if (nd.path.mnt->sb != old.mnt->sb || nd.path.mnt != old.mnt)
		err = -EXDEV;
	else if (inode->nlink >= VFS_LINK_MAX)
		err = -EMLINK;
	else if (inode->nlink == 0)
		err = -ENOENT;
	else
		err = dir->ops->link ? dir->ops->link(old.dentry, dir, d) :
				       -EPERM;
	dput(d);
	nd_release(&nd);
out_old:
	path_put(&old);
	return err;
}

int vfs_unlink_at(int dfd, const char *name, bool rmdir,
		  unsigned int lookup_flags)
{
	struct nameidata nd;
	struct inode *dir, *inode;
	struct dentry *d;
	int err = vfs_walk_parent(dfd, name, lookup_flags, &nd);

	if (err)
		return err;
	if (nd.last_type != LAST_NORM) {
		if (!rmdir)
			err = -EISDIR;
		else if (nd.last_type == LAST_DOT)
			err = -EINVAL;
		else if (nd.last_type == LAST_DOTDOT)
			err = -ENOTEMPTY;
		else
			err = -EBUSY;
		goto out_release;
	}
	d = vfs_lookup_one(&nd.path, &nd.last, lookup_flags & LOOKUP_NOPERM);
	if (IS_ERR(d)) {
		err = (int)PTR_ERR(d);
		goto out_release;
	}
	inode = d->inode;
	dir = nd.path.dentry->inode;
	err = -ENOENT;
	if (!inode)
		goto out_dput;
	err = may_modify_dir(&nd);
	if (err)
		goto out_dput;
	err = -EPERM;
	if (!(lookup_flags & LOOKUP_NOPERM) &&
	    !vfs_sticky_allows(vfs_cred(), dir->mode, dir->uid, inode->uid))
		goto out_dput;
	if (rmdir) {
		err = -ENOTDIR;
		if (!S_ISDIR(inode->mode))
			goto out_dput;
		err = -EBUSY;
		if (d->mounted)
			goto out_dput;
		err = dir->ops->rmdir ? dir->ops->rmdir(dir, d) : -EPERM;
	} else {
		err = S_ISDIR(inode->mode) ? -EISDIR : -ENOTDIR;
		if (S_ISDIR(inode->mode) || nd.trailing_slash)
			goto out_dput;
		err = -EBUSY;
		if (d->mounted)
			goto out_dput;
		err = dir->ops->unlink ? dir->ops->unlink(dir, d) : -EPERM;
	}
	if (!err)
		d_drop(d);
out_dput:
	dput(d);
out_release:
	nd_release(&nd);
	return err;
}

/* Type and permission checks for renaming od (in odir) over nd. */
static int rename_check(struct nameidata *ond, struct dentry *od,
			struct nameidata *nnd, struct dentry *nd,
			unsigned int flags)
{
	const struct cred *c = vfs_cred();
	struct inode *odir = ond->path.dentry->inode;
	struct inode *ndir = nnd->path.dentry->inode;
	bool isdir = S_ISDIR(od->inode->mode);
	int err;

	if (!od->inode)
		return -ENOENT;
	if ((flags & RENAME_EXCHANGE) && !nd->inode)
		return -ENOENT;
	if ((flags & RENAME_NOREPLACE) && nd->inode)
		return -EEXIST;
	if (!isdir && (ond->trailing_slash || nnd->trailing_slash))
		return -ENOTDIR;
	err = may_modify_dir(ond);
	if (!err)
		err = may_modify_dir(nnd);
	if (err)
		return err;
	if (!(ond->flags & LOOKUP_NOPERM) &&
	    (!vfs_sticky_allows(c, odir->mode, odir->uid, od->inode->uid) ||
	     (nd->inode &&
	      !vfs_sticky_allows(c, ndir->mode, ndir->uid, nd->inode->uid))))
		return -EPERM;
	if (nd->inode && !(flags & RENAME_EXCHANGE)) {
		if (isdir && !S_ISDIR(nd->inode->mode))
			return -ENOTDIR;
		if (!isdir && S_ISDIR(nd->inode->mode))
			return -EISDIR;
	}
	if (isdir && d_is_ancestor(od, nnd->path.dentry))
		return -EINVAL;
	if ((flags & RENAME_EXCHANGE) && S_ISDIR(nd->inode->mode) &&
	    d_is_ancestor(nd, ond->path.dentry))
		return -EINVAL;
	if (od->mounted || nd->mounted)
		return -EBUSY;
	if (nnd->path.dentry->inode->nlink == 0)
		return -ENOENT;
	return 0;
}

/* Bring the dentry cache in line with a completed rename. */
static void rename_update_cache(struct dentry *od, struct dentry *nd,
				unsigned int flags)
{
	struct dentry *oparent = od->parent;
	struct qstr oname = od->name;
	char *copy;

	if (!(flags & RENAME_EXCHANGE)) {
		d_drop(nd);
		if (d_move(od, nd->parent, &nd->name))
			d_drop(od);
		return;
	}
	copy = kstrndup(oname.name, oname.len);
	dget(oparent);
	if (!copy || d_move(od, nd->parent, &nd->name)) {
		d_drop(od);
		d_drop(nd);
	} else {
		struct qstr q = { .name = copy,
				  .len = oname.len,
				  .hash = oname.hash };

		if (d_move(nd, oparent, &q))
			d_drop(nd);
	}
	dput(oparent);
	kfree(copy);
}

static int vfs_rename_at(int odfd, const char *oldname, int ndfd,
			 const char *newname, unsigned int flags)
{
	struct nameidata ond, nnd;
	struct dentry *od, *nd;
	struct inode *odir;
	int err;

	if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE))
		return -EINVAL;
	if ((flags & RENAME_NOREPLACE) && (flags & RENAME_EXCHANGE))
		return -EINVAL;
	err = vfs_walk_parent(odfd, oldname, 0, &ond);
	if (err)
		return err;
	err = vfs_walk_parent(ndfd, newname, 0, &nnd);
	if (err)
		goto out_old;
	err = -EXDEV;
	if (ond.path.mnt != nnd.path.mnt)
		goto out_new;
	err = -EBUSY;
	if (ond.last_type != LAST_NORM || nnd.last_type != LAST_NORM)
		goto out_new;
	od = vfs_lookup_one(&ond.path, &ond.last, false);
	err = (int)PTR_ERR(od);
	if (IS_ERR(od))
		goto out_new;
	nd = vfs_lookup_one(&nnd.path, &nnd.last, false);
	err = (int)PTR_ERR(nd);
	if (IS_ERR(nd))
		goto out_od;
	err = -ENOENT;
	if (!od->inode)
		goto out_nd;
	err = 0;
	if (od->inode == nd->inode)
		goto out_nd;
	err = rename_check(&ond, od, &nnd, nd, flags);
	if (err)
		goto out_nd;
	odir = ond.path.dentry->inode;
	err = odir->ops->rename ?
		      odir->ops->rename(odir, od, nnd.path.dentry->inode, nd,
					flags) :
		      -EPERM;
	if (!err)
		rename_update_cache(od, nd, flags);
out_nd:
	dput(nd);
out_od:
	dput(od);
out_new:
	nd_release(&nnd);
out_old:
	nd_release(&ond);
	return err;
}

/* ---- kernel helpers ---- */

int kern_mkdir(const char *path, uint32_t mode)
{
	return vfs_mkdir_at(AT_FDCWD, path, mode, LOOKUP_NOPERM);
}

int kern_mknod(const char *path, uint32_t mode, uint64_t rdev)
{
	return vfs_mknod_at(AT_FDCWD, path, mode, rdev, LOOKUP_NOPERM);
}

int kern_symlink(const char *target, const char *linkpath)
{
	return vfs_symlink_at(target, AT_FDCWD, linkpath, LOOKUP_NOPERM);
}

int kern_link(const char *oldpath, const char *newpath)
{
	return vfs_link_at(AT_FDCWD, oldpath, AT_FDCWD, newpath, LOOKUP_NOPERM);
}

int kern_unlink(const char *path)
{
	return vfs_unlink_at(AT_FDCWD, path, false, LOOKUP_NOPERM);
}

/* ---- syscalls ---- */

static long do_mknodat_user(int dfd, uaddr_t upath, uint32_t mode, uint64_t dev)
{
	char *name = getname(upath, false);
	long err;

	if (IS_ERR(name))
		return PTR_ERR(name);
	if ((mode & S_IFMT) == S_IFDIR) {
		kfree(name);
		return -EPERM;
	}
	err = vfs_mknod_at(dfd, name,
			   (mode & S_IFMT) | (mode & 07777 & ~vfs_umask()), dev,
			   0);
	kfree(name);
	return err;
}

SYSCALL4(mknodat, int, dfd, uaddr_t, path, uint32_t, mode, uint32_t, dev)
{
	return do_mknodat_user(
		dfd, path, mode,
		(uint64_t)MKDEV((dev >> 8) & 0xfff,
				(dev & 0xff) | ((dev >> 12) & 0xfff00)));
}

SYSCALL3(mknod, uaddr_t, path, uint32_t, mode, uint32_t, dev)
{
	return do_mknodat_user(
		AT_FDCWD, path, mode,
		(uint64_t)MKDEV((dev >> 8) & 0xfff,
				(dev & 0xff) | ((dev >> 12) & 0xfff00)));
}

static long do_mkdirat_user(int dfd, uaddr_t upath, uint32_t mode)
{
	char *name = getname(upath, false);
	long err;

	if (IS_ERR(name))
		return PTR_ERR(name);
	err = vfs_mkdir_at(dfd, name, mode & 07777 & ~vfs_umask(), 0);
	kfree(name);
	return err;
}

SYSCALL3(mkdirat, int, dfd, uaddr_t, path, uint32_t, mode)
{
	return do_mkdirat_user(dfd, path, mode);
}

SYSCALL2(mkdir, uaddr_t, path, uint32_t, mode)
{
	return do_mkdirat_user(AT_FDCWD, path, mode);
}

static long do_unlinkat_user(int dfd, uaddr_t upath, bool rmdir)
{
	char *name = getname(upath, false);
	long err;

	if (IS_ERR(name))
		return PTR_ERR(name);
	err = vfs_unlink_at(dfd, name, rmdir, 0);
	kfree(name);
	return err;
}

SYSCALL3(unlinkat, int, dfd, uaddr_t, path, int, flags)
{
	if (flags & ~AT_REMOVEDIR)
		return -EINVAL;
	return do_unlinkat_user(dfd, path, flags & AT_REMOVEDIR);
}

SYSCALL1(unlink, uaddr_t, path)
{
	return do_unlinkat_user(AT_FDCWD, path, false);
}

SYSCALL1(rmdir, uaddr_t, path)
{
	return do_unlinkat_user(AT_FDCWD, path, true);
}

static long do_symlinkat_user(uaddr_t utarget, int dfd, uaddr_t upath)
{
	char *target = getname(utarget, true);
	char *name;
	long err;

	if (IS_ERR(target))
		return PTR_ERR(target);
	name = getname(upath, false);
	if (IS_ERR(name)) {
		kfree(target);
		return PTR_ERR(name);
	}
	err = vfs_symlink_at(target, dfd, name, 0);
	kfree(name);
	kfree(target);
	return err;
}

SYSCALL3(symlinkat, uaddr_t, target, int, dfd, uaddr_t, path)
{
	return do_symlinkat_user(target, dfd, path);
}

SYSCALL2(symlink, uaddr_t, target, uaddr_t, path)
{
	return do_symlinkat_user(target, AT_FDCWD, path);
}

static long do_linkat_user(int odfd, uaddr_t uold, int ndfd, uaddr_t unew,
			   int flags)
{
	unsigned int lflags = 0;
	char *oldname, *newname;
	long err;

	if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	if (flags & AT_SYMLINK_FOLLOW)
		lflags |= LOOKUP_FOLLOW;
	if (flags & AT_EMPTY_PATH)
		lflags |= LOOKUP_EMPTY;
	oldname = getname(uold, flags & AT_EMPTY_PATH);
	if (IS_ERR(oldname))
		return PTR_ERR(oldname);
	newname = getname(unew, false);
	if (IS_ERR(newname)) {
		kfree(oldname);
		return PTR_ERR(newname);
	}
	err = vfs_link_at(odfd, oldname, ndfd, newname, lflags);
	kfree(newname);
	kfree(oldname);
	return err;
}

SYSCALL5(linkat, int, odfd, uaddr_t, oldpath, int, ndfd, uaddr_t, newpath, int,
	 flags)
{
	return do_linkat_user(odfd, oldpath, ndfd, newpath, flags);
}

SYSCALL2(link, uaddr_t, oldpath, uaddr_t, newpath)
{
	return do_linkat_user(AT_FDCWD, oldpath, AT_FDCWD, newpath, 0);
}

static long do_renameat_user(int odfd, uaddr_t uold, int ndfd, uaddr_t unew,
			     unsigned int flags)
{
	char *oldname = getname(uold, false);
	char *newname;
	long err;

	if (IS_ERR(oldname))
		return PTR_ERR(oldname);
	newname = getname(unew, false);
	if (IS_ERR(newname)) {
		kfree(oldname);
		return PTR_ERR(newname);
	}
	err = vfs_rename_at(odfd, oldname, ndfd, newname, flags);
	kfree(newname);
	kfree(oldname);
	return err;
}

SYSCALL5(renameat2, int, odfd, uaddr_t, oldpath, int, ndfd, uaddr_t, newpath,
	 unsigned int, flags)
{
	return do_renameat_user(odfd, oldpath, ndfd, newpath, flags);
}

SYSCALL4(renameat, int, odfd, uaddr_t, oldpath, int, ndfd, uaddr_t, newpath)
{
	return do_renameat_user(odfd, oldpath, ndfd, newpath, 0);
}

SYSCALL2(rename, uaddr_t, oldpath, uaddr_t, newpath)
{
	return do_renameat_user(AT_FDCWD, oldpath, AT_FDCWD, newpath, 0);
}

static long do_readlinkat_user(int dfd, uaddr_t upath, uaddr_t ubuf, int size)
{
	struct path p;
	struct inode *inode;
	char *name, *buf;
	long len;

	if (size <= 0)
		return -EINVAL;
	name = getname(upath, true);
	if (IS_ERR(name))
		return PTR_ERR(name);
	len = vfs_path_lookup(dfd, name, LOOKUP_EMPTY, &p);
	kfree(name);
	if (len)
		return len;
	inode = p.dentry->inode;
	len = -EINVAL;
	if (!S_ISLNK(inode->mode) || !inode->ops->readlink)
		goto out_path;
	buf = kmalloc(VFS_PATH_MAX);
	len = -ENOMEM;
	if (!buf)
		goto out_path;
	len = inode->ops->readlink(p.dentry, buf,
				   MIN((size_t)size, VFS_PATH_MAX));
	if (len > 0 && copy_to_user(ubuf, buf, (size_t)len))
		len = -EFAULT;
	kfree(buf);
out_path:
	path_put(&p);
	return len;
}

SYSCALL4(readlinkat, int, dfd, uaddr_t, path, uaddr_t, buf, int, size)
{
	return do_readlinkat_user(dfd, path, buf, size);
}

SYSCALL3(readlink, uaddr_t, path, uaddr_t, buf, int, size)
{
	return do_readlinkat_user(AT_FDCWD, path, buf, size);
}
