/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OOBD_OOBD_H
#define OOBD_OOBD_H

#include <stdbool.h>

#include "config.h"
#include "control.h"
#include "firewall.h"
#include "nl.h"
#include "reconcile.h"
#include "service.h"
#include "sshd_supervise.h"

/* The daemon's whole state: what status reports read. */

#define OOBD_LOCK_FILE OOBD_RUN_DIR "/oobd.pid"
#define OOBD_CONTROL_SOCKET OOBD_RUN_DIR "/control"
/* Present while the path is deliberately down ("oobctl down"): a restarted
 * oobd honours it until "oobctl up". */
#define OOBD_DOWN_FILE OOBD_RUN_DIR "/down"

/* A directory that holds a supervised program. */
struct prog_watch {
	int wd;
	char *dir;
};

/* Beside the config FILE, the last one oobd ran: FILE.last-good. */
#define OOBD_LAST_GOOD_SUFFIX ".last-good"

struct oobd {
	struct config *cfg;
	const char *config_path;     /* the configured file (-c): what a reload reads */
	char *config_error;          /* running its last-good copy: why the file was refused; else NULL */
	struct netstate ns;
	struct nl nl_main;           /* requests in the main namespace */
	struct nl mon_main;          /* link events in the main namespace */
	struct nl mon_oob;           /* link, address and route events in the oob namespace */
	struct sshd_sup sshd;
	struct service *svcs;        /* [service NAME] sections, in config order */
	size_t n_svcs;
	struct ctl_server ctl;
	struct firewall_state fw;    /* per family: file or built-in ruleset, and why */
	long long watchdog_next;
	long long started_at;        /* unix time */
	int epfd, sigfd, timerfd, inofd, lockfd;
	int netns_wd, run_wd;        /* inotify: /run/netns; /run, for /run/sshd */
	struct prog_watch *prog_watch; /* inotify: the directories of sshd's and the services' programs */
	size_t n_prog_watch;
	long long privsep_retry;     /* /run/sshd could not be made: try again at; 0: it is there */
	int mntfd;                   /* /proc/self/mountinfo, open while the DNS overlay waits for a retry */
	/* inotify: /etc, and the directory of what /etc/resolv.conf links to
	 * (its name there): the host's file replaced, which drops the overlay
	 * from the views of sshd and the services. */
	int etc_wd, resolv_dir_wd;
	char resolv_target[256];
	int dns_view_err;            /* the last failure to bind the overlay into a view, said once */
	bool stopping, need_reconcile;
	bool down;                   /* deliberately torn down */
	bool up_pending;             /* "oobctl up" failed part way: reconciles bring the whole path up */
	bool fw_ok;                  /* a ruleset (file or built-in) is in place in the namespace */
};

#endif
