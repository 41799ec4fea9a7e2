/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The oob namespace's packet filter (docs/firewall.md).
 *
 * One kernel interface, two ways in. A rule file that stays within what
 * iptrestore.c reads is committed through libiptc/libip6tc, as
 * iptables-restore would commit it; any other goes through the legacy
 * iptables-restore, so it may use any match or target the distribution's
 * iptables knows. Everything else oobd reads or writes itself (the
 * read-back, the built-in ruleset, emptying tables) goes through libiptc or
 * straight to the kernel, which needs no tools and works from an initramfs. Both talk to the kernel's
 * x_tables (the "legacy" backend, which is per network namespace), and both
 * run with the namespace as their network namespace: restore as a child
 * that did setns(), libiptc from this thread inside netns_call_in(), since
 * the raw socket libiptc opens belongs to the namespace it was made in.
 */
#include "firewall.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <dlfcn.h>
#include <libiptc/libip6tc.h>
#include <libiptc/libiptc.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/xt_conntrack.h>
#include <linux/netfilter/xt_multiport.h>
#include <linux/netfilter/xt_state.h>
#include <linux/netfilter/xt_tcpudp.h>
#include <net/if.h>

#include "iptrestore.h"
#include "filecheck.h"
#include "log.h"
#include "netns.h"
#include "notify.h"
#include "proc.h"
#include "sshd.h"
#include "util.h"
#include "xtables.h"

#define FW_FILE_MAX (1 << 20)
#define FW_OUTPUT_MAX ((size_t)64 * 1024)
/* restore waits up to 10 s for the xtables lock, which every legacy
 * iptables run on the host shares whatever its namespace. */
#define FW_RESTORE_WAIT "--wait=10"
#define FW_RESTORE_TIMEOUT_MS 30000
#define FW_LOCK_WAIT_MS 10000        /* as restore's --wait=10 */
#define FW_LOCK_DEFAULT "/run/xtables.lock"
/* The lock the restore tools are pointed at once the host's stayed held:
 * this namespace's own, which nothing else takes. */
#define FW_LOCK_PRIVATE OOBD_RUN_DIR "/xtables.lock"
#define FW_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/*
 * libiptc is needed only for what oobd writes itself: a file it read, the
 * built-in ruleset and emptying a table a file does not name; reading goes through
 * xtables.c. So it is loaded when first needed and let go of at the end of
 * that firewall update (libiptc_release): the daemon does not carry it
 * while idle. The libraries are libip4tc2 and libip6tc2, as the headers
 * oobd was built with describe them (soname 2).
 */
struct iptc_lib {
	const char *soname;
	const char *ops, *append, *delete_chain;  /* symbol names */
	void *dl;
	const struct xtc_ops *ops_p;
	int (*append_p)(const char *chain, const void *e, struct xtc_handle *h);
	int (*delete_chain_p)(const char *chain, struct xtc_handle *h);
};

static struct iptc_lib iptc_libs[FW__NFAMILIES] = {
	[FW_IPV4] = { "libip4tc.so.2", "iptc_ops", "iptc_append_entry", "iptc_delete_chain", NULL, NULL, NULL, NULL },
	[FW_IPV6] = { "libip6tc.so.2", "ip6tc_ops", "ip6tc_append_entry", "ip6tc_delete_chain", NULL, NULL, NULL, NULL },
};

struct family {
	const char *name;            /* for messages */
	int af;                      /* AF_INET, AF_INET6 */
	const char *key;             /* the [firewall] key */
	const char *restore, *save;  /* looked up in PATH */
	const char *module;
	const char *names_self;      /* the calling thread's namespace's tables */
	const char *names_any;       /* exists once the module is loaded */
	struct iptc_lib *lib;
};

static const struct family families[FW__NFAMILIES] = {
	[FW_IPV4] = { "IPv4", AF_INET, "ipv4", "iptables-legacy-restore", "iptables-legacy-save", "ip_tables",
		      "/proc/thread-self/net/ip_tables_names", "/proc/net/ip_tables_names", &iptc_libs[FW_IPV4] },
	[FW_IPV6] = { "IPv6", AF_INET6, "ipv6", "ip6tables-legacy-restore", "ip6tables-legacy-save", "ip6_tables",
		      "/proc/thread-self/net/ip6_tables_names", "/proc/net/ip6_tables_names", &iptc_libs[FW_IPV6] },
};

/* FA's libiptc, loaded if it is not yet: its ops, or NULL (why in ERR). */
static const struct xtc_ops *iptc(const struct family *fa, char *err, size_t errlen)
{
	struct iptc_lib *l = fa->lib;
	void *ops, *append, *del;

	if (l->ops_p)
		return l->ops_p;
	l->dl = dlopen(l->soname, RTLD_NOW | RTLD_LOCAL);
	if (!l->dl) {
		snprintf(err, errlen, "loading %s: %s", l->soname, dlerror());
		return NULL;
	}
	ops = dlsym(l->dl, l->ops);
	append = dlsym(l->dl, l->append);
	del = dlsym(l->dl, l->delete_chain);
	if (!ops || !append || !del) {
		snprintf(err, errlen, "%s lacks %s, %s or %s", l->soname, l->ops, l->append, l->delete_chain);
		dlclose(l->dl);
		l->dl = NULL;
		return NULL;
	}
	l->ops_p = ops;
	memcpy(&l->append_p, &append, sizeof(append)); /* data to function pointer, as dlsym() needs */
	memcpy(&l->delete_chain_p, &del, sizeof(del));
	return l->ops_p;
}

static void libiptc_release(void)
{
	for (int f = 0; f < FW__NFAMILIES; f++) {
		struct iptc_lib *l = &iptc_libs[f];
		if (!l->dl)
			continue;
		dlclose(l->dl);
		l->dl = NULL;
		l->ops_p = NULL;
		l->append_p = NULL;
		l->delete_chain_p = NULL;
	}
}

const char *firewall_family_name(enum fw_family f)
{
	return f < FW__NFAMILIES ? families[f].name : "?";
}

const char *firewall_source_name(enum fw_source s)
{
	switch (s) {
	case FW_SOURCE_FILE:
		return "file";
	case FW_SOURCE_FALLBACK:
		return "built-in";
	case FW_SOURCE_NONE:
		break;
	}
	return "none";
}

/* ---------------------------------------------------------------------- */
/* The built-in ruleset, as data.                                         */

const char *firewall_fallback_policy(const char *chain)
{
	if (strcmp(chain, "INPUT") == 0 || strcmp(chain, "FORWARD") == 0)
		return "DROP";
	if (strcmp(chain, "OUTPUT") == 0)
		return "ACCEPT";
	return NULL;
}

static void rule_add(struct fw_rule *out, int *n, const char *iniface, uint8_t proto, unsigned dport, int icmp_type,
		     unsigned state)
{
	struct fw_rule *r = &out[(*n)++];

	memset(r, 0, sizeof(*r));
	r->chain = "INPUT";
	str_copy(r->iniface, iniface ? iniface : "", sizeof(r->iniface));
	r->proto = proto;
	r->dport = (uint16_t)dport;
	r->icmp_type = icmp_type;
	r->state = state;
	r->target = "ACCEPT";
}

int firewall_fallback_rules(enum fw_family f, const struct firewall_allow *allow,
			    struct fw_rule out[FW_FALLBACK_MAX_RULES])
{
	int n = 0;

	rule_add(out, &n, "lo", 0, 0, -1, 0);
	rule_add(out, &n, NULL, 0, 0, -1, XT_CONNTRACK_STATE_BIT(IP_CT_ESTABLISHED) | XT_CONNTRACK_STATE_BIT(IP_CT_RELATED));
	if (f == FW_IPV4) {
		rule_add(out, &n, NULL, IPPROTO_ICMP, 0, 8 /* echo request */, 0);
	} else {
		rule_add(out, &n, NULL, IPPROTO_ICMPV6, 0, 128 /* echo request */, 0);
		/* Neighbour discovery (RFC 4861): router solicitation and
		 * advertisement, neighbour solicitation and advertisement,
		 * redirect. Conntrack does not track these (they are "invalid" to
		 * it), so only a rule by type lets them in. */
		for (int t = 133; t <= 137; t++)
			rule_add(out, &n, NULL, IPPROTO_ICMPV6, 0, t, 0);
	}
	for (int k = 0; k < allow->n_ssh_ports && k < FIREWALL_MAX_PORTS; k++)
		rule_add(out, &n, NULL, IPPROTO_TCP, allow->ssh_ports[k], -1, 0);
	if (f == FW_IPV4 && allow->dhcp4)
		rule_add(out, &n, NULL, IPPROTO_UDP, 68, -1, 0);
	if (f == FW_IPV6 && allow->dhcp6)
		rule_add(out, &n, NULL, IPPROTO_UDP, 546, -1, 0);
	return n;
}

static size_t match_put(unsigned char *p, const char *name, uint8_t revision, const void *data, size_t dlen)
{
	struct xt_entry_match *m = (struct xt_entry_match *)p;
	size_t size = XT_ALIGN(sizeof(*m) + dlen);

	m->u.user.match_size = (uint16_t)size;
	str_copy(m->u.user.name, name, sizeof(m->u.user.name));
	m->u.user.revision = revision;
	memcpy(m->data, data, dlen);
	return size;
}

/* The IP header part of the entry: input interface and protocol. */
static void entry_set_ip(enum fw_family f, void *buf, const struct fw_rule *r)
{
	size_t iflen = strlen(r->iniface);
	char *iface;
	unsigned char *mask;

	if (f == FW_IPV4) {
		struct ipt_entry *e = buf;
		iface = e->ip.iniface;
		mask = e->ip.iniface_mask;
		e->ip.proto = r->proto;
	} else {
		struct ip6t_entry *e = buf;
		iface = e->ipv6.iniface;
		mask = e->ipv6.iniface_mask;
		e->ipv6.proto = r->proto;
		/* Without the flag ip6_tables ignores the protocol. */
		if (r->proto)
			e->ipv6.flags |= IP6T_F_PROTO;
	}
	if (iflen) {
		str_copy(iface, r->iniface, IFNAMSIZ);
		/* As iptables does for "-i NAME": the name and its NUL, exactly. */
		memset(mask, 0xff, iflen + 1);
	}
}

static size_t entry_put_matches(enum fw_family f, const struct fw_rule *r, unsigned char *p)
{
	size_t off = 0;

	if (r->proto == IPPROTO_TCP) {
		struct xt_tcp t = { .spts = { 0, 0xffff }, .dpts = { r->dport, r->dport ? r->dport : 0xffff } };
		off += match_put(p + off, "tcp", 0, &t, sizeof(t));
	} else if (r->proto == IPPROTO_UDP) {
		struct xt_udp u = { .spts = { 0, 0xffff }, .dpts = { r->dport, r->dport ? r->dport : 0xffff } };
		off += match_put(p + off, "udp", 0, &u, sizeof(u));
	} else if (r->icmp_type >= 0 && f == FW_IPV4) {
		struct ipt_icmp i = { .type = (uint8_t)r->icmp_type, .code = { 0, 0xff } };
		off += match_put(p + off, "icmp", 0, &i, sizeof(i));
	} else if (r->icmp_type >= 0) {
		struct ip6t_icmp i = { .type = (uint8_t)r->icmp_type, .code = { 0, 0xff } };
		off += match_put(p + off, "icmp6", 0, &i, sizeof(i));
	}
	if (r->state) {
		/* conntrack revision 3, what "-m conntrack --ctstate" makes:
		 * iptables-save prints it, unlike the old "state" revision 0. */
		struct xt_conntrack_mtinfo3 c = { .match_flags = XT_CONNTRACK_STATE, .state_mask = (uint16_t)r->state };
		off += match_put(p + off, "conntrack", 3, &c, sizeof(c));
	}
	return off;
}

static bool rule_valid(enum fw_family f, const struct fw_rule *r)
{
	uint8_t icmp = f == FW_IPV4 ? IPPROTO_ICMP : IPPROTO_ICMPV6;

	if (!r->chain || !r->target || (strcmp(r->target, "ACCEPT") != 0 && strcmp(r->target, "DROP") != 0))
		return false;
	if (r->dport && r->proto != IPPROTO_TCP && r->proto != IPPROTO_UDP)
		return false;
	if (r->icmp_type >= 0 && (r->proto != icmp || r->icmp_type > 255))
		return false;
	return strlen(r->iniface) < IFNAMSIZ;
}

