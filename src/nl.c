/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "nl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>

#include "netns.h"
#include "util.h"

/* Requests in flight at once, and bytes per send. The kernel answers a
 * request only when it fails or asks for an acknowledgement (NLM_F_ACK), and
 * only the last request of each send asks: the answers of one window, all
 * of them failures at worst, must fit the receive buffer, or the kernel
 * drops them. */
#define NL_WINDOW_MSGS 512
#define NL_WINDOW_BYTES ((size_t)128 * 1024)
#define NL_RCVBUF (8 * 1024 * 1024)

/* A socket filter that lets through only messages of the given TYPES: the
 * kernel drops every other event before it is queued, so none costs a
 * wake-up, a copy or a system call to read. An event is one message in one
 * datagram; the filter reads its type (16 bits at offset 4, which classic
 * BPF loads in network byte order). */
static int nl_filter_types(int fd, const uint16_t *types, size_t n)
{
	struct sock_filter prog[NL_FILTER_TYPES_MAX + 3];
	size_t k = 0;

	if (n > NL_FILTER_TYPES_MAX)
		return -EINVAL;
	prog[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_H | BPF_ABS, offsetof(struct nlmsghdr, nlmsg_type));
	/* Each match jumps over the tests after it and the drop, to the accept. */
	for (size_t i = 0; i < n; i++)
		prog[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, htons(types[i]), (uint8_t)(n - i), 0);
	prog[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0);
	prog[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0xffffffffU);
	const struct sock_fprog fprog = { .len = (unsigned short)k, .filter = prog };
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fprog, sizeof(fprog)) < 0)
		return -errno;
	return 0;
}

