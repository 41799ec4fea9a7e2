/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sshd.c: the sockets an sshd config listens on, read from the config
 * itself (sshd_listen_from_config), held against what the real "sshd -T"
 * answers for the same file. Needs root and /usr/sbin/sshd (else skipped);
 * runs in a mount namespace of its own, with a private /run for sshd's
 * privilege separation directory. */
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "addr.h"
#include "sshd.h"
#include "tmpdir.h"
#include "util.h"

#define SSHD "/usr/sbin/sshd"

static const char *const dir = tmpdir;
static const char *no_sshd; /* why sshd -T cannot be run here, or NULL */

static int setup(void **state)
{
	char cmd[512];

	if (tmpdir_setup(state) < 0)
		return -1;
	if (geteuid() != 0)
		no_sshd = "needs root";
	else if (access(SSHD, X_OK) != 0)
		no_sshd = "needs " SSHD;
	else if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
		 mount("tmpfs", "/run", "tmpfs", 0, "mode=0755") < 0 || mkdir("/run/sshd", 0755) < 0)
		no_sshd = "cannot make a private /run";
	if (no_sshd)
		return 0;
	snprintf(cmd, sizeof(cmd), "ssh-keygen -q -t ed25519 -N '' -f '%s/key' >/dev/null", dir);
	if (system(cmd) != 0)
		no_sshd = "ssh-keygen failed";
	return 0;
}

/* The sockets, one "ADDR PORT" line each, sorted: the order is no part of
 * the answer (sshd -T prints them in the reverse of its config's order). */
static char *listen_str(const struct sshd_listen *l, int n)
{
	char lines[SSHD_QUERY_MAX][IPADDR_STRLEN + 8], buf[IPADDR_STRLEN], *out;
	size_t len = 1;

	assert_true(n >= 0 && n <= SSHD_QUERY_MAX);
	for (int i = 0; i < n; i++) {
		snprintf(lines[i], sizeof(lines[i]), "%s %u", l[i].addr.family ? ipaddr_str(&l[i].addr, buf) : "?",
			 l[i].port);
		len += strlen(lines[i]) + 1;
	}
	qsort(lines, (size_t)n, sizeof(lines[0]), (int (*)(const void *, const void *))strcmp);
	out = calloc(1, len);
	assert_non_null(out);
	for (int i = 0; i < n; i++) {
		strcat(out, lines[i]);
		strcat(out, "\n");
	}
	return out;
}

/* Write BODY (after a HostKey line) as the config NAME; its path in PATH. */
static void config(const char *name, const char *body, char path[512])
{
	char text[4096];

	snprintf(path, 512, "%s/%s", dir, name);
	snprintf(text, sizeof(text), "HostKey %s/key\n%s", dir, body);
	assert_int_equal(write_file_atomic(path, text, strlen(text), 0600), 0);
}

/* BODY's sockets as read from it are the ones sshd -T names. */
static void same_as_sshd(const char *body)
{
	struct sshd_listen mine[SSHD_QUERY_MAX], theirs[SSHD_QUERY_MAX];
	char path[512], *why = NULL, *a, *b;
	int n, m;

	if (no_sshd)
		skip();
	config("same.conf", body, path);
	n = sshd_listen_from_config(path, mine, SSHD_QUERY_MAX);
	if (n <= 0)
		fail_msg("cannot tell the sockets of:\n%s", body);
	m = sshd_query(SSHD, path, theirs, SSHD_QUERY_MAX, &why);
	if (m < 0)
		fail_msg("sshd -T refuses:\n%s\n%s", body, why ? why : strerror(-m));
	a = listen_str(mine, n);
	b = listen_str(theirs, m);
	if (strcmp(a, b) != 0)
		fail_msg("config:\n%sread: \n%ssshd -T:\n%s", body, a, b);
	free(a);
	free(b);
	free(why);
}

/* BODY's sockets are left to sshd. */
static void unsure(const char *body)
{
	struct sshd_listen l[SSHD_QUERY_MAX];
	char path[512];

	config("unsure.conf", body, path);
	assert_int_equal(sshd_listen_from_config(path, l, SSHD_QUERY_MAX), 0);
}

static void test_defaults(void **state)
{
	same_as_sshd("");
	same_as_sshd("Port 2222\nPort 2223\n");
	same_as_sshd("AddressFamily inet\nPort 2200\n");
	same_as_sshd("AddressFamily inet6\n");
	same_as_sshd("port 2027\naddressfamily=INET\n"); /* keywords and values in any case, the = form */
}

