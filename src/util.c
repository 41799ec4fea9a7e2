/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <time.h>

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p) {
		fputs("<2>out of memory\n", stderr);
		abort();
	}
	return p;
}

void *xrealloc(void *p, size_t n, size_t size)
{
	void *r;
	if (size && n > SIZE_MAX / size)
		abort();
	r = realloc(p, (n * size) != 0 ? n * size : 1);
	if (!r) {
		fputs("<2>out of memory\n", stderr);
		abort();
	}
	return r;
}

char *xstrdup(const char *s)
{
	char *r = strdup(s);
	if (!r) {
		fputs("<2>out of memory\n", stderr);
		abort();
	}
	return r;
}

void strv_push(char ***v, int *n, const char *s)
{
	*v = xrealloc(*v, (size_t)*n + 2, sizeof(char *));
	(*v)[(*n)++] = xstrdup(s);
	(*v)[*n] = NULL;
}

void strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

int mkdir_p(const char *path, unsigned mode)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; ; p++) {
		if (*p == '/' || *p == '\0') {
			char c = *p;
			*p = '\0';
			if (mkdir(buf, mode) < 0 && errno != EEXIST)
				return -errno;
			*p = c;
			if (c == '\0')
				break;
		}
	}
	return 0;
}

static int write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* PATH written whole or not at all: FILL puts the content into FD, a new
 * file under a unique temporary name (two writers never share a
 * half-written file), renamed over PATH. */
static int replace_file(const char *path, unsigned mode, int (*fill)(int fd, const void *arg), const void *arg)
{
	char tmp[PATH_MAX];
	int fd, r;

	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = fill(fd, arg);
	if (r == 0 && fchmod(fd, mode) < 0)
		r = -errno;
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
	return r;
}

struct buffer {
	const char *data;
	size_t len;
};

static int fill_buffer(int fd, const void *arg)
{
	const struct buffer *b = arg;

	return write_all(fd, b->data, b->len);
}

int write_file_atomic(const char *path, const char *data, size_t len, unsigned mode)
{
	struct buffer b = { data, len };

	return replace_file(path, mode, fill_buffer, &b);
}

/* The rest of the file at *FROM (its offset at 0), by the kernel. */
static int fill_copy(int fd, const void *arg)
{
	int in = *(const int *)arg;
	ssize_t n;

	while ((n = sendfile(fd, in, NULL, 1 << 20)) > 0)
		;
	return n < 0 ? -errno : 0;
}

int copy_file_atomic(int from, const char *path, unsigned mode)
{
	return replace_file(path, mode, fill_copy, &from);
}

int write_file_in_place(const char *path, const char *data, size_t len, unsigned mode)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	int r;

	if (fd < 0) {
		if (errno == ENOENT)
			return write_file_atomic(path, data, len, mode);
		return -errno;
	}
	/* Same inode: bind mounts of this file (the namespace's view of
	 * /etc/resolv.conf) see the new content at once. */
	r = write_all(fd, data, len);
	if (r == 0 && ftruncate(fd, (off_t)len) < 0)
		r = -errno;
	if (r == 0 && fchmod(fd, mode) < 0)
		r = -errno;
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	return r;
}

void file_copy_free(struct file_copy *c)
{
	if (c->data)
		munmap(c->data, c->map_len);
	if (c->fd > 0)
		close(c->fd);
	memset(c, 0, sizeof(*c));
}

/* SRC to DST, in the kernel where it can (a regular file), else through a
 * buffer. The bytes copied, or -errno; more than MAX gives -EFBIG. */
static ssize_t copy_fd(int dst, int src, size_t max)
{
	size_t total = 0;
	bool use_sendfile = true;
	char buf[16384];

	for (;;) {
		ssize_t n = use_sendfile ? sendfile(dst, src, NULL, max + 1 - total) : read(src, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && use_sendfile && total == 0 && (errno == EINVAL || errno == ENOSYS)) {
			use_sendfile = false;
			continue;
		}
		if (n < 0)
			return -errno;
		if (n == 0)
			return (ssize_t)total;
		if (!use_sendfile) {
			for (ssize_t o = 0; o < n;) {
				ssize_t w = write(dst, buf + o, (size_t)(n - o));
				if (w < 0 && errno == EINTR)
					continue;
				if (w < 0)
					return -errno;
				o += w;
			}
		}
		total += (size_t)n;
		if (total > max)
			return -EFBIG;
	}
}

