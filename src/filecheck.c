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

/* The kernel's limit on the symlinks one lookup follows (MAXSYMLINKS). */
#define FILECHECK_MAX_SYMLINKS 40

static bool owner_trusted(uid_t uid)
{
	return uid == 0 || uid == geteuid();
}

/*
 * One path component: WHAT is "" for the file itself, "directory " above it.
 * STICKY_OK: a sticky directory may be writable by others (the entry below
 * it is checked next, and nobody else can replace it); not so for a
 * directory where new entries count (filecheck_dir).
 */
static int check_stat(const char *path, const struct stat *st, bool dir, bool sticky_ok, char *why, size_t whylen)
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
	if (dir && sticky_ok && (mode & S_ISVTX))
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

/*
 * A lookup done the kernel's way, one name at a time, so that every
 * directory a name is looked up in is checked: those on the way to a
 * symlink and those holding one as well as those on the way to its target.
 * Checking only the resolved path (realpath) would miss a safe file reached
 * through a symlink that anyone may replace: oobd and sshd open the path as
 * named, and follow whatever the symlink says then.
 */
struct walk {
	char done[PATH_MAX];  /* resolved so far: absolute, without symlinks, "." or ".."; "" is "/" */
	size_t dlen;
	char todo[PATH_MAX];  /* what is left to look up */
	char next[PATH_MAX];  /* DONE and the name being looked up */
	char link[PATH_MAX];  /* a symlink's target */
	char via[PATH_MAX];   /* the symlink the walk last followed; "" before any */
	int nlinks;
	int bad;              /* -EPERM once something on the way was refused: WHY says the last */
	char *why;
	size_t whylen;
};

/* After a refusal in WHY: how the path got there, when through a symlink.
 * HOLDING is the symlink the refused directory holds, if it does. */
static void why_symlink(struct walk *w, const char *holding)
{
	size_t n = w->whylen ? strnlen(w->why, w->whylen) : 0;

	if (n + 1 >= w->whylen)
		return;
	if (holding)
		snprintf(w->why + n, w->whylen - n, "; the path goes through the symlink %s in it", holding);
	else if (w->via[0])
		snprintf(w->why + n, w->whylen - n, "; the path reaches it through the symlink %s", w->via);
}

/* The directory DONE, about to have a name looked up in it (HOLDING: the
 * symlink found there) or about to get one (STRICT: missing, and a new entry
 * would count). A refusal is kept in W and the walk goes on: a path that
 * cannot be resolved is reported as such, and what is refused last is the
 * refusal nearest the file, as the checks went before symlinks counted. */
static int check_dir(struct walk *w, const char *holding, bool strict)
{
	const char *dir = w->dlen ? w->done : "/";
	struct stat st;

	if (lstat(dir, &st) < 0)
		return -errno;
	if (check_stat(dir, &st, true, !strict, w->why, w->whylen) < 0) {
		w->bad = -EPERM;
		why_symlink(w, holding);
	}
	return 0;
}

/* A symlink at W->next, the rest of the path at REST (in W->todo): its
 * target takes its place in W->todo; the next name is looked up from
 * W->done again, or from "/". */
static int follow(struct walk *w, const struct stat *st, const char *rest)
{
	size_t rlen = strlen(rest);
	ssize_t len;

	/* In a sticky directory the symlink's owner can replace it; it is
	 * refused anywhere, as a file would be. */
	if (!owner_trusted(st->st_uid)) {
		snprintf(w->why, w->whylen, "symlink %s is owned by uid %u, not root", w->next, (unsigned)st->st_uid);
		w->bad = -EPERM;
		why_symlink(w, NULL);
	}
	if (++w->nlinks > FILECHECK_MAX_SYMLINKS)
		return -ELOOP;
	len = readlink(w->next, w->link, sizeof(w->link));
	if (len < 0)
		return -errno;
	if (len == 0)
		return -ENOENT; /* as the kernel has it */
	if ((size_t)len + 1 + rlen >= sizeof(w->todo))
		return -ENAMETOOLONG;
	/* REST is in TODO: move it first, then the target before it (a '/'
	 * between them only when there is a rest: "link/" must be a directory,
	 * "link" need not). */
	memmove(w->todo + len + (rlen ? 1 : 0), rest, rlen + 1);
	memcpy(w->todo, w->link, (size_t)len);
	if (rlen)
		w->todo[len] = '/';
	str_copy(w->via, w->next, sizeof(w->via));
	if (w->link[0] == '/') {
		w->dlen = 0;
		w->done[0] = '\0';
	}
	return 0;
}

