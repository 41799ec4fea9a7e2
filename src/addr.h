/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OOBD_ADDR_H
#define OOBD_ADDR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

/* An IPv4 or IPv6 address, and a prefix of one. Pure value types. */
struct ipaddr {
	int family;                 /* AF_INET or AF_INET6 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
		unsigned char b[16];
	};
};

struct prefix {
	struct ipaddr addr;
	unsigned len;
};

size_t ipaddr_len(const struct ipaddr *a);
bool ipaddr_equal(const struct ipaddr *a, const struct ipaddr *b);
/* Parses a literal address; true on success. */
bool ipaddr_parse(const char *s, struct ipaddr *out);
/* "ADDR/LEN"; errors: -EINVAL (syntax), -ERANGE (length). */
int prefix_parse(const char *s, struct prefix *out);
bool prefix_equal(const struct prefix *a, const struct prefix *b);
/* A total order of prefixes (family, length, address), for sorting and
 * binary search: 0 exactly when prefix_equal. */
int prefix_cmp(const struct prefix *a, const struct prefix *b);
/* Binary search: the index of the first of the N elements of BASE (each
 * SIZE bytes, sorted in prefix_cmp order of the struct prefix at OFFSET in
 * each) that is not before KEY; N when none is. */
size_t prefix_lower_bound(const void *base, size_t n, size_t size, size_t offset, const struct prefix *key);
/* True if host bits beyond len are all zero. */
bool prefix_is_network(const struct prefix *p);
/* Clear the bits beyond the prefix's length: the network of an address. */
void prefix_mask(struct prefix *p);
bool prefix_contains(const struct prefix *p, const struct ipaddr *a);

#define IPADDR_STRLEN 46
#define PREFIX_STRLEN 50
const char *ipaddr_str(const struct ipaddr *a, char buf[IPADDR_STRLEN]);
const char *prefix_str(const struct prefix *p, char buf[PREFIX_STRLEN]);

/* MAC addresses, "02:00:5e:00:53:01". */
bool mac_parse(const char *s, unsigned char mac[6]);
const char *mac_str(const unsigned char mac[6], char buf[18]);

#endif
