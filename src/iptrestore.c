/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * oobd's own reading of a subset of the iptables-restore language
 * (iptrestore.h). Every value is taken exactly as iptables 1.8 takes it,
 * and where iptables would accept more (a name looked up in /etc/services,
 * a number in octal or hex, an abbreviated option, quoting) the parse stops
 * and says so: a file is either read completely and exactly, or not at all.
 *
 * The order of the matches in an entry is the order iptables gives them:
 * as they are named with -m, and a protocol's own match (tcp for -p tcp)
 * where its first option appears without one. The entries are built as
 * iptables builds them for libiptc: a standard target by its label
 * (ACCEPT, DROP, RETURN, a chain, or none), which libiptc turns into a
 * verdict or a jump when the rule is appended.
 */
#include "iptrestore.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/x_tables.h>
#include <linux/netfilter/xt_comment.h>
#include <linux/netfilter/xt_conntrack.h>
#include <linux/netfilter/xt_limit.h>
#include <linux/netfilter/xt_multiport.h>
#include <linux/netfilter/xt_tcpudp.h>
#include <linux/netfilter_ipv4/ip_tables.h>
#include <linux/netfilter_ipv4/ipt_REJECT.h>
#include <linux/netfilter_ipv4/ipt_ttl.h>
#include <linux/netfilter_ipv6/ip6_tables.h>
#include <linux/netfilter_ipv6/ip6t_REJECT.h>
#include <linux/netfilter_ipv6/ip6t_hl.h>

#include "util.h"

#define LINE_MAX_LEN 4096
#define RULE_MAX_MATCHES 8
#define CHAIN_NAME_MAX (XT_EXTENSION_MAXNAMELEN - 1)  /* what iptables-restore allows a user chain */

/* ---------------------------------------------------------------------- */
/* Tables and their built-in chains.                                      */

struct table_def {
	const char *name;
	const char *chains[5];
};

static const struct table_def table_defs[] = {
	{ "filter", { "INPUT", "FORWARD", "OUTPUT" } },
	{ "raw", { "PREROUTING", "OUTPUT" } },
	{ "mangle", { "PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING" } },
	{ "nat", { "PREROUTING", "INPUT", "OUTPUT", "POSTROUTING" } },
	{ "security", { "INPUT", "FORWARD", "OUTPUT" } },
};

static const struct table_def *table_def_find(const char *name)
{
	for (size_t i = 0; i < sizeof(table_defs) / sizeof(table_defs[0]); i++)
		if (strcmp(table_defs[i].name, name) == 0)
			return &table_defs[i];
	return NULL;
}

static bool table_builtin(const struct table_def *t, const char *chain)
{
	for (size_t i = 0; i < 5 && t->chains[i]; i++)
		if (strcmp(t->chains[i], chain) == 0)
			return true;
	return false;
}

static bool hook_name(const char *s)
{
	static const char *const hooks[] = { "PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING" };

	for (size_t i = 0; i < 5; i++)
		if (strcmp(hooks[i], s) == 0)
			return true;
	return false;
}

static bool verdict_label(const char *s)
{
	return strcmp(s, "ACCEPT") == 0 || strcmp(s, "DROP") == 0 || strcmp(s, "QUEUE") == 0 || strcmp(s, "RETURN") == 0;
}

/* ---------------------------------------------------------------------- */
/* Numbers, as iptables reads them but stricter: decimal only.           */

/* A decimal number without sign or leading zero, at most MAX. */
static bool dec(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (!*s || (s[0] == '0' && s[1]))
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > max)
			return false;
	}
	*out = v;
	return true;
}

/* "N" (both ends N), "N:M", ":M", "N:", with N <= M. */
static bool port_range(const char *s, uint16_t out[2])
{
	char buf[16];
	const char *colon = strchr(s, ':');
	unsigned long lo = 0, hi = 0xffff;

	if (strlen(s) >= sizeof(buf))
		return false;
	if (!colon) {
		if (!dec(s, 0xffff, &lo))
			return false;
		out[0] = out[1] = (uint16_t)lo;
		return true;
	}
	memcpy(buf, s, (size_t)(colon - s));
	buf[colon - s] = '\0';
	if ((buf[0] && !dec(buf, 0xffff, &lo)) || (colon[1] && !dec(colon + 1, 0xffff, &hi)) || lo > hi)
		return false;
	out[0] = (uint16_t)lo;
	out[1] = (uint16_t)hi;
	return true;
}

/* ---------------------------------------------------------------------- */
/* Matches.                                                                */

enum mkind { M_TCP, M_UDP, M_ICMP, M_ICMP6, M_CONNTRACK, M_LIMIT, M_HL, M_TTL, M_COMMENT, M_MULTIPORT, M__N };

struct match_def {
	const char *name;            /* for -m, and in the entry */
	const char *opts[6];         /* its options */
	size_t size;
	int af;                      /* 0: both */
	uint8_t revision;            /* what iptables 1.8 picks on a current kernel */
};

