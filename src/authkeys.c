/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "authkeys.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

/* What a line of an authorized keys file is, as sshd would read it. */
enum key_line {
	KEY_NONE,    /* blank, or a comment */
	KEY_OK,      /* a key sshd takes */
	KEY_DSS,     /* an ssh-dss key: taken only when the config says so */
	KEY_CUT,     /* a key type, but its blob is cut short or another key's */
	KEY_FOREIGN, /* neither: a private key, another format, a key's second half */
	KEY_REFUSED, /* a key, but its options make sshd refuse it */
};

/* The public key types of an authorized keys line, and the fields of their
 * wire form (the type's name first): a blob with other fields is cut short
 * or not that key. Certificates are not in these files, only keys. */
static const struct key_type {
	const char *name;
	int fields;
} key_types[] = {
	{ "ssh-ed25519", 2 },
	{ "ssh-rsa", 3 },
	{ "ecdsa-sha2-nistp256", 3 },
	{ "ecdsa-sha2-nistp384", 3 },
	{ "ecdsa-sha2-nistp521", 3 },
	{ "sk-ssh-ed25519@openssh.com", 3 },
	{ "sk-ecdsa-sha2-nistp256@openssh.com", 4 },
	{ "ssh-dss", 5 },
};

/* Base64 (RFC 4648, padded) of LEN bytes at IN into OUT (LEN * 3 / 4 bytes
 * at most); the length, or -1 when it is not base64. */
static long b64_decode(const char *in, size_t len, unsigned char *out)
{
	unsigned v = 0;
	long n = 0;
	int bits = 0;
	size_t pad = 0;

	if (len % 4)
		return -1;
	for (size_t i = 0; i < len; i++) {
		const char c = in[i];
		int d = c >= 'A' && c <= 'Z' ? c - 'A' : c >= 'a' && c <= 'z' ? c - 'a' + 26
		      : c >= '0' && c <= '9' ? c - '0' + 52 : c == '+' ? 62 : c == '/' ? 63 : -1;
		if (c == '=' && i + 2 >= len) {
			pad++;
			continue;
		}
		if (d < 0 || pad)
			return -1;
		v = (v << 6) | (unsigned)d;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (unsigned char)(v >> bits);
		}
	}
	return n;
}

/* The key at P ("TYPE BASE64 [comment]"), or KEY_NONE when P does not
 * start with a key type and a blob. */
static enum key_line key_at(const char *p)
{
	size_t tlen = strcspn(p, " \t\r\n"), blen;
	const char *blob = p + tlen + strspn(p + tlen, " \t");
	const struct key_type *kt = NULL;
	unsigned char *raw;
	long n;
	int fields = 0;
	size_t off = 0;
	bool named = false;

	for (size_t i = 0; i < ARRAY_SIZE(key_types); i++)
		if (strlen(key_types[i].name) == tlen && strncmp(p, key_types[i].name, tlen) == 0)
			kt = &key_types[i];
	blen = strcspn(blob, " \t\r\n");
	if (!kt || !blen)
		return KEY_NONE;
	raw = xcalloc(blen / 4 * 3 + 3, 1);
	n = b64_decode(blob, blen, raw);
	/* Fields: a 32-bit big-endian length, then that many bytes. */
	while (n > 0 && off + 4 <= (size_t)n) {
		size_t flen = (size_t)raw[off] << 24 | (size_t)raw[off + 1] << 16 | (size_t)raw[off + 2] << 8 | raw[off + 3];
		if (flen > (size_t)n - off - 4)
			break;
		if (fields == 0)
			named = flen == tlen && memcmp(raw + off + 4, p, tlen) == 0;
		off += 4 + flen;
		fields++;
	}
	free(raw);
	if (n < 0 || !named)
		return KEY_CUT;
	if (off != (size_t)n || fields != kt->fields)
		return KEY_CUT;
	return strcmp(kt->name, "ssh-dss") == 0 ? KEY_DSS : KEY_OK;
}

/* The value of an option at *P, in double quotes, as sshd's opt_dequote
 * reads it (\" for a quote inside): its start and length into *V and *VLEN,
 * *P after the closing quote. false when it has no opening or no closing
 * quote. */
static bool dequote(const char **p, const char **v, size_t *vlen)
{
	const char *s = *p;

	if (*s != '"')
		return false;
	*v = ++s;
	for (; *s && *s != '"'; s++)
		if (s[0] == '\\' && s[1] == '"')
			s++;
	if (!*s)
		return false;
	*vlen = (size_t)(s - *v);
	*p = s + 1;
	return true;
}

