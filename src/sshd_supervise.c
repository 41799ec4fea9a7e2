/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sshd_supervise.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "filecheck.h"
#include "ifaddr.h"
#include "log.h"
#include "netns.h"
#include "sshd_config.h"
#include "strbuf.h"
#include "util.h"

static const char *const source_names[SSHD__SOURCES] = {
	[SSHD_CONFIGURED] = "configured",
	[SSHD_LAST_GOOD] = "last-good",
	[SSHD_BUILTIN_CONF] = "built-in",
};

const char *sshd_source_name(enum sshd_source src)
{
	return src < SSHD__SOURCES ? source_names[src] : "?";
}

/* The IPv6 addresses the config adds with nodad: never tentative, so a
 * listener on one of them need not look (dad_wait). */
static void nodad_take(struct sshd_sup *s, const struct config *c)
{
	free(s->nodad);
	s->nodad = NULL;
	s->n_nodad = 0;
	for (size_t i = 0; i < c->iface.n_addrs; i++) {
		if (!c->iface.addrs[i].nodad || c->iface.addrs[i].pfx.addr.family != AF_INET6)
			continue;
		s->nodad = xrealloc(s->nodad, s->n_nodad + 1, sizeof(*s->nodad));
		s->nodad[s->n_nodad++] = c->iface.addrs[i].pfx.addr;
	}
}

void sshd_sup_init(struct sshd_sup *s, const struct config *c, int epfd)
{
	memset(s, 0, sizeof(*s));
	s->epfd = epfd;
	s->probe_fd = -1;
	s->exec = xstrdup(c->sshd.exec);
	s->config = xstrdup(c->sshd.config);
	s->prog = s->exec;
	nodad_take(s, c);
	service_init(&s->svc, "sshd", NULL, c->sshd.backoff.max_ms, c->sshd.backoff.reset_ms);
}

static void probe_close(struct sshd_sup *s)
{
	if (s->probe_fd >= 0) {
		epoll_ctl(s->epfd, EPOLL_CTL_DEL, s->probe_fd, NULL);
		close(s->probe_fd);
	}
	s->probe_fd = -1;
	s->probe_retry_at = 0;
	s->banner_len = 0;
}

/* No longer waiting for an address: the monitor goes (it costs a wake-up
 * per IPv6 address event while it is open). */
static void dad_end(struct sshd_sup *s)
{
	if (s->dad_mon.sock) {
		epoll_ctl(s->epfd, EPOLL_CTL_DEL, nl_fd(&s->dad_mon), NULL);
		nl_close(&s->dad_mon);
	}
	s->dad_until = 0;
}

void sshd_sup_free(struct sshd_sup *s)
{
	probe_close(s);
	dad_end(s);
	free(s->nodad);
	s->nodad = NULL;
	s->n_nodad = 0;
	service_free(&s->svc);
	free(s->exec);
	free(s->config);
	s->exec = s->config = NULL;
}

void sshd_sup_update(struct sshd_sup *s, const struct config *c)
{
	free(s->exec);
	free(s->config);
	s->exec = xstrdup(c->sshd.exec);
	s->config = xstrdup(c->sshd.config);
	s->prog = s->prog_why[0] ? SSHD_PROGRAM_COPY : s->exec;
	service_set_backoff(&s->svc, c->sshd.backoff.max_ms, c->sshd.backoff.reset_ms);
	nodad_take(s, c);
	memset(s->failed, 0, sizeof(s->failed));
	memset(&s->prog_failed, 0, sizeof(s->prog_failed));
}

const char *sshd_sup_config_path(const struct sshd_sup *s)
{
	switch (s->source) {
	case SSHD_LAST_GOOD:
		return SSHD_LAST_GOOD_PATH;
	case SSHD_BUILTIN_CONF:
		return SSHD_BUILTIN_PATH;
	default:
		return s->config;
	}
}

/* WORD as sshd reads it back: in double quotes, its quotes and backslashes
 * escaped, when it holds a blank, a quote or a backslash, or would start a
 * comment. */
static void sb_word(struct strbuf *sb, const char *w)
{
	if (*w && *w != '#' && !strpbrk(w, " \t\"'\\")) {
		sb_puts(sb, w);
		return;
	}
	sb_puts(sb, "\"");
	for (; *w; w++) {
		if (*w == '"' || *w == '\\')
			sb_puts(sb, "\\");
		sb_add(sb, w, 1);
	}
	sb_puts(sb, "\"");
}

/*
 * The certificate lines of the configured config CONF, into the built-in
 * one: TrustedUserCAKeys, AuthorizedPrincipalsFile and RevokedKeys, the first
 * line of each outside a Match, as sshd takes them. Each only when the file
 * it names exists and is safe (filecheck_path, as for oobd's other inputs):
 * sshd trusts whatever an unsafe CA file says, and refuses every key when
 * its RevokedKeys cannot be read; a fallback must not fail by the line that
 * may have broken the configured config. What is left out is logged, with
 * what that means. An AuthorizedPrincipalsFile with %-tokens or relative to
 * the home directory is per user: it is carried as it is, sshd expands it
 * and StrictModes checks it at login.
 */
