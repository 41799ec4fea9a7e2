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

/* A directory DIR/NAME with MODE (chmod'ed: the umask does not count). */
static void make_dir(const char *name, unsigned mode)
{
	char p[PATH_MAX];

	path_of(p, name);
	assert_int_equal(mkdir(p, 0700), 0);
	assert_int_equal(chmod(p, mode), 0);
}

/* DIR/NAME, a symlink to TARGET (as given: relative stays relative). */
static void make_link(const char *target, const char *name)
{
	char p[PATH_MAX];

	path_of(p, name);
	assert_int_equal(symlink(target, p), 0);
}

/* WHY holds "DIR/" SUFFIX (the absolute path of a test entry, and what
 * follows it). */
static void why_has(const char *why, const char *prefix, const char *name, const char *suffix)
{
	char want[PATH_MAX + 256];

	snprintf(want, sizeof(want), "%s%s/%s%s", prefix, dir, name, suffix);
	if (!strstr(why, want))
		fail_msg("\"%s\" not in \"%s\"", want, why);
}

/* The symlink oobd or sshd opens is in a world-writable directory: whoever
 * can write there can point it elsewhere, however safe its target is now.
 * realpath() alone saw only the target. */
static void test_symlink_in_unsafe_dir(void **state)
{
	char why[512], target[PATH_MAX], p[PATH_MAX];
	(void)state;
	make_dir("open", 0777);
	make_file("good.conf", 0600);
	path_of(target, "good.conf");
	make_link(target, "open/sshd_config");
	assert_int_equal(check("open/sshd_config", why), -EPERM);
	why_has(why, "directory ", "open",
		" is world-writable (mode 0777); the path goes through the symlink ");
	why_has(why, "", "open/sshd_config", " in it");
	/* Relative, and to a file next to the directory. */
	make_link("../good.conf", "open/rel.conf");
	assert_int_equal(check("open/rel.conf", why), -EPERM);
	why_has(why, "directory ", "open", " is world-writable (mode 0777); the path goes through the symlink ");
	/* A group-writable one, through a symlinked directory. */
	make_dir("gw", 0770);
	make_link(dir, "gw/up");
	assert_int_equal(check("gw/up/good.conf", why), -EPERM);
	why_has(why, "directory ", "gw", " is group-writable (mode 0770); the path goes through the symlink ");
	/* A sticky one is no better unless root owns the symlink: its owner
	 * can replace it there. */
	make_dir("sticky-l", 01777);
	make_link(target, "sticky-l/ok.conf");
	assert_int_equal(check("sticky-l/ok.conf", why), 0);
	if (!root_or_say(__func__))
		return;
	path_of(p, "sticky-l/ok.conf");
	assert_int_equal(lchown(p, NOBODY, NOBODY), 0);
	assert_int_equal(check("sticky-l/ok.conf", why), -EPERM);
	why_has(why, "symlink ", "sticky-l/ok.conf", " is owned by uid 65534, not root");
}

/* Safe symlinks stay accepted: absolute, relative, chained, to a directory. */
static void test_symlink_safe(void **state)
{
	char why[512], p[PATH_MAX];
	(void)state;
	make_dir("safe", 0755);
	make_dir("safe/d", 0755);
	make_file("safe/d/f.conf", 0644);
	path_of(p, "safe/d/f.conf");
	make_link(p, "abs.conf");
	assert_int_equal(check("abs.conf", why), 0);
	make_link("safe/d/f.conf", "rel.conf");
	assert_int_equal(check("rel.conf", why), 0);
	make_link("../abs.conf", "safe/chain.conf"); /* -> abs.conf -> f.conf */
	assert_int_equal(check("safe/chain.conf", why), 0);
	make_link("d", "safe/dlink");
	assert_int_equal(check("safe/dlink/f.conf", why), 0);
	assert_int_equal(check("safe/dlink/../d/./f.conf", why), 0);
	assert_string_equal(why, "");
	/* A relative path: the working directory's directories count. */
	assert_int_equal(chdir(dir), 0);
	assert_int_equal(filecheck_path("safe/dlink/f.conf", why, sizeof(why)), 0);
	assert_int_equal(filecheck_path("rel.conf", why, sizeof(why)), 0);
	assert_int_equal(chmod("safe", 0775), 0);
	assert_int_equal(filecheck_path("rel.conf", why, sizeof(why)), -EPERM);
	why_has(why, "directory ", "safe", " is group-writable (mode 0775); the path reaches it through the symlink ");
	why_has(why, "", "rel.conf", "");
	assert_int_equal(chmod("safe", 0755), 0);
	assert_int_equal(chdir("/"), 0);
}

