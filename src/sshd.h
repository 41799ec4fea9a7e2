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

/* "sshd -t -f CONFIG": 0 when sshd accepts it; else -EINVAL and sshd's
 * complaint in *WHY (malloc'ed), or another -errno if it could not run. */
int sshd_check_config(const char *exec, const char *config_path, char **why);

/* "sshd -T -f CONFIG": the TCP ports it will listen on (at most MAX into
 * PORTS). The count, or -errno (-EINVAL with sshd's complaint in *WHY).
 * Needs the host keys to exist (sshd_prepare). */
int sshd_listen_ports(const char *exec, const char *config_path, unsigned ports[], int max, char **why);

#endif
