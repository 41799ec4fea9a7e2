/* SPDX-License-Identifier: GPL-2.0-or-later */
/* service.c: a start that fails before the child runs (no file descriptor
 * for the socket pair with it, here under a file limit reached) leaves the
 * service wanted up and due for another start on its backoff schedule.
 * Regression: a service that a reload added was left in backoff with no
 * deadline, never started again. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cmocka.h>

#include "service.h"
#include "util.h"

static void test_start_fails_early(void **state)
{
	char **argv = NULL;
	struct service s;
	struct rlimit old, low;
	int fds[64], n = 0, r;

	(void)state;
	strv_push(&argv, &n, "/bin/true");
	n = 0;
	service_init(&s, "t", argv, 1000, 10000);
	assert_false(s.want_up); /* as a service a reload adds */
	/* Every descriptor below a low limit taken: socketpair fails. */
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	low = old;
	low.rlim_cur = 32;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	while (n < (int)(sizeof(fds) / sizeof(fds[0])) && (fds[n] = dup(0)) >= 0)
		n++;
	r = service_start(&s, NULL, -1);
	for (int i = 0; i < n; i++)
		close(fds[i]);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);

	assert_int_equal(r, -EMFILE);
	assert_int_equal(s.state, SVC_BACKOFF);
	assert_true(s.want_up);
	assert_true(s.deadline_ms > 0);
	assert_true(service_wakeup(&s) > 0);
	/* Its deadline come: due to start again. */
	assert_true(service_deadline(&s, s.deadline_ms));
	service_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_start_fails_early),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