/* A chain whose middle link sits in a world-writable directory; a target
 * in one, reached through a safe symlink; loops and dangling links. */
static void test_symlink_chain(void **state)
{
	char why[512], p[PATH_MAX];
	(void)state;
	make_dir("c-open", 0777);
	make_dir("c-safe", 0755);
	make_file("c-safe/f.conf", 0600);
	path_of(p, "c-safe/f.conf");
	make_link(p, "c-open/mid");
	make_link("../c-open/mid", "c-safe/start");
	assert_int_equal(check("c-safe/start", why), -EPERM);
	why_has(why, "directory ", "c-open", " is world-writable (mode 0777); the path goes through the symlink ");
	why_has(why, "", "c-open/mid", " in it");
	/* The file in the open directory, through a safe symlink (refused
	 * before too, now saying how the path got there). */
	make_file("c-open/f.conf", 0600);
	path_of(p, "c-open/f.conf");
	make_link(p, "c-safe/to-open");
	assert_int_equal(check("c-safe/to-open", why), -EPERM);
	why_has(why, "directory ", "c-open", " is world-writable (mode 0777); the path reaches it through the symlink ");
	why_has(why, "", "c-safe/to-open", "");
	/* The file's own problem comes first, as before. */
	assert_int_equal(chmod(p, 0622), 0);
	assert_int_equal(check("c-safe/to-open", why), -EPERM);
	why_has(why, "", "c-open/f.conf", " is world-writable (mode 0622); the path reaches it through the symlink ");
	make_link("loop-b", "c-safe/loop-a");
	make_link("loop-a", "c-safe/loop-b");
	assert_int_equal(check("c-safe/loop-a", why), -ELOOP);
	assert_string_equal(why, "");
	make_link("absent", "c-safe/dangling");
	assert_int_equal(check("c-safe/dangling", why), -ENOENT);
	assert_int_equal(check("c-safe/f.conf/x", why), -ENOTDIR);
	assert_int_equal(check("c-safe/f.conf/", why), -ENOTDIR);
}

/* A directory where new files count (an sshd Include's): sticky is not
 * enough, a missing one is judged by where it would be made. */
static void test_dir(void **state)
{
	char why[512], p[PATH_MAX];
	(void)state;
	make_dir("inc-safe", 0755);
	path_of(p, "inc-safe");
	assert_int_equal(filecheck_dir(p, why, sizeof(why)), 0);
	path_of(p, "inc-safe/not-yet");
	assert_int_equal(filecheck_dir(p, why, sizeof(why)), 0);
	path_of(p, "inc-safe/not-yet/deeper");
	assert_int_equal(filecheck_dir(p, why, sizeof(why)), 0);
	make_dir("inc-open", 0777);
	path_of(p, "inc-open");
	assert_int_equal(filecheck_dir(p, why, sizeof(why)), -EPERM);
	why_has(why, "directory ", "inc-open", " is world-writable (mode 0777)");
	path_of(p, "inc-open/not-yet");
	assert_int_equal(filecheck_dir(p, why, sizeof(why)), -EPERM);
	why_has(why, "directory ", "inc-open", " is world-writable (mode 0777)");
	make_dir("inc-sticky", 01777);
	path_of(p, "inc-sticky");
	assert_int_equal(filecheck_dir(p, why, sizeof(why)), -EPERM);
	why_has(why, "directory ", "inc-sticky", " is world-writable (mode 1777)");
	/* Below a sticky directory, a root-owned safe one is fine. */
	make_dir("inc-sticky/mine", 0755);
	path_of(p, "inc-sticky/mine");
	assert_int_equal(filecheck_dir(p, why, sizeof(why)), 0);
	/* Through a symlink in an open directory. */
	path_of(p, "inc-safe");
	make_link(p, "inc-open/link");
	path_of(p, "inc-open/link");
	assert_int_equal(filecheck_dir(p, why, sizeof(why)), -EPERM);
	why_has(why, "", "inc-open/link", " in it");
	make_file("inc-safe/file", 0600);
	path_of(p, "inc-safe/file");
	assert_int_equal(filecheck_dir(p, why, sizeof(why)), -ENOTDIR);
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
		cmocka_unit_test(test_symlink_in_unsafe_dir),
		cmocka_unit_test(test_symlink_safe),
		cmocka_unit_test(test_symlink_chain),
		cmocka_unit_test(test_dir),
		cmocka_unit_test(test_not_regular),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_config_load_refuses),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
