/*
 * Unit tests for the cpio parser (fs/cpio.c): newc and crc archives are
 * parsed into entries; truncated, misaligned, non-hex and oversized input
 * is refused with the offset of the bad header, never read past its end.
 */
#include "cpio.h"
#include "err.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An archive being built in memory. */
struct archive {
	unsigned char buf[16384];
	size_t len;
};

static void pad4(struct archive *a)
{
	while (a->len % 4)
		a->buf[a->len++] = 0;
}

static size_t add_entry_raw(struct archive *a, const char *magic,
			    const char *name, unsigned int namesize,
			    unsigned int mode, unsigned int nlink,
			    const void *data, unsigned int size,
			    unsigned int check)
{
	size_t off = a->len;
	int n = snprintf((char *)a->buf + a->len, sizeof(a->buf) - a->len,
			 "%s%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X"
			 "%08X",
			 magic, 7u, mode, 1000u, 100u, nlink, 1234567u, size,
			 3u, 1u, 4u, 64u, namesize, check);

	a->len += (size_t)n;
	/* The name as written; namesize may lie about it. */
	memcpy(a->buf + a->len, name, strlen(name) + 1);
	a->len += strlen(name) + 1;
	pad4(a);
	memcpy(a->buf + a->len, data, size);
	a->len += size;
	pad4(a);
	return off;
}

static size_t add_entry(struct archive *a, const char *name, unsigned int mode,
			const void *data, unsigned int size)
{
	return add_entry_raw(a, "070701", name, (unsigned int)strlen(name) + 1,
			     mode, 1, data, size, 0);
}

static size_t add_trailer(struct archive *a)
{
	return add_entry(a, "TRAILER!!!", 0, "", 0);
}

/* What the callback saw. */
struct seen {
	int count;
	char names[8][64];
	unsigned int modes[8];
	unsigned int sizes[8];
	char data[8][64];
	struct cpio_entry last;
	int fail_at; /* return -EIO at this entry (1-based), 0: never */
};

static int collect(const struct cpio_entry *e, void *ctx)
{
	struct seen *s = ctx;

	if (s->count < 8) {
		snprintf(s->names[s->count], sizeof(s->names[0]), "%s",
			 e->name);
		s->modes[s->count] = e->mode;
		s->sizes[s->count] = e->filesize;
		memcpy(s->data[s->count], e->data,
		       e->filesize < 63 ? e->filesize : 63);
	}
	s->last = *e;
	s->count++;
	if (s->fail_at && s->count == s->fail_at)
		return -EIO;
	return 0;
}

static int parse(const struct archive *a, size_t len, struct seen *s,
		 size_t *consumed, struct cpio_error *err)
{
	return cpio_parse(a->buf, len, 0, collect, s, consumed, err);
}

static struct archive *sample(void)
{
	struct archive *a = calloc(1, sizeof(*a));

	add_entry(a, "bin", 040755, "", 0);
	add_entry(a, "bin/hello", 0100644, "hello world\n", 12);
	add_entry(a, "bin/link", 0120777, "hello", 5);
	add_trailer(a);
	return a;
}

START_TEST(good_archive_gives_every_entry_and_its_data)
{
	struct archive *a = sample();
	struct seen s = { 0 };
	struct cpio_error err = { 0 };
	size_t consumed = 0;

	ck_assert_int_eq(parse(a, a->len, &s, &consumed, &err), 0);
	ck_assert_int_eq(s.count, 3);
	ck_assert_str_eq(s.names[0], "bin");
	ck_assert_uint_eq(s.modes[0], 040755);
	ck_assert_str_eq(s.names[1], "bin/hello");
	ck_assert_uint_eq(s.sizes[1], 12);
	ck_assert_str_eq(s.data[1], "hello world\n");
	ck_assert_str_eq(s.data[2], "hello");
	ck_assert_uint_eq(s.last.uid, 1000);
	ck_assert_uint_eq(s.last.gid, 100);
	ck_assert_uint_eq(s.last.mtime, 1234567);
	ck_assert_uint_eq(s.last.rdevmajor, 4);
	ck_assert_uint_eq(s.last.rdevminor, 64);
	ck_assert_uint_eq(consumed, a->len);
	free(a);
}
END_TEST

