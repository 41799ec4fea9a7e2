/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sshd.h"

#include <ctype.h>
#include <grp.h>
#include <dirent.h>
#include <stdint.h>
#include <sys/socket.h>
#include <stdbool.h>
#include <stdlib.h>
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <shadow.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "authkeys.h"
#include "filecheck.h"
#include "log.h"
#include "notify.h"
#include "proc.h"
#include "service.h"
#include "sshd_config.h"
#include "util.h"


static const char *const default_hostkeys[] = {
	"/etc/ssh/ssh_host_rsa_key",
	"/etc/ssh/ssh_host_ecdsa_key",
	"/etc/ssh/ssh_host_ed25519_key",
};

int sshd_config_values(const char *config_path, const char *keyword, char ***out)
{
	struct sshd_conf_file *f;
	int r = sshd_conf_load(config_path, NULL, &f, NULL, 0);

	*out = NULL;
	if (r < 0)
		return r;
	r = sshd_conf_values(f, keyword, false, out);
	sshd_conf_free(f);
	return r;
}

int sshd_hostkeys(const char *config_path, char ***out)
{
	int n = sshd_config_values(config_path, "HostKey", out);

	if (n == 0)
		for (size_t i = 0; i < ARRAY_SIZE(default_hostkeys); i++)
			strv_push(out, &n, default_hostkeys[i]);
	return n;
}

unsigned long long sshd_config_hash(const char *config_path, bool *ok)
{
	struct sshd_conf_file *f;
	unsigned long long h;
	bool loaded = sshd_conf_load(config_path, NULL, &f, NULL, 0) == 0;

	if (ok)
		*ok = loaded;
	if (!loaded)
		return 0;
	h = sshd_conf_hash(f);
	sshd_conf_free(f);
	return h;
}

/* Whether some line of KEYWORD that a connection could take has a first
 * word other than NOT; the keyword's default counts as such a line when
 * DFLT and no line applies to every connection (a connection that no
 * Match takes gets the default). */
static bool some_line_not(const struct sshd_conf_file *conf, const char *keyword, const char *not, bool dflt)
{
	const struct sshd_conf_line **lines;
	int n = sshd_conf_lines(conf, keyword, true, &lines);
	bool some = dflt && !sshd_conf_first(conf, keyword, NULL);

	for (int i = 0; i < n; i++)
		some |= lines[i]->nargs > 0 && strcasecmp(lines[i]->args[0], not) != 0;
	free(lines);
	return some;
}

/* The body of sshd_login_check for keys: whether some key can log in under
 * CONF; WHY names each file and why it gives none. */
static bool keys_can_login(const struct sshd_conf_file *conf, char *why, size_t len)
{
	static const char *const keywords[] = { "AuthorizedKeysFile", "TrustedUserCAKeys" };
	const struct sshd_conf_line **lines;
	char what[160], **algs;
	bool can = false, dss = false;
	size_t used = 0;

	if (len)
		why[0] = '\0';
	/* A config copied from a machine that logs in by password. */
	if (!some_line_not(conf, "PubkeyAuthentication", "no", true)) {
		snprintf(why, len, "the config says PubkeyAuthentication no: sshd takes no key");
		return false;
	}
	/* ssh-dss keys, off since OpenSSH 7.0, unless the config names them
	 * (PubkeyAcceptedKeyTypes, the old name, is read as this one). */
	for (int i = 0, n = sshd_conf_values(conf, "PubkeyAcceptedAlgorithms", true, &algs); i < n; i++)
		dss = dss || strstr(algs[i], "ssh-dss");
	strv_free(algs);
	/* Keys from a program: only sshd can tell. */
	for (int i = 0, n = sshd_conf_lines(conf, "AuthorizedKeysCommand", true, &lines); i < n; i++)
		can |= lines[i]->nargs > 0 && strcasecmp(lines[i]->args[0], "none") != 0;
	free(lines);
	for (size_t k = 0; k < ARRAY_SIZE(keywords) && !can; k++) {
		int n = sshd_conf_lines(conf, keywords[k], true, &lines);

		/* sshd's default: each user's own ~/.ssh files. */
		if (n == 0 && k == 0)
			can = true;
		for (int i = 0; i < n && !can; i++) {
			for (int a = 0; a < lines[i]->nargs && !can; a++) {
				const char *path = lines[i]->args[a];
				int r;

				if (strcasecmp(path, "none") == 0)
					continue;
				if (path[0] != '/' || strchr(path, '%')) {
					can = true; /* per user */
					break;
				}
				r = authkeys_file(path, dss, what, sizeof(what));
				if (r > 0)
					can = true;
				else if (used < len)
					used += (size_t)snprintf(why + used, len - used, "%s%s%s%s", used ? "; " : "", path,
								 r == 0 ? " " : ": ", r == 0 ? what : strerror(-r));
			}
		}
		free(lines);
	}
	if (can && len)
		why[0] = '\0';
	else if (len && !why[0])
		snprintf(why, len, "AuthorizedKeysFile none, and no TrustedUserCAKeys");
	return can;
}

/* Root's login shell, as its line in /etc/passwd says (an empty one is
 * /bin/sh, as for sshd), and its group; false when there is no such line.
 * The files here are read as they are, not through NSS: oobd must not wait
 * on a directory service, and root is a local account. */
static bool root_passwd(char *shell, size_t len, gid_t *gid)
{
	FILE *f = fopen("/etc/passwd", "re");
	const struct passwd *pw;
	bool found = false;

	if (!f)
		return false;
	while (!found && (pw = fgetpwent(f)))
		if (strcmp(pw->pw_name, "root") == 0) {
			snprintf(shell, len, "%s", pw->pw_shell && pw->pw_shell[0] ? pw->pw_shell : "/bin/sh");
			*gid = pw->pw_gid;
			found = true;
		}
	fclose(f);
	return found;
}

