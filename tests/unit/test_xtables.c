/* SPDX-License-Identifier: GPL-2.0-or-later */
/* xtables.c: the read-only view of a legacy x_tables table.
 *
 * The walk is checked first on blobs built here, good and broken in every
 * way the reader must refuse (each in a heap buffer of its exact size, so
 * that a sanitizer build sees any read past it). Then against the kernel:
 * each of those tests moves this process into a network namespace of its
 * own (unshare(CLONE_NEWNET)), loads rules there with iptables-legacy-restore
 * / ip6tables-legacy-restore, and reads them back. Nothing of the machine's
 * network is touched; without root, or without the tools, those tests say
 * so and pass. */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/netfilter.h>
#include <linux/netfilter/x_tables.h>
#include <linux/netfilter_ipv4/ip_tables.h>
#include <linux/netfilter_ipv6/ip6_tables.h>

#include <cmocka.h>

#include "util.h"
#include "xtables.h"

#define FILTER_HOOKS ((1U << NF_INET_LOCAL_IN) | (1U << NF_INET_FORWARD) | (1U << NF_INET_LOCAL_OUT))

/* ---------------------------------------------------------------------- */
/* Blobs built by hand.                                                   */

struct blob {
	int family;
	unsigned char buf[4096] __attribute__((aligned(8)));
	struct xt_blob_info info;
	/* offsets of entries the broken variants change */
	unsigned input_rule, input_policy, svc_head, svc_return_rule, svc_tail, end;
};

static size_t entry_size(int family)
{
	return family == AF_INET ? sizeof(struct ipt_entry) : sizeof(struct ip6t_entry);
}

/* The fields of the entry at OFF, whichever the family. */
struct fields {
	uint16_t *toff, *next;
	unsigned *comefrom;
	struct xt_counters *counters;
	uint16_t *proto;
};

static struct fields fields_at(int family, unsigned char *base, unsigned off)
{
	struct fields f;

	if (family == AF_INET) {
		struct ipt_entry *e = (struct ipt_entry *)(base + off);
		f = (struct fields){ &e->target_offset, &e->next_offset, &e->comefrom, &e->counters, &e->ip.proto };
	} else {
		struct ip6t_entry *e = (struct ip6t_entry *)(base + off);
		f = (struct fields){ &e->target_offset, &e->next_offset, &e->comefrom, &e->counters, &e->ipv6.proto };
	}
	return f;
}

static struct xt_entry_target *target_at(struct blob *b, unsigned off)
{
	return (struct xt_entry_target *)(b->buf + off + *fields_at(b->family, b->buf, off).toff);
}

/* Append an entry: an optional 48-byte match ("tcp"), then a target of
 * NAME with DLEN bytes of data. PROTO nonzero makes it conditional. */
static unsigned put(struct blob *b, uint16_t proto, bool match, const char *name, const void *data, size_t dlen)
{
	unsigned off = b->info.size, toff = (unsigned)entry_size(b->family);
	unsigned tsize = (unsigned)XT_ALIGN(sizeof(struct xt_entry_target) + dlen);
	struct fields f = fields_at(b->family, b->buf, off);
	struct xt_entry_target *t;

	if (match) {
		struct xt_entry_match *m = (struct xt_entry_match *)(b->buf + off + toff);
		m->u.user.match_size = 48;
		strcpy(m->u.user.name, "tcp");
		m->data[0] = 0x16;
		toff += 48;
	}
	*f.toff = (uint16_t)toff;
	*f.next = (uint16_t)(toff + tsize);
	*f.proto = proto;
	if (b->family == AF_INET6 && proto)
		((struct ip6t_entry *)(b->buf + off))->ipv6.flags |= IP6T_F_PROTO;
	t = (struct xt_entry_target *)(b->buf + off + toff);
	t->u.user.target_size = (uint16_t)tsize;
	strcpy(t->u.user.name, name);
	memcpy(t->data, data, dlen);
	b->info.size += toff + tsize;
	b->info.n_entries++;
	assert_true(b->info.size < sizeof(b->buf) - 512);
	return off;
}

static unsigned put_verdict(struct blob *b, uint16_t proto, bool match, int verdict)
{
	return put(b, proto, match, XT_STANDARD_TARGET, &verdict, sizeof(verdict));
}

static unsigned put_error(struct blob *b, const char *name)
{
	char data[XT_FUNCTION_MAXNAMELEN] = "";
	strcpy(data, name);
	return put(b, 0, false, XT_ERROR_TARGET, data, sizeof(data));
}

#define V_ACCEPT (-NF_ACCEPT - 1)
#define V_DROP (-NF_DROP - 1)

/* The layout libiptc commits for:
 *   :INPUT DROP / :FORWARD DROP / :OUTPUT ACCEPT / :svc -
 *   -A INPUT -p tcp -m tcp -j ACCEPT;  -A INPUT -p tcp -j svc
 *   -A OUTPUT -p udp -j ACCEPT
 *   -A svc -p tcp -m tcp -j ACCEPT;  -A svc -p tcp -j RETURN */