/* expiry-time's value as sshd reads it (parse_absolute_time): YYYYMMDD,
 * YYYYMMDDHHMM or YYYYMMDDHHMMSS, local time, or UTC with Z or UTC after
 * it, through the same strptime; -1 when it is not such a time. */
static time_t absolute_time(const char *v, size_t len)
{
	char s[32], buf[32];
	const char *fmt, *end;
	struct tm tm;
	bool utc = false;
	time_t t;

	if (len >= sizeof(s))
		return -1;
	memcpy(s, v, len);
	s[len] = '\0';
	if (len > 1 && strcasecmp(s + len - 1, "Z") == 0) {
		utc = true;
		len--;
	} else if (len > 3 && strcasecmp(s + len - 3, "UTC") == 0) {
		utc = true;
		len -= 3;
	}
	switch (len) {
	case 8:
		fmt = "%Y-%m-%d";
		snprintf(buf, sizeof(buf), "%.4s-%.2s-%.2s", s, s + 4, s + 6);
		break;
	case 12:
		fmt = "%Y-%m-%dT%H:%M";
		snprintf(buf, sizeof(buf), "%.4s-%.2s-%.2sT%.2s:%.2s", s, s + 4, s + 6, s + 8, s + 10);
		break;
	case 14:
		fmt = "%Y-%m-%dT%H:%M:%S";
		snprintf(buf, sizeof(buf), "%.4s-%.2s-%.2sT%.2s:%.2s:%.2s", s, s + 4, s + 6, s + 8, s + 10, s + 12);
		break;
	default:
		return -1;
	}
	memset(&tm, 0, sizeof(tm));
	end = strptime(buf, fmt, &tm);
	if (!end || *end)
		return -1;
	t = utc ? timegm(&tm) : mktime(&tm);
	return t <= 0 ? -1 : t;
}

/* A number as OpenBSD's strtonum reads it (strtoll, all of S, MIN to MAX). */
static bool number_in(const char *s, long long min, long long max)
{
	char *end;
	long long n;

	errno = 0;
	n = strtoll(s, &end, 10);
	return end != s && !*end && errno == 0 && n >= min && n <= max;
}

/* permitopen's (or permitlisten's, BARE_PORT) value as sshd's
 * handle_permit reads it: HOST:PORT (HOST in brackets for an IPv6
 * address; "/" will do for ":"), PORT a number from 1 to 65535 or "*";
 * for permitlisten, PORT alone. A port that is not a number may be a
 * service's name, which sshd looks up: taken. */
static bool permit_ok(const char *v, bool bare_port)
{
	const char *port;

	if (bare_port && !strchr(v, ':'))
		port = v;
	else {
		const char *s = v;
		if (*s == '[') {
			s = strchr(s, ']');
			if (!s)
				return false;
			s++;
		} else
			s += strcspn(s, ":/");
		if (*s != ':' && *s != '/')
			return false;
		if (s - v >= 1025) /* NI_MAXHOST */
			return false;
		port = s + 1;
	}
	if (strcmp(port, "*") == 0)
		return true;
	if (*port && strspn(port, "0123456789") == strlen(port))
		return number_in(port, 1, 65535);
	return *port != '\0';
}

/* The options at P (a line's first word, which may quote blanks) as sshd
 * reads them (sshauthopt_parse, then auth_authorise_keyopts's checks that
 * do not depend on the connection): KEY_OK, or KEY_REFUSED with WHY (LEN
 * bytes) saying what sshd refuses. An option sshd does not know, a value
 * without its quotes, a value sshd cannot read, an option given twice that
 * may be given once, principals= without cert-authority, an expiry-time
 * that is past, an empty from= (no address matches it). */
static enum key_line options_check(const char *p, char *why, size_t len)
{
	static const char *const flags[] = { "restrict", "cert-authority" };
	static const char *const negatable[] = { "port-forwarding", "agent-forwarding", "x11-forwarding",
						 "touch-required",  "verify-required",  "pty",
						 "user-rc" };
	/* Those before OPT_ONCE may be given once. */
	enum { OPT_COMMAND, OPT_PRINCIPALS, OPT_FROM, OPT_ONCE, OPT_EXPIRY = OPT_ONCE, OPT_ENV, OPT_OPEN, OPT_LISTEN,
	       OPT_TUNNEL };
	static const char *const valued[] = {
		[OPT_COMMAND] = "command",  [OPT_PRINCIPALS] = "principals", [OPT_FROM] = "from",
		[OPT_EXPIRY] = "expiry-time", [OPT_ENV] = "environment",    [OPT_OPEN] = "permitopen",
		[OPT_LISTEN] = "permitlisten", [OPT_TUNNEL] = "tunnel",
	};
	bool seen[ARRAY_SIZE(valued)] = { false }, ca = false;
	time_t expires = 0;