static void test_addresses(void **state)
{
	/* The shipped config's form. */
	same_as_sshd("Port 22\nAddressFamily any\nListenAddress 0.0.0.0\nListenAddress ::\n");
	/* Each address without a port listens on every Port, wherever the
	 * Port lines are. */
	same_as_sshd("ListenAddress 203.0.113.10\nListenAddress 2001:db8::1\nPort 22\nPort 2201\n");
	same_as_sshd("ListenAddress 127.0.0.1\nPort 2024\n");
	/* Ports of their own. */
	same_as_sshd("Port 2020\nListenAddress 203.0.113.10:2022\nListenAddress [2001:db8::1]:2023\n"
		     "ListenAddress [2001:db8::2]\nListenAddress \"127.0.0.3:2021\"\n");
	same_as_sshd("AddressFamily inet6\nListenAddress ::1\n");
}

static void test_scope(void **state)
{
	char inc[512], body[1024];

	/* What Match blocks hold applies to some connections only; sshd
	 * refuses a Port there, and a ListenAddress. */
	same_as_sshd("Port 2025\nMatch User nobody\n  PermitTTY no\n");
	/* Included files count. */
	snprintf(inc, sizeof(inc), "%s/port.conf", dir);
	assert_int_equal(write_file_atomic(inc, "Port 2026\nListenAddress 127.0.0.4\n", 34, 0600), 0);
	snprintf(body, sizeof(body), "Include %s/port*.conf\nPort 2028\n", dir);
	same_as_sshd(body);
}

static void test_unsure(void **state)
{
	struct sshd_listen l[SSHD_QUERY_MAX];

	unsure("ListenAddress localhost\n");          /* a host name: sshd resolves it */
	unsure("Port ssh\n");                         /* a service name */
	unsure("ListenAddress 127.0.0.1 rdomain vrf0\n");
	unsure("ListenAddress 203.0.113.10:99999\n"); /* sshd refuses these: it says why */
	unsure("Port 0\n");
	unsure("AddressFamily inet\nListenAddress ::1\n");
	unsure("AddressFamily inet7\n");
	unsure("ListenAddress [2001:db8::1\n");
	assert_int_equal(sshd_listen_from_config("/nonexistent/sshd_config", l, SSHD_QUERY_MAX), -ENOENT);
}

/* A TCP socket on ADDR (v4 or v6 text), port 0 (the kernel picks), and
 * listening unless not asked to; its port in *PORT. */
static int tcp_socket(const char *addr, bool listening, unsigned *port)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t sl;
	int one = 1, fd;

	if (strchr(addr, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		assert_int_equal(inet_pton(AF_INET6, addr, &s6->sin6_addr), 1);
		sl = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		assert_int_equal(inet_pton(AF_INET, addr, &s4->sin_addr), 1);
		sl = sizeof(*s4);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	if (ss.ss_family == AF_INET6)
		assert_int_equal(setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)), 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&ss, sl), 0);
	if (listening)
		assert_int_equal(listen(fd, 1), 0);
	sl = sizeof(ss);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&ss, &sl), 0);
	*port = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
					      : ((struct sockaddr_in6 *)&ss)->sin6_port);
	return fd;
}

static struct sshd_listen at(const char *addr, unsigned port)
{
	struct sshd_listen l = { .port = port };
	if (addr)
		assert_true(ipaddr_parse(addr, &l.addr));
	return l;
}

/* sshd_pid_listens(), with sockets of this process on loopback: the
 * address or the wildcard of its family, the port, LISTEN state, and the
 * socket being the process's own all count. */
