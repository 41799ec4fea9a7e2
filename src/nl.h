/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OOBD_NL_H
#define OOBD_NL_H

#include <libmnl/libmnl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * rtnetlink through libmnl. A socket works in the namespace it was opened
 * in. Requests are pipelined: a batch of many requests is sent in windows,
 * only the last of each send asking for an acknowledgement; the kernel's
 * refusals are read as they come, each matched to its request by sequence
 * number, so one bad request is reported alone.
 */

struct nl {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq;
};

/* Open in the calling thread's namespace, or in NSFD's. 0 or -errno. */
int nl_open(struct nl *nl);
int nl_open_in(struct nl *nl, int nsfd);
void nl_close(struct nl *nl);
/* A non-blocking socket subscribed to the multicast GROUPS (RTMGRP_*).
 * With TYPES (at most NL_FILTER_TYPES_MAX), only events of those message
 * types reach it: the kernel drops the others before queueing them. */
#define NL_FILTER_TYPES_MAX 16
int nl_open_monitor(struct nl *nl, unsigned groups, const uint16_t *types, size_t n_types);
int nl_open_monitor_in(struct nl *nl, unsigned groups, const uint16_t *types, size_t n_types, int nsfd);
int nl_fd(const struct nl *nl);

/* The largest request. */
#define NL_MSG_MAX 1024

/* Fill the header of a request with a fresh sequence number. */
struct nlmsghdr *nl_msg_init(struct nl *nl, void *buf, uint16_t type, uint16_t flags);

/* One request and its acknowledgement. 0 or -errno; the kernel's extended
 * error text (if it gave one) lands in EXTMSG. */
int nl_request(struct nl *nl, struct nlmsghdr *nlh, char *extmsg, size_t extlen);

/*
 * One request in the background. The kernel takes tens of milliseconds
 * over some requests while mostly waiting (a NIC's move into another
 * namespace waits for RCU grace periods), and the caller has other work
 * for that time: a thread makes the request and reads its answer. NL is
 * the thread's until nl_request_wait(). The thread allocates nothing (the
 * request is built and its stack mapped by the caller, and both are let go
 * of at the wait), so it leaves nothing behind: no arena of its own, no
 * cached stack. Without BACKGROUND, or when no thread can start, the
 * request is made at once, in the caller, and nl_request_wait() only gives
 * its answer.
 */
struct nl_batch;
struct nl_async {
	struct nl *nl;
	struct nl_batch *batch;
	void *stack;
	size_t stack_len;
	pthread_t thread;
	bool threaded;
	int err;
	char ext[256];
};
void nl_request_start(struct nl_async *a, struct nl *nl, const struct nlmsghdr *nlh, bool background);
/* Its answer, as nl_request() gives it. */
int nl_request_wait(struct nl_async *a, char *extmsg, size_t extlen);

/* A dump request: CB is called for every message of the answer. */
int nl_dump(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data);

/* A batch of requests, each with a caller's tag for error reports. */
struct nl_batch;
struct nl_batch *nl_batch_new(void);
void nl_batch_free(struct nl_batch *b);
size_t nl_batch_count(const struct nl_batch *b);
/* Room for one more request (at most NL_MSG_MAX bytes), header zeroed. */
struct nlmsghdr *nl_batch_add(struct nl_batch *b, struct nl *nl, uint16_t type, uint16_t flags, long tag);
/* Close the request last returned by nl_batch_add (its length is final). */
void nl_batch_commit(struct nl_batch *b, struct nlmsghdr *nlh);

typedef void (*nl_error_cb)(long tag, int err, const char *extmsg, void *data);
/* Send all; returns the number of requests the kernel refused (each passed
 * to ON_ERROR), or -errno if the socket itself failed. */
int nl_batch_run(struct nl *nl, struct nl_batch *b, nl_error_cb on_error, void *data);

#endif
