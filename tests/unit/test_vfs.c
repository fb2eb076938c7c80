/*
 * Unit tests for the VFS's pure logic: path component splitting and
 * lexical normalization (fs/vfs_path.c), permission checks by cred and
 * mode (fs/vfs_perm.c), the sparse page map behind tmpfs
 * (fs/vfs_pagemap.c) and record-lock ranges (fs/locks.c).
 */
#include "sched.h"
#include "err.h"
#include "../../fs/vfs_internal.h"

/* The uapi <linux/time.h> under sched.h already defined struct timeval. */
#define __timeval_defined 1
#include <check.h>
#include <stdlib.h>
#include <string.h>

/* uapi <linux/stat.h> hides the S_IF* names from glibc programs. */
#ifndef S_IFREG
#define S_IFREG 0100000
#define S_IFDIR 0040000
#endif

/* ---- fakes for what the modules under test call ---- */

struct sched_state sched;

bool cred_in_group(const struct cred *c, uint32_t gid)
{
	for (int i = 0; i < c->ngroups; i++)
		if (c->groups[i] == gid)
			return true;
	return false;
}

int wait_sleep(struct wait_queue *wq, bool interruptible, uint64_t deadline)
{
	return -ERESTARTSYS;
}

void wake_up(struct wait_queue *wq)
{
}

int copy_from_user(void *dst, uaddr_t src, size_t len)
{
	memcpy(dst, (const void *)(uintptr_t)src, len);
	return 0;
}

int copy_to_user(uaddr_t dst, const void *src, size_t len)
{
	memcpy((void *)(uintptr_t)dst, src, len);
	return 0;
}

/* ---- path strings ---- */

START_TEST(components_skip_repeated_and_trailing_slashes)
{
	const char *p = "//usr///lib/", *c;
	size_t n;

	n = path_next_component(&p, &c);
	ck_assert_uint_eq(n, 3);
	ck_assert(strncmp(c, "usr", 3) == 0);
	n = path_next_component(&p, &c);
	ck_assert_uint_eq(n, 3);
	ck_assert(strncmp(c, "lib", 3) == 0);
	ck_assert(*p == '/');
	ck_assert(path_at_end(p));
	ck_assert_uint_eq(path_next_component(&p, &c), 0);
}
END_TEST

START_TEST(normalize_collapses_dots_and_slashes)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "/", "/" },
		{ "//a//b/", "/a/b" },
		{ "/a/./b/../c", "/a/c" },
		{ "/../..", "/" },
		{ "a/../..", ".." },
		{ "../x/../y", "../y" },
		{ ".", "." },
		{ "a/b/../../", "." },
	};
	char buf[64];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_int_ge(path_normalize(cases[i].in, buf, sizeof(buf)),
				 0);
		ck_assert_str_eq(buf, cases[i].out);
	}
}
END_TEST

START_TEST(normalize_refuses_output_that_does_not_fit)
{
	char buf[6];

	ck_assert_int_eq(path_normalize("/abcdef", buf, sizeof(buf)),
			 -ENAMETOOLONG);
	ck_assert_int_eq(path_normalize("/abcd", buf, sizeof(buf)), 5);
}
END_TEST

START_TEST(hash_depends_on_every_byte)
{
	ck_assert_uint_ne(path_hash("abc", 3), path_hash("abd", 3));
	ck_assert_uint_eq(path_hash("abc", 3), path_hash("abcdef", 3));
}
END_TEST

/* ---- permissions ---- */

static struct cred user(uint32_t uid, uint32_t gid)
{
	struct cred c = { 0 };

	c.uid = c.euid = c.fsuid = uid;
	c.gid = c.egid = c.fsgid = gid;
	return c;
}

