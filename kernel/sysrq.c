/*
 * SysRq keys: one const table of {keys, help, action, handler}, sorted by
 * key so the HELP line lists them in Linux's order. sysrq_handle logs the
 * action ("sysrq: Emergency Sync") with the console raised to its default
 * level so the user always sees it, then runs the handler. Nothing here
 * sleeps: a key may arrive from an interrupt (mconsole) as well as from a
 * guest's write to /proc/sysrq-trigger.
 */
#include <asm/signal.h>

#include "arch.h"
#include "blkdev.h"
#include "klib.h"
#include "mm.h"
#include "printk.h"
#include "signal.h"
#include "sysrq.h"
#include "vfs.h"

/* Linux's console levels: the default, and "everything" after e and i. */
#define SYSRQ_CONSOLE_DEFAULT 7
#define SYSRQ_CONSOLE_DEBUG 10
#define SYSRQ_HELP_MAX 256
#define SYSRQ_INIT_PID 1

struct sysrq_key {
	char first, last; /* the keys it answers, e.g. '0'..'9' */
	const char *help; /* in the HELP line */
	const char *action; /* logged as "sysrq: <action>" */
	void (*handler)(char key);
	bool ends_machine; /* restarts or halts: never returns */
};

/* ---- log level ---- */

static void sysrq_loglevel(char key)
{
	int level = key - '0';

	printk_set_console_level(SYSRQ_CONSOLE_DEFAULT);
	printk(KERN_INFO "sysrq: Loglevel set to %d\n", level);
	printk_set_console_level(level);
}

/* ---- machine ---- */

static void sysrq_reboot(char key)
{
	machine_restart();
}

static void sysrq_poweroff(char key)
{
	machine_halt(0);
}

static void sysrq_sync(char key)
{
	int err = vfs_sync_all();

	if (err)
		printk(KERN_ERR "sysrq: Emergency Sync failed (%d)\n", err);
	printk(KERN_WARNING "Emergency Sync complete\n");
}

static void sysrq_remount_ro(char key)
{
	int err = vfs_remount_all_ro();

	if (err)
		printk(KERN_ERR "sysrq: Emergency Remount failed (%d)\n", err);
	printk(KERN_WARNING "Emergency Remount complete\n");
}

/* ---- tasks ---- */

/* Signal every process but init; the console then shows everything. */
static void sysrq_signal_all(int sig)
{
	struct task *t;

	list_for_each_entry(t, &sched.all_tasks, all_link) {
		if (task_leader(t) != t || t->tgid == SYSRQ_INIT_PID)
			continue;
		if (t->state == TASK_ZOMBIE || t->state == TASK_DEAD)
			continue;
		send_sig_proc(t, sig, NULL);
	}
	printk_set_console_level(SYSRQ_CONSOLE_DEBUG);
}

static void sysrq_term(char key)
{
	sysrq_signal_all(SIGTERM);
}

static void sysrq_kill(char key)
{
	sysrq_signal_all(SIGKILL);
}

static char sysrq_state_char(const struct task *t)
{
	static const char states[] = {
		[TASK_RUNNING] = 'R',	      [TASK_INTERRUPTIBLE] = 'S',
		[TASK_UNINTERRUPTIBLE] = 'D', [TASK_STOPPED] = 'T',
		[TASK_ZOMBIE] = 'Z',	      [TASK_DEAD] = 'X',
	};

	if ((unsigned int)t->state >= ARRAY_SIZE(states))
		return '?';
	return states[t->state];
}

/* Linux's sched_show_task line, without the call trace. */
static void sysrq_show_task(const struct task *t)
{
	printk(KERN_INFO "task:%-15.15s state:%c%s stack:%-5u pid:%-5d "
			 "ppid:%-6d flags:0x%08x\n",
	       t->comm, sysrq_state_char(t),
	       t->state == TASK_RUNNING ? "  running task    " : "", 0, t->pid,
	       t->parent ? t->parent->pid : 0, 0);
}

static void sysrq_show_state(char key)
{
	struct task *t;

	list_for_each_entry(t, &sched.all_tasks, all_link)
		sysrq_show_task(t);
}

static void sysrq_show_blocked(char key)
{
	struct task *t;

	list_for_each_entry(t, &sched.all_tasks, all_link)
		if (t->state == TASK_UNINTERRUPTIBLE)
			sysrq_show_task(t);
}

/* ---- memory ---- */