/* Root's line in /etc/shadow: whether its password field is locked ('!'
 * first, as passwd -l and usermod -L make it) and the day its account
 * expires (-1: never). False when there is no such line (or the file cannot
 * be read). */
static bool root_shadow(bool *locked, long *expire)
{
	FILE *f = fopen("/etc/shadow", "re");
	const struct spwd *sp;
	bool found = false;

	if (!f)
		return false;
	while (!found && (sp = fgetspent(f)))
		if (strcmp(sp->sp_namp, "root") == 0) {
			*locked = sp->sp_pwdp && sp->sp_pwdp[0] == '!';
			*expire = sp->sp_expire;
			found = true;
		}
	fclose(f);
	return found;
}

/* The names of root's groups in /etc/group: GID's (its primary one) and
 * those that list root as a member. */
static int root_groups(gid_t gid, char ***out)
{
	FILE *f = fopen("/etc/group", "re");
	const struct group *gr;
	int n = 0;

	*out = xcalloc(1, sizeof(char *));
	if (!f)
		return 0;
	while ((gr = fgetgrent(f))) {
		bool member = gr->gr_gid == gid;
		for (char **m = gr->gr_mem; m && *m && !member; m++)
			member = strcmp(*m, "root") == 0;
		if (member)
			strv_push(out, &n, gr->gr_name);
	}
	fclose(f);
	return n;
}

/* sshd's match_pattern: '*' and '?' wildcards, case counts. Back to the
 * last star only, so a pattern of many stars costs no more than a few
 * passes over S. */
static bool wild_match(const char *s, const char *p)
{
	const char *star = NULL, *from = s;

	while (*s) {
		if (*p == '*') {
			star = p++;
			from = s;
		} else if (*p && (*p == '?' || *p == *s)) {
			p++;
			s++;
		} else if (star) {
			p = star + 1;
			s = ++from;
		} else {
			return false;
		}
	}
	while (*p == '*')
		p++;
	return !*p;
}

/* Does NAME match one of the patterns of KEYWORD (on every line, as sshd
 * adds them up)? 1, 0, or -1 when it depends on the connection (a
 * user@host pattern, a pattern list with negations, a line under a Match):
 * the pattern that matched into HIT. */
static int names(const struct sshd_conf_file *conf, const char *keyword, char *const *names_, int n_names,
		 char *hit, size_t len)
{
	char **pat;
	int n = sshd_conf_values(conf, keyword, false, &pat), r = 0;
	bool depends = false;

	for (int i = 0; i < n && r == 0; i++) {
		if (strpbrk(pat[i], "@,!")) {
			depends = true;
			continue;
		}
		for (int k = 0; k < n_names && r == 0; k++)
			if (wild_match(names_[k], pat[i])) {
				snprintf(hit, len, "%s", pat[i]);
				r = 1;
			}
	}
	strv_free(pat);
	/* A Match may set other patterns for some connections. */
	if (sshd_conf_in_match(conf, keyword))
		return -1;
	return r == 1 ? 1 : depends ? -1 : 0;
}

/* Whether a pattern of KEYWORD is given at all. */
static bool given(const struct sshd_conf_file *conf, const char *keyword)
{
	const struct sshd_conf_line **lines;
	int n = sshd_conf_lines(conf, keyword, false, &lines);

	free(lines);
	return n > 0;
}

#define WHY_ADD(...)                                                                                   \
	do {                                                                                           \
		if (used < len)                                                                        \
			used += (size_t)snprintf(why + used, len - used, "%s", used ? "; " : "");      \
		if (used < len)                                                                        \
			used += (size_t)snprintf(why + used, len - used, __VA_ARGS__);                 \
	} while (0)

/* The body of sshd_login_check for root: what sshd checks of the account
 * before it looks at any key (auth.c, allowed_user), when CONF lets root in
 * at all. Without PAM, sshd refuses an account whose password is locked
 * (even to a key: passwd -l root, a common hardening, locks the oob path
 * while the main sshd, with PAM, lets root in) or that has expired; with or
 * without, one whose shell is missing or not executable (unless it
 * chroots), and one that DenyUsers or DenyGroups names, or AllowUsers or
 * AllowGroups (given) do not (a hardened main config copied over). */
static bool root_can_login(const struct sshd_conf_file *conf, char *why, size_t len)
{
	const struct sshd_conf_line *pam = sshd_conf_first(conf, "UsePAM", NULL);
	char shell[PATH_MAX], hit[128] = "", *root[] = { "root" }, **groups = NULL;
	bool locked = false, account;
	long expire = -1;
	size_t used = 0;
	int n_groups;
	gid_t gid = 0;
	struct stat st;

	if (len)
		why[0] = '\0';
	/* sshd's default is prohibit-password: root by key. With only Match
	 * lines, a Match may take every root connection (Match User root):
	 * then only what they say counts. */
	if (!some_line_not(conf, "PermitRootLogin", "no", !sshd_conf_in_match(conf, "PermitRootLogin")))
		return true;
	account = root_passwd(shell, sizeof(shell), &gid);
	if (account && !some_line_not(conf, "ChrootDirectory", "none", false)) {
		if (stat(shell, &st) < 0)
			WHY_ADD("root's shell %s (/etc/passwd): %s", shell, strerror(errno));
		else if (!S_ISREG(st.st_mode) || !(st.st_mode & (S_IXUSR | S_IXGRP | S_IXOTH)))
			WHY_ADD("root's shell %s (/etc/passwd) is not an executable file", shell);
	}
	if ((!pam || pam->nargs < 1 || strcasecmp(pam->args[0], "yes") != 0) && root_shadow(&locked, &expire)) {
		if (locked)
			WHY_ADD("root's password is locked ('!' in /etc/shadow), and sshd without PAM refuses a "
				"locked account, even to a key (usermod -p '*' root keeps passwords out and lets keys in)");
		if (expire >= 0 && expire < (long)(time(NULL) / 86400))
			WHY_ADD("root's account has expired (/etc/shadow), and sshd without PAM refuses it "
				"(chage -E -1 root)");
	}
	if (names(conf, "DenyUsers", root, 1, hit, sizeof(hit)) == 1)
		WHY_ADD("DenyUsers pattern '%s' names root", hit);
	else if (given(conf, "AllowUsers") && names(conf, "AllowUsers", root, 1, hit, sizeof(hit)) == 0)
		WHY_ADD("AllowUsers does not name root");
	if (account && (given(conf, "DenyGroups") || given(conf, "AllowGroups"))) {
		n_groups = root_groups(gid, &groups);
		if (names(conf, "DenyGroups", groups, n_groups, hit, sizeof(hit)) == 1)
			WHY_ADD("DenyGroups pattern '%s' names a group of root's", hit);
		else if (given(conf, "AllowGroups") && names(conf, "AllowGroups", groups, n_groups, hit, sizeof(hit)) == 0)
			WHY_ADD("AllowGroups names none of root's groups (/etc/group)");
		strv_free(groups);
	}
	return used == 0;
}
#undef WHY_ADD