int firewall_entry_build(enum fw_family f, const struct fw_rule *r, void *buf, size_t len)
{
	size_t hdr = f == FW_IPV4 ? XT_ALIGN(sizeof(struct ipt_entry)) : XT_ALIGN(sizeof(struct ip6t_entry));
	size_t toff, size;
	unsigned char *p = buf;
	struct xt_standard_target *t;

	if (len < FW_ENTRY_MAX)
		return -ENOSPC;
	if (f >= FW__NFAMILIES || ((uintptr_t)buf % __alignof__(struct ip6t_entry)) || !rule_valid(f, r))
		return -EINVAL;
	memset(buf, 0, FW_ENTRY_MAX);
	entry_set_ip(f, buf, r);
	toff = hdr + entry_put_matches(f, r, p + hdr);
	t = (struct xt_standard_target *)(p + toff);
	t->target.u.user.target_size = XT_ALIGN(sizeof(*t));
	/* libiptc maps the label to the standard target and its verdict
	 * (and insists on exactly this target size). */
	str_copy(t->target.u.user.name, r->target, sizeof(t->target.u.user.name));
	t->verdict = strcmp(r->target, "ACCEPT") == 0 ? -NF_ACCEPT - 1 : -NF_DROP - 1;
	size = toff + XT_ALIGN(sizeof(*t));
	if (f == FW_IPV4) {
		((struct ipt_entry *)buf)->target_offset = (uint16_t)toff;
		((struct ipt_entry *)buf)->next_offset = (uint16_t)size;
	} else {
		((struct ip6t_entry *)buf)->target_offset = (uint16_t)toff;
		((struct ip6t_entry *)buf)->next_offset = (uint16_t)size;
	}
	return (int)size;
}

/* One line for the log: what the built-in ruleset lets in. */
static void fallback_describe(enum fw_family f, const struct firewall_allow *allow, char *buf, size_t len)
{
	size_t o = 0;

	o += (size_t)snprintf(buf, len, "INPUT and FORWARD drop, OUTPUT accept; in: lo, established/related, %s",
			      f == FW_IPV4 ? "icmp echo" : "icmpv6 echo and neighbour discovery");
	for (int k = 0; k < allow->n_ssh_ports && o < len; k++)
		o += (size_t)snprintf(buf + o, len - o, ", tcp %u (ssh)", allow->ssh_ports[k]);
	if (o < len && (f == FW_IPV4 ? allow->dhcp4 : allow->dhcp6))
		snprintf(buf + o, len - o, ", udp %d (dhcp)", f == FW_IPV4 ? 68 : 546);
}

/* ---------------------------------------------------------------------- */
/* What an iptables-restore file declares, and what restore says.        */

static char *word_next(char **s)
{
	char *w = *s + strspn(*s, " \t\r"), *end;

	if (!*w)
		return NULL;
	end = w + strcspn(w, " \t\r");
	if (*end)
		*end++ = '\0';
	*s = end;
	return w;
}

static struct fw_decl *decl_find(struct fw_decl *v, size_t n, const char *table, const char *chain)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].table, table) == 0 && strcmp(v[i].chain, chain) == 0)
			return &v[i];
	return NULL;
}

static void decl_set(struct fw_decl **v, size_t *n, const char *table, const char *chain, const char *policy,
		     int line)
{
	struct fw_decl *d = decl_find(*v, *n, table, chain);

	if (!d) {
		*v = xrealloc(*v, *n + 1, sizeof(**v));
		d = &(*v)[(*n)++];
		memset(d, 0, sizeof(*d));
		str_copy(d->table, table, sizeof(d->table));
		str_copy(d->chain, chain, sizeof(d->chain));
		d->line = line;
	}
	str_copy(d->policy, policy, sizeof(d->policy));
}

/* Drop the declarations of TABLE matching CHAIN ("" for all of the
 * table; NULL for its user chains). */
static void decl_drop(struct fw_decl *v, size_t *n, const char *table, const char *chain)
{
	size_t k = 0;

	for (size_t i = 0; i < *n; i++) {
		bool drop = strcmp(v[i].table, table) == 0 &&
			    (chain ? (!*chain || strcmp(v[i].chain, chain) == 0) : strcmp(v[i].policy, "-") == 0);
		if (!drop)
			v[k++] = v[i];
	}
	*n = k;
}

static void decl_line(char *l, int line, char *table, struct fw_decl **v, size_t *n)
{
	char *w, *a, *b;

	if (*l == '*') {
		str_copy(table, l + 1, 32);
		table[strcspn(table, " \t\r")] = '\0';
		decl_drop(*v, n, table, ""); /* a table given again replaces the earlier one */
		decl_set(v, n, table, "", "", line);
		return;
	}
	if (!*table)
		return;
	if (*l == ':') {
		l++;
		a = word_next(&l);
		b = word_next(&l);
		if (a)
			decl_set(v, n, table, a, b ? b : "-", line);
		return;
	}
	w = word_next(&l);
	if (!w)
		return;
	if (strcmp(w, "COMMIT") == 0) {
		table[0] = '\0';
	} else if (strcmp(w, "-N") == 0 || strcmp(w, "--new-chain") == 0) {
		if ((a = word_next(&l)))
			decl_set(v, n, table, a, "-", line);
	} else if (strcmp(w, "-X") == 0 || strcmp(w, "--delete-chain") == 0) {
		a = word_next(&l);
		decl_drop(*v, n, table, a ? a : NULL);
	} else if (strcmp(w, "-P") == 0 || strcmp(w, "--policy") == 0) {
		a = word_next(&l);
		b = word_next(&l);
		if (a && b)
			decl_set(v, n, table, a, b, line);
	} else if (strcmp(w, "-E") == 0 || strcmp(w, "--rename-chain") == 0) {
		struct fw_decl *d;
		a = word_next(&l);
		b = word_next(&l);
		if (a && b && (d = decl_find(*v, *n, table, a)))
			str_copy(d->chain, b, sizeof(d->chain));
	}
}

/* firewall_decls_parse(), returning the tables DATA commits, one per
 * "*table" line: a table given twice is committed twice, and restore may
 * fail at the second after the first is in place. */
static size_t decls_parse(const char *data, struct fw_decl **out, size_t *n)
{
	struct fw_decl *v = NULL;
	char table[32] = "", buf[512];
	int line = 0;
	size_t blocks = 0;

	*n = 0;
	/* Line by line in place: a ruleset is mostly "-A" lines, which declare
	 * nothing; only the others are copied out (declarations are short). */
	for (const char *l = data, *next; l; l = next) {
		size_t len;
		next = strchr(l, '\n');
		len = next ? (size_t)(next - l) : strlen(l);
		if (next)
			next++;
		line++;
		while (len && (*l == ' ' || *l == '\t')) {
			l++;
			len--;
		}
		if (!len || *l == '#' || (l[0] == '-' && len > 1 && l[1] == 'A' && (len == 2 || l[2] == ' ' || l[2] == '\t')))
			continue;
		blocks += *l == '*';
		if (len >= sizeof(buf))
			len = sizeof(buf) - 1;
		memcpy(buf, l, len);
		buf[len] = '\0';
		decl_line(buf, line, table, &v, n);
	}
	*out = v;
	return blocks;
}

int firewall_decls_parse(const char *data, struct fw_decl **out, size_t *n)
{
	decls_parse(data, out, n);
	return 0;
}

static bool decls_have_table(const struct fw_decl *v, size_t n, const char *table)
{
	for (size_t i = 0; v && i < n; i++) /* v: the analyzer loses track of v and n together */
		if (strcmp(v[i].table, table) == 0)
			return true;
	return false;
}

/* What an editor may have put in a rules file that iptables-restore
 * cannot read. */
#define FW_CR_WHY                                                                                      \
	"a carriage return ends the line (DOS line endings?), which iptables-restore reads as part of its " \
	"last word: dos2unix, or sed -i 's/\\r$//', removes them"
#define FW_BOM_WHY                                                                                       \
	"the file starts with a byte-order mark, which iptables-restore reads as part of the first line: save " \
	"the file as UTF-8 without BOM"

/* "iptables-restore v1.8.9 (legacy): iptables-restore: X" -> "X" */
static const char *strip_prog(const char *s)
{
	for (;;) {
		const char *c = strstr(s, ": ");
		if (!c || !memmem(s, (size_t)(c - s), "tables", 6) || !memmem(s, (size_t)(c - s), "restore", 7))
			return s;
		s = c + 2;
	}
}

/* Line N (from 1) of the text DATA, NULL when it has fewer (or N < 1);
 * its length without the newline into *LEN. */
static const char *line_at(const char *data, int n, size_t *len)
{
	const char *p = n > 0 ? data : NULL;

	for (int k = 1; p && k < n; k++) {
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	if (p)
		*len = strcspn(p, "\n");
	return p;
}

/* Line LINE of DATA, trimmed, into BUF. */
static void data_line(const char *data, int line, char *buf, size_t len)
{
	size_t n;
	const char *p = line_at(data, line, &n);

	buf[0] = '\0';
	if (!p)
		return;
	p += strspn(p, " \t");
	snprintf(buf, len, "%.*s", (int)strcspn(p, " \t\r\n"), p);
}

/* The first line of DATA, from line FROM (1 for any; LAST, the last one
 * to look at, 0 for no end), that a carriage return ends and that is no
 * comment; 0 for none. iptables-restore reads the carriage return as
 * part of the line's last word ("ACCEPT\r", "22\r"; a line of it alone is
 * no blank line): a file with DOS line endings fails at its first such
 * line. */
static int cr_line(const char *data, int from, int last)
{
	size_t n;
	const char *l = line_at(data, from, &n);

	for (int line = from; l && *l && (!last || line <= last); line++) {
		const char *end = l + n, *w = l + strspn(l, " \t");
		if (end > w && *w != '#' && end[-1] == '\r')
			return line;
		l = *end ? line_at(end + 1, 1, &n) : NULL;
	}
	return 0;
}

int firewall_restore_error(const char *path, const char *data, const char *output, char *buf, size_t len)
{
	_cleanup_free_ char *copy = xstrdup(output ? output : "");
	char msg[400] = "", first[32];
	int line = 0, k;
	/* restore quotes the word it failed at: a carriage return in what it
	 * says is one of the file's. */
	bool cr_said = strchr(copy, '\r') != NULL;

	/* Line numbers are read with sscanf (cert-err34-c, NOLINTed below): a
	 * number out of range only misplaces the line in the message. */
	for (char *l = copy, *next; l; l = next) {
		const char *m, *at;
		next = strchr(l, '\n');
		if (next)
			*next++ = '\0';
		l[strcspn(l, "\r")] = '\0';
		if (!*l || strncmp(l, "Try `", 5) == 0)
			continue;
		if (sscanf(l, "Error occurred at line: %d", &k) == 1) { /* NOLINT(cert-err34-c) */
			line = k;
			continue;
		}
		m = strip_prog(l);
		if (sscanf(m, "line %d failed", &k) == 1) { /* NOLINT(cert-err34-c) */
			/* restore's word for both a line it cannot take and a table
			 * the kernel refused when it was committed. */
			line = k;
			data_line(data ? data : "", k, first, sizeof(first));
			snprintf(msg, sizeof(msg), "%s",
				 strcmp(first, "COMMIT") == 0 ?
					 "the kernel refused the table committed here (a match or target it lacks, "
					 "or one not valid in this table or chain)" :
					 "not a line iptables-restore can apply");
		} else if ((at = strstr(m, " at line ")) && sscanf(at, " at line %d", &k) == 1) { /* NOLINT(cert-err34-c) */
			line = k;
			snprintf(msg, sizeof(msg), "%.*s", (int)(at - m), m);
		} else if ((at = strstr(m, " line ")) && sscanf(at, " line %d:", &k) == 1 && /* NOLINT(cert-err34-c) */
			   (at = strchr(at + 6, ':'))) {
			/* "Can't set policy `X' on `INPUT' line 3: Bad policy name" */
			line = k;
			snprintf(msg, sizeof(msg), "%.*s%s", (int)(strstr(m, " line ") - m), m, at);
		} else if (!*msg) {
			snprintf(msg, sizeof(msg), "%s", m);
		}
	}
	if (!*msg)
		snprintf(msg, sizeof(msg), "iptables-restore failed without saying why");
	/* restore's own words hide the carriage return ("invalid port/service
	 * `22' specified"): said instead when restore quoted one, at the line
	 * it failed at (or, with none said, the first one a carriage return
	 * ends), and when the line it failed at is a carriage return alone,
	 * which it says nothing of ("line 18 failed"). A line it failed at for
	 * another reason ("Can't set policy `BOGUS'") keeps restore's words. */
	if (cr_said && (k = cr_line(data ? data : "", line > 0 ? line : 1, line)) > 0) {
		line = k;
		snprintf(msg, sizeof(msg), "%s", FW_CR_WHY);
	} else if (line > 0 && (k = cr_line(data ? data : "", line, line)) > 0) {
		data_line(data ? data : "", line, first, sizeof(first));
		if (!*first) {
			line = k;
			snprintf(msg, sizeof(msg), "%s", FW_CR_WHY);
		}
	}
	/* A character pasted with the text that a terminal shows as a space
	 * or as nothing ("unknown option "--dport 22"" with a no-break space):
	 * written <U+XXXX> in restore's words, and named. */
	{
		char shown[sizeof(msg) + 64], hint[160] = "";
		size_t n;
		const char *at = data ? line_at(data, line, &n) : NULL;
		if (at)
			invisible_hint(at, n, hint, sizeof(hint));
		str_visible(msg, sizeof(msg), shown, sizeof(shown), NULL);
		if (line > 0)
			snprintf(buf, len, "%s:%d: %s%s", path, line, shown, hint);
		else
			snprintf(buf, len, "%s: %s", path, shown);
	}
	return line;
}

/* ---------------------------------------------------------------------- */
/* Helper programs.                                                        */

/* PATH decides, so a system without the legacy tools (an initramfs) and
 * one that hides them behave the same: the built-in ruleset. Relative
 * entries are ignored; a daemon running as root has no business in ".". */
static int program_find(const char *name, char *out, size_t len)
{
	const char *path = getenv("PATH");

	if (!path || !*path)
		path = FW_DEFAULT_PATH;
	for (const char *p = path;;) {
		const char *colon = strchrnul(p, ':');
		int dl = (int)(colon - p);
		if (*p == '/' && snprintf(out, len, "%.*s/%s", dl, p, name) < (int)len && access(out, X_OK) == 0)
			return 0;
		if (!*colon)
			break;
		p = colon + 1;
	}
	out[0] = '\0';
	return -ENOENT;
}

static int memfd_with(const char *data, size_t len)
{
	int fd = memfd_create("oobd-rules", MFD_CLOEXEC);

	if (fd < 0)
		return -errno;
	for (size_t o = 0; o < len;) {
		ssize_t w = write(fd, data + o, len - o);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			int e = errno;
			close(fd);
			return -e;
		}
		o += (size_t)w;
	}
	if (lseek(fd, 0, SEEK_SET) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

/* The host's xtables lock stayed held for FW_LOCK_WAIT_MS in this
 * firewall update: the rest of it does not wait for it again. */
static bool lock_stuck;

/* Start PROG (a restore tool) inside NSFD, its stdin the memory file FD
 * (from its start): the content hashed is the content applied, whatever
 * happens to the file meanwhile. Once the host's lock is known to be stuck,
 * the tool takes a lock of oobd's own instead (XTABLES_LOCKFILE). */
static int restore_start_fd(const char *prog, int nsfd, int fd, bool test, struct proc_job *job)
{
	char *argv[] = { (char *)prog, FW_RESTORE_WAIT, test ? "--test" : NULL, NULL };
	_cleanup_free_ char **envp = NULL;
	size_t n = 0;

	if (lseek(fd, 0, SEEK_SET) < 0)
		return -errno;
	if (lock_stuck) {
		while (environ[n])
			n++;
		envp = xcalloc(n + 2, sizeof(*envp));
		n = 0;
		for (char **e = environ; *e; e++)
			if (strncmp(*e, "XTABLES_LOCKFILE=", 17) != 0)
				envp[n++] = *e;
		envp[n++] = (char *)"XTABLES_LOCKFILE=" FW_LOCK_PRIVATE;
	}
	return proc_start_env(job, argv, envp, nsfd, fd, FW_OUTPUT_MAX, FW_RESTORE_TIMEOUT_MS);
}

static int restore_run_fd(const char *prog, int nsfd, int fd, bool test, struct proc_result *res)
{
	struct proc_job job;
	int r = restore_start_fd(prog, nsfd, fd, test, &job);

	return r < 0 ? r : proc_finish(&job, res);
}

/* The namespace's current tables in restore format, or NULL (logged). */
static char *ruleset_save(const struct family *fa, int nsfd)
{
	char prog[PATH_MAX];
	struct proc_result res = { 0 }; /* proc_run fills it; the analyzer cannot see that */
	int r = program_find(fa->save, prog, sizeof(prog));
	char *argv[] = { prog, NULL };

	if (r == 0)
		r = proc_run(argv, nsfd, -1, FW_FILE_MAX, FW_RESTORE_TIMEOUT_MS, &res);
	if (r < 0) {
		log_warn("firewall %s: cannot save the rules in place (%s: %s); a failed reload of a multi-table "
			 "file cannot be rolled back", fa->name, fa->save, strerror(-r));
		return NULL;
	}
	if (!proc_ok(&res)) {
		log_warn("firewall %s: %s failed: %s", fa->name, fa->save, res.out);
		proc_result_free(&res);
		return NULL;
	}
	return steal_pointer(&res.out);
}

static void fnv64_hex(const char *data, size_t len, char out[17])
{
	snprintf(out, 17, "%016llx", fnv64_add_words(FNV64_INIT, data, len));
}

/* ---------------------------------------------------------------------- */
/* libiptc, always called with the thread inside the namespace.           */

struct ns_job {
	const struct family *fa;
	enum fw_family f;
	const struct fw_rule *rules;     /* fallback */
	int n_rules;
	const struct fw_decl *decls;     /* verify; tables to keep */
	size_t n_decls;
	const char *path;
	bool filter_done;                /* fallback: the filter table is committed */
	unsigned long long fingerprint;  /* job_fingerprint */
	char err[512];
};

static int iptc_errno(void)
{
	return errno ? -errno : -EIO;
}

/* The chain names of H, every one however many (*N), copied out (malloc'ed):
 * changing H moves libiptc's iterator. */
static xt_chainlabel *chains_list(const struct xtc_ops *ops, struct xtc_handle *h, size_t *n)
{
	xt_chainlabel *v = NULL;
	size_t cap = 0;

	*n = 0;
	for (const char *c = ops->first_chain(h); c; c = ops->next_chain(h)) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 64;
			v = xrealloc(v, cap, sizeof(*v));
		}
		str_copy(v[(*n)++], c, sizeof(v[0]));
	}
	return v;
}