static void builtin_certs(struct strbuf *sb, const struct sshd_conf_file *conf)
{
	static const char *const keywords[] = { "TrustedUserCAKeys", "AuthorizedPrincipalsFile", "RevokedKeys" };
	static const char *const without[] = {
		"certificates are not accepted",
		"a certificate must name the user among its principals",
		"the keys it revokes are not refused",
	};

	for (size_t k = 0; k < ARRAY_SIZE(keywords); k++) {
		const struct sshd_conf_file *in = NULL;
		const struct sshd_conf_line *l = sshd_conf_first(conf, keywords[k], &in);
		const char *v = l && l->nargs > 0 ? l->args[0] : NULL;
		char why[PATH_MAX + 128];
		int r = 0;

		if (!l || (v && strcasecmp(v, "none") == 0))
			continue; /* sshd's default: nothing to carry */
		if (!v) {
			snprintf(why, sizeof(why), "it names no file");
			r = -EINVAL;
		} else if (k == 1 && (v[0] != '/' || strchr(v, '%'))) {
			r = 0; /* per user */
		} else if (v[0] != '/') {
			snprintf(why, sizeof(why), "not an absolute path (oobd cannot check it)");
			r = -EINVAL;
		} else {
			r = filecheck_path(v, why, sizeof(why));
			if (r < 0 && r != -EPERM)
				snprintf(why, sizeof(why), "%s: %s", v, strerror(-r));
		}
		if (r < 0) {
			log_warn("%s:%d: %s left out of the built-in sshd config (%s): %s", in->path, l->lineno,
				 keywords[k], without[k], why);
			continue;
		}
		sb_printf(sb, "%s ", keywords[k]);
		sb_word(sb, v);
		sb_puts(sb, "\n");
	}
}

/*
 * The built-in config: port 22 and the ports of the configured file, key-only,
 * root by key or certificate, the host keys and authorized keys of the
 * configured file where they can be read (plus /etc/oobd/authorized_keys), its
 * certificate settings where their files are safe (builtin_certs), no PAM, no
 * forwarding.
 */
static int builtin_write(struct sshd_sup *s, bool may_ask)
{
	char **keys = NULL, **akf = NULL;
	struct sshd_conf_file *conf = NULL;
	struct strbuf sb;
	int r;

	sb_init(&sb);
	sb_puts(&sb, "# Built-in fallback of oobd: the configured sshd config failed.\n"
				     "Port 22\nPermitRootLogin prohibit-password\nPubkeyAuthentication yes\n"
				     "PasswordAuthentication no\nKbdInteractiveAuthentication no\n"
				     "AuthenticationMethods publickey\nUsePAM no\nStrictModes yes\nUseDNS no\n"
				     "X11Forwarding no\nAllowAgentForwarding no\nAllowTcpForwarding no\n"
				     "AllowStreamLocalForwarding no\nDisableForwarding yes\n"
				     "PermitTunnel no\nPermitUserEnvironment no\n"
				     /* not root's ~/.ssh/rc (the main sshd's world); and
				      * sftp without a shell, for the day root's startup
				      * files are what is broken */
				     "PermitUserRC no\nSubsystem sftp internal-sftp\n"
				     /* what unauthenticated connections may hold: as the
				      * shipped config, against a host of the management
				      * LAN that opens many and says nothing */
				     "LoginGraceTime 30\nMaxAuthTries 3\nMaxStartups 10:30:60\n");
	/* The configured ports too (wildcard addresses): a firewall file that
	 * lets in only the admin's port must not shut the fallback out. The
	 * built-in ruleset lets them all in already. A port sshd cannot bind
	 * is skipped by sshd as long as another one binds, and a Port that
	 * names a service is left out (sshd -T would be needed to read it). */
	{
		struct sshd_listen l[SSHD_MAX_LISTEN];
		unsigned done[SSHD_MAX_LISTEN + 1] = { 22 };
		int n = sshd_listen_from_config(s->config, l, SSHD_MAX_LISTEN), nd = 1;

		for (int k = 0; k < n; k++) {
			bool dup = false;
			for (int j = 0; j < nd; j++)
				dup = dup || done[j] == l[k].port;
			if (!dup) {
				done[nd++] = l[k].port;
				sb_printf(&sb, "Port %u\n", l[k].port);
			}
		}
	}
	/* An unreadable config names nothing: the defaults below serve. Nor
	 * does one whose own files others can change: what it says may be
	 * theirs (a host key they know, keys of theirs to let in). */
	if (sshd_conf_load(s->config, NULL, &conf, NULL, 0) == 0 && sshd_conf_first_untrusted(conf, true, NULL, 0)) {
		log_warn("the built-in sshd config takes only the ports of %s, whose files others can change", s->config);
		sshd_conf_free(conf);
		conf = NULL;
	}
	if (conf) {
		sshd_conf_values(conf, "HostKey", false, &keys);
		sshd_conf_values(conf, "AuthorizedKeysFile", true, &akf); /* sshd takes the first */
	}
	/* Paths as sshd reads them back (sb_word): one with a blank, quoted
	 * in the configured file, would otherwise be two words here. A host
	 * key others can change (or whose directory they can) is left out:
	 * sshd checks only that one of root's is not readable by others. */
	for (int i = 0; keys && keys[i]; i++) {
		char why[PATH_MAX + 64];
		if (access(keys[i], R_OK) == 0 && filecheck_path(keys[i], why, sizeof(why)) == 0) {
			sb_puts(&sb, "HostKey ");
			sb_word(&sb, keys[i]);
			sb_puts(&sb, "\n");
		}
	}
	/* Always its own key too, after the configured ones (sshd serves the
	 * first key of each type, so the fingerprint the admin knows stays):
	 * a configured key that exists but that sshd refuses (mode 0644, empty,
	 * corrupt) is ignored by sshd, and this one still lets it start. A
	 * fallback that depends on the very key that broke the configured
	 * config would fail the same way. */
	if (access(SSHD_BUILTIN_HOSTKEY, R_OK) != 0)
		sshd_keygen(SSHD_BUILTIN_HOSTKEY, "oobd built-in host key"); /* ed25519, from its name */
	sb_printf(&sb, "HostKey %s\n", SSHD_BUILTIN_HOSTKEY);
	/* Only where this sshd takes it (OpenSSH 8.5 on): the built-in config
	 * must not fail for an option. Not asked (left out) when the program
	 * has used up so much of the time of this start's choice that another
	 * whole run does not fit: one that hangs would hold the event loop for
	 * its 10 s once more. */
	if (may_ask && sshd_takes_option(s->prog, SSHD_BUILTIN_HOSTKEY, "PerSourceMaxStartups=3"))
		sb_puts(&sb, "PerSourceMaxStartups 3\n");
	sb_puts(&sb, "AuthorizedKeysFile");
	for (int i = 0; akf && akf[i]; i++) {
		if (strcmp(akf[i], "/etc/oobd/authorized_keys") != 0) {
			sb_puts(&sb, " ");
			sb_word(&sb, akf[i]);
		}
	}
	sb_puts(&sb, " /etc/oobd/authorized_keys\n");
	if (conf)
		builtin_certs(&sb, conf);
	sshd_conf_free(conf);
	r = write_file_atomic(SSHD_BUILTIN_PATH, sb.buf, sb.len, 0600);
	if (r < 0)
		log_err("writing %s: %s", SSHD_BUILTIN_PATH, strerror(-r));
	strv_free(keys);
	strv_free(akf);
	sb_free(&sb);
	return r;
}

