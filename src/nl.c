/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "nl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
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

/* A socket filter that lets through only the events PASS names: the
 * kernel drops every other event before it is queued, so none costs a
 * wake-up, a copy or a system call to read. An event is one message in one
 * datagram; the filter reads its type (16 bits at offset 4, which classic
 * BPF loads in network byte order), and for a PASS with an offset the
 * byte there (a message too short for it is dropped). */
static int nl_filter_types(int fd, const struct nl_pass *pass, size_t n)
{
	struct sock_filter prog[4 * NL_FILTER_TYPES_MAX + 3];
	size_t k = 0, accept = 2;

	if (n > NL_FILTER_TYPES_MAX)
		return -EINVAL;
	/* The load, each test (a byte test: the type, the byte, the type
	 * loaded again), the drop, the accept. */
	for (size_t i = 0; i < n; i++)
		accept += pass[i].offset ? 4 : 1;
	prog[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_H | BPF_ABS, offsetof(struct nlmsghdr, nlmsg_type));
	for (size_t i = 0; i < n; i++) {
		/* Each match jumps over the tests after it and the drop, to the accept. */
		if (!pass[i].offset) {
			prog[k] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, htons(pass[i].type),
							       (uint8_t)(accept - k - 1), 0);
			k++;
			continue;
		}
		prog[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, htons(pass[i].type), 0, 3);
		prog[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_B | BPF_ABS, pass[i].offset);
		prog[k] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, pass[i].value, (uint8_t)(accept - k - 1), 0);
		k++;
		prog[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_H | BPF_ABS, offsetof(struct nlmsghdr, nlmsg_type));
	}
	prog[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0);
	prog[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0xffffffffU);
	const struct sock_fprog fprog = { .len = (unsigned short)k, .filter = prog };
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fprog, sizeof(fprog)) < 0)
		return -errno;
	return 0;
}

static int nl_open_groups(struct nl *nl, unsigned groups, int flags, const struct nl_pass *types, size_t n_types)
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

int nl_open_monitor(struct nl *nl, unsigned groups, const struct nl_pass *types, size_t n_types)
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
	const struct nl_pass *types;
	size_t n_types;
};

static int nl_open_monitor_cb(void *arg)
{
	struct monitor_args *a = arg;
	return nl_open_monitor(a->nl, a->groups, a->types, a->n_types);
}

int nl_open_monitor_in(struct nl *nl, unsigned groups, const struct nl_pass *types, size_t n_types, int nsfd)
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

/*
 * Replace NL's socket by a fresh one in the same namespace, for when its
 * answers can no longer be accounted for: some were lost (ENOBUFS: the
 * kernel found the receive buffer full and dropped them, perhaps the one
 * that ends the request) or a dump left by someone else still runs on it
 * (the kernel refuses another with EBUSY). Reading on until the end is no
 * use then, as the end may never come; closing the socket drops whatever
 * it had queued or running, at once. The socket itself names its
 * namespace (SIOCGSKNS), so nl_open_in need not record one. Should that
 * fail, the old socket stays: every reader skips answers that are not its
 * own, so it still works, only with leftovers to skip.
 *
 * Allocates (libmnl's handle) and enters the namespace: never from the
 * thread of an nl_async, which defers it to nl_request_wait().
 */
static void nl_renew(struct nl *nl)
{
	struct nl fresh;
	int nsfd, r;

	/* A monitor (non-blocking, subscribed, filtered) is not for
	 * requests: never replaced by a plain socket. */
	if (!nl->sock || (fcntl(mnl_socket_get_fd(nl->sock), F_GETFL) & O_NONBLOCK))
		return;
	nsfd = ioctl(mnl_socket_get_fd(nl->sock), SIOCGSKNS);
	if (nsfd < 0) {
		log_debug("netlink: cannot renew a socket out of step: %s", strerror(errno));
		return;
	}
	r = netns_call_in(nsfd, nl_open_cb, &fresh);
	close(nsfd);
	if (r < 0) {
		log_debug("netlink: cannot renew a socket out of step: %s", strerror(-r));
		return;
	}
	/* Sequence numbers go on: answers to the old socket's requests can
	 * never be taken for the new one's. */
	fresh.seq = nl->seq;
	fresh.room = nl->room;
	nl_close(nl);
	*nl = fresh;
	log_debug("netlink: socket renewed (answers lost or out of step)");
}

