/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "netns.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <linux/openat2.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif

static int netns_path(const char *name, char buf[PATH_MAX])
{
	if (snprintf(buf, PATH_MAX, "%s/%s", NETNS_RUN_DIR, name) >= PATH_MAX)
		return -ENAMETOOLONG;
	return 0;
}

int netns_open(const char *name)
{
	char path[PATH_MAX];
	struct statfs sfs;
	int fd, r = netns_path(name, path);

	if (r < 0)
		return r;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* A plain file left behind by a failed "ip netns add" is not a
	 * namespace; nor is another kind of namespace bound there (a uts or
	 * mount one: entering it as a network namespace fails). */
	if (fstatfs(fd, &sfs) < 0 || sfs.f_type != NSFS_MAGIC || ioctl(fd, NS_GET_NSTYPE) != CLONE_NEWNET) {
		close(fd);
		return -EINVAL;
	}
	return fd;
}

/* Make /run/netns a shared mount point, as ip (iproute2 6.1) does, so
 * that namespaces bound later appear in mount namespaces that were copied
 * earlier. Its bind onto itself stays in the peer group of /run (no
 * private step between): a mount namespace copied before the first
 * namespace was made (a service with private mounts started before oobd)
 * sees the binds too. */
static int run_dir_make_shared(void)
{
	if (mount("", NETNS_RUN_DIR, "none", MS_SHARED | MS_REC, NULL) == 0)
		return 0;
	if (errno != EINVAL)
		return -errno;
	if (mount(NETNS_RUN_DIR, NETNS_RUN_DIR, "none", MS_BIND | MS_REC, NULL) < 0)
		return -errno;
	if (mount("", NETNS_RUN_DIR, "none", MS_SHARED | MS_REC, NULL) < 0)
		return -errno;
	return 0;
}

struct bind_args {
	const char *src, *path;
	bool new_ns;   /* in a network namespace of its own, made first */
	int mntfd;     /* in this mount namespace (-1: the caller's) */
};

static int bind_child(void *arg)
{
	const struct bind_args *a = arg;

	if (a->new_ns && unshare(CLONE_NEWNET) < 0)
		_exit(errno);
	if (a->mntfd >= 0 && setns(a->mntfd, CLONE_NEWNS) < 0)
		_exit(errno);
	if (mount(a->src, a->path, "none", MS_BIND, NULL) < 0)
		_exit(errno);
	_exit(0);
}

/* Bind-mount SRC onto the file at PATH, in a child process: "/proc/self"
 * of a thread would name the wrong task, and a process that shares its
 * file system attributes cannot enter another mount namespace. The child
 * shares this process's memory until it exits (no page table copied, no
 * copy-on-write fault after), and only makes system calls. */
static int bind_in_child(const char *src, const char *path, bool new_ns, int mntfd)
{
	struct bind_args a = { .src = src, .path = path, .new_ns = new_ns, .mntfd = mntfd };
	pid_t pid = clone_vfork(bind_child, &a, 8192);
	int status;

	if (pid < 0)
		return pid;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (!WIFEXITED(status))
		return -EIO;
	return -WEXITSTATUS(status);
}

static int run_dir_prepare(int *lockfd)
{
	int r;

	if (mkdir(NETNS_RUN_DIR, 0755) < 0 && errno != EEXIST)
		return -errno;
	*lockfd = open(NETNS_RUN_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*lockfd < 0)
		return -errno;
	if (flock(*lockfd, LOCK_EX) < 0)
		return -errno;
	r = run_dir_make_shared();
	return r;
}

int netns_create(const char *name)
{
	char path[PATH_MAX];
	_cleanup_close_ int lockfd = -1;
	int fd, r;

	r = netns_path(name, path);
	if (r < 0)
		return r;
	r = run_dir_prepare(&lockfd);
	if (r < 0)
		return r;
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	close(fd);
	r = bind_in_child("/proc/self/ns/net", path, true, -1);
	if (r < 0) {
		umount2(path, MNT_DETACH);
		unlink(path);
		return r;
	}
	fd = netns_open(name);
	if (fd < 0) {
		umount2(path, MNT_DETACH);
		unlink(path);
	}
	return fd;
}

