/* SPDX-License-Identifier: GPL-2.0-or-later */
/* link.c: which link is the NIC, the request that creates a vlan/macvlan
 * child, and the parsing of link messages. No socket is opened. */
#include <errno.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "link.h"

#ifndef IFLA_PERM_ADDRESS
#define IFLA_PERM_ADDRESS 54
#endif

static const unsigned char MAC_A[6] = { 0x02, 0x00, 0x5e, 0x00, 0x53, 0x01 };
static const unsigned char MAC_B[6] = { 0x02, 0x00, 0x5e, 0x00, 0x53, 0x02 };
static const unsigned char MAC_C[6] = { 0x02, 0x00, 0x5e, 0x00, 0x53, 0x03 };

static struct link_info lnk(int ifindex, const char *name, const char *kind, const unsigned char *mac,
			    const unsigned char *perm)
{
	struct link_info l;
	memset(&l, 0, sizeof(l));
	l.ifindex = ifindex;
	strcpy(l.name, name);
	strcpy(l.kind, kind);
	if (mac) {
		memcpy(l.mac, mac, 6);
		l.has_mac = true;
	}
	if (perm) {
		memcpy(l.perm, perm, 6);
		l.has_perm = true;
	}
	l.flags = IFF_BROADCAST | IFF_MULTICAST;
	return l;
}

static struct iface_cfg by_mac(const unsigned char *mac)
{
	struct iface_cfg c;
	memset(&c, 0, sizeof(c));
	c.match = MATCH_MAC;
	memcpy(c.match_mac, mac, 6);
	return c;
}

static void test_match_by_name(void **state)
{
	struct link_info links[] = {
		lnk(1, "lo", "", NULL, NULL),
		lnk(2, "eno1", "", MAC_B, MAC_B),
		lnk(3, "eno2", "", MAC_A, MAC_A),
	};
	struct iface_cfg c;
	(void)state;

	memset(&c, 0, sizeof(c));
	c.match = MATCH_NAME;
	strcpy(c.match_name, "eno2");
	assert_int_equal(link_match(&c, "eno2", links, 3), 2);
	assert_int_equal(link_match(&c, "eno1", links, 3), 1);
	assert_int_equal(link_match(&c, "eno3", links, 3), -ENOENT);
	/* names are exact, not prefixes */
	assert_int_equal(link_match(&c, "eno", links, 3), -ENOENT);
	assert_int_equal(link_match(&c, "eno2", links, 0), -ENOENT);
	/* matching by name with no name to look for finds nothing */
	assert_int_equal(link_match(&c, NULL, links, 3), -ENOENT);

	/* A name wins even when the config matches by MAC (the renamed NIC
	 * inside the namespace is looked up by its new name). */
	c = by_mac(MAC_A);
	assert_int_equal(link_match(&c, "eno1", links, 3), 1);
}

static void test_match_by_mac(void **state)
{
	struct link_info links[] = {
		lnk(1, "lo", "", (const unsigned char[6]){ 0 }, NULL),
		lnk(2, "eno1", "", MAC_B, NULL),
		lnk(3, "eno2", "", MAC_A, NULL),
	};
	struct iface_cfg c = by_mac(MAC_A);
	(void)state;

	links[0].flags = IFF_LOOPBACK | IFF_UP;
	assert_int_equal(link_match(&c, NULL, links, 3), 2);
	c = by_mac(MAC_C);
	assert_int_equal(link_match(&c, NULL, links, 3), -ENOENT);
	/* the loopback's all-zero address is never the NIC */
	c = by_mac((const unsigned char[6]){ 0 });
	assert_int_equal(link_match(&c, NULL, links, 3), -ENOENT);
}

/* The permanent address identifies the hardware: it is preferred, and a
 * link whose driver reports one is not matched by its current address. */
static void test_match_perm_preferred(void **state)
{
	struct link_info links[] = {
		/* someone set eno1's current MAC to A; its hardware is B */
		lnk(2, "eno1", "", MAC_A, MAC_B),
		/* a plain link (veth-like, no permanent address) with current MAC A */
		lnk(3, "veth0", "veth", MAC_A, NULL),
		/* the NIC whose hardware address is A, its current MAC changed to C */
		lnk(4, "eno2", "", MAC_C, MAC_A),
	};
	struct iface_cfg c = by_mac(MAC_A);
	(void)state;

	assert_int_equal(link_match(&c, NULL, links, 3), 2);
	/* B: eno1's hardware, though its current MAC is A */
	c = by_mac(MAC_B);
	assert_int_equal(link_match(&c, NULL, links, 3), 0);
	/* C is only eno2's current MAC; eno2 reports a permanent one, so no */
	c = by_mac(MAC_C);
	assert_int_equal(link_match(&c, NULL, links, 3), -ENOENT);
	/* without eno2, A falls back to current addresses of links without a
	 * permanent one: veth0, not eno1 */
	c = by_mac(MAC_A);
	assert_int_equal(link_match(&c, NULL, links, 2), 1);
}

