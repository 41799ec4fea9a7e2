/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OOBD_RECONCILE_H
#define OOBD_RECONCILE_H

#include <net/if.h>
#include <stdbool.h>

#include "config.h"
#include "nl.h"
#include "route.h"

/*
 * The one "make it so" path: from the desired state of a config to the
 * kernel's, idempotently. Start-up, adoption of what an earlier oobd set
 * up, a NIC that reappears and a reload all run this same code; it only
 * adds what is missing and only removes what oobd itself owns.
 */

/* The NIC's move (or its child's creation) from the main namespace,
 * under way in the background. */
struct nic_claim {
	bool pending;
	bool child;                  /* a vlan or macvlan child is being created */
	int ifindex;                 /* in the main namespace: the NIC, or the parent */
	char name[IFNAMSIZ];
	int failed;                  /* the refusal last reported: the same again is not */
	struct nl_async req;
};

/* A sysctl write the kernel refused, as it was logged. */
struct sysctl_refusal {
	char *key;
	char *value;
	int err;
};

/* What oobd's own default value for sysctl KEY (a key oobd writes unless
 * the config sets it) is for, in words that follow "oobd's default". */
const char *sysctl_default_why(const char *key);

struct netstate {
	int nsfd;                    /* the namespace, held open */
	bool ns_created;             /* created by us, or adopted */
	bool name_elsewhere;         /* /run/netns/NAME names another namespace than the one held */
	long long ns_since;          /* unix time it was created or adopted */
	struct nl nl_oob;            /* a socket inside the namespace */
	int nic_ifindex;             /* in the namespace; 0 while absent */
	char nic_name[IFNAMSIZ];
	bool nic_waiting_logged;
	bool nic_ambiguous;          /* several links match the NIC: none is taken (logged once) */
	bool drift;                  /* set when something of ours vanished: re-adding it is a repair */
	unsigned repairs;            /* addresses, routes, the MTU and the link-local put back after drift */
	unsigned nic_mtu;            /* the NIC's MTU after the last reconcile: the configured one, or the
				      * one the kernel refused to change */
	bool ll_missing;             /* the NIC lacks the IPv6 link-local address the kernel would give it:
				      * waiting for its link to be ready, or the kernel did not make it again */
	bool v6_off;                 /* IPv6 is off on the NIC (disable_ipv6) while the config gives it IPv6
				      * addresses or routes: those are left out until it is on again */
	long long last_reconcile;    /* unix time of the last complete pass */
	struct sysctl_refusal *sysctl_said; /* the sysctl writes the kernel refused at the last reconcile,
					     * logged: the same again is not, until it is taken or a reload */
	size_t n_sysctl_said;
	struct prefix *addr_exists_said; /* configured addresses the kernel refused (EEXIST) at the last
					  * reconcile, logged: the same again is not, until a reload */
	size_t n_addr_exists_said;
	struct nic_claim claim;
	/* A bind of the name that failed (creating the namespace, or binding
	 * the one held again) removes the file it made, which the watch on
	 * /run/netns reports: tried again at a deadline, not at that event. */
	long long bind_retry;        /* monotonic ms; 0: none pending */
	unsigned bind_delay_ms;      /* 1 s, doubling up to NETNS_BIND_RETRY_MAX_MS */
	int bind_failed;             /* the error last logged: the same again is not */
	/* The resolv.conf overlay could not be written (or removed): a
	 * read-only /etc, say. The rest of the path goes on without it; it is
	 * tried again at every reconcile and at a deadline. */
	int dns_err;                 /* -errno of the last try; 0: the overlay is as configured */
	bool dns_said;               /* dns_err was logged: the same again is not, until a reload */
	long long dns_retry;         /* monotonic ms; 0: none pending */
	unsigned dns_delay_ms;       /* 1 s, doubling up to DNS_RETRY_MAX_MS */
};

#define NETNS_BIND_RETRY_MS 1000
#define NETNS_BIND_RETRY_MAX_MS 30000
#define DNS_RETRY_MS 1000
#define DNS_RETRY_MAX_MS 30000

void netstate_init(struct netstate *ns);
void netstate_close(struct netstate *ns);
/* A reload put a new config in force: a refusal that stays (a sysctl, the
 * overlay's write) is logged again. */
void netstate_forget_refusals(struct netstate *ns);

/* Create or adopt the namespace, and re-bind its name if it was removed
 * while we hold it. 0 or -errno (logged). After a failed bind of the name,
 * the next try waits for NS->bind_retry (until then -EAGAIN, or the
 * failure's error). */
int reconcile_namespace(const struct config *c, struct netstate *ns);

/*
 * Claim the NIC (in the namespace already, or moved or created from the main
 * namespace through NL_MAIN) and configure it: sysctls, MTU, addresses,
 * link up, gateways, routes. Returns 0 when all is in place, -ENODEV while
 * the NIC is absent, or -errno; problems are logged. DNS is separate.
 * With UP false it stops before the link goes up (-EAGAIN if it is down;
 * an adopted NIC that is up keeps its routes as they are): the first half,
 * done while the namespace's firewall is still being put in place.
 */
int reconcile_nic(const struct config *c, struct netstate *ns, struct nl *nl_main, bool up);
/*
 * In a namespace just created, where the NIC cannot be yet: start claiming
 * it from the main namespace in the background, and return. The kernel
 * takes tens of milliseconds over a NIC's move, mostly waiting, so a
 * start-up puts its firewall and sshd in place meanwhile; the next
 * reconcile_nic() waits for the claim and takes it from there (NL_MAIN is
 * the claim's until then).
 */
void reconcile_nic_begin(const struct config *c, struct netstate *ns, struct nl *nl_main);

/* A route the config asks for: a gateway (a default route), or a route line. */
struct want_route {
	struct prefix dst;
	const struct ipaddr *via;    /* NULL: on-link */
};
/* The config's routes, gateways first; malloc'ed, pointing into C. */
struct want_route *reconcile_wanted_routes(const struct config *c, size_t *n);
/* Is E the wanted route W, leaving through OIF? */
bool reconcile_route_matches(const struct route_entry *e, const struct want_route *w, int oif);
/* Match all at once (sorted fingerprints: n log n, not n * m): which wanted
 * routes are present in CUR, and which of CUR are wanted. */
void reconcile_match_routes(const struct want_route *want, size_t n_want, const struct route_entry *cur, size_t n_cur,
			    int oif, bool *want_present, bool *cur_wanted);

/* Where the NIC's original name is kept while it is in the namespace. */
#define OOBD_STATE_DIR "/run/oobd"
#define NIC_STATE_FILE OOBD_STATE_DIR "/nic.name"
/* "KEY MODE": the NIC's addr_gen_mode sysctl and the mode it is to get
 * back, kept while oobd writes it as 1 and back (reconcile_nic). */
#define LL_MODE_FILE OOBD_STATE_DIR "/addr_gen_mode"

/* The explicit teardown: hand a physical NIC back to the main namespace
 * under its original name (a vlan/macvlan child is deleted), remove the
 * resolv.conf overlay oobd wrote and the namespace's name. HELD_NSFD: the
 * namespace oobd holds (-1: none), torn down whatever its name says now; the
 * name is removed only where it names that one. 0 or -errno. */
int reconcile_down(const struct config *c, struct nl *nl_main, int held_nsfd);

/* Write the resolv.conf overlay if [dns] is given (remove the one oobd wrote
 * if not). 0 or -errno; a failure is logged once (NS->dns_err, the same
 * again at debug level) and sets NS->dns_retry, the next try's deadline. */
int reconcile_dns(const struct config *c, struct netstate *ns);

#endif
