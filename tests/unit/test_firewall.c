/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The firewall's pure parts, without the kernel: the built-in ruleset as
 * rule specs and as the ipt_entry/ip6t_entry blobs libiptc commits, the
 * reading of what an iptables-restore file declares, and the turning of
 * restore's complaints into FILE:LINE: messages.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libiptc/libip6tc.h>
#include <libiptc/libiptc.h>
#include <linux/netfilter.h>
#include <linux/netfilter/xt_conntrack.h>
#include <linux/netfilter/xt_tcpudp.h>

#include "firewall.h"

/* "--ctstate ESTABLISHED,RELATED" as the kernel's xt_conntrack reads it:
 * bit 1 + IP_CT_ESTABLISHED (0) and bit 1 + IP_CT_RELATED (1); bit 0 is INVALID. */
#define EST_REL ((1u << 1) | (1u << 2))

static const struct firewall_allow two_ports = { .ssh_ports = { 22, 2222 }, .n_ssh_ports = 2 };

static void test_fallback_policies(void **state)
{
	(void)state;
	assert_string_equal(firewall_fallback_policy("INPUT"), "DROP");
	assert_string_equal(firewall_fallback_policy("FORWARD"), "DROP");
	assert_string_equal(firewall_fallback_policy("OUTPUT"), "ACCEPT");
	assert_null(firewall_fallback_policy("PREROUTING"));
}

static void assert_rule(const struct fw_rule *r, const char *iniface, uint8_t proto, unsigned dport, int icmp,
			unsigned st)
{
	assert_string_equal(r->chain, "INPUT");
	assert_string_equal(r->iniface, iniface);
	assert_int_equal(r->proto, proto);
	assert_int_equal(r->dport, dport);
	assert_int_equal(r->icmp_type, icmp);
	assert_int_equal(r->state, st);
	assert_string_equal(r->target, "ACCEPT");
}

static void test_fallback_rules_v4(void **state)
{
	struct fw_rule r[FW_FALLBACK_MAX_RULES];
	int n = firewall_fallback_rules(FW_IPV4, &two_ports, r);

	(void)state;
	assert_int_equal(n, 5);
	assert_rule(&r[0], "lo", 0, 0, -1, 0);
	assert_rule(&r[1], "", 0, 0, -1, EST_REL);
	assert_rule(&r[2], "", IPPROTO_ICMP, 0, 8, 0);
	assert_rule(&r[3], "", IPPROTO_TCP, 22, -1, 0);
	assert_rule(&r[4], "", IPPROTO_TCP, 2222, -1, 0);
}

static void test_fallback_rules_v6_dhcp(void **state)
{
	struct firewall_allow a = { .ssh_ports = { 22 }, .n_ssh_ports = 1, .dhcp4 = true, .dhcp6 = true };
	struct fw_rule r[FW_FALLBACK_MAX_RULES];
	int n = firewall_fallback_rules(FW_IPV6, &a, r);

	(void)state;
	assert_int_equal(n, 10);
	assert_rule(&r[0], "lo", 0, 0, -1, 0);
	assert_rule(&r[1], "", 0, 0, -1, EST_REL);
	assert_rule(&r[2], "", IPPROTO_ICMPV6, 0, 128, 0);
	for (int t = 133; t <= 137; t++)
		assert_rule(&r[3 + t - 133], "", IPPROTO_ICMPV6, 0, t, 0);
	assert_rule(&r[8], "", IPPROTO_TCP, 22, -1, 0);
	assert_rule(&r[9], "", IPPROTO_UDP, 546, -1, 0); /* DHCPv6 client port; not IPv4's 68 */

	n = firewall_fallback_rules(FW_IPV4, &a, r);
	assert_int_equal(n, 5);
	assert_rule(&r[4], "", IPPROTO_UDP, 68, -1, 0);
}

static void test_fallback_rules_many_ports(void **state)
{
	struct firewall_allow a = { .n_ssh_ports = FIREWALL_MAX_PORTS, .dhcp6 = true };
	struct fw_rule r[FW_FALLBACK_MAX_RULES];

	(void)state;
	for (int k = 0; k < FIREWALL_MAX_PORTS; k++)
		a.ssh_ports[k] = 1000 + (unsigned)k;
	assert_true(firewall_fallback_rules(FW_IPV6, &a, r) <= FW_FALLBACK_MAX_RULES);
}

