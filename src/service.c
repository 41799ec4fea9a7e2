/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "service.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "filecheck.h"
#include "log.h"
#include "netns.h"
#include "proc.h"
#include "util.h"

void service_init(struct service *s, const char *name, char **argv, unsigned backoff_max_ms, unsigned reset_ms)
{
	memset(s, 0, sizeof(*s));
	s->name = xstrdup(name);
	s->argv = argv;
	s->last_status = -1;
	s->out_fd = -1;
	s->mntns_fd = s->left_fd = -1;
	s->backoff_max_ms = backoff_max_ms ? backoff_max_ms : SERVICE_BACKOFF_MAX_MS;
	s->reset_ms = reset_ms ? reset_ms : SERVICE_RESET_MS;
}

static void argv_free(char **argv)
{
	if (!argv)
		return;
	for (char **a = argv; *a; a++)
		free(*a);
	free(argv);
}

void service_set_argv(struct service *s, char **argv)
{
	argv_free(s->argv);
	s->argv = argv;
	s->daemonized = false; /* a new program: not known to */
}

static void fd_drop(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void service_free(struct service *s)
{
	fd_drop(&s->mntns_fd);
	fd_drop(&s->left_fd);
	free(s->name);
	argv_free(s->argv);
	free(s->prog_real);
	s->name = NULL;
	s->argv = NULL;
	s->prog_real = NULL;
}

const char *service_status_str(int status, char *buf, size_t len)
{
	if (status < 0)
		snprintf(buf, len, "not exited");
	else if (WIFEXITED(status))
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		snprintf(buf, len, "wait status 0x%x", status);
	return buf;
}

static void child_fail(int errpipe, const char *what, int err)
{
	char msg[512];
	int n = snprintf(msg, sizeof(msg), "%s: %s", what, strerror(err));
	if (errpipe >= 0 && n > 0)
		(void)!write(errpipe, msg, (size_t)n);
	_exit(127);
}

/* The mount namespace the child is in, to the supervisor through the
 * socket ERRSOCK, while the child is alive: a number read later could
 * already be another namespace's (they are reused at once). */
static void child_send_mntns(int errsock)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int))];
	} c;
	char zero = '\0';
	struct iovec iov = { .iov_base = &zero, .iov_len = 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = c.b, .msg_controllen = sizeof(c.b) };
	struct cmsghdr *cm;
	int fd = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		child_fail(errsock, "/proc/self/ns/mnt", errno);
	memset(&c, 0, sizeof(c));
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	if (sendmsg(errsock, &mh, MSG_NOSIGNAL) < 0)
		child_fail(errsock, "passing the mount namespace", errno);
	close(fd);
}

void service_child_exec(char *const argv[], char *const envp[], const char *netns, int nsfd, int errpipe,
			int out_fd, bool die_with_parent, bool send_mntns)
{
	char errbuf[256];
	pid_t parent = getppid();
	int fd;

	/* Nothing of the supervisor's leaks into the child: default signal
	 * dispositions, an empty mask, no inherited fds but 0-2. */
	proc_child_reset_signals();
	proc_child_detach(); /* a session of its own; oobd's OOM exemption is not its */
	if (die_with_parent) {
		/* The listener dies with its oobd, so a new oobd never finds an
		 * orphan holding the port. Sessions are forked children of the
		 * listener and do not inherit this. */
		if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0)
			child_fail(errpipe, "prctl(PR_SET_PDEATHSIG)", errno);
		if (getppid() != parent)
			_exit(127);
	}
	if (netns && netns_exec_view(netns, nsfd, errbuf, sizeof(errbuf)) < 0)
		child_fail(errpipe, errbuf, errno);
	if (netns && send_mntns && errpipe >= 0)
		child_send_mntns(errpipe);
	if (chdir("/") < 0)
		child_fail(errpipe, "chdir /", errno);
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		dup2(fd, 0);
		close(fd);
	}
	if (out_fd >= 0 && (dup2(out_fd, 1) < 0 || dup2(out_fd, 2) < 0))
		child_fail(errpipe, "stdout and stderr", errno);
	if (errpipe >= 0 && errpipe < 3)
		child_fail(errpipe, "error pipe on a standard fd", EBADF);
	/* Close everything above stderr except the error pipe (close-on-exec). */
	if (errpipe > 3)
		close_range(3, (unsigned)errpipe - 1, 0);
	close_range((unsigned)(errpipe >= 3 ? errpipe + 1 : 3), ~0U, 0);
	if (envp)
		execve(argv[0], argv, envp);
	else
		execv(argv[0], argv);
	child_fail(errpipe, argv[0], errno);
	_exit(127);
}

