/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OOBD_ROUTE_H
#define OOBD_ROUTE_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "nl.h"

/*
 * Routes in the main table, through rtnetlink. Every route oobd adds
 * carries RTPROT_OOBD, so oobd only ever removes its own, never the
 * kernel's, DHCP's or an admin's ("ip route" shows it as "proto oobd" with
 * the shipped rt_protos.d entry).
 */
#define RTPROT_OOBD 176

struct route_entry {
	struct prefix dst;
	bool has_gw;
	struct ipaddr gw;
	int oif;
	uint8_t proto;
	uint8_t type;
	uint32_t table;
	uint32_t priority;
};

/* Routes of the main table for FAMILY (AF_UNSPEC: both). *OUT is malloc'ed. */
int route_list(struct nl *nl, int family, struct route_entry **out, size_t *n);
int route_parse(const struct nlmsghdr *nlh, struct route_entry *e);

/* Is E an on-link route (no gateway, out of OIF) to the prefix of address
 * A, as the kernel adds one with the address? Never for a host prefix
 * (/32, /128), which has none. */
bool route_onlink_of(const struct route_entry *e, int oif, const struct prefix *a);

/* Queue adding a route via GW (or on-link when GW is NULL) out of OIF. */
void route_batch_add(struct nl_batch *b, struct nl *nl, int oif, const struct prefix *dst,
		     const struct ipaddr *gw, long tag);
/* Queue the on-link route to ADDR's prefix out of OIF, as the kernel adds
 * it with the address (protocol kernel, scope link; IPv4: ADDR as the
 * preferred source; IPv6: metric 256). */
void route_batch_add_connected(struct nl_batch *b, struct nl *nl, int oif, const struct prefix *addr, long tag);
/* Queue removing exactly the route E. */
void route_batch_del(struct nl_batch *b, struct nl *nl, const struct route_entry *e, long tag);

#endif
