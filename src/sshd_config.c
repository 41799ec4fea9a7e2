/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sshd_config.h"

#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "strbuf.h"
#include "util.h"

struct load_ctx {
	const char *dir;
	int nfiles;
	char *why;
	size_t whylen;
};

static void say(struct load_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct load_ctx *c, const char *fmt, ...)
{
	va_list ap;

	if (!c->why || !c->whylen)
		return;
	va_start(ap, fmt);
	vsnprintf(c->why, c->whylen, fmt, ap);
	va_end(ap);
}

/* The words of S in place, as sshd splits them (argv_split): blanks
 * separate, quotes group, a backslash escapes a quote, a backslash or (out
 * of quotes) a space, and a word that starts with '#' ends the line. */
static int split_words(char *s, char ***out)
{
	int n = 0;

	*out = xcalloc(1, sizeof(char *));
	for (;;) {
		char *w, *word, quote = 0;
		s += strspn(s, " \t");
		if (!*s || *s == '#')
			break;
		word = w = s;
		for (; *s; s++) {
			if (*s == '\\' && (s[1] == '\'' || s[1] == '"' || s[1] == '\\' || (!quote && s[1] == ' ')))
				*w++ = *++s;
			else if (!quote && (*s == ' ' || *s == '\t'))
				break;
			else if (!quote && (*s == '"' || *s == '\''))
				quote = *s;
			else if (quote && *s == quote)
				quote = 0;
			else
				*w++ = *s;
		}
		char *next = *s ? s + 1 : s;
		*w = '\0';
		*out = xrealloc(*out, (size_t)n + 2, sizeof(char *));
		(*out)[n++] = word;
		(*out)[n] = NULL;
		s = next;
	}
	return n;
}

/* Old names sshd 9.2 still reads as another keyword, by that keyword. */
static const char *keyword_canonical(const char *k)
{
	static const char *const alias[][2] = {
		{ "HostDSAKey", "HostKey" },
		{ "DSAAuthentication", "PubkeyAuthentication" },
		{ "PubkeyAcceptedKeyTypes", "PubkeyAcceptedAlgorithms" },
	};

	for (size_t i = 0; i < sizeof(alias) / sizeof(alias[0]); i++)
		if (strcasecmp(k, alias[i][0]) == 0)
			return alias[i][1];
	return NULL;
}

/* LINE (blank and comment lines already skipped) into L: the keyword ends
 * at a blank or at one '=' (sshd's strdelim), and is named as sshd takes
 * it (keyword_canonical). L->keyword owns the words; L->text is the line. */
static void parse_line(char *line, int lineno, struct sshd_conf_line *l)
{
	size_t klen = strcspn(line, " \t=");
	char k[32], *buf, *end, *rest;
	const char *canon = NULL;

	if (klen < sizeof(k)) {
		memcpy(k, line, klen);
		k[klen] = '\0';
		canon = keyword_canonical(k);
	}
	if (canon) { /* the line as if it named the keyword by its name */
		buf = xcalloc(strlen(canon) + strlen(line + klen) + 1, 1);
		strcpy(buf, canon);
		strcat(buf, line + klen);
	} else {
		buf = xstrdup(line);
	}

	l->lineno = lineno;
	l->text = xstrdup(line);
	end = buf + strcspn(buf, " \t=");
	rest = end + strspn(end, " \t");
	if (*rest == '=')
		rest++;
	*end = '\0';
	l->keyword = buf;
	l->nargs = split_words(rest, &l->args);
}

bool sshd_conf_is_include(const struct sshd_conf_line *l)
{
	return strcasecmp(l->keyword, "Include") == 0;
}

static int load_file(struct load_ctx *c, const char *path, int depth, struct sshd_conf_file **out);

