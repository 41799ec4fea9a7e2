/* SPDX-License-Identifier: GPL-2.0-or-later */
/* config.c: parsing, validation, line numbers, defaults. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"

/* The problems config_load_buffer printed in the last load(). */
static char *errs_text;

static int load_len(const char *text, size_t len, struct config **out)
{
	size_t elen = 0;
	FILE *f;
	int n;

	free(errs_text);
	errs_text = NULL;
	f = open_memstream(&errs_text, &elen);
	assert_non_null(f);
	n = config_load_buffer("t.conf", text, len, f, out);
	fclose(f);
	return n;
}

static int load(const char *text, struct config **out)
{
	return load_len(text, strlen(text), out);
}

/* TEXT must load without a problem. */
static struct config *load_ok(const char *text)
{
	struct config *c = NULL;
	int n = load(text, &c);
	if (n != 0)
		fail_msg("config rejected (%d problem(s)):\n%s", n, errs_text);
	assert_non_null(c);
	return c;
}

/* TEXT must fail with exactly the problems given as "LINE: fragment". */
static void load_fails(const char *text, int count, ...)
{
	struct config *c = (struct config *)0x1;
	va_list ap;
	int n = load(text, &c), lines = 0;

	assert_ptr_equal(c, (struct config *)0x1); /* *out untouched */
	for (const char *s = errs_text; s && *s; s++)
		if (*s == '\n')
			lines++;
	if (n != count || lines != count)
		fail_msg("want %d problem(s), got %d (%d lines):\n%s", count, n, lines, errs_text);
	va_start(ap, count);
	for (int i = 0; i < count; i++) {
		const char *want = va_arg(ap, const char *);
		char prefix[64];
		const char *colon = strchr(want, ':');
		bool found = false;

		assert_non_null(colon);
		snprintf(prefix, sizeof(prefix), "t.conf:%.*s: ", (int)(colon - want), want);
		for (const char *line = errs_text; line && *line && !found;) {
			const char *end = strchr(line, '\n');
			size_t l = end ? (size_t)(end - line) : strlen(line);
			char buf[512];
			snprintf(buf, sizeof(buf), "%.*s", (int)l, line);
			found = strncmp(buf, prefix, strlen(prefix)) == 0 && strstr(buf, colon + 2);
			line = end ? end + 1 : line + l;
		}
		if (!found)
			fail_msg("no problem '%s' among:\n%s", want, errs_text);
	}
	va_end(ap);
}

static void test_full_config(void **state)
{
	struct config *c = load_ok("# comment\n"
				   "; comment\n"
				   "[namespace]\n"
				   "name = mgmt\n"
				   "\n"
				   "[interface]\n"
				   "match = eno2\n"
				   "rename = oob0\n"
				   "mtu = 9000\n"
				   "address = 203.0.113.10/24\n"
				   "address = 2001:db8:10::10/64\n"
				   "gateway = 203.0.113.1\n"
				   "gateway = 2001:db8:10::1\n"
				   "route = 198.51.100.0/24 via 203.0.113.254\n"
				   "route = 2001:db8:99::/48\n"
				   "[dns]\n"
				   "nameserver = 203.0.113.53\n"
				   "nameserver = 2001:db8:10::53\n"
				   "search = mgmt.example.net example.org\n"
				   "[sysctl]\n"
				   "net.ipv4.ip_forward = 1\n"
				   "net.ipv4.conf.eth0/100.rp_filter = 2\n"
				   "[sshd]\n"
				   "exec = /opt/sshd\n"
				   "config = /etc/oobd/other_config\n");
	char b[PREFIX_STRLEN];
	(void)state;

	assert_string_equal(c->path, "t.conf");
	assert_string_equal(c->netns, "mgmt");
	assert_int_equal(c->iface.match, MATCH_NAME);
	assert_string_equal(c->iface.match_name, "eno2");
	assert_string_equal(c->iface.rename, "oob0");
	assert_int_equal(c->iface.kind, NIC_PHYSICAL);
	assert_int_equal(c->iface.mtu, 9000);
	assert_int_equal(c->iface.line, 6);

	assert_int_equal(c->iface.n_addrs, 2);
	assert_string_equal(prefix_str(&c->iface.addrs[0].pfx, b), "203.0.113.10/24");
	assert_int_equal(c->iface.addrs[0].line, 10);
	assert_string_equal(prefix_str(&c->iface.addrs[1].pfx, b), "2001:db8:10::10/64");
	assert_int_equal(c->iface.addrs[1].line, 11);

	assert_true(c->iface.has_gw4);
	assert_string_equal(ipaddr_str(&c->iface.gw4, b), "203.0.113.1");
	assert_true(c->iface.has_gw6);
	assert_string_equal(ipaddr_str(&c->iface.gw6, b), "2001:db8:10::1");

	assert_int_equal(c->iface.n_routes, 2);
	assert_string_equal(prefix_str(&c->iface.routes[0].dst, b), "198.51.100.0/24");
	assert_true(c->iface.routes[0].has_via);
	assert_string_equal(ipaddr_str(&c->iface.routes[0].via, b), "203.0.113.254");
	assert_int_equal(c->iface.routes[0].line, 14);
	assert_string_equal(prefix_str(&c->iface.routes[1].dst, b), "2001:db8:99::/48");
	assert_false(c->iface.routes[1].has_via);
	assert_int_equal(c->iface.routes[1].line, 15);

	assert_true(c->dns.present);
	assert_int_equal(c->dns.n_ns, 2);
	assert_string_equal(ipaddr_str(&c->dns.ns[0], b), "203.0.113.53");
	assert_string_equal(ipaddr_str(&c->dns.ns[1], b), "2001:db8:10::53");
	assert_string_equal(c->dns.search, "mgmt.example.net example.org");

	assert_int_equal(c->n_sysctls, 2);
	assert_string_equal(c->sysctls[0].key, "net.ipv4.ip_forward");
	assert_string_equal(c->sysctls[0].value, "1");
	assert_int_equal(c->sysctls[0].line, 21);
	assert_string_equal(c->sysctls[1].key, "net.ipv4.conf.eth0/100.rp_filter");
	assert_string_equal(c->sysctls[1].value, "2");
	assert_int_equal(c->sysctls[1].line, 22);

	assert_string_equal(c->sshd.exec, "/opt/sshd");
	assert_int_equal(c->sshd.exec_line, 24);
	assert_string_equal(c->sshd.config, "/etc/oobd/other_config");
	assert_int_equal(c->sshd.config_line, 25);
	assert_false(c->firewall.present);
	config_free(c);
}

