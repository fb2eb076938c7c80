/*
 * Unit tests for the COW codec (drivers/block/cow.c): hand-built v1, v2,
 * v3 and v3_b headers decode to the right fields and layout, in either
 * magic byte order; every corrupt or truncated header is refused with a
 * reason; cow_encode_v3 writes uml_mkcow's bytes; cow_set_backing touches
 * only the path; the bitmap helpers use the kernel's LSB-first bit order.
 */
#include "cow.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#define MiB (1024ULL * 1024)

static uint8_t hdr[COW_HEADER_MAX + 64];
static struct cow_info ci;

static void put32(uint8_t *p, uint32_t v, bool big_endian)
{
	for (int i = 0; i < 4; i++)
		p[big_endian ? i : 3 - i] = (uint8_t)(v >> (24 - 8 * i));
}

static void put64(uint8_t *p, uint64_t v, bool big_endian)
{
	put32(p + (big_endian ? 0 : 4), (uint32_t)(v >> 32), big_endian);
	put32(p + (big_endian ? 4 : 0), (uint32_t)v, big_endian);
}

/* A v1 header: fields little-endian; the magic as magic_be says. */
static size_t build_v1(const char *path, uint32_t mtime, uint64_t size,
		       uint32_t ss, bool magic_be)
{
	memset(hdr, 0, sizeof(hdr));
	put32(hdr, COW_MAGIC, magic_be);
	put32(hdr + 4, 1, magic_be);
	strcpy((char *)hdr + 8, path);
	put32(hdr + 264, mtime, false);
	put64(hdr + 268, size, false);
	put32(hdr + 276, ss, false);
	return COW_HEADER_V1_LEN;
}

/* A v2 header: fields big-endian; the magic and version as magic_be. */
static size_t build_v2(const char *path, uint32_t mtime, uint64_t size,
		       uint32_t ss, bool magic_be)
{
	memset(hdr, 0, sizeof(hdr));
	put32(hdr, COW_MAGIC, magic_be);
	put32(hdr + 4, 2, magic_be);
	strcpy((char *)hdr + 8, path);
	put32(hdr + 4104, mtime, true);
	put64(hdr + 4108, size, true);
	put32(hdr + 4116, ss, true);
	return COW_HEADER_V2_LEN;
}

static size_t build_v3(const char *path, uint32_t mtime, uint64_t size,
		       uint32_t ss, uint32_t align)
{
	memset(hdr, 0, sizeof(hdr));
	put32(hdr, COW_MAGIC, true);
	put32(hdr + 4, 3, true);
	put32(hdr + 8, mtime, true);
	put64(hdr + 12, size, true);
	put32(hdr + 20, ss, true);
	put32(hdr + 24, align, true);
	strcpy((char *)hdr + 32, path);
	return COW_HEADER_V3_LEN;
}

/* The unpacked 64-bit layout: 4 bytes of padding after a 32-bit mtime. */
static size_t build_v3b(const char *path, uint32_t mtime, uint64_t size,
			uint32_t ss, uint32_t align)
{
	memset(hdr, 0, sizeof(hdr));
	put32(hdr, COW_MAGIC, true);
	put32(hdr + 4, 3, true);
	put32(hdr + 8, mtime, true);
	put64(hdr + 16, size, true);
	put32(hdr + 24, ss, true);
	put32(hdr + 28, align, true);
	strcpy((char *)hdr + 36, path);
	return COW_HEADER_V3B_LEN;
}

enum hdr_kind {
	HDR_V1,
	HDR_V2,
	HDR_V3,
	HDR_V3B,
};

/* A header of the given kind; v3 and v3_b align to the sector size. */
static size_t build(enum hdr_kind kind, const char *path, uint32_t mtime,
		    uint64_t size, uint32_t ss)
{
	switch (kind) {
	case HDR_V1:
		return build_v1(path, mtime, size, ss, false);
	case HDR_V2:
		return build_v2(path, mtime, size, ss, true);
	case HDR_V3:
		return build_v3(path, mtime, size, ss, ss);
	default:
		return build_v3b(path, mtime, size, ss, ss);
	}
}

