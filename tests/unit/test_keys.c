/* SPDX-License-Identifier: GPL-2.0-or-later */
/* authkeys.c: what an authorized keys file gives sshd (sshd_login_check):
 * a key of each type sshd reads, after options or not; and files that look
 * as if they held one and do not: a key cut short or broken over lines, a
 * key in another format, a private key, only ssh-dss keys, options sshd
 * refuses, a byte-order mark first. What the real sshd does with each is
 * in tests/supervise_keys_format.t and tests/supervise_no_keys.t. */
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

#include "sshd.h"
#include "tmpdir.h"
#include "util.h"

/* Public keys, made with ssh-keygen for this test. */
#define ED25519 "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGMNQK0hiMcANjLSVHDIauReeBtAbrqqQOXAA7pnQSJU"
#define RSA "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCM/ONgo0UzTkzQ92uT1SWCGMeI8Fic8pLYUktq8I9SwiSqd0dVplQLSFoYL9gPe0o6F0aKiC1LRmJOz/V4ZHeUvqZDFne0UMDmvicFlXhRBnC3wbrJyQiSDqM+VfcpRZJ64S49NmcspKbSIkmKFrikE5EHeS3RteWlsufLjSYYcfMNwEHZlfj/RbfRbnwyZJ4VogF4wwNuAgxjQBBA4iXSEWakA7SKjrR2EKTXTuIXib/rEALJg0Hg1WSH5FvC52Tpnb9mIIvh0a7CPt8Fb7FrSNujHItDOXVQC+RcPJ1z1HWwjNycUWhE3ii3XIoKveEXR9E/5KU6DiiDAHjwnw8P"
#define ECDSA "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBM9Nohjzqxjo8JjQJIwco6mUjh7Ck6UwLu0Kl3TrrzxDsMj/5f+29VJouTStKg2b8C69i30WzIwJMbpy0CY/EkA="
#define DSS "ssh-dss AAAAB3NzaC1kc3MAAACBANXp3Sr5O79iPh9nBOr7ljcoLYV5IHcfY/Y9Qi6khUun8N7TunBMAOW38Yb6Z8ikqpKdnpS/HcydKZ3JZabb4cfKzavb6T0WwmY9qj8EPjplcMs4aK4AtCMfUW44+KPgg+prkzV91A0UaPISAjofQ+RpFu1LsWpDpKf5V6qYq6pvAAAAFQDt9iD382wN87/NF9lc4WUdmyj9NQAAAIBWb8UqW6xzIFakRD7aJXa+wcYdim91gf/h8GMpO22Zgzwbrncy4K9E3kX9GSqWYuM0E6Y7MYg/Q+5xbDkeUvc63audP5U8Sd1VjZUtCwmjjJVOqb5wVZOxfEykY0ge/EdpypSPV4km7s8giEoZRekDJVuQeibS8pk4pUn6mOuGjAAAAIAzJmB3KfRCdqP7TrxgoxiSehNCdo4neHO8BuVoU9sTIOGmsqUy/9X7nZ/q3qy+bQa8Lj5Zz/QSIsnkV/QucR4fo0OksJEHDcE0kCAW5LPOH6qo/KRiW/R7ciplF47V6Fh+k8aDd6iLFmVnTSHKXpJbklnFaSZ1MECX2PqnnnTouA=="

/* What sshd_login_check says of a keys file holding CONTENT, the sshd
 * config adding EXTRA: "" when a key can log in. */
static const char *keys_say(const char *content, const char *extra)
{
	static char keys[1024];
	char root[256], conf[256], path[256];

	snprintf(path, sizeof(path), "%s/keys", tmpdir);
	snprintf(conf, sizeof(conf), "%s/sshd_config", tmpdir);
	assert_int_equal(write_file_atomic(path, content, strlen(content), 0600), 0);
	{
		char text[1024];
		int n = snprintf(text, sizeof(text), "PermitRootLogin no\nAuthorizedKeysFile %s\n%s", path, extra);
		assert_int_equal(write_file_atomic(conf, text, (size_t)n, 0600), 0);
	}
	sshd_login_check(conf, keys, sizeof(keys), root, sizeof(root));
	assert_string_equal(root, "");
	/* The path, then what it says: compare only what it says. */
	return keys[0] ? keys + strlen(path) + 1 : keys;
}