/* The files an Include line names, in sshd's order. */
static int load_includes(struct load_ctx *c, struct sshd_conf_file *f, struct sshd_conf_line *l)
{
	int np = 0;

	for (int a = 0; a < l->nargs; a++) {
		char pattern[PATH_MAX];
		glob_t g;
		int r;

		if (l->args[a][0] == '/' || l->args[a][0] == '~')
			r = snprintf(pattern, sizeof(pattern), "%s", l->args[a]);
		else
			r = snprintf(pattern, sizeof(pattern), "%s/%s", c->dir, l->args[a]);
		if (r >= (int)sizeof(pattern)) {
			say(c, "%s:%d: Include: path too long", f->path, l->lineno);
			return -ENAMETOOLONG;
		}
		/* Kept for sshd_conf_include_dirs(), matched or not. */
		strv_push(&l->patterns, &np, pattern);
		/* GLOB_MARK: a directory the pattern matches ends in '/'; sshd
		 * reads one as an empty file. */
		r = glob(pattern, GLOB_MARK, NULL, &g);
		if (r == GLOB_NOMATCH)
			continue;
		if (r != 0) {
			say(c, "%s:%d: Include %s: the pattern cannot be expanded", f->path, l->lineno, pattern);
			globfree(&g);
			return -EIO;
		}
		for (size_t k = 0; k < g.gl_pathc; k++) {
			struct sshd_conf_file *inc = NULL;
			size_t plen = strlen(g.gl_pathv[k]);
			if (plen > 1 && g.gl_pathv[k][plen - 1] == '/')
				continue;
			r = load_file(c, g.gl_pathv[k], f->depth + 1, &inc);
			if (inc) { /* even half-read: freed with the rest */
				l->inc = xrealloc(l->inc, (size_t)l->ninc + 1, sizeof(struct sshd_conf_file *));
				l->inc[l->ninc++] = inc;
			}
			if (r < 0) {
				globfree(&g);
				return r;
			}
		}
		globfree(&g);
	}
	return 0;
}

static int load_file(struct load_ctx *c, const char *path, int depth, struct sshd_conf_file **out)
{
	_cleanup_free_ char *data = NULL;
	char *raw = NULL;
	struct sshd_conf_file *f;
	size_t len = 0;
	int r, lineno = 0;

	*out = NULL;
	if (depth > SSHD_CONF_MAX_DEPTH) {
		say(c, "%s: Includes nested more than %d deep", path, SSHD_CONF_MAX_DEPTH);
		return -ELOOP;
	}
	if (depth > 0 && ++c->nfiles > SSHD_CONF_MAX_FILES) {
		say(c, "%s: more than %d included files", path, SSHD_CONF_MAX_FILES);
		return -E2BIG;
	}
	r = read_file(path, &raw, &len, SSHD_CONF_MAX_BYTES);
	if (r < 0) {
		say(c, "%s: %s", path, r == -EFBIG ? "larger than 1 MiB" : strerror(-r));
		return r;
	}
	f = xcalloc(1, sizeof(*f));
	f->path = xstrdup(path);
	f->raw = raw;
	f->raw_len = len;
	f->depth = depth;
	data = xcalloc(len + 1, 1); /* split into lines in place */
	memcpy(data, raw, len);
	*out = f;
	/* Lines end at '\n'; like sshd, a NUL ends what is read of a line. */
	for (char *line = data, *end = data + len; line < end;) {
		char *nl = memchr(line, '\n', (size_t)(end - line)), *s;
		size_t n;
		if (nl)
			*nl = '\0';
		lineno++;
		s = line + strspn(line, " \t\f\r");
		n = strlen(s);
		while (n > 0 && strchr(" \t\f\r", s[n - 1]))
			s[--n] = '\0';
		line = nl ? nl + 1 : end;
		if (*s == '\0' || *s == '#')
			continue;
		f->lines = xrealloc(f->lines, (size_t)f->nlines + 1, sizeof(*f->lines));
		struct sshd_conf_line *l = &f->lines[f->nlines++];
		memset(l, 0, sizeof(*l));
		parse_line(s, lineno, l);
		if (sshd_conf_is_include(l)) {
			r = load_includes(c, f, l);
			if (r < 0)
				return r; /* the caller frees *out */
		}
	}
	return 0;
}

int sshd_conf_load(const char *path, const char *dir, struct sshd_conf_file **out, char *why, size_t whylen)
{
	struct load_ctx c = { .dir = dir ? dir : SSHD_CONF_DIR, .why = why, .whylen = whylen };
	int r;

	if (why && whylen)
		why[0] = '\0';
	r = load_file(&c, path, 0, out);
	if (r < 0) {
		sshd_conf_free(*out);
		*out = NULL;
	}
	return r;
}

void sshd_conf_free(struct sshd_conf_file *f)
{
	if (!f)
		return;
	for (int i = 0; i < f->nlines; i++) {
		struct sshd_conf_line *l = &f->lines[i];
		for (int k = 0; k < l->ninc; k++)
			sshd_conf_free(l->inc[k]);
		free(l->inc);
		strv_free(l->patterns);
		free(l->args);
		free(l->keyword);
		free(l->text);
	}
	free(f->lines);
	free(f->path);
	free(f->raw);
	free(f);
}

