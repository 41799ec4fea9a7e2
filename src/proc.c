/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "proc.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "notify.h"
#include "util.h"

void proc_child_reset_signals(void)
{
	sigset_t none;

	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

void proc_child_detach(void)
{
	int fd;

	/* Out of the supervisor's session and process group: a signal to
	 * those (a terminal's ^C) is not theirs. */
	setsid();
	/* oobd itself is exempt from the OOM killer; what it starts is not. */
	fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		(void)!write(fd, "0", 1);
		close(fd);
	}
}

struct child_args {
	char *const *argv;
	char *const *envp;           /* NULL: the supervisor's */
	int nsfd, stdin_fd, out_fd;
	int exec_errno;              /* written by the child: the memory is shared */
};

/*
 * The child, until exec. It runs on the parent's memory (CLONE_VM) while
 * the parent waits (CLONE_VFORK), as posix_spawn() does, so nothing of the
 * parent is copied: no page tables, no copy-on-write faults afterwards.
 * It only makes system calls on its own state (signal dispositions and
 * mask, namespace, file descriptors) and reports a failed exec through
 * ARGS. Signals stay blocked, as in the parent, until every disposition is
 * back to the default, so no handler of the supervisor ever runs here.
 */
static int proc_child(void *arg)
{
	struct child_args *a = arg;
	int devnull, stdin_fd = a->stdin_fd;

	proc_child_reset_signals();
	proc_child_detach();
	if (a->nsfd >= 0 && setns(a->nsfd, CLONE_NEWNET) < 0) {
		a->exec_errno = errno;
		_exit(126);
	}
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (stdin_fd < 0)
		stdin_fd = devnull;
	if (dup2(stdin_fd, 0) < 0 || dup2(a->out_fd, 1) < 0 || dup2(a->out_fd, 2) < 0) {
		a->exec_errno = errno;
		_exit(126);
	}
	close_range(3, ~0U, 0);
	if (a->envp)
		execve(a->argv[0], a->argv, a->envp);
	else
		execv(a->argv[0], a->argv);
	a->exec_errno = errno;
	_exit(127);
}

int proc_start(struct proc_job *job, char *const argv[], int nsfd, int stdin_fd, size_t max_out, int timeout_ms)
{
	return proc_start_env(job, argv, NULL, nsfd, stdin_fd, max_out, timeout_ms);
}

int proc_start_env(struct proc_job *job, char *const argv[], char *const envp[], int nsfd, int stdin_fd,
		   size_t max_out, int timeout_ms)
{
	struct child_args a = { .argv = argv, .envp = envp, .nsfd = nsfd, .stdin_fd = stdin_fd };
	int pfd[2];
	pid_t pid;

	memset(job, 0, sizeof(*job));
	job->out_fd = -1;
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	a.out_fd = pfd[1];
	/* The child's stack until exec: a few signal(2)s and a setns deep. */
	pid = clone_vfork(proc_child, &a, 16384);
	close(pfd[1]);
	if (pid < 0) {
		close(pfd[0]);
		return pid;
	}
	if (a.exec_errno) {
		/* Said in its output, as callers read it (its exit status is
		 * 126 or 127); the zombie is reaped by proc_finish(). */
		char msg[512];
		snprintf(msg, sizeof(msg), "%s: %s\n", argv[0], strerror(a.exec_errno));
		job->early_msg = xstrdup(msg);
	}
	job->pid = pid;
	job->out_fd = pfd[0];
	job->max_out = max_out;
	job->deadline = timeout_ms > 0 ? now_ms() + timeout_ms : 0;
	return 0;
}

int proc_finish(struct proc_job *job, struct proc_result *res)
{
	size_t cap = 4096;
	bool killed = false;
	int status;

	memset(res, 0, sizeof(*res));
	if (job->pid <= 0)
		return -ECHILD;
	res->out = xcalloc(1, cap + 1);
	if (job->early_msg) {
		res->out_len = strlen(job->early_msg) < cap ? strlen(job->early_msg) : cap;
		memcpy(res->out, job->early_msg, res->out_len);
		free(job->early_msg);
		job->early_msg = NULL;
	}
	for (;;) {
		struct pollfd p = { .fd = job->out_fd, .events = POLLIN };
		int wait_ms = -1;
		if (job->deadline) {
			long long left = job->deadline - now_ms();
			wait_ms = left > 0 ? (int)left : 0;
		}
		/* The event loop waits here: keep the service manager's
		 * watchdog fed while the helper runs. */
		if (notify_watchdog_interval_ms() && (wait_ms < 0 || wait_ms > 1000))
			wait_ms = 1000;
		int r = poll(&p, 1, wait_ms);
		notify_watchdog_keepalive();
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0 && (!job->deadline || now_ms() < job->deadline))
			continue;
		if (r == 0) {
			kill(job->pid, SIGKILL);
			killed = true;
			break;
		}
		char buf[4096];
		ssize_t n = read(job->out_fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		size_t take = (size_t)n;
		if (res->out_len + take > job->max_out)
			take = job->max_out > res->out_len ? job->max_out - res->out_len : 0;
		if (res->out_len + take > cap) {
			while (res->out_len + take > cap)
				cap *= 2;
			res->out = xrealloc(res->out, cap + 1, 1);
		}
		memcpy(res->out + res->out_len, buf, take);
		res->out_len += take;
	}
	close(job->out_fd);
	job->out_fd = -1;
	res->out[res->out_len] = '\0';
	while (waitpid(job->pid, &status, 0) < 0) {
		if (errno != EINTR) {
			int e = errno;
			job->pid = 0;
			proc_result_free(res);
			return -e;
		}
	}
	job->pid = 0;
	res->status = status;
	if (killed && res->out_len + 32 < job->max_out) {
		static const char msg[] = "\n(killed: took too long)\n";
		res->out = xrealloc(res->out, res->out_len + sizeof(msg) + 1, 1);
		memcpy(res->out + res->out_len, msg, sizeof(msg));
		res->out_len += sizeof(msg) - 1;
	}
	return 0;
}

int proc_run(char *const argv[], int nsfd, int stdin_fd, size_t max_out, int timeout_ms, struct proc_result *res)
{
	struct proc_job job;
	int r = proc_start(&job, argv, nsfd, stdin_fd, max_out, timeout_ms);

	if (r < 0) {
		memset(res, 0, sizeof(*res));
		return r;
	}
	return proc_finish(&job, res);
}

void proc_result_free(struct proc_result *res)
{
	free(res->out);
	res->out = NULL;
	res->out_len = 0;
}

int proc_ok(const struct proc_result *res)
{
	return WIFEXITED(res->status) && WEXITSTATUS(res->status) == 0;
}