#define PORT_OPTS { "--dport", "--destination-port", "--sport", "--source-port" }
static const struct match_def match_defs[M__N] = {
	[M_TCP] = { "tcp", PORT_OPTS, sizeof(struct xt_tcp), 0, 0 },
	[M_UDP] = { "udp", PORT_OPTS, sizeof(struct xt_udp), 0, 0 },
	[M_ICMP] = { "icmp", { "--icmp-type" }, sizeof(struct ipt_icmp), AF_INET, 0 },
	[M_ICMP6] = { "icmp6", { "--icmpv6-type" }, sizeof(struct ip6t_icmp), AF_INET6, 0 },
	[M_CONNTRACK] = { "conntrack", { "--ctstate" }, sizeof(struct xt_conntrack_mtinfo3), 0, 3 },
	[M_LIMIT] = { "limit", { "--limit", "--limit-burst" }, sizeof(struct xt_rateinfo), 0, 0 },
	[M_HL] = { "hl", { "--hl-eq", "--hl-lt", "--hl-gt" }, sizeof(struct ip6t_hl_info), AF_INET6, 0 },
	[M_TTL] = { "ttl", { "--ttl-eq", "--ttl-lt", "--ttl-gt" }, sizeof(struct ipt_ttl_info), AF_INET, 0 },
	[M_COMMENT] = { "comment", { "--comment" }, sizeof(struct xt_comment_info), 0, 0 },
	[M_MULTIPORT] = { "multiport", { "--dports", "--destination-ports", "--sports", "--source-ports", "--ports" },
			  sizeof(struct xt_multiport_v1), 0, 1 },
};
#undef PORT_OPTS

struct match {
	enum mkind kind;
	unsigned seen;               /* bit per option index (aliases share a bit) */
	union {
		struct xt_tcp tcp;
		struct xt_udp udp;
		struct ipt_icmp icmp;
		struct ip6t_icmp icmp6;
		struct xt_conntrack_mtinfo3 ct;
		struct xt_rateinfo limit;
		struct ip6t_hl_info hl;
		struct ipt_ttl_info ttl;
		struct xt_comment_info comment;
		struct xt_multiport_v1 mp;
	} u;
};

/* An ICMP type by the names iptables gives a whole type (any code). */
struct icmp_name {
	const char *name;
	uint8_t type;
};

static const struct icmp_name icmp4_names[] = {
	{ "echo-reply", 0 }, { "pong", 0 }, { "destination-unreachable", 3 }, { "source-quench", 4 },
	{ "redirect", 5 }, { "echo-request", 8 }, { "ping", 8 }, { "router-advertisement", 9 },
	{ "router-solicitation", 10 }, { "time-exceeded", 11 }, { "parameter-problem", 12 },
	{ "timestamp-request", 13 }, { "timestamp-reply", 14 }, { "address-mask-request", 17 },
	{ "address-mask-reply", 18 }, { NULL, 0 },
};

static const struct icmp_name icmp6_names[] = {
	{ "destination-unreachable", 1 }, { "packet-too-big", 2 }, { "time-exceeded", 3 },
	{ "parameter-problem", 4 }, { "echo-request", 128 }, { "ping", 128 }, { "echo-reply", 129 },
	{ "pong", 129 }, { "router-solicitation", 133 }, { "router-advertisement", 134 },
	{ "neighbour-solicitation", 135 }, { "neighbor-solicitation", 135 }, { "neighbour-advertisement", 136 },
	{ "neighbor-advertisement", 136 }, { "redirect", 137 }, { NULL, 0 },
};

/* "any" (IPv4 only: ip6tables knows no such ICMPv6 type, and the kernel's
 * icmp6 match no wildcard), a name above, "T" or "T/C": type and code
 * range. */
static bool icmp_type(const char *s, const struct icmp_name *names, uint8_t *type, uint8_t code[2])
{
	char buf[16];
	const char *slash = strchr(s, '/');
	unsigned long t, c;

	code[0] = 0;
	code[1] = 0xff;
	if (names == icmp4_names && strcmp(s, "any") == 0) {
		*type = 0xff;
		return true;
	}
	for (const struct icmp_name *n = names; n->name; n++)
		if (strcmp(n->name, s) == 0) {
			*type = n->type;
			return true;
		}
	if (strlen(s) >= sizeof(buf))
		return false;
	str_copy(buf, s, sizeof(buf));
	if (slash)
		buf[slash - s] = '\0';
	if (!dec(buf, 255, &t) || (slash && !dec(slash + 1, 255, &c)))
		return false;
	*type = (uint8_t)t;
	if (slash)
		code[0] = code[1] = (uint8_t)c;
	return true;
}

static bool ctstates(const char *s, uint16_t *mask)
{
	static const struct {
		const char *name;
		uint16_t bit;
	} states[] = {
		{ "INVALID", XT_CONNTRACK_STATE_INVALID },
		{ "NEW", XT_CONNTRACK_STATE_BIT(IP_CT_NEW) },
		{ "ESTABLISHED", XT_CONNTRACK_STATE_BIT(IP_CT_ESTABLISHED) },
		{ "RELATED", XT_CONNTRACK_STATE_BIT(IP_CT_RELATED) },
		{ "UNTRACKED", XT_CONNTRACK_STATE_UNTRACKED },
		{ "SNAT", XT_CONNTRACK_STATE_SNAT },
		{ "DNAT", XT_CONNTRACK_STATE_DNAT },
	};
	uint16_t m = 0;

	for (const char *p = s;;) {
		size_t n = strcspn(p, ",");
		bool found = false;
		for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++)
			if (strlen(states[i].name) == n && strncmp(states[i].name, p, n) == 0) {
				m |= states[i].bit;
				found = true;
			}
		if (!found)
			return false;
		if (!p[n])
			break;
		p += n + 1;
	}
	*mask = m;
	return true;
}

/* libxt_limit's parse_rate: "N", "N/second", "N/min", ... (any prefix of
 * the unit's name). */
