/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * oobd: the out-of-band path supervisor. Reads the config, makes the
 * namespace, NIC, addresses, routes, sysctls and DNS overlay real through
 * the one reconcile path, runs sshd and the configured services inside,
 * and then sits in one event loop (signals, link events in both
 * namespaces, the namespace's name, the sshd readiness probe, a single
 * deadline) keeping all of it so.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/rtnetlink.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "control.h"
#include "ctlreq.h"
#include "filecheck.h"
#include "firewall.h"
#include "link.h"
#include "log.h"
#include "netns.h"
#include "nl.h"
#include "ifaddr.h"
#include "notify.h"
#include "route.h"
#include "oobd.h"
#include "reconcile.h"
#include "service.h"
#include "sshd.h"
#include "sshd_supervise.h"
#include "status.h"
#include "strbuf.h"
#include "util.h"
#include "version.h"

/* What oobd watches /run (for sshd's privilege separation directory) and
 * /run/netns (for the namespace's name) for. */
#define RUN_WATCH_MASK (IN_DELETE | IN_MOVED_FROM | IN_ONLYDIR)
#define NETNS_WATCH_MASK (IN_DELETE | IN_MOVED_FROM | IN_ATTRIB)
/* And each supervised program's directory (a program replaced). */
#define PROG_WATCH_MASK (IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE | IN_ONLYDIR)

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: oobd [-c FILE] [-t | --down]\n"
		"Bring up and keep the out-of-band management path: a network namespace\n"
		"with a dedicated NIC, its own sshd and small services.\n"
		"\n"
		"  -c, --config FILE  config file (default " OOBD_DEFAULT_CONFIG ")\n"
		"  -t, --test         check the config, print every problem as FILE:LINE: ...,\n"
		"                     and exit 0 if it is usable, 1 if not\n"
		"      --down         tear the path down (oobd must not be running): hand the\n"
		"                     NIC back to the main namespace under its original name\n"
		"                     (a vlan/macvlan child is deleted), remove the namespace\n"
		"  -h, --help         show this help\n"
		"  -V, --version      show the version\n"
		"\n"
		"Runs in the foreground and logs to stderr with <N> syslog level prefixes.\n"
		"SIGHUP reloads the config; SIGTERM stops sshd and the services and exits,\n"
		"leaving the namespace and the NIC in place for the next oobd to adopt.\n"
		"See oobd(8) and oobd.conf(5).\n");
}

/* Problems written to a memory stream (BUF, lines): each to the log, as a
 * warning or an error, and into ERRS if given. BUF is freed. */
static void report_problems(char *buf, struct strbuf *errs)
{
	if (errs && buf)
		sb_puts(errs, buf);
	for (char *line = buf, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		log_msg(strstr(line, ": warning: ") ? LOG_WARNING : LOG_ERR, "%s", line);
	}
	free(buf);
}

/* How much of what the config names load_config checks. */
enum load_check {
	LOAD_CONFIG_ONLY,  /* tearing down needs only the namespace and the NIC */
	LOAD_START,        /* a [service] program that cannot run is a warning */
	LOAD_RELOAD,       /* ... and a problem: the path is up, the admin asked */
};

/* The config at PATH, checked as CHECK says. With DATA, a usable one's
 * content as it was read (config_load_keep). */
static int load_config(const char *path, struct config **out, struct strbuf *errs_out, enum load_check check,
		       char **data, size_t *data_len)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *errs = open_memstream(&buf, &len);
	int n;

	if (!errs)
		return -errno;
	n = config_load_keep(path, errs, out, data, data_len);
	if (n == 0 && check != LOAD_CONFIG_ONLY) {
		n = config_check_files(*out, errs, check == LOAD_RELOAD, NULL);
		if (n) {
			config_free(*out);
			*out = NULL;
			if (data) {
				free(*data);
				*data = NULL;
			}
		}
	}
	fclose(errs);
	report_problems(buf, errs_out);
	return n;
}

/* The ports of the N sockets L added to PORTS (FIREWALL_MAX_PORTS at most,
 * N_PORTS there already), each once; the new count. */
static int ports_add(unsigned *ports, int n_ports, const struct sshd_listen *l, int n)
{
	for (int k = 0; k < n; k++) {
		bool dup = false;
		for (int j = 0; j < n_ports; j++)
			dup = dup || ports[j] == l[k].port;
		if (!dup && n_ports < FIREWALL_MAX_PORTS)
			ports[n_ports++] = l[k].port;
	}
	return n_ports;
}

/* oobd -t: what the firewall files are to let in: the ports sshd's config
 * names (none when it names them by service, or cannot be read), arriving
 * on the NIC under the name it will have inside (unknown for one matched
 * by MAC and not renamed), for the families it has addresses of. */
static void test_reach_of(const struct config *c, struct fw_sshd_reach *reach)
{
	struct sshd_listen l[SSHD_QUERY_MAX];
	int n = sshd_listen_from_config(c->sshd.config, l, SSHD_QUERY_MAX);

	*reach = (struct fw_sshd_reach){ .iface = c->iface.rename[0] ? c->iface.rename
					 : c->iface.match == MATCH_NAME ? c->iface.match_name : NULL };
	reach->n_ports = ports_add(reach->ports, reach->n_ports, l, n);
	for (size_t k = 0; k < c->iface.n_addrs; k++)
		reach->family[c->iface.addrs[k].pfx.addr.family == AF_INET ? FW_IPV4 : FW_IPV6] = true;
}

/* oobd -t: a valid sshd config that lets nobody in is a warning (the
 * keys may be installed after the check). */
static void test_login_check(const char *config, const char *where)
{
	char keys[PATH_MAX + 128], root[PATH_MAX + 256];

	sshd_login_check(config, keys, sizeof(keys), root, sizeof(root));
	if (keys[0])
		fprintf(stderr, "%s: warning: no key can log in to sshd config %s: %s\n", where, config, keys);
	if (root[0])
		fprintf(stderr, "%s: warning: sshd config %s lets root in, but sshd will refuse root: %s\n", where,
			config, root);
}

/* PATH's last-good copy's path into LG; false when it does not fit. */
static bool last_good_path(const char *path, char lg[PATH_MAX])
{
	return (size_t)snprintf(lg, PATH_MAX, "%s%s", path, OOBD_LAST_GOOD_SUFFIX) < PATH_MAX;
}

/*
 * The last config that worked is kept beside the configured file, as
 * FILE.last-good (root's, 0600, written whole or not at all): a start
 * finding the configured file unusable (an edit with a typo that no reload
 * ever tried, then a reboot) runs that copy instead of leaving the machine
 * without its out-of-band path. Not in /run, which a reboot empties, and
 * not under /var, which may not be mounted yet. DATA is the content the
 * config in force was parsed from; the copy is written only when it
 * differs.
 */
static void last_good_save(const char *path, const char *data, size_t len)
{
	char lg[PATH_MAX];
	char *old = NULL;
	size_t old_len = 0;
	int r;

	if (!data || !last_good_path(path, lg))
		return;
	if (read_file(lg, &old, &old_len, CONFIG_MAX_BYTES) == 0 && old_len == len && memcmp(old, data, len) == 0) {
		free(old);
		return;
	}
	free(old);
	r = write_file_atomic(lg, data, len, 0600);
	if (r < 0)
		log_warn("keeping the config that works as %s: %s (a start that finds %s unusable has no copy to "
			 "run instead)", lg, strerror(-r), path);
	else
		log_info("kept the config in force as %s", lg);
}

/* The first problem (not a warning) of a load's report: why it failed. */
static char *first_problem(const struct strbuf *errs)
{
	const char *p = errs->buf ? errs->buf : "";

	while (*p) {
		size_t n = strcspn(p, "\n");
		if (!memmem(p, n, ": warning: ", 11))
			return strndup(p, n);
		p += n + (p[n] == '\n');
	}
	return xstrdup("the configuration is not usable");
}

/*
 * The config of a start at PATH, checked as CHECK says: else its last-good
 * copy, with why PATH was refused in *WHY. 0, or -1 when neither is usable.
 * With DATA, PATH's content when it is the one in force (to keep as the
 * last-good copy once the path is up: the start waits on no disk for it).
 */
static int load_start_config(const char *path, struct config **out, enum load_check check, char **why,
			     char **data, size_t *len)
{
	struct strbuf errs = { 0 };
	char lg[PATH_MAX];

	*why = NULL;
	if (load_config(path, out, &errs, check, data, len) == 0) {
		sb_free(&errs);
		return 0;
	}
	if (!last_good_path(path, lg) ||
	    access(lg, F_OK) != 0) {
		log_err("%s is not usable, and there is no %s to run instead", path, lg);
		sb_free(&errs);
		return -1;
	}
	if (load_config(lg, out, NULL, check, NULL, NULL) != 0) {
		log_err("%s is not usable, and neither is the last config that worked, %s", path, lg);
		sb_free(&errs);
		return -1;
	}
	*why = first_problem(&errs);
	sb_free(&errs);
	log_err("%s is not usable (%s); using the last config that worked, %s", path, *why, lg);
	return 0;
}

/* oobd -t of an unusable PATH: what a start would run, if anything. A
 * start takes the file when only what it names fails (sshd, a [service]
 * and the firewall each fall back or wait: config_check_files); else the
 * last-good copy, checked as a start checks it. */
static void test_say_last_good(const char *path)
{
	struct config *c = NULL;
	char lg[PATH_MAX];
	FILE *devnull = fopen("/dev/null", "we");

	if (!devnull)
		return;
	if (config_load(path, devnull, &c) == 0 && config_check_files(c, devnull, false, NULL) == 0)
		fprintf(stderr, "%s: a start would still run it, with a fallback for each part refused above (sshd's "
			"last-good or built-in config, the built-in firewall ruleset), or that part stopped until it "
			"can run\n", path);
	else if (last_good_path(path, lg) && access(lg, F_OK) == 0) {
		config_free(c);
		c = NULL;
		if (config_load(lg, devnull, &c) == 0 && config_check_files(c, devnull, false, NULL) == 0)
			fprintf(stderr, "%s: not usable; a start would run the last config that worked, %s, instead\n",
				path, lg);
		else
			fprintf(stderr, "%s: not usable, and neither is %s: oobd would not start\n", path, lg);
	}
	config_free(c);
	fclose(devnull);
}

