/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * oobd's own reading of iptables-restore files (iptrestore.c), without the
 * kernel: what it accepts and the entries it builds, field by field, and
 * where and why it hands a file over. That the entries are exactly what
 * iptables-legacy-restore commits is tests/firewall_inproc.t's part.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <linux/netfilter.h>
#include <linux/netfilter/x_tables.h>
#include <linux/netfilter/xt_comment.h>
#include <linux/netfilter/xt_conntrack.h>
#include <linux/netfilter/xt_limit.h>
#include <linux/netfilter/xt_multiport.h>
#include <linux/netfilter/xt_tcpudp.h>
#include <linux/netfilter_ipv4/ip_tables.h>
#include <linux/netfilter_ipv4/ipt_REJECT.h>
#include <linux/netfilter_ipv6/ip6_tables.h>
#include <linux/netfilter_ipv6/ip6t_hl.h>

#include "iptrestore.h"

static const char subset_v4[] =
	"# a comment, with 'quotes'\n"
	"*raw\n"
	":PREROUTING ACCEPT [0:0]\n"
	"-A PREROUTING -p udp --dport 123 -j ACCEPT\n"
	"COMMIT\n"
	"*filter\n"
	":INPUT DROP [0:0]\n"
	":FORWARD DROP [12:345]\n"
	":OUTPUT - [0:0]\n"
	":ssh-in - [0:0]\n"
	"\n"
	"-A INPUT -i lo -j ACCEPT\n"                                             /* rule 1 */
	"-A INPUT -m conntrack --ctstate NEW -p tcp --dport 22 -j ssh-in\n"     /* 2 */
	"-A INPUT -p tcp --dport 22 -m conntrack --ctstate NEW -j ACCEPT\n"     /* 3 */
	"-A INPUT -s 203.0.113.77/24 -d 198.51.100.7 -p tcp --sport 1024: -j ACCEPT \n" /* 4, trailing blank */
	"-A INPUT -p icmp --icmp-type 3/4 -m limit --limit 20/second --limit-burst 50 -j ACCEPT\n" /* 5 */
	"-A INPUT -p tcp -m multiport --dports 1000:2000,22 -j REJECT --reject-with tcp-reset\n" /* 6 */
	"-A ssh-in -m limit -m comment --comment admins -j RETURN\n"            /* 7 */
	"-A OUTPUT -o eth+\n"                                                    /* 8 */
	"-A OUTPUT -p ICMP --icmp-type any -j DROP\n"                           /* 9 */
	"COMMIT\n";

static const void *rule_entry(const struct iptr_prog *p, size_t i)
{
	assert_true(i < p->n_rules);
	return p->blob + p->rules[i].off;
}

/* The Nth match of entry E (IPv4 layout when V4), or NULL. */
static const struct xt_entry_match *nth_match(const void *e, int v4, int n)
{
	size_t hdr = v4 ? sizeof(struct ipt_entry) : sizeof(struct ip6t_entry);
	size_t toff = v4 ? ((const struct ipt_entry *)e)->target_offset : ((const struct ip6t_entry *)e)->target_offset;
	size_t off = hdr;

	for (int k = 0; off < toff; k++) {
		const struct xt_entry_match *m = (const void *)((const unsigned char *)e + off);
		if (k == n)
			return m;
		off += m->u.user.match_size;
	}
	return NULL;
}

static const struct xt_entry_target *target_of(const struct ipt_entry *e)
{
	return (const void *)((const unsigned char *)e + e->target_offset);
}

