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
#include <sys/auxv.h>
#include <sys/stat.h>
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

/* What help and version wrote reached stdout: 0, else 1. */
static int flushed(void)
{
	return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
}

/* The namespace file PATH of PID 1, or 126 said. */
static int ns_open(const char *path, int *fd)
{
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd >= 0)
		return 0;
	fprintf(stderr, "nsenter-main: opening %s: %s\n", path, strerror(errno));
	return 126;
}

static int ns_enter(int fd, int type, const char *what)
{
	if (setns(fd, type) == 0)
		return 0;
	int e = errno;
	fprintf(stderr, "nsenter-main: entering the %s namespace of PID 1: %s%s\n", what, strerror(e),
		e == EPERM ? " (this needs CAP_SYS_ADMIN and, for the mount namespace, CAP_SYS_CHROOT)" : "");
	return 126;
}

int main(int argc, char **argv)
{
	char cwd[PATH_MAX];
	struct stat before, after;
	int netfd, mntfd, r;
	bool have_cwd;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return flushed();
	}
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("nsenter-main %s\n", OOBD_VERSION);
		return flushed();
	}
	if (strcmp(argv[1], "--") == 0) {
		argv++;
		if (argc < 3) {
			fprintf(stderr, "nsenter-main: no command after --\n");
			usage(stderr);
			return 2;
		}
	}
	/* Root itself, not a setuid bit: the command and the PATH it is
	 * looked up in are the caller's. */
	if (geteuid() != 0 || getuid() != 0 || getauxval(AT_SECURE)) {
		fprintf(stderr, "nsenter-main: must be run as root%s\n",
			geteuid() == 0 ? " (not through a setuid bit)" : "");
		return 126;
	}
	/* Open both first: after entering the mount namespace, /proc may differ. */
	if ((r = ns_open("/proc/1/ns/net", &netfd)) || (r = ns_open("/proc/1/ns/mnt", &mntfd)))
		return r;
	have_cwd = getcwd(cwd, sizeof(cwd)) != NULL && stat(".", &before) == 0;
	if ((r = ns_enter(netfd, CLONE_NEWNET, "network")) || (r = ns_enter(mntfd, CLONE_NEWNS, "mount")))
		return r;
	close(netfd);
	close(mntfd);
	/* The old working directory belongs to the other mount namespace:
	 * kept when the same path is the same directory in this one. A mount
	 * of the session's own (a disk mounted to repair the system) is not
	 * here, and the same path may be another directory: said, and the
	 * command runs in / instead. */
	bool kept = have_cwd && chdir(cwd) == 0 && stat(".", &after) == 0 && after.st_dev == before.st_dev &&
		    after.st_ino == before.st_ino;
	if (!kept) {
		if (have_cwd)
			fprintf(stderr, "nsenter-main: warning: the working directory %s is not the same directory in "
					"the main system; running in /\n", cwd);
		(void)!chdir("/");
	}
	execvp(argv[1], argv + 1);
	int e = errno; /* fprintf may change it (stderr closed: EBADF) */
	fprintf(stderr, "nsenter-main: %s: %s\n", argv[1], strerror(e));
	return e == ENOENT ? 127 : 126;
}