static int nl_open_groups(struct nl *nl, unsigned groups, int flags, const uint16_t *types, size_t n_types)
{
	int one = 1, rcvbuf = NL_RCVBUF, r = 0;

	memset(nl, 0, sizeof(*nl));
	nl->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC | flags);
	if (!nl->sock)
		return -errno;
	/* The filter goes on before the subscription: no event of another
	 * type is ever queued. */
	if (types)
		r = nl_filter_types(mnl_socket_get_fd(nl->sock), types, n_types);
	if (r == 0 && mnl_socket_bind(nl->sock, groups, MNL_SOCKET_AUTOPID) < 0)
		r = -errno;
	if (r < 0) {
		mnl_socket_close(nl->sock);
		nl->sock = NULL;
		return r;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (uint32_t)time(NULL);
	/* Errors carry only our header back, plus the kernel's reason text. */
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	if (setsockopt(mnl_socket_get_fd(nl->sock), SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
		setsockopt(mnl_socket_get_fd(nl->sock), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	return 0;
}

int nl_open(struct nl *nl)
{
	return nl_open_groups(nl, 0, 0, NULL, 0);
}

int nl_open_monitor(struct nl *nl, unsigned groups, const uint16_t *types, size_t n_types)
{
	return nl_open_groups(nl, groups, SOCK_NONBLOCK, types, n_types);
}

int nl_fd(const struct nl *nl)
{
	return nl->sock ? mnl_socket_get_fd(nl->sock) : -1;
}

static int nl_open_cb(void *arg)
{
	return nl_open(arg);
}

struct monitor_args {
	struct nl *nl;
	unsigned groups;
	const uint16_t *types;
	size_t n_types;
};

static int nl_open_monitor_cb(void *arg)
{
	struct monitor_args *a = arg;
	return nl_open_monitor(a->nl, a->groups, a->types, a->n_types);
}

int nl_open_monitor_in(struct nl *nl, unsigned groups, const uint16_t *types, size_t n_types, int nsfd)
{
	struct monitor_args a = { nl, groups, types, n_types };
	return netns_call_in(nsfd, nl_open_monitor_cb, &a);
}

int nl_open_in(struct nl *nl, int nsfd)
{
	return netns_call_in(nsfd, nl_open_cb, nl);
}

void nl_close(struct nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	nl->sock = NULL;
}

struct nlmsghdr *nl_msg_init(struct nl *nl, void *buf, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = ++nl->seq;
	return nlh;
}

struct nl_batch {
	char *buf;
	size_t len, cap;
	size_t *offsets;       /* start of each request in buf */
	long *tags;
	size_t n, cap_n;
	struct nlmsghdr *open;
};

struct nl_batch *nl_batch_new(void)
{
	return xcalloc(1, sizeof(struct nl_batch));
}

void nl_batch_free(struct nl_batch *b)
{
	if (!b)
		return;
	free(b->buf);
	free(b->offsets);
	free(b->tags);
	free(b);
}

size_t nl_batch_count(const struct nl_batch *b)
{
	return b->n;
}

struct nlmsghdr *nl_batch_add(struct nl_batch *b, struct nl *nl, uint16_t type, uint16_t flags, long tag)
{
	struct nlmsghdr *nlh;

	if (b->len + NL_MSG_MAX > b->cap) {
		b->cap = b->cap ? b->cap * 2 : 16 * (size_t)NL_MSG_MAX;
		b->buf = xrealloc(b->buf, b->cap, 1);
	}
	if (b->n == b->cap_n) {
		b->cap_n = b->cap_n ? b->cap_n * 2 : 64;
		b->offsets = xrealloc(b->offsets, b->cap_n, sizeof(*b->offsets));
		b->tags = xrealloc(b->tags, b->cap_n, sizeof(*b->tags));
	}
	memset(b->buf + b->len, 0, NL_MSG_MAX);
	nlh = nl_msg_init(nl, b->buf + b->len, type, flags | NLM_F_REQUEST);
	b->offsets[b->n] = b->len;
	b->tags[b->n] = tag;
	b->open = nlh;
	return nlh;
}

void nl_batch_commit(struct nl_batch *b, struct nlmsghdr *nlh)
{
	if (nlh != b->open)
		return;
	b->len += NLMSG_ALIGN(nlh->nlmsg_len);
	b->n++;
	b->open = NULL;
}

static void ext_ack_msg(const struct nlmsghdr *nlh, char *out, size_t outlen)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t hlen = sizeof(*e);
	const struct nlattr *attr;

	out[0] = '\0';
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		hlen += mnl_nlmsg_get_payload_len(&e->msg);
	mnl_attr_for_each(attr, nlh, hlen) {
		if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0) {
			str_copy(out, mnl_attr_get_str(attr), outlen);
			return;
		}
	}
}

int nl_batch_run(struct nl *nl, struct nl_batch *b, nl_error_cb on_error, void *data)
{
	char rbuf[MNL_SOCKET_BUFFER_SIZE * 4];
	size_t sent = 0, done = 0;
	int failed = 0;
	uint32_t first_seq;

	if (b->n == 0)
		return 0;
	first_seq = ((struct nlmsghdr *)b->buf)->nlmsg_seq;
	while (done < b->n) {
		/* Keep the window full: many requests in flight at once. */
		if (sent < b->n && sent - done < NL_WINDOW_MSGS / 2) {
			size_t end = sent, start_off = b->offsets[sent];
			while (end < b->n && end - done < NL_WINDOW_MSGS &&
			       b->offsets[end] - start_off < NL_WINDOW_BYTES)
				end++;
			size_t end_off = end < b->n ? b->offsets[end] : b->len;
			/* The kernel takes a socket's requests in order, so the
			 * acknowledgement of the last one of a send says that
			 * all before it are done, their failures read first. */
			((struct nlmsghdr *)(b->buf + b->offsets[end - 1]))->nlmsg_flags |= NLM_F_ACK;
			if (mnl_socket_sendto(nl->sock, b->buf + start_off, end_off - start_off) < 0)
				return -errno;
			sent = end;
		}
		ssize_t n = mnl_socket_recvfrom(nl->sock, rbuf, sizeof(rbuf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno; /* ENOBUFS here would mean lost answers */
		}
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)rbuf;
		int len = (int)n;
		for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
			if (nlh->nlmsg_type != NLMSG_ERROR || nlh->nlmsg_pid != nl->portid)
				continue;
			uint32_t idx = nlh->nlmsg_seq - first_seq;
			if (idx >= sent)
				continue;
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
			if (idx + 1 > done)
				done = idx + 1;
			if (e->error) {
				char ext[256];
				ext_ack_msg(nlh, ext, sizeof(ext));
				failed++;
				if (on_error)
					on_error(b->tags[idx], e->error, ext, data);
			}
		}
	}
	return failed;
}