int file_copy(const char *path, size_t max, struct file_copy *c)
{
	_cleanup_close_ int in = open(path, O_RDONLY | O_CLOEXEC);
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	ssize_t n;
	int r;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	if (in < 0)
		return -errno;
	c->fd = memfd_create("oobd-copy", MFD_CLOEXEC);
	if (c->fd < 0)
		return -errno;
	n = copy_fd(c->fd, in, max);
	if (n < 0 || lseek(c->fd, 0, SEEK_SET) < 0) {
		r = n < 0 ? (int)n : -errno;
		file_copy_free(c);
		return r;
	}
	c->len = (size_t)n;
	/* Room for the NUL after the content: anonymous zeroed memory, the
	 * copy mapped over its start (the rest of a page past the end of a
	 * file maps as zeroes too). */
	c->map_len = (c->len + 1 + page - 1) / page * page;
	c->data = mmap(NULL, c->map_len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (c->data == MAP_FAILED) {
		c->data = NULL;
		r = -errno;
		file_copy_free(c);
		return r;
	}
	if (c->len && mmap(c->data, c->len, PROT_READ, MAP_SHARED | MAP_FIXED | MAP_POPULATE, c->fd, 0) == MAP_FAILED) {
		r = -errno;
		file_copy_free(c);
		return r;
	}
	return 0;
}

int read_file(const char *path, char **out, size_t *lenp, size_t max)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 4096;
	struct stat st;

	if (fd < 0)
		return -errno;
	/* A regular file's size, plus one byte to see it end (or grow): one
	 * buffer, not a string of ever larger copies. /proc files say 0. */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 && (size_t)st.st_size < max)
		cap = (size_t)st.st_size + 1;
	buf = xcalloc(1, cap + 1);
	for (;;) {
		ssize_t n;
		if (len == cap) {
			if (cap >= max)
				return -EFBIG;
			cap *= 2;
			buf = xrealloc(buf, cap + 1, 1);
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > max)
		return -EFBIG;
	buf[len] = '\0';
	*out = steal_pointer(&buf);
	if (lenp)
		*lenp = len;
	return 0;
}

/* Characters a terminal shows as nothing, or as a plain space, that a
 * parser sees: pasted from a web page or a document. */
static const struct invisible {
	const char *utf8, *name;
} invisibles[] = {
	{ "\xc2\xa0", "a no-break space" },
	{ "\xc2\xad", "a soft hyphen" },
	{ "\xe2\x80\x87", "a figure space" },
	{ "\xe2\x80\x8b", "a zero-width space" },
	{ "\xe2\x80\x8c", "a zero-width non-joiner" },
	{ "\xe2\x80\x8d", "a zero-width joiner" },
	{ "\xe2\x80\xa8", "a line separator" },
	{ "\xe2\x80\xa9", "a paragraph separator" },
	{ "\xe2\x80\xaf", "a narrow no-break space" },
	{ "\xe2\x81\xa0", "a word joiner" },
	{ "\xe3\x80\x80", "an ideographic space" },
	{ "\xef\xbb\xbf", "a byte-order mark" },
};

const char *invisible_char(const char *s, size_t avail, unsigned *cp, size_t *len)
{
	for (size_t k = 0; k < ARRAY_SIZE(invisibles); k++) {
		const unsigned char *u = (const unsigned char *)invisibles[k].utf8;
		size_t n = strlen(invisibles[k].utf8);
		if (n > avail || strncmp(s, invisibles[k].utf8, n) != 0)
			continue;
		*cp = n == 2 ? (u[0] & 0x1fu) << 6 | (u[1] & 0x3fu)
			     : (u[0] & 0x0fu) << 12 | (u[1] & 0x3fu) << 6 | (u[2] & 0x3fu);
		*len = n;
		return invisibles[k].name;
	}
	return NULL;
}