static void assert_invalid(size_t len, const char *why)
{
	ck_assert_int_eq(cow_decode(hdr, len, &ci), -EINVAL);
	ck_assert_str_eq(ci.why, why);
}

START_TEST(v3_64mib_example_has_the_observed_layout)
{
	size_t len =
		build_v3("/images/root_fs", 0x6b023ce4, 64 * MiB, 512, 4096);

	ck_assert_int_eq(cow_decode(hdr, len, &ci), 0);
	ck_assert_uint_eq(ci.version, 3);
	ck_assert(!ci.broken_v3b);
	ck_assert_str_eq(ci.backing, "/images/root_fs");
	ck_assert_uint_eq(ci.mtime, 0x6b023ce4);
	ck_assert_uint_eq(ci.size, 64 * MiB);
	ck_assert_uint_eq(ci.sectorsize, 512);
	ck_assert_uint_eq(ci.alignment, 4096);
	ck_assert_uint_eq(ci.sectors, 131072);
	ck_assert_uint_eq(ci.bitmap_offset, 8192);
	ck_assert_uint_eq(ci.bitmap_len, 16384);
	ck_assert_uint_eq(ci.data_offset, 24576);
	ck_assert_uint_eq(ci.data_offset + ci.size, 67133440);
}
END_TEST

START_TEST(v3_bitmap_length_rounds_up_without_the_legacy_bug)
{
	/* 9 sectors plus a partial one: 10 bits, 2 bytes. */
	size_t len = build_v3("/b", 1, 9 * 512 + 100, 512, 512);

	ck_assert_int_eq(cow_decode(hdr, len, &ci), 0);
	ck_assert_uint_eq(ci.sectors, 10);
	ck_assert_uint_eq(ci.bitmap_offset, 4608);
	ck_assert_uint_eq(ci.bitmap_len, 2);
	ck_assert_uint_eq(ci.data_offset, 5120);
}
END_TEST

START_TEST(v1_fields_are_little_endian_with_the_rounding_bug)
{
	size_t len = build_v1("/old/backing", 123456789, 9 * 512, 512, false);

	ck_assert_int_eq(cow_decode(hdr, len, &ci), 0);
	ck_assert_uint_eq(ci.version, 1);
	ck_assert_str_eq(ci.backing, "/old/backing");
	ck_assert_uint_eq(ci.mtime, 123456789);
	ck_assert_uint_eq(ci.size, 9 * 512);
	ck_assert_uint_eq(ci.sectorsize, 512);
	ck_assert_uint_eq(ci.alignment, 512);
	ck_assert_uint_eq(ci.sectors, 9);
	ck_assert_uint_eq(ci.bitmap_offset, 280);
	/* (4608 + 511) / 4096 = 1: one byte for 9 sectors, as UML has it. */
	ck_assert_uint_eq(ci.bitmap_len, 1);
	ck_assert_uint_eq(ci.data_offset, 512);
}
END_TEST

START_TEST(v1_with_byteswapped_magic_keeps_little_endian_fields)
{
	size_t len = build_v1("/x", 77, 64 * MiB, 512, true);

	ck_assert_int_eq(cow_decode(hdr, len, &ci), 0);
	ck_assert_uint_eq(ci.version, 1);
	ck_assert_uint_eq(ci.mtime, 77);
	ck_assert_uint_eq(ci.size, 64 * MiB);
	ck_assert_uint_eq(ci.bitmap_len, 16384);
	ck_assert_uint_eq(ci.data_offset, 16896);
}
END_TEST

START_TEST(v2_fields_are_big_endian_with_the_rounding_bug)
{
	size_t len = build_v2("/v2/backing", 0x01020304, 64 * MiB, 512, true);

	ck_assert_int_eq(cow_decode(hdr, len, &ci), 0);
	ck_assert_uint_eq(ci.version, 2);
	ck_assert_str_eq(ci.backing, "/v2/backing");
	ck_assert_uint_eq(ci.mtime, 0x01020304);
	ck_assert_uint_eq(ci.size, 64 * MiB);
	ck_assert_uint_eq(ci.alignment, 512);
	ck_assert_uint_eq(ci.bitmap_offset, 4120);
	ck_assert_uint_eq(ci.bitmap_len, 16384);
	ck_assert_uint_eq(ci.data_offset, 20992);
}
END_TEST

