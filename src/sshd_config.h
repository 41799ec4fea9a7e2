/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OOBD_SSHD_CONFIG_H
#define OOBD_SSHD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

/*
 * An OpenSSH server config read the way sshd reads it, Include and all: a
 * tree of files, each the list of its lines (comments and blank lines left
 * out), where an Include line holds the files it names in sshd's order. A
 * relative pattern is taken from /etc/ssh; each pattern's matches come
 * sorted, as glob(3) gives them; a pattern that matches nothing is no error,
 * a file that matches and cannot be read is (as it is to sshd). What the
 * words of a line mean is sshd's business: "sshd -T" judges the config.
 */
#define SSHD_CONF_DIR "/etc/ssh"
#define SSHD_CONF_MAX_DEPTH 16          /* sshd's own limit on nested includes */
#define SSHD_CONF_MAX_BYTES (1 << 20)   /* per file */
#define SSHD_CONF_MAX_FILES 256         /* included files, in all */

struct sshd_conf_file;

struct sshd_conf_line {
	int lineno;
	char *text;                  /* the line as written, without trailing blanks */
	char *keyword;               /* its first word */
	char **args;                 /* the other words, unquoted; NULL-terminated */
	int nargs;
	struct sshd_conf_file **inc; /* an Include line's files, in sshd's order */
	int ninc;
	char **patterns;             /* an Include line's patterns as globbed (relative
	                              * ones from the directory); NULL-terminated, NULL
	                              * on other lines */
};

struct sshd_conf_file {
	char *path;
	char *raw;                   /* the file as read, NUL-terminated */
	size_t raw_len;
	int depth;                   /* 0 for the config itself */
	struct sshd_conf_line *lines;
	int nlines;
};

/* Load PATH and every file it includes, relative patterns taken from DIR
 * (NULL: /etc/ssh). 0 or -errno; WHY (WHYLEN bytes, may be NULL) then says
 * which file failed and how. */
int sshd_conf_load(const char *path, const char *dir, struct sshd_conf_file **out, char *why, size_t whylen);
void sshd_conf_free(struct sshd_conf_file *f);

/* Is this line an Include? */
bool sshd_conf_is_include(const struct sshd_conf_line *l);

/* The words after KEYWORD on each of its lines that apply to every
 * connection (not under a Match, in the file or in one that includes it),
 * or on the first such line only. A NULL-terminated malloc'ed vector; the
 * count. */
int sshd_conf_values(const struct sshd_conf_file *f, const char *keyword, bool first_only, char ***out);

/* Every line with KEYWORD that some connection could take: of those that
 * apply to every connection, the first only (FIRST_ONLY, for a keyword
 * sshd sets once) or all, and all those under a Match. A malloc'ed
 * NULL-terminated vector of borrowed lines; the count. */
int sshd_conf_lines(const struct sshd_conf_file *f, const char *keyword, bool first_only,
		    const struct sshd_conf_line ***out);

/* Whether some line with KEYWORD is under a Match. */
bool sshd_conf_in_match(const struct sshd_conf_file *f, const char *keyword);

/* The first line with KEYWORD that applies to every connection (the one
 * sshd takes for a keyword it sets once), and the file it is in (IN, may be
 * NULL); NULL when there is none. */
const struct sshd_conf_line *sshd_conf_first(const struct sshd_conf_file *f, const char *keyword,
					     const struct sshd_conf_file **in);

/* Every file the config is made of, the config first (borrowed paths, a
 * malloc'ed NULL-terminated vector); the count. */
int sshd_conf_files(const struct sshd_conf_file *f, const char ***out);

/* The directories where a file that an Include pattern matches could
 * appear, whether one does now or not (the files that match now are
 * sshd_conf_files()): for each pattern, the directory before its first
 * component with a wildcard (the pattern's own directory when it has none),
 * and when a directory component has one, the directories those components
 * match now (a new file could be made in any of them). Each directory once,
 * in the order the config names them; patterns that are not absolute (a
 * leading "~", which glob(3) takes as it stands) are left out. A malloc'ed
 * NULL-terminated vector of malloc'ed strings (strv_free); the count. */
int sshd_conf_include_dirs(const struct sshd_conf_file *f, char ***out);

/* A fingerprint of what sshd reads: the lines in their order, with each
 * Include replaced by what it includes. Comments, blank lines and where the
 * included files are do not count: a copy made by sshd_conf_snapshot() has
 * the same. */
unsigned long long sshd_conf_hash(const struct sshd_conf_file *f);

/* Write a copy of the config at DEST that stands alone and reads the same
 * to sshd: every included file copied into DEST.d/ (each named after its
 * content, so a copy being replaced stays whole until DEST names the new
 * ones), the Include lines pointing at the copies, and copies DEST no
 * longer names removed. A file without Include lines is copied byte for
 * byte; one with them is written again, without its comments. 0 or
 * -errno. */
int sshd_conf_snapshot(const struct sshd_conf_file *f, const char *dest);

#endif