static void test_keys_read(void **state)
{
	(void)state;
	assert_string_equal(keys_say(ED25519 " admin@desk\n", ""), "");
	assert_string_equal(keys_say(RSA "\n", ""), "");
	assert_string_equal(keys_say(ECDSA " ec\n", ""), "");
	/* After options, one of which quotes blanks. */
	assert_string_equal(keys_say("from=\"203.0.113.0/24\",command=\"echo a b\",no-pty " ED25519 " x\n", ""), "");
	assert_string_equal(keys_say("# the oob keys\n\n   \n" RSA " r\n", ""), "");
	/* One good key among broken lines is enough. */
	assert_string_equal(keys_say("garbage\n" ED25519 "\n", ""), "");
}

static void test_keys_none(void **state)
{
	char cut[sizeof(RSA) + 1]; /* the key and the newline put in it */

	(void)state;
	assert_string_equal(keys_say("", ""), "holds no key");
	assert_string_equal(keys_say("# only a comment\n\n", ""), "holds no key");
	/* Broken over lines, as a terminal or an editor wraps it. */
	snprintf(cut, sizeof(cut), "%s", RSA);
	memmove(cut + 201, cut + 200, strlen(cut + 200) + 1);
	cut[200] = '\n';
	assert_string_equal(keys_say(cut, ""), "holds no key sshd can read (line 1: a key cut short, or broken over lines)");
	/* The blob of one type under the name of another. */
	snprintf(cut, sizeof(cut), "ssh-rsa %s\n", &ED25519[strlen("ssh-ed25519 ")]);
	assert_string_equal(keys_say(cut, ""),
			    "holds no key sshd can read (line 1: a key cut short, or broken over lines)");
	/* Not base64. */
	assert_string_equal(keys_say("ssh-ed25519 AAAA$$$$\n", ""),
			    "holds no key sshd can read (line 1: a key cut short, or broken over lines)");
	/* RFC 4716 (PuTTY's and ssh-keygen -e's), and a private key. */
	assert_string_equal(keys_say("---- BEGIN SSH2 PUBLIC KEY ----\nComment: \"x\"\n" "AAAAC3NzaC1lZDI1NTE5AAAAIGMNQK0hiMcANjLSVHDIauReeBtAbrqqQOXAA7pnQSJU" "\n"
				     "---- END SSH2 PUBLIC KEY ----\n", ""),
			    "holds no key sshd can read (line 1 is not a public key in OpenSSH's format: a private key, or "
			    "another format?)");
	assert_string_equal(keys_say("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n"
				     "-----END OPENSSH PRIVATE KEY-----\n", ""),
			    "holds no key sshd can read (line 1 is not a public key in OpenSSH's format: a private key, or "
			    "another format?)");
}

/* expiry-time: sshd refuses a key once it is past. */
static void test_keys_expiry(void **state)
{
	(void)state;
	assert_string_equal(keys_say("expiry-time=\"20200101\" " ED25519 "\n", ""),
			    "holds no key sshd takes (line 1: the key's expiry-time is past)");
	assert_string_equal(keys_say("no-pty,expiry-time=\"202001011200Z\",from=\"a,b\" " ED25519 "\n", ""),
			    "holds no key sshd takes (line 1: the key's expiry-time is past)");
	assert_string_equal(keys_say("expiry-time=\"20991231235959\" " ED25519 "\n", ""), "");
	assert_string_equal(keys_say("expiry-time=\"20200101\" " ED25519 "\n" RSA "\n", ""), "");
	/* The earliest of two counts. */
	assert_string_equal(keys_say("expiry-time=\"20991231\",expiry-time=\"20200101\" " ED25519 "\n", ""),
			    "holds no key sshd takes (line 1: the key's expiry-time is past)");
	/* UTC, as Z or UTC, in either case; seconds up to 60, as strptime. */
	assert_string_equal(keys_say("expiry-time=\"20991231z\" " ED25519 "\n", ""), "");
	assert_string_equal(keys_say("expiry-time=\"20991231UTC\" " ED25519 "\n", ""), "");
	assert_string_equal(keys_say("expiry-time=\"20991231235960\" " ED25519 "\n", ""), "");
	/* Not a time sshd reads: sshd refuses the line. */
	assert_string_equal(keys_say("expiry-time=\"2020\" " ED25519 "\n", ""),
			    "holds no key sshd takes (line 1: expiry-time=\"2020\" is not YYYYMMDD[HHMM[SS]][Z])");
	assert_string_equal(keys_say("expiry-time=\"20991331\" " ED25519 "\n", ""),
			    "holds no key sshd takes (line 1: expiry-time=\"20991331\" is not YYYYMMDD[HHMM[SS]][Z])");
	assert_string_equal(keys_say("expiry-time=\"20991231236000\" " ED25519 "\n", ""),
			    "holds no key sshd takes (line 1: expiry-time=\"20991231236000\" is not YYYYMMDD[HHMM[SS]][Z])");
}