/* Why the configured file is marked failed, for status: one line of
 * printable characters, cut (ending in "...") to fit. */
static void set_refused(struct sshd_sup *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_refused(struct sshd_sup *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(s->refused, sizeof(s->refused), fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(s->refused))
		memcpy(s->refused + sizeof(s->refused) - 4, "...", 4);
	for (char *c = s->refused; *c; c++)
		if ((unsigned char)*c < ' ' || *c == 0x7f)
			*c = ' ';
}

/* Log why sshd -T refuses PATH of source SRC (WHY: its complaint); for the
 * configured file, keep it for status too. */
static void log_rejected(struct sshd_sup *s, enum sshd_source src, const char *path, char *why, int r)
{
	if (src == SSHD_CONFIGURED) {
		char line[SSHD_REFUSED_MAX];
		sshd_why_line(why, line, sizeof(line));
		if (line[0])
			set_refused(s, "%s", line);
		else
			set_refused(s, "sshd -T %s failed: %s", path, why ? "without saying why" : strerror(-r));
	}
	if (why)
		for (char *nl = why; (nl = strchr(nl, '\n'));)
			*nl = ' ';
	log_err("sshd -T rejects the %s sshd config %s: %s", source_names[src], path, why ? why : strerror(-r));
}

/* The same file, unchanged: a program put in place anew is another. */
static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_ino && a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* Whether the configured program cannot be run at this start, and why
 * (WHY, LEN bytes). */
static bool program_unusable(const struct sshd_sup *s, char *why, size_t len)
{
	char w[PATH_MAX + 128];
	struct stat st;

	if (stat(s->exec, &st) < 0)
		snprintf(why, len, "%s: %s", s->exec, strerror(errno));
	else if (!S_ISREG(st.st_mode) || access(s->exec, X_OK) < 0)
		snprintf(why, len, "%s is not an executable file", s->exec);
	else if (filecheck_path(s->exec, w, sizeof(w)) == -EPERM)
		snprintf(why, len, "unsafe sshd program: %s", w);
	else if (same_file(&st, &s->prog_failed))
		snprintf(why, len, "%s", s->prog_failed_why);
	else
		return false;
	return true;
}

/* Is there a copy of a program that answered, that only root can change? */
static bool copy_usable(void)
{
	char why[PATH_MAX + 128];
	struct stat st;

	return stat(SSHD_PROGRAM_COPY, &st) == 0 && S_ISREG(st.st_mode) &&
	       filecheck_path(SSHD_PROGRAM_COPY, why, sizeof(why)) == 0;
}

/* The program of this start: the configured one, unless it cannot run and
 * a copy of the last one that answered can (sshd_supervise.h). */
static void choose_program(struct sshd_sup *s)
{
	char why[PATH_MAX + 256];
	bool was_copy = s->prog_why[0];

	if (!program_unusable(s, why, sizeof(why)) || !copy_usable()) {
		if (was_copy)
			log_notice("starting sshd from its program %s again", s->exec);
		s->prog_why[0] = '\0';
		s->prog = s->exec;
		return;
	}
	if (!was_copy || strncmp(why, s->prog_why, sizeof(s->prog_why) - 1) != 0)
		log_err("starting sshd from the last-good copy %s of its program: %s", SSHD_PROGRAM_COPY, why);
	str_copy(s->prog_why, why, sizeof(s->prog_why));
	s->prog = SSHD_PROGRAM_COPY;
}

/* The configured program failed (WHY: an exec that failed, every config
 * refused): the copy runs from the next choice on, until another file is
 * put in place under its name, a reload, or a start of it that answers.
 * Not when the copy was taken from this very file: it would fail the same
 * way, and what failed was something else (a passing shortage). */
static void program_failed(struct sshd_sup *s, const char *why)
{
	struct stat st;

	if (s->prog_why[0] || stat(s->exec, &st) < 0 || same_file(&st, &s->copied))
		return;
	s->prog_failed = st;
	str_copy(s->prog_failed_why, why, sizeof(s->prog_failed_why));
}

/* sshd answered: keep a copy of what runs (sshd_supervise.h). */
static void program_keep(struct sshd_sup *s)
{
	char exe[64];
	struct stat st;
	int fd, r;

	if (s->prog_why[0])
		return;
	memset(&s->prog_failed, 0, sizeof(s->prog_failed)); /* it answered */
	snprintf(exe, sizeof(exe), "/proc/%d/exe", (int)s->svc.pid);
	fd = open(exe, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		log_warn("keeping a copy of the sshd program: %s: %s", exe, strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	if (same_file(&st, &s->copied) && access(SSHD_PROGRAM_COPY, F_OK) == 0) {
		close(fd);
		return;
	}
	r = copy_file_atomic(fd, SSHD_PROGRAM_COPY, 0700);
	close(fd);
	if (r < 0) {
		log_warn("keeping a copy of the sshd program as %s: %s", SSHD_PROGRAM_COPY, strerror(-r));
		return;
	}
	s->copied = st;
	log_info("kept a copy of the sshd program %s as %s, for a start that cannot run it", s->exec,
		 SSHD_PROGRAM_COPY);
}

/*
 * The configured config when the sockets it listens on can be read from
 * it: sshd is started at once and checks it itself (a config it refuses
 * makes it exit before it is ready, and then sshd -T is asked why). Else
 * the first source not marked failed that sshd -T accepts; the configured
 * file among them when it changed since it was marked.
 */
/* How long one choice may go on asking sshd -T (each run has its own 10 s
 * bound): an sshd program that hangs must not hold the event loop, and
 * with it oobctl and the watchdog, for a minute. */
#define SSHD_CHOOSE_BUDGET_MS 12000

/* The last-good copy names files (authorized keys, a CA) that others
 * than root may have been given since it was kept: then it is not run. */
static bool last_good_untrusted(void)
{
	char why[PATH_MAX + 128];

	if (sshd_config_untrusted(SSHD_LAST_GOOD_PATH, false, why, sizeof(why)) <= 0)
		return false;
	log_err("not starting sshd with the last-good sshd config %s: %s", SSHD_LAST_GOOD_PATH, why);
	return true;
}

static enum sshd_source choose_source(struct sshd_sup *s)
{
	long long give_up = now_ms() + SSHD_CHOOSE_BUDGET_MS;
	const char *asked = s->prog; /* the program of the last sshd -T */
	unsigned long long h;
	bool readable, changed;

	s->unchecked = false;
	h = sshd_config_hash(s->config, &readable);
	/* A mark is for the content it was given to (the one of the last
	 * choice): a file fixed since is asked about again, with sshd -T, so
	 * that one still refused is not started. */
	changed = s->failed[SSHD_CONFIGURED] && readable && !s->untrusted && h != s->conf_hash;
	if (changed) {
		log_notice("the configured sshd config %s changed since it failed; asking sshd -T about it again",
			   s->config);
		s->failed[SSHD_CONFIGURED] = false;
	}
	s->conf_hash = h;
	/* A configured file that oobd cannot read (an Include loop) had its
	 * included files checked by no one: only the fallbacks run. */
	if (!readable && !s->failed[SSHD_CONFIGURED]) {
		struct sshd_conf_file *f = NULL;
		char why[PATH_MAX + 128] = "";

		log_err("the configured sshd config %s cannot be read (see above); not starting sshd with it",
			s->config);
		s->failed[SSHD_CONFIGURED] = true;
		if (sshd_conf_load(s->config, NULL, &f, why, sizeof(why)) == 0 || !why[0])
			snprintf(why, sizeof(why), "%s cannot be read", s->config);
		sshd_conf_free(f);
		set_refused(s, "%s", why);
	}
	if (!s->failed[SSHD_CONFIGURED] && !changed && !s->untrusted) {
		int n = sshd_listen_from_config(s->config, s->listen, SSHD_MAX_LISTEN);
		if (n > 0) {
			s->n_listen = n;
			s->unchecked = true;
			return SSHD_CONFIGURED;
		}
	}
	for (int round = 0; round < 2; round++) {
		for (int src = 0; src < SSHD__SOURCES; src++) {
			const char *path;
			char *why = NULL;
			int r;

			if (s->failed[src] || (src == SSHD_CONFIGURED && (!readable || s->untrusted)))
				continue;
			if (now_ms() >= give_up) {
				log_err("sshd -T has taken over %d s for this start (does %s hang?); starting with the "
					"built-in config without asking it more", SSHD_CHOOSE_BUDGET_MS / 1000, asked);
				builtin_write(s, false);
				return SSHD_BUILTIN_CONF;
			}
			if (src == SSHD_LAST_GOOD && (access(SSHD_LAST_GOOD_PATH, R_OK) != 0 || last_good_untrusted()))
				continue;
			/* Asked whether it takes an option only while a whole run
			 * still fits in the choice's time. */
			if (src == SSHD_BUILTIN_CONF && builtin_write(s, give_up - now_ms() >= SSHD_T_TIMEOUT_MS) < 0)
				continue;
			path = src == SSHD_CONFIGURED ? s->config : src == SSHD_LAST_GOOD ? SSHD_LAST_GOOD_PATH : SSHD_BUILTIN_PATH;
			asked = s->prog;
			r = sshd_query(s->prog, path, s->listen, SSHD_MAX_LISTEN, &why);
			if (r >= 0) {
				s->n_listen = r;
				return (enum sshd_source)src;
			}
			log_rejected(s, (enum sshd_source)src, path, why, r);
			free(why);
			s->failed[src] = true;
		}
		/* Everything failed: forget and start over; something may have
		 * been transient (or sshd itself is missing: then we retry with
		 * backoff, never giving up). Even the built-in config: as
		 * likely the program's doing (one that cannot start fails
		 * every sshd -T), so the copy of one that answered, if any,
		 * gets the next round. */
		memset(s->failed, 0, sizeof(s->failed));
		if (round == 0) {
			char why[SSHD_REFUSED_MAX];

			log_err("no sshd config passes sshd -T with %s; trying them all again", s->prog);
			snprintf(why, sizeof(why), "no sshd config passes sshd -T with %s", s->exec);
			program_failed(s, why);
			choose_program(s);
		}
	}
	return SSHD_BUILTIN_CONF;
}

static void probe_connect(struct sshd_sup *s, int nsfd);

bool sshd_sup_wildcards_only(const struct sshd_sup *s)
{
	struct sshd_listen l[SSHD_MAX_LISTEN];
	int n;

	if (s->failed[SSHD_CONFIGURED] || s->untrusted)
		return false;
	n = sshd_listen_from_config(s->config, l, SSHD_MAX_LISTEN);
	for (int i = 0; i < n; i++) {
		bool any = (l[i].addr.family == AF_INET && l[i].addr.v4.s_addr == htonl(INADDR_ANY)) ||
			   (l[i].addr.family == AF_INET6 && IN6_IS_ADDR_UNSPECIFIED(&l[i].addr.v6));
		if (!any)
			return false;
	}
	return n > 0;
}

/* An address sshd is to bind that may be tentative: a specific IPv6 one
 * that the config does not add with nodad. */
static bool dad_candidate(const struct sshd_sup *s, const struct sshd_listen *l)
{
	if (l->addr.family != AF_INET6 || IN6_IS_ADDR_UNSPECIFIED(&l->addr.v6))
		return false;
	for (size_t i = 0; i < s->n_nodad; i++)
		if (ipaddr_equal(&s->nodad[i], &l->addr))
			return false;
	return true;
}

/*
 * Is an address sshd is to bind tentative in the namespace (NL)? The first
 * such into dad_addr. An optimistic address can be bound already; one
 * whose DAD failed never can, waiting will not help: it is logged.
 */
static bool listen_tentative(struct sshd_sup *s, struct nl *nl)
{
	struct ifaddr_entry *v = NULL;
	char ab[IPADDR_STRLEN];
	bool tentative = false;
	size_t n = 0;
	int r = ifaddr_list(nl, 0, &v, &n);

	if (r < 0) {
		log_warn("listing the addresses in the namespace: %s; sshd starts without waiting for DAD", strerror(-r));
		return false;
	}
	for (int i = 0; i < s->n_listen && !tentative; i++) {
		if (!dad_candidate(s, &s->listen[i]))
			continue;
		for (size_t k = 0; k < n; k++) {
			if (!ipaddr_equal(&v[k].pfx.addr, &s->listen[i].addr))
				continue;
			if (v[k].flags & IFA_F_DADFAILED) {
				log_err("duplicate address detection failed for %s: another host on the link has it; "
					"sshd cannot listen on it", ipaddr_str(&s->listen[i].addr, ab));
			} else if ((v[k].flags & IFA_F_TENTATIVE) && !(v[k].flags & IFA_F_OPTIMISTIC)) {
				tentative = true;
				s->dad_addr = s->listen[i].addr;
			}
		}
	}
	free(v);
	return tentative;
}

/*
 * Should this start wait for duplicate address detection? sshd cannot bind
 * a tentative address (EADDRNOTAVAIL): it would listen on the others only,
 * or on none, and its config be judged failed. True when it waits, in
 * BACKOFF until s->dad_until (started then in any case; a link without
 * carrier holds DAD back for good), or until sshd_sup_addr_event() tells
 * the address became usable. No system call when no address sshd binds
 * can be tentative (wildcards, IPv4, nodad: the common case).
 */
static bool dad_wait(struct sshd_sup *s, int nsfd, struct nl *nl)
{
	static const struct nl_pass types[] = { { .type = RTM_NEWADDR }, { .type = RTM_DELADDR } };
	char ab[IPADDR_STRLEN];
	bool any = false, tentative = false;
	long long now;

	for (int i = 0; i < s->n_listen; i++)
		any = any || dad_candidate(s, &s->listen[i]);
	if (any && nl && nl->sock)
		tentative = listen_tentative(s, nl);
	if (tentative && !s->dad_mon.sock) {
		/* Subscribed first, then looked at again: the event that ends
		 * DAD may come between the first look and the subscription. */
		int r = nl_open_monitor_in(&s->dad_mon, RTMGRP_IPV6_IFADDR, types, ARRAY_SIZE(types), nsfd);
		if (r == 0) {
			struct epoll_event ev = { .events = EPOLLIN, .data.fd = nl_fd(&s->dad_mon) };
			if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, ev.data.fd, &ev) < 0) {
				r = -errno;
				nl_close(&s->dad_mon);
			}
		}
		if (r < 0)
			log_warn("watching the addresses in the namespace: %s; sshd waits the whole %d s for DAD",
				 strerror(-r), SSHD_DAD_WAIT_MS / 1000);
		tentative = listen_tentative(s, nl);
	}
	now = now_ms();
	if (!tentative) {
		if (s->dad_until)
			log_info("%s is usable now (%lld ms); starting sshd", ipaddr_str(&s->dad_addr, ab),
				 now - (s->dad_until - SSHD_DAD_WAIT_MS));
		dad_end(s);
		return false;
	}
	if (!s->dad_until) {
		s->dad_until = now + SSHD_DAD_WAIT_MS;
		log_notice("%s is still tentative (IPv6 duplicate address detection): sshd starts when it is usable, "
			   "in %d s at most", ipaddr_str(&s->dad_addr, ab), SSHD_DAD_WAIT_MS / 1000);
	} else if (now >= s->dad_until) {
		log_warn("%s is still tentative after %d s (no carrier on its link?); starting sshd anyway, "
			 "it cannot listen there yet", ipaddr_str(&s->dad_addr, ab), SSHD_DAD_WAIT_MS / 1000);
		dad_end(s);
		return false;
	}
	s->svc.state = SVC_BACKOFF;
	s->svc.deadline_ms = s->dad_until;
	s->svc.want_up = true;
	return true;
}

struct dad_event {
	const struct sshd_sup *s;
	bool look;
};

static void dad_event_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dad_event *d = data;
	struct ifaddr_entry e;

	if (ifaddr_parse(nlh, &e) < 0 || !ipaddr_equal(&e.pfx.addr, &d->s->dad_addr))
		return;
	/* Usable, failed for good, or gone: nothing more to wait for. */
	if (nlh->nlmsg_type == RTM_DELADDR || !(e.flags & IFA_F_TENTATIVE) || (e.flags & IFA_F_DADFAILED))
		d->look = true;
}