/* Flush every chain of H, delete the user-defined ones, and set the
 * built-in ones' policy to POLICY(chain) (POLICY NULL: leave them).
 * Not committed. */
static int handle_empty(const struct family *fa, struct xtc_handle *h, const char *(*policy)(const char *),
			char *err, size_t errlen)
{
	const struct xtc_ops *ops = fa->lib->ops_p; /* loaded: H came from it */
	size_t n;
	xt_chainlabel *chains = chains_list(ops, h, &n);
	int r = 0;

	for (size_t i = 0; i < n && r == 0; i++)
		if (!ops->flush_entries(chains[i], h))
			r = iptc_errno();
	for (size_t i = 0; i < n && r == 0; i++) {
		if (ops->builtin(chains[i], h)) {
			if (!policy)
				continue; /* as iptables-restore: policies stay unless declared */
			const char *p = policy(chains[i]);
			if (!ops->set_policy(chains[i], p ? p : "ACCEPT", NULL, h))
				r = iptc_errno();
		} else if (!fa->lib->delete_chain_p(chains[i], h)) {
			r = iptc_errno();
		}
		if (r < 0)
			snprintf(err, errlen, "chain %s: %s", chains[i], ops->strerror(-r));
	}
	if (r < 0 && !*err)
		snprintf(err, errlen, "flushing: %s", ops->strerror(-r));
	free(chains);
	return r;
}

static const char *policy_accept(const char *chain)
{
	(void)chain;
	return "ACCEPT";
}

/* Empty TABLE (no rules, no user chains, ACCEPT policies): what the table
 * is before anyone loads it. */
static int table_reset(const struct family *fa, const char *table, char *err, size_t errlen)
{
	const struct xtc_ops *ops = iptc(fa, err, errlen);
	struct xtc_handle *h;
	int r;

	if (!ops)
		return -ENOENT;
	h = ops->init(table);
	if (!h) {
		r = iptc_errno();
		snprintf(err, errlen, "table %s: %s", table, ops->strerror(-r));
		return r;
	}
	r = handle_empty(fa, h, policy_accept, err, errlen);
	if (r == 0 && !ops->commit(h)) {
		r = iptc_errno();
		snprintf(err, errlen, "table %s: commit: %s", table, ops->strerror(-r));
	}
	ops->free(h);
	return r;
}

/* Reset every table of the namespace that J's declarations do not name
 * (and, with no declarations, every table but filter). */
static int job_reset_others(void *arg)
{
	struct ns_job *j = arg;
	_cleanup_free_ char *names = NULL;
	int r = read_file(j->fa->names_self, &names, NULL, 1 << 16), first = 0;

	if (r < 0) {
		snprintf(j->err, sizeof(j->err), "reading %s: %s", j->fa->names_self, strerror(-r));
		return r;
	}
	for (char *t = names, *next; t && *t; t = next) {
		next = strchr(t, '\n');
		if (next)
			*next++ = '\0';
		bool keep = j->decls ? decls_have_table(j->decls, j->n_decls, t) : strcmp(t, "filter") == 0;
		if (!*t || keep)
			continue;
		r = table_reset(j->fa, t, j->err, sizeof(j->err));
		if (r < 0 && !first)
			first = r;
	}
	return first;
}

static int job_fallback(void *arg)
{
	struct ns_job *j = arg;
	const struct xtc_ops *ops = iptc(j->fa, j->err, sizeof(j->err));
	unsigned char entry[FW_ENTRY_MAX] __attribute__((aligned(8)));
	struct xtc_handle *h;
	int r;

	if (!ops)
		return -ENOENT;
	h = ops->init("filter");
	if (!h) {
		r = iptc_errno();
		snprintf(j->err, sizeof(j->err), "table filter: %s", ops->strerror(-r));
		return r;
	}
	r = handle_empty(j->fa, h, firewall_fallback_policy, j->err, sizeof(j->err));
	for (int i = 0; i < j->n_rules && r == 0; i++) {
		r = firewall_entry_build(j->f, &j->rules[i], entry, sizeof(entry));
		if (r >= 0)
			r = j->fa->lib->append_p(j->rules[i].chain, entry, h) ? 0 : iptc_errno();
		if (r < 0)
			snprintf(j->err, sizeof(j->err), "rule %d of chain %s: %s", i + 1, j->rules[i].chain,
				 ops->strerror(-r));
	}
	if (r == 0 && !ops->commit(h)) {
		r = iptc_errno();
		snprintf(j->err, sizeof(j->err), "table filter: commit: %s", ops->strerror(-r));
	}
	ops->free(h);
	if (r < 0)
		return r;
	j->filter_done = true;
	/* Whatever else a broken file left (a raw NOTRACK, a nat redirect)
	 * is not part of the built-in ruleset. */
	j->decls = NULL;
	return job_reset_others(j);
}

/* A file oobd read itself (iptrestore.c), committed as iptables-restore
 * would: per table, every chain flushed and the user chains deleted, the
 * declared chains created and policies set (their counters zeroed), the
 * rules appended, one commit. */
struct inproc_job {
	const struct family *fa;
	const struct iptr_prog *prog;
	size_t committed;            /* tables committed */
	int line;                    /* of what failed */
	char err[512];
};

static int inproc_table(struct inproc_job *j, const struct xtc_ops *ops, const struct iptr_table *t)
{
	const struct iptr_prog *p = j->prog;
	struct xtc_handle *h = ops->init(t->name);
	int r;

	j->line = t->line;
	if (!h) {
		r = iptc_errno();
		snprintf(j->err, sizeof(j->err), "table %s: %s", t->name, ops->strerror(-r));
		return r;
	}
	r = handle_empty(j->fa, h, NULL, j->err, sizeof(j->err));
	for (size_t i = 0; i < t->n_chains && r == 0; i++) {
		const struct iptr_chain *c = &p->chains[t->first_chain + i];
		struct xt_counters zero = { 0, 0 };
		j->line = c->line;
		if (strcmp(c->policy, "-") == 0)
			r = ops->create_chain(c->name, h) ? 0 : iptc_errno();
		else if (c->policy[0])
			r = ops->set_policy(c->name, c->policy, &zero, h) ? 0 : iptc_errno();
		if (r < 0)
			snprintf(j->err, sizeof(j->err), "chain %s: %s", c->name, ops->strerror(-r));
	}
	for (size_t i = 0; i < t->n_rules && r == 0; i++) {
		const struct iptr_rule *ru = &p->rules[t->first_rule + i];
		j->line = ru->line;
		r = j->fa->lib->append_p(ru->chain, p->blob + ru->off, h) ? 0 : iptc_errno();
		if (r < 0)
			snprintf(j->err, sizeof(j->err), "%s", ops->strerror(-r));
	}
	if (r == 0) {
		j->line = t->line;
		if (!ops->commit(h)) {
			r = iptc_errno();
			snprintf(j->err, sizeof(j->err), "table %s: commit: %s", t->name, ops->strerror(-r));
		}
	}
	ops->free(h);
	return r;
}

static int job_inproc(void *arg)
{
	struct inproc_job *j = arg;
	const struct xtc_ops *ops = iptc(j->fa, j->err, sizeof(j->err));
	int r = 0;

	if (!ops)
		return -ENOENT;
	for (size_t t = 0; t < j->prog->n_tables && r == 0; t++) {
		r = inproc_table(j, ops, &j->prog->tables[t]);
		if (r == 0)
			j->committed++;
	}
	return r;
}

/* The chains and policies T declares, in V (the table as read back). */
static int verify_table(struct ns_job *j, const struct fw_decl *t, const struct xt_table_view *v)
{
	for (size_t k = 0; k < j->n_decls; k++) {
		const struct fw_decl *d = &j->decls[k];
		const struct xt_chain_view *c;
		if (!d->chain[0] || strcmp(d->table, t->table) != 0)
			continue;
		c = xt_table_chain(v, d->chain);
		if (!c) {
			snprintf(j->err, sizeof(j->err), "%s:%d: chain %s of table %s is missing after the restore",
				 j->path, d->line, d->chain, d->table);
			return -EPROTO;
		}
		/* "-": restore leaves a built-in chain's policy as it is. */
		if (c->builtin && strcmp(d->policy, "-") != 0 && strcmp(c->policy, d->policy) != 0) {
			snprintf(j->err, sizeof(j->err), "%s:%d: the policy of %s in table %s is %s, not %s", j->path,
				 d->line, d->chain, d->table, c->policy[0] ? c->policy : "unknown", d->policy);
			return -EPROTO;
		}
	}
	return 0;
}