static bool limit_rate(const char *s, uint32_t *avg)
{
	static const struct {
		const char *unit;
		uint32_t mult;
	} units[] = { { "second", 1 }, { "minute", 60 }, { "hour", 60 * 60 }, { "day", 24 * 60 * 60 } };
	char buf[16];
	const char *slash = strchr(s, '/');
	uint32_t mult = 1;
	unsigned long r;

	if (strlen(s) >= sizeof(buf))
		return false;
	str_copy(buf, s, sizeof(buf));
	if (slash) {
		size_t ul = strlen(slash + 1);
		bool found = false;
		buf[slash - s] = '\0';
		for (size_t i = 0; i < 4 && ul; i++)
			if (ul <= strlen(units[i].unit) && memcmp(units[i].unit, slash + 1, ul) == 0) {
				mult = units[i].mult;
				found = true;
				break;
			}
		if (!found)
			return false;
	}
	if (!dec(buf, 10000, &r) || r == 0)
		return false;
	*avg = (uint32_t)(XT_LIMIT_SCALE * mult / r);
	return *avg != 0;
}

/* libxt_multiport's list: up to 15 ports, a range "A:B" (A < B) counting
 * two. */
static bool multiport_list(const char *s, struct xt_multiport_v1 *mp)
{
	unsigned i = 0;

	for (const char *p = s;;) {
		size_t n = strcspn(p, ",");
		char buf[16];
		const char *colon;
		unsigned long lo, hi;
		if (n == 0 || n >= sizeof(buf) || i >= XT_MULTI_PORTS)
			return false;
		memcpy(buf, p, n);
		buf[n] = '\0';
		colon = strchr(buf, ':');
		if (colon) {
			if (i == XT_MULTI_PORTS - 1)
				return false;
			buf[colon - buf] = '\0';
			if (!dec(buf, 0xffff, &lo) || !dec(colon + 1, 0xffff, &hi) || lo >= hi)
				return false;
			mp->ports[i] = (uint16_t)lo;
			mp->pflags[i] = 1;
			mp->ports[++i] = (uint16_t)hi;
		} else {
			if (!dec(buf, 0xffff, &lo))
				return false;
			mp->ports[i] = (uint16_t)lo;
		}
		i++;
		if (!p[n])
			break;
		p += n + 1;
	}
	mp->count = (uint8_t)i;
	return true;
}

/* ---------------------------------------------------------------------- */
/* One "-A" line.                                                          */

enum {
	O_IN = 1 << 0, O_OUT = 1 << 1, O_SRC = 1 << 2, O_DST = 1 << 3, O_PROTO = 1 << 4, O_JUMP = 1 << 5,
};

struct rule {
	int af;
	unsigned seen;
	char iniface[IFNAMSIZ], outiface[IFNAMSIZ];
	unsigned char inmask[IFNAMSIZ], outmask[IFNAMSIZ];
	unsigned char src[16], smsk[16], dst[16], dmsk[16];
	uint8_t proto;
	struct match m[RULE_MAX_MATCHES];
	int nm;
	char target[32];             /* "" with no -j */
	bool reject;
	unsigned reject_with;
	bool reject_with_seen;
};

struct parser {
	int af;
	struct iptr_prog *prog;
	const struct table_def *table;   /* the open one, or NULL */
	struct iptr_table *cur;
	int line;
	char *why;
	size_t whylen;
};

__attribute__((format(printf, 2, 3))) static int nope(struct parser *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->why, p->whylen, fmt, ap);
	va_end(ap);
	return -ENOTSUP;
}

/* xtables_parse_interface(): the name, its NUL included in the mask, or
 * "NAME+" matching every name starting with NAME. */
static bool iface(const char *s, char name[IFNAMSIZ], unsigned char mask[IFNAMSIZ])
{
	size_t n = strlen(s);

	if (n == 0 || n >= IFNAMSIZ || (n == 1 && s[0] == '+'))
		return false;
	for (const char *c = s; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
		      strchr("._-@:", *c) || (*c == '+' && !c[1])))
			return false;
	memset(mask, 0, IFNAMSIZ);
	memset(name, 0, IFNAMSIZ); /* NUL-padded: the whole field counts */
	memcpy(name, s, n + 1);
	memset(mask, 0xff, s[n - 1] == '+' ? n - 1 : n + 1);
	return true;
}

/* "ADDR" or "ADDR/LEN", numeric; the address masked as iptables does. */
static bool address(int af, const char *s, unsigned char addr[16], unsigned char mask[16])
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(s, '/');
	unsigned long len, max = af == AF_INET ? 32 : 128;
	size_t bytes = af == AF_INET ? 4 : 16;

	if (strlen(s) >= sizeof(buf))
		return false;
	str_copy(buf, s, sizeof(buf));
	if (slash)
		buf[slash - s] = '\0';
	if (inet_pton(af, buf, addr) != 1)
		return false;
	len = max;
	if (slash && !dec(slash + 1, max, &len))
		return false;
	memset(mask, 0, 16);
	for (size_t i = 0; i < bytes; i++) {
		unsigned bits = len >= 8 * (i + 1) ? 8 : len > 8 * i ? (unsigned)(len - 8 * i) : 0;
		mask[i] = (unsigned char)(bits ? 0xff << (8 - bits) : 0);
		addr[i] &= mask[i];
	}
	return true;
}

