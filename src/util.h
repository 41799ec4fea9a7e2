/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OOBD_UTIL_H
#define OOBD_UTIL_H

#include <stddef.h>
#include <stdlib.h>
#include <unistd.h>

/* Scope-bound resources, after bubblewrap: every early return cleans up. */
static inline void cleanup_freep(void *p)
{
	free(*(void **)p);
}
static inline void cleanup_closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}
#define _cleanup_free_ __attribute__((cleanup(cleanup_freep)))
#define _cleanup_close_ __attribute__((cleanup(cleanup_closep)))

static inline void *steal_pointer(void *pp)
{
	void **p = pp, *r = *p;
	*p = NULL;
	return r;
}
static inline int steal_fd(int *fd)
{
	int r = *fd;
	*fd = -1;
	return r;
}

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* The byte-order mark some editors put first in a UTF-8 file ("UTF-8 with
 * BOM"). sshd and iptables-restore read it as part of the first line. */
#define UTF8_BOM "\xef\xbb\xbf"

/* A stack of SIZE bytes (rounded up to pages) for a child or a thread,
 * with a PROT_NONE guard page below it: an overrun faults instead of
 * writing over whatever lies below. The mapping's start (its length in
 * *LEN, for munmap), or NULL with errno set. */
void *stack_map(size_t size, size_t *len);

/* FN(ARG) in a child that shares this process's memory and runs while the
 * caller waits, until it execs or exits (clone(CLONE_VM | CLONE_VFORK), as
 * posix_spawn() does): no page table is copied and no page of the
 * supervisor faults afterwards. The child gets a stack of its own of
 * STACK_SIZE bytes, mapped for the call with a guard page below it, so a
 * child that overruns it faults instead of writing over the caller's
 * stack, and the supervisor's own stack keeps none of the child's pages.
 * (Under AddressSanitizer, which knows one stack per thread, the child's
 * stack is an array on the caller's, of at most 32 KiB, with no guard.)
 * The child's pid, or -errno. */
pid_t clone_vfork(int (*fn)(void *), void *arg, size_t stack_size);
#if defined(__SANITIZE_ADDRESS__)
#define CLONE_VFORK_GUARDED 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CLONE_VFORK_GUARDED 0
#endif
#endif
#ifndef CLONE_VFORK_GUARDED
#define CLONE_VFORK_GUARDED 1
#endif

/* Allocation failure in a supervisor is not recoverable in any useful way:
 * these abort, and never return NULL. */
void *xcalloc(size_t n, size_t size) __attribute__((returns_nonnull));
void *xrealloc(void *p, size_t n, size_t size) __attribute__((returns_nonnull));
char *xstrdup(const char *s) __attribute__((returns_nonnull));

/* NULL-terminated vectors of malloc'ed strings: append a copy of S (V may
 * start NULL, N its count), and free one (NULL is harmless). */
void strv_push(char ***v, int *n, const char *s);
void strv_free(char **v);

/* mkdir -p with the given mode for the directories it creates; 0 or -errno. */
int mkdir_p(const char *path, unsigned mode);

/* Whole-file write: to a new file via tmp+rename, or (in_place) into the
 * existing inode so bind mounts of it see the change. 0 or -errno. */
int write_file_atomic(const char *path, const char *data, size_t len, unsigned mode);
int write_file_in_place(const char *path, const char *data, size_t len, unsigned mode);
/* The same, with the content of the open file FROM (from its offset on). */
int copy_file_atomic(int from, const char *path, unsigned mode);

/* Read a small file whole (NUL-terminated). 0 or -errno. */
int read_file(const char *path, char **out, size_t *len, size_t max);

/*
 * A private copy of the file at PATH, at most MAX bytes: a memory file (FD,
 * at offset 0, for a helper's stdin) that the kernel fills (sendfile), and
 * its content mapped read-only with its pages in place (DATA, LEN bytes,
 * NUL-terminated). What is read from DATA is what the helper reads, whatever
 * happens to the file meanwhile, and a large file costs no page fault per
 * 4 KiB as a read() into fresh memory does. 0 or -errno (-EFBIG: too large).
 */
struct file_copy {
	int fd;
	char *data;
	size_t len, map_len;
};
int file_copy(const char *path, size_t max, struct file_copy *c);
void file_copy_free(struct file_copy *c);   /* harmless on a zeroed one */
#define _cleanup_file_copy_ __attribute__((cleanup(file_copy_free)))

/* The character at S (AVAIL bytes at most, up to a NUL) that a terminal
 * shows as nothing or as a plain space, though a parser sees it (a no-break
 * space, a zero-width space, a byte-order mark...): its name ("a no-break
 * space"), its code point into *CP and its length in UTF-8 into *LEN; NULL
 * when S starts with none. */
const char *invisible_char(const char *s, size_t avail, unsigned *cp, size_t *len);

/* The IN_LEN bytes at IN (up to a NUL) into OUT (LEN bytes, cut to fit,
 * NUL-terminated) with each such character written <U+XXXX>: the name of
 * the first one (its code point into *FIRST_CP, may be NULL), or NULL. */
const char *str_visible(const char *in, size_t in_len, char *out, size_t len, unsigned *first_cp);

/* What str_visible_all wrote as <U+XXXX>. */
struct visible {
	size_t shown;                   /* characters, control ones included */
	size_t n_names;
	const char *names[8];           /* each invisible one's name once, in order met */
	unsigned first_cp;              /* the code point of names[0] */
};
#define VISIBLE_CONTROL 1u      /* also control characters (they have no name) */

/* str_visible, with what it wrote into *V; FLAGS: VISIBLE_CONTROL or 0. */
void str_visible_all(const char *in, size_t in_len, char *out, size_t len, unsigned flags, struct visible *v);

/* What the N bytes of a file's LINE hold that a terminal does not show,
 * as " (it holds <U+00A0>, a no-break space, ...)" to add to a complaint
 * about the line, into HINT (LEN bytes); "" when nothing. */
void invisible_hint(const char *line, size_t n, char *hint, size_t len);

/* Where to cut the string S at N bytes or fewer without splitting a UTF-8
 * character: N, or less when S[N] continues one (S holds more than N). */
size_t utf8_cut(const char *s, size_t n);

/* Copy SRC into DST of SIZE bytes, truncating; always NUL-terminated. */
void str_copy(char *dst, const char *src, size_t size);

/* FNV-1a, 64 bits: content fingerprints (not for security). */
#define FNV64_INIT 1469598103934665603ULL
unsigned long long fnv64_add(unsigned long long h, const void *data, size_t len);
/* The same over 64-bit words (the bytes of a short tail one by one): eight
 * times fewer multiplications, for contents of hundreds of kilobytes. */
unsigned long long fnv64_add_words(unsigned long long h, const void *data, size_t len);

/* Monotonic clock in milliseconds. */
long long now_ms(void);

#endif