bool sshd_sup_addr_event(struct sshd_sup *s)
{
	struct dad_event d = { .s = s };

	if (!s->dad_mon.sock)
		return false;
	if (nl_monitor_drain(&s->dad_mon, dad_event_cb, &d))
		d.look = true; /* events lost: look again */
	return d.look && s->dad_until && s->svc.state == SVC_BACKOFF && s->svc.want_up;
}

void sshd_sup_stop(struct sshd_sup *s)
{
	s->restart_pending = false;
	dad_end(s);
	service_stop(&s->svc);
}

/*
 * Whether others than root can change a file of the configured config
 * (sshd_conf_untrusted): then sshd is not started with it, no host key is
 * generated for it, and the built-in config takes nothing from it but its
 * ports. Looked at before every start: a file made unsafe while oobd runs
 * counts from sshd's next start, and one made safe again (chmod, which
 * changes no content) too.
 */
static void configured_trust(struct sshd_sup *s)
{
	char why[PATH_MAX + 128];

	if (sshd_config_untrusted(s->config, false, why, sizeof(why)) > 0) {
		log_err("not starting sshd with the configured sshd config %s: %s", s->config, why);
		set_refused(s, "%s", why);
		s->untrusted = true;
	} else if (s->untrusted) {
		log_notice("the files of the configured sshd config %s are safe again", s->config);
		s->untrusted = false;
	}
}