START_TEST(owner_group_and_other_bits_apply_in_order)
{
	struct cred owner = user(1000, 100), member = user(1001, 100),
		    other = user(1002, 200);
	uint32_t mode = S_IFREG | 0640;

	ck_assert_int_eq(vfs_perm_check(&owner, mode, 1000, 100,
					MAY_READ | MAY_WRITE),
			 0);
	ck_assert_int_eq(vfs_perm_check(&member, mode, 1000, 100, MAY_READ), 0);
	ck_assert_int_eq(vfs_perm_check(&member, mode, 1000, 100, MAY_WRITE),
			 -EACCES);
	ck_assert_int_eq(vfs_perm_check(&other, mode, 1000, 100, MAY_READ),
			 -EACCES);
	/* The owner class applies even when it grants less than others. */
	ck_assert_int_eq(vfs_perm_check(&owner, S_IFREG | 0077, 1000, 100,
					MAY_READ),
			 -EACCES);
}
END_TEST

START_TEST(supplementary_groups_grant_group_bits)
{
	struct cred c = user(1001, 200);

	c.ngroups = 1;
	c.groups[0] = 100;
	ck_assert_int_eq(vfs_perm_check(&c, S_IFREG | 0060, 0, 100,
					MAY_READ | MAY_WRITE),
			 0);
}
END_TEST

START_TEST(root_bypasses_rw_but_exec_needs_an_x_bit)
{
	struct cred root = user(0, 0);

	ck_assert_int_eq(vfs_perm_check(&root, S_IFREG | 0000, 5, 5,
					MAY_READ | MAY_WRITE),
			 0);
	ck_assert_int_eq(vfs_perm_check(&root, S_IFREG | 0644, 5, 5, MAY_EXEC),
			 -EACCES);
	ck_assert_int_eq(vfs_perm_check(&root, S_IFREG | 0001, 5, 5, MAY_EXEC),
			 0);
	ck_assert_int_eq(vfs_perm_check(&root, S_IFDIR | 0000, 5, 5, MAY_EXEC),
			 0);
}
END_TEST

START_TEST(fsuid_not_euid_decides)
{
	struct cred c = user(1000, 100);

	c.fsuid = 2000;
	ck_assert_int_eq(vfs_perm_check(&c, S_IFREG | 0600, 1000, 100,
					MAY_READ),
			 -EACCES);
	ck_assert_int_eq(
		vfs_perm_check(&c, S_IFREG | 0600, 2000, 100, MAY_READ), 0);
}
END_TEST

START_TEST(sticky_dirs_protect_other_users_entries)
{
	struct cred c = user(1000, 100), root = user(0, 0);

	ck_assert(vfs_sticky_allows(&c, S_IFDIR | 0777, 0, 2000));
	ck_assert(!vfs_sticky_allows(&c, S_IFDIR | 01777, 0, 2000));
	ck_assert(vfs_sticky_allows(&c, S_IFDIR | 01777, 0, 1000));
	ck_assert(vfs_sticky_allows(&c, S_IFDIR | 01777, 1000, 2000));
	ck_assert(vfs_sticky_allows(&root, S_IFDIR | 01777, 5, 6));
}
END_TEST

/* ---- page map ---- */

static int pages_put;

static void count_put(pfn_t pfn)
{
	(void)pfn;
	pages_put++;
}

START_TEST(pagemap_holes_read_as_none)
{
	struct pagemap pm = { 0 };

	ck_assert_uint_eq(pagemap_lookup(&pm, 0), (pfn_t)-1);
	ck_assert_int_eq(pagemap_insert(&pm, 5, 42), 0);
	ck_assert_uint_eq(pagemap_lookup(&pm, 5), 42);
	ck_assert_uint_eq(pagemap_lookup(&pm, 4), (pfn_t)-1);
	ck_assert_uint_eq(pagemap_lookup(&pm, 1u << 20), (pfn_t)-1);
	ck_assert_uint_eq(pagemap_count(&pm), 1);
	pagemap_truncate(&pm, 0, count_put);
}
END_TEST

START_TEST(pagemap_pfn_zero_is_a_real_page)
{
	struct pagemap pm = { 0 };

	ck_assert_int_eq(pagemap_insert(&pm, 3, 0), 0);
	ck_assert_uint_eq(pagemap_lookup(&pm, 3), 0);
	pagemap_truncate(&pm, 0, count_put);
}
END_TEST