static void blob_build(struct blob *b, int family)
{
	unsigned jump;

	memset(b, 0, sizeof(*b));
	b->family = family;
	b->info.valid_hooks = FILTER_HOOKS;
	b->info.hook_entry[NF_INET_LOCAL_IN] = b->input_rule = put_verdict(b, IPPROTO_TCP, true, V_ACCEPT);
	jump = put_verdict(b, IPPROTO_TCP, false, 0); /* its verdict is set below */
	b->info.underflow[NF_INET_LOCAL_IN] = b->input_policy = put_verdict(b, 0, false, V_DROP);
	b->info.hook_entry[NF_INET_FORWARD] = b->info.underflow[NF_INET_FORWARD] = put_verdict(b, 0, false, V_DROP);
	b->info.hook_entry[NF_INET_LOCAL_OUT] = put_verdict(b, IPPROTO_UDP, false, V_ACCEPT);
	b->info.underflow[NF_INET_LOCAL_OUT] = put_verdict(b, 0, false, V_ACCEPT);
	b->svc_head = put_error(b, "svc");
	memcpy(target_at(b, jump)->data, &b->info.size, sizeof(int)); /* svc's first rule */
	put_verdict(b, IPPROTO_TCP, true, V_ACCEPT);
	/* a RETURN rule: a rule like any other, though it looks like a tail */
	b->svc_return_rule = put_verdict(b, IPPROTO_TCP, false, XT_RETURN);
	b->svc_tail = put_verdict(b, 0, false, XT_RETURN);
	b->end = put_error(b, XT_ERROR_TARGET);
	/* what the kernel sets; not part of the ruleset */
	for (unsigned off = 0; off < b->info.size; off += *fields_at(family, b->buf, off).next)
		*fields_at(family, b->buf, off).comefrom = 1U << NF_INET_NUMHOOKS | FILTER_HOOKS;
}

/* Walk B from a heap copy of its exact size. */
static int walk(const struct blob *b, struct xt_table_view *v)
{
	void *copy = malloc(b->info.size ? b->info.size : 1);
	int r;

	assert_non_null(copy);
	memcpy(copy, b->buf, b->info.size);
	r = xt_blob_walk(b->family, copy, &b->info, v);
	free(copy);
	return r;
}

/* The hash as defined: per entry, with its comefrom and counters zeroed,
 * FNV-1a over the words before comefrom, comefrom's bytes, the words
 * between, the counters' bytes, the words after; then of valid_hooks,
 * hook_entry and underflow, byte by byte. */
static unsigned long long hash_expected(int family, const void *blob, const struct xt_table_view *v)
{
	unsigned char *copy = malloc(v->size);
	unsigned long long h = FNV64_INIT;

	assert_non_null(copy);
	memcpy(copy, blob, v->size);
	for (unsigned off = 0; off < v->size; off += *fields_at(family, copy, off).next) {
		struct fields f = fields_at(family, copy, off);
		unsigned char *e = copy + off, *cf = (unsigned char *)f.comefrom, *cn = (unsigned char *)f.counters;
		unsigned char *after_cf = cf + sizeof(unsigned), *after_cn = cn + sizeof(*f.counters);
		*f.comefrom = 0;
		memset(f.counters, 0, sizeof(*f.counters));
		h = fnv64_add_words(h, e, (size_t)(cf - e));
		h = fnv64_add(h, cf, sizeof(unsigned));
		h = fnv64_add_words(h, after_cf, (size_t)(cn - after_cf));
		h = fnv64_add(h, cn, sizeof(*f.counters));
		h = fnv64_add_words(h, after_cn, (size_t)(e + *f.next - after_cn));
	}
	free(copy);
	h = fnv64_add(h, &v->valid_hooks, sizeof(unsigned));
	h = fnv64_add(h, v->hook_entry, XT_VIEW_NHOOKS * sizeof(unsigned));
	return fnv64_add(h, v->underflow, XT_VIEW_NHOOKS * sizeof(unsigned));
}

static void expect_chain(const struct xt_table_view *v, size_t i, const char *name, bool builtin,
			 const char *policy, unsigned rules)
{
	assert_true(i < v->n_chains);
	assert_string_equal(v->chains[i].name, name);
	assert_int_equal(v->chains[i].builtin, builtin);
	assert_string_equal(v->chains[i].policy, policy);
	assert_int_equal(v->chains[i].rules, rules);
	assert_ptr_equal(xt_table_chain(v, name), &v->chains[i]);
}

