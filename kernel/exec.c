/*
 * execve: loading static and dynamic ELF programs and #! scripts.
 *
 * Arguments and environment are copied into the kernel before the old
 * image is torn down, so a failure before the point of no return leaves
 * the caller intact. The new image gets its segments mapped eagerly, a
 * stack with argv, envp and the auxiliary vector as Linux lays it out, and
 * the host vDSO as AT_SYSINFO_EHDR (so clock_gettime needs no trap).
 * A copy of the auxiliary vector stays in the mm for /proc/PID/auxv.
 *
 * Programs, #! interpreters and ELF interpreters are opened like Linux's
 * open_exec: a regular file with an x bit on a mount without noexec; read
 * permission is not needed. execveat resolves the program relative to a
 * directory fd, or takes the fd itself (AT_EMPTY_PATH); the name the new
 * image sees (AT_EXECFN, a script interpreter's argument) is then
 * "/dev/fd/N/path" or "/dev/fd/N" as in Linux.
 */
#include <asm/signal.h>
#include <linux/auxvec.h>
#include <linux/binfmts.h>
#include <linux/elf.h>
#include <linux/fcntl.h>
#include <linux/limits.h>
#include <linux/mman.h>

#include "arch.h"
#include "err.h"
#include "futex.h"
#include "klib.h"
#include "ktime.h"
#include "mm.h"
#include "printk.h"
#include "proc.h"
#include "random.h"
#include "sched.h"
#include "signal.h"
#include "syscall.h"
#include "task.h"
#include "vfs.h"

#define STACK_TOP 0x7ffffffff000ULL
#define STACK_INITIAL (128 * 1024)
#define ET_DYN_BASE 0x555555554000ULL
#define ARGS_MAX (2 * 1024 * 1024)
#define MAX_PHDRS 64
#define MAX_SHEBANG_DEPTH 4
#define SHEBANG_MAX 256
#define HWCAP_X86 0x178bfbffULL

/* A flat list of NUL-terminated strings (argv or envp). */
struct strlist {
	char *data;
	size_t len, cap;
	int count;
};

static int strlist_add(struct strlist *l, const char *s, size_t n)
{
	if (l->len + n + 1 > ARGS_MAX)
		return -E2BIG;
	if (l->len + n + 1 > l->cap) {
		size_t cap = MAX(l->cap * 2, l->len + n + 1 + 4096);
		char *d = krealloc(l->data, cap);

		if (!d)
			return -ENOMEM;
		l->data = d;
		l->cap = cap;
	}
	kmemcpy(l->data + l->len, s, n);
	l->data[l->len + n] = '\0';
	l->len += n + 1;
	l->count++;
	return 0;
}

static int strlist_from_user(struct strlist *l, uaddr_t uvec)
{
	char *buf;
	int err = 0;

	if (!uvec)
		return 0;
	buf = kmalloc(MAX_ARG_STRLEN);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		uint64_t p;
		long n;

		if (copy_from_user(&p, uvec, sizeof(p))) {
			err = -EFAULT;
			break;
		}
		if (!p)
			break;
		n = strncpy_from_user(buf, p, MAX_ARG_STRLEN);
		if (n < 0) {
			err = n == -ENAMETOOLONG ? -E2BIG : (int)n;
			break;
		}
		err = strlist_add(l, buf, (size_t)n);
		if (err)
			break;
		uvec += sizeof(p);
	}
	kfree(buf);
	return err;
}

static void strlist_free(struct strlist *l)
{
	kfree(l->data);
	*l = (struct strlist){ 0 };
}

/* Put s (and then the rest of old from index skip) into a new list. */
static int strlist_prepend(struct strlist *l, const char *const *front,
			   int nfront, int skip)
{
	struct strlist n = { 0 };
	const char *p = l->data;
	int i, err = 0;

	for (i = 0; i < nfront && !err; i++)
		err = strlist_add(&n, front[i], kstrlen(front[i]));
	for (i = 0; i < l->count && !err; i++) {
		size_t len = kstrlen(p);

		if (i >= skip)
			err = strlist_add(&n, p, len);
		p += len + 1;
	}
	if (err) {
		strlist_free(&n);
		return err;
	}
	strlist_free(l);
	*l = n;
	return 0;
}