/* The match at OFF of entry E: its name, revision, size; returns its data. */
static const void *match_rev_at(const unsigned char *e, size_t off, const char *name, int rev, size_t dlen)
{
	const struct xt_entry_match *m = (const void *)(e + off);
	assert_string_equal(m->u.user.name, name);
	assert_int_equal(m->u.user.revision, rev);
	assert_int_equal(m->u.user.match_size, XT_ALIGN(sizeof(*m) + dlen));
	return m->data;
}

static const void *match_at(const unsigned char *e, size_t off, const char *name, size_t dlen)
{
	return match_rev_at(e, off, name, 0, dlen);
}

/* -m conntrack --ctstate ESTABLISHED,RELATED, and nothing else of conntrack. */
static void assert_ctstate(const unsigned char *e, size_t off)
{
	const struct xt_conntrack_mtinfo3 *c = match_rev_at(e, off, "conntrack", 3, sizeof(*c));
	struct xt_conntrack_mtinfo3 want = { .match_flags = XT_CONNTRACK_STATE, .state_mask = EST_REL };
	assert_memory_equal(c, &want, sizeof(want));
}

static void assert_target(const unsigned char *e, size_t toff, size_t size, const char *name, int verdict)
{
	const struct xt_standard_target *t = (const void *)(e + toff);
	assert_int_equal(t->target.u.user.target_size, XT_ALIGN(sizeof(*t)));
	assert_string_equal(t->target.u.user.name, name);
	assert_int_equal(t->verdict, verdict);
	assert_int_equal(size, toff + XT_ALIGN(sizeof(*t)));
}

static void test_entries_v4(void **state)
{
	unsigned char buf[FW_ENTRY_MAX] __attribute__((aligned(8)));
	const struct ipt_entry *e = (const void *)buf;
	const size_t hdr = XT_ALIGN(sizeof(struct ipt_entry));
	struct fw_rule r[FW_FALLBACK_MAX_RULES];
	int n = firewall_fallback_rules(FW_IPV4, &two_ports, r), size;

	(void)state;
	/* -i lo -j ACCEPT: the name and its NUL in the mask, no match. */
	size = firewall_entry_build(FW_IPV4, &r[0], buf, sizeof(buf));
	assert_string_equal(e->ip.iniface, "lo");
	assert_memory_equal(e->ip.iniface_mask, "\xff\xff\xff\0", 4);
	assert_int_equal(e->ip.proto, 0);
	assert_int_equal(e->target_offset, hdr);
	assert_int_equal(e->next_offset, size);
	assert_target(buf, e->target_offset, (size_t)size, "ACCEPT", -NF_ACCEPT - 1);

	/* -m conntrack --ctstate ESTABLISHED,RELATED */
	size = firewall_entry_build(FW_IPV4, &r[1], buf, sizeof(buf));
	assert_string_equal(e->ip.iniface, "");
	assert_int_equal(e->ip.iniface_mask[0], 0);
	assert_ctstate(buf, hdr);
	assert_int_equal(e->target_offset,
			 hdr + XT_ALIGN(sizeof(struct xt_entry_match) + sizeof(struct xt_conntrack_mtinfo3)));
	assert_target(buf, e->target_offset, (size_t)size, "ACCEPT", -NF_ACCEPT - 1);

	/* -p icmp --icmp-type 8 (any code) */
	size = firewall_entry_build(FW_IPV4, &r[2], buf, sizeof(buf));
	assert_int_equal(e->ip.proto, IPPROTO_ICMP);
	const struct ipt_icmp *ic = match_at(buf, hdr, "icmp", sizeof(*ic));
	assert_int_equal(ic->type, 8);
	assert_int_equal(ic->code[0], 0);
	assert_int_equal(ic->code[1], 0xff);
	assert_int_equal(ic->invflags, 0);

	/* -p tcp --dport 2222 (any source port) */
	size = firewall_entry_build(FW_IPV4, &r[n - 1], buf, sizeof(buf));
	assert_int_equal(e->ip.proto, IPPROTO_TCP);
	const struct xt_tcp *tcp = match_at(buf, hdr, "tcp", sizeof(*tcp));
	assert_int_equal(tcp->spts[0], 0);
	assert_int_equal(tcp->spts[1], 0xffff);
	assert_int_equal(tcp->dpts[0], 2222);
	assert_int_equal(tcp->dpts[1], 2222);
	assert_int_equal(tcp->flg_mask, 0);
	assert_int_equal(tcp->invflags, 0);
	assert_target(buf, e->target_offset, (size_t)size, "ACCEPT", -NF_ACCEPT - 1);
}

