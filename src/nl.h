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
 *
 * Every call leaves the socket in step: when it returns, nothing of its
 * answer is left to be read, so the next request reads its own answer
 * only. A call that stops early (a failed send, a callback's error, an
 * interrupted dump) first reads out what is still to come. One that lost
 * answers (ENOBUFS), and so cannot know when they end, or that finds a
 * dump someone else left running (EBUSY), gives NL a fresh socket in the
 * same namespace (nl_fd() then changes: only the monitors are watched by
 * descriptor, and they are never renewed). Answers that are not the
 * current request's (stale ones of a request someone else left unread)
 * are skipped, never taken for its own.
 */

struct nl {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq;
	size_t room;    /* the longest datagram read that outgrew a reader's buffer */
};

/* Open in the calling thread's namespace, or in NSFD's. 0 or -errno. */
int nl_open(struct nl *nl);
int nl_open_in(struct nl *nl, int nsfd);
void nl_close(struct nl *nl);
/* An event a monitor lets through: a message of TYPE; with OFFSET not 0,
 * only one whose byte at OFFSET (counted from the start of the message,
 * its header included) is VALUE. */
struct nl_pass {
	uint16_t type;
	uint16_t offset;
	uint8_t value;
};
/* A non-blocking socket subscribed to the multicast GROUPS (RTMGRP_*).
 * With PASS (at most NL_FILTER_TYPES_MAX), only those events reach it: the
 * kernel drops the others before queueing them. */
#define NL_FILTER_TYPES_MAX 16
int nl_open_monitor(struct nl *nl, unsigned groups, const struct nl_pass *pass, size_t n_pass);
int nl_open_monitor_in(struct nl *nl, unsigned groups, const struct nl_pass *pass, size_t n_pass, int nsfd);
/* Read every event queued on the monitor MON (non-blocking), CB for each
 * message. True when events were lost (ENOBUFS): the caller must look at
 * the state itself again. */
bool nl_monitor_drain(struct nl *mon, void (*cb)(const struct nlmsghdr *nlh, void *data), void *data);
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
	bool lost;      /* answers were lost: the socket is renewed at the wait */
	int err;
	char ext[256];
};
void nl_request_start(struct nl_async *a, struct nl *nl, const struct nlmsghdr *nlh, bool background);
/* Its answer, as nl_request() gives it. */
int nl_request_wait(struct nl_async *a, char *extmsg, size_t extlen);

/*
 * A dump request: CB is called for every message of the answer, as with
 * mnl_cb_run() (MNL_CB_ERROR fails the dump with errno, MNL_CB_STOP ends it
 * early and successfully). 0 or -errno.
 *
 * The kernel marks a dump that a change of the table interrupted
 * (NLM_F_DUMP_INTR): what it gave may be inconsistent. Such a dump is made
 * again (NLH sent anew, with a fresh sequence number), up to NL_DUMP_TRIES
 * times in all, then fails with -EAGAIN (the table keeps changing: try
 * later). So that CB never sees an interrupted
 * dump, an answer that comes in several parts is held until it is complete
 * (a single part, the usual case, is passed on at once).
 */
#define NL_DUMP_TRIES 5
int nl_dump(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data);
/* The same without holding anything: CB sees each part as it comes, and
 * before each new try RESTART(DATA) drops what CB collected so far. For
 * large dumps (a host's links, a full routing table). */
int nl_dump_restartable(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void (*restart)(void *data),
			void *data);

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
