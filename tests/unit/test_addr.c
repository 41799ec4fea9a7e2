/* SPDX-License-Identifier: GPL-2.0-or-later */
/* addr.c: parsing and formatting of addresses, prefixes and MACs. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "addr.h"

static struct ipaddr ip(const char *s)
{
	struct ipaddr a;
	assert_true(ipaddr_parse(s, &a));
	return a;
}

static struct prefix pfx(const char *s)
{
	struct prefix p;
	assert_int_equal(prefix_parse(s, &p), 0);
	return p;
}

static void test_ipaddr_parse(void **state)
{
	struct ipaddr a;
	static const unsigned char v4[4] = { 203, 0, 113, 10 };
	static const unsigned char v6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x10, [15] = 0x10 };
	(void)state;

	assert_true(ipaddr_parse("203.0.113.10", &a));
	assert_int_equal(a.family, AF_INET);
	assert_memory_equal(a.b, v4, 4);
	assert_int_equal(ipaddr_len(&a), 4);

	assert_true(ipaddr_parse("2001:db8:10::10", &a));
	assert_int_equal(a.family, AF_INET6);
	assert_memory_equal(a.b, v6, 16);
	assert_int_equal(ipaddr_len(&a), 16);

	assert_true(ipaddr_parse("::", &a));
	assert_int_equal(a.family, AF_INET6);
	assert_true(ipaddr_parse("::ffff:203.0.113.1", &a));
	assert_int_equal(a.family, AF_INET6);

	static const char *const bad[] = { "", "203.0.113", "203.0.113.256", "203.0.113.1.2", " 203.0.113.1",
					   "203.0.113.1 ", "2001:db8::1::2", "2001:db8::g", "eno2", "1.2.3.4/24",
					   "2001:db8::1%eth0" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (ipaddr_parse(bad[i], &a))
			fail_msg("ipaddr_parse accepted '%s'", bad[i]);
	}
}

static void test_ipaddr_equal(void **state)
{
	struct ipaddr a = ip("203.0.113.1"), b = ip("203.0.113.1"), c = ip("203.0.113.2");
	struct ipaddr m = ip("::ffff:203.0.113.1"), z4 = ip("0.0.0.0"), z6 = ip("::");
	(void)state;

	assert_true(ipaddr_equal(&a, &b));
	assert_false(ipaddr_equal(&a, &c));
	/* The same bytes in another family are another address. */
	assert_false(ipaddr_equal(&a, &m));
	assert_false(ipaddr_equal(&z4, &z6));
	assert_true(ipaddr_equal(&z6, &z6));
}