static void walk_good(int family)
{
	struct blob b, c;
	struct xt_table_view v;
	unsigned long long h;

	blob_build(&b, family);
	assert_int_equal(walk(&b, &v), 0);
	assert_int_equal(v.valid_hooks, FILTER_HOOKS);
	assert_int_equal(v.n_entries, 11);
	assert_int_equal(v.size, b.info.size);
	assert_null(v.blob);
	assert_int_equal(v.n_chains, 4);
	expect_chain(&v, 0, "INPUT", true, "DROP", 2);
	expect_chain(&v, 1, "FORWARD", true, "DROP", 0);
	expect_chain(&v, 2, "OUTPUT", true, "ACCEPT", 1);
	expect_chain(&v, 3, "svc", false, "", 2);
	assert_null(xt_table_chain(&v, "PREROUTING"));
	assert_null(xt_table_chain(&v, "ERROR"));
	assert_memory_equal(v.hook_entry, b.info.hook_entry, sizeof(v.hook_entry));
	assert_memory_equal(v.underflow, b.info.underflow, sizeof(v.underflow));
	h = v.hash;
	assert_true(h == hash_expected(family, b.buf, &v));
	xt_table_view_free(&v);
	assert_int_equal(v.n_chains, 0);
	assert_null(v.chains);

	/* counters and comefrom do not count */
	c = b;
	*fields_at(family, c.buf, c.input_rule).comefrom = 0;
	fields_at(family, c.buf, c.input_policy).counters->pcnt = 12345;
	fields_at(family, c.buf, c.svc_tail).counters->bcnt = 1ULL << 40;
	assert_int_equal(walk(&c, &v), 0);
	assert_true(v.hash == h);
	xt_table_view_free(&v);

	/* a match's data does */
	c = b;
	c.buf[c.input_rule + entry_size(family) + sizeof(struct xt_entry_match)] ^= 1;
	assert_int_equal(walk(&c, &v), 0);
	assert_true(v.hash != h);
	xt_table_view_free(&v);

	/* so does a header field, e.g. the protocol */
	c = b;
	*fields_at(family, c.buf, c.svc_return_rule).proto = IPPROTO_UDP;
	assert_int_equal(walk(&c, &v), 0);
	assert_true(v.hash != h);
	xt_table_view_free(&v);

	/* the offsets of hooks the table lacks are the kernel's 0xffffffff:
	 * read as 0, and no part of the hash */
	c = b;
	c.info.hook_entry[NF_INET_PRE_ROUTING] = c.info.underflow[NF_INET_POST_ROUTING] = 0xffffffff;
	assert_int_equal(walk(&c, &v), 0);
	assert_int_equal(v.hook_entry[NF_INET_PRE_ROUTING], 0);
	assert_int_equal(v.underflow[NF_INET_POST_ROUTING], 0);
	assert_true(v.hash == h);
	xt_table_view_free(&v);
}

/* "-A INPUT -j DROP" with policy ACCEPT, and policy DROP with
 * "-A FORWARD -j ACCEPT": the same entries, byte for byte; only where the
 * chains begin and end tells them apart, and so the hash must. */
static void walk_same_entries(int family)
{
	struct blob a, b;
	struct xt_table_view va, vb;

	memset(&a, 0, sizeof(a));
	a.family = family;
	a.info.valid_hooks = FILTER_HOOKS;
	a.info.hook_entry[NF_INET_LOCAL_IN] = put_verdict(&a, 0, false, V_DROP);
	a.info.underflow[NF_INET_LOCAL_IN] = put_verdict(&a, 0, false, V_ACCEPT);
	a.info.hook_entry[NF_INET_FORWARD] = a.info.underflow[NF_INET_FORWARD] = put_verdict(&a, 0, false, V_DROP);
	a.info.hook_entry[NF_INET_LOCAL_OUT] = a.info.underflow[NF_INET_LOCAL_OUT] = put_verdict(&a, 0, false, V_ACCEPT);
	put_error(&a, XT_ERROR_TARGET);
	/* A's INPUT rule is B's INPUT policy, A's INPUT policy B's FORWARD rule */
	b = a;
	b.info.underflow[NF_INET_LOCAL_IN] = b.info.hook_entry[NF_INET_LOCAL_IN];
	b.info.hook_entry[NF_INET_FORWARD] = a.info.underflow[NF_INET_LOCAL_IN];
	assert_int_equal(walk(&a, &va), 0);
	assert_int_equal(walk(&b, &vb), 0);
	expect_chain(&va, 0, "INPUT", true, "ACCEPT", 1);
	expect_chain(&va, 1, "FORWARD", true, "DROP", 0);
	expect_chain(&vb, 0, "INPUT", true, "DROP", 0);
	expect_chain(&vb, 1, "FORWARD", true, "DROP", 1);
	assert_true(va.hash != vb.hash);
	xt_table_view_free(&va);
	xt_table_view_free(&vb);
}

