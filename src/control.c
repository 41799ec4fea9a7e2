/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "control.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

static void ctl_watch(struct ctl_server *srv, int fd, uint32_t events, int op)
{
	struct epoll_event ev = { .events = events, .data.fd = fd };
	epoll_ctl(srv->epfd, op, fd, &ev);
}

int ctl_open(struct ctl_server *srv, const char *path, unsigned mode, int epfd, ctl_handler handler, void *data)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	/* The client slots are made ready as they are first needed
	 * (n_slots): a daemon nobody talks to keeps them untouched. */
	memset(srv, 0, offsetof(struct ctl_server, clients));
	srv->fd = -1;
	srv->epfd = epfd;
	srv->handler = handler;
	srv->data = data;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	str_copy(srv->path, path, sizeof(srv->path));
	str_copy(sa.sun_path, path, sizeof(sa.sun_path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* We hold the daemon lock: a socket file here is a stale one. */
	unlink(path);
	/* Created with no access at all, then opened up to MODE: no window in
	 * which anyone else could connect. */
	mode_t old = umask(0777);
	int r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r < 0 || chmod(path, mode) < 0 || listen(fd, 32) < 0) {
		int e = errno;
		close(fd);
		unlink(path);
		return -e;
	}
	srv->fd = fd;
	srv->listening = true;
	ctl_watch(srv, fd, EPOLLIN, EPOLL_CTL_ADD);
	return 0;
}

/* Accept no more for now (RESUME_AT: until then, ms; 0: until a client
 * leaves), and again. */
static void listen_pause(struct ctl_server *srv, long long resume_at)
{
	epoll_ctl(srv->epfd, EPOLL_CTL_DEL, srv->fd, NULL);
	srv->listening = false;
	srv->resume_at = resume_at;
}

static void listen_resume(struct ctl_server *srv)
{
	if (srv->listening || srv->fd < 0)
		return;
	srv->listening = true;
	srv->resume_at = 0;
	ctl_watch(srv, srv->fd, EPOLLIN, EPOLL_CTL_ADD);
}

static void client_drop(struct ctl_server *srv, struct ctl_client *c)
{
	if (c->fd < 0)
		return;
	epoll_ctl(srv->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c->out);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	srv->n_clients--;
	listen_resume(srv);
}

void ctl_close(struct ctl_server *srv)
{
	for (int i = 0; i < srv->n_slots; i++)
		client_drop(srv, &srv->clients[i]);
	if (srv->fd >= 0) {
		close(srv->fd);
		unlink(srv->path);
	}
	srv->fd = -1;
}

bool ctl_owns_fd(const struct ctl_server *srv, int fd)
{
	if (fd < 0)
		return false;
	if (fd == srv->fd)
		return true;
	for (int i = 0; i < srv->n_slots; i++)
		if (srv->clients[i].fd == fd)
			return true;
	return false;
}

static void ctl_accept(struct ctl_server *srv)
{
	for (;;) {
		struct ucred cred;
		socklen_t len = sizeof(cred);
		struct ctl_client *c = NULL;
		int fd;

		if (srv->n_clients >= CTL_MAX_CLIENTS) {
			/* Full: leave the rest in the backlog until a slot frees. */
			listen_pause(srv, 0);
			return;
		}
		fd = accept4(srv->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0 && (errno == EINTR || errno == ECONNABORTED))
			continue;
		if (fd < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
			/* Out of descriptors or memory (EMFILE, ENFILE, ENOMEM,
			 * ENOBUFS): the connection stays in the backlog, and the
			 * listener would wake the loop again at once, for as
			 * long as that lasts. Paused instead, and tried again
			 * in a while (or when a client leaves). */
			log_msg(srv->accept_err_said ? LOG_DEBUG : LOG_ERR,
				"control socket: accepting a connection: %s; trying again every %d ms", strerror(errno),
				CTL_ACCEPT_PAUSE_MS);
			srv->accept_err_said = true;
			listen_pause(srv, now_ms() + CTL_ACCEPT_PAUSE_MS);
			return;
		}
		if (fd < 0)
			return;
		if (srv->accept_err_said)
			log_notice("control socket: accepting connections again");
		srv->accept_err_said = false;
		for (int i = 0; i < srv->n_slots && !c; i++)
			if (srv->clients[i].fd < 0)
				c = &srv->clients[i];
		if (!c)
			c = &srv->clients[srv->n_slots++]; /* n_clients < CTL_MAX_CLIENTS: there is one */
		memset(c, 0, sizeof(*c));
		c->fd = fd;
		srv->n_clients++;
		c->request_deadline = now_ms() + CTL_REQUEST_TIMEOUT_MS;
		c->total_deadline = now_ms() + CTL_TOTAL_TIMEOUT_MS;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
			client_drop(srv, c);
			continue;
		}
		c->uid = cred.uid;
		c->gid = cred.gid;
		c->pid = cred.pid;
		if (c->uid != 0) {
			/* Whatever it would send. */
			ctl_watch(srv, fd, 0, EPOLL_CTL_ADD);
			ctl_reply(srv, c, 4, "denied", xstrdup("permission denied: only root may use the control socket\n"));
			continue;
		}
		ctl_watch(srv, fd, EPOLLIN, EPOLL_CTL_ADD);
	}
}

