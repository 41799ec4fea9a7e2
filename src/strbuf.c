/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

void sb_init(struct strbuf *sb)
{
	sb->buf = NULL;
	sb->len = sb->cap = 0;
}

void sb_free(struct strbuf *sb)
{
	free(sb->buf);
	sb_init(sb);
}

static void sb_grow(struct strbuf *sb, size_t more)
{
	if (sb->len + more + 1 <= sb->cap)
		return;
	while (sb->len + more + 1 > sb->cap)
		sb->cap = sb->cap ? sb->cap * 2 : 256;
	sb->buf = xrealloc(sb->buf, sb->cap, 1);
}

void sb_add(struct strbuf *sb, const char *s, size_t n)
{
	sb_grow(sb, n);
	memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

void sb_puts(struct strbuf *sb, const char *s)
{
	sb_add(sb, s, strlen(s));
}

void sb_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	sb_grow(sb, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
}

char *sb_steal(struct strbuf *sb)
{
	char *r = sb->buf ? sb->buf : xstrdup("");
	sb_init(sb);
	return r;
}

void json_init(struct json *j, struct strbuf *sb)
{
	memset(j, 0, sizeof(*j));
	j->sb = sb;
	j->first[0] = true;
}

static void json_sep(struct json *j)
{
	if (!j->first[j->depth])
		sb_puts(j->sb, ",");
	j->first[j->depth] = false;
}

static void json_open(struct json *j, const char *c)
{
	json_sep(j);
	sb_puts(j->sb, c);
	if (j->depth + 1 < (int)ARRAY_SIZE(j->first))
		j->depth++;
	j->first[j->depth] = true;
}

static void json_close(struct json *j, const char *c)
{
	sb_puts(j->sb, c);
	if (j->depth > 0)
		j->depth--;
}

void json_obj_begin(struct json *j)
{
	json_open(j, "{");
}

void json_obj_end(struct json *j)
{
	json_close(j, "}");
}

void json_arr_begin(struct json *j)
{
	json_open(j, "[");
}

void json_arr_end(struct json *j)
{
	json_close(j, "]");
}

/* Length of the valid UTF-8 sequence at S, or 0 if it is not one. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

/* Always valid JSON: bytes that are not UTF-8 (a file name, a log line)
 * become U+FFFD. */
static void json_escaped(struct strbuf *sb, const char *s)
{
	sb_puts(sb, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c >= 0x80) {
			size_t n = utf8_len((const unsigned char *)s);
			if (n == 0) {
				sb_puts(sb, "\\ufffd");
			} else {
				sb_add(sb, s, n);
				s += n - 1;
			}
		} else if (c == '"' || c == '\\') {
			char e[2] = { '\\', (char)c };
			sb_add(sb, e, 2);
		} else if (c == '\n') {
			sb_puts(sb, "\\n");
		} else if (c == '\t') {
			sb_puts(sb, "\\t");
		} else if (c < 0x20 || c == 0x7f) {
			sb_printf(sb, "\\u%04x", c);
		} else {
			sb_add(sb, (const char *)&c, 1);
		}
	}
	sb_puts(sb, "\"");
}

void json_key(struct json *j, const char *key)
{
	json_sep(j);
	json_escaped(j->sb, key);
	sb_puts(j->sb, ":");
	/* the value that follows needs no separator */
	j->first[j->depth] = true;
}

void json_str(struct json *j, const char *s)
{
	json_sep(j);
	if (s)
		json_escaped(j->sb, s);
	else
		sb_puts(j->sb, "null");
}

void json_int(struct json *j, long long v)
{
	json_sep(j);
	sb_printf(j->sb, "%lld", v);
}

void json_bool(struct json *j, bool v)
{
	json_sep(j);
	sb_puts(j->sb, v ? "true" : "false");
}

void json_null(struct json *j)
{
	json_sep(j);
	sb_puts(j->sb, "null");
}

void json_kstr(struct json *j, const char *key, const char *s)
{
	json_key(j, key);
	json_str(j, s);
}

void json_kint(struct json *j, const char *key, long long v)
{
	json_key(j, key);
	json_int(j, v);
}

void json_kbool(struct json *j, const char *key, bool v)
{
	json_key(j, key);
	json_bool(j, v);
}
