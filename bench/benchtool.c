/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * benchtool: the clocks and probes of oobd's benchmarks (bench/run.sh).
 * Every time is CLOCK_MONOTONIC in nanoseconds, the same clock in every
 * namespace, so stamps taken by different processes can be subtracted.
 *
 *   benchtool now
 *       Print the clock.
 *   benchtool spawn [-n NS] [-t T0FILE] [-i STDIN] [-l LOG -p PIDFILE] -- CMD...
 *       Enter NS (a namespace file, e.g. /run/netns/oob) if given, write the
 *       clock to T0FILE and exec CMD. With -l, CMD runs as a child whose
 *       stdout and stderr come back through a pipe: every line is written
 *       to LOG as "STAMP LINE", STAMP the clock when it was read; the
 *       child's pid goes to PIDFILE (written in place when it is a FIFO,
 *       so a shell can read it without polling for a file); benchtool
 *       exits at end of file.
 *   benchtool time [-n NS] [-i STDIN] -- CMD...
 *       Run CMD to completion (its stdout to /dev/null); print its wall
 *       time, fork to reaped.
 *   benchtool signal PID SIG
 *       Print the clock, then send SIG (a number) to PID.
 *   benchtool banner [-n NS] -a ADDR [-p PORT] [-r READYFILE] [-w MS] [-k PID]
 *       Connect to ADDR:PORT over and over until a connection reads an SSH
 *       banner ("SSH-"); print the clock at that moment. With -k, SIGKILL
 *       PID first and print the time from the kill to the banner, then the
 *       clock at the kill. READYFILE is created once the probe is running.
 *   benchtool nic-return -s STAGE_NS -c CLIENT_NS -i IFNAME -4 ADDR [-6 ADDR]
 *                        [-p PORT] [-w MS] [-x CMD]
 *       Move link IFNAME from namespace STAGE_NS into ours (the NIC appears
 *       in the main namespace, as if plugged in), optionally start CMD
 *       right after, then connect from CLIENT_NS until ADDR:PORT accepts a
 *       TCP connection. Prints the times from the move to the first
 *       IPv4 and (with -6, else -1) IPv6 connection, then the clock at
 *       the move.
 *   benchtool wait-line FILE TEXT N SECONDS
 *       Print "ready" and close stdout once watching, then block until FILE
 *       holds N lines that contain TEXT (exit 0), or SECONDS pass (exit 1).
 *       It watches FILE's directory with inotify and reads FILE again only
 *       when FILE changed: no polling, no program started while it waits.
 *   benchtool floor -i IFNAME
 *       The kernel's share of a bring-up, without any program start: create
 *       a network namespace (unshare) and move IFNAME into it (one netlink
 *       request). Prints the time in ns, then moves the link back.
 *
 * The probes retry fast on purpose: a refused connection is retried after
 * 200 us, a SYN that got no answer is abandoned after 1 ms for a fresh one
 * (the kernel would otherwise wait a full second before retransmitting).
 * The probe's resolution is therefore about 1 ms at worst. It is the
 * measured system that must not poll, not the stopwatch.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libgen.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...)
{
	va_list ap;
	int e = errno;
	fputs("benchtool: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (e && strchr(fmt, '%') == NULL)
		fprintf(stderr, ": %s", strerror(e));
	fputc('\n', stderr);
	exit(2);
}

static void enter_ns(const char *path)
{
	int fd;

	if (!path)
		return;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET) < 0)
		die("entering namespace %s: %s", path, strerror(errno));
	close(fd);
}

static void write_stamp(const char *path, long long t)
{
	char buf[32];
	int fd, n;

	if (!path)
		return;
	n = snprintf(buf, sizeof(buf), "%lld\n", t);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, buf, (size_t)n) != n)
		die("writing %s: %s", path, strerror(errno));
	close(fd);
}