static void service_schedule_restart(struct service *s, long long now)
{
	s->state = SVC_BACKOFF;
	s->deadline_ms = now + s->backoff_ms;
	/* The first quick death restarts at once; then the delay doubles. */
	if (s->backoff_ms == 0)
		s->backoff_ms = SERVICE_BACKOFF_FIRST_MS < s->backoff_max_ms ? SERVICE_BACKOFF_FIRST_MS : s->backoff_max_ms;
	else
		s->backoff_ms = s->backoff_ms >= s->backoff_max_ms / 2 ? s->backoff_max_ms : s->backoff_ms * 2;
}

void service_set_backoff(struct service *s, unsigned backoff_max_ms, unsigned reset_ms)
{
	s->backoff_max_ms = backoff_max_ms ? backoff_max_ms : SERVICE_BACKOFF_MAX_MS;
	s->reset_ms = reset_ms ? reset_ms : SERVICE_RESET_MS;
	/* A lower cap holds from now on: for the next delay, and for a
	 * restart already waiting longer than the new cap. */
	if (s->backoff_ms > s->backoff_max_ms)
		s->backoff_ms = s->backoff_max_ms;
	if (s->state == SVC_BACKOFF && s->deadline_ms) {
		long long cap = now_ms() + s->backoff_max_ms;
		if (s->deadline_ms > cap)
			s->deadline_ms = cap;
	}
}

struct service_child_args {
	char *const *argv, *const *envp;
	const char *netns;
	int nsfd, errpipe, out_fd;
	bool send_mntns;
};

static int service_child(void *arg)
{
	const struct service_child_args *a = arg;

	service_child_exec(a->argv, a->envp, a->netns, a->nsfd, a->errpipe, a->out_fd, true, a->send_mntns);
	return 127;
}

/* SIG to process PID if its mount namespace is NS. Through a pidfd taken
 * before the look: a PID that ends and is reused meanwhile fails the
 * signal (the pidfd's process is gone) instead of reaching the newcomer,
 * which the next pass looks at. Plain kill() without pidfds (before 5.3). */
static bool mntns_signal_one(long pid, const struct stat *ns, int sig)
{
	char path[64];
	struct stat st;
	int pfd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
	bool sent;

	if (pfd < 0 && errno != ENOSYS)
		return false; /* gone already */
	snprintf(path, sizeof(path), "/proc/%ld/ns/mnt", pid);
	if (stat(path, &st) < 0 || st.st_ino != ns->st_ino || st.st_dev != ns->st_dev)
		sent = false;
	else if (pfd >= 0)
		sent = syscall(SYS_pidfd_send_signal, pfd, sig, NULL, 0) == 0;
	else
		sent = kill((pid_t)pid, sig) == 0;
	if (pfd >= 0)
		close(pfd);
	return sent;
}

/*
 * Send SIG to every process in the mount namespace NSFD (oobd's own
 * excepted): what an instance of a service left behind, wherever it went
 * (a session of its own, reparented to init). They are found by their
 * /proc/PID/ns/mnt; a zombie has none. The number of them, the first in
 * *FIRST. NSFD holds the namespace: its number is not someone else's.
 */
