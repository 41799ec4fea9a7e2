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
