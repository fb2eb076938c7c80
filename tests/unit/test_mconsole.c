/*
 * Unit tests for the mconsole wire codec (mconsole/mconsole_proto.c):
 * requests decode to the command exactly as UML's server reads them
 * (version 0 clients, oversized and wrong-version requests told apart,
 * len bounded by the datagram, text cut at a NUL); replies and
 * notifications have UML's framing; malformed replies are refused; the
 * command word matches whole words only. A random-datagram loop checks
 * that no input makes the decoders read or write out of bounds.
 */
#include "mconsole.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static unsigned char dgram[2 * sizeof(struct mc_request)];
static char cmd[MCONSOLE_MAX_DATA];

/* A request datagram of header plus datalen bytes of data. */
static size_t build_req(uint32_t magic, uint32_t version, uint32_t len,
			const char *data, size_t datalen)
{
	memset(dgram, 0, sizeof(dgram));
	memcpy(dgram, &magic, 4);
	memcpy(dgram + 4, &version, 4);
	memcpy(dgram + 8, &len, 4);
	memcpy(dgram + MC_REQUEST_HDR, data, datalen);
	return MC_REQUEST_HDR + datalen;
}

START_TEST(full_request_decodes_to_its_command)
{
	struct mc_request req;
	size_t n = mc_request_encode(&req, "version");

	ck_assert_uint_eq(n, sizeof(req));
	ck_assert_int_eq(mc_request_decode(&req, n, cmd), MC_REQ_OK);
	ck_assert_str_eq(cmd, "version");
}
END_TEST

START_TEST(request_is_laid_out_as_uml_mconsole_sends_it)
{
	struct mc_request req;

	mc_request_encode(&req, "proc meminfo");
	ck_assert_uint_eq(sizeof(req), 524);
	ck_assert_uint_eq(req.magic, 0xcafebabe);
	ck_assert_uint_eq(req.version, 2);
	ck_assert_uint_eq(req.len, 12);
	ck_assert_int_eq(req.data[12], 0);
}
END_TEST

START_TEST(short_datagram_is_a_version_0_client)
{
	size_t n = build_req(MCONSOLE_MAGIC, 2, 7, "version", 7);

	ck_assert_int_eq(mc_request_decode(dgram, 0, cmd), MC_REQ_V0);
	ck_assert_int_eq(mc_request_decode(dgram, 11, cmd), MC_REQ_V0);
	ck_assert_int_eq(mc_request_decode(dgram, n, cmd), MC_REQ_OK);
}
END_TEST

START_TEST(wrong_magic_is_a_version_0_client)
{
	size_t n = build_req(0xdeadbeef, 2, 7, "version", 7);

	ck_assert_int_eq(mc_request_decode(dgram, n, cmd), MC_REQ_V0);
	ck_assert_str_eq(MC_V0_REPLY, "ERR Version 0 mconsole clients are not "
				      "supported by this driver");
}
END_TEST

START_TEST(len_of_512_or_more_is_too_large)
{
	size_t n = build_req(MCONSOLE_MAGIC, 2, 512, "version", 7);

	ck_assert_int_eq(mc_request_decode(dgram, n, cmd), MC_REQ_TOO_LARGE);
	n = build_req(MCONSOLE_MAGIC, 2, 0xffffffff, "version", 7);
	ck_assert_int_eq(mc_request_decode(dgram, n, cmd), MC_REQ_TOO_LARGE);
	n = build_req(MCONSOLE_MAGIC, 2, 511, "version", 7);
	ck_assert_int_eq(mc_request_decode(dgram, n, cmd), MC_REQ_OK);
}
END_TEST

START_TEST(too_large_is_reported_before_a_wrong_version)
{
	size_t n = build_req(MCONSOLE_MAGIC, 1, 600, "version", 7);

	ck_assert_int_eq(mc_request_decode(dgram, n, cmd), MC_REQ_TOO_LARGE);
}
END_TEST

