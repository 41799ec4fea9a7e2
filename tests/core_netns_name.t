#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# /run/netns/oob made again by hand (another, empty namespace under the
# name) before oobd re-binds it: the name is not taken over, status says
# that "ip netns exec oob" misses the path, and the namespace oobd holds,
# with the NIC and sshd in it, is still kept in repair; "oobctl down" hands
# the NIC back from it and leaves the hand-made namespace alone. Then
# another kind of namespace under the name: replaced. And the name seen
# from a mount namespace copied before it was made.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"
OOBCTL=$BUILD/oobctl
path_up "gateway = $ADM4"
kill -STOP "$OOBD_PID" # busy, as in a long reload
ip netns del oob
ip netns add oob
kill -CONT "$OOBD_PID"
wait_until 10 log_has 'now names another namespace; keeping ours'
ok $? "the log says the name names another namespace"
elsewhere() { "$OOBCTL" status --json | jq -e '.health == "degraded" and any(.problems[]; test("names another namespace"))'; }
check "status: degraded, and why" -- wait_until 10 elsewhere
check "sshd still answers" -- ssh_banner "$OOB4"
# Drift in the namespace oobd holds, reached through sshd's own.
nsenter --net="/proc/$(sshd_pid)/ns/net" ip addr del "$OOB4/24" dev oob0
check "an address deleted there is put back" -- wait_until 10 ssh_banner "$OOB4"
# "oobctl down" tears down the namespace oobd holds, not the one named.
ip netns exec oob sh -c 'ip link add keep0 type bridge' # marks the hand-made one
"$OOBCTL" down --yes >/dev/null
ok $? "oobctl down"
check "the NIC is handed back from the namespace oobd held" -- ip link show "$NIC"
check "the hand-made namespace keeps its name" -- ip -n oob link show keep0
stop_oobd

# Another kind of namespace bound under the name (a uts one): it is no
# network namespace, and is replaced as a leftover file would be. Before,
# oobd took it, failed to open a netlink socket in it and exited.
ip netns del oob
rm -f /run/oobd/down
touch /run/netns/oob && mount --bind /proc/self/ns/uts /run/netns/oob
ok $? "a uts namespace is bound at /run/netns/oob"
mark=$(log_mark)
start_oobd "$T/oobd.conf"
check "oobd comes up all the same: sshd answers" -- wait_until 15 ssh_banner "$OOB4"
log_after "$mark" 'namespace "oob": /run/netns/oob is not a namespace; replacing it'
ok $? "... saying it replaced what was there"
ip netns exec oob ip link show oob0 >/dev/null 2>&1
ok $? "... and the name is a network namespace with the NIC"
stop_oobd

# A mount namespace copied before oobd made /run/netns a mount point of
# its own (a service with private mounts, a slave of the host's, started
# earlier) sees the namespace oobd binds, as with "ip netns add". Before,
# /run/netns was made private on its way to shared, out of the peer group
# of /run, and such a namespace saw an empty file.
ip netns del oob 2>/dev/null
while mountpoint -q /run/netns; do umount -l /run/netns || break; done
rm -rf /run/netns
sleep_until_gone() { ! ip -n admin link show adm0 >/dev/null 2>&1; }
wait_until 5 sleep_until_gone # the veth went with the namespace
make_nic
mount --make-shared /run
unshare -m --propagation slave sleep 600 &
peer=$!
wait_until 5 eval '[ "$(readlink /proc/$peer/ns/mnt)" != "$(readlink /proc/self/ns/mnt)" ]'
start_oobd "$T/oobd.conf"
check "oobd makes the namespace again" -- wait_until 15 ssh_banner "$OOB4"
nsenter -t "$peer" -m ip netns exec oob ip link show oob0 >/dev/null 2>&1
ok $? "a mount namespace copied earlier enters it by its name"
kill "$peer"
stop_oobd
done_testing