struct elf_image {
	struct file *file;
	Elf64_Ehdr eh;
	Elf64_Phdr ph[MAX_PHDRS];
};

static int elf_read(struct file *f, struct elf_image *img)
{
	size_t phsize;

	img->file = f;
	if (kernel_read(f, &img->eh, sizeof(img->eh), 0) != sizeof(img->eh))
		return -ENOEXEC;
	if (kmemcmp(img->eh.e_ident, ELFMAG, SELFMAG) ||
	    img->eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    img->eh.e_ident[EI_DATA] != ELFDATA2LSB ||
	    img->eh.e_machine != EM_X86_64 ||
	    (img->eh.e_type != ET_EXEC && img->eh.e_type != ET_DYN) ||
	    img->eh.e_phentsize != sizeof(Elf64_Phdr) || img->eh.e_phnum == 0 ||
	    img->eh.e_phnum > MAX_PHDRS)
		return -ENOEXEC;
	phsize = img->eh.e_phnum * sizeof(Elf64_Phdr);
	if (kernel_read(f, img->ph, phsize, img->eh.e_phoff) != (long)phsize)
		return -ENOEXEC;
	return 0;
}

static unsigned int elf_vmflags(uint32_t pflags)
{
	return (pflags & PF_R ? VM_READ : 0) | (pflags & PF_W ? VM_WRITE : 0) |
	       (pflags & PF_X ? VM_EXEC : 0);
}

/* Span of the PT_LOAD segments: [*lo, *hi) in ELF addresses. */
static int elf_span(const struct elf_image *img, uint64_t *lo, uint64_t *hi)
{
	int i, n = 0;

	*lo = UINT64_MAX;
	*hi = 0;
	for (i = 0; i < img->eh.e_phnum; i++) {
		const Elf64_Phdr *p = &img->ph[i];

		if (p->p_type != PT_LOAD)
			continue;
		if (p->p_filesz > p->p_memsz ||
		    p->p_vaddr + p->p_memsz < p->p_vaddr ||
		    (p->p_vaddr & ~PAGE_MASK) != (p->p_offset & ~PAGE_MASK))
			return -ENOEXEC;
		*lo = MIN(*lo, ALIGN_DOWN(p->p_vaddr, PAGE_SIZE));
		*hi = MAX(*hi, ALIGN_UP(p->p_vaddr + p->p_memsz, PAGE_SIZE));
		n++;
	}
	return n ? 0 : -ENOEXEC;
}

/*
 * Map every PT_LOAD of img at bias (0 chooses one for ET_DYN). Sets
 * *bias_out and *brk_out (end of the highest segment).
 */
static int elf_map(struct mm *mm, struct elf_image *img, uint64_t base,
		   uint64_t *bias_out, uint64_t *brk_out)
{
	uint64_t lo, hi, bias = 0, brk = 0;
	int i, err;
	long r;

	err = elf_span(img, &lo, &hi);
	if (err)
		return err;
	if (img->eh.e_type == ET_DYN) {
		r = mm_map(mm, base, hi - lo, 0, base ? MAP_FIXED_NOREPLACE : 0,
			   NULL, 0, NULL);
		if (r < 0)
			return (int)r;
		bias = (uint64_t)r - lo;
	}
	for (i = 0; i < img->eh.e_phnum; i++) {
		const Elf64_Phdr *p = &img->ph[i];
		uint64_t vaddr = bias + p->p_vaddr;
		uint64_t start = ALIGN_DOWN(vaddr, PAGE_SIZE);
		uint64_t fend = vaddr + p->p_filesz;
		uint64_t mend = ALIGN_UP(vaddr + p->p_memsz, PAGE_SIZE);
		uint64_t fpage_end = ALIGN_UP(fend, PAGE_SIZE);
		unsigned int vmf = elf_vmflags(p->p_flags);

		if (p->p_type != PT_LOAD)
			continue;
		if (p->p_filesz) {
			r = mm_map(mm, start, fpage_end - start, vmf,
				   MAP_FIXED | MAP_PRIVATE, img->file,
				   ALIGN_DOWN(p->p_offset, PAGE_SIZE) /
					   PAGE_SIZE,
				   NULL);
			if (r < 0)
				return (int)r;
			err = mm_populate(mm, start, fpage_end);
			if (err)
				return err;
			/* The bytes past filesz in the last page are bss. */
			if ((fend & ~PAGE_MASK) && p->p_memsz > p->p_filesz) {
				static const char zeros[PAGE_SIZE];

				err = mm_copy_to(mm, fend, zeros,
						 fpage_end - fend);
				if (err)
					return err;
			}
		} else {
			fpage_end = start;
		}
		if (mend > fpage_end) {
			r = mm_map(mm, fpage_end, mend - fpage_end, vmf,
				   MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS,
				   NULL, 0, NULL);
			if (r < 0)
				return (int)r;
			/*
			 * Start-up code writes the bss at once: bring in its
			 * first page (and, by fault-around, its neighbours)
			 * now rather than in faults.
			 */
			if (vmf & VM_WRITE)
				mm_populate(mm, fpage_end,
					    fpage_end + PAGE_SIZE);
		}
		brk = MAX(brk, mend);
	}
	*bias_out = bias;
	*brk_out = brk;
	return 0;
}

