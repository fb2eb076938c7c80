/*
 * Boot: parse the command line, bring up the machine (host events,
 * physical memory, scheduler, file systems, devices, console), unpack the
 * initramfs and start init. Also the ways the machine ends: halt, power
 * off and restart.
 */
#include <linux/fcntl.h>
#include <linux/fs.h>
#include <linux/reboot.h>
#include <asm/signal.h>

#include "arch.h"
#include "blkdev.h"
#include "cmdline.h"
#include "console.h"
#include "cpio.h"
#include "devices.h"
#include "err.h"
#include "ext2.h"
#include "irq.h"
#include "klib.h"
#include "mconsole.h"
#include "mm.h"
#include "printk.h"
#include "proc.h"
#include "procfs.h"
#include "sched.h"
#include "signal.h"
#include "syscall.h"
#include "sysrq.h"
#include "task.h"
#include "timer.h"
#include "ubd.h"
#include "umid.h"
#include "vfs.h"
#include "os/os.h"
#include "../../mm/mm_internal.h"

#define UM_RELEASE "6.1.0"
#define UM_VERSION "0.1"
#define ERRBUF 256

struct boot_state {
	struct boot_params params;
	bool cad_enabled;
};

static struct boot_state boot = { .cad_enabled = true };

static int console_hook(const char *key, const char *value, const char **why)
{
	int r = console_setup(key, value);

	if (r < 0)
		*why = "bad console channel specification";
	return r;
}

static const struct boot_option_hook boot_hooks[] = {
	{ "con", console_hook },
	{ "ubd", ubd_setup },
	{ "mconsole", mconsole_setup },
};

static void print_host(const char *s)
{
	os_write_stderr(s, kstrlen(s));
}

static void usage(void)
{
	static const char *const lines[] = {
		"User Mode Linux v" UM_RELEASE " (a new kernel, " UM_VERSION
		")\n",
		"Usage: linux [options] [init arguments...]\n",
		"  mem=<size>        physical memory, e.g. 256M (default 128M)\n",
		"  initrd=<file>     initramfs (newc cpio, plain or gzip)\n",
		"  init=<path>       program to run as init\n",
		"  root=<dev>        root device: /dev/ubda, 98:0 (default)\n",
		"  rootfstype=<fs>   root file system type(s), e.g. ext2\n",
		"  rw | ro           mount the root read-write or read-only\n",
		"                    (default ro, as in Linux)\n",
		"  ubd<N>[flags]=<file>[,<backing>][,<serial>]\n",
		"                    disk N (0-15 or a-p) from a host image;\n",
		"                    with a backing file, <file> is a COW file\n",
		"                    (created if missing). Flags: r read-only,\n",
		"                    s synchronous, d no COW probe, c no host\n",
		"                    locking, t no discard. Default\n",
		"                    ubd0=root_fs when there is no initrd.\n",
		"  ubd=sync          every ubd device synchronous\n",
		"  quiet             show only errors during boot\n",
		"  umid=<name>       machine name for the management console\n",
		"                    (at most 63 characters; random if absent)\n",
		"  uml_dir=<dir>     where the umid directory goes (~/.uml/)\n",
		"  mconsole=notify:<socket>\n",
		"                    send mconsole notifications to a socket\n",
		"  con<N>=<channel>  console N on a channel: fd:N, null, none,\n",
		"                    or in,out pairs such as fd:0,fd:1\n",
		"  key=value         passed to init's environment\n",
		"  word              passed to init as an argument\n",
		"  --help            this text\n",
		"  --version         the kernel release\n",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(lines); i++)
		print_host(lines[i]);
}

static void open_console_fds(void)
{
	struct file *f = vfs_open("/dev/console", O_RDWR, 0);
	int i;

	if (IS_ERR(f)) {
		printk(KERN_WARNING "Warning: unable to open an initial "
				    "console.\n");
		return;
	}
	for (i = 0; i < 3; i++)
		fd_install(file_get(f), false);
	file_put(f);
}

static int try_init(const char *path)
{
	const struct boot_params *bp = &boot.params;
	const char *argv[CMDLINE_MAX_INIT_ARGS + 2];
	const char *envp[CMDLINE_MAX_INIT_ENVS + 3];
	int i, n = 0;

	argv[n++] = path;
	for (i = 0; i < bp->init_argc; i++)
		argv[n++] = bp->init_argv[i];
	argv[n] = NULL;
	n = 0;
	envp[n++] = "HOME=/";
	envp[n++] = "TERM=linux";
	for (i = 0; i < bp->init_envc; i++)
		envp[n++] = bp->init_envp[i];
	envp[n] = NULL;
	return do_execve(path, (char *const *)argv, (char *const *)envp);
}

