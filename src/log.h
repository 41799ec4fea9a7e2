/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OOBD_LOG_H
#define OOBD_LOG_H

#include <syslog.h>

/*
 * Logging to stderr with the "<N>" level prefixes journald understands.
 * Warnings and errors are also kept in a small ring for status reports.
 */

void log_init(const char *progname);
void log_set_prefix(int on);
/*
 * From now on, never wait for the log's reader: when fd 2 is a pipe or a
 * socket (journald's stream) that is full, a line is dropped and counted,
 * and the next line that goes out says how many were. A supervisor must
 * not stop supervising because its log's reader hangs. Files and
 * terminals are written as before.
 */
void log_set_nonblocking(void);
unsigned long long log_dropped(void);  /* lines dropped so far */
/*
 * For a child that logs to stdout/stderr and must never wait for the log's
 * reader either (sshd, which writes a line per connection before its
 * banner): an fd to hand it as both, close-on-exec, that writes to the
 * same log but fails instead of blocking (the child drops the line). For
 * a pipe, the same pipe opened anew; for journald's stream, a stream of
 * its own to journald under IDENT, which outlives oobd as the child may;
 * /dev/null if neither can be had. -1 when fd 2 is a file or a terminal:
 * the child inherits fd 2.
 */
int log_child_fd(const char *ident);
/*
 * For a [service]: when fd 2 is journald's stream, a stream of its own to
 * journald under IDENT, close-on-exec, to hand it as stdout and stderr. It
 * blocks: the program waits for journald as it would under systemd, and
 * what it writes never fills oobd's stream (oobd does not write to it).
 * /dev/null, with a warning, if the stream cannot be had. -1 for anything
 * else (a pipe, a file, a terminal): the child inherits fd 2.
 */
int log_service_fd(const char *ident);
void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_err(...)     log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...)    log_msg(LOG_WARNING, __VA_ARGS__)
#define log_notice(...)  log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_info(...)    log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...)   log_msg(LOG_DEBUG, __VA_ARGS__)

#define LOG_RING_SIZE 10
struct log_entry {
	long long when;          /* unix seconds */
	int level;
	char text[240];
};
/* Oldest first; returns the number of entries copied. */
int log_ring_get(struct log_entry out[LOG_RING_SIZE]);

#endif