START_TEST(other_version_is_refused)
{
	size_t n = build_req(MCONSOLE_MAGIC, 1, 7, "version", 7);

	ck_assert_int_eq(mc_request_decode(dgram, n, cmd), MC_REQ_BAD_VERSION);
	n = build_req(MCONSOLE_MAGIC, 3, 7, "version", 7);
	ck_assert_int_eq(mc_request_decode(dgram, n, cmd), MC_REQ_BAD_VERSION);
}
END_TEST

START_TEST(len_limits_the_command)
{
	size_t n = build_req(MCONSOLE_MAGIC, 2, 4, "versionXYZ", 10);

	ck_assert_int_eq(mc_request_decode(dgram, n, cmd), MC_REQ_OK);
	ck_assert_str_eq(cmd, "vers");
}
END_TEST

START_TEST(data_without_nul_is_taken_as_len_bytes)
{
	size_t n = build_req(MCONSOLE_MAGIC, 2, 4, "help", 4);

	ck_assert_int_eq(mc_request_decode(dgram, n, cmd), MC_REQ_OK);
	ck_assert_str_eq(cmd, "help");
}
END_TEST

START_TEST(len_beyond_the_datagram_is_cut_to_it)
{
	size_t n = build_req(MCONSOLE_MAGIC, 2, 300, "halt", 4);

	dgram[n] = 'X'; /* past the datagram: must not be read */
	ck_assert_int_eq(mc_request_decode(dgram, n, cmd), MC_REQ_OK);
	ck_assert_str_eq(cmd, "halt");
}
END_TEST

START_TEST(command_stops_at_an_embedded_nul)
{
	size_t n = build_req(MCONSOLE_MAGIC, 2, 11, "go\0version", 11);

	ck_assert_int_eq(mc_request_decode(dgram, n, cmd), MC_REQ_OK);
	ck_assert_str_eq(cmd, "go");
}
END_TEST

START_TEST(zero_len_is_an_empty_command)
{
	size_t n = build_req(MCONSOLE_MAGIC, 2, 0, "help", 4);

	ck_assert_int_eq(mc_request_decode(dgram, n, cmd), MC_REQ_OK);
	ck_assert_str_eq(cmd, "");
}
END_TEST

START_TEST(request_encode_cuts_long_commands_to_511_bytes)
{
	char longcmd[1000];
	struct mc_request req;

	memset(longcmd, 'a', sizeof(longcmd) - 1);
	longcmd[sizeof(longcmd) - 1] = '\0';
	mc_request_encode(&req, longcmd);
	ck_assert_uint_eq(req.len, 511);
	ck_assert_int_eq(mc_request_decode(&req, sizeof(req), cmd), MC_REQ_OK);
	ck_assert_uint_eq(strlen(cmd), 511);
}
END_TEST

START_TEST(reply_carries_text_and_its_nul)
{
	struct mc_reply r;
	size_t n = mc_reply_encode(&r, 0, false, "Linux uml", 9);

	ck_assert_uint_eq(n, 12 + 10);
	ck_assert_uint_eq(r.err, 0);
	ck_assert_uint_eq(r.more, 0);
	ck_assert_uint_eq(r.len, 10);
	ck_assert_str_eq(r.data, "Linux uml");
}
END_TEST

START_TEST(empty_reply_is_13_bytes)
{
	struct mc_reply r;

	ck_assert_uint_eq(mc_reply_encode(&r, 0, false, "", 0), 13);
	ck_assert_uint_eq(r.len, 1);
	ck_assert_int_eq(r.data[0], 0);
}
END_TEST

START_TEST(reply_keeps_err_and_more)
{
	struct mc_reply r;

	mc_reply_encode(&r, (uint32_t)-16, true, "busy", 4);
	ck_assert_int_eq((int32_t)r.err, -16);
	ck_assert_uint_eq(r.more, 1);
}
END_TEST