static bool protocol(int af, const char *s, uint8_t *out)
{
	static const struct {
		const char *name;
		uint8_t num;
		int af;
	} names[] = {
		{ "all", 0, 0 }, { "tcp", IPPROTO_TCP, 0 }, { "udp", IPPROTO_UDP, 0 }, { "icmp", IPPROTO_ICMP, AF_INET },
		{ "icmpv6", IPPROTO_ICMPV6, AF_INET6 }, { "ipv6-icmp", IPPROTO_ICMPV6, AF_INET6 },
	};
	char low[16] = "";
	size_t n = strlen(s);
	unsigned long v;

	if (n >= sizeof(low))
		return false;
	for (size_t i = 0; i < n; i++)
		low[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] - 'A' + 'a' : s[i]);
	if (dec(low, 255, &v)) {
		*out = (uint8_t)v;
		return true;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(names[i].name, low) == 0 && (!names[i].af || names[i].af == af)) {
			*out = names[i].num;
			return true;
		}
	return false;
}

static struct match *match_add(struct rule *r, enum mkind k)
{
	struct match *m;

	if (r->nm == RULE_MAX_MATCHES)
		return NULL;
	for (int i = 0; i < r->nm; i++)
		if (r->m[i].kind == k)
			return NULL;         /* a match twice: its options would be ambiguous */
	m = &r->m[r->nm++];
	memset(m, 0, sizeof(*m));
	m->kind = k;
	/* The extensions' init functions. */
	switch (k) {
	case M_TCP:
		m->u.tcp.spts[1] = m->u.tcp.dpts[1] = 0xffff;
		break;
	case M_UDP:
		m->u.udp.spts[1] = m->u.udp.dpts[1] = 0xffff;
		break;
	case M_ICMP:
		m->u.icmp.type = 0xff;
		m->u.icmp.code[1] = 0xff;
		break;
	case M_ICMP6:
		m->u.icmp6.type = 0xff;
		m->u.icmp6.code[1] = 0xff;
		break;
	case M_LIMIT:
		m->u.limit.avg = XT_LIMIT_SCALE * 24 * 60 * 60 / (3 * 24); /* 3/hour */
		m->u.limit.burst = 5; /* libxt_limit's XT_LIMIT_BURST */
		break;
	default:
		break;
	}
	return m;
}

static int match_by_name(int af, const char *s)
{
	if (strcmp(s, "icmpv6") == 0 || strcmp(s, "ipv6-icmp") == 0)
		s = "icmp6";
	for (int k = 0; k < M__N; k++)
		if (strcmp(match_defs[k].name, s) == 0 && (!match_defs[k].af || match_defs[k].af == af))
			return k;
	return -1;
}

/* The option index of OPT in match kind K, or -1. */
static int match_opt(enum mkind k, const char *opt)
{
	for (int i = 0; i < 6 && match_defs[k].opts[i]; i++)
		if (strcmp(match_defs[k].opts[i], opt) == 0)
			return i;
	return -1;
}

/* Is OPT the start of an option of a match loaded in R? */
static bool abbreviates(const struct rule *r, const char *opt)
{
	size_t n = strlen(opt);

	for (int j = 0; j < r->nm; j++)
		for (int i = 0; i < 6 && match_defs[r->m[j].kind].opts[i]; i++)
			if (strncmp(match_defs[r->m[j].kind].opts[i], opt, n) == 0)
				return true;
	return false;
}

/* The match a protocol's options belong to when no -m names one. */
static int proto_match(int af, uint8_t proto)
{
	if (proto == IPPROTO_TCP)
		return M_TCP;
	if (proto == IPPROTO_UDP)
		return M_UDP;
	if (proto == IPPROTO_ICMP && af == AF_INET)
		return M_ICMP;
	if (proto == IPPROTO_ICMPV6 && af == AF_INET6)
		return M_ICMP6;
	return -1;
}

static bool multiport_proto(const struct rule *r)
{
	return (r->seen & O_PROTO) && (r->proto == IPPROTO_TCP || r->proto == IPPROTO_UDP ||
				       r->proto == IPPROTO_UDPLITE || r->proto == IPPROTO_SCTP ||
				       r->proto == IPPROTO_DCCP);
}

/* Option OPT (index I in M's definition) with argument ARG. */
static bool match_option(const struct rule *r, struct match *m, int i, const char *arg)
{
	/* One bit per option, its aliases sharing it (--dport and
	 * --destination-port); multiport, hl and ttl take one option of all. */
	int bit = m->kind == M_TCP || m->kind == M_UDP ? i / 2
		: m->kind == M_MULTIPORT || m->kind == M_HL || m->kind == M_TTL ? 0 : i;
	unsigned long v;

	if (m->seen & (1U << bit))
		return false;
	m->seen |= 1U << bit;
	switch (m->kind) {
	case M_TCP:
		return port_range(arg, i < 2 ? m->u.tcp.dpts : m->u.tcp.spts);
	case M_UDP:
		return port_range(arg, i < 2 ? m->u.udp.dpts : m->u.udp.spts);
	case M_ICMP:
		return icmp_type(arg, icmp4_names, &m->u.icmp.type, m->u.icmp.code);
	case M_ICMP6:
		return icmp_type(arg, icmp6_names, &m->u.icmp6.type, m->u.icmp6.code);
	case M_CONNTRACK:
		m->u.ct.match_flags |= XT_CONNTRACK_STATE;
		return ctstates(arg, &m->u.ct.state_mask);
	case M_LIMIT:
		if (i == 0)
			return limit_rate(arg, &m->u.limit.avg);
		if (!dec(arg, 10000, &v))
			return false;
		m->u.limit.burst = (uint32_t)v;
		return true;
	case M_HL:
	case M_TTL: {
		static const uint8_t modes[] = { IP6T_HL_EQ, IP6T_HL_LT, IP6T_HL_GT };
		_Static_assert((int)IP6T_HL_EQ == (int)IPT_TTL_EQ && (int)IP6T_HL_LT == (int)IPT_TTL_LT &&
				       (int)IP6T_HL_GT == (int)IPT_TTL_GT,
			       "hl and ttl modes");
		if (!dec(arg, 255, &v))
			return false;
		if (m->kind == M_HL) {
			m->u.hl.mode = modes[i];
			m->u.hl.hop_limit = (uint8_t)v;
		} else {
			m->u.ttl.mode = modes[i];
			m->u.ttl.ttl = (uint8_t)v;
		}
		return true;
	}
	case M_COMMENT:
		if (strlen(arg) >= XT_MAX_COMMENT_LEN)
			return false;
		str_copy(m->u.comment.comment, arg, sizeof(m->u.comment.comment));
		return true;
	case M_MULTIPORT:
		if (!multiport_proto(r))
			return false;
		m->u.mp.flags = i < 2 ? XT_MULTIPORT_DESTINATION : i < 4 ? XT_MULTIPORT_SOURCE : XT_MULTIPORT_EITHER;
		return multiport_list(arg, &m->u.mp);
	case M__N:
		break;
	}
	return false;
}

