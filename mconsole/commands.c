/*
 * The mconsole commands, one table entry each, with UML's replies
 * (reference/uml-interop.md §3), and the device table that config and
 * remove dispatch to.
 *
 * Every handler answers its request at least once. Those that end the
 * machine (halt, reboot, cad, sysrq b) answer first, since they do not
 * return.
 */
#include <linux/fcntl.h>

#include "arch.h"
#include "err.h"
#include "klib.h"
#include "mconsole_internal.h"
#include "printk.h"
#include "sched.h"
#include "sysrq.h"
#include "utsname.h"
#include "vfs.h"

#define MC_MAX_DEVICES 8
#define MC_ERRBUF 256
#define MC_CONFIG_BUF 4096
/* The most of the log one sysrq reply carries. */
#define MC_SYSRQ_BUF (16 * 1024)
/* Read size of proc <file>. */
#define MC_PROC_BUF 4096
/* Text of one stack reply, and kernel frames it walks at most. */
#define MC_STACK_BUF 4096
#define MC_STACK_FRAMES 32

struct mc_devices {
	const struct mc_device *dev[MC_MAX_DEVICES];
	size_t nr;
};

static struct mc_devices mc_devices;

int mc_device_register(const struct mc_device *dev)
{
	struct mc_devices *d = &mc_devices;
	size_t i;

	for (i = 0; i < d->nr; i++)
		if (!kstrcmp(d->dev[i]->name, dev->name))
			return -EEXIST;
	if (d->nr == MC_MAX_DEVICES)
		return -ENOSPC;
	d->dev[d->nr++] = dev;
	return 0;
}

/* The device whose name starts spec ("ubd1=disk.img" is ubd's), or NULL. */
static const struct mc_device *mc_device_find(const char *spec)
{
	size_t i;

	for (i = 0; i < mc_devices.nr; i++) {
		const struct mc_device *dev = mc_devices.dev[i];

		if (kstarts_with(spec, dev->name))
			return dev;
	}
	return NULL;
}

static void mc_version(struct mc_req *req)
{
	const struct new_utsname *u = &uts.name;
	char text[6 * sizeof(u->sysname)];

	ksnprintf(text, sizeof(text), "%s %s %s %s %s", u->sysname, u->nodename,
		  u->release, u->version, u->machine);
	mc_reply(req, text, 0, false);
}

static const char mc_help_text[] =
	"Commands: \n"
	"    version - Get kernel version \n"
	"    help - Print this message \n"
	"    halt - Halt UML \n"
	"    reboot - Reboot UML \n"
	"    config <dev>=<config> - Add a new device to UML;  \n"
	"\tsame syntax as command line \n"
	"    config <dev> - Query the configuration of a device \n"
	"    remove <dev> - Remove a device from UML \n"
	"    sysrq <letter> - Performs the SysRq action controlled by the "
	"letter \n"
	"    cad - invoke the Ctrl-Alt-Del handler \n"
	"    stop - pause the UML; it will do nothing until it receives a "
	"'go' \n"
	"    go - continue the UML after a 'stop' \n"
	"    log <string> - make UML enter <string> into the kernel log\n"
	"    proc <file> - returns the contents of the UML's /proc/<file>\n"
	"    stack <pid> - returns the stack of the specified pid\n";

static void mc_help(struct mc_req *req)
{
	mc_reply(req, mc_help_text, 0, false);
}

static void mc_halt(struct mc_req *req)
{
	mc_reply(req, "", 0, false);
	machine_halt(0);
}

static void mc_reboot(struct mc_req *req)
{
	mc_reply(req, "", 0, false);
	machine_restart();
}

static void mc_cad(struct mc_req *req)
{
	mc_reply(req, "", 0, false);
	machine_ctrl_alt_del();
}

/* config <dev>=<spec> sets up a device; config <dev> shows its setting. */
static void mc_config(struct mc_req *req)
{
	const struct mc_device *dev = mc_device_find(req->args);
	char msg[MC_ERRBUF] = "";
	const char *unit;
	char *buf;
	int r;

	if (!dev || !dev->config) {
		mc_reply(req, "Bad configuration option", 1, false);
		return;
	}
	unit = req->args + kstrlen(dev->name);
	if (kstrchr(unit, '=')) {
		r = dev->config(unit, msg, sizeof(msg));
		mc_reply(req, r ? msg : "", (uint32_t)r, false);
		return;
	}
	if (!dev->get_config) {
		mc_reply(req, "No get_config routine defined", 1, false);
		return;
	}
	buf = kzalloc(MC_CONFIG_BUF);
	if (!buf) {
		mc_reply(req, "Out of memory", 1, false);
		return;
	}
	r = dev->get_config(unit, buf, MC_CONFIG_BUF, msg, sizeof(msg));
	if (r)
		mc_reply(req, msg[0] ? msg : "Failed to get configuration", 1,
			 false);
	else
		mc_reply(req, buf, 0, false);
	kfree(buf);
}