	while (*p && *p != ' ' && *p != '\t') {
		const char *start = p, *v = NULL;
		size_t vlen = 0;
		int k = -1;
		bool matched = false;

		for (size_t i = 0; i < ARRAY_SIZE(flags) && !matched; i++)
			if (strncasecmp(p, flags[i], strlen(flags[i])) == 0) {
				p += strlen(flags[i]);
				matched = true;
				ca = ca || i == 1;
			}
		for (size_t i = 0; i < ARRAY_SIZE(negatable) && !matched; i++) {
			const char *q = strncasecmp(p, "no-", 3) == 0 ? p + 3 : p;
			if (strncasecmp(q, negatable[i], strlen(negatable[i])) == 0) {
				p = q + strlen(negatable[i]);
				matched = true;
			}
		}
		for (size_t i = 0; i < ARRAY_SIZE(valued) && !matched; i++) {
			size_t n = strlen(valued[i]);
			if (strncasecmp(p, valued[i], n) == 0 && p[n] == '=') {
				k = (int)i;
				p += n + 1;
				matched = true;
			}
		}
		if (k >= 0) {
			_cleanup_free_ char *val = NULL; /* whole: a host name may take 1024 bytes */
			if (!dequote(&p, &v, &vlen)) {
				snprintf(why, len, "option %s's value is not in double quotes", valued[k]);
				return KEY_REFUSED;
			}
			val = xcalloc(vlen + 1, 1);
			memcpy(val, v, vlen);
			if (k < OPT_ONCE && seen[k]) {
				snprintf(why, len, "option %s is given twice", valued[k]);
				return KEY_REFUSED;
			}
			seen[k] = true;
			switch (k) {
			case OPT_FROM:
				if (!vlen) {
					snprintf(why, len, "from=\"\" lets in no address");
					return KEY_REFUSED;
				}
				break;
			case OPT_EXPIRY: { /* the earliest counts */
				time_t t = absolute_time(v, vlen);
				if (t < 0) {
					snprintf(why, len, "expiry-time=\"%.40s\" is not YYYYMMDD[HHMM[SS]][Z]", val);
					return KEY_REFUSED;
				}
				if (!expires || t < expires)
					expires = t;
				break;
			}
			case OPT_ENV: { /* NAME=value */
				size_t name = strcspn(val, "=");
				bool good = name > 0 && val[name] == '=';
				for (size_t i = 0; i < name && good; i++)
					good = (val[i] >= 'a' && val[i] <= 'z') || (val[i] >= 'A' && val[i] <= 'Z') ||
					       (val[i] >= '0' && val[i] <= '9') || val[i] == '_';
				if (!good) {
					snprintf(why, len,
						 "environment=\"%.40s\" is not NAME=value, NAME of letters, digits and _",
						 val);
					return KEY_REFUSED;
				}
				break;
			}
			case OPT_OPEN:
			case OPT_LISTEN:
				if (!permit_ok(val, k == OPT_LISTEN)) {
					snprintf(why, len, "%s=\"%.40s\" is not %s", valued[k], val,
						 k == OPT_LISTEN ? "[HOST:]PORT" : "HOST:PORT");
					return KEY_REFUSED;
				}
				break;
			case OPT_TUNNEL:
				if (strcasecmp(val, "any") != 0 && !number_in(val, 0, 0x7fffffff - 2)) {
					snprintf(why, len, "tunnel=\"%.40s\" is not a tun device's number or any", val);
					return KEY_REFUSED;
				}
				break;
			default:
				break;
			}
		}
		/* What follows an option, or stands where sshd knows none: a
		 * comma (an empty option is skipped), or the end. */
		if (!*p || *p == ' ' || *p == '\t')
			break;
		if (*p != ',') {
			snprintf(why, len, "option '%.*s' is not one sshd knows", (int)strcspn(start, ", \t"), start);
			return KEY_REFUSED;
		}
		p++;
	}
	if (seen[OPT_PRINCIPALS] && !ca) {
		snprintf(why, len, "principals= without cert-authority");
		return KEY_REFUSED;
	}
	if (expires && time(NULL) > expires) {
		snprintf(why, len, "the key's expiry-time is past");
		return KEY_REFUSED;
	}
	return KEY_OK;
}

