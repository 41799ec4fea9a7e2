/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "reconcile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dns.h"
#include "ifaddr.h"
#include "link.h"
#include "log.h"
#include "netns.h"
#include "route.h"
#include "sysctl.h"
#include "util.h"

void netstate_init(struct netstate *ns)
{
	memset(ns, 0, sizeof(*ns));
	ns->nsfd = -1;
}

static void sysctl_said_free(struct netstate *ns)
{
	for (size_t k = 0; k < ns->n_sysctl_said; k++) {
		free(ns->sysctl_said[k].key);
		free(ns->sysctl_said[k].value);
	}
	free(ns->sysctl_said);
	ns->sysctl_said = NULL;
	ns->n_sysctl_said = 0;
}

/*
 * The configured addresses the kernel refused with EEXIST at the last
 * reconcile (the NIC has the address with another prefix length), as
 * logged: the same again, at every reconcile, is not, until the refusal
 * ends or a reload. Kept here, beside the one netstate of the daemon.
 */
static void addr_exists_said_set(struct netstate *ns, struct prefix *v, size_t n)
{
	free(ns->addr_exists_said);
	ns->addr_exists_said = v;
	ns->n_addr_exists_said = n;
}

void netstate_forget_refusals(struct netstate *ns)
{
	sysctl_said_free(ns);
	ns->dns_said = false;
	addr_exists_said_set(ns, NULL, 0);
}

void netstate_close(struct netstate *ns)
{
	sysctl_said_free(ns);
	addr_exists_said_set(ns, NULL, 0);
	/* A claim's request names the namespace by its descriptor: let it end
	 * before that is closed. */
	if (ns->claim.pending) {
		ns->claim.pending = false;
		nl_request_wait(&ns->claim.req, NULL, 0);
	}
	nl_close(&ns->nl_oob);
	if (ns->nsfd >= 0)
		close(ns->nsfd);
	ns->nsfd = -1;
}