START_TEST(v2_with_native_magic_still_has_big_endian_fields)
{
	size_t len = build_v2("/v2", 5, 8 * 512, 1024, false);

	ck_assert_int_eq(cow_decode(hdr, len, &ci), 0);
	ck_assert_uint_eq(ci.version, 2);
	ck_assert_uint_eq(ci.mtime, 5);
	ck_assert_uint_eq(ci.sectorsize, 1024);
	ck_assert_uint_eq(ci.sectors, 4);
}
END_TEST

START_TEST(v3b_is_told_apart_by_its_zero_format_field)
{
	size_t len = build_v3b("/broken/b", 0x44332211, 64 * MiB, 512, 4096);

	ck_assert_int_eq(cow_decode(hdr, len, &ci), 0);
	ck_assert_uint_eq(ci.version, 3);
	ck_assert(ci.broken_v3b);
	ck_assert_str_eq(ci.backing, "/broken/b");
	ck_assert_uint_eq(ci.mtime, 0x44332211);
	ck_assert_uint_eq(ci.size, 64 * MiB);
	ck_assert_uint_eq(ci.bitmap_offset, 8192);
	ck_assert_uint_eq(ci.data_offset, 24576);

	len = build_v3b("/b", 1, 512, 512, 512);
	ck_assert_int_eq(cow_decode(hdr, len, &ci), 0);
	ck_assert_uint_eq(ci.bitmap_offset, 4608);
}
END_TEST

START_TEST(v3b_cut_short_is_refused_but_reported_as_v3b)
{
	size_t len = build_v3b("/b", 1, 512, 512, 512);

	assert_invalid(len - 1, "failed to read V3 header");
	ck_assert(ci.broken_v3b);
}
END_TEST

START_TEST(bad_magic_is_not_a_cow_file)
{
	build_v3("/b", 1, 512, 512, 512);
	hdr[3] ^= 1;
	ck_assert_int_eq(cow_decode(hdr, COW_HEADER_V3_LEN, &ci), COW_NOT_COW);
	ck_assert_int_eq(cow_decode(hdr, 0, &ci), COW_NOT_COW);
	hdr[3] ^= 1;
	ck_assert_int_eq(cow_decode(hdr, 3, &ci), COW_NOT_COW);
	memset(hdr, 0, sizeof(hdr));
	ck_assert_int_eq(cow_decode(hdr, sizeof(hdr), &ci), COW_NOT_COW);
}
END_TEST

START_TEST(magic_without_a_version_is_a_short_header)
{
	build_v3("/b", 1, 512, 512, 512);
	for (size_t len = 4; len < 8; len++)
		assert_invalid(len, "short header");
}
END_TEST

START_TEST(unknown_version_is_refused_with_its_number)
{
	build_v3("/b", 1, 512, 512, 512);
	put32(hdr + 4, 7, true);
	assert_invalid(COW_HEADER_V3_LEN, "invalid COW version 7");
	put32(hdr + 4, 0, true);
	assert_invalid(COW_HEADER_V3_LEN, "invalid COW version 0");
	put32(hdr + 4, 0xffffffff, true);
	assert_invalid(COW_HEADER_V3_LEN, "invalid COW version 4294967295");
}
END_TEST

START_TEST(every_truncation_is_refused)
{
	static const struct {
		enum hdr_kind kind;
		size_t full;
		const char *why;
	} cases[] = {
		{ HDR_V1, COW_HEADER_V1_LEN, "failed to read V1 header" },
		{ HDR_V2, COW_HEADER_V2_LEN, "failed to read V2 header" },
		{ HDR_V3, COW_HEADER_V3_LEN, "failed to read V3 header" },
		{ HDR_V3B, COW_HEADER_V3B_LEN, "failed to read V3 header" },
	};

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		size_t full = build(cases[c].kind, "/b", 1, 512, 512);

		ck_assert_uint_eq(full, cases[c].full);
		ck_assert_int_eq(cow_decode(hdr, full, &ci), 0);
		for (size_t len = 8; len < full; len++)
			assert_invalid(len, cases[c].why);
	}
}
END_TEST

