/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sshd_config.c: an sshd config read as sshd reads it (words, Include,
 * Match), its fingerprint, and the standalone copy kept as last-good. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "sshd_config.h"
#include "tmpdir.h"
#include "util.h"

static const char *const dir = tmpdir;

/* Make the directory DIR/NAME. */
static void subdir(const char *name)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	assert_int_equal(mkdir(p, 0700), 0);
}

/* Write TEXT to DIR/NAME; the path in PATH (may be NULL). */
static void put(const char *name, const char *text, char *path)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	assert_int_equal(write_file_atomic(p, text, strlen(text), 0600), 0);
	if (path)
		strcpy(path, p);
}

static struct sshd_conf_file *load(const char *name)
{
	char p[512], why[512];
	struct sshd_conf_file *f = NULL;
	int r;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	r = sshd_conf_load(p, dir, &f, why, sizeof(why));
	if (r < 0)
		fail_msg("loading %s: %s", p, why);
	return f;
}

/* The values of KEYWORD, joined by spaces. */
static char *values(const struct sshd_conf_file *f, const char *keyword, bool first)
{
	static char out[1024];
	char **v = NULL;
	int n = sshd_conf_values(f, keyword, first, &v);

	out[0] = '\0';
	for (int i = 0; i < n; i++) {
		if (i)
			strcat(out, " ");
		strcat(out, v[i]);
	}
	assert_null(v[n]);
	strv_free(v);
	return out;
}

static void test_words(void **state)
{
	struct sshd_conf_file *f;

	(void)state;
	put("words", "# a comment\n\n   \t\n  Port=2222\nListenAddress = 203.0.113.10\r\n"
		     "HostKey \"/k dir/key one\"\nAuthorizedKeysFile a b # trailing\n"
		     "Banner 'x y'\\ z\nsubsystem\tsftp internal-sftp\n",
	    NULL);
	f = load("words");
	assert_int_equal(f->nlines, 6);
	assert_int_equal(f->lines[0].lineno, 4);
	assert_string_equal(f->lines[0].keyword, "Port");
	assert_string_equal(values(f, "port", false), "2222");
	assert_string_equal(values(f, "ListenAddress", false), "203.0.113.10");
	assert_string_equal(f->lines[1].text, "ListenAddress = 203.0.113.10");
	assert_int_equal(f->lines[2].nargs, 1);
	assert_string_equal(f->lines[2].args[0], "/k dir/key one");
	assert_string_equal(values(f, "AuthorizedKeysFile", false), "a b");
	assert_int_equal(f->lines[4].nargs, 1);
	assert_string_equal(f->lines[4].args[0], "x y z");
	assert_string_equal(values(f, "Subsystem", false), "sftp internal-sftp");
	sshd_conf_free(f);
}

/* Relative patterns from the given directory, each pattern's matches
 * sorted, a pattern that matches nothing skipped, nested includes. */
static void test_include_order(void **state)
{
	struct sshd_conf_file *f;
	const char **files = NULL;
	char p[512];
	int n;

	(void)state;
	subdir("conf.d");
	put("conf.d/20-b.conf", "HostKey /k/b\nInclude nested\n", NULL);
	put("conf.d/10-a.conf", "HostKey /k/a\n", NULL);
	put("nested", "HostKey /k/nested\n", NULL);
	put("abs", "HostKey /k/abs\n", NULL);
	snprintf(p, sizeof(p), "HostKey /k/first\nInclude conf.d/*.conf none-*.conf\nInclude %s/abs\nHostKey /k/last\n",
		 dir);
	put("main", p, NULL);
	f = load("main");
	assert_string_equal(values(f, "HostKey", false), "/k/first /k/a /k/b /k/nested /k/abs /k/last");
	n = sshd_conf_files(f, &files);
	assert_int_equal(n, 5);
	assert_non_null(strstr(files[0], "/main"));
	assert_non_null(strstr(files[1], "/conf.d/10-a.conf"));
	assert_non_null(strstr(files[2], "/conf.d/20-b.conf"));
	assert_non_null(strstr(files[3], "/nested"));
	assert_non_null(strstr(files[4], "/abs"));
	assert_null(files[5]);
	free(files);
	assert_string_equal(values(f, "HostKey", true), "/k/first");
	sshd_conf_free(f);
}

/* A Match holds to the end of its own file; what an Include under a
 * Match brings is conditional too. */
static void test_match(void **state)
{
	struct sshd_conf_file *f;

	(void)state;
	put("m-inc", "AuthorizedKeysFile /inc/keys\nMatch user alice\nHostKey /k/alice\n", NULL);
	put("m-cond", "HostKey /k/cond\n", NULL);
	put("m-main", "Include m-inc\nHostKey /k/after\nMatch address 198.51.100.0/24\nInclude m-cond\nHostKey /k/m\n",
	    NULL);
	f = load("m-main");
	assert_string_equal(values(f, "HostKey", false), "/k/after");
	assert_string_equal(values(f, "AuthorizedKeysFile", true), "/inc/keys");
	sshd_conf_free(f);
}

