/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OOBD_DNS_H
#define OOBD_DNS_H

#include <stddef.h>

#include "config.h"

/* The namespace's resolv.conf overlay, /etc/netns/NAME/resolv.conf. */

#define DNS_HEADER "# written by oobd from its config; edits here are overwritten\n"

/* Render the file's content into BUF. Returns its length, or -ENOSPC. */
int dns_render(const struct dns_cfg *dns, char *buf, size_t len);

/* Write it, in place when it exists: processes in the namespace see
 * /etc/resolv.conf as a bind mount of that inode. 0 or -errno. */
int dns_apply(const char *netns, const struct dns_cfg *dns);

/* Remove the file when oobd wrote it (the config has no [dns] any more).
 * 1 when removed, 0 when there was none of oobd's, or -errno. */
int dns_forget(const char *netns);

#endif