static void test_walk_good(void **state)
{
	(void)state;
	walk_good(AF_INET);
	walk_good(AF_INET6);
	walk_same_entries(AF_INET);
	walk_same_entries(AF_INET6);
}

static void expect_eproto(const struct blob *b, const char *what)
{
	struct xt_table_view v;
	int r = walk(b, &v);

	if (r != -EPROTO)
		fail_msg("%s (family %d): %d, not -EPROTO", what, b->family, r);
	assert_int_equal(v.n_chains, 0);
	assert_null(v.chains);
}

static void set_verdict(struct blob *b, unsigned off, int verdict)
{
	memcpy(target_at(b, off)->data, &verdict, sizeof(verdict));
}

static void walk_malformed(int family)
{
	struct blob b, c;
	struct xt_table_view v;

	blob_build(&b, family);

	/* cut short anywhere: an entry runs past the end, or the end mark is
	 * missing, or entries are missing */
	for (unsigned size = 0; size < b.info.size; size++) {
		c = b;
		c.info.size = size;
		expect_eproto(&c, "truncated");
	}

#define BROKEN(what, change)                     \
	do {                                     \
		c = b;                           \
		change;                          \
		expect_eproto(&c, what);         \
	} while (0)

	BROKEN("next_offset 0", *fields_at(family, c.buf, c.input_rule).next = 0);
	BROKEN("next_offset past the end", *fields_at(family, c.buf, c.svc_tail).next = 0xfff8);
	BROKEN("next_offset unaligned", *fields_at(family, c.buf, c.input_rule).next += 4);
	BROKEN("next_offset into the target", *fields_at(family, c.buf, c.input_rule).next -= 8);
	BROKEN("target_offset inside the header", *fields_at(family, c.buf, c.input_rule).toff = 8);
	BROKEN("target_offset past the entry", *fields_at(family, c.buf, c.svc_tail).toff = 0x1000);
	BROKEN("target_size 0", target_at(&c, c.input_rule)->u.user.target_size = 0);
	BROKEN("target_size past the entry", target_at(&c, c.end)->u.user.target_size += 8);
	BROKEN("target name unterminated",
	       memset(target_at(&c, c.input_rule)->u.user.name, 'A', XT_EXTENSION_MAXNAMELEN));
	BROKEN("chain name unterminated", memset(target_at(&c, c.svc_head)->data, 'A', XT_FUNCTION_MAXNAMELEN));
	BROKEN("error target too small", target_at(&c, c.svc_head)->u.user.target_size = 40);
	BROKEN("policy QUEUE", set_verdict(&c, c.input_policy, -NF_QUEUE - 1));
	BROKEN("policy RETURN", set_verdict(&c, c.input_policy, XT_RETURN));
	BROKEN("policy a jump", set_verdict(&c, c.input_policy, (int)c.svc_head));
	BROKEN("policy conditional", *fields_at(family, c.buf, c.input_policy).proto = IPPROTO_TCP);
	BROKEN("policy not a standard target", strcpy(target_at(&c, c.input_policy)->u.user.name, "LOG"));
	BROKEN("underflow between entries", c.info.underflow[NF_INET_LOCAL_IN] += 8);
	BROKEN("underflow in another chain", c.info.underflow[NF_INET_LOCAL_IN] = c.info.underflow[NF_INET_FORWARD]);
	BROKEN("underflow before its hook entry",
	       c.info.underflow[NF_INET_LOCAL_OUT] = c.info.underflow[NF_INET_FORWARD]);
	BROKEN("hook entry between entries", c.info.hook_entry[NF_INET_FORWARD] += 8);
	BROKEN("hook entry past the blob", c.info.hook_entry[NF_INET_FORWARD] = 1U << 30);
	BROKEN("two hooks, one entry", c.info.hook_entry[NF_INET_FORWARD] = c.info.hook_entry[NF_INET_LOCAL_IN]);
	BROKEN("a hook without entries", c.info.valid_hooks |= 1U << NF_INET_PRE_ROUTING;
	       c.info.hook_entry[NF_INET_PRE_ROUTING] = c.info.underflow[NF_INET_PRE_ROUTING] = 1U << 20);
	BROKEN("a hook that does not exist", c.info.valid_hooks |= 1U << NF_INET_NUMHOOKS);
	BROKEN("a hook at the end mark", c.info.hook_entry[NF_INET_LOCAL_OUT] = c.end);
	BROKEN("a hook at an ERROR entry", c.info.hook_entry[NF_INET_LOCAL_OUT] = c.svc_head;
	       c.info.underflow[NF_INET_LOCAL_OUT] = c.svc_tail);
	BROKEN("one entry more than said", c.info.n_entries++);
	BROKEN("one entry less than said", c.info.n_entries--);
	BROKEN("no end mark", strcpy(target_at(&c, c.end)->u.user.name, "ERRO"));
	BROKEN("end mark of another name", strcpy((char *)target_at(&c, c.end)->data, "svc2"));
	BROKEN("user chain without its RETURN", set_verdict(&c, c.svc_tail, V_ACCEPT));
	BROKEN("user chain's RETURN conditional", *fields_at(family, c.buf, c.svc_tail).proto = IPPROTO_UDP);
#undef BROKEN

	/* an entry in no chain: after INPUT's policy, before the end mark */
	memset(&c, 0, sizeof(c));
	c.family = family;
	c.info.valid_hooks = 1U << NF_INET_LOCAL_IN;
	put_verdict(&c, 0, false, V_DROP);
	put_verdict(&c, IPPROTO_TCP, true, V_ACCEPT);
	put_error(&c, XT_ERROR_TARGET);
	expect_eproto(&c, "an entry in no chain");
	/* the same without it: fine */
	memset(&c, 0, sizeof(c));
	c.family = family;
	c.info.valid_hooks = 1U << NF_INET_LOCAL_IN;
	put_verdict(&c, 0, false, V_DROP);
	put_error(&c, XT_ERROR_TARGET);
	assert_int_equal(walk(&c, &v), 0);
	expect_chain(&v, 0, "INPUT", true, "DROP", 0);
	xt_table_view_free(&v);

	/* Any byte of the blob set to anything: refused or read, never
	 * outside the buffer (a sanitizer build checks the latter). */
	for (unsigned i = 0; i < b.info.size; i++) {
		static const unsigned char values[] = { 0x00, 0x01, 0x08, 0x80, 0xff };
		for (size_t k = 0; k < ARRAY_SIZE(values); k++) {
			int r;
			c = b;
			c.buf[i] = values[k];
			r = walk(&c, &v);
			assert_true(r == 0 || r == -EPROTO);
			if (r == 0)
				assert_true(v.n_chains >= 3 && v.n_chains <= 4);
			xt_table_view_free(&v);
		}
	}

	assert_int_equal(xt_blob_walk(AF_UNIX, b.buf, &b.info, &v), -EAFNOSUPPORT);
	assert_null(v.chains);
}