/* "Match all": every connection matches, so what follows applies to
 * every one again, as outside any Match. */
static bool match_all(const struct sshd_conf_line *l)
{
	return l->nargs == 1 && strcasecmp(l->args[0], "all") == 0;
}

/* A Match holds to the end of its file; an included file starts as the
 * line that includes it stands, and leaves it so (sshd restores it). A
 * file included under a Match (one that starts inactive) is read by sshd
 * as matching nothing: not even a "Match all" in it applies to every
 * connection. The
 * lines with KEYWORD that apply to every connection (ACTIVE): the first
 * only when FIRST_ONLY (*SEEN: one was); those under a Match all, when
 * MATCHED. */
static void lines_walk(const struct sshd_conf_file *f, bool active, const char *keyword, bool first_only,
		       bool matched, bool *seen, const struct sshd_conf_line ***out, int *n)
{
	const bool never = !active;

	for (int i = 0; i < f->nlines; i++) {
		const struct sshd_conf_line *l = &f->lines[i];
		if (strcasecmp(l->keyword, "Match") == 0) {
			active = !never && match_all(l);
		} else if (sshd_conf_is_include(l)) {
			for (int k = 0; k < l->ninc; k++)
				lines_walk(l->inc[k], active, keyword, first_only, matched, seen, out, n);
		} else if (strcasecmp(l->keyword, keyword) == 0 && (active ? !(first_only && *seen) : matched)) {
			*seen |= active;
			*out = xrealloc(*out, (size_t)*n + 2, sizeof(const struct sshd_conf_line *));
			(*out)[(*n)++] = l;
			(*out)[*n] = NULL;
		}
	}
}

static int lines_of(const struct sshd_conf_file *f, const char *keyword, bool first_only, bool matched,
		    const struct sshd_conf_line ***out)
{
	bool seen = false;
	int n = 0;

	*out = xcalloc(1, sizeof(const struct sshd_conf_line *));
	lines_walk(f, true, keyword, first_only, matched, &seen, out, &n);
	return n;
}

int sshd_conf_values(const struct sshd_conf_file *f, const char *keyword, bool first_only, char ***out)
{
	const struct sshd_conf_line **lines;
	int n = 0, nlines = lines_of(f, keyword, first_only, false, &lines);

	*out = xcalloc(1, sizeof(char *));
	for (int i = 0; i < nlines; i++)
		for (int a = 0; a < lines[i]->nargs; a++)
			strv_push(out, &n, lines[i]->args[a]);
	free(lines);
	return n;
}

int sshd_conf_lines(const struct sshd_conf_file *f, const char *keyword, bool first_only,
		    const struct sshd_conf_line ***out)
{
	return lines_of(f, keyword, first_only, true, out);
}

bool sshd_conf_in_match(const struct sshd_conf_file *f, const char *keyword)
{
	const struct sshd_conf_line **all, **every;
	int n = lines_of(f, keyword, false, true, &all), n_every = lines_of(f, keyword, false, false, &every);

	free(all);
	free(every);
	return n > n_every;
}

/* The first line of KEYWORD that applies to every connection; as
 * lines_walk. */
static const struct sshd_conf_line *first_walk(const struct sshd_conf_file *f, bool active, const char *keyword,
					       const struct sshd_conf_file **in)
{
	const bool never = !active;

	for (int i = 0; i < f->nlines; i++) {
		const struct sshd_conf_line *l = &f->lines[i], *found;
		if (strcasecmp(l->keyword, "Match") == 0) {
			active = !never && match_all(l);
		} else if (sshd_conf_is_include(l)) {
			for (int k = 0; k < l->ninc; k++)
				if ((found = first_walk(l->inc[k], active, keyword, in)))
					return found;
		} else if (active && strcasecmp(l->keyword, keyword) == 0) {
			if (in)
				*in = f;
			return l;
		}
	}
	return NULL;
}

const struct sshd_conf_line *sshd_conf_first(const struct sshd_conf_file *f, const char *keyword,
					     const struct sshd_conf_file **in)
{
	return first_walk(f, true, keyword, in);
}