static void client_flush(struct ctl_server *srv, struct ctl_client *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR) {
				ctl_watch(srv, c->fd, EPOLLOUT, EPOLL_CTL_MOD);
				return;
			}
			client_drop(srv, c);
			return;
		}
		c->out_off += (size_t)n;
	}
	/* Answered. Close our side, and read what the client may still send
	 * until it closes too: closing with unread input would reset the
	 * connection and could destroy the answer in flight. */
	shutdown(c->fd, SHUT_WR);
	c->draining = true;
	ctl_watch(srv, c->fd, EPOLLIN, EPOLL_CTL_MOD);
}

/* What the client sends after its answer, read and thrown away until it
 * closes. A client sends nothing after its line but what was on its way:
 * one that goes on writing (many writers on one connection can keep this
 * loop fed for seconds) is dropped once that passes a request's size. */
static void client_drain(struct ctl_server *srv, struct ctl_client *c)
{
	char buf[4096];
	for (;;) {
		ssize_t n = recv(c->fd, buf, sizeof(buf), 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0 || (c->drained += (size_t)n) > CTL_MAX_REQUEST) {
			client_drop(srv, c);
			return;
		}
	}
}

void ctl_reply(struct ctl_server *srv, struct ctl_client *c, int code, const char *word, char *body)
{
	char head[128];
	int hn = snprintf(head, sizeof(head), "%d %s\n", code, word);
	size_t blen = body ? strlen(body) : 0;

	if (blen > CTL_MAX_RESPONSE)
		blen = CTL_MAX_RESPONSE;
	c->out = xcalloc((size_t)hn + blen + 1, 1);
	memcpy(c->out, head, (size_t)hn);
	if (blen)
		memcpy(c->out + hn, body, blen);
	c->out_len = (size_t)hn + blen;
	c->out_off = 0;
	free(body);
	client_flush(srv, c);
}

static void client_read(struct ctl_server *srv, struct ctl_client *c)
{
	char *nl;

	if (c->out) /* answered already; ignore anything further */
		return;
	for (;;) {
		ssize_t n = recv(c->fd, c->in + c->in_len, CTL_MAX_REQUEST - c->in_len, 0);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			client_drop(srv, c);
			return;
		}
		if (n == 0 && c->in_len && !memchr(c->in, '\n', c->in_len)) {
			/* Its line, then its end ("printf status | nc -U"): the
			 * end stands for the newline. */
			c->in[c->in_len++] = '\n';
			c->in[c->in_len] = '\0';
			break;
		}
		if (n == 0) {
			client_drop(srv, c);
			return;
		}
		c->in_len += (size_t)n;
		c->in[c->in_len] = '\0';
		if (memchr(c->in, '\n', c->in_len) || c->in_len >= CTL_MAX_REQUEST)
			break;
	}
	nl = memchr(c->in, '\n', c->in_len);
	if (!nl) {
		if (c->in_len >= CTL_MAX_REQUEST)
			ctl_reply(srv, c, 3, "error", xstrdup("request too long\n"));
		return;
	}
	*nl = '\0';
	if (memchr(c->in, '\0', (size_t)(nl - c->in))) {
		ctl_reply(srv, c, 3, "error", xstrdup("NUL byte in request\n"));
		return;
	}
	/* From here the client only waits for its answer. */
	ctl_watch(srv, c->fd, 0, EPOLL_CTL_MOD);
	srv->handler(srv, c, c->in, srv->data);
}

void ctl_event(struct ctl_server *srv, int fd, uint32_t events)
{
	if (fd == srv->fd) {
		ctl_accept(srv);
		return;
	}
	for (int i = 0; i < srv->n_slots; i++) {
		struct ctl_client *c = &srv->clients[i];
		if (c->fd != fd)
			continue;
		if (c->draining)
			client_drain(srv, c);
		else if (c->out && (events & EPOLLOUT))
			client_flush(srv, c);
		else if (events & (EPOLLERR | EPOLLHUP) && !(events & EPOLLIN))
			client_drop(srv, c);
		else if (events & EPOLLIN)
			client_read(srv, c);
		return;
	}
}

long long ctl_deadline(const struct ctl_server *srv)
{
	long long d = srv->resume_at;
	for (int i = 0; i < srv->n_slots; i++) {
		const struct ctl_client *c = &srv->clients[i];
		long long t;
		if (c->fd < 0)
			continue;
		t = c->out ? c->total_deadline : c->request_deadline;
		if (!d || t < d)
			d = t;
	}
	return d;
}

void ctl_tick(struct ctl_server *srv, long long now)
{
	if (srv->resume_at && now >= srv->resume_at)
		listen_resume(srv);
	for (int i = 0; i < srv->n_slots; i++) {
		struct ctl_client *c = &srv->clients[i];
		if (c->fd < 0)
			continue;
		if ((c->out && now >= c->total_deadline) || (!c->out && now >= c->request_deadline))
			client_drop(srv, c); /* too slow: the supervisor does not wait */
	}
}
