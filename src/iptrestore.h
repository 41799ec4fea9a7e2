/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OOBD_IPTRESTORE_H
#define OOBD_IPTRESTORE_H

#include <stddef.h>

/*
 * oobd's own reading of the iptables-restore language, for the part of it a
 * management firewall uses: tables, chain declarations and policies, and
 * "-A" rules made of interfaces, addresses, a protocol, the tcp, udp, icmp,
 * icmp6, conntrack (--ctstate), limit, hl, ttl, comment and multiport
 * matches, and the ACCEPT, DROP, RETURN, REJECT and jump targets. Such a
 * file becomes, table by table, the very entries iptables-legacy-restore
 * would give libiptc (tests/firewall_inproc.t compares the kernel's tables
 * byte for byte), and oobd commits them itself: no program to start.
 *
 * Anything else (another match or target, "!", a name to look up, -N, -I,
 * quoting, a line iptables-restore would refuse) is not guessed at: the
 * parse says where it stopped and why, and the file goes to
 * iptables-legacy-restore, which applies it or explains what is wrong.
 */

struct iptr_chain {
	char name[32];
	char policy[8];              /* built-in: "ACCEPT", "DROP", or "" (left as is); user chain: "-" */
	int line;
};

struct iptr_rule {
	char chain[32];
	size_t off, len;             /* the entry (ipt_entry or ip6t_entry) at blob + off */
	int line;
};

struct iptr_table {
	char name[32];
	int line;
	size_t first_chain, n_chains;
	size_t first_rule, n_rules;
};

struct iptr_prog {
	struct iptr_table *tables;
	size_t n_tables;
	struct iptr_chain *chains;
	size_t n_chains;
	struct iptr_rule *rules;
	size_t n_rules;
	unsigned char *blob;         /* the entries, each aligned for its struct */
	size_t blob_len, blob_cap;
};

/*
 * Read DATA (LEN bytes, an iptables-restore file) for family AF (AF_INET or
 * AF_INET6) into OUT. 0 when all of it is in the subset; -ENOTSUP when not,
 * with *LINE (0: none) and WHY saying where and what. OUT is then empty.
 */
int iptr_parse(int af, const char *data, size_t len, struct iptr_prog *out, int *line, char *why, size_t whylen);
void iptr_prog_free(struct iptr_prog *p);

#endif
