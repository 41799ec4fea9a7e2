/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * oobctl: show and control the out-of-band path through oobd's control
 * socket (docs/control.md). One request per connection; the answer's
 * first line carries a code that becomes the exit status.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "oobd.h"
#include "strbuf.h"
#include "util.h"
#include "version.h"

#define OOBCTL_TIMEOUT_MS 30000
/* reload, up and down run helpers synchronously in oobd (sshd -t, the
 * firewall restore waiting for the xtables lock): they may take longer than
 * a status. Beyond oobd.service's WatchdogSec=60s, systemd has killed it. */
#define OOBCTL_CHANGE_TIMEOUT_MS 90000

enum { EXIT_OK = 0, EXIT_DEGRADED = 1, EXIT_NOT_RUNNING = 2, EXIT_USAGE = 3, EXIT_DENIED = 4, EXIT_CONFIRM = 5 };

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: oobctl [-s SOCKET] COMMAND [ARGS]\n"
		"Show and control the out-of-band management path run by oobd.\n"
		"\n"
		"Commands:\n"
		"  status [--json]     everything about the path; exit 0 when all is as\n"
		"                      configured, 1 when degraded, 2 when oobd is not running\n"
		"  metrics [-o FILE]   Prometheus text format (FILE is written atomically)\n"
		"  reload              re-read the config; prints why a bad one was refused\n"
		"  restart SERVICE     restart sshd or a [service NAME]; sessions stay\n"
		"  down [--yes]        stop the services, hand the NIC back to the main\n"
		"                      namespace, remove the namespace; stays so until \"up\"\n"
		"  up                  bring the path back after \"down\"\n"
		"\n"
		"Options:\n"
		"  -s, --socket PATH   control socket (default " OOBD_CONTROL_SOCKET ")\n"
		"  -h, --help          show this help\n"
		"  -V, --version       show the version\n"
		"\n"
		"Exit status: 0 ok, 1 degraded or failed, 2 oobd not running, 3 usage or\n"
		"request error, 4 permission denied, 5 confirmation needed. See oobctl(8).\n");
}

/* A usage error: what was wrong, and where to read more. */
static int bad_usage(const char *what, const char *cmd)
{
	fprintf(stderr, "oobctl: %s%s%s\nTry \"oobctl --help\" for more information.\n", cmd ? cmd : "",
		cmd ? ": " : "", what);
	return EXIT_USAGE;
}

static int request(const char *sock, const char *req, int timeout_ms, struct strbuf *resp)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	long long deadline = now_ms() + timeout_ms;
	size_t len = strlen(req), off = 0;
	int fd;

	if (strlen(sock) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	str_copy(sa.sun_path, sock, sizeof(sa.sun_path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* A blocking connect() to a Unix socket whose listen backlog is full
	 * (oobd hung, connections piling up) waits for the listener without
	 * end; SO_SNDTIMEO bounds it (then EAGAIN), and the sends too. */
	struct timeval tv = { .tv_sec = timeout_ms / 1000, .tv_usec = (suseconds_t)(timeout_ms % 1000) * 1000 };
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	while (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		if (e == EINTR && now_ms() < deadline)
			continue;
		close(fd);
		return e == EAGAIN ? -ETIMEDOUT : -e;
	}
	while (off < len) {
		ssize_t n = send(fd, req + off, len - off, MSG_NOSIGNAL);
		if (n < 0) {
			int e = errno;
			if (e == EINTR)
				continue;
			close(fd);
			return e == EAGAIN ? -ETIMEDOUT : -e;
		}
		off += (size_t)n;
	}
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		char buf[65536];
		long long left = deadline - now_ms();
		int r;

		if (left <= 0) {
			close(fd);
			return -ETIMEDOUT;
		}
		r = poll(&p, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			close(fd);
			return r < 0 ? -errno : -ETIMEDOUT;
		}
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0) {
			int e = errno;
			if (e == EINTR)
				continue;
			close(fd);
			return -e;
		}
		if (n == 0)
			break;
		sb_add(resp, buf, (size_t)n);
	}
	close(fd);
	return 0;
}

