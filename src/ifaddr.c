/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ifaddr.h"

#include <errno.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>

#include "route.h"
#include "util.h"

struct ifaddr_parse_ctx {
	struct ifaddr_entry *e;
	bool have_local, have_addr;
	unsigned char local[16], address[16];
	size_t alen;
};

static int ifaddr_attr_cb(const struct nlattr *attr, void *data)
{
	struct ifaddr_parse_ctx *ctx = data;
	uint16_t len = mnl_attr_get_payload_len(attr);

	switch (mnl_attr_get_type(attr)) {
	case IFA_LOCAL:
		if (len == ctx->alen) {
			memcpy(ctx->local, mnl_attr_get_payload(attr), len);
			ctx->have_local = true;
		}
		break;
	case IFA_ADDRESS:
		if (len == ctx->alen) {
			memcpy(ctx->address, mnl_attr_get_payload(attr), len);
			ctx->have_addr = true;
		}
		break;
	case IFA_FLAGS:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
			ctx->e->flags = mnl_attr_get_u32(attr);
		break;
	case IFA_PROTO:
		if (mnl_attr_validate(attr, MNL_TYPE_U8) == 0)
			ctx->e->proto = mnl_attr_get_u8(attr);
		break;
	}
	return MNL_CB_OK;
}

int ifaddr_parse(const struct nlmsghdr *nlh, struct ifaddr_entry *e)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	struct ifaddr_parse_ctx ctx = { .e = e };

	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifa)))
		return -EINVAL;
	if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
		return -EAFNOSUPPORT;
	memset(e, 0, sizeof(*e));
	ctx.alen = ifa->ifa_family == AF_INET ? 4 : 16;
	e->ifindex = (int)ifa->ifa_index;
	e->scope = ifa->ifa_scope;
	e->flags = ifa->ifa_flags;
	e->pfx.len = ifa->ifa_prefixlen;
	e->pfx.addr.family = ifa->ifa_family;
	mnl_attr_parse(nlh, sizeof(*ifa), ifaddr_attr_cb, &ctx);
	/* IFA_LOCAL is this host's address (on point-to-point links
	 * IFA_ADDRESS is the peer); IPv6 only sends IFA_ADDRESS. */
	if (ctx.have_local)
		memcpy(e->pfx.addr.b, ctx.local, ctx.alen);
	else if (ctx.have_addr)
		memcpy(e->pfx.addr.b, ctx.address, ctx.alen);
	else
		return -EINVAL;
	return 0;
}

struct ifaddr_list_ctx {
	int ifindex;
	struct ifaddr_entry *v;
	size_t n, cap;
};

static int ifaddr_list_cb(const struct nlmsghdr *nlh, void *data)
{
	struct ifaddr_list_ctx *ctx = data;
	struct ifaddr_entry e;

	if (nlh->nlmsg_type != RTM_NEWADDR || ifaddr_parse(nlh, &e) < 0)
		return MNL_CB_OK;
	if (ctx->ifindex && e.ifindex != ctx->ifindex)
		return MNL_CB_OK;
	if (ctx->n == ctx->cap) {
		ctx->cap = ctx->cap ? ctx->cap * 2 : 16;
		ctx->v = xrealloc(ctx->v, ctx->cap, sizeof(*ctx->v));
	}
	ctx->v[ctx->n++] = e;
	return MNL_CB_OK;
}

/* An interrupted dump is made again: what was collected goes. */
static void ifaddr_list_restart(void *data)
{
	((struct ifaddr_list_ctx *)data)->n = 0;
}

int ifaddr_list(struct nl *nl, int ifindex, struct ifaddr_entry **out, size_t *n)
{
	char buf[NL_MSG_MAX] = { 0 };
	struct ifaddr_list_ctx ctx = { .ifindex = ifindex };
	struct nlmsghdr *nlh = nl_msg_init(nl, buf, RTM_GETADDR, 0);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	int r;

	ifa->ifa_family = AF_UNSPEC;
	r = nl_dump_restartable(nl, nlh, ifaddr_list_cb, ifaddr_list_restart, &ctx);
	if (r < 0) {
		free(ctx.v);
		return r;
	}
	*out = ctx.v;
	*n = ctx.n;
	return 0;
}

static struct nlmsghdr *ifaddr_msg(struct nl_batch *b, struct nl *nl, uint16_t type, uint16_t flags,
				   int ifindex, const struct prefix *p, long tag)
{
	struct nlmsghdr *nlh = nl_batch_add(b, nl, type, flags, tag);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	size_t alen = ipaddr_len(&p->addr);

	ifa->ifa_family = (uint8_t)p->addr.family;
	ifa->ifa_prefixlen = (uint8_t)p->len;
	ifa->ifa_index = (uint32_t)ifindex;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	mnl_attr_put(nlh, IFA_LOCAL, alen, p->addr.b);
	mnl_attr_put(nlh, IFA_ADDRESS, alen, p->addr.b);
	return nlh;
}

void ifaddr_batch_add(struct nl_batch *b, struct nl *nl, int ifindex, const struct prefix *p, uint32_t flags,
		      long tag)
{
	struct nlmsghdr *nlh = ifaddr_msg(b, nl, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, ifindex, p, tag);

	if (flags) {
		struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
		ifa->ifa_flags = (uint8_t)(flags & 0xff);
		mnl_attr_put_u32(nlh, IFA_FLAGS, flags);
	}

	if (p->addr.family == AF_INET && p->len < 31) {
		struct ipaddr brd = p->addr;
		for (unsigned bit = p->len; bit < 32; bit++)
			brd.b[bit / 8] |= (unsigned char)(0x80 >> (bit % 8));
		mnl_attr_put(nlh, IFA_BROADCAST, 4, brd.b);
	}
	mnl_attr_put_u8(nlh, IFA_PROTO, RTPROT_OOBD);
	nl_batch_commit(b, nlh);
}

void ifaddr_batch_del(struct nl_batch *b, struct nl *nl, int ifindex, const struct prefix *p, long tag)
{
	nl_batch_commit(b, ifaddr_msg(b, nl, RTM_DELADDR, 0, ifindex, p, tag));
}