static bool same_inode(int a, int b)
{
	struct stat sa, sb;
	return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* A bind of the namespace's name failed with R: the next try waits, each
 * time twice as long, and the same error again is logged at debug level
 * only. WHAT says what failed. */
static void bind_failed(const struct config *c, struct netstate *ns, const char *what, int r)
{
	ns->bind_delay_ms = ns->bind_delay_ms ? ns->bind_delay_ms * 2 : NETNS_BIND_RETRY_MS;
	if (ns->bind_delay_ms > NETNS_BIND_RETRY_MAX_MS)
		ns->bind_delay_ms = NETNS_BIND_RETRY_MAX_MS;
	ns->bind_retry = now_ms() + ns->bind_delay_ms;
	if (r == ns->bind_failed)
		log_debug("%s network namespace \"%s\": %s (again; next try in %u s)", what, c->netns, strerror(-r),
			  ns->bind_delay_ms / 1000);
	else
		log_err("%s network namespace \"%s\": %s", what, c->netns, strerror(-r));
	ns->bind_failed = r;
}

static void bind_done(struct netstate *ns)
{
	ns->bind_retry = 0;
	ns->bind_delay_ms = 0;
	ns->bind_failed = 0;
}

int reconcile_namespace(const struct config *c, struct netstate *ns)
{
	const char *name = c->netns;
	int fd = netns_open(name), r;

	/* Its name could not be bound: not again before the deadline (the
	 * watch on /run/netns reports the file the last try removed). */
	if (fd >= 0)
		bind_done(ns);
	else if (ns->bind_retry && now_ms() < ns->bind_retry)
		return ns->bind_failed ? ns->bind_failed : -EAGAIN;

	if (ns->nsfd >= 0) {
		/* We hold it: make sure its name still points at it. */
		if (fd >= 0) {
			bool same = same_inode(fd, ns->nsfd);
			close(fd);
			ns->name_elsewhere = !same;
			if (same)
				return 0;
			log_err("namespace \"%s\": /run/netns/%s now names another namespace; keeping ours", name, name);
			return -EEXIST;
		}
		netns_delete(name); /* a stale empty file, if any */
		r = netns_bind(name, ns->nsfd);
		if (r < 0) {
			bind_failed(c, ns, "re-binding the name of", r);
			return r;
		}
		bind_done(ns);
		log_warn("namespace \"%s\": its name had been removed; bound it again", name);
		return 0;
	}
	if (fd == -EINVAL) {
		/* A leftover empty file from an interrupted "ip netns add". */
		log_warn("namespace \"%s\": /run/netns/%s is not a namespace; replacing it", name, name);
		netns_delete(name);
		fd = -ENOENT;
	}
	if (fd >= 0) {
		ns->ns_created = false;
		log_info("namespace \"%s\": adopted", name);
	} else if (fd == -ENOENT) {
		fd = netns_create(name);
		if (fd < 0) {
			bind_failed(c, ns, "creating", fd);
			return fd;
		}
		bind_done(ns);
		ns->ns_created = true;
		log_info("namespace \"%s\": created", name);
	} else {
		log_err("opening network namespace \"%s\": %s", name, strerror(-fd));
		return fd;
	}
	ns->nsfd = fd;
	ns->ns_since = (long long)time(NULL);
	r = nl_open_in(&ns->nl_oob, fd);
	if (r < 0) {
		log_err("opening a netlink socket in namespace \"%s\": %s", name, strerror(-r));
		close(fd);
		ns->nsfd = -1;
		return r;
	}
	return 0;
}

/* The physical NIC's name in the main namespace when this oobd took it,
 * for when NIC_STATE_FILE could not be written. */
static char nic_orig_name[IFNAMSIZ];

static const char *nic_desc(const struct config *c, char *buf, size_t len)
{
	char mac[18];
	const struct iface_cfg *i = &c->iface;

	if (i->kind != NIC_PHYSICAL)
		snprintf(buf, len, "%s child of %s", i->kind == NIC_VLAN ? "vlan" : "macvlan", i->parent);
	else if (i->match == MATCH_MAC)
		snprintf(buf, len, "NIC with MAC %s", mac_str(i->match_mac, mac));
	else
		snprintf(buf, len, "NIC %s", i->match_name);
	return buf;
}

/* The MAC of the config's macvlan child of PARENT: the same at each
 * creation (after its parent or itself was re-created, the LAN's ARP and ND
 * caches, a router's for hours, would still send to a random new one),
 * derived from the parent's and the namespace's name, locally
 * administered, unicast. False when the parent has no MAC. */
static bool child_mac(const struct config *c, const struct link_info *parent, unsigned char mac[6])
{
	if (!parent->has_perm && !parent->has_mac)
		return false;
	unsigned long long h = fnv64_add(FNV64_INIT, parent->has_perm ? parent->perm : parent->mac, 6);
	h = fnv64_add(h, c->netns, strlen(c->netns));
	for (int b = 0; b < 6; b++)
		mac[b] = (unsigned char)(h >> (8 * b));
	mac[0] = (unsigned char)((mac[0] & 0xfc) | 0x02);
	return true;
}

static const struct link_info *link_named(const struct link_info *links, size_t n, const char *name)
{
	for (size_t k = 0; k < n; k++)
		if (strcmp(links[k].name, name) == 0)
			return &links[k];
	return NULL;
}

/* Is L, the link under the NIC's name in the namespace, the NIC the config
 * describes? The rules of the main namespace (MAIN, its links): the MAC; a
 * child's kind and parent (by kind alone while no link of the main
 * namespace has the parent's name); the name, unless the NIC is still in
 * the main namespace under the name the config matches. */
static bool nic_is_configured(const struct config *c, const struct link_info *l, const struct link_info *main,
			      size_t n_main)
{
	const struct iface_cfg *i = &c->iface;

	if (i->kind != NIC_PHYSICAL) {
		const struct link_info *p = link_named(main, n_main, i->parent);
		if (strcmp(l->kind, i->kind == NIC_VLAN ? "vlan" : "macvlan") != 0 ||
		    (i->kind == NIC_VLAN && l->vlan_id != i->vlan_id))
			return false;
		return !p || (l->link_elsewhere && l->link_ifindex == p->ifindex);
	}
	if (i->match == MATCH_MAC)
		return link_match(i, NULL, l, 1) == 0;
	return !i->rename[0] || strcmp(i->rename, i->match_name) == 0 || !link_named(main, n_main, i->match_name);
}

/* Find the NIC among the namespace's links. A link that has the NIC's name
 * there but is not the NIC the config describes is not taken: it goes to
 * *SQUATTER (ifindex 0 if none), and *MAIN (*N_MAIN) keeps the links of the
 * main namespace, listed to tell (NULL, 0 if they were not needed). After
 * a claim that succeeded (CLAIMED) the name is the claimed link's: the
 * move or the creation under it would have failed otherwise. */
static bool nic_state_read(char name[IFNAMSIZ]);
static bool nic_state_read_id(int *ifindex, unsigned char mac[6]);

/* The link of LINKS that NIC_STATE_FILE says is the NIC oobd took under
 * the config's name to match, or -ENOENT. */
static int nic_recorded(const struct config *c, const struct link_info *links, size_t n)
{
	char kept[IFNAMSIZ];
	unsigned char mac[6];
	int ifindex;

	if (!nic_state_read(kept) || strcmp(kept, c->iface.match_name) != 0 || !nic_state_read_id(&ifindex, mac))
		return -ENOENT;
	for (size_t k = 0; k < n; k++) {
		const struct link_info *l = &links[k];
		if (l->ifindex == ifindex && !link_kind_copies_mac(l->kind) && (l->has_perm || l->has_mac) &&
		    memcmp(l->has_perm ? l->perm : l->mac, mac, 6) == 0)
			return (int)k;
	}
	return -ENOENT;
}

static int nic_find_in_ns(const struct config *c, struct netstate *ns, struct nl *nl_main, bool claimed,
			  struct link_info *out, int *lo_ifindex, bool *lo_up, struct link_info *squatter,
			  struct link_info **main, size_t *n_main)
{
	struct link_info *links = NULL;
	size_t n = 0;
	int r = link_list(&ns->nl_oob, &links, &n), idx;

	squatter->ifindex = 0;
	*main = NULL;
	*n_main = 0;
	if (r < 0)
		return r;
	for (size_t k = 0; k < n; k++) {
		if (links[k].flags & IFF_LOOPBACK) {
			*lo_ifindex = links[k].ifindex;
			*lo_up = links[k].flags & IFF_UP;
		}
	}
	idx = link_match(&c->iface, config_nic_name_in_ns(c), links, n);
	/* Under the NIC's name, but something else: the NIC of an earlier
	 * config (a child where a physical NIC is configured now, or the
	 * reverse), or a link made by hand. The link held so far was checked
	 * when it was taken. */
	if (idx >= 0 && !claimed && config_nic_name_in_ns(c) && links[idx].ifindex != ns->nic_ifindex) {
		r = link_list(nl_main, main, n_main);
		if (r < 0) {
			log_err("listing links of the main namespace: %s", strerror(-r));
			free(links);
			return r;
		}
		if (!nic_is_configured(c, &links[idx], *main, *n_main)) {
			*squatter = links[idx];
			idx = -ENOENT;
		}
	}
	/* Not under its name there: renamed inside the namespace (by hand, or
	 * by a config whose "rename" changed). Still the NIC if it is the link
	 * held so far, or the NIC's MAC says so. */
	for (size_t k = 0; idx == -ENOENT && ns->nic_ifindex && k < n; k++)
		if (links[k].ifindex == ns->nic_ifindex)
			idx = (int)k;
	if (idx == -ENOENT && config_nic_name_in_ns(c) && c->iface.kind == NIC_PHYSICAL && c->iface.match == MATCH_MAC)
		idx = link_match(&c->iface, NULL, links, n);
	/* Matched by name, and renamed inside while oobd was stopped: the one
	 * NIC_STATE_FILE says oobd took under that name (its ifindex and MAC
	 * there). Else it would be handed back, and moved in again. */
	if (idx == -ENOENT && c->iface.kind == NIC_PHYSICAL && c->iface.match == MATCH_NAME)
		idx = nic_recorded(c, links, n);
	if (idx >= 0)
		*out = links[idx];
	free(links);
	return idx >= 0 ? 0 : idx;
}

/* The NIC's name in the main namespace, as NIC_STATE_FILE keeps it: true
 * when the file holds a valid interface name (into NAME). */
static bool nic_state_read(char name[IFNAMSIZ])
{
	char *txt = NULL;
	bool ok = false;

	if (read_file(NIC_STATE_FILE, &txt, NULL, 4096) == 0) {
		txt[strcspn(txt, "\n")] = '\0';
		ok = ifname_valid(txt);
		if (ok)
			str_copy(name, txt, IFNAMSIZ);
	}
	free(txt);
	return ok;
}

/* NIC_STATE_FILE holds the NIC's name in the main namespace on its first
 * line and, once the NIC is inside, its ifindex there and its MAC (the
 * permanent one where reported) on the second: they tell it from the other
 * links of the namespace after a restart with another config. INSIDE: the
 * NIC in the namespace, or NULL before the move. 0 or -errno. */
static int nic_state_write(const char *name, const struct link_info *inside)
{
	char state[64], mac[18];
	int len, r;

	if (inside && (inside->has_perm || inside->has_mac))
		len = snprintf(state, sizeof(state), "%s\n%d %s\n", name, inside->ifindex,
			       mac_str(inside->has_perm ? inside->perm : inside->mac, mac));
	else
		len = snprintf(state, sizeof(state), "%s\n", name);
	r = mkdir_p(OOBD_STATE_DIR, 0755);
	if (r == 0)
		r = write_file_atomic(NIC_STATE_FILE, state, (size_t)len, 0644);
	return r;
}

/* The ifindex and MAC NIC_STATE_FILE has for the NIC inside: false if it
 * has none (written before the move, or by an older oobd). */
static bool nic_state_read_id(int *ifindex, unsigned char mac[6])
{
	char *txt = NULL, *end;
	bool ok = false;

	if (read_file(NIC_STATE_FILE, &txt, NULL, 4096) == 0) {
		char *line = strchr(txt, '\n');
		if (line) {
			errno = 0;
			long v = strtol(line + 1, &end, 10);
			if (errno == 0 && end != line + 1 && *end == ' ' && v > 0 && v <= INT_MAX) {
				end[1 + strcspn(end + 1, "\n")] = '\0';
				*ifindex = (int)v;
				ok = mac_parse(end + 1, mac);
			}
		}
	}
	free(txt);
	return ok;
}

static int main_netns_fd(void)
{
	return open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
}

/* Move the physical NIC IFINDEX (now NAME) back to the main namespace as
 * ORIG, or as NAME when ORIG is taken there. 0 or -errno (logged). */
static int nic_hand_back(struct netstate *ns, int ifindex, const char *name, const char *orig)
{
	_cleanup_close_ int mainfd = main_netns_fd();
	char ext[256];
	int r = link_move(&ns->nl_oob, ifindex, mainfd, orig, ext, sizeof(ext));

	if (r == -EEXIST) {
		/* The name is taken in the main namespace: keep the current one. */
		log_warn("the name %s is taken in the main namespace; handing the NIC back as %s", orig, name);
		orig = name;
		r = link_move(&ns->nl_oob, ifindex, mainfd, NULL, ext, sizeof(ext));
	}
	if (r < 0)
		log_err("handing %s back to the main namespace: %s%s%s", name, strerror(-r), *ext ? ": " : "", ext);
	else
		log_info("handed %s back to the main namespace as %s", name, orig);
	return r;
}

/*
 * L holds the NIC's name in the namespace but is not the NIC the config
 * describes (nic_find_in_ns); MAIN are the main namespace's links. Clear
 * the name for the NIC: a vlan or macvlan child that oobd created (a vlan
 * whose parent is in another namespace; a macvlan with the MAC oobd gives
 * its children) is deleted; a NIC that oobd moved in (NIC_STATE_FILE names
 * it, and it is no link that copies its MAC) goes back to the main
 * namespace under the name it had there, as "oobctl down" would hand it
 * back (only when the config's NIC is not in the namespace: NO_NIC; else
 * the file names that one); anything else is not oobd's to delete or
 * move, and is renamed out of the way inside the namespace (with the
 * addresses oobd gave it removed, which would otherwise be on two links).
 * With TEARDOWN (the namespace goes next) the last is left alone. 0 when
 * the name is free.
 */
static int nic_clear_name(const struct config *c, struct netstate *ns, const struct link_info *l,
			  const struct link_info *main, size_t n_main, bool no_nic, bool teardown)
{
	const struct link_info *parent = NULL;
	unsigned char mac[6];
	char kept[IFNAMSIZ], name[IFNAMSIZ], ext[256];
	int r;

	for (size_t k = 0; l->link_elsewhere && k < n_main; k++)
		if (main[k].ifindex == l->link_ifindex)
			parent = &main[k];
	bool child = (strcmp(l->kind, "vlan") == 0 && l->link_elsewhere) ||
		     (strcmp(l->kind, "macvlan") == 0 && parent && child_mac(c, parent, mac) && l->has_mac &&
		      memcmp(l->mac, mac, 6) == 0);
	if (child) {
		r = link_delete(&ns->nl_oob, l->ifindex);
		if (r < 0)
			log_err("%s %s (ifindex %d) in namespace \"%s\", which oobd created, is not the NIC the config "
				"describes; deleting it: %s", l->kind, l->name, l->ifindex, c->netns, strerror(-r));
		else
			log_warn("%s %s (ifindex %d) in namespace \"%s\", which oobd created, is not the NIC the config "
				 "describes; deleted it", l->kind, l->name, l->ifindex, c->netns);
		return r;
	}
	if (no_nic && !link_kind_copies_mac(l->kind) && nic_state_read(kept)) {
		log_warn("%s (ifindex %d) in namespace \"%s\" is not the NIC the config describes; %s says oobd took "
			 "it as %s: handing it back", l->name, l->ifindex, c->netns, NIC_STATE_FILE, kept);
		r = nic_hand_back(ns, l->ifindex, l->name, kept);
		if (r == 0) {
			unlink(NIC_STATE_FILE);
			nic_orig_name[0] = '\0';
		}
		return r;
	}
	if (teardown)
		return 0;
	snprintf(name, sizeof(name), "stale%d", l->ifindex);
	r = link_rename(&ns->nl_oob, l->ifindex, name, ext, sizeof(ext));
	if (r == -EBUSY && (l->flags & IFF_UP)) {
		/* Kernels before 6.10 rename no link that is up. */
		link_set_up(&ns->nl_oob, l->ifindex, false, NULL, 0);
		r = link_rename(&ns->nl_oob, l->ifindex, name, ext, sizeof(ext));
		link_set_up(&ns->nl_oob, l->ifindex, true, NULL, 0);
	}
	if (r < 0) {
		log_err("%s %s (ifindex %d) in namespace \"%s\" has the NIC's name but is not the NIC the config "
			"describes; renaming it %s: %s%s%s", *l->kind ? l->kind : "link", l->name, l->ifindex, c->netns,
			name, strerror(-r), *ext ? ": " : "", ext);
		return r;
	}
	log_warn("%s %s (ifindex %d) in namespace \"%s\" had the NIC's name but is not the NIC the config describes "
		 "(not oobd's: left in place); renamed it %s", *l->kind ? l->kind : "link", l->name, l->ifindex,
		 c->netns, name);
	struct ifaddr_entry *cur = NULL;
	size_t n_cur = 0;
	if (ifaddr_list(&ns->nl_oob, l->ifindex, &cur, &n_cur) == 0) {
		struct nl_batch *b = nl_batch_new();
		for (size_t k = 0; k < n_cur; k++)
			if (cur[k].proto == RTPROT_OOBD)
				ifaddr_batch_del(b, &ns->nl_oob, l->ifindex, &cur[k].pfx, (long)k);
		if (nl_batch_count(b) && nl_batch_run(&ns->nl_oob, b, NULL, NULL) != 0)
			log_err("removing oobd's addresses from %s in namespace \"%s\": some remain", name, c->netns);
		nl_batch_free(b);
		free(cur);
	}
	return 0;
}

/* The NIC L is taken in the namespace: which link inside it is goes into
 * NIC_STATE_FILE, for a later oobd with another config. After its move
 * (MOVED); or adopted under the name it was taken as, by a file that has
 * no more than that name (an older oobd's). */
static void nic_state_note(const struct config *c, const struct link_info *l, bool moved)
{
	const struct iface_cfg *i = &c->iface;
	char kept[IFNAMSIZ];
	unsigned char mac[6];
	int ifindex;
	const char *name = moved && nic_orig_name[0] ? nic_orig_name : NULL;

	if (!moved && i->kind == NIC_PHYSICAL && i->match == MATCH_NAME && nic_state_read(kept) &&
	    strcmp(kept, i->match_name) == 0 && !nic_state_read_id(&ifindex, mac))
		name = kept;
	int r = name ? nic_state_write(name, l) : 0;
	if (r < 0)
		log_warn("writing %s: %s; an oobd restarted with another NIC configured will not know %s as the one "
			 "it moved in", NIC_STATE_FILE, strerror(-r), l->name);
}

static const struct link_info *link_by_ifindex(const struct link_info *links, size_t n, int ifindex)
{
	for (size_t k = 0; k < n; k++)
		if (links[k].ifindex == ifindex)
			return &links[k];
	return NULL;
}

/* The addresses a batch removes: which the kernel refused (its tag is the
 * index). */
struct leftover_addrs {
	const struct ifaddr_entry *cur;
	const char *const *names;
	bool *failed;
};

static void leftover_addr_error(long tag, int err, const char *ext, void *data)
{
	struct leftover_addrs *la = data;
	char p[PREFIX_STRLEN];

	la->failed[tag] = true;
	log_err("removing oobd's address %s from %s: %s%s%s", prefix_str(&la->cur[tag].pfx, p), la->names[tag],
		strerror(-err), *ext ? ": " : "", ext);
}

/* The addresses tagged RTPROT_OOBD on any link of the namespace but the
 * NIC (NIC) and loopback, removed; the links stay. */
static void leftover_addrs_remove(const struct config *c, struct netstate *ns, int nic)
{
	struct link_info *links = NULL;
	struct ifaddr_entry *cur = NULL;
	size_t n = 0, n_cur = 0;

	if (link_list(&ns->nl_oob, &links, &n) < 0 || ifaddr_list(&ns->nl_oob, 0, &cur, &n_cur) < 0) {
		free(links);
		return;
	}
	const char **names = xcalloc(n_cur + 1, sizeof(*names));
	bool *failed = xcalloc(n_cur + 1, sizeof(*failed));
	struct nl_batch *b = nl_batch_new();
	for (size_t k = 0; k < n_cur; k++) {
		const struct link_info *l = link_by_ifindex(links, n, cur[k].ifindex);
		if (cur[k].proto != RTPROT_OOBD || cur[k].ifindex == nic || !l || (l->flags & IFF_LOOPBACK))
			continue;
		names[k] = l->name;
		ifaddr_batch_del(b, &ns->nl_oob, cur[k].ifindex, &cur[k].pfx, (long)k);
	}
	struct leftover_addrs la = { cur, names, failed };
	if (nl_batch_count(b)) {
		int r = nl_batch_run(&ns->nl_oob, b, leftover_addr_error, &la);
		char p[PREFIX_STRLEN];
		if (r < 0)
			log_err("removing oobd's addresses from links of namespace \"%s\" other than the NIC: %s", c->netns,
				strerror(-r));
		for (size_t k = 0; r >= 0 && k < n_cur; k++)
			if (names[k] && !failed[k])
				log_notice("removed oobd's address %s from %s in namespace \"%s\", which is not the NIC "
					   "(left there by an earlier config)",
					   prefix_str(&cur[k].pfx, p), names[k], c->netns);
	}
	nl_batch_free(b);
	free(failed);
	free(names);
	free(cur);
	free(links);
}

/*
 * What an earlier oobd left in the namespace under another name than the
 * NIC's (oobd restarted after the config's NIC, or its "rename", changed;
 * the link under the NIC's name is nic_clear_name's). NIC: the NIC's
 * ifindex there, 0 when no link there is the NIC (before its claim). The
 * namespace may hold the admin's own links, so only what carries a mark of
 * oobd's is touched: a macvlan with the MAC oobd derives for a child of its
 * parent is deleted; the physical NIC that NIC_STATE_FILE identifies (its
 * ifindex and MAC inside) is handed back to the main namespace under the
 * name kept there; once the NIC is known, the addresses tagged RTPROT_OOBD
 * are removed from every other link, which stays (a vlan oobd made carries
 * no mark of oobd's). With TEARDOWN, only the hand-back: the rest goes with
 * the namespace. What is removed is not found again, so each removal is
 * logged once.
 */
static void leftovers_clear(const struct config *c, struct netstate *ns, struct nl *nl_main, int nic, bool teardown)
{
	struct link_info *links = NULL, *main = NULL;
	size_t n = 0, n_main = 0;
	unsigned char rec_mac[6], mac[6];
	int rec_ifindex = 0, r;
	char kept[IFNAMSIZ];
	bool rec = nic_state_read(kept) && nic_state_read_id(&rec_ifindex, rec_mac);

	if (link_list(&ns->nl_oob, &links, &n) < 0)
		return;
	for (size_t k = 0; k < n; k++) {
		const struct link_info *l = &links[k];
		if (l->ifindex == nic || (l->flags & IFF_LOOPBACK))
			continue;
		if (!teardown && strcmp(l->kind, "macvlan") == 0 && l->link_elsewhere && l->has_mac) {
			if (!main && link_list(nl_main, &main, &n_main) < 0)
				break;
			const struct link_info *p = link_by_ifindex(main, n_main, l->link_ifindex);
			if (!p || !child_mac(c, p, mac) || memcmp(l->mac, mac, 6) != 0)
				continue;
			r = link_delete(&ns->nl_oob, l->ifindex);
			if (r < 0)
				log_err("macvlan %s (ifindex %d) in namespace \"%s\", a child of %s which oobd created, is "
					"not the NIC the config describes; deleting it: %s",
					l->name, l->ifindex, c->netns, p->name, strerror(-r));
			else
				log_warn("macvlan %s (ifindex %d) in namespace \"%s\", a child of %s which oobd created, is "
					 "not the NIC the config describes; deleted it",
					 l->name, l->ifindex, c->netns, p->name);
			continue;
		}
		if (rec && l->ifindex == rec_ifindex && !link_kind_copies_mac(l->kind) &&
		    (l->has_perm || l->has_mac) && memcmp(l->has_perm ? l->perm : l->mac, rec_mac, 6) == 0) {
			log_warn("%s (ifindex %d) in namespace \"%s\" is not the NIC the config describes; %s says oobd "
				 "took it as %s: handing it back",
				 l->name, l->ifindex, c->netns, NIC_STATE_FILE, kept);
			if (nic_hand_back(ns, l->ifindex, l->name, kept) == 0) {
				unlink(NIC_STATE_FILE);
				nic_orig_name[0] = '\0';
			}
			rec = false;
		}
	}
	free(main);
	free(links);
	if (!teardown && nic)
		leftover_addrs_remove(c, ns, nic);
}

/* Start moving or creating the NIC from the main namespace, in the
 * background or at once; nic_claim_finish() says how it went. 0, -ENODEV
 * while absent, or -errno. */
static int nic_claim_start(const struct config *c, struct netstate *ns, struct nl *nl_main, bool background)
{
	const struct iface_cfg *i = &c->iface;
	struct nic_claim *cl = &ns->claim;
	struct link_info *links = NULL;
	size_t n = 0;
	char desc[64], buf[NL_MSG_MAX] = { 0 };
	struct nlmsghdr *nlh;
	bool renamed_back = false;
	int r = link_list(nl_main, &links, &n), idx;

	if (r < 0) {
		log_err("listing links of the main namespace: %s", strerror(-r));
		return r;
	}
	nic_desc(c, desc, sizeof(desc));
	if (i->kind == NIC_PHYSICAL) {
		idx = link_match(i, i->match == MATCH_NAME ? i->match_name : NULL, links, n);
		/* Back under the name it had inside (its namespace was deleted,
		 * or it was moved out by hand): still the NIC. */
		if (idx == -ENOENT && i->match == MATCH_NAME && i->rename[0]) {
			idx = link_match(i, i->rename, links, n);
			renamed_back = idx >= 0;
		}
	} else {
		idx = -ENOENT;
		for (size_t k = 0; k < n; k++)
			if (strcmp(links[k].name, i->parent) == 0)
				idx = (int)k;
	}
	if (idx == -ENOTUNIQ) {
		/* Retried at each link change of the main namespace: said once. */
		log_msg(ns->nic_ambiguous ? LOG_DEBUG : LOG_ERR, "%s: several links match; not guessing which one is the NIC",
			desc);
		ns->nic_ambiguous = true;
		free(links);
		return -ENOTUNIQ;
	}
	ns->nic_ambiguous = false;
	if (idx < 0) {
		if (!ns->nic_waiting_logged)
			log_warn("%s: not present; waiting for it to appear", desc);
		ns->nic_waiting_logged = true;
		free(links);
		return -ENODEV;
	}
	ns->nic_waiting_logged = false;
	cl->child = i->kind != NIC_PHYSICAL;
	cl->ifindex = links[idx].ifindex;
	str_copy(cl->name, links[idx].name, sizeof(cl->name));
	unsigned char mac[6];
	/* A macvlan child would get a random MAC at each creation: the same
	 * one every time instead. */
	bool stable_mac = i->kind == NIC_MACVLAN && child_mac(c, &links[idx], mac);
	free(links);
	if (!cl->child) {
		char prev[IFNAMSIZ] = "";
		/* Back under the name it was given inside (moved out by hand, or
		 * its namespace deleted): the name it had before is the one
		 * recorded when it was first taken, not this one. */
		if (!renamed_back && i->rename[0] && strcmp(cl->name, i->rename) == 0 && !nic_state_read(prev) &&
		    nic_orig_name[0])
			str_copy(prev, nic_orig_name, sizeof(prev));
		/* Remember its name in the main namespace, to hand it back as it
		 * was (the configured one, if it came back under its inside name). */
		str_copy(nic_orig_name, renamed_back ? i->match_name : prev[0] ? prev : cl->name, sizeof(nic_orig_name));
		r = nic_state_write(nic_orig_name, NULL);
		if (r < 0)
			log_warn("writing %s: %s; an oobd --down after a restart will not know the NIC's name %s",
				 NIC_STATE_FILE, strerror(-r), nic_orig_name);
		nlh = link_move_request(nl_main, buf, cl->ifindex, ns->nsfd, i->rename[0] ? i->rename : NULL);
	} else {
		nlh = link_child_request(nl_main, buf, i, cl->ifindex, ns->nsfd, config_nic_name_in_ns(c));
		if (stable_mac)
			mnl_attr_put(nlh, IFLA_ADDRESS, sizeof(mac), mac);
	}
	cl->pending = true;
	if (background)
		log_debug("%s %s: under way while the start-up goes on", cl->child ? "creating a child of" : "moving",
			  cl->name);
	nl_request_start(&cl->req, nl_main, nlh, background);
	return 0;
}

/* Wait for the claim and say how it went. A claim is retried at each link
 * change of the main namespace: a refusal the same as the last one
 * reported is logged at debug level only. */
static int nic_claim_finish(const struct config *c, struct netstate *ns)
{
	const struct iface_cfg *i = &c->iface;
	struct nic_claim *cl = &ns->claim;
	char ext[256];
	int r = nl_request_wait(&cl->req, ext, sizeof(ext));
	int level = r < 0 && r == cl->failed ? LOG_DEBUG : LOG_ERR;

	cl->pending = false;
	cl->failed = r < 0 ? r : 0;
	if (cl->child) {
		char desc[64];
		const char *name = config_nic_name_in_ns(c);
		nic_desc(c, desc, sizeof(desc));
		if (r < 0)
			log_msg(level, "creating %s %s in namespace \"%s\": %s%s%s", desc, name, c->netns,
				strerror(-r), *ext ? ": " : "", ext);
		else
			log_info("created %s %s in namespace \"%s\"", desc, name, c->netns);
	} else if (r < 0) {
		/* What the kernel refuses to move at all (NETIF_F_NETNS_LOCAL:
		 * "The interface netns is immutable", no reason before 5.x)
		 * is left in the main namespace for good: say what to do. */
		bool immutable = r == -EINVAL && (!*ext || strstr(ext, "immutable"));
		log_msg(level, "moving %s into namespace \"%s\"%s%s: %s%s%s%s%s%s", cl->name, c->netns,
			i->rename[0] ? " as " : "", i->rename, strerror(-r), *ext ? ": " : "", ext,
			immutable ? " (a link its driver keeps in its namespace, such as a bridge, a bond or a "
				    "wireless one, cannot be moved: give the namespace a child of it instead, kind = "
				    "macvlan with parent = " : "",
			immutable ? cl->name : "", immutable ? ")" : "");
	} else {
		log_info("moved %s (ifindex %d) into namespace \"%s\"%s%s", cl->name, cl->ifindex, c->netns,
			 i->rename[0] ? " as " : "", i->rename);
	}
	return r;
}

void reconcile_nic_begin(const struct config *c, struct netstate *ns, struct nl *nl_main)
{
	if (ns->ns_created && ns->nsfd >= 0 && !ns->nic_ifindex && !ns->claim.pending)
		nic_claim_start(c, ns, nl_main, true);
}

/* The dotted sysctl key TEMPLATE, its '*' standing for the NIC's name. */
static void sysctl_nic_key(char key[128], const char *template, const char *nic)
{
	char nicdot[IFNAMSIZ];
	const char *star = strchr(template, '*');

	/* In dotted sysctl keys a '.' inside an interface name is written '/'. */
	str_copy(nicdot, nic ? nic : "", sizeof(nicdot));
	for (char *s = nicdot; *s; s++)
		if (*s == '.')
			*s = '/';
	if (star)
		snprintf(key, 128, "%.*s%s%s", (int)(star - template), template, nicdot, star + 1);
	else
		str_copy(key, template, 128);
}

static void sysctl_kv_add(struct sysctl_kv *kv, size_t *n, char (*keys)[128], const char *template, const char *nic,
			  const char *value)
{
	size_t k;

	sysctl_nic_key(keys[*n], template, nic);
	for (k = 0; k < *n; k++)
		if (strcmp(kv[k].key, keys[*n]) == 0)
			return;
	kv[*n] = (struct sysctl_kv){ keys[*n], value, 0 };
	(*n)++;
}

static bool user_sets(const struct config *c, const char *key)
{
	for (size_t k = 0; k < c->n_sysctls; k++)
		if (strcmp(c->sysctls[k].key, key) == 0)
			return true;
	return false;
}

/* Was this refusal logged at the last reconcile? */
static bool sysctl_refusal_said(const struct netstate *ns, const struct sysctl_kv *kv)
{
	for (size_t k = 0; k < ns->n_sysctl_said; k++) {
		const struct sysctl_refusal *s = &ns->sysctl_said[k];
		if (s->err == kv->err && strcmp(s->key, kv->key) == 0 && strcmp(s->value, kv->value) == 0)
			return true;
	}
	return false;
}

/*
 * oobd's own sysctl values, written before the config's (which win over
 * them). A fresh namespace accepts router advertisements and ICMP
 * redirects: any host on the management LAN could hand the NIC an address,
 * a default route or a detour. And with promote_secondaries 0 (the
 * kernel's default) removing an IPv4 address also removes every other
 * address of its subnet on the NIC, an administrator's among them: a
 * reload that drops one of oobd's addresses would take those away.
 */
static const struct {
	const char *key, *value;
} sysctl_defaults[] = {
	{ "net.ipv6.conf.all.accept_ra", "0" },
	{ "net.ipv6.conf.default.accept_ra", "0" },
	{ "net.ipv6.conf.*.accept_ra", "0" },
	{ "net.ipv4.conf.all.accept_redirects", "0" },
	{ "net.ipv4.conf.default.accept_redirects", "0" },
	{ "net.ipv4.conf.*.accept_redirects", "0" },
	{ "net.ipv6.conf.all.accept_redirects", "0" },
	{ "net.ipv6.conf.default.accept_redirects", "0" },
	{ "net.ipv6.conf.*.accept_redirects", "0" },
	{ "net.ipv4.conf.all.promote_secondaries", "1" },
	{ "net.ipv4.conf.default.promote_secondaries", "1" },
	{ "net.ipv4.conf.*.promote_secondaries", "1" },
};

const char *sysctl_default_why(const char *key)
{
	return strstr(key, ".promote_secondaries") ? "that keeps the other addresses of a subnet when one is removed"
						     : "against router advertisements and ICMP redirects";
}

/*
 * oobd's defaults, then the config's own sysctls. Written at every
 * reconcile (each repair of drift, each link event that needs one): a
 * refusal is logged once, and at debug level while the kernel refuses the
 * same value for the same reason.
 */
static void reconcile_sysctls(const struct config *c, struct netstate *ns)
{
	size_t cap = ARRAY_SIZE(sysctl_defaults) + c->n_sysctls, n = 0;
	struct sysctl_kv *kv = xcalloc(cap, sizeof(*kv));
	char (*keys)[128] = xcalloc(cap, sizeof(*keys));
	int r;

	for (size_t k = 0; k < ARRAY_SIZE(sysctl_defaults); k++) {
		sysctl_kv_add(kv, &n, keys, sysctl_defaults[k].key, ns->nic_name, sysctl_defaults[k].value);
		if (user_sets(c, kv[n - 1].key))
			n--;
	}
	size_t n_defaults = n;
	for (size_t k = 0; k < c->n_sysctls; k++)
		kv[n++] = (struct sysctl_kv){ c->sysctls[k].key, c->sysctls[k].value, 0 };
	r = sysctl_write_in(ns->nsfd, kv, n);
	if (r < 0)
		log_err("setting sysctls in namespace \"%s\": %s", c->netns, strerror(-r));
	struct sysctl_refusal *said = xcalloc(r > 0 ? (size_t)r : 1, sizeof(*said));
	size_t n_said = 0;
	for (size_t k = 0; r > 0 && k < n; k++) {
		if (!kv[k].err)
			continue;
		/* Without IPv6 in the kernel, its keys do not exist. */
		if (k < n_defaults && kv[k].err == -ENOENT)
			continue;
		int level = sysctl_refusal_said(ns, &kv[k]) ? LOG_DEBUG : LOG_ERR;
		if (k < n_defaults)
			log_msg(level, "sysctl %s = %s in namespace \"%s\": %s", kv[k].key, kv[k].value, c->netns,
				strerror(-kv[k].err));
		else
			log_msg(level, "%s:%d: sysctl %s = %s in namespace \"%s\": %s", c->path,
				c->sysctls[k - n_defaults].line, kv[k].key, kv[k].value, c->netns,
				strerror(-kv[k].err));
		said[n_said++] = (struct sysctl_refusal){ xstrdup(kv[k].key), xstrdup(kv[k].value), kv[k].err };
	}
	/* Not written at all: what was said stays said. */
	if (r >= 0) {
		sysctl_said_free(ns);
		ns->sysctl_said = said;
		ns->n_sysctl_said = n_said;
	} else {
		free(said);
	}
	free(kv);
	free(keys);
}

/*
 * IPv6 off on the NIC (disable_ipv6 not 0: by hand, or the config's own
 * sysctls) while the config gives it IPv6 addresses or routes: the kernel
 * refuses every one of them. They are left out, and that is logged once,
 * until it is 0 again. Then the kernel announces no link or netconf change,
 * only the routes IPv6 brings to the link, among them the multicast route
 * ff00::/8 that the monitor in the namespace lets through: that brings the
 * reconcile back here.
 */
static void reconcile_ipv6_off(const struct config *c, struct netstate *ns)
{
	char key[128], val[64];
	bool was = ns->v6_off;

	ns->v6_off = false;
	if (!config_wants_ipv6(c))
		return;
	sysctl_nic_key(key, "net.ipv6.conf.*.disable_ipv6", ns->nic_name);
	/* No such key (no IPv6 in this kernel): tried, and the kernel says why. */
	if (sysctl_read_in(ns->nsfd, key, val, sizeof(val)) < 0)
		return;
	ns->v6_off = strcmp(val, "0") != 0;
	if (ns->v6_off && !was)
		log_err("IPv6 is off on %s (%s = %s): its IPv6 addresses and routes are not configured until it is 0 again",
			ns->nic_name, key, val);
	else if (!ns->v6_off && was)
		log_notice("IPv6 is on again on %s (%s = 0): configuring its IPv6 addresses and routes", ns->nic_name, key);
}

/* What one request of a batch is about (its tag is its index): written
 * out only for a request the kernel refuses, or for a log line. */
struct batch_item {
	const struct prefix *pfx;
	const struct ipaddr *via;    /* a route's gateway, or NULL */
	bool repair;                 /* putting back what had disappeared */
	bool refused;                /* the kernel refused it */
	bool exists;                 /* ... with EEXIST */
};
#define BATCH_ITEM_STRLEN (PREFIX_STRLEN + IPADDR_STRLEN + 8)

static const char *batch_item_str(const struct batch_item *it, char buf[BATCH_ITEM_STRLEN])
{
	char gw[IPADDR_STRLEN];

	prefix_str(it->pfx, buf);
	if (it->via) {
		strcat(buf, " via ");
		strcat(buf, ipaddr_str(it->via, gw));
	}
	return buf;
}

struct batch_report {
	const char *what;            /* "adding address" */
	const char *nic;
	struct batch_item *items;
	int failed_eexist;
};

static void batch_error(long tag, int err, const char *ext, void *data)
{
	struct batch_report *rep = data;
	char desc[BATCH_ITEM_STRLEN];

	rep->items[tag].refused = true;
	if (err == -EEXIST) {
		/* Present already (someone else's entry with the same key): for
		 * an address, said by its caller. */
		rep->items[tag].exists = true;
		rep->failed_eexist++;
		return;
	}
	log_err("%s %s on %s: %s%s%s", rep->what, batch_item_str(&rep->items[tag], desc), rep->nic, strerror(-err),
		*ext ? ": " : "", ext);
}

/* Repairs are counted once the kernel took them: a batch that failed as a
 * whole (R < 0) may have applied none. */
static void batch_count_repairs(struct netstate *ns, const struct batch_item *items, size_t n, int r)
{
	for (size_t k = 0; r >= 0 && k < n; k++)
		if (items[k].repair && !items[k].refused)
			ns->repairs++;
}

static bool is_linklocal6(const struct prefix *p)
{
	return p->addr.family == AF_INET6 && IN6_IS_ADDR_LINKLOCAL(&p->addr.v6);
}

/* One of oobd's IPv6 addresses whose nodad is not the config's (a reload
 * changed it): taken away and added again with the config's. An IPv4
 * address has no DAD; another's address is left as it is. */
static bool addr_nodad_differs(const struct ifaddr_entry *cur, const struct addr_cfg *a)
{
	return cur->proto == RTPROT_OOBD && cur->pfx.addr.family == AF_INET6 &&
	       ((cur->flags & IFA_F_NODAD) != 0) != a->nodad;
}

/*
 * The configured addresses the kernel refused with EEXIST: the NIC has the
 * address already, with another prefix length (an IPv6 address is one per
 * link whatever its prefix length; an administrator's, say). A warning,
 * once while that lasts; the on-link route of the configured prefix is not
 * put back for it (reconcile_routes). CUR: the NIC's addresses before.
 */
static void addr_exists_say(struct netstate *ns, const struct ifaddr_entry *cur, size_t n_cur,
			    const struct batch_item *items, size_t n_items, const char *nic)
{
	struct prefix *said = xcalloc(n_items + 1, sizeof(*said));
	size_t n_said = 0;
	char desc[BATCH_ITEM_STRLEN], other[PREFIX_STRLEN];

	for (size_t t = 0; t < n_items; t++) {
		if (!items[t].exists)
			continue;
		bool again = false;
		for (size_t k = 0; k < ns->n_addr_exists_said && !again; k++)
			again = prefix_equal(&ns->addr_exists_said[k], items[t].pfx);
		const struct prefix *have = NULL;
		for (size_t k = 0; k < n_cur && !have; k++)
			if (ipaddr_equal(&cur[k].pfx.addr, &items[t].pfx->addr))
				have = &cur[k].pfx;
		if (have && have->len != items[t].pfx->len)
			log_msg(again ? LOG_DEBUG : LOG_WARNING,
				"adding address %s on %s: the NIC already has it with another prefix length (%s); "
				"not added while that stays",
				batch_item_str(&items[t], desc), nic, prefix_str(have, other));
		else
			log_msg(again ? LOG_DEBUG : LOG_WARNING,
				"adding address %s on %s: the NIC already has that address (with another prefix length); "
				"not added",
				batch_item_str(&items[t], desc), nic);
		said[n_said++] = *items[t].pfx;
	}
	addr_exists_said_set(ns, said, n_said);
}

/* Also says whether the NIC has an IPv6 link-local address (the list it
 * reads anyway, before its own changes, which never touch one). */
static bool reconcile_addresses(const struct config *c, struct netstate *ns)
{
	const struct iface_cfg *i = &c->iface;
	struct ifaddr_entry *cur = NULL;
	size_t n_cur = 0, n_items = 0;
	struct nl_batch *b;
	struct batch_item *items;
	char desc[BATCH_ITEM_STRLEN];
	int r = ifaddr_list(&ns->nl_oob, ns->nic_ifindex, &cur, &n_cur);

	if (r < 0) {
		log_err("listing addresses of %s: %s", ns->nic_name, strerror(-r));
		return true; /* not known: nothing to do about it */
	}
	bool have_ll = false;
	for (size_t k = 0; k < n_cur && !have_ll; k++)
		have_ll = is_linklocal6(&cur[k].pfx);
	items = xcalloc(i->n_addrs + n_cur + 1, sizeof(*items));
	b = nl_batch_new();
	/* Ours (by protocol tag) that the config no longer names, or names
	 * with another nodad, go first, so a changed prefix length or nodad
	 * can be re-added. */
	for (size_t k = 0; k < n_cur; k++) {
		const struct addr_cfg *reflag = NULL;
		bool wanted = false;
		if (cur[k].proto != RTPROT_OOBD)
			continue;
		for (size_t d = 0; d < i->n_addrs && !wanted && !reflag; d++) {
			if (!prefix_equal(&cur[k].pfx, &i->addrs[d].pfx))
				continue;
			if (addr_nodad_differs(&cur[k], &i->addrs[d]))
				reflag = &i->addrs[d];
			else
				wanted = true;
		}
		if (wanted)
			continue;
		items[n_items] = (struct batch_item){ .pfx = &cur[k].pfx };
		if (reflag)
			log_info("removing address %s from %s, to add it again %s nodad",
				 batch_item_str(&items[n_items], desc), ns->nic_name, reflag->nodad ? "with" : "without");
		else
			log_info("removing address %s from %s (no longer configured)",
				 batch_item_str(&items[n_items], desc), ns->nic_name);
		ifaddr_batch_del(b, &ns->nl_oob, ns->nic_ifindex, &cur[k].pfx, (long)n_items);
		n_items++;
	}
	for (size_t d = 0; d < i->n_addrs; d++) {
		bool present = ns->v6_off && i->addrs[d].pfx.addr.family == AF_INET6; /* the kernel refuses it */
		for (size_t k = 0; k < n_cur && !present; k++)
			present = prefix_equal(&cur[k].pfx, &i->addrs[d].pfx) && !addr_nodad_differs(&cur[k], &i->addrs[d]);
		if (present)
			continue;
		/* Refused last time (said), or taken away above to change its
		 * nodad: not one that disappeared. */
		bool refused = false;
		for (size_t k = 0; k < ns->n_addr_exists_said && !refused; k++)
			refused = prefix_equal(&ns->addr_exists_said[k], &i->addrs[d].pfx);
		bool reflag = false;
		for (size_t k = 0; k < n_cur && !reflag; k++)
			reflag = prefix_equal(&cur[k].pfx, &i->addrs[d].pfx);
		items[n_items] = (struct batch_item){ .pfx = &i->addrs[d].pfx,
						      .repair = ns->drift && !refused && !reflag };
		if (items[n_items].repair)
			log_warn("address %s on %s had disappeared; putting it back", batch_item_str(&items[n_items], desc),
				 ns->nic_name);
		ifaddr_batch_add(b, &ns->nl_oob, ns->nic_ifindex, &i->addrs[d].pfx, i->addrs[d].nodad ? IFA_F_NODAD : 0,
				 (long)n_items);
		n_items++;
	}
	if (nl_batch_count(b)) {
		struct batch_report rep = { "changing address", ns->nic_name, items, 0 };
		r = nl_batch_run(&ns->nl_oob, b, batch_error, &rep);
		if (r < 0)
			log_err("configuring addresses on %s: %s", ns->nic_name, strerror(-r));
		else
			log_info("addresses on %s: %zu changed, %d failed", ns->nic_name, nl_batch_count(b), r);
		batch_count_repairs(ns, items, n_items, r);
		/* Not run at all: what was said stays said. */
		if (r >= 0)
			addr_exists_say(ns, cur, n_cur, items, n_items, ns->nic_name);
	} else {
		addr_exists_said_set(ns, NULL, 0);
	}
	nl_batch_free(b);
	free(items);
	free(cur);
	return have_ll;
}

/* An eui64, stable_privacy or random addr_gen_mode, as the sysctl gives it. */
static bool mode_makes_linklocal(const char *mode)
{
	return strcmp(mode, "0") == 0 || strcmp(mode, "2") == 0 || strcmp(mode, "3") == 0;
}

/*
 * An earlier oobd stopped between the two writes of an addr_gen_mode
 * toggle (below): the mode is still 1 (none), which would otherwise pass
 * for the admin's choice. LL_MODE_FILE, written before the first write and
 * removed after the second, says which key and which mode: put back where
 * the key still says 1. Looked at once, at the first reconcile of a NIC
 * that is up. True when the mode was put back.
 */
static bool linklocal_mode_restore(struct netstate *ns)
{
	static bool done;
	char *txt = NULL, key[128], mode[8], val[64];
	bool restored = false;

	if (done)
		return false;
	done = true;
	if (read_file(LL_MODE_FILE, &txt, NULL, 4096) < 0)
		return false;
	if (sscanf(txt, "%127s %7s", key, mode) == 2 && strncmp(key, "net.ipv6.conf.", 14) == 0 &&
	    strlen(key) > 14 + 14 && strcmp(key + strlen(key) - 14, ".addr_gen_mode") == 0 &&
	    mode_makes_linklocal(mode) && sysctl_read_in(ns->nsfd, key, val, sizeof(val)) == 0 &&
	    strcmp(val, "1") == 0) {
		struct sysctl_kv kv = { key, mode, 0 };
		int r = sysctl_write_in(ns->nsfd, &kv, 1);
		if (r < 0 || kv.err) {
			log_err("%s = %s again (an earlier oobd stopped with it at 1, %s says): %s", key, mode, LL_MODE_FILE,
				strerror(-(r < 0 ? r : kv.err)));
		} else {
			log_warn("%s was left at 1 (none) by an earlier oobd that stopped while it had the kernel make the "
				 "IPv6 link-local address again; set it to %s again", key, mode);
			restored = true;
		}
	}
	free(txt);
	unlink(LL_MODE_FILE);
	return restored;
}

/*
 * The kernel's IPv6 link-local address on the NIC (fe80::/64), the source
 * of neighbour discovery: it is not oobd's, but the kernel makes it only as
 * the link becomes ready (up, with carrier), so one removed while the link
 * stays up ("ip addr flush dev oob0") stays away. Where the kernel would
 * make one (IPv6 on, addr_gen_mode eui64, stable_privacy or random) and the
 * NIC, up and ready, has none, the kernel is asked to make it again: its
 * addr_gen_mode written as none, then back, which has it generate the
 * link-local as it does at link up (the same address: EUI-64, or stable
 * privacy from the same secret). The mode given over netlink
 * (IFLA_INET6_ADDR_GEN_MODE) would only be stored. HAVE: the NIC has one;
 * LI as listed before this reconcile set it up (if it did, the kernel is
 * making one now).
 */
static void reconcile_linklocal(struct netstate *ns, const struct link_info *li, bool have)
{
	char key[128], val[64];
	bool was_missing = ns->ll_missing;

	ns->ll_missing = false;
	if (!(li->flags & IFF_UP) || linklocal_mode_restore(ns) || have)
		return;
	/* IPv6 off, or the admin's (or the kernel's) addr_gen_mode none: none wanted. */
	sysctl_nic_key(key, "net.ipv6.conf.*.disable_ipv6", ns->nic_name);
	if (sysctl_read_in(ns->nsfd, key, val, sizeof(val)) < 0 || strcmp(val, "0") != 0)
		return;
	sysctl_nic_key(key, "net.ipv6.conf.*.addr_gen_mode", ns->nic_name);
	if (sysctl_read_in(ns->nsfd, key, val, sizeof(val)) < 0)
		return;
	char mode[sizeof(val)];
	str_copy(mode, val, sizeof(mode));
	if (!mode_makes_linklocal(mode))
		return;
	if (strcmp(mode, "2") == 0) {
		/* stable_privacy without a secret (the NIC's or the default's):
		 * the kernel makes none, and would refuse the mode back. */
		char skey[128];
		sysctl_nic_key(skey, "net.ipv6.conf.*.stable_secret", ns->nic_name);
		if (sysctl_read_in(ns->nsfd, skey, val, sizeof(val)) < 0 &&
		    sysctl_read_in(ns->nsfd, "net.ipv6.conf.default.stable_secret", val, sizeof(val)) < 0)
			return;
	}
	ns->ll_missing = true;
	/* Not ready (no carrier): the kernel makes it when the link is, if it
	 * never was; else the link's next change brings oobd back here. */
	if (!(li->flags & IFF_RUNNING))
		return;
	/* Kept while the mode is 1, so that the next oobd puts it back if
	 * this one stops in between. */
	char rec[sizeof(key) + sizeof(mode) + 2];
	int len = snprintf(rec, sizeof(rec), "%s %s\n", key, mode);
	int w = write_file_atomic(LL_MODE_FILE, rec, (size_t)len, 0644);
	if (w < 0)
		log_debug("writing %s: %s", LL_MODE_FILE, strerror(-w));
	struct sysctl_kv kv[2] = { { key, "1", 0 }, { key, mode, 0 } };
	int r = sysctl_write_in(ns->nsfd, kv, 2);
	/* Left at 1 after a refusal: the next oobd tries again. */
	if (r < 0 || kv[0].err || !kv[1].err)
		unlink(LL_MODE_FILE);
	if (r < 0 || kv[0].err || kv[1].err) {
		int e = r < 0 ? r : kv[0].err ? kv[0].err : kv[1].err;
		if (r >= 0 && !kv[0].err)
			log_err("%s = %s again (after 1, to have the kernel make %s's IPv6 link-local address again): %s; "
				"it is left at 1", kv[1].key, mode, ns->nic_name, strerror(-e));
		else
			log_msg(was_missing ? LOG_DEBUG : LOG_ERR, "%s = 1 (to have the kernel make %s's IPv6 link-local "
				"address again): %s", key, ns->nic_name, strerror(-e));
		return;
	}
	struct ifaddr_entry *cur = NULL;
	size_t n_cur = 0;
	char pb[PREFIX_STRLEN];
	const struct prefix *ll = NULL;

	if (ifaddr_list(&ns->nl_oob, ns->nic_ifindex, &cur, &n_cur) == 0)
		for (size_t k = 0; k < n_cur && !ll; k++)
			if (is_linklocal6(&cur[k].pfx))
				ll = &cur[k].pfx;
	if (ll) {
		log_warn("the IPv6 link-local address of %s had disappeared; the kernel made it again: %s", ns->nic_name,
			 prefix_str(ll, pb));
		ns->repairs++;
		ns->ll_missing = false;
	} else {
		log_msg(was_missing ? LOG_DEBUG : LOG_ERR, "%s has no IPv6 link-local address, and the kernel did not "
			"make it again (addr_gen_mode %s)", ns->nic_name, mode);
	}
	free(cur);
}

struct want_route *reconcile_wanted_routes(const struct config *c, size_t *n)
{
	const struct iface_cfg *i = &c->iface;
	struct want_route *want = xcalloc(i->n_routes + 2, sizeof(*want));
	size_t k = 0;

	if (i->has_gw4)
		want[k++] = (struct want_route){ { .addr = { .family = AF_INET }, .len = 0 }, &i->gw4 };
	if (i->has_gw6)
		want[k++] = (struct want_route){ { .addr = { .family = AF_INET6 }, .len = 0 }, &i->gw6 };
	for (size_t r = 0; r < i->n_routes; r++)
		want[k++] = (struct want_route){ i->routes[r].dst, i->routes[r].has_via ? &i->routes[r].via : NULL };
	*n = k;
	return want;
}

bool reconcile_route_matches(const struct route_entry *e, const struct want_route *w, int oif)
{
	if (!prefix_equal(&e->dst, &w->dst) || e->oif != oif)
		return false;
	if (!w->via)
		return !e->has_gw;
	return e->has_gw && ipaddr_equal(&e->gw, w->via);
}

/* Routes are matched through sorted fingerprints: linear-logarithmic in
 * the number of routes, not quadratic (a config may hold thousands). */
struct route_key {
	unsigned long long key;
	size_t idx;
};

static unsigned long long route_fingerprint(const struct prefix *dst, const struct ipaddr *gw, int oif)
{
	unsigned char buf[48];
	size_t n = 0, alen = ipaddr_len(&dst->addr);

	buf[n++] = (unsigned char)dst->addr.family;
	buf[n++] = (unsigned char)dst->len;
	memcpy(buf + n, dst->addr.b, alen);
	n += alen;
	buf[n++] = gw != NULL;
	if (gw) {
		memcpy(buf + n, gw->b, alen);
		n += alen;
	}
	memcpy(buf + n, &oif, sizeof(oif));
	n += sizeof(oif);
	return fnv64_add(FNV64_INIT, buf, n);
}

static int route_key_cmp(const void *a, const void *b)
{
	const struct route_key *x = a, *y = b;
	return x->key < y->key ? -1 : x->key > y->key;
}


void reconcile_match_routes(const struct want_route *want, size_t n_want, const struct route_entry *cur, size_t n_cur,
			    int oif, bool *want_present, bool *cur_wanted)
{
	struct route_key *kw = xcalloc(n_want + 1, sizeof(*kw)), *kc = xcalloc(n_cur + 1, sizeof(*kc));

	for (size_t w = 0; w < n_want; w++)
		kw[w] = (struct route_key){ route_fingerprint(&want[w].dst, want[w].via, oif), w };
	for (size_t k = 0; k < n_cur; k++)
		kc[k] = (struct route_key){ route_fingerprint(&cur[k].dst, cur[k].has_gw ? &cur[k].gw : NULL, cur[k].oif),
					    k };
	qsort(kw, n_want, sizeof(*kw), route_key_cmp);
	qsort(kc, n_cur, sizeof(*kc), route_key_cmp);
	for (size_t w = 0; w < n_want; w++)
		want_present[w] = false;
	for (size_t k = 0; k < n_cur; k++)
		cur_wanted[k] = false;
	/* Walk both sorted lists together; equal fingerprints are checked for real. */
	for (size_t a = 0, b = 0; a < n_want && b < n_cur;) {
		if (kw[a].key < kc[b].key) {
			a++;
		} else if (kw[a].key > kc[b].key) {
			b++;
		} else {
			unsigned long long key = kw[a].key;
			size_t a_end = a, b_end = b;
			while (a_end < n_want && kw[a_end].key == key)
				a_end++;
			while (b_end < n_cur && kc[b_end].key == key)
				b_end++;
			for (size_t x = a; x < a_end; x++) {
				for (size_t y = b; y < b_end; y++) {
					if (reconcile_route_matches(&cur[kc[y].idx], &want[kw[x].idx], oif)) {
						want_present[kw[x].idx] = true;
						cur_wanted[kc[y].idx] = true;
					}
				}
			}
			a = a_end;
			b = b_end;
		}
	}
	free(kw);
	free(kc);
}

static void reconcile_routes(const struct config *c, struct netstate *ns)
{
	struct route_entry *cur = NULL;
	size_t n_cur = 0, n_want = 0, n_items = 0;
	struct want_route *want = reconcile_wanted_routes(c, &n_want);
	struct nl_batch *b = nl_batch_new();
	struct batch_item *items;
	char desc[BATCH_ITEM_STRLEN];
	int r = route_list(&ns->nl_oob, AF_UNSPEC, &cur, &n_cur);

	if (r < 0) {
		/* Without the kernel's view, adding could only fail or duplicate. */
		log_err("listing routes in namespace \"%s\": %s", c->netns, strerror(-r));
		nl_batch_free(b);
		free(want);
		return;
	}
	/* The NIC's addresses, after reconcile_addresses' changes: the kernel
	 * may have refused some. */
	struct ifaddr_entry *addrs = NULL;
	size_t n_addrs = 0;
	r = ifaddr_list(&ns->nl_oob, ns->nic_ifindex, &addrs, &n_addrs);
	if (r < 0)
		log_err("listing addresses of %s: %s", ns->nic_name, strerror(-r));
	items = xcalloc(n_want + n_cur + c->iface.n_addrs + 1, sizeof(*items));
	bool *present = xcalloc(n_want + 1, sizeof(bool)), *wanted = xcalloc(n_cur + 1, sizeof(bool));
	reconcile_match_routes(want, n_want, cur, n_cur, ns->nic_ifindex, present, wanted);
	for (size_t k = 0; k < n_cur; k++) {
		if (cur[k].proto != RTPROT_OOBD || wanted[k])
			continue;
		items[n_items] = (struct batch_item){ .pfx = &cur[k].dst };
		log_info("removing route %s (no longer configured)", batch_item_str(&items[n_items], desc));
		route_batch_del(b, &ns->nl_oob, &cur[k], (long)n_items);
		n_items++;
	}
	/* The on-link route of each configured address's prefix, which the
	 * kernel adds with the address: without it (a "route flush" by hand)
	 * no gateway in that prefix can be added again, and nothing on the
	 * link is reachable. Put back as the kernel has it; only for an
	 * address the NIC has (not for one the kernel refused, nor when its
	 * addresses are not known): without it, the kernel has no such route
	 * either, and oobd never removes one that is not its own. */
	for (size_t d = 0; d < c->iface.n_addrs; d++) {
		const struct prefix *a = &c->iface.addrs[d].pfx;
		bool have = a->len == 8 * ipaddr_len(&a->addr) || /* a host prefix has none */
			    (ns->v6_off && a->addr.family == AF_INET6);
		bool on_nic = false;
		for (size_t k = 0; k < n_addrs && !on_nic; k++)
			on_nic = prefix_equal(&addrs[k].pfx, a);
		have = have || !on_nic;
		for (size_t k = 0; k < n_cur && !have; k++)
			have = route_onlink_of(&cur[k], ns->nic_ifindex, a);
		if (have)
			continue;
		items[n_items] = (struct batch_item){ .pfx = a, .repair = ns->drift };
		log_warn("the on-link route of %s on %s had disappeared; putting it back",
			 batch_item_str(&items[n_items], desc), ns->nic_name);
		route_batch_add_connected(b, &ns->nl_oob, ns->nic_ifindex, a, (long)n_items);
		n_items++;
	}
	/* On-link routes first: a gateway may be reachable only through one
	 * of them, and the kernel checks it as each route is added. */
	for (size_t x = 0; x < 2 * n_want; x++) {
		size_t w = x % n_want;
		if (present[w] || (want[w].via != NULL) != (x >= n_want) ||
		    (ns->v6_off && want[w].dst.addr.family == AF_INET6))
			continue;
		items[n_items] = (struct batch_item){ .pfx = &want[w].dst, .via = want[w].via, .repair = ns->drift };
		if (ns->drift)
			log_warn("route %s had disappeared; putting it back", batch_item_str(&items[n_items], desc));
		route_batch_add(b, &ns->nl_oob, ns->nic_ifindex, &want[w].dst, want[w].via, (long)n_items);
		n_items++;
	}
	if (nl_batch_count(b)) {
		struct batch_report rep = { "changing route", ns->nic_name, items, 0 };
		r = nl_batch_run(&ns->nl_oob, b, batch_error, &rep);
		if (r < 0)
			log_err("configuring routes in namespace \"%s\": %s", c->netns, strerror(-r));
		else if (rep.failed_eexist)
			log_warn("%d configured route(s) conflict with routes oobd does not own; left those alone",
				 rep.failed_eexist);
		if (r >= 0)
			log_info("routes in namespace \"%s\": %zu changed, %d failed", c->netns, nl_batch_count(b),
				 r - rep.failed_eexist);
		batch_count_repairs(ns, items, n_items, r);
	}
	nl_batch_free(b);
	free(present);
	free(wanted);
	free(items);
	free(want);
	free(cur);
	free(addrs);
}

int reconcile_nic(const struct config *c, struct netstate *ns, struct nl *nl_main, bool up)
{
	struct link_info li, squatter, *main = NULL;
	size_t n_main = 0;
	int lo_ifindex = 0, r;
	bool lo_up = false;
	char ext[256];

	/* A claim begun in the background is waited for first. */
	int claimed = ns->claim.pending ? nic_claim_finish(c, ns) : 1;

	r = nic_find_in_ns(c, ns, nl_main, claimed == 0, &li, &lo_ifindex, &lo_up, &squatter, &main, &n_main);
	/* Also when the NIC is found under another name: it is to get its
	 * own back (and then NIC_STATE_FILE is about it, not the other). */
	if (squatter.ifindex)
		nic_clear_name(c, ns, &squatter, main, n_main, r == -ENOENT, false);
	free(main);
	/* No link inside is the NIC: a child or NIC an earlier oobd left
	 * under another name goes before the claim (a macvlan with the same
	 * MAC on the same parent would keep the new one from going up). */
	if (r == -ENOENT)
		leftovers_clear(c, ns, nl_main, 0, false);
	bool moved = claimed == 0 && !ns->claim.child;
	if (r == -ENOENT && claimed > 0) {
		r = nic_claim_start(c, ns, nl_main, false);
		if (r == 0)
			r = nic_claim_finish(c, ns);
		if (r < 0)
			goto lo;
		moved = !ns->claim.child;
		r = nic_find_in_ns(c, ns, nl_main, true, &li, &lo_ifindex, &lo_up, &squatter, &main, &n_main);
		free(main);
	} else if (r == -ENOENT && claimed < 0) {
		r = claimed; /* reported by nic_claim_finish */
		goto lo;
	}
	if (r < 0) {
		if (r != -ENODEV)
			log_err("finding the NIC in namespace \"%s\": %s", c->netns, strerror(-r));
		goto lo;
	}
	if (config_nic_name_in_ns(c) && strcmp(li.name, config_nic_name_in_ns(c)) != 0) {
		const char *want = config_nic_name_in_ns(c);
		int e = link_rename(&ns->nl_oob, li.ifindex, want, ext, sizeof(ext));
		if (e < 0) {
			log_warn("NIC %s (ifindex %d) in namespace \"%s\": renaming it %s: %s%s%s; using it as it is",
				 li.name, li.ifindex, c->netns, want, strerror(-e), *ext ? ": " : "", ext);
		} else {
			log_warn("NIC %s (ifindex %d) in namespace \"%s\" had been renamed; renamed it %s again", li.name,
				 li.ifindex, c->netns, want);
			str_copy(li.name, want, sizeof(li.name));
		}
	}
	if (ns->nic_ifindex != li.ifindex) {
		log_info("NIC %s (ifindex %d) in namespace \"%s\"", li.name, li.ifindex, c->netns);
		ns->drift = false; /* a NIC (re)claimed is configured, not repaired */
		ns->v6_off = false;
		nic_state_note(c, &li, moved);
		/* Taken now (at start-up, adoption, or its return): what an
		 * earlier oobd left on other links of the namespace goes. */
		leftovers_clear(c, ns, nl_main, li.ifindex, false);
	}
	ns->nic_ifindex = li.ifindex;
	str_copy(ns->nic_name, li.name, sizeof(ns->nic_name));
lo:
	if (lo_ifindex && !lo_up) {
		int e = link_set_up(&ns->nl_oob, lo_ifindex, true, ext, sizeof(ext));
		if (e < 0)
			log_err("setting lo up in namespace \"%s\": %s", c->netns, strerror(-e));
	}
	if (r < 0) {
		if (ns->nic_ifindex)
			log_warn("NIC %s (ifindex %d) is gone from namespace \"%s\"", ns->nic_name, ns->nic_ifindex,
				 c->netns);
		ns->nic_ifindex = 0;
		return r;
	}
	/* Before the link goes up: sysctls (no router advertisements), MTU,
	 * addresses; then up; then the routes that need it. */
	reconcile_sysctls(c, ns);
	reconcile_ipv6_off(c, ns);
	/* No MTU in the config: the NIC's own is left alone. */
	if (c->iface.mtu && li.mtu != c->iface.mtu) {
		r = link_set_mtu(&ns->nl_oob, li.ifindex, c->iface.mtu, ext, sizeof(ext));
		if (r < 0) {
			/* Said once for the same MTU: each change of the link comes back here. */
			log_msg(ns->nic_mtu == li.mtu ? LOG_DEBUG : LOG_ERR, "setting MTU %u on %s (now %u): %s%s%s",
				c->iface.mtu, li.name, li.mtu, strerror(-r), *ext ? ": " : "", ext);
			ns->nic_mtu = li.mtu;
		} else {
			if (ns->drift) {
				log_warn("the MTU of %s had been changed to %u; set it to %u again", li.name, li.mtu,
					 c->iface.mtu);
				ns->repairs++;
			} else {
				log_info("MTU of %s set to %u (was %u)", li.name, c->iface.mtu, li.mtu);
			}
			ns->nic_mtu = c->iface.mtu;
		}
	} else {
		ns->nic_mtu = li.mtu;
	}
	bool have_ll = reconcile_addresses(c, ns);
	if (!up)
		return (li.flags & IFF_UP) ? 0 : -EAGAIN;
	if (!(li.flags & IFF_UP)) {
		r = link_set_up(&ns->nl_oob, li.ifindex, true, ext, sizeof(ext));
		if (r < 0) {
			log_err("setting %s up: %s%s%s", li.name, strerror(-r), *ext ? ": " : "", ext);
			return r;
		}
	}
	/* Before the routes: a link-local gateway's neighbour discovery needs it. */
	reconcile_linklocal(ns, &li, have_ll);
	reconcile_routes(c, ns);
	ns->drift = false;
	ns->last_reconcile = (long long)time(NULL);
	return 0;
}

/*
 * The overlay is the resolver's, not the path's: a write that fails (a root
 * file system remounted read-only after errors, the day the out-of-band
 * path is for) leaves the rest going. It is tried again at every reconcile
 * and at a deadline, 1 s doubling up to 30 s, so it heals once /etc is
 * writable again; logged once, the same error again at debug level.
 */
int reconcile_dns(const struct config *c, struct netstate *ns)
{
	const char *what = c->dns.present ? "writing" : "removing";
	int r;

	if (!c->dns.present) {
		r = dns_forget(c->netns);
		if (r > 0)
			log_notice("no [dns] in the config: removed %s/%s/resolv.conf, which oobd had written; processes "
				   "already running in the namespace (sshd, services) see it until they are restarted",
				   NETNS_ETC_DIR, c->netns);
	} else {
		r = dns_apply(c->netns, &c->dns);
	}
	if (r >= 0) {
		if (ns->dns_err)
			log_notice("%s %s/%s/resolv.conf: done now", what, NETNS_ETC_DIR, c->netns);
		ns->dns_err = 0;
		ns->dns_said = false;
		ns->dns_retry = 0;
		ns->dns_delay_ms = 0;
		return 0;
	}
	ns->dns_delay_ms = ns->dns_delay_ms ? ns->dns_delay_ms * 2 : DNS_RETRY_MS;
	if (ns->dns_delay_ms > DNS_RETRY_MAX_MS)
		ns->dns_delay_ms = DNS_RETRY_MAX_MS;
	ns->dns_retry = now_ms() + ns->dns_delay_ms;
	if (ns->dns_said && r == ns->dns_err)
		log_debug("%s %s/%s/resolv.conf: %s (again; next try in %u s)", what, NETNS_ETC_DIR, c->netns,
			  strerror(-r), ns->dns_delay_ms / 1000);
	else
		log_err("%s %s/%s/resolv.conf: %s; the namespace's resolver goes without it, the rest of the path "
			"does not wait (tried again at every reconcile, and every %d s at most)",
			what, NETNS_ETC_DIR, c->netns, strerror(-r), DNS_RETRY_MAX_MS / 1000);
	ns->dns_err = r;
	ns->dns_said = true;
	return r;
}

static void dns_remove(const struct config *c)
{
	char dns_path[PATH_MAX];

	if (!c->dns.present) {
		dns_forget(c->netns); /* left by a config that had [dns] */
	} else {
		snprintf(dns_path, sizeof(dns_path), "%s/%s/resolv.conf", NETNS_ETC_DIR, c->netns);
		unlink(dns_path);
		snprintf(dns_path, sizeof(dns_path), "%s/%s", NETNS_ETC_DIR, c->netns);
		rmdir(dns_path);
	}
}

/* The NIC oobd took as ORIG is back in the main namespace (its namespace
 * was deleted by hand, or it was moved out): give it its name back. 0 when
 * it is there under ORIG now, -ENOENT when it is not in the main namespace. */
static int nic_rename_back_in_main(const struct config *c, struct nl *nl_main, const char *orig)
{
	const struct iface_cfg *i = &c->iface;
	struct link_info *links = NULL;
	size_t n = 0;
	char ext[256];
	int idx, r;

	if (i->kind != NIC_PHYSICAL || !ifname_valid(orig))
		return -EINVAL;
	r = link_list(nl_main, &links, &n);
	if (r < 0)
		return r;
	idx = link_match(i, config_nic_name_in_ns(c), links, n);
	if (idx < 0 && i->match == MATCH_MAC)
		idx = link_match(i, NULL, links, n);
	if (idx < 0) {
		free(links);
		return idx == -ENOTUNIQ ? idx : -ENOENT;
	}
	if (strcmp(links[idx].name, orig) == 0) {
		free(links);
		return 0;
	}
	r = link_rename(nl_main, links[idx].ifindex, orig, ext, sizeof(ext));
	if (r < 0)
		log_err("the NIC is back in the main namespace as %s; renaming it %s: %s%s%s", links[idx].name, orig,
			strerror(-r), *ext ? ": " : "", ext);
	else
		log_info("the NIC was back in the main namespace as %s; renamed it %s", links[idx].name, orig);
	free(links);
	return r;
}

int reconcile_down(const struct config *c, struct nl *nl_main, int held_nsfd)
{
	struct netstate ns;
	struct link_info li, squatter, *main = NULL;
	size_t n_main = 0;
	int lo_ifindex = 0, r, ret = 0;
	bool lo_up = false, name_ours = true;

	netstate_init(&ns);
	ns.nsfd = netns_open(c->netns);
	/* The namespace oobd holds is the one with the NIC, whatever its name
	 * says now (removed by hand and not bound again yet, or made again by
	 * hand for another namespace). */
	if (held_nsfd >= 0) {
		name_ours = ns.nsfd >= 0 && same_inode(ns.nsfd, held_nsfd);
		if (ns.nsfd >= 0)
			close(ns.nsfd);
		ns.nsfd = fcntl(held_nsfd, F_DUPFD_CLOEXEC, 0);
		if (ns.nsfd < 0)
			ns.nsfd = -errno;
	}
	if (ns.nsfd == -ENOENT) {
		log_notice("namespace \"%s\" does not exist; nothing to tear down", c->netns);
		/* Left by a start-up that moved a NIC: into another namespace, or
		 * back in the main one already (its namespace was deleted by
		 * hand), under the name it had inside? */
		char kept[IFNAMSIZ];
		if (nic_state_read(kept)) {
			r = nic_rename_back_in_main(c, nl_main, kept);
			if (r == 0)
				unlink(NIC_STATE_FILE);
			else
				log_warn("but %s says oobd took the NIC %s and has not handed it back: if the config's "
					 "namespace changed since, tear down with the config the path was set up with",
					 NIC_STATE_FILE, kept);
		}
		dns_remove(c);
		return 0;
	}
	if (ns.nsfd < 0) {
		log_err("opening network namespace \"%s\": %s", c->netns, strerror(-ns.nsfd));
		return ns.nsfd;
	}
	r = nl_open_in(&ns.nl_oob, ns.nsfd);
	if (r < 0) {
		log_err("opening a netlink socket in namespace \"%s\": %s", c->netns, strerror(-r));
		netstate_close(&ns);
		return r;
	}
	r = nic_find_in_ns(c, &ns, nl_main, false, &li, &lo_ifindex, &lo_up, &squatter, &main, &n_main);
	/* Not known whether the NIC is in there: removing the namespace could
	 * take it along (a virtual one) or drop it back under a name nobody
	 * knows, and nic.name with it. Nothing torn down; said, to try again. */
	if (r < 0 && r != -ENOENT) {
		const char *name = config_nic_name_in_ns(c);
		if (r == -ENOTUNIQ)
			log_err("several links in namespace \"%s\" have the NIC's MAC address%s%s; nothing torn down: "
				"remove the others%s%s, and try again",
				c->netns, name ? " and none is named " : "", name ? name : "",
				name ? " or name the NIC " : "", name ? name : "");
		else
			log_err("looking for the NIC in namespace \"%s\": %s; nothing torn down: try again", c->netns,
				strerror(-r));
		free(main);
		netstate_close(&ns);
		return r;
	}
	/* Under the NIC's name, but not the NIC of this config: what oobd
	 * made of it is undone as "oobctl down" with the config it was made
	 * with would (the rest goes with the namespace). */
	if (r == -ENOENT && squatter.ifindex)
		nic_clear_name(c, &ns, &squatter, main, n_main, true, true);
	free(main);
	/* A NIC oobd moved in, left under another name. */
	if (r == -ENOENT)
		leftovers_clear(c, &ns, nl_main, 0, true);
	if (r == 0 && c->iface.kind != NIC_PHYSICAL) {
		r = link_delete(&ns.nl_oob, li.ifindex);
		if (r < 0)
			log_err("deleting %s in namespace \"%s\": %s", li.name, c->netns, strerror(-r));
		else
			log_info("deleted %s in namespace \"%s\"", li.name, c->netns);
	} else if (r == 0) {
		char kept[IFNAMSIZ];
		/* Without the file (it could not be written: a full /run): what
		 * this oobd remembers, else the best guess. */
		const char *orig = nic_state_read(kept) ? kept
				   : nic_orig_name[0]	 ? nic_orig_name
				   : c->iface.match == MATCH_NAME ? c->iface.match_name
								  : li.name;
		r = nic_hand_back(&ns, li.ifindex, li.name, orig);
	} else {
		log_notice("the NIC is not in namespace \"%s\"", c->netns);
		r = 0;
	}
	if (r < 0)
		ret = r;
	netstate_close(&ns);
	unlink(NIC_STATE_FILE);
	dns_remove(c);
	if (!name_ours) {
		/* Not oobd's to remove: the one it held dies as it lets go. */
		int fd = netns_open(c->netns);
		if (fd >= 0)
			close(fd);
		if (fd == -ENOENT)
			log_notice("namespace \"%s\" (without its name) let go", c->netns);
		else
			log_warn("namespace \"%s\" let go; /run/netns/%s names another namespace, left in place",
				 c->netns, c->netns);
		return ret;
	}
	r = netns_delete(c->netns);
	if (r < 0) {
		log_err("removing namespace \"%s\": %s", c->netns, strerror(-r));
		return r;
	}
	log_notice("namespace \"%s\" removed", c->netns);
	return ret;
}
