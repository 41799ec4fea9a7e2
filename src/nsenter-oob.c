/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nsenter-oob [-n NAME] CMD [ARGS...]: run CMD in the oob namespace with
 * the view "ip netns exec NAME" gives (own mount namespace, fresh
 * /sys, each /etc/netns/NAME/E over /etc/E). Execs directly (no shell).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "netns.h"
#include "version.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage: nsenter-oob [-n NAME] [--] CMD [ARGS...]\n"
		   "Run CMD inside the out-of-band network namespace NAME (default \"oob\"),\n"
		   "with the view \"ip netns exec NAME\" gives. See nsenter-oob(1).\n"
		   "\n"
		   "  -n, --netns NAME  the namespace (default " OOBD_DEFAULT_NETNS ")\n"
		   "  -h, --help        show this help\n"
		   "  -V, --version     show the version\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "netns", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	const char *name = OOBD_DEFAULT_NETNS;
	char errbuf[256];
	int c, fd;

	log_init("nsenter-oob");
	log_set_prefix(0);
	/* "+": stop at the first non-option, so CMD's own options stay its own. */
	while ((c = getopt_long(argc, argv, "+n:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			name = optarg;
			break;
		case 'h':
			usage(stdout);
			return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
		case 'V':
			printf("nsenter-oob %s\n", OOBD_VERSION);
			return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "nsenter-oob: no command\n");
		usage(stderr);
		return 2;
	}
	if (!netns_name_valid(name)) {
		fprintf(stderr, "nsenter-oob: invalid namespace name \"%s\"\n", name);
		return 2;
	}
	/* Root itself, not a setuid bit: the command and the PATH it is
	 * looked up in are the caller's. */
	if (geteuid() != 0 || getuid() != 0 || getauxval(AT_SECURE)) {
		fprintf(stderr, "nsenter-oob: must be run as root%s\n", geteuid() == 0 ? " (not through a setuid bit)" : "");
		return 126;
	}
	fd = netns_open(name);
	if (fd < 0) {
		fprintf(stderr, "nsenter-oob: cannot open network namespace \"%s\": %s\n", name,
			fd == -EINVAL ? "not a network namespace" : strerror(-fd));
		return 126;
	}
	if (netns_exec_view(name, fd, errbuf, sizeof(errbuf)) < 0) {
		fprintf(stderr, "nsenter-oob: %s\n", errbuf);
		return 126;
	}
	close(fd);
	execvp(argv[optind], argv + optind);
	int e = errno; /* fprintf may change it (stderr closed: EBADF) */
	fprintf(stderr, "nsenter-oob: %s: %s\n", argv[optind], strerror(e));
	return e == ENOENT ? 127 : 126;
}