static void mc_remove(struct mc_req *req)
{
	const struct mc_device *dev = mc_device_find(req->args);
	char msg[MC_ERRBUF] = "";
	int r;

	if (!dev || !dev->remove) {
		mc_reply(req, "Bad remove option", 1, false);
		return;
	}
	r = dev->remove(req->args + kstrlen(dev->name), msg, sizeof(msg));
	if (r && !msg[0])
		kstrlcpy(msg,
			 r == -ENODEV ? "Device doesn't exist" :
			 r == -EBUSY  ? "Device is currently open" :
					"Failed to remove device",
			 sizeof(msg));
	mc_reply(req, r ? msg : "", (uint32_t)r, false);
}

/* sysrq <c>: run the key and answer with what it logged. */
static void mc_sysrq(struct mc_req *req)
{
	char key = req->args[0];
	uint64_t seq = printk_log_seq();
	char *buf;
	size_t n;

	if (sysrq_key_reboots(key))
		mc_reply(req, "", 0, false);
	sysrq_handle(key);
	buf = kmalloc(MC_SYSRQ_BUF);
	if (!buf) {
		mc_reply(req, "", 0, false);
		return;
	}
	n = printk_read_since(seq, buf, MC_SYSRQ_BUF);
	mc_reply_len(req, buf, n, 0, false);
	kfree(buf);
}

static void mc_stop(struct mc_req *req)
{
	if (mc_is_stopped()) {
		mc_reply(req, "Already stopped", 1, false);
		return;
	}
	mc_reply(req, "stopped", 0, false);
	mc_serve_stopped();
}

static void mc_go(struct mc_req *req)
{
	if (!mc_is_stopped()) {
		mc_reply(req, "Not stopped", 1, false);
		return;
	}
	mc_resume();
	mc_reply(req, "", 0, false);
}

/* log <text>: into the kernel log at KERN_WARNING, as the text is. */
static void mc_log(struct mc_req *req)
{
	const char *text = req->cmd[3] ? req->cmd + 4 : "";

	printk(KERN_WARNING "%s", text);
	mc_reply(req, "", 0, false);
}

/* Whether a path relative to /proc stays inside it (no ".." part). */
static bool mc_proc_path_ok(const char *p)
{
	while (*p) {
		const char *end = kstrchr(p, '/');
		size_t len = end ? (size_t)(end - p) : kstrlen(p);

		if (len == 2 && p[0] == '.' && p[1] == '.')
			return false;
		p += len;
		while (*p == '/')
			p++;
	}
	return true;
}

/* proc <file>: "\n", the file in chunks, then an empty final chunk. */
static void mc_proc(struct mc_req *req)
{
	char path[MCONSOLE_MAX_DATA + 8];
	struct file *f;
	uint64_t off = 0;
	char *buf;
	long n;

	if (!mc_proc_path_ok(req->args)) {
		mc_reply(req, "Failed to open file", 1, false);
		return;
	}
	ksnprintf(path, sizeof(path), "/proc/%s", req->args);
	f = vfs_open(path, O_RDONLY, 0);
	if (IS_ERR(f)) {
		mc_reply(req, "Failed to open file", 1, false);
		return;
	}
	buf = kmalloc(MC_PROC_BUF);
	if (!buf) {
		mc_reply(req, "Failed to allocate buffer", 1, false);
		goto out_put;
	}
	mc_reply(req, "\n", 0, true);
	while ((n = kernel_read(f, buf, MC_PROC_BUF, off)) > 0 && !req->dead) {
		mc_reply_len(req, buf, (size_t)n, 0, true);
		off += (uint64_t)n;
	}
	if (n < 0)
		mc_reply(req, "Read of file failed", 1, false);
	else
		mc_reply(req, "", 0, false);
	kfree(buf);
out_put:
	file_put(f);
}

static char mc_task_state(const struct task *t)
{
	static const char states[] = {
		[TASK_RUNNING] = 'R',	      [TASK_INTERRUPTIBLE] = 'S',
		[TASK_UNINTERRUPTIBLE] = 'D', [TASK_STOPPED] = 'T',
		[TASK_ZOMBIE] = 'Z',	      [TASK_DEAD] = 'X',
	};

	return (size_t)t->state < sizeof(states) ? states[t->state] : '?';
}

/*
 * Append t's kernel call chain: the frame-pointer chain from where it was
 * switched out (or from here, for the running task), kept within its
 * kernel stack.
 */
