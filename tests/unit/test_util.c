/* SPDX-License-Identifier: GPL-2.0-or-later */
/* util.c: file_copy (a private, mapped copy of a file that a helper reads
 * as its stdin), copy_file_atomic, the word-wise FNV-1a, stack_map (a stack with a guard
 * page) and clone_vfork (a child on this process's memory, on such a
 * stack). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "tmpdir.h"
#include "util.h"

static const char *const dir = tmpdir;

/* A file of LEN bytes of a pattern with newlines; its path in PATH. */
static char *make_file(const char *name, size_t len, char path[256])
{
	char *want = malloc(len + 1);
	int fd;

	assert_non_null(want);
	for (size_t i = 0; i < len; i++)
		want[i] = i % 61 == 60 ? '\n' : (char)('a' + i % 26);
	want[len] = '\0';
	snprintf(path, 256, "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, want, len), (ssize_t)len);
	close(fd);
	return want;
}

/* The mapped copy holds the content and a NUL after it, and the memory
 * file reads back the same bytes from its start, up to its end. */
static void check_copy(const struct file_copy *c, const char *want, size_t len)
{
	char *back = malloc(len + 2);
	ssize_t n, got = 0;

	assert_non_null(back);
	assert_int_equal(c->len, len);
	assert_non_null(c->data);
	assert_memory_equal(c->data, want, len);
	assert_int_equal(c->data[len], '\0');
	assert_true(c->fd >= 0);
	assert_int_equal(lseek(c->fd, 0, SEEK_CUR), 0);
	while ((n = read(c->fd, back + got, len + 2 - (size_t)got)) > 0)
		got += n;
	assert_int_equal(got, (ssize_t)len);
	assert_memory_equal(back, want, len);
	free(back);
}

static void copy_sizes(void **state)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	/* Empty; short; exactly one and several pages (no tail of the last
	 * page to hold the NUL); one byte more; a large ruleset's size. */
	size_t sizes[] = { 0, 1, 100, page - 1, page, page + 1, 3 * page, 325272 };
	(void)state;

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		char path[256], name[32];
		struct file_copy c;
		snprintf(name, sizeof(name), "f%zu", sizes[i]);
		char *want = make_file(name, sizes[i], path);
		assert_int_equal(file_copy(path, 1 << 20, &c), 0);
		check_copy(&c, want, sizes[i]);
		file_copy_free(&c);
		assert_null(c.data);
		free(want);
	}
}

static void copy_is_private(void **state)
{
	char path[256];
	struct file_copy c;
	char *want = make_file("changing", 5000, path);
	int fd;
	(void)state;

	assert_int_equal(file_copy(path, 1 << 20, &c), 0);
	/* The file rewritten in place and cut short afterwards: the copy
	 * keeps what was read. */
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "changed\n", 8), 8);
	close(fd);
	check_copy(&c, want, 5000);
	file_copy_free(&c);
	free(want);
}

static void copy_limits(void **state)
{
	char path[256];
	struct file_copy c;
	char *want = make_file("big", 10000, path);
	(void)state;

	assert_int_equal(file_copy(path, 9999, &c), -EFBIG);
	assert_null(c.data);
	assert_int_equal(file_copy(path, 10000, &c), 0);
	file_copy_free(&c);
	free(want);
	snprintf(path, sizeof(path), "%s/absent", dir);
	assert_int_equal(file_copy(path, 10000, &c), -ENOENT);
	assert_null(c.data);
	file_copy_free(&c); /* harmless after a failure */
}

/* Files the kernel cannot sendfile from (a pipe) come through a buffer. */
static void copy_from_a_pipe(void **state)
{
	int p[2];
	char path[64];
	struct file_copy c;
	(void)state;

	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "*filter\nCOMMIT\n", 15), 15);
	close(p[1]);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", p[0]);
	assert_int_equal(file_copy(path, 1 << 20, &c), 0);
	check_copy(&c, "*filter\nCOMMIT\n", 15);
	file_copy_free(&c);
	close(p[0]);
}

/* FNV-1a over words: the byte-wise FNV-1a of each 8-byte word's value
 * would differ; this pins the definition (word XOR, then multiply) and
 * that the tail goes byte by byte. */