START_TEST(path_without_its_nul_is_refused)
{
	static const char why[] = "invalid COW header, backing file name is "
				  "not NUL-terminated";

	build_v1("/b", 1, 512, 512, false);
	memset(hdr + 8, 'a', COW_PATH_LEN_V1);
	assert_invalid(COW_HEADER_V1_LEN, why);

	build_v3("/b", 1, 512, 512, 512);
	memset(hdr + 32, 'a', COW_PATH_LEN);
	assert_invalid(COW_HEADER_V3_LEN, why);

	/* 4095 characters and the NUL fill the field exactly: accepted. */
	hdr[32 + COW_PATH_LEN - 1] = '\0';
	ck_assert_int_eq(cow_decode(hdr, COW_HEADER_V3_LEN, &ci), 0);
	ck_assert_uint_eq(strlen(ci.backing), COW_PATH_LEN - 1);
}
END_TEST

START_TEST(zero_or_odd_alignment_is_refused)
{
	build_v3("/b", 1, 512, 512, 0);
	assert_invalid(COW_HEADER_V3_LEN, "invalid COW header, align == 0");
	build_v3("/b", 1, 512, 512, 3);
	assert_invalid(COW_HEADER_V3_LEN,
		       "invalid COW header, alignment 3 is not a power of two");
	build_v3("/b", 1, 512, 512, 4096 + 512);
	ck_assert_int_eq(cow_decode(hdr, COW_HEADER_V3_LEN, &ci), -EINVAL);
}
END_TEST

START_TEST(bad_sector_size_is_refused)
{
	static const uint32_t bad[] = {
		0, 1, 100, 256, 513, 131072, 0xfffffe00
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		build_v3("/b", 1, 512, bad[i], 4096);
		ck_assert_int_eq(cow_decode(hdr, COW_HEADER_V3_LEN, &ci),
				 -EINVAL);
		ck_assert_ptr_nonnull(strstr(ci.why, "sector size"));
		build_v1("/b", 1, 512, bad[i], false);
		ck_assert_int_eq(cow_decode(hdr, COW_HEADER_V1_LEN, &ci),
				 -EINVAL);
	}
	build_v3("/b", 1, 512, 65536, 4096);
	ck_assert_int_eq(cow_decode(hdr, COW_HEADER_V3_LEN, &ci), 0);
}
END_TEST

START_TEST(huge_size_is_refused)
{
	build_v3("/b", 1, COW_SIZE_MAX + 1, 512, 4096);
	assert_invalid(COW_HEADER_V3_LEN,
		       "invalid COW header, size 1152921504606846977 is too "
		       "large");
	build_v2("/b", 1, UINT64_MAX, 512, true);
	ck_assert_int_eq(cow_decode(hdr, COW_HEADER_V2_LEN, &ci), -EINVAL);

	/* The largest size still gives offsets that add up without wrap. */
	build_v3("/b", 1, COW_SIZE_MAX, 512, 1U << 31);
	ck_assert_int_eq(cow_decode(hdr, COW_HEADER_V3_LEN, &ci), 0);
	ck_assert_uint_eq(ci.bitmap_offset, 1ULL << 31);
	ck_assert_uint_eq(ci.bitmap_len, COW_SIZE_MAX / 512 / 8);
	ck_assert(ci.data_offset > ci.bitmap_offset + ci.bitmap_len - 1);
	ck_assert(ci.data_offset + ci.size > ci.size);
}
END_TEST

START_TEST(unknown_bitmap_format_is_refused)
{
	build_v3("/b", 1, 512, 512, 4096);
	put32(hdr + 28, 1, true);
	assert_invalid(COW_HEADER_V3_LEN,
		       "invalid COW header, unknown format 1");
}
END_TEST