/* The lines some connection could take: the first that applies to every
 * one (or all of them), and every one under a Match, in any file. */
static void test_lines(void **state)
{
	const struct sshd_conf_line **l = NULL;
	struct sshd_conf_file *f;
	int n;

	(void)state;
	put("l-inc", "ForceCommand /inc/second\nMatch user bob\nForceCommand /inc/bob\n", NULL);
	put("l-main", "ForceCommand /main/first\nInclude l-inc\nForceCommand /main/third\nMatch user alice\n"
		      "ForceCommand /m/alice one\nForceCommand /m/alice-two\n", NULL);
	f = load("l-main");
	n = sshd_conf_lines(f, "forcecommand", true, &l);
	assert_int_equal(n, 4);
	assert_string_equal(l[0]->args[0], "/main/first");
	assert_string_equal(l[1]->args[0], "/inc/bob");
	assert_string_equal(l[2]->args[0], "/m/alice");
	assert_string_equal(l[2]->args[1], "one");
	assert_string_equal(l[3]->args[0], "/m/alice-two");
	assert_null(l[4]);
	free(l);
	n = sshd_conf_lines(f, "ForceCommand", false, &l);
	assert_int_equal(n, 6);
	assert_string_equal(l[1]->args[0], "/inc/second");
	assert_string_equal(l[3]->args[0], "/main/third");
	free(l);
	n = sshd_conf_lines(f, "ModuliFile", true, &l);
	assert_int_equal(n, 0);
	assert_null(l[0]);
	free(l);
	sshd_conf_free(f);
}

/* Old names sshd still reads as another keyword count as that keyword. */
static void test_aliases(void **state)
{
	struct sshd_conf_file *f;

	(void)state;
	put("al-main", "HostKey /k/a\nhostdsakey=/k/dsa\nDSAAuthentication no\nPubkeyAuthentication yes\n"
		       "PubkeyAcceptedKeyTypes ssh-dss\nPubkeyAcceptedAlgorithms ssh-ed25519\n", NULL);
	f = load("al-main");
	assert_string_equal(values(f, "HostKey", false), "/k/a /k/dsa");
	assert_string_equal(values(f, "PubkeyAuthentication", true), "no"); /* the first wins */
	assert_string_equal(values(f, "PubkeyAcceptedAlgorithms", true), "ssh-dss");
	assert_string_equal(f->lines[1].text, "hostdsakey=/k/dsa"); /* what the copy keeps */
	sshd_conf_free(f);
}

/* The first line of a keyword that counts, and the file it is in. */
static void test_first(void **state)
{
	const struct sshd_conf_file *in = NULL;
	const struct sshd_conf_line *l;
	struct sshd_conf_file *f;
	char inc[512];

	(void)state;
	put("f-inc", "# a comment\nRevokedKeys /inc/revoked\nMatch user alice\nTrustedUserCAKeys /k/alice\n", inc);
	put("f-main", "revokedkeys=none\nInclude f-inc\nTrustedUserCAKeys \"/k/ca one\"\nTrustedUserCAKeys /k/two\n"
		      "Match all\nAuthorizedPrincipalsFile /k/p\n", NULL);
	f = load("f-main");
	l = sshd_conf_first(f, "RevokedKeys", &in);
	assert_non_null(l);
	assert_ptr_equal(in, f);
	assert_int_equal(l->lineno, 1);
	assert_string_equal(l->args[0], "none");
	l = sshd_conf_first(f, "TrustedUserCAKeys", &in);
	assert_non_null(l);
	assert_ptr_equal(in, f);
	assert_int_equal(l->lineno, 3);
	assert_int_equal(l->nargs, 1);
	assert_string_equal(l->args[0], "/k/ca one");
	/* "Match all" matches every connection: what follows counts again. */
	l = sshd_conf_first(f, "AuthorizedPrincipalsFile", NULL);
	assert_non_null(l);
	assert_int_equal(l->lineno, 6);
	sshd_conf_free(f);
	put("f-main", "Match User x\nPort 2201\nMatch ALL\nPort 2222\nMatch Address 10.0.0.0/8\nPort 2223\n", NULL);
	f = load("f-main");
	assert_string_equal(values(f, "Port", false), "2222");
	sshd_conf_free(f);
	/* A file included under a Match matches nothing, "Match all" in it
	 * neither (sshd -T: the PermitRootLogin below is no one's). */
	put("f-inc2", "Match all\nPermitRootLogin no\n", NULL);
	put("f-main", "PermitRootLogin yes\nMatch User x\nInclude f-inc2\n", NULL);
	f = load("f-main");
	assert_string_equal(values(f, "PermitRootLogin", false), "yes");
	assert_int_equal(sshd_conf_first(f, "PermitRootLogin", NULL)->lineno, 1);
	sshd_conf_free(f);
	put("f-main", "Match User x\nInclude f-inc2\n", NULL);
	f = load("f-main");
	assert_null(sshd_conf_first(f, "PermitRootLogin", NULL));
	sshd_conf_free(f);
	put("f-main", "Include f-inc\nRevokedKeys /k/later\n", NULL);
	f = load("f-main");
	in = NULL;
	l = sshd_conf_first(f, "RevokedKeys", &in);
	assert_non_null(l);
	assert_non_null(in);
	assert_string_equal(in->path, inc);
	assert_int_equal(l->lineno, 2);
	assert_string_equal(l->args[0], "/inc/revoked");
	assert_null(sshd_conf_first(f, "TrustedUserCAKeys", NULL));
	sshd_conf_free(f);
}

