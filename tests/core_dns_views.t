#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The resolv.conf overlay stays in the view of sshd, and so of every
# session, whatever happens to the files after sshd started:
# - the host replaces its /etc/resolv.conf by a rename (dhclient at each
#   lease, NetworkManager, resolvconf): the kernel drops the binds on the
#   old file. Before, sessions resolved with the host's servers, which the
#   namespace cannot reach, while status said all was well;
# - the overlay written only after sshd started ([dns] added by a reload);
# - /etc/resolv.conf a link to a file not made yet when sshd starts
#   (systemd-resolved's stub, racing oobd at boot), made later.
# The test's /etc is a copy, in the sandbox's own mount namespace.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"

mkdir "$T/etc" && cp -a /etc/. "$T/etc/" && mount --bind "$T/etc" /etc &&
	mount -t tmpfs -o mode=0755 tmpfs /etc/netns || bail "cannot make the sandbox its own /etc"
rm -f /etc/resolv.conf && printf 'nameserver 10.9.9.1\n' > /etc/resolv.conf
seen() { oob_ssh "$OOB4" cat /etc/resolv.conf 2>>"$T/ssh.log"; }
sees_overlay() { seen | grep -q '^nameserver 203\.0\.113\.53$'; }

path_up '[dns]' 'nameserver = 203.0.113.53'
check "a session sees the overlay" -- sees_overlay

# --- the host's file replaced by a rename ---
mark=$(log_mark)
printf 'nameserver 10.9.9.2\n' > /etc/resolv.conf.new && mv /etc/resolv.conf.new /etc/resolv.conf
ok $? "the host's /etc/resolv.conf is replaced by a rename"
check "a session sees the overlay again" -- wait_until 10 sees_overlay
log_after "$mark" "sshd \(pid [0-9]+\) did not see the resolv.conf overlay .*; bound it again"
ok $? "... and the log says it was bound again"
is "$(cat /etc/resolv.conf)" "nameserver 10.9.9.2" "the host's own file is the new one, untouched"

# --- [dns] added by a reload, after sshd started ---
stop_oobd
write_nic_config "$T/oobd.conf"
rm -f /etc/netns/oob/resolv.conf
start_oobd "$T/oobd.conf"
wait_until 15 ssh_banner "$OOB4" && wait_until 10 sshd_ready
ok $? "oobd again, without [dns]"
like "$(seen)" "^nameserver 10\.9\.9\.2$" "a session sees the host's file"
write_nic_config "$T/oobd.conf" '[dns]' 'nameserver = 203.0.113.53'
"$BUILD/oobctl" reload >/dev/null
ok $? "a reload adds [dns]"
check "a session sees the overlay" -- wait_until 10 sees_overlay

# --- /etc/resolv.conf links to a file made only later ---
stop_oobd
mkdir -p /run/resolve && rm -f /run/resolve/stub-resolv.conf /etc/resolv.conf
ln -s ../run/resolve/stub-resolv.conf /etc/resolv.conf
start_oobd "$T/oobd.conf"
wait_until 15 ssh_banner "$OOB4" && wait_until 10 sshd_ready
ok $? "oobd again, /etc/resolv.conf a link to nothing yet"
printf 'nameserver 127.0.0.53\n' > /run/resolve/stub-resolv.conf
ok $? "the file it links to is made"
check "a session sees the overlay" -- wait_until 10 sees_overlay
is "$(cat /run/resolve/stub-resolv.conf)" "nameserver 127.0.0.53" "the host's file is untouched"

# Every bind refused (a seccomp filter): sshd's view keeps the host's file,
# and status says so rather than that all is well.
stop_oobd
[ -x "$NOBIND" ] || bail "$NOBIND not built (make integration builds it)"
if ! "$NOBIND" true; then
	skip "every bind mount refused: no seccomp filter here"
else
	"$NOBIND" "$OOBD" -c "$T/oobd.conf" >>"$T/oobd.log" 2>&1 &
	OOBD_PID=$!
	wait_until 15 ssh_banner "$OOB4" && wait_until 10 sshd_ready
	ok $? "oobd again, every bind mount refused"
	like "$(seen)" "^nameserver 127\.0\.0\.53$" "a session sees the host's file"
	out=$("$BUILD/oobctl" status); st=$?
	isnt_zero() { [ "$1" -ne 0 ]; }
	isnt_zero "$st"; ok $? "status reports a problem (exit status $st)"
	like "$out" "sshd \(pid [0-9]+\) does not see the resolv\.conf overlay: it resolves with the host's /etc/resolv\.conf" \
		"... that sshd does not see the overlay"
	stop_oobd
	start_oobd "$T/oobd.conf"
	wait_until 15 ssh_banner "$OOB4" && wait_until 10 sshd_ready
	ok $? "oobd again, as usual"
	unlike "$("$BUILD/oobctl" status)" "does not see the resolv" "status has nothing to say of the overlay"
	stop_oobd
fi

# A link into a directory not made yet (early in the boot, before
# systemd-resolved made /run/systemd/resolve): the binds at sshd's start
# find no file; oobd watches up the path, and binds once the file is there.
# An absolute link, as systemd's: in sshd's view it is followed from sshd's
# root, and so is oobd's look at that view.
rm -f /etc/resolv.conf && ln -s /run/resolve2/sub/stub-resolv.conf /etc/resolv.conf
start_oobd "$T/oobd.conf"
wait_until 15 ssh_banner "$OOB4" && wait_until 10 sshd_ready
ok $? "oobd again, /etc/resolv.conf a link into a directory not made yet"
like "$("$BUILD/oobctl" status)" "sshd \(pid [0-9]+\) does not see the resolv\.conf overlay" \
	"status says sshd does not see the overlay meanwhile"
mkdir -p /run/resolve2/sub && printf 'nameserver 127.0.0.54\n' > /run/resolve2/sub/stub-resolv.conf
ok $? "the directories and the file are made"
check "a session sees the overlay" -- wait_until 10 sees_overlay
unlike "$("$BUILD/oobctl" status)" "does not see the resolv" "... and status has nothing more to say of it"
# oobd's watch on /run (the parent of /run/sshd), which the walk up the path
# also used, is back to its own events: no wake-up for every file made there.
run_watch_mask() {
	local ino dev f
	ino=$(printf '%x' "$(stat -c %i /run)"); dev=$(printf '%x' "$(stat -c %d /run)")
	for f in /proc/"$OOBD_PID"/fdinfo/*; do
		sed -n "s/^inotify wd:[0-9a-f]* ino:$ino sdev:$dev mask:\([0-9a-f]*\) .*/\1/p" "$f"
	done
}
m=$(run_watch_mask)
[ -n "$m" ] && [ $(( 0x$m & 0x100 )) -eq 0 ]
ok $? "the watch on /run is for deletions and moves only again (mask ${m:-none})"
stop_oobd
done_testing