/* copy_file_atomic: the file's bytes (past the kernel's 1 MiB per
 * sendfile), the mode asked for, no temporary file left; a copy over an
 * existing file replaces it whole (another inode). */
static void copy_atomic(void **state)
{
	char src[256], dst[256];
	size_t len = (3u << 20) + 17;
	char *want = make_file("atomic-src", len, src);
	struct stat st, before;
	DIR *d;
	struct dirent *e;
	char *back;
	int fd;

	(void)state;
	snprintf(dst, sizeof(dst), "%s/atomic-dst", dir);
	assert_int_equal(write_file_atomic(dst, "old", 3, 0600), 0);
	assert_int_equal(stat(dst, &before), 0);
	fd = open(src, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(copy_file_atomic(fd, dst, 0700), 0);
	close(fd);
	assert_int_equal(stat(dst, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal((size_t)st.st_size, len);
	assert_true(st.st_ino != before.st_ino);
	back = malloc(len);
	assert_non_null(back);
	fd = open(dst, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	for (size_t got = 0; got < len;) {
		ssize_t n = read(fd, back + got, len - got);
		assert_true(n > 0);
		got += (size_t)n;
	}
	close(fd);
	assert_memory_equal(back, want, len);
	d = opendir(dir);
	assert_non_null(d);
	while ((e = readdir(d)))
		assert_null(strstr(e->d_name, "atomic-dst."));
	closedir(d);
	/* A source that cannot be read: nothing replaced, nothing left. */
	fd = open(src, O_WRONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_true(copy_file_atomic(fd, dst, 0700) < 0);
	close(fd);
	assert_int_equal(stat(dst, &before), 0);
	assert_int_equal(before.st_ino, st.st_ino);
	d = opendir(dir);
	assert_non_null(d);
	while ((e = readdir(d)))
		assert_null(strstr(e->d_name, "atomic-dst."));
	closedir(d);
	free(back);
	free(want);
}

static void fnv_words(void **state)
{
	const unsigned char data[11] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 };
	unsigned long long w, h = FNV64_INIT;
	(void)state;

	memcpy(&w, data, 8);
	h = (h ^ w) * 1099511628211ULL;
	h = fnv64_add(h, data + 8, 3);
	assert_true(fnv64_add_words(FNV64_INIT, data, sizeof(data)) == h);
	assert_true(fnv64_add_words(FNV64_INIT, data, 0) == FNV64_INIT);
	assert_true(fnv64_add_words(FNV64_INIT, data, 5) == fnv64_add(FNV64_INIT, data, 5));
	assert_true(fnv64_add_words(FNV64_INIT, data, 11) != fnv64_add(FNV64_INIT, data, 11));
}

struct vfork_arg {
	int seen;
};

static int child_writes(void *arg)
{
	struct vfork_arg *a = arg;

	a->seen = 42;
	_exit(7);
}

/* The child runs on this process's memory, and before clone_vfork returns. */
static void vfork_shares_memory(void **state)
{
	struct vfork_arg a = { 0 };
	int status;
	pid_t pid;
	(void)state;

	pid = clone_vfork(child_writes, &a, 16384);
	assert_true(pid > 0);
	assert_int_equal(a.seen, 42);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 7);
}

static int __attribute__((noinline)) deep(int n)
{
	volatile char frame[1024];

	frame[0] = (char)n;
	frame[sizeof(frame) - 1] = (char)n;
	return n ? deep(n - 1) + frame[0] + frame[sizeof(frame) - 1] : 0;
}

static int child_overruns(void *arg)
{
	(void)arg;
	signal(SIGSEGV, SIG_DFL);
	_exit(deep(1000) & 1); /* 1 MB of frames on a 16 KiB stack */
}

/* A child that overruns its stack dies, alone. (A stack on the caller's
 * own, as children had before clone_vfork, would run 1 MB down over the
 * waiting caller's frames instead.) */
static void vfork_overrun(void **state)
{
	int status;
	pid_t pid;
	(void)state;

	/* Under ASan the child's stack is an array on ours, with no guard.
	 * (cmocka 1.1's skip() would print "not ok ... # SKIP", which prove
	 * counts as a failure: the test says so and passes instead.) */
	if (!CLONE_VFORK_GUARDED) {
		fprintf(stderr, "# vfork_overrun: skipped, no guard page under AddressSanitizer\n");
		return;
	}
	pid = clone_vfork(child_overruns, NULL, 16384);
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGSEGV);
}

/* stack_map's lowest page is the guard: a write there faults, and the
 * page above it is the stack's. */
static void stack_guard_page(void **state)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), len;
	char *map = stack_map(3 * page + 1, &len);
	int status;
	pid_t pid;
	(void)state;

	assert_non_null(map);
	assert_int_equal(len, 5 * page);
	map[page] = 1;
	map[len - 1] = 1;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		signal(SIGSEGV, SIG_DFL);
		((volatile char *)map)[page - 1] = 1;
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGSEGV);
	assert_int_equal(munmap(map, len), 0);
}

