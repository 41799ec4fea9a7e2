/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OOBD_IFADDR_H
#define OOBD_IFADDR_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "nl.h"

/* Addresses on links, through rtnetlink. Addresses oobd adds carry its
 * protocol tag (IFA_PROTO, Linux 5.18+), so they can be told apart. */

struct ifaddr_entry {
	struct prefix pfx;
	int ifindex;
	uint8_t proto;         /* IFA_PROTO; 0 when unset or unsupported */
	uint8_t scope;
	uint32_t flags;        /* IFA_F_* */
};

/* Addresses of IFINDEX (all links if 0). *OUT is malloc'ed. */
int ifaddr_list(struct nl *nl, int ifindex, struct ifaddr_entry **out, size_t *n);
int ifaddr_parse(const struct nlmsghdr *nlh, struct ifaddr_entry *e);

/* Queue the addition or removal of an address in B. */
/* FLAGS: IFA_F_* for the new address (IFA_F_NODAD). */
void ifaddr_batch_add(struct nl_batch *b, struct nl *nl, int ifindex, const struct prefix *p, uint32_t flags,
		      long tag);
void ifaddr_batch_del(struct nl_batch *b, struct nl *nl, int ifindex, const struct prefix *p, long tag);

#endif
