/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "service.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

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
}

void service_free(struct service *s)
{
	free(s->name);
	argv_free(s->argv);
	s->name = NULL;
	s->argv = NULL;
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

void service_child_exec(char *const argv[], const char *netns, int nsfd, int errpipe, int out_fd,
			bool die_with_parent)
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
	char *const *argv;
	const char *netns;
	int nsfd, errpipe, out_fd;
};

static int service_child(void *arg)
{
	const struct service_child_args *a = arg;

	service_child_exec(a->argv, a->netns, a->nsfd, a->errpipe, a->out_fd, true);
	return 127;
}

int service_start(struct service *s, const char *netns, int nsfd)
{
	struct service_child_args a = { .argv = s->argv, .netns = netns, .nsfd = nsfd, .out_fd = s->out_fd };
	int pfd[2];
	char msg[512];
	ssize_t n;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) < 0) {
		int e = errno;
		log_err("starting %s: pipe: %s", s->name, strerror(e));
		service_schedule_restart(s, now_ms());
		return -e;
	}
	/* The child's stack until exec: the namespace view (paths, a
	 * directory read) and the message of a failure. */
	a.errpipe = pfd[1];
	pid = clone_vfork(service_child, &a, 32768);
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		log_err("starting %s: clone: %s", s->name, strerror((int)-pid));
		service_schedule_restart(s, now_ms());
		return (int)pid;
	}
	close(pfd[1]);
	/* The pipe closes at a successful exec, or carries the reason. */
	do {
		n = read(pfd[0], msg, sizeof(msg) - 1);
	} while (n < 0 && errno == EINTR);
	close(pfd[0]);
	s->pid = pid;
	s->started_ms = now_ms();
	s->state = SVC_UP;
	s->deadline_ms = 0;
	s->want_up = true;
	if (n > 0) {
		int status = 127 << 8; /* what the child exits with */
		pid_t w;

		msg[n] = '\0';
		log_err("starting %s: %s", s->name, msg);
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
}

void service_stop(struct service *s)
{
	s->want_up = false;
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