/* A keys path that is no regular file: sshd does not read it, and oobd
 * does not wait on it (a FIFO would block the status). */
static void test_keys_not_regular(void **state)
{
	char keys[512], root[256], conf[256], path[256], text[512];
	int n;

	(void)state;
	snprintf(path, sizeof(path), "%s/fifo", tmpdir);
	assert_int_equal(mkfifo(path, 0600), 0);
	snprintf(conf, sizeof(conf), "%s/sshd_config", tmpdir);
	n = snprintf(text, sizeof(text), "PermitRootLogin no\nAuthorizedKeysFile %s\n", path);
	assert_int_equal(write_file_atomic(conf, text, (size_t)n, 0600), 0);
	sshd_login_check(conf, keys, sizeof(keys), root, sizeof(root));
	snprintf(text, sizeof(text), "%s is not a regular file, which sshd does not read", path);
	assert_string_equal(keys, text);
	unlink(path);
}

/* PubkeyAuthentication: sshd takes its first value; no key at all when it
 * is no on every line a connection could take. */
static void test_keys_pubkey_off(void **state)
{
	char keys[512], root[256], conf[256], path[256], text[1024];
	static const struct {
		const char *conf;
		bool off;
	} cases[] = {
		{ "PubkeyAuthentication no\n", true },
		{ "pubkeyauthentication No\nPubkeyAuthentication yes\n", true },
		{ "PubkeyAuthentication yes\nPubkeyAuthentication no\n", false },
		{ "PubkeyAuthentication no\nMatch Address 203.0.113.0/24\n PubkeyAuthentication yes\n", false },
		{ "Match Address 203.0.113.0/24\n PubkeyAuthentication no\n", false },
	};

	(void)state;
	snprintf(path, sizeof(path), "%s/keys", tmpdir);
	snprintf(conf, sizeof(conf), "%s/sshd_config", tmpdir);
	assert_int_equal(write_file_atomic(path, ED25519 "\n", strlen(ED25519) + 1, 0600), 0);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int n = snprintf(text, sizeof(text), "PermitRootLogin no\nAuthorizedKeysFile %s\n%s", path, cases[i].conf);
		assert_int_equal(write_file_atomic(conf, text, (size_t)n, 0600), 0);
		sshd_login_check(conf, keys, sizeof(keys), root, sizeof(root));
		assert_string_equal(keys, cases[i].off ? "the config says PubkeyAuthentication no: sshd takes no key" : "");
	}
}

static void test_keys_dss(void **state)
{
	(void)state;
	assert_string_equal(keys_say(DSS " old\n", ""),
			    "holds only ssh-dss keys, which sshd refuses unless PubkeyAcceptedAlgorithms names ssh-dss");
	assert_string_equal(keys_say(DSS " old\n", "PubkeyAcceptedAlgorithms +ssh-dss\n"), "");
	assert_string_equal(keys_say(DSS " old\n" ED25519 "\n", ""), "");
}

/* Options as sshd 9.2 reads them (sshauthopt_parse): each case below was
 * tried against the real sshd, logging in or refused. */
