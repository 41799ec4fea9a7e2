#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Root's own login files on the worst day: a startup file that fails or
# hangs (a profile script waiting on a dead mount, a tool's lock left by
# another login) breaks every login that runs root's shell, on the main
# sshd and on the oob one. With the shipped sshd config:
# - root's ~/.ssh/rc, a file of the main sshd's world, is not run
#   (PermitUserRC no);
# - sftp runs no shell at all (internal-sftp): the file can be moved out of
#   the way over the oob path, and logins work again.
# The same with the built-in config, which runs when the configured one
# is broken too.
# Root's home here is a directory of the test's, named in a copy of
# /etc/passwd bound over it in the sandbox's own mount namespace: the
# host's home and files are not touched.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"

home=$T/home
mkdir -m 0700 "$home"
awk -F: -v OFS=: -v h="$home" '$1 == "root" { $6 = h } { print }' /etc/passwd > "$T/passwd"
chmod 0644 "$T/passwd"
mount --bind "$T/passwd" /etc/passwd || bail "cannot bind $T/passwd over /etc/passwd"
[ "$(getent passwd root | cut -d: -f6)" = "$home" ] || bail "root's home is not $home in the sandbox"
mkdir -m 0700 "$home/.ssh"
printf 'touch %s\n' "$T/rc.ran" > "$home/.ssh/rc"

# oob_sftp ADDR: sftp in batch mode (commands on stdin), the same key.
oob_sftp() {
	ip netns exec admin sftp -F /dev/null -i "$T/id_client" -b - \
		-o UserKnownHostsFile="$T/known_hosts" -o StrictHostKeyChecking=accept-new \
		-o BatchMode=yes -o ConnectTimeout=5 -o LogLevel=ERROR "root@$1"
}

# broken_login WHICH: root's startup files broken, then moved aside over
# sftp, with sshd running the WHICH config.
broken_login() {
	local out st
	# bash reads ~/.bashrc for a command run by sshd (Debian builds it
	# so), and a login shell reads ~/.profile: both broken.
	printf 'exit 3\n' > "$home/.bashrc"
	cp "$home/.bashrc" "$home/.profile"
	rm -f "$home/.bashrc.broken" "$home/.profile.broken" "$T/rc.ran"
	out=$(oob_ssh "$OOB4" echo reached 2>&1); st=$?
	is "$st" 3 "($1 config) a broken ~/.bashrc breaks a command run over the oob sshd (it runs root's shell)"
	unlike "$out" reached "($1 config) ... the command never runs"
	out=$(printf 'rename .bashrc .bashrc.broken\nrename .profile .profile.broken\n' | oob_sftp "$OOB4" 2>&1)
	ok $? "($1 config) sftp (internal-sftp: no shell) moves the files out of the way" || diag "$out"
	[ -e "$home/.bashrc.broken" ] && [ ! -e "$home/.bashrc" ]
	ok $? "($1 config) ... renamed in root's home"
	is "$(oob_ssh "$OOB4" echo reached 2>&1)" reached "($1 config) a command runs again"
	[ ! -e "$T/rc.ran" ]
	ok $? "($1 config) ... without root's ~/.ssh/rc (PermitUserRC no)"
}

path_up
is "$("$BUILD/oobctl" status --json | jq -r '.services[] | select(.name == "sshd") | .config')" configured \
	"sshd runs the configured config"
broken_login configured
stop_oobd

# The configured config broken too (sshd refuses it; no last-good copy
# yet): the built-in config runs.
rm -f /run/oobd/sshd_config.last-good
echo "NoSuchKeyword yes" >> "$T/sshd_config"
mark=$(log_mark)
start_oobd "$T/oobd.conf"
wait_until 20 log_after "$mark" '^<6>sshd ready \(pid [0-9]+, built-in config'
ok $? "with a broken sshd config, sshd runs the built-in config" || bail "no built-in config"
broken_login built-in
stop_oobd
done_testing
