/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A read-only view of a legacy x_tables table, straight from the kernel.
 *
 * libiptc's iptc_init() turns every rule into a malloc'ed node of its cache
 * (it is built for editing), which for a table of thousands of rules costs
 * milliseconds. Here IPT_SO_GET_INFO and IPT_SO_GET_ENTRIES bring the table
 * as the kernel keeps it, in one buffer, and one pass over the entries finds
 * the chains, their policies and rule counts, and hashes the ruleset.
 *
 * ip_tables and ip6_tables entries differ only in the packet header part
 * they start with, so the fields the walk needs sit at other offsets: the
 * walk is written once, over a table of those offsets. The blob comes from
 * the kernel, but it is still checked as if it came from anywhere: every
 * offset is bounded by the blob before it is followed, so a kernel (or a
 * raw-blob writer) with other ideas gets -EPROTO, never a wild read.
 */
#include "xtables.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <linux/netfilter.h>
#include <linux/netfilter/x_tables.h>
#include <linux/netfilter_ipv4/ip_tables.h>
#include <linux/netfilter_ipv6/ip6_tables.h>

#include "util.h"

/* The table may be replaced between the size query and the copy (the
 * kernel then answers EAGAIN); a restore loop on the host could make that
 * happen a few times in a row, but not forever. */
#define XT_READ_TRIES 5

struct family {
	int level, so_info, so_entries;
	size_t entry_size;           /* sizeof(struct ipt_entry), the entry header */
	size_t match_size;           /* its packet header part: all zero when unconditional */
	size_t target_offset, next_offset, comefrom, counters; /* offsetof in the entry */
	size_t entries_hdr;          /* offsetof(struct ipt_get_entries, entrytable) */
};

#define FAMILY(level, info, entries, E, ipf, G)                                                         \
	{ level, info, entries, sizeof(E), sizeof(((E *)NULL)->ipf), offsetof(E, target_offset),        \
	  offsetof(E, next_offset), offsetof(E, comefrom), offsetof(E, counters), offsetof(G, entrytable) }

static const struct family family4 =
	FAMILY(SOL_IP, IPT_SO_GET_INFO, IPT_SO_GET_ENTRIES, struct ipt_entry, ip, struct ipt_get_entries);
static const struct family family6 =
	FAMILY(SOL_IPV6, IP6T_SO_GET_INFO, IP6T_SO_GET_ENTRIES, struct ip6t_entry, ipv6, struct ip6t_get_entries);

/* What the walk and the hash take for granted of both layouts. The info and
 * the get-entries header are the same for both families, field for field,
 * so one struct ipt_getinfo serves both. */
_Static_assert(NF_INET_NUMHOOKS == XT_VIEW_NHOOKS, "hook count");
_Static_assert(offsetof(struct ipt_entry, ip) == 0 && offsetof(struct ip6t_entry, ipv6) == 0, "header first");
_Static_assert(offsetof(struct ipt_entry, comefrom) + sizeof(unsigned) <= offsetof(struct ipt_entry, counters) &&
		       offsetof(struct ip6t_entry, comefrom) + sizeof(unsigned) <= offsetof(struct ip6t_entry, counters),
	       "comefrom before counters");
_Static_assert(sizeof(struct ipt_getinfo) == sizeof(struct ip6t_getinfo) &&
		       offsetof(struct ipt_getinfo, size) == offsetof(struct ip6t_getinfo, size) &&
		       offsetof(struct ipt_getinfo, hook_entry) == offsetof(struct ip6t_getinfo, hook_entry) &&
		       offsetof(struct ipt_getinfo, underflow) == offsetof(struct ip6t_getinfo, underflow),
	       "getinfo layouts");
_Static_assert(offsetof(struct ipt_get_entries, size) == offsetof(struct ip6t_get_entries, size) &&
		       offsetof(struct ipt_get_entries, name) == 0 && offsetof(struct ip6t_get_entries, name) == 0,
	       "get_entries layouts");
_Static_assert(__alignof__(struct ipt_entry) == __alignof__(struct ip6t_entry), "entry alignment");

static const struct family *family_of(int family)
{
	if (family == AF_INET)
		return &family4;
	if (family == AF_INET6)
		return &family6;
	return NULL;
}

