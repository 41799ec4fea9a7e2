/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OOBD_FILECHECK_H
#define OOBD_FILECHECK_H

#include <stddef.h>

/*
 * The files oobd trusts (its config, the sshd config and program, the
 * authorized keys) must be under root's control alone, as sshd's StrictModes
 * demands of what it reads: whoever can change one of them owns the oob path.
 *
 * The path is looked up one name at a time, as the kernel does, symlinks
 * followed (at most 40, as the kernel): every directory a name is looked up
 * in (those on the way to a symlink, the one holding it, those on the way to
 * its target, and the working directory's for a relative path) must be owned
 * by root (or by the user running oobd) and not writable by group or others,
 * unless it has the sticky bit (like /tmp: nobody else can then rename or
 * remove the root-owned entry below); every symlink followed must be owned
 * by root (or that user: in a sticky directory its owner could replace it);
 * the file it ends at must be a regular file owned by root (or that user)
 * and not writable by its group or others. Checking only the resolved path
 * is not enough: oobd and sshd open the path as named, through whatever the
 * symlinks then say.
 */

/* 0 when PATH is safe. -EPERM when it is not, with the reason in WHY
 * ("directory /etc/oobd is group-writable (mode 0775)", "... is not a
 * regular file" for a FIFO or device; reached through a symlink, WHY adds
 * "; the path goes through the symlink L in it" for the directory holding
 * it, "; the path reaches it through the symlink L" past it). When more
 * than one thing is wrong, the file's problem is told, else the one found
 * last on the way (for a path without symlinks, the directory nearest the
 * file). Another -errno when it could not be checked (-ENOENT, -EACCES,
 * -ELOOP, ...) or is a directory (-EISDIR); WHY is then "". */
int filecheck_path(const char *path, char *why, size_t whylen);

/* The same for a directory where a new file would count (one an sshd
 * Include pattern looks in): every directory on the way as above, and the
 * directory itself owned by root and not writable by group or others,
 * sticky or not (anyone may add an entry to /tmp). A directory that does not
 * exist (yet) is safe when the one it would be made in is, checked as the
 * same: 0 or -EPERM then, not -ENOENT. -ENOTDIR when PATH is not one. */
int filecheck_dir(const char *path, char *why, size_t whylen);

/* The rules, for messages. */
#define FILECHECK_RULE \
	"the file and every directory above it must be owned by root and not writable by group or others"
#define FILECHECK_DIR_RULE \
	"the directory and every directory above it must be owned by root and not writable by group or others"

#endif