static void test_pid_listens(void **state)
{
	struct sshd_listen l;
	unsigned p4, p6, pw, pb;
	pid_t me = getpid(), child;
	int fd4 = tcp_socket("127.0.0.1", true, &p4);
	int fd6 = tcp_socket("::1", true, &p6);
	int fdw = tcp_socket("0.0.0.0", true, &pw);
	int fdb = tcp_socket("127.0.0.1", false, &pb); /* bound, not listening */
	int pipefd[2];
	char c;

	(void)state;
	l = at("127.0.0.1", p4);
	assert_int_equal(sshd_pid_listens(me, &l), 1);
	l = at(NULL, p4); /* a host name: any address */
	assert_int_equal(sshd_pid_listens(me, &l), 1);
	l = at("127.0.0.2", p4); /* another address of the same port */
	assert_int_equal(sshd_pid_listens(me, &l), 0);
	l = at("0.0.0.0", p4); /* the wildcard probed, a specific one held */
	assert_int_equal(sshd_pid_listens(me, &l), 0);
	l = at("::1", p4); /* the other family */
	assert_int_equal(sshd_pid_listens(me, &l), 0);
	l = at("::1", p6);
	assert_int_equal(sshd_pid_listens(me, &l), 1);
	l = at("::", p6);
	assert_int_equal(sshd_pid_listens(me, &l), 0);
	l = at("203.0.113.10", pw); /* any address of the family: the wildcard */
	assert_int_equal(sshd_pid_listens(me, &l), 1);
	l = at("127.0.0.1", pb);
	assert_int_equal(sshd_pid_listens(me, &l), 0);

	/* Another process's listener on the port is not this one's. */
	close(fd4);
	l = at("127.0.0.1", p4);
	assert_int_equal(sshd_pid_listens(me, &l), 0);
	assert_int_equal(pipe(pipefd), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		struct sockaddr_in s4 = { .sin_family = AF_INET, .sin_port = htons((uint16_t)p4) };
		int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);
		s4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		c = bind(fd, (struct sockaddr *)&s4, sizeof(s4)) == 0 && listen(fd, 1) == 0 ? 'y' : 'n';
		if (write(pipefd[1], &c, 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(pipefd[1]);
	assert_int_equal(read(pipefd[0], &c, 1), 1);
	close(pipefd[0]);
	if (c == 'y') {
		assert_int_equal(sshd_pid_listens(child, &l), 1);
		assert_int_equal(sshd_pid_listens(me, &l), 0);
	}
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	assert_int_equal(c, 'y');

	assert_int_equal(sshd_pid_listens(999999999, &l), -ENOENT);
	close(fd6);
	close(fdw);
	close(fdb);
}

/* sshd_why_line(): sshd's complaint as one line, FILE:N: first. */
static void test_why_line(void **state)
{
	char buf[512];

	(void)state;
	sshd_why_line("/e/s: line 3: Bad configuration option: Foo\r\n/e/s: terminating, 1 bad configuration "
		      "options\r\n",
		      buf, sizeof(buf));
	assert_string_equal(buf, "/e/s:3: Bad configuration option: Foo");
	sshd_why_line("Unable to load host key: /k\r\nsshd: no hostkeys available -- exiting.\r\n", buf, sizeof(buf));
	assert_string_equal(buf, "sshd: no hostkeys available -- exiting.");
	/* What sshd cannot read and a terminal does not show: the line it
	 * names is read for it. A byte-order mark first in the file: */
	{
		char path[256], why[600], want[700];
		snprintf(path, sizeof(path), "%s/bom_config", tmpdir);
		assert_int_equal(write_file_atomic(path, "\xef\xbb\xbf# c\nPort 22\n", strlen("\xef\xbb\xbf# c\nPort 22\n"),
						   0600),
				 0);
		snprintf(why, sizeof(why), "%s: line 1: Bad configuration option: \\357\\273\\277#\r\n", path);
		sshd_why_line(why, buf, sizeof(buf));
		snprintf(want, sizeof(want), "%s:1: Bad configuration option: \\357\\273\\277# (the file starts with a "
			 "byte-order mark, which sshd reads as part of the first line: save the file as UTF-8 without "
			 "BOM)", path);
		assert_string_equal(buf, want);
		/* ... a no-break space, which sshd's words may not show. */
		snprintf(path, sizeof(path), "%s/nbsp_config", tmpdir);
		assert_int_equal(write_file_atomic(path, "Port 22\nLoginGraceTime 30\xc2\xa0\n",
						   strlen("Port 22\nLoginGraceTime 30\xc2\xa0\n"), 0600),
				 0);
		snprintf(why, sizeof(why), "%s line 2: invalid time value.\r\n", path);
		sshd_why_line(why, buf, sizeof(buf));
		snprintf(want, sizeof(want), "%s:2: invalid time value. (it holds <U+00A0>, a no-break space, which a "
			 "terminal does not show: pasted from a web page or a document?)", path);
		assert_string_equal(buf, want);
		/* ... and nothing to add to a line without one, or a file gone. */
		snprintf(why, sizeof(why), "%s line 1: Bad configuration option: Port\r\n", path);
		sshd_why_line(why, buf, sizeof(buf));
		snprintf(want, sizeof(want), "%s:1: Bad configuration option: Port", path);
		assert_string_equal(buf, want);
		sshd_why_line("/nonexistent/s line 2: invalid time value.\r\n", buf, sizeof(buf));
		assert_string_equal(buf, "/nonexistent/s:2: invalid time value.");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_scope),
		cmocka_unit_test(test_unsure),
		cmocka_unit_test(test_pid_listens),
		cmocka_unit_test(test_why_line),
	};
	return cmocka_run_group_tests(tests, setup, tmpdir_teardown);
}