static void test_defaults(void **state)
{
	struct config *c = load_ok("[interface]\nmatch = eno2\n");
	(void)state;

	assert_string_equal(c->netns, OOBD_DEFAULT_NETNS);
	assert_string_equal(c->sshd.exec, OOBD_DEFAULT_SSHD);
	assert_string_equal(c->sshd.config, OOBD_DEFAULT_SSHD_CONFIG);
	assert_int_equal(c->sshd.exec_line, 0);
	assert_int_equal(c->sshd.config_line, 0);
	assert_int_equal(c->iface.kind, NIC_PHYSICAL);
	assert_int_equal(c->iface.mtu, 0);
	assert_string_equal(c->iface.rename, "");
	assert_int_equal(c->iface.n_addrs, 0);
	assert_int_equal(c->iface.n_routes, 0);
	assert_false(c->iface.has_gw4);
	assert_false(c->iface.has_gw6);
	assert_false(c->dns.present);
	assert_int_equal(c->dns.n_ns, 0);
	assert_null(c->dns.search);
	assert_int_equal(c->n_sysctls, 0);
	assert_false(c->firewall.present);
	config_free(c);

	/* An empty [dns] section is present: the overlay then names no server. */
	c = load_ok("[interface]\nmatch = eno2\n[dns]\n");
	assert_true(c->dns.present);
	assert_int_equal(c->dns.n_ns, 0);
	config_free(c);
	config_free(NULL);
}

static void test_syntax(void **state)
{
	struct config *c;
	(void)state;

	/* Leading blanks are stripped, not a continuation of the line before. */
	c = load_ok("[interface]\n  match = eno2\n\taddress = 203.0.113.10/24\n    address = 203.0.113.11/24\n");
	assert_string_equal(c->iface.match_name, "eno2");
	assert_int_equal(c->iface.n_addrs, 2);
	config_free(c);

	/* CRLF line ends, a UTF-8 byte order mark, no final newline. */
	c = load_ok("\xef\xbb\xbf[interface]\r\nmatch = eno2\r\nmtu = 1500\r\naddress = 203.0.113.10/24");
	assert_string_equal(c->iface.match_name, "eno2");
	assert_int_equal(c->iface.mtu, 1500);
	assert_int_equal(c->iface.n_addrs, 1);
	config_free(c);

	/* ';' after a value starts a comment (as the shipped config says). */
	c = load_ok("[interface]\nmatch = eno2 ; the second port\nmtu = 1500 ; jumbo later\n");
	assert_string_equal(c->iface.match_name, "eno2");
	assert_int_equal(c->iface.mtu, 1500);
	config_free(c);

	/* Blanks around '=' do not matter; ':' is not a separator here. */
	c = load_ok("[interface]\nmatch=eno2\naddress   =   203.0.113.10/24\n");
	assert_string_equal(c->iface.match_name, "eno2");
	assert_int_equal(c->iface.n_addrs, 1);
	config_free(c);

	/* ... and a key holding one is refused, not split there (inih would). */
	load_fails("[interface]\nmatch = eno2\n[sysctl]\nnet.ipv4.conf.eth0:1.rp_filter = 1\n", 1,
		   "4: expected 'key = value' or '[section]' (a key holds no ':')");
	/* An inline comment inside the key: said, not the line dropped. */
	load_fails("[interface]\nmatch = eno2\n[dns]\nnameserver ;second = 203.0.113.54\n", 1,
		   "4: expected 'key = value' or '[section]' (a key holds no ';')");
	/* A vertical tab or form feed leading a line is a blank, not the
	 * start of a continuation of the value before. */
	c = load_ok("[interface]\nmatch = eno2\n\v\faddress = 203.0.113.10/24\n");
	assert_string_equal(c->iface.match_name, "eno2");
	assert_int_equal(c->iface.n_addrs, 1);
	config_free(c);

	load_fails("[interface]\nmatch = eno2\njust words\n", 1, "3: expected 'key = value' or '[section]'");
	load_fails("match = eno2\n[interface]\nmatch = eno2\n", 1, "1: key outside of any section");
	load_fails("[interface\nmatch = eno2\n", 2, "1: section header without closing ']'",
		   "2: missing [interface] section");
	load_fails("[interface] x\nmatch = eno2\n", 1, "1: unexpected text after section header");
	load_fails("[interface]\nmatch =\n", 2, "2: key 'match': empty value", "1: missing 'match'");
	load_fails("", 1, "1: missing [interface] section");
	load_fails("[namespace]\nname = oob\n", 1, "2: missing [interface] section");
}