static void test_entries_v6(void **state)
{
	struct firewall_allow a = { .ssh_ports = { 22 }, .n_ssh_ports = 1, .dhcp6 = true };
	unsigned char buf[FW_ENTRY_MAX] __attribute__((aligned(8)));
	const struct ip6t_entry *e = (const void *)buf;
	const size_t hdr = XT_ALIGN(sizeof(struct ip6t_entry));
	struct fw_rule r[FW_FALLBACK_MAX_RULES];
	int n = firewall_fallback_rules(FW_IPV6, &a, r), size;

	(void)state;
	size = firewall_entry_build(FW_IPV6, &r[0], buf, sizeof(buf));
	assert_string_equal(e->ipv6.iniface, "lo");
	assert_int_equal(e->ipv6.flags & IP6T_F_PROTO, 0);
	assert_target(buf, e->target_offset, (size_t)size, "ACCEPT", -NF_ACCEPT - 1);

	/* Every ICMPv6 rule: the protocol, with the flag ip6_tables needs. */
	for (int i = 2; i < 8; i++) {
		size = firewall_entry_build(FW_IPV6, &r[i], buf, sizeof(buf));
		assert_int_equal(e->ipv6.proto, IPPROTO_ICMPV6);
		assert_int_equal(e->ipv6.flags & IP6T_F_PROTO, IP6T_F_PROTO);
		const struct ip6t_icmp *ic = match_at(buf, hdr, "icmp6", sizeof(*ic));
		assert_int_equal(ic->type, r[i].icmp_type);
		assert_int_equal(ic->code[1], 0xff);
		assert_int_equal(e->next_offset, size);
	}

	/* -p udp --dport 546 */
	size = firewall_entry_build(FW_IPV6, &r[n - 1], buf, sizeof(buf));
	assert_int_equal(e->ipv6.proto, IPPROTO_UDP);
	assert_int_equal(e->ipv6.flags & IP6T_F_PROTO, IP6T_F_PROTO);
	const struct xt_udp *udp = match_at(buf, hdr, "udp", sizeof(*udp));
	assert_int_equal(udp->dpts[0], 546);
	assert_int_equal(udp->dpts[1], 546);
	assert_target(buf, e->target_offset, (size_t)size, "ACCEPT", -NF_ACCEPT - 1);
}

static void test_entry_combined_and_invalid(void **state)
{
	unsigned char buf[FW_ENTRY_MAX] __attribute__((aligned(8)));
	const struct ipt_entry *e = (const void *)buf;
	const size_t hdr = XT_ALIGN(sizeof(struct ipt_entry));
	struct fw_rule r = { .chain = "INPUT", .proto = IPPROTO_TCP, .dport = 22, .icmp_type = -1,
			     .state = EST_REL, .target = "DROP" };
	int size;

	(void)state;
	/* A protocol match, then the state match, then the target. */
	size = firewall_entry_build(FW_IPV4, &r, buf, sizeof(buf));
	assert_true(size > 0);
	match_at(buf, hdr, "tcp", sizeof(struct xt_tcp));
	size_t second = hdr + XT_ALIGN(sizeof(struct xt_entry_match) + sizeof(struct xt_tcp));
	assert_ctstate(buf, second);
	assert_target(buf, e->target_offset, (size_t)size, "DROP", -NF_DROP - 1);

	assert_int_equal(firewall_entry_build(FW_IPV4, &r, buf, 100), -ENOSPC);
	r.proto = IPPROTO_ICMP; /* a port on ICMP */
	assert_int_equal(firewall_entry_build(FW_IPV4, &r, buf, sizeof(buf)), -EINVAL);
	r.dport = 0;
	r.icmp_type = 8;
	assert_int_equal(firewall_entry_build(FW_IPV6, &r, buf, sizeof(buf)), -EINVAL); /* icmp in IPv6 */
	r.target = "LOG";
	assert_int_equal(firewall_entry_build(FW_IPV4, &r, buf, sizeof(buf)), -EINVAL);
}

static const struct fw_decl *decl(const struct fw_decl *v, size_t n, const char *table, const char *chain)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].table, table) == 0 && strcmp(v[i].chain, chain) == 0)
			return &v[i];
	return NULL;
}

