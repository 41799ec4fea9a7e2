/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ctlreq.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

/* No request takes more than a command and one argument. */
#define CTL_MAX_WORDS 2
/* How much of a word an error message echoes. */
#define CTL_ECHO_MAX 64

/* The bytes of the LEN-byte word at S that a message echoes: up to
 * CTL_ECHO_MAX, not splitting a UTF-8 character. */
static int echo_len(const char *s, int len)
{
	return len <= CTL_ECHO_MAX ? len : (int)utf8_cut(s, CTL_ECHO_MAX);
}

/*
 * The words of a request, where they stand in the line: no word has a
 * length limit of its own (only the line has: 1024 bytes), so a long word
 * gets the answer its place calls for, not a generic one. Words past the
 * first CTL_MAX_WORDS are only counted.
 */
struct ctl_words {
	const char *s[CTL_MAX_WORDS];
	int len[CTL_MAX_WORDS];
	int n;
};

static void split_words(const char *line, struct ctl_words *w)
{
	w->n = 0;
	for (const char *s = line; *s;) {
		size_t len;
		s += strspn(s, " \t");
		if (!*s)
			break;
		len = strcspn(s, " \t");
		if (w->n < CTL_MAX_WORDS) {
			w->s[w->n] = s;
			w->len[w->n] = len > INT_MAX ? INT_MAX : (int)len;
		}
		w->n++;
		s += len;
	}
}

static bool word_is(const struct ctl_words *w, int i, const char *word)
{
	return strlen(word) == (size_t)w->len[i] && memcmp(w->s[i], word, (size_t)w->len[i]) == 0;
}

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
	struct ctl_words w;

	memset(req, 0, sizeof(*req));
	split_words(line, &w);
	if (w.n == 0) {
		snprintf(err, errlen, "empty request");
		return -EINVAL;
	}
	for (size_t i = 0; i < ARRAY_SIZE(table); i++) {
		bool any_name = table[i].arg && strcmp(table[i].arg, "*") == 0;

		if (!word_is(&w, 0, table[i].word))
			continue;
		if (w.n == 1 && !any_name) {
			req->cmd = table[i].cmd;
			return 0;
		}
		if (w.n == 2 && any_name) {
			/* Longer than any service's name: none has it. */
			if (w.len[1] > SERVICE_NAME_MAX) {
				snprintf(err, errlen, "no service named \"%.*s%s\" (a name has at most %d bytes)",
					 echo_len(w.s[1], w.len[1]), w.s[1], w.len[1] > CTL_ECHO_MAX ? "..." : "",
					 SERVICE_NAME_MAX);
				return -EINVAL;
			}
			req->cmd = table[i].cmd_arg;
			memcpy(req->arg, w.s[1], (size_t)w.len[1]);
			req->arg[w.len[1]] = '\0';
			return 0;
		}
		if (w.n == 2 && table[i].arg && word_is(&w, 1, table[i].arg)) {
			req->cmd = table[i].cmd_arg;
			return 0;
		}
		snprintf(err, errlen, "wrong arguments for \"%s\" (see docs/control.md)", table[i].word);
		return -EINVAL;
	}
	snprintf(err, errlen, "unknown request \"%.*s%s\"", echo_len(w.s[0], w.len[0]), w.s[0],
		 w.len[0] > CTL_ECHO_MAX ? "..." : "");
	return -EINVAL;
}
