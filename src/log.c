/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "log.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static const char *log_progname = "oobd";
static int log_prefix = 1;
static int log_debug_on;
static struct log_entry ring[LOG_RING_SIZE];
static unsigned ring_next, ring_count;

/* Never wait for the log's reader (see log_set_nonblocking). */
static enum { OUT_BLOCKING, OUT_SOCKET, OUT_PIPE } out_mode;
static unsigned long long dropped, dropped_said;
static int torn;  /* a line went out in part: the next one starts a new line */

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

void log_set_nonblocking(void)
{
	struct stat st;

	if (fstat(STDERR_FILENO, &st) < 0)
		return;
	/* Per write, never by O_NONBLOCK: that flag belongs to the open file,
	 * shared with every child that inherits fd 2, which it would surprise.
	 * A file or a terminal is written as usual. */
	if (S_ISSOCK(st.st_mode))
		out_mode = OUT_SOCKET;
	else if (S_ISFIFO(st.st_mode))
		out_mode = OUT_PIPE;
}

unsigned long long log_dropped(void)
{
	return dropped;
}

/* Is FD journald's stream, as systemd says in $JOURNAL_STREAM (DEV:INO)? */
static bool is_journal_stream(const struct stat *st)
{
	const char *e = getenv("JOURNAL_STREAM");
	char *end;
	unsigned long long dev, ino;

	if (!e)
		return false;
	errno = 0;
	dev = strtoull(e, &end, 10);
	if (errno || end == e || *end != ':')
		return false;
	e = end + 1;
	ino = strtoull(e, &end, 10);
	if (errno || end == e || *end)
		return false;
	return dev == (unsigned long long)st->st_dev && ino == (unsigned long long)st->st_ino;
}

/* A stream of its own to journald, as sd_journal_stream_fd() makes one:
 * the header (identifier, unit, priority, level prefix, forwarding to
 * syslog, kmsg, console), then lines. Connected without waiting: a journald
 * that accepts no more gets no one stuck in connect(). BLOCKING: from then
 * on its writes wait for journald (for a child's own stream, which oobd
 * never writes to); else they fail. -errno on failure. */
static int journal_stream_open(const char *ident, bool blocking)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = "/run/systemd/journal/stdout" };
	char hdr[128];
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0), n, e;
	ssize_t sent;

	if (fd < 0)
		return -errno;
	n = snprintf(hdr, sizeof(hdr), "%s\n\n%d\n1\n0\n0\n0\n", ident, LOG_INFO);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || shutdown(fd, SHUT_RD) < 0)
		goto fail;
	/* A new stream's buffer is empty: the header goes out whole. */
	sent = send(fd, hdr, (size_t)n, MSG_NOSIGNAL);
	if (sent != n) {
		if (sent >= 0)
			errno = EAGAIN;
		goto fail;
	}
	if (blocking) {
		int fl = fcntl(fd, F_GETFL);
		if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0)
			goto fail;
	}
	return fd;
fail:
	e = errno;
	close(fd);
	return -e;
}

int log_child_fd(const char *ident)
{
	struct stat st;
	int fd;

	if (fstat(STDERR_FILENO, &st) < 0)
		return -1;
	if (S_ISFIFO(st.st_mode)) {
		/* Opened anew: an open file of its own, which may be
		 * non-blocking without changing what others hold. */
		fd = open("/proc/self/fd/2", O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	} else if (S_ISSOCK(st.st_mode) && is_journal_stream(&st)) {
		fd = journal_stream_open(ident, false);
	} else {
		return -1;
	}
	/* A stream that cannot be had: nothing rather than one that blocks. */
	return fd >= 0 ? fd : open("/dev/null", O_WRONLY | O_CLOEXEC);
}

int log_service_fd(const char *ident)
{
	struct stat st;
	int fd;

	if (fstat(STDERR_FILENO, &st) < 0 || !S_ISSOCK(st.st_mode) || !is_journal_stream(&st))
		return -1;
	fd = journal_stream_open(ident, true);
	if (fd >= 0)
		return fd;
	/* Not oobd's stream instead: what fills that drops oobd's lines. */
	log_warn("no journald stream for %s: %s; its output is discarded until its next start", ident,
		 strerror(-fd));
	return open("/dev/null", O_WRONLY | O_CLOEXEC);
}

/* LEN bytes to fd 2. Nonblocking: false when the reader is not reading
 * (nothing, or only part, went out). */
static bool out_write(const char *buf, size_t len)
{
	ssize_t n;

	if (out_mode == OUT_BLOCKING) {
		while (len > 0) {
			n = write(STDERR_FILENO, buf, len);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return false;
			buf += n;
			len -= (size_t)n;
		}
		return true;
	}
	if (out_mode == OUT_SOCKET) {
		n = send(STDERR_FILENO, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	} else {
		/* A pipe with room takes a line of up to PIPE_BUF whole. */
		struct pollfd p = { .fd = STDERR_FILENO, .events = POLLOUT };
		if (poll(&p, 1, 0) != 1 || !(p.revents & POLLOUT))
			return false;
		n = write(STDERR_FILENO, buf, len);
	}
	if (n > 0 && (size_t)n < len)
		torn = 1;
	return n == (ssize_t)len;
}

/* One line, whole or not at all (counted as dropped). */
static void out_line(const char *line, size_t len)
{
	char note[128];
	int k;

	if (torn) {
		if (!out_write("\n", 1))
			goto drop;
		torn = 0;
	}
	if (dropped != dropped_said) {
		k = log_prefix ? snprintf(note, sizeof(note), "<%d>%llu log lines dropped: the log's reader was not reading\n",
					 LOG_WARNING, dropped - dropped_said)
			       : snprintf(note, sizeof(note), "%s: %llu log lines dropped\n", log_progname,
					  dropped - dropped_said);
		if (!out_write(note, (size_t)k))
			goto drop;
		dropped_said = dropped;
	}
	if (out_write(line, len))
		return;
drop:
	dropped++;
}

void log_msg(int level, const char *fmt, ...)
{
	char text[1024], line[1200];
	va_list ap;
	int saved = errno, n;

	if (level == LOG_DEBUG && !log_debug_on)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);

	if (log_prefix)
		n = snprintf(line, sizeof(line), "<%d>%s\n", level, text);
	else /* a tool's own words: a warning is not taken for the error that stops it */
		n = snprintf(line, sizeof(line), "%s: %s%s\n", log_progname, level == LOG_WARNING ? "warning: " : "",
			     text);
	if (n > 0)
		out_line(line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);

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