/* Characters a terminal does not show: found, named, written <U+XXXX>;
 * other text, ASCII or not, as it is; the output cut to fit. */
static void visible(void **state)
{
	char out[64], hint[200];
	unsigned cp = 0;
	const char *name;

	(void)state;
	name = str_visible("a\xc2\xa0" "b\xe2\x80\x8b" "c\xef\xbb\xbf", 100, out, sizeof(out), &cp);
	assert_string_equal(out, "a<U+00A0>b<U+200B>c<U+FEFF>");
	assert_string_equal(name, "a no-break space");
	assert_int_equal(cp, 0xa0);
	assert_null(str_visible("gr\xc3\xbcn \t", 100, out, sizeof(out), NULL));
	assert_string_equal(out, "gr\xc3\xbcn \t");
	/* IN_LEN bounds what is read; OUT is cut whole. */
	assert_null(str_visible("abc\xc2\xa0", 3, out, sizeof(out), NULL));
	assert_string_equal(out, "abc");
	/* ... also within a character: its first byte alone is no space. */
	assert_null(str_visible("abc\xc2\xa0", 4, out, sizeof(out), NULL));
	assert_string_equal(out, "abc\xc2");
	str_visible("ab\xc2\xa0", 100, out, 6, NULL);
	assert_string_equal(out, "ab");
	invisible_hint("x\xe3\x80\x80y", 5, hint, sizeof(hint));
	assert_string_equal(hint, " (it holds <U+3000>, an ideographic space, which a terminal does not show: pasted "
				  "from a web page or a document?)");
	invisible_hint("plain", 5, hint, sizeof(hint));
	assert_string_equal(hint, "");
	/* With control characters: those too, nameless; each name once. */
	{
		struct visible v;
		str_visible_all("\x01" "a\xe2\x80\x8b" "b\x7f\xc2\xa0\xe2\x80\x8b\n", 100, out, sizeof(out),
				VISIBLE_CONTROL, &v);
		assert_string_equal(out, "<U+0001>a<U+200B>b<U+007F><U+00A0><U+200B><U+000A>");
		assert_int_equal(v.shown, 6);
		assert_int_equal(v.n_names, 2);
		assert_string_equal(v.names[0], "a zero-width space");
		assert_string_equal(v.names[1], "a no-break space");
		assert_int_equal(v.first_cp, 0x200b);
		str_visible_all("a\tb", 100, out, sizeof(out), 0, &v);
		assert_string_equal(out, "a\tb");
		assert_int_equal(v.shown, 0);
		str_visible_all("a\tb", 100, out, sizeof(out), VISIBLE_CONTROL, &v);
		assert_string_equal(out, "a<U+0009>b");
		assert_int_equal(v.shown, 1);
		assert_int_equal(v.n_names, 0);
	}
	/* Cut points: not inside a character. */
	assert_int_equal(utf8_cut("abcdef", 3), 3);
	assert_int_equal(utf8_cut("ab\xc3\xa9z", 3), 2);
	assert_int_equal(utf8_cut("ab\xe2\x80\x8bz", 4), 2);
	assert_int_equal(utf8_cut("ab\xe2\x80\x8bz", 5), 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(copy_sizes),
		cmocka_unit_test(copy_is_private),
		cmocka_unit_test(copy_limits),
		cmocka_unit_test(copy_from_a_pipe),
		cmocka_unit_test(copy_atomic),
		cmocka_unit_test(fnv_words),
		cmocka_unit_test(vfork_shares_memory),
		cmocka_unit_test(vfork_overrun),
		cmocka_unit_test(stack_guard_page),
		cmocka_unit_test(visible),
	};
	return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
