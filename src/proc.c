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

int proc_run(char *const argv[], int nsfd, int stdin_fd, size_t max_out, int timeout_ms, struct proc_result *res)
{
	int pfd[2], status;
	size_t cap = 4096;
	long long deadline = timeout_ms > 0 ? now_ms() + timeout_ms : 0;
	bool killed = false;
	pid_t pid;

	memset(res, 0, sizeof(*res));
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
	res->out = xcalloc(1, cap + 1);
	for (;;) {
		struct pollfd p = { .fd = pfd[0], .events = POLLIN };
		int wait_ms = -1;
		if (deadline) {
			long long left = deadline - now_ms();
			wait_ms = left > 0 ? (int)left : 0;
		}
		int r = poll(&p, 1, wait_ms);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0) {
			kill(pid, SIGKILL);
			killed = true;
			break;
		}
		char buf[4096];
		ssize_t n = read(pfd[0], buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		size_t take = (size_t)n;
		if (res->out_len + take > max_out)
			take = max_out > res->out_len ? max_out - res->out_len : 0;
		if (res->out_len + take > cap) {
			while (res->out_len + take > cap)
				cap *= 2;
			res->out = xrealloc(res->out, cap + 1, 1);
		}
		memcpy(res->out + res->out_len, buf, take);
		res->out_len += take;
	}
	close(pfd[0]);
	res->out[res->out_len] = '\0';
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			int e = errno;
			proc_result_free(res);
			return -e;
		}
	}
	res->status = status;
	if (killed && res->out_len + 32 < max_out) {
		static const char msg[] = "\n(killed: took too long)\n";
		res->out = xrealloc(res->out, res->out_len + sizeof(msg) + 1, 1);
		memcpy(res->out + res->out_len, msg, sizeof(msg));
		res->out_len += sizeof(msg) - 1;
	}
	return 0;
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