void sshd_login_check(const char *config_path, char *keys, size_t klen, char *root, size_t rlen)
{
	struct sshd_conf_file *conf;

	if (klen)
		keys[0] = '\0';
	if (rlen)
		root[0] = '\0';
	if (sshd_conf_load(config_path, NULL, &conf, NULL, 0) < 0)
		return;
	keys_can_login(conf, keys, klen);
	root_can_login(conf, root, rlen);
	sshd_conf_free(conf);
}

/* The keywords whose files, named by absolute path, decide who logs in,
 * who the server is, or what runs as the user who logs in (root, on the
 * oob path): which word names the file (WORD, or every word: -1); the
 * first line that applies to every connection (sshd takes the first) or
 * every one (ALL_LINES), and every line under a Match; a host key oobd
 * generates when it is missing. */
#define EVERY_WORD (-1)
static const struct trusted_keyword {
	const char *keyword, *what;
	int word;
	bool all_lines, per_user_tokens, generated;
} trusted_keywords[] = {
	{ "AuthorizedKeysFile", "authorized keys", EVERY_WORD, false, true, false },
	{ "AuthorizedPrincipalsFile", "authorized principals", EVERY_WORD, false, true, false },
	{ "TrustedUserCAKeys", "trusted CA keys", EVERY_WORD, false, false, false },
	{ "RevokedKeys", "revoked keys", EVERY_WORD, false, false, false },
	{ "HostKey", "host key", EVERY_WORD, true, false, true },
	{ "ModuliFile", "moduli file", 0, false, false, false },
	{ "Subsystem", "subsystem program", 1, true, false, false },
	{ "ForceCommand", "forced command", 0, false, false, false },
};

static int untrusted_report(sshd_untrusted_fn fn, void *arg, struct sshd_untrusted *u, int r, const char *rule)
{
	if (r != -EPERM)
		return 0;
	u->rule = rule;
	fn(arg, u);
	return 1;
}

/* The file PATH that keyword K names (a word of one of its lines). */
static int untrusted_named(const struct trusted_keyword *k, const char *path, sshd_untrusted_fn fn, void *arg)
{
	char why[PATH_MAX + 128];
	struct sshd_untrusted u = { SSHD_TRUST_NAMED, k->what, k->keyword, path, why, NULL };
	int r;

	/* A path with %-tokens, or relative to the home directory, is per
	 * user: StrictModes checks it at login. A program without a '/' is
	 * looked for in sshd's PATH. */
	if (path[0] != '/' || (k->per_user_tokens && strchr(path, '%')))
		return 0;
	r = filecheck_path(path, why, sizeof(why));
	if (r == -ENOENT && k->generated) {
		/* Not there yet: oobd generates it, where only root may
		 * put a file. */
		char *dir = xstrdup(path);
		char *slash = strrchr(dir, '/');
		if (slash == dir)
			slash[1] = '\0';
		else
			*slash = '\0';
		u.what = "host key directory";
		r = untrusted_report(fn, arg, &u, filecheck_dir(dir, why, sizeof(why)), FILECHECK_DIR_RULE);
		free(dir);
		return r;
	}
	return untrusted_report(fn, arg, &u, r, FILECHECK_RULE);
}

int sshd_conf_untrusted(const struct sshd_conf_file *conf, sshd_untrusted_fn fn, void *arg)
{
	char why[PATH_MAX + 128];
	const char **files = NULL;
	char **vals = NULL;
	int n = 0, nfiles = sshd_conf_files(conf, &files);

	for (int k = 0; k < nfiles; k++) {
		struct sshd_untrusted u = { k ? SSHD_TRUST_INCLUDED : SSHD_TRUST_CONFIG, "sshd config", NULL, files[k],
					    why, NULL };
		n += untrusted_report(fn, arg, &u, filecheck_path(files[k], why, sizeof(why)), FILECHECK_RULE);
	}
	free(files);
	/* Where the Include patterns look, even when they match nothing: a
	 * file added there is read at sshd's next start. */
	sshd_conf_include_dirs(conf, &vals);
	for (int k = 0; vals[k]; k++) {
		struct sshd_untrusted u = { SSHD_TRUST_INCLUDE_DIR, "sshd config directory", NULL, vals[k], why, NULL };
		n += untrusted_report(fn, arg, &u, filecheck_dir(vals[k], why, sizeof(why)), FILECHECK_DIR_RULE);
	}
	strv_free(vals);
	for (size_t i = 0; i < ARRAY_SIZE(trusted_keywords); i++) {
		const struct sshd_conf_line **lines;
		int nlines = sshd_conf_lines(conf, trusted_keywords[i].keyword, !trusted_keywords[i].all_lines, &lines);
		for (int l = 0; l < nlines; l++) {
			int word = trusted_keywords[i].word;
			for (int k = word < 0 ? 0 : word; k < lines[l]->nargs && (word < 0 || k == word); k++)
				n += untrusted_named(&trusted_keywords[i], lines[l]->args[k], fn, arg);
		}
		free(lines);
	}
	return n;
}