static const char *const hook_names[NF_INET_NUMHOOKS] = {
	[NF_INET_PRE_ROUTING] = "PREROUTING", [NF_INET_LOCAL_IN] = "INPUT",
	[NF_INET_FORWARD] = "FORWARD",        [NF_INET_LOCAL_OUT] = "OUTPUT",
	[NF_INET_POST_ROUTING] = "POSTROUTING",
};

/* ---------------------------------------------------------------------- */
/* The walk.                                                              */

/* One entry, its offsets checked against the blob. */
struct entry {
	const unsigned char *p;
	unsigned off, next, toff, tsize;
	const char *tname;           /* NUL-terminated within the target: checked */
};

enum in_chain { IN_NONE, IN_BUILTIN, IN_USER };

struct walk {
	const struct family *f;
	const unsigned char *blob;
	const struct xt_blob_info *info;
	struct xt_table_view *out;
	size_t cap;
	enum in_chain in;
	int hook;                    /* IN_BUILTIN: its hook */
	unsigned entries;            /* IN_USER: entries after its ERROR head */
	bool tail_return;            /* IN_USER: the last of them is an unconditional RETURN */
	unsigned hooks_done;         /* hooks whose underflow was reached */
};

/* The entry fields are read with memcpy: the walk makes no assumption on
 * the alignment of what it has not checked yet. */
