/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nsenter-main CMD [ARGS...]: run CMD in PID 1's network and mount
 * namespaces, e.g. from an oob ssh session into the main system. Execs
 * directly (no shell), so CMD's exit status is ours.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "version.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage: nsenter-main [--] CMD [ARGS...]\n"
		   "Run CMD in the network and mount namespaces of PID 1 (the main system),\n"
		   "for example from a session on the out-of-band sshd. See nsenter-main(1).\n"
		   "\n"
		   "  -h, --help        show this help (only as the first argument)\n"
		   "  -V, --version     show the version (only as the first argument)\n");
}

int main(int argc, char **argv)
{
	char cwd[PATH_MAX];
	int netfd, mntfd;
	bool have_cwd;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("nsenter-main %s\n", OOBD_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "--") == 0) {
		argv++;
		if (argc < 3) {
			usage(stderr);
			return 2;
		}
	}
	if (geteuid() != 0) {
		fprintf(stderr, "nsenter-main: must be run as root\n");
		return 126;
	}
	/* Open both first: after entering the mount namespace, /proc may differ. */
	netfd = open("/proc/1/ns/net", O_RDONLY | O_CLOEXEC);
	mntfd = open("/proc/1/ns/mnt", O_RDONLY | O_CLOEXEC);
	if (netfd < 0 || mntfd < 0) {
		fprintf(stderr, "nsenter-main: opening the namespaces of PID 1: %s\n", strerror(errno));
		return 126;
	}
	have_cwd = getcwd(cwd, sizeof(cwd)) != NULL;
	if (setns(netfd, CLONE_NEWNET) < 0) {
		fprintf(stderr, "nsenter-main: entering the network namespace of PID 1: %s\n", strerror(errno));
		return 126;
	}
	if (setns(mntfd, CLONE_NEWNS) < 0) {
		fprintf(stderr, "nsenter-main: entering the mount namespace of PID 1: %s\n", strerror(errno));
		return 126;
	}
	close(netfd);
	close(mntfd);
	/* The old working directory belongs to the other mount namespace. */
	if (!have_cwd || chdir(cwd) < 0)
		(void)!chdir("/");
	execvp(argv[1], argv + 1);
	int e = errno; /* fprintf may change it (stderr closed: EBADF) */
	fprintf(stderr, "nsenter-main: %s: %s\n", argv[1], strerror(e));
	return e == ENOENT ? 127 : 126;
}
