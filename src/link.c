/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "link.h"

#include <errno.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <string.h>
#include <sys/socket.h>

#include "util.h"

#ifndef IFLA_PERM_ADDRESS
#define IFLA_PERM_ADDRESS 54
#endif

static int vlan_data_cb(const struct nlattr *attr, void *data)
{
	struct link_info *li = data;
	if (mnl_attr_get_type(attr) == IFLA_VLAN_ID && mnl_attr_validate(attr, MNL_TYPE_U16) == 0)
		li->vlan_id = mnl_attr_get_u16(attr);
	return MNL_CB_OK;
}

static int linkinfo_cb(const struct nlattr *attr, void *data)
{
	struct link_info *li = data;
	if (mnl_attr_get_type(attr) == IFLA_INFO_KIND && mnl_attr_validate(attr, MNL_TYPE_STRING) == 0)
		snprintf(li->kind, sizeof(li->kind), "%.*s", (int)mnl_attr_get_payload_len(attr),
			 (const char *)mnl_attr_get_payload(attr));
	/* The kernel puts the kind first: the data is read as a vlan's only
	 * when it is one (attribute 1 is another thing for another kind). */
	if (mnl_attr_get_type(attr) == IFLA_INFO_DATA && strcmp(li->kind, "vlan") == 0)
		mnl_attr_parse_nested(attr, vlan_data_cb, li);
	return MNL_CB_OK;
}

static int link_attr_cb(const struct nlattr *attr, void *data)
{
	struct link_info *li = data;
	uint16_t len = mnl_attr_get_payload_len(attr);

	switch (mnl_attr_get_type(attr)) {
	case IFLA_IFNAME:
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
			str_copy(li->name, mnl_attr_get_str(attr), sizeof(li->name));
		break;
	case IFLA_ADDRESS:
		if (len == 6) {
			memcpy(li->mac, mnl_attr_get_payload(attr), 6);
			li->has_mac = true;
		}
		break;
	case IFLA_PERM_ADDRESS:
		if (len == 6) {
			static const unsigned char zero[6];
			memcpy(li->perm, mnl_attr_get_payload(attr), 6);
			li->has_perm = memcmp(li->perm, zero, 6) != 0;
		}
		break;
	case IFLA_LINK:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
			li->link_ifindex = (int)mnl_attr_get_u32(attr);
		break;
	case IFLA_LINK_NETNSID:
		li->link_elsewhere = true;
		break;
	case IFLA_MTU:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
			li->mtu = mnl_attr_get_u32(attr);
		break;
	case IFLA_CARRIER:
		if (mnl_attr_validate(attr, MNL_TYPE_U8) == 0)
			li->carrier = mnl_attr_get_u8(attr) != 0;
		break;
	case IFLA_LINKINFO:
		mnl_attr_parse_nested(attr, linkinfo_cb, li);
		break;
	}
	return MNL_CB_OK;
}

int link_parse(const struct nlmsghdr *nlh, struct link_info *li)
{
	const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifm)))
		return -EINVAL;
	memset(li, 0, sizeof(*li));
	li->ifindex = ifm->ifi_index;
	li->flags = ifm->ifi_flags;
	mnl_attr_parse(nlh, sizeof(*ifm), link_attr_cb, li);
	return 0;
}

struct link_list_ctx {
	struct link_info *v;
	size_t n, cap;
};

static int link_list_cb(const struct nlmsghdr *nlh, void *data)
{
	struct link_list_ctx *ctx = data;
	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	if (ctx->n == ctx->cap) {
		ctx->cap = ctx->cap ? ctx->cap * 2 : 16;
		ctx->v = xrealloc(ctx->v, ctx->cap, sizeof(*ctx->v));
	}
	if (link_parse(nlh, &ctx->v[ctx->n]) == 0)
		ctx->n++;
	return MNL_CB_OK;
}

/* An interrupted dump is made again: what was collected goes. */
static void link_list_restart(void *data)
{
	((struct link_list_ctx *)data)->n = 0;
}

int link_list(struct nl *nl, struct link_info **out, size_t *n)
{
	char buf[NL_MSG_MAX] = { 0 };
	struct link_list_ctx ctx = { 0 };
	struct nlmsghdr *nlh = nl_msg_init(nl, buf, RTM_GETLINK, 0);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	int r;

	ifm->ifi_family = AF_UNSPEC;
	/* With a filter mask the kernel sizes each part of the dump for its
	 * longest link (altnames make tens of kB); without one, a link longer
	 * than the reader's last buffer is left out of the dump, silently.
	 * The statistics, unused, are left out. */
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	r = nl_dump_restartable(nl, nlh, link_list_cb, link_list_restart, &ctx);
	if (r < 0) {
		free(ctx.v);
		return r;
	}
	*out = ctx.v;
	*n = ctx.n;
	return 0;
}

