/*
 * procfs core: the "proc" file system type, its inodes and directories.
 *
 * Nothing is stored: lookup and readdir build inodes from the static
 * entry tables and the live task list, every read regenerates the text
 * (a snapshot taken at offset 0, so a file read in pieces stays
 * consistent), and a cached dentry about a task is revalidated against
 * the task list, so a /proc/PID of an exited (or reused) pid disappears.
 * Operations on objects whose task has gone fail with -ESRCH or -ENOENT.
 */
#include <linux/magic.h>

#include "err.h"
#include "klib.h"
#include "mm.h"
#include "printk.h"
#include "procfs.h"
#include "procfs_internal.h"
#include "random.h"
#include "sched.h"

#define PROC_FIRST_CHILD_COOKIE 2
#define PROC_NAME_MAX 32
#define PROC_INO_HASH_MUL 0x100000001b3ULL

struct procfs_state procfs;

static const struct inode_ops proc_inode_ops;
static const struct file_ops proc_file_ops;
static const struct file_ops proc_dir_ops;
static const struct super_ops proc_super_ops;
static const struct fs_type proc_fs_type;

static struct proc_node *node_of(const struct inode *inode)
{
	return inode->private_data;
}

/* ---- helpers shared by the procfs files ---- */

struct task *proc_node_task(const struct proc_node *n)
{
	struct task *t;

	if (n->tid <= 0)
		return NULL;
	t = task_find(n->tid);
	if (!t || t->state == TASK_DEAD || t->start_time != n->start_time)
		return NULL;
	return t;
}

void proc_node_for_task(struct proc_node *child, const struct task *t,
			const struct proc_entry *entry)
{
	*child = (struct proc_node){
		.entry = entry,
		.pid = t->tgid,
		.tid = t->pid,
		.start_time = t->start_time,
		.fd = -1,
	};
}

long proc_link_copy(char *buf, size_t size, const char *s)
{
	size_t len = MIN(kstrlen(s), size);

	kmemcpy(buf, s, len);
	return (long)len;
}

long proc_parse_num(const char *name, size_t len, long max)
{
	long v = 0;

	if (len == 0 || len > 10 || (name[0] == '0' && len > 1))
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (name[i] < '0' || name[i] > '9')
			return -1;
		v = v * 10 + (name[i] - '0');
	}
	return v <= max ? v : -1;
}

/* A stable inode number for name in the directory numbered dir_ino. */
static uint64_t proc_ino(uint64_t dir_ino, const char *name, size_t len)
{
	uint64_t h = dir_ino * PROC_INO_HASH_MUL + 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)name[i]) * PROC_INO_HASH_MUL;
	h &= 0x7fffffffffffffffULL;
	return h > PROC_ROOT_INO ? h : h + PROC_ROOT_INO + 1;
}

static uint32_t proc_node_mode(const struct proc_node *n)
{
	return n->mode ? n->mode : n->entry->mode;
}

/* Owner of objects about t: its effective ids, as Linux shows them. */
static void proc_set_owner(struct inode *inode, const struct proc_node *n)
{
	struct task *t = proc_node_task(n);

	inode->uid = t ? t->cred.euid : 0;
	inode->gid = t ? t->cred.egid : 0;
}

/* A new inode for node n (copied) numbered ino; NULL without memory. */
static struct inode *proc_make_inode(struct super_block *sb,
				     const struct proc_node *n, uint64_t ino)
{
	struct inode *inode = inode_alloc(sb);
	struct proc_node *copy = kmalloc(sizeof(*copy));
	uint32_t mode = proc_node_mode(n);

	if (!inode || !copy) {
		kfree(copy);
		if (inode)
			inode_free(inode);
		return NULL;
	}
	*copy = *n;
	inode->private_data = copy;
	inode->ino = ino;
	inode->mode = mode;
	inode->ops = &proc_inode_ops;
	inode->size = 0;
	if (S_ISDIR(mode)) {
		inode->fops = &proc_dir_ops;
		inode->nlink = 2;
	} else if (S_ISREG(mode)) {
		inode->fops = &proc_file_ops;
	}
	if (n->tid)
		proc_set_owner(inode, n);
	return inode;
}

/* ---- directories ---- */