static uint64_t elf_phdr_addr(const struct elf_image *img, uint64_t bias)
{
	int i;

	for (i = 0; i < img->eh.e_phnum; i++)
		if (img->ph[i].p_type == PT_PHDR)
			return bias + img->ph[i].p_vaddr;
	for (i = 0; i < img->eh.e_phnum; i++) {
		const Elf64_Phdr *p = &img->ph[i];

		if (p->p_type == PT_LOAD && p->p_offset <= img->eh.e_phoff &&
		    img->eh.e_phoff < p->p_offset + p->p_filesz)
			return bias + p->p_vaddr + img->eh.e_phoff -
			       p->p_offset;
	}
	return 0;
}

struct exec_ctx {
	const char *filename; /* AT_EXECFN and what a #! interpreter gets */
	struct strlist argv, envp;
	struct file *file;
	struct elf_image *exe;
	struct elf_image *interp;
	bool comm_from_dentry; /* fexecve: comm is the file's own name */
	bool path_inaccessible; /* filename names an O_CLOEXEC fd: no #! */
};

/* Lay out strings, pointers and auxv on the new stack; returns rsp. */
static long build_stack(struct mm *mm, struct exec_ctx *x, uint64_t bias,
			uint64_t interp_bias, uint64_t entry)
{
	size_t fnlen = kstrlen(x->filename) + 1;
	size_t strs = x->argv.len + x->envp.len + fnlen;
	uint64_t strbase = ALIGN_DOWN(STACK_TOP - 16 - strs, 16);
	uint64_t platform = strbase - 16, random = platform - 16;
	uint64_t auxv[MM_AUXV_WORDS];
	int na = 0, words, i;
	uint64_t sp, *vec, p;
	uint8_t rnd[16];
	const char *s;
	int err;

#define AUX(k, v)                           \
	do {                                \
		auxv[na++] = (k);           \
		auxv[na++] = (uint64_t)(v); \
	} while (0)
	AUX(AT_SYSINFO_EHDR, mm->vdso_base);
	AUX(AT_MINSIGSTKSZ, 2048);
	AUX(AT_HWCAP, HWCAP_X86);
	AUX(AT_PAGESZ, PAGE_SIZE);
	AUX(AT_CLKTCK, 100);
	AUX(AT_PHDR, elf_phdr_addr(x->exe, bias));
	AUX(AT_PHENT, sizeof(Elf64_Phdr));
	AUX(AT_PHNUM, x->exe->eh.e_phnum);
	AUX(AT_BASE, interp_bias);
	AUX(AT_FLAGS, 0);
	AUX(AT_ENTRY, bias + x->exe->eh.e_entry);
	AUX(AT_UID, current->cred.uid);
	AUX(AT_EUID, current->cred.euid);
	AUX(AT_GID, current->cred.gid);
	AUX(AT_EGID, current->cred.egid);
	AUX(AT_SECURE, 0);
	AUX(AT_RANDOM, random);
	AUX(AT_HWCAP2, 0);
	AUX(AT_EXECFN, strbase + x->argv.len + x->envp.len);
	AUX(AT_PLATFORM, platform);
	AUX(AT_NULL, 0);
#undef AUX
	(void)entry;
	kmemset(mm->saved_auxv, 0, sizeof(mm->saved_auxv));
	kmemcpy(mm->saved_auxv, auxv, (size_t)na * 8);
	words = 1 + x->argv.count + 1 + x->envp.count + 1 + na;
	sp = ALIGN_DOWN(random - (uint64_t)words * 8, 16);
	if (STACK_TOP - sp > ARGS_MAX + STACK_INITIAL)
		return -E2BIG;
	vec = kmalloc((size_t)words * 8);
	if (!vec)
		return -ENOMEM;
	i = 0;
	vec[i++] = (uint64_t)x->argv.count;
	p = strbase;
	for (s = x->argv.data; s < x->argv.data + x->argv.len;) {
		size_t len = kstrlen(s) + 1;

		vec[i++] = p;
		s += len;
		p += len;
	}
	vec[i++] = 0;
	for (s = x->envp.data; s < x->envp.data + x->envp.len;) {
		size_t len = kstrlen(s) + 1;

		vec[i++] = p;
		s += len;
		p += len;
	}
	vec[i++] = 0;
	kmemcpy(&vec[i], auxv, (size_t)na * 8);
	random_bytes(rnd, sizeof(rnd));
	err = mm_copy_to(mm, sp, vec, (size_t)words * 8);
	kfree(vec);
	if (!err)
		err = mm_copy_to(mm, random, rnd, sizeof(rnd));
	if (!err)
		err = mm_copy_to(mm, platform, "x86_64", 7);
	if (!err && x->argv.len)
		err = mm_copy_to(mm, strbase, x->argv.data, x->argv.len);
	if (!err && x->envp.len)
		err = mm_copy_to(mm, strbase + x->argv.len, x->envp.data,
				 x->envp.len);
	if (!err)
		err = mm_copy_to(mm, strbase + x->argv.len + x->envp.len,
				 x->filename, fnlen);
	mm->arg_start = strbase;
	mm->arg_end = strbase + x->argv.len;
	mm->env_start = mm->arg_end;
	mm->env_end = mm->env_start + x->envp.len;
	return err ? err : (long)sp;
}

