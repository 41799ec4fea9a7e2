/* SPDX-License-Identifier: GPL-2.0-or-later */
/* route.c: a route message read, and the on-link route of an address told. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

#include "route.h"

static struct prefix pfx(const char *s)
{
	struct prefix p;
	assert_int_equal(prefix_parse(s, &p), 0);
	return p;
}

/* The route to DST (a prefix) out of OIF, via GW when not NULL, of
 * protocol PROTO, as rtnetlink would tell it. */
static struct route_entry route(const char *dst, const char *gw, int oif, uint8_t proto)
{
	char buf[512];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	struct prefix d = pfx(dst);
	struct route_entry e;

	nlh->nlmsg_type = RTM_NEWROUTE;
	rtm->rtm_family = (uint8_t)d.addr.family;
	rtm->rtm_dst_len = (uint8_t)d.len;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = proto;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put(nlh, RTA_DST, ipaddr_len(&d.addr), d.addr.b);
	if (gw) {
		struct ipaddr g;
		assert_true(ipaddr_parse(gw, &g));
		mnl_attr_put(nlh, RTA_GATEWAY, ipaddr_len(&g), g.b);
	}
	mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)oif);
	assert_int_equal(route_parse(nlh, &e), 0);
	return e;
}

static void test_route_parse(void **state)
{
	struct route_entry e = route("198.51.100.0/24", "203.0.113.1", 7, RTPROT_OOBD);
	struct prefix d = pfx("198.51.100.0/24");
	(void)state;

	assert_true(prefix_equal(&e.dst, &d));
	assert_true(e.has_gw);
	assert_int_equal(e.oif, 7);
	assert_int_equal(e.proto, RTPROT_OOBD);
	assert_int_equal(e.table, RT_TABLE_MAIN);
	e = route("2001:db8:1::/64", NULL, 3, RTPROT_KERNEL);
	assert_false(e.has_gw);
	assert_int_equal(e.dst.addr.family, AF_INET6);
	assert_int_equal(e.dst.len, 64);
}

static void test_route_onlink_of(void **state)
{
	struct prefix a4 = pfx("203.0.113.10/24"), a6 = pfx("2001:db8::10/64");
	struct prefix host4 = pfx("203.0.113.10/32"), host6 = pfx("2001:db8::10/128");
	(void)state;

	struct route_entry e = route("203.0.113.0/24", NULL, 2, RTPROT_KERNEL);
	assert_true(route_onlink_of(&e, 2, &a4));
	assert_false(route_onlink_of(&e, 3, &a4));  /* another link */
	e = route("203.0.113.0/24", "203.0.113.1", 2, RTPROT_KERNEL);
	assert_false(route_onlink_of(&e, 2, &a4));  /* through a gateway */
	e = route("203.0.113.0/25", NULL, 2, RTPROT_KERNEL);
	assert_false(route_onlink_of(&e, 2, &a4));  /* another length */
	e = route("203.0.112.0/24", NULL, 2, RTPROT_KERNEL);
	assert_false(route_onlink_of(&e, 2, &a4));  /* another prefix */
	e = route("203.0.113.10/32", NULL, 2, RTPROT_KERNEL);
	assert_false(route_onlink_of(&e, 2, &host4)); /* a host prefix has none */
	e = route("2001:db8::/64", NULL, 2, RTPROT_KERNEL);
	assert_true(route_onlink_of(&e, 2, &a6));
	assert_false(route_onlink_of(&e, 2, &a4));  /* another family */
	e = route("2001:db8::10/128", NULL, 2, RTPROT_KERNEL);
	assert_false(route_onlink_of(&e, 2, &host6));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_route_parse),
		cmocka_unit_test(test_route_onlink_of),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
