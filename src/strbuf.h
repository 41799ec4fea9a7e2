/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OOBD_STRBUF_H
#define OOBD_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

/* A growable NUL-terminated string, and JSON written into one. */
struct strbuf {
	char *buf;
	size_t len, cap;
};

void sb_init(struct strbuf *sb);
void sb_free(struct strbuf *sb);
void sb_add(struct strbuf *sb, const char *s, size_t n);
void sb_puts(struct strbuf *sb, const char *s);
void sb_printf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Take the string; the buffer is empty again. */
char *sb_steal(struct strbuf *sb);

/*
 * Minimal JSON writer: the caller writes structure, these handle commas and
 * escaping. json_key() before a member value; values: json_str, json_int,
 * json_bool, json_null, or a nested object/array.
 */
struct json {
	struct strbuf *sb;
	int depth;
	bool first[32];
};
void json_init(struct json *j, struct strbuf *sb);
void json_obj_begin(struct json *j);
void json_obj_end(struct json *j);
void json_arr_begin(struct json *j);
void json_arr_end(struct json *j);
void json_key(struct json *j, const char *key);
void json_str(struct json *j, const char *s);
void json_int(struct json *j, long long v);
void json_bool(struct json *j, bool v);
void json_null(struct json *j);
/* Shorthands for "key": value members. */
void json_kstr(struct json *j, const char *key, const char *s);
void json_kint(struct json *j, const char *key, long long v);
void json_kbool(struct json *j, const char *key, bool v);

#endif
