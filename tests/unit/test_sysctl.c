/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sysctl.c: dotted keys to /proc/sys paths, and writes that land in the
 * namespace they are meant for. The writes happen only in network
 * namespaces this test creates for itself (skipped without the privilege). */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "sysctl.h"

static void expect_path(const char *key, const char *want)
{
	char buf[256];
	assert_int_equal(sysctl_path(key, buf, sizeof(buf)), 0);
	assert_string_equal(buf, want);
}

static void test_path(void **state)
{
	(void)state;
	expect_path("net.ipv4.ip_forward", "/proc/sys/net/ipv4/ip_forward");
	expect_path("net.ipv6.conf.all.accept_ra", "/proc/sys/net/ipv6/conf/all/accept_ra");
	/* In the dotted form a '/' stands for a '.' inside a component
	 * (sysctl(8)'s convention): interface names with dots. */
	expect_path("net.ipv4.conf.eth0/100.rp_filter", "/proc/sys/net/ipv4/conf/eth0.100/rp_filter");
	expect_path("net.ipv6.conf.br0/1/2.accept_ra", "/proc/sys/net/ipv6/conf/br0.1.2/accept_ra");
	expect_path("net.ipv4.conf.oob-0_x.forwarding", "/proc/sys/net/ipv4/conf/oob-0_x/forwarding");
	expect_path("net", "/proc/sys/net");
}

/* A name of only '/' would be "." or ".." in the path: never out of
 * /proc/sys, whatever the config let through. */
