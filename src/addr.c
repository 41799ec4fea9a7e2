/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "addr.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

size_t ipaddr_len(const struct ipaddr *a)
{
	return a->family == AF_INET ? 4 : 16;
}

bool ipaddr_equal(const struct ipaddr *a, const struct ipaddr *b)
{
	if (a->family != b->family)
		return false;
	/* The config checks compare every route with every address. */
	if (a->family == AF_INET)
		return a->v4.s_addr == b->v4.s_addr;
	return memcmp(a->b, b->b, ipaddr_len(a)) == 0;
}

bool ipaddr_parse(const char *s, struct ipaddr *out)
{
	memset(out, 0, sizeof(*out));
	if (strchr(s, ':')) {
		out->family = AF_INET6;
		return inet_pton(AF_INET6, s, &out->v6) == 1;
	}
	out->family = AF_INET;
	return inet_pton(AF_INET, s, &out->v4) == 1;
}

int prefix_parse(const char *s, struct prefix *out)
{
	char buf[64], *slash, *end;
	size_t slen = strlen(s);
	unsigned long len;

	if (slen >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, slen + 1);
	slash = strchr(buf, '/');
	if (!slash)
		return -EINVAL;
	*slash = '\0';
	if (!ipaddr_parse(buf, &out->addr))
		return -EINVAL;
	if (slash[1] < '0' || slash[1] > '9')
		return -EINVAL;
	errno = 0;
	len = strtoul(slash + 1, &end, 10);
	if (*end != '\0' || errno)
		return -EINVAL;
	if (len > (out->addr.family == AF_INET ? 32UL : 128UL))
		return -ERANGE;
	out->len = (unsigned)len;
	return 0;
}

bool prefix_equal(const struct prefix *a, const struct prefix *b)
{
	return a->len == b->len && ipaddr_equal(&a->addr, &b->addr);
}

int prefix_cmp(const struct prefix *a, const struct prefix *b)
{
	if (a->addr.family != b->addr.family)
		return a->addr.family < b->addr.family ? -1 : 1;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return memcmp(a->addr.b, b->addr.b, ipaddr_len(&a->addr));
}

size_t prefix_lower_bound(const void *base, size_t n, size_t size, size_t offset, const struct prefix *key)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct prefix *p = (const void *)((const char *)base + mid * size + offset);
		if (prefix_cmp(p, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

bool prefix_contains(const struct prefix *p, const struct ipaddr *a)
{
	unsigned full = p->len / 8, rest = p->len % 8;

	if (p->addr.family != a->family)
		return false;
	if (memcmp(p->addr.b, a->b, full) != 0)
		return false;
	if (rest) {
		unsigned char mask = (unsigned char)(0xff << (8 - rest));
		if ((p->addr.b[full] & mask) != (a->b[full] & mask))
			return false;
	}
	return true;
}

bool prefix_is_network(const struct prefix *p)
{
	size_t n = ipaddr_len(&p->addr);
	for (size_t bit = p->len; bit < n * 8; bit++)
		if (p->addr.b[bit / 8] & (0x80 >> (bit % 8)))
			return false;
	return true;
}

void prefix_mask(struct prefix *p)
{
	size_t n = ipaddr_len(&p->addr);
	for (size_t bit = p->len; bit < n * 8; bit++)
		p->addr.b[bit / 8] &= (unsigned char)~(0x80 >> (bit % 8));
}

const char *ipaddr_str(const struct ipaddr *a, char buf[IPADDR_STRLEN])
{
	if (!inet_ntop(a->family, a->b, buf, IPADDR_STRLEN))
		snprintf(buf, IPADDR_STRLEN, "?");
	return buf;
}

const char *prefix_str(const struct prefix *p, char buf[PREFIX_STRLEN])
{
	char a[IPADDR_STRLEN];
	snprintf(buf, PREFIX_STRLEN, "%s/%u", ipaddr_str(&p->addr, a), p->len);
	return buf;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Exactly "xx:xx:xx:xx:xx:xx" (sscanf's %x would also take a sign or "0x"). */
bool mac_parse(const char *s, unsigned char mac[6])
{
	unsigned char v[6];

	if (strlen(s) != 17)
		return false;
	for (size_t i = 0; i < 6; i++) {
		int hi = hexval(s[i * 3]), lo = hexval(s[i * 3 + 1]);
		if (hi < 0 || lo < 0 || (i < 5 && s[i * 3 + 2] != ':'))
			return false;
		v[i] = (unsigned char)(hi << 4 | lo);
	}
	memcpy(mac, v, 6);
	return true;
}

const char *mac_str(const unsigned char mac[6], char buf[18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	return buf;
}
