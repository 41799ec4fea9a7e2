/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OOBD_CONTROL_H
#define OOBD_CONTROL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * A non-blocking Unix-socket server inside the event loop: the control
 * socket of oobctl (and, later, the jump broker). Each connection carries
 * one request line and gets one response:
 *
 *   request:   COMMAND [ARG...]\n          (at most CTL_MAX_REQUEST bytes)
 *   response:  CODE WORD\n BODY...         (then the server closes)
 *
 * The peer is identified with SO_PEERCRED when it connects. Nothing a
 * client does can block the supervisor: every socket is non-blocking, a
 * client has CTL_REQUEST_TIMEOUT_MS to send its line and
 * CTL_TOTAL_TIMEOUT_MS in all, and at most CTL_MAX_CLIENTS are served at
 * once (more wait in the listen backlog). See docs/control.md.
 */

#define CTL_MAX_REQUEST 1024
#define CTL_MAX_CLIENTS 16
#define CTL_REQUEST_TIMEOUT_MS 5000
#define CTL_TOTAL_TIMEOUT_MS 15000
#define CTL_MAX_RESPONSE (16 << 20)
#define CTL_ACCEPT_PAUSE_MS 1000

struct ctl_client {
	int fd;                      /* -1: free slot */
	uid_t uid;
	gid_t gid;
	pid_t pid;
	char in[CTL_MAX_REQUEST + 1];
	size_t in_len;
	char *out;
	size_t out_len, out_off;
	bool draining;               /* answered; reading what is left until EOF */
	size_t drained;              /* read while draining: a client sends nothing after its line */
	long long request_deadline, total_deadline;
};

struct ctl_server;
/* Called with a complete request line (no newline). Reply with ctl_reply. */
typedef void (*ctl_handler)(struct ctl_server *srv, struct ctl_client *c, char *line, void *data);

struct ctl_server {
	int fd;
	int epfd;
	char path[108];
	int n_clients;
	int n_slots;                 /* clients[0..n_slots) are initialised; the rest never used yet */
	bool listening;              /* accept paused while the table is full, or (resume_at) out of resources */
	long long resume_at;         /* accept failed for want of descriptors or memory: tried again then (ms) */
	bool accept_err_said;
	ctl_handler handler;
	void *data;
	struct ctl_client clients[CTL_MAX_CLIENTS];   /* last: ctl_open() leaves it untouched */
};

/* Bind PATH (mode MODE, replacing a stale socket) and listen. 0 or -errno. */
int ctl_open(struct ctl_server *srv, const char *path, unsigned mode, int epfd, ctl_handler handler, void *data);
void ctl_close(struct ctl_server *srv);
/* Whether FD is the listener or one of the clients. */
bool ctl_owns_fd(const struct ctl_server *srv, int fd);
void ctl_event(struct ctl_server *srv, int fd, uint32_t events);
/* Earliest client deadline, 0 if none; and acting on expired ones. */
long long ctl_deadline(const struct ctl_server *srv);
void ctl_tick(struct ctl_server *srv, long long now);

/* Queue the response "CODE WORD\n" + BODY (taken over, may be NULL). */
void ctl_reply(struct ctl_server *srv, struct ctl_client *c, int code, const char *word, char *body);

#endif
