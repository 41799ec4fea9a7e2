/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests: parsing of the control socket's request lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ctlreq.h"

static int parse(const char *line, struct ctl_request *req, char *err)
{
	return ctl_request_parse(line, req, err, 160);
}

static void test_known_requests(void **state)
{
	struct ctl_request r;
	char err[160];
	(void)state;

	assert_int_equal(parse("ping", &r, err), 0);
	assert_int_equal(r.cmd, CTL_CMD_PING);
	assert_int_equal(parse("status", &r, err), 0);
	assert_int_equal(r.cmd, CTL_CMD_STATUS);
	assert_int_equal(parse("  status \t json ", &r, err), 0);
	assert_int_equal(r.cmd, CTL_CMD_STATUS_JSON);
	assert_int_equal(parse("metrics", &r, err), 0);
	assert_int_equal(r.cmd, CTL_CMD_METRICS);
	assert_int_equal(parse("reload", &r, err), 0);
	assert_int_equal(r.cmd, CTL_CMD_RELOAD);
	assert_int_equal(parse("restart exporter", &r, err), 0);
	assert_int_equal(r.cmd, CTL_CMD_RESTART);
	assert_string_equal(r.arg, "exporter");
	assert_int_equal(parse("down", &r, err), 0);
	assert_int_equal(r.cmd, CTL_CMD_DOWN);
	assert_int_equal(parse("down yes", &r, err), 0);
	assert_int_equal(r.cmd, CTL_CMD_DOWN_YES);
	assert_int_equal(parse("up", &r, err), 0);
	assert_int_equal(r.cmd, CTL_CMD_UP);
}

static void test_bad_requests(void **state)
{
	struct ctl_request r;
	char err[160];
	(void)state;

	assert_int_not_equal(parse("", &r, err), 0);
	assert_string_equal(err, "empty request");
	assert_int_not_equal(parse("   ", &r, err), 0);
	assert_int_not_equal(parse("status xml", &r, err), 0);
	assert_non_null(strstr(err, "wrong arguments for \"status\""));
	assert_int_not_equal(parse("restart", &r, err), 0);
	assert_int_not_equal(parse("restart a b", &r, err), 0);
	assert_int_not_equal(parse("restart aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", &r, err), 0);
	assert_int_not_equal(parse("down now", &r, err), 0);
	assert_int_not_equal(parse("up up", &r, err), 0);
	assert_int_not_equal(parse("reboot", &r, err), 0);
	assert_non_null(strstr(err, "unknown request \"reboot\""));
	assert_int_not_equal(parse("a b c d e", &r, err), 0);
	assert_string_equal(err, "unknown request \"a\"");
	assert_int_not_equal(parse("restart a b c d e", &r, err), 0);
	assert_non_null(strstr(err, "wrong arguments for \"restart\""));
}

/* A long word is answered for what it is: the line may hold 1024 bytes,
 * and a word has no limit of its own. */
static void test_long_words(void **state)
{
	struct ctl_request r;
	char line[1024], err[160], want[160];
	(void)state;

	/* A service name of 80 bytes: no service has it (echoed up to 64
	 * bytes, then "..."). */
	memcpy(line, "restart ", 8);
	memset(line + 8, 'a', 80);
	line[88] = '\0';
	assert_int_not_equal(parse(line, &r, err), 0);
	snprintf(want, sizeof(want), "no service named \"%.64s...\" (a name has at most %d bytes)", line + 8,
		 SERVICE_NAME_MAX);
	assert_string_equal(err, want);

	/* One byte too long: the same. */
	line[8 + SERVICE_NAME_MAX + 1] = '\0';
	assert_int_not_equal(parse(line, &r, err), 0);
	snprintf(want, sizeof(want), "no service named \"%.*s\" (a name has at most %d bytes)", SERVICE_NAME_MAX + 1,
		 line + 8, SERVICE_NAME_MAX);
	assert_string_equal(err, want);
	/* The longest name is one. */
	line[8 + SERVICE_NAME_MAX] = '\0';
	assert_int_equal(parse(line, &r, err), 0);
	assert_int_equal(r.cmd, CTL_CMD_RESTART);
	assert_string_equal(r.arg, line + 8);

	memcpy(line, "status  ", 8);
	memset(line + 8, 'a', 80);
	line[88] = '\0';
	assert_int_not_equal(parse(line, &r, err), 0);
	assert_string_equal(err, "wrong arguments for \"status\" (see docs/control.md)");

	/* A whole line of one word. */
	memset(line, 'x', 1022);
	line[1022] = '\0';
	assert_int_not_equal(parse(line, &r, err), 0);
	snprintf(want, sizeof(want), "unknown request \"%.64s...\"", line);
	assert_string_equal(err, want);
	line[64] = '\0';
	assert_int_not_equal(parse(line, &r, err), 0);
	snprintf(want, sizeof(want), "unknown request \"%.64s\"", line);
	assert_string_equal(err, want);

	/* A word of two-byte characters whose 64th byte starts one: cut
	 * before it, not inside it. */
	strcpy(line, "a");
	for (int i = 0; i < 40; i++)
		strcat(line, "\xc3\xa9");
	assert_int_not_equal(parse(line, &r, err), 0);
	snprintf(want, sizeof(want), "unknown request \"%.63s...\"", line);
	assert_string_equal(err, want);
	memcpy(line, "restart ", 8);
	line[8] = 'b';
	for (int i = 0; i < 40; i++)
		memcpy(line + 9 + 2 * i, "\xc3\xa9", 2);
	line[89] = '\0';
	assert_int_not_equal(parse(line, &r, err), 0);
	snprintf(want, sizeof(want), "no service named \"%.63s...\" (a name has at most 32 bytes)", line + 8);
	assert_string_equal(err, want);

	/* An argument of 900 bytes, near the limit of the line. */
	memcpy(line, "restart ", 8);
	memset(line + 8, 'b', 900);
	line[908] = '\0';
	assert_int_not_equal(parse(line, &r, err), 0);
	assert_non_null(strstr(err, "no service named \"bbbb"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_requests),
		cmocka_unit_test(test_bad_requests),
		cmocka_unit_test(test_long_words),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
