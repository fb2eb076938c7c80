/*
 * initramfs: unpack cpio archives (plain or gzip) into the root file
 * system through the VFS's kernel helpers.
 *
 * The format work is in fs/cpio.c and kernel/inflate.c; this file turns
 * entries into files. A bad archive stops the unpack with a message naming
 * its offset; an entry that cannot be created is reported and skipped, as
 * Linux does. Directory mtimes are set last, after their contents exist.
 */
#include <linux/fcntl.h>
#include <linux/stat.h>

#include "cpio.h"
#include "err.h"
#include "inflate.h"
#include "klib.h"
#include "list.h"
#include "printk.h"
#include "vfs.h"

#define INITRAMFS_MAX_UNPACKED (1ULL << 30)
#define INITRAMFS_PATH_MAX (CPIO_NAME_MAX + 2)
#define INITRAMFS_WRITE_CHUNK (1U << 20)
#define INITRAMFS_PARENT_MODE 0755

/* A regular file seen with nlink > 1, for later names of its inode. */
struct initramfs_hardlink {
	struct list_head link;
	uint32_t ino, devmajor, devminor;
	char *path;
};

struct initramfs_dir_time {
	struct list_head link;
	uint32_t mtime;
	char *path;
};

/* State of one initramfs_unpack call. */
struct initramfs_ctx {
	char *path; /* INITRAMFS_PATH_MAX bytes: the entry's absolute path */
	struct list_head hardlinks; /* of the current archive */
	struct list_head dir_times;
};

/*
 * Build "/name" in c->path from an archive name: leading "/" and "./" go,
 * trailing "/" too. Returns false for names to skip ("..", too long).
 */
static bool initramfs_make_path(struct initramfs_ctx *c, const char *name)
{
	size_t len;

	for (;;) {
		if (name[0] == '/')
			name++;
		else if (name[0] == '.' && name[1] == '/')
			name += 2;
		else
			break;
	}
	if (!kstrcmp(name, "."))
		name = "";
	c->path[0] = '/';
	if (kstrlcpy(c->path + 1, name, INITRAMFS_PATH_MAX - 1) >=
	    INITRAMFS_PATH_MAX - 1)
		return false;
	len = kstrlen(c->path);
	while (len > 1 && c->path[len - 1] == '/')
		c->path[--len] = '\0';
	for (const char *p = c->path; *p; p++)
		if (p[0] == '/' && p[1] == '.' && p[2] == '.' &&
		    (p[3] == '/' || !p[3]))
			return false;
	return true;
}

/* Create the directories a path implies; errors show up later. */
static void initramfs_make_parents(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		kern_mkdir(path, INITRAMFS_PARENT_MODE);
		*p = '/';
	}
}

static void initramfs_set_attrs(const char *path, const struct cpio_entry *e,
				bool mtime)
{
	kern_chown(path, e->uid, e->gid, false);
	kern_chmod(path, e->mode & 07777);
	if (mtime)
		kern_set_mtime(path, e->mtime);
}

static void initramfs_warn(const struct cpio_entry *e, const char *what,
			   int err)
{
	printk(KERN_WARNING "initramfs: cannot %s %s (offset %zu): %d\n", what,
	       e->name, e->offset, err);
}

