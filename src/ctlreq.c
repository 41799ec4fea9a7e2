/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ctlreq.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

#define CTL_MAX_WORDS 4

int ctl_request_parse(const char *line, struct ctl_request *req, char *err, size_t errlen)
{
	static const struct {
		const char *word;
		const char *arg;     /* the one argument allowed, "*" for any name, NULL for none */
		enum ctl_cmd cmd, cmd_arg;
	} table[] = {
		{ "ping", NULL, CTL_CMD_PING, CTL_CMD_PING },
		{ "status", "json", CTL_CMD_STATUS, CTL_CMD_STATUS_JSON },
		{ "metrics", NULL, CTL_CMD_METRICS, CTL_CMD_METRICS },
		{ "reload", NULL, CTL_CMD_RELOAD, CTL_CMD_RELOAD },
		{ "restart", "*", CTL_CMD_RESTART, CTL_CMD_RESTART },
		{ "down", "yes", CTL_CMD_DOWN, CTL_CMD_DOWN_YES },
		{ "up", NULL, CTL_CMD_UP, CTL_CMD_UP },
	};
	char words[CTL_MAX_WORDS][64];
	int n = 0;

	memset(req, 0, sizeof(*req));
	for (const char *s = line; *s;) {
		size_t len;
		s += strspn(s, " \t");
		if (!*s)
			break;
		len = strcspn(s, " \t");
		if (n == CTL_MAX_WORDS || len >= sizeof(words[0])) {
			snprintf(err, errlen, "request too long or too many words");
			return -EINVAL;
		}
		memcpy(words[n], s, len);
		words[n++][len] = '\0';
		s += len;
	}
	if (n == 0) {
		snprintf(err, errlen, "empty request");
		return -EINVAL;
	}
	for (size_t i = 0; i < ARRAY_SIZE(table); i++) {
		if (strcmp(words[0], table[i].word) != 0)
			continue;
		if (n == 1 && table[i].arg && strcmp(table[i].arg, "*") != 0) {
			req->cmd = table[i].cmd;
			return 0;
		}
		if (n == 1 && !table[i].arg) {
			req->cmd = table[i].cmd;
			return 0;
		}
		if (n == 2 && table[i].arg && strcmp(table[i].arg, "*") == 0 && strlen(words[1]) <= SERVICE_NAME_MAX) {
			req->cmd = table[i].cmd_arg;
			str_copy(req->arg, words[1], sizeof(req->arg));
			return 0;
		}
		if (n == 2 && table[i].arg && strcmp(table[i].arg, words[1]) == 0) {
			req->cmd = table[i].cmd_arg;
			return 0;
		}
		snprintf(err, errlen, "wrong arguments for \"%s\" (see docs/control.md)", table[i].word);
		return -EINVAL;
	}
	snprintf(err, errlen, "unknown request \"%.64s\"", words[0]);
	return -EINVAL;
}
