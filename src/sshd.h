/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OOBD_SSHD_H
#define OOBD_SSHD_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "addr.h"
#include "config.h"

/* The oob sshd: what it needs before it can start, and its command line. */

#define OOBD_RUN_DIR "/run/oobd"
#define OOBD_SSHD_PIDFILE OOBD_RUN_DIR "/sshd.pid"
/* sshd's privilege separation directory (compiled into Debian's sshd),
 * as its parent and its name there: oobd watches the parent for its
 * removal. */
#define SSHD_PRIVSEP_PARENT "/run"
#define SSHD_PRIVSEP_NAME "sshd"
#define SSHD_PRIVSEP_DIR SSHD_PRIVSEP_PARENT "/" SSHD_PRIVSEP_NAME

/* Make sure SSHD_PRIVSEP_DIR is there: 1 when it was created now (root's,
 * 0755, empty), 0 when it was there, -errno when it is missing and cannot
 * be made (or is not a directory: -ENOTDIR). Logs nothing. */
int sshd_privsep_dir(void);

/* How long ssh-keygen may take for one key. */
#define SSHD_KEYGEN_TIMEOUT_MS 60000
/* TimeoutStartSec= of the shipped unit (systemd/oobd.service.in): what a
 * start-up is given besides the host keys it generates. */
#define OOBD_START_TIMEOUT_MS 60000

/* Generate host key PATH (its type from its name, as sshd's defaults are
 * named; ed25519 otherwise) with COMMENT, within SSHD_KEYGEN_TIMEOUT_MS.
 * 0 or -errno; a failure is logged. */
int sshd_keygen(const char *path, const char *comment);

/* Create /run/sshd if missing and generate the host keys the sshd config
 * names (or sshd's defaults) that do not exist yet, unless others than
 * root can change a file of it (sshd_config_untrusted: -EPERM, and no key
 * is made). 0 or -errno; what failed is logged (but not the -EPERM: the
 * supervisor says why it does not run that config). */
int sshd_prepare(const char *config_path);

/* "oobd -t"'s check of the sshd config: "EXEC -t", its complaints into ERRS
 * as FILE:LINE: lines (WHERE: prefixes the ones without a line), host keys
 * that oobd would generate at start stood in for by a throw-away key.
 * 1 when sshd rejects the config, else 0. */
int sshd_config_test(const char *exec, const char *config_path, const char *where, FILE *errs);

/* "EXEC -D -e -f CONFIG -o PidFile=..." as a NULL-terminated malloc'ed argv. */
char **sshd_argv(const char *exec, const char *config_path);

/* The words after KEYWORD on every line of an sshd config (Include
 * followed) that is not under a Match. A NULL-terminated malloc'ed vector
 * (strv_free); the count, or -errno. */
int sshd_config_values(const char *config_path, const char *keyword, char ***out);
/* The HostKey paths, or sshd's defaults when it names none. */
int sshd_hostkeys(const char *config_path, char ***out);
/* What keeps every login out of sshd under the config at CONFIG_PATH, as
 * far as oobd can tell; the banner proves the listener, this that it has a
 * way in. KEYS (KLEN bytes): why no key can log in, when no file named by
 * AuthorizedKeysFile or TrustedUserCAKeys (on any line some connection
 * could take) holds one, naming each file and why ("FILE holds no key",
 * "FILE: No such file or directory"). ROOT (RLEN bytes): why sshd refuses
 * root whatever the key, when the config lets root in at all (its shell
 * missing or not executable; without PAM, its password locked or its
 * account expired; DenyUsers or DenyGroups naming it, AllowUsers or
 * AllowGroups not). Each "" when nothing is in the way, or oobd cannot
 * tell (a per-user keys path, sshd's default, an AuthorizedKeysCommand; a
 * config or account file it cannot read). */
void sshd_login_check(const char *config_path, char *keys, size_t klen, char *root, size_t rlen);
/* The fingerprint of what sshd reads from an sshd config, included files
 * and all (sshd_conf_hash); 0, and OK (if given) false, when some file
 * cannot be read. */
unsigned long long sshd_config_hash(const char *config_path, bool *ok);

/*
 * What of an sshd config only root must be able to change (filecheck.h):
 * the config and the files it includes, the directories its Include
 * patterns look in, and the files that decide who logs in, who the server
 * is or what a login runs as root, named by absolute path, under a Match
 * too (AuthorizedKeysFile and AuthorizedPrincipalsFile unless per user,
 * TrustedUserCAKeys, RevokedKeys, HostKey, ModuliFile, the programs of
 * Subsystem and ForceCommand; a host key not made yet: its directory).
 * Whoever can change one of them owns the oob path.
 */