/* Children that copy their parent's MAC (or are given it) are never the NIC. */
static void test_match_ignores_children(void **state)
{
	static const char *const kinds[] = { "vlan", "macvlan", "macvtap", "ipvlan", "ipvtap", "bond",
					     "bridge", "team", "vxlan", "dummy" };
	struct iface_cfg c = by_mac(MAC_A);
	(void)state;

	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		struct link_info before[] = {
			lnk(5, "child", kinds[k], MAC_A, NULL),
			lnk(2, "nic", "veth", MAC_A, NULL),
		};
		struct link_info after[] = {
			lnk(2, "nic", "veth", MAC_A, NULL),
			lnk(5, "child", kinds[k], MAC_A, NULL),
		};
		before[0].link_ifindex = 2;
		after[1].link_ifindex = 2;
		if (link_match(&c, NULL, before, 2) != 1 || link_match(&c, NULL, after, 2) != 0)
			fail_msg("a %s child with the NIC's MAC was taken for the NIC", kinds[k]);
		/* alone, the child is not the NIC either */
		if (link_match(&c, NULL, before, 1) != -ENOENT)
			fail_msg("a %s child alone was taken for the NIC", kinds[k]);
	}

	/* A physical NIC (no kind) with a permanent address and its vlan child. */
	struct link_info phys[] = {
		lnk(7, "eno2.100", "vlan", MAC_A, NULL),
		lnk(3, "eno2", "", MAC_A, MAC_A),
	};
	assert_int_equal(link_match(&c, NULL, phys, 2), 1);
}

static void test_match_ambiguous(void **state)
{
	struct link_info two_current[] = {
		lnk(2, "veth0", "veth", MAC_A, NULL),
		lnk(3, "eno1", "", MAC_B, MAC_B),
		lnk(4, "veth1", "veth", MAC_A, NULL),
	};
	struct link_info two_perm[] = {
		lnk(2, "eno1", "", MAC_B, MAC_A),
		lnk(3, "eno2", "", MAC_C, MAC_A),
	};
	struct link_info perm_and_current[] = {
		lnk(2, "veth0", "veth", MAC_A, NULL),
		lnk(3, "eno2", "", MAC_A, MAC_A),
	};
	struct iface_cfg c = by_mac(MAC_A);
	(void)state;

	assert_int_equal(link_match(&c, NULL, two_current, 3), -ENOTUNIQ);
	assert_int_equal(link_match(&c, NULL, two_perm, 2), -ENOTUNIQ);
	/* one permanent match settles it, whatever current addresses say */
	assert_int_equal(link_match(&c, NULL, perm_and_current, 2), 1);
	c = by_mac(MAC_B);
	assert_int_equal(link_match(&c, NULL, two_current, 3), 1);
}

/* The parsed attributes of a child-creation request. */
struct child_req {
	bool has_link, has_name, has_nsfd, has_kind, has_data;
	uint32_t link, nsfd;
	char name[IFNAMSIZ], kind[16];
	bool has_vlan_id, has_macvlan_mode;
	uint16_t vlan_id;
	uint32_t macvlan_mode;
	int n_data_attrs;
};

static int data_cb(const struct nlattr *a, void *arg)
{
	struct child_req *r = arg;
	r->n_data_attrs++;
	if (strcmp(r->kind, "vlan") == 0 && mnl_attr_get_type(a) == IFLA_VLAN_ID) {
		assert_int_equal(mnl_attr_validate(a, MNL_TYPE_U16), 0);
		r->has_vlan_id = true;
		r->vlan_id = mnl_attr_get_u16(a);
	}
	if (strcmp(r->kind, "macvlan") == 0 && mnl_attr_get_type(a) == IFLA_MACVLAN_MODE) {
		assert_int_equal(mnl_attr_validate(a, MNL_TYPE_U32), 0);
		r->has_macvlan_mode = true;
		r->macvlan_mode = mnl_attr_get_u32(a);
	}
	return MNL_CB_OK;
}

