/* SPDX-License-Identifier: GPL-2.0-or-later */
/* notify_init reads $WATCHDOG_USEC and $WATCHDOG_PID as whole numbers.
 * Regression: with atoll, "30s" read as 30 us, which made oobd ping the
 * watchdog every millisecond. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "notify.h"

static long long interval_with(const char *usec, const char *pid)
{
	setenv("WATCHDOG_USEC", usec, 1);
	if (pid)
		setenv("WATCHDOG_PID", pid, 1);
	else
		unsetenv("WATCHDOG_PID");
	notify_init();
	return notify_watchdog_interval_ms();
}

/* notify_init keeps an interval once set: the refusals come first. */
static void test_watchdog_env(void **state)
{
	char me[32], other[32];
	(void)state;
	snprintf(me, sizeof(me), "%ld", (long)getpid());
	snprintf(other, sizeof(other), "%ld", (long)getpid() + 1);

	assert_int_equal(interval_with("30s", NULL), 0);
	assert_int_equal(interval_with("", NULL), 0);
	assert_int_equal(interval_with("-30000000", NULL), 0);
	assert_int_equal(interval_with("30000000", other), 0);
	assert_int_equal(interval_with("30000000", "1x"), 0);
	assert_int_equal(interval_with("30000000", me), 15000);
	assert_null(getenv("WATCHDOG_USEC"));
	assert_null(getenv("WATCHDOG_PID"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_watchdog_env),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
