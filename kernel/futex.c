/*
 * Futexes: wait, wake, requeue, wake-op and bitset variants.
 *
 * A waiter is keyed by the address space and address for private futexes
 * (FUTEX_PRIVATE_FLAG), and by the physical page and offset for shared
 * ones, so processes sharing memory meet on the same key.
 */
#include <linux/futex.h>
#include <linux/time_types.h>

#include "err.h"
#include "futex.h"
#include "klib.h"
#include "mm.h"
#include "sched.h"
#include "signal.h"
#include "syscall.h"
#include "timer.h"

#define FUTEX_BITSET_ANY 0xffffffffU
#define ROBUST_LIST_LIMIT 2048

struct futex_key {
	uint64_t a; /* mm pointer, or pfn for shared */
	uint64_t b; /* address, or offset in page */
};

struct futex_waiter {
	struct list_head link;
	struct futex_key key;
	uint32_t bitset;
	struct task *task;
	bool woken;
};

struct futex_state {
	struct list_head waiters;
};

static struct futex_state futexes = {
	.waiters = LIST_HEAD_INIT(futexes.waiters),
};

static int futex_key(struct mm *mm, uaddr_t addr, bool private,
		     struct futex_key *key)
{
	pfn_t pfn;
	int err;

	if (addr & 3)
		return -EINVAL;
	if (private) {
		key->a = (uint64_t)(uintptr_t)mm;
		key->b = addr;
		return 0;
	}
	err = mm_get_page(mm, ALIGN_DOWN(addr, PAGE_SIZE), false, &pfn);
	if (err)
		return -EFAULT;
	key->a = pfn | (1ULL << 63);
	key->b = addr & ~PAGE_MASK;
	return 0;
}

static bool key_eq(const struct futex_key *x, const struct futex_key *y)
{
	return x->a == y->a && x->b == y->b;
}

static int wake_key(const struct futex_key *key, int n, uint32_t bitset)
{
	struct futex_waiter *w, *tmp;
	int woken = 0;

	list_for_each_entry_safe(w, tmp, &futexes.waiters, link) {
		if (woken >= n)
			break;
		if (!key_eq(&w->key, key) || !(w->bitset & bitset))
			continue;
		list_del(&w->link);
		w->woken = true;
		wake_up_process(w->task);
		woken++;
	}
	return woken;
}

int futex_wake_mm(struct mm *mm, uaddr_t addr, int n)
{
	struct futex_key key;

	if (futex_key(mm, addr, true, &key))
		return 0;
	/* Waiters may have used either kind of key: wake both. */
	n -= wake_key(&key, n, FUTEX_BITSET_ANY);
	if (n > 0 && futex_key(mm, addr, false, &key) == 0)
		wake_key(&key, n, FUTEX_BITSET_ANY);
	return 0;
}

static long futex_wait(uaddr_t uaddr, bool private, uint32_t val,
		       uint64_t deadline, uint32_t bitset)
{
	struct futex_waiter w = { .bitset = bitset, .task = current };
	uint32_t cur;
	int err;

	if (!bitset)
		return -EINVAL;
	err = futex_key(current->mm, uaddr, private, &w.key);
	if (err)
		return err;
	if (copy_from_user(&cur, uaddr, sizeof(cur)))
		return -EFAULT;
	if (cur != val)
		return -EAGAIN;
	list_add_tail(&w.link, &futexes.waiters);
	err = sched_sleep(true, deadline);
	if (!w.woken)
		list_del(&w.link);
	if (w.woken)
		return 0;
	if (err == -ETIMEDOUT)
		return -ETIMEDOUT;
	return err ? -ERESTARTSYS : 0;
}