/* The fixed child of dir named name, as a node; false if none. */
static bool proc_find_child(const struct proc_node *dir, const char *name,
			    size_t len, struct proc_node *child)
{
	const struct proc_entry *e = dir->entry;
	size_t nr = e->children ? e->children->nr : 0;

	for (size_t i = 0; i < nr; i++) {
		const struct proc_entry *c = &e->children->entries[i];

		if (c->present && !c->present())
			continue;
		if (kstrlen(c->name) == len && !kmemcmp(c->name, name, len)) {
			*child = *dir;
			child->entry = c;
			child->fd = -1;
			child->mode = 0;
			return true;
		}
	}
	return e->dyn && e->dyn->lookup(dir, name, len, child);
}

static int proc_lookup(struct inode *dir, struct dentry *d)
{
	const struct proc_node *n = node_of(dir);
	struct proc_node child;
	struct inode *inode;

	if (n->tid && !proc_node_task(n))
		return 0;
	if (!proc_find_child(n, d->name.name, d->name.len, &child))
		return 0;
	inode = proc_make_inode(dir->sb, &child,
				proc_ino(dir->ino, d->name.name, d->name.len));
	if (!inode)
		return -ENOMEM;
	d_instantiate(d, inode);
	return 0;
}

/*
 * Cookies: 0 and 1 are the dots, 2.. the fixed children, then the
 * dynamic children at 2 + nr_children + key.
 */
static int proc_readdir(struct file *f, struct dir_ctx *ctx)
{
	const struct proc_node *n = node_of(f->inode);
	const struct proc_entry *e = n->entry;
	size_t nr = e->children ? e->children->nr : 0;
	uint64_t dyn_base = PROC_FIRST_CHILD_COOKIE + nr;
	char name[PROC_NAME_MAX];

	if (n->tid && !proc_node_task(n))
		return -ENOENT;
	if (!dir_emit_dots(f, ctx))
		return 0;
	while (ctx->pos < dyn_base) {
		const struct proc_entry *c =
			&e->children
				 ->entries[ctx->pos - PROC_FIRST_CHILD_COOKIE];
		size_t len = kstrlen(c->name);

		if (c->present && !c->present()) {
			ctx->pos++;
			continue;
		}
		if (!ctx->emit(ctx, c->name, len,
			       proc_ino(f->inode->ino, c->name, len),
			       VFS_DTYPE(c->mode)))
			return 0;
		ctx->pos++;
	}
	while (e->dyn) {
		struct proc_node child;
		int64_t key = e->dyn->next(n, ctx->pos - dyn_base, &child, name,
					   sizeof(name));
		size_t len;

		if (key < 0)
			break;
		len = kstrlen(name);
		if (!ctx->emit(ctx, name, len,
			       proc_ino(f->inode->ino, name, len),
			       VFS_DTYPE(proc_node_mode(&child))))
			return 0;
		ctx->pos = dyn_base + (uint64_t)key + 1;
	}
	return 0;
}

static const struct file_ops proc_dir_ops = {
	.readdir = proc_readdir,
	.llseek = vfs_default_llseek,
};

/* ---- symlinks and attributes ---- */

static long proc_readlink(struct dentry *d, char *buf, size_t size)
{
	const struct proc_node *n = node_of(d->inode);

	if (!n->entry->readlink)
		return -EINVAL;
	if (n->tid && !proc_node_task(n))
		return -ENOENT;
	return n->entry->readlink(n, buf, size);
}

/* Like Linux: modes are fixed; other attribute changes are ignored. */
static int proc_setattr(struct dentry *d, const struct iattr *attr)
{
	if (attr->valid & ATTR_MODE)
		return -EPERM;
	return 0;
}

static const struct inode_ops proc_inode_ops = {
	.lookup = proc_lookup,
	.readlink = proc_readlink,
	.setattr = proc_setattr,
};

/* ---- regular files ---- */

/* Regenerate the text of f's file into a new snapshot. */
static int proc_snapshot(struct file *f)
{
	const struct proc_node *n = node_of(f->inode);
	struct proc_buf *b;
	int err;

	if (!n->entry->show)
		return -EINVAL;
	if (n->tid && !proc_node_task(n))
		return -ESRCH;
	b = kmalloc(sizeof(*b));
	if (!b)
		return -ENOMEM;
	pbuf_init(b);
	err = n->entry->show(n, b);
	if (!err && b->overflow && b->len == 0)
		err = -ENOMEM;
	if (err) {
		pbuf_free(b);
		kfree(b);
		return err;
	}
	if (f->private_data) {
		pbuf_free(f->private_data);
		kfree(f->private_data);
	}
	f->private_data = b;
	return 0;
}