static void redirect_stdin(const char *path)
{
	int fd;

	if (!path)
		return;
	fd = open(path, O_RDONLY);
	if (fd < 0 || dup2(fd, 0) < 0)
		die("opening %s: %s", path, strerror(errno));
	close(fd);
}

static int cmd_now(void)
{
	printf("%lld\n", now_ns());
	return 0;
}

static int cmd_spawn(int argc, char **argv)
{
	const char *ns = NULL, *t0file = NULL, *in = NULL, *log = NULL, *pidfile = NULL;
	int c, pfd[2];
	pid_t pid;

	while ((c = getopt(argc, argv, "+n:t:i:l:p:")) != -1) {
		switch (c) {
		case 'n': ns = optarg; break;
		case 't': t0file = optarg; break;
		case 'i': in = optarg; break;
		case 'l': log = optarg; break;
		case 'p': pidfile = optarg; break;
		default: return 2;
		}
	}
	if (optind >= argc)
		die("spawn: no command");
	argv += optind;
	if (!log) {
		enter_ns(ns);
		redirect_stdin(in);
		write_stamp(t0file, now_ns());
		execv(argv[0], argv);
		die("exec %s: %s", argv[0], strerror(errno));
	}
	if (pipe(pfd) < 0)
		die("pipe");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		close(pfd[0]);
		if (dup2(pfd[1], 1) < 0 || dup2(pfd[1], 2) < 0)
			_exit(127);
		close(pfd[1]);
		enter_ns(ns);
		redirect_stdin(in);
		write_stamp(t0file, now_ns());
		execv(argv[0], argv);
		dprintf(2, "benchtool: exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	struct stat pst;
	if (pidfile && stat(pidfile, &pst) == 0 && S_ISFIFO(pst.st_mode)) {
		FILE *f = fopen(pidfile, "w");
		if (!f || fprintf(f, "%d\n", (int)pid) < 0 || fclose(f) != 0)
			die("writing %s: %s", pidfile, strerror(errno));
	} else if (pidfile) {
		char tmp[4096];
		FILE *f;
		snprintf(tmp, sizeof(tmp), "%s.tmp", pidfile);
		f = fopen(tmp, "w");
		if (!f || fprintf(f, "%d\n", (int)pid) < 0 || fclose(f) != 0 || rename(tmp, pidfile) < 0)
			die("writing %s: %s", pidfile, strerror(errno));
	}
	/* The stamper: no signal of the measured process's reaches it. */
	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	FILE *out = fopen(log, "a");
	if (!out)
		die("opening %s: %s", log, strerror(errno));
	char buf[65536], line[8192];
	size_t ll = 0;
	for (;;) {
		ssize_t n = read(pfd[0], buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		long long t = now_ns();
		for (ssize_t k = 0; k < n; k++) {
			if (buf[k] == '\n' || ll == sizeof(line) - 1) {
				line[ll] = '\0';
				fprintf(out, "%lld %s\n", t, line);
				ll = 0;
				if (buf[k] == '\n')
					continue;
			}
			line[ll++] = buf[k];
		}
		fflush(out);
	}
	if (ll) {
		line[ll] = '\0';
		fprintf(out, "%lld %s\n", now_ns(), line);
	}
	fclose(out);
	return 0;
}

static int cmd_time(int argc, char **argv)
{
	const char *ns = NULL, *in = NULL;
	int c, status;
	long long t0, t1;
	pid_t pid;

	while ((c = getopt(argc, argv, "+n:i:")) != -1) {
		switch (c) {
		case 'n': ns = optarg; break;
		case 'i': in = optarg; break;
		default: return 2;
		}
	}
	if (optind >= argc)
		die("time: no command");
	argv += optind;
	t0 = now_ns();
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		if (null < 0 || dup2(null, 1) < 0)
			_exit(126);
		enter_ns(ns);
		redirect_stdin(in);
		execv(argv[0], argv);
		dprintf(2, "benchtool: exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			die("waitpid");
	t1 = now_ns();
	printf("%lld\n", t1 - t0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "benchtool: %s failed (wait status 0x%x)\n", argv[0], status);
		return 1;
	}
	return 0;
}

static int cmd_signal(int argc, char **argv)
{
	if (argc != 3)
		die("usage: signal PID SIG");
	pid_t pid = (pid_t)atoi(argv[1]);
	int sig = atoi(argv[2]);
	long long t = now_ns();
	if (kill(pid, sig) < 0)
		die("kill %d: %s", (int)pid, strerror(errno));
	printf("%lld\n", t);
	return 0;
}

struct target {
	struct sockaddr_storage sa;
	socklen_t len;
};

static void parse_target(const char *addr, int port, struct target *t)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)&t->sa;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&t->sa;

	memset(t, 0, sizeof(*t));
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		t->len = sizeof(*s4);
	} else if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		t->len = sizeof(*s6);
	} else {
		errno = 0;
		die("'%s' is not an IP address", addr);
	}
}