/* What each match needs at least one of (the extensions' final checks). */
static bool match_complete(const struct match *m)
{
	switch (m->kind) {
	case M_CONNTRACK:
	case M_HL:
	case M_TTL:
	case M_COMMENT:
	case M_MULTIPORT:
	case M_ICMP:  /* "-m icmp" alone: restore wants --icmp-type */
	case M_ICMP6:
		return m->seen != 0;
	default:
		return true;
	}
}

static bool reject_with(int af, const char *s, unsigned *out)
{
	static const char *const v4[][2] = {
		[IPT_ICMP_NET_UNREACHABLE] = { "icmp-net-unreachable", "net-unreach" },
		[IPT_ICMP_HOST_UNREACHABLE] = { "icmp-host-unreachable", "host-unreach" },
		[IPT_ICMP_PROT_UNREACHABLE] = { "icmp-proto-unreachable", "proto-unreach" },
		[IPT_ICMP_PORT_UNREACHABLE] = { "icmp-port-unreachable", "port-unreach" },
		[IPT_ICMP_NET_PROHIBITED] = { "icmp-net-prohibited", "net-prohib" },
		[IPT_ICMP_HOST_PROHIBITED] = { "icmp-host-prohibited", "host-prohib" },
		[IPT_TCP_RESET] = { "tcp-reset", "tcp-rst" },
		[IPT_ICMP_ADMIN_PROHIBITED] = { "icmp-admin-prohibited", "admin-prohib" },
	};
	static const char *const v6[][2] = {
		[IP6T_ICMP6_NO_ROUTE] = { "icmp6-no-route", "no-route" },
		[IP6T_ICMP6_ADM_PROHIBITED] = { "icmp6-adm-prohibited", "adm-prohibited" },
		[IP6T_ICMP6_ADDR_UNREACH] = { "icmp6-addr-unreachable", "addr-unreach" },
		[IP6T_ICMP6_PORT_UNREACH] = { "icmp6-port-unreachable", "port-unreach" },
		[IP6T_TCP_RESET] = { "tcp-reset", NULL }, /* "tcp-rst" is IPv4's alone */
		[IP6T_ICMP6_POLICY_FAIL] = { "icmp6-policy-fail", "policy-fail" },
		[IP6T_ICMP6_REJECT_ROUTE] = { "icmp6-reject-route", "reject-route" },
	};
	const char *const(*t)[2] = af == AF_INET ? v4 : v6;
	size_t n = af == AF_INET ? sizeof(v4) / sizeof(v4[0]) : sizeof(v6) / sizeof(v6[0]);

	for (size_t i = 0; i < n; i++)
		if (t[i][0] && (strcmp(t[i][0], s) == 0 || (t[i][1] && strcmp(t[i][1], s) == 0))) {
			*out = (unsigned)i;
			return true;
		}
	return false;
}

/* Is NAME a user chain of the open table, declared before? */
static bool user_chain(const struct parser *p, const char *name)
{
	for (size_t i = 0; i < p->cur->n_chains; i++) {
		const struct iptr_chain *c = &p->prog->chains[p->cur->first_chain + i];
		if (strcmp(c->name, name) == 0 && strcmp(c->policy, "-") == 0)
			return true;
	}
	return false;
}

