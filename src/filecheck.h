/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OOBD_FILECHECK_H
#define OOBD_FILECHECK_H

#include <stddef.h>

/*
 * The files oobd trusts (its config, the sshd config and program, the
 * authorized keys) must be under root's control alone, as sshd's StrictModes
 * demands of what it reads: whoever can change one of them owns the oob path.
 *
 * The file (after resolving symlinks) must be a regular file owned by root
 * (or by the user running oobd) and not writable by its group or others;
 * every directory above it, up to /, must be owned by root (or that user)
 * and not writable by group or others, unless it has the sticky bit (like
 * /tmp: nobody else can then rename or remove the root-owned entry below).
 */

/* 0 when PATH is safe. -EPERM when it is not, with the reason in WHY
 * ("directory /etc/oobd is group-writable (mode 0775)", "... is not a
 * regular file" for a FIFO or device); another -errno when it could not be
 * checked (-ENOENT, -EACCES, ...) or is a directory (-EISDIR). */
int filecheck_path(const char *path, char *why, size_t whylen);

/* The rule, for messages. */
#define FILECHECK_RULE \
	"the file and every directory above it must be owned by root and not writable by group or others"

#endif