static void pause_us(long us)
{
	struct timespec ts = { 0, us * 1000 };
	nanosleep(&ts, NULL);
}

/*
 * One connection attempt: a connected socket, or -1. A SYN that is not
 * answered within 1 ms is abandoned (see the top of the file); an attempt
 * refused at once is followed by a 200 us pause, so the probe does not
 * take a whole core from the system it measures.
 */
static int try_connect(const struct target *t)
{
	int fd = socket(t->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), err = 0;
	socklen_t el = sizeof(err);

	if (fd < 0)
		die("socket");
	if (connect(fd, (const struct sockaddr *)&t->sa, t->len) == 0)
		return fd;
	if (errno == EINPROGRESS) {
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		if (poll(&p, 1, 1) == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) == 0 && err == 0)
			return fd;
		close(fd);
		if (err)
			pause_us(200);
		return -1;
	}
	close(fd);
	pause_us(200);
	return -1;
}

/* Read from a fresh connection until it shows an SSH banner. */
static bool read_banner(int fd)
{
	char buf[64];
	size_t got = 0;
	long long end = now_ns() + 5000000000LL;

	while (got < 4) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int left = (int)((end - now_ns()) / 1000000);
		if (left <= 0 || poll(&p, 1, left) != 1)
			return false;
		ssize_t n = read(fd, buf + got, sizeof(buf) - got);
		if (n <= 0)
			return false;
		got += (size_t)n;
	}
	return memcmp(buf, "SSH-", 4) == 0;
}

static int cmd_banner(int argc, char **argv)
{
	const char *ns = NULL, *addr = NULL, *ready = NULL;
	int c, port = 22, wait_ms = 10000;
	pid_t victim = 0;
	struct target t;
	long long t0, end;

	while ((c = getopt(argc, argv, "n:a:p:r:w:k:")) != -1) {
		switch (c) {
		case 'n': ns = optarg; break;
		case 'a': addr = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 'r': ready = optarg; break;
		case 'w': wait_ms = atoi(optarg); break;
		case 'k': victim = (pid_t)atoi(optarg); break;
		default: return 2;
		}
	}
	if (!addr)
		die("banner: -a ADDR is required");
	enter_ns(ns);
	parse_target(addr, port, &t);
	if (ready)
		write_stamp(ready, now_ns());
	t0 = now_ns();
	if (victim > 0 && kill(victim, SIGKILL) < 0)
		die("kill %d: %s", (int)victim, strerror(errno));
	end = t0 + (long long)wait_ms * 1000000LL;
	while (now_ns() < end) {
		int fd = try_connect(&t);
		if (fd < 0)
			continue;
		bool ok = read_banner(fd);
		long long t1 = now_ns();
		close(fd);
		if (ok) {
			if (victim > 0)
				printf("%lld %lld\n", t1 - t0, t0);
			else
				printf("%lld\n", t1);
			return 0;
		}
	}
	fprintf(stderr, "benchtool: no SSH banner from %s port %d within %d ms\n", addr, port, wait_ms);
	return 1;
}

