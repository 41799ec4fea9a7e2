/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mark-sshd: an [sshd] exec for the benchmarks. oobd turns to sshd only
 * once the namespace is configured (namespace, firewall, DNS, NIC, then
 * the sshd daemon), so the first daemon start through this wrapper bounds
 * the end of the configuration from above (one fork+exec late). Every start appends "CLOCK MODE" to $BENCH_MARK, CLOCK being
 * CLOCK_MONOTONIC in ns and MODE "D" for the daemon, "t" or "T" for the
 * checks, "-" otherwise; then it execs the real sshd ($BENCH_SSHD, default
 * /usr/sbin/sshd) with the same arguments.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct timespec ts;
	const char *mark = getenv("BENCH_MARK"), *real = getenv("BENCH_SSHD");
	char mode = '-';

	clock_gettime(CLOCK_MONOTONIC, &ts);
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "-D") == 0 || strcmp(argv[i], "-t") == 0 || strcmp(argv[i], "-T") == 0)
			mode = argv[i][1];
	if (mark) {
		int fd = open(mark, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (fd >= 0) {
			dprintf(fd, "%lld %c\n", (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec, mode);
			close(fd);
		}
	}
	if (!real || !*real)
		real = "/usr/sbin/sshd";
	argv[0] = (char *)real;
	execv(real, argv);
	perror(real);
	return 127;
}