/*
 * Resolve W->todo; ST is then the lstat of W->done, the object the path
 * names. 0, or -errno of a failed lookup. DIR_MODE: a missing name ends the
 * walk with 1 instead of -ENOENT, its directory checked as one that gets new
 * entries.
 */
static int walk(struct walk *w, struct stat *st, bool dir_mode)
{
	char *p = w->todo;
	int r;

	for (;;) {
		size_t n;
		char *rest;

		p += strspn(p, "/");
		if (!*p)
			break;
		n = strcspn(p, "/");
		rest = p + n;
		if (n == 1 && p[0] == '.') {
			p = rest;
			continue;
		}
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			/* DONE has no symlink: its parent is the one above it
			 * in the name, and was checked on the way down. */
			char *slash = strrchr(w->done, '/');
			if (slash) {
				*slash = '\0';
				w->dlen = (size_t)(slash - w->done);
			}
			p = rest;
			continue;
		}
		if (w->dlen + 1 + n >= sizeof(w->next))
			return -ENAMETOOLONG;
		memcpy(w->next, w->done, w->dlen);
		w->next[w->dlen] = '/';
		memcpy(w->next + w->dlen + 1, p, n);
		w->next[w->dlen + 1 + n] = '\0';
		if (lstat(w->next, st) < 0) {
			r = -errno;
			if (r == -ENOENT && dir_mode) {
				r = check_dir(w, NULL, true);
				return r < 0 ? r : 1;
			}
			return r;
		}
		r = check_dir(w, S_ISLNK(st->st_mode) ? w->next : NULL, false);
		if (r < 0)
			return r;
		if (S_ISLNK(st->st_mode)) {
			r = follow(w, st, rest);
			if (r < 0)
				return r;
			p = w->todo;
			continue;
		}
		if (*rest && !S_ISDIR(st->st_mode))
			return -ENOTDIR;
		memcpy(w->done, w->next, w->dlen + 1 + n + 1);
		w->dlen += 1 + n;
		p = rest;
	}
	/* A path that is all "/", "." and "..", or ends with "..": */
	if (lstat(w->dlen ? w->done : "/", st) < 0)
		return -errno;
	return 0;
}

static int check_path(const char *path, bool dir_mode, char *why, size_t whylen)
{
	_cleanup_free_ struct walk *w = xcalloc(1, sizeof(*w));
	const char *obj;
	struct stat st;
	int r;

	if (whylen)
		why[0] = '\0';
	w->why = why;
	w->whylen = whylen;
	if (!path[0])
		return -ENOENT;
	/* A relative path starts at the working directory, and every
	 * directory above it counts: walk it from "/" too. */
	if (path[0] == '/')
		r = snprintf(w->todo, sizeof(w->todo), "%s", path);
	else if (!getcwd(w->link, sizeof(w->link)))
		return -errno;
	else
		r = snprintf(w->todo, sizeof(w->todo), "%s/%s", w->link, path);
	if (r >= (int)sizeof(w->todo))
		return -ENAMETOOLONG;
	r = walk(w, &st, dir_mode);
	if (r < 0 && whylen)
		why[0] = '\0'; /* not a question of trust: using the path fails plainly */
	if (r != 0)
		return r < 0 ? r : w->bad;
	obj = w->dlen ? w->done : "/";
	if (dir_mode && !S_ISDIR(st.st_mode))
		r = -ENOTDIR;
	else
		r = check_stat(obj, &st, dir_mode, false, why, whylen);
	if (r == -EPERM)
		why_symlink(w, NULL);
	else if (r < 0 && whylen)
		why[0] = '\0';
	return r < 0 ? r : w->bad;
}

int filecheck_path(const char *path, char *why, size_t whylen)
{
	return check_path(path, false, why, whylen);
}

int filecheck_dir(const char *path, char *why, size_t whylen)
{
	return check_path(path, true, why, whylen);
}