START_TEST(encode_writes_the_bytes_uml_mkcow_writes)
{
	static uint8_t want[COW_HEADER_V3_LEN];
	static const uint8_t prefix[32] = {
		0x4f, 0x4f, 0x4f, 0x4d, 0x00, 0x00, 0x00, 0x03,
		0x6b, 0x02, 0x3c, 0xe4, 0x00, 0x00, 0x00, 0x00,
		0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00,
		0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00,
	};
	static const char path[] = "/tmp/cowexp.K7v3/back";

	memset(hdr, 0xa5, sizeof(hdr));
	ck_assert_uint_eq(cow_encode_v3(hdr, sizeof(hdr), path, 0x6b023ce4,
					64 * MiB, 512, 4096),
			  COW_HEADER_V3_LEN);
	memcpy(want, prefix, sizeof(prefix));
	memcpy(want + 32, path, sizeof(path));
	ck_assert_mem_eq(hdr, want, COW_HEADER_V3_LEN);
	ck_assert_uint_eq(hdr[COW_HEADER_V3_LEN], 0xa5);
}
END_TEST

START_TEST(encode_then_decode_round_trips)
{
	static char path[COW_PATH_LEN];

	memset(path, 'p', sizeof(path) - 1);
	path[0] = '/';
	path[COW_PATH_LEN - 1] = '\0';
	ck_assert_uint_eq(cow_encode_v3(hdr, COW_HEADER_V3_LEN, path,
					0xfedcba98, 12345678901ULL, 1024,
					65536),
			  COW_HEADER_V3_LEN);
	ck_assert_int_eq(cow_decode(hdr, COW_HEADER_V3_LEN, &ci), 0);
	ck_assert_str_eq(ci.backing, path);
	ck_assert_uint_eq(ci.mtime, 0xfedcba98);
	ck_assert_uint_eq(ci.size, 12345678901ULL);
	ck_assert_uint_eq(ci.sectorsize, 1024);
	ck_assert_uint_eq(ci.alignment, 65536);
	ck_assert_uint_eq(ci.bitmap_offset, 65536);
	ck_assert_uint_eq(ci.sectors, 12056328);
	ck_assert_uint_eq(ci.bitmap_len, 1507041);
	ck_assert_uint_eq(ci.data_offset, 65536 * 24);
}
END_TEST

START_TEST(encode_refuses_what_it_cannot_write)
{
	static char long_path[COW_PATH_LEN + 1];

	memset(long_path, 'a', COW_PATH_LEN);
	ck_assert_uint_eq(cow_encode_v3(hdr, sizeof(hdr), long_path, 1, 512,
					512, 4096),
			  0);
	ck_assert_uint_eq(
		cow_encode_v3(hdr, sizeof(hdr), "", 1, 512, 512, 4096), 0);
	ck_assert_uint_eq(cow_encode_v3(hdr, COW_HEADER_V3_LEN - 1, "/b", 1,
					512, 512, 4096),
			  0);
	ck_assert_uint_eq(
		cow_encode_v3(hdr, sizeof(hdr), "/b", 1, 512, 100, 4096), 0);
	ck_assert_uint_eq(cow_encode_v3(hdr, sizeof(hdr), "/b", 1, 512, 512, 0),
			  0);
	ck_assert_uint_eq(cow_encode_v3(hdr, sizeof(hdr), "/b", 1,
					COW_SIZE_MAX + 1, 512, 4096),
			  0);
}
END_TEST

