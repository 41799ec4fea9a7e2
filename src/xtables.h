/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OOBD_XTABLES_H
#define OOBD_XTABLES_H

#include <stdbool.h>
#include <stddef.h>

/*
 * A read-only view of one legacy x_tables table (ip_tables, ip6_tables), read
 * straight from the kernel with two getsockopt calls and one linear walk of
 * the entries: no libiptc, no allocation per rule. For the read-back after
 * iptables-legacy-restore, and for telling cheaply (the hash) whether a table
 * is still exactly the ruleset that was applied.
 *
 * The chains are those libiptc and iptables-legacy-save see: a built-in chain
 * per hook the table has, running from its hook entry to its underflow (the
 * policy entry), and a user chain per ERROR entry that names one, ending with
 * an unconditional RETURN. A blob laid out otherwise (which only a program
 * writing raw blobs could commit) is reported as malformed (-EPROTO).
 */

struct xt_chain_view {
	char name[32];          /* XT_TABLE_MAXNAMELEN-safe; built-in chains: "INPUT", "OUTPUT", ... */
	bool builtin;
	char policy[8];         /* built-in chains: "ACCEPT" or "DROP" (the underflow entry's verdict);
				 * "" for user chains */
	unsigned rules;         /* rules in the chain, not counting the policy or RETURN entry */
	unsigned first;         /* blob offset of its first entry: where a jump to it lands */
};

#define XT_VIEW_NHOOKS 5        /* NF_INET_NUMHOOKS */

struct xt_table_view {
	unsigned valid_hooks;   /* 1 << NF_INET_PRE_ROUTING | ... */
	/* For each hook in valid_hooks, the blob offsets of its built-in
	 * chain's first entry and of its policy entry (0 for the others). */
	unsigned hook_entry[XT_VIEW_NHOOKS], underflow[XT_VIEW_NHOOKS];
	unsigned n_entries;     /* as the kernel reports (policy, RETURN and ERROR entries included) */
	unsigned size;          /* bytes of the entries blob */
	struct xt_chain_view *chains;   /* malloc'ed, in blob order (the built-in ones first) */
	size_t n_chains;
	/* The ruleset's fingerprint, equal for the same ruleset whatever the
	 * packet counts: FNV-1a 64 over 64-bit words (fnv64_add_words()) of the entries blob with each entry's
	 * counters and comefrom zeroed, continued over valid_hooks, hook_entry
	 * and underflow (as above, unsigned ints). The hook offsets count: an
	 * unconditional "-A INPUT -j DROP" before an ACCEPT policy makes the
	 * very same entries as a DROP policy followed by "-A FORWARD -j ACCEPT". */
	unsigned long long hash;
	/* The raw entries (struct ipt_entry or ip6t_entry, linked by next_offset,
	 * each aligned as its struct), for callers that walk rules. Counters are
	 * those of the moment of the read. */
	void *blob;
	void *map;              /* what blob lies in (xt_table_view_free() unmaps it) */
	size_t map_len;
};

/* Read TABLE ("filter", "nat", ...) of FAMILY (AF_INET: ip_tables,
 * AF_INET6: ip6_tables) in the calling thread's network namespace into OUT.
 *
 * 0; -ENOENT when the table is not instantiated in this namespace (the
 * kernel's answer to IPT_SO_GET_INFO). Mind that the kernel instantiates
 * every table it knows (filter, nat, mangle, raw, security) on the first
 * request for it, this one included: for those the answer is 0 and an
 * empty table (all policies ACCEPT), which the namespace keeps; -ENOENT is
 * for names no table module provides (a modular kernel first tries to load
 * iptable_TABLE or ip6table_TABLE). -EPROTO when the blob is malformed; -EAGAIN when the
 * table kept changing between the size query and the copy over a few
 * tries; -EINVAL for a name too long; -EAFNOSUPPORT for another family (or
 * a kernel without IPv6); -errno otherwise (-ENOPROTOOPT: no ip_tables or
 * ip6_tables in the kernel; -EPERM: no CAP_NET_ADMIN over the namespace).
 * On failure OUT is left empty (xt_table_view_free() on it is harmless). */
int xt_table_read(int family, const char *table, struct xt_table_view *out);
void xt_table_view_free(struct xt_table_view *v);

/* The chain NAME of V, or NULL. */
const struct xt_chain_view *xt_table_chain(const struct xt_table_view *v, const char *name);

/* ---------------------------------------------------------------------- */
/* Internal, exposed for the unit tests (which cannot make the kernel hand
 * out a malformed blob): the walk xt_table_read() does on what the kernel
 * returned.                                                              */

/* What IPT_SO_GET_INFO says of a table, less its name. */
struct xt_blob_info {
	unsigned valid_hooks;
	unsigned hook_entry[XT_VIEW_NHOOKS];
	unsigned underflow[XT_VIEW_NHOOKS];
	unsigned n_entries;
	unsigned size;
};

/* Walk the entries BLOB of FAMILY (INFO->size bytes, aligned as malloc
 * aligns) and fill OUT's valid_hooks, hook_entry, underflow, n_entries,
 * size, chains, n_chains and hash; OUT->blob is set to NULL (the caller owns BLOB). Never reads
 * outside [BLOB, BLOB + INFO->size). 0; -EPROTO when the blob is malformed
 * or does not match INFO; -EAFNOSUPPORT. On failure OUT is left empty. */
int xt_blob_walk(int family, const void *blob, const struct xt_blob_info *info, struct xt_table_view *out);


#endif