START_TEST(consumed_stops_after_the_trailer)
{
	struct archive *a = sample();
	size_t first = a->len, consumed = 0;
	struct seen s = { 0 };
	struct cpio_error err = { 0 };

	memset(a->buf + a->len, 0, 16);
	a->len += 16;
	add_entry(a, "second", 0100600, "x", 1);
	add_trailer(a);
	ck_assert_int_eq(parse(a, a->len, &s, &consumed, &err), 0);
	ck_assert_int_eq(s.count, 3);
	ck_assert_uint_eq(consumed, first);
	ck_assert(cpio_is_header(a->buf + first + 16, a->len - first - 16));
	free(a);
}
END_TEST

START_TEST(every_truncation_is_refused)
{
	struct archive *a = sample();

	for (size_t len = 0; len < a->len; len++) {
		unsigned char *copy = malloc(len ? len : 1);
		struct seen s = { 0 };
		struct cpio_error err = { 0 };
		size_t consumed = 0;

		memcpy(copy, a->buf, len);
		ck_assert_int_eq(cpio_parse(copy, len, 0, collect, &s,
					    &consumed, &err),
				 -EINVAL);
		ck_assert_ptr_nonnull(err.what);
		free(copy);
	}
	free(a);
}
END_TEST

START_TEST(bad_magic_is_refused_at_its_offset)
{
	struct archive *a = calloc(1, sizeof(*a));
	struct seen s = { 0 };
	struct cpio_error err = { 0 };
	size_t consumed, second;

	add_entry(a, "a", 0100644, "", 0);
	second = add_entry(a, "b", 0100644, "", 0);
	add_trailer(a);
	a->buf[second + 5] = '7';
	ck_assert_int_eq(parse(a, a->len, &s, &consumed, &err), -EINVAL);
	ck_assert_str_eq(err.what, "bad magic");
	ck_assert_uint_eq(err.offset, second);
	ck_assert_int_eq(s.count, 1);
	ck_assert(!cpio_is_header("070707", 6));
	ck_assert(!cpio_is_header("0707", 4));
	free(a);
}
END_TEST

START_TEST(non_hex_field_is_refused)
{
	struct archive *a = sample();
	struct seen s = { 0 };
	struct cpio_error err = { 0 };
	size_t consumed;

	a->buf[6 + 8 + 3] = 'g'; /* inside the mode field */
	ck_assert_int_eq(parse(a, a->len, &s, &consumed, &err), -EINVAL);
	ck_assert_str_eq(err.what, "bad hex digit in mode");
	ck_assert_uint_eq(err.offset, 0);
	ck_assert_int_eq(s.count, 0);
	free(a);
}
END_TEST

START_TEST(huge_name_size_is_refused)
{
	struct archive *a = calloc(1, sizeof(*a));
	struct seen s = { 0 };
	struct cpio_error err = { 0 };
	size_t consumed;

	add_entry_raw(a, "070701", "x", 0xffffffffu, 0100644, 1, "", 0, 0);
	ck_assert_int_eq(parse(a, 110 + 4, &s, &consumed, &err), -EINVAL);
	ck_assert_str_eq(err.what, "bad name size");
	free(a);
}
END_TEST

START_TEST(zero_name_size_is_refused)
{
	struct archive *a = calloc(1, sizeof(*a));
	struct seen s = { 0 };
	struct cpio_error err = { 0 };
	size_t consumed;

	add_entry_raw(a, "070701", "", 0, 0100644, 1, "", 0, 0);
	add_trailer(a);
	ck_assert_int_eq(parse(a, a->len, &s, &consumed, &err), -EINVAL);
	ck_assert_str_eq(err.what, "bad name size");
	free(a);
}
END_TEST

START_TEST(name_without_its_nul_is_refused)
{
	struct archive *a = calloc(1, sizeof(*a));
	struct seen s = { 0 };
	struct cpio_error err = { 0 };
	size_t consumed;

	/* namesize 2 covers "ab" but not its NUL. */
	add_entry_raw(a, "070701", "abc", 2, 0100644, 1, "", 0, 0);
	add_trailer(a);
	ck_assert_int_eq(parse(a, a->len, &s, &consumed, &err), -EINVAL);
	ck_assert_str_eq(err.what, "name not NUL-terminated");
	free(a);
}
END_TEST