struct single_result {
	int err;
	char *ext;
	size_t extlen;
};

static void single_error(long tag, int err, const char *extmsg, void *data)
{
	struct single_result *r = data;
	(void)tag;
	r->err = err;
	if (r->ext)
		snprintf(r->ext, r->extlen, "%s", extmsg);
}

/* A batch of the one request NLH (with a fresh sequence number), or NULL
 * when it is too large. */
static struct nl_batch *single_batch(struct nl *nl, const struct nlmsghdr *nlh)
{
	struct nl_batch *b;
	struct nlmsghdr *m;

	if (nlh->nlmsg_len > NL_MSG_MAX)
		return NULL;
	b = nl_batch_new();
	m = nl_batch_add(b, nl, nlh->nlmsg_type, nlh->nlmsg_flags, 0);
	uint32_t seq = m->nlmsg_seq;
	memcpy(m, nlh, nlh->nlmsg_len);
	m->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	m->nlmsg_seq = seq;
	nl_batch_commit(b, m);
	return b;
}

/* Send the request and read its answer; allocates nothing. */
static void *nl_async_run(void *arg)
{
	struct nl_async *a = arg;
	struct single_result res = { 0, a->ext, sizeof(a->ext) };
	int r = nl_batch_run(a->nl, a->batch, single_error, &res);

	a->err = r < 0 ? r : res.err;
	return NULL;
}

/* The thread only sends, waits in the kernel and reads (nl_batch_run's
 * 32 KiB receive buffer is on its stack); the C library puts the thread's
 * descriptor and TLS at the top. */
#define NL_ASYNC_STACK ((size_t)96 * 1024)

void nl_request_start(struct nl_async *a, struct nl *nl, const struct nlmsghdr *nlh, bool background)
{
	pthread_attr_t attr;
	sigset_t all, old;

	memset(a, 0, sizeof(*a));
	a->nl = nl;
	a->batch = single_batch(nl, nlh);
	if (!a->batch) {
		a->err = -EMSGSIZE;
		return;
	}
	if (background)
		a->stack = stack_map(NL_ASYNC_STACK, &a->stack_len);
	if (a->stack && pthread_attr_init(&attr) == 0) {
		pthread_attr_setstack(&attr, a->stack, a->stack_len);
		/* No signal is ever delivered to the thread: it starts with
		 * all of them blocked. */
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		a->threaded = pthread_create(&a->thread, &attr, nl_async_run, a) == 0;
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		pthread_attr_destroy(&attr);
	}
	if (!a->threaded)
		nl_async_run(a);
}

int nl_request_wait(struct nl_async *a, char *extmsg, size_t extlen)
{
	if (a->threaded)
		pthread_join(a->thread, NULL);
	a->threaded = false;
	if (a->stack)
		munmap(a->stack, a->stack_len);
	a->stack = NULL;
	nl_batch_free(a->batch);
	a->batch = NULL;
	if (extmsg && extlen)
		snprintf(extmsg, extlen, "%s", a->ext);
	return a->err;
}

int nl_request(struct nl *nl, struct nlmsghdr *nlh, char *extmsg, size_t extlen)
{
	struct nl_async a;

	nl_request_start(&a, nl, nlh, false);
	return nl_request_wait(&a, extmsg, extlen);
}

int nl_dump(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	char buf[MNL_SOCKET_BUFFER_SIZE * 4];
	uint32_t seq = nlh->nlmsg_seq;
	int r;

	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_DUMP;
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl->sock, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		r = mnl_cb_run(buf, (size_t)n, seq, nl->portid, cb, data);
		if (r < 0)
			return -errno;
		if (r == MNL_CB_STOP)
			return 0;
	}
}
