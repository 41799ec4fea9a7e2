/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "status.h"

#include <errno.h>
#include <linux/if_addr.h>
#include <stdarg.h>
#include <limits.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dns.h"
#include "firewall.h"
#include "ifaddr.h"
#include "link.h"
#include "log.h"
#include "netns.h"
#include "route.h"
#include "sysctl.h"
#include "util.h"
#include "version.h"

/* The gathered picture, rendered twice (text and JSON) from one place. */
struct st_addr {
	struct prefix pfx;
	const char *owner;           /* oobd, kernel, other */
	const char *state;           /* ok, missing, ipv6-off, duplicate, foreign, stale */
	bool configured;
};

struct st_route {
	struct prefix dst;
	bool has_gw;
	struct ipaddr gw;
	int proto;
	const char *owner;
	const char *state;
	bool configured;
};

struct st_sysctl {
	const char *key;
	const char *want;
	char have[SYSCTL_VALUE_MAX];
	bool ok;
};

struct st_fw {
	struct fw_rule_counter *rules;
	size_t n_rules;
	bool configured;             /* a file is named for this family */
};

struct status {
	struct oobd *o;
	struct st_fw fw[FW__NFAMILIES];
	bool nic_present;
	struct link_info nic;
	struct st_addr *addrs;
	size_t n_addrs;
	struct st_route *routes;
	size_t n_routes;
	struct st_sysctl *sysctls;
	size_t n_sysctls;
	char *resolv;                /* overlay content, or NULL */
	char problems[16][1024];
	int n_problems;
	bool v6_off;                 /* IPv6 is off on the NIC while the config gives it IPv6 addresses or routes */
};

/* Of the N_L sockets L that sshd listens on, the ports that a connection
 * of family F arriving on the NIC (named NIC; NULL while it is away) could
 * reach (a wildcard address, or one not on loopback), each once, as checks
 * of the firewall: none when the config gives the NIC no address of the
 * family (sshd is not to be reached that way). */
static size_t sshd_port_checks(const struct oobd *o, const char *nic, const struct sshd_listen *l, int n_l,
			       enum fw_family f, struct fw_syn_check *chk, size_t max)
{
	int af = f == FW_IPV4 ? AF_INET : AF_INET6;
	bool has = false;
	size_t n = 0;

	for (size_t k = 0; k < o->cfg->iface.n_addrs; k++)
		has = has || o->cfg->iface.addrs[k].pfx.addr.family == af;
	if (!has || !nic)
		return 0;
	for (int i = 0; i < n_l && n < max; i++) {
		bool dup = false;

		if (l[i].addr.family != af ||
		    (af == AF_INET ? (ntohl(l[i].addr.v4.s_addr) >> 24) == 127 : IN6_IS_ADDR_LOOPBACK(&l[i].addr.v6)))
			continue;
		for (size_t j = 0; j < n; j++)
			dup = dup || chk[j].port == l[i].port;
		if (!dup)
			chk[n++] = (struct fw_syn_check){ .iface = nic, .port = l[i].port };
	}
	return n;
}

void status_firewall_warn(struct oobd *o, const struct sshd_listen *l, int n_l, struct strbuf *out)
{
	char line[SSHD_REFUSED_MAX + 96];

	for (int f = 0; f < FW__NFAMILIES && !o->down && o->ns.nsfd >= 0; f++) {
		struct fw_syn_check chk[SSHD_MAX_LISTEN];
		size_t n_chk = sshd_port_checks(o, o->ns.nic_ifindex ? o->ns.nic_name : NULL, l, n_l,
						(enum fw_family)f, chk, ARRAY_SIZE(chk));

		if (o->fw.fam[f].source == FW_SOURCE_NONE || !n_chk ||
		    firewall_input_counters(o->ns.nsfd, (enum fw_family)f, chk, n_chk, NULL, NULL) < 0)
			continue;
		for (int reply = 0; reply < 2; reply++) {
			if (!firewall_shut_line((enum fw_family)f, o->ns.nic_name, chk, n_chk, reply, line, sizeof(line)))
				continue;
			log_warn("%s", line);
			if (out)
				sb_printf(out, "warning: %s\n", line);
		}
	}
}