void sshd_sup_start(struct sshd_sup *s, const char *netns, int nsfd, struct nl *nl)
{
	enum sshd_source prev = s->source;
	const char *path;

	probe_close(s);
	s->ready = false;
	s->probe_blocked = false;
	s->probe_connected = false;
	s->probe_next = 0;
	s->restart_pending = false;
	/* No probe until a start ran sshd: one refused, waiting for an
	 * address, or failed at the exec (the program gone mid-upgrade: in
	 * BACKOFF, its child reaped) has nothing to judge the config by. */
	s->probe_deadline = 0;
	choose_program(s);
	/* Not even sshd -T runs a program that others can change. */
	if (service_refuse_unsafe(&s->svc, s->prog))
		return;
	configured_trust(s);
	sshd_prepare(s->config);
	s->n_listen = 0;
	s->source = choose_source(s);
	if (dad_wait(s, nsfd, nl))
		return;
	path = sshd_sup_config_path(s);
	if (s->source != SSHD_CONFIGURED)
		log_err("starting sshd with the %s config %s instead of %s", source_names[s->source], path, s->config);
	else if (prev != SSHD_CONFIGURED)
		log_notice("starting sshd with the configured config %s", path);
	if (s->n_listen <= 0) {
		/* sshd's own default */
		s->listen[0] = (struct sshd_listen){ .addr = { .family = AF_INET }, .port = 22 };
		s->n_listen = 1;
	}
	service_set_argv(&s->svc, sshd_argv(s->prog, path));
	/* sshd writes a log line per connection before its banner: through a
	 * stream that never blocks, so a stuck log reader stops no login. */
	s->svc.out_fd = log_child_fd("oobd-sshd");
	int started = service_start(&s->svc, netns, nsfd);
	if (s->svc.out_fd >= 0)
		close(s->svc.out_fd);
	s->svc.out_fd = -1;
	if (started == 0) {
		s->probe_deadline = now_ms() + SSHD_READY_TIMEOUT_MS;
		probe_connect(s, nsfd);
	} else {
		/* Its exec failed ("PROGRAM: why": not an executable any more,
		 * cut short, a foreign file): the copy at the next start, in
		 * backoff. */
		size_t n = strlen(s->prog);
		if (strncmp(s->svc.start_error, s->prog, n) == 0 && s->svc.start_error[n] == ':')
			program_failed(s, s->svc.start_error);
	}
}