/* Move IFINDEX from the namespace of NL's socket into the namespace NSFD. */
static void link_move(struct mnl_socket *nl, int ifindex, int nsfd)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifm;
	unsigned portid = mnl_socket_get_portid(nl);
	ssize_t n;

	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = 1;
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = ifindex;
	mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)nsfd);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		die("netlink send");
	n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	if (n < 0 || mnl_cb_run(buf, (size_t)n, 1, portid, NULL, NULL) < 0)
		die("moving ifindex %d: %s", ifindex, strerror(errno));
}

static long long connect_until(const struct target *t, long long end)
{
	while (now_ns() < end) {
		int fd = try_connect(t);
		if (fd >= 0) {
			long long t1 = now_ns();
			close(fd);
			return t1;
		}
	}
	return -1;
}

static int cmd_nic_return(int argc, char **argv)
{
	const char *stage = NULL, *client = NULL, *ifname = NULL, *a4 = NULL, *a6 = NULL, *then = NULL;
	int c, port = 22, wait_ms = 10000, main_fd, stage_fd, ifindex;
	struct target t4, t6;
	struct mnl_socket *nl;
	long long t0, t4s, t6s = 0, end;

	while ((c = getopt(argc, argv, "s:c:i:4:6:p:w:x:")) != -1) {
		switch (c) {
		case 's': stage = optarg; break;
		case 'c': client = optarg; break;
		case 'i': ifname = optarg; break;
		case '4': a4 = optarg; break;
		case '6': a6 = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 'w': wait_ms = atoi(optarg); break;
		case 'x': then = optarg; break;
		default: return 2;
		}
	}
	if (!stage || !client || !ifname || !a4)
		die("nic-return: -s, -c, -i and -4 are required");
	parse_target(a4, port, &t4);
	if (a6)
		parse_target(a6, port, &t6);
	main_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	stage_fd = open(stage, O_RDONLY | O_CLOEXEC);
	if (main_fd < 0 || stage_fd < 0)
		die("opening the namespaces: %s", strerror(errno));
	/* The netlink socket and the ifindex belong to the staging namespace,
	 * the TCP sockets to the client's. */
	if (setns(stage_fd, CLONE_NEWNET) < 0)
		die("entering %s: %s", stage, strerror(errno));
	ifindex = (int)if_nametoindex(ifname);
	if (!ifindex)
		die("no link %s in %s", ifname, stage);
	nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		die("netlink socket");
	enter_ns(client);

	long long t_send = now_ns();
	link_move(nl, ifindex, main_fd);
	t0 = now_ns();
	if (then) {
		pid_t pid = fork();
		if (pid < 0)
			die("fork");
		if (pid == 0) {
			if (setns(main_fd, CLONE_NEWNET) < 0)
				_exit(126);
			execl("/bin/sh", "sh", "-c", then, (char *)NULL);
			_exit(127);
		}
	}
	end = t0 + (long long)wait_ms * 1000000LL;
	t4s = connect_until(&t4, end);
	if (t4s < 0) {
		fprintf(stderr, "benchtool: %s port %d did not accept within %d ms\n", a4, port, wait_ms);
		return 1;
	}
	if (a6) {
		t6s = connect_until(&t6, end);
		if (t6s < 0) {
			fprintf(stderr, "benchtool: %s port %d did not accept within %d ms\n", a6, port, wait_ms);
			return 1;
		}
	}
	printf("%lld %lld %lld %lld\n", t4s - t0, a6 ? t6s - t0 : -1, t0, t0 - t_send);
	if (then)
		while (wait(NULL) > 0 || errno == EINTR)
			;
	return 0;
}