START_TEST(file_size_past_the_end_is_refused)
{
	struct archive *a = calloc(1, sizeof(*a));
	struct seen s = { 0 };
	struct cpio_error err = { 0 };
	size_t consumed;

	add_entry(a, "f", 0100644, "data", 4);
	/* Claim 0x10000 bytes: patch the filesize field. */
	memcpy(a->buf + 6 + 6 * 8, "00010000", 8);
	ck_assert_int_eq(parse(a, a->len, &s, &consumed, &err), -EINVAL);
	ck_assert_str_eq(err.what, "truncated file data");
	ck_assert_int_eq(s.count, 0);
	free(a);
}
END_TEST

START_TEST(missing_trailer_is_refused)
{
	struct archive *a = calloc(1, sizeof(*a));
	struct seen s = { 0 };
	struct cpio_error err = { 0 };
	size_t consumed;

	add_entry(a, "f", 0100644, "data", 4);
	ck_assert_int_eq(parse(a, a->len, &s, &consumed, &err), -EINVAL);
	ck_assert_str_eq(err.what, "missing trailer");
	ck_assert_uint_eq(err.offset, a->len);
	free(a);
}
END_TEST

START_TEST(crc_format_checks_the_data_sum)
{
	struct archive *a = calloc(1, sizeof(*a));
	struct seen s = { 0 };
	struct cpio_error err = { 0 };
	size_t consumed;
	unsigned int sum = 'a' + 'b' + 'c';

	add_entry_raw(a, "070702", "f", 2, 0100644, 1, "abc", 3, sum);
	add_trailer(a);
	ck_assert_int_eq(parse(a, a->len, &s, &consumed, &err), 0);
	ck_assert_int_eq(s.count, 1);

	a->len = 0;
	s.count = 0;
	add_entry_raw(a, "070702", "f", 2, 0100644, 1, "abc", 3, sum + 1);
	add_trailer(a);
	ck_assert_int_eq(parse(a, a->len, &s, &consumed, &err), -EINVAL);
	ck_assert_str_eq(err.what, "checksum mismatch");
	free(a);
}
END_TEST

START_TEST(callback_error_stops_parsing)
{
	struct archive *a = sample();
	struct seen s = { .fail_at = 2 };
	struct cpio_error err = { 0 };
	size_t consumed;

	ck_assert_int_eq(parse(a, a->len, &s, &consumed, &err), -EIO);
	ck_assert_int_eq(s.count, 2);
	free(a);
}
END_TEST

START_TEST(padding_follows_stream_offsets)
{
	struct archive *a = sample();
	unsigned char *shifted = malloc(a->len + 2);
	struct seen s = { 0 };
	struct cpio_error err = { 0 };
	size_t consumed;

	/* The same archive starting at stream offset 0 parsed from a buffer
	 * address that is not 4-aligned must still work. */
	memcpy(shifted + 2, a->buf, a->len);
	ck_assert_int_eq(cpio_parse(shifted + 2, a->len, 0, collect, &s,
				    &consumed, &err),
			 0);
	ck_assert_int_eq(s.count, 3);
	/* At stream offset 2 the padding no longer matches. */
	s.count = 0;
	ck_assert_int_eq(cpio_parse(shifted + 2, a->len, 2, collect, &s,
				    &consumed, &err),
			 -EINVAL);
	free(shifted);
	free(a);
}
END_TEST

static Suite *cpio_suite(void)
{
	Suite *s = suite_create("cpio");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, good_archive_gives_every_entry_and_its_data);
	tcase_add_test(tc, consumed_stops_after_the_trailer);
	tcase_add_test(tc, every_truncation_is_refused);
	tcase_add_test(tc, bad_magic_is_refused_at_its_offset);
	tcase_add_test(tc, non_hex_field_is_refused);
	tcase_add_test(tc, huge_name_size_is_refused);
	tcase_add_test(tc, zero_name_size_is_refused);
	tcase_add_test(tc, name_without_its_nul_is_refused);
	tcase_add_test(tc, file_size_past_the_end_is_refused);
	tcase_add_test(tc, missing_trailer_is_refused);
	tcase_add_test(tc, crc_format_checks_the_data_sum);
	tcase_add_test(tc, callback_error_stops_parsing);
	tcase_add_test(tc, padding_follows_stream_offsets);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(cpio_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