struct probe_sock {
	int family;
};

static int probe_socket_cb(void *arg)
{
	struct probe_sock *p = arg;
	int fd = socket(p->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	return fd < 0 ? -errno : fd;
}

/* Connect to a listening socket given as an address, through loopback for
 * a wildcard (or when only host names are given). Each try takes the next
 * one: sshd goes on without those it cannot bind (a wildcard beside an
 * address on the same port: "Address already in use"), and one that
 * answers is enough. */
static void probe_connect(struct sshd_sup *s, int nsfd)
{
	struct sshd_listen lo = { .addr = { .family = AF_INET }, .port = s->listen[0].port };
	struct sshd_listen *l = &lo;
	int n_addr = 0;
	for (int i = 0; i < s->n_listen; i++)
		n_addr += s->listen[i].addr.family != 0;
	for (int i = 0, k = n_addr ? s->probe_next++ % n_addr : 0; n_addr && i < s->n_listen; i++) {
		if (s->listen[i].addr.family && k-- == 0) {
			l = &s->listen[i];
			break;
		}
	}
	struct probe_sock ps = { l->addr.family };
	struct sockaddr_storage ss = { 0 };
	socklen_t sl;
	struct epoll_event ev = { .events = EPOLLOUT };
	int fd;

	probe_close(s);
	s->probe_to = *l;
	fd = netns_call_in(nsfd, probe_socket_cb, &ps);
	if (fd < 0) {
		log_warn("sshd readiness probe: socket: %s", strerror(-fd));
		s->probe_retry_at = now_ms() + SSHD_PROBE_RETRY_MS;
		return;
	}
	if (l->addr.family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)l->port);
		sin->sin_addr = l->addr.v4;
		if (sin->sin_addr.s_addr == htonl(INADDR_ANY))
			sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sl = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)l->port);
		sin6->sin6_addr = l->addr.v6;
		if (IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr))
			sin6->sin6_addr = in6addr_loopback;
		sl = sizeof(*sin6);
	}
	if (connect(fd, (struct sockaddr *)&ss, sl) < 0 && errno != EINPROGRESS) {
		close(fd);
		s->probe_retry_at = now_ms() + SSHD_PROBE_RETRY_MS;
		return;
	}
	s->probe_fd = fd;
	ev.data.fd = fd;
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		close(fd);
		s->probe_fd = -1;
		s->probe_retry_at = now_ms() + SSHD_PROBE_RETRY_MS;
		return;
	}
	/* Until connected: then the banner has until the probe's deadline. */
	s->probe_retry_at = now_ms() + SSHD_PROBE_TRY_MS;
}