/* Is WORD one of the lines of TEXT? */
static bool line_in(const char *text, const char *word)
{
	size_t n = strlen(word);

	for (const char *l = text; *l; l += strcspn(l, "\n") + (l[strcspn(l, "\n")] ? 1 : 0))
		if (strncmp(l, word, n) == 0 && (l[n] == '\n' || l[n] == '\0'))
			return true;
	return false;
}

static const struct fw_decl *decl_table(const struct ns_job *j, const char *table)
{
	for (size_t i = 0; i < j->n_decls; i++)
		if (!j->decls[i].chain[0] && strcmp(j->decls[i].table, table) == 0)
			return &j->decls[i];
	return NULL;
}

/*
 * The tables a packet to or from sshd crosses (syn_check), as far as the
 * namespace has them, each read straight from the kernel.
 */
enum { WT_RAW, WT_MANGLE, WT_NAT, WT_FILTER, WT_SECURITY, WT__N };
static const char *const walk_table_names[WT__N] = { "raw", "mangle", "nat", "filter", "security" };

struct walk_tables {
	struct xt_table_view v[WT__N];
	bool has[WT__N];
};

static int walk_table_index(const char *name)
{
	for (int i = 0; i < WT__N; i++)
		if (strcmp(name, walk_table_names[i]) == 0)
			return i;
	return -1;
}

static void walk_tables_free(struct walk_tables *t)
{
	for (int i = 0; i < WT__N; i++)
		if (t->has[i])
			xt_table_view_free(&t->v[i]);
	memset(t, 0, sizeof(*t));
}

/* FA's walk tables that the calling thread's namespace has (a table is
 * not asked for by name when it is not there: the kernel would make it). */
static int walk_tables_read(const struct family *fa, struct walk_tables *t)
{
	_cleanup_free_ char *names = NULL;
	int r = read_file(fa->names_self, &names, NULL, 1 << 16);

	memset(t, 0, sizeof(*t));
	for (int i = 0; r >= 0 && i < WT__N; i++) {
		if (!line_in(names, walk_table_names[i]))
			continue;
		r = xt_table_read(fa->af, walk_table_names[i], &t->v[i]);
		t->has[i] = r >= 0;
	}
	if (r < 0)
		walk_tables_free(t);
	return r < 0 ? r : 0;
}

/* The walk tables of each family as last read while firewall_keep_tables
 * is on (see firewall.h). Every table read and commit runs in the main
 * thread (netns_call_in); restores are other processes. */
static bool keep_tables;
static struct walk_tables kept[FW__NFAMILIES];
static bool kept_has[FW__NFAMILIES];

static void kept_drop(int f)
{
	walk_tables_free(&kept[f]);
	kept_has[f] = false;
}

static int family_index(const struct family *fa)
{
	return fa == &families[FW_IPV4] ? FW_IPV4 : FW_IPV6;
}

void firewall_keep_tables(bool on)
{
	keep_tables = on;
	for (int f = 0; f < FW__NFAMILIES; f++)
		kept_drop(f);
}

/*
 * Every table of the family in the namespace, read once straight from the
 * kernel (xtables.c: one buffer and one walk, where libiptc would build a
 * structure per rule). With declarations (J->decls, a file just applied),
 * every table, chain and policy they name must be there. Either way
 * J->fingerprint gets each table's name and ruleset hash, in the kernel's
 * order: what a reload compares to tell whether anything changed since.
 */
static int tables_scan(struct ns_job *j)
{
	struct walk_tables keep = { 0 };
	_cleanup_free_ char *names = NULL;
	unsigned long long h = FNV64_INIT;
	int r = read_file(j->fa->names_self, &names, NULL, 1 << 16);

	j->fingerprint = 0;
	/* What was kept describes the tables before this read: a read that
	 * fails leaves nothing kept. */
	if (keep_tables)
		kept_drop(family_index(j->fa));
	if (r < 0) {
		snprintf(j->err, sizeof(j->err), "reading %s: %s", j->fa->names_self, strerror(-r));
		return r;
	}
	for (size_t i = 0; i < j->n_decls; i++) {
		const struct fw_decl *d = &j->decls[i];
		if (d->chain[0] || line_in(names, d->table))
			continue;
		snprintf(j->err, sizeof(j->err), "%s:%d: table %s is not in the kernel after the restore", j->path,
			 d->line, d->table);
		return -EPROTO;
	}
	for (const char *l = names; *l; l += strcspn(l, "\n") + (l[strcspn(l, "\n")] ? 1 : 0)) {
		char t[XT_TABLE_MAXNAMELEN];
		const struct fw_decl *d;
		struct xt_table_view v;
		size_t len = strcspn(l, "\n");
		int wi;
		if (!len || len >= sizeof(t))
			continue;
		memcpy(t, l, len);
		t[len] = '\0';
		r = xt_table_read(j->fa->af, t, &v);
		if (r < 0) {
			snprintf(j->err, sizeof(j->err), "table %s: %s", t, strerror(-r));
			walk_tables_free(&keep);
			return r;
		}
		d = decl_table(j, t);
		r = d ? verify_table(j, d, &v) : 0;
		h = fnv64_add(h, t, len + 1);
		h = fnv64_add(h, &v.hash, sizeof(v.hash));
		wi = walk_table_index(t);
		if (r == 0 && keep_tables && wi >= 0 && !keep.has[wi]) {
			keep.v[wi] = v;
			keep.has[wi] = true;
		} else {
			xt_table_view_free(&v);
		}
		if (r < 0) {
			walk_tables_free(&keep);
			return r;
		}
	}
	/* Kept only from a scan that verified: a refused file is rolled back. */
	if (keep_tables) {
		int f = family_index(j->fa);
		kept[f] = keep;
		kept_has[f] = true;
	}
	j->fingerprint = h ? h : 1;
	return 0;
}

static int job_verify(void *arg)
{
	return tables_scan(arg);
}

static int job_fingerprint(void *arg)
{
	struct ns_job *j = arg;

	j->decls = NULL;
	j->n_decls = 0;
	return tables_scan(j);
}

/*
 * The lock every legacy iptables program takes around a change (a flock on
 * $XTABLES_LOCKFILE, else /run/xtables.lock), one for the whole host: taken
 * around oobd's own libiptc commits too, so that a change made at the same
 * moment (by hand in the namespace, or by the host's firewall tools, which
 * share the lock) is neither lost nor overwritten. Waits as restore does.
 *
 * The lock is one for every namespace, but tables are each namespace's
 * own: a holder that does not let go within the wait (a firewall script of
 * the main system that hangs, on the day everything else is broken) works
 * on other tables, or is stuck. The out-of-band path must not wait for it:
 * the change goes ahead without the lock (what is committed is read back
 * and checked, as always), and the rest of this firewall update does not
 * wait again (lock_stuck; the restore tools get a lock of their own).
 * The fd to close, or -errno when going ahead unlocked (also when the file
 * cannot be opened at all, with no /run).
 */
static void lock_give_up(const char *path)
{
	if (!lock_stuck)
		log_warn("the xtables lock (%s) stayed held by another program for %d s; changing the namespace's "
			 "rules without it for the rest of this update (it orders the host's iptables programs, and "
			 "the namespace's tables are its own)", path, FW_LOCK_WAIT_MS / 1000);
	lock_stuck = true;
}

static int xtables_lock(void)
{
	const char *env = getenv("XTABLES_LOCKFILE"), *path = env && *env ? env : FW_LOCK_DEFAULT;
	int fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC, 0600);
	long long end = now_ms() + (lock_stuck ? 0 : FW_LOCK_WAIT_MS);

	if (fd < 0)
		return -errno;
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		struct timespec ts = { 0, 10 * 1000000L };
		if ((errno != EWOULDBLOCK && errno != EINTR) || now_ms() >= end) {
			int e = errno == EINTR ? EWOULDBLOCK : errno;
			close(fd);
			if (e == EWOULDBLOCK)
				lock_give_up(path);
			return -e;
		}
		nanosleep(&ts, NULL);
		notify_watchdog_keepalive();
	}
	return fd;
}

/* FN(ARG) in the namespace. ERR is FN's to fill (it starts empty); when it
 * stays empty on a failure, it says why. */
static int ns_call(int nsfd, int (*fn)(void *), void *arg, char *err, size_t errlen)
{
	int r;

	err[0] = '\0';
	r = netns_call_in(nsfd, fn, arg);
	if (r < 0 && !err[0])
		snprintf(err, errlen, "entering the namespace: %s", strerror(-r));
	return r;
}

/* The same with the xtables lock held: for what writes. */
static int ns_call_locked(int nsfd, int (*fn)(void *), void *arg, char *err, size_t errlen)
{
	int lock = xtables_lock(), r;

	r = ns_call(nsfd, fn, arg, err, errlen);
	if (lock >= 0)
		close(lock);
	return r;
}

static int job_run(int nsfd, int (*fn)(void *), struct ns_job *j)
{
	return ns_call(nsfd, fn, j, j->err, sizeof(j->err));
}

static int job_run_locked(int nsfd, int (*fn)(void *), struct ns_job *j)
{
	/* A change: what was kept of the family's tables may no longer be. */
	kept_drop(family_index(j->fa));
	return ns_call_locked(nsfd, fn, j, j->err, sizeof(j->err));
}

/* ---------------------------------------------------------------------- */
/* Applying.                                                               */

static bool ipv6_available(void)
{
	return access("/proc/sys/net/ipv6", F_OK) == 0;
}

/* libiptc loads nothing: where x_tables are modules, load ip_tables and
 * ip6_tables with the kernel's own modprobe (the kernel itself loads the
 * table, match and target modules on first use). */
static void modules_ensure(void)
{
	for (int f = 0; f < FW__NFAMILIES; f++) {
		const struct family *fa = &families[f];
		_cleanup_free_ char *modprobe = NULL;
		struct proc_result res;
		int r;

		if (access(fa->names_any, F_OK) == 0 || (f == FW_IPV6 && !ipv6_available()))
			continue;
		if (read_file("/proc/sys/kernel/modprobe", &modprobe, NULL, 4096) < 0)
			modprobe = xstrdup("/sbin/modprobe");
		modprobe[strcspn(modprobe, "\n")] = '\0';
		char *argv[] = { modprobe, "-q", "--", (char *)fa->module, NULL };
		r = *modprobe ? proc_run(argv, -1, -1, 4096, FW_RESTORE_TIMEOUT_MS, &res) : -ENOENT;
		if (r < 0) {
			log_err("firewall %s: kernel module %s is not loaded, and running %s failed: %s", fa->name,
				fa->module, *modprobe ? modprobe : "modprobe", strerror(-r));
			continue;
		}
		if (proc_ok(&res) && access(fa->names_any, F_OK) == 0)
			log_notice("firewall %s: loaded kernel module %s", fa->name, fa->module);
		else
			log_err("firewall %s: loading kernel module %s failed: %s", fa->name, fa->module,
				*res.out ? res.out : "no x_tables support in this kernel?");
		proc_result_free(&res);
	}
}

static int fallback_apply(const struct family *fa, enum fw_family f, int nsfd, const struct firewall_allow *allow,
			  struct firewall_family_state *fs, const char *why, int level)
{
	struct fw_rule rules[FW_FALLBACK_MAX_RULES];
	struct ns_job j = { .fa = fa, .f = f, .rules = rules };
	char desc[256];
	int r;

	j.n_rules = firewall_fallback_rules(f, allow, rules);
	fallback_describe(f, allow, desc, sizeof(desc));
	log_msg(level, "firewall %s: %s; installing the built-in ruleset: %s", fa->name, why, desc);
	r = job_run_locked(nsfd, job_fallback, &j);
	if (r < 0 && j.filter_done) {
		/* The filter table is in place; only emptying another failed. */
		log_warn("firewall %s: built-in ruleset in place, but emptying another table failed: %s", fa->name,
			 j.err);
		r = 0;
	}
	if (r < 0) {
		log_err("firewall %s: the built-in ruleset could not be committed: %s", fa->name, j.err);
		snprintf(fs->last_error, sizeof(fs->last_error), "built-in ruleset: %.490s", j.err);
		return r;
	}
	fs->source = FW_SOURCE_FALLBACK;
	fs->applied_by[0] = '\0';
	fs->handover[0] = '\0';
	fs->path[0] = '\0';
	fs->hash[0] = '\0';
	fs->since = (long long)time(NULL);
	str_copy(fs->why, why, sizeof(fs->why));
	fs->last_error[0] = '\0';
	fs->kernel_hash = job_run(nsfd, job_fingerprint, &j) == 0 ? j.fingerprint : 0;
	return 0;
}

/* After a failed restore on reload: put back what SNAPSHOT held and empty
 * the tables the failed file created. True when the previous ruleset is
 * known to be in place again. */
