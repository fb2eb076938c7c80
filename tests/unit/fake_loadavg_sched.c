/*
 * The fake task list behind fake_loadavg_sched.h.
 */
#include "fake_loadavg_sched.h"
#include "sched.h"

#define FAKE_TASKS_MAX 32

struct sched_state sched;

static struct task fake_tasks[FAKE_TASKS_MAX];

static int fake_add(int n, int count, enum task_state state)
{
	for (int i = 0; i < count && n < FAKE_TASKS_MAX; i++, n++) {
		fake_tasks[n].state = state;
		list_add_tail(&fake_tasks[n].all_link, &sched.all_tasks);
	}
	return n;
}

void fake_sched_set_tasks(int running, int blocked, int sleeping, int zombies)
{
	int n = 0;

	list_init(&sched.all_tasks);
	n = fake_add(n, running, TASK_RUNNING);
	n = fake_add(n, blocked, TASK_UNINTERRUPTIBLE);
	n = fake_add(n, sleeping, TASK_INTERRUPTIBLE);
	fake_add(n, zombies, TASK_ZOMBIE);
}