struct sshd_conf_file;
enum sshd_trust_kind {
	SSHD_TRUST_CONFIG,           /* the config itself */
	SSHD_TRUST_INCLUDED,         /* a file it includes */
	SSHD_TRUST_INCLUDE_DIR,      /* a directory an Include pattern looks in */
	SSHD_TRUST_NAMED,            /* a file (or directory) KEYWORD names */
};
struct sshd_untrusted {
	enum sshd_trust_kind kind;
	const char *what;            /* "sshd config", "authorized keys", ... */
	const char *keyword;         /* SSHD_TRUST_NAMED: the keyword naming it */
	const char *path;
	const char *why;             /* filecheck's reason */
	const char *rule;            /* FILECHECK_RULE or FILECHECK_DIR_RULE */
};
typedef void (*sshd_untrusted_fn)(void *arg, const struct sshd_untrusted *u);
/* FN for each of CONF's files and directories that others than root can
 * change, in the order above; their count (0: it can be trusted). One
 * that is missing or cannot be looked at is left to whoever opens it. */
int sshd_conf_untrusted(const struct sshd_conf_file *conf, sshd_untrusted_fn fn, void *arg);

/* Whether sshd config CONF cannot be trusted, the first reason ("unsafe
 * WHAT (KEYWORD): WHY") then in WHY (may be NULL). ONLY_OWN: only the
 * config's own files and directories count (whether what it says can be
 * trusted). */
bool sshd_conf_first_untrusted(const struct sshd_conf_file *conf, bool only_own, char *why, size_t len);
/* The same for the config at PATH: 1 when it cannot be trusted, 0 when it
 * can, -errno when it cannot be read. */
int sshd_config_untrusted(const char *path, bool only_own, char *why, size_t len);

struct sshd_listen {
	struct ipaddr addr;          /* 0.0.0.0 or :: for the wildcard; family 0 for a host name */
	unsigned port;
};
#define SSHD_QUERY_MAX 64
/*
 * "sshd -T -f CONFIG": checks the config as "sshd -t" does (host keys
 * included) and tells the sockets it will listen on (at most MAX into OUT,
 * which may be NULL). The count, or -EINVAL with sshd's complaint in *WHY
 * (malloc'ed), or another -errno if it could not run. A successful answer
 * is reused while the file's content stays the same.
 */
int sshd_query(const char *exec, const char *config_path, struct sshd_listen *out, int max, char **why);

/* How long one run of "sshd -t" or "sshd -T" may take before it is killed
 * and counts as failed. */
#define SSHD_T_TIMEOUT_MS 10000

/* Does sshd EXEC take OPTION ("Keyword=value"), i.e. does "sshd -t" of an
 * empty config with it and HOSTKEY pass? The answer is kept for that
 * program file (the last one asked about). */
bool sshd_takes_option(const char *exec, const char *hostkey, const char *option);

/* sshd's complaint WHY (what it wrote, lines; NULL for none) as one line
 * into BUF (SIZE, cut to fit): its first line that names a line of a
 * config, as FILE:N: what ("FILE: line N: Bad configuration option: Foo"),
 * else the last line it wrote ("sshd: no hostkeys available -- exiting."). */
void sshd_why_line(const char *why, char *buf, size_t size);

/*
 * The sockets sshd will listen on, read from the config itself (Include
 * followed) where that is certain: numeric Port words, ListenAddress words
 * that are addresses (with or without a port), AddressFamily. What sshd
 * would answer for a config it accepts; whether it accepts it is not
 * judged. The count (at most MAX into OUT); 0 when the config leaves it to
 * sshd (a host name, a service name, an rdomain); -errno when a file
 * cannot be read.
 */
int sshd_listen_from_config(const char *config_path, struct sshd_listen *out, int max);

/* Ask sshd_query()'s question now, in the background, unless its answer is
 * known: start-up asks it while the kernel moves the NIC. */
void sshd_query_begin(const char *exec, const char *config_path);
/* Collect every answer asked ahead and not used yet (into the cache); to
 * be called before going back to the event loop. */
void sshd_query_settle(void);

/*
 * Does process PID hold a TCP socket listening on L's port, at L's address
 * or at the wildcard of L's family (any address for a host name)? Read from
 * /proc/PID/net/tcp{,6} (the sockets of PID's network namespace) and the
 * socket inodes among /proc/PID/fd. 1, 0, or -errno.
 */
int sshd_pid_listens(pid_t pid, const struct sshd_listen *l);

#endif