START_TEST(pagemap_sparse_far_indexes_grow_the_tree)
{
	struct pagemap pm = { 0 };
	uint64_t far = (1ULL << 30) + 7;

	ck_assert_int_eq(pagemap_insert(&pm, 1, 10), 0);
	ck_assert_int_eq(pagemap_insert(&pm, far, 11), 0);
	ck_assert_uint_eq(pagemap_lookup(&pm, 1), 10);
	ck_assert_uint_eq(pagemap_lookup(&pm, far), 11);
	ck_assert_uint_eq(pagemap_count(&pm), 2);
	ck_assert_int_eq(pagemap_next(&pm, 2, 100, true), -1);
	ck_assert_int_eq(pagemap_next(&pm, 0, 100, true), 1);
	ck_assert_int_eq(pagemap_next(&pm, 1, 100, false), 2);
	pagemap_truncate(&pm, 0, count_put);
}
END_TEST

START_TEST(pagemap_truncate_frees_pages_past_the_cut)
{
	struct pagemap pm = { 0 };

	for (uint64_t i = 0; i < 1200; i++)
		ck_assert_int_eq(pagemap_insert(&pm, i, 100 + i), 0);
	pages_put = 0;
	pagemap_truncate(&pm, 600, count_put);
	ck_assert_int_eq(pages_put, 600);
	ck_assert_uint_eq(pagemap_count(&pm), 600);
	ck_assert_uint_eq(pagemap_lookup(&pm, 599), 699);
	ck_assert_uint_eq(pagemap_lookup(&pm, 600), (pfn_t)-1);
	pagemap_truncate(&pm, 0, count_put);
	ck_assert_int_eq(pages_put, 1200);
	ck_assert_ptr_null(pm.root);
	ck_assert_uint_eq(pm.height, 0);
}
END_TEST

/* ---- record locks ---- */

static struct file_lock req(short type, uint64_t start, uint64_t end,
			    uint64_t owner)
{
	struct file_lock l = {
		.type = type, .start = start, .end = end, .owner = owner
	};

	return l;
}

static int count_locks(struct list_head *locks)
{
	struct file_lock *l;
	int n = 0;

	list_for_each_entry(l, locks, link)
		n++;
	return n;
}

START_TEST(read_locks_share_write_locks_exclude)
{
	struct file_lock a = req(F_RDLCK, 0, 9, 1), b = req(F_RDLCK, 5, 15, 2);

	ck_assert(!lock_conflicts(&a, &b));
	b.type = F_WRLCK;
	ck_assert(lock_conflicts(&a, &b));
	b.start = 10;
	ck_assert(!lock_conflicts(&a, &b));
	b = req(F_WRLCK, 0, 9, 1);
	ck_assert(!lock_conflicts(&a, &b)); /* same owner */
}
END_TEST

START_TEST(unlocking_the_middle_splits_a_lock)
{
	struct list_head locks;
	struct file_lock r = req(F_WRLCK, 0, 99, 1), *l;

	list_init(&locks);
	ck_assert_int_eq(lock_apply(&locks, &r), 0);
	r = req(F_UNLCK, 40, 59, 1);
	ck_assert_int_eq(lock_apply(&locks, &r), 0);
	ck_assert_int_eq(count_locks(&locks), 2);
	r = req(F_WRLCK, 50, 50, 2);
	ck_assert_ptr_null(lock_find_conflict(&locks, &r));
	r = req(F_WRLCK, 39, 39, 2);
	l = lock_find_conflict(&locks, &r);
	ck_assert_ptr_nonnull(l);
	ck_assert_uint_eq(l->start, 0);
	ck_assert_uint_eq(l->end, 39);
	ck_assert(lock_release_owner(&locks, 1));
	ck_assert(list_empty(&locks));
}
END_TEST

START_TEST(adjacent_locks_of_one_type_merge)
{
	struct list_head locks;
	struct file_lock r = req(F_RDLCK, 0, 9, 1), *l;

	list_init(&locks);
	ck_assert_int_eq(lock_apply(&locks, &r), 0);
	r = req(F_RDLCK, 10, 19, 1);
	ck_assert_int_eq(lock_apply(&locks, &r), 0);
	ck_assert_int_eq(count_locks(&locks), 1);
	l = list_first_entry(&locks, struct file_lock, link);
	ck_assert_uint_eq(l->start, 0);
	ck_assert_uint_eq(l->end, 19);
	lock_release_owner(&locks, 1);
}
END_TEST