START_TEST(reply_chunk_is_at_most_511_bytes)
{
	static char text[2000];
	struct mc_reply r;
	size_t n;

	memset(text, 'x', sizeof(text));
	n = mc_reply_encode(&r, 0, true, text, sizeof(text));
	ck_assert_uint_eq(n, sizeof(r));
	ck_assert_uint_eq(r.len, 512);
	ck_assert_int_eq(r.data[511], 0);
}
END_TEST

START_TEST(reply_decode_accepts_what_encode_makes)
{
	struct mc_reply r, out;
	size_t n = mc_reply_encode(&r, 1, false, "Unknown command", 15);

	ck_assert_int_eq(mc_reply_decode(&r, n, &out), 0);
	ck_assert_uint_eq(out.err, 1);
	ck_assert_str_eq(out.data, "Unknown command");
}
END_TEST

START_TEST(reply_decode_refuses_short_or_overlong)
{
	struct mc_reply r, out;
	size_t n = mc_reply_encode(&r, 0, false, "stopped", 7);

	ck_assert_int_eq(mc_reply_decode(&r, 11, &out), -1);
	ck_assert_int_eq(mc_reply_decode(&r, n - 1, &out), -1);
	r.len = 513;
	ck_assert_int_eq(mc_reply_decode(&r, sizeof(r), &out), -1);
}
END_TEST

START_TEST(reply_decode_terminates_unterminated_data)
{
	struct mc_reply r, out;

	memset(&r, 'z', sizeof(r));
	r.err = 0;
	r.more = 0;
	r.len = 5;
	ck_assert_int_eq(mc_reply_decode(&r, 12 + 5, &out), 0);
	ck_assert_str_eq(out.data, "zzzzz");
	r.len = 512;
	ck_assert_int_eq(mc_reply_decode(&r, sizeof(r), &out), 0);
	ck_assert_uint_eq(strlen(out.data), 511);
}
END_TEST

START_TEST(socket_notify_has_path_and_nul)
{
	struct mc_notify msg, out;
	size_t n = mc_notify_encode(&msg, MCONSOLE_SOCKET, "/x/mconsole", 12);

	ck_assert_uint_eq(n, 16 + 12);
	ck_assert_uint_eq(msg.magic, MCONSOLE_MAGIC);
	ck_assert_uint_eq(msg.version, MCONSOLE_VERSION);
	ck_assert_uint_eq(msg.type, 0);
	ck_assert_uint_eq(msg.len, 12);
	ck_assert_int_eq(mc_notify_decode(&msg, n, &out), 0);
	ck_assert_str_eq(out.data, "/x/mconsole");
}
END_TEST

START_TEST(user_notify_has_no_nul)
{
	struct mc_notify msg;
	size_t n = mc_notify_encode(&msg, MCONSOLE_USER_NOTIFY, "hi\n", 3);

	ck_assert_uint_eq(n, 16 + 3);
	ck_assert_uint_eq(msg.type, 3);
	ck_assert_uint_eq(msg.len, 3);
}
END_TEST

START_TEST(notify_is_cut_to_512_bytes)
{
	static char text[4096];
	struct mc_notify msg;

	memset(text, 'n', sizeof(text));
	ck_assert_uint_eq(mc_notify_encode(&msg, MCONSOLE_USER_NOTIFY, text,
					   sizeof(text)),
			  16 + 512);
}
END_TEST

START_TEST(notify_decode_refuses_bad_magic)
{
	struct mc_notify msg, out;
	size_t n = mc_notify_encode(&msg, MCONSOLE_PANIC, "oops", 5);

	msg.magic = 0;
	ck_assert_int_eq(mc_notify_decode(&msg, n, &out), -1);
}
END_TEST

