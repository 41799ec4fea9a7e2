/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "dns.h"

#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "netns.h"
#include "util.h"

int dns_render(const struct dns_cfg *dns, char *buf, size_t len)
{
	size_t n = 0;
	int w = snprintf(buf, len, "%s", DNS_HEADER);

	if (w < 0 || (size_t)w >= len)
		return -ENOSPC;
	n = (size_t)w;
	for (size_t i = 0; i < dns->n_ns; i++) {
		const struct ipaddr *ns = &dns->ns[i];
		/* A link-local one is on the NIC: the resolver sends to it out
		 * of the link named after the '%' (glibc). */
		bool zone = ns->family == AF_INET6 && IN6_IS_ADDR_LINKLOCAL(&ns->v6) && dns->zone[0];
		char a[IPADDR_STRLEN];
		w = snprintf(buf + n, len - n, "nameserver %s%s%s\n", ipaddr_str(ns, a), zone ? "%" : "",
			     zone ? dns->zone : "");
		if (w < 0 || (size_t)w >= len - n)
			return -ENOSPC;
		n += (size_t)w;
	}
	if (dns->search) {
		w = snprintf(buf + n, len - n, "search %s\n", dns->search);
		if (w < 0 || (size_t)w >= len - n)
			return -ENOSPC;
		n += (size_t)w;
	}
	return (int)n;
}

int dns_forget(const char *netns)
{
	char dir[PATH_MAX], path[PATH_MAX];
	_cleanup_free_ char *cur = NULL;

	if (snprintf(dir, sizeof(dir), "%s/%s", NETNS_ETC_DIR, netns) >= (int)sizeof(dir) ||
	    snprintf(path, sizeof(path), "%s/resolv.conf", dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	/* Only a file oobd wrote: one of the administrator's stays. */
	if (read_file(path, &cur, NULL, 4096) < 0 || strncmp(cur, DNS_HEADER, strlen(DNS_HEADER)) != 0)
		return 0;
	if (unlink(path) < 0)
		return -errno;
	rmdir(dir); /* when empty */
	return 1;
}

int dns_apply(const char *netns, const struct dns_cfg *dns)
{
	char dir[PATH_MAX], path[PATH_MAX], buf[4096];
	_cleanup_free_ char *cur = NULL;
	int len, r;

	len = dns_render(dns, buf, sizeof(buf));
	if (len < 0)
		return len;
	if (snprintf(dir, sizeof(dir), "%s/%s", NETNS_ETC_DIR, netns) >= (int)sizeof(dir) ||
	    snprintf(path, sizeof(path), "%s/resolv.conf", dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	r = mkdir_p(dir, 0755);
	if (r < 0)
		return r;
	if (read_file(path, &cur, NULL, sizeof(buf)) == 0 && strcmp(cur, buf) == 0)
		return 0; /* unchanged: no write, no inotify noise */
	return write_file_in_place(path, buf, (size_t)len, 0644);
}