static void test_nul_and_long_lines(void **state)
{
	static const char nul[] = "[interface]\nmatch = eno2\naddress = 203.0.113.10/24\0junk\n";
	char *big;
	size_t n;
	(void)state;

	{
		struct config *c = (struct config *)0x1;
		int r = load_len(nul, sizeof(nul) - 1, &c);
		assert_int_equal(r, 1);
		assert_non_null(strstr(errs_text, "t.conf:3: NUL byte in line"));
	}

	n = CONFIG_MAX_LINE + 64;
	big = malloc(n + 64);
	assert_non_null(big);
	strcpy(big, "[interface]\nmatch = eno2\nrename = ");
	size_t at = strlen(big);
	memset(big + at, 'x', n - at);
	strcpy(big + n, "\n");
	load_fails(big, 1, "3: line too long");
	free(big);

	/* The longest line (as the message above says), CRLF-ended: its CR
	 * does not count. */
	const char *most = strstr(errs_text, "at most ");
	assert_non_null(most);
	int max = atoi(most + strlen("at most "));
	assert_true(max > 10 && max <= CONFIG_MAX_LINE);
	big = malloc((size_t)max + 64);
	assert_non_null(big);
	strcpy(big, "[interface]\r\nmatch = eno2\r\n#");
	at = strlen(big);
	memset(big + at, 'x', (size_t)max - 1);
	strcpy(big + at + max - 1, "\r\n");
	{
		struct config *c = load_ok(big);
		config_free(c);
	}
	strcpy(big + at + max - 1, "x\r\n");
	load_fails(big, 1, "3: line too long");
	free(big);
}

static void test_unknown(void **state)
{
	(void)state;
	load_fails("[interface]\nmatch = eno2\n[bogus]\nkey = value\nother = 1\n", 1, "3: unknown section [bogus]");
	load_fails("[interface]\nmatch = eno2\ncolour = red\n", 1, "3: unknown key 'colour' in [interface]");
	load_fails("[namespace]\nnmae = x\n[interface]\nmatch = eno2\n", 1, "2: unknown key 'nmae' in [namespace]");
	load_fails("[interface]\nmatch = eno2\n[dns]\nserver = 203.0.113.53\n", 1, "4: unknown key 'server' in [dns]");
	load_fails("[interface]\nmatch = eno2\n[sshd]\nport = 22\n", 1, "4: unknown key 'port' in [sshd]");
	load_fails("[interface]\nmatch = eno2\n[firewall]\nipv5 = /x\n", 1, "4: unknown key 'ipv5' in [firewall]");
	/* Keys and section names are case-sensitive. */
	load_fails("[Interface]\nmatch = eno2\n", 2, "1: unknown section [Interface]", "2: missing [interface] section");
	/* What a terminal shows as nothing or a space, pasted from a web
	 * page: written as <U+XXXX>, and said what it is. */
	load_fails("[interface]\nmatch = eno2\n\xef\xbb\xbfrename = oob0\n", 1,
		   "3: unknown key '<U+FEFF>rename' in [interface] (invisible: a byte-order mark; pasted from a web "
		   "page or a document?)");
	load_fails("[interface]\nmatch = eno2\naddress = 203.0.113.10/24\xc2\xa0\n[dns]\nsearch = a.example\xe2\x80\x8b.net\n",
		   2,
		   "3: key 'address': '203.0.113.10/24<U+00A0>' is not ADDRESS/PREFIXLEN (invisible: a no-break space; "
		   "pasted from a web page or a document?)",
		   "5: <U+200B>");
	load_fails("[interface]\nmatch = eno2\nmtu = 1500\x01\n", 1, "3: key 'mtu': '1500<U+0001>'");
	/* A byte-order mark first in the file is no key's: inih skips it. */
	config_free(load_ok("\xef\xbb\xbf[interface]\nmatch = eno2\n"));
	/* Other characters beyond ASCII are shown as they are. */
	load_fails("[interface]\nmatch = eno2\ngr\xc3\xbcn = 1\n", 1, "3: unknown key 'gr\xc3\xbcn' in [interface]");
	assert_null(strstr(errs_text, "invisible"));
}

