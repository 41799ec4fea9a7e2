/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OOBD_CTLREQ_H
#define OOBD_CTLREQ_H

#include <stddef.h>

#include "config.h"

/* The control socket's requests (docs/control.md), parsed from one line. */

enum ctl_cmd {
	CTL_CMD_PING,
	CTL_CMD_STATUS,
	CTL_CMD_STATUS_JSON,
	CTL_CMD_METRICS,
	CTL_CMD_RELOAD,
	CTL_CMD_RESTART,             /* arg: the service */
	CTL_CMD_DOWN,
	CTL_CMD_DOWN_YES,
	CTL_CMD_UP,
};

struct ctl_request {
	enum ctl_cmd cmd;
	char arg[SERVICE_NAME_MAX + 1];
};

/* 0, or -EINVAL with the reason (one line, no newline) in ERR. LINE is
 * not changed; words are separated by blanks. */
int ctl_request_parse(const char *line, struct ctl_request *req, char *err, size_t errlen);

#endif