static unsigned mntns_signal(int nsfd, int sig, pid_t *first)
{
	struct stat ns;
	unsigned n = 0;
	pid_t self = getpid();
	DIR *d;
	const struct dirent *de;

	if (nsfd < 0 || fstat(nsfd, &ns) < 0)
		return 0;
	d = opendir("/proc");
	if (!d)
		return 0;
	while ((de = readdir(d)) != NULL) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);

		if (*end || pid <= 0 || pid == self || !mntns_signal_one(pid, &ns, sig))
			continue;
		if (n++ == 0 && first)
			*first = (pid_t)pid;
	}
	closedir(d);
	return n;
}

/* A pass lists /proc at its start (one getdents while the list fits the
 * buffer; below where it is, once pids wrap): a process forked after
 * that, by one the pass then kills, is not in it. The next pass finds it.
 * A process with SIGKILL pending forks no more, so the passes end once one
 * finds nothing; one being killed counts until it has let go of its
 * namespaces, hence the bound. The number the first pass found, the first
 * of them in *FIRST. */
#define MNTNS_KILL_PASSES 16
static unsigned mntns_kill(int nsfd, pid_t *first)
{
	unsigned n = mntns_signal(nsfd, SIGKILL, first);

	for (unsigned pass = 1, more = n; more && pass < MNTNS_KILL_PASSES; pass++)
		more = mntns_signal(nsfd, SIGKILL, NULL);
	return n;
}

/* What an exited instance left running is gone: SIGKILL to all of it. */
static void left_kill(struct service *s)
{
	if (s->left_fd < 0)
		return;
	mntns_kill(s->left_fd, NULL);
	fd_drop(&s->left_fd);
	s->left_kill_ms = s->left_check_ms = 0;
}

/* The first look whether what was left has gone on SIGTERM, after this;
 * the wait doubles until the SIGKILL. */
#define LEFT_CHECK_FIRST_MS 50

/* The exited instance's namespace FD, where processes were left running
 * and sent SIGTERM: held, and what is still in it at KILL_AT gets
 * SIGKILL (the timer's; service_deadline). */
static void left_keep(struct service *s, int fd, long long now, long long kill_at)
{
	left_kill(s); /* an earlier one's, had it not gone yet */
	s->left_fd = fd;
	s->left_kill_ms = kill_at;
	s->left_check_gap_ms = LEFT_CHECK_FIRST_MS;
	s->left_check_ms = now + LEFT_CHECK_FIRST_MS < kill_at ? now + LEFT_CHECK_FIRST_MS : kill_at;
}

/* The timer for what was left: gone, still there (look again later), or
 * SIGKILL, due. */
static void left_tick(struct service *s, long long now)
{
	pid_t first = 0;
	unsigned n;

	if (now >= s->left_kill_ms) {
		n = mntns_kill(s->left_fd, &first);
		if (n)
			log_warn("%s: pid %d, left running by its program, did not stop on SIGTERM; killing it%s",
				 s->name, (int)first, n > 1 ? " and the others" : "");
		fd_drop(&s->left_fd);
		s->left_kill_ms = s->left_check_ms = 0;
		return;
	}
	if (mntns_signal(s->left_fd, 0, NULL) == 0) {
		log_debug("%s: what its program left running has stopped", s->name);
		fd_drop(&s->left_fd);
		s->left_kill_ms = s->left_check_ms = 0;
		return;
	}
	s->left_check_gap_ms *= 2;
	s->left_check_ms = now + s->left_check_gap_ms < s->left_kill_ms ? now + s->left_check_gap_ms : s->left_kill_ms;
}

bool service_left(const struct service *s)
{
	return s->left_fd >= 0;
}

long long service_wakeup(const struct service *s)
{
	long long d = s->deadline_ms;

	if (s->left_fd >= 0 && (!d || s->left_check_ms < d))
		d = s->left_check_ms;
	if (s->prog_check_at && (!d || s->prog_check_at < d))
		d = s->prog_check_at;
	return d;
}

void service_program_event(struct service *s)
{
	long long at = now_ms() + SERVICE_PROGRAM_SETTLE_MS;

	s->prog_check_at = at;
	if (s->state == SVC_BACKOFF && s->want_up && s->deadline_ms > at) {
		log_notice("a new program %s for %s: starting it in %d ms, not in %.1f s", s->prog_real, s->name,
			   SERVICE_PROGRAM_SETTLE_MS,
			   (double)(s->deadline_ms - at + SERVICE_PROGRAM_SETTLE_MS) / 1000.0);
		s->deadline_ms = at;
	}
}