static void test_duplicates(void **state)
{
	(void)state;
	load_fails("[interface]\nmatch = eno2\n[interface]\nmatch = eno3\n", 2,
		   "3: duplicate section [interface] (first at line 1)", "4: key 'match': duplicate (first at line 2)");
	load_fails("[namespace]\nname = a\nname = b\n[interface]\nmatch = eno2\n", 1,
		   "3: key 'name': duplicate (first at line 2)");
	load_fails("[interface]\nmatch = eno2\nrename = a\nmtu = 1500\nrename = b\nmtu = 1400\n", 2,
		   "5: key 'rename': duplicate (first at line 3)", "6: key 'mtu': duplicate (first at line 4)");
	load_fails("[interface]\nmatch = eno2\naddress = 203.0.113.10/24\naddress = 203.0.113.10/25\n", 1,
		   "4: key 'address': duplicate address '203.0.113.10/25' (first at line 3)");
	load_fails("[interface]\nmatch = eno2\naddress = 2001:db8::1/64\naddress = 2001:DB8:0::1/64\n", 1,
		   "4: key 'address': duplicate address '2001:DB8:0::1/64' (first at line 3)");
	load_fails("[interface]\nmatch = eno2\naddress = 203.0.113.10/24\ngateway = 203.0.113.1\n"
		   "gateway = 203.0.113.2\n",
		   1, "5: key 'gateway': second IPv4 gateway (first at line 4");
	load_fails("[interface]\nmatch = eno2\naddress = 203.0.113.10/24\n"
		   "route = 198.51.100.0/24 via 203.0.113.1\nroute = 198.51.100.0/24\n",
		   1, "5: key 'route': duplicate route to 198.51.100.0/24 (first at line 4)");
	load_fails("[interface]\nmatch = eno2\n[dns]\nnameserver = 203.0.113.53\nnameserver = 203.0.113.53\n"
		   "search = a\nsearch = b\n",
		   2, "5: key 'nameserver': duplicate '203.0.113.53'", "7: key 'search': duplicate (first at line 6)");
	load_fails("[interface]\nmatch = eno2\n[sysctl]\nnet.ipv4.ip_forward = 1\nnet.ipv4.ip_forward = 0\n", 1,
		   "5: sysctl 'net.ipv4.ip_forward': duplicate (first at line 4)");
	load_fails("[interface]\nmatch = eno2\n[sshd]\nexec = /a\nexec = /b\nconfig = /c\nconfig = /d\n", 2,
		   "5: key 'exec': duplicate (first at line 4)", "7: key 'config': duplicate (first at line 6)");
	/* Different prefix lengths of one network are different routes. */
	struct config *c = load_ok("[interface]\nmatch = eno2\naddress = 203.0.113.10/24\n"
				   "route = 198.51.100.0/24\nroute = 198.51.100.0/25\n");
	assert_int_equal(c->iface.n_routes, 2);
	config_free(c);
}

static void test_addresses(void **state)
{
	(void)state;
	load_fails("[interface]\nmatch = eno2\naddress = 203.0.113.300/24\naddress = 203.0.113.1\n", 2,
		   "3: key 'address': '203.0.113.300/24' is not ADDRESS/PREFIXLEN",
		   "4: key 'address': '203.0.113.1' is not ADDRESS/PREFIXLEN");
	load_fails("[interface]\nmatch = eno2\naddress = 203.0.113.10/33\naddress = 2001:db8::1/129\n", 2,
		   "3: key 'address': prefix length of '203.0.113.10/33' out of range (0-32)",
		   "4: key 'address': prefix length of '2001:db8::1/129' out of range (0-128)");
	load_fails("[interface]\nmatch = eno2\naddress = 198.51.100.7/0\naddress = 2001:db8::1/0\n", 2,
		   "3: key 'address': prefix length 0 in '198.51.100.7/0': an address needs the prefix of its subnet",
		   "4: key 'address': prefix length 0 in '2001:db8::1/0'");
	load_fails("[interface]\nmatch = eno2\naddress = 127.0.0.2/8\naddress = 224.0.0.1/4\naddress = 0.0.0.0/0\n"
		   "address = ::1/128\naddress = ff02::1/64\naddress = ::/0\n",
		   6, "3: not a usable unicast address", "4: not a usable unicast address",
		   "5: not a usable unicast address", "6: not a usable unicast address",
		   "7: not a usable unicast address", "8: not a usable unicast address");
	/* Host bits are fine in an address (it is this host's). */
	struct config *c = load_ok("[interface]\nmatch = eno2\naddress = 203.0.113.10/24\naddress = 203.0.113.11/32\n");
	assert_int_equal(c->iface.n_addrs, 2);
	config_free(c);
}

static void test_gateways(void **state)
{
	struct config *c;
	(void)state;

	load_fails("[interface]\nmatch = eno2\naddress = 203.0.113.10/24\ngateway = 2001:db8::1\n", 1,
		   "4: key 'gateway': IPv6 gateway but no IPv6 address on the interface");
	load_fails("[interface]\nmatch = eno2\naddress = 2001:db8::10/64\ngateway = 203.0.113.1\n", 1,
		   "4: key 'gateway': IPv4 gateway but no IPv4 address on the interface");
	load_fails("[interface]\nmatch = eno2\ngateway = 203.0.113.1\n", 1, "3: IPv4 gateway but no IPv4 address");
	load_fails("[interface]\nmatch = eno2\naddress = 203.0.113.10/24\ngateway = gw.example\n", 1,
		   "4: key 'gateway': 'gw.example' is not an IP address");
	load_fails("[interface]\nmatch = eno2\naddress = 203.0.113.10/24\ngateway = 203.0.113.1/24\n", 1,
		   "4: key 'gateway': '203.0.113.1/24' is not an IP address");
	/* On the gateway's line: the rule is about the gateway. */
	load_fails("[interface]\nmatch = eno2\naddress = 203.0.113.10/24\ngateway = 203.0.113.10\n", 1,
		   "4: key 'gateway': 203.0.113.10 is this host's own address (key 'address' at line 3)");
	load_fails("[interface]\nmatch = eno2\ngateway = 2001:db8::10\naddress = 203.0.113.10/24\n"
		   "address = 2001:db8::10/64\ngateway = 203.0.113.10\n",
		   2, "3: key 'gateway': 2001:db8::10 is this host's own address (key 'address' at line 5)",
		   "6: key 'gateway': 203.0.113.10 is this host's own address (key 'address' at line 4)");
	load_fails("[interface]\nmatch = eno2\naddress = 203.0.113.10/24\ngateway = 255.255.255.255\n", 1,
		   "4: key 'gateway': '255.255.255.255' is not a usable unicast address");
	/* An IPv6 link-local gateway needs no global IPv6 address. */
	c = load_ok("[interface]\nmatch = eno2\naddress = 203.0.113.10/24\ngateway = fe80::1\n");
	assert_true(c->iface.has_gw6);
	assert_false(c->iface.has_gw4);
	config_free(c);
}