struct first_untrusted {
	char *buf;
	size_t len;
	bool own;                    /* ONLY_OWN: the config's own files only */
	int n;
};

static void first_untrusted(void *arg, const struct sshd_untrusted *u)
{
	struct first_untrusted *f = arg;

	if (f->own && u->kind == SSHD_TRUST_NAMED)
		return;
	if (f->n++ == 0 && f->buf)
		snprintf(f->buf, f->len, "unsafe %s%s%s%s: %s", u->what, u->keyword ? " (" : "",
			 u->keyword ? u->keyword : "", u->keyword ? ")" : "", u->why);
}

bool sshd_conf_first_untrusted(const struct sshd_conf_file *conf, bool only_own, char *why, size_t len)
{
	struct first_untrusted fu = { why, len, only_own, 0 };

	sshd_conf_untrusted(conf, first_untrusted, &fu);
	return fu.n > 0;
}

int sshd_config_untrusted(const char *path, bool only_own, char *why, size_t len)
{
	struct sshd_conf_file *f;
	int r = sshd_conf_load(path, NULL, &f, NULL, 0);

	if (r < 0)
		return r;
	r = sshd_conf_first_untrusted(f, only_own, why, len);
	sshd_conf_free(f);
	return r;
}

/* A port as sshd takes it from its config, or 0: a number from 1 to
 * 65535 (sshd would also take a service name from /etc/services). */
static unsigned listen_port(const char *s)
{
	char *end;
	unsigned long v;

	if (!isdigit((unsigned char)*s))
		return 0;
	errno = 0;
	v = strtoul(s, &end, 10);
	return errno || *end || v > 65535 ? 0 : (unsigned)v;
}

/* One ListenAddress word: "ADDR", "ADDR:PORT", "[ADDR]:PORT", "[ADDR]" or a
 * bare IPv6 address. False for a host name or what sshd would refuse. */
static bool listen_word(const char *w, struct ipaddr *addr, unsigned *port)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon = strchr(w, ':');
	size_t hl;

	*port = 0;
	if (*w != '[' && colon && strchr(colon + 1, ':')) /* bare IPv6, as sshd sees it */
		return ipaddr_parse(w, addr);
	if (*w == '[') {
		const char *close = strchr(w, ']');
		if (!close || (close[1] && close[1] != ':'))
			return false;
		hl = (size_t)(close - w - 1);
		w++;
		colon = close[1] ? close + 1 : NULL;
	} else {
		hl = colon ? (size_t)(colon - w) : strlen(w);
	}
	if (hl >= sizeof(host))
		return false;
	memcpy(host, w, hl);
	host[hl] = '\0';
	if (colon && !(*port = listen_port(colon + 1)))
		return false;
	return ipaddr_parse(host, addr);
}

int sshd_listen_from_config(const char *config_path, struct sshd_listen *out, int max)
{
	struct sshd_conf_file *f;
	char **ports = NULL, **addrs = NULL, **family = NULL;
	unsigned port[SSHD_QUERY_MAX];
	int np = 0, n = 0, fam = AF_UNSPEC, r = sshd_conf_load(config_path, NULL, &f, NULL, 0);

	if (r < 0)
		return r;
	sshd_conf_values(f, "Port", false, &ports);
	sshd_conf_values(f, "ListenAddress", false, &addrs);
	sshd_conf_values(f, "AddressFamily", true, &family); /* sshd takes the first */
	sshd_conf_free(f);
	for (int i = 0; ports && ports[i] && np < (int)ARRAY_SIZE(port); i++)
		if (!(port[np++] = listen_port(ports[i])))
			goto unsure;
	if (!np)
		port[np++] = 22;
	if (family && family[0]) {
		if (strcasecmp(family[0], "inet") == 0)
			fam = AF_INET;
		else if (strcasecmp(family[0], "inet6") == 0)
			fam = AF_INET6;
		else if (strcasecmp(family[0], "any") != 0)
			goto unsure;
	}
	if (!addrs || !addrs[0]) {
		/* sshd's wildcards: one per family it listens on */
		for (int k = 0; k < np; k++) {
			if (fam != AF_INET6 && n < max)
				out[n++] = (struct sshd_listen){ .addr = { .family = AF_INET }, .port = port[k] };
			if (fam != AF_INET && n < max)
				out[n++] = (struct sshd_listen){ .addr = { .family = AF_INET6 }, .port = port[k] };
		}
	}
	for (int i = 0; addrs && addrs[i]; i++) {
		struct ipaddr a;
		unsigned p;
		/* "rdomain" puts the socket in a VRF the probe cannot reach. */
		if (strcasecmp(addrs[i], "rdomain") == 0 || !listen_word(addrs[i], &a, &p) ||
		    (fam != AF_UNSPEC && a.family != fam))
			goto unsure;
		for (int k = 0; k < (p ? 1 : np) && n < max; k++)
			out[n++] = (struct sshd_listen){ .addr = a, .port = p ? p : port[k] };
	}
	goto done;
unsure:
	n = 0;
done:
	strv_free(ports);
	strv_free(addrs);
	strv_free(family);
	return n;
}

static const char *key_type(const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	if (strstr(base, "ed25519"))
		return "ed25519";
	if (strstr(base, "ecdsa"))
		return "ecdsa";
	if (strstr(base, "rsa"))
		return "rsa";
	return "ed25519";
}

/* ssh-keygen sits beside ssh in /usr/bin; sshd may be elsewhere. An RSA
 * key can take seconds on a slow machine, and a start-up may generate
 * several keys before it is ready: each one extends the service manager's
 * start timeout by its own bound, on top of the normal start allowance
 * (TimeoutStartSec= of the shipped unit), so no number of keys can time the
 * start out. */