static bool rollback(const struct family *fa, int nsfd, const char *snapshot)
{
	char prog[PATH_MAX];
	_cleanup_free_ struct fw_decl *decls = NULL;
	struct ns_job j = { .fa = fa };
	struct proc_result res = { 0 }; /* proc_run fills it; the analyzer cannot see that */
	int r = program_find(fa->restore, prog, sizeof(prog));

	if (r == 0) {
		_cleanup_close_ int fd = memfd_with(snapshot, strlen(snapshot));
		r = fd < 0 ? fd : restore_run_fd(prog, nsfd, fd, false, &res);
	}
	if (r < 0) {
		log_err("firewall %s: rolling back: %s", fa->name, strerror(-r));
		return false;
	}
	if (!proc_ok(&res)) {
		log_err("firewall %s: rolling back: %s", fa->name, res.out);
		proc_result_free(&res);
		return false;
	}
	proc_result_free(&res);
	firewall_decls_parse(snapshot, &decls, &j.n_decls);
	j.decls = decls;
	/* An empty table behaves as an absent one: nothing there before. */
	if (job_run_locked(nsfd, job_reset_others, &j) < 0) {
		log_err("firewall %s: rolling back: %s", fa->name, j.err);
		return false;
	}
	log_notice("firewall %s: previous ruleset restored", fa->name);
	return true;
}

/*
 * One family's part of an apply. Its restore runs as a child while the
 * caller goes on (the other family's restore, the kernel moving the NIC);
 * firewall_finish() joins it.
 */
struct fw_family_run {
	bool active;                 /* this family is to be put in place */
	const char *path;            /* the configured file, or NULL: built-in */
	struct file_copy copy;       /* its content, as applied */
	struct fw_decl *decls;
	size_t n_decls;
	size_t n_blocks;             /* tables it commits in turn: its "*table" lines */
	char *snapshot;              /* what was in place, for a rollback */
	struct proc_job job;         /* the restore, while it runs */
	int r;                       /* 0, or why the file cannot be applied */
	char hash[17];               /* of DATA: FNV-1a 64, hex */
	bool unchanged;              /* what is in the kernel is this file, as applied */
	bool inproc;                 /* oobd read it and committed it itself: no restore runs */
	bool partial;                /* ... but only some of its tables, then failed */
	char handover[300];          /* why restore applies it: "line N: reason" */
	char why[512];
};

struct firewall_run {
	int nsfd;
	int r;                       /* the namespace could not be looked at */
	struct fw_family_run fam[FW__NFAMILIES];
};

/* Apply FR's file through libiptc when oobd reads all of it itself
 * (iptrestore.c). 0 when it is in place; otherwise the reason is logged and
 * restore is to apply the file (or say what is wrong with it). A file of
 * several tables may have had some committed: restore replaces them. */
static int inproc_apply(const struct family *fa, int nsfd, struct fw_family_run *fr)
{
	struct iptr_prog prog;
	struct inproc_job j = { .fa = fa, .prog = &prog };
	char why[256];
	int line, r = iptr_parse(fa->af, fr->copy.data, fr->copy.len, &prog, &line, why, sizeof(why));

	if (r < 0) {
		log_info("firewall %s: %s:%d: %s; applying it with %s", fa->name, fr->path, line, why, fa->restore);
		snprintf(fr->handover, sizeof(fr->handover), "line %d: %s", line, why);
		return r;
	}
	kept_drop(family_index(fa));
	r = ns_call_locked(nsfd, job_inproc, &j, j.err, sizeof(j.err));
	if (r < 0) {
		char at[24] = "";

		/* Line 0: nothing of one line (entering the namespace...). */
		if (j.line > 0)
			snprintf(at, sizeof(at), ":%d", j.line);
		log_info("firewall %s: %s%s: %s; applying it with %s", fa->name, fr->path, at, j.err, fa->restore);
		if (j.line > 0)
			snprintf(fr->handover, sizeof(fr->handover), "line %d: %.250s", j.line, j.err);
		else
			snprintf(fr->handover, sizeof(fr->handover), "%.250s", j.err);
		fr->partial = j.committed > 0;
	} else {
		log_info("firewall %s: %s: %zu rules committed in-process through libiptc", fa->name, fr->path,
			 prog.n_rules);
	}
	iptr_prog_free(&prog);
	return r;
}

/* Read PATH and put it in place: in-process, or by starting its restore.
 * On failure FR->why says why; what was in place is then untouched. */
static void file_begin(const struct family *fa, int nsfd, struct fw_family_run *fr,
		       const struct firewall_family_state *fs)
{
	char prog[PATH_MAX], why[PATH_MAX + 64];
	int r;

	/* Checked at every use: one that others were let change since the
	 * config was read is not what the admin wrote. */
	if (filecheck_path(fr->path, why, sizeof(why)) == -EPERM) {
		snprintf(fr->why, sizeof(fr->why), "refusing %s: %.300s", fr->path, why);
		fr->r = -EPERM;
		return;
	}
	r = file_copy(fr->path, FW_FILE_MAX, &fr->copy);
	if (r < 0) {
		snprintf(fr->why, sizeof(fr->why), "cannot read %s: %s", fr->path,
			 r == -EFBIG ? "file too large" : strerror(-r));
		fr->r = r;
		return;
	}
	if (strncmp(fr->copy.data, UTF8_BOM, 3) == 0) {
		snprintf(fr->why, sizeof(fr->why), "%s:1: %s", fr->path, FW_BOM_WHY);
		fr->r = -EINVAL;
		return;
	}
	fr->n_blocks = decls_parse(fr->copy.data, &fr->decls, &fr->n_decls);
	if (!decls_have_table(fr->decls, fr->n_decls, "filter")) {
		snprintf(fr->why, sizeof(fr->why), "%s: no *filter table: it would leave the namespace unfiltered",
			 fr->path);
		fr->r = -EINVAL;
		return;
	}
	fnv64_hex(fr->copy.data, fr->copy.len, fr->hash);
	if (fs->source == FW_SOURCE_FILE && fs->kernel_hash && strcmp(fs->path, fr->path) == 0 &&
	    strcmp(fr->hash, fs->hash) == 0) {
		struct ns_job j = { .fa = fa };
		if (job_run(nsfd, job_fingerprint, &j) == 0 && j.fingerprint == fs->kernel_hash) {
			fr->unchanged = true;
			return;
		}
	}
	/* restore replaces each table atomically, one after the other: only
	 * a file of several tables can fail half-way. */
	if (fs->source == FW_SOURCE_FILE && fr->n_blocks > 1)
		fr->snapshot = ruleset_save(fa, nsfd);
	if (inproc_apply(fa, nsfd, fr) == 0) {
		fr->inproc = true;
		return;
	}
	if (program_find(fa->restore, prog, sizeof(prog)) < 0) {
		snprintf(fr->why, sizeof(fr->why), "%s is not in PATH; cannot apply %s", fa->restore, fr->path);
		fr->r = -ENOENT;
		return;
	}
	/* Fed from the copy: the content hashed is the content applied,
	 * whatever happens to the file meanwhile. */
	r = restore_start_fd(prog, nsfd, fr->copy.fd, false, &fr->job);
	if (r < 0) {
		snprintf(fr->why, sizeof(fr->why), "running %s: %s", fa->restore, strerror(-r));
		fr->r = r;
	}
}

/* Did a restore give up waiting for the host's xtables lock? (Its exit
 * status 4, "resource problem", and what it says of the lock.) */
static bool restore_lock_timeout(const struct proc_result *res)
{
	return WIFEXITED(res->status) && WEXITSTATUS(res->status) == 4 && res->out &&
	       (strstr(res->out, "xtables lock") || strstr(res->out, "Can't lock"));
}

/* Join the restore FR started, verify what it put in place. On failure
 * WHY says why, and *INTACT whether what was in place before still is. */
static int file_finish(const struct family *fa, int nsfd, struct fw_family_run *fr, struct firewall_family_state *fs,
		       bool *intact)
{
	struct ns_job j = { .fa = fa, .path = fr->path };
	struct proc_result res;
	int r;

	*intact = true;
	if (fr->r < 0) {
		/* Tables committed in-process before one failed: what was
		 * in place is not, unless the snapshot can be put back. */
		if (fr->partial)
			*intact = fr->snapshot && rollback(fa, nsfd, fr->snapshot);
		return fr->r;
	}
	if (fr->unchanged) {
		log_info("firewall %s: %s unchanged, and so are the rules in the kernel: left as they are", fa->name,
			 fr->path);
		fs->last_error[0] = '\0';
		return 0;
	}
	if (!fr->inproc) {
		char prog[PATH_MAX];

		r = proc_finish(&fr->job, &res);
		if (r == 0 && restore_lock_timeout(&res) && program_find(fa->restore, prog, sizeof(prog)) == 0) {
			/* It gave up waiting for the host's lock, before it
			 * changed anything: once more, with a lock of its own. */
			const char *env = getenv("XTABLES_LOCKFILE");
			lock_give_up(env && *env ? env : FW_LOCK_DEFAULT);
			proc_result_free(&res);
			r = restore_run_fd(prog, nsfd, fr->copy.fd, false, &res);
		}
		if (r < 0) {
			snprintf(fr->why, sizeof(fr->why), "running %s: %s", fa->restore, strerror(-r));
			return r;
		}
		if (!proc_ok(&res)) {
			firewall_restore_error(fr->path, fr->copy.data, res.out, fr->why, sizeof(fr->why));
			proc_result_free(&res);
			if (fr->n_blocks > 1)
				*intact = fr->snapshot && rollback(fa, nsfd, fr->snapshot);
			return -EINVAL;
		}
		proc_result_free(&res);
	}
	j.decls = fr->decls;
	j.n_decls = fr->n_decls;
	/* The file is the whole ruleset: tables it does not name (left by an
	 * earlier file) are emptied. */
	if (job_run_locked(nsfd, job_reset_others, &j) < 0)
		log_warn("firewall %s: emptying a table %s does not name: %s", fa->name, fr->path, j.err);
	r = job_run(nsfd, job_verify, &j);
	if (r < 0) {
		/* restore said yes, so its tables replaced the previous ones. */
		snprintf(fr->why, sizeof(fr->why), "%s", j.err);
		*intact = fr->snapshot && rollback(fa, nsfd, fr->snapshot);
		return r;
	}
	fs->kernel_hash = j.fingerprint;
	fs->source = FW_SOURCE_FILE;
	str_copy(fs->applied_by, fr->inproc ? "oobd" : fa->restore, sizeof(fs->applied_by));
	str_copy(fs->handover, fr->inproc ? "" : fr->handover, sizeof(fs->handover));
	str_copy(fs->path, fr->path, sizeof(fs->path));
	str_copy(fs->hash, fr->hash, sizeof(fs->hash));
	fs->since = (long long)time(NULL);
	fs->why[0] = '\0';
	fs->last_error[0] = '\0';
	log_notice("firewall %s: %s applied (fnv64 %s)", fa->name, fr->path, fs->hash);
	return 0;
}

static bool allow_equal(const struct firewall_allow *a, const struct firewall_allow *b)
{
	if (a->n_ssh_ports != b->n_ssh_ports || a->dhcp4 != b->dhcp4 || a->dhcp6 != b->dhcp6)
		return false;
	for (int i = 0; i < a->n_ssh_ports && i < FIREWALL_MAX_PORTS; i++)
		if (a->ssh_ports[i] != b->ssh_ports[i])
			return false;
	return true;
}

bool firewall_allow_covers(const struct firewall_allow *in, const struct firewall_allow *out)
{
	if ((out->dhcp4 && !in->dhcp4) || (out->dhcp6 && !in->dhcp6))
		return false;
	for (int i = 0; i < out->n_ssh_ports && i < FIREWALL_MAX_PORTS; i++) {
		bool found = false;
		for (int j = 0; j < in->n_ssh_ports && j < FIREWALL_MAX_PORTS; j++)
			found = found || in->ssh_ports[j] == out->ssh_ports[i];
		if (!found)
			return false;
	}
	return true;
}

static int family_finish(enum fw_family f, int nsfd, struct fw_family_run *fr, const struct firewall_allow *allow,
			 const struct firewall_allow *prev_allow, struct firewall_family_state *fs)
{
	const struct family *fa = &families[f];
	bool intact;
	int r;

	if (!fr->path) {
		snprintf(fr->why, sizeof(fr->why), "no [firewall] %s file configured", fa->key);
		/* In place already, for the same ports, and untouched since:
		 * left as it is (no libiptc, counters kept). */
		if (fs->source == FW_SOURCE_FALLBACK && fs->kernel_hash && strcmp(fs->why, fr->why) == 0 &&
		    allow_equal(allow, prev_allow)) {
			struct ns_job j = { .fa = fa };
			if (job_run(nsfd, job_fingerprint, &j) == 0 && j.fingerprint == fs->kernel_hash) {
				log_info("firewall %s: built-in ruleset in place and unchanged: left as it is", fa->name);
				return 0;
			}
		}
		return fallback_apply(fa, f, nsfd, allow, fs, fr->why, LOG_WARNING);
	}
	r = file_finish(fa, nsfd, fr, fs, &intact);
	if (r == 0)
		return 0;
	if (fs->source == FW_SOURCE_FILE && intact) {
		/* A reload: a bad new file never opens or closes anything. */
		log_err("firewall %s: %s; keeping the ruleset in place (%s, fnv64 %s)", fa->name, fr->why, fs->path,
			fs->hash);
		str_copy(fs->last_error, fr->why, sizeof(fs->last_error));
		return 0;
	}
	return fallback_apply(fa, f, nsfd, allow, fs, fr->why, LOG_ERR);
}