static long futex_requeue(uaddr_t uaddr, uaddr_t uaddr2, bool private,
			  int nwake, int nrequeue, const uint32_t *cmpval)
{
	struct futex_key k1, k2;
	struct futex_waiter *w, *tmp;
	int err, done = 0, moved = 0;

	if (nwake < 0 || nrequeue < 0)
		return -EINVAL;
	err = futex_key(current->mm, uaddr, private, &k1);
	if (!err)
		err = futex_key(current->mm, uaddr2, private, &k2);
	if (err)
		return err;
	if (cmpval) {
		uint32_t cur;

		if (copy_from_user(&cur, uaddr, sizeof(cur)))
			return -EFAULT;
		if (cur != *cmpval)
			return -EAGAIN;
	}
	list_for_each_entry_safe(w, tmp, &futexes.waiters, link) {
		if (!key_eq(&w->key, &k1))
			continue;
		if (done < nwake) {
			list_del(&w->link);
			w->woken = true;
			wake_up_process(w->task);
			done++;
		} else if (moved < nrequeue) {
			w->key = k2;
			moved++;
		} else {
			break;
		}
	}
	return done + moved;
}

static long futex_wake_op(uaddr_t uaddr, uaddr_t uaddr2, bool private, int n1,
			  int n2, uint32_t op)
{
	unsigned int opc = (op >> 28) & 7, cmp = (op >> 24) & 15;
	uint32_t oparg = (op >> 12) & 0xfff, cmparg = op & 0xfff;
	struct futex_key k1, k2;
	uint32_t old, new;
	bool cond;
	int err, woken;

	if (op & (FUTEX_OP_OPARG_SHIFT << 28))
		oparg = 1U << (oparg & 31);
	err = futex_key(current->mm, uaddr, private, &k1);
	if (!err)
		err = futex_key(current->mm, uaddr2, private, &k2);
	if (err)
		return err;
	if (copy_from_user(&old, uaddr2, sizeof(old)))
		return -EFAULT;
	switch (opc) {
	case FUTEX_OP_SET:
		new = oparg;
		break;
	case FUTEX_OP_ADD:
		new = old + oparg;
		break;
	case FUTEX_OP_OR:
		new = old | oparg;
		break;
	case FUTEX_OP_ANDN:
		new = old & ~oparg;
		break;
	case FUTEX_OP_XOR:
		new = old ^ oparg;
		break;
	default:
		return -ENOSYS;
	}
	if (copy_to_user(uaddr2, &new, sizeof(new)))
		return -EFAULT;
	switch (cmp) {
	case FUTEX_OP_CMP_EQ:
		cond = old == cmparg;
		break;
	case FUTEX_OP_CMP_NE:
		cond = old != cmparg;
		break;
	case FUTEX_OP_CMP_LT:
		cond = (int32_t)old < (int32_t)cmparg;
		break;
	case FUTEX_OP_CMP_LE:
		cond = (int32_t)old <= (int32_t)cmparg;
		break;
	case FUTEX_OP_CMP_GT:
		cond = (int32_t)old > (int32_t)cmparg;
		break;
	case FUTEX_OP_CMP_GE:
		cond = (int32_t)old >= (int32_t)cmparg;
		break;
	default:
		return -ENOSYS;
	}
	woken = wake_key(&k1, n1, FUTEX_BITSET_ANY);
	if (cond)
		woken += wake_key(&k2, n2, FUTEX_BITSET_ANY);
	return woken;
}