static void mark_ready(struct sshd_sup *s)
{
	struct sshd_conf_file *conf = NULL;
	char why[PATH_MAX + 128], root[PATH_MAX + 256];
	int r;

	probe_close(s);
	s->probe_deadline = 0;
	if (s->ready) {
		/* A probe again after a firewall update: it gets through. */
		if (s->probe_blocked)
			log_notice("sshd readiness probe gets through now (pid %d)", (int)s->svc.pid);
		s->probe_blocked = false;
		return;
	}
	s->ready = true;
	s->ready_ms = now_ms();
	s->failed[s->source] = false;
	if (s->source == SSHD_CONFIGURED)
		s->refused[0] = '\0';
	log_info("sshd ready (pid %d, %s config, %lld ms after start)", (int)s->svc.pid, source_names[s->source],
		 s->ready_ms - s->svc.started_ms);
	program_keep(s);
	sshd_login_check(sshd_sup_config_path(s), why, sizeof(why), root, sizeof(root));
	if (why[0])
		log_warn("sshd is ready, but no key can log in to it: %s (put the administrators' public keys there)",
			 why);
	if (root[0])
		log_warn("sshd is ready, but it refuses root: %s", root);
	if (s->source != SSHD_CONFIGURED)
		return;
	/* It worked: keep a copy, with what it includes, for the day the
	 * configured one (or a file it includes) breaks. */
	r = sshd_conf_load(s->config, NULL, &conf, why, sizeof(why));
	if (r == 0 && sshd_conf_hash(conf) != s->conf_hash) {
		/* Edited since sshd read it (the admin's next change, maybe a
		 * broken one): not what worked. The next start that gets here
		 * keeps its copy. */
		log_info("the configured sshd config %s changed since sshd was started with it; not kept as the "
			 "last-good one", s->config);
		sshd_conf_free(conf);
		return;
	}
	if (r == 0)
		r = sshd_conf_snapshot(conf, SSHD_LAST_GOOD_PATH);
	else
		log_warn("reading the sshd config again: %s", why);
	if (r < 0)
		log_warn("saving %s: %s", SSHD_LAST_GOOD_PATH, strerror(-r));
	sshd_conf_free(conf);
}

void sshd_sup_probe_event(struct sshd_sup *s, uint32_t events, int nsfd)
{
	int err = 0;
	socklen_t el = sizeof(err);

	if (s->probe_fd < 0)
		return;
	if (s->banner_len == 0 && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
		getsockopt(s->probe_fd, SOL_SOCKET, SO_ERROR, &err, &el);
		if (err) {
			/* Not listening yet: sshd binds a few ms after exec. */
			probe_close(s);
			s->probe_retry_at = now_ms() + SSHD_PROBE_RETRY_MS;
			return;
		}
		s->probe_connected = true;
		s->probe_retry_at = 0;
		struct epoll_event ev = { .events = EPOLLIN, .data.fd = s->probe_fd };
		epoll_ctl(s->epfd, EPOLL_CTL_MOD, s->probe_fd, &ev);
		s->banner_len = 0;
		if (!(events & EPOLLIN))
			return;
	}
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
		ssize_t n = read(s->probe_fd, s->banner + s->banner_len, sizeof(s->banner) - s->banner_len);
		if (n <= 0) {
			if (n < 0 && errno == EAGAIN)
				return;
			probe_close(s);
			s->probe_retry_at = now_ms() + SSHD_PROBE_RETRY_MS;
			return;
		}
		s->banner_len += (size_t)n;
		if (s->banner_len < sizeof(s->banner))
			return;
		if (memcmp(s->banner, "SSH-2.0-", 8) == 0) {
			mark_ready(s);
		} else {
			probe_close(s);
			s->probe_retry_at = now_ms() + SSHD_PROBE_RETRY_MS;
		}
	}
	(void)nsfd;
}

/* A probe is running (probe_deadline is set): for readiness, or again
 * after a firewall update. */
static bool probing(const struct sshd_sup *s)
{
	return s->svc.state == SVC_UP && s->probe_deadline;
}

void sshd_sup_recheck(struct sshd_sup *s, int nsfd)
{
	if (s->svc.state != SVC_UP || !s->ready)
		return;
	s->probe_connected = false;
	s->probe_deadline = now_ms() + SSHD_READY_TIMEOUT_MS;
	probe_connect(s, nsfd);
}