START_TEST(changing_type_of_a_subrange_replaces_it)
{
	struct list_head locks;
	struct file_lock r = req(F_RDLCK, 0, UINT64_MAX, 1);

	list_init(&locks);
	ck_assert_int_eq(lock_apply(&locks, &r), 0);
	r = req(F_WRLCK, 100, 199, 1);
	ck_assert_int_eq(lock_apply(&locks, &r), 0);
	ck_assert_int_eq(count_locks(&locks), 3);
	r = req(F_RDLCK, 150, 150, 2);
	ck_assert_ptr_nonnull(lock_find_conflict(&locks, &r));
	r = req(F_RDLCK, 1000, 1000, 2);
	ck_assert_ptr_null(lock_find_conflict(&locks, &r));
	lock_release_owner(&locks, 1);
}
END_TEST

START_TEST(lock_range_resolves_whence_and_negative_lengths)
{
	uint64_t s, e;

	ck_assert_int_eq(lock_range(0, 10, 5, 0, 0, &s, &e), 0);
	ck_assert_uint_eq(s, 10);
	ck_assert_uint_eq(e, 14);
	ck_assert_int_eq(lock_range(1, 0, 0, 7, 0, &s, &e), 0);
	ck_assert_uint_eq(s, 7);
	ck_assert_uint_eq(e, UINT64_MAX);
	ck_assert_int_eq(lock_range(2, -4, 4, 0, 100, &s, &e), 0);
	ck_assert_uint_eq(s, 96);
	ck_assert_uint_eq(e, 99);
	ck_assert_int_eq(lock_range(0, 10, -5, 0, 0, &s, &e), 0);
	ck_assert_uint_eq(s, 5);
	ck_assert_uint_eq(e, 9);
	ck_assert_int_eq(lock_range(0, 2, -5, 0, 0, &s, &e), -EINVAL);
	ck_assert_int_eq(lock_range(0, -1, 1, 0, 0, &s, &e), -EINVAL);
	ck_assert_int_eq(lock_range(9, 0, 1, 0, 0, &s, &e), -EINVAL);
}
END_TEST

static Suite *vfs_suite(void)
{
	Suite *s = suite_create("vfs");
	TCase *path = tcase_create("path");
	TCase *perm = tcase_create("perm");
	TCase *pagemap = tcase_create("pagemap");
	TCase *locks = tcase_create("locks");

	tcase_add_test(path, components_skip_repeated_and_trailing_slashes);
	tcase_add_test(path, normalize_collapses_dots_and_slashes);
	tcase_add_test(path, normalize_refuses_output_that_does_not_fit);
	tcase_add_test(path, hash_depends_on_every_byte);
	tcase_add_test(perm, owner_group_and_other_bits_apply_in_order);
	tcase_add_test(perm, supplementary_groups_grant_group_bits);
	tcase_add_test(perm, root_bypasses_rw_but_exec_needs_an_x_bit);
	tcase_add_test(perm, fsuid_not_euid_decides);
	tcase_add_test(perm, sticky_dirs_protect_other_users_entries);
	tcase_add_test(pagemap, pagemap_holes_read_as_none);
	tcase_add_test(pagemap, pagemap_pfn_zero_is_a_real_page);
	tcase_add_test(pagemap, pagemap_sparse_far_indexes_grow_the_tree);
	tcase_add_test(pagemap, pagemap_truncate_frees_pages_past_the_cut);
	tcase_add_test(locks, read_locks_share_write_locks_exclude);
	tcase_add_test(locks, unlocking_the_middle_splits_a_lock);
	tcase_add_test(locks, adjacent_locks_of_one_type_merge);
	tcase_add_test(locks, changing_type_of_a_subrange_replaces_it);
	tcase_add_test(locks, lock_range_resolves_whence_and_negative_lengths);
	suite_add_tcase(s, path);
	suite_add_tcase(s, perm);
	suite_add_tcase(s, pagemap);
	suite_add_tcase(s, locks);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(vfs_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