static int rule_words(struct parser *p, struct rule *r, char **w, int n)
{
	/* Every option takes a value: two words at a time. */
	for (int i = 0; i < n; i += 2) {
		const char *o = w[i], *a = i + 1 < n ? w[i + 1] : NULL;
		int k;

		if (strcmp(o, "!") == 0)
			return nope(p, "negation (\"!\")");
		if (o[0] != '-')
			return nope(p, "unexpected word '%s'", o);
		if (!a)
			return nope(p, "option %s without a value", o);
		if (strcmp(o, "-i") == 0 || strcmp(o, "--in-interface") == 0 || strcmp(o, "-o") == 0 ||
		    strcmp(o, "--out-interface") == 0) {
			bool in = o[1] == 'i' || o[2] == 'i';
			unsigned bit = in ? O_IN : O_OUT;
			if ((r->seen & bit) || !iface(a, in ? r->iniface : r->outiface, in ? r->inmask : r->outmask))
				return nope(p, "%s %s", o, a);
			r->seen |= bit;
		} else if (strcmp(o, "-s") == 0 || strcmp(o, "--source") == 0 || strcmp(o, "-d") == 0 ||
			   strcmp(o, "--destination") == 0) {
			bool s = o[1] == 's' || o[2] == 's';
			unsigned bit = s ? O_SRC : O_DST;
			if ((r->seen & bit) || !address(r->af, a, s ? r->src : r->dst, s ? r->smsk : r->dmsk))
				return nope(p, "%s %s (only one numeric address or prefix)", o, a);
			r->seen |= bit;
		} else if (strcmp(o, "-p") == 0 || strcmp(o, "--protocol") == 0) {
			if ((r->seen & O_PROTO) || !protocol(r->af, a, &r->proto))
				return nope(p, "%s %s", o, a);
			r->seen |= O_PROTO;
		} else if (strcmp(o, "-m") == 0 || strcmp(o, "--match") == 0) {
			k = match_by_name(r->af, a);
			if (k < 0 || !match_add(r, (enum mkind)k))
				return nope(p, "match '%s'", a);
		} else if (strcmp(o, "-j") == 0 || strcmp(o, "--jump") == 0) {
			if (r->seen & O_JUMP)
				return nope(p, "a second -j");
			r->seen |= O_JUMP;
			if (strcmp(a, "REJECT") == 0) {
				r->reject = true;
				r->reject_with = r->af == AF_INET ? IPT_ICMP_PORT_UNREACHABLE : IP6T_ICMP6_PORT_UNREACH;
			} else if (!verdict_label(a) && !user_chain(p, a)) {
				return nope(p, "target '%s'", a);
			} else if (strcmp(a, "QUEUE") == 0) {
				return nope(p, "target QUEUE");
			}
			str_copy(r->target, a, sizeof(r->target));
		} else if (strcmp(o, "--reject-with") == 0 && r->reject) {
			if (r->reject_with_seen || !reject_with(r->af, a, &r->reject_with))
				return nope(p, "--reject-with %s", a);
			r->reject_with_seen = true;
		} else {
			/* A match's option: of the one match loaded that has it,
			 * else of the protocol's own match, loaded here. Unless
			 * it abbreviates an option of a loaded match: iptables
			 * reads options with getopt_long, which takes
			 * "--dport" for multiport's "--dports" when no loaded
			 * match has "--dport" itself. */
			struct match *m = NULL;
			int oi = -1;
			for (int j = 0; j < r->nm; j++) {
				int x = match_opt(r->m[j].kind, o);
				if (x < 0)
					continue;
				if (m)
					return nope(p, "option %s of two matches", o);
				m = &r->m[j];
				oi = x;
			}
			if (!m && abbreviates(r, o))
				return nope(p, "option %s, which iptables reads as an abbreviation", o);
			if (!m && (r->seen & O_PROTO) && (k = proto_match(r->af, r->proto)) >= 0 &&
			    (oi = match_opt((enum mkind)k, o)) >= 0)
				m = match_add(r, (enum mkind)k);
			if (!m)
				return nope(p, "option %s", o);
			if (!match_option(r, m, oi, a))
				return nope(p, "%s %s", o, a);
		}
	}
	for (int j = 0; j < r->nm; j++)
		if (!match_complete(&r->m[j]))
			return nope(p, "match %s without its options", match_defs[r->m[j].kind].name);
	return 0;
}

/* Append the entry R describes to the program's blob. */
static void entry_emit(struct iptr_prog *prog, const struct rule *r, size_t *off, size_t *len)
{
	size_t hdr = r->af == AF_INET ? XT_ALIGN(sizeof(struct ipt_entry)) : XT_ALIGN(sizeof(struct ip6t_entry));
	size_t need = hdr + XT_ALIGN(sizeof(struct xt_entry_target)) + XT_ALIGN(sizeof(struct ip6t_reject_info)) +
		      XT_ALIGN(sizeof(struct xt_standard_target));
	size_t toff, tsize;
	unsigned char *e;

	for (int i = 0; i < r->nm; i++)
		need += XT_ALIGN(sizeof(struct xt_entry_match)) + XT_ALIGN(match_defs[r->m[i].kind].size);
	if (prog->blob_len + need > prog->blob_cap) {
		prog->blob_cap = (prog->blob_len + need) * 2;
		prog->blob = xrealloc(prog->blob, prog->blob_cap, 1);
	}
	e = prog->blob + prog->blob_len;
	memset(e, 0, need);
	if (r->af == AF_INET) {
		struct ipt_ip *ip = &((struct ipt_entry *)(void *)e)->ip;
		memcpy(&ip->src, r->src, 4);
		memcpy(&ip->smsk, r->smsk, 4);
		memcpy(&ip->dst, r->dst, 4);
		memcpy(&ip->dmsk, r->dmsk, 4);
		memcpy(ip->iniface, r->iniface, IFNAMSIZ);
		memcpy(ip->iniface_mask, r->inmask, IFNAMSIZ);
		memcpy(ip->outiface, r->outiface, IFNAMSIZ);
		memcpy(ip->outiface_mask, r->outmask, IFNAMSIZ);
		ip->proto = r->proto;
	} else {
		struct ip6t_ip6 *ip = &((struct ip6t_entry *)(void *)e)->ipv6;
		memcpy(&ip->src, r->src, 16);
		memcpy(&ip->smsk, r->smsk, 16);
		memcpy(&ip->dst, r->dst, 16);
		memcpy(&ip->dmsk, r->dmsk, 16);
		memcpy(ip->iniface, r->iniface, IFNAMSIZ);
		memcpy(ip->iniface_mask, r->inmask, IFNAMSIZ);
		memcpy(ip->outiface, r->outiface, IFNAMSIZ);
		memcpy(ip->outiface_mask, r->outmask, IFNAMSIZ);
		ip->proto = r->proto;
		if (r->seen & O_PROTO)
			ip->flags |= IP6T_F_PROTO;
	}
	toff = hdr;
	for (int i = 0; i < r->nm; i++) {
		const struct match_def *d = &match_defs[r->m[i].kind];
		struct xt_entry_match *m = (struct xt_entry_match *)(void *)(e + toff);
		size_t ms = XT_ALIGN(sizeof(*m)) + XT_ALIGN(d->size);
		m->u.user.match_size = (uint16_t)ms;
		str_copy(m->u.user.name, d->name, sizeof(m->u.user.name));
		m->u.user.revision = d->revision;
		memcpy(m->data, &r->m[i].u, d->size);
		toff += ms;
	}
	if (r->reject) {
		struct xt_entry_target *t = (struct xt_entry_target *)(void *)(e + toff);
		size_t ds = r->af == AF_INET ? sizeof(struct ipt_reject_info) : sizeof(struct ip6t_reject_info);
		tsize = XT_ALIGN(sizeof(*t)) + XT_ALIGN(ds);
		t->u.user.target_size = (uint16_t)tsize;
		str_copy(t->u.user.name, "REJECT", sizeof(t->u.user.name));
		if (r->af == AF_INET)
			((struct ipt_reject_info *)(void *)t->data)->with = (enum ipt_reject_with)r->reject_with;
		else
			((struct ip6t_reject_info *)(void *)t->data)->with = r->reject_with;
	} else {
		/* libiptc maps the label to a verdict, a jump, or (none) a
		 * fall-through. */
		struct xt_standard_target *t = (struct xt_standard_target *)(void *)(e + toff);
		tsize = XT_ALIGN(sizeof(*t));
		t->target.u.user.target_size = (uint16_t)tsize;
		str_copy(t->target.u.user.name, r->target, sizeof(t->target.u.user.name));
	}
	if (r->af == AF_INET) {
		((struct ipt_entry *)(void *)e)->target_offset = (uint16_t)toff;
		((struct ipt_entry *)(void *)e)->next_offset = (uint16_t)(toff + tsize);
	} else {
		((struct ip6t_entry *)(void *)e)->target_offset = (uint16_t)toff;
		((struct ip6t_entry *)(void *)e)->next_offset = (uint16_t)(toff + tsize);
	}
	*off = prog->blob_len;
	*len = toff + tsize;
	prog->blob_len += toff + tsize;
}