struct firewall_run *firewall_begin(const struct firewall_cfg *cfg, int nsfd, unsigned which,
				    struct firewall_state *st)
{
	struct firewall_run *run = xcalloc(1, sizeof(*run));
	struct stat nst;

	run->nsfd = nsfd;
	lock_stuck = false;
	if (fstat(nsfd, &nst) < 0) {
		run->r = -errno;
		return run;
	}
	if (nst.st_dev != st->ns_dev || nst.st_ino != st->ns_ino) {
		/* Nothing of ours is in a namespace we have not filled. (A
		 * state never used is zero already, and is left untouched.) */
		if (st->ns_dev || st->ns_ino)
			memset(st, 0, sizeof(*st));
		st->ns_dev = nst.st_dev;
		st->ns_ino = nst.st_ino;
		which = FW_ALL_FAMILIES;
	}
	modules_ensure();
	for (int f = 0; f < FW__NFAMILIES; f++) {
		struct fw_family_run *fr = &run->fam[f];
		if (!(which & FW_FAMILY(f)))
			continue; /* left as it is */
		if (f == FW_IPV6 && !ipv6_available()) {
			/* No IPv6 in the kernel: no IPv6 packet to filter. */
			st->fam[f].source = FW_SOURCE_NONE;
			str_copy(st->fam[f].why, "no IPv6 in this kernel", sizeof(st->fam[f].why));
			continue;
		}
		fr->active = true;
		fr->path = f == FW_IPV4 ? cfg->ipv4 : cfg->ipv6;
		if (fr->path)
			file_begin(&families[f], nsfd, fr, &st->fam[f]);
	}
	return run;
}

int firewall_finish(struct firewall_run *run, const struct firewall_allow *allow, struct firewall_state *st)
{
	int r = run->r;

	for (int f = 0; f < FW__NFAMILIES && run->r == 0; f++) {
		if (!run->fam[f].active)
			continue;
		int e = family_finish((enum fw_family)f, run->nsfd, &run->fam[f], allow, &st->allow, &st->fam[f]);
		if (e < 0 && r == 0)
			r = e;
	}
	st->allow = *allow;
	libiptc_release();
	for (int f = 0; f < FW__NFAMILIES; f++) {
		struct fw_family_run *fr = &run->fam[f];
		struct proc_result res;
		if (fr->job.pid && proc_finish(&fr->job, &res) == 0) /* never left running */
			proc_result_free(&res);
		file_copy_free(&fr->copy);
		free(fr->decls);
		free(fr->snapshot);
	}
	free(run);
	return r;
}

int firewall_apply(const struct firewall_cfg *cfg, int nsfd, const struct firewall_allow *allow,
		   struct firewall_state *st)
{
	return firewall_finish(firewall_begin(cfg, nsfd, FW_ALL_FAMILIES, st), allow, st);
}

/* ---------------------------------------------------------------------- */
/* oobd -t                                                                 */

/* A fresh unnamed network namespace, gone with its last fd: a dry run of
 * restore still instantiates the tables it names, and must not do that
 * in the main namespace, nor in a live oob one. */
static int scratch_netns(void)
{
	_cleanup_close_ int orig = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	int fd, e;

	if (orig < 0)
		return -errno;
	if (unshare(CLONE_NEWNET) < 0)
		return -errno;
	fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	e = errno;
	if (setns(orig, CLONE_NEWNET) < 0) {
		log_err("cannot return to the original network namespace: %s", strerror(errno));
		abort();
	}
	return fd >= 0 ? fd : -e;
}

bool firewall_shut_line(enum fw_family f, const char *nic, const struct fw_syn_check *chk, size_t n, bool reply,
			char *line, size_t len)
{
	char ports[FIREWALL_MAX_PORTS * 7] = "";
	size_t used = 0, n_shut = 0;

	for (size_t k = 0; k < n; k++) {
		n_shut += reply ? chk[k].reply_shut : chk[k].shut;
		used += (size_t)snprintf(ports + used, sizeof(ports) - used, "%s%u", k ? ", " : "", chk[k].port);
	}
	if (!n || n_shut < n)
		return false;
	if (reply)
		snprintf(line, len, "%s firewall: sshd's answers (from port%s %s) do not get out on %s: %s drops them",
			 firewall_family_name(f), n > 1 ? "s" : "", ports, nic ? nic : "the NIC", chk[0].reply_by);
	else
		snprintf(line, len, "%s firewall: no new connection to sshd (port%s %s) gets in on %s: %s drops it",
			 firewall_family_name(f), n > 1 ? "s" : "", ports, nic ? nic : "the NIC", chk[0].by);
	return true;
}

/* A file that passed test_file, committed in the scratch namespace as oobd
 * would commit it and read back: does it let a new connection reach sshd? */
static void test_reach(const char *conf_path, int cline, const struct family *fa, const char *path,
		       const struct file_copy *copy, int *scratch, const struct fw_sshd_reach *reach, FILE *errs)
{
	enum fw_family f = fa == &families[FW_IPV4] ? FW_IPV4 : FW_IPV6;
	struct fw_syn_check chk[FIREWALL_MAX_PORTS];
	struct iptr_prog ip;
	char prog[PATH_MAX], why[256], line[640];
	int at, r = -1;

	if (!reach || !reach->family[f] || reach->n_ports <= 0)
		return;
	if (*scratch < 0)
		*scratch = scratch_netns();
	if (*scratch < 0)
		return; /* not root: not checked */
	if (iptr_parse(fa->af, copy->data, copy->len, &ip, &at, why, sizeof(why)) == 0) {
		struct inproc_job j = { .fa = fa, .prog = &ip };
		r = netns_call_in(*scratch, job_inproc, &j);
		iptr_prog_free(&ip);
	} else if (program_find(fa->restore, prog, sizeof(prog)) == 0) {
		struct proc_result res;
		r = restore_run_fd(prog, *scratch, copy->fd, false, &res);
		if (r == 0) {
			r = proc_ok(&res) ? 0 : -EINVAL;
			proc_result_free(&res);
		}
	}
	for (int k = 0; k < reach->n_ports && k < FIREWALL_MAX_PORTS; k++)
		chk[k] = (struct fw_syn_check){ .iface = reach->iface, .port = reach->ports[k] };
	if (r < 0 || firewall_input_counters(*scratch, f, chk, (size_t)reach->n_ports, NULL, NULL) < 0)
		return;
	for (int reply = 0; reply < 2; reply++)
		if (firewall_shut_line(f, reach->iface, chk, (size_t)reach->n_ports, reply, line, sizeof(line)))
			fprintf(errs, "%s:%d: warning: key '%s': under %s, %s\n", conf_path, cline, fa->key, path,
				line + strlen(firewall_family_name(f)) + strlen(" firewall: "));
}

static int test_file(const char *conf_path, const struct family *fa, const char *path, int line, int *scratch,
		     const struct fw_sshd_reach *reach, FILE *errs)
{
	_cleanup_file_copy_ struct file_copy copy = { 0 };
	_cleanup_free_ struct fw_decl *decls = NULL;
	struct proc_result res;
	char prog[PATH_MAX], msg[600];
	size_t n = 0;
	int r = file_copy(path, FW_FILE_MAX, &copy);

	if (r < 0) {
		fprintf(errs, "%s:%d: key '%s': rules file %s: %s\n", conf_path, line, fa->key, path,
			r == -EFBIG ? "file too large" : strerror(-r));
		return 1;
	}
	if (strncmp(copy.data, UTF8_BOM, 3) == 0) {
		fprintf(errs, "%s:1: %s\n", path, FW_BOM_WHY);
		return 1;
	}
	firewall_decls_parse(copy.data, &decls, &n);
	if (!decls_have_table(decls, n, "filter")) {
		/* A whole-file problem: said at the line that names the file. */
		fprintf(errs, "%s:%d: key '%s': rules file %s has no *filter table: it would leave the namespace "
			      "unfiltered\n", conf_path, line, fa->key, path);
		return 1;
	}
	if (program_find(fa->restore, prog, sizeof(prog)) < 0) {
		struct iptr_prog ip;
		char why[256];
		int at;
		if (iptr_parse(fa->af, copy.data, copy.len, &ip, &at, why, sizeof(why)) == 0) {
			/* oobd applies it itself; only the kernel's own checks
			 * (a target in the wrong chain, a loop) remain. */
			iptr_prog_free(&ip);
			test_reach(conf_path, line, fa, path, &copy, scratch, reach, errs);
			return 0;
		}
		fprintf(errs, "%s:%d: warning: not checked: %s; oobd hands such a file to %s, which is not in PATH "
			      "(at run time oobd would install its built-in ruleset instead)\n", path, at, why,
			fa->restore);
		return 0;
	}
	if (*scratch < 0)
		*scratch = scratch_netns();
	if (*scratch < 0) {
		fprintf(errs, "%s: warning: not checked: creating a scratch network namespace: %s\n", path,
			strerror(-*scratch));
		return 0;
	}
	r = restore_run_fd(prog, *scratch, copy.fd, true, &res);
	if (r < 0) {
		fprintf(errs, "%s: warning: not checked: running %s: %s\n", path, prog, strerror(-r));
		return 0;
	}
	r = proc_ok(&res) ? 0 : 1;
	if (r) {
		firewall_restore_error(path, copy.data, res.out, msg, sizeof(msg));
		fprintf(errs, "%s\n", msg);
	}
	proc_result_free(&res);
	if (r == 0)
		test_reach(conf_path, line, fa, path, &copy, scratch, reach, errs);
	return r;
}

int firewall_test_files(const char *conf_path, const struct firewall_cfg *cfg, const struct fw_sshd_reach *reach,
			FILE *errs)
{
	int scratch = -1, nerr = 0;

	if (cfg->ipv4)
		nerr += test_file(conf_path, &families[FW_IPV4], cfg->ipv4, cfg->ipv4_line, &scratch, reach, errs);
	if (cfg->ipv6)
		nerr += test_file(conf_path, &families[FW_IPV6], cfg->ipv6, cfg->ipv6_line, &scratch, reach, errs);
	if (scratch >= 0)
		close(scratch);
	return nerr;
}

/* ---------------------------------------------------------------------- */
/* Reading counters back, for status reports.                             */

struct counters_job {
	enum fw_family f;
	bool rules;                  /* describe the rules, or the checks only */
	struct fw_rule_counter *v;
	size_t n, cap;
	struct fw_syn_check *chk;
	size_t n_chk;
};

/* "-i lo -p tcp [tcp dpt:22] [conntrack]" from an entry's fixed part and
 * its match names: enough for a person to tell the rules apart. */
static void describe_rule(struct fw_rule_counter *rc, const char *iniface, const char *outiface, unsigned proto,
			  const unsigned char *elems, size_t target_offset)
{
	size_t off = 0, len = 0;

	rc->desc[0] = '\0';
	if (iniface[0])
		len += (size_t)snprintf(rc->desc + len, sizeof(rc->desc) - len, "-i %.16s ", iniface);
	if (outiface[0])
		len += (size_t)snprintf(rc->desc + len, sizeof(rc->desc) - len, "-o %.16s ", outiface);
	if (proto && len < sizeof(rc->desc)) {
		const char *pn = proto == IPPROTO_TCP ? "tcp" : proto == IPPROTO_UDP ? "udp" : proto == IPPROTO_ICMP ? "icmp"
			       : proto == IPPROTO_ICMPV6 ? "ipv6-icmp" : NULL;
		if (pn)
			len += (size_t)snprintf(rc->desc + len, sizeof(rc->desc) - len, "-p %s ", pn);
		else
			len += (size_t)snprintf(rc->desc + len, sizeof(rc->desc) - len, "-p %u ", proto);
	}
	while (off + sizeof(struct xt_entry_match) <= target_offset && len < sizeof(rc->desc)) {
		const struct xt_entry_match *m = (const struct xt_entry_match *)(elems + off);
		if (m->u.match_size < sizeof(*m))
			break;
		len += (size_t)snprintf(rc->desc + len, sizeof(rc->desc) - len, "-m %.*s ",
					(int)sizeof(m->u.user.name), m->u.user.name);
		if ((strcmp(m->u.user.name, "tcp") == 0 || strcmp(m->u.user.name, "udp") == 0) &&
		    m->u.match_size >= sizeof(*m) + sizeof(struct xt_tcp) && len < sizeof(rc->desc)) {
			const struct xt_tcp *t = (const struct xt_tcp *)m->data;
			if (t->spts[0] == t->spts[1])
				len += (size_t)snprintf(rc->desc + len, sizeof(rc->desc) - len, "--sport %u ", t->spts[0]);
			else if (t->spts[0] != 0 || t->spts[1] != 0xffff)
				len += (size_t)snprintf(rc->desc + len, sizeof(rc->desc) - len, "--sport %u:%u ",
							t->spts[0], t->spts[1]);
			if (len >= sizeof(rc->desc))
				break;
			if (t->dpts[0] == t->dpts[1])
				len += (size_t)snprintf(rc->desc + len, sizeof(rc->desc) - len, "--dport %u ", t->dpts[0]);
			else if (t->dpts[0] != 0 || t->dpts[1] != 0xffff)
				len += (size_t)snprintf(rc->desc + len, sizeof(rc->desc) - len, "--dport %u:%u ",
							t->dpts[0], t->dpts[1]);
		}
		if ((strcmp(m->u.user.name, "icmp") == 0 || strcmp(m->u.user.name, "icmp6") == 0) &&
		    m->u.match_size >= sizeof(*m) + 2 && len < sizeof(rc->desc))
			len += (size_t)snprintf(rc->desc + len, sizeof(rc->desc) - len, "--type %u ", m->data[0]);
		off += m->u.match_size;
	}
	if (len > 0 && len < sizeof(rc->desc) && rc->desc[len - 1] == ' ')
		rc->desc[len - 1] = '\0';
	if (!rc->desc[0])
		str_copy(rc->desc, "(all)", sizeof(rc->desc));
}