static size_t mc_stack_frames(const struct task *t, char *buf, size_t size,
			      size_t len)
{
	uint64_t lo = (uint64_t)(uintptr_t)t->kstack;
	uint64_t hi = lo + t->kstack_size;
	const uint64_t *fp;
	int i;

	if (!t->kstack)
		return len;
	if (t == current)
		fp = __builtin_frame_address(0);
	else if (t->kctx.rsp >= lo && t->kctx.rsp + 7 * 8 <= hi)
		fp = (const uint64_t *)(uintptr_t)((const uint64_t *)(uintptr_t)
							   t->kctx.rsp)[5];
	else
		return len;
	len += (size_t)ksnprintf(buf + len, size - len, "Call Trace:\n");
	for (i = 0; i < MC_STACK_FRAMES && len < size; i++) {
		uint64_t a = (uint64_t)(uintptr_t)fp;

		if (a < lo || a + 16 > hi || (a & 7))
			break;
		len += (size_t)ksnprintf(buf + len, size - len,
					 " [<%016llx>]\n",
					 (unsigned long long)fp[1]);
		if (fp[0] <= a)
			break;
		fp = (const uint64_t *)(uintptr_t)fp[0];
	}
	return len;
}

/* stack <pid>: the task's state, user registers and kernel frames. */
static void mc_stack(struct mc_req *req)
{
	const struct os_regs *r;
	const char *p = req->args;
	struct task *t;
	int64_t pid = 0;
	size_t len;
	char *buf;

	if (*p < '0' || *p > '9') {
		mc_reply(req, "Please specify a pid", 1, false);
		return;
	}
	while (*p >= '0' && *p <= '9' && pid <= 0x7fffffff)
		pid = pid * 10 + (*p++ - '0');
	t = pid > 0 && pid <= 0x7fffffff ? task_find((int)pid) : NULL;
	if (!t) {
		mc_reply(req, "Couldn't find that pid", 1, false);
		return;
	}
	buf = kmalloc(MC_STACK_BUF);
	if (!buf) {
		mc_reply(req, "Out of memory", 1, false);
		return;
	}
	r = &t->regs;
	len = (size_t)ksnprintf(
		buf, MC_STACK_BUF,
		"Task %d (%s) state %c\n"
		"RIP: %016llx RSP: %016llx EFLAGS: %08llx\n"
		"RAX: %016llx RBX: %016llx RCX: %016llx\n"
		"RDX: %016llx RSI: %016llx RDI: %016llx\n"
		"RBP: %016llx R8:  %016llx R9:  %016llx\n"
		"R10: %016llx R11: %016llx R12: %016llx\n"
		"R13: %016llx R14: %016llx R15: %016llx\n",
		t->pid, t->comm, mc_task_state(t), (unsigned long long)r->rip,
		(unsigned long long)r->rsp, (unsigned long long)r->eflags,
		(unsigned long long)r->rax, (unsigned long long)r->rbx,
		(unsigned long long)r->rcx, (unsigned long long)r->rdx,
		(unsigned long long)r->rsi, (unsigned long long)r->rdi,
		(unsigned long long)r->rbp, (unsigned long long)r->r8,
		(unsigned long long)r->r9, (unsigned long long)r->r10,
		(unsigned long long)r->r11, (unsigned long long)r->r12,
		(unsigned long long)r->r13, (unsigned long long)r->r14,
		(unsigned long long)r->r15);
	if (len < MC_STACK_BUF)
		len = mc_stack_frames(t, buf, MC_STACK_BUF, len);
	mc_reply_len(req, buf, len < MC_STACK_BUF ? len : MC_STACK_BUF - 1, 0,
		     false);
	kfree(buf);
}

static const struct mc_command mc_commands[] = {
	{ .name = "version", .handler = mc_version },
	{ .name = "help", .handler = mc_help },
	{ .name = "halt", .handler = mc_halt },
	{ .name = "reboot", .handler = mc_reboot },
	{ .name = "config", .handler = mc_config },
	{ .name = "remove", .handler = mc_remove },
	{ .name = "sysrq", .handler = mc_sysrq },
	{ .name = "cad", .handler = mc_cad },
	{ .name = "stop", .handler = mc_stop },
	{ .name = "go", .handler = mc_go },
	{ .name = "log", .handler = mc_log },
	{ .name = "proc", .handler = mc_proc },
	{ .name = "stack", .handler = mc_stack },
};

const struct mc_command *mc_command_find(const char *cmd, const char **args)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(mc_commands); i++)
		if (mc_command_is(cmd, mc_commands[i].name, args))
			return &mc_commands[i];
	return NULL;
}