/* Kill the other threads of the group before replacing the image. */
static void exec_kill_threads(struct task *t)
{
	struct task *leader = task_leader(t), *th;

	if (t->group->nr_threads == 1)
		return;
	t->group->exec_task = t;
	if (leader != t)
		send_sig_task(leader, SIGKILL, NULL);
	list_for_each_entry(th, &leader->threads, thread_link)
		if (th != t)
			send_sig_task(th, SIGKILL, NULL);
	while (t->group->nr_threads > 1) {
		t->state = TASK_UNINTERRUPTIBLE;
		wake_up_process(t);
		schedule();
	}
	t->group->exec_task = NULL;
}

/* Give current a fresh address space if it shares one (vfork, threads). */
static int exec_mm(struct task *t)
{
	struct mm *mm;

	if (t->mm->refs == 1) {
		mm_clear(t->mm);
		t->mm->fpu_owner = NULL;
		return 0;
	}
	mm = mm_create();
	if (IS_ERR(mm))
		return (int)PTR_ERR(mm);
	if (t->mm->fpu_owner == t)
		t->mm->fpu_owner = NULL;
	mm_put(t->mm);
	t->mm = mm;
	if (t->vfork_parent) {
		t->vfork_parent->vfork_done = true;
		wake_up_process(t->vfork_parent);
		t->vfork_parent = NULL;
	}
	return 0;
}

static void exec_reset_fpu(struct task *t)
{
	kmemset(&t->fpregs, 0, sizeof(t->fpregs));
	t->fpregs.cwd = 0x37f;
	t->fpregs.mxcsr = 0x1f80;
	t->fpregs.mxcsr_mask = 0xffff;
	t->fpregs_valid = true;
	t->fpregs_dirty = true;
}

/*
 * /proc/PID/exe: the absolute path of the program that runs (for a script,
 * its interpreter), as Linux reports it; static glibc relies on it.
 */