/* Read the next datagram into BUF (CAP bytes): its length, or -1 with
 * errno. A link's message grows with its altnames and VFs, past any fixed
 * buffer: one longer than CAP is cut, so lost (EMSGSIZE); NL->room then
 * says how long it was, for the reader's next buffer. One system call per
 * datagram, with no peek at its length first: monitors read one per event. */
static ssize_t nl_read(struct nl *nl, char *buf, size_t cap)
{
	ssize_t n = recv(mnl_socket_get_fd(nl->sock), buf, cap, MSG_TRUNC);

	if (n > 0 && (size_t)n > cap) {
		if ((size_t)n > nl->room)
			nl->room = (size_t)n;
		errno = EMSGSIZE;
		return -1;
	}
	return n;
}

/* A reader's buffer: STACK (*CAP bytes), or one on the heap that holds the
 * longest datagram NL has had (*BUF, the old one freed). */
static void nl_room(const struct nl *nl, char **buf, size_t *cap, const char *stack)
{
	if (nl->room > *cap) {
		*buf = xrealloc(*buf == stack ? NULL : *buf, nl->room, 1);
		*cap = nl->room;
	}
}

bool nl_monitor_drain(struct nl *mon, void (*cb)(const struct nlmsghdr *nlh, void *data), void *data)
{
	char stack[MNL_SOCKET_BUFFER_SIZE], *buf = stack;
	size_t cap = sizeof(stack);
	bool lost = false;
	ssize_t n;

	nl_room(mon, &buf, &cap, stack);
	while ((n = nl_read(mon, buf, cap)) != 0) {
		if (n < 0) {
			int e = errno;
			/* ENOBUFS: the socket overflowed, events were lost;
			 * EMSGSIZE: one was too long for the buffer. */
			if (e == ENOBUFS || e == EMSGSIZE)
				lost = true;
			if (e == EMSGSIZE)
				nl_room(mon, &buf, &cap, stack);
			if (e == EINTR || e == ENOBUFS || e == EMSGSIZE)
				continue;
			break; /* EAGAIN: all read */
		}
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
		int len = (int)n;
		for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len))
			cb(nlh, data);
	}
	if (buf != stack)
		free(buf);
	return lost;
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

/* nl_batch_run(), but when answers were lost (the socket must be renewed)
 * it only says so in LOST: the thread of an nl_async allocates nothing. */
