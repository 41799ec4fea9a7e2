/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A supervisor whose log reader hangs (journald stuck on a dead disk) must
 * go on supervising: with log_set_nonblocking(), a line that does not fit
 * in a full pipe or socket is dropped and counted, never waited for, and
 * the first line that fits again says how many were lost. An alarm turns
 * a write that blocks into a failure instead of a hang. */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"

/* Fill FD (made non-blocking for that) until it takes no more. */
static void fill(int fd)
{
	static char junk[4096];
	int fl = fcntl(fd, F_GETFL);

	memset(junk, 'x', sizeof(junk));
	assert_int_equal(fcntl(fd, F_SETFL, fl | O_NONBLOCK), 0);
	while (write(fd, junk, sizeof(junk)) > 0)
		;
	/* Then the last bytes a smaller write still fits in. */
	while (write(fd, junk, 1) > 0)
		;
	assert_int_equal(fcntl(fd, F_SETFL, fl), 0);
}

/* Read what is in FD (non-blocking) and return the part after the filler. */
static char *drain(int fd)
{
	static char buf[1 << 20];
	size_t len = 0;
	ssize_t n;
	char *s;

	assert_int_equal(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK), 0);
	while ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	for (s = buf; *s == 'x'; s++)
		;
	return s;
}

/* Log through a full FD_W (stderr's stand-in), then drain FD_R and log once more. */
static void full_then_drained(int fd_r, int fd_w)
{
	int saved = dup(STDERR_FILENO);
	unsigned long long before = log_dropped();
	char *got;

	assert_true(saved >= 0);
	fill(fd_w);
	assert_int_equal(dup2(fd_w, STDERR_FILENO), STDERR_FILENO);
	log_set_nonblocking();
	alarm(10);
	log_notice("first line, nobody reading");
	log_notice("second line, nobody reading");
	alarm(0);
	assert_int_equal(log_dropped() - before, 2);
	got = drain(fd_r);
	assert_string_equal(got, "");
	log_warn("after the reader came back");
	got = drain(fd_r);
	assert_string_equal(got, "<4>2 log lines dropped: the log's reader was not reading\n"
				 "<4>after the reader came back\n");
	assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	close(saved);
}

static void test_full_pipe(void **state)
{
	int p[2];
	(void)state;

	assert_int_equal(pipe(p), 0);
	full_then_drained(p[0], p[1]);
	close(p[0]);
	close(p[1]);
}

static void test_full_socket(void **state)
{
	int sv[2];
	(void)state;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	full_then_drained(sv[0], sv[1]);
	close(sv[0]);
	close(sv[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_pipe),
		cmocka_unit_test(test_full_socket),
	};
	signal(SIGALRM, SIG_DFL);
	log_init("test");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