static int initramfs_dir(struct initramfs_ctx *c, const struct cpio_entry *e)
{
	struct initramfs_dir_time *t;
	int err = kern_mkdir(c->path, e->mode & 07777);

	if (err && err != -EEXIST) {
		initramfs_warn(e, "create directory", err);
		return 0;
	}
	initramfs_set_attrs(c->path, e, false);
	t = kmalloc(sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->path = kstrdup(c->path);
	if (!t->path) {
		kfree(t);
		return -ENOMEM;
	}
	t->mtime = e->mtime;
	list_add(&t->link, &c->dir_times);
	return 0;
}

static struct initramfs_hardlink *
initramfs_find_link(struct initramfs_ctx *c, const struct cpio_entry *e)
{
	struct initramfs_hardlink *h;

	list_for_each_entry(h, &c->hardlinks, link)
		if (h->ino == e->ino && h->devmajor == e->devmajor &&
		    h->devminor == e->devminor)
			return h;
	return NULL;
}

/*
 * For nlink > 1: link to the first name of this inode if there was one
 * (returns 1), else remember this name (returns 0); -ENOMEM.
 */
static int initramfs_maybe_link(struct initramfs_ctx *c,
				const struct cpio_entry *e)
{
	struct initramfs_hardlink *h;
	int err;

	if (e->nlink < 2)
		return 0;
	h = initramfs_find_link(c, e);
	if (h) {
		kern_unlink(c->path);
		err = kern_link(h->path, c->path);
		if (err)
			initramfs_warn(e, "link", err);
		return err ? 0 : 1;
	}
	h = kmalloc(sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->path = kstrdup(c->path);
	if (!h->path) {
		kfree(h);
		return -ENOMEM;
	}
	h->ino = e->ino;
	h->devmajor = e->devmajor;
	h->devminor = e->devminor;
	list_add(&h->link, &c->hardlinks);
	return 0;
}

static int initramfs_file(struct initramfs_ctx *c, const struct cpio_entry *e)
{
	int linked = initramfs_maybe_link(c, e);
	int flags = O_WRONLY | O_CREAT | (linked == 1 ? 0 : O_TRUNC);
	uint32_t off = 0;
	struct file *f;

	if (linked < 0)
		return linked;
	f = vfs_open(c->path, flags, (int)(e->mode & 07777));
	if (IS_ERR(f)) {
		initramfs_warn(e, "create file", (int)PTR_ERR(f));
		return 0;
	}
	while (off < e->filesize) {
		size_t n = MIN(e->filesize - off, INITRAMFS_WRITE_CHUNK);
		long w = kernel_write(f, e->data + off, n, off);

		if (w <= 0) {
			initramfs_warn(e, "write", w ? (int)w : -EIO);
			break;
		}
		off += (uint32_t)w;
	}
	file_put(f);
	initramfs_set_attrs(c->path, e, true);
	return 0;
}

static int initramfs_symlink(struct initramfs_ctx *c,
			     const struct cpio_entry *e)
{
	char *target;
	int err;

	if (!e->filesize || e->filesize >= CPIO_NAME_MAX ||
	    kstrnlen((const char *)e->data, e->filesize) != e->filesize) {
		initramfs_warn(e, "use symlink target of", -EINVAL);
		return 0;
	}
	target = kstrndup((const char *)e->data, e->filesize);
	if (!target)
		return -ENOMEM;
	err = kern_symlink(target, c->path);
	if (err == -EEXIST && !kern_unlink(c->path))
		err = kern_symlink(target, c->path);
	kfree(target);
	if (err) {
		initramfs_warn(e, "create symlink", err);
		return 0;
	}
	kern_chown(c->path, e->uid, e->gid, false);
	return 0;
}

static int initramfs_node(struct initramfs_ctx *c, const struct cpio_entry *e)
{
	uint64_t rdev = MKDEV(e->rdevmajor, e->rdevminor);
	int err;

	err = kern_mknod(c->path, e->mode, rdev);
	if (err == -EEXIST && !kern_unlink(c->path))
		err = kern_mknod(c->path, e->mode, rdev);
	if (err) {
		initramfs_warn(e, "create node", err);
		return 0;
	}
	initramfs_set_attrs(c->path, e, true);
	return 0;
}

/* cpio_parse callback: create one entry. Only -ENOMEM stops the unpack. */
static int initramfs_entry(const struct cpio_entry *e, void *ctx)
{
	struct initramfs_ctx *c = ctx;

	if (!initramfs_make_path(c, e->name)) {
		initramfs_warn(e, "use name", -EINVAL);
		return 0;
	}
	if (kstrcmp(c->path, "/"))
		initramfs_make_parents(c->path);
	switch (e->mode & S_IFMT) {
	case S_IFDIR:
		return initramfs_dir(c, e);
	case S_IFREG:
		return initramfs_file(c, e);
	case S_IFLNK:
		return initramfs_symlink(c, e);
	case S_IFCHR:
	case S_IFBLK:
	case S_IFIFO:
	case S_IFSOCK:
		return initramfs_node(c, e);
	default:
		initramfs_warn(e, "handle file type of", -EINVAL);
		return 0;
	}
}

static void initramfs_forget_links(struct initramfs_ctx *c)
{
	struct initramfs_hardlink *h, *tmp;

	list_for_each_entry_safe(h, tmp, &c->hardlinks, link) {
		list_del(&h->link);
		kfree(h->path);
		kfree(h);
	}
}

/* Set directory mtimes, deepest (most recent) first, and free the list. */
static void initramfs_set_dir_times(struct initramfs_ctx *c)
{
	struct initramfs_dir_time *t, *tmp;

	list_for_each_entry_safe(t, tmp, &c->dir_times, link) {
		kern_set_mtime(t->path, t->mtime);
		list_del(&t->link);
		kfree(t->path);
		kfree(t);
	}
}

static int initramfs_archive(struct initramfs_ctx *c, const uint8_t *p,
			     size_t len, size_t base, size_t *used,
			     const char *where)
{
	struct cpio_error cerr = { 0, NULL };
	int err;

	err = cpio_parse(p, len, base, initramfs_entry, c, used, &cerr);
	initramfs_forget_links(c);
	if (err == -EINVAL && cerr.what)
		printk(KERN_ERR "initramfs: %s at offset %zu%s\n", cerr.what,
		       cerr.offset, where);
	else if (err)
		printk(KERN_ERR "initramfs: unpacking failed at offset %zu%s: "
				"%d\n",
		       base, where, err);
	return err;
}

static int initramfs_stream(struct initramfs_ctx *c, const uint8_t *p,
			    size_t len, bool gzip_ok, const char *where);

/* Decompress the gzip members starting at p[*pos] and unpack the result. */
static int initramfs_gzip(struct initramfs_ctx *c, const uint8_t *p, size_t len,
			  size_t *pos)
{
	struct inflate_buf out = { .max = INITRAMFS_MAX_UNPACKED };
	char where[64];
	int err;

	ksnprintf(where, sizeof(where), " in data decompressed from offset %zu",
		  *pos);
	do {
		size_t used;

		err = gunzip_member(p + *pos, len - *pos, &used, &out);
		if (err) {
			printk(KERN_ERR "initramfs: %s in gzip data at offset "
					"%zu\n",
			       out.error ? out.error : "bad data", *pos);
			goto out_free;
		}
		*pos += used;
	} while (gzip_is_member(p + *pos, len - *pos));
	err = initramfs_stream(c, out.data, out.len, false, where);
out_free:
	kfree(out.data);
	return err == -ENOMEM ? err : (err ? -EINVAL : 0);
}

/*
 * Unpack a sequence of archives separated by zero bytes; with gzip_ok,
 * gzip members (whose output is such a sequence) too.
 */
static int initramfs_stream(struct initramfs_ctx *c, const uint8_t *p,
			    size_t len, bool gzip_ok, const char *where)
{
	size_t pos = 0, used;
	int err;

	while (pos < len) {
		if (!p[pos]) {
			pos++;
			continue;
		}
		if (cpio_is_header(p + pos, len - pos)) {
			err = initramfs_archive(c, p + pos, len - pos, pos,
						&used, where);
			if (err)
				return err;
			pos += used;
			continue;
		}
		if (gzip_ok && gzip_is_member(p + pos, len - pos)) {
			err = initramfs_gzip(c, p, len, &pos);
			if (err)
				return err;
			continue;
		}
		printk(KERN_ERR "initramfs: unknown data at offset %zu%s\n",
		       pos, where);
		return -EINVAL;
	}
	return 0;
}

int initramfs_unpack(const void *data, size_t len)
{
	struct initramfs_ctx c;
	int err;

	c.path = kmalloc(INITRAMFS_PATH_MAX);
	if (!c.path)
		return -ENOMEM;
	list_init(&c.hardlinks);
	list_init(&c.dir_times);
	err = initramfs_stream(&c, data, len, true, "");
	initramfs_set_dir_times(&c);
	kfree(c.path);
	return err;
}
