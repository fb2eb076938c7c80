/*
 * Unit tests for the credential rules (kernel/cred.c): the real,
 * effective, saved and filesystem id transitions of setuid, setreuid,
 * setresuid, setfsuid and their gid twins, for root and non-root callers.
 */
#include "cred.h"
#include "err.h"
#include "uaccess.h"

/* The uapi <linux/time.h> under sched.h already defined struct timeval. */
#define __timeval_defined 1
#include <check.h>
#include <stdlib.h>

/* Fakes for what kernel/cred.c's syscalls reference. */
struct sched_state sched;

int copy_from_user(void *dst, uaddr_t src, size_t len)
{
	(void)dst, (void)src, (void)len;
	return -EFAULT;
}

int copy_to_user(uaddr_t dst, const void *src, size_t len)
{
	(void)dst, (void)src, (void)len;
	return -EFAULT;
}

struct task *task_find(int pid)
{
	(void)pid;
	return NULL;
}

static struct cred uids(uint32_t r, uint32_t e, uint32_t s)
{
	struct cred c = { .uid = r,
			  .euid = e,
			  .suid = s,
			  .fsuid = e,
			  .gid = 100,
			  .egid = 100,
			  .sgid = 100,
			  .fsgid = 100 };
	return c;
}

#define ck_uids(c, r, e, s, fs)                     \
	do {                                        \
		ck_assert_uint_eq((c).uid, (r));    \
		ck_assert_uint_eq((c).euid, (e));   \
		ck_assert_uint_eq((c).suid, (s));   \
		ck_assert_uint_eq((c).fsuid, (fs)); \
	} while (0)

START_TEST(setuid_as_root_sets_all_ids)
{
	struct cred c = uids(0, 0, 0);

	ck_assert_int_eq(cred_setuid(&c, 1000, true), 0);
	ck_uids(c, 1000, 1000, 1000, 1000);
}
END_TEST

START_TEST(setuid_unprivileged_to_saved_changes_effective_only)
{
	struct cred c = uids(1000, 1000, 0);

	ck_assert_int_eq(cred_setuid(&c, 0, false), 0);
	ck_uids(c, 1000, 0, 0, 0);
}
END_TEST

START_TEST(setuid_unprivileged_to_foreign_uid_fails_unchanged)
{
	struct cred c = uids(1000, 1000, 1000);

	ck_assert_int_eq(cred_setuid(&c, 2000, false), -EPERM);
	ck_uids(c, 1000, 1000, 1000, 1000);
}
END_TEST

START_TEST(setuid_minus_one_is_invalid)
{
	struct cred c = uids(0, 0, 0);

	ck_assert_int_eq(cred_setuid(&c, CRED_KEEP, true), -EINVAL);
	ck_uids(c, 0, 0, 0, 0);
}
END_TEST

START_TEST(setreuid_unprivileged_swaps_real_and_effective)
{
	struct cred c = uids(1000, 2000, 2000);

	ck_assert_int_eq(cred_setreuid(&c, 2000, 1000, false), 0);
	/* A real-id change makes the saved id the new effective id. */
	ck_uids(c, 2000, 1000, 1000, 1000);
}
END_TEST

START_TEST(setreuid_effective_to_old_real_keeps_saved)
{
	struct cred c = uids(1000, 2000, 3000);

	ck_assert_int_eq(cred_setreuid(&c, CRED_KEEP, 1000, false), 0);
	ck_uids(c, 1000, 1000, 3000, 1000);
}
END_TEST

START_TEST(setreuid_effective_to_other_id_updates_saved)
{
	struct cred c = uids(1000, 2000, 3000);

	ck_assert_int_eq(cred_setreuid(&c, CRED_KEEP, 3000, false), 0);
	ck_uids(c, 1000, 3000, 3000, 3000);
}
END_TEST

START_TEST(setreuid_unprivileged_real_to_saved_fails)
{
	struct cred c = uids(1000, 2000, 3000);

	ck_assert_int_eq(cred_setreuid(&c, 3000, CRED_KEEP, false), -EPERM);
	ck_uids(c, 1000, 2000, 3000, 2000);
}
END_TEST

START_TEST(setreuid_both_keep_changes_nothing)
{
	struct cred c = uids(1000, 2000, 3000);

	ck_assert_int_eq(cred_setreuid(&c, CRED_KEEP, CRED_KEEP, false), 0);
	ck_uids(c, 1000, 2000, 3000, 2000);
}
END_TEST

START_TEST(setresuid_unprivileged_permutes_own_ids)
{
	struct cred c = uids(1000, 2000, 3000);

	ck_assert_int_eq(cred_setresuid(&c, 3000, 1000, 2000, false), 0);
	ck_uids(c, 3000, 1000, 2000, 1000);
}
END_TEST