static void test_structure(void **state)
{
	struct iptr_prog p;
	char why[256];
	int line;

	(void)state;
	assert_int_equal(iptr_parse(AF_INET, subset_v4, strlen(subset_v4), &p, &line, why, sizeof(why)), 0);
	assert_int_equal(p.n_tables, 2);
	assert_string_equal(p.tables[0].name, "raw");
	assert_int_equal(p.tables[0].n_rules, 1);
	assert_int_equal(p.tables[0].n_chains, 1);
	assert_string_equal(p.tables[1].name, "filter");
	assert_int_equal(p.tables[1].line, 6);
	assert_int_equal(p.tables[1].first_rule, 1);
	assert_int_equal(p.tables[1].n_rules, 9);
	assert_int_equal(p.tables[1].first_chain, 1);
	assert_int_equal(p.tables[1].n_chains, 4);
	assert_string_equal(p.chains[1].name, "INPUT");
	assert_string_equal(p.chains[1].policy, "DROP");
	assert_string_equal(p.chains[3].policy, "");  /* "-" on a built-in chain: left as it is */
	assert_string_equal(p.chains[4].policy, "-");
	assert_string_equal(p.rules[7].chain, "ssh-in");
	assert_int_equal(p.rules[7].line, 18);
	for (size_t i = 0; i < p.n_rules; i++) {
		const struct ipt_entry *e = rule_entry(&p, i);
		assert_int_equal(p.rules[i].off % 8, 0);
		assert_int_equal(e->next_offset, p.rules[i].len);
	}
	iptr_prog_free(&p);
	assert_null(p.blob);
}

static void test_entries_v4(void **state)
{
	struct iptr_prog p;
	char why[256];
	int line;
	const struct ipt_entry *e;
	const struct xt_entry_match *m;
	const struct xt_entry_target *t;

	(void)state;
	assert_int_equal(iptr_parse(AF_INET, subset_v4, strlen(subset_v4), &p, &line, why, sizeof(why)), 0);

	/* -i lo -j ACCEPT: the name and its NUL in the mask, no match. */
	e = rule_entry(&p, 1);
	assert_string_equal(e->ip.iniface, "lo");
	assert_memory_equal(e->ip.iniface_mask, "\xff\xff\xff\0", 4);
	assert_int_equal(e->target_offset, XT_ALIGN(sizeof(struct ipt_entry)));
	t = target_of(e);
	assert_string_equal(t->u.user.name, "ACCEPT");
	assert_int_equal(t->u.user.target_size, XT_ALIGN(sizeof(struct xt_standard_target)));

	/* The matches in the order iptables gives them. */
	e = rule_entry(&p, 2);
	assert_int_equal(e->ip.proto, IPPROTO_TCP);
	assert_string_equal(nth_match(e, 1, 0)->u.user.name, "conntrack");
	assert_int_equal(nth_match(e, 1, 0)->u.user.revision, 3);
	assert_string_equal(nth_match(e, 1, 1)->u.user.name, "tcp");
	assert_null(nth_match(e, 1, 2));
	assert_string_equal(target_of(e)->u.user.name, "ssh-in");
	e = rule_entry(&p, 3);
	assert_string_equal(nth_match(e, 1, 0)->u.user.name, "tcp");
	m = nth_match(e, 1, 1);
	assert_string_equal(m->u.user.name, "conntrack");
	assert_int_equal(((const struct xt_conntrack_mtinfo3 *)m->data)->match_flags, XT_CONNTRACK_STATE);
	assert_int_equal(((const struct xt_conntrack_mtinfo3 *)m->data)->state_mask,
			 XT_CONNTRACK_STATE_BIT(IP_CT_NEW));

	/* Addresses masked; "1024:" up to 65535; the destination left open. */
	e = rule_entry(&p, 3 + 1);
	assert_int_equal(e->ip.src.s_addr, inet_addr("203.0.113.0"));
	assert_int_equal(e->ip.smsk.s_addr, inet_addr("255.255.255.0"));
	assert_int_equal(e->ip.dst.s_addr, inet_addr("198.51.100.7"));
	assert_int_equal(e->ip.dmsk.s_addr, 0xffffffffu);
	m = nth_match(e, 1, 0);
	assert_int_equal(((const struct xt_tcp *)m->data)->spts[0], 1024);
	assert_int_equal(((const struct xt_tcp *)m->data)->spts[1], 65535);
	assert_int_equal(((const struct xt_tcp *)m->data)->dpts[0], 0);
	assert_int_equal(((const struct xt_tcp *)m->data)->dpts[1], 65535);

	/* icmp 3/4 and a limit of 20/second, burst 50. */
	e = rule_entry(&p, 5);
	m = nth_match(e, 1, 0);
	assert_string_equal(m->u.user.name, "icmp");
	assert_int_equal(((const struct ipt_icmp *)m->data)->type, 3);
	assert_int_equal(((const struct ipt_icmp *)m->data)->code[0], 4);
	assert_int_equal(((const struct ipt_icmp *)m->data)->code[1], 4);
	m = nth_match(e, 1, 1);
	assert_int_equal(((const struct xt_rateinfo *)m->data)->avg, XT_LIMIT_SCALE / 20);
	assert_int_equal(((const struct xt_rateinfo *)m->data)->burst, 50);

	/* multiport revision 1 with a range, REJECT with tcp-reset. */
	e = rule_entry(&p, 6);
	m = nth_match(e, 1, 0);
	assert_string_equal(m->u.user.name, "multiport");
	assert_int_equal(m->u.user.revision, 1);
	{
		const struct xt_multiport_v1 *mp = (const void *)m->data;
		assert_int_equal(mp->flags, XT_MULTIPORT_DESTINATION);
		assert_int_equal(mp->count, 3);
		assert_int_equal(mp->ports[0], 1000);
		assert_int_equal(mp->ports[1], 2000);
		assert_int_equal(mp->ports[2], 22);
		assert_int_equal(mp->pflags[0], 1);
		assert_int_equal(mp->pflags[1], 0);
	}
	t = target_of(e);
	assert_string_equal(t->u.user.name, "REJECT");
	assert_int_equal(((const struct ipt_reject_info *)t->data)->with, IPT_TCP_RESET);

	/* limit's defaults (3/hour, burst 5), a comment, RETURN. */
	e = rule_entry(&p, 7);
	m = nth_match(e, 1, 0);
	assert_int_equal(((const struct xt_rateinfo *)m->data)->avg, XT_LIMIT_SCALE * 3600 / 3);
	assert_int_equal(((const struct xt_rateinfo *)m->data)->burst, 5);
	m = nth_match(e, 1, 1);
	assert_string_equal(((const struct xt_comment_info *)m->data)->comment, "admins");
	assert_string_equal(target_of(e)->u.user.name, "RETURN");

	/* "eth+": the prefix only; no -j: an empty label (a counting rule). */
	e = rule_entry(&p, 8);
	assert_string_equal(e->ip.outiface, "eth+");
	assert_memory_equal(e->ip.outiface_mask, "\xff\xff\xff\0", 4);
	assert_string_equal(target_of(e)->u.user.name, "");

	/* "ICMP" is icmp; "any" is type 255, every code. */
	e = rule_entry(&p, 9);
	assert_int_equal(e->ip.proto, IPPROTO_ICMP);
	m = nth_match(e, 1, 0);
	assert_int_equal(((const struct ipt_icmp *)m->data)->type, 255);
	assert_int_equal(((const struct ipt_icmp *)m->data)->code[0], 0);
	assert_int_equal(((const struct ipt_icmp *)m->data)->code[1], 255);
	iptr_prog_free(&p);
}