START_TEST(set_backing_rewrites_only_the_path_field)
{
	static uint8_t before[COW_HEADER_MAX + 64];
	static const struct {
		enum hdr_kind kind;
		size_t path_off, path_len;
	} cases[] = {
		{ HDR_V1, 8, COW_PATH_LEN_V1 },
		{ HDR_V2, 8, COW_PATH_LEN },
		{ HDR_V3, 32, COW_PATH_LEN },
		{ HDR_V3B, 36, COW_PATH_LEN },
	};

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		size_t len = build(cases[c].kind,
				   "/a/rather/long/old/backing/path", 9, 512,
				   512);

		ck_assert_int_eq(cow_decode(hdr, len, &ci), 0);
		memcpy(before, hdr, sizeof(hdr));
		ck_assert_int_eq(cow_set_backing(hdr, len, &ci, "/new"), 0);
		for (size_t i = 0; i < sizeof(hdr); i++) {
			bool in_path =
				i >= cases[c].path_off &&
				i < cases[c].path_off + cases[c].path_len;

			if (!in_path)
				ck_assert_uint_eq(hdr[i], before[i]);
			else if (i >= cases[c].path_off + 4)
				ck_assert_uint_eq(hdr[i], 0);
		}
		ck_assert_int_eq(cow_decode(hdr, len, &ci), 0);
		ck_assert_str_eq(ci.backing, "/new");
		ck_assert_uint_eq(ci.mtime, 9);
		ck_assert_int_eq(cow_set_backing(hdr, len - 1, &ci, "/x"),
				 -EINVAL);
		ck_assert_int_eq(cow_set_backing(hdr, len, &ci, ""), -EINVAL);
	}
}
END_TEST

START_TEST(set_backing_refuses_a_path_too_long_for_the_field)
{
	static char path[COW_PATH_LEN + 1];

	build_v1("/b", 1, 512, 512, false);
	ck_assert_int_eq(cow_decode(hdr, COW_HEADER_V1_LEN, &ci), 0);
	memset(path, 'a', COW_PATH_LEN_V1);
	ck_assert_int_eq(cow_set_backing(hdr, COW_HEADER_V1_LEN, &ci, path),
			 -ENAMETOOLONG);
	path[COW_PATH_LEN_V1 - 1] = '\0';
	ck_assert_int_eq(cow_set_backing(hdr, COW_HEADER_V1_LEN, &ci, path), 0);

	build_v3("/b", 1, 512, 512, 512);
	ck_assert_int_eq(cow_decode(hdr, COW_HEADER_V3_LEN, &ci), 0);
	memset(path, 'a', COW_PATH_LEN);
	ck_assert_int_eq(cow_set_backing(hdr, COW_HEADER_V3_LEN, &ci, path),
			 -ENAMETOOLONG);
	path[COW_PATH_LEN - 1] = '\0';
	ck_assert_int_eq(cow_set_backing(hdr, COW_HEADER_V3_LEN, &ci, path), 0);
}
END_TEST

START_TEST(sectors_2_to_5_make_first_byte_0x3c)
{
	uint8_t bm[4] = { 0 };

	ck_assert(cow_bits_set(bm, 2, 4));
	ck_assert_uint_eq(bm[0], 0x3c);
	ck_assert_uint_eq(bm[1], 0);
	ck_assert(!cow_bits_set(bm, 3, 2));
	ck_assert(!cow_bit_test(bm, 1));
	ck_assert(cow_bit_test(bm, 2));
	ck_assert(cow_bit_test(bm, 5));
	ck_assert(!cow_bit_test(bm, 6));
}
END_TEST

START_TEST(bits_set_across_byte_boundaries)
{
	uint8_t bm[6] = { 0 };

	ck_assert(cow_bits_set(bm, 5, 28));
	ck_assert_uint_eq(bm[0], 0xe0);
	ck_assert_uint_eq(bm[1], 0xff);
	ck_assert_uint_eq(bm[2], 0xff);
	ck_assert_uint_eq(bm[3], 0xff);
	ck_assert_uint_eq(bm[4], 0x01);
	ck_assert_uint_eq(bm[5], 0);
	ck_assert(!cow_bits_set(bm, 8, 16));
	ck_assert(cow_bits_set(bm, 0, 48));
	ck_assert(!cow_bits_set(bm, 0, 0));
}
END_TEST

