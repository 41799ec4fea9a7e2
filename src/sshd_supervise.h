/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OOBD_SSHD_SUPERVISE_H
#define OOBD_SSHD_SUPERVISE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "addr.h"
#include "config.h"
#include "nl.h"
#include "service.h"
#include "sshd.h"

/*
 * The oob sshd is hard to configure into a lock-out. Before every start the
 * config to use is chosen: the configured one unless it has just failed;
 * else the last config that worked (a copy kept under /run/oobd) if "sshd
 * -T" accepts it (the same checks as "sshd -t"); else a built-in minimal
 * safe config (key-only, the oob authorized keys, port 22). The configured
 * one is checked by "sshd -T" only when the sockets it listens on cannot be
 * read from it (sshd_listen_from_config); otherwise sshd checks it itself
 * as it starts, one program start fewer, and an sshd that refuses it exits
 * at once, which marks it failed (sshd -T is then asked why, for the log).
 * After a start, a readiness probe connects
 * inside the namespace and waits for the SSH banner; a config whose sshd
 * exits with an error or shows no banner within SSHD_READY_TIMEOUT_MS is
 * marked failed and the next one is tried. A config that reached its banner
 * becomes the last-good one. Why the configured one was marked (sshd's
 * complaint, no banner, an error exit, oobd's reader's error) is kept in
 * refused, for status, until it runs again. Marks are cleared by a reload,
 * and when every choice has failed (so a transient problem heals). The configured file's
 * mark holds for the content it was given to: changed since (fixed by the
 * admin), it is asked about with "sshd -T" at the next start (a restart by
 * request, or after sshd died) and used if sshd accepts it.
 *
 * An address sshd is to bind that is still tentative (IPv6 duplicate
 * address detection, a second or two after it was added or its link came
 * up) cannot be bound yet: sshd would listen on the others only, or on none
 * and be judged failed. So a start waits, in BACKOFF, until the kernel says
 * the address is usable (or that DAD failed), at most SSHD_DAD_WAIT_MS.
 * Only specific IPv6 addresses are looked at, and not those the config
 * adds with nodad: a wildcard or IPv4 listener costs nothing more.
 *
 * A probe that never gets a connection through at all (no SYN-ACK, or a
 * refusal) while the sshd holds a socket listening on the address probed
 * is stopped by something between them, in practice a [firewall] file
 * that does not accept loopback; sshd did its part. Taking that for a
 * broken config would restart sshd every SSHD_READY_TIMEOUT_MS, between
 * the configured config and the fallbacks, for as long as the rules stay.
 * So at the deadline such an sshd is taken as ready, with a warning and a
 * status problem (probe_blocked); the probe is tried again after every
 * firewall update that changes the rules, and a banner clears the problem. A probe that connected
 * but read no banner still fails the config: that is sshd's doing.
 *
 * A listener runs the sshd program it was started from. When a package
 * upgrade replaces that file, sshd's own service is restarted by the
 * package; this one would go on with the old program, which executes the
 * new one (or, from OpenSSH 9.8 on, its new sshd-session) for each
 * connection: an old listener with new per-connection programs may refuse
 * every login, and a fix in the listener itself never arrives. So a file
 * put in place under the program's name (oobd watches its directory) is
 * looked at once nothing more has come for SERVICE_PROGRAM_SETTLE_MS (a
 * package puts several files in place; service_program_event): if it is
 * another file than the running listener's, the listener is started
 * again, with the usual choice of config, the old program's refusals
 * forgotten (a new program that refuses the configured one falls back as
 * any refusal does); established sessions stay. A start waiting in
 * backoff (the program was missing) is made then too.
 *
 * The program itself can be what is broken: a package removed by mistake,
 * an upgrade cut short, a binary truncated by a full disk, a mode changed
 * so that others can write it. Each time sshd answers its banner, the file
 * it runs (/proc/PID/exe: what answered, even if the name was replaced
 * since) is copied to SSHD_PROGRAM_COPY, once per program (its identity
 * kept in copied). A start whose configured program cannot run (missing,
 * not an executable file, others can change it), or that failed with every
 * config (sshd -T refused them all, as it does when the program cannot
 * start), runs the copy instead, with the usual choice of config; the
 * reason is kept in prog_why, for status. The program put back (a file
 * under its name, its watch) restarts sshd with it; a reload forgets that
 * it failed. The copy is on /run: a boot starts without one. From OpenSSH
 * 9.8 on, sshd runs a second program for each connection (sshd-session) by
 * its own path: the copy does not stand in for that one.
 *
 * What this cannot catch: a config sshd accepts and that answers, but lets
 * nobody in for a reason oobd cannot read (an authorized_keys file that
 * holds the wrong key, an AllowUsers pattern for a host). The banner proves
 * the listener, not the login; what oobd can tell is whether the files the
 * config names hold a key sshd can read (sshd_login_check: a warning at
 * ready, a status problem), and whether sshd refuses root whatever the key
 * (its password locked, its shell gone, AllowUsers without it).
 */

#define SSHD_READY_TIMEOUT_MS 5000
#define SSHD_PROBE_RETRY_MS 25
/* A probe's connection not made by then (a firewall that drops it) gives
 * way to a try of the next address sshd listens on. */
