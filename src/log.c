/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "log.h"
#include "util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <time.h>

static const char *log_progname = "oobd";
static int log_prefix = 1;
static int log_debug_on;
static struct log_entry ring[LOG_RING_SIZE];
static unsigned ring_next, ring_count;

void log_init(const char *progname)
{
	const char *d = getenv("OOBD_DEBUG");
	log_progname = progname;
	log_debug_on = d && *d && strcmp(d, "0") != 0;
}

void log_set_prefix(int on)
{
	log_prefix = on;
}

void log_msg(int level, const char *fmt, ...)
{
	char text[1024];
	va_list ap;
	int saved = errno;

	if (level == LOG_DEBUG && !log_debug_on)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);

	if (log_prefix)
		fprintf(stderr, "<%d>%s\n", level, text);
	else
		fprintf(stderr, "%s: %s\n", log_progname, text);

	if (level <= LOG_WARNING) {
		struct log_entry *e = &ring[ring_next];
		e->when = (long long)time(NULL);
		e->level = level;
		str_copy(e->text, text, sizeof(e->text));
		ring_next = (ring_next + 1) % LOG_RING_SIZE;
		if (ring_count < LOG_RING_SIZE)
			ring_count++;
	}
	errno = saved;
}

int log_ring_get(struct log_entry out[LOG_RING_SIZE])
{
	unsigned start = (ring_next + LOG_RING_SIZE - ring_count) % LOG_RING_SIZE;
	for (unsigned i = 0; i < ring_count; i++)
		out[i] = ring[(start + i) % LOG_RING_SIZE];
	return (int)ring_count;
}
