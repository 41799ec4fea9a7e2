/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OOBD_SYSCTL_H
#define OOBD_SYSCTL_H

#include <stddef.h>

/* /proc/sys/net is per network namespace: a file opened while the thread is
 * inside a namespace belongs to that namespace. */

struct sysctl_kv {
	const char *key;             /* dotted: "net.ipv4.ip_forward" */
	const char *value;
	int err;                     /* out: 0 or -errno */
};

/* "net.ipv4.conf.eth0/100.rp_filter" -> "/proc/sys/net/ipv4/conf/eth0.100/rp_filter" */
int sysctl_path(const char *key, char *buf, size_t len);

/* Write all of KV inside the namespace NSFD, each result in its err.
 * Returns the number that failed, or -errno if the namespace could not be
 * entered. */
int sysctl_write_in(int nsfd, struct sysctl_kv *kv, size_t n);
/* Read KEY inside NSFD into BUF (trailing newline removed). 0 or -errno. */
int sysctl_read_in(int nsfd, const char *key, char *buf, size_t len);

#endif