static struct fw_rule_counter *counter_next(struct counters_job *j)
{
	if (j->n == j->cap) {
		j->cap = j->cap ? j->cap * 2 : 16;
		j->v = xrealloc(j->v, j->cap, sizeof(*j->v));
	}
	memset(&j->v[j->n], 0, sizeof(j->v[0]));
	j->v[j->n].num = (int)j->n + 1;
	return &j->v[j->n++];
}

static const char *verdict_name(int v)
{
	switch (v) {
	case -NF_ACCEPT - 1:
		return "ACCEPT";
	case -NF_DROP - 1:
		return "DROP";
	case -NF_QUEUE - 1:
		return "QUEUE";
	case XT_RETURN:
		return "RETURN";
	}
	return "";
}

/* An entry of either family, as far as the counters and the SYN check
 * need it. */
struct entry_ref {
	const char *iniface, *outiface;
	const unsigned char *iniface_mask, *outiface_mask;
	unsigned proto;
	bool any_proto;              /* IPv6 without IP6T_F_PROTO: proto is not looked at */
	bool addressed;              /* a source or destination address is matched */
	bool fragment;               /* IPv4's -f: later fragments only */
	bool go_to;                  /* -g: a chain's RETURN returns past this chain */
	unsigned invflags;           /* IPT_INV_* (IP6T_INV_* has the same values) */
	const unsigned char *elems;
	size_t elems_len;            /* the matches, up to the target */
	const struct xt_entry_target *target;
	unsigned next;
	const struct xt_counters *counters;
};

static bool any_byte(const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return true;
	return false;
}

static struct entry_ref entry_at(enum fw_family f, const unsigned char *blob, unsigned off)
{
	struct entry_ref r;

	if (f == FW_IPV4) {
		const struct ipt_entry *e = (const void *)(blob + off);
		r = (struct entry_ref){ e->ip.iniface, e->ip.outiface, e->ip.iniface_mask, e->ip.outiface_mask,
					e->ip.proto, false,
					e->ip.smsk.s_addr || e->ip.dmsk.s_addr ||
						(e->ip.invflags & (IPT_INV_SRCIP | IPT_INV_DSTIP)),
					e->ip.flags & IPT_F_FRAG,
					e->ip.flags & IPT_F_GOTO, e->ip.invflags, e->elems,
					e->target_offset - sizeof(*e),
					(const void *)((const unsigned char *)e + e->target_offset), e->next_offset,
					&e->counters };
	} else {
		const struct ip6t_entry *e = (const void *)(blob + off);
		r = (struct entry_ref){ e->ipv6.iniface, e->ipv6.outiface, e->ipv6.iniface_mask, e->ipv6.outiface_mask,
					e->ipv6.proto,
					!(e->ipv6.flags & IP6T_F_PROTO),
					any_byte(&e->ipv6.smsk, sizeof(e->ipv6.smsk)) ||
						any_byte(&e->ipv6.dmsk, sizeof(e->ipv6.dmsk)) ||
						(e->ipv6.invflags & (IP6T_INV_SRCIP | IP6T_INV_DSTIP)),
					false, e->ipv6.flags & IP6T_F_GOTO, e->ipv6.invflags, e->elems,
					e->target_offset - sizeof(*e),
					(const void *)((const unsigned char *)e + e->target_offset), e->next_offset,
					&e->counters };
	}
	return r;
}

/* What iptables -L shows as a rule's target: the extension's name, a
 * verdict, or the user chain a jump lands in. */
static void target_name(const struct xt_table_view *v, const struct xt_entry_target *t, char *out, size_t len)
{
	const struct xt_standard_target *st = (const void *)t;

	out[0] = '\0';
	if (t->u.user.name[0] || t->u.target_size < sizeof(*st)) {
		snprintf(out, len, "%.*s", (int)sizeof(t->u.user.name) - 1, t->u.user.name);
		return;
	}
	if (st->verdict < 0) {
		str_copy(out, verdict_name(st->verdict), len);
		return;
	}
	for (size_t i = 0; i < v->n_chains; i++)
		if (!v->chains[i].builtin && v->chains[i].first == (unsigned)st->verdict)
			str_copy(out, v->chains[i].name, len);
}

/*
 * Does the firewall shut sshd out? A new TCP connection to a port (its SYN,
 * which the connection tracker calls NEW) arriving on the NIC from an
 * address oobd cannot know, followed through each table's chain at each
 * hook on its way to sshd (syn_check), and the chains they jump to. What
 * each rule does with it is sure, surely not, or depends on what is not
 * known (the source address, a match not read here); only a fate that is
 * sure for every source counts as shut out, so a ruleset that lets in some
 * admin network is never taken for one that lets in nobody.
 */
enum take { TAKE_NO, TAKE_YES, TAKE_MAYBE };
/* Where a chain leaves the SYN: on in the chain that called it, let in,
 * dropped or rejected, or it depends. */
enum syn_fate { FATE_ON, FATE_IN, FATE_OUT, FATE_MAYBE };
#define SYN_MAX_DEPTH 16
#define TCP_FLAG_SYN 0x02
#define TCP_FLAG_ACK 0x10

struct syn_walk {
	const struct xt_table_view *v;
	char where[16];              /* "raw ", "mangle ", ...: the table, in BY; "" for filter */
	enum fw_family f;
	const char *iface;           /* the NIC; NULL: its name is not known */
	unsigned port;               /* sshd's */
	bool reply;                  /* sshd's SYN-ACK on its way out, not the SYN on its way in */
	unsigned states;             /* the conntrack states it may be in here: the state match's XT_STATE_* bits */
	char *by;                    /* where it is dropped */
	size_t by_len;
};

static enum take take_if(bool yes, bool inverted)
{
	return yes != inverted ? TAKE_YES : TAKE_NO;
}

/* A match of the conntrack states MASK, for a packet in one of STATES
 * (both in the same bits: the state match's, or conntrack's). */
static enum take states_take(unsigned states, unsigned mask, bool inverted)
{
	if ((mask & states) == states)
		return take_if(true, inverted);
	return (mask & states) ? TAKE_MAYBE : take_if(false, inverted);
}

/* Targets that let the packet go on to the next rule. */
static bool target_passes(const char *name)
{
	static const char *const passing[] = { "LOG",	   "NFLOG",    "TRACE",	   "AUDIT",	  "MARK",
					       "CONNMARK", "CT",       "NOTRACK",  "CLASSIFY",    "DSCP",
					       "TOS",	   "TCPMSS",   "SECMARK",  "CONNSECMARK" };

	for (size_t i = 0; i < ARRAY_SIZE(passing); i++)
		if (strcmp(name, passing[i]) == 0)
			return true;
	return false;
}

static enum take match_takes(const struct syn_walk *w, const char *name, unsigned revision, const void *data,
			     size_t len)
{
	static const char *const other_protocols[] = { "udp", "udplite", "icmp", "icmp6", "sctp", "dccp" };

	for (size_t i = 0; i < ARRAY_SIZE(other_protocols); i++)
		if (strcmp(name, other_protocols[i]) == 0)
			return TAKE_NO;
	if (strcmp(name, "comment") == 0)
		return TAKE_YES;
	if (strcmp(name, "tcp") == 0 && len >= sizeof(struct xt_tcp)) {
		const struct xt_tcp *t = data;
		/* sshd's port is the SYN's destination, the SYN-ACK's source;
		 * the client's, on the other side, is not known. */
		const uint16_t *ours = w->reply ? t->spts : t->dpts, *theirs = w->reply ? t->dpts : t->spts;
		uint8_t inv_ours = w->reply ? XT_TCP_INV_SRCPT : XT_TCP_INV_DSTPT;
		uint8_t inv_theirs = w->reply ? XT_TCP_INV_DSTPT : XT_TCP_INV_SRCPT;
		uint8_t flags = w->reply ? TCP_FLAG_SYN | TCP_FLAG_ACK : TCP_FLAG_SYN;
		if (take_if(w->port >= ours[0] && w->port <= ours[1], t->invflags & inv_ours) == TAKE_NO ||
		    take_if((flags & t->flg_mask) == t->flg_cmp, t->invflags & XT_TCP_INV_FLAGS) == TAKE_NO)
			return TAKE_NO;
		return theirs[0] != 0 || theirs[1] != 0xffff || (t->invflags & inv_theirs) || t->option ? TAKE_MAYBE
													   : TAKE_YES;
	}
	if (strcmp(name, "state") == 0 && len >= sizeof(struct xt_state_info))
		return states_take(w->states, ((const struct xt_state_info *)data)->statemask, false);
	if (strcmp(name, "conntrack") == 0) {
		const struct xt_conntrack_mtinfo1 *c1 = data;
		unsigned mask;
		if (revision == 1 && len >= sizeof(struct xt_conntrack_mtinfo1))
			mask = c1->state_mask;
		else if (revision >= 2 && len >= sizeof(struct xt_conntrack_mtinfo2))
			mask = ((const struct xt_conntrack_mtinfo2 *)data)->state_mask;
		else
			return TAKE_MAYBE;
		if (c1->match_flags & ~(XT_CONNTRACK_STATE | XT_CONNTRACK_STATE_ALIAS))
			return TAKE_MAYBE;
		/* The same states as the state match's but UNTRACKED, in
		 * another bit; a connection NAT made is taken whatever its state. */
		unsigned states = (w->states & ~(unsigned)XT_STATE_UNTRACKED) |
				  ((w->states & XT_STATE_UNTRACKED) ? XT_CONNTRACK_STATE_UNTRACKED : 0);
		if ((mask & (XT_CONNTRACK_STATE_SNAT | XT_CONNTRACK_STATE_DNAT)) && (mask & states) != states)
			return TAKE_MAYBE;
		return states_take(states, mask, c1->invert_flags & XT_CONNTRACK_STATE);
	}
	if (strcmp(name, "multiport") == 0 && len >= sizeof(struct xt_multiport)) {
		const struct xt_multiport_v1 *mp = data;
		bool ranges = revision >= 1 && len >= sizeof(struct xt_multiport_v1), in = false;
		for (unsigned i = 0; i < mp->count && i < XT_MULTI_PORTS && !in; i++) {
			if (ranges && mp->pflags[i] && i + 1 < XT_MULTI_PORTS) {
				in = w->port >= mp->ports[i] && w->port <= mp->ports[i + 1];
				i++;
			} else {
				in = w->port == mp->ports[i];
			}
		}
		if (mp->flags == (w->reply ? XT_MULTIPORT_SOURCE : XT_MULTIPORT_DESTINATION))
			return take_if(in, ranges && mp->invert);
		return in && !(ranges && mp->invert) && mp->flags == XT_MULTIPORT_EITHER ? TAKE_YES : TAKE_MAYBE;
	}
	return TAKE_MAYBE;
}

static enum take rule_takes(const struct syn_walk *w, const struct entry_ref *e)
{
	/* -i for the SYN, -o for the SYN-ACK. */
	const char *iface = w->reply ? e->outiface : e->iniface;
	const unsigned char *mask = w->reply ? e->outiface_mask : e->iniface_mask;
	bool inv_iface = e->invflags & (w->reply ? IPT_INV_VIA_OUT : IPT_INV_VIA_IN);
	char name[IFNAMSIZ] = "";
	bool same = true;
	enum take t = e->addressed ? TAKE_MAYBE : TAKE_YES;