static int lock_acquire(void)
{
	char buf[32];
	int fd, n;

	if (mkdir_p(OOBD_RUN_DIR, 0755) < 0) {
		log_err("creating %s: %s", OOBD_RUN_DIR, strerror(errno));
		return -1;
	}
	fd = open(OOBD_LOCK_FILE, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		log_err("opening %s: %s", OOBD_LOCK_FILE, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		n = (int)read(fd, buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		log_err("another oobd is running (pid %s)", *buf ? buf : "?");
		close(fd);
		return -1;
	}
	n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, (size_t)n, 0) != n)
		log_warn("writing %s: %s", OOBD_LOCK_FILE, strerror(errno));
	return fd;
}

static void oom_protect(void)
{
	int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	/* A memory-starved main system must not take the way in with it. */
	if (fd < 0 || write(fd, "-1000", 5) != 5)
		log_warn("setting oom_score_adj to -1000: %s (oobd stays killable by the OOM killer)", strerror(errno));
	if (fd >= 0)
		close(fd);
}

/* Is process PID in the namespace NSFD holds? */
static bool pid_in_namespace(int nsfd, pid_t pid)
{
	char path[64];
	struct stat a, b;

	if (nsfd < 0 || pid <= 0)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	return stat(path, &a) == 0 && fstat(nsfd, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev;
}

/* PID or one of its ancestors in the namespace: a request through
 * "nsenter-main" (or sudo, a shell...) from a session that came in on the
 * out-of-band path runs in the main namespace, but its session is still cut
 * by "down". */
static bool pid_or_ancestor_in_namespace(int nsfd, pid_t pid)
{
	for (int depth = 0; depth < 64 && pid > 1; depth++) {
		char path[64], buf[512], *p, *end;
		ssize_t n;
		int fd;
		long ppid;

		if (pid_in_namespace(nsfd, pid))
			return true;
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return false;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			return false;
		buf[n] = '\0';
		/* "PID (COMM) STATE PPID ...": COMM may hold anything, ')' too. */
		p = strrchr(buf, ')');
		if (!p || strlen(p) < 5 || p[1] != ' ' || p[3] != ' ')
			return false;
		errno = 0;
		ppid = strtol(p + 4, &end, 10);
		if (errno || end == p + 4 || *end != ' ')
			return false;
		pid = (pid_t)ppid;
	}
	return false;
}

/*
 * A listener left by an oobd that died before it could stop it (its
 * PDEATHSIG is still on its way) would hold the port: make sure it is gone.
 *
 * The pid file may be stale and its PID reused, perhaps by the main
 * system's sshd or by an ssh session of the oob path (both run the sshd
 * program); killing either on the worst day would be a disaster. So the
 * process must be all of: an sshd program, in the oob namespace (only
 * there can it hold the oob port; the main system's sshd never is), and
 * started by an oobd as the listener: its command line, or the title a
 * listener gives itself (which repeats it), carries the "-o PidFile=" that
 * sshd_argv() gives; the session processes' titles do not. Whether it
 * started before the pid file was written is not asked: the pid file is
 * written by the listener itself after it started, so a process started
 * later must be a reuse, but the checks above already exclude every
 * process that is not an oob listener, and start times compared with a
 * file's mtime (its clock settable, the file rewritten by each listener)
 * would only add a way to be wrong.
 */
static void reap_orphan_listener(const struct oobd *o, pid_t own)
{
	_cleanup_free_ char *pidtxt = NULL, *cmdline = NULL;
	char path[64], target[256];
	size_t len = 0;
	long pid;
	ssize_t n;

	if (read_file(OOBD_SSHD_PIDFILE, &pidtxt, NULL, 64) < 0)
		return;
	pid = strtol(pidtxt, NULL, 10);
	if (pid <= 1 || pid == own)
		return; /* none, or the one this oobd started */
	snprintf(path, sizeof(path), "/proc/%ld/exe", pid);
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return;
	target[n] = '\0';
	if (!strstr(target, "sshd"))
		return; /* the pid was reused by something else */
	if (!pid_in_namespace(o->ns.nsfd, (pid_t)pid)) {
		log_debug("pid %ld of %s is an sshd outside namespace \"%s\"; not an oob listener, left alone", pid,
			  OOBD_SSHD_PIDFILE, o->cfg->netns);
		return;
	}
	snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
	if (read_file(path, &cmdline, &len, 8192) < 0)
		return;
	/* The needle lies within one argument, or the title's one string. */
	if (!memmem(cmdline, len, "PidFile=" OOBD_SSHD_PIDFILE, strlen("PidFile=" OOBD_SSHD_PIDFILE))) {
		log_debug("pid %ld of %s is an sshd in namespace \"%s\" but not a listener of oobd (a session?); "
			  "left alone", pid, OOBD_SSHD_PIDFILE, o->cfg->netns);
		return;
	}
	log_warn("an sshd listener (pid %ld) of an earlier oobd is still running; stopping it", pid);
	kill((pid_t)pid, SIGTERM);
	for (int i = 0; i < 200 && kill((pid_t)pid, 0) == 0; i++) {
		struct timespec ts = { 0, 10 * 1000000L };
		nanosleep(&ts, NULL);
	}
	if (kill((pid_t)pid, 0) == 0)
		kill((pid_t)pid, SIGKILL);
}

static int epoll_watch(struct oobd *o, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };
	if (epoll_ctl(o->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		log_err("epoll_ctl: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

/* "ip netns del" unmounts and unlinks the name: notice and bind it again. */
static void watch_netns_dir(struct oobd *o)
{
	if (o->inofd < 0 || o->netns_wd >= 0)
		return;
	o->netns_wd = inotify_add_watch(o->inofd, NETNS_RUN_DIR, NETNS_WATCH_MASK);
	if (o->netns_wd < 0)
		log_warn("watching %s: %s", NETNS_RUN_DIR, strerror(errno));
}

/* Every supervised child: sshd, then the [service]s; NULL past the end. */
static struct service *child_at(struct oobd *o, size_t i)
{
	if (i == 0)
		return &o->sshd.svc;
	return i - 1 < o->n_svcs ? &o->svcs[i - 1] : NULL;
}

/* Is the absolute PATH a file of directory DIR (not of one below)? */
static bool in_dir(const char *path, const char *dir)
{
	const char *slash = strrchr(path, '/');
	size_t len;

	if (!slash)
		return false;
	len = slash == path ? 1 : (size_t)(slash - path);
	return strlen(dir) == len && strncmp(path, dir, len) == 0;
}

/*
 * A package upgrade puts a new program in place (dpkg: a rename over the
 * name; install(1): a new file), and the running instance goes on with
 * the old one (service_program_event). The directories of sshd's and the
 * services' programs (symbolic links followed) are watched for files made,
 * written or moved in; such a directory changes only when software is
 * installed. Called at start-up and after a reload: directories no
 * program is in any more are let go.
 */
static void watch_programs(struct oobd *o)
{
	struct service *s;

	if (o->inofd < 0)
		return;
	for (size_t i = 0; (s = child_at(o, i)) != NULL; i++) {
		const char *exec = i == 0 ? o->cfg->sshd.exec : s->argv[0];
		free(s->prog_real);
		s->prog_real = realpath(exec, NULL);
		if (!s->prog_real)
			s->prog_real = xstrdup(exec);
	}
	/* Let go of what is not wanted any more. A directory also watched
	 * for something else keeps its watch. */
	size_t kept = 0;
	for (size_t k = 0; k < o->n_prog_watch; k++) {
		struct prog_watch w = o->prog_watch[k];
		bool wanted = false;

		for (size_t i = 0; (s = child_at(o, i)) != NULL && !wanted; i++)
			wanted = in_dir(s->prog_real, w.dir);
		if (wanted && w.wd >= 0) {
			o->prog_watch[kept++] = w;
			continue;
		}
		if (w.wd >= 0 && w.wd != o->run_wd && w.wd != o->netns_wd && w.wd != o->etc_wd &&
		    w.wd != o->resolv_dir_wd)
			inotify_rm_watch(o->inofd, w.wd);
		free(w.dir);
	}
	o->n_prog_watch = kept;
	for (size_t i = 0; (s = child_at(o, i)) != NULL; i++) {
		const char *slash = strrchr(s->prog_real, '/');
		char *dir;
		bool known = false;

		if (!slash || !slash[1])
			continue;
		dir = slash == s->prog_real ? xstrdup("/") : strndup(s->prog_real, (size_t)(slash - s->prog_real));
		if (!dir)
			continue;
		for (size_t k = 0; k < o->n_prog_watch && !known; k++)
			known = strcmp(o->prog_watch[k].dir, dir) == 0;
		if (known) {
			free(dir);
			continue;
		}
		int wd = inotify_add_watch(o->inofd, dir, PROG_WATCH_MASK | IN_MASK_ADD);
		if (wd < 0) {
			log_warn("watching %s: %s (a new program there is run only at its next start)", dir,
				 strerror(errno));
			free(dir);
			continue;
		}
		o->prog_watch = xrealloc(o->prog_watch, o->n_prog_watch + 1, sizeof(*o->prog_watch));
		o->prog_watch[o->n_prog_watch++] = (struct prog_watch){ .wd = wd, .dir = dir };
	}
}

/* An event of watch WD about NAME in its directory: a program of a
 * supervised child put in place anew? */
static void program_event(struct oobd *o, int wd, uint32_t mask, const char *name)
{
	struct service *s;
	char path[PATH_MAX];

	for (size_t k = 0; k < o->n_prog_watch; k++) {
		struct prog_watch *w = &o->prog_watch[k];

		if (w->wd != wd)
			continue;
		if (mask & IN_IGNORED) {
			w->wd = -1; /* the directory went; watched again at a reload, if there */
			continue;
		}
		if (!*name || (size_t)snprintf(path, sizeof(path), "%s%s%s", w->dir, strcmp(w->dir, "/") ? "/" : "",
					       name) >= sizeof(path))
			continue;
		for (size_t i = 0; (s = child_at(o, i)) != NULL; i++)
			if (s->prog_real && strcmp(s->prog_real, path) == 0)
				service_program_event(s);
	}
}

/* How soon a /run/sshd that could not be made is tried again. */
#define PRIVSEP_RETRY_MS 1000

static long long earliest(long long a, long long b)
{
	if (!a)
		return b;
	if (!b)
		return a;
	return a < b ? a : b;
}

/*
 * While the resolv.conf overlay waits for a retry (a read-only /etc), the
 * mount table of oobd's mount namespace is watched: /proc/self/mountinfo
 * reports every change (a remount read-write included) as POLLPRI, so the
 * overlay is written as soon as it can be, not at the next retry (up to
 * 30 s later). Opened when the wait begins, so only changes from then on
 * count; closed when it ends: the mount table of a busy system (containers,
 * automounts) wakes nobody otherwise.
 */
static void watch_mounts(struct oobd *o)
{
	bool want = o->ns.dns_retry && !o->down && !o->stopping;

	if (want == (o->mntfd >= 0))
		return;
	if (!want) {
		close(o->mntfd); /* leaves the epoll set with it */
		o->mntfd = -1;
		return;
	}
	o->mntfd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
	if (o->mntfd < 0)
		return; /* the retry's deadline does it */
	struct epoll_event ev = { .events = EPOLLPRI, .data.fd = o->mntfd };
	if (epoll_ctl(o->epfd, EPOLL_CTL_ADD, o->mntfd, &ev) < 0) {
		close(o->mntfd);
		o->mntfd = -1;
	}
}

/*
 * The resolv.conf overlay in the views of sshd (and so of its sessions)
 * and of the services: bound again where it is missing. A process binds
 * the overlay files that exist when it starts; one written later (a
 * read-only /etc at boot, [dns] added by a reload), or the host's
 * /etc/resolv.conf replaced by a rename (dhclient, NetworkManager,
 * resolvconf: the kernel drops the binds on the old file), would leave
 * them resolving with the host's servers, which the namespace cannot
 * reach.
 */
static void dns_views_heal(struct oobd *o)
{
	if (!o->cfg->dns.present || o->down || o->stopping)
		return;
	for (size_t k = 0; k <= o->n_svcs; k++) {
		const struct service *s = k == 0 ? &o->sshd.svc : &o->svcs[k - 1];
		if (s->state != SVC_UP || s->pid <= 0)
			continue;
		int r = netns_etc_rebind(s->pid, o->cfg->netns, "resolv.conf");
		if (r > 0)
			log_notice("%s (pid %d) did not see the resolv.conf overlay (written, or the host's file "
				   "replaced, since it started); bound it again", s->name, (int)s->pid);
		if (r < 0 && r != o->dns_view_err)
			log_warn("binding the resolv.conf overlay into the view of %s (pid %d): %s (tried again when "
				 "/etc/resolv.conf or the overlay changes)", s->name, (int)s->pid, strerror(-r));
		if (r < 0)
			o->dns_view_err = r;
		else if (r > 0)
			o->dns_view_err = 0;
	}
}

/* Drop the watch on the directory of /etc/resolv.conf's target, unless
 * it is one oobd watches for something else too. */
static void resolv_watch_drop(struct oobd *o)
{
	bool prog = false;

	for (size_t k = 0; k < o->n_prog_watch && !prog; k++)
		prog = o->prog_watch[k].wd == o->resolv_dir_wd;
	if (o->resolv_dir_wd >= 0 && !prog && o->resolv_dir_wd != o->etc_wd && o->resolv_dir_wd != o->run_wd &&
	    o->resolv_dir_wd != o->netns_wd)
		inotify_rm_watch(o->inofd, o->resolv_dir_wd);
	/* Shared: that watch's own events again, not also every file made
	 * there (the walk up a path not made yet may have stopped at /run). */
	if (o->resolv_dir_wd >= 0 && o->resolv_dir_wd == o->run_wd)
		inotify_add_watch(o->inofd, SSHD_PRIVSEP_PARENT, RUN_WATCH_MASK | (prog ? PROG_WATCH_MASK : 0));
	if (o->resolv_dir_wd >= 0 && o->resolv_dir_wd == o->netns_wd)
		inotify_add_watch(o->inofd, NETNS_RUN_DIR, NETNS_WATCH_MASK | (prog ? PROG_WATCH_MASK : 0));
	o->resolv_dir_wd = -1;
	o->resolv_target[0] = '\0';
}

/* Watch what the host's /etc/resolv.conf links to (systemd-resolved's
 * stub, made after oobd starts), besides /etc itself. Its directory not
 * there yet (early in the boot, before systemd-resolved made
 * /run/systemd/resolve): the nearest one up the path that is, for the
 * next one down; each made is watched in turn, down to the file's. */
static void watch_resolv_target(struct oobd *o)
{
	char link[PATH_MAX], dir[PATH_MAX + 8], up[sizeof(o->resolv_target)], next[sizeof(dir) + sizeof(up)];
	ssize_t n = readlink("/etc/resolv.conf", link, sizeof(link) - 1);

	resolv_watch_drop(o);
	if (o->inofd < 0 || n <= 0)
		return;
	link[n] = '\0';
	char *slash = strrchr(link, '/');
	if (slash && !slash[1])
		return; /* "dir/": no file named */
	/* A few times at most: again when the next directory down was made
	 * between the failed watch on it and the watch on its parent (no
	 * event comes for it then). */
	for (int again = 0; again < 8; again++) {
		const char *base = slash ? slash + 1 : link;
		if (strlen(base) >= sizeof(o->resolv_target))
			return;
		if (!slash)
			snprintf(dir, sizeof(dir), "/etc");
		else if (link[0] == '/')
			snprintf(dir, sizeof(dir), "%.*s", slash == link ? 1 : (int)(slash - link), link);
		else
			snprintf(dir, sizeof(dir), "/etc/%.*s", (int)(slash - link), link);
		for (;;) {
			o->resolv_dir_wd = inotify_add_watch(o->inofd, dir, IN_CREATE | IN_MOVED_TO | IN_ONLYDIR | IN_MASK_ADD);
			int e = errno;
			char *cut = strrchr(dir, '/');
			if (o->resolv_dir_wd >= 0 || e != ENOENT || !cut || strlen(cut + 1) >= sizeof(up) || !cut[1])
				break;
			str_copy(up, cut + 1, sizeof(up));
			base = up;
			cut[cut == dir] = '\0'; /* "/run" -> "/" */
		}
		if (o->resolv_dir_wd < 0)
			return;
		str_copy(o->resolv_target, base, sizeof(o->resolv_target));
		if (base != up || snprintf(next, sizeof(next), "%s/%s", strcmp(dir, "/") ? dir : "", up) >= (int)sizeof(next) ||
		    access(next, F_OK) < 0 || again == 7)
			return;
		resolv_watch_drop(o);
	}
}

/* The mount table changed while the overlay waits: try it now. */
static void handle_mounts(struct oobd *o)
{
	if (o->ns.dns_retry && !o->down && !o->stopping && reconcile_dns(o->cfg, &o->ns) == 0) {
		log_info("the resolv.conf overlay was written after a change of the mount table");
		dns_views_heal(o);
	}
}

/* One timer for everything: the earliest deadline of any state machine. */
static void arm_timer(struct oobd *o)
{
	struct itimerspec its = { 0 };
	long long d = sshd_sup_deadline(&o->sshd);

	for (size_t i = 0; i < o->n_svcs; i++)
		d = earliest(d, service_wakeup(&o->svcs[i]));
	d = earliest(d, o->watchdog_next);
	d = earliest(d, o->privsep_retry);
	if (!o->down && !o->stopping) {
		d = earliest(d, o->ns.bind_retry);
		d = earliest(d, o->ns.dns_retry);
	}
	d = earliest(d, ctl_deadline(&o->ctl));
	if (d > 0) {
		its.it_value.tv_sec = d / 1000;
		its.it_value.tv_nsec = (d % 1000) * 1000000;
		if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
			its.it_value.tv_nsec = 1;
	}
	timerfd_settime(o->timerfd, TFD_TIMER_ABSTIME, &its, NULL);
}

static void update_status(struct oobd *o)
{
	const char *sshd_state = "down";

	if (!notify_enabled())
		return;
	if (o->sshd.ready)
		sshd_state = "ready";
	else if (o->sshd.svc.state == SVC_UP)
		sshd_state = "starting";
	else if (o->sshd.dad_until)
		sshd_state = "waiting for IPv6 DAD";
	notify_status("namespace %s; %s%s; sshd %s (%s config)", o->cfg->netns,
		      o->ns.nic_ifindex ? "NIC " : "waiting for the NIC",
		      o->ns.nic_ifindex ? o->ns.nic_name : "",
		      sshd_state, sshd_source_name(o->sshd.source));
}

static void firewall_sshd_ports(struct oobd *o);

/* Every start of sshd comes through here, but the one beside a firewall
 * update under way (path_up), which works the ports out itself. */
static void sshd_start(struct oobd *o)
{
	firewall_sshd_ports(o);
	sshd_sup_start(&o->sshd, o->cfg->netns, o->ns.nsfd, &o->ns.nl_oob);
}

/* Stop a [service] and start it again. */
static void svc_restart(struct service *s)
{
	if (s->state == SVC_UP) {
		service_stop(s);
		s->want_up = true;
	} else if (s->state == SVC_STOPPING) {
		/* The old process lives: started again once it is reaped
		 * (reap_children), its SIGKILL deadline kept. A start now would
		 * leave it running unsupervised. */
		s->want_up = true;
	} else {
		s->want_up = true;
		s->backoff_ms = 0;
		s->deadline_ms = now_ms();
		s->state = SVC_BACKOFF;
	}
}

/* Every start of a [service] comes through here. Under journald it
 * writes to a stream of its own, opened anew at each start (the last
 * one's reader may be gone), so that it cannot fill oobd's. */
static void svc_start(struct oobd *o, struct service *s)
{
	char ident[64];

	snprintf(ident, sizeof(ident), "oobd-%s", s->name);
	s->out_fd = log_service_fd(ident);
	service_start(s, o->cfg->netns, o->ns.nsfd);
	if (s->out_fd >= 0)
		close(s->out_fd);
	s->out_fd = -1;
}

static void services_start_all(struct oobd *o)
{
	for (size_t i = 0; i < o->n_svcs; i++) {
		bool configured = false;
		for (size_t k = 0; k < o->cfg->n_services; k++)
			configured = configured || strcmp(o->cfg->services[k].name, o->svcs[i].name) == 0;
		if (configured && o->svcs[i].state == SVC_DOWN)
			svc_start(o, &o->svcs[i]);
	}
}

static char **argv_dup(char *const *argv)
{
	size_t n = 0;
	char **v;

	while (argv[n])
		n++;
	v = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		v[i] = xstrdup(argv[i]);
	return v;
}

static void services_init(struct oobd *o)
{
	o->n_svcs = o->cfg->n_services;
	o->svcs = xcalloc(o->n_svcs, sizeof(*o->svcs));
	for (size_t i = 0; i < o->n_svcs; i++) {
		const struct service_cfg *sc = &o->cfg->services[i];
		service_init(&o->svcs[i], sc->name, argv_dup(sc->argv), sc->backoff.max_ms, sc->backoff.reset_ms);
		o->svcs[i].contain = true;
	}
}

/*
 * Reload: services that are new start, removed ones stop, changed ones
 * restart; the others are left alone. A removed service still running is
 * kept in the table (stopping) until it is reaped and what its program
 * left running is gone.
 */
static void services_reload(struct oobd *o, const struct config *nc)
{
	size_t n_old = o->n_svcs;

	for (size_t i = 0; i < n_old; i++) {
		struct service *s = &o->svcs[i];
		const struct service_cfg *sc = NULL;
		for (size_t k = 0; k < nc->n_services; k++)
			if (strcmp(nc->services[k].name, s->name) == 0)
				sc = &nc->services[k];
		if (!sc) {
			log_notice("service %s removed from the config; stopping it", s->name);
			service_stop(s);
			continue;
		}
		service_set_backoff(s, sc->backoff.max_ms, sc->backoff.reset_ms);
		if (s->state == SVC_STOPPING && !s->want_up && !o->down) {
			/* Removed by an earlier reload and not stopped yet: back. */
			log_notice("service %s is back in the config; starting it again once it has stopped", s->name);
			s->want_up = true;
		}
		if (!config_words_equal(s->argv, sc->argv)) {
			log_notice("service %s changed; restarting it", s->name);
			service_set_argv(s, argv_dup(sc->argv));
			service_stop(s);
			s->want_up = !o->down; /* started again when reaped, unless the path is down */
		}
	}
	for (size_t k = 0; k < nc->n_services; k++) {
		bool known = false;
		for (size_t i = 0; i < n_old; i++)
			known = known || strcmp(o->svcs[i].name, nc->services[k].name) == 0;
		if (known)
			continue;
		o->svcs = xrealloc(o->svcs, o->n_svcs + 1, sizeof(*o->svcs));
		service_init(&o->svcs[o->n_svcs], nc->services[k].name, argv_dup(nc->services[k].argv),
			     nc->services[k].backoff.max_ms, nc->services[k].backoff.reset_ms);
		o->svcs[o->n_svcs].contain = true;
		o->n_svcs++;
		log_notice("service %s added", nc->services[k].name);
	}
}

/* Drop services that were removed from the config and have stopped, with
 * all their processes. */
static void services_compact(struct oobd *o)
{
	size_t w = 0;
	for (size_t i = 0; i < o->n_svcs; i++) {
		bool configured = false;
		for (size_t k = 0; k < o->cfg->n_services; k++)
			configured = configured || strcmp(o->cfg->services[k].name, o->svcs[i].name) == 0;
		if (!configured && o->svcs[i].state == SVC_DOWN && !service_left(&o->svcs[i])) {
			service_free(&o->svcs[i]);
			continue;
		}
		o->svcs[w++] = o->svcs[i];
	}
	o->n_svcs = w;
}

/* May "sshd -T" run EXEC on sshd config PATH? Not when others than root can
 * change either (sshd_supervise.c decides again at each start of sshd, and
 * logs why): sshd would repeat lines of whatever file it is made to
 * include. */
static bool sshd_may_ask(const char *exec, const char *path)
{
	char why[PATH_MAX + 64];

	return filecheck_path(exec, why, sizeof(why)) != -EPERM && sshd_config_untrusted(path, false, NULL, 0) <= 0;
}

/* Host keys (sshd needs them), then "sshd -T" started in the background
 * for the configured config and the last-good copy where the sockets they
 * listen on cannot be read from them: the supervisor's and the firewall's
 * questions (sshd_ports_allow), answered when first needed. */
static void sshd_questions_begin(struct oobd *o)
{
	const char *configs[] = { o->cfg->sshd.config, SSHD_LAST_GOOD_PATH };
	struct sshd_listen l[SSHD_QUERY_MAX];

	sshd_prepare(o->cfg->sshd.config);
	for (size_t i = 0; i < ARRAY_SIZE(configs); i++)
		if ((i == 0 || access(configs[i], R_OK) == 0) &&
		    sshd_listen_from_config(configs[i], l, SSHD_QUERY_MAX) <= 0 && sshd_may_ask(o->cfg->sshd.exec, configs[i]))
			sshd_query_begin(o->cfg->sshd.exec, configs[i]);
}

/* The TCP ports of sshd config PATH, from the config itself where it tells
 * them, else from "sshd -T"; added to ALLOW. */
static void sshd_ports_allow(const char *exec, const char *path, struct firewall_allow *allow)
{
	struct sshd_listen l[SSHD_QUERY_MAX];
	char *why = NULL;
	int n = sshd_listen_from_config(path, l, SSHD_QUERY_MAX);

	if (n <= 0 && sshd_may_ask(exec, path))
		n = sshd_query(exec, path, l, SSHD_QUERY_MAX, &why);
	if (n < 0)
		log_warn("asking sshd for the ports of %s (sshd -T): %s", path, why ? why : strerror(-n));
	free(why);
	allow->n_ssh_ports = ports_add(allow->ssh_ports, allow->n_ssh_ports, l, n);
}

/* What the built-in ruleset is to let in: the ports of every sshd config
 * the supervisor may run: the configured one, the last-good copy, and the
 * built-in one (port 22), so whichever it falls back to stays reachable. */
static void firewall_allow_want(const struct oobd *o, struct firewall_allow *allow)
{
	/* No dynamic addressing yet, so no DHCP replies to let in. */
	*allow = (struct firewall_allow){ .ssh_ports = { 22 }, .n_ssh_ports = 1, .dhcp4 = false, .dhcp6 = false };
	sshd_ports_allow(o->cfg->sshd.exec, o->cfg->sshd.config, allow);
	if (access(SSHD_LAST_GOOD_PATH, R_OK) == 0)
		sshd_ports_allow(o->cfg->sshd.exec, SSHD_LAST_GOOD_PATH, allow);
}

/*
 * The namespace's firewall, before the NIC carries a packet; the built-in
 * ruleset, when it is needed, lets in what firewall_allow_want() says.
 *
 * In two halves: sshd_questions_begin() and firewall_begin() start what
 * takes time side by side and return; the caller may move and address the
 * NIC meanwhile, but not set it up. This joins them: 0, or -errno when not
 * even the built-in ruleset could be put in place.
 */
static int firewall_update_finish(struct oobd *o, struct firewall_run *run)
{
	struct firewall_allow allow;

	firewall_allow_want(o, &allow);
	unsigned long long before[FW__NFAMILIES];
	bool changed = false;

	for (int f = 0; f < FW__NFAMILIES; f++)
		before[f] = o->fw.fam[f].kernel_hash;
	int r = firewall_finish(run, &allow, &o->fw);
	sshd_query_settle();
	/* 0 also when a refused file on reload left the previous rules in place. */
	o->fw_ok = r == 0;
	/* Other rules may let the readiness probe through, or stop it: ask
	 * again (only then: a connection to sshd costs it a fork). */
	for (int f = 0; f < FW__NFAMILIES; f++)
		changed = changed || o->fw.fam[f].kernel_hash != before[f];
	if (r == 0 && changed)
		sshd_sup_recheck(&o->sshd, o->ns.nsfd);
	return r;
}

/* The firewall of the FAMILIES (FW_FAMILY bits) updated, as a reload does. */
static int firewall_update(struct oobd *o, unsigned families)
{
	sshd_questions_begin(o);
	return firewall_update_finish(o, firewall_begin(&o->cfg->firewall, o->ns.nsfd, families, &o->fw));
}

/*
 * Before a start of sshd: the built-in ruleset in place lets in the ports
 * the sshd configs had at the last firewall update. The configured one
 * edited since ("oobctl restart sshd", or the restart after sshd died,
 * with no reload), or a last-good copy kept since, may listen elsewhere:
 * then the families on the built-in ruleset are updated as a reload
 * updates them (a family's refused file is tried again first). A family
 * whose file is in force is the admin's: left alone.
 */
static void firewall_sshd_ports(struct oobd *o)
{
	struct firewall_allow want;
	unsigned families = 0;
	char ports[FIREWALL_MAX_PORTS * 7] = "";
	size_t len = 0;

	for (int f = 0; f < FW__NFAMILIES; f++)
		if (o->fw.fam[f].source == FW_SOURCE_FALLBACK)
			families |= FW_FAMILY(f);
	if (!families || o->down || o->ns.nsfd < 0)
		return;
	firewall_allow_want(o, &want);
	if (firewall_allow_covers(&o->fw.allow, &want))
		return;
	for (int i = 0; i < want.n_ssh_ports; i++) {
		struct firewall_allow one = { .ssh_ports = { want.ssh_ports[i] }, .n_ssh_ports = 1 };
		if (!firewall_allow_covers(&o->fw.allow, &one) && len < sizeof(ports))
			len += (size_t)snprintf(ports + len, sizeof(ports) - len, "%s%u", len ? ", " : "",
						want.ssh_ports[i]);
	}
	log_notice("firewall: the built-in ruleset does not let in port(s) %s of the sshd configs; updating it",
		   ports);
	firewall_update(o, families);
}

static int path_up(struct oobd *o);

static void run_reconcile(struct oobd *o)
{
	bool had_nic = o->ns.nic_ifindex != 0;

	o->need_reconcile = false;
	if (o->down)
		return;
	if (o->up_pending) {
		if (path_up(o) == 0) {
			o->up_pending = false;
			log_notice("the out-of-band path is up");
		}
		update_status(o);
		return;
	}
	/* A name that now points elsewhere is refused (and reported), or that
	 * cannot be bound again (tried again later): the namespace oobd holds,
	 * with the NIC and sshd in it, is still kept in repair. */
	if (reconcile_namespace(o->cfg, &o->ns) < 0 && !o->ns.name_elsewhere && o->ns.nsfd < 0)
		return;
	watch_netns_dir(o);
	if (reconcile_dns(o->cfg, &o->ns) == 0)
		dns_views_heal(o);
	/* Never a NIC up without a firewall in its namespace. */
	if (!o->fw_ok && firewall_update(o, FW_ALL_FAMILIES) < 0) {
		log_err("still no firewall in namespace \"%s\"; leaving the NIC alone", o->cfg->netns);
		return;
	}
	reconcile_nic(o->cfg, &o->ns, &o->nl_main, true);
	/* The configured sshd may have failed only because the NIC (and the
	 * address it listens on) was missing: give it another chance. */
	if (!had_nic && o->ns.nic_ifindex && o->sshd.source != SSHD_CONFIGURED && !o->stopping) {
		log_notice("the NIC is back; trying sshd with the configured config again");
		memset(o->sshd.failed, 0, sizeof(o->sshd.failed));
		sshd_sup_restart(&o->sshd);
	}
	update_status(o);
}

/* "sshd -t" of a changed sshd config, before anything of it is used. The
 * problems go to the log, and to ERRS if given. */
static int reload_sshd_test(const struct config *nc, struct strbuf *errs)
{
	char where[CONFIG_WHERE_MAX], *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int r;

	if (!f)
		return 0; /* no memory to say why: sshd itself will */
	config_where(nc->path, nc->sshd.config_line, "config", where, sizeof(where));
	r = sshd_config_test(nc->sshd.exec, nc->sshd.config, where, f);
	fclose(f);
	report_problems(buf, errs);
	return r;
}

/* After a reload's firewall update: each family whose configured file is
 * not what is in place, said in ERRS. The number of them. */
static int reload_firewall_report(const struct oobd *o, struct strbuf *errs)
{
	int n = 0;

	for (int f = 0; f < FW__NFAMILIES; f++) {
		const struct firewall_family_state *fs = &o->fw.fam[f];
		const char *file = f == FW_IPV4 ? o->cfg->firewall.ipv4 : o->cfg->firewall.ipv6;

		if (!file)
			continue;
		if (fs->source == FW_SOURCE_FILE && fs->last_error[0]) {
			n++;
			if (errs)
				sb_printf(errs, "%s firewall: %s was refused; the previous rules stay: %s\n",
					  firewall_family_name((enum fw_family)f), file, fs->last_error);
		} else if (fs->source == FW_SOURCE_FALLBACK) {
			n++;
			if (errs)
				sb_printf(errs, "%s firewall: the built-in ruleset is in place: %s\n",
					  firewall_family_name((enum fw_family)f), fs->why);
		}
	}
	return n;
}

/* Re-read the config and apply the difference. 0; -1 when the new config
 * is refused (nothing changed; the reasons in ERRS if given); 1 when it is
 * in force but a firewall file of it was refused (said in ERRS). */
static int reload(struct oobd *o, struct strbuf *errs)
{
	struct config *nc = NULL;
	const struct iface_cfg *a, *b;
	char *data = NULL;
	size_t data_len = 0;
	int n;

	log_notice("reloading %s", o->config_path);
	n = load_config(o->config_path, &nc, errs, LOAD_RELOAD, &data, &data_len);
	if (n || !nc) { /* !nc: never; the analyzer cannot see that config_load() sets it */
		log_err("reload: %s has %d problem(s); nothing changed%s", o->config_path, n,
			o->config_error ? " (the last config that worked stays in force)" : "");
		free(data);
		return -1;
	}
	a = &o->cfg->iface;
	b = &nc->iface;
	bool identity = strcmp(nc->netns, o->cfg->netns) != 0 || a->kind != b->kind || a->match != b->match ||
			strcmp(a->match_name, b->match_name) != 0 || memcmp(a->match_mac, b->match_mac, 6) != 0 ||
			strcmp(a->rename, b->rename) != 0 || strcmp(a->parent, b->parent) != 0 ||
			a->vlan_id != b->vlan_id;
	/* While down by request nothing of the old identity is in place. */
	if (identity && !o->down) {
		log_err("reload: the namespace name or the NIC's identity changed; that needs \"oobctl down\" first; "
			"nothing changed");
		if (errs)
			sb_puts(errs, "the namespace name or the NIC's identity changed: that needs \"oobctl down\" "
				      "first, then \"oobctl reload\" and \"oobctl up\"\n");
		config_free(nc);
		free(data);
		return -1;
	}
	bool sshd_changed = strcmp(nc->sshd.exec, o->cfg->sshd.exec) != 0 ||
			    strcmp(nc->sshd.config, o->cfg->sshd.config) != 0 ||
			    sshd_config_hash(nc->sshd.config, NULL) != o->sshd.conf_hash;
	if (sshd_changed && reload_sshd_test(nc, errs)) {
		log_err("reload: sshd -t rejects the new sshd config; nothing changed");
		config_free(nc);
		free(data);
		return -1;
	}
	if (identity)
		log_notice("reload: namespace \"%s\" and the NIC as now configured are taken; \"oobctl up\" uses them",
			   nc->netns);
	services_reload(o, nc);
	config_free(o->cfg);
	o->cfg = nc;
	last_good_save(o->config_path, data, data_len);
	free(data);
	if (o->config_error) {
		log_notice("reload: %s is usable again, and in force", o->config_path);
		free(o->config_error);
		o->config_error = NULL;
	}
	netstate_forget_refusals(&o->ns);
	/* A removed service that was not running (backoff, down) is gone now,
	 * not when some other child next exits. */
	services_compact(o);
	sshd_sup_update(&o->sshd, o->cfg);
	watch_programs(o);
	if (o->down) {
		log_notice("reload done (the path is down by request; nothing started)");
		return 0;
	}
	/* The warning below checks the rules the update reads back. */
	firewall_keep_tables(true);
	firewall_update(o, FW_ALL_FAMILIES);
	run_reconcile(o);
	if (sshd_changed || o->sshd.source != SSHD_CONFIGURED) {
		log_notice("sshd configuration changed; restarting the sshd listener (sessions stay)");
		sshd_sup_restart(&o->sshd);
	}
	services_start_all(o);
	n = reload_firewall_report(o, errs);
	/* A file that applies and still shuts sshd out: said to whoever asked
	 * for the reload, while the connection they ask from still works. The
	 * ports of the configured sshd config, which a changed one restarts
	 * with; else those of the running sshd. */
	{
		struct sshd_listen l[SSHD_MAX_LISTEN];
		int nl = sshd_changed ? sshd_listen_from_config(o->cfg->sshd.config, l, SSHD_MAX_LISTEN) : 0;

		if (nl > 0)
			status_firewall_warn(o, l, nl, errs);
		else
			status_firewall_warn(o, o->sshd.listen, o->sshd.n_listen, errs);
		firewall_keep_tables(false);
	}
	log_notice(n ? "reload done, but a firewall file was refused (see above)" : "reload done");
	return n ? 1 : 0;
}

static void begin_stop(struct oobd *o, int sig)
{
	if (!o->stopping)
		log_notice("stopping (signal %d); the namespace and the NIC stay in place", sig);
	o->stopping = true;
	notify_send("STOPPING=1");
	sshd_sup_stop(&o->sshd);
	for (size_t i = 0; i < o->n_svcs; i++)
		service_stop(&o->svcs[i]);
}

static void reap_children(struct oobd *o)
{
	for (;;) {
		int status;
		bool start_now = false;
		pid_t pid = waitpid(-1, &status, WNOHANG);

		if (pid <= 0)
			break;
		if (sshd_sup_reaped(&o->sshd, pid, status, &start_now)) {
			if (start_now && !o->stopping)
				sshd_start(o);
			continue;
		}
		for (size_t i = 0; i < o->n_svcs; i++) {
			struct service *s = &o->svcs[i];
			if (!service_reaped(s, pid, status))
				continue;
			/* A stop for a restart (changed on reload) has completed. */
			if (s->state == SVC_DOWN && s->want_up && !o->stopping && !o->down)
				svc_start(o, s);
			break;
		}
	}
	services_compact(o);
}

static void handle_signals(struct oobd *o)
{
	struct signalfd_siginfo si;

	while (read(o->sigfd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGCHLD:
			reap_children(o);
			break;
		case SIGTERM:
		case SIGINT:
			begin_stop(o, (int)si.ssi_signo);
			break;
		case SIGHUP:
			if (!o->stopping) {
				notify_send("RELOADING=1");
				reload(o, NULL);
				notify_send("READY=1");
			}
			break;
		}
	}
}

static bool addr_configured(const struct config *c, const struct prefix *p)
{
	for (size_t k = 0; k < c->iface.n_addrs; k++)
		if (prefix_equal(&c->iface.addrs[k].pfx, p))
			return true;
	return false;
}

/* Netlink events: the NIC appeared in the main namespace, or vanished from
 * ours; an address or route of ours vanished. WANT: the config's routes,
 * sorted by destination, made at the first route event of a batch (a
 * reload that removes thousands of routes brings as many events). */
struct link_event {
	struct oobd *o;
	bool in_oob;
	struct want_route *want;
	size_t n_want;
};

static int want_dst_cmp(const void *a, const void *b)
{
	return prefix_cmp(&((const struct want_route *)a)->dst, &((const struct want_route *)b)->dst);
}

/* Is E a route of the config (DST_ONLY: one to the same destination)?
 * Not one that a reload removed (oobd's own deletion) or changed. */
static bool route_configured(struct link_event *ev, const struct route_entry *e, int oif, bool dst_only)
{
	if (!ev->want) {
		ev->want = reconcile_wanted_routes(ev->o->cfg, &ev->n_want);
		qsort(ev->want, ev->n_want, sizeof(*ev->want), want_dst_cmp);
	}
	/* The first wanted route to E's destination, then each after it. */
	for (size_t lo = prefix_lower_bound(ev->want, ev->n_want, sizeof(*ev->want), offsetof(struct want_route, dst),
					    &e->dst);
	     lo < ev->n_want && prefix_cmp(&ev->want[lo].dst, &e->dst) == 0; lo++)
		if (dst_only || reconcile_route_matches(e, &ev->want[lo], oif))
			return true;
	return false;
}

/* Is E the on-link route of one of the config's addresses on the NIC OIF
 * (the one the kernel adds with it, which reconcile_routes puts back)? */
static bool onlink_of_configured(const struct config *c, const struct route_entry *e, int oif)
{
	for (size_t k = 0; k < c->iface.n_addrs; k++)
		if (route_onlink_of(e, oif, &c->iface.addrs[k].pfx))
			return true;
	return false;
}

/* One of our addresses or routes vanished from the namespace, or the
 * NIC's IPv6 link-local address (the kernel's, which it does not make
 * again while the link stays up): drift. */
static void handle_drift(struct link_event *ev, const struct nlmsghdr *nlh)
{
	struct oobd *o = ev->o;

	if (nlh->nlmsg_type == RTM_DELADDR) {
		struct ifaddr_entry e;
		if (ifaddr_parse(nlh, &e) == 0 && e.ifindex == o->ns.nic_ifindex &&
		    (addr_configured(o->cfg, &e.pfx) ||
		     (e.pfx.addr.family == AF_INET6 && IN6_IS_ADDR_LINKLOCAL(&e.pfx.addr.v6)))) {
			o->ns.drift = true;
			o->need_reconcile = true;
		}
	} else if (nlh->nlmsg_type == RTM_DELROUTE) {
		struct route_entry e;
		if (route_parse(nlh, &e) < 0 || e.table != RT_TABLE_MAIN)
			return;
		/* One of ours; or the kernel's on-link route of one of our
		 * addresses, removed by hand: nothing on that subnet is
		 * reachable without it (the kernel removes it itself only with
		 * the address, or with the link set down). */
		bool ours = e.proto == RTPROT_OOBD && route_configured(ev, &e, o->ns.nic_ifindex, false);
		bool onlink = e.proto == RTPROT_KERNEL && onlink_of_configured(o->cfg, &e, o->ns.nic_ifindex);
		if (ours || onlink) {
			o->ns.drift = true;
			o->need_reconcile = true;
		} else if (e.proto != RTPROT_OOBD && route_configured(ev, &e, o->ns.nic_ifindex, true)) {
			/* Another's route to one of our destinations: it may have
			 * been in the way of ours (the kernel refused ours for
			 * its key). */
			o->need_reconcile = true;
		}
	} else if (nlh->nlmsg_type == RTM_NEWROUTE && o->ns.v6_off) {
		/* IPv6 on again for the NIC (its multicast route): not drift,
		 * the IPv6 addresses and routes left out are configured now. */
		struct route_entry e;
		if (route_parse(nlh, &e) == 0 && e.dst.addr.family == AF_INET6 && e.type == RTN_MULTICAST &&
		    e.oif == o->ns.nic_ifindex)
			o->need_reconcile = true;
	}
}

static void link_event_cb(const struct nlmsghdr *nlh, void *data)
{
	struct link_event *ev = data;
	struct oobd *o = ev->o;
	struct link_info li;

	if (ev->in_oob && o->ns.nic_ifindex)
		handle_drift(ev, nlh);
	if ((nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK) || link_parse(nlh, &li) < 0)
		return;
	/* A link that may be the NIC; or, while several matched, one gone
	 * (the one left may be it). */
	if (!ev->in_oob && (nlh->nlmsg_type == RTM_NEWLINK || o->ns.nic_ambiguous) && !o->ns.nic_ifindex && !o->down)
		o->need_reconcile = true;
	/* The NIC arrived in the namespace itself ("ip link set eno2 netns
	 * oob"): the main namespace saw it leave, not arrive. */
	if (ev->in_oob && nlh->nlmsg_type == RTM_NEWLINK && !o->ns.nic_ifindex && !o->down &&
	    (link_match(&o->cfg->iface, config_nic_name_in_ns(o->cfg), &li, 1) == 0 ||
	     (o->cfg->iface.kind == NIC_PHYSICAL && link_match(&o->cfg->iface, NULL, &li, 1) == 0)))
		o->need_reconcile = true;
	/* reconcile_nic notices (and logs) a NIC that is gone */
	if (ev->in_oob && li.ifindex == o->ns.nic_ifindex && (nlh->nlmsg_type == RTM_DELLINK || !(li.flags & IFF_UP)))
		o->need_reconcile = true;
	if (ev->in_oob && li.ifindex == o->ns.nic_ifindex && nlh->nlmsg_type == RTM_NEWLINK) {
		/* Its MTU changed from the configured one (by hand): drift. Not
		 * again for the MTU the kernel refused to change last time. */
		unsigned mtu = o->cfg->iface.mtu;
		if (mtu && li.mtu && li.mtu != mtu && li.mtu != o->ns.nic_mtu) {
			o->ns.drift = true;
			o->need_reconcile = true;
		}
		/* Ready again, without the link-local address it lost meanwhile. */
		if (o->ns.ll_missing && (li.flags & IFF_UP) && (li.flags & IFF_RUNNING))
			o->need_reconcile = true;
	}
}

static void handle_link_events(struct oobd *o, struct nl *mon, bool in_oob)
{
	struct link_event ev = { .o = o, .in_oob = in_oob };

	if (nl_monitor_drain(mon, link_event_cb, &ev))
		o->need_reconcile = true; /* lost events: look again */
	free(ev.want);
}

/*
 * sshd's privilege separation directory was removed (or may have been): make
 * it again at once. sshd checks for it at every connection, so the listener
 * need not be restarted. Creating it is all that can be done here: a bind
 * mount in sshd's own mount namespace would not outlive an rmdir in the
 * main one (since Linux 3.18 it detaches mounts in every namespace).
 */
static void privsep_ensure(struct oobd *o)
{
	int r = sshd_privsep_dir();

	if (r < 0) {
		if (!o->privsep_retry)
			log_err("%s is missing and cannot be made: %s; the oob sshd drops every connection until it is "
				"back (trying again every %d ms)", SSHD_PRIVSEP_DIR, strerror(-r), PRIVSEP_RETRY_MS);
		o->privsep_retry = now_ms() + PRIVSEP_RETRY_MS;
		return;
	}
	if (r > 0)
		log_warn("%s was removed (by the main sshd's service stopping?); made it again, without it the oob "
			 "sshd drops every connection", SSHD_PRIVSEP_DIR);
	else if (o->privsep_retry)
		log_notice("%s is there again", SSHD_PRIVSEP_DIR);
	o->privsep_retry = 0;
}

static void handle_inotify(struct oobd *o)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool privsep = false, resolv = false;
	ssize_t n;

	while ((n = read(o->inofd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;

			p += sizeof(*ev) + ev->len;
			if (ev->mask & IN_Q_OVERFLOW) {
				/* events lost: look at everything */
				privsep = o->need_reconcile = true;
			} else if (ev->wd == o->run_wd) {
				privsep = privsep || (ev->len && strcmp(ev->name, SSHD_PRIVSEP_NAME) == 0);
			} else if (ev->wd == o->netns_wd) {
				if (ev->mask & IN_IGNORED)
					o->netns_wd = -1; /* /run/netns went: watched again once made again */
				o->need_reconcile = true;
			}
			if (ev->len && ((ev->wd == o->etc_wd && strcmp(ev->name, "resolv.conf") == 0) ||
					(ev->wd == o->resolv_dir_wd && strcmp(ev->name, o->resolv_target) == 0)))
				resolv = true;
			if (ev->wd == o->resolv_dir_wd && (ev->mask & IN_IGNORED))
				o->resolv_dir_wd = -1;
			/* Not "else": the same directory may be watched for two things. */
			if (!(ev->mask & IN_Q_OVERFLOW) && !o->down && !o->stopping)
				program_event(o, ev->wd, ev->mask, ev->len ? ev->name : "");
		}
	}
	if (privsep && !o->down)
		privsep_ensure(o);
	if (resolv) {
		watch_resolv_target(o);
		dns_views_heal(o);
	}
}

/* An IPv6 address event while a start of sshd waits for DAD. */
static void handle_addr_event(struct oobd *o)
{
	if (sshd_sup_addr_event(&o->sshd) && !o->stopping && !o->down)
		sshd_start(o);
}

static void handle_timer(struct oobd *o)
{
	uint64_t ticks;
	long long now = now_ms();

	(void)!read(o->timerfd, &ticks, sizeof(ticks));
	if (sshd_sup_tick(&o->sshd, now, o->ns.nsfd) && !o->stopping)
		sshd_start(o);
	for (size_t i = 0; i < o->n_svcs; i++) {
		if (service_program_replaced(&o->svcs[i], now) && !o->stopping)
			svc_restart(&o->svcs[i]);
		if (service_deadline(&o->svcs[i], now) && !o->stopping && !o->down)
			svc_start(o, &o->svcs[i]);
	}
	services_compact(o); /* a removed one whose leftovers went */
	if (o->privsep_retry && now >= o->privsep_retry && !o->down)
		privsep_ensure(o);
	/* The namespace's name could not be bound: try again. */
	if (o->ns.bind_retry && now >= o->ns.bind_retry && !o->down && !o->stopping)
		o->need_reconcile = true;
	/* The resolv.conf overlay could not be written (a read-only /etc):
	 * that step of the reconcile again, alone. */
	if (o->ns.dns_retry && now >= o->ns.dns_retry && !o->down && !o->stopping && reconcile_dns(o->cfg, &o->ns) == 0)
		dns_views_heal(o);
	ctl_tick(&o->ctl, now);
	if (o->watchdog_next && now >= o->watchdog_next) {
		notify_watchdog_ping();
		o->watchdog_next = now + notify_watchdog_interval_ms();
	}
}

static int setup_loop(struct oobd *o)
{
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	o->sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	o->epfd = epoll_create1(EPOLL_CLOEXEC);
	o->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (o->sigfd < 0 || o->epfd < 0 || o->timerfd < 0) {
		log_err("setting up the event loop: %s", strerror(errno));
		return -1;
	}
	if (epoll_watch(o, o->sigfd) < 0 || epoll_watch(o, o->timerfd) < 0)
		return -1;
	return 0;
}

/* Event sources of the main namespace, for the daemon's whole life. */
static void watch_main(struct oobd *o)
{
	int r = nl_open_monitor(&o->mon_main, RTMGRP_LINK, NULL, 0);

	if (r == 0)
		epoll_watch(o, nl_fd(&o->mon_main));
	else
		log_err("subscribing to link events: %s", strerror(-r));
	o->inofd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (o->inofd < 0 || epoll_watch(o, o->inofd) < 0) {
		log_warn("inotify: %s (a removed %s or %s/NAME is noticed only at the next reconcile)",
			 strerror(errno), SSHD_PRIVSEP_DIR, NETNS_RUN_DIR);
		if (o->inofd >= 0)
			close(o->inofd);
		o->inofd = -1;
		return;
	}
	/* The main system's ssh.service has RuntimeDirectory=sshd: systemd
	 * removes /run/sshd whenever that sshd stops or fails to start, and
	 * without it the oob sshd drops every connection before its banner.
	 * Its parent is watched, not the directory: an rmdir reports the
	 * directory's own IN_DELETE_SELF only once nothing holds it, and a
	 * preauth child of sshd is chrooted into it. Entries of /run itself
	 * are seldom removed, so this wakes oobd rarely. */
	o->run_wd = inotify_add_watch(o->inofd, SSHD_PRIVSEP_PARENT, RUN_WATCH_MASK);
	if (o->run_wd < 0)
		log_warn("watching %s: %s (a removed %s is made again only before sshd's next start)",
			 SSHD_PRIVSEP_PARENT, strerror(errno), SSHD_PRIVSEP_DIR);
	/* The host's resolv.conf replaced (or made where it links to). */
	o->etc_wd = inotify_add_watch(o->inofd, "/etc", IN_CREATE | IN_MOVED_TO | IN_ONLYDIR | IN_MASK_ADD);
	watch_resolv_target(o);
}

/* Event sources that need the namespace. */
static void watch_namespace(struct oobd *o)
{
	/* Only what handle_link_events() acts on: the link's changes and
	 * removals; and the multicast route (ff00::/8) that the kernel adds
	 * as IPv6 comes on for a link, the one sign of a disable_ipv6 set
	 * back to 0 (no link or netconf event says so). The kernel also
	 * announces every address and route oobd adds; those never reach
	 * this socket. */
	static const struct nl_pass acted_on[] = {
		{ .type = RTM_NEWLINK },
		{ .type = RTM_DELLINK },
		{ .type = RTM_DELADDR },
		{ .type = RTM_DELROUTE },
		{ .type = RTM_NEWROUTE, .offset = NLMSG_HDRLEN + offsetof(struct rtmsg, rtm_type), .value = RTN_MULTICAST },
	};
	int r;

	r = nl_open_monitor_in(&o->mon_oob,
			       RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR | RTMGRP_IPV4_ROUTE |
				       RTMGRP_IPV6_ROUTE,
			       acted_on, ARRAY_SIZE(acted_on), o->ns.nsfd);
	if (r == 0)
		epoll_watch(o, nl_fd(&o->mon_oob));
	else
		log_err("subscribing to events in namespace \"%s\": %s", o->cfg->netns, strerror(-r));
	watch_netns_dir(o);
}

/* Bring the path up: namespace, overlay, NIC, sshd, services. Start-up,
 * adoption and "oobctl up" all come through here. */
static int path_up(struct oobd *o)
{
	/* sshd -T needs no namespace: it runs while the kernel makes one. */
	sshd_questions_begin(o);
	if (reconcile_namespace(o->cfg, &o->ns) < 0) {
		sshd_query_settle();
		return -1;
	}
	if (!o->mon_oob.sock)
		watch_namespace(o);
	/* The kernel moves the NIC in (it arrives down) while the rules load
	 * and sshd starts; it goes up only once the rules are in place. */
	reconcile_nic_begin(o->cfg, &o->ns, &o->nl_main);
	reconcile_dns(o->cfg, &o->ns);
	struct firewall_run *fw = firewall_begin(&o->cfg->firewall, o->ns.nsfd, FW_ALL_FAMILIES, &o->fw);
	/* An sshd that listens on wildcard addresses only starts now, beside
	 * the kernel's move: in a namespace just made, nothing can reach it
	 * before the NIC goes up, and that waits for the rules. */
	if (o->ns.ns_created && o->sshd.svc.state == SVC_DOWN && sshd_sup_wildcards_only(&o->sshd)) {
		reap_orphan_listener(o, 0);
		o->sshd.svc.want_up = true;
		/* Not sshd_start(): the firewall's run is under way. */
		sshd_sup_start(&o->sshd, o->cfg->netns, o->ns.nsfd, &o->ns.nl_oob);
	}
	reconcile_nic(o->cfg, &o->ns, &o->nl_main, false);
	if (firewall_update_finish(o, fw) < 0) {
		log_err("no firewall in namespace \"%s\"; not bringing the NIC up without one", o->cfg->netns);
		sshd_sup_stop(&o->sshd);
		return -1;
	}
	reconcile_nic(o->cfg, &o->ns, &o->nl_main, true);
	reap_orphan_listener(o, o->sshd.svc.pid); /* 0 while none runs */
	o->sshd.svc.want_up = true;
	if (o->sshd.svc.state == SVC_STOPPING)
		o->sshd.restart_pending = true; /* started again when the old one is reaped */
	else if (o->sshd.svc.state != SVC_UP)
		sshd_start(o);
	for (size_t i = 0; i < o->n_svcs; i++)
		o->svcs[i].want_up = true;
	services_start_all(o);
	return 0;
}

/* "oobctl down": stop everything, hand the NIC back, remove the namespace,
 * and remember that (under /run) until "oobctl up". -errno when tearing
 * down failed; 1 when it is down but the mark could not be written (a
 * restarted oobd would bring the path back). */
static int path_down(struct oobd *o, struct strbuf *msg)
{
	int r, mark = write_file_atomic(OOBD_DOWN_FILE, "down\n", 5, 0644);

	if (mark < 0)
		log_warn("writing %s: %s (a restarted oobd will bring the path back up)", OOBD_DOWN_FILE,
			 strerror(-mark));
	o->down = true;
	o->up_pending = false;
	o->privsep_retry = 0; /* nothing to serve while down; "up" makes it again */
	log_notice("taking the out-of-band path down by request");
	sshd_sup_stop(&o->sshd); /* its address monitor holds the namespace too */
	for (size_t i = 0; i < o->n_svcs; i++)
		service_stop(&o->svcs[i]);
	if (o->mon_oob.sock) {
		epoll_ctl(o->epfd, EPOLL_CTL_DEL, nl_fd(&o->mon_oob), NULL);
		nl_close(&o->mon_oob);
	}
	/* Let go of the namespace so it can die once the NIC is out. */
	unsigned repairs = o->ns.repairs; /* counted since oobd started */
	_cleanup_close_ int held = o->ns.nsfd >= 0 ? fcntl(o->ns.nsfd, F_DUPFD_CLOEXEC, 0) : -1;
	netstate_close(&o->ns);
	netstate_init(&o->ns);
	o->ns.repairs = repairs;
	/* Nothing of ours is left in place: status says "none". */
	memset(&o->fw, 0, sizeof(o->fw));
	o->fw_ok = false;
	o->ns.ns_since = (long long)time(NULL);
	r = reconcile_down(o->cfg, &o->nl_main, held);
	if (msg)
		sb_printf(msg, r < 0 ? "tearing down failed (see the log): %s\n" : "%s\n",
			  r < 0 ? strerror(-r) : "the out-of-band path is down; \"oobctl up\" brings it back");
	if (msg && mark < 0)
		sb_printf(msg, "but %s could not be written (%s): if oobd restarts, it brings the path back up\n",
			  OOBD_DOWN_FILE, strerror(-mark));
	update_status(o);
	return r < 0 ? r : mark < 0 ? 1 : 0;
}

static bool all_down(const struct oobd *o)
{
	if (o->sshd.svc.state != SVC_DOWN)
		return false;
	/* Nothing of a service's stays behind oobd: what its program left
	 * running is gone too, or SIGKILLed at its deadline. */
	for (size_t i = 0; i < o->n_svcs; i++)
		if ((o->svcs[i].state != SVC_DOWN && o->svcs[i].state != SVC_BACKOFF) || service_left(&o->svcs[i]))
			return false;
	return true;
}

static int run(struct oobd *o)
{
	struct epoll_event evs[16];
	bool was_ready = o->sshd.ready;

	while (!(o->stopping && all_down(o))) {
		arm_timer(o);
		watch_mounts(o);
		int n = epoll_wait(o->epfd, evs, ARRAY_SIZE(evs), -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_err("epoll_wait: %s", strerror(errno));
			return 1;
		}
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			if (fd == o->sigfd)
				handle_signals(o);
			else if (fd == o->timerfd)
				handle_timer(o);
			else if (fd == nl_fd(&o->mon_main))
				handle_link_events(o, &o->mon_main, false);
			else if (fd == nl_fd(&o->mon_oob))
				handle_link_events(o, &o->mon_oob, true);
			else if (fd == o->inofd)
				handle_inotify(o);
			else if (fd == o->mntfd)
				handle_mounts(o);
			else if (fd == o->sshd.probe_fd)
				sshd_sup_probe_event(&o->sshd, evs[i].events, o->ns.nsfd);
			else if (fd == nl_fd(&o->sshd.dad_mon))
				handle_addr_event(o);
			else if (ctl_owns_fd(&o->ctl, fd))
				ctl_event(&o->ctl, fd, evs[i].events);
		}
		if (o->need_reconcile && !o->stopping)
			run_reconcile(o);
		if (was_ready != o->sshd.ready) {
			was_ready = o->sshd.ready;
			update_status(o);
		}
	}
	log_notice("stopped");
	return 0;
}


static struct service *service_by_name(struct oobd *o, const char *name)
{
	if (strcmp(name, "sshd") == 0)
		return &o->sshd.svc;
	/* Only configured ones: a removed service still stopping is in the
	 * table until reaped, and must not be started again by request. */
	for (size_t k = 0; k < o->cfg->n_services; k++)
		if (strcmp(o->cfg->services[k].name, name) == 0)
			for (size_t i = 0; i < o->n_svcs; i++)
				if (strcmp(o->svcs[i].name, name) == 0)
					return &o->svcs[i];
	return NULL;
}

/*
 * The control commands (docs/control.md). Each answers at once: nothing
 * here waits on a child or the network beyond a few netlink dumps.
 */
static void control_handler(struct ctl_server *srv, struct ctl_client *c, char *line, void *data)
{
	struct oobd *o = data;
	struct strbuf out;
	struct ctl_request req;
	char err[160];

	sb_init(&out);
	if (ctl_request_parse(line, &req, err, sizeof(err)) < 0) {
		sb_printf(&out, "%s\n", err);
		ctl_reply(srv, c, 3, "error", sb_steal(&out));
	} else if (o->stopping && req.cmd != CTL_CMD_STATUS && req.cmd != CTL_CMD_STATUS_JSON &&
		   req.cmd != CTL_CMD_METRICS) {
		/* As SIGHUP then: nothing may start what the stop is ending. */
		ctl_reply(srv, c, 1, "stopping", xstrdup("oobd is stopping\n"));
	} else if (req.cmd == CTL_CMD_STATUS || req.cmd == CTL_CMD_STATUS_JSON) {
		enum status_health h = status_render(o, req.cmd == CTL_CMD_STATUS_JSON, &out);
		ctl_reply(srv, c, h == STATUS_OK ? 0 : 1, h == STATUS_OK ? "ok" : "degraded", sb_steal(&out));
	} else if (req.cmd == CTL_CMD_METRICS) {
		status_metrics(o, &out);
		ctl_reply(srv, c, 0, "ok", sb_steal(&out));
	} else if (req.cmd == CTL_CMD_RELOAD) {
		notify_send("RELOADING=1");
		int r = reload(o, &out);
		notify_send("READY=1");
		if (r == 0)
			sb_puts(&out, "reloaded\n");
		else if (r > 0)
			sb_puts(&out, "reloaded, except the firewall rules above\n");
		ctl_reply(srv, c, r == 0 ? 0 : 1, r == 0 ? "ok" : r > 0 ? "incomplete" : "rejected", sb_steal(&out));
	} else if (req.cmd == CTL_CMD_RESTART) {
		struct service *s = service_by_name(o, req.arg);
		if (!s) {
			sb_printf(&out, "no service named \"%s\"\n", req.arg);
			ctl_reply(srv, c, 3, "error", sb_steal(&out));
		} else if (o->down) {
			ctl_reply(srv, c, 1, "down", xstrdup("the path is down by request; \"oobctl up\" first\n"));
		} else {
			log_notice("restarting %s by request", s->name);
			if (s == &o->sshd.svc)
				sshd_sup_restart(&o->sshd);
			else
				svc_restart(s);
			sb_printf(&out, "restarting %s\n", s->name);
			ctl_reply(srv, c, 0, "ok", sb_steal(&out));
		}
	} else if (req.cmd == CTL_CMD_DOWN || req.cmd == CTL_CMD_DOWN_YES) {
		if (o->down) {
			ctl_reply(srv, c, 0, "ok", xstrdup("the out-of-band path is already down\n"));
		} else if (req.cmd == CTL_CMD_DOWN && pid_or_ancestor_in_namespace(o->ns.nsfd, c->pid)) {
			ctl_reply(srv, c, 5, "confirm",
				  xstrdup("you are connected through the out-of-band path: taking it down cuts this "
					  "session; use \"oobctl down --yes\" to do it anyway\n"));
		} else {
			int r = path_down(o, &out);
			ctl_reply(srv, c, r ? 1 : 0, r < 0 ? "failed" : r > 0 ? "incomplete" : "ok", sb_steal(&out));
		}
	} else if (req.cmd == CTL_CMD_UP) {
		if (!o->down && !o->up_pending) {
			ctl_reply(srv, c, 0, "ok", xstrdup("the out-of-band path is up already\n"));
		} else {
			unlink(OOBD_DOWN_FILE);
			o->down = false;
			log_notice("bringing the out-of-band path up by request");
			int r = path_up(o);
			/* Failed part way (the namespace's name could not be bound,
			 * no firewall): the reconciles that retry it bring up the
			 * whole path, sshd and the services too, and "oobctl up"
			 * may be asked again. */
			o->up_pending = r < 0;
			update_status(o);
			ctl_reply(srv, c, r < 0 ? 1 : 0, r < 0 ? "failed" : "ok",
				  xstrdup(r < 0 ? "bringing the path up failed (see the log)\n" : "the out-of-band path is up\n"));
		}
	} else {
		ctl_reply(srv, c, 0, "ok", xstrdup("pong\n"));
	}
	sb_free(&out);
}

static int do_down(const char *path)
{
	struct config *cfg = NULL;
	struct nl nl_main;
	int lockfd, r;

	char *why = NULL;

	/* Its last-good copy names the namespace and the NIC too. */
	if (load_start_config(path, &cfg, LOAD_CONFIG_ONLY, &why, NULL, NULL) < 0 || !cfg) {
		free(why);
		return 1;
	}
	free(why);
	lockfd = lock_acquire();
	if (lockfd < 0) {
		log_err("use \"oobctl down\" while oobd runs (or stop oobd first): a running oobd would take the NIC back");
		config_free(cfg);
		return 1;
	}
	r = nl_open(&nl_main);
	if (r == 0) {
		r = reconcile_down(cfg, &nl_main, -1);
		nl_close(&nl_main);
	} else {
		log_err("opening a netlink socket: %s", strerror(-r));
	}
	config_free(cfg);
	close(lockfd);
	return r < 0 ? 1 : 0;
}

/*
 * Started with fd 0, 1 or 2 closed ("2>&-", a careless service manager),
 * the first file oobd opens (the lock) would take its number and every log
 * line would land in it, and each child (sshd's -e log) would write there
 * too. /dev/null on every closed one of the three first; nothing else is
 * open yet, so the first fd above 2 is the end.
 */
static void stdio_ensure(void)
{
	for (;;) {
		int fd = open("/dev/null", O_RDWR); /* no O_CLOEXEC: children inherit 0-2 */
		if (fd < 0)
			return; /* no /dev/null: nothing better to put there */
		if (fd > STDERR_FILENO) {
			close(fd);
			return;
		}
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "test", no_argument, NULL, 't' },
		{ "down", no_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	/* Static, not on the stack: zero without touching its 28 KiB, most of
	 * which (control clients' buffers, path fields) is never written. */
	static struct oobd o;
	o.epfd = o.sigfd = o.timerfd = o.inofd = o.lockfd = o.ctl.fd = -1;
	o.netns_wd = o.run_wd = o.mntfd = o.etc_wd = o.resolv_dir_wd = -1;
	const char *path = OOBD_DEFAULT_CONFIG;
	_cleanup_free_ char *lg_data = NULL; /* the config file's content, when it is in force */
	size_t lg_len = 0;
	bool test = false, down = false;
	int c, r;

	stdio_ensure();
	log_init("oobd");
	while ((c = getopt_long(argc, argv, "c:thV", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			path = optarg;
			break;
		case 't':
			test = true;
			break;
		case 'D':
			down = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("oobd %s\n", OOBD_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc || (test && down)) {
		if (optind != argc)
			fprintf(stderr, "oobd: unexpected argument \"%s\" (the config is given with -c FILE)\n",
				argv[optind]);
		else
			fprintf(stderr, "oobd: --test and --down cannot be given together\n");
		fprintf(stderr, "Try \"oobd --help\" for more information.\n");
		return 2;
	}
	if (test) {
		/* Plain FILE:LINE: lines, for humans and editors. */
		int sshd_r = 1;
		r = config_load(path, stderr, &o.cfg);
		if (r == 0) {
			struct fw_sshd_reach reach;
			test_reach_of(o.cfg, &reach);
			r = config_check_files(o.cfg, stderr, true, &sshd_r) +
			    firewall_test_files(o.cfg->path, &o.cfg->firewall, &reach, stderr);
		}
		/* What sshd itself says of its config, once its files are sound
		 * (whatever the firewall's or a service's). */
		if (sshd_r == 0) {
			char where[CONFIG_WHERE_MAX];
			config_where(o.cfg->path, o.cfg->sshd.config_line, "config", where, sizeof(where));
			sshd_r = sshd_config_test(o.cfg->sshd.exec, o.cfg->sshd.config, where, stderr);
			if (sshd_r == 0)
				test_login_check(o.cfg->sshd.config, where);
			r += sshd_r != 0;
		}
		config_free(o.cfg);
		if (r == 0)
			printf("%s: configuration is valid\n", path);
		else
			test_say_last_good(path);
		return r ? 1 : 0;
	}
	if (geteuid() != 0) {
		log_err("must be run as root");
		return 1;
	}
	if (down)
		return do_down(path);
	/* The daemon never waits for its log's reader (a stuck journald). */
	log_set_nonblocking();
	notify_init();
	o.config_path = path;
	if (load_start_config(path, &o.cfg, LOAD_START, &o.config_error, &lg_data, &lg_len) < 0 || !o.cfg) {
		log_err("not starting");
		return 1;
	}
	log_notice("oobd %s starting with %s", OOBD_VERSION, o.cfg->path);
	oom_protect();
	o.lockfd = lock_acquire();
	if (o.lockfd < 0)
		return 1;
	if (setup_loop(&o) < 0)
		return 1;
	netstate_init(&o.ns);
	r = nl_open(&o.nl_main);
	if (r < 0) {
		log_err("opening a netlink socket: %s", strerror(-r));
		return 1;
	}
	o.started_at = (long long)time(NULL);
	r = ctl_open(&o.ctl, OOBD_CONTROL_SOCKET, 0600, o.epfd, control_handler, &o);
	if (r < 0)
		log_err("opening the control socket %s: %s (oobctl will not work)", OOBD_CONTROL_SOCKET, strerror(-r));
	watch_main(&o);
	sshd_sup_init(&o.sshd, o.cfg, o.epfd);
	services_init(&o);
	watch_programs(&o);
	struct stat dst;
	if (stat(OOBD_DOWN_FILE, &dst) == 0) {
		o.down = true;
		o.ns.ns_since = (long long)dst.st_mtime;
		log_notice("the out-of-band path is down by request (%s); \"oobctl up\" brings it back", OOBD_DOWN_FILE);
	} else if (path_up(&o) < 0) {
		return 1;
	}
	/* The namespace (and its firewall) is in place, the NIC is claimed or
	 * known to be absent, sshd has been started: the main network may go on. */
	notify_send("READY=1");
	update_status(&o);
	if (notify_watchdog_interval_ms())
		o.watchdog_next = now_ms() + notify_watchdog_interval_ms();
	last_good_save(path, lg_data, lg_len);
	r = run(&o);
	ctl_close(&o.ctl);
	sshd_sup_free(&o.sshd);
	for (size_t i = 0; i < o.n_svcs; i++)
		service_free(&o.svcs[i]);
	free(o.svcs);
	for (size_t k = 0; k < o.n_prog_watch; k++)
		free(o.prog_watch[k].dir);
	free(o.prog_watch);
	nl_close(&o.mon_main);
	nl_close(&o.mon_oob);
	nl_close(&o.nl_main);
	netstate_close(&o.ns);
	config_free(o.cfg);
	free(o.config_error);
	return r;
}