/* Convert a futex timeout to an absolute monotonic deadline. */
static int futex_deadline(uaddr_t uts, int cmd, bool realtime,
			  uint64_t *deadline)
{
	struct __kernel_timespec ts;
	uint64_t ns;

	*deadline = 0;
	if (!uts)
		return 0;
	if (copy_from_user(&ts, uts, sizeof(ts)))
		return -EFAULT;
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
		return -EINVAL;
	ns = (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
	if (cmd == FUTEX_WAIT) {
		*deadline = time_mono_ns() + ns;
	} else if (realtime) {
		uint64_t now = time_real_ns();

		*deadline = time_mono_ns() + (ns > now ? ns - now : 0);
	} else {
		*deadline = ns;
	}
	if (!*deadline)
		*deadline = 1;
	return 0;
}

SYSCALL6(futex, uaddr_t, uaddr, int, op, uint32_t, val, uaddr_t, uts, uaddr_t,
	 uaddr2, uint32_t, val3)
{
	int cmd = op & FUTEX_CMD_MASK;
	bool private = op & FUTEX_PRIVATE_FLAG;
	bool realtime = op & FUTEX_CLOCK_REALTIME;
	uint64_t deadline;
	struct futex_key key;
	int err;

	switch (cmd) {
	case FUTEX_WAIT:
	case FUTEX_WAIT_BITSET:
		err = futex_deadline(uts, cmd, realtime, &deadline);
		if (err)
			return err;
		return futex_wait(uaddr, private, val, deadline,
				  cmd == FUTEX_WAIT ? FUTEX_BITSET_ANY : val3);
	case FUTEX_WAKE:
	case FUTEX_WAKE_BITSET:
		if (cmd == FUTEX_WAKE_BITSET && !val3)
			return -EINVAL;
		err = futex_key(current->mm, uaddr, private, &key);
		if (err)
			return err;
		return wake_key(&key, (int)MIN(val, (uint32_t)INT32_MAX),
				cmd == FUTEX_WAKE ? FUTEX_BITSET_ANY : val3);
	case FUTEX_REQUEUE:
		return futex_requeue(uaddr, uaddr2, private, (int)val,
				     (int)(uint32_t)uts, NULL);
	case FUTEX_CMP_REQUEUE:
		return futex_requeue(uaddr, uaddr2, private, (int)val,
				     (int)(uint32_t)uts, &val3);
	case FUTEX_WAKE_OP:
		return futex_wake_op(uaddr, uaddr2, private, (int)val,
				     (int)(uint32_t)uts, val3);
	default:
		return -ENOSYS;
	}
}

/* ---- robust lists ---- */

struct robust_head_k {
	uint64_t next;
	int64_t futex_offset;
	uint64_t pending;
};

static void robust_release(struct task *t, uaddr_t entry, int64_t off)
{
	uaddr_t faddr = entry + (uint64_t)off;
	uint32_t val;

	if (mm_copy_from(t->mm, &val, faddr, sizeof(val)))
		return;
	if ((val & FUTEX_TID_MASK) != (uint32_t)t->pid)
		return;
	val = (val & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
	if (mm_copy_to(t->mm, faddr, &val, sizeof(val)))
		return;
	if (val & FUTEX_WAITERS)
		futex_wake_mm(t->mm, faddr, 1);
}

void futex_exit_robust(struct task *t)
{
	struct robust_head_k head;
	uaddr_t entry;
	int n = 0;

	if (t->robust_len != sizeof(head) ||
	    mm_copy_from(t->mm, &head, t->robust_list, sizeof(head)))
		return;
	entry = head.next;
	while (entry && entry != t->robust_list && n++ < ROBUST_LIST_LIMIT) {
		uint64_t next;

		if (mm_copy_from(t->mm, &next, entry, sizeof(next)))
			return;
		if (entry != head.pending)
			robust_release(t, entry, head.futex_offset);
		entry = next;
	}
	if (head.pending)
		robust_release(t, head.pending, head.futex_offset);
}

SYSCALL2(set_robust_list, uaddr_t, head, size_t, len)
{
	if (len != sizeof(struct robust_head_k))
		return -EINVAL;
	current->robust_list = head;
	current->robust_len = len;
	return 0;
}

SYSCALL3(get_robust_list, int, pid, uaddr_t, uhead, uaddr_t, ulen)
{
	struct task *t = pid ? task_find(pid) : current;
	uint64_t len = sizeof(struct robust_head_k);

	if (!t)
		return -ESRCH;
	if (put_user(t->robust_list, uhead) || put_user(len, ulen))
		return -EFAULT;
	return 0;
}
