/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "route.h"

#include <errno.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>

#include "util.h"

struct route_parse_ctx {
	struct route_entry *e;
	size_t alen;
};

static int route_attr_cb(const struct nlattr *attr, void *data)
{
	struct route_parse_ctx *ctx = data;
	struct route_entry *e = ctx->e;
	uint16_t len = mnl_attr_get_payload_len(attr);

	switch (mnl_attr_get_type(attr)) {
	case RTA_DST:
		if (len == ctx->alen)
			memcpy(e->dst.addr.b, mnl_attr_get_payload(attr), len);
		break;
	case RTA_GATEWAY:
		if (len == ctx->alen) {
			memcpy(e->gw.b, mnl_attr_get_payload(attr), len);
			e->has_gw = true;
		}
		break;
	case RTA_OIF:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
			e->oif = (int)mnl_attr_get_u32(attr);
		break;
	case RTA_TABLE:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
			e->table = mnl_attr_get_u32(attr);
		break;
	case RTA_PRIORITY:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
			e->priority = mnl_attr_get_u32(attr);
		break;
	}
	return MNL_CB_OK;
}

bool route_onlink_of(const struct route_entry *e, int oif, const struct prefix *a)
{
	return !e->has_gw && e->oif == oif && e->dst.addr.family == a->addr.family && e->dst.len == a->len &&
	       a->len < 8 * ipaddr_len(&a->addr) && prefix_contains(&e->dst, &a->addr);
}

int route_parse(const struct nlmsghdr *nlh, struct route_entry *e)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct route_parse_ctx ctx = { .e = e };

	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*rtm)))
		return -EINVAL;
	if (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6)
		return -EAFNOSUPPORT;
	memset(e, 0, sizeof(*e));
	ctx.alen = rtm->rtm_family == AF_INET ? 4 : 16;
	e->dst.addr.family = rtm->rtm_family;
	e->gw.family = rtm->rtm_family;
	e->dst.len = rtm->rtm_dst_len;
	e->proto = rtm->rtm_protocol;
	e->type = rtm->rtm_type;
	e->table = rtm->rtm_table;
	mnl_attr_parse(nlh, sizeof(*rtm), route_attr_cb, &ctx);
	return 0;
}

struct route_list_ctx {
	struct route_entry *v;
	size_t n, cap;
};

static int route_list_cb(const struct nlmsghdr *nlh, void *data)
{
	struct route_list_ctx *ctx = data;
	struct route_entry e;

	if (nlh->nlmsg_type != RTM_NEWROUTE || route_parse(nlh, &e) < 0)
		return MNL_CB_OK;
	if (e.table != RT_TABLE_MAIN || e.type != RTN_UNICAST)
		return MNL_CB_OK;
	if (ctx->n == ctx->cap) {
		ctx->cap = ctx->cap ? ctx->cap * 2 : 16;
		ctx->v = xrealloc(ctx->v, ctx->cap, sizeof(*ctx->v));
	}
	ctx->v[ctx->n++] = e;
	return MNL_CB_OK;
}

/* An interrupted dump is made again: what was collected goes. */
static void route_list_restart(void *data)
{
	((struct route_list_ctx *)data)->n = 0;
}

int route_list(struct nl *nl, int family, struct route_entry **out, size_t *n)
{
	char buf[NL_MSG_MAX] = { 0 };
	struct route_list_ctx ctx = { 0 };
	struct nlmsghdr *nlh = nl_msg_init(nl, buf, RTM_GETROUTE, 0);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	int r;

	rtm->rtm_family = (uint8_t)family;
	r = nl_dump_restartable(nl, nlh, route_list_cb, route_list_restart, &ctx);
	if (r < 0) {
		free(ctx.v);
		return r;
	}
	*out = ctx.v;
	*n = ctx.n;
	return 0;
}

static struct nlmsghdr *route_msg(struct nl_batch *b, struct nl *nl, uint16_t type, uint16_t flags,
				  const struct prefix *dst, uint8_t proto, long tag)
{
	struct nlmsghdr *nlh = nl_batch_add(b, nl, type, flags, tag);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));

	rtm->rtm_family = (uint8_t)dst->addr.family;
	rtm->rtm_dst_len = (uint8_t)dst->len;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = proto;
	rtm->rtm_type = RTN_UNICAST;
	if (dst->len)
		mnl_attr_put(nlh, RTA_DST, ipaddr_len(&dst->addr), dst->addr.b);
	return nlh;
}

void route_batch_add(struct nl_batch *b, struct nl *nl, int oif, const struct prefix *dst,
		     const struct ipaddr *gw, long tag)
{
	struct nlmsghdr *nlh = route_msg(b, nl, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, dst, RTPROT_OOBD, tag);
	struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);

	rtm->rtm_scope = gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	if (gw)
		mnl_attr_put(nlh, RTA_GATEWAY, ipaddr_len(gw), gw->b);
	mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)oif);
	nl_batch_commit(b, nlh);
}

void route_batch_add_connected(struct nl_batch *b, struct nl *nl, int oif, const struct prefix *addr, long tag)
{
	struct prefix net = *addr;
	size_t alen = ipaddr_len(&addr->addr);

	prefix_mask(&net);
	struct nlmsghdr *nlh = route_msg(b, nl, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, &net, RTPROT_KERNEL, tag);
	struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);

	rtm->rtm_scope = RT_SCOPE_LINK;
	if (addr->addr.family == AF_INET)
		mnl_attr_put(nlh, RTA_PREFSRC, alen, addr->addr.b);
	else
		mnl_attr_put_u32(nlh, RTA_PRIORITY, 256);
	mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)oif);
	nl_batch_commit(b, nlh);
}

void route_batch_del(struct nl_batch *b, struct nl *nl, const struct route_entry *e, long tag)
{
	struct nlmsghdr *nlh = route_msg(b, nl, RTM_DELROUTE, 0, &e->dst, e->proto, tag);
	struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);

	rtm->rtm_scope = RT_SCOPE_NOWHERE;
	if (e->has_gw)
		mnl_attr_put(nlh, RTA_GATEWAY, ipaddr_len(&e->gw), e->gw.b);
	if (e->oif)
		mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)e->oif);
	if (e->priority)
		mnl_attr_put_u32(nlh, RTA_PRIORITY, e->priority);
	nl_batch_commit(b, nlh);
}
