/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The INI config: parsed with inih, validated before anything touches the
 * system. Every problem is reported as FILE:LINE: message (FILE: message for
 * one on no line; see config_where()), and all of them are reported in one
 * run.
 *
 * inih hands its handler no line numbers, so we feed it lines through our own
 * reader, which counts them, checks the line syntax itself and strips leading
 * blanks (inih would otherwise treat an indented line as a continuation of
 * the previous value, a surprise in a config this important).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "filecheck.h"
#include "sshd.h"
#include "sshd_config.h"
#include "sysctl.h"
#include "util.h"

#include <unistd.h>

#define DEFAULT_BACKOFF_MAX_MS 30000
#define DEFAULT_BACKOFF_RESET_MS 60000

enum section {
	SEC_NONE, SEC_NAMESPACE, SEC_INTERFACE, SEC_DNS, SEC_SYSCTL, SEC_SSHD, SEC_FIREWALL, SEC_SERVICE, SEC_UNKNOWN,
	SEC__MAX
};

static const char *const section_names[SEC__MAX] = {
	[SEC_NAMESPACE] = "namespace",
	[SEC_INTERFACE] = "interface",
	[SEC_DNS] = "dns",
	[SEC_SYSCTL] = "sysctl",
	[SEC_SSHD] = "sshd",
	[SEC_FIREWALL] = "firewall",
};

/* Keys that may appear once; the line they were first seen on. */
enum once_key {
	K_NS_NAME, K_MATCH, K_RENAME, K_KIND, K_PARENT, K_VLAN, K_MTU, K_SEARCH,
	K_SSHD_EXEC, K_SSHD_CONFIG, K_SSHD_BACKOFF_MAX, K_SSHD_BACKOFF_RESET, K_FW_IPV4, K_FW_IPV6, K__MAX
};

struct parser {
	const char *name;
	const char *data;
	size_t len, pos;
	int line;
	enum section sec;
	int section_line[SEC__MAX];
	int once_line[K__MAX];
	int kind_line, parent_line, vlan_line, match_line;
	int svc_once[3];             /* exec, backoff_max, backoff_reset of the current [service] */
	size_t *route_slots;         /* open-addressing index of route destinations: index + 1, 0 empty */
	size_t route_cap;            /* a power of two */
	FILE *errs;
	int nerr;
	struct config *c;
};

const char *config_where(const char *path, int line, const char *key, char *buf, size_t size)
{
	if (line <= 0)
		snprintf(buf, size, "%s", path);
	else if (key)
		snprintf(buf, size, "%s:%d: key '%s'", path, line, key);
	else
		snprintf(buf, size, "%s:%d", path, line);
	return buf;
}

/* MSG to F with each invisible character and each control character
 * written as <U+XXXX>, and, when there was one, what each is. */
static void put_visible(FILE *f, const char *msg)
{
	size_t n = strlen(msg), len = n * 8 + 1;  /* each byte a <U+XXXX> at worst */
	_cleanup_free_ char *shown = malloc(len);
	struct visible v;

	if (!shown) {
		fputs("(out of memory)", f);
		return;
	}
	str_visible_all(msg, n, shown, len, VISIBLE_CONTROL, &v);
	fputs(shown, f);
	if (!v.shown)
		return;
	fputs(" (invisible:", f);
	for (size_t k = 0; k < v.n_names; k++)
		fprintf(f, "%s %s", k ? "," : "", v.names[k]);
	fputs(v.n_names ? "; pasted from a web page or a document?)" : " a control character)", f);
}

static void __attribute__((format(printf, 3, 4)))
perr(struct parser *p, int line, const char *fmt, ...)
{
	char where[CONFIG_WHERE_MAX], *msg = NULL;
	va_list ap;
	if (p->errs) {
		fprintf(p->errs, "%s: ", config_where(p->name, line, NULL, where, sizeof(where)));
		va_start(ap, fmt);
		if (vasprintf(&msg, fmt, ap) < 0)
			msg = NULL;
		va_end(ap);
		put_visible(p->errs, msg ? msg : "(out of memory)");
		free(msg);
		fputc('\n', p->errs);
	}
	p->nerr++;
}

bool netns_name_valid(const char *name)
{
	size_t len = strlen(name);
	return len > 0 && len <= NAME_MAX && !strchr(name, '/') && strcmp(name, ".") != 0 &&
	       strcmp(name, "..") != 0;
}

