/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OOBD_SYSCTL_H
#define OOBD_SYSCTL_H

#include <stddef.h>

/* /proc/sys/net is per network namespace: a file opened while the thread is
 * inside a namespace belongs to that namespace. */

/* A buffer that holds any value oobd writes (the config allows 256
 * characters), also in the kernel's own form of it, with room to spare. */
#define SYSCTL_VALUE_MAX 1024

struct sysctl_kv {
	const char *key;             /* dotted: "net.ipv4.ip_forward" */
	const char *value;
	int err;                     /* out: 0 or -errno */
};

/* "net.ipv4.conf.eth0/100.rp_filter" -> "/proc/sys/net/ipv4/conf/eth0.100/rp_filter" */
int sysctl_path(const char *key, char *buf, size_t len);

/* Write all of KV inside the namespace NSFD, each result in its err.
 * Returns the number that failed, or -errno if the namespace could not be
 * entered. Each value written whole is read back at once, for
 * sysctl_written_shows(). */
int sysctl_write_in(int nsfd, struct sysctl_kv *kv, size_t n);
/* Read KEY inside NSFD into BUF (trailing newline removed; cut to LEN - 1
 * bytes). 0 or -errno. */
int sysctl_read_in(int nsfd, const char *key, char *buf, size_t len);
/* What KEY read right after the last write of it that the kernel took
 * whole, if that write was of VALUE: the kernel shows some values in a form
 * of its own ("8080,8081" as "8080-8081", "01" as "1"). NULL if the last
 * write of KEY was of another value, was refused, or could not be read
 * back (nor read whole), or if there was none. One record for each key,
 * whatever the namespace (oobd writes in one); the oldest go beyond a few
 * hundred keys. */
const char *sysctl_written_shows(const char *key, const char *value);

#endif
