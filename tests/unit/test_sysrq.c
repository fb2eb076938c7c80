/*
 * Unit tests for the SysRq keys (kernel/sysrq.c): the key table and the
 * HELP line, and what each key does and logs, over fakes of the kernel it
 * acts on: a log that records every printk with the console level at that
 * moment, a task list, signals, sync/remount and memory counters, and
 * machine_restart/machine_halt that end the test's child with a status.
 */
#include "arch.h"
#include "blkdev.h"
#include "mm.h"
#include "printk.h"
#include "sched.h"
#include "signal.h"
#include "sysrq.h"
#include "vfs.h"

#define __timeval_defined 1
#include <check.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOG_MAX 8192
#define MAX_LINES 64
#define MAX_SIGS 16
#define MAX_TASKS 8
#define EXIT_RESTART 3
#define EXIT_HALT_BASE 10
#define QUIET_LEVEL 4

struct sysrqtest_state {
	char log[LOG_MAX];
	size_t log_len;
	int line_level[MAX_LINES]; /* console level when each printk ran */
	int nr_lines;
	int console_level;
	int syncs, remounts;
	int sync_err, remount_err;
	struct {
		int pid, sig;
	} sigs[MAX_SIGS];
	int nr_sigs;
	struct task tasks[MAX_TASKS];
	struct tgroup groups[MAX_TASKS];
	int nr_tasks;
};

static struct sysrqtest_state st;

struct sched_state sched;

/* ---- fakes ---- */

int printk(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(st.log + st.log_len, LOG_MAX - st.log_len, fmt, ap);
	va_end(ap);
	if (n > 0)
		st.log_len += (size_t)n < LOG_MAX - st.log_len ?
				      (size_t)n :
				      LOG_MAX - 1 - st.log_len;
	if (st.nr_lines < MAX_LINES)
		st.line_level[st.nr_lines++] = st.console_level;
	return n;
}

void printk_set_console_level(int level)
{
	st.console_level = level;
}

int printk_console_level(void)
{
	return st.console_level;
}

void machine_restart(void)
{
	exit(EXIT_RESTART);
}

void machine_halt(int status)
{
	exit(EXIT_HALT_BASE + status);
}

int vfs_sync_all(void)
{
	st.syncs++;
	return st.sync_err;
}

int vfs_remount_all_ro(void)
{
	st.remounts++;
	return st.remount_err;
}

int send_sig_proc(struct task *t, int sig, const void *info)
{
	ck_assert_int_lt(st.nr_sigs, MAX_SIGS);
	st.sigs[st.nr_sigs].pid = t->pid;
	st.sigs[st.nr_sigs].sig = sig;
	st.nr_sigs++;
	return 0;
}

uint64_t phys_total_pages(void)
{
	return 65536;
}

uint64_t phys_free_pages(void)
{
	return 60000;
}

void bcache_stats(uint64_t *pages, uint64_t *dirty)
{
	*pages = 1000;
	*dirty = 7;
}

/* ---- fixture ---- */

/* Add a task; leader_pid 0 makes it its own group leader. */
static struct task *add_task(int pid, int leader_pid, const char *comm,
			     enum task_state state, struct task *parent)
{
	struct task *t = &st.tasks[st.nr_tasks];
	struct tgroup *g = &st.groups[st.nr_tasks];

	ck_assert_int_lt(st.nr_tasks, MAX_TASKS);
	st.nr_tasks++;
	t->pid = pid;
	t->tgid = leader_pid ? leader_pid : pid;
	strncpy(t->comm, comm, TASK_COMM_LEN - 1);
	t->state = state;
	t->parent = parent;
	g->leader = t;
	t->group = g;
	if (leader_pid) {
		for (int i = 0; i < st.nr_tasks - 1; i++)
			if (st.tasks[i].pid == leader_pid)
				t->group = st.tasks[i].group;
	}
	list_add_tail(&t->all_link, &sched.all_tasks);
	return t;
}

static void setup(void)
{
	memset(&st, 0, sizeof(st));
	list_init(&sched.all_tasks);
	st.console_level = QUIET_LEVEL;
}

/* The machine: init, a shell with a two-thread daemon and a zombie. */
static void setup_tasks(void)
{
	struct task *init;

	setup();
	init = add_task(1, 0, "init", TASK_INTERRUPTIBLE, NULL);
	add_task(42, 0, "sh", TASK_RUNNING, init);
	add_task(50, 0, "daemon", TASK_INTERRUPTIBLE, init);
	add_task(51, 50, "daemon", TASK_UNINTERRUPTIBLE, init);
	add_task(60, 0, "dead", TASK_ZOMBIE, init);
}