#define SSHD_PROBE_TRY_MS 250
#define SSHD_LAST_GOOD_PATH OOBD_RUN_DIR "/sshd_config.last-good"
#define SSHD_BUILTIN_PATH OOBD_RUN_DIR "/sshd_config.builtin"
#define SSHD_BUILTIN_HOSTKEY OOBD_RUN_DIR "/ssh_host_ed25519_key"
#define SSHD_PROGRAM_COPY OOBD_RUN_DIR "/sshd.last-good"
#define SSHD_MAX_LISTEN 16
#define SSHD_DAD_WAIT_MS 10000
#define SSHD_REFUSED_MAX 256

enum sshd_source { SSHD_CONFIGURED, SSHD_LAST_GOOD, SSHD_BUILTIN_CONF, SSHD__SOURCES };
const char *sshd_source_name(enum sshd_source src);

struct sshd_sup {
	struct service svc;
	char *exec;                  /* from the config */
	char *config;                /* the configured file */
	enum sshd_source source;     /* of the running (or last started) sshd */
	bool failed[SSHD__SOURCES];
	unsigned long long conf_hash; /* the configured file's sshd_config_hash() at the last
	                               * choice (0: unreadable), what a mark of it is for */
	char refused[SSHD_REFUSED_MAX]; /* why the configured file was last marked failed, one line
	                               * ("FILE:LINE: what" where sshd names a line); "" once it ran since */
	bool ready;
	bool probe_blocked;          /* ready because it listens: the probe never got through */
	bool restart_pending;        /* stopped to be started again at once */
	bool unchecked;              /* started without sshd -T: sshd checks its config itself */
	bool untrusted;              /* others can change a file of the configured one: not run */
	const char *prog;            /* the program of this start: exec, or SSHD_PROGRAM_COPY */
	char prog_why[SSHD_REFUSED_MAX]; /* why the copy runs; "" while the configured one does */
	struct stat prog_failed;     /* the configured program that failed (st_ino 0: none) ... */
	char prog_failed_why[SSHD_REFUSED_MAX]; /* ... and how */
	struct stat copied;          /* the program the copy was taken from (st_ino 0: none yet) */
	long long ready_ms;
	struct sshd_listen listen[SSHD_MAX_LISTEN];
	int n_listen;
	/* readiness probe */
	int epfd;
	int probe_fd;
	long long probe_deadline, probe_retry_at;
	struct sshd_listen probe_to; /* the address probed (the wildcard, not the loopback used) */
	int probe_next;              /* the listen entry the next try probes (each try takes the next) */
	bool probe_connected;        /* some connection of this start's probe got through */
	char banner[8];
	size_t banner_len;
	/* waiting for duplicate address detection before a start */
	struct ipaddr *nodad;        /* IPv6 addresses the config adds with nodad: never tentative */
	size_t n_nodad;
	struct nl dad_mon;           /* IPv6 address events, open only while waiting */
	long long dad_until;         /* start anyway at; 0: not waiting */
	struct ipaddr dad_addr;      /* the address waited for */
};

void sshd_sup_init(struct sshd_sup *s, const struct config *c, int epfd);
void sshd_sup_free(struct sshd_sup *s);

/* The config changed (reload): take its sshd settings, forget failures. */
void sshd_sup_update(struct sshd_sup *s, const struct config *c);

/* Choose a config and start sshd in the namespace; begin probing. NL (a
 * socket in the namespace) tells whether an address it is to bind is
 * still tentative: then the start waits (sshd_sup_addr_event). */
void sshd_sup_start(struct sshd_sup *s, const char *netns, int nsfd, struct nl *nl);

/* The address monitor's fd (-1 while not waiting) became readable: true
 * when the address waited for is usable now (or DAD failed, or it went):
 * sshd should be started now. */
bool sshd_sup_addr_event(struct sshd_sup *s);

/* Stop sshd for good (oobd stops, the path goes down): no restart, no
 * wait for an address. */
void sshd_sup_stop(struct sshd_sup *s);

/* Would sshd_sup_start() start the configured config, and does that config
 * say plainly that sshd listens on wildcard addresses only (0.0.0.0, ::)?
 * Such an sshd binds nothing that needs the NIC or its addresses, so it may
 * start before they are there. */
bool sshd_sup_wildcards_only(const struct sshd_sup *s);

/* The file the running sshd was started with. */
const char *sshd_sup_config_path(const struct sshd_sup *s);

/* The namespace's firewall changed: if the probe was blocked, probe
 * again (a banner now clears probe_blocked). */
void sshd_sup_recheck(struct sshd_sup *s, int nsfd);

/* The probe's fd became ready. */
void sshd_sup_probe_event(struct sshd_sup *s, uint32_t events, int nsfd);

/* The earliest deadline (0: none). */
long long sshd_sup_deadline(const struct sshd_sup *s);

/* Deadlines passed: returns true when sshd should be started now. */
bool sshd_sup_tick(struct sshd_sup *s, long long now, int nsfd);

/* A child exited: true if it was sshd; *START_NOW when it should be
 * started again at once (a stop for a restart completed). */
bool sshd_sup_reaped(struct sshd_sup *s, pid_t pid, int status, bool *start_now);

/* Stop and start again (a changed config); sessions stay. */
void sshd_sup_restart(struct sshd_sup *s);

#endif