/* The answer's first word: "CODE WORD\n...". */
static bool response_code(const char *s, int *code)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end != ' ' || v < 0 || v > 255)
		return false;
	*code = (int)v;
	return true;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	const char *sock = OOBD_CONTROL_SOCKET, *cmd, *outfile = NULL;
	char req[CTL_MAX_REQUEST];
	struct strbuf resp;
	int c, r, code, timeout_ms;
	char *body;

	/* A reader gone from standard output (oobctl status | head -1) is
	 * an answer that could not be written: exit status 1, not a death
	 * by SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	while ((c = getopt_long(argc, argv, "+s:hV", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			sock = optarg;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'V':
			printf("oobctl %s\n", OOBD_VERSION);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	/* A path no Unix socket can have is the caller's mistake, not a sign
	 * that oobd is down. */
	if (!*sock)
		return bad_usage("an empty path", "--socket");
	if (strlen(sock) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
		char why[96];
		snprintf(why, sizeof(why), "the path is %zu bytes long; a Unix socket's has at most %zu", strlen(sock),
			 sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
		return bad_usage(why, "--socket");
	}
	if (optind >= argc) {
		fprintf(stderr, "oobctl: no command given\n");
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = argv[optind++];
	if (strcmp(cmd, "status") == 0 && optind == argc) {
		snprintf(req, sizeof(req), "status\n");
	} else if (strcmp(cmd, "status") == 0 && optind + 1 == argc && strcmp(argv[optind], "--json") == 0) {
		snprintf(req, sizeof(req), "status json\n");
	} else if (strcmp(cmd, "metrics") == 0 && (optind == argc || (optind + 2 == argc && strcmp(argv[optind], "-o") == 0))) {
		if (optind + 2 == argc)
			outfile = argv[optind + 1];
		snprintf(req, sizeof(req), "metrics\n");
	} else if ((strcmp(cmd, "reload") == 0 || strcmp(cmd, "up") == 0) && optind == argc) {
		snprintf(req, sizeof(req), "%s\n", cmd);
	} else if (strcmp(cmd, "restart") == 0 && optind + 1 == argc && strlen(argv[optind]) <= SERVICE_NAME_MAX &&
		   !strpbrk(argv[optind], " \t\n")) {
		snprintf(req, sizeof(req), "restart %s\n", argv[optind]);
	} else if (strcmp(cmd, "down") == 0 && (optind == argc || (optind + 1 == argc && strcmp(argv[optind], "--yes") == 0))) {
		snprintf(req, sizeof(req), optind == argc ? "down\n" : "down yes\n");
	} else if (strcmp(cmd, "status") == 0) {
		return bad_usage("takes no argument but --json", cmd);
	} else if (strcmp(cmd, "metrics") == 0) {
		return bad_usage("takes no argument but -o FILE", cmd);
	} else if (strcmp(cmd, "reload") == 0 || strcmp(cmd, "up") == 0) {
		return bad_usage("takes no argument", cmd);
	} else if (strcmp(cmd, "restart") == 0 && optind + 1 != argc) {
		return bad_usage("takes exactly one argument: sshd or the NAME of a [service NAME]", cmd);
	} else if (strcmp(cmd, "restart") == 0) {
		char why[96];
		snprintf(why, sizeof(why), "no service is named so (a name has at most %d bytes, no blanks)",
			 SERVICE_NAME_MAX);
		return bad_usage(why, argv[optind]);
	} else if (strcmp(cmd, "down") == 0) {
		return bad_usage("takes no argument but --yes", cmd);
	} else {
		return bad_usage("unknown command (status, metrics, reload, restart, down, up)", cmd);
	}
	if (geteuid() != 0) {
		fprintf(stderr, "oobctl: must be run as root\n");
		return EXIT_DENIED;
	}
	sb_init(&resp);
	timeout_ms = strcmp(cmd, "reload") == 0 || strcmp(cmd, "up") == 0 || strcmp(cmd, "down") == 0
			     ? OOBCTL_CHANGE_TIMEOUT_MS
			     : OOBCTL_TIMEOUT_MS;
	r = request(sock, req, timeout_ms, &resp);
	if (r == -ENOENT || r == -ECONNREFUSED) {
		fprintf(stderr, "oobctl: oobd is not running (%s at %s)\n",
			r == -ENOENT ? "no control socket" : "nobody listens on the control socket", sock);
		sb_free(&resp);
		return EXIT_NOT_RUNNING;
	}
	if (r == -ETIMEDOUT) {
		fprintf(stderr, "oobctl: oobd did not answer within %d s at %s (busy or hung; "
				"the request may still be carried out: see its log)\n", timeout_ms / 1000, sock);
		sb_free(&resp);
		return EXIT_NOT_RUNNING;
	}
	if (r == 0 && !resp.buf) {
		fprintf(stderr, "oobctl: oobd closed the connection without an answer (did it stop or crash? "
				"see its log)\n");
		sb_free(&resp);
		return EXIT_NOT_RUNNING;
	}
	if (r < 0) {
		fprintf(stderr, "oobctl: talking to oobd at %s: %s\n", sock, strerror(-r));
		sb_free(&resp);
		return r == -EACCES ? EXIT_DENIED : EXIT_NOT_RUNNING;
	}
	if (!resp.buf || !response_code(resp.buf, &code) || !strchr(resp.buf, '\n')) {
		fprintf(stderr, "oobctl: malformed answer from oobd\n");
		sb_free(&resp);
		return EXIT_USAGE;
	}
	body = strchr(resp.buf, '\n') + 1;
	if (outfile && code == 0) {
		r = write_file_atomic(outfile, body, strlen(body), 0644);
		if (r < 0) {
			fprintf(stderr, "oobctl: writing %s: %s\n", outfile, strerror(-r));
			code = EXIT_DEGRADED;
		}
	} else {
		fputs(body, code == 0 || code == 1 ? stdout : stderr);
	}
	/* An answer lost on the way out (a full disk under "> FILE") must not
	 * pass for one that was shown. */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		/* (a reader that left on purpose, as head does, needs no word) */
		if (errno != EPIPE)
			fprintf(stderr, "oobctl: writing the answer: %s\n", strerror(errno));
		if (code == 0)
			code = EXIT_DEGRADED;
	}
	sb_free(&resp);
	return code >= 0 && code <= 5 ? code : EXIT_USAGE;
}
