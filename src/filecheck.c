/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "filecheck.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

static bool owner_trusted(uid_t uid)
{
	return uid == 0 || uid == geteuid();
}

/* One path component: WHAT is "" for the file itself, "directory " above it. */
static int check_stat(const char *path, const struct stat *st, bool dir, char *why, size_t whylen)
{
	const char *what = dir ? "directory " : "";
	unsigned mode = (unsigned)st->st_mode & 07777;

	if (!dir && S_ISDIR(st->st_mode))
		return -EISDIR; /* not a question of trust: reading it fails plainly */
	if (dir ? !S_ISDIR(st->st_mode) : !S_ISREG(st->st_mode)) {
		snprintf(why, whylen, "%s%s is not a %s", what, path, dir ? "directory" : "regular file");
		return -EPERM;
	}
	if (!owner_trusted(st->st_uid)) {
		snprintf(why, whylen, "%s%s is owned by uid %u, not root", what, path, (unsigned)st->st_uid);
		return -EPERM;
	}
	/* A sticky directory (/tmp) lets nobody but root replace the
	 * root-owned entry below it, which the next step checks. */
	if (dir && (mode & S_ISVTX))
		return 0;
	if (mode & S_IWOTH) {
		snprintf(why, whylen, "%s%s is world-writable (mode %04o)", what, path, mode);
		return -EPERM;
	}
	if (mode & S_IWGRP) {
		snprintf(why, whylen, "%s%s is group-writable (mode %04o)", what, path, mode);
		return -EPERM;
	}
	return 0;
}

int filecheck_path(const char *path, char *why, size_t whylen)
{
	_cleanup_free_ char *real = realpath(path, NULL);
	struct stat st;
	char *slash;
	int r;

	if (whylen)
		why[0] = '\0';
	if (!real)
		return -errno;
	if (stat(real, &st) < 0)
		return -errno;
	r = check_stat(real, &st, false, why, whylen);
	if (r < 0)
		return r;
	/* realpath left no symlinks, no "." or "..": walk up to "/". */
	while ((slash = strrchr(real, '/')) != NULL) {
		if (slash == real)
			slash[1] = '\0';
		else
			*slash = '\0';
		if (stat(real, &st) < 0)
			return -errno;
		r = check_stat(real, &st, true, why, whylen);
		if (r < 0 || slash == real)
			return r;
	}
	return 0;
}