static void test_entries_v6(void **state)
{
	static const char v6[] = "*filter\n"
				 "-A INPUT -s fe80::1/10 -p ipv6-icmp --icmpv6-type neighbour-solicitation -m hl --hl-eq 255 -j ACCEPT\n"
				 "-A INPUT -p all -j REJECT\n"
				 "-A INPUT -d 2001:db8::1\n"
				 "COMMIT\n";
	struct iptr_prog p;
	char why[256];
	int line;
	const struct ip6t_entry *e;
	const struct xt_entry_match *m;
	struct in6_addr a;

	(void)state;
	assert_int_equal(iptr_parse(AF_INET6, v6, strlen(v6), &p, &line, why, sizeof(why)), 0);
	assert_int_equal(p.n_rules, 3);
	e = rule_entry(&p, 0);
	assert_int_equal(e->ipv6.proto, IPPROTO_ICMPV6);
	assert_true(e->ipv6.flags & IP6T_F_PROTO);
	inet_pton(AF_INET6, "fe80::", &a);
	assert_memory_equal(&e->ipv6.src, &a, 16);
	inet_pton(AF_INET6, "ffc0::", &a);
	assert_memory_equal(&e->ipv6.smsk, &a, 16);
	m = nth_match(e, 0, 0);
	assert_string_equal(m->u.user.name, "icmp6");
	assert_int_equal(((const struct ip6t_icmp *)m->data)->type, 135);
	m = nth_match(e, 0, 1);
	assert_string_equal(m->u.user.name, "hl");
	assert_int_equal(((const struct ip6t_hl_info *)m->data)->mode, IP6T_HL_EQ);
	assert_int_equal(((const struct ip6t_hl_info *)m->data)->hop_limit, 255);
	e = rule_entry(&p, 1);
	assert_int_equal(e->ipv6.proto, 0);
	assert_true(e->ipv6.flags & IP6T_F_PROTO); /* as ip6tables sets it for any -p */
	e = rule_entry(&p, 2);
	assert_false(e->ipv6.flags & IP6T_F_PROTO);
	inet_pton(AF_INET6, "2001:db8::1", &a);
	assert_memory_equal(&e->ipv6.dst, &a, 16);
	iptr_prog_free(&p);
}