START_TEST(run_stops_at_the_first_different_bit)
{
	/* Sectors 2-5 set, then 12..27, then clear. */
	uint8_t bm[5] = { 0x3c, 0xf0, 0xff, 0x0f, 0x00 };
	bool in_cow;

	ck_assert_uint_eq(cow_run(bm, 0, 40, &in_cow), 2);
	ck_assert(!in_cow);
	ck_assert_uint_eq(cow_run(bm, 2, 40, &in_cow), 4);
	ck_assert(in_cow);
	ck_assert_uint_eq(cow_run(bm, 6, 34, &in_cow), 6);
	ck_assert(!in_cow);
	ck_assert_uint_eq(cow_run(bm, 12, 28, &in_cow), 16);
	ck_assert(in_cow);
	ck_assert_uint_eq(cow_run(bm, 28, 12, &in_cow), 12);
	ck_assert(!in_cow);
	ck_assert_uint_eq(cow_run(bm, 12, 5, &in_cow), 5);
	ck_assert_uint_eq(cow_run(bm, 3, 0, &in_cow), 0);
}
END_TEST

START_TEST(run_matches_a_bit_by_bit_scan)
{
	static uint8_t bm[64];
	uint32_t seed = 12345;
	bool in_cow;

	for (size_t i = 0; i < sizeof(bm); i++) {
		seed = seed * 1103515245 + 12345;
		/* Mostly long runs of 0x00 and 0xff, some mixed bytes. */
		bm[i] = (seed >> 16) % 4 == 0 ? (uint8_t)(seed >> 8) :
			(seed >> 16) % 4 == 1 ? 0xff :
						0x00;
	}
	for (uint64_t s = 0; s < sizeof(bm) * 8; s++) {
		for (uint64_t n = 1; s + n <= sizeof(bm) * 8; n += 7) {
			uint64_t want = 1;

			while (want < n && cow_bit_test(bm, s + want) ==
						   cow_bit_test(bm, s))
				want++;
			ck_assert_uint_eq(cow_run(bm, s, n, &in_cow), want);
			ck_assert(in_cow == cow_bit_test(bm, s));
		}
	}
}
END_TEST

static Suite *cow_suite(void)
{
	Suite *s = suite_create("cow");
	TCase *codec = tcase_create("codec");
	TCase *bitmap = tcase_create("bitmap");

	tcase_add_test(codec, v3_64mib_example_has_the_observed_layout);
	tcase_add_test(codec,
		       v3_bitmap_length_rounds_up_without_the_legacy_bug);
	tcase_add_test(codec,
		       v1_fields_are_little_endian_with_the_rounding_bug);
	tcase_add_test(codec,
		       v1_with_byteswapped_magic_keeps_little_endian_fields);
	tcase_add_test(codec, v2_fields_are_big_endian_with_the_rounding_bug);
	tcase_add_test(codec, v2_with_native_magic_still_has_big_endian_fields);
	tcase_add_test(codec, v3b_is_told_apart_by_its_zero_format_field);
	tcase_add_test(codec, v3b_cut_short_is_refused_but_reported_as_v3b);
	tcase_add_test(codec, bad_magic_is_not_a_cow_file);
	tcase_add_test(codec, magic_without_a_version_is_a_short_header);
	tcase_add_test(codec, unknown_version_is_refused_with_its_number);
	tcase_add_test(codec, every_truncation_is_refused);
	tcase_add_test(codec, path_without_its_nul_is_refused);
	tcase_add_test(codec, zero_or_odd_alignment_is_refused);
	tcase_add_test(codec, bad_sector_size_is_refused);
	tcase_add_test(codec, huge_size_is_refused);
	tcase_add_test(codec, unknown_bitmap_format_is_refused);
	tcase_add_test(codec, encode_writes_the_bytes_uml_mkcow_writes);
	tcase_add_test(codec, encode_then_decode_round_trips);
	tcase_add_test(codec, encode_refuses_what_it_cannot_write);
	tcase_add_test(codec, set_backing_rewrites_only_the_path_field);
	tcase_add_test(codec,
		       set_backing_refuses_a_path_too_long_for_the_field);
	suite_add_tcase(s, codec);

	tcase_add_test(bitmap, sectors_2_to_5_make_first_byte_0x3c);
	tcase_add_test(bitmap, bits_set_across_byte_boundaries);
	tcase_add_test(bitmap, run_stops_at_the_first_different_bit);
	tcase_add_test(bitmap, run_matches_a_bit_by_bit_scan);
	suite_add_tcase(s, bitmap);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(cow_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
