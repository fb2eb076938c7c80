/*
 * Unit tests for CRC-32 (kernel/crc32.c) and inflate/gunzip
 * (kernel/inflate.c): stored, fixed and dynamic blocks, gzip headers and
 * trailers, concatenated members; corrupt and truncated input gives an
 * error, never a crash or an overrun (run with SAN=1 to check the latter).
 * Compressed test data comes from the host's gzip at test time.
 */
#include "crc32.h"
#include "err.h"
#include "inflate.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct blob {
	unsigned char *data;
	size_t len;
};

/* Run the host's gzip with opts over data; the result is malloc'd. */
static struct blob host_gzip(const void *data, size_t len, const char *opts)
{
	char path[] = "/tmp/test_inflate_XXXXXX";
	char cmd[256];
	struct blob out = { malloc(len + 4096), 0 };
	size_t cap = len + 4096, n;
	int fd = mkstemp(path);
	FILE *p;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
	snprintf(cmd, sizeof(cmd), "gzip -c %s %s", opts, path);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	while ((n = fread(out.data + out.len, 1, cap - out.len, p)) > 0) {
		out.len += n;
		if (out.len == cap) {
			cap *= 2;
			out.data = realloc(out.data, cap);
		}
	}
	ck_assert_int_eq(pclose(p), 0);
	unlink(path);
	return out;
}

/* Text with enough repetition and variety for dynamic Huffman blocks. */
static struct blob make_text(size_t len)
{
	static const char *words[] = { "kernel ",  "pipe ",	 "inode ",
				       "dentry\n", "initramfs ", "cpio ",
				       "gzip ",	   "huffman " };
	struct blob b = { malloc(len), len };
	unsigned int seed = 12345;

	for (size_t i = 0; i < len;) {
		const char *w;

		seed = seed * 1103515245 + 12345;
		w = words[(seed >> 16) % 8];
		for (size_t k = 0; w[k] && i < len; k++)
			b.data[i++] = (unsigned char)w[k];
	}
	return b;
}

static struct blob make_noise(size_t len)
{
	struct blob b = { malloc(len), len };
	unsigned int seed = 99;

	for (size_t i = 0; i < len; i++) {
		seed = seed * 1103515245 + 12345;
		b.data[i] = (unsigned char)(seed >> 16);
	}
	return b;
}

static void check_roundtrip(const struct blob *plain, const char *opts)
{
	struct blob gz = host_gzip(plain->data, plain->len, opts);
	struct inflate_buf out = { 0 };
	size_t used = 0;

	ck_assert_int_eq(gunzip_member(gz.data, gz.len, &used, &out), 0);
	ck_assert_uint_eq(used, gz.len);
	ck_assert_uint_eq(out.len, plain->len);
	ck_assert(!plain->len || !memcmp(out.data, plain->data, plain->len));
	free(out.data);
	free(gz.data);
}

START_TEST(crc32_matches_the_standard_check_value)
{
	ck_assert_uint_eq(crc32_update(0, "123456789", 9), 0xcbf43926u);
	ck_assert_uint_eq(crc32_update(0, "", 0), 0);
	ck_assert_uint_eq(crc32_update(crc32_update(0, "1234", 4), "56789", 5),
			  0xcbf43926u);
}
END_TEST

START_TEST(raw_stored_block_is_copied)
{
	static const unsigned char in[] = { 0x01, 0x05, 0x00, 0xfa, 0xff,
					    'h',  'e',	'l',  'l',  'o' };
	struct inflate_buf out = { 0 };
	size_t used;

	ck_assert_int_eq(inflate_raw(in, sizeof(in), &used, &out), 0);
	ck_assert_uint_eq(used, sizeof(in));
	ck_assert_uint_eq(out.len, 5);
	ck_assert(!memcmp(out.data, "hello", 5));
	free(out.data);
}
END_TEST

START_TEST(stored_block_with_bad_length_check_fails)
{
	static const unsigned char in[] = { 0x01, 0x05, 0x00, 0xfa, 0xfe,
					    'h',  'e',	'l',  'l',  'o' };
	struct inflate_buf out = { 0 };
	size_t used;

	ck_assert_int_eq(inflate_raw(in, sizeof(in), &used, &out), -EINVAL);
	ck_assert_ptr_nonnull(out.error);
	free(out.data);
}
END_TEST

START_TEST(raw_fixed_block_decodes)
{
	/* zlib's deflate of "a": one fixed block. */
	static const unsigned char in[] = { 0x4b, 0x04, 0x00 };
	struct inflate_buf out = { 0 };
	size_t used;

	ck_assert_int_eq(inflate_raw(in, sizeof(in), &used, &out), 0);
	ck_assert_uint_eq(out.len, 1);
	ck_assert_int_eq(out.data[0], 'a');
	ck_assert_uint_eq(used, 3);
	free(out.data);
}
END_TEST

/* A bit writer for hand-made fixed blocks. */
struct bitw {
	unsigned char buf[64];
	size_t bits;
};