int sshd_keygen(const char *path, const char *comment)
{
	char *argv[] = { "/usr/bin/ssh-keygen", "-q", "-t", (char *)key_type(path), "-N", "", "-C", (char *)comment,
			 "-f", (char *)path, NULL };
	struct proc_result res;
	int r;

	notify_extend_timeout(SSHD_KEYGEN_TIMEOUT_MS + OOBD_START_TIMEOUT_MS);
	r = proc_run(argv, -1, -1, 4096, SSHD_KEYGEN_TIMEOUT_MS, &res);

	if (r < 0)
		return r;
	if (!proc_ok(&res)) {
		while (res.out_len && (res.out[res.out_len - 1] == '\n' || res.out[res.out_len - 1] == '\r'))
			res.out[--res.out_len] = '\0'; /* one log line, no empty one after it */
		log_err("ssh-keygen for %s: %s", path, res.out_len ? res.out : "failed and said nothing");
		r = -EIO;
	}
	proc_result_free(&res);
	return r;
}


/* Read the answer of "sshd -T" (RES, freed here). */
static int sshd_T_parse(struct proc_result *res, struct sshd_listen *out, int max, char **why)
{
	int n = 0;

	*why = NULL;
	if (!proc_ok(res)) {
		while (res->out_len && res->out[res->out_len - 1] == '\n')
			res->out[--res->out_len] = '\0';
		if (res->out_len) {
			*why = steal_pointer(&res->out);
		} else {
			/* Nothing said: how it ended (a crash) is all there is. */
			char how[96], msg[160];
			snprintf(msg, sizeof(msg), "sshd %s and said nothing",
				 service_status_str(res->status, how, sizeof(how)));
			*why = xstrdup(msg);
		}
		proc_result_free(res);
		return -EINVAL;
	}
	for (char *line = res->out, *next; line && *line; line = next) {
		char host[64];
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (strncmp(line, "listenaddress ", 14) != 0 || n >= max)
			continue;
		char *a = line + 14, *colon = strrchr(a, ':');
		unsigned long port = colon ? strtoul(colon + 1, NULL, 10) : 0;
		if (!colon || port == 0 || port > 65535)
			continue;
		*colon = '\0';
		if (*a == '[') {
			a++;
			a[strcspn(a, "]")] = '\0';
		}
		str_copy(host, a, sizeof(host));
		if (!ipaddr_parse(host, &out[n].addr))
			memset(&out[n].addr, 0, sizeof(out[n].addr)); /* a host name: sshd resolves it, we do not */
		out[n].port = (unsigned)port;
		n++;
	}
	proc_result_free(res);
	return n;
}

#define SSHD_T_OUT_MAX (1 << 20)

static char **sshd_T_argv(const char *exec, const char *config_path, char *argv[5])
{
	argv[0] = (char *)exec;
	argv[1] = "-T";
	argv[2] = "-f";
	argv[3] = (char *)config_path;
	argv[4] = NULL;
	return argv;
}

/*
 * "sshd -T" validates the config exactly as "sshd -t" does and prints the
 * effective settings, so one run answers both questions. Its result for a
 * given content is kept: a restart with an unchanged config asks sshd again
 * only if what sshd reads changed (sshd_config_hash: the file and the files
 * it includes), the sshd program was replaced (query_key) or the last
 * answer was a no. The answer depends on that
 * content, not on where the files are (sshd takes relative Include paths
 * from /etc/ssh), so the last-good copy of a config that was asked about
 * already is not asked about again.
 */
struct sshd_query_cache {
	char *exec;                  /* malloc'ed: the entries stay small */
	unsigned long long hash;
	struct sshd_listen listen[SSHD_QUERY_MAX];
	int n;
	bool valid;
};
static struct sshd_query_cache query_cache[4];
static unsigned query_cache_next;

/* Questions asked ahead (sshd_query_begin), answered by sshd_query(). */
struct sshd_query_pending {
	char *exec;                  /* malloc'ed */
	char *path;
	unsigned long long hash;
	struct proc_job job;
};
static struct sshd_query_pending query_pending[2];

/* A config's content hash H, and which program file EXEC is now (device,
 * inode, size, modification time): the key of an answer. A program
 * replaced under the same name (a package upgrade) may judge a config
 * differently, so what the old one said is not taken for the new one's. */