static void test_routes(void **state)
{
	struct config *c;
	(void)state;

	load_fails("[interface]\nmatch = eno2\naddress = 203.0.113.10/24\n"
		   "route = 198.51.100.0/24 through 203.0.113.1\n"
		   "route = 198.51.100.0/24 via\n"
		   "route = 198.51.100.0/24 via 203.0.113.1 dev x\n"
		   "route = 198.51.100.1/24 via 203.0.113.1\n"
		   "route = 198.51.101.0/24 via 2001:db8::1\n"
		   "route = default via 203.0.113.1\n"
		   "route = 0.0.0.0/0 via 203.0.113.1\n"
		   "route = 198.51.102.0 via 203.0.113.1\n"
		   "route = 198.51.103.0/33\n"
		   "route = 198.51.104.0/24 via 203.0.113.300\n"
		   "route = 198.51.105.0/24 via 127.0.0.1\n",
		   11, "4: key 'route': expected 'PREFIX via ADDRESS' or 'PREFIX', got '198.51.100.0/24 through 203.0.113.1'",
		   "5: key 'route': expected 'PREFIX via ADDRESS' or 'PREFIX'",
		   "6: key 'route': expected 'PREFIX via ADDRESS' or 'PREFIX'",
		   "7: key 'route': '198.51.100.1/24' has host bits set beyond /24",
		   "8: key 'route': gateway '2001:db8::1' is not of the family of '198.51.101.0/24'",
		   "9: key 'route': use 'gateway = ADDRESS' for the default route",
		   "10: key 'route': use 'gateway = ADDRESS' for the default route",
		   "11: key 'route': '198.51.102.0' is not PREFIX/LEN",
		   "12: key 'route': prefix length of '198.51.103.0/33' out of range",
		   "13: key 'route': gateway '203.0.113.300' is not an IP address",
		   "14: key 'route': '127.0.0.1' is not a usable unicast address");
	load_fails("[interface]\nmatch = eno2\naddress = 203.0.113.10/24\nroute = 2001:db8:99::/48\n", 1,
		   "4: key 'route': no IPv6 address on the interface to reach it");
	/* Loopback prefixes: the host's own routes win; multicast is a route like another. */
	load_fails("[interface]\nmatch = eno2\naddress = 203.0.113.10/24\naddress = 2001:db8::1/64\n"
		   "route = 127.0.0.0/8\nroute = 127.0.0.1/32 via 203.0.113.1\nroute = ::1/128\n", 3,
		   "5: key 'route': '127.0.0.0/8' is a loopback prefix", "6: key 'route': '127.0.0.1/32' is a loopback prefix",
		   "7: key 'route': '::1/128' is a loopback prefix");
	c = load_ok("[interface]\nmatch = eno2\naddress = 203.0.113.10/24\nroute = 224.0.0.0/4\n"
		    "route = 126.0.0.0/7 via 203.0.113.1\n");
	assert_int_equal(c->iface.n_routes, 2);
	config_free(c);
	/* Through an IPv6 link-local router, no global IPv6 address is needed. */
	c = load_ok("[interface]\nmatch = eno2\naddress = 203.0.113.10/24\nroute = 2001:db8:99::/48 via fe80::1\n");
	assert_int_equal(c->iface.n_routes, 1);
	config_free(c);
	/* A tab separates like a blank. */
	c = load_ok("[interface]\nmatch = eno2\naddress = 203.0.113.10/24\nroute = 198.51.100.0/24\tvia\t203.0.113.1\n");
	assert_true(c->iface.routes[0].has_via);
	config_free(c);
}

