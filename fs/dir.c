/*
 * Directories and the fs context: getdents/getdents64, chdir, fchdir,
 * chroot, getcwd and umask, and the per-task (CLONE_FS-shared) context
 * holding root, cwd and umask.
 *
 * getdents stages records in a kernel buffer so each record's d_off can be
 * the cookie of the entry after it (what telldir/seekdir expect).
 */
#include "err.h"
#include "klib.h"
#include "sched.h"
#include "syscall.h"
#include "vfs_internal.h"

#define DIRENT_BUF_MAX 65536

/* ---- fs context ---- */

struct fs_context *fs_context_create(void)
{
	struct fs_context *fs = kzalloc(sizeof(*fs));

	if (!fs)
		return NULL;
	fs->refs = 1;
	fs->root.mnt = vfs.root_mnt;
	fs->root.dentry = vfs.root_mnt->root;
	path_get(&fs->root);
	fs->cwd = fs->root;
	path_get(&fs->cwd);
	fs->umask = VFS_DEFAULT_UMASK;
	return fs;
}

struct fs_context *fs_context_clone(struct fs_context *old)
{
	struct fs_context *fs = kzalloc(sizeof(*fs));

	if (!fs)
		return NULL;
	fs->refs = 1;
	fs->root = old->root;
	path_get(&fs->root);
	fs->cwd = old->cwd;
	path_get(&fs->cwd);
	fs->umask = old->umask;
	return fs;
}

void fs_context_put(struct fs_context *fs)
{
	if (!fs || --fs->refs > 0)
		return;
	path_put(&fs->root);
	path_put(&fs->cwd);
	kfree(fs);
}

/* ---- getdents ---- */

struct getdents_ctx {
	struct dir_ctx ctx;
	char *buf;
	size_t size, used;
	size_t prev; /* offset of the last record + 1 (0: none) */
	bool old_format;
	int err;
};

/* The guest's struct linux_dirent64 (header before the name). */
struct dirent64_hdr {
	uint64_t d_ino;
	int64_t d_off;
	uint16_t d_reclen;
	uint8_t d_type;
} __packed;

/* The old struct linux_dirent (d_type is the record's last byte). */
struct dirent_hdr {
	uint64_t d_ino;
	int64_t d_off;
	uint16_t d_reclen;
} __packed;

/* Both record formats keep d_off at byte 8. */
static void set_prev_off(struct getdents_ctx *g, uint64_t off)
{
	int64_t v = (int64_t)off;

	if (g->prev)
		kmemcpy(g->buf + g->prev - 1 + sizeof(uint64_t), &v, sizeof(v));
}

static bool getdents_emit(struct dir_ctx *ctx, const char *name, size_t len,
			  uint64_t ino, unsigned int dtype)
{
	struct getdents_ctx *g = container_of(ctx, struct getdents_ctx, ctx);
	size_t hdr = g->old_format ? sizeof(struct dirent_hdr) :
				     sizeof(struct dirent64_hdr);
	size_t reclen = ALIGN_UP(hdr + len + 1 + (g->old_format ? 1 : 0), 8);
	char *rec = g->buf + g->used;

	if (g->used + reclen > g->size) {
		if (!g->used)
			g->err = -EINVAL;
		return false;
	}
	set_prev_off(g, ctx->pos);
	kmemset(rec, 0, reclen);
	if (g->old_format) {
		struct dirent_hdr *d = (struct dirent_hdr *)rec;

		d->d_ino = ino;
		d->d_reclen = (uint16_t)reclen;
		rec[reclen - 1] = (char)dtype;
	} else {
		struct dirent64_hdr *d = (struct dirent64_hdr *)rec;

		d->d_ino = ino;
		d->d_reclen = (uint16_t)reclen;
		d->d_type = (uint8_t)dtype;
	}
	g->prev = g->used + 1;
	kmemcpy(rec + hdr, name, len);
	g->used += reclen;
	return true;
}

static long getdents_common(int fd, uaddr_t ubuf, unsigned int count,
			    bool old_format)
{
	struct getdents_ctx g = { .ctx.emit = getdents_emit,
				  .old_format = old_format };
	struct file *f = fd_get(fd);
	long err;

	if (!f)
		return -EBADF;
	err = -EBADF;
	if (f->mode & FMODE_PATH)
		goto out_put;
	err = -ENOTDIR;
	if (!f->inode || !S_ISDIR(f->inode->mode))
		goto out_put;
	g.size = MIN((size_t)count, DIRENT_BUF_MAX);
	g.buf = kmalloc(g.size ? g.size : 1);
	err = -ENOMEM;
	if (!g.buf)
		goto out_put;
	g.ctx.pos = f->pos;
	err = f->ops->readdir ? f->ops->readdir(f, &g.ctx) :
				vfs_default_readdir(f, &g.ctx);
	set_prev_off(&g, g.ctx.pos);
	f->pos = g.ctx.pos;
	if (!err && g.err)
		err = g.err;
	if (!err && !g.used && count == 0)
		err = -EINVAL;
	if (!err || g.used)
		err = copy_to_user(ubuf, g.buf, g.used) ? -EFAULT :
							  (long)g.used;
	kfree(g.buf);
out_put:
	file_put(f);
	return err;
}

