/* SPDX-License-Identifier: GPL-2.0-or-later */
/* filecheck: the StrictModes-like rule for the files oobd trusts, on real
 * files under a root-owned 0700 directory, chmod/chown'ed into trouble. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "filecheck.h"

#define NOBODY 65534

static char dir[64];

static void path_of(char *buf, const char *name)
{
	snprintf(buf, PATH_MAX, "%s/%s", dir, name);
}

static void make_file(const char *name, unsigned mode)
{
	char p[PATH_MAX];
	int fd;

	path_of(p, name);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "x\n", 2), 2);
	close(fd);
	assert_int_equal(chmod(p, mode), 0);
}

static int check(const char *name, char *why)
{
	char p[PATH_MAX];
	path_of(p, name);
	return filecheck_path(p, why, 512);
}

/* cmocka 1.1's skip() reports "not ok ... # SKIP", which prove counts as
 * a failure: a test that needs root says so and passes instead. */
static bool root_or_say(const char *test)
{
	if (geteuid() == 0)
		return true;
	fprintf(stderr, "# %s: skipped, needs root (file ownership)\n", test);
	return false;
}

static int setup(void **state)
{
	(void)state;
	/* /tmp is sticky and root-owned: a root-owned 0700 directory below it is safe. */
	snprintf(dir, sizeof(dir), "/tmp/oobd-filecheck-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_safe_file(void **state)
{
	char why[512];
	(void)state;
	make_file("ok.conf", 0600);
	assert_int_equal(check("ok.conf", why), 0);
	make_file("readable.conf", 0644);
	assert_int_equal(check("readable.conf", why), 0);
}

static void test_group_writable(void **state)
{
	char why[512];
	(void)state;
	make_file("g.conf", 0660);
	assert_int_equal(check("g.conf", why), -EPERM);
	assert_non_null(strstr(why, "g.conf is group-writable (mode 0660)"));
}

static void test_world_writable(void **state)
{
	char why[512];
	(void)state;
	make_file("o.conf", 0602);
	assert_int_equal(check("o.conf", why), -EPERM);
	assert_non_null(strstr(why, "o.conf is world-writable (mode 0602)"));
}

static void test_owned_by_other(void **state)
{
	char why[512], p[PATH_MAX];
	(void)state;
	if (!root_or_say(__func__))
		return;
	make_file("nobody.conf", 0600);
	path_of(p, "nobody.conf");
	assert_int_equal(chown(p, NOBODY, 0), 0);
	assert_int_equal(check("nobody.conf", why), -EPERM);
	assert_non_null(strstr(why, "nobody.conf is owned by uid 65534, not root"));
}

static void test_unsafe_parent(void **state)
{
	char why[512], p[PATH_MAX];
	(void)state;
	path_of(p, "sub");
	assert_int_equal(mkdir(p, 0700), 0);
	make_file("sub/f.conf", 0600);
	assert_int_equal(check("sub/f.conf", why), 0);
	assert_int_equal(chmod(p, 0770), 0);
	assert_int_equal(check("sub/f.conf", why), -EPERM);
	assert_non_null(strstr(why, "directory "));
	assert_non_null(strstr(why, "/sub is group-writable (mode 0770)"));
	assert_int_equal(chmod(p, 0755), 0);
	if (geteuid() == 0) {
		assert_int_equal(chown(p, NOBODY, NOBODY), 0);
		assert_int_equal(check("sub/f.conf", why), -EPERM);
		assert_non_null(strstr(why, "/sub is owned by uid 65534, not root"));
	}
}

/* A sticky world-writable directory is fine above a root-owned entry, not
 * above someone else's. */
static void test_sticky_parent(void **state)
{
	char why[512], p[PATH_MAX];
	(void)state;
	path_of(p, "sticky");
	assert_int_equal(mkdir(p, 0700), 0);
	assert_int_equal(chmod(p, 01777), 0);
	make_file("sticky/f.conf", 0600);
	assert_int_equal(check("sticky/f.conf", why), 0);
	if (!root_or_say(__func__))
		return;
	path_of(p, "sticky/f.conf");
	assert_int_equal(chown(p, NOBODY, NOBODY), 0);
	assert_int_equal(check("sticky/f.conf", why), -EPERM);
	assert_non_null(strstr(why, "owned by uid 65534"));
}

/* Symlinks are followed: what counts is the file that is read. */
static void test_symlink(void **state)
{
	char why[512], p[PATH_MAX], target[PATH_MAX];
	(void)state;
	make_file("target.conf", 0666);
	path_of(target, "target.conf");
	path_of(p, "link.conf");
	assert_int_equal(symlink(target, p), 0);
	assert_int_equal(check("link.conf", why), -EPERM);
	assert_non_null(strstr(why, "target.conf is world-writable"));
	assert_int_equal(chmod(target, 0600), 0);
	assert_int_equal(check("link.conf", why), 0);
}

static void test_not_regular(void **state)
{
	char why[512], p[PATH_MAX];
	(void)state;
	path_of(p, "adir");
	assert_int_equal(mkdir(p, 0700), 0);
	assert_int_equal(check("adir", why), -EISDIR);
	path_of(p, "fifo");
	assert_int_equal(mkfifo(p, 0600), 0);
	assert_int_equal(check("fifo", why), -EPERM);
	assert_non_null(strstr(why, "is not a regular file"));
}

static void test_missing(void **state)
{
	char why[512];
	(void)state;
	assert_int_equal(check("absent.conf", why), -ENOENT);
	assert_string_equal(why, "");
}

/* config_load refuses an unsafe config before reading it, as "FILE: ...". */
static void test_config_load_refuses(void **state)
{
	char p[PATH_MAX], *buf = NULL;
	size_t len = 0;
	struct config *c = NULL;
	FILE *errs;
	(void)state;
	path_of(p, "oobd.conf");
	{
		FILE *f = fopen(p, "w");
		assert_non_null(f);
		fputs("[interface]\nmatch = eth9\naddress = 203.0.113.10/24\n", f);
		fclose(f);
	}
	assert_int_equal(chmod(p, 0600), 0);
	errs = open_memstream(&buf, &len);
	assert_int_equal(config_load(p, errs, &c), 0);
	config_free(c);
	c = NULL;
	assert_int_equal(chmod(p, 0620), 0);
	assert_int_equal(config_load(p, errs, &c), 1);
	assert_null(c);
	fclose(errs);
	assert_non_null(strstr(buf, "oobd.conf: refusing an unsafe config: "));
	assert_non_null(strstr(buf, "is group-writable (mode 0620)"));
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_safe_file),
		cmocka_unit_test(test_group_writable),
		cmocka_unit_test(test_world_writable),
		cmocka_unit_test(test_owned_by_other),
		cmocka_unit_test(test_unsafe_parent),
		cmocka_unit_test(test_sticky_parent),
		cmocka_unit_test(test_symlink),
		cmocka_unit_test(test_not_regular),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_config_load_refuses),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