static int linkinfo_cb(const struct nlattr *a, void *arg)
{
	struct child_req *r = arg;
	switch (mnl_attr_get_type(a)) {
	case IFLA_INFO_KIND:
		assert_int_equal(mnl_attr_validate(a, MNL_TYPE_NUL_STRING), 0);
		r->has_kind = true;
		snprintf(r->kind, sizeof(r->kind), "%s", mnl_attr_get_str(a));
		break;
	case IFLA_INFO_DATA:
		/* the kernel reads the kind first; so must the request order */
		assert_true(r->has_kind);
		r->has_data = true;
		assert_true(mnl_attr_parse_nested(a, data_cb, r) >= 0);
		break;
	}
	return MNL_CB_OK;
}

static int req_cb(const struct nlattr *a, void *arg)
{
	struct child_req *r = arg;
	switch (mnl_attr_get_type(a)) {
	case IFLA_LINK:
		assert_int_equal(mnl_attr_validate(a, MNL_TYPE_U32), 0);
		r->has_link = true;
		r->link = mnl_attr_get_u32(a);
		break;
	case IFLA_IFNAME:
		assert_int_equal(mnl_attr_validate(a, MNL_TYPE_NUL_STRING), 0);
		r->has_name = true;
		snprintf(r->name, sizeof(r->name), "%s", mnl_attr_get_str(a));
		break;
	case IFLA_NET_NS_FD:
		assert_int_equal(mnl_attr_validate(a, MNL_TYPE_U32), 0);
		r->has_nsfd = true;
		r->nsfd = mnl_attr_get_u32(a);
		break;
	case IFLA_LINKINFO:
		assert_true(mnl_attr_parse_nested(a, linkinfo_cb, r) >= 0);
		break;
	}
	return MNL_CB_OK;
}

static struct child_req parse_child_request(const struct nlmsghdr *nlh)
{
	struct child_req r;
	const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);

	memset(&r, 0, sizeof(r));
	assert_int_equal(nlh->nlmsg_type, RTM_NEWLINK);
	assert_true(nlh->nlmsg_flags & NLM_F_CREATE);
	assert_true(nlh->nlmsg_flags & NLM_F_EXCL); /* never "adopt" someone else's link */
	assert_true(nlh->nlmsg_len <= NL_MSG_MAX);
	assert_true(mnl_nlmsg_ok(nlh, (int)nlh->nlmsg_len));
	assert_int_equal(ifm->ifi_family, AF_UNSPEC);
	assert_int_equal(ifm->ifi_index, 0); /* a new link */
	assert_true(mnl_attr_parse(nlh, sizeof(*ifm), req_cb, &r) >= 0);
	return r;
}

static void test_child_request_vlan(void **state)
{
	char buf[NL_MSG_MAX] = { 0 };
	struct nl nl = { 0 };
	struct iface_cfg c;
	struct nlmsghdr *nlh;
	struct child_req r;
	(void)state;

	memset(&c, 0, sizeof(c));
	c.kind = NIC_VLAN;
	strcpy(c.parent, "eno1");
	c.vlan_id = 4094;
	nl.seq = 41;
	nlh = link_child_request(&nl, buf, &c, 7, 12, "oob0");
	assert_ptr_equal(nlh, (struct nlmsghdr *)buf);
	assert_int_equal(nlh->nlmsg_seq, 42);
	r = parse_child_request(nlh);
	assert_true(r.has_link);
	assert_int_equal(r.link, 7);
	assert_true(r.has_name);
	assert_string_equal(r.name, "oob0");
	assert_true(r.has_nsfd);
	assert_int_equal(r.nsfd, 12);
	assert_true(r.has_kind);
	assert_string_equal(r.kind, "vlan");
	assert_true(r.has_data);
	assert_true(r.has_vlan_id);
	assert_int_equal(r.vlan_id, 4094);

	/* without a namespace fd, no IFLA_NET_NS_FD at all */
	c.vlan_id = 1;
	nlh = link_child_request(&nl, buf, &c, 3, -1, "eno1.1");
	r = parse_child_request(nlh);
	assert_false(r.has_nsfd);
	assert_int_equal(r.link, 3);
	assert_string_equal(r.name, "eno1.1");
	assert_int_equal(r.vlan_id, 1);
}

