/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OOBD_STATUS_H
#define OOBD_STATUS_H

#include "oobd.h"
#include "strbuf.h"

/*
 * What "oobctl status" and "oobctl metrics" show: the daemon's state plus
 * the kernel's own view (links, addresses, routes, sysctls) compared with
 * the config. The JSON form is a stable interface (docs/control.md).
 */

enum status_health { STATUS_OK = 0, STATUS_DEGRADED = 1 };

/* Text for people, or JSON; returns the health. */
enum status_health status_render(struct oobd *o, bool json, struct strbuf *out);
/* Prometheus text exposition format. */
void status_metrics(struct oobd *o, struct strbuf *out);
/* For each family, whether the firewall in place drops every new connection
 * to the ports of the N sockets L (sshd's) arriving on the NIC: a warning
 * to the log, and to OUT (may be NULL) as "warning: LINE". */
void status_firewall_warn(struct oobd *o, const struct sshd_listen *l, int n, struct strbuf *out);

#endif