/* Split L in place at blanks. */
static int words(char *l, char **w, int max)
{
	int n = 0;

	for (char *s = strtok(l, " \t"); s; s = strtok(NULL, " \t")) {
		if (n == max)
			return -1;
		w[n++] = s;
	}
	return n;
}

static int line_rule(struct parser *p, char *l)
{
	char *w[128] = { NULL };
	int n = words(l, w, 128);
	struct rule r;
	struct iptr_rule *ir;
	int e;

	if (n < 0)
		return nope(p, "too many words");
	if (n < 2 || strcmp(w[0], "-A") != 0)
		return nope(p, "not an -A line");
	if (!table_builtin(p->table, w[1]) && !user_chain(p, w[1]))
		return nope(p, "chain '%s' not declared before", w[1]);
	memset(&r, 0, sizeof(r));
	r.af = p->af;
	e = rule_words(p, &r, w + 2, n - 2);
	if (e < 0)
		return e;
	/* As iptables: "The nat table is not intended for filtering". */
	if (strcmp(p->table->name, "nat") == 0 && strcmp(r.target, "DROP") == 0)
		return nope(p, "-j DROP in the nat table, which iptables refuses");
	/* As iptables: a packet coming in has no output interface yet, one
	 * going out no input interface (the kernel would take the rule, and
	 * it would never match). */
	if ((r.seen & O_OUT) && (strcmp(w[1], "PREROUTING") == 0 || strcmp(w[1], "INPUT") == 0))
		return nope(p, "-o in chain %s, which iptables refuses (no output interface there)", w[1]);
	if ((r.seen & O_IN) && (strcmp(w[1], "POSTROUTING") == 0 || strcmp(w[1], "OUTPUT") == 0))
		return nope(p, "-i in chain %s, which iptables refuses (no input interface there)", w[1]);
	p->prog->rules = xrealloc(p->prog->rules, p->prog->n_rules + 1, sizeof(*p->prog->rules));
	ir = &p->prog->rules[p->prog->n_rules++];
	memset(ir, 0, sizeof(*ir));
	str_copy(ir->chain, w[1], sizeof(ir->chain));
	ir->line = p->line;
	entry_emit(p->prog, &r, &ir->off, &ir->len);
	p->cur->n_rules++;
	return 0;
}

/* "[PACKETS:BYTES]", decimal. */
static bool counters(const char *s)
{
	size_t a, b;

	if (*s++ != '[')
		return false;
	a = strspn(s, "0123456789");
	if (!a || s[a] != ':')
		return false;
	s += a + 1;
	b = strspn(s, "0123456789");
	return b && s[b] == ']' && !s[b + 1];
}

