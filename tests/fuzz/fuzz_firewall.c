/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer harness: what oobd parses of a [firewall] rule file (the
 * tables, chains and policies it must find in the kernel afterwards) and of
 * iptables-restore's complaints about one (turned into FILE:LINE: reason).
 * The input is the rule file, then a NUL byte, then restore's output.
 * The rule file also goes through oobd's own reading (iptrestore.c), as
 * both families, straight from the input buffer (not NUL-terminated): every
 * entry it builds must lie inside its blob and be laid out as libiptc takes
 * it.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <net/if.h> /* before the kernel's headers, which then leave its names alone */
#include <netinet/in.h>
#include <sys/socket.h>

#include <linux/netfilter_ipv4/ip_tables.h>
#include <linux/netfilter_ipv6/ip6_tables.h>

#include "firewall.h"
#include "iptrestore.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_prog(int af, const struct iptr_prog *p)
{
	size_t rules = 0, chains = 0;

	for (size_t t = 0; t < p->n_tables; t++) {
		if (p->tables[t].first_rule != rules || p->tables[t].first_chain != chains)
			abort();
		rules += p->tables[t].n_rules;
		chains += p->tables[t].n_chains;
	}
	if (rules != p->n_rules || chains != p->n_chains)
		abort();
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct iptr_rule *r = &p->rules[i];
		unsigned toff, next;
		if (r->off % 8 || r->off + r->len > p->blob_len || !memchr(r->chain, '\0', sizeof(r->chain)))
			abort();
		if (af == AF_INET) {
			const struct ipt_entry *e = (const void *)(p->blob + r->off);
			toff = e->target_offset;
			next = e->next_offset;
		} else {
			const struct ip6t_entry *e = (const void *)(p->blob + r->off);
			toff = e->target_offset;
			next = e->next_offset;
		}
		if (next != r->len || toff >= next)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	size_t rules_len = nul ? (size_t)(nul - data) : size;
	size_t out_len = nul ? size - rules_len - 1 : 0;
	char *rules = xcalloc(1, rules_len + 1), *output = xcalloc(1, out_len + 1);
	struct fw_decl *decls = NULL;
	size_t n = 0;
	char buf[1024];

	for (int k = 0; k < 2; k++) {
		int af = k ? AF_INET6 : AF_INET, line;
		struct iptr_prog prog;
		char why[256];
		int r = iptr_parse(af, (const char *)data, rules_len, &prog, &line, why, sizeof(why));
		if (r == 0)
			check_prog(af, &prog);
		else if (r != -ENOTSUP || !memchr(why, '\0', sizeof(why)) || prog.n_rules || prog.blob)
			abort();
		iptr_prog_free(&prog);
	}
	memcpy(rules, data, rules_len);
	if (nul)
		memcpy(output, nul + 1, out_len);
	if (firewall_decls_parse(rules, &decls, &n) == 0) {
		for (size_t i = 0; i < n; i++)
			if (!memchr(decls[i].table, '\0', sizeof(decls[i].table)) ||
			    !memchr(decls[i].chain, '\0', sizeof(decls[i].chain)) ||
			    !memchr(decls[i].policy, '\0', sizeof(decls[i].policy)))
				abort();
		free(decls);
	}
	(void)firewall_restore_error("fuzz.rules", rules, nul ? output : NULL, buf, sizeof(buf));
	if (!memchr(buf, '\0', sizeof(buf)))
		abort();
	free(rules);
	free(output);
	return 0;
}