/* Linux's show_mem summary, in pages. */
static void sysrq_show_mem(char key)
{
	unsigned long long total = phys_total_pages();
	unsigned long long free = phys_free_pages();
	unsigned long long used = total > free ? total - free : 0;
	uint64_t cached, dirty;

	bcache_stats(&cached, &dirty);
	if (cached > used)
		cached = used;
	printk(KERN_INFO "Mem-Info:\n");
	printk(KERN_INFO "active_anon:%llu inactive_anon:0 isolated_anon:0\n",
	       used - cached);
	printk(KERN_INFO " active_file:%llu inactive_file:0 "
			 "isolated_file:0\n",
	       (unsigned long long)cached);
	printk(KERN_INFO " unevictable:0 dirty:%llu writeback:0\n",
	       (unsigned long long)dirty);
	printk(KERN_INFO " free:%llu free_pcp:0 free_cma:0\n", free);
	printk(KERN_INFO "%llu total pagecache pages\n",
	       (unsigned long long)cached);
	printk(KERN_INFO "0 pages in swap cache\n");
	printk(KERN_INFO "Free swap  = 0kB\n");
	printk(KERN_INFO "Total swap = 0kB\n");
	printk(KERN_INFO "%llu pages RAM\n", total);
	printk(KERN_INFO "0 pages HighMem/MovableOnly\n");
	printk(KERN_INFO "0 pages reserved\n");
}

/* ---- the table ---- */

static const struct sysrq_key sysrq_keys[] = {
	{ .first = '0',
	  .last = '9',
	  .help = "loglevel(0-9)",
	  .action = "Changing Loglevel",
	  .handler = sysrq_loglevel },
	{ .first = 'b',
	  .last = 'b',
	  .help = "reboot(b)",
	  .action = "Resetting",
	  .handler = sysrq_reboot,
	  .ends_machine = true },
	{ .first = 'e',
	  .last = 'e',
	  .help = "terminate-all-tasks(e)",
	  .action = "Terminate All Tasks",
	  .handler = sysrq_term },
	{ .first = 'i',
	  .last = 'i',
	  .help = "kill-all-tasks(i)",
	  .action = "Kill All Tasks",
	  .handler = sysrq_kill },
	{ .first = 'm',
	  .last = 'm',
	  .help = "show-memory-usage(m)",
	  .action = "Show Memory",
	  .handler = sysrq_show_mem },
	{ .first = 'o',
	  .last = 'o',
	  .help = "poweroff(o)",
	  .action = "Power Off",
	  .handler = sysrq_poweroff,
	  .ends_machine = true },
	{ .first = 's',
	  .last = 's',
	  .help = "sync(s)",
	  .action = "Emergency Sync",
	  .handler = sysrq_sync },
	{ .first = 't',
	  .last = 't',
	  .help = "show-task-states(t)",
	  .action = "Show State",
	  .handler = sysrq_show_state },
	{ .first = 'u',
	  .last = 'u',
	  .help = "unmount(u)",
	  .action = "Emergency Remount R/O",
	  .handler = sysrq_remount_ro },
	{ .first = 'w',
	  .last = 'w',
	  .help = "show-blocked-tasks(w)",
	  .action = "Show Blocked State",
	  .handler = sysrq_show_blocked },
};

static const struct sysrq_key *sysrq_find(char key)
{
	for (size_t i = 0; i < ARRAY_SIZE(sysrq_keys); i++)
		if (key >= sysrq_keys[i].first && key <= sysrq_keys[i].last)
			return &sysrq_keys[i];
	return NULL;
}

size_t sysrq_help_text(char *buf, size_t size)
{
	size_t len = 0;

	if (size)
		buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(sysrq_keys); i++) {
		kstrlcat(buf, sysrq_keys[i].help, size);
		kstrlcat(buf, " ", size);
		len += kstrlen(sysrq_keys[i].help) + 1;
	}
	return len;
}

bool sysrq_key_reboots(char key)
{
	const struct sysrq_key *k = sysrq_find(key);

	return k && k->ends_machine;
}

void sysrq_handle(char key)
{
	const struct sysrq_key *k = sysrq_find(key);
	int level = printk_console_level();
	char help[SYSRQ_HELP_MAX];

	/* Raise the console so the header always shows, as Linux does. */
	printk_set_console_level(SYSRQ_CONSOLE_DEFAULT);
	if (!k) {
		sysrq_help_text(help, sizeof(help));
		printk(KERN_INFO "sysrq: HELP : %s\n", help);
		printk_set_console_level(level);
		return;
	}
	printk(KERN_INFO "sysrq: %s\n", k->action);
	printk_set_console_level(level);
	k->handler(key);
}
