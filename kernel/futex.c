/*
 * Futexes: wait, wake, requeue, wake-op and bitset variants, robust lists,
 * and priority-inheritance (PI) futexes.
 *
 * A waiter is keyed by the address space and address for private futexes
 * (FUTEX_PRIVATE_FLAG), and by the physical page and offset for shared
 * ones, so processes sharing memory meet on the same key.
 *
 * A PI futex word holds its owner's TID with the FUTEX_WAITERS and
 * FUTEX_OWNER_DIED bits, as on Linux. While tasks sleep on one, the kernel
 * keeps a struct futex_pi for it: the owner and the waiters, first come
 * first served. Unlocking hands the lock straight to the first waiter (the
 * word becomes its TID | FUTEX_WAITERS); an owner that exits hands it on
 * with FUTEX_OWNER_DIED added, so a waiter never sleeps for a dead owner.
 * The state lives only while someone waits: the next first waiter finds the
 * owner again from the TID in the word.
 *
 * There is no priority inheritance proper: the kernel runs guests on one
 * CPU with no priorities that matter, so "inheritance" is ownership
 * tracking only (with Linux's deadlock detection along the owner chain),
 * and waiters are served in arrival order, as Linux serves SCHED_OTHER
 * tasks.
 *
 * The kernel is one host thread, so a read-modify-write of a futex word
 * through copy_from_user/copy_to_user is atomic with respect to every
 * other task.
 */
#include <linux/futex.h>
#include <linux/time_types.h>

#include "err.h"
#include "futex.h"
#include "klib.h"
#include "ktime.h"
#include "mm.h"
#include "sched.h"
#include "signal.h"
#include "syscall.h"
#include "timer.h"

#define FUTEX_BITSET_ANY 0xffffffffU
#define ROBUST_LIST_LIMIT 2048
/* The longest owner chain followed looking for a deadlock (Linux's). */
#define PI_CHAIN_MAX 1024

struct futex_key {
	uint64_t a; /* mm pointer, or pfn for shared */
	uint64_t b; /* address, or offset in page */
};

struct futex_pi;

struct futex_waiter {
	struct list_head link; /* in futexes.waiters, or in pi->waiters */
	struct futex_key key;
	uint32_t bitset;
	struct task *task;
	bool woken; /* woken by a wake, or handed the PI lock */
	/* FUTEX_WAIT_REQUEUE_PI: only a requeue onto requeue_key ends it. */
	bool requeue_pi;
	struct futex_key requeue_key;
	/* Waiting for a PI lock: its state, and the word in task's mm. */
	struct futex_pi *pi;
	uaddr_t pi_uaddr;
};

/* Kernel state of a PI futex with waiters. */
struct futex_pi {
	struct list_head link; /* in futexes.pis */
	struct futex_key key;
	struct task *owner;
	struct list_head waiters; /* futex_waiter.link, in arrival order */
};

struct futex_state {
	struct list_head waiters; /* plain and requeue-PI waiters */
	struct list_head pis;
};

static struct futex_state futexes = {
	.waiters = LIST_HEAD_INIT(futexes.waiters),
	.pis = LIST_HEAD_INIT(futexes.pis),
};

/*
 * The key of the futex at addr. A shared key names the page itself; write
 * (PI futexes, whose word the kernel updates) breaks copy-on-write first,
 * so the key stays the page the word will live in.
 */
