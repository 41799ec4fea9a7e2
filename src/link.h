/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OOBD_LINK_H
#define OOBD_LINK_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "nl.h"

/* Links (network interfaces), through rtnetlink. */

struct link_info {
	int ifindex;
	char name[IFNAMSIZ];
	char kind[16];               /* IFLA_INFO_KIND; "" for a plain NIC */
	unsigned char mac[6];
	bool has_mac;
	unsigned char perm[6];       /* permanent hardware address, if reported */
	bool has_perm;
	int link_ifindex;            /* IFLA_LINK: the parent of a child link */
	bool link_elsewhere;         /* IFLA_LINK_NETNSID: that parent is in another namespace */
	unsigned vlan_id;            /* of a vlan link */
	unsigned flags;              /* IFF_* */
	unsigned mtu;
	bool carrier;
};

/* All links of NL's namespace; *OUT is malloc'ed. 0 or -errno. */
int link_list(struct nl *nl, struct link_info **out, size_t *n);

/*
 * Which of LINKS the config names: by name, or by MAC (the permanent address
 * where reported, else the current one, never a VLAN/macvlan-style child that
 * copies its parent's MAC). Returns the index, -ENOENT, or -ENOTUNIQ when
 * several links match.
 */
int link_match(const struct iface_cfg *cfg, const char *name, const struct link_info *links, size_t n);

/* Kinds of links that take their MAC from another link (vlan, macvlan,
 * bridge, ...): never "the NIC" by MAC. */
bool link_kind_copies_mac(const char *kind);

/* Move IFINDEX into the namespace NSFD, renaming it there to NEWNAME if
 * given, in one request. 0 or -errno. link_move_request() only builds the
 * request, in BUF (at least NL_MSG_MAX bytes). */
struct nlmsghdr *link_move_request(struct nl *nl, void *buf, int ifindex, int nsfd, const char *newname);
int link_move(struct nl *nl, int ifindex, int nsfd, const char *newname, char *ext, size_t extlen);

/* Build the request that creates a vlan or macvlan child named NAME of
 * PARENT_IFINDEX directly inside namespace NSFD (so the main namespace never
 * sees it). BUF holds at least NL_MSG_MAX bytes. */
struct nlmsghdr *link_child_request(struct nl *nl, void *buf, const struct iface_cfg *cfg, int parent_ifindex,
				    int nsfd, const char *name);

/* Set MTU (0: leave) and the administrative state. 0 or -errno. */
int link_set_mtu(struct nl *nl, int ifindex, unsigned mtu, char *ext, size_t extlen);
int link_set_up(struct nl *nl, int ifindex, bool up, char *ext, size_t extlen);
/* Rename IFINDEX to NAME (in the namespace NL belongs to). */
int link_rename(struct nl *nl, int ifindex, const char *name, char *ext, size_t extlen);

/* Delete a (virtual) link. */
int link_delete(struct nl *nl, int ifindex);

/* Parse one RTM_NEWLINK message (also from event notifications). */
int link_parse(const struct nlmsghdr *nlh, struct link_info *li);

#endif