static void set_exe_path(struct task *t, struct file *f)
{
	char *buf = kmalloc(PATH_MAX);
	char *path = buf ? file_path(f, buf, PATH_MAX) : NULL;

	kfree(t->exe_path);
	t->exe_path = IS_ERR_OR_NULL(path) ? NULL : kstrdup(path);
	kfree(buf);
}

/*
 * comm is the last component of the name executed; for fexecve, whose
 * name "/dev/fd/N" says nothing, the name of the file run (as Linux 6.18).
 */
static void exec_set_comm(struct task *t, const struct exec_ctx *x)
{
	const char *base = kstrrchr(x->filename, '/');
	const struct dentry *d = x->file->dentry;

	if (x->comm_from_dentry && d) {
		kmemset(t->comm, 0, sizeof(t->comm));
		kmemcpy(t->comm, d->name.name,
			MIN(d->name.len, sizeof(t->comm) - 1));
		return;
	}
	kstrlcpy(t->comm, base ? base + 1 : x->filename, sizeof(t->comm));
}

/* Past the point of no return: replace current's image. */
static int exec_commit(struct exec_ctx *x)
{
	struct task *t = current;
	uint64_t bias = 0, brk = 0, ibias = 0, ibrk = 0, entry;
	struct mm *mm;
	long sp;
	int err;

	exec_kill_threads(t);
	/* Robust and PI locks of the old image are released as at exit. */
	if (t->robust_list)
		futex_exit_robust(t);
	futex_exit_pi(t);
	t->robust_list = 0;
	err = exec_mm(t);
	if (err)
		return err;
	mm = t->mm;
	err = elf_map(mm, x->exe, x->exe->eh.e_type == ET_DYN ? ET_DYN_BASE : 0,
		      &bias, &brk);
	if (err)
		return err;
	entry = bias + x->exe->eh.e_entry;
	if (x->interp) {
		err = elf_map(mm, x->interp, 0, &ibias, &ibrk);
		if (err)
			return err;
		entry = ibias + x->interp->eh.e_entry;
	}
	mm->brk_start = mm->brk = brk;
	mm->start_code = bias;
	mm->end_code = brk;
	sp = mm_map(mm, STACK_TOP - STACK_INITIAL, STACK_INITIAL,
		    VM_READ | VM_WRITE | VM_GROWSDOWN, MAP_FIXED, NULL, 0,
		    "[stack]");
	if (sp < 0)
		return (int)sp;
	mm->stack_top = STACK_TOP;
	sp = build_stack(mm, x, bias, ibias, entry);
	if (sp < 0)
		return (int)sp;
	os_regs_template(&t->regs);
	t->regs.rip = entry;
	t->regs.rsp = (uint64_t)sp;
	exec_reset_fpu(t);
	signal_exec_reset(t);
	posix_timers_exit(t->group);
	files_close_on_exec(t->files);
	t->clear_child_tid = 0;
	exec_set_comm(t, x);
	set_exe_path(t, x->file);
	return 0;
}

/* Parse "#!interp [arg]" into the argument list. */
static int load_script(struct exec_ctx *x, const char *head, size_t n,
		       char **interp_out)
{
	char line[SHEBANG_MAX];
	char *p, *end, *arg = NULL;
	const char *front[3];
	int nf = 0, err;

	n = MIN(n, sizeof(line) - 1);
	kmemcpy(line, head, n);
	line[n] = '\0';
	end = kstrchr(line, '\n');
	if (!end)
		return -ENOEXEC;
	*end = '\0';
	for (p = line + 2; *p == ' ' || *p == '\t'; p++)
		;
	if (!*p)
		return -ENOEXEC;
	for (end = p; *end && *end != ' ' && *end != '\t'; end++)
		;
	if (*end) {
		*end++ = '\0';
		while (*end == ' ' || *end == '\t')
			end++;
		if (*end) {
			char *tail = end + kstrlen(end);

			while (tail > end &&
			       (tail[-1] == ' ' || tail[-1] == '\t'))
				*--tail = '\0';
			arg = end;
		}
	}
	*interp_out = kstrdup(p);
	if (!*interp_out)
		return -ENOMEM;
	front[nf++] = p;
	if (arg)
		front[nf++] = arg;
	front[nf++] = x->filename;
	err = strlist_prepend(&x->argv, front, nf, 1);
	return err;
}