/* Runs on init's own kernel stack before it first enters the guest. */
static void init_main(void *arg)
{
	static const char *const defaults[] = { "/init", "/sbin/init",
						"/etc/init", "/bin/init",
						"/bin/sh" };
	const char *want = boot.params.init;
	size_t i;
	int err;

	open_console_fds();
	/* Linux tries rdinit= first when there is an initramfs. */
	if (boot.params.rdinit && boot.params.initrd) {
		err = try_init(boot.params.rdinit);
		if (!err)
			return;
		printk(KERN_ERR "Failed to execute %s (error %d)\n",
		       boot.params.rdinit, err);
	}
	if (want) {
		err = try_init(want);
		if (!err)
			return;
		printk(KERN_ERR "Requested init %s failed (error %d).\n", want,
		       err);
	}
	for (i = 0; i < ARRAY_SIZE(defaults); i++)
		if (try_init(defaults[i]) == 0)
			return;
	panic("No working init found.  Try passing init= option to kernel.");
}

/* Try each file system type for the root device; 0 or the last error. */
static int mount_root_as(const char *source, const char *types,
			 unsigned long flags)
{
	char name[32];
	int err = -ENODEV;

	while (types && *types) {
		const char *comma = kstrchr(types, ',');
		size_t len = comma ? (size_t)(comma - types) : kstrlen(types);

		if (len && len < sizeof(name)) {
			kmemcpy(name, types, len);
			name[len] = '\0';
			err = vfs_mount_root(source, name, flags, NULL);
			if (!err || err == -EIO || err == -EROFS)
				return err;
		}
		types = comma ? comma + 1 : NULL;
	}
	return err;
}

/* Mount root= (a path such as /dev/ubda or MAJ:MIN) as "/". */
static void mount_root(void)
{
	const struct boot_params *bp = &boot.params;
	const char *source = bp->root ? bp->root : "98:0";
	unsigned long flags = bp->read_only ? MS_RDONLY : 0;
	struct block_device *bd = NULL;
	char name[24];
	uint64_t dev;
	int err;

	/* "98:0" shows in /proc/mounts as the device's node name. */
	if (blkdev_parse_devnum(source, &dev))
		bd = blkdev_find(dev);
	if (bd) {
		ksnprintf(name, sizeof(name), "/dev/%s", bd->name);
		source = name;
	}
	err = mount_root_as(
		source, bp->rootfstype ? bp->rootfstype : "ext2,ext3", flags);
	if (err) {
		char buf[ERRBUF];

		ksnprintf(buf, sizeof(buf),
			  "linux: VFS: Unable to mount root fs on %s (error "
			  "%d)%s\n",
			  source, -err,
			  err == -ENXIO || err == -ENOENT ?
				  ": no such device (give ubd0=<image>)" :
				  "");
		print_host(buf);
		machine_halt(1);
	}
	printk(KERN_INFO "VFS: Mounted root (%s filesystem)%s on device "
			 "%s.\n",
	       vfs_root_fstype(), bp->read_only ? " readonly" : "", source);
}

static void load_initrd(const char *path)
{
	char *data;
	long len = os_read_file(path, &data);
	int err;

	if (len < 0) {
		printk(KERN_ERR "initrd: cannot read %s: error %ld\n", path,
		       -len);
		return;
	}
	err = initramfs_unpack(data, (size_t)len);
	if (err)
		printk(KERN_ERR "initrd: %s is not a valid initramfs (%d)\n",
		       path, err);
	os_heap_free(data);
}

/* /proc/cmdline: the words of the command line, space separated. */
static void set_proc_cmdline(int argc, char **argv)
{
	char buf[4096];
	size_t len = 0;
	int i;

	buf[0] = '\0';
	for (i = 1; i < argc; i++) {
		if (i > 1)
			len = kstrlcat(buf, " ", sizeof(buf));
		len = kstrlcat(buf, argv[i], sizeof(buf));
	}
	(void)len;
	procfs_set_cmdline(buf);
}

static __noreturn void fail(const char *what, int err)
{
	char buf[ERRBUF];

	ksnprintf(buf, sizeof(buf), "linux: %s failed: error %d\n", what, -err);
	print_host(buf);
	umid_remove();
	os_exit(1);
}

int kernel_main(int argc, char **argv);