static void test_keys_options(void **state)
{
	static const char *const taken[] = {
		"restrict", "port-forwarding", "no-port-forwarding", "agent-forwarding", "no-agent-forwarding",
		"x11-forwarding", "no-X11-Forwarding", "NO-PTY", "pty", "user-rc", "no-user-rc", "touch-required",
		"no-touch-required", "verify-required", "no-verify-required", "Restrict", "command=\"echo a\"",
		"COMMAND=\"x\"", "command=\"\"", "command=\"a\\\"b\"", "from=\"203.0.113.1\"", "from=\"*\"",
		"environment=\"A=b\"", "environment=\"1=2\"", "environment=\"A=b=c\"", "permitopen=\"host:22\"",
		"permitopen=\"host:*\"", "permitopen=\"[::1]:22\"", "permitopen=\":22\"", "permitopen=\"h/22\"",
		"permitopen=\"h:ssh\"", "permitopen=\"h:65535\"", "permitlisten=\"22\"", "permitlisten=\"*:22\"",
		"permitlisten=\"localhost:22\"", "permitlisten=\"ssh\"", "tunnel=\"1\"", "tunnel=\"any\"",
		"tunnel=\"ANY\"", "tunnel=\"+5\"", "tunnel=\"2147483645\"", ",no-pty", "no-pty,", "no-pty,,pty",
		"no-pty,no-pty", "no-pty,restrict",
		/* A certificate signed by it logs in (not judged here). */
		"cert-authority", "cert-authority,principals=\"root\"",
	};
	static const struct {
		const char *opts, *why;
	} refused[] = {
		{ "no-restrict", "option 'no-restrict' is not one sshd knows" },
		{ "no-cert-authority", "option 'no-cert-authority' is not one sshd knows" },
		{ "no-ptyx", "option 'no-ptyx' is not one sshd knows" },
		{ "restrictx", "option 'restrictx' is not one sshd knows" },
		{ "bogus,no-pty", "option 'bogus' is not one sshd knows" },
		{ "no-pty,bogus", "option 'bogus' is not one sshd knows" },
		{ "no-pty=x", "option 'no-pty=x' is not one sshd knows" },
		{ "command=echo", "option command's value is not in double quotes" },
		{ "command=\"a\"x", "option 'command=\"a\"x' is not one sshd knows" },
		{ "command=\"a\",command=\"b\"", "option command is given twice" },
		{ "from=\"203.0.113.1\",from=\"*\"", "option from is given twice" },
		{ "principals=\"x\"", "principals= without cert-authority" },
		{ "principals=\"root\",principals=\"x\",cert-authority", "option principals is given twice" },
		{ "from=\"\"", "from=\"\" lets in no address" },
		{ "environment=\"nobad\"", "environment=\"nobad\" is not NAME=value, NAME of letters, digits and _" },
		{ "environment=\"A-b=c\"", "environment=\"A-b=c\" is not NAME=value, NAME of letters, digits and _" },
		{ "environment=\"=x\"", "environment=\"=x\" is not NAME=value, NAME of letters, digits and _" },
		{ "environment=\"\"", "environment=\"\" is not NAME=value, NAME of letters, digits and _" },
		{ "permitopen=\"host\"", "permitopen=\"host\" is not HOST:PORT" },
		{ "permitopen=\"host:x y\"", "" },
		{ "permitopen=\"h:\"", "permitopen=\"h:\" is not HOST:PORT" },
		{ "permitopen=\"h:0\"", "permitopen=\"h:0\" is not HOST:PORT" },
		{ "permitopen=\"x:70000\"", "permitopen=\"x:70000\" is not HOST:PORT" },
		{ "permitopen=\"[::1\"", "permitopen=\"[::1\" is not HOST:PORT" },
		{ "permitopen=\"[::1]22\"", "permitopen=\"[::1]22\" is not HOST:PORT" },
		{ "permitlisten=\"0\"", "permitlisten=\"0\" is not [HOST:]PORT" },
		{ "permitlisten=\"65536\"", "permitlisten=\"65536\" is not [HOST:]PORT" },
		{ "tunnel=\"x\"", "tunnel=\"x\" is not a tun device's number or any" },
		{ "tunnel=\"-1\"", "tunnel=\"-1\" is not a tun device's number or any" },
		{ "tunnel=\"2147483646\"", "tunnel=\"2147483646\" is not a tun device's number or any" },
		{ "tunnel=\"\"", "tunnel=\"\" is not a tun device's number or any" },
	};
	char line[1536], want[512];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(taken); i++) {
		snprintf(line, sizeof(line), "%s " ED25519 "\n", taken[i]);
		if (strcmp(keys_say(line, ""), "") != 0)
			fail_msg("%s: %s", taken[i], keys_say(line, ""));
	}
	for (size_t i = 0; i < ARRAY_SIZE(refused); i++) {
		snprintf(line, sizeof(line), "%s " ED25519 "\n", refused[i].opts);
		if (!*refused[i].why) {
			/* A service name sshd may find: not judged. */
			assert_string_equal(keys_say(line, ""), "");
			continue;
		}
		snprintf(want, sizeof(want), "holds no key sshd takes (line 1: %s)", refused[i].why);
		assert_string_equal(keys_say(line, ""), want);
	}
	/* Values longer than what a message shows are read whole (sshd takes
	 * a host name of up to 1024 bytes); one longer than that is refused. */
	{
		char host[1100];
		memset(host, 'a', sizeof(host) - 1);
		host[sizeof(host) - 1] = '\0';
		host[300] = '\0';
		snprintf(line, sizeof(line), "permitopen=\"%s.example:22\" " ED25519 "\n", host);
		assert_string_equal(keys_say(line, ""), "");
		snprintf(line, sizeof(line), "environment=\"%s=1\" " ED25519 "\n", host);
		assert_string_equal(keys_say(line, ""), "");
		host[300] = 'a';
		host[1024] = '\0'; /* 1024 bytes: taken */
		snprintf(line, sizeof(line), "permitopen=\"%s:22\" " ED25519 "\n", host);
		assert_string_equal(keys_say(line, ""), "");
		host[1024] = 'a';
		host[1025] = '\0'; /* NI_MAXHOST: refused */
		snprintf(line, sizeof(line), "permitopen=\"%s:22\" " ED25519 "\n", host);
		assert_string_equal(keys_say(line, ""), "holds no key sshd takes (line 1: permitopen=\""
							 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\" is not HOST:PORT)");
	}
	/* A refused line among good ones: the good one logs in. */
	assert_string_equal(keys_say("bogus " ED25519 "\n" RSA "\n", ""), "");
	/* Unterminated quote: the options run to the line's end; no key. */
	assert_string_equal(keys_say("command=\"echo " ED25519 "\n", ""),
			    "holds no key sshd can read (line 1 is not a public key in OpenSSH's format: a private key, or "
			    "another format?)");
}