static void put_bits(struct bitw *w, unsigned int v, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++, w->bits++)
		if (v >> i & 1)
			w->buf[w->bits / 8] |=
				(unsigned char)(1 << (w->bits % 8));
}

/* Huffman codes go most significant bit first. */
static void put_code(struct bitw *w, unsigned int code, unsigned int len)
{
	for (unsigned int i = len; i-- > 0;)
		put_bits(w, code >> i & 1, 1);
}

START_TEST(match_reaching_before_the_output_fails)
{
	struct bitw w = { { 0 }, 0 };
	struct inflate_buf out = { 0 };
	size_t used;

	put_bits(&w, 1, 1); /* BFINAL */
	put_bits(&w, 1, 2); /* fixed */
	put_code(&w, 0x30 + 'a', 8); /* literal 'a' */
	put_code(&w, 1, 7); /* 257: length 3 */
	put_code(&w, 1, 5); /* distance code 1: distance 2 */
	put_code(&w, 0, 7); /* end of block */
	ck_assert_int_eq(inflate_raw(w.buf, (w.bits + 7) / 8, &used, &out),
			 -EINVAL);
	ck_assert_str_eq(out.error, "distance too far back");
	free(out.data);
}
END_TEST

START_TEST(overlapping_match_repeats_output)
{
	struct bitw w = { { 0 }, 0 };
	struct inflate_buf out = { 0 };
	size_t used;

	put_bits(&w, 1, 1);
	put_bits(&w, 1, 2);
	put_code(&w, 0x30 + 'a', 8);
	put_code(&w, 0x30 + 'b', 8);
	put_code(&w, 4, 7); /* 260: length 6 */
	put_code(&w, 1, 5); /* distance 2 */
	put_code(&w, 0, 7);
	ck_assert_int_eq(inflate_raw(w.buf, (w.bits + 7) / 8, &used, &out), 0);
	ck_assert_uint_eq(out.len, 8);
	ck_assert(!memcmp(out.data, "abababab", 8));
	free(out.data);
}
END_TEST

START_TEST(invalid_block_type_fails)
{
	static const unsigned char in[] = { 0x07, 0x00 };
	struct inflate_buf out = { 0 };
	size_t used;

	ck_assert_int_eq(inflate_raw(in, sizeof(in), &used, &out), -EINVAL);
	ck_assert_str_eq(out.error, "invalid block type");
	free(out.data);
}
END_TEST

START_TEST(gzip_of_text_uses_dynamic_blocks_and_roundtrips)
{
	struct blob text = make_text(200000);

	check_roundtrip(&text, "-n -9");
	check_roundtrip(&text, "-n -1");
	free(text.data);
}
END_TEST

START_TEST(gzip_of_noise_uses_stored_blocks_and_roundtrips)
{
	struct blob noise = make_noise(150000);

	check_roundtrip(&noise, "-n -6");
	free(noise.data);
}
END_TEST

START_TEST(gzip_of_short_input_roundtrips)
{
	struct blob one = { (unsigned char *)"hello, hello, hello!", 20 };
	struct blob empty = { (unsigned char *)"", 0 };

	check_roundtrip(&one, "-n");
	check_roundtrip(&empty, "-n");
}
END_TEST

START_TEST(gzip_header_with_file_name_is_skipped)
{
	struct blob text = make_text(1000);

	/* Without -n, gzip stores the file name (FNAME) and mtime. */
	check_roundtrip(&text, "");
	free(text.data);
}
END_TEST

START_TEST(concatenated_members_append)
{
	struct blob a = make_text(5000), b = make_noise(3000);
	struct blob ga = host_gzip(a.data, a.len, "-n"),
		    gb = host_gzip(b.data, b.len, "-n");
	unsigned char *both = malloc(ga.len + gb.len);
	struct inflate_buf out = { 0 };
	size_t used1, used2;

	memcpy(both, ga.data, ga.len);
	memcpy(both + ga.len, gb.data, gb.len);
	ck_assert(gzip_is_member(both, ga.len + gb.len));
	ck_assert_int_eq(gunzip_member(both, ga.len + gb.len, &used1, &out), 0);
	ck_assert_uint_eq(used1, ga.len);
	ck_assert(gzip_is_member(both + used1, gb.len));
	ck_assert_int_eq(gunzip_member(both + used1, gb.len, &used2, &out), 0);
	ck_assert_uint_eq(out.len, a.len + b.len);
	ck_assert(!memcmp(out.data, a.data, a.len));
	ck_assert(!memcmp(out.data + a.len, b.data, b.len));
	free(out.data);
	free(both);
	free(ga.data);
	free(gb.data);
	free(a.data);
	free(b.data);
}
END_TEST