/* ---- the table ---- */

START_TEST(help_lists_every_key_once_in_key_order)
{
	char buf[256];
	const char *want = "loglevel(0-9) reboot(b) terminate-all-tasks(e) "
			   "kill-all-tasks(i) show-memory-usage(m) "
			   "poweroff(o) sync(s) show-task-states(t) "
			   "unmount(u) show-blocked-tasks(w) ";

	ck_assert_uint_eq(sysrq_help_text(buf, sizeof(buf)), strlen(want));
	ck_assert_str_eq(buf, want);
}
END_TEST

START_TEST(help_text_is_cut_to_the_buffer)
{
	char buf[10];

	ck_assert_uint_gt(sysrq_help_text(buf, sizeof(buf)), sizeof(buf));
	ck_assert_str_eq(buf, "loglevel(");
}
END_TEST

START_TEST(unknown_keys_log_the_help_line)
{
	static const char keys[] = { 'h', 'x', 'B', 'S', '\0', ' ' };

	for (size_t i = 0; i < sizeof(keys); i++) {
		setup();
		sysrq_handle(keys[i]);
		ck_assert_msg(!strncmp(st.log,
				       "<6>sysrq: HELP : loglevel(0-9) "
				       "reboot(b) ",
				       39),
			      "key %d: %s", keys[i], st.log);
		ck_assert_int_eq(st.nr_lines, 1);
		ck_assert_int_eq(st.syncs + st.remounts + st.nr_sigs, 0);
	}
}
END_TEST

START_TEST(only_b_and_o_end_the_machine)
{
	for (int c = 1; c < 128; c++)
		ck_assert_int_eq(sysrq_key_reboots((char)c),
				 c == 'b' || c == 'o');
}
END_TEST

START_TEST(the_header_shows_on_a_quiet_console_which_is_then_restored)
{
	sysrq_handle('s');
	ck_assert_int_eq(st.line_level[0], 7);
	ck_assert_int_eq(st.line_level[1], QUIET_LEVEL);
	ck_assert_int_eq(st.console_level, QUIET_LEVEL);
}
END_TEST

/* ---- actions ---- */

START_TEST(loglevel_digit_sets_the_console_level)
{
	sysrq_handle('3');
	ck_assert_str_eq(st.log, "<6>sysrq: Changing Loglevel\n"
				 "<6>sysrq: Loglevel set to 3\n");
	ck_assert_int_eq(st.line_level[1], 7);
	ck_assert_int_eq(st.console_level, 3);
	sysrq_handle('9');
	ck_assert_int_eq(st.console_level, 9);
	sysrq_handle('0');
	ck_assert_int_eq(st.console_level, 0);
}
END_TEST

START_TEST(sync_syncs_then_reports_complete)
{
	sysrq_handle('s');
	ck_assert_int_eq(st.syncs, 1);
	ck_assert_str_eq(st.log, "<6>sysrq: Emergency Sync\n"
				 "<4>Emergency Sync complete\n");
}
END_TEST

START_TEST(sync_failure_is_logged_and_still_completes)
{
	st.sync_err = -5;
	sysrq_handle('s');
	ck_assert_ptr_nonnull(strstr(st.log, "Emergency Sync failed (-5)"));
	ck_assert_ptr_nonnull(strstr(st.log, "Emergency Sync complete\n"));
}
END_TEST

START_TEST(remount_makes_file_systems_read_only)
{
	sysrq_handle('u');
	ck_assert_int_eq(st.remounts, 1);
	ck_assert_str_eq(st.log, "<6>sysrq: Emergency Remount R/O\n"
				 "<4>Emergency Remount complete\n");
}
END_TEST

START_TEST(terminate_signals_every_process_but_init)
{
	sysrq_handle('e');
	ck_assert_str_eq(st.log, "<6>sysrq: Terminate All Tasks\n");
	ck_assert_int_eq(st.nr_sigs, 2);
	ck_assert_int_eq(st.sigs[0].pid, 42);
	ck_assert_int_eq(st.sigs[0].sig, SIGTERM);
	ck_assert_int_eq(st.sigs[1].pid, 50);
	ck_assert_int_eq(st.sigs[1].sig, SIGTERM);
	ck_assert_int_eq(st.console_level, 10);
}
END_TEST