int kernel_main(int argc, char **argv)
{
	struct boot_params *bp = &boot.params;
	char err[ERRBUF];
	int r;

	time_init();
	if (cmdline_parse(argc, argv, bp, boot_hooks, ARRAY_SIZE(boot_hooks),
			  err, sizeof(err))) {
		print_host("linux: ");
		print_host(err);
		print_host("\n");
		return 2;
	}
	if (bp->help) {
		usage();
		return 0;
	}
	if (bp->version) {
		print_host(UM_RELEASE "\n");
		return 0;
	}
	if (bp->quiet)
		printk_set_console_level(4);
	r = umid_init(bp->uml_dir, bp->umid, err, sizeof(err));
	if (r == -EBUSY) {
		print_host("linux: ");
		print_host(err);
		print_host("\n");
		return 1;
	}
	if (r)
		printk(KERN_WARNING "linux: %s: no management console\n", err);
	os_pin_cpu();
	r = irq_init();
	if (r)
		fail("setting up host events", r);
	r = phys_init(bp->mem);
	if (r)
		fail("creating physical memory", r);
	sched_init();
	printk(KERN_INFO "Linux version " UM_RELEASE " (um, " UM_VERSION
			 ") running as host pid %d\n",
	       os_getpid());
	printk(KERN_INFO "Physical memory: %lu KiB\n",
	       (unsigned long)(bp->mem >> 10));
	r = vfs_init();
	if (r)
		fail("mounting the root file system", r);
	r = mem_devices_init();
	if (r)
		fail("creating memory devices", r);
	r = procfs_init();
	if (r)
		fail("registering procfs", r);
	procfs_set_sysrq_handler(sysrq_handle);
	r = console_init();
	if (r)
		fail("starting the console", r);
	mconsole_init();
	set_proc_cmdline(argc, argv);
	blkdev_init();
	r = ext2_init();
	if (r)
		fail("registering ext2", r);
	r = ubd_init(!bp->initrd, err, sizeof(err));
	if (r) {
		print_host("linux: ");
		print_host(err);
		print_host("\n");
		machine_halt(1);
	}
	if (bp->initrd)
		load_initrd(bp->initrd);
	else
		mount_root();
	task_create_init(init_main, NULL);
	sched_idle_loop();
}

/* Write every file system and disk back before the machine goes. */
static void machine_sync(void)
{
	int err = vfs_sync_all();

	if (err)
		printk(KERN_ERR "reboot: writing the disks back failed (%d)\n",
		       err);
}

__noreturn void machine_halt(int status)
{
	machine_sync();
	umid_remove();
	printk(KERN_NOTICE "reboot: System halted\n");
	mmu_shutdown();
	os_tty_restore_all();
	os_exit(status);
}

__noreturn void machine_restart(void)
{
	int err;

	machine_sync();
	printk(KERN_NOTICE "reboot: Restarting system\n");
	mmu_shutdown();
	/* The new instance, in this same pid, claims the umid afresh. */
	umid_remove();
	err = os_reexec();
	printk(KERN_EMERG "reboot: re-executing the kernel failed: %d\n", err);
	machine_halt(1);
}

void machine_ctrl_alt_del(void)
{
	struct task *init;

	if (boot.cad_enabled)
		machine_restart();
	init = task_find(1);
	if (init)
		send_sig_proc(init, SIGINT, NULL);
}

SYSCALL4(reboot, unsigned int, magic1, unsigned int, magic2, unsigned int, cmd,
	 uaddr_t, arg)
{
	if (current->cred.euid != 0)
		return -EPERM;
	if (magic1 != LINUX_REBOOT_MAGIC1 ||
	    (magic2 != LINUX_REBOOT_MAGIC2 && magic2 != LINUX_REBOOT_MAGIC2A &&
	     magic2 != LINUX_REBOOT_MAGIC2B && magic2 != LINUX_REBOOT_MAGIC2C))
		return -EINVAL;
	switch (cmd) {
	case LINUX_REBOOT_CMD_RESTART:
	case LINUX_REBOOT_CMD_RESTART2:
		machine_restart();
	case LINUX_REBOOT_CMD_HALT:
	case LINUX_REBOOT_CMD_POWER_OFF:
		if (cmd == LINUX_REBOOT_CMD_POWER_OFF)
			printk(KERN_NOTICE "reboot: Power down\n");
		machine_halt(0);
	case LINUX_REBOOT_CMD_CAD_ON:
		boot.cad_enabled = true;
		return 0;
	case LINUX_REBOOT_CMD_CAD_OFF:
		boot.cad_enabled = false;
		return 0;
	default:
		return -EINVAL;
	}
}

SYSCALL2(arch_prctl, int, code, uint64_t, addr)
{
	struct task *t = current;

	switch (code) {
	case 0x1002: /* ARCH_SET_FS */
		if (addr >= 0x7ffffffff000ULL)
			return -EPERM;
		t->regs.fs_base = addr;
		return 0;
	case 0x1001: /* ARCH_SET_GS */
		if (addr >= 0x7ffffffff000ULL)
			return -EPERM;
		t->regs.gs_base = addr;
		return 0;
	case 0x1003: /* ARCH_GET_FS */
		return put_user(t->regs.fs_base, addr) ? -EFAULT : 0;
	case 0x1004: /* ARCH_GET_GS */
		return put_user(t->regs.gs_base, addr) ? -EFAULT : 0;
	default:
		return -EINVAL;
	}
}