/*
 * Open a program for exec, like Linux's open_exec: name relative to dfd
 * (AT_FDCWD, or a directory fd), or with AT_EMPTY_PATH and "" the file
 * at dfd itself (any fd naming a file, O_PATH included). A final symlink
 * fails with -ELOOP under AT_SYMLINK_NOFOLLOW; anything but a regular
 * file, a noexec mount or a missing x bit with -EACCES. Returns a file
 * open for reading (read permission is not required) or an ERR_PTR.
 */
static struct file *exec_open(int dfd, const char *name, int at_flags)
{
	unsigned int lookup = (at_flags & AT_SYMLINK_NOFOLLOW) ? 0 :
								 LOOKUP_FOLLOW;
	struct path p;
	struct file *f;
	int err;

	if (at_flags & AT_EMPTY_PATH)
		lookup |= LOOKUP_EMPTY;
	err = vfs_path_lookup(dfd, name, lookup, &p);
	/* An fd of no file system object (a pipe) is no program either. */
	if (err == -ENOTDIR && !*name)
		err = -EACCES;
	if (err)
		return ERR_PTR(err);
	if (S_ISLNK(p.dentry->inode->mode))
		err = -ELOOP;
	else if (!S_ISREG(p.dentry->inode->mode))
		err = -EACCES;
	if (err)
		goto out_path;
	f = vfs_open_path(&p, O_RDONLY | O_LARGEFILE);
	path_put(&p);
	if (IS_ERR(f))
		return f;
	err = file_permission_exec(f);
	if (err) {
		file_put(f);
		return ERR_PTR(err);
	}
	return f;

out_path:
	path_put(&p);
	return ERR_PTR(err);
}

static int exec_elf(struct exec_ctx *x, struct file *f, struct elf_image *exe,
		    struct elf_image *interp);

/* Run the program open in f (ELF or #!); consumes the reference. */
static int exec_file(struct exec_ctx *x, struct file *f, int depth)
{
	struct elf_image *images;
	char head[SHEBANG_MAX];
	long n;
	int err;

	if (depth > MAX_SHEBANG_DEPTH) {
		err = -ELOOP;
		goto out_put;
	}
	n = kernel_read(f, head, sizeof(head), 0);
	if (n < 0) {
		err = (int)n;
		goto out_put;
	}
	if (n >= 2 && head[0] == '#' && head[1] == '!') {
		struct file *inf;
		char *ipath;

		/* The interpreter could not open the script by its name. */
		err = -ENOENT;
		if (x->path_inaccessible)
			goto out_put;
		err = load_script(x, head, (size_t)n, &ipath);
		if (err)
			goto out_put;
		file_put(f);
		inf = exec_open(AT_FDCWD, ipath, 0);
		kfree(ipath);
		if (IS_ERR(inf))
			return (int)PTR_ERR(inf);
		return exec_file(x, inf, depth + 1);
	}
	images = kmalloc(2 * sizeof(*images));
	if (!images) {
		err = -ENOMEM;
		goto out_put;
	}
	err = exec_elf(x, f, &images[0], &images[1]);
	kfree(images);
	return err;

out_put:
	file_put(f);
	return err;
}

/* Load the ELF file f (and its interpreter); consumes the reference. */
static int exec_elf(struct exec_ctx *x, struct file *f, struct elf_image *exe,
		    struct elf_image *interp)
{
	int err, i;