static void files_walk(const struct sshd_conf_file *f, const char ***out, int *n)
{
	*out = xrealloc(*out, (size_t)*n + 2, sizeof(char *));
	(*out)[(*n)++] = f->path;
	(*out)[*n] = NULL;
	for (int i = 0; i < f->nlines; i++)
		for (int k = 0; k < f->lines[i].ninc; k++)
			files_walk(f->lines[i].inc[k], out, n);
}

int sshd_conf_files(const struct sshd_conf_file *f, const char ***out)
{
	int n = 0;

	*out = NULL;
	files_walk(f, out, &n);
	return n;
}

/* Does glob(3) take C as a wildcard? '[' even without its ']': a directory
 * cut short is still checked, and so is what it holds. */
static bool is_wildcard(char c)
{
	return c == '*' || c == '?' || c == '[';
}

/* PATTERN's directories, as sshd_conf_include_dirs() says, added to OUT. */
static void pattern_dirs(const char *pattern, char ***out, int *n)
{
	_cleanup_free_ char *lit = xcalloc(strlen(pattern) + 2, 1);
	const char *p = pattern, *wild = NULL;
	size_t len = 0;

	if (pattern[0] != '/')
		return;
	/* The literal directories, unquoted as glob(3) reads them, up to the
	 * first component with a wildcard or the last one. */
	for (;;) {
		const char *end = p + 1 + strcspn(p + 1, "/");
		size_t mark = len;
		if (!*end)
			break; /* the last component: files, not directories */
		lit[len++] = '/';
		for (const char *q = p + 1; q < end; q++) {
			if (is_wildcard(*q)) {
				wild = p;
				break;
			}
			if (*q == '\\' && q + 1 < end)
				q++;
			lit[len++] = *q;
		}
		if (wild) {
			len = mark;
			break;
		}
		p = end;
	}
	lit[len] = '\0';
	strv_push(out, n, len ? lit : "/");
	/* Each directory component from the wildcard on, as a pattern of its
	 * own: the directories it matches now. */
	for (const char *end = wild; end;) {
		_cleanup_free_ char *sub = NULL;
		glob_t g;
		end += 1 + strcspn(end + 1, "/");
		if (!*end)
			break;
		sub = xcalloc((size_t)(end - pattern) + 1, 1);
		memcpy(sub, pattern, (size_t)(end - pattern));
		if (glob(sub, GLOB_ONLYDIR, NULL, &g) != 0) {
			globfree(&g);
			break; /* nothing deeper can match either */
		}
		for (size_t k = 0; k < g.gl_pathc; k++)
			strv_push(out, n, g.gl_pathv[k]);
		globfree(&g);
	}
}

static void include_dirs_walk(const struct sshd_conf_file *f, char ***out, int *n)
{
	for (int i = 0; i < f->nlines; i++) {
		const struct sshd_conf_line *l = &f->lines[i];
		for (char **p = l->patterns; p && *p; p++)
			pattern_dirs(*p, out, n);
		for (int k = 0; k < l->ninc; k++)
			include_dirs_walk(l->inc[k], out, n);
	}
}

struct dir_slot {
	const char *path;
	int index;
};

static int dir_slot_cmp(const void *a, const void *b)
{
	const struct dir_slot *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	return c ? c : (x->index > y->index) - (x->index < y->index);
}

int sshd_conf_include_dirs(const struct sshd_conf_file *f, char ***out)
{
	_cleanup_free_ struct dir_slot *slots = NULL;
	int n = 0, kept = 0;

	*out = xcalloc(1, sizeof(char *));
	include_dirs_walk(f, out, &n);
	if (n < 2)
		return n;
	/* Each once, the first kept: sorted (n log n, however many patterns a
	 * config has), the later duplicates freed and their slots emptied. */
	slots = xcalloc((size_t)n, sizeof(*slots));
	for (int k = 0; k < n; k++)
		slots[k] = (struct dir_slot){ (*out)[k], k };
	qsort(slots, (size_t)n, sizeof(*slots), dir_slot_cmp);
	for (int k = 1, first = 0; k < n; k++) {
		if (strcmp(slots[k].path, slots[first].path) != 0) {
			first = k; /* the earliest of its kind: kept */
			continue;
		}
		free((*out)[slots[k].index]);
		(*out)[slots[k].index] = NULL;
	}
	for (int k = 0; k < n; k++)
		if ((*out)[k])
			(*out)[kept++] = (*out)[k];
	(*out)[kept] = NULL;
	return kept;
}