static void test_decls(void **state)
{
	static const char text[] = "# comment\n"
				   "*filter\n"                             /* 2: replaced by line 12 */
				   ":INPUT ACCEPT [0:0]\n"
				   "COMMIT\n"
				   "*raw\n"                                /* 5 */
				   ":PREROUTING ACCEPT [3:4]\n"
				   "  :OUTPUT ACCEPT\n"                    /* 7: leading blanks */
				   "-N OLD\n"
				   "-N GONE\n"
				   "-X GONE\n"                             /* 10 */
				   "COMMIT\n"
				   "*filter\n"                             /* 12 */
				   ":INPUT DROP [0:0]\n"
				   ":FORWARD DROP [0:0]\n"
				   ":OUTPUT ACCEPT [0:0]\n"                /* 15 */
				   ":SSH - [0:0]\n"
				   "--new-chain LOGDROP\n"
				   "-P OUTPUT DROP\n"
				   "-A INPUT -j SSH\n"
				   "COMMIT\n";
	struct fw_decl *v = NULL;
	size_t n = 0;
	const struct fw_decl *d;

	(void)state;
	assert_int_equal(firewall_decls_parse(text, &v, &n), 0);
	assert_int_equal(n, 10);
	assert_non_null(d = decl(v, n, "filter", ""));
	assert_int_equal(d->line, 12);
	assert_non_null(d = decl(v, n, "filter", "INPUT"));
	assert_string_equal(d->policy, "DROP");
	assert_int_equal(d->line, 13);
	assert_non_null(d = decl(v, n, "filter", "OUTPUT"));
	assert_string_equal(d->policy, "DROP"); /* -P wins over the ':' line */
	assert_non_null(d = decl(v, n, "filter", "SSH"));
	assert_string_equal(d->policy, "-");
	assert_int_equal(d->line, 16);
	assert_non_null(d = decl(v, n, "filter", "LOGDROP"));
	assert_string_equal(d->policy, "-");
	assert_non_null(d = decl(v, n, "raw", ""));
	assert_int_equal(d->line, 5);
	assert_non_null(d = decl(v, n, "raw", "OUTPUT"));
	assert_int_equal(d->line, 7);
	assert_non_null(decl(v, n, "raw", "OLD"));
	assert_null(decl(v, n, "raw", "GONE"));
	free(v);

	assert_int_equal(firewall_decls_parse("-A INPUT -j ACCEPT\n:X DROP\n", &v, &n), 0);
	assert_int_equal(n, 0); /* nothing outside a table */
	free(v);
}