bool ifname_valid(const char *name)
{
	size_t len = strlen(name);
	if (len == 0 || len >= IFNAMSIZ || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return false;
	/* The kernel takes a name with '%' as a pattern ("oob%d": the first
	 * free number), never as a name. */
	for (const char *s = name; *s; s++)
		if (*s == '/' || *s == ':' || *s == '%' || isspace((unsigned char)*s) || !isprint((unsigned char)*s))
			return false;
	return true;
}

bool config_wants_ipv6(const struct config *c)
{
	const struct iface_cfg *i = &c->iface;
	bool v6 = i->has_gw6;

	for (size_t k = 0; k < i->n_addrs && !v6; k++)
		v6 = i->addrs[k].pfx.addr.family == AF_INET6;
	for (size_t k = 0; k < i->n_routes && !v6; k++)
		v6 = i->routes[k].dst.addr.family == AF_INET6;
	return v6;
}

const char *config_nic_name_in_ns(const struct config *c)
{
	if (c->iface.rename[0])
		return c->iface.rename;
	if (c->iface.kind != NIC_PHYSICAL)
		return OOBD_DEFAULT_CHILD_NAME;
	if (c->iface.match == MATCH_NAME)
		return c->iface.match_name;
	return NULL; /* matched by MAC and not renamed: known only once found */
}

static char *skip_blank(char *s)
{
	/* All that inih's lskip() skips: a line it finds indented is the
	 * continuation of the previous value. */
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\v' || *s == '\f')
		s++;
	return s;
}

static enum section section_lookup(const char *name)
{
	for (int i = 0; i < SEC__MAX; i++)
		if (section_names[i] && strcmp(section_names[i], name) == 0)
			return (enum section)i;
	return SEC_UNKNOWN;
}

static bool service_name_valid(const char *n)
{
	size_t len = strlen(n);
	if (len == 0 || len > SERVICE_NAME_MAX)
		return false;
	for (; *n; n++)
		if (!(isalnum((unsigned char)*n) || *n == '-' || *n == '_' || *n == '.'))
			return false;
	return true;
}

/* "[service NAME]": one section per service, each name once. */
static void service_header(struct parser *p, char *rest)
{
	struct config *c = p->c;
	char *name = skip_blank(rest);
	size_t len = strlen(name);

	while (len && (name[len - 1] == ' ' || name[len - 1] == '\t'))
		name[--len] = '\0';
	p->sec = SEC_UNKNOWN;
	if (!service_name_valid(name)) {
		perr(p, p->line, "section [service %s]: the name must be 1-%d letters, digits, '-', '_' or '.'", name,
		     SERVICE_NAME_MAX);
		return;
	}
	if (strcmp(name, "sshd") == 0) {
		perr(p, p->line, "section [service sshd]: sshd is configured in [sshd]");
		return;
	}
	for (size_t k = 0; k < c->n_services; k++) {
		if (strcmp(c->services[k].name, name) == 0) {
			perr(p, p->line, "duplicate section [service %s] (first at line %d)", name, c->services[k].line);
			return;
		}
	}
	if (c->n_services >= CONFIG_MAX_SERVICES) {
		perr(p, p->line, "too many [service] sections (at most %d)", CONFIG_MAX_SERVICES);
		return;
	}
	c->services = xrealloc(c->services, c->n_services + 1, sizeof(*c->services));
	struct service_cfg *sc = &c->services[c->n_services++];
	memset(sc, 0, sizeof(*sc));
	str_copy(sc->name, name, sizeof(sc->name));
	sc->line = p->line;
	sc->backoff = (struct backoff_cfg){ DEFAULT_BACKOFF_MAX_MS, DEFAULT_BACKOFF_RESET_MS };
	p->sec = SEC_SERVICE;
	memset(p->svc_once, 0, sizeof(p->svc_once));
}

/* A "[name]" header line: validated here, where we know the line number. */
static void section_header(struct parser *p, char *s)
{
	char *end = strchr(s, ']');
	char name[128];
	size_t n;
	enum section sec;

	if (!end) {
		perr(p, p->line, "section header without closing ']'");
		p->sec = SEC_UNKNOWN;
		return;
	}
	if (*skip_blank(end + 1) != '\0' && *skip_blank(end + 1) != ';' && *skip_blank(end + 1) != '#') {
		perr(p, p->line, "unexpected text after section header");
	}
	n = (size_t)(end - s - 1);
	if (n >= sizeof(name))
		n = sizeof(name) - 1;
	memcpy(name, s + 1, n);
	name[n] = '\0';
	if (strncmp(name, "service", 7) == 0 && (name[7] == ' ' || name[7] == '\t' || name[7] == '\0')) {
		service_header(p, name + 7);
		return;
	}
	sec = section_lookup(name);
	if (sec == SEC_UNKNOWN) {
		perr(p, p->line, "unknown section [%s]", name);
	} else if (p->section_line[sec]) {
		perr(p, p->line, "duplicate section [%s] (first at line %d)", name, p->section_line[sec]);
	} else {
		p->section_line[sec] = p->line;
	}
	p->sec = sec;
}

/* S and a newline into STR (NUM bytes, room checked by the caller): what
 * inih reads from its stream. One call per config line, so no printf. */
static char *reader_line(char *str, const char *s)
{
	size_t n = strlen(s);

	memcpy(str, s, n);
	str[n] = '\n';
	str[n + 1] = '\0';
	return str;
}

/* inih's reader: one line per call. Returns the sanitised line. */
static char *config_reader(char *str, int num, void *stream)
{
	struct parser *p = stream;
	size_t start = p->pos, end, len;
	char line[CONFIG_MAX_LINE + 1];
	char *s;

	if (p->pos >= p->len)
		return NULL;
	end = start;
	while (end < p->len && p->data[end] != '\n')
		end++;
	p->pos = end < p->len ? end + 1 : end;
	p->line++;
	len = end - start;
	/* A DOS line end: the CR is not part of the line, nor of its length. */
	if (len && p->data[end - 1] == '\r')
		len--;

	str[0] = '\n';
	str[1] = '\0';
	if (memchr(p->data + start, '\0', len)) {
		perr(p, p->line, "NUL byte in line");
		return str;
	}
	if (len > CONFIG_MAX_LINE || len + 2 > (size_t)num) {
		perr(p, p->line, "line too long (at most %d characters)", num - 2 < CONFIG_MAX_LINE ? num - 2 : CONFIG_MAX_LINE);
		return str;
	}
	memcpy(line, p->data + start, len);
	line[len] = '\0';
	s = skip_blank(line);
	if (*s == '\0' || *s == ';' || *s == '#')
		return str;
	if (*s == '[') {
		section_header(p, s);
		return reader_line(str, s);
	}
	if (!strchr(s, '=')) {
		perr(p, p->line, "expected 'key = value' or '[section]'");
		return str;
	}
	/* inih also splits at ':' ("name: value"), and an inline comment in
	 * the key makes it drop the line without a word: neither is this
	 * file's syntax. */
	for (const char *k = s; *k != '='; k++) {
		if (*k == ':' || (*k == ';' && k > s && isspace((unsigned char)k[-1]))) {
			perr(p, p->line, "expected 'key = value' or '[section]' (a key holds no '%c')", *k);
			return str;
		}
	}
	if (p->sec == SEC_NONE) {
		perr(p, p->line, "key outside of any section");
		return str;
	}
	return reader_line(str, s);
}

static bool once(struct parser *p, enum once_key k, const char *name)
{
	if (p->once_line[k]) {
		perr(p, p->line, "key '%s': duplicate (first at line %d)", name, p->once_line[k]);
		return false;
	}
	p->once_line[k] = p->line;
	return true;
}

static bool parse_uint(const char *s, unsigned long min, unsigned long max, unsigned *out)
{
	char *end;
	unsigned long v;
	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (*end || errno || v < min || v > max)
		return false;
	*out = (unsigned)v;
	return true;
}

static bool abs_path_valid(const char *s)
{
	return s[0] == '/' && strlen(s) < PATH_MAX;
}

static void set_ifname(struct parser *p, const char *key, const char *value, char out[IFNAMSIZ])
{
	if (strchr(value, '%') && strlen(value) < IFNAMSIZ) {
		perr(p, p->line, "key '%s': invalid interface name '%s' (no '%%': the kernel takes '%%d' in a name as "
		     "a pattern for a number, not as a name)", key, value);
		return;
	}
	if (!ifname_valid(value)) {
		perr(p, p->line, "key '%s': invalid interface name '%s' (1-%d characters, no '/', ':', '%%' or blanks)",
		     key, value, IFNAMSIZ - 1);
		return;
	}
	str_copy(out, value, IFNAMSIZ);
}

/* ::ffff:a.b.c.d is how a dual-stack socket shows an IPv4 peer; the kernel
 * takes it as an address or route, but sends nothing from or to it over
 * IPv6 (sockets turn it into IPv4, and receivers drop it as a source). */
static bool v4mapped(struct parser *p, const char *key, const struct ipaddr *a, const char *text)
{
	if (a->family != AF_INET6 || !IN6_IS_ADDR_V4MAPPED(&a->v6))
		return false;
	perr(p, p->line, "key '%s': '%s' is an IPv4-mapped IPv6 address (::ffff:0:0/96), which no link carries: "
	     "write it as IPv4", key, text);
	return true;
}

/* Loopback is usable where LOOPBACK_OK: a name server may be a resolver
 * inside the namespace (127.0.0.53, ::1). */
static bool unicast_ok(struct parser *p, const char *key, const struct ipaddr *a, const char *text,
		       bool loopback_ok)
{
	bool bad;
	if (a->family == AF_INET) {
		unsigned char first = a->b[0];
		bad = first == 0 || (first == 127 && !loopback_ok) || first >= 224;
	} else {
		bad = IN6_IS_ADDR_UNSPECIFIED(&a->v6) || (IN6_IS_ADDR_LOOPBACK(&a->v6) && !loopback_ok) ||
		      IN6_IS_ADDR_MULTICAST(&a->v6);
	}
	if (bad)
		perr(p, p->line, "key '%s': '%s' is not a usable unicast address", key, text);
	return !bad && !v4mapped(p, key, a, text);
}

/* "ADDRESS/LEN [nodad]" */
static void iface_address(struct parser *p, const char *text)
{
	struct iface_cfg *i = &p->c->iface;
	struct prefix pfx;
	char value[128];
	const char *opt;
	bool nodad = false;
	int r;

	opt = text + strcspn(text, " \t");
	if ((size_t)(opt - text) >= sizeof(value)) {
		perr(p, p->line, "key 'address': value too long");
		return;
	}
	memcpy(value, text, (size_t)(opt - text));
	value[opt - text] = '\0';
	opt += strspn(opt, " \t");
	if (*opt) {
		if (strcmp(opt, "nodad") != 0) {
			perr(p, p->line, "key 'address': unknown option '%s' (the only one is 'nodad')", opt);
			return;
		}
		nodad = true;
	}
	r = prefix_parse(value, &pfx);

	if (r == -ERANGE) {
		perr(p, p->line, "key 'address': prefix length of '%s' out of range (0-%d)", value,
		     pfx.addr.family == AF_INET ? 32 : 128);
		return;
	}
	if (r < 0) {
		perr(p, p->line, "key 'address': '%s' is not ADDRESS/PREFIXLEN", value);
		return;
	}
	if (!unicast_ok(p, "address", &pfx.addr, value, false))
		return;
	/* The kernel adds no on-link route for a /0 address: the NIC would
	 * reach nothing through it, and a "default" on-link route would stand
	 * in the way of the gateway. */
	if (pfx.len == 0) {
		perr(p, p->line, "key 'address': prefix length 0 in '%s': an address needs the prefix of its subnet",
		     value);
		return;
	}
	for (size_t k = 0; k < i->n_addrs; k++) {
		if (ipaddr_equal(&i->addrs[k].pfx.addr, &pfx.addr)) {
			perr(p, p->line, "key 'address': duplicate address '%s' (first at line %d)", value,
			     i->addrs[k].line);
			return;
		}
	}
	if (i->n_addrs >= CONFIG_MAX_ADDRESSES) {
		perr(p, p->line, "key 'address': too many addresses (at most %d)", CONFIG_MAX_ADDRESSES);
		return;
	}
	i->addrs = xrealloc(i->addrs, i->n_addrs + 1, sizeof(*i->addrs));
	if (nodad && pfx.addr.family != AF_INET6) {
		perr(p, p->line, "key 'address': 'nodad' applies to IPv6 addresses only");
		return;
	}
	i->addrs[i->n_addrs++] = (struct addr_cfg){ .pfx = pfx, .nodad = nodad, .line = p->line };
}

static void iface_gateway(struct parser *p, const char *value)
{
	struct iface_cfg *i = &p->c->iface;
	struct ipaddr a;

	if (!ipaddr_parse(value, &a)) {
		perr(p, p->line, "key 'gateway': '%s' is not an IP address", value);
		return;
	}
	if (!unicast_ok(p, "gateway", &a, value, false))
		return;
	if (a.family == AF_INET) {
		if (i->has_gw4) {
			perr(p, p->line, "key 'gateway': second IPv4 gateway (first at line %d; at most one per family)", i->gw4_line);
			return;
		}
		i->has_gw4 = true;
		i->gw4 = a;
		i->gw4_line = p->line;
	} else {
		if (i->has_gw6) {
			perr(p, p->line, "key 'gateway': second IPv6 gateway (first at line %d; at most one per family)", i->gw6_line);
			return;
		}
		i->has_gw6 = true;
		i->gw6 = a;
		i->gw6_line = p->line;
	}
}

static size_t route_hash(const struct prefix *d)
{
	unsigned char key[18] = { (unsigned char)d->addr.family, (unsigned char)d->len };
	memcpy(key + 2, d->addr.b, ipaddr_len(&d->addr));
	return (size_t)fnv64_add(FNV64_INIT, key, sizeof(key));
}

/* The index slot for DST: holding its route's index + 1, or 0 where it
 * would go. Duplicate checks stay linear in the number of routes. */
static size_t *route_slot(struct parser *p, const struct prefix *dst)
{
	struct iface_cfg *i = &p->c->iface;

	if ((i->n_routes + 1) * 2 > p->route_cap) {
		size_t cap = p->route_cap ? p->route_cap * 2 : 64;
		size_t *slots = xcalloc(cap, sizeof(*slots));
		for (size_t k = 0; k < i->n_routes; k++) {
			size_t h = route_hash(&i->routes[k].dst) & (cap - 1);
			while (slots[h])
				h = (h + 1) & (cap - 1);
			slots[h] = k + 1;
		}
		free(p->route_slots);
		p->route_slots = slots;
		p->route_cap = cap;
	}
	size_t h = route_hash(dst) & (p->route_cap - 1);
	while (p->route_slots[h] && !prefix_equal(&i->routes[p->route_slots[h] - 1].dst, dst))
		h = (h + 1) & (p->route_cap - 1);
	return &p->route_slots[h];
}

/* "PREFIX via ADDR" or "PREFIX" (on-link). */
static void iface_route(struct parser *p, const char *value)
{
	struct iface_cfg *i = &p->c->iface;
	struct route_cfg r = { .line = p->line };
	char buf[256], *tok[4], *save = NULL;
	int n = 0, e;
	char pb[PREFIX_STRLEN];

	if (strlen(value) >= sizeof(buf)) {
		perr(p, p->line, "key 'route': value too long");
		return;
	}
	str_copy(buf, value, sizeof(buf));
	for (char *t = strtok_r(buf, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
		if (n == 4) {
			n++;
			break;
		}
		tok[n++] = t;
	}
	if (!(n == 1 || (n == 3 && strcmp(tok[1], "via") == 0))) {
		perr(p, p->line, "key 'route': expected 'PREFIX via ADDRESS' or 'PREFIX', got '%s'", value);
		return;
	}
	if (strcmp(tok[0], "default") == 0) {
		perr(p, p->line, "key 'route': use 'gateway = ADDRESS' for the default route");
		return;
	}
	e = prefix_parse(tok[0], &r.dst);
	if (e == -ERANGE) {
		perr(p, p->line, "key 'route': prefix length of '%s' out of range", tok[0]);
		return;
	}
	if (e < 0) {
		perr(p, p->line, "key 'route': '%s' is not PREFIX/LEN", tok[0]);
		return;
	}
	if (!prefix_is_network(&r.dst)) {
		perr(p, p->line, "key 'route': '%s' has host bits set beyond /%u", tok[0], r.dst.len);
		return;
	}
	if (r.dst.len == 0) {
		perr(p, p->line, "key 'route': use 'gateway = ADDRESS' for the default route");
		return;
	}
	/* Without host bits, a prefix in ::ffff:0:0/96 has an address in it. */
	if (v4mapped(p, "route", &r.dst.addr, tok[0]))
		return;
	/* The kernel takes a route there, but the host's own loopback routes
	 * (table local) win: nothing would go out of the NIC. Multicast and
	 * the rest are routes like others. */
	if (r.dst.addr.family == AF_INET ? r.dst.len >= 8 && r.dst.addr.b[0] == 127
					 : r.dst.len == 128 && IN6_IS_ADDR_LOOPBACK(&r.dst.addr.v6)) {
		perr(p, p->line, "key 'route': '%s' is a loopback prefix (inside 127.0.0.0/8, or ::1/128), which the "
		     "host keeps to itself", tok[0]);
		return;
	}
	if (n == 3) {
		if (!ipaddr_parse(tok[2], &r.via)) {
			perr(p, p->line, "key 'route': gateway '%s' is not an IP address", tok[2]);
			return;
		}
		if (r.via.family != r.dst.addr.family) {
			perr(p, p->line, "key 'route': gateway '%s' is not of the family of '%s'", tok[2], tok[0]);
			return;
		}
		if (!unicast_ok(p, "route", &r.via, tok[2], false))
			return;
		r.has_via = true;
	}
	size_t *slot = route_slot(p, &r.dst);
	if (*slot) {
		perr(p, p->line, "key 'route': duplicate route to %s (first at line %d)", prefix_str(&r.dst, pb),
		     i->routes[*slot - 1].line);
		return;
	}
	if (i->n_routes >= CONFIG_MAX_ROUTES) {
		perr(p, p->line, "key 'route': too many routes (at most %d)", CONFIG_MAX_ROUTES);
		return;
	}
	/* Geometric growth: thousands of routes are a normal config. */
	if ((i->n_routes & (i->n_routes - 1)) == 0)
		i->routes = xrealloc(i->routes, i->n_routes ? i->n_routes * 2 : 8, sizeof(*i->routes));
	i->routes[i->n_routes++] = r;
	*slot = i->n_routes;
}

static void handle_interface(struct parser *p, const char *key, const char *value)
{
	struct iface_cfg *i = &p->c->iface;

	if (strcmp(key, "match") == 0) {
		if (!once(p, K_MATCH, key))
			return;
		p->match_line = p->line;
		if (strncasecmp(value, "mac:", 4) == 0) {
			if (!mac_parse(value + 4, i->match_mac)) {
				perr(p, p->line, "key 'match': '%s' is not a MAC address (mac:xx:xx:xx:xx:xx:xx)", value + 4);
				return;
			}
			if (i->match_mac[0] & 1) {
				perr(p, p->line, "key 'match': '%s' is a multicast MAC address", value + 4);
				return;
			}
			i->match = MATCH_MAC;
		} else {
			set_ifname(p, key, value, i->match_name);
			if (i->match_name[0])
				i->match = MATCH_NAME;
		}
	} else if (strcmp(key, "rename") == 0) {
		if (once(p, K_RENAME, key))
			set_ifname(p, key, value, i->rename);
	} else if (strcmp(key, "kind") == 0) {
		if (!once(p, K_KIND, key))
			return;
		p->kind_line = p->line;
		if (strcmp(value, "physical") == 0)
			i->kind = NIC_PHYSICAL;
		else if (strcmp(value, "vlan") == 0)
			i->kind = NIC_VLAN;
		else if (strcmp(value, "macvlan") == 0)
			i->kind = NIC_MACVLAN;
		else
			perr(p, p->line, "key 'kind': '%s' is not one of physical, vlan, macvlan", value);
	} else if (strcmp(key, "parent") == 0) {
		if (!once(p, K_PARENT, key))
			return;
		p->parent_line = p->line;
		set_ifname(p, key, value, i->parent);
	} else if (strcmp(key, "vlan") == 0) {
		if (!once(p, K_VLAN, key))
			return;
		p->vlan_line = p->line;
		if (!parse_uint(value, 1, 4094, &i->vlan_id))
			perr(p, p->line, "key 'vlan': '%s' is not a VLAN id (1-4094)", value);
	} else if (strcmp(key, "mtu") == 0) {
		if (!once(p, K_MTU, key))
			return;
		if (!parse_uint(value, 68, 65535, &i->mtu))
			perr(p, p->line, "key 'mtu': '%s' is not an MTU (68-65535)", value);
	} else if (strcmp(key, "address") == 0) {
		iface_address(p, value);
	} else if (strcmp(key, "gateway") == 0) {
		iface_gateway(p, value);
	} else if (strcmp(key, "route") == 0) {
		iface_route(p, value);
	} else {
		perr(p, p->line, "unknown key '%s' in [interface]", key);
	}
}

static bool search_valid(const char *s)
{
	if (strlen(s) > 1024)
		return false;
	for (; *s; s++)
		if (!(isalnum((unsigned char)*s) || *s == '.' || *s == '-' || *s == '_' || *s == ' ' || *s == '\t'))
			return false;
	return true;
}

static void handle_dns(struct parser *p, const char *key, const char *value)
{
	struct dns_cfg *d = &p->c->dns;

	if (strcmp(key, "nameserver") == 0) {
		struct ipaddr a;
		if (!ipaddr_parse(value, &a)) {
			perr(p, p->line, "key 'nameserver': '%s' is not an IP address", value);
			return;
		}
		if (!unicast_ok(p, "nameserver", &a, value, true))
			return;
		for (size_t k = 0; k < d->n_ns; k++) {
			if (ipaddr_equal(&d->ns[k], &a)) {
				perr(p, p->line, "key 'nameserver': duplicate '%s'", value);
				return;
			}
		}
		if (d->n_ns == CONFIG_MAX_NAMESERVERS) {
			perr(p, p->line, "key 'nameserver': at most %d nameservers (the resolver reads only the first %d)",
			     CONFIG_MAX_NAMESERVERS, CONFIG_MAX_NAMESERVERS);
			return;
		}
		d->ns_line[d->n_ns] = p->line;
		d->ns[d->n_ns++] = a;
	} else if (strcmp(key, "search") == 0) {
		if (!once(p, K_SEARCH, key))
			return;
		if (!search_valid(value)) {
			perr(p, p->line, "key 'search': '%s' is not a space-separated list of domains", value);
			return;
		}
		d->search = xstrdup(value);
	} else {
		perr(p, p->line, "unknown key '%s' in [dns]", key);
	}
}

/* What is wrong with sysctl key K, into WHY; false when nothing is. */
static bool sysctl_key_bad(const char *k, char *why, size_t size)
{
	size_t len = strlen(k);

	if (strncmp(k, "net.", 4) != 0) {
		snprintf(why, size, "only net.* keys can be set inside the namespace");
		return true;
	}
	if (len > 200) {
		snprintf(why, size, "malformed key: longer than 200 characters");
		return true;
	}
	/* "net." and "net.ipv4..x" name no sysctl: each dot must separate
	 * two names. */
	if (strstr(k, "..")) {
		snprintf(why, size, "malformed key: empty component between two dots");
		return true;
	}
	if (k[len - 1] == '.') {
		snprintf(why, size, "malformed key: empty component after the last dot");
		return true;
	}
	/* A '/' stands for a '.' inside a name (net.ipv4.conf.eth0/100.x):
	 * a name of only "/" or "//" would be "." or ".." in the path, out of
	 * /proc/sys/net. */
	for (const char *c = k; c; c = strchr(c, '.') ? strchr(c, '.') + 1 : NULL) {
		size_t clen = strcspn(c, ".");
		if ((clen == 1 || clen == 2) && strspn(c, "/") == clen) {
			snprintf(why, size, "malformed key: a name of only '/' would be '.' or '..' in the path");
			return true;
		}
	}
	for (const char *s = k; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (isalnum(ch) || ch == '.' || ch == '_' || ch == '-' || ch == '/')
			continue;
		if (isprint(ch))
			snprintf(why, size, "malformed key: '%c' is not allowed (letters, digits, '.', '_', '-', '/')", ch);
		else
			snprintf(why, size, "malformed key: byte 0x%02x is not allowed (letters, digits, '.', '_', '-', '/')",
				 ch);
		return true;
	}
	return false;
}

static void handle_sysctl(struct parser *p, const char *key, const char *value)
{
	struct config *c = p->c;
	char why[128];

	if (sysctl_key_bad(key, why, sizeof(why))) {
		perr(p, p->line, "sysctl '%s': %s", key, why);
		return;
	}
	if (strlen(value) > 256) {
		perr(p, p->line, "sysctl '%s': value too long", key);
		return;
	}
	for (size_t k = 0; k < c->n_sysctls; k++) {
		if (strcmp(c->sysctls[k].key, key) == 0) {
			perr(p, p->line, "sysctl '%s': duplicate (first at line %d)", key, c->sysctls[k].line);
			return;
		}
	}
	if (c->n_sysctls >= CONFIG_MAX_SYSCTLS) {
		perr(p, p->line, "too many sysctls (at most %d)", CONFIG_MAX_SYSCTLS);
		return;
	}
	c->sysctls = xrealloc(c->sysctls, c->n_sysctls + 1, sizeof(*c->sysctls));
	c->sysctls[c->n_sysctls++] = (struct sysctl_cfg){ xstrdup(key), xstrdup(value), p->line };
}

static void set_path(struct parser *p, enum once_key k, const char *key, const char *value, char **out)
{
	if (!once(p, k, key))
		return;
	if (!abs_path_valid(value)) {
		perr(p, p->line, "key '%s': '%s' is not an absolute path", key, value);
		return;
	}
	free(*out);
	*out = xstrdup(value);
}

/*
 * Seconds as plain decimal digits, with an optional fraction ("30", "0.5",
 * ".5"), into milliseconds (rounded) within [MIN_MS, MAX_MS]. Not strtod:
 * it also takes signs, exponents, hexadecimal, "inf" and "nan", and its
 * decimal point follows the locale. 0, -EINVAL for anything but such a
 * number, -ERANGE for one out of range.
 */
static int parse_seconds(const char *s, unsigned min_ms, unsigned max_ms, unsigned *out)
{
	size_t n_int = strspn(s, "0123456789"), n_frac = 0;
	const char *frac = s + n_int;
	unsigned long long ms = 0;
	bool big = false;

	if (*frac == '.') {
		frac++;
		n_frac = strspn(frac, "0123456789");
	}
	if (n_int + n_frac == 0 || frac[n_frac] != '\0')
		return -EINVAL;
	/* Whole seconds, counted only while they might still be in range:
	 * nothing overflows, however many digits there are. */
	for (size_t k = 0; k < n_int && !big; k++) {
		ms = ms * 10 + (unsigned)(s[k] - '0');
		big = ms > max_ms;
	}
	if (big)
		return -ERANGE;
	ms *= 1000;
	for (size_t k = 0, scale = 100; k < n_frac && k < 3; k++, scale /= 10)
		ms += (unsigned)(frac[k] - '0') * scale;
	if (n_frac > 3 && frac[3] >= '5')
		ms++;
	if (ms < min_ms || ms > max_ms)
		return -ERANGE;
	*out = (unsigned)ms;
	return 0;
}

static void set_backoff(struct parser *p, const char *key, const char *value, struct backoff_cfg *b)
{
	bool max = strcmp(key, "backoff_max") == 0;
	unsigned limit_ms = max ? 3600000 : 86400000;
	int r = parse_seconds(value, 100, limit_ms, max ? &b->max_ms : &b->reset_ms);

	if (r == -EINVAL)
		perr(p, p->line, "key '%s': '%s' is not a number of seconds (decimal digits, optionally with a fraction: "
				 "30, 0.5)", key, value);
	else if (r == -ERANGE)
		perr(p, p->line, "key '%s': %s seconds is out of range (0.1-%u)", key, value, limit_ms / 1000);
}

static void handle_service(struct parser *p, const char *key, const char *value)
{
	struct service_cfg *sc = &p->c->services[p->c->n_services - 1];
	static const char *const keys[] = { "exec", "backoff_max", "backoff_reset" };
	char err[128];
	int k;

	for (k = 0; k < 3; k++)
		if (strcmp(key, keys[k]) == 0)
			break;
	if (k == 3) {
		perr(p, p->line, "unknown key '%s' in [service %s]", key, sc->name);
		return;
	}
	if (p->svc_once[k]) {
		perr(p, p->line, "key '%s': duplicate (first at line %d)", key, p->svc_once[k]);
		return;
	}
	p->svc_once[k] = p->line;
	if (k > 0) {
		set_backoff(p, key, value, &sc->backoff);
		return;
	}
	sc->exec_line = p->line;
	sc->argv = config_split_words(value, err, sizeof(err));
	if (!sc->argv) {
		perr(p, p->line, "key 'exec': %s", err);
		return;
	}
	if (!abs_path_valid(sc->argv[0])) {
		perr(p, p->line, "key 'exec': the program '%s' must be an absolute path", sc->argv[0]);
		config_free_words(sc->argv);
		sc->argv = NULL;
		return;
	}
	sc->exec_line_text = xstrdup(value);
}

static int config_handler(void *user, const char *section, const char *key, const char *value)
{
	struct parser *p = user;
	char uncommented[CONFIG_MAX_LINE + 1];
	(void)section;

	if (*value == '\0') {
		perr(p, p->line, "key '%s': empty value", key);
		return 1;
	}
	/* inih ends a value at ';' after a blank, not at '#': "1 # on" would
	 * be the value, written as it is (a sysctl the kernel takes half of,
	 * words of a command line). No value holds a '#' after a blank. The
	 * rest of the line is checked as meant, without it. */
	for (const char *h = strchr(value, '#'); h; h = strchr(h + 1, '#')) {
		if (h > value && (h[-1] == ' ' || h[-1] == '\t')) {
			size_t n = (size_t)(h - value);

			perr(p, p->line, "%s '%s': '#' after a blank: a comment after a value starts with ';', not '#'",
			     p->sec == SEC_SYSCTL ? "sysctl" : "key", key);
			while (n && (value[n - 1] == ' ' || value[n - 1] == '\t'))
				n--;
			memcpy(uncommented, value, n);
			uncommented[n] = '\0';
			value = uncommented;
			break;
		}
	}
	switch (p->sec) {
	case SEC_NAMESPACE:
		if (strcmp(key, "name") == 0) {
			if (!once(p, K_NS_NAME, key))
				break;
			if (!netns_name_valid(value))
				perr(p, p->line, "key 'name': '%s' is not a valid namespace name", value);
			else
				str_copy(p->c->netns, value, sizeof(p->c->netns));
		} else {
			perr(p, p->line, "unknown key '%s' in [namespace]", key);
		}
		break;
	case SEC_INTERFACE:
		handle_interface(p, key, value);
		break;
	case SEC_DNS:
		handle_dns(p, key, value);
		break;
	case SEC_SYSCTL:
		handle_sysctl(p, key, value);
		break;
	case SEC_SSHD:
		if (strcmp(key, "exec") == 0) {
			set_path(p, K_SSHD_EXEC, key, value, &p->c->sshd.exec);
			p->c->sshd.exec_line = p->line;
		} else if (strcmp(key, "config") == 0) {
			set_path(p, K_SSHD_CONFIG, key, value, &p->c->sshd.config);
			p->c->sshd.config_line = p->line;
		} else if (strcmp(key, "backoff_max") == 0) {
			if (once(p, K_SSHD_BACKOFF_MAX, key))
				set_backoff(p, key, value, &p->c->sshd.backoff);
		} else if (strcmp(key, "backoff_reset") == 0) {
			if (once(p, K_SSHD_BACKOFF_RESET, key))
				set_backoff(p, key, value, &p->c->sshd.backoff);
		}
		else
			perr(p, p->line, "unknown key '%s' in [sshd]", key);
		break;
	case SEC_SERVICE:
		handle_service(p, key, value);
		break;
	case SEC_FIREWALL:
		if (strcmp(key, "ipv4") == 0) {
			set_path(p, K_FW_IPV4, key, value, &p->c->firewall.ipv4);
			p->c->firewall.ipv4_line = p->line;
		} else if (strcmp(key, "ipv6") == 0) {
			set_path(p, K_FW_IPV6, key, value, &p->c->firewall.ipv6);
			p->c->firewall.ipv6_line = p->line;
		} else {
			perr(p, p->line, "unknown key '%s' in [firewall]", key);
		}
		break;
	case SEC_NONE:
	case SEC_UNKNOWN:
	case SEC__MAX:
		break; /* already reported */
	}
	return 1;
}

static bool has_family(const struct iface_cfg *i, int family)
{
	for (size_t k = 0; k < i->n_addrs; k++)
		if (i->addrs[k].pfx.addr.family == family)
			return true;
	return false;
}

/*
 * The interface's addresses sorted by a key, for the checks that look up
 * every route's gateway or destination among them: a config may hold
 * thousands of routes and hundreds of addresses, and a look at each for
 * each (n * m) costs more than the rest of a reload together. Among equal
 * keys the first address in the config comes first, as a walk would find.
 */
enum addr_ix_kind {
	IX_ADDRESS,     /* the address itself */
	IX_BROADCAST,   /* IPv4, 30 bits or fewer: its subnet's broadcast address */
	IX_SUBNET,      /* IPv4, 31 bits or fewer: its subnet, with the length */
};

struct addr_ix {
	struct prefix key;           /* the length: IX_SUBNET's; 0 otherwise */
	const struct addr_cfg *addr;
};

static int addr_ix_sort_cmp(const void *a, const void *b)
{
	const struct addr_ix *x = a, *y = b;
	int r = prefix_cmp(&x->key, &y->key);

	return r ? r : x->addr < y->addr ? -1 : x->addr > y->addr;
}

static struct addr_ix *addr_ix_make(const struct iface_cfg *i, enum addr_ix_kind kind, size_t *n)
{
	struct addr_ix *ix = xcalloc(i->n_addrs + 1, sizeof(*ix));

	*n = 0;
	for (size_t k = 0; k < i->n_addrs; k++) {
		const struct prefix *p = &i->addrs[k].pfx;
		struct addr_ix e = { .key = { .addr = p->addr }, .addr = &i->addrs[k] };

		if (kind != IX_ADDRESS) {
			if (p->addr.family != AF_INET || p->len > (kind == IX_BROADCAST ? 30u : 31u))
				continue;
			uint32_t host = p->len ? 0xffffffffu >> p->len : 0xffffffffu;
			e.key.addr.v4.s_addr = htonl(kind == IX_BROADCAST ? ntohl(p->addr.v4.s_addr) | host
									  : ntohl(p->addr.v4.s_addr) & ~host);
			e.key.len = kind == IX_SUBNET ? p->len : 0;
		}
		ix[(*n)++] = e;
	}
	qsort(ix, *n, sizeof(*ix), addr_ix_sort_cmp);
	return ix;
}

/* The first address of the config whose key is KEY (and LEN), or NULL. */
static const struct addr_cfg *addr_ix_find(const struct addr_ix *ix, size_t n, const struct ipaddr *key, unsigned len)
{
	struct prefix want = { .addr = *key, .len = len };
	size_t lo = prefix_lower_bound(ix, n, sizeof(*ix), offsetof(struct addr_ix, key), &want);

	return lo < n && prefix_cmp(&ix[lo].key, &want) == 0 ? ix[lo].addr : NULL;
}

/* An address of the interface equal to gateway GW (of line LINE, of key
 * 'gateway' or, ROUTE, of a 'route' via it): the route would point back at
 * this host; the kernel refuses it for IPv6 ("Gateway can not be a local
 * address") and, for IPv4, takes it and drops what it carries. Reported on
 * the gateway's line, which is the key the rule is about. */
static void gateway_not_own(struct parser *p, const struct addr_ix *own, size_t n_own, const struct ipaddr *gw,
			    int line, bool route)
{
	const struct addr_cfg *a = addr_ix_find(own, n_own, gw, 0);
	char b[IPADDR_STRLEN];

	if (a)
		perr(p, line, "key '%s': %s%s is this host's own address (key 'address' at line %d)",
		     route ? "route" : "gateway", route ? "gateway " : "", ipaddr_str(gw, b), a->line);
}

/* The [interface] checks that need the whole section. */
static void validate_interface(struct parser *p, int sec_line)
{
	struct iface_cfg *i = &p->c->iface;

	i->line = sec_line;
	if (i->kind == NIC_PHYSICAL) {
		if (i->match == MATCH_NONE && !p->match_line)
			perr(p, sec_line, "[interface]: missing 'match' (an interface name or mac:ADDRESS)");
		if (p->parent_line)
			perr(p, p->parent_line, "key 'parent': only for kind = vlan or macvlan");
		if (p->vlan_line)
			perr(p, p->vlan_line, "key 'vlan': only for kind = vlan");
	} else {
		const char *kind = i->kind == NIC_VLAN ? "vlan" : "macvlan";
		if (!p->parent_line)
			perr(p, p->kind_line, "kind = %s needs 'parent' (the shared NIC in the main namespace)", kind);
		if (p->match_line)
			perr(p, p->match_line, "key 'match': not used with kind = %s (name the child with 'rename')", kind);
		if (i->kind == NIC_VLAN && !p->vlan_line)
			perr(p, p->kind_line, "kind = vlan needs 'vlan' (the VLAN id)");
		if (i->kind == NIC_MACVLAN && p->vlan_line)
			perr(p, p->vlan_line, "key 'vlan': only for kind = vlan");
	}
	if (i->has_gw4 && !has_family(i, AF_INET))
		perr(p, i->gw4_line, "key 'gateway': IPv4 gateway but no IPv4 address on the interface");
	if (i->has_gw6 && !has_family(i, AF_INET6) && !IN6_IS_ADDR_LINKLOCAL(&i->gw6.v6))
		perr(p, i->gw6_line, "key 'gateway': IPv6 gateway but no IPv6 address on the interface");
	size_t n_own;
	struct addr_ix *own = addr_ix_make(i, IX_ADDRESS, &n_own);
	if (i->has_gw4)
		gateway_not_own(p, own, n_own, &i->gw4, i->gw4_line, false);
	if (i->has_gw6)
		gateway_not_own(p, own, n_own, &i->gw6, i->gw6_line, false);
	for (size_t k = 0; k < i->n_routes; k++) {
		struct route_cfg *r = &i->routes[k];
		if (!has_family(i, r->dst.addr.family) &&
		    !(r->has_via && r->via.family == AF_INET6 && IN6_IS_ADDR_LINKLOCAL(&r->via.v6)))
			perr(p, r->line, "key 'route': no %s address on the interface to reach it",
			     r->dst.addr.family == AF_INET ? "IPv4" : "IPv6");
		else if (r->has_via)
			gateway_not_own(p, own, n_own, &r->via, r->line, true);
	}
	free(own);
	/* IPv6 is off on a link below 1280: also for a link-local gateway. */
	if (i->mtu && i->mtu < 1280 && config_wants_ipv6(p->c))
		perr(p, p->once_line[K_MTU], "key 'mtu': IPv6 needs an MTU of at least 1280");
}

/* An IPv6 link-local name server is reached through the NIC only: the
 * resolver needs its name inside the namespace as the zone (fe80::1%oob0),
 * so that name must be known before the NIC is found. */
static void validate_dns_zone(struct parser *p)
{
	struct config *c = p->c;
	const char *nic = config_nic_name_in_ns(c);

	for (size_t k = 0; k < c->dns.n_ns; k++) {
		const struct ipaddr *a = &c->dns.ns[k];
		char b[IPADDR_STRLEN];

		if (a->family != AF_INET6 || !IN6_IS_ADDR_LINKLOCAL(&a->v6))
			continue;
		if (nic)
			str_copy(c->dns.zone, nic, sizeof(c->dns.zone));
		else
			perr(p, c->dns.ns_line[k], "key 'nameserver': the link-local %s needs the NIC's name inside the "
			     "namespace as its zone, and a NIC matched by MAC keeps a name not known before: set 'rename'",
			     ipaddr_str(a, b));
	}
}

/*
 * Checks that need the whole file. A missing part skips only the checks
 * about it: everything else is still reported, all in one run.
 */
static void config_validate(struct parser *p)
{
	struct config *c = p->c;
	int sec_line = p->section_line[SEC_INTERFACE];

	/* Its keys can only have come from the section: without it there is
	 * nothing more of the interface to check. */
	if (sec_line) {
		validate_interface(p, sec_line);
		validate_dns_zone(p);
	} else {
		perr(p, p->line > 0 ? p->line : 1, "missing [interface] section");
	}
	for (size_t k = 0; k < c->n_services; k++)
		if (!c->services[k].exec_line)
			perr(p, c->services[k].line, "[service %s]: missing 'exec'", c->services[k].name);
	c->dns.present = p->section_line[SEC_DNS] != 0;
	c->firewall.present = p->section_line[SEC_FIREWALL] != 0;
}

int config_load_buffer(const char *name, const char *data, size_t len, FILE *errs, struct config **out)
{
	struct config *c = xcalloc(1, sizeof(*c));
	struct parser p = { .name = name, .data = data, .len = len, .errs = errs, .c = c };

	c->path = xstrdup(name);
	c->sshd.backoff = (struct backoff_cfg){ DEFAULT_BACKOFF_MAX_MS, DEFAULT_BACKOFF_RESET_MS };
	str_copy(c->netns, OOBD_DEFAULT_NETNS, sizeof(c->netns));
	/* A UTF-8 byte order mark is harmless; inih would skip it too. */
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		p.pos = 3;
	ini_parse_stream(config_reader, &p, config_handler, &p);
	free(p.route_slots);
	config_validate(&p);
	if (!c->sshd.exec)
		c->sshd.exec = xstrdup(OOBD_DEFAULT_SSHD);
	if (!c->sshd.config)
		c->sshd.config = xstrdup(OOBD_DEFAULT_SSHD_CONFIG);
	if (p.nerr) {
		config_free(c);
		return p.nerr;
	}
	*out = c;
	return 0;
}

int config_load(const char *path, FILE *errs, struct config **out)
{
	return config_load_keep(path, errs, out, NULL, NULL);
}

int config_load_keep(const char *path, FILE *errs, struct config **out, char **keep, size_t *keep_len)
{
	_cleanup_free_ char *data = NULL;
	char why[PATH_MAX + 64], where[CONFIG_WHERE_MAX];
	size_t len;
	int r;

	/* Whoever can write the config owns the oob path: refuse it first. */
	if (filecheck_path(path, why, sizeof(why)) == -EPERM) {
		if (errs)
			fprintf(errs, "%s: refusing an unsafe config: %s (%s)\n", path, why, FILECHECK_RULE);
		return 1;
	}
	r = read_file(path, &data, &len, CONFIG_MAX_BYTES);
	if (r < 0) {
		/* On no line of the file: "PATH: ...". */
		if (errs)
			fprintf(errs, "%s: cannot read config: %s\n", config_where(path, 0, NULL, where, sizeof(where)),
				r == -EFBIG ? "file too large" : strerror(-r));
		return 1;
	}
	r = config_load_buffer(path, data, len, errs, out);
	if (r == 0 && keep) {
		*keep = data;
		*keep_len = len;
		data = NULL;
	}
	return r;
}

void config_free(struct config *c)
{
	if (!c)
		return;
	free(c->path);
	free(c->iface.addrs);
	free(c->iface.routes);
	free(c->dns.search);
	for (size_t k = 0; k < c->n_sysctls; k++) {
		free(c->sysctls[k].key);
		free(c->sysctls[k].value);
	}
	free(c->sysctls);
	free(c->sshd.exec);
	free(c->sshd.config);
	for (size_t k = 0; k < c->n_services; k++) {
		config_free_words(c->services[k].argv);
		free(c->services[k].exec_line_text);
	}
	free(c->services);
	free(c->firewall.ipv4);
	free(c->firewall.ipv6);
	free(c);
}

/* A file the config names, for its permissions: "FILE:LINE: key 'k': unsafe
 * WHAT NOTE: WHY (rule)". With INSTEAD (a start), a warning that says what
 * oobd does instead, and not a problem. */
static int check_trusted_file(const char *cfg_path, int line, const char *key, const char *what, const char *path,
			      const char *note, const char *instead, FILE *errs)
{
	char why[PATH_MAX + 64], where[CONFIG_WHERE_MAX];

	if (filecheck_path(path, why, sizeof(why)) != -EPERM)
		return 0; /* absent or unreadable: reported where it is used */
	fprintf(errs, "%s: %sunsafe %s%s: %s (%s)%s%s%s\n", config_where(cfg_path, line, key, where, sizeof(where)),
		instead ? "warning: " : "", what, note, why, FILECHECK_RULE, instead ? " (" : "", instead ? instead : "",
		instead ? ")" : "");
	return instead ? 0 : 1;
}

/*
 * A program the config has oobd run: NULL when root can execute it, else
 * why not. access() alone is not enough: it grants X_OK to a directory
 * (search permission), which execve() then refuses.
 */
static const char *program_unusable(const char *path)
{
	struct stat st;

	if (access(path, X_OK) < 0 || stat(path, &st) < 0)
		return strerror(errno);
	if (S_ISDIR(st.st_mode))
		return strerror(EISDIR);
	if (!S_ISREG(st.st_mode))
		return "not a regular file";
	return NULL;
}

/* A program named by key 'exec' (on LINE; 0: the default): executable,
 * and only root can change it. WHAT says whose program it is. With
 * INSTEAD (a start), neither is a problem but a warning: the program is not
 * run until it can be, and INSTEAD says what that means. */
static int check_program(const char *cfg_path, int line, const char *what, const char *path, const char *instead,
			 FILE *errs)
{
	const char *note = line ? "" : " (the default of key 'exec')";
	char where[CONFIG_WHERE_MAX];
	const char *why = program_unusable(path);

	if (!why)
		return check_trusted_file(cfg_path, line, "exec", what, path, note, instead, errs);
	fprintf(errs, "%s: %s%s %s%s: %s%s%s%s\n", config_where(cfg_path, line, "exec", where, sizeof(where)),
		instead ? "warning: " : "", what, path, note, why, instead ? " (" : "", instead ? instead : "",
		instead ? ")" : "");
	return instead ? 0 : 1;
}

/* What a start does instead of running sshd with a config it cannot use. */
#define SSHD_INSTEAD "sshd runs with the last-good or built-in config"

struct untrusted_report {
	const struct config *c;
	FILE *errs;
	bool strict;
};

/* One unsafe file or directory of the sshd config, named after the line of
 * key 'config' and after the file of the sshd config that names it. */
static void report_untrusted(void *arg, const struct sshd_untrusted *u)
{
	const struct untrusted_report *rep = arg;
	const struct config *c = rep->c;
	const char *dflt = c->sshd.config_line ? "" : ", the default of key 'config'";
	char note[PATH_MAX + 96], where[CONFIG_WHERE_MAX];

	switch (u->kind) {
	case SSHD_TRUST_CONFIG:
		snprintf(note, sizeof(note), "%s", c->sshd.config_line ? "" : " (the default of key 'config')");
		break;
	case SSHD_TRUST_INCLUDED:
		snprintf(note, sizeof(note), " (included by %s%s)", c->sshd.config, dflt);
		break;
	case SSHD_TRUST_INCLUDE_DIR:
		snprintf(note, sizeof(note), " (where an Include of %s%s%s looks)", c->sshd.config, dflt, *dflt ? "," : "");
		break;
	default:
		snprintf(note, sizeof(note), " (%s in %s%s)", u->keyword, c->sshd.config, dflt);
		break;
	}
	fprintf(rep->errs, "%s: %sunsafe %s%s: %s (%s)%s\n",
		config_where(c->path, c->sshd.config_line, "config", where, sizeof(where)), rep->strict ? "" : "warning: ",
		u->what, note, u->why, u->rule, rep->strict ? "" : " (" SSHD_INSTEAD ")");
}

/* The sshd config, the files it includes and the files it names
 * (sshd_conf_untrusted). At start-up (not STRICT) each problem stops only
 * sshd's use of the file: the supervisor runs the last-good or built-in
 * config instead (sshd_supervise.c), which is what they are for. */
static int check_sshd_config(const struct config *c, FILE *errs, bool strict)
{
	struct sshd_conf_file *conf = NULL;
	struct untrusted_report rep = { c, errs, strict };
	char why[PATH_MAX + 128], where[CONFIG_WHERE_MAX];
	const char *cnote = c->sshd.config_line ? "" : " (the default of key 'config')";
	const char *instead = strict ? NULL : SSHD_INSTEAD;
	int n;

	config_where(c->path, c->sshd.config_line, "config", where, sizeof(where));
	if (access(c->sshd.config, R_OK) < 0) {
		fprintf(errs, "%s: %ssshd config %s%s: %s%s\n", where, strict ? "" : "warning: ", c->sshd.config, cnote,
			strerror(errno), strict ? "" : " (" SSHD_INSTEAD ")");
		return strict ? 1 : 0;
	}
	/* What it includes is as much sshd's config as the file itself. */
	if (sshd_conf_load(c->sshd.config, NULL, &conf, why, sizeof(why)) < 0) {
		n = check_trusted_file(c->path, c->sshd.config_line, "config", "sshd config", c->sshd.config, cnote,
				       instead, errs);
		fprintf(errs, "%s: %ssshd config %s%s: %s%s\n", where, strict ? "" : "warning: ", c->sshd.config, cnote,
			why, strict ? "" : " (" SSHD_INSTEAD ")");
		return n + (strict ? 1 : 0);
	}
	n = sshd_conf_untrusted(conf, report_untrusted, &rep);
	sshd_conf_free(conf);
	return strict ? n : 0;
}

/* Is gateway GW on a subnet of the interface: inside the prefix of one of
 * its addresses, or of an on-link route? The kernel refuses any other
 * (IPv6 link-local ones excepted, which are on every link). */
static bool gateway_on_link(const struct iface_cfg *i, const struct ipaddr *gw)
{
	if (gw->family == AF_INET6 && IN6_IS_ADDR_LINKLOCAL(&gw->v6))
		return true;
	for (size_t k = 0; k < i->n_addrs; k++)
		if (prefix_contains(&i->addrs[k].pfx, gw))
			return true;
	for (size_t k = 0; k < i->n_routes; k++)
		if (!i->routes[k].has_via && prefix_contains(&i->routes[k].dst, gw))
			return true;
	return false;
}

/* The IPv4 address of the NIC whose subnet has A as its broadcast address
 * (a prefix of 30 bits or fewer: a /31 and a /32 have none), or NULL. The
 * kernel keeps a broadcast route for each, and takes no gateway there.
 * BCAST: the addresses by broadcast address (addr_ix_make). */
static const struct addr_cfg *broadcast_of(const struct addr_ix *bcast, size_t n, const struct ipaddr *a)
{
	return a->family == AF_INET ? addr_ix_find(bcast, n, a, 0) : NULL;
}

/* A gateway or a name server at a subnet's broadcast address (a typo of
 * .255 for .254): the kernel refuses the route ("Nexthop has invalid
 * gateway"), and the resolver cannot send there. A warning: the rest of
 * the path works. */
static void check_broadcast(const struct config *c, const struct addr_ix *bcast, size_t n, const struct ipaddr *a,
			    int line, const char *key, const char *what, FILE *errs)
{
	const struct addr_cfg *on = broadcast_of(bcast, n, a);
	char where[CONFIG_WHERE_MAX], b[IPADDR_STRLEN], p[PREFIX_STRLEN];

	if (on)
		fprintf(errs, "%s: warning: %s is the broadcast address of %s (line %d): %s\n",
			config_where(c->path, line, key, where, sizeof(where)), ipaddr_str(a, b),
			prefix_str(&on->pfx, p), on->line, what);
}

/* The IPv4 address of the NIC whose subnet is exactly DST (a prefix of
 * 31 bits or fewer: a /32 has no subnet route), or NULL. The kernel adds
 * a route to that subnet through the NIC with the address, of metric 0 as
 * oobd's are, so it refuses a route there via a gateway ("File exists").
 * IPv6 does not collide: the kernel's prefix route has metric 256, one
 * with a gateway 1024. SUBNETS: the addresses by subnet (addr_ix_make). */
static const struct addr_cfg *subnet_of(const struct addr_ix *subnets, size_t n, const struct prefix *dst)
{
	if (dst->addr.family != AF_INET || dst->len >= 32)
		return NULL;
	struct ipaddr net = dst->addr;
	uint32_t host = dst->len ? 0xffffffffu >> dst->len : 0xffffffffu;

	net.v4.s_addr = htonl(ntohl(net.v4.s_addr) & ~host);
	return addr_ix_find(subnets, n, &net, dst->len);
}

/* A gateway the kernel will refuse ("Nexthop has invalid gateway") unless
 * a route oobd does not own makes it on-link, or at all (a broadcast
 * address); a route via a gateway to an address's own IPv4 subnet; a name
 * server at a broadcast address: warnings, in oobd -t too. */
static void check_gateways(const struct config *c, FILE *errs)
{
	static const char no_gw[] = "the kernel takes no gateway there",
			  no_ns[] = "the resolver sends no query there";
	const struct iface_cfg *i = &c->iface;
	const struct ipaddr *last = NULL;
	bool last_on = true;
	char where[CONFIG_WHERE_MAX], b[IPADDR_STRLEN];

	size_t n_bcast, n_subnets;
	struct addr_ix *bcast = addr_ix_make(i, IX_BROADCAST, &n_bcast), *subnets = addr_ix_make(i, IX_SUBNET, &n_subnets);

	if (i->has_gw4)
		check_broadcast(c, bcast, n_bcast, &i->gw4, i->gw4_line, "gateway", no_gw, errs);
	for (size_t k = 0; k < i->n_routes; k++) {
		const struct route_cfg *r = &i->routes[k];
		const struct addr_cfg *on;
		char pb[PREFIX_STRLEN], ab[PREFIX_STRLEN];

		if (!r->has_via)
			continue;
		check_broadcast(c, bcast, n_bcast, &r->via, r->line, "route", no_gw, errs);
		on = subnet_of(subnets, n_subnets, &r->dst);
		if (on)
			fprintf(errs, "%s: warning: the kernel already has a route for %s through the interface, the "
				"subnet of %s (line %d): it refuses this one\n",
				config_where(c->path, r->line, "route", where, sizeof(where)), prefix_str(&r->dst, pb),
				prefix_str(&on->pfx, ab), on->line);
	}
	for (size_t k = 0; k < c->dns.n_ns; k++)
		check_broadcast(c, bcast, n_bcast, &c->dns.ns[k], c->dns.ns_line[k], "nameserver", no_ns, errs);
	free(bcast);
	free(subnets);
	for (int f = 0; f < 2; f++) {
		const struct ipaddr *gw = f == 0 ? &i->gw4 : &i->gw6;
		if (!(f == 0 ? i->has_gw4 : i->has_gw6) || gateway_on_link(i, gw))
			continue;
		fprintf(errs, "%s: warning: %s is not on a subnet of the interface (no 'address' or on-link 'route' "
			"contains it): the kernel refuses the default route unless another route makes it on-link\n",
			config_where(c->path, f == 0 ? i->gw4_line : i->gw6_line, "gateway", where, sizeof(where)),
			ipaddr_str(gw, b));
	}
	for (size_t k = 0; k < i->n_routes; k++) {
		const struct route_cfg *r = &i->routes[k];
		bool on;

		if (!r->has_via)
			continue;
		/* Routes tend to share their gateway: one look per run of them. */
		on = last && ipaddr_equal(last, &r->via) ? last_on : gateway_on_link(i, &r->via);
		last = &r->via;
		last_on = on;
		if (!on)
			fprintf(errs, "%s: warning: gateway %s is not on a subnet of the interface (no 'address' or "
				"on-link 'route' contains it): the kernel refuses the route unless another route makes "
				"it on-link\n",
				config_where(c->path, r->line, "route", where, sizeof(where)), ipaddr_str(&r->via, b));
	}
}

/* The config's own sysctls turn IPv6 off on the NIC (its key, or "all";
 * "default" for when it is moved in or created again) while [interface]
 * gives it IPv6 addresses or routes: those cannot be configured while it is
 * so. A warning: the IPv4 path still works. */
static void check_disable_ipv6(const struct config *c, FILE *errs)
{
	const char *nic = config_nic_name_in_ns(c);
	char where[CONFIG_WHERE_MAX], nicdot[IFNAMSIZ];

	if (!config_wants_ipv6(c))
		return;
	/* In dotted sysctl keys a '.' inside an interface name is written '/'. */
	str_copy(nicdot, nic ? nic : "", sizeof(nicdot));
	for (char *d = nicdot; *d; d++)
		if (*d == '.')
			*d = '/';
	for (size_t k = 0; k < c->n_sysctls; k++) {
		const struct sysctl_cfg *sc = &c->sysctls[k];
		static const char pre[] = "net.ipv6.conf.", post[] = ".disable_ipv6";
		size_t len = strlen(sc->key), plen = strlen(pre), slen = strlen(post);
		if (len <= plen + slen || strncmp(sc->key, pre, plen) != 0 || strcmp(sc->key + len - slen, post) != 0)
			continue;
		int ilen = (int)(len - plen - slen);
		const char *ifn = sc->key + plen;
		bool ours = (ilen == 3 && strncmp(ifn, "all", 3) == 0) || (ilen == 7 && strncmp(ifn, "default", 7) == 0) ||
			    (nic && (size_t)ilen == strlen(nicdot) && strncmp(ifn, nicdot, (size_t)ilen) == 0);
		if (!ours || strcmp(sc->value, "0") == 0)
			continue;
		fprintf(errs, "%s: warning: sysctl '%s = %s' turns IPv6 off on the interface, which [interface] gives "
			"IPv6 addresses or routes: those are not configured while it is set\n",
			config_where(c->path, sc->line, NULL, where, sizeof(where)), sc->key, sc->value);
	}
}

/* A sysctl key this kernel does not have (a typo, or a module not loaded
 * yet, such as nf_conntrack's before the firewall loads it): setting it will
 * fail. Looked up in oobd's own namespace, whose net.* keys are those of a
 * new one; the key of an interface that is not here (the NIC's name inside)
 * is looked up as that of "default", or of "lo". A warning, in oobd -t too. */
static void check_sysctls(const struct config *c, FILE *errs)
{
	char path[512], where[CONFIG_WHERE_MAX];

	check_disable_ipv6(c, errs);
	if (access("/proc/sys/net", F_OK) != 0)
		return;
	for (size_t k = 0; k < c->n_sysctls; k++) {
		const struct sysctl_cfg *sc = &c->sysctls[k];
		if (sysctl_path(sc->key, path, sizeof(path)) < 0 || access(path, F_OK) == 0)
			continue;
		/* /proc/sys/net/ipv4/conf/IF/...: the same under "default". */
		char dflt[512];
		const char *p = path + strlen("/proc/sys/net/"), *fam_end = strchr(p, '/'), *kind_end, *if_end;
		if (fam_end && (kind_end = strchr(fam_end + 1, '/')) && (if_end = strchr(kind_end + 1, '/')) &&
		    ((kind_end - fam_end == 5 && strncmp(fam_end, "/conf/", 6) == 0) ||
		     (kind_end - fam_end == 6 && strncmp(fam_end, "/neigh/", 7) == 0))) {
			snprintf(dflt, sizeof(dflt), "%.*s/default%s", (int)(kind_end - path), path, if_end);
			if (access(dflt, F_OK) == 0)
				continue;
			/* A namespace other than the first has no neigh/default: lo's. */
			snprintf(dflt, sizeof(dflt), "%.*s/lo%s", (int)(kind_end - path), path, if_end);
			if (access(dflt, F_OK) == 0)
				continue;
		}
		fprintf(errs, "%s: warning: sysctl '%s': no such key in this kernel (%s): setting it will fail, "
			"unless a module not loaded yet brings it\n",
			config_where(c->path, sc->line, NULL, where, sizeof(where)), sc->key, path);
	}
}

int config_check_files(const struct config *c, FILE *errs, bool strict, int *sshd_nerr)
{
	int nerr = 0;

	check_gateways(c, errs);
	check_sysctls(c, errs);

	/* At start-up, a problem with one file stops only what depends on
	 * it: the rest of the path comes up. */
	nerr += check_program(c->path, c->sshd.exec_line, "sshd program", c->sshd.exec,
			      strict ? NULL : "sshd is started once it can be", errs);
	nerr += check_sshd_config(c, errs, strict);
	if (sshd_nerr)
		*sshd_nerr = nerr;
	for (size_t k = 0; k < c->n_services; k++) {
		const struct service_cfg *sc = &c->services[k];
		char what[SERVICE_NAME_MAX + 32];
		if (!sc->argv)
			continue;
		snprintf(what, sizeof(what), "program of [service %s]", sc->name);
		nerr += check_program(c->path, sc->exec_line, what, sc->argv[0],
				      strict ? NULL : "it is started once it can be", errs);
	}
	for (int f = 0; f < 2; f++) {
		const char *rules = f ? c->firewall.ipv6 : c->firewall.ipv4;
		if (rules)
			nerr += check_trusted_file(c->path, f ? c->firewall.ipv6_line : c->firewall.ipv4_line,
						   f ? "ipv6" : "ipv4", "firewall rules", rules, "",
						   strict ? NULL : "the built-in ruleset is put in place instead", errs);
	}
	return nerr;
}

char **config_split_words(const char *s, char *err, size_t errlen)
{
	size_t n = 0, len = strlen(s);
	char **v = xcalloc(1, sizeof(char *));
	char *word = xcalloc(len + 1, 1);

	for (;;) {
		size_t w = 0;
		bool have = false;
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			break;
		while (*s && *s != ' ' && *s != '\t') {
			have = true;
			if (*s == '\'') {
				const char *end = strchr(s + 1, '\'');
				if (!end) {
					snprintf(err, errlen, "unterminated single quote");
					goto fail;
				}
				memcpy(word + w, s + 1, (size_t)(end - s - 1));
				w += (size_t)(end - s - 1);
				s = end + 1;
			} else if (*s == '"') {
				for (s++; *s != '"'; s++) {
					if (!*s) {
						snprintf(err, errlen, "unterminated double quote");
						goto fail;
					}
					if (*s == '\\' && (s[1] == '"' || s[1] == '\\'))
						s++;
					word[w++] = *s;
				}
				s++;
			} else if (*s == '\\') {
				if (!s[1]) {
					snprintf(err, errlen, "trailing backslash");
					goto fail;
				}
				word[w++] = s[1];
				s += 2;
			} else {
				word[w++] = *s++;
			}
		}
		if (!have)
			continue;
		if (n >= CONFIG_MAX_ARGS) {
			snprintf(err, errlen, "too many words (at most %d)", CONFIG_MAX_ARGS);
			goto fail;
		}
		word[w] = '\0';
		v = xrealloc(v, n + 2, sizeof(char *));
		v[n++] = xstrdup(word);
		v[n] = NULL;
	}
	free(word);
	if (n == 0) {
		snprintf(err, errlen, "empty command");
		config_free_words(v);
		return NULL;
	}
	return v;
fail:
	free(word);
	config_free_words(v);
	return NULL;
}

void config_free_words(char **argv)
{
	if (!argv)
		return;
	for (char **a = argv; *a; a++)
		free(*a);
	free(argv);
}

bool config_words_equal(char *const *a, char *const *b)
{
	if (!a || !b)
		return a == b;
	for (; *a && *b; a++, b++)
		if (strcmp(*a, *b) != 0)
			return false;
	return !*a && !*b;
}