static void test_walk_malformed(void **state)
{
	(void)state;
	walk_malformed(AF_INET);
	walk_malformed(AF_INET6);
}

/* ---------------------------------------------------------------------- */
/* The kernel, in network namespaces of our own.                          */

/* Move into a new, empty network namespace: false (and the test passes,
 * saying why) when that is not possible. cmocka 1.1's TAP output marks a
 * skip() "not ok", which prove counts as a failure. */
static bool fresh_netns(const char *test)
{
	if (geteuid() != 0) {
		fprintf(stderr, "# %s: skipped, not root\n", test);
		return false;
	}
	if (unshare(CLONE_NEWNET) < 0) {
		fprintf(stderr, "# %s: skipped, creating a network namespace is not permitted (%s)\n", test,
			strerror(errno));
		return false;
	}
	return true;
}

static bool have_program(const char *name)
{
	const char *path = getenv("PATH");
	char buf[4096];

	if (!path || !*path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	for (const char *p = path;;) {
		const char *colon = strchrnul(p, ':');
		if (snprintf(buf, sizeof(buf), "%.*s/%s", (int)(colon - p), p, name) < (int)sizeof(buf) &&
		    access(buf, X_OK) == 0)
			return true;
		if (!*colon)
			return false;
		p = colon + 1;
	}
}

/* The IPv6 half of a test, on a kernel that has IPv6. */
static bool have_ipv6(void)
{
	return access("/proc/sys/net/ipv6", F_OK) == 0;
}

static const char *restore_program(int family)
{
	return family == AF_INET ? "iptables-legacy-restore" : "ip6tables-legacy-restore";
}

static bool fresh_netns_with_tools(const char *test)
{
	if (!fresh_netns(test))
		return false;
	if (!have_program("iptables-legacy-restore") || !have_program("ip6tables-legacy-restore")) {
		fprintf(stderr, "# %s: skipped, iptables-legacy-restore or ip6tables-legacy-restore not in PATH\n",
			test);
		return false;
	}
	return true;
}

/* FN for IPv4, then IPv6 where the kernel has it, in a fresh namespace. */
static void each_family(const char *test, void (*fn)(int family))
{
	if (!fresh_netns_with_tools(test))
		return;
	fn(AF_INET);
	if (have_ipv6())
		fn(AF_INET6);
}

/* Feed RULES to the family's legacy restore in this namespace (the child
 * inherits it), on its stdin; its stdout goes to stderr, away from TAP. */
static void restore(int family, const char *rules, bool counters)
{
	const char *argv[] = { restore_program(family), "-w", "10", counters ? "--counters" : NULL, NULL };
	size_t len = strlen(rules);
	int p[2], status;
	pid_t pid;

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (dup2(p[0], STDIN_FILENO) < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
			_exit(126);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(p[0]);
	for (size_t o = 0; o < len;) {
		ssize_t w = write(p[1], rules + o, len - o);
		if (w < 0 && errno == EINTR)
			continue;
		assert_true(w > 0); /* SIGPIPE is ignored: a restore that quit early fails here */
		o += (size_t)w;
	}
	close(p[1]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

struct ruleset {
	unsigned input_rules;        /* at least 2 */
	unsigned svc_port;           /* the port whose packets go to svc */
	unsigned long long pkts, bytes; /* the first rule's counters */
};

/* filter: INPUT DROP with RS->input_rules rules (one jumping to svc),
 * FORWARD DROP, OUTPUT ACCEPT, and svc with 2 rules, the second a RETURN. */
static char *ruleset_text(int family, const struct ruleset *rs)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	fprintf(f, "*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n:svc - [0:0]\n");
	fprintf(f, "[%llu:%llu] -A INPUT -i lo -j ACCEPT\n", rs->pkts, rs->bytes);
	fprintf(f, "[0:0] -A INPUT -p tcp --dport %u -j svc\n", rs->svc_port);
	for (unsigned i = 2; i < rs->input_rules; i++)
		fprintf(f, "[0:0] -A INPUT -p %s --dport %u -j ACCEPT\n", i % 2 ? "tcp" : "udp", 10000 + i);
	fprintf(f, "[0:0] -A svc -s %s -j ACCEPT\n", family == AF_INET ? "198.51.100.0/24" : "2001:db8::/32");
	fprintf(f, "[0:0] -A svc -p tcp -j RETURN\nCOMMIT\n");
	assert_int_equal(fclose(f), 0);
	return text;
}

static void load(int family, const struct ruleset *rs)
{
	_cleanup_free_ char *text = ruleset_text(family, rs);
	/* --counters so that the [p:b] of the file are taken */
	restore(family, text, true);
}

/* Every byte of every match and target name after its NUL is zero: the
 * kernel does not write them (it copies names with strlen + 1), so they are
 * what the reader's buffer held before: they must not be heap leftovers. */
static void expect_names_clean(int family, const struct xt_table_view *v)
{
	const unsigned char *blob = v->blob;

	for (unsigned off = 0; off < v->size; off += *fields_at(family, v->blob, off).next) {
		unsigned toff = *fields_at(family, v->blob, off).toff;
		for (unsigned o = off + (unsigned)entry_size(family); o <= off + toff;) {
			const struct xt_entry_match *m = (const struct xt_entry_match *)(blob + o);
			size_t len = strnlen(m->u.user.name, sizeof(m->u.user.name));
			for (size_t i = len; i < sizeof(m->u.user.name); i++)
				assert_int_equal(m->u.user.name[i], 0);
			if (o == off + toff)
				break; /* the target: same layout */
			o += m->u.match_size;
		}
	}
}

/* Leave a freed heap block of N bytes full of 0xa5, for the next malloc of
 * that size to find. */
static void poison_heap(size_t n)
{
	unsigned char *p = malloc(n);

	assert_non_null(p);
	memset(p, 0xa5, n);
	free(p);
}

static void expect_ruleset(int family, const struct xt_table_view *v, const struct ruleset *rs)
{
	assert_int_equal(v->valid_hooks, FILTER_HOOKS);
	/* INPUT's rules and policy, FORWARD's and OUTPUT's policies, svc's
	 * head, 2 rules and RETURN, the end mark */
	assert_int_equal(v->n_entries, rs->input_rules + 1 + 2 + 4 + 1);
	assert_int_equal(v->n_chains, 4);
	expect_chain(v, 0, "INPUT", true, "DROP", rs->input_rules);
	expect_chain(v, 1, "FORWARD", true, "DROP", 0);
	expect_chain(v, 2, "OUTPUT", true, "ACCEPT", 0);
	expect_chain(v, 3, "svc", false, "", 2);
	assert_non_null(v->blob);
	/* Where each chain begins: INPUT at its hook, svc where INPUT's second
	 * rule ("-j svc") jumps. */
	unsigned char *blob = v->blob;
	unsigned off = v->hook_entry[NF_INET_LOCAL_IN];
	assert_int_equal(v->chains[0].first, off);
	off += *fields_at(family, blob, off).next;
	const struct xt_standard_target *jump = (const void *)(blob + off + *fields_at(family, blob, off).toff);
	assert_int_equal(jump->verdict, (int)v->chains[3].first);
	assert_true(v->hash == hash_expected(family, v->blob, v));
	expect_names_clean(family, v);
}

static void filter_table(int family)
{
	struct ruleset rs = { .input_rules = 10, .svc_port = 22 };
	struct xt_table_view v;

	load(family, &rs);
	assert_int_equal(xt_table_read(family, "filter", &v), 0);
	expect_ruleset(family, &v, &rs);
	xt_table_view_free(&v);
	assert_null(v.blob);
}

static void test_filter(void **state)
{
	(void)state;
	each_family(__func__, filter_table);
}

static bool names_has(const char *path, const char *table)
{
	_cleanup_free_ char *text = NULL;
	size_t len;

	if (read_file(path, &text, &len, 4096) < 0)
		return false;
	for (char *l = strtok(text, "\n"); l; l = strtok(NULL, "\n"))
		if (strcmp(l, table) == 0)
			return true;
	return false;
}

/* What a fresh namespace answers for a table nothing has used yet. */
static void untouched_tables(int family)
{
	const char *names = family == AF_INET ? "/proc/self/net/ip_tables_names" : "/proc/self/net/ip6_tables_names";
	struct xt_table_view v;
	int r;

	/* An unknown table does not exist, and asking makes none. */
	assert_int_equal(xt_table_read(family, "nosuch", &v), -ENOENT);
	assert_null(v.chains);
	assert_null(v.blob);
	assert_false(names_has(names, "nosuch"));

	/* A table the kernel knows exists as soon as anyone asks for it:
	 * recent kernels instantiate it in the namespace on its first get
	 * (older ones did when the namespace was made). Empty, all policies
	 * ACCEPT: it behaves as an absent one. */
	assert_false(names_has(names, "mangle"));
	r = xt_table_read(family, "mangle", &v);
	if (r == -ENOENT) {
		fprintf(stderr, "# untouched mangle (family %d): -ENOENT\n", family);
		return;
	}
	assert_int_equal(r, 0);
	fprintf(stderr, "# untouched mangle (family %d): instantiated on the read, %zu empty chains\n", family,
		v.n_chains);
	assert_true(names_has(names, "mangle"));
	assert_int_equal(v.valid_hooks, (1U << NF_INET_NUMHOOKS) - 1);
	assert_int_equal(v.n_chains, NF_INET_NUMHOOKS);
	for (size_t i = 0; i < v.n_chains; i++) {
		assert_true(v.chains[i].builtin);
		assert_string_equal(v.chains[i].policy, "ACCEPT");
		assert_int_equal(v.chains[i].rules, 0);
	}
	expect_chain(&v, 0, "PREROUTING", true, "ACCEPT", 0);
	expect_chain(&v, 4, "POSTROUTING", true, "ACCEPT", 0);
	xt_table_view_free(&v);
}

static void test_absent(void **state)
{
	struct xt_table_view v;
	(void)state;

	if (!fresh_netns(__func__))
		return;
	untouched_tables(AF_INET);
	if (have_ipv6())
		untouched_tables(AF_INET6);
	assert_int_equal(xt_table_read(AF_INET, "a-table-name-longer-than-31-chars", &v), -EINVAL);
	assert_int_equal(xt_table_read(AF_UNIX, "filter", &v), -EAFNOSUPPORT);
	assert_null(v.chains);
}

/* The first entry of the filter table: INPUT's first rule ("-i lo"). */
static struct xt_counters first_counters(int family, const struct xt_table_view *v)
{
	return *fields_at(family, v->blob, 0).counters;
}

static void lo_up(void)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	strcpy(ifr.ifr_name, "lo");
	assert_int_equal(ioctl(fd, SIOCGIFFLAGS, &ifr), 0);
	ifr.ifr_flags |= IFF_UP;
	assert_int_equal(ioctl(fd, SIOCSIFFLAGS, &ifr), 0);
	close(fd);
}

/* Datagrams over lo (of this namespace): INPUT's "-i lo" rule counts them,
 * and the ICMP port unreachable that comes back. */
static void lo_traffic(int family, int n)
{
	struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_port = htons(9), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_port = htons(9), .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	const struct sockaddr *a = family == AF_INET ? (const struct sockaddr *)&a4 : (const struct sockaddr *)&a6;
	socklen_t alen = family == AF_INET ? sizeof(a4) : sizeof(a6);
	int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	for (int i = 0; i < n; i++)
		assert_int_equal(sendto(fd, "x", 1, 0, a, alen), 1);
	close(fd);
}

static bool comefrom_equal(int family, const struct xt_table_view *a, const struct xt_table_view *b)
{
	if (a->size != b->size)
		return false;
	for (unsigned off = 0; off < a->size; off += *fields_at(family, a->blob, off).next)
		if (*fields_at(family, a->blob, off).comefrom != *fields_at(family, b->blob, off).comefrom)
			return false;
	return true;
}

static void hash_stability(int family)
{
	struct ruleset rs = { .input_rules = 10, .svc_port = 22 };
	struct xt_table_view v1, v2, v3, v4, v5, v6;
	struct xt_counters c;

	load(family, &rs);
	assert_int_equal(xt_table_read(family, "filter", &v1), 0);
	expect_ruleset(family, &v1, &rs);
	c = first_counters(family, &v1);
	assert_true(c.pcnt == 0 && c.bcnt == 0);

	/* read twice: the same, even from a buffer that held something else */
	poison_heap(sizeof(struct ipt_get_entries) + v1.size);
	assert_int_equal(xt_table_read(family, "filter", &v2), 0);
	expect_names_clean(family, &v2);
	assert_true(v2.hash == v1.hash);
	assert_memory_equal(v1.blob, v2.blob, v1.size);

	/* the same rules with other counters, restored: the same hash */
	rs.pkts = 7;
	rs.bytes = 700;
	load(family, &rs);
	assert_int_equal(xt_table_read(family, "filter", &v3), 0);
	c = first_counters(family, &v3);
	assert_true(c.pcnt == 7 && c.bcnt == 700);
	assert_true(v3.hash == v1.hash);

	/* packets counted by the kernel: the same hash */
	lo_traffic(family, 3);
	assert_int_equal(xt_table_read(family, "filter", &v4), 0);
	c = first_counters(family, &v4);
	assert_true(c.pcnt >= 7 + 3 && c.bcnt > 700);
	assert_true(v4.hash == v3.hash);
	fprintf(stderr, "# family %d: INPUT's first rule at %llu packets, %llu bytes after the traffic\n", family,
		(unsigned long long)c.pcnt, (unsigned long long)c.bcnt);
	fprintf(stderr, "# family %d: comefrom %s across the restore with other counters and the traffic\n",
		family, comefrom_equal(family, &v1, &v3) && comefrom_equal(family, &v3, &v4) ? "unchanged" : "CHANGED");

	/* one port changed: another hash, though the size is the same */
	rs.svc_port = 2222;
	load(family, &rs);
	assert_int_equal(xt_table_read(family, "filter", &v5), 0);
	expect_ruleset(family, &v5, &rs);
	assert_int_equal(v5.size, v1.size);
	assert_true(v5.hash != v1.hash);

	/* and back: the first hash again */
	rs.svc_port = 22;
	load(family, &rs);
	assert_int_equal(xt_table_read(family, "filter", &v6), 0);
	assert_true(v6.hash == v1.hash);

	xt_table_view_free(&v1);
	xt_table_view_free(&v2);
	xt_table_view_free(&v3);
	xt_table_view_free(&v4);
	xt_table_view_free(&v5);
	xt_table_view_free(&v6);
}

/* The pair of walk_same_entries(), from the kernel. */
static void same_entries(int family)
{
	struct xt_table_view a, b;

	restore(family, "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n"
			"-A INPUT -j DROP\nCOMMIT\n", false);
	assert_int_equal(xt_table_read(family, "filter", &a), 0);
	restore(family, "*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n"
			"-A FORWARD -j ACCEPT\nCOMMIT\n", false);
	assert_int_equal(xt_table_read(family, "filter", &b), 0);
	expect_chain(&a, 0, "INPUT", true, "ACCEPT", 1);
	expect_chain(&b, 1, "FORWARD", true, "DROP", 1);
	/* the same entries, once counters and comefrom are set aside (comefrom,
	 * the hooks the kernel found an entry reachable from, differs) */
	assert_int_equal(a.size, b.size);
	for (unsigned off = 0; off < a.size; off += *fields_at(family, a.blob, off).next) {
		struct fields fa = fields_at(family, a.blob, off), fb = fields_at(family, b.blob, off);
		*fa.comefrom = *fb.comefrom = 0;
		memset(fa.counters, 0, sizeof(*fa.counters));
		memset(fb.counters, 0, sizeof(*fb.counters));
	}
	assert_memory_equal(a.blob, b.blob, a.size);
	assert_true(a.hash != b.hash);
	xt_table_view_free(&a);
	xt_table_view_free(&b);
}

static void hash_checks(int family)
{
	lo_up();
	hash_stability(family);
	same_entries(family);
}

static void test_hash(void **state)
{
	(void)state;
	each_family(__func__, hash_checks);
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static void big_table(int family)
{
	struct ruleset rs = { .input_rules = 5000, .svc_port = 22 };
	struct xt_table_view v;
	struct timespec t0;

	load(family, &rs);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(xt_table_read(family, "filter", &v), 0);
	fprintf(stderr, "# family %d: 5,000-rule table (%u bytes) read in %.2f ms\n", family, v.size, ms_since(&t0));
	expect_ruleset(family, &v, &rs);
	xt_table_view_free(&v);
}

static void test_big(void **state)
{
	(void)state;
	each_family(__func__, big_table);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_walk_good),
		cmocka_unit_test(test_walk_malformed),
		cmocka_unit_test(test_absent),
		cmocka_unit_test(test_filter),
		cmocka_unit_test(test_hash),
		cmocka_unit_test(test_big),
	};

	signal(SIGPIPE, SIG_IGN); /* a restore that quits early: a failed write, not a dead test */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
