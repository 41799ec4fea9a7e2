/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sysctl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netns.h"
#include "util.h"

int sysctl_path(const char *key, char *buf, size_t len)
{
	size_t n = strlen("/proc/sys/");

	if (n + strlen(key) + 1 > len)
		return -ENAMETOOLONG;
	memcpy(buf, "/proc/sys/", n);
	/* In the dotted form, '/' stands for a '.' inside a component. */
	for (const char *s = key; *s; s++)
		buf[n++] = *s == '.' ? '/' : *s == '/' ? '.' : *s;
	buf[n] = '\0';
	/* Never out of /proc/sys: no "." or ".." in the path (the config
	 * refuses such keys; this is the last line). */
	if (strstr(buf, "/./") || strstr(buf, "/../") || (n >= 2 && strcmp(buf + n - 2, "/.") == 0) ||
	    (n >= 3 && strcmp(buf + n - 3, "/..") == 0))
		return -EINVAL;
	return 0;
}

/* Read what FD shows into BUF, its trailing newline and blanks removed.
 * 1 if it was read whole, 0 if it may be cut to LEN - 1 bytes, or -errno. */
static int sysctl_read_fd(int fd, char *buf, size_t len)
{
	ssize_t n = read(fd, buf, len - 1);

	if (n < 0)
		return -errno;
	bool whole = (size_t)n < len - 1;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	buf[n] = '\0';
	return whole;
}

/* What each key showed right after the last write of it that the kernel
 * took whole (see sysctl_written_shows). */
struct sysctl_shown {
	char *key, *value, *shown;
	unsigned long stamp;         /* when it was recorded; 0: a free slot */
};

static struct sysctl_shown shown_tab[512];
static unsigned long shown_stamp;

static struct sysctl_shown *shown_find(const char *key)
{
	for (size_t k = 0; k < ARRAY_SIZE(shown_tab); k++)
		if (shown_tab[k].stamp && strcmp(shown_tab[k].key, key) == 0)
			return &shown_tab[k];
	return NULL;
}

static void shown_forget(struct sysctl_shown *s)
{
	free(s->key);
	free(s->value);
	free(s->shown);
	*s = (struct sysctl_shown){ 0 };
}

/* KEY, written VALUE, shows SHOWN; or, with SHOWN NULL, nothing is known
 * of what KEY shows after its last write. */
static void shown_note(const char *key, const char *value, const char *shown)
{
	struct sysctl_shown *s = shown_find(key);

	if (s)
		shown_forget(s);
	if (!shown)
		return;
	/* A free slot, else the oldest record. */
	s = &shown_tab[0];
	for (size_t k = 0; k < ARRAY_SIZE(shown_tab) && s->stamp; k++)
		if (shown_tab[k].stamp < s->stamp)
			s = &shown_tab[k];
	shown_forget(s);
	*s = (struct sysctl_shown){ xstrdup(key), xstrdup(value), xstrdup(shown), ++shown_stamp };
}

const char *sysctl_written_shows(const char *key, const char *value)
{
	const struct sysctl_shown *s = shown_find(key);

	return s && strcmp(s->value, value) == 0 ? s->shown : NULL;
}

static int sysctl_write_one(struct sysctl_kv *kv)
{
	char path[512];
	size_t len = strlen(kv->value);
	int r = sysctl_path(kv->key, path, sizeof(path));
	_cleanup_close_ int fd = -1;

	if (r < 0)
		return r;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t w = write(fd, kv->value, len);
	if (w < 0)
		return -errno;
	/* The kernel took the first words of it ("1 2" for one integer:
	 * 1, in effect from now) and stops there: the value as a whole is
	 * refused. */
	if ((size_t)w != len)
		return -EINVAL;
	return 0;
}

/* Write KV; a value taken whole is read back at once (a key that cannot
 * be read, such as a flush, has no record). */
static int sysctl_write_record(struct sysctl_kv *kv)
{
	char path[512], shown[SYSCTL_VALUE_MAX];
	int r = sysctl_write_one(kv);
	_cleanup_close_ int fd = -1;

	if (r == 0 && sysctl_path(kv->key, path, sizeof(path)) == 0)
		fd = open(path, O_RDONLY | O_CLOEXEC);
	shown_note(kv->key, kv->value, fd >= 0 && sysctl_read_fd(fd, shown, sizeof(shown)) == 1 ? shown : NULL);
	return r;
}

struct sysctl_batch {
	struct sysctl_kv *kv;
	size_t n;
};

static int sysctl_write_cb(void *arg)
{
	struct sysctl_batch *b = arg;
	int failed = 0;

	for (size_t i = 0; i < b->n; i++) {
		b->kv[i].err = sysctl_write_record(&b->kv[i]);
		if (b->kv[i].err)
			failed++;
	}
	return failed;
}

int sysctl_write_in(int nsfd, struct sysctl_kv *kv, size_t n)
{
	struct sysctl_batch b = { kv, n };
	return netns_call_in(nsfd, sysctl_write_cb, &b);
}

struct sysctl_read {
	const char *key;
};

static int sysctl_open_cb(void *arg)
{
	struct sysctl_read *io = arg;
	char path[512];
	int r = sysctl_path(io->key, path, sizeof(path));

	if (r < 0)
		return r;
	r = open(path, O_RDONLY | O_CLOEXEC);
	return r < 0 ? -errno : r;
}

int sysctl_read_in(int nsfd, const char *key, char *buf, size_t len)
{
	struct sysctl_read io = { key };
	_cleanup_close_ int fd = netns_call_in(nsfd, sysctl_open_cb, &io);
	int r;

	if (fd < 0)
		return fd;
	r = sysctl_read_fd(fd, buf, len);
	return r < 0 ? r : 0;
}