static int line_chain(struct parser *p, char *l)
{
	char *w[4] = { NULL };
	int n = words(l + 1, w, 4);
	struct iptr_chain *c;
	bool builtin;

	if (n < 2 || n > 3)
		return nope(p, "a chain line is ':NAME POLICY [P:B]'");
	if (n == 3 && !counters(w[2]))
		return nope(p, "counters '%s'", w[2]);
	builtin = table_builtin(p->table, w[0]);
	if (builtin ? strcmp(w[1], "ACCEPT") != 0 && strcmp(w[1], "DROP") != 0 && strcmp(w[1], "-") != 0
		    : strcmp(w[1], "-") != 0)
		return nope(p, "policy '%s' of chain '%s'", w[1], w[0]);
	/* "standard": the name iptables gives the verdicts' target, which a
	 * jump to such a chain would load. */
	if (!builtin && (strlen(w[0]) > CHAIN_NAME_MAX || w[0][0] == '-' || w[0][0] == '!' || hook_name(w[0]) ||
			 verdict_label(w[0]) || strcmp(w[0], "REJECT") == 0 || strcmp(w[0], "standard") == 0 ||
			 match_by_name(p->af, w[0]) >= 0))
		return nope(p, "chain name '%s'", w[0]);
	for (size_t i = 0; i < p->cur->n_chains; i++)
		if (strcmp(p->prog->chains[p->cur->first_chain + i].name, w[0]) == 0)
			return nope(p, "chain '%s' declared twice", w[0]);
	p->prog->chains = xrealloc(p->prog->chains, p->prog->n_chains + 1, sizeof(*p->prog->chains));
	c = &p->prog->chains[p->prog->n_chains++];
	memset(c, 0, sizeof(*c));
	str_copy(c->name, w[0], sizeof(c->name));
	str_copy(c->policy, builtin && strcmp(w[1], "-") == 0 ? "" : w[1], sizeof(c->policy));
	c->line = p->line;
	p->cur->n_chains++;
	return 0;
}

static int line_table(struct parser *p, const char *name)
{
	struct iptr_table *t;

	if (p->table)
		return nope(p, "table '%s' begins before COMMIT", name);
	p->table = table_def_find(name);
	if (!p->table)
		return nope(p, "table '%s'", name);
	for (size_t i = 0; i < p->prog->n_tables; i++)
		if (strcmp(p->prog->tables[i].name, name) == 0)
			return nope(p, "table '%s' given twice", name);
	p->prog->tables = xrealloc(p->prog->tables, p->prog->n_tables + 1, sizeof(*p->prog->tables));
	t = &p->prog->tables[p->prog->n_tables++];
	memset(t, 0, sizeof(*t));
	str_copy(t->name, name, sizeof(t->name));
	t->line = p->line;
	t->first_chain = p->prog->n_chains;
	t->first_rule = p->prog->n_rules;
	p->cur = t;
	return 0;
}

static int line_one(struct parser *p, char *l)
{
	if (!*l || *l == '#')
		return 0;
	if (*l == '*')
		return line_table(p, l + 1);
	if (strcmp(l, "COMMIT") == 0) {
		if (!p->table)
			return nope(p, "COMMIT outside a table");
		p->table = NULL;
		p->cur = NULL;
		return 0;
	}
	if (!p->table)
		return nope(p, "a line outside a table");
	if (*l == ':')
		return line_chain(p, l);
	if (strncmp(l, "-A ", 3) == 0)
		return line_rule(p, l);
	return nope(p, "a line other than *table, :chain, -A or COMMIT");
}

void iptr_prog_free(struct iptr_prog *prog)
{
	free(prog->tables);
	free(prog->chains);
	free(prog->rules);
	free(prog->blob);
	memset(prog, 0, sizeof(*prog));
}

int iptr_parse(int af, const char *data, size_t len, struct iptr_prog *out, int *line, char *why, size_t whylen)
{
	struct parser p = { .af = af, .prog = out, .why = why, .whylen = whylen };
	char buf[LINE_MAX_LEN];
	int r = 0;

	memset(out, 0, sizeof(*out));
	*line = 0;
	why[0] = '\0';
	if (af != AF_INET && af != AF_INET6)
		return -EAFNOSUPPORT;
	for (size_t o = 0; o < len && r == 0;) {
		const char *start = data + o, *nl = memchr(start, '\n', len - o);
		size_t n = nl ? (size_t)(nl - start) : len - o;
		p.line++;
		o += n + (nl ? 1 : 0);
		if (n >= sizeof(buf)) {
			r = nope(&p, "a line too long");
			break;
		}
		memcpy(buf, start, n);
		buf[n] = '\0';
		size_t raw_n = n;
		/* Trailing blanks are nothing to iptables-restore either, but
		 * on COMMIT, on a line of blanks alone, and on a COMMIT without
		 * its newline restore fails. */
		while (n && (buf[n - 1] == ' ' || buf[n - 1] == '\t'))
			buf[--n] = '\0';
		if (buf[0] == '#')
			continue;
		if (raw_n && !n) {
			r = nope(&p, "a line of blanks alone");
			break;
		}
		if (strcmp(buf, "COMMIT") == 0 && (raw_n != n || !nl)) {
			r = nope(&p, "COMMIT with blanks after it, or without its newline");
			break;
		}
		if (strlen(buf) != n)
			r = nope(&p, "a NUL byte");
		else if (strpbrk(buf, "\"'\\\r"))
			r = nope(&p, "quoting, an escape or a carriage return");
		else if (strchr(buf, '#'))
			r = nope(&p, "a '#' after the start of a line");
		else if (buf[0] == ' ' || buf[0] == '\t')
			r = nope(&p, "blanks at the start of a line");
		else
			r = line_one(&p, buf);
	}
	if (r == 0 && p.table) {
		p.line++;
		r = nope(&p, "no COMMIT at the end");
	}
	if (r == 0 && out->n_tables == 0)
		r = nope(&p, "no table");
	if (r < 0) {
		*line = p.line;
		iptr_prog_free(out);
	}
	return r;
}
