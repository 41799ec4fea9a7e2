/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nl.c: a request made in the background (nl_request_start/nl_request_wait)
 * does what it asks and answers as nl_request() does. In network
 * namespaces of the test's own (root only; the tests skip otherwise). */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "link.h"
#include "nl.h"

/* "home" (this process lives there, with a socket in it) and "other",
 * held by fd only. */
struct env {
	int home, other;
	struct nl nl;
};

static int setup(void **state)
{
	static struct env e;

	e.home = e.other = -1;
	if (unshare(CLONE_NEWNET) < 0)
		return 0; /* the tests skip */
	e.home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (e.home < 0 || unshare(CLONE_NEWNET) < 0)
		return -1;
	e.other = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (e.other < 0 || setns(e.home, CLONE_NEWNET) < 0 || nl_open(&e.nl) < 0)
		return -1;
	*state = &e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;
	if (e && e->nl.sock)
		nl_close(&e->nl);
	if (e && e->home >= 0)
		close(e->home);
	if (e && e->other >= 0)
		close(e->other);
	return 0;
}

#define SKIP_WITHOUT_NAMESPACES(state)                                  \
	do {                                                            \
		if (!*(state)) {                                        \
			printf("# skipped: needs root (network namespaces)\n"); \
			return;                                         \
		}                                                       \
	} while (0)

/* A veth pair NAME/PEER in the calling namespace. */
static void veth_add(struct nl *nl, const char *name, const char *peer)
{
	char buf[NL_MSG_MAX] = { 0 };
	struct nlmsghdr *nlh = nl_msg_init(nl, buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	struct nlattr *linkinfo, *data, *p;
	struct ifinfomsg *pifm;

	ifm->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	p = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	pifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*pifm));
	pifm->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, peer);
	mnl_attr_nest_end(nlh, p);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, linkinfo);
	assert_int_equal(nl_request(nl, nlh, NULL, 0), 0);
}

/* The ifindex of NAME in namespace NSFD (0: not there); back home after. */
static unsigned index_in(int nsfd, int home, const char *name)
{
	unsigned idx;
	assert_int_equal(setns(nsfd, CLONE_NEWNET), 0);
	idx = if_nametoindex(name);
	assert_int_equal(setns(home, CLONE_NEWNET), 0);
	return idx;
}

/* The use it is made for: a link moved into another namespace (and
 * renamed there) while the caller goes on. */
static void test_background_move(void **state)
{
	SKIP_WITHOUT_NAMESPACES(state);
	struct env *e = *state;
	char buf[NL_MSG_MAX] = { 0 }, ext[256] = "stale";
	struct nl_async a;
	int ifindex;

	veth_add(&e->nl, "bgmove0", "bgmove1");
	ifindex = (int)if_nametoindex("bgmove0");
	assert_true(ifindex > 0);
	nl_request_start(&a, &e->nl, link_move_request(&e->nl, buf, ifindex, e->other, "moved0"), true);
	assert_true(a.threaded);
	assert_int_equal(nl_request_wait(&a, ext, sizeof(ext)), 0);
	assert_string_equal(ext, "");
	assert_int_equal(if_nametoindex("bgmove0"), 0);
	assert_true(index_in(e->other, e->home, "moved0") > 0);
	assert_true(if_nametoindex("bgmove1") > 0);
}

/* A refused request: the same error and the same reason text as when it is
 * made in the caller. */
static void test_background_refusal(void **state)
{
	SKIP_WITHOUT_NAMESPACES(state);
	struct env *e = *state;
	char buf[NL_MSG_MAX] = { 0 }, ext_bg[256], ext_fg[256];
	struct nl_async a;
	int r_bg, r_fg;

	veth_add(&e->nl, "bgdup0", "bgdup1");
	/* Renaming it in its own namespace to the name of its peer. */
	nl_request_start(&a, &e->nl,
			 link_move_request(&e->nl, buf, (int)if_nametoindex("bgdup0"), e->home, "bgdup1"), true);
	assert_true(a.threaded);
	r_bg = nl_request_wait(&a, ext_bg, sizeof(ext_bg));
	r_fg = link_move(&e->nl, (int)if_nametoindex("bgdup0"), e->home, "bgdup1", ext_fg, sizeof(ext_fg));
	assert_int_equal(r_bg, -EEXIST);
	assert_int_equal(r_fg, r_bg);
	assert_string_equal(ext_bg, ext_fg);
	assert_true(if_nametoindex("bgdup0") > 0);
}

/* Too large a request is refused without being sent. */
static void test_background_too_large(void **state)
{
	struct nl nl = { 0 };
	union {
		struct nlmsghdr hdr;
		char buf[NL_MSG_MAX + 64];
	} m = { 0 };
	struct nl_async a;
	char ext[8];

	(void)state;
	m.hdr.nlmsg_len = sizeof(m.buf);
	m.hdr.nlmsg_type = RTM_NEWLINK;
	nl_request_start(&a, &nl, &m.hdr, true);
	assert_false(a.threaded);
	assert_int_equal(nl_request_wait(&a, ext, sizeof(ext)), -EMSGSIZE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_background_move),
		cmocka_unit_test(test_background_refusal),
		cmocka_unit_test(test_background_too_large),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