int netns_bind(const char *name, int nsfd)
{
	char path[PATH_MAX], src[64];
	_cleanup_close_ int lockfd = -1;
	int fd, r;

	r = netns_path(name, path);
	if (r < 0)
		return r;
	r = run_dir_prepare(&lockfd);
	if (r < 0)
		return r;
	fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	close(fd);
	/* The forked child still has NSFD (O_CLOEXEC acts only at exec); its
	 * /proc/self/fd entry names the namespace inode. */
	snprintf(src, sizeof(src), "/proc/self/fd/%d", nsfd);
	r = bind_in_child(src, path, false, -1);
	if (r < 0) {
		unlink(path);
		return r;
	}
	return 0;
}

int netns_delete(const char *name)
{
	char path[PATH_MAX];
	int r = netns_path(name, path);

	if (r < 0)
		return r;
	if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		return -errno;
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

int netns_call_in(int nsfd, int (*fn)(void *), void *arg)
{
	_cleanup_close_ int orig = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	int r;

	if (orig < 0)
		return -errno;
	if (setns(nsfd, CLONE_NEWNET) < 0)
		return -errno;
	r = fn(arg);
	if (setns(orig, CLONE_NEWNET) < 0) {
		/* Staying in the wrong namespace would misconfigure everything after. */
		log_err("cannot return to the main network namespace: %s", strerror(errno));
		abort();
	}
	return r;
}

/* /etc/netns/NAME/X over /etc/X for each entry X, as "ip netns exec" does.
 * Nothing is allocated: service_start() runs this in a child that shares
 * the supervisor's memory until it execs. */
static void etc_overlay(const char *name)
{
	char dir[PATH_MAX], buf[4096] __attribute__((aligned(8)));
	_cleanup_close_ int fd = -1;
	ssize_t n;

	if (snprintf(dir, sizeof(dir), "%s/%s", NETNS_ETC_DIR, name) >= (int)sizeof(dir))
		return;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	while ((n = getdents64(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t off = 0; off < n;) {
			const struct dirent64 *e = (const struct dirent64 *)(buf + off);
			char src[PATH_MAX], dst[PATH_MAX];
			off += e->d_reclen;
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			if (snprintf(src, sizeof(src), "%s/%s", dir, e->d_name) >= (int)sizeof(src) ||
			    snprintf(dst, sizeof(dst), "/etc/%s", e->d_name) >= (int)sizeof(dst))
				continue;
			if (mount(src, dst, "none", MS_BIND, NULL) < 0)
				log_warn("bind %s -> %s failed: %s", src, dst, strerror(errno));
		}
	}
}

/* What process PID sees at path REL (from its root), as it sees it: an
 * absolute symbolic link on the way (/etc/resolv.conf ->
 * /run/systemd/resolve/stub-resolv.conf) is followed from its root too, where
 * a path through /proc/PID/root would follow it from oobd's. */
static int stat_in_root(pid_t pid, const char *rel, struct stat *st)
{
	char root[64], path[PATH_MAX];
	struct open_how how = { .flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT };
	_cleanup_close_ int dfd = -1, fd = -1;

	snprintf(root, sizeof(root), "/proc/%d/root", (int)pid);
	dfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	fd = (int)syscall(SYS_openat2, dfd, rel, &how, sizeof(how));
	if (fd >= 0)
		return fstat(fd, st) < 0 ? -errno : 0;
	/* ENOSYS: before Linux 5.6; EPERM: a seccomp filter that does not
	 * know it (a container's); EAGAIN: a rename or mount meanwhile. Then
	 * through the link (right for a relative one). */
	if (errno != ENOSYS && errno != EPERM && errno != EAGAIN)
		return -errno;
	if (snprintf(path, sizeof(path), "%s/%s", root, rel) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	return stat(path, st) < 0 ? -errno : 0;
}

/* Does process PID, in the view (mount namespace) of its own that
 * netns_exec_view made, lack /etc/netns/NAME/FILE over its /etc/FILE?
 * 1: it does (*MNTFD, when not NULL, then opens that view); 0: it sees the
 * overlay, there is no such overlay file, or the process has no view of
 * its own yet (a child between its clone and its unshare); -errno. */
static int etc_view_lacks(pid_t pid, const char *name, const char *file, int *mntfd)
{
	char src[PATH_MAX], seen[PATH_MAX], mnt[64];
	struct stat want, have = { 0 }, self_ns, its_ns;
	_cleanup_close_ int fd = -1;

	if (snprintf(src, sizeof(src), "%s/%s/%s", NETNS_ETC_DIR, name, file) >= (int)sizeof(src) ||
	    snprintf(seen, sizeof(seen), "etc/%s", file) >= (int)sizeof(seen))
		return -ENAMETOOLONG;
	if (stat(src, &want) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (stat_in_root(pid, seen, &have) == 0 && have.st_dev == want.st_dev && have.st_ino == want.st_ino)
		return 0;
	snprintf(mnt, sizeof(mnt), "/proc/%d/ns/mnt", (int)pid);
	fd = open(mnt, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (stat("/proc/self/ns/mnt", &self_ns) < 0 || fstat(fd, &its_ns) < 0)
		return -errno;
	if (self_ns.st_ino == its_ns.st_ino && self_ns.st_dev == its_ns.st_dev)
		return 0;
	if (mntfd)
		*mntfd = steal_fd(&fd);
	return 1;
}

int netns_etc_sees(pid_t pid, const char *name, const char *file)
{
	int r = etc_view_lacks(pid, name, file, NULL);
	return r < 0 ? r : !r;
}

int netns_etc_rebind(pid_t pid, const char *name, const char *file)
{
	char src[PATH_MAX], dst[PATH_MAX];
	_cleanup_close_ int mntfd = -1;
	int r = etc_view_lacks(pid, name, file, &mntfd);

	if (r <= 0)
		return r;
	snprintf(src, sizeof(src), "%s/%s/%s", NETNS_ETC_DIR, name, file);
	snprintf(dst, sizeof(dst), "/etc/%s", file);
	/* The source by its path in that view: a bind from another mount
	 * namespace is refused (EINVAL). */
	r = bind_in_child(src, dst, false, mntfd);
	return r < 0 ? r : 1;
}

int netns_exec_view(const char *name, int nsfd, char *errbuf, int errlen)
{
	struct statvfs st;
	unsigned long flags = 0;

	if (setns(nsfd, CLONE_NEWNET) < 0) {
		snprintf(errbuf, (size_t)errlen, "entering network namespace \"%s\": %s", name, strerror(errno));
		return -errno;
	}
	if (unshare(CLONE_NEWNS) < 0) {
		snprintf(errbuf, (size_t)errlen, "creating a mount namespace: %s", strerror(errno));
		return -errno;
	}
	/* Nothing mounted here may propagate back to the host. */
	if (mount("", "/", "none", MS_SLAVE | MS_REC, NULL) < 0) {
		snprintf(errbuf, (size_t)errlen, "making / a slave mount: %s", strerror(errno));
		return -errno;
	}
	/* A fresh sysfs, so /sys/class/net lists this namespace's links. As
	 * ip: one that stays (it could not be unmounted) and is read-only
	 * cannot be shadowed with a read-write one. */
	if (umount2("/sys", MNT_DETACH) < 0) {
		int e = errno;
		if (statvfs("/sys", &st) == 0 && (st.f_flag & ST_RDONLY))
			flags = MS_RDONLY;
		/* ip carries on too: /sys then shows the host's links. */
		if (e != EINVAL)
			log_warn("umount of /sys failed: %s", strerror(e));
	}
	if (mount(name, "/sys", "sysfs", flags, NULL) < 0)
		log_warn("mount of /sys failed: %s", strerror(errno));
	etc_overlay(name);
	return 0;
}
