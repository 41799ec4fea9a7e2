/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OOBD_SERVICE_H
#define OOBD_SERVICE_H

#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>

/*
 * Supervised children, run inside the namespace with the "ip netns exec"
 * view. Each is an explicit state machine driven by one deadline:
 *
 *   DOWN --start--> UP --exit--> BACKOFF --deadline--> (start again)
 *     UP --stop--> STOPPING --exit--> DOWN
 *
 * A child that dies is restarted at once the first time, then after an
 * exponentially growing delay up to a cap; the delay resets once the child
 * has stayed up long enough. It never gives up for good.
 */

enum service_state { SVC_DOWN, SVC_UP, SVC_BACKOFF, SVC_STOPPING };

#define SERVICE_BACKOFF_FIRST_MS 500
#define SERVICE_BACKOFF_MAX_MS 30000
#define SERVICE_RESET_MS 60000
#define SERVICE_STOP_TIMEOUT_MS 5000
#define SERVICE_PROGRAM_SETTLE_MS 1000

struct service {
	char *name;
	char **argv;                 /* argv[0] is an absolute path */
	enum service_state state;
	pid_t pid;
	long long started_ms;
	long long deadline_ms;       /* BACKOFF: restart at; STOPPING: SIGKILL at; else 0 */
	unsigned backoff_ms;         /* delay before the next restart after a quick death */
	unsigned backoff_max_ms, reset_ms;
	unsigned restarts;
	int last_status;             /* wait status of the last exit, -1 if none */
	int out_fd;                  /* at the next start, the child's stdout and stderr; -1: oobd's own */
	bool want_up;
	/* Everything in the mount namespace of its instance is the service's
	 * (a [service]; not sshd, whose ssh sessions outlive it): stopped with
	 * it, and stopped when its program exits and leaves it behind. */
	bool contain;
	int mntns_fd;                /* the running instance's mount namespace, held; -1 */
	int left_fd;                 /* an exited instance's, where processes were left running; -1 */
	long long left_kill_ms;      /* while left_fd is held: SIGKILL to what is in it at */
	long long left_check_ms;     /* ... and the next look whether it is gone */
	unsigned left_check_gap_ms;
	pid_t left_pid;              /* the first of those */
	bool daemonized;             /* its program exited and left processes running */
	/* Its program file: argv[0] with symbolic links followed (to match
	 * the events of its directory; NULL: not known), what was under that
	 * name at the last start (st_ino 0: nothing), and when to look whether
	 * a file put in place since is another (0: no need). */
	char *prog_real;
	struct stat prog;
	long long prog_check_at;
	/* Why its last start did not run the program (its exec failed, or
	 * oobd refused it), for status; "" once a start ran it. */
	char start_error[512];
};

/* ARGV is taken over (freed by service_free). Backoff from the config. */
void service_init(struct service *s, const char *name, char **argv, unsigned backoff_max_ms, unsigned reset_ms);
/* The backoff of a changed config: a lower cap applies at once, also to a
 * restart already scheduled. */
void service_set_backoff(struct service *s, unsigned backoff_max_ms, unsigned reset_ms);
void service_set_argv(struct service *s, char **argv);
void service_free(struct service *s);

/* Spawn now. NETNS/NSFD name the namespace whose view the child gets.
 * 0, or -errno with the reason logged (the service is then in BACKOFF).
 * A program that others than root can change (filecheck.h) is not run:
 * -EPERM, as service_refuse_unsafe(). */
int service_start(struct service *s, const char *netns, int nsfd);

/* When others than root can change PROG (S's program, or one it runs
 * before it: sshd -T), a start of S refuses it: logged, kept for status,
 * and tried again on the backoff schedule, as a start whose exec failed.
 * True then; false when PROG is safe (or missing: the exec will say). */
bool service_refuse_unsafe(struct service *s, const char *prog);

/* Ask it to stop (SIGTERM, then SIGKILL at the deadline). What an earlier
 * instance left running gets SIGKILL now. */
void service_stop(struct service *s);

/* PID exited with STATUS: true if it was this service's. Decides the
 * next state and deadline. */
bool service_reaped(struct service *s, pid_t pid, int status);

/* Act on an expired deadline: restart, or escalate a stop, or SIGKILL
 * what an exited instance left running. Returns true if the service wants
 * to be started now (the caller starts it). */
bool service_deadline(struct service *s, long long now);

/* When service_deadline has something to do: the earliest of the state's
 * deadline and the leftovers' next look or SIGKILL; 0 if none. */
long long service_wakeup(const struct service *s);

/*
 * A package upgrade (or an edit) puts a new file in place under the
 * program's name; the running instance goes on with the old one. The
 * program's directory reported a file made, written or moved in under its
 * name: look at it once nothing more has come for
 * SERVICE_PROGRAM_SETTLE_MS (a package puts several files in place). A
 * start waiting after failures (the program was missing) is made then.
 */
void service_program_event(struct service *s);
/* That look is due (its time is in service_wakeup): true when the running
 * instance was started from another file than the one under the name now,
 * so that the caller restarts it. */
bool service_program_replaced(struct service *s, long long now);

/* What an exited instance of it left running may still be there: it is
 * not stopped until that is gone (SIGKILL at the latest
 * SERVICE_STOP_TIMEOUT_MS after its SIGTERM). */
bool service_left(const struct service *s);

/* Describe a wait status: "exited with status 1", "killed by signal 9". */
const char *service_status_str(int status, char *buf, size_t len);

/* The child side, usable by any exec in the namespace: signals reset, fds
 * closed, oom_score_adj 0, the exec view set up, OUT_FD (if >= 0) as
 * stdout and stderr; then exec, with ENVP (NULL: oobd's environment).
 * Never returns. ERRPIPE (if >= 0) gets the
 * reason of a failure; with SEND_MNTNS it is a Unix socket, and the new
 * mount namespace goes through it first (SCM_RIGHTS, one byte '\0').
 * It allocates nothing, so it may run in a child that shares its parent's
 * memory until the exec (service_start's clone(CLONE_VM | CLONE_VFORK)). */
void service_child_exec(char *const argv[], char *const envp[], const char *netns, int nsfd, int errpipe,
			int out_fd, bool die_with_parent, bool send_mntns) __attribute__((noreturn));

#endif
