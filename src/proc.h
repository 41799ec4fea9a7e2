/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OOBD_PROC_H
#define OOBD_PROC_H

#include <stddef.h>

/*
 * Run a helper program to completion (ssh-keygen, "sshd -T",
 * iptables-legacy-restore) and collect what it printed. Never through a
 * shell. The child gets the supervisor-free state of service_child_exec();
 * with NSFD >= 0 it runs in that network namespace (network only: the
 * mount view is the caller's).
 */
struct proc_result {
	int status;                  /* wait status */
	char *out;                   /* stdout and stderr, NUL-terminated, malloc'ed */
	size_t out_len;
};

/* STDIN_FD (or -1 for /dev/null) becomes the child's stdin. Output beyond
 * MAX_OUT bytes is discarded. TIMEOUT_MS > 0 kills the child when it takes
 * longer. 0 when it ran (see status), or -errno when it could not run. */
int proc_run(char *const argv[], int nsfd, int stdin_fd, size_t max_out, int timeout_ms, struct proc_result *res);

/*
 * The same in two halves, so that several helpers (and the caller's own
 * work) run side by side: proc_start() starts the program and returns at once;
 * proc_finish() collects the output and reaps the child. Every started job
 * must be finished before the caller returns to the event loop, whose
 * SIGCHLD handling reaps any child (the pipe keeps the output meanwhile;
 * a child with more to say than the pipe holds waits for the collector).
 * TIMEOUT_MS counts from the start.
 */
struct proc_job {
	int pid;                     /* 0: not started */
	int out_fd;
	size_t max_out;
	long long deadline;          /* now_ms() clock; 0: none */
	char *early_msg;             /* why it could not exec, for its output */
};
int proc_start(struct proc_job *job, char *const argv[], int nsfd, int stdin_fd, size_t max_out, int timeout_ms);
/* The same with ENVP as the program's environment (NULL: the caller's). */
int proc_start_env(struct proc_job *job, char *const argv[], char *const envp[], int nsfd, int stdin_fd,
		   size_t max_out, int timeout_ms);
/* 0 and RES filled, or -errno; the job is over either way. */
int proc_finish(struct proc_job *job, struct proc_result *res);
void proc_result_free(struct proc_result *res);

/* In a child before exec: default dispositions for every signal and
 * an empty mask, so nothing of the supervisor's signal handling leaks. */
void proc_child_reset_signals(void);
/* In a child before exec: a session of its own, and oom_score_adj 0 (not
 * the supervisor's exemption). */
void proc_child_detach(void);

/* True when the program ran and exited 0. */
int proc_ok(const struct proc_result *res);

#endif