static void test_interface_kinds(void **state)
{
	struct config *c;
	(void)state;

	c = load_ok("[interface]\nkind = vlan\nparent = eno1\nvlan = 100\n");
	assert_int_equal(c->iface.kind, NIC_VLAN);
	assert_string_equal(c->iface.parent, "eno1");
	assert_int_equal(c->iface.vlan_id, 100);
	assert_int_equal(c->iface.match, MATCH_NONE);
	config_free(c);

	c = load_ok("[interface]\nkind = macvlan\nparent = eno1\nrename = mgmt0\n");
	assert_int_equal(c->iface.kind, NIC_MACVLAN);
	config_free(c);

	c = load_ok("[interface]\nkind = physical\nmatch = mac:02:00:5E:00:53:01\n");
	assert_int_equal(c->iface.match, MATCH_MAC);
	static const unsigned char mac[6] = { 0x02, 0x00, 0x5e, 0x00, 0x53, 0x01 };
	assert_memory_equal(c->iface.match_mac, mac, 6);
	config_free(c);

	c = load_ok("[interface]\nmatch = MAC:02:00:5e:00:53:01\n");
	assert_int_equal(c->iface.match, MATCH_MAC);
	config_free(c);

	load_fails("[namespace]\nname = oob\n[interface]\naddress = 203.0.113.10/24\n", 1,
		   "3: [interface]: missing 'match' (an interface name or mac:ADDRESS)");
	load_fails("[interface]\nkind = vlan\nvlan = 100\n", 1,
		   "2: kind = vlan needs 'parent' (the shared NIC in the main namespace)");
	load_fails("[interface]\nkind = vlan\nparent = eno1\n", 1, "2: kind = vlan needs 'vlan' (the VLAN id)");
	load_fails("[interface]\nkind = macvlan\n", 1, "2: kind = macvlan needs 'parent'");
	load_fails("[interface]\nkind = vlan\nparent = eno1\nvlan = 0\n", 1, "4: key 'vlan': '0' is not a VLAN id (1-4094)");
	load_fails("[interface]\nkind = vlan\nparent = eno1\nvlan = 4095\n", 1, "4: key 'vlan': '4095' is not a VLAN id");
	load_fails("[interface]\nkind = vlan\nparent = eno1\nvlan = -1\n", 1, "4: key 'vlan': '-1' is not a VLAN id");
	load_fails("[interface]\nkind = vlan\nparent = eno1\nvlan = 10x\n", 1, "4: key 'vlan': '10x' is not a VLAN id");
	load_fails("[interface]\nkind = macvlan\nparent = eno1\nmatch = eno2\nvlan = 3\n", 2,
		   "4: key 'match': not used with kind = macvlan", "5: key 'vlan': only for kind = vlan");
	load_fails("[interface]\nmatch = eno2\nparent = eno1\nvlan = 3\n", 2,
		   "3: key 'parent': only for kind = vlan or macvlan", "4: key 'vlan': only for kind = vlan");
	load_fails("[interface]\nkind = bond\nmatch = eno2\n", 1, "2: key 'kind': 'bond' is not one of physical, vlan, macvlan");
	load_fails("[interface]\nmatch = mac:01:00:5e:00:00:01\n", 1, "2: key 'match': '01:00:5e:00:00:01' is a multicast MAC");
	load_fails("[interface]\nmatch = mac:02:00:5e:00:53\n", 1, "2: key 'match': '02:00:5e:00:53' is not a MAC address");
	load_fails("[interface]\nmatch = eth0/1\n", 1, "2: key 'match': invalid interface name 'eth0/1'");
	load_fails("[interface]\nmatch = eno2\nrename = a23456789012345x\n", 1,
		   "3: key 'rename': invalid interface name 'a23456789012345x'");
	load_fails("[interface]\nmatch = eno2\nrename = oob%d\n", 1,
		   "3: key 'rename': invalid interface name 'oob%d' (no '%': the kernel takes '%d' in a name as a pattern");
	load_fails("[interface]\nmatch = eth%1\n", 1, "2: key 'match': invalid interface name 'eth%1' (no '%'");
	load_fails("[interface]\nkind = vlan\nparent = e%dno1\nvlan = 3\n", 1,
		   "3: key 'parent': invalid interface name 'e%dno1' (no '%'");
	load_fails("[interface]\nmatch = eno2\nmtu = 67\n", 1, "3: key 'mtu': '67' is not an MTU (68-65535)");
	load_fails("[interface]\nmatch = eno2\nmtu = 65536\n", 1, "3: key 'mtu': '65536' is not an MTU");
	load_fails("[interface]\nmatch = eno2\naddress = 2001:db8::1/64\nmtu = 1279\n", 1,
		   "4: key 'mtu': IPv6 needs an MTU of at least 1280");
	/* IPv6 is used through a link-local gateway or route alone too. */
	load_fails("[interface]\nmatch = eno2\naddress = 203.0.113.10/24\ngateway = fe80::1\nmtu = 1000\n", 1,
		   "5: key 'mtu': IPv6 needs an MTU of at least 1280");
	load_fails("[interface]\nmatch = eno2\naddress = 203.0.113.10/24\nroute = 2001:db8:99::/48 via fe80::1\n"
		   "mtu = 1000\n", 1, "5: key 'mtu': IPv6 needs an MTU of at least 1280");
	c = load_ok("[interface]\nmatch = eno2\naddress = 203.0.113.10/24\nmtu = 576\n");
	assert_int_equal(c->iface.mtu, 576);
	config_free(c);
}