void str_visible_all(const char *in, size_t in_len, char *out, size_t len, unsigned flags, struct visible *v)
{
	size_t o = 0;

	memset(v, 0, sizeof(*v));
	if (!len)
		return;
	for (size_t i = 0; i < in_len && in[i] && o + 1 < len;) {
		unsigned char c = (unsigned char)in[i];
		unsigned cp = c;
		size_t cl = 1, k = 0;
		const char *name = invisible_char(in + i, in_len - i, &cp, &cl);
		int n;

		if (!name && !((flags & VISIBLE_CONTROL) && (c < 0x20 || c == 0x7f))) {
			out[o++] = in[i++];
			continue;
		}
		n = snprintf(out + o, len - o, "<U+%04X>", cp);
		if (n < 0 || (size_t)n >= len - o)
			break;
		o += (size_t)n;
		i += cl;
		v->shown++;
		while (name && k < v->n_names && v->names[k] != name)
			k++;
		if (name && k == v->n_names && k < ARRAY_SIZE(v->names)) {
			if (!k)
				v->first_cp = cp;
			v->names[v->n_names++] = name;
		}
	}
	out[o] = '\0';
}

const char *str_visible(const char *in, size_t in_len, char *out, size_t len, unsigned *first_cp)
{
	struct visible v;

	str_visible_all(in, in_len, out, len, 0, &v);
	if (!v.n_names)
		return NULL;
	if (first_cp)
		*first_cp = v.first_cp;
	return v.names[0];
}

void invisible_hint(const char *line, size_t n, char *hint, size_t len)
{
	char row[1024];
	unsigned cp = 0;
	const char *name = str_visible(line, n, row, sizeof(row), &cp);

	if (len)
		hint[0] = '\0';
	if (name)
		snprintf(hint, len, " (it holds <U+%04X>, %s, which a terminal does not show: pasted from a web page or a "
				    "document?)", cp, name);
}

size_t utf8_cut(const char *s, size_t n)
{
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
}

void str_copy(char *dst, const char *src, size_t size)
{
	size_t n = strnlen(src, size - 1);
	memcpy(dst, src, n);
	dst[n] = '\0';
}

unsigned long long fnv64_add(unsigned long long h, const void *data, size_t len)
{
	const unsigned char *p = data;
	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 1099511628211ULL;
	}
	return h;
}

unsigned long long fnv64_add_words(unsigned long long h, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		unsigned long long w;
		memcpy(&w, p + i, 8);
		h ^= w;
		h *= 1099511628211ULL;
	}
	return fnv64_add(h, p + i, len - i);
}

long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void *stack_map(size_t size, size_t *len)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	char *map;
	int e;

	*len = (size + page - 1) / page * page + page;
	map = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (map == MAP_FAILED)
		return NULL;
	/* The guard: the stack grows down, towards the mapping's start. */
	if (mprotect(map, page, PROT_NONE) < 0) {
		e = errno;
		munmap(map, *len);
		errno = e;
		return NULL;
	}
	return map;
}

#if CLONE_VFORK_GUARDED
pid_t clone_vfork(int (*fn)(void *), void *arg, size_t stack_size)
{
	size_t len;
	char *map = stack_map(stack_size, &len);
	pid_t pid;
	int e;

	if (!map)
		return -errno;
	pid = clone(fn, map + len, CLONE_VM | CLONE_VFORK | SIGCHLD, arg);
	e = errno;
	/* The child has execed or exited: its stack is ours to unmap. */
	munmap(map, len);
	return pid < 0 ? -e : pid;
}
#else
/* AddressSanitizer knows one stack per thread: a child running on another
 * (the child shares the thread's state) makes it warn at every call that
 * does not return ("ignoring requested __asan_handle_no_return"). Under it
 * the child's stack is an array on this one, kept off ASan's fake stacks,
 * with no guard page. */
#define CLONE_VFORK_ASAN_STACK 32768
void __asan_unpoison_memory_region(void const volatile *addr, size_t size);
__attribute__((no_sanitize_address)) pid_t clone_vfork(int (*fn)(void *), void *arg, size_t stack_size)
{
	char stack[CLONE_VFORK_ASAN_STACK] __attribute__((aligned(16)));
	pid_t pid;
	int e;

	if (stack_size > sizeof(stack))
		return -EINVAL;
	pid = clone(fn, stack + sizeof(stack), CLONE_VM | CLONE_VFORK | SIGCHLD, arg);
	e = errno;
	/* The child's frames left their redzones in the shadow memory it
	 * shares: stale, they would be taken for errors in the frames that
	 * reuse this part of the stack later. */
	__asan_unpoison_memory_region(stack, sizeof(stack));
	return pid < 0 ? -e : pid;
}
#endif
