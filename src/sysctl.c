/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sysctl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
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
	 * 1) and stops there: the value as a whole is refused. */
	if ((size_t)w != len)
		return -EINVAL;
	return 0;
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
		b->kv[i].err = sysctl_write_one(&b->kv[i]);
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
	ssize_t n;

	if (fd < 0)
		return fd;
	n = read(fd, buf, len - 1);
	if (n < 0)
		return -errno;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	buf[n] = '\0';
	return 0;
}