static unsigned get16(const unsigned char *p)
{
	uint16_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static int entry_read(const struct walk *w, unsigned off, struct entry *e)
{
	const struct family *f = w->f;
	size_t left = w->info->size - off;

	/* The kernel keeps every entry aligned for its struct, and so may
	 * whoever walks the blob after us. */
	if (off % __alignof__(struct ipt_entry) || left < f->entry_size)
		return -EPROTO;
	e->p = w->blob + off;
	e->off = off;
	e->next = get16(e->p + f->next_offset);
	e->toff = get16(e->p + f->target_offset);
	if (e->next > left || e->next % __alignof__(struct ipt_entry) || e->toff < f->entry_size ||
	    (size_t)e->toff + sizeof(struct xt_entry_target) > e->next)
		return -EPROTO;
	e->tsize = get16(e->p + e->toff + offsetof(struct xt_entry_target, u.target_size));
	if (e->tsize < sizeof(struct xt_entry_target) || (size_t)e->toff + e->tsize > e->next)
		return -EPROTO;
	e->tname = (const char *)e->p + e->toff + offsetof(struct xt_entry_target, u.user.name);
	if (!memchr(e->tname, '\0', XT_EXTENSION_MAXNAMELEN))
		return -EPROTO;
	return 0;
}

static const unsigned char *entry_target_data(const struct entry *e)
{
	return e->p + e->toff + sizeof(struct xt_entry_target);
}

/* The standard target's verdict: true when E has one. */
static bool entry_verdict(const struct entry *e, int *verdict)
{
	if (strcmp(e->tname, XT_STANDARD_TARGET) != 0 || e->tsize < sizeof(struct xt_standard_target))
		return false;
	memcpy(verdict, e->p + e->toff + offsetof(struct xt_standard_target, verdict), sizeof(*verdict));
	return true;
}

/* No match and an all-zero header part, as the kernel defines it for
 * underflows (and libiptc makes every chain's last entry). */
static bool entry_unconditional(const struct walk *w, const struct entry *e)
{
	if (e->toff != w->f->entry_size)
		return false;
	for (size_t i = 0; i < w->f->match_size; i++)
		if (e->p[i])
			return false;
	return true;
}

/* The ERROR target's name: a user chain's, or "ERROR" for the end mark. */
static const char *entry_errorname(const struct entry *e)
{
	const char *name = (const char *)entry_target_data(e);

	if (e->tsize < sizeof(struct xt_error_target) || !memchr(name, '\0', XT_FUNCTION_MAXNAMELEN))
		return NULL;
	return name;
}

/* The entry with counters and comefrom as zeros. The counters change as
 * packets pass (and restore --counters sets them). comefrom is the kernel's
 * own: the hooks from which it found the entry reachable when the table
 * was committed; it follows from the ruleset, so it adds nothing, and the
 * ruleset is what is being fingerprinted. The hash tells rulesets apart; it
 * is no defence against a crafted collision, which only someone who can
 * rewrite the table anyway could make. */
static unsigned long long entry_hash(const struct family *f, unsigned long long h, const struct entry *e)
{
	static const unsigned char zero[sizeof(struct xt_counters)];
	size_t after_comefrom = f->comefrom + sizeof(unsigned), after_counters = f->counters + sizeof(zero);

	h = fnv64_add_words(h, e->p, f->comefrom);
	h = fnv64_add(h, zero, sizeof(unsigned));
	h = fnv64_add_words(h, e->p + after_comefrom, f->counters - after_comefrom);
	h = fnv64_add(h, zero, sizeof(zero));
	return fnv64_add_words(h, e->p + after_counters, e->next - after_counters);
}

/* Where the built-in chains begin and end is not in the entries: an
 * unconditional "-A INPUT -j DROP" before an ACCEPT policy is, byte for
 * byte, a DROP policy, and an ACCEPT policy an "-A FORWARD -j ACCEPT" in
 * the next chain. The hash goes on over the hooks and their offsets. */
static unsigned long long layout_hash(const struct xt_table_view *v, unsigned long long h)
{
	h = fnv64_add(h, &v->valid_hooks, sizeof(v->valid_hooks));
	h = fnv64_add(h, v->hook_entry, sizeof(v->hook_entry));
	return fnv64_add(h, v->underflow, sizeof(v->underflow));
}

/* The built-in chain starting at OFF: its hook, -1 for none, -EPROTO when
 * two hooks claim the entry (libiptc could not show that either). */
static int hook_at(const struct xt_blob_info *info, unsigned off)
{
	int hook = -1;

	for (int h = 0; h < XT_VIEW_NHOOKS; h++) {
		if (!(info->valid_hooks & (1U << h)) || info->hook_entry[h] != off)
			continue;
		if (hook >= 0)
			return -EPROTO;
		hook = h;
	}
	return hook;
}

static struct xt_chain_view *chain_add(struct walk *w, const char *name, bool builtin)
{
	struct xt_table_view *v = w->out;
	struct xt_chain_view *c;

	if (v->n_chains == w->cap) {
		w->cap = w->cap ? 2 * w->cap : 8;
		v->chains = xrealloc(v->chains, w->cap, sizeof(*v->chains));
	}
	c = &v->chains[v->n_chains++];
	memset(c, 0, sizeof(*c));
	str_copy(c->name, name, sizeof(c->name));
	c->builtin = builtin;
	return c;
}

/* A new chain (or the end) begins: the one walked must be complete. A
 * built-in one is complete at its underflow (IN_NONE by then); a user one
 * at its RETURN entry, the last before the next chain. */
static int chain_close(struct walk *w)
{
	if (w->in == IN_BUILTIN)
		return -EPROTO;
	if (w->in == IN_USER) {
		if (!w->entries || !w->tail_return)
			return -EPROTO;
		w->out->chains[w->out->n_chains - 1].rules = w->entries - 1;
	}
	w->in = IN_NONE;
	return 0;
}

/* The underflow entry of a built-in chain: its policy. The kernel refuses
 * any other than an unconditional ACCEPT or DROP there. */
static int chain_policy(struct walk *w, const struct entry *e)
{
	struct xt_chain_view *c = &w->out->chains[w->out->n_chains - 1];
	int v;

	if (!entry_verdict(e, &v) || !entry_unconditional(w, e) || v >= 0)
		return -EPROTO;
	if (-v - 1 == NF_ACCEPT)
		str_copy(c->policy, "ACCEPT", sizeof(c->policy));
	else if (-v - 1 == NF_DROP)
		str_copy(c->policy, "DROP", sizeof(c->policy));
	else
		return -EPROTO;
	w->hooks_done |= 1U << w->hook;
	w->in = IN_NONE;
	return 0;
}

/* One entry that is not the end mark. */
static int walk_entry(struct walk *w, const struct entry *e)
{
	bool error = strcmp(e->tname, XT_ERROR_TARGET) == 0;
	int hook = hook_at(w->info, e->off), r, v;
	const char *name;

	if (hook < -1)
		return hook;
	if (hook >= 0 || error) {
		r = chain_close(w);
		if (r < 0)
			return r;
	}
	if (hook >= 0) {
		if (error)
			return -EPROTO;
		chain_add(w, hook_names[hook], true)->first = e->off;
		w->in = IN_BUILTIN;
		w->hook = hook;
	} else if (error) {
		/* the chain's head, not one of its rules */
		name = entry_errorname(e);
		if (!name)
			return -EPROTO;
		chain_add(w, name, false)->first = e->off + e->next;
		w->in = IN_USER;
		w->entries = 0;
		w->tail_return = false;
		return 0;
	}
	switch (w->in) {
	case IN_NONE:
		return -EPROTO; /* after an underflow, before the next chain */
	case IN_BUILTIN:
		if (e->off == w->info->underflow[w->hook])
			return chain_policy(w, e);
		w->out->chains[w->out->n_chains - 1].rules++;
		break;
	case IN_USER:
		/* A "-j RETURN" rule may end a user chain too; only the last
		 * entry before the next chain is its RETURN entry. */
		w->entries++;
		w->tail_return = entry_verdict(e, &v) && v == XT_RETURN && entry_unconditional(w, e);
		break;
	}
	return 0;
}

static int walk_blob(struct walk *w)
{
	const struct xt_blob_info *info = w->info;
	unsigned long long h = FNV64_INIT;
	unsigned n = 0;
	struct entry e;
	const char *name;
	int r;

	if (info->valid_hooks & ~((1U << XT_VIEW_NHOOKS) - 1))
		return -EPROTO;
	for (unsigned off = 0; off < info->size; off += e.next) {
		r = entry_read(w, off, &e);
		if (r < 0)
			return r;
		if (++n > info->n_entries)
			return -EPROTO;
		h = entry_hash(w->f, h, &e);
		if (off + e.next < info->size) {
			r = walk_entry(w, &e);
			if (r < 0)
				return r;
			continue;
		}
		/* The last entry: an ERROR target named "ERROR", after the
		 * last chain, in no chain. */
		name = strcmp(e.tname, XT_ERROR_TARGET) == 0 ? entry_errorname(&e) : NULL;
		if (!name || strcmp(name, XT_ERROR_TARGET) != 0 || hook_at(info, off) != -1)
			return -EPROTO;
		r = chain_close(w);
		if (r < 0)
			return r;
		if (n != info->n_entries || w->hooks_done != info->valid_hooks)
			return -EPROTO;
		w->out->hash = layout_hash(w->out, h);
		return 0;
	}
	return -EPROTO; /* empty: not even the end mark */
}

int xt_blob_walk(int family, const void *blob, const struct xt_blob_info *info, struct xt_table_view *out)
{
	struct walk w = { .f = family_of(family), .blob = blob, .info = info, .out = out };
	int r;

	memset(out, 0, sizeof(*out));
	if (!w.f)
		return -EAFNOSUPPORT;
	out->valid_hooks = info->valid_hooks;
	/* the kernel leaves the offsets of hooks the table lacks as they were
	 * (0xffffffff): 0 here, so that they make no difference to the hash */
	for (int h = 0; h < XT_VIEW_NHOOKS; h++) {
		if (info->valid_hooks & (1U << h)) {
			out->hook_entry[h] = info->hook_entry[h];
			out->underflow[h] = info->underflow[h];
		}
	}
	out->n_entries = info->n_entries;
	out->size = info->size;
	r = walk_blob(&w);
	if (r < 0)
		xt_table_view_free(out);
	return r;
}

/* ---------------------------------------------------------------------- */
/* The kernel.                                                            */

static int get_info(int fd, const struct family *f, const char *table, struct ipt_getinfo *gi)
{
	socklen_t len = sizeof(*gi);

	memset(gi, 0, sizeof(*gi));
	str_copy(gi->name, table, sizeof(gi->name));
	if (getsockopt(fd, f->level, f->so_info, gi, &len) < 0)
		return -errno;
	return len == sizeof(*gi) ? 0 : -EPROTO;
}

/* The entries of the table GI describes into BUF (the get-entries header,
 * then GI->size bytes). 0, -EAGAIN when the table changed size since.
 *
 * BUF must be zeroed (ZEROED says it is; else it is zeroed here): the
 * kernel writes each entry field by field (so as not to hand out its own
 * pointers, which share the space of the match and target names), and the
 * bytes of a match or target name after its NUL are never written. Left as
 * they were, they would carry whatever the memory held into the blob and its
 * hash. */
static int get_entries(int fd, const struct family *f, const struct ipt_getinfo *gi, unsigned char *buf, bool zeroed)
{
	socklen_t len = (socklen_t)(f->entries_hdr + gi->size);

	if (!zeroed)
		memset(buf, 0, len);
	memcpy(buf, gi->name, sizeof(gi->name));
	memcpy(buf + offsetof(struct ipt_get_entries, size), &gi->size, sizeof(gi->size));
	if (getsockopt(fd, f->level, f->so_entries, buf, &len) < 0)
		return -errno;
	return len == f->entries_hdr + gi->size ? 0 : -EPROTO;
}

/* LEN zeroed bytes with their pages in place: a table of thousands of rules
 * is a megabyte or more, and the kernel copying it into memory not touched
 * yet would take a page fault for every 4 KiB. NULL when out of memory. */
static unsigned char *zeroed_map(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

static int table_read(int fd, const struct family *f, int family, const char *table, struct xt_table_view *out)
{
	struct ipt_getinfo before, after;
	struct xt_blob_info info;
	unsigned char *map = NULL;
	size_t map_len = 0;
	bool zeroed = false;
	int r = -EAGAIN;

	for (int k = 0; k < XT_READ_TRIES; k++) {
		r = get_info(fd, f, table, &before);
		if (r < 0)
			break;
		if (before.size > UINT32_MAX - f->entries_hdr) {
			r = -EPROTO;
			break;
		}
		if (f->entries_hdr + before.size > map_len) {
			if (map)
				munmap(map, map_len);
			map_len = f->entries_hdr + before.size;
			map = zeroed_map(map_len);
			if (!map) {
				r = -ENOMEM;
				break;
			}
			zeroed = true;
		}
		r = get_entries(fd, f, &before, map, zeroed);
		zeroed = false;
		if (r == -EAGAIN)
			continue;
		if (r < 0)
			break;
		/* The kernel checks only that the size still matches: a table
		 * replaced in between by one of the same size would pair these
		 * entries with the wrong hook offsets. Asking again catches it
		 * (short of two replacements restoring the first layout, which
		 * the walk's checks would still likely catch). */
		r = get_info(fd, f, table, &after);
		if (r < 0)
			break;
		if (memcmp(&before, &after, sizeof(before)) != 0) {
			r = -EAGAIN;
			continue;
		}
		info.valid_hooks = before.valid_hooks;
		memcpy(info.hook_entry, before.hook_entry, sizeof(info.hook_entry));
		memcpy(info.underflow, before.underflow, sizeof(info.underflow));
		info.n_entries = before.num_entries;
		info.size = before.size;
		/* The entries follow the get-entries header, aligned as the
		 * kernel's own struct has them. */
		r = xt_blob_walk(family, map + f->entries_hdr, &info, out);
		if (r < 0)
			break;
		out->map = map;
		out->map_len = map_len;
		out->blob = map + f->entries_hdr;
		return 0;
	}
	if (map)
		munmap(map, map_len);
	return r;
}

int xt_table_read(int family, const char *table, struct xt_table_view *out)
{
	const struct family *f = family_of(family);
	_cleanup_close_ int fd = -1;

	memset(out, 0, sizeof(*out));
	if (!f)
		return -EAFNOSUPPORT;
	if (strlen(table) >= XT_TABLE_MAXNAMELEN)
		return -EINVAL;
	/* The socket, and so the tables it reaches, belong to the network
	 * namespace of the calling thread. */
	fd = socket(family, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	if (fd < 0)
		return -errno;
	/* On failure the walk has left OUT empty, and nothing is mapped. */
	return table_read(fd, f, family, table, out);
}

void xt_table_view_free(struct xt_table_view *v)
{
	free(v->chains);
	if (v->map)
		munmap(v->map, v->map_len);
	memset(v, 0, sizeof(*v));
}

const struct xt_chain_view *xt_table_chain(const struct xt_table_view *v, const char *name)
{
	for (size_t i = 0; i < v->n_chains; i++)
		if (strcmp(v->chains[i].name, name) == 0)
			return &v->chains[i];
	return NULL;
}