static void test_prefix_parse(void **state)
{
	struct prefix p;
	char big[80];
	(void)state;

	assert_int_equal(prefix_parse("203.0.113.10/24", &p), 0);
	assert_int_equal(p.addr.family, AF_INET);
	assert_int_equal(p.len, 24);
	assert_int_equal(prefix_parse("0.0.0.0/0", &p), 0);
	assert_int_equal(p.len, 0);
	assert_int_equal(prefix_parse("203.0.113.10/32", &p), 0);
	assert_int_equal(p.len, 32);
	assert_int_equal(prefix_parse("2001:db8::/128", &p), 0);
	assert_int_equal(p.addr.family, AF_INET6);
	assert_int_equal(p.len, 128);
	assert_int_equal(prefix_parse("2001:db8::10/64", &p), 0);
	assert_int_equal(p.len, 64);

	assert_int_equal(prefix_parse("203.0.113.10/33", &p), -ERANGE);
	/* The family is known after an out-of-range length (for the message). */
	assert_int_equal(p.addr.family, AF_INET);
	assert_int_equal(prefix_parse("2001:db8::/129", &p), -ERANGE);
	assert_int_equal(p.addr.family, AF_INET6);
	assert_int_equal(prefix_parse("203.0.113.10/4294967296", &p), -ERANGE);
	/* A length beyond what strtoul holds is refused, one way or the other. */
	assert_true(prefix_parse("203.0.113.10/99999999999999999999999", &p) < 0);

	static const char *const bad[] = { "203.0.113.10", "203.0.113.10/", "/24", "203.0.113.10/x",
					   "203.0.113.10/-1", "203.0.113.10/+8", "203.0.113.10/ 8", "203.0.113.10/8 ",
					   "203.0.113.10/24/1", "203.0.113/24", "2001:db8::g/64", "", "/" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = prefix_parse(bad[i], &p);
		if (r != -EINVAL)
			fail_msg("prefix_parse('%s') = %d, want -EINVAL", bad[i], r);
	}
	memset(big, '1', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(prefix_parse(big, &p), -EINVAL);
}

static void test_prefix_equal(void **state)
{
	struct prefix a = pfx("203.0.113.0/24"), b = pfx("203.0.113.0/24"), c = pfx("203.0.113.0/25");
	struct prefix d = pfx("203.0.112.0/24"), e = pfx("::/24");
	(void)state;

	assert_true(prefix_equal(&a, &b));
	assert_false(prefix_equal(&a, &c));
	assert_false(prefix_equal(&a, &d));
	assert_false(prefix_equal(&a, &e));
}

static void test_prefix_is_network(void **state)
{
	static const struct {
		const char *s;
		bool net;
	} cases[] = {
		{ "203.0.113.0/24", true },   { "203.0.113.1/24", false }, { "203.0.113.128/25", true },
		{ "203.0.113.64/25", false }, { "203.0.113.10/32", true }, { "0.0.0.0/0", true },
		{ "128.0.0.0/1", true },      { "192.0.0.0/1", false },    { "198.51.101.0/23", false },
		{ "198.51.100.0/23", true },  { "2001:db8::/32", true },   { "2001:db9::/31", false },
		{ "2001:db8:1::/48", true },  { "2001:db8::1/127", false }, { "2001:db8::1/128", true },
		{ "::/0", true },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct prefix p = pfx(cases[i].s);
		if (prefix_is_network(&p) != cases[i].net)
			fail_msg("prefix_is_network(%s) should be %d", cases[i].s, cases[i].net);
	}
}

/* prefix_mask(): the network of an address, length kept; the same as a
 * parse of the network itself, and a network by prefix_is_network(). */
static void test_prefix_mask(void **state)
{
	static const char *const cases[][2] = {
		{ "203.0.113.10/24", "203.0.113.0/24" },   { "203.0.113.200/25", "203.0.113.128/25" },
		{ "198.51.101.7/23", "198.51.100.0/23" }, { "203.0.113.10/32", "203.0.113.10/32" },
		{ "192.0.2.1/0", "0.0.0.0/0" },           { "2001:db8:10::10/64", "2001:db8:10::/64" },
		{ "2001:db9::1/31", "2001:db8::/31" },    { "2001:db8::1/127", "2001:db8::/127" },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct prefix p = pfx(cases[i][0]), want = pfx(cases[i][1]);
		prefix_mask(&p);
		if (!prefix_equal(&p, &want) || !prefix_is_network(&p))
			fail_msg("prefix_mask(%s) should be %s", cases[i][0], cases[i][1]);
	}
}

static void test_prefix_contains(void **state)
{
	static const struct {
		const char *p, *a;
		bool in;
	} cases[] = {
		{ "203.0.113.0/24", "203.0.113.77", true },
		{ "203.0.113.0/24", "203.0.114.1", false },
		{ "203.0.113.0/25", "203.0.113.127", true },
		{ "203.0.113.0/25", "203.0.113.128", false },
		{ "203.0.113.8/29", "203.0.113.15", true },
		{ "203.0.113.8/29", "203.0.113.16", false },
		{ "203.0.113.8/29", "203.0.113.7", false },
		{ "0.0.0.0/0", "198.51.100.1", true },
		{ "203.0.113.10/32", "203.0.113.10", true },
		{ "203.0.113.10/32", "203.0.113.11", false },
		{ "2001:db8:10::/64", "2001:db8:10::ffff", true },
		{ "2001:db8:10::/64", "2001:db8:11::1", false },
		{ "2001:db8::/33", "2001:db8:7fff::1", true },
		{ "2001:db8::/33", "2001:db8:8000::1", false },
		{ "::/0", "2001:db8::1", true },
		/* never across families */
		{ "0.0.0.0/0", "::ffff:203.0.113.1", false },
		{ "::/0", "203.0.113.1", false },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct prefix p = pfx(cases[i].p);
		struct ipaddr a = ip(cases[i].a);
		if (prefix_contains(&p, &a) != cases[i].in)
			fail_msg("prefix_contains(%s, %s) should be %d", cases[i].p, cases[i].a, cases[i].in);
	}
}

static void test_prefix_lower_bound(void **state)
{
	/* Sorted in prefix_cmp order: IPv4 before IPv6, shorter first. */
	struct item {
		int tag;
		struct prefix p;
	} v[] = { { 1, pfx("10.0.0.0/8") },	    { 2, pfx("198.51.100.0/24") }, { 3, pfx("198.51.100.0/24") },
		  { 4, pfx("203.0.113.0/24") },	    { 5, pfx("203.0.113.7/32") },  { 6, pfx("2001:db8::/64") } };
	const size_t n = sizeof(v) / sizeof(v[0]), off = offsetof(struct item, p);
	struct prefix k;
	(void)state;

	for (size_t i = 1; i < n; i++)
		assert_true(prefix_cmp(&v[i - 1].p, &v[i].p) <= 0);
	k = pfx("198.51.100.0/24");
	assert_int_equal(prefix_lower_bound(v, n, sizeof(v[0]), off, &k), 1); /* the first of two equal */
	k = pfx("10.0.0.0/8");
	assert_int_equal(prefix_lower_bound(v, n, sizeof(v[0]), off, &k), 0);
	k = pfx("203.0.113.0/25");
	assert_int_equal(prefix_lower_bound(v, n, sizeof(v[0]), off, &k), 4); /* absent: where it would go */
	k = pfx("2001:db8:1::/64");
	assert_int_equal(prefix_lower_bound(v, n, sizeof(v[0]), off, &k), n); /* after all */
	assert_int_equal(prefix_lower_bound(v, 0, sizeof(v[0]), off, &k), 0);
}

static void test_format(void **state)
{
	char b[IPADDR_STRLEN], pb[PREFIX_STRLEN];
	struct ipaddr a;
	struct prefix p;
	(void)state;

	a = ip("203.0.113.10");
	assert_string_equal(ipaddr_str(&a, b), "203.0.113.10");
	/* IPv6 in its canonical (RFC 5952) form */
	a = ip("2001:0DB8:0010:0000:0000:0000:0000:0010");
	assert_string_equal(ipaddr_str(&a, b), "2001:db8:10::10");
	a = ip("::");
	assert_string_equal(ipaddr_str(&a, b), "::");
	a = ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	assert_string_equal(ipaddr_str(&a, b), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	/* the function returns its buffer */
	assert_ptr_equal(ipaddr_str(&a, b), b);

	p = pfx("198.51.100.0/24");
	assert_string_equal(prefix_str(&p, pb), "198.51.100.0/24");
	p = pfx("2001:DB8:99::/48");
	assert_string_equal(prefix_str(&p, pb), "2001:db8:99::/48");
	p = pfx("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128");
	assert_string_equal(prefix_str(&p, pb), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128");
	assert_ptr_equal(prefix_str(&p, pb), pb);

	/* parse(format(x)) == x */
	static const char *const rt[] = { "0.0.0.0/0", "203.0.113.10/24", "::/0", "2001:db8:10::10/64", "::1/128" };
	for (size_t i = 0; i < sizeof(rt) / sizeof(rt[0]); i++) {
		struct prefix q;
		p = pfx(rt[i]);
		assert_int_equal(prefix_parse(prefix_str(&p, pb), &q), 0);
		assert_true(prefix_equal(&p, &q));
		assert_string_equal(pb, rt[i]);
	}
}

static void test_mac(void **state)
{
	unsigned char m[6];
	static const unsigned char want[6] = { 0x02, 0x00, 0x5e, 0x00, 0x53, 0x01 };
	static const unsigned char upper[6] = { 0xde, 0xad, 0xbe, 0xef, 0x00, 0xff };
	char b[18];
	(void)state;

	assert_true(mac_parse("02:00:5e:00:53:01", m));
	assert_memory_equal(m, want, 6);
	assert_true(mac_parse("DE:AD:BE:EF:00:FF", m));
	assert_memory_equal(m, upper, 6);
	assert_string_equal(mac_str(m, b), "de:ad:be:ef:00:ff");
	assert_ptr_equal(mac_str(want, b), b);
	assert_string_equal(b, "02:00:5e:00:53:01");

	static const char *const bad[] = { "", "02:00:5e:00:53", "02:00:5e:00:53:1", "02:00:5e:00:53:011",
					   "02:00:5e:00:53:01:", "02-00-5e-00-53-01", "02:00:5e:00:53:0g",
					   "0200.5e00.5301", " 2:00:5e:00:53:01", "02:00:5e:00:53: 1",
					   "2:0:5e:0:53:1", "02:00:5e:00:53:01 " };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (mac_parse(bad[i], m))
			fail_msg("mac_parse accepted '%s'", bad[i]);
	}
}

/* Only hex digits make a MAC: scanf's %x would also take a sign or a 0x. */
static void test_mac_only_hex_digits(void **state)
{
	unsigned char m[6];
	static const char *const bad[] = { "+2:00:5e:00:53:01", "-1:00:5e:00:53:01", "0x:00:5e:00:53:01",
					   "02:00:5e:00:53:+1" };
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (mac_parse(bad[i], m))
			fail_msg("mac_parse accepted '%s' as %02x:%02x:%02x:%02x:%02x:%02x", bad[i], m[0], m[1], m[2],
				 m[3], m[4], m[5]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipaddr_parse),
		cmocka_unit_test(test_ipaddr_equal),
		cmocka_unit_test(test_prefix_parse),
		cmocka_unit_test(test_prefix_equal),
		cmocka_unit_test(test_prefix_is_network),
		cmocka_unit_test(test_prefix_mask),
		cmocka_unit_test(test_prefix_contains),
		cmocka_unit_test(test_prefix_lower_bound),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_mac),
		cmocka_unit_test(test_mac_only_hex_digits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