	err = elf_read(f, exe);
	if (err)
		goto out_put;
	x->exe = exe;
	x->interp = NULL;
	for (i = 0; i < exe->eh.e_phnum; i++) {
		char ipath[PATH_MAX];
		struct file *inf;
		uint64_t len = exe->ph[i].p_filesz;

		if (exe->ph[i].p_type != PT_INTERP)
			continue;
		if (len < 2 || len >= sizeof(ipath)) {
			err = -ENOEXEC;
			goto out_put;
		}
		if (kernel_read(f, ipath, len, exe->ph[i].p_offset) !=
		    (long)len) {
			err = -ENOEXEC;
			goto out_put;
		}
		ipath[len - 1] = '\0';
		inf = exec_open(AT_FDCWD, ipath, 0);
		if (IS_ERR(inf)) {
			err = (int)PTR_ERR(inf);
			goto out_put;
		}
		err = elf_read(inf, interp);
		if (err) {
			file_put(inf);
			goto out_put;
		}
		x->interp = interp;
		break;
	}
	x->file = f;
	err = exec_commit(x);
	if (x->interp)
		file_put(x->interp->file);
	file_put(f);
	if (err) {
		printk(KERN_ERR "execve of %s failed after the point of no "
				"return: %d\n",
		       x->filename, err);
		do_group_exit(SIGSEGV);
	}
	return 0;

out_put:
	file_put(f);
	return err;
}

int do_execve(const char *path, char *const argv[], char *const envp[])
{
	struct exec_ctx x = { .filename = path };
	struct file *f;
	int i, err = 0;

	for (i = 0; argv && argv[i] && !err; i++)
		err = strlist_add(&x.argv, argv[i], kstrlen(argv[i]));
	for (i = 0; envp && envp[i] && !err; i++)
		err = strlist_add(&x.envp, envp[i], kstrlen(envp[i]));
	if (!err) {
		f = exec_open(AT_FDCWD, path, 0);
		err = IS_ERR(f) ? (int)PTR_ERR(f) : exec_file(&x, f, 0);
	}
	strlist_free(&x.argv);
	strlist_free(&x.envp);
	return err;
}

/*
 * The name the new image is run by, as Linux's alloc_bprm makes it: the
 * path itself when absolute or relative to the cwd, else "/dev/fd/N/path"
 * (or "/dev/fd/N" for AT_EMPTY_PATH). Sets the fexecve flags of x. A new
 * kmalloc'd string, or NULL when memory runs out.
 */
static char *exec_filename(struct exec_ctx *x, int dfd, const char *path)
{
	size_t size = kstrlen(path) + sizeof("/dev/fd/-2147483648/");
	char *name;

	if (dfd == AT_FDCWD || path[0] == '/')
		return kstrdup(path);
	name = kmalloc(size);
	if (!name)
		return NULL;
	if (path[0]) {
		ksnprintf(name, size, "/dev/fd/%d/%s", dfd, path);
	} else {
		ksnprintf(name, size, "/dev/fd/%d", dfd);
		x->comm_from_dentry = true;
	}
	x->path_inaccessible = files_cloexec(current->files, dfd);
	return name;
}

static long execve_user(int dfd, uaddr_t upath, uaddr_t uargv, uaddr_t uenvp,
			int flags)
{
	struct exec_ctx x = { 0 };
	char *path, *filename;
	struct file *f;
	int err;

	path = getname(upath, flags & AT_EMPTY_PATH);
	if (IS_ERR(path))
		return PTR_ERR(path);
	err = -EINVAL;
	if (flags & ~(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW))
		goto out_path;
	filename = exec_filename(&x, dfd, path);
	if (!filename) {
		err = -ENOMEM;
		goto out_path;
	}
	x.filename = filename;
	f = exec_open(dfd, path, flags);
	if (IS_ERR(f)) {
		err = (int)PTR_ERR(f);
		goto out_filename;
	}
	err = strlist_from_user(&x.argv, uargv);
	if (!err)
		err = strlist_from_user(&x.envp, uenvp);
	if (!err)
		err = exec_file(&x, f, 0);
	else
		file_put(f);
	strlist_free(&x.argv);
	strlist_free(&x.envp);
out_filename:
	kfree(filename);
out_path:
	kfree(path);
	return err;
}

SYSCALL3(execve, uaddr_t, upath, uaddr_t, uargv, uaddr_t, uenvp)
{
	return execve_user(AT_FDCWD, upath, uargv, uenvp, 0);
}

SYSCALL5(execveat, int, dfd, uaddr_t, upath, uaddr_t, uargv, uaddr_t, uenvp,
	 int, flags)
{
	return execve_user(dfd, upath, uargv, uenvp, flags);
}