static unsigned long long query_key(const char *exec, unsigned long long h)
{
	struct stat st;

	if (stat(exec, &st) < 0)
		return h;
	const unsigned long long id[5] = { (unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
					   (unsigned long long)st.st_size, (unsigned long long)st.st_mtim.tv_sec,
					   (unsigned long long)st.st_mtim.tv_nsec };

	for (size_t i = 0; i < ARRAY_SIZE(id); i++) {
		h = (h ^ id[i]) * 1099511628211ULL; /* FNV-1a's step, a word at a time, on from H */
		h ^= h >> 29;
	}
	return h;
}

bool sshd_takes_option(const char *exec, const char *hostkey, const char *option)
{
	static char *asked;          /* "EXEC OPTION" of the answer kept */
	static unsigned long long asked_id;
	static bool takes;
	char hk[PATH_MAX + 16], *key;
	char *argv[] = { (char *)exec, "-t", "-f", "/dev/null", "-o", hk, "-o", (char *)option, NULL };
	struct proc_result res = { 0 };
	unsigned long long id = query_key(exec, 0);

	if (!id || asprintf(&key, "%s %s", exec, option) < 0)
		return false; /* no program file there */
	if (asked && id == asked_id && strcmp(asked, key) == 0) {
		free(key);
		return takes;
	}
	snprintf(hk, sizeof(hk), "HostKey=%s", hostkey);
	if (proc_run(argv, -1, -1, SSHD_T_OUT_MAX, SSHD_T_TIMEOUT_MS, &res) < 0 || !WIFEXITED(res.status)) {
		/* no answer (could not run, timed out): asked again next time */
		proc_result_free(&res);
		free(key);
		return false;
	}
	takes = WEXITSTATUS(res.status) == 0;
	proc_result_free(&res);
	free(asked);
	asked = key;
	asked_id = id;
	return takes;
}

static bool cache_lookup(const char *exec, unsigned long long h, struct sshd_listen *out, int max, int *n)
{
	for (size_t i = 0; i < ARRAY_SIZE(query_cache); i++) {
		const struct sshd_query_cache *c = &query_cache[i];
		if (c->valid && c->hash == h && strcmp(c->exec, exec) == 0) {
			*n = c->n < max ? c->n : max;
			if (out && *n > 0)
				memcpy(out, c->listen, (size_t)*n * sizeof(*out));
			return true;
		}
	}
	return false;
}

static void cache_store(const char *exec, unsigned long long h, const struct sshd_listen *l, int n)
{
	struct sshd_query_cache *c;
	int dummy;

	if (cache_lookup(exec, h, NULL, 0, &dummy))
		return;
	c = &query_cache[query_cache_next++ % ARRAY_SIZE(query_cache)];
	free(c->exec);
	c->exec = xstrdup(exec);
	c->hash = h;
	memcpy(c->listen, l, (size_t)(n < SSHD_QUERY_MAX ? n : SSHD_QUERY_MAX) * sizeof(*l));
	c->n = n;
	c->valid = true;
}

/* The answer for this exec, path and content: from a question asked ahead
 * about the same content if there is one (taken from another file's name
 * only when it says yes, as a no names that file), else asked now. */
static int sshd_T_answer(const char *exec, const char *config_path, bool readable, unsigned long long h,
			 struct sshd_listen *l, char **why)
{
	char *argv[5];
	struct proc_result res;
	int n;

	*why = NULL;
	for (size_t i = 0; readable && i < ARRAY_SIZE(query_pending); i++) {
		struct sshd_query_pending *p = &query_pending[i];
		if (!p->job.pid || p->hash != h || strcmp(p->exec, exec) != 0)
			continue;
		if (proc_finish(&p->job, &res) < 0)
			break;
		n = sshd_T_parse(&res, l, SSHD_QUERY_MAX, why);
		if (n >= 0 || strcmp(p->path, config_path) == 0)
			return n;
		free(*why);
		*why = NULL;
		break;
	}
	n = proc_run(sshd_T_argv(exec, config_path, argv), -1, -1, SSHD_T_OUT_MAX, SSHD_T_TIMEOUT_MS, &res);
	return n < 0 ? n : sshd_T_parse(&res, l, SSHD_QUERY_MAX, why);
}

void sshd_query_begin(const char *exec, const char *config_path)
{
	struct sshd_query_pending *p = NULL;
	char *argv[5];
	bool readable;
	unsigned long long h = query_key(exec, sshd_config_hash(config_path, &readable));
	int n;

	if (!readable || cache_lookup(exec, h, NULL, 0, &n))
		return;
	for (size_t i = 0; i < ARRAY_SIZE(query_pending); i++) {
		if (query_pending[i].job.pid && query_pending[i].hash == h && strcmp(query_pending[i].exec, exec) == 0)
			return; /* asked already about this content */
		if (!query_pending[i].job.pid && !p)
			p = &query_pending[i];
	}
	if (!p || proc_start(&p->job, sshd_T_argv(exec, config_path, argv), -1, -1, SSHD_T_OUT_MAX,
			     SSHD_T_TIMEOUT_MS) < 0)
		return; /* asked when needed instead */
	free(p->exec);
	free(p->path);
	p->exec = xstrdup(exec);
	p->path = xstrdup(config_path);
	p->hash = h;
}

void sshd_query_settle(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(query_pending); i++) {
		struct sshd_query_pending *p = &query_pending[i];
		struct sshd_listen l[SSHD_QUERY_MAX];
		struct proc_result res;
		char *why = NULL;
		int n;

		if (!p->job.pid || proc_finish(&p->job, &res) < 0)
			continue;
		n = sshd_T_parse(&res, l, SSHD_QUERY_MAX, &why);
		free(why);
		if (n >= 0)
			cache_store(p->exec, p->hash, l, n);
	}
}

int sshd_query(const char *exec, const char *config_path, struct sshd_listen *out, int max, char **why)
{
	struct sshd_listen l[SSHD_QUERY_MAX];
	bool readable;
	unsigned long long h = query_key(exec, sshd_config_hash(config_path, &readable));
	int n;

	*why = NULL;
	if (readable && cache_lookup(exec, h, out, max, &n))
		return n;
	n = sshd_T_answer(exec, config_path, readable, h, l, why);
	if (n < 0)
		return n;
	if (readable)
		cache_store(exec, h, l, n);
	if (n > max)
		n = max;
	if (out && n > 0)
		memcpy(out, l, (size_t)n * sizeof(*out));
	return n;
}

/* Why sshd refuses line N of the file named by the FL bytes at FILE, when
 * it is what an editor or a paste left there that a terminal does not
 * show: a byte-order mark first in the file, or an invisible character
 * (sshd's complaint may not even quote it: "invalid time value."). Into
 * HINT (LEN bytes) as " (...)", to add to sshd's complaint; "" for none. */
static void complaint_hint(const char *file, int fl, unsigned long n, char *hint, size_t len)
{
	char path[PATH_MAX], *line = NULL;
	size_t cap = 0;
	unsigned long k = 0;
	FILE *f;

	hint[0] = '\0';
	if (fl <= 0 || (size_t)fl >= sizeof(path))
		return;
	memcpy(path, file, (size_t)fl);
	path[fl] = '\0';
	f = fopen(path, "re");
	if (!f)
		return;
	while (k < n && getline(&line, &cap, f) >= 0)
		k++;
	if (!line || k != n) {
		/* no such line */
	} else if (n == 1 && strncmp(line, UTF8_BOM, 3) == 0) {
		snprintf(hint, len, " (%s)", SSHD_BOM_WHY);
	} else {
		invisible_hint(line, strlen(line), hint, len);
	}
	free(line);
	fclose(f);
}

