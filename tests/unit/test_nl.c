/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nl.c: a request made in the background (nl_request_start/nl_request_wait)
 * does what it asks and answers as nl_request() does; every request, batch
 * and dump leaves the socket in step, whatever stopped it early (an
 * answer left unread by someone else, a callback's error, a failed send,
 * lost answers, a dump interrupted by changes), so the next one gets its
 * own answer. In network namespaces of the test's own (root only; the
 * tests skip otherwise). */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
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

/* Links enough (with the others, over 80) that a dump of them comes in
 * several parts, as on a busy host: once per run. */
static void many_links(struct nl *nl)
{
	static bool made;
	char a[IFNAMSIZ], b[IFNAMSIZ];

	if (made)
		return;
	for (int i = 0; i < 40; i++) {
		snprintf(a, sizeof(a), "pad%d", i);
		snprintf(b, sizeof(b), "padp%d", i);
		veth_add(nl, a, b);
	}
	made = true;
}

/* The links of the calling namespace, as a fresh socket sees them. */
static size_t links_now(void)
{
	struct nl nl;
	struct link_info *links;
	size_t n;

	assert_int_equal(nl_open(&nl), 0);
	assert_int_equal(link_list(&nl, &links, &n), 0);
	free(links);
	nl_close(&nl);
	return n;
}

/* A link dump on NL must succeed, see every link once, and leave the
 * socket in step for the next one. */
static void assert_links_listed(struct nl *nl, size_t want)
{
	for (int round = 0; round < 2; round++) {
		struct link_info *links = NULL;
		size_t n = 0;
		assert_int_equal(link_list(nl, &links, &n), 0);
		assert_int_equal(n, want);
		for (size_t i = 0; i < n; i++)
			for (size_t j = i + 1; j < n; j++)
				assert_int_not_equal(links[i].ifindex, links[j].ifindex);
		free(links);
	}
}

/* A dump request sent raw, as if by a caller that never read the answer. */
static void dump_unread(struct nl *nl, uint16_t type)
{
	char buf[NL_MSG_MAX] = { 0 };
	struct nlmsghdr *nlh = nl_msg_init(nl, buf, type, NLM_F_REQUEST | NLM_F_DUMP);
	struct rtgenmsg *g = mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg));

	g->rtgen_family = AF_UNSPEC;
	assert_true(mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) >= 0);
}

/* Answers left on the socket by an earlier request are not the next
 * dump's: a complete one (a small dump), one half read, and one still
 * running (several parts; the kernel refuses a second dump on the socket
 * while it runs). */
static void test_dump_after_stale_answer(void **state)
{
	SKIP_WITHOUT_NAMESPACES(state);
	struct env *e = *state;
	char buf[MNL_SOCKET_BUFFER_SIZE * 4];
	struct nl nl;
	size_t want;

	many_links(&e->nl);
	want = links_now();
	assert_true(want > 80);
	assert_int_equal(nl_open(&nl), 0);
	/* A small dump (the addresses: lo is down, none), its whole answer
	 * queued. */
	dump_unread(&nl, RTM_GETADDR);
	assert_links_listed(&nl, want);
	/* A dump of several parts: none, one or two of them read. */
	for (int read = 0; read < 3; read++) {
		dump_unread(&nl, RTM_GETLINK);
		for (int k = 0; k < read; k++)
			assert_true(mnl_socket_recvfrom(nl.sock, buf, sizeof(buf)) > 0);
		assert_links_listed(&nl, want);
	}
	nl_close(&nl);
}

struct stop_after {
	int n, seen;
	int ret;
};

static int stop_after_cb(const struct nlmsghdr *nlh, void *data)
{
	struct stop_after *s = data;
	(void)nlh;
	if (++s->seen < s->n)
		return MNL_CB_OK;
	errno = ECANCELED;
	return s->ret;
}

static struct nlmsghdr *link_dump_request(struct nl *nl, void *buf)
{
	struct nlmsghdr *nlh = nl_msg_init(nl, buf, RTM_GETLINK, 0);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	return nlh;
}

/* A callback that fails or stops on the third link: the dump says so, and
 * the rest of its answer does not reach the next dump. */
static void test_dump_callback_stops(void **state)
{
	SKIP_WITHOUT_NAMESPACES(state);
	struct env *e = *state;
	static const int rets[] = { MNL_CB_ERROR, MNL_CB_STOP };
	char buf[NL_MSG_MAX];
	struct nl nl;
	size_t want;

	many_links(&e->nl);
	want = links_now();
	assert_int_equal(nl_open(&nl), 0);
	for (size_t i = 0; i < sizeof(rets) / sizeof(rets[0]); i++) {
		struct stop_after s = { 3, 0, rets[i] };
		memset(buf, 0, sizeof(buf));
		int r = nl_dump(&nl, link_dump_request(&nl, buf), stop_after_cb, &s);
		assert_int_equal(r, rets[i] == MNL_CB_ERROR ? -ECANCELED : 0);
		assert_int_equal(s.seen, 3);
		assert_links_listed(&nl, want);
	}
	nl_close(&nl);
}

