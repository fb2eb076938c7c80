/*
 * Task allocation: task structs, kernel stacks, pids, thread groups and
 * signal-handler tables.
 */
#include "arch.h"
#include "err.h"
#include "klib.h"
#include "ksys.h"
#include "ktime.h"
#include "printk.h"
#include "sched.h"
#include "task.h"
#include "os/os.h"

#define KSTACK_SIZE (64 * 1024)
#define PID_MAX 32768
#define NR_TASKS_MAX 4096

void arch_kstack_init(struct task *t)
{
	uint64_t top =
		ALIGN_DOWN((uint64_t)(uintptr_t)t->kstack + t->kstack_size, 16);
	uint64_t *sp = (uint64_t *)(uintptr_t)top;
	extern char arch_task_start[];
	int i;

	*--sp = (uint64_t)(uintptr_t)arch_task_start;
	for (i = 0; i < 6; i++)
		*--sp = 0;
	t->kctx.rsp = (uint64_t)(uintptr_t)sp;
}

static bool pid_in_use(int pid)
{
	struct task *t;

	for_each_task(t) if (t->pid == pid || t->group->pgid == pid ||
			     t->group->sid == pid) return true;
	return false;
}

static int pid_alloc(void)
{
	int tries;

	for (tries = 0; tries < PID_MAX; tries++) {
		int pid = sched.next_pid++;

		if (sched.next_pid >= PID_MAX)
			sched.next_pid = 300;
		if (!pid_in_use(pid))
			return pid;
	}
	return -EAGAIN;
}

struct task *task_alloc(void)
{
	struct task *t;
	int pid;

	if (sched.nr_tasks >= NR_TASKS_MAX)
		return ERR_PTR(-EAGAIN);
	pid = pid_alloc();
	if (pid < 0)
		return ERR_PTR(pid);
	t = kzalloc(sizeof(*t));
	if (!t)
		return ERR_PTR(-ENOMEM);
	t->kstack_size = KSTACK_SIZE;
	t->kstack = os_map_anon(KSTACK_SIZE);
	if (!t->kstack) {
		kfree(t);
		return ERR_PTR(-ENOMEM);
	}
	t->pid = pid;
	t->tgid = pid;
	t->state = TASK_UNINTERRUPTIBLE;
	list_init(&t->children);
	list_init(&t->sibling);
	list_init(&t->thread_link);
	list_init(&t->threads);
	list_init(&t->run_link);
	list_init(&t->sigqueue);
	wait_queue_init(&t->exit_wait);
	ktimer_init(&t->sleep_timer, NULL);
	t->start_time = time_mono_ns();
	arch_kstack_init(t);
	list_add_tail(&t->all_link, &sched.all_tasks);
	sched.nr_tasks++;
	return t;
}

/* Free a task that never ran or whose stack is gone (reaped zombies). */
void task_free(struct task *t)
{
	list_del(&t->all_link);
	list_del(&t->sibling);
	list_del(&t->thread_link);
	sched.nr_tasks--;
	if (t->kstack)
		os_unmap(t->kstack, t->kstack_size);
	kfree(t->exe_path);
	kfree(t);
}

void task_start(struct task *t)
{
	t->state = TASK_UNINTERRUPTIBLE;
	wake_up_process(t);
}

struct tgroup *tgroup_alloc(struct task *leader)
{
	struct tgroup *g = kzalloc(sizeof(*g));

	if (!g)
		return NULL;
	g->refs = 1;
	g->nr_threads = 1;
	g->leader = leader;
	list_init(&g->shared_queue);
	wait_queue_init(&g->wait_chld);
	ktime_group_init(g);
	g->start_time = time_mono_ns();
	return g;
}

void tgroup_put(struct tgroup *g)
{
	if (--g->refs == 0)
		kfree(g);
}

struct sighand *sighand_alloc(void)
{
	struct sighand *sh = kzalloc(sizeof(*sh));

	if (sh)
		sh->refs = 1;
	return sh;
}

void sighand_put(struct sighand *sh)
{
	if (sh && --sh->refs == 0)
		kfree(sh);
}