bool link_kind_copies_mac(const char *kind)
{
	static const char *const kinds[] = { "vlan", "macvlan", "macvtap", "ipvlan", "ipvtap",
					     "bond", "bridge", "team", "vxlan", "dummy" };
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
		if (strcmp(kind, kinds[i]) == 0)
			return true;
	return false;
}

int link_match(const struct iface_cfg *cfg, const char *name, const struct link_info *links, size_t n)
{
	int found = -ENOENT;

	if (name) {
		for (size_t i = 0; i < n; i++)
			if (strcmp(links[i].name, name) == 0)
				return (int)i;
		return -ENOENT;
	}
	if (cfg->match != MATCH_MAC)
		return -ENOENT;
	/* The permanent address identifies the hardware even if someone
	 * changed the current one; prefer it where the driver reports it. */
	for (size_t i = 0; i < n; i++) {
		if (links[i].has_perm && memcmp(links[i].perm, cfg->match_mac, 6) == 0) {
			if (found >= 0)
				return -ENOTUNIQ;
			found = (int)i;
		}
	}
	if (found >= 0)
		return found;
	for (size_t i = 0; i < n; i++) {
		const struct link_info *l = &links[i];
		if (l->has_perm || !l->has_mac || (l->flags & IFF_LOOPBACK) || link_kind_copies_mac(l->kind))
			continue;
		if (memcmp(l->mac, cfg->match_mac, 6) == 0) {
			if (found >= 0)
				return -ENOTUNIQ;
			found = (int)i;
		}
	}
	return found;
}

struct nlmsghdr *link_move_request(struct nl *nl, void *buf, int ifindex, int nsfd, const char *newname)
{
	struct nlmsghdr *nlh = nl_msg_init(nl, buf, RTM_NEWLINK, 0);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));

	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = ifindex;
	mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)nsfd);
	if (newname && *newname)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, newname);
	return nlh;
}

int link_move(struct nl *nl, int ifindex, int nsfd, const char *newname, char *ext, size_t extlen)
{
	char buf[NL_MSG_MAX] = { 0 };
	return nl_request(nl, link_move_request(nl, buf, ifindex, nsfd, newname), ext, extlen);
}

struct nlmsghdr *link_child_request(struct nl *nl, void *buf, const struct iface_cfg *cfg, int parent_ifindex,
				    int nsfd, const char *name)
{
	struct nlmsghdr *nlh = nl_msg_init(nl, buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	struct nlattr *linkinfo, *data;

	ifm->ifi_family = AF_UNSPEC;
	mnl_attr_put_u32(nlh, IFLA_LINK, (uint32_t)parent_ifindex);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (nsfd >= 0)
		mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)nsfd);
	linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	if (cfg->kind == NIC_VLAN) {
		mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "vlan");
		data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
		mnl_attr_put_u16(nlh, IFLA_VLAN_ID, (uint16_t)cfg->vlan_id);
		mnl_attr_nest_end(nlh, data);
	} else {
		mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "macvlan");
		data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
		/* bridge mode: the child can also reach other macvlans of the parent */
		mnl_attr_put_u32(nlh, IFLA_MACVLAN_MODE, MACVLAN_MODE_BRIDGE);
		mnl_attr_nest_end(nlh, data);
	}
	mnl_attr_nest_end(nlh, linkinfo);
	return nlh;
}

static struct nlmsghdr *link_change_init(struct nl *nl, void *buf, int ifindex)
{
	struct nlmsghdr *nlh = nl_msg_init(nl, buf, RTM_NEWLINK, 0);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = ifindex;
	return nlh;
}

int link_set_mtu(struct nl *nl, int ifindex, unsigned mtu, char *ext, size_t extlen)
{
	char buf[NL_MSG_MAX] = { 0 };
	struct nlmsghdr *nlh = link_change_init(nl, buf, ifindex);
	mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	return nl_request(nl, nlh, ext, extlen);
}

int link_set_up(struct nl *nl, int ifindex, bool up, char *ext, size_t extlen)
{
	char buf[NL_MSG_MAX] = { 0 };
	struct nlmsghdr *nlh = link_change_init(nl, buf, ifindex);
	struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
	ifm->ifi_change = IFF_UP;
	ifm->ifi_flags = up ? IFF_UP : 0;
	return nl_request(nl, nlh, ext, extlen);
}

int link_rename(struct nl *nl, int ifindex, const char *name, char *ext, size_t extlen)
{
	char buf[NL_MSG_MAX] = { 0 };
	struct nlmsghdr *nlh = link_change_init(nl, buf, ifindex);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	return nl_request(nl, nlh, ext, extlen);
}

int link_delete(struct nl *nl, int ifindex)
{
	char buf[NL_MSG_MAX] = { 0 };
	struct nlmsghdr *nlh = nl_msg_init(nl, buf, RTM_DELLINK, 0);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = ifindex;
	return nl_request(nl, nlh, NULL, 0);
}