/* One line of sshd's, LEN bytes at LINE, that names a line of a config:
 * "FILE: line N: what" or "FILE line N: what". Its FILE's length, N and
 * what into *FILE_LEN, *N and *WHAT. */
static bool line_ref(const char *line, size_t len, int *file_len, unsigned long *n, const char **what)
{
	const char *at = memmem(line, len, " line ", 6);
	char *end;

	if (!at || at == line || at + 6 >= line + len || !isdigit((unsigned char)at[6]))
		return false;
	*n = strtoul(at + 6, &end, 10);
	if (end + 2 > line + len || end[0] != ':' || end[1] != ' ')
		return false;
	*file_len = (int)((at[-1] == ':' ? at - 1 : at) - line);
	*what = end + 2;
	return true;
}

/* One line of "sshd -t" (NUL-terminated) for "oobd -t": "FILE: line N:
 * what" and "FILE line N: what" become "FILE:N: what". */
static void test_line_print(const char *line, const char *where, FILE *errs)
{
	const char *what;
	unsigned long n;
	int fl;

	if (line_ref(line, strlen(line), &fl, &n, &what)) {
		char hint[200];
		complaint_hint(line, fl, n, hint, sizeof(hint));
		fprintf(errs, "%.*s:%lu: %s%s\n", fl, line, n, what, hint);
	} else {
		fprintf(errs, "%s: sshd -t: %s\n", where, line);
	}
}

void sshd_why_line(const char *why, char *buf, size_t size)
{
	const char *last = NULL, *what;
	size_t last_len = 0;
	unsigned long n;
	int fl;

	if (!size)
		return;
	buf[0] = '\0';
	for (const char *l = why; l && *l;) {
		size_t len = strcspn(l, "\r\n"); /* sshd ends its stderr lines with CR LF */
		if (line_ref(l, len, &fl, &n, &what)) {
			size_t wl = len - (size_t)(what - l);
			char hint[200];
			complaint_hint(l, fl, n, hint, sizeof(hint));
			snprintf(buf, size, "%.*s:%lu: %.*s%s", fl, l, n, (int)wl, what, hint);
			return;
		}
		if (len) {
			last = l;
			last_len = len;
		}
		l += len;
		l += strspn(l, "\r\n");
	}
	if (last)
		snprintf(buf, size, "%.*s", (int)last_len, last);
}

int sshd_config_test(const char *exec, const char *config_path, const char *where, FILE *errs)
{
	char dir[PATH_MAX], key[PATH_MAX + 16], opt[PATH_MAX + 32];
	const char *tmp = getenv("TMPDIR");
	char *argv[] = { (char *)exec, "-t", "-f", (char *)config_path, NULL, NULL, NULL };
	char **keys = NULL;
	struct proc_result res;
	int n, problems = 0, missing = 0;

	n = sshd_hostkeys(config_path, &keys);
	if (n < 0)
		return 0; /* unreadable: said already */
	for (int i = 0; i < n; i++)
		missing += access(keys[i], F_OK) != 0;
	if (missing) {
		/* oobd generates them at start: a throw-away key stands in. */
		snprintf(dir, sizeof(dir), "%s/oobd-test-XXXXXX", tmp && *tmp == '/' ? tmp : "/tmp");
		if (!mkdtemp(dir)) {
			fprintf(errs, "%s: warning: sshd -t not run: no directory for a stand-in host key: %s\n", where,
				strerror(errno));
			strv_free(keys);
			return 0;
		}
		snprintf(key, sizeof(key), "%s/host_key", dir);
		snprintf(opt, sizeof(opt), "HostKey=%s", key);
		argv[4] = "-o";
		argv[5] = opt;
		sshd_keygen(key, "oobd host key"); /* if it fails, sshd -t says it has no host key */
	}
	if (proc_run(argv, -1, -1, SSHD_T_OUT_MAX, SSHD_T_TIMEOUT_MS, &res) == 0) {
		for (char *line = res.out, *next; !proc_ok(&res) && line && *line; line = next) {
			bool expected = false;
			next = strchr(line, '\n');
			if (next)
				*next++ = '\0';
			line[strcspn(line, "\r")] = '\0'; /* sshd ends its stderr lines with CR LF */
			/* What oobd makes before sshd starts is not a problem. */
			if (strncmp(line, "Unable to load host key: ", 25) == 0)
				for (int i = 0; i < n; i++)
					expected = expected || (strcmp(line + 25, keys[i]) == 0 && access(keys[i], F_OK) != 0);
			if (strcmp(line, "Missing privilege separation directory: " SSHD_PRIVSEP_DIR) == 0 &&
			    access(SSHD_PRIVSEP_DIR, F_OK) != 0)
				expected = true;
			/* A count of the lines before it. */
			if (strstr(line, ": terminating, ") && strstr(line, " bad configuration options"))
				expected = true;
			if (expected || !*line)
				continue;
			test_line_print(line, where, errs);
			problems = 1;
		}
		if (!proc_ok(&res) && !problems && !res.out_len) {
			fprintf(errs, "%s: sshd -t failed and said nothing\n", where);
			problems = 1;
		}
		proc_result_free(&res);
	} else {
		fprintf(errs, "%s: warning: sshd -t could not be run\n", where);
	}
	if (missing) {
		unlink(key);
		snprintf(opt, sizeof(opt), "%s.pub", key);
		unlink(opt);
		rmdir(dir);
	}
	strv_free(keys);
	return problems;
}