static long proc_file_read(struct file *f, struct uio *u, uint64_t *pos)
{
	struct proc_buf *b;
	size_t n;

	if (*pos == 0 || !f->private_data) {
		int err = proc_snapshot(f);

		if (err)
			return err;
	}
	b = f->private_data;
	if (*pos >= b->len)
		return 0;
	n = (size_t)MIN((uint64_t)u->len, b->len - *pos);
	if (uio_copy_out(u, b->data + *pos, n))
		return -EFAULT;
	*pos += n;
	return (long)n;
}

static long proc_file_write(struct file *f, struct uio *u, uint64_t *pos)
{
	const struct proc_node *n = node_of(f->inode);
	size_t len = MIN(u->len, (size_t)PROC_WRITE_MAX);
	char *buf;
	long ret;

	if (!n->entry->write)
		return -EINVAL;
	if (n->tid && !proc_node_task(n))
		return -ESRCH;
	buf = kmalloc(len + 1);
	if (!buf)
		return -ENOMEM;
	ret = -EFAULT;
	if (uio_copy_in(u, buf, len))
		goto out_free;
	buf[len] = '\0';
	ret = n->entry->write(n, buf, len);
	if (ret > 0)
		*pos += (uint64_t)ret;
out_free:
	kfree(buf);
	return ret;
}

static void proc_file_release(struct file *f)
{
	if (f->private_data) {
		pbuf_free(f->private_data);
		kfree(f->private_data);
		f->private_data = NULL;
	}
}

static const struct file_ops proc_file_ops = {
	.read = proc_file_read,
	.write = proc_file_write,
	.release = proc_file_release,
	.llseek = vfs_default_llseek,
};

/* ---- super block ---- */

/* A cached dentry still names the same task (and fd); refresh owners. */
static bool proc_revalidate(struct dentry *d)
{
	const struct proc_node *n;
	struct task *t;

	if (!d->inode)
		return false;
	n = node_of(d->inode);
	if (!n || !n->tid)
		return true;
	t = proc_node_task(n);
	if (!t)
		return false;
	if (n->fd >= 0 && (!t->files || !files_lookup(t->files, n->fd)))
		return false;
	proc_set_owner(d->inode, n);
	return true;
}

static void proc_inode_release(struct inode *inode)
{
	kfree(inode->private_data);
	inode->private_data = NULL;
	inode_free(inode);
}

static int proc_statfs(struct super_block *sb, struct kstatfs *st)
{
	st->bsize = PAGE_SIZE;
	st->frsize = PAGE_SIZE;
	st->namelen = 255;
	return 0;
}

static const struct super_ops proc_super_ops = {
	.statfs = proc_statfs,
	.inode_release = proc_inode_release,
	.revalidate = proc_revalidate,
};

static struct super_block *proc_mount(const struct fs_type *type,
				      const char *source, unsigned long flags,
				      const char *data)
{
	struct proc_node root = { .entry = &proc_root_entry, .fd = -1 };
	struct super_block *sb =
		sb_alloc(type, &proc_super_ops, PROC_SUPER_MAGIC);
	struct inode *inode;

	if (!sb)
		return ERR_PTR(-ENOMEM);
	sb->flags |= SB_NOCACHE;
	inode = proc_make_inode(sb, &root, PROC_ROOT_INO);
	if (!inode)
		goto out_sb;
	sb->root = d_make_root(inode);
	if (!sb->root)
		goto out_sb;
	return sb;
out_sb:
	kfree(sb);
	return ERR_PTR(-ENOMEM);
}

static const struct fs_type proc_fs_type = {
	.name = "proc",
	.mount = proc_mount,
	.nodev = true,
};

void proc_random_uuid(char *buf, size_t size)
{
	uint8_t id[16];

	random_bytes(id, sizeof(id));
	ksnprintf(buf, size,
		  "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		  "%02x%02x%02x%02x%02x%02x",
		  id[0], id[1], id[2], id[3], id[4], id[5],
		  (id[6] & 0x0f) | 0x40, id[7], (id[8] & 0x3f) | 0x80, id[9],
		  id[10], id[11], id[12], id[13], id[14], id[15]);
}

int procfs_init(void)
{
	proc_random_uuid(procfs.boot_id, sizeof(procfs.boot_id));
	return fs_type_register(&proc_fs_type);
}

void procfs_set_cmdline(const char *cmdline)
{
	char *copy = kstrdup(cmdline ? cmdline : "");

	if (!copy)
		return;
	kfree(procfs.cmdline);
	procfs.cmdline = copy;
}

void procfs_set_sysrq_handler(void (*fn)(char key))
{
	procfs.sysrq = fn;
}

void procfs_set_mconsole_handler(long (*fn)(const char *buf, size_t len))
{
	procfs.mconsole = fn;
}
