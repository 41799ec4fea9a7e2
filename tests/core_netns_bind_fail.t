#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The namespace's name cannot be bound (every plain bind mount refused, as a
# security module would): each failed try removes the file it made, which
# the watch on /run/netns reports. That must not be the next try at once:
# the tries are counted while oobd waits for its retry, and stay few, and
# oobd stays idle meanwhile and keeps what it holds in repair. Both for the
# re-bind of the namespace it holds ("ip netns del") and for its creation
# ("oobctl up"). "oobctl down" meanwhile hands the NIC back from the
# unnamed namespace; an "oobctl up" that failed is retried by oobd and may
# be asked again, and once it can be, the whole path comes up.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"
OOBCTL=$BUILD/oobctl
[ -x "$NOBIND" ] || bail "$NOBIND not built (make integration builds it)"
"$NOBIND" true || skip_all "no seccomp filter here"

make_nic
make_keys
write_sshd_config
write_nic_config "$T/oobd.conf"
ip netns add oob # adopted: oobd need not bind it
OOBD_DEBUG=1 "$NOBIND" "$OOBD" -c "$T/oobd.conf" >>"$T/oobd.log" 2>&1 &
OOBD_PID=$!
wait_until 15 ssh_banner "$OOB4"
ok $? "sshd answers" || bail "oobd did not come up"

tries() { tail -n +"$(($1 + 1))" "$T/oobd.log" | grep -c -- "$2"; }
at_least() { [ "$(tries "$1" "$2")" -ge "$3" ]; }
# retried WHAT MARK T0 PATTERN: the try (PATTERN in the log after MARK) is
# made again, few times while oobd waits for the second, and oobd stays
# idle meanwhile (T0: its CPU ticks at MARK).
retried() {
	local what=$1 mark=$2 t0=$3 pat=$4 n t1
	wait_until 15 at_least "$mark" "$pat" 2
	ok $? "$what: tried again"
	n=$(tries "$mark" "$pat")
	t1=$(cpu_ticks "$OOBD_PID")
	[ "$n" -le 5 ]
	ok $? "$what: a bounded number of tries while waiting for the second ($n)"
	[ $((t1 - t0)) -le 25 ]
	ok $? "$what: oobd stays idle meanwhile ($((t1 - t0)) ticks of CPU time)"
}

# Re-binding the name of the namespace oobd holds.
mark=$(log_mark)
t0=$(cpu_ticks "$OOBD_PID")
ip netns del oob
retried re-bind "$mark" "$t0" 're-binding'
is "$(tail -n +"$((mark + 1))" "$T/oobd.log" | grep -c '^<3>.*re-binding')" 1 "the failure is logged as an error once"
check "sshd still answers in the namespace oobd holds" -- ssh_banner "$OOB4"
# Without its name, the namespace oobd holds is still kept in repair.
in_held() { nsenter --net="/proc/$(sshd_pid)/ns/net" "$@"; }
in_held ip addr del "$OOB4/24" dev oob0
ok $? "an address deleted by hand in the unnamed namespace"
wait_until 10 eval 'in_held ip -4 addr show dev oob0 | grep -q "inet $OOB4/24"'
ok $? "is put back while the name waits for its retry"

# Creating the namespace on "oobctl up".
"$OOBCTL" down --yes >/dev/null
ok $? "oobctl down"
check "down hands the NIC back from the unnamed namespace oobd held" -- ip link show "$NIC"
mark=$(log_mark)
t0=$(cpu_ticks "$OOBD_PID")
! "$OOBCTL" up >/dev/null
ok $? "oobctl up fails"
retried create "$mark" "$t0" 'creating network namespace'

# A failed "oobctl up" is not left half done: once the namespace can be
# made (here: /run/netns read-only for a while), the whole path comes up,
# sshd included; and "oobctl up" may be asked again meanwhile.
kill "$OOBD_PID"; wait "$OOBD_PID" 2>/dev/null
ip netns del oob 2>/dev/null
start_oobd "$T/oobd.conf"
wait_until 15 ssh_banner "$OOB4"
ok $? "oobd without the filter: sshd answers" || bail "oobd did not come up"
"$OOBCTL" down --yes >/dev/null
ok $? "oobctl down"
mount -t tmpfs -o ro,mode=0755 ro /run/netns
! "$OOBCTL" up >/dev/null
ok $? "oobctl up with /run/netns read-only fails"
"$OOBCTL" up >/dev/null
is "$?" 1 "oobctl up again: tried again (not 'up already')"
umount /run/netns
wait_until 15 ssh_banner "$OOB4"
ok $? "once the namespace can be made, sshd answers (the whole path is up)"
check "oobctl status: ok" -- wait_until 10 "$OOBCTL" status
"$OOBCTL" up >/dev/null
is "$?" 0 "oobctl up now: up already"
stop_oobd
done_testing