static int cmd_floor(int argc, char **argv)
{
	const char *ifname = NULL;
	int c, main_fd, new_fd, ifindex;
	struct mnl_socket *nl_main, *nl_new;
	long long t0, t1;

	while ((c = getopt(argc, argv, "i:")) != -1) {
		switch (c) {
		case 'i': ifname = optarg; break;
		default: return 2;
		}
	}
	if (!ifname)
		die("floor: -i IFNAME is required");
	ifindex = (int)if_nametoindex(ifname);
	main_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	nl_main = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!ifindex || main_fd < 0 || !nl_main || mnl_socket_bind(nl_main, 0, MNL_SOCKET_AUTOPID) < 0)
		die("floor: no link %s or no netlink socket", ifname);
	t0 = now_ns();
	if (unshare(CLONE_NEWNET) < 0)
		die("unshare");
	new_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (new_fd < 0)
		die("opening the new namespace");
	link_move(nl_main, ifindex, new_fd);
	t1 = now_ns();
	printf("%lld\n", t1 - t0);
	/* Give the link back, so it outlives this namespace. */
	nl_new = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl_new || mnl_socket_bind(nl_new, 0, MNL_SOCKET_AUTOPID) < 0)
		die("netlink socket");
	ifindex = (int)if_nametoindex(ifname);
	if (!ifindex)
		die("floor: %s vanished", ifname);
	link_move(nl_new, ifindex, main_fd);
	return 0;
}

static int lines_with(const char *path, const char *text)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	int n = 0;

	if (!f)
		return 0;
	while (getline(&line, &cap, f) > 0)
		n += strstr(line, text) != NULL;
	free(line);
	fclose(f);
	return n;
}

static int cmd_wait_line(int argc, char **argv)
{
	char dir[4096], base[4096];
	long long deadline;
	int in, want;

	if (argc != 5)
		die("usage: wait-line FILE TEXT N SECONDS");
	want = atoi(argv[3]);
	deadline = now_ns() + atoll(argv[4]) * 1000000000LL;
	snprintf(dir, sizeof(dir), "%s", argv[1]);
	snprintf(base, sizeof(base), "%s", argv[1]);
	in = inotify_init1(IN_CLOEXEC);
	if (in < 0 || inotify_add_watch(in, dirname(dir), IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE) < 0)
		die("inotify on %s: %s", dir, strerror(errno));
	printf("ready\n");
	fclose(stdout);
	const char *name = basename(base);
	bool changed = true;
	for (;;) {
		if (changed && lines_with(argv[1], argv[2]) >= want)
			return 0;
		long long left = deadline - now_ns();
		if (left <= 0)
			return 1;
		struct pollfd p = { .fd = in, .events = POLLIN };
		if (poll(&p, 1, (int)(left / 1000000) + 1) <= 0)
			continue;
		char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
		ssize_t n = read(in, buf, sizeof(buf));
		changed = false;
		for (ssize_t off = 0; off < n;) {
			const struct inotify_event *ev = (const struct inotify_event *)(buf + off);
			if (ev->len && strcmp(ev->name, name) == 0)
				changed = true;
			off += (ssize_t)(sizeof(*ev) + ev->len);
		}
	}
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: benchtool now|spawn|time|signal|banner|nic-return|floor|wait-line ...\n");
		return 2;
	}
	const char *cmd = argv[1];
	argc--;
	argv++;
	if (strcmp(cmd, "now") == 0)
		return cmd_now();
	if (strcmp(cmd, "spawn") == 0)
		return cmd_spawn(argc, argv);
	if (strcmp(cmd, "time") == 0)
		return cmd_time(argc, argv);
	if (strcmp(cmd, "signal") == 0)
		return cmd_signal(argc, argv);
	if (strcmp(cmd, "banner") == 0)
		return cmd_banner(argc, argv);
	if (strcmp(cmd, "nic-return") == 0)
		return cmd_nic_return(argc, argv);
	if (strcmp(cmd, "wait-line") == 0)
		return cmd_wait_line(argc, argv);
	if (strcmp(cmd, "floor") == 0)
		return cmd_floor(argc, argv);
	fprintf(stderr, "benchtool: unknown command %s\n", cmd);
	return 2;
}