static void test_sections_misc(void **state)
{
	struct config *c;
	(void)state;

	load_fails("[namespace]\nname = a/b\n[interface]\nmatch = eno2\n", 1,
		   "2: key 'name': 'a/b' is not a valid namespace name");
	load_fails("[namespace]\nname = ..\n[interface]\nmatch = eno2\n", 1, "2: key 'name': '..' is not a valid");
	load_fails("[interface]\nmatch = eno2\n[dns]\nnameserver = ns1.example\n", 1,
		   "4: key 'nameserver': 'ns1.example' is not an IP address");
	load_fails("[interface]\nmatch = eno2\n[dns]\nnameserver = 203.0.113.1\nnameserver = 203.0.113.2\n"
		   "nameserver = 203.0.113.3\nnameserver = 203.0.113.4\n",
		   1, "7: key 'nameserver': at most 3 nameservers");
	load_fails("[interface]\nmatch = eno2\n[dns]\nsearch = a;b\n", 1, "4: key 'search': 'a;b' is not a space-separated list");
	/* Each says what is wrong: only a key outside net.* is "only net.*". */
	load_fails("[interface]\nmatch = eno2\n[sysctl]\nkernel.panic = 1\nnet. = 1\nnet.ipv4..x = 1\nnet.ipv4.x. = 1\n"
		   "net.ipv4.x$ = 1\nnet.. = 1\n",
		   6, "4: sysctl 'kernel.panic': only net.* keys can be set inside the namespace",
		   "5: sysctl 'net.': malformed key: empty component after the last dot",
		   "6: sysctl 'net.ipv4..x': malformed key: empty component between two dots",
		   "7: sysctl 'net.ipv4.x.': malformed key: empty component after the last dot",
		   "8: sysctl 'net.ipv4.x$': malformed key: '$' is not allowed",
		   "9: sysctl 'net..': malformed key: empty component between two dots");
	load_fails("[interface]\nmatch = eno2\n[sshd]\nexec = sshd\nconfig = etc/sshd_config\n", 2,
		   "4: key 'exec': 'sshd' is not an absolute path", "5: key 'config': 'etc/sshd_config' is not an absolute path");

	c = load_ok("[interface]\nmatch = eno2\n[firewall]\nipv4 = /etc/oobd/fw4\nipv6 = /etc/oobd/fw6\n");
	assert_true(c->firewall.present);
	assert_string_equal(c->firewall.ipv4, "/etc/oobd/fw4");
	assert_int_equal(c->firewall.ipv4_line, 4);
	assert_string_equal(c->firewall.ipv6, "/etc/oobd/fw6");
	assert_int_equal(c->firewall.ipv6_line, 5);
	config_free(c);
}

/* Problems anywhere in the file are all reported, in one run. */
static void test_all_problems_at_once(void **state)
{
	(void)state;
	load_fails("[namespace]\n"                    /* 1 */
		   "name = oob\n"                     /* 2 */
		   "[interface]\n"                    /* 3 */
		   "kind = vlan\n"                    /* 4 */
		   "vlan = 5000\n"                    /* 5 */
		   "address = 203.0.113.10/24\n"      /* 6 */
		   "address = 203.0.113.10/24\n"      /* 7 */
		   "gateway = 2001:db8:10::1\n"       /* 8 */
		   "route = 198.51.100.0/24 via\n"    /* 9 */
		   "[bogus]\n"                        /* 10 */
		   "[dns]\n"                          /* 11 */
		   "nameserver = x\n",                /* 12 */
		   7, "5: key 'vlan': '5000' is not a VLAN id", "4: kind = vlan needs 'parent'",
		   "7: duplicate address '203.0.113.10/24' (first at line 6)", "8: IPv6 gateway but no IPv6 address",
		   "9: key 'route': expected", "10: unknown section [bogus]", "12: key 'nameserver': 'x' is not an IP address");
	/* Without [interface], the rest is still checked. */
	load_fails("[namespace]\n"                    /* 1 */
		   "name = oob\n"                     /* 2 */
		   "[service ntp]\n"                  /* 3 */
		   "backoff_max = 0x10\n"             /* 4 */
		   "[service exporter]\n"             /* 5 */
		   "exec = /usr/bin/exporter\n",      /* 6 */
		   3, "6: missing [interface] section", "3: [service ntp]: missing 'exec'",
		   "4: key 'backoff_max': '0x10' is not a number of seconds");
}

static void test_nic_name_in_ns(void **state)
{
	struct config *c;
	(void)state;

	c = load_ok("[interface]\nmatch = eno2\n");
	assert_string_equal(config_nic_name_in_ns(c), "eno2");
	config_free(c);

	c = load_ok("[interface]\nmatch = eno2\nrename = oob0\n");
	assert_string_equal(config_nic_name_in_ns(c), "oob0");
	config_free(c);

	/* By MAC and not renamed: only known once the NIC is found. */
	c = load_ok("[interface]\nmatch = mac:02:00:5e:00:53:01\n");
	assert_null(config_nic_name_in_ns(c));
	config_free(c);

	c = load_ok("[interface]\nmatch = mac:02:00:5e:00:53:01\nrename = mgmt\n");
	assert_string_equal(config_nic_name_in_ns(c), "mgmt");
	config_free(c);

	c = load_ok("[interface]\nkind = vlan\nparent = eno1\nvlan = 7\n");
	assert_string_equal(config_nic_name_in_ns(c), OOBD_DEFAULT_CHILD_NAME);
	config_free(c);

	c = load_ok("[interface]\nkind = macvlan\nparent = eno1\nrename = mv0\n");
	assert_string_equal(config_nic_name_in_ns(c), "mv0");
	config_free(c);
}

static void test_validators(void **state)
{
	(void)state;
	assert_true(netns_name_valid("oob"));
	assert_true(netns_name_valid("a.b-c_d"));
	assert_false(netns_name_valid(""));
	assert_false(netns_name_valid("."));
	assert_false(netns_name_valid(".."));
	assert_false(netns_name_valid("a/b"));
	assert_true(netns_name_valid("..."));

	assert_true(ifname_valid("eno2"));
	assert_true(ifname_valid("eth0.100"));
	assert_true(ifname_valid("a23456789012345")); /* 15 characters */
	assert_false(ifname_valid("a234567890123456"));
	assert_false(ifname_valid(""));
	assert_false(ifname_valid("."));
	assert_false(ifname_valid(".."));
	assert_false(ifname_valid("a/b"));
	assert_false(ifname_valid("a:b"));
	assert_false(ifname_valid("a b"));
	assert_false(ifname_valid("a\tb"));
	assert_false(ifname_valid("a\x01"));
	assert_false(ifname_valid("oob%d")); /* a pattern to the kernel */
	assert_false(ifname_valid("a%"));
}