static unsigned long long hash_walk(const struct sshd_conf_file *f, unsigned long long h)
{
	for (int i = 0; i < f->nlines; i++) {
		const struct sshd_conf_line *l = &f->lines[i];
		if (!sshd_conf_is_include(l)) {
			h = fnv64_add(h, l->text, strlen(l->text) + 1);
			continue;
		}
		for (int k = 0; k < l->ninc; k++) {
			h = fnv64_add(h, "\0<", 2);
			h = hash_walk(l->inc[k], h);
			h = fnv64_add(h, "\0>", 2);
		}
	}
	return h;
}

unsigned long long sshd_conf_hash(const struct sshd_conf_file *f)
{
	return hash_walk(f, FNV64_INIT);
}

#define SNAP_NAME_LEN 21 /* 16 hex digits and ".conf" */

/* F's copy: at DEST for the config itself, else in DIR under a name made of
 * its content (NAME, added to KEPT), after the copies of what it includes. */
static int snap_file(const struct sshd_conf_file *f, const char *dir, const char *dest, char ***kept, int *nkept,
		     char name[SNAP_NAME_LEN + 1])
{
	char path[PATH_MAX];
	struct strbuf sb;
	bool includes = false;
	int r = 0;

	sb_init(&sb);
	for (int i = 0; i < f->nlines; i++)
		includes = includes || sshd_conf_is_include(&f->lines[i]);
	if (!includes)
		sb_add(&sb, f->raw, f->raw_len);
	else if (dest)
		sb_puts(&sb, "# A copy made by oobd: it stands alone, its included files copied beside it.\n");
	for (int i = 0; includes && i < f->nlines && r == 0; i++) {
		const struct sshd_conf_line *l = &f->lines[i];
		if (!sshd_conf_is_include(l)) {
			sb_printf(&sb, "%s\n", l->text);
		} else if (l->ninc == 0) {
			sb_printf(&sb, "# matched no file: %s\n", l->text);
		} else {
			sb_puts(&sb, "Include");
			for (int k = 0; k < l->ninc && r == 0; k++) {
				char cname[SNAP_NAME_LEN + 1];
				r = snap_file(l->inc[k], dir, NULL, kept, nkept, cname);
				if (r == 0)
					sb_printf(&sb, " \"%s/%s\"", dir, cname);
			}
			sb_puts(&sb, "\n");
		}
	}
	if (r == 0 && dest) {
		r = write_file_atomic(dest, sb.buf, sb.len, 0600);
	} else if (r == 0) {
		snprintf(name, SNAP_NAME_LEN + 1, "%016llx.conf", fnv64_add(FNV64_INIT, sb.buf, sb.len));
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		r = mkdir(dir, 0700) < 0 && errno != EEXIST ? -errno : 0;
		if (r == 0)
			r = write_file_atomic(path, sb.buf, sb.len, 0600);
		strv_push(kept, nkept, name);
	}
	sb_free(&sb);
	return r;
}

/* Remove from DIR the copies (and half-written ones) not in KEPT. */
static void snap_prune(const char *dir, char **kept)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		bool keep = strspn(e->d_name, "0123456789abcdef") != 16 || strncmp(e->d_name + 16, ".conf", 5) != 0;
		for (char **k = kept; !keep && *k; k++)
			keep = strcmp(*k, e->d_name) == 0;
		if (!keep)
			unlinkat(dirfd(d), e->d_name, 0);
	}
	closedir(d);
	if (!kept[0])
		rmdir(dir);
}

int sshd_conf_snapshot(const struct sshd_conf_file *f, const char *dest)
{
	char dir[PATH_MAX], name[SNAP_NAME_LEN + 1];
	char **kept = xcalloc(1, sizeof(char *));
	int nkept = 0, r;

	/* The copies are named in Include lines, quoted, from anywhere. */
	if (dest[0] != '/' || strpbrk(dest, "\"\\\n"))
		r = -EINVAL;
	else if (snprintf(dir, sizeof(dir), "%s.d", dest) >= (int)sizeof(dir) - SNAP_NAME_LEN - 1)
		r = -ENAMETOOLONG;
	else
		r = snap_file(f, dir, dest, &kept, &nkept, name);
	if (r == 0)
		snap_prune(dir, kept);
	strv_free(kept);
	return r;
}