struct refusals {
	int n;
	int last_err;
};

static void count_refusal(long tag, int err, const char *extmsg, void *data)
{
	struct refusals *r = data;
	(void)tag;
	(void)extmsg;
	r->n++;
	r->last_err = err;
}

/* A request the kernel refuses (no such link), of LEN bytes or so. */
static void add_refused(struct nl_batch *b, struct nl *nl, size_t len, long tag)
{
	struct nlmsghdr *nlh = nl_batch_add(b, nl, RTM_DELLINK, 0, tag);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	static const char pad[NL_MSG_MAX];

	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = 0x7ffffff0;
	if (len > nlh->nlmsg_len + MNL_ATTR_HDRLEN)
		mnl_attr_put(nlh, IFLA_IFALIAS, len - nlh->nlmsg_len - MNL_ATTR_HDRLEN, pad);
	nl_batch_commit(b, nlh);
}

/* A batch whose send fails part way (a send buffer too small for its
 * second window of requests): the refusals of the first window are all
 * reported, the batch fails, and the next dump gets its own answer. */
static void test_batch_send_fails(void **state)
{
	SKIP_WITHOUT_NAMESPACES(state);
	struct env *e = *state;
	struct refusals ref = { 0 };
	struct nl nl;
	struct nl_batch *b = nl_batch_new();
	int sndbuf = 32 * 1024;
	size_t want;

	many_links(&e->nl);
	want = links_now();
	assert_int_equal(nl_open(&nl), 0);
	/* 512 small requests, one window of 16 KiB; then large ones, the
	 * next window over 100 KiB, more than the send buffer takes. */
	for (int i = 0; i < 512; i++)
		add_refused(b, &nl, 32, i);
	for (int i = 0; i < 512; i++)
		add_refused(b, &nl, 900, 512 + i);
	assert_int_equal(setsockopt(nl_fd(&nl), SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf)), 0);
	assert_int_equal(nl_batch_run(&nl, b, count_refusal, &ref), -EMSGSIZE);
	assert_links_listed(&nl, want);
	assert_int_equal(ref.n, 512);
	assert_int_equal(ref.last_err, -ENODEV);
	nl_batch_free(b);
	nl_close(&nl);
}

/* A receive buffer so small the kernel drops answers: the batch fails
 * with ENOBUFS, and the socket (renewed: nothing says when the lost
 * answers would have ended) serves the next dump. */
static void test_batch_lost_answers(void **state)
{
	SKIP_WITHOUT_NAMESPACES(state);
	struct env *e = *state;
	struct refusals ref = { 0 };
	struct nl nl;
	struct nl_batch *b = nl_batch_new();
	int rcvbuf = 1;
	size_t want;

	many_links(&e->nl);
	want = links_now();
	assert_int_equal(nl_open(&nl), 0);
	for (int i = 0; i < 512; i++)
		add_refused(b, &nl, 32, i);
	assert_int_equal(setsockopt(nl_fd(&nl), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)), 0);
	assert_int_equal(nl_batch_run(&nl, b, count_refusal, &ref), -ENOBUFS);
	assert_links_listed(&nl, want);
	/* The renewed socket has its full receive buffer again. */
	ref.n = 0;
	assert_int_equal(nl_batch_run(&nl, b, count_refusal, &ref), 512);
	assert_int_equal(ref.n, 512);
	assert_links_listed(&nl, want);
	nl_batch_free(b);
	nl_close(&nl);
}

/* The same for a request in the background, whose thread leaves the
 * renewal to the wait: stale answers overflow a small receive buffer, then
 * the request's own answer cannot be told from the lost ones. */
static void test_background_lost_answers(void **state)
{
	SKIP_WITHOUT_NAMESPACES(state);
	struct env *e = *state;
	char buf[NL_MSG_MAX] = { 0 }, ext[256];
	struct nl_async a;
	struct nl nl;
	int rcvbuf = 1;
	size_t want;

	many_links(&e->nl);
	want = links_now();
	assert_int_equal(nl_open(&nl), 0);
	assert_int_equal(setsockopt(nl_fd(&nl), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)), 0);
	for (int i = 0; i < 64; i++)
		dump_unread(&nl, RTM_GETADDR);
	nl_request_start(&a, &nl, link_move_request(&nl, buf, (int)if_nametoindex("pad0"), e->home, "pad0"),
			 true);
	assert_true(a.threaded);
	assert_int_equal(nl_request_wait(&a, ext, sizeof(ext)), -ENOBUFS);
	assert_links_listed(&nl, want);
	/* And requests work on it as before. */
	veth_add(&nl, "lost0", "lost1");
	assert_int_equal(link_delete(&nl, (int)if_nametoindex("lost0")), 0);
	assert_links_listed(&nl, want);
	nl_close(&nl);
}