static void test_path_escape(void **state)
{
	char buf[256];
	(void)state;

	assert_int_equal(sysctl_path("net.//.//.//.//.run.tgt.victim", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(sysctl_path("net.ipv4./.x", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(sysctl_path("net.ipv4.//", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(sysctl_path("net.ipv4./", buf, sizeof(buf)), -EINVAL);
	expect_path("net.ipv4.conf.a//b.x", "/proc/sys/net/ipv4/conf/a..b/x");
}

static void test_path_length(void **state)
{
	const char *key = "net.ipv4.ip_forward";
	const char *want = "/proc/sys/net/ipv4/ip_forward";
	size_t need = strlen(want) + 1;
	char buf[64];
	(void)state;

	memset(buf, 'X', sizeof(buf));
	assert_int_equal(sysctl_path(key, buf, need), 0);
	assert_string_equal(buf, want);
	for (size_t len = 0; len < need; len++) {
		memset(buf, 'X', sizeof(buf));
		assert_int_equal(sysctl_path(key, buf, len), -ENAMETOOLONG);
		/* nothing written past the given length */
		for (size_t k = len; k < sizeof(buf); k++)
			assert_int_equal(buf[k], 'X');
	}
}

/* Two fresh network namespaces: "home" (this process lives there) and
 * "other", held by fd only. */
struct nss {
	int home, other;
};

static int setup_namespaces(void **state)
{
	static struct nss n;

	n.home = n.other = -1;
	if (unshare(CLONE_NEWNET) < 0)
		return 0; /* the tests that need it skip */
	n.home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (n.home < 0 || unshare(CLONE_NEWNET) < 0)
		return -1;
	n.other = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (n.other < 0 || setns(n.home, CLONE_NEWNET) < 0)
		return -1;
	*state = &n;
	return 0;
}

static int teardown_namespaces(void **state)
{
	struct nss *n = *state;
	if (n && n->home >= 0)
		close(n->home);
	if (n && n->other >= 0)
		close(n->other);
	return 0;
}

static void read_proc(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;
	assert_true(fd >= 0);
	n = read(fd, buf, len - 1);
	assert_true(n > 0);
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	close(fd);
}

static void test_write_in_namespace(void **state)
{
	struct nss *n = *state;
	char home_before[32], v[32], home_after[32];
	(void)state;

	if (!n || n->home < 0) {
		/* cmocka 1.1's TAP output marks a skip "not ok": pass instead */
		fprintf(stderr, "# %s: skipped, creating a network namespace is not permitted\n", __func__);
		return;
	}
	read_proc("/proc/sys/net/ipv4/ip_forward", home_before, sizeof(home_before));
	const char *want = strcmp(home_before, "1") == 0 ? "0" : "1";
	struct sysctl_kv kv[] = {
		{ "net.ipv4.ip_forward", want, 99 },
		{ "net.ipv4.conf.lo.accept_redirects", "0", 99 },
	};

	assert_int_equal(sysctl_write_in(n->other, kv, 2), 0);
	assert_int_equal(kv[0].err, 0);
	assert_int_equal(kv[1].err, 0);
	assert_int_equal(sysctl_read_in(n->other, "net.ipv4.ip_forward", v, sizeof(v)), 0);
	assert_string_equal(v, want);
	assert_int_equal(sysctl_read_in(n->other, "net.ipv4.conf.lo.accept_redirects", v, sizeof(v)), 0);
	assert_string_equal(v, "0");

	/* where the caller lives, nothing changed, and it is back there */
	read_proc("/proc/sys/net/ipv4/ip_forward", home_after, sizeof(home_after));
	assert_string_equal(home_after, home_before);
	assert_int_equal(sysctl_read_in(n->home, "net.ipv4.ip_forward", v, sizeof(v)), 0);
	assert_string_equal(v, home_before);
}

static void test_write_errors(void **state)
{
	struct nss *n = *state;
	char v[32];
	(void)state;

	if (!n || n->home < 0) {
		/* cmocka 1.1's TAP output marks a skip "not ok": pass instead */
		fprintf(stderr, "# %s: skipped, creating a network namespace is not permitted\n", __func__);
		return;
	}
	struct sysctl_kv kv[] = {
		{ "net.ipv4.no_such_key", "1", 99 },
		{ "net.ipv4.conf.lo.rp_filter", "2", 99 },
		{ "net.ipv4.ip_forward", "many", 99 },
		{ "net.ipv4.conf.nosuchnic0.rp_filter", "1", 99 },
	};
	/* every entry is tried, and each carries its own result */
	assert_int_equal(sysctl_write_in(n->other, kv, 4), 3);
	assert_int_equal(kv[0].err, -ENOENT);
	assert_int_equal(kv[1].err, 0);
	assert_int_equal(kv[2].err, -EINVAL);
	assert_int_equal(kv[3].err, -ENOENT);
	assert_int_equal(sysctl_read_in(n->other, "net.ipv4.conf.lo.rp_filter", v, sizeof(v)), 0);
	assert_string_equal(v, "2");
	assert_int_equal(sysctl_read_in(n->other, "net.ipv4.no_such_key", v, sizeof(v)), -ENOENT);
	/* a bad namespace fd is reported, not entered */
	assert_true(sysctl_write_in(-1, kv, 1) < 0);
	assert_true(sysctl_read_in(-1, "net.ipv4.ip_forward", v, sizeof(v)) < 0);
}

/* What the kernel showed right after a write it took whole is kept, for
 * that key and that value; a refused write, or one of another value, has
 * none. */
static void test_written_shows(void **state)
{
	struct nss *n = *state;
	char many[256], v[SYSCTL_VALUE_MAX];
	size_t len = 0;
	(void)state;

	if (!n || n->home < 0) {
		/* cmocka 1.1's TAP output marks a skip "not ok": pass instead */
		fprintf(stderr, "# %s: skipped, creating a network namespace is not permitted\n", __func__);
		return;
	}
	/* 8080,8081, then ports none next to another: longer than 127 */
	len += (size_t)snprintf(many, sizeof(many), "8080,8081");
	for (int port = 10000; port < 10080; port += 2)
		len += (size_t)snprintf(many + len, sizeof(many) - len, ",%d", port);
	assert_true(len > 200 && len < sizeof(many) - 1);
	struct sysctl_kv kv[] = {
		{ "net.ipv4.ip_local_reserved_ports", many, 99 },
		{ "net.ipv4.conf.lo.arp_ignore", "01", 99 },
		{ "net.ipv4.conf.all.arp_ignore", "2", 99 },
		{ "net.ipv4.ip_forward", "1 2", 99 },
	};
	assert_int_equal(sysctl_write_in(n->other, kv, 4), 1);
	assert_int_equal(kv[3].err, -EINVAL);
	const char *shown = sysctl_written_shows("net.ipv4.ip_local_reserved_ports", many);
	assert_non_null(shown);
	assert_int_equal(strncmp(shown, "8080-8081,10000,10002,", 22), 0);
	assert_string_equal(shown + 9, many + 9);
	assert_int_equal(sysctl_read_in(n->other, "net.ipv4.ip_local_reserved_ports", v, sizeof(v)), 0);
	assert_string_equal(v, shown);
	assert_string_equal(sysctl_written_shows("net.ipv4.conf.lo.arp_ignore", "01"), "1");
	assert_string_equal(sysctl_written_shows("net.ipv4.conf.all.arp_ignore", "2"), "2");
	/* for the value written only */
	assert_null(sysctl_written_shows("net.ipv4.conf.lo.arp_ignore", "1"));
	/* the kernel took "1" of it: the whole is not in effect */
	assert_null(sysctl_written_shows("net.ipv4.ip_forward", "1 2"));
	assert_null(sysctl_written_shows("net.ipv4.no_such_key", "1"));

	/* A later write: its own record; refused, none. */
	struct sysctl_kv again[] = {
		{ "net.ipv4.conf.lo.arp_ignore", "0x2", 99 },
		{ "net.ipv4.conf.all.arp_ignore", "many", 99 },
	};
	assert_int_equal(sysctl_write_in(n->other, again, 2), 1);
	assert_string_equal(sysctl_written_shows("net.ipv4.conf.lo.arp_ignore", "0x2"), "2");
	assert_null(sysctl_written_shows("net.ipv4.conf.lo.arp_ignore", "01"));
	assert_null(sysctl_written_shows("net.ipv4.conf.all.arp_ignore", "2"));
	assert_null(sysctl_written_shows("net.ipv4.conf.all.arp_ignore", "many"));
}

/* A value longer than the buffer is cut to it, not past it. */
static void test_read_cut(void **state)
{
	struct nss *n = *state;
	char v[16];
	(void)state;

	if (!n || n->home < 0) {
		/* cmocka 1.1's TAP output marks a skip "not ok": pass instead */
		fprintf(stderr, "# %s: skipped, creating a network namespace is not permitted\n", __func__);
		return;
	}
	struct sysctl_kv kv = { "net.ipv4.ip_local_reserved_ports", "10000,10002,10004,10006", 99 };
	assert_int_equal(sysctl_write_in(n->other, &kv, 1), 0);
	memset(v, 'X', sizeof(v));
	assert_int_equal(sysctl_read_in(n->other, "net.ipv4.ip_local_reserved_ports", v, sizeof(v)), 0);
	assert_string_equal(v, "10000,10002,100");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path),
		cmocka_unit_test(test_path_escape),
		cmocka_unit_test(test_path_length),
		cmocka_unit_test(test_write_in_namespace),
		cmocka_unit_test(test_write_errors),
		cmocka_unit_test(test_written_shows),
		cmocka_unit_test(test_read_cut),
	};
	return cmocka_run_group_tests(tests, setup_namespaces, teardown_namespaces);
}