static void test_errors(void **state)
{
	struct sshd_conf_file *f = NULL;
	char p[512], why[512];

	(void)state;
	put("e-self", "Include e-self\n", p);
	assert_int_equal(sshd_conf_load(p, dir, &f, why, sizeof(why)), -ELOOP);
	assert_null(f);
	assert_non_null(strstr(why, "nested more than 16 deep"));

	/* A directory, named or matched: sshd reads it as an empty file. */
	put("e-dir", "Include conf.d\nInclude c*.d\nPort 2200\n", p); /* made by test_include_order */
	assert_int_equal(sshd_conf_load(p, dir, &f, why, sizeof(why)), 0);
	assert_int_equal(f->lines[0].ninc, 0);
	assert_int_equal(f->lines[1].ninc, 0);
	assert_string_equal(values(f, "Port", true), "2200");
	sshd_conf_free(f);
	f = NULL;

	snprintf(p, sizeof(p), "%s/absent", dir);
	assert_int_equal(sshd_conf_load(p, dir, &f, why, sizeof(why)), -ENOENT);
	assert_non_null(strstr(why, "absent: No such file"));
}

/* Where files an Include could match would appear, matched or not: the
 * literal directory of each pattern, the directories its wildcard
 * directory components match now, each once, in the config's order. */
static void test_include_dirs(void **state)
{
	struct sshd_conf_file *f;
	char **dirs = NULL, want[9][600];
	int n;

	(void)state;
	subdir("id");
	subdir("id/a");
	subdir("id/b");
	subdir("id/a/x.d");
	put("id-nested", "Include deep/*.conf\n", NULL);
	put("id-main",
	    "Include none.d/*.conf\n"
	    "Include id/*/x.d/*.conf nofile.conf\n"
	    "Include /abs/lit/file.conf ~/home.conf\n"
	    "Include id/*.conf none.d/*.local\n"
	    "Include id/q\\\\*x/*.conf\n"
	    "Match user alice\n"
	    "Include id-nested\n",
	    NULL);
	f = load("id-main");
	n = sshd_conf_include_dirs(f, &dirs);
	snprintf(want[0], sizeof(want[0]), "%s/none.d", dir);
	snprintf(want[1], sizeof(want[1]), "%s/id", dir);
	snprintf(want[2], sizeof(want[2]), "%s/id/a", dir);
	snprintf(want[3], sizeof(want[3]), "%s/id/b", dir);
	snprintf(want[4], sizeof(want[4]), "%s/id/a/x.d", dir);
	snprintf(want[5], sizeof(want[5]), "%s", dir);
	snprintf(want[6], sizeof(want[6]), "/abs/lit");
	snprintf(want[7], sizeof(want[7]), "%s/id/q*x", dir);
	snprintf(want[8], sizeof(want[8]), "%s/deep", dir);
	for (int k = 0; k < n && k < 9; k++)
		assert_string_equal(dirs[k], want[k]);
	assert_int_equal(n, 9);
	assert_null(dirs[n]);
	strv_free(dirs);
	sshd_conf_free(f);

	/* No Include: none. "/" for a file at the top. */
	put("id-none", "Port 22\n", NULL);
	f = load("id-none");
	assert_int_equal(sshd_conf_include_dirs(f, &dirs), 0);
	assert_null(dirs[0]);
	strv_free(dirs);
	sshd_conf_free(f);
	put("id-root", "Include /oobd-no-such-*.conf\n", NULL);
	f = load("id-root");
	assert_int_equal(sshd_conf_include_dirs(f, &dirs), 1);
	assert_string_equal(dirs[0], "/");
	strv_free(dirs);
	sshd_conf_free(f);
}