bool service_program_replaced(struct service *s, long long now)
{
	struct stat st;

	if (!s->prog_check_at || now < s->prog_check_at)
		return false;
	s->prog_check_at = 0;
	if (s->state != SVC_UP || !s->prog.st_ino || !s->argv)
		return false; /* not running: its next start takes what is there */
	if (stat(s->argv[0], &st) < 0) {
		log_warn("%s: its program %s is gone: %s; it runs on until it is back", s->name, s->argv[0],
			 strerror(errno));
		return false;
	}
	if (st.st_dev == s->prog.st_dev && st.st_ino == s->prog.st_ino) {
		log_debug("%s: its program %s is the file it runs", s->name, s->argv[0]);
		return false;
	}
	log_notice("%s: its program %s was replaced (a package upgrade?); restarting it with the new one",
		   s->name, s->argv[0]);
	return true;
}

/* The error channel's messages until the child execs (end of file) or
 * exits: the reason of a failure into MSG (its length, 0 if none), and
 * for a contained service the namespace's fd. */
static ssize_t child_report(struct service *s, int rfd, char *msg, size_t len)
{
	ssize_t got = 0;

	for (;;) {
		union {
			struct cmsghdr h;
			char b[CMSG_SPACE(sizeof(int))];
		} c;
		char buf[512];
		struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = c.b, .msg_controllen = sizeof(c.b) };
		const struct cmsghdr *cm;
		ssize_t n = recvmsg(rfd, &mh, MSG_CMSG_CLOEXEC);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return got;
		cm = CMSG_FIRSTHDR(&mh);
		if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
		    cm->cmsg_len == CMSG_LEN(sizeof(int))) {
			int fd;
			memcpy(&fd, CMSG_DATA(cm), sizeof(int));
			fd_drop(&s->mntns_fd);
			s->mntns_fd = fd;
			continue;
		}
		if (got == 0 && buf[0] != '\0') {
			got = (size_t)n < len - 1 ? n : (ssize_t)len - 1;
			memcpy(msg, buf, (size_t)got);
			msg[got] = '\0';
		}
	}
}

/*
 * The environment of a child whose stdout and stderr are OUT_FD: oobd's,
 * with $JOURNAL_STREAM telling the truth about OUT_FD. systemd names the
 * journald stream of oobd's stderr there (DEV:INO); a program that finds
 * its own stderr named logs to journald directly, with priorities. A
 * child's own stream (a socket) is named instead, and a child writing
 * elsewhere (a pipe, /dev/null) gets no name. NULL (oobd's environment as
 * it is) when the child inherits oobd's stderr or there is no name to
 * change; else a malloc'ed array of oobd's strings and VAR.
 */
static char **child_env(int out_fd, char *var, size_t len)
{
	struct stat st;
	size_t n = 0, k = 0;
	char **env;

	if (out_fd < 0 || !getenv("JOURNAL_STREAM"))
		return NULL;
	while (environ[n])
		n++;
	env = calloc(n + 2, sizeof(*env));
	if (!env)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "JOURNAL_STREAM=", 15) != 0)
			env[k++] = environ[i];
	if (fstat(out_fd, &st) == 0 && S_ISSOCK(st.st_mode)) {
		snprintf(var, len, "JOURNAL_STREAM=%llu:%llu", (unsigned long long)st.st_dev,
			 (unsigned long long)st.st_ino);
		env[k++] = var;
	}
	return env;
}

