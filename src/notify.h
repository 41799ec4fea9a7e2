/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OOBD_NOTIFY_H
#define OOBD_NOTIFY_H

#include <stdbool.h>

/*
 * The service manager's notification protocol (sd_notify(3), a stable
 * interface): datagrams like "READY=1", "STATUS=...", "WATCHDOG=1" to the
 * socket named by $NOTIFY_SOCKET. Written here so oobd does not need
 * libsystemd (an initramfs may not have it). A no-op without the variable.
 */

/* Read $NOTIFY_SOCKET and $WATCHDOG_USEC/$WATCHDOG_PID, and unset them so
 * children do not inherit them. */
void notify_init(void);
bool notify_enabled(void);
/* Send one message (several "KEY=VALUE" lines). 0 or -errno. */
int notify_send(const char *msg);
int notify_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The watchdog ping interval in ms (half the manager's timeout), or 0. */
long long notify_watchdog_interval_ms(void);
/* WATCHDOG=1 now (a no-op without $WATCHDOG_USEC). */
void notify_watchdog_ping(void);
/* WATCHDOG=1 if a ping is due: for the waits on helper programs and locks
 * that keep the event loop busy (each bounded by its own timeout), so that
 * their sum does not add up to the manager's watchdog timeout. */
void notify_watchdog_keepalive(void);
/* EXTEND_TIMEOUT_USEC: the manager gives the current state (start-up, a
 * reload) MS more from now than it would otherwise, for a step known to
 * be slow. */
void notify_extend_timeout(long long ms);

#endif