START_TEST(setresuid_unprivileged_foreign_id_fails_atomically)
{
	struct cred c = uids(1000, 2000, 3000);

	ck_assert_int_eq(cred_setresuid(&c, 2000, 1000, 4000, false), -EPERM);
	ck_uids(c, 1000, 2000, 3000, 2000);
}
END_TEST

START_TEST(setresuid_root_sets_anything_and_keep_leaves_ids)
{
	struct cred c = uids(0, 0, 0);

	ck_assert_int_eq(cred_setresuid(&c, 5, CRED_KEEP, 7, true), 0);
	ck_uids(c, 5, 0, 7, 0);
}
END_TEST

START_TEST(setfsuid_returns_old_and_refuses_foreign_id)
{
	struct cred c = uids(1000, 2000, 3000);

	ck_assert_uint_eq(cred_setfsuid(&c, 3000, false), 2000);
	ck_assert_uint_eq(c.fsuid, 3000);
	ck_assert_uint_eq(cred_setfsuid(&c, 4000, false), 3000);
	ck_assert_uint_eq(c.fsuid, 3000);
	ck_assert_uint_eq(cred_setfsuid(&c, CRED_KEEP, false), 3000);
	ck_assert_uint_eq(cred_setfsuid(&c, 4000, true), 3000);
	ck_assert_uint_eq(c.fsuid, 4000);
}
END_TEST

START_TEST(gid_rules_touch_only_gids)
{
	struct cred c = uids(1000, 1000, 1000);

	c.gid = 10;
	c.egid = 20;
	c.sgid = 30;
	ck_assert_int_eq(cred_setgid(&c, 40, false), -EPERM);
	ck_assert_int_eq(cred_setregid(&c, CRED_KEEP, 30, false), 0);
	ck_assert_uint_eq(c.egid, 30);
	ck_assert_uint_eq(c.fsgid, 30);
	ck_assert_int_eq(cred_setresgid(&c, 30, 10, CRED_KEEP, false), 0);
	ck_assert_uint_eq(c.gid, 30);
	ck_assert_uint_eq(c.egid, 10);
	ck_assert_uint_eq(c.sgid, 30);
	ck_assert_int_eq(cred_setgid(&c, 99, true), 0);
	ck_assert_uint_eq(c.sgid, 99);
	ck_uids(c, 1000, 1000, 1000, 1000);
}
END_TEST

START_TEST(setgroups_bounds_and_in_group)
{
	struct cred c = uids(0, 0, 0);
	uint32_t many[NGROUPS_MAX_KERN + 1] = { 0 };
	const uint32_t two[] = { 5, 6 };

	ck_assert_int_eq(cred_setgroups(&c, many, NGROUPS_MAX_KERN + 1),
			 -EINVAL);
	ck_assert_int_eq(cred_setgroups(&c, two, 2), 0);
	ck_assert_int_eq(c.ngroups, 2);
	ck_assert(cred_in_group(&c, 6));
	ck_assert(cred_in_group(&c, c.fsgid));
	ck_assert(!cred_in_group(&c, 7));
}
END_TEST

static Suite *cred_suite(void)
{
	Suite *s = suite_create("cred");
	TCase *tc = tcase_create("rules");

	tcase_add_test(tc, setuid_as_root_sets_all_ids);
	tcase_add_test(tc, setuid_unprivileged_to_saved_changes_effective_only);
	tcase_add_test(tc, setuid_unprivileged_to_foreign_uid_fails_unchanged);
	tcase_add_test(tc, setuid_minus_one_is_invalid);
	tcase_add_test(tc, setreuid_unprivileged_swaps_real_and_effective);
	tcase_add_test(tc, setreuid_effective_to_old_real_keeps_saved);
	tcase_add_test(tc, setreuid_effective_to_other_id_updates_saved);
	tcase_add_test(tc, setreuid_unprivileged_real_to_saved_fails);
	tcase_add_test(tc, setreuid_both_keep_changes_nothing);
	tcase_add_test(tc, setresuid_unprivileged_permutes_own_ids);
	tcase_add_test(tc, setresuid_unprivileged_foreign_id_fails_atomically);
	tcase_add_test(tc, setresuid_root_sets_anything_and_keep_leaves_ids);
	tcase_add_test(tc, setfsuid_returns_old_and_refuses_foreign_id);
	tcase_add_test(tc, gid_rules_touch_only_gids);
	tcase_add_test(tc, setgroups_bounds_and_in_group);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(cred_suite());
	int failed;

	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
