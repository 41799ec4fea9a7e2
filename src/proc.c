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

static void __attribute__((noreturn)) proc_child(char *const argv[], int nsfd, int stdin_fd, int out_fd)
{
	int devnull;

	proc_child_reset_signals();
	if (nsfd >= 0 && setns(nsfd, CLONE_NEWNET) < 0)
		_exit(126);
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (stdin_fd < 0)
		stdin_fd = devnull;
	if (dup2(stdin_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(out_fd, 2) < 0)
		_exit(126);
	close_range(3, ~0U, 0);
	execv(argv[0], argv);
	dprintf(2, "%s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

int proc_start(struct proc_job *job, char *const argv[], int nsfd, int stdin_fd, size_t max_out, int timeout_ms)
{
	int pfd[2];
	pid_t pid;

	memset(job, 0, sizeof(*job));
	job->out_fd = -1;
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		int e = errno;
		close(pfd[0]);
		close(pfd[1]);
		return -e;
	}
	if (pid == 0)
		proc_child(argv, nsfd, stdin_fd, pfd[1]);
	close(pfd[1]);
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
	for (;;) {
		struct pollfd p = { .fd = job->out_fd, .events = POLLIN };
		int wait_ms = -1;
		if (job->deadline) {
			long long left = job->deadline - now_ms();
			wait_ms = left > 0 ? (int)left : 0;
		}
		int r = poll(&p, 1, wait_ms);
		if (r < 0 && errno == EINTR)
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