	if (e->fragment && !(e->invflags & IPT_INV_FRAG))
		return TAKE_NO; /* later fragments only: a SYN is a first one */
	if (!any_byte(mask, IFNAMSIZ) && inv_iface)
		return TAKE_NO; /* "! -i +": no interface */
	if (!w->iface && any_byte(mask, IFNAMSIZ)) {
		/* The NIC's name is not known: only "lo" is surely not it. */
		if (strncmp(iface, "lo", IFNAMSIZ) != 0 || inv_iface || mask[2] == 0)
			t = TAKE_MAYBE;
		else
			return TAKE_NO;
	} else if (w->iface) {
		str_copy(name, w->iface, sizeof(name));
		for (int i = 0; i < IFNAMSIZ; i++)
			same = same && ((name[i] ^ iface[i]) & mask[i]) == 0;
		if (take_if(same, inv_iface) == TAKE_NO)
			return TAKE_NO;
	}
	if (!e->any_proto && e->proto && take_if(e->proto == IPPROTO_TCP, e->invflags & IPT_INV_PROTO) == TAKE_NO)
		return TAKE_NO;
	for (size_t off = 0; off + sizeof(struct xt_entry_match) <= e->elems_len;) {
		const struct xt_entry_match *m = (const struct xt_entry_match *)(e->elems + off);
		enum take mt;
		if (m->u.match_size < sizeof(*m) || off + m->u.match_size > e->elems_len)
			return TAKE_MAYBE;
		mt = match_takes(w, m->u.user.name, m->u.user.revision, m->data, m->u.match_size - sizeof(*m));
		if (mt == TAKE_NO)
			return TAKE_NO;
		if (mt == TAKE_MAYBE)
			t = TAKE_MAYBE;
		off += m->u.match_size;
	}
	return t;
}

/* "INPUT rule 3 (-p tcp -j DROP)" into the check's BY. */
static void syn_by(struct syn_walk *w, const char *chain, unsigned num, const struct entry_ref *e)
{
	struct fw_rule_counter rc;
	char target[32];

	describe_rule(&rc, e->iniface, e->outiface, e->proto, e->elems, e->elems_len);
	target_name(w->v, e->target, target, sizeof(target));
	snprintf(w->by, w->by_len, "%s%s rule %u (%s%s-j %s)", w->where, chain, num,
		 strcmp(rc.desc, "(all)") == 0 ? "" : rc.desc, strcmp(rc.desc, "(all)") == 0 ? "" : " ", target);
}

static enum syn_fate chain_fate(struct syn_walk *w, const struct xt_chain_view *ch, unsigned off, unsigned end,
				int depth);

/* What entry E's target does with the SYN; RETURNS: it goes back to the
 * chain that called this one (a RETURN, or a goto to a chain that ends). */
static enum syn_fate target_fate(struct syn_walk *w, const struct entry_ref *e, int depth, bool *returns)
{
	const struct xt_standard_target *st = (const void *)e->target;

	*returns = false;
	if (e->target->u.user.name[0] || e->target->u.target_size < sizeof(*st)) {
		if (strcmp(e->target->u.user.name, "REJECT") == 0)
			return FATE_OUT;
		return target_passes(e->target->u.user.name) ? FATE_ON : FATE_MAYBE;
	}
	if (st->verdict == -NF_ACCEPT - 1)
		return FATE_IN;
	if (st->verdict == -NF_DROP - 1)
		return FATE_OUT;
	if (st->verdict == XT_RETURN) {
		*returns = true;
		return FATE_ON;
	}
	if (st->verdict < 0 || depth >= SYN_MAX_DEPTH)
		return FATE_MAYBE;
	for (size_t i = 0; i < w->v->n_chains; i++) {
		const struct xt_chain_view *ch = &w->v->chains[i];
		if (!ch->builtin && ch->first == (unsigned)st->verdict) {
			enum syn_fate f = chain_fate(w, ch, ch->first, 0, depth + 1);
			/* A goto: the chain's RETURN returns from this one. */
			*returns = e->go_to && f == FATE_ON;
			return f;
		}
	}
	return FATE_MAYBE;
}

/* A built-in chain's policy, for what reaches its end (or RETURNs). */
static enum syn_fate policy_fate(struct syn_walk *w, const struct xt_chain_view *ch)
{
	if (strcmp(ch->policy, "DROP") != 0)
		return FATE_IN;
	snprintf(w->by, w->by_len, "the %s%s policy DROP", w->where, ch->name);
	return FATE_OUT;
}

/* The fate of the SYN in chain CH from OFF: a user chain's CH->rules
 * entries, or a built-in one's up to END (its policy entry). */
static enum syn_fate chain_fate(struct syn_walk *w, const struct xt_chain_view *ch, unsigned off, unsigned end,
				int depth)
{
	/* Some, not all, took a RETURN: they go on in the caller. */
	bool leaked = false;

	for (unsigned num = 1; ch->builtin ? off < end : num <= ch->rules; num++) {
		struct entry_ref e = entry_at(w->f, w->v->blob, off);
		const struct xt_standard_target *st = (const void *)e.target;
		bool jump = !e.target->u.user.name[0] && e.target->u.target_size >= sizeof(*st) && st->verdict >= 0;
		enum take t = rule_takes(w, &e);
		bool returns;
		enum syn_fate f;

		off += e.next;
		if (t == TAKE_NO)
			continue;
		f = target_fate(w, &e, depth, &returns);
		if (returns && ch->builtin) {
			/* A RETURN from a built-in chain: its policy. */
			f = policy_fate(w, ch);
			returns = false;
			if (t == TAKE_MAYBE && f == FATE_OUT)
				continue;
		} else if (f == FATE_OUT && t == TAKE_YES && !jump) {
			syn_by(w, ch->name, num, &e);
		}
		if (t == TAKE_MAYBE) {
			if (f == FATE_IN || f == FATE_MAYBE)
				return FATE_MAYBE;
			leaked = leaked || returns;
			continue;
		}
		if (returns)
			return FATE_ON;
		if (f == FATE_IN || f == FATE_MAYBE)
			return leaked ? FATE_MAYBE : f;
		if (f == FATE_OUT)
			return leaked ? FATE_ON : FATE_OUT;
	}
	if (!ch->builtin)
		return FATE_ON;
	return policy_fate(w, ch);
}

/* Does any rule of V have a target (by name) that PRED holds for? */
static bool any_target(enum fw_family f, const struct xt_table_view *v, bool (*pred)(const char *name))
{
	for (unsigned off = 0; off < v->size;) {
		struct entry_ref e = entry_at(f, v->blob, off);
		if (e.target->u.user.name[0] && pred(e.target->u.user.name))
			return true;
		if (!e.next)
			break;
		off += e.next;
	}
	return false;
}

/* The raw table's CT and NOTRACK: the connection may be UNTRACKED, or
 * given its conntrack entry in raw already. */
static bool target_ct(const char *name)
{
	return strcmp(name, "CT") == 0 || strcmp(name, "NOTRACK") == 0;
}

/* A nat target that may send a connection to another port (DNAT,
 * REDIRECT, any not known): before it, a packet for sshd may bear any. */
static bool target_redirects(const char *name)
{
	return strcmp(name, "ERROR") != 0 && strcmp(name, "SNAT") != 0 && strcmp(name, "MASQUERADE") != 0 &&
	       !target_passes(name);
}

/* Each table's chain at each hook, in the kernel's order: the SYN's way in
 * to sshd, and the SYN-ACK's way out. raw comes before the connection
 * tracker (no state yet: INVALID); nat sees only a connection's first
 * packet, and makes DNAT before the routing. */
struct syn_stage {
	const char *chain;
	int table;
	unsigned hook;
};
static const struct syn_stage syn_in[] = {
	{ "PREROUTING", WT_RAW, NF_INET_PRE_ROUTING }, { "PREROUTING", WT_MANGLE, NF_INET_PRE_ROUTING },
	{ "PREROUTING", WT_NAT, NF_INET_PRE_ROUTING }, { "INPUT", WT_MANGLE, NF_INET_LOCAL_IN },
	{ "INPUT", WT_FILTER, NF_INET_LOCAL_IN },      { "INPUT", WT_SECURITY, NF_INET_LOCAL_IN },
	{ "INPUT", WT_NAT, NF_INET_LOCAL_IN },
};
#define SYN_BEFORE_DNAT 3
static const struct syn_stage synack_out[] = {
	{ "OUTPUT", WT_RAW, NF_INET_LOCAL_OUT },      { "OUTPUT", WT_MANGLE, NF_INET_LOCAL_OUT },
	{ "OUTPUT", WT_FILTER, NF_INET_LOCAL_OUT },   { "OUTPUT", WT_SECURITY, NF_INET_LOCAL_OUT },
	{ "POSTROUTING", WT_MANGLE, NF_INET_POST_ROUTING },
};

/*
 * Follow C's SYN on its way in and sshd's SYN-ACK on its way out, through
 * each of T's tables it crosses. One that every such packet surely meets
 * its end in shuts sshd out, whatever the others do (a packet some let
 * through goes on with its ports: no target read here changes those; a CT
 * rule in raw changes the state, which the states below allow for). Where
 * a nat rule may send connections to sshd's port from another, the tables
 * before it see that other port: they are not judged. nat is not judged
 * either where raw may leave the connection untracked: the kernel passes an
 * untracked packet by the nat chains.
 */
static void syn_check(const struct walk_tables *t, enum fw_family f, struct fw_syn_check *c)
{
	bool ct = t->has[WT_RAW] && any_target(f, &t->v[WT_RAW], target_ct);
	bool redirect = t->has[WT_NAT] && any_target(f, &t->v[WT_NAT], target_redirects);

	for (int reply = 0; reply < 2; reply++) {
		const struct syn_stage *st = reply ? synack_out : syn_in;
		size_t n = reply ? ARRAY_SIZE(synack_out) : ARRAY_SIZE(syn_in);
		bool *shut = reply ? &c->reply_shut : &c->shut;
		char *by = reply ? c->reply_by : c->by;
		/* In raw, before the connection tracker, a packet has no
		 * state yet (INVALID), unless a CT rule gave it one (NEW) or
		 * left it untracked. After it the SYN is NEW and the SYN-ACK,
		 * in the reply direction, ESTABLISHED, or UNTRACKED; the
		 * answer to a SYN left untracked is INVALID (the tracker does
		 * not start a connection from a SYN-ACK). */
		unsigned raw = XT_STATE_INVALID | (ct ? XT_STATE_BIT(IP_CT_NEW) | XT_STATE_UNTRACKED : 0);
		unsigned after = XT_STATE_BIT(reply ? IP_CT_ESTABLISHED : IP_CT_NEW) |
				 (ct ? XT_STATE_UNTRACKED | (reply ? XT_STATE_INVALID : 0) : 0);

		*shut = false;
		for (size_t k = 0; k < n && !*shut; k++) {
			const struct xt_table_view *v = &t->v[st[k].table];
			const struct xt_chain_view *ch = t->has[st[k].table] ? xt_table_chain(v, st[k].chain) : NULL;
			struct syn_walk w = { v, "", f, c->iface, c->port, reply, st[k].table == WT_RAW ? raw : after,
					      by, sizeof(c->by) };

			if (!ch || !(v->valid_hooks & (1U << st[k].hook)) || (!reply && k < SYN_BEFORE_DNAT && redirect) ||
			    (st[k].table == WT_NAT && ct))
				continue;
			if (st[k].table != WT_FILTER)
				snprintf(w.where, sizeof(w.where), "%s ", walk_table_names[st[k].table]);
			*shut = chain_fate(&w, ch, v->hook_entry[st[k].hook], v->underflow[st[k].hook], 0) == FATE_OUT;
		}
		if (!*shut)
			by[0] = '\0';
	}
}

/* The rules of the filter table's INPUT chain, read straight from the
 * kernel (xtables.c): from the hook's entry up to its policy entry; and
 * the checks, on every table they cross. */
static int job_counters(void *arg)
{
	struct counters_job *j = arg;
	struct walk_tables t;
	const struct xt_table_view *v = &t.v[WT_FILTER];
	int r = walk_tables_read(&families[j->f], &t);

	if (r < 0)
		return r;
	if (j->rules && t.has[WT_FILTER] && (v->valid_hooks & (1U << NF_INET_LOCAL_IN))) {
		for (unsigned off = v->hook_entry[NF_INET_LOCAL_IN]; off < v->underflow[NF_INET_LOCAL_IN];) {
			struct entry_ref e = entry_at(j->f, v->blob, off);
			struct fw_rule_counter *rc = counter_next(j);
			describe_rule(rc, e.iniface, e.outiface, e.proto, e.elems, e.elems_len);
			target_name(v, e.target, rc->target, sizeof(rc->target));
			rc->packets = e.counters->pcnt;
			rc->bytes = e.counters->bcnt;
			off += e.next;
		}
	}
	for (size_t k = 0; k < j->n_chk; k++)
		syn_check(&t, j->f, &j->chk[k]);
	walk_tables_free(&t);
	return 0;
}

int firewall_input_counters(int nsfd, enum fw_family f, struct fw_syn_check *chk, size_t n_chk,
			    struct fw_rule_counter **out, size_t *n)
{
	struct counters_job j = { .f = f, .rules = out != NULL, .chk = chk, .n_chk = n_chk };

	/* The checks only, on the tables just read back (taken once). */
	if (!out && kept_has[f]) {
		for (size_t k = 0; k < n_chk; k++)
			syn_check(&kept[f], f, &chk[k]);
		kept_drop(f);
		return 0;
	}
	int r = netns_call_in(nsfd, job_counters, &j);

	if (r < 0 || !out) {
		free(j.v);
		return r < 0 ? r : 0;
	}
	*out = j.v;
	*n = j.n;
	return 0;
}
