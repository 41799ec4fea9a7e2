/* SPDX-License-Identifier: GPL-2.0-or-later */
/* dns.c: the content of the namespace's resolv.conf overlay. (dns_apply
 * writes under /etc/netns and is exercised by the integration tests, in
 * their sandbox.) */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dns.h"
#include "util.h"

#define HEADER "# written by oobd from its config; edits here are overwritten\n"

static struct dns_cfg dns_of(const char *const ns[], size_t n, const char *search)
{
	struct dns_cfg d;
	memset(&d, 0, sizeof(d));
	d.present = true;
	for (size_t i = 0; i < n; i++)
		assert_true(ipaddr_parse(ns[i], &d.ns[i]));
	d.n_ns = n;
	d.search = (char *)search;
	return d;
}

static void expect_render(const struct dns_cfg *d, const char *want)
{
	char buf[4096];
	int n;

	memset(buf, 'X', sizeof(buf));
	n = dns_render(d, buf, sizeof(buf));
	assert_int_equal(n, (int)strlen(want));
	assert_string_equal(buf, want);
}

static void test_render(void **state)
{
	static const char *const one[] = { "203.0.113.53" };
	static const char *const three[] = { "203.0.113.53", "2001:DB8:10:0::53", "198.51.100.53" };
	struct dns_cfg d;
	(void)state;

	d = dns_of(one, 1, NULL);
	expect_render(&d, HEADER "nameserver 203.0.113.53\n");

	/* in config order, IPv6 in canonical form, then the search list */
	d = dns_of(three, 3, "mgmt.example.net example.org");
	expect_render(&d, HEADER "nameserver 203.0.113.53\n"
				 "nameserver 2001:db8:10::53\n"
				 "nameserver 198.51.100.53\n"
				 "search mgmt.example.net example.org\n");

	/* search only */
	d = dns_of(NULL, 0, "example.org");
	expect_render(&d, HEADER "search example.org\n");

	/* an empty [dns]: the overlay still hides the main resolv.conf */
	d = dns_of(NULL, 0, NULL);
	expect_render(&d, HEADER);
}

/* An IPv6 link-local name server gets the NIC's name as its zone: the
 * resolver cannot reach it without. Nothing else does. */
static void test_render_zone(void **state)
{
	static const char *const ns[] = { "fe80::53", "203.0.113.53", "2001:db8:10::53" };
	struct dns_cfg d = dns_of(ns, 3, NULL);
	(void)state;

	str_copy(d.zone, "oob0", sizeof(d.zone));
	expect_render(&d, HEADER "nameserver fe80::53%oob0\n"
				 "nameserver 203.0.113.53\n"
				 "nameserver 2001:db8:10::53\n");
	/* the longest name there is */
	str_copy(d.zone, "oob456789012345", sizeof(d.zone));
	expect_render(&d, HEADER "nameserver fe80::53%oob456789012345\n"
				 "nameserver 203.0.113.53\n"
				 "nameserver 2001:db8:10::53\n");
}

/* Every buffer too small by even one byte is refused, never truncated. */
static void test_render_nospace(void **state)
{
	static const char *const ns[] = { "203.0.113.53", "2001:db8:10::53" };
	struct dns_cfg d = dns_of(ns, 2, "example.org");
	char full[4096], buf[4096];
	int n = dns_render(&d, full, sizeof(full));
	(void)state;

	assert_true(n > 0);
	for (size_t len = 0; len <= (size_t)n; len++) {
		int r = dns_render(&d, buf, len);
		if (r != -ENOSPC)
			fail_msg("dns_render into %zu bytes (needs %d + 1) returned %d", len, n, r);
	}
	memset(buf, 'X', sizeof(buf));
	assert_int_equal(dns_render(&d, buf, (size_t)n + 1), n);
	assert_string_equal(buf, full);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_render_zone),
		cmocka_unit_test(test_render_nospace),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