static void problem(struct status *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(struct status *st, const char *fmt, ...)
{
	char *p;
	va_list ap;
	int n;

	if (st->n_problems >= (int)ARRAY_SIZE(st->problems))
		return;
	p = st->problems[st->n_problems++];
	va_start(ap, fmt);
	n = vsnprintf(p, sizeof(st->problems[0]), fmt, ap);
	va_end(ap);
	/* Cut: at a character's start, and said ("..."). */
	if (n >= (int)sizeof(st->problems[0]))
		strcpy(p + utf8_cut(p, sizeof(st->problems[0]) - 4), "...");
}

/* Why sshd runs a fallback: why the configured config was refused; NULL
 * while it runs the configured one. */
static const char *fallback_reason(const struct oobd *o)
{
	return o->sshd.source != SSHD_CONFIGURED && o->sshd.refused[0] ? o->sshd.refused : NULL;
}

static const char *route_owner(int proto)
{
	switch (proto) {
	case RTPROT_OOBD:
		return "oobd";
	case RTPROT_KERNEL:
		return "kernel";
	case RTPROT_RA:
		return "ra";
	case RTPROT_DHCP:
		return "dhcp";
	default:
		return "other";
	}
}

static void gather_addrs(struct status *st)
{
	struct oobd *o = st->o;
	const struct iface_cfg *i = &o->cfg->iface;
	struct ifaddr_entry *cur = NULL;
	size_t n = 0;

	if (st->nic_present && ifaddr_list(&o->ns.nl_oob, o->ns.nic_ifindex, &cur, &n) < 0)
		n = 0;
	st->addrs = xcalloc(n + i->n_addrs + 1, sizeof(*st->addrs));
	for (size_t d = 0; d < i->n_addrs; d++) {
		struct st_addr *a = &st->addrs[st->n_addrs++];
		a->pfx = i->addrs[d].pfx;
		a->configured = true;
		a->owner = "oobd";
		a->state = "missing";
		for (size_t k = 0; k < n; k++)
			if (prefix_equal(&cur[k].pfx, &a->pfx))
				/* Present but unusable: another host on the link has it. */
				a->state = cur[k].flags & IFA_F_DADFAILED ? "duplicate" : "ok";
	}
	for (size_t k = 0; k < n; k++) {
		bool configured = false;
		for (size_t d = 0; d < i->n_addrs; d++)
			configured = configured || prefix_equal(&cur[k].pfx, &i->addrs[d].pfx);
		if (configured)
			continue;
		struct st_addr *a = &st->addrs[st->n_addrs++];
		a->pfx = cur[k].pfx;
		if (cur[k].proto == RTPROT_OOBD) {
			a->owner = "oobd";
			a->state = "stale";
		} else if (cur[k].pfx.addr.family == AF_INET6 && IN6_IS_ADDR_LINKLOCAL(&cur[k].pfx.addr.v6)) {
			a->owner = "kernel";
			a->state = "ok";
		} else {
			a->owner = "other";
			a->state = "foreign";
		}
	}
	/* The kernel's link-local address, gone while the link stayed up, and
	 * not made again (reconcile_nic asks the kernel for it). */
	bool have_ll = false;
	for (size_t k = 0; k < n; k++)
		have_ll = have_ll || (cur[k].pfx.addr.family == AF_INET6 && IN6_IS_ADDR_LINKLOCAL(&cur[k].pfx.addr.v6));
	if (st->nic_present && !have_ll && o->ns.ll_missing && (st->nic.flags & IFF_UP) && (st->nic.flags & IFF_RUNNING))
		problem(st, "the NIC %s has no IPv6 link-local address (no source for neighbour discovery); setting it "
			"down and up makes one", st->nic.name);
	/* IPv6 off on the NIC: the kernel refuses its IPv6 addresses and
	 * routes (reconcile_nic leaves them out until it is on again). */
	if (st->nic_present && config_wants_ipv6(o->cfg)) {
		char key[128], val[64], nicdot[IFNAMSIZ];
		str_copy(nicdot, st->nic.name, sizeof(nicdot));
		for (char *d = nicdot; *d; d++)
			if (*d == '.')
				*d = '/';
		snprintf(key, sizeof(key), "net.ipv6.conf.%s.disable_ipv6", nicdot);
		st->v6_off = sysctl_read_in(o->ns.nsfd, key, val, sizeof(val)) == 0 && strcmp(val, "0") != 0;
		if (st->v6_off)
			problem(st, "IPv6 is off on the NIC %s (%s = %s): its IPv6 addresses and routes cannot be configured",
				st->nic.name, key, val);
	}
	/* That is the cause: the IPv6 addresses it takes away are not
	 * problems of their own. */
	for (size_t k = 0; k < st->n_addrs && st->v6_off; k++)
		if (strcmp(st->addrs[k].state, "missing") == 0 && st->addrs[k].pfx.addr.family == AF_INET6)
			st->addrs[k].state = "ipv6-off";
	for (size_t k = 0; k < st->n_addrs; k++) {
		char pb[PREFIX_STRLEN];
		if (strcmp(st->addrs[k].state, "missing") == 0)
			problem(st, "address %s is missing", prefix_str(&st->addrs[k].pfx, pb));
		else if (strcmp(st->addrs[k].state, "duplicate") == 0)
			problem(st, "address %s failed duplicate address detection: another host on the link uses it, "
				"it is not usable", prefix_str(&st->addrs[k].pfx, pb));
	}
	free(cur);
}


static void gather_routes(struct status *st)
{
	struct oobd *o = st->o;
	struct route_entry *cur = NULL;
	size_t n = 0, cap = 0, n_want = 0;
	struct want_route *want = reconcile_wanted_routes(o->cfg, &n_want);

	if (o->ns.nsfd < 0 || o->down || route_list(&o->ns.nl_oob, AF_UNSPEC, &cur, &n) < 0)
		n = 0;
	cap = n + n_want + 1;
	st->routes = xcalloc(cap, sizeof(*st->routes));
	bool *present = xcalloc(n_want + 1, sizeof(bool)), *wanted = xcalloc(n + 1, sizeof(bool));
	reconcile_match_routes(want, n_want, cur, n, o->ns.nic_ifindex, present, wanted);
	for (size_t w = 0; w < n_want; w++) {
		struct st_route *r = &st->routes[st->n_routes++];
		r->dst = want[w].dst;
		r->has_gw = want[w].via != NULL;
		if (want[w].via)
			r->gw = *want[w].via;
		r->configured = true;
		r->proto = RTPROT_OOBD;
		r->owner = "oobd";
		r->state = present[w] ? "ok" : "missing";
		/* IPv6 off on the NIC (reported by gather_addrs) is the cause. */
		if (!present[w] && st->v6_off && r->dst.addr.family == AF_INET6)
			r->state = "ipv6-off";
		if (strcmp(r->state, "missing") == 0) {
			char pb[PREFIX_STRLEN];
			problem(st, "route %s is missing", r->dst.len ? prefix_str(&r->dst, pb) : "default");
		}
	}
	for (size_t k = 0; k < n; k++) {
		if (wanted[k])
			continue;
		struct st_route *r = &st->routes[st->n_routes++];
		r->dst = cur[k].dst;
		r->has_gw = cur[k].has_gw;
		r->gw = cur[k].gw;
		r->proto = cur[k].proto;
		r->owner = route_owner(cur[k].proto);
		r->state = cur[k].proto == RTPROT_KERNEL ? "ok" : cur[k].proto == RTPROT_OOBD ? "stale" : "foreign";
	}
	free(present);
	free(wanted);
	free(want);
	free(cur);
}

/* A and B alike, blanks and tabs left out (multi-value sysctls print
 * tabs). */
static bool same_words(const char *a, const char *b)
{
	for (;;) {
		while (*a == ' ' || *a == '\t')
			a++;
		while (*b == ' ' || *b == '\t')
			b++;
		if (*a != *b)
			return false;
		if (!*a)
			return true;
		a++;
		b++;
	}
}

static void gather_sysctls(struct status *st)
{
	struct oobd *o = st->o;

	st->sysctls = xcalloc(o->cfg->n_sysctls + 1, sizeof(*st->sysctls));
	for (size_t k = 0; k < o->cfg->n_sysctls; k++) {
		struct st_sysctl *s = &st->sysctls[st->n_sysctls++];
		s->key = o->cfg->sysctls[k].key;
		s->want = o->cfg->sysctls[k].value;
		if (o->ns.nsfd < 0 || o->down || sysctl_read_in(o->ns.nsfd, s->key, s->have, sizeof(s->have)) < 0) {
			str_copy(s->have, "?", sizeof(s->have));
			s->ok = false;
		} else {
			/* As configured; or as the kernel showed it right after
			 * oobd wrote it ("8080,8081" reads back "8080-8081"). */
			const char *shown = sysctl_written_shows(s->key, s->want);
			s->ok = same_words(s->have, s->want) || (shown && same_words(s->have, shown));
		}
		if (!s->ok)
			problem(st, "sysctl %s is %s, configured %s", s->key, s->have, s->want);
	}
	/* oobd's own defaults (against router advertisements and redirects;
	 * promote_secondaries) that the kernel refused at the last reconcile
	 * and that still do not hold: those the config sets are above. */
	if (o->ns.nsfd < 0 || o->down)
		return;
	const struct sysctl_refusal *first = NULL;
	size_t more = 0;
	for (size_t k = 0; k < o->ns.n_sysctl_said; k++) {
		const struct sysctl_refusal *r = &o->ns.sysctl_said[k];
		char have[64];
		bool configured = false;
		for (size_t i = 0; i < o->cfg->n_sysctls && !configured; i++)
			configured = strcmp(o->cfg->sysctls[i].key, r->key) == 0;
		if (configured ||
		    (sysctl_read_in(o->ns.nsfd, r->key, have, sizeof(have)) == 0 && strcmp(have, r->value) == 0))
			continue;
		if (first)
			more++;
		else
			first = r;
	}
	if (first) {
		char tail[48] = "";
		if (more)
			snprintf(tail, sizeof(tail), "; and %zu more of those", more);
		problem(st, "sysctl %s = %s (oobd's default %s) refused: %s%s", first->key, first->value,
			sysctl_default_why(first->key), strerror(-first->err), tail);
	}
}

/* Whether service K (0 for sshd, else svcs[K - 1]) is reported: one that
 * a reload removed is not, while it still stops (services_compact drops
 * it once it has). */
static bool svc_listed(const struct oobd *o, size_t k)
{
	if (k == 0)
		return true;
	for (size_t i = 0; i < o->cfg->n_services; i++)
		if (strcmp(o->cfg->services[i].name, o->svcs[k - 1].name) == 0)
			return true;
	return false;
}

static const char *svc_state(const struct service *s, bool ready)
{
	switch (s->state) {
	case SVC_UP:
		return ready ? "up" : "starting";
	case SVC_BACKOFF:
		return "backoff";
	case SVC_STOPPING:
		return "stopping";
	default:
		return service_left(s) ? "stopping" : "down"; /* what its program left, on SIGTERM */
	}
}

/* " (why its last start did not run the program)", or "". */
static const char *start_error(const struct service *s, char *buf, size_t len)
{
	if (!s->start_error[0])
		return "";
	snprintf(buf, len, " (%s)", s->start_error);
	return buf;
}

static void gather(struct status *st)
{
	struct oobd *o = st->o;
	char path[PATH_MAX], why[sizeof(o->sshd.svc.start_error) + 3];

	if (o->config_error)
		problem(st, "%s is not usable (%s): oobd runs the last config that worked, %s; fix it, then oobctl "
			"reload", o->config_path, o->config_error, o->cfg->path);
	if (o->down)
		problem(st, "the out-of-band path is down by request (oobctl up brings it back)");
	if (!o->down && o->ns.name_elsewhere)
		problem(st, "%s/%s names another namespace than oobd's (made again by hand?): \"ip netns exec %s\" "
			"and nsenter-oob do not reach the out-of-band path", NETNS_RUN_DIR, o->cfg->netns, o->cfg->netns);
	if (!o->down && o->ns.nic_ifindex) {
		struct link_info *links = NULL;
		size_t n = 0;
		if (link_list(&o->ns.nl_oob, &links, &n) == 0) {
			for (size_t k = 0; k < n; k++) {
				if (links[k].ifindex == o->ns.nic_ifindex) {
					st->nic = links[k];
					st->nic_present = true;
				}
			}
		}
		free(links);
	}
	if (!o->down && !st->nic_present && o->ns.nic_ambiguous)
		problem(st, "the NIC is not in the namespace: several links of the main namespace match it, none is taken");
	else if (!o->down && !st->nic_present)
		problem(st, "the NIC is not in the namespace (waiting for it)");
	else if (st->nic_present && !st->nic.carrier)
		problem(st, "the NIC %s has no carrier", st->nic.name);
	if (st->nic_present && o->cfg->iface.mtu && st->nic.mtu != o->cfg->iface.mtu)
		problem(st, "the NIC %s has MTU %u, configured %u", st->nic.name, st->nic.mtu, o->cfg->iface.mtu);
	if (!o->down) {
		/* While down by request, nothing of the path is expected. */
		gather_addrs(st);
		gather_routes(st);
		gather_sysctls(st);
	}
	for (int f = 0; f < FW__NFAMILIES && !o->down; f++) {
		const struct firewall_family_state *fs = &o->fw.fam[f];
		st->fw[f].configured = f == FW_IPV4 ? o->cfg->firewall.ipv4 != NULL : o->cfg->firewall.ipv6 != NULL;
		if (fs->source == FW_SOURCE_FALLBACK && st->fw[f].configured)
			problem(st, "%s firewall: the built-in ruleset is active (%s)", firewall_family_name(f), fs->why);
		else if (fs->source == FW_SOURCE_FILE && fs->last_error[0])
			problem(st, "%s firewall: the last change was refused, the previous rules stay (%s)",
				firewall_family_name(f), fs->last_error);
		if (fs->source != FW_SOURCE_NONE && o->ns.nsfd >= 0) {
			struct fw_syn_check chk[SSHD_MAX_LISTEN];
			char line[sizeof(st->problems[0])];
			size_t n_chk = sshd_port_checks(o, st->nic_present ? st->nic.name : NULL, o->sshd.listen,
							o->sshd.n_listen, (enum fw_family)f, chk, ARRAY_SIZE(chk));

			if (firewall_input_counters(o->ns.nsfd, (enum fw_family)f, chk, n_chk, &st->fw[f].rules,
						    &st->fw[f].n_rules) < 0) {
				st->fw[f].n_rules = 0;
				n_chk = 0;
			}
			for (int reply = 0; reply < 2; reply++)
				if (firewall_shut_line((enum fw_family)f, st->nic.name, chk, n_chk, reply, line, sizeof(line)))
					problem(st, "%s", line);
		}
	}
	snprintf(path, sizeof(path), "%s/%s/resolv.conf", NETNS_ETC_DIR, o->cfg->netns);
	if (o->cfg->dns.present && !o->down && read_file(path, &st->resolv, NULL, 65536) < 0 && !o->ns.dns_err)
		problem(st, "the resolv.conf overlay %s is missing", path);
	if (o->ns.dns_err && !o->down)
		problem(st, "the resolv.conf overlay %s cannot be %s: %s (tried again at every reconcile, and every "
			    "%d s at most)", path, o->cfg->dns.present ? "written" : "removed", strerror(-o->ns.dns_err),
			DNS_RETRY_MAX_MS / 1000);
	if (!o->down) {
		struct stat ps;
		char ab[IPADDR_STRLEN];

		/* sshd checks it at every connection and drops the connection
		 * without it; oobd makes it again when it is removed, so this
		 * shows only when that failed, or someone made a file of it. */
		int pr = lstat(SSHD_PRIVSEP_DIR, &ps) < 0 ? -errno : S_ISDIR(ps.st_mode) ? 0 : -ENOTDIR;

		if (pr < 0)
			problem(st, "%s, sshd's privilege separation directory, is %s: sshd drops every connection",
				SSHD_PRIVSEP_DIR, pr == -ENOENT ? "missing" : pr == -ENOTDIR ? "not a directory" : "unreadable");
		else if (ps.st_uid != 0 || (ps.st_mode & (S_IWGRP | S_IWOTH)))
			problem(st, "%s, sshd's privilege separation directory, is not root's or is writable by others: "
				"sshd drops every connection", SSHD_PRIVSEP_DIR);
		if (!o->sshd.ready && o->sshd.dad_until)
			problem(st, "sshd waits until %s is no longer tentative (IPv6 duplicate address detection)",
				ipaddr_str(&o->sshd.dad_addr, ab));
		else if (!o->sshd.ready)
			problem(st, "sshd is %s%s", svc_state(&o->sshd.svc, false), start_error(&o->sshd.svc, why, sizeof(why)));
		else if (o->sshd.source != SSHD_CONFIGURED)
			problem(st, "sshd runs with the %s config, not the configured one%s%s", sshd_source_name(o->sshd.source),
				fallback_reason(o) ? ": " : "", fallback_reason(o) ? fallback_reason(o) : "");
		if (o->sshd.ready) {
			char root[PATH_MAX + 256];

			sshd_login_check(sshd_sup_config_path(&o->sshd), why, sizeof(why), root, sizeof(root));
			if (why[0])
				problem(st, "no key can log in to sshd (its %s config %s): %s",
					sshd_source_name(o->sshd.source), sshd_sup_config_path(&o->sshd), why);
			if (root[0])
				problem(st, "sshd refuses root (its %s config %s): %s", sshd_source_name(o->sshd.source),
					sshd_sup_config_path(&o->sshd), root);
		}
		if (o->sshd.prog_why[0])
			problem(st, "sshd runs the last-good copy %s of its program, not %s: %s", SSHD_PROGRAM_COPY,
				o->sshd.exec, o->sshd.prog_why);
		if (o->sshd.ready && o->sshd.probe_blocked)
			problem(st, "sshd listens, but oobd's probe through loopback gets no connection: the namespace's "
				"firewall must accept -i lo");
		for (size_t k = 0; k < o->n_svcs; k++) {
			const struct service *s = &o->svcs[k];
			if (!svc_listed(o, k + 1))
				continue;
			if (s->state != SVC_UP)
				problem(st, "service %s is %s%s", s->name, svc_state(s, true), start_error(s, why, sizeof(why)));
			/* Until a start of it stays in the foreground (up for
			 * backoff_reset, or an exit that leaves nothing). */
			if (s->daemonized && !(s->state == SVC_UP && now_ms() - s->started_ms >= (long long)s->reset_ms))
				problem(st, "service %s daemonizes (its program exited and left pid %d running, which oobd "
					"stopped): services must run in the foreground", s->name, (int)s->left_pid);
		}
		/* The overlay in each view: a bind that failed there (at the
		 * start, or when the host replaced its file) leaves the
		 * sessions resolving with the host's servers. */
		for (size_t k = 0; o->cfg->dns.present && k <= o->n_svcs; k++) {
			const struct service *s = k == 0 ? &o->sshd.svc : &o->svcs[k - 1];
			if (s->state != SVC_UP || s->pid <= 0 || (k > 0 && !svc_listed(o, k)))
				continue;
			if (netns_etc_sees(s->pid, o->cfg->netns, "resolv.conf") == 0)
				problem(st, "%s%s (pid %d) does not see the resolv.conf overlay: it resolves with the host's "
					"/etc/resolv.conf%s", k ? "service " : "", s->name, (int)s->pid,
					o->dns_view_err ? " (binding it failed: see the log)" : "");
		}
	}
}

static void status_free(struct status *st)
{
	for (int f = 0; f < FW__NFAMILIES; f++)
		free(st->fw[f].rules);
	free(st->addrs);
	free(st->routes);
	free(st->sysctls);
	free(st->resolv);
}

static const char *match_desc(const struct iface_cfg *i, char *buf, size_t len)
{
	char mac[18];
	if (i->kind == NIC_VLAN)
		snprintf(buf, len, "vlan %u on %s", i->vlan_id, i->parent);
	else if (i->kind == NIC_MACVLAN)
		snprintf(buf, len, "macvlan on %s", i->parent);
	else if (i->match == MATCH_MAC)
		snprintf(buf, len, "mac:%s", mac_str(i->match_mac, mac));
	else
		snprintf(buf, len, "%s", i->match_name);
	return buf;
}

static const char *kind_name(enum nic_kind k)
{
	return k == NIC_VLAN ? "vlan" : k == NIC_MACVLAN ? "macvlan" : "physical";
}

static const char *when(long long t, char *buf, size_t len)
{
	struct tm tm;
	time_t tt = (time_t)t;
	if (!t || !localtime_r(&tt, &tm))
		snprintf(buf, len, "never");
	else
		strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
	return buf;
}

static const char *route_dst(const struct prefix *p, char *buf)
{
	if (p->len == 0)
		return strcpy(buf, "default");
	return prefix_str(p, buf);
}

static void render_json(struct status *st, struct strbuf *out)
{
	struct oobd *o = st->o;
	struct json j;
	char buf[PREFIX_STRLEN + 8], mac[18];
	long long now = now_ms();
	struct log_entry ring[LOG_RING_SIZE];
	int nring;

	json_init(&j, out);
	json_obj_begin(&j);
	json_kstr(&j, "version", OOBD_VERSION);
	json_kstr(&j, "health", st->n_problems ? "degraded" : "ok");
	json_key(&j, "problems");
	json_arr_begin(&j);
	for (int k = 0; k < st->n_problems; k++)
		json_str(&j, st->problems[k]);
	json_arr_end(&j);
	json_key(&j, "oobd");
	json_obj_begin(&j);
	json_kint(&j, "pid", getpid());
	json_kint(&j, "started", o->started_at);
	json_kstr(&j, "config", o->cfg->path);
	json_kstr(&j, "config_error", o->config_error);
	json_kbool(&j, "down", o->down);
	json_obj_end(&j);

	json_key(&j, "namespace");
	json_obj_begin(&j);
	json_kstr(&j, "name", o->cfg->netns);
	json_kstr(&j, "origin", o->down ? NULL : o->ns.ns_created ? "created" : "adopted");
	json_kint(&j, "since", o->ns.ns_since);
	json_obj_end(&j);

	json_key(&j, "nic");
	json_obj_begin(&j);
	json_kbool(&j, "present", st->nic_present);
	json_kstr(&j, "match", match_desc(&o->cfg->iface, buf, sizeof(buf)));
	json_kstr(&j, "kind", kind_name(o->cfg->iface.kind));
	json_kstr(&j, "name", st->nic_present ? st->nic.name : NULL);
	json_kstr(&j, "mac", st->nic_present && st->nic.has_mac ? mac_str(st->nic.mac, mac) : NULL);
	json_kint(&j, "ifindex", st->nic_present ? st->nic.ifindex : 0);
	json_kbool(&j, "up", st->nic_present && (st->nic.flags & IFF_UP));
	json_kbool(&j, "carrier", st->nic_present && st->nic.carrier);
	json_kint(&j, "mtu", st->nic_present ? st->nic.mtu : 0);
	json_obj_end(&j);

	json_key(&j, "addresses");
	json_arr_begin(&j);
	for (size_t k = 0; k < st->n_addrs; k++) {
		json_obj_begin(&j);
		json_kstr(&j, "address", prefix_str(&st->addrs[k].pfx, buf));
		json_kstr(&j, "owner", st->addrs[k].owner);
		json_kbool(&j, "configured", st->addrs[k].configured);
		json_kstr(&j, "state", st->addrs[k].state);
		json_obj_end(&j);
	}
	json_arr_end(&j);

	json_key(&j, "routes");
	json_arr_begin(&j);
	for (size_t k = 0; k < st->n_routes; k++) {
		char gw[IPADDR_STRLEN];
		json_obj_begin(&j);
		json_kstr(&j, "destination", route_dst(&st->routes[k].dst, buf));
		json_kstr(&j, "gateway", st->routes[k].has_gw ? ipaddr_str(&st->routes[k].gw, gw) : NULL);
		json_kint(&j, "protocol", st->routes[k].proto);
		json_kstr(&j, "owner", st->routes[k].owner);
		json_kbool(&j, "configured", st->routes[k].configured);
		json_kstr(&j, "state", st->routes[k].state);
		json_obj_end(&j);
	}
	json_arr_end(&j);

	json_key(&j, "dns");
	json_obj_begin(&j);
	json_kbool(&j, "configured", o->cfg->dns.present);
	json_key(&j, "nameservers");
	json_arr_begin(&j);
	for (size_t k = 0; k < o->cfg->dns.n_ns; k++) {
		char a[IPADDR_STRLEN];
		json_str(&j, ipaddr_str(&o->cfg->dns.ns[k], a));
	}
	json_arr_end(&j);
	json_kstr(&j, "search", o->cfg->dns.search);
	json_kstr(&j, "overlay", st->resolv);
	json_kstr(&j, "error", o->ns.dns_err && !o->down ? strerror(-o->ns.dns_err) : NULL);
	json_obj_end(&j);

	json_key(&j, "sysctls");
	json_arr_begin(&j);
	for (size_t k = 0; k < st->n_sysctls; k++) {
		json_obj_begin(&j);
		json_kstr(&j, "key", st->sysctls[k].key);
		json_kstr(&j, "configured", st->sysctls[k].want);
		json_kstr(&j, "actual", st->sysctls[k].have);
		json_kbool(&j, "ok", st->sysctls[k].ok);
		json_obj_end(&j);
	}
	json_arr_end(&j);

	json_key(&j, "firewall");
	json_obj_begin(&j);
	for (int f = 0; f < FW__NFAMILIES; f++) {
		const struct firewall_family_state *fs = &o->fw.fam[f];
		json_key(&j, f == FW_IPV4 ? "ipv4" : "ipv6");
		json_obj_begin(&j);
		json_kstr(&j, "source", firewall_source_name(fs->source));
		json_kstr(&j, "file", fs->source == FW_SOURCE_FILE ? fs->path : NULL);
		json_kstr(&j, "hash", fs->source == FW_SOURCE_FILE ? fs->hash : NULL);
		json_kstr(&j, "applied_by", fs->source == FW_SOURCE_FILE && fs->applied_by[0] ? fs->applied_by : NULL);
		json_kstr(&j, "handover", fs->source == FW_SOURCE_FILE && fs->handover[0] ? fs->handover : NULL);
		json_kint(&j, "since", fs->since);
		json_kstr(&j, "why", fs->why[0] ? fs->why : NULL);
		json_kstr(&j, "last_error", fs->last_error[0] ? fs->last_error : NULL);
		json_key(&j, "input");
		json_arr_begin(&j);
		for (size_t k = 0; k < st->fw[f].n_rules; k++) {
			const struct fw_rule_counter *rc = &st->fw[f].rules[k];
			json_obj_begin(&j);
			json_kint(&j, "num", rc->num);
			json_kstr(&j, "rule", rc->desc);
			json_kstr(&j, "target", rc->target);
			json_kint(&j, "packets", (long long)rc->packets);
			json_kint(&j, "bytes", (long long)rc->bytes);
			json_obj_end(&j);
		}
		json_arr_end(&j);
		json_obj_end(&j);
	}
	json_obj_end(&j);

	json_key(&j, "services");
	json_arr_begin(&j);
	for (size_t k = 0; k <= o->n_svcs; k++) {
		const struct service *s = k == 0 ? &o->sshd.svc : &o->svcs[k - 1];
		if (!svc_listed(o, k))
			continue;
		bool ready = k == 0 ? o->sshd.ready : s->state == SVC_UP;
		char how[96];
		json_obj_begin(&j);
		json_kstr(&j, "name", s->name);
		json_kstr(&j, "state", svc_state(s, ready));
		json_kint(&j, "pid", s->state == SVC_UP || s->state == SVC_STOPPING ? s->pid : 0);
		json_kint(&j, "uptime_ms", s->state == SVC_UP ? now - s->started_ms : 0);
		json_kint(&j, "restarts", s->restarts);
		json_kstr(&j, "last_exit", s->last_status < 0 ? NULL : service_status_str(s->last_status, how, sizeof(how)));
		json_kint(&j, "backoff_remaining_ms",
			  s->state == SVC_BACKOFF && s->deadline_ms > now ? s->deadline_ms - now : 0);
		json_kstr(&j, "start_error", s->start_error[0] ? s->start_error : NULL);
		if (k == 0) {
			json_kstr(&j, "config", sshd_source_name(o->sshd.source));
			json_kstr(&j, "config_path", sshd_sup_config_path(&o->sshd));
			json_kbool(&j, "probe_blocked", o->sshd.ready && o->sshd.probe_blocked);
			json_kstr(&j, "fallback_reason", fallback_reason(o));
			json_kstr(&j, "program", o->sshd.prog);
			json_kstr(&j, "program_fallback_reason", o->sshd.prog_why[0] ? o->sshd.prog_why : NULL);
		}
		json_obj_end(&j);
	}
	json_arr_end(&j);

	json_key(&j, "jump");
	json_obj_begin(&j);
	json_kbool(&j, "available", false);
	json_obj_end(&j);

	json_kint(&j, "repairs", o->ns.repairs);
	json_kint(&j, "last_reconcile", o->ns.last_reconcile);

	json_key(&j, "log");
	json_arr_begin(&j);
	nring = log_ring_get(ring);
	for (int k = 0; k < nring; k++) {
		json_obj_begin(&j);
		json_kint(&j, "time", ring[k].when);
		json_kstr(&j, "level", ring[k].level <= LOG_ERR ? "error" : "warning");
		json_kstr(&j, "message", ring[k].text);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_obj_end(&j);
	sb_puts(out, "\n");
}

static void render_text(struct status *st, struct strbuf *out)
{
	struct oobd *o = st->o;
	char buf[PREFIX_STRLEN + 8], mac[18], t[32];
	long long now = now_ms();
	struct log_entry ring[LOG_RING_SIZE];
	int nring;

	sb_printf(out, "oobd %s (pid %d), config %s: %s\n", OOBD_VERSION, (int)getpid(), o->cfg->path,
		  st->n_problems ? "DEGRADED" : "ok");
	for (int k = 0; k < st->n_problems; k++)
		sb_printf(out, "  ! %s\n", st->problems[k]);
	sb_printf(out, "\nnamespace  %s, %s %s\n", o->cfg->netns,
		  o->down ? "down since" : o->ns.ns_created ? "created" : "adopted", when(o->ns.ns_since, t, sizeof(t)));
	sb_printf(out, "nic        %s  (match %s, kind %s)\n", st->nic_present ? st->nic.name : "(absent)",
		  match_desc(&o->cfg->iface, buf, sizeof(buf)), kind_name(o->cfg->iface.kind));
	if (st->nic_present)
		sb_printf(out, "           mac %s  ifindex %d  %s  carrier %s  mtu %u\n",
			  st->nic.has_mac ? mac_str(st->nic.mac, mac) : "-", st->nic.ifindex,
			  st->nic.flags & IFF_UP ? "UP" : "DOWN", st->nic.carrier ? "yes" : "no", st->nic.mtu);
	sb_puts(out, "\naddresses\n");
	for (size_t k = 0; k < st->n_addrs; k++)
		sb_printf(out, "  %-44s %-7s %s\n", prefix_str(&st->addrs[k].pfx, buf), st->addrs[k].owner,
			  st->addrs[k].state);
	sb_puts(out, "\nroutes\n");
	for (size_t k = 0; k < st->n_routes; k++) {
		char gw[IPADDR_STRLEN], line[128];
		snprintf(line, sizeof(line), "%s%s%s", route_dst(&st->routes[k].dst, buf),
			 st->routes[k].has_gw ? " via " : "", st->routes[k].has_gw ? ipaddr_str(&st->routes[k].gw, gw) : "");
		sb_printf(out, "  %-44s %-7s %s\n", line, st->routes[k].owner, st->routes[k].state);
	}
	sb_puts(out, "\ndns\n");
	if (!o->cfg->dns.present)
		sb_puts(out, "  (no [dns]: the namespace sees the host's /etc/resolv.conf)\n");
	else if (!st->resolv)
		sb_puts(out, "  (no overlay file: see the problems above)\n");
	else
		for (char *l = st->resolv, *nl; l && *l; l = nl) {
			nl = strchr(l, '\n');
			sb_printf(out, "  %.*s\n", nl ? (int)(nl - l) : (int)strlen(l), l);
			nl = nl ? nl + 1 : NULL;
		}
	if (st->n_sysctls) {
		sb_puts(out, "\nsysctls\n");
		for (size_t k = 0; k < st->n_sysctls; k++)
			sb_printf(out, "  %-44s %s%s%s\n", st->sysctls[k].key, st->sysctls[k].have,
				  st->sysctls[k].ok ? "" : "  (configured ", st->sysctls[k].ok ? "" : st->sysctls[k].want);
	}
	sb_puts(out, "\nfirewall\n");
	for (int f = 0; f < FW__NFAMILIES; f++) {
		const struct firewall_family_state *fs = &o->fw.fam[f];
		if (fs->source == FW_SOURCE_FILE) {
			sb_printf(out, "  %s  file %s (fnv64 %s), since %s\n", firewall_family_name(f), fs->path, fs->hash,
				  when(fs->since, t, sizeof(t)));
			if (strcmp(fs->applied_by, "oobd") == 0)
				sb_puts(out, "        read and committed by oobd itself\n");
			else if (fs->applied_by[0])
				sb_printf(out, "        applied by %s (oobd's own reading stopped at %s)\n", fs->applied_by,
					  fs->handover[0] ? fs->handover : "?");
		} else if (fs->source == FW_SOURCE_FALLBACK)
			sb_printf(out, "  %s  built-in ruleset active since %s: %s\n", firewall_family_name(f),
				  when(fs->since, t, sizeof(t)), fs->why);
		else
			sb_printf(out, "  %s  none\n", firewall_family_name(f));
		if (fs->last_error[0])
			sb_printf(out, "        last change refused: %s\n", fs->last_error);
		for (size_t k = 0; k < st->fw[f].n_rules; k++) {
			const struct fw_rule_counter *rc = &st->fw[f].rules[k];
			sb_printf(out, "    %3d %-40s %-8s %10llu pkts %12llu bytes\n", rc->num, rc->desc, rc->target,
				  rc->packets, rc->bytes);
		}
	}
	sb_puts(out, "\nservices\n");
	for (size_t k = 0; k <= o->n_svcs; k++) {
		const struct service *s = k == 0 ? &o->sshd.svc : &o->svcs[k - 1];
		if (!svc_listed(o, k))
			continue;
		bool ready = k == 0 ? o->sshd.ready : s->state == SVC_UP;
		char how[96];
		sb_printf(out, "  %-10s %-8s", s->name, svc_state(s, ready));
		if (s->state == SVC_UP)
			sb_printf(out, " pid %d, up %lld s,", (int)s->pid, (now - s->started_ms) / 1000);
		if (s->state == SVC_BACKOFF && s->deadline_ms > now)
			sb_printf(out, " retry in %.1f s,", (double)(s->deadline_ms - now) / 1000.0);
		sb_printf(out, " %u restarts", s->restarts);
		if (s->last_status >= 0)
			sb_printf(out, ", last %s", service_status_str(s->last_status, how, sizeof(how)));
		if (k == 0)
			sb_printf(out, ", %s config %s", sshd_source_name(o->sshd.source), sshd_sup_config_path(&o->sshd));
		sb_puts(out, "\n");
		if (s->start_error[0])
			sb_printf(out, "             the last start did not run it: %s\n", s->start_error);
		if (k == 0 && fallback_reason(o))
			sb_printf(out, "             the configured config was refused: %s\n", fallback_reason(o));
		if (k == 0 && o->sshd.prog_why[0])
			sb_printf(out, "             runs the last-good copy %s of its program: %s\n", SSHD_PROGRAM_COPY,
				  o->sshd.prog_why);
	}
	sb_puts(out, "\njump broker  not available in this version\n");
	sb_printf(out, "repairs      %u (addresses, routes, the MTU or the link-local put back)\n", o->ns.repairs);
	sb_printf(out, "reconciled   %s\n", when(o->ns.last_reconcile, t, sizeof(t)));
	nring = log_ring_get(ring);
	if (nring) {
		sb_puts(out, "\nrecent warnings and errors\n");
		for (int k = 0; k < nring; k++)
			sb_printf(out, "  %s %s %s\n", when(ring[k].when, t, sizeof(t)),
				  ring[k].level <= LOG_ERR ? "error  " : "warning", ring[k].text);
	}
}

enum status_health status_render(struct oobd *o, bool json, struct strbuf *out)
{
	struct status st = { .o = o };
	enum status_health h;

	gather(&st);
	if (json)
		render_json(&st, out);
	else
		render_text(&st, out);
	h = st.n_problems ? STATUS_DEGRADED : STATUS_OK;
	status_free(&st);
	return h;
}

static void metric(struct strbuf *out, const char *name, const char *type, const char *help)
{
	sb_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void status_metrics(struct oobd *o, struct strbuf *out)
{
	struct status st = { .o = o };

	gather(&st);
	metric(out, "oobd_up", "gauge", "1 while oobd runs.");
	sb_puts(out, "oobd_up 1\n");
	metric(out, "oobd_healthy", "gauge", "1 when the out-of-band path is as configured, 0 when degraded.");
	sb_printf(out, "oobd_healthy %d\n", st.n_problems ? 0 : 1);
	metric(out, "oobd_path_down", "gauge", "1 while the path is down by request (oobctl down).");
	sb_printf(out, "oobd_path_down %d\n", o->down ? 1 : 0);
	metric(out, "oobd_nic_present", "gauge", "1 when the NIC is in the namespace.");
	sb_printf(out, "oobd_nic_present %d\n", st.nic_present ? 1 : 0);
	metric(out, "oobd_nic_carrier", "gauge", "1 when the NIC has carrier.");
	sb_printf(out, "oobd_nic_carrier %d\n", st.nic_present && st.nic.carrier ? 1 : 0);
	metric(out, "oobd_service_up", "gauge", "1 when the service runs (for sshd: answers with its banner).");
	for (size_t k = 0; k <= o->n_svcs; k++) {
		const struct service *s = k == 0 ? &o->sshd.svc : &o->svcs[k - 1];
		if (!svc_listed(o, k))
			continue;
		bool up = k == 0 ? o->sshd.ready : s->state == SVC_UP;
		sb_printf(out, "oobd_service_up{service=\"%s\"} %d\n", s->name, up ? 1 : 0);
	}
	metric(out, "oobd_service_restarts_total", "counter", "Restarts of the service since oobd started.");
	for (size_t k = 0; k <= o->n_svcs; k++) {
		const struct service *s = k == 0 ? &o->sshd.svc : &o->svcs[k - 1];
		if (!svc_listed(o, k))
			continue;
		sb_printf(out, "oobd_service_restarts_total{service=\"%s\"} %u\n", s->name, s->restarts);
	}
	metric(out, "oobd_sshd_config_fallback", "gauge",
	       "1 when sshd runs with the last-good or built-in config instead of the configured one.");
	sb_printf(out, "oobd_sshd_config_fallback %d\n", o->sshd.source != SSHD_CONFIGURED ? 1 : 0);
	metric(out, "oobd_sshd_program_fallback", "gauge",
	       "1 when sshd runs the last-good copy of its program instead of the configured one.");
	sb_printf(out, "oobd_sshd_program_fallback %d\n", o->sshd.prog_why[0] ? 1 : 0);
	metric(out, "oobd_firewall_fallback", "gauge", "1 while the built-in ruleset is active for the family.");
	for (int f = 0; f < FW__NFAMILIES; f++)
		sb_printf(out, "oobd_firewall_fallback{family=\"%s\"} %d\n", f == FW_IPV4 ? "ipv4" : "ipv6",
			  o->fw.fam[f].source == FW_SOURCE_FALLBACK ? 1 : 0);
	metric(out, "oobd_repairs_total", "counter",
	       "Addresses, routes, the MTU and the IPv6 link-local address put back after they vanished or changed.");
	sb_printf(out, "oobd_repairs_total %u\n", o->ns.repairs);
	metric(out, "oobd_log_lines_dropped_total", "counter",
	       "Log lines oobd dropped because its log's reader was not reading.");
	sb_printf(out, "oobd_log_lines_dropped_total %llu\n", log_dropped());
	metric(out, "oobd_last_reconcile_timestamp_seconds", "gauge", "Unix time of the last complete reconcile.");
	sb_printf(out, "oobd_last_reconcile_timestamp_seconds %lld\n", o->ns.last_reconcile);
	metric(out, "oobd_start_time_seconds", "gauge", "Unix time oobd started.");
	sb_printf(out, "oobd_start_time_seconds %lld\n", o->started_at);
	status_free(&st);
}