START_TEST(kill_sends_sigkill_to_every_process_but_init)
{
	sysrq_handle('i');
	ck_assert_str_eq(st.log, "<6>sysrq: Kill All Tasks\n");
	ck_assert_int_eq(st.nr_sigs, 2);
	ck_assert_int_eq(st.sigs[0].sig, SIGKILL);
	ck_assert_int_eq(st.sigs[1].sig, SIGKILL);
}
END_TEST

START_TEST(show_state_prints_a_line_per_task)
{
	sysrq_handle('t');
	ck_assert_str_eq(
		st.log,
		"<6>sysrq: Show State\n"
		"<6>task:init            state:S stack:0     pid:1     "
		"ppid:0      flags:0x00000000\n"
		"<6>task:sh              state:R  running task     stack:0     "
		"pid:42    ppid:1      flags:0x00000000\n"
		"<6>task:daemon          state:S stack:0     pid:50    "
		"ppid:1      flags:0x00000000\n"
		"<6>task:daemon          state:D stack:0     pid:51    "
		"ppid:1      flags:0x00000000\n"
		"<6>task:dead            state:Z stack:0     pid:60    "
		"ppid:1      flags:0x00000000\n");
}
END_TEST

START_TEST(show_blocked_lists_only_uninterruptible_tasks)
{
	sysrq_handle('w');
	ck_assert_str_eq(st.log, "<6>sysrq: Show Blocked State\n"
				 "<6>task:daemon          state:D stack:0     "
				 "pid:51    ppid:1      flags:0x00000000\n");
}
END_TEST

START_TEST(show_memory_gives_ram_free_and_cache_pages)
{
	sysrq_handle('m');
	ck_assert_ptr_nonnull(strstr(st.log, "<6>sysrq: Show Memory\n"
					     "<6>Mem-Info:\n"));
	ck_assert_ptr_nonnull(strstr(st.log, "active_anon:4536 "));
	ck_assert_ptr_nonnull(strstr(st.log, " active_file:1000 "));
	ck_assert_ptr_nonnull(strstr(st.log, " dirty:7 "));
	ck_assert_ptr_nonnull(strstr(st.log, " free:60000 "));
	ck_assert_ptr_nonnull(strstr(st.log, "1000 total pagecache pages\n"));
	ck_assert_ptr_nonnull(strstr(st.log, "<6>65536 pages RAM\n"));
}
END_TEST

START_TEST(b_restarts_the_machine)
{
	sysrq_handle('b');
}
END_TEST

START_TEST(o_powers_off_with_status_zero)
{
	sysrq_handle('o');
}
END_TEST

static Suite *sysrq_suite(void)
{
	Suite *s = suite_create("sysrq");
	TCase *table = tcase_create("table");
	TCase *act = tcase_create("actions");
	TCase *tasks = tcase_create("tasks");
	TCase *end = tcase_create("machine");

	tcase_add_checked_fixture(table, setup, NULL);
	tcase_add_test(table, help_lists_every_key_once_in_key_order);
	tcase_add_test(table, help_text_is_cut_to_the_buffer);
	tcase_add_test(table, unknown_keys_log_the_help_line);
	tcase_add_test(table, only_b_and_o_end_the_machine);
	tcase_add_test(
		table,
		the_header_shows_on_a_quiet_console_which_is_then_restored);
	suite_add_tcase(s, table);
	tcase_add_checked_fixture(act, setup, NULL);
	tcase_add_test(act, loglevel_digit_sets_the_console_level);
	tcase_add_test(act, sync_syncs_then_reports_complete);
	tcase_add_test(act, sync_failure_is_logged_and_still_completes);
	tcase_add_test(act, remount_makes_file_systems_read_only);
	tcase_add_test(act, show_memory_gives_ram_free_and_cache_pages);
	suite_add_tcase(s, act);
	tcase_add_checked_fixture(tasks, setup_tasks, NULL);
	tcase_add_test(tasks, terminate_signals_every_process_but_init);
	tcase_add_test(tasks, kill_sends_sigkill_to_every_process_but_init);
	tcase_add_test(tasks, show_state_prints_a_line_per_task);
	tcase_add_test(tasks, show_blocked_lists_only_uninterruptible_tasks);
	suite_add_tcase(s, tasks);
	tcase_add_checked_fixture(end, setup, NULL);
	tcase_add_exit_test(end, b_restarts_the_machine, EXIT_RESTART);
	tcase_add_exit_test(end, o_powers_off_with_status_zero,
			    EXIT_HALT_BASE + 0);
	suite_add_tcase(s, end);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(sysrq_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