/* What an editor on another system leaves in the file: CR LF line ends,
 * which sshd takes (tests/supervise_keys_format.t), and a byte-order mark
 * first, which it does not. */
static void test_keys_editors(void **state)
{
	(void)state;
	assert_string_equal(keys_say(ED25519 " admin@desk\r\n", ""), "");
	assert_string_equal(keys_say("# oob\r\n" RSA "\r\n", ""), "");
	assert_string_equal(keys_say(UTF8_BOM ED25519 " admin@desk\n", ""),
			    "holds no key sshd can read (line 1: the file starts with a byte-order mark, which sshd reads "
			    "as part of the first line: save the file as UTF-8 without BOM)");
	/* Before options, the mark makes an option sshd does not know,
	 * which is not what the admin would look for. */
	assert_string_equal(keys_say(UTF8_BOM "no-pty " ED25519 "\r\n", ""),
			    "holds no key sshd can read (line 1: the file starts with a byte-order mark, which sshd reads "
			    "as part of the first line: save the file as UTF-8 without BOM)");
	/* The key on the next line is read. */
	assert_string_equal(keys_say(UTF8_BOM "# oob keys\n" ED25519 "\n", ""), "");
	assert_string_equal(keys_say(UTF8_BOM ED25519 "\n" RSA "\n", ""), "");
	/* Pasted from a web page or a chat: a no-break space for the blank
	 * after the type, a zero-width space inside the blob (where a chat
	 * lets a long word wrap). */
	assert_string_equal(keys_say("ssh-ed25519\xc2\xa0" "AAAAC3NzaC1lZDI1NTE5AAAAIGMNQK0hiMcANjLSVHDIauReeBtAbrqqQOXAA7pnQSJU\n", ""),
			    "holds no key sshd can read (line 1 holds <U+00A0>, a no-break space, which a terminal does not "
			    "show: pasted from a web page or a chat?)");
	assert_string_equal(keys_say("# oob\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGMNQK0hiMcA\xe2\x80\x8b"
				     "NjLSVHDIauReeBtAbrqqQOXAA7pnQSJU x\n", ""),
			    "holds no key sshd can read (line 2 holds <U+200B>, a zero-width space, which a terminal does "
			    "not show: pasted from a web page or a chat?)");
	/* In a comment after a good key: nothing to say. */
	assert_string_equal(keys_say(ED25519 " admin\xc2\xa0" "desk\n", ""), "");
	/* A mark before no key hides none. */
	assert_string_equal(keys_say(UTF8_BOM "# oob keys\n", ""),
			    "holds no key sshd can read (line 1 is not a public key in OpenSSH's format: a private key, or "
			    "another format?)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys_read),
		cmocka_unit_test(test_keys_none),
		cmocka_unit_test(test_keys_expiry),
		cmocka_unit_test(test_keys_dss),
		cmocka_unit_test(test_keys_pubkey_off),
		cmocka_unit_test(test_keys_not_regular),
		cmocka_unit_test(test_keys_options),
		cmocka_unit_test(test_keys_editors),
	};
	return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
