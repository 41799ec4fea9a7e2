/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OOBD_NETNS_H
#define OOBD_NETNS_H

#include <stdbool.h>
#include <sys/types.h>

/*
 * Named network namespaces, with exactly the semantics of iproute2's
 * "ip netns" (docs/netns-semantics.md), without forking ip.
 */

#define NETNS_RUN_DIR "/run/netns"
#define NETNS_ETC_DIR "/etc/netns"

/* Open /run/netns/NAME if it is a bound namespace: fd, or -errno
 * (-ENOENT: absent; -EINVAL: present but not a namespace mount). */
int netns_open(const char *name);

/* Create /run/netns/NAME like "ip netns add"; returns an fd to it, or -errno. */
int netns_create(const char *name);

/* Bind the namespace behind FD at /run/netns/NAME again (after "ip netns
 * del" unmounted it while oobd still holds it). 0 or -errno. */
int netns_bind(const char *name, int fd);

/* Unbind and remove /run/netns/NAME like "ip netns del". 0 or -errno. */
int netns_delete(const char *name);

/* Run FN(ARG) with the calling thread inside the network namespace NSFD,
 * then return to where it was. Sockets FN opens stay in NSFD's namespace.
 * Returns FN's result, or -errno if the namespace could not be entered. */
int netns_call_in(int nsfd, int (*fn)(void *), void *arg);

/*
 * Give the calling process the view "ip netns exec NAME" gives: enter the
 * network namespace, a private mount namespace (slave to the host), a
 * fresh /sys, and every /etc/netns/NAME/E bound over /etc/E. For use in a child
 * right before exec. Overlay failures are warnings (as with ip). 0 or -errno,
 * with a message in ERRBUF.
 */
int netns_exec_view(const char *name, int nsfd, char *errbuf, int errlen);

/*
 * Bind /etc/netns/NAME/FILE over /etc/FILE again in the mount namespace of
 * process PID (one that netns_exec_view made), unless that is what it sees
 * there: the file was made after the process started (it bound nothing
 * then), or the host replaced its /etc/FILE by a rename (the kernel drops
 * the binds on the old one). 1 when bound now, 0 when nothing was to do
 * (the view is right, or there is no such overlay file), -errno.
 */
int netns_etc_rebind(pid_t pid, const char *name, const char *file);
/* Does process PID see /etc/netns/NAME/FILE as its /etc/FILE? 1 when it
 * does, when there is no such overlay file, or when the process has no
 * view of its own yet (as netns_etc_rebind); 0 when it does not; -errno. */
int netns_etc_sees(pid_t pid, const char *name, const char *file);

#endif