/* The probe's deadline passed without a banner. */
static void probe_timeout(struct sshd_sup *s)
{
	char ab[IPADDR_STRLEN];
	int r;

	probe_close(s);
	s->probe_deadline = 0;
	/* The tries went through every address: named is the first that sshd
	 * listens on (the wildcard's, when only host names are given). */
	r = 0;
	for (int i = 0; !s->probe_connected && r == 0 && i < s->n_listen; i++)
		if (s->listen[i].addr.family && (r = sshd_pid_listens(s->svc.pid, &s->listen[i])) > 0)
			s->probe_to = s->listen[i];
	if (!s->probe_connected && r == 0)
		r = sshd_pid_listens(s->svc.pid, &s->probe_to);
	if (r > 0 && !s->probe_blocked)
		log_warn("sshd (pid %d) listens on %s port %u, but its readiness probe through loopback never got a "
			 "connection within %d ms: the namespace's firewall drops or refuses it (a [firewall] file "
			 "must accept -i lo); %s",
			 (int)s->svc.pid, s->probe_to.addr.family ? ipaddr_str(&s->probe_to.addr, ab) : "any address",
			 s->probe_to.port, SSHD_READY_TIMEOUT_MS, s->ready ? "it stays up" : "taking sshd as ready");
	if (s->ready) {
		/* Probing again after a firewall update: judged only by
		 * whether the firewall lets it through. */
		if (r > 0)
			s->probe_blocked = true;
		return;
	}
	if (r > 0) {
		s->probe_blocked = true;
		mark_ready(s);
		return;
	}
	if (r < 0)
		log_warn("looking for sshd's listening socket: %s", strerror(-r));
	log_err("sshd (pid %d) with the %s config %s showed no SSH banner within %d ms; marking it failed",
		(int)s->svc.pid, source_names[s->source], sshd_sup_config_path(s), SSHD_READY_TIMEOUT_MS);
	s->failed[s->source] = true;
	if (s->source == SSHD_CONFIGURED)
		set_refused(s, "sshd showed no SSH banner within %d ms", SSHD_READY_TIMEOUT_MS);
	s->restart_pending = true;
	service_stop(&s->svc);
}

long long sshd_sup_deadline(const struct sshd_sup *s)
{
	long long d = service_wakeup(&s->svc);
	long long probe = 0;

	if (probing(s)) {
		probe = s->probe_deadline;
		if (s->probe_retry_at && s->probe_retry_at < probe)
			probe = s->probe_retry_at;
	}
	if (probe && (!d || probe < d))
		d = probe;
	return d;
}

/* A file put in place under the program's name (its watch): another one
 * than the listener runs, or, while the copy runs, one that can run. */
static bool program_changed(struct sshd_sup *s, long long now)
{
	char why[PATH_MAX + 256];

	if (!s->prog_why[0])
		return service_program_replaced(&s->svc, now);
	if (!s->svc.prog_check_at || now < s->svc.prog_check_at)
		return false;
	s->svc.prog_check_at = 0;
	if (s->svc.state != SVC_UP || program_unusable(s, why, sizeof(why)))
		return false;
	log_notice("sshd: its program %s can run again; restarting sshd with it", s->exec);
	return true;
}

bool sshd_sup_tick(struct sshd_sup *s, long long now, int nsfd)
{
	if (program_changed(s, now)) {
		/* The old program's refusals: the new one is asked afresh. The
		 * old listener would run the new program for each connection
		 * anyway (sshd executes itself again), so it is not kept when
		 * the new one refuses the config: the new start falls back. */
		memset(s->failed, 0, sizeof(s->failed));
		sshd_sup_restart(s);
	}
	if (probing(s)) {
		if (now >= s->probe_deadline) {
			probe_timeout(s);
		} else if (s->probe_retry_at && now >= s->probe_retry_at) {
			s->probe_retry_at = 0;
			probe_connect(s, nsfd);
		}
	}
	return service_deadline(&s->svc, now);
}

/* Killed by a signal of its own making: a fault, an abort. */
static bool crashed(int status)
{
	if (!WIFSIGNALED(status))
		return false;
	switch (WTERMSIG(status)) {
	case SIGSEGV:
	case SIGBUS:
	case SIGILL:
	case SIGFPE:
	case SIGABRT:
	case SIGSYS:
	case SIGTRAP:
		return true;
	default:
		return false;
	}
}

bool sshd_sup_reaped(struct sshd_sup *s, pid_t pid, int status, bool *start_now)
{
	bool was_ready = s->ready;

	*start_now = false;
	if (!service_reaped(&s->svc, pid, status))
		return false;
	probe_close(s);
	s->probe_deadline = 0;
	s->ready = false;
	s->probe_blocked = false;
	/* An error exit before the banner is the config's fault (a port in
	 * use, a bad key...), a crash the program's or the config's; another
	 * signal is somebody else's doing. */
	if (!was_ready && !s->restart_pending &&
	    ((WIFEXITED(status) && WEXITSTATUS(status) != 0) || crashed(status))) {
		log_err("sshd with the %s config %s %s before it was ready; marking it failed",
			source_names[s->source], sshd_sup_config_path(s), WIFEXITED(status) ? "exited" : "crashed");
		s->failed[s->source] = true;
		if (s->source == SSHD_CONFIGURED) {
			char how[96];
			set_refused(s, "sshd %s before it was ready (its own words are in the log)",
				    service_status_str(status, how, sizeof(how)));
		}
		if (s->unchecked) {
			/* Started without sshd -T: ask it now what sshd disliked. */
			char *why = NULL;
			int r = sshd_query(s->prog, s->config, NULL, 0, &why);
			if (r < 0)
				log_rejected(s, s->source, s->config, why, r);
			free(why);
		}
	}
	if (s->svc.state == SVC_DOWN && s->restart_pending) {
		s->restart_pending = false;
		s->svc.want_up = true;
		*start_now = true;
	}
	return true;
}

void sshd_sup_restart(struct sshd_sup *s)
{
	if (s->svc.state == SVC_UP) {
		s->restart_pending = true;
		service_stop(&s->svc);
	} else if (s->svc.state == SVC_STOPPING) {
		/* Still stopping: started again when reaped; the SIGKILL
		 * deadline of the stop stays as it is. */
		s->restart_pending = true;
	} else {
		s->svc.want_up = true;
		s->svc.deadline_ms = now_ms();
		if (s->svc.state == SVC_DOWN)
			s->svc.state = SVC_BACKOFF;
	}
}