/* Creates and deletes a veth pair in the calling namespace until killed. */
static void churn(void)
{
	struct nl nl;

	if (nl_open(&nl) < 0)
		_exit(1);
	for (;;) {
		char buf[NL_MSG_MAX] = { 0 };
		struct nlmsghdr *nlh = nl_msg_init(&nl, buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
		struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
		struct nlattr *linkinfo, *data, *p;
		struct ifinfomsg *pifm;

		ifm->ifi_family = AF_UNSPEC;
		mnl_attr_put_strz(nlh, IFLA_IFNAME, "churn0");
		linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
		mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
		data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
		p = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
		pifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*pifm));
		pifm->ifi_family = AF_UNSPEC;
		mnl_attr_put_strz(nlh, IFLA_IFNAME, "churn1");
		mnl_attr_nest_end(nlh, p);
		mnl_attr_nest_end(nlh, data);
		mnl_attr_nest_end(nlh, linkinfo);
		nl_request(&nl, nlh, NULL, 0);
		link_delete(&nl, (int)if_nametoindex("churn0"));
	}
}

struct restarts {
	size_t n, restarts;
};

static int count_cb(const struct nlmsghdr *nlh, void *data)
{
	struct restarts *r = data;
	if (nlh->nlmsg_type == RTM_NEWLINK)
		r->n++;
	return MNL_CB_OK;
}

static void count_restart(void *data)
{
	struct restarts *r = data;
	r->n = 0;
	r->restarts++;
}

/* Links come and go while the links are listed, at least 100 times and
 * on until the kernel has interrupted some dumps: each interrupted dump is
 * read out and made again, so every listing succeeds and sees each link
 * once. */
static void test_dump_under_churn(void **state)
{
	SKIP_WITHOUT_NAMESPACES(state);
	struct env *e = *state;
	struct restarts rs = { 0 };
	struct nl nl;
	size_t base, bad_n = 0;
	pid_t pid;
	int round, gave_up = 0, bad_r = 0, dup = 0, status;

	many_links(&e->nl);
	base = links_now();
	assert_int_equal(nl_open(&nl), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		churn();
	}
	/* No assertion while the child runs: a failure would leave it. */
	for (round = 0; round < 2000 && (round < 100 || rs.restarts < 5) && !bad_r && !bad_n && !dup; round++) {
		struct link_info *links = NULL;
		char buf[NL_MSG_MAX] = { 0 };
		size_t n = 0;
		int r = link_list(&nl, &links, &n);
		if (r == -EAGAIN) {
			gave_up++; /* changed on all of its tries: allowed, rarely */
		} else if (r < 0) {
			bad_r = r;
		} else {
			/* The churned pair is there or not, never half or twice. */
			if (n != base && n != base + 2)
				bad_n = n;
			for (size_t k = 0; k < n; k++)
				for (size_t j = k + 1; j < n; j++)
					dup += links[k].ifindex == links[j].ifindex;
		}
		free(links);
		/* The same, handed over as it comes, restarted when needed. */
		rs.n = 0;
		r = nl_dump_restartable(&nl, link_dump_request(&nl, buf), count_cb, count_restart, &rs);
		if (r == -EAGAIN)
			gave_up++;
		else if (r < 0 && !bad_r)
			bad_r = r;
		else if (r == 0 && rs.n != base && rs.n != base + 2)
			bad_n = rs.n;
	}
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	printf("# %d rounds; %zu dumps made again after an interruption; %d given up\n", round, rs.restarts,
	       gave_up);
	assert_int_equal(bad_r, 0);
	assert_int_equal(bad_n, 0);
	assert_int_equal(dup, 0);
	assert_true(rs.restarts > 0);
	assert_true(gave_up <= round / 10);
	assert_links_listed(&nl, links_now());
	nl_close(&nl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_background_move),
		cmocka_unit_test(test_background_refusal),
		cmocka_unit_test(test_background_too_large),
		cmocka_unit_test(test_dump_after_stale_answer),
		cmocka_unit_test(test_dump_callback_stops),
		cmocka_unit_test(test_batch_send_fails),
		cmocka_unit_test(test_batch_lost_answers),
		cmocka_unit_test(test_background_lost_answers),
		cmocka_unit_test(test_dump_under_churn),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