START_TEST(command_word_matches_whole_words)
{
	const char *args = NULL;

	ck_assert(mc_command_is("version", "version", &args));
	ck_assert_str_eq(args, "");
	ck_assert(!mc_command_is("versionfoo", "version", &args));
	ck_assert(!mc_command_is("vers", "version", &args));
	ck_assert(!mc_command_is("", "go", &args));
	ck_assert(mc_command_is("proc  meminfo", "proc", &args));
	ck_assert_str_eq(args, "meminfo");
	ck_assert(mc_command_is("sysrq\ts", "sysrq", &args));
	ck_assert_str_eq(args, "s");
	ck_assert(mc_command_is("go", "go", NULL));
}
END_TEST

START_TEST(random_datagrams_never_overrun)
{
	unsigned int seed = 12345;

	for (int i = 0; i < 20000; i++) {
		size_t n = (size_t)rand_r(&seed) % sizeof(dgram);
		struct mc_reply r;
		struct mc_notify nt;
		uint32_t len;

		for (size_t j = 0; j < sizeof(dgram); j++)
			dgram[j] = (unsigned char)rand_r(&seed);
		if (i % 2)
			memcpy(dgram, &(uint32_t){ MCONSOLE_MAGIC }, 4);
		if (i % 4 == 1)
			memcpy(dgram + 4, &(uint32_t){ 2 }, 4);
		len = (uint32_t)rand_r(&seed) % 600;
		memcpy(dgram + 8, &len, 4);
		if (mc_request_decode(dgram, n, cmd) == MC_REQ_OK)
			ck_assert_uint_lt(strlen(cmd), MCONSOLE_MAX_DATA);
		if (!mc_reply_decode(dgram, n, &r))
			ck_assert_uint_lt(strlen(r.data), MCONSOLE_MAX_DATA);
		if (!mc_notify_decode(dgram, n, &nt))
			ck_assert_uint_le(nt.len, MCONSOLE_MAX_DATA);
	}
}
END_TEST

static Suite *mconsole_suite(void)
{
	Suite *s = suite_create("mconsole");
	TCase *req = tcase_create("request");
	TCase *reply = tcase_create("reply");
	TCase *notify = tcase_create("notify");
	TCase *words = tcase_create("words");

	tcase_add_test(req, full_request_decodes_to_its_command);
	tcase_add_test(req, request_is_laid_out_as_uml_mconsole_sends_it);
	tcase_add_test(req, short_datagram_is_a_version_0_client);
	tcase_add_test(req, wrong_magic_is_a_version_0_client);
	tcase_add_test(req, len_of_512_or_more_is_too_large);
	tcase_add_test(req, too_large_is_reported_before_a_wrong_version);
	tcase_add_test(req, other_version_is_refused);
	tcase_add_test(req, len_limits_the_command);
	tcase_add_test(req, data_without_nul_is_taken_as_len_bytes);
	tcase_add_test(req, len_beyond_the_datagram_is_cut_to_it);
	tcase_add_test(req, command_stops_at_an_embedded_nul);
	tcase_add_test(req, zero_len_is_an_empty_command);
	tcase_add_test(req, request_encode_cuts_long_commands_to_511_bytes);
	tcase_add_test(req, random_datagrams_never_overrun);
	suite_add_tcase(s, req);

	tcase_add_test(reply, reply_carries_text_and_its_nul);
	tcase_add_test(reply, empty_reply_is_13_bytes);
	tcase_add_test(reply, reply_keeps_err_and_more);
	tcase_add_test(reply, reply_chunk_is_at_most_511_bytes);
	tcase_add_test(reply, reply_decode_accepts_what_encode_makes);
	tcase_add_test(reply, reply_decode_refuses_short_or_overlong);
	tcase_add_test(reply, reply_decode_terminates_unterminated_data);
	suite_add_tcase(s, reply);

	tcase_add_test(notify, socket_notify_has_path_and_nul);
	tcase_add_test(notify, user_notify_has_no_nul);
	tcase_add_test(notify, notify_is_cut_to_512_bytes);
	tcase_add_test(notify, notify_decode_refuses_bad_magic);
	suite_add_tcase(s, notify);

	tcase_add_test(words, command_word_matches_whole_words);
	suite_add_tcase(s, words);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(mconsole_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