SYSCALL3(getdents64, int, fd, uaddr_t, buf, unsigned int, count)
{
	return getdents_common(fd, buf, count, false);
}

SYSCALL3(getdents, int, fd, uaddr_t, buf, unsigned int, count)
{
	return getdents_common(fd, buf, count, true);
}

bool dir_emit_dots(struct file *f, struct dir_ctx *ctx)
{
	struct dentry *d = f->dentry;
	struct inode *inode = f->inode;

	if (ctx->pos == 0) {
		if (!ctx->emit(ctx, ".", 1, inode->ino, VFS_DTYPE(S_IFDIR)))
			return false;
		ctx->pos = 1;
	}
	if (ctx->pos == 1) {
		struct inode *parent =
			d && d->parent->inode ? d->parent->inode : inode;

		if (!ctx->emit(ctx, "..", 2, parent->ino, VFS_DTYPE(S_IFDIR)))
			return false;
		ctx->pos = 2;
	}
	return true;
}

/* ---- cwd and root ---- */

static int dir_path_for_cd(struct path *p)
{
	if (!S_ISDIR(p->dentry->inode->mode))
		return -ENOTDIR;
	return inode_permission(p->dentry->inode, MAY_EXEC);
}

static void set_path(struct path *slot, struct path *p)
{
	struct path old = *slot;

	*slot = *p;
	path_put(&old);
}

SYSCALL1(chdir, uaddr_t, upath)
{
	char *name = getname(upath, false);
	struct path p;
	long err;

	if (IS_ERR(name))
		return PTR_ERR(name);
	err = vfs_path_lookup(AT_FDCWD, name, LOOKUP_FOLLOW | LOOKUP_DIRECTORY,
			      &p);
	kfree(name);
	if (err)
		return err;
	err = dir_path_for_cd(&p);
	if (err) {
		path_put(&p);
		return err;
	}
	set_path(&current->fs->cwd, &p);
	return 0;
}

SYSCALL1(fchdir, int, fd)
{
	struct file *f = fd_get(fd);
	struct path p;
	long err;

	if (!f)
		return -EBADF;
	err = -ENOTDIR;
	if (f->dentry) {
		p.mnt = f->mnt;
		p.dentry = f->dentry;
		err = dir_path_for_cd(&p);
		if (!err) {
			path_get(&p);
			set_path(&current->fs->cwd, &p);
		}
	}
	file_put(f);
	return err;
}

SYSCALL1(chroot, uaddr_t, upath)
{
	char *name;
	struct path p;
	long err;

	if (!capable_root())
		return -EPERM;
	name = getname(upath, false);
	if (IS_ERR(name))
		return PTR_ERR(name);
	err = vfs_path_lookup(AT_FDCWD, name, LOOKUP_FOLLOW | LOOKUP_DIRECTORY,
			      &p);
	kfree(name);
	if (err)
		return err;
	err = dir_path_for_cd(&p);
	if (err) {
		path_put(&p);
		return err;
	}
	set_path(&current->fs->root, &p);
	return 0;
}

SYSCALL2(getcwd, uaddr_t, ubuf, size_t, size)
{
	struct path *cwd = &current->fs->cwd;
	char *buf, *path;
	size_t len;
	long err;

	if (cwd->dentry->parent != cwd->dentry && !cwd->dentry->hashed)
		return -ENOENT;
	buf = kmalloc(VFS_PATH_MAX);
	if (!buf)
		return -ENOMEM;
	path = dentry_path(cwd->mnt, cwd->dentry, buf, VFS_PATH_MAX);
	err = PTR_ERR(path);
	if (IS_ERR(path))
		goto out_free;
	len = kstrlen(path) + 1;
	err = -ERANGE;
	if (len > size)
		goto out_free;
	err = copy_to_user(ubuf, path, len) ? -EFAULT : (long)len;
out_free:
	kfree(buf);
	return err;
}

SYSCALL1(umask, uint32_t, mask)
{
	uint32_t old = current->fs->umask;

	current->fs->umask = mask & 0777;
	return old;
}