static int futex_key(struct mm *mm, uaddr_t addr, bool private, bool write,
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
	err = mm_get_page(mm, ALIGN_DOWN(addr, PAGE_SIZE), write, &pfn);
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

/* ---- PI state ---- */

/* The PI state of the futex at key, or NULL when nobody waits on it. */
static struct futex_pi *pi_find(const struct futex_key *key)
{
	struct futex_pi *pi;

	list_for_each_entry(pi, &futexes.pis, link)
		if (key_eq(&pi->key, key))
			return pi;
	return NULL;
}

/* New PI state for key owned by owner, without waiters; NULL if no memory. */
static struct futex_pi *pi_create(const struct futex_key *key,
				  struct task *owner)
{
	struct futex_pi *pi = kzalloc(sizeof(*pi));

	if (!pi)
		return NULL;
	pi->key = *key;
	pi->owner = owner;
	list_init(&pi->waiters);
	list_add_tail(&pi->link, &futexes.pis);
	return pi;
}

/* Free pi (which may be NULL) once no task waits on it any more. */
static void pi_put_idle(struct futex_pi *pi)
{
	if (!pi || !list_empty(&pi->waiters))
		return;
	list_del(&pi->link);
	kfree(pi);
}

static struct futex_waiter *pi_top(struct futex_pi *pi)
{
	return list_first_entry(&pi->waiters, struct futex_waiter, link);
}

/*
 * Make the first waiter of pi the owner and wake it. The caller has
 * written the new owner's TID to the word. May free pi.
 */
static void pi_hand_over(struct futex_pi *pi)
{
	struct futex_waiter *w = pi_top(pi);

	list_del(&w->link);
	pi->owner = w->task;
	w->woken = true;
	wake_up_process(w->task);
	pi_put_idle(pi);
}

/* The PI futex t sleeps on, or NULL. */
static struct futex_pi *pi_blocked_on(const struct task *t)
{
	struct futex_pi *pi;
	struct futex_waiter *w;

	list_for_each_entry(pi, &futexes.pis, link)
		list_for_each_entry(w, &pi->waiters, link)
			if (w->task == t)
				return pi;
	return NULL;
}

/* Would t waiting for pi close a cycle of owners waiting for each other? */
static bool pi_deadlock(const struct futex_pi *pi, const struct task *t)
{
	int depth;

	for (depth = 0; pi && depth < PI_CHAIN_MAX; depth++) {
		if (pi->owner == t)
			return true;
		if (!pi->owner)
			return false;
		pi = pi_blocked_on(pi->owner);
	}
	return pi != NULL;
}

/* t can own a PI futex: it exists and has not exited. */
static bool task_alive(const struct task *t)
{
	return t && t->mm && t->state != TASK_ZOMBIE && t->state != TASK_DEAD;
}

/* A plain (non-PI) waiter sleeps on key: PI operations on it are invalid. */
static bool plain_waiters(const struct futex_key *key)
{
	struct futex_waiter *w;

	list_for_each_entry(w, &futexes.waiters, link)
		if (key_eq(&w->key, key))
			return true;
	return false;
}

/*
 * The word uval agrees with the kernel's PI state: the TID in it is the
 * owner's. Returns 0 or -EINVAL (the guest corrupted the word).
 */
static int pi_check_word(const struct futex_pi *pi, uint32_t uval)
{
	uint32_t tid = uval & FUTEX_TID_MASK;

	if (!pi->owner)
		return (uval & FUTEX_OWNER_DIED) && !tid ? 0 : -EINVAL;
	if ((uval & FUTEX_OWNER_DIED) && !tid)
		return 0;
	return tid == (uint32_t)pi->owner->pid ? 0 : -EINVAL;
}

/*
 * Try to take the PI futex at uaddr (key) for task t, in current's address
 * space. Returns 1 when t now owns it, 0 when another task owns it (*pip is
 * the PI state to wait on, FUTEX_WAITERS is set in the word) or -errno:
 * -EDEADLK when t owns it already, -ESRCH when the owner TID names no live
 * task, -EINVAL when the word disagrees with the kernel's state. With
 * set_waiters, a lock taken gets FUTEX_WAITERS and PI state owned by t
 * (*pip), for waiters about to be requeued onto it.
 */
static int pi_try_acquire(uaddr_t uaddr, const struct futex_key *key,
			  struct task *t, bool set_waiters,
			  struct futex_pi **pip)
{
	struct futex_pi *pi;
	struct task *owner;
	uint32_t uval, nval;
	int err;

	*pip = NULL;
	if (copy_from_user(&uval, uaddr, sizeof(uval)))
		return -EFAULT;
	if ((uval & FUTEX_TID_MASK) == (uint32_t)t->pid)
		return -EDEADLK;
	pi = pi_find(key);
	if (pi) {
		err = pi_check_word(pi, uval);
		if (err)
			return err;
		*pip = pi;
		return 0;
	}
	if (plain_waiters(key))
		return -EINVAL;
	if (!(uval & FUTEX_TID_MASK)) {
		/* Free, or stale bits after an owner died: take it over. */
		nval = (uval & FUTEX_OWNER_DIED) | (uint32_t)t->pid;
		if (set_waiters) {
			nval |= FUTEX_WAITERS;
			pi = pi_create(key, t);
			if (!pi)
				return -ENOMEM;
		}
		if (copy_to_user(uaddr, &nval, sizeof(nval))) {
			pi_put_idle(pi);
			return -EFAULT;
		}
		*pip = pi;
		return 1;
	}
	nval = uval | FUTEX_WAITERS;
	if (copy_to_user(uaddr, &nval, sizeof(nval)))
		return -EFAULT;
	owner = task_find((int)(uval & FUTEX_TID_MASK));
	if (!task_alive(owner))
		return -ESRCH;
	pi = pi_create(key, owner);
	if (!pi)
		return -ENOMEM;
	*pip = pi;
	return 0;
}

/* Take w (for current) off whichever queue it is on. */
static void waiter_leave(struct futex_waiter *w)
{
	list_del(&w->link);
	pi_put_idle(w->pi);
}

/*
 * Sleep until w is woken (0), the deadline passes (-ETIMEDOUT) or a
 * signal arrives (-ERESTARTSYS). Spurious wake-ups sleep again. On an
 * error w is still queued.
 */
static int waiter_sleep(struct futex_waiter *w, uint64_t deadline)
{
	int err;

	do {
		err = sched_sleep(true, deadline);
		if (w->woken)
			return 0;
	} while (!err);
	return err;
}

/*
 * FUTEX_LOCK_PI, FUTEX_LOCK_PI2 and FUTEX_TRYLOCK_PI: take the PI futex at
 * uaddr, sleeping (unless trylock) until the owner hands it over or the
 * absolute monotonic deadline passes. A signal restarts the call.
 */
static long futex_lock_pi(uaddr_t uaddr, bool private, uint64_t deadline,
			  bool trylock)
{
	struct futex_waiter w = { .task = current, .pi_uaddr = uaddr };
	struct futex_pi *pi;
	int ret;

	ret = futex_key(current->mm, uaddr, private, true, &w.key);
	if (ret)
		return ret;
	ret = pi_try_acquire(uaddr, &w.key, current, false, &pi);
	if (ret)
		return ret == 1 ? 0 : ret;
	if (trylock || pi_deadlock(pi, current)) {
		pi_put_idle(pi);
		return trylock ? -EWOULDBLOCK : -EDEADLK;
	}
	w.pi = pi;
	list_add_tail(&w.link, &pi->waiters);
	ret = waiter_sleep(&w, deadline);
	if (!ret)
		return 0;
	waiter_leave(&w);
	return ret == -ETIMEDOUT ? -ETIMEDOUT : -ERESTARTNOINTR;
}

/*
 * FUTEX_UNLOCK_PI: release the PI futex at uaddr, owned by current; the
 * first waiter, if any, becomes the owner.
 */
static long futex_unlock_pi(uaddr_t uaddr, bool private)
{
	struct futex_key key;
	struct futex_pi *pi;
	uint32_t uval, nval = 0;
	int err;

	if (copy_from_user(&uval, uaddr, sizeof(uval)))
		return -EFAULT;
	if ((uval & FUTEX_TID_MASK) != (uint32_t)current->pid)
		return -EPERM;
	err = futex_key(current->mm, uaddr, private, true, &key);
	if (err)
		return err;
	pi = pi_find(&key);
	if (pi) {
		if (pi->owner != current)
			return -EINVAL;
		nval = FUTEX_WAITERS | (uint32_t)pi_top(pi)->task->pid;
	} else if (plain_waiters(&key)) {
		return -EINVAL;
	}
	if (copy_to_user(uaddr, &nval, sizeof(nval)))
		return -EFAULT;
	if (pi)
		pi_hand_over(pi);
	return 0;
}

/*
 * FUTEX_WAIT_REQUEUE_PI: wait on the plain futex uaddr (if it still holds
 * val) until FUTEX_CMP_REQUEUE_PI moves us onto the PI futex uaddr2 and we
 * are handed it. Returns 0 owning uaddr2. Before the requeue a signal
 * restarts the call; after it, the wait ends with -EWOULDBLOCK, as on Linux.
 */
static long futex_wait_requeue_pi(uaddr_t uaddr, bool private, uint32_t val,
				  uint64_t deadline, uaddr_t uaddr2)
{
	struct futex_waiter w = {
		.bitset = FUTEX_BITSET_ANY,
		.task = current,
		.requeue_pi = true,
		.pi_uaddr = uaddr2,
	};
	uint32_t cur;
	int err;

	if (uaddr == uaddr2)
		return -EINVAL;
	err = futex_key(current->mm, uaddr2, private, true, &w.requeue_key);
	if (!err)
		err = futex_key(current->mm, uaddr, private, false, &w.key);
	if (err)
		return err;
	if (copy_from_user(&cur, uaddr, sizeof(cur)))
		return -EFAULT;
	if (cur != val)
		return -EAGAIN;
	if (key_eq(&w.key, &w.requeue_key))
		return -EINVAL;
	list_add_tail(&w.link, &futexes.waiters);
	err = waiter_sleep(&w, deadline);
	if (!err)
		return 0;
	waiter_leave(&w);
	if (err == -ETIMEDOUT)
		return -ETIMEDOUT;
	return w.pi ? -EWOULDBLOCK : -ERESTARTNOINTR;
}

/* The first waiter on key, or NULL. */
static struct futex_waiter *first_waiter(const struct futex_key *key)
{
	struct futex_waiter *w;

	list_for_each_entry(w, &futexes.waiters, link)
		if (key_eq(&w->key, key))
			return w;
	return NULL;
}

/* w waits in FUTEX_WAIT_REQUEUE_PI for exactly the PI futex at key. */
static bool requeue_pi_target(const struct futex_waiter *w,
			      const struct futex_key *key)
{
	return w->requeue_pi && key_eq(&w->requeue_key, key);
}

/*
 * FUTEX_CMP_REQUEUE_PI: if uaddr still holds cmpval, take the PI futex
 * uaddr2 for the first waiter of uaddr (waking it) if it is free, and move
 * up to nrequeue waiters onto uaddr2 (one more when the lock was not
 * free). Returns the number of waiters woken or moved.
 */
static long futex_cmp_requeue_pi(uaddr_t uaddr, uaddr_t uaddr2, bool private,
				 int nwake, int nrequeue, uint32_t cmpval)
{
	struct futex_waiter *w, *tmp;
	struct futex_key k1, k2;
	struct futex_pi *pi = NULL;
	int err, count = 0;
	uint32_t cur;

	if (nwake != 1 || nrequeue < 0 || uaddr == uaddr2)
		return -EINVAL;
	err = futex_key(current->mm, uaddr, private, false, &k1);
	if (!err)
		err = futex_key(current->mm, uaddr2, private, true, &k2);
	if (err)
		return err;
	if (key_eq(&k1, &k2))
		return -EINVAL;
	if (copy_from_user(&cur, uaddr, sizeof(cur)))
		return -EFAULT;
	if (cur != cmpval)
		return -EAGAIN;
	w = first_waiter(&k1);
	if (w) {
		if (!requeue_pi_target(w, &k2))
			return -EINVAL;
		err = pi_try_acquire(uaddr2, &k2, w->task, nrequeue > 0, &pi);
		if (err < 0)
			return err;
		if (err == 1) {
			list_del(&w->link);
			w->woken = true;
			wake_up_process(w->task);
			count++;
		}
	}
	err = 0;
	list_for_each_entry_safe(w, tmp, &futexes.waiters, link) {
		if (count - nwake >= nrequeue)
			break;
		if (!key_eq(&w->key, &k1))
			continue;
		if (!requeue_pi_target(w, &k2)) {
			err = -EINVAL;
			break;
		}
		if (pi_deadlock(pi, w->task)) {
			err = -EDEADLK;
			break;
		}
		list_del(&w->link);
		w->key = k2;
		w->pi = pi;
		list_add_tail(&w->link, &pi->waiters);
		count++;
	}
	pi_put_idle(pi);
	return err ? err : count;
}

/* ---- plain futexes ---- */

/*
 * Wake up to n waiters on key whose bitset meets bitset. Returns the
 * number woken, or -EINVAL when key is a PI futex or has a requeue-PI
 * waiter (those pair only with their own operations).
 */
static int wake_key(const struct futex_key *key, int n, uint32_t bitset)
{
	struct futex_waiter *w, *tmp;
	int woken = 0;

	if (pi_find(key))
		return -EINVAL;
	list_for_each_entry_safe(w, tmp, &futexes.waiters, link) {
		if (woken >= n)
			break;
		if (!key_eq(&w->key, key))
			continue;
		if (w->requeue_pi)
			return -EINVAL;
		if (!(w->bitset & bitset))
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
	int woken;

	if (futex_key(mm, addr, true, false, &key))
		return 0;
	/* Waiters may have used either kind of key: wake both. */
	woken = wake_key(&key, n, FUTEX_BITSET_ANY);
	if (woken > 0)
		n -= woken;
	if (n > 0 && futex_key(mm, addr, false, false, &key) == 0)
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
	err = futex_key(current->mm, uaddr, private, false, &w.key);
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
	err = futex_key(current->mm, uaddr, private, false, &k1);
	if (!err)
		err = futex_key(current->mm, uaddr2, private, false, &k2);
	if (err)
		return err;
	if (cmpval) {
		uint32_t cur;

		if (copy_from_user(&cur, uaddr, sizeof(cur)))
			return -EFAULT;
		if (cur != *cmpval)
			return -EAGAIN;
	}
	if (pi_find(&k1))
		return -EINVAL;
	list_for_each_entry_safe(w, tmp, &futexes.waiters, link) {
		if (!key_eq(&w->key, &k1))
			continue;
		if (w->requeue_pi)
			return -EINVAL;
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
	int err, woken, more;

	if (op & (FUTEX_OP_OPARG_SHIFT << 28))
		oparg = 1U << (oparg & 31);
	err = futex_key(current->mm, uaddr, private, false, &k1);
	if (!err)
		err = futex_key(current->mm, uaddr2, private, false, &k2);
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
	if (woken < 0 || !cond)
		return woken;
	more = wake_key(&k2, n2, FUTEX_BITSET_ANY);
	return more < 0 ? more : woken + more;
}

/* ---- the system call ---- */

static bool futex_cmd_has_timeout(int cmd)
{
	return cmd == FUTEX_WAIT || cmd == FUTEX_WAIT_BITSET ||
	       cmd == FUTEX_LOCK_PI || cmd == FUTEX_LOCK_PI2 ||
	       cmd == FUTEX_WAIT_REQUEUE_PI;
}

/*
 * Read a futex timeout into an absolute monotonic deadline (0 = none): a
 * relative interval for FUTEX_WAIT, otherwise an absolute time on
 * CLOCK_REALTIME (realtime) or CLOCK_MONOTONIC.
 */
static int futex_deadline(uaddr_t uts, bool relative, bool realtime,
			  uint64_t *deadline)
{
	struct __kernel_timespec ts;
	uint64_t ns;
	int err;

	*deadline = 0;
	if (!uts)
		return 0;
	if (copy_from_user(&ts, uts, sizeof(ts)))
		return -EFAULT;
	err = ktime_ts_to_ns(&ts, &ns);
	if (err)
		return err;
	if (relative)
		*deadline = ktime_add_sat(time_mono_ns(), ns);
	else if (realtime)
		*deadline = ktime_deadline_to_mono(ns, time_real_ns(),
						   time_mono_ns());
	else
		*deadline = ns;
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
	uint64_t deadline = 0;
	struct futex_key key;
	int err;

	if (futex_cmd_has_timeout(cmd)) {
		/* FUTEX_LOCK_PI's timeout is always on CLOCK_REALTIME. */
		err = futex_deadline(uts, cmd == FUTEX_WAIT,
				     realtime || cmd == FUTEX_LOCK_PI,
				     &deadline);
		if (err)
			return err;
	}
	if (realtime && cmd != FUTEX_WAIT_BITSET &&
	    cmd != FUTEX_WAIT_REQUEUE_PI && cmd != FUTEX_LOCK_PI2)
		return -ENOSYS;

	switch (cmd) {
	case FUTEX_WAIT:
	case FUTEX_WAIT_BITSET:
		return futex_wait(uaddr, private, val, deadline,
				  cmd == FUTEX_WAIT ? FUTEX_BITSET_ANY : val3);
	case FUTEX_WAKE:
	case FUTEX_WAKE_BITSET:
		if (cmd == FUTEX_WAKE_BITSET && !val3)
			return -EINVAL;
		err = futex_key(current->mm, uaddr, private, false, &key);
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
	case FUTEX_LOCK_PI:
	case FUTEX_LOCK_PI2:
		return futex_lock_pi(uaddr, private, deadline, false);
	case FUTEX_TRYLOCK_PI:
		return futex_lock_pi(uaddr, private, 0, true);
	case FUTEX_UNLOCK_PI:
		return futex_unlock_pi(uaddr, private);
	case FUTEX_WAIT_REQUEUE_PI:
		return futex_wait_requeue_pi(uaddr, private, val, deadline,
					     uaddr2);
	case FUTEX_CMP_REQUEUE_PI:
		return futex_cmp_requeue_pi(uaddr, uaddr2, private, (int)val,
					    (int)(uint32_t)uts, val3);
	default:
		return -ENOSYS;
	}
}

/* ---- thread exit: robust lists and PI locks ---- */

struct robust_head_k {
	uint64_t next;
	int64_t futex_offset;
	uint64_t pending;
};

/* A robust list pointer: the entry's address; bit 0 flags a PI futex. */
static uaddr_t robust_entry(uint64_t uentry, bool *pi)
{
	*pi = uentry & 1;
	return uentry & ~1ULL;
}

/*
 * The exiting task t held the robust futex of entry (the pending one when
 * pending): mark it FUTEX_OWNER_DIED and wake a waiter of a plain futex.
 * A PI futex is handed on by futex_exit_pi(). Returns 0, or -EFAULT to
 * stop walking a list that no longer reads.
 */
static int robust_release(struct task *t, uaddr_t entry, int64_t off, bool pi,
			  bool pending)
{
	uaddr_t faddr = entry + (uint64_t)off;
	uint32_t val, owner;

	if (faddr & 3)
		return -EFAULT;
	if (mm_copy_from(t->mm, &val, faddr, sizeof(val)))
		return -EFAULT;
	owner = val & FUTEX_TID_MASK;
	if (pending && !pi && !owner) {
		/* Unlocked but maybe not yet woken: let a waiter retry. */
		futex_wake_mm(t->mm, faddr, 1);
		return 0;
	}
	if (owner != (uint32_t)t->pid)
		return 0;
	val = (val & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
	if (mm_copy_to(t->mm, faddr, &val, sizeof(val)))
		return -EFAULT;
	if (!pi && (val & FUTEX_WAITERS))
		futex_wake_mm(t->mm, faddr, 1);
	return 0;
}

void futex_exit_robust(struct task *t)
{
	struct robust_head_k head;
	uaddr_t entry, pending;
	bool pi, pending_pi;
	int n;

	if (t->robust_len != sizeof(head) ||
	    mm_copy_from(t->mm, &head, t->robust_list, sizeof(head)))
		return;
	entry = robust_entry(head.next, &pi);
	pending = robust_entry(head.pending, &pending_pi);
	for (n = 0; entry != t->robust_list && n < ROBUST_LIST_LIMIT; n++) {
		uint64_t next;
		int err = mm_copy_from(t->mm, &next, entry, sizeof(next));

		/* The pending lock may be on the list too: release it once. */
		if (entry != pending &&
		    robust_release(t, entry, head.futex_offset, pi, false))
			return;
		if (err)
			return;
		entry = robust_entry(next, &pi);
	}
	if (pending)
		robust_release(t, pending, head.futex_offset, pending_pi, true);
}

void futex_exit_pi(struct task *t)
{
	struct futex_pi *pi, *tmp;

	list_for_each_entry_safe(pi, tmp, &futexes.pis, link) {
		struct futex_waiter *w;
		uint32_t val;

		if (pi->owner != t)
			continue;
		w = pi_top(pi);
		val = (uint32_t)w->task->pid | FUTEX_WAITERS | FUTEX_OWNER_DIED;
		/* A word the waiter unmapped is its own loss: hand over. */
		(void)mm_copy_to(w->task->mm, w->pi_uaddr, &val, sizeof(val));
		pi_hand_over(pi);
	}
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