int sshd_privsep_dir(void)
{
	struct stat st;

	if (mkdir(SSHD_PRIVSEP_DIR, 0755) == 0) {
		/* sshd wants it root's and writable by root only; 0755
		 * whatever the umask, as the distribution makes it. */
		if (chmod(SSHD_PRIVSEP_DIR, 0755) < 0)
			return -errno;
		return 1;
	}
	if (errno != EEXIST)
		return -errno;
	if (lstat(SSHD_PRIVSEP_DIR, &st) < 0)
		return -errno;
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

int sshd_prepare(const char *config_path)
{
	char **keys = NULL;
	int n, r = 0, trusted = -1;

	/* At boot the distribution's ssh.service creates this only later
	 * (and removes it whenever it stops: oobd watches for that). */
	n = sshd_privsep_dir();
	if (n < 0) {
		r = n;
		log_err("creating %s: %s", SSHD_PRIVSEP_DIR, strerror(-n));
	}
	n = sshd_hostkeys(config_path, &keys);
	if (n < 0) {
		log_err("reading sshd config %s: %s", config_path, strerror(-n));
		return n;
	}
	for (int i = 0; i < n; i++) {
		if (access(keys[i], F_OK) == 0)
			continue;
		/* Not where, nor for, a config others can change: the path
		 * would be theirs (asked once, and only when a key is due). */
		if (trusted < 0)
			trusted = sshd_config_untrusted(config_path, false, NULL, 0) <= 0;
		if (!trusted) {
			r = -EPERM;
			break;
		}
		int e = sshd_keygen(keys[i], "oobd host key");
		if (e < 0) {
			log_err("generating host key %s failed", keys[i]);
			r = e;
		} else {
			log_notice("generated host key %s", keys[i]);
		}
	}
	strv_free(keys);
	return r;
}

char **sshd_argv(const char *exec, const char *config_path)
{
	char **v = NULL;
	int n = 0;

	strv_push(&v, &n, exec);
	strv_push(&v, &n, "-D");
	strv_push(&v, &n, "-e");
	strv_push(&v, &n, "-f");
	strv_push(&v, &n, config_path);
	strv_push(&v, &n, "-o");
	strv_push(&v, &n, "PidFile=" OOBD_SSHD_PIDFILE);
	return v;
}

/* "0100007F:0016" (IPv4) or 32 hex digits and a port (IPv6), as
 * /proc/net/tcp prints a local address: each 32-bit word of the address
 * as the number it is in memory, so reading it back as a number and
 * storing it gives the address's bytes. */
static bool proc_net_addr(const char *s, int family, struct ipaddr *a, unsigned *port)
{
	size_t words = family == AF_INET ? 1 : 4;
	char *end;

	memset(a, 0, sizeof(*a));
	a->family = family;
	for (size_t i = 0; i < words; i++) {
		char w[9];
		uint32_t v;

		if (strnlen(s + i * 8, 8) < 8)
			return false;
		memcpy(w, s + i * 8, 8);
		w[8] = '\0';
		errno = 0;
		v = (uint32_t)strtoul(w, &end, 16);
		if (errno || *end)
			return false;
		memcpy(a->b + i * 4, &v, 4);
	}
	s += words * 8;
	if (*s != ':')
		return false;
	errno = 0;
	*port = (unsigned)strtoul(s + 1, &end, 16);
	return !errno && end != s + 1;
}

/* The inodes of PID's sockets, or NULL (errno set). */
static unsigned long *pid_socket_inodes(pid_t pid, size_t *n)
{
	char path[64], link[64];
	unsigned long *v = NULL, ino;
	char *end;
	size_t cap = 0;
	struct dirent *e;
	DIR *d;

	*n = 0;
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	d = opendir(path);
	if (!d)
		return NULL;
	while ((e = readdir(d))) {
		char fdpath[64 + sizeof(e->d_name)];
		ssize_t len;

		if (e->d_name[0] == '.')
			continue;
		snprintf(fdpath, sizeof(fdpath), "%s/%s", path, e->d_name);
		len = readlink(fdpath, link, sizeof(link) - 1);
		if (len <= 0)
			continue;
		link[len] = '\0';
		if (strncmp(link, "socket:[", 8) != 0)
			continue;
		errno = 0;
		ino = strtoul(link + 8, &end, 10);
		if (errno || end == link + 8 || strcmp(end, "]") != 0)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			v = xrealloc(v, cap, sizeof(*v));
		}
		v[(*n)++] = ino;
	}
	closedir(d);
	if (!v)
		v = xcalloc(1, sizeof(*v));
	return v;
}

int sshd_pid_listens(pid_t pid, const struct sshd_listen *l)
{
	static const int families[] = { AF_INET, AF_INET6 };
	_cleanup_free_ unsigned long *inodes = NULL;
	size_t n_inodes;
	int found = 0;

	inodes = pid_socket_inodes(pid, &n_inodes);
	if (!inodes)
		return -errno;
	for (size_t f = 0; f < ARRAY_SIZE(families) && !found; f++) {
		int family = families[f];
		char path[64], line[512];
		struct ipaddr any = { .family = family };
		FILE *fp;

		if (l->addr.family && l->addr.family != family)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/net/%s", (int)pid, family == AF_INET ? "tcp" : "tcp6");
		fp = fopen(path, "re");
		if (!fp)
			return -errno;
		if (!fgets(line, sizeof(line), fp)) /* the heading */
			line[0] = '\0';
		while (!found && fgets(line, sizeof(line), fp)) {
			/* sl local rem st tx:rx tr:when retrnsmt uid timeout inode */
			char *field[10], *save = NULL, *end;
			unsigned long ino;
			unsigned port;
			struct ipaddr a;
			size_t nf = 0;

			for (char *t = strtok_r(line, " \t\n", &save); t && nf < ARRAY_SIZE(field);
			     t = strtok_r(NULL, " \t\n", &save))
				field[nf++] = t;
			if (nf < ARRAY_SIZE(field) || strcmp(field[3], "0A") != 0 /* TCP_LISTEN */ ||
			    !proc_net_addr(field[1], family, &a, &port) || port != l->port)
				continue;
			errno = 0;
			ino = strtoul(field[9], &end, 10);
			if (errno || *end)
				continue;
			if (l->addr.family && !ipaddr_equal(&a, &any) && !ipaddr_equal(&a, &l->addr))
				continue;
			for (size_t i = 0; i < n_inodes; i++)
				if (inodes[i] == ino)
					found = 1;
		}
		fclose(fp);
	}
	return found;
}
