/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "notify.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "util.h"

static struct sockaddr_un notify_addr;
static socklen_t notify_addrlen;
static long long watchdog_ms;
static long long watchdog_last; /* when WATCHDOG=1 was last sent (now_ms()) */
static char last_status[256];

/* A whole decimal number, or -1. */
static long long env_number(const char *s)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	return errno || end == s || *end || v < 0 ? -1 : v;
}

void notify_init(void)
{
	const char *path = getenv("NOTIFY_SOCKET");
	const char *wd = getenv("WATCHDOG_USEC");
	const char *wdpid = getenv("WATCHDOG_PID");
	size_t len;

	if (path && (path[0] == '/' || path[0] == '@') && (len = strlen(path)) < sizeof(notify_addr.sun_path)) {
		notify_addr.sun_family = AF_UNIX;
		memcpy(notify_addr.sun_path, path, len);
		if (path[0] == '@')
			notify_addr.sun_path[0] = '\0'; /* abstract namespace */
		notify_addrlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
	}
	if (wd && (!wdpid || env_number(wdpid) == (long long)getpid())) {
		long long usec = env_number(wd);
		if (usec > 0)
			watchdog_ms = usec / 2000; /* ping at half the timeout */
		if (watchdog_ms < 1 && usec > 0)
			watchdog_ms = 1;
	}
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
}

bool notify_enabled(void)
{
	return notify_addrlen > 0;
}

int notify_send(const char *msg)
{
	int fd, r = 0;

	if (!notify_addrlen)
		return 0;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&notify_addr, notify_addrlen) < 0)
		r = -errno;
	close(fd);
	/* The manager arms the watchdog at the first READY=1: keepalive
	 * pings start from there, not during start-up. */
	if (r == 0 && watchdog_ms && !watchdog_last && strcmp(msg, "READY=1") == 0)
		watchdog_last = now_ms();
	return r;
}

int notify_status(const char *fmt, ...)
{
	char status[256], msg[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(status, sizeof(status), fmt, ap);
	va_end(ap);
	if (strcmp(status, last_status) == 0)
		return 0;
	str_copy(last_status, status, sizeof(last_status));
	snprintf(msg, sizeof(msg), "STATUS=%s", status);
	return notify_send(msg);
}

long long notify_watchdog_interval_ms(void)
{
	return watchdog_ms;
}

void notify_watchdog_ping(void)
{
	if (!watchdog_ms)
		return;
	notify_send("WATCHDOG=1");
	watchdog_last = now_ms();
}

void notify_watchdog_keepalive(void)
{
	if (watchdog_ms && watchdog_last && now_ms() - watchdog_last >= watchdog_ms)
		notify_watchdog_ping();
}

void notify_extend_timeout(long long ms)
{
	char msg[64];

	if (!notify_addrlen || ms <= 0)
		return;
	snprintf(msg, sizeof(msg), "EXTEND_TIMEOUT_USEC=%lld", ms * 1000);
	notify_send(msg);
}