static void test_restore_errors(void **state)
{
	static const char data[] = "*filter\n:INPUT DROP [0:0]\n-A INPUT -j REJECT\nCOMMIT\ngarbage\n";
	char buf[512];

	(void)state;
	assert_int_equal(firewall_restore_error("/e/v4.rules", data,
						"iptables-restore v1.8.9 (legacy): unknown option \"--dprot\"\n"
						"Error occurred at line: 7\n"
						"Try `iptables-restore -h' or 'iptables-restore --help' for more "
						"information.\n",
						buf, sizeof(buf)),
			 7);
	assert_string_equal(buf, "/e/v4.rules:7: unknown option \"--dprot\"");

	assert_int_equal(firewall_restore_error("f", data,
						"ip6tables-restore v1.8.9 (legacy): Couldn't load target `BAR':No "
						"such file or directory\n\nError occurred at line: 4\n",
						buf, sizeof(buf)),
			 4);
	assert_string_equal(buf, "f:4: Couldn't load target `BAR':No such file or directory");

	assert_int_equal(firewall_restore_error("f", data,
						"iptables-restore v1.8.9 (legacy): iptables-restore: unable to "
						"initialize table 'nosuch'\nError occurred at line: 1\n",
						buf, sizeof(buf)),
			 1);
	assert_string_equal(buf, "f:1: unable to initialize table 'nosuch'");

	assert_int_equal(firewall_restore_error("f", data, "iptables-restore: COMMIT expected at line 6\n", buf,
						sizeof(buf)),
			 6);
	assert_string_equal(buf, "f:6: COMMIT expected");

	/* "line N failed" at a COMMIT: the kernel refused the table. */
	assert_int_equal(firewall_restore_error("f", data, "iptables-restore: line 4 failed\n", buf, sizeof(buf)), 4);
	assert_non_null(strstr(buf, "f:4: the kernel refused the table committed here"));
	/* ... elsewhere: restore could not take the line. */
	assert_int_equal(firewall_restore_error("f", data, "iptables-restore: line 5 failed\n", buf, sizeof(buf)), 5);
	assert_string_equal(buf, "f:5: not a line iptables-restore can apply");

	/* A carriage return at a line's end, which restore's words hide. */
	{
		static const char crlf[] = "# rules\r\n*filter\r\n:INPUT DROP [0:0]\r\n-A INPUT -p tcp --dport 22 "
					   "-j ACCEPT\r\nCOMMIT\r\n";
		static const char one[] = "*filter\n:INPUT DROP [0:0]\r\n:OUTPUT BAD\n-A INPUT -j ACCEPT\r\nCOMMIT\n";
		static const char cr_why[] = "a carriage return ends the line (DOS line endings?), which "
					     "iptables-restore reads as part of its last word: dos2unix, or sed -i "
					     "'s/\\r$//', removes them";
		char want[512];

		/* restore quotes the word with its carriage return. */
		assert_int_equal(firewall_restore_error("f", crlf,
							"iptables-restore v1.8.9 (legacy): iptables-restore: unable "
							"to initialize table 'filter\r'\nError occurred at line: 2\n",
							buf, sizeof(buf)),
				 2);
		snprintf(want, sizeof(want), "f:2: %s", cr_why);
		assert_string_equal(buf, want);
		/* No line said: the first one a carriage return ends (not
		 * the comment's, which restore skips). */
		assert_int_equal(firewall_restore_error("f", crlf, "iptables-restore v1.8.9 (legacy): Bad argument "
								   "`COMMIT\r'\n",
							buf, sizeof(buf)),
				 2);
		assert_string_equal(buf, want);
		/* A policy restore refused, its line named in its own way: it
		 * took the carriage return after a policy's counters, which it
		 * does not read. Its own words stand. */
		assert_int_equal(firewall_restore_error("f", one,
							"iptables-restore v1.8.9 (legacy): Can't set policy `BAD' on "
							"`OUTPUT' line 3: Bad policy name\n",
							buf, sizeof(buf)),
				 3);
		assert_string_equal(buf, "f:3: Can't set policy `BAD' on `OUTPUT': Bad policy name");
		assert_int_equal(firewall_restore_error("f", "*filter\n:INPUT BAD [0:0]\r\nCOMMIT\n",
							"iptables-restore v1.8.9 (legacy): Can't set policy `BAD' on "
							"`INPUT' line 2: Bad policy name\n",
							buf, sizeof(buf)),
				 2);
		assert_string_equal(buf, "f:2: Can't set policy `BAD' on `INPUT': Bad policy name");
		/* A line restore failed at for another word: its words stand. */
		assert_int_equal(firewall_restore_error("f", "*filter\n-A INPUT -p tcp --dprot 22\r\nCOMMIT\n",
							"iptables-restore v1.8.9 (legacy): unknown option \"--dprot\"\n"
							"Error occurred at line: 2\n",
							buf, sizeof(buf)),
				 2);
		assert_string_equal(buf, "f:2: unknown option \"--dprot\"");
		assert_int_equal(firewall_restore_error("f", one,
							"iptables-restore v1.8.9 (legacy): Couldn't load target "
							"`ACCEPT\r'\nError occurred at line: 4\n",
							buf, sizeof(buf)),
				 4);
		snprintf(want, sizeof(want), "f:4: %s", cr_why);
		assert_string_equal(buf, want);
		/* A line of a carriage return alone is no blank line to
		 * restore, and it says nothing but "line N failed". */
		assert_int_equal(firewall_restore_error("f", "*filter\n\r\nCOMMIT\n", "iptables-restore: line 2 failed\n",
							buf, sizeof(buf)),
				 2);
		snprintf(want, sizeof(want), "f:2: %s", cr_why);
		assert_string_equal(buf, want);
	}

	/* A no-break space pasted with the text: shown, and named. */
	assert_int_equal(firewall_restore_error("f", "*filter\n-A INPUT -p tcp --dport\xc2\xa0" "22 -j ACCEPT\nCOMMIT\n",
						"iptables-restore v1.8.9 (legacy): unknown option \"--dport\xc2\xa0" "22\"\n"
						"Error occurred at line: 2\n",
						buf, sizeof(buf)),
			 2);
	assert_string_equal(buf, "f:2: unknown option \"--dport<U+00A0>22\" (it holds <U+00A0>, a no-break space, "
				 "which a terminal does not show: pasted from a web page or a document?)");

	assert_int_equal(firewall_restore_error("f", NULL, "something odd\n", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "f: something odd");
	assert_int_equal(firewall_restore_error("f", NULL, "", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "f: iptables-restore failed without saying why");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fallback_policies),
		cmocka_unit_test(test_fallback_rules_v4),
		cmocka_unit_test(test_fallback_rules_v6_dhcp),
		cmocka_unit_test(test_fallback_rules_many_ports),
		cmocka_unit_test(test_entries_v4),
		cmocka_unit_test(test_entries_v6),
		cmocka_unit_test(test_entry_combined_and_invalid),
		cmocka_unit_test(test_decls),
		cmocka_unit_test(test_restore_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