/* A line of an authorized keys file: a key, maybe after options (which may
 * quote blanks), as sshd reads it (auth_check_authkey_line). WHY (LEN
 * bytes) says why sshd refuses a KEY_REFUSED one. */
static enum key_line key_line(const char *line, char *why, size_t len)
{
	const char *p = line + strspn(line, " \t\r\n"), *opts = p;
	enum key_line k;
	bool quoted = false;

	if (!*p || *p == '#')
		return KEY_NONE;
	k = key_at(p);
	if (k != KEY_NONE)
		return k;
	for (; *p && (quoted || (*p != ' ' && *p != '\t')); p++) {
		if (*p == '\\' && p[1] == '"')
			p++;
		else if (*p == '"')
			quoted = !quoted;
	}
	k = key_at(p + strspn(p, " \t"));
	if (k == KEY_NONE)
		return KEY_FOREIGN;
	if (k == KEY_OK || k == KEY_DSS)
		return options_check(opts, why, len) == KEY_OK ? k : KEY_REFUSED;
	return k;
}

int authkeys_file(const char *path, bool dss, char *what, size_t len)
{
	/* As sshd opens it (auth_openkeyfile): without waiting on a FIFO,
	 * and only a regular file counts. */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	char *line = NULL, refused_why[160] = "", why[160];
	size_t cap = 0;
	int r = 0, lineno = 0, cut = 0, foreign = 0, n_dss = 0, refused = 0, invisible = 0;
	const char *invisible_name = NULL;
	unsigned invisible_cp = 0;
	bool bom = false;
	struct stat st;
	FILE *f;

	snprintf(what, len, "holds no key");
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(what, len, "is not a regular file, which sshd does not read");
		close(fd);
		return 0;
	}
	f = fdopen(fd, "r");
	if (!f) {
		int e = errno;
		close(fd);
		return -e;
	}
	while (!r && getline(&line, &cap, f) >= 0) {
		enum key_line k = key_line(line, why, sizeof(why));

		lineno++;
		/* An editor's byte-order mark: sshd reads it as part of the
		 * line, so the key after it is no key. */
		if (lineno == 1 && (k == KEY_FOREIGN || k == KEY_REFUSED) && strncmp(line, UTF8_BOM, 3) == 0) {
			char ignored[8];
			enum key_line after = key_line(line + 3, ignored, sizeof(ignored));
			bom = after != KEY_FOREIGN && after != KEY_NONE;
		}
		r = k == KEY_OK || (k == KEY_DSS && dss);
		n_dss += k == KEY_DSS;
		if (k == KEY_CUT && !cut)
			cut = lineno;
		if (k == KEY_FOREIGN && !foreign)
			foreign = lineno;
		if (k == KEY_REFUSED && !refused) {
			refused = lineno;
			snprintf(refused_why, sizeof(refused_why), "%s", why);
		}
		/* Pasted from a web page or a chat: a no-break space for a
		 * blank, a zero-width space inside the blob. */
		if ((k == KEY_CUT || k == KEY_FOREIGN || k == KEY_REFUSED) && !invisible) {
			size_t cl;
			/* (a byte-order mark first is said of itself, above) */
			const char *c0 = lineno == 1 && strncmp(line, UTF8_BOM, 3) == 0 ? line + 3 : line;
			for (const char *c = c0; *c && !invisible_name; c++)
				invisible_name = invisible_char(c, SIZE_MAX, &invisible_cp, &cl);
			if (invisible_name)
				invisible = lineno;
		}
	}
	free(line);
	fclose(f);
	if (r)
		what[0] = '\0';
	else if (bom)
		snprintf(what, len, "holds no key sshd can read (line 1: %s)", SSHD_BOM_WHY);
	else if (invisible)
		snprintf(what, len, "holds no key sshd can read (line %d holds <U+%04X>, %s, which a terminal does not "
				    "show: pasted from a web page or a chat?)", invisible, invisible_cp, invisible_name);
	else if (refused)
		snprintf(what, len, "holds no key sshd takes (line %d: %s)", refused, refused_why);
	else if (cut)
		snprintf(what, len, "holds no key sshd can read (line %d: a key cut short, or broken over lines)", cut);
	else if (n_dss)
		snprintf(what, len, "holds only ssh-dss keys, which sshd refuses unless PubkeyAcceptedAlgorithms names "
				    "ssh-dss");
	else if (foreign)
		snprintf(what, len, "holds no key sshd can read (line %d is not a public key in OpenSSH's format: a "
				    "private key, or another format?)", foreign);
	return r;
}