START_TEST(bad_crc_is_detected)
{
	struct blob text = make_text(4000);
	struct blob gz = host_gzip(text.data, text.len, "-n");
	struct inflate_buf out = { 0 };
	size_t used;

	gz.data[gz.len - 8] ^= 1;
	ck_assert_int_eq(gunzip_member(gz.data, gz.len, &used, &out), -EINVAL);
	ck_assert_str_eq(out.error, "gzip CRC32 mismatch");
	ck_assert_uint_eq(out.len, 0);
	gz.data[gz.len - 8] ^= 1;
	gz.data[gz.len - 1] ^= 1;
	ck_assert_int_eq(gunzip_member(gz.data, gz.len, &used, &out), -EINVAL);
	ck_assert_str_eq(out.error, "gzip length mismatch");
	free(out.data);
	free(gz.data);
	free(text.data);
}
END_TEST

START_TEST(every_truncation_fails)
{
	struct blob text = make_text(3000);
	struct blob gz = host_gzip(text.data, text.len, "-n");

	for (size_t len = 0; len < gz.len; len++) {
		unsigned char *copy = malloc(len ? len : 1);
		struct inflate_buf out = { 0 };
		size_t used;

		memcpy(copy, gz.data, len);
		ck_assert_int_ne(gunzip_member(copy, len, &used, &out), 0);
		free(out.data);
		free(copy);
	}
	free(gz.data);
	free(text.data);
}
END_TEST

START_TEST(corrupted_bytes_never_crash)
{
	struct blob text = make_text(20000);
	struct blob gz = host_gzip(text.data, text.len, "-n -9");
	unsigned int seed = 7;

	for (int round = 0; round < 2000; round++) {
		unsigned char *copy = malloc(gz.len);
		struct inflate_buf out = { .max = 1 << 20 };
		size_t used;

		memcpy(copy, gz.data, gz.len);
		for (int k = 0; k < 3; k++) {
			seed = seed * 1103515245 + 12345;
			copy[10 + (seed >> 8) % (gz.len - 18)] ^=
				(unsigned char)(1 + (seed >> 20) % 255);
		}
		if (gunzip_member(copy, gz.len, &used, &out) == 0)
			ck_assert(!memcmp(out.data, text.data, text.len));
		free(out.data);
		free(copy);
	}
	free(gz.data);
	free(text.data);
}
END_TEST

START_TEST(output_limit_is_enforced)
{
	struct blob text = make_text(100000);
	struct blob gz = host_gzip(text.data, text.len, "-n");
	struct inflate_buf out = { .max = 50000 };
	size_t used;

	ck_assert_int_eq(gunzip_member(gz.data, gz.len, &used, &out), -E2BIG);
	free(out.data);
	free(gz.data);
	free(text.data);
}
END_TEST

START_TEST(bad_gzip_headers_are_refused)
{
	static const unsigned char reserved[] = { 0x1f, 0x8b, 8, 0xe0, 0, 0, 0,
						  0,	0,    3, 3,    0, 0, 0,
						  0,	0,    0, 0,    0, 0 };
	static const unsigned char no_nul[] = { 0x1f, 0x8b, 8, 0x08, 0,	  0,  0,
						0,    0,    3, 'a',  'b', 'c' };
	static const unsigned char not_deflate[] = { 0x1f, 0x8b, 7, 0, 0, 0,
						     0,	   0,	 0, 3, 3, 0 };
	struct inflate_buf out = { 0 };
	size_t used;

	ck_assert_int_eq(gunzip_member(reserved, sizeof(reserved), &used, &out),
			 -EINVAL);
	ck_assert_int_eq(gunzip_member(no_nul, sizeof(no_nul), &used, &out),
			 -EINVAL);
	ck_assert(!gzip_is_member(not_deflate, sizeof(not_deflate)));
	ck_assert_int_eq(gunzip_member(not_deflate, sizeof(not_deflate), &used,
				       &out),
			 -EINVAL);
	free(out.data);
}
END_TEST

static Suite *inflate_suite(void)
{
	Suite *s = suite_create("inflate");
	TCase *tc = tcase_create("inflate");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, crc32_matches_the_standard_check_value);
	tcase_add_test(tc, raw_stored_block_is_copied);
	tcase_add_test(tc, stored_block_with_bad_length_check_fails);
	tcase_add_test(tc, raw_fixed_block_decodes);
	tcase_add_test(tc, match_reaching_before_the_output_fails);
	tcase_add_test(tc, overlapping_match_repeats_output);
	tcase_add_test(tc, invalid_block_type_fails);
	tcase_add_test(tc, gzip_of_text_uses_dynamic_blocks_and_roundtrips);
	tcase_add_test(tc, gzip_of_noise_uses_stored_blocks_and_roundtrips);
	tcase_add_test(tc, gzip_of_short_input_roundtrips);
	tcase_add_test(tc, gzip_header_with_file_name_is_skipped);
	tcase_add_test(tc, concatenated_members_append);
	tcase_add_test(tc, bad_crc_is_detected);
	tcase_add_test(tc, every_truncation_fails);
	tcase_add_test(tc, corrupted_bytes_never_crash);
	tcase_add_test(tc, output_limit_is_enforced);
	tcase_add_test(tc, bad_gzip_headers_are_refused);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(inflate_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
