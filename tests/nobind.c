/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nobind: run a program that cannot make a plain bind mount, for the
 * integration tests.
 *
 *   nobind PROGRAM [ARG...]
 *
 * Execs PROGRAM under a seccomp filter that makes every mount(2) whose
 * flags are exactly MS_BIND fail with EPERM, as a security module that
 * denies it would; its children inherit the filter. Other mounts (MS_BIND
 * with MS_REC, propagation changes) go through. For oobd that is the bind
 * of a namespace's name: adopting /run/netns/NAME works, creating or
 * re-binding it fails.
 *
 * Exit status: PROGRAM's; 1 when the filter cannot be installed or this
 * architecture is not known here; 2 for a usage error; 127 when PROGRAM
 * cannot be run.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
#define THIS_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define THIS_ARCH AUDIT_ARCH_AARCH64
#endif

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: nobind PROGRAM [ARG...]\n");
		return 2;
	}
#ifndef THIS_ARCH
	fprintf(stderr, "nobind: architecture not known here\n");
	return 1;
#else
	/* The flags are the 4th argument; on these little-endian machines
	 * its low 32 bits are the word at its offset. */
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, THIS_ARCH, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_mount, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[3])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, MS_BIND, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { (unsigned short)(sizeof(f) / sizeof(f[0])), f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0) {
		perror("nobind: installing the seccomp filter");
		return 1;
	}
	execvp(argv[1], argv + 1);
	perror(argv[1]);
	return 127;
#endif
}