static int batch_run(struct nl *nl, struct nl_batch *b, nl_error_cb on_error, void *data, bool *lost)
{
	char rbuf[MNL_SOCKET_BUFFER_SIZE * 4];
	size_t sent = 0, done = 0, goal = b->n;
	int failed = 0, err = 0;
	uint32_t first_seq;

	if (b->n == 0)
		return 0;
	first_seq = ((struct nlmsghdr *)b->buf)->nlmsg_seq;
	while (done < goal) {
		/* Keep the window full: many requests in flight at once. */
		if (sent < goal && sent - done < NL_WINDOW_MSGS / 2) {
			size_t end = sent, start_off = b->offsets[sent];
			while (end < b->n && end - done < NL_WINDOW_MSGS &&
			       b->offsets[end] - start_off < NL_WINDOW_BYTES)
				end++;
			size_t end_off = end < b->n ? b->offsets[end] : b->len;
			/* The kernel takes a socket's requests in order, so the
			 * acknowledgement of the last one of a send says that
			 * all before it are done, their failures read first. */
			((struct nlmsghdr *)(b->buf + b->offsets[end - 1]))->nlmsg_flags |= NLM_F_ACK;
			if (mnl_socket_sendto(nl->sock, b->buf + start_off, end_off - start_off) < 0) {
				/* Nothing of this send reached the kernel, but
				 * the earlier ones did and are being answered:
				 * send no more, read those answers out (their
				 * refusals reported as usual), then fail. */
				err = -errno;
				goal = sent;
				continue;
			}
			sent = end;
		}
		ssize_t n = mnl_socket_recvfrom(nl->sock, rbuf, sizeof(rbuf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* ENOBUFS: answers were lost, maybe the last one, so
			 * reading on might wait for ever. */
			*lost = true;
			return -errno;
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
	return err ? err : failed;
}

int nl_batch_run(struct nl *nl, struct nl_batch *b, nl_error_cb on_error, void *data)
{
	bool lost = false;
	int r = batch_run(nl, b, on_error, data, &lost);

	if (lost)
		nl_renew(nl);
	return r;
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
	int r = batch_run(a->nl, a->batch, single_error, &res, &a->lost);

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
	if (a->lost)
		nl_renew(a->nl);
	a->lost = false;
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

/*
 * One dump in progress. Its answer is a run of messages with its sequence
 * number, in one or more datagrams ("parts"), ended by NLMSG_DONE, or a
 * lone NLMSG_ERROR when the kernel refuses it. libmnl's mnl_cb_run() gives
 * up at the first surprise (a stale message, NLM_F_DUMP_INTR, a callback's
 * error), leaving the rest queued for the next request to trip on; here
 * the reading always goes on to this dump's final message, and only the
 * handing of messages to the callback stops.
 */
struct dump {
	struct nl *nl;
	mnl_cb_t cb;
	void (*restart)(void *data);
	void *data;
	uint32_t seq;
	int err;        /* the callback's error */
	bool intr;      /* NLM_F_DUMP_INTR seen: this try is inconsistent */
	bool stop;      /* the callback wants no more */
	bool lost;      /* the socket failed: renew it */
	/* Without RESTART, the parts so far of a dump of several, as read,
	 * each after its length and at an aligned offset. */
	char *held;
	size_t held_len, held_cap;
};

static bool dump_own(const struct dump *d, const struct nlmsghdr *nlh)
{
	return nlh->nlmsg_seq == d->seq && nlh->nlmsg_pid == d->nl->portid;
}

/* The error an NLMSG_DONE or NLMSG_ERROR carries (an int first in both;
 * a dump that failed part way says so in its NLMSG_DONE). */
static int final_errno(const struct nlmsghdr *nlh)
{
	int e;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(e))
		return nlh->nlmsg_type == NLMSG_ERROR ? -EBADMSG : 0;
	memcpy(&e, mnl_nlmsg_get_payload(nlh), sizeof(e));
	return e < 0 ? e : 0;
}

/* Note what one datagram says of the dump. True when it holds the final
 * message (its error in *KERR). */
static bool dump_scan(struct dump *d, const void *buf, size_t len, int *kerr)
{
	const struct nlmsghdr *nlh = buf;
	int n = (int)len;

	for (; mnl_nlmsg_ok(nlh, n); nlh = mnl_nlmsg_next(nlh, &n)) {
		if (!dump_own(d, nlh))
			continue;
		if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
			d->intr = true;
		if (nlh->nlmsg_type == NLMSG_DONE || nlh->nlmsg_type == NLMSG_ERROR) {
			*kerr = final_errno(nlh);
			return true;
		}
	}
	return false;
}

static void dump_deliver(struct dump *d, const void *buf, size_t len)
{
	const struct nlmsghdr *nlh = buf;
	int n = (int)len;

	for (; mnl_nlmsg_ok(nlh, n); nlh = mnl_nlmsg_next(nlh, &n)) {
		if (!dump_own(d, nlh) || nlh->nlmsg_type < NLMSG_MIN_TYPE)
			continue;
		int r = d->cb(nlh, d->data);
		if (r > MNL_CB_STOP)
			continue;
		if (r < MNL_CB_STOP)
			d->err = errno > 0 ? -errno : -EIO;
		else
			d->stop = true;
		return;
	}
}

/* Room at the end of the held parts for one more datagram (after its
 * length): the parts after the first are read straight into it. */
static char *dump_room(struct dump *d, size_t buflen)
{
	size_t need = d->held_len + sizeof(uint32_t) + buflen;

	if (need > d->held_cap) {
		while (need > d->held_cap)
			d->held_cap = d->held_cap ? d->held_cap * 2 : 4 * buflen;
		d->held = xrealloc(d->held, d->held_cap, 1);
	}
	return d->held + d->held_len + sizeof(uint32_t);
}

/* Keep the datagram of LEN bytes just read into dump_room(). */
static void dump_hold(struct dump *d, size_t len)
{
	uint32_t l = (uint32_t)len;

	memcpy(d->held + d->held_len, &l, sizeof(l));
	d->held_len += sizeof(l) + NLMSG_ALIGN(len);
}

static void dump_deliver_held(struct dump *d)
{
	for (size_t off = 0; off < d->held_len && !d->err && !d->stop;) {
		uint32_t len;
		memcpy(&len, d->held + off, sizeof(len));
		dump_deliver(d, d->held + off + sizeof(len), len);
		off += sizeof(len) + NLMSG_ALIGN(len);
	}
}

/* One try: send NLH, read to its final message. 0 or -errno; D says
 * whether it was interrupted, and whether the socket failed under it. */
static int dump_try(struct dump *d, const struct nlmsghdr *nlh, char *buf, size_t buflen)
{
	bool final = false;
	int kerr = 0;

	d->seq = nlh->nlmsg_seq;
	d->err = 0;
	d->intr = d->stop = d->lost = false;
	d->held_len = 0;
	/* A failed send reached no one: nothing to read out. */
	if (mnl_socket_sendto(d->nl->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	while (!final) {
		/* The first part goes to BUF: most dumps have one only. */
		char *p = d->held_len ? dump_room(d, buflen) : buf;
		ssize_t n = nl_read(d->nl, p, buflen);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			d->lost = true;
			return -errno;
		}
		final = dump_scan(d, p, (size_t)n, &kerr);
		/* After an interruption or the callback's last word, read
		 * the rest out only. */
		if (d->intr || d->err || d->stop)
			continue;
		if (d->held_len) {
			dump_hold(d, (size_t)n);
		} else if (d->restart || final) {
			dump_deliver(d, p, (size_t)n);
		} else {
			memcpy(dump_room(d, buflen), p, (size_t)n);
			dump_hold(d, (size_t)n);
		}
	}
	if (kerr)
		return kerr;
	if (d->held_len && !d->intr && !d->err)
		dump_deliver_held(d);
	return d->err;
}

static int dump_run(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void (*restart)(void *), void *data)
{
	char stack[MNL_SOCKET_BUFFER_SIZE * 4], *buf = stack;
	size_t buflen = sizeof(stack);
	struct dump d = { .nl = nl, .cb = cb, .restart = restart, .data = data };
	int r;

	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_DUMP;
	for (int tries = 1;; tries++) {
		nl_room(nl, &buf, &buflen, stack);
		r = dump_try(&d, nlh, buf, buflen);
		/* EBUSY: another dump still runs on this socket (someone's
		 * left unread); it only ends by being read or closed. */
		if (d.lost || r == -EBUSY)
			nl_renew(nl);
		/* A dump reads the table only: trying again is safe; after
		 * EMSGSIZE, with room for the datagram that was cut. */
		bool again = (r == 0 && d.intr) || (d.lost && (r == -ENOBUFS || r == -EMSGSIZE)) || r == -EBUSY;
		if (!again)
			break;
		if (tries == NL_DUMP_TRIES) {
			if (r == 0) {
				log_debug("netlink: dump of type %u interrupted by changes %d times in a row; giving up",
					  nlh->nlmsg_type, tries);
				r = -EAGAIN;
			}
			break;
		}
		if (r == 0)
			log_debug("netlink: dump of type %u interrupted by a change (try %d of %d); making it again",
				  nlh->nlmsg_type, tries, NL_DUMP_TRIES);
		if (restart)
			restart(data);
		nlh->nlmsg_seq = ++nl->seq;
	}
	free(d.held);
	if (buf != stack)
		free(buf);
	return r;
}

int nl_dump(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	return dump_run(nl, nlh, cb, NULL, data);
}

int nl_dump_restartable(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void (*restart)(void *data),
			void *data)
{
	return dump_run(nl, nlh, cb, restart, data);
}
