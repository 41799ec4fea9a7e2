/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * An authorized keys file read as sshd reads it (OpenSSH's
 * auth_check_authkey_line and sshauthopt_parse): each line's options, its
 * key type, the base64 blob and the fields of the blob, so that oobd can
 * say when a file that is not empty gives sshd no key, and why.
 */
#ifndef OOBD_AUTHKEYS_H
#define OOBD_AUTHKEYS_H

#include <stdbool.h>
#include <stddef.h>

/* What sshd makes of a byte-order mark first in a file it reads. */
#define SSHD_BOM_WHY                                                                                            \
	"the file starts with a byte-order mark, which sshd reads as part of the first line: save the file as UTF-8 " \
	"without BOM"

/* What the authorized keys file at PATH gives sshd: 1 when it holds a key
 * sshd takes (an ssh-dss one only with DSS, when the config accepts that
 * algorithm), else 0 with WHAT (LEN bytes) saying what it holds instead,
 * naming the first line at fault ("holds no key", "holds no key sshd
 * takes (line 3: option 'no-ptyx' is not one sshd knows)"); -errno when
 * it cannot be read. A line sshd takes or refuses depending on the
 * connection (from=, a certificate authority) counts as a key. */
int authkeys_file(const char *path, bool dss, char *what, size_t len);

#endif
