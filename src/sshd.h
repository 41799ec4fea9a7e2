/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OOBD_SSHD_H
#define OOBD_SSHD_H

#include "config.h"

/* The oob sshd: what it needs before it can start, and its command line. */

#define OOBD_RUN_DIR "/run/oobd"
#define OOBD_SSHD_PIDFILE OOBD_RUN_DIR "/sshd.pid"
#define SSHD_PRIVSEP_DIR "/run/sshd"

/* Create /run/sshd if missing and generate the host keys the sshd config
 * names (or sshd's defaults) that do not exist yet. 0 or -errno; what
 * failed is logged. */
int sshd_prepare(const struct sshd_cfg *cfg);

/* "sshd -D -e -f CONFIG -o PidFile=..." as a NULL-terminated malloc'ed argv. */
char **sshd_argv(const struct sshd_cfg *cfg);

/* The HostKey paths of an sshd config file (top level, before any Match);
 * sshd's defaults when it names none. Returns the count, or -errno. */
int sshd_hostkeys(const char *config_path, char ***out);

#endif