static unsigned long long hash_of(const char *name)
{
	struct sshd_conf_file *f = load(name);
	unsigned long long h = sshd_conf_hash(f);

	sshd_conf_free(f);
	return h;
}

/* What sshd reads counts; comments, blank lines and where an included
 * file lies do not. */
static void test_hash(void **state)
{
	unsigned long long h;
	char p[512];

	(void)state;
	put("h-inc", "Port 2222\n", NULL);
	put("h-main", "Include h-inc\nPermitRootLogin no\n", NULL);
	h = hash_of("h-main");
	put("h-main", "# note\nInclude h-inc\n\n  PermitRootLogin no   \n", NULL);
	assert_true(hash_of("h-main") == h);
	put("h-inc", "Port 2223\n", NULL);
	assert_true(hash_of("h-main") != h);
	put("h-inc", "Port 2222\n", NULL);
	assert_true(hash_of("h-main") == h);
	/* The same content at another path, named absolutely. */
	put("h-moved", "Port 2222\n", NULL);
	snprintf(p, sizeof(p), "Include %s/h-moved\nPermitRootLogin no\n", dir);
	put("h-main2", p, NULL);
	assert_true(hash_of("h-main2") == h);
	/* Inlined, it is not the same config: a Match in an included file
	 * ends with that file. */
	put("h-inline", "Port 2222\nPermitRootLogin no\n", NULL);
	assert_true(hash_of("h-inline") != h);
	put("h-order", "PermitRootLogin no\nInclude h-inc\n", NULL);
	assert_true(hash_of("h-order") != h);
}

static int count_files(const char *d)
{
	DIR *dd = opendir(d);
	struct dirent *e;
	int n = 0;

	if (!dd)
		return -1;
	while ((e = readdir(dd)))
		n += e->d_name[0] != '.';
	closedir(dd);
	return n;
}

/* The copy stands alone: it reads the same when the originals change or
 * go, and the copies it no longer names are removed. */
static void test_snapshot(void **state)
{
	struct sshd_conf_file *f, *copy;
	char dest[512], d[600], p[512], why[512];
	unsigned long long h;

	(void)state;
	subdir("s.d");
	put("s.d/a.conf", "Port 2222\nInclude s-nested\n", NULL);
	put("s.d/b.conf", "Match user bob\nPasswordAuthentication yes\n", NULL);
	put("s-nested", "HostKey /k/nested\n", NULL);
	put("s-main", "Include s.d/*.conf no-such-*\nHostKey /k/main\n", NULL);
	snprintf(dest, sizeof(dest), "%s/last-good", dir);
	snprintf(d, sizeof(d), "%s.d", dest);

	f = load("s-main");
	h = sshd_conf_hash(f);
	assert_int_equal(sshd_conf_snapshot(f, dest), 0);
	sshd_conf_free(f);
	assert_int_equal(count_files(d), 3);
	put("s.d/a.conf", "Port 9\n", NULL);
	unlink(strcat(strcpy(p, dir), "/s-nested"));
	assert_int_equal(sshd_conf_load(dest, dir, &copy, why, sizeof(why)), 0);
	assert_true(sshd_conf_hash(copy) == h);
	assert_string_equal(values(copy, "HostKey", false), "/k/nested /k/main");
	assert_string_equal(values(copy, "Port", false), "2222");
	sshd_conf_free(copy);

	/* A new snapshot: the nested file is gone, a.conf changed. */
	f = load("s-main");
	assert_int_equal(sshd_conf_snapshot(f, dest), 0);
	assert_int_equal(sshd_conf_load(dest, dir, &copy, why, sizeof(why)), 0);
	assert_true(sshd_conf_hash(copy) == sshd_conf_hash(f));
	assert_string_equal(values(copy, "Port", false), "9");
	sshd_conf_free(copy);
	sshd_conf_free(f);
	assert_int_equal(count_files(d), 2);

	/* Nothing included any more: the directory goes too, and the copy
	 * is the file byte for byte. */
	put("s-main", "# only\nHostKey /k/main\n", NULL);
	f = load("s-main");
	assert_int_equal(sshd_conf_snapshot(f, dest), 0);
	assert_int_equal(count_files(d), -1);
	char *back = NULL;
	assert_int_equal(read_file(dest, &back, NULL, 4096), 0);
	assert_string_equal(back, "# only\nHostKey /k/main\n");
	free(back);
	assert_int_equal(sshd_conf_snapshot(f, "relative/path"), -EINVAL);
	snprintf(p, sizeof(p), "%s/quo\"te", dir);
	assert_int_equal(sshd_conf_snapshot(f, p), -EINVAL);
	sshd_conf_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_include_order),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_aliases),
		cmocka_unit_test(test_first),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_include_dirs),
		cmocka_unit_test(test_hash),
		cmocka_unit_test(test_snapshot),
	};
	return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