static void test_child_request_macvlan(void **state)
{
	char buf[NL_MSG_MAX] = { 0 };
	struct nl nl = { 0 };
	struct iface_cfg c;
	struct child_req r;
	(void)state;

	memset(&c, 0, sizeof(c));
	c.kind = NIC_MACVLAN;
	strcpy(c.parent, "eno1");
	r = parse_child_request(link_child_request(&nl, buf, &c, 9, 0, "a23456789012345"));
	assert_int_equal(r.link, 9);
	assert_string_equal(r.name, "a23456789012345");
	assert_true(r.has_nsfd);
	assert_int_equal(r.nsfd, 0);
	assert_string_equal(r.kind, "macvlan");
	assert_true(r.has_data);
	assert_true(r.has_macvlan_mode);
	assert_int_equal(r.macvlan_mode, MACVLAN_MODE_BRIDGE);
	assert_false(r.has_vlan_id);
	assert_int_equal(r.n_data_attrs, 1);
}

/* An RTM_NEWLINK message as the kernel sends it. */
static void test_link_parse(void **state)
{
	char buf[NL_MSG_MAX] = { 0 };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifm;
	struct nlattr *nest, *data;
	struct link_info li;
	(void)state;

	nlh->nlmsg_type = RTM_NEWLINK;
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = 17;
	ifm->ifi_flags = IFF_UP | IFF_BROADCAST;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "eno2.100");
	mnl_attr_put(nlh, IFLA_ADDRESS, 6, MAC_A);
	mnl_attr_put(nlh, IFLA_PERM_ADDRESS, 6, MAC_B);
	mnl_attr_put_u32(nlh, IFLA_LINK, 3);
	mnl_attr_put_u32(nlh, IFLA_MTU, 1496);
	mnl_attr_put_u8(nlh, IFLA_CARRIER, 1);
	mnl_attr_put_u32(nlh, IFLA_LINK_NETNSID, 0);
	nest = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "vlan");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	mnl_attr_put_u16(nlh, IFLA_VLAN_ID, 100);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, nest);

	assert_int_equal(link_parse(nlh, &li), 0);
	assert_int_equal(li.ifindex, 17);
	assert_string_equal(li.name, "eno2.100");
	assert_true(li.has_mac);
	assert_memory_equal(li.mac, MAC_A, 6);
	assert_true(li.has_perm);
	assert_memory_equal(li.perm, MAC_B, 6);
	assert_int_equal(li.link_ifindex, 3);
	assert_int_equal(li.mtu, 1496);
	assert_true(li.carrier);
	assert_string_equal(li.kind, "vlan");
	assert_int_equal(li.vlan_id, 100);
	assert_true(li.link_elsewhere); /* its parent is in another namespace */
	assert_true(li.flags & IFF_UP);

	/* a macvlan's data is no vlan id (its attribute 1 is the mode) */
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_index = 18;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "oob0");
	mnl_attr_put_u32(nlh, IFLA_LINK, 3);
	nest = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "macvlan");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	mnl_attr_put_u32(nlh, IFLA_MACVLAN_MODE, MACVLAN_MODE_BRIDGE);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, nest);
	assert_int_equal(link_parse(nlh, &li), 0);
	assert_string_equal(li.kind, "macvlan");
	assert_int_equal(li.vlan_id, 0);
	assert_false(li.link_elsewhere); /* its parent is in the same namespace */

	/* an all-zero permanent address (veth, many virtual links) is none */
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_index = 2;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "veth0");
	mnl_attr_put(nlh, IFLA_ADDRESS, 6, MAC_C);
	mnl_attr_put(nlh, IFLA_PERM_ADDRESS, 6, (const unsigned char[6]){ 0 });
	assert_int_equal(link_parse(nlh, &li), 0);
	assert_string_equal(li.name, "veth0");
	assert_false(li.has_perm);
	assert_string_equal(li.kind, "");
	assert_int_equal(li.link_ifindex, 0);

	/* a message too short for its header is refused */
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	assert_int_equal(link_parse(nlh, &li), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match_by_name),
		cmocka_unit_test(test_match_by_mac),
		cmocka_unit_test(test_match_perm_preferred),
		cmocka_unit_test(test_match_ignores_children),
		cmocka_unit_test(test_match_ambiguous),
		cmocka_unit_test(test_child_request_vlan),
		cmocka_unit_test(test_child_request_macvlan),
		cmocka_unit_test(test_link_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