bool service_refuse_unsafe(struct service *s, const char *prog)
{
	char why[PATH_MAX + 64];
	long long now;

	if (filecheck_path(prog, why, sizeof(why)) != -EPERM)
		return false;
	now = now_ms();
	snprintf(s->start_error, sizeof(s->start_error), "refusing to run %.200s: %.280s", prog, why);
	s->want_up = true;
	/* Not a restart: nothing ran (restarts counts exits). */
	service_schedule_restart(s, now);
	log_err("starting %s: %s (%s); trying again in %.1f s", s->name, s->start_error, FILECHECK_RULE,
		(double)(s->deadline_ms - now) / 1000.0);
	return true;
}

int service_start(struct service *s, const char *netns, int nsfd)
{
	struct service_child_args a = { .argv = s->argv, .netns = netns, .nsfd = nsfd, .out_fd = s->out_fd,
					.send_mntns = s->contain };
	int pfd[2];
	char msg[512], stream[64];
	char **env;
	ssize_t n;
	pid_t pid;

	/* Wanted up whatever happens below: a start that fails before the
	 * child runs (no fd for the socket pair, clone refused) is tried
	 * again on the backoff schedule, not left in backoff for good. */
	s->want_up = true;
	if (service_refuse_unsafe(s, s->argv[0]))
		return -EPERM;
	/* What an earlier instance left running and did not stop on SIGTERM
	 * goes now, before another starts beside it. */
	left_kill(s);
	fd_drop(&s->mntns_fd);
	/* Datagrams, so that the namespace's fd and a failure's reason
	 * arrive as they were sent. */
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pfd) < 0) {
		int e = errno;
		log_err("starting %s: socketpair: %s", s->name, strerror(e));
		service_schedule_restart(s, now_ms());
		return -e;
	}
	/* The child's stack until exec: the namespace view (paths, a
	 * directory read) and the message of a failure. */
	a.errpipe = pfd[1];
	env = child_env(s->out_fd, stream, sizeof(stream));
	/* The file it runs: what is under the name now (a wrapper script, not
	 * the program that script runs). */
	if (stat(s->argv[0], &s->prog) < 0)
		memset(&s->prog, 0, sizeof(s->prog));
	a.envp = env;
	pid = clone_vfork(service_child, &a, 32768);
	free(env);
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		log_err("starting %s: clone: %s", s->name, strerror((int)-pid));
		service_schedule_restart(s, now_ms());
		return (int)pid;
	}
	close(pfd[1]);
	/* The socket closes at a successful exec, or carries the reason. */
	n = child_report(s, pfd[0], msg, sizeof(msg));
	close(pfd[0]);
	s->pid = pid;
	s->started_ms = now_ms();
	s->state = SVC_UP;
	s->deadline_ms = 0;
	s->want_up = true;
	if (n > 0) {
		int status = 127 << 8; /* what the child exits with */
		pid_t w;

		log_err("starting %s: %s", s->name, msg);
		str_copy(s->start_error, msg, sizeof(s->start_error));
		/* The child is on its way out: clone() with CLONE_VFORK returned
		 * only when it let go of our memory, at its _exit. Reap it here,
		 * so a failed exec is a death like any other, with its backoff,
		 * and nothing (sshd's readiness probe) takes the service for
		 * started meanwhile. The SIGCHLD that follows finds nothing. */
		do {
			w = waitpid(pid, &status, 0);
		} while (w < 0 && errno == EINTR);
		service_reaped(s, pid, status);
		return -ENOEXEC;
	}
	s->start_error[0] = '\0';
	log_info("%s started (pid %d)", s->name, (int)pid);
	return 0;
}

/* The child made a session of its own (proc_child_detach), so its pid is
 * also its process group: what it forked and did not move elsewhere (a
 * shell script's commands, a wrapper's program) goes with it, instead of
 * living on unsupervised, holding its port against the next start. ssh
 * sessions make sessions of their own and are not in the listener's. */
static void service_kill(const struct service *s, int sig)
{
	if (kill(-s->pid, sig) < 0)
		kill(s->pid, sig);
	/* What left the group (a daemon's setsid) is still in the instance's
	 * mount namespace. */
	if (sig == SIGKILL)
		mntns_kill(s->mntns_fd, NULL);
	else
		mntns_signal(s->mntns_fd, sig, NULL);
}