/* Each of these stops the reading at the line given, for the reason given
 * (a substring of WHY). */
static void test_handed_over(void **state)
{
	static const struct {
		int af;
		const char *text;
		int line;
		const char *why;
	} cases[] = {
		{ AF_INET, "*filter\n-A INPUT ! -s 10.0.0.0/8 -j DROP\nCOMMIT\n", 2, "negation" },
		/* What restore refuses, and oobd's reading would have taken. */
		{ AF_INET, "*filter\n-A INPUT -j ACCEPT\nCOMMIT \n", 3, "COMMIT with blanks" },
		{ AF_INET, "*filter\n \t\n-A INPUT -j ACCEPT\nCOMMIT\n", 2, "blanks alone" },
		{ AF_INET, "*filter\n-A INPUT -p icmp -m icmp -j ACCEPT\nCOMMIT\n", 2, "" },
		{ AF_INET6, "*filter\n-A INPUT -p ipv6-icmp -m icmp6 -j ACCEPT\nCOMMIT\n", 2, "" },
		{ AF_INET6, "*filter\n-A INPUT -p ipv6-icmp --icmpv6-type any -j ACCEPT\nCOMMIT\n", 2, "" },
		{ AF_INET, "*filter\n-A INPUT -p tcp --dport ssh -j ACCEPT\nCOMMIT\n", 2, "--dport ssh" },
		{ AF_INET, "*filter\n-A INPUT -p tcp --dport 022 -j ACCEPT\nCOMMIT\n", 2, "--dport 022" },
		{ AF_INET, "*filter\n-A INPUT -p tcp --dport 65536 -j ACCEPT\nCOMMIT\n", 2, "--dport" },
		{ AF_INET, "*filter\n-A INPUT -p tcp --dport 30:20 -j ACCEPT\nCOMMIT\n", 2, "--dport" },
		{ AF_INET, "*filter\n-A INPUT -s localhost -j ACCEPT\nCOMMIT\n", 2, "-s localhost" },
		{ AF_INET, "*filter\n-A INPUT -s 10.0.0.0/255.0.0.0 -j ACCEPT\nCOMMIT\n", 2, "-s" },
		{ AF_INET, "*filter\n-A INPUT -s 10.0.0.1,10.0.0.2 -j ACCEPT\nCOMMIT\n", 2, "-s" },
		{ AF_INET, "*filter\n-N x\nCOMMIT\n", 2, "other than" },
		{ AF_INET, "*filter\n-I INPUT 1 -j ACCEPT\nCOMMIT\n", 2, "other than" },
		{ AF_INET, "*filter\n-A INPUT -m state --state NEW -j ACCEPT\nCOMMIT\n", 2, "match 'state'" },
		{ AF_INET, "*filter\n-A INPUT -m comment --comment \"a b\"\nCOMMIT\n", 2, "quoting" },
		{ AF_INET, "*filter\n-A INPUT -j ACCEPT\n", 3, "no COMMIT" },
		{ AF_INET, "*filter\n-A nosuch -j ACCEPT\nCOMMIT\n", 2, "not declared" },
		{ AF_INET, "*filter\n-A INPUT -j later\n:later - [0:0]\nCOMMIT\n", 2, "target 'later'" },
		{ AF_INET, "*filter\n-A INPUT -j INPUT\nCOMMIT\n", 2, "target 'INPUT'" },
		{ AF_INET, "*filter\n-A INPUT -j QUEUE\nCOMMIT\n", 2, "QUEUE" },
		{ AF_INET, "*filter\n-A INPUT -j LOG\nCOMMIT\n", 2, "target 'LOG'" },
		{ AF_INET, "*filter\n-A INPUT -p tcp -p udp\nCOMMIT\n", 2, "-p udp" },
		{ AF_INET, "*filter\n-A INPUT -m tcp -m tcp --dport 1\nCOMMIT\n", 2, "match 'tcp'" },
		{ AF_INET, "*filter\n-A INPUT -m tcp -m udp --dport 1\nCOMMIT\n", 2, "two matches" },
		{ AF_INET, "*filter\n-A INPUT --dport 22 -p tcp\nCOMMIT\n", 2, "option --dport" },
		{ AF_INET, "*filter\n-A INPUT -p tcp --dport 1 --dport 2\nCOMMIT\n", 2, "--dport 2" },
		{ AF_INET, "*filter\n-A INPUT -p tcp --syn -j DROP\nCOMMIT\n", 2, "--syn" },
		{ AF_INET, "*filter\n-A INPUT --reject-with tcp-reset -j REJECT\nCOMMIT\n", 2, "--reject-with" },
		{ AF_INET, "*filter\n-A INPUT -p icmp --icmp-type port-unreachable\nCOMMIT\n", 2, "port-unreachable" },
		{ AF_INET, "*filter\n-A INPUT -p ipv6-icmp\nCOMMIT\n", 2, "-p ipv6-icmp" },
		{ AF_INET, "*filter\n-A INPUT -m multiport --dports 22\nCOMMIT\n", 2, "--dports" },
		{ AF_INET, "*filter\n-A INPUT -p tcp -m multiport --dport 22\nCOMMIT\n", 2, "abbreviation" },
		{ AF_INET, "*filter\n-A INPUT -p tcp -m multiport --source-port 22\nCOMMIT\n", 2, "abbreviation" },
		{ AF_INET, "*filter\n-A INPUT -p tcp -m multiport --dports 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16\nCOMMIT\n",
		  2, "--dports" },
		{ AF_INET, "*filter\n-A INPUT -m conntrack\nCOMMIT\n", 2, "without its options" },
		{ AF_INET, "*filter\n-A INPUT -m limit --limit 0/s\nCOMMIT\n", 2, "--limit 0/s" },
		{ AF_INET, "*filter\n-A INPUT -m limit --limit 5/fortnight\nCOMMIT\n", 2, "--limit" },
		{ AF_INET, "*filter\n-A INPUT -m hl --hl-eq 1\nCOMMIT\n", 2, "match 'hl'" },
		{ AF_INET6, "*filter\n-A INPUT -m ttl --ttl-eq 1\nCOMMIT\n", 2, "match 'ttl'" },
		{ AF_INET, "*filter\n-A INPUT -i a/b\nCOMMIT\n", 2, "-i a/b" },
		{ AF_INET, "*filter\n-A INPUT -o eth0 -j DROP\nCOMMIT\n", 2, "-o in chain INPUT" },
		{ AF_INET6, "*filter\n-A OUTPUT -i lo -j ACCEPT\nCOMMIT\n", 2, "-i in chain OUTPUT" },
		{ AF_INET, "*mangle\n-A PREROUTING -o eth0\nCOMMIT\n", 2, "-o in chain PREROUTING" },
		{ AF_INET, "*mangle\n-A POSTROUTING -i eth0\nCOMMIT\n", 2, "-i in chain POSTROUTING" },
		{ AF_INET6, "*filter\n-A INPUT -p tcp -j REJECT --reject-with tcp-rst\nCOMMIT\n", 2, "--reject-with tcp-rst" },
		{ AF_INET, "*filter\n:standard - [0:0]\n-A INPUT -j standard\nCOMMIT\n", 2, "chain name 'standard'" },
		{ AF_INET, "*nat\n-A PREROUTING -p tcp -j DROP\nCOMMIT\n", 2, "DROP in the nat table" },
		{ AF_INET, "*filter\n-A INPUT -i abcdefghijklmnop\nCOMMIT\n", 2, "-i" },
		{ AF_INET, "*filter\n:INPUT QUEUE [0:0]\nCOMMIT\n", 2, "policy" },
		{ AF_INET, "*filter\n:mine DROP [0:0]\nCOMMIT\n", 2, "policy" },
		{ AF_INET, "*filter\n:mine - [0:0]\n:mine - [0:0]\nCOMMIT\n", 3, "twice" },
		{ AF_INET, "*filter\n:INPUT\nCOMMIT\n", 2, "chain line" },
		{ AF_INET, "*filter\n:abcdefghijklmnopqrstuvwxyz0123 - [0:0]\nCOMMIT\n", 2, "chain name" },
		{ AF_INET, "*filter\nCOMMIT\n*filter\nCOMMIT\n", 3, "twice" },
		{ AF_INET, "*broute\nCOMMIT\n", 1, "table 'broute'" },
		{ AF_INET, "*filter\n*raw\nCOMMIT\n", 2, "before COMMIT" },
		{ AF_INET, "-A INPUT -j ACCEPT\n", 1, "outside a table" },
		{ AF_INET, "*filter\n  -A INPUT -j ACCEPT\nCOMMIT\n", 2, "start of a line" },
		{ AF_INET, "*filter\r\nCOMMIT\r\n", 1, "carriage return" },
		{ AF_INET, "*filter\n-A INPUT -j ACCEPT # why\nCOMMIT\n", 2, "'#'" },
		{ AF_INET, "*filter\n-A INPUT -m comment --comment #1 -j ACCEPT\nCOMMIT\n", 2, "'#'" },
		{ AF_INET, "# nothing\n", 1, "no table" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct iptr_prog p;
		char why[256];
		int line = -1;
		int r = iptr_parse(cases[i].af, cases[i].text, strlen(cases[i].text), &p, &line, why, sizeof(why));
		if (r != -ENOTSUP || line != cases[i].line || !strstr(why, cases[i].why))
			fail_msg("case %zu (%s): r=%d line=%d why='%s', expected line %d and '%s'", i, cases[i].text, r,
				 line, why, cases[i].line, cases[i].why);
		assert_null(p.blob);
		assert_int_equal(p.n_rules, 0);
	}
}

/* The input need not end in a NUL or a newline, and a NUL inside is not
 * the end of it. */
static void test_buffer_edges(void **state)
{
	static const char text[] = "*filter\n-A INPUT -j ACCEPT\nCOMMIT\n";
	static const char nul[] = "*filter\n-A INPUT -j ACCEPT\0 -j DROP\nCOMMIT\n";
	char *exact = malloc(sizeof(text) - 1);
	struct iptr_prog p;
	char why[256];
	int line;

	(void)state;
	assert_non_null(exact);
	memcpy(exact, text, sizeof(text) - 1);
	assert_int_equal(iptr_parse(AF_INET, exact, sizeof(text) - 1, &p, &line, why, sizeof(why)), 0);
	assert_int_equal(p.n_rules, 1);
	iptr_prog_free(&p);
	free(exact);
	assert_int_equal(iptr_parse(AF_INET, nul, sizeof(nul) - 1, &p, &line, why, sizeof(why)), -ENOTSUP);
	assert_int_equal(line, 2);
	assert_int_equal(iptr_parse(AF_UNIX, text, sizeof(text) - 1, &p, &line, why, sizeof(why)), -EAFNOSUPPORT);
	/* The last COMMIT without its newline: restore refuses it. */
	assert_int_equal(iptr_parse(AF_INET, text, sizeof(text) - 2, &p, &line, why, sizeof(why)), -ENOTSUP);
	assert_int_equal(line, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_structure),
		cmocka_unit_test(test_entries_v4),
		cmocka_unit_test(test_entries_v6),
		cmocka_unit_test(test_handed_over),
		cmocka_unit_test(test_buffer_edges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