static void test_load_file(void **state)
{
	char path[] = "/tmp/oobd-test-config-XXXXXX";
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	struct config *c = NULL;
	int fd, n;
	(void)state;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "[interface]\nmatch = eno2\n", 25), 25);
	close(fd);
	n = config_load(path, NULL, &c);
	assert_int_equal(n, 0);
	assert_non_null(c);
	assert_string_equal(c->path, path);
	config_free(c);
	unlink(path);

	c = (struct config *)0x1;
	f = open_memstream(&buf, &len);
	n = config_load("/nonexistent/oobd.conf", f, &c);
	fclose(f);
	assert_int_equal(n, 1);
	assert_ptr_equal(c, (struct config *)0x1);
	/* On no line of the file: no ":0:". */
	assert_string_equal(buf, "/nonexistent/oobd.conf: cannot read config: No such file or directory\n");
	free(buf);
}

/* "FILE:LINE" for a line, "FILE" for none (there is no line 0). */
static void test_where(void **state)
{
	char b[CONFIG_WHERE_MAX], small[8];
	(void)state;

	assert_string_equal(config_where("/etc/oobd/oobd.conf", 12, NULL, b, sizeof(b)), "/etc/oobd/oobd.conf:12");
	assert_string_equal(config_where("/etc/oobd/oobd.conf", 3, "config", b, sizeof(b)),
			    "/etc/oobd/oobd.conf:3: key 'config'");
	assert_string_equal(config_where("/etc/oobd/oobd.conf", 0, NULL, b, sizeof(b)), "/etc/oobd/oobd.conf");
	/* A defaulted key is not in the file: its line is none. */
	assert_string_equal(config_where("/etc/oobd/oobd.conf", 0, "config", b, sizeof(b)), "/etc/oobd/oobd.conf");
	assert_ptr_equal(config_where("t.conf", 1, NULL, b, sizeof(b)), b);
	assert_string_equal(config_where("/etc/oobd/oobd.conf", 1, NULL, small, sizeof(small)), "/etc/oo");
}

/* backoff_max, backoff_reset: plain decimal seconds, into milliseconds. */
static void test_backoff(void **state)
{
	static const char *const bad[] = { "0x10", "1e3", "1E3", "inf", "nan", "infinity", "-1", "+1", "1.5.2", ".",
					   "1,5", "0x1p3", "30s", "" };
	struct config *c;
	char text[160];
	(void)state;

	c = load_ok("[interface]\nmatch = eno2\n[sshd]\nbackoff_max = 0.5\nbackoff_reset = 3600\n"
		    "[service a]\nexec = /bin/a\nbackoff_max = .25\nbackoff_reset = 2.\n"
		    "[service b]\nexec = /bin/b\nbackoff_max = 0.1004\nbackoff_reset = 007.0005\n");
	assert_int_equal(c->sshd.backoff.max_ms, 500);
	assert_int_equal(c->sshd.backoff.reset_ms, 3600000);
	assert_int_equal(c->services[0].backoff.max_ms, 250);
	assert_int_equal(c->services[0].backoff.reset_ms, 2000);
	assert_int_equal(c->services[1].backoff.max_ms, 100);
	assert_int_equal(c->services[1].backoff.reset_ms, 7001); /* rounded to the millisecond */
	config_free(c);
	c = load_ok("[interface]\nmatch = eno2\n[sshd]\nbackoff_max = 3600\nbackoff_reset = 86400.000\n");
	assert_int_equal(c->sshd.backoff.max_ms, 3600000);
	assert_int_equal(c->sshd.backoff.reset_ms, 86400000);
	config_free(c);

	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		if (!*bad[k])
			continue; /* an empty value is reported as such */
		snprintf(text, sizeof(text), "[interface]\nmatch = eno2\n[sshd]\nbackoff_max = %s\n", bad[k]);
		load_fails(text, 1, "4: is not a number of seconds (decimal digits, optionally with a fraction");
	}
	load_fails("[interface]\nmatch = eno2\n[sshd]\nbackoff_max = 0.09\nbackoff_reset = 86400.1\n"
		   "[service a]\nexec = /bin/a\nbackoff_max = 3601\nbackoff_reset = 99999999999999999999999\n",
		   4, "4: key 'backoff_max': 0.09 seconds is out of range (0.1-3600)",
		   "5: key 'backoff_reset': 86400.1 seconds is out of range (0.1-86400)",
		   "8: key 'backoff_max': 3601 seconds is out of range (0.1-3600)",
		   "9: key 'backoff_reset': 99999999999999999999999 seconds is out of range");
}

static int teardown(void **state)
{
	(void)state;
	free(errs_text);
	errs_text = NULL;
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_config),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_syntax),
		cmocka_unit_test(test_nul_and_long_lines),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_gateways),
		cmocka_unit_test(test_routes),
		cmocka_unit_test(test_interface_kinds),
		cmocka_unit_test(test_sections_misc),
		cmocka_unit_test(test_all_problems_at_once),
		cmocka_unit_test(test_nic_name_in_ns),
		cmocka_unit_test(test_validators),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_where),
		cmocka_unit_test(test_backoff),
	};
	return cmocka_run_group_tests(tests, NULL, teardown);
}