/* The program exited: what it left running in its mount namespace is
 * stopped (SIGTERM now; SIGKILL if it is still there at the next start, at
 * a stop, or SERVICE_STOP_TIMEOUT_MS after the SIGTERM, whichever comes
 * first). One pass of SIGTERM is enough: a process it misses is still in
 * the namespace, which is held, and gets the SIGKILL.
 * A program that exits 0 on its own and leaves something running has
 * daemonized, against the rule: said once, and reported by status. One
 * that failed or was killed (a wrapper shell killed by the OOM killer)
 * only lost its children. */
static void service_sweep(struct service *s, bool stopping, int status, long long now)
{
	pid_t first = 0;
	unsigned n = mntns_signal(s->mntns_fd, SIGTERM, &first);

	if (n == 0) {
		fd_drop(&s->mntns_fd);
		if (!stopping)
			s->daemonized = false;
		return;
	}
	/* A stop sent SIGTERM to all of it already: its deadline holds (now,
	 * if it passed and the SIGKILL has gone out). */
	left_keep(s, s->mntns_fd, now, stopping ? (s->deadline_ms ? s->deadline_ms : now) : now + SERVICE_STOP_TIMEOUT_MS);
	s->mntns_fd = -1;
	if (stopping) {
		/* Sent SIGTERM with the program already; on its way out. */
		log_debug("%s: pid %d and %u more still running after its program stopped", s->name, (int)first, n - 1);
		return;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		log_warn("%s: stopping pid %d, left running by its program", s->name, (int)first);
		return;
	}
	s->left_pid = first;
	if (!s->daemonized)
		log_err("%s: its program daemonized (pid %d left running); services must run in the foreground",
			s->name, (int)first);
	else
		log_info("%s: stopping pid %d, left running by its program", s->name, (int)first);
	s->daemonized = true;
}

void service_stop(struct service *s)
{
	s->want_up = false;
	/* SIGTERM'd when its program exited; stopped means gone. */
	left_kill(s);
	if (s->state == SVC_UP && s->pid > 0) {
		service_kill(s, SIGTERM);
		s->state = SVC_STOPPING;
		s->deadline_ms = now_ms() + SERVICE_STOP_TIMEOUT_MS;
	} else if (s->state == SVC_BACKOFF) {
		s->state = SVC_DOWN;
		s->deadline_ms = 0;
	}
}

bool service_reaped(struct service *s, pid_t pid, int status)
{
	long long now = now_ms();
	char how[96];

	if (pid != s->pid || s->pid <= 0)
		return false;
	s->pid = 0;
	s->last_status = status;
	service_status_str(status, how, sizeof(how));
	if (now - s->started_ms >= (long long)s->reset_ms)
		s->daemonized = false; /* it ran in the foreground for a good while */
	if (s->mntns_fd >= 0)
		service_sweep(s, s->state == SVC_STOPPING || !s->want_up, status, now);
	if (s->state == SVC_STOPPING || !s->want_up) {
		log_info("%s stopped (%s)", s->name, how);
		s->state = SVC_DOWN;
		s->deadline_ms = 0;
		return true;
	}
	if (now - s->started_ms >= (long long)s->reset_ms)
		s->backoff_ms = 0;
	service_schedule_restart(s, now);
	s->restarts++;
	if (s->deadline_ms > now)
		log_err("%s %s; restarting in %.1f s", s->name, how, (double)(s->deadline_ms - now) / 1000.0);
	else
		log_err("%s %s; restarting", s->name, how);
	return true;
}

bool service_deadline(struct service *s, long long now)
{
	if (s->left_fd >= 0 && now >= s->left_check_ms)
		left_tick(s, now);
	if (!s->deadline_ms || now < s->deadline_ms)
		return false;
	s->deadline_ms = 0;
	if (s->state == SVC_BACKOFF)
		return s->want_up;
	if (s->state == SVC_STOPPING && s->pid > 0) {
		log_warn("%s (pid %d) did not stop in time; killing it", s->name, (int)s->pid);
		service_kill(s, SIGKILL);
	}
	return false;
}
